/* mailproof/check.h - is this domain protected? A sans-IO domain check.
 *
 * One struct mp_check per domain. It implements the DNS client contract of
 * mailproof/dns.h: every independent question (SPF TXT, _dmarc TXT, MX,
 * DKIM selectors, _mta-sts, _smtp._tls, default._bimi, a random
 * non-existent subdomain) is asked at once, follow-ups (MX host addresses,
 * reverse DNS, TLSA, report authorization) as answers arrive. When run()
 * returns MP_OK the result holds a verdict, per-mechanism summaries and
 * findings, each with a fix computed from what the domain publishes.
 *
 * The rules are documented in docs/check.md. Everything a check produces
 * lives in its own arena, freed by mp_check_free. Not thread-safe per
 * check; separate checks are independent.
 */
#ifndef MAILPROOF_CHECK_H
#define MAILPROOF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

struct mp_check;                  /* opaque; one per domain */
struct mp_dmarc_psl;              /* mailproof/dmarc.h */

/* Issue 6: exactly one of these words in JSON ("at-risk", ...). */
enum mp_check_verdict {
	MP_CHECK_PROTECTED,
	MP_CHECK_AT_RISK,
	MP_CHECK_UNPROTECTED,
	MP_CHECK_UNKNOWN,         /* DNS kept the answer from being known */
};

enum mp_check_severity {
	MP_CHECK_SEV_INFO,
	MP_CHECK_SEV_WARNING,
	MP_CHECK_SEV_ERROR,
	MP_CHECK_SEV_CRITICAL,
};

/* What a finding is about; findings are grouped by it in reports. */
enum mp_check_area {
	MP_CHECK_AREA_DNS,
	MP_CHECK_AREA_SPF,
	MP_CHECK_AREA_DMARC,
	MP_CHECK_AREA_DKIM,
	MP_CHECK_AREA_MX,
	MP_CHECK_AREA_NOMAIL,     /* domains that send no mail */
	MP_CHECK_AREA_MTA_STS,
	MP_CHECK_AREA_TLS_RPT,
	MP_CHECK_AREA_BIMI,
	MP_CHECK_AREA_DANE,
	MP_CHECK_AREA__COUNT,
};

/* State of one published thing. */
enum mp_check_state {
	MP_CHECK_ST_ABSENT,       /* authoritatively not there */
	MP_CHECK_ST_PRESENT,      /* there and well formed */
	MP_CHECK_ST_INVALID,      /* there but broken */
	MP_CHECK_ST_UNKNOWN,      /* DNS failure: could not tell */
	MP_CHECK_ST_NOT_CHECKED,  /* not looked up: skipped (--no-fcrdns), not
	                           * applicable (MTA-STS of a null MX), or ended early */
};

struct mp_check_finding {
	enum mp_reason id;                /* CHECK_*; token via mp_reason_token() */
	enum mp_check_severity severity;
	enum mp_check_area area;
	enum mp_check_verdict effect;     /* PROTECTED: does not lower the verdict */
	struct mp_str message;            /* one line */
	struct mp_str fix;                /* record(s) to publish, zone-file lines; may be empty */
};

struct mp_check_spf {
	enum mp_check_state state;
	size_t nrecords;                  /* TXT records starting "v=spf1" */
	struct mp_str record;             /* the first of them */
	bool linted;                      /* the SPF linter ran (lookups below are real) */
	unsigned lookups;                 /* DNS-querying terms through the include tree */
	unsigned void_lookups;
	struct mp_str all;                /* "-all" "~all" "?all" "+all" or "" */
};

struct mp_check_dmarc {
	enum mp_check_state state;
	struct mp_str record;
	struct mp_str found_at;           /* "_dmarc.example.com" */
	struct mp_str method;             /* "exact" "tree-walk" "psl" ... */
	struct mp_str p, sp, np;          /* effective policies ("" when unknown) */
	unsigned pct;                     /* 100 when absent */
	bool testing;                     /* t=y */
	struct mp_str adkim, aspf;        /* "r" or "s" */
	struct mp_str rua, ruf;           /* as published */
	struct mp_str nxdomain_policy;    /* policy found for a random non-existent subdomain */
};

struct mp_check_dkim_key {
	struct mp_str selector;
	struct mp_str cname;              /* CNAME target when the selector is an alias */
	enum mp_check_state state;
	struct mp_str key_type;           /* "rsa" "ed25519" */
	unsigned bits;                    /* 0 when unknown */
	bool revoked, testing;
	struct mp_str record;
};

/* How DKIM selectors are probed (--dkim-probe). */
enum mp_check_dkim_probe {
	MP_CHECK_DKIM_PROBE_ALL = 0,      /* every selector at once */
	MP_CHECK_DKIM_PROBE_LIKELY,       /* the likely ones first (the provider's,
	                                   * --selectors, else default/dkim/mail);
	                                   * the rest only when they find no key */
};

struct mp_check_dkim {
	enum mp_check_dkim_probe probe;
	size_t nprobed;                   /* selectors looked up (asked, or
	                                   * answered by _domainkey's NXDOMAIN) */
	size_t nskipped;                  /* likely: selectors not asked (a key was
	                                   * found in the first wave) */
	size_t nkeys;                     /* selectors with a record */
	const struct mp_check_dkim_key *keys;
	size_t nunknown;                  /* selectors whose query failed */
};

struct mp_check_mx_addr {
	char ip[48];                      /* text form */
	uint8_t bytes[16];                /* 4 used for IPv4 */
	bool is_v6;
	enum mp_check_state ptr_state;    /* ABSENT: no PTR */
	struct mp_str ptr;                /* first PTR name */
	bool fcrdns;                      /* PTR name resolves back to ip */
};

struct mp_check_mx_host {
	uint16_t pref;
	struct mp_str host;
	bool is_cname, is_ip_literal;
	enum mp_check_state resolves;     /* PRESENT: has A or AAAA */
	size_t naddrs;
	struct mp_check_mx_addr *addrs;
	enum mp_check_state tlsa;
	enum mp_dnssec tlsa_dnssec;
};

struct mp_check_mx {
	enum mp_check_state state;        /* ABSENT: no MX records */
	bool null_mx;                     /* RFC 7505 */
	size_t nhosts;
	struct mp_check_mx_host *hosts;
};

/* MTA-STS, TLS-RPT, BIMI policy records (TXT). */
struct mp_check_txt {
	enum mp_check_state state;
	struct mp_str record;
	struct mp_str error;              /* what is wrong when INVALID */
};

struct mp_check_result {
	struct mp_str domain;
	enum mp_check_verdict verdict;
	struct mp_str verdict_reason;     /* one line: why this verdict */
	bool sends_no_mail;               /* null MX, or no MX and nothing authorized */
	enum mp_dnssec dnssec;            /* weakest state of the domain's own answers */
	struct mp_check_spf spf;
	struct mp_check_dmarc dmarc;
	struct mp_check_dkim dkim;
	struct mp_check_mx mx;
	struct mp_check_txt mta_sts, tls_rpt, bimi;
	size_t nfindings;
	const struct mp_check_finding *findings;
	size_t nqueries;                  /* DNS questions asked */
};

struct mp_check_opts {
	const struct mp_str *selectors;   /* extra DKIM selectors (--selectors) */
	size_t nselectors;
	bool no_builtin_selectors;        /* probe only the selectors above */
	enum mp_check_dkim_probe dkim_probe;
	struct mp_str probe_label;        /* label for the non-existent subdomain
	                                   * probe; empty: derived from the domain */
	bool skip_fcrdns;                 /* no PTR lookups for MX addresses */
	const struct mp_dmarc_psl *psl;   /* borrowed; set: RFC 7489 discovery is
	                                   * compared with RFC 9989's */
};

/* "all" "likely"; never NULL. */
MP_API const char *mp_check_dkim_probe_name(enum mp_check_dkim_probe p);
/* The built-in DKIM selector list (NULL-terminated). */
MP_API const char *const *mp_check_builtin_selectors(void);

/* A check of domain (presentation form). NULL on ENOMEM; a malformed
 * domain is not an error here: the result says so (verdict unknown). */
MP_API struct mp_check *mp_check_new(struct mp_str domain, const struct mp_check_opts *o);
MP_API void mp_check_free(struct mp_check *c);
/* The DNS client contract (mailproof/dns.h) for c. */
MP_API void mp_check_client(struct mp_check *c, struct mp_dns_client *out);
MP_API enum mp_status mp_check_run(struct mp_check *c);
/* The result once run() returned MP_OK; NULL before. Borrowed from c. */
MP_API const struct mp_check_result *mp_check_result(const struct mp_check *c);

/* Words: "protected" "at-risk" "unprotected" "unknown"; "info" "warning"
 * "error" "critical"; "spf" "dmarc" ...; "absent" "present" "invalid"
 * "unknown" "not-checked". Never NULL. */
MP_API const char *mp_check_verdict_name(enum mp_check_verdict v);
MP_API const char *mp_check_severity_name(enum mp_check_severity s);
MP_API const char *mp_check_area_name(enum mp_check_area a);
MP_API const char *mp_check_state_name(enum mp_check_state s);

/* ---- reports (no I/O: text is appended to out) ---- */
/* One JSON object on one line, no newline (schema: docs/check-schema.json). */
MP_API enum mp_status mp_check_format_json(const struct mp_check_result *r, struct mp_buf *out);
/* Human report, at most 80 columns; ANSI colour when colour. */
MP_API enum mp_status mp_check_format_text(const struct mp_check_result *r, bool colour,
                                           struct mp_buf *out);
/* Self-contained HTML page: head, one card per result, tail. */
MP_API enum mp_status mp_check_format_html_head(struct mp_buf *out, const char *title);
MP_API enum mp_status mp_check_format_html_card(const struct mp_check_result *r,
                                                struct mp_buf *out);
MP_API enum mp_status mp_check_format_html_tail(struct mp_buf *out, const size_t counts[4]);

#endif
