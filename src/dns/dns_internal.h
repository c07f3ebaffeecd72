/* dns_internal.h - shared inside src/dns: wire names, record decoding, the
 * resolver driver table. Not installed. */
#ifndef MAILPROOF_DNS_INTERNAL_H
#define MAILPROOF_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#define MP_DNS_T_SPF 99 /* RFC 7208 §14.1: obsolete, still named */

/* A wire name, absolute, at most MP_LIMIT_DNS_NAME bytes. */
struct mp_dns_wname {
	size_t len;
	uint8_t b[MP_LIMIT_DNS_NAME];
};

/* Presentation name to wire; when the name is relative (no trailing
 * unescaped '.') origin is appended (NULL origin: the root). "@" is not
 * special here (the zone reader handles it).
 * False when malformed; *err says what. */
bool mp_dns_name_parse(struct mp_str s, const struct mp_dns_wname *origin,
                       struct mp_dns_wname *out, const char **err);
/* Lower-case copy of a wire name (ASCII only, label bytes only). */
void mp_dns_wname_lower(const struct mp_dns_wname *in, struct mp_dns_wname *out);
/* Read a possibly compressed name from msg at *off; *off moves past it.
 * False when malformed (bad pointer, loop, too long). */
bool mp_dns_wire_name_read(const uint8_t *msg, size_t msglen, size_t *off,
                           struct mp_dns_wname *out);
/* Presentation form of a wire name into the arena (no trailing dot, "." for
 * the root). ptr NULL on ENOMEM. */
struct mp_str mp_dns_wname_str(struct mp_arena *a, const uint8_t *w, size_t len);

/* Decode rdata (at msg[off], rdlen bytes; names may point into msg) into
 * rr. MP_OK with *bad set when the rdata is malformed; MP_ENOMEM. */
enum mp_status mp_dns_rr_decode(struct mp_arena *a, uint16_t type, uint32_t ttl,
                                const uint8_t *msg, size_t msglen, size_t off,
                                size_t rdlen, struct mp_dns_rr *rr, bool *bad);
/* Deep copy of one record into the arena. */
enum mp_status mp_dns_rr_copy(struct mp_arena *a, const struct mp_dns_rr *src,
                              struct mp_dns_rr *dst);

/* Parse a whole DNS response (RFC 1035 §4.1) for question (qname, qtype)
 * into an answer in the arena: rcode, CNAME chain, records of qtype.
 * Malformed replies give status MP_DNS_MALFORMED with why. */
enum mp_status mp_dns_packet_answer(const uint8_t *pkt, size_t len, struct mp_str qname,
                                    uint16_t qtype, struct mp_arena *a,
                                    struct mp_dns_answer **out);

/* An answer with no records and the given status, why text optional. */
struct mp_dns_answer *mp_dns_answer_simple(struct mp_arena *a, struct mp_str qname,
                                           uint16_t qtype, enum mp_dns_status st,
                                           const char *why);


/* Add one record given as wire rdata (the zone reader and mp_zone_add
 * share it). Duplicates are dropped (an RRset is a set, RFC 2181 §5).
 * MP_EINVAL with *err when the rdata does not decode. */
enum mp_status mp_zone_add_wire(struct mp_zone *z, const struct mp_dns_wname *owner,
                                uint32_t ttl, uint16_t type, const uint8_t *rdata,
                                size_t rdlen, const char **err);

/* Drivers. */
struct mp_resolver_ops {
	enum mp_status (*submit)(struct mp_resolver *r, const struct mp_dns_question *q,
	                         mp_dns_done_fn *done, void *arg);
	enum mp_status (*poll)(struct mp_resolver *r, int timeout_ms);
	size_t (*pending)(const struct mp_resolver *r);
	int (*fd)(const struct mp_resolver *r);
	enum mp_status (*query)(struct mp_resolver *r, const struct mp_dns_question *q,
	                        struct mp_arena *a, const struct mp_dns_answer **out);
	void (*free)(struct mp_resolver *r);
};

struct mp_resolver {
	const struct mp_resolver_ops *ops;
};

/* A synchronous question for drivers whose query is submit + poll: polls
 * in slices of MP_DNS_SYNC_SLICE_MS until the answer is in (dns_resolver.c). */
#define MP_DNS_SYNC_SLICE_MS 20
enum mp_status mp_dns_query_sync(struct mp_resolver *r, const struct mp_dns_question *q,
                                 struct mp_arena *a, const struct mp_dns_answer **out);

#endif
