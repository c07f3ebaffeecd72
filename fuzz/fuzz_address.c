/* fuzz_address.c - address lists and SMTP paths.
 * Invariants: a non-OK status or an empty result carries a reason; every
 * address parsed without error re-parses from its addr_spec to the same
 * local part and domain; domain_lc is the lower-cased domain without a
 * final dot. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

/* check_lc - domain_lc is domain lower-cased, one final dot dropped */
static void
check_lc(const struct mp_addr *ad)
{
	size_t n = ad->domain.len;

	if (n && !ad->domain_literal && ad->domain.ptr[n - 1] == '.')
		n--;
	if (ad->domain_lc.len != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (ad->domain_lc.ptr[i] != (char)mp_lower((unsigned char)ad->domain.ptr[i]))
			abort();
}

/* list - mp_addr_parse_list invariants */
static void
list(struct mp_str in, struct mp_arena *a)
{
	struct mp_addr_list l, l2;
	struct mp_why why, why2;
	enum mp_status st = mp_addr_parse_list(in, a, &l, &why);

	if (st != MP_OK && st != MP_ELIMIT)
		abort();
	if (st == MP_ELIMIT && !mp_why_failed(&why))
		abort();
	if (!mp_why_failed(&why) && l.n == 0 && l.ngroups == 0)
		abort();
	if (l.n > MP_LIMIT_ADDRESSES)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		const struct mp_addr *ad = &l.addrs[i];
		if (ad->local.ptr == NULL || ad->domain.ptr == NULL || ad->addr_spec.ptr == NULL)
			abort();
		check_lc(ad);
		if (mp_why_failed(&why) || ad->domain_literal)
			continue;
		if (mp_addr_parse_list(ad->addr_spec, a, &l2, &why2) != MP_OK || mp_why_failed(&why2) ||
		    l2.n != 1 || !mp_str_eq(l2.addrs[0].local, ad->local) ||
		    !mp_str_eq(l2.addrs[0].domain, ad->domain))
			abort();
	}
}

/* path - mp_addr_parse_path invariants */
static void
path(struct mp_str in, struct mp_arena *a)
{
	struct mp_addr ad, ad2;
	struct mp_why why, why2;

	if (mp_addr_parse_path(in, a, &ad, &why) != MP_OK)
		abort();
	if (ad.local.ptr == NULL || ad.domain.ptr == NULL || ad.addr_spec.ptr == NULL)
		abort();
	if (mp_why_failed(&why))
		return;
	check_lc(&ad);
	if (mp_addr_parse_path(ad.addr_spec, a, &ad2, &why2) != MP_OK || mp_why_failed(&why2) ||
	    !mp_str_eq(ad2.local, ad.local) || !mp_str_eq(ad2.domain, ad.domain) ||
	    ad2.domain_literal != ad.domain_literal)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_arena a;
	struct mp_str in = mp_str_make((const char *)data, size);

	mp_arena_init(&a, 64u << 20);
	list(in, &a);
	mp_arena_reset(&a);
	path(in, &a);
	mp_arena_fini(&a);
	return 0;
}
