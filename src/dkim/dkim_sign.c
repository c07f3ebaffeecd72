/* dkim_sign.c - streaming DKIM signer (RFC 6376 §5, RFC 8463): several
 * signatures in one pass (e.g. rsa-sha256 + ed25519-sha256), one body hash
 * per body canonicalization, relaxed/relaxed by default, a default header
 * list with From, Subject, Date, To and Content-Type over-signed (RFC 6376
 * §8.15), t= always, x= optional, never l=. The message bytes are not
 * changed: the caller puts the returned fields on top. One object per
 * message; not thread-safe per object. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/limits.h>

#include "dkim_internal.h"

#define SIGN_MAX 8              /* signatures made in one pass */
#define FOLD_AT 76              /* fold lines of the signature field near here */

static const char *const default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "message-id", "in-reply-to",
	"references", "mime-version", "content-type", "content-transfer-encoding",
	"content-disposition", "content-language", "sender", "list-id", "list-help",
	"list-unsubscribe", "list-unsubscribe-post", "list-subscribe", "list-post",
	"list-owner", "list-archive", "resent-from", "resent-date", "resent-to",
	"resent-cc", "resent-message-id",
};
static const char *const oversigned[] = { "from", "subject", "date", "to", "content-type" };

struct ssink {
	EVP_MD_CTX *md;
};

struct mp_dkim_sign {
	struct mp_dkim_sign_opts o[SIGN_MAX];
	size_t n;
	struct dkim_hsplit hs;
	struct mp_arena arena;
	struct dkim_field *fields;
	size_t nfields;
	bool headers_done;
	struct mp_dkim_bcanon bc[2];
	struct ssink sink[2];
	bool bc_used[2];
	uint8_t bh[2][32];
	char linesep[3];
};

/* sink - canonical body bytes into that canonicalization's hash */
static void
sink(void *arg, const char *p, size_t len)
{
	struct ssink *s = arg;

	EVP_DigestUpdate(s->md, p, len);
}

/* mp_dkim_sign_opts_init - defaults: relaxed/relaxed, default headers */
void
mp_dkim_sign_opts_init(struct mp_dkim_sign_opts *o)
{
	memset(o, 0, sizeof *o);
	o->hcanon = o->bcanon = MP_DKIM_RELAXED;
}

/* check_opts - a signature description is usable */
static bool
check_opts(const struct mp_dkim_sign_opts *o, struct mp_why *why)
{
	if (o->signer == NULL)
		return mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "no signing key"), false;
	if (!mp_dkim_valid_domain(o->domain, false))
		return mp_why_set(why, MP_REASON_DKIM_BAD_DOMAIN), false;
	if (!mp_dkim_valid_domain(o->selector, true))
		return mp_why_set(why, MP_REASON_DKIM_BAD_SELECTOR), false;
	if (o->alg != 0 && o->alg != mp_signer_alg(o->signer))
		return mp_why_setf(why, MP_REASON_DKIM_KEY_ALG_MISMATCH,
		                   "the key cannot sign %s", mp_dkim_alg_name(o->alg)), false;
	if (o->nheaders > MP_LIMIT_DKIM_H_TAGS / 2)
		return mp_why_set(why, MP_REASON_DKIM_BAD_H), false;
	return true;
}

/* mp_dkim_sign_new - a signer for n signatures */
struct mp_dkim_sign *
mp_dkim_sign_new(const struct mp_dkim_sign_opts *o, size_t n, struct mp_why *why)
{
	struct mp_dkim_sign *s;

	mp_why_clear(why);
	if (n == 0 || n > SIGN_MAX) {
		mp_why_setf(why, MP_REASON_LIMIT, "1 to %d signatures per pass", SIGN_MAX);
		return NULL;
	}
	for (size_t k = 0; k < n; k++)
		if (!check_opts(&o[k], why))
			return NULL;
	s = mp_zalloc(sizeof *s);
	if (s == NULL)
		return mp_why_set(why, MP_REASON_NOMEM), NULL;
	memcpy(s->o, o, n * sizeof *o);
	s->n = n;
	mp_dkim_hsplit_init(&s->hs);
	mp_arena_init(&s->arena, 2 * (size_t)MP_LIMIT_HEADER_TOTAL);
	for (int c = 0; c < 2; c++) {
		s->sink[c].md = EVP_MD_CTX_new();
		if (s->sink[c].md == NULL || EVP_DigestInit_ex(s->sink[c].md, EVP_sha256(), NULL) != 1) {
			mp_dkim_sign_free(s);
			return mp_why_set(why, MP_REASON_NOMEM), NULL;
		}
		mp_dkim_bcanon_init(&s->bc[c], c ? MP_DKIM_RELAXED : MP_DKIM_SIMPLE, sink, &s->sink[c]);
	}
	for (size_t k = 0; k < n; k++)
		s->bc_used[o[k].bcanon == MP_DKIM_RELAXED] = true;
	memcpy(s->linesep, "\r\n", 3);
	return s;
}

/* mp_dkim_sign_free - release */
void
mp_dkim_sign_free(struct mp_dkim_sign *s)
{
	if (s == NULL)
		return;
	mp_dkim_hsplit_fini(&s->hs);
	mp_arena_fini(&s->arena);
	mp_free(s->fields);
	for (int c = 0; c < 2; c++)
		EVP_MD_CTX_free(s->sink[c].md);
	mp_free(s);
}

/* keep_field - one header field from the splitter */
static enum mp_status
keep_field(void *arg, struct mp_str raw)
{
	struct mp_dkim_sign *s = arg;

	if (s->nfields >= MP_LIMIT_HEADER_FIELDS)
		return MP_ELIMIT;
	if (s->nfields % 32 == 0) {
		struct dkim_field *f = mp_realloc(s->fields, (s->nfields + 32) * sizeof *f);
		if (f == NULL)
			return MP_ENOMEM;
		s->fields = f;
	}
	s->fields[s->nfields].raw = raw;        /* lives in the splitter's buffer */
	s->fields[s->nfields].name = mp_dkim_field_name(raw);
	s->nfields++;
	return MP_OK;
}

/* headers_end - split the block; the line separator follows the first line */
static enum mp_status
headers_end(struct mp_dkim_sign *s)
{
	const char *nl = s->hs.raw.len ? memchr(s->hs.raw.ptr, '\n', s->hs.raw.len) : NULL;

	if (nl != NULL && (nl == s->hs.raw.ptr || nl[-1] != '\r'))
		memcpy(s->linesep, "\n", 2);
	s->headers_done = true;
	return mp_dkim_hsplit_fields(&s->hs, keep_field, s);
}

/* body - body bytes into the canonicalizers in use */
static void
body(struct mp_dkim_sign *s, const char *p, size_t len)
{
	for (int c = 0; c < 2; c++)
		if (s->bc_used[c])
			mp_dkim_bcanon_feed(&s->bc[c], p, len);
}

/* mp_dkim_sign_feed - raw message bytes */
enum mp_status
mp_dkim_sign_feed(struct mp_dkim_sign *s, const char *p, size_t len)
{
	size_t used;
	enum mp_status st;

	if (s->headers_done) {
		body(s, p, len);
		return MP_OK;
	}
	st = mp_dkim_hsplit_feed(&s->hs, p, len, &used);
	if (st != MP_OK || !s->hs.done)
		return st;
	st = headers_end(s);
	if (st == MP_OK)
		body(s, p + used, len - used);
	return st;
}

/* count_fields - instances of name in the header */
static size_t
count_fields(const struct mp_dkim_sign *s, struct mp_str name)
{
	size_t n = 0;

	for (size_t k = 0; k < s->nfields; k++)
		n += mp_str_eq_nocase(s->fields[k].name, name);
	return n;
}

/* h_list - names to sign: every instance present, over-signed names once
 * more (so none can be added) */
static size_t
h_list(const struct mp_dkim_sign *s, const struct mp_dkim_sign_opts *o, struct mp_str *names)
{
	const char *const *list = o->headers ? o->headers : default_headers;
	size_t nlist = o->headers ? o->nheaders : sizeof default_headers / sizeof default_headers[0];
	size_t n = 0;

	for (size_t k = 0; k < nlist; k++) {
		struct mp_str name = mp_str_c(list[k]);
		size_t have = count_fields(s, name);

		for (size_t j = 0; j < sizeof oversigned / sizeof oversigned[0]; j++)
			if (mp_str_eq_nocase_c(name, oversigned[j]))
				have++;
		for (size_t j = 0; j < have && n < MP_LIMIT_DKIM_H_TAGS; j++)
			names[n++] = name;
	}
	return n;
}

/* add_tag - append text after a space, or glued to the previous piece
 * (h= names), folding first when the line would grow past FOLD_AT */
static enum mp_status
add_tag(struct mp_buf *f, size_t *col, const char *sep, struct mp_str text, bool glue)
{
	enum mp_status st = MP_OK;

	if (*col + text.len + 1 > FOLD_AT) {
		st = mp_buf_append_c(f, sep);
		if (st == MP_OK)
			st = mp_buf_append_byte(f, '\t');
		*col = 8;
	} else if (!glue) {
		st = mp_buf_append_byte(f, ' ');
		(*col)++;
	}
	if (st == MP_OK)
		st = mp_buf_append_str(f, text);
	*col += text.len;
	return st;
}

/* field_text - the DKIM-Signature field up to and including "b=" */
static enum mp_status
field_text(struct mp_dkim_sign *s, const struct mp_dkim_sign_opts *o, struct mp_buf *f,
           const uint8_t *bh)
{
	struct mp_str names[MP_LIMIT_DKIM_H_TAGS];
	size_t nn = h_list(s, o, names), col;
	int64_t t = o->now ? o->now : (int64_t)time(NULL);
	struct mp_buf tmp, b64;
	enum mp_status st;
	enum mp_dkim_alg alg = o->alg ? o->alg : mp_signer_alg(o->signer);

	bool glue = false;

	mp_buf_init(&tmp, 600);
	st = mp_buf_append_c(f, "DKIM-Signature: v=1;");
	col = f->len;
#define TAG(...) (mp_buf_reset(&tmp), mp_buf_printf(&tmp, __VA_ARGS__) != MP_OK \
	? MP_ELIMIT : add_tag(f, &col, s->linesep, mp_buf_str(&tmp), glue))
	if (st == MP_OK)
		st = TAG("a=%s;", mp_dkim_alg_name(alg));
	if (st == MP_OK)
		st = TAG("c=%s/%s;", o->hcanon ? "relaxed" : "simple", o->bcanon ? "relaxed" : "simple");
	if (st == MP_OK)
		st = TAG("d=%.*s;", (int)o->domain.len, o->domain.ptr);
	if (st == MP_OK)
		st = TAG("s=%.*s;", (int)o->selector.len, o->selector.ptr);
	if (st == MP_OK && o->identity.len > 0)
		st = TAG("i=%.*s;", (int)o->identity.len, o->identity.ptr);
	if (st == MP_OK)
		st = TAG("t=%lld;", (long long)t);
	if (st == MP_OK && o->expire > 0)
		st = TAG("x=%lld;", (long long)(t + (int64_t)o->expire));
	for (size_t k = 0; k < nn && st == MP_OK; k++, glue = true)
		st = TAG("%s%.*s%s", k ? "" : "h=", (int)names[k].len, names[k].ptr,
		         k + 1 < nn ? ":" : ";");
#undef TAG
	mp_buf_fini(&tmp);
	mp_buf_init(&b64, 64);
	if (st == MP_OK)
		st = mp_buf_append_c(&b64, "bh=");
	if (st == MP_OK)
		st = mp_base64_encode(&b64, bh, 32);
	if (st == MP_OK)
		st = mp_buf_append_byte(&b64, ';');
	if (st == MP_OK)
		st = add_tag(f, &col, s->linesep, mp_buf_str(&b64), false);
	mp_buf_fini(&b64);
	if (st == MP_OK)    /* b= on its own line; its value and folds are deleted when hashing */
		st = mp_buf_append_c(f, s->linesep);
	if (st == MP_OK)
		st = mp_buf_append_c(f, "\tb=");
	return st;
}

/* append_b - the field text, then b= folded in 72-character pieces */
static enum mp_status
append_b(struct mp_buf *out, const struct mp_buf *f, const struct mp_buf *sig,
         const char *linesep)
{
	struct mp_buf b64;
	enum mp_status st;

	mp_buf_init(&b64, 4096);
	st = mp_base64_encode(&b64, sig->ptr, sig->len);
	if (st == MP_OK)
		st = mp_buf_append(out, f->ptr, f->len);
	for (size_t off = 0; off < b64.len && st == MP_OK; off += 72) {
		size_t n = b64.len - off < 72 ? b64.len - off : 72;

		if (off > 0) {
			st = mp_buf_append_c(out, linesep);
			if (st == MP_OK)
				st = mp_buf_append_byte(out, '\t');
		}
		if (st == MP_OK)
			st = mp_buf_append(out, b64.ptr + off, n);
	}
	if (st == MP_OK)
		st = mp_buf_append_c(out, linesep);
	mp_buf_fini(&b64);
	return st;
}

/* sign_one - one signature field into out */
static enum mp_status
sign_one(struct mp_dkim_sign *s, const struct mp_dkim_sign_opts *o, struct mp_buf *out,
         struct mp_why *why)
{
	struct mp_str names[MP_LIMIT_DKIM_H_TAGS];
	size_t sel[MP_LIMIT_DKIM_H_TAGS], nn = h_list(s, o, names);
	bool *used = mp_arena_alloc(&s->arena, s->nfields + 1);
	struct mp_buf f, canon, sig;
	uint8_t digest[32];
	unsigned dlen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum mp_status st;

	mp_buf_init(&f, MP_LIMIT_DKIM_SIG_FIELD);
	mp_buf_init(&canon, 2 * (size_t)MP_LIMIT_HEADER_FIELD);
	mp_buf_init(&sig, 2048);
	st = used && md ? field_text(s, o, &f, s->bh[o->bcanon == MP_DKIM_RELAXED]) : MP_ENOMEM;
	if (st != MP_OK)
		goto out;
	mp_dkim_select(s->fields, s->nfields, names, nn, sel, used);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t k = 0; k < nn && st == MP_OK; k++) {
		if (sel[k] == SIZE_MAX)
			continue;
		mp_buf_reset(&canon);
		st = mp_dkim_canon_header(&canon, o->hcanon, s->fields[sel[k]].raw, false);
		EVP_DigestUpdate(md, canon.ptr, canon.len);
	}
	mp_buf_reset(&canon);
	if (st == MP_OK)
		st = mp_dkim_canon_header(&canon, o->hcanon, mp_buf_str(&f), true);
	if (st != MP_OK)
		goto out;
	EVP_DigestUpdate(md, canon.ptr, canon.len);
	EVP_DigestFinal_ex(md, digest, &dlen);
	st = mp_signer_sign(o->signer, o->alg ? o->alg : mp_signer_alg(o->signer),
	                    mp_str_make((const char *)digest, dlen), &sig);
	if (st != MP_OK) {
		mp_why_set(why, MP_REASON_DKIM_SIGN_FAILED);
		st = MP_OK;
		goto out;
	}
	st = append_b(out, &f, &sig, s->linesep);
out:
	EVP_MD_CTX_free(md);
	mp_buf_fini(&f);
	mp_buf_fini(&canon);
	mp_buf_fini(&sig);
	return st;
}

/* mp_dkim_sign_end - finish the body and make every signature */
enum mp_status
mp_dkim_sign_end(struct mp_dkim_sign *s, struct mp_buf *out, struct mp_why *why)
{
	enum mp_status st = MP_OK;
	unsigned len;

	mp_why_clear(why);
	if (!s->headers_done)
		st = headers_end(s);
	if (st != MP_OK)
		return st;
	for (int c = 0; c < 2; c++) {
		if (!s->bc_used[c])
			continue;
		mp_dkim_bcanon_end(&s->bc[c]);
		EVP_DigestFinal_ex(s->sink[c].md, s->bh[c], &len);
	}
	if (count_fields(s, MP_STR_LIT("from")) == 0)
		return mp_why_set(why, MP_REASON_DKIM_NO_FROM);
	for (size_t k = 0; k < s->n && st == MP_OK && !mp_why_failed(why); k++)
		st = sign_one(s, &s->o[k], out, why);
	return st;
}
