/* test_dkim_canon.c - the streaming body canonicalizer (RFC 6376 §3.4.3,
 * §3.4.4) against a plain whole-buffer reference written from the RFC text,
 * over seeded random bodies built to hit the fast path's edges (runs longer
 * than its 64-byte blocks, WSP/CR/LF right at block and chunk boundaries,
 * empty lines inside and at the end, bare CR and LF), fed in one piece, in
 * 1-byte chunks and split at every offset; and SHA-256 of the canonical
 * body, fed at every split and byte by byte, equal to the one-shot hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <mailproof/dkim.h>

#define MAXBODY 4096

/* out - canonical bytes collected */
struct out {
	size_t len;
	char p[2 * MAXBODY + 2];
};

static void
collect(void *arg, const char *p, size_t len)
{
	struct out *o = arg;

	assert_true(o->len + len <= sizeof o->p);
	memcpy(o->p + o->len, p, len);
	o->len += len;
}

/* reference - §3.4.3/§3.4.4 on a whole body: lines end at LF (a CR before
 * it belongs to the line end, any other CR is data), relaxed turns WSP runs
 * into one SP and drops them at line ends, empty lines at the end go, a
 * last line without line end gets CRLF, and an empty simple body is CRLF */
static void
reference(enum mp_dkim_canon c, const char *in, size_t len, struct out *o)
{
	size_t start = 0, keep = 0;

	o->len = 0;
	for (size_t i = 0; i <= len; i++) {
		size_t end;

		if (i < len && in[i] != '\n')
			continue;
		if (i == len && start == len)
			break;          /* no unterminated last line */
		end = i < len && i > start && in[i - 1] == '\r' ? i - 1 : i;
		for (size_t k = start; k < end; k++) {
			bool wsp = in[k] == ' ' || in[k] == '\t';

			if (c == MP_DKIM_RELAXED && wsp) {
				while (k + 1 < end && (in[k + 1] == ' ' || in[k + 1] == '\t'))
					k++;
				if (k + 1 < end)
					o->p[o->len++] = ' ';
				continue;
			}
			o->p[o->len++] = in[k];
		}
		o->p[o->len++] = '\r';
		o->p[o->len++] = '\n';
		start = i + 1;
	}
	/* drop the empty lines at the end: content never holds LF, so every CRLF
	 * is a line end, and a line is empty when its CRLF follows another */
	for (size_t k = 0; k + 1 < o->len; k++)
		if (o->p[k] == '\r' && o->p[k + 1] == '\n' && !(k == 0 || (k >= 2 && o->p[k - 2] == '\r'
		                                                           && o->p[k - 1] == '\n')))
			keep = k + 2;
	o->len = keep;
	if (c == MP_DKIM_SIMPLE && o->len == 0) {
		o->p[0] = '\r';
		o->p[1] = '\n';
		o->len = 2;
	}
}

/* canon - the library over in, split at the offsets in cuts (ascending) */
static void
canon(enum mp_dkim_canon c, const char *in, size_t len, const size_t *cuts, size_t ncuts,
      struct out *o)
{
	struct mp_dkim_bcanon bc;
	size_t at = 0;

	o->len = 0;
	mp_dkim_bcanon_init(&bc, c, collect, o);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t to = k < ncuts ? cuts[k] : len;

		mp_dkim_bcanon_feed(&bc, in + at, to - at);
		at = to;
	}
	mp_dkim_bcanon_end(&bc);
	assert_int_equal(bc.len, o->len);
}

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* random_body - pieces that matter to canonicalization, mixed */
static size_t
random_body(char *b, size_t max)
{
	static const char *const bits[] = {
		" ", "  ", "\t", " \t ", "\r\n", "\r\n", "\r\n", "\n", "\r", " \r\n",
		"\r\n\r\n", "\r\n \r\n", "\xc3\xa9", "\r\r\n", "x", "\x00",
	};
	size_t len = 0, target = rng() % max;

	while (len < target) {
		uint32_t r = rng() % 24;

		if (r < 16) {
			const char *s = bits[r];
			size_t n = r == 15 ? 1 : strlen(s);

			if (len + n > max)
				break;
			memcpy(b + len, s, n);
			len += n;
		} else {        /* a clean run: words and single spaces, often > 64 bytes */
			size_t n = 1 + rng() % (r < 20 ? 12 : 150);

			for (size_t k = 0; k < n && len < max; k++)
				b[len++] = k % 6 == 5 && k + 1 < n ? ' ' : (char)('a' + rng() % 26);
		}
	}
	return len;
}

/* check - the library equals the reference, however the body is cut */
static void
check(enum mp_dkim_canon c, const char *b, size_t len, bool every_split)
{
	static struct out want, got;
	size_t cuts[MAXBODY];

	reference(c, b, len, &want);
	canon(c, b, len, NULL, 0, &got);
	if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0)
		fail_msg("%s, %zu bytes, one piece: %zu bytes out, want %zu",
		         c == MP_DKIM_RELAXED ? "relaxed" : "simple", len, got.len, want.len);
	for (size_t k = 0; k < len; k++)
		cuts[k] = k + 1;
	canon(c, b, len, cuts, len > 0 ? len - 1 : 0, &got);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, got.len);
	for (size_t s = 0; every_split && s <= len; s++) {
		canon(c, b, len, &s, 1, &got);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.p, want.p, got.len);
	}
	for (size_t k = 0; !every_split && k < 8 && len > 0; k++) {    /* three pieces */
		size_t two[2] = { rng() % (len + 1), rng() % (len + 1) };

		if (two[0] > two[1]) {
			size_t t = two[0];
			two[0] = two[1];
			two[1] = t;
		}
		canon(c, b, len, two, 2, &got);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.p, want.p, got.len);
	}
}

/* the reference itself, on the RFC's example and the named corners */
static void
test_reference(void **state)
{
	static const char ex[] = " C \r\nD \t E\r\n\r\n\r\n";
	struct out o;

	(void)state;
	reference(MP_DKIM_RELAXED, ex, strlen(ex), &o);
	assert_int_equal(o.len, 9);
	assert_memory_equal(o.p, " C\r\nD E\r\n", 9);
	reference(MP_DKIM_SIMPLE, ex, strlen(ex), &o);
	assert_int_equal(o.len, 12);
	assert_memory_equal(o.p, " C \r\nD \t E\r\n", 12);
	reference(MP_DKIM_SIMPLE, "", 0, &o);
	assert_int_equal(o.len, 2);
	reference(MP_DKIM_RELAXED, "\r\n \r\n", 5, &o);
	assert_int_equal(o.len, 0);
	reference(MP_DKIM_RELAXED, "a  ", 3, &o);
	assert_int_equal(o.len, 3);
	assert_memory_equal(o.p, "a\r\n", 3);
	reference(MP_DKIM_SIMPLE, "a\r", 2, &o);
	assert_int_equal(o.len, 4);
	assert_memory_equal(o.p, "a\r\r\n", 4);
}

/* short bodies: every split; longer ones: one piece, bytes, three pieces */
static void
test_random_vs_reference(void **state)
{
	static char b[MAXBODY];

	(void)state;
	rng_state = 0x6376637663766376ull;
	for (int n = 0; n < 3000; n++) {
		size_t len = random_body(b, n < 600 ? 300 : MAXBODY);

		check(MP_DKIM_SIMPLE, b, len, n < 600);
		check(MP_DKIM_RELAXED, b, len, n < 600);
	}
}

/* a trouble byte at every offset around the 64-byte blocks of a clean run */
static void
test_block_edges(void **state)
{
	static const char trouble[] = { ' ', '\t', '\r', '\n' };
	char b[300];

	(void)state;
	for (size_t t = 0; t < sizeof trouble; t++)
		for (size_t at = 0; at < 200; at++)
			for (size_t twice = 0; twice < 2; twice++) {
				for (size_t k = 0; k < sizeof b; k++)
					b[k] = (char)('a' + k % 23);
				b[at] = trouble[t];
				if (twice)
					b[at + 1] = trouble[t];
				check(MP_DKIM_SIMPLE, b, 260, at % 16 == 0);
				check(MP_DKIM_RELAXED, b, 260, at % 16 == 0);
			}
}

/* sha256_canon - SHA-256 of the canonical body fed at the cuts */
static void
sha256_canon(enum mp_dkim_canon c, const char *in, size_t len, const size_t *cuts,
             size_t ncuts, uint8_t md[32])
{
	static struct out o;
	unsigned mdlen = 0;

	canon(c, in, len, cuts, ncuts, &o);
	assert_int_equal(EVP_Digest(o.p, o.len, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_int_equal(mdlen, 32);
}

/* a mail-like body: the hash is the same at every split and byte by byte */
static void
test_hash_every_split(void **state)
{
	static char b[MAXBODY];
	static size_t cuts[MAXBODY];
	size_t len = 0;

	(void)state;
	while (len < 3000) {
		static const char *const lines[] = {
			"Dear colleague, the report for the third quarter is attached.\r\n",
			"A line that goes on for well over sixty-four bytes so that whole blocks are clean "
			"and only the end of the line is not.\r\n",
			"\r\n",
			"trailing white space \t \r\n",
			"\tindented\twith  tabs and  double spaces\r\n",
			"bare LF line\n",
			"bare CR\rinside\r\n",
			"\r\n\r\n\r\n",
			"caf\xc3\xa9 8-bit\r\n",
		};
		const char *l = lines[rng() % (sizeof lines / sizeof lines[0])];

		memcpy(b + len, l, strlen(l));
		len += strlen(l);
	}
	memcpy(b + len, "\r\n\r\n \r\n", 7);    /* empty lines at the end */
	len += 7;
	for (int c = 0; c < 2; c++) {
		enum mp_dkim_canon canon_c = c ? MP_DKIM_RELAXED : MP_DKIM_SIMPLE;
		uint8_t one[32], got[32];

		sha256_canon(canon_c, b, len, NULL, 0, one);
		for (size_t s = 0; s <= len; s++) {
			sha256_canon(canon_c, b, len, &s, 1, got);
			if (memcmp(one, got, 32) != 0)
				fail_msg("%s: hash differs when split at %zu", c ? "relaxed" : "simple", s);
		}
		for (size_t k = 0; k + 1 < len; k++)
			cuts[k] = k + 1;
		sha256_canon(canon_c, b, len, cuts, len - 1, got);
		assert_memory_equal(one, got, 32);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_block_edges),
		cmocka_unit_test(test_hash_every_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
