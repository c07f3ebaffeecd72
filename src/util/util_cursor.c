/* util_cursor.c - parsing cursor with a sticky error (OpenSMTPD's unpacker,
 * curl's strparse): primitives take a maximum and advance only on success,
 * so a caller checks c->err once at the end. Thread-safe per cursor. */
#include <string.h>

#include <mailproof/str.h>

void
mp_cur_init(struct mp_cursor *c, struct mp_str s)
{
	c->p = s.ptr ? s.ptr : "";
	c->end = c->p + s.len;
	c->err = false;
}

int
mp_cur_peek(const struct mp_cursor *c)
{
	return mp_cur_eof(c) ? -1 : (unsigned char)*c->p;
}

void
mp_cur_skip_wsp(struct mp_cursor *c)
{
	while (!mp_cur_eof(c) && mp_is_wsp((unsigned char)*c->p))
		c->p++;
}

void
mp_cur_skip_fws(struct mp_cursor *c)
{
	for (;;) {
		mp_cur_skip_wsp(c);
		if (mp_cur_eof(c))
			return;
		const char *q = c->p;
		if (*q == '\r' && q + 1 < c->end && q[1] == '\n')
			q += 2;
		else if (*q == '\n')
			q += 1;
		else
			return;
		if (q < c->end && mp_is_wsp((unsigned char)*q))
			c->p = q;
		else
			return;
	}
}

void
mp_cur_expect(struct mp_cursor *c, char ch)
{
	if (mp_cur_eof(c) || *c->p != ch)
		c->err = true;
	else
		c->p++;
}

bool
mp_cur_accept(struct mp_cursor *c, char ch)
{
	if (mp_cur_eof(c) || *c->p != ch)
		return false;
	c->p++;
	return true;
}

void
mp_cur_span(struct mp_cursor *c, struct mp_str *out, mp_char_class_fn *cl, size_t max)
{
	const char *q;

	*out = MP_STR_NULL;
	if (c->err)
		return;
	for (q = c->p; q < c->end && cl((unsigned char)*q); q++)
		if ((size_t)(q - c->p) >= max) {
			c->err = true;
			return;
		}
	if (q == c->p) {
		c->err = true;
		return;
	}
	*out = mp_str_make(c->p, (size_t)(q - c->p));
	c->p = q;
}

void
mp_cur_until(struct mp_cursor *c, struct mp_str *out, char ch, size_t max)
{
	const char *q;
	size_t left;

	*out = MP_STR_NULL;
	if (c->err)
		return;
	left = mp_cur_left(c);
	q = left ? memchr(c->p, ch, left) : NULL;
	if (q == NULL)
		q = c->end;
	if ((size_t)(q - c->p) > max) {
		c->err = true;
		return;
	}
	*out = mp_str_make(c->p, (size_t)(q - c->p));
	c->p = q;
}

struct mp_str
mp_cur_rest(const struct mp_cursor *c)
{
	return mp_str_make(c->p, mp_cur_left(c));
}
