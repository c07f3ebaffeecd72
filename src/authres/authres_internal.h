/* authres_internal.h - character classes and value forms shared by the
 * Authentication-Results / Received-SPF builder and parser. */
#ifndef MAILPROOF_AUTHRES_INTERNAL_H
#define MAILPROOF_AUTHRES_INTERNAL_H

#include <stdbool.h>

#include <mailproof/str.h>

/* Keyword (RFC 8601 §2.2, RFC 5321 Ldh-str), with "_" as written in the wild */
static inline bool
ar_is_keyword(unsigned char c)
{
	return mp_is_alnum(c) || c == '-' || c == '_';
}

/* property names also carry dots in the wild ("policy.dkim-rules") */
static inline bool
ar_is_prop_char(unsigned char c)
{
	return ar_is_keyword(c) || c == '.';
}

/* Is s 1*ch with ch in class cl? */
bool ar_all(struct mp_str s, bool (*cl)(unsigned char));
/* RFC 2045 §5.1 token */
bool ar_is_token(struct mp_str s);
/* RFC 5322 §3.2.3 dot-atom-text, ASCII only */
bool ar_is_dot_atom(struct mp_str s);
/* RFC 8601 §2.2 pvalue form [ [local-part] "@" ] domain-name, unquoted */
bool ar_is_addr_value(struct mp_str s);
/* text a quoted-string or comment can carry: no controls but HTAB, UTF-8 */
bool ar_text_ok(struct mp_str s);

#endif
