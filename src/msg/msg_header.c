/* msg_header.c - streaming RFC 5322 header parser (RFC 5322 §2.2, §3.6).
 *
 * Bytes arrive in any chunking; a field is complete when the next line does
 * not start with WSP. Completed fields are copied once into the message's
 * arena, so every view handed out stays valid until reset/free. Body bytes
 * after the empty line go to the body handler unchanged. Limits come from
 * mailproof/limits.h and end parsing with MP_ELIMIT and a MSG_* reason.
 * One struct mp_msg per thread; no shared state.
 */
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

#include "msg_internal.h"

#define FIELDS_PER_BLOCK 32
#define NBLOCKS ((MP_LIMIT_HEADER_FIELDS + FIELDS_PER_BLOCK - 1) / FIELDS_PER_BLOCK)

enum msg_state {
	ST_LINE_START,          /* at the start of a header line */
	ST_LINE_START_CR,       /* a CR at the start of a line: empty line or not? */
	ST_IN_LINE,             /* inside a header line */
	ST_BODY,                /* after the empty line (or end of input) */
	ST_FAILED,              /* a limit or allocation failure: sticky */
};

struct mp_msg {
	enum msg_state st;
	enum mp_status fail_st;
	bool first_line;              /* no line completed yet (mbox "From ") */
	struct mp_buf cur;            /* pending field, raw, line ends included */
	size_t line_len;              /* bytes of the current line so far */
	size_t total;                 /* header bytes consumed */
	size_t nfields;
	struct mp_hdr_field *blocks[NBLOCKS];
	struct mp_arena arena;        /* field bytes and blocks */
	mp_msg_body_fn *body_fn;
	void *body_arg;
	struct mp_why err;
	struct mp_why defect;
};

/* mp_msg_new - a parser for one message */
struct mp_msg *
mp_msg_new(void)
{
	struct mp_msg *m = mp_zalloc(sizeof *m);

	if (m == NULL)
		return NULL;
	mp_buf_init(&m->cur, MP_LIMIT_HEADER_FIELD + 2);
	/* field bytes plus per-field alignment and the blocks */
	mp_arena_init(&m->arena, (size_t)MP_LIMIT_HEADER_TOTAL * 2 +
	    NBLOCKS * FIELDS_PER_BLOCK * sizeof(struct mp_hdr_field));
	mp_msg_reset(m);
	return m;
}

/* mp_msg_free - release everything; NULL is fine */
void
mp_msg_free(struct mp_msg *m)
{
	if (m == NULL)
		return;
	mp_buf_fini(&m->cur);
	mp_arena_fini(&m->arena);
	mp_free(m);
}

/* mp_msg_reset - empty the parser for the next message (handler kept) */
void
mp_msg_reset(struct mp_msg *m)
{
	m->st = ST_LINE_START;
	m->fail_st = MP_OK;
	m->first_line = true;
	mp_buf_reset(&m->cur);
	m->line_len = 0;
	m->total = 0;
	m->nfields = 0;
	memset(m->blocks, 0, sizeof m->blocks);
	mp_arena_reset(&m->arena);
	mp_why_clear(&m->err);
	mp_why_clear(&m->defect);
}

/* mp_msg_set_body_handler - where body bytes go */
void
mp_msg_set_body_handler(struct mp_msg *m, mp_msg_body_fn *fn, void *arg)
{
	m->body_fn = fn;
	m->body_arg = arg;
}

/* fail - stop parsing for good with status st and reason r */
static enum mp_status
fail(struct mp_msg *m, enum mp_status st, enum mp_reason r)
{
	m->st = ST_FAILED;
	m->fail_st = st;
	if (st == MP_ENOMEM)
		mp_why_set(&m->err, MP_REASON_NOMEM);
	else if (r == MP_REASON_MSG_FIELD_TOO_LONG)
		mp_why_setf(&m->err, r, "header field %zu is longer than %u bytes "
		    "(MP_LIMIT_HEADER_FIELD)", m->nfields + 1, (unsigned)MP_LIMIT_HEADER_FIELD);
	else if (r == MP_REASON_MSG_TOO_MANY_FIELDS)
		mp_why_setf(&m->err, r, "more than %u header fields (MP_LIMIT_HEADER_FIELDS)",
		    (unsigned)MP_LIMIT_HEADER_FIELDS);
	else
		mp_why_setf(&m->err, r, "header block larger than %u bytes (MP_LIMIT_HEADER_TOTAL)",
		    (unsigned)MP_LIMIT_HEADER_TOTAL);
	return st;
}

/* note - remember the first defect that does not stop parsing */
static void
note(struct mp_msg *m, enum mp_reason r)
{
	if (!mp_why_failed(&m->defect))
		mp_why_set(&m->defect, r);
}

/* is_ftext - RFC 5322 §3.6.8: printable US-ASCII except ':' */
static bool
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* is_mbox_from - an mbox "From " separator line (RFC 4155), not "From :" */
static bool
is_mbox_from(struct mp_str raw)
{
	size_t i = 5;

	if (raw.len < 5 || memcmp(raw.ptr, "From ", 5) != 0 || memchr(raw.ptr, '\n', raw.len))
		return false;
	while (i < raw.len && mp_is_wsp((unsigned char)raw.ptr[i]))
		i++;
	return i < raw.len && raw.ptr[i] != ':';
}

/* split - name, value and flags of a completed field */
static void
split(struct mp_msg *m, struct mp_hdr_field *f, struct mp_str raw)
{
	const char *colon = memchr(raw.ptr, ':', raw.len);
	size_t nlen;

	memset(f, 0, sizeof *f);
	f->raw = raw;
	f->has_nul = memchr(raw.ptr, '\0', raw.len) != NULL;
	if (colon == NULL) {
		f->name = mp_str_make(raw.ptr, 0);
		f->value = raw;
		f->malformed = true;
		note(m, MP_REASON_MSG_NO_COLON);
		return;
	}
	nlen = (size_t)(colon - raw.ptr);
	f->value = mp_str_make(colon + 1, raw.len - nlen - 1);
	while (nlen > 0 && (mp_is_wsp((unsigned char)raw.ptr[nlen - 1]) ||
	    raw.ptr[nlen - 1] == '\r' || raw.ptr[nlen - 1] == '\n'))
		nlen--;
	f->ws_before_colon = raw.ptr + nlen != colon;
	f->name = mp_str_make(raw.ptr, nlen);
	for (size_t i = 0; i < nlen; i++)
		if (!is_ftext((unsigned char)raw.ptr[i]))
			f->malformed = true;
	if (nlen == 0)
		f->malformed = true;
	if (f->malformed)
		note(m, MP_REASON_MSG_BAD_FIELD_NAME);
}

/* finish - the pending field is complete: keep it */
static enum mp_status
finish(struct mp_msg *m)
{
	struct mp_str raw = mp_buf_str(&m->cur), copy;
	bool first = m->first_line;
	size_t b, k;

	if (raw.len == 0)
		return MP_OK;
	m->first_line = false;
	if (raw.ptr[raw.len - 1] == '\n') {
		raw.len--;
		if (raw.len > 0 && raw.ptr[raw.len - 1] == '\r')
			raw.len--;
	}
	if (raw.len > MP_LIMIT_HEADER_FIELD)
		return fail(m, MP_ELIMIT, MP_REASON_MSG_FIELD_TOO_LONG);
	if (first && is_mbox_from(raw)) {
		note(m, MP_REASON_MSG_MBOX_FROM_LINE);
		mp_buf_reset(&m->cur);
		return MP_OK;
	}
	if (m->nfields >= MP_LIMIT_HEADER_FIELDS)
		return fail(m, MP_ELIMIT, MP_REASON_MSG_TOO_MANY_FIELDS);
	b = m->nfields / FIELDS_PER_BLOCK;
	k = m->nfields % FIELDS_PER_BLOCK;
	if (m->blocks[b] == NULL &&
	    (m->blocks[b] = mp_arena_alloc(&m->arena,
	    FIELDS_PER_BLOCK * sizeof(struct mp_hdr_field))) == NULL)
		return fail(m, MP_ENOMEM, MP_REASON_NOMEM);
	copy = mp_arena_strdup(&m->arena, raw);
	if (copy.ptr == NULL)
		return fail(m, MP_ENOMEM, MP_REASON_NOMEM);
	split(m, &m->blocks[b][k], copy);
	m->nfields++;
	mp_buf_reset(&m->cur);
	return MP_OK;
}

/* add - append header bytes to the pending field, within the limits */
static enum mp_status
add(struct mp_msg *m, const char *p, size_t len)
{
	enum mp_status st;

	if (len > MP_LIMIT_HEADER_TOTAL - m->total)
		return fail(m, MP_ELIMIT, MP_REASON_MSG_HEADER_TOO_BIG);
	m->total += len;
	st = mp_buf_append(&m->cur, p, len);
	if (st == MP_ELIMIT)
		return fail(m, MP_ELIMIT, MP_REASON_MSG_FIELD_TOO_LONG);
	if (st != MP_OK)
		return fail(m, st, MP_REASON_NOMEM);
	return MP_OK;
}

/* in_line - consume bytes of a header line up to and including its LF */
static enum mp_status
in_line(struct mp_msg *m, const char *p, size_t len, size_t *used)
{
	const char *lf = memchr(p, '\n', len);
	size_t n = lf ? (size_t)(lf - p) + 1 : len, content;
	enum mp_status st;

	*used = n;
	if ((st = add(m, p, n)) != MP_OK)
		return st;
	m->line_len += n;
	if (lf == NULL) {
		if (m->line_len > MP_LIMIT_LINE + 1)
			note(m, MP_REASON_MSG_LINE_TOO_LONG);
		return MP_OK;
	}
	content = m->line_len - 1;
	if (m->cur.len >= 2 && m->cur.ptr[m->cur.len - 2] == '\r')
		content--;
	if (content > MP_LIMIT_LINE)
		note(m, MP_REASON_MSG_LINE_TOO_LONG);
	m->st = ST_LINE_START;
	return MP_OK;
}

/* line_start - decide what the first byte of a line means */
static enum mp_status
line_start(struct mp_msg *m, unsigned char c, size_t *used)
{
	*used = 0;
	m->line_len = 0;
	if (c == '\n' || c == '\r') {
		if (m->total >= MP_LIMIT_HEADER_TOTAL)
			return fail(m, MP_ELIMIT, MP_REASON_MSG_HEADER_TOO_BIG);
		m->total++;
		*used = 1;
		if (c == '\r') {
			m->st = ST_LINE_START_CR;
			return MP_OK;
		}
		m->st = ST_BODY;
		return finish(m);
	}
	m->st = ST_IN_LINE;
	if (mp_is_wsp(c) && m->cur.len > 0)
		return MP_OK;                   /* folded continuation */
	return finish(m);
}

/* line_start_cr - after a CR at a line start: CRLF ends the header block */
static enum mp_status
line_start_cr(struct mp_msg *m, unsigned char c, size_t *used)
{
	enum mp_status st;

	if (c == '\n') {
		*used = 1;
		m->st = ST_BODY;
		return finish(m);
	}
	/* a bare CR starts a new (malformed) line; its byte is counted already */
	*used = 0;
	if ((st = finish(m)) != MP_OK)
		return st;
	if (mp_buf_append_byte(&m->cur, '\r') != MP_OK)
		return fail(m, MP_ENOMEM, MP_REASON_NOMEM);
	m->line_len = 1;
	m->st = ST_IN_LINE;
	return MP_OK;
}

/* mp_msg_feed - next bytes of the message, any chunking */
enum mp_status
mp_msg_feed(struct mp_msg *m, const char *p, size_t len)
{
	enum mp_status st = MP_OK;
	size_t i = 0, used = 0;

	if (m->st == ST_FAILED)
		return m->fail_st;
	while (i < len && st == MP_OK) {
		switch (m->st) {
		case ST_BODY:
			if (m->body_fn)
				m->body_fn(m->body_arg, p + i, len - i);
			return MP_OK;
		case ST_LINE_START:
			st = line_start(m, (unsigned char)p[i], &used);
			break;
		case ST_LINE_START_CR:
			st = line_start_cr(m, (unsigned char)p[i], &used);
			break;
		case ST_IN_LINE:
			st = in_line(m, p + i, len - i, &used);
			break;
		case ST_FAILED:
			return m->fail_st;
		}
		i += used;
	}
	return st;
}

/* mp_msg_end - end of input: the pending field is complete */
enum mp_status
mp_msg_end(struct mp_msg *m)
{
	enum mp_status st;

	if (m->st == ST_FAILED)
		return m->fail_st;
	if (m->st == ST_BODY)
		return MP_OK;
	/* a lone CR at a line start at the very end is taken as the empty line */
	st = finish(m);
	if (st == MP_OK)
		m->st = ST_BODY;
	return st;
}

/* mp_msg_headers_done - has the header block ended? */
bool
mp_msg_headers_done(const struct mp_msg *m)
{
	return m->st == ST_BODY;
}

/* mp_msg_nfields - completed fields so far */
size_t
mp_msg_nfields(const struct mp_msg *m)
{
	return m->nfields;
}

/* mp_msg_field - field i, top of message first; NULL past the end */
const struct mp_hdr_field *
mp_msg_field(const struct mp_msg *m, size_t i)
{
	if (i >= m->nfields)
		return NULL;
	return &m->blocks[i / FIELDS_PER_BLOCK][i % FIELDS_PER_BLOCK];
}

/* mp_msg_error - why feeding stopped */
const struct mp_why *
mp_msg_error(const struct mp_msg *m)
{
	return &m->err;
}

/* mp_msg_defect - first non-fatal defect */
const struct mp_why *
mp_msg_defect(const struct mp_msg *m)
{
	return &m->defect;
}

/* mp_msg_count - fields named name, case-insensitively */
size_t
mp_msg_count(const struct mp_msg *m, struct mp_str name)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nfields; i++)
		if (mp_str_eq_nocase(mp_msg_field(m, i)->name, name))
			n++;
	return n;
}

/* mp_hdr_unfold - drop the CRLF or LF of each fold (RFC 5322 §2.2.3) */
struct mp_str
mp_hdr_unfold(struct mp_arena *a, struct mp_str value)
{
	char *out = mp_arena_alloc(a, value.len + 1);
	size_t o = 0;

	if (out == NULL)
		return MP_STR_NULL;
	for (size_t i = 0; i < value.len; i++) {
		char c = value.ptr[i];
		if (c == '\r' && i + 2 < value.len && value.ptr[i + 1] == '\n' &&
		    mp_is_wsp((unsigned char)value.ptr[i + 2])) {
			i++;
			continue;
		}
		if (c == '\n' && i + 1 < value.len && mp_is_wsp((unsigned char)value.ptr[i + 1]))
			continue;
		out[o++] = c;
	}
	out[o] = '\0';
	return mp_str_make(out, o);
}
