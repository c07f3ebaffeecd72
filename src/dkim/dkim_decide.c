/* dkim_decide.c - one signature's result (RFC 6376 §6.1.2-6.1.3, RFC 8301,
 * RFC 8463) from its key answer, header digest and body hash, with the
 * diagnostics users act on: key query name, bh= expected vs computed,
 * canonicalized body length, whether the header signature verified even when
 * the body hash did not, and (with z=) which header changed. Thread-safe. */
#include <stdint.h>
#include <string.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/limits.h>

#include "dkim_internal.h"

/* key_answer - pick the key record: first that parses, else first error */
static bool
key_answer(struct mp_dkim_sig_result *r, const struct mp_str *txt, size_t ntxt,
           enum mp_dns_status st, struct mp_dkim_key *key)
{
	enum mp_dns_state state = mp_dns_state_of(st);
	struct mp_why first;

	if (state == MP_DNS_INDETERMINATE) {
		r->result = MP_DKIM_TEMPERROR;
		mp_why_setf(&r->why, MP_REASON_DKIM_KEY_UNAVAILABLE, "key query %.*s TXT: %s",
		            (int)r->key_query.len, r->key_query.ptr, mp_dns_status_name(st));
		return false;
	}
	if (state == MP_DNS_ABSENT || ntxt == 0) {
		mp_why_setf(&r->why, MP_REASON_DKIM_NO_KEY, "no key record at %.*s (%s)",
		            (int)r->key_query.len, r->key_query.ptr, mp_dns_status_name(st));
		return false;
	}
	mp_why_clear(&first);
	for (size_t k = 0; k < ntxt; k++) {
		struct mp_why why;

		mp_dkim_key_parse(txt[k], key, &why);
		if (!mp_why_failed(&why))
			return true;
		if (k == 0)
			first = why;
	}
	mp_why_setf(&r->why, first.reason, "key at %.*s: %s", (int)r->key_query.len,
	            r->key_query.ptr, first.text);
	return false;
}

/* key_fits - the key record's rules against this signature (§6.1.2) */
static bool
key_fits(struct mp_dkim_sig_result *r, const struct mp_dkim_sig *s,
         const struct mp_dkim_key *key)
{
	bool sig_ed = s->alg == MP_DKIM_ED25519_SHA256;

	r->key_testing = key->testing;
	if (key->has_h && !(s->alg == MP_DKIM_RSA_SHA1 ? key->h_sha1 : key->h_sha256))
		return mp_why_set(&r->why, MP_REASON_DKIM_KEY_HASH), false;
	if (key->is_ed25519 != sig_ed)
		return mp_why_setf(&r->why, MP_REASON_DKIM_KEY_ALG_MISMATCH,
		                   "a=%s but the key is k=%s", mp_dkim_alg_name(s->alg),
		                   key->is_ed25519 ? "ed25519" : "rsa"), false;
	if (key->strict && !mp_str_eq_nocase(s->i_domain, s->d))
		return mp_why_set(&r->why, MP_REASON_DKIM_KEY_STRICT), false;
	if (key->p.len == 0)
		return mp_why_setf(&r->why, MP_REASON_DKIM_KEY_REVOKED, "key at %.*s is revoked (p= empty)",
		                   (int)r->key_query.len, r->key_query.ptr), false;
	return true;
}

/* bh_diag - the computed body hash in base64 */
static void
bh_diag(struct mp_dkim_sig_result *r, const uint8_t *bh, size_t bhlen)
{
	struct mp_buf b;

	mp_buf_init(&b, MP_DKIM_B64_HASH_MAX);
	if (mp_base64_encode(&b, bh, bhlen) == MP_OK && b.len > 0)
		memcpy(r->bh_computed, b.ptr, b.len + 1);
	mp_buf_fini(&b);
}

/* crypto - body hash compare and header signature check */
static enum mp_status
crypto(const struct mp_dkim_verify_opts *o, struct mp_dkim_sig_result *r,
       const struct mp_dkim_sig *s, const struct mp_dkim_key *key, const uint8_t *hdigest,
       size_t hdlen, const uint8_t *bh, size_t bhlen)
{
	EVP_PKEY *pk = NULL;
	enum mp_status st;

	st = mp_dkim_key_get(o->cache, key->p, key->is_ed25519, &pk, &r->key_bits, &r->why);
	if (st != MP_OK || pk == NULL) {
		if (!mp_why_failed(&r->why))
			mp_why_set(&r->why, MP_REASON_DKIM_KEY_BAD);
		return st;
	}
	r->body_hash_ok = s->bh_len == bhlen && memcmp(s->bh_bin, bh, bhlen) == 0;
	r->sig_ok = mp_dkim_key_verify(o->cache, key->p, key->is_ed25519, pk, s->alg, hdigest, hdlen,
	                               s->b_bin, s->b_len);
	r->sig_checked = true;
	EVP_PKEY_free(pk);
	return MP_OK;
}

/* verdict - the result once the crypto is done */
static void
verdict(const struct mp_dkim_verify_opts *o, struct mp_dkim_sig_result *r,
        const struct mp_dkim_sig *s)
{
	const char *hdr = r->sig_ok ? "verified" : "did not verify";

	if (!r->key_bits || (s->alg != MP_DKIM_ED25519_SHA256 && r->key_bits < MP_LIMIT_DKIM_RSA_MIN)) {
		r->result = MP_DKIM_POLICY;
		mp_why_setf(&r->why, MP_REASON_DKIM_KEY_TOO_SMALL,
		            "RSA key of %u bits at %.*s never passes (RFC 8301 §3.2); signature %s",
		            r->key_bits, (int)r->key_query.len, r->key_query.ptr,
		            r->sig_ok && r->body_hash_ok ? "otherwise valid" : "also invalid");
		return;
	}
	if (s->alg == MP_DKIM_RSA_SHA1) {
		r->result = MP_DKIM_POLICY;
		mp_why_setf(&r->why, MP_REASON_DKIM_SHA1,
		            "rsa-sha1 never passes (RFC 8301 §3.1); signature %s",
		            r->sig_ok && r->body_hash_ok ? "otherwise valid" : "also invalid");
		return;
	}
	if (s->has_l && s->l > r->body_len) {
		r->result = MP_DKIM_PERMERROR;
		mp_why_setf(&r->why, MP_REASON_DKIM_L_TOO_LARGE,
		            "l=%llu but the canonicalized body has %llu bytes",
		            (unsigned long long)s->l, (unsigned long long)r->body_len);
		return;
	}
	if (!r->body_hash_ok) {
		r->result = MP_DKIM_FAIL;
		mp_why_setf(&r->why, MP_REASON_DKIM_BODY_HASH_MISMATCH,
		            "body hash did not verify: bh=%s, computed %s over %llu canonicalized "
		            "bytes (c=%s body%s); header signature %s",
		            r->bh_expected, r->bh_computed,
		            (unsigned long long)(s->has_l ? s->l : r->body_len),
		            s->bcanon == MP_DKIM_RELAXED ? "relaxed" : "simple",
		            s->has_l ? ", l=" : "", hdr);
		return;
	}
	if (!r->sig_ok) {
		r->result = MP_DKIM_FAIL;
		mp_why_setf(&r->why, MP_REASON_DKIM_SIG_MISMATCH,
		            "signature did not verify with the key at %.*s (body hash matched)",
		            (int)r->key_query.len, r->key_query.ptr);
		return;
	}
	r->result = MP_DKIM_PASS;
	if (s->has_l && s->l < r->body_len) {
		unsigned pct = (unsigned)(r->body_len ? s->l * 100 / r->body_len : 100);

		if (o->length == MP_DKIM_LENGTH_REJECT)
			r->result = MP_DKIM_POLICY;
		r->length_flagged = o->length == MP_DKIM_LENGTH_FLAG;
		if (o->length != MP_DKIM_LENGTH_ACCEPT)
			mp_why_setf(&r->why, MP_REASON_DKIM_LENGTH_UNSIGNED,
			            "l=%llu signs %u%% of the %llu-byte canonicalized body; the rest "
			            "is unsigned", (unsigned long long)s->l, pct,
			            (unsigned long long)r->body_len);
	}
}

/* mp_dkim_finish_sig - decide one signature */
void
mp_dkim_finish_sig(const struct mp_dkim_verify_opts *o, struct mp_arena *a,
                   struct mp_dkim_sig_result *r, const struct mp_dkim_sig *s,
                   const struct mp_str *txt, size_t ntxt, enum mp_dns_status st,
                   const uint8_t *hdigest, size_t hdlen, const uint8_t *bh, size_t bhlen,
                   uint64_t body_len)
{
	struct mp_dkim_key key;

	(void)a;
	r->body_len = body_len;
	r->result = MP_DKIM_PERMERROR;
	mp_why_clear(&r->why);
	bh_diag(r, bh, bhlen);
	if (!key_answer(r, txt, ntxt, st, &key) || !key_fits(r, s, &key))
		return;
	if (crypto(o, r, s, &key, hdigest, hdlen, bh, bhlen) != MP_OK || !r->sig_checked) {
		r->result = MP_DKIM_PERMERROR;
		return;
	}
	verdict(o, r, s);
}

/* qp_decode_nows - dkim-quoted-printable (§2.11) decoded, white space removed */
static size_t
qp_decode_nows(struct mp_str in, char *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < in.len && n < max; i++) {
		unsigned char c = (unsigned char)in.ptr[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=' && i + 2 < in.len && mp_is_hex((unsigned char)in.ptr[i + 1])
		    && mp_is_hex((unsigned char)in.ptr[i + 2])) {
			unsigned v = 0;
			for (int k = 1; k <= 2; k++) {
				unsigned char h = mp_lower((unsigned char)in.ptr[i + k]);
				v = v * 16 + (unsigned)(mp_is_digit(h) ? h - '0' : h - 'a' + 10);
			}
			c = (unsigned char)v;
			i += 2;
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
		}
		out[n++] = (char)c;
	}
	return n;
}

/* value_nows_eq - field value equal to want, white space ignored */
static bool
value_nows_eq(struct mp_str raw, const char *want, size_t wlen)
{
	ptrdiff_t colon = mp_str_find(raw, ':');
	size_t n = 0;

	for (size_t i = (size_t)colon + 1; i < raw.len; i++) {
		char c = raw.ptr[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (n >= wlen || want[n] != c)
			return false;
		n++;
	}
	return n == wlen;
}

/* mp_dkim_z_diff - which z= copied field no longer matches */
void
mp_dkim_z_diff(const struct dkim_field *fields, size_t nfields, struct mp_str z,
               struct mp_dkim_sig_result *r)
{
	char buf[1024];
	struct mp_cursor c;
	struct mp_str item;

	mp_cur_init(&c, z);
	while (!mp_cur_eof(&c)) {
		mp_cur_until(&c, &item, '|', mp_cur_left(&c));
		mp_cur_accept(&c, '|');
		size_t n = qp_decode_nows(item, buf, sizeof buf);
		struct mp_str dec = mp_str_make(buf, n);
		ptrdiff_t colon = mp_str_find(dec, ':');
		bool seen = false, same = false;

		if (colon <= 0 || n == sizeof buf)
			continue;
		struct mp_str name = mp_str_make(buf, (size_t)colon);
		for (size_t k = 0; k < nfields; k++) {
			if (!mp_str_eq_nocase(fields[k].name, name))
				continue;
			seen = true;
			same = same || value_nows_eq(fields[k].raw, buf + colon + 1,
			                             n - (size_t)colon - 1);
		}
		if (!same) {
			r->changed_header = seen ? fields[0].name : MP_STR_NULL;
			for (size_t k = 0; k < nfields && seen; k++)
				if (mp_str_eq_nocase(fields[k].name, name))
					r->changed_header = fields[k].name;
			if (!seen)
				r->changed_header = MP_STR_LIT("(removed field)");
			return;
		}
	}
}
