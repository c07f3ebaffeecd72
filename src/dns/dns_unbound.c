/* dns_unbound.c - the libunbound driver: the only file that includes
 * <unbound.h>.
 *
 * Asynchronous: questions go out with ub_resolve_async, answers come back
 * through ub_fd + ub_process in mp_resolver_poll. libunbound resolves in a
 * thread of its own (ub_ctx_async), keeps one cache for every question,
 * fails over between forwarders itself and validates DNSSEC with Debian's
 * root anchor when asked. libunbound has no per-question timeout, so this
 * driver keeps a deadline per question and cancels (ub_cancel) late ones:
 * the timeout is split over 1 + `retries` tries, then the answer is
 * MP_DNS_TIMEOUT.
 * Replies are decoded from answer_packet by dns_packet.c.
 * Thread-safe: the in-flight list is under a mutex, callbacks run without
 * it (they may submit), several threads may submit and poll.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

#define ROOT_ANCHOR "/usr/share/dns/root.key" /* Debian dns-root-data */

struct uq {
	struct uq *prev, *next;
	struct ub_resolver *r;
	const struct mp_dns_question *q;
	mp_dns_done_fn *done;
	void *arg;
	int id;                 /* libunbound's async id; -1 when not sent */
	unsigned tries;
	uint64_t deadline;      /* monotonic ms */
	enum mp_dns_status fail; /* answer without asking (bad name) */
};

struct ub_resolver {
	struct mp_resolver base;
	struct ub_ctx *ctx;
	pthread_mutex_t lock;
	struct uq *head;        /* in flight or ready to fail */
	size_t n;
	size_t nfail;           /* entries to fail without asking */
	uint64_t first_deadline; /* no deadline in the list is earlier */
	unsigned try_ms, retries;  /* the timeout is shared by 1 + retries tries */
	bool dnssec;
};

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* link, unlink - the in-flight list (lock held) */
static void
link_q(struct ub_resolver *r, struct uq *e)
{
	e->prev = NULL;
	e->next = r->head;
	if (r->head)
		r->head->prev = e;
	r->head = e;
	r->n++;
}

static void
unlink_q(struct ub_resolver *r, struct uq *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		r->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	r->n--;
}

/* deliver - build the answer and call back (lock not held) */
static void
deliver(struct uq *e, struct mp_dns_answer *ans)
{
	e->done(e->arg, e->q, ans);
	mp_free(e);
}

/* deliver_status - an answer without records */
static void
deliver_status(struct uq *e, enum mp_dns_status st, const char *why)
{
	struct mp_arena a;
	struct mp_dns_answer *ans;

	mp_arena_init(&a, MP_LIMIT_DNS_ANSWER_ARENA);
	ans = mp_dns_answer_simple(&a, mp_str_make(e->q->name, e->q->name_len), e->q->type, st,
	                           why);
	if (ans == NULL) {   /* no memory for even this: a static answer */
		static const struct mp_dns_answer oom = { .status = MP_DNS_SERVFAIL };
		struct mp_dns_answer copy = oom;
		copy.qname = mp_str_make(e->q->name, e->q->name_len);
		copy.canonical = copy.qname;
		copy.qtype = e->q->type;
		copy.why = MP_STR_LIT("out of memory");
		deliver(e, &copy);
	} else {
		deliver(e, ans);
	}
	mp_arena_fini(&a);
}

/* answer_of - a ub_result in our words */
static struct mp_dns_answer *
answer_of(struct ub_resolver *r, const struct uq *e, int err, struct ub_result *res,
          struct mp_arena *a)
{
	struct mp_str qname = mp_str_make(e->q->name, e->q->name_len);
	struct mp_dns_answer *ans = NULL;

	if (err != 0 || res == NULL)
		return mp_dns_answer_simple(a, qname, e->q->type, MP_DNS_SERVFAIL,
		                            ub_strerror(err));
	if (res->bogus) {
		ans = mp_dns_answer_simple(a, qname, e->q->type, MP_DNS_SERVFAIL,
		                           res->why_bogus ? res->why_bogus : "DNSSEC bogus");
		if (ans)
			ans->dnssec = MP_DNSSEC_BOGUS;
		return ans;
	}
	if (res->answer_packet != NULL && res->answer_len > 0) {
		if (mp_dns_packet_answer(res->answer_packet, (size_t)res->answer_len, qname,
		                         e->q->type, a, &ans) != MP_OK)
			return NULL;
	} else {
		enum mp_dns_status st = res->rcode == 3 ? MP_DNS_NXDOMAIN
		                        : res->rcode == 5 ? MP_DNS_REFUSED
		                                          : MP_DNS_SERVFAIL;
		ans = mp_dns_answer_simple(a, qname, e->q->type, st, "no reply packet");
		if (ans == NULL)
			return NULL;
	}
	if (r->dnssec)
		ans->dnssec = res->secure ? MP_DNSSEC_SECURE : MP_DNSSEC_INSECURE;
	return ans;
}

/* on_result - libunbound's callback, from inside ub_process */
static void
on_result(void *arg, int err, struct ub_result *res)
{
	struct uq *e = arg;
	struct ub_resolver *r = e->r;
	struct mp_arena a;
	struct mp_dns_answer *ans;

	pthread_mutex_lock(&r->lock);
	unlink_q(r, e);
	pthread_mutex_unlock(&r->lock);
	mp_arena_init(&a, MP_LIMIT_DNS_ANSWER_ARENA);
	ans = answer_of(r, e, err, res, &a);
	if (res)
		ub_resolve_free(res);
	if (ans)
		deliver(e, ans);
	else
		deliver_status(e, MP_DNS_SERVFAIL, "out of memory");
	mp_arena_fini(&a);
}

/* send_q - ask libunbound (lock held) */
static int
send_q(struct ub_resolver *r, struct uq *e)
{
	e->deadline = now_ms() + r->try_ms;
	if (e->deadline < r->first_deadline)
		r->first_deadline = e->deadline;
	return ub_resolve_async(r->ctx, e->q->name, e->q->type, 1, e, on_result, &e->id);
}

/* ur_submit - start a question */
static enum mp_status
ur_submit(struct mp_resolver *rr, const struct mp_dns_question *q, mp_dns_done_fn *done,
          void *arg)
{
	struct ub_resolver *r = (struct ub_resolver *)rr;
	struct mp_dns_wname w;
	const char *err;
	struct uq *e;
	int rc = 0;

	if ((e = mp_zalloc(sizeof *e)) == NULL)
		return MP_ENOMEM;
	*e = (struct uq){ .r = r, .q = q, .done = done, .arg = arg, .id = -1,
	                  .fail = MP_DNS_OK };
	/* names we would not send (too long, bad escapes, NUL in the C string
	 * form libunbound takes) are answered as malformed at the next poll */
	if (!mp_dns_name_parse(mp_str_make(q->name, q->name_len), NULL, &w, &err) ||
	    memchr(q->name, '\0', q->name_len) != NULL)
		e->fail = MP_DNS_MALFORMED;
	pthread_mutex_lock(&r->lock);
	if (r->n >= MP_LIMIT_DNS_INFLIGHT) {
		pthread_mutex_unlock(&r->lock);
		mp_free(e);
		return MP_ELIMIT;
	}
	if (e->fail == MP_DNS_OK && (rc = send_q(r, e)) != 0)
		e->fail = MP_DNS_SERVFAIL;
	if (e->fail != MP_DNS_OK)
		r->nfail++;
	link_q(r, e);
	pthread_mutex_unlock(&r->lock);
	return MP_OK;
}

/* take_expired - one question that failed before sending or ran out of
 * time and tries, unlinked; retries others. NULL when none. */
static struct uq *
take_expired(struct ub_resolver *r, uint64_t now, uint64_t *next_deadline)
{
	struct uq *e, *found = NULL;

	*next_deadline = UINT64_MAX;
	pthread_mutex_lock(&r->lock);
	if (r->nfail == 0 && now < r->first_deadline) {  /* nothing due: no scan */
		*next_deadline = r->first_deadline;
		pthread_mutex_unlock(&r->lock);
		return NULL;
	}
	for (e = r->head; e != NULL && found == NULL; e = e->next) {
		if (e->fail != MP_DNS_OK) {
			found = e;
			break;
		}
		if (e->deadline > now) {
			if (e->deadline < *next_deadline)
				*next_deadline = e->deadline;
			continue;
		}
		/* UB_NOID: the answer is already on its way; let it come */
		if (ub_cancel(r->ctx, e->id) != 0) {
			e->deadline = now + MP_DNS_SYNC_SLICE_MS;
			if (e->deadline < *next_deadline)
				*next_deadline = e->deadline;
			continue;
		}
		if (e->tries < r->retries && send_q(r, e) == 0) {
			e->tries++;
			if (e->deadline < *next_deadline)
				*next_deadline = e->deadline;
			continue;
		}
		e->fail = MP_DNS_TIMEOUT;
		r->nfail++;
		found = e;
	}
	if (found) {
		unlink_q(r, found);
		r->nfail--;
	} else {
		r->first_deadline = *next_deadline;   /* a full scan found the earliest */
	}
	pthread_mutex_unlock(&r->lock);
	return found;
}

/* ur_poll - wait for answers up to timeout_ms, call back, expire late ones */
static enum mp_status
ur_poll(struct mp_resolver *rr, int timeout_ms)
{
	struct ub_resolver *r = (struct ub_resolver *)rr;
	struct pollfd pfd = { ub_fd(r->ctx), POLLIN, 0 };
	uint64_t start = now_ms(), next, now;
	struct uq *e;
	int wait;

	for (;;) {
		now = now_ms();
		while ((e = take_expired(r, now, &next)) != NULL) {
			enum mp_dns_status st = e->fail;
			deliver_status(e, st, st == MP_DNS_TIMEOUT ? "no answer in time"
			                      : st == MP_DNS_MALFORMED ? "malformed question name"
			                                               : "cannot send the question");
			timeout_ms = 0;   /* something happened: return soon */
		}
		if (ub_poll(r->ctx) && ub_process(r->ctx) != 0)
			return MP_EIO;
		if (mp_resolver_pending(rr) == 0)
			return MP_OK;
		wait = timeout_ms;
		if (timeout_ms >= 0 && now - start >= (uint64_t)timeout_ms)
			return MP_OK;
		if (timeout_ms >= 0)
			wait = (int)((uint64_t)timeout_ms - (now - start));
		if (next != UINT64_MAX && (wait < 0 || next - now < (uint64_t)wait))
			wait = next > now ? (int)(next - now) : 0;
		if (poll(&pfd, 1, wait) > 0) {
			if (ub_process(r->ctx) != 0)
				return MP_EIO;
			return MP_OK;
		}
	}
}

static size_t
ur_pending(const struct mp_resolver *rr)
{
	struct ub_resolver *r = (struct ub_resolver *)rr;
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static int
ur_fd(const struct mp_resolver *rr)
{
	return ub_fd(((const struct ub_resolver *)rr)->ctx);
}

/* ur_free - cancel what is left (no callbacks) and release */
static void
ur_free(struct mp_resolver *rr)
{
	struct ub_resolver *r = (struct ub_resolver *)rr;
	struct uq *e, *next;

	for (e = r->head; e != NULL; e = next) {
		next = e->next;
		if (e->id >= 0 && e->fail == MP_DNS_OK)
			ub_cancel(r->ctx, e->id);
		mp_free(e);
	}
	ub_ctx_delete(r->ctx);
	pthread_mutex_destroy(&r->lock);
	mp_free(r);
}

static const struct mp_resolver_ops unbound_ops = {
	ur_submit, ur_poll, ur_pending, ur_fd, mp_dns_query_sync, ur_free,
};

/* configure - options into the context; false with why */
static bool
configure(struct ub_ctx *ctx, const struct mp_unbound_opts *o, struct mp_why *why)
{
	int rc = 0;
	const char *what = "async";

	if ((rc = ub_ctx_async(ctx, 1)) != 0)
		goto bad;
	what = "do-not-query-localhost";
	if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0)
		goto bad;
	/* bulk checks keep thousands of questions in flight; past the default
	 * 1024 per thread libunbound drops ("jostles") them as SERVFAIL */
	what = "num-queries-per-thread";
	if ((rc = ub_ctx_set_option(ctx, "num-queries-per-thread:", "16384")) != 0)
		goto bad;
	/* outgoing-range is ports, not questions: past it questions wait for a
	 * port. 16384 cost ~60 ms CPU at start (measured, bench notes in
	 * docs/dns.md); 1024 keeps 2000 in flight answered (integration/dns) */
	what = "outgoing-range";
	if ((rc = ub_ctx_set_option(ctx, "outgoing-range:", "1024")) != 0)
		goto bad;
	for (size_t i = 0; i < o->nunblock; i++) {
		char zone[MP_LIMIT_DNS_NAME_TEXT + 16];
		int n = snprintf(zone, sizeof zone, "%s nodefault", o->unblock_zones[i]);
		what = o->unblock_zones[i];
		if (n < 0 || (size_t)n >= sizeof zone ||
		    (rc = ub_ctx_set_option(ctx, "local-zone:", zone)) != 0)
			goto bad;
	}
	for (size_t i = 0; i < o->nservers; i++) {
		what = o->servers[i];
		if ((rc = ub_ctx_set_fwd(ctx, o->servers[i])) != 0)
			goto bad;
	}
	if (o->nservers == 0 && !o->recursive) {
		what = "/etc/resolv.conf";
		if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0)
			goto bad;
	}
	if (o->dnssec) {
		what = ROOT_ANCHOR;
		if ((rc = ub_ctx_add_ta_file(ctx, ROOT_ANCHOR)) != 0)
			goto bad;
	}
	if (o->trust_anchor) {
		what = "trust anchor";
		if ((rc = ub_ctx_add_ta(ctx, o->trust_anchor)) != 0)
			goto bad;
	}
	/* the built-in RFC 6761 zones exist once the context is finalized
	 * (zone_remove does that); removing them lets the question out */
	for (size_t i = 0; i < o->nunblock; i++) {
		what = o->unblock_zones[i];
		if ((rc = ub_ctx_zone_remove(ctx, o->unblock_zones[i])) != 0 && rc != UB_NOID)
			goto bad;
	}
	return true;
bad:
	mp_why_setf(why, MP_REASON_DNS_RESOLVER, "%s: %s", what,
	            rc == 0 ? "bad value" : ub_strerror(rc));
	return false;
}

/* mp_resolver_new_unbound - a libunbound resolver */
struct mp_resolver *
mp_resolver_new_unbound(const struct mp_unbound_opts *o, struct mp_why *why)
{
	static const struct mp_unbound_opts none;
	struct ub_resolver *r;

	if (o == NULL)
		o = &none;
	if ((r = mp_zalloc(sizeof *r)) == NULL) {
		mp_why_set(why, MP_REASON_NOMEM);
		return NULL;
	}
	r->base.ops = &unbound_ops;
	r->retries = o->retries ? o->retries : 1;
	r->try_ms = (o->timeout_ms ? o->timeout_ms : MP_LIMIT_DNS_TIMEOUT_MS) / (r->retries + 1);
	if (r->try_ms == 0)
		r->try_ms = 1;
	r->dnssec = o->dnssec || o->trust_anchor != NULL;
	r->first_deadline = UINT64_MAX;
	if ((r->ctx = ub_ctx_create()) == NULL) {
		mp_free(r);
		mp_why_setf(why, MP_REASON_DNS_RESOLVER, "cannot create a libunbound context");
		return NULL;
	}
	if (!configure(r->ctx, o, why)) {
		ub_ctx_delete(r->ctx);
		mp_free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	return &r->base;
}
