/* cli_spf.c - `mailproof spf`: evaluate SPF for one SMTP transaction
 * (RFC 7208 check_host for MAIL FROM, and HELO when given), evaluate a batch
 * of transactions with many in flight, or lint a domain's SPF.
 * Exit: 0 pass (lint: no errors), 1 any other definitive result (fail,
 * softfail, neutral, none, permerror; lint: errors), 3 temperror, 2 usage. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "cli.h"

enum {
	OPT_IP = MP_OPT_FIRST_FREE, OPT_MAIL_FROM, OPT_HELO, OPT_JSON, OPT_RECEIVER,
	OPT_LINT, OPT_BATCH, OPT_INFLIGHT, OPT_HELP,
};

static const char usage_text[] =
	"usage: mailproof spf --ip IP --mail-from ADDR [--helo HOST] [--json] [DNS options]\n"
	"       mailproof spf --lint DOMAIN [--mail-from ADDR] [--ip IP] [--json] [DNS options]\n"
	"       mailproof spf --batch FILE [--inflight N] [--json] [DNS options]\n"
	"Evaluate SPF (RFC 7208) for a client IP and MAIL FROM ('' or '<>' is the\n"
	"null reverse-path: postmaster@HELO is checked), or lint a domain's SPF.\n"
	"Batch FILE: one transaction per line, 'IP MAIL_FROM [HELO]' separated by\n"
	"tabs or spaces ('<>' for a null MAIL FROM); one output line per input.\n"
	"Exit: 0 pass, 1 fail/softfail/neutral/none/permerror, 3 temperror, 2 usage.\n\n"
	"  --ip IP             SMTP client address (IPv4, IPv6, IPv4-mapped IPv6)\n"
	"  --mail-from ADDR    MAIL FROM reverse-path\n"
	"  --helo HOST         HELO/EHLO name (also checked as its own identity)\n"
	"  --receiver NAME     this host's name for %{r} and Received-SPF\n"
	"  --json              one JSON object (JSON Lines with --batch)\n"
	"  --lint DOMAIN       report problems in DOMAIN's SPF (see docs/spf.md); with\n"
	"                      --mail-from/--ip, macro-built targets use that sender\n"
	"  --batch FILE        evaluate many transactions ('-' = stdin)\n"
	"  --inflight N        batch: evaluations in progress at once (default 64)\n"
	MP_CLI_DNS_USAGE;

struct spf_opts {
	const char *ip, *mail_from, *helo, *receiver, *lint, *batch;
	bool json;
	size_t inflight;
	struct mp_cli_dns_opts dns;
};

/* exit_of - exit status for a result */
static int
exit_of(enum mp_spf_result r)
{
	if (r == MP_SPF_PASS)
		return MP_EXIT_GOOD;
	if (r == MP_SPF_TEMPERROR)
		return MP_EXIT_TEMP;
	return MP_EXIT_BAD;
}

/* evaluate - one check_host() on the resolver; *ev must be freed */
static const struct mp_spf_outcome *
evaluate(struct mp_resolver *r, const struct mp_spf_request *req, struct mp_spf_eval **ev)
{
	struct mp_dns_client c;
	enum mp_status st;

	if ((st = mp_spf_eval_new(req, ev)) != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "spf: %s", mp_status_name(st));
	mp_spf_eval_client(*ev, &c);
	mp_dns_drive(r, &c);
	return mp_spf_eval_outcome(*ev);
}

/* outcome_json - the members of one outcome (inside an open object) */
static void
outcome_json(struct mp_cli_jw *w, const struct mp_spf_request *req,
             const struct mp_spf_outcome *o)
{
	struct mp_buf b;

	mp_cli_jcstr(w, "result", mp_spf_result_name(o->result));
	mp_cli_jcstr(w, "identity", o->identity == MP_SPF_ID_HELO ? "helo" : "mailfrom");
	mp_cli_jstr(w, "sender", o->sender);
	mp_cli_jstr(w, "domain", o->domain);
	mp_cli_jstr_or_null(w, "mechanism", o->mechanism);
	mp_cli_jcstr(w, "reason", mp_reason_token(o->why.reason));
	/* left out when not UTF-8 (a text cut inside a sequence), as before */
	mp_cli_jstr_valid(w, "reason_text", mp_str_c(o->why.text));
	mp_cli_jstr_or_null(w, "explanation", o->explanation);
	mp_cli_jint(w, "dns_lookups", o->dns_terms);
	mp_cli_jint(w, "void_lookups", o->void_lookups);
	mp_buf_init(&b, 8192);
	if (mp_spf_received_spf(req, o, &b) == MP_OK)
		mp_cli_jstr(w, "received_spf", mp_buf_str(&b));
	mp_buf_reset(&b);
	if (mp_spf_authres(o, &b) == MP_OK)
		mp_cli_jstr(w, "authentication_results", mp_buf_str(&b));
	mp_buf_fini(&b);
}

/* print_text - human report of one outcome */
static void
print_text(const struct mp_spf_request *req, const struct mp_spf_outcome *o, const char *label)
{
	struct mp_buf b;
	char q[MP_LOG_QUOTE_MAX];

	printf("%sresult: %s\n", label, mp_spf_result_name(o->result));
	printf("%sidentity: %s (%s)\n", label, o->identity == MP_SPF_ID_HELO ? "helo" : "mailfrom",
	    mp_log_quote(o->sender, q));
	if (o->mechanism.len)
		printf("%smechanism: %s\n", label, mp_log_quote(o->mechanism, q));
	if (o->why.reason != MP_REASON_NONE)
		printf("%sreason: %s (%s)\n", label, o->why.text, mp_reason_token(o->why.reason));
	if (o->explanation.len)
		printf("%sexplanation: %s\n", label, mp_log_quote(o->explanation, q));
	printf("%sdns lookups: %u of %u, void lookups: %u of %u\n", label, o->dns_terms,
	    (unsigned)MP_LIMIT_SPF_DNS_TERMS, o->void_lookups, (unsigned)MP_LIMIT_SPF_VOID_LOOKUPS);
	mp_buf_init(&b, 8192);
	if (mp_spf_received_spf(req, o, &b) == MP_OK)
		printf("%s%s\n", label, b.ptr);
	mp_buf_fini(&b);
}

/* fill_request - request from options */
static void
fill_request(struct mp_spf_request *req, const char *ip, const char *from, const char *helo,
             const char *receiver)
{
	memset(req, 0, sizeof *req);
	if (!mp_spf_ip_parse(mp_str_c(ip), &req->ip))
		exit(mp_cli_usage_error("spf", "--ip wants an IPv4 or IPv6 address, not '%s'", ip));
	req->mail_from = mp_str_c(from);
	req->helo = mp_str_c(helo ? helo : "");
	req->receiver = mp_str_c(receiver ? receiver : "");
	req->now = (uint64_t)time(NULL);
	req->identity = MP_SPF_ID_MAILFROM;
}

/* run_one - --ip/--mail-from[/--helo] */
static int
run_one(const struct spf_opts *o, struct mp_resolver *r)
{
	struct mp_spf_request req, hreq;
	struct mp_spf_eval *ev, *hev = NULL;
	const struct mp_spf_outcome *out, *hout = NULL;
	int rc;

	fill_request(&req, o->ip, o->mail_from, o->helo, o->receiver);
	out = evaluate(r, &req, &ev);
	if (o->helo != NULL) {
		hreq = req;
		hreq.identity = MP_SPF_ID_HELO;
		hout = evaluate(r, &hreq, &hev);
	}
	if (o->json) {
		struct mp_cli_jw w;

		mp_cli_jw_init(&w, true);
		mp_cli_jopen(&w, NULL, '{');
		outcome_json(&w, &req, out);
		if (hout) {
			mp_cli_jopen(&w, "helo", '{');
			outcome_json(&w, &hreq, hout);
			mp_cli_jclose(&w, '}');
		}
		mp_cli_jclose(&w, '}');
		mp_cli_jw_print(&w, stdout);
		mp_cli_jw_fini(&w);
	} else {
		print_text(&req, out, "");
		if (hout) {
			printf("\n");
			print_text(&hreq, hout, "helo ");
		}
	}
	rc = exit_of(out->result);
	mp_spf_eval_free(ev);
	mp_spf_eval_free(hev);
	return rc;
}

/* ---- batch ---- */

struct batch_item {
	struct mp_cli_batch_line in;    /* first: the line; fields point into it */
	char *ip, *from, *helo;
};

struct batch {
	struct batch_item *items;
	size_t n, next, done;
	struct mp_spf_eval **evs;       /* one per in-flight slot, reused */
	struct mp_spf_request *reqs;
	size_t *item_of;                /* slot -> item while running */
	size_t nslots;
	const char *slot_base;          /* the driver's slot array: client -> slot */
	size_t slot_size;
	bool json;
	struct mp_cli_jw w;             /* --json: one result at a time */
	unsigned counts[MP_SPF_PERMERROR + 1];
	const char *receiver;
	uint64_t now;
};

/* split_fields - IP FROM [HELO] separated by tabs/spaces */
static bool
split_fields(void *item)
{
	struct batch_item *it = item;
	char *f[3] = { NULL, NULL, NULL };
	size_t n = 0;
	char *p = it->in.text;

	while (*p && n < 3) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		f[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n < 2)
		return false;
	it->ip = f[0];
	it->from = f[1];
	it->helo = f[2] ? f[2] : (char *)"";
	return true;
}

/* batch_next - hand out the next evaluation */
static bool
batch_next(void *arg, struct mp_dns_client *out)
{
	struct batch *b = arg;
	struct batch_item *it;
	struct mp_spf_request *req;
	size_t slot;

	while (b->next < b->n) {
		it = &b->items[b->next];
		slot = (size_t)((const char *)out - b->slot_base) / b->slot_size;
		req = &b->reqs[slot];
		memset(req, 0, sizeof *req);
		if (!mp_spf_ip_parse(mp_str_c(it->ip), &req->ip)) {
			mp_log(MP_LOG_WARN, "spf: line %zu: bad IP '%s'", it->in.lineno, it->ip);
			b->next++;
			continue;
		}
		req->mail_from = mp_str_c(strcmp(it->from, "<>") == 0 ? "" : it->from);
		req->helo = mp_str_c(it->helo);
		req->receiver = mp_str_c(b->receiver ? b->receiver : "");
		req->now = b->now;
		if ((b->evs[slot] == NULL ? mp_spf_eval_new(req, &b->evs[slot]) :
		    mp_spf_eval_reset(b->evs[slot], req)) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		b->item_of[slot] = b->next;
		mp_spf_eval_client(b->evs[slot], out);
		b->next++;
		return true;
	}
	return false;
}

/* batch_finished - print one result and free its slot */
static void
batch_finished(void *arg, const struct mp_dns_client *c, enum mp_status st)
{
	struct batch *b = arg;
	struct mp_spf_eval *ev = c->core;
	const struct mp_spf_outcome *o = mp_spf_eval_outcome(ev);
	size_t slot = (size_t)((const char *)c - b->slot_base) / b->slot_size, item;
	char q[MP_LOG_QUOTE_MAX];

	(void)st;
	(void)ev;
	item = b->item_of[slot];
	b->counts[o->result]++;
	if (b->json) {
		mp_cli_jopen(&b->w, NULL, '{');
		outcome_json(&b->w, &b->reqs[slot], o);
		mp_cli_jint(&b->w, "line", b->items[item].in.lineno);
		mp_cli_jclose(&b->w, '}');
		mp_cli_jw_print(&b->w, stdout);
	} else {
		printf("%zu\t%s\t%s\n", b->items[item].in.lineno, mp_spf_result_name(o->result),
		    o->mechanism.len ? mp_log_quote(o->mechanism, q) : "-");
	}
	b->done++;
}

/* ---- batch driver with a shared answer cache ----
 *
 * Many evaluations of one batch ask the same questions (the same include
 * chains, the same MX hosts). Every distinct question is sent to the
 * resolver once; later askers are answered from memory, and askers of a
 * question still in flight wait for the same answer. The cache lives for
 * the batch only (TTLs are not consulted: a batch takes seconds). */

#define CACHE_BUCKETS 8192      /* power of two; a batch asks a few thousand names */
#define MAX_QS_PER_RUN 64

struct waiter {
	size_t slot;
	const struct mp_dns_question *q;
	struct waiter *next;
};

struct centry {                  /* hash and next first: one cache line per probe */
	uint64_t hash;
	struct centry *next;
	const struct mp_dns_answer *ans; /* NULL while in flight */
	struct waiter *waiters;
	struct cdriver *d;
	struct mp_dns_question q;       /* the copy submitted to the resolver */
};

struct cslot {
	struct mp_dns_client c;
	size_t outstanding;
	bool busy;
};

struct cdriver {
	struct mp_resolver *r;
	struct mp_arena arena;          /* cache entries and answers */
	struct centry **buckets;
	struct cslot *slots;
	size_t nslots, *runq, nrun;
	size_t hits, misses;
	bool (*next)(void *arg, struct mp_dns_client *out);
	void (*finished)(void *arg, const struct mp_dns_client *c, enum mp_status st);
	void *arg;
};

/* qhash - FNV-1a of type and lower-cased name */
static uint64_t
qhash(const struct mp_dns_question *q)
{
	uint64_t h = 1469598103934665603ull ^ q->type;

	for (size_t i = 0; i < q->name_len; i++) {
		h ^= mp_lower((unsigned char)q->name[i]);
		h *= 1099511628211ull;
	}
	return h;
}

/* deliver - one answer to a waiting client */
static void
deliver(struct cdriver *d, size_t slot, const struct mp_dns_question *q,
        const struct mp_dns_answer *a)
{
	struct cslot *s = &d->slots[slot];

	s->c.answer(s->c.core, q, a);
	if (--s->outstanding == 0)
		d->runq[d->nrun++] = slot;
}

/* resolved - the resolver's answer: keep it, hand it to every waiter */
static void
resolved(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct centry *e = arg;
	struct cdriver *d = e->d;
	const struct mp_dns_answer *copy = mp_dns_answer_dup(&d->arena, a);

	(void)q;
	e->ans = copy ? copy : a;       /* out of memory: answer, but do not keep */
	for (struct waiter *w = e->waiters; w != NULL; w = w->next)
		deliver(d, w->slot, w->q, e->ans);
	e->waiters = NULL;
	if (copy == NULL)
		e->ans = NULL, e->hash = 0, e->q.type = 0;
}

/* ask_cached - answer now, wait for an answer in flight, or ask */
static enum mp_status
ask_cached(struct cdriver *d, size_t slot, const struct mp_dns_question *q)
{
	uint64_t h = qhash(q);
	struct centry **b = &d->buckets[h % CACHE_BUCKETS], *e;
	struct waiter *w;

	for (e = *b; e != NULL; e = e->next)
		if (e->hash == h && e->q.type == q->type && e->q.name_len == q->name_len &&
		    mp_dns_name_eq(mp_str_make(e->q.name, e->q.name_len),
		    mp_str_make(q->name, q->name_len)))
			break;
	if (e != NULL && e->ans != NULL) {
		d->hits++;
		deliver(d, slot, q, e->ans);
		return MP_OK;
	}
	if ((w = mp_arena_alloc(&d->arena, sizeof *w)) == NULL)
		return MP_ENOMEM;
	w->slot = slot;
	w->q = q;
	if (e != NULL) {
		d->hits++;
		w->next = e->waiters;
		e->waiters = w;
		return MP_OK;
	}
	if ((e = mp_arena_zalloc(&d->arena, sizeof *e)) == NULL)
		return MP_ENOMEM;
	e->q = *q;
	e->hash = h;
	e->d = d;
	w->next = NULL;
	e->waiters = w;
	e->next = *b;
	*b = e;
	d->misses++;
	return mp_resolver_submit(d->r, &e->q, resolved, e);
}

/* run_slot - run a client whose answers are all in; ask its next questions */
static enum mp_status
run_slot(struct cdriver *d, size_t slot)
{
	struct cslot *s = &d->slots[slot];
	const struct mp_dns_question *const *qs;
	const struct mp_dns_question *copy[MAX_QS_PER_RUN];
	enum mp_status st = s->c.run(s->c.core);
	size_t n;

	if (st == MP_PENDING) {
		n = s->c.questions(s->c.core, &qs);
		if (n == 0 || n > MAX_QS_PER_RUN)
			st = MP_EINVAL;         /* a core bug: pending with nothing to ask */
	}
	if (st != MP_PENDING) {
		d->finished(d->arg, &s->c, st);
		s->busy = false;
		if (d->next(d->arg, &s->c)) {
			s->busy = true;
			d->runq[d->nrun++] = slot;
		}
		return MP_OK;
	}
	memcpy(copy, qs, n * sizeof *copy);     /* qs is borrowed until an answer */
	s->outstanding = n;
	for (size_t i = 0; i < n; i++)
		if ((st = ask_cached(d, slot, copy[i])) != MP_OK)
			return st;
	return MP_OK;
}

/* drive_cached - the batch's clients to completion, nslots at a time */
static enum mp_status
drive_cached(struct cdriver *d)
{
	enum mp_status st = MP_OK;
	size_t busy;

	for (size_t i = 0; i < d->nslots; i++)
		if (d->next(d->arg, &d->slots[i].c)) {
			d->slots[i].busy = true;
			d->runq[d->nrun++] = i;
		}
	for (;;) {
		while (d->nrun > 0)
			if ((st = run_slot(d, d->runq[--d->nrun])) != MP_OK)
				return st;
		busy = 0;
		for (size_t i = 0; i < d->nslots; i++)
			busy += d->slots[i].busy;
		if (busy == 0)
			return MP_OK;
		if (mp_resolver_pending(d->r) == 0)
			return MP_EINVAL;       /* waiting for nothing: cannot happen */
		if ((st = mp_resolver_poll(d->r, -1)) != MP_OK)
			return st;
	}
}

/* run_batch - many evaluations at once on one resolver */
static int
run_batch(const struct spf_opts *o, struct mp_resolver *r)
{
	struct batch b = { 0 };
	struct cdriver d = { 0 };
	enum mp_status st;

	/* libunbound allocates large per-query buffers; served by mmap they
	 * page-fault on every query (measured: a third of the batch's CPU).
	 * Keep them on the heap for the life of the batch. */
	mallopt(M_MMAP_THRESHOLD, 8 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	b.items = mp_cli_batch_load("spf", o->batch, "IP MAIL_FROM [HELO]", sizeof *b.items,
	                            split_fields, &b.n);
	b.json = o->json;
	mp_cli_jw_init(&b.w, true);
	b.receiver = o->receiver;
	b.now = (uint64_t)time(NULL);
	b.nslots = o->inflight ? o->inflight : 64;
	b.evs = calloc(b.nslots, sizeof *b.evs);
	b.reqs = calloc(b.nslots, sizeof *b.reqs);
	b.item_of = calloc(b.nslots, sizeof *b.item_of);
	if (!b.evs || !b.reqs || !b.item_of)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	d.r = r;
	mp_arena_init(&d.arena, (size_t)1 << 30);
	d.buckets = calloc(CACHE_BUCKETS, sizeof *d.buckets);
	d.slots = calloc(b.nslots, sizeof *d.slots);
	d.runq = calloc(b.nslots, sizeof *d.runq);
	if (!d.buckets || !d.slots || !d.runq)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	d.nslots = b.nslots;
	b.slot_base = (const char *)d.slots;
	b.slot_size = sizeof *d.slots;
	d.next = batch_next;
	d.finished = batch_finished;
	d.arg = &b;
	st = drive_cached(&d);
	if (st != MP_OK)
		mp_log(MP_LOG_WARN, "spf: batch: %s", mp_status_name(st));
	fflush(stdout);
	fprintf(stderr, "spf: %zu evaluations:", b.done);
	for (int k = 0; k <= MP_SPF_PERMERROR; k++)
		if (b.counts[k])
			fprintf(stderr, " %s %u", mp_spf_result_name((enum mp_spf_result)k), b.counts[k]);
	fprintf(stderr, "; DNS questions: %zu asked, %zu answered from the batch cache\n",
	    d.misses, d.hits);
	free(d.buckets);
	free(d.slots);
	free(d.runq);
	mp_arena_fini(&d.arena);
	for (size_t i = 0; i < b.nslots; i++)
		mp_spf_eval_free(b.evs[i]);
	for (size_t i = 0; i < b.n; i++)
		free(b.items[i].in.text);
	free(b.items);
	mp_cli_jw_fini(&b.w);
	free(b.evs);
	free(b.reqs);
	free(b.item_of);
	return st == MP_OK ? MP_EXIT_GOOD : MP_EXIT_TEMP;
}

/* lint_json - the report as one JSON object */
static void
lint_json(struct mp_cli_jw *w, const struct mp_spf_lint_report *r)
{
	mp_cli_jopen(w, NULL, '{');
	mp_cli_jstr(w, "domain", r->domain);
	mp_cli_jstr_or_null(w, "record", r->record);
	mp_cli_jint(w, "dns_lookups", r->dns_terms);
	mp_cli_jint(w, "dns_lookup_limit", MP_LIMIT_SPF_DNS_TERMS);
	mp_cli_jsint(w, "headroom", r->headroom);
	mp_cli_jint(w, "void_lookups", r->void_lookups);
	mp_cli_jint(w, "void_lookup_limit", MP_LIMIT_SPF_VOID_LOOKUPS);
	mp_cli_jbool(w, "strict_ok", r->strict_ok);
	mp_cli_jbool(w, "lenient_ok", r->lenient_ok);
	mp_cli_jint(w, "lenient_lookup_limit", MP_LIMIT_SPF_LENIENT_DNS_TERMS);
	mp_cli_jbool(w, "temporary_error", r->temporary);
	mp_cli_jopen(w, "lookups", '[');
	for (size_t i = 0; i < r->nlookups; i++) {
		const struct mp_spf_lookup *k = &r->lookups[i];

		mp_cli_jopen(w, NULL, '{');
		mp_cli_jint(w, "count", k->count);
		mp_cli_jstr(w, "domain", k->domain);
		mp_cli_jstr(w, "term", k->term);
		mp_cli_jint(w, "depth", k->depth);
		mp_cli_jbool(w, "void", k->is_void);
		mp_cli_jcstr(w, "rule", k->rule);
		mp_cli_jclose(w, '}');
	}
	mp_cli_jclose(w, ']');
	mp_cli_jopen(w, "findings", '[');
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct mp_spf_finding *f = &r->findings[i];

		mp_cli_jopen(w, NULL, '{');
		mp_cli_jcstr(w, "id", f->id);
		mp_cli_jcstr(w, "severity", mp_spf_severity_name(f->severity));
		mp_cli_jstr(w, "domain", f->domain);
		mp_cli_jstr(w, "message", f->message);
		mp_cli_jcstr(w, "rule", f->rule);
		mp_cli_jstr_or_null(w, "fix", f->fix);
		mp_cli_jclose(w, '}');
	}
	mp_cli_jclose(w, ']');
	mp_cli_jclose(w, '}');
}

/* put_safe - print s with non-printable bytes as \xHH, uncut */
static void
put_safe(struct mp_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];

		if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

/* lint_text - the report for people */
static void
lint_text(const struct mp_spf_lint_report *r)
{
	char q[MP_LOG_QUOTE_MAX];

	printf("domain: %s\n", mp_log_quote(r->domain, q));
	if (r->record.len) {
		printf("record: ");
		put_safe(r->record);
		printf("\n");
	}
	printf("dns lookups: %u of %u (headroom %d), void lookups: %u of %u\n", r->dns_terms,
	    (unsigned)MP_LIMIT_SPF_DNS_TERMS, r->headroom, r->void_lookups,
	    (unsigned)MP_LIMIT_SPF_VOID_LOOKUPS);
	printf("strict RFC 7208 limits: %s; lenient limits (%u lookups, no void limit): %s\n",
	    r->strict_ok ? "ok" : "FAIL", (unsigned)MP_LIMIT_SPF_LENIENT_DNS_TERMS,
	    r->lenient_ok ? "ok" : "FAIL");
	if (r->nlookups)
		printf("\ncounted lookups:\n");
	for (size_t i = 0; i < r->nlookups; i++) {
		const struct mp_spf_lookup *k = &r->lookups[i];

		printf("  %2u %*s%s", k->count, (int)(k->depth * 2), "", mp_log_quote(k->term, q));
		printf("  (in %s)%s\n", mp_log_quote(k->domain, q), k->is_void ? " [void]" : "");
	}
	if (r->nfindings)
		printf("\nfindings:\n");
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct mp_spf_finding *f = &r->findings[i];

		printf("  %s [%s] %s: ", mp_spf_severity_name(f->severity), f->id,
		    mp_log_quote(f->domain, q));
		put_safe(f->message);
		printf("\n      rule: %s\n", f->rule);
		if (f->fix.len) {
			printf("      fix: ");
			put_safe(f->fix);
			printf("\n");
		}
	}
	if (r->nfindings == 0)
		printf("\nno findings\n");
}

/* run_lint - --lint DOMAIN; exit 0 no errors, 1 errors, 3 DNS trouble */
static int
run_lint(const struct spf_opts *o, struct mp_resolver *r)
{
	const char *domain = o->lint;
	bool json = o->json;
	struct mp_spf_lint *l;
	struct mp_dns_client c;
	const struct mp_spf_lint_report *rep;
	int rc = MP_EXIT_GOOD;

	if (mp_spf_lint_new(mp_str_c(domain), &l) != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	if (o->mail_from != NULL || o->ip != NULL) {
		struct mp_spf_ip ip;

		/* macro-built targets are shown as evaluated for this sender */
		if (o->ip != NULL && !mp_spf_ip_parse(mp_str_c(o->ip), &ip))
			exit(mp_cli_usage_error("spf", "--ip wants an IPv4 or IPv6 address"));
		if (mp_spf_lint_set_sender(l, mp_str_c(o->mail_from ? o->mail_from : ""),
		    o->ip ? &ip : NULL) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
	}
	mp_spf_lint_client(l, &c);
	mp_dns_drive(r, &c);
	rep = mp_spf_lint_report(l);
	if (json) {
		struct mp_cli_jw w;

		mp_cli_jw_init(&w, true);
		lint_json(&w, rep);
		mp_cli_jw_print(&w, stdout);
		mp_cli_jw_fini(&w);
	} else {
		lint_text(rep);
	}
	for (size_t i = 0; i < rep->nfindings; i++)
		if (rep->findings[i].severity == MP_SPF_ERROR)
			rc = MP_EXIT_BAD;
	if (rep->temporary)
		rc = MP_EXIT_TEMP;
	mp_spf_lint_free(l);
	return rc;
}

/* mp_cli_spf - parse options and delegate */
int
mp_cli_spf(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "mail-from", required_argument, NULL, OPT_MAIL_FROM },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "receiver", required_argument, NULL, OPT_RECEIVER },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "lint", required_argument, NULL, OPT_LINT },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "inflight", required_argument, NULL, OPT_INFLIGHT },
		{ "help", no_argument, NULL, OPT_HELP },
		MP_CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct spf_opts o = { 0 };
	struct mp_resolver *r;
	struct mp_zone *zone;
	uint64_t v;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_IP: o.ip = optarg; break;
		case OPT_MAIL_FROM: o.mail_from = optarg; break;
		case OPT_HELO: o.helo = optarg; break;
		case OPT_RECEIVER: o.receiver = optarg; break;
		case OPT_JSON: o.json = true; break;
		case OPT_LINT: o.lint = optarg; break;
		case OPT_BATCH: o.batch = optarg; break;
		case OPT_INFLIGHT:
			if (!mp_parse_u64(mp_str_c(optarg), 65536, &v) || v == 0)
				return mp_cli_usage_error("spf", "--inflight wants 1-65536");
			o.inflight = (size_t)v;
			break;
		case OPT_HELP:
		case 'h':
			fputs(usage_text, stdout);
			return MP_EXIT_GOOD;
		default:
			if (mp_cli_dns_opt(&o.dns, opt, optarg))
				break;
			fputs(usage_text, stderr);
			return MP_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return mp_cli_usage_error("spf", "unexpected argument '%s'", argv[optind]);
	if (!o.lint && !o.batch && (o.ip == NULL || o.mail_from == NULL))
		return mp_cli_usage_error("spf", "--ip and --mail-from are required (see --help)");
	if (o.mail_from && strcmp(o.mail_from, "<>") == 0)
		o.mail_from = "";
	if (!o.lint && o.mail_from && o.mail_from[0] == '\0' && o.helo == NULL)
		return mp_cli_usage_error("spf", "a null MAIL FROM needs --helo (postmaster@HELO is checked)");
	r = mp_cli_resolver(&o.dns, &zone);
	if (o.lint)
		rc = run_lint(&o, r);
	else if (o.batch)
		rc = run_batch(&o, r);
	else
		rc = run_one(&o, r);
	mp_resolver_free(r);
	mp_zone_free(zone);
	return rc;
}
