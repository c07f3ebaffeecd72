/* util_arena.c - per-message/per-check bump allocator (Rspamd's pool).
 * Everything allocated is freed at once by mp_arena_fini/reset.
 * Not thread-safe per arena. */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/str.h>

#define CHUNK_MIN 4096

struct mp_arena_chunk {
	struct mp_arena_chunk *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

void
mp_arena_init(struct mp_arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

void
mp_arena_fini(struct mp_arena *a)
{
	struct mp_arena_chunk *c = a->head, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		mp_free(c);
	}
	a->head = NULL;
	a->used = 0;
}

void
mp_arena_reset(struct mp_arena *a)
{
	struct mp_arena_chunk *last = NULL, *c = a->head, *next;

	/* keep the oldest (last in list) chunk, which is usually the first one */
	for (; c != NULL; c = next) {
		next = c->next;
		if (next == NULL)
			last = c;
		else
			mp_free(c);
	}
	if (last)
		last->used = 0, last->next = NULL;
	a->head = last;
	a->used = 0;
}

void *
mp_arena_alloc(struct mp_arena *a, size_t len)
{
	const size_t al = alignof(max_align_t);
	struct mp_arena_chunk *c = a->head;
	size_t need, size;

	if (len > SIZE_MAX - al)
		return NULL;
	need = (len + al - 1) & ~(al - 1);
	if (need == 0)
		need = al;
	if (need > a->max - (a->used < a->max ? a->used : a->max) || a->used > a->max)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size = need > CHUNK_MIN ? need : CHUNK_MIN;
		if (c != NULL && c->size * 2 > size && c->size * 2 <= (1u << 20))
			size = c->size * 2;
		c = mp_alloc(sizeof *c + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += need;
	a->used += need;
	return c->data + c->used - need;
}

void *
mp_arena_zalloc(struct mp_arena *a, size_t len)
{
	void *p = mp_arena_alloc(a, len);

	if (p)
		memset(p, 0, len);
	return p;
}

struct mp_str
mp_arena_strdup(struct mp_arena *a, struct mp_str s)
{
	char *p;

	if (s.len == SIZE_MAX || (p = mp_arena_alloc(a, s.len + 1)) == NULL)
		return MP_STR_NULL;
	if (s.len)
		memcpy(p, s.ptr, s.len);
	p[s.len] = '\0';
	return (struct mp_str){ p, s.len };
}

char *
mp_arena_cstr(struct mp_arena *a, struct mp_str s)
{
	return (char *)mp_arena_strdup(a, s).ptr;
}

struct mp_str
mp_arena_printf(struct mp_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = mp_arena_alloc(a, (size_t)n + 1)) == NULL)
		return MP_STR_NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (struct mp_str){ p, (size_t)n };
}
