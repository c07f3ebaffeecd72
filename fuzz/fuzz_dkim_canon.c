/* fuzz_dkim_canon.c - DKIM canonicalizers (RFC 6376 §3.4) on arbitrary
 * header and body bytes. Byte 0 picks the chunk size. Invariants: chunking
 * never changes the output; the output has CRLF line ends only, ends with
 * CRLF (or is empty: relaxed only) and never with an empty line; relaxed
 * output has no WSP runs, tabs or trailing WSP; canonicalizing twice changes
 * nothing; relaxed header output is one line with a lower-case name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dkim.h>
#include <mailproof/str.h>

#define CHECK(x) do { if (!(x)) abort(); } while (0)

struct out {
	char *p;
	size_t len, cap;
};

static void
collect(void *arg, const char *p, size_t len)
{
	struct out *o = arg;

	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2 + 64;
		o->p = realloc(o->p, o->cap);
		CHECK(o->p);
	}
	memcpy(o->p + o->len, p, len);
	o->len += len;
}

static struct out
canon(enum mp_dkim_canon c, const char *p, size_t len, size_t chunk)
{
	struct mp_dkim_bcanon *bc = malloc(sizeof *bc);
	struct out o = { NULL, 0, 0 };

	CHECK(bc);
	mp_dkim_bcanon_init(bc, c, collect, &o);
	for (size_t off = 0; off < len; off += chunk)
		mp_dkim_bcanon_feed(bc, p + off, len - off < chunk ? len - off : chunk);
	mp_dkim_bcanon_end(bc);
	CHECK(bc->len == o.len);
	free(bc);
	return o;
}

/* reference - the canonical body computed the obvious way, whole input at
 * once: lines, per-line white space rules, trailing empty lines dropped */
static struct out
reference(enum mp_dkim_canon c, const char *p, size_t len)
{
	struct out o = { malloc(2 * len + 3), 0, 2 * len + 3 };
	size_t keep = 0, start = 0;     /* keep: output length up to the last non-empty line */

	CHECK(o.p);
	while (start < len) {
		const char *nl = memchr(p + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - p) : len, cend = end, n0 = o.len;

		if (nl && cend > start && p[cend - 1] == '\r')
			cend--;
		for (size_t i = start; i < cend; i++) {
			char ch = p[i];
			if (c == MP_DKIM_RELAXED && (ch == ' ' || ch == '\t')) {
				if (o.len == n0 || o.p[o.len - 1] != ' ' || i == start)
					o.p[o.len++] = ' ';
				continue;
			}
			o.p[o.len++] = ch;
		}
		if (c == MP_DKIM_RELAXED)
			while (o.len > n0 && o.p[o.len - 1] == ' ')
				o.len--;
		if (o.len > n0 || nl) {
			o.p[o.len++] = '\r';
			o.p[o.len++] = '\n';
		}
		if (o.len - n0 > 2 || (o.len - n0 == 2 && !nl))
			keep = o.len;
		start = nl ? end + 1 : len;
	}
	o.len = keep;
	if (c == MP_DKIM_SIMPLE && o.len == 0) {
		memcpy(o.p, "\r\n", 2);
		o.len = 2;
	}
	return o;
}

static int
same(const struct out *a, const struct out *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void
check_body(enum mp_dkim_canon c, const struct out *o)
{
	if (o->len == 0) {
		CHECK(c == MP_DKIM_RELAXED);
		return;
	}
	CHECK(o->len >= 2 && o->p[o->len - 2] == '\r' && o->p[o->len - 1] == '\n');
	if (o->len >= 4)        /* trailing empty lines are never kept */
		CHECK(memcmp(o->p + o->len - 4, "\r\n\r\n", 4) != 0
		      || (o->len >= 5 && o->p[o->len - 5] == '\r'));
	for (size_t i = 0; i < o->len; i++) {
		if (o->p[i] == '\n')
			CHECK(i > 0 && o->p[i - 1] == '\r');
		if (c == MP_DKIM_RELAXED) {
			CHECK(o->p[i] != '\t');
			if (o->p[i] == ' ')      /* no runs, no WSP before a line end */
				CHECK(i + 1 < o->len && o->p[i + 1] != ' '
				      && !(o->p[i + 1] == '\r' && i + 2 < o->len && o->p[i + 2] == '\n'));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, len;
	const char *p;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] % 17) + 1;
	p = (const char *)data + 1;
	len = size - 1;
	for (int c = 0; c < 2; c++) {
		struct out whole = canon(c, p, len, len ? len : 1);
		struct out parts = canon(c, p, len, chunk);
		struct out again;

		CHECK(same(&whole, &parts));
		struct out ref = reference(c, p, len);
		CHECK(same(&whole, &ref));
		free(ref.p);
		check_body(c, &whole);
		again = canon(c, whole.p, whole.len, chunk);
		CHECK(same(&again, &whole));
		free(whole.p);
		free(parts.p);
		free(again.p);
	}
	/* header: the input as one field */
	struct mp_buf h1, h2;
	mp_buf_init(&h1, 1u << 22);
	mp_buf_init(&h2, 1u << 22);
	CHECK(mp_dkim_canon_header(&h1, MP_DKIM_RELAXED, mp_str_make(p, len), true) == MP_OK);
	for (size_t i = 0; i < h1.len; i++)
		CHECK(h1.ptr[i] != '\n' && h1.ptr[i] != '\t');
	if (memchr(p, ':', len) != NULL) {
		CHECK(mp_dkim_canon_header(&h2, MP_DKIM_RELAXED, mp_buf_str(&h1), true) == MP_OK);
		CHECK(h2.len == h1.len && memcmp(h1.ptr, h2.ptr, h1.len) == 0);
		for (size_t i = 0; i < h1.len && h1.ptr[i] != ':'; i++)
			CHECK(!(h1.ptr[i] >= 'A' && h1.ptr[i] <= 'Z'));
	}
	mp_buf_reset(&h2);
	CHECK(mp_dkim_canon_header(&h2, MP_DKIM_SIMPLE, mp_str_make(p, len), false) == MP_OK);
	CHECK(h2.len >= len + 2);
	mp_buf_fini(&h1);
	mp_buf_fini(&h2);
	return 0;
}
