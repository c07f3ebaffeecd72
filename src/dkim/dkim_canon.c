/* dkim_canon.c - canonicalization (RFC 6376 §3.4) and header selection
 * (§5.4.2). The body canonicalizer is incremental: input in any chunks,
 * bare LF taken as CRLF, trailing empty lines held back until content
 * follows (so they are dropped at the end), and the empty-body rules of
 * §3.4.3 (simple: one CRLF) and §3.4.4 (relaxed: nothing) applied at end.
 * Output goes through a callback in blocks. No allocation; thread-safe per
 * object. */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <mailproof/dkim.h>

#include "dkim_internal.h"

/* mp_dkim_bcanon_init - a canonicalizer writing to out */
void
mp_dkim_bcanon_init(struct mp_dkim_bcanon *bc, enum mp_dkim_canon c, mp_dkim_out_fn *out,
                    void *arg)
{
	memset(bc, 0, offsetof(struct mp_dkim_bcanon, buf));
	bc->canon = c;
	bc->out = out;
	bc->arg = arg;
}

/* flush - hand the buffered output on */
static void
flush(struct mp_dkim_bcanon *bc)
{
	if (bc->nbuf > 0) {
		bc->out(bc->arg, bc->buf, bc->nbuf);
		bc->len += bc->nbuf;
		bc->nbuf = 0;
	}
}

/* put - one output byte */
static inline void
put(struct mp_dkim_bcanon *bc, char c)
{
	if (bc->nbuf == sizeof bc->buf)
		flush(bc);
	bc->buf[bc->nbuf++] = c;
}

/* put_held - emit the empty lines held back, now that content follows */
static void
put_held(struct mp_dkim_bcanon *bc)
{
	for (; bc->empty_lines > 0; bc->empty_lines--) {
		put(bc, '\r');
		put(bc, '\n');
	}
}

/* content - a content byte of the current line */
static inline void
content(struct mp_dkim_bcanon *bc, char c)
{
	if (bc->canon == MP_DKIM_RELAXED && (c == ' ' || c == '\t')) {
		bc->wsp = true;         /* §3.4.4: runs become one SP, dropped at EOL */
		return;
	}
	if (bc->empty_lines > 0)
		put_held(bc);
	if (bc->wsp) {
		put(bc, ' ');
		bc->wsp = false;
	}
	put(bc, c);
	bc->line = true;
}

/* eol - a line end */
static inline void
eol(struct mp_dkim_bcanon *bc)
{
	bc->wsp = false;
	if (bc->line) {
		put(bc, '\r');
		put(bc, '\n');
		bc->line = false;
	} else if (bc->empty_lines < UINT64_MAX) {
		bc->empty_lines++;
	}
}

/* put_block - many output bytes; large blocks bypass the buffer */
static void
put_block(struct mp_dkim_bcanon *bc, const char *p, size_t n)
{
	if (n > sizeof bc->buf - bc->nbuf) {
		flush(bc);
		if (n >= sizeof bc->buf) {
			bc->out(bc->arg, p, n);
			bc->len += n;
			return;
		}
	}
	memcpy(bc->buf + bc->nbuf, p, n);
	bc->nbuf += n;
}

/* content_run - ordinary content bytes (no CR, LF, or WSP under relaxed) */
static void
content_run(struct mp_dkim_bcanon *bc, const char *p, size_t n)
{
	if (bc->empty_lines > 0)
		put_held(bc);
	if (bc->wsp) {
		put(bc, ' ');
		bc->wsp = false;
	}
	put_block(bc, p, n);
	bc->line = true;
}

/* special - bytes the fast path stops at: [0] simple, [1] relaxed */
static const unsigned char special[2][256] = {
	{ ['\r'] = 1, ['\n'] = 1 },
	{ ['\r'] = 1, ['\n'] = 1, [' '] = 1, ['\t'] = 1 },
};

/* block masks: bit k stands for byte k of a 64-byte block */
struct bmask {
	uint64_t cr, lf, sp, tab;
};

/* block_masks - where CR, LF and (relaxed) SP and HTAB are in b[0..63] */
static inline void
block_masks(const unsigned char *b, bool relaxed, struct bmask *m)
{
#if defined(__SSE2__)
	const __m128i vcr = _mm_set1_epi8('\r'), vlf = _mm_set1_epi8('\n');
	const __m128i vsp = _mm_set1_epi8(' '), vtab = _mm_set1_epi8('\t');

	m->cr = m->lf = m->sp = m->tab = 0;
	for (unsigned k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));

		m->cr |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vcr)) << (16 * k);
		m->lf |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vlf)) << (16 * k);
		if (relaxed) {
			m->sp |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vsp))
			         << (16 * k);
			m->tab |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vtab))
			          << (16 * k);
		}
	}
#else
	m->cr = m->lf = m->sp = m->tab = 0;
	for (unsigned k = 0; k < 64; k++) {
		m->cr |= (uint64_t)(b[k] == '\r') << k;
		m->lf |= (uint64_t)(b[k] == '\n') << k;
		if (relaxed) {
			m->sp |= (uint64_t)(b[k] == ' ') << k;
			m->tab |= (uint64_t)(b[k] == '\t') << k;
		}
	}
#endif
}

/* top_bit - index of the highest set bit of x (x != 0) */
static inline unsigned
top_bit(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

/* clean_end - from p[i], a content byte (not CR, LF or WSP) met in a clean
 * state (no CR pending, no WSP run pending, no empty lines held), the end of
 * the longest run that is already canonical and ends after a content byte:
 * every line end CRLF, and under relaxed no HTAB, no two SPs in a row and no
 * SP before a line end. Empty lines inside the run are followed by content,
 * so they stay. Scans 64 bytes at a time with bit masks. */
static size_t
clean_end(const char *p, size_t i, size_t len, bool relaxed)
{
	uint64_t carry_cr = 0, carry_sp = 0;
	size_t last = i;        /* last content byte seen */

	for (size_t k = i; k < len;) {
		unsigned char tmp[64];
		const unsigned char *b = (const unsigned char *)p + k;
		uint64_t valid = ~0ull, bad, content, cr_prev, sp_prev;
		size_t n = len - k;
		struct bmask m;

		if (n < 64) {           /* zero bytes are content: masked off below */
			memset(tmp, 0, sizeof tmp);
			memcpy(tmp, b, n);
			b = tmp;
			valid = (1ull << n) - 1;
		} else {
			n = 64;
		}
		block_masks(b, relaxed, &m);
		cr_prev = (m.cr << 1) | carry_cr;
		sp_prev = (m.sp << 1) | carry_sp;
		/* an LF without CR before it, a CR without LF after it (seen one
		 * byte later), HTAB, SP after SP, SP before CR */
		bad = (m.lf ^ cr_prev) | m.tab | (m.sp & sp_prev) | (m.cr & sp_prev);
		bad &= valid;
		content = ~(m.cr | m.lf | m.sp | m.tab) & valid;
		if (bad != 0) {
			content &= (bad & (0 - bad)) - 1;       /* below the first bad bit */
			if (content != 0)
				last = k + top_bit(content);
			return last + 1;
		}
		if (content != 0)
			last = k + top_bit(content);
		carry_cr = m.cr >> 63;
		carry_sp = m.sp >> 63;
		k += n;
	}
	return last + 1;
}

/* mp_dkim_bcanon_feed - canonicalize the next body bytes */
void
mp_dkim_bcanon_feed(struct mp_dkim_bcanon *bc, const char *p, size_t len)
{
	bool relaxed = bc->canon == MP_DKIM_RELAXED;
	const unsigned char *sp = special[relaxed];
	size_t i = 0;

	while (i < len) {
		char c;

		if (!bc->cr && !sp[(unsigned char)p[i]]) {      /* fast path */
			size_t j = clean_end(p, i, len, relaxed);

			content_run(bc, p + i, j - i);
			i = j;
			continue;
		}
		c = p[i++];
		if (bc->cr) {
			bc->cr = false;
			if (c == '\n') {
				eol(bc);
				continue;
			}
			content(bc, '\r');      /* bare CR is data */
		}
		if (c == '\r')
			bc->cr = true;
		else if (c == '\n')
			eol(bc);
		else
			content(bc, c);
	}
}

/* mp_dkim_bcanon_end - end of body: last line and empty-body rules */
void
mp_dkim_bcanon_end(struct mp_dkim_bcanon *bc)
{
	if (bc->cr) {
		bc->cr = false;
		content(bc, '\r');
	}
	if (bc->line) {                 /* no final line end: add CRLF */
		put(bc, '\r');
		put(bc, '\n');
		bc->line = false;
	}
	bc->wsp = false;
	bc->empty_lines = 0;
	if (bc->canon == MP_DKIM_SIMPLE && bc->len == 0 && bc->nbuf == 0) {
		put(bc, '\r');          /* §3.4.3: an empty body is one CRLF */
		put(bc, '\n');
	}
	flush(bc);
}

/* canon_simple - the field as is, line ends made CRLF */
static enum mp_status
canon_simple(struct mp_buf *out, struct mp_str raw)
{
	enum mp_status st = MP_OK;
	size_t start = 0;

	for (size_t i = 0; i < raw.len && st == MP_OK; i++) {
		if (raw.ptr[i] != '\n' || (i > 0 && raw.ptr[i - 1] == '\r'))
			continue;
		st = mp_buf_append(out, raw.ptr + start, i - start);
		if (st == MP_OK)
			st = mp_buf_append(out, "\r\n", 2);
		start = i + 1;
	}
	if (st == MP_OK)
		st = mp_buf_append(out, raw.ptr + start, raw.len - start);
	return st;
}

/* canon_relaxed - §3.4.2: lower-case name, unfold, WSP runs to one SP,
 * no WSP at the ends of the value or around the colon */
static enum mp_status
canon_relaxed(struct mp_buf *out, struct mp_str raw)
{
	struct mp_str name = mp_dkim_field_name(raw);
	ptrdiff_t colon = mp_str_find(raw, ':');
	size_t i = colon < 0 ? raw.len : (size_t)colon + 1;
	bool wsp = false, any = false;
	enum mp_status st = MP_OK;

	for (size_t k = 0; k < name.len && st == MP_OK; k++) {
		unsigned char c = (unsigned char)name.ptr[k];

		if (c == '\r' || c == '\n' || mp_is_wsp(c))
			continue;       /* only in malformed fields; never in h= names */
		st = mp_buf_append_byte(out, (char)mp_lower(c));
	}
	if (st == MP_OK)
		st = mp_buf_append_byte(out, ':');
	while (i < raw.len && st == MP_OK) {
		size_t j = i;

		while (j < raw.len && !special[1][(unsigned char)raw.ptr[j]])
			j++;
		if (j > i) {    /* a run of other bytes, appended at once */
			if (wsp && any)
				st = mp_buf_append_byte(out, ' ');
			wsp = false;
			any = true;
			if (st == MP_OK)
				st = mp_buf_append(out, raw.ptr + i, j - i);
			i = j;
			continue;
		}
		if (raw.ptr[i] == ' ' || raw.ptr[i] == '\t')
			wsp = true;
		i++;            /* CR and LF: unfold */
	}
	return st;
}

/* mp_dkim_canon_header - one field, canonicalized */
enum mp_status
mp_dkim_canon_header(struct mp_buf *out, enum mp_dkim_canon c, struct mp_str raw,
                     bool no_crlf)
{
	enum mp_status st;

	st = c == MP_DKIM_RELAXED ? canon_relaxed(out, raw) : canon_simple(out, raw);
	if (st == MP_OK && !no_crlf)
		st = mp_buf_append(out, "\r\n", 2);
	return st;
}

/* mp_dkim_select - h= names to field indexes, bottom-up; a name with no
 * unused instance left selects nothing (SIZE_MAX): over-signing */
void
mp_dkim_select(const struct dkim_field *fields, size_t nfields, const struct mp_str *names,
               size_t nnames, size_t *sel, bool *used)
{
	memset(used, 0, nfields * sizeof *used);
	for (size_t k = 0; k < nnames; k++) {
		sel[k] = SIZE_MAX;
		for (size_t j = nfields; j-- > 0;) {
			if (!used[j] && mp_str_eq_nocase(fields[j].name, names[k])) {
				used[j] = true;
				sel[k] = j;
				break;
			}
		}
	}
}
