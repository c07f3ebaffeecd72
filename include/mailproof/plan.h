/* mailproof/plan.h - from an inventory of domains, servers and third-party
 * senders to the DNS records and configuration to deploy (issue 9).
 *
 * The inventory and the sender catalogue are YAML (examples/inventory-*.yml,
 * data/senders.yml). Loading is bounded and every error names file, line and
 * field. Building the plan is pure: no I/O except optional key generation,
 * which the caller asks for.
 */
#ifndef MAILPROOF_PLAN_H
#define MAILPROOF_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

enum mp_plan_stage { MP_PLAN_MONITOR, MP_PLAN_QUARANTINE, MP_PLAN_REJECT };
enum mp_plan_keytype { MP_PLAN_KEY_RSA, MP_PLAN_KEY_ED25519, MP_PLAN_KEY_BOTH };

struct mp_plan_param {
	struct mp_str name, value;
};

struct mp_plan_provider {
	struct mp_str id, name, spf_include, notes;
	size_t ncname;
	struct mp_str *cname_selector, *cname_target;  /* patterns */
	size_t nkey;
	struct mp_str *key_selector;                  /* patterns */
	size_t nparams;
	struct mp_str *params;                        /* required param names */
	bool inline_def;                              /* described in the inventory */
	bool mailbox;                                 /* kind: mailbox (hosts people's mail) */
};

struct mp_plan_server {
	struct mp_str name, helo, selector;   /* selector: pinned, may be empty */
	size_t nipv4, nipv6;
	struct mp_str *ipv4, *ipv6;
	enum mp_plan_keytype keytype;
	unsigned line;
};

struct mp_plan_sender {
	const struct mp_plan_provider *provider;
	size_t nparams;
	struct mp_plan_param *params;
	unsigned line;
};

struct mp_plan_domain {
	struct mp_str name;                   /* lower case, no trailing dot */
	bool sending;
	size_t nservers;
	const struct mp_plan_server **servers;
	size_t nsenders;
	struct mp_plan_sender *senders;
	bool has_stage;
	enum mp_plan_stage stage;             /* when has_stage: overrides the org's */
	unsigned line;
};

struct mp_plan_inventory {
	struct mp_str org_name, rua, ruf;     /* rua/ruf: mailto: URIs (comma lists allowed) */
	enum mp_plan_stage stage;
	bool strict_dkim, strict_spf;
	size_t nservers, ndomains, nproviders;
	struct mp_plan_server *servers;
	struct mp_plan_domain *domains;
	struct mp_plan_provider *providers;   /* catalogue + inline */
	struct mp_arena arena;                /* owns everything above */
};

/* Load a catalogue and an inventory. Errors (MP_EINVAL) set why->text to
 * "FILE:LINE: FIELD: message". The result is freed with mp_plan_inventory_free. */
MP_API enum mp_status mp_plan_load(struct mp_str catalog, const char *catalog_name,
                                   struct mp_str inventory, const char *inventory_name,
                                   struct mp_plan_inventory **out, struct mp_why *why);
MP_API void mp_plan_inventory_free(struct mp_plan_inventory *inv);

/* What a record is for. */
enum mp_plan_kind {
	MP_PLAN_SPF,          /* TXT v=spf1 */
	MP_PLAN_DKIM_KEY,     /* TXT v=DKIM1 for one of our servers */
	MP_PLAN_DKIM_CNAME,   /* CNAME delegating a selector to a provider */
	MP_PLAN_DKIM_MANUAL,  /* TXT the provider gives you (value unknown here) */
	MP_PLAN_DMARC,        /* TXT v=DMARC1 */
	MP_PLAN_REPORT_AUTH,  /* TXT v=DMARC1 at <dom>._report._dmarc.<dest> */
	MP_PLAN_NULL_MX,      /* MX 0 . (RFC 7505) */
	MP_PLAN_PTR,          /* reverse DNS to request from the address owner */
	MP_PLAN_HELO_A,       /* A/AAAA for a server's HELO name */
};

struct mp_plan_record {
	enum mp_plan_kind kind;
	struct mp_str domain;      /* the inventory domain this belongs to */
	struct mp_str owner;       /* fully qualified, no trailing dot */
	uint16_t type;             /* MP_DNS_T_* values */
	struct mp_str value;       /* presentation value; TXT unsplit, unquoted */
	struct mp_str comment;     /* why, for people */
	const struct mp_plan_server *server; /* DKIM key / PTR / HELO: whose */
	struct mp_str selector;    /* DKIM: selector */
	bool in_zone;              /* publish in the domain's zone (PTR: no) */
	int dns_terms;             /* SPF: lookups through include trees; -1 unknown */
};

struct mp_plan_warning {
	struct mp_str id, domain, message, fix;
};

struct mp_plan_opts {
	const char *yyyymm;        /* selector date; NULL = current month (UTC) */
	bool seeded;               /* reproducible selectors (tests, reviews) */
	uint64_t seed;
	const char *keys_dir;      /* reuse selectors of keys already there (--keys) */
};

struct mp_plan_result {
	size_t nrecords, nwarnings;
	struct mp_plan_record *records;
	struct mp_plan_warning *warnings;
	struct mp_str keytable;    /* mailproofd KeyTable file contents */
	struct mp_str sendermap;   /* mailproofd SenderMap skeleton */
	struct mp_str postfix;     /* Postfix main.cf/master.cf snippet */
	struct mp_arena arena;
};

/* Turn the inventory into records, warnings and configuration. */
MP_API enum mp_status mp_plan_build(const struct mp_plan_inventory *inv,
                                    const struct mp_plan_opts *o,
                                    struct mp_plan_result **out, struct mp_why *why);
MP_API void mp_plan_result_free(struct mp_plan_result *r);

/* Format one record as a zone-file line (TXT split into 255-byte quoted
 * strings, owner with a trailing dot). */
MP_API enum mp_status mp_plan_zone_line(const struct mp_plan_record *rec, struct mp_buf *out);

struct mp_resolver;

/* Count each planned SPF record's DNS-querying terms through the real
 * include trees (the SPF linter on every include target, through res);
 * sets dns_terms and comments, adds plan-spf-over-limit and
 * plan-include-broken warnings. */
MP_API enum mp_status mp_plan_count_spf(struct mp_plan_result *r, struct mp_resolver *res);

/* Generate (or reuse) one DKIM key per server selector in dir
 * (<selector>.key, PKCS#8 PEM, mode 0600), fill in the DKIM records' p= and
 * the KeyTable. *ncreated: keys newly written. MP_EIO/MP_EINVAL with why
 * (never key material). */
MP_API enum mp_status mp_plan_attach_keys(struct mp_plan_result *r, const char *dir,
                                          size_t *ncreated, struct mp_why *why);

/* ---- drift: the plan against published DNS ---- */

enum mp_plan_drift_kind {
	MP_PLAN_DRIFT_MISSING,  /* not published */
	MP_PLAN_DRIFT_DIFFERS,  /* published with another value */
	MP_PLAN_DRIFT_EXTRA,    /* published more than once (or records to remove) */
	MP_PLAN_DRIFT_UNKNOWN,  /* DNS trouble: could not tell (not counted as drift) */
};

struct mp_plan_diff {
	const struct mp_plan_record *record;
	enum mp_plan_drift_kind kind;
	struct mp_str published;   /* what DNS has (first differing value) */
	struct mp_str change;      /* the change to make, for people */
};

struct mp_plan_drift {
	size_t ndiffs, ndrift, cap;  /* ndrift: diffs that are not UNKNOWN */
	struct mp_plan_diff *diffs;  /* in the result's arena */
	bool nomem;
};

/* Look up every record of r through res and list the differences. */
MP_API enum mp_status mp_plan_drift(struct mp_plan_result *r, struct mp_resolver *res,
                                    struct mp_plan_drift *out);
MP_API const char *mp_plan_drift_name(enum mp_plan_drift_kind k); /* "missing" ... */
MP_API const char *mp_plan_kind_name(enum mp_plan_kind k);        /* "spf" "dkim-key" ... */

#endif
