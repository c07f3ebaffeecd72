/* spf_lint.c - walk a domain's whole SPF tree (includes and redirects, in
 * evaluation order) and report what an administrator must fix: syntax with
 * the term and its position, multiple records, the DNS-querying terms
 * counted as receivers count them (RFC 7208 §4.6.4, through includes), void
 * lookups, +all / ?all / no all, ptr, includes without SPF, macro-built
 * targets (expanded for a sample sender, shown as such), loops, records too
 * long for one comfortable UDP answer; each finding carries its RFC rule and
 * a concrete fix. Sans-IO like the evaluator; one lint per thread at a time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/log.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "spf_internal.h"

#define LINT_MAX_DEPTH 16       /* include/redirect nesting followed */
#define LINT_MAX_RECORDS 64     /* records fetched in one lint */
#define LINT_MAX_CHECKS 32      /* void-check questions per record */
#define LINT_MAX_FINDINGS 256
#define LINT_MAX_LOOKUPS 256
#define LINT_ARENA_MAX (4u << 20)
#define LINT_SAMPLE_IP "192.0.2.1"

enum lint_phase { LP_FETCH, LP_FETCH_WAIT, LP_CHECK_WAIT, LP_WALK, LP_CHILD_WAIT };

struct lint_check {
	struct mp_dns_question q;
	size_t term;            /* term index it checks */
	bool answered;
	enum mp_dns_status status;
	size_t nrr;
};

struct lint_frame {
	struct mp_str domain;
	struct mp_str record;
	struct mp_spf_record rec;
	enum lint_phase phase;
	size_t idx;
	unsigned depth;
	bool via_redirect, via_include;
	struct mp_str via_term;         /* the parent's term that led here */
	struct lint_check *checks;
	size_t nchecks;
	bool redirect_done;
};

struct mp_spf_lint {
	struct mp_arena arena;
	struct mp_spf_lint_report rep;
	struct mp_spf_finding findings[LINT_MAX_FINDINGS];
	struct mp_spf_lookup lookups[LINT_MAX_LOOKUPS];
	struct lint_frame frames[LINT_MAX_DEPTH];
	size_t depth;
	unsigned nrecords;
	struct mp_dns_question txtq;
	bool txt_pending, txt_answered;
	enum mp_dns_status txt_status;
	size_t txt_n;                   /* SPF records in the answer */
	struct mp_str txt_first;
	struct mp_str txt_all_first;    /* first TXT string, for messages */
	const struct mp_dns_question **qptrs;
	size_t nq;
	struct mp_spf_macro_env env;
	char sample_ip[46];             /* the client macros are expanded for */
	struct mp_buf tmp;
	bool done;
};

/* ---- findings ---- */

/* add_finding - one finding; text formatted into the arena */
static void MP_PRINTF(6, 7)
add_finding(struct mp_spf_lint *l, const char *id, enum mp_spf_severity sev, struct mp_str domain,
            const char *rule, const char *fmt, ...)
{
	struct mp_spf_finding *f;
	va_list ap;
	char msg[600];

	if (l->rep.nfindings >= LINT_MAX_FINDINGS)
		return;
	f = &l->findings[l->rep.nfindings++];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	f->id = id;
	f->severity = sev;
	f->domain = domain;
	f->rule = rule;
	f->message = mp_arena_strdup(&l->arena, mp_str_c(msg));
	f->fix = MP_STR_NULL;
}

/* set_fix - the concrete fix of the last finding */
static void MP_PRINTF(2, 3)
set_fix(struct mp_spf_lint *l, const char *fmt, ...)
{
	va_list ap;
	char msg[600];

	if (l->rep.nfindings == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	l->findings[l->rep.nfindings - 1].fix = mp_arena_strdup(&l->arena, mp_str_c(msg));
}

#define S(v) (int)(v).len, (v).ptr

/* add_lookup - one counted DNS-querying term */
static struct mp_spf_lookup *
add_lookup(struct mp_spf_lint *l, struct lint_frame *fr, const struct mp_spf_term *t,
           const char *rule)
{
	struct mp_spf_lookup *k;

	l->rep.dns_terms++;
	if (l->rep.nlookups >= LINT_MAX_LOOKUPS)
		return NULL;
	k = &l->lookups[l->rep.nlookups++];
	k->domain = fr->domain;
	k->term = t->text;
	k->rule = rule;
	k->depth = fr->depth;
	k->count = l->rep.dns_terms;
	k->is_void = false;
	return k;
}

/* ---- questions ---- */

/* collect - the unanswered questions */
static size_t
collect(struct mp_spf_lint *l)
{
	struct lint_frame *fr;

	l->nq = 0;
	if (l->txt_pending && !l->txt_answered)
		l->qptrs[l->nq++] = &l->txtq;
	if (l->depth == 0)
		return l->nq;
	fr = &l->frames[l->depth - 1];
	if (fr->phase == LP_CHECK_WAIT)
		for (size_t i = 0; i < fr->nchecks; i++)
			if (!fr->checks[i].answered)
				l->qptrs[l->nq++] = &fr->checks[i].q;
	return l->nq;
}

/* lint_questions - client: unanswered questions */
static size_t
lint_questions(void *core, const struct mp_dns_question *const **qs)
{
	struct mp_spf_lint *l = core;
	size_t n = collect(l);

	*qs = l->qptrs;
	return n;
}

/* lint_answer - client: keep what the lint needs */
static enum mp_status
lint_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct mp_spf_lint *l = core;
	struct lint_frame *fr;
	enum mp_dns_status st = a->status == MP_DNS_OK && a->nrr == 0 ? MP_DNS_NODATA : a->status;

	if (q == &l->txtq) {
		l->txt_answered = true;
		l->txt_status = st;
		l->txt_n = 0;
		l->txt_first = l->txt_all_first = MP_STR_NULL;
		for (size_t i = 0; st == MP_DNS_OK && i < a->nrr; i++) {
			struct mp_str v = a->rr[i].u.txt.joined;

			if (a->rr[i].type != MP_DNS_T_TXT || !mp_spf_is_record(v))
				continue;
			if (l->txt_n++ == 0 &&
			    (l->txt_first = mp_arena_strdup(&l->arena, v)).ptr == NULL)
				return MP_ENOMEM;
		}
		return MP_OK;
	}
	if (l->depth == 0)
		return MP_EINVAL;
	fr = &l->frames[l->depth - 1];
	for (size_t i = 0; i < fr->nchecks; i++)
		if (&fr->checks[i].q == q) {
			fr->checks[i].answered = true;
			fr->checks[i].status = st;
			fr->checks[i].nrr = a->nrr;
			return MP_OK;
		}
	return MP_EINVAL;
}

/* ---- walking ---- */

/* push - start a record; false when too deep or too many records */
static bool
push(struct mp_spf_lint *l, struct mp_str domain, unsigned depth, bool via_redirect,
     bool via_include, struct mp_str via_term)
{
	struct lint_frame *fr;

	if (l->depth >= LINT_MAX_DEPTH || l->nrecords >= LINT_MAX_RECORDS)
		return false;
	fr = &l->frames[l->depth++];
	memset(fr, 0, sizeof *fr);
	fr->domain = domain;
	fr->depth = depth;
	fr->via_redirect = via_redirect;
	fr->via_include = via_include;
	fr->via_term = via_term;
	fr->phase = LP_FETCH;
	l->nrecords++;
	return true;
}

/* in_path - is domain already on the include/redirect path (a loop)? */
static bool
in_path(const struct mp_spf_lint *l, struct mp_str domain)
{
	for (size_t i = 0; i < l->depth; i++)
		if (mp_dns_name_eq(l->frames[i].domain, domain))
			return true;
	return false;
}

/* expand_target - domain-spec for the sample sender; NULL ptr when unusable */
static struct mp_str
expand_target(struct mp_spf_lint *l, struct lint_frame *fr, const struct mp_spf_term *t)
{
	enum mp_spf_macro_rc rc;

	if (t->domain_spec.len == 0)
		return fr->domain;
	if (!t->has_macro)
		return t->domain_spec;
	l->env.domain = fr->domain;
	mp_buf_reset(&l->tmp);
	rc = mp_spf_macro_expand(t->domain_spec, &l->env, true, MP_LIMIT_DNS_NAME_TEXT, &l->tmp);
	if (rc != MP_SPF_MACRO_OK)
		return MP_STR_NULL;
	return mp_arena_strdup(&l->arena, mp_buf_str(&l->tmp));
}

/* record_checks - findings about one record as a whole */
static void
record_checks(struct mp_spf_lint *l, struct lint_frame *fr)
{
	const struct mp_spf_record *r = &fr->rec;
	bool has_all = false;

	if (fr->record.len > MP_LIMIT_SPF_UDP_SAFE) {
		add_finding(l, "record-too-long", MP_SPF_WARNING, fr->domain, "RFC 7208 §3.4",
		    "the record is %zu bytes; more than %u may not fit one UDP answer with "
		    "the other TXT records of the name", fr->record.len,
		    (unsigned)MP_LIMIT_SPF_UDP_SAFE);
		set_fix(l, "move address ranges into an include: on a subdomain, or replace "
		    "many ip4:/ip6: terms with fewer, wider CIDR ranges");
	}
	for (size_t i = 0; i < r->nterms; i++) {
		const struct mp_spf_term *t = &r->terms[i];

		if (t->kind == MP_SPF_T_ALL) {
			has_all = true;
			if (t->qualifier == MP_SPF_PASS) {
				add_finding(l, "plus-all", MP_SPF_ERROR, fr->domain, "RFC 7208 §5.1",
				    "'%.*s' lets every host on the Internet pass as this domain", S(t->text));
				set_fix(l, "end the record with -all (or ~all while testing)");
			} else if (t->qualifier == MP_SPF_NEUTRAL && !fr->via_include) {
				add_finding(l, "neutral-all", MP_SPF_WARNING, fr->domain, "RFC 7208 §8.2",
				    "'?all' makes unlisted hosts neutral: SPF gives no protection");
				set_fix(l, "end the record with -all (or ~all while testing)");
			}
			if (i + 1 < r->nterms && r->terms[i + 1].kind <= MP_SPF_T_EXISTS)
				add_finding(l, "terms-after-all", MP_SPF_WARNING, fr->domain,
				    "RFC 7208 §5.1", "mechanisms after '%.*s' are never evaluated",
				    S(t->text)), set_fix(l, "move 'all' to the end of the record");
		}
		if (t->kind == MP_SPF_T_PTR) {
			add_finding(l, "ptr-deprecated", MP_SPF_WARNING, fr->domain, "RFC 7208 §5.5",
			    "'%.*s' at byte %zu: ptr is slow, unreliable and SHOULD NOT be used",
			    S(t->text), t->pos);
			set_fix(l, "replace ptr with ip4:/ip6: ranges or a: names of the sending hosts");
		}
		if ((t->kind == MP_SPF_T_INCLUDE || t->kind == MP_SPF_T_REDIRECT) && t->has_macro) {
			add_finding(l, "macro-target", MP_SPF_INFO, fr->domain, "RFC 7208 §7",
			    "'%.*s' depends on the sender; followed as evaluated for %.*s "
			    "from %s, other senders may count differently",
			    S(t->text), S(l->env.sender), l->sample_ip);
		}
	}
	if (!has_all && r->redirect < 0 && !fr->via_include) {
		add_finding(l, "no-all", MP_SPF_WARNING, fr->domain, "RFC 7208 §4.7",
		    "no 'all' and no redirect=: unlisted hosts get the default neutral result");
		set_fix(l, "end the record with -all (or ~all while testing)");
	}
	if (has_all && r->redirect >= 0) {
		add_finding(l, "redirect-ignored", MP_SPF_WARNING, fr->domain, "RFC 7208 §6.1",
		    "redirect= is never used because the record has an 'all' mechanism");
		set_fix(l, "remove either 'all' or the redirect= modifier");
	}
}

/* start_checks - void-check questions for a, mx and exists terms */
static void
start_checks(struct mp_spf_lint *l, struct lint_frame *fr)
{
	fr->checks = mp_arena_zalloc(&l->arena, LINT_MAX_CHECKS * sizeof *fr->checks);
	fr->nchecks = 0;
	for (size_t i = 0; fr->checks && i < fr->rec.nterms && fr->nchecks + 2 <= LINT_MAX_CHECKS;
	    i++) {
		const struct mp_spf_term *t = &fr->rec.terms[i];
		struct mp_str name;
		uint16_t types[2];
		size_t nt = 0;

		if (t->kind == MP_SPF_T_A) {
			types[nt++] = MP_DNS_T_A;
			types[nt++] = MP_DNS_T_AAAA;
		} else if (t->kind == MP_SPF_T_MX) {
			types[nt++] = MP_DNS_T_MX;
		} else if (t->kind == MP_SPF_T_EXISTS && !t->has_macro) {
			types[nt++] = MP_DNS_T_A;   /* with macros, "no record" is the point */
		} else {
			continue;
		}
		name = expand_target(l, fr, t);
		if (name.ptr == NULL || !mp_spf_domain_ok(name))
			continue;
		for (size_t k = 0; k < nt; k++) {
			struct lint_check *c = &fr->checks[fr->nchecks];

			if (mp_dns_question_set(&c->q, types[k], name) != MP_OK)
				continue;
			c->term = i;
			fr->nchecks++;
		}
	}
	fr->phase = LP_CHECK_WAIT;
}

/* term_void - did the void-check of term i find nothing? *err on DNS errors */
static bool
term_void(const struct lint_frame *fr, size_t i, bool *err, size_t *mx_names)
{
	bool any = false, present = false;

	*err = false;
	for (size_t k = 0; k < fr->nchecks; k++) {
		const struct lint_check *c = &fr->checks[k];

		if (c->term != i)
			continue;
		any = true;
		if (mp_dns_state_of(c->status) == MP_DNS_PRESENT) {
			present = true;
			if (c->q.type == MP_DNS_T_MX)
				*mx_names = c->nrr;
		} else if (mp_dns_state_of(c->status) == MP_DNS_INDETERMINATE) {
			*err = true;
		}
	}
	return any && !present && !*err;
}

/* lookup_rule - the RFC 7208 rule that counts a term */
static const char *
lookup_rule(enum mp_spf_term_kind k)
{
	switch (k) {
	case MP_SPF_T_INCLUDE: return "RFC 7208 §4.6.4: include counts, and so do the terms of the included record";
	case MP_SPF_T_A: return "RFC 7208 §4.6.4: a counts (one A/AAAA query)";
	case MP_SPF_T_MX: return "RFC 7208 §4.6.4: mx counts (one MX query; its up to 10 address queries do not)";
	case MP_SPF_T_PTR: return "RFC 7208 §4.6.4: ptr counts (one PTR query; up to 10 address queries do not)";
	case MP_SPF_T_EXISTS: return "RFC 7208 §4.6.4: exists counts (one A query)";
	case MP_SPF_T_REDIRECT: return "RFC 7208 §4.6.4: redirect= counts, and so do the terms of the target record";
	default: return "";
	}
}

/* walk_term - count one term and maybe descend; true when a child was pushed */
static bool
walk_term(struct mp_spf_lint *l, struct lint_frame *fr, const struct mp_spf_term *t, size_t i)
{
	struct mp_spf_lookup *k;
	struct mp_str name;
	size_t mx_names = 0;
	bool err;

	if (t->kind != MP_SPF_T_INCLUDE && t->kind != MP_SPF_T_A && t->kind != MP_SPF_T_MX &&
	    t->kind != MP_SPF_T_PTR && t->kind != MP_SPF_T_EXISTS && t->kind != MP_SPF_T_REDIRECT)
		return false;
	k = add_lookup(l, fr, t, lookup_rule(t->kind));
	if (l->rep.dns_terms == MP_LIMIT_SPF_DNS_TERMS + 1) {
		add_finding(l, "too-many-lookups", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.6.4",
		    "'%.*s' is DNS-querying term %u: receivers stop at %u and return permerror",
		    S(t->text), l->rep.dns_terms, (unsigned)MP_LIMIT_SPF_DNS_TERMS);
		set_fix(l, "replace include:/a/mx terms by the ip4:/ip6: ranges they stand for, "
		    "remove includes of services no longer used, or split senders across "
		    "subdomains with their own records");
	}
	if (t->kind == MP_SPF_T_A || t->kind == MP_SPF_T_MX || t->kind == MP_SPF_T_EXISTS) {
		if (term_void(fr, i, &err, &mx_names)) {
			if (k)
				k->is_void = true;
			l->rep.void_lookups++;
			add_finding(l, "void-lookup", MP_SPF_WARNING, fr->domain, "RFC 7208 §4.6.4",
			    "'%.*s' finds no %s record (a void lookup; more than %u make a permerror)",
			    S(t->text), t->kind == MP_SPF_T_MX ? "MX" : "address",
			    (unsigned)MP_LIMIT_SPF_VOID_LOOKUPS);
			set_fix(l, "remove '%.*s' or publish the records it names", S(t->text));
		}
		if (err)
			l->rep.temporary = true;
		if (mx_names > MP_LIMIT_SPF_MX_NAMES) {
			add_finding(l, "too-many-mx", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.6.4",
			    "'%.*s' names %zu MX hosts; more than %u is a permerror", S(t->text),
			    mx_names, (unsigned)MP_LIMIT_SPF_MX_NAMES);
			set_fix(l, "list the mail servers' addresses with ip4:/ip6: instead of mx");
		}
		return false;
	}
	if (t->kind != MP_SPF_T_INCLUDE && t->kind != MP_SPF_T_REDIRECT)
		return false;
	name = expand_target(l, fr, t);
	if (name.ptr == NULL)
		return false;
	if (in_path(l, name)) {
		add_finding(l, t->kind == MP_SPF_T_REDIRECT ? "redirect-loop" : "include-loop",
		    MP_SPF_ERROR, fr->domain, "RFC 7208 §4.6.4",
		    "'%.*s' leads back to %.*s: evaluation loops until the lookup limit "
		    "gives permerror", S(t->text), S(name));
		set_fix(l, "remove '%.*s'", S(t->text));
		return false;
	}
	if (!push(l, name, fr->depth + 1, t->kind == MP_SPF_T_REDIRECT,
	    t->kind == MP_SPF_T_INCLUDE, t->text)) {
		add_finding(l, "too-deep", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.6.4",
		    "include/redirect nesting deeper than %u records at '%.*s'",
		    (unsigned)LINT_MAX_DEPTH, S(t->text));
		set_fix(l, "flatten the include chain");
		return false;
	}
	return true;
}

/* fetched - handle the TXT answer of the top frame */
static void
fetched(struct mp_spf_lint *l, struct lint_frame *fr)
{
	struct mp_why why;
	bool top = l->depth == 1;

	l->txt_pending = false;
	if (mp_dns_state_of(l->txt_status) == MP_DNS_INDETERMINATE &&
	    l->txt_status != MP_DNS_MALFORMED) {
		l->rep.temporary = true;
		add_finding(l, "dns-error", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.4",
		    "TXT lookup failed (%s): receivers return temperror",
		    mp_dns_status_name(l->txt_status));
		set_fix(l, "make the domain's name servers answer TXT queries reliably");
		l->depth--;
		return;
	}
	if (l->txt_n == 0) {
		if (top) {
			add_finding(l, "no-record", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.5",
			    l->txt_status == MP_DNS_NXDOMAIN ? "the domain does not exist" :
			    "no SPF record: receivers get none and cannot tell forgeries apart");
			set_fix(l, "publish a TXT record such as \"v=spf1 mx -all\" listing the "
			    "hosts that send this domain's mail");
		} else {
			add_finding(l, fr->via_redirect ? "redirect-no-record" : "include-no-record",
			    MP_SPF_ERROR, fr->domain, fr->via_redirect ? "RFC 7208 §6.1" : "RFC 7208 §5.2",
			    "'%.*s' points at %.*s, which has no SPF record%s: receivers return "
			    "permerror", S(fr->via_term), S(fr->domain),
			    l->txt_status == MP_DNS_NXDOMAIN ? " (the name does not exist)" : "");
			set_fix(l, "remove '%.*s' or correct the domain name", S(fr->via_term));
		}
		l->depth--;
		return;
	}
	if (l->txt_n > 1) {
		add_finding(l, "multiple-records", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.5",
		    "%zu TXT records start with v=spf1: receivers return permerror", l->txt_n);
		set_fix(l, "merge them into one record");
		l->depth--;
		return;
	}
	fr->record = l->txt_first;
	if (top)
		l->rep.record = fr->record;
	mp_why_clear(&why);
	if (mp_spf_record_parse(fr->record, &l->arena, &fr->rec, &why) != MP_OK) {
		l->depth--;
		return;
	}
	if (mp_why_failed(&why)) {
		add_finding(l, why.reason == MP_REASON_SPF_DUP_MODIFIER ? "duplicate-modifier" :
		    "syntax", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.6, §12", "%s", why.text);
		set_fix(l, "correct the term as RFC 7208 §12 spells it (mechanisms: all include "
		    "a mx ptr ip4 ip6 exists; modifiers redirect= exp=)");
		l->depth--;
		return;
	}
	record_checks(l, fr);
	start_checks(l, fr);
}

/* step - advance the top frame */
static void
step(struct mp_spf_lint *l)
{
	struct lint_frame *fr = &l->frames[l->depth - 1];

	switch (fr->phase) {
	case LP_FETCH:
		if (mp_dns_question_set(&l->txtq, MP_DNS_T_TXT, fr->domain) != MP_OK ||
		    !mp_spf_domain_ok(fr->domain)) {
			add_finding(l, "bad-domain", MP_SPF_ERROR, fr->domain, "RFC 7208 §4.3",
			    "'%.*s' is not a usable domain name", S(fr->domain));
			set_fix(l, "use a fully qualified domain name (labels of 1-63 bytes, "
			    "at most 253 bytes in all)");
			l->depth--;
			return;
		}
		l->txt_pending = true;
		l->txt_answered = false;
		fr->phase = LP_FETCH_WAIT;
		return;
	case LP_FETCH_WAIT:
		fetched(l, fr);
		return;
	case LP_CHECK_WAIT:
		fr->phase = LP_WALK;
		return;
	case LP_CHILD_WAIT:
		fr->phase = LP_WALK;
		fr->idx++;
		return;
	case LP_WALK:
		while (fr->idx < fr->rec.nterms) {
			const struct mp_spf_term *t = &fr->rec.terms[fr->idx];

			if (t->kind == MP_SPF_T_REDIRECT) {
				fr->idx++;
				continue;       /* evaluated after all mechanisms (§6.1) */
			}
			if (walk_term(l, fr, t, fr->idx)) {
				fr->phase = LP_CHILD_WAIT;
				return;
			}
			fr->idx++;
		}
		if (fr->rec.redirect >= 0 && !fr->redirect_done) {
			bool has_all = false;

			for (size_t i = 0; i < fr->rec.nterms; i++)
				has_all |= fr->rec.terms[i].kind == MP_SPF_T_ALL;
			fr->redirect_done = true;
			if (!has_all && walk_term(l, fr, &fr->rec.terms[fr->rec.redirect],
			    (size_t)fr->rec.redirect)) {
				fr->phase = LP_WALK;
				return;
			}
		}
		l->depth--;
		return;
	}
}

/* finish - totals, headroom, strict and lenient verdicts */
static void
finish(struct mp_spf_lint *l)
{
	struct mp_spf_lint_report *r = &l->rep;

	r->headroom = (int)MP_LIMIT_SPF_DNS_TERMS - (int)r->dns_terms;
	if (r->void_lookups > MP_LIMIT_SPF_VOID_LOOKUPS) {
		add_finding(l, "too-many-void-lookups", MP_SPF_ERROR, r->domain, "RFC 7208 §4.6.4",
		    "%u void lookups: receivers that enforce the limit of %u return permerror",
		    r->void_lookups, (unsigned)MP_LIMIT_SPF_VOID_LOOKUPS);
		set_fix(l, "remove the terms reported as void lookups");
	}
	if (r->dns_terms >= MP_LIMIT_SPF_DNS_TERMS - 1 && r->dns_terms <= MP_LIMIT_SPF_DNS_TERMS) {
		add_finding(l, "near-lookup-limit", MP_SPF_WARNING, r->domain, "RFC 7208 §4.6.4",
		    "%u of %u DNS-querying terms used: one more include breaks SPF",
		    r->dns_terms, (unsigned)MP_LIMIT_SPF_DNS_TERMS);
		set_fix(l, "replace some include:/a/mx terms with ip4:/ip6: ranges to keep headroom");
	}
	r->strict_ok = r->dns_terms <= MP_LIMIT_SPF_DNS_TERMS &&
	    r->void_lookups <= MP_LIMIT_SPF_VOID_LOOKUPS;
	r->lenient_ok = r->dns_terms <= MP_LIMIT_SPF_LENIENT_DNS_TERMS;
	for (size_t i = 0; i < r->nfindings; i++) {
		const char *id = l->findings[i].id;

		if (l->findings[i].severity == MP_SPF_ERROR && strcmp(id, "too-many-lookups") != 0 &&
		    strcmp(id, "too-many-void-lookups") != 0 && strcmp(id, "void-lookup") != 0)
			r->strict_ok = r->lenient_ok = false;   /* broken whatever the limits */
	}
	r->findings = l->findings;
	r->lookups = l->lookups;
	l->done = true;
}

/* mp_spf_lint_run - advance until the report is ready or DNS is needed */
enum mp_status
mp_spf_lint_run(struct mp_spf_lint *l)
{
	for (unsigned n = 0; n < 100000; n++) {
		if (l->done)
			return MP_OK;
		if (collect(l) > 0)
			return MP_PENDING;
		if (l->depth == 0) {
			finish(l);
			return MP_OK;
		}
		step(l);
	}
	finish(l);
	return MP_ELIMIT;
}

/* lint_run_cb - mp_dns_client.run */
static enum mp_status
lint_run_cb(void *core)
{
	return mp_spf_lint_run(core);
}

/* mp_spf_lint_client - the sans-IO client for drivers */
void
mp_spf_lint_client(struct mp_spf_lint *l, struct mp_dns_client *out)
{
	out->core = l;
	out->run = lint_run_cb;
	out->questions = lint_questions;
	out->answer = lint_answer;
}

/* mp_spf_lint_report - the report, once run() returned MP_OK */
const struct mp_spf_lint_report *
mp_spf_lint_report(const struct mp_spf_lint *l)
{
	return &l->rep;
}

/* mp_spf_severity_name - "error" "warning" "info" */
const char *
mp_spf_severity_name(enum mp_spf_severity s)
{
	return s == MP_SPF_ERROR ? "error" : s == MP_SPF_WARNING ? "warning" : "info";
}

/* mp_spf_lint_new - a lint of domain's SPF tree */
enum mp_status
mp_spf_lint_new(struct mp_str domain, struct mp_spf_lint **out)
{
	struct mp_spf_lint *l;
	struct mp_str d;

	*out = NULL;
	if ((l = mp_zalloc(sizeof *l)) == NULL)
		return MP_ENOMEM;
	mp_arena_init(&l->arena, LINT_ARENA_MAX);
	mp_buf_init(&l->tmp, MP_LIMIT_DNS_NAME_TEXT);
	l->qptrs = mp_arena_alloc(&l->arena, (LINT_MAX_CHECKS + 1) * sizeof *l->qptrs);
	d = mp_arena_strdup(&l->arena, domain);
	if (l->qptrs == NULL || d.ptr == NULL) {
		mp_spf_lint_free(l);
		return MP_ENOMEM;
	}
	l->rep.domain = d;
	l->env.local = MP_STR_LIT("postmaster");
	l->env.sender_domain = d;
	l->env.sender = mp_arena_printf(&l->arena, "postmaster@%.*s", S(d));
	l->env.helo = d;
	l->env.ptr_name = MP_STR_LIT("unknown");
	mp_spf_ip_parse(MP_STR_LIT(LINT_SAMPLE_IP), &l->env.ip);
	mp_spf_ip_format(&l->env.ip, l->sample_ip);
	push(l, d, 0, false, false, MP_STR_NULL);
	*out = l;
	return MP_OK;
}

/* mp_spf_lint_set_sender - the sender and client macros are expanded for */
enum mp_status
mp_spf_lint_set_sender(struct mp_spf_lint *l, struct mp_str sender, const struct mp_spf_ip *ip)
{
	ptrdiff_t at = -1;
	struct mp_str s = mp_arena_strdup(&l->arena, sender);

	if (s.ptr == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] == '@')
			at = (ptrdiff_t)i;
	if (at > 0) {
		l->env.sender = s;
		l->env.local = mp_str_make(s.ptr, (size_t)at);
		l->env.sender_domain = mp_str_make(s.ptr + at + 1, s.len - (size_t)at - 1);
	}
	if (ip != NULL && (ip->family == 4 || ip->family == 6)) {
		l->env.ip = *ip;
		mp_spf_ip_format(ip, l->sample_ip);
	}
	return MP_OK;
}

/* mp_spf_lint_free - release everything; NULL is fine */
void
mp_spf_lint_free(struct mp_spf_lint *l)
{
	if (l == NULL)
		return;
	mp_arena_fini(&l->arena);
	mp_buf_fini(&l->tmp);
	mp_free(l);
}
