/* mailproof/spf.h - SPF evaluation (RFC 7208) and SPF linting, sans-IO.
 *
 * An evaluation is check_host() (RFC 7208 §4) as a state machine: create it
 * with the SMTP facts, call mp_spf_eval_run(); MP_PENDING means it waits for
 * DNS answers (mp_spf_eval_client() gives the struct mp_dns_client a driver
 * such as mp_dns_drive() uses), MP_OK means the outcome is ready. One
 * evaluation per thread at a time; different evaluations are independent.
 */
#ifndef MAILPROOF_SPF_H
#define MAILPROOF_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dns.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

struct mp_spf_eval;                       /* opaque; one per check_host() */

enum mp_spf_result {                      /* RFC 7208 §2.6, in RFC words */
	MP_SPF_NONE, MP_SPF_NEUTRAL, MP_SPF_PASS, MP_SPF_FAIL,
	MP_SPF_SOFTFAIL, MP_SPF_TEMPERROR, MP_SPF_PERMERROR,
};

/* The RFC token for r, e.g. "softfail"; never NULL. */
MP_API const char *mp_spf_result_name(enum mp_spf_result r);
/* Token to result ("pass" -> MP_SPF_PASS, case-insensitive); false if unknown. */
MP_API bool mp_spf_result_parse(struct mp_str s, enum mp_spf_result *out);

/* Which identity is checked (RFC 7208 §2.3, §2.4). */
enum mp_spf_identity {
	MP_SPF_ID_MAILFROM,   /* MAIL FROM; a null reverse-path means postmaster@HELO */
	MP_SPF_ID_HELO,       /* the HELO/EHLO name, as postmaster@HELO */
};

/* A client address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is stored as IPv4
 * (RFC 7208 §5: such clients are evaluated as IPv4). */
struct mp_spf_ip {
	uint8_t family;       /* 4 or 6 */
	uint8_t addr[16];     /* 4 or 16 bytes used, network order */
};

/* Parse a textual IPv4 or IPv6 address; false when malformed. */
MP_API bool mp_spf_ip_parse(struct mp_str s, struct mp_spf_ip *out);
/* Presentation form (IPv6 compressed per RFC 5952) into out (>= 46 bytes). */
MP_API void mp_spf_ip_format(const struct mp_spf_ip *ip, char out[46]);

/* The SMTP facts and options of one evaluation. Views are copied by
 * mp_spf_eval_new; they need not outlive the call. */
struct mp_spf_request {
	struct mp_spf_ip ip;
	struct mp_str mail_from;       /* reverse-path; "", "<>" = null; "<a@b>" or "a@b" */
	struct mp_str helo;            /* HELO/EHLO argument */
	enum mp_spf_identity identity;
	struct mp_str receiver;        /* %{r} and Received-SPF receiver=; "unknown" when empty */
	uint64_t now;                  /* %{t}: seconds since the epoch */
	struct mp_str default_exp;     /* explanation when a fail has no exp= (may be empty) */
	unsigned max_dns_terms;        /* 0 = MP_LIMIT_SPF_DNS_TERMS; may only lower it */
	unsigned max_void;             /* 0 = MP_LIMIT_SPF_VOID_LOOKUPS; may only lower it */
};

/* What check_host() concluded. Views live as long as the evaluation. */
struct mp_spf_outcome {
	enum mp_spf_result result;
	enum mp_spf_identity identity;
	struct mp_str sender;          /* <sender> used: local@domain (postmaster@HELO when null) */
	struct mp_str domain;          /* <domain> the check started from */
	struct mp_str mechanism;       /* matched term as written, "default" when none,
	                                * empty when no record was evaluated */
	struct mp_str explanation;     /* only for fail; empty when none */
	struct mp_why why;             /* reason for every non-pass; NONE for pass */
	unsigned dns_terms;            /* DNS-querying terms evaluated (§4.6.4) */
	unsigned void_lookups;         /* void lookups seen (§4.6.4) */
	unsigned queries;              /* DNS questions asked */
};

/* New evaluation for req (copied). MP_OK with *out set, MP_ENOMEM, or
 * MP_EINVAL when ip.family is neither 4 nor 6. Free with mp_spf_eval_free. */
MP_API enum mp_status mp_spf_eval_new(const struct mp_spf_request *req,
                                      struct mp_spf_eval **out);
/* Start over with a new request, keeping memory (bulk use). */
MP_API enum mp_status mp_spf_eval_reset(struct mp_spf_eval *ev,
                                        const struct mp_spf_request *req);
MP_API void mp_spf_eval_free(struct mp_spf_eval *ev);
/* Advance: MP_OK (outcome ready), MP_PENDING (answer the questions, then
 * run again), MP_ENOMEM/MP_ELIMIT (outcome is temperror/permerror). */
MP_API enum mp_status mp_spf_eval_run(struct mp_spf_eval *ev);
/* Unanswered questions; *qs borrowed until the next run/answer. */
MP_API size_t mp_spf_eval_questions(struct mp_spf_eval *ev,
                                    const struct mp_dns_question *const **qs);
/* Give the answer to q (one of the questions); a copies what it needs. */
MP_API enum mp_status mp_spf_eval_answer(struct mp_spf_eval *ev,
                                         const struct mp_dns_question *q,
                                         const struct mp_dns_answer *a);
/* The sans-IO client for drivers (mp_dns_drive, mp_dns_drive_many). */
MP_API void mp_spf_eval_client(struct mp_spf_eval *ev, struct mp_dns_client *out);
/* The outcome; valid after run() returned anything but MP_PENDING. */
MP_API const struct mp_spf_outcome *mp_spf_eval_outcome(const struct mp_spf_eval *ev);

/* Received-SPF field (RFC 7208 §9.1), "Received-SPF: " included, one
 * unfolded line without CRLF (callers fold); sender-supplied text is quoted,
 * cut and stripped of non-printables. Appended to out. */
MP_API enum mp_status mp_spf_received_spf(const struct mp_spf_request *req,
                                          const struct mp_spf_outcome *o,
                                          struct mp_buf *out);
/* resinfo for Authentication-Results (RFC 8601 §2.7.2, RFC 7208 §9.2):
 * "spf=pass smtp.mailfrom=a@b" or "spf=none smtp.helo=host". */
MP_API enum mp_status mp_spf_authres(const struct mp_spf_outcome *o,
                                     struct mp_buf *out);

/* ---- parsing (exposed for lint, fuzzing and tests) ---- */

enum mp_spf_term_kind {
	MP_SPF_T_ALL, MP_SPF_T_INCLUDE, MP_SPF_T_A, MP_SPF_T_MX, MP_SPF_T_PTR,
	MP_SPF_T_IP4, MP_SPF_T_IP6, MP_SPF_T_EXISTS,
	MP_SPF_T_REDIRECT, MP_SPF_T_EXP, MP_SPF_T_UNKNOWN_MOD,
};

struct mp_spf_term {
	enum mp_spf_term_kind kind;
	enum mp_spf_result qualifier;  /* PASS FAIL SOFTFAIL NEUTRAL; mechanisms only */
	struct mp_str text;            /* the term as written */
	size_t pos;                    /* byte offset of the term in the record */
	struct mp_str domain_spec;     /* unexpanded; empty = current domain */
	struct mp_str mod_name;        /* modifiers: name as written */
	uint8_t cidr4, cidr6;          /* a, mx, ip4 (cidr4), ip6 (cidr6) */
	uint8_t net[16];               /* ip4 (4 bytes), ip6 network */
	bool has_macro;                /* domain_spec contains '%' */
};

struct mp_spf_record {
	size_t nterms;
	struct mp_spf_term *terms;     /* in the arena */
	int redirect;                  /* index of redirect=, -1 if none */
	int exp;                       /* index of exp=, -1 if none */
};

/* Is text an SPF record (RFC 7208 §4.5: "v=spf1" then SP or end, any case)? */
MP_API bool mp_spf_is_record(struct mp_str text);
/* Parse a record (starting "v=spf1") into arena. Syntax errors: MP_OK with
 * why set (SPF_SYNTAX and friends; text names the term and its position). */
MP_API enum mp_status mp_spf_record_parse(struct mp_str text, struct mp_arena *a,
                                          struct mp_spf_record *out, struct mp_why *why);
/* Check a macro-string (RFC 7208 §7.1); in_exp allows c, r, t. */
MP_API bool mp_spf_macro_valid(struct mp_str s, bool in_exp);

/* Facts macros expand from (RFC 7208 §7.3). */
struct mp_spf_macro_env {
	struct mp_str sender;          /* s */
	struct mp_str local;           /* l */
	struct mp_str sender_domain;   /* o */
	struct mp_str domain;          /* d */
	struct mp_spf_ip ip;           /* i c v */
	struct mp_str ptr_name;        /* p; NULL ptr = not known yet */
	struct mp_str helo;            /* h */
	struct mp_str receiver;        /* r */
	uint64_t now;                  /* t */
};

enum mp_spf_macro_rc {
	MP_SPF_MACRO_OK,
	MP_SPF_MACRO_SYNTAX,           /* malformed macro-string */
	MP_SPF_MACRO_NEED_P,           /* uses %{p} and env->ptr_name.ptr is NULL */
	MP_SPF_MACRO_TOO_LONG,         /* output over max */
};

/* Expand s into out (appended, at most max bytes). is_domain: a domain-spec
 * (c r t refused; result cut to 253 by dropping left labels, §7.3); else
 * explanation text. */
MP_API enum mp_spf_macro_rc mp_spf_macro_expand(struct mp_str s,
                                                const struct mp_spf_macro_env *env,
                                                bool is_domain, size_t max,
                                                struct mp_buf *out);

/* ---- linting ---- */

enum mp_spf_severity { MP_SPF_INFO, MP_SPF_WARNING, MP_SPF_ERROR };

struct mp_spf_finding {
	const char *id;                /* stable token, e.g. "too-many-lookups" */
	enum mp_spf_severity severity;
	struct mp_str domain;          /* record the finding is about */
	struct mp_str message;
	const char *rule;              /* e.g. "RFC 7208 §4.6.4" */
	struct mp_str fix;
};

/* One counted DNS lookup, in evaluation order (shows the work). */
struct mp_spf_lookup {
	struct mp_str domain;          /* record holding the term */
	struct mp_str term;            /* as written */
	const char *rule;              /* the RFC rule that counts it */
	unsigned depth;                /* include/redirect nesting */
	unsigned count;                /* running total after this term */
	bool is_void;                  /* its lookup returned no data */
};

struct mp_spf_lint_report {
	struct mp_str domain;
	struct mp_str record;          /* top-level record (empty when none) */
	size_t nfindings;
	const struct mp_spf_finding *findings;
	size_t nlookups;
	const struct mp_spf_lookup *lookups;
	unsigned dns_terms;            /* counted through includes and redirects */
	unsigned void_lookups;
	int headroom;                  /* MP_LIMIT_SPF_DNS_TERMS - dns_terms (may be < 0) */
	bool strict_ok;                /* within 10 terms and 2 void lookups */
	bool lenient_ok;               /* within MP_LIMIT_SPF_LENIENT_DNS_TERMS, no void limit */
	bool temporary;                /* a DNS error kept parts from being checked */
};

struct mp_spf_lint;
/* Lint domain's SPF (sans-IO like the evaluator). */
MP_API enum mp_status mp_spf_lint_new(struct mp_str domain, struct mp_spf_lint **out);
MP_API void mp_spf_lint_free(struct mp_spf_lint *l);
/* Expand macro-built include:/redirect= targets for this sender (local@domain)
 * and client instead of the default postmaster@DOMAIN from 192.0.2.1; call
 * before the first run. ip may be NULL. MP_OK or MP_ENOMEM. */
MP_API enum mp_status mp_spf_lint_set_sender(struct mp_spf_lint *l, struct mp_str sender,
                                             const struct mp_spf_ip *ip);
MP_API enum mp_status mp_spf_lint_run(struct mp_spf_lint *l);
MP_API void mp_spf_lint_client(struct mp_spf_lint *l, struct mp_dns_client *out);
/* The report; valid after run() returned MP_OK, lives as long as l. */
MP_API const struct mp_spf_lint_report *mp_spf_lint_report(const struct mp_spf_lint *l);
MP_API const char *mp_spf_severity_name(enum mp_spf_severity s);

#endif
