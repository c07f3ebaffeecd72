/* test_dkim_key.c - key records sized without OpenSSL in the caller:
 * mp_dkim_key_bits() on p= values and mp_dkim_key_info() on whole records.
 * Keys come from mp_signer_generate (SubjectPublicKeyInfo as published by
 * keygen), the same keys rewrapped as bare PKCS#1 RSAPublicKey, hand-made
 * DER for exact odd sizes and sizes over the verification limit, and broken
 * or revoked values with their reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/str.h>

static struct mp_signer *rsa1024, *rsa2048, *ed;

/* p_of - a signer's p= value, malloc'd */
static char *
p_of(const struct mp_signer *s)
{
	struct mp_buf b;
	char *out;

	mp_buf_init(&b, 4096);
	assert_int_equal(mp_signer_public_b64(s, &b), MP_OK);
	out = strdup(b.ptr);
	mp_buf_fini(&b);
	return out;
}

/* b64 - base64 of der, malloc'd */
static char *
b64(const uint8_t *der, size_t len)
{
	struct mp_buf b;
	char *out;

	mp_buf_init(&b, 8192);
	assert_int_equal(mp_base64_encode(&b, der, len), MP_OK);
	out = strdup(b.ptr);
	mp_buf_fini(&b);
	return out;
}

/* der_len - length of the DER element at d (header skipped into *hdr) */
static size_t
der_len(const uint8_t *d, size_t *hdr)
{
	size_t len = d[1];

	*hdr = 2;
	if (len & 0x80) {
		size_t n = len & 0x7f;

		len = 0;
		for (size_t k = 0; k < n; k++)
			len = (len << 8) | d[2 + k];
		*hdr += n;
	}
	return len;
}

/* pkcs1_of - the RSAPublicKey inside a signer's SubjectPublicKeyInfo, as p= */
static char *
pkcs1_of(const struct mp_signer *s)
{
	uint8_t der[2048];
	size_t len, hdr, alen, blen, ahdr, bhdr;
	char *p = p_of(s);
	const uint8_t *q;

	assert_true(mp_base64_decode_to(der, sizeof der, &len, mp_str_c(p), false));
	free(p);
	assert_int_equal(der[0], 0x30);             /* SEQUENCE { alg, BIT STRING } */
	der_len(der, &hdr);
	q = der + hdr;
	assert_int_equal(q[0], 0x30);
	alen = der_len(q, &ahdr);
	q += ahdr + alen;
	assert_int_equal(q[0], 0x03);
	blen = der_len(q, &bhdr);
	assert_int_equal(q[bhdr], 0);               /* no unused bits */
	return b64(q + bhdr + 1, blen - 1);
}

/* rsa_pkcs1 - a bare RSAPublicKey with an nbytes modulus whose first byte is
 * top (e = 65537), as p= */
static char *
rsa_pkcs1(size_t nbytes, uint8_t top)
{
	static uint8_t der[1200 + 32];
	size_t n = 0, ilen = nbytes + 1, slen;      /* INTEGER n keeps a 0x00 sign byte */

	slen = 4 + ilen + 5;
	der[n++] = 0x30;
	der[n++] = 0x82;
	der[n++] = (uint8_t)(slen >> 8);
	der[n++] = (uint8_t)slen;
	der[n++] = 0x02;
	der[n++] = 0x82;
	der[n++] = (uint8_t)(ilen >> 8);
	der[n++] = (uint8_t)ilen;
	der[n++] = 0x00;
	der[n++] = top;
	for (size_t k = 1; k < nbytes; k++)
		der[n++] = (uint8_t)(0x5a + k);
	memcpy(der + n, "\x02\x03\x01\x00\x01", 5);
	n += 5;
	assert_true(n <= sizeof der);
	return b64(der, n);
}

static unsigned
bits_of(const char *p, bool ed25519, enum mp_reason want_reason)
{
	struct mp_why why;
	unsigned bits = 12345;

	assert_int_equal(mp_dkim_key_bits(mp_str_c(p), ed25519, &bits, &why), MP_OK);
	if (why.reason != want_reason)
		fail_msg("p=%.40s...: reason %s, want %s (%s)", p, mp_reason_token(why.reason),
		         mp_reason_token(want_reason), why.text);
	return bits;
}

static void
test_generated_keys(void **state)
{
	char *p;

	(void)state;
	assert_int_equal(bits_of(p = p_of(rsa1024), false, MP_REASON_NONE), 1024);
	free(p);
	assert_int_equal(bits_of(p = p_of(rsa2048), false, MP_REASON_NONE), 2048);
	free(p);
	assert_int_equal(bits_of(p = p_of(ed), true, MP_REASON_NONE), 256);
	free(p);
	/* the same keys published as bare PKCS#1 RSAPublicKey */
	assert_int_equal(bits_of(p = pkcs1_of(rsa1024), false, MP_REASON_NONE), 1024);
	free(p);
	assert_int_equal(bits_of(p = pkcs1_of(rsa2048), false, MP_REASON_NONE), 2048);
	free(p);
}

static void
test_exact_sizes(void **state)
{
	static const struct {
		size_t nbytes;
		uint8_t top;
		unsigned bits;
	} cases[] = {
		{ 128, 0x80, 1024 }, { 128, 0x7f, 1023 }, { 128, 0x01, 1017 },
		{ 64, 0xc0, 512 }, { 256, 0x40, 2047 }, { 384, 0xff, 3072 },
		{ 1024, 0x80, 8192 }, { 1025, 0x01, 8193 },     /* sized though verification refuses */
	};

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char *p = rsa_pkcs1(cases[k].nbytes, cases[k].top);

		assert_int_equal(bits_of(p, false, MP_REASON_NONE), cases[k].bits);
		free(p);
	}
}

static void
test_bad_values(void **state)
{
	char *p = p_of(ed), *folded;
	size_t len = strlen(p);

	(void)state;
	assert_int_equal(bits_of("", false, MP_REASON_DKIM_KEY_REVOKED), 0);
	assert_int_equal(bits_of("", true, MP_REASON_DKIM_KEY_REVOKED), 0);
	assert_int_equal(bits_of("Zm9vYmFy", false, MP_REASON_DKIM_KEY_BAD), 0);
	assert_int_equal(bits_of("not base64!", false, MP_REASON_DKIM_KEY_BAD), 0);
	/* an Ed25519 key read as RSA, an RSA key read as Ed25519 */
	assert_int_equal(bits_of(p, false, MP_REASON_DKIM_KEY_BAD), 0);
	free(p);
	p = p_of(rsa1024);
	assert_int_equal(bits_of(p, true, MP_REASON_DKIM_KEY_BAD), 0);
	/* folding white space inside p= is allowed (RFC 6376 §3.6.1) */
	len = strlen(p);
	folded = malloc(len + 8);
	memcpy(folded, p, 40);
	memcpy(folded + 40, " \r\n\t ", 5);
	memcpy(folded + 45, p + 40, len - 40 + 1);
	assert_int_equal(bits_of(folded, false, MP_REASON_NONE), 1024);
	/* cut short */
	folded[60] = '\0';
	assert_int_equal(bits_of(folded, false, MP_REASON_DKIM_KEY_BAD), 0);
	free(folded);
	free(p);
	/* 31-byte Ed25519 */
	p = b64((const uint8_t *)"0123456789012345678901234567890", 31);
	assert_int_equal(bits_of(p, true, MP_REASON_DKIM_KEY_BAD), 0);
	free(p);
}

/* info - mp_dkim_key_info on record */
static struct mp_dkim_key_info
info(const char *record, enum mp_reason want_reason)
{
	struct mp_dkim_key_info ki;
	struct mp_why why;

	assert_int_equal(mp_dkim_key_info(mp_str_c(record), &ki, &why), MP_OK);
	if (why.reason != want_reason)
		fail_msg("%.60s: reason %s, want %s (%s)", record, mp_reason_token(why.reason),
		         mp_reason_token(want_reason), why.text);
	return ki;
}

static void
test_records(void **state)
{
	struct mp_dkim_key_info ki;
	char rec[4096], *p;

	(void)state;
	snprintf(rec, sizeof rec, "v=DKIM1; k=rsa; t=y; p=%s", p = p_of(rsa2048));
	free(p);
	ki = info(rec, MP_REASON_NONE);
	assert_string_equal(ki.type, "rsa");
	assert_int_equal(ki.bits, 2048);
	assert_false(ki.revoked);
	assert_true(ki.key.testing);
	snprintf(rec, sizeof rec, "v=DKIM1;k=ed25519;p=%s", p = p_of(ed));
	free(p);
	ki = info(rec, MP_REASON_NONE);
	assert_string_equal(ki.type, "ed25519");
	assert_int_equal(ki.bits, 256);
	/* k= defaults to rsa */
	snprintf(rec, sizeof rec, "p=%s", p = p_of(rsa1024));
	free(p);
	ki = info(rec, MP_REASON_NONE);
	assert_string_equal(ki.type, "rsa");
	assert_int_equal(ki.bits, 1024);
	/* revoked is not an error */
	ki = info("v=DKIM1; k=rsa; p=", MP_REASON_NONE);
	assert_true(ki.revoked);
	assert_int_equal(ki.bits, 0);
	assert_string_equal(ki.type, "rsa");
	/* an unusable p= and a malformed record */
	ki = info("v=DKIM1; k=rsa; p=Zm9vYmFy", MP_REASON_DKIM_KEY_BAD);
	assert_int_equal(ki.bits, 0);
	assert_false(ki.revoked);
	ki = info("v=DKIM1; k=rsa; p", MP_REASON_DKIM_KEY_SYNTAX);
	assert_null(ki.type);
	assert_int_equal(ki.bits, 0);
	ki = info("v=DKIM1; k=dsa; p=Zm9vYmFy", MP_REASON_DKIM_KEY_TYPE);
	assert_null(ki.type);
	/* why may be NULL */
	snprintf(rec, sizeof rec, "v=DKIM1; k=ed25519; p=%s", p = p_of(ed));
	free(p);
	assert_int_equal(mp_dkim_key_info(mp_str_c(rec), &ki, NULL), MP_OK);
	assert_int_equal(ki.bits, 256);
	assert_int_equal(mp_dkim_key_info(mp_str_c("v=DKIM1; p"), &ki, NULL), MP_OK);
	assert_int_equal(ki.bits, 0);
	assert_null(ki.type);
}

static int
setup(void **state)
{
	struct mp_why why;

	(void)state;
	rsa1024 = mp_signer_generate(MP_DKIM_RSA_SHA256, 1024, &why);
	rsa2048 = mp_signer_generate(MP_DKIM_RSA_SHA256, 2048, &why);
	ed = mp_signer_generate(MP_DKIM_ED25519_SHA256, 0, &why);
	return rsa1024 && rsa2048 && ed ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	mp_signer_free(rsa1024);
	mp_signer_free(rsa2048);
	mp_signer_free(ed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_keys),
		cmocka_unit_test(test_exact_sizes),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
