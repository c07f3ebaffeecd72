/* check_dmarc.c - DMARC part of a domain check: the policy record that
 * applies to the domain (RFC 9989 §4.10 DNS tree walk, compared with
 * RFC 7489 §3.2 public-suffix discovery when a PSL is given), what it asks
 * for the domain, its subdomains and non-existent subdomains (also probed
 * with a random label), report addresses and the external destination
 * authorization (draft-ietf-dmarc-aggregate-reporting §3, RFC 7489 §7.1).
 *
 * The record parser and discovery are the DMARC area's (mailproof/dmarc.h);
 * this file only reads their results. Part of one check.
 */
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dmarc.h>
#include <mailproof/dns.h>

#include "check_internal.h"

static void fill(struct mp_check *c);

/* domain_done - discovery for the domain finished */
static void
domain_done(struct mp_check *c, struct check_sub *s)
{
	c->disc = mp_dmarc_eval_discovery(s->cl.core);
	if (c->disc != NULL)
		fill(c);
}

/* probe_done - discovery for the random non-existent subdomain finished */
static void
probe_done(struct mp_check *c, struct check_sub *s)
{
	c->probe_disc = mp_dmarc_eval_discovery(s->cl.core);
}

/* start_eval - a discovery-only DMARC evaluation as a sub-core */
static void
start_eval(struct mp_check *c, struct mp_str domain, enum mp_dmarc_mode mode,
           void (*done)(struct mp_check *, struct check_sub *))
{
	struct mp_dmarc_opts o = { 0 };
	struct mp_dmarc_eval *ev;
	struct mp_dns_client cl;

	o.mode = c->opts.psl != NULL ? mode : MP_DMARC_MODE_9989;
	o.psl = c->opts.psl;
	if ((ev = mp_dmarc_eval_new(&c->arena, &o, domain)) == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	cl = mp_dmarc_eval_client(ev);
	if (check_add_sub(c, &cl, done, NULL) != MP_OK)
		c->err = MP_ELIMIT;
}

/* check_dmarc_start - discovery for the domain and the probe */
void
check_dmarc_start(struct mp_check *c)
{
	c->res.dmarc.pct = 100;
	start_eval(c, c->domain, MP_DMARC_MODE_COMPARE, domain_done);
	start_eval(c, c->probe, MP_DMARC_MODE_9989, probe_done);
}

/* check_dmarc_answer - our own DMARC-related questions: the report
 * authorization answers are read in the rules */
void
check_dmarc_answer(struct mp_check *c, struct slot *s)
{
	(void)c;
	(void)s;
}

/* policy_word - "none" ... ; "" when unset */
static struct mp_str
policy_word(enum mp_dmarc_policy p)
{
	return mp_str_c(mp_dmarc_policy_name(p));
}

/* uris_text - "mailto:a@b,mailto:c@d" */
static struct mp_str
uris_text(struct mp_check *c, const struct mp_dmarc_uri *u, size_t n)
{
	struct mp_str t = MP_STR_LIT("");

	for (size_t i = 0; i < n; i++)
		t = check_printf(c, "%s%s%.*s", t.ptr, i ? "," : "", (int)u[i].uri.len, u[i].uri.ptr);
	return t;
}

/* dest_host - host part of a mailto: URI (after the last '@') */
static struct mp_str
dest_host(struct mp_str uri)
{
	ptrdiff_t at = -1;

	if (!mp_str_starts_nocase(uri, MP_STR_LIT("mailto:")))
		return MP_STR_NULL;
	for (size_t i = 0; i < uri.len; i++)
		if (uri.ptr[i] == '@')
			at = (ptrdiff_t)i;
	if (at < 0)
		return MP_STR_NULL;
	return mp_str_make(uri.ptr + at + 1, uri.len - (size_t)at - 1);
}

/* org_of - Organizational Domain: PSL when we have it, else the last two
 * labels (enough to tell "same organization" for report destinations) */
static struct mp_str
org_of(struct mp_check *c, struct mp_str d)
{
	struct mp_str norm;
	size_t dots = 0;

	if (!mp_dmarc_domain_norm(&c->arena, d, &norm))
		return d;
	if (c->opts.psl != NULL)
		return mp_dmarc_psl_orgdomain(c->opts.psl, norm, &c->arena);
	for (size_t i = norm.len; i > 0; i--)
		if (norm.ptr[i - 1] == '.' && ++dots == 2)
			return mp_str_make(norm.ptr + i, norm.len - i);
	return norm;
}

/* ask_reports - external destinations must authorize reports */
static void
ask_reports(struct mp_check *c, const struct mp_dmarc_record *r, struct mp_str policy_domain)
{
	struct mp_str own = org_of(c, policy_domain);

	for (size_t k = 0; k < r->nrua + r->nruf; k++) {
		struct mp_str host = dest_host(k < r->nrua ? r->rua[k].uri : r->ruf[k - r->nrua].uri);
		bool seen = false;

		if (host.len == 0 || mp_str_eq_nocase(org_of(c, host), own))
			continue;
		for (size_t i = 0; i < c->nreports; i++)
			seen = seen || mp_str_eq_nocase(c->reports[i].dest, host);
		if (seen || c->nreports >= MP_LIMIT_CHECK_REPORT_DESTS)
			continue;
		c->reports[c->nreports].dest = host;
		c->reports[c->nreports].s = check_ask(c, MP_DNS_T_TXT, check_printf(c,
		    "%.*s._report._dmarc.%.*s", (int)policy_domain.len, policy_domain.ptr,
		    (int)host.len, host.ptr), K_REPORT_AUTH, c->nreports, 0);
		c->nreports++;
	}
}

/* fill - the result's DMARC summary from discovery */
static void
fill(struct mp_check *c)
{
	struct mp_check_dmarc *dm = &c->res.dmarc;
	const struct mp_dmarc_found *f = &c->disc->applied;
	const struct mp_dmarc_record *r = f->record;

	if (f->temperror) {
		dm->state = MP_CHECK_ST_UNKNOWN;
		return;
	}
	if (!f->found) {
		dm->state = f->why.reason == MP_REASON_DMARC_MULTIPLE_RECORDS ? MP_CHECK_ST_INVALID :
		    MP_CHECK_ST_ABSENT;
		return;
	}
	dm->state = r->status == MP_DMARC_REC_OK ? MP_CHECK_ST_PRESENT : MP_CHECK_ST_INVALID;
	dm->record = r->text;
	dm->found_at = check_printf(c, "_dmarc.%.*s", (int)f->policy_domain.len, f->policy_domain.ptr);
	dm->method = mp_str_c(mp_str_eq_nocase(f->policy_domain, c->domain) ? "exact" :
	    f->psd ? "psd" : c->disc->mode == MP_DMARC_MODE_7489 ? "psl" : "tree-walk");
	dm->p = policy_word(r->eff_p);
	dm->sp = policy_word(r->eff_sp);
	dm->np = policy_word(r->eff_np);
	dm->pct = r->has_pct ? r->pct : 100;
	dm->testing = r->t;
	dm->adkim = mp_str_c(r->adkim == MP_DMARC_STRICT ? "s" : "r");
	dm->aspf = mp_str_c(r->aspf == MP_DMARC_STRICT ? "s" : "r");
	dm->rua = uris_text(c, r->rua, r->nrua);
	dm->ruf = uris_text(c, r->ruf, r->nruf);
	if (r->status == MP_DMARC_REC_OK)
		ask_reports(c, r, f->policy_domain);
}

/* check_dmarc_probe - what applies to <random>.<domain>: np when it does not
 * exist (RFC 9989 §4.10.3), sp otherwise */
void
check_dmarc_probe(struct mp_check *c)
{
	const struct mp_dmarc_found *f;
	bool exists;

	if (c->probe_disc == NULL || c->s_probe_a == NULL || c->s_probe_a->ans == NULL)
		return;
	f = &c->probe_disc->applied;
	if (f->temperror || mp_dns_state_of(c->s_probe_a->ans->status) == MP_DNS_INDETERMINATE)
		return;
	exists = c->s_probe_a->ans->status != MP_DNS_NXDOMAIN;
	if (!f->found || f->record->status != MP_DMARC_REC_OK)
		c->res.dmarc.nxdomain_policy = MP_STR_LIT("none");
	else
		c->res.dmarc.nxdomain_policy = policy_word(exists ? f->record->eff_sp : f->record->eff_np);
}
