/* audit_sender.c - is a sending server authorized by its domain's SPF?
 * One check_host() (RFC 7208 §4) per address with <sender> postmaster@D,
 * driven through any struct mp_resolver, so the server inventory and the
 * published record can be compared. Thread-safe per resolver.
 */
#include <string.h>
#include <time.h>

#include <mailproof/audit.h>
#include <mailproof/dns.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "audit_internal.h"

/* add - one finding (detail copied into a) */
static enum mp_status
add(struct mp_audit_sender *s, struct mp_arena *a, enum mp_audit_finding_id id,
    struct mp_str detail)
{
	struct mp_audit_finding *f;

	if (s->nfindings == sizeof s->findings / sizeof s->findings[0])
		return MP_ELIMIT;
	f = &s->findings[s->nfindings];
	f->id = id;
	f->detail = detail.len ? mp_arena_strdup(a, detail) : MP_STR_LIT("");
	if (f->detail.ptr == NULL)
		return MP_ENOMEM;
	s->nfindings++;
	return MP_OK;
}

/* copy_outcome - the outcome's views into a, so it outlives the evaluator */
static enum mp_status
copy_outcome(struct mp_spf_outcome *dst, const struct mp_spf_outcome *src, struct mp_arena *a)
{
	*dst = *src;
	dst->sender = mp_arena_strdup(a, src->sender);
	dst->domain = mp_arena_strdup(a, src->domain);
	dst->mechanism = mp_arena_strdup(a, src->mechanism);
	dst->explanation = mp_arena_strdup(a, src->explanation);
	if (!dst->sender.ptr || !dst->domain.ptr || !dst->mechanism.ptr || !dst->explanation.ptr)
		return MP_ENOMEM;
	return MP_OK;
}

/* judge - the SPF result as a finding (pass: none) */
static enum mp_status
judge(struct mp_audit_sender *s, struct mp_arena *a)
{
	const struct mp_spf_outcome *o = &s->spf;
	struct mp_str detail = mp_arena_printf(a, "%s (%.*s)", mp_spf_result_name(o->result),
	    (int)o->mechanism.len, o->mechanism.ptr);

	if (detail.ptr == NULL)
		return MP_ENOMEM;
	switch (o->result) {
	case MP_SPF_PASS: return MP_OK;
	case MP_SPF_NONE: return add(s, a, MP_AF_SENDER_NO_SPF, s->domain);
	case MP_SPF_PERMERROR: return add(s, a, MP_AF_SENDER_SPF_ERROR, mp_str_c(o->why.text));
	case MP_SPF_TEMPERROR: return add(s, a, MP_AF_DNS_TEMPERROR, mp_str_c(o->why.text));
	default: return add(s, a, MP_AF_SENDER_NOT_AUTHORIZED, detail);
	}
}

enum mp_status
mp_audit_sender(struct mp_resolver *r, struct mp_str domain, struct mp_str ip, long now,
                struct mp_arena *a, struct mp_audit_sender **out, struct mp_why *why)
{
	struct mp_spf_request req = { 0 };
	struct mp_spf_eval *ev = NULL;
	struct mp_dns_client client;
	struct mp_audit_sender *s;
	enum mp_status st;

	*out = NULL;
	mp_why_clear(why);
	if (!mp_spf_ip_parse(ip, &req.ip))
		return mp_why_set(why, MP_REASON_SYNTAX), MP_EINVAL;
	if ((s = mp_arena_zalloc(a, sizeof *s)) == NULL)
		return MP_ENOMEM;
	s->ip = mp_arena_strdup(a, ip);
	s->domain = mp_arena_strdup(a, domain);
	req.mail_from = mp_arena_printf(a, "postmaster@%.*s", (int)domain.len, domain.ptr);
	if (s->ip.ptr == NULL || s->domain.ptr == NULL || req.mail_from.ptr == NULL)
		return MP_ENOMEM;
	req.helo = domain;
	req.identity = MP_SPF_ID_MAILFROM;
	req.receiver = MP_STR_LIT("mailproof-audit");
	req.now = (uint64_t)(now ? now : (long)time(NULL));
	if ((st = mp_spf_eval_new(&req, &ev)) != MP_OK)
		return st;
	mp_spf_eval_client(ev, &client);
	st = mp_dns_drive(r, &client);
	if (st == MP_OK)
		st = copy_outcome(&s->spf, mp_spf_eval_outcome(ev), a);
	mp_spf_eval_free(ev);
	if (st == MP_OK && (st = judge(s, a)) == MP_OK)
		*out = s;
	return st;
}
