/* milter_sign.c - outbound DKIM signing for mailproofd through the DKIM
 * signer (mailproof/dkim.h): one pass over the message for all of a
 * domain's keys (e.g. rsa + ed25519), the signer's default header list
 * (From, Subject, Date, To, Content-Type over-signed), never l=. Keys are
 * decoded once per configuration generation, before privileges drop.
 */
#include <string.h>

#include <mailproof/dkim.h>
#include <mailproof/log.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_internal.h"

struct milter_sign {
	struct mp_dkim_sign *s;
};

enum mp_status
milter_signers_load(struct milter_gen *g, struct mp_why *why)
{
	struct mp_why kwhy;

	if (g->cfg.nkeys == 0)
		return MP_OK;
	g->signers = mp_zalloc(g->cfg.nkeys * sizeof *g->signers);
	if (g->signers == NULL)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
	for (size_t i = 0; i < g->cfg.nkeys; i++) {
		mp_why_clear(&kwhy);
		g->signers[i] = mp_signer_from_pem(g->cfg.keys[i].pem, &kwhy);
		if (g->signers[i] == NULL)
			return mp_why_setf(why, MP_REASON_MILTER_KEY_INVALID, "%s: %s",
			    g->cfg.keys[i].path.ptr, kwhy.text), MP_EINVAL;
	}
	return MP_OK;
}

void
milter_signers_free(struct milter_gen *g)
{
	if (g->signers == NULL)
		return;
	for (size_t i = 0; i < g->cfg.nkeys; i++)
		mp_signer_free(g->signers[i]);
	mp_free(g->signers);
	g->signers = NULL;
}

enum mp_status
milter_sign_start(const struct milter_key *keys, void *const *signers, size_t n,
                  struct mp_str headers, struct milter_sign **out, struct mp_why *why)
{
	struct mp_dkim_sign_opts o[MP_LIMIT_MILTER_KEYS_PER_DOMAIN];
	struct milter_sign *s;
	enum mp_status st;

	*out = NULL;
	if (n == 0 || n > MP_LIMIT_MILTER_KEYS_PER_DOMAIN || signers == NULL)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_EINVAL;
	for (size_t i = 0; i < n; i++) {
		mp_dkim_sign_opts_init(&o[i]);
		o[i].signer = signers[i];
		o[i].domain = keys[i].domain;
		o[i].selector = keys[i].selector;
	}
	if ((s = mp_zalloc(sizeof *s)) == NULL)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
	if ((s->s = mp_dkim_sign_new(o, n, why)) == NULL) {
		mp_free(s);
		return MP_EINVAL;
	}
	st = mp_dkim_sign_feed(s->s, headers.ptr, headers.len);
	if (st == MP_OK)
		st = mp_dkim_sign_feed(s->s, "\r\n", 2);
	if (st != MP_OK) {
		milter_sign_free(s);
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), st;
	}
	*out = s;
	return MP_OK;
}

enum mp_status
milter_sign_body(struct milter_sign *s, const char *p, size_t len)
{
	return mp_dkim_sign_feed(s->s, p, len);
}

/* split_fields - "DKIM-Signature: v\r\n\t..." fields to NUL-ended values
 * folded with "\n" (what libmilter's insheader takes) */
static enum mp_status
split_fields(struct mp_str text, struct mp_buf *out, size_t *n)
{
	enum mp_status st = MP_OK;
	size_t i = 0;

	*n = 0;
	while (st == MP_OK && i < text.len) {
		ptrdiff_t colon = mp_str_find(mp_str_make(text.ptr + i, text.len - i), ':');
		if (colon < 0)
			return MP_EINVAL;
		i += (size_t)colon + 1;
		if (i < text.len && text.ptr[i] == ' ')
			i++;
		for (; st == MP_OK && i < text.len; i++) {
			char ch = text.ptr[i];
			if (ch == '\r')
				continue;
			if (ch == '\n' && (i + 1 >= text.len || !mp_is_wsp((unsigned char)text.ptr[i + 1]))) {
				i++;
				break;                  /* end of this field */
			}
			st = mp_buf_append_byte(out, ch);
		}
		if (st == MP_OK)
			st = mp_buf_append_byte(out, '\0');
		(*n)++;
	}
	return st;
}

enum mp_status
milter_sign_end(struct milter_sign *s, struct mp_buf *out, size_t *n, struct mp_why *why)
{
	struct mp_buf fields;
	enum mp_status st;

	*n = 0;
	mp_buf_init(&fields, 64u << 10);
	st = mp_dkim_sign_end(s->s, &fields, why);
	if (st == MP_OK && !mp_why_failed(why))
		st = split_fields(mp_buf_str(&fields), out, n);
	mp_buf_fini(&fields);
	return st;
}

void
milter_sign_free(struct milter_sign *s)
{
	if (s == NULL)
		return;
	mp_dkim_sign_free(s->s);
	mp_free(s);
}
