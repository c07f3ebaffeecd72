/* msg_rfc2047.c - RFC 2047 encoded words in display names, UTF-8 checks
 * (RFC 3629, RFC 6532), and the "display name looks like an address" test.
 *
 * Only utf-8, us-ascii and iso-8859-1 are decoded; other charsets, broken
 * encodings and decoded control bytes keep the word as written, so nothing
 * hidden can come out of a decoder. Pure functions; thread-safe.
 */
#include <string.h>

#include <mailproof/base64.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

#include "msg_internal.h"

/* msg_utf8_valid - well-formed UTF-8 (RFC 3629 §4) */
bool
msg_utf8_valid(struct mp_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n = s.len;

	while (i < n) {
		unsigned char c = p[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;              /* overlong */
			else if (c == 0xed)
				hi = 0x9f;              /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return false;
		if (n - i - 1 < need)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		i += need + 1;
	}
	return true;
}

/* word_parts - split "=?cs?e?text?=" into its parts */
static bool
word_parts(struct mp_str s, struct mp_str *cs, char *enc, struct mp_str *text)
{
	const char *q1, *q2;

	if (s.len < 8 || s.ptr[0] != '=' || s.ptr[1] != '?' ||
	    s.ptr[s.len - 2] != '?' || s.ptr[s.len - 1] != '=')
		return false;
	q1 = memchr(s.ptr + 2, '?', s.len - 4);
	if (q1 == NULL || q1 == s.ptr + 2 || (size_t)(s.ptr + s.len - 2 - q1) < 3)
		return false;
	if (q1[2] != '?')
		return false;
	q2 = q1 + 2;
	*cs = mp_str_make(s.ptr + 2, (size_t)(q1 - s.ptr - 2));
	*enc = (char)mp_upper((unsigned char)q1[1]);
	*text = mp_str_make(q2 + 1, (size_t)(s.ptr + s.len - 2 - (q2 + 1)));
	if (*enc != 'B' && *enc != 'Q')
		return false;
	for (size_t i = 0; i < text->len; i++)
		if (text->ptr[i] == '?' || (unsigned char)text->ptr[i] <= ' ' ||
		    (unsigned char)text->ptr[i] >= 0x7f)
			return false;
	for (size_t i = 0; i < cs->len; i++)
		if ((unsigned char)cs->ptr[i] <= ' ' || (unsigned char)cs->ptr[i] >= 0x7f)
			return false;
	return true;
}

/* msg_is_encoded_word - one whole encoded word? */
bool
msg_is_encoded_word(struct mp_str s)
{
	struct mp_str cs, text;
	char enc;

	return word_parts(s, &cs, &enc, &text);
}

/* hexval - value of a hex digit (caller checked mp_is_hex) */
static unsigned
hexval(unsigned char c)
{
	return mp_is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* decode_q - RFC 2047 §4.2 ("_" is space, "=XX" a byte) */
static bool
decode_q(struct mp_str t, unsigned char *out, size_t *olen)
{
	size_t o = 0;

	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.ptr[i];

		if (c == '_')
			out[o++] = ' ';
		else if (c == '=') {
			if (i + 2 >= t.len || !mp_is_hex((unsigned char)t.ptr[i + 1]) ||
			    !mp_is_hex((unsigned char)t.ptr[i + 2]))
				return false;
			out[o++] = (unsigned char)(hexval((unsigned char)t.ptr[i + 1]) << 4 |
			    hexval((unsigned char)t.ptr[i + 2]));
			i += 2;
		} else
			out[o++] = c;
	}
	*olen = o;
	return true;
}

/* to_utf8 - bytes in charset cs to UTF-8 in the arena; false: keep raw */
static bool
to_utf8(struct mp_str cs, const unsigned char *p, size_t len, struct mp_arena *a,
        struct mp_str *out, bool *nomem)
{
	const char *star = memchr(cs.ptr, '*', cs.len);   /* RFC 2231 §5 language */
	bool latin1;
	char *o;
	size_t n = 0;

	if (star)
		cs.len = (size_t)(star - cs.ptr);
	latin1 = mp_str_eq_nocase_c(cs, "iso-8859-1");
	if (!latin1 && !mp_str_eq_nocase_c(cs, "utf-8") && !mp_str_eq_nocase_c(cs, "us-ascii"))
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && mp_str_eq_nocase_c(cs, "us-ascii")))
			return false;
	if (!latin1 && !msg_utf8_valid(mp_str_make((const char *)p, len)))
		return false;
	if ((o = mp_arena_alloc(a, len * 2 + 1)) == NULL) {
		*nomem = true;
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (latin1 && p[i] >= 0x80) {
			o[n++] = (char)(0xc0 | (p[i] >> 6));
			o[n++] = (char)(0x80 | (p[i] & 0x3f));
		} else
			o[n++] = (char)p[i];
	}
	o[n] = '\0';
	*out = mp_str_make(o, n);
	return true;
}

/* msg_decode_word - one encoded word to UTF-8, or the word itself */
enum mp_status
msg_decode_word(struct mp_str word, struct mp_arena *a, struct mp_str *out, bool *decoded)
{
	struct mp_str cs, text;
	char enc;
	unsigned char *buf;
	size_t blen = 0;
	bool ok, nomem = false;

	*out = word;
	*decoded = false;
	if (!word_parts(word, &cs, &enc, &text))
		return MP_OK;
	if ((buf = mp_arena_alloc(a, text.len + 1)) == NULL)
		return MP_ENOMEM;
	/* RFC 2047 §4.1: B is RFC 4648 base64 with padding and no white space,
	 * exactly what the strict shared decoder accepts */
	ok = enc == 'B' ? mp_base64_decode_to(buf, text.len + 1, &blen, text, false) :
	    decode_q(text, buf, &blen);
	if (ok && to_utf8(cs, buf, blen, a, out, &nomem))
		*decoded = true;
	return nomem ? MP_ENOMEM : MP_OK;
}

/* is_addr_byte - may be part of something that reads as an address */
static bool
is_addr_byte(unsigned char c)
{
	return msg_is_atext(c) || c == '.';
}

/* at_sign - width of an at sign at s[i] ("@", U+FF20, U+FE6B), or 0 */
static size_t
at_sign(struct mp_str s, size_t i)
{
	if (s.ptr[i] == '@')
		return 1;
	if (s.len - i >= 3 && (memcmp(s.ptr + i, "\xef\xbc\xa0", 3) == 0 ||
	    memcmp(s.ptr + i, "\xef\xb9\xab", 3) == 0))
		return 3;
	return 0;
}

/* msg_text_has_addr - "x@y.z" somewhere in s */
bool
msg_text_has_addr(struct mp_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		size_t w = at_sign(s, i), k;
		bool dot = false;

		if (w == 0 || i == 0 || !is_addr_byte((unsigned char)s.ptr[i - 1]) ||
		    s.ptr[i - 1] == '.')
			continue;
		for (k = i + w; k < s.len && is_addr_byte((unsigned char)s.ptr[k]) &&
		    at_sign(s, k) == 0; k++)
			if (s.ptr[k] == '.' && k > i + w && k + 1 < s.len &&
			    is_addr_byte((unsigned char)s.ptr[k + 1]) && s.ptr[k + 1] != '.')
				dot = true;
		if (dot)
			return true;
	}
	return false;
}

/* msg_phrase_has_addr - does raw phrase text, with every encoded word in it
 * decoded leniently (also where RFC 2047 §5 forbids one, as many mail
 * readers do), look like an address? */
enum mp_status
msg_phrase_has_addr(struct mp_str raw, struct mp_arena *a, bool *has)
{
	char *o = mp_arena_alloc(a, raw.len * 2 + 1);
	size_t n = 0, i = 0;

	*has = false;
	if (o == NULL)
		return MP_ENOMEM;
	while (i < raw.len) {
		const char *q1, *end;
		struct mp_str word, dec;
		bool decoded = false;

		if (raw.ptr[i] == '=' && i + 1 < raw.len && raw.ptr[i + 1] == '?' &&
		    (q1 = memchr(raw.ptr + i + 2, '?', raw.len - i - 2)) != NULL &&
		    (size_t)(raw.ptr + raw.len - q1) > 3 &&
		    (end = memmem(q1 + 3, (size_t)(raw.ptr + raw.len - q1 - 3), "?=", 2)) != NULL) {
			word = mp_str_make(raw.ptr + i, (size_t)(end + 2 - (raw.ptr + i)));
			if (msg_decode_word(word, a, &dec, &decoded) != MP_OK)
				return MP_ENOMEM;
			if (decoded && dec.len <= word.len * 2) {
				memcpy(o + n, dec.ptr, dec.len);
				n += dec.len;
				i += word.len;
				continue;
			}
		}
		o[n++] = raw.ptr[i++];
	}
	*has = msg_text_has_addr(mp_str_make(o, n));
	return MP_OK;
}

/* mp_msg_utf8_valid - public face of msg_utf8_valid */
bool
mp_msg_utf8_valid(struct mp_str s)
{
	return msg_utf8_valid(s);
}
