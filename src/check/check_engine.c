/* check_engine.c - the domain check state machine (issue 6).
 *
 * Implements the sans-IO DNS client contract of mailproof/dns.h: the first
 * run() asks every independent question at once; each answer may add
 * follow-up questions (MX addresses, reverse DNS, TLSA, report
 * authorization) and feed the sub-cores (SPF linter, DMARC discovery),
 * whose questions are merged into ours so one name is asked once per
 * domain. When nothing is outstanding the rules run and the verdict is set.
 * Everything lives in the check's arena. Not thread-safe per check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>
#include <mailproof/limits.h>

#include "check_internal.h"

/* Widely used selectors: the big mailbox providers, ESPs and defaults of
 * common signing software. Provider patterns derived from the domain
 * (Microsoft 365's selector1/selector2 CNAMEs into onmicrosoft.com) are
 * recognised from these answers. */
static const char *const builtin_selectors[] = {
	"default", "dkim", "mail", "selector1", "selector2", "google",
	"k1", "k2", "s1", "s2", "smtp", "key1", "mandrill", "mxvault",
	"everlytickey1", "zendesk1", "protonmail", "fm1", "sig1", "mailjet",
	NULL,
};

/* mp_check_dkim_probe_name - the --dkim-probe word */
const char *
mp_check_dkim_probe_name(enum mp_check_dkim_probe p)
{
	return p == MP_CHECK_DKIM_PROBE_LIKELY ? "likely" : "all";
}

/* mp_check_builtin_selectors - the list above */
const char *const *
mp_check_builtin_selectors(void)
{
	return builtin_selectors;
}

/* check_printf - formatted text in the arena */
struct mp_str
check_printf(struct mp_check *c, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = mp_arena_alloc(&c->arena, (size_t)n + 1)) == NULL) {
		c->err = MP_ENOMEM;
		return MP_STR_LIT("");
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return mp_str_make(p, (size_t)n);
}

/* check_state_of - an answer's presence as a check state */
enum mp_check_state
check_state_of(const struct mp_dns_answer *a)
{
	if (a == NULL)
		return MP_CHECK_ST_UNKNOWN;
	switch (mp_dns_state_of(a->status)) {
	case MP_DNS_PRESENT: return MP_CHECK_ST_PRESENT;
	case MP_DNS_ABSENT: return MP_CHECK_ST_ABSENT;
	case MP_DNS_INDETERMINATE: break;
	}
	return MP_CHECK_ST_UNKNOWN;
}

/* check_dns_error - keep the first verdict-deciding DNS failure */
void
check_dns_error(struct mp_check *c, const struct mp_dns_answer *a)
{
	if (c->dns_error.len != 0)
		return;
	c->dns_error = check_printf(c, "%s %.*s: %s%s%.*s", mp_dns_type_name(a->qtype),
	    (int)a->qname.len, a->qname.ptr, mp_dns_status_name(a->status),
	    a->why.len ? " (" : "", (int)a->why.len, a->why.ptr);
	if (a->why.len)
		c->dns_error = check_printf(c, "%.*s)", (int)c->dns_error.len, c->dns_error.ptr);
}

/* check_txt_select - count records starting with prefix (RFC 7208 §4.5,
 * RFC 9989 §4.7 record selection); the first goes to *first */
size_t
check_txt_select(const struct mp_dns_answer *a, const char *prefix, char sep,
                 struct mp_str *first)
{
	struct mp_str pre = mp_str_c(prefix);
	size_t n = 0;

	if (first)
		*first = MP_STR_NULL;
	if (a == NULL || a->status != MP_DNS_OK)
		return 0;
	for (size_t i = 0; i < a->nrr; i++) {
		struct mp_str t;

		if (a->rr[i].type != MP_DNS_T_TXT)
			continue;
		t = a->rr[i].u.txt.joined;
		if (!mp_str_starts_nocase(t, pre))
			continue;
		if (t.len > pre.len && t.ptr[pre.len] != ' ' &&
		    !(sep != 0 && (t.ptr[pre.len] == sep || mp_is_wsp((unsigned char)t.ptr[pre.len]))))
			continue;
		if (n++ == 0 && first)
			*first = t;
	}
	return n;
}

/* same_name - DNS name equality; plain names (the usual case) without
 * parsing them */
static bool
same_name(struct mp_str a, struct mp_str b)
{
	if (mp_str_find(a, '\\') >= 0 || mp_str_find(b, '\\') >= 0)
		return mp_dns_name_eq(a, b);
	if (a.len > 0 && a.ptr[a.len - 1] == '.')
		a.len--;
	if (b.len > 0 && b.ptr[b.len - 1] == '.')
		b.len--;
	return mp_str_eq_nocase(a, b);
}

/* find_slot - a question with this type and name already asked */
static struct slot *
find_slot(struct mp_check *c, uint16_t type, struct mp_str name)
{
	for (struct slot *s = c->slots; s != NULL; s = s->next)
		if (s->q.type == type && s->q.name_len + 1 >= name.len && s->q.name_len <= name.len + 1 &&
		    same_name(mp_str_make(s->q.name, s->q.name_len), name))
			return s;
	return NULL;
}

/* new_slot - append a question */
static struct slot *
new_slot(struct mp_check *c, uint16_t type, struct mp_str name, enum slot_kind kind,
         size_t idx, size_t idx2)
{
	struct slot *s;

	if (c->nslots >= MP_LIMIT_CHECK_QUESTIONS) {
		if (c->err == MP_OK)
			c->err = MP_ELIMIT;
		return NULL;
	}
	/* not zalloc: the question's name buffer is 1 KiB, set by question_set */
	if ((s = mp_arena_alloc(&c->arena, sizeof *s)) == NULL) {
		c->err = MP_ENOMEM;
		return NULL;
	}
	memset(s, 0, offsetof(struct slot, q) + offsetof(struct mp_dns_question, name));
	memset((char *)s + offsetof(struct slot, kind), 0, sizeof *s - offsetof(struct slot, kind));
	s->q.name[0] = '\0';
	if (mp_dns_question_set(&s->q, type, name) != MP_OK) {
		/* a name too long to ask: answered at once as malformed */
		struct mp_dns_answer *a = mp_arena_zalloc(&c->arena, sizeof *a);

		if (a == NULL) {
			c->err = MP_ENOMEM;
			return NULL;
		}
		a->qname = MP_STR_LIT("(name too long)");
		a->canonical = a->qname;
		a->qtype = type;
		a->status = MP_DNS_MALFORMED;
		a->why = MP_STR_LIT("name longer than 255 bytes");
		s->q.type = type;
		s->answered = true;
		s->ans = a;
	}
	s->kind = kind;
	s->idx = idx;
	s->idx2 = idx2;
	*c->tail = s;
	c->tail = &s->next;
	c->nslots++;
	return s;
}

/* check_ask - a question of our own */
struct slot *
check_ask(struct mp_check *c, uint16_t type, struct mp_str name, enum slot_kind kind,
          size_t idx, size_t idx2)
{
	return new_slot(c, type, name, kind, idx, idx2);
}

/* map_sub_questions - route a sub-core's questions onto slots */
static void
map_sub_questions(struct mp_check *c, struct check_sub *sub)
{
	const struct mp_dns_question *const *qs;
	size_t n = sub->cl.questions(sub->cl.core, &qs);

	for (size_t i = 0; i < n; i++) {
		struct mp_str name = mp_str_make(qs[i]->name, qs[i]->name_len);
		struct slot *s = find_slot(c, qs[i]->type, name);
		struct waiter *w;
		bool known = false;

		if (s == NULL && (s = new_slot(c, qs[i]->type, name, K_SHARED, 0, 0)) == NULL)
			return;
		for (w = s->waiters; w != NULL; w = w->next)
			if (w->sub == sub && w->q == qs[i])
				known = true;
		if (known)
			continue;
		if ((w = mp_arena_zalloc(&c->arena, sizeof *w)) == NULL) {
			c->err = MP_ENOMEM;
			return;
		}
		w->sub = sub;
		w->q = qs[i];
		w->next = s->waiters;
		s->waiters = w;
		if (s->processed) {        /* answered earlier: forward now */
			if (s->ans != NULL && sub->cl.answer(sub->cl.core, qs[i], s->ans) != MP_OK)
				c->err = MP_ENOMEM;
			sub->dirty = true;
		}
	}
}

/* run_sub - run a sub-core once; map its questions or finish it */
static void
run_sub(struct mp_check *c, struct check_sub *sub)
{
	sub->dirty = false;
	sub->st = sub->cl.run(sub->cl.core);
	if (sub->st == MP_PENDING) {
		map_sub_questions(c, sub);
		return;
	}
	sub->done = true;
	if (sub->on_done)
		sub->on_done(c, sub);
}

/* check_add_sub - start a sub-core */
enum mp_status
check_add_sub(struct mp_check *c, const struct mp_dns_client *cl,
              void (*on_done)(struct mp_check *, struct check_sub *), void (*release)(void *))
{
	struct check_sub *sub;

	if (c->nsubs >= CHECK_SUBS)
		return MP_ELIMIT;
	sub = &c->subs[c->nsubs++];
	memset(sub, 0, sizeof *sub);
	sub->cl = *cl;
	sub->on_done = on_done;
	sub->release = release;
	run_sub(c, sub);
	return MP_OK;
}

/* hold - s waits for its parent's answer (settle_held) */
static void
hold(const struct slot *parent, struct slot *s)
{
	if (parent != NULL && s != NULL && !s->answered)
		s->held = true;
}

/* settle_one - a held question under parent (whose answer is in): NXDOMAIN
 * for the parent name itself (no CNAME followed) means nothing exists at
 * or below it (RFC 8020 §2): s is answered NXDOMAIN without being asked.
 * Any other answer (data, NODATA for an empty non-terminal, a failure)
 * lets it be asked. */
static void
settle_one(struct mp_check *c, const struct slot *parent, struct slot *s)
{
	const struct mp_dns_answer *pa = parent->ans;
	struct mp_dns_answer *a;

	if (s == NULL || s->answered)
		return;
	s->held = false;
	if (pa == NULL || pa->status != MP_DNS_NXDOMAIN || pa->ncname != 0)
		return;                            /* collect() hands it out */
	if ((a = mp_arena_zalloc(&c->arena, sizeof *a)) == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	a->qname = mp_str_make(s->q.name, s->q.name_len);
	a->canonical = a->qname;
	a->qtype = s->q.type;
	a->status = MP_DNS_NXDOMAIN;
	a->dnssec = pa->dnssec;
	s->ans = a;
	s->answered = true;                        /* step() dispatches it */
}

/* settle_held - the parent name of the held questions of this kind has
 * its answer: settle each (settle_one) */
static void
settle_held(struct mp_check *c, const struct slot *parent, enum slot_kind kind)
{
	for (struct slot *s = c->slots; s != NULL && c->err == MP_OK; s = s->next)
		if (s->held && s->kind == kind)
			settle_one(c, parent, s);
}

/* dispatch - an answer to whatever asked for it */
static void
dispatch(struct mp_check *c, struct slot *s)
{
	if (s->kind == K_DKIM_PARENT)
		settle_held(c, s, K_DKIM);
	else if (s->kind == K_PROBE_A)
		settle_held(c, s, K_PROBE_DMARC);
	for (struct waiter *w = s->waiters; w != NULL; w = w->next) {
		if (w->sub->done)
			continue;
		if (s->ans != NULL && w->sub->cl.answer(w->sub->cl.core, w->q, s->ans) != MP_OK)
			c->err = MP_ENOMEM;
		w->sub->dirty = true;
	}
	switch (s->kind) {
	case K_SHARED: break;
	case K_SPF_TXT: check_spf_answer(c, s); break;
	case K_DMARC_TXT: case K_PROBE_DMARC: case K_PROBE_A: case K_REPORT_AUTH:
		check_dmarc_answer(c, s);
		break;
	case K_MX: case K_MX_A: case K_MX_AAAA: case K_MX_TLSA: case K_PTR: case K_PTR_FWD:
		check_mx_answer(c, s);
		break;
	case K_DKIM: check_dkim_answer(c, s); break;
	case K_DKIM_PARENT: break;
	case K_MTA_STS: case K_TLSRPT: case K_BIMI: check_records_answer(c, s); break;
	}
}

/* start - the gate: the three questions the verdict cannot do without.
 * Everything else waits for their answers, so a lame or timing-out domain
 * (its verdict is unknown whatever else answers) costs 3 questions and one
 * timeout instead of 35 questions and several rounds of timeouts: in bulk
 * mode those would fill the window and stall healthy domains. */
static void
start(struct mp_check *c)
{
	struct mp_str d = c->domain;

	c->s_spf = check_ask(c, MP_DNS_T_TXT, d, K_SPF_TXT, 0, 0);
	c->s_dmarc = check_ask(c, MP_DNS_T_TXT, check_printf(c, "_dmarc.%s", d.ptr), K_DMARC_TXT, 0, 0);
	c->s_mx = check_ask(c, MP_DNS_T_MX, d, K_MX, 0, 0);
}

/* gate_failed - an indeterminate gate answer (the verdict is unknown), or
 * a domain that does not exist: nothing more to ask */
static bool
gate_failed(const struct mp_check *c)
{
	const struct slot *const g[] = { c->s_spf, c->s_dmarc, c->s_mx };

	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
		if (g[i] == NULL || g[i]->ans == NULL ||
		    mp_dns_state_of(g[i]->ans->status) == MP_DNS_INDETERMINATE)
			return true;
	return c->s_spf->ans->status == MP_DNS_NXDOMAIN && c->s_mx->ans->status == MP_DNS_NXDOMAIN;
}

/* ask_selectors - the selectors of this wave not yet asked. With
 * CHECK_DKIM_PARENT_MIN or more, _domainkey.<domain> is asked first (when
 * it has not been) and they wait for it (RFC 8020); an answer to it
 * already in settles them at once. */
static void
ask_selectors(struct mp_check *c, unsigned wave)
{
	struct mp_str d = c->domain;
	size_t n = 0;

	for (size_t i = 0; i < c->nkeys_alloc; i++)
		n += c->sels[i].wave == wave && !c->sels[i].asked;
	if (n == 0)
		return;
	if (c->s_domainkey == NULL && n >= (c->opts.dkim_probe == MP_CHECK_DKIM_PROBE_LIKELY ?
	    CHECK_DKIM_PARENT_MIN_LIKELY : CHECK_DKIM_PARENT_MIN))
		c->s_domainkey = check_ask(c, MP_DNS_T_TXT, check_printf(c, "_domainkey.%s", d.ptr),
		    K_DKIM_PARENT, 0, 0);
	for (size_t i = 0; i < c->nkeys_alloc && c->err == MP_OK; i++) {
		struct slot *s;

		if (c->sels[i].wave != wave || c->sels[i].asked)
			continue;
		c->sels[i].asked = true;
		c->res.dkim.nprobed++;
		s = check_ask(c, MP_DNS_T_TXT, check_printf(c, "%s._domainkey.%s",
		    c->keys[i].selector.ptr, d.ptr), K_DKIM, i, 0);
		if (c->s_domainkey != NULL && c->s_domainkey->processed)
			settle_one(c, c->s_domainkey, s);
		else
			hold(c->s_domainkey, s);
	}
}

/* dkim_next_wave - --dkim-probe likely: once every selector asked so far
 * has its answer, the next wave is asked only when none of them has a key
 * record. Behind an NXDOMAIN for _domainkey.<domain> (RFC 8020) a wave is
 * answered without being asked, as with --dkim-probe all. true when a
 * wave was added (its questions may all be answered already). */
static bool
dkim_next_wave(struct mp_check *c)
{
	if (c->waves_done || !c->gate_open || c->opts.dkim_probe != MP_CHECK_DKIM_PROBE_LIKELY)
		return false;
	for (const struct slot *s = c->slots; s != NULL; s = s->next)
		if (s->kind == K_DKIM && !s->processed)
			return false;
	for (size_t i = 0; i < c->nkeys_alloc; i++)
		if (c->sels[i].asked && (c->keys[i].state == MP_CHECK_ST_PRESENT ||
		    c->keys[i].state == MP_CHECK_ST_INVALID)) {
			for (size_t j = 0; j < c->nkeys_alloc; j++)
				c->res.dkim.nskipped += !c->sels[j].asked;
			c->waves_done = true;
			return false;
		}
	while (c->wave < CHECK_WAVE_REST) {
		c->wave++;
		for (size_t i = 0; i < c->nkeys_alloc; i++)
			if (c->sels[i].wave == c->wave && !c->sels[i].asked) {
				ask_selectors(c, c->wave);
				return true;
			}
	}
	c->waves_done = true;
	return false;
}

/* open_gate - every other independent question at once, and the sub-cores
 * (their questions for names already answered are answered at once).
 * Questions under a name that most domains do not have wait for it
 * (RFC 8020): the selectors for _domainkey (with CHECK_DKIM_PARENT_MIN
 * selectors or more), _dmarc.<probe> for the probe's A. A domain with no
 * DKIM costs one question instead of twenty, and the probe one instead of
 * two. With --dkim-probe likely only the first wave of selectors is asked
 * here (dkim_next_wave). */
static void
open_gate(struct mp_check *c)
{
	struct mp_str d = c->domain;

	c->gate_open = true;
	check_dkim_derive(c);
	c->wave = CHECK_WAVE_FIRST;
	ask_selectors(c, CHECK_WAVE_FIRST);
	if (c->res.mx.null_mx && c->res.mx.nhosts == 0) {
		/* RFC 7505: no mail is accepted, so no inbound TLS policy
		 * (MTA-STS) or TLS failure report (TLS-RPT) can apply */
		c->res.mta_sts.state = MP_CHECK_ST_NOT_CHECKED;
		c->res.tls_rpt.state = MP_CHECK_ST_NOT_CHECKED;
	} else {
		check_ask(c, MP_DNS_T_TXT, check_printf(c, "_mta-sts.%s", d.ptr), K_MTA_STS, 0, 0);
		check_ask(c, MP_DNS_T_TXT, check_printf(c, "_smtp._tls.%s", d.ptr), K_TLSRPT, 0, 0);
	}
	check_ask(c, MP_DNS_T_TXT, check_printf(c, "default._bimi.%s", d.ptr), K_BIMI, 0, 0);
	c->s_probe_a = check_ask(c, MP_DNS_T_A, c->probe, K_PROBE_A, 0, 0);
	c->s_probe_dmarc = check_ask(c, MP_DNS_T_TXT, check_printf(c, "_dmarc.%s", c->probe.ptr),
	    K_PROBE_DMARC, 0, 0);
	hold(c->s_probe_a, c->s_probe_dmarc);
	check_spf_start(c);
	check_dmarc_start(c);
}

/* collect - unanswered questions not yet handed to the driver */
static void
collect(struct mp_check *c)
{
	size_t n = 0;

	for (struct slot *s = c->slots; s != NULL; s = s->next)
		if (!s->answered && !s->handed && !s->held)
			n++;
	if (n > c->pending_cap) {
		const struct mp_dns_question **p = mp_arena_alloc(&c->arena, (n + 16) * sizeof *p);
		if (p == NULL) {
			c->err = MP_ENOMEM;
			c->npending = 0;
			return;
		}
		c->pending = p;
		c->pending_cap = n + 16;
	}
	c->npending = 0;
	for (struct slot *s = c->slots; s != NULL; s = s->next)
		if (!s->answered && !s->handed && !s->held) {
			s->handed = true;
			c->pending[c->npending++] = &s->q;
		}
}

/* outstanding - does any question still wait for an answer? */
static bool
outstanding(const struct mp_check *c)
{
	for (const struct slot *s = c->slots; s != NULL; s = s->next)
		if (!s->answered)
			return true;
	return false;
}

/* step - handle new answers and run dirty sub-cores until nothing moves */
static void
step(struct mp_check *c)
{
	bool moved;

	do {
		moved = false;
		for (struct slot *s = c->slots; s != NULL && c->err == MP_OK; s = s->next) {
			if (s->answered && !s->processed) {
				s->processed = true;
				dispatch(c, s);
				moved = true;
			}
		}
		for (size_t i = 0; i < c->nsubs && c->err == MP_OK; i++) {
			if (!c->subs[i].done && c->subs[i].dirty) {
				run_sub(c, &c->subs[i]);
				moved = true;
			}
		}
	} while (moved && c->err == MP_OK);
}

/* in_flight - is a question handed to the driver still unanswered (and
 * not parked)? */
static bool
in_flight(const struct mp_check *c)
{
	for (const struct slot *s = c->slots; s != NULL; s = s->next)
		if (s->handed && !s->answered && !s->parked)
			return true;
	return false;
}

/* ask_again - a parked question goes out once more */
static void
ask_again(struct mp_check *c, struct slot *s)
{
	s->parked = false;
	s->retried = true;
	s->handed = false;     /* collect() hands it out again */
	s->ans = NULL;
	c->nretries++;
}

/* unpark - decide on the answers held back by client_answer(). A domain
 * with at least one authoritative answer has servers that work, so its
 * timeouts and SERVFAILs are more likely a resolver busy with other
 * domains (a full request list drops questions silently) than the
 * domain's fault: each is asked once more. A domain with no authoritative
 * answer yet keeps them waiting until nothing else is in flight. Then, if
 * one of them timed out, that one alone is asked again: a resolver over
 * its per-client limit (unbound's wait-limit) drops questions without a
 * reply, and a healthy domain whose few opening questions were all
 * dropped must not come out unknown; an authoritative answer makes the
 * domain alive and the others are asked again too. Otherwise (a SERVFAIL
 * among them: the resolver did answer for the domain, so it is not
 * dropping its questions; or the second try timed out as well) they are
 * taken as they are: a lame domain is never asked twice and a timing-out
 * one costs one more question and timeout at most, so neither can clog
 * the resolver for long. */
static void
unpark(struct mp_check *c)
{
	bool keep = !c->alive && !in_flight(c);

	if (keep && !c->reprobed) {
		struct slot *again = NULL;

		for (struct slot *s = c->slots; s != NULL; s = s->next) {
			if (!s->parked)
				continue;
			if (s->ans->status != MP_DNS_TIMEOUT) {
				again = NULL;      /* the resolver answered for it: not dropping */
				break;
			}
			if (again == NULL)
				again = s;
		}
		if (again != NULL) {
			c->reprobed = true;
			ask_again(c, again);
			return;
		}
	}
	for (struct slot *s = c->slots; s != NULL; s = s->next) {
		if (!s->parked)
			continue;
		if (c->alive) {
			ask_again(c, s);
		} else if (keep) {
			s->parked = false;
			s->answered = true;
		}
	}
}

/* mp_check_run - the contract's run() */
enum mp_status
mp_check_run(struct mp_check *c)
{
	if (c->finished)
		return MP_OK;
	if (!c->started) {
		c->started = true;
		if (!c->bad_domain)
			start(c);
	}
	unpark(c);
	if (c->err == MP_OK)
		step(c);
	if (c->err == MP_OK && !c->bad_domain && !c->gate_open && !c->doomed && !outstanding(c)) {
		if (gate_failed(c)) {
			c->doomed = true;
		} else {
			open_gate(c);
			if (c->err == MP_OK)
				step(c);
		}
	}
	while (c->err == MP_OK && dkim_next_wave(c))
		step(c);
	if (c->err == MP_OK && !c->bad_domain && outstanding(c)) {
		collect(c);
		if (c->err == MP_OK)
			return MP_PENDING;
	}
	/* ENOMEM/ELIMIT end the check as unknown, never as a verdict */
	check_finish(c);
	c->finished = true;
	return MP_OK;
}

/* client_questions - the contract's questions() */
static size_t
client_questions(void *core, const struct mp_dns_question *const **qs)
{
	struct mp_check *c = core;
	size_t n = c->npending;

	*qs = c->pending;
	c->npending = 0;
	return n;
}

/* client_answer - the contract's answer(): copy it, handle it on run() */
static enum mp_status
client_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct mp_check *c = core;
	struct slot *s = (struct slot *)(void *)q;   /* q is &slot->q */

	if (s->answered || s->parked)
		return MP_OK;
	if ((s->ans = mp_dns_answer_dup(&c->arena, a)) == NULL) {
		s->answered = true;
		c->err = MP_ENOMEM;
		return MP_ENOMEM;
	}
	if (mp_dns_state_of(a->status) != MP_DNS_INDETERMINATE)
		c->alive = true;
	/* a first timeout or SERVFAIL waits for run() to decide (unpark) */
	if ((a->status == MP_DNS_TIMEOUT || a->status == MP_DNS_SERVFAIL) && !s->retried &&
	    c->nretries < MP_LIMIT_CHECK_RETRIES) {
		s->parked = true;
		return MP_OK;
	}
	s->answered = true;
	return MP_OK;
}

/* client_run - the contract's run() */
static enum mp_status
client_run(void *core)
{
	return mp_check_run(core);
}

/* mp_check_client - c as a DNS client */
void
mp_check_client(struct mp_check *c, struct mp_dns_client *out)
{
	out->core = c;
	out->run = client_run;
	out->questions = client_questions;
	out->answer = client_answer;
}

/* normalize - lower case, no trailing dot; false when not a domain name */
static bool
normalize(struct mp_check *c, struct mp_str d)
{
	uint8_t wire[MP_LIMIT_DNS_NAME];
	size_t wire_len;
	char *p;

	while (d.len > 0 && d.ptr[d.len - 1] == '.')
		d.len--;
	if ((p = mp_arena_alloc(&c->arena, d.len + 1)) == NULL)
		return false;
	for (size_t i = 0; i < d.len; i++)
		p[i] = (char)mp_lower((unsigned char)d.ptr[i]);
	p[d.len] = '\0';
	c->domain = mp_str_make(p, d.len);
	if (d.len == 0 || mp_str_has_nul(d) || mp_str_find(d, '\\') >= 0 ||
	    !mp_dns_name_to_wire(c->domain, wire, &wire_len))
		return false;
	for (size_t i = 0; i < d.len; i++)
		if (!mp_is_ldh((unsigned char)p[i]) && p[i] != '.' && p[i] != '_')
			return false;
	return true;
}

/* probe_label - a label no one publishes, stable per domain (FNV-1a), so
 * runs are reproducible and caches still see a fresh name per domain */
static struct mp_str
probe_label(struct mp_check *c)
{
	uint64_t h = 1469598103934665603ull;

	if (c->opts.probe_label.len > 0)
		return check_printf(c, "%.*s", (int)c->opts.probe_label.len, c->opts.probe_label.ptr);
	for (size_t i = 0; i < c->domain.len; i++)
		h = (h ^ (unsigned char)c->domain.ptr[i]) * 1099511628211ull;
	return check_printf(c, "mp-nx-%08llx", (unsigned long long)(h & 0xffffffffu));
}

/* check_add_selector - sel into c->keys, once; false when the list is
 * full or on ENOMEM (c->err set) */
bool
check_add_selector(struct mp_check *c, struct mp_str sel, unsigned wave, bool user)
{
	size_t n = c->nkeys_alloc;

	if (sel.len == 0 || sel.len > MP_LIMIT_DNS_LABEL * 4)
		return true;
	for (size_t j = 0; j < n; j++)
		if (mp_str_eq_nocase(c->keys[j].selector, sel)) {
			if (wave < c->sels[j].wave && !c->sels[j].asked)
				c->sels[j].wave = (unsigned char)wave;
			return true;
		}
	if (n >= MP_LIMIT_CHECK_SELECTORS)
		return false;
	memset(&c->keys[n], 0, sizeof c->keys[n]);
	c->keys[n].selector = mp_arena_strdup(&c->arena, sel);
	if (c->keys[n].selector.ptr == NULL) {
		c->err = MP_ENOMEM;
		return false;
	}
	c->keys[n].state = MP_CHECK_ST_UNKNOWN;
	c->sels[n] = (struct check_sel){ .wave = (unsigned char)wave, .user = user };
	c->nkeys_alloc = n + 1;
	return true;
}

/* add_selectors - --selectors (first wave) then the built-in list (the
 * last wave in likely mode, where the gate's answers add the derived
 * ones) */
static bool
add_selectors(struct mp_check *c, const struct mp_check_opts *o)
{
	size_t max = MP_LIMIT_CHECK_SELECTORS;
	unsigned builtin_wave = o && o->dkim_probe == MP_CHECK_DKIM_PROBE_LIKELY ?
	    CHECK_WAVE_REST : CHECK_WAVE_FIRST;

	c->keys = mp_arena_alloc(&c->arena, max * sizeof *c->keys);   /* zeroed as used */
	c->sels = mp_arena_alloc(&c->arena, max * sizeof *c->sels);
	if (c->keys == NULL || c->sels == NULL)
		return false;
	for (size_t i = 0; o && i < o->nselectors && c->nkeys_alloc < max; i++)
		if (!check_add_selector(c, o->selectors[i], CHECK_WAVE_FIRST, true))
			return false;
	if (o && o->no_builtin_selectors)
		return true;
	for (size_t i = 0; builtin_selectors[i] != NULL && c->nkeys_alloc < max; i++)
		if (!check_add_selector(c, mp_str_c(builtin_selectors[i]), builtin_wave, false))
			return false;
	return true;
}

/* mp_check_new - a check of one domain */
struct mp_check *
mp_check_new(struct mp_str domain, const struct mp_check_opts *o)
{
	struct mp_check *c = mp_zalloc(sizeof *c);

	if (c == NULL)
		return NULL;
	mp_arena_init(&c->arena, MP_LIMIT_CHECK_ARENA);
	c->tail = &c->slots;
	if (o)
		c->opts = *o;
	c->opts.selectors = NULL;
	c->opts.nselectors = 0;
	if (!normalize(c, domain))
		c->bad_domain = true;
	if (c->domain.ptr == NULL || !add_selectors(c, o)) {
		mp_check_free(c);
		return NULL;
	}
	c->res.domain = c->domain;
	c->res.dkim.probe = c->opts.dkim_probe;
	if (!c->bad_domain)
		c->probe = check_printf(c, "%s.%s", probe_label(c).ptr, c->domain.ptr);
	if (c->err != MP_OK) {
		mp_check_free(c);
		return NULL;
	}
	return c;
}

/* mp_check_free - everything the check made */
void
mp_check_free(struct mp_check *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i].release)
			c->subs[i].release(c->subs[i].cl.core);
	mp_arena_fini(&c->arena);
	mp_free(c);
}

/* mp_check_result - the result once finished */
const struct mp_check_result *
mp_check_result(const struct mp_check *c)
{
	return c->finished ? &c->res : NULL;
}
