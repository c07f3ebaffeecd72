/* fuzz_spf_macro.c - SPF macro expander (RFC 7208 §7).
 * Input: first byte picks domain-spec or explanation mode, the rest is the
 * macro-string. Invariants: expansion succeeds exactly when the syntax
 * check accepts the string (or it only runs out of room); output never
 * exceeds the maximum, a domain never exceeds 253 bytes after the label
 * cut; the output buffer is never touched in front of the append point. */
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
	struct mp_spf_macro_env env = { 0 };
	struct mp_buf out;
	struct mp_str s;
	enum mp_spf_macro_rc rc;
	bool is_domain, valid;
	size_t max = 1024;

	if (size == 0)
		return 0;
	is_domain = (data[0] & 1) != 0;
	s = mp_str_make((const char *)data + 1, size - 1);
	env.sender = MP_STR_LIT("strong-bad@email.example.com");
	env.local = MP_STR_LIT("strong-bad");
	env.sender_domain = env.domain = MP_STR_LIT("email.example.com");
	env.helo = MP_STR_LIT("mx.example.org");
	env.receiver = MP_STR_LIT("receiver.example.net");
	env.ptr_name = (data[0] & 2) ? MP_STR_LIT("host.example.com") : MP_STR_NULL;
	env.now = 1400000000;
	mp_spf_ip_parse((data[0] & 4) ? MP_STR_LIT("2001:db8::cb01") : MP_STR_LIT("192.0.2.3"),
	    &env.ip);
	mp_buf_init(&out, 1u << 16);
	mp_buf_append_c(&out, "prefix:");
	rc = mp_spf_macro_expand(s, &env, is_domain, max, &out);
	valid = mp_spf_macro_valid(s, !is_domain);
	check(out.len >= 7 && memcmp(out.ptr, "prefix:", 7) == 0);
	if (!valid)     /* expansion may stop early (too long, needs %{p}) */
		check(rc != MP_SPF_MACRO_OK);
	if (rc == MP_SPF_MACRO_OK) {
		check(valid);
		check(out.len - 7 <= max);
		if (is_domain)
			check(out.len - 7 <= 253);      /* §7.3 cut (empty labels may remain) */
	}
	if (valid && rc == MP_SPF_MACRO_SYNTAX)
		abort();        /* the checker and the expander disagree */
	mp_buf_fini(&out);
	return 0;
}
