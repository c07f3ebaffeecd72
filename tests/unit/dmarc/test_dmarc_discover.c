/* test_dmarc_discover.c - policy discovery: the RFC 9989 §4.10 tree walk
 * (PSD records, psd=y/n, the 8-query bound, several records at one name,
 * DNS errors), RFC 7489 mode with the public suffix list (and its test
 * vectors), and compare mode. DNS comes from in-memory zone data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dmarc.h>
#include <mailproof/dns.h>

/* A zone line: TXT at name, or a failure (status != OK). */
struct zrec {
	const char *name, *txt;
	enum mp_dns_status fail;
};

#define MAXZ 12

struct disc_case {
	const char *name;
	struct zrec zone[MAXZ];
	const char *author;
	enum mp_dmarc_mode mode;
	bool found, temperror;
	const char *policy_domain, *org_domain; /* NULL: not checked */
	bool psd;
	enum mp_reason why;                     /* when !found */
	size_t nqueries;                        /* 0: not checked */
	const char *org7489;                    /* compare mode */
	bool differs;
};

static struct mp_dmarc_psl *psl;

/* load_zone - zone from a table */
static struct mp_zone *
load_zone(const struct zrec *zr)
{
	struct mp_zone *z = mp_zone_new();

	assert_non_null(z);
	for (size_t i = 0; i < MAXZ && zr[i].name != NULL; i++) {
		struct mp_str owner = mp_str_c(zr[i].name);
		if (zr[i].fail != MP_DNS_OK) {
			assert_int_equal(mp_zone_fail(z, owner, 0, zr[i].fail), MP_OK);
		} else if (zr[i].txt != NULL) {
			struct mp_str s = mp_str_c(zr[i].txt);
			assert_int_equal(mp_zone_add_txt(z, owner, &s, 1), MP_OK);
		} else {
			assert_int_equal(mp_zone_add(z, owner, 300, MP_DNS_T_A, MP_STR_LIT("192.0.2.1"),
			                             NULL), MP_OK);
		}
	}
	return z;
}

static const struct disc_case cases[] = {
	{ "record at the author domain",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" } },
	  "example.com", MP_DMARC_MODE_9989, true, false, "example.com", "example.com", false, 0, 2 },
	{ "subdomain uses the organizational domain's record",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject; sp=none" } },
	  "mail.example.com", MP_DMARC_MODE_9989, true, false, "example.com", "example.com", false, 0, 3 },
	{ "fewest labels wins for the organizational domain",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.mail.example.com", "v=DMARC1; p=none" } },
	  "a.mail.example.com", MP_DMARC_MODE_9989, true, false, "example.com", "example.com", false,
	  0, 4 },
	{ "own record applies, org domain above",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.mail.example.com", "v=DMARC1; p=none" } },
	  "mail.example.com", MP_DMARC_MODE_9989, true, false, "mail.example.com", "example.com",
	  false, 0, 3 },
	{ "psd=n stops the walk",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.mail.example.com", "v=DMARC1; p=quarantine; psd=n" } },
	  "a.mail.example.com", MP_DMARC_MODE_9989, true, false, "mail.example.com",
	  "mail.example.com", false, 0, 2 },
	{ "B.4.3: PSD record, org domain has its own",
	  { { "_dmarc.bank.example", "v=DMARC1; p=reject; psd=y" },
	    { "_dmarc.giant.bank.example", "v=DMARC1; p=quarantine" } },
	  "giant.bank.example", MP_DMARC_MODE_9989, true, false, "giant.bank.example",
	  "giant.bank.example", false, 0, 2 },
	{ "B.4.3: subdomain, org domain one below the PSD",
	  { { "_dmarc.bank.example", "v=DMARC1; p=reject; psd=y" },
	    { "_dmarc.giant.bank.example", "v=DMARC1; p=quarantine" } },
	  "mail.giant.bank.example", MP_DMARC_MODE_9989, true, false, "giant.bank.example",
	  "giant.bank.example", false, 0, 3 },
	{ "PSD policy when the org domain has none",
	  { { "_dmarc.bank.example", "v=DMARC1; p=reject; psd=y" } },
	  "mail.mega.bank.example", MP_DMARC_MODE_9989, true, false, "bank.example",
	  "mega.bank.example", true, 0, 3 },
	{ "psd=y at the author itself",
	  { { "_dmarc.bank.example", "v=DMARC1; p=reject; psd=y" } },
	  "bank.example", MP_DMARC_MODE_9989, true, false, "bank.example", "bank.example", true, 0, 1 },
	{ "no record anywhere",
	  { { "_dmarc.other.example", "v=DMARC1; p=reject" } },
	  "example.com", MP_DMARC_MODE_9989, false, false, NULL, "example.com", false,
	  MP_REASON_DMARC_NO_RECORD, 2 },
	{ "non-DMARC TXT ignored",
	  { { "_dmarc.example.com", "v=spf1 -all" } },
	  "example.com", MP_DMARC_MODE_9989, false, false, NULL, "example.com", false,
	  MP_REASON_DMARC_NO_RECORD, 2 },
	{ "several records at the author: discarded, walk goes on",
	  { { "_dmarc.mail.example.com", "v=DMARC1; p=none" },
	    { "_dmarc.mail.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.example.com", "v=DMARC1; p=quarantine" } },
	  "mail.example.com", MP_DMARC_MODE_9989, true, false, "example.com", "example.com", false, 0,
	  3 },
	{ "several records and nothing else: none",
	  { { "_dmarc.example.com", "v=DMARC1; p=none" },
	    { "_dmarc.example.com", "v=DMARC1; p=reject" } },
	  "example.com", MP_DMARC_MODE_9989, false, false, NULL, "example.com", false,
	  MP_REASON_DMARC_MULTIPLE_RECORDS, 2 },
	{ "SERVFAIL at the author: temperror",
	  { { "_dmarc.example.com", NULL, MP_DNS_SERVFAIL } },
	  "example.com", MP_DMARC_MODE_9989, false, true, NULL, NULL, false,
	  MP_REASON_DMARC_DNS_TEMPERROR, 1 },
	{ "timeout at the parent: temperror",
	  { { "_dmarc.example.com", NULL, MP_DNS_TIMEOUT } },
	  "mail.example.com", MP_DMARC_MODE_9989, false, true, NULL, NULL, false,
	  MP_REASON_DMARC_DNS_TEMPERROR, 2 },
	{ "own record found, org domain unknown",
	  { { "_dmarc.mail.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.example.com", NULL, MP_DNS_SERVFAIL } },
	  "mail.example.com", MP_DMARC_MODE_9989, true, false, "mail.example.com", "", false, 0, 2 },
	{ "B.4.2: deep name, 8 queries",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" } },
	  "a.b.c.d.e.f.g.h.i.j.k.example.com", MP_DMARC_MODE_9989, true, false, "example.com",
	  "example.com", false, 0, 8 },
	{ "deep name: a record below the 7-label cut is never asked",
	  { { "_dmarc.c.d.e.f.g.h.i.j.k.example.com", "v=DMARC1; p=none" } },
	  "a.b.c.d.e.f.g.h.i.j.k.example.com", MP_DMARC_MODE_9989, false, false, NULL, NULL, false,
	  MP_REASON_DMARC_NO_RECORD, 8 },
	{ "8 labels: 8 queries, no shortcut",
	  { { "_dmarc.b.c.d.e.f.g.example", "v=DMARC1; p=none" } },
	  "a.b.c.d.e.f.g.example", MP_DMARC_MODE_9989, true, false, "b.c.d.e.f.g.example",
	  "b.c.d.e.f.g.example", false, 0, 8 },
	{ "7489: author's record",
	  { { "_dmarc.example.co.uk", "v=DMARC1; p=reject" } },
	  "example.co.uk", MP_DMARC_MODE_7489, true, false, "example.co.uk", "example.co.uk", false,
	  0, 1 },
	{ "7489: org domain from the PSL",
	  { { "_dmarc.example.co.uk", "v=DMARC1; p=reject" } },
	  "a.b.example.co.uk", MP_DMARC_MODE_7489, true, false, "example.co.uk", "example.co.uk",
	  false, 0, 2 },
	{ "7489: several records at the author end discovery",
	  { { "_dmarc.mail.example.com", "v=DMARC1; p=none" },
	    { "_dmarc.mail.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.example.com", "v=DMARC1; p=quarantine" } },
	  "mail.example.com", MP_DMARC_MODE_7489, false, false, NULL, "example.com", false,
	  MP_REASON_DMARC_MULTIPLE_RECORDS, 1 },
	{ "7489: intermediate records are not seen",
	  { { "_dmarc.mail.example.com", "v=DMARC1; p=none; psd=n" } },
	  "a.mail.example.com", MP_DMARC_MODE_7489, false, false, NULL, "example.com", false,
	  MP_REASON_DMARC_NO_RECORD, 2 },
	{ "compare: psd=n makes them differ",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" },
	    { "_dmarc.mail.example.com", "v=DMARC1; p=none; psd=n" } },
	  "a.mail.example.com", MP_DMARC_MODE_COMPARE, true, false, "mail.example.com",
	  "mail.example.com", false, 0, 3, "example.com", true },
	{ "compare: PSD not on the PSL",
	  { { "_dmarc.bank.example", "v=DMARC1; p=reject; psd=y" } },
	  "x.bank.example", MP_DMARC_MODE_COMPARE, true, false, "bank.example", "x.bank.example",
	  true, 0, 2, "bank.example", true },
	{ "compare: they agree",
	  { { "_dmarc.example.com", "v=DMARC1; p=reject" } },
	  "mail.example.com", MP_DMARC_MODE_COMPARE, true, false, "example.com", "example.com", false,
	  0, 3, "example.com", false },
};

/* str_is - view equals C string */
static void
str_is(struct mp_str s, const char *want)
{
	if (!mp_str_eq_c(s, want))
		fail_msg("got \"%.*s\", want \"%s\"", (int)s.len, s.ptr ? s.ptr : "", want);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct disc_case *c = &cases[i];
		struct mp_dmarc_opts o = { c->mode, psl, 0 };
		struct mp_zone *z = load_zone(c->zone);
		struct mp_resolver *r = mp_resolver_new_zone(z);
		struct mp_arena a;
		struct mp_dmarc_eval *ev;
		struct mp_dns_client cl;
		const struct mp_dmarc_discovery *d;

		print_message("case: %s\n", c->name);
		mp_arena_init(&a, 1 << 20);
		ev = mp_dmarc_eval_new(&a, &o, mp_str_c(c->author));
		assert_non_null(ev);
		cl = mp_dmarc_eval_client(ev);
		assert_int_equal(mp_dns_drive(r, &cl), MP_OK);
		d = mp_dmarc_eval_discovery(ev);
		assert_non_null(d);
		assert_null(mp_dmarc_eval_verdict(ev));   /* no auth results given */
		assert_int_equal(d->applied.found, c->found);
		assert_int_equal(d->applied.temperror, c->temperror);
		if (c->policy_domain)
			str_is(d->applied.policy_domain, c->policy_domain);
		if (c->org_domain)
			str_is(d->applied.org_domain, c->org_domain);
		if (c->found)
			assert_int_equal(d->applied.psd, c->psd);
		else
			assert_int_equal(d->applied.why.reason, c->why);
		if (c->nqueries)
			assert_int_equal(d->nqueries, c->nqueries);
		if (c->mode == MP_DMARC_MODE_COMPARE) {
			str_is(d->rfc7489.org_domain, c->org7489);
			assert_int_equal(d->differs, c->differs);
			if (c->differs)
				assert_int_equal(d->compare_why.reason, MP_REASON_DMARC_COMPARE_DIFFERS);
		}
		if (d->walk)
			assert_true(d->walk->nsteps <= MP_LIMIT_DMARC_TREE_WALK);
		mp_arena_fini(&a);
		mp_resolver_free(r);
		mp_zone_free(z);
	}
}

/* the names a deep walk asks (RFC 9989 §4.10 example) */
static void
test_deep_walk_names(void **state)
{
	static const char *want[] = {
		"a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com",
		"h.i.j.mail.example.com", "i.j.mail.example.com", "j.mail.example.com",
		"mail.example.com", "example.com", "com",
	};
	struct zrec zr[MAXZ] = { { "_dmarc.nothing.example", "v=DMARC1; p=none" } };
	struct mp_zone *z = load_zone(zr);
	struct mp_resolver *r = mp_resolver_new_zone(z);
	struct mp_dmarc_opts o = { MP_DMARC_MODE_9989, NULL, 0 };
	struct mp_arena a;
	struct mp_dmarc_eval *ev;
	struct mp_dns_client cl;
	const struct mp_dmarc_discovery *d;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	ev = mp_dmarc_eval_new(&a, &o, MP_STR_LIT("a.b.c.d.e.f.g.h.i.j.mail.example.com"));
	cl = mp_dmarc_eval_client(ev);
	assert_int_equal(mp_dns_drive(r, &cl), MP_OK);
	d = mp_dmarc_eval_discovery(ev);
	assert_int_equal(d->walk->nsteps, 8);
	for (size_t i = 0; i < 8; i++)
		str_is(d->walk->steps[i].domain, want[i]);
	assert_int_equal(d->nqueries, 8);
	mp_arena_fini(&a);
	mp_resolver_free(r);
	mp_zone_free(z);
}

/* RFC 7489 §3.2 Organizational Domain against the PSL test vectors */
static void
test_psl_vectors(void **state)
{
	const char *dir = getenv("MAILPROOF_TESTDATA");
	char path[4096], line[1024];
	FILE *f;
	int n = 0, skipped = 0;
	struct mp_arena a;

	(void)state;
	snprintf(path, sizeof path, "%s/psl/tests.txt", dir ? dir : "../shared/testdata");
	if ((f = fopen(path, "r")) == NULL) {
		print_message("SKIPPED: %s missing\n", path);
		skip();
	}
	mp_arena_init(&a, 1 << 20);
	while (fgets(line, sizeof line, f) != NULL) {
		char *in = line, *want;
		struct mp_str norm, org;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || strncmp(line, "//", 2) == 0)
			continue;
		if ((want = strchr(in, ' ')) == NULL)
			continue;
		*want++ = '\0';
		n++;
		/* inputs DMARC never sees: null, a leading dot, Unicode answers */
		if (strcmp(in, "null") == 0 || in[0] == '.' ||
		    ((unsigned char)want[0] >= 0x80 || strchr(want, 0xe4) || strstr(want, "\xe5")) ||
		    !mp_dmarc_domain_norm(&a, mp_str_c(in), &norm)) {
			skipped++;
			continue;
		}
		org = mp_dmarc_psl_orgdomain(psl, norm, &a);
		if (strcmp(want, "null") == 0) {
			/* a public suffix is its own Organizational Domain in DMARC */
			assert_true(mp_str_eq(org, norm));
		} else {
			struct mp_str w;
			if (!mp_dmarc_domain_norm(&a, mp_str_c(want), &w)) {
				skipped++;
				continue;
			}
			if (!mp_str_eq(org, w))
				fail_msg("%s: got %.*s want %s", in, (int)org.len, org.ptr, want);
		}
	}
	fclose(f);
	print_message("psl vectors: %d, %d checked, %d not applicable\n", n, n - skipped, skipped);
	assert_int_equal(n, 78);
	assert_true(n - skipped >= 60);
	mp_arena_fini(&a);
}

static void
test_domain_norm(void **state)
{
	struct mp_arena a;
	struct mp_str out;
	static const char nul[] = "bank.example\0.attacker.example";

	(void)state;
	mp_arena_init(&a, 1 << 16);
	assert_true(mp_dmarc_domain_norm(&a, MP_STR_LIT("Example.COM."), &out));
	str_is(out, "example.com");
	assert_true(mp_dmarc_domain_norm(&a, MP_STR_LIT("b\xc3\xbc" "cher.example"), &out));
	str_is(out, "xn--bcher-kva.example");
	assert_true(mp_dmarc_domain_norm(&a, MP_STR_LIT("B\xc3\x9c" "CHER.example"), &out));
	str_is(out, "xn--bcher-kva.example");
	assert_false(mp_dmarc_domain_norm(&a, mp_str_make(nul, sizeof nul - 1), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT("192.0.2.1"), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT("[192.0.2.1]"), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT("a..example"), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT("a b.example"), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT("x@example.com"), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT(""), &out));
	assert_false(mp_dmarc_domain_norm(&a, MP_STR_LIT("."), &out));
	mp_arena_fini(&a);
}

static int
setup(void **state)
{
	const char *dir = getenv("MAILPROOF_TESTDATA");
	char path[4096];
	struct mp_why why;

	(void)state;
	snprintf(path, sizeof path, "%s/psl/public_suffix_list.dat",
	         dir ? dir : "../shared/testdata");
	psl = mp_dmarc_psl_load(path, &why);
	if (psl == NULL)
		psl = mp_dmarc_psl_load(NULL, &why);   /* system data */
	return psl == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	mp_dmarc_psl_free(psl);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_deep_walk_names),
		cmocka_unit_test(test_psl_vectors),
		cmocka_unit_test(test_domain_norm),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
