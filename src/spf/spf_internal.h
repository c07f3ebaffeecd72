/* spf_internal.h - helpers shared inside the SPF area (not public). */
#ifndef MAILPROOF_SPF_INTERNAL_H
#define MAILPROOF_SPF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/spf.h>

/* Does ip fall in net/bits (same family)? */
bool mp_spf_ip_in(const struct mp_spf_ip *ip, const uint8_t *net, unsigned bits);
/* Dotted IPv4 "a.b.c.d" (no leading zeros, each <= 255). */
bool mp_spf_ip4_parse(struct mp_str s, uint8_t out[4]);
/* IPv6 text (RFC 4291 §2.2, embedded IPv4 allowed). */
bool mp_spf_ip6_parse(struct mp_str s, uint8_t out[16]);
/* Reverse-lookup name: "4.3.2.1.in-addr.arpa" or nibbles ".ip6.arpa". */
void mp_spf_ip_reverse(const struct mp_spf_ip *ip, struct mp_buf *out);
/* %{i}: dotted IPv4, or 32 dot-separated nibbles for IPv6 (§7.3). */
void mp_spf_ip_dotted(const struct mp_spf_ip *ip, struct mp_buf *out);
/* RFC 7208 §4.3: a usable domain (FQDN, labels 1..63, total <= 253). */
bool mp_spf_domain_ok(struct mp_str d);
/* Syntax check of a domain-spec (§7.1 macro-string domain-end). */
bool mp_spf_domain_spec_ok(struct mp_str s);
/* Is child equal to parent or a subdomain of it (case-insensitive)? */
bool mp_spf_name_under(struct mp_str child, struct mp_str parent);

#endif
