/* fuzz_spf_record.c - SPF record parser (RFC 7208 §4.5, §4.6, §12).
 * Invariants: parsing never fails but for ENOMEM; a clean parse has every
 * term inside the input, in order, with kinds and CIDR lengths in range, at
 * most one redirect= and exp=; re-joining the terms parses to the same
 * terms (parse -> format -> parse); a syntax error always carries a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/spf.h>
#include <mailproof/str.h>

/* check - abort unless cond */
static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_str in = mp_str_make((const char *)data, size);
	struct mp_spf_record rec, again;
	struct mp_arena a;
	struct mp_buf joined;
	struct mp_why why, why2;
	const char *prev_end = in.ptr;

	mp_arena_init(&a, 1u << 22);
	mp_buf_init(&joined, 1u << 20);
	mp_why_clear(&why);
	check(mp_spf_record_parse(in, &a, &rec, &why) == MP_OK);
	if (mp_why_failed(&why)) {
		check(why.text[0] != '\0');
		goto out;
	}
	check(mp_spf_is_record(in));
	check(rec.nterms <= 256);
	check(rec.redirect < (int)rec.nterms && rec.exp < (int)rec.nterms);
	mp_buf_append_c(&joined, "v=spf1");
	for (size_t i = 0; i < rec.nterms; i++) {
		const struct mp_spf_term *t = &rec.terms[i];

		check(t->text.ptr >= prev_end && t->text.ptr + t->text.len <= in.ptr + in.len);
		check(t->text.len > 0 && (size_t)(t->text.ptr - in.ptr) == t->pos);
		prev_end = t->text.ptr + t->text.len;
		check(t->kind <= MP_SPF_T_UNKNOWN_MOD);
		check(t->cidr4 <= 32 && t->cidr6 <= 128);
		check(t->qualifier == MP_SPF_PASS || t->qualifier == MP_SPF_FAIL ||
		    t->qualifier == MP_SPF_SOFTFAIL || t->qualifier == MP_SPF_NEUTRAL);
		if (t->kind == MP_SPF_T_REDIRECT)
			check(rec.redirect == (int)i);
		if (t->kind == MP_SPF_T_EXP)
			check(rec.exp == (int)i);
		mp_buf_append_byte(&joined, ' ');
		mp_buf_append_str(&joined, t->text);
	}
	mp_why_clear(&why2);
	check(mp_spf_record_parse(mp_buf_str(&joined), &a, &again, &why2) == MP_OK);
	check(!mp_why_failed(&why2) && again.nterms == rec.nterms);
	for (size_t i = 0; i < rec.nterms; i++) {
		check(again.terms[i].kind == rec.terms[i].kind);
		check(again.terms[i].qualifier == rec.terms[i].qualifier);
		check(again.terms[i].cidr4 == rec.terms[i].cidr4);
		check(again.terms[i].cidr6 == rec.terms[i].cidr6);
		check(memcmp(again.terms[i].net, rec.terms[i].net, 16) == 0);
		check(mp_str_eq(again.terms[i].domain_spec, rec.terms[i].domain_spec));
	}
out:
	mp_buf_fini(&joined);
	mp_arena_fini(&a);
	return 0;
}
