/* fuzz_header.c - streaming header parser under random chunking.
 * Invariants: any chunking gives the same fields and body as one feed; each
 * field's raw bytes occur in the input, in order; name and value lie inside
 * raw; counts and sizes stay within the limits; a failure has a reason;
 * body bytes are exactly the tail of the input; the author, when found,
 * has a domain. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

struct sink {
	char *p;
	size_t len;
	size_t cap;
};

static void
body(void *arg, const char *p, size_t len)
{
	struct sink *s = arg;

	if (len > s->cap - s->len)
		abort();                /* more body than input */
	memcpy(s->p + s->len, p, len);
	s->len += len;
}

/* run - feed data in chunks drawn from seed (0: one feed) */
static enum mp_status
run(struct mp_msg *m, const uint8_t *data, size_t size, unsigned seed)
{
	enum mp_status st = MP_OK;
	size_t i = 0;

	while (i < size && st == MP_OK) {
		size_t n = size - i;
		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 13;
			if (n > size - i)
				n = size - i;
		}
		st = mp_msg_feed(m, (const char *)data + i, n);
		i += n;
	}
	return st == MP_OK ? mp_msg_end(m) : st;
}

/* check_fields - field invariants against the input */
static void
check_fields(const struct mp_msg *m, const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *pos = in;

	if (mp_msg_nfields(m) > MP_LIMIT_HEADER_FIELDS)
		abort();
	for (size_t i = 0; i < mp_msg_nfields(m); i++) {
		const struct mp_hdr_field *f = mp_msg_field(m, i);
		const char *hit;

		if (f == NULL || f->raw.len > MP_LIMIT_HEADER_FIELD || f->raw.len == 0)
			abort();
		hit = memmem(pos, size - (size_t)(pos - in), f->raw.ptr, f->raw.len);
		if (hit == NULL)
			abort();
		pos = hit + f->raw.len;
		if (f->name.ptr != f->raw.ptr || f->value.ptr + f->value.len != f->raw.ptr + f->raw.len ||
		    f->name.len > f->raw.len || f->value.len > f->raw.len)
			abort();
		if (!f->malformed && (f->name.len == 0 || memchr(f->name.ptr, ':', f->name.len)))
			abort();
		if (f->has_nul != (memchr(f->raw.ptr, 0, f->raw.len) != NULL))
			abort();
	}
	if (mp_msg_field(m, mp_msg_nfields(m)) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_msg *a = mp_msg_new(), *b = mp_msg_new();
	struct sink sa = { malloc(size + 1), 0, size }, sb = { malloc(size + 1), 0, size };
	unsigned seed = size ? data[0] | 1u : 1u;
	enum mp_status st_a, st_b;
	struct mp_arena arena;
	struct mp_addr ad;
	struct mp_why why;

	if (a == NULL || b == NULL || sa.p == NULL || sb.p == NULL)
		abort();
	mp_msg_set_body_handler(a, body, &sa);
	mp_msg_set_body_handler(b, body, &sb);
	st_a = run(a, data, size, 0);
	st_b = run(b, data, size, seed);
	if (st_a != st_b || mp_msg_nfields(a) != mp_msg_nfields(b) || sa.len != sb.len ||
	    (sa.len && memcmp(sa.p, sb.p, sa.len) != 0))
		abort();
	if (st_a != MP_OK && st_a != MP_ELIMIT)
		abort();
	if ((st_a == MP_ELIMIT) != mp_why_failed(mp_msg_error(a)))
		abort();
	for (size_t i = 0; i < mp_msg_nfields(a); i++)
		if (!mp_str_eq(mp_msg_field(a, i)->raw, mp_msg_field(b, i)->raw))
			abort();
	check_fields(a, data, size);
	if (sa.len && memcmp(sa.p, data + size - sa.len, sa.len) != 0)
		abort();
	if (st_a == MP_OK && !mp_msg_headers_done(a))
		abort();

	mp_arena_init(&arena, 8u << 20);
	if (mp_msg_author(a, &arena, &ad, &why) == MP_OK) {
		if (!mp_why_failed(&why) && (ad.domain.len == 0 || ad.domain_literal ||
		    mp_msg_count(a, MP_STR_LIT("From")) != 1))
			abort();
		if (mp_why_failed(&why) && ad.domain.ptr != NULL)
			abort();
	}
	for (size_t i = 0; i < mp_msg_nfields(a); i++) {
		struct mp_str u = mp_hdr_unfold(&arena, mp_msg_field(a, i)->value);
		for (size_t k = 0; u.ptr && k + 1 < u.len; k++)
			if (u.ptr[k] == '\n' && (u.ptr[k + 1] == ' ' || u.ptr[k + 1] == '\t'))
				abort();
	}
	mp_arena_fini(&arena);
	mp_msg_free(a);
	mp_msg_free(b);
	free(sa.p);
	free(sb.p);
	return 0;
}
