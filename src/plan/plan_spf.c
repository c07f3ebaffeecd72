/* plan_spf.c - count the planned SPF records' DNS-querying terms through
 * the providers' real include trees (RFC 7208 §4.6.4), with the SPF linter
 * on each include target. Each include: term counts 1, plus what its
 * target's record counts. Sans-IO linter, driven here synchronously.
 */
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/plan.h>
#include <mailproof/spf.h>

#include "plan_internal.h"

#define AP(...) mp_arena_printf(&r->arena, __VA_ARGS__)

/* lint_terms - terms counted inside domain's record; -1 when unknown */
static int
lint_terms(struct mp_resolver *res, struct mp_str domain, bool *temporary, bool *broken)
{
	struct mp_spf_lint *l;
	struct mp_dns_client c;
	const struct mp_spf_lint_report *rep;
	int n = -1;

	if (mp_spf_lint_new(domain, &l) != MP_OK)
		return -1;
	mp_spf_lint_client(l, &c);
	if (mp_dns_drive(res, &c) == MP_OK && (rep = mp_spf_lint_report(l)) != NULL) {
		n = (int)rep->dns_terms;
		*temporary |= rep->temporary;
		*broken |= rep->record.len == 0;
	}
	mp_spf_lint_free(l);
	return n;
}

static void
add_warning(struct mp_plan_result *r, const char *id, struct mp_str domain, struct mp_str msg,
            struct mp_str fix)
{
	struct mp_plan_warning *n = mp_arena_alloc(&r->arena, (r->nwarnings + 1) * sizeof *n);

	if (n == NULL)
		return;
	if (r->nwarnings)
		memcpy(n, r->warnings, r->nwarnings * sizeof *n);
	n[r->nwarnings++] = (struct mp_plan_warning){ mp_str_c(id), domain, msg, fix };
	r->warnings = n;
}

enum mp_status
mp_plan_count_spf(struct mp_plan_result *r, struct mp_resolver *res)
{
	for (size_t i = 0; i < r->nrecords; i++) {
		struct mp_plan_record *rec = &r->records[i];
		unsigned total = 0;
		bool temporary = false;
		struct mp_str heavy = MP_STR_NULL;
		int heavy_n = -1;
		if (rec->kind != MP_PLAN_SPF)
			continue;
		rec->dns_terms = -1;
		for (size_t p = 0; p < rec->value.len;) {
			size_t e = p;
			while (e < rec->value.len && rec->value.ptr[e] != ' ')
				e++;
			struct mp_str term = mp_str_make(rec->value.ptr + p, e - p);
			p = e + 1;
			if (!mp_str_starts_nocase(term, MP_STR_LIT("include:")))
				continue;
			struct mp_str target = mp_str_make(term.ptr + 8, term.len - 8);
			bool br = false;
			int n = lint_terms(res, target, &temporary, &br);
			total += 1 + (n > 0 ? (unsigned)n : 0);
			if (br)
				add_warning(r, "plan-include-broken", rec->domain,
				    AP("include:%.*s has no SPF record (a receiver's result is permerror)",
				    (int)target.len, target.ptr),
				    AP("check the provider's documentation for its current include"));
			if (n > heavy_n) {
				heavy_n = n;
				heavy = target;
			}
		}
		if (temporary) {
			rec->comment = AP("SPF: DNS trouble kept the lookup count from being known");
			continue;
		}
		rec->dns_terms = (int)total;
		rec->comment = AP("SPF: %u of 10 DNS lookups counted through the providers' include "
		    "trees; -all refuses everyone else", total);
		if (total > MP_LIMIT_SPF_DNS_TERMS)
			add_warning(r, "plan-spf-over-limit", rec->domain,
			    AP("SPF for %.*s needs %u DNS lookups through its include trees, more than "
			    "RFC 7208's 10: receivers answer permerror", (int)rec->domain.len,
			    rec->domain.ptr, total),
			    AP("move the sender behind include:%.*s (%d lookups) to a subdomain such as "
			    "news.%.*s with its own SPF record, or replace includes by the providers' "
			    "addresses (they change without notice: re-check monthly)",
			    (int)heavy.len, heavy.ptr, heavy_n + 1, (int)rec->domain.len, rec->domain.ptr));
	}
	return MP_OK;
}
