/* util_buf.c - owned growable buffers with a maximum (curl's dynbuf).
 * An append past max returns MP_ELIMIT and leaves the buffer unchanged.
 * Not thread-safe per buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/str.h>

void
mp_buf_init(struct mp_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
mp_buf_fini(struct mp_buf *b)
{
	mp_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

void
mp_buf_reset(struct mp_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

/* grow - room for need more bytes plus the NUL */
static enum mp_status
grow(struct mp_buf *b, size_t need)
{
	size_t want, cap;
	char *p;

	if (need > b->max - b->len)
		return MP_ELIMIT;
	want = b->len + need + 1;
	if (want <= b->cap)
		return MP_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = mp_realloc(b->ptr, cap);
	if (p == NULL)
		return MP_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	return MP_OK;
}

enum mp_status
mp_buf_append(struct mp_buf *b, const void *p, size_t len)
{
	enum mp_status st = grow(b, len);

	if (st != MP_OK)
		return st;
	if (len)
		memcpy(b->ptr + b->len, p, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return MP_OK;
}

enum mp_status
mp_buf_append_str(struct mp_buf *b, struct mp_str s)
{
	return mp_buf_append(b, s.ptr, s.len);
}

enum mp_status
mp_buf_append_c(struct mp_buf *b, const char *s)
{
	return mp_buf_append(b, s, strlen(s));
}

enum mp_status
mp_buf_append_byte(struct mp_buf *b, char c)
{
	return mp_buf_append(b, &c, 1);
}

enum mp_status
mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;
	enum mp_status st;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MP_EINVAL;
	if ((size_t)n < sizeof small)
		return mp_buf_append(b, small, (size_t)n);
	st = grow(b, (size_t)n);
	if (st != MP_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return MP_OK;
}
