/* mailproof/dmarc.h - DMARC (RFC 9989, with RFC 7489 as a compatibility
 * mode): record parsing, policy discovery (DNS tree walk or public suffix
 * list), Organizational Domains, identifier alignment and the verdict.
 *
 * Sans-IO: discovery and evaluation are one state machine per message that
 * implements struct mp_dns_client (mailproof/dns.h). Everything it produces
 * lives in the arena it was created with. Results are structured values;
 * nothing is formatted and parsed again. Thread-safe per object; a PSL
 * object may be shared between threads.
 */
#ifndef MAILPROOF_DMARC_H
#define MAILPROOF_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* RFC 9989 §4.4, RFC 8601 §2.7.x: DMARC results in RFC words. */
enum mp_dmarc_result {
	MP_DMARC_NONE,       /* no policy record applies */
	MP_DMARC_PASS,
	MP_DMARC_FAIL,
	MP_DMARC_TEMPERROR,  /* DNS trouble: neither pass nor fail */
	MP_DMARC_PERMERROR,  /* no single usable author domain, limits */
};

/* Policies (p, sp, np) and dispositions share these words. */
enum mp_dmarc_policy {
	MP_DMARC_POLICY_UNSET,       /* tag absent or invalid */
	MP_DMARC_POLICY_NONE,
	MP_DMARC_POLICY_QUARANTINE,
	MP_DMARC_POLICY_REJECT,
};

enum mp_dmarc_align { MP_DMARC_RELAXED, MP_DMARC_STRICT };
enum mp_dmarc_psd { MP_DMARC_PSD_U, MP_DMARC_PSD_Y, MP_DMARC_PSD_N };

/* How the policy record and Organizational Domains are found. */
enum mp_dmarc_mode {
	MP_DMARC_MODE_9989,     /* DNS tree walk (default) */
	MP_DMARC_MODE_7489,     /* public suffix list; pct= honoured */
	MP_DMARC_MODE_COMPARE,  /* RFC 9989 applied; RFC 7489 computed and compared */
};

/* fo= bits (RFC 9989 §4.7) */
#define MP_DMARC_FO_0 0x1u
#define MP_DMARC_FO_1 0x2u
#define MP_DMARC_FO_D 0x4u
#define MP_DMARC_FO_S 0x8u

/* A report URI (rua=, ruf=): views into the record text. */
struct mp_dmarc_uri {
	struct mp_str uri;      /* without the obsolete !size suffix */
	struct mp_str scheme;   /* e.g. "mailto" */
	struct mp_str size;     /* obsolete size suffix after '!' ("10m"); empty when none */
};

/* Something the parser noticed: a syntax error (error=true, the tag took its
 * default or was ignored) or a note (obsolete tag, unknown tag). */
struct mp_dmarc_finding {
	enum mp_reason reason;  /* MP_REASON_DMARC_* */
	bool error;
	struct mp_str tag;      /* tag name as written; may be empty */
	struct mp_str value;    /* offending value; may be empty */
};

enum mp_dmarc_record_status {
	MP_DMARC_REC_NOT_DMARC,  /* no v=DMARC1 first: not a DMARC record (discarded) */
	MP_DMARC_REC_OK,         /* usable (possibly as p=none by the rua rule) */
	MP_DMARC_REC_NO_POLICY,  /* p/sp/np missing or invalid and no valid rua:
	                          * "no DMARC processing" (RFC 9989 §4.10.1) */
};

/* A parsed DMARC record. Views point into the text given to the parser. */
struct mp_dmarc_record {
	struct mp_str text;
	enum mp_dmarc_record_status status;
	enum mp_reason reason;            /* NOT_DMARC / NO_POLICY cause, or
	                                   * DMARC_P_NONE_BY_RUA; NONE otherwise */
	enum mp_dmarc_policy p, sp, np;   /* as published; UNSET when absent or invalid */
	enum mp_dmarc_policy eff_p, eff_sp, eff_np; /* what applies: defaults (sp<-p,
	                                   * np<-sp) and the rua rule applied */
	enum mp_dmarc_align adkim, aspf;
	enum mp_dmarc_psd psd;
	bool t;                           /* t=y: testing, apply one level weaker */
	unsigned fo;                      /* MP_DMARC_FO_* bits; FO_0 by default */
	/* RFC 7489-only tags, parsed and reported obsolete */
	bool has_pct, has_rf, has_ri;
	unsigned pct;                     /* 0..100, default 100 */
	struct mp_str rf;                 /* as written */
	uint32_t ri;                      /* default 86400 */
	size_t nrua, nruf;
	struct mp_dmarc_uri rua[MP_LIMIT_DMARC_URIS];
	struct mp_dmarc_uri ruf[MP_LIMIT_DMARC_URIS];
	size_t nfindings;                 /* findings past the limit are dropped */
	struct mp_dmarc_finding findings[MP_LIMIT_DMARC_FINDINGS];
};

/* Parse one record (a TXT record's joined strings, RFC 9989 §4.7, §4.8).
 * Always MP_OK (EINVAL when out is NULL): hostile text is a result in
 * out->status and out->findings. text must outlive out. */
MP_API enum mp_status mp_dmarc_record_parse(struct mp_str text, struct mp_dmarc_record *out);
/* Does text start with the v=DMARC1 tag (what a tree walk keeps)? */
MP_API bool mp_dmarc_is_record(struct mp_str text);

MP_API const char *mp_dmarc_result_name(enum mp_dmarc_result r);   /* "pass" ... */
MP_API const char *mp_dmarc_policy_name(enum mp_dmarc_policy p);   /* "none" ...; "" for UNSET */
MP_API const char *mp_dmarc_mode_name(enum mp_dmarc_mode m);       /* "9989" "7489" "compare" */
/* t=y: reject -> quarantine, quarantine -> none (RFC 9989 §4.7 t). */
MP_API enum mp_dmarc_policy mp_dmarc_policy_weaker(enum mp_dmarc_policy p);

/* ---- domains ---- */
/* Normalize a domain for DMARC: lower case, trailing dot removed, LDH
 * labels (U-labels converted to A-labels), at most MP_LIMIT_DMARC_DOMAIN
 * bytes. Result in arena; false (out empty) when the input is not a usable
 * host name (NUL byte, empty label, '@', other bytes). */
MP_API bool mp_dmarc_domain_norm(struct mp_arena *a, struct mp_str in, struct mp_str *out);

/* ---- public suffix list (RFC 7489 §3.2) ---- */
struct mp_dmarc_psl;
/* Load a PSL file (public_suffix_list.dat format), or with path NULL the
 * system data (Debian's publicsuffix package). NULL with why on failure. */
MP_API struct mp_dmarc_psl *mp_dmarc_psl_load(const char *path, struct mp_why *why);
MP_API void mp_dmarc_psl_free(struct mp_dmarc_psl *psl);
/* RFC 7489 §3.2 Organizational Domain of a normalized domain: the public
 * suffix plus one label; the domain itself when it is a public suffix.
 * Result in arena; empty on ENOMEM. */
MP_API struct mp_str mp_dmarc_psl_orgdomain(const struct mp_dmarc_psl *psl, struct mp_str domain,
                                            struct mp_arena *a);

/* ---- discovery ---- */
struct mp_dmarc_opts {
	enum mp_dmarc_mode mode;
	const struct mp_dmarc_psl *psl;  /* needed by 7489 and compare modes */
	unsigned pct_roll;               /* 0..99; RFC 7489 mode applies the policy
	                                  * when pct_roll < pct (sampling) */
};

enum mp_dmarc_step_state {
	MP_DMARC_STEP_ABSENT,     /* no DMARC record at this name */
	MP_DMARC_STEP_RECORD,     /* exactly one DMARC record */
	MP_DMARC_STEP_MULTIPLE,   /* several: all discarded (counts as absent) */
	MP_DMARC_STEP_TEMPERROR,  /* indeterminate DNS answer */
};

/* One name of a walk. */
struct mp_dmarc_step {
	struct mp_str domain;     /* queried at "_dmarc." + domain */
	enum mp_dmarc_step_state state;
	const struct mp_dmarc_record *record; /* RECORD only */
};

/* RFC 9989 §4.10 DNS tree walk from one domain, at most
 * MP_LIMIT_DMARC_TREE_WALK names, stopping at a record with psd=y/n. */
struct mp_dmarc_walk {
	struct mp_str start;
	size_t nsteps;
	struct mp_dmarc_step steps[MP_LIMIT_DMARC_TREE_WALK];
	bool done;
	bool temperror;           /* an answer on the way was indeterminate */
	struct mp_str org_domain; /* §4.10.2 selection (done && !temperror) */
};

/* Where the policy came from, for one method. */
struct mp_dmarc_found {
	bool found;
	bool temperror;
	struct mp_str policy_domain;            /* the name the record was found at */
	const struct mp_dmarc_record *record;
	bool psd;                               /* the record is a PSD's (psd=y) */
	struct mp_str org_domain;               /* author's Organizational Domain */
	struct mp_why why;                      /* when !found */
};

struct mp_dmarc_discovery {
	enum mp_dmarc_mode mode;
	struct mp_str domain;                   /* author domain, normalized */
	struct mp_dmarc_found applied;          /* the method the mode applies */
	struct mp_dmarc_found rfc9989, rfc7489; /* each as computed (compare: both) */
	const struct mp_dmarc_walk *walk;       /* author's tree walk (9989, compare) */
	bool differs;                           /* compare: org domain, policy domain or policy differ */
	struct mp_why compare_why;              /* what differs */
	size_t nqueries;                        /* DNS questions asked so far */
};

/* ---- evaluation ---- */
/* Authentication results as DMARC sees them (RFC 9989 §5.3.3). */
enum mp_dmarc_auth {
	MP_DMARC_AUTH_NONE,
	MP_DMARC_AUTH_PASS,
	MP_DMARC_AUTH_FAIL,       /* also SPF softfail/neutral, DKIM neutral/policy */
	MP_DMARC_AUTH_TEMPERROR,
	MP_DMARC_AUTH_PERMERROR,
};

struct mp_dmarc_spf {
	enum mp_dmarc_auth result;
	struct mp_str domain;     /* MAIL FROM domain; for a null reverse-path the
	                           * HELO domain (RFC 7208 §2.4 postmaster@HELO) */
	bool null_path;           /* identity is postmaster@HELO */
};

struct mp_dmarc_dkim {
	enum mp_dmarc_auth result;
	struct mp_str domain;     /* d= exactly as in the signature (any bytes) */
	struct mp_str selector;   /* s= */
};

/* Alignment of one authenticated identifier. */
struct mp_dmarc_ident {
	enum mp_dmarc_auth result;
	struct mp_str domain;     /* as given */
	struct mp_str selector;   /* DKIM only */
	bool usable;              /* a valid host name */
	bool aligned;
	struct mp_str org_domain; /* relaxed mode, when a walk/PSL was needed */
	bool temperror;           /* org domain unknown: DNS trouble */
};

struct mp_dmarc_verdict {
	enum mp_dmarc_result result;
	struct mp_why why;
	struct mp_str domain;                 /* author domain (header.from) */
	struct mp_str policy_domain;          /* where the applied record is */
	const struct mp_dmarc_record *record;
	enum mp_dmarc_policy policy;          /* published policy that applies */
	const char *policy_tag;               /* "p", "sp" or "np"; "" when none */
	enum mp_dmarc_policy disposition;     /* what the receiver should do */
	bool testing;                         /* t=y made the disposition weaker */
	bool sampled_out;                     /* RFC 7489 pct= made it weaker */
	bool author_exists;                   /* false: NXDOMAIN, np applies */
	enum mp_dmarc_align adkim, aspf;
	bool spf_aligned, dkim_aligned;
	struct mp_dmarc_ident spf;            /* domain empty when none given */
	size_t ndkim;
	const struct mp_dmarc_ident *dkim;
	const struct mp_dmarc_discovery *discovery;
};

struct mp_dmarc_eval;

/* One message's DMARC evaluation in arena a (no _free: the arena owns it).
 * domain is the author domain from mp_msg_author(); it is normalized here,
 * and an unusable one gives a permerror verdict without DNS. o is copied.
 * NULL on ENOMEM. */
MP_API struct mp_dmarc_eval *mp_dmarc_eval_new(struct mp_arena *a, const struct mp_dmarc_opts *o,
                                               struct mp_str domain);
/* A verdict without DNS: permerror for a message without one usable author
 * (why from mp_msg_author(); MSG_* reason kept). */
MP_API struct mp_dmarc_eval *mp_dmarc_eval_new_error(struct mp_arena *a,
                                                     const struct mp_dmarc_opts *o,
                                                     enum mp_dmarc_result result,
                                                     const struct mp_why *why);
/* Give SPF and DKIM results, any time before or after discovery (copied;
 * at most MP_LIMIT_DMARC_IDENTIFIERS in all, the rest ignored). spf may be
 * NULL. Without this call the object only discovers. */
MP_API enum mp_status mp_dmarc_eval_set_auth(struct mp_dmarc_eval *ev, const struct mp_dmarc_spf *spf,
                                             const struct mp_dmarc_dkim *dkim, size_t ndkim);
/* The sans-IO client. run() returns MP_PENDING with questions, or MP_OK when
 * it can go no further: discovery done and no auth results given yet, or
 * the verdict is ready. MP_ENOMEM on allocation failure. */
MP_API struct mp_dns_client mp_dmarc_eval_client(struct mp_dmarc_eval *ev);
/* Discovery result once discovery is complete; NULL before. */
MP_API const struct mp_dmarc_discovery *mp_dmarc_eval_discovery(const struct mp_dmarc_eval *ev);
/* Verdict once complete; NULL before. */
MP_API const struct mp_dmarc_verdict *mp_dmarc_eval_verdict(const struct mp_dmarc_eval *ev);

/* The resinfo for Authentication-Results (RFC 8601 §2.7, RFC 9989 §9.2):
 * dmarc=pass (p=reject sp=none dis=none) header.from=example.com
 * appended to out; values quoted where RFC 8601 requires. */
MP_API enum mp_status mp_dmarc_authres(const struct mp_dmarc_verdict *v, struct mp_buf *out);

#endif
