/* fuzz_sender_map.c - sender map parser, both formats (first byte picks:
 * even native, odd Postfix smtpd_sender_login_maps). Invariants: a failure
 * has a MILTER_MAP_SYNTAX reason naming "fuzz.map:LINE"; on success every
 * pair is well formed, and every pair's own address is allowed for its
 * login (lookup agrees with what was parsed), while a domain nobody was
 * granted is refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/milter/milter_map.c"

/* check_pair - pattern shape and lookup round trip */
static void
check_pair(const struct milter_sendermap *map, const struct milter_bind_pair *p)
{
	ptrdiff_t at = mp_str_find(p->pattern, '@');
	struct mp_str local, domain;

	if (p->login.len == 0 || at < 0 || (size_t)at + 1 >= p->pattern.len)
		abort();
	domain = mp_str_make(p->pattern.ptr + at + 1, p->pattern.len - (size_t)at - 1);
	local = at == 0 ? MP_STR_LIT("anyone") : mp_str_make(p->pattern.ptr, (size_t)at);
	if (!milter_valid_domain(domain) || mp_str_find(domain, '@') >= 0)
		abort();
	if (!milter_sendermap_has_login(map, p->login) ||
	    !milter_sendermap_allows(map, p->login, local, domain))
		abort();
	if (milter_sendermap_allows(map, p->login, local, MP_STR_LIT("not-granted.invalid-")))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct milter_sendermap map = { 0 };
	struct mp_arena arena;
	struct mp_why why;
	enum mp_status st;
	enum milter_map_format fmt;

	if (size == 0)
		return 0;
	fmt = (data[0] & 1) ? MILTER_MAP_POSTFIX : MILTER_MAP_NATIVE;
	mp_why_clear(&why);
	mp_arena_init(&arena, 64u << 20);
	st = milter_sendermap_parse(&map, fmt, mp_str_make((const char *)data + 1, size - 1),
	    "fuzz.map", &arena, &why);
	if (st != MP_OK) {
		if (why.reason != MP_REASON_MILTER_MAP_SYNTAX || strncmp(why.text, "fuzz.map:", 9) != 0)
			abort();
	} else {
		if (mp_why_failed(&why))
			abort();
		milter_sendermap_finish(&map);
		for (size_t i = 1; i < map.n; i++)
			if (login_cmp(map.pairs[i - 1].login, map.pairs[i].login) > 0)
				abort();
		for (size_t i = 0; i < map.n; i++)
			check_pair(&map, &map.pairs[i]);
	}
	mp_arena_fini(&arena);
	return 0;
}
