/* audit_rdns.c - reverse DNS of sending servers: PTR present (RFC 1035
 * §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa), forward-confirmed (the PTR
 * name's A/AAAA include the address), a dynamic-pool-looking name, and
 * whether the server's HELO name is its PTR name (RFC 5321 §4.1.4 asks for
 * the primary host name).
 *
 * Lookups go through any struct mp_resolver (zone data in tests); at most
 * MP_LIMIT_AUDIT_PTR_NAMES names are checked. A DNS failure is a
 * dns-temperror finding, never a pass. Thread-safe per resolver.
 */
#include <arpa/inet.h>
#include <string.h>

#include <mailproof/audit.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "audit_internal.h"

/* add - one finding (detail copied into a) */
static enum mp_status
add(struct mp_audit_rdns *r, struct mp_arena *a, enum mp_audit_finding_id id, struct mp_str detail)
{
	struct mp_audit_finding *f;

	if (r->nfindings == sizeof r->findings / sizeof r->findings[0])
		return MP_ELIMIT;
	f = &r->findings[r->nfindings];
	f->id = id;
	f->detail = detail.len ? mp_arena_strdup(a, detail) : MP_STR_LIT("");
	if (f->detail.ptr == NULL)
		return MP_ENOMEM;
	r->nfindings++;
	return MP_OK;
}

/* reverse_name - "4.3.2.1.in-addr.arpa" or the 32 nibbles of ip6.arpa */
static struct mp_str
reverse_name(const uint8_t *b, size_t len, struct mp_arena *a)
{
	static const char hex[] = "0123456789abcdef";
	char buf[80];
	size_t n = 0;

	if (len == 4)
		return mp_arena_printf(a, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
	for (size_t i = 16; i-- > 0;) {
		buf[n++] = hex[b[i] & 15];
		buf[n++] = '.';
		buf[n++] = hex[b[i] >> 4];
		buf[n++] = '.';
	}
	memcpy(buf + n, "ip6.arpa", 8);
	return mp_arena_strdup(a, mp_str_make(buf, n + 8));
}

/* query - one synchronous question; NULL only on ENOMEM */
static const struct mp_dns_answer *
query(struct mp_resolver *r, uint16_t type, struct mp_str name, struct mp_arena *a)
{
	struct mp_dns_question q;
	const struct mp_dns_answer *ans = NULL;

	if (mp_dns_question_set(&q, type, name) != MP_OK)
		return NULL;
	if (mp_resolver_query(r, &q, a, &ans) != MP_OK)
		return NULL;
	return ans;
}

/* forward_confirms - do name's addresses include b? -1 DNS failure */
static int
forward_confirms(struct mp_resolver *r, struct mp_str name, const uint8_t *b, size_t len,
                 struct mp_arena *a)
{
	const struct mp_dns_answer *ans = query(r, len == 4 ? MP_DNS_T_A : MP_DNS_T_AAAA, name, a);

	if (ans == NULL || mp_dns_state_of(ans->status) == MP_DNS_INDETERMINATE)
		return -1;
	for (size_t i = 0; i < ans->nrr; i++)
		if (memcmp(len == 4 ? ans->rr[i].u.a : ans->rr[i].u.aaaa, b, len) == 0)
			return 1;
	return 0;
}

/* has_word - is w one of name's words (split at '.', '-', digits)? */
static bool
has_word(struct mp_str name, const char *w)
{
	size_t wl = strlen(w), i = 0, start;

	while (i < name.len) {
		while (i < name.len && !mp_is_alpha((unsigned char)name.ptr[i]))
			i++;
		start = i;
		while (i < name.len && mp_is_alpha((unsigned char)name.ptr[i]))
			i++;
		if (i - start == wl && mp_str_eq_nocase_c(mp_str_make(name.ptr + start, wl), w))
			return true;
	}
	return false;
}

/* digit_runs - the numbers in name, in order (at most max) */
static size_t
digit_runs(struct mp_str name, unsigned *out, size_t max)
{
	size_t n = 0, i = 0;
	unsigned v;

	while (i < name.len && n < max) {
		if (!mp_is_digit((unsigned char)name.ptr[i])) {
			i++;
			continue;
		}
		for (v = 0; i < name.len && mp_is_digit((unsigned char)name.ptr[i]); i++)
			v = v > 100000 ? v : v * 10 + (unsigned)(name.ptr[i] - '0');
		out[n++] = v;
	}
	return n;
}

/* has_octets - the four octets consecutive in runs, forwards or backwards */
static bool
has_octets(const unsigned *runs, size_t n, const uint8_t *b)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		bool fwd = true, back = true;
		for (size_t k = 0; k < 4; k++) {
			fwd &= runs[i + k] == b[k];
			back &= runs[i + k] == b[3 - k];
		}
		if (fwd || back)
			return true;
	}
	return false;
}

bool
mp_audit_name_looks_dynamic(struct mp_str name, const uint8_t *b, size_t len, struct mp_arena *a,
                            struct mp_str *hint)
{
	static const char *const words[] = {
		"dynamic", "dyn", "dhcp", "pool", "dsl", "adsl", "vdsl", "cable", "dialup", "dial",
		"ppp", "pppoe", "broadband", "customer", "cust", "client", "residential", "dip",
		"ftth", "fttx", "unassigned", "nat",
	};
	unsigned runs[64];
	size_t n;
	struct mp_str dec, hex;

	*hint = MP_STR_LIT("");
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (has_word(name, words[i])) {
			*hint = mp_arena_printf(a, "the word \"%s\"", words[i]);
			return true;
		}
	if (len != 4)
		return false;
	n = digit_runs(name, runs, sizeof runs / sizeof runs[0]);
	if (has_octets(runs, n, b)) {
		*hint = MP_STR_LIT("the address's numbers");
		return true;
	}
	/* 192000002001 and c0000201 forms */
	dec = mp_arena_printf(a, "%03u%03u%03u%03u", b[0], b[1], b[2], b[3]);
	hex = mp_arena_printf(a, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	for (size_t i = 0; dec.ptr && hex.ptr && i < name.len; i++) {
		struct mp_str rest = mp_str_make(name.ptr + i, name.len - i);
		if (mp_str_starts_nocase(rest, dec) || mp_str_starts_nocase(rest, hex)) {
			*hint = MP_STR_LIT("the address written out");
			return true;
		}
	}
	return false;
}

/* check_names - PTR names: forward-confirm each, pick the name to judge */
static enum mp_status
check_names(struct mp_resolver *r, struct mp_audit_rdns *res, const struct mp_dns_answer *ptr,
            const uint8_t *b, size_t len, struct mp_arena *a, bool *temperror)
{
	int fc;

	for (size_t i = 0; i < ptr->nrr && res->nnames < MP_LIMIT_AUDIT_PTR_NAMES; i++) {
		res->names[res->nnames] = mp_arena_strdup(a, ptr->rr[i].u.name);
		if (res->names[res->nnames].ptr == NULL)
			return MP_ENOMEM;
		res->nnames++;
	}
	res->name = res->nnames ? res->names[0] : MP_STR_LIT("");
	for (size_t i = 0; i < res->nnames && !res->confirmed; i++) {
		if ((fc = forward_confirms(r, res->names[i], b, len, a)) < 0)
			*temperror = true;
		else if (fc == 1) {
			res->confirmed = true;
			res->name = res->names[i];
		}
	}
	return MP_OK;
}

/* judge - findings from what was found */
static enum mp_status
judge(struct mp_audit_rdns *res, struct mp_str helo, const uint8_t *b, size_t len,
      struct mp_arena *a, bool temperror)
{
	enum mp_status st = MP_OK;

	if (!res->confirmed && temperror)
		return add(res, a, MP_AF_DNS_TEMPERROR, mp_arena_printf(a, "%s of %.*s",
		    len == 4 ? "A" : "AAAA", (int)res->name.len, res->name.ptr));
	if (!res->confirmed)
		st = add(res, a, MP_AF_RDNS_NOT_CONFIRMED, res->name);
	res->dynamic = mp_audit_name_looks_dynamic(res->name, b, len, a, &res->dynamic_hint);
	if (st == MP_OK && res->dynamic)
		st = add(res, a, MP_AF_RDNS_DYNAMIC, mp_arena_printf(a, "%.*s: %.*s", (int)res->name.len,
		    res->name.ptr, (int)res->dynamic_hint.len, res->dynamic_hint.ptr));
	if (helo.len > 0) {
		res->helo_checked = true;
		for (size_t i = 0; i < res->nnames; i++)
			res->helo_match |= mp_dns_name_eq(helo, res->names[i]);
		if (st == MP_OK && !res->helo_match)
			st = add(res, a, MP_AF_RDNS_HELO_MISMATCH, mp_arena_printf(a, "HELO %.*s, PTR %.*s",
			    (int)helo.len, helo.ptr, (int)res->name.len, res->name.ptr));
	}
	return st;
}

enum mp_status
mp_audit_rdns(struct mp_resolver *r, struct mp_str ip, struct mp_str helo, struct mp_arena *a,
              struct mp_audit_rdns **out, struct mp_why *why)
{
	char text[INET6_ADDRSTRLEN + 1];
	uint8_t b[16];
	size_t len;
	struct mp_audit_rdns *res;
	const struct mp_dns_answer *ptr;
	bool temperror = false;
	enum mp_status st;

	*out = NULL;
	mp_why_clear(why);
	if (ip.len == 0 || ip.len >= sizeof text)
		return mp_why_set(why, MP_REASON_SYNTAX), MP_EINVAL;
	memcpy(text, ip.ptr, ip.len);
	text[ip.len] = '\0';
	len = inet_pton(AF_INET, text, b) == 1 ? 4 : inet_pton(AF_INET6, text, b) == 1 ? 16 : 0;
	if (len == 0)
		return mp_why_setf(why, MP_REASON_SYNTAX, "not an IP address: %s", text), MP_EINVAL;
	if ((res = mp_arena_zalloc(a, sizeof *res)) == NULL)
		return MP_ENOMEM;
	inet_ntop(len == 4 ? AF_INET : AF_INET6, b, text, sizeof text);
	res->ip = mp_arena_strdup(a, mp_str_c(text));
	res->reverse = reverse_name(b, len, a);
	res->name = MP_STR_LIT("");
	res->dynamic_hint = MP_STR_LIT("");
	if (res->ip.ptr == NULL || res->reverse.ptr == NULL ||
	    (ptr = query(r, MP_DNS_T_PTR, res->reverse, a)) == NULL)
		return MP_ENOMEM;
	res->ptr_status = ptr->status;
	*out = res;
	if (mp_dns_state_of(ptr->status) == MP_DNS_INDETERMINATE)
		return add(res, a, MP_AF_DNS_TEMPERROR, mp_arena_printf(a, "PTR %s: %s",
		    res->reverse.ptr, mp_dns_status_name(ptr->status)));
	if (ptr->nrr == 0)
		return add(res, a, MP_AF_RDNS_NO_PTR, res->reverse);
	if ((st = check_names(r, res, ptr, b, len, a, &temperror)) != MP_OK)
		return st;
	return judge(res, helo, b, len, a, temperror);
}
