/* test_milter_map.c - sender maps (native and Postfix formats), CIDR lists,
 * logical lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

static const char native_map[] =
    "# login     addresses and @domains\n"
    "alice       alice@example.test, Alice.Smith@example.test\n"
    "bob         bob@example.test\n"
    "            @bob.test   # continuation line\n"
    "boss@corp   @corp.test\n"
    "Alice       postmaster@example.test\n";

static const char postfix_map[] =
    "# smtpd_sender_login_maps source: address -> logins\n"
    "alice@example.test        alice\n"
    "finance@example.test      carol, dave\n"
    "@shared.test              carol dave\n";

static const struct lookup_case {
	const char *name;
	bool postfix;
	const char *login, *local, *domain;
	bool allowed;
} lookups[] = {
	{ "own address", false, "alice", "alice", "example.test", true },
	{ "address case ignored", false, "alice", "ALICE", "example.test", true },
	{ "second address", false, "alice", "alice.smith", "example.test", true },
	{ "login case ignored, rows merged", false, "ALICE", "postmaster", "example.test", true },
	{ "someone else's address", false, "alice", "bob", "example.test", false },
	{ "other domain", false, "alice", "alice", "example.org", false },
	{ "continued line", false, "bob", "anyone", "bob.test", true },
	{ "@domain is not subdomains", false, "bob", "x", "sub.bob.test", false },
	{ "login with @", false, "boss@corp", "ceo", "corp.test", true },
	{ "unknown login", false, "mallory", "alice", "example.test", false },
	{ "empty local", false, "alice", "", "example.test", false },
	{ "postfix: owner", true, "alice", "alice", "example.test", true },
	{ "postfix: shared address", true, "dave", "finance", "example.test", true },
	{ "postfix: shared domain", true, "carol", "x", "shared.test", true },
	{ "postfix: not owner", true, "alice", "finance", "example.test", false },
};

static void
test_lookups(void **state)
{
	struct milter_sendermap maps[2] = { { 0 }, { 0 } };
	struct mp_arena a;
	struct mp_why why;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	assert_int_equal(milter_sendermap_parse(&maps[0], MILTER_MAP_NATIVE,
	    MP_STR_LIT(native_map), "native", &a, &why), MP_OK);
	assert_int_equal(milter_sendermap_parse(&maps[1], MILTER_MAP_POSTFIX,
	    MP_STR_LIT(postfix_map), "postfix", &a, &why), MP_OK);
	milter_sendermap_finish(&maps[0]);
	milter_sendermap_finish(&maps[1]);
	assert_int_equal(maps[0].n, 6);
	assert_int_equal(maps[1].n, 5);
	for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
		const struct lookup_case *c = &lookups[i];
		bool got = milter_sendermap_allows(&maps[c->postfix], mp_str_c(c->login),
		    mp_str_c(c->local), mp_str_c(c->domain));
		if (got != c->allowed)
			fail_msg("%s: got %d", c->name, got);
	}
	assert_true(milter_sendermap_has_login(&maps[0], MP_STR_LIT("bob")));
	assert_false(milter_sendermap_has_login(&maps[0], MP_STR_LIT("bo")));
	mp_arena_fini(&a);
}

static const struct syntax_case {
	const char *name;
	bool postfix;
	const char *text;
	enum mp_status want;
	const char *want_text;
} syntax[] = {
	{ "empty map", false, "", MP_OK, "" },
	{ "only comments", false, "# a\n\n   # b\n", MP_OK, "" },
	{ "login without addresses", false, "alice\n", MP_EINVAL, "m:1: key without values" },
	{ "bare local part", false, "alice alice\n", MP_EINVAL, "m:1: bad address or @domain" },
	{ "bad domain", false, "\nalice a@-x..test\n", MP_EINVAL, "m:2: bad address or @domain" },
	{ "angle brackets", false, "alice <a@x.test>\n", MP_EINVAL, "m:1: bad address or @domain" },
	{ "stray continuation", false, "  a@x.test\n", MP_EINVAL,
	  "m:1: line too long, NUL byte or stray continuation" },
	{ "postfix key without @", true, "alice alice\n", MP_EINVAL,
	  "m:1: bad address or @domain key" },
	{ "postfix bad login", true, "a@x.test al<ice\n", MP_OK, "" },
	{ "nul byte", false, "alice a@x.test\nbob b\0@x.test\n", MP_EINVAL,
	  "m:2: line too long, NUL byte or stray continuation" },
};

static void
test_syntax(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
		const struct syntax_case *c = &syntax[i];
		struct milter_sendermap map = { 0 };
		struct mp_arena a;
		struct mp_why why;
		enum mp_status st;
		size_t len = strlen(c->text);

		if (strcmp(c->name, "nul byte") == 0)
			len += 1 + strlen(c->text + len + 1);
		mp_why_clear(&why);
		mp_arena_init(&a, 1 << 20);
		st = milter_sendermap_parse(&map, c->postfix ? MILTER_MAP_POSTFIX : MILTER_MAP_NATIVE,
		    mp_str_make(c->text, len), "m", &a, &why);
		if (st != c->want || strcmp(why.text, c->want_text) != 0 ||
		    (st != MP_OK && why.reason != MP_REASON_MILTER_MAP_SYNTAX))
			fail_msg("%s: got %s \"%s\"", c->name, mp_status_name(st), why.text);
		mp_arena_fini(&a);
	}
}

static const struct cidr_case {
	const char *name, *list, *addr;
	bool match;
} cidrs[] = {
	{ "host v4", "192.0.2.1", "192.0.2.1", true },
	{ "host v4 other", "192.0.2.1", "192.0.2.2", false },
	{ "/24", "192.0.2.0/24", "192.0.2.200", true },
	{ "/24 outside", "192.0.2.0/24", "192.0.3.1", false },
	{ "host bits ignored", "192.0.2.77/24", "192.0.2.1", true },
	{ "/0 matches all v4", "0.0.0.0/0", "203.0.113.9", true },
	{ "/23 odd", "10.0.2.0/23", "10.0.3.255", true },
	{ "/23 odd outside", "10.0.2.0/23", "10.0.4.0", false },
	{ "/27", "10.0.0.32/27", "10.0.0.63", true },
	{ "/27 outside", "10.0.0.32/27", "10.0.0.64", false },
	{ "v6 /32", "2001:db8::/32", "2001:db8:ffff::1", true },
	{ "v6 outside", "2001:db8::/32", "2001:db9::1", false },
	{ "v4-mapped matches v4", "192.0.2.0/24", "::ffff:192.0.2.5", true },
	{ "v4 never matches v6 list", "::/0", "192.0.2.5", false },
};

static void
test_cidr(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cidrs / sizeof cidrs[0]; i++) {
		const struct cidr_case *c = &cidrs[i];
		struct milter_cidr entry;
		uint8_t addr[16];
		int fam = strchr(c->addr, ':') ? 6 : 4;

		assert_true(milter_cidr_parse(mp_str_c(c->list), &entry));
		assert_int_equal(inet_pton(fam == 4 ? AF_INET : AF_INET6, c->addr, addr), 1);
		if (milter_cidr_match(&entry, 1, fam, addr) != c->match)
			fail_msg("%s", c->name);
	}
	static const char *const bad[] = { "", "/24", "192.0.2.0/", "192.0.2.0/33",
	    "2001:db8::/129", "192.0.2", "host.example", "192.0.2.0/+1", "1.2.3.4/24/1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct milter_cidr entry;
		if (milter_cidr_parse(mp_str_c(bad[i]), &entry))
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_cidr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
