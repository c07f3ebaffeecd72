/* milter_conn.c - one MTA connection: what each milter event means for
 * mailproofd. Inbound mail is checked (SPF from the connection, DKIM as the
 * body streams, DMARC at the end) and gets one Authentication-Results field
 * on top; forged A-R / Received-SPF fields carrying our authserv-id are
 * removed. Outbound mail (SASL login or InternalHosts) is bound to the
 * login through the sender map and signed with the From domain's keys.
 * Memory per connection is bounded (header block, macros, arena). One
 * connection is used by one thread at a time (libmilter's guarantee).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <mailproof/limits.h>
#include <mailproof/log.h>
#include <mailproof/msg.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_internal.h"

#define MSG_ARENA_MAX (4u << 20)

struct milter_conn {
	struct milter_gen *gen;
	struct mp_resolver *zone_resolver; /* ZoneFile: one zone resolver per thread */
	char client[MP_LOG_QUOTE_MAX + INET6_ADDRSTRLEN + 4];  /* name[addr] for logs */
	int family;
	uint8_t addr[16];
	bool internal;
	struct mp_buf helo;
	/* the current message */
	bool in_msg;
	bool eoh_done;                   /* header events after it are ignored */
	bool outbound;
	const char *failed;              /* internal error seen while streaming */
	struct mp_buf envfrom, login, headers;
	struct mp_arena arena;
	struct mp_msg *msg;
	unsigned nauthres, nrecvspf;     /* occurrences seen, for chgheader indexes */
	unsigned del_authres[MP_LIMIT_MILTER_AUTHRES_FIELDS];
	unsigned del_recvspf[MP_LIMIT_MILTER_AUTHRES_FIELDS];
	size_t ndel_authres, ndel_recvspf;
	struct mp_addr author;
	struct mp_why author_why;
	struct milter_check *check;
	struct milter_sign *sign;
	struct mp_str sign_domain;
	size_t nkeys;
	struct timespec t0;
};

/* ms_since - milliseconds since t0 */
static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

struct milter_conn *
milter_conn_new(struct milter_gen *g)
{
	struct milter_conn *c = mp_zalloc(sizeof *c);

	if (c == NULL || (c->msg = mp_msg_new()) == NULL) {
		mp_free(c);
		return NULL;
	}
	c->gen = g;
	milter_gen_ref(g);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	if (g->zone && (c->zone_resolver = mp_resolver_new_zone(g->zone)) == NULL) {
		milter_gen_unref(g);
		mp_msg_free(c->msg);
		mp_free(c);
		return NULL;
	}
	memcpy(c->client, "unknown", sizeof "unknown");
	mp_buf_init(&c->helo, MP_LIMIT_MILTER_MACRO);
	mp_buf_init(&c->envfrom, MP_LIMIT_MILTER_MACRO);
	mp_buf_init(&c->login, MP_LIMIT_MILTER_MACRO);
	mp_buf_init(&c->headers, MP_LIMIT_HEADER_TOTAL);
	mp_arena_init(&c->arena, MSG_ARENA_MAX);
	return c;
}

void
milter_conn_abort(struct milter_conn *c)
{
	milter_check_free(c->check);
	milter_sign_free(c->sign);
	c->check = NULL;
	c->sign = NULL;
	mp_msg_reset(c->msg);
	mp_buf_reset(&c->envfrom);
	mp_buf_reset(&c->login);
	mp_buf_reset(&c->headers);
	mp_arena_reset(&c->arena);
	c->in_msg = c->outbound = c->eoh_done = false;
	c->failed = NULL;
	c->nauthres = c->nrecvspf = 0;
	c->ndel_authres = c->ndel_recvspf = 0;
	c->nkeys = 0;
	c->sign_domain = MP_STR_NULL;
	memset(&c->author, 0, sizeof c->author);
	mp_why_clear(&c->author_why);
}

void
milter_conn_free(struct milter_conn *c)
{
	if (c == NULL)
		return;
	milter_conn_abort(c);
	mp_msg_free(c->msg);
	mp_buf_fini(&c->helo);
	mp_buf_fini(&c->envfrom);
	mp_buf_fini(&c->login);
	mp_buf_fini(&c->headers);
	mp_arena_fini(&c->arena);
	mp_resolver_free(c->zone_resolver);
	milter_gen_unref(c->gen);
	mp_free(c);
}

/* keep - bounded copy of a macro value; longer values are refused */
static bool
keep(struct mp_buf *b, struct mp_str s)
{
	mp_buf_reset(b);
	return mp_buf_append_str(b, s) == MP_OK;
}

enum milter_rc
milter_conn_connect(struct milter_conn *c, struct mp_str host, int family, const uint8_t *addr)
{
	char q[MP_LOG_QUOTE_MAX], ip[INET6_ADDRSTRLEN] = "unknown";
	const struct milter_config *cfg = &c->gen->cfg;

	c->family = 0;
	if (addr && (family == 4 || family == 6)) {
		c->family = family;
		memcpy(c->addr, addr, family == 4 ? 4 : 16);
		inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, ip, sizeof ip);
		c->internal = milter_cidr_match(cfg->internal, cfg->ninternal, family, addr);
	}
	snprintf(c->client, sizeof c->client, "%s[%s]", mp_log_quote(host, q), ip);
	return MILTER_RC_CONTINUE;
}

enum milter_rc
milter_conn_helo(struct milter_conn *c, struct mp_str helo)
{
	if (!keep(&c->helo, helo))
		mp_buf_reset(&c->helo);         /* an over-long HELO is no identity */
	return MILTER_RC_CONTINUE;
}

enum milter_rc
milter_conn_envfrom(struct milter_conn *c, struct mp_str from, struct mp_str login)
{
	milter_conn_abort(c);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->in_msg = true;
	if (!keep(&c->envfrom, from) || !keep(&c->login, login))
		c->failed = "over-long MAIL FROM or login";
	c->outbound = c->internal || login.len > 0;
	return MILTER_RC_CONTINUE;
}

/* note_ours - remember fields with our authserv-id for removal at eom */
static void
note_ours(struct milter_conn *c, struct mp_str name, struct mp_str value)
{
	struct mp_str id = mp_str_c(c->gen->cfg.authserv_id);

	if (mp_str_eq_nocase_c(name, "Authentication-Results")) {
		c->nauthres++;
		if (milter_authres_is_ours(value, id)) {
			if (c->ndel_authres == MP_LIMIT_MILTER_AUTHRES_FIELDS)
				c->failed = "too many forged Authentication-Results fields";
			else
				c->del_authres[c->ndel_authres++] = c->nauthres;
		}
	} else if (mp_str_eq_nocase_c(name, "Received-SPF")) {
		c->nrecvspf++;
		if (milter_received_spf_is_ours(value, id)) {
			if (c->ndel_recvspf == MP_LIMIT_MILTER_AUTHRES_FIELDS)
				c->failed = "too many forged Received-SPF fields";
			else
				c->del_recvspf[c->ndel_recvspf++] = c->nrecvspf;
		}
	}
}

enum milter_rc
milter_conn_header(struct milter_conn *c, struct mp_str name, struct mp_str value)
{
	struct mp_buf *h = &c->headers;
	enum mp_status st;

	if (!c->in_msg || c->failed || c->eoh_done)
		return MILTER_RC_CONTINUE;
	note_ours(c, name, value);
	/* Rebuild the field as it was on the wire: libmilter gives folding as
	 * bare LF; DKIM wants CRLF. */
	st = mp_buf_append_str(h, name);
	if (st == MP_OK)
		st = mp_buf_append_c(h, value.len && mp_is_wsp((unsigned char)value.ptr[0]) ? ":" : ": ");
	for (size_t i = 0; st == MP_OK && i < value.len; i++) {
		if (value.ptr[i] == '\n' && (i == 0 || value.ptr[i - 1] != '\r'))
			st = mp_buf_append_byte(h, '\r');
		if (st == MP_OK)
			st = mp_buf_append_byte(h, value.ptr[i]);
	}
	if (st == MP_OK)
		st = mp_buf_append(h, "\r\n", 2);
	if (st != MP_OK)
		c->failed = st == MP_ELIMIT ? "header block over the limit" : "out of memory";
	return MILTER_RC_CONTINUE;
}

/* start_outbound - keys for the author's domain: start signing */
static void
start_outbound(struct milter_conn *c)
{
	struct milter_gen *g = c->gen;
	const struct milter_key *keys;
	struct mp_why why;

	if (mp_why_failed(&c->author_why))
		return;                         /* no author: binding rejects or nothing to sign */
	keys = milter_config_keys(&g->cfg, c->author.domain_lc, &c->nkeys);
	if (c->nkeys == 0)
		return;
	c->sign_domain = c->author.domain_lc;
	if (milter_sign_start(keys, g->signers ? g->signers + (keys - g->cfg.keys) : NULL, c->nkeys,
	                      mp_buf_str(&c->headers), &c->sign, &why) != MP_OK) {
		mp_log_error("sign: %s", why.text);
		c->failed = "signing unavailable";
	}
}

/* start_inbound - SPF/DKIM/DMARC checks */
static void
start_inbound(struct milter_conn *c)
{
	struct milter_check_facts f = {
		.family = c->family,
		.addr = c->addr,
		.helo = mp_buf_str(&c->helo),
		.mail_from = mp_buf_str(&c->envfrom),
		.authserv_id = mp_str_c(c->gen->cfg.authserv_id),
		.resolver = c->zone_resolver ? c->zone_resolver : c->gen->resolver,
		.dnscache = c->gen->dnscache,
		.keys = c->gen->keys,
		.budget_ms = c->gen->cfg.dns_budget_ms,
	};
	struct mp_why why;

	if (milter_check_start(&f, mp_buf_str(&c->headers), &c->check, &why) != MP_OK) {
		mp_log_error("check: %s", why.text);
		c->failed = "checks unavailable";
	}
}

enum milter_rc
milter_conn_eoh(struct milter_conn *c)
{
	if (!c->in_msg || c->failed || c->eoh_done)
		return MILTER_RC_CONTINUE;
	c->eoh_done = true;
	if (mp_msg_feed(c->msg, c->headers.ptr ? c->headers.ptr : "", c->headers.len) != MP_OK ||
	    mp_msg_feed(c->msg, "\r\n", 2) != MP_OK || mp_msg_end(c->msg) != MP_OK) {
		/* the header limits were passed: refused like an unparseable From */
		mp_why_setf(&c->author_why, mp_msg_error(c->msg)->reason, "%s",
		    mp_msg_error(c->msg)->text);
	} else if (mp_msg_author(c->msg, &c->arena, &c->author, &c->author_why) != MP_OK) {
		c->failed = "out of memory";
		return MILTER_RC_CONTINUE;
	}
	if (c->outbound)
		start_outbound(c);
	else
		start_inbound(c);
	return MILTER_RC_CONTINUE;
}

enum milter_rc
milter_conn_body(struct milter_conn *c, const char *p, size_t len)
{
	enum mp_status st = MP_OK;

	if (!c->in_msg || c->failed)
		return MILTER_RC_CONTINUE;
	if (c->sign)
		st = milter_sign_body(c->sign, p, len);
	if (st == MP_OK && c->check)
		st = milter_check_body(c->check, p, len);
	if (st != MP_OK)
		c->failed = "body processing failed";
	return MILTER_RC_CONTINUE;
}

/* ---- end of message ---- */

struct summary {
	const char *dir, *spf, *dkim, *dmarc, *signed_by;
	struct milter_decision d;
};

/* apply - tell the MTA (through ops) what was decided */
static enum milter_rc
apply(const struct milter_decision *d, const struct milter_ops *ops)
{
	switch (d->action) {
	case MILTER_ACT_REJECT:
		ops->setreply(ops->arg, d->rcode, d->xcode, d->text);
		return MILTER_RC_REJECT;
	case MILTER_ACT_TEMPFAIL:
		ops->setreply(ops->arg, d->rcode, d->xcode, d->text);
		return MILTER_RC_TEMPFAIL;
	case MILTER_ACT_QUARANTINE:
		return ops->quarantine(ops->arg, d->text) == 0 ? MILTER_RC_ACCEPT : MILTER_RC_TEMPFAIL;
	case MILTER_ACT_ACCEPT:
		break;
	}
	return MILTER_RC_ACCEPT;
}

/* remove_forged - last first, so the remaining indexes stay right */
static bool
remove_forged(struct milter_conn *c, const struct milter_ops *ops)
{
	for (size_t i = c->ndel_authres; i-- > 0;)
		if (ops->chgheader(ops->arg, "Authentication-Results", (int)c->del_authres[i], NULL) != 0)
			return false;
	for (size_t i = c->ndel_recvspf; i-- > 0;)
		if (ops->chgheader(ops->arg, "Received-SPF", (int)c->del_recvspf[i], NULL) != 0)
			return false;
	return true;
}

/* log_nokey_once - a From domain without a key is logged once per generation */
static void
log_nokey_once(struct milter_conn *c)
{
	struct milter_gen *g = c->gen;
	char q[MP_LOG_QUOTE_MAX];
	bool seen = false;

	if (mp_why_failed(&c->author_why) || g->cfg.nkeys == 0)
		return;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->nnokey_logged && !seen; i++)
		seen = mp_str_eq(g->nokey_logged[i], c->author.domain_lc);
	if (!seen && g->nnokey_logged < sizeof g->nokey_logged / sizeof g->nokey_logged[0]) {
		struct mp_str d = mp_arena_strdup(&g->cfg.arena, c->author.domain_lc);
		if (d.ptr)
			g->nokey_logged[g->nnokey_logged++] = d;
	}
	pthread_mutex_unlock(&g->lock);
	if (!seen)
		mp_log_info("no signing key for %s: its mail passes unsigned",
		    mp_log_quote(c->author.domain_lc, q));
}

/* insert_signatures - DKIM-Signature fields on top, in key-table order */
static bool
insert_signatures(struct milter_conn *c, const struct milter_ops *ops, struct summary *s)
{
	struct mp_buf sigs;
	struct mp_why why;
	const char *p[MP_LIMIT_MILTER_KEYS_PER_DOMAIN];
	size_t n = 0;
	bool ok;

	mp_buf_init(&sigs, 64u << 10);
	ok = milter_sign_end(c->sign, &sigs, &n, &why) == MP_OK && !mp_why_failed(&why) &&
	    n <= MP_LIMIT_MILTER_KEYS_PER_DOMAIN;
	for (size_t i = 0, off = 0; ok && i < n; i++) {
		p[i] = sigs.ptr + off;
		off += strlen(p[i]) + 1;
	}
	for (size_t i = n; ok && i-- > 0;)      /* each goes to index 0: last first */
		ok = ops->insheader(ops->arg, 0, "DKIM-Signature", p[i]) == 0;
	if (!ok && mp_why_failed(&why))
		mp_log_error("sign: %s", why.text);
	s->signed_by = ok ? "yes" : "no";
	mp_buf_fini(&sigs);
	return ok;
}

/* eom_outbound - sender binding, then signing */
static enum milter_rc
eom_outbound(struct milter_conn *c, const struct milter_ops *ops, struct summary *s)
{
	struct mp_addr env;
	struct mp_why env_why, why;

	s->dir = "out";
	if (c->login.len > 0) {
		mp_why_clear(&env_why);
		if (mp_addr_parse_path(mp_buf_str(&c->envfrom), &c->arena, &env, &env_why) != MP_OK) {
			milter_decide_internal(&c->gen->cfg, "out of memory", &s->d);
			return apply(&s->d, ops);
		}
		if (!milter_bind_check(&c->gen->cfg.sendermap, mp_buf_str(&c->login),
		        mp_why_failed(&c->author_why) ? NULL : &c->author, &c->author_why,
		        &env, &env_why, &why)) {
			milter_decide_binding(&why, &s->d);
			return apply(&s->d, ops);
		}
	}
	if (!remove_forged(c, ops) || (c->sign && !insert_signatures(c, ops, s))) {
		milter_decide_internal(&c->gen->cfg, "header edit or signing failed", &s->d);
		return apply(&s->d, ops);
	}
	if (c->sign == NULL)
		log_nokey_once(c);
	return MILTER_RC_ACCEPT;
}

/* lf_only - "\r\n" to "\n" in place (libmilter header values fold with LF) */
static void
lf_only(struct mp_buf *b)
{
	size_t o = 0;

	for (size_t i = 0; i < b->len; i++)
		if (!(b->ptr[i] == '\r' && i + 1 < b->len && b->ptr[i + 1] == '\n'))
			b->ptr[o++] = b->ptr[i];
	b->len = o;
	if (b->ptr)
		b->ptr[o] = '\0';
}

/* eom_inbound - results, our A-R on top, the DMARC decision */
static enum milter_rc
eom_inbound(struct milter_conn *c, const struct milter_ops *ops, struct summary *s)
{
	struct milter_verdict v;
	struct mp_buf ar;
	struct mp_why why;
	enum milter_rc rc;

	s->dir = "in";
	mp_buf_init(&ar, 16u << 10);
	mp_why_clear(&why);
	if (c->check == NULL ||
	    milter_check_end(c->check, &v, &ar, &s->spf, &s->dkim, &s->dmarc, &why) != MP_OK) {
		milter_decide_internal(&c->gen->cfg, why.text[0] ? why.text : "checks failed", &s->d);
	} else {
		lf_only(&ar);
		milter_decide_inbound(&c->gen->cfg, &v, &s->d);
		if (s->d.action != MILTER_ACT_REJECT && s->d.action != MILTER_ACT_TEMPFAIL &&
		    (!remove_forged(c, ops) ||
		     ops->insheader(ops->arg, 0, "Authentication-Results", ar.ptr ? ar.ptr : "") != 0))
			milter_decide_internal(&c->gen->cfg, "header edit failed", &s->d);
	}
	rc = apply(&s->d, ops);
	mp_buf_fini(&ar);
	return rc;
}

enum milter_rc
milter_conn_eom(struct milter_conn *c, struct mp_str qid, const struct milter_ops *ops)
{
	struct summary s = { "in", "none", "none", "none", "no", { 0 } };
	char qq[MP_LOG_QUOTE_MAX], lq[MP_LOG_QUOTE_MAX], fq[MP_LOG_QUOTE_MAX];
	enum milter_rc rc;

	s.d.action = MILTER_ACT_ACCEPT;
	s.d.enforced = true;
	if (!c->in_msg) {
		milter_decide_internal(&c->gen->cfg, "end of message without MAIL FROM", &s.d);
		rc = apply(&s.d, ops);
	} else if (!c->eoh_done && !c->failed) {
		milter_decide_internal(&c->gen->cfg, "end of message before end of headers", &s.d);
		rc = apply(&s.d, ops);
	} else if (c->failed) {
		s.dir = c->outbound ? "out" : "in";
		milter_decide_internal(&c->gen->cfg, c->failed, &s.d);
		rc = apply(&s.d, ops);
	} else {
		rc = c->outbound ? eom_outbound(c, ops, &s) : eom_inbound(c, ops, &s);
	}
	mp_log_info("%s: client=%s dir=%s login=%s from=%s spf=%s dkim=%s dmarc=%s signed=%s "
	    "action=%s%s ms=%ld%s%s", mp_log_quote(qid.len ? qid : MP_STR_LIT("NOQUEUE"), qq),
	    c->client, s.dir, c->login.len ? mp_log_quote(mp_buf_str(&c->login), lq) : "-",
	    mp_log_quote(mp_buf_str(&c->envfrom), fq), s.spf, s.dkim, s.dmarc, s.signed_by,
	    milter_action_name(s.d.action), s.d.enforced ? "" : "(not-enforced)", ms_since(&c->t0),
	    s.d.text[0] ? " why=" : "", s.d.text);
	milter_conn_abort(c);
	return rc;
}
