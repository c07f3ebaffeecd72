/* fuzz_authres.c - Authentication-Results and Received-SPF.
 * Invariants: a non-OK status carries a reason; whatever parses cleanly
 * builds (never refused) and parses back to an equal structure; the
 * authserv-id read by the parser is recognised by mp_authres_has_id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/authres.h>
#include <mailproof/limits.h>
#include <mailproof/str.h>

/* opt_eq - equal, NULL-ness included */
static int
opt_eq(struct mp_str a, struct mp_str b)
{
	return (a.ptr == NULL) == (b.ptr == NULL) && mp_str_eq(a, b);
}

/* ar_equal - two parses are the same */
static int
ar_equal(const struct mp_authres *x, const struct mp_authres *y)
{
	if (!mp_str_eq(x->authserv_id, y->authserv_id) || x->has_version != y->has_version ||
	    x->version != y->version || x->n != y->n)
		return 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct mp_authres_result *a = &x->results[i], *b = &y->results[i];
		if (!mp_str_eq(a->method, b->method) || !mp_str_eq(a->result, b->result) ||
		    a->has_version != b->has_version || a->version != b->version ||
		    !opt_eq(a->reason, b->reason) || !opt_eq(a->comment, b->comment) ||
		    a->nprops != b->nprops)
			return 0;
		for (size_t k = 0; k < a->nprops; k++)
			if (!mp_str_eq(a->props[k].ptype, b->props[k].ptype) ||
			    !mp_str_eq(a->props[k].property, b->props[k].property) ||
			    !mp_str_eq(a->props[k].value, b->props[k].value))
				return 0;
	}
	return 1;
}

/* authres - parse, build, parse */
static void
authres(struct mp_str in, struct mp_arena *a)
{
	struct mp_authres ar, back;
	struct mp_why why, why2;
	struct mp_buf b;
	enum mp_status st = mp_authres_parse(in, a, &ar, &why);

	if (st != MP_OK && st != MP_ELIMIT)
		abort();
	if (st != MP_OK && !mp_why_failed(&why))
		abort();
	if (ar.n > MP_LIMIT_AUTHRES_RESULTS)
		abort();
	if (ar.authserv_id.len > 0 && !mp_authres_has_id(in, ar.authserv_id))
		abort();
	if (mp_why_failed(&why))
		return;
	mp_buf_init(&b, 1u << 22);
	if (mp_authres_build(&ar, MP_STR_LIT("\r\n"), &b) != MP_OK)
		abort();
	if (mp_authres_parse(mp_buf_str(&b), a, &back, &why2) != MP_OK || mp_why_failed(&why2) ||
	    !ar_equal(&ar, &back))
		abort();
	mp_buf_fini(&b);
}

/* received_spf - parse, build, parse */
static void
received_spf(struct mp_str in, struct mp_arena *a)
{
	struct mp_received_spf r, back;
	struct mp_why why, why2;
	struct mp_buf b;
	enum mp_status st = mp_received_spf_parse(in, a, &r, &why);

	if (st != MP_OK && (st != MP_ELIMIT || !mp_why_failed(&why)))
		abort();
	if (mp_why_failed(&why))
		return;
	mp_buf_init(&b, 1u << 22);
	if (mp_received_spf_build(&r, MP_STR_LIT("\n"), &b) != MP_OK)
		abort();
	if (mp_received_spf_parse(mp_buf_str(&b), a, &back, &why2) != MP_OK || mp_why_failed(&why2))
		abort();
	if (!mp_str_eq(r.result, back.result) || !opt_eq(r.comment, back.comment) || r.n != back.n)
		abort();
	for (size_t i = 0; i < r.n; i++)
		if (!mp_str_eq(r.kv[i].key, back.kv[i].key) || !mp_str_eq(r.kv[i].value, back.kv[i].value))
			abort();
	mp_buf_fini(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_arena a;
	struct mp_str in = mp_str_make((const char *)data, size);

	mp_arena_init(&a, 64u << 20);
	authres(in, &a);
	mp_arena_reset(&a);
	received_spf(in, &a);
	mp_arena_fini(&a);
	return 0;
}
