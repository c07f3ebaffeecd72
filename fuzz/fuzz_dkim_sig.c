/* fuzz_dkim_sig.c - DKIM-Signature tag parser (RFC 6376 §3.5). Invariants:
 * a reason on every rejection, reasons in range, views inside the input,
 * accepted signatures are well-formed (valid d= and s=, From in h=, b= region
 * in bounds), parsing is deterministic, and an accepted signature whose b=
 * value is replaced still parses the same way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dkim.h>
#include <mailproof/str.h>

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static int
inside(struct mp_str v, const uint8_t *data, size_t size)
{
	return v.len == 0 || ((const uint8_t *)v.ptr >= data
	                      && (const uint8_t *)v.ptr + v.len <= data + size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_str in = mp_str_make((const char *)data, size);
	struct mp_dkim_sig *s = malloc(sizeof *s), *s2 = malloc(sizeof *s2);
	struct mp_why why, why2;

	CHECK(s && s2);
	CHECK(mp_dkim_sig_parse(in, s, &why) == MP_OK);
	CHECK((unsigned)why.reason < MP_REASON__COUNT);
	CHECK(mp_dkim_sig_parse(in, s2, &why2) == MP_OK);
	CHECK(why.reason == why2.reason);
	if (why.reason == MP_REASON_NONE || why.reason == MP_REASON_DKIM_SHA1) {
		CHECK(s->alg != MP_DKIM_ALG_UNKNOWN);
		CHECK((s->alg == MP_DKIM_RSA_SHA1) == (why.reason == MP_REASON_DKIM_SHA1));
		CHECK(s->d.len > 0 && s->s.len > 0 && s->h.len > 0 && s->b.len > 0);
		CHECK(inside(s->d, data, size) && inside(s->s, data, size) && inside(s->h, data, size));
		CHECK(inside(s->b, data, size) && inside(s->bh, data, size));
		CHECK(s->b_start <= s->b_end && s->b_end <= size);
		CHECK(s->i_domain.len > 0);
		CHECK(s->t < 0 || s->x < 0 || s->x > s->t);
		for (size_t k = 0; k < s->d.len; k++)
			CHECK(s->d.ptr[k] != '\0' && s->d.ptr[k] != ' ' && s->d.ptr[k] != '_');
		/* b= replaced by another value: same verdict */
		size_t nlen = size - (s->b_end - s->b_start) + 4;
		char *copy = malloc(nlen);
		CHECK(copy);
		memcpy(copy, data, s->b_start);
		memcpy(copy + s->b_start, "AAAA", 4);
		memcpy(copy + s->b_start + 4, data + s->b_end, size - s->b_end);
		CHECK(mp_dkim_sig_parse(mp_str_make(copy, nlen), s2, &why2) == MP_OK);
		CHECK(why2.reason == why.reason);
		CHECK(mp_str_eq(s2->d, s->d) && mp_str_eq(s2->s, s->s));
		free(copy);
	} else {
		CHECK(why.text[0] != '\0');
	}
	free(s);
	free(s2);
	return 0;
}
