/* test_zone.c - the zone reader and the in-memory zone: master-file
 * dialect, malformed input with line numbers, TXT strings, CNAME chains and
 * loops, NXDOMAIN vs NODATA, injected failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

/* ask - look one name up in a zone built from text */
static const struct mp_dns_answer *
ask(const struct mp_zone *z, struct mp_arena *a, uint16_t type, const char *name)
{
	struct mp_dns_question q;
	const struct mp_dns_answer *ans = NULL;

	assert_int_equal(mp_dns_question_set(&q, type, mp_str_c(name)), MP_OK);
	assert_int_equal(mp_zone_lookup(z, &q, a, &ans), MP_OK);
	assert_non_null(ans);
	return ans;
}

/* zone_of - parse text or fail the test */
static struct mp_zone *
zone_of(const char *text)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_why why;

	assert_non_null(z);
	mp_why_clear(&why);
	if (mp_zone_parse(z, mp_str_c(text), "t.zone", MP_STR_NULL, &why) != MP_OK)
		fail_msg("zone did not parse: %s", why.text);
	return z;
}

/* rr_text - one record in a comparable text form */
static void
rr_text(const struct mp_dns_rr *rr, char *out, size_t len)
{
	switch (rr->type) {
	case MP_DNS_T_A:
		snprintf(out, len, "A %u.%u.%u.%u", rr->u.a[0], rr->u.a[1], rr->u.a[2], rr->u.a[3]);
		break;
	case MP_DNS_T_AAAA:
		snprintf(out, len, "AAAA %02x%02x..%02x", rr->u.aaaa[0], rr->u.aaaa[1], rr->u.aaaa[15]);
		break;
	case MP_DNS_T_MX:
		snprintf(out, len, "MX %u %.*s", rr->u.mx.pref, (int)rr->u.mx.host.len,
		         rr->u.mx.host.ptr);
		break;
	case MP_DNS_T_TXT:
		snprintf(out, len, "TXT %zu [%.*s]", rr->u.txt.nstrings, (int)rr->u.txt.joined.len,
		         rr->u.txt.joined.ptr);
		break;
	case MP_DNS_T_NS:
	case MP_DNS_T_CNAME:
	case MP_DNS_T_PTR:
		snprintf(out, len, "%s %.*s", mp_dns_type_name(rr->type), (int)rr->u.name.len,
		         rr->u.name.ptr);
		break;
	default:
		snprintf(out, len, "%s len=%zu", mp_dns_type_name(rr->type), rr->u.rdata.len);
	}
}

static const char zone_text[] =
	"$ORIGIN example.test.\n"
	"$TTL 300\n"
	"@        IN SOA ns1 hostmaster ( 2024010101 ; serial\n"
	"                 3600 900 604800 60 )\n"
	"         IN NS ns1\n"
	"         IN MX 10 mx1\n"
	"         IN MX 20 mx2.example.test.\n"
	"         TXT \"v=spf1 \" \"ip4:192.0.2.0/24\" \" -all\"\n"
	"ns1      A 192.0.2.53\n"
	"mx1   60 IN A 192.0.2.25\n"
	"mx1   IN 60 AAAA 2001:db8::25\n"
	"www      CNAME web\n"
	"web      A 192.0.2.80\n"
	"a1 CNAME a2\na2 CNAME a3\na3 CNAME a4\na4 TXT hello world\n"
	"loop1 CNAME loop2\nloop2 CNAME loop1\n"
	"dangling CNAME nowhere\n"
	"sel._domainkey TXT ( \"v=DKIM1; k=rsa; \"\n"
	"                     \"p=MIGf\" )\n"
	"esc TXT \"quote \\\" back \\\\ dec \\065\\000z\"\n"
	"semi TXT \"a;b\" ; comment\n"
	"weird\\.label TXT dotted\n"
	"nul\\000byte TXT nul\n"
	"$ORIGIN other.test.\n"
	"@ MX 0 .\n"
	"sub TXT \"in other\"\n"
	"ptr.arpa. PTR host.example.test.\n"
	"tlsa TLSA 3 1 1 ( 0123456789abcdef\n 0123456789ABCDEF )\n"
	"gen TYPE65400 \\# 3 abcdef\n"
	"$TTL 1h30m\n"
	"units A 192.0.2.1\n"
	"*.wild TXT synthesized\n"
	"exists.wild A 192.0.2.7\n"
	"*.cw CNAME units\n";

static const struct lookup_case {
	const char *name;
	uint16_t type;
	const char *qname;
	enum mp_dns_status want;
	size_t nrr;
	const char *first;      /* first record as rr_text, or NULL */
	const char *canonical;
} lookups[] = {
	{ "SOA at apex", MP_DNS_T_SOA, "example.test", MP_DNS_OK, 1, "SOA len=63", "example.test" },
	{ "two MX, relative and absolute", MP_DNS_T_MX, "example.test.", MP_DNS_OK, 2,
	  "MX 10 mx1.example.test", "example.test." },
	{ "multi-string TXT is joined", MP_DNS_T_TXT, "EXAMPLE.test", MP_DNS_OK, 1,
	  "TXT 3 [v=spf1 ip4:192.0.2.0/24 -all]", "EXAMPLE.test" },
	{ "TTL before class", MP_DNS_T_A, "mx1.example.test", MP_DNS_OK, 1, "A 192.0.2.25", NULL },
	{ "class before TTL", MP_DNS_T_AAAA, "mx1.example.test", MP_DNS_OK, 1, "AAAA 2001..25", NULL },
	{ "NODATA: name exists", MP_DNS_T_TXT, "mx1.example.test", MP_DNS_NODATA, 0, NULL, NULL },
	{ "NXDOMAIN: name absent", MP_DNS_T_TXT, "nope.example.test", MP_DNS_NXDOMAIN, 0, NULL, NULL },
	{ "NXDOMAIN above the data", MP_DNS_T_TXT, "test", MP_DNS_NXDOMAIN, 0, NULL, NULL },
	{ "empty non-terminal is NODATA", MP_DNS_T_TXT, "_domainkey.example.test", MP_DNS_NODATA, 0,
	  NULL, NULL },
	{ "CNAME followed", MP_DNS_T_A, "www.example.test", MP_DNS_OK, 1, "A 192.0.2.80",
	  "web.example.test" },
	{ "CNAME asked for itself", MP_DNS_T_CNAME, "www.example.test", MP_DNS_OK, 1,
	  "CNAME web.example.test", "www.example.test" },
	{ "CNAME chain of three", MP_DNS_T_TXT, "a1.example.test", MP_DNS_OK, 1,
	  "TXT 2 [helloworld]", "a4.example.test" },
	{ "CNAME chain to NODATA", MP_DNS_T_A, "a1.example.test", MP_DNS_NODATA, 0, NULL,
	  "a4.example.test" },
	{ "CNAME loop is SERVFAIL", MP_DNS_T_A, "loop1.example.test", MP_DNS_SERVFAIL, 0, NULL, NULL },
	{ "dangling CNAME is NXDOMAIN", MP_DNS_T_A, "dangling.example.test", MP_DNS_NXDOMAIN, 0,
	  NULL, "nowhere.example.test" },
	{ "parentheses join lines", MP_DNS_T_TXT, "sel._domainkey.example.test", MP_DNS_OK, 1,
	  "TXT 2 [v=DKIM1; k=rsa; p=MIGf]", NULL },
	{ "semicolon inside quotes", MP_DNS_T_TXT, "semi.example.test", MP_DNS_OK, 1, "TXT 1 [a;b]",
	  NULL },
	{ "escaped dot in owner", MP_DNS_T_TXT, "weird\\.label.example.test", MP_DNS_OK, 1,
	  "TXT 1 [dotted]", NULL },
	{ "escaped dot is not a label break", MP_DNS_T_TXT, "label.example.test", MP_DNS_NXDOMAIN, 0,
	  NULL, NULL },
	{ "\\000 in owner", MP_DNS_T_TXT, "nul\\000byte.example.test", MP_DNS_OK, 1, "TXT 1 [nul]",
	  NULL },
	{ "null MX", MP_DNS_T_MX, "other.test", MP_DNS_OK, 1, "MX 0 .", NULL },
	{ "second origin", MP_DNS_T_TXT, "sub.other.test", MP_DNS_OK, 1, "TXT 1 [in other]", NULL },
	{ "absolute owner under another origin", MP_DNS_T_PTR, "ptr.arpa", MP_DNS_OK, 1,
	  "PTR host.example.test", NULL },
	{ "TLSA hex across lines", MP_DNS_T_TLSA, "tlsa.other.test", MP_DNS_OK, 1, "TLSA len=19",
	  NULL },
	{ "RFC 3597 generic type", 65400, "gen.other.test", MP_DNS_OK, 1, "TYPE65400 len=3", NULL },
	{ "wildcard synthesizes", MP_DNS_T_TXT, "a.wild.other.test", MP_DNS_OK, 1,
	  "TXT 1 [synthesized]", "a.wild.other.test" },
	{ "wildcard several labels down", MP_DNS_T_TXT, "a.b.wild.other.test", MP_DNS_OK, 1,
	  "TXT 1 [synthesized]", NULL },
	{ "wildcard, other type: NODATA", MP_DNS_T_A, "a.wild.other.test", MP_DNS_NODATA, 0, NULL,
	  NULL },
	{ "existing name blocks the wildcard", MP_DNS_T_TXT, "exists.wild.other.test",
	  MP_DNS_NODATA, 0, NULL, NULL },
	{ "closest encloser without wildcard", MP_DNS_T_TXT, "x.exists.wild.other.test",
	  MP_DNS_NXDOMAIN, 0, NULL, NULL },
	{ "wildcard CNAME", MP_DNS_T_A, "z.cw.other.test", MP_DNS_OK, 1, "A 192.0.2.1",
	  "units.other.test" },
	{ "malformed question name", MP_DNS_T_A, "a..b", MP_DNS_MALFORMED, 0, NULL, NULL },
	{ "label of 64 bytes", MP_DNS_T_A,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test",
	  MP_DNS_MALFORMED, 0, NULL, NULL },
};

static void
test_lookups(void **state)
{
	struct mp_zone *z = zone_of(zone_text);
	struct mp_arena a;
	char got[300];

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
		const struct lookup_case *c = &lookups[i];
		const struct mp_dns_answer *ans = ask(z, &a, c->type, c->qname);
		if (ans->status != c->want || ans->nrr != c->nrr)
			fail_msg("%s: got %s/%zu, want %s/%zu (%.*s)", c->name,
			         mp_dns_status_name(ans->status), ans->nrr, mp_dns_status_name(c->want),
			         c->nrr, (int)ans->why.len, ans->why.ptr);
		if (c->first) {
			rr_text(&ans->rr[0], got, sizeof got);
			if (strcmp(got, c->first) != 0)
				fail_msg("%s: got '%s', want '%s'", c->name, got, c->first);
		}
		if (c->canonical && !mp_str_eq_c(ans->canonical, c->canonical))
			fail_msg("%s: canonical '%.*s', want '%s'", c->name, (int)ans->canonical.len,
			         ans->canonical.ptr, c->canonical);
		if (ans->status == MP_DNS_SERVFAIL || ans->status == MP_DNS_MALFORMED)
			assert_true(ans->why.len > 0);
		assert_int_equal(ans->dnssec, MP_DNSSEC_UNCHECKED);
	}
	mp_arena_fini(&a);
	mp_zone_free(z);
}

static void
test_ttls_and_escapes(void **state)
{
	struct mp_zone *z = zone_of(zone_text);
	struct mp_arena a;
	const struct mp_dns_answer *ans;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	ans = ask(z, &a, MP_DNS_T_A, "mx1.example.test");
	assert_int_equal(ans->rr[0].ttl, 60);
	ans = ask(z, &a, MP_DNS_T_A, "web.example.test");
	assert_int_equal(ans->rr[0].ttl, 300);
	ans = ask(z, &a, MP_DNS_T_A, "units.other.test");
	assert_int_equal(ans->rr[0].ttl, 5400);
	ans = ask(z, &a, MP_DNS_T_TXT, "esc.example.test");
	assert_int_equal(ans->status, MP_DNS_OK);
	assert_int_equal(ans->rr[0].u.txt.joined.len, 22);
	assert_memory_equal(ans->rr[0].u.txt.joined.ptr, "quote \" back \\ dec A\0z", 22);
	assert_int_equal(ans->rr[0].u.txt.strings[0].len, 22);
	ans = ask(z, &a, MP_DNS_T_CNAME, "loop1.example.test");
	assert_int_equal(ans->status, MP_DNS_OK);
	ans = ask(z, &a, MP_DNS_T_A, "loop1.example.test");
	assert_true(mp_str_eq_c(ans->why, "CNAME loop"));
	mp_arena_fini(&a);
	mp_zone_free(z);
}

static const struct bad_case {
	const char *name, *text, *want;   /* want: why->text */
} bads[] = {
	{ "unknown type", "a.test. A 192.0.2.1\nb.test. BOGUS x\n", "t.zone:2: unknown type" },
	{ "bad IPv4", "\n\na.test. A 192.0.2.300\n", "t.zone:3: bad IPv4 address" },
	{ "unclosed parenthesis", "a.test. TXT ( \"x\"\n\n", "t.zone:1: '(' never closed" },
	{ "stray close", "a.test. TXT \"x\" )\n", "t.zone:1: ')' without '('" },
	{ "unterminated quote", "a.test. TXT \"x\n", "t.zone:1: newline in quoted string" },
	{ "blank owner first", "  A 192.0.2.1\n", "t.zone:1: no previous owner name to continue" },
	{ "@ without origin", "@ A 192.0.2.1\n", "t.zone:1: '@' without $ORIGIN" },
	{ "label too long", "$ORIGIN test.\n"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa A 192.0.2.1\n",
	  "t.zone:2: label longer than 63 bytes" },
	{ "empty label", "a..test. A 192.0.2.1\n", "t.zone:1: empty label" },
	{ "TXT string over 255", "a.test. TXT "
	  "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
	  "t.zone:1: character-string longer than 255 bytes" },
	{ "bad escape", "a.test. TXT \"\\999\"\n", "t.zone:1: bad escape" },
	{ "MX without host", "a.test. MX 10\n", "t.zone:1: wrong number of fields" },
	{ "MX preference too big", "a.test. MX 65536 mx.test.\n", "t.zone:1: bad number" },
	{ "missing rdata", "a.test. 300 IN TXT\n", "t.zone:1: missing record data" },
	{ "class CH", "a.test. CH TXT x\n", "t.zone:1: only class IN is supported" },
	{ "$INCLUDE refused", "$INCLUDE /etc/passwd\n", "t.zone:1: $INCLUDE is not supported" },
	{ "$TTL without value", "$TTL\n", "t.zone:1: $TTL wants one TTL" },
	{ "generic length mismatch", "a.test. TYPE999 \\# 2 abcdef\n",
	  "t.zone:1: generic rdata length does not match its data" },
	{ "unknown type by number needs generic", "a.test. TYPE999 abc\n",
	  "t.zone:1: this type needs the generic form \\# LENGTH HEX" },
	{ "error line inside parentheses", "a.test. SOA ns hm (\n1 2 3\n4 x )\n",
	  "t.zone:1: bad SOA number" },
};

static void
test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		struct mp_zone *z = mp_zone_new();
		struct mp_why why;
		mp_why_clear(&why);
		enum mp_status st = mp_zone_parse(z, mp_str_c(bads[i].text), "t.zone", MP_STR_NULL, &why);
		if (st != MP_EINVAL || strcmp(why.text, bads[i].want) != 0)
			fail_msg("%s: got %s '%s', want '%s'", bads[i].name, mp_status_name(st), why.text,
			         bads[i].want);
		assert_int_equal(why.reason, MP_REASON_DNS_ZONE_SYNTAX);
		mp_zone_free(z);
	}
}

static void
test_add_and_fail(void **state)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_arena a;
	struct mp_why why;
	const struct mp_dns_answer *ans;
	const struct mp_str raw[] = { MP_STR_LIT("v=spf1"), { "\0-all", 5 } };

	(void)state;
	mp_arena_init(&a, 1 << 20);
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("x.test"), 60, MP_DNS_T_TXT,
	                             MP_STR_LIT("\"v=spf1\" \" -all\""), &why), MP_OK);
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("x.test"), 60, MP_DNS_T_MX,
	                             MP_STR_LIT("10 mx.example.com"), &why), MP_OK);
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("x.test"), 60, MP_DNS_T_A,
	                             MP_STR_LIT("192.0.2.1"), &why), MP_OK);
	/* a duplicate is dropped */
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("X.TEST."), 60, MP_DNS_T_A,
	                             MP_STR_LIT("192.0.2.1"), &why), MP_OK);
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("x.test"), 60, MP_DNS_T_A,
	                             MP_STR_LIT("192.0.2.999"), &why), MP_EINVAL);
	assert_int_equal(why.reason, MP_REASON_DNS_BAD_RDATA);
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("x.test"), 60, MP_DNS_T_A,
	                             MP_STR_LIT("192.0.2.1\n192.0.2.2"), &why), MP_EINVAL);
	assert_int_equal(mp_zone_add_txt(z, MP_STR_LIT("raw.test"), raw, 2), MP_OK);
	assert_int_equal(mp_zone_count(z), 4);

	ans = ask(z, &a, MP_DNS_T_TXT, "x.test");
	assert_true(mp_str_eq_c(ans->rr[0].u.txt.joined, "v=spf1 -all"));
	ans = ask(z, &a, MP_DNS_T_MX, "x.test");
	assert_true(mp_str_eq_c(ans->rr[0].u.mx.host, "mx.example.com"));
	ans = ask(z, &a, MP_DNS_T_TXT, "raw.test");
	assert_int_equal(ans->rr[0].u.txt.joined.len, 11);
	assert_int_equal(ans->rr[0].u.txt.strings[1].ptr[0], '\0');

	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("x.test"), MP_DNS_T_TXT, MP_DNS_TIMEOUT), MP_OK);
	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("gone.test"), 0, MP_DNS_SERVFAIL), MP_OK);
	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("x.test"), 0, MP_DNS_OK), MP_EINVAL);
	for (uint16_t t = 100; t < 120; t++)   /* many types on one name */
		assert_int_equal(mp_zone_fail(z, MP_STR_LIT("many.test"), t, MP_DNS_REFUSED), MP_OK);
	ans = ask(z, &a, 119, "many.test");
	assert_int_equal(ans->status, MP_DNS_REFUSED);
	ans = ask(z, &a, 120, "many.test");
	assert_int_equal(ans->status, MP_DNS_NXDOMAIN);
	ans = ask(z, &a, MP_DNS_T_TXT, "x.test");
	assert_int_equal(ans->status, MP_DNS_TIMEOUT);
	assert_int_equal(mp_dns_state_of(ans->status), MP_DNS_INDETERMINATE);
	assert_true(ans->why.len > 0);
	ans = ask(z, &a, MP_DNS_T_A, "x.test");
	assert_int_equal(ans->status, MP_DNS_OK);
	ans = ask(z, &a, MP_DNS_T_MX, "GONE.test.");
	assert_int_equal(ans->status, MP_DNS_SERVFAIL);
	mp_arena_fini(&a);
	mp_zone_free(z);
}

static void
test_enomem(void **state)
{
	(void)state;
	/* fail the 1st, 2nd, ... allocation: never a crash or a leak */
	for (unsigned long n = 1; n < 200; n++) {
		struct mp_zone *z;
		struct mp_why why;
		mp_alloc_fail_after(n);
		z = mp_zone_new();
		if (z != NULL) {
			enum mp_status st = mp_zone_parse(z, mp_str_c(zone_text), "t.zone",
			                                  MP_STR_NULL, &why);
			assert_true(st == MP_OK || st == MP_ENOMEM);
		}
		mp_alloc_fail_after(0);
		mp_zone_free(z);
	}
}

static void
test_enomem_lookup_add(void **state)
{
	struct mp_zone *z = zone_of(zone_text);
	struct mp_dns_question q;
	static const char *const names[] = { "a1.example.test", "example.test", "nope.example.test",
	                                     "a.wild.other.test", "loop1.example.test" };

	(void)state;
	/* lookups: every allocation failing in turn gives MP_ENOMEM or a full
	 * answer, and its copy works the same way */
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		mp_dns_question_set(&q, MP_DNS_T_TXT, mp_str_c(names[k]));
		for (unsigned long n = 1; n < 30; n++) {
			struct mp_arena a;
			const struct mp_dns_answer *ans = NULL, *copy;
			enum mp_status st;
			mp_arena_init(&a, 1 << 20);
			mp_alloc_fail_after(n);
			st = mp_zone_lookup(z, &q, &a, &ans);
			copy = st == MP_OK ? mp_dns_answer_dup(&a, ans) : NULL;
			mp_alloc_fail_after(0);
			assert_true(st == MP_OK || st == MP_ENOMEM);
			if (copy != NULL) {
				assert_int_equal(copy->status, ans->status);
				assert_int_equal(copy->nrr, ans->nrr);
			}
			mp_arena_fini(&a);
		}
	}
	mp_zone_free(z);
	/* mp_zone_add and mp_zone_add_txt */
	for (unsigned long n = 1; n < 60; n++) {
		struct mp_why why;
		const struct mp_str raw[] = { MP_STR_LIT("a"), MP_STR_LIT("b") };
		enum mp_status st1, st2, st3;
		z = mp_zone_new();
		if (z == NULL)
			continue;
		mp_alloc_fail_after(n);
		st1 = mp_zone_add(z, MP_STR_LIT("x.y.test"), 60, MP_DNS_T_TXT,
		                  MP_STR_LIT("\"one\" \"two\""), &why);
		st2 = mp_zone_add_txt(z, MP_STR_LIT("r.y.test"), raw, 2);
		st3 = mp_zone_fail(z, MP_STR_LIT("f.y.test"), 0, MP_DNS_SERVFAIL);
		mp_alloc_fail_after(0);
		assert_true(st1 == MP_OK || st1 == MP_ENOMEM);
		assert_true(st2 == MP_OK || st2 == MP_ENOMEM);
		assert_true(st3 == MP_OK || st3 == MP_ENOMEM);
		mp_zone_free(z);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_ttls_and_escapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_add_and_fail),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_enomem_lookup_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
