/* mailproof/msg.h - RFC 5322 messages: streaming header parsing that keeps
 * every field's exact bytes (DKIM needs them), body chunks passed through,
 * and the one address parser used for From, Sender, Reply-To, MAIL FROM and
 * HELO-derived identities (DESIGN.md rule 3).
 *
 * Input may use CRLF or bare LF line ends; raw views keep them as given.
 * Ambiguity is reported, never guessed away: see enum mp_reason MSG_*.
 */
#ifndef MAILPROOF_MSG_H
#define MAILPROOF_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* One header field, as received. */
struct mp_hdr_field {
	struct mp_str raw;      /* whole field: name, WSP, ':', value with its folding;
	                         * without the final line end */
	struct mp_str name;     /* field name as written (WSP before ':' excluded) */
	struct mp_str value;    /* everything after ':', folding kept, no final line end */
	bool ws_before_colon;   /* "From :" (obs-syntax, RFC 5322 §4.5.8) */
	bool has_nul;           /* a NUL byte somewhere in the field */
	bool malformed;         /* no colon, or a name with bytes outside RFC 5322
	                         * ftext (e.g. leading WSP); name is then empty
	                         * when there is no colon, value the whole line */
};

/* Body bytes as received after the empty line (LF or CRLF kept). */
typedef void mp_msg_body_fn(void *arg, const char *p, size_t len);

struct mp_msg;

/* A parser for one message; reuse with mp_msg_reset. */
MP_API struct mp_msg *mp_msg_new(void);
MP_API void mp_msg_free(struct mp_msg *m);
MP_API void mp_msg_reset(struct mp_msg *m);
/* Where body chunks go (NULL: discarded). */
MP_API void mp_msg_set_body_handler(struct mp_msg *m, mp_msg_body_fn *fn, void *arg);
/* Feed the next bytes of the message, any chunking. MP_ELIMIT when a header
 * limit (MP_LIMIT_HEADER_*) is passed: mp_msg_error() says which, and the
 * message must be treated as permerror, never as pass. */
MP_API enum mp_status mp_msg_feed(struct mp_msg *m, const char *p, size_t len);
/* End of input (a message without a body or final line end is fine). */
MP_API enum mp_status mp_msg_end(struct mp_msg *m);
/* Has the empty line ending the header block been seen (or input ended)? */
MP_API bool mp_msg_headers_done(const struct mp_msg *m);
MP_API size_t mp_msg_nfields(const struct mp_msg *m);
/* Field i (0 = first, top of message); views valid until reset/free. */
MP_API const struct mp_hdr_field *mp_msg_field(const struct mp_msg *m, size_t i);
/* Why the last feed failed (reason NONE when it did not). */
MP_API const struct mp_why *mp_msg_error(const struct mp_msg *m);
/* Number of fields named name (case-insensitive). */
MP_API size_t mp_msg_count(const struct mp_msg *m, struct mp_str name);
/* The first defect seen that did not stop parsing (reason NONE if none):
 * MSG_NO_COLON, MSG_BAD_FIELD_NAME, MSG_LINE_TOO_LONG, MSG_MBOX_FROM_LINE
 * (a leading mbox "From " line, which is skipped, not kept as a field). */
MP_API const struct mp_why *mp_msg_defect(const struct mp_msg *m);

/* Unfold a value (remove CRLF/LF before WSP), into arena. */
MP_API struct mp_str mp_hdr_unfold(struct mp_arena *a, struct mp_str value);
/* Is s well-formed UTF-8 (RFC 3629: no overlongs, no surrogates)?
 * Shared by the header-text parsers (RFC 6532). */
MP_API bool mp_msg_utf8_valid(struct mp_str s);

/* ---- addresses (RFC 5322 §3.4, RFC 6532, RFC 2047 in display names) ---- */
struct mp_addr {
	struct mp_str display;     /* display name, RFC 2047 decoded to UTF-8; may be empty */
	struct mp_str local;       /* local-part, quotes and quoting removed */
	struct mp_str domain;      /* domain as written, without brackets; empty if missing */
	struct mp_str domain_lc;   /* lower-cased domain, trailing dot removed (for comparisons) */
	struct mp_str addr_spec;   /* local@domain as it would be written (quoted when needed) */
	bool domain_literal;       /* [192.0.2.1] */
	bool in_group;             /* member of a group ("undisclosed: a@b;") */
	bool display_has_addr;     /* display name (after RFC 2047 decoding) looks
	                            * like an address: "ceo@bank.example" <x@y> */
};

struct mp_addr_list {
	size_t n;
	struct mp_addr *addrs;     /* in the arena */
	size_t ngroups;
};

/* Parse an address-list or mailbox-list field value (folded or not).
 * Malformed input: MP_OK with why set (MSG_* reason) and whatever was
 * parsed before it in out. MP_ELIMIT with why MSG_TOO_MANY_ADDRESSES or
 * MSG_COMMENT_TOO_DEEP past MP_LIMIT_ADDRESSES / MP_LIMIT_ADDR_NESTING.
 * An empty value is MSG_EMPTY_ADDRESS; see docs/msg.md for every case. */
MP_API enum mp_status mp_addr_parse_list(struct mp_str value, struct mp_arena *a,
                                         struct mp_addr_list *out, struct mp_why *why);
/* Parse an SMTP reverse-path / forward-path ("<a@b>", "a@b", "<>" = null:
 * out->local and out->domain empty). Malformed: MP_OK with why set. */
MP_API enum mp_status mp_addr_parse_path(struct mp_str s, struct mp_arena *a,
                                         struct mp_addr *out, struct mp_why *why);

/* The message's author for DMARC (RFC 9989 §4.7 / RFC 7489 §6.6.1), failing
 * closed: exactly one From field, exactly one mailbox in it, with a domain,
 * no NUL byte, no whitespace before the colon. Otherwise MP_OK with why
 * set (MSG_NO_FROM, MSG_MULTIPLE_FROM, MSG_MULTIPLE_AUTHORS, MSG_FROM_GROUP,
 * MSG_NO_DOMAIN, MSG_NUL_BYTE, MSG_WS_BEFORE_COLON, MSG_FROM_SYNTAX,
 * MSG_EMPTY_ADDRESS, MSG_TRAILING_DOT, MSG_DOMAIN_LITERAL, MSG_ENCODED_ADDR,
 * MSG_HEADERS_INCOMPLETE, or the header limit that stopped parsing) and
 * *out zeroed. A display name that looks like an address is not ambiguous
 * for DMARC: the author is returned with display_has_addr set. */
MP_API enum mp_status mp_msg_author(const struct mp_msg *m, struct mp_arena *a,
                                    struct mp_addr *out, struct mp_why *why);

#endif
