/* dkim_key.c - public keys: p= decoding (RFC 6376 §3.6.1, RFC 8463 §4),
 * signature verification, and the per-process decoded-key cache.
 *
 * RSA keys are built from (n, e) with EVP_PKEY_fromdata() after a small DER
 * walk (SubjectPublicKeyInfo or bare RSAPublicKey), not with d2i_PUBKEY(),
 * which costs 20-30 times more (NOTES.md). Ed25519 keys are the raw 32
 * bytes. The cache is keyed by the key itself (p= and k=, not selector or
 * domain), thread-safe (one mutex), bounded (least recently used entries go
 * first, and optionally by age) and hands out EVP_PKEY references. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/limits.h>

#include "dkim_internal.h"

/* der - a cursor over DER bytes */
struct der {
	const uint8_t *p, *end;
};

/* der_take - one element of type tag; its contents in *in; false on error */
static bool
der_take(struct der *d, uint8_t tag, struct der *in)
{
	size_t len = 0, n;

	if (d->end - d->p < 2 || d->p[0] != tag)
		return false;
	n = d->p[1];
	d->p += 2;
	if (n & 0x80) {
		n &= 0x7f;
		if (n == 0 || n > 2 || (size_t)(d->end - d->p) < n)
			return false;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | *d->p++;
	} else {
		len = n;
	}
	if ((size_t)(d->end - d->p) < len)
		return false;
	in->p = d->p;
	in->end = d->p + len;
	d->p += len;
	return true;
}

/* rsa_oid - 1.2.840.113549.1.1.1 rsaEncryption */
static const uint8_t rsa_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

/* rsa_numbers - n and e from SPKI or RSAPublicKey DER */
static bool
rsa_numbers(const uint8_t *der, size_t len, struct der *n, struct der *e)
{
	struct der top = { der, der + len }, seq, alg, oid, bits, pk;

	if (!der_take(&top, 0x30, &seq) || top.p != top.end)
		return false;
	if (seq.p < seq.end && seq.p[0] == 0x30) {      /* SubjectPublicKeyInfo */
		if (!der_take(&seq, 0x30, &alg) || !der_take(&alg, 0x06, &oid))
			return false;
		if ((size_t)(oid.end - oid.p) != sizeof rsa_oid
		    || memcmp(oid.p, rsa_oid, sizeof rsa_oid) != 0)
			return false;
		if (!der_take(&seq, 0x03, &bits) || bits.p == bits.end || *bits.p != 0)
			return false;
		bits.p++;
		if (!der_take(&bits, 0x30, &pk) || bits.p != bits.end)
			return false;
		seq = pk;
	}
	if (!der_take(&seq, 0x02, n) || !der_take(&seq, 0x02, e) || seq.p != seq.end)
		return false;
	while (n->p < n->end && *n->p == 0)
		n->p++;
	while (e->p < e->end && *e->p == 0)
		e->p++;
	return n->p < n->end && e->p < e->end && (size_t)(e->end - e->p) <= 8;
}

/* rsa_from_numbers - EVP_PKEY from big-endian n, e */
static EVP_PKEY *
rsa_from_numbers(const struct der *n, const struct der *e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *bn = BN_bin2bn(n->p, (int)(n->end - n->p), NULL);
	BIGNUM *be = BN_bin2bn(e->p, (int)(e->end - e->p), NULL);

	if (bld == NULL || bn == NULL || be == NULL)
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn)
	    || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0)
		goto out;
	if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pk;
}

/* bit_length - bits in a big-endian unsigned number without leading zeros */
static unsigned
bit_length(const struct der *n)
{
	unsigned bits = (unsigned)(n->end - n->p) * 8;
	uint8_t top = *n->p;

	for (uint8_t m = 0x80; m != 0 && !(top & m); m >>= 1)
		bits--;
	return bits;
}

/* p_numbers - p= decoded into der: the Ed25519 key (*len bytes) or RSA n and
 * e (views into der) with the modulus size; false with why set when p= is
 * empty (revoked) or not a key of that type */
static bool
p_numbers(struct mp_str p_b64, bool ed25519, uint8_t der[MP_LIMIT_DKIM_KEY_DER], size_t *len,
          struct der *n, struct der *e, unsigned *bits, struct mp_why *why)
{
	*bits = 0;
	if (p_b64.len == 0)
		return mp_why_set(why, MP_REASON_DKIM_KEY_REVOKED), false;
	if (!mp_base64_decode_to(der, MP_LIMIT_DKIM_KEY_DER, len, p_b64, true))
		return mp_why_setf(why, MP_REASON_DKIM_KEY_BAD, "p= is not base64 or too long"), false;
	if (ed25519) {
		if (*len != 32)     /* RFC 8463 §4: the bare 32-byte key, not SPKI */
			return mp_why_setf(why, MP_REASON_DKIM_KEY_BAD,
			                   "Ed25519 p= must be 32 bytes, not %zu (RFC 8463 §4)", *len),
			       false;
		*bits = 256;
		return true;
	}
	if (!rsa_numbers(der, *len, n, e))
		return mp_why_setf(why, MP_REASON_DKIM_KEY_BAD, "p= is not an RSA public key"), false;
	*bits = bit_length(n);
	return true;
}

/* mp_dkim_key_bits - the size of the key in p=, without making a key */
enum mp_status
mp_dkim_key_bits(struct mp_str p_b64, bool ed25519, unsigned *bits, struct mp_why *why)
{
	uint8_t der[MP_LIMIT_DKIM_KEY_DER];
	struct der n, e;
	size_t len;

	mp_why_clear(why);
	p_numbers(p_b64, ed25519, der, &len, &n, &e, bits, why);
	return MP_OK;
}

/* mp_dkim_key_info - a key record parsed and its key sized */
enum mp_status
mp_dkim_key_info(struct mp_str record, struct mp_dkim_key_info *out, struct mp_why *why)
{
	struct mp_why local;
	enum mp_status st;

	if (why == NULL)
		why = &local;
	memset(out, 0, sizeof *out);
	st = mp_dkim_key_parse(record, &out->key, why);
	if (st != MP_OK || mp_why_failed(why))
		return st;
	out->type = out->key.is_ed25519 ? "ed25519" : "rsa";
	out->revoked = out->key.p.len == 0;
	if (out->revoked)
		return MP_OK;
	return mp_dkim_key_bits(out->key.p, out->key.is_ed25519, &out->bits, why);
}

/* mp_dkim_key_decode - p= to a key; bad keys set why and return MP_OK */
enum mp_status
mp_dkim_key_decode(struct mp_str p_b64, bool ed25519, EVP_PKEY **out, unsigned *bits,
                   struct mp_why *why)
{
	uint8_t der[MP_LIMIT_DKIM_KEY_DER];
	struct der n, e;
	size_t len;

	*out = NULL;
	if (!p_numbers(p_b64, ed25519, der, &len, &n, &e, bits, why))
		return MP_OK;
	if (ed25519) {
		*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, len);
		return *out ? MP_OK : MP_ENOMEM;
	}
	if (*bits > MP_LIMIT_DKIM_RSA_MAX)
		return mp_why_setf(why, MP_REASON_DKIM_KEY_TOO_LARGE, "RSA key of %u bits refused",
		                   *bits);
	*out = rsa_from_numbers(&n, &e);
	if (*out == NULL)
		return mp_why_setf(why, MP_REASON_DKIM_KEY_BAD, "p= is not a usable RSA key");
	return MP_OK;
}

static const EVP_MD *md_sha256, *md_sha1;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

/* md_fetch - the digests fetched once: EVP_sha256() costs an implicit
 * provider fetch (name lookup under a lock) on every init */
static void
md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

/* mp_dkim_md - SHA-1 or SHA-256, fetched once per process (never freed) */
const EVP_MD *
mp_dkim_md(bool sha1)
{
	pthread_once(&md_once, md_fetch);
	if (sha1)
		return md_sha1 != NULL ? md_sha1 : EVP_sha1();
	return md_sha256 != NULL ? md_sha256 : EVP_sha256();
}

/* rsa_ctx - a context ready to verify PKCS#1 v1.5 signatures with k; it
 * can verify any number of them (NULL on failure) */
static EVP_PKEY_CTX *
rsa_ctx(EVP_PKEY *k, bool sha1)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);

	if (ctx != NULL && EVP_PKEY_verify_init(ctx) == 1
	    && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
	    && EVP_PKEY_CTX_set_signature_md(ctx, mp_dkim_md(sha1)) == 1)
		return ctx;
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

/* mp_dkim_pkey_verify - check sig over a header-hash digest */
bool
mp_dkim_pkey_verify(EVP_PKEY *k, enum mp_dkim_alg alg, const uint8_t *digest, size_t dlen,
                    const uint8_t *sig, size_t siglen)
{
	bool ok = false;

	if (alg == MP_DKIM_ED25519_SHA256) {
		/* RFC 8463 §3: PureEdDSA over the SHA-256 hash */
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		if (md != NULL && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1)
			ok = EVP_DigestVerify(md, sig, siglen, digest, dlen) == 1;
		EVP_MD_CTX_free(md);
		return ok;
	}
	EVP_PKEY_CTX *ctx = rsa_ctx(k, alg == MP_DKIM_RSA_SHA1);

	if (ctx != NULL)
		ok = EVP_PKEY_verify(ctx, sig, siglen, digest, dlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* ---- cache ----
 * Entries are keyed by what the decoded key is made of: the p= text and the
 * key type (k=). Selector, domain and the record's other tags are not part
 * of the key: many selectors and domains publish one key (a hosting
 * provider's, a rotated-in-place record), and they share one EVP_PKEY and
 * one idle verify context. Per-record rules (t=y, t=s, h=, s=, an empty p=)
 * are read from each signature's own record by dkim_decide.c before the key
 * is asked for, and nothing of them is kept here, so they cannot leak from
 * one record to another that has the same p=. A rotated key is a new p=,
 * hence a new entry; max_age (when set) bounds how long an entry lives. */
struct centry {
	struct centry *next;      /* bucket chain */
	uint64_t hash;
	uint64_t used;            /* tick of last use */
	int64_t born;             /* monotonic seconds at insertion */
	EVP_PKEY *pk;
	EVP_PKEY_CTX *ctx;        /* idle rsa-sha256 verify context for pk, or NULL */
	unsigned bits;
	bool ed25519;
	size_t plen;
	char p[];                 /* p= as published */
};

struct mp_dkim_key_cache {
	pthread_mutex_t mu;
	struct centry **buckets;
	size_t nbuckets, n, max;
	uint32_t max_age;         /* seconds; 0: entries never expire */
	uint64_t tick, hits, misses;
};

/* mp_dkim_key_cache_new - an empty cache */
struct mp_dkim_key_cache *
mp_dkim_key_cache_new(size_t max_entries)
{
	struct mp_dkim_key_cache *c = mp_zalloc(sizeof *c);

	if (c == NULL)
		return NULL;
	c->max = max_entries ? max_entries : 1024;
	c->nbuckets = 1;
	while (c->nbuckets < c->max)
		c->nbuckets <<= 1;
	c->buckets = mp_zalloc(c->nbuckets * sizeof *c->buckets);
	if (c->buckets == NULL || pthread_mutex_init(&c->mu, NULL) != 0) {
		mp_free(c->buckets);
		mp_free(c);
		return NULL;
	}
	return c;
}

/* mp_dkim_key_cache_set_max_age - entries older than seconds are decoded
 * again (0: never) */
void
mp_dkim_key_cache_set_max_age(struct mp_dkim_key_cache *c, uint32_t seconds)
{
	pthread_mutex_lock(&c->mu);
	c->max_age = seconds;
	pthread_mutex_unlock(&c->mu);
}

/* entry_free - one entry and what it holds */
static void
entry_free(struct centry *e)
{
	EVP_PKEY_CTX_free(e->ctx);
	EVP_PKEY_free(e->pk);
	mp_free(e);
}

/* mp_dkim_key_cache_free - drop every entry */
void
mp_dkim_key_cache_free(struct mp_dkim_key_cache *c)
{
	if (c == NULL)
		return;
	for (size_t b = 0; b < c->nbuckets; b++) {
		struct centry *e = c->buckets[b], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	pthread_mutex_destroy(&c->mu);
	mp_free(c->buckets);
	mp_free(c);
}

/* mp_dkim_key_cache_stats - hit and miss counts */
void
mp_dkim_key_cache_stats(struct mp_dkim_key_cache *c, uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&c->mu);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->mu);
}

/* mono_s - monotonic seconds */
static int64_t
mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec;
}

/* fnv - FNV-1a over p's last 32 characters (the end of an RSA modulus or
 * an Ed25519 key: distinct keys differ there), p's length and the key
 * type. entry_is compares all of p. */
static uint64_t
fnv(struct mp_str p, bool ed)
{
	uint64_t h = 1469598103934665603ull;
	size_t tail = p.len < 32 ? p.len : 32;

	for (size_t i = p.len - tail; i < p.len; i++)
		h = (h ^ (unsigned char)p.ptr[i]) * 1099511628211ull;
	return h ^ ((uint64_t)p.len << 1) ^ (uint64_t)ed;
}

/* entry_is - does e hold this key? */
static bool
entry_is(const struct centry *e, uint64_t h, struct mp_str p, bool ed)
{
	return e->hash == h && e->ed25519 == ed && e->plen == p.len
	       && memcmp(e->p, p.ptr, p.len) == 0;
}

/* evict_oldest - drop the least recently used entry (lock held) */
static void
evict_oldest(struct mp_dkim_key_cache *c)
{
	struct centry **best = NULL;

	for (size_t b = 0; b < c->nbuckets; b++)
		for (struct centry **pe = &c->buckets[b]; *pe != NULL; pe = &(*pe)->next)
			if (best == NULL || (*pe)->used < (*best)->used)
				best = pe;
	if (best != NULL) {
		struct centry *e = *best;

		*best = e->next;
		entry_free(e);
		c->n--;
	}
}

/* cache_insert - remember a decoded key (lock held); failure is harmless */
static void
cache_insert(struct mp_dkim_key_cache *c, uint64_t h, struct mp_str p, bool ed, EVP_PKEY *pk,
             unsigned bits, int64_t now)
{
	struct centry *e;

	if (p.len > MP_LIMIT_DKIM_KEY_RECORD)
		return;
	for (e = c->buckets[h & (c->nbuckets - 1)]; e != NULL; e = e->next)
		if (entry_is(e, h, p, ed))
			return;         /* another thread decoded it meanwhile */
	e = mp_alloc(sizeof *e + p.len);
	if (e == NULL || EVP_PKEY_up_ref(pk) != 1) {
		mp_free(e);
		return;
	}
	if (c->n >= c->max)
		evict_oldest(c);
	e->hash = h;
	e->used = ++c->tick;
	e->born = now;
	e->pk = pk;
	e->ctx = NULL;
	e->bits = bits;
	e->ed25519 = ed;
	e->plen = p.len;
	memcpy(e->p, p.ptr, p.len);
	e->next = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = e;
	c->n++;
}

/* mp_dkim_key_get - a decoded key, from the cache when it has it */
enum mp_status
mp_dkim_key_get(struct mp_dkim_key_cache *c, struct mp_str p_b64, bool ed25519, EVP_PKEY **out,
                unsigned *bits, struct mp_why *why)
{
	uint64_t h;
	int64_t now = 0;
	enum mp_status st;

	if (c == NULL || p_b64.len == 0)
		return mp_dkim_key_decode(p_b64, ed25519, out, bits, why);
	h = fnv(p_b64, ed25519);
	pthread_mutex_lock(&c->mu);
	if (c->max_age)
		now = mono_s();
	for (struct centry **pe = &c->buckets[h & (c->nbuckets - 1)]; *pe != NULL;
	     pe = &(*pe)->next) {
		struct centry *e = *pe;

		if (!entry_is(e, h, p_b64, ed25519))
			continue;
		if (c->max_age && now - e->born >= (int64_t)c->max_age) {
			*pe = e->next;  /* expired: decode it again */
			entry_free(e);
			c->n--;
			break;
		}
		if (EVP_PKEY_up_ref(e->pk) != 1)
			break;
		e->used = ++c->tick;
		c->hits++;
		*out = e->pk;
		*bits = e->bits;
		pthread_mutex_unlock(&c->mu);
		return MP_OK;
	}
	c->misses++;
	pthread_mutex_unlock(&c->mu);
	st = mp_dkim_key_decode(p_b64, ed25519, out, bits, why);
	if (st == MP_OK && *out != NULL && !mp_why_failed(why)) {
		pthread_mutex_lock(&c->mu);
		cache_insert(c, h, p_b64, ed25519, *out, *bits, now);
		pthread_mutex_unlock(&c->mu);
	}
	return st;
}

/* entry_of - the entry holding pk for p, or NULL (lock held) */
static struct centry *
entry_of(struct mp_dkim_key_cache *c, struct mp_str p, bool ed, EVP_PKEY *pk)
{
	uint64_t h = fnv(p, ed);

	for (struct centry *e = c->buckets[h & (c->nbuckets - 1)]; e != NULL; e = e->next)
		if (e->pk == pk && entry_is(e, h, p, ed))
			return e;
	return NULL;
}

/* mp_dkim_key_verify - mp_dkim_pkey_verify, but an rsa-sha256 check borrows
 * the cache entry's idle context for this key and leaves it there after, so
 * a cached key does not pay a new context (provider fetch, padding and
 * digest set-up: ~4 us, a quarter of an RSA-2048 check) per signature */
bool
mp_dkim_key_verify(struct mp_dkim_key_cache *c, struct mp_str p_b64, bool ed25519, EVP_PKEY *pk,
                   enum mp_dkim_alg alg, const uint8_t *digest, size_t dlen, const uint8_t *sig,
                   size_t siglen)
{
	EVP_PKEY_CTX *ctx = NULL;
	struct centry *e;
	bool ok;

	if (c == NULL || alg != MP_DKIM_RSA_SHA256 || ed25519)
		return mp_dkim_pkey_verify(pk, alg, digest, dlen, sig, siglen);
	pthread_mutex_lock(&c->mu);
	if ((e = entry_of(c, p_b64, ed25519, pk)) != NULL) {
		ctx = e->ctx;
		e->ctx = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	if (ctx == NULL && (ctx = rsa_ctx(pk, false)) == NULL)
		return false;
	ok = EVP_PKEY_verify(ctx, sig, siglen, digest, dlen) == 1;
	pthread_mutex_lock(&c->mu);
	if ((e = entry_of(c, p_b64, ed25519, pk)) != NULL && e->ctx == NULL) {
		e->ctx = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}
