/* check_spf.c - SPF part of a domain check: record selection (RFC 7208
 * §4.5) and what the SPF linter says about the record.
 *
 * TODO(issue 6): the SPF linter (mailproof/spf.h mp_spf_lint) has not
 * landed; until it does the record's contents are reported "not checked",
 * never as a pass. Part of one check; not thread-safe per check.
 */
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>

#include "check_internal.h"

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

/* check_spf_rules - SPF findings */
void
check_spf_rules(struct mp_check *c)
{
	struct mp_check_spf *spf = &c->res.spf;
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
		spf->state = MP_CHECK_ST_NOT_CHECKED;
		check_find(c, MP_REASON_CHECK_SPF_NOT_CHECKED, NULL,
		    "SPF record found; its terms and lookup count were not checked by this build");
		return;
	default:
		return;
	}
}
