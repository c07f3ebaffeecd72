/* msg_author.c - the RFC5322.From author DMARC uses (RFC 9989 §4.7,
 * RFC 7489 §6.6.1), failing closed: anything that two receivers could read
 * differently yields no author and a MSG_* reason. Thread-safe.
 */
#include <string.h>

#include <mailproof/msg.h>
#include <mailproof/str.h>

#include "msg_internal.h"

/* is_from_like - a field some parser could take for From */
static bool
is_from_like(const struct mp_hdr_field *f)
{
	struct mp_str n = mp_str_trim(f->name), raw = mp_str_trim(f->raw);
	unsigned char next;

	if (mp_str_eq_nocase_c(n, "from"))
		return true;
	if (!f->malformed || !mp_str_starts_nocase(raw, MP_STR_LIT("from")))
		return false;
	if (raw.len == 4)
		return true;
	/* "From\0: x", "From x@y": a C-string or lenient parser sees "From" */
	next = (unsigned char)raw.ptr[4];
	return next == ':' || next < 33 || next > 126;
}

/* has_encoded_word - "=?...?=" inside s (RFC 2047 §5: never in an addr-spec) */
static bool
has_encoded_word(struct mp_str s)
{
	const char *p = memmem(s.ptr, s.len, "=?", 2);

	return p != NULL && memmem(p + 2, s.len - (size_t)(p + 2 - s.ptr), "?=", 2) != NULL;
}

/* check_author - the one mailbox found must be a usable author */
static enum mp_status
check_author(const struct mp_addr_list *l, struct mp_why *why)
{
	const struct mp_addr *ad = &l->addrs[0];

	if (l->ngroups > 0)
		return mp_why_set(why, MP_REASON_MSG_FROM_GROUP);
	if (l->n == 0)
		return mp_why_set(why, MP_REASON_MSG_EMPTY_ADDRESS);
	if (l->n > 1)
		return mp_why_setf(why, MP_REASON_MSG_MULTIPLE_AUTHORS,
		    "%zu addresses in From", l->n);
	if (ad->domain_literal)
		return mp_why_set(why, MP_REASON_MSG_DOMAIN_LITERAL);
	if (ad->domain.len == 0)
		return mp_why_set(why, MP_REASON_MSG_NO_DOMAIN);
	if (has_encoded_word(ad->local) || has_encoded_word(ad->domain))
		return mp_why_set(why, MP_REASON_MSG_ENCODED_ADDR);
	return MP_OK;
}

/* mp_msg_author - exactly one From with exactly one mailbox, or a reason */
enum mp_status
mp_msg_author(const struct mp_msg *m, struct mp_arena *a, struct mp_addr *out,
              struct mp_why *why)
{
	const struct mp_hdr_field *from = NULL;
	struct mp_addr_list l;
	size_t n = 0;
	enum mp_status st;

	memset(out, 0, sizeof *out);
	mp_why_clear(why);
	if (mp_why_failed(mp_msg_error(m))) {   /* a limit: never an author */
		if (why)
			*why = *mp_msg_error(m);
		return MP_OK;
	}
	if (!mp_msg_headers_done(m))
		return mp_why_set(why, MP_REASON_MSG_HEADERS_INCOMPLETE);
	for (size_t i = 0; i < mp_msg_nfields(m); i++)
		if (is_from_like(mp_msg_field(m, i))) {
			from = mp_msg_field(m, i);
			n++;
		}
	if (n == 0)
		return mp_why_set(why, MP_REASON_MSG_NO_FROM);
	if (n > 1)
		return mp_why_setf(why, MP_REASON_MSG_MULTIPLE_FROM, "%zu From fields", n);
	if (from->has_nul)
		return mp_why_set(why, MP_REASON_MSG_NUL_BYTE);
	if (from->ws_before_colon)
		return mp_why_set(why, MP_REASON_MSG_WS_BEFORE_COLON);
	if (from->malformed)
		return mp_why_set(why, MP_REASON_MSG_FROM_SYNTAX);
	st = mp_addr_parse_list(from->value, a, &l, why);
	if (st != MP_OK)
		return st;
	if (mp_why_failed(why)) {
		if (why->reason == MP_REASON_MSG_ADDR_SYNTAX)
			why->reason = MP_REASON_MSG_FROM_SYNTAX;
		return MP_OK;
	}
	if (check_author(&l, why) != MP_OK || mp_why_failed(why))
		return MP_OK;
	*out = l.addrs[0];
	return MP_OK;
}
