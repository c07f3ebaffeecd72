/* check_spf.c - SPF part of a domain check: record selection (RFC 7208
 * §4.5) from our own TXT answer, and the SPF linter's report (mailproof/
 * spf.h mp_spf_lint: syntax, +all/?all, ptr, DNS-querying terms through
 * the include tree <= 10 and void lookups <= 2 per §4.6.4, includes that
 * resolve to SPF) turned into findings with fixes: the same record with
 * the same includes and -all. The linter runs as a sub-core; its TXT
 * question for the domain is shared with ours. Part of one check.
 */
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>
#include <mailproof/spf.h>

#include "check_internal.h"

/* lint_done - keep the linter's report */
static void
lint_done(struct mp_check *c, struct check_sub *s)
{
	c->spf_lint = s->st == MP_OK || s->st == MP_ELIMIT ? mp_spf_lint_report(s->cl.core) : NULL;
}

/* lint_release - the linter is heap-owned */
static void
lint_release(void *core)
{
	mp_spf_lint_free(core);
}

/* check_spf_start - the linter, as a sub-core */
void
check_spf_start(struct mp_check *c)
{
	struct mp_spf_lint *l;
	struct mp_dns_client cl;

	if (mp_spf_lint_new(c->domain, &l) != MP_OK) {
		c->err = MP_ENOMEM;
		return;
	}
	mp_spf_lint_client(l, &cl);
	if (check_add_sub(c, &cl, lint_done, lint_release) != MP_OK) {
		mp_spf_lint_free(l);
		c->err = MP_ELIMIT;
	}
}

/* check_spf_answer - TXT at the domain: select SPF records */
void
check_spf_answer(struct mp_check *c, struct slot *s)
{
	struct mp_check_spf *spf = &c->res.spf;
	struct mp_str first;

	spf->state = check_state_of(s->ans);
	if (spf->state != MP_CHECK_ST_PRESENT)
		return;
	spf->nrecords = check_txt_select(s->ans, "v=spf1", 0, &first);
	spf->record = mp_arena_strdup(&c->arena, first);
	if (spf->nrecords == 0)
		spf->state = MP_CHECK_ST_ABSENT;
	else if (spf->nrecords > 1)
		spf->state = MP_CHECK_ST_INVALID;
}

/* is_all - "all" with an optional qualifier */
static bool
is_all(struct mp_str t)
{
	if (t.len == 4 && (t.ptr[0] == '+' || t.ptr[0] == '-' || t.ptr[0] == '~' || t.ptr[0] == '?'))
		t = mp_str_make(t.ptr + 1, 3);
	return mp_str_eq_nocase_c(t, "all");
}

/* strict_record - the same terms, ending in -all (the fix) */
static const char *
strict_record(struct mp_check *c)
{
	struct mp_str rec = c->res.spf.record, out = MP_STR_LIT("v=spf1");
	size_t i = 6;

	while (i < rec.len) {
		size_t start;

		while (i < rec.len && rec.ptr[i] == ' ')
			i++;
		start = i;
		while (i < rec.len && rec.ptr[i] != ' ')
			i++;
		if (i > start && !is_all(mp_str_make(rec.ptr + start, i - start)))
			out = check_printf(c, "%s %.*s", out.ptr, (int)(i - start), rec.ptr + start);
	}
	return check_printf(c, "%s. IN TXT \"%s -all\"", c->domain.ptr, out.ptr).ptr;
}

/* the_all - the record's all term as written, for the summary */
static struct mp_str
the_all(struct mp_str rec)
{
	size_t i = rec.len;

	while (i > 0 && rec.ptr[i - 1] == ' ')
		i--;
	rec.len = i;
	while (i > 0 && rec.ptr[i - 1] != ' ')
		i--;
	rec = mp_str_make(rec.ptr + i, rec.len - i);
	return is_all(rec) ? rec : MP_STR_LIT("");
}

static const struct {
	const char *lint_id;
	enum mp_reason id;
	bool strict_fix;       /* fix: the same record with -all */
} lint_map[] = {
	{ "syntax", MP_REASON_CHECK_SPF_SYNTAX, false },
	{ "duplicate-modifier", MP_REASON_CHECK_SPF_SYNTAX, false },
	{ "bad-domain", MP_REASON_CHECK_SPF_SYNTAX, false },
	{ "plus-all", MP_REASON_CHECK_SPF_PASS_ALL, true },
	{ "neutral-all", MP_REASON_CHECK_SPF_NEUTRAL_ALL, true },
	{ "no-all", MP_REASON_CHECK_SPF_NO_ALL, true },
	{ "too-many-lookups", MP_REASON_CHECK_SPF_TOO_MANY_LOOKUPS, false },
	{ "too-many-void-lookups", MP_REASON_CHECK_SPF_TOO_MANY_VOID, false },
	{ "ptr-deprecated", MP_REASON_CHECK_SPF_PTR, false },
	{ "include-no-record", MP_REASON_CHECK_SPF_INCLUDE_BROKEN, false },
	{ "redirect-no-record", MP_REASON_CHECK_SPF_INCLUDE_BROKEN, false },
	{ "include-loop", MP_REASON_CHECK_SPF_INCLUDE_BROKEN, false },
	{ "redirect-loop", MP_REASON_CHECK_SPF_INCLUDE_BROKEN, false },
	{ "too-deep", MP_REASON_CHECK_SPF_INCLUDE_BROKEN, false },
};

/* lint_finding - one linter finding as a check finding */
static void
lint_finding(struct mp_check *c, const struct mp_spf_finding *f)
{
	enum mp_reason id = MP_REASON_CHECK_SPF_LINT;
	const char *fix = f->fix.len ? mp_arena_cstr(&c->arena, f->fix) : NULL;
	bool top = mp_str_eq_nocase(f->domain, c->domain);

	if (strcmp(f->id, "no-record") == 0 || strcmp(f->id, "multiple-records") == 0)
		return;                  /* ours, from the domain's own answer */
	if (strcmp(f->id, "dns-error") == 0) {
		c->res.spf.state = MP_CHECK_ST_UNKNOWN;
		if (c->dns_error.len == 0)
			c->dns_error = check_printf(c, "SPF: %.*s", (int)f->message.len, f->message.ptr);
		return;
	}
	for (size_t i = 0; i < sizeof lint_map / sizeof lint_map[0]; i++)
		if (strcmp(f->id, lint_map[i].lint_id) == 0) {
			id = lint_map[i].id;
			if (lint_map[i].strict_fix && top)
				fix = strict_record(c);
		}
	if (id == MP_REASON_CHECK_SPF_SYNTAX && !top)
		id = MP_REASON_CHECK_SPF_INCLUDE_BROKEN;
	if (!top && (id == MP_REASON_CHECK_SPF_PASS_ALL || id == MP_REASON_CHECK_SPF_NEUTRAL_ALL ||
	    id == MP_REASON_CHECK_SPF_NO_ALL))
		id = MP_REASON_CHECK_SPF_LINT;    /* an include's all does not decide */
	if (id == MP_REASON_CHECK_SPF_LINT && f->severity == MP_SPF_INFO)
		return;
	check_find(c, id, fix, "%.*s (%s: %s)", (int)f->message.len, f->message.ptr,
	    f->rule ? f->rule : "RFC 7208", f->id);
}

/* check_spf_rules - SPF findings */
void
check_spf_rules(struct mp_check *c)
{
	struct mp_check_spf *spf = &c->res.spf;
	const struct mp_spf_lint_report *rep = c->spf_lint;
	const char *d = c->domain.ptr;

	switch (spf->state) {
	case MP_CHECK_ST_ABSENT:
		if (c->res.sends_no_mail)
			check_find(c, MP_REASON_CHECK_SPF_MISSING,
			    check_printf(c, "%s. IN TXT \"v=spf1 -all\"", d).ptr,
			    "%s has no SPF record; it sends no mail, so say so with v=spf1 -all", d);
		else
			check_find(c, MP_REASON_CHECK_SPF_MISSING,
			    check_printf(c, "%s. IN TXT \"v=spf1 mx -all\"", d).ptr,
			    "%s has no SPF record: receivers cannot tell its servers from forgers "
			    "(list your senders, e.g. include: your provider, before -all)", d);
		return;
	case MP_CHECK_ST_INVALID:
		check_find(c, MP_REASON_CHECK_SPF_MULTIPLE, NULL,
		    "%s has %zu SPF records: every SPF check ends in permerror (RFC 7208 §4.5); "
		    "merge them into one", d, spf->nrecords);
		return;
	case MP_CHECK_ST_PRESENT:
		break;
	default:
		return;
	}
	spf->all = the_all(spf->record);
	if (rep == NULL) {
		spf->state = MP_CHECK_ST_UNKNOWN;
		check_find(c, MP_REASON_CHECK_SPF_NOT_CHECKED, NULL,
		    "the SPF linter did not finish, so the record's contents are not known");
		return;
	}
	spf->linted = true;
	spf->lookups = rep->dns_terms;
	spf->void_lookups = rep->void_lookups;
	for (size_t i = 0; i < rep->nfindings; i++)
		lint_finding(c, &rep->findings[i]);
	if (spf->state == MP_CHECK_ST_PRESENT && mp_str_eq_nocase_c(spf->all, "~all"))
		check_find(c, MP_REASON_CHECK_SPF_SOFTFAIL_ALL, NULL,
		    "SPF ends with ~all: fine with DMARC at quarantine or reject; -all is stricter "
		    "for receivers that do not use DMARC");
	if (rep->temporary && c->dns_error.len == 0)
		c->dns_error = check_printf(c, "SPF include tree: a DNS query failed");
	if (rep->temporary)
		spf->state = MP_CHECK_ST_UNKNOWN;
}
