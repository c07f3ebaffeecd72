/* test_msg_addr.c - the address parser (RFC 5322 §3.4, obs- forms, RFC 2047,
 * RFC 6532), SMTP paths, and the fail-closed author (every ambiguity has a
 * named case), plus allocation-failure loops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

/* "display<local@domain>flags" per address, joined by ","; flags: G in
 * group, L domain literal, D display looks like an address */
static const char *
render(const struct mp_addr_list *l)
{
	static char out[4096];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		const struct mp_addr *a = &l->addrs[i];
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s<%.*s@%.*s>%s%s%s",
		    i ? "," : "", (int)a->display.len, a->display.ptr,
		    (int)a->local.len, a->local.ptr, (int)a->domain.len, a->domain.ptr,
		    a->in_group ? "G" : "", a->domain_literal ? "L" : "",
		    a->display_has_addr ? "D" : "");
	}
	return out;
}

static const struct addr_case {
	const char *name;
	const char *in;
	size_t len;                 /* 0: strlen */
	enum mp_reason why;
	const char *want;           /* render() */
	size_t ngroups;
	const char *spec0, *lc0;    /* first address: addr_spec, domain_lc (NULL: skip) */
} addr_cases[] = {
	/* plain forms */
	{ "addr-spec", "a@example.com", 0, 0, "<a@example.com>", 0, "a@example.com", "example.com" },
	{ "name-addr", "Joe <joe@example.com>", 0, 0, "Joe<joe@example.com>", 0, NULL, NULL },
	{ "quoted display with comma", "\"Doe, John\" <j@example.com>", 0, 0,
	  "Doe, John<j@example.com>", 0, NULL, NULL },
	{ "obs-phrase with dot", "John Q. Public <jqp@example.com>", 0, 0,
	  "John Q. Public<jqp@example.com>", 0, NULL, NULL },
	{ "angle without display", "<a@example.com>", 0, 0, "<a@example.com>", 0, NULL, NULL },
	{ "two addresses", "a@x.example, Bob <b@y.example>", 0, 0,
	  "<a@x.example>,Bob<b@y.example>", 0, NULL, NULL },
	{ "empty list members (obs)", "a@x.example,,b@y.example", 0, 0,
	  "<a@x.example>,<b@y.example>", 0, NULL, NULL },
	{ "leading comma (obs)", ", a@x.example", 0, 0, "<a@x.example>", 0, NULL, NULL },
	{ "folded value", " Joe\r\n <joe@example.com>", 0, 0, "Joe<joe@example.com>", 0, NULL, NULL },
	{ "folded with LF", " Joe\n\t<joe@example.com>", 0, 0, "Joe<joe@example.com>", 0, NULL, NULL },
	/* comments */
	{ "comments around", "(c) a@example.com (d)", 0, 0, "<a@example.com>", 0, NULL, NULL },
	{ "comment in display", "Joe (the man) Smith <j@x.example>", 0, 0,
	  "Joe Smith<j@x.example>", 0, NULL, NULL },
	{ "nested comments", "a@example.com (x (y (z)))", 0, 0, "<a@example.com>", 0, NULL, NULL },
	{ "escaped paren in comment", "a@example.com (x \\) y)", 0, 0, "<a@example.com>", 0, NULL, NULL },
	{ "comment too deep",
	  "a@example.com (((((((((((((((((x)))))))))))))))))", 0,
	  MP_REASON_MSG_COMMENT_TOO_DEEP, "<a@example.com>", 0, NULL, NULL },
	{ "comment at nesting limit", "a@example.com ((((((((((((((((x))))))))))))))))", 0,
	  0, "<a@example.com>", 0, NULL, NULL },
	{ "unterminated comment", "a@example.com (x", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<a@example.com>", 0, NULL, NULL },
	{ "stray close paren", "a@example.com )", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<a@example.com>", 0, NULL, NULL },
	/* local parts */
	{ "quoted local", "\"a b\"@example.com", 0, 0, "<a b@example.com>", 0,
	  "\"a b\"@example.com", NULL },
	{ "quoted local with quoted-pair", "\"a\\\"b\"@example.com", 0, 0, "<a\"b@example.com>", 0,
	  "\"a\\\"b\"@example.com", NULL },
	{ "quoted local holding an at", "\"a@b\"@x.example", 0, 0, "<a@b@x.example>", 0,
	  "\"a@b\"@x.example", "x.example" },
	{ "empty quoted local", "\"\"@x.example", 0, 0, "<@x.example>", 0, "\"\"@x.example", NULL },
	{ "obs-local-part CFWS between words", "a . b (c) @example.com", 0, 0,
	  "<a.b@example.com>", 0, "a.b@example.com", NULL },
	{ "obs-local-part quoted words", "\"a\".b@example.com", 0, 0, "<a.b@example.com>", 0,
	  "a.b@example.com", NULL },
	{ "leading dot in local", ".a@example.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "double dot in local", "a..b@example.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "trailing dot in local", "a.@example.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "UTF-8 local (RFC 6532)", "j\xc3\xb6s\xc3\xa9@example.com", 0, 0,
	  "<j\xc3\xb6s\xc3\xa9@example.com>", 0, NULL, NULL },
	{ "bad UTF-8 local", "j\xc3@example.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	/* domains */
	{ "upper-case domain", "A@EXAMPLE.Com", 0, 0, "<A@EXAMPLE.Com>", 0, "A@EXAMPLE.Com",
	  "example.com" },
	{ "UTF-8 domain", "a@ex\xc3\xa4mple.COM", 0, 0, "<a@ex\xc3\xa4mple.COM>", 0, NULL,
	  "ex\xc3\xa4mple.com" },
	{ "bad UTF-8 domain", "a@ex\xff.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "obs-domain with CFWS", "a@example . (x) com", 0, 0, "<a@example.com>", 0, NULL, NULL },
	{ "trailing dot in domain", "a@example.com.", 0, MP_REASON_MSG_TRAILING_DOT,
	  "<a@example.com.>", 0, "a@example.com.", "example.com" },
	{ "trailing dot in angle", "<a@example.com.>", 0, MP_REASON_MSG_TRAILING_DOT,
	  "<a@example.com.>", 0, NULL, "example.com" },
	{ "double dot in domain", "a@example..com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "leading dot in domain", "a@.example.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "domain literal", "a@[192.0.2.1]", 0, 0, "<a@192.0.2.1>L", 0, "a@[192.0.2.1]", "192.0.2.1" },
	{ "IPv6 literal", "a@[IPv6:2001:db8::1]", 0, 0, "<a@IPv6:2001:db8::1>L", 0, NULL,
	  "ipv6:2001:db8::1" },
	{ "literal with FWS", "a@[ 192.0.2.1 ]", 0, 0, "<a@192.0.2.1>L", 0, NULL, NULL },
	{ "unterminated literal", "a@[192.0.2.1", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "quoted domain", "a@\"example.com\"", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	/* missing and empty */
	{ "missing domain", "alice", 0, MP_REASON_MSG_NO_DOMAIN, "<alice@>", 0, "alice", "" },
	{ "missing domain in angle", "Joe <joe>", 0, MP_REASON_MSG_NO_DOMAIN, "Joe<joe@>", 0, NULL, NULL },
	{ "nothing after at", "a@", 0, MP_REASON_MSG_NO_DOMAIN, "", 0, NULL, NULL },
	{ "missing local", "@example.com", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "comma in bare address", "a,b@x.example", 0, MP_REASON_MSG_NO_DOMAIN, "<a@>", 0, NULL, NULL },
	{ "quoted display only", "\"a@x.example\"", 0, MP_REASON_MSG_NO_DOMAIN,
	  "<a@x.example@>", 0, NULL, NULL },
	{ "empty value", "", 0, MP_REASON_MSG_EMPTY_ADDRESS, "", 0, NULL, NULL },
	{ "CFWS only", "  (nobody) \r\n ", 0, MP_REASON_MSG_EMPTY_ADDRESS, "", 0, NULL, NULL },
	{ "empty angle", "<>", 0, MP_REASON_MSG_EMPTY_ADDRESS, "", 0, NULL, NULL },
	{ "display and empty angle", "Joe <>", 0, MP_REASON_MSG_EMPTY_ADDRESS, "", 0, NULL, NULL },
	/* obs-route */
	{ "obs-route", "<@route.example,@r2.example:a@example.com>", 0, 0, "<a@example.com>",
	  0, NULL, NULL },
	{ "obs-route with empty members", "Joe <,@r.example,,:a@example.com>", 0, 0,
	  "Joe<a@example.com>", 0, NULL, NULL },
	{ "obs-route without colon", "<@r.example a@example.com>", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "", 0, NULL, NULL },
	{ "obs-route only", "<@r.example:>", 0, MP_REASON_MSG_EMPTY_ADDRESS, "", 0, NULL, NULL },
	/* groups */
	{ "empty group", "undisclosed-recipients:;", 0, 0, "", 1, NULL, NULL },
	{ "group with members", "Team: a@x.example, Bob <b@y.example>;", 0, 0,
	  "<a@x.example>G,Bob<b@y.example>G", 1, NULL, NULL },
	{ "group then address", "G: a@x.example; , c@z.example", 0, 0,
	  "<a@x.example>G,<c@z.example>", 1, NULL, NULL },
	{ "group with CFWS only", "G: (nobody) ;", 0, 0, "", 1, NULL, NULL },
	{ "obs-group-list commas", "G: , ,a@x.example,;", 0, 0, "<a@x.example>G", 1, NULL, NULL },
	{ "two groups", "A: a@x.example;, B:;", 0, 0, "<a@x.example>G", 2, NULL, NULL },
	{ "group without semicolon", "G: a@x.example", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<a@x.example>G", 1, NULL, NULL },
	{ "nested group", "G: H: a@x.example;;", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 1, NULL, NULL },
	/* RFC 2047 in display names */
	{ "encoded word Q utf-8", "=?utf-8?q?caf=C3=A9?= <a@example.com>", 0, 0,
	  "caf\xc3\xa9<a@example.com>", 0, NULL, NULL },
	{ "encoded word B utf-8", "=?UTF-8?B?Y2Fmw6k=?= <a@example.com>", 0, 0,
	  "caf\xc3\xa9<a@example.com>", 0, NULL, NULL },
	{ "encoded word latin1", "=?iso-8859-1?q?caf=E9?= <a@example.com>", 0, 0,
	  "caf\xc3\xa9<a@example.com>", 0, NULL, NULL },
	{ "encoded word us-ascii underscore", "=?us-ascii?Q?John_Smith?= <a@example.com>", 0, 0,
	  "John Smith<a@example.com>", 0, NULL, NULL },
	{ "encoded word with language", "=?utf-8*en?q?Hi?= <a@example.com>", 0, 0,
	  "Hi<a@example.com>", 0, NULL, NULL },
	{ "unknown charset kept raw", "=?koi8-r?b?8NLJ18XU?= <a@example.com>", 0, 0,
	  "=?koi8-r?b?8NLJ18XU?=<a@example.com>", 0, NULL, NULL },
	{ "us-ascii with 8-bit kept raw", "=?us-ascii?q?caf=E9?= <a@example.com>", 0, 0,
	  "=?us-ascii?q?caf=E9?=<a@example.com>", 0, NULL, NULL },
	{ "adjacent encoded words joined", "=?utf-8?q?a?= =?utf-8?q?b?= <x@example.com>", 0, 0,
	  "ab<x@example.com>", 0, NULL, NULL },
	{ "encoded word after atom", "Hello =?utf-8?q?W=C3=B6rld?= <x@example.com>", 0, 0,
	  "Hello W\xc3\xb6rld<x@example.com>", 0, NULL, NULL },
	{ "bad base64 kept raw", "=?utf-8?b?!!!?= <a@example.com>", 0, 0,
	  "=?utf-8?b?!!!?=<a@example.com>", 0, NULL, NULL },
	/* B is RFC 4648 base64 with padding, no white space (RFC 2047 §4.1) */
	{ "B one pad byte", "=?utf-8?B?Y2E=?= <a@example.com>", 0, 0, "ca<a@example.com>", 0,
	  NULL, NULL },
	{ "B no padding needed", "=?utf-8?B?Y2Fm?= <a@example.com>", 0, 0, "caf<a@example.com>", 0,
	  NULL, NULL },
	{ "B empty text", "=?utf-8?B?" "?= <a@example.com>", 0, 0, "<a@example.com>", 0, NULL, NULL },
	{ "B missing padding kept raw", "=?utf-8?B?Y2Fmw6k?= <a@example.com>", 0, 0,
	  "=?utf-8?B?Y2Fmw6k?=<a@example.com>", 0, NULL, NULL },
	{ "B padding inside kept raw", "=?utf-8?B?Y2E=Y2Fm?= <a@example.com>", 0, 0,
	  "=?utf-8?B?Y2E=Y2Fm?=<a@example.com>", 0, NULL, NULL },
	{ "B three pads kept raw", "=?utf-8?B?Y2FmY===?= <a@example.com>", 0, 0,
	  "=?utf-8?B?Y2FmY===?=<a@example.com>", 0, NULL, NULL },
	{ "decoded control kept raw", "=?utf-8?q?a=0Ab?= <x@example.com>", 0, 0,
	  "=?utf-8?q?a=0Ab?=<x@example.com>", 0, NULL, NULL },
	{ "invalid UTF-8 decoded kept raw", "=?utf-8?q?a=FFb?= <x@example.com>", 0, 0,
	  "=?utf-8?q?a=FFb?=<x@example.com>", 0, NULL, NULL },
	{ "encoded word in quotes not decoded", "\"=?utf-8?q?caf=C3=A9?=\" <a@example.com>", 0, 0,
	  "=?utf-8?q?caf=C3=A9?=<a@example.com>", 0, NULL, NULL },
	/* display names that read as addresses */
	{ "display holds an address", "\"ceo@bank.example\" <x@evil.example>", 0, 0,
	  "ceo@bank.example<x@evil.example>D", 0, NULL, "evil.example" },
	{ "encoded display decodes to address", "=?utf-8?q?ceo=40bank=2Eexample?= <x@evil.example>", 0, 0,
	  "ceo@bank.example<x@evil.example>D", 0, NULL, NULL },
	{ "lenient encoded word with dots", "=?utf-8?q?ceo=40bank.example?= <x@evil.example>", 0, 0,
	  "=?utf-8?q?ceo=40bank.example?=<x@evil.example>D", 0, NULL, NULL },
	{ "encoded address inside quotes", "\"=?utf-8?b?Y2VvQGJhbmsuZXhhbXBsZQ==?=\" <x@evil.example>", 0, 0,
	  "=?utf-8?b?Y2VvQGJhbmsuZXhhbXBsZQ==?=<x@evil.example>D", 0, NULL, NULL },
	{ "fullwidth at sign in display", "ceo\xef\xbc\xa0" "bank.example <x@evil.example>", 0, 0,
	  "ceo\xef\xbc\xa0" "bank.example<x@evil.example>D", 0, NULL, NULL },
	{ "plain display not flagged", "Bank Support <x@evil.example>", 0, 0,
	  "Bank Support<x@evil.example>", 0, NULL, NULL },
	{ "at without dot not flagged", "\"me@home\" <x@evil.example>", 0, 0,
	  "me@home<x@evil.example>", 0, NULL, NULL },
	/* quoting in display names */
	{ "quoted display folded", "\"Jo\r\n e\" <j@x.example>", 0, 0, "Jo e<j@x.example>", 0, NULL, NULL },
	{ "quoted-pair in display", "\"a\\\\b\" <j@x.example>", 0, 0, "a\\b<j@x.example>", 0, NULL, NULL },
	{ "UTF-8 display", "J\xc3\xb6se <j@example.com>", 0, 0, "J\xc3\xb6se<j@example.com>", 0, NULL, NULL },
	{ "quoted-pair of LF", "\"a\\\nb\"@x.example", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "control in quoted string", "\"a\x01\" <b@x.example>", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "unterminated quote", "\"abc <a@x.example>", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	/* broken structure */
	{ "two addresses without comma", "a@x.example b@y.example", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<a@x.example>", 0, NULL, NULL },
	{ "missing closing angle", "Joe <joe@example.com", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "Joe<joe@example.com>", 0, NULL, NULL },
	{ "stray closing angle", "joe@example.com>", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<joe@example.com>", 0, NULL, NULL },
	{ "unquoted address as display", "joe@x.example <a@y.example>", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<joe@x.example>", 0, NULL, NULL },
	{ "two angle addresses", "<a@x.example> <b@y.example>", 0, MP_REASON_MSG_ADDR_SYNTAX,
	  "<a@x.example>", 0, NULL, NULL },
	{ "backslash outside quotes", "a\\b@x.example", 0, MP_REASON_MSG_ADDR_SYNTAX, "", 0, NULL, NULL },
	{ "NUL byte", "a@example.com\0.evil", 19, MP_REASON_MSG_NUL_BYTE, "", 0, NULL, NULL },
	{ "NUL in display", "\"x\0\" <a@example.com>", 20, MP_REASON_MSG_NUL_BYTE, "", 0, NULL, NULL },
};

static void
test_addr_cases(void **state)
{
	struct mp_arena a;
	size_t ncases = sizeof addr_cases / sizeof addr_cases[0];

	(void)state;
	assert_true(ncases >= 60);
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < ncases; i++) {
		const struct addr_case *tc = &addr_cases[i];
		struct mp_addr_list l;
		struct mp_why why;
		enum mp_status st;
		const char *got;

		st = mp_addr_parse_list(mp_str_make(tc->in, tc->len ? tc->len : strlen(tc->in)),
		    &a, &l, &why);
		got = render(&l);
		if (st != (tc->why == MP_REASON_MSG_COMMENT_TOO_DEEP ? MP_ELIMIT : MP_OK))
			fail_msg("case '%s': status %d", tc->name, st);
		if (why.reason != tc->why)
			fail_msg("case '%s': reason %s, want %s", tc->name,
			    mp_reason_token(why.reason), mp_reason_token(tc->why));
		if (strcmp(got, tc->want) != 0)
			fail_msg("case '%s': got '%s', want '%s'", tc->name, got, tc->want);
		if (l.ngroups != tc->ngroups)
			fail_msg("case '%s': %zu groups", tc->name, l.ngroups);
		if (tc->spec0 && !mp_str_eq_c(l.addrs[0].addr_spec, tc->spec0))
			fail_msg("case '%s': addr_spec '%.*s'", tc->name,
			    (int)l.addrs[0].addr_spec.len, l.addrs[0].addr_spec.ptr);
		if (tc->lc0 && !mp_str_eq_c(l.addrs[0].domain_lc, tc->lc0))
			fail_msg("case '%s': domain_lc '%.*s'", tc->name,
			    (int)l.addrs[0].domain_lc.len, l.addrs[0].domain_lc.ptr);
		/* every addr_spec parses back to the same local part and domain */
		for (size_t k = 0; k < l.n && !l.addrs[k].domain_literal && l.addrs[k].domain.len &&
		    !mp_why_failed(&why); k++) {
			struct mp_addr_list l2;
			struct mp_why why2;
			assert_int_equal(mp_addr_parse_list(l.addrs[k].addr_spec, &a, &l2, &why2), MP_OK);
			if (mp_why_failed(&why2) || l2.n != 1 ||
			    !mp_str_eq(l2.addrs[0].local, l.addrs[k].local) ||
			    !mp_str_eq(l2.addrs[0].domain, l.addrs[k].domain))
				fail_msg("case '%s': addr_spec does not re-parse", tc->name);
		}
		mp_arena_reset(&a);
	}
	mp_arena_fini(&a);
}

static void
test_addr_limit(void **state)
{
	struct mp_arena a;
	struct mp_addr_list l;
	struct mp_why why;
	size_t n = MP_LIMIT_ADDRESSES + 1, o = 0;
	char *in = malloc(n * 8);

	(void)state;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(in + o, n * 8 - o, "%sa@b.c", i ? "," : "");
	mp_arena_init(&a, 16u << 20);
	assert_int_equal(mp_addr_parse_list(mp_str_make(in, o), &a, &l, &why), MP_ELIMIT);
	assert_int_equal(why.reason, MP_REASON_MSG_TOO_MANY_ADDRESSES);
	assert_int_equal(l.n, MP_LIMIT_ADDRESSES);
	mp_arena_reset(&a);
	/* exactly at the limit is fine */
	assert_int_equal(mp_addr_parse_list(mp_str_make(in, o - 6), &a, &l, &why), MP_OK);
	assert_false(mp_why_failed(&why));
	assert_int_equal(l.n, MP_LIMIT_ADDRESSES);
	mp_arena_fini(&a);
	free(in);
}

static void
test_addr_linear_memory(void **state)
{
	/* 1000 display-named addresses (~36 KB) fit an arena of 1 MiB: memory
	 * per address is bounded by its own length, not the rest of the list */
	struct mp_arena a;
	struct mp_addr_list l;
	struct mp_why why;
	size_t n = MP_LIMIT_ADDRESSES, cap = n * 48, o = 0;
	char *in = malloc(cap);

	(void)state;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(in + o, cap - o, "%sName %zu <a%zu@x.example>", i ? ", " : "", i, i);
	mp_arena_init(&a, 1u << 20);
	assert_int_equal(mp_addr_parse_list(mp_str_make(in, o), &a, &l, &why), MP_OK);
	assert_false(mp_why_failed(&why));
	assert_int_equal(l.n, n);
	assert_true(mp_str_eq_c(l.addrs[n - 1].display, "Name 999"));
	mp_arena_fini(&a);
	free(in);
}

static const struct path_case {
	const char *name;
	const char *in;
	size_t len;
	enum mp_reason why;
	const char *local, *domain, *spec, *lc;
	bool literal;
} path_cases[] = {
	{ "angle", "<a@example.com>", 0, 0, "a", "example.com", "a@example.com", "example.com", false },
	{ "bare", "a@example.com", 0, 0, "a", "example.com", "a@example.com", "example.com", false },
	{ "spaces trimmed", "  <a@example.com> ", 0, 0, "a", "example.com", NULL, NULL, false },
	{ "null path", "<>", 0, 0, "", "", "", "", false },
	{ "empty", "", 0, 0, "", "", "", "", false },
	{ "source route", "<@relay.example,@r2.example:a@example.com>", 0, 0, "a", "example.com",
	  NULL, NULL, false },
	{ "quoted local", "<\"a b\"@example.com>", 0, 0, "a b", "example.com",
	  "\"a b\"@example.com", NULL, false },
	{ "quoted-pair local", "<\"a\\\"b\"@example.com>", 0, 0, "a\"b", "example.com",
	  "\"a\\\"b\"@example.com", NULL, false },
	{ "address literal", "<a@[192.0.2.1]>", 0, 0, "a", "192.0.2.1", "a@[192.0.2.1]", NULL, true },
	{ "upper-case domain", "<a@EXAMPLE.Com>", 0, 0, "a", "EXAMPLE.Com", NULL, "example.com", false },
	{ "underscore in domain", "<a@x_y.example>", 0, 0, "a", "x_y.example", NULL, NULL, false },
	{ "UTF-8", "<j\xc3\xb6@ex\xc3\xa4mple.com>", 0, 0, "j\xc3\xb6", "ex\xc3\xa4mple.com",
	  NULL, NULL, false },
	{ "trailing dot", "<a@example.com.>", 0, MP_REASON_MSG_TRAILING_DOT, "a", "example.com.",
	  NULL, "example.com", false },
	{ "no domain", "<postmaster>", 0, MP_REASON_MSG_NO_DOMAIN, "postmaster", "", NULL, NULL, false },
	{ "nothing after at", "<a@>", 0, MP_REASON_MSG_NO_DOMAIN, "a", "", NULL, NULL, false },
	{ "no closing bracket", "<a@example.com", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
	{ "space in domain", "<a@exa mple.com>", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
	{ "double dot local", "<a..b@example.com>", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
	{ "double dot domain", "<a@example..com>", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
	{ "bad UTF-8", "<a@ex\xff.com>", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
	{ "NUL", "<a@example.com\0>", 16, MP_REASON_MSG_NUL_BYTE, NULL, NULL, NULL, NULL, false },
	{ "unterminated quote", "<\"a@example.com>", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
	{ "route without colon", "<@relay.example>", 0, MP_REASON_MSG_PATH_SYNTAX, NULL, NULL, NULL, NULL, false },
};

static void
test_path_cases(void **state)
{
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof path_cases / sizeof path_cases[0]; i++) {
		const struct path_case *tc = &path_cases[i];
		struct mp_addr ad;
		struct mp_why why;

		assert_int_equal(mp_addr_parse_path(mp_str_make(tc->in, tc->len ? tc->len : strlen(tc->in)),
		    &a, &ad, &why), MP_OK);
		if (why.reason != tc->why)
			fail_msg("path case '%s': reason %s", tc->name, mp_reason_token(why.reason));
		if ((tc->local && !mp_str_eq_c(ad.local, tc->local)) ||
		    (tc->domain && !mp_str_eq_c(ad.domain, tc->domain)) ||
		    (tc->spec && !mp_str_eq_c(ad.addr_spec, tc->spec)) ||
		    (tc->lc && !mp_str_eq_c(ad.domain_lc, tc->lc)) || ad.domain_literal != tc->literal)
			fail_msg("path case '%s': got %.*s @ %.*s spec %.*s", tc->name,
			    (int)ad.local.len, ad.local.ptr, (int)ad.domain.len, ad.domain.ptr,
			    (int)ad.addr_spec.len, ad.addr_spec.ptr);
	}
	mp_arena_fini(&a);
}

static const struct author_case {
	const char *name;
	const char *msg;
	size_t len;
	enum mp_reason why;
	const char *domain_lc;      /* when why is NONE */
	bool display_has_addr;
} author_cases[] = {
	{ "single From", "From: Alice <a@Example.COM>\r\n\r\n", 0, 0, "example.com", false },
	{ "folded From", "From: Joe\r\n <joe@x.example>\r\nTo: b@c\r\n\r\n", 0, 0, "x.example", false },
	{ "LF only", "From: a@x.example\n\n", 0, 0, "x.example", false },
	{ "no From", "To: a@b.example\r\n\r\n", 0, MP_REASON_MSG_NO_FROM, NULL, false },
	{ "Resent-From is not From", "Resent-From: a@y.example\r\n\r\n", 0, MP_REASON_MSG_NO_FROM, NULL, false },
	{ "Fromage is not From", "Fromage: x\r\nFrom: a@x.example\r\n\r\n", 0, 0, "x.example", false },
	{ "two From", "From: a@x.example\r\nFrom: b@y.example\r\n\r\n", 0,
	  MP_REASON_MSG_MULTIPLE_FROM, NULL, false },
	{ "two From, other case", "From: a@x.example\r\nfROM: b@y.example\r\n\r\n", 0,
	  MP_REASON_MSG_MULTIPLE_FROM, NULL, false },
	{ "two From, ws before colon", "From: a@x.example\r\nFrom : b@y.example\r\n\r\n", 0,
	  MP_REASON_MSG_MULTIPLE_FROM, NULL, false },
	{ "two From, one indented", " From: a@evil.example\r\nFrom: b@good.example\r\n\r\n", 0,
	  MP_REASON_MSG_MULTIPLE_FROM, NULL, false },
	{ "two From, NUL in name", "From\0: a@evil.example\r\nFrom: b@good.example\r\n\r\n", 47,
	  MP_REASON_MSG_MULTIPLE_FROM, NULL, false },
	{ "two From, one without colon", "From a@evil.example\r\nTo: x@y\r\nFrom: b@good.example\r\n\r\n",
	  0, 0, "good.example", false },   /* first line: mbox separator, skipped */
	{ "two From, colonless in the middle", "To: x@y\r\nFrom a@evil.example\r\nFrom: b@good.example\r\n\r\n",
	  0, MP_REASON_MSG_MULTIPLE_FROM, NULL, false },
	{ "ws before colon", "From : a@x.example\r\n\r\n", 0, MP_REASON_MSG_WS_BEFORE_COLON, NULL, false },
	{ "NUL in From value", "From: a@x.example\0.evil\r\n\r\n", 27, MP_REASON_MSG_NUL_BYTE, NULL, false },
	{ "two addresses", "From: a@x.example, b@y.example\r\n\r\n", 0,
	  MP_REASON_MSG_MULTIPLE_AUTHORS, NULL, false },
	{ "group", "From: G: a@x.example;\r\n\r\n", 0, MP_REASON_MSG_FROM_GROUP, NULL, false },
	{ "empty group", "From: undisclosed-recipients:;\r\n\r\n", 0, MP_REASON_MSG_FROM_GROUP, NULL, false },
	{ "no domain", "From: alice\r\n\r\n", 0, MP_REASON_MSG_NO_DOMAIN, NULL, false },
	{ "empty From", "From:\r\n\r\n", 0, MP_REASON_MSG_EMPTY_ADDRESS, NULL, false },
	{ "comment-only From", "From: (nobody)\r\n\r\n", 0, MP_REASON_MSG_EMPTY_ADDRESS, NULL, false },
	{ "syntax error", "From: <a@x.example\r\n\r\n", 0, MP_REASON_MSG_FROM_SYNTAX, NULL, false },
	{ "trailing dot", "From: a@x.example.\r\n\r\n", 0, MP_REASON_MSG_TRAILING_DOT, NULL, false },
	{ "domain literal", "From: a@[192.0.2.1]\r\n\r\n", 0, MP_REASON_MSG_DOMAIN_LITERAL, NULL, false },
	{ "encoded word as local part", "From: =?utf-8?q?ceo=40bank.example?=@evil.example\r\n\r\n", 0,
	  MP_REASON_MSG_ENCODED_ADDR, NULL, false },
	{ "display holds an address", "From: \"ceo@bank.example\" <x@evil.example>\r\n\r\n", 0, 0,
	  "evil.example", true },
	{ "quoted address only", "From: \"a@x.example\"\r\n\r\n", 0, MP_REASON_MSG_NO_DOMAIN, NULL, false },
	{ "obs-route", "From: <@relay.example:a@x.example>\r\n\r\n", 0, 0, "x.example", false },
	{ "mbox line first", "From x@y Mon Jan  1 00:00:00 2024\r\nFrom: a@x.example\r\n\r\n", 0, 0,
	  "x.example", false },
};

static void
test_author_cases(void **state)
{
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof author_cases / sizeof author_cases[0]; i++) {
		const struct author_case *tc = &author_cases[i];
		struct mp_msg *m = mp_msg_new();
		struct mp_addr ad;
		struct mp_why why;

		assert_int_equal(mp_msg_feed(m, tc->msg, tc->len ? tc->len : strlen(tc->msg)), MP_OK);
		assert_int_equal(mp_msg_end(m), MP_OK);
		assert_int_equal(mp_msg_author(m, &a, &ad, &why), MP_OK);
		if (why.reason != tc->why)
			fail_msg("author case '%s': reason %s, want %s", tc->name,
			    mp_reason_token(why.reason), mp_reason_token(tc->why));
		if (tc->domain_lc && !mp_str_eq_c(ad.domain_lc, tc->domain_lc))
			fail_msg("author case '%s': domain %.*s", tc->name,
			    (int)ad.domain_lc.len, ad.domain_lc.ptr);
		if (tc->why != MP_REASON_NONE && ad.domain.ptr != NULL)
			fail_msg("author case '%s': an author despite %s", tc->name,
			    mp_reason_token(tc->why));
		assert_int_equal(ad.display_has_addr, tc->display_has_addr);
		mp_msg_free(m);
		mp_arena_reset(&a);
	}
	mp_arena_fini(&a);
}

static void
test_author_incomplete(void **state)
{
	struct mp_msg *m = mp_msg_new();
	struct mp_arena a;
	struct mp_addr ad;
	struct mp_why why;

	(void)state;
	mp_arena_init(&a, 1 << 16);
	assert_int_equal(mp_msg_feed(m, "From: a@x.example\r\n", 19), MP_OK);
	assert_int_equal(mp_msg_author(m, &a, &ad, &why), MP_OK);
	assert_int_equal(why.reason, MP_REASON_MSG_HEADERS_INCOMPLETE);
	assert_null(ad.domain.ptr);
	mp_arena_fini(&a);
	mp_msg_free(m);
}

/* each allocation of a parse fails in turn: MP_ENOMEM, no leak, then OK */
static void
test_alloc_failures(void **state)
{
	static const char *list =
	    "\"Doe, J\" <@r.example:j.d@example.com>, =?utf-8?q?caf=C3=A9?= <c@x.example>, "
	    "G: a@[192.0.2.1], b@y.example;, =?iso-8859-1?b?Y2Fm6Q==?= <\"q x\"@z.example>";
	static const char *msg = "Received: x\r\nFrom: \"A\" <a@x.example>\r\n\r\nbody";
	int nomem = 0;

	(void)state;
	for (unsigned long n = 1; n < 200; n++) {
		struct mp_arena a;
		struct mp_addr_list l;
		struct mp_why why;
		enum mp_status st;

		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		st = mp_addr_parse_list(mp_str_c(list), &a, &l, &why);
		mp_alloc_fail_after(0);
		mp_arena_fini(&a);
		if (st == MP_OK) {
			assert_false(mp_why_failed(&why));
			assert_int_equal(l.n, 5);
			break;
		}
		assert_int_equal(st, MP_ENOMEM);
		assert_int_equal(why.reason, MP_REASON_NOMEM);
		nomem++;
	}
	assert_true(nomem >= 1);
	nomem = 0;
	for (unsigned long n = 1; n < 200; n++) {
		struct mp_arena a;
		struct mp_addr ad;
		struct mp_why why;
		enum mp_status st;

		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		st = mp_addr_parse_path(MP_STR_LIT("<\"a b\"@example.com>"), &a, &ad, &why);
		mp_alloc_fail_after(0);
		mp_arena_fini(&a);
		if (st == MP_OK)
			break;
		assert_int_equal(st, MP_ENOMEM);
		nomem++;
	}
	assert_true(nomem >= 1);
	nomem = 0;
	for (unsigned long n = 1; n < 200; n++) {
		struct mp_arena a;
		struct mp_addr ad;
		struct mp_why why;
		struct mp_msg *m;
		enum mp_status st;
		bool ok;

		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		m = mp_msg_new();
		st = m ? mp_msg_feed(m, msg, strlen(msg)) : MP_ENOMEM;
		if (st == MP_OK)
			st = mp_msg_end(m);
		if (st == MP_OK)
			st = mp_msg_author(m, &a, &ad, &why);
		mp_alloc_fail_after(0);
		ok = st == MP_OK && mp_str_eq_c(ad.domain_lc, "x.example");
		mp_msg_free(m);
		mp_arena_fini(&a);
		if (st == MP_OK) {
			assert_true(ok);
			break;
		}
		assert_int_equal(st, MP_ENOMEM);
		nomem++;
	}
	assert_true(nomem >= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_cases),
		cmocka_unit_test(test_addr_limit),
		cmocka_unit_test(test_addr_linear_memory),
		cmocka_unit_test(test_path_cases),
		cmocka_unit_test(test_author_cases),
		cmocka_unit_test(test_author_incomplete),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
