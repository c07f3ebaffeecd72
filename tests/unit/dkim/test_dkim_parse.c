/* test_dkim_parse.c - DKIM-Signature tag rules (RFC 6376 §3.2, §3.5), key
 * records (§3.6.1), canonicalization corners (§3.4), header selection
 * (§5.4.2) and base64: tables of named cases, each checking the outcome and
 * the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/str.h>

#include "dkim_internal.h"

#define BH256 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define BH1 "2jmj7l5rSw0yVb/vlWAYkK/YBwk="
/* SIG - a signature with these a=, d=, s=, h= and a good bh= and b= */
#define SIG(a, d, s, h) "v=1; a=" a "; d=" d "; s=" s "; h=" h "; bh=" BH256 "; b=AAAA"
#define BASE SIG("rsa-sha256", "example.com", "sel", "from:to")

static const struct sig_case {
	const char *name, *value;
	enum mp_reason why;
	size_t len;                     /* 0: strlen(value) */
} sig_cases[] = {
	{ "minimal valid signature", BASE, MP_REASON_NONE },
	{ "trailing semicolon", BASE ";", MP_REASON_NONE },
	{ "trailing semicolon and FWS", BASE ";\r\n ", MP_REASON_NONE },
	{ "FWS around names, = and values",
	  " v = 1 ;\r\n\ta=rsa-sha256;d=example.com ; s=sel;h=from\r\n :to; bh=" BH256 "; b=AA\r\n AA",
	  MP_REASON_NONE },
	{ "unknown tag ignored", BASE "; foo=bar; zz_9=1", MP_REASON_NONE },
	{ "v=2 incompatible", "v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_BAD_VERSION },
	{ "v=0.5 draft", "v=0.5; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_BAD_VERSION },
	{ "v missing", "a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_MISSING_TAG },
	{ "a missing", "v=1; d=example.com; s=sel; h=from; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_MISSING_TAG },
	{ "b missing", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH256,
	  MP_REASON_DKIM_MISSING_TAG },
	{ "bh missing", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=AAAA",
	  MP_REASON_DKIM_MISSING_TAG },
	{ "d missing", "v=1; a=rsa-sha256; s=sel; h=from; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_MISSING_TAG },
	{ "h missing", "v=1; a=rsa-sha256; d=example.com; s=sel; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_MISSING_TAG },
	{ "s missing", "v=1; a=rsa-sha256; d=example.com; h=from; bh=" BH256 "; b=AAAA",
	  MP_REASON_DKIM_MISSING_TAG },
	{ "duplicate d=", BASE "; d=example.org", MP_REASON_DKIM_DUP_TAG },
	{ "duplicate unknown tag", BASE "; foo=1; foo=2", MP_REASON_DKIM_DUP_TAG },
	{ "empty tag-spec", "v=1;; a=rsa-sha256", MP_REASON_DKIM_SIG_SYNTAX },
	{ "no tag name", "=1; " BASE, MP_REASON_DKIM_SIG_SYNTAX },
	{ "no =", "v 1; a=rsa-sha256", MP_REASON_DKIM_SIG_SYNTAX },
	{ "tag name starts with digit", BASE "; 1x=1", MP_REASON_DKIM_SIG_SYNTAX },
	{ "control byte in value", BASE "; n=a\x01z", MP_REASON_DKIM_SIG_SYNTAX },
	{ "NUL byte", "v=1; a=rsa-sha256; d=exam\0ple.com", MP_REASON_NUL_BYTE, 34 },
	{ "rsa-sha1 is reported", "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=" BH1 "; b=AAAA",
	  MP_REASON_DKIM_SHA1 },
	{ "unknown algorithm", SIG("rsa-md5", "example.com", "sel", "from"),
	  MP_REASON_DKIM_BAD_ALGORITHM },
	{ "algorithm case-insensitive", SIG("RSA-SHA256", "example.com", "sel", "from"),
	  MP_REASON_NONE },
	{ "bh of the wrong length", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH1
	  "; b=AAAA", MP_REASON_DKIM_BAD_BH },
	{ "bh not base64", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=!!!!; b=AAAA",
	  MP_REASON_DKIM_BAD_BH },
	{ "b not base64", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH256 "; b=A*AA",
	  MP_REASON_DKIM_BAD_B },
	{ "b empty", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH256 "; b=",
	  MP_REASON_DKIM_BAD_B },
	{ "c=relaxed", BASE "; c=relaxed", MP_REASON_NONE },
	{ "c=simple/relaxed", BASE "; c=simple/relaxed", MP_REASON_NONE },
	{ "c=future", BASE "; c=future", MP_REASON_DKIM_BAD_CANON },
	{ "c=relaxed/", BASE "; c=relaxed/", MP_REASON_DKIM_BAD_CANON },
	{ "d= with underscore", SIG("rsa-sha256", "ex_ample.com", "sel", "from"),
	  MP_REASON_DKIM_BAD_DOMAIN },
	{ "d= with inner space", SIG("rsa-sha256", "exam ple.com", "sel", "from"),
	  MP_REASON_DKIM_BAD_DOMAIN },
	{ "d= empty label", SIG("rsa-sha256", "example..com", "sel", "from"),
	  MP_REASON_DKIM_BAD_DOMAIN },
	{ "d= trailing dot", SIG("rsa-sha256", "example.com.", "sel", "from"),
	  MP_REASON_DKIM_BAD_DOMAIN },
	{ "d= 8-bit", SIG("rsa-sha256", "exampl\xc3\xa9.com", "sel", "from"),
	  MP_REASON_DKIM_BAD_DOMAIN },
	{ "s= underscore allowed", SIG("rsa-sha256", "example.com", "my_sel.x", "from"),
	  MP_REASON_NONE },
	{ "s= with !", SIG("rsa-sha256", "example.com", "sel!", "from"),
	  MP_REASON_DKIM_BAD_SELECTOR },
	{ "s= with /", SIG("rsa-sha256", "example.com", "a/b", "from"),
	  MP_REASON_DKIM_BAD_SELECTOR },
	{ "i=@d", BASE "; i=@example.com", MP_REASON_NONE },
	{ "i= subdomain", BASE "; i=user@mail.example.com", MP_REASON_NONE },
	{ "i= case differs", BASE "; i=user@EXAMPLE.com", MP_REASON_NONE },
	{ "i= other domain", BASE "; i=user@example.org", MP_REASON_DKIM_IDENTITY_MISMATCH },
	{ "i= suffix not a subdomain", BASE "; i=user@badexample.com",
	  MP_REASON_DKIM_IDENTITY_MISMATCH },
	{ "i= no @", BASE "; i=user", MP_REASON_DKIM_BAD_IDENTITY },
	{ "i= quoted-printable @", BASE "; i=user=40example.com", MP_REASON_NONE },
	{ "i= bad quoted-printable", BASE "; i=user=4", MP_REASON_DKIM_BAD_IDENTITY },
	{ "h= without From", SIG("rsa-sha256", "example.com", "sel", "to:subject"),
	  MP_REASON_DKIM_FROM_NOT_SIGNED },
	{ "h= FROM in capitals", SIG("rsa-sha256", "example.com", "sel", "To:FROM"),
	  MP_REASON_NONE },
	{ "h= empty entry", SIG("rsa-sha256", "example.com", "sel", "from::to"),
	  MP_REASON_DKIM_BAD_H },
	{ "h= trailing colon", SIG("rsa-sha256", "example.com", "sel", "from:"),
	  MP_REASON_DKIM_BAD_H },
	{ "l= digits", BASE "; l=100", MP_REASON_NONE },
	{ "l= 76 digits", BASE "; l=1234567890123456789012345678901234567890123456789012345678901234567890123456",
	  MP_REASON_NONE },
	{ "l= 77 digits", BASE "; l=12345678901234567890123456789012345678901234567890123456789012345678901234567",
	  MP_REASON_DKIM_BAD_L },
	{ "l= not a number", BASE "; l=1k", MP_REASON_DKIM_BAD_L },
	{ "l= negative", BASE "; l=-1", MP_REASON_DKIM_BAD_L },
	{ "q=dns/txt", BASE "; q=dns/txt", MP_REASON_NONE },
	{ "q= list with dns/txt", BASE "; q=dns/special:dns/txt", MP_REASON_NONE },
	{ "q=http", BASE "; q=http", MP_REASON_DKIM_BAD_Q },
	{ "q=dns/special", BASE "; q=dns/special", MP_REASON_DKIM_BAD_Q },
	{ "t= digits", BASE "; t=1500000000", MP_REASON_NONE },
	{ "t= not a number", BASE "; t=yesterday", MP_REASON_DKIM_BAD_TIMESTAMP },
	{ "x= not a number", BASE "; x=-5", MP_REASON_DKIM_BAD_TIMESTAMP },
	{ "x= before t=", BASE "; t=100; x=50", MP_REASON_DKIM_X_BEFORE_T },
	{ "x= equal to t=", BASE "; t=100; x=100", MP_REASON_DKIM_X_BEFORE_T },
	{ "x= after t=", BASE "; t=100; x=101", MP_REASON_NONE },
	{ "z= kept", BASE "; z=From:a@example.com|To:b@example.com", MP_REASON_NONE },
};

/* want_reason - a parse of case name returned MP_OK with the reason want */
static void
want_reason(const char *name, enum mp_status st, const struct mp_why *why, enum mp_reason want)
{
	assert_int_equal(st, MP_OK);
	if (why->reason != want)
		fail_msg("%s: got %s (%s), want %s", name, mp_reason_token(why->reason), why->text,
		         mp_reason_token(want));
}

static void
test_sig_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof sig_cases / sizeof sig_cases[0]; k++) {
		const struct sig_case *c = &sig_cases[k];
		struct mp_dkim_sig s;
		struct mp_why why;
		size_t len = c->len ? c->len : strlen(c->value);

		want_reason(c->name, mp_dkim_sig_parse(mp_str_make(c->value, len), &s, &why), &why,
		    c->why);
	}
}

static void
test_sig_fields(void **state)
{
	struct mp_dkim_sig s;
	struct mp_why why;
	const char *v = "v=1; a=ed25519-sha256; c=relaxed/simple; d=example.com; s=sel; "
	                "h=from:to; l=42; t=10; x=20; i=a=40sub.example.com; bh=" BH256 "; b=AA\r\n AA ; z=x";

	(void)state;
	mp_dkim_sig_parse(mp_str_c(v), &s, &why);
	assert_int_equal(why.reason, MP_REASON_NONE);
	assert_int_equal(s.alg, MP_DKIM_ED25519_SHA256);
	assert_int_equal(s.hcanon, MP_DKIM_RELAXED);
	assert_int_equal(s.bcanon, MP_DKIM_SIMPLE);
	assert_true(s.has_l);
	assert_int_equal(s.l, 42);
	assert_int_equal(s.t, 10);
	assert_int_equal(s.x, 20);
	assert_true(mp_str_eq_c(s.i, "a@sub.example.com"));
	assert_true(mp_str_eq_c(s.i_domain, "sub.example.com"));
	assert_true(mp_str_eq_c(s.b, "AA\r\n AA"));
	/* the b= region: everything between '=' and ';' */
	assert_memory_equal(v + s.b_start, "AA\r\n AA ", s.b_end - s.b_start);
	/* defaults: simple/simple, no l, no t/x */
	mp_dkim_sig_parse(mp_str_c(BASE), &s, &why);
	assert_int_equal(s.hcanon, MP_DKIM_SIMPLE);
	assert_int_equal(s.bcanon, MP_DKIM_SIMPLE);
	assert_false(s.has_l);
	assert_int_equal(s.t, -1);
	assert_int_equal(s.x, -1);
	assert_true(mp_str_eq_c(s.i_domain, "example.com"));
}

static const struct key_case {
	const char *name, *record;
	enum mp_reason why;
} key_cases[] = {
	{ "full record", "v=DKIM1; k=rsa; p=AAAA", MP_REASON_NONE },
	{ "p only", "p=AAAA", MP_REASON_NONE },
	{ "revoked parses (decided later)", "v=DKIM1; p=", MP_REASON_NONE },
	{ "v not first", "k=rsa; v=DKIM1; p=AAAA", MP_REASON_DKIM_KEY_VERSION },
	{ "v=DKIM2", "v=DKIM2; p=AAAA", MP_REASON_DKIM_KEY_VERSION },
	{ "v=DKIM1: with colon", "v=DKIM1: p=AAAA", MP_REASON_DKIM_KEY_VERSION },
	{ "k=ed25519", "v=DKIM1; k=ed25519; p=AAAA", MP_REASON_NONE },
	{ "k=ed25519-sha256 unknown", "v=DKIM1; k=ed25519-sha256; p=AAAA", MP_REASON_DKIM_KEY_TYPE },
	{ "k=dsa", "k=dsa; p=AAAA", MP_REASON_DKIM_KEY_TYPE },
	{ "s=email", "s=email; p=AAAA", MP_REASON_NONE },
	{ "s=*", "s=*; p=AAAA", MP_REASON_NONE },
	{ "s=chat:email", "s=chat:email; p=AAAA", MP_REASON_NONE },
	{ "s=chat", "s=chat; p=AAAA", MP_REASON_DKIM_KEY_SERVICE },
	{ "s=tlsrpt", "v=DKIM1; s=tlsrpt; p=AAAA", MP_REASON_DKIM_KEY_SERVICE },
	{ "no p=", "v=DKIM1; k=rsa", MP_REASON_DKIM_KEY_SYNTAX },
	{ "two p=", "p=AAAA; p=BBBB", MP_REASON_DKIM_DUP_TAG },
	{ "two quote characters", "\"\"", MP_REASON_DKIM_KEY_SYNTAX },
	{ "empty record", "", MP_REASON_DKIM_KEY_SYNTAX },
	{ "bare tag", "k=rsa; t; p=AAAA", MP_REASON_DKIM_KEY_SYNTAX },
	{ "unknown tags ignored, g= ignored", "v=DKIM1; g=*poe; n=notes; x1=2; p=AAAA", MP_REASON_NONE },
	{ "folded p=", "v=DKIM1; p=AA\r\n AA", MP_REASON_NONE },
};

static void
test_key_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof key_cases / sizeof key_cases[0]; k++) {
		const struct key_case *c = &key_cases[k];
		struct mp_dkim_key key;
		struct mp_why why;

		want_reason(c->name, mp_dkim_key_parse(mp_str_c(c->record), &key, &why), &why, c->why);
	}
}

static void
test_key_flags(void **state)
{
	struct mp_dkim_key key;
	struct mp_why why;

	(void)state;
	mp_dkim_key_parse(mp_str_c("v=DKIM1; h=sha1:md5; t=y:s:x; k=ED25519; p=abc="), &key, &why);
	assert_int_equal(why.reason, MP_REASON_NONE);
	assert_true(key.has_h && key.h_sha1 && !key.h_sha256);
	assert_true(key.testing && key.strict && key.is_ed25519);
	assert_true(mp_str_eq_c(key.p, "abc="));
	mp_dkim_key_parse(mp_str_c("p="), &key, &why);
	assert_int_equal(key.p.len, 0);
	assert_false(key.has_h || key.testing || key.strict || key.is_ed25519);
}

/* ---- canonicalization ---- */
struct collect {
	char out[4096];
	size_t len;
};

static void
collect(void *arg, const char *p, size_t len)
{
	struct collect *c = arg;

	assert_true(c->len + len <= sizeof c->out);
	memcpy(c->out + c->len, p, len);
	c->len += len;
}

static const struct body_case {
	const char *name;
	enum mp_dkim_canon canon;
	const char *in, *want;
} body_cases[] = {
	{ "simple: empty body is CRLF", MP_DKIM_SIMPLE, "", "\r\n" },
	{ "simple: one empty line", MP_DKIM_SIMPLE, "\r\n", "\r\n" },
	{ "simple: only empty lines", MP_DKIM_SIMPLE, "\r\n\r\n\r\n", "\r\n" },
	{ "simple: no final CRLF", MP_DKIM_SIMPLE, "abc", "abc\r\n" },
	{ "simple: trailing empty lines dropped", MP_DKIM_SIMPLE, "abc\r\n\r\n\r\n", "abc\r\n" },
	{ "simple: LF becomes CRLF", MP_DKIM_SIMPLE, "a\nb\n\n", "a\r\nb\r\n" },
	{ "simple: inner empty lines kept", MP_DKIM_SIMPLE, "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n" },
	{ "simple: white space kept", MP_DKIM_SIMPLE, " a \t b \r\n", " a \t b \r\n" },
	{ "simple: space-only last line is not empty", MP_DKIM_SIMPLE, "a\r\n \r\n", "a\r\n \r\n" },
	{ "simple: bare CR is data", MP_DKIM_SIMPLE, "a\rb\r\n", "a\rb\r\n" },
	{ "simple: CR at the very end", MP_DKIM_SIMPLE, "a\r", "a\r\r\n" },
	{ "simple: RFC 6376 §3.4.5 example", MP_DKIM_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n",
	  " C \r\nD \t E\r\n" },
	{ "relaxed: empty body is empty", MP_DKIM_RELAXED, "", "" },
	{ "relaxed: only empty lines", MP_DKIM_RELAXED, "\r\n\r\n", "" },
	{ "relaxed: white-space-only lines at the end", MP_DKIM_RELAXED, "a\r\n \r\n\t\r\n", "a\r\n" },
	{ "relaxed: only white space", MP_DKIM_RELAXED, "  \t \r\n", "" },
	{ "relaxed: WSP runs to one SP", MP_DKIM_RELAXED, "a  b\t \tc\r\n", "a b c\r\n" },
	{ "relaxed: leading WSP becomes one SP", MP_DKIM_RELAXED, "  a\r\n", " a\r\n" },
	{ "relaxed: trailing WSP removed", MP_DKIM_RELAXED, "a \t\r\n", "a\r\n" },
	{ "relaxed: no final CRLF", MP_DKIM_RELAXED, "abc", "abc\r\n" },
	{ "relaxed: no final CRLF, trailing WSP", MP_DKIM_RELAXED, "abc  ", "abc\r\n" },
	{ "relaxed: inner blank line kept", MP_DKIM_RELAXED, "a\r\n \r\nb", "a\r\n\r\nb\r\n" },
	{ "relaxed: LF line ends", MP_DKIM_RELAXED, "a \nb\n\n", "a\r\nb\r\n" },
	{ "relaxed: RFC 6376 §3.4.5 example", MP_DKIM_RELAXED, " C \r\nD \t E\r\n\r\n\r\n",
	  " C\r\nD E\r\n" },
	{ "relaxed: 8-bit kept", MP_DKIM_RELAXED, "\xc3\xa9t\xc3\xa9 \r\n", "\xc3\xa9t\xc3\xa9\r\n" },
};

static void
test_body_table(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4096 };

	(void)state;
	for (size_t k = 0; k < sizeof body_cases / sizeof body_cases[0]; k++) {
		const struct body_case *c = &body_cases[k];
		size_t len = strlen(c->in);

		for (size_t j = 0; j < sizeof chunks / sizeof chunks[0]; j++) {
			struct mp_dkim_bcanon bc;
			struct collect out = { .len = 0 };

			mp_dkim_bcanon_init(&bc, c->canon, collect, &out);
			for (size_t off = 0; off < len; off += chunks[j])
				mp_dkim_bcanon_feed(&bc, c->in + off,
				                    len - off < chunks[j] ? len - off : chunks[j]);
			mp_dkim_bcanon_end(&bc);
			if (out.len != strlen(c->want) || memcmp(out.out, c->want, out.len) != 0)
				fail_msg("%s (chunks of %zu): got \"%.*s\"", c->name, chunks[j],
				         (int)out.len, out.out);
			assert_int_equal(bc.len, out.len);
		}
	}
}

static const struct hdr_case {
	const char *name;
	enum mp_dkim_canon canon;
	const char *raw, *want;
} hdr_cases[] = {
	{ "relaxed: name lower-cased", MP_DKIM_RELAXED, "SUBJect: AbC", "subject:AbC\r\n" },
	{ "relaxed: WSP around colon", MP_DKIM_RELAXED, "Subject \t:  a", "subject:a\r\n" },
	{ "relaxed: unfolded, runs to one SP", MP_DKIM_RELAXED, "Subject: a  b \r\n\tc  ",
	  "subject:a b c\r\n" },
	{ "relaxed: LF folding", MP_DKIM_RELAXED, "Subject: a\n b", "subject:a b\r\n" },
	{ "relaxed: RFC 6376 §3.4.5 A", MP_DKIM_RELAXED, "A: X", "a:X\r\n" },
	{ "relaxed: RFC 6376 §3.4.5 B", MP_DKIM_RELAXED, "B : Y\t\r\n\tZ  ", "b:Y Z\r\n" },
	{ "relaxed: empty value", MP_DKIM_RELAXED, "X-A:", "x-a:\r\n" },
	{ "relaxed: white-space value", MP_DKIM_RELAXED, "X-A:  \t ", "x-a:\r\n" },
	{ "relaxed: 8-bit value kept", MP_DKIM_RELAXED, "Subject: \xc3\xa9t\xc3\xa9",
	  "subject:\xc3\xa9t\xc3\xa9\r\n" },
	{ "simple: unchanged", MP_DKIM_SIMPLE, "B : Y\t\r\n\tZ  ", "B : Y\t\r\n\tZ  \r\n" },
	{ "simple: LF folding made CRLF", MP_DKIM_SIMPLE, "B : Y\t\n\tZ", "B : Y\t\r\n\tZ\r\n" },
	{ "simple: case kept", MP_DKIM_SIMPLE, "SUBJect: AbC", "SUBJect: AbC\r\n" },
};

static void
test_header_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof hdr_cases / sizeof hdr_cases[0]; k++) {
		const struct hdr_case *c = &hdr_cases[k];
		struct mp_buf out;

		mp_buf_init(&out, 1000);
		assert_int_equal(mp_dkim_canon_header(&out, c->canon, mp_str_c(c->raw), false), MP_OK);
		if (!mp_str_eq_c(mp_buf_str(&out), c->want))
			fail_msg("%s: got \"%s\"", c->name, out.ptr);
		mp_buf_reset(&out);
		/* no_crlf: the signature field itself */
		mp_dkim_canon_header(&out, c->canon, mp_str_c(c->raw), true);
		assert_int_equal(out.len, strlen(c->want) - 2);
		mp_buf_fini(&out);
	}
}

static void
test_select(void **state)
{
	struct dkim_field f[4] = {
		{ MP_STR_LIT("From: a"), MP_STR_LIT("From") },
		{ MP_STR_LIT("To: b"), MP_STR_LIT("To") },
		{ MP_STR_LIT("Subject: c"), MP_STR_LIT("Subject") },
		{ MP_STR_LIT("to: d"), MP_STR_LIT("to") },
	};
	struct mp_str names[6] = { MP_STR_LIT("from"), MP_STR_LIT("TO"), MP_STR_LIT("to"),
		                   MP_STR_LIT("to"), MP_STR_LIT("subject"), MP_STR_LIT("from") };
	size_t sel[6];
	bool used[4];

	(void)state;
	mp_dkim_select(f, 4, names, 6, sel, used);
	assert_int_equal(sel[0], 0);
	assert_int_equal(sel[1], 3);            /* bottom-up: the last To first */
	assert_int_equal(sel[2], 1);
	assert_int_equal(sel[3], SIZE_MAX);     /* over-signed: null string */
	assert_int_equal(sel[4], 2);
	assert_int_equal(sel[5], SIZE_MAX);
}

static void
test_split_h(void **state)
{
	struct mp_str names[4];
	size_t n;

	(void)state;
	assert_true(mp_dkim_split_h(mp_str_c("from : to\r\n :subject"), names, 4, &n));
	assert_int_equal(n, 3);
	assert_true(mp_str_eq_c(names[1], "to"));
	assert_true(mp_str_eq_c(names[2], "subject"));
	assert_false(mp_dkim_split_h(mp_str_c("a:b:c:d:e"), names, 4, &n));    /* too many */
	assert_false(mp_dkim_split_h(mp_str_c(""), names, 4, &n));
	assert_false(mp_dkim_split_h(mp_str_c("fr om"), names, 4, &n));
}

/* z= copied fields: which one changed */
static void
test_z_diff(void **state)
{
	struct dkim_field f[3] = {
		{ MP_STR_LIT("From: alice@example.com"), MP_STR_LIT("From") },
		{ MP_STR_LIT("To: bob@example.org"), MP_STR_LIT("To") },
		{ MP_STR_LIT("Subject: Lunch\r\n tomorrow"), MP_STR_LIT("Subject") },
	};
	static const struct {
		const char *name, *z, *changed;
	} cases[] = {
		{ "nothing changed", "From:alice@example.com|To:bob@example.org|Subject:Lunch=20tomorrow", "" },
		{ "subject changed", "From:alice@example.com|Subject:Lunch=20today", "Subject" },
		{ "to changed, folded z=", "From:alice@example.com|\r\n To:bob@example.net", "To" },
		{ "field removed", "From:alice@example.com|Cc:carol@example.com", "(removed field)" },
	};

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct mp_dkim_sig_result r;

		memset(&r, 0, sizeof r);
		mp_dkim_z_diff(f, 3, mp_str_c(cases[k].z), &r);
		if (!mp_str_eq_c(r.changed_header, cases[k].changed))
			fail_msg("%s: got \"%.*s\"", cases[k].name, (int)r.changed_header.len,
			         r.changed_header.ptr ? r.changed_header.ptr : "");
	}
}

static const struct b64_case {
	const char *name, *in, *want;
	bool fws, ok;
} b64_cases[] = {
	{ "empty", "", "", false, true },
	{ "one byte", "YQ==", "a", false, true },
	{ "two bytes", "YWI=", "ab", false, true },
	{ "three bytes", "YWJj", "abc", false, true },
	{ "missing padding", "YQ", NULL, false, false },
	{ "too much padding", "YQ===", NULL, false, false },
	{ "data after padding", "YQ==YQ==", NULL, false, false },
	{ "bad character", "Y*==", NULL, false, false },
	{ "space rejected when strict", "YW Jj", NULL, false, false },
	{ "FWS skipped when lenient", " YW\r\n\tJj ", "abc", true, true },
	{ "FWS inside padding", "YQ=\r\n =", "a", true, true },
	{ "lone char", "Y", NULL, true, false },
};

static void
test_base64(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof b64_cases / sizeof b64_cases[0]; k++) {
		const struct b64_case *c = &b64_cases[k];
		struct mp_buf out;
		struct mp_why why;

		mp_buf_init(&out, 100);
		mp_why_clear(&why);
		if (c->fws)
			mp_base64_decode_fws(&out, mp_str_c(c->in), &why);
		else
			mp_base64_decode(&out, mp_str_c(c->in), &why);
		if (c->ok != !mp_why_failed(&why))
			fail_msg("%s: ok=%d", c->name, !mp_why_failed(&why));
		if (c->ok)
			assert_true(mp_str_eq_c(mp_buf_str(&out), c->want));
		else
			assert_int_equal(why.reason, MP_REASON_BAD_BASE64);
		mp_buf_fini(&out);
	}
	/* round trip of every length 0..64 */
	for (size_t len = 0; len <= 64; len++) {
		unsigned char in[64];
		uint8_t back[64];
		size_t blen;
		struct mp_buf enc;

		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(i * 37 + len);
		mp_buf_init(&enc, 200);
		assert_int_equal(mp_base64_encode(&enc, in, len), MP_OK);
		assert_int_equal(enc.len, mp_base64_encoded_len(len));
		assert_true(mp_base64_decode_to(back, sizeof back, &blen, mp_buf_str(&enc), false));
		assert_int_equal(blen, len);
		assert_memory_equal(back, in, len);
		mp_buf_fini(&enc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_table),
		cmocka_unit_test(test_sig_fields),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_key_flags),
		cmocka_unit_test(test_body_table),
		cmocka_unit_test(test_header_table),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_split_h),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_z_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
