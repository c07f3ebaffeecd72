/* dns_udp.c - the stub-client driver: plain DNS over UDP to forwarding
 * resolvers, TCP when a reply is truncated, and a process-local cache.
 *
 * One connected non-blocking UDP socket per server (the kernel drops
 * datagrams from other sources), EDNS0 with a MP_LIMIT_DNS_UDP_PAYLOAD
 * buffer, RD set, random 16-bit IDs (getrandom, in batches), the reply's
 * question matched case-insensitively. A question has timeout_ms in all,
 * split over (1 + retries) tries on each server, rotating servers; SERVFAIL
 * or REFUSED moves on to the next server until each was asked once.
 * Replies are decoded by dns_packet.c, CNAME chains included.
 *
 * Sending is batched: new questions, retries and SERVFAIL failovers wait in
 * a per-server queue and go out with one sendmmsg per SEND_BATCH, when the
 * queue is full (from submit) or at the next poll; a try's time starts when
 * its datagram is handed to the kernel. A full socket buffer (EAGAIN) keeps
 * the rest queued until the socket is writable, ENOBUFS for a millisecond.
 * Replies are read with recvmmsg, RECV_BATCH at a time.
 *
 * Cache: reply packets keyed by (lower-case wire name, type), expiring at
 * the smallest answer TTL (capped by MP_LIMIT_DNS_CACHE_TTL); NXDOMAIN and
 * NODATA for min(SOA TTL, SOA MINIMUM) when the authority section has the
 * SOA (RFC 2308 §5: not at all otherwise); indeterminate answers never.
 * Least recently used entries go first. Identical questions in flight share
 * one query. Cache hits are answered at the next mp_resolver_poll (never
 * from submit).
 *
 * No DNSSEC: answers are MP_DNSSEC_UNCHECKED.
 * Thread-safe: one mutex over all state, callbacks run without it (they may
 * submit); several threads may submit, poll and query.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

#define FLIGHT_BUCKETS 4096 /* own: hash buckets for questions in flight */
#define RECV_BATCH 32      /* own: datagrams read per recvmmsg */
#define SEND_BATCH 64      /* own: datagrams sent per sendmmsg */
#define SOCK_BUF (4 << 20) /* own: socket buffer asked for, each way */
#define HDR 12
#define QPKT_MAX (HDR + MP_LIMIT_DNS_NAME + 4 + 11)

/* A cached or received reply, shared by reference. */
struct blob {
	unsigned refs;          /* under the resolver lock */
	size_t len;
	uint8_t b[];
};

/* One asker: its callback, and once known the reply or a status. */
struct waiter {
	struct waiter *next;
	const struct mp_dns_question *q;
	mp_dns_done_fn *done;
	void *arg;
	struct blob *pkt;       /* reply, or NULL: answer with st/why */
	enum mp_dns_status st;
	const char *why;
};

struct key {
	uint16_t type;
	uint8_t len;            /* wire length - 1 (names are 1..255 bytes) */
	uint8_t name[MP_LIMIT_DNS_NAME];
	uint32_t hash;
};

/* Where a query is: in no list (new, or waiting for TCP), in its server's
 * send queue, or sent (in byid and the send-order list). */
enum uq_state { UQ_IDLE, UQ_QUEUED, UQ_SENT };

/* One query on the wire, with every asker waiting for it. */
struct uq {
	struct uq *hnext;               /* in-flight hash chain */
	struct uq *tnext;               /* truncated, to ask over TCP */
	struct uq *prev, *next;         /* send queue, or send-order list */
	struct key k;
	struct waiter *w;
	unsigned tries, srv;
	enum uq_state state;
	uint16_t id;
	uint64_t deadline;
	size_t qlen;
	uint8_t qpkt[QPKT_MAX];
};

struct centry {
	struct centry *hnext;
	struct centry *prev, *next;     /* LRU: head most recent */
	struct key k;
	uint64_t expires;               /* monotonic ms */
	struct blob *pkt;
};

/* A doubly linked list of queries through prev/next. */
struct uq_list {
	struct uq *first, *last;
};

struct server {
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd;
	struct uq_list queue;           /* to send, in order */
	size_t nqueued;
	bool stalled;                   /* EAGAIN: wait until writable */
	uint64_t send_after;            /* ENOBUFS: not before (monotonic ms) */
};

struct udp_resolver {
	struct mp_resolver base;
	pthread_mutex_t lock;
	struct server srv[MP_LIMIT_DNS_UDP_SERVERS];
	unsigned nsrv;
	int epfd;
	unsigned try_ms, tries_max;
	struct uq *byid[65536];
	struct uq *flight[FLIGHT_BUCKETS];
	struct uq_list sent;            /* sent, by deadline */
	size_t nflight;                 /* waiters not yet answered */
	struct waiter *ready, **ready_tail;
	uint16_t ids[256];
	unsigned nids;
	struct centry **cache;
	size_t cbuckets, centries, cmax;
	struct centry *lru_head, *lru_tail;
	unsigned rr_next;               /* first server for the next question */
};

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* new_id - a random query ID not in use (lock held) */
static uint16_t
new_id(struct udp_resolver *r)
{
	for (unsigned tries = 0;; tries++) {
		uint16_t id;

		if (r->nids == 0) {
			size_t got = 0;
			while (got < sizeof r->ids) {
				ssize_t n = getrandom((uint8_t *)r->ids + got, sizeof r->ids - got, 0);
				if (n <= 0)
					break;
				got += (size_t)n;
			}
			r->nids = (unsigned)(got / sizeof r->ids[0]);
			if (r->nids == 0) {      /* no entropy: still unique */
				r->ids[0] = (uint16_t)(now_ms() * 2654435761u >> 8);
				r->nids = 1;
			}
		}
		id = r->ids[--r->nids];
		if (r->byid[id] == NULL || tries > 64)
			return id;
	}
}

/* key_hash - FNV-1a over type and name */
static void
key_hash(struct key *k)
{
	uint32_t h = 2166136261u;

	h = (h ^ (k->type & 0xff)) * 16777619u;
	h = (h ^ (k->type >> 8)) * 16777619u;
	for (size_t i = 0; i <= k->len; i++)
		h = (h ^ k->name[i]) * 16777619u;
	k->hash = h;
}

static bool
key_eq(const struct key *a, const struct key *b)
{
	return a->hash == b->hash && a->type == b->type && a->len == b->len &&
	       memcmp(a->name, b->name, (size_t)a->len + 1) == 0;
}

/* key_of - the cache key of a question; false when the name is unusable */
static bool
key_of(const struct mp_dns_question *q, struct key *k)
{
	struct mp_dns_wname w, lw;
	const char *err;

	if (!mp_dns_name_parse(mp_str_make(q->name, q->name_len), NULL, &w, &err) || w.len == 0)
		return false;
	mp_dns_wname_lower(&w, &lw);
	k->type = q->type;
	k->len = (uint8_t)(lw.len - 1);
	memcpy(k->name, lw.b, lw.len);
	key_hash(k);
	return true;
}

static void
blob_unref(struct blob *b)
{
	if (b != NULL && --b->refs == 0)
		mp_free(b);
}

/* ---- the cache (lock held) ---- */

static void
lru_unlink(struct udp_resolver *r, struct centry *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		r->lru_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		r->lru_tail = c->prev;
}

static void
lru_front(struct udp_resolver *r, struct centry *c)
{
	c->prev = NULL;
	c->next = r->lru_head;
	if (r->lru_head)
		r->lru_head->prev = c;
	r->lru_head = c;
	if (r->lru_tail == NULL)
		r->lru_tail = c;
}

/* cache_drop - remove one entry */
static void
cache_drop(struct udp_resolver *r, struct centry *c)
{
	struct centry **pp = &r->cache[c->k.hash & (r->cbuckets - 1)];

	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	lru_unlink(r, c);
	blob_unref(c->pkt);
	mp_free(c);
	r->centries--;
}

/* cache_get - a live entry's packet (referenced), or NULL */
static struct blob *
cache_get(struct udp_resolver *r, const struct key *k, uint64_t now)
{
	struct centry *c;

	if (r->cache == NULL)
		return NULL;
	for (c = r->cache[k->hash & (r->cbuckets - 1)]; c != NULL; c = c->hnext)
		if (key_eq(&c->k, k))
			break;
	if (c == NULL)
		return NULL;
	if (c->expires <= now) {
		cache_drop(r, c);
		return NULL;
	}
	lru_unlink(r, c);
	lru_front(r, c);
	c->pkt->refs++;
	return c->pkt;
}

/* cache_put - keep pkt for ttl seconds */
static void
cache_put(struct udp_resolver *r, const struct key *k, struct blob *pkt, uint32_t ttl,
          uint64_t now)
{
	struct centry *c;

	if (r->cache == NULL || ttl == 0)
		return;
	if (ttl > MP_LIMIT_DNS_CACHE_TTL)
		ttl = MP_LIMIT_DNS_CACHE_TTL;
	for (c = r->cache[k->hash & (r->cbuckets - 1)]; c != NULL; c = c->hnext)
		if (key_eq(&c->k, k))
			break;
	if (c != NULL)
		cache_drop(r, c);
	if (r->centries >= r->cmax && r->lru_tail != NULL)
		cache_drop(r, r->lru_tail);
	if ((c = mp_zalloc(sizeof *c)) == NULL)
		return;
	c->k = *k;
	c->expires = now + (uint64_t)ttl * 1000;
	c->pkt = pkt;
	pkt->refs++;
	c->hnext = r->cache[k->hash & (r->cbuckets - 1)];
	r->cache[k->hash & (r->cbuckets - 1)] = c;
	lru_front(r, c);
	r->centries++;
}

/* skip_rr - move *off past one resource record; its type, ttl, rdata */
static bool
skip_rr(const uint8_t *p, size_t len, size_t *off, uint16_t *type, uint32_t *ttl,
        size_t *rdoff, size_t *rdlen)
{
	struct mp_dns_wname w;

	if (!mp_dns_wire_name_read(p, len, off, &w) || len - *off < 10)
		return false;
	*type = get16(p + *off);
	*ttl = get32(p + *off + 4);
	*rdlen = get16(p + *off + 8);
	*rdoff = *off + 10;
	if (len - *rdoff < *rdlen)
		return false;
	*off = *rdoff + *rdlen;
	return true;
}

/* cache_ttl - seconds a decodable, determinate reply may be kept: the
 * smallest answer TTL; for negative answers the SOA's (RFC 2308 §5); 0 */
static uint32_t
cache_ttl(const uint8_t *p, size_t len, enum mp_dns_status st)
{
	struct mp_dns_wname w;
	size_t off = HDR, rdoff, rdlen;
	uint16_t type, an = get16(p + 6), ns = get16(p + 8);
	uint32_t ttl, best = UINT32_MAX;

	for (unsigned i = 0; i < get16(p + 4); i++) {
		if (!mp_dns_wire_name_read(p, len, &off, &w) || len - off < 4)
			return 0;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		if (!skip_rr(p, len, &off, &type, &ttl, &rdoff, &rdlen))
			return 0;
		if (ttl < best)
			best = ttl;
	}
	if (st == MP_DNS_OK)
		return best == UINT32_MAX ? 0 : best;
	for (unsigned i = 0; i < ns; i++) {
		if (!skip_rr(p, len, &off, &type, &ttl, &rdoff, &rdlen))
			return 0;
		if (type == MP_DNS_T_SOA && rdlen >= 22) {
			uint32_t min = get32(p + rdoff + rdlen - 4);
			if (min < ttl)
				ttl = min;
			if (ttl < best)
				best = ttl;    /* also bounded by CNAMEs followed */
			return best;
		}
	}
	return 0;
}

/* ---- queries (lock held) ---- */

static struct uq **
flight_slot(struct udp_resolver *r, const struct key *k)
{
	struct uq **pp = &r->flight[k->hash & (FLIGHT_BUCKETS - 1)];

	while (*pp != NULL && !key_eq(&(*pp)->k, k))
		pp = &(*pp)->hnext;
	return pp;
}

static void
list_unlink(struct uq_list *l, struct uq *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->last = e->prev;
}

static void
list_append(struct uq_list *l, struct uq *e)
{
	e->next = NULL;
	e->prev = l->last;
	if (l->last)
		l->last->next = e;
	else
		l->first = e;
	l->last = e;
}

/* unsend - out of byid and the send-order list, or out of a send queue */
static void
unsend(struct udp_resolver *r, struct uq *e)
{
	if (e->state == UQ_SENT) {
		r->byid[e->id] = NULL;
		list_unlink(&r->sent, e);
	} else if (e->state == UQ_QUEUED) {
		list_unlink(&r->srv[e->srv].queue, e);
		r->srv[e->srv].nqueued--;
	}
	e->state = UQ_IDLE;
}

/* retire - out of every table; its waiters are the caller's */
static void
retire(struct udp_resolver *r, struct uq *e)
{
	struct uq **pp = flight_slot(r, &e->k);

	unsend(r, e);
	if (*pp == e)
		*pp = e->hnext;
}

/* ready_add - waiters answered at the next poll */
static void
ready_add(struct udp_resolver *r, struct waiter *w, struct blob *pkt, enum mp_dns_status st,
          const char *why)
{
	while (w != NULL) {
		struct waiter *next = w->next;
		w->next = NULL;
		w->pkt = pkt;
		if (pkt)
			pkt->refs++;
		w->st = st;
		w->why = why;
		*r->ready_tail = w;
		r->ready_tail = &w->next;
		w = next;
	}
}

/* send_try - queue e's next try, to its next server (sent by flush) */
static void
send_try(struct udp_resolver *r, struct uq *e)
{
	struct server *s;

	unsend(r, e);
	e->srv = (e->srv + (e->tries > 0)) % r->nsrv;
	e->tries++;
	s = &r->srv[e->srv];
	list_append(&s->queue, e);
	s->nqueued++;
	e->state = UQ_QUEUED;
}

/* send_err - what a failed sendmmsg means for the datagram it stopped at */
enum send_err { SE_RETRY, SE_WAIT, SE_BACKOFF, SE_LOST };

static enum send_err
send_err_of(int err)
{
	switch (err) {
	case EINTR:
		return SE_RETRY;
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return SE_WAIT;
	case ENOBUFS:
	case ENOMEM:
		return SE_BACKOFF;
	default:
		/* an ICMP error of an earlier datagram (ECONNREFUSED), no route:
		 * like a lost datagram, the try times out and the next one goes */
		return SE_LOST;
	}
}

/* sent_batch - the first k of a batch went out: their tries start now; the
 * rest give their IDs back and stay queued (lock held) */
static void
sent_batch(struct udp_resolver *r, struct server *s, struct uq *const *batch, unsigned n, int k)
{
	uint64_t deadline = now_ms() + r->try_ms;

	for (unsigned i = 0; i < n; i++) {
		struct uq *e = batch[i];
		if ((int)i >= k) {
			r->byid[e->id] = NULL;
			continue;
		}
		list_unlink(&s->queue, e);
		s->nqueued--;
		e->deadline = deadline;
		e->state = UQ_SENT;
		list_append(&r->sent, e);
	}
}

/* flush - send server si's queue, SEND_BATCH datagrams per sendmmsg, each
 * with a fresh ID; what the kernel did not take stays queued (lock held) */
static void
flush(struct udp_resolver *r, unsigned si)
{
	struct server *s = &r->srv[si];
	struct mmsghdr msgs[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	struct uq *batch[SEND_BATCH];

	while (s->queue.first != NULL) {
		unsigned n = 0;
		int k;

		for (struct uq *e = s->queue.first; e != NULL && n < SEND_BATCH; e = e->next) {
			e->id = new_id(r);
			e->qpkt[0] = (uint8_t)(e->id >> 8);
			e->qpkt[1] = (uint8_t)e->id;
			r->byid[e->id] = e;        /* reserved: later draws avoid it */
			iov[n] = (struct iovec){ e->qpkt, e->qlen };
			msgs[n] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[n], .msg_iovlen = 1 } };
			batch[n++] = e;
		}
		k = sendmmsg(s->fd, msgs, n, MSG_NOSIGNAL);
		if (k < 0) {
			switch (send_err_of(errno)) {
			case SE_RETRY:
				k = 0;
				break;
			case SE_WAIT:
				s->stalled = true;
				break;
			case SE_BACKOFF:
				s->send_after = now_ms() + 1;
				break;
			case SE_LOST:
				k = 1;
				break;
			}
		}
		sent_batch(r, s, batch, n, k);
		if (k < 0)
			return;
	}
}

/* build_query - header, question, OPT */
static void
build_query(struct uq *e)
{
	uint8_t *p = e->qpkt;
	size_t n = (size_t)e->k.len + 1;

	memset(p, 0, HDR);
	p[2] = 0x01;                    /* RD */
	p[5] = 1;                       /* QDCOUNT */
	p[11] = 1;                      /* ARCOUNT: OPT */
	memcpy(p + HDR, e->k.name, n);
	p += HDR + n;
	*p++ = (uint8_t)(e->k.type >> 8);
	*p++ = (uint8_t)e->k.type;
	*p++ = 0;
	*p++ = 1;                       /* IN */
	*p++ = 0;                       /* OPT: root owner */
	*p++ = 0;
	*p++ = 41;
	*p++ = (uint8_t)(MP_LIMIT_DNS_UDP_PAYLOAD >> 8);
	*p++ = (uint8_t)(MP_LIMIT_DNS_UDP_PAYLOAD & 0xff);
	memset(p, 0, 6);                /* ext rcode, version, flags, rdlen */
	p += 6;
	e->qlen = (size_t)(p - e->qpkt);
}

/* ud_submit - from the cache, onto a query in flight, or a new query */
static enum mp_status
ud_submit(struct mp_resolver *rr, const struct mp_dns_question *q, mp_dns_done_fn *done,
          void *arg)
{
	struct udp_resolver *r = (struct udp_resolver *)rr;
	struct waiter *w;
	struct key k;
	struct uq **pp, *e;
	struct blob *hit;
	bool ok = key_of(q, &k);
	uint64_t now = now_ms();

	if ((w = mp_zalloc(sizeof *w)) == NULL)
		return MP_ENOMEM;
	*w = (struct waiter){ .q = q, .done = done, .arg = arg };
	pthread_mutex_lock(&r->lock);
	if (r->nflight >= MP_LIMIT_DNS_INFLIGHT) {
		pthread_mutex_unlock(&r->lock);
		mp_free(w);
		return MP_ELIMIT;
	}
	r->nflight++;
	if (!ok) {
		ready_add(r, w, NULL, MP_DNS_MALFORMED, "malformed question name");
	} else if ((hit = cache_get(r, &k, now)) != NULL) {
		ready_add(r, w, hit, MP_DNS_OK, NULL);
		blob_unref(hit);
	} else if (*(pp = flight_slot(r, &k)) != NULL) {
		w->next = (*pp)->w;
		(*pp)->w = w;
	} else if ((e = mp_zalloc(sizeof *e)) == NULL) {
		r->nflight--;
		pthread_mutex_unlock(&r->lock);
		mp_free(w);
		return MP_ENOMEM;
	} else {
		e->k = k;
		e->w = w;
		e->srv = r->rr_next++ % r->nsrv;
		build_query(e);
		*pp = e;
		send_try(r, e);
		/* a full batch goes at once; the rest at the next poll */
		if (r->srv[e->srv].nqueued >= SEND_BATCH && !r->srv[e->srv].stalled &&
		    r->srv[e->srv].send_after <= now)
			flush(r, e->srv);
	}
	pthread_mutex_unlock(&r->lock);
	return MP_OK;
}

/* deliver - call back every waiter of a list (lock not held) */
static void
deliver(struct udp_resolver *r, struct waiter *w)
{
	struct mp_arena a;

	mp_arena_init(&a, MP_LIMIT_DNS_ANSWER_ARENA);
	while (w != NULL) {
		struct waiter *next = w->next;
		struct mp_str qname = mp_str_make(w->q->name, w->q->name_len);
		struct mp_dns_answer *ans = NULL;
		enum mp_status st = MP_OK;

		if (w->pkt != NULL)
			st = mp_dns_packet_answer(w->pkt->b, w->pkt->len, qname, w->q->type, &a, &ans);
		else if ((ans = mp_dns_answer_simple(&a, qname, w->q->type, w->st, w->why)) == NULL)
			st = MP_ENOMEM;
		if (st != MP_OK || ans == NULL) {
			struct mp_dns_answer oom = { .qname = qname, .canonical = qname,
			                             .qtype = w->q->type, .status = MP_DNS_SERVFAIL,
			                             .why = MP_STR_LIT("out of memory") };
			w->done(w->arg, w->q, &oom);
		} else {
			w->done(w->arg, w->q, ans);
		}
		pthread_mutex_lock(&r->lock);
		blob_unref(w->pkt);
		r->nflight--;
		pthread_mutex_unlock(&r->lock);
		mp_free(w);
		mp_arena_reset(&a);
		w = next;
	}
	mp_arena_fini(&a);
}

/* take_ready - the ready list, emptied (lock held) */
static struct waiter *
take_ready(struct udp_resolver *r)
{
	struct waiter *w = r->ready;

	r->ready = NULL;
	r->ready_tail = &r->ready;
	return w;
}

/* expire - late queries: retry (queued) or time out (lock held) */
static void
expire(struct udp_resolver *r, uint64_t now)
{
	struct uq *e;

	while ((e = r->sent.first) != NULL && e->deadline <= now) {
		if (e->tries < r->tries_max) {
			send_try(r, e);
			continue;
		}
		retire(r, e);
		ready_add(r, e->w, NULL, MP_DNS_TIMEOUT, "no answer in time");
		mp_free(e);
	}
}

/* io_full - blocking send or receive of n bytes */
static bool
io_full(int fd, uint8_t *b, size_t n, bool wr)
{
	while (n > 0) {
		ssize_t k = wr ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return false;
		}
		b += k;
		n -= (size_t)k;
	}
	return true;
}

/* question_matches - the reply asks what we asked (ID checked by caller) */
static bool
question_matches(const uint8_t *p, size_t len, const struct key *k)
{
	struct mp_dns_wname w, lw;
	size_t off = HDR;

	if (len < HDR || (p[2] & 0x80) == 0 || get16(p + 4) != 1)
		return false;
	if (!mp_dns_wire_name_read(p, len, &off, &w) || len - off < 4)
		return false;
	mp_dns_wname_lower(&w, &lw);
	return lw.len == (size_t)k->len + 1 && memcmp(lw.b, k->name, lw.len) == 0 &&
	       get16(p + off) == k->type && get16(p + off + 2) == 1;
}

/* tcp_ask - the question again over TCP (lock not held); reply or NULL */
static struct blob *
tcp_ask(const struct server *s, const uint8_t *qpkt, size_t qlen, const struct key *k,
        uint64_t deadline)
{
	uint8_t len2[2] = { (uint8_t)(qlen >> 8), (uint8_t)qlen };
	uint64_t now = now_ms();
	unsigned ms = deadline > now ? (unsigned)(deadline - now) : 1;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	struct blob *b = NULL;
	size_t n;
	int fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
	    connect(fd, (const struct sockaddr *)&s->sa, s->salen) != 0 ||
	    !io_full(fd, len2, 2, true) || !io_full(fd, (uint8_t *)qpkt, qlen, true) ||
	    !io_full(fd, len2, 2, false))
		goto out;
	n = get16(len2);
	if (n < HDR || (b = mp_alloc(sizeof *b + n)) == NULL)
		goto out;
	b->refs = 1;
	b->len = n;
	if (!io_full(fd, b->b, n, false) || get16(b->b) != get16(qpkt) ||
	    !question_matches(b->b, n, k)) {
		mp_free(b);
		b = NULL;
	}
out:
	close(fd);
	return b;
}

/* finish - a usable reply for e: cache it, hand it to the waiters
 * (lock held; e is retired and freed) */
static void
finish(struct udp_resolver *r, struct uq *e, struct blob *pkt, uint64_t now)
{
	struct mp_arena a;
	struct mp_dns_answer *ans = NULL;
	struct mp_str qname = mp_str_make(e->w->q->name, e->w->q->name_len);

	if (r->cache != NULL) {
		mp_arena_init(&a, MP_LIMIT_DNS_ANSWER_ARENA);
		if (mp_dns_packet_answer(pkt->b, pkt->len, qname, e->k.type, &a, &ans) == MP_OK &&
		    mp_dns_state_of(ans->status) != MP_DNS_INDETERMINATE)
			cache_put(r, &e->k, pkt, cache_ttl(pkt->b, pkt->len, ans->status), now);
		mp_arena_fini(&a);
	}
	ready_add(r, e->w, pkt, MP_DNS_OK, NULL);
	mp_free(e);
}

/* on_reply - one datagram from server si (lock held) */
static void
on_reply(struct udp_resolver *r, unsigned si, const uint8_t *p, size_t len, uint64_t now,
         struct uq **tcp)
{
	struct uq *e;
	struct blob *b;
	unsigned rcode;

	if (len < HDR || (e = r->byid[get16(p)]) == NULL || e->state != UQ_SENT ||
	    e->srv != si || !question_matches(p, len, &e->k))
		return;            /* late, foreign or forged: ignore */
	rcode = p[3] & 0x0f;
	if ((rcode == 2 || rcode == 5) && e->tries < r->nsrv) {
		send_try(r, e);        /* SERVFAIL/REFUSED: ask the next server */
		return;
	}
	if (p[2] & 0x02) {         /* TC: the caller asks again over TCP */
		unsend(r, e);
		e->tnext = *tcp;   /* stays in the flight table for coalescing */
		*tcp = e;
		return;
	}
	retire(r, e);
	if ((b = mp_alloc(sizeof *b + len)) == NULL) {
		ready_add(r, e->w, NULL, MP_DNS_SERVFAIL, "out of memory");
		mp_free(e);
		return;
	}
	b->refs = 1;
	b->len = len;
	memcpy(b->b, p, len);
	finish(r, e, b, now);
	blob_unref(b);
}

/* do_tcp - the truncated ones, over TCP (lock not held at entry/exit) */
static void
do_tcp(struct udp_resolver *r, struct uq *list)
{
	while (list != NULL) {
		struct uq *e = list, **pp;
		struct blob *b;

		list = e->tnext;
		b = tcp_ask(&r->srv[e->srv], e->qpkt, e->qlen, &e->k,
		            now_ms() + r->try_ms);
		pthread_mutex_lock(&r->lock);
		for (pp = &r->flight[e->k.hash & (FLIGHT_BUCKETS - 1)]; *pp != NULL;
		     pp = &(*pp)->hnext)
			if (*pp == e) {
				*pp = e->hnext;
				break;
			}
		if (b == NULL) {
			ready_add(r, e->w, NULL, MP_DNS_SERVFAIL, "TCP fallback failed");
			mp_free(e);
		} else {
			finish(r, e, b, now_ms());
			blob_unref(b);
		}
		pthread_mutex_unlock(&r->lock);
	}
}

/* read_socket - drain one socket */
static void
read_socket(struct udp_resolver *r, unsigned si, struct uq **tcp)
{
	static _Thread_local uint8_t bufs[RECV_BATCH][MP_LIMIT_DNS_UDP_PAYLOAD + 512];
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	int n;

	for (;;) {
		for (unsigned i = 0; i < RECV_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		n = recvmmsg(r->srv[si].fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		pthread_mutex_lock(&r->lock);
		for (int i = 0; i < n; i++)
			on_reply(r, si, bufs[i], msgs[i].msg_len, now_ms(), tcp);
		pthread_mutex_unlock(&r->lock);
		if (n < RECV_BATCH)
			return;
	}
}

/* ud_pending - questions not yet called back */
static size_t
ud_pending(const struct mp_resolver *rr)
{
	struct udp_resolver *r = (struct udp_resolver *)rr;
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->nflight;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* send_all - flush each server that may send, set what poll waits for;
 * the time the next try ends or an ENOBUFS pause does (lock held) */
static uint64_t
send_all(struct udp_resolver *r, struct pollfd *pfd, uint64_t now)
{
	uint64_t next = r->sent.first ? r->sent.first->deadline : UINT64_MAX;

	for (unsigned i = 0; i < r->nsrv; i++) {
		struct server *s = &r->srv[i];

		if (pfd[i].revents & (POLLOUT | POLLERR))
			s->stalled = false;
		if (!s->stalled && s->send_after <= now)
			flush(r, i);
		pfd[i].events = POLLIN;
		if (s->queue.first == NULL)
			continue;
		if (s->stalled)
			pfd[i].events |= POLLOUT;
		else if (s->send_after < next)
			next = s->send_after;
	}
	if (r->sent.first != NULL && r->sent.first->deadline < next)
		next = r->sent.first->deadline;
	return next;
}

/* ud_poll - send what is queued, deliver what is ready, read replies,
 * expire late queries */
static enum mp_status
ud_poll(struct mp_resolver *rr, int timeout_ms)
{
	struct udp_resolver *r = (struct udp_resolver *)rr;
	struct pollfd pfd[MP_LIMIT_DNS_UDP_SERVERS];
	uint64_t start = now_ms(), now, next;
	bool first = true;

	for (unsigned i = 0; i < r->nsrv; i++)
		pfd[i] = (struct pollfd){ r->srv[i].fd, POLLIN, 0 };
	for (;;) {
		struct waiter *w;
		struct uq *tcp = NULL;
		int wait;

		for (unsigned i = 0; i < r->nsrv; i++)
			if (first || (pfd[i].revents & (POLLIN | POLLERR)))
				read_socket(r, i, &tcp);
		first = false;
		if (tcp != NULL)
			do_tcp(r, tcp);
		now = now_ms();
		pthread_mutex_lock(&r->lock);
		expire(r, now);
		next = send_all(r, pfd, now);
		w = take_ready(r);
		pthread_mutex_unlock(&r->lock);
		if (w != NULL) {
			deliver(r, w);
			return MP_OK;
		}
		if (ud_pending(rr) == 0)
			return MP_OK;
		if (timeout_ms >= 0 && now - start >= (uint64_t)timeout_ms)
			return MP_OK;
		wait = timeout_ms < 0 ? -1 : (int)((uint64_t)timeout_ms - (now - start));
		if (next != UINT64_MAX && (wait < 0 || next - now < (uint64_t)wait))
			wait = next > now ? (int)(next - now) : 0;
		if (poll(pfd, r->nsrv, wait) < 0 && errno != EINTR)
			return MP_EIO;
	}
}

/* ud_fd - the socket when there is one, else an epoll set of them */
static int
ud_fd(const struct mp_resolver *rr)
{
	const struct udp_resolver *r = (const struct udp_resolver *)rr;

	return r->nsrv == 1 ? r->srv[0].fd : r->epfd;
}

/* free_waiters - drop a list without calling back */
static void
free_waiters(struct waiter *w)
{
	while (w != NULL) {
		struct waiter *next = w->next;
		blob_unref(w->pkt);
		mp_free(w);
		w = next;
	}
}

/* ud_free - drop what is left (no callbacks) and release */
static void
ud_free(struct mp_resolver *rr)
{
	struct udp_resolver *r = (struct udp_resolver *)rr;

	for (size_t i = 0; i < FLIGHT_BUCKETS; i++)
		while (r->flight[i] != NULL) {
			struct uq *e = r->flight[i];
			r->flight[i] = e->hnext;
			free_waiters(e->w);
			mp_free(e);
		}
	free_waiters(take_ready(r));
	while (r->lru_head != NULL)
		cache_drop(r, r->lru_head);
	mp_free(r->cache);
	for (unsigned i = 0; i < r->nsrv; i++)
		close(r->srv[i].fd);
	if (r->epfd >= 0)
		close(r->epfd);
	pthread_mutex_destroy(&r->lock);
	mp_free(r);
}

static const struct mp_resolver_ops udp_ops = {
	ud_submit, ud_poll, ud_pending, ud_fd, mp_dns_query_sync, ud_free,
};

/* parse_server - "ADDR[@PORT]" into s (port 53 by default) */
static bool
parse_server(const char *text, struct server *s)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *at = strrchr(text, '@');
	size_t n = at ? (size_t)(at - text) : strlen(text);
	uint64_t port = 53;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&s->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->sa;

	if (n == 0 || n >= sizeof addr)
		return false;
	memcpy(addr, text, n);
	addr[n] = '\0';
	if (at && (!mp_parse_u64(mp_str_c(at + 1), 65535, &port) || port == 0))
		return false;
	memset(&s->sa, 0, sizeof s->sa);
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		s->salen = sizeof *v4;
		return true;
	}
	if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		s->salen = sizeof *v6;
		return true;
	}
	return false;
}

/* resolv_conf - nameserver lines of /etc/resolv.conf */
static size_t
resolv_conf(struct server *out, size_t max)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512];
	size_t n = 0;

	if (f == NULL)
		return 0;
	while (n < max && fgets(line, sizeof line, f) != NULL) {
		char *p = line, *end;
		if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
			continue;
		p += 10;
		while (*p == ' ' || *p == '\t')
			p++;
		for (end = p; *end && *end != ' ' && *end != '\t' && *end != '\n' &&
		     *end != '%' && *end != '#' && *end != ';'; end++)
			;
		*end = '\0';
		if (strchr(p, '@') == NULL && parse_server(p, &out[n]))
			n++;
	}
	fclose(f);
	return n;
}

/* open_socket - a connected non-blocking UDP socket to s */
static bool
open_socket(struct server *s)
{
	s->fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return false;
	/* hundreds in flight on one socket: room for the bursts both ways
	 * (the kernel caps this at net.core.[rw]mem_max) */
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &(int){ SOCK_BUF }, sizeof(int));
	(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &(int){ SOCK_BUF }, sizeof(int));
	if (connect(s->fd, (const struct sockaddr *)&s->sa, s->salen) != 0) {
		close(s->fd);
		s->fd = -1;
		return false;
	}
	return true;
}

/* mp_resolver_new_udp - a stub resolver with a cache */
struct mp_resolver *
mp_resolver_new_udp(const struct mp_udp_opts *o, struct mp_why *why)
{
	static const struct mp_udp_opts none;
	struct udp_resolver *r;
	unsigned retries;

	if (o == NULL)
		o = &none;
	if (o->nservers > MP_LIMIT_DNS_UDP_SERVERS) {
		mp_why_setf(why, MP_REASON_DNS_RESOLVER, "more than %d servers",
		            MP_LIMIT_DNS_UDP_SERVERS);
		return NULL;
	}
	if ((r = mp_zalloc(sizeof *r)) == NULL) {
		mp_why_set(why, MP_REASON_NOMEM);
		return NULL;
	}
	r->base.ops = &udp_ops;
	r->epfd = -1;
	r->ready_tail = &r->ready;
	for (size_t i = 0; i < o->nservers; i++) {
		if (!parse_server(o->servers[i], &r->srv[i])) {
			mp_why_setf(why, MP_REASON_DNS_RESOLVER, "%s: not ADDR[@PORT]",
			            o->servers[i]);
			mp_free(r);
			return NULL;
		}
		r->nsrv++;
	}
	if (r->nsrv == 0 &&
	    (r->nsrv = (unsigned)resolv_conf(r->srv, MP_LIMIT_DNS_UDP_SERVERS)) == 0) {
		mp_why_setf(why, MP_REASON_DNS_RESOLVER, "/etc/resolv.conf: no nameserver");
		mp_free(r);
		return NULL;
	}
	retries = o->retries ? o->retries : 1;
	r->tries_max = (retries + 1) * r->nsrv;
	r->try_ms = (o->timeout_ms ? o->timeout_ms : MP_LIMIT_DNS_TIMEOUT_MS) / r->tries_max;
	if (r->try_ms == 0)
		r->try_ms = 1;
	for (unsigned i = 0; i < r->nsrv; i++)
		r->srv[i].fd = -1;
	for (unsigned i = 0; i < r->nsrv; i++)
		if (!open_socket(&r->srv[i])) {
			mp_why_setf(why, MP_REASON_DNS_RESOLVER, "socket: %s", strerror(errno));
			goto fail;
		}
	if (r->nsrv > 1) {
		if ((r->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
			goto fail_errno;
		for (unsigned i = 0; i < r->nsrv; i++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
			if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->srv[i].fd, &ev) != 0)
				goto fail_errno;
		}
	}
	if (!o->no_cache) {
		r->cmax = o->cache_entries ? o->cache_entries : MP_LIMIT_DNS_CACHE_ENTRIES;
		for (r->cbuckets = 64; r->cbuckets < r->cmax && r->cbuckets < (1u << 20); )
			r->cbuckets <<= 1;
		if ((r->cache = mp_zalloc(r->cbuckets * sizeof *r->cache)) == NULL) {
			mp_why_set(why, MP_REASON_NOMEM);
			goto fail;
		}
	}
	pthread_mutex_init(&r->lock, NULL);
	return &r->base;
fail_errno:
	mp_why_setf(why, MP_REASON_DNS_RESOLVER, "epoll: %s", strerror(errno));
fail:
	for (unsigned i = 0; i < r->nsrv; i++)
		if (r->srv[i].fd >= 0)
			close(r->srv[i].fd);
	if (r->epfd >= 0)
		close(r->epfd);
	mp_free(r);
	return NULL;
}
