/* dkim_verify.c - the DKIM verifier (RFC 6376 §6, RFC 8301, RFC 8463),
 * sans-IO.
 *
 * Header fields are kept (copied) until the header block ends; then every
 * DKIM-Signature up to the cap is parsed, its header hash computed and its
 * key question prepared. Body bytes are canonicalized once per
 * canonicalization and hashed once per distinct (canonicalization, hash,
 * l=). Results are decided when the keys and the body end are in. One
 * verifier per message at a time; not thread-safe per object (the key cache
 * it may share is).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/limits.h>
#include <mailproof/log.h>

#include "dkim_internal.h"

#define MAX_TXT 4               /* key records looked at per answer */

struct vq {
	struct mp_dns_question q;
	bool answered;
	enum mp_dns_status st;
	size_t ntxt;
	struct mp_str txt[MAX_TXT];
};

struct vbh {
	enum mp_dkim_canon canon;
	bool sha1;
	bool has_l;
	uint64_t l;
	uint64_t fed;
	EVP_MD_CTX *md;
	uint8_t out[DKIM_HASH_MAX];
	unsigned outlen;
};

struct vsig {
	struct mp_dkim_sig sig;
	struct mp_dkim_sig_result res;
	bool pending;           /* waiting for key and body */
	size_t q, bh;
	uint8_t hdigest[DKIM_HASH_MAX];
	unsigned hdlen;
};

struct bsink {
	struct mp_dkim_verify *v;
	enum mp_dkim_canon canon;
};

struct mp_dkim_verify {
	struct mp_dkim_verify_opts o;
	struct mp_arena arena;
	struct dkim_field *fields;
	size_t nfields, capfields, hbytes;
	struct vsig *sigs;
	size_t nsigs;
	struct vbh bh[MP_LIMIT_DKIM_BODY_HASHES];
	size_t nbh;
	struct mp_dkim_bcanon bc[2];
	struct bsink sink[2];
	bool bc_used[2];
	struct vq *qs;
	const struct mp_dns_question **qptr;
	size_t nq;
	bool headers_done, body_done, finished;
	struct dkim_hsplit hs;   /* raw feed */
	struct mp_buf tmp;
	EVP_MD_CTX *hmd;
};

/* ---- names ---- */

/* mp_dkim_result_name - RFC 8601 word */
const char *
mp_dkim_result_name(enum mp_dkim_result r)
{
	static const char *const names[] = { "none", "pass", "fail", "neutral",
		                             "policy", "temperror", "permerror" };

	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

/* mp_dkim_alg_name - a= token */
const char *
mp_dkim_alg_name(enum mp_dkim_alg a)
{
	switch (a) {
	case MP_DKIM_RSA_SHA256: return "rsa-sha256";
	case MP_DKIM_ED25519_SHA256: return "ed25519-sha256";
	case MP_DKIM_RSA_SHA1: return "rsa-sha1";
	default: return "unknown";
	}
}

/* mp_dkim_alg_parse - a= token to enum */
enum mp_dkim_alg
mp_dkim_alg_parse(struct mp_str s)
{
	if (mp_str_eq_nocase_c(s, "rsa-sha256"))
		return MP_DKIM_RSA_SHA256;
	if (mp_str_eq_nocase_c(s, "ed25519-sha256"))
		return MP_DKIM_ED25519_SHA256;
	if (mp_str_eq_nocase_c(s, "rsa-sha1"))
		return MP_DKIM_RSA_SHA1;
	return MP_DKIM_ALG_UNKNOWN;
}

/* mp_dkim_length_policy_parse - --dkim-length value */
bool
mp_dkim_length_policy_parse(struct mp_str s, enum mp_dkim_length_policy *out)
{
	if (mp_str_eq_nocase_c(s, "flag"))
		*out = MP_DKIM_LENGTH_FLAG;
	else if (mp_str_eq_nocase_c(s, "accept"))
		*out = MP_DKIM_LENGTH_ACCEPT;
	else if (mp_str_eq_nocase_c(s, "reject"))
		*out = MP_DKIM_LENGTH_REJECT;
	else
		return false;
	return true;
}

/* ---- life cycle ---- */

/* mp_dkim_verify_new - a verifier */
struct mp_dkim_verify *
mp_dkim_verify_new(const struct mp_dkim_verify_opts *opts)
{
	struct mp_dkim_verify *v = mp_zalloc(sizeof *v);

	if (v == NULL)
		return NULL;
	if (opts != NULL)
		v->o = *opts;
	if (v->o.max_sigs == 0 || v->o.max_sigs > MP_LIMIT_DKIM_SIGS)
		v->o.max_sigs = MP_LIMIT_DKIM_SIGS;
	if (v->o.clock_skew == 0)
		v->o.clock_skew = MP_LIMIT_DKIM_CLOCK_SKEW;
	mp_arena_init(&v->arena, 4 * (size_t)MP_LIMIT_HEADER_TOTAL);
	mp_dkim_hsplit_init(&v->hs);
	mp_buf_init(&v->tmp, 2 * (size_t)MP_LIMIT_HEADER_FIELD);
	v->hmd = EVP_MD_CTX_new();
	for (size_t k = 0; k < MP_LIMIT_DKIM_BODY_HASHES; k++)
		v->bh[k].md = EVP_MD_CTX_new();
	for (size_t k = 0; k < MP_LIMIT_DKIM_BODY_HASHES; k++)
		if (v->bh[k].md == NULL)
			v->hmd = (EVP_MD_CTX_free(v->hmd), NULL);
	if (v->hmd == NULL) {
		mp_dkim_verify_free(v);
		return NULL;
	}
	return v;
}

/* mp_dkim_verify_reset - ready for the next message */
void
mp_dkim_verify_reset(struct mp_dkim_verify *v)
{
	mp_arena_reset(&v->arena);
	v->nfields = v->hbytes = v->nsigs = v->nbh = v->nq = 0;
	v->sigs = NULL;
	v->qs = NULL;
	v->qptr = NULL;
	v->bc_used[0] = v->bc_used[1] = false;
	v->headers_done = v->body_done = v->finished = false;
	mp_dkim_hsplit_reset(&v->hs);
}

/* mp_dkim_verify_free - release everything */
void
mp_dkim_verify_free(struct mp_dkim_verify *v)
{
	if (v == NULL)
		return;
	mp_arena_fini(&v->arena);
	mp_dkim_hsplit_fini(&v->hs);
	mp_buf_fini(&v->tmp);
	mp_free(v->fields);
	EVP_MD_CTX_free(v->hmd);
	for (size_t k = 0; k < MP_LIMIT_DKIM_BODY_HASHES; k++)
		EVP_MD_CTX_free(v->bh[k].md);
	mp_free(v);
}

/* ---- header fields ---- */

/* mp_dkim_verify_field_raw - keep one field */
enum mp_status
mp_dkim_verify_field_raw(struct mp_dkim_verify *v, struct mp_str raw)
{
	struct mp_str copy;

	if (v->headers_done)
		return MP_EINVAL;
	if (v->nfields >= MP_LIMIT_HEADER_FIELDS || raw.len > MP_LIMIT_HEADER_FIELD
	    || raw.len > MP_LIMIT_HEADER_TOTAL - v->hbytes)
		return MP_ELIMIT;
	if (v->nfields == v->capfields) {
		size_t cap = v->capfields ? 2 * v->capfields : 32;
		struct dkim_field *f = mp_realloc(v->fields, cap * sizeof *f);

		if (f == NULL)
			return MP_ENOMEM;
		v->fields = f;
		v->capfields = cap;
	}
	copy = mp_arena_strdup(&v->arena, raw);
	if (copy.ptr == NULL)
		return MP_ENOMEM;
	v->fields[v->nfields].raw = copy;
	v->fields[v->nfields].name = mp_dkim_field_name(copy);
	v->nfields++;
	v->hbytes += raw.len;
	return MP_OK;
}

/* mp_dkim_verify_field - keep one parsed field */
enum mp_status
mp_dkim_verify_field(struct mp_dkim_verify *v, const struct mp_hdr_field *f)
{
	return mp_dkim_verify_field_raw(v, f->raw);
}

/* ---- body ---- */

/* body_sink - canonical body bytes into the hashes of that canonicalization */
static void
body_sink(void *arg, const char *p, size_t len)
{
	struct bsink *s = arg;
	struct mp_dkim_verify *v = s->v;

	for (size_t k = 0; k < v->nbh; k++) {
		struct vbh *b = &v->bh[k];
		size_t n = len;

		if (b->canon != s->canon)
			continue;
		if (b->has_l) {
			uint64_t left = b->l > b->fed ? b->l - b->fed : 0;
			if (n > left)
				n = (size_t)left;
		}
		if (n > 0)
			EVP_DigestUpdate(b->md, p, n);
		b->fed += n;
	}
}

/* mp_dkim_verify_body - body bytes */
enum mp_status
mp_dkim_verify_body(struct mp_dkim_verify *v, const char *p, size_t len)
{
	if (!v->headers_done || v->body_done)
		return MP_EINVAL;
	for (int c = 0; c < 2; c++)
		if (v->bc_used[c])
			mp_dkim_bcanon_feed(&v->bc[c], p, len);
	return MP_OK;
}

/* mp_dkim_verify_body_end - end of body */
enum mp_status
mp_dkim_verify_body_end(struct mp_dkim_verify *v)
{
	if (!v->headers_done || v->body_done)
		return MP_EINVAL;
	for (int c = 0; c < 2; c++)
		if (v->bc_used[c])
			mp_dkim_bcanon_end(&v->bc[c]);
	for (size_t k = 0; k < v->nbh; k++)
		EVP_DigestFinal_ex(v->bh[k].md, v->bh[k].out, &v->bh[k].outlen);
	v->body_done = true;
	return MP_OK;
}

/* ---- header block end ---- */

/* body_hash_for - index of the body hash a signature needs, made if new */
static bool
body_hash_for(struct mp_dkim_verify *v, const struct mp_dkim_sig *s, size_t *idx)
{
	bool sha1 = s->alg == MP_DKIM_RSA_SHA1;
	int c = s->bcanon == MP_DKIM_RELAXED;

	for (size_t k = 0; k < v->nbh; k++) {
		struct vbh *b = &v->bh[k];
		if (b->canon == s->bcanon && b->sha1 == sha1 && b->has_l == s->has_l
		    && (!s->has_l || b->l == s->l)) {
			*idx = k;
			return true;
		}
	}
	if (v->nbh == MP_LIMIT_DKIM_BODY_HASHES)
		return false;
	struct vbh *b = &v->bh[v->nbh];
	b->canon = s->bcanon;
	b->sha1 = sha1;
	b->has_l = s->has_l;
	b->l = s->l;
	b->fed = 0;
	b->outlen = 0;
	if (EVP_DigestInit_ex(b->md, mp_dkim_md(sha1), NULL) != 1)
		return false;
	if (!v->bc_used[c]) {
		v->sink[c].v = v;
		v->sink[c].canon = s->bcanon;
		mp_dkim_bcanon_init(&v->bc[c], s->bcanon, body_sink, &v->sink[c]);
		v->bc_used[c] = true;
	}
	*idx = v->nbh++;
	return true;
}

/* question_for - index of the key question for s, made if new */
static enum mp_status
question_for(struct mp_dkim_verify *v, struct vsig *vs)
{
	struct mp_str name = vs->res.key_query;

	for (size_t k = 0; k < v->nq; k++)
		if (mp_str_eq_nocase(mp_str_make(v->qs[k].q.name, v->qs[k].q.name_len), name)) {
			vs->q = k;
			return MP_OK;
		}
	struct vq *q = &v->qs[v->nq];
	memset(q, 0, sizeof *q);
	q->q.type = MP_DNS_T_TXT;
	q->q.name_len = name.len;
	memcpy(q->q.name, name.ptr, name.len);
	q->q.name[name.len] = '\0';
	vs->q = v->nq++;
	return MP_OK;
}

/* header_hash - hash the selected fields and the signature field (§3.7) */
static enum mp_status
header_hash(struct mp_dkim_verify *v, struct vsig *vs, const struct dkim_field *self)
{
	struct mp_str names[MP_LIMIT_DKIM_H_TAGS];
	size_t sel[MP_LIMIT_DKIM_H_TAGS], nn;
	const struct mp_dkim_sig *s = &vs->sig;
	bool *used = mp_arena_alloc(&v->arena, v->nfields + 1);
	size_t off = (size_t)(s->raw_value.ptr - self->raw.ptr);
	enum mp_status st = MP_OK;

	if (used == NULL)
		return MP_ENOMEM;
	if (!mp_dkim_split_h(s->h, names, MP_LIMIT_DKIM_H_TAGS, &nn))
		return MP_EINVAL;       /* parse checked it */
	mp_dkim_select(v->fields, v->nfields, names, nn, sel, used);
	EVP_DigestInit_ex(v->hmd, mp_dkim_md(s->alg == MP_DKIM_RSA_SHA1), NULL);
	for (size_t k = 0; k < nn && st == MP_OK; k++) {
		if (sel[k] == SIZE_MAX)
			continue;       /* over-signed: the null string */
		mp_buf_reset(&v->tmp);
		st = mp_dkim_canon_header(&v->tmp, s->hcanon, v->fields[sel[k]].raw, false);
		EVP_DigestUpdate(v->hmd, v->tmp.ptr, v->tmp.len);
	}
	/* the signature field itself, b= value deleted, no final CRLF */
	mp_buf_reset(&v->tmp);
	if (st == MP_OK) {
		struct mp_buf f;

		mp_buf_init(&f, self->raw.len + 1);
		st = mp_buf_append(&f, self->raw.ptr, off + s->b_start);
		if (st == MP_OK)
			st = mp_buf_append(&f, self->raw.ptr + off + s->b_end,
			                   self->raw.len - off - s->b_end);
		if (st == MP_OK)
			st = mp_dkim_canon_header(&v->tmp, s->hcanon, mp_buf_str(&f), true);
		mp_buf_fini(&f);
	}
	if (st != MP_OK)
		return st;
	EVP_DigestUpdate(v->hmd, v->tmp.ptr, v->tmp.len);
	EVP_DigestFinal_ex(v->hmd, vs->hdigest, &vs->hdlen);
	return MP_OK;
}

/* result_idents - fill d, s, i, a, b8 for A-R from a parsed signature */
static void
result_idents(struct mp_dkim_verify *v, struct vsig *vs)
{
	const struct mp_dkim_sig *s = &vs->sig;
	struct mp_dkim_sig_result *r = &vs->res;
	size_t n = 0;

	r->d = s->d;
	r->s = s->s;
	r->a = s->a;
	r->alg = s->alg;
	r->hcanon = s->hcanon;
	r->bcanon = s->bcanon;
	r->t = s->t;
	r->x = s->x;
	r->has_l = s->has_l;
	r->l = s->l;
	r->i_domain = s->i_domain;
	r->i = s->i;
	if (s->i.len == 0 && s->d.len > 0)
		r->i = mp_arena_printf(&v->arena, "@%.*s", (int)s->d.len, s->d.ptr);
	for (size_t k = 0; k < s->b.len && n < 8; k++)
		if (!mp_is_wsp((unsigned char)s->b.ptr[k]) && s->b.ptr[k] != '\r'
		    && s->b.ptr[k] != '\n')
			r->b8[n++] = s->b.ptr[k];
	r->b8[n] = '\0';
	for (size_t k = 0, m = 0; k < s->bh.len && m < MP_DKIM_B64_HASH_MAX; k++)
		if (mp_is_vchar((unsigned char)s->bh.ptr[k]))
			r->bh_expected[m++] = s->bh.ptr[k];
	if (s->d.len > 0 && s->s.len > 0)
		r->key_query = mp_arena_printf(&v->arena, "%.*s._domainkey.%.*s", (int)s->s.len,
		                               s->s.ptr, (int)s->d.len, s->d.ptr);
}

/* time_checks - t= in the future, x= in the past (RFC 6376 §3.5) */
static void
time_checks(const struct mp_dkim_verify *v, struct vsig *vs)
{
	int64_t now = v->o.now ? v->o.now : (int64_t)time(NULL);
	const struct mp_dkim_sig *s = &vs->sig;

	if (s->t >= 0 && s->t > now + (int64_t)v->o.clock_skew)
		mp_why_setf(&vs->res.why, MP_REASON_DKIM_FUTURE,
		            "t=%lld is %lld s in the future", (long long)s->t,
		            (long long)(s->t - now));
	else if (s->x >= 0 && s->x < now)
		mp_why_setf(&vs->res.why, MP_REASON_DKIM_EXPIRED,
		            "signature expired %lld s ago (x=%lld)", (long long)(now - s->x),
		            (long long)s->x);
}

/* prepare_sig - parse one DKIM-Signature field and set it up */
static enum mp_status
prepare_sig(struct mp_dkim_verify *v, struct vsig *vs, const struct dkim_field *f, bool cap)
{
	ptrdiff_t colon = mp_str_find(f->raw, ':');
	struct mp_str value = mp_str_make(f->raw.ptr + colon + 1, f->raw.len - (size_t)colon - 1);
	struct mp_dkim_sig_result *r = &vs->res;

	r->t = r->x = -1;
	r->result = MP_DKIM_PERMERROR;
	mp_dkim_sig_parse(value, &vs->sig, &r->why);
	result_idents(v, vs);
	if (cap) {
		r->result = MP_DKIM_NEUTRAL;
		return mp_why_setf(&r->why, MP_REASON_DKIM_NOT_EVALUATED,
		                   "not evaluated: more than %zu signatures", v->o.max_sigs);
	}
	r->evaluated = true;
	if (mp_why_failed(&r->why) && r->why.reason != MP_REASON_DKIM_SHA1)
		return MP_OK;
	if (vs->sig.s.len + vs->sig.d.len + 12 > 253)
		return mp_why_setf(&r->why, MP_REASON_DKIM_BAD_SELECTOR,
		                   "key query name longer than 253 bytes");
	time_checks(v, vs);
	if (mp_why_failed(&r->why) && r->why.reason != MP_REASON_DKIM_SHA1)
		return MP_OK;
	if (!body_hash_for(v, &vs->sig, &vs->bh))
		return mp_why_set(&r->why, MP_REASON_DKIM_TOO_MANY_BODY_HASHES);
	enum mp_status st = header_hash(v, vs, f);
	if (st != MP_OK)
		return st;
	vs->pending = true;
	return question_for(v, vs);
}

/* mp_dkim_verify_headers_end - parse signatures, hash headers, ask keys */
enum mp_status
mp_dkim_verify_headers_end(struct mp_dkim_verify *v)
{
	size_t n = 0, k = 0;

	if (v->headers_done)
		return MP_EINVAL;
	v->headers_done = true;
	for (size_t i = 0; i < v->nfields; i++)
		n += mp_str_eq_nocase_c(v->fields[i].name, "DKIM-Signature");
	if (n == 0)
		return MP_OK;
	v->sigs = mp_arena_zalloc(&v->arena, n * sizeof *v->sigs);
	v->qs = mp_arena_zalloc(&v->arena, n * sizeof *v->qs);
	v->qptr = mp_arena_zalloc(&v->arena, n * sizeof *v->qptr);
	if (v->sigs == NULL || v->qs == NULL || v->qptr == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < v->nfields; i++) {
		if (!mp_str_eq_nocase_c(v->fields[i].name, "DKIM-Signature"))
			continue;
		struct vsig *vs = &v->sigs[k];
		vs->res.field_index = i;
		enum mp_status st = prepare_sig(v, vs, &v->fields[i], k >= v->o.max_sigs);
		if (st != MP_OK)
			return st;
		k++;
	}
	v->nsigs = k;
	return MP_OK;
}

/* ---- raw message feed ---- */

/* field_cb - one field from the splitter */
static enum mp_status
field_cb(void *arg, struct mp_str raw)
{
	return mp_dkim_verify_field_raw(arg, raw);
}

/* header_block_end - fields of the split block, then the header end */
static enum mp_status
header_block_end(struct mp_dkim_verify *v)
{
	enum mp_status st = mp_dkim_hsplit_fields(&v->hs, field_cb, v);

	if (st == MP_OK)
		st = mp_dkim_verify_headers_end(v);
	return st;
}

/* mp_dkim_verify_feed - raw message bytes */
enum mp_status
mp_dkim_verify_feed(struct mp_dkim_verify *v, const char *p, size_t len)
{
	size_t used;
	enum mp_status st;

	if (v->headers_done)
		return mp_dkim_verify_body(v, p, len);
	st = mp_dkim_hsplit_feed(&v->hs, p, len, &used);
	if (st != MP_OK || !v->hs.done)
		return st;
	st = header_block_end(v);
	if (st == MP_OK && used < len)
		st = mp_dkim_verify_body(v, p + used, len - used);
	return st;
}

/* mp_dkim_verify_end - end of the raw message */
enum mp_status
mp_dkim_verify_end(struct mp_dkim_verify *v)
{
	enum mp_status st = MP_OK;

	if (!v->headers_done)
		st = header_block_end(v);
	if (st == MP_OK && !v->body_done)
		st = mp_dkim_verify_body_end(v);
	return st;
}

/* ---- DNS ---- */

/* mp_dkim_verify_questions - unanswered key questions */
size_t
mp_dkim_verify_questions(struct mp_dkim_verify *v, const struct mp_dns_question *const **qs)
{
	size_t n = 0;

	for (size_t k = 0; k < v->nq; k++)
		if (!v->qs[k].answered)
			v->qptr[n++] = &v->qs[k].q;
	*qs = v->qptr;
	return n;
}

/* mp_dkim_verify_answer - keep what a key answer says */
enum mp_status
mp_dkim_verify_answer(struct mp_dkim_verify *v, const struct mp_dns_question *q,
                      const struct mp_dns_answer *a)
{
	struct vq *vq = NULL;

	for (size_t k = 0; k < v->nq; k++)
		if (q == &v->qs[k].q)
			vq = &v->qs[k];
	if (vq == NULL || vq->answered)
		return MP_EINVAL;
	vq->answered = true;
	vq->st = a->status;
	for (size_t k = 0; k < a->nrr && vq->ntxt < MAX_TXT; k++) {
		if (a->rr[k].type != MP_DNS_T_TXT)
			continue;
		struct mp_str s = mp_arena_strdup(&v->arena, a->rr[k].u.txt.joined);
		if (s.ptr == NULL)
			return MP_ENOMEM;
		vq->txt[vq->ntxt++] = s;
	}
	if (vq->st == MP_DNS_OK && vq->ntxt == 0)
		vq->st = MP_DNS_NODATA;
	return MP_OK;
}

static enum mp_status client_run(void *core) { return mp_dkim_verify_run(core); }
static size_t
client_questions(void *core, const struct mp_dns_question *const **qs)
{
	return mp_dkim_verify_questions(core, qs);
}
static enum mp_status
client_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	return mp_dkim_verify_answer(core, q, a);
}

/* mp_dkim_verify_client - the sans-IO client for drivers */
void
mp_dkim_verify_client(struct mp_dkim_verify *v, struct mp_dns_client *c)
{
	c->core = v;
	c->run = client_run;
	c->questions = client_questions;
	c->answer = client_answer;
}

/* ---- results ---- */

/* mp_dkim_verify_nresults - one per DKIM-Signature field */
size_t
mp_dkim_verify_nresults(const struct mp_dkim_verify *v)
{
	return v->finished ? v->nsigs : 0;
}

/* mp_dkim_verify_result - result i */
const struct mp_dkim_sig_result *
mp_dkim_verify_result(const struct mp_dkim_verify *v, size_t i)
{
	return v->finished && i < v->nsigs ? &v->sigs[i].res : NULL;
}

/* mp_dkim_verify_summary - best result */
enum mp_dkim_result
mp_dkim_verify_summary(const struct mp_dkim_verify *v)
{
	static const enum mp_dkim_result order[] = {
		MP_DKIM_PASS, MP_DKIM_FAIL, MP_DKIM_POLICY, MP_DKIM_NEUTRAL,
		MP_DKIM_TEMPERROR, MP_DKIM_PERMERROR,
	};

	for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
		for (size_t k = 0; k < mp_dkim_verify_nresults(v); k++)
			if (v->sigs[k].res.result == order[o])
				return order[o];
	return MP_DKIM_NONE;
}

/* mp_dkim_verify_run - PENDING until keys are in, then decide */
enum mp_status
mp_dkim_verify_run(struct mp_dkim_verify *v)
{
	if (!v->headers_done)
		return MP_EINVAL;
	if (v->finished)
		return MP_OK;
	for (size_t k = 0; k < v->nq; k++)
		if (!v->qs[k].answered)
			return MP_PENDING;
	if (!v->body_done)
		return MP_EINVAL;
	for (size_t k = 0; k < v->nsigs; k++) {
		struct vsig *vs = &v->sigs[k];
		struct vq *q;
		struct vbh *b;

		if (!vs->pending)
			continue;
		q = &v->qs[vs->q];
		b = &v->bh[vs->bh];
		mp_dkim_finish_sig(&v->o, &v->arena, &vs->res, &vs->sig, q->txt, q->ntxt, q->st,
		                   vs->hdigest, vs->hdlen, b->out, b->outlen,
		                   v->bc[vs->sig.bcanon == MP_DKIM_RELAXED].len);
		if (vs->res.result == MP_DKIM_FAIL && vs->sig.z.len > 0) {
			struct mp_dkim_sig_result *r = &vs->res;

			mp_dkim_z_diff(v->fields, v->nfields, vs->sig.z, r);
			if (r->changed_header.len > 0 && r->why.reason == MP_REASON_DKIM_SIG_MISMATCH) {
				char quoted[MP_LOG_QUOTE_MAX];

				mp_why_setf(&r->why, r->why.reason, "%s; z= shows %s changed",
				            mp_reason_text(r->why.reason), mp_log_quote(r->changed_header, quoted));
			}
		}
	}
	v->finished = true;
	return MP_OK;
}
