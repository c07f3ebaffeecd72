/* dns_packet.c - a small bounded DNS response parser (RFC 1035 §4.1):
 * header, question section skipped, answer section walked from the
 * question name through CNAMEs (RFC 1034 §3.6.2) to the records of the
 * asked type. Authority and additional sections are ignored.
 *
 * Every read is checked against the packet length, compression pointers
 * only go backwards and are counted, record counts and CNAME hops are
 * bounded (limits.h). A packet that breaks a rule gives an answer with
 * status MP_DNS_MALFORMED and a why, never a partial success.
 * Thread-safe: everything lives in the caller's arena.
 */
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

#define HDR_LEN 12
#define RCODE_NOERROR 0
#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3
#define RCODE_REFUSED 5
#define MAX_SCAN (MP_LIMIT_DNS_RRS + MP_LIMIT_DNS_CNAME_CHAIN + 1)

struct prr {
	struct mp_dns_wname owner;      /* lower-cased */
	uint16_t type;
	uint32_t ttl;
	size_t rdoff, rdlen;
};

/* get16, get32 - big-endian reads; the caller checked the length */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* bad - mark the answer malformed with a reason */
static enum mp_status
bad(struct mp_arena *a, struct mp_dns_answer *ans, const char *why)
{
	ans->status = MP_DNS_MALFORMED;
	ans->nrr = 0;
	ans->rr = NULL;
	ans->why = mp_arena_strdup(a, mp_str_c(why));
	return ans->why.ptr ? MP_OK : MP_ENOMEM;
}

/* scan_answers - the answer section's records (owner, type, rdata place) */
static const char *
scan_answers(const uint8_t *pkt, size_t len, size_t off, size_t count, struct prr *rrs,
             size_t *n)
{
	struct mp_dns_wname w;

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		struct prr *r = &rrs[*n];
		uint16_t class;
		if (!mp_dns_wire_name_read(pkt, len, &off, &w))
			return "bad owner name in answer";
		if (len - off < 10)
			return "truncated record";
		r->type = get16(pkt + off);
		class = get16(pkt + off + 2);
		r->ttl = get32(pkt + off + 4);
		r->rdlen = get16(pkt + off + 8);
		off += 10;
		if (r->rdlen > len - off)
			return "record data past the end";
		r->rdoff = off;
		off += r->rdlen;
		if (class != 1)
			continue;
		if (r->ttl > 0x7fffffffu)      /* RFC 2181 §8: treat as zero */
			r->ttl = 0;
		mp_dns_wname_lower(&w, &r->owner);
		if (*n < MAX_SCAN)
			(*n)++;
	}
	return NULL;
}

/* same - wire name equality (both lower-cased) */
static bool
same(const struct mp_dns_wname *a, const struct mp_dns_wname *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* collect - records of qtype at the final name */
static enum mp_status
collect(struct mp_arena *a, const uint8_t *pkt, size_t len, const struct prr *rrs, size_t n,
        const struct mp_dns_wname *cur, uint16_t qtype, struct mp_dns_answer *ans)
{
	struct mp_dns_rr *out;
	size_t count = 0, k = 0;
	bool badrr;
	enum mp_status st;

	for (size_t i = 0; i < n; i++)
		if (rrs[i].type == qtype && same(&rrs[i].owner, cur))
			count++;
	if (count > MP_LIMIT_DNS_RRS)
		count = MP_LIMIT_DNS_RRS;
	ans->nrr = 0;
	if (count == 0)
		return MP_OK;
	if ((out = mp_arena_alloc(a, count * sizeof *out)) == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < n && k < count; i++) {
		if (rrs[i].type != qtype || !same(&rrs[i].owner, cur))
			continue;
		st = mp_dns_rr_decode(a, qtype, rrs[i].ttl, pkt, len, rrs[i].rdoff, rrs[i].rdlen,
		                      &out[k], &badrr);
		if (st != MP_OK)
			return st;
		if (badrr)
			return bad(a, ans, "malformed record data");
		k++;
	}
	ans->rr = out;
	ans->nrr = k;
	return MP_OK;
}

/* chase - follow CNAMEs from the question name; false with *why on a loop */
static bool
chase(const uint8_t *pkt, size_t len, const struct prr *rrs, size_t n, uint16_t qtype,
      struct mp_dns_wname *cur, struct mp_dns_wname *orig, size_t *hops, const char **why)
{
	struct mp_dns_wname seen[MP_LIMIT_DNS_CNAME_CHAIN + 1], w;
	size_t i, off;

	*hops = 0;
	seen[0] = *cur;
	for (;;) {
		const struct prr *cn = NULL;
		for (i = 0; i < n; i++) {
			if (!same(&rrs[i].owner, cur))
				continue;
			if (rrs[i].type == qtype)
				return true;
			if (rrs[i].type == MP_DNS_T_CNAME && cn == NULL)
				cn = &rrs[i];
		}
		if (cn == NULL || qtype == MP_DNS_T_CNAME)
			return true;
		off = cn->rdoff;
		if (!mp_dns_wire_name_read(pkt, len, &off, &w) || off != cn->rdoff + cn->rdlen) {
			*why = "malformed CNAME";
			return false;
		}
		*orig = w;
		mp_dns_wname_lower(&w, cur);
		for (i = 0; i <= *hops; i++)
			if (same(&seen[i], cur)) {
				*why = "CNAME loop";
				return false;
			}
		if (*hops >= MP_LIMIT_DNS_CNAME_CHAIN) {
			*why = "CNAME chain too long";
			return false;
		}
		seen[++*hops] = *cur;
	}
}

/* status_of - the rcode in our words */
static enum mp_dns_status
status_of(unsigned rcode)
{
	switch (rcode) {
	case RCODE_NOERROR: return MP_DNS_NODATA;       /* OK when records follow */
	case RCODE_NXDOMAIN: return MP_DNS_NXDOMAIN;
	case RCODE_REFUSED: return MP_DNS_REFUSED;
	default: return MP_DNS_SERVFAIL;                /* SERVFAIL, NOTIMP, FORMERR... */
	}
}

/* mp_dns_packet_answer - a response for (qname, qtype) into an answer */
enum mp_status
mp_dns_packet_answer(const uint8_t *pkt, size_t len, struct mp_str qname, uint16_t qtype,
                     struct mp_arena *a, struct mp_dns_answer **out)
{
	struct mp_dns_answer *ans;
	struct mp_dns_wname q, cur, orig, w;
	struct prr *rrs;
	size_t off = HDR_LEN, qd, an, n, hops;
	unsigned rcode;
	const char *why = NULL;

	if ((*out = ans = mp_dns_answer_simple(a, qname, qtype, MP_DNS_SERVFAIL, NULL)) == NULL)
		return MP_ENOMEM;
	if (!mp_dns_name_parse(qname, NULL, &q, &why))
		return bad(a, ans, "malformed question name");
	if (pkt == NULL || len < HDR_LEN || len > MP_LIMIT_DNS_PACKET)
		return bad(a, ans, "reply shorter than a header");
	if ((pkt[2] & 0x80) == 0)
		return bad(a, ans, "not a response");
	rcode = pkt[3] & 0x0f;
	qd = get16(pkt + 4);
	an = get16(pkt + 6);
	for (size_t i = 0; i < qd; i++) {
		if (!mp_dns_wire_name_read(pkt, len, &off, &w) || len - off < 4)
			return bad(a, ans, "bad question section");
		off += 4;
	}
	ans->status = status_of(rcode);
	if (rcode != RCODE_NOERROR && rcode != RCODE_NXDOMAIN) {
		ans->why = mp_arena_printf(a, "rcode %u", rcode);
		return ans->why.ptr ? MP_OK : MP_ENOMEM;
	}
	if (an > (len - off) / 11)
		return bad(a, ans, "more answers than the packet can hold");
	if ((rrs = mp_arena_alloc(a, ((an < MAX_SCAN ? an : MAX_SCAN) + 1) * sizeof *rrs)) == NULL)
		return MP_ENOMEM;
	if ((why = scan_answers(pkt, len, off, an, rrs, &n)) != NULL)
		return bad(a, ans, why);
	mp_dns_wname_lower(&q, &cur);
	if (!chase(pkt, len, rrs, n, qtype, &cur, &orig, &hops, &why)) {
		ans->status = MP_DNS_SERVFAIL;
		ans->why = mp_arena_strdup(a, mp_str_c(why));
		return ans->why.ptr ? MP_OK : MP_ENOMEM;
	}
	ans->ncname = hops;
	if (hops > 0 && (ans->canonical = mp_dns_wname_str(a, orig.b, orig.len)).ptr == NULL)
		return MP_ENOMEM;
	if (rcode == RCODE_NXDOMAIN)
		return MP_OK;
	if (collect(a, pkt, len, rrs, n, &cur, qtype, ans) != MP_OK)
		return MP_ENOMEM;
	if (ans->status != MP_DNS_MALFORMED)
		ans->status = ans->nrr > 0 ? MP_DNS_OK : MP_DNS_NODATA;
	return MP_OK;
}

/* mp_dns_answer_from_packet - public face of mp_dns_packet_answer */
enum mp_status
mp_dns_answer_from_packet(const uint8_t *pkt, size_t len, struct mp_str qname, uint16_t qtype,
                          struct mp_arena *a, const struct mp_dns_answer **out)
{
	struct mp_dns_answer *ans = NULL;
	enum mp_status st = mp_dns_packet_answer(pkt, len, qname, qtype, a, &ans);

	*out = ans;
	return st;
}
