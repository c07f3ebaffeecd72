/* check_mx.c - MX checks: present or null MX (RFC 7505), every host
 * resolves, CNAME and IP-literal targets (RFC 5321 §5.1, RFC 2181 §10.3),
 * forward-confirmed reverse DNS of every MX address, and DANE TLSA for
 * each host (RFC 7672 §2.2, RFC 6698 §2.1). Also decides whether the domain
 * sends no mail. Part of one check; not thread-safe per check.
 */
#include <stdio.h>
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>
#include <mailproof/spf.h>

#include "check_internal.h"

/* parse_ipv4 - dotted quad, each part 0..255, no leading junk */
static bool
parse_ipv4(struct mp_str s, uint8_t out[4])
{
	size_t part = 0, i = 0;

	while (part < 4) {
		size_t start = i;
		uint64_t v;

		while (i < s.len && mp_is_digit((unsigned char)s.ptr[i]))
			i++;
		if (i == start || i - start > 3 ||
		    !mp_parse_u64(mp_str_make(s.ptr + start, i - start), 255, &v))
			return false;
		out[part++] = (uint8_t)v;
		if (part < 4) {
			if (i >= s.len || s.ptr[i] != '.')
				return false;
			i++;
		}
	}
	return i == s.len;
}

/* is_ip_literal - an MX target written as an address (RFC 7505 §3 and
 * RFC 5321 §5.1: MX targets are host names) */
static bool
is_ip_literal(struct mp_str h)
{
	uint8_t b[4];

	if (h.len > 0 && (h.ptr[0] == '[' || mp_str_find(h, ':') >= 0))
		return true;
	return parse_ipv4(h, b);
}

/* host_of - the MX host a slot is about */
static struct mp_check_mx_host *
host_of(struct mp_check *c, const struct slot *s)
{
	return s->idx < c->res.mx.nhosts ? &c->hosts[s->idx] : NULL;
}

/* reverse_name - in-addr.arpa / ip6.arpa name of an address */
static struct mp_str
reverse_name(struct mp_check *c, const struct mp_check_mx_addr *a)
{
	char buf[80];
	size_t n = 0;
	static const char hex[] = "0123456789abcdef";

	if (!a->is_v6)
		return check_printf(c, "%u.%u.%u.%u.in-addr.arpa", a->bytes[3], a->bytes[2],
		    a->bytes[1], a->bytes[0]);
	for (int i = 15; i >= 0; i--) {
		buf[n++] = hex[a->bytes[i] & 0xf];
		buf[n++] = '.';
		buf[n++] = hex[a->bytes[i] >> 4];
		buf[n++] = '.';
	}
	buf[n] = '\0';
	return check_printf(c, "%sip6.arpa", buf);
}

/* ip_text - presentation form of an address (IPv6 as RFC 5952) */
static void
ip_text(struct mp_check_mx_addr *a)
{
	struct mp_spf_ip ip = { a->is_v6 ? 6 : 4, { 0 } };
	char buf[46];

	memcpy(ip.addr, a->bytes, a->is_v6 ? 16 : 4);
	mp_spf_ip_format(&ip, buf);
	snprintf(a->ip, sizeof a->ip, "%s", buf);
}

/* mx_answer - the domain's MX set: hosts, then their follow-ups */
static void
mx_answer(struct mp_check *c, const struct mp_dns_answer *a)
{
	struct mp_check_mx *mx = &c->res.mx;
	size_t n = 0;

	mx->state = check_state_of(a);
	if (a == NULL || a->status != MP_DNS_OK)
		return;
	c->hosts = mp_arena_zalloc(&c->arena, MP_LIMIT_CHECK_MX_HOSTS * sizeof *c->hosts);
	if (c->hosts == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	for (size_t i = 0; i < a->nrr; i++) {
		struct mp_str h = a->rr[i].u.mx.host;

		if (a->rr[i].type != MP_DNS_T_MX)
			continue;
		if (h.len == 0 || mp_str_eq_c(h, ".")) {
			mx->null_mx = true;
			continue;
		}
		if (n >= MP_LIMIT_CHECK_MX_HOSTS) {
			check_find(c, MP_REASON_CHECK_MX_TOO_MANY, NULL,
			    "more than %d MX hosts: only the first %d were checked",
			    MP_LIMIT_CHECK_MX_HOSTS, MP_LIMIT_CHECK_MX_HOSTS);
			continue;
		}
		c->hosts[n].pref = a->rr[i].u.mx.pref;
		c->hosts[n].host = mp_arena_strdup(&c->arena, h);
		c->hosts[n].resolves = MP_CHECK_ST_UNKNOWN;
		c->hosts[n].tlsa = MP_CHECK_ST_UNKNOWN;
		c->hosts[n].is_ip_literal = is_ip_literal(h);
		n++;
	}
	mx->nhosts = n;
	mx->hosts = c->hosts;
	for (size_t i = 0; i < n; i++) {
		struct mp_str h = c->hosts[i].host;

		if (c->hosts[i].is_ip_literal) {
			c->hosts[i].resolves = MP_CHECK_ST_INVALID;
			c->hosts[i].tlsa = MP_CHECK_ST_ABSENT;
			continue;
		}
		check_ask(c, MP_DNS_T_A, h, K_MX_A, i, 0);
		check_ask(c, MP_DNS_T_AAAA, h, K_MX_AAAA, i, 0);
		check_ask(c, MP_DNS_T_TLSA, check_printf(c, "_25._tcp.%s", h.ptr), K_MX_TLSA, i, 0);
	}
}

/* addr_answer - A or AAAA of an MX host */
static void
addr_answer(struct mp_check *c, struct slot *s)
{
	struct mp_check_mx_host *h = host_of(c, s);
	const struct mp_dns_answer *a = s->ans;
	enum mp_check_state st = check_state_of(a);

	if (h == NULL)
		return;
	if (st != MP_CHECK_ST_PRESENT)
		return;
	if (a->ncname > 0)
		h->is_cname = true;
	if (h->addrs == NULL &&
	    (h->addrs = mp_arena_zalloc(&c->arena, MP_LIMIT_CHECK_MX_ADDRS * sizeof *h->addrs)) == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	for (size_t i = 0; i < a->nrr && h->naddrs < MP_LIMIT_CHECK_MX_ADDRS; i++) {
		struct mp_check_mx_addr *ad = &h->addrs[h->naddrs];

		if (a->rr[i].type != s->q.type)
			continue;
		ad->is_v6 = s->q.type == MP_DNS_T_AAAA;
		memcpy(ad->bytes, ad->is_v6 ? a->rr[i].u.aaaa : a->rr[i].u.a, ad->is_v6 ? 16 : 4);
		ip_text(ad);
		ad->ptr_state = MP_CHECK_ST_UNKNOWN;
		if (!c->opts.skip_fcrdns)
			check_ask(c, MP_DNS_T_PTR, reverse_name(c, ad), K_PTR, s->idx, h->naddrs);
		else
			ad->ptr_state = MP_CHECK_ST_NOT_CHECKED;
		h->naddrs++;
	}
}

/* ptr_answer - reverse DNS of an MX address; then its forward lookup */
static void
ptr_answer(struct mp_check *c, struct slot *s)
{
	struct mp_check_mx_host *h = host_of(c, s);
	struct mp_check_mx_addr *ad;

	if (h == NULL || s->idx2 >= h->naddrs)
		return;
	ad = &h->addrs[s->idx2];
	ad->ptr_state = check_state_of(s->ans);
	if (ad->ptr_state != MP_CHECK_ST_PRESENT)
		return;
	for (size_t i = 0; i < s->ans->nrr; i++)
		if (s->ans->rr[i].type == MP_DNS_T_PTR) {
			ad->ptr = mp_arena_strdup(&c->arena, s->ans->rr[i].u.name);
			break;
		}
	if (ad->ptr.len > 0)
		check_ask(c, ad->is_v6 ? MP_DNS_T_AAAA : MP_DNS_T_A, ad->ptr, K_PTR_FWD, s->idx, s->idx2);
}

/* fwd_answer - does the PTR name point back at the address? */
static void
fwd_answer(struct mp_check *c, struct slot *s)
{
	struct mp_check_mx_host *h = host_of(c, s);
	struct mp_check_mx_addr *ad;

	if (h == NULL || s->idx2 >= h->naddrs || s->ans == NULL || s->ans->status != MP_DNS_OK)
		return;
	ad = &h->addrs[s->idx2];
	for (size_t i = 0; i < s->ans->nrr; i++) {
		const struct mp_dns_rr *rr = &s->ans->rr[i];

		if (rr->type == MP_DNS_T_A && !ad->is_v6 && memcmp(rr->u.a, ad->bytes, 4) == 0)
			ad->fcrdns = true;
		if (rr->type == MP_DNS_T_AAAA && ad->is_v6 && memcmp(rr->u.aaaa, ad->bytes, 16) == 0)
			ad->fcrdns = true;
	}
}

/* tlsa_answer - DANE TLSA for an MX host (RFC 7672 §2.2) */
static void
tlsa_answer(struct mp_check *c, struct slot *s)
{
	struct mp_check_mx_host *h = host_of(c, s);
	const struct mp_dns_answer *a = s->ans;

	if (h == NULL)
		return;
	h->tlsa = check_state_of(a);
	if (h->tlsa != MP_CHECK_ST_PRESENT)
		return;
	h->tlsa_dnssec = a->dnssec;
	for (size_t i = 0; i < a->nrr; i++) {
		struct mp_str rd = a->rr[i].u.rdata;
		unsigned usage, sel, mtype;
		size_t dlen;

		if (a->rr[i].type != MP_DNS_T_TLSA)
			continue;
		if (rd.len < 4) {
			h->tlsa = MP_CHECK_ST_INVALID;
			check_find(c, MP_REASON_CHECK_DANE_SYNTAX, NULL,
			    "TLSA record for %s is too short", h->host.ptr);
			continue;
		}
		usage = (unsigned char)rd.ptr[0];
		sel = (unsigned char)rd.ptr[1];
		mtype = (unsigned char)rd.ptr[2];
		dlen = rd.len - 3;
		if (usage > 3 || sel > 1 || mtype > 2 || (mtype == 1 && dlen != 32) ||
		    (mtype == 2 && dlen != 64)) {
			h->tlsa = MP_CHECK_ST_INVALID;
			check_find(c, MP_REASON_CHECK_DANE_SYNTAX, NULL,
			    "TLSA record %u %u %u for %s is malformed", usage, sel, mtype, h->host.ptr);
		} else if (usage < 2) {
			check_find(c, MP_REASON_CHECK_DANE_USAGE, NULL,
			    "TLSA usage %u for %s: SMTP clients use only DANE-TA(2) and DANE-EE(3)",
			    usage, h->host.ptr);
		}
	}
}

/* check_mx_answer - route an MX-related answer */
void
check_mx_answer(struct mp_check *c, struct slot *s)
{
	switch (s->kind) {
	case K_MX: mx_answer(c, s->ans); break;
	case K_MX_A: case K_MX_AAAA: addr_answer(c, s); break;
	case K_PTR: ptr_answer(c, s); break;
	case K_PTR_FWD: fwd_answer(c, s); break;
	case K_MX_TLSA: tlsa_answer(c, s); break;
	default: break;
	}
}

/* host_rules - findings about one MX host and its addresses */
static void
host_rules(struct mp_check *c, const struct mp_check_mx_host *h)
{
	if (h->is_ip_literal) {
		check_find(c, MP_REASON_CHECK_MX_IP_LITERAL, NULL,
		    "MX target %s is an IP address; MX needs a host name with A/AAAA records",
		    h->host.ptr);
		return;
	}
	if (h->resolves == MP_CHECK_ST_ABSENT)
		check_find(c, MP_REASON_CHECK_MX_UNRESOLVED, NULL,
		    "MX host %s has no A or AAAA record: mail to it cannot be delivered", h->host.ptr);
	if (h->is_cname)
		check_find(c, MP_REASON_CHECK_MX_CNAME, NULL,
		    "MX target %s is a CNAME; point MX at the canonical host name", h->host.ptr);
	for (size_t j = 0; j < h->naddrs; j++) {
		const struct mp_check_mx_addr *ad = &h->addrs[j];

		if (ad->ptr_state == MP_CHECK_ST_ABSENT)
			check_find(c, MP_REASON_CHECK_MX_NO_PTR, NULL,
			    "MX address %s (%s) has no PTR record", ad->ip, h->host.ptr);
		else if (ad->ptr_state == MP_CHECK_ST_PRESENT && !ad->fcrdns)
			check_find(c, MP_REASON_CHECK_MX_FCRDNS, NULL,
			    "MX address %s has PTR %s, which does not resolve back to it",
			    ad->ip, ad->ptr.ptr);
	}
	if (h->tlsa == MP_CHECK_ST_PRESENT && h->tlsa_dnssec != MP_DNSSEC_SECURE &&
	    h->tlsa_dnssec != MP_DNSSEC_UNCHECKED)
		check_find(c, MP_REASON_CHECK_DANE_INSECURE, NULL,
		    "TLSA records for %s are not DNSSEC-signed; DANE clients ignore them", h->host.ptr);
}

/* resolves - PRESENT when A or AAAA has records, ABSENT when both are
 * authoritatively empty, UNKNOWN otherwise */
static void
resolves(struct mp_check *c)
{
	for (const struct slot *s = c->slots; s != NULL; s = s->next) {
		struct mp_check_mx_host *h;
		enum mp_check_state st;

		if ((s->kind != K_MX_A && s->kind != K_MX_AAAA) || (h = host_of(c, s)) == NULL)
			continue;
		st = check_state_of(s->ans);
		if (h->resolves == MP_CHECK_ST_PRESENT || st == MP_CHECK_ST_PRESENT)
			h->resolves = MP_CHECK_ST_PRESENT;
		else if (st == MP_CHECK_ST_UNKNOWN)
			h->resolves = MP_CHECK_ST_NOT_CHECKED;   /* marks "a query failed" */
		else if (h->resolves == MP_CHECK_ST_UNKNOWN)
			h->resolves = MP_CHECK_ST_INVALID;       /* marks "one absent so far" */
		else if (h->resolves == MP_CHECK_ST_INVALID)
			h->resolves = MP_CHECK_ST_ABSENT;        /* both absent */
	}
	for (size_t i = 0; i < c->res.mx.nhosts; i++) {
		struct mp_check_mx_host *h = &c->hosts[i];

		if (h->is_ip_literal)
			h->resolves = MP_CHECK_ST_INVALID;
		else if (h->resolves != MP_CHECK_ST_PRESENT && h->resolves != MP_CHECK_ST_ABSENT)
			h->resolves = MP_CHECK_ST_UNKNOWN;
	}
}

/* check_mx_rules - MX findings */
void
check_mx_rules(struct mp_check *c)
{
	struct mp_check_mx *mx = &c->res.mx;

	resolves(c);

	if (mx->state == MP_CHECK_ST_ABSENT)
		check_find(c, MP_REASON_CHECK_MX_MISSING, NULL,
		    "%s has no MX record: it receives no mail (or only through its A record)",
		    c->domain.ptr);
	if (mx->null_mx && mx->nhosts == 0)
		check_find(c, MP_REASON_CHECK_MX_NULL, NULL,
		    "%s publishes a null MX: it accepts no mail (RFC 7505)", c->domain.ptr);
	if (mx->null_mx && mx->nhosts > 0)
		check_find(c, MP_REASON_CHECK_MX_NULL_MIXED,
		    check_printf(c, "; remove \"%s. IN MX 0 .\" or the other MX records",
		    c->domain.ptr).ptr,
		    "%s has a null MX and %zu other MX records (RFC 7505 §3: null MX must be alone)",
		    c->domain.ptr, mx->nhosts);
	for (size_t i = 0; i < mx->nhosts; i++)
		host_rules(c, &mx->hosts[i]);
	if (mx->null_mx && mx->nhosts > 0)
		mx->null_mx = false;   /* not a valid null MX */
}
