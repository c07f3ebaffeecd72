/* test_plan.c - inventories to records: exact output for the example
 * inventories, warnings, selectors, and malformed inventories with
 * file:line:field errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/plan.h>

static char *
slurp(const char *rel, size_t *len)
{
	char path[4096];
	const char *src = getenv("MAILPROOF_SRC");
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static struct mp_plan_inventory *
load(const char *rel_or_text, bool is_text, struct mp_why *why, enum mp_status want)
{
	size_t clen, ilen;
	char *cat = slurp("data/senders.yml", &clen);
	char *inv_text = is_text ? strdup(rel_or_text) : slurp(rel_or_text, &ilen);
	struct mp_plan_inventory *inv = NULL;

	if (is_text)
		ilen = strlen(inv_text);
	mp_why_clear(why);
	assert_int_equal(mp_plan_load(mp_str_make(cat, clen), "senders.yml",
	    mp_str_make(inv_text, ilen), "inv.yml", &inv, why), want);
	free(cat);
	free(inv_text);
	return inv;
}

static struct mp_plan_result *
build(const struct mp_plan_inventory *inv)
{
	struct mp_plan_opts o = { .yyyymm = "202611", .seeded = true, .seed = 1 };
	struct mp_plan_result *r = NULL;
	struct mp_why why;

	assert_int_equal(mp_plan_build(inv, &o, &r, &why), MP_OK);
	return r;
}

/* lines - every record as a zone line, joined by '\n' */
static char *
lines(const struct mp_plan_result *r)
{
	struct mp_buf b;

	mp_buf_init(&b, 1u << 20);
	for (size_t i = 0; i < r->nrecords; i++) {
		assert_int_equal(mp_plan_zone_line(&r->records[i], &b), MP_OK);
		mp_buf_append_c(&b, "\n");
	}
	return b.ptr;
}

static bool
has_warning(const struct mp_plan_result *r, const char *id, const char *needle)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		if (mp_str_eq_c(r->warnings[i].id, id) && strstr(r->warnings[i].message.ptr, needle))
			return true;
	return false;
}

static void
test_small(void **state)
{
	struct mp_why why;
	struct mp_plan_inventory *inv = load("examples/inventory-small.yml", false, &why, MP_OK);
	struct mp_plan_result *r = build(inv);
	char *z = lines(r);

	(void)state;
	assert_string_equal(z,
	    "small.example. 3600 IN TXT \"v=spf1 ip4:192.0.2.25 ip6:2001:db8:25::25 include:spf.protection.outlook.com -all\"\n"
	    "app1-202611-bgxeqes5._domainkey.small.example. 3600 IN TXT \"v=DKIM1; k=rsa; p=\"\n"
	    "selector1._domainkey.small.example. 3600 IN CNAME selector1-small-example._domainkey.smallexample.onmicrosoft.com.\n"
	    "selector2._domainkey.small.example. 3600 IN CNAME selector2-small-example._domainkey.smallexample.onmicrosoft.com.\n"
	    "_dmarc.small.example. 3600 IN TXT \"v=DMARC1; p=reject; np=reject; rua=mailto:dmarc-reports@small.example\"\n"
	    "25.2.0.192.in-addr.arpa. 3600 IN PTR app1.small.example.\n"
	    "app1.small.example. 3600 IN A 192.0.2.25\n"
	    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR app1.small.example.\n"
	    "app1.small.example. 3600 IN AAAA 2001:db8:25::25\n");
	assert_int_equal(r->nwarnings, 0);   /* Microsoft 365 hosts mailboxes: no subdomain advice */
	assert_non_null(strstr(r->keytable.ptr,
	    "small.example app1-202611-bgxeqes5 /etc/mailproof/keys/app1-202611-bgxeqes5.small.example.key"));
	assert_non_null(strstr(r->postfix.ptr, "smtpd_tls_auth_only = yes"));
	free(z);
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
}

static void
test_parked(void **state)
{
	struct mp_why why;
	struct mp_plan_inventory *inv = load("examples/inventory-parked.yml", false, &why, MP_OK);
	struct mp_plan_result *r = build(inv);
	char *z = lines(r);

	(void)state;
	assert_string_equal(z,
	    "parked.example. 3600 IN TXT \"v=spf1 -all\"\n"
	    "parked.example. 3600 IN MX 0 .\n"
	    "_dmarc.parked.example. 3600 IN TXT \"v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@reports.example\"\n"
	    "parked.example._report._dmarc.reports.example. 3600 IN TXT \"v=DMARC1\"\n");
	assert_false(r->records[3].in_zone);   /* published by the report receiver */
	free(z);
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
}

static void
test_large(void **state)
{
	struct mp_why why;
	struct mp_plan_inventory *inv = load("examples/inventory-large.yml", false, &why, MP_OK);
	struct mp_plan_result *r = build(inv);
	char *z = lines(r);
	size_t nkeys = 0;

	(void)state;
	assert_non_null(strstr(z, "group.example. 3600 IN TXT \"v=spf1 ip4:198.51.100.10 ip4:198.51.100.11 "
	    "ip4:203.0.113.5 include:_spf.google.com include:sendgrid.net include:servers.mcsv.net "
	    "include:mail.zendesk.com include:_spf.salesforce.com include:_spf.ticketing.example -all\"\n"));
	assert_non_null(strstr(z, "sf2026._domainkey.group.example. 3600 IN CNAME sf2026.group-example.dkim.salesforce.com.\n"));
	assert_non_null(strstr(z, "tk1._domainkey.group.example. 3600 IN CNAME tk1.dkim.ticketing.example.\n"));
	assert_non_null(strstr(z, "group.example._report._dmarc.dmarc-vendor.example. 3600 IN TXT \"v=DMARC1\"\n"));
	assert_null(strstr(z, "group.example._report._dmarc.reports.group.example"));  /* same org */
	assert_non_null(strstr(z, "_dmarc.group-legacy.example. 3600 IN TXT \"v=DMARC1; p=reject; sp=reject;"));
	assert_non_null(strstr(z, "_dmarc.shop.example. 3600 IN TXT \"v=DMARC1; p=quarantine; np=reject; "
	    "rua=mailto:dmarc@reports.group.example,mailto:dmarc@dmarc-vendor.example; "
	    "ruf=mailto:dmarc-failures@group.example; fo=1\"\n"));
	for (size_t i = 0; i < r->nrecords; i++)
		if (r->records[i].kind == MP_PLAN_DKIM_KEY && mp_str_eq_c(r->records[i].domain, "group.example"))
			nkeys++;
	assert_int_equal(nkeys, 4);   /* mx1, mx2 (rsa + ed25519), relay-eu: one key per server */
	assert_true(has_warning(r, "plan-third-party-primary", "SendGrid sends as group.example"));
	assert_true(has_warning(r, "plan-third-party-primary", "Amazon SES sends as shop.example"));
	assert_false(has_warning(r, "plan-third-party-primary", "Google Workspace"));
	free(z);
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
}

static void
test_warnings(void **state)
{
	struct mp_why why;
	struct mp_plan_inventory *inv = load(
	    "organization: {rua: 'mailto:d@x.example', stage: monitor}\n"
	    "servers:\n"
	    "  - {name: a, ipv4: 192.0.2.1, helo: a.x.example, selector: default}\n"
	    "  - {name: b, ipv4: 192.0.2.2, helo: b.x.example, selector: default}\n"
	    "domains:\n"
	    "  - {name: x.example, sending: true, servers: [a, b]}\n", true, &why, MP_OK);
	struct mp_plan_result *r = build(inv);

	(void)state;
	assert_true(has_warning(r, "plan-selector-guessable", "selector 'default'"));
	assert_true(has_warning(r, "plan-shared-key", "servers a and b share selector 'default'"));
	assert_true(has_warning(r, "plan-dmarc-monitor", "x.example is at stage monitor"));
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
}

static void
test_spf_over_limit(void **state)
{
	struct mp_buf y;
	struct mp_why why;
	struct mp_plan_inventory *inv;
	struct mp_plan_result *r;

	(void)state;
	mp_buf_init(&y, 1 << 16);
	mp_buf_append_c(&y, "organization: {rua: 'mailto:d@x.example'}\nproviders:\n");
	for (int i = 0; i < 11; i++)
		mp_buf_printf(&y, "  - {id: p%d, spf_include: _spf.p%d.example}\n", i, i);
	mp_buf_append_c(&y, "domains:\n  - name: x.example\n    sending: true\n    senders: [");
	for (int i = 0; i < 11; i++)
		mp_buf_printf(&y, "%sp%d", i ? ", " : "", i);
	mp_buf_append_c(&y, "]\n");
	inv = load(y.ptr, true, &why, MP_OK);
	r = build(inv);
	assert_true(has_warning(r, "plan-spf-over-limit", "needs 11 include lookups"));
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
	mp_buf_fini(&y);
}

static void
test_selector(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(mp_dkim_selector_make(MP_STR_LIT("MX1.example.com"), "202611", 0, buf, sizeof buf), MP_OK);
	assert_string_equal(buf, "mx1-202611-aaaaaaaa");
	assert_int_equal(mp_dkim_selector_make(MP_STR_LIT("mx1"), "202611", UINT64_MAX, buf, sizeof buf), MP_OK);
	assert_string_equal(buf, "mx1-202611-77777777");
	assert_int_equal(mp_dkim_selector_make(MP_STR_LIT("-_-"), "202611", 1, buf, sizeof buf), MP_OK);
	assert_string_equal(buf, "mail-202611-baaaaaaa");
	assert_int_equal(mp_dkim_selector_make(MP_STR_LIT("mx1"), "202611", 1, buf, 8), MP_ELIMIT);
}

static const struct bad_case {
	const char *name, *yaml, *want;
} bad[] = {
	{ "not yaml", "organization:\n  rua: a: b\ndomains: []\n", "inv.yml:2: YAML: mapping values are not allowed" },
	{ "top is a list", "- a\n", "inv.yml:1: (top): expected a mapping" },
	{ "unknown top field", "organisation: {}\n", "inv.yml:1: (top): unknown field 'organisation'" },
	{ "no rua", "organization: {name: x}\ndomains: []\n",
	  "inv.yml:1: organization.rua: a report address is required" },
	{ "rua not mailto", "organization: {rua: 'https://x.example'}\ndomains: []\n",
	  "inv.yml:1: organization.rua: 'https://x.example' is not a mailto:local@domain URI" },
	{ "bad stage", "organization:\n  rua: mailto:a@x.example\n  stage: block\ndomains: []\n",
	  "inv.yml:3: stage: 'block' is not monitor, quarantine or reject" },
	{ "bad ip", "organization: {rua: 'mailto:a@x.example'}\nservers:\n  - name: a\n    ipv4: [300.1.1.1]\n"
	  "    helo: a.x.example\ndomains: []\n", "inv.yml:4: servers.ipv4: '300.1.1.1' is not an IPv4 address" },
	{ "server no helo", "organization: {rua: 'mailto:a@x.example'}\nservers:\n  - {name: a, ipv4: 192.0.2.1}\n"
	  "domains: []\n", "inv.yml:3: servers.helo: server 'a' needs its HELO name" },
	{ "unknown server", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n"
	  "  - {name: x.example, sending: true, servers: [nope]}\n",
	  "inv.yml:3: domains.servers: unknown server 'nope'" },
	{ "unknown provider", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n"
	  "  - {name: x.example, sending: true, senders: [acme]}\n",
	  "inv.yml:3: domains.senders: unknown provider 'acme'" },
	{ "missing param", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n"
	  "  - {name: x.example, sending: true, senders: [microsoft365]}\n",
	  "inv.yml:3: domains.senders: provider 'microsoft365' needs parameter 'tenant'" },
	{ "bad domain", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n  - {name: 'x..example', sending: false}\n",
	  "inv.yml:3: domains.name: 'x..example' is not a valid domain name" },
	{ "sending unknown", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n  - {name: x.example}\n",
	  "inv.yml:3: domains.sending: say whether x.example sends mail" },
	{ "parked with servers", "organization: {rua: 'mailto:a@x.example'}\nservers:\n"
	  "  - {name: a, ipv4: 192.0.2.1, helo: a.x.example}\ndomains:\n"
	  "  - {name: x.example, sending: false, servers: [a]}\n",
	  "inv.yml:5: domains.sending: x.example is marked not sending but lists servers" },
	{ "duplicate domain", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n"
	  "  - {name: x.example, sending: false}\n  - {name: X.example., sending: false}\n",
	  "inv.yml:4: domains.name: domain 'x.example' listed twice" },
	{ "NUL byte", "organization: {rua: \"mailto:a@x.example\\0\"}\ndomains: []\n",
	  "inv.yml:1: organization.rua: NUL byte in value" },
	{ "unknown domain field", "organization: {rua: 'mailto:a@x.example'}\ndomains:\n"
	  "  - {name: x.example, sending: false, spf: '-all'}\n", "inv.yml:3: domains: unknown field 'spf'" },
};

static void
test_bad_inventories(void **state)
{
	struct mp_why why;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mp_plan_inventory *inv = load(bad[i].yaml, true, &why, MP_EINVAL);
		if (strncmp(why.text, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("%s: got '%s', want prefix '%s'", bad[i].name, why.text, bad[i].want);
		assert_null(inv);
		assert_int_equal(why.reason, MP_REASON_PLAN_SYNTAX);
	}
}

static void
test_alloc_failures(void **state)
{
	size_t clen, ilen;
	char *cat = slurp("data/senders.yml", &clen);
	char *text = slurp("examples/inventory-large.yml", &ilen);
	struct mp_plan_opts o = { .yyyymm = "202611", .seeded = true, .seed = 1 };
	unsigned long n;

	(void)state;
	for (n = 1; n < 400; n++) {
		struct mp_plan_inventory *inv = NULL;
		struct mp_plan_result *r = NULL;
		struct mp_why why;
		enum mp_status st;
		mp_alloc_fail_after(n);
		st = mp_plan_load(mp_str_make(cat, clen), "c", mp_str_make(text, ilen), "i", &inv, &why);
		if (st == MP_OK)
			st = mp_plan_build(inv, &o, &r, &why);
		mp_alloc_fail_after(0);
		if (st == MP_OK) {
			mp_plan_result_free(r);
			mp_plan_inventory_free(inv);
			break;
		}
		assert_true(st == MP_ENOMEM || st == MP_EINVAL);  /* never a partial success */
		mp_plan_inventory_free(inv);
	}
	assert_true(n < 400);
	free(cat);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_parked),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_spf_over_limit),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_bad_inventories),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
