/* util_str.c - string views, numbers (STYLE.md §4, §7). Thread-safe. */
#include <string.h>

#include <mailproof/str.h>

struct mp_str
mp_str_c(const char *s)
{
	return (struct mp_str){ s, s ? strlen(s) : 0 };
}

bool
mp_str_eq(struct mp_str a, struct mp_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool
mp_str_eq_nocase(struct mp_str a, struct mp_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (mp_lower((unsigned char)a.ptr[i]) != mp_lower((unsigned char)b.ptr[i]))
			return false;
	return true;
}

bool
mp_str_eq_c(struct mp_str a, const char *c)
{
	return mp_str_eq(a, mp_str_c(c));
}

bool
mp_str_eq_nocase_c(struct mp_str a, const char *c)
{
	return mp_str_eq_nocase(a, mp_str_c(c));
}

bool
mp_str_starts_nocase(struct mp_str s, struct mp_str prefix)
{
	return s.len >= prefix.len &&
	    mp_str_eq_nocase(mp_str_make(s.ptr, prefix.len), prefix);
}

bool
mp_str_ends_nocase(struct mp_str s, struct mp_str suffix)
{
	return s.len >= suffix.len &&
	    mp_str_eq_nocase(mp_str_make(s.ptr + s.len - suffix.len, suffix.len), suffix);
}

/* is_trim - WSP and line ends */
static bool
is_trim(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct mp_str
mp_str_trim(struct mp_str s)
{
	while (s.len > 0 && is_trim((unsigned char)s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && is_trim((unsigned char)s.ptr[s.len - 1]))
		s.len--;
	return s;
}

ptrdiff_t
mp_str_find(struct mp_str s, char c)
{
	const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;

	return p ? p - s.ptr : -1;
}

bool
mp_str_has_nul(struct mp_str s)
{
	return mp_str_find(s, '\0') >= 0;
}

bool
mp_parse_u64(struct mp_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (!mp_is_digit(c))
			return false;
		if (v > (max - (uint64_t)(c - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(c - '0');
	}
	*out = v;
	return true;
}
