/* cli_batch.c - plumbing shared by the commands with a --batch mode and
 * --json output: the batch file reader (one item a line, blank lines and
 * # comments skipped) and a JSON writer that puts compact, ASCII-only JSON
 * straight into a buffer: the bytes jansson prints with JSON_COMPACT |
 * JSON_ENSURE_ASCII, without a tree of small allocations per object.
 * Single-threaded, like the commands. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/log.h>

#include "cli.h"

#define JSON_MAX (16u << 20)  /* own: bytes of one JSON line */

void *
mp_cli_batch_load(const char *cmd, const char *path, const char *want, size_t size,
                  mp_cli_split_fn split, size_t *n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL, *items = NULL;
	size_t cap = 0, ncap = 0, lineno = 0;
	ssize_t len;

	*n = 0;
	if (f == NULL)
		mp_fatal(MP_EXIT_USAGE, "%s: cannot open %s", cmd, path);
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct mp_cli_batch_line *it;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (*n == ncap) {
			ncap = ncap ? ncap * 2 : 1024;
			if ((items = realloc(items, ncap * size)) == NULL)
				mp_fatal(MP_EXIT_TEMP, "out of memory");
		}
		it = (struct mp_cli_batch_line *)(void *)(items + *n * size);
		memset(it, 0, size);
		it->text = line;
		it->lineno = lineno;
		if (!split(it))
			mp_fatal(MP_EXIT_USAGE, "%s: %s:%zu: want '%s'", cmd, path, lineno, want);
		/* the fields point into line: the item keeps it, a new one is read */
		line = NULL;
		cap = 0;
		(*n)++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return items;
}

/* ---- JSON writer ---- */

/* put - append bytes; on failure the writer is marked failed */
static void
put(struct mp_cli_jw *w, const char *p, size_t len)
{
	struct mp_buf *b = &w->b;

	if (b->ptr != NULL && len < b->cap - b->len && len <= b->max - b->len) {
		memcpy(b->ptr + b->len, p, len);         /* room: no call per piece */
		b->len += len;
		b->ptr[b->len] = '\0';
	} else if (mp_buf_append(b, p, len) != MP_OK) {
		w->failed = true;
	}
}

/* utf8_seq - length of the valid UTF-8 sequence at p (jansson's rules: no
 * overlong forms, surrogates or values past U+10FFFF) and its value; 0 when
 * invalid */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0)
		len = 2, v = p[0] & 0x1fu;
	else if (p[0] < 0xf0)
		len = 3, v = p[0] & 0x0fu;
	else if (p[0] < 0xf5)
		len = 4, v = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3fu);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (len == 3 && v < 0x800)
	    || (len == 4 && v < 0x10000))
		return 0;
	*cp = v;
	return len;
}

/* json_ok - could s be a JSON string as is (valid UTF-8; NUL only when
 * nul_ok)? */
static bool
json_ok(struct mp_str s, bool nul_ok)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	uint32_t cp;

	for (size_t i = 0, n; i < s.len; i += n) {
		if (p[i] >= 0x01 && p[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((n = utf8_seq(p + i, s.len - i, &cp)) == 0 || (cp == 0 && !nul_ok))
			return false;
	}
	return true;
}

/* u4 - \uXXXX (upper-case hex, as jansson) */
static void
u4(struct mp_cli_jw *w, uint32_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[6] = { '\\', 'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
		      hex[v & 15] };

	put(w, e, sizeof e);
}

/* esc - s (valid UTF-8) as a quoted JSON string, non-ASCII escaped */
static void
esc(struct mp_cli_jw *w, struct mp_str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, run = 0, n;
	uint32_t cp;

	put(w, "\"", 1);
	while (i < s.len) {
		unsigned char c = p[i];
		const char *e;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		put(w, s.ptr + run, i - run);
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default: e = NULL; break;
		}
		if (e != NULL) {
			put(w, e, 2);
			n = 1;
		} else if ((n = utf8_seq(p + i, s.len - i, &cp)) == 0) {
			n = 1;                      /* not reached: checked by the caller */
		} else if (cp < 0x10000) {
			u4(w, cp);
		} else {
			cp -= 0x10000;
			u4(w, 0xd800 | (cp >> 10));
			u4(w, 0xdc00 | (cp & 0x3ff));
		}
		i += n;
		run = i;
	}
	put(w, s.ptr + run, i - run);
	put(w, "\"", 1);
}

/* key - the separator and "name": of the next member (name is ASCII) */
static void
key(struct mp_cli_jw *w, const char *name)
{
	if (w->comma)
		put(w, ",", 1);
	put(w, "\"", 1);
	put(w, name, strlen(name));
	put(w, "\":", 2);
	w->comma = true;
}

void
mp_cli_jw_init(struct mp_cli_jw *w, bool nul_ok)
{
	mp_buf_init(&w->b, JSON_MAX);
	w->comma = w->failed = false;
	w->nul_ok = nul_ok;
}

void
mp_cli_jw_fini(struct mp_cli_jw *w)
{
	mp_buf_fini(&w->b);
}

char *
mp_cli_jw_line(struct mp_cli_jw *w)
{
	char *s;

	put(w, "\n", 1);
	if (w->failed || (s = malloc(w->b.len + 1)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	memcpy(s, w->b.ptr, w->b.len + 1);
	mp_buf_reset(&w->b);
	w->comma = false;
	return s;
}

void
mp_cli_jw_print(struct mp_cli_jw *w, FILE *f)
{
	put(w, "\n", 1);
	if (w->failed)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	fwrite(w->b.ptr, 1, w->b.len, f);
	mp_buf_reset(&w->b);
	w->comma = false;
}

void
mp_cli_jopen(struct mp_cli_jw *w, const char *name, char c)
{
	if (name != NULL)
		key(w, name);
	else if (w->comma)
		put(w, ",", 1);
	put(w, &c, 1);
	w->comma = false;
}

void
mp_cli_jclose(struct mp_cli_jw *w, char c)
{
	put(w, &c, 1);
	w->comma = true;
}

void
mp_cli_jstr(struct mp_cli_jw *w, const char *name, struct mp_str s)
{
	char q[MP_LOG_QUOTE_MAX];
	size_t i = 0;

	key(w, name);
	if (s.ptr == NULL)
		s = MP_STR_LIT("");
	/* the usual case, printable ASCII without '"' or '\\': as it is */
	while (i < s.len && (unsigned char)s.ptr[i] >= 0x20 && (unsigned char)s.ptr[i] < 0x80
	       && s.ptr[i] != '"' && s.ptr[i] != '\\')
		i++;
	if (i == s.len) {
		put(w, "\"", 1);
		put(w, s.ptr, s.len);
		put(w, "\"", 1);
		return;
	}
	esc(w, json_ok(s, w->nul_ok) ? s : mp_str_c(mp_log_quote(s, q)));
}

void
mp_cli_jcstr(struct mp_cli_jw *w, const char *name, const char *s)
{
	mp_cli_jstr(w, name, mp_str_c(s));
}

void
mp_cli_jstr_valid(struct mp_cli_jw *w, const char *name, struct mp_str s)
{
	if (s.ptr == NULL || !json_ok(s, true))
		return;
	key(w, name);
	esc(w, s);
}

void
mp_cli_jnull(struct mp_cli_jw *w, const char *name)
{
	key(w, name);
	put(w, "null", 4);
}

void
mp_cli_jstr_or_null(struct mp_cli_jw *w, const char *name, struct mp_str s)
{
	if (s.len)
		mp_cli_jstr(w, name, s);
	else
		mp_cli_jnull(w, name);
}

void
mp_cli_jbool(struct mp_cli_jw *w, const char *name, bool b)
{
	key(w, name);
	if (b)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

/* number - name: an integer, '-' first when neg */
static void
number(struct mp_cli_jw *w, const char *name, bool neg, unsigned long long u)
{
	char d[24];
	size_t i = sizeof d;

	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (neg)
		d[--i] = '-';
	key(w, name);
	put(w, d + i, sizeof d - i);
}

void
mp_cli_jint(struct mp_cli_jw *w, const char *name, unsigned long long n)
{
	number(w, name, false, n);
}

void
mp_cli_jsint(struct mp_cli_jw *w, const char *name, long long n)
{
	/* the magnitude as unsigned: -LLONG_MIN does not fit a long long */
	number(w, name, n < 0, n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n);
}
