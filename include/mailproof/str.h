/* mailproof/str.h - borrowed string views, owned buffers, arenas, cursors.
 *
 * struct mp_str is a view: pointer + length, not NUL-terminated, valid while
 * its source lives. struct mp_buf is owned and growable up to a maximum set
 * at init. struct mp_arena holds everything one message or check produces.
 * struct mp_cursor parses with a sticky error (STYLE.md §7).
 */
#ifndef MAILPROOF_STR_H
#define MAILPROOF_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/status.h>

struct mp_str {
	const char *ptr;
	size_t len;
};

#define MP_STR_NULL ((struct mp_str){ NULL, 0 })
/* View of a string literal. */
#define MP_STR_LIT(s) ((struct mp_str){ (s), sizeof(s) - 1 })

/* View of a NUL-terminated C string (trusted strings only: argv, literals). */
MP_API struct mp_str mp_str_c(const char *s);
static inline struct mp_str
mp_str_make(const char *p, size_t len)
{
	return (struct mp_str){ p, len };
}
MP_API bool mp_str_eq(struct mp_str a, struct mp_str b);
/* ASCII case-insensitive equality. */
MP_API bool mp_str_eq_nocase(struct mp_str a, struct mp_str b);
MP_API bool mp_str_eq_c(struct mp_str a, const char *c);
MP_API bool mp_str_eq_nocase_c(struct mp_str a, const char *c);
MP_API bool mp_str_starts_nocase(struct mp_str s, struct mp_str prefix);
MP_API bool mp_str_ends_nocase(struct mp_str s, struct mp_str suffix);
/* Trim RFC 5322 WSP and CR/LF from both ends. */
MP_API struct mp_str mp_str_trim(struct mp_str s);
/* Index of byte c in s, or -1 (ptrdiff_t). */
MP_API ptrdiff_t mp_str_find(struct mp_str s, char c);
MP_API bool mp_str_has_nul(struct mp_str s);

/* ---- owned buffers ---- */
struct mp_buf {
	char *ptr;   /* NUL-terminated after len as a safety net; NULL when empty */
	size_t len;
	size_t cap;
	size_t max;  /* appends past this return MP_ELIMIT, buffer unchanged */
};

MP_API void mp_buf_init(struct mp_buf *b, size_t max);
MP_API void mp_buf_fini(struct mp_buf *b);
MP_API void mp_buf_reset(struct mp_buf *b);
MP_API enum mp_status mp_buf_append(struct mp_buf *b, const void *p, size_t len);
MP_API enum mp_status mp_buf_append_str(struct mp_buf *b, struct mp_str s);
MP_API enum mp_status mp_buf_append_c(struct mp_buf *b, const char *s);
MP_API enum mp_status mp_buf_append_byte(struct mp_buf *b, char c);
MP_API enum mp_status mp_buf_printf(struct mp_buf *b, const char *fmt, ...) MP_PRINTF(2, 3);
static inline struct mp_str
mp_buf_str(const struct mp_buf *b)
{
	return (struct mp_str){ b->ptr ? b->ptr : "", b->len };
}

/* ---- arenas ---- */
struct mp_arena_chunk;
struct mp_arena {
	struct mp_arena_chunk *head;
	size_t used;  /* bytes handed out, all chunks */
	size_t max;   /* total bytes this arena may hand out */
};

MP_API void mp_arena_init(struct mp_arena *a, size_t max);
MP_API void mp_arena_fini(struct mp_arena *a);
/* Free everything but keep the first chunk for reuse. */
MP_API void mp_arena_reset(struct mp_arena *a);
/* len bytes aligned for any type; NULL when out of memory or over max. */
MP_API void *mp_arena_alloc(struct mp_arena *a, size_t len);
MP_API void *mp_arena_zalloc(struct mp_arena *a, size_t len);
/* Copy of s into the arena, NUL-terminated; ptr NULL on failure. */
MP_API struct mp_str mp_arena_strdup(struct mp_arena *a, struct mp_str s);
MP_API char *mp_arena_cstr(struct mp_arena *a, struct mp_str s);
MP_API struct mp_str mp_arena_printf(struct mp_arena *a, const char *fmt, ...) MP_PRINTF(2, 3);

/* ---- allocation (every allocation in the library goes through these) ---- */
MP_API void *mp_alloc(size_t len);
MP_API void *mp_zalloc(size_t len);
MP_API void *mp_realloc(void *p, size_t len);
MP_API void mp_free(void *p);
/* Tests: make the nth allocation from now fail (0 = never). */
MP_API void mp_alloc_fail_after(unsigned long n);

/* ---- character classes: locale-free, on unsigned char ---- */
static inline bool mp_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool mp_is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static inline bool mp_is_alnum(unsigned char c) { return mp_is_digit(c) || mp_is_alpha(c); }
static inline bool mp_is_wsp(unsigned char c) { return c == ' ' || c == '\t'; }
static inline bool mp_is_hex(unsigned char c) { return mp_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static inline bool mp_is_ldh(unsigned char c) { return mp_is_alnum(c) || c == '-'; }
static inline bool mp_is_vchar(unsigned char c) { return c >= 0x21 && c <= 0x7e; }
static inline unsigned char mp_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c; }
static inline unsigned char mp_upper(unsigned char c) { return (c >= 'a' && c <= 'z') ? (unsigned char)(c & ~0x20) : c; }

/* Digits only, no sign or space, value <= max; false otherwise. */
MP_API bool mp_parse_u64(struct mp_str s, uint64_t max, uint64_t *out);

/* ---- cursors ---- */
struct mp_cursor {
	const char *p;
	const char *end;
	bool err;   /* sticky: once set, every primitive does nothing */
};

typedef bool mp_char_class_fn(unsigned char c);

MP_API void mp_cur_init(struct mp_cursor *c, struct mp_str s);
static inline bool mp_cur_eof(const struct mp_cursor *c) { return c->err || c->p >= c->end; }
static inline size_t mp_cur_left(const struct mp_cursor *c) { return (size_t)(c->end - c->p); }
/* Next byte or -1 at end/error; does not advance. */
MP_API int mp_cur_peek(const struct mp_cursor *c);
/* Skip RFC 5322 FWS (WSP, CRLF/LF followed by WSP). */
MP_API void mp_cur_skip_fws(struct mp_cursor *c);
MP_API void mp_cur_skip_wsp(struct mp_cursor *c);
/* Consume ch or set err. */
MP_API void mp_cur_expect(struct mp_cursor *c, char ch);
/* Consume ch if next; no error otherwise. */
MP_API bool mp_cur_accept(struct mp_cursor *c, char ch);
/* Longest run (1..max bytes) of class cl into out; err when empty or longer than max. */
MP_API void mp_cur_span(struct mp_cursor *c, struct mp_str *out, mp_char_class_fn *cl, size_t max);
/* Bytes up to (not including) ch or end into out (0..max); err past max. */
MP_API void mp_cur_until(struct mp_cursor *c, struct mp_str *out, char ch, size_t max);
/* Rest of input. */
MP_API struct mp_str mp_cur_rest(const struct mp_cursor *c);

#endif
