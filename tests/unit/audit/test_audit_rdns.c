/* test_audit_rdns.c - `audit rdns` and `audit sender` on zone data: PTR
 * present, forward-confirmed, dynamic-looking, HELO match, DNS failures;
 * SPF authorization of sending servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/audit.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

static const char zone_text[] =
    "1.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com.\n"
    "mail.example.com. 300 IN A 192.0.2.1\n"
    "2.2.0.192.in-addr.arpa. 300 IN PTR mx.example.net.\n"
    "mx.example.net. 300 IN A 192.0.2.99\n"
    "3.2.0.192.in-addr.arpa. 300 IN PTR 192-0-2-3.dsl.isp.example.\n"
    "192-0-2-3.dsl.isp.example. 300 IN A 192.0.2.3\n"
    "4.2.0.192.in-addr.arpa. 300 IN PTR host-4-2-0-192.isp.example.\n"
    "host-4-2-0-192.isp.example. 300 IN A 192.0.2.4\n"
    "5.2.0.192.in-addr.arpa. 300 IN PTR c0000205.isp.example.\n"
    "c0000205.isp.example. 300 IN A 192.0.2.5\n"
    "6.2.0.192.in-addr.arpa. 300 IN PTR mail6.example.com.\n"
    "7.2.0.192.in-addr.arpa. 300 IN PTR other.example.com.\n"
    "7.2.0.192.in-addr.arpa. 300 IN PTR mail7.example.com.\n"
    "mail7.example.com. 300 IN A 192.0.2.7\n"
    "other.example.com. 300 IN A 198.51.100.7\n"
    "mail1.example.com. 300 IN A 198.51.100.1\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR v6.example.com.\n"
    "v6.example.com. 300 IN AAAA 2001:db8::1\n"
    "example.com. 300 IN TXT \"v=spf1 ip4:192.0.2.0/29 a:other.example.com -all\"\n"
    "soft.example. 300 IN TXT \"v=spf1 ip4:192.0.2.1 ~all\"\n"
    "broken.example. 300 IN TXT \"v=spf1 ip4:192.0.2.1 foo:bar -all\"\n"
    "nospf.example. 300 IN A 192.0.2.1\n";

static const struct rdns_case {
	const char *name, *ip, *helo;
	const char *want;       /* findings "id:detail ..." */
	bool confirmed;
	const char *ptr_name;
} rdns_cases[] = {
	{ "good", "192.0.2.1", "mail.example.com", "", true, "mail.example.com" },
	{ "good, HELO case and dot", "192.0.2.1", "MAIL.example.com.", "", true, "mail.example.com" },
	{ "good, no HELO given", "192.0.2.1", "", "", true, "mail.example.com" },
	{ "HELO differs", "192.0.2.1", "mail1.example.com",
	  "rdns-helo-mismatch:HELO mail1.example.com, PTR mail.example.com", true, "mail.example.com" },
	{ "not confirmed", "192.0.2.2", "", "rdns-not-confirmed:mx.example.net", false, "mx.example.net" },
	{ "dynamic word and digits", "192.0.2.3", "",
	  "rdns-dynamic:192-0-2-3.dsl.isp.example: the word \"dsl\"", true, "192-0-2-3.dsl.isp.example" },
	{ "reversed octets", "192.0.2.4", "",
	  "rdns-dynamic:host-4-2-0-192.isp.example: the address's numbers", true,
	  "host-4-2-0-192.isp.example" },
	{ "hex address", "192.0.2.5", "",
	  "rdns-dynamic:c0000205.isp.example: the address written out", true, "c0000205.isp.example" },
	{ "PTR name does not exist", "192.0.2.6", "", "rdns-not-confirmed:mail6.example.com", false,
	  "mail6.example.com" },
	{ "second PTR name confirms", "192.0.2.7", "mail7.example.com", "", true, "mail7.example.com" },
	{ "no PTR", "192.0.2.8", "", "rdns-no-ptr:8.2.0.192.in-addr.arpa", false, "" },
	{ "IPv6", "2001:db8::1", "v6.example.com", "", true, "v6.example.com" },
	{ "PTR lookup fails", "192.0.2.9", "", "dns-temperror:PTR 9.2.0.192.in-addr.arpa: servfail",
	  false, "" },
	{ "forward lookup fails", "192.0.2.10", "", "dns-temperror:A of fail.example.com", false,
	  "fail.example.com" },
};

static struct mp_zone *
make_zone(void)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_why why;

	assert_non_null(z);
	assert_int_equal(mp_zone_parse(z, mp_str_c(zone_text), "test", MP_STR_NULL, &why), MP_OK);
	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("9.2.0.192.in-addr.arpa"), 0, MP_DNS_SERVFAIL),
	    MP_OK);
	assert_int_equal(mp_zone_add(z, MP_STR_LIT("10.2.0.192.in-addr.arpa"), 300, MP_DNS_T_PTR,
	    MP_STR_LIT("fail.example.com."), &why), MP_OK);
	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("fail.example.com"), 0, MP_DNS_TIMEOUT), MP_OK);
	return z;
}

static void
findings_text(const struct mp_audit_finding *f, size_t n, char *buf, size_t max)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, max - len, "%s%s%s%.*s", i ? " " : "",
		    mp_audit_finding_name(f[i].id), f[i].detail.len ? ":" : "",
		    (int)f[i].detail.len, f[i].detail.ptr);
}

static void
test_rdns_table(void **state)
{
	struct mp_zone *z = make_zone();
	struct mp_resolver *r = mp_resolver_new_zone(z);
	struct mp_audit_rdns *res;
	struct mp_arena a;
	struct mp_why why;
	char got[1024];

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < sizeof rdns_cases / sizeof rdns_cases[0]; i++) {
		const struct rdns_case *c = &rdns_cases[i];
		print_message("case: %s\n", c->name);
		mp_arena_init(&a, 1u << 20);
		assert_int_equal(mp_audit_rdns(r, mp_str_c(c->ip), mp_str_c(c->helo), &a, &res, &why),
		    MP_OK);
		findings_text(res->findings, res->nfindings, got, sizeof got);
		assert_string_equal(got, c->want);
		assert_int_equal(res->confirmed, c->confirmed);
		assert_true(mp_str_eq_c(res->name, c->ptr_name));
		mp_arena_fini(&a);
	}
	mp_arena_init(&a, 1u << 20);
	assert_int_equal(mp_audit_rdns(r, MP_STR_LIT("192.0.2"), MP_STR_NULL, &a, &res, &why), MP_EINVAL);
	assert_int_equal(why.reason, MP_REASON_SYNTAX);
	mp_arena_fini(&a);
	mp_resolver_free(r);
	mp_zone_free(z);
}

static const struct dyn_case {
	const char *name;
	uint8_t ip[4];
	bool dynamic;
} dyn_cases[] = {
	{ "mail.example.com", { 192, 0, 2, 1 }, false },
	{ "mx1.example.com", { 192, 0, 2, 1 }, false },
	{ "dhcp-77.example.net", { 192, 0, 2, 77 }, true },
	{ "pool-192-0-2-1.example.net", { 192, 0, 2, 1 }, true },
	{ "1.2.0.192.static.example.net", { 192, 0, 2, 1 }, true },
	{ "192000002001.example.net", { 192, 0, 2, 1 }, true },
	{ "server-10.example.net", { 192, 0, 2, 10 }, false },
	{ "dynamo.example.net", { 192, 0, 2, 10 }, false },    /* a word, not a prefix */
};

static void
test_dynamic_names(void **state)
{
	struct mp_arena a;
	struct mp_str hint;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	for (size_t i = 0; i < sizeof dyn_cases / sizeof dyn_cases[0]; i++) {
		print_message("name: %s\n", dyn_cases[i].name);
		assert_int_equal(mp_audit_name_looks_dynamic(mp_str_c(dyn_cases[i].name), dyn_cases[i].ip,
		    4, &a, &hint), dyn_cases[i].dynamic);
	}
	mp_arena_fini(&a);
}

static const struct sender_case {
	const char *name, *domain, *ip;
	enum mp_spf_result result;
	const char *want;
} sender_cases[] = {
	{ "in ip4 range", "example.com", "192.0.2.3", MP_SPF_PASS, "" },
	{ "through a:", "example.com", "198.51.100.7", MP_SPF_PASS, "" },
	{ "outside", "example.com", "198.51.100.1", MP_SPF_FAIL,
	  "sender-not-authorized:fail (-all)" },
	{ "softfail", "soft.example", "198.51.100.1", MP_SPF_SOFTFAIL,
	  "sender-not-authorized:softfail (~all)" },
	{ "no SPF", "nospf.example", "192.0.2.1", MP_SPF_NONE, "sender-no-spf:nospf.example" },
	{ "broken record", "broken.example", "192.0.2.1", MP_SPF_PERMERROR, "sender-spf-permerror:*" },
	{ "IPv6 not listed", "example.com", "2001:db8::1", MP_SPF_FAIL,
	  "sender-not-authorized:fail (-all)" },
};

static void
test_sender(void **state)
{
	struct mp_zone *z = make_zone();
	struct mp_resolver *r = mp_resolver_new_zone(z);
	struct mp_audit_sender *s;
	struct mp_arena a;
	struct mp_why why;
	char got[1024];

	(void)state;
	for (size_t i = 0; i < sizeof sender_cases / sizeof sender_cases[0]; i++) {
		const struct sender_case *c = &sender_cases[i];
		print_message("case: %s\n", c->name);
		mp_arena_init(&a, 1u << 20);
		assert_int_equal(mp_audit_sender(r, mp_str_c(c->domain), mp_str_c(c->ip), 1700000000, &a,
		    &s, &why), MP_OK);
		assert_int_equal(s->spf.result, c->result);
		findings_text(s->findings, s->nfindings, got, sizeof got);
		if (strchr(c->want, '*'))
			assert_true(strncmp(got, c->want, strlen(c->want) - 1) == 0 &&
			    strlen(got) > strlen(c->want));
		else
			assert_string_equal(got, c->want);
		mp_arena_fini(&a);
	}
	mp_arena_init(&a, 1u << 20);
	assert_int_equal(mp_audit_sender(r, MP_STR_LIT("example.com"), MP_STR_LIT("nope"), 0, &a, &s,
	    &why), MP_EINVAL);
	mp_arena_fini(&a);
	mp_resolver_free(r);
	mp_zone_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rdns_table),
		cmocka_unit_test(test_dynamic_names),
		cmocka_unit_test(test_sender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
