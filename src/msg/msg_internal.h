/* msg_internal.h - shared inside src/msg: RFC 2047 decoding and the
 * character classes of RFC 5322 / RFC 6532. */
#ifndef MAILPROOF_MSG_INTERNAL_H
#define MAILPROOF_MSG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <mailproof/str.h>

/* RFC 5322 §3.2.3 atext, plus bytes >= 0x80 (RFC 6532 §3.2 UTF8-non-ascii;
 * well-formedness is checked separately with msg_utf8_valid). */
static inline bool
msg_is_atext(unsigned char c)
{
	if (mp_is_alnum(c) || c >= 0x80)
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '/': case '=': case '?': case '^': case '_':
	case '`': case '{': case '|': case '}': case '~':
		return true;
	default:
		return false;
	}
}

/* Is s well-formed UTF-8 (RFC 3629: no overlongs, no surrogates)? */
bool msg_utf8_valid(struct mp_str s);

/* Is s one whole RFC 2047 encoded word ("=?cs?B?...?=")? */
bool msg_is_encoded_word(struct mp_str s);

/* Decode one encoded word to UTF-8 into the arena. *out is the word itself
 * (kept raw) when the charset is not utf-8/us-ascii/iso-8859-1, the text is
 * malformed, or the decoded bytes hold controls. MP_ENOMEM only. */
enum mp_status msg_decode_word(struct mp_str word, struct mp_arena *a,
                               struct mp_str *out, bool *decoded);

/* Does decoded display text look like an address ("x@y.z", also with the
 * fullwidth and small commercial at signs)? */
bool msg_text_has_addr(struct mp_str s);

/* msg_text_has_addr on raw phrase bytes after decoding every encoded word
 * in them leniently (inside quotes, next to dots); MP_ENOMEM only. */
enum mp_status msg_phrase_has_addr(struct mp_str raw, struct mp_arena *a, bool *has);

#endif
