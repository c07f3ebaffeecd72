/* test_spf.c - SPF record parser, macro expander, evaluator and header text,
 * as tables of named cases over in-memory zone data (no mocks). */
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
	"$ORIGIN example.test.\n"
	"@            TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx a:mail.example.test -all\"\n"
	"@            MX 10 mx1\n"
	"@            MX 20 mx2\n"
	"mx1          A 198.51.100.1\n"
	"mx2          A 198.51.100.2\n"
	"mx2          AAAA 2001:db8:ffff::2\n"
	"mail         A 203.0.113.9\n"
	"soft         TXT \"v=spf1 ~all\"\n"
	"neutral      TXT \"v=spf1 ?all\"\n"
	"plusall      TXT \"v=spf1 +all\"\n"
	"empty        TXT \"v=spf1\"\n"
	"none         A 192.0.2.1\n"
	"two          TXT \"v=spf1 -all\"\n"
	"two          TXT \"v=spf1 +all\"\n"
	"syntax       TXT \"v=spf1 foo:bar -all\"\n"
	"dupredir     TXT \"v=spf1 redirect=a.example.test redirect=b.example.test\"\n"
	"inc          TXT \"v=spf1 include:example.test ~all\"\n"
	"incnone      TXT \"v=spf1 include:none.example.test -all\"\n"
	"redir        TXT \"v=spf1 redirect=example.test\"\n"
	"redirnone    TXT \"v=spf1 redirect=none.example.test\"\n"
	"loop         TXT \"v=spf1 include:loop.example.test -all\"\n"
	"rloop        TXT \"v=spf1 redirect=rloop.example.test\"\n"
	"voids        TXT \"v=spf1 a:n1.example.test a:n2.example.test a:n3.example.test -all\"\n"
	"twovoids     TXT \"v=spf1 a:n1.example.test a:n2.example.test +all\"\n"
	"exists       TXT \"v=spf1 exists:%{i}.bl.example.test -all\"\n"
	"192.0.2.77.bl A 127.0.0.2\n"
	"exp          TXT \"v=spf1 -all exp=why.example.test\"\n"
	"why          TXT \"%{i} may not send for %{d} (%{l})\"\n"
	"dual         TXT \"v=spf1 a:mail.example.test/24//64 -all\"\n"
	"ptr          TXT \"v=spf1 ptr -all\"\n"
	"77.2.0.192.in-addr.arpa. PTR host.ptr.example.test.\n"
	"host.ptr     A 192.0.2.77\n"
	"mxmany       TXT \"v=spf1 mx -all\"\n"
	"mxmany       MX 1 h1\n" "mxmany MX 2 h2\n" "mxmany MX 3 h3\n" "mxmany MX 4 h4\n"
	"mxmany       MX 5 h5\n" "mxmany MX 6 h6\n" "mxmany MX 7 h7\n" "mxmany MX 8 h8\n"
	"mxmany       MX 9 h9\n" "mxmany MX 10 h10\n" "mxmany MX 11 h11\n"
	"tempfail     TXT \"v=spf1 a:down.example.test -all\"\n"
	"eleven       A 10.9.9.9\n"
	"ten          A 10.9.9.9\n"
	"eleven       TXT \"v=spf1 a a a a a a a a a a a -all\"\n"
	"ten          TXT \"v=spf1 a a a a a a a a a a ip4:192.0.2.1 -all\"\n"
	"upper        TXT \"V=SPF1 IP4:192.0.2.1 -ALL\"\n"
	"split        TXT \"v=spf1 ip4:\" \"192.0.2.1 -all\"\n"
	"helo         TXT \"v=spf1 ip4:192.0.2.5 -all\"\n";

struct fixture {
	struct mp_zone *zone;
	struct mp_resolver *res;
};

static int
setup(void **state)
{
	static struct fixture f;
	struct mp_why why;

	f.zone = mp_zone_new();
	assert_non_null(f.zone);
	mp_why_clear(&why);
	assert_int_equal(mp_zone_parse(f.zone, MP_STR_LIT(zone_text), "test", MP_STR_NULL, &why),
	    MP_OK);
	assert_int_equal(mp_zone_fail(f.zone, MP_STR_LIT("down.example.test"), 0, MP_DNS_TIMEOUT),
	    MP_OK);
	f.res = mp_resolver_new_zone(f.zone);
	assert_non_null(f.res);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mp_resolver_free(f->res);
	mp_zone_free(f->zone);
	return 0;
}

/* request - the SPF request of one case (receiver mx.receiver.test) */
static struct mp_spf_request
request(const char *ip, const char *from, const char *helo, enum mp_spf_identity id)
{
	struct mp_spf_request req = { 0 };

	assert_true(mp_spf_ip_parse(mp_str_c(ip), &req.ip));
	req.mail_from = mp_str_c(from);
	req.helo = mp_str_c(helo);
	req.identity = id;
	req.receiver = MP_STR_LIT("mx.receiver.test");
	return req;
}

/* evaluate - run check_host() for req over the zone; the caller frees it */
static struct mp_spf_eval *
evaluate(struct fixture *f, const struct mp_spf_request *req)
{
	struct mp_spf_eval *ev;
	struct mp_dns_client c;

	assert_int_equal(mp_spf_eval_new(req, &ev), MP_OK);
	mp_spf_eval_client(ev, &c);
	assert_int_equal(mp_dns_drive(f->res, &c), MP_OK);
	return ev;
}

/* run - evaluate one case; the mechanism and explanation are copied out */
static enum mp_spf_result
run(struct fixture *f, const char *ip, const char *from, const char *helo,
    enum mp_spf_identity id, enum mp_reason *why, char *mech, size_t mechlen,
    char *exp, size_t explen)
{
	struct mp_spf_request req = request(ip, from, helo, id);
	struct mp_spf_eval *ev = evaluate(f, &req);
	const struct mp_spf_outcome *o = mp_spf_eval_outcome(ev);
	enum mp_spf_result r = o->result;

	*why = o->why.reason;
	snprintf(mech, mechlen, "%.*s", (int)o->mechanism.len, o->mechanism.ptr ? o->mechanism.ptr : "");
	snprintf(exp, explen, "%.*s", (int)o->explanation.len,
	    o->explanation.ptr ? o->explanation.ptr : "");
	mp_spf_eval_free(ev);
	return r;
}

static const struct eval_case {
	const char *name, *ip, *from;
	enum mp_spf_result want;
	enum mp_reason why;
	const char *mech;
	const char *exp;                /* NULL: not checked */
	const char *helo;               /* NULL: "h.test" */
	enum mp_spf_identity id;        /* MAIL FROM unless set */
} eval_cases[] = {
	{ "ip4 match", "192.0.2.10", "a@example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ip4:192.0.2.0/24" },
	{ "ip6 match", "2001:db8::1", "a@example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ip6:2001:db8::/32" },
	{ "ipv4-mapped ipv6 is ipv4", "::ffff:192.0.2.10", "a@example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "ip4:192.0.2.0/24" },
	{ "mx match (second host)", "198.51.100.2", "a@example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "mx" },
	{ "mx match ipv6", "2001:db8:ffff::2", "a@example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "ip6:2001:db8::/32" },
	{ "a with domain", "203.0.113.9", "a@example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "a:mail.example.test" },
	{ "dual cidr a/24", "203.0.113.200", "a@dual.example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "a:mail.example.test/24//64" },
	{ "-all fails", "10.0.0.1", "a@example.test", MP_SPF_FAIL, MP_REASON_SPF_MATCHED,
	  "-all" },
	{ "~all softfails", "10.0.0.1", "a@soft.example.test", MP_SPF_SOFTFAIL,
	  MP_REASON_SPF_MATCHED, "~all" },
	{ "?all neutral", "10.0.0.1", "a@neutral.example.test", MP_SPF_NEUTRAL,
	  MP_REASON_SPF_MATCHED, "?all" },
	{ "no match is neutral", "10.0.0.1", "a@empty.example.test", MP_SPF_NEUTRAL,
	  MP_REASON_SPF_DEFAULT, "default" },
	{ "no record", "10.0.0.1", "a@none.example.test", MP_SPF_NONE, MP_REASON_SPF_NO_RECORD,
	  "" },
	{ "no domain", "10.0.0.1", "a@nx.example.test", MP_SPF_NONE, MP_REASON_SPF_NO_DOMAIN,
	  "" },
	{ "single label", "10.0.0.1", "a@localhost", MP_SPF_NONE, MP_REASON_SPF_BAD_DOMAIN, "" },
	{ "two records", "10.0.0.1", "a@two.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_MULTIPLE_RECORDS, "" },
	{ "unknown mechanism", "10.0.0.1", "a@syntax.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_SYNTAX, "" },
	{ "redirect twice", "10.0.0.1", "a@dupredir.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_DUP_MODIFIER, "" },
	{ "include pass", "192.0.2.10", "a@inc.example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "include:example.test" },
	{ "include fail is no match", "10.0.0.1", "a@inc.example.test", MP_SPF_SOFTFAIL,
	  MP_REASON_SPF_MATCHED, "~all" },
	{ "include of none", "10.0.0.1", "a@incnone.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_INCLUDE_NONE, "include:none.example.test" },
	{ "redirect", "192.0.2.10", "a@redir.example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ip4:192.0.2.0/24" },
	{ "redirect to none", "10.0.0.1", "a@redirnone.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_REDIRECT_NONE, "" },
	{ "include loop hits the limit", "10.0.0.1", "a@loop.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_TOO_MANY_LOOKUPS, "include:loop.example.test" },
	{ "redirect loop hits the limit", "10.0.0.1", "a@rloop.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_TOO_MANY_LOOKUPS, "redirect=rloop.example.test" },
	{ "third void lookup", "10.0.0.1", "a@voids.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_TOO_MANY_VOID, "a:n3.example.test" },
	{ "two void lookups are fine", "10.0.0.1", "a@twovoids.example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "+all" },
	{ "eleven lookups", "10.0.0.1", "a@eleven.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_TOO_MANY_LOOKUPS, "a" },
	{ "ten lookups then ip4", "192.0.2.1", "a@ten.example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "ip4:192.0.2.1" },
	{ "exists with %{i}", "192.0.2.77", "a@exists.example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "exists:%{i}.bl.example.test" },
	{ "exists no match", "192.0.2.78", "a@exists.example.test", MP_SPF_FAIL,
	  MP_REASON_SPF_MATCHED, "-all" },
	{ "exp on fail", "192.0.2.9", "joe@exp.example.test", MP_SPF_FAIL, MP_REASON_SPF_MATCHED,
	  "-all", "192.0.2.9 may not send for exp.example.test (joe)" },
	{ "ptr validated", "192.0.2.77", "a@ptr.example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ptr" },
	{ "ptr not validated", "192.0.2.78", "a@ptr.example.test", MP_SPF_FAIL,
	  MP_REASON_SPF_MATCHED, "-all" },
	{ "more than 10 MX names", "10.0.0.1", "a@mxmany.example.test", MP_SPF_PERMERROR,
	  MP_REASON_SPF_TOO_MANY_MX, "mx" },
	{ "dns timeout", "10.0.0.1", "a@tempfail.example.test", MP_SPF_TEMPERROR,
	  MP_REASON_SPF_DNS_ERROR, "a:down.example.test" },
	{ "upper-case record", "192.0.2.1", "a@upper.example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "IP4:192.0.2.1" },
	{ "strings joined", "192.0.2.1", "a@split.example.test", MP_SPF_PASS,
	  MP_REASON_SPF_MATCHED, "ip4:192.0.2.1" },
	{ "null reverse-path uses HELO", "192.0.2.5", "", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ip4:192.0.2.5", .helo = "helo.example.test" },
	{ "null reverse-path <>", "192.0.2.6", "<>", MP_SPF_FAIL, MP_REASON_SPF_MATCHED, "-all",
	  .helo = "helo.example.test" },
	{ "helo identity", "192.0.2.5", "x@example.test", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ip4:192.0.2.5", .helo = "helo.example.test", .id = MP_SPF_ID_HELO },
	{ "bracketed path", "192.0.2.10", "<a@example.test>", MP_SPF_PASS, MP_REASON_SPF_MATCHED,
	  "ip4:192.0.2.0/24" },
};

static void
test_eval_table(void **state)
{
	struct fixture *f = *state;
	char mech[200], exp[300];

	for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
		const struct eval_case *c = &eval_cases[i];
		enum mp_reason why;
		enum mp_spf_result got = run(f, c->ip, c->from, c->helo ? c->helo : "h.test", c->id,
		    &why, mech, sizeof mech, exp, sizeof exp);

		if (got != c->want || why != c->why || strcmp(mech, c->mech) != 0 ||
		    (c->exp && strcmp(exp, c->exp) != 0))
			fail_msg("%s: got %s/%s mech '%s' exp '%s'; want %s/%s mech '%s'", c->name,
			    mp_spf_result_name(got), mp_reason_token(why), mech, exp,
			    mp_spf_result_name(c->want), mp_reason_token(c->why), c->mech);
	}
}

static const struct parse_case {
	const char *name, *record;
	enum mp_reason why;
	size_t nterms;
} parse_cases[] = {
	{ "minimal", "v=spf1", MP_REASON_NONE, 0 },
	{ "trailing spaces", "v=spf1 -all   ", MP_REASON_NONE, 1 },
	{ "every mechanism", "v=spf1 +all -include:a.test ~a ?mx ptr ip4:1.2.3.4/8 "
	  "ip6:::1/64 exists:%{i}.x.test a:b.test/24//64 mx//0", MP_REASON_NONE, 10 },
	{ "modifiers", "v=spf1 redirect=x.test exp=e.test foo=bar", MP_REASON_NONE, 3 },
	{ "unknown mechanism", "v=spf1 foo:bar", MP_REASON_SPF_SYNTAX, 0 },
	{ "redirect twice", "v=spf1 redirect=a.test redirect=b.test", MP_REASON_SPF_DUP_MODIFIER, 0 },
	{ "exp twice", "v=spf1 exp=a.test exp=b.test", MP_REASON_SPF_DUP_MODIFIER, 0 },
	{ "ip4 cidr too big", "v=spf1 ip4:1.2.3.4/33", MP_REASON_SPF_SYNTAX, 0 },
	{ "ip6 cidr too big", "v=spf1 ip6:::1/129", MP_REASON_SPF_SYNTAX, 0 },
	{ "ip4 leading zero cidr", "v=spf1 ip4:1.2.3.4/08", MP_REASON_SPF_SYNTAX, 0 },
	{ "bad ip4", "v=spf1 ip4:1.2.3", MP_REASON_SPF_SYNTAX, 0 },
	{ "numeric toplabel", "v=spf1 a:foo.123", MP_REASON_SPF_SYNTAX, 0 },
	{ "dash toplabel", "v=spf1 a:abc.123-456", MP_REASON_NONE, 1 },
	{ "single label target", "v=spf1 include:museum", MP_REASON_SPF_SYNTAX, 0 },
	{ "empty include", "v=spf1 include:", MP_REASON_SPF_SYNTAX, 0 },
	{ "bad macro letter", "v=spf1 exists:%{q}.x.test", MP_REASON_SPF_SYNTAX, 0 },
	{ "exp-only macro in domain", "v=spf1 exists:%{c}.x.test", MP_REASON_SPF_SYNTAX, 0 },
	{ "zero digit transformer", "v=spf1 exists:%{d0}.x.test", MP_REASON_SPF_SYNTAX, 0 },
	{ "qualifier on modifier", "v=spf1 -redirect=x.test", MP_REASON_SPF_SYNTAX, 0 },
	{ "tab is not a separator", "v=spf1\t-all", MP_REASON_SPF_SYNTAX, 0 },
	{ "non-ascii", "v=spf1 a:\xc3\xa9.test", MP_REASON_SPF_SYNTAX, 0 },
	{ "not spf", "v=spf10 -all", MP_REASON_SPF_SYNTAX, 0 },
};

static void
test_parse_table(void **state)
{
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		struct mp_spf_record rec;
		struct mp_why why;

		mp_why_clear(&why);
		assert_int_equal(mp_spf_record_parse(mp_str_c(c->record), &a, &rec, &why), MP_OK);
		if (why.reason != c->why || (c->why == MP_REASON_NONE && rec.nterms != c->nterms))
			fail_msg("%s: got %s (%s), %zu terms", c->name, mp_reason_token(why.reason),
			    why.text, rec.nterms);
	}
	mp_arena_fini(&a);
}

/* RFC 7208 §7.4 examples: sender strong-bad@email.example.com, IP 192.0.2.3
 * / 2001:db8::cb01, domain email.example.com. */
static const struct macro_case {
	const char *name, *in, *ip;
	bool is_domain;
	const char *want;
} macro_cases[] = {
	{ "s", "%{s}", "192.0.2.3", true, "strong-bad@email.example.com" },
	{ "o", "%{o}", "192.0.2.3", true, "email.example.com" },
	{ "d", "%{d}", "192.0.2.3", true, "email.example.com" },
	{ "d4", "%{d4}", "192.0.2.3", true, "email.example.com" },
	{ "d3", "%{d3}", "192.0.2.3", true, "email.example.com" },
	{ "d2", "%{d2}", "192.0.2.3", true, "example.com" },
	{ "d1", "%{d1}", "192.0.2.3", true, "com" },
	{ "dr", "%{dr}", "192.0.2.3", true, "com.example.email" },
	{ "d2r", "%{d2r}", "192.0.2.3", true, "example.email" },
	{ "l", "%{l}", "192.0.2.3", true, "strong-bad" },
	{ "l-", "%{l-}", "192.0.2.3", true, "strong.bad" },
	{ "lr", "%{lr}", "192.0.2.3", true, "strong-bad" },
	{ "lr-", "%{lr-}", "192.0.2.3", true, "bad.strong" },
	{ "l1r-", "%{l1r-}", "192.0.2.3", true, "strong" },
	{ "ir v", "%{ir}.%{v}._spf.%{d2}", "192.0.2.3", true,
	  "3.2.0.192.in-addr._spf.example.com" },
	{ "lr- l", "%{lr-}.lp._spf.%{d2}", "192.0.2.3", true, "bad.strong.lp._spf.example.com" },
	{ "ir d2 six", "%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01", true,
	  "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com" },
	{ "escapes", "%%%_%-", "192.0.2.3", false, "% %20" },
	{ "url escape", "%{S}", "192.0.2.3", false, "strong-bad%40email.example.com" },
	{ "c and r in exp", "%{c} %{r} %{t}", "2001:db8::cb01", false,
	  "2001:db8::cb01 mx.receiver.test 1400000000" },
	{ "p unknown", "%{p}", "192.0.2.3", true, "unknown" },
};

static void
test_macro_table(void **state)
{
	struct mp_spf_macro_env env = { 0 };
	struct mp_buf out;

	(void)state;
	env.sender = MP_STR_LIT("strong-bad@email.example.com");
	env.local = MP_STR_LIT("strong-bad");
	env.sender_domain = env.domain = MP_STR_LIT("email.example.com");
	env.helo = MP_STR_LIT("h.test");
	env.receiver = MP_STR_LIT("mx.receiver.test");
	env.ptr_name = MP_STR_LIT("unknown");
	env.now = 1400000000;
	mp_buf_init(&out, 4096);
	for (size_t i = 0; i < sizeof macro_cases / sizeof macro_cases[0]; i++) {
		const struct macro_case *c = &macro_cases[i];
		enum mp_spf_macro_rc rc;

		assert_true(mp_spf_ip_parse(mp_str_c(c->ip), &env.ip));
		mp_buf_reset(&out);
		rc = mp_spf_macro_expand(mp_str_c(c->in), &env, c->is_domain, 1024, &out);
		if (rc != MP_SPF_MACRO_OK || strcmp(out.ptr ? out.ptr : "", c->want) != 0)
			fail_msg("%s: rc %d got '%s' want '%s'", c->name, rc, out.ptr ? out.ptr : "",
			    c->want);
	}
	mp_buf_fini(&out);
}

static void
test_macro_253(void **state)
{
	struct mp_spf_macro_env env = { 0 };
	struct mp_buf out;
	char local[200];

	(void)state;
	memset(local, 'x', sizeof local - 1);
	local[sizeof local - 1] = '\0';
	for (size_t i = 10; i < sizeof local - 1; i += 10)
		local[i] = '.';
	env.local = mp_str_c(local);
	env.domain = MP_STR_LIT("example.com");
	mp_buf_init(&out, 4096);
	assert_int_equal(mp_spf_macro_expand(MP_STR_LIT("%{l}.%{l}.example.com"), &env, true,
	    1024, &out), MP_SPF_MACRO_OK);
	assert_true(out.len <= 253);
	assert_true(mp_str_ends_nocase(mp_buf_str(&out), MP_STR_LIT(".example.com")));
	assert_true(out.ptr[0] != '.');
	mp_buf_fini(&out);
}

static void
test_ip(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "192.0.2.1", "192.0.2.1" }, { "2001:db8::1", "2001:db8::1" },
		{ "2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1" }, { "::", "::" },
		{ "::ffff:192.0.2.1", "192.0.2.1" }, { "fe80::1:2", "fe80::1:2" },
		{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" }, { "1::", "1::" },
	};
	static const char *bad[] = { "1.2.3", "1.2.3.256", "01.2.3.4", "1:2:3:4:5:6:7:8:9",
		"1::2::3", "12345::", ":1", "1:", "" };
	struct mp_spf_ip ip;
	char out[46];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(mp_spf_ip_parse(mp_str_c(cases[i].in), &ip));
		mp_spf_ip_format(&ip, out);
		assert_string_equal(out, cases[i].out);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (mp_spf_ip_parse(mp_str_c(bad[i]), &ip))
			fail_msg("accepted bad address '%s'", bad[i]);
}

static void
test_received_spf(void **state)
{
	struct fixture *f = *state;
	struct mp_spf_request req = request("192.0.2.10", "<a@example.test>", "client \"x\".test",
	    MP_SPF_ID_MAILFROM);
	struct mp_spf_eval *ev = evaluate(f, &req);
	struct mp_buf b;

	mp_buf_init(&b, 4096);
	assert_int_equal(mp_spf_received_spf(&req, mp_spf_eval_outcome(ev), &b), MP_OK);
	assert_string_equal(b.ptr, "Received-SPF: pass (mx.receiver.test: domain of "
	    "a@example.test designates 192.0.2.10 as permitted sender) "
	    "receiver=mx.receiver.test; client-ip=192.0.2.10; "
	    "envelope-from=\"a@example.test\"; helo=\"client \\\"x\\\".test\"; "
	    "identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";");
	mp_buf_reset(&b);
	assert_int_equal(mp_spf_authres(mp_spf_eval_outcome(ev), &b), MP_OK);
	assert_string_equal(b.ptr, "spf=pass smtp.mailfrom=a@example.test");
	mp_buf_fini(&b);
	mp_spf_eval_free(ev);
}

/* every allocation failing in turn: MP_ENOMEM or a result, never a leak */
static void
test_enomem(void **state)
{
	struct fixture *f = *state;
	struct mp_spf_request req = request("192.0.2.77", "joe@inc.example.test", "h.test",
	    MP_SPF_ID_MAILFROM);

	for (unsigned long n = 1; n < 40; n++) {
		struct mp_spf_eval *ev = NULL;
		struct mp_dns_client c;
		enum mp_status st;

		mp_alloc_fail_after(n);
		st = mp_spf_eval_new(&req, &ev);
		if (st == MP_OK) {
			mp_spf_eval_client(ev, &c);
			st = mp_dns_drive(f->res, &c);
			if (st == MP_OK)
				assert_int_not_equal(mp_spf_eval_outcome(ev)->result, MP_SPF_NONE);
		}
		mp_alloc_fail_after(0);
		assert_true(st == MP_OK || st == MP_ENOMEM);
		mp_spf_eval_free(ev);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval_table),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_macro_table),
		cmocka_unit_test(test_macro_253),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_received_spf),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
