/* spf_header.c - SPF results as header text: Received-SPF (RFC 7208 §9.1)
 * and the spf= resinfo of Authentication-Results (RFC 8601 §2.7.2,
 * RFC 7208 §9.2). Sender-supplied text (envelope-from, HELO) is made safe
 * (quoted, non-printables dropped, cut) before it goes into a header.
 * A generic A-R builder belongs to src/authres; this formats the SPF part
 * only. Thread-safe.
 */
#include <string.h>

#include <mailproof/spf.h>
#include <mailproof/str.h>

#define HDR_VALUE_MAX 200       /* sender text kept per key (RFC 5322 §2.1.1 line limit) */

/* is_atext - RFC 5322 atext plus '.' (dot-atom text) */
static bool
is_atext(unsigned char c)
{
	return mp_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static void put_pvalue(struct mp_buf *b, struct mp_str v, bool allow_at);

/* put_value - dot-atom when possible, else a quoted-string of printable bytes */
static void
put_value(struct mp_buf *b, struct mp_str v)
{
	put_pvalue(b, v, false);
}

/* put_pvalue - as put_value; allow_at keeps local@domain bare (RFC 8601 pvalue) */
static void
put_pvalue(struct mp_buf *b, struct mp_str v, bool allow_at)
{
	bool atom = v.len > 0 && v.ptr[0] != '.' && v.ptr[v.len - 1] != '.';
	size_t nat = 0;

	if (v.len > HDR_VALUE_MAX)
		v.len = HDR_VALUE_MAX;
	for (size_t i = 0; i < v.len && atom; i++) {
		nat += v.ptr[i] == '@';
		atom = is_atext((unsigned char)v.ptr[i]) || (allow_at && v.ptr[i] == '@' &&
		    nat == 1 && i + 1 < v.len);
	}
	if (atom) {
		mp_buf_append_str(b, v);
		return;
	}
	mp_buf_append_byte(b, '"');
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.ptr[i];

		if (c == '"' || c == '\\')
			mp_buf_append_byte(b, '\\');
		if (c >= 0x20 && c < 0x7f)
			mp_buf_append_byte(b, (char)c);
	}
	mp_buf_append_byte(b, '"');
}

/* put_comment_text - comment-safe text: no parentheses, backslashes or controls */
static void
put_comment_text(struct mp_buf *b, struct mp_str v)
{
	if (v.len > HDR_VALUE_MAX)
		v.len = HDR_VALUE_MAX;
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.ptr[i];

		if (c >= 0x20 && c < 0x7f && c != '(' && c != ')' && c != '\\')
			mp_buf_append_byte(b, (char)c);
	}
}

/* null_path - "", "<>" (with spaces around) */
static bool
null_path(struct mp_str from)
{
	from = mp_str_trim(from);
	return from.len == 0 || mp_str_eq_c(from, "<>");
}

/* bare_path - "<a@b>" -> "a@b" */
static struct mp_str
bare_path(struct mp_str from)
{
	from = mp_str_trim(from);
	if (from.len >= 2 && from.ptr[0] == '<' && from.ptr[from.len - 1] == '>')
		from = mp_str_make(from.ptr + 1, from.len - 2);
	return from;
}

/* mp_spf_received_spf - RFC 7208 §9.1 field, one line */
enum mp_status
mp_spf_received_spf(const struct mp_spf_request *req, const struct mp_spf_outcome *o,
                    struct mp_buf *out)
{
	struct mp_str recv = req->receiver.len ? req->receiver : MP_STR_LIT("unknown");
	char ip[46];
	size_t start = out->len;

	mp_spf_ip_format(&req->ip, ip);
	mp_buf_printf(out, "Received-SPF: %s (", mp_spf_result_name(o->result));
	put_comment_text(out, recv);
	mp_buf_append_c(out, ": ");
	switch (o->result) {
	case MP_SPF_PASS:
		mp_buf_append_c(out, "domain of ");
		put_comment_text(out, o->sender);
		mp_buf_printf(out, " designates %s as permitted sender", ip);
		break;
	case MP_SPF_FAIL:
	case MP_SPF_SOFTFAIL:
		mp_buf_append_c(out, o->result == MP_SPF_SOFTFAIL ? "transitioning domain of " :
		    "domain of ");
		put_comment_text(out, o->sender);
		mp_buf_printf(out, " does not designate %s as permitted sender", ip);
		break;
	case MP_SPF_NEUTRAL:
		mp_buf_printf(out, "%s is neither permitted nor denied by domain of ", ip);
		put_comment_text(out, o->sender);
		break;
	case MP_SPF_NONE:
		mp_buf_append_c(out, "domain of ");
		put_comment_text(out, o->sender);
		mp_buf_append_c(out, " does not designate permitted sender hosts");
		break;
	default:
		mp_buf_append_c(out, o->result == MP_SPF_TEMPERROR ?
		    "temporary error checking domain of " : "permanent error in SPF of ");
		put_comment_text(out, o->sender);
		break;
	}
	mp_buf_append_c(out, ") receiver=");
	put_value(out, recv);
	mp_buf_printf(out, "; client-ip=%s; envelope-from=", ip);
	put_value(out, null_path(req->mail_from) ? MP_STR_LIT("") : bare_path(req->mail_from));
	mp_buf_append_c(out, "; helo=");
	put_value(out, req->helo);
	mp_buf_printf(out, "; identity=%s;", o->identity == MP_SPF_ID_HELO ? "helo" : "mailfrom");
	if (o->mechanism.len) {
		mp_buf_append_c(out, " mechanism=");
		put_value(out, o->mechanism);
		mp_buf_append_byte(out, ';');
	}
	if (o->result == MP_SPF_TEMPERROR || o->result == MP_SPF_PERMERROR) {
		mp_buf_append_c(out, " problem=");
		put_value(out, mp_str_c(o->why.text));
		mp_buf_append_byte(out, ';');
	}
	if (out->len == start || out->ptr == NULL)
		return MP_ENOMEM;
	return mp_buf_append_c(out, "");
}

/* mp_spf_authres - "spf=RESULT smtp.mailfrom=..." or "smtp.helo=..." */
enum mp_status
mp_spf_authres(const struct mp_spf_outcome *o, struct mp_buf *out)
{
	mp_buf_printf(out, "spf=%s", mp_spf_result_name(o->result));
	if (o->why.text[0] && o->result != MP_SPF_PASS) {
		mp_buf_append_c(out, " (");
		put_comment_text(out, mp_str_c(o->why.text));
		mp_buf_append_byte(out, ')');
	}
	if (o->identity == MP_SPF_ID_HELO) {
		mp_buf_append_c(out, " smtp.helo=");
		put_value(out, o->domain);
	} else {
		mp_buf_append_c(out, " smtp.mailfrom=");
		put_pvalue(out, o->sender, true);
	}
	return mp_buf_append_c(out, "");
}
