/* fuzz_smtp_reply.c - SMTP reply parser (RFC 5321 §4.2, RFC 3463) and EHLO
 * capability lists. Invariants: a complete reply has a code in 200..599,
 * 1..limit lines inside the input, an enhanced code of the reply's class;
 * every proper prefix of a complete reply is "incomplete", never an error;
 * format -> parse gives the same reply; capability lists stay in bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

static void
check_view(struct mp_str v, const uint8_t *data, size_t size)
{
	if (v.len > 0 && ((const uint8_t *)v.ptr < data || (const uint8_t *)v.ptr + v.len > data + size))
		abort();
}

static void
check_caps(const struct mp_smtp_reply *r)
{
	struct mp_arena a;
	struct mp_smtp_caps caps;

	mp_arena_init(&a, 1u << 20);
	if (mp_smtp_caps_parse(r, &a, &caps) != MP_OK)
		abort();
	if (caps.nauth > MP_LIMIT_SMTP_AUTH_MECHS || caps.nkeywords > MP_LIMIT_SMTP_EHLO_LINES)
		abort();
	if (caps.nkeywords + caps.nbad > r->nlines - 1)
		abort();
	for (size_t i = 0; i < caps.nauth; i++) {
		if (caps.auth[i].len == 0 || caps.auth[i].len > 20)
			abort();
		for (size_t k = 0; k < caps.auth[i].len; k++)
			if (caps.auth[i].ptr[k] >= 'a' && caps.auth[i].ptr[k] <= 'z')
				abort();
		for (size_t k = 0; k < i; k++)
			if (mp_str_eq_nocase(caps.auth[i], caps.auth[k]))
				abort();
	}
	mp_arena_fini(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_str in = mp_str_make((const char *)data, size);
	struct mp_smtp_reply r, r2, rp;
	struct mp_why why, why2;
	struct mp_buf b;
	size_t used, used2;

	if (mp_smtp_reply_parse(in, &r, &used, &why) != MP_OK)
		abort();
	if (used == 0)
		return 0;       /* incomplete or malformed */
	if (mp_why_failed(&why) || used > size || r.code < 200 || r.code > 599 ||
	    r.nlines == 0 || r.nlines > MP_LIMIT_SMTP_REPLY_LINES)
		abort();
	if (r.has_enhanced && r.enh_class != (unsigned)(r.code / 100))
		abort();
	for (size_t i = 0; i < r.nlines; i++)
		check_view(r.lines[i], data, used);
	/* a prefix of a complete reply is incomplete, not an error */
	if (mp_smtp_reply_parse(mp_str_make(in.ptr, used - 1), &rp, &used2, &why2) != MP_OK ||
	    used2 != 0 || mp_why_failed(&why2))
		abort();
	/* format -> parse round trip */
	mp_buf_init(&b, 1u << 24);
	if (mp_smtp_reply_format(&r, &b) != MP_OK)
		abort();
	if (mp_smtp_reply_parse(mp_buf_str(&b), &r2, &used2, &why2) != MP_OK ||
	    used2 != b.len || r2.code != r.code || r2.nlines != r.nlines ||
	    r2.has_enhanced != r.has_enhanced)
		abort();
	for (size_t i = 0; i < r.nlines; i++)
		if (!mp_str_eq(r.lines[i], r2.lines[i]))
			abort();
	mp_buf_fini(&b);
	check_caps(&r);
	return 0;
}
