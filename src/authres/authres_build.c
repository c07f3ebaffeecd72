/* authres_build.c - Authentication-Results (RFC 8601 §2.2) and Received-SPF
 * (RFC 7208 §9.1) field values.
 *
 * A value goes out bare only when the grammar reads it back as exactly one
 * value (token, local-part@domain, dot-atom); everything else is a
 * quoted-string, so "bank.example(.attacker.example" can never be read as
 * bank.example plus a comment. Controls and malformed UTF-8 are refused
 * (MP_EINVAL) rather than escaped: header injection is impossible by
 * construction. Thread-safe; writes only to the caller's buffer.
 */
#include <string.h>

#include <mailproof/authres.h>
#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

#include "authres_internal.h"

#define FOLD_COLUMN 78          /* RFC 5322 §2.1.1: SHOULD be no more than 78 */
#define TAB_WIDTH 8

enum value_form {
	VF_TOKEN,               /* authserv-id, reason: token / quoted-string */
	VF_PVALUE,              /* property value: also local-part@domain bare */
	VF_DOT_ATOM,            /* Received-SPF: dot-atom / quoted-string */
};

struct writer {
	struct mp_buf *out;
	struct mp_str eol;
	size_t col;
	enum mp_status st;
};

/* ar_all - 1*ch of class cl */
bool
ar_all(struct mp_str s, bool (*cl)(unsigned char))
{
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!cl((unsigned char)s.ptr[i]))
			return false;
	return true;
}

/* is_token_char - RFC 2045 §5.1: CHAR except SPACE, CTLs, tspecials */
static bool
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* ar_is_token - RFC 2045 token */
bool
ar_is_token(struct mp_str s)
{
	return ar_all(s, is_token_char);
}

/* is_atext - RFC 5322 §3.2.3 atext, ASCII */
static bool
is_atext(unsigned char c)
{
	return mp_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dotted - runs of class cl separated by single dots */
static bool
dotted(struct mp_str s, bool (*cl)(unsigned char))
{
	if (s.len == 0 || s.ptr[0] == '.' || s.ptr[s.len - 1] == '.')
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '.' ? s.ptr[i + 1] == '.' : !cl(c))
			return false;
	}
	return true;
}

/* ar_is_dot_atom - dot-atom-text */
bool
ar_is_dot_atom(struct mp_str s)
{
	return dotted(s, is_atext);
}

/* is_ldh - letter, digit, hyphen */
static bool
is_ldh(unsigned char c)
{
	return mp_is_ldh(c);
}

/* ar_is_addr_value - [ [dot-atom] "@" ] LDH domain */
bool
ar_is_addr_value(struct mp_str s)
{
	const char *at = memchr(s.ptr, '@', s.len);
	struct mp_str dom;

	if (at == NULL)
		return false;
	dom = mp_str_make(at + 1, s.len - (size_t)(at + 1 - s.ptr));
	if (at != s.ptr && !ar_is_dot_atom(mp_str_make(s.ptr, (size_t)(at - s.ptr))))
		return false;
	return dotted(dom, is_ldh);
}

/* ar_text_ok - no controls but HTAB; well-formed UTF-8 */
bool
ar_text_ok(struct mp_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return mp_msg_utf8_valid(s);
}

/* put - append bytes; the first failure sticks */
static void
put(struct writer *w, const char *p, size_t len)
{
	if (w->st == MP_OK)
		w->st = mp_buf_append(w->out, p, len);
	w->col += len;
}

/* put_c - append a C string */
static void
put_c(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* put_uint - decimal number */
static void
put_uint(struct writer *w, unsigned v)
{
	char num[16];
	size_t i = sizeof num;

	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	put(w, num + i, sizeof num - i);
}

/* fold - new line, TAB */
static void
fold(struct writer *w)
{
	put(w, w->eol.ptr, w->eol.len);
	put(w, "\t", 1);
	w->col = TAB_WIDTH;
}

/* sep - a space, or a fold when an item of len bytes would pass column 78 */
static void
sep(struct writer *w, size_t len)
{
	if (w->col + 1 + len > FOLD_COLUMN && w->col > TAB_WIDTH)
		fold(w);
	else
		put(w, " ", 1);
}

/* is_bare - may the value be written without quotes? */
static bool
is_bare(struct mp_str v, enum value_form f)
{
	switch (f) {
	case VF_TOKEN:
		return ar_is_token(v);
	case VF_PVALUE:
		return ar_is_token(v) || ar_is_addr_value(v);
	case VF_DOT_ATOM:
		return ar_is_dot_atom(v);
	}
	return false;
}

/* escaped_len - bytes of v with quoted-pairs for the bytes in specials */
static size_t
escaped_len(struct mp_str v, const char *specials)
{
	size_t n = v.len;

	for (size_t i = 0; i < v.len; i++)
		if (v.ptr[i] != '\0' && strchr(specials, v.ptr[i]) != NULL)
			n++;
	return n;
}

/* value_len - bytes the value takes when written */
static size_t
value_len(struct mp_str v, enum value_form f)
{
	return is_bare(v, f) ? v.len : escaped_len(v, "\"\\") + 2;
}

/* put_escaped - v inside open/close with quoted-pairs (RFC 5322 §3.2.1) */
static void
put_escaped(struct writer *w, struct mp_str v, char open, char close, const char *specials)
{
	size_t start = 0;

	put(w, &open, 1);
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] == '\0' || strchr(specials, v.ptr[i]) == NULL)
			continue;
		put(w, v.ptr + start, i - start);
		put(w, "\\", 1);
		start = i;
	}
	put(w, v.ptr + start, v.len - start);
	put(w, &close, 1);
}

/* put_value - bare or quoted-string */
static void
put_value(struct writer *w, struct mp_str v, enum value_form f)
{
	if (!ar_text_ok(v)) {
		w->st = w->st == MP_OK ? MP_EINVAL : w->st;
		return;
	}
	if (is_bare(v, f))
		put(w, v.ptr, v.len);
	else
		put_escaped(w, v, '"', '"', "\"\\");
}

/* put_comment - "(" text ")" after a separator */
static void
put_comment(struct writer *w, struct mp_str c)
{
	if (!ar_text_ok(c)) {
		w->st = w->st == MP_OK ? MP_EINVAL : w->st;
		return;
	}
	sep(w, escaped_len(c, "()\\") + 2);
	put_escaped(w, c, '(', ')', "()\\");
}

/* put_pair - sep, then name=value (name already checked) */
static void
put_pair(struct writer *w, struct mp_str a, struct mp_str b, struct mp_str v,
         enum value_form f)
{
	sep(w, a.len + (b.ptr ? b.len + 1 : 0) + 1 + value_len(v, f));
	put(w, a.ptr, a.len);
	if (b.ptr) {
		put(w, ".", 1);
		put(w, b.ptr, b.len);
	}
	put(w, "=", 1);
	put_value(w, v, f);
}

/* put_result - one resinfo on its own line */
static void
put_result(struct writer *w, const struct mp_authres_result *r)
{
	if (!ar_all(r->method, ar_is_keyword) || !ar_all(r->result, ar_is_keyword) ||
	    r->nprops > MP_LIMIT_AUTHRES_PROPS) {
		w->st = w->st == MP_OK ? MP_EINVAL : w->st;
		return;
	}
	put(w, ";", 1);
	fold(w);
	put(w, r->method.ptr, r->method.len);
	if (r->has_version) {
		put(w, "/", 1);
		put_uint(w, r->version);
	}
	put(w, "=", 1);
	put(w, r->result.ptr, r->result.len);
	if (r->comment.ptr)
		put_comment(w, r->comment);
	if (r->reason.ptr)
		put_pair(w, MP_STR_LIT("reason"), MP_STR_NULL, r->reason, VF_TOKEN);
	for (size_t i = 0; i < r->nprops; i++) {
		const struct mp_authres_prop *p = &r->props[i];
		if (!ar_all(p->ptype, ar_is_keyword) || !ar_all(p->property, ar_is_prop_char) ||
		    p->value.ptr == NULL) {
			w->st = w->st == MP_OK ? MP_EINVAL : w->st;
			return;
		}
		put_pair(w, p->ptype, p->property, p->value, VF_PVALUE);
	}
}

/* finish - status, and the buffer back to its old length on failure */
static enum mp_status
finish(struct writer *w, size_t old_len)
{
	if (w->st != MP_OK && w->out->len > old_len) {
		w->out->len = old_len;
		w->out->ptr[old_len] = '\0';
	}
	return w->st;
}

/* mp_authres_build - the Authentication-Results value */
enum mp_status
mp_authres_build(const struct mp_authres *ar, struct mp_str eol, struct mp_buf *out)
{
	struct writer w = { out, eol, sizeof "Authentication-Results:" - 1, MP_OK };
	size_t old_len = out->len;

	if (ar->authserv_id.len == 0 || ar->n > MP_LIMIT_AUTHRES_RESULTS)
		return MP_EINVAL;
	put(&w, " ", 1);
	put_value(&w, ar->authserv_id, VF_TOKEN);
	if (ar->has_version) {
		put(&w, " ", 1);
		put_uint(&w, ar->version);
	}
	if (ar->n == 0)
		put_c(&w, "; none");
	for (size_t i = 0; i < ar->n && w.st == MP_OK; i++)
		put_result(&w, &ar->results[i]);
	return finish(&w, old_len);
}

/* mp_received_spf_build - the Received-SPF value */
enum mp_status
mp_received_spf_build(const struct mp_received_spf *r, struct mp_str eol, struct mp_buf *out)
{
	struct writer w = { out, eol, sizeof "Received-SPF:" - 1, MP_OK };
	size_t old_len = out->len;

	if (!ar_all(r->result, ar_is_keyword))
		return MP_EINVAL;
	put(&w, " ", 1);
	put(&w, r->result.ptr, r->result.len);
	if (r->comment.ptr)
		put_comment(&w, r->comment);
	for (size_t i = 0; i < r->n && w.st == MP_OK; i++) {
		if (!ar_all(r->kv[i].key, ar_is_prop_char) || !mp_is_alpha((unsigned char)r->kv[i].key.ptr[0]) ||
		    r->kv[i].value.ptr == NULL) {
			w.st = MP_EINVAL;
			break;
		}
		if (i > 0)
			put(&w, ";", 1);
		put_pair(&w, r->kv[i].key, MP_STR_NULL, r->kv[i].value, VF_DOT_ATOM);
	}
	return finish(&w, old_len);
}
