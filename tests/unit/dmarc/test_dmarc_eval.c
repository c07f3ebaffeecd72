/* test_dmarc_eval.c - identifier alignment (relaxed, strict, RFC 9989 tree
 * walk and RFC 7489 PSL), results, policy (p/sp/np), disposition (t=y,
 * pct), the Authentication-Results entry, and identifiers built to fool a
 * receiver (NUL bytes, trailing garbage, parents and children, IP HELO). */
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

#define PASS MP_DMARC_AUTH_PASS
#define FAIL MP_DMARC_AUTH_FAIL
#define TEMP MP_DMARC_AUTH_TEMPERROR
#define RS(x) MP_REASON_DMARC_##x
#define P_N MP_DMARC_POLICY_NONE
#define P_Q MP_DMARC_POLICY_QUARANTINE
#define P_R MP_DMARC_POLICY_REJECT

/* the zone every case shares */
static const char zone_text[] =
	"_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject\"\n"
	"www.example.com. A 192.0.2.1\n"
	"_dmarc.strict.example. TXT \"v=DMARC1; p=reject; adkim=s; aspf=s\"\n"
	"_dmarc.relaxed.example. TXT \"v=DMARC1; p=quarantine\"\n"
	"_dmarc.test.example. TXT \"v=DMARC1; p=reject; t=y\"\n"
	"_dmarc.pct.example. TXT \"v=DMARC1; p=reject; pct=0\"\n"
	"_dmarc.none.example. TXT \"v=DMARC1; p=none\"\n"
	"_dmarc.broken.example. TXT \"v=DMARC1; p=bogus\"\n"
	"_dmarc.bank.example. TXT \"v=DMARC1; p=reject; psd=y\"\n"
	"_dmarc.giant.bank.example. TXT \"v=DMARC1; p=quarantine\"\n"
	"_dmarc.sub.relaxed.example. TXT \"v=DMARC1; p=none; psd=n\"\n"
	"_dmarc.xn--bcher-kva.example. TXT \"v=DMARC1; p=reject\"\n";

struct eval_case {
	const char *name;
	const char *author;
	enum mp_dmarc_mode mode;
	unsigned pct_roll;
	struct mp_dmarc_spf spf;
	size_t ndkim;
	struct mp_dmarc_dkim dkim[3];
	enum mp_dmarc_result want;
	enum mp_reason why;
	enum mp_dmarc_policy policy, disposition;
	bool spf_aligned, dkim_aligned;
	const char *authres;   /* NULL: not checked */
};

#define S(r, d) { (r), { (d), sizeof(d) - 1 }, false }
#define SNULL(r, d) { (r), { (d), sizeof(d) - 1 }, true }
#define D(r, d) { (r), { (d), sizeof(d) - 1 }, { "sel", 3 } }
#define NOSPF { MP_DMARC_AUTH_NONE, { NULL, 0 }, false }

static const struct eval_case cases[] = {
	{ "spf and dkim identical: pass", "example.com", MP_DMARC_MODE_9989, 0,
	  S(PASS, "example.com"), 1, { D(PASS, "example.com") },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, true, true,
	  "dmarc=pass (p=reject sp=quarantine dis=none) header.from=example.com" },
	{ "relaxed: MAIL FROM subdomain aligns", "example.com", MP_DMARC_MODE_9989, 0,
	  S(PASS, "bounce.example.com"), 0, { { 0 } },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, true, false, NULL },
	{ "relaxed: d= child of From aligns", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "mail.example.com") },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, false, true, NULL },
	{ "relaxed: d= parent of From aligns", "www.example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "example.com") },
	  MP_DMARC_PASS, RS(ALIGNED), P_Q, P_N, false, true, NULL },
	{ "strict: d= parent of From does not align", "strict.example", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false,
	  "dmarc=fail (p=reject sp=reject dis=reject) header.from=strict.example" },
	{ "strict: d= child of From does not align", "strict.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "mail.strict.example"), 1, { D(PASS, "mail.strict.example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "strict: identical aligns", "strict.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "strict.example"), 0, { { 0 } },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, true, false, NULL },
	{ "strict: case and trailing dot do not matter", "Strict.Example.", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "STRICT.example.") },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, false, true,
	  "dmarc=pass (p=reject sp=reject dis=none) header.from=strict.example" },
	{ "unrelated identifiers fail", "example.com", MP_DMARC_MODE_9989, 0,
	  S(PASS, "attacker.example"), 1, { D(PASS, "attacker.example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "no authentication passes", "example.com", MP_DMARC_MODE_9989, 0,
	  S(FAIL, "example.com"), 1, { D(FAIL, "example.com") },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_R, false, false, NULL },
	{ "nothing at all", "example.com", MP_DMARC_MODE_9989, 0, NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_R, false, false, NULL },
	{ "d= with a NUL byte never aligns", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { { PASS, { "example.com\0.attacker.example", 30 }, { "s", 1 } } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "d= NUL byte then the From domain", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { { PASS, { "example.com\0", 12 }, { "s", 1 } } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "d= with trailing garbage", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "example.com.attacker.example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "d= with a parenthesis", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "example.com(.attacker.example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "SPF identity with NUL", "example.com", MP_DMARC_MODE_9989, 0,
	  { PASS, { "example.com\0x", 13 }, false }, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "null MAIL FROM, HELO of the From domain", "example.com", MP_DMARC_MODE_9989, 0,
	  SNULL(PASS, "mx.example.com"), 0, { { 0 } },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, true, false, NULL },
	{ "HELO as an IP literal", "example.com", MP_DMARC_MODE_9989, 0,
	  SNULL(PASS, "192.0.2.1"), 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "HELO as a bracketed IP literal", "example.com", MP_DMARC_MODE_9989, 0,
	  SNULL(PASS, "[192.0.2.1]"), 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "second signature aligns", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 3, { D(PASS, "attacker.example"), D(FAIL, "example.com"), D(PASS, "example.com") },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, false, true, NULL },
	{ "sp for an existing subdomain", "www.example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_Q, P_Q, false, false,
	  "dmarc=fail (p=reject sp=quarantine dis=quarantine) header.from=www.example.com" },
	{ "np for a non-existent subdomain", "nx.example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_R, false, false, NULL },
	{ "np is not RFC 7489", "nx.example.com", MP_DMARC_MODE_7489, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_Q, P_Q, false, false, NULL },
	{ "t=y: one level weaker", "test.example", MP_DMARC_MODE_9989, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_Q, false, false,
	  "dmarc=fail (p=reject sp=reject dis=quarantine) header.from=test.example" },
	{ "pct is ignored by RFC 9989", "pct.example", MP_DMARC_MODE_9989, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_R, false, false, NULL },
	{ "pct=0 in RFC 7489 mode", "pct.example", MP_DMARC_MODE_7489, 50,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_Q, false, false, NULL },
	{ "p=none: fail without action", "none.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "other.example"), 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_N, P_N, false, false, NULL },
	{ "no record: none", "norecord.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "norecord.example"), 0, { { 0 } },
	  MP_DMARC_NONE, RS(NO_RECORD), MP_DMARC_POLICY_UNSET, MP_DMARC_POLICY_UNSET, false, false,
	  "dmarc=none header.from=norecord.example" },
	{ "invalid p, no rua: none", "broken.example", MP_DMARC_MODE_9989, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_NONE, RS(NO_POLICY), MP_DMARC_POLICY_UNSET, MP_DMARC_POLICY_UNSET, false, false,
	  NULL },
	{ "B.4.3: PSD, MAIL FROM aligned", "giant.bank.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "mail.giant.bank.example"), 1, { D(PASS, "mail.mega.bank.example") },
	  MP_DMARC_PASS, RS(ALIGNED), P_Q, P_N, true, false, NULL },
	{ "B.4.3: PSD, only the other registrant's DKIM", "giant.bank.example", MP_DMARC_MODE_9989,
	  0, NOSPF, 1, { D(PASS, "mail.mega.bank.example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_Q, P_Q, false, false, NULL },
	{ "PSD policy for a registrant without one", "x.mega.bank.example", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "giant.bank.example") },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_R, P_R, false, false, NULL },
	{ "psd=n splits relaxed alignment", "sub.relaxed.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "relaxed.example"), 0, { { 0 } },
	  MP_DMARC_FAIL, RS(NOT_ALIGNED), P_N, P_N, false, false, NULL },
	{ "7489: relaxed through the PSL", "sub.relaxed.example", MP_DMARC_MODE_7489, 0,
	  S(PASS, "relaxed.example"), 0, { { 0 } },
	  MP_DMARC_PASS, RS(ALIGNED), P_N, P_N, true, false, NULL },
	{ "SPF temperror that could align: temperror", "example.com", MP_DMARC_MODE_9989, 0,
	  S(TEMP, "example.com"), 0, { { 0 } },
	  MP_DMARC_TEMPERROR, RS(AUTH_TEMPERROR), P_R, P_N, false, false, NULL },
	{ "DKIM temperror that cannot align: fail", "example.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(TEMP, "attacker.example") },
	  MP_DMARC_FAIL, RS(NO_AUTH), P_R, P_R, false, false, NULL },
	{ "temperror and an aligned pass: pass", "example.com", MP_DMARC_MODE_9989, 0,
	  S(TEMP, "example.com"), 1, { D(PASS, "example.com") },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, false, true, NULL },
	{ "DNS error under the identifier's walk: temperror", "example.com", MP_DMARC_MODE_9989, 0,
	  S(PASS, "bad.example.com"), 0, { { 0 } },
	  MP_DMARC_TEMPERROR, RS(AUTH_TEMPERROR), P_R, P_N, false, false, NULL },
	{ "DNS error at the author: temperror", "fail.example", MP_DMARC_MODE_9989, 0,
	  S(PASS, "fail.example"), 0, { { 0 } },
	  MP_DMARC_TEMPERROR, RS(DNS_TEMPERROR), MP_DMARC_POLICY_UNSET, MP_DMARC_POLICY_UNSET,
	  false, false, "dmarc=temperror header.from=fail.example" },
	{ "IDNA author domain", "b\xc3\xbc" "cher.example", MP_DMARC_MODE_9989, 0,
	  NOSPF, 1, { D(PASS, "xn--bcher-kva.example") },
	  MP_DMARC_PASS, RS(ALIGNED), P_R, P_N, false, true,
	  "dmarc=pass (p=reject sp=reject dis=none) header.from=xn--bcher-kva.example" },
	{ "unusable author: permerror", "exa mple.com", MP_DMARC_MODE_9989, 0,
	  NOSPF, 0, { { 0 } },
	  MP_DMARC_PERMERROR, RS(BAD_DOMAIN), MP_DMARC_POLICY_UNSET, MP_DMARC_POLICY_UNSET, false,
	  false, "dmarc=permerror" },
};

static struct mp_dmarc_psl *psl;
static struct mp_zone *zone;

static void
run_case(const struct eval_case *c, bool auth_first)
{
	struct mp_dmarc_opts o = { c->mode, psl, c->pct_roll };
	struct mp_resolver *r = mp_resolver_new_zone(zone);
	struct mp_arena a;
	struct mp_dmarc_eval *ev;
	struct mp_dns_client cl;
	const struct mp_dmarc_verdict *v;
	struct mp_buf ar;

	mp_arena_init(&a, 1 << 20);
	ev = mp_dmarc_eval_new(&a, &o, mp_str_c(c->author));
	assert_non_null(ev);
	cl = mp_dmarc_eval_client(ev);
	if (auth_first)
		assert_int_equal(mp_dmarc_eval_set_auth(ev, &c->spf, c->dkim, c->ndkim), MP_OK);
	assert_int_equal(mp_dns_drive(r, &cl), MP_OK);
	if (!auth_first) {
		assert_non_null(mp_dmarc_eval_discovery(ev));
		assert_int_equal(mp_dmarc_eval_set_auth(ev, &c->spf, c->dkim, c->ndkim), MP_OK);
		assert_int_equal(mp_dns_drive(r, &cl), MP_OK);
	}
	v = mp_dmarc_eval_verdict(ev);
	assert_non_null(v);
	if (v->result != c->want || v->why.reason != c->why)
		fail_msg("%s: got %s/%s (%s), want %s/%s", c->name, mp_dmarc_result_name(v->result),
		         mp_reason_token(v->why.reason), v->why.text, mp_dmarc_result_name(c->want),
		         mp_reason_token(c->why));
	assert_int_equal(v->policy, c->policy);
	assert_int_equal(v->disposition, c->disposition);
	assert_int_equal(v->spf_aligned, c->spf_aligned);
	assert_int_equal(v->dkim_aligned, c->dkim_aligned);
	assert_int_equal(v->ndkim, c->ndkim);
	if (c->authres != NULL) {
		mp_buf_init(&ar, 4096);
		assert_int_equal(mp_dmarc_authres(v, &ar), MP_OK);
		assert_string_equal(ar.ptr, c->authres);
		mp_buf_fini(&ar);
	}
	mp_arena_fini(&a);
	mp_resolver_free(r);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("case: %s\n", cases[i].name);
		run_case(&cases[i], true);
		run_case(&cases[i], false);
	}
}

/* From-field trouble reported by the msg parser is a permerror, never none */
static void
test_author_error(void **state)
{
	struct mp_arena a;
	struct mp_why why;
	struct mp_dmarc_eval *ev;
	const struct mp_dmarc_verdict *v;
	struct mp_buf ar;

	(void)state;
	mp_arena_init(&a, 1 << 16);
	mp_why_setf(&why, MP_REASON_DMARC_FROM, "two From fields");
	ev = mp_dmarc_eval_new_error(&a, NULL, MP_DMARC_PERMERROR, &why);
	v = mp_dmarc_eval_verdict(ev);
	assert_non_null(v);
	assert_int_equal(v->result, MP_DMARC_PERMERROR);
	assert_int_equal(v->why.reason, MP_REASON_DMARC_FROM);
	mp_buf_init(&ar, 1024);
	assert_int_equal(mp_dmarc_authres(v, &ar), MP_OK);
	assert_string_equal(ar.ptr, "dmarc=permerror");
	mp_buf_fini(&ar);
	mp_arena_fini(&a);
}

/* an allocation failure anywhere is ENOMEM or a non-pass, never a crash */
static void
test_enomem(void **state)
{
	static const struct mp_dmarc_dkim dk = { PASS, { "mail.example.com", 16 }, { "s", 1 } };
	static const struct mp_dmarc_spf sp = { PASS, { "bounce.example.com", 18 }, false };

	(void)state;
	for (unsigned long n = 1; n < 200; n++) {
		struct mp_dmarc_opts o = { MP_DMARC_MODE_9989, psl, 0 };
		struct mp_resolver *r = mp_resolver_new_zone(zone);
		struct mp_arena a;
		struct mp_dmarc_eval *ev;
		struct mp_dns_client cl;
		enum mp_status st = MP_OK;
		const struct mp_dmarc_verdict *v;

		assert_non_null(r);
		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		ev = mp_dmarc_eval_new(&a, &o, MP_STR_LIT("www.example.com"));
		if (ev != NULL) {
			cl = mp_dmarc_eval_client(ev);
			st = mp_dmarc_eval_set_auth(ev, &sp, &dk, 1);
			if (st == MP_OK)
				st = mp_dns_drive(r, &cl);
			v = mp_dmarc_eval_verdict(ev);
			/* the driver's own allocation failures are DNS trouble */
			if (st == MP_OK && v != NULL && v->why.reason != MP_REASON_NOMEM)
				assert_true(v->result == MP_DMARC_PASS ||
				            v->result == MP_DMARC_TEMPERROR);
		}
		mp_alloc_fail_after(0);
		mp_arena_fini(&a);
		mp_resolver_free(r);
	}
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
	if ((psl = mp_dmarc_psl_load(path, &why)) == NULL)
		psl = mp_dmarc_psl_load(NULL, &why);
	zone = mp_zone_new();
	if (psl == NULL || zone == NULL ||
	    mp_zone_parse(zone, MP_STR_LIT(zone_text), "test", MP_STR_NULL, &why) != MP_OK)
		return 1;
	mp_zone_fail(zone, MP_STR_LIT("_dmarc.bad.example.com"), 0, MP_DNS_SERVFAIL);
	mp_zone_fail(zone, MP_STR_LIT("_dmarc.fail.example"), 0, MP_DNS_TIMEOUT);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mp_dmarc_psl_free(psl);
	mp_zone_free(zone);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_author_error),
		cmocka_unit_test(test_enomem),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
