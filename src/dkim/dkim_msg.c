/* dkim_msg.c - the header block of a raw message, split into fields, for the
 * verifier's and signer's raw-message feeds: bytes up to the first empty
 * line (CRLF or LF), at most MP_LIMIT_HEADER_TOTAL, then one field per line
 * plus its continuation lines (RFC 5322 §2.2.3), line end removed. One
 * object per message; not thread-safe per object. */
#include <string.h>

#include <mailproof/limits.h>

#include "dkim_internal.h"

/* mp_dkim_hsplit_init - empty splitter */
void
mp_dkim_hsplit_init(struct dkim_hsplit *h)
{
	mp_buf_init(&h->raw, MP_LIMIT_HEADER_TOTAL);
	h->line_start = 0;
	h->done = false;
}

/* mp_dkim_hsplit_fini - release */
void
mp_dkim_hsplit_fini(struct dkim_hsplit *h)
{
	mp_buf_fini(&h->raw);
}

/* mp_dkim_hsplit_reset - for the next message */
void
mp_dkim_hsplit_reset(struct dkim_hsplit *h)
{
	mp_buf_reset(&h->raw);
	h->line_start = 0;
	h->done = false;
}

/* mp_dkim_hsplit_feed - take header bytes; *used says how many */
enum mp_status
mp_dkim_hsplit_feed(struct dkim_hsplit *h, const char *p, size_t len, size_t *used)
{
	*used = 0;
	while (len > 0 && !h->done) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) + 1 : len;
		enum mp_status st = mp_buf_append(&h->raw, p, n);

		if (st != MP_OK)
			return st;
		p += n;
		len -= n;
		*used += n;
		if (nl == NULL)
			break;
		struct mp_str line = mp_str_make(h->raw.ptr + h->line_start,
		                                 h->raw.len - h->line_start);
		if (mp_str_eq_c(line, "\n") || mp_str_eq_c(line, "\r\n")) {
			h->raw.len = h->line_start;
			h->done = true;
		} else {
			h->line_start = h->raw.len;
		}
	}
	return MP_OK;
}

/* emit - one field without its final line end */
static enum mp_status
emit(const char *start, const char *end, mp_dkim_field_fn *fn, void *arg)
{
	size_t len = (size_t)(end - start);

	if (len > 0 && start[len - 1] == '\n')
		len--;
	if (len > 0 && start[len - 1] == '\r')
		len--;
	return fn(arg, mp_str_make(start, len));
}

/* mp_dkim_hsplit_fields - every field of the block, top first */
enum mp_status
mp_dkim_hsplit_fields(const struct dkim_hsplit *h, mp_dkim_field_fn *fn, void *arg)
{
	const char *p = h->raw.ptr ? h->raw.ptr : "", *end = p + h->raw.len;
	const char *start = NULL;
	enum mp_status st = MP_OK;

	while (p < end && st == MP_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;

		if (start == NULL || !mp_is_wsp((unsigned char)*p)) {
			if (start != NULL)
				st = emit(start, p, fn, arg);
			start = p;
		}
		p = next;
	}
	if (start != NULL && st == MP_OK)
		st = emit(start, end, fn, arg);
	return st;
}
