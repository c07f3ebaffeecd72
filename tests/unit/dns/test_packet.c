/* test_packet.c - the DNS reply parser the libunbound driver uses: rcodes,
 * CNAME chains and loops, compression, malformed packets, the record
 * presentation form, and allocation failures. Packets are built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

/* A tiny packet builder: header, one question, answer records. */
struct pkt {
	uint8_t b[2048];
	size_t len;
	unsigned an;
};

static void
put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->len + n <= sizeof p->b);
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void
put16(struct pkt *p, unsigned v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(p, x, 2);
}

/* put_name - presentation name to wire (no compression) */
static void
put_name(struct pkt *p, const char *name)
{
	uint8_t w[MP_LIMIT_DNS_NAME];
	size_t n;

	assert_true(mp_dns_name_to_wire(mp_str_c(name), w, &n));
	put(p, w, n);
}

/* start - header (QR set, rcode) and the question */
static void
start(struct pkt *p, unsigned rcode, const char *qname, unsigned qtype)
{
	uint8_t hdr[12] = { 0x12, 0x34, 0x81, (uint8_t)(0x80 | rcode), 0, 1, 0, 0, 0, 0, 0, 0 };

	memset(p, 0, sizeof *p);
	put(p, hdr, 12);
	put_name(p, qname);
	put16(p, qtype);
	put16(p, 1);
}

/* rr - one answer record; owner "@12" means a pointer to the question */
static void
rr(struct pkt *p, const char *owner, unsigned type, const void *rdata, size_t rdlen)
{
	if (strcmp(owner, "@12") == 0)
		put16(p, 0xc00c);
	else
		put_name(p, owner);
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	put16(p, (unsigned)rdlen);
	put(p, rdata, rdlen);
	p->an++;
	p->b[6] = (uint8_t)(p->an >> 8);
	p->b[7] = (uint8_t)p->an;
}

/* rr_name - a record whose rdata is a name */
static void
rr_name(struct pkt *p, const char *owner, unsigned type, const char *target)
{
	uint8_t w[MP_LIMIT_DNS_NAME];
	size_t n;

	assert_true(mp_dns_name_to_wire(mp_str_c(target), w, &n));
	rr(p, owner, type, w, n);
}

static const struct mp_dns_answer *
parse(const struct pkt *p, struct mp_arena *a, const char *qname, unsigned qtype)
{
	const struct mp_dns_answer *ans = NULL;

	assert_int_equal(mp_dns_answer_from_packet(p->b, p->len, mp_str_c(qname),
	                                           (uint16_t)qtype, a, &ans), MP_OK);
	assert_non_null(ans);
	return ans;
}

/* text - all records in presentation form, joined by '|' */
static const char *
text(const struct mp_dns_answer *ans, char *out, size_t len)
{
	struct mp_buf b;

	mp_buf_init(&b, 4096);
	for (size_t i = 0; i < ans->nrr; i++) {
		if (i)
			mp_buf_append_byte(&b, '|');
		assert_int_equal(mp_dns_rr_format(&ans->rr[i], &b), MP_OK);
	}
	snprintf(out, len, "%s", b.ptr ? b.ptr : "");
	mp_buf_fini(&b);
	return out;
}

static void
test_present_absent(void **state)
{
	struct pkt p;
	struct mp_arena a;
	const struct mp_dns_answer *ans;
	char out[512];
	const uint8_t txt[] = "\x07v=spf1 \x04-all";
	const uint8_t addr[] = { 192, 0, 2, 1 };

	(void)state;
	mp_arena_init(&a, 1 << 20);
	start(&p, 0, "a.test", MP_DNS_T_TXT);
	rr(&p, "@12", MP_DNS_T_TXT, txt, sizeof txt - 1);
	rr(&p, "@12", MP_DNS_T_A, addr, 4);     /* another type: ignored */
	ans = parse(&p, &a, "A.TEST.", MP_DNS_T_TXT);
	assert_int_equal(ans->status, MP_DNS_OK);
	assert_int_equal(ans->nrr, 1);
	assert_true(mp_str_eq_c(ans->rr[0].u.txt.joined, "v=spf1 -all"));
	assert_int_equal(ans->rr[0].u.txt.nstrings, 2);
	assert_string_equal(text(ans, out, sizeof out), "\"v=spf1 \" \"-all\"");
	assert_int_equal(ans->rr[0].ttl, 300);

	start(&p, 0, "a.test", MP_DNS_T_MX);
	ans = parse(&p, &a, "a.test", MP_DNS_T_MX);
	assert_int_equal(ans->status, MP_DNS_NODATA);
	assert_int_equal(mp_dns_state_of(ans->status), MP_DNS_ABSENT);

	start(&p, 3, "b.test", MP_DNS_T_MX);
	ans = parse(&p, &a, "b.test", MP_DNS_T_MX);
	assert_int_equal(ans->status, MP_DNS_NXDOMAIN);

	start(&p, 2, "b.test", MP_DNS_T_MX);
	ans = parse(&p, &a, "b.test", MP_DNS_T_MX);
	assert_int_equal(ans->status, MP_DNS_SERVFAIL);
	assert_true(mp_str_eq_c(ans->why, "rcode 2"));

	start(&p, 5, "b.test", MP_DNS_T_MX);
	ans = parse(&p, &a, "b.test", MP_DNS_T_MX);
	assert_int_equal(ans->status, MP_DNS_REFUSED);
	mp_arena_fini(&a);
}

static void
test_cname_and_compression(void **state)
{
	struct pkt p;
	struct mp_arena a;
	const struct mp_dns_answer *ans;
	char out[512];
	/* MX 10 pointing at "mx" + pointer to the question name (offset 12) */
	const uint8_t mx[] = { 0, 10, 2, 'm', 'x', 0xc0, 12 };
	const uint8_t addr[] = { 192, 0, 2, 80 };

	(void)state;
	mp_arena_init(&a, 1 << 20);
	start(&p, 0, "a.test", MP_DNS_T_MX);
	rr(&p, "@12", MP_DNS_T_MX, mx, sizeof mx);
	ans = parse(&p, &a, "a.test", MP_DNS_T_MX);
	assert_string_equal(text(ans, out, sizeof out), "10 mx.a.test.");

	start(&p, 0, "www.a.test", MP_DNS_T_A);
	rr_name(&p, "@12", MP_DNS_T_CNAME, "Web.a.test");
	rr_name(&p, "web.a.test", MP_DNS_T_CNAME, "final.a.test");
	rr(&p, "FINAL.a.test", MP_DNS_T_A, addr, 4);
	rr(&p, "other.a.test", MP_DNS_T_A, addr, 4);  /* not on the chain */
	ans = parse(&p, &a, "www.a.test", MP_DNS_T_A);
	assert_int_equal(ans->status, MP_DNS_OK);
	assert_int_equal(ans->nrr, 1);
	assert_int_equal(ans->ncname, 2);
	assert_true(mp_str_eq_c(ans->canonical, "final.a.test"));

	/* CNAME asked for itself is not followed */
	ans = parse(&p, &a, "www.a.test", MP_DNS_T_CNAME);
	assert_int_equal(ans->status, MP_DNS_OK);
	assert_string_equal(text(ans, out, sizeof out), "Web.a.test.");

	/* NXDOMAIN at the end of a chain keeps the canonical name */
	start(&p, 3, "www.a.test", MP_DNS_T_A);
	rr_name(&p, "@12", MP_DNS_T_CNAME, "gone.a.test");
	ans = parse(&p, &a, "www.a.test", MP_DNS_T_A);
	assert_int_equal(ans->status, MP_DNS_NXDOMAIN);
	assert_true(mp_str_eq_c(ans->canonical, "gone.a.test"));

	start(&p, 0, "l1.a.test", MP_DNS_T_A);
	rr_name(&p, "@12", MP_DNS_T_CNAME, "l2.a.test");
	rr_name(&p, "l2.a.test", MP_DNS_T_CNAME, "l1.a.test");
	ans = parse(&p, &a, "l1.a.test", MP_DNS_T_A);
	assert_int_equal(ans->status, MP_DNS_SERVFAIL);
	assert_true(mp_str_eq_c(ans->why, "CNAME loop"));
	mp_arena_fini(&a);
}

static const struct bad_case {
	const char *name;
	const uint8_t *data;
	size_t len;
	const char *why;
} bads[] = {
	{ "short header", (const uint8_t *)"\x12\x34\x81", 3, "reply shorter than a header" },
	{ "a query, not a response",
	  (const uint8_t *)"\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12, "not a response" },
	{ "question runs off the end",
	  (const uint8_t *)"\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x05" "ab", 15,
	  "bad question section" },
	{ "answer count past the data",
	  (const uint8_t *)"\x12\x34\x81\x80\x00\x00\x00\x05\x00\x00\x00\x00\x00", 13,
	  "more answers than the packet can hold" },
	{ "pointer to itself",
	  (const uint8_t *)"\x12\x34\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00"
	                   "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x01\x00\x04\x01\x02\x03\x04", 28,
	  "bad owner name in answer" },
	{ "rdata past the end",
	  (const uint8_t *)"\x12\x34\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00"
	                   "\x00\x00\x01\x00\x01\x00\x00\x00\x01\x00\x09\x01\x02\x03\x04", 27,
	  "record data past the end" },
};

static void
test_malformed(void **state)
{
	struct mp_arena a;
	const struct mp_dns_answer *ans;
	struct pkt p;
	const uint8_t badtxt[] = "\x09" "short";
	const uint8_t shorta[] = { 1, 2, 3 };

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		assert_int_equal(mp_dns_answer_from_packet(bads[i].data, bads[i].len,
		                 MP_STR_LIT("."), MP_DNS_T_A, &a, &ans), MP_OK);
		if (ans->status != MP_DNS_MALFORMED || !mp_str_eq_c(ans->why, bads[i].why))
			fail_msg("%s: %s '%.*s'", bads[i].name, mp_dns_status_name(ans->status),
			         (int)ans->why.len, ans->why.ptr);
	}
	start(&p, 0, "a.test", MP_DNS_T_TXT);
	rr(&p, "@12", MP_DNS_T_TXT, badtxt, sizeof badtxt - 1);
	ans = parse(&p, &a, "a.test", MP_DNS_T_TXT);
	assert_int_equal(ans->status, MP_DNS_MALFORMED);
	assert_int_equal(ans->nrr, 0);
	start(&p, 0, "a.test", MP_DNS_T_A);
	rr(&p, "@12", MP_DNS_T_A, shorta, sizeof shorta);
	ans = parse(&p, &a, "a.test", MP_DNS_T_A);
	assert_int_equal(ans->status, MP_DNS_MALFORMED);
	/* a question name that cannot be sent */
	ans = parse(&p, &a, "a..test", MP_DNS_T_A);
	assert_int_equal(ans->status, MP_DNS_MALFORMED);
	mp_arena_fini(&a);
}

static void
test_format(void **state)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_arena a;
	struct mp_why why;
	const struct mp_dns_answer *ans;
	struct mp_dns_question q;
	char out[512];
	static const struct {
		uint16_t type;
		const char *in, *out;
	} cases[] = {
		{ MP_DNS_T_A, "192.0.2.1", "192.0.2.1" },
		{ MP_DNS_T_AAAA, "2001:DB8:0::1", "2001:db8::1" },
		{ MP_DNS_T_MX, "0 .", "0 ." },
		{ MP_DNS_T_PTR, "h\\.x.test.", "h\\.x.test." },
		{ MP_DNS_T_TXT, "\"a\\\"b\" c\\009d", "\"a\\\"b\" \"c\\009d\"" },
		{ MP_DNS_T_SOA, "ns.test. hm.test. 1 2 3 4 5", "ns.test. hm.test. 1 2 3 4 5" },
		{ MP_DNS_T_TLSA, "3 1 1 ABCD", "3 1 1 abcd" },
		{ 4242, "\\# 0", "\\# 0" },
		{ 4243, "\\# 2 ffee", "\\# 2 ffee" },
	};

	(void)state;
	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (mp_zone_add(z, MP_STR_LIT("f.test"), 5, cases[i].type, mp_str_c(cases[i].in), &why)
		    != MP_OK)
			fail_msg("%s: %s", cases[i].in, why.text);
		mp_dns_question_set(&q, cases[i].type, MP_STR_LIT("f.test"));
		assert_int_equal(mp_zone_lookup(z, &q, &a, &ans), MP_OK);
		assert_int_equal(ans->status, MP_DNS_OK);
		assert_string_equal(text(ans, out, sizeof out), cases[i].out);
	}
	mp_arena_fini(&a);
	mp_zone_free(z);
}

static void
test_enomem(void **state)
{
	struct pkt p;
	const uint8_t txt[] = "\x05" "hello";

	(void)state;
	start(&p, 0, "www.a.test", MP_DNS_T_TXT);
	rr_name(&p, "@12", MP_DNS_T_CNAME, "t.a.test");
	rr(&p, "t.a.test", MP_DNS_T_TXT, txt, sizeof txt - 1);
	/* every allocation failing in turn: MP_ENOMEM or a whole answer, no leak */
	for (unsigned long n = 1; n < 40; n++) {
		struct mp_arena a;
		const struct mp_dns_answer *ans = NULL;
		enum mp_status st;
		mp_arena_init(&a, 1 << 20);
		mp_alloc_fail_after(n);
		st = mp_dns_answer_from_packet(p.b, p.len, MP_STR_LIT("www.a.test"), MP_DNS_T_TXT, &a,
		                               &ans);
		mp_alloc_fail_after(0);
		assert_true(st == MP_OK || st == MP_ENOMEM);
		if (st == MP_OK)
			assert_int_equal(ans->status, MP_DNS_OK);
		mp_arena_fini(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present_absent),
		cmocka_unit_test(test_cname_and_compression),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
