/* milter_dnscache.c - DNS answers shared by all of mailproofd's connections
 * (one per configuration generation): a message's SPF, DKIM key and DMARC
 * questions are mostly the previous message's, and a round trip through the
 * resolver costs more CPU than the checks themselves (NOTES.md). Present and
 * absent answers are kept for their TTL (at most 300 s; absent 60 s);
 * indeterminate ones never. Bounded: MP_LIMIT_MILTER_DNS_CACHE entries, each
 * in its own small arena; when full, it starts over. Thread-safe (a mutex
 * around the table; answers are copied out to the caller's arena).
 */
#include <string.h>
#include <time.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/str.h>

#include "milter_conn.h"

#define BUCKETS 1024
#define ENTRY_ARENA (64u << 10)
#define TTL_MAX 300
#define TTL_ABSENT 60

struct entry {
	struct entry *next;
	uint16_t type;
	time_t expires;
	struct mp_arena arena;
	const struct mp_dns_answer *ans;
	size_t name_len;
	char name[MP_LIMIT_DNS_NAME_TEXT + 1];
};

struct milter_dnscache {
	pthread_mutex_t lock;
	struct entry *tab[BUCKETS];
	size_t n;
};

/* hash - FNV-1a over the lower-cased name and the type */
static size_t
hash(const struct mp_dns_question *q)
{
	uint32_t h = 2166136261u ^ q->type;

	for (size_t i = 0; i < q->name_len; i++)
		h = (h ^ mp_lower((unsigned char)q->name[i])) * 16777619u;
	return h % BUCKETS;
}

/* now_s - monotonic seconds */
static time_t
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

struct milter_dnscache *
milter_dnscache_new(void)
{
	struct milter_dnscache *c = mp_zalloc(sizeof *c);

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* clear - drop every entry (lock held) */
static void
clear(struct milter_dnscache *c)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		struct entry *e = c->tab[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			mp_arena_fini(&e->arena);
			mp_free(e);
		}
		c->tab[i] = NULL;
	}
	c->n = 0;
}

void
milter_dnscache_free(struct milter_dnscache *c)
{
	if (c == NULL)
		return;
	clear(c);
	pthread_mutex_destroy(&c->lock);
	mp_free(c);
}

bool
milter_dnscache_get(struct milter_dnscache *c, const struct mp_dns_question *q,
                    struct mp_arena *a, const struct mp_dns_answer **out)
{
	struct entry *e;
	time_t now = now_s();

	*out = NULL;
	pthread_mutex_lock(&c->lock);
	for (e = c->tab[hash(q)]; e != NULL; e = e->next)
		if (e->type == q->type && e->expires > now &&
		    mp_str_eq_nocase(mp_str_make(e->name, e->name_len), mp_str_make(q->name, q->name_len)))
			break;
	if (e != NULL)
		*out = mp_dns_answer_dup(a, e->ans);
	pthread_mutex_unlock(&c->lock);
	return *out != NULL;
}

/* ttl_of - seconds to keep an answer */
static time_t
ttl_of(const struct mp_dns_answer *ans)
{
	uint32_t ttl = TTL_MAX;

	if (mp_dns_state_of(ans->status) == MP_DNS_ABSENT)
		return TTL_ABSENT;
	for (size_t i = 0; i < ans->nrr; i++)
		if (ans->rr[i].ttl < ttl)
			ttl = ans->rr[i].ttl;
	return (time_t)ttl;
}

void
milter_dnscache_put(struct milter_dnscache *c, const struct mp_dns_question *q,
                    const struct mp_dns_answer *ans)
{
	struct entry *e;
	size_t b;

	if (mp_dns_state_of(ans->status) == MP_DNS_INDETERMINATE || ttl_of(ans) == 0 ||
	    (e = mp_zalloc(sizeof *e)) == NULL)
		return;
	mp_arena_init(&e->arena, ENTRY_ARENA);
	e->ans = mp_dns_answer_dup(&e->arena, ans);
	if (e->ans == NULL) {
		mp_arena_fini(&e->arena);
		mp_free(e);
		return;
	}
	e->type = q->type;
	e->name_len = q->name_len;
	memcpy(e->name, q->name, q->name_len);
	e->expires = now_s() + ttl_of(ans);
	b = hash(q);
	pthread_mutex_lock(&c->lock);
	if (c->n >= MP_LIMIT_MILTER_DNS_CACHE)
		clear(c);
	e->next = c->tab[b];
	c->tab[b] = e;
	c->n++;
	pthread_mutex_unlock(&c->lock);
}
