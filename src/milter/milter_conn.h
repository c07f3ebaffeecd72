/* milter_conn.h - one MTA connection's state and the per-event logic the
 * libmilter callbacks delegate to. No libmilter here: the callbacks pass
 * macro values in and a struct milter_ops out, so the whole sequence can be
 * driven by tests and a fuzzer with hostile values.
 */
#ifndef MAILPROOF_MILTER_CONN_H
#define MAILPROOF_MILTER_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

/* One loaded configuration ("generation"). SIGHUP builds a new one and
 * swaps it in; connections keep the one they started with until they
 * close, so a reload never drops a connection. */
struct milter_gen {
	struct milter_config cfg;
	struct mp_zone *zone;            /* ZoneFile data, or NULL */
	struct mp_resolver *resolver;    /* shared libunbound resolver, or NULL */
	struct milter_dnscache *dnscache; /* answers shared by all connections */
	struct mp_dkim_key_cache *keys;  /* decoded DKIM keys, shared (see milter_gen.c) */
	void **signers;                  /* one per cfg.keys row (struct mp_signer *) */
	pthread_mutex_t lock;            /* refs, nokey_logged */
	unsigned refs;
	struct mp_str nokey_logged[64];  /* domains logged as "no key" (once each) */
	size_t nnokey_logged;
};

/* Load configuration file path (keys included) into a new generation with
 * one reference. NULL with why on error. */
struct milter_gen *milter_gen_load(const char *path, struct mp_why *why);
/* Make DNS ready (after privileges dropped and after fork). */
enum mp_status milter_gen_start_dns(struct milter_gen *g, struct mp_why *why);
void milter_gen_ref(struct milter_gen *g);
void milter_gen_unref(struct milter_gen *g);

/* ---- DNS answers shared by connections (thread-safe, bounded) ---- */
struct milter_dnscache;
struct milter_dnscache *milter_dnscache_new(void);
void milter_dnscache_free(struct milter_dnscache *c);
/* A fresh cached answer for q, copied into a; false when none. */
bool milter_dnscache_get(struct milter_dnscache *c, const struct mp_dns_question *q,
                         struct mp_arena *a, const struct mp_dns_answer **out);
/* Keep ans (present or absent answers only) for its TTL. */
void milter_dnscache_put(struct milter_dnscache *c, const struct mp_dns_question *q,
                         const struct mp_dns_answer *ans);

/* What a decision asks of the MTA (smfi_* in the program). Return 0 on
 * success; header values use "\n" for folding. */
struct milter_ops {
	void *arg;
	int (*insheader)(void *arg, int idx, const char *name, const char *value);
	int (*chgheader)(void *arg, const char *name, int idx, const char *value);
	int (*setreply)(void *arg, const char *rcode, const char *xcode, const char *text);
	int (*quarantine)(void *arg, const char *reason);
};

enum milter_rc { MILTER_RC_CONTINUE, MILTER_RC_ACCEPT, MILTER_RC_REJECT, MILTER_RC_TEMPFAIL };

struct milter_conn;

/* New connection on generation g (a reference is taken). NULL on ENOMEM. */
struct milter_conn *milter_conn_new(struct milter_gen *g);
void milter_conn_free(struct milter_conn *c);
/* Client: host name as the MTA says, address (family 4/6, NULL when the
 * MTA gave none, e.g. a unix socket client). */
enum milter_rc milter_conn_connect(struct milter_conn *c, struct mp_str host, int family,
                                   const uint8_t *addr);
enum milter_rc milter_conn_helo(struct milter_conn *c, struct mp_str helo);
/* MAIL FROM: the reverse-path and {auth_authen} (empty: not authenticated). */
enum milter_rc milter_conn_envfrom(struct milter_conn *c, struct mp_str from, struct mp_str login);
enum milter_rc milter_conn_header(struct milter_conn *c, struct mp_str name, struct mp_str value);
enum milter_rc milter_conn_eoh(struct milter_conn *c);
enum milter_rc milter_conn_body(struct milter_conn *c, const char *p, size_t len);
/* End of message: decide, edit headers through ops, log the summary. */
enum milter_rc milter_conn_eom(struct milter_conn *c, struct mp_str qid,
                               const struct milter_ops *ops);
/* Message aborted (RSET, connection lost): forget the message. */
void milter_conn_abort(struct milter_conn *c);

/* ---- inbound checks: SPF, DKIM, DMARC through the verify layer ---- */
struct milter_check;
struct milter_check_facts {
	int family;                      /* 0: unknown client address */
	const uint8_t *addr;
	struct mp_str helo, mail_from, authserv_id;
	struct mp_resolver *resolver;
	struct milter_dnscache *dnscache; /* may be NULL */
	struct mp_dkim_key_cache *keys;  /* may be NULL: every signature decodes its key */
	unsigned budget_ms;              /* DNS time for the whole message */
};
/* Start checks for one message; the header block (fields with CRLF, no
 * empty line) is complete. MP_OK, MP_ENOMEM, or MP_EINVAL with why when the
 * checks are not available. */
enum mp_status milter_check_start(const struct milter_check_facts *f, struct mp_str headers,
                                  struct milter_check **out, struct mp_why *why);
enum mp_status milter_check_body(struct milter_check *k, const char *p, size_t len);
/* Finish: verdict, and the Authentication-Results value (after the
 * field name and colon, folding with "\n") appended to authres; results
 * for the log line into spf/dkim/dmarc (static tokens). */
enum mp_status milter_check_end(struct milter_check *k, struct milter_verdict *v,
                                struct mp_buf *authres, const char **spf, const char **dkim,
                                const char **dmarc, struct mp_why *why);
void milter_check_free(struct milter_check *k);

/* ---- outbound signing ---- */
struct milter_sign;
/* Start signing for keys (n rows of the key table, signers alongside);
 * MP_EINVAL with why when signing is not available. */
enum mp_status milter_sign_start(const struct milter_key *keys, void *const *signers, size_t n,
                                 struct mp_str headers, struct milter_sign **out,
                                 struct mp_why *why);
enum mp_status milter_sign_body(struct milter_sign *s, const char *p, size_t len);
/* DKIM-Signature values (without the field name, "\n" folding), one per
 * key, each NUL-terminated, appended back to back to out; *n set. */
enum mp_status milter_sign_end(struct milter_sign *s, struct mp_buf *out, size_t *n,
                               struct mp_why *why);
void milter_sign_free(struct milter_sign *s);
/* Signers for a generation's keys (before privileges drop); MP_EINVAL with
 * why when signing is not available. */
enum mp_status milter_signers_load(struct milter_gen *g, struct mp_why *why);
void milter_signers_free(struct milter_gen *g);

#endif
