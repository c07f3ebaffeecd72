/* fuzz_dmarc_record.c - the DMARC record parser (RFC 9989 §4.7, §4.8).
 * Invariants: always MP_OK; status, policies and counts in range; every
 * view inside the input; the rua rule holds; parsing is deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dmarc.h>

/* inside - view s lies within [base, base+len) (empty views anywhere) */
static void
inside(struct mp_str s, const char *base, size_t len)
{
	if (s.len == 0)
		return;
	if (s.ptr < base || s.ptr + s.len > base + len)
		abort();
}

/* policy_ok - one of the RFC words */
static void
policy_ok(enum mp_dmarc_policy p)
{
	if (p != MP_DMARC_POLICY_NONE && p != MP_DMARC_POLICY_QUARANTINE &&
	    p != MP_DMARC_POLICY_REJECT)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mp_dmarc_record r, r2;
	struct mp_str text = mp_str_make((const char *)data, size);
	bool valid_rua;

	if (mp_dmarc_record_parse(text, &r) != MP_OK)
		abort();
	if (mp_dmarc_is_record(text) != (r.status != MP_DMARC_REC_NOT_DMARC) &&
	    r.reason != MP_REASON_DMARC_EMPTY)
		abort();
	if (r.nrua > MP_LIMIT_DMARC_URIS || r.nruf > MP_LIMIT_DMARC_URIS ||
	    r.nfindings > MP_LIMIT_DMARC_FINDINGS || r.pct > 100)
		abort();
	for (size_t i = 0; i < r.nrua; i++) {
		inside(r.rua[i].uri, text.ptr, size);
		inside(r.rua[i].scheme, text.ptr, size);
		inside(r.rua[i].size, text.ptr, size);
		if (r.rua[i].scheme.len == 0 || mp_str_has_nul(r.rua[i].uri))
			abort();
	}
	for (size_t i = 0; i < r.nruf; i++)
		inside(r.ruf[i].uri, text.ptr, size);
	for (size_t i = 0; i < r.nfindings; i++) {
		inside(r.findings[i].tag, text.ptr, size);
		inside(r.findings[i].value, text.ptr, size);
		if (r.findings[i].reason == MP_REASON_NONE)
			abort();
	}
	switch (r.status) {
	case MP_DMARC_REC_OK:
		policy_ok(r.eff_p);
		policy_ok(r.eff_sp);
		policy_ok(r.eff_np);
		/* p=none by the rua rule only with a valid rua */
		valid_rua = r.nrua > 0;
		if (r.reason == MP_REASON_DMARC_P_NONE_BY_RUA && (!valid_rua ||
		    r.eff_p != MP_DMARC_POLICY_NONE))
			abort();
		if (r.reason == MP_REASON_NONE && r.eff_p != r.p)
			abort();
		break;
	case MP_DMARC_REC_NO_POLICY:
	case MP_DMARC_REC_NOT_DMARC:
		if (r.reason == MP_REASON_NONE)
			abort();
		break;
	default:
		abort();
	}
	if (mp_dmarc_record_parse(text, &r2) != MP_OK || r2.status != r.status ||
	    r2.eff_p != r.eff_p || r2.nfindings != r.nfindings || r2.nrua != r.nrua)
		abort();
	return 0;
}
