/* check_internal.h - the domain check's private state, shared by the
 * engine (check_engine.c), the per-mechanism handlers (check_mx.c,
 * check_spf.c, check_dmarc.c, check_dkim.c, check_records.c), the rules
 * (check_rules.c) and the report writers. */
#ifndef MAILPROOF_CHECK_INTERNAL_H
#define MAILPROOF_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <mailproof/check.h>
#include <mailproof/dmarc.h>
#include <mailproof/dns.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

/* What one of our own questions is for. */
enum slot_kind {
	K_SHARED,         /* only asked for a sub-core (SPF linter, DMARC discovery) */
	K_SPF_TXT,        /* TXT <domain> */
	K_DMARC_TXT,      /* TXT _dmarc.<domain> */
	K_MX,             /* MX <domain> */
	K_DKIM,           /* TXT <selector>._domainkey.<domain>; idx = selector */
	K_DKIM_PARENT,    /* TXT _domainkey.<domain>: NXDOMAIN spares the selectors */
	K_MTA_STS,        /* TXT _mta-sts.<domain> */
	K_TLSRPT,         /* TXT _smtp._tls.<domain> */
	K_BIMI,           /* TXT default._bimi.<domain> */
	K_PROBE_A,        /* A <random>.<domain> */
	K_PROBE_DMARC,    /* TXT _dmarc.<random>.<domain> */
	K_MX_A,           /* A <mx host>; idx = host */
	K_MX_AAAA,        /* AAAA <mx host>; idx = host */
	K_MX_TLSA,        /* TLSA _25._tcp.<mx host>; idx = host */
	K_PTR,            /* PTR of an MX address; idx = host, idx2 = address */
	K_PTR_FWD,        /* A/AAAA of that PTR name; idx, idx2 as above */
	K_REPORT_AUTH,    /* TXT <domain>._report._dmarc.<dest>; idx = dest */
};

struct check_sub;

/* A sub-core question waiting on a slot. */
struct waiter {
	struct check_sub *sub;
	const struct mp_dns_question *q;
	struct waiter *next;
};

/* One question. q is the first member: the question pointers handed to the
 * driver are &slot->q. */
struct slot {
	struct mp_dns_question q;
	enum slot_kind kind;
	size_t idx, idx2;
	bool handed, answered, processed;
	bool parked;     /* a first timeout/SERVFAIL held back: asked again or kept */
	bool retried;    /* asked a second time: the next answer is final */
	bool held;       /* waits for its parent name's answer (settle_held) */
	const struct mp_dns_answer *ans;
	struct waiter *waiters;
	struct slot *next;
};

/* A sans-IO core the check drives inside itself (SPF linter, DMARC
 * discovery); its questions are mapped onto slots so each name is asked
 * once per domain. */
struct check_sub {
	struct mp_dns_client cl;
	bool done, dirty;
	enum mp_status st;
	void (*on_done)(struct mp_check *c, struct check_sub *s);
	void (*release)(void *core);
};

/* A DKIM selector's wave (--dkim-probe likely): the first is asked when
 * the gate opens, each next one only when the waves before found no key;
 * with --dkim-probe all every selector is in the first. */
enum {
	CHECK_WAVE_FIRST = 1,   /* --selectors, each provider's first selector,
	                         * else default/dkim/mail */
	CHECK_WAVE_PROVIDER,    /* the providers' other selectors */
	CHECK_WAVE_REST,        /* the rest of the built-in list */
};

struct check_sel {
	unsigned char wave;
	bool user;          /* --selectors */
	bool asked;         /* a slot exists (asked, or settled by _domainkey) */
};

#define CHECK_SUBS 4
/* Selectors from which _domainkey.<domain> is asked first: below that,
 * the extra question costs more than it can spare. */
#define CHECK_DKIM_PARENT_MIN 4
/* The same for a --dkim-probe likely wave: a first wave that finds
 * nothing is followed by _domainkey anyway (before the second wave), so
 * asking it first pays off sooner. 3 = the self-hosted defaults; a
 * provider's one or two selectors are asked straight away. */
#define CHECK_DKIM_PARENT_MIN_LIKELY 3

struct mp_check {
	struct mp_arena arena;
	struct mp_str domain;             /* lower case, no trailing dot */
	struct mp_str probe;              /* <random label>.<domain> */
	struct mp_check_opts opts;        /* selectors copied into the arena */
	bool started, finished, bad_domain;
	bool gate_open;                   /* past the SPF/DMARC/MX gate */
	bool doomed;                      /* a gate answer failed: verdict unknown */
	bool alive;                       /* some answer was authoritative (present or absent) */
	size_t nretries;                  /* questions asked a second time */
	bool reprobed;                    /* not alive: one timed-out question asked again */
	enum mp_status err;               /* ENOMEM / ELIMIT while running */

	struct slot *slots, **tail;
	size_t nslots;
	const struct mp_dns_question **pending;
	size_t npending, pending_cap;

	struct check_sub subs[CHECK_SUBS];
	size_t nsubs;

	/* our own key answers */
	struct slot *s_spf, *s_dmarc, *s_mx, *s_probe_a, *s_probe_dmarc, *s_domainkey;

	struct mp_check_dkim_key *keys;   /* one per selector probed */
	struct check_sel *sels;           /* beside keys: wave, asked */
	size_t nkeys_alloc;
	unsigned char wave;               /* likely probe: the last wave asked */
	bool waves_done;                  /* likely probe: a key found or no wave left */
	struct mp_check_mx_host *hosts;

	struct mp_check_finding *findings;
	size_t nfindings, findings_cap;
	const struct mp_spf_lint_report *spf_lint;   /* NULL until the linter is done */
	/* DMARC discovery for the domain and for the non-existent probe */
	const struct mp_dmarc_discovery *disc, *probe_disc;
	struct {
		struct mp_str dest;       /* destination host of a rua/ruf URI */
		struct slot *s;           /* its _report._dmarc question */
	} reports[MP_LIMIT_CHECK_REPORT_DESTS];
	size_t nreports;
	bool spf_lint_failed_dns;         /* the linter met a temperror */
	struct mp_str dns_error;          /* first indeterminate answer that matters */

	struct mp_check_result res;
};

/* ---- engine (check_engine.c) ---- */
/* A new question of ours; NULL (and c->err set) on ENOMEM/ELIMIT. */
struct slot *check_ask(struct mp_check *c, uint16_t type, struct mp_str name,
                       enum slot_kind kind, size_t idx, size_t idx2);
/* Start a sub-core: it is run at once and its questions mapped to slots. */
enum mp_status check_add_sub(struct mp_check *c, const struct mp_dns_client *cl,
                             void (*on_done)(struct mp_check *, struct check_sub *),
                             void (*release)(void *));
/* Add a finding; message and fix are printf-formatted into the arena
 * (fix may be NULL). Rule metadata (severity, area, effect) comes from
 * the table in check_rules.c. */
void check_find(struct mp_check *c, enum mp_reason id, const char *fix,
                const char *fmt, ...) MP_PRINTF(4, 5);
/* Remember the first indeterminate answer that decides the verdict. */
void check_dns_error(struct mp_check *c, const struct mp_dns_answer *a);
/* State of an answer: PRESENT / ABSENT / UNKNOWN. */
enum mp_check_state check_state_of(const struct mp_dns_answer *a);
/* Printf into the arena; "" on failure (c->err set). */
struct mp_str check_printf(struct mp_check *c, const char *fmt, ...) MP_PRINTF(2, 3);
/* Records among the TXT answer a whose text starts with prefix
 * (case-insensitive; followed by end or a space or ';' as sep says). */
size_t check_txt_select(const struct mp_dns_answer *a, const char *prefix, char sep,
                        struct mp_str *first);

/* ---- handlers ---- */
void check_mx_answer(struct mp_check *c, struct slot *s);
void check_mx_rules(struct mp_check *c);
void check_dkim_answer(struct mp_check *c, struct slot *s);
void check_dkim_rules(struct mp_check *c);
/* Add selectors derived from the domain's MX hosts and SPF includes
 * (provider patterns): each provider's first selector to the first wave,
 * its others to the provider wave; in likely mode with none derived and
 * no --selectors, default/dkim/mail. Called once the gate is open. */
void check_dkim_derive(struct mp_check *c);
/* A selector into c->keys (de-duplicated; an existing one moves to the
 * earlier wave). false on ENOMEM or when the list is full. */
bool check_add_selector(struct mp_check *c, struct mp_str sel, unsigned wave, bool user);
void check_spf_start(struct mp_check *c);
void check_spf_answer(struct mp_check *c, struct slot *s);
void check_spf_rules(struct mp_check *c);
void check_dmarc_start(struct mp_check *c);
void check_dmarc_answer(struct mp_check *c, struct slot *s);
void check_dmarc_probe(struct mp_check *c);
void check_dmarc_rules(struct mp_check *c);
void check_records_answer(struct mp_check *c, struct slot *s);
void check_records_rules(struct mp_check *c);
/* Syntax of one MTA-STS, TLS-RPT or BIMI record (kind K_MTA_STS, K_TLSRPT,
 * K_BIMI): NULL when valid, else a static error text. Shared with the
 * fuzz target fuzz/fuzz_check_records.c. */
const char *check_record_validate(enum slot_kind kind, struct mp_str rec);
/* Findings for domains that send no mail, then the verdict. */
void check_finish(struct mp_check *c);

/* Rule metadata (check_rules.c). */
struct check_rule {
	enum mp_reason id;
	enum mp_check_area area;
	enum mp_check_severity severity;
	enum mp_check_verdict effect;
};
const struct check_rule *check_rule(enum mp_reason id);

/* A tag-list ("a=b; c=d", RFC 6376 §3.2 shape) split into views. */
struct check_tag {
	struct mp_str name, value;
};
/* false when malformed (err says why, static text). strict: no WSP
 * around '=', duplicates spelt exactly the same (MTA-STS, TLS-RPT);
 * otherwise DMARC's rules. */
bool check_tags(struct mp_str rec, struct check_tag *tags, size_t max, size_t *n,
                const char **err, bool strict);
const struct check_tag *check_tag_get(const struct check_tag *tags, size_t n, const char *name);

#endif
