/* milter_map.c - the small text formats mailproofd reads besides its
 * configuration: logical lines and lists, CIDR lists (InternalHosts) and the
 * sender map (login -> addresses and @domains, or Postfix's
 * smtpd_sender_login_maps source format: address -> logins).
 * Input is untrusted-ish (admin files) and bounded: MP_LIMIT_CONFIG_LINE per
 * line, MP_LIMIT_MILTER_* per list. Pure; thread-safe on distinct objects.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

/* physical_line - next raw line without its LF (and CR); false at end */
static bool
physical_line(struct milter_lines *l, struct mp_str *out)
{
	const char *p, *nl;
	size_t left, len;

	if (l->pos >= l->text.len)
		return false;
	p = l->text.ptr + l->pos;
	left = l->text.len - l->pos;
	nl = memchr(p, '\n', left);
	len = nl ? (size_t)(nl - p) : left;
	l->pos += nl ? len + 1 : len;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	*out = mp_str_make(p, len);
	l->next_lineno++;
	return true;
}

/* strip_comment - cut at a '#' that starts the line or follows white space */
static struct mp_str
strip_comment(struct mp_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] == '#' && (i == 0 || mp_is_wsp((unsigned char)s.ptr[i - 1])))
			return mp_str_make(s.ptr, i);
	return s;
}

/* peek_continuation - is the next physical line a continuation? */
static bool
peek_continuation(const struct milter_lines *l)
{
	struct milter_lines copy = *l;
	struct mp_str raw;

	if (!physical_line(&copy, &raw) || raw.len == 0 || !mp_is_wsp((unsigned char)raw.ptr[0]))
		return false;
	return mp_str_trim(strip_comment(raw)).len > 0;
}

bool
milter_lines_next(struct milter_lines *l, struct mp_buf *buf, struct mp_str *line, bool *bad)
{
	struct mp_str raw, s;

	*bad = false;
	*line = MP_STR_NULL;
	mp_buf_reset(buf);
	for (;;) {
		if (!physical_line(l, &raw))
			return false;
		l->lineno = l->next_lineno;
		if (raw.len > MP_LIMIT_CONFIG_LINE || mp_str_has_nul(raw)) {
			*bad = true;
			return true;
		}
		s = mp_str_trim(strip_comment(raw));
		if (s.len == 0)
			continue;
		if (l->continuation && mp_is_wsp((unsigned char)raw.ptr[0])) {
			*bad = true;            /* continuation with nothing to continue */
			return true;
		}
		break;
	}
	if (mp_buf_append_str(buf, s) != MP_OK) {
		*bad = true;
		return true;
	}
	while (l->continuation && peek_continuation(l)) {
		physical_line(l, &raw);
		s = mp_str_trim(strip_comment(raw));
		if (raw.len > MP_LIMIT_CONFIG_LINE || mp_str_has_nul(raw) ||
		    mp_buf_append_byte(buf, ' ') != MP_OK || mp_buf_append_str(buf, s) != MP_OK) {
			*bad = true;
			return true;
		}
	}
	*line = mp_buf_str(buf);
	return true;
}

/* is_sep - list separators: comma and white space */
static bool
is_sep(unsigned char c)
{
	return c == ',' || mp_is_wsp(c);
}

bool
milter_next_item(struct mp_str *rest, struct mp_str *item)
{
	size_t i = 0, start;

	while (i < rest->len && is_sep((unsigned char)rest->ptr[i]))
		i++;
	start = i;
	while (i < rest->len && !is_sep((unsigned char)rest->ptr[i]))
		i++;
	*item = mp_str_make(rest->ptr + start, i - start);
	*rest = mp_str_make(rest->ptr + i, rest->len - i);
	return item->len > 0;
}

/* ---- CIDR ---- */

bool
milter_cidr_parse(struct mp_str s, struct milter_cidr *out)
{
	char text[INET6_ADDRSTRLEN + 1];
	ptrdiff_t slash = mp_str_find(s, '/');
	size_t alen = slash >= 0 ? (size_t)slash : s.len;
	uint64_t bits;
	unsigned max;

	memset(out, 0, sizeof *out);
	if (alen == 0 || alen >= sizeof text || mp_str_has_nul(s))
		return false;
	memcpy(text, s.ptr, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else {
		return false;
	}
	bits = max;
	if (slash >= 0 && !mp_parse_u64(mp_str_make(s.ptr + slash + 1, s.len - alen - 1),
	                                max, &bits))
		return false;
	out->bits = (uint8_t)bits;
	for (unsigned i = 0; i < max / 8; i++) {        /* clear host bits */
		unsigned keep = bits >= (i + 1) * 8 ? 8 : bits > i * 8 ? (unsigned)bits - i * 8 : 0;
		out->addr[i] &= (uint8_t)(0xff00u >> keep);
	}
	return true;
}

/* prefix_match - do the first bits bits of a and b agree? */
static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool
milter_cidr_match(const struct milter_cidr *list, size_t n, int family, const uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *v4 = NULL;

	if (family == 4)
		v4 = addr;
	else if (family == 6 && memcmp(addr, mapped, sizeof mapped) == 0)
		v4 = addr + 12;
	for (size_t i = 0; i < n; i++) {
		if (list[i].family == 4 && v4 && prefix_match(list[i].addr, v4, list[i].bits))
			return true;
		if (list[i].family == 6 && family == 6 &&
		    prefix_match(list[i].addr, addr, list[i].bits))
			return true;
	}
	return false;
}

/* ---- sender map ---- */

/* is_login_char - SASL login names: printable, UTF-8, no list separators */
static bool
is_login_char(unsigned char c)
{
	return (mp_is_vchar(c) && c != ',' && c != '#') || c >= 0x80;
}

/* is_local_char - local-part bytes accepted in a map (dot-atom and UTF-8) */
static bool
is_local_char(unsigned char c)
{
	return (mp_is_vchar(c) && strchr("<>,;:\"\\()[]@", c) == NULL) || c >= 0x80;
}

/* milter_valid_domain - LDH labels separated by single dots */
bool
milter_valid_domain(struct mp_str d)
{
	if (d.len == 0 || d.len > MP_LIMIT_DNS_NAME || d.ptr[0] == '.' || d.ptr[d.len - 1] == '.')
		return false;
	for (size_t i = 0; i < d.len; i++) {
		unsigned char c = (unsigned char)d.ptr[i];
		if (c == '.' ? d.ptr[i - 1] == '.' : !(mp_is_ldh(c) || c == '_'))
			return false;
	}
	return true;
}

/* valid_login - a non-empty run of login characters */
static bool
valid_login(struct mp_str s)
{
	if (s.len == 0 || s.len > MP_LIMIT_MILTER_MACRO)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!is_login_char((unsigned char)s.ptr[i]))
			return false;
	return true;
}

/* valid_pattern - "@domain" or "local@domain" */
static bool
valid_pattern(struct mp_str s)
{
	ptrdiff_t at = mp_str_find(s, '@');

	if (at < 0)
		return false;
	for (ptrdiff_t i = 0; i < at; i++)
		if (!is_local_char((unsigned char)s.ptr[i]))
			return false;
	return milter_valid_domain(mp_str_make(s.ptr + at + 1, s.len - (size_t)at - 1));
}

/* add_pair - copy one login/pattern pair into the map */
static enum mp_status
add_pair(struct milter_sendermap *map, struct mp_str login, struct mp_str pattern,
         struct mp_arena *a)
{
	struct milter_bind_pair *np;
	char *pat;

	if (map->n >= MP_LIMIT_MILTER_SENDER_PAIRS)
		return MP_ELIMIT;
	if (map->n == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 64;
		np = mp_arena_alloc(a, cap * sizeof *np);
		if (np == NULL)
			return MP_ENOMEM;
		if (map->n)
			memcpy(np, map->pairs, map->n * sizeof *np);
		map->pairs = np;
		map->cap = cap;
	}
	map->pairs[map->n].login = mp_arena_strdup(a, login);
	pat = mp_arena_cstr(a, pattern);
	if (map->pairs[map->n].login.ptr == NULL || pat == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < pattern.len; i++)
		pat[i] = (char)mp_lower((unsigned char)pat[i]);
	map->pairs[map->n].pattern = mp_str_make(pat, pattern.len);
	map->n++;
	return MP_OK;
}

/* map_line - one logical line: KEY then a list of items */
static enum mp_status
map_line(struct milter_sendermap *map, enum milter_map_format fmt, struct mp_str line,
         struct mp_arena *a, const char **err)
{
	struct mp_str rest = line, key, item;
	size_t nitems = 0;
	enum mp_status st;

	milter_next_item(&rest, &key);
	if (!(fmt == MILTER_MAP_NATIVE ? valid_login(key) : valid_pattern(key))) {
		*err = fmt == MILTER_MAP_NATIVE ? "bad login" : "bad address or @domain key";
		return MP_EINVAL;
	}
	while (milter_next_item(&rest, &item)) {
		if (++nitems > MP_LIMIT_MILTER_MAP_ITEMS) {
			*err = "too many items on one line";
			return MP_ELIMIT;
		}
		if (!(fmt == MILTER_MAP_NATIVE ? valid_pattern(item) : valid_login(item))) {
			*err = fmt == MILTER_MAP_NATIVE ? "bad address or @domain" : "bad login";
			return MP_EINVAL;
		}
		st = fmt == MILTER_MAP_NATIVE ? add_pair(map, key, item, a) : add_pair(map, item, key, a);
		if (st != MP_OK) {
			*err = st == MP_ELIMIT ? "too many entries" : "out of memory";
			return st;
		}
	}
	if (nitems == 0) {
		*err = "key without values";
		return MP_EINVAL;
	}
	return MP_OK;
}

enum mp_status
milter_sendermap_parse(struct milter_sendermap *map, enum milter_map_format fmt,
                       struct mp_str text, const char *filename, struct mp_arena *a,
                       struct mp_why *why)
{
	struct milter_lines l = { .text = text, .continuation = true };
	struct mp_buf buf;
	struct mp_str line;
	enum mp_status st = MP_OK;
	const char *err = NULL;
	bool bad;

	mp_buf_init(&buf, MP_LIMIT_CONFIG_LINE);
	while (milter_lines_next(&l, &buf, &line, &bad)) {
		if (bad) {
			err = "line too long, NUL byte or stray continuation";
			st = MP_EINVAL;
		} else {
			st = map_line(map, fmt, line, a, &err);
		}
		if (st != MP_OK)
			break;
	}
	if (st != MP_OK)
		mp_why_setf(why, MP_REASON_MILTER_MAP_SYNTAX, "%s:%u: %s", filename, l.lineno, err);
	mp_buf_fini(&buf);
	return st;
}

/* login_cmp - case-insensitive order of logins */
static int
login_cmp(struct mp_str a, struct mp_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;

	for (size_t i = 0; i < n; i++) {
		int d = mp_lower((unsigned char)a.ptr[i]) - mp_lower((unsigned char)b.ptr[i]);
		if (d != 0)
			return d;
	}
	return a.len < b.len ? -1 : a.len > b.len;
}

/* pair_cmp - qsort order: login */
static int
pair_cmp(const void *a, const void *b)
{
	return login_cmp(((const struct milter_bind_pair *)a)->login,
	                 ((const struct milter_bind_pair *)b)->login);
}

void
milter_sendermap_finish(struct milter_sendermap *map)
{
	if (map->n > 1)
		qsort(map->pairs, map->n, sizeof *map->pairs, pair_cmp);
}

/* first_of - index of the first pair for login, or map->n */
static size_t
first_of(const struct milter_sendermap *map, struct mp_str login)
{
	size_t lo = 0, hi = map->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (login_cmp(map->pairs[mid].login, login) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
milter_sendermap_has_login(const struct milter_sendermap *map, struct mp_str login)
{
	size_t i = first_of(map, login);

	return i < map->n && login_cmp(map->pairs[i].login, login) == 0;
}

/* pattern_matches - "@domain" or "local@domain" against an address */
static bool
pattern_matches(struct mp_str pat, struct mp_str local, struct mp_str domain_lc)
{
	if (pat.ptr[0] == '@')
		return mp_str_eq_nocase(mp_str_make(pat.ptr + 1, pat.len - 1), domain_lc);
	if (pat.len != local.len + 1 + domain_lc.len || pat.ptr[local.len] != '@')
		return false;
	return mp_str_eq_nocase(mp_str_make(pat.ptr, local.len), local) &&
	    mp_str_eq_nocase(mp_str_make(pat.ptr + local.len + 1, domain_lc.len), domain_lc);
}

bool
milter_sendermap_allows(const struct milter_sendermap *map, struct mp_str login,
                        struct mp_str local, struct mp_str domain_lc)
{
	if (local.len == 0 || domain_lc.len == 0)
		return false;
	for (size_t i = first_of(map, login);
	     i < map->n && login_cmp(map->pairs[i].login, login) == 0; i++)
		if (pattern_matches(map->pairs[i].pattern, local, domain_lc))
			return true;
	return false;
}
