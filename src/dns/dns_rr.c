/* dns_rr.c - resource record data: wire RDATA to struct mp_dns_rr (RFC 1035
 * §3.3), deep copies of records and answers.
 *
 * The same decoder serves the zone store (which keeps wire RDATA) and the
 * libunbound driver (which gets packets), so both drivers answer alike.
 * Everything decoded lives in the caller's arena. Thread-safe.
 */
#include <arpa/inet.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

/* decode_name - a (possibly compressed) name inside rdata */
static enum mp_status
decode_name(struct mp_arena *a, const uint8_t *msg, size_t msglen, size_t *off,
            size_t end, struct mp_str *out, bool *bad)
{
	struct mp_dns_wname w;
	size_t o = *off;

	/* pointers may reach anywhere before; the inline part stays in rdata */
	if (!mp_dns_wire_name_read(msg, msglen, &o, &w) || o > end) {
		*bad = true;
		return MP_OK;
	}
	*off = o;
	*out = mp_dns_wname_str(a, w.b, w.len);
	return out->ptr ? MP_OK : MP_ENOMEM;
}

/* decode_txt - RFC 1035 §3.3.14: one or more <character-string>s */
static enum mp_status
decode_txt(struct mp_arena *a, const uint8_t *p, size_t len, struct mp_dns_txt *t,
           bool *bad)
{
	size_t n = 0, total = 0, i;
	struct mp_str *strings;
	char *joined;

	for (i = 0; i < len; i += (size_t)p[i] + 1) {
		if ((size_t)p[i] > len - i - 1) {
			*bad = true;
			return MP_OK;
		}
		n++;
		total += p[i];
	}
	if (n == 0) {   /* RFC 1035 needs one string; empty rdata is malformed */
		*bad = true;
		return MP_OK;
	}
	strings = mp_arena_alloc(a, n * sizeof *strings);
	joined = mp_arena_alloc(a, total + 1);
	if (strings == NULL || joined == NULL)
		return MP_ENOMEM;
	t->joined = mp_str_make(joined, total);
	t->strings = strings;
	t->nstrings = n;
	for (i = 0, n = 0, total = 0; i < len; i += (size_t)p[i] + 1, n++) {
		memcpy(joined + total, p + i + 1, p[i]);
		strings[n] = mp_str_make(joined + total, p[i]);
		total += p[i];
	}
	joined[total] = '\0';
	return MP_OK;
}

/* decode_soa - RFC 1035 §3.3.13; names may be compressed in a packet
 * (RFC 3597 §4), so the raw rdata kept is rebuilt without compression */
static enum mp_status
decode_soa(struct mp_arena *a, const uint8_t *msg, size_t msglen, size_t off, size_t end,
           struct mp_str *out, bool *bad)
{
	struct mp_dns_wname m, r;
	uint8_t *p;

	if (!mp_dns_wire_name_read(msg, msglen, &off, &m) || off > end ||
	    !mp_dns_wire_name_read(msg, msglen, &off, &r) || off > end || end - off != 20) {
		*bad = true;
		return MP_OK;
	}
	if ((p = mp_arena_alloc(a, m.len + r.len + 20 + 1)) == NULL)
		return MP_ENOMEM;
	memcpy(p, m.b, m.len);
	memcpy(p + m.len, r.b, r.len);
	memcpy(p + m.len + r.len, msg + off, 20);
	p[m.len + r.len + 20] = 0;
	*out = mp_str_make((const char *)p, m.len + r.len + 20);
	return MP_OK;
}

/* mp_dns_rr_decode - rdata of one record */
enum mp_status
mp_dns_rr_decode(struct mp_arena *a, uint16_t type, uint32_t ttl, const uint8_t *msg,
                 size_t msglen, size_t off, size_t rdlen, struct mp_dns_rr *rr, bool *bad)
{
	size_t end = off + rdlen;
	enum mp_status st;

	*bad = false;
	memset(rr, 0, sizeof *rr);
	rr->type = type;
	rr->ttl = ttl;
	if (off > msglen || rdlen > msglen - off) {
		*bad = true;
		return MP_OK;
	}
	switch (type) {
	case MP_DNS_T_A:
		if (rdlen != 4)
			break;
		memcpy(rr->u.a, msg + off, 4);
		return MP_OK;
	case MP_DNS_T_AAAA:
		if (rdlen != 16)
			break;
		memcpy(rr->u.aaaa, msg + off, 16);
		return MP_OK;
	case MP_DNS_T_NS:
	case MP_DNS_T_CNAME:
	case MP_DNS_T_PTR:
		st = decode_name(a, msg, msglen, &off, end, &rr->u.name, bad);
		if (st == MP_OK && !*bad && off != end)
			*bad = true;
		return st;
	case MP_DNS_T_MX:
		if (rdlen < 3)
			break;
		rr->u.mx.pref = (uint16_t)(msg[off] << 8 | msg[off + 1]);
		off += 2;
		st = decode_name(a, msg, msglen, &off, end, &rr->u.mx.host, bad);
		if (st == MP_OK && !*bad && off != end)
			*bad = true;
		return st;
	case MP_DNS_T_TXT:
		return decode_txt(a, msg + off, rdlen, &rr->u.txt, bad);
	case MP_DNS_T_SOA:
		return decode_soa(a, msg, msglen, off, end, &rr->u.rdata, bad);
	default:
		rr->u.rdata = mp_arena_strdup(a, mp_str_make((const char *)msg + off, rdlen));
		return rr->u.rdata.ptr ? MP_OK : MP_ENOMEM;
	}
	*bad = true;
	return MP_OK;
}

/* mp_dns_rr_copy - deep copy of one record */
enum mp_status
mp_dns_rr_copy(struct mp_arena *a, const struct mp_dns_rr *src, struct mp_dns_rr *dst)
{
	struct mp_str *strings;

	*dst = *src;
	switch (src->type) {
	case MP_DNS_T_A:
	case MP_DNS_T_AAAA:
		return MP_OK;
	case MP_DNS_T_NS:
	case MP_DNS_T_CNAME:
	case MP_DNS_T_PTR:
		dst->u.name = mp_arena_strdup(a, src->u.name);
		return dst->u.name.ptr ? MP_OK : MP_ENOMEM;
	case MP_DNS_T_MX:
		dst->u.mx.host = mp_arena_strdup(a, src->u.mx.host);
		return dst->u.mx.host.ptr ? MP_OK : MP_ENOMEM;
	case MP_DNS_T_TXT:
		dst->u.txt.joined = mp_arena_strdup(a, src->u.txt.joined);
		if (dst->u.txt.joined.ptr == NULL)
			return MP_ENOMEM;
		if (src->u.txt.nstrings == 0) {
			dst->u.txt.strings = NULL;
			return MP_OK;
		}
		strings = mp_arena_alloc(a, src->u.txt.nstrings * sizeof *strings);
		if (strings == NULL)
			return MP_ENOMEM;
		/* strings are consecutive slices of joined */
		for (size_t i = 0, at = 0; i < src->u.txt.nstrings; i++) {
			strings[i] = mp_str_make(dst->u.txt.joined.ptr + at, src->u.txt.strings[i].len);
			at += src->u.txt.strings[i].len;
		}
		dst->u.txt.strings = strings;
		return MP_OK;
	default:
		dst->u.rdata = mp_arena_strdup(a, src->u.rdata);
		return dst->u.rdata.ptr ? MP_OK : MP_ENOMEM;
	}
}

/* dup_str - arena copy keeping NULL views NULL-free ("" instead) */
static bool
dup_str(struct mp_arena *a, struct mp_str s, struct mp_str *out)
{
	*out = mp_arena_strdup(a, s.ptr ? s : MP_STR_LIT(""));
	return out->ptr != NULL;
}

/* mp_dns_answer_dup - deep copy of an answer */
const struct mp_dns_answer *
mp_dns_answer_dup(struct mp_arena *a, const struct mp_dns_answer *src)
{
	struct mp_dns_answer *d;
	struct mp_dns_rr *rr = NULL;

	if ((d = mp_arena_alloc(a, sizeof *d)) == NULL)
		return NULL;
	*d = *src;
	if (!dup_str(a, src->qname, &d->qname) || !dup_str(a, src->canonical, &d->canonical) ||
	    !dup_str(a, src->why, &d->why))
		return NULL;
	if (src->nrr > 0) {
		if ((rr = mp_arena_alloc(a, src->nrr * sizeof *rr)) == NULL)
			return NULL;
		for (size_t i = 0; i < src->nrr; i++)
			if (mp_dns_rr_copy(a, &src->rr[i], &rr[i]) != MP_OK)
				return NULL;
	}
	d->rr = rr;
	return d;
}

/* mp_dns_answer_simple - an answer without records */
struct mp_dns_answer *
mp_dns_answer_simple(struct mp_arena *a, struct mp_str qname, uint16_t qtype,
                     enum mp_dns_status st, const char *why)
{
	struct mp_dns_answer *d;

	if ((d = mp_arena_zalloc(a, sizeof *d)) == NULL)
		return NULL;
	d->qtype = qtype;
	d->status = st;
	d->dnssec = MP_DNSSEC_UNCHECKED;
	if (!dup_str(a, qname, &d->qname) || !dup_str(a, mp_str_c(why ? why : ""), &d->why))
		return NULL;
	d->canonical = d->qname;
	return d;
}

/* fmt_name - a name with its trailing dot ("." stays ".") */
static enum mp_status
fmt_name(struct mp_str name, struct mp_buf *out)
{
	enum mp_status st = mp_buf_append_str(out, name);

	if (st == MP_OK && !(name.len == 1 && name.ptr[0] == '.'))
		st = mp_buf_append_byte(out, '.');
	return st;
}

/* fmt_string - one quoted <character-string> */
static enum mp_status
fmt_string(struct mp_str s, struct mp_buf *out)
{
	enum mp_status st = mp_buf_append_byte(out, '"');

	for (size_t i = 0; i < s.len && st == MP_OK; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '"' || c == '\\')
			st = mp_buf_printf(out, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			st = mp_buf_printf(out, "\\%03u", (unsigned)c);
		else
			st = mp_buf_append_byte(out, (char)c);
	}
	return st == MP_OK ? mp_buf_append_byte(out, '"') : st;
}

/* fmt_hex - bytes as lower-case hex */
static enum mp_status
fmt_hex(const uint8_t *p, size_t len, struct mp_buf *out)
{
	enum mp_status st = MP_OK;

	for (size_t i = 0; i < len && st == MP_OK; i++)
		st = mp_buf_printf(out, "%02x", p[i]);
	return st;
}

/* fmt_soa - mname rname serial refresh retry expire minimum */
static enum mp_status
fmt_soa(struct mp_str rd, struct mp_buf *out)
{
	const uint8_t *p = (const uint8_t *)rd.ptr;
	struct mp_dns_wname w;
	struct mp_buf name;
	size_t off = 0;
	enum mp_status st = MP_OK;

	mp_buf_init(&name, MP_LIMIT_DNS_NAME_TEXT);
	for (int i = 0; i < 2 && st == MP_OK; i++) {
		mp_buf_reset(&name);
		if (!mp_dns_wire_name_read(p, rd.len, &off, &w) ||
		    mp_dns_name_from_wire(w.b, w.len, &name) != MP_OK)
			st = MP_EINVAL;
		else
			st = fmt_name(mp_buf_str(&name), out);
		if (st == MP_OK)
			st = mp_buf_append_byte(out, ' ');
	}
	mp_buf_fini(&name);
	if (st != MP_OK || rd.len - off != 20)
		return st == MP_OK ? MP_EINVAL : st;
	for (int i = 0; i < 5 && st == MP_OK; i++, off += 4)
		st = mp_buf_printf(out, i ? " %u" : "%u",
		                   (unsigned)((uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
		                              (uint32_t)p[off + 2] << 8 | p[off + 3]));
	return st;
}

/* mp_dns_rr_format - master-file presentation of one record's data */
enum mp_status
mp_dns_rr_format(const struct mp_dns_rr *rr, struct mp_buf *out)
{
	char addr[INET6_ADDRSTRLEN];
	enum mp_status st = MP_OK;
	size_t mark = out->len;
	const uint8_t *raw;

	switch (rr->type) {
	case MP_DNS_T_A:
	case MP_DNS_T_AAAA:
		if (inet_ntop(rr->type == MP_DNS_T_A ? AF_INET : AF_INET6, rr->u.aaaa, addr,
		              sizeof addr) == NULL)
			return MP_EINVAL;
		return mp_buf_append_c(out, addr);
	case MP_DNS_T_NS:
	case MP_DNS_T_CNAME:
	case MP_DNS_T_PTR:
		return fmt_name(rr->u.name, out);
	case MP_DNS_T_MX:
		st = mp_buf_printf(out, "%u ", rr->u.mx.pref);
		return st == MP_OK ? fmt_name(rr->u.mx.host, out) : st;
	case MP_DNS_T_TXT:
		for (size_t i = 0; i < rr->u.txt.nstrings && st == MP_OK; i++) {
			if (i > 0)
				st = mp_buf_append_byte(out, ' ');
			if (st == MP_OK)
				st = fmt_string(rr->u.txt.strings[i], out);
		}
		return st;
	case MP_DNS_T_SOA:
		if ((st = fmt_soa(rr->u.rdata, out)) != MP_EINVAL)
			return st;
		out->len = mark;        /* undecodable: the generic form */
		break;
	case MP_DNS_T_TLSA:
		raw = (const uint8_t *)rr->u.rdata.ptr;
		if (rr->u.rdata.len < 4)
			break;
		st = mp_buf_printf(out, "%u %u %u ", raw[0], raw[1], raw[2]);
		return st == MP_OK ? fmt_hex(raw + 3, rr->u.rdata.len - 3, out) : st;
	}
	if (out->ptr)
		out->ptr[out->len] = '\0';
	st = mp_buf_printf(out, "\\# %zu", rr->u.rdata.len);
	if (st == MP_OK && rr->u.rdata.len > 0)
		st = mp_buf_append_byte(out, ' ');
	return st == MP_OK ? fmt_hex((const uint8_t *)rr->u.rdata.ptr, rr->u.rdata.len, out) : st;
}
