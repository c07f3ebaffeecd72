/* dmarc_eval.c - DMARC for one message, sans-IO: policy discovery (RFC 9989
 * §4.10 DNS tree walk, §4.10.1; RFC 7489 §6.6.3 with the PSL), the
 * Organizational Domains of the author and of each authenticated identifier
 * (§4.10.2), identifier alignment (§4.4), pass/fail (§5.3.5) and the policy
 * and disposition (§4.7 p/sp/np/t, RFC 7489 pct).
 *
 * Every _dmarc name is asked once per message, whichever walk needs it.
 * Everything lives in the caller's arena. One object per message; not
 * thread-safe, no globals.
 */
#include <string.h>

#include <mailproof/dmarc.h>

#include "dmarc_internal.h"

enum phase { PH_DISCOVER, PH_WAIT_AUTH, PH_ALIGN, PH_DONE };

/* One DNS name asked for this message (TXT at _dmarc.X, or the author's A
 * for the existence test of RFC 9989 §3.2.13). */
struct name {
	struct mp_str domain;
	uint16_t type;
	bool answered;
	enum mp_dmarc_step_state state;   /* TXT */
	const struct mp_dmarc_record *record;
	bool nxdomain;                     /* A: the name does not exist */
	struct mp_dns_question q;
};

struct walk {
	struct mp_dmarc_walk pub;
	size_t nnames;
	struct mp_str names[MP_LIMIT_DMARC_TREE_WALK];
};

struct ident {
	struct mp_dmarc_ident pub;
	struct mp_str norm;                /* normalized domain (usable only) */
	struct walk *walk;                 /* relaxed, RFC 9989: its tree walk */
	bool would_align;
	bool checked;
};

struct mp_dmarc_eval {
	struct mp_arena *a;
	struct mp_dmarc_opts o;
	enum phase phase;
	enum mp_status err;
	struct mp_str author;
	struct mp_str org7489;
	size_t nnames;
	struct name *names[MP_LIMIT_DMARC_NAMES];
	const struct mp_dns_question *qs[MP_LIMIT_DMARC_NAMES];
	struct walk author_walk;
	struct mp_dmarc_discovery disc;
	bool disc_done;
	bool has_auth;
	bool has_spf;
	struct ident spf;
	size_t ndkim;
	struct ident *dkim;
	struct name *exist;
	struct mp_dmarc_verdict v;
};

/* find_name - the entry for (type, domain), or NULL */
static struct name *
find_name(struct mp_dmarc_eval *ev, uint16_t type, struct mp_str domain)
{
	for (size_t i = 0; i < ev->nnames; i++)
		if (ev->names[i]->type == type && mp_str_eq_nocase(ev->names[i]->domain, domain))
			return ev->names[i];
	return NULL;
}

/* need - the entry for (type, domain), created with its question when new;
 * NULL and ev->err set on ENOMEM or past MP_LIMIT_DMARC_NAMES */
static struct name *
need(struct mp_dmarc_eval *ev, uint16_t type, struct mp_str domain)
{
	struct name *n = find_name(ev, type, domain);
	struct mp_buf qn;

	if (n != NULL)
		return n;
	if (ev->nnames >= MP_LIMIT_DMARC_NAMES) {
		ev->err = MP_ELIMIT;
		return NULL;
	}
	if ((n = mp_arena_zalloc(ev->a, sizeof *n)) == NULL) {
		ev->err = MP_ENOMEM;
		return NULL;
	}
	n->domain = domain;
	n->type = type;
	mp_buf_init(&qn, MP_LIMIT_DNS_NAME_TEXT);
	if (type == MP_DNS_T_TXT && mp_buf_append_c(&qn, "_dmarc.") != MP_OK)
		ev->err = MP_ENOMEM;
	if (mp_buf_append_str(&qn, domain) != MP_OK)
		ev->err = MP_ENOMEM;
	if (ev->err == MP_OK) {
		n->q.type = type;
		n->q.name_len = qn.len;
		memcpy(n->q.name, qn.ptr, qn.len);
		n->q.name[qn.len] = '\0';
	}
	mp_buf_fini(&qn);
	if (ev->err != MP_OK)
		return NULL;
	ev->names[ev->nnames++] = n;
	ev->disc.nqueries++;
	return n;
}

/* take_txt - keep the one DMARC record of a TXT answer (RFC 9989 §4.10
 * steps 2 and 6: others discarded, several at one name all discarded) */
static void
take_txt(struct mp_dmarc_eval *ev, struct name *n, const struct mp_dns_answer *ans)
{
	struct mp_dmarc_record *rec;
	struct mp_str text = MP_STR_NULL;
	size_t count = 0;

	for (size_t i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != MP_DNS_T_TXT || !mp_dmarc_is_record(ans->rr[i].u.txt.joined))
			continue;
		count++;
		text = ans->rr[i].u.txt.joined;
	}
	if (count == 0) {
		n->state = MP_DMARC_STEP_ABSENT;
		return;
	}
	if (count > 1) {
		n->state = MP_DMARC_STEP_MULTIPLE;
		return;
	}
	text = mp_arena_strdup(ev->a, text);
	rec = mp_arena_alloc(ev->a, sizeof *rec);
	if (text.ptr == NULL || rec == NULL) {
		ev->err = MP_ENOMEM;
		return;
	}
	mp_dmarc_record_parse(text, rec);
	n->state = MP_DMARC_STEP_RECORD;
	n->record = rec;
}

/* ---- tree walk (RFC 9989 §4.10) ---- */

/* walk_init - the names to ask: start, then parents; past 8 labels the
 * second name is shortened to 7 labels (step 4), at most 8 names */
static void
walk_init(struct walk *w, struct mp_str start)
{
	size_t n = mp_dmarc_nlabels(start);
	struct mp_str cur;

	memset(w, 0, sizeof *w);
	w->pub.start = start;
	w->names[w->nnames++] = start;
	cur = n > MP_LIMIT_DMARC_TREE_WALK ? mp_dmarc_last_labels(start, MP_LIMIT_DMARC_TREE_WALK - 1)
	                                   : mp_dmarc_parent(start);
	while (cur.len > 0 && w->nnames < MP_LIMIT_DMARC_TREE_WALK) {
		w->names[w->nnames++] = cur;
		cur = mp_dmarc_parent(cur);
	}
}

/* walk_orgdomain - §4.10.2 selection over the records found, longest first:
 * psd=n is the Organizational Domain; psd=y (not at the start) makes it
 * the name one label below; otherwise the record with the fewest labels;
 * with no record, the start itself */
static struct mp_str
walk_orgdomain(const struct walk *w)
{
	const struct mp_dmarc_walk *p = &w->pub;
	struct mp_str org = p->start;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct mp_dmarc_step *s = &p->steps[i];
		if (s->state != MP_DMARC_STEP_RECORD)
			continue;
		if (s->record->psd == MP_DMARC_PSD_N)
			return s->domain;
		if (s->record->psd == MP_DMARC_PSD_Y && i > 0)
			return mp_dmarc_last_labels(p->start, mp_dmarc_nlabels(s->domain) + 1);
		org = s->domain;
	}
	return org;
}

/* walk_advance - take answered names in order; true while waiting */
static bool
walk_advance(struct mp_dmarc_eval *ev, struct walk *w)
{
	while (!w->pub.done) {
		size_t i = w->pub.nsteps;
		struct name *n;

		if (i >= w->nnames) {
			w->pub.done = true;
			break;
		}
		if ((n = need(ev, MP_DNS_T_TXT, w->names[i])) == NULL)
			return false;
		if (!n->answered)
			return true;
		w->pub.steps[i] = (struct mp_dmarc_step){ n->domain, n->state, n->record };
		w->pub.nsteps++;
		if (n->state == MP_DMARC_STEP_TEMPERROR) {
			w->pub.temperror = true;
			w->pub.done = true;
		} else if (n->state == MP_DMARC_STEP_RECORD && n->record->psd != MP_DMARC_PSD_U) {
			w->pub.done = true;
		}
	}
	if (!w->pub.temperror)
		w->pub.org_domain = walk_orgdomain(w);
	return false;
}

/* ---- discovery ---- */

/* found_record - fill f with a record found at domain */
static void
found_record(struct mp_dmarc_found *f, struct mp_str domain, const struct mp_dmarc_record *r)
{
	f->found = true;
	f->policy_domain = domain;
	f->record = r;
	f->psd = r->psd == MP_DMARC_PSD_Y;
}

/* set_absent - not found: multiple records seen or none */
static void
set_absent(struct mp_dmarc_found *f, bool multiple, struct mp_str domain)
{
	if (multiple)
		mp_why_setf(&f->why, MP_REASON_DMARC_MULTIPLE_RECORDS,
		            "several DMARC records at one name for %.*s, discarded; no policy",
		            (int)domain.len, domain.ptr);
	else
		mp_why_setf(&f->why, MP_REASON_DMARC_NO_RECORD, "no DMARC policy record for %.*s",
		            (int)domain.len, domain.ptr);
}

/* finish_9989 - the policy record from the author's walk (§4.10.1): the
 * author's own, else the Organizational Domain's, else the PSD's */
static void
finish_9989(struct mp_dmarc_eval *ev)
{
	const struct mp_dmarc_walk *w = &ev->author_walk.pub;
	struct mp_dmarc_found *f = &ev->disc.rfc9989;
	bool multiple = false;

	f->org_domain = w->done && !w->temperror ? w->org_domain : MP_STR_NULL;
	if (w->nsteps > 0 && w->steps[0].state == MP_DMARC_STEP_RECORD) {
		found_record(f, w->steps[0].domain, w->steps[0].record);
		return;
	}
	if (w->temperror) {
		const struct mp_dmarc_step *s = &w->steps[w->nsteps - 1];
		f->temperror = true;
		mp_why_setf(&f->why, MP_REASON_DMARC_DNS_TEMPERROR, "DNS error at _dmarc.%.*s",
		            (int)s->domain.len, s->domain.ptr);
		return;
	}
	for (size_t i = 0; i < w->nsteps; i++) {
		const struct mp_dmarc_step *s = &w->steps[i];
		multiple |= s->state == MP_DMARC_STEP_MULTIPLE;
		if (s->state == MP_DMARC_STEP_RECORD && mp_str_eq(s->domain, f->org_domain)) {
			found_record(f, s->domain, s->record);
			return;
		}
	}
	if (w->nsteps > 0) {
		const struct mp_dmarc_step *s = &w->steps[w->nsteps - 1];
		if (s->state == MP_DMARC_STEP_RECORD && s->record->psd == MP_DMARC_PSD_Y) {
			found_record(f, s->domain, s->record);
			return;
		}
	}
	set_absent(f, multiple, ev->author);
}

/* advance_7489 - RFC 7489 §6.6.3: the author's record, else the PSL
 * Organizational Domain's; true while waiting */
static bool
advance_7489(struct mp_dmarc_eval *ev)
{
	struct name *n = need(ev, MP_DNS_T_TXT, ev->author);

	if (n == NULL)
		return false;
	if (!n->answered)
		return true;
	if (n->state != MP_DMARC_STEP_ABSENT || mp_str_eq(ev->org7489, ev->author))
		return false;
	if ((n = need(ev, MP_DNS_T_TXT, ev->org7489)) == NULL)
		return false;
	return !n->answered;
}

/* finish_7489 - the RFC 7489 policy from the answers asked by advance_7489 */
static void
finish_7489(struct mp_dmarc_eval *ev)
{
	struct mp_dmarc_found *f = &ev->disc.rfc7489;
	struct name *n = find_name(ev, MP_DNS_T_TXT, ev->author);

	f->org_domain = ev->org7489;
	if (n != NULL && n->state == MP_DMARC_STEP_ABSENT && !mp_str_eq(ev->org7489, ev->author))
		n = find_name(ev, MP_DNS_T_TXT, ev->org7489);
	if (n == NULL || !n->answered)
		return;  /* ENOMEM on the way; ev->err says so */
	switch (n->state) {
	case MP_DMARC_STEP_RECORD:
		found_record(f, n->domain, n->record);
		f->psd = false;   /* RFC 7489 has no PSD records */
		break;
	case MP_DMARC_STEP_TEMPERROR:
		f->temperror = true;
		mp_why_setf(&f->why, MP_REASON_DMARC_DNS_TEMPERROR, "DNS error at _dmarc.%.*s",
		            (int)n->domain.len, n->domain.ptr);
		break;
	case MP_DMARC_STEP_MULTIPLE:
	case MP_DMARC_STEP_ABSENT:
		set_absent(f, n->state == MP_DMARC_STEP_MULTIPLE, ev->author);
		break;
	}
}

/* policy_for - the effective policy a found record gives the author */
static enum mp_dmarc_policy
policy_for(const struct mp_dmarc_found *f, struct mp_str author)
{
	if (!f->found || f->record->status != MP_DMARC_REC_OK)
		return MP_DMARC_POLICY_UNSET;
	return mp_str_eq(f->policy_domain, author) ? f->record->eff_p : f->record->eff_sp;
}

/* compare - RFC 9989 Appendix C: do the two methods disagree? */
static void
compare(struct mp_dmarc_eval *ev)
{
	const struct mp_dmarc_found *a = &ev->disc.rfc9989, *b = &ev->disc.rfc7489;

	if (!mp_str_eq(a->org_domain, b->org_domain) || a->found != b->found ||
	    !mp_str_eq(a->policy_domain, b->policy_domain) ||
	    policy_for(a, ev->author) != policy_for(b, ev->author)) {
		ev->disc.differs = true;
		mp_why_setf(&ev->disc.compare_why, MP_REASON_DMARC_COMPARE_DIFFERS,
		            "RFC 9989: org %.*s, policy at %.*s (%s); RFC 7489: org %.*s, policy at %.*s (%s)",
		            (int)a->org_domain.len, a->org_domain.ptr,
		            (int)a->policy_domain.len, a->policy_domain.ptr,
		            a->found ? mp_dmarc_policy_name(policy_for(a, ev->author)) : "none",
		            (int)b->org_domain.len, b->org_domain.ptr,
		            (int)b->policy_domain.len, b->policy_domain.ptr,
		            b->found ? mp_dmarc_policy_name(policy_for(b, ev->author)) : "none");
	}
}

/* discover - advance discovery; true while waiting */
static bool
discover(struct mp_dmarc_eval *ev)
{
	bool waiting = false;

	if (ev->o.mode != MP_DMARC_MODE_7489)
		waiting |= walk_advance(ev, &ev->author_walk);
	if (ev->o.mode != MP_DMARC_MODE_9989)
		waiting |= advance_7489(ev);
	if (waiting || ev->err != MP_OK)
		return waiting;
	if (ev->o.mode != MP_DMARC_MODE_7489) {
		finish_9989(ev);
		ev->disc.walk = &ev->author_walk.pub;
	}
	if (ev->o.mode != MP_DMARC_MODE_9989)
		finish_7489(ev);
	if (ev->o.mode == MP_DMARC_MODE_COMPARE)
		compare(ev);
	ev->disc.applied = ev->o.mode == MP_DMARC_MODE_7489 ? ev->disc.rfc7489 : ev->disc.rfc9989;
	ev->disc_done = true;
	return false;
}

/* ---- alignment (RFC 9989 §4.4, §4.10.2) ---- */

/* ident_align - is id aligned with the author? true while waiting for DNS.
 * Identifiers that passed are checked, and those with a temperror too
 * (would they align? then DNS trouble decides, RFC 9989 §5.3.6) */
static bool
ident_align(struct mp_dmarc_eval *ev, struct ident *id, enum mp_dmarc_align mode)
{
	const struct mp_str author = ev->author;

	if (id->checked)
		return false;
	if (!id->pub.usable || (id->pub.result != MP_DMARC_AUTH_PASS &&
	                        id->pub.result != MP_DMARC_AUTH_TEMPERROR)) {
		id->checked = true;
		return false;
	}
	if (mp_str_eq(id->norm, author) || mode == MP_DMARC_STRICT) {
		id->would_align = mp_str_eq(id->norm, author);
	} else if (ev->o.mode == MP_DMARC_MODE_7489) {
		id->pub.org_domain = mp_dmarc_psl_orgdomain(ev->o.psl, id->norm, ev->a);
		id->would_align = mp_str_eq(id->pub.org_domain, ev->org7489);
	} else {
		if (ev->author_walk.pub.temperror) {
			id->pub.temperror = true;
			id->checked = true;
			return false;
		}
		if (id->walk == NULL) {
			if ((id->walk = mp_arena_alloc(ev->a, sizeof *id->walk)) == NULL) {
				ev->err = MP_ENOMEM;
				return false;
			}
			walk_init(id->walk, id->norm);
		}
		if (walk_advance(ev, id->walk))
			return true;
		if (id->walk->pub.temperror) {
			id->pub.temperror = true;
			id->checked = true;
			return false;
		}
		id->pub.org_domain = id->walk->pub.org_domain;
		id->would_align = mp_str_eq(id->pub.org_domain, ev->author_walk.pub.org_domain);
	}
	id->pub.aligned = id->would_align && id->pub.result == MP_DMARC_AUTH_PASS;
	id->checked = true;
	return false;
}

/* need_existence - does the policy depend on whether the author exists?
 * (np= published for a record found above the author, RFC 9989 §4.10.1) */
static bool
need_existence(const struct mp_dmarc_eval *ev)
{
	const struct mp_dmarc_found *f = &ev->disc.applied;

	return ev->o.mode != MP_DMARC_MODE_7489 && f->found &&
	    f->record->status == MP_DMARC_REC_OK && !mp_str_eq(f->policy_domain, ev->author) &&
	    f->record->np != MP_DMARC_POLICY_UNSET && f->record->eff_np != f->record->eff_sp;
}

/* align - advance alignment of every identifier; true while waiting */
static bool
align(struct mp_dmarc_eval *ev)
{
	const struct mp_dmarc_record *r = ev->disc.applied.record;
	bool waiting = false;

	if (ev->has_spf)
		waiting |= ident_align(ev, &ev->spf, r->aspf);
	for (size_t i = 0; i < ev->ndkim && ev->err == MP_OK; i++)
		waiting |= ident_align(ev, &ev->dkim[i], r->adkim);
	if (need_existence(ev)) {
		if (ev->exist == NULL && (ev->exist = need(ev, MP_DNS_T_A, ev->author)) == NULL)
			return false;
		waiting |= !ev->exist->answered;
	}
	return waiting;
}

/* stricter - the stronger of two policies */
static enum mp_dmarc_policy
stricter(enum mp_dmarc_policy a, enum mp_dmarc_policy b)
{
	return a > b ? a : b;
}

/* apply_policy - p, sp or np, then t=y or pct= (RFC 9989 §4.7, RFC 7489 §6.6.4) */
static void
apply_policy(struct mp_dmarc_eval *ev, struct mp_dmarc_verdict *v)
{
	const struct mp_dmarc_record *r = v->record;

	v->author_exists = true;
	if (mp_str_eq(v->policy_domain, ev->author)) {
		v->policy = r->eff_p;
		v->policy_tag = "p";
	} else if (ev->exist != NULL && ev->exist->answered && ev->exist->nxdomain) {
		v->author_exists = false;
		v->policy = r->eff_np;
		v->policy_tag = "np";
	} else if (ev->exist != NULL && ev->exist->state == MP_DMARC_STEP_TEMPERROR) {
		/* existence unknown: fail closed with the stronger of sp and np */
		v->policy = stricter(r->eff_sp, r->eff_np);
		v->policy_tag = v->policy == r->eff_sp ? "sp" : "np";
	} else {
		v->policy = r->eff_sp;
		v->policy_tag = "sp";
	}
	if (v->result != MP_DMARC_FAIL) {
		v->disposition = MP_DMARC_POLICY_NONE;
		return;
	}
	v->disposition = v->policy;
	if (ev->o.mode == MP_DMARC_MODE_7489) {
		if (r->has_pct && ev->o.pct_roll >= r->pct && v->policy != MP_DMARC_POLICY_NONE) {
			v->sampled_out = true;
			v->disposition = mp_dmarc_policy_weaker(v->policy);
		}
	} else if (r->t && v->policy != MP_DMARC_POLICY_NONE) {
		v->testing = true;
		v->disposition = mp_dmarc_policy_weaker(v->policy);
	}
}

/* decide - pass / fail / temperror from the identifiers (§5.3.5, §5.3.6) */
static void
decide(struct mp_dmarc_eval *ev, struct mp_dmarc_verdict *v)
{
	bool any_pass = false, dns_trouble = false;
	const struct ident *ids[1 + MP_LIMIT_DMARC_IDENTIFIERS];
	size_t n = 0;

	if (ev->has_spf)
		ids[n++] = &ev->spf;
	for (size_t i = 0; i < ev->ndkim; i++)
		ids[n++] = &ev->dkim[i];
	for (size_t i = 0; i < n; i++) {
		const struct mp_dmarc_ident *p = &ids[i]->pub;
		any_pass |= p->result == MP_DMARC_AUTH_PASS;
		dns_trouble |= p->temperror ||
		    (p->result == MP_DMARC_AUTH_TEMPERROR && ids[i]->would_align);
	}
	v->spf_aligned = ev->has_spf && ev->spf.pub.aligned;
	for (size_t i = 0; i < ev->ndkim; i++)
		v->dkim_aligned |= ev->dkim[i].pub.aligned;
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = MP_DMARC_PASS;
		mp_why_setf(&v->why, MP_REASON_DMARC_ALIGNED, "aligned: %s%s%s",
		            v->spf_aligned ? "spf" : "", v->spf_aligned && v->dkim_aligned ? " " : "",
		            v->dkim_aligned ? "dkim" : "");
	} else if (dns_trouble) {
		v->result = MP_DMARC_TEMPERROR;
		mp_why_set(&v->why, MP_REASON_DMARC_AUTH_TEMPERROR);
	} else {
		v->result = MP_DMARC_FAIL;
		mp_why_set(&v->why, any_pass ? MP_REASON_DMARC_NOT_ALIGNED : MP_REASON_DMARC_NO_AUTH);
	}
}

/* verdict - the final verdict once discovery (and alignment) are done */
static void
verdict(struct mp_dmarc_eval *ev)
{
	struct mp_dmarc_verdict *v = &ev->v;
	const struct mp_dmarc_found *f = &ev->disc.applied;

	v->domain = ev->author;
	v->discovery = &ev->disc;
	v->policy_tag = "";
	v->spf = ev->spf.pub;
	v->ndkim = ev->ndkim;
	if (ev->ndkim > 0) {
		struct mp_dmarc_ident *d = mp_arena_alloc(ev->a, ev->ndkim * sizeof *d);
		if (d == NULL) {
			ev->err = MP_ENOMEM;
			return;
		}
		for (size_t i = 0; i < ev->ndkim; i++)
			d[i] = ev->dkim[i].pub;
		v->dkim = d;
	}
	if (f->temperror) {
		v->result = MP_DMARC_TEMPERROR;
		v->why = f->why;
		return;
	}
	if (!f->found) {
		v->result = MP_DMARC_NONE;
		v->why = f->why;
		return;
	}
	v->policy_domain = f->policy_domain;
	v->record = f->record;
	v->adkim = f->record->adkim;
	v->aspf = f->record->aspf;
	if (f->record->status != MP_DMARC_REC_OK) {
		v->result = MP_DMARC_NONE;
		mp_why_setf(&v->why, f->record->reason, "%s at _dmarc.%.*s",
		            mp_reason_text(f->record->reason), (int)f->policy_domain.len,
		            f->policy_domain.ptr);
		return;
	}
	decide(ev, v);
	apply_policy(ev, v);
}

/* ---- the client ---- */

/* run - advance as far as the answers allow */
static enum mp_status
run(void *core)
{
	struct mp_dmarc_eval *ev = core;

	for (;;) {
		if (ev->err != MP_OK && ev->phase != PH_DONE) {
			ev->v.result = ev->err == MP_ELIMIT ? MP_DMARC_PERMERROR : MP_DMARC_TEMPERROR;
			mp_why_set(&ev->v.why, ev->err == MP_ELIMIT ? MP_REASON_DMARC_LIMIT
			                                            : MP_REASON_NOMEM);
			ev->v.domain = ev->author;
			ev->v.discovery = &ev->disc;
			ev->v.policy_tag = "";
			ev->phase = PH_DONE;
			return ev->err == MP_ENOMEM ? MP_ENOMEM : MP_OK;
		}
		switch (ev->phase) {
		case PH_DISCOVER:
			if (discover(ev))
				return MP_PENDING;
			if (ev->err == MP_OK)
				ev->phase = PH_WAIT_AUTH;
			break;
		case PH_WAIT_AUTH:
			if (!ev->has_auth)
				return MP_OK;
			ev->phase = PH_ALIGN;
			break;
		case PH_ALIGN:
			if (ev->disc.applied.found && !ev->disc.applied.temperror &&
			    ev->disc.applied.record->status == MP_DMARC_REC_OK && align(ev))
				return MP_PENDING;
			if (ev->err == MP_OK) {
				verdict(ev);
				ev->phase = PH_DONE;
			}
			break;
		case PH_DONE:
			return MP_OK;
		}
	}
}

/* questions - every name asked and not yet answered */
static size_t
questions(void *core, const struct mp_dns_question *const **qs)
{
	struct mp_dmarc_eval *ev = core;
	size_t n = 0;

	for (size_t i = 0; i < ev->nnames; i++)
		if (!ev->names[i]->answered)
			ev->qs[n++] = &ev->names[i]->q;
	*qs = ev->qs;
	return n;
}

/* answer - record what the DNS said about one of our questions */
static enum mp_status
answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	struct mp_dmarc_eval *ev = core;
	struct name *n = NULL;

	for (size_t i = 0; i < ev->nnames && n == NULL; i++)
		if (&ev->names[i]->q == q)
			n = ev->names[i];
	if (n == NULL || n->answered)
		return MP_EINVAL;
	n->answered = true;
	switch (mp_dns_state_of(ans->status)) {
	case MP_DNS_INDETERMINATE:
		n->state = MP_DMARC_STEP_TEMPERROR;
		break;
	case MP_DNS_ABSENT:
		n->state = MP_DMARC_STEP_ABSENT;
		n->nxdomain = ans->status == MP_DNS_NXDOMAIN;
		break;
	case MP_DNS_PRESENT:
		if (n->type == MP_DNS_T_TXT)
			take_txt(ev, n, ans);
		else
			n->state = MP_DMARC_STEP_RECORD;
		break;
	}
	return ev->err == MP_ENOMEM ? MP_ENOMEM : MP_OK;
}

struct mp_dns_client
mp_dmarc_eval_client(struct mp_dmarc_eval *ev)
{
	return (struct mp_dns_client){ ev, run, questions, answer };
}

/* eval_alloc - zeroed object with options copied */
static struct mp_dmarc_eval *
eval_alloc(struct mp_arena *a, const struct mp_dmarc_opts *o)
{
	struct mp_dmarc_eval *ev = mp_arena_zalloc(a, sizeof *ev);

	if (ev == NULL)
		return NULL;
	ev->a = a;
	if (o != NULL)
		ev->o = *o;
	if (ev->o.psl == NULL && ev->o.mode != MP_DMARC_MODE_9989)
		ev->o.mode = MP_DMARC_MODE_9989;   /* no PSL: nothing else possible */
	ev->disc.mode = ev->o.mode;
	ev->v.policy_tag = "";
	return ev;
}

struct mp_dmarc_eval *
mp_dmarc_eval_new(struct mp_arena *a, const struct mp_dmarc_opts *o, struct mp_str domain)
{
	struct mp_dmarc_eval *ev = eval_alloc(a, o);
	struct mp_why why;
	bool enomem;

	if (ev == NULL)
		return NULL;
	if (!mp_dmarc_norm(a, domain, &ev->author, &enomem)) {
		if (enomem)
			return NULL;
		mp_why_set(&why, MP_REASON_DMARC_BAD_DOMAIN);
		ev->disc.applied.why = why;
		ev->disc_done = true;
		ev->phase = PH_DONE;
		ev->v.result = MP_DMARC_PERMERROR;
		ev->v.why = why;
		ev->v.discovery = &ev->disc;
		return ev;
	}
	ev->disc.domain = ev->author;
	if (ev->o.mode != MP_DMARC_MODE_9989)
		ev->org7489 = mp_dmarc_psl_orgdomain(ev->o.psl, ev->author, a);
	walk_init(&ev->author_walk, ev->author);
	return ev;
}

struct mp_dmarc_eval *
mp_dmarc_eval_new_error(struct mp_arena *a, const struct mp_dmarc_opts *o,
                        enum mp_dmarc_result result, const struct mp_why *why)
{
	struct mp_dmarc_eval *ev = eval_alloc(a, o);

	if (ev == NULL)
		return NULL;
	ev->disc_done = true;
	ev->phase = PH_DONE;
	ev->v.result = result;
	if (why != NULL)
		ev->v.why = *why;
	ev->disc.applied.why = ev->v.why;
	ev->v.discovery = &ev->disc;
	return ev;
}

/* ident_set - one identifier copied into the arena and normalized */
static void
ident_set(struct mp_dmarc_eval *ev, struct ident *id, enum mp_dmarc_auth result,
          struct mp_str domain, struct mp_str selector)
{
	bool enomem;

	memset(id, 0, sizeof *id);
	id->pub.result = result;
	id->pub.domain = mp_arena_strdup(ev->a, domain);
	id->pub.selector = mp_arena_strdup(ev->a, selector);
	if ((domain.len > 0 && id->pub.domain.ptr == NULL) ||
	    (selector.len > 0 && id->pub.selector.ptr == NULL))
		ev->err = MP_ENOMEM;
	/* a NUL byte or trailing garbage makes the name unusable, never
	 * "bank.example" (RFC 9989 §4.4: names are compared whole) */
	if (mp_str_has_nul(domain))
		return;
	id->pub.usable = mp_dmarc_norm(ev->a, domain, &id->norm, &enomem);
	if (enomem)
		ev->err = MP_ENOMEM;
}

enum mp_status
mp_dmarc_eval_set_auth(struct mp_dmarc_eval *ev, const struct mp_dmarc_spf *spf,
                       const struct mp_dmarc_dkim *dkim, size_t ndkim)
{
	if (ev == NULL || ev->has_auth || (ndkim > 0 && dkim == NULL))
		return MP_EINVAL;
	ev->has_auth = true;
	if (spf != NULL && (spf->domain.len > 0 || spf->result != MP_DMARC_AUTH_NONE)) {
		ev->has_spf = true;
		ident_set(ev, &ev->spf, spf->result, spf->domain, MP_STR_NULL);
	}
	if (ndkim > MP_LIMIT_DMARC_IDENTIFIERS)
		ndkim = MP_LIMIT_DMARC_IDENTIFIERS;
	if (ndkim > 0 && (ev->dkim = mp_arena_zalloc(ev->a, ndkim * sizeof *ev->dkim)) == NULL)
		return ev->err = MP_ENOMEM;
	ev->ndkim = ndkim;
	for (size_t i = 0; i < ndkim; i++)
		ident_set(ev, &ev->dkim[i], dkim[i].result, dkim[i].domain, dkim[i].selector);
	return ev->err == MP_ENOMEM ? MP_ENOMEM : MP_OK;
}

const struct mp_dmarc_discovery *
mp_dmarc_eval_discovery(const struct mp_dmarc_eval *ev)
{
	return ev != NULL && ev->disc_done ? &ev->disc : NULL;
}

const struct mp_dmarc_verdict *
mp_dmarc_eval_verdict(const struct mp_dmarc_eval *ev)
{
	return ev != NULL && ev->phase == PH_DONE ? &ev->v : NULL;
}
