/* verify_cache.c - DNS answers shared by the messages of one verify run.
 * In batch mode most questions repeat (the same domains' SPF, keys and
 * DMARC records); answering them in-process saves the resolver round trip,
 * which costs more CPU than the verification itself. Present and absent
 * answers are kept until their TTL (absent: MP_VERIFY_CACHE_NEG_TTL) ends;
 * indeterminate ones never. Open addressing on (type, lower-case name);
 * bounded in entries and bytes, and emptied when full. Not thread-safe:
 * one cache per driving thread. The table starts small and doubles (a
 * table sized for the maximum up front is megabytes of zeroed pages that
 * each cost a page fault when first touched).
 */
#include <string.h>
#include <time.h>

#include <mailproof/verify.h>

#include "verify_internal.h"

#define MP_VERIFY_CACHE_NEG_TTL 300          /* own: seconds an absent answer is kept */
#define MP_VERIFY_CACHE_BYTES (64u << 20)    /* own: answer bytes kept (64 MiB) */
#define MP_VERIFY_CACHE_SLOTS0 1024          /* own: first table size (power of 2) */

struct slot {
	uint64_t hash;              /* 0: empty */
	uint16_t type;
	int64_t expires;
	const struct mp_dns_answer *ans;
	struct mp_str name;         /* lower case, no trailing dot */
};

struct mp_verify_cache {
	struct mp_arena a;
	struct slot *slots;
	size_t nslots, used, max, maxslots;
	uint64_t hits, stored;
};

struct mp_verify_cache *
mp_verify_cache_new(size_t max_entries)
{
	struct mp_verify_cache *c = mp_zalloc(sizeof *c);

	if (c == NULL)
		return NULL;
	c->max = max_entries ? max_entries : 65536;
	c->maxslots = 16;
	while (c->maxslots < c->max * 2)
		c->maxslots *= 2;
	c->nslots = c->maxslots < MP_VERIFY_CACHE_SLOTS0 ? c->maxslots : MP_VERIFY_CACHE_SLOTS0;
	if ((c->slots = mp_zalloc(c->nslots * sizeof *c->slots)) == NULL) {
		mp_free(c);
		return NULL;
	}
	mp_arena_init(&c->a, MP_VERIFY_CACHE_BYTES);
	return c;
}

void
mp_verify_cache_free(struct mp_verify_cache *c)
{
	if (c == NULL)
		return;
	mp_arena_fini(&c->a);
	mp_free(c->slots);
	mp_free(c);
}

void
mp_verify_cache_stats(const struct mp_verify_cache *c, uint64_t *hits, uint64_t *stored)
{
	*hits = c ? c->hits : 0;
	*stored = c ? c->stored : 0;
}

/* key - FNV-1a of type and the lower-case name without a trailing dot */
static uint64_t
key(uint16_t type, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ type;

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		h ^= mp_lower((unsigned char)name[i]);
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* find - the slot for (type, name): a match or the empty slot to fill */
static struct slot *
find(struct mp_verify_cache *c, uint16_t type, struct mp_str name, uint64_t h)
{
	size_t i = (size_t)h & (c->nslots - 1);

	if (name.len > 0 && name.ptr[name.len - 1] == '.')
		name.len--;
	for (;;) {
		struct slot *s = &c->slots[i];
		if (s->hash == 0 ||
		    (s->hash == h && s->type == type && mp_str_eq_nocase(s->name, name)))
			return s;
		i = (i + 1) & (c->nslots - 1);
	}
}

/* grow - twice the slots (at most maxslots); false when it cannot (the
 * table stays as it is, still valid) */
static bool
grow(struct mp_verify_cache *c)
{
	size_t n = c->nslots * 2;
	struct slot *ns;

	if (n > c->maxslots || (ns = mp_zalloc(n * sizeof *ns)) == NULL)
		return false;
	for (size_t k = 0; k < c->nslots; k++) {
		size_t i;
		if (c->slots[k].hash == 0)
			continue;
		for (i = (size_t)c->slots[k].hash & (n - 1); ns[i].hash != 0; i = (i + 1) & (n - 1))
			;
		ns[i] = c->slots[k];
	}
	mp_free(c->slots);
	c->slots = ns;
	c->nslots = n;
	return true;
}

const struct mp_dns_answer *
mp_verify_cache_get(struct mp_verify_cache *c, const struct mp_dns_question *q, int64_t now)
{
	struct mp_str name = mp_str_make(q->name, q->name_len);
	struct slot *s = find(c, q->type, name, key(q->type, q->name, q->name_len));

	if (s->hash == 0 || s->expires < now)
		return NULL;
	c->hits++;
	return s->ans;
}

void
mp_verify_cache_put(struct mp_verify_cache *c, const struct mp_dns_question *q,
                    const struct mp_dns_answer *ans, int64_t now)
{
	uint64_t h = key(q->type, q->name, q->name_len);
	struct mp_str name = mp_str_make(q->name, q->name_len);
	enum mp_dns_state st = mp_dns_state_of(ans->status);
	uint32_t ttl = MP_VERIFY_CACHE_NEG_TTL;
	struct slot *s;

	if (st == MP_DNS_INDETERMINATE)
		return;
	for (size_t i = 0; i < ans->nrr; i++)
		if (i == 0 || ans->rr[i].ttl < ttl)
			ttl = ans->rr[i].ttl;
	if (ttl == 0)
		return;
	if (c->used >= c->max) {                 /* full: start over */
		memset(c->slots, 0, c->nslots * sizeof *c->slots);
		mp_arena_reset(&c->a);
		c->used = 0;
	}
	if ((c->used + 1) * 2 > c->nslots && !grow(c) && c->used + 1 >= c->nslots) {
		memset(c->slots, 0, c->nslots * sizeof *c->slots);   /* no room: start over */
		mp_arena_reset(&c->a);
		c->used = 0;
	}
	s = find(c, q->type, name, h);
	if (name.len > 0 && name.ptr[name.len - 1] == '.')
		name.len--;
	{
		const struct mp_dns_answer *d = mp_dns_answer_dup(&c->a, ans);
		struct mp_str n = mp_arena_strdup(&c->a, name);
		if (d == NULL || n.ptr == NULL) {      /* out of bytes: start over */
			memset(c->slots, 0, c->nslots * sizeof *c->slots);
			mp_arena_reset(&c->a);
			c->used = 0;
			return;
		}
		if (s->hash == 0)
			c->used++;
		*s = (struct slot){ h, q->type, now + (int64_t)ttl, d, n };
		c->stored++;
	}
}
