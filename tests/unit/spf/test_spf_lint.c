/* test_spf_lint.c - every lint finding, the lookup count through includes,
 * and the strict / lenient verdicts, on in-memory zone data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dns.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

static const char zone_text[] =
	"$ORIGIN lint.test.\n"
	"clean        TXT \"v=spf1 ip4:192.0.2.0/24 mx -all\"\n"
	"clean        MX 10 mx.clean\n"
	"mx.clean     A 192.0.2.25\n"
	"nospf        A 192.0.2.1\n"
	"two          TXT \"v=spf1 -all\"\n"
	"two          TXT \"v=spf1 ~all\"\n"
	"syntax       TXT \"v=spf1 ip4:192.0.2.0/24 a:foo/99 -all\"\n"
	"dup          TXT \"v=spf1 exp=a.lint.test exp=b.lint.test -all\"\n"
	"plusall      TXT \"v=spf1 +all\"\n"
	"bareall      TXT \"v=spf1 all\"\n"
	"qall         TXT \"v=spf1 ip4:192.0.2.1 ?all\"\n"
	"noall        TXT \"v=spf1 ip4:192.0.2.1\"\n"
	"afterall     TXT \"v=spf1 -all ip4:192.0.2.1\"\n"
	"ptr          TXT \"v=spf1 ptr -all\"\n"
	"macro        TXT \"v=spf1 include:%{l}._spf.lint.test -all\"\n"
	"postmaster._spf TXT \"v=spf1 ip4:192.0.2.9 -all\"\n"
	"incnone      TXT \"v=spf1 include:nothing.lint.test -all\"\n"
	"redirnone    TXT \"v=spf1 redirect=nospf.lint.test\"\n"
	"incloop      TXT \"v=spf1 include:incloop2.lint.test -all\"\n"
	"incloop2     TXT \"v=spf1 include:incloop.lint.test -all\"\n"
	"redirloop    TXT \"v=spf1 redirect=redirloop.lint.test\"\n"
	"long         TXT \"v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 "
	"ip4:192.0.2.5 ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 "
	"ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 \" "
	"\"ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 ip4:192.0.2.20 "
	"ip4:192.0.2.21 ip4:192.0.2.22 ip4:192.0.2.23 ip4:192.0.2.24 ip4:192.0.2.25 "
	"ip4:192.0.2.26 ip4:192.0.2.27 ip4:192.0.2.28 ip4:192.0.2.29 ip4:192.0.2.30 \" "
	"\"ip4:192.0.2.31 ip4:192.0.2.32 ip4:192.0.2.33 -all\"\n"
	"ignored      TXT \"v=spf1 -all redirect=clean.lint.test\"\n"
	"voids        TXT \"v=spf1 a:n1.lint.test mx:n2.lint.test a:n3.lint.test -all\"\n"
	"onevoid      TXT \"v=spf1 a:n1.lint.test -all\"\n"
	"many         TXT \"v=spf1 include:i1.lint.test include:i2.lint.test include:i3.lint.test -all\"\n"
	"i1           TXT \"v=spf1 a:h.lint.test a:h.lint.test a:h.lint.test a:h.lint.test -all\"\n"
	"i2           TXT \"v=spf1 a:h.lint.test a:h.lint.test a:h.lint.test a:h.lint.test -all\"\n"
	"i3           TXT \"v=spf1 a:h.lint.test a:h.lint.test ~all\"\n"
	"h            A 192.0.2.2\n"
	"nine         TXT \"v=spf1 include:i1.lint.test include:i3.lint.test a:h.lint.test -all\"\n"
	"huge         TXT \"v=spf1 include:many.lint.test include:i1.lint.test include:i2.lint.test "
	"include:i3.lint.test -all\"\n"
	"mxmany       TXT \"v=spf1 mx -all\"\n"
	"mxmany MX 1 a1\n" "mxmany MX 2 a2\n" "mxmany MX 3 a3\n" "mxmany MX 4 a4\n"
	"mxmany MX 5 a5\n" "mxmany MX 6 a6\n" "mxmany MX 7 a7\n" "mxmany MX 8 a8\n"
	"mxmany MX 9 a9\n" "mxmany MX 10 a10\n" "mxmany MX 11 a11\n"
	"broken       TXT \"v=spf1 include:down.lint.test -all\"\n";

static const struct lint_case {
	const char *name, *domain;
	const char *want_id;            /* a finding that must be present; NULL: none at all */
	unsigned dns_terms;
	bool strict_ok, lenient_ok;
} cases[] = {
	{ "clean record", "clean.lint.test", NULL, 1, true, true },
	{ "no record", "nospf.lint.test", "no-record", 0, false, false },
	{ "no such domain", "absent.lint.test", "no-record", 0, false, false },
	{ "bad domain", "localhost", "bad-domain", 0, false, false },
	{ "multiple records", "two.lint.test", "multiple-records", 0, false, false },
	{ "syntax error with term", "syntax.lint.test", "syntax", 0, false, false },
	{ "duplicate exp", "dup.lint.test", "duplicate-modifier", 0, false, false },
	{ "+all", "plusall.lint.test", "plus-all", 0, false, false },
	{ "bare all is +all", "bareall.lint.test", "plus-all", 0, false, false },
	{ "?all", "qall.lint.test", "neutral-all", 0, true, true },
	{ "missing all", "noall.lint.test", "no-all", 0, true, true },
	{ "terms after all", "afterall.lint.test", "terms-after-all", 0, true, true },
	{ "ptr", "ptr.lint.test", "ptr-deprecated", 1, true, true },
	{ "macro include", "macro.lint.test", "macro-target", 1, true, true },
	{ "include without spf", "incnone.lint.test", "include-no-record", 1, false, false },
	{ "redirect without spf", "redirnone.lint.test", "redirect-no-record", 1, false, false },
	{ "include loop", "incloop.lint.test", "include-loop", 2, false, false },
	{ "redirect loop", "redirloop.lint.test", "redirect-loop", 1, false, false },
	{ "record too long", "long.lint.test", "record-too-long", 0, true, true },
	{ "redirect ignored", "ignored.lint.test", "redirect-ignored", 0, true, true },
	{ "one void lookup", "onevoid.lint.test", "void-lookup", 1, true, true },
	{ "three void lookups", "voids.lint.test", "too-many-void-lookups", 3, false, true },
	{ "13 lookups through includes", "many.lint.test", "too-many-lookups", 13, false, true },
	{ "9 lookups: near the limit", "nine.lint.test", "near-lookup-limit", 9, true, true },
	{ "past the lenient limit", "huge.lint.test", "too-many-lookups", 27, false, true },
	{ "more than 10 MX", "mxmany.lint.test", "too-many-mx", 1, false, false },
	{ "dns error", "broken.lint.test", "dns-error", 1, false, false },
};

static struct mp_zone *zone;
static struct mp_resolver *res;

static int
setup(void **state)
{
	struct mp_why why;

	(void)state;
	zone = mp_zone_new();
	mp_why_clear(&why);
	if (mp_zone_parse(zone, MP_STR_LIT(zone_text), "lint", MP_STR_NULL, &why) != MP_OK) {
		fprintf(stderr, "zone: %s\n", why.text);
		return -1;
	}
	mp_zone_fail(zone, MP_STR_LIT("down.lint.test"), 0, MP_DNS_SERVFAIL);
	res = mp_resolver_new_zone(zone);
	return res ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	mp_resolver_free(res);
	mp_zone_free(zone);
	return 0;
}

static void
test_lint_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct lint_case *c = &cases[i];
		struct mp_spf_lint *l;
		struct mp_dns_client cl;
		const struct mp_spf_lint_report *r;
		bool found = false, has_rule = true;

		assert_int_equal(mp_spf_lint_new(mp_str_c(c->domain), &l), MP_OK);
		mp_spf_lint_client(l, &cl);
		assert_int_equal(mp_dns_drive(res, &cl), MP_OK);
		r = mp_spf_lint_report(l);
		for (size_t k = 0; k < r->nfindings; k++) {
			found |= c->want_id && strcmp(r->findings[k].id, c->want_id) == 0;
			has_rule &= r->findings[k].rule != NULL && r->findings[k].rule[0] &&
			    r->findings[k].message.len > 0;
			if (r->findings[k].severity != MP_SPF_INFO && r->findings[k].fix.len == 0)
				has_rule = false;   /* every problem comes with a fix */
		}
		if ((c->want_id ? !found : r->nfindings != 0) || r->dns_terms != c->dns_terms ||
		    r->strict_ok != c->strict_ok || r->lenient_ok != c->lenient_ok || !has_rule) {
			for (size_t k = 0; k < r->nfindings; k++)
				fprintf(stderr, "  %s: %.*s\n", r->findings[k].id,
				    (int)r->findings[k].message.len, r->findings[k].message.ptr);
			fail_msg("%s: want %s, %u terms, strict %d lenient %d; got %zu findings, "
			    "%u terms, strict %d lenient %d, rules %d", c->name,
			    c->want_id ? c->want_id : "(none)", c->dns_terms, c->strict_ok,
			    c->lenient_ok, r->nfindings, r->dns_terms, r->strict_ok, r->lenient_ok,
			    has_rule);
		}
		assert_int_equal(r->headroom, 10 - (int)r->dns_terms);
		mp_spf_lint_free(l);
	}
}

/* the lookup list shows the work: running count, depth, rule */
static void
test_lint_lookups(void **state)
{
	struct mp_spf_lint *l;
	struct mp_dns_client cl;
	const struct mp_spf_lint_report *r;

	(void)state;
	assert_int_equal(mp_spf_lint_new(MP_STR_LIT("nine.lint.test"), &l), MP_OK);
	mp_spf_lint_client(l, &cl);
	assert_int_equal(mp_dns_drive(res, &cl), MP_OK);
	r = mp_spf_lint_report(l);
	assert_int_equal(r->nlookups, 9);
	assert_true(mp_str_eq_c(r->lookups[0].term, "include:i1.lint.test"));
	assert_int_equal(r->lookups[0].depth, 0);
	assert_true(mp_str_eq_c(r->lookups[1].term, "a:h.lint.test"));
	assert_int_equal(r->lookups[1].depth, 1);
	assert_true(mp_str_eq_c(r->lookups[1].domain, "i1.lint.test"));
	assert_int_equal(r->lookups[5].count, 6);
	assert_true(mp_str_eq_c(r->lookups[5].term, "include:i3.lint.test"));
	assert_non_null(strstr(r->lookups[0].rule, "§4.6.4"));
	mp_spf_lint_free(l);
}

/* macro-built targets follow the given sender */
static void
test_lint_sender(void **state)
{
	struct mp_spf_lint *l;
	struct mp_dns_client cl;
	const struct mp_spf_lint_report *r;
	struct mp_spf_ip ip;
	bool found = false;

	(void)state;
	assert_true(mp_spf_ip_parse(MP_STR_LIT("2001:db8::5"), &ip));
	assert_int_equal(mp_spf_lint_new(MP_STR_LIT("macro.lint.test"), &l), MP_OK);
	assert_int_equal(mp_spf_lint_set_sender(l, MP_STR_LIT("other@macro.lint.test"), &ip), MP_OK);
	mp_spf_lint_client(l, &cl);
	assert_int_equal(mp_dns_drive(res, &cl), MP_OK);
	r = mp_spf_lint_report(l);
	for (size_t k = 0; k < r->nfindings; k++) {
		if (strcmp(r->findings[k].id, "include-no-record") == 0)
			found = mp_str_eq_c(r->findings[k].domain, "other._spf.lint.test");
		if (strcmp(r->findings[k].id, "macro-target") == 0)
			assert_non_null(strstr(r->findings[k].message.ptr, "other@macro.lint.test from 2001:db8::5"));
	}
	assert_true(found);
	mp_spf_lint_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_table),
		cmocka_unit_test(test_lint_lookups),
		cmocka_unit_test(test_lint_sender),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
