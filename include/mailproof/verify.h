/* mailproof/verify.h - the receiver's verdict on one message: SPF (MAIL
 * FROM and HELO, RFC 7208), every DKIM signature (RFC 6376), DMARC
 * (RFC 9989 / RFC 7489) and the Authentication-Results field (RFC 8601).
 *
 * Sans-IO like the cores it combines: feed the message, then drive the
 * struct mp_dns_client from mp_verify_client() (mp_dns_drive or, for many
 * messages at once, mp_dns_drive_many). All four evaluations ask their DNS
 * questions together. Results are structured values from the cores; the
 * author, the identities compared and what is shown all come from the one
 * address parser (mailproof/msg.h). One object per message in flight;
 * reusable with mp_verify_reset.
 */
#ifndef MAILPROOF_VERIFY_H
#define MAILPROOF_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dkim.h>
#include <mailproof/dmarc.h>
#include <mailproof/dns.h>
#include <mailproof/msg.h>
#include <mailproof/spf.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* DNS answers shared by the messages of one run (batch mode): each name is
 * asked once while its TTL lasts; indeterminate answers are never kept.
 * Bounded (entries and bytes; when full it starts over). One thread. */
struct mp_verify_cache;
/* max_entries 0 = 65536. NULL on ENOMEM. */
MP_API struct mp_verify_cache *mp_verify_cache_new(size_t max_entries);
MP_API void mp_verify_cache_free(struct mp_verify_cache *c);
/* Lookups answered from the cache, and answers stored. */
MP_API void mp_verify_cache_stats(const struct mp_verify_cache *c, uint64_t *hits,
                                  uint64_t *stored);

/* Options shared by every message of a run (borrowed: must outlive). */
struct mp_verify_opts {
	struct mp_str authserv_id;         /* A-R authserv-id; empty: "localhost" */
	struct mp_dmarc_opts dmarc;        /* mode, PSL; pct_roll is the first message's
	                                    * RFC 7489 pct sample, later ones step through 0..99 */
	struct mp_dkim_key_cache *keys;    /* optional decoded-key cache */
	struct mp_verify_cache *dns_cache; /* optional answer cache */
	int64_t now;                       /* 0: time(NULL) */
	enum mp_dkim_length_policy dkim_length; /* l= leaving body unsigned; default FLAG */
};

/* The SMTP envelope of one message (copied by mp_verify_start). */
struct mp_verify_envelope {
	bool has_ip;                       /* false: SPF is none, reason says why */
	struct mp_spf_ip ip;
	struct mp_str helo;
	struct mp_str mail_from;           /* "" or "<>": null reverse-path */
};

/* An identity other than From (Sender, Resent-From): reported only, never
 * used for DMARC (RFC 9989 Appendix A.3). */
struct mp_verify_other {
	struct mp_str field;               /* field name as written */
	struct mp_str addr_spec;           /* first address; empty when unparsable */
	struct mp_str domain;              /* lower case */
	bool differs;                      /* domain differs from the author's */
};

#define MP_VERIFY_OTHERS_MAX 8

struct mp_verify_result {
	/* message */
	struct mp_why msg_why;             /* a header limit stopped parsing (MSG_*) */
	/* From */
	bool has_author;
	struct mp_addr author;             /* valid when has_author */
	struct mp_why from_why;            /* why there is no single author (MSG_*) */
	size_t nfrom;                      /* From fields seen */
	size_t nothers;
	struct mp_verify_other others[MP_VERIFY_OTHERS_MAX];
	/* SPF */
	bool spf_ran;                      /* false without an IP */
	struct mp_why spf_why;             /* when !spf_ran */
	const struct mp_spf_outcome *spf;  /* MAIL FROM identity (postmaster@HELO for <>) */
	const struct mp_spf_outcome *spf_helo; /* HELO identity; NULL without HELO */
	/* DKIM */
	size_t ndkim;
	const struct mp_dkim_sig_result *const *dkim;
	struct mp_why dkim_why;            /* DKIM could not run (limits) */
	/* DMARC */
	const struct mp_dmarc_verdict *dmarc;
	/* Authentication-Results field value (after "Authentication-Results:"),
	 * one line per resinfo, folded with "\n\t" */
	struct mp_str authres;
};

struct mp_verify;

/* NULL on ENOMEM. o is copied (its pointers borrowed). */
MP_API struct mp_verify *mp_verify_new(const struct mp_verify_opts *o);
MP_API void mp_verify_free(struct mp_verify *v);
/* Begin a message (also after a previous one: memory is reused). */
MP_API enum mp_status mp_verify_start(struct mp_verify *v, const struct mp_verify_envelope *env);
/* The raw message (header and body, CRLF or LF), any chunking. Limits are
 * not errors: they become results. */
MP_API enum mp_status mp_verify_feed(struct mp_verify *v, const char *p, size_t len);
MP_API enum mp_status mp_verify_end(struct mp_verify *v);
/* The composite client (after mp_verify_end). run() returns MP_OK when the
 * result is ready. */
MP_API struct mp_dns_client mp_verify_client(struct mp_verify *v);
/* The result after run() returned MP_OK; NULL before. Valid until the next
 * mp_verify_start or free. */
MP_API const struct mp_verify_result *mp_verify_result(const struct mp_verify *v);

/* Map results into what DMARC takes (RFC 9989 §5.3.3). */
MP_API enum mp_dmarc_auth mp_verify_spf_auth(enum mp_spf_result r);
MP_API enum mp_dmarc_auth mp_verify_dkim_auth(enum mp_dkim_result r);

#endif
