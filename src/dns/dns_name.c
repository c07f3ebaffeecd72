/* dns_name.c - domain names in presentation and wire form (RFC 1035 §3.1,
 * §5.1), type and status names, questions, answer copies.
 *
 * Presentation names may carry \. \\ \DDD escapes so any label byte can be
 * named; wire names are at most MP_LIMIT_DNS_NAME bytes. Compression
 * pointers (RFC 1035 §4.1.4) are followed at most MP_LIMIT_DNS_POINTERS
 * times and only backwards. Thread-safe.
 */
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

static const struct {
	uint16_t type;
	const char *name;
} types[] = {
	{ MP_DNS_T_A, "A" },         { MP_DNS_T_NS, "NS" },     { MP_DNS_T_CNAME, "CNAME" },
	{ MP_DNS_T_SOA, "SOA" },     { MP_DNS_T_PTR, "PTR" },   { MP_DNS_T_MX, "MX" },
	{ MP_DNS_T_TXT, "TXT" },     { MP_DNS_T_AAAA, "AAAA" }, { MP_DNS_T_TLSA, "TLSA" },
	{ MP_DNS_T_SPF, "SPF" },
};

/* mp_dns_type_name - "TXT"; unknown types in RFC 3597 form "TYPE99".
 * The generic form lives in a thread-local buffer, valid until the next
 * call from the same thread. */
const char *
mp_dns_type_name(uint16_t type)
{
	static _Thread_local char generic[sizeof "TYPE65535"];
	char digits[6];
	size_t n = 0;
	unsigned v = type;

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == type)
			return types[i].name;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	memcpy(generic, "TYPE", 4);
	for (size_t i = 0; i < n; i++)
		generic[4 + i] = digits[n - 1 - i];
	generic[4 + n] = '\0';
	return generic;
}

/* mp_dns_type_parse - mnemonic or RFC 3597 "TYPEnnn", any case */
bool
mp_dns_type_parse(struct mp_str s, uint16_t *type)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (mp_str_eq_nocase_c(s, types[i].name)) {
			*type = types[i].type;
			return true;
		}
	if (s.len > 4 && mp_str_starts_nocase(s, MP_STR_LIT("TYPE")) &&
	    mp_parse_u64(mp_str_make(s.ptr + 4, s.len - 4), 65535, &v) && v > 0) {
		*type = (uint16_t)v;
		return true;
	}
	return false;
}

/* mp_dns_status_name - lower-case token of a status */
const char *
mp_dns_status_name(enum mp_dns_status s)
{
	switch (s) {
	case MP_DNS_OK: return "ok";
	case MP_DNS_NODATA: return "nodata";
	case MP_DNS_NXDOMAIN: return "nxdomain";
	case MP_DNS_SERVFAIL: return "servfail";
	case MP_DNS_TIMEOUT: return "timeout";
	case MP_DNS_REFUSED: return "refused";
	case MP_DNS_MALFORMED: return "malformed";
	}
	return "malformed";
}

/* mp_dnssec_name - lower-case token of a DNSSEC state */
const char *
mp_dnssec_name(enum mp_dnssec d)
{
	switch (d) {
	case MP_DNSSEC_UNCHECKED: return "unchecked";
	case MP_DNSSEC_INSECURE: return "insecure";
	case MP_DNSSEC_SECURE: return "secure";
	case MP_DNSSEC_BOGUS: return "bogus";
	}
	return "unchecked";
}

/* mp_dns_question_set - fill a question with fixed storage */
enum mp_status
mp_dns_question_set(struct mp_dns_question *q, uint16_t type, struct mp_str name)
{
	q->type = type;
	if (name.len > MP_LIMIT_DNS_NAME_TEXT) {
		q->name_len = 0;
		q->name[0] = '\0';
		return MP_ELIMIT;
	}
	if (name.len)
		memcpy(q->name, name.ptr, name.len);
	q->name[name.len] = '\0';
	q->name_len = name.len;
	return MP_OK;
}

/* decode_escape - one escape after '\' at s[*i]; false when malformed */
static bool
decode_escape(struct mp_str s, size_t *i, uint8_t *out)
{
	unsigned v;

	if (*i >= s.len)
		return false;
	if (!mp_is_digit((unsigned char)s.ptr[*i])) {
		*out = (uint8_t)s.ptr[(*i)++];
		return true;
	}
	if (s.len - *i < 3 || !mp_is_digit((unsigned char)s.ptr[*i + 1]) ||
	    !mp_is_digit((unsigned char)s.ptr[*i + 2]))
		return false;
	v = (unsigned)(s.ptr[*i] - '0') * 100 + (unsigned)(s.ptr[*i + 1] - '0') * 10 +
	    (unsigned)(s.ptr[*i + 2] - '0');
	if (v > 255)
		return false;
	*out = (uint8_t)v;
	*i += 3;
	return true;
}

/* mp_dns_name_parse - presentation to wire, relative names under origin */
bool
mp_dns_name_parse(struct mp_str s, const struct mp_dns_wname *origin,
                  struct mp_dns_wname *out, const char **err)
{
	size_t i = 0, lab = 0, labstart;
	uint8_t c;
	bool absolute = false;

	out->len = 0;
	*err = "empty name";
	if (s.len == 0)
		return false;
	if (s.len == 1 && s.ptr[0] == '.') {
		out->b[0] = 0;
		out->len = 1;
		return true;
	}
	labstart = 0;
	out->b[0] = 0;
	out->len = 1;
	while (i < s.len) {
		if (s.ptr[i] == '.') {
			*err = "empty label";
			if (lab == 0)
				return false;
			out->b[labstart] = (uint8_t)lab;
			i++;
			if (i == s.len) {
				absolute = true;
				break;
			}
			labstart = out->len;
			*err = "name longer than 255 bytes";
			if (out->len >= MP_LIMIT_DNS_NAME)
				return false;
			out->b[out->len++] = 0;
			lab = 0;
			continue;
		}
		if (s.ptr[i] == '\\') {
			i++;
			*err = "bad escape in name";
			if (!decode_escape(s, &i, &c))
				return false;
		} else {
			c = (uint8_t)s.ptr[i++];
		}
		*err = "label longer than 63 bytes";
		if (lab >= MP_LIMIT_DNS_LABEL)
			return false;
		*err = "name longer than 255 bytes";
		if (out->len >= MP_LIMIT_DNS_NAME)
			return false;
		out->b[out->len++] = c;
		lab++;
	}
	if (!absolute)
		out->b[labstart] = (uint8_t)lab;
	/* out now holds labels without the root byte; add origin or root */
	if (absolute || origin == NULL || origin->len <= 1) {
		*err = "name longer than 255 bytes";
		if (out->len >= MP_LIMIT_DNS_NAME)
			return false;
		out->b[out->len++] = 0;
		return true;
	}
	*err = "name longer than 255 bytes";
	if (origin->len > MP_LIMIT_DNS_NAME - out->len)
		return false;
	memcpy(out->b + out->len, origin->b, origin->len);
	out->len += origin->len;
	return true;
}

/* mp_dns_wname_lower - ASCII lower case of label bytes */
void
mp_dns_wname_lower(const struct mp_dns_wname *in, struct mp_dns_wname *out)
{
	size_t i = 0;

	out->len = in->len;
	while (i < in->len) {
		size_t n = in->b[i];
		out->b[i++] = (uint8_t)n;
		for (size_t k = 0; k < n && i < in->len; k++, i++)
			out->b[i] = mp_lower(in->b[i]);
	}
}

/* mp_dns_name_to_wire - public presentation-to-wire */
bool
mp_dns_name_to_wire(struct mp_str name, uint8_t *wire, size_t *wire_len)
{
	struct mp_dns_wname w;
	const char *err;

	*wire_len = 0;
	if (!mp_dns_name_parse(name, NULL, &w, &err))
		return false;
	memcpy(wire, w.b, w.len);
	*wire_len = w.len;
	return true;
}

/* append_label - one label escaped for presentation */
static enum mp_status
append_label(struct mp_buf *out, const uint8_t *p, size_t n)
{
	enum mp_status st = MP_OK;

	for (size_t i = 0; i < n && st == MP_OK; i++) {
		uint8_t c = p[i];
		if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' ||
		    c == '@' || c == '$')
			st = mp_buf_printf(out, "\\%c", c);
		else if (c < 0x21 || c > 0x7e)
			st = mp_buf_printf(out, "\\%03u", (unsigned)c);
		else
			st = mp_buf_append_byte(out, (char)c);
	}
	return st;
}

/* mp_dns_name_from_wire - uncompressed wire name to presentation */
enum mp_status
mp_dns_name_from_wire(const uint8_t *wire, size_t wire_len, struct mp_buf *out)
{
	size_t i = 0;
	enum mp_status st;

	if (wire_len == 0 || wire_len > MP_LIMIT_DNS_NAME)
		return MP_EINVAL;
	if (wire[0] == 0)
		return mp_buf_append_byte(out, '.');
	while (i < wire_len && wire[i] != 0) {
		size_t n = wire[i];
		if (n > MP_LIMIT_DNS_LABEL || n >= wire_len - i)
			return MP_EINVAL;
		if (i > 0 && (st = mp_buf_append_byte(out, '.')) != MP_OK)
			return st;
		if ((st = append_label(out, wire + i + 1, n)) != MP_OK)
			return st;
		i += n + 1;
	}
	return i < wire_len ? MP_OK : MP_EINVAL;
}

/* mp_dns_wname_str - presentation form into an arena */
struct mp_str
mp_dns_wname_str(struct mp_arena *a, const uint8_t *w, size_t len)
{
	struct mp_buf b;
	struct mp_str s = MP_STR_NULL;

	mp_buf_init(&b, MP_LIMIT_DNS_NAME_TEXT);
	if (mp_dns_name_from_wire(w, len, &b) == MP_OK)
		s = mp_arena_strdup(a, mp_buf_str(&b));
	mp_buf_fini(&b);
	return s;
}

/* mp_dns_name_eq - case-insensitive, escapes decoded, trailing dot ignored */
bool
mp_dns_name_eq(struct mp_str a, struct mp_str b)
{
	struct mp_dns_wname wa, wb, la, lb;
	const char *err;

	if (!mp_dns_name_parse(a, NULL, &wa, &err) || !mp_dns_name_parse(b, NULL, &wb, &err))
		return mp_str_eq_nocase(a, b);
	mp_dns_wname_lower(&wa, &la);
	mp_dns_wname_lower(&wb, &lb);
	return la.len == lb.len && memcmp(la.b, lb.b, la.len) == 0;
}

/* mp_dns_wire_name_read - possibly compressed name from a message */
bool
mp_dns_wire_name_read(const uint8_t *msg, size_t msglen, size_t *off,
                      struct mp_dns_wname *out)
{
	size_t p = *off, end = 0, jumps = 0;
	bool jumped = false;

	out->len = 0;
	for (;;) {
		if (p >= msglen)
			return false;
		uint8_t n = msg[p];
		if ((n & 0xc0) == 0xc0) {
			size_t target;
			if (p + 1 >= msglen || ++jumps > MP_LIMIT_DNS_POINTERS)
				return false;
			target = ((size_t)(n & 0x3f) << 8) | msg[p + 1];
			if (target >= p)        /* only backwards: no loops */
				return false;
			if (!jumped)
				end = p + 2;
			jumped = true;
			p = target;
			continue;
		}
		if ((n & 0xc0) != 0)           /* RFC 6891 extended labels: refused */
			return false;
		if (n > msglen - p - 1 || out->len + n + 1 > MP_LIMIT_DNS_NAME)
			return false;
		memcpy(out->b + out->len, msg + p, (size_t)n + 1);
		out->len += (size_t)n + 1;
		p += (size_t)n + 1;
		if (n == 0)
			break;
	}
	*off = jumped ? end : p;
	return true;
}
