/* verify.c - the receiver's verdict on one message: SPF for MAIL FROM and
 * HELO (RFC 7208), every DKIM signature (RFC 6376), DMARC (RFC 9989 §5.3)
 * and the Authentication-Results field (RFC 8601). One composite sans-IO
 * client runs the four cores side by side so their DNS questions are in
 * flight together; DMARC discovery starts as soon as the header is read
 * and alignment runs once SPF and DKIM are known.
 *
 * Owns its cores and an arena per message (reset by mp_verify_start).
 * Limits met by the message are results: DMARC permerror naming the limit.
 * Not thread-safe per object; no globals.
 */
#include <string.h>
#include <time.h>

#include <mailproof/verify.h>
#include <mailproof/authres.h>

#include "verify_internal.h"

enum { C_SPF, C_HELO, C_DKIM, C_DMARC, C_N };

#define VERIFY_ARENA (4u << 20)   /* own: bytes one message's results may use */
#define VERIFY_ARENA_FIRST (32u << 10) /* own: first chunk, kept across messages
                                         * (a message's results take ~14 KB) */

struct comp {
	struct mp_dns_client c;
	bool active, done;
	bool waiting;           /* has questions the driver must answer */
};

struct mp_verify {
	struct mp_verify_opts o;
	struct mp_arena a;
	struct mp_arena from_a;   /* the address parser's, so its limit cannot starve the rest */
	struct mp_msg *msg;
	struct mp_dkim_verify *dkim;
	struct mp_dkim_verify_opts dkim_opts;
	struct mp_spf_eval *spf, *helo;
	struct mp_dmarc_eval *dmarc;
	struct mp_verify_envelope env;
	bool msg_failed, dkim_failed, ended, done, auth_set;
	struct comp comp[C_N];
	size_t nqs, qcap;
	unsigned long nmsgs;    /* messages started: steps the RFC 7489 pct sample */
	struct mp_dmarc_opts dmarc_opts;
	const struct mp_dns_question **qs;
	unsigned char *owner;
	struct mp_verify_result res;
};

enum mp_dmarc_auth
mp_verify_spf_auth(enum mp_spf_result r)
{
	switch (r) {
	case MP_SPF_PASS: return MP_DMARC_AUTH_PASS;
	case MP_SPF_NONE: return MP_DMARC_AUTH_NONE;
	case MP_SPF_TEMPERROR: return MP_DMARC_AUTH_TEMPERROR;
	case MP_SPF_PERMERROR: return MP_DMARC_AUTH_PERMERROR;
	case MP_SPF_NEUTRAL:
	case MP_SPF_FAIL:
	case MP_SPF_SOFTFAIL: return MP_DMARC_AUTH_FAIL;
	}
	return MP_DMARC_AUTH_FAIL;
}

enum mp_dmarc_auth
mp_verify_dkim_auth(enum mp_dkim_result r)
{
	switch (r) {
	case MP_DKIM_PASS: return MP_DMARC_AUTH_PASS;
	case MP_DKIM_NONE: return MP_DMARC_AUTH_NONE;
	case MP_DKIM_TEMPERROR: return MP_DMARC_AUTH_TEMPERROR;
	case MP_DKIM_PERMERROR: return MP_DMARC_AUTH_PERMERROR;
	case MP_DKIM_FAIL:
	case MP_DKIM_NEUTRAL:
	case MP_DKIM_POLICY: return MP_DMARC_AUTH_FAIL;
	}
	return MP_DMARC_AUTH_FAIL;
}

struct mp_verify *
mp_verify_new(const struct mp_verify_opts *o)
{
	struct mp_verify *v = mp_zalloc(sizeof *v);

	if (v == NULL)
		return NULL;
	if (o != NULL)
		v->o = *o;
	mp_arena_init(&v->a, VERIFY_ARENA);
	mp_arena_init(&v->from_a, VERIFY_ARENA);
	/* one first chunk big enough for a typical message; reset keeps it, so
	 * a batch does not allocate and free growing chunks per message */
	if (mp_arena_alloc(&v->a, VERIFY_ARENA_FIRST) != NULL)
		mp_arena_reset(&v->a);
	v->dkim_opts.cache = v->o.keys;
	v->dkim_opts.now = v->o.now;
	v->dkim_opts.length = v->o.dkim_length;
	if ((v->msg = mp_msg_new()) == NULL || (v->dkim = mp_dkim_verify_new(&v->dkim_opts)) == NULL) {
		mp_verify_free(v);
		return NULL;
	}
	return v;
}

void
mp_verify_free(struct mp_verify *v)
{
	if (v == NULL)
		return;
	mp_spf_eval_free(v->spf);
	mp_spf_eval_free(v->helo);
	mp_dkim_verify_free(v->dkim);
	mp_msg_free(v->msg);
	mp_arena_fini(&v->a);
	mp_arena_fini(&v->from_a);
	mp_free(v->qs);
	mp_free(v->owner);
	mp_free(v);
}

/* spf_start - one check_host() for identity (RFC 7208 §2.3, §2.4) */
static enum mp_status
spf_start(struct mp_verify *v, enum mp_spf_identity id, struct mp_spf_eval **ev, struct comp *c)
{
	struct mp_spf_request req = {
		.ip = v->env.ip, .mail_from = v->env.mail_from, .helo = v->env.helo,
		.identity = id, .receiver = v->o.authserv_id,
		.now = v->o.now > 0 ? (uint64_t)v->o.now : (uint64_t)time(NULL),
	};
	enum mp_status st;

	st = *ev ? mp_spf_eval_reset(*ev, &req) : mp_spf_eval_new(&req, ev);
	if (st != MP_OK)
		return st;
	mp_spf_eval_client(*ev, &c->c);
	c->active = true;
	return MP_OK;
}

enum mp_status
mp_verify_start(struct mp_verify *v, const struct mp_verify_envelope *env)
{
	enum mp_status st = MP_OK;

	mp_arena_reset(&v->a);
	mp_arena_reset(&v->from_a);
	mp_msg_reset(v->msg);
	mp_dkim_verify_reset(v->dkim);
	memset(&v->res, 0, sizeof v->res);
	memset(v->comp, 0, sizeof v->comp);
	v->dmarc = NULL;
	v->msg_failed = v->dkim_failed = v->ended = v->done = v->auth_set = false;
	v->nqs = 0;
	v->nmsgs++;
	v->env = *env;
	v->env.helo = mp_arena_strdup(&v->a, env->helo);
	v->env.mail_from = mp_arena_strdup(&v->a, env->mail_from);
	if ((env->helo.len && !v->env.helo.ptr) || (env->mail_from.len && !v->env.mail_from.ptr))
		return MP_ENOMEM;
	if (!env->has_ip) {
		mp_why_set(&v->res.spf_why, MP_REASON_VERIFY_NO_IP);
		return MP_OK;
	}
	v->res.spf_ran = true;
	st = spf_start(v, MP_SPF_ID_MAILFROM, &v->spf, &v->comp[C_SPF]);
	if (st == MP_OK && v->env.helo.len > 0)
		st = spf_start(v, MP_SPF_ID_HELO, &v->helo, &v->comp[C_HELO]);
	return st;
}

enum mp_status
mp_verify_feed(struct mp_verify *v, const char *p, size_t len)
{
	enum mp_status st;

	if (!v->msg_failed) {
		st = mp_msg_feed(v->msg, p, len);
		if (st == MP_ELIMIT)
			v->msg_failed = true;
		else if (st != MP_OK)
			return st;
	}
	/* a DKIM verifier that gives up (its own limits) is a result: the
	 * signatures are not evaluated; SPF and DMARC go on */
	if (!v->dkim_failed && mp_dkim_verify_feed(v->dkim, p, len) != MP_OK)
		v->dkim_failed = true;
	return MP_OK;
}

/* other_identities - Sender and Resent-From, reported only */
static void
other_identities(struct mp_verify *v)
{
	struct mp_verify_result *r = &v->res;

	for (size_t i = 0; i < mp_msg_nfields(v->msg) && r->nothers < MP_VERIFY_OTHERS_MAX; i++) {
		const struct mp_hdr_field *f = mp_msg_field(v->msg, i);
		struct mp_verify_other *o;
		struct mp_addr_list l;
		struct mp_why why;

		if (!mp_str_eq_nocase_c(f->name, "Sender") && !mp_str_eq_nocase_c(f->name, "Resent-From"))
			continue;
		o = &r->others[r->nothers++];
		memset(o, 0, sizeof *o);
		o->field = f->name;
		mp_why_clear(&why);
		if (mp_addr_parse_list(f->value, &v->from_a, &l, &why) == MP_OK && l.n > 0) {
			o->addr_spec = l.addrs[0].addr_spec;
			o->domain = l.addrs[0].domain_lc;
		}
		o->differs = !r->has_author || !mp_str_eq_nocase(o->domain, r->author.domain_lc);
	}
}

/* dmarc_start - the author, then DMARC discovery (or a permerror) */
static enum mp_status
dmarc_start(struct mp_verify *v)
{
	struct mp_verify_result *r = &v->res;
	struct mp_why why;

	/* RFC 7489 pct: each message its own sample, 0..99 in turn from the
	 * caller's start (37 is prime to 100: every value once per 100) */
	v->dmarc_opts = v->o.dmarc;
	v->dmarc_opts.pct_roll = (unsigned)((v->o.dmarc.pct_roll + v->nmsgs * 37) % 100);
	for (size_t i = 0; i < mp_msg_nfields(v->msg); i++)
		r->nfrom += mp_str_eq_nocase_c(mp_msg_field(v->msg, i)->name, "From");
	mp_why_clear(&why);
	if (v->msg_failed) {
		r->msg_why = *mp_msg_error(v->msg);
		why = r->msg_why;
	} else if (mp_msg_author(v->msg, &v->from_a, &r->author, &why) != MP_OK) {
		memset(&r->author, 0, sizeof r->author);
		if (why.reason == MP_REASON_MSG_TOO_MANY_ADDRESSES)
			/* past the parser's address limit there are surely
			 * several authors: say so (permerror all the same) */
			mp_why_setf(&why, MP_REASON_MSG_MULTIPLE_AUTHORS,
			            "more than %u addresses in From", (unsigned)MP_LIMIT_ADDRESSES);
		else
			/* the per-message arena is bounded: a From too costly
			 * to parse is a limit, so a permerror, never a pass */
			mp_why_setf(&why, MP_REASON_DMARC_LIMIT,
			            "From field too large to parse within %u bytes", VERIFY_ARENA);
	}
	r->from_why = why;
	r->has_author = !mp_why_failed(&why);
	other_identities(v);
	if (r->has_author)
		v->dmarc = mp_dmarc_eval_new(&v->a, &v->dmarc_opts, r->author.domain);
	else
		v->dmarc = mp_dmarc_eval_new_error(&v->a, &v->dmarc_opts, MP_DMARC_PERMERROR, &why);
	if (v->dmarc == NULL)
		return MP_ENOMEM;
	v->comp[C_DMARC].c = mp_dmarc_eval_client(v->dmarc);
	v->comp[C_DMARC].active = true;
	return MP_OK;
}

enum mp_status
mp_verify_end(struct mp_verify *v)
{
	enum mp_status st;

	if (!v->msg_failed && (st = mp_msg_end(v->msg)) != MP_OK) {
		if (st != MP_ELIMIT)
			return st;
		v->msg_failed = true;
	}
	if (!v->dkim_failed && !v->msg_failed && mp_dkim_verify_end(v->dkim) != MP_OK)
		v->dkim_failed = true;
	if (v->msg_failed || v->dkim_failed) {
		v->dkim_failed = true;
		mp_why_set(&v->res.dkim_why, MP_REASON_VERIFY_DKIM_LIMIT);
	} else {
		mp_dkim_verify_client(v->dkim, &v->comp[C_DKIM].c);
		v->comp[C_DKIM].active = true;
	}
	v->ended = true;
	return dmarc_start(v);
}

/* settled - has component i finished (or never started)? */
static bool
settled(const struct mp_verify *v, int i)
{
	return !v->comp[i].active || v->comp[i].done;
}

/* give_auth - SPF (MAIL FROM identity) and DKIM results to DMARC */
static enum mp_status
give_auth(struct mp_verify *v)
{
	struct mp_dmarc_dkim dk[MP_LIMIT_DMARC_IDENTIFIERS];
	struct mp_dmarc_spf spf, *sp = NULL;
	size_t n = 0;

	if (v->comp[C_SPF].active) {
		const struct mp_spf_outcome *o = mp_spf_eval_outcome(v->spf);
		spf.result = mp_verify_spf_auth(o->result);
		spf.domain = o->domain;
		spf.null_path = o->identity == MP_SPF_ID_HELO;
		sp = &spf;
	}
	if (!v->dkim_failed) {
		size_t nr = mp_dkim_verify_nresults(v->dkim);
		for (size_t i = 0; i < nr && n < MP_LIMIT_DMARC_IDENTIFIERS - 1; i++) {
			const struct mp_dkim_sig_result *s = mp_dkim_verify_result(v->dkim, i);
			if (!s->evaluated)
				continue;
			dk[n].result = mp_verify_dkim_auth(s->result);
			dk[n].domain = s->d;
			dk[n].selector = s->s;
			n++;
		}
	}
	v->auth_set = true;
	return mp_dmarc_eval_set_auth(v->dmarc, sp, dk, n);
}

/* clean - a copy of s safe for a header: bytes outside 0x20..0x7e as '?'
 * (the A-R builder then quotes it; never read back as another name) */
static struct mp_str
clean(struct mp_arena *a, struct mp_str s)
{
	struct mp_str c = mp_arena_strdup(a, s);
	char *p = (char *)c.ptr;

	for (size_t i = 0; p != NULL && i < c.len; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			p[i] = '?';
	return c;
}

/* prop - one ptype.property=value into r (value cleaned) */
static void
prop(struct mp_arena *a, struct mp_authres_result *r, const char *ptype, const char *property,
     struct mp_str value)
{
	if (value.len == 0 || r->nprops >= 4)
		return;
	r->props[r->nprops++] = (struct mp_authres_prop){ mp_str_c(ptype), mp_str_c(property),
		                                          clean(a, value) };
}

/* ar_result - a new resinfo in ar (room was made by the caller) */
static struct mp_authres_result *
ar_result(struct mp_arena *a, struct mp_authres *ar, const char *method, const char *result)
{
	struct mp_authres_result *r = &ar->results[ar->n++];

	memset(r, 0, sizeof *r);
	r->method = mp_str_c(method);
	r->result = mp_str_c(result);
	r->props = mp_arena_zalloc(a, 4 * sizeof *r->props);
	return r->props ? r : NULL;
}

/* build_authres - the whole field value from the structured results */
static enum mp_status
build_authres(struct mp_verify *v)
{
	struct mp_verify_result *res = &v->res;
	struct mp_authres ar = { .authserv_id = v->o.authserv_id };
	const struct mp_dmarc_verdict *d = res->dmarc;
	struct mp_authres_result *r;
	struct mp_buf out;
	enum mp_status st;
	size_t max = 2 + (res->ndkim ? res->ndkim : 1);

	if (ar.authserv_id.len == 0)
		ar.authserv_id = MP_STR_LIT("localhost");
	if (max > MP_LIMIT_AUTHRES_RESULTS)
		max = MP_LIMIT_AUTHRES_RESULTS;
	if ((ar.results = mp_arena_zalloc(&v->a, max * sizeof *ar.results)) == NULL)
		return MP_ENOMEM;
	if (res->spf != NULL) {
		if ((r = ar_result(&v->a, &ar, "spf", mp_spf_result_name(res->spf->result))) == NULL)
			return MP_ENOMEM;
		if (res->spf->identity == MP_SPF_ID_HELO)
			prop(&v->a, r, "smtp", "helo", res->spf->domain);
		else
			prop(&v->a, r, "smtp", "mailfrom", res->spf->sender);
	} else if ((r = ar_result(&v->a, &ar, "spf", "none")) != NULL) {
		r->comment = MP_STR_LIT("no client IP");
	}
	for (size_t i = 0; i < res->ndkim && ar.n + 1 < max; i++) {
		const struct mp_dkim_sig_result *s = res->dkim[i];
		if ((r = ar_result(&v->a, &ar, "dkim", mp_dkim_result_name(s->result))) == NULL)
			return MP_ENOMEM;
		if (s->result != MP_DKIM_PASS && s->why.reason != MP_REASON_NONE)
			r->reason = mp_str_c(mp_reason_token(s->why.reason));
		prop(&v->a, r, "header", "d", s->d);
		prop(&v->a, r, "header", "s", s->s);
		prop(&v->a, r, "header", "b", mp_str_c(s->b8));
	}
	if (res->ndkim == 0)
		ar_result(&v->a, &ar, "dkim", "none");
	if (d != NULL && ar.n < max && (r = ar_result(&v->a, &ar, "dmarc",
	                                             mp_dmarc_result_name(d->result))) != NULL) {
		if (d->record != NULL && d->record->status == MP_DMARC_REC_OK)
			r->comment = mp_arena_printf(&v->a, "p=%s sp=%s dis=%s",
			    mp_dmarc_policy_name(d->record->eff_p), mp_dmarc_policy_name(d->record->eff_sp),
			    mp_dmarc_policy_name(d->disposition ? d->disposition : MP_DMARC_POLICY_NONE));
		else if (d->result != MP_DMARC_PASS)
			r->reason = mp_str_c(mp_reason_token(d->why.reason));
		prop(&v->a, r, "header", "from", d->domain);
	}
	mp_buf_init(&out, 1u << 16);
	st = mp_authres_build(&ar, MP_STR_LIT("\n"), &out);
	if (st == MP_OK)
		res->authres = mp_arena_strdup(&v->a, mp_str_trim(mp_buf_str(&out)));
	mp_buf_fini(&out);
	return st;
}

/* finish - collect the results */
static enum mp_status
finish(struct mp_verify *v)
{
	struct mp_verify_result *r = &v->res;

	if (v->comp[C_SPF].active)
		r->spf = mp_spf_eval_outcome(v->spf);
	if (v->helo != NULL && v->comp[C_HELO].active)
		r->spf_helo = mp_spf_eval_outcome(v->helo);
	if (!v->dkim_failed) {
		size_t n = mp_dkim_verify_nresults(v->dkim);
		const struct mp_dkim_sig_result **d = mp_arena_alloc(&v->a, (n + 1) * sizeof *d);
		if (d == NULL)
			return MP_ENOMEM;
		for (size_t i = 0; i < n; i++)
			d[i] = mp_dkim_verify_result(v->dkim, i);
		r->dkim = d;
		r->ndkim = n;
	}
	r->dmarc = mp_dmarc_eval_verdict(v->dmarc);
	v->done = true;
	return build_authres(v);
}

/* from_cache - answer comp's questions from the run's cache; true when
 * every one was (the component can run again at once) */
static bool
from_cache(struct mp_verify *v, struct comp *c, int64_t now)
{
	const struct mp_dns_question *const *qs;
	size_t n = c->c.questions(c->c.core, &qs), hits = 0;
	const struct mp_dns_question *mine[64];

	if (n == 0 || n > sizeof mine / sizeof mine[0])
		return false;
	memcpy(mine, qs, n * sizeof *mine);   /* answer() may change the list */
	for (size_t i = 0; i < n; i++) {
		const struct mp_dns_answer *a = mp_verify_cache_get(v->o.dns_cache, mine[i], now);
		if (a != NULL && c->c.answer(c->c.core, mine[i], a) == MP_OK)
			hits++;
	}
	return hits == n;
}

/* step - run every unfinished core once; true when one is still pending */
static enum mp_status
step(struct mp_verify *v, bool *pending)
{
	enum mp_status st;

	*pending = false;
	for (int i = 0; i < C_N; i++) {
		struct comp *c = &v->comp[i];
		if (!c->active || c->done)
			continue;
		if (c->waiting) {
			*pending = true;
			continue;
		}
		if ((st = c->c.run(c->c.core)) == MP_PENDING)
			*pending = true;
		else
			c->done = true;
		if (st == MP_ENOMEM && i == C_DMARC)
			return MP_ENOMEM;
	}
	if (!v->auth_set && settled(v, C_SPF) && settled(v, C_DKIM)) {
		if ((st = give_auth(v)) != MP_OK)
			return st;
		v->comp[C_DMARC].done = false;
		if ((st = v->comp[C_DMARC].c.run(v->dmarc)) == MP_PENDING)
			*pending = true;
		else
			v->comp[C_DMARC].done = true;
	}
	return MP_OK;
}

/* run - advance every core; DMARC alignment once SPF and DKIM are known;
 * questions the run's cache can answer never reach the driver */
static enum mp_status
run(void *core)
{
	struct mp_verify *v = core;
	int64_t now = v->o.dns_cache ? (int64_t)time(NULL) : 0;
	bool pending, again;
	enum mp_status st;

	if (!v->ended)
		return MP_EINVAL;
	if (v->done)
		return MP_OK;
	for (int i = 0; i < C_N; i++)         /* the driver answered everything */
		v->comp[i].waiting = false;
	do {
		if ((st = step(v, &pending)) != MP_OK)
			return st;
		again = false;
		for (int i = 0; pending && i < C_N; i++) {
			struct comp *c = &v->comp[i];
			if (!c->active || c->done || c->waiting)
				continue;
			if (v->o.dns_cache != NULL && from_cache(v, c, now))
				again = true;
			else
				c->waiting = true;
		}
	} while (again);
	if (pending)
		return MP_PENDING;
	return finish(v);
}

/* questions - the union of every running core's questions */
static size_t
questions(void *core, const struct mp_dns_question *const **qs)
{
	struct mp_verify *v = core;

	v->nqs = 0;
	for (int i = 0; i < C_N; i++) {
		const struct mp_dns_question *const *cq;
		struct comp *c = &v->comp[i];
		size_t n;

		if (!c->active || c->done)
			continue;
		n = c->c.questions(c->c.core, &cq);
		if (v->nqs + n > v->qcap) {
			size_t cap = (v->nqs + n) * 2;
			const struct mp_dns_question **nq = mp_realloc(v->qs, cap * sizeof *nq);
			unsigned char *no;
			if (nq == NULL)
				break;
			v->qs = nq;
			if ((no = mp_realloc(v->owner, cap)) == NULL)
				break;
			v->owner = no;
			v->qcap = cap;
		}
		for (size_t k = 0; k < n; k++) {
			v->qs[v->nqs] = cq[k];
			v->owner[v->nqs++] = (unsigned char)i;
		}
	}
	*qs = v->qs;
	return v->nqs;
}

/* answer - hand the answer to the core that asked */
static enum mp_status
answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct mp_verify *v = core;

	for (size_t i = 0; i < v->nqs; i++)
		if (v->qs[i] == q) {
			struct comp *c = &v->comp[v->owner[i]];
			if (v->o.dns_cache != NULL)
				mp_verify_cache_put(v->o.dns_cache, q, a, (int64_t)time(NULL));
			return c->c.answer(c->c.core, q, a);
		}
	return MP_EINVAL;
}

struct mp_dns_client
mp_verify_client(struct mp_verify *v)
{
	return (struct mp_dns_client){ v, run, questions, answer };
}

const struct mp_verify_result *
mp_verify_result(const struct mp_verify *v)
{
	return v != NULL && v->done ? &v->res : NULL;
}
