/* milter_decide.c - what mailproofd answers the MTA, as pure functions:
 * inbound DMARC enforcement (policy, local overrides, report-only),
 * temperror and internal-error handling, sender-binding rejections; and
 * recognising Authentication-Results / Received-SPF fields that carry our
 * authserv-id (RFC 8601 §5: such fields from outside are forgeries).
 * Thread-safe.
 */
#include <stdio.h>
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/log.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

const char *
milter_action_name(enum milter_action a)
{
	static const char *const names[] = { "accept", "quarantine", "reject", "tempfail" };

	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "unknown";
}

/* set - fill a decision */
static void
set(struct milter_decision *d, enum milter_action a, const char *rcode, const char *xcode)
{
	d->action = a;
	d->rcode = rcode;
	d->xcode = xcode;
}

/* domain_text - printable author domain for replies */
static const char *
domain_text(const struct milter_verdict *v, char q[MP_LOG_QUOTE_MAX])
{
	return v->author_domain.len ? mp_log_quote(v->author_domain, q) : "(no author domain)";
}

/* temp_error - OnTempError: 451 4.7.5 or accept with the header */
static void
temp_error(const struct milter_config *cfg, const struct milter_verdict *v,
           struct milter_decision *d)
{
	char q[MP_LOG_QUOTE_MAX];

	snprintf(d->text, sizeof d->text,
	    "temporary DNS failure checking %s; try again later", domain_text(v, q));
	d->enforced = cfg->on_temp_error == MILTER_ON_TEMPFAIL;
	if (d->enforced)
		set(d, MILTER_ACT_TEMPFAIL, "451", "4.7.5");
}

void
milter_decide_inbound(const struct milter_config *cfg, const struct milter_verdict *v,
                      struct milter_decision *d)
{
	enum milter_disp policy = v->policy;
	char q[MP_LOG_QUOTE_MAX];

	memset(d, 0, sizeof *d);
	set(d, MILTER_ACT_ACCEPT, NULL, NULL);
	d->enforced = true;
	/* A temporary failure matters only when it kept DMARC from an answer:
	 * an SPF temperror beside an aligned DKIM pass is still a pass. */
	if (v->dmarc == MILTER_DMARC_TEMPERROR ||
	    (v->temperror && v->dmarc != MILTER_DMARC_PASS && v->dmarc != MILTER_DMARC_FAIL)) {
		temp_error(cfg, v, d);
		return;
	}
	if (v->dmarc != MILTER_DMARC_FAIL)
		return;
	milter_config_override(cfg, v->author_domain, &policy);
	if (policy == MILTER_DISP_NONE)
		return;
	snprintf(d->text, sizeof d->text, "DMARC policy of %s: %s (message failed DMARC)",
	    domain_text(v, q), policy == MILTER_DISP_REJECT ? "reject" : "quarantine");
	if (cfg->dmarc_enforce != MILTER_ENFORCE_YES) {
		d->enforced = false;            /* report-only: header and log line only */
		return;
	}
	if (policy == MILTER_DISP_REJECT)
		set(d, MILTER_ACT_REJECT, "550", "5.7.1");
	else
		set(d, MILTER_ACT_QUARANTINE, NULL, NULL);
}

void
milter_decide_internal(const struct milter_config *cfg, const char *what,
                       struct milter_decision *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->text, sizeof d->text, "internal error (%s); try again later", what);
	d->enforced = cfg->on_internal_error == MILTER_ON_TEMPFAIL;
	if (d->enforced)
		set(d, MILTER_ACT_TEMPFAIL, "451", "4.7.5");
	else
		set(d, MILTER_ACT_ACCEPT, NULL, NULL);
}

void
milter_decide_binding(const struct mp_why *why, struct milter_decision *d)
{
	memset(d, 0, sizeof *d);
	set(d, MILTER_ACT_REJECT, "553", "5.7.1");
	d->enforced = true;
	snprintf(d->text, sizeof d->text, "sender address rejected: %s",
	    why->text[0] ? why->text : mp_reason_text(why->reason));
}

/* skip_cfws - white space, line ends and (nested) comments (RFC 5322 §3.2.2) */
static void
skip_cfws(struct mp_str v, size_t *i)
{
	unsigned depth = 0;

	while (*i < v.len) {
		unsigned char c = (unsigned char)v.ptr[*i];
		if (depth == 0 && !(mp_is_wsp(c) || c == '\r' || c == '\n' || c == '('))
			return;
		if (c == '\\' && depth > 0)
			(*i)++;                 /* quoted-pair inside a comment */
		else if (c == '(' && ++depth > MP_LIMIT_ADDR_NESTING)
			return;
		else if (c == ')' && depth > 0)
			depth--;
		(*i)++;
	}
}

bool
milter_authres_is_ours(struct mp_str v, struct mp_str id)
{
	char buf[MP_LIMIT_DNS_NAME + 1];
	size_t i = 0, n = 0;

	skip_cfws(v, &i);
	if (i < v.len && v.ptr[i] == '"') {             /* quoted-string */
		for (i++; i < v.len && v.ptr[i] != '"'; i++) {
			if (v.ptr[i] == '\\' && i + 1 < v.len)
				i++;
			if (n == sizeof buf)
				return false;
			buf[n++] = v.ptr[i];
		}
		return mp_str_eq_nocase(mp_str_make(buf, n), id);
	}
	while (i + n < v.len && mp_is_vchar((unsigned char)v.ptr[i + n]) &&
	       strchr(";()<>@,:\\\"/[]?=", v.ptr[i + n]) == NULL)
		n++;
	return n > 0 && mp_str_eq_nocase(mp_str_make(v.ptr + i, n), id);
}

bool
milter_received_spf_is_ours(struct mp_str v, struct mp_str id)
{
	static const char key[] = "receiver=";
	size_t k = sizeof key - 1;

	for (size_t i = 0; i + k <= v.len; i++) {
		size_t n = 0;
		if ((i > 0 && (mp_is_ldh((unsigned char)v.ptr[i - 1]) || v.ptr[i - 1] == '.')) ||
		    !mp_str_eq_nocase(mp_str_make(v.ptr + i, k), mp_str_make(key, k)))
			continue;
		i += k;
		while (i + n < v.len && v.ptr[i + n] != ';' && mp_is_vchar((unsigned char)v.ptr[i + n]))
			n++;
		if (mp_str_eq_nocase(mp_str_make(v.ptr + i, n), id))
			return true;
	}
	return false;
}
