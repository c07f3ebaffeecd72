/* test_udp.c - the UDP stub driver against a tiny in-process DNS responder
 * (a thread on 127.0.0.1 answering from an mp_zone over UDP and TCP) that
 * can drop, delay, truncate, send mismatched IDs or questions, answer from
 * a wrong address, send random bytes, or hold a burst of questions and
 * answer them last first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

enum mode { M_ANSWER, M_DROP, M_TC, M_MISMATCH, M_WRONG_ADDR, M_FUZZ, M_REVERSE };

#define MANY 150        /* questions in one go: more than two send batches (64) */

struct responder {
	struct mp_zone *zone;
	int udp, tcp, other;   /* other: a second socket for wrong-source replies */
	int stop[2];
	uint16_t port;
	pthread_t th;
	enum mode mode;
	unsigned delay_ms;
	unsigned hold;         /* M_REVERSE: questions to collect before answering */
	unsigned queries;      /* questions that reached us (UDP and TCP) */
	unsigned tcp_queries;
	pthread_mutex_t lock;
	unsigned seed;
};

static const char zone_text[] =
	"$ORIGIN example.test.\n"
	"$TTL 300\n"
	"@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"@ MX 10 mx\n"
	"@ MX 20 mx2\n"
	"mx A 192.0.2.10\n"
	"mx AAAA 2001:db8::10\n"
	"mx2 A 192.0.2.20\n"
	"www CNAME mx\n"
	"sel._domainkey TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkq\" \"hkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"\n"
	"big TXT \"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" "
	"\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
	"zero 0 A 192.0.2.99\n";

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* put_name - presentation name to wire at out+*n */
static void
put_name(uint8_t *out, size_t *n, struct mp_str name)
{
	size_t wl = 0;

	assert_true(mp_dns_name_to_wire(name, out + *n, &wl));
	*n += wl;
}

/* put_rr - one record of the zone's answer */
static void
put_rr(uint8_t *out, size_t *n, struct mp_str owner, const struct mp_dns_rr *rr)
{
	size_t rdl;

	put_name(out, n, owner);
	put16(out + *n, rr->type);
	put16(out + *n + 2, 1);
	put32(out + *n + 4, rr->ttl);
	*n += 10;
	rdl = *n;
	switch (rr->type) {
	case MP_DNS_T_A:
		memcpy(out + *n, rr->u.a, 4);
		*n += 4;
		break;
	case MP_DNS_T_AAAA:
		memcpy(out + *n, rr->u.aaaa, 16);
		*n += 16;
		break;
	case MP_DNS_T_CNAME:
	case MP_DNS_T_NS:
	case MP_DNS_T_PTR:
		put_name(out, n, rr->u.name);
		break;
	case MP_DNS_T_MX:
		put16(out + *n, rr->u.mx.pref);
		*n += 2;
		put_name(out, n, rr->u.mx.host);
		break;
	case MP_DNS_T_TXT:
		for (size_t i = 0; i < rr->u.txt.nstrings; i++) {
			out[(*n)++] = (uint8_t)rr->u.txt.strings[i].len;
			memcpy(out + *n, rr->u.txt.strings[i].ptr, rr->u.txt.strings[i].len);
			*n += rr->u.txt.strings[i].len;
		}
		break;
	default:
		memcpy(out + *n, rr->u.rdata.ptr, rr->u.rdata.len);
		*n += rr->u.rdata.len;
	}
	put16(out + rdl - 2, (unsigned)(*n - rdl));
}

/* build_reply - the zone's answer to the query q (qlen bytes) into out;
 * 0 when the answer is to be dropped */
static size_t
build_reply(struct responder *s, const uint8_t *q, size_t qlen, uint8_t *out, bool tc)
{
	struct mp_buf nb;
	size_t off = 12, n;
	struct mp_dns_question dq;
	struct mp_arena a;
	const struct mp_dns_answer *ans;
	unsigned rcode = 0;

	while (off < qlen && q[off] != 0)
		off += (size_t)q[off] + 1;
	off++;
	if (off + 4 > qlen)
		return 0;
	mp_buf_init(&nb, MP_LIMIT_DNS_NAME_TEXT);
	assert_int_equal(mp_dns_name_from_wire(q + 12, off - 12, &nb), MP_OK);
	assert_int_equal(mp_dns_question_set(&dq, (uint16_t)(q[off] << 8 | q[off + 1]),
	                                     mp_str_make(nb.ptr, nb.len)), MP_OK);
	mp_buf_fini(&nb);
	off += 4;
	mp_arena_init(&a, 1 << 20);
	assert_int_equal(mp_zone_lookup(s->zone, &dq, &a, &ans), MP_OK);
	memcpy(out, q, off);
	out[2] = 0x81 | (tc ? 0x02 : 0);          /* QR RD (TC) */
	out[3] = 0x80;                            /* RA */
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	n = off;
	switch (ans->status) {
	case MP_DNS_TIMEOUT:
		mp_arena_fini(&a);
		return 0;
	case MP_DNS_NXDOMAIN: rcode = 3; break;
	case MP_DNS_SERVFAIL: rcode = 2; break;
	case MP_DNS_REFUSED: rcode = 5; break;
	default: break;
	}
	out[3] |= (uint8_t)rcode;
	if (!tc && rcode == 0 && ans->status == MP_DNS_OK) {
		unsigned an = 0;
		if (ans->ncname > 0) {
			struct mp_dns_rr cn = { .type = MP_DNS_T_CNAME, .ttl = 300 };
			cn.u.name = ans->canonical;
			put_rr(out, &n, ans->qname, &cn);
			an++;
		}
		for (size_t i = 0; i < ans->nrr; i++, an++)
			put_rr(out, &n, ans->canonical, &ans->rr[i]);
		put16(out + 6, an);
	} else if (!tc && (ans->status == MP_DNS_NXDOMAIN || ans->status == MP_DNS_NODATA)) {
		/* RFC 2308: the SOA, TTL 60, MINIMUM 30 */
		put_name(out, &n, MP_STR_LIT("example.test"));
		put16(out + n, 6);
		put16(out + n + 2, 1);
		put32(out + n + 4, 60);
		put16(out + n + 8, 22);
		n += 10;
		memset(out + n, 0, 22);
		put32(out + n + 18, 30);
		n += 22;
		put16(out + 8, 1);
	}
	mp_arena_fini(&a);
	return n;
}

/* serve_tcp - one TCP connection, one question */
static void
serve_tcp(struct responder *s)
{
	uint8_t q[600], out[4096];
	uint8_t l2[2];
	int c = accept(s->tcp, NULL, NULL);
	size_t n;

	if (c < 0)
		return;
	if (recv(c, l2, 2, MSG_WAITALL) == 2 && (n = (size_t)(l2[0] << 8 | l2[1])) <= sizeof q &&
	    recv(c, q, n, MSG_WAITALL) == (ssize_t)n) {
		pthread_mutex_lock(&s->lock);
		s->queries++;
		s->tcp_queries++;
		pthread_mutex_unlock(&s->lock);
		n = build_reply(s, q, n, out + 2, false);
		put16(out, (unsigned)n);
		if (n > 0)
			(void)send(c, out, n + 2, MSG_NOSIGNAL);
	}
	close(c);
}

/* serve_udp - one datagram */
static void
serve_udp(struct responder *s)
{
	uint8_t q[600], out[4096];
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	ssize_t k = recvfrom(s->udp, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
	size_t n;
	enum mode m;

	if (k < 12)
		return;
	pthread_mutex_lock(&s->lock);
	s->queries++;
	m = s->mode;
	pthread_mutex_unlock(&s->lock);
	if (s->delay_ms)
		usleep(s->delay_ms * 1000);
	if (m == M_DROP)
		return;
	n = build_reply(s, q, (size_t)k, out, m == M_TC);
	if (n == 0)
		return;
	if (m == M_MISMATCH) {
		uint8_t bad[4096];
		memcpy(bad, out, n);
		bad[1] ^= 0x5a;                   /* wrong ID */
		sendto(s->udp, bad, n, 0, (struct sockaddr *)&from, fl);
		memcpy(bad, out, n);
		bad[13] ^= 0x01;                  /* wrong question name */
		sendto(s->udp, bad, n, 0, (struct sockaddr *)&from, fl);
		memcpy(bad, out, n);
		bad[2] &= 0x7f;                   /* not a response */
		sendto(s->udp, bad, n, 0, (struct sockaddr *)&from, fl);
	}
	if (m == M_WRONG_ADDR) {                  /* only a forged copy, from elsewhere */
		sendto(s->other, out, n, 0, (struct sockaddr *)&from, fl);
		return;
	}
	if (m == M_FUZZ) {
		/* random bytes, then random bytes behind a matching header and
		 * question */
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)rand_r(&s->seed);
		sendto(s->udp, out, n, 0, (struct sockaddr *)&from, fl);
		memcpy(out, q, (size_t)k);
		out[2] = 0x81 | (uint8_t)(rand_r(&s->seed) & 0x7e);
		out[3] = (uint8_t)rand_r(&s->seed);
		n = (size_t)k + (size_t)(rand_r(&s->seed) % 200);
		for (size_t i = 6; i < 12; i++)
			out[i] = (uint8_t)rand_r(&s->seed);
		for (size_t i = (size_t)k - 11; i < n; i++)
			out[i] = (uint8_t)rand_r(&s->seed);
		sendto(s->udp, out, n, 0, (struct sockaddr *)&from, fl);
		return;
	}
	sendto(s->udp, out, n, 0, (struct sockaddr *)&from, fl);
}

/* serve_reverse - collect up to s->hold questions (until 500 ms pass
 * without one), then answer them in reverse order of arrival */
static void
serve_reverse(struct responder *s)
{
	static uint8_t q[MANY][600];
	static size_t qlen[MANY];
	static struct sockaddr_storage from[MANY];
	static socklen_t fl[MANY];
	size_t n = 0;

	while (n < s->hold && n < MANY) {
		struct pollfd p = { s->udp, POLLIN, 0 };
		ssize_t k;
		if (poll(&p, 1, 500) <= 0)
			break;
		fl[n] = sizeof from[n];
		k = recvfrom(s->udp, q[n], sizeof q[n], 0, (struct sockaddr *)&from[n], &fl[n]);
		if (k < 12)
			continue;
		qlen[n++] = (size_t)k;
		pthread_mutex_lock(&s->lock);
		s->queries++;
		pthread_mutex_unlock(&s->lock);
	}
	while (n-- > 0) {
		uint8_t out[4096];
		size_t len = build_reply(s, q[n], qlen[n], out, false);
		if (len > 0)
			sendto(s->udp, out, len, 0, (struct sockaddr *)&from[n], fl[n]);
	}
}

static void *
responder_main(void *arg)
{
	struct responder *s = arg;

	for (;;) {
		struct pollfd p[3] = { { s->udp, POLLIN, 0 }, { s->tcp, POLLIN, 0 },
		                       { s->stop[0], POLLIN, 0 } };
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[2].revents)
			return NULL;
		if (p[0].revents && s->mode == M_REVERSE)
			serve_reverse(s);
		else if (p[0].revents)
			serve_udp(s);
		if (p[1].revents)
			serve_tcp(s);
	}
}

/* responder_start - UDP and TCP on the same free port of 127.0.0.1 */
static struct responder *
responder_start(struct mp_zone *z)
{
	struct responder *s = calloc(1, sizeof *s);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int one = 1;

	assert_non_null(s);
	s->zone = z;
	s->seed = 12345;
	pthread_mutex_init(&s->lock, NULL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int tries = 0; tries < 50; tries++) {
		sa.sin_port = 0;
		s->udp = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(s->udp >= 0);
		/* room for a burst of MANY questions (capped by rmem_max) */
		setsockopt(s->udp, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 20 }, sizeof(int));
		assert_int_equal(bind(s->udp, (struct sockaddr *)&sa, sizeof sa), 0);
		assert_int_equal(getsockname(s->udp, (struct sockaddr *)&sa, &sl), 0);
		s->tcp = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(s->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(s->tcp, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(s->udp);
		close(s->tcp);
		s->tcp = -1;
	}
	assert_true(s->tcp >= 0);
	assert_int_equal(listen(s->tcp, 16), 0);
	s->port = ntohs(sa.sin_port);
	sa.sin_port = 0;
	s->other = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(s->other, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(pipe(s->stop), 0);
	assert_int_equal(pthread_create(&s->th, NULL, responder_main, s), 0);
	return s;
}

static void
responder_stop(struct responder *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->th, NULL);
	close(s->udp);
	close(s->tcp);
	close(s->other);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static unsigned
responder_queries(struct responder *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = s->queries;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void
responder_mode(struct responder *s, enum mode m)
{
	pthread_mutex_lock(&s->lock);
	s->mode = m;
	pthread_mutex_unlock(&s->lock);
}

/* fixture: a zone and one responder */
struct fx {
	struct mp_zone *zone;
	struct responder *s[2];
	char addr[2][32];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct mp_why why;

	f->zone = mp_zone_new();
	mp_why_clear(&why);
	assert_int_equal(mp_zone_parse(f->zone, MP_STR_LIT(zone_text), "t", MP_STR_LIT(""),
	                               &why), MP_OK);
	assert_int_equal(mp_zone_fail(f->zone, MP_STR_LIT("fail.example.test"), 0,
	                              MP_DNS_SERVFAIL), MP_OK);
	assert_int_equal(mp_zone_fail(f->zone, MP_STR_LIT("refuse.example.test"), 0,
	                              MP_DNS_REFUSED), MP_OK);
	for (int i = 0; i < MANY; i++) {    /* hN.many: A 10.1.0.N, one name each */
		char line[128];
		snprintf(line, sizeof line, "$ORIGIN many.example.test.\nh%d 300 A 10.1.0.%d\n", i, i);
		assert_int_equal(mp_zone_parse(f->zone, mp_str_c(line), "many", MP_STR_LIT(""),
		                               &why), MP_OK);
	}
	for (int i = 0; i < 2; i++) {
		f->s[i] = responder_start(f->zone);
		snprintf(f->addr[i], sizeof f->addr[i], "127.0.0.1@%u", f->s[i]->port);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 2; i++)
		responder_stop(f->s[i]);
	mp_zone_free(f->zone);
	free(f);
	return 0;
}

/* udp_new - a resolver on servers (indexes into the fixture) */
static struct mp_resolver *
udp_new(struct fx *f, const int *idx, size_t n, unsigned timeout_ms, bool cache)
{
	const char *servers[2];
	struct mp_udp_opts o = { .servers = servers, .nservers = n, .timeout_ms = timeout_ms,
	                         .no_cache = !cache };
	struct mp_why why;
	struct mp_resolver *r;

	for (size_t i = 0; i < n; i++)
		servers[i] = f->addr[idx[i]];
	mp_why_clear(&why);
	r = mp_resolver_new_udp(&o, &why);
	assert_non_null(r);
	return r;
}

/* summary - an answer in one line */
static void
summary(const struct mp_dns_answer *a, char *out, size_t len)
{
	struct mp_buf b;

	mp_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < a->nrr; i++) {
		assert_int_equal(mp_dns_rr_format(&a->rr[i], &b), MP_OK);
		assert_int_equal(mp_buf_append_byte(&b, ';'), MP_OK);
	}
	snprintf(out, len, "%s canon=%.*s n=%zu %.*s", mp_dns_status_name(a->status),
	         (int)a->canonical.len, a->canonical.ptr, a->nrr, (int)b.len,
	         b.ptr ? b.ptr : "");
	mp_buf_fini(&b);
}

static enum mp_dns_status
ask(struct mp_resolver *r, uint16_t type, const char *name, char *sum, size_t sumlen)
{
	struct mp_dns_question q;
	struct mp_arena a;
	const struct mp_dns_answer *ans;
	enum mp_dns_status st;

	mp_arena_init(&a, 1 << 20);
	assert_int_equal(mp_dns_question_set(&q, type, mp_str_c(name)), MP_OK);
	assert_int_equal(mp_resolver_query(r, &q, &a, &ans), MP_OK);
	assert_non_null(ans);
	assert_int_equal(ans->dnssec, MP_DNSSEC_UNCHECKED);
	st = ans->status;
	if (sum)
		summary(ans, sum, sumlen);
	mp_arena_fini(&a);
	return st;
}

/* Answers equal the zone driver's. */
static void
test_equal_zone(void **state)
{
	static const struct { uint16_t type; const char *name; } cases[] = {
		{ MP_DNS_T_TXT, "example.test" },
		{ MP_DNS_T_TXT, "EXAMPLE.Test." },
		{ MP_DNS_T_MX, "example.test" },
		{ MP_DNS_T_A, "mx.example.test" },
		{ MP_DNS_T_AAAA, "mx.example.test" },
		{ MP_DNS_T_A, "www.example.test" },
		{ MP_DNS_T_TXT, "sel._domainkey.example.test" },
		{ MP_DNS_T_TXT, "big.example.test" },
		{ MP_DNS_T_A, "nope.example.test" },
		{ MP_DNS_T_AAAA, "mx2.example.test" },
		{ MP_DNS_T_A, "fail.example.test" },
		{ MP_DNS_T_A, "refuse.example.test" },
	};
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *u = udp_new(f, &one, 1, 2000, true);
	struct mp_resolver *z = mp_resolver_new_zone(f->zone);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char su[4096], sz[4096];
		for (int round = 0; round < 2; round++) {   /* the second from the cache */
			ask(u, cases[i].type, cases[i].name, su, sizeof su);
			ask(z, cases[i].type, cases[i].name, sz, sizeof sz);
			assert_string_equal(su, sz);
		}
	}
	mp_resolver_free(u);
	mp_resolver_free(z);
}

/* Timeouts, retries on one server, failover to another. */
static void
test_timeout_failover(void **state)
{
	struct fx *f = *state;
	int one = 0, both[2] = { 0, 1 };
	struct mp_resolver *r;
	unsigned before;

	responder_mode(f->s[0], M_DROP);
	r = udp_new(f, &one, 1, 300, true);
	before = responder_queries(f->s[0]);
	assert_int_equal(ask(r, MP_DNS_T_A, "mx.example.test", NULL, 0), MP_DNS_TIMEOUT);
	assert_int_equal(responder_queries(f->s[0]) - before, 2);   /* 1 + 1 retry */
	mp_resolver_free(r);
	/* the first server drops: the second answers, within the time */
	r = udp_new(f, both, 2, 2000, true);
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s.example.test", i == 1 ? "mx2" : "mx");
		assert_int_equal(ask(r, i == 2 ? MP_DNS_T_AAAA : MP_DNS_T_A, name, NULL, 0),
		                 MP_DNS_OK);
	}
	mp_resolver_free(r);
	/* SERVFAIL from one server: the next is asked */
	responder_mode(f->s[0], M_ANSWER);
	r = udp_new(f, both, 2, 2000, false);
	before = responder_queries(f->s[0]) + responder_queries(f->s[1]);
	assert_int_equal(ask(r, MP_DNS_T_A, "fail.example.test", NULL, 0), MP_DNS_SERVFAIL);
	assert_int_equal(responder_queries(f->s[0]) + responder_queries(f->s[1]) - before, 2);
	mp_resolver_free(r);
}

/* TC set: asked again over TCP, full answer. */
static void
test_truncated(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 2000, true);
	char sum[4096];

	responder_mode(f->s[0], M_TC);
	assert_int_equal(ask(r, MP_DNS_T_TXT, "big.example.test", sum, sizeof sum), MP_DNS_OK);
	assert_int_equal(f->s[0]->tcp_queries, 1);
	assert_non_null(strstr(sum, "bbbb"));
	assert_int_equal(ask(r, MP_DNS_T_MX, "example.test", sum, sizeof sum), MP_DNS_OK);
	assert_non_null(strstr(sum, "n=2"));
	assert_int_equal(f->s[0]->tcp_queries, 2);
	responder_mode(f->s[0], M_ANSWER);
	mp_resolver_free(r);
}

/* Mismatched IDs, questions, non-responses and replies from another
 * address are ignored. */
static void
test_mismatch(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 300, false);
	char sum[4096];

	responder_mode(f->s[0], M_MISMATCH);
	assert_int_equal(ask(r, MP_DNS_T_A, "mx.example.test", sum, sizeof sum), MP_DNS_OK);
	assert_string_equal(sum, "ok canon=mx.example.test n=1 192.0.2.10;");
	responder_mode(f->s[0], M_WRONG_ADDR);
	assert_int_equal(ask(r, MP_DNS_T_A, "mx.example.test", NULL, 0), MP_DNS_TIMEOUT);
	responder_mode(f->s[0], M_ANSWER);
	mp_resolver_free(r);
}

/* The cache: hits do not reach the server; negative answers are kept,
 * SERVFAIL never; TTL 0 is not kept. */
static void
test_cache(void **state)
{
	static const struct { uint16_t type; const char *name; enum mp_dns_status st;
	                      unsigned asked; } cases[] = {
		{ MP_DNS_T_TXT, "sel._domainkey.example.test", MP_DNS_OK, 1 },
		{ MP_DNS_T_A, "www.example.test", MP_DNS_OK, 1 },
		{ MP_DNS_T_A, "nxd.example.test", MP_DNS_NXDOMAIN, 1 },
		{ MP_DNS_T_AAAA, "mx2.example.test", MP_DNS_NODATA, 1 },
		{ MP_DNS_T_A, "fail.example.test", MP_DNS_SERVFAIL, 2 },
		{ MP_DNS_T_A, "refuse.example.test", MP_DNS_REFUSED, 2 },
		{ MP_DNS_T_A, "zero.example.test", MP_DNS_OK, 2 },
	};
	struct fx *f = *state;
	int one = 0;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mp_resolver *r = udp_new(f, &one, 1, 2000, true);
		unsigned before = responder_queries(f->s[0]);
		for (int k = 0; k < 3; k++)
			assert_int_equal(ask(r, cases[i].type, k == 1 ? "X" : cases[i].name,
			                     NULL, 0) == cases[i].st || k == 1, true);
		/* the "X" question in the middle is one more query */
		assert_int_equal(responder_queries(f->s[0]) - before, cases[i].asked + 1);
		mp_resolver_free(r);
	}
}

struct counter {
	unsigned ok, other;
};

static void
count_done(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct counter *c = arg;

	(void)q;
	if (a->status == MP_DNS_OK && a->nrr == 1)
		c->ok++;
	else
		c->other++;
}

/* Identical questions in flight share one query; answers come from poll. */
static void
test_coalesce(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 2000, true);
	struct mp_dns_question q[5];
	struct counter c = { 0, 0 };
	unsigned before = responder_queries(f->s[0]);

	f->s[0]->delay_ms = 50;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(mp_dns_question_set(&q[i], MP_DNS_T_A,
		                 i % 2 ? MP_STR_LIT("MX.example.test") : MP_STR_LIT("mx.example.test")),
		                 MP_OK);
		assert_int_equal(mp_resolver_submit(r, &q[i], count_done, &c), MP_OK);
	}
	assert_int_equal(c.ok, 0);
	assert_int_equal(mp_resolver_pending(r), 5);
	assert_true(mp_resolver_fd(r) >= 0);
	while (mp_resolver_pending(r) > 0)
		assert_int_equal(mp_resolver_poll(r, 1000), MP_OK);
	assert_int_equal(c.ok, 5);
	assert_int_equal(responder_queries(f->s[0]) - before, 1);
	f->s[0]->delay_ms = 0;
	/* a cached answer is delivered by poll, not by submit */
	assert_int_equal(mp_resolver_submit(r, &q[0], count_done, &c), MP_OK);
	assert_int_equal(c.ok, 5);
	assert_int_equal(mp_resolver_poll(r, 0), MP_OK);
	assert_int_equal(c.ok, 6);
	assert_int_equal(responder_queries(f->s[0]) - before, 1);
	mp_resolver_free(r);
}

/* MANY questions asked at once, hN.many.example.test each: which answer
 * came for which, in the order the callbacks ran */
struct burst {
	struct mp_dns_question q[MANY];
	enum mp_dns_status st[MANY];
	bool right[MANY];          /* the one A record is 10.1.0.N */
	int order[MANY];
	size_t nanswered;
};

static void
burst_done(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct burst *b = arg;
	size_t i = (size_t)(q - b->q);

	assert_true(i < MANY);
	b->st[i] = a->status;
	b->right[i] = a->status == MP_DNS_OK && a->nrr == 1 && a->rr[0].type == MP_DNS_T_A &&
	              memcmp(a->rr[0].u.a, (uint8_t[]){ 10, 1, 0, (uint8_t)i }, 4) == 0;
	b->order[b->nanswered++] = (int)i;
}

/* burst_submit - submit the MANY questions; none answered yet */
static void
burst_submit(struct mp_resolver *r, struct burst *b)
{
	memset(b, 0, sizeof *b);
	for (int i = 0; i < MANY; i++) {
		char name[64];
		snprintf(name, sizeof name, "h%d.many.example.test", i);
		assert_int_equal(mp_dns_question_set(&b->q[i], MP_DNS_T_A, mp_str_c(name)), MP_OK);
		assert_int_equal(mp_resolver_submit(r, &b->q[i], burst_done, b), MP_OK);
	}
	assert_int_equal(b->nanswered, 0);
	assert_int_equal(mp_resolver_pending(r), MANY);
}

static void
burst_wait(struct mp_resolver *r, struct burst *b)
{
	while (mp_resolver_pending(r) > 0)
		assert_int_equal(mp_resolver_poll(r, 2000), MP_OK);
	assert_int_equal(b->nanswered, MANY);
}

/* Sends are batched: submit sends each full batch of 64 at once, the rest
 * at the next poll; every question is asked once and gets its own answer. */
static void
test_batched_sends(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 2000, false);
	unsigned before = responder_queries(f->s[0]);
	static struct burst b;

	burst_submit(r, &b);
	for (int i = 0; i < 100 && responder_queries(f->s[0]) - before < 128; i++)
		usleep(10 * 1000);
	usleep(50 * 1000);          /* nothing more comes before a poll */
	assert_int_equal(responder_queries(f->s[0]) - before, 128);
	burst_wait(r, &b);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(b.st[i], MP_DNS_OK);
		assert_true(b.right[i]);
	}
	assert_int_equal(responder_queries(f->s[0]) - before, MANY);
	mp_resolver_free(r);
}

/* Replies in reverse order of the questions: the first to arrive answers
 * the last question, sent in the third batch (from poll); each reply is
 * matched to its own question. */
static void
test_batched_reverse(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 4000, false);
	unsigned before = responder_queries(f->s[0]);
	static struct burst b;

	f->s[0]->hold = MANY;
	responder_mode(f->s[0], M_REVERSE);
	burst_submit(r, &b);
	burst_wait(r, &b);
	responder_mode(f->s[0], M_ANSWER);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(b.st[i], MP_DNS_OK);
		assert_true(b.right[i]);
	}
	assert_int_equal(b.order[0], MANY - 1);
	assert_int_equal(b.order[MANY - 1], 0);
	assert_int_equal(responder_queries(f->s[0]) - before, MANY);
	mp_resolver_free(r);
}

/* Every question times out: each is sent twice (the retry queued and sent
 * in a batch too), and every one is called back with a timeout. */
static void
test_batched_retries(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 300, false);
	unsigned before = responder_queries(f->s[0]);
	static struct burst b;

	responder_mode(f->s[0], M_DROP);
	burst_submit(r, &b);
	burst_wait(r, &b);
	responder_mode(f->s[0], M_ANSWER);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(b.st[i], MP_DNS_TIMEOUT);
	assert_int_equal(responder_queries(f->s[0]) - before, 2 * MANY);
	mp_resolver_free(r);
}

/* Random bytes for replies: no crash, an indeterminate answer. */
static void
test_fuzzed_replies(void **state)
{
	struct fx *f = *state;
	int one = 0;
	struct mp_resolver *r = udp_new(f, &one, 1, 100, true);

	responder_mode(f->s[0], M_FUZZ);
	for (int i = 0; i < 40; i++) {
		char name[64];
		enum mp_dns_status st;
		snprintf(name, sizeof name, "n%d.example.test", i);
		st = ask(r, (uint16_t)(i % 2 ? MP_DNS_T_TXT : MP_DNS_T_A), name, NULL, 0);
		assert_int_equal(mp_dns_state_of(st) == MP_DNS_INDETERMINATE ||
		                 st == MP_DNS_NXDOMAIN || st == MP_DNS_NODATA || st == MP_DNS_OK, true);
	}
	responder_mode(f->s[0], M_ANSWER);
	mp_resolver_free(r);
}

/* Bad options and bad names. */
static void
test_options(void **state)
{
	static const char *const bad[] = { "nonsense", "127.0.0.1@0", "127.0.0.1@70000", "" };
	struct fx *f = *state;
	int one = 0;
	struct mp_why why;
	struct mp_resolver *r;

	(void)f;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mp_udp_opts o = { .servers = &bad[i], .nservers = 1 };
		mp_why_clear(&why);
		assert_null(mp_resolver_new_udp(&o, &why));
		assert_int_equal(why.reason, MP_REASON_DNS_RESOLVER);
	}
	{
		const char *v6 = "::1@5353";
		struct mp_udp_opts o = { .servers = &v6, .nservers = 1 };
		r = mp_resolver_new_udp(&o, &why);
		assert_non_null(r);
		mp_resolver_free(r);
	}
	r = udp_new(f, &one, 1, 500, true);
	assert_int_equal(ask(r, MP_DNS_T_A, "a..b", NULL, 0), MP_DNS_MALFORMED);
	mp_resolver_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_zone),
		cmocka_unit_test(test_timeout_failover),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_batched_sends),
		cmocka_unit_test(test_batched_reverse),
		cmocka_unit_test(test_batched_retries),
		cmocka_unit_test(test_fuzzed_replies),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
