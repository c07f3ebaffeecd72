/* dmarc_authres.c - the dmarc resinfo of Authentication-Results (RFC 8601
 * §2.7, RFC 9989 §9.2): "dmarc=RESULT (p=.. sp=.. dis=..) header.from=DOMAIN".
 * The comment holds only fixed words; header.from is written as a token
 * when it is one and as a quoted-string otherwise (RFC 8601 §2.2 pvalue,
 * RFC 2045 token), so no value can be read back as another. Thread-safe.
 */
#include <string.h>

#include <mailproof/dmarc.h>

/* is_token_char - RFC 2045 token: CHAR minus SPACE, CTLs and tspecials */
static bool
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* append_value - token as is, anything else as an RFC 5322 quoted-string
 * (bytes that cannot be quoted safely, CTLs and NUL, are escaped as "?") */
static enum mp_status
append_value(struct mp_buf *out, struct mp_str v)
{
	enum mp_status st = MP_OK;
	bool token = v.len > 0;

	for (size_t i = 0; i < v.len; i++)
		token &= is_token_char((unsigned char)v.ptr[i]);
	if (token)
		return mp_buf_append_str(out, v);
	st = mp_buf_append_byte(out, '"');
	for (size_t i = 0; i < v.len && st == MP_OK; i++) {
		unsigned char c = (unsigned char)v.ptr[i];
		if (c == '"' || c == '\\')
			st = mp_buf_append_byte(out, '\\');
		if (st == MP_OK)
			st = mp_buf_append_byte(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
	if (st == MP_OK)
		st = mp_buf_append_byte(out, '"');
	return st;
}

enum mp_status
mp_dmarc_authres(const struct mp_dmarc_verdict *v, struct mp_buf *out)
{
	enum mp_status st;

	if (v == NULL || out == NULL)
		return MP_EINVAL;
	st = mp_buf_printf(out, "dmarc=%s", mp_dmarc_result_name(v->result));
	if (st == MP_OK && v->record != NULL && v->record->status == MP_DMARC_REC_OK)
		st = mp_buf_printf(out, " (p=%s sp=%s dis=%s)",
		                   mp_dmarc_policy_name(v->record->eff_p),
		                   mp_dmarc_policy_name(v->record->eff_sp),
		                   mp_dmarc_policy_name(v->disposition == MP_DMARC_POLICY_UNSET
		                                            ? MP_DMARC_POLICY_NONE
		                                            : v->disposition));
	if (st == MP_OK && v->domain.len > 0) {
		st = mp_buf_append_c(out, " header.from=");
		if (st == MP_OK)
			st = append_value(out, v->domain);
	}
	return st;
}
