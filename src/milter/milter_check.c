/* milter_check.c - inbound checks for mailproofd through the verify layer
 * (mailproof/verify.h: SPF for MAIL FROM and HELO, every DKIM signature,
 * DMARC, the Authentication-Results value). The message streams in: the
 * header block at end of headers, body chunks as they come. DNS is driven
 * here, one question at a time on this connection's thread, under the
 * per-message time budget (DNSTimeBudget): once it is spent, the questions
 * left get a synthetic timeout, so the cores end in temperror instead of
 * the MTA timing the milter out.
 */
#include <string.h>
#include <time.h>

#include <mailproof/dkim.h>
#include <mailproof/dmarc.h>
#include <mailproof/dns.h>
#include <mailproof/spf.h>
#include <mailproof/status.h>
#include <mailproof/str.h>
#include <mailproof/verify.h>

#include "milter_conn.h"
#include "milter_internal.h"

#define ROUND_MAX 64                    /* questions copied per round */

struct milter_check {
	struct mp_verify *v;
	struct mp_resolver *resolver;
	struct milter_dnscache *dnscache;
	unsigned budget_ms;
	bool over_budget;
	char authserv_id[MP_LIMIT_DNS_NAME + 1];
};

enum mp_status
milter_check_start(const struct milter_check_facts *f, struct mp_str headers,
                   struct milter_check **out, struct mp_why *why)
{
	struct mp_verify_opts o = { 0 };
	struct mp_verify_envelope env = { 0 };
	struct milter_check *k;
	enum mp_status st;

	*out = NULL;
	if (f->resolver == NULL || f->authserv_id.len > MP_LIMIT_DNS_NAME)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_EINVAL;
	if ((k = mp_zalloc(sizeof *k)) == NULL)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
	memcpy(k->authserv_id, f->authserv_id.ptr, f->authserv_id.len);
	k->resolver = f->resolver;
	k->dnscache = f->dnscache;
	k->budget_ms = f->budget_ms;
	o.authserv_id = mp_str_make(k->authserv_id, f->authserv_id.len);
	o.keys = f->keys;
	if ((k->v = mp_verify_new(&o)) == NULL) {
		mp_free(k);
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
	}
	env.has_ip = f->family == 4 || f->family == 6;
	if (env.has_ip) {
		env.ip.family = (uint8_t)f->family;
		memcpy(env.ip.addr, f->addr, f->family == 4 ? 4 : 16);
	}
	env.helo = f->helo;
	env.mail_from = f->mail_from;
	st = mp_verify_start(k->v, &env);
	if (st == MP_OK)
		st = mp_verify_feed(k->v, headers.ptr, headers.len);
	if (st == MP_OK)
		st = mp_verify_feed(k->v, "\r\n", 2);
	if (st != MP_OK) {
		milter_check_free(k);
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), st;
	}
	*out = k;
	return MP_OK;
}

enum mp_status
milter_check_body(struct milter_check *k, const char *p, size_t len)
{
	return mp_verify_feed(k->v, p, len);
}

/* budget_ms_since - milliseconds since t0 */
static long
budget_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* answer_one - ask the resolver, or time out once the budget is spent */
static enum mp_status
answer_one(struct milter_check *k, const struct mp_dns_client *cl,
           const struct mp_dns_question *q, const struct timespec *t0, struct mp_arena *a)
{
	const struct mp_dns_answer *ans = NULL;
	struct mp_dns_answer timeout;
	enum mp_status st = MP_EINVAL;

	mp_arena_reset(a);
	if (k->dnscache && milter_dnscache_get(k->dnscache, q, a, &ans)) {
		st = MP_OK;
	} else if (budget_ms_since(t0) < (long)k->budget_ms) {
		st = mp_resolver_query(k->resolver, q, a, &ans);
		if (st == MP_OK && ans != NULL && k->dnscache)
			milter_dnscache_put(k->dnscache, q, ans);
	} else {
		k->over_budget = true;
	}
	if (st != MP_OK || ans == NULL) {
		memset(&timeout, 0, sizeof timeout);
		timeout.qname = mp_str_make(q->name, q->name_len);
		timeout.canonical = timeout.qname;
		timeout.qtype = q->type;
		timeout.status = MP_DNS_TIMEOUT;
		timeout.why = MP_STR_LIT("per-message DNS time budget spent");
		ans = &timeout;
	}
	return cl->answer(cl->core, q, ans);
}

/* drive - run the verifier to its result under the time budget */
static enum mp_status
drive(struct milter_check *k)
{
	struct mp_dns_client cl = mp_verify_client(k->v);
	const struct mp_dns_question *const *qs;
	const struct mp_dns_question *round[ROUND_MAX];
	struct timespec t0;
	struct mp_arena a;
	enum mp_status st;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	mp_arena_init(&a, 4u << 20);
	while ((st = cl.run(cl.core)) == MP_PENDING) {
		n = cl.questions(cl.core, &qs);
		if (n == 0) {
			st = MP_EINVAL;         /* pending with nothing to ask: a core bug */
			break;
		}
		if (n > ROUND_MAX)
			n = ROUND_MAX;
		memcpy(round, qs, n * sizeof *round);   /* answering may change qs */
		for (size_t i = 0; st == MP_PENDING && i < n; i++)
			if (answer_one(k, &cl, round[i], &t0, &a) != MP_OK)
				st = MP_EINVAL;
		if (st != MP_PENDING)
			break;
	}
	mp_arena_fini(&a);
	return st;
}

/* disp - DMARC disposition in the decision's words */
static enum milter_disp
disp(enum mp_dmarc_policy p)
{
	return p == MP_DMARC_POLICY_REJECT ? MILTER_DISP_REJECT
	    : p == MP_DMARC_POLICY_QUARANTINE ? MILTER_DISP_QUARANTINE : MILTER_DISP_NONE;
}

/* dkim_token - best DKIM result for the log line */
static const char *
dkim_token(const struct mp_verify_result *r, bool *temp)
{
	const char *best = "none";

	for (size_t i = 0; i < r->ndkim; i++) {
		if (r->dkim[i]->result == MP_DKIM_PASS)
			return "pass";
		if (r->dkim[i]->result == MP_DKIM_TEMPERROR)
			*temp = true;
		if (i == 0)
			best = mp_dkim_result_name(r->dkim[i]->result);
	}
	return best;
}

enum mp_status
milter_check_end(struct milter_check *k, struct milter_verdict *v, struct mp_buf *authres,
                 const char **spf, const char **dkim, const char **dmarc, struct mp_why *why)
{
	const struct mp_verify_result *r;
	static const enum milter_dmarc map[] = {
		[MP_DMARC_NONE] = MILTER_DMARC_NONE, [MP_DMARC_PASS] = MILTER_DMARC_PASS,
		[MP_DMARC_FAIL] = MILTER_DMARC_FAIL, [MP_DMARC_TEMPERROR] = MILTER_DMARC_TEMPERROR,
		[MP_DMARC_PERMERROR] = MILTER_DMARC_PERMERROR,
	};

	memset(v, 0, sizeof *v);
	if (mp_verify_end(k->v) != MP_OK || drive(k) != MP_OK ||
	    (r = mp_verify_result(k->v)) == NULL || r->dmarc == NULL)
		return mp_why_setf(why, MP_REASON_MILTER_INTERNAL, "verification did not finish"),
		    MP_EINVAL;
	*spf = r->spf ? mp_spf_result_name(r->spf->result) : "none";
	*dkim = dkim_token(r, &v->temperror);
	*dmarc = mp_dmarc_result_name(r->dmarc->result);
	v->dmarc = (unsigned)r->dmarc->result < sizeof map / sizeof map[0]
	    ? map[r->dmarc->result] : MILTER_DMARC_PERMERROR;
	v->policy = disp(r->dmarc->disposition);
	v->author_domain = r->has_author ? r->author.domain_lc : r->dmarc->domain;
	v->temperror = v->temperror || k->over_budget ||
	    (r->spf && r->spf->result == MP_SPF_TEMPERROR) || v->dmarc == MILTER_DMARC_TEMPERROR;
	if (k->over_budget)
		mp_why_setf(why, MP_REASON_MILTER_DNS_BUDGET, "DNS time budget of %u ms spent",
		    k->budget_ms);
	return mp_buf_append_str(authres, r->authres);
}

void
milter_check_free(struct milter_check *k)
{
	if (k == NULL)
		return;
	mp_verify_free(k->v);
	mp_free(k);
}
