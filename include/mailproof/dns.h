/* mailproof/dns.h - DNS questions and answers, zone data, resolvers, and the
 * contract between sans-IO protocol cores and DNS drivers.
 *
 * Every answer is tri-state at heart: present, absent (NXDOMAIN or NODATA,
 * both authoritative) or indeterminate (SERVFAIL, timeout, refused,
 * malformed). No caller can confuse "no record" with "could not tell".
 *
 * Names in this API are in presentation form (RFC 1035 §5.1): labels
 * separated by '.', a trailing dot optional, escapes \. \\ \DDD allowed so any
 * label byte (NUL included) can be named. Comparison is ASCII
 * case-insensitive. Names longer than MP_LIMIT_DNS_NAME on the wire are never
 * sent: the answer is MP_DNS_MALFORMED with a reason (RFC 7208 §4.3 makes
 * SPF treat such a name as "none").
 */
#ifndef MAILPROOF_DNS_H
#define MAILPROOF_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

enum mp_dns_type {
	MP_DNS_T_A = 1,
	MP_DNS_T_NS = 2,
	MP_DNS_T_CNAME = 5,
	MP_DNS_T_SOA = 6,
	MP_DNS_T_PTR = 12,
	MP_DNS_T_MX = 15,
	MP_DNS_T_TXT = 16,
	MP_DNS_T_AAAA = 28,
	MP_DNS_T_TLSA = 52,
};

/* What the server said (or failed to say). */
enum mp_dns_status {
	MP_DNS_OK,        /* NOERROR with >= 1 record of the type: present */
	MP_DNS_NODATA,    /* NOERROR, name exists, no record of the type: absent */
	MP_DNS_NXDOMAIN,  /* the name does not exist: absent */
	MP_DNS_SERVFAIL,  /* indeterminate */
	MP_DNS_TIMEOUT,   /* indeterminate */
	MP_DNS_REFUSED,   /* indeterminate */
	MP_DNS_MALFORMED, /* unusable reply or unusable question name: indeterminate */
};

enum mp_dns_state { MP_DNS_PRESENT, MP_DNS_ABSENT, MP_DNS_INDETERMINATE };

static inline enum mp_dns_state
mp_dns_state_of(enum mp_dns_status s)
{
	if (s == MP_DNS_OK)
		return MP_DNS_PRESENT;
	if (s == MP_DNS_NODATA || s == MP_DNS_NXDOMAIN)
		return MP_DNS_ABSENT;
	return MP_DNS_INDETERMINATE;
}

/* DNSSEC state of an answer, when the resolver validates. */
enum mp_dnssec {
	MP_DNSSEC_UNCHECKED, /* resolver does not validate (zone data, plain forwarding) */
	MP_DNSSEC_INSECURE,  /* validated: no signatures on the path */
	MP_DNSSEC_SECURE,    /* validated and signed */
	MP_DNSSEC_BOGUS,     /* validation failed (the answer is also SERVFAIL) */
};

MP_API const char *mp_dns_type_name(uint16_t type);       /* "TXT"; "TYPE99" style never NULL */
MP_API bool mp_dns_type_parse(struct mp_str s, uint16_t *type); /* "txt" -> 16 */
MP_API const char *mp_dns_status_name(enum mp_dns_status s); /* "ok" "nodata" "nxdomain" "servfail" "timeout" "refused" "malformed" */
MP_API const char *mp_dnssec_name(enum mp_dnssec d);      /* "unchecked" "insecure" "secure" "bogus" */

/* A TXT record: the character-strings, and their concatenation
 * (RFC 7208 §3.3, RFC 6376 §3.6.2.2: joined with nothing between). */
struct mp_dns_txt {
	struct mp_str joined;           /* may contain any byte, NUL included */
	size_t nstrings;
	const struct mp_str *strings;
};

struct mp_dns_mx {
	uint16_t pref;
	struct mp_str host;             /* presentation form; "." for a null MX (RFC 7505) */
};

struct mp_dns_rr {
	uint16_t type;
	uint32_t ttl;
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		struct mp_str name;     /* NS, CNAME, PTR: presentation form, no trailing dot */
		struct mp_dns_mx mx;
		struct mp_dns_txt txt;
		struct mp_str rdata;    /* SOA, TLSA and others: raw RDATA */
	} u;
};

struct mp_dns_answer {
	struct mp_str qname;            /* as asked */
	uint16_t qtype;
	enum mp_dns_status status;
	enum mp_dnssec dnssec;
	struct mp_str canonical;        /* name after CNAMEs were followed; == qname when none */
	size_t ncname;                  /* CNAME hops followed */
	size_t nrr;                     /* records of qtype only (CNAMEs excluded) */
	const struct mp_dns_rr *rr;
	struct mp_str why;              /* for indeterminate answers: what happened */
};

/* A question. Fixed storage so cores can keep arrays of them without
 * allocating per question. */
struct mp_dns_question {
	uint16_t type;
	size_t name_len;
	char name[MP_LIMIT_DNS_NAME_TEXT + 1]; /* NUL-terminated too, for convenience */
};

/* Fill q; MP_ELIMIT when name is longer than MP_LIMIT_DNS_NAME_TEXT. */
MP_API enum mp_status mp_dns_question_set(struct mp_dns_question *q, uint16_t type,
                                          struct mp_str name);
/* Deep copy of src into arena; NULL on ENOMEM. */
MP_API const struct mp_dns_answer *mp_dns_answer_dup(struct mp_arena *a,
                                                     const struct mp_dns_answer *src);
/* Append rr's data in master-file presentation form (RFC 1035 §5.1) to out:
 * "192.0.2.1", "10 mx.example.com.", "\"v=spf1\" \" -all\"", RFC 3597
 * "\# 3 abcdef" for types without a text form. Names end with a dot, TXT
 * bytes outside 0x20..0x7e are \DDD, so the text parses back as zone data.
 * MP_ELIMIT/MP_ENOMEM from the buffer. */
MP_API enum mp_status mp_dns_rr_format(const struct mp_dns_rr *rr, struct mp_buf *out);

/* Decode a DNS response (RFC 1035 §4.1) to the question (qname, qtype)
 * into arena: rcode, CNAME chain from qname, records of qtype; the answer
 * is MP_DNS_MALFORMED (with why) when the packet breaks the format.
 * MP_ENOMEM when the arena is full. Drivers use it; so can tests. */
MP_API enum mp_status mp_dns_answer_from_packet(const uint8_t *pkt, size_t len,
                                                struct mp_str qname, uint16_t qtype,
                                                struct mp_arena *a,
                                                const struct mp_dns_answer **out);

/* ---- names ---- */
/* Presentation name to wire form (RFC 1035 §3.1); false when malformed
 * (empty label, label > 63, name > 255, bad escape). wire holds
 * MP_LIMIT_DNS_NAME bytes; *wire_len set. The root is ".". */
MP_API bool mp_dns_name_to_wire(struct mp_str name, uint8_t *wire, size_t *wire_len);
/* Wire name to presentation form (escaping '.', '\\', and bytes outside
 * 0x21..0x7e as \DDD), lower case kept as is, no trailing dot. */
MP_API enum mp_status mp_dns_name_from_wire(const uint8_t *wire, size_t wire_len,
                                            struct mp_buf *out);
/* Case-insensitive name equality, trailing dot ignored, escapes decoded. */
MP_API bool mp_dns_name_eq(struct mp_str a, struct mp_str b);

/* ---- zone data (RFC 1035 master files, answered from memory) ---- */
struct mp_zone;

MP_API struct mp_zone *mp_zone_new(void);
MP_API void mp_zone_free(struct mp_zone *z);
/* Parse master-file text and add its records. origin may be empty. On a
 * syntax error: MP_EINVAL and why->text "FILE:LINE: message". */
MP_API enum mp_status mp_zone_parse(struct mp_zone *z, struct mp_str text,
                                    const char *filename, struct mp_str origin,
                                    struct mp_why *why);
/* Read and parse a file (at most MP_LIMIT_ZONE_FILE bytes). MP_EIO when it
 * cannot be read (why says so). */
MP_API enum mp_status mp_zone_load_file(struct mp_zone *z, const char *path,
                                        struct mp_why *why);
/* Add one record programmatically (conformance runners build zones this
 * way). rdata is the type's presentation form as in a master file:
 * "192.0.2.1", "10 mx.example.com", "\"v=spf1\" \" -all\"". */
MP_API enum mp_status mp_zone_add(struct mp_zone *z, struct mp_str owner, uint32_t ttl,
                                  uint16_t type, struct mp_str rdata, struct mp_why *why);
/* Add a TXT record from raw character-strings (any bytes). */
MP_API enum mp_status mp_zone_add_txt(struct mp_zone *z, struct mp_str owner,
                                      const struct mp_str *strings, size_t n);
/* Make every question for name (any type; type 0) or only for type
 * fail with status (MP_DNS_SERVFAIL, MP_DNS_TIMEOUT, ...). */
MP_API enum mp_status mp_zone_fail(struct mp_zone *z, struct mp_str name, uint16_t type,
                                   enum mp_dns_status status);
/* Answer q from the zone into arena (CNAMEs followed up to
 * MP_LIMIT_DNS_CNAME_CHAIN; a loop is SERVFAIL with why "CNAME loop").
 * Names absent from the zone do not exist. */
MP_API enum mp_status mp_zone_lookup(const struct mp_zone *z, const struct mp_dns_question *q,
                                     struct mp_arena *a, const struct mp_dns_answer **out);
/* Records loaded (for tests and `mailproof dns`). */
MP_API size_t mp_zone_count(const struct mp_zone *z);
/* Call fn for every record (owner in presentation form, no trailing dot),
 * in no particular order; stops at the first status fn returns other than
 * MP_OK and returns it. */
typedef enum mp_status mp_zone_walk_fn(void *arg, struct mp_str owner,
                                       const struct mp_dns_rr *rr);
MP_API enum mp_status mp_zone_walk(const struct mp_zone *z, mp_zone_walk_fn *fn, void *arg);

/* ---- resolvers (drivers) ---- */
struct mp_resolver;

/* Called once per submitted question; ans is valid only during the call
 * (copy with mp_dns_answer_dup). */
typedef void mp_dns_done_fn(void *arg, const struct mp_dns_question *q,
                            const struct mp_dns_answer *ans);

struct mp_unbound_opts {
	const char *const *servers;   /* "ADDR[@PORT]" forwarders; NULL/0 = /etc/resolv.conf */
	size_t nservers;
	bool recursive;               /* full recursion from the root */
	bool dnssec;                  /* validate with Debian's root trust anchor */
	unsigned timeout_ms;          /* per query; 0 = default 5000 */
	unsigned retries;             /* extra tries per server after a timeout; default 1 */
	const char *const *unblock_zones; /* local zones to remove (e.g. "test.") so they are asked */
	size_t nunblock;
	const char *trust_anchor;     /* extra DS or DNSKEY in presentation form (test zones);
	                               * answers then carry a DNSSEC state as with dnssec */
};

/* Answers from zone data (z must outlive the resolver). */
MP_API struct mp_resolver *mp_resolver_new_zone(const struct mp_zone *z);
/* libunbound; NULL with why on failure. Thread-safe: several threads may
 * submit and poll. */
MP_API struct mp_resolver *mp_resolver_new_unbound(const struct mp_unbound_opts *o,
                                                   struct mp_why *why);
/* A stub client speaking plain DNS over UDP (TCP when truncated) to
 * forwarding resolvers, with a process-local answer cache (TTL honoured up
 * to MP_LIMIT_DNS_CACHE_TTL, negative answers per RFC 2308, indeterminate
 * answers never kept) and identical questions in flight coalesced. It does
 * not validate: answers are MP_DNSSEC_UNCHECKED (use the unbound driver for
 * DNSSEC or recursion). Thread-safe like the unbound driver. docs/dns.md. */
struct mp_udp_opts {
	const char *const *servers;   /* "ADDR[@PORT]" (IPv4/IPv6); NULL/0 = /etc/resolv.conf */
	size_t nservers;
	unsigned timeout_ms;          /* per question; 0 = default 5000 */
	unsigned retries;             /* extra tries per server after a timeout; default 1 */
	size_t cache_entries;         /* 0 = MP_LIMIT_DNS_CACHE_ENTRIES */
	bool no_cache;                /* ask every time (coalescing stays) */
};
MP_API struct mp_resolver *mp_resolver_new_udp(const struct mp_udp_opts *o, struct mp_why *why);
MP_API void mp_resolver_free(struct mp_resolver *r);
/* Start q; done is called from mp_resolver_poll (zone driver: also from poll,
 * never re-entrantly from submit). The UDP driver may hold q until the next
 * poll and send the questions waiting then in one batch (sendmmsg): a
 * caller with its own event loop calls mp_resolver_poll(r, 0) after
 * submitting. */
MP_API enum mp_status mp_resolver_submit(struct mp_resolver *r, const struct mp_dns_question *q,
                                         mp_dns_done_fn *done, void *arg);
/* Wait up to timeout_ms (-1 forever) for answers and call their callbacks.
 * Returns MP_OK (also when nothing was pending). */
MP_API enum mp_status mp_resolver_poll(struct mp_resolver *r, int timeout_ms);
/* Questions submitted and not yet called back. */
MP_API size_t mp_resolver_pending(const struct mp_resolver *r);
/* File descriptor to wait on for readiness, or -1 (zone driver). Readiness
 * covers answers only: questions submitted since the last poll go out at the
 * next mp_resolver_poll. */
MP_API int mp_resolver_fd(const struct mp_resolver *r);
/* Synchronous: answer copied into arena. */
MP_API enum mp_status mp_resolver_query(struct mp_resolver *r, const struct mp_dns_question *q,
                                        struct mp_arena *a, const struct mp_dns_answer **out);

/* ---- the sans-IO contract ----
 *
 * A protocol core (SPF evaluation, DKIM verification, DMARC discovery, a
 * domain check) never does I/O. Its run() either finishes (MP_OK) or returns
 * MP_PENDING with a set of unanswered questions, which a driver answers
 * through answer(), in any order; then run() is called again. The core copies
 * what it needs from each answer (mp_dns_answer_dup). Question pointers stay
 * valid until they are answered.
 */
struct mp_dns_client {
	void *core;
	enum mp_status (*run)(void *core);
	size_t (*questions)(void *core, const struct mp_dns_question *const **qs);
	enum mp_status (*answer)(void *core, const struct mp_dns_question *q,
	                         const struct mp_dns_answer *a);
};

/* Drive one client to completion on r (synchronous). Returns the client's
 * final run() status. */
MP_API enum mp_status mp_dns_drive(struct mp_resolver *r, const struct mp_dns_client *c);

/* Drive many clients at once from one thread, at most max_inflight questions
 * outstanding: next() hands out the next client (false when none is left),
 * finished() is called when a client's run() returns anything but
 * MP_PENDING. */
struct mp_dns_multi {
	struct mp_resolver *resolver;
	size_t max_clients;          /* clients in progress at once */
	bool (*next)(void *arg, struct mp_dns_client *out);
	void (*finished)(void *arg, const struct mp_dns_client *c, enum mp_status st);
	void *arg;
};
MP_API enum mp_status mp_dns_drive_many(const struct mp_dns_multi *m);

#endif
