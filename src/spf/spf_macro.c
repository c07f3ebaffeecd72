/* spf_macro.c - SPF macro-strings (RFC 7208 §7): syntax check and expansion
 * of every macro letter (s l o d i p v h c r t), the digit and "r"
 * transformers, delimiters, "%%" "%_" "%-", URL escaping for upper-case
 * letters, and the 253-byte cut of expanded domain names (§7.3).
 * Pure functions over caller storage; thread-safe.
 */
#include <stdio.h>
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "spf_internal.h"

#define VALUE_MAX 1024          /* one macro's value before transformation */
#define PARTS_MAX (VALUE_MAX / 2 + 2)

/* One "%..." token. */
struct macro_tok {
	char letter;            /* 0 for %% %_ %- */
	char literal[4];        /* expansion of %% %_ %- */
	bool upper;
	bool reverse;
	unsigned keep;          /* 0 = all parts */
	struct mp_str delims;
	size_t len;             /* bytes consumed */
};

/* is_delim - RFC 7208 §7.1 delimiter */
static bool
is_delim(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' ||
	    c == '=';
}

/* parse_tok - one macro-expand at s (s.ptr[0] == '%'); false on syntax error */
static bool
parse_tok(struct mp_str s, bool in_exp, struct macro_tok *t)
{
	size_t i = 2;
	unsigned char c;

	memset(t, 0, sizeof *t);
	if (s.len < 2)
		return false;
	switch (s.ptr[1]) {
	case '%': t->literal[0] = '%'; t->len = 2; return true;
	case '_': t->literal[0] = ' '; t->len = 2; return true;
	case '-': memcpy(t->literal, "%20", 3); t->len = 2; return true;
	case '{': break;
	default: return false;
	}
	if (s.len < 4)
		return false;
	c = (unsigned char)s.ptr[i++];
	t->upper = c >= 'A' && c <= 'Z';
	t->letter = (char)mp_lower(c);
	if (strchr("sloidpvh", t->letter) == NULL &&
	    !(in_exp && strchr("crt", t->letter) != NULL))
		return false;
	if (t->letter == 0)
		return false;
	if (i < s.len && mp_is_digit((unsigned char)s.ptr[i])) {
		unsigned v = 0;

		while (i < s.len && mp_is_digit((unsigned char)s.ptr[i])) {
			if (v < 100000)
				v = v * 10 + (unsigned)(s.ptr[i] - '0');
			i++;
		}
		if (v == 0)             /* §7.3: the DIGIT value MUST be nonzero */
			return false;
		t->keep = v;
	}
	if (i < s.len && (s.ptr[i] == 'r' || s.ptr[i] == 'R')) {
		t->reverse = true;
		i++;
	}
	t->delims.ptr = s.ptr + i;
	while (i < s.len && is_delim(s.ptr[i]))
		i++;
	t->delims.len = (size_t)(s.ptr + i - t->delims.ptr);
	if (i >= s.len || s.ptr[i] != '}')
		return false;
	t->len = i + 1;
	return true;
}

/* scan - walk a macro-string; *ends_macro: last token was a macro-expand */
static bool
scan(struct mp_str s, bool in_exp, bool *ends_macro)
{
	struct macro_tok t;
	size_t i = 0;

	*ends_macro = false;
	while (i < s.len) {
		unsigned char c = (unsigned char)s.ptr[i];

		if (c == '%') {
			if (!parse_tok(mp_str_make(s.ptr + i, s.len - i), in_exp, &t))
				return false;
			i += t.len;
			*ends_macro = true;
			continue;
		}
		if (!(mp_is_vchar(c) || (in_exp && c == ' ')))
			return false;
		*ends_macro = false;
		i++;
	}
	return true;
}

/* mp_spf_macro_valid - syntax of a macro-string (RFC 7208 §7.1) */
bool
mp_spf_macro_valid(struct mp_str s, bool in_exp)
{
	bool ends_macro;

	return scan(s, in_exp, &ends_macro);
}

/* toplabel_ok - RFC 7208 §7.1 toplabel: alphanumerics and '-', not all
 * digits unless it has a '-', no '-' at either end */
static bool
toplabel_ok(struct mp_str l)
{
	bool alpha = false, dash = false;

	if (l.len == 0 || l.ptr[0] == '-' || l.ptr[l.len - 1] == '-')
		return false;
	for (size_t i = 0; i < l.len; i++) {
		unsigned char c = (unsigned char)l.ptr[i];

		if (!mp_is_ldh(c))
			return false;
		alpha |= mp_is_alpha(c);
		dash |= c == '-';
	}
	return alpha || dash;
}

/* mp_spf_domain_spec_ok - domain-spec = macro-string domain-end */
bool
mp_spf_domain_spec_ok(struct mp_str s)
{
	bool ends_macro;
	size_t end, dot;

	if (s.len == 0 || !scan(s, false, &ends_macro))
		return false;
	if (ends_macro)
		return true;
	end = s.len;
	if (s.ptr[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s.ptr[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return false;           /* domain-end needs "." toplabel */
	return toplabel_ok(mp_str_make(s.ptr + dot, end - dot));
}

/* letter_value - raw value of a macro letter into v */
static enum mp_spf_macro_rc
letter_value(char letter, const struct mp_spf_macro_env *env, struct mp_buf *v)
{
	char tmp[46];

	switch (letter) {
	case 's': mp_buf_append_str(v, env->sender); break;
	case 'l': mp_buf_append_str(v, env->local); break;
	case 'o': mp_buf_append_str(v, env->sender_domain); break;
	case 'd': mp_buf_append_str(v, env->domain); break;
	case 'i': mp_spf_ip_dotted(&env->ip, v); break;
	case 'p':
		if (env->ptr_name.ptr == NULL)
			return MP_SPF_MACRO_NEED_P;
		mp_buf_append_str(v, env->ptr_name);
		break;
	case 'v': mp_buf_append_c(v, env->ip.family == 4 ? "in-addr" : "ip6"); break;
	case 'h': mp_buf_append_str(v, env->helo); break;
	case 'c': mp_spf_ip_format(&env->ip, tmp); mp_buf_append_c(v, tmp); break;
	case 'r':
		mp_buf_append_str(v, env->receiver.len ? env->receiver : MP_STR_LIT("unknown"));
		break;
	case 't': mp_buf_printf(v, "%llu", (unsigned long long)env->now); break;
	default: return MP_SPF_MACRO_SYNTAX;
	}
	return MP_SPF_MACRO_OK;
}

/* transform - split on delimiters, reverse, keep right-most parts, join with '.' */
static void
transform(const struct macro_tok *t, struct mp_str v, struct mp_buf *out)
{
	static struct mp_str dot = { ".", 1 };
	struct mp_str delims = t->delims.len ? t->delims : dot;
	uint16_t start[PARTS_MAX], len[PARTS_MAX];
	size_t n = 0, first, b = 0;

	for (size_t i = 0; i <= v.len && n < PARTS_MAX; i++) {
		if (i == v.len || memchr(delims.ptr, v.ptr[i], delims.len) != NULL) {
			start[n] = (uint16_t)b;
			len[n++] = (uint16_t)(i - b);
			b = i + 1;
		}
	}
	first = (t->keep && t->keep < n) ? n - t->keep : 0;
	for (size_t k = first; k < n; k++) {
		size_t idx = t->reverse ? n - 1 - k : k;

		if (k > first)
			mp_buf_append_byte(out, '.');
		mp_buf_append(out, v.ptr + start[idx], len[idx]);
	}
}

/* url_escape - RFC 7208 §7.3: upper-case letters escape all but unreserved */
static void
url_escape(struct mp_str v, struct mp_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.ptr[i];

		if (mp_is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			mp_buf_append_byte(out, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			mp_buf_append(out, e, 3);
		}
	}
}

/* expand_tok - one %{...} into out */
static enum mp_spf_macro_rc
expand_tok(const struct macro_tok *t, const struct mp_spf_macro_env *env, struct mp_buf *out)
{
	char vbuf[VALUE_MAX + 1], tbuf[VALUE_MAX + 1];
	struct mp_buf v = { vbuf, 0, sizeof vbuf, VALUE_MAX };
	struct mp_buf tr = { tbuf, 0, sizeof tbuf, VALUE_MAX };
	enum mp_spf_macro_rc rc;

	/* fixed storage: mp_buf never reallocates below cap; appends past max fail */
	vbuf[0] = tbuf[0] = '\0';
	if ((rc = letter_value(t->letter, env, &v)) != MP_SPF_MACRO_OK)
		return rc;
	if (t->keep || t->reverse || t->delims.len)
		transform(t, mp_buf_str(&v), &tr);
	else
		mp_buf_append_str(&tr, mp_buf_str(&v));
	if (t->upper)
		url_escape(mp_buf_str(&tr), out);
	else
		mp_buf_append_str(out, mp_buf_str(&tr));
	return MP_SPF_MACRO_OK;
}

/* cut_253 - §7.3: drop left-most labels until the name fits 253 bytes */
static void
cut_253(struct mp_buf *out, size_t from)
{
	size_t len = out->len - from;
	const char *p = out->ptr + from;

	while (len > MP_LIMIT_SPF_MACRO_OUT) {
		const char *dot = memchr(p, '.', len);

		if (dot == NULL) {
			p += len - MP_LIMIT_SPF_MACRO_OUT;
			len = MP_LIMIT_SPF_MACRO_OUT;
			break;
		}
		len -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
	memmove(out->ptr + from, p, len);
	out->len = from + len;
	out->ptr[out->len] = '\0';
}

/* mp_spf_macro_expand - expand a domain-spec or explanation (RFC 7208 §7) */
enum mp_spf_macro_rc
mp_spf_macro_expand(struct mp_str s, const struct mp_spf_macro_env *env, bool is_domain,
                    size_t max, struct mp_buf *out)
{
	size_t from = out->len, lit;
	struct macro_tok t;
	enum mp_spf_macro_rc rc;

	for (size_t i = 0; i < s.len; i += lit) {
		if (s.ptr[i] != '%') {
			const char *pct = memchr(s.ptr + i, '%', s.len - i);

			lit = pct ? (size_t)(pct - (s.ptr + i)) : s.len - i;
			for (size_t k = i; k < i + lit; k++) {
				unsigned char c = (unsigned char)s.ptr[k];
				if (!(mp_is_vchar(c) || (!is_domain && c == ' ')))
					return MP_SPF_MACRO_SYNTAX;
			}
			if (mp_buf_append(out, s.ptr + i, lit) != MP_OK)
				return MP_SPF_MACRO_TOO_LONG;
			continue;
		}
		if (!parse_tok(mp_str_make(s.ptr + i, s.len - i), !is_domain, &t))
			return MP_SPF_MACRO_SYNTAX;
		lit = t.len;
		if (t.letter == 0) {
			if (mp_buf_append_c(out, t.literal) != MP_OK)
				return MP_SPF_MACRO_TOO_LONG;
			continue;
		}
		if ((rc = expand_tok(&t, env, out)) != MP_SPF_MACRO_OK)
			return rc;
		if (out->len - from > max + (is_domain ? VALUE_MAX : 0))
			return MP_SPF_MACRO_TOO_LONG;
	}
	if (is_domain && out->len - from > MP_LIMIT_SPF_MACRO_OUT)
		cut_253(out, from);
	if (out->len - from > max)
		return MP_SPF_MACRO_TOO_LONG;
	return MP_SPF_MACRO_OK;
}
