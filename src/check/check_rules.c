/* check_rules.c - what each finding means and how the verdict is decided
 * (docs/check.md "The verdict").
 *
 * Every finding has an area, a severity and an effect: the verdict it
 * pushes the domain down to (PROTECTED means it does not lower it). The
 * verdict is the worst effect among the findings, unless a DNS failure on
 * a question that decides it made the answer unknown: a SERVFAIL on
 * _dmarc is never "no DMARC record". Thread-safe (tables are const).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/log.h>

#include "check_internal.h"

#define P MP_CHECK_PROTECTED
#define R MP_CHECK_AT_RISK
#define U MP_CHECK_UNPROTECTED
#define Q MP_CHECK_UNKNOWN
#define INFO MP_CHECK_SEV_INFO
#define WARN MP_CHECK_SEV_WARNING
#define ERR MP_CHECK_SEV_ERROR
#define CRIT MP_CHECK_SEV_CRITICAL

static const struct check_rule rules[] = {
	{ MP_REASON_CHECK_DNS_ERROR, MP_CHECK_AREA_DNS, ERR, Q },
	{ MP_REASON_CHECK_DOMAIN_NOT_FOUND, MP_CHECK_AREA_DNS, ERR, Q },
	{ MP_REASON_CHECK_BAD_DOMAIN, MP_CHECK_AREA_DNS, ERR, Q },
	{ MP_REASON_CHECK_SPF_MISSING, MP_CHECK_AREA_SPF, ERR, R },
	{ MP_REASON_CHECK_SPF_MULTIPLE, MP_CHECK_AREA_SPF, CRIT, U },
	{ MP_REASON_CHECK_SPF_SYNTAX, MP_CHECK_AREA_SPF, CRIT, U },
	{ MP_REASON_CHECK_SPF_PASS_ALL, MP_CHECK_AREA_SPF, CRIT, U },
	{ MP_REASON_CHECK_SPF_NEUTRAL_ALL, MP_CHECK_AREA_SPF, WARN, R },
	{ MP_REASON_CHECK_SPF_NO_ALL, MP_CHECK_AREA_SPF, WARN, R },
	{ MP_REASON_CHECK_SPF_SOFTFAIL_ALL, MP_CHECK_AREA_SPF, INFO, P },
	{ MP_REASON_CHECK_SPF_TOO_MANY_LOOKUPS, MP_CHECK_AREA_SPF, ERR, R },
	{ MP_REASON_CHECK_SPF_TOO_MANY_VOID, MP_CHECK_AREA_SPF, ERR, R },
	{ MP_REASON_CHECK_SPF_PTR, MP_CHECK_AREA_SPF, WARN, P },
	{ MP_REASON_CHECK_SPF_INCLUDE_BROKEN, MP_CHECK_AREA_SPF, CRIT, U },
	{ MP_REASON_CHECK_SPF_LINT, MP_CHECK_AREA_SPF, WARN, P },
	{ MP_REASON_CHECK_SPF_NOT_CHECKED, MP_CHECK_AREA_SPF, WARN, Q },
	{ MP_REASON_CHECK_DMARC_MISSING, MP_CHECK_AREA_DMARC, CRIT, U },
	{ MP_REASON_CHECK_DMARC_MULTIPLE, MP_CHECK_AREA_DMARC, CRIT, U },
	{ MP_REASON_CHECK_DMARC_SYNTAX, MP_CHECK_AREA_DMARC, CRIT, U },
	{ MP_REASON_CHECK_DMARC_POLICY_NONE, MP_CHECK_AREA_DMARC, ERR, R },
	{ MP_REASON_CHECK_DMARC_SP_NONE, MP_CHECK_AREA_DMARC, WARN, R },
	{ MP_REASON_CHECK_DMARC_NP_NONE, MP_CHECK_AREA_DMARC, WARN, R },
	{ MP_REASON_CHECK_DMARC_PCT, MP_CHECK_AREA_DMARC, WARN, R },
	{ MP_REASON_CHECK_DMARC_TESTING, MP_CHECK_AREA_DMARC, WARN, R },
	{ MP_REASON_CHECK_DMARC_INHERITED, MP_CHECK_AREA_DMARC, INFO, P },
	{ MP_REASON_CHECK_DMARC_DISCOVERY_DIFFERS, MP_CHECK_AREA_DMARC, WARN, P },
	{ MP_REASON_CHECK_DMARC_NO_RUA, MP_CHECK_AREA_DMARC, INFO, P },
	{ MP_REASON_CHECK_DMARC_TAG_ERROR, MP_CHECK_AREA_DMARC, WARN, P },
	{ MP_REASON_CHECK_DMARC_BAD_URI, MP_CHECK_AREA_DMARC, WARN, P },
	{ MP_REASON_CHECK_DMARC_REPORT_UNAUTHORIZED, MP_CHECK_AREA_DMARC, WARN, P },
	{ MP_REASON_CHECK_DMARC_STRICT_ALIGNMENT, MP_CHECK_AREA_DMARC, INFO, P },
	{ MP_REASON_CHECK_DMARC_NOT_CHECKED, MP_CHECK_AREA_DMARC, WARN, Q },
	{ MP_REASON_CHECK_DKIM_NOT_FOUND, MP_CHECK_AREA_DKIM, INFO, P },
	{ MP_REASON_CHECK_DKIM_KEY_BROKEN, MP_CHECK_AREA_DKIM, ERR, R },
	{ MP_REASON_CHECK_DKIM_KEY_WEAK, MP_CHECK_AREA_DKIM, WARN, R },
	{ MP_REASON_CHECK_DKIM_KEY_REVOKED, MP_CHECK_AREA_DKIM, INFO, P },
	{ MP_REASON_CHECK_DKIM_KEY_TESTING, MP_CHECK_AREA_DKIM, WARN, P },
	{ MP_REASON_CHECK_DKIM_KEY_SYNTAX, MP_CHECK_AREA_DKIM, ERR, P },
	{ MP_REASON_CHECK_DKIM_PROVIDER, MP_CHECK_AREA_DKIM, WARN, P },
	{ MP_REASON_CHECK_DKIM_NOT_CHECKED, MP_CHECK_AREA_DKIM, INFO, P },
	{ MP_REASON_CHECK_NOTHING_ALIGNS, MP_CHECK_AREA_DKIM, CRIT, U },
	{ MP_REASON_CHECK_MX_MISSING, MP_CHECK_AREA_MX, INFO, P },
	{ MP_REASON_CHECK_MX_NULL, MP_CHECK_AREA_MX, INFO, P },
	{ MP_REASON_CHECK_MX_NULL_MIXED, MP_CHECK_AREA_MX, ERR, P },
	{ MP_REASON_CHECK_MX_UNRESOLVED, MP_CHECK_AREA_MX, ERR, P },
	{ MP_REASON_CHECK_MX_CNAME, MP_CHECK_AREA_MX, WARN, P },
	{ MP_REASON_CHECK_MX_IP_LITERAL, MP_CHECK_AREA_MX, ERR, P },
	{ MP_REASON_CHECK_MX_NO_PTR, MP_CHECK_AREA_MX, WARN, P },
	{ MP_REASON_CHECK_MX_FCRDNS, MP_CHECK_AREA_MX, WARN, P },
	{ MP_REASON_CHECK_MX_TOO_MANY, MP_CHECK_AREA_MX, INFO, P },
	{ MP_REASON_CHECK_NOMAIL_LOCKDOWN, MP_CHECK_AREA_NOMAIL, WARN, P },
	{ MP_REASON_CHECK_MTA_STS_SYNTAX, MP_CHECK_AREA_MTA_STS, WARN, P },
	{ MP_REASON_CHECK_MTA_STS_MULTIPLE, MP_CHECK_AREA_MTA_STS, WARN, P },
	{ MP_REASON_CHECK_TLSRPT_SYNTAX, MP_CHECK_AREA_TLS_RPT, WARN, P },
	{ MP_REASON_CHECK_TLSRPT_MISSING, MP_CHECK_AREA_TLS_RPT, INFO, P },
	{ MP_REASON_CHECK_BIMI_SYNTAX, MP_CHECK_AREA_BIMI, WARN, P },
	{ MP_REASON_CHECK_BIMI_NEEDS_ENFORCEMENT, MP_CHECK_AREA_BIMI, WARN, P },
	{ MP_REASON_CHECK_DANE_SYNTAX, MP_CHECK_AREA_DANE, WARN, P },
	{ MP_REASON_CHECK_DANE_USAGE, MP_CHECK_AREA_DANE, WARN, P },
	{ MP_REASON_CHECK_DANE_INSECURE, MP_CHECK_AREA_DANE, WARN, P },
};

/* check_rule - metadata of a finding id */
const struct check_rule *
check_rule(enum mp_reason id)
{
	static const struct check_rule fallback = { MP_REASON_NONE, MP_CHECK_AREA_DNS, WARN, P };

	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rules[i].id == id)
			return &rules[i];
	return &fallback;
}

/* check_find - add a finding */
void
check_find(struct mp_check *c, enum mp_reason id, const char *fix, const char *fmt, ...)
{
	const struct check_rule *r = check_rule(id);
	struct mp_check_finding *f;
	va_list ap;
	int n;
	char *p;

	if (c->nfindings >= MP_LIMIT_CHECK_FINDINGS)
		return;
	if (c->nfindings == c->findings_cap) {          /* grow: 8, 16, ... */
		size_t cap = c->findings_cap ? c->findings_cap * 2 : 8;
		struct mp_check_finding *grown = mp_arena_alloc(&c->arena, cap * sizeof *grown);

		if (grown == NULL) {
			c->err = MP_ENOMEM;
			return;
		}
		if (c->nfindings > 0)
			memcpy(grown, c->findings, c->nfindings * sizeof *grown);
		c->findings = grown;
		c->findings_cap = cap;
	}
	f = &c->findings[c->nfindings];
	f->id = id;
	f->severity = r->severity;
	f->area = r->area;
	f->effect = r->effect;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = mp_arena_alloc(&c->arena, (size_t)n + 1)) == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	f->message = mp_str_make(p, (size_t)n);
	for (size_t i = 0; i < c->nfindings; i++)   /* the same finding once */
		if (c->findings[i].id == id && (id != MP_REASON_CHECK_SPF_LINT ||
		    mp_str_eq(c->findings[i].message, f->message)))
			return;
	f->fix = fix ? mp_arena_strdup(&c->arena, mp_str_c(fix)) : MP_STR_LIT("");
	if (f->fix.ptr == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	c->nfindings++;
}

/* nomail - domains that send no mail: recommend the lock-down set
 * (null MX, v=spf1 -all, p=reject), listing only what is missing */
static void
nomail(struct mp_check *c)
{
	struct mp_check_result *r = &c->res;
	const char *d = c->domain.ptr;
	bool spf_ok = r->spf.nrecords == 1 && mp_str_eq_nocase_c(mp_str_trim(r->spf.record), "v=spf1 -all");
	bool dmarc_ok = r->dmarc.state == MP_CHECK_ST_PRESENT && mp_str_eq_c(r->dmarc.p, "reject") &&
	    (r->dmarc.sp.len == 0 || mp_str_eq_c(r->dmarc.sp, "reject"));
	struct mp_str fix = MP_STR_LIT("");

	if (!r->sends_no_mail || (spf_ok && dmarc_ok && r->mx.null_mx))
		return;
	if (!r->mx.null_mx)
		fix = check_printf(c, "%s. IN MX 0 .\n", d);
	if (!spf_ok)
		fix = check_printf(c, "%s%s. IN TXT \"v=spf1 -all\"\n", fix.ptr, d);
	if (!dmarc_ok)
		fix = check_printf(c, "%s_dmarc.%s. IN TXT \"v=DMARC1; p=reject; sp=reject\"\n",
		    fix.ptr, d);
	if (fix.len > 0)
		fix.len--;   /* no final newline */
	check_find(c, MP_REASON_CHECK_NOMAIL_LOCKDOWN, mp_arena_cstr(&c->arena, fix),
	    "%s sends no mail: publish %s%s%s to stop anyone using it", d,
	    r->mx.null_mx ? "" : "a null MX, ", spf_ok ? "" : "\"v=spf1 -all\", ",
	    dmarc_ok ? "" : "p=reject");
}

/* sends_no_mail - null MX, or no MX, no DKIM key found and an SPF record
 * that authorizes nothing (or none) */
static bool
sends_no_mail(const struct mp_check *c)
{
	const struct mp_check_result *r = &c->res;
	struct mp_str spf = mp_str_trim(r->spf.record);

	if (r->mx.null_mx)
		return true;
	if (r->mx.state != MP_CHECK_ST_ABSENT || r->dkim.nkeys > 0)
		return false;
	return r->spf.state == MP_CHECK_ST_ABSENT || (r->spf.nrecords == 1 &&
	    (mp_str_eq_nocase_c(spf, "v=spf1 -all") || mp_str_eq_nocase_c(spf, "v=spf1 ~all") ||
	     mp_str_eq_nocase_c(spf, "v=spf1")));
}

/* dns_decides - a DNS failure on a question the verdict depends on */
static bool
dns_decides(struct mp_check *c)
{
	const struct slot *const key[] = { c->s_spf, c->s_mx };

	for (size_t i = 0; i < sizeof key / sizeof key[0]; i++)
		if (key[i] != NULL && check_state_of(key[i]->ans) == MP_CHECK_ST_UNKNOWN) {
			if (key[i]->ans)
				check_dns_error(c, key[i]->ans);
			return true;
		}
	return c->res.dmarc.state == MP_CHECK_ST_UNKNOWN || c->dns_error.len > 0;
}

/* verdict - worst effect, or unknown (with why) */
static void
verdict(struct mp_check *c)
{
	struct mp_check_result *r = &c->res;
	const struct mp_check_finding *worst = NULL;

	if (c->bad_domain) {
		r->verdict = MP_CHECK_UNKNOWN;
		r->verdict_reason = check_printf(c, "not a valid domain name");
		return;
	}
	if (c->err != MP_OK) {
		r->verdict = MP_CHECK_UNKNOWN;
		r->verdict_reason = check_printf(c, "check stopped: %s", mp_status_name(c->err));
		return;
	}
	for (size_t i = 0; i < c->nfindings; i++)
		if (worst == NULL || c->findings[i].effect > worst->effect ||
		    (c->findings[i].effect == worst->effect && c->findings[i].severity > worst->severity))
			worst = &c->findings[i];
	if (worst != NULL && worst->effect == MP_CHECK_UNKNOWN) {
		r->verdict = MP_CHECK_UNKNOWN;
		r->verdict_reason = worst->message;
	} else if (worst != NULL && worst->effect != MP_CHECK_PROTECTED) {
		r->verdict = worst->effect;
		r->verdict_reason = worst->message;
	} else {
		size_t usable = 0;

		for (size_t i = 0; i < r->dkim.nkeys; i++)
			usable += r->dkim.keys[i].state == MP_CHECK_ST_PRESENT && !r->dkim.keys[i].revoked;
		r->verdict = MP_CHECK_PROTECTED;
		if (r->sends_no_mail)
			r->verdict_reason = check_printf(c, "sends no mail and is locked down: %s"
			    "SPF %s, DMARC p=%s", r->mx.null_mx ? "null MX, " : "",
			    r->spf.all.len ? r->spf.all.ptr : "record", r->dmarc.p.ptr);
		else
			r->verdict_reason = check_printf(c, "DMARC p=%s for all mail, SPF ends %s, "
			    "%zu DKIM key%s found", r->dmarc.p.ptr, r->spf.all.len ? r->spf.all.ptr :
			    "(see findings)", usable, usable == 1 ? "" : "s");
	}
}

/* dnssec_state - the weakest DNSSEC state of the domain's own answers
 * (SPF TXT, _dmarc TXT, MX) */
static enum mp_dnssec
dnssec_state(const struct mp_check *c)
{
	const struct slot *const key[] = { c->s_spf, c->s_dmarc, c->s_mx };
	enum mp_dnssec d = MP_DNSSEC_SECURE;

	for (size_t i = 0; i < sizeof key / sizeof key[0]; i++) {
		enum mp_dnssec a;

		if (key[i] == NULL || key[i]->ans == NULL)
			return MP_DNSSEC_UNCHECKED;
		a = key[i]->ans->dnssec;
		if (a == MP_DNSSEC_BOGUS)
			return MP_DNSSEC_BOGUS;
		if (a == MP_DNSSEC_UNCHECKED)
			d = MP_DNSSEC_UNCHECKED;
		else if (a == MP_DNSSEC_INSECURE && d == MP_DNSSEC_SECURE)
			d = MP_DNSSEC_INSECURE;
	}
	return d;
}

/* worst_effect - the lowest verdict the findings so far push to */
static enum mp_check_verdict
worst_effect(const struct mp_check *c)
{
	enum mp_check_verdict w = MP_CHECK_PROTECTED;

	for (size_t i = 0; i < c->nfindings; i++)
		if (c->findings[i].effect > w)
			w = c->findings[i].effect;
	return w;
}

/* check_finish - run every rule, then decide */
void
check_finish(struct mp_check *c)
{
	struct mp_check_result *r = &c->res;
	bool decided;

	if (c->bad_domain) {
		char q[MP_LOG_QUOTE_MAX];

		check_find(c, MP_REASON_CHECK_BAD_DOMAIN, NULL, "'%s' is not a valid domain name",
		    mp_log_quote(c->domain, q));
		r->spf.state = r->dmarc.state = r->mx.state = MP_CHECK_ST_UNKNOWN;
		verdict(c);
		goto out;
	}
	if (c->err != MP_OK) {
		verdict(c);
		goto out;
	}
	if (c->s_spf && c->s_mx && c->s_spf->ans && c->s_mx->ans &&
	    c->s_spf->ans->status == MP_DNS_NXDOMAIN && c->s_mx->ans->status == MP_DNS_NXDOMAIN) {
		check_find(c, MP_REASON_CHECK_DOMAIN_NOT_FOUND, NULL,
		    "%s does not exist in DNS (NXDOMAIN)", c->domain.ptr);
		r->spf.state = r->dmarc.state = r->mx.state = MP_CHECK_ST_ABSENT;
		verdict(c);
		goto out;
	}
	r->dnssec = dnssec_state(c);
	if (c->doomed) {             /* the gate failed: only say why */
		r->spf.state = check_state_of(c->s_spf ? c->s_spf->ans : NULL);
		r->mx.state = check_state_of(c->s_mx ? c->s_mx->ans : NULL);
		r->dmarc.state = check_state_of(c->s_dmarc ? c->s_dmarc->ans : NULL);
		r->mta_sts.state = r->tls_rpt.state = r->bimi.state = MP_CHECK_ST_NOT_CHECKED;
		if (r->dmarc.state == MP_CHECK_ST_UNKNOWN && c->s_dmarc && c->s_dmarc->ans)
			check_dns_error(c, c->s_dmarc->ans);
		dns_decides(c);
		check_find(c, MP_REASON_CHECK_DNS_ERROR, NULL, "%s%s",
		    "DNS failed, so the posture is not known: ", c->dns_error.ptr ? c->dns_error.ptr : "");
		verdict(c);
		goto out;
	}
	check_mx_rules(c);
	check_dkim_rules(c);
	r->sends_no_mail = sends_no_mail(c);
	check_spf_rules(c);
	check_dmarc_rules(c);
	check_records_rules(c);
	nomail(c);
	decided = dns_decides(c);
	if (!r->sends_no_mail && r->spf.state == MP_CHECK_ST_ABSENT && r->dkim.nkeys == 0 &&
	    r->dkim.nunknown == 0)
		check_find(c, MP_REASON_CHECK_NOTHING_ALIGNS, NULL,
		    "no SPF record and no DKIM key found: no mail from %s can pass DMARC, and "
		    "nothing tells receivers which servers are real", c->domain.ptr);
	if (decided)
		check_find(c, MP_REASON_CHECK_DNS_ERROR, NULL, "%s%s",
		    "DNS failed, so the posture is not known: ", c->dns_error.ptr ? c->dns_error.ptr : "");
	else if (r->dkim.nunknown > 0 && worst_effect(c) < MP_CHECK_UNPROTECTED)
		/* fail closed: a key behind a failed probe could be weak or the only
		 * thing that aligns; only a verdict that cannot get worse stands */
		check_find(c, MP_REASON_CHECK_DNS_ERROR, NULL, "DNS failed for %zu of %zu DKIM "
		    "selector look-ups, so the posture is not known (a key there could be weak, "
		    "or the only one that aligns)", r->dkim.nunknown, r->dkim.nprobed);
	verdict(c);
out:
	r->findings = c->findings;
	r->nfindings = c->nfindings;
	r->nqueries = 0;        /* asked: not those answered by RFC 8020 */
	for (const struct slot *s = c->slots; s != NULL; s = s->next)
		r->nqueries += s->handed;
}

/* ---- words ---- */

const char *
mp_check_verdict_name(enum mp_check_verdict v)
{
	switch (v) {
	case MP_CHECK_PROTECTED: return "protected";
	case MP_CHECK_AT_RISK: return "at-risk";
	case MP_CHECK_UNPROTECTED: return "unprotected";
	case MP_CHECK_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *
mp_check_severity_name(enum mp_check_severity s)
{
	switch (s) {
	case MP_CHECK_SEV_INFO: return "info";
	case MP_CHECK_SEV_WARNING: return "warning";
	case MP_CHECK_SEV_ERROR: return "error";
	case MP_CHECK_SEV_CRITICAL: return "critical";
	}
	return "info";
}

const char *
mp_check_area_name(enum mp_check_area a)
{
	static const char *const names[] = { "dns", "spf", "dmarc", "dkim", "mx", "no-mail",
		"mta-sts", "tls-rpt", "bimi", "dane" };

	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "dns";
}

const char *
mp_check_state_name(enum mp_check_state s)
{
	switch (s) {
	case MP_CHECK_ST_ABSENT: return "absent";
	case MP_CHECK_ST_PRESENT: return "present";
	case MP_CHECK_ST_INVALID: return "invalid";
	case MP_CHECK_ST_UNKNOWN: return "unknown";
	case MP_CHECK_ST_NOT_CHECKED: return "not-checked";
	}
	return "unknown";
}
