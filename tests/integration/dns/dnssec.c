/* dnssec.c - DNSSEC states through the libunbound driver: a signed answer
 * is secure, a broken signature is bogus (and servfail, indeterminate), an
 * answer outside the trust anchor is insecure; without validation the state
 * is unchecked. usage: dnssec PORT "TRUST-ANCHOR" */
#include <stdio.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

static const struct dcase {
	const char *name;
	bool validate;
	enum mp_dns_status status;
	enum mp_dnssec dnssec;
} cases[] = {
	{ "sec.test", true, MP_DNS_OK, MP_DNSSEC_SECURE },
	{ "bogus.sec.test", true, MP_DNS_SERVFAIL, MP_DNSSEC_BOGUS },
	{ "plain.test", true, MP_DNS_OK, MP_DNSSEC_INSECURE },
	{ "sec.test", false, MP_DNS_OK, MP_DNSSEC_UNCHECKED },
	{ "bogus.sec.test", false, MP_DNS_OK, MP_DNSSEC_UNCHECKED },
};

int
main(int argc, char **argv)
{
	static const char *const unblock[] = { "test." };
	char server[64];
	const char *servers[1] = { server };
	int bad = 0;

	if (argc != 3)
		return fprintf(stderr, "usage: dnssec PORT ANCHOR\n"), 2;
	snprintf(server, sizeof server, "127.0.0.1@%s", argv[1]);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct dcase *c = &cases[i];
		struct mp_unbound_opts o = { 0 };
		struct mp_resolver *r;
		struct mp_dns_question q;
		const struct mp_dns_answer *ans;
		struct mp_arena a;
		struct mp_why why;

		o.servers = servers;
		o.nservers = 1;
		o.unblock_zones = unblock;
		o.nunblock = 1;
		o.timeout_ms = 10000;
		o.trust_anchor = c->validate ? argv[2] : NULL;
		if ((r = mp_resolver_new_unbound(&o, &why)) == NULL)
			return fprintf(stderr, "resolver: %s\n", why.text), 1;
		mp_arena_init(&a, 1 << 20);
		mp_dns_question_set(&q, MP_DNS_T_TXT, mp_str_c(c->name));
		if (mp_resolver_query(r, &q, &a, &ans) != MP_OK)
			return fprintf(stderr, "query failed\n"), 1;
		printf("%s validate=%d: %s %s (%.*s)\n", c->name, c->validate,
		       mp_dns_status_name(ans->status), mp_dnssec_name(ans->dnssec),
		       (int)ans->why.len, ans->why.ptr);
		if (ans->status != c->status || ans->dnssec != c->dnssec) {
			printf("  FAIL: want %s %s\n", mp_dns_status_name(c->status),
			       mp_dnssec_name(c->dnssec));
			bad++;
		}
		mp_arena_fini(&a);
		mp_resolver_free(r);
	}
	return bad ? 1 : 0;
}
