/* dns_zone.c - zone data answered from memory.
 *
 * Names are keyed by their lower-cased wire form in an open-addressing hash
 * table; each name keeps its records as wire RDATA plus the decoded form.
 * Answers follow CNAMEs (at most MP_LIMIT_DNS_CNAME_CHAIN hops, loops are
 * SERVFAIL), tell NXDOMAIN from NODATA (an empty non-terminal between two
 * names that own records exists, RFC 8020), and can be made to fail on
 * purpose (mp_zone_fail). Names absent from the data do not exist, unless
 * a wildcard covers them (RFC 4592).
 * A zone is built by one thread; once built, lookups may run concurrently.
 */
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

struct zrec {
	struct zrec *next;
	size_t rdlen;
	const uint8_t *rdata;   /* wire form, no compression */
	struct mp_dns_rr rr;    /* decoded; points into the zone's arena */
};

struct zfail {
	uint16_t type;          /* 0: every type */
	enum mp_dns_status status;
};

struct znode {
	const uint8_t *key;     /* lower-cased wire name */
	size_t keylen;
	uint32_t hash;
	struct mp_str name;     /* presentation form as first written */
	struct zrec *head, *tail;
	size_t nrec;
	size_t nbelow;          /* descendants that own records */
	struct zfail *fails;    /* injected failures, in the zone's arena */
	size_t nfails, capfails;
};

struct mp_zone {
	struct mp_arena mem;
	struct znode **tab;
	size_t cap, n;
	size_t nrecords;
};

#define ZONE_TAB_MIN 64

/* hash_key - FNV-1a over the lower-cased wire name */
static uint32_t
hash_key(const uint8_t *k, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* mp_zone_new - empty zone */
struct mp_zone *
mp_zone_new(void)
{
	struct mp_zone *z = mp_zalloc(sizeof *z);

	if (z == NULL)
		return NULL;
	mp_arena_init(&z->mem, MP_LIMIT_ZONE_BYTES);
	z->tab = mp_zalloc(ZONE_TAB_MIN * sizeof *z->tab);
	if (z->tab == NULL) {
		mp_free(z);
		return NULL;
	}
	z->cap = ZONE_TAB_MIN;
	return z;
}

/* mp_zone_free - release everything; NULL does nothing */
void
mp_zone_free(struct mp_zone *z)
{
	if (z == NULL)
		return;
	mp_arena_fini(&z->mem);
	mp_free(z->tab);
	mp_free(z);
}

/* mp_zone_count - records loaded */
size_t
mp_zone_count(const struct mp_zone *z)
{
	return z ? z->nrecords : 0;
}

/* find - node for a lower-cased wire name, or NULL */
static struct znode *
find(const struct mp_zone *z, const uint8_t *key, size_t len)
{
	uint32_t h = hash_key(key, len);
	size_t i = h & (z->cap - 1);

	for (; z->tab[i] != NULL; i = (i + 1) & (z->cap - 1)) {
		const struct znode *n = z->tab[i];
		if (n->hash == h && n->keylen == len && memcmp(n->key, key, len) == 0)
			return z->tab[i];
	}
	return NULL;
}

/* grow - double the table */
static enum mp_status
grow(struct mp_zone *z)
{
	size_t cap = z->cap * 2;
	struct znode **tab = mp_zalloc(cap * sizeof *tab);

	if (tab == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < z->cap; i++) {
		struct znode *n = z->tab[i];
		size_t j;
		if (n == NULL)
			continue;
		for (j = n->hash & (cap - 1); tab[j] != NULL; j = (j + 1) & (cap - 1))
			;
		tab[j] = n;
	}
	mp_free(z->tab);
	z->tab = tab;
	z->cap = cap;
	return MP_OK;
}

/* get - node for a wire name (any case), created when missing */
static enum mp_status
get(struct mp_zone *z, const struct mp_dns_wname *w, struct znode **out)
{
	struct mp_dns_wname low;
	struct znode *n;
	uint8_t *key;
	size_t i;

	mp_dns_wname_lower(w, &low);
	if ((*out = find(z, low.b, low.len)) != NULL)
		return MP_OK;
	if (z->n + 1 > z->cap / 2 && grow(z) != MP_OK)
		return MP_ENOMEM;
	n = mp_arena_zalloc(&z->mem, sizeof *n);
	key = mp_arena_alloc(&z->mem, low.len);
	if (n == NULL || key == NULL)
		return MP_ENOMEM;
	memcpy(key, low.b, low.len);
	n->key = key;
	n->keylen = low.len;
	n->hash = hash_key(key, low.len);
	n->name = mp_dns_wname_str(&z->mem, w->b, w->len);
	if (n->name.ptr == NULL)
		return MP_ENOMEM;
	for (i = n->hash & (z->cap - 1); z->tab[i] != NULL; i = (i + 1) & (z->cap - 1))
		;
	z->tab[i] = n;
	z->n++;
	*out = n;
	return MP_OK;
}

/* parent - the wire name one label up; false at the root */
static bool
parent(const struct mp_dns_wname *w, struct mp_dns_wname *out)
{
	size_t skip;

	if (w->len <= 1)
		return false;
	skip = (size_t)w->b[0] + 1;
	out->len = w->len - skip;
	memmove(out->b, w->b + skip, out->len);
	return true;
}

/* mark_ancestors - a name got its first record: its ancestors have one
 * more descendant that owns records */
static enum mp_status
mark_ancestors(struct mp_zone *z, const struct mp_dns_wname *w)
{
	struct mp_dns_wname cur = *w, up;
	struct znode *n;

	while (parent(&cur, &up)) {
		if (get(z, &up, &n) != MP_OK)
			return MP_ENOMEM;
		n->nbelow++;
		cur = up;
	}
	return MP_OK;
}

/* mp_zone_add_wire - one record as wire rdata; duplicates are dropped */
enum mp_status
mp_zone_add_wire(struct mp_zone *z, const struct mp_dns_wname *owner, uint32_t ttl,
                 uint16_t type, const uint8_t *rdata, size_t rdlen, const char **err)
{
	struct znode *n;
	struct zrec *r;
	uint8_t *copy;
	bool bad;

	*err = "out of memory";
	if (get(z, owner, &n) != MP_OK)
		return MP_ENOMEM;
	for (r = n->head; r != NULL; r = r->next)
		if (r->rr.type == type && r->rdlen == rdlen && memcmp(r->rdata, rdata, rdlen) == 0)
			return MP_OK;
	if ((r = mp_arena_zalloc(&z->mem, sizeof *r)) == NULL ||
	    (copy = mp_arena_alloc(&z->mem, rdlen)) == NULL)
		return MP_ENOMEM;
	if (rdlen)
		memcpy(copy, rdata, rdlen);
	r->rdata = copy;
	r->rdlen = rdlen;
	if (mp_dns_rr_decode(&z->mem, type, ttl, copy, rdlen, 0, rdlen, &r->rr, &bad) != MP_OK)
		return MP_ENOMEM;
	*err = "malformed record data";
	if (bad)
		return MP_EINVAL;
	if (n->nrec == 0 && mark_ancestors(z, owner) != MP_OK)
		return MP_ENOMEM;
	if (n->tail)
		n->tail->next = r;
	else
		n->head = r;
	n->tail = r;
	n->nrec++;
	z->nrecords++;
	return MP_OK;
}

/* mp_zone_add_txt - TXT from raw character-strings */
enum mp_status
mp_zone_add_txt(struct mp_zone *z, struct mp_str owner, const struct mp_str *strings,
                size_t n)
{
	struct mp_dns_wname w;
	struct mp_buf rd;
	const char *err;
	enum mp_status st = MP_OK;

	if (!mp_dns_name_parse(owner, NULL, &w, &err) || n == 0)
		return MP_EINVAL;
	mp_buf_init(&rd, MP_LIMIT_DNS_RDATA);
	for (size_t i = 0; i < n && st == MP_OK; i++) {
		if (strings[i].len > MP_LIMIT_DNS_TXT_STRING) {
			st = MP_EINVAL;
			break;
		}
		st = mp_buf_append_byte(&rd, (char)strings[i].len);
		if (st == MP_OK)
			st = mp_buf_append_str(&rd, strings[i]);
	}
	if (st == MP_OK)
		st = mp_zone_add_wire(z, &w, 3600, MP_DNS_T_TXT, (const uint8_t *)rd.ptr, rd.len,
		                      &err);
	mp_buf_fini(&rd);
	return st;
}

/* mp_zone_fail - make questions for a name (one type or all) fail */
enum mp_status
mp_zone_fail(struct mp_zone *z, struct mp_str name, uint16_t type, enum mp_dns_status status)
{
	struct mp_dns_wname w;
	struct znode *n;
	const char *err;

	if (mp_dns_state_of(status) != MP_DNS_INDETERMINATE ||
	    !mp_dns_name_parse(name, NULL, &w, &err))
		return MP_EINVAL;
	if (get(z, &w, &n) != MP_OK)
		return MP_ENOMEM;
	for (size_t i = 0; i < n->nfails; i++)
		if (n->fails[i].type == type) {
			n->fails[i].status = status;
			return MP_OK;
		}
	if (n->nfails == n->capfails) {
		size_t cap = n->capfails ? n->capfails * 2 : 4;
		struct zfail *f;
		if (cap > 65536)
			return MP_ELIMIT;
		if ((f = mp_arena_alloc(&z->mem, cap * sizeof *f)) == NULL)
			return MP_ENOMEM;
		if (n->nfails)
			memcpy(f, n->fails, n->nfails * sizeof *f);
		n->fails = f;
		n->capfails = cap;
	}
	n->fails[n->nfails].type = type;
	n->fails[n->nfails].status = status;
	n->nfails++;
	return MP_OK;
}

/* injected - a failure set for this node and type, or false */
static bool
injected(const struct znode *n, uint16_t type, enum mp_dns_status *st)
{
	for (size_t i = 0; n != NULL && i < n->nfails; i++)
		if (n->fails[i].type == 0 || n->fails[i].type == type) {
			*st = n->fails[i].status;
			return true;
		}
	return false;
}

/* exists_empty - an empty non-terminal below a name that owns records */
static bool
exists_empty(const struct mp_zone *z, const struct znode *n)
{
	struct mp_dns_wname cur, up;
	const struct znode *a;

	if (n == NULL || n->nbelow == 0)
		return false;
	cur.len = n->keylen;
	memcpy(cur.b, n->key, n->keylen);
	while (parent(&cur, &up)) {
		if ((a = find(z, up.b, up.len)) != NULL && a->nrec > 0)
			return true;
		cur = up;
	}
	return false;
}

/* exists - the name owns records or is an empty non-terminal */
static bool
exists(const struct mp_zone *z, const struct znode *n)
{
	return n != NULL && (n->nrec > 0 || exists_empty(z, n));
}

/* wildcard - RFC 4592 §3.3.1: the source of synthesis "*.<closest
 * encloser>" for a name that does not exist, or NULL */
static const struct znode *
wildcard(const struct mp_zone *z, const struct mp_dns_wname *name)
{
	struct mp_dns_wname cur = *name, up, star;
	const struct znode *n;

	while (parent(&cur, &up)) {
		if (exists(z, find(z, up.b, up.len))) {
			if (up.len + 2 > MP_LIMIT_DNS_NAME)
				return NULL;
			star.b[0] = 1;
			star.b[1] = '*';
			memcpy(star.b + 2, up.b, up.len);
			star.len = up.len + 2;
			n = find(z, star.b, star.len);
			return n != NULL && n->nrec > 0 ? n : NULL;
		}
		cur = up;
	}
	return NULL;
}

/* fill - records of the node's qtype into the answer */
static enum mp_status
fill(struct mp_arena *a, const struct znode *n, uint16_t qtype, size_t count,
     struct mp_dns_answer *ans)
{
	struct mp_dns_rr *rr;
	size_t i = 0;

	if (count > MP_LIMIT_DNS_RRS)
		count = MP_LIMIT_DNS_RRS;
	if ((rr = mp_arena_alloc(a, count * sizeof *rr)) == NULL)
		return MP_ENOMEM;
	for (const struct zrec *r = n->head; r != NULL && i < count; r = r->next)
		if (r->rr.type == qtype && mp_dns_rr_copy(a, &r->rr, &rr[i++]) != MP_OK)
			return MP_ENOMEM;
	ans->rr = rr;
	ans->nrr = count;
	ans->status = MP_DNS_OK;
	return MP_OK;
}

/* count_type - records of a type at a node, and its CNAME if any */
static size_t
count_type(const struct znode *n, uint16_t type, const struct zrec **cname)
{
	size_t c = 0;

	*cname = NULL;
	for (const struct zrec *r = n->head; r != NULL; r = r->next) {
		if (r->rr.type == type)
			c++;
		else if (r->rr.type == MP_DNS_T_CNAME && *cname == NULL)
			*cname = r;
	}
	return c;
}

/* follow - one CNAME hop; false with *st and *why when the chain ends badly */
static bool
follow(const struct zrec *cname, struct mp_dns_wname *seen, size_t nseen,
       struct mp_dns_wname *cur, const char **why)
{
	struct mp_dns_wname w;
	size_t off = 0;

	if (!mp_dns_wire_name_read(cname->rdata, cname->rdlen, &off, &w)) {
		*why = "malformed CNAME";
		return false;
	}
	mp_dns_wname_lower(&w, cur);
	for (size_t i = 0; i < nseen; i++)
		if (seen[i].len == cur->len && memcmp(seen[i].b, cur->b, cur->len) == 0) {
			*why = "CNAME loop";
			return false;
		}
	if (nseen > MP_LIMIT_DNS_CNAME_CHAIN) {
		*why = "CNAME chain too long";
		return false;
	}
	return true;
}

/* mp_zone_lookup - answer a question from memory */
enum mp_status
mp_zone_lookup(const struct mp_zone *z, const struct mp_dns_question *q, struct mp_arena *a,
               const struct mp_dns_answer **out)
{
	struct mp_dns_wname w, seen[MP_LIMIT_DNS_CNAME_CHAIN + 2];
	struct mp_dns_answer *ans;
	const struct znode *n;
	const struct zrec *cname;
	const char *err;
	enum mp_dns_status st;
	struct mp_str qname = mp_str_make(q->name, q->name_len);
	size_t nseen = 0, count;

	*out = NULL;
	if ((ans = mp_dns_answer_simple(a, qname, q->type, MP_DNS_NXDOMAIN, NULL)) == NULL)
		return MP_ENOMEM;
	*out = ans;
	if (!mp_dns_name_parse(qname, NULL, &w, &err)) {
		ans->status = MP_DNS_MALFORMED;
		ans->why = mp_arena_printf(a, "malformed name: %s", err);
		return ans->why.ptr ? MP_OK : MP_ENOMEM;
	}
	mp_dns_wname_lower(&w, &seen[nseen++]);
	for (;;) {
		n = find(z, seen[nseen - 1].b, seen[nseen - 1].len);
		if (injected(n, q->type, &st)) {
			ans->status = st;
			ans->why = mp_arena_printf(a, "%s injected for %.*s", mp_dns_status_name(st),
			                           (int)n->name.len, n->name.ptr);
			return ans->why.ptr ? MP_OK : MP_ENOMEM;
		}
		if (n == NULL || n->nrec == 0) {
			if (exists_empty(z, n)) {
				ans->status = MP_DNS_NODATA;
				return MP_OK;
			}
			if ((n = wildcard(z, &seen[nseen - 1])) == NULL) {
				ans->status = MP_DNS_NXDOMAIN;
				return MP_OK;
			}
		}
		if ((count = count_type(n, q->type, &cname)) > 0)
			return fill(a, n, q->type, count, ans);
		if (cname == NULL) {
			ans->status = MP_DNS_NODATA;
			return MP_OK;
		}
		if (!follow(cname, seen, nseen, &seen[nseen], &err)) {
			ans->status = MP_DNS_SERVFAIL;
			ans->why = mp_arena_strdup(a, mp_str_c(err));
			return ans->why.ptr ? MP_OK : MP_ENOMEM;
		}
		nseen++;
		ans->ncname++;
		ans->canonical = mp_arena_strdup(a, cname->rr.u.name);
		if (ans->canonical.ptr == NULL)
			return MP_ENOMEM;
	}
}

/* mp_zone_walk - every record, table order */
enum mp_status
mp_zone_walk(const struct mp_zone *z, mp_zone_walk_fn *fn, void *arg)
{
	enum mp_status st;

	for (size_t i = 0; i < z->cap; i++) {
		const struct znode *n = z->tab[i];
		if (n == NULL)
			continue;
		for (const struct zrec *r = n->head; r != NULL; r = r->next)
			if ((st = fn(arg, n->name, &r->rr)) != MP_OK)
				return st;
	}
	return MP_OK;
}
