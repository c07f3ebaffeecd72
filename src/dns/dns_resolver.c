/* dns_resolver.c - the resolver interface, the zone-data driver, and the
 * loops that drive sans-IO cores (mp_dns_drive, mp_dns_drive_many).
 *
 * The zone driver queues submitted questions and answers them from
 * mp_resolver_poll, never from inside submit, so cores see the same call
 * order as with a network driver. One zone resolver belongs to one thread;
 * the zone it reads may be shared.
 */
#include <stdbool.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

/* ---- generic entry points ---- */

/* mp_resolver_free - NULL does nothing */
void
mp_resolver_free(struct mp_resolver *r)
{
	if (r != NULL)
		r->ops->free(r);
}

/* mp_resolver_submit - start one question */
enum mp_status
mp_resolver_submit(struct mp_resolver *r, const struct mp_dns_question *q,
                   mp_dns_done_fn *done, void *arg)
{
	return r->ops->submit(r, q, done, arg);
}

/* mp_resolver_poll - wait for answers and call back */
enum mp_status
mp_resolver_poll(struct mp_resolver *r, int timeout_ms)
{
	return r->ops->poll(r, timeout_ms);
}

/* mp_resolver_pending - questions not yet called back */
size_t
mp_resolver_pending(const struct mp_resolver *r)
{
	return r->ops->pending(r);
}

/* mp_resolver_fd - descriptor to wait on, or -1 */
int
mp_resolver_fd(const struct mp_resolver *r)
{
	return r->ops->fd(r);
}

struct sync_wait {
	struct mp_arena *a;
	const struct mp_dns_answer *ans;
	bool done, nomem;
};

/* sync_done - copy the answer for a synchronous caller */
static void
sync_done(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	struct sync_wait *w = arg;

	(void)q;
	w->ans = mp_dns_answer_dup(w->a, ans);
	w->nomem = w->ans == NULL;
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
}

/* mp_dns_query_sync - a synchronous question over a driver's submit and
 * poll: poll in short slices until this question is answered (another
 * thread's poll may deliver it) */
enum mp_status
mp_dns_query_sync(struct mp_resolver *r, const struct mp_dns_question *q, struct mp_arena *a,
                  const struct mp_dns_answer **out)
{
	struct sync_wait w = { a, NULL, false, false };
	enum mp_status st;

	*out = NULL;
	if ((st = r->ops->submit(r, q, sync_done, &w)) != MP_OK)
		return st;
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE))
		if ((st = r->ops->poll(r, MP_DNS_SYNC_SLICE_MS)) != MP_OK)
			return st;
	*out = w.ans;
	return w.nomem ? MP_ENOMEM : MP_OK;
}

/* mp_resolver_query - synchronous question */
enum mp_status
mp_resolver_query(struct mp_resolver *r, const struct mp_dns_question *q, struct mp_arena *a,
                  const struct mp_dns_answer **out)
{
	return r->ops->query(r, q, a, out);
}

/* ---- zone driver ---- */

struct zq {
	const struct mp_dns_question *q;
	mp_dns_done_fn *done;
	void *arg;
};

struct zone_resolver {
	struct mp_resolver base;
	const struct mp_zone *zone;
	struct zq *queue;
	size_t head, n, cap;
	struct mp_arena scratch;
};

/* zr_submit - queue a question */
static enum mp_status
zr_submit(struct mp_resolver *r, const struct mp_dns_question *q, mp_dns_done_fn *done,
          void *arg)
{
	struct zone_resolver *zr = (struct zone_resolver *)r;

	if (zr->n >= MP_LIMIT_DNS_INFLIGHT)
		return MP_ELIMIT;
	if (zr->head > 0 && zr->head + zr->n == zr->cap) {      /* compact */
		memmove(zr->queue, zr->queue + zr->head, zr->n * sizeof *zr->queue);
		zr->head = 0;
	}
	if (zr->head + zr->n == zr->cap) {
		size_t cap = zr->cap ? zr->cap * 2 : 16;
		struct zq *nq = mp_realloc(zr->queue, cap * sizeof *nq);
		if (nq == NULL)
			return MP_ENOMEM;
		zr->queue = nq;
		zr->cap = cap;
	}
	zr->queue[zr->head + zr->n] = (struct zq){ q, done, arg };
	zr->n++;
	return MP_OK;
}

/* zr_poll - answer what was queued before this call */
static enum mp_status
zr_poll(struct mp_resolver *r, int timeout_ms)
{
	struct zone_resolver *zr = (struct zone_resolver *)r;
	const struct mp_dns_answer *ans;
	size_t todo = zr->n;
	enum mp_status st;

	(void)timeout_ms;
	while (todo-- > 0 && zr->n > 0) {
		struct zq e = zr->queue[zr->head];
		zr->head++;
		zr->n--;
		if (zr->n == 0)
			zr->head = 0;
		mp_arena_reset(&zr->scratch);
		st = mp_zone_lookup(zr->zone, e.q, &zr->scratch, &ans);
		if (st != MP_OK) {
			/* out of memory answering: say so as an indeterminate answer */
			mp_arena_reset(&zr->scratch);
			ans = mp_dns_answer_simple(&zr->scratch,
			    mp_str_make(e.q->name, e.q->name_len), e.q->type, MP_DNS_SERVFAIL,
			    "out of memory");
			if (ans == NULL)
				return MP_ENOMEM;
		}
		e.done(e.arg, e.q, ans);
	}
	return MP_OK;
}

static size_t
zr_pending(const struct mp_resolver *r)
{
	return ((const struct zone_resolver *)r)->n;
}

static int
zr_fd(const struct mp_resolver *r)
{
	(void)r;
	return -1;
}

/* zr_query - synchronous lookup */
static enum mp_status
zr_query(struct mp_resolver *r, const struct mp_dns_question *q, struct mp_arena *a,
         const struct mp_dns_answer **out)
{
	return mp_zone_lookup(((struct zone_resolver *)r)->zone, q, a, out);
}

static void
zr_free(struct mp_resolver *r)
{
	struct zone_resolver *zr = (struct zone_resolver *)r;

	mp_arena_fini(&zr->scratch);
	mp_free(zr->queue);
	mp_free(zr);
}

static const struct mp_resolver_ops zone_ops = {
	zr_submit, zr_poll, zr_pending, zr_fd, zr_query, zr_free,
};

/* mp_resolver_new_zone - answers from zone data */
struct mp_resolver *
mp_resolver_new_zone(const struct mp_zone *z)
{
	struct zone_resolver *zr;

	if (z == NULL || (zr = mp_zalloc(sizeof *zr)) == NULL)
		return NULL;
	zr->base.ops = &zone_ops;
	zr->zone = z;
	mp_arena_init(&zr->scratch, MP_LIMIT_DNS_ANSWER_ARENA);
	return &zr->base;
}

/* ---- driving cores ---- */

struct slot {
	struct mp_dns_client c;
	size_t outstanding;
	enum mp_status err;     /* first error an answer() returned */
	bool busy;
};

/* on_answer - hand one answer to its client */
static void
on_answer(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	struct slot *s = arg;
	enum mp_status st;

	s->outstanding--;
	st = s->c.answer(s->c.core, q, ans);
	if (st != MP_OK && s->err == MP_OK)
		s->err = st;
}

/* step - run a client whose questions are all answered; submit its next
 * questions. MP_PENDING while it waits; anything else: it is finished. */
static enum mp_status
step(struct mp_resolver *r, struct slot *s)
{
	const struct mp_dns_question *const *qs;
	enum mp_status st;
	size_t n;

	if (s->err != MP_OK)
		return s->err;
	if ((st = s->c.run(s->c.core)) != MP_PENDING)
		return st;
	n = s->c.questions(s->c.core, &qs);
	if (n == 0)
		return MP_EINVAL;       /* pending with nothing to ask: core bug */
	for (size_t i = 0; i < n; i++) {
		if ((st = mp_resolver_submit(r, qs[i], on_answer, s)) != MP_OK)
			return st;      /* earlier ones are answered later: see drain */
		s->outstanding++;
	}
	return MP_PENDING;
}

/* drain - wait until a slot's questions are all answered (after an error,
 * so no callback reaches freed memory) */
static enum mp_status
drain(struct mp_resolver *r, struct slot *s)
{
	enum mp_status st = MP_OK;

	while (s->outstanding > 0 && st == MP_OK)
		st = mp_resolver_poll(r, -1);
	return st;
}

/* mp_dns_drive - one client to completion, synchronously */
enum mp_status
mp_dns_drive(struct mp_resolver *r, const struct mp_dns_client *c)
{
	struct slot s = { *c, 0, MP_OK, true };
	enum mp_status st, pst;

	for (;;) {
		st = step(r, &s);
		pst = drain(r, &s);
		if (st != MP_PENDING)
			return st;
		if (pst != MP_OK)
			return pst;
	}
}

/* fill_slots - take new clients while there is room */
static bool
fill_slots(const struct mp_dns_multi *m, struct slot *slots, size_t nslots, size_t *busy)
{
	bool more = true;

	for (size_t i = 0; i < nslots && more; i++) {
		if (slots[i].busy)
			continue;
		memset(&slots[i], 0, sizeof slots[i]);
		if (!(more = m->next(m->arg, &slots[i].c)))
			break;
		slots[i].busy = true;
		(*busy)++;
	}
	return more;
}

/* mp_dns_drive_many - many clients at once from one thread */
enum mp_status
mp_dns_drive_many(const struct mp_dns_multi *m)
{
	size_t nslots = m->max_clients ? m->max_clients : 1, busy = 0;
	struct slot *slots;
	enum mp_status st = MP_OK, rst;
	bool more = true;

	if (nslots > MP_LIMIT_DNS_INFLIGHT)
		nslots = MP_LIMIT_DNS_INFLIGHT;
	if ((slots = mp_zalloc(nslots * sizeof *slots)) == NULL)
		return MP_ENOMEM;
	for (;;) {
		if (more)
			more = fill_slots(m, slots, nslots, &busy);
		for (size_t i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];
			if (!s->busy || s->outstanding > 0)
				continue;
			if ((rst = step(m->resolver, s)) == MP_PENDING)
				continue;
			if (s->outstanding > 0 && (st = drain(m->resolver, s)) != MP_OK)
				goto out;
			s->busy = false;
			busy--;
			m->finished(m->arg, &s->c, rst);
		}
		if (busy == 0 && !more)
			break;
		if (mp_resolver_pending(m->resolver) > 0 &&
		    (st = mp_resolver_poll(m->resolver, -1)) != MP_OK)
			goto out;
	}
out:
	mp_free(slots);
	return st;
}
