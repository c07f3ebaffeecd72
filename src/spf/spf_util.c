/* spf_util.c - addresses and names for SPF: IPv4/IPv6 parsing and printing
 * without the socket headers (cores do no I/O), CIDR matching (RFC 7208
 * §5.6), reverse names (§5.5), %{i} forms (§7.3), domain checks (§4.3),
 * result names. Pure functions; thread-safe.
 */
#include <stdio.h>
#include <string.h>

#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "spf_internal.h"

static const char *const result_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
};

/* mp_spf_result_name - RFC token of a result */
const char *
mp_spf_result_name(enum mp_spf_result r)
{
	if ((unsigned)r >= sizeof result_names / sizeof result_names[0])
		return "permerror";
	return result_names[r];
}

/* mp_spf_result_parse - RFC token to result */
bool
mp_spf_result_parse(struct mp_str s, enum mp_spf_result *out)
{
	for (size_t i = 0; i < sizeof result_names / sizeof result_names[0]; i++)
		if (mp_str_eq_nocase_c(s, result_names[i])) {
			*out = (enum mp_spf_result)i;
			return true;
		}
	return false;
}

/* mp_spf_ip4_parse - dotted quad, RFC 7208 §12 ip4-network (no leading zeros) */
bool
mp_spf_ip4_parse(struct mp_str s, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;

		if (part > 0) {
			if (i >= s.len || s.ptr[i] != '.')
				return false;
			i++;
		}
		while (i < s.len && mp_is_digit((unsigned char)s.ptr[i]) && nd < 4) {
			v = v * 10 + (unsigned)(s.ptr[i] - '0');
			i++;
			nd++;
		}
		if (nd == 0 || nd > 3 || v > 255 || (nd > 1 && s.ptr[i - nd] == '0'))
			return false;
		out[part] = (uint8_t)v;
	}
	return i == s.len;
}

/* hexval - value of a hex digit */
static unsigned
hexval(unsigned char c)
{
	if (mp_is_digit(c))
		return (unsigned)(c - '0');
	return (unsigned)((c | 0x20) - 'a' + 10);
}

/* mp_spf_ip6_parse - RFC 4291 §2.2 text form, "::" and trailing IPv4 */
bool
mp_spf_ip6_parse(struct mp_str s, uint8_t out[16])
{
	uint16_t w[8];
	int nw = 0, gap = -1;
	size_t i = 0;

	if (s.len < 2)
		return false;
	if (s.ptr[0] == ':') {
		if (s.ptr[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	while (i < s.len) {
		size_t start = i;
		unsigned v = 0;

		if (nw >= 8)
			return false;
		while (i < s.len && mp_is_hex((unsigned char)s.ptr[i]) && i - start < 4)
			v = v * 16 + hexval((unsigned char)s.ptr[i++]);
		if (i < s.len && s.ptr[i] == '.') {     /* embedded IPv4 */
			uint8_t v4[4];

			if (nw > 6 || !mp_spf_ip4_parse(mp_str_make(s.ptr + start, s.len - start), v4))
				return false;
			w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
			w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = s.len;
			break;
		}
		if (i == start)
			return false;
		w[nw++] = (uint16_t)v;
		if (i == s.len)
			break;
		if (s.ptr[i] != ':')
			return false;
		i++;
		if (i < s.len && s.ptr[i] == ':') {
			if (gap >= 0)
				return false;
			gap = nw;
			i++;
		} else if (i == s.len) {
			return false;           /* trailing single ':' */
		}
	}
	if (gap < 0 && nw != 8)
		return false;
	if (gap >= 0 && nw > 7)
		return false;
	memset(out, 0, 16);
	for (int k = 0; k < nw; k++) {
		int pos = (gap >= 0 && k >= gap) ? 8 - (nw - k) : k;
		out[2 * pos] = (uint8_t)(w[k] >> 8);
		out[2 * pos + 1] = (uint8_t)w[k];
	}
	return true;
}

/* mp_spf_ip_parse - IPv4 or IPv6; IPv4-mapped IPv6 becomes IPv4 */
bool
mp_spf_ip_parse(struct mp_str s, struct mp_spf_ip *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, sizeof *out);
	if (mp_spf_ip4_parse(s, out->addr)) {
		out->family = 4;
		return true;
	}
	if (!mp_spf_ip6_parse(s, out->addr))
		return false;
	out->family = 6;
	if (memcmp(out->addr, mapped, 12) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = 4;
	}
	return true;
}

/* mp_spf_ip_format - presentation form; IPv6 per RFC 5952 */
void
mp_spf_ip_format(const struct mp_spf_ip *ip, char out[46])
{
	int best = -1, bestlen = 0, n = 0;
	size_t o = 0;

	if (ip->family == 4) {
		snprintf(out, 46, "%u.%u.%u.%u", ip->addr[0], ip->addr[1], ip->addr[2],
		    ip->addr[3]);
		return;
	}
	for (int k = 0; k < 8; k++) {           /* longest run of zero words, >= 2 */
		bool zero = ip->addr[2 * k] == 0 && ip->addr[2 * k + 1] == 0;

		n = zero ? n + 1 : 0;
		if (n > bestlen && n >= 2) {
			bestlen = n;
			best = k - n + 1;
		}
	}
	out[0] = '\0';
	for (int k = 0; k < 8; k++) {
		if (k == best) {
			o += (size_t)snprintf(out + o, 46 - o, "::");
			k += bestlen - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, 46 - o, "%s%x",
		    (k == 0 || k == best + bestlen) ? "" : ":",
		    (unsigned)(ip->addr[2 * k] << 8 | ip->addr[2 * k + 1]));
	}
}

/* mp_spf_ip_in - prefix match of bits leading bits */
bool
mp_spf_ip_in(const struct mp_spf_ip *ip, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(ip->addr, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((ip->addr[full] ^ net[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* mp_spf_ip_reverse - PTR question name (RFC 7208 §5.5) */
void
mp_spf_ip_reverse(const struct mp_spf_ip *ip, struct mp_buf *out)
{
	static const char hex[] = "0123456789abcdef";

	if (ip->family == 4) {
		mp_buf_printf(out, "%u.%u.%u.%u.in-addr.arpa", ip->addr[3], ip->addr[2],
		    ip->addr[1], ip->addr[0]);
		return;
	}
	for (int k = 15; k >= 0; k--) {
		char two[4] = { hex[ip->addr[k] & 15], '.', hex[ip->addr[k] >> 4], '.' };

		mp_buf_append(out, two, 4);
	}
	mp_buf_append_c(out, "ip6.arpa");
}

/* mp_spf_ip_dotted - %{i} (RFC 7208 §7.3: IPv6 as dot-separated nibbles) */
void
mp_spf_ip_dotted(const struct mp_spf_ip *ip, struct mp_buf *out)
{
	static const char hex[] = "0123456789abcdef";

	if (ip->family == 4) {
		mp_buf_printf(out, "%u.%u.%u.%u", ip->addr[0], ip->addr[1], ip->addr[2],
		    ip->addr[3]);
		return;
	}
	for (int k = 0; k < 16; k++) {
		char four[4] = { hex[ip->addr[k] >> 4], '.', hex[ip->addr[k] & 15], '.' };

		mp_buf_append(out, four, k == 15 ? 3 : 4);
	}
}

/* mp_spf_domain_ok - RFC 7208 §4.3: multi-label, labels 1..63, <= 253 */
bool
mp_spf_domain_ok(struct mp_str d)
{
	size_t label = 0, labels = 0;

	if (d.len > 0 && d.ptr[d.len - 1] == '.')
		d.len--;
	if (d.len == 0 || d.len > 253 || d.ptr[0] == '[')
		return false;           /* a domain literal is not a domain (§4.3) */
	for (size_t i = 0; i < d.len; i++) {
		unsigned char c = (unsigned char)d.ptr[i];

		if (c == '.') {
			if (label == 0)
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (++label > 63)
			return false;
	}
	return label > 0 && labels >= 1;
}

/* mp_spf_name_under - child == parent or child ends with "." parent */
bool
mp_spf_name_under(struct mp_str child, struct mp_str parent)
{
	if (child.len && child.ptr[child.len - 1] == '.')
		child.len--;
	if (parent.len && parent.ptr[parent.len - 1] == '.')
		parent.len--;
	if (child.len < parent.len)
		return false;
	if (!mp_str_ends_nocase(child, parent))
		return false;
	return child.len == parent.len || child.ptr[child.len - parent.len - 1] == '.';
}
