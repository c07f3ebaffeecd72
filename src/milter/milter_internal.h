/* milter_internal.h - mailproofd's private interfaces: configuration,
 * sender map, internal hosts, key table, sender binding, per-message
 * decisions. Everything here except milter_main.c / milter_cb.c is pure
 * (no libmilter, no sockets) so it is unit-tested and fuzzed directly.
 */
#ifndef MAILPROOF_MILTER_INTERNAL_H
#define MAILPROOF_MILTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* ---- internal hosts: CIDR lists ---- */
struct milter_cidr {
	uint8_t family;          /* 4 or 6 */
	uint8_t bits;            /* prefix length */
	uint8_t addr[16];        /* network address, host bits cleared */
};

/* Parse "ADDR[/BITS]" into out; false when malformed. */
bool milter_cidr_parse(struct mp_str s, struct milter_cidr *out);
/* Is the address (4 or 16 bytes, family 4 or 6) inside one of the n
 * entries? An IPv4-mapped IPv6 address matches IPv4 entries. */
bool milter_cidr_match(const struct milter_cidr *list, size_t n, int family,
                       const uint8_t *addr);

/* ---- sender map: which login may use which addresses ---- */
struct milter_bind_pair {
	struct mp_str login;     /* as written (compared without case) */
	struct mp_str pattern;   /* "local@domain" or "@domain", lower-cased */
};

struct milter_sendermap {
	struct milter_bind_pair *pairs;  /* sorted by login, in the config arena */
	size_t n;
	size_t cap;
};

enum milter_map_format {
	MILTER_MAP_NATIVE,       /* login  addr, @domain, ... */
	MILTER_MAP_POSTFIX,      /* addr|@domain  login, login (smtpd_sender_login_maps) */
};

/* Parse map text into map (pairs allocated in a; the text must outlive
 * nothing: views are copied). Syntax errors: MP_EINVAL with why
 * "FILE:LINE: message"; MP_ELIMIT past MP_LIMIT_MILTER_SENDER_PAIRS. */
enum mp_status milter_sendermap_parse(struct milter_sendermap *map,
                                      enum milter_map_format fmt, struct mp_str text,
                                      const char *filename, struct mp_arena *a,
                                      struct mp_why *why);
/* Sort the pairs for lookups; call once after the last parse. */
void milter_sendermap_finish(struct milter_sendermap *map);
/* Does login have any entry? */
bool milter_sendermap_has_login(const struct milter_sendermap *map, struct mp_str login);
/* May login use the address local@domain? (local compared without case,
 * domain already lower-cased by the address parser). */
bool milter_sendermap_allows(const struct milter_sendermap *map, struct mp_str login,
                             struct mp_str local, struct mp_str domain_lc);

/* ---- sender binding (pure) ---- */
/* Decide whether an authenticated login may send this message.
 * from: the author as found by mp_msg_author (NULL when it failed, with
 * from_why saying why); env: the parsed envelope sender (NULL when its
 * parse failed, env_why saying why; local and domain empty for "<>").
 * Returns true when allowed; otherwise false with why set to a
 * MILTER_BIND_* reason and a text naming the address. */
bool milter_bind_check(const struct milter_sendermap *map, struct mp_str login,
                       const struct mp_addr *from, const struct mp_why *from_why,
                       const struct mp_addr *env, const struct mp_why *env_why,
                       struct mp_why *why);

/* ---- key table ---- */
struct milter_key {
	struct mp_str domain;    /* lower-cased */
	struct mp_str selector;
	struct mp_str path;
	struct mp_str pem;       /* key file contents (loaded before privileges drop) */
	bool ed25519;            /* else rsa */
	unsigned row;            /* order in the key table (signing order) */
};

/* ---- DMARC overrides ---- */
enum milter_disp { MILTER_DISP_NONE, MILTER_DISP_QUARANTINE, MILTER_DISP_REJECT };
struct milter_override {
	struct mp_str domain;    /* lower-cased */
	enum milter_disp disp;
};

/* ---- configuration (mailproofd.conf(5)) ---- */
#define MILTER_OVERRIDE_FILES 16         /* DMARCOverride files named */

enum milter_enforce { MILTER_ENFORCE_YES, MILTER_ENFORCE_REPORT_ONLY, MILTER_ENFORCE_NO };
enum milter_onerr { MILTER_ON_TEMPFAIL, MILTER_ON_ACCEPT };

struct milter_config {
	struct mp_arena arena;           /* everything below lives here */
	const char *filename;
	bool load_files;                 /* false: referenced files are not read (fuzzing) */
	uint64_t seen;                   /* keys given, bit per table row (duplicates) */

	const char *socket;              /* "inet:PORT@ADDR", "inet6:PORT@ADDR", "unix:PATH" */
	unsigned socket_mode;            /* for unix sockets; 0 = umask decides */
	const char *user;                /* UserID: user[:group] */
	const char *group;
	const char *pidfile;
	const char *authserv_id;
	struct milter_cidr *internal;
	size_t ninternal;
	const char *internal_file;       /* InternalHosts /path (read by finish) */
	const char *keytable;
	struct milter_key *keys;         /* sorted by domain */
	size_t nkeys;
	bool require_safe_keys;
	const char *sendermap_path;
	enum milter_map_format sendermap_fmt;
	struct milter_sendermap sendermap;
	enum milter_enforce dmarc_enforce;
	enum milter_onerr on_temp_error;
	enum milter_onerr on_internal_error;
	unsigned dns_budget_ms;
	unsigned dns_timeout_ms;
	const char *dns_servers[MP_LIMIT_MILTER_DNS_SERVERS];
	size_t ndns_servers;
	const char *zone_file;
	unsigned max_connections;
	unsigned milter_timeout_s;
	bool syslog;
	int log_facility;                /* LOG_MAIL etc. */
	struct milter_override *overrides; /* sorted by domain */
	size_t noverrides;
	const char *override_files[MILTER_OVERRIDE_FILES];
	size_t noverride_files;
	size_t max_header_bytes;
};

/* Name of the i-th configuration key, NULL past the last (for the test
 * that every key is documented in mailproofd.conf(5)). */
const char *milter_config_key_name(size_t i);
/* Defaults, empty lists. */
void milter_config_init(struct milter_config *cfg);
void milter_config_fini(struct milter_config *cfg);
/* Parse configuration text (and, when cfg->load_files, the files it
 * names: InternalHosts, KeyTable and its keys, SenderMap, DMARCOverride).
 * Errors: MP_EINVAL (or MP_EIO, MP_ELIMIT) with why "FILE:LINE: message". */
enum mp_status milter_config_parse(struct milter_config *cfg, struct mp_str text,
                                   const char *filename, struct mp_why *why);
/* After the main file: read the files it names (when cfg->load_files),
 * sort tables, check cross-key rules and fill defaults. Called by
 * milter_config_parse. */
enum mp_status milter_config_finish(struct milter_config *cfg, struct mp_why *why);
/* Add a list of CIDRs / of domain=policy items; NULL or an error text. */
const char *milter_config_add_cidrs(struct milter_config *cfg, struct mp_str list);
const char *milter_config_add_overrides(struct milter_config *cfg, struct mp_str list);
/* Read path and parse it (at most MP_LIMIT_CONFIG_FILE bytes). */
enum mp_status milter_config_load(struct milter_config *cfg, const char *path,
                                  struct mp_why *why);
/* Read a whole file of at most max bytes into buf (NUL-terminated).
 * MP_EIO / MP_ELIMIT with why. */
enum mp_status milter_read_file(const char *path, size_t max, struct mp_buf *buf,
                                struct mp_why *why);

/* Keys for a From domain (lower-cased): first row and count; NULL/0 when
 * the domain has no key. */
const struct milter_key *milter_config_keys(const struct milter_config *cfg,
                                            struct mp_str domain_lc, size_t *n);
/* Local override for an author domain; false when none. */
bool milter_config_override(const struct milter_config *cfg, struct mp_str domain_lc,
                            enum milter_disp *out);

/* LDH labels separated by single dots (map keys, overrides, key table). */
bool milter_valid_domain(struct mp_str d);

/* ---- line splitting shared by the parsers ---- */
struct milter_lines {
	struct mp_str text;
	size_t pos;
	unsigned lineno;         /* of the line last returned (first line of a continued one) */
	unsigned next_lineno;
	bool continuation;       /* join lines that start with whitespace (Postfix maps) */
};

/* Next logical line without comments ('#' to end of line) and trimmed;
 * empty lines are skipped. false at the end. *bad set when a line is longer
 * than MP_LIMIT_CONFIG_LINE or holds a NUL byte. Continued lines are
 * joined into buf. */
bool milter_lines_next(struct milter_lines *l, struct mp_buf *buf, struct mp_str *line,
                       bool *bad);
/* Split off the next item of a list separated by commas and/or white
 * space; false when none is left. */
bool milter_next_item(struct mp_str *rest, struct mp_str *item);

/* ---- per-message decisions (pure) ---- */
/* What the inbound checks concluded, in the words the decision needs. */
enum milter_dmarc { MILTER_DMARC_NONE, MILTER_DMARC_PASS, MILTER_DMARC_FAIL,
                    MILTER_DMARC_TEMPERROR, MILTER_DMARC_PERMERROR };

struct milter_verdict {
	enum milter_dmarc dmarc;
	enum milter_disp policy;         /* the domain's requested disposition on fail */
	struct mp_str author_domain;     /* lower-cased; may be empty */
	bool temperror;                  /* any check could not finish (DNS, budget) */
};

enum milter_action { MILTER_ACT_ACCEPT, MILTER_ACT_QUARANTINE, MILTER_ACT_REJECT,
                     MILTER_ACT_TEMPFAIL };

struct milter_decision {
	enum milter_action action;
	const char *rcode, *xcode;       /* "550" "5.7.1"; NULL for accept/quarantine */
	char text[MP_WHY_TEXT_MAX + 80];  /* reply or quarantine text */
	bool enforced;                   /* false: report-only / overridden to none */
};

/* Inbound: DMARC policy (or local override) under DMARCEnforce, temperror
 * under OnTempError. Never enforced for outbound mail (the caller does not
 * ask). */
void milter_decide_inbound(const struct milter_config *cfg, const struct milter_verdict *v,
                           struct milter_decision *out);
/* Internal error: OnInternalError (default tempfail 451 4.7.5). */
void milter_decide_internal(const struct milter_config *cfg, const char *what,
                            struct milter_decision *out);
/* Sender binding refused: 553 5.7.1 with the reason. */
void milter_decide_binding(const struct mp_why *why, struct milter_decision *out);
const char *milter_action_name(enum milter_action a);

/* The authserv-id of an Authentication-Results value (RFC 8601 §2.2:
 * CFWS, then token or quoted-string), or of a Received-SPF receiver=
 * (RFC 7208 §9.1), compared with ours without case. Hostile input: bounded
 * comment nesting, never reads past the value. */
bool milter_authres_is_ours(struct mp_str value, struct mp_str authserv_id);
bool milter_received_spf_is_ours(struct mp_str value, struct mp_str authserv_id);

#endif
