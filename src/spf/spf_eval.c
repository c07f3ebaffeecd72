/* spf_eval.c - check_host() (RFC 7208 §4-§6) as a sans-IO state machine.
 *
 * The include "recursion" is an explicit stack of frames (bounded by the
 * 10-term limit, §4.6.4); redirect= replaces the current frame. Questions
 * that the RFC lets us ask together (the address lookups of MX hosts and of
 * PTR names) are issued at once; answers are examined in record order, so
 * the result is what a one-at-a-time evaluator would get. Everything an
 * evaluation keeps lives in its arena; one evaluation is single-threaded.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/log.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "spf_internal.h"

#define SPF_MAX_DEPTH (MP_LIMIT_SPF_DNS_TERMS + 2)
#define SPF_MAX_SLOTS 10        /* MX names, PTR names (§4.6.4) */
#define SPF_ARENA_MAX (1u << 20)
#define SPF_ARENA_FIRST (24u << 10)
#define SPF_STEPS_MAX 10000     /* guard: every step consumes state */

enum slot_kind { SK_TXT_SPF, SK_TXT_ANY, SK_ADDR, SK_MX, SK_PTR };

struct spf_slot {
	struct mp_dns_question q;
	enum slot_kind kind;
	bool answered;
	enum mp_dns_status status;
	uint8_t cidr;           /* SK_ADDR: prefix length for the match */
	bool matched;           /* SK_ADDR: the client is in one of the addresses */
	size_t n;               /* names/records kept */
	size_t nrr;             /* records of qtype in the answer */
	struct mp_str *names;   /* MX hosts, PTR names, TXT records (arena) */
};

enum frame_phase { PH_FETCH, PH_FETCH_WAIT, PH_TERMS, PH_INCLUDE_WAIT };

struct spf_frame {
	struct mp_str domain;
	struct mp_spf_record rec;
	enum frame_phase phase;
	size_t idx;             /* current term */
	int sub;                /* step inside the current term */
	bool counted;           /* current term counted against the limit */
	bool is_redirect;       /* reached through redirect= (none -> permerror) */
};

enum pv_state { PV_NONE, PV_PTR_WAIT, PV_ADDR_WAIT, PV_DONE };
enum ev_phase { EV_FRAMES, EV_EXP, EV_EXP_WAIT, EV_EXP_TEXT, EV_DONE };

struct mp_spf_eval {
	struct mp_arena arena;
	struct mp_spf_request req;
	struct mp_spf_macro_env env;
	struct mp_spf_outcome out;
	enum ev_phase phase;
	unsigned max_terms, max_void;
	size_t depth;
	size_t nslots;
	enum pv_state pv;
	bool pv_void;
	size_t npv;
	struct mp_str exp_spec, exp_domain, exp_text;
	struct mp_buf tmp;
	enum mp_status status;
	/* the arrays last: each element is written before it is read (a
	 * frame when pushed, a slot when asked, qptrs and pv_names up to their
	 * counts), so a new evaluation zeroes only what comes before them:
	 * these ~12 KB are not touched until used */
	struct spf_frame frames[SPF_MAX_DEPTH];
	struct spf_slot slots[SPF_MAX_SLOTS];
	const struct mp_dns_question *qptrs[SPF_MAX_SLOTS];
	struct mp_str pv_names[MP_LIMIT_SPF_PTR_NAMES];
};

/* ---- outcome helpers ---- */

/* pending - questions not yet answered */
static size_t
pending(const struct mp_spf_eval *ev)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->nslots; i++)
		n += !ev->slots[i].answered;
	return n;
}

/* plain_byte - byte that stands for itself in a presentation-form name */
static bool
plain_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '(' && c != ')' &&
	    c != ';' && c != '@' && c != '$';
}

/* needs_escape - does name hold bytes that need \DDD? */
static bool
needs_escape(struct mp_str name)
{
	for (size_t i = 0; i < name.len; i++)
		if (!plain_byte((unsigned char)name.ptr[i]))
			return true;
	return false;
}

/* ask - add a question; slot index or -1 when the name is unusable */
static int
ask(struct mp_spf_eval *ev, uint16_t type, struct mp_str name, enum slot_kind kind,
    uint8_t cidr)
{
	struct spf_slot *s;

	if (ev->nslots >= SPF_MAX_SLOTS)
		return -1;
	s = &ev->slots[ev->nslots];
	if (needs_escape(name)) {
		char esc[MP_LIMIT_DNS_NAME_TEXT + 1];
		size_t n = 0;

		/* SPF names are plain bytes; the DNS API wants presentation form */
		for (size_t i = 0; i < name.len; i++) {
			unsigned char c = (unsigned char)name.ptr[i];

			if (n + 4 > MP_LIMIT_DNS_NAME_TEXT)
				return -1;
			if (plain_byte(c))
				esc[n++] = (char)c;
			else
				n += (size_t)snprintf(esc + n, 5, "\\%03u", c);
		}
		name = mp_str_make(esc, n);
		if (mp_dns_question_set(&s->q, type, name) != MP_OK)
			return -1;
	} else if (mp_dns_question_set(&s->q, type, name) != MP_OK) {
		return -1;
	}
	s->kind = kind;
	s->answered = false;
	s->status = MP_DNS_SERVFAIL;
	s->cidr = cidr;
	s->matched = false;
	s->n = s->nrr = 0;
	s->names = NULL;
	ev->out.queries++;
	return (int)ev->nslots++;
}

/* addr_type - A for IPv4 clients, AAAA for IPv6 (§5.3) */
static uint16_t
addr_type(const struct mp_spf_eval *ev)
{
	return ev->req.ip.family == 4 ? MP_DNS_T_A : MP_DNS_T_AAAA;
}

/* choose_p - §7.3 %{p}: a validated name under <domain>, else any, else "unknown" */
static struct mp_str
choose_p(const struct mp_spf_eval *ev)
{
	if (ev->pv != PV_DONE)
		return MP_STR_NULL;
	for (size_t i = 0; i < ev->npv; i++)
		if (mp_spf_name_under(ev->pv_names[i], ev->env.domain))
			return ev->pv_names[i];
	if (ev->npv > 0)
		return ev->pv_names[0];
	return MP_STR_LIT("unknown");
}

/* pv_advance - validated names of the client (§5.5); true when known */
static bool
pv_advance(struct mp_spf_eval *ev)
{
	struct mp_buf *t = &ev->tmp;

	switch (ev->pv) {
	case PV_NONE:
		mp_buf_reset(t);
		mp_spf_ip_reverse(&ev->req.ip, t);
		ev->nslots = 0;
		if (ask(ev, MP_DNS_T_PTR, mp_buf_str(t), SK_PTR, 0) < 0) {
			ev->pv = PV_DONE;
			return true;
		}
		ev->pv = PV_PTR_WAIT;
		return false;
	case PV_PTR_WAIT: {
		struct spf_slot ptr = ev->slots[0];
		size_t n = ptr.n < MP_LIMIT_SPF_PTR_NAMES ? ptr.n : MP_LIMIT_SPF_PTR_NAMES;

		ev->pv_void = mp_dns_state_of(ptr.status) == MP_DNS_ABSENT;
		ev->nslots = 0;
		ev->pv = PV_DONE;
		if (ptr.status != MP_DNS_OK)
			return true;    /* §5.5: a PTR error means no match, not temperror */
		for (size_t i = 0; i < n; i++)
			ask(ev, addr_type(ev), ptr.names[i], SK_ADDR,
			    ev->req.ip.family == 4 ? 32 : 128);
		if (ev->nslots == 0)
			return true;
		ev->pv = PV_ADDR_WAIT;
		return false;
	}
	case PV_ADDR_WAIT:
		ev->npv = 0;
		for (size_t i = 0; i < ev->nslots; i++)
			if (ev->slots[i].matched)       /* §5.5: errors skip the name */
				ev->pv_names[ev->npv++] = mp_str_make(ev->slots[i].q.name,
				    ev->slots[i].q.name_len);
		/* names live in the slots; keep copies */
		for (size_t i = 0; i < ev->npv; i++)
			ev->pv_names[i] = mp_arena_strdup(&ev->arena, ev->pv_names[i]);
		ev->nslots = 0;
		ev->pv = PV_DONE;
		return true;
	case PV_DONE:
		return true;
	}
	return true;
}

/* finish_top - the check_host() result */
static void
finish_top(struct mp_spf_eval *ev, enum mp_spf_result r, struct mp_str mech,
           const struct mp_why *why)
{
	ev->out.result = r;
	ev->out.mechanism = mech;
	ev->out.why = *why;
	ev->phase = EV_DONE;
	if (r == MP_SPF_FAIL) {
		ev->out.explanation = ev->req.default_exp;
		if (ev->exp_spec.ptr != NULL)
			ev->phase = EV_EXP;
	}
}

static void finish_frame(struct mp_spf_eval *ev, enum mp_spf_result r, struct mp_str mech,
                         const struct mp_why *why);

/* deliver - an include's result to its parent (§5.2 table) */
static void
deliver(struct mp_spf_eval *ev, enum mp_spf_result r, const struct mp_why *why)
{
	struct spf_frame *fr = &ev->frames[ev->depth - 1];
	const struct mp_spf_term *t = &fr->rec.terms[fr->idx];
	struct mp_why w;

	switch (r) {
	case MP_SPF_PASS:
		mp_why_setf(&w, MP_REASON_SPF_MATCHED, "matched %.*s", (int)t->text.len,
		    t->text.ptr);
		finish_frame(ev, t->qualifier, t->text, &w);
		return;
	case MP_SPF_FAIL:
	case MP_SPF_SOFTFAIL:
	case MP_SPF_NEUTRAL:
		fr->phase = PH_TERMS;
		fr->idx++;
		fr->sub = 0;
		fr->counted = false;
		return;
	case MP_SPF_TEMPERROR:
		finish_frame(ev, MP_SPF_TEMPERROR, t->text, why);
		return;
	case MP_SPF_NONE:
		/* RFC 7208 §5.2: include of a domain whose result is none is permerror */
		mp_why_setf(&w, MP_REASON_SPF_INCLUDE_NONE, "%.*s: %s", (int)t->text.len,
		    t->text.ptr, why->text);
		finish_frame(ev, MP_SPF_PERMERROR, t->text, &w);
		return;
	default:
		finish_frame(ev, MP_SPF_PERMERROR, t->text, why);
		return;
	}
}

/* finish_frame - a frame's check_host() ends with r */
static void
finish_frame(struct mp_spf_eval *ev, enum mp_spf_result r, struct mp_str mech,
             const struct mp_why *why)
{
	struct spf_frame *fr = &ev->frames[ev->depth - 1];
	struct mp_why w;

	if (r == MP_SPF_NONE && fr->is_redirect) {
		/* RFC 7208 §6.1: a redirect target without a record is permerror */
		mp_why_setf(&w, MP_REASON_SPF_REDIRECT_NONE, "redirect=%.*s: %s",
		    (int)fr->domain.len, fr->domain.ptr, why->text);
		r = MP_SPF_PERMERROR;
		why = &w;
	}
	ev->depth--;
	if (ev->depth > 0) {
		deliver(ev, r, why);
		return;
	}
	if (r == MP_SPF_FAIL && fr->rec.exp >= 0) {
		ev->exp_spec = fr->rec.terms[fr->rec.exp].domain_spec;
		ev->exp_domain = fr->domain;
	}
	finish_top(ev, r, mech, why);
}

/* fail_frame - finish the current frame with r and a formatted reason */
static void
fail_frame(struct mp_spf_eval *ev, enum mp_spf_result r, enum mp_reason reason,
           struct mp_str mech, const char *text)
{
	struct mp_why w;

	mp_why_setf(&w, reason, "%s", text);
	finish_frame(ev, r, mech, &w);
}

/* push_frame - start check_host() on domain; false when nested too deep */
static bool
push_frame(struct mp_spf_eval *ev, struct mp_str domain, bool is_redirect)
{
	struct spf_frame *fr;

	if (ev->depth >= SPF_MAX_DEPTH)
		return false;
	fr = &ev->frames[ev->depth++];
	memset(fr, 0, sizeof *fr);
	fr->domain = domain;
	fr->is_redirect = is_redirect;
	fr->phase = PH_FETCH;
	return true;
}

/* ---- record lookup (§4.4, §4.5) ---- */

/* fetch - ask for the frame's TXT, or end it when the domain is unusable */
static void
fetch(struct mp_spf_eval *ev, struct spf_frame *fr)
{
	char q[MP_LOG_QUOTE_MAX];
	struct mp_why w;

	ev->nslots = 0;
	if (!mp_spf_domain_ok(fr->domain) || ask(ev, MP_DNS_T_TXT, fr->domain, SK_TXT_SPF, 0) < 0) {
		/* RFC 7208 §4.3: a malformed or single-label domain gives none */
		mp_why_setf(&w, MP_REASON_SPF_BAD_DOMAIN, "'%s' is not a usable domain name",
		    mp_log_quote(fr->domain, q));
		finish_frame(ev, MP_SPF_NONE, MP_STR_NULL, &w);
		return;
	}
	fr->phase = PH_FETCH_WAIT;
}

/* select_record - §4.5 on the TXT answer */
static void
select_record(struct mp_spf_eval *ev, struct spf_frame *fr)
{
	const struct spf_slot *s = &ev->slots[0];
	struct mp_why w;
	char q[MP_LOG_QUOTE_MAX];

	ev->nslots = 0;
	mp_why_clear(&w);
	if (mp_dns_state_of(s->status) == MP_DNS_INDETERMINATE && s->status != MP_DNS_MALFORMED) {
		mp_why_setf(&w, MP_REASON_SPF_DNS_ERROR, "TXT %s: %s", mp_log_quote(fr->domain, q),
		    mp_dns_status_name(s->status));
		finish_frame(ev, MP_SPF_TEMPERROR, MP_STR_NULL, &w);
		return;
	}
	if (s->n == 0) {
		mp_why_setf(&w, s->status == MP_DNS_NXDOMAIN ? MP_REASON_SPF_NO_DOMAIN :
		    MP_REASON_SPF_NO_RECORD, "%s: %s", mp_log_quote(fr->domain, q),
		    s->status == MP_DNS_NXDOMAIN ? "no such domain" : "no SPF record");
		finish_frame(ev, MP_SPF_NONE, MP_STR_NULL, &w);
		return;
	}
	if (s->n > 1) {
		mp_why_setf(&w, MP_REASON_SPF_MULTIPLE_RECORDS, "%s: %zu SPF records",
		    mp_log_quote(fr->domain, q), s->n);
		finish_frame(ev, MP_SPF_PERMERROR, MP_STR_NULL, &w);
		return;
	}
	if (mp_spf_record_parse(s->names[0], &ev->arena, &fr->rec, &w) != MP_OK) {
		ev->status = MP_ENOMEM;
		fail_frame(ev, MP_SPF_TEMPERROR, MP_REASON_NOMEM, MP_STR_NULL, "out of memory");
		return;
	}
	if (mp_why_failed(&w)) {
		finish_frame(ev, MP_SPF_PERMERROR, MP_STR_NULL, &w);
		return;
	}
	fr->phase = PH_TERMS;
	fr->idx = 0;
	fr->sub = 0;
	fr->counted = false;
}

/* ---- terms (§5) ---- */

enum term_rc { T_MATCH, T_NOMATCH, T_WAIT, T_ENDED };

/* count_term - §4.6.4: one more DNS-querying term; false when over */
static bool
count_term(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t)
{
	struct mp_why w;

	if (fr->counted)
		return true;
	fr->counted = true;
	if (++ev->out.dns_terms <= ev->max_terms)
		return true;
	mp_why_setf(&w, MP_REASON_SPF_TOO_MANY_LOOKUPS, "DNS term %u (limit %u) at %.*s",
	    ev->out.dns_terms, ev->max_terms, (int)t->text.len, t->text.ptr);
	finish_frame(ev, MP_SPF_PERMERROR, t->text, &w);
	return false;
}

/* count_void - §4.6.4: one more void lookup; false when over */
static bool
count_void(struct mp_spf_eval *ev, const struct mp_spf_term *t)
{
	struct mp_why w;

	if (++ev->out.void_lookups <= ev->max_void)
		return true;
	mp_why_setf(&w, MP_REASON_SPF_TOO_MANY_VOID, "void lookup %u (limit %u) at %.*s",
	    ev->out.void_lookups, ev->max_void, (int)t->text.len, t->text.ptr);
	finish_frame(ev, MP_SPF_PERMERROR, t->text, &w);
	return false;
}

/* target - expand the term's domain-spec (or take <domain>) into ev->tmp;
 * T_WAIT when %{p} needs DNS first, T_ENDED on error, T_MATCH when ready */
static enum term_rc
target(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t,
       struct mp_str *out)
{
	enum mp_spf_macro_rc rc;

	mp_buf_reset(&ev->tmp);
	if (t->domain_spec.len == 0) {
		*out = fr->domain;
		return T_MATCH;
	}
	if (!t->has_macro) {
		*out = t->domain_spec;
		return T_MATCH;
	}
	ev->env.domain = fr->domain;
	ev->env.ptr_name = choose_p(ev);
	rc = mp_spf_macro_expand(t->domain_spec, &ev->env, true, MP_LIMIT_DNS_NAME_TEXT,
	    &ev->tmp);
	if (rc == MP_SPF_MACRO_NEED_P) {
		if (!pv_advance(ev))
			return T_WAIT;
		return target(ev, fr, t, out);
	}
	if (rc != MP_SPF_MACRO_OK) {
		fail_frame(ev, MP_SPF_PERMERROR, MP_REASON_SPF_BAD_MACRO, t->text,
		    "macro expansion failed");
		return T_ENDED;
	}
	*out = mp_buf_str(&ev->tmp);
	return T_MATCH;
}

/* addr_result - examine an address answer slot: match, no match, or ended */
static enum term_rc
addr_result(struct mp_spf_eval *ev, const struct spf_slot *s, const struct mp_spf_term *t,
            bool count_voids)
{
	char q[MP_LOG_QUOTE_MAX];
	struct mp_why w;

	switch (mp_dns_state_of(s->status)) {
	case MP_DNS_PRESENT:
		return s->matched ? T_MATCH : T_NOMATCH;
	case MP_DNS_ABSENT:
		if (count_voids && !count_void(ev, t))
			return T_ENDED;
		return T_NOMATCH;
	default:
		if (s->status == MP_DNS_MALFORMED)
			return T_NOMATCH;
		mp_why_setf(&w, MP_REASON_SPF_DNS_ERROR, "%s %s: %s", mp_dns_type_name(s->q.type),
		    mp_log_quote(mp_str_make(s->q.name, s->q.name_len), q),
		    mp_dns_status_name(s->status));
		finish_frame(ev, MP_SPF_TEMPERROR, t->text, &w);
		return T_ENDED;
	}
}

/* term_a_exists - a, exists: one address question */
static enum term_rc
term_a_exists(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t)
{
	struct mp_str name;
	enum term_rc rc;
	bool exists = t->kind == MP_SPF_T_EXISTS;

	if (fr->sub == 1)
		return addr_result(ev, &ev->slots[0], t, true);
	if (!count_term(ev, fr, t))
		return T_ENDED;
	if ((rc = target(ev, fr, t, &name)) != T_MATCH)
		return rc;
	ev->nslots = 0;
	if (!mp_spf_domain_ok(name))
		return T_NOMATCH;
	/* §5.7: exists always asks for A, whatever the client's family */
	if (ask(ev, exists ? MP_DNS_T_A : addr_type(ev), name, SK_ADDR,
	    exists ? 0 : (ev->req.ip.family == 4 ? t->cidr4 : t->cidr6)) < 0)
		return T_NOMATCH;
	fr->sub = 1;
	return T_WAIT;
}

/* term_mx - mx: MX question, then all hosts' addresses at once (§5.4) */
static enum term_rc
term_mx(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t)
{
	struct mp_str name;
	enum term_rc rc;

	switch (fr->sub) {
	case 0:
		if (!count_term(ev, fr, t))
			return T_ENDED;
		if ((rc = target(ev, fr, t, &name)) != T_MATCH)
			return rc;
		ev->nslots = 0;
		if (!mp_spf_domain_ok(name) || ask(ev, MP_DNS_T_MX, name, SK_MX, 0) < 0)
			return T_NOMATCH;
		fr->sub = 1;
		return T_WAIT;
	case 1: {
		struct spf_slot mx = ev->slots[0];
		struct mp_why w;

		if (mx.status != MP_DNS_OK)
			return addr_result(ev, &mx, t, true);
		if (mx.n > MP_LIMIT_SPF_MX_NAMES) {
			mp_why_setf(&w, MP_REASON_SPF_TOO_MANY_MX, "%zu MX names at %.*s (limit %u)",
			    mx.n, (int)t->text.len, t->text.ptr, (unsigned)MP_LIMIT_SPF_MX_NAMES);
			finish_frame(ev, MP_SPF_PERMERROR, t->text, &w);
			return T_ENDED;
		}
		ev->nslots = 0;
		for (size_t i = 0; i < mx.n; i++)
			ask(ev, addr_type(ev), mx.names[i], SK_ADDR,
			    ev->req.ip.family == 4 ? t->cidr4 : t->cidr6);
		if (ev->nslots == 0)
			return T_NOMATCH;
		fr->sub = 2;
		return T_WAIT;
	}
	default:
		for (size_t i = 0; i < ev->nslots; i++) {
			rc = addr_result(ev, &ev->slots[i], t, false);
			if (rc != T_NOMATCH)
				return rc;
		}
		return T_NOMATCH;
	}
}

/* term_ptr - ptr (§5.5): a validated name under the target */
static enum term_rc
term_ptr(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t)
{
	struct mp_str name;
	enum term_rc rc;
	bool fresh = ev->pv != PV_DONE;

	if (!count_term(ev, fr, t))
		return T_ENDED;
	if (!pv_advance(ev))
		return T_WAIT;
	if ((rc = target(ev, fr, t, &name)) != T_MATCH)
		return rc;
	if (fresh && ev->pv_void && fr->sub == 0 && !count_void(ev, t))
		return T_ENDED;
	fr->sub = 1;
	for (size_t i = 0; i < ev->npv; i++)
		if (mp_spf_name_under(ev->pv_names[i], name))
			return T_MATCH;
	return T_NOMATCH;
}

/* term_include - include (§5.2): evaluate the target as a nested check_host() */
static enum term_rc
term_include(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t)
{
	struct mp_str name;
	enum term_rc rc;

	if (!count_term(ev, fr, t))
		return T_ENDED;
	if ((rc = target(ev, fr, t, &name)) != T_MATCH)
		return rc;
	name = mp_arena_strdup(&ev->arena, name);
	if (name.ptr == NULL) {
		ev->status = MP_ENOMEM;
		fail_frame(ev, MP_SPF_TEMPERROR, MP_REASON_NOMEM, t->text, "out of memory");
		return T_ENDED;
	}
	fr->phase = PH_INCLUDE_WAIT;
	if (!push_frame(ev, name, false)) {
		fr->phase = PH_TERMS;
		fail_frame(ev, MP_SPF_PERMERROR, MP_REASON_SPF_NESTING, t->text,
		    "include nesting too deep");
		return T_ENDED;
	}
	return T_WAIT;
}

/* eval_term - one term of the current frame */
static enum term_rc
eval_term(struct mp_spf_eval *ev, struct spf_frame *fr, const struct mp_spf_term *t)
{
	const struct mp_spf_ip *ip = &ev->req.ip;

	switch (t->kind) {
	case MP_SPF_T_ALL:
		return T_MATCH;
	case MP_SPF_T_IP4:
		return ip->family == 4 && mp_spf_ip_in(ip, t->net, t->cidr4) ? T_MATCH : T_NOMATCH;
	case MP_SPF_T_IP6:
		return ip->family == 6 && mp_spf_ip_in(ip, t->net, t->cidr6) ? T_MATCH : T_NOMATCH;
	case MP_SPF_T_A:
	case MP_SPF_T_EXISTS:
		return term_a_exists(ev, fr, t);
	case MP_SPF_T_MX:
		return term_mx(ev, fr, t);
	case MP_SPF_T_PTR:
		return term_ptr(ev, fr, t);
	case MP_SPF_T_INCLUDE:
		return term_include(ev, fr, t);
	default:
		return T_NOMATCH;       /* modifiers are not evaluated in place */
	}
}

/* end_of_terms - redirect= (§6.1) or the default neutral (§4.7) */
static void
end_of_terms(struct mp_spf_eval *ev, struct spf_frame *fr)
{
	const struct mp_spf_term *t;
	struct mp_str name;
	struct mp_why w;

	if (fr->rec.redirect < 0) {
		mp_why_set(&w, MP_REASON_SPF_DEFAULT);
		finish_frame(ev, MP_SPF_NEUTRAL, MP_STR_LIT("default"), &w);
		return;
	}
	t = &fr->rec.terms[fr->rec.redirect];
	if (!count_term(ev, fr, t))
		return;
	if (target(ev, fr, t, &name) != T_MATCH)
		return;
	name = mp_arena_strdup(&ev->arena, name);
	if (name.ptr == NULL) {
		ev->status = MP_ENOMEM;
		fail_frame(ev, MP_SPF_TEMPERROR, MP_REASON_NOMEM, t->text, "out of memory");
		return;
	}
	/* the target's record replaces this one, exp= included (§6.1, §6.2) */
	memset(fr, 0, sizeof *fr);
	fr->domain = name;
	fr->is_redirect = true;
	fr->phase = PH_FETCH;
}

/* step_terms - evaluate terms until one needs DNS or the frame ends */
static void
step_terms(struct mp_spf_eval *ev, struct spf_frame *fr)
{
	struct mp_why w;

	while (ev->phase == EV_FRAMES && &ev->frames[ev->depth - 1] == fr &&
	    fr->phase == PH_TERMS) {
		const struct mp_spf_term *t;

		if (fr->idx >= fr->rec.nterms) {
			end_of_terms(ev, fr);
			return;
		}
		t = &fr->rec.terms[fr->idx];
		switch (eval_term(ev, fr, t)) {
		case T_MATCH:
			mp_why_setf(&w, MP_REASON_SPF_MATCHED, "matched %.*s", (int)t->text.len,
			    t->text.ptr);
			finish_frame(ev, t->qualifier, t->text, &w);
			return;
		case T_NOMATCH:
			fr->idx++;
			fr->sub = 0;
			fr->counted = false;
			break;
		case T_WAIT:
		case T_ENDED:
			return;
		}
	}
}

/* ---- explanation (§6.2) ---- */

/* step_exp - fetch and expand exp= after a fail; errors leave the default */
static void
step_exp(struct mp_spf_eval *ev)
{
	enum mp_spf_macro_rc rc;
	struct mp_str text;

	ev->env.domain = ev->exp_domain;
	ev->env.ptr_name = choose_p(ev);
	if (ev->phase == EV_EXP) {
		mp_buf_reset(&ev->tmp);
		rc = mp_spf_macro_expand(ev->exp_spec, &ev->env, true, MP_LIMIT_DNS_NAME_TEXT,
		    &ev->tmp);
		if (rc == MP_SPF_MACRO_NEED_P) {
			if (pv_advance(ev))
				step_exp(ev);
			return;
		}
		ev->nslots = 0;
		if (rc != MP_SPF_MACRO_OK || !mp_spf_domain_ok(mp_buf_str(&ev->tmp)) ||
		    ask(ev, MP_DNS_T_TXT, mp_buf_str(&ev->tmp), SK_TXT_ANY, 0) < 0) {
			ev->phase = EV_DONE;
			return;
		}
		ev->phase = EV_EXP_WAIT;
		return;
	}
	if (ev->phase == EV_EXP_WAIT) {
		/* exactly one TXT record, else no explanation */
		if (ev->slots[0].status != MP_DNS_OK || ev->slots[0].n != 1) {
			ev->phase = EV_DONE;
			return;
		}
		ev->exp_text = ev->slots[0].names[0];   /* in the arena */
		ev->nslots = 0;
		ev->phase = EV_EXP_TEXT;
	}
	text = ev->exp_text;
	mp_buf_reset(&ev->tmp);
	rc = mp_spf_macro_expand(text, &ev->env, false, MP_LIMIT_SPF_EXPLANATION, &ev->tmp);
	if (rc == MP_SPF_MACRO_NEED_P) {
		if (pv_advance(ev))
			step_exp(ev);
		return;
	}
	if (rc == MP_SPF_MACRO_OK)
		ev->out.explanation = mp_arena_strdup(&ev->arena, mp_buf_str(&ev->tmp));
	ev->phase = EV_DONE;
}

/* ---- driver interface ---- */

/* step - one move of the state machine (no questions outstanding) */
static void
step(struct mp_spf_eval *ev)
{
	struct spf_frame *fr;

	if (ev->phase == EV_EXP || ev->phase == EV_EXP_WAIT || ev->phase == EV_EXP_TEXT) {
		step_exp(ev);
		return;
	}
	fr = &ev->frames[ev->depth - 1];
	switch (fr->phase) {
	case PH_FETCH:
		fetch(ev, fr);
		break;
	case PH_FETCH_WAIT:
		select_record(ev, fr);
		break;
	case PH_TERMS:
		step_terms(ev, fr);
		break;
	case PH_INCLUDE_WAIT:
		/* only reached if a child frame vanished: cannot happen */
		fail_frame(ev, MP_SPF_PERMERROR, MP_REASON_INTERNAL, MP_STR_NULL, "lost include");
		break;
	}
}

/* mp_spf_eval_run - advance until the outcome or a DNS wait */
enum mp_status
mp_spf_eval_run(struct mp_spf_eval *ev)
{
	for (unsigned n = 0; n < SPF_STEPS_MAX; n++) {
		if (ev->phase == EV_DONE)
			return ev->status;
		if (pending(ev) > 0)
			return MP_PENDING;
		step(ev);
	}
	ev->out.result = MP_SPF_PERMERROR;
	mp_why_set(&ev->out.why, MP_REASON_SPF_LIMIT);
	ev->phase = EV_DONE;
	return MP_ELIMIT;
}

/* mp_spf_eval_questions - unanswered questions */
size_t
mp_spf_eval_questions(struct mp_spf_eval *ev, const struct mp_dns_question *const **qs)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->nslots; i++)
		if (!ev->slots[i].answered)
			ev->qptrs[n++] = &ev->slots[i].q;
	*qs = ev->qptrs;
	return n;
}

/* keep_names - copy MX hosts / PTR names / TXT records of an answer */
static enum mp_status
keep_names(struct mp_spf_eval *ev, struct spf_slot *s, const struct mp_dns_answer *a)
{
	size_t n = 0;

	if (a->nrr == 0)
		return MP_OK;
	s->names = mp_arena_alloc(&ev->arena, a->nrr * sizeof *s->names);
	if (s->names == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < a->nrr; i++) {
		const struct mp_dns_rr *rr = &a->rr[i];
		struct mp_str v;

		if (rr->type != a->qtype)
			continue;
		if (s->kind == SK_MX)
			v = rr->u.mx.host;
		else if (s->kind == SK_PTR)
			v = rr->u.name;
		else
			v = rr->u.txt.joined;
		if (s->kind == SK_TXT_SPF && !mp_spf_is_record(v))
			continue;
		if (s->kind == SK_MX && (v.len == 0 || mp_str_eq_c(v, ".")))
			continue;       /* RFC 7505 null MX: no host */
		if (s->kind == SK_TXT_SPF && n > 0) {
			n++;            /* only the count matters past one record */
			continue;
		}
		if ((s->names[n] = mp_arena_strdup(&ev->arena, v)).ptr == NULL)
			return MP_ENOMEM;
		n++;
	}
	s->n = n;
	return MP_OK;
}

/* addr_match - any address of the answer covers the client (cidr) */
static bool
addr_match(const struct mp_spf_eval *ev, const struct spf_slot *s, const struct mp_dns_answer *a)
{
	if (s->q.type == MP_DNS_T_A && ev->req.ip.family != 4)
		return s->cidr == 0 && a->nrr > 0;      /* exists: any A record */
	if (s->cidr == 0 && s->q.type == MP_DNS_T_A && a->nrr > 0)
		return true;                            /* exists, or a/0 */
	for (size_t i = 0; i < a->nrr; i++) {
		const struct mp_dns_rr *rr = &a->rr[i];

		if (rr->type == MP_DNS_T_A && ev->req.ip.family == 4 &&
		    mp_spf_ip_in(&ev->req.ip, rr->u.a, s->cidr))
			return true;
		if (rr->type == MP_DNS_T_AAAA && ev->req.ip.family == 6 &&
		    mp_spf_ip_in(&ev->req.ip, rr->u.aaaa, s->cidr))
			return true;
	}
	return false;
}

/* mp_spf_eval_answer - record what the evaluation needs from an answer */
enum mp_status
mp_spf_eval_answer(struct mp_spf_eval *ev, const struct mp_dns_question *q,
                   const struct mp_dns_answer *a)
{
	struct spf_slot *s = NULL;

	for (size_t i = 0; i < ev->nslots && s == NULL; i++)
		if (&ev->slots[i].q == q)
			s = &ev->slots[i];
	for (size_t i = 0; i < ev->nslots && s == NULL; i++)
		if (!ev->slots[i].answered && ev->slots[i].q.type == q->type &&
		    mp_dns_name_eq(mp_str_make(ev->slots[i].q.name, ev->slots[i].q.name_len),
		    mp_str_make(q->name, q->name_len)))
			s = &ev->slots[i];
	if (s == NULL || s->answered)
		return MP_EINVAL;
	s->answered = true;
	s->status = a->status;
	s->nrr = a->nrr;
	if (a->status == MP_DNS_OK && a->nrr == 0)
		s->status = MP_DNS_NODATA;
	if (s->status != MP_DNS_OK)
		return MP_OK;
	if (s->kind == SK_ADDR) {
		s->matched = addr_match(ev, s, a);
		return MP_OK;
	}
	if (keep_names(ev, s, a) != MP_OK) {
		s->status = MP_DNS_SERVFAIL;
		ev->status = MP_ENOMEM;
	}
	return MP_OK;
}

/* client_run - mp_dns_client.run */
static enum mp_status
client_run(void *core)
{
	return mp_spf_eval_run(core);
}

/* client_questions - mp_dns_client.questions */
static size_t
client_questions(void *core, const struct mp_dns_question *const **qs)
{
	return mp_spf_eval_questions(core, qs);
}

/* client_answer - mp_dns_client.answer */
static enum mp_status
client_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	return mp_spf_eval_answer(core, q, a);
}

/* mp_spf_eval_client - the sans-IO client for drivers */
void
mp_spf_eval_client(struct mp_spf_eval *ev, struct mp_dns_client *out)
{
	out->core = ev;
	out->run = client_run;
	out->questions = client_questions;
	out->answer = client_answer;
}

/* mp_spf_eval_outcome - the result, once run() returned */
const struct mp_spf_outcome *
mp_spf_eval_outcome(const struct mp_spf_eval *ev)
{
	return &ev->out;
}

/* ---- setup ---- */

/* strip_brackets - "<a@b>" -> "a@b" */
static struct mp_str
strip_brackets(struct mp_str s)
{
	s = mp_str_trim(s);
	if (s.len >= 2 && s.ptr[0] == '<' && s.ptr[s.len - 1] == '>')
		s = mp_str_make(s.ptr + 1, s.len - 2);
	return s;
}

/* setup_identity - <sender>, <domain>, l and o (§2.3, §2.4, §4.3) */
static enum mp_status
setup_identity(struct mp_spf_eval *ev)
{
	struct mp_spf_request *r = &ev->req;
	struct mp_str from = strip_brackets(r->mail_from);
	struct mp_str local = MP_STR_LIT("postmaster"), domain = r->helo;
	ptrdiff_t at = -1;

	if (r->identity == MP_SPF_ID_MAILFROM && from.len > 0) {
		/* RFC 7208 §4.3: the domain follows the last '@' (a quoted
		 * local-part may hold '@'); no local-part means postmaster */
		for (size_t i = 0; i < from.len; i++)
			if (from.ptr[i] == '@')
				at = (ptrdiff_t)i;
		if (at < 0) {
			domain = from;
		} else {
			if (at > 0)
				local = mp_str_make(from.ptr, (size_t)at);
			domain = mp_str_make(from.ptr + at + 1, from.len - (size_t)at - 1);
		}
	}
	ev->env.local = mp_arena_strdup(&ev->arena, local);
	ev->env.sender_domain = mp_arena_strdup(&ev->arena, domain);
	ev->env.sender = mp_arena_printf(&ev->arena, "%.*s@%.*s", (int)local.len, local.ptr,
	    (int)domain.len, domain.ptr);
	if (ev->env.local.ptr == NULL || ev->env.sender_domain.ptr == NULL ||
	    ev->env.sender.ptr == NULL)
		return MP_ENOMEM;
	ev->out.sender = ev->env.sender;
	ev->out.domain = ev->env.sender_domain;
	ev->out.identity = r->identity;  /* a null path is still the MAIL FROM check (§2.4) */
	return MP_OK;
}

/* copy_str - request view into the arena */
static bool
copy_str(struct mp_spf_eval *ev, struct mp_str *s)
{
	if (s->len == 0) {
		*s = MP_STR_LIT("");
		return true;
	}
	*s = mp_arena_strdup(&ev->arena, *s);
	return s->ptr != NULL;
}

/* mp_spf_eval_reset - start a new check_host() for req */
enum mp_status
mp_spf_eval_reset(struct mp_spf_eval *ev, const struct mp_spf_request *req)
{
	if (req->ip.family != 4 && req->ip.family != 6)
		return MP_EINVAL;
	mp_arena_reset(&ev->arena);
	mp_buf_reset(&ev->tmp);
	memset(&ev->out, 0, sizeof ev->out);
	memset(&ev->env, 0, sizeof ev->env);
	ev->req = *req;
	ev->phase = EV_FRAMES;
	ev->status = MP_OK;
	ev->depth = 0;
	ev->nslots = 0;
	ev->pv = PV_NONE;
	ev->pv_void = false;
	ev->npv = 0;
	ev->exp_spec = ev->exp_domain = ev->exp_text = MP_STR_NULL;
	ev->max_terms = req->max_dns_terms && req->max_dns_terms < MP_LIMIT_SPF_DNS_TERMS ?
	    req->max_dns_terms : MP_LIMIT_SPF_DNS_TERMS;
	ev->max_void = req->max_void && req->max_void < MP_LIMIT_SPF_VOID_LOOKUPS ?
	    req->max_void : MP_LIMIT_SPF_VOID_LOOKUPS;
	if (!copy_str(ev, &ev->req.mail_from) || !copy_str(ev, &ev->req.helo) ||
	    !copy_str(ev, &ev->req.receiver) || !copy_str(ev, &ev->req.default_exp) ||
	    setup_identity(ev) != MP_OK)
		goto nomem;
	ev->env.ip = req->ip;
	ev->env.helo = ev->req.helo;
	ev->env.receiver = ev->req.receiver;
	ev->env.now = req->now;
	ev->out.result = MP_SPF_NONE;
	push_frame(ev, ev->env.sender_domain, false);
	return MP_OK;
nomem:
	ev->phase = EV_DONE;
	ev->out.result = MP_SPF_TEMPERROR;
	mp_why_set(&ev->out.why, MP_REASON_NOMEM);
	return MP_ENOMEM;
}

/* mp_spf_eval_new - allocate and start an evaluation */
enum mp_status
mp_spf_eval_new(const struct mp_spf_request *req, struct mp_spf_eval **out)
{
	struct mp_spf_eval *ev;
	enum mp_status st;

	*out = NULL;
	if (req->ip.family != 4 && req->ip.family != 6)
		return MP_EINVAL;
	if ((ev = mp_alloc(sizeof *ev)) == NULL)
		return MP_ENOMEM;
	memset(ev, 0, offsetof(struct mp_spf_eval, frames));
	mp_arena_init(&ev->arena, SPF_ARENA_MAX);
	/* one first chunk big enough for a typical evaluation; reset keeps it,
	 * so reused evaluations (bulk mode) do not allocate at all */
	if (mp_arena_alloc(&ev->arena, SPF_ARENA_FIRST) != NULL)
		mp_arena_reset(&ev->arena);
	mp_buf_init(&ev->tmp, MP_LIMIT_DNS_NAME_TEXT + MP_LIMIT_SPF_EXPLANATION);
	if ((st = mp_spf_eval_reset(ev, req)) != MP_OK) {
		mp_spf_eval_free(ev);
		return st;
	}
	*out = ev;
	return MP_OK;
}

/* mp_spf_eval_free - release everything; NULL is fine */
void
mp_spf_eval_free(struct mp_spf_eval *ev)
{
	if (ev == NULL)
		return;
	mp_arena_fini(&ev->arena);
	mp_buf_fini(&ev->tmp);
	mp_free(ev);
}
