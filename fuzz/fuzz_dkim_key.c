/* fuzz_dkim_key.c - DKIM key record parser (RFC 6376 §3.6.1) and p=
 * decoding (RSA DER walk, Ed25519 raw keys). Invariants: a reason on every
 * rejection, p= inside the input, a decoded key only without a reason and
 * with a size in the allowed range, determinism. */
#include <stdint.h>
#include <stdlib.h>

#include <mailproof/dkim.h>
#include <mailproof/limits.h>
#include <mailproof/str.h>

#include "../src/dkim/dkim_internal.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_str in = mp_str_make((const char *)data, size);
	struct mp_dkim_key k, k2;
	struct mp_why why, why2;

	CHECK(mp_dkim_key_parse(in, &k, &why) == MP_OK);
	CHECK((unsigned)why.reason < MP_REASON__COUNT);
	CHECK(mp_dkim_key_parse(in, &k2, &why2) == MP_OK && why2.reason == why.reason);
	if (mp_why_failed(&why)) {
		CHECK(why.text[0] != '\0');
		return 0;
	}
	CHECK(k.p.len == 0 || ((const uint8_t *)k.p.ptr >= data
	                       && (const uint8_t *)k.p.ptr + k.p.len <= data + size));
	for (int ed = 0; ed < 2; ed++) {
		EVP_PKEY *pk = NULL;
		unsigned bits = 0;
		struct mp_why kw;

		mp_why_clear(&kw);
		if (mp_dkim_key_decode(k.p, ed, &pk, &bits, &kw) != MP_OK)
			continue;
		CHECK((pk != NULL) == !mp_why_failed(&kw));
		if (pk != NULL) {
			CHECK(bits > 0 && bits <= MP_LIMIT_DKIM_RSA_MAX);
			CHECK(!ed || bits == 256);
			EVP_PKEY_free(pk);
		}
	}
	return 0;
}
