/* test_authres.c - Authentication-Results and Received-SPF: exact builder
 * output (quoting, folding), parser cases (RFC 8601 Appendix B examples,
 * CFWS everywhere, hostile input), round trips, has_id, allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/authres.h>
#include <mailproof/limits.h>
#include <mailproof/str.h>

#define S(x) { (x), sizeof(x) - 1 }   /* in initializers */
#define NOSTR { NULL, 0 }

/* opt_eq - equal, NULL-ness included */
static bool
opt_eq(struct mp_str a, struct mp_str b)
{
	return (a.ptr == NULL) == (b.ptr == NULL) && mp_str_eq(a, b);
}

static bool
ar_equal(const struct mp_authres *x, const struct mp_authres *y)
{
	if (!mp_str_eq(x->authserv_id, y->authserv_id) || x->has_version != y->has_version ||
	    (x->has_version && x->version != y->version) || x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++) {
		const struct mp_authres_result *a = &x->results[i], *b = &y->results[i];
		if (!mp_str_eq(a->method, b->method) || !mp_str_eq(a->result, b->result) ||
		    a->has_version != b->has_version || (a->has_version && a->version != b->version) ||
		    !opt_eq(a->reason, b->reason) || !opt_eq(a->comment, b->comment) ||
		    a->nprops != b->nprops)
			return false;
		for (size_t k = 0; k < a->nprops; k++)
			if (!mp_str_eq(a->props[k].ptype, b->props[k].ptype) ||
			    !mp_str_eq(a->props[k].property, b->props[k].property) ||
			    !mp_str_eq(a->props[k].value, b->props[k].value))
				return false;
	}
	return true;
}

/* a compact rendering: id[/v]|method[/v]=result{reason}(comment)[p.t=v]... */
static const char *
render(const struct mp_authres *ar)
{
	static char out[4096];
	size_t o = 0;

	o += (size_t)snprintf(out, sizeof out, "%.*s", (int)ar->authserv_id.len,
	    ar->authserv_id.ptr ? ar->authserv_id.ptr : "");
	if (ar->has_version)
		o += (size_t)snprintf(out + o, sizeof out - o, "/%u", ar->version);
	for (size_t i = 0; i < ar->n; i++) {
		const struct mp_authres_result *r = &ar->results[i];
		o += (size_t)snprintf(out + o, sizeof out - o, "|%.*s", (int)r->method.len, r->method.ptr);
		if (r->has_version)
			o += (size_t)snprintf(out + o, sizeof out - o, "/%u", r->version);
		o += (size_t)snprintf(out + o, sizeof out - o, "=%.*s", (int)r->result.len, r->result.ptr);
		if (r->reason.ptr)
			o += (size_t)snprintf(out + o, sizeof out - o, "{%.*s}", (int)r->reason.len, r->reason.ptr);
		if (r->comment.ptr)
			o += (size_t)snprintf(out + o, sizeof out - o, "(%.*s)", (int)r->comment.len, r->comment.ptr);
		for (size_t k = 0; k < r->nprops; k++)
			o += (size_t)snprintf(out + o, sizeof out - o, "[%.*s.%.*s=%.*s]",
			    (int)r->props[k].ptype.len, r->props[k].ptype.ptr,
			    (int)r->props[k].property.len, r->props[k].property.ptr,
			    (int)r->props[k].value.len, r->props[k].value.ptr);
	}
	return out;
}

/* ---- builder ---- */

static struct mp_authres_prop p_spf[] = { { S("smtp"), S("mailfrom"), S("example.com") } };
static struct mp_authres_prop p_dkim[] = {
	{ S("header"), S("d"), S("example.com") }, { S("header"), S("s"), S("sel-1") },
	{ S("header"), S("b"), S("abc/def+") },
};
static struct mp_authres_prop p_hostile[] = {
	{ S("header"), S("d"), S("bank.example(.attacker.example") },
};
static struct mp_authres_prop p_quotes[] = { { S("header"), S("i"), S("a\"b\\c") } };
static struct mp_authres_prop p_addr[] = {
	{ S("smtp"), S("mailfrom"), S("user@example.com") },
	{ S("header"), S("i"), S("@example.com") },
	{ S("smtp"), S("rcptto"), S("a b@example.com") },
	{ S("header"), S("from"), S("") },
	{ S("policy"), S("x"), S("caf\xc3\xa9") },
	{ S("smtp"), S("helo"), S("a;b") },
};
static struct mp_authres_prop p_many[] = {
	{ S("header"), S("d"), S("a-rather-long-domain-name.example.com") },
	{ S("header"), S("s"), S("selector-2024-rotation") },
	{ S("header"), S("a"), S("rsa-sha256") },
	{ S("header"), S("b"), S("AbCdEfGh") },
};

static struct mp_authres_result r_spf[] = {
	{ S("spf"), false, 0, S("pass"), NOSTR, NOSTR, 1, p_spf },
};
static struct mp_authres_result r_two[] = {
	{ S("spf"), false, 0, S("pass"), NOSTR, S("sender SPF authorized"), 1, p_spf },
	{ S("dkim"), true, 1, S("pass"), NOSTR, S("2048-bit key"), 3, p_dkim },
};
static struct mp_authres_result r_hostile[] = {
	{ S("dkim"), false, 0, S("pass"), NOSTR, NOSTR, 1, p_hostile },
};
static struct mp_authres_result r_misc[] = {
	{ S("dkim"), false, 0, S("fail"), S("signature verification failed"),
	  S("a (nested) c\\"), 1, p_quotes },
	{ S("dmarc"), false, 0, S("fail"), S("p=reject"), NOSTR, 0, NULL },
	{ S("x-local"), false, 0, S("neutral"), S("token"), S(""), 6, p_addr },
};
static struct mp_authres_result r_long[] = {
	{ S("dkim"), false, 0, S("pass"), NOSTR, S("good signature, 2048-bit RSA key"), 4, p_many },
};

static const struct build_case {
	const char *name;
	struct mp_authres ar;
	const char *want;
} build_cases[] = {
	{ "none", { S("mx.example.org"), false, 0, 0, NULL }, " mx.example.org; none" },
	{ "version and none", { S("mx.example.org"), true, 1, 0, NULL }, " mx.example.org 1; none" },
	{ "quoted authserv-id", { S("my host"), false, 0, 0, NULL }, " \"my host\"; none" },
	{ "one result", { S("mx.example.org"), false, 0, 1, r_spf },
	  " mx.example.org;\r\n\tspf=pass smtp.mailfrom=example.com" },
	{ "comments and method version", { S("mx.example.org"), true, 1, 2, r_two },
	  " mx.example.org 1;\r\n\tspf=pass (sender SPF authorized) smtp.mailfrom=example.com;\r\n"
	  "\tdkim/1=pass (2048-bit key) header.d=example.com header.s=sel-1\r\n"
	  "\theader.b=\"abc/def+\"" },
	{ "hostile value quoted", { S("mx.example.org"), false, 0, 1, r_hostile },
	  " mx.example.org;\r\n\tdkim=pass header.d=\"bank.example(.attacker.example\"" },
	{ "reasons, escapes, address forms", { S("mx"), false, 0, 3, r_misc },
	  " mx;\r\n\tdkim=fail (a \\(nested\\) c\\\\) reason=\"signature verification failed\"\r\n"
	  "\theader.i=\"a\\\"b\\\\c\";\r\n"
	  "\tdmarc=fail reason=\"p=reject\";\r\n"
	  "\tx-local=neutral () reason=token smtp.mailfrom=user@example.com\r\n"
	  "\theader.i=@example.com smtp.rcptto=\"a b@example.com\" header.from=\"\"\r\n"
	  "\tpolicy.x=\"caf\xc3\xa9\" smtp.helo=\"a;b\"" },
	{ "folding before column 78", { S("mx.example.org"), false, 0, 1, r_long },
	  " mx.example.org;\r\n\tdkim=pass (good signature, 2048-bit RSA key)\r\n"
	  "\theader.d=a-rather-long-domain-name.example.com\r\n"
	  "\theader.s=selector-2024-rotation header.a=rsa-sha256 header.b=AbCdEfGh" },
};

static void
test_build_cases(void **state)
{
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof build_cases / sizeof build_cases[0]; i++) {
		const struct build_case *tc = &build_cases[i];
		struct mp_buf b;
		struct mp_authres back;
		struct mp_why why;

		mp_buf_init(&b, 1 << 16);
		assert_int_equal(mp_authres_build(&tc->ar, MP_STR_LIT("\r\n"), &b), MP_OK);
		if (strcmp(b.ptr, tc->want) != 0)
			fail_msg("build '%s':\n got '%s'\nwant '%s'", tc->name, b.ptr, tc->want);
		/* no line longer than 78 unless one item is */
		/* round trip: parse what we built, get the same structure */
		assert_int_equal(mp_authres_parse(mp_buf_str(&b), &a, &back, &why), MP_OK);
		if (mp_why_failed(&why))
			fail_msg("build '%s': parse back: %s", tc->name, why.text);
		if (!ar_equal(&tc->ar, &back))
			fail_msg("build '%s': round trip differs: %s", tc->name, render(&back));
		/* LF-only folding parses the same */
		mp_buf_reset(&b);
		assert_int_equal(mp_authres_build(&tc->ar, MP_STR_LIT("\n"), &b), MP_OK);
		assert_int_equal(mp_authres_parse(mp_buf_str(&b), &a, &back, &why), MP_OK);
		assert_false(mp_why_failed(&why));
		assert_true(ar_equal(&tc->ar, &back));
		mp_buf_fini(&b);
		mp_arena_reset(&a);
	}
	mp_arena_fini(&a);
}

static void
test_build_refuses(void **state)
{
	struct mp_authres_prop bad_ctl[] = { { S("header"), S("d"), S("a\r\nX-Injected: 1") } };
	struct mp_authres_prop bad_utf8[] = { { S("header"), S("d"), S("a\xff") } };
	struct mp_authres_prop bad_ptype[] = { { S("hea der"), S("d"), S("a") } };
	struct mp_authres_prop bad_nul[] = { { S("header"), S("d"), { "a\0b", 3 } } };
	struct mp_authres_result rs[] = {
		{ S("dkim"), false, 0, S("pass"), NOSTR, NOSTR, 1, bad_ctl },
		{ S("dkim"), false, 0, S("pass"), NOSTR, NOSTR, 1, bad_utf8 },
		{ S("dkim"), false, 0, S("pass"), NOSTR, NOSTR, 1, bad_ptype },
		{ S("dkim"), false, 0, S("pass"), NOSTR, NOSTR, 1, bad_nul },
		{ S("dk im"), false, 0, S("pass"), NOSTR, NOSTR, 0, NULL },
		{ S("dkim"), false, 0, S("pa;ss"), NOSTR, NOSTR, 0, NULL },
		{ S("dkim"), false, 0, S("pass"), NOSTR, S("x\ny"), 0, NULL },
		{ S("dkim"), false, 0, S("pass"), S("\x01"), NOSTR, 0, NULL },
	};
	struct mp_buf b;

	(void)state;
	mp_buf_init(&b, 1 << 16);
	assert_int_equal(mp_buf_append_c(&b, "keep"), MP_OK);
	for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
		struct mp_authres ar = { S("mx"), false, 0, 1, &rs[i] };
		if (mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b) != MP_EINVAL)
			fail_msg("refuse case %zu built '%s'", i, b.ptr);
		assert_string_equal(b.ptr, "keep");         /* buffer as it was */
	}
	{
		struct mp_authres ar = { S(""), false, 0, 0, NULL };
		assert_int_equal(mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b), MP_EINVAL);
		ar.authserv_id = MP_STR_LIT("a\tb\x7f");
		assert_int_equal(mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b), MP_EINVAL);
		ar.authserv_id = MP_STR_LIT("mx");
		ar.n = MP_LIMIT_AUTHRES_RESULTS + 1;
		ar.results = rs;
		assert_int_equal(mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b), MP_EINVAL);
	}
	assert_string_equal(b.ptr, "keep");
	mp_buf_fini(&b);
	/* a buffer too small: MP_ELIMIT, buffer as it was */
	mp_buf_init(&b, 20);
	{
		struct mp_authres ar = { S("mx.example.org"), false, 0, 1, r_spf };
		assert_int_equal(mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b), MP_ELIMIT);
		assert_int_equal(b.len, 0);
	}
	mp_buf_fini(&b);
}

/* ---- parser ---- */

static const struct parse_case {
	const char *name;
	const char *in;
	size_t len;
	enum mp_status st;
	enum mp_reason why;
	const char *want;           /* render(), also on error (partial) */
} parse_cases[] = {
	/* RFC 8601 Appendix B */
	{ "B.2 none", "example.org 1; none", 0, MP_OK, 0, "example.org/1" },
	{ "B.3 spf", "example.com;\r\n          spf=pass smtp.mailfrom=example.net", 0, MP_OK, 0,
	  "example.com|spf=pass[smtp.mailfrom=example.net]" },
	{ "B.4 auth and spf", "example.com;\r\n\tauth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
	  "\tspf=pass smtp.mailfrom=example.net", 0, MP_OK, 0,
	  "example.com|auth=pass(cram-md5)[smtp.auth=sender@example.net]|spf=pass[smtp.mailfrom=example.net]" },
	{ "B.5 iprev", "example.com;\r\n  iprev=pass\r\n  policy.iprev=192.0.2.200", 0, MP_OK, 0,
	  "example.com|iprev=pass[policy.iprev=192.0.2.200]" },
	{ "B.6 two dkim", "example.com;\r\n\tdkim=pass (good signature) header.d=mail-router.example.net;\r\n"
	  "\tdkim=fail (bad signature) header.d=newyork.example.com", 0, MP_OK, 0,
	  "example.com|dkim=pass(good signature)[header.d=mail-router.example.net]"
	  "|dkim=fail(bad signature)[header.d=newyork.example.com]" },
	/* CFWS everywhere */
	{ "comments everywhere", "(c0) example.org (c1) 1 (c2); (c3) spf (c4) / (c5) 2 = (c6) pass (c7)"
	  " smtp (c8) . (c9) mailfrom (c10) = (c11) a@b.example (c12)", 0, MP_OK, 0,
	  "example.org/1|spf/2=pass(c7 c8 c9 c10 c11 c12)[smtp.mailfrom=a@b.example]" },
	{ "nested comment", "x; spf=pass (a (b) c) smtp.mailfrom=d", 0, MP_OK, 0,
	  "x|spf=pass(a (b) c)[smtp.mailfrom=d]" },
	{ "escaped paren in comment", "x; spf=pass (a \\) b)", 0, MP_OK, 0, "x|spf=pass(a ) b)" },
	{ "folded comment", "x; spf=pass (a\r\n b)", 0, MP_OK, 0, "x|spf=pass(a b)" },
	{ "empty comment", "x; spf=pass ()", 0, MP_OK, 0, "x|spf=pass()" },
	/* values */
	{ "quoted authserv-id", "\"my \\\"host\\\"\"; none", 0, MP_OK, 0, "my \"host\"" },
	{ "quoted value", "x; dkim=pass header.d=\"bank.example(.attacker.example\"", 0, MP_OK, 0,
	  "x|dkim=pass[header.d=bank.example(.attacker.example]" },
	{ "folded quoted value", "x; dkim=pass header.i=\"a\r\n b\"", 0, MP_OK, 0,
	  "x|dkim=pass[header.i=a b]" },
	{ "lenient bare value", "x; dkim=pass header.b=ab/c+d=", 0, MP_OK, 0,
	  "x|dkim=pass[header.b=ab/c+d=]" },
	{ "reason", "x; dmarc=fail reason=\"p=reject\" header.from=a.example", 0, MP_OK, 0,
	  "x|dmarc=fail{p=reject}[header.from=a.example]" },
	{ "bare reason", "x; dkim=neutral reason=no-key", 0, MP_OK, 0, "x|dkim=neutral{no-key}" },
	{ "method version", "x; dkim/1=pass header.d=a", 0, MP_OK, 0, "x|dkim/1=pass[header.d=a]" },
	{ "case kept", "X; SPF=PASS SMTP.MailFrom=A", 0, MP_OK, 0, "X|SPF=PASS[SMTP.MailFrom=A]" },
	{ "trailing semicolon", "x; spf=pass;", 0, MP_OK, 0, "x|spf=pass" },
	{ "none with trailing semicolon", "x; none;", 0, MP_OK, 0, "x" },
	{ "UTF-8 value", "x; spf=pass smtp.mailfrom=\"j\xc3\xb6@ex.example\"", 0, MP_OK, 0,
	  "x|spf=pass[smtp.mailfrom=j\xc3\xb6@ex.example]" },
	{ "property with dot", "x; arc=pass policy.dkim-rules.x=y", 0, MP_OK, 0,
	  "x|arc=pass[policy.dkim-rules.x=y]" },
	/* hostile and malformed */
	{ "unquoted paren in value", "x; dkim=pass header.d=bank.example(.attacker.example", 0, MP_OK,
	  MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "empty", "", 0, MP_OK, MP_REASON_AUTHRES_NO_ID, "" },
	{ "no authserv-id", "; spf=pass", 0, MP_OK, MP_REASON_AUTHRES_NO_ID, "" },
	{ "empty quoted authserv-id", "\"\"; none", 0, MP_OK, MP_REASON_AUTHRES_NO_ID, "" },
	{ "no result", "example.org", 0, MP_OK, MP_REASON_AUTHRES_NO_RESULT, "example.org" },
	{ "no result, semicolon", "example.org;", 0, MP_OK, MP_REASON_AUTHRES_NO_RESULT, "example.org" },
	{ "garbage after none", "x; none spf=pass", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "none after a result", "x; spf=pass; none", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x|spf=pass" },
	{ "missing equals", "x; spf pass", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "missing result", "x; spf=", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "property without value", "x; spf=pass smtp.mailfrom=", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "property without dot", "x; spf=pass smtp=a", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "two reasons", "x; dkim=fail reason=a reason=b", 0, MP_OK, MP_REASON_AUTHRES_DUP_REASON, "x" },
	{ "NUL byte", "x; spf=pass\0 smtp.mailfrom=a", 28, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "control in quoted", "x; spf=pass smtp.mailfrom=\"a\x01\"", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "quoted-pair of LF in comment", "x; spf=pass (a\\\nb)", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "quoted-pair of CR in value", "x; spf=pass smtp.helo=\"a\\\r\"", 0, MP_OK,
	  MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "bad UTF-8", "x; spf=pass smtp.mailfrom=\"a\xff\"", 0, MP_OK, MP_REASON_AUTHRES_BAD_UTF8, "x" },
	{ "unterminated quote", "x; spf=pass smtp.mailfrom=\"a", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
	{ "unterminated comment, id kept", "mx.example.org (oops; spf=pass", 0, MP_OK,
	  MP_REASON_AUTHRES_SYNTAX, "mx.example.org" },
	{ "comment too deep", "x; spf=pass (((((((((((((((((a)))))))))))))))))", 0, MP_ELIMIT,
	  MP_REASON_AUTHRES_COMMENT_TOO_DEEP, "x" },
	{ "version too big", "x 12345678; none", 0, MP_OK, MP_REASON_AUTHRES_SYNTAX, "x" },
};

static void
test_parse_cases(void **state)
{
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *tc = &parse_cases[i];
		struct mp_authres ar, back;
		struct mp_why why, why2;
		enum mp_status st;
		struct mp_buf b;

		st = mp_authres_parse(mp_str_make(tc->in, tc->len ? tc->len : strlen(tc->in)), &a, &ar, &why);
		if (st != tc->st || why.reason != tc->why)
			fail_msg("parse '%s': status %d reason %s", tc->name, st, mp_reason_token(why.reason));
		if (strcmp(render(&ar), tc->want) != 0)
			fail_msg("parse '%s': got '%s' want '%s'", tc->name, render(&ar), tc->want);
		if (mp_why_failed(&why))
			continue;
		/* parse -> build -> parse gives the same */
		mp_buf_init(&b, 1 << 16);
		assert_int_equal(mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b), MP_OK);
		assert_int_equal(mp_authres_parse(mp_buf_str(&b), &a, &back, &why2), MP_OK);
		if (mp_why_failed(&why2) || !ar_equal(&ar, &back))
			fail_msg("parse '%s': round trip via '%s' gives '%s'", tc->name, b.ptr, render(&back));
		mp_buf_fini(&b);
	}
	mp_arena_fini(&a);
}

static void
test_parse_limits(void **state)
{
	struct mp_arena a;
	struct mp_authres ar;
	struct mp_why why;
	char *in = malloc(64 * 1024);
	size_t o;

	(void)state;
	mp_arena_init(&a, 4 << 20);
	o = (size_t)snprintf(in, 64 * 1024, "x");
	for (int i = 0; i <= MP_LIMIT_AUTHRES_RESULTS; i++)
		o += (size_t)snprintf(in + o, 64 * 1024 - o, "; spf=pass");
	assert_int_equal(mp_authres_parse(mp_str_make(in, o), &a, &ar, &why), MP_ELIMIT);
	assert_int_equal(why.reason, MP_REASON_AUTHRES_TOO_MANY_RESULTS);
	assert_int_equal(ar.n, MP_LIMIT_AUTHRES_RESULTS);
	assert_true(mp_str_eq_c(ar.authserv_id, "x"));
	o = (size_t)snprintf(in, 64 * 1024, "x; dkim=pass");
	for (int i = 0; i <= MP_LIMIT_AUTHRES_PROPS; i++)
		o += (size_t)snprintf(in + o, 64 * 1024 - o, " header.d=a");
	assert_int_equal(mp_authres_parse(mp_str_make(in, o), &a, &ar, &why), MP_ELIMIT);
	assert_int_equal(why.reason, MP_REASON_AUTHRES_TOO_MANY_PROPS);
	mp_arena_reset(&a);
	/* 20000 comments in one result: joined in linear space (1 MiB arena) */
	{
		struct mp_arena small;
		o = (size_t)snprintf(in, 64 * 1024, "x; spf=pass");
		for (int i = 0; i < 20000; i++)
			o += (size_t)snprintf(in + o, 64 * 1024 - o, "(c)");
		mp_arena_init(&small, 1u << 20);
		assert_int_equal(mp_authres_parse(mp_str_make(in, o), &small, &ar, &why), MP_OK);
		assert_false(mp_why_failed(&why));
		assert_int_equal(ar.results[0].comment.len, 20000 * 2 - 1);
		mp_arena_fini(&small);
	}
	mp_arena_fini(&a);
	free(in);
}

static void
test_has_id(void **state)
{
	static const struct {
		const char *value, *id;
		bool want;
	} cases[] = {
		{ "mx.example.org; none", "mx.example.org", true },
		{ "MX.Example.ORG 1; spf=pass", "mx.example.org", true },
		{ " (forged) mx.example.org;spf=pass", "mx.example.org", true },
		{ "\"mx.example.org\"; none", "mx.example.org", true },
		{ "\r\n\tmx.example.org", "mx.example.org", true },
		{ "mx.example.org(c); garbage ((", "mx.example.org", true },
		{ "mx.example.org.evil; none", "mx.example.org", false },
		{ "mx.example.or; none", "mx.example.org", false },
		{ "other.example; none", "mx.example.org", false },
		{ "", "mx.example.org", false },
		{ "; spf=pass", "", false },
		{ "\"mx.example.org", "mx.example.org", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (mp_authres_has_id(mp_str_c(cases[i].value), mp_str_c(cases[i].id)) != cases[i].want)
			fail_msg("has_id case %zu '%s'", i, cases[i].value);
}

/* ---- Received-SPF ---- */

static void
test_received_spf(void **state)
{
	struct mp_spf_kv kv[] = {
		{ S("client-ip"), S("192.0.2.1") },
		{ S("envelope-from"), S("myname@example.com") },
		{ S("helo"), S("foo.example.com") },
		{ S("receiver"), S("mybox.example.org") },
		{ S("identity"), S("mailfrom") },
		{ S("mechanism"), S("ip4:192.0.2.0/24") },
	};
	struct mp_received_spf r = { S("pass"),
		S("mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender"),
		6, kv }, back;
	struct mp_spf_kv kv6[] = { { S("client-ip"), S("2001:db8::1") }, { S("problem"), S("a \"b\"") } };
	struct mp_received_spf r6 = { S("permerror"), NOSTR, 2, kv6 };
	struct mp_spf_kv bad[] = { { S("1x"), S("a") } };
	struct mp_received_spf rbad = { S("pass"), NOSTR, 1, bad };
	struct mp_buf b;
	struct mp_arena a;
	struct mp_why why;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	mp_buf_init(&b, 1 << 16);
	assert_int_equal(mp_received_spf_build(&r, MP_STR_LIT("\r\n"), &b), MP_OK);
	assert_string_equal(b.ptr,
	    " pass\r\n\t(mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender)\r\n"
	    "\tclient-ip=192.0.2.1; envelope-from=\"myname@example.com\";\r\n"
	    "\thelo=foo.example.com; receiver=mybox.example.org; identity=mailfrom;\r\n"
	    "\tmechanism=\"ip4:192.0.2.0/24\"");
	assert_int_equal(mp_received_spf_parse(mp_buf_str(&b), &a, &back, &why), MP_OK);
	assert_false(mp_why_failed(&why));
	assert_true(mp_str_eq(back.result, r.result));
	assert_true(mp_str_eq(back.comment, r.comment));
	assert_int_equal(back.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_true(mp_str_eq(back.kv[i].key, kv[i].key));
		assert_true(mp_str_eq(back.kv[i].value, kv[i].value));
	}
	mp_buf_reset(&b);
	assert_int_equal(mp_received_spf_build(&r6, MP_STR_LIT("\r\n"), &b), MP_OK);
	assert_string_equal(b.ptr, " permerror client-ip=\"2001:db8::1\"; problem=\"a \\\"b\\\"\"");
	assert_int_equal(mp_received_spf_parse(mp_buf_str(&b), &a, &back, &why), MP_OK);
	assert_false(mp_why_failed(&why));
	assert_null(back.comment.ptr);
	assert_true(mp_str_eq_c(back.kv[1].value, "a \"b\""));
	mp_buf_reset(&b);
	assert_int_equal(mp_received_spf_build(&rbad, MP_STR_LIT("\r\n"), &b), MP_EINVAL);
	assert_int_equal(b.len, 0);

	/* RFC 7208 §9.1 example, as written there (trailing ';') */
	assert_int_equal(mp_received_spf_parse(mp_str_c(
	    "pass (mybox.example.org: domain of\r\n myname@example.com designates 192.0.2.1 as\r\n"
	    " permitted sender)\r\n receiver=mybox.example.org; client-ip=192.0.2.1;\r\n"
	    " envelope-from=<myname@example.com>; helo=foo.example.com;"), &a, &back, &why), MP_OK);
	assert_false(mp_why_failed(&why));
	assert_int_equal(back.n, 4);
	assert_true(mp_str_eq_c(back.kv[2].value, "<myname@example.com>"));
	assert_true(mp_str_eq_c(back.comment,
	    "mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender"));
	/* malformed */
	assert_int_equal(mp_received_spf_parse(mp_str_c("pass client-ip"), &a, &back, &why), MP_OK);
	assert_int_equal(why.reason, MP_REASON_AUTHRES_SPF_SYNTAX);
	assert_int_equal(mp_received_spf_parse(mp_str_c(""), &a, &back, &why), MP_OK);
	assert_int_equal(why.reason, MP_REASON_AUTHRES_SPF_SYNTAX);
	assert_int_equal(mp_received_spf_parse(mp_str_c("pass a=b c=d"), &a, &back, &why), MP_OK);
	assert_int_equal(why.reason, MP_REASON_AUTHRES_SPF_SYNTAX);
	mp_buf_fini(&b);
	mp_arena_fini(&a);
}

static void
test_alloc_failures(void **state)
{
	const char *in = "example.com 1; (c) auth=pass (cram-md5) smtp.auth=sender@example.net;"
	    " dkim/1=fail reason=\"bad sig\" (x) (y) header.d=\"a b\" header.b=c;"
	    " spf=pass smtp.mailfrom=example.net; dmarc=pass header.from=example.net;"
	    " iprev=pass policy.iprev=192.0.2.1";
	int nomem = 0;

	(void)state;
	for (unsigned long n = 1; n < 200; n++) {
		struct mp_arena a;
		struct mp_authres ar;
		struct mp_why why;
		enum mp_status st;

		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		st = mp_authres_parse(mp_str_c(in), &a, &ar, &why);
		mp_alloc_fail_after(0);
		if (st == MP_OK) {
			assert_false(mp_why_failed(&why));
			assert_int_equal(ar.n, 5);
			mp_arena_fini(&a);
			break;
		}
		mp_arena_fini(&a);
		assert_int_equal(st, MP_ENOMEM);
		assert_int_equal(why.reason, MP_REASON_NOMEM);
		nomem++;
	}
	assert_true(nomem >= 1);
	nomem = 0;
	for (unsigned long n = 1; n < 50; n++) {
		struct mp_buf b;
		struct mp_authres ar = { S("mx.example.org"), true, 1, 2, r_two };
		enum mp_status st;

		mp_buf_init(&b, 1 << 16);
		mp_alloc_fail_after(n);
		st = mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b);
		mp_alloc_fail_after(0);
		mp_buf_fini(&b);
		if (st == MP_OK)
			break;
		assert_int_equal(st, MP_ENOMEM);
		nomem++;
	}
	assert_true(nomem >= 1);
	nomem = 0;
	for (unsigned long n = 1; n < 50; n++) {
		struct mp_arena a;
		struct mp_received_spf r;
		struct mp_why why;
		enum mp_status st;

		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		st = mp_received_spf_parse(MP_STR_LIT("pass (a) (b) client-ip=192.0.2.1; "
		    "envelope-from=\"a@b.example\"; helo=h.example"), &a, &r, &why);
		mp_alloc_fail_after(0);
		mp_arena_fini(&a);
		if (st == MP_OK) {
			assert_false(mp_why_failed(&why));
			break;
		}
		assert_int_equal(st, MP_ENOMEM);
		nomem++;
	}
	assert_true(nomem >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_cases),
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_parse_cases),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_has_id),
		cmocka_unit_test(test_received_spf),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
