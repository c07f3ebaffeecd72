/* check_dmarc_rules.c - DMARC findings of a domain check and the records
 * that fix them, computed from what the domain publishes: the same record
 * with p=reject, without pct= or t=y, with the domain's own rua, ...
 * (docs/check.md "DMARC"). Part of one check.
 */
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dmarc.h>

#include "check_internal.h"

struct dmarc_change {
	const char *p, *sp, *np;          /* new values; NULL keeps */
	bool drop_pct, drop_t;
	bool add_rua;                     /* rua=mailto:dmarc-reports@<domain> when none */
};

/* rewrite - the record with changes, as a zone-file line at _dmarc.<at> */
static const char *
rewrite(struct mp_check *c, struct mp_str rec, struct mp_str at, const struct dmarc_change *ch)
{
	struct check_tag tags[MP_LIMIT_CHECK_TAGS];
	const char *err;
	size_t n = 0;
	struct mp_str out;
	bool has_rua = false;

	if (!check_tags(rec, tags, MP_LIMIT_CHECK_TAGS, &n, &err, false))
		n = 0;
	out = check_printf(c, "v=DMARC1; p=%s", ch->p ? ch->p : "reject");
	for (size_t i = 0; i < n; i++) {
		struct mp_str name = tags[i].name, value = tags[i].value;

		if (mp_str_eq_nocase_c(name, "v") || mp_str_eq_nocase_c(name, "p") ||
		    (ch->drop_pct && mp_str_eq_nocase_c(name, "pct")) ||
		    (ch->drop_t && mp_str_eq_nocase_c(name, "t")))
			continue;
		if (ch->p && mp_str_eq_nocase_c(name, "p"))
			continue;
		if (ch->sp && mp_str_eq_nocase_c(name, "sp"))
			value = mp_str_c(ch->sp);
		if (ch->np && mp_str_eq_nocase_c(name, "np"))
			value = mp_str_c(ch->np);
		has_rua = has_rua || mp_str_eq_nocase_c(name, "rua");
		out = check_printf(c, "%s; %.*s=%.*s", out.ptr, (int)name.len, name.ptr,
		    (int)value.len, value.ptr);
	}
	if (ch->add_rua && !has_rua)
		out = check_printf(c, "%s; rua=mailto:dmarc-reports@%s", out.ptr, c->domain.ptr);
	return check_printf(c, "_dmarc.%.*s. IN TXT \"%s\"", (int)at.len, at.ptr, out.ptr).ptr;
}

/* stricter - is a a stronger policy than b? */
static bool
stricter(struct mp_str a, struct mp_str b)
{
	int ra = mp_str_eq_c(a, "reject") ? 2 : mp_str_eq_c(a, "quarantine") ? 1 : 0;
	int rb = mp_str_eq_c(b, "reject") ? 2 : mp_str_eq_c(b, "quarantine") ? 1 : 0;

	return ra > rb;
}

/* record_notes - the parser's tag errors, as findings */
static void
record_notes(struct mp_check *c, const struct mp_dmarc_record *r)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct mp_dmarc_finding *f = &r->findings[i];

		if (!f->error)
			continue;
		check_find(c, f->reason == MP_REASON_DMARC_BAD_URI ? MP_REASON_CHECK_DMARC_BAD_URI :
		    MP_REASON_CHECK_DMARC_TAG_ERROR, NULL, "DMARC %.*s=%.*s: %s",
		    (int)(f->tag.len > 20 ? 20 : f->tag.len), f->tag.ptr,
		    (int)(f->value.len > 60 ? 60 : f->value.len), f->value.ptr, mp_reason_text(f->reason));
	}
}

/* absent - no usable record */
static void
absent(struct mp_check *c)
{
	const struct mp_check_dmarc *dm = &c->res.dmarc;
	const char *d = c->domain.ptr;
	struct dmarc_change ch = { .p = "reject", .add_rua = true };

	if (c->res.sends_no_mail)
		ch.sp = "reject";
	if (dm->state == MP_CHECK_ST_INVALID && dm->record.len == 0) {
		check_find(c, MP_REASON_CHECK_DMARC_MULTIPLE, rewrite(c, MP_STR_NULL, c->domain, &ch),
		    "more than one DMARC record at one name: receivers discard them all "
		    "(RFC 9989 §4.10); keep one");
		return;
	}
	if (dm->state == MP_CHECK_ST_INVALID) {
		check_find(c, MP_REASON_CHECK_DMARC_SYNTAX, rewrite(c, dm->record,
		    c->disc->applied.policy_domain, &ch),
		    "the DMARC record at %s has no valid policy and no valid rua: receivers do no "
		    "DMARC processing (%s)", dm->found_at.ptr,
		    mp_reason_text(c->disc->applied.record->reason));
		return;
	}
	check_find(c, MP_REASON_CHECK_DMARC_MISSING, rewrite(c, MP_STR_NULL, c->domain, &ch),
	    "no DMARC record for %s or above it: anyone can put %s in From and receivers "
	    "have no policy to apply (start with p=none to collect reports if unsure, "
	    "then p=reject)", d, d);
}

/* policy_rules - p, sp, np, pct, t */
static void
policy_rules(struct mp_check *c, struct mp_str at)
{
	const struct mp_check_dmarc *dm = &c->res.dmarc;
	const struct mp_dmarc_record *r = c->disc->applied.record;
	bool own = mp_str_eq_nocase(at, c->domain);
	struct mp_str applies = own ? dm->p : dm->sp;   /* RFC 9989 §4.10.3 */
	struct dmarc_change ch = { .p = "reject", .add_rua = false };

	if (mp_str_eq_c(applies, "none")) {
		ch.drop_pct = ch.drop_t = true;
		if (!own || mp_str_eq_c(dm->sp, "none"))
			ch.sp = "reject";
		if (mp_str_eq_c(dm->np, "none"))
			ch.np = "reject";
		check_find(c, MP_REASON_CHECK_DMARC_POLICY_NONE, rewrite(c, dm->record, at, &ch),
		    "DMARC policy for %s is none: receivers only report, forged mail is "
		    "delivered%s", c->domain.ptr, r->status == MP_DMARC_REC_OK &&
		    r->reason == MP_REASON_DMARC_P_NONE_BY_RUA ? " (p= missing or invalid: read as none)" : "");
		return;
	}
	ch.p = mp_dmarc_policy_name(r->eff_p);
	if (own && stricter(dm->p, dm->sp)) {
		ch.sp = ch.p;
		check_find(c, MP_REASON_CHECK_DMARC_SP_NONE, rewrite(c, dm->record, at, &ch),
		    "subdomains get sp=%s, weaker than p=%s: forged mail from any "
		    "subdomain is treated more leniently", dm->sp.ptr, dm->p.ptr);
	}
	if (stricter(applies, dm->np) || (dm->nxdomain_policy.len > 0 &&
	    stricter(applies, dm->nxdomain_policy))) {
		ch.sp = NULL;
		ch.np = ch.p;
		check_find(c, MP_REASON_CHECK_DMARC_NP_NONE, rewrite(c, dm->record, at, &ch),
		    "non-existent subdomains get np=%s (a random one, %s, gets %s): "
		    "forgers can invent names under %s", dm->np.ptr, c->probe.ptr,
		    dm->nxdomain_policy.len ? dm->nxdomain_policy.ptr : "unknown", c->domain.ptr);
	}
	ch.np = NULL;
	if (r->has_pct && r->pct < 100) {
		ch.drop_pct = true;
		check_find(c, MP_REASON_CHECK_DMARC_PCT, rewrite(c, dm->record, at, &ch),
		    "pct=%u: RFC 7489 receivers apply the policy to only %u%% of failing mail "
		    "(pct is obsolete in RFC 9989)", r->pct, r->pct);
	}
	if (r->t) {
		ch.drop_t = true;
		check_find(c, MP_REASON_CHECK_DMARC_TESTING, rewrite(c, dm->record, at, &ch),
		    "t=y asks receivers to apply one level less than the policy (testing mode)");
	}
}

/* report_rules - rua present, external destinations authorized */
static void
report_rules(struct mp_check *c, struct mp_str at)
{
	const struct mp_check_dmarc *dm = &c->res.dmarc;
	struct dmarc_change ch = { .add_rua = true };

	ch.p = dm->p.len ? dm->p.ptr : "none";
	if (dm->rua.len == 0)
		check_find(c, MP_REASON_CHECK_DMARC_NO_RUA, rewrite(c, dm->record, at, &ch),
		    "no rua=: nobody receives aggregate reports, so failures go unseen");
	for (size_t i = 0; i < c->nreports; i++) {
		const struct slot *s = c->reports[i].s;

		if (s == NULL || s->ans == NULL || mp_dns_state_of(s->ans->status) == MP_DNS_INDETERMINATE)
			continue;
		if (check_txt_select(s->ans, "v=DMARC1", ';', NULL) > 0)
			continue;
		check_find(c, MP_REASON_CHECK_DMARC_REPORT_UNAUTHORIZED, check_printf(c,
		    "%.*s. IN TXT \"v=DMARC1;\"", (int)s->q.name_len, s->q.name).ptr,
		    "reports to %.*s are not authorized by it (no v=DMARC1 at %.*s): "
		    "receivers drop them", (int)c->reports[i].dest.len, c->reports[i].dest.ptr,
		    (int)s->q.name_len, s->q.name);
	}
	if (mp_str_eq_c(dm->adkim, "s") || mp_str_eq_c(dm->aspf, "s"))
		check_find(c, MP_REASON_CHECK_DMARC_STRICT_ALIGNMENT, NULL,
		    "strict alignment (adkim=%s aspf=%s): subdomain senders do not align",
		    dm->adkim.ptr, dm->aspf.ptr);
}

/* dns_failed - the first indeterminate _dmarc answer, for the reason */
static void
dns_failed(struct mp_check *c)
{
	for (const struct slot *s = c->slots; s != NULL; s = s->next)
		if (s->ans != NULL && mp_dns_state_of(s->ans->status) == MP_DNS_INDETERMINATE &&
		    s->q.type == MP_DNS_T_TXT && s->q.name_len > 7 &&
		    memcmp(s->q.name, "_dmarc.", 7) == 0 && s->kind != K_PROBE_DMARC) {
			check_dns_error(c, s->ans);
			return;
		}
}

/* check_dmarc_rules - every DMARC finding */
void
check_dmarc_rules(struct mp_check *c)
{
	const struct mp_check_dmarc *dm = &c->res.dmarc;
	struct mp_str at;

	if (c->disc == NULL) {
		c->res.dmarc.state = MP_CHECK_ST_UNKNOWN;
		return;
	}
	if (dm->state == MP_CHECK_ST_UNKNOWN) {
		dns_failed(c);
		return;
	}
	if (dm->state == MP_CHECK_ST_ABSENT || dm->state == MP_CHECK_ST_INVALID) {
		absent(c);
		return;
	}
	at = c->disc->applied.policy_domain;
	check_dmarc_probe(c);
	record_notes(c, c->disc->applied.record);
	if (!mp_str_eq_nocase(at, c->domain))
		check_find(c, MP_REASON_CHECK_DMARC_INHERITED, NULL,
		    "no record at _dmarc.%s: the policy comes from %s (%s)", c->domain.ptr,
		    dm->found_at.ptr, dm->method.ptr);
	if (c->disc->differs)
		check_find(c, MP_REASON_CHECK_DMARC_DISCOVERY_DIFFERS, NULL,
		    "RFC 9989 tree walk and RFC 7489 public suffix list disagree: %s",
		    c->disc->compare_why.text);
	policy_rules(c, at);
	report_rules(c, at);
}
