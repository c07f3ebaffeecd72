/* test_verify.c - the verify use case on whole messages over zone data:
 * every From-robustness case of issue 5 with its exact DMARC result and
 * reason (fail closed: never none, never pass for an ambiguous From),
 * identities other than From (reported, never used), limits as results,
 * DNS trouble as temperror, and the Authentication-Results field. */
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
#include <mailproof/verify.h>

static const char zone_text[] =
	"bank.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"_dmarc.bank.example. TXT \"v=DMARC1; p=reject\"\n"
	"mx.bank.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"attacker.example. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
	"_dmarc.attacker.example. TXT \"v=DMARC1; p=none\"\n"
	"xn--bcher-kva.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"_dmarc.xn--bcher-kva.example. TXT \"v=DMARC1; p=quarantine\"\n"
	"plain.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n";

#define BANK_IP "192.0.2.7"
#define EVIL_IP "198.51.100.7"

struct vcase {
	const char *name;
	const char *msg;
	size_t len;                     /* 0: strlen */
	const char *ip, *helo, *mail_from;
	enum mp_dmarc_result want;
	enum mp_reason why;
	const char *domain;             /* header.from; NULL: none */
};

#define BODY "\r\nbody\r\n"
#define M(s) s, sizeof(s) - 1
#define RM(x) MP_REASON_MSG_##x
#define RD(x) MP_REASON_DMARC_##x

static const struct vcase cases[] = {
	/* baseline */
	{ "aligned SPF pass", M("From: a@bank.example\r\nSubject: x\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PASS, RD(ALIGNED), "bank.example" },
	{ "spoofed From, attacker's SPF", M("From: a@bank.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "x@attacker.example", MP_DMARC_FAIL, RD(NOT_ALIGNED),
	  "bank.example" },
	{ "no record: none", M("From: a@plain.example\r\n" BODY),
	  BANK_IP, "h.plain.example", "a@plain.example", MP_DMARC_NONE, RD(NO_RECORD),
	  "plain.example" },
	/* From fields */
	{ "zero From fields", M("Subject: x\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(NO_FROM), NULL },
	{ "two From fields", M("From: a@bank.example\r\nFrom: b@bank.example\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(MULTIPLE_FROM),
	  NULL },
	{ "two From fields, different domains",
	  M("From: a@attacker.example\r\nFrom: b@bank.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "a@attacker.example", MP_DMARC_PERMERROR,
	  RM(MULTIPLE_FROM), NULL },
	{ "two From fields, different case",
	  M("From: a@attacker.example\r\nFROM: b@bank.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "a@attacker.example", MP_DMARC_PERMERROR,
	  RM(MULTIPLE_FROM), NULL },
	{ "second From with space before colon",
	  M("From: a@attacker.example\r\nFrom : b@bank.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "a@attacker.example", MP_DMARC_PERMERROR,
	  RM(MULTIPLE_FROM), NULL },
	{ "only From with space before colon", M("From : a@bank.example\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(WS_BEFORE_COLON),
	  NULL },
	{ "several addresses", M("From: a@attacker.example, b@bank.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "a@attacker.example", MP_DMARC_PERMERROR,
	  RM(MULTIPLE_AUTHORS), NULL },
	{ "group", M("From: team: a@bank.example;\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(FROM_GROUP), NULL },
	{ "empty address", M("From: <>\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(EMPTY_ADDRESS),
	  NULL },
	{ "empty From", M("From: \r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(EMPTY_ADDRESS),
	  NULL },
	{ "address without domain", M("From: alice\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(NO_DOMAIN), NULL },
	/* addresses built to mislead */
	{ "display name holds an address",
	  M("From: \"admin@bank.example\" <evil@attacker.example>\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_PASS, RD(ALIGNED),
	  "attacker.example" },
	{ "quoted local part with @",
	  M("From: \"admin@bank.example\"@attacker.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_PASS, RD(ALIGNED),
	  "attacker.example" },
	{ "comment holds the bank",
	  M("From: evil@attacker.example (admin@bank.example)\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_PASS, RD(ALIGNED),
	  "attacker.example" },
	{ "comment inside the address",
	  M("From: evil(bank.example)@attacker.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_PASS, RD(ALIGNED),
	  "attacker.example" },
	{ "encoded word decoding to an address, spoofing",
	  M("From: =?utf-8?q?admin=40bank=2Eexample?= <evil@attacker.example>\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_PASS, RD(ALIGNED),
	  "attacker.example" },
	{ "encoded word as the address",
	  M("From: =?utf-8?q?admin=40bank=2Eexample?=\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_PERMERROR,
	  RM(NO_DOMAIN), NULL },
	{ "UTF-8 domain", M("From: a@b\xc3\xbc" "cher.example\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@xn--bcher-kva.example", MP_DMARC_PASS, RD(ALIGNED),
	  "xn--bcher-kva.example" },
	{ "IDNA domain", M("From: a@xn--bcher-kva.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_FAIL, RD(NOT_ALIGNED),
	  "xn--bcher-kva.example" },
	{ "NUL byte in From", "From: a@bank.example\0.attacker.example\r\n" BODY,
	  sizeof("From: a@bank.example\0.attacker.example\r\n" BODY) - 1,
	  EVIL_IP, "mx.attacker.example", "a@attacker.example", MP_DMARC_PERMERROR, RM(NUL_BYTE),
	  NULL },
	{ "NUL byte in the display name", "From: Bank\0 <a@bank.example>\r\n" BODY,
	  sizeof("From: Bank\0 <a@bank.example>\r\n" BODY) - 1,
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(NUL_BYTE), NULL },
	{ "trailing dot", M("From: a@bank.example.\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "x@attacker.example", MP_DMARC_PERMERROR,
	  RM(TRAILING_DOT), NULL },
	{ "upper-case domain", M("From: A@BANK.EXAMPLE\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PASS, RD(ALIGNED), "bank.example" },
	{ "domain literal", M("From: a@[192.0.2.1]\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_PERMERROR, RM(DOMAIN_LITERAL),
	  NULL },
	/* SPF identities */
	{ "null MAIL FROM, HELO of the From domain", M("From: a@bank.example\r\n" BODY),
	  BANK_IP, "bank.example", "<>", MP_DMARC_PASS, RD(ALIGNED), "bank.example" },
	{ "null MAIL FROM, HELO as an IP literal", M("From: a@bank.example\r\n" BODY),
	  BANK_IP, "[192.0.2.7]", "<>", MP_DMARC_FAIL, RD(NO_AUTH), "bank.example" },
	{ "MAIL FROM with trailing garbage", M("From: a@bank.example\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example.attacker.example", MP_DMARC_FAIL,
	  RD(NO_AUTH), "bank.example" },
	/* other identities: reported, never used */
	{ "Sender differs", M("From: a@bank.example\r\nSender: evil@attacker.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_FAIL, RD(NOT_ALIGNED),
	  "bank.example" },
	{ "Resent-From differs",
	  M("From: a@bank.example\r\nResent-From: evil@attacker.example\r\n" BODY),
	  EVIL_IP, "mx.attacker.example", "evil@attacker.example", MP_DMARC_FAIL, RD(NOT_ALIGNED),
	  "bank.example" },
	/* DNS trouble */
	{ "DMARC record SERVFAIL", M("From: a@servfail.example\r\n" BODY),
	  BANK_IP, "mx.bank.example", "a@bank.example", MP_DMARC_TEMPERROR, RD(DNS_TEMPERROR),
	  "servfail.example" },
};

static struct mp_zone *zone;

/* verify - one message; result owned by *vp */
static const struct mp_verify_result *
verify(struct mp_verify **vp, const char *msg, size_t len, const char *ip, const char *helo,
       const char *from)
{
	struct mp_verify_opts o = { .authserv_id = MP_STR_LIT("mx.test") };
	struct mp_verify_envelope env = { 0 };
	struct mp_resolver *r = mp_resolver_new_zone(zone);
	struct mp_dns_client c;
	const struct mp_verify_result *res;

	assert_non_null(r);
	*vp = mp_verify_new(&o);
	assert_non_null(*vp);
	if (ip != NULL) {
		env.has_ip = true;
		assert_true(mp_spf_ip_parse(mp_str_c(ip), &env.ip));
	}
	env.helo = mp_str_c(helo ? helo : "");
	env.mail_from = mp_str_c(from && strcmp(from, "<>") != 0 ? from : "");
	assert_int_equal(mp_verify_start(*vp, &env), MP_OK);
	/* feed in small chunks: parsers must not care */
	for (size_t i = 0; i < len; i += 7)
		assert_int_equal(mp_verify_feed(*vp, msg + i, len - i < 7 ? len - i : 7), MP_OK);
	assert_int_equal(mp_verify_end(*vp), MP_OK);
	c = mp_verify_client(*vp);
	assert_int_equal(mp_dns_drive(r, &c), MP_OK);
	res = mp_verify_result(*vp);
	assert_non_null(res);
	assert_non_null(res->dmarc);
	mp_resolver_free(r);
	return res;
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vcase *c = &cases[i];
		struct mp_verify *v;
		const struct mp_verify_result *r;
		const struct mp_dmarc_verdict *d;

		print_message("case: %s\n", c->name);
		r = verify(&v, c->msg, c->len ? c->len : strlen(c->msg), c->ip, c->helo, c->mail_from);
		d = r->dmarc;
		if ((d->result != c->want || d->why.reason != c->why) && getenv("VERIFY_LIST")) {
			print_message("MISMATCH %s: got %s/%s (%s) from=%.*s\n", c->name,
			              mp_dmarc_result_name(d->result), mp_reason_token(d->why.reason),
			              d->why.text, (int)d->domain.len, d->domain.ptr);
			mp_verify_free(v);
			continue;
		}
		if (d->result != c->want || d->why.reason != c->why)
			fail_msg("%s: got %s/%s (%s), want %s/%s", c->name,
			         mp_dmarc_result_name(d->result), mp_reason_token(d->why.reason),
			         d->why.text, mp_dmarc_result_name(c->want), mp_reason_token(c->why));
		if (c->domain != NULL) {
			char want[256];
			assert_true(mp_str_eq_c(d->domain, c->domain));
			snprintf(want, sizeof want, "header.from=%s", c->domain);
			assert_non_null(strstr(r->authres.ptr, want));
		} else {
			assert_int_equal(d->domain.len, 0);
			assert_null(strstr(r->authres.ptr, "header.from"));
		}
		/* never a pass without a single author */
		if (!r->has_author)
			assert_int_not_equal(d->result, MP_DMARC_PASS);
		mp_verify_free(v);
	}
}

static void
test_others_reported(void **state)
{
	static const char msg[] = "From: a@bank.example\r\nSender: evil@attacker.example\r\n"
	                          "Resent-From: b@bank.example\r\n" BODY;
	struct mp_verify *v;
	const struct mp_verify_result *r;

	(void)state;
	r = verify(&v, msg, sizeof msg - 1, EVIL_IP, "mx.attacker.example", "evil@attacker.example");
	assert_int_equal(r->nothers, 2);
	assert_true(mp_str_eq_c(r->others[0].domain, "attacker.example"));
	assert_true(r->others[0].differs);
	assert_true(mp_str_eq_c(r->others[1].domain, "bank.example"));
	assert_false(r->others[1].differs);
	assert_true(mp_str_eq_c(r->dmarc->domain, "bank.example"));
	mp_verify_free(v);
}

static void
test_display_has_addr(void **state)
{
	static const char msg[] = "From: \"admin@bank.example\" <evil@attacker.example>\r\n" BODY;
	struct mp_verify *v;
	const struct mp_verify_result *r;

	(void)state;
	r = verify(&v, msg, sizeof msg - 1, EVIL_IP, "mx.attacker.example", "evil@attacker.example");
	assert_true(r->has_author);
	assert_true(r->author.display_has_addr);
	assert_true(mp_str_eq_c(r->author.domain_lc, "attacker.example"));
	mp_verify_free(v);
}

/* a limit is a result: permerror naming it, in the same result */
static void
test_limits(void **state)
{
	struct mp_verify *v;
	const struct mp_verify_result *r;
	struct mp_buf b;

	(void)state;
	mp_buf_init(&b, 1u << 24);
	assert_int_equal(mp_buf_append_c(&b, "From: a@bank.example\r\n"), MP_OK);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(mp_buf_printf(&b, "X-Filler-%d: y\r\n", i), MP_OK);
	assert_int_equal(mp_buf_append_c(&b, BODY), MP_OK);
	r = verify(&v, b.ptr, b.len, BANK_IP, "mx.bank.example", "a@bank.example");
	assert_int_equal(r->dmarc->result, MP_DMARC_PERMERROR);
	assert_int_equal(r->dmarc->why.reason, MP_REASON_MSG_TOO_MANY_FIELDS);
	assert_int_equal(r->msg_why.reason, MP_REASON_MSG_TOO_MANY_FIELDS);
	assert_int_equal(r->dkim_why.reason, MP_REASON_VERIFY_DKIM_LIMIT);
	assert_non_null(strstr(r->authres.ptr, "dmarc=permerror"));
	mp_verify_free(v);

	/* a 10 KB From of one mailbox is legal: evaluated normally */
	mp_buf_reset(&b);
	assert_int_equal(mp_buf_append_c(&b, "From: \""), MP_OK);
	for (int i = 0; i < 10240; i++)
		assert_int_equal(mp_buf_append_byte(&b, 'x'), MP_OK);
	assert_int_equal(mp_buf_append_c(&b, "\" <a@bank.example>\r\n" BODY), MP_OK);
	r = verify(&v, b.ptr, b.len, BANK_IP, "mx.bank.example", "a@bank.example");
	assert_int_equal(r->dmarc->result, MP_DMARC_PASS);
	mp_verify_free(v);

	/* a 10 KB From of 701 mailboxes: ambiguous, said as such (the
	 * parser's memory is linear in the field, far within the arena) */
	mp_buf_reset(&b);
	assert_int_equal(mp_buf_append_c(&b, "From: a@bank.example"), MP_OK);
	for (int i = 0; i < 700; i++)
		assert_int_equal(mp_buf_append_c(&b, ", x@y.example"), MP_OK);
	assert_int_equal(mp_buf_append_c(&b, "\r\n" BODY), MP_OK);
	r = verify(&v, b.ptr, b.len, BANK_IP, "mx.bank.example", "a@bank.example");
	assert_int_equal(r->dmarc->result, MP_DMARC_PERMERROR);
	assert_int_equal(r->dmarc->why.reason, MP_REASON_MSG_MULTIPLE_AUTHORS);
	assert_string_equal(r->dmarc->why.text, "701 addresses in From");
	assert_int_equal(r->from_why.reason, MP_REASON_MSG_MULTIPLE_AUTHORS);
	assert_false(r->has_author);
	assert_non_null(strstr(r->authres.ptr, "dmarc=permerror reason=msg-multiple-authors"));
	mp_verify_free(v);

	/* past the address parser's limit (MP_LIMIT_ADDRESSES): still the
	 * ambiguity, not a memory limit, and never a pass */
	mp_buf_reset(&b);
	assert_int_equal(mp_buf_append_c(&b, "From: a@bank.example"), MP_OK);
	for (int i = 0; i < MP_LIMIT_ADDRESSES + 100; i++)
		assert_int_equal(mp_buf_append_c(&b, ", x@y.example"), MP_OK);
	assert_int_equal(mp_buf_append_c(&b, "\r\n" BODY), MP_OK);
	r = verify(&v, b.ptr, b.len, BANK_IP, "mx.bank.example", "a@bank.example");
	assert_int_equal(r->dmarc->result, MP_DMARC_PERMERROR);
	assert_int_equal(r->dmarc->why.reason, MP_REASON_MSG_MULTIPLE_AUTHORS);
	assert_non_null(strstr(r->dmarc->why.text, "more than"));
	assert_int_equal(r->from_why.reason, MP_REASON_MSG_MULTIPLE_AUTHORS);
	assert_false(r->has_author);
	mp_verify_free(v);
	mp_buf_fini(&b);
}

/* without an IP, SPF is none with a reason, and DMARC still runs */
static void
test_no_ip(void **state)
{
	static const char msg[] = "From: a@bank.example\r\n" BODY;
	struct mp_verify *v;
	const struct mp_verify_result *r;

	(void)state;
	r = verify(&v, msg, sizeof msg - 1, NULL, NULL, NULL);
	assert_false(r->spf_ran);
	assert_null(r->spf);
	assert_int_equal(r->spf_why.reason, MP_REASON_VERIFY_NO_IP);
	assert_int_equal(r->dmarc->result, MP_DMARC_FAIL);
	assert_int_equal(r->dmarc->why.reason, MP_REASON_DMARC_NO_AUTH);
	assert_string_equal(r->authres.ptr,
	                    "mx.test;\n\tspf=none (no client IP);\n\tdkim=none;\n"
	                    "\tdmarc=fail (p=reject sp=reject dis=reject) header.from=bank.example");
	mp_verify_free(v);
}

/* one object, many messages */
static void
test_reuse(void **state)
{
	struct mp_verify_opts o = { 0 };
	struct mp_verify *v = mp_verify_new(&o);
	struct mp_resolver *r = mp_resolver_new_zone(zone);

	(void)state;
	for (int i = 0; i < 20; i++) {
		static const char good[] = "From: a@bank.example\r\n" BODY;
		static const char two[] = "From: a@bank.example\r\nFrom: b@bank.example\r\n" BODY;
		struct mp_verify_envelope env = { .has_ip = true, .helo = MP_STR_LIT("mx.bank.example"),
		                                  .mail_from = MP_STR_LIT("a@bank.example") };
		const char *m = i % 2 ? two : good;
		size_t len = i % 2 ? sizeof two - 1 : sizeof good - 1;
		struct mp_dns_client c;

		assert_true(mp_spf_ip_parse(MP_STR_LIT(BANK_IP), &env.ip));
		env.has_ip = i % 4 != 2;        /* SPF results must not leak between messages */
		assert_int_equal(mp_verify_start(v, &env), MP_OK);
		assert_int_equal(mp_verify_feed(v, m, len), MP_OK);
		assert_int_equal(mp_verify_end(v), MP_OK);
		c = mp_verify_client(v);
		assert_int_equal(mp_dns_drive(r, &c), MP_OK);
		assert_int_equal(mp_verify_result(v)->dmarc->result,
		                 i % 2 ? MP_DMARC_PERMERROR : i % 4 == 2 ? MP_DMARC_FAIL : MP_DMARC_PASS);
		assert_int_equal(mp_verify_result(v)->spf == NULL, i % 4 == 2);
	}
	mp_resolver_free(r);
	mp_verify_free(v);
}

/* the run's answer cache: same results, repeats answered in-process,
 * DNS trouble never kept */
static void
test_cache(void **state)
{
	struct mp_verify_cache *cache = mp_verify_cache_new(0);
	struct mp_verify_opts o = { .dns_cache = cache };
	struct mp_verify *v = mp_verify_new(&o);
	struct mp_resolver *r = mp_resolver_new_zone(zone);
	uint64_t hits, stored, hits1 = 0, stored3 = 0;

	(void)state;
	assert_non_null(cache);
	for (int i = 0; i < 6; i++) {
		static const char good[] = "From: a@bank.example\r\n" BODY;
		static const char bad[] = "From: a@servfail.example\r\n" BODY;
		struct mp_verify_envelope env = { .has_ip = true, .helo = MP_STR_LIT("mx.bank.example"),
		                                  .mail_from = MP_STR_LIT("a@bank.example") };
		bool fail = i >= 3;
		struct mp_dns_client c;
		const struct mp_verify_result *res;

		assert_true(mp_spf_ip_parse(MP_STR_LIT(BANK_IP), &env.ip));
		assert_int_equal(mp_verify_start(v, &env), MP_OK);
		assert_int_equal(mp_verify_feed(v, fail ? bad : good,
		                                fail ? sizeof bad - 1 : sizeof good - 1), MP_OK);
		assert_int_equal(mp_verify_end(v), MP_OK);
		c = mp_verify_client(v);
		assert_int_equal(mp_dns_drive(r, &c), MP_OK);
		res = mp_verify_result(v);
		assert_int_equal(res->dmarc->result, fail ? MP_DMARC_TEMPERROR : MP_DMARC_PASS);
		mp_verify_cache_stats(cache, &hits, &stored);
		if (i == 0)
			assert_int_equal(hits, 0);
		if (i == 2) {
			assert_true(hits >= 6);   /* 2nd and 3rd message: all from the cache */
			hits1 = hits;
		}
		if (i == 3)
			stored3 = stored;
		if (i == 5) {   /* the SERVFAIL is asked every time, never stored */
			assert_int_equal(stored, stored3);
			assert_true(hits - hits1 >= 3);
		}
	}
	mp_resolver_free(r);
	mp_verify_free(v);
	mp_verify_cache_free(cache);
}

static int
setup(void **state)
{
	struct mp_why why;

	(void)state;
	zone = mp_zone_new();
	if (zone == NULL ||
	    mp_zone_parse(zone, MP_STR_LIT(zone_text), "test", MP_STR_NULL, &why) != MP_OK)
		return 1;
	return mp_zone_fail(zone, MP_STR_LIT("_dmarc.servfail.example"), 0, MP_DNS_SERVFAIL) != MP_OK;
}

static int
teardown(void **state)
{
	(void)state;
	mp_zone_free(zone);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_others_reported),
		cmocka_unit_test(test_display_has_addr),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_no_ip),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
