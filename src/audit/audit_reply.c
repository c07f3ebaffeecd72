/* audit_reply.c - SMTP reply parser (RFC 5321 §4.2), enhanced status codes
 * (RFC 3463 §2) and EHLO capability lists (RFC 5321 §4.1.1.1, RFC 4954 §3).
 *
 * Replies come from the server under audit and are hostile: every line is
 * bounded (MP_LIMIT_SMTP_REPLY_LINE), so are the line count and the EHLO
 * keywords kept. The parser is pure: views into the caller's bytes, no I/O.
 * Thread-safe.
 */
#include <string.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#include "audit_internal.h"

/* find_lf - offset of the first LF in the first max bytes of s, or -1 */
static ptrdiff_t
find_lf(struct mp_str s, size_t max)
{
	const char *p;

	if (s.len > max)
		s.len = max;
	p = s.len ? memchr(s.ptr, '\n', s.len) : NULL;
	return p ? p - s.ptr : -1;
}

/* reply_code - "ddd" at the start of line (RFC 5321 §4.2.1), or -1 */
static int
reply_code(struct mp_str line)
{
	const unsigned char *u = (const unsigned char *)line.ptr;

	if (line.len < 3 || !mp_is_digit(u[0]) || !mp_is_digit(u[1]) || !mp_is_digit(u[2]))
		return -1;
	if (u[0] < '2' || u[0] > '5' || u[1] > '5')
		return -1;
	return (u[0] - '0') * 100 + (u[1] - '0') * 10 + (u[2] - '0');
}

/* enh_part - 1 to max digits of an enhanced code part */
static bool
enh_part(struct mp_cursor *c, size_t max, unsigned *out)
{
	struct mp_str digits;
	uint64_t v;

	mp_cur_span(c, &digits, mp_is_digit, max);
	if (c->err || !mp_parse_u64(digits, 999, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* parse_enhanced - "class.subject.detail" at the start of the first line
 * (RFC 3463 §2: class 2, 4 or 5 matching the reply; 1-3 digits each) */
static void
parse_enhanced(struct mp_smtp_reply *r)
{
	struct mp_cursor c;
	unsigned cls, sub, det;

	mp_cur_init(&c, r->lines[0]);
	if (!enh_part(&c, 1, &cls) || (mp_cur_expect(&c, '.'), c.err) ||
	    !enh_part(&c, 3, &sub) || (mp_cur_expect(&c, '.'), c.err) ||
	    !enh_part(&c, 3, &det))
		return;
	if (!mp_cur_eof(&c) && mp_cur_peek(&c) != ' ')
		return;
	if (cls != (unsigned)(r->code / 100))
		return;
	r->has_enhanced = true;
	r->enh_class = cls;
	r->enh_subject = sub;
	r->enh_detail = det;
}

enum mp_status
mp_smtp_reply_parse(struct mp_str in, struct mp_smtp_reply *r, size_t *used,
                    struct mp_why *why)
{
	size_t off = 0;
	ptrdiff_t lf;
	struct mp_str line;
	int code;

	memset(r, 0, sizeof *r);
	*used = 0;
	mp_why_clear(why);
	for (;;) {
		lf = find_lf(mp_str_make(in.ptr + off, in.len - off), MP_LIMIT_SMTP_REPLY_LINE + 2);
		if (lf < 0) {
			if (in.len - off > MP_LIMIT_SMTP_REPLY_LINE + 1)
				return mp_why_set(why, MP_REASON_AUDIT_REPLY_TOO_LONG);
			return MP_OK;   /* incomplete */
		}
		line = mp_str_make(in.ptr + off, (size_t)lf);
		off += (size_t)lf + 1;
		if (line.len > 0 && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (mp_str_has_nul(line))
			return mp_why_set(why, MP_REASON_NUL_BYTE);
		if ((code = reply_code(line)) < 0)
			return mp_why_set(why, MP_REASON_AUDIT_REPLY_SYNTAX);
		if (r->nlines > 0 && code != r->code)
			return mp_why_set(why, MP_REASON_AUDIT_REPLY_CODE_MISMATCH);
		if (r->nlines == MP_LIMIT_SMTP_REPLY_LINES)
			return mp_why_set(why, MP_REASON_AUDIT_REPLY_TOO_LONG);
		r->code = code;
		if (line.len > 3 && line.ptr[3] != ' ' && line.ptr[3] != '-')
			return mp_why_set(why, MP_REASON_AUDIT_REPLY_SYNTAX);
		r->lines[r->nlines++] = line.len > 4 ? mp_str_make(line.ptr + 4, line.len - 4)
		                                     : mp_str_make(line.ptr + line.len, 0);
		if (line.len == 3 || line.ptr[3] == ' ')
			break;
	}
	parse_enhanced(r);
	*used = off;
	return MP_OK;
}

enum mp_status
mp_smtp_reply_format(const struct mp_smtp_reply *r, struct mp_buf *out)
{
	enum mp_status st = MP_OK;

	for (size_t i = 0; i < r->nlines && st == MP_OK; i++) {
		st = mp_buf_printf(out, "%03d%c", r->code, i + 1 < r->nlines ? '-' : ' ');
		if (st == MP_OK)
			st = mp_buf_append_str(out, r->lines[i]);
		if (st == MP_OK)
			st = mp_buf_append(out, "\r\n", 2);
	}
	return st;
}

enum mp_status
mp_smtp_reply_dup(struct mp_arena *a, const struct mp_smtp_reply *src,
                  struct mp_smtp_reply *dst)
{
	struct mp_smtp_reply tmp = *src;

	for (size_t i = 0; i < src->nlines; i++) {
		tmp.lines[i] = mp_arena_strdup(a, src->lines[i]);
		if (tmp.lines[i].ptr == NULL)
			return MP_ENOMEM;
	}
	*dst = tmp;
	return MP_OK;
}

/* is_keyword_char - esmtp-keyword is (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static bool
is_keyword_char(unsigned char c)
{
	return mp_is_ldh(c);
}

/* is_mech_char - SASL mechanism names (RFC 4422 §3.1): A-Z 0-9 - _ */
static bool
is_mech_char(unsigned char c)
{
	return mp_is_alnum(c) || c == '-' || c == '_';
}

/* add_mech - one SASL mechanism, upper-cased, duplicates dropped */
static enum mp_status
add_mech(struct mp_smtp_caps *caps, struct mp_str m, struct mp_arena *a)
{
	char *up;

	for (size_t i = 0; i < caps->nauth; i++)
		if (mp_str_eq_nocase(caps->auth[i], m))
			return MP_OK;
	if (caps->nauth == MP_LIMIT_SMTP_AUTH_MECHS)
		return MP_OK;   /* limit: the rest is ignored */
	if ((up = mp_arena_alloc(a, m.len + 1)) == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < m.len; i++)
		up[i] = (char)mp_upper((unsigned char)m.ptr[i]);
	up[m.len] = '\0';
	caps->auth[caps->nauth++] = mp_str_make(up, m.len);
	return MP_OK;
}

/* parse_mechs - the parameters of "AUTH mech mech" (or old "AUTH=mech") */
static enum mp_status
parse_mechs(struct mp_smtp_caps *caps, struct mp_cursor *c, struct mp_arena *a)
{
	struct mp_str m;
	enum mp_status st;

	while (!mp_cur_eof(c)) {
		mp_cur_skip_wsp(c);
		if (mp_cur_eof(c))
			break;
		mp_cur_span(c, &m, is_mech_char, 20);  /* RFC 4422 §3.1: 1..20 chars */
		if (c->err)
			return MP_OK;   /* a bad name ends the list; what came before stays */
		if ((st = add_mech(caps, m, a)) != MP_OK)
			return st;
	}
	return MP_OK;
}

/* parse_cap_line - one "keyword [params]" line of an EHLO reply */
static enum mp_status
parse_cap_line(struct mp_smtp_caps *caps, struct mp_str line, struct mp_arena *a)
{
	struct mp_cursor c;
	struct mp_str kw, rest;
	uint64_t v;

	mp_cur_init(&c, line);
	mp_cur_span(&c, &kw, is_keyword_char, 64);
	if (c.err || (!mp_cur_eof(&c) && mp_cur_peek(&c) != ' ' && mp_cur_peek(&c) != '=')) {
		caps->nbad++;
		return MP_OK;
	}
	if (caps->nkeywords < MP_LIMIT_SMTP_EHLO_LINES)
		caps->keywords[caps->nkeywords++] = line;
	if (mp_str_eq_nocase_c(kw, "AUTH")) {
		mp_cur_accept(&c, '=');   /* AUTH=LOGIN PLAIN: pre-RFC 2554 clients */
		return parse_mechs(caps, &c, a);
	}
	mp_cur_skip_wsp(&c);
	rest = mp_cur_rest(&c);
	if (mp_str_eq_nocase_c(kw, "STARTTLS"))
		caps->starttls = true;
	else if (mp_str_eq_nocase_c(kw, "PIPELINING"))
		caps->pipelining = true;
	else if (mp_str_eq_nocase_c(kw, "ENHANCEDSTATUSCODES"))
		caps->enhanced = true;
	else if (mp_str_eq_nocase_c(kw, "8BITMIME"))
		caps->eightbitmime = true;
	else if (mp_str_eq_nocase_c(kw, "CHUNKING"))
		caps->chunking = true;
	else if (mp_str_eq_nocase_c(kw, "SMTPUTF8"))
		caps->smtputf8 = true;
	else if (mp_str_eq_nocase_c(kw, "DSN"))
		caps->dsn = true;
	else if (mp_str_eq_nocase_c(kw, "VRFY"))
		caps->vrfy = true;
	else if (mp_str_eq_nocase_c(kw, "REQUIRETLS"))
		caps->requiretls = true;
	else if (mp_str_eq_nocase_c(kw, "SIZE")) {
		caps->has_size = true;
		if (rest.len > 0 && mp_parse_u64(rest, UINT64_MAX, &v))
			caps->size = v;
	}
	return MP_OK;
}

enum mp_status
mp_smtp_caps_parse(const struct mp_smtp_reply *r, struct mp_arena *a, struct mp_smtp_caps *caps)
{
	struct mp_cursor c;
	enum mp_status st;

	memset(caps, 0, sizeof *caps);
	if (r->nlines == 0)
		return MP_OK;
	mp_cur_init(&c, r->lines[0]);
	mp_cur_until(&c, &caps->domain, ' ', MP_LIMIT_SMTP_REPLY_LINE);
	for (size_t i = 1; i < r->nlines; i++)
		if ((st = parse_cap_line(caps, r->lines[i], a)) != MP_OK)
			return st;
	return MP_OK;
}

bool
mp_smtp_caps_has_auth(const struct mp_smtp_caps *caps, const char *mech)
{
	for (size_t i = 0; i < caps->nauth; i++)
		if (mp_str_eq_nocase_c(caps->auth[i], mech))
			return true;
	return false;
}
