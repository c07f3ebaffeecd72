/* cli_verify.c - `mailproof verify`: SPF, DKIM and DMARC for one message
 * (printing the Authentication-Results field, or --json details), or for a
 * batch of messages with many DNS questions in flight, printed as JSON Lines
 * in input order. Limits met by a message are results, not usage errors.
 * Exit (one message): 0 DMARC pass, 1 fail/none/permerror, 3 temperror,
 * 2 usage; batch: 0 unless the run itself failed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <sys/mman.h>
#endif

#include <mailproof/dmarc.h>
#include <mailproof/log.h>
#include <mailproof/verify.h>

#include "cli.h"

enum {
	OPT_IP = MP_OPT_FIRST_FREE, OPT_HELO, OPT_MAIL_FROM, OPT_AUTHSERV, OPT_JSON, OPT_BATCH,
	OPT_INFLIGHT, OPT_MODE, OPT_PSL, OPT_DKIM_LENGTH, OPT_HELP,
};

#define MSG_MAX (64u << 20)   /* own: bytes read of one message file */

static const char usage_text[] =
	"usage: mailproof verify [--ip IP] [--helo HOST] [--mail-from ADDR]\n"
	"                        [--authserv-id ID] [--json] [options] [FILE|-]\n"
	"       mailproof verify --batch MANIFEST [--json] [options]\n"
	"Verify SPF (MAIL FROM and HELO), every DKIM signature and DMARC for a\n"
	"message and print its Authentication-Results field (--json: details).\n"
	"MANIFEST: one message per line, 'path<TAB>ip<TAB>helo<TAB>mail_from'\n"
	"('<>' or empty for a null MAIL FROM); JSON Lines out, in input order.\n"
	"Exit: 0 DMARC pass, 1 fail/none/permerror, 3 temperror, 2 usage.\n\n"
	"  --ip IP             SMTP client address (without it SPF is none)\n"
	"  --helo HOST         HELO/EHLO name\n"
	"  --mail-from ADDR    MAIL FROM reverse-path ('<>' = null)\n"
	"  --authserv-id ID    authserv-id of the A-R field (default localhost)\n"
	"  --json              JSON object (JSON Lines with --batch)\n"
	"  --batch MANIFEST    verify many messages ('-' = stdin)\n"
	"  --inflight N        batch: messages in progress at once (default 64)\n"
	"  --dmarc-mode M      9989 (DNS tree walk, default), 7489 (public suffix\n"
	"                      list, pct= honoured) or compare (report differences)\n"
	"  --psl FILE          public suffix list for 7489/compare (default: system)\n"
	"  --dkim-length P     a signature with l= that leaves body unsigned: accept,\n"
	"                      flag (default: may pass, flagged) or reject (policy)\n"
	MP_CLI_DNS_USAGE;

struct verify_opts {
	const char *ip, *helo, *mail_from, *authserv, *batch, *psl, *file;
	bool json;
	size_t inflight;
	enum mp_dmarc_mode mode;
	enum mp_dkim_length_policy dkim_length;
	struct mp_cli_dns_opts dns;
};

/* ---- JSON (the writer is in cli_batch.c) ---- */

/* why_json - reason token and text */
static void
why_json(struct mp_cli_jw *w, const struct mp_why *why)
{
	if (why->reason) {
		mp_cli_jcstr(w, "reason", mp_reason_token(why->reason));
		mp_cli_jcstr(w, "reason_text", why->text);
	} else {
		mp_cli_jnull(w, "reason");
		mp_cli_jnull(w, "reason_text");
	}
}

/* spf_json - one SPF outcome */
static void
spf_json(struct mp_cli_jw *w, const char *name, const struct mp_spf_outcome *o,
         const struct mp_dmarc_verdict *d)
{
	mp_cli_jopen(w, name, '{');
	mp_cli_jcstr(w, "result", mp_spf_result_name(o->result));
	mp_cli_jcstr(w, "identity", o->identity == MP_SPF_ID_HELO ? "helo" : "mailfrom");
	mp_cli_jstr(w, "sender", o->sender);
	mp_cli_jstr(w, "domain", o->domain);
	mp_cli_jstr_or_null(w, "mechanism", o->mechanism);
	why_json(w, &o->why);
	if (d != NULL)
		mp_cli_jbool(w, "aligned", d->spf_aligned);
	mp_cli_jclose(w, '}');
}

/* dkim_json - every signature, with its alignment */
static void
dkim_json(struct mp_cli_jw *w, const struct mp_verify_result *r)
{
	const struct mp_dmarc_verdict *d = r->dmarc;
	size_t k = 0;

	mp_cli_jopen(w, "dkim", '[');
	for (size_t i = 0; i < r->ndkim; i++) {
		const struct mp_dkim_sig_result *s = r->dkim[i];

		mp_cli_jopen(w, NULL, '{');
		mp_cli_jcstr(w, "result", mp_dkim_result_name(s->result));
		mp_cli_jstr(w, "domain", s->d);
		mp_cli_jstr(w, "selector", s->s);
		mp_cli_jstr_or_null(w, "algorithm", s->a);
		mp_cli_jint(w, "key_bits", s->key_bits);
		mp_cli_jcstr(w, "b", s->b8);
		why_json(w, &s->why);
		if (s->evaluated && d != NULL && k < d->ndkim)
			mp_cli_jbool(w, "aligned", d->dkim[k++].aligned);
		mp_cli_jclose(w, '}');
	}
	mp_cli_jclose(w, ']');
}

/* found_json - one discovery method (compare mode) */
static void
found_json(struct mp_cli_jw *w, const char *name, const struct mp_dmarc_found *f)
{
	mp_cli_jopen(w, name, '{');
	mp_cli_jbool(w, "found", f->found);
	mp_cli_jbool(w, "temperror", f->temperror);
	mp_cli_jstr_or_null(w, "policy_domain", f->policy_domain);
	mp_cli_jstr_or_null(w, "org_domain", f->org_domain);
	mp_cli_jbool(w, "psd", f->psd);
	mp_cli_jclose(w, '}');
}

/* dmarc_json - the verdict */
static void
dmarc_json(struct mp_cli_jw *w, const struct mp_dmarc_verdict *d)
{
	const struct mp_dmarc_discovery *disc = d->discovery;

	mp_cli_jopen(w, "dmarc", '{');
	mp_cli_jcstr(w, "result", mp_dmarc_result_name(d->result));
	if (d->policy)
		mp_cli_jcstr(w, "policy", mp_dmarc_policy_name(d->policy));
	else
		mp_cli_jnull(w, "policy");
	if (d->policy_tag[0])
		mp_cli_jcstr(w, "policy_tag", d->policy_tag);
	else
		mp_cli_jnull(w, "policy_tag");
	mp_cli_jcstr(w, "disposition", mp_dmarc_policy_name(d->disposition ? d->disposition
	                                                            : MP_DMARC_POLICY_NONE));
	mp_cli_jstr_or_null(w, "domain", d->domain);
	mp_cli_jstr_or_null(w, "policy_domain", d->policy_domain);
	why_json(w, &d->why);
	mp_cli_jbool(w, "spf_aligned", d->spf_aligned);
	mp_cli_jbool(w, "dkim_aligned", d->dkim_aligned);
	if (d->record != NULL) {
		mp_cli_jstr(w, "record", d->record->text);
		mp_cli_jcstr(w, "adkim", d->adkim == MP_DMARC_STRICT ? "s" : "r");
		mp_cli_jcstr(w, "aspf", d->aspf == MP_DMARC_STRICT ? "s" : "r");
		mp_cli_jbool(w, "testing", d->testing);
		mp_cli_jbool(w, "sampled_out", d->sampled_out);
	}
	if (disc != NULL) {
		mp_cli_jcstr(w, "mode", mp_dmarc_mode_name(disc->mode));
		mp_cli_jstr_or_null(w, "org_domain", disc->applied.org_domain);
		mp_cli_jint(w, "dns_queries", disc->nqueries);
		if (disc->mode == MP_DMARC_MODE_COMPARE) {
			mp_cli_jopen(w, "compare", '{');
			mp_cli_jbool(w, "differs", disc->differs);
			found_json(w, "rfc9989", &disc->rfc9989);
			found_json(w, "rfc7489", &disc->rfc7489);
			if (disc->differs)
				mp_cli_jcstr(w, "reason_text", disc->compare_why.text);
			else
				mp_cli_jnull(w, "reason_text");
			mp_cli_jclose(w, '}');
		}
	}
	mp_cli_jclose(w, '}');
}

/* from_json - the author and the other identities (reported only) */
static void
from_json(struct mp_cli_jw *w, const struct mp_verify_result *r)
{
	mp_cli_jopen(w, "from", '{');
	if (r->has_author) {
		mp_cli_jstr(w, "address", r->author.addr_spec);
		mp_cli_jstr(w, "domain", r->author.domain_lc);
		mp_cli_jstr(w, "display", r->author.display);
	} else {
		mp_cli_jnull(w, "address");
		mp_cli_jnull(w, "domain");
		mp_cli_jnull(w, "display");
	}
	mp_cli_jbool(w, "display_has_address", r->has_author && r->author.display_has_addr);
	mp_cli_jint(w, "fields", r->nfrom);
	why_json(w, &r->from_why);
	mp_cli_jopen(w, "other_identities", '[');
	for (size_t i = 0; i < r->nothers; i++) {
		mp_cli_jopen(w, NULL, '{');
		mp_cli_jstr(w, "field", r->others[i].field);
		mp_cli_jstr_or_null(w, "address", r->others[i].addr_spec);
		mp_cli_jstr_or_null(w, "domain", r->others[i].domain);
		mp_cli_jbool(w, "differs", r->others[i].differs);
		mp_cli_jclose(w, '}');
	}
	mp_cli_jclose(w, ']');
	mp_cli_jclose(w, '}');
}

/* result_json - the members of one message's result (inside an open object) */
static void
result_json(struct mp_cli_jw *w, const struct mp_verify_result *r)
{
	if (r->spf != NULL) {
		spf_json(w, "spf", r->spf, r->dmarc);
	} else {
		mp_cli_jopen(w, "spf", '{');
		mp_cli_jcstr(w, "result", "none");
		why_json(w, &r->spf_why);
		mp_cli_jclose(w, '}');
	}
	if (r->spf_helo)
		spf_json(w, "spf_helo", r->spf_helo, NULL);
	else
		mp_cli_jnull(w, "spf_helo");
	dkim_json(w, r);
	if (r->dkim_why.reason) {
		mp_cli_jopen(w, "dkim_error", '{');
		why_json(w, &r->dkim_why);
		mp_cli_jclose(w, '}');
	}
	if (r->dmarc)
		dmarc_json(w, r->dmarc);
	else
		mp_cli_jnull(w, "dmarc");
	from_json(w, r);
	if (r->msg_why.reason) {
		mp_cli_jopen(w, "message_error", '{');
		why_json(w, &r->msg_why);
		mp_cli_jclose(w, '}');
	}
	mp_cli_jstr(w, "authentication_results", r->authres);
}

/* envelope - from option strings; false on a bad IP */
static bool
envelope(struct mp_verify_envelope *env, const char *ip, const char *helo, const char *from)
{
	memset(env, 0, sizeof *env);
	if (ip != NULL && ip[0] != '\0') {
		if (!mp_spf_ip_parse(mp_str_c(ip), &env->ip))
			return false;
		env->has_ip = true;
	}
	env->helo = mp_str_c(helo ? helo : "");
	env->mail_from = mp_str_c(from && strcmp(from, "<>") != 0 ? from : "");
	return true;
}

/* feed_file - read path ("-": stdin) into v; false with errno on failure.
 * Plain read(2) into one buffer: no stdio stream (allocation, fstat) per
 * message in a batch. */
static bool
feed_file(struct mp_verify *v, const char *path)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	size_t total = 0;
	ssize_t n;
	bool ok = true;

	if (fd < 0)
		return false;
	while (total < MSG_MAX && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ok = false;
			break;
		}
		total += (size_t)n;
		if (mp_verify_feed(v, buf, (size_t)n) != MP_OK) {
			ok = false;
			errno = ENOMEM;
			break;
		}
	}
	if (fd != STDIN_FILENO) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return ok;
}

/* exit_of - exit status of one verdict */
static int
exit_of(const struct mp_verify_result *r)
{
	if (r->dmarc == NULL)
		return MP_EXIT_TEMP;
	if (r->dmarc->result == MP_DMARC_PASS)
		return MP_EXIT_GOOD;
	return r->dmarc->result == MP_DMARC_TEMPERROR ? MP_EXIT_TEMP : MP_EXIT_BAD;
}

/* run_one - one message */
static int
run_one(const struct verify_opts *o, const struct mp_verify_opts *vo, struct mp_resolver *r)
{
	struct mp_verify_envelope env;
	struct mp_verify *v;
	struct mp_dns_client c;
	const struct mp_verify_result *res;
	int rc;

	if (!envelope(&env, o->ip, o->helo, o->mail_from))
		return mp_cli_usage_error("verify", "--ip wants an IPv4 or IPv6 address, not '%s'",
		                          o->ip);
	if ((v = mp_verify_new(vo)) == NULL || mp_verify_start(v, &env) != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "verify: out of memory");
	if (!feed_file(v, o->file ? o->file : "-")) {
		mp_verify_free(v);
		return mp_cli_usage_error("verify", "cannot read %s: %s", o->file ? o->file : "stdin",
		                          strerror(errno));
	}
	if (mp_verify_end(v) != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "verify: out of memory");
	c = mp_verify_client(v);
	if (mp_dns_drive(r, &c) != MP_OK || (res = mp_verify_result(v)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "verify: DNS driver failed");
	if (o->json) {
		struct mp_cli_jw w;
		mp_cli_jw_init(&w, false);
		mp_cli_jopen(&w, NULL, '{');
		result_json(&w, res);
		mp_cli_jclose(&w, '}');
		mp_cli_jw_print(&w, stdout);
		mp_cli_jw_fini(&w);
	} else {
		printf("Authentication-Results: %.*s\n", (int)res->authres.len, res->authres.ptr);
	}
	rc = exit_of(res);
	mp_verify_free(v);
	return rc;
}

/* ---- batch ---- */

struct item {
	struct mp_cli_batch_line in; /* first: the manifest line; fields point into it */
	char *path, *ip, *helo, *from;
	char *out;                  /* rendered result, until printed */
};

/* bslot - one message in progress, as the DNS driver sees it */
struct bslot {
	size_t slot;
	struct mp_verify *v;
	bool fresh;                 /* run once already: its questions are ready */
};

struct batch {
	const struct verify_opts *o;
	const struct mp_verify_opts *vo;
	struct item *items;
	size_t n, next, printed;
	struct bslot *slots;
	size_t *item_of, nslots;
	size_t *free_slots, nfree;
	unsigned long counts[MP_DMARC_PERMERROR + 1];
	uint64_t rng;
	struct mp_cli_jw w;         /* renders one result at a time */
};

/* split_tsv - path ip helo mail_from; missing trailing fields are empty */
static bool
split_tsv(void *item)
{
	struct item *it = item;
	char *line = it->in.text;
	char *f[4] = { line, NULL, NULL, NULL };
	size_t n = 1;

	for (char *p = line; *p && n < 4; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	it->path = f[0];
	it->ip = f[1] ? f[1] : (char *)"";
	it->helo = f[2] ? f[2] : (char *)"";
	it->from = f[3] ? f[3] : (char *)"";
	return it->path[0] != '\0';
}

/* flush - print finished results in input order */
static void
flush(struct batch *b)
{
	while (b->printed < b->n && b->items[b->printed].out != NULL) {
		fputs(b->items[b->printed].out, stdout);
		free(b->items[b->printed].out);
		b->items[b->printed].out = NULL;
		free(b->items[b->printed].in.text);
		b->items[b->printed].in.text = NULL;
		b->printed++;
	}
}

/* rendered - item i's line is in b->w: printed at once when it is next in
 * input order (no copy), else kept until it is */
static void
rendered(struct batch *b, size_t i)
{
	struct item *it = &b->items[i];

	if (i != b->printed) {
		it->out = mp_cli_jw_line(&b->w);
		return;
	}
	mp_cli_jw_print(&b->w, stdout);
	free(it->in.text);
	it->in.text = NULL;
	b->printed++;
}

/* error_line - an input that could not be verified (bad IP, unreadable) */
static void
error_line(struct batch *b, size_t i, const char *what)
{
	const struct item *it = &b->items[i];

	mp_cli_jopen(&b->w, NULL, '{');
	mp_cli_jcstr(&b->w, "path", it->path);
	mp_cli_jint(&b->w, "line", it->in.lineno);
	mp_cli_jcstr(&b->w, "error", what);
	mp_cli_jclose(&b->w, '}');
	rendered(b, i);
}

/* roll - RFC 7489 pct sampling, 0..99 (xorshift; not for security) */
static unsigned
roll(struct batch *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return (unsigned)(b->rng % 100);
}

/* render - the result of the message in slot (st: how its run ended) */
static void
render(struct batch *b, size_t slot, enum mp_status st)
{
	struct item *it = &b->items[b->item_of[slot]];
	const struct mp_verify_result *r = mp_verify_result(b->slots[slot].v);

	if (st != MP_OK || r == NULL) {
		error_line(b, b->item_of[slot], mp_status_name(st));
		return;
	}
	b->counts[r->dmarc ? r->dmarc->result : MP_DMARC_TEMPERROR]++;
	mp_cli_jopen(&b->w, NULL, '{');
	if (b->o->json) {
		result_json(&b->w, r);
		mp_cli_jcstr(&b->w, "path", it->path);
		mp_cli_jint(&b->w, "line", it->in.lineno);
	} else {
		mp_cli_jcstr(&b->w, "path", it->path);
		mp_cli_jcstr(&b->w, "dmarc", r->dmarc ? mp_dmarc_result_name(r->dmarc->result)
		                               : "temperror");
	}
	mp_cli_jclose(&b->w, '}');
	rendered(b, b->item_of[slot]);
}

/* slot_run - the verify client's run(), except the first call after
 * batch_next already ran it (nothing answered since: still pending) */
static enum mp_status
slot_run(void *core)
{
	struct bslot *s = core;
	struct mp_dns_client c = mp_verify_client(s->v);

	if (s->fresh) {
		s->fresh = false;
		return MP_PENDING;
	}
	return c.run(c.core);
}

static size_t
slot_questions(void *core, const struct mp_dns_question *const **qs)
{
	struct bslot *s = core;
	struct mp_dns_client c = mp_verify_client(s->v);

	return c.questions(c.core, qs);
}

static enum mp_status
slot_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct bslot *s = core;
	struct mp_dns_client c = mp_verify_client(s->v);

	return c.answer(c.core, q, a);
}

/* batch_next - the next message, fed and ready to drive */
static bool
batch_next(void *arg, struct mp_dns_client *out)
{
	struct batch *b = arg;

	while (b->next < b->n) {
		struct item *it = &b->items[b->next];
		size_t slot = b->free_slots[b->nfree - 1];
		struct mp_verify_envelope env;
		struct mp_verify *v;
		struct mp_dns_client c;
		enum mp_status st;

		if (!envelope(&env, it->ip, it->helo, it->from)) {
			error_line(b, b->next, "bad IP address");
			b->next++;
			continue;
		}
		if (b->slots[slot].v == NULL) {
			struct mp_verify_opts vo = *b->vo;
			vo.dmarc.pct_roll = roll(b);
			if ((b->slots[slot].v = mp_verify_new(&vo)) == NULL)
				mp_fatal(MP_EXIT_TEMP, "out of memory");
			b->slots[slot].slot = slot;
		}
		v = b->slots[slot].v;
		if (mp_verify_start(v, &env) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		if (!feed_file(v, it->path)) {
			error_line(b, b->next, strerror(errno));
			b->next++;
			continue;
		}
		if (mp_verify_end(v) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		b->item_of[slot] = b->next++;
		/* run it now: when the run's cache answers everything (most
		 * messages once the domains are known) it is done here, in memory
		 * still warm, and the slot is used again for the next message
		 * instead of every slot being filled before any runs */
		c = mp_verify_client(v);
		if ((st = c.run(c.core)) != MP_PENDING) {
			render(b, slot, st);
			flush(b);
			continue;
		}
		b->nfree--;
		b->slots[slot].fresh = true;
		*out = (struct mp_dns_client){ &b->slots[slot], slot_run, slot_questions, slot_answer };
		return true;
	}
	flush(b);
	return false;
}

/* batch_finished - render one result; print what is in order */
static void
batch_finished(void *arg, const struct mp_dns_client *c, enum mp_status st)
{
	struct batch *b = arg;
	size_t slot = ((struct bslot *)c->core)->slot;

	render(b, slot, st);
	b->free_slots[b->nfree++] = slot;
	flush(b);
}

/* heap_hugepages - batch mode: the heap grows into a top of HEAP_PAD bytes
 * that the kernel may back with transparent huge pages. Hundreds of
 * messages in flight each touch ~90 KB of fresh memory (parser, DKIM, SPF
 * and result arenas); in 4 KB pages every first touch is a page fault,
 * measured here at ~7 us each, a quarter of the run's CPU. Best effort:
 * without glibc, THP or the room, nothing changes. */
#define HEAP_PAD (64u << 20)   /* own: heap top asked for at once (batch) */
#define HUGE_PAGE (2u << 20)

static void
heap_hugepages(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	uintptr_t lo, hi;
	void *p;

	/* big blocks from the heap too, no trimming of the padded top */
	if (mallopt(M_MMAP_THRESHOLD, (int)(HEAP_PAD / 2)) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, (int)(HEAP_PAD * 2)) != 1 ||
	    mallopt(M_TOP_PAD, (int)HEAP_PAD) != 1)
		return;
	lo = (uintptr_t)sbrk(0);
	if ((p = malloc(HUGE_PAGE)) == NULL)    /* grows the heap by the pad */
		return;
	free(p);
	hi = (uintptr_t)sbrk(0);
	lo = (lo + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	hi &= ~(uintptr_t)(HUGE_PAGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}

/* run_batch - many messages at once on one resolver */
static int
run_batch(const struct verify_opts *o, const struct mp_verify_opts *vo, struct mp_resolver *r)
{
	struct batch b = { .o = o, .vo = vo };
	struct mp_dns_multi m = { 0 };
	enum mp_status st;

	struct mp_verify_opts bvo = *vo;
	uint64_t hits, stored;

	/* answers repeat across a batch: keep them for the run (TTL honoured) */
	if ((bvo.dns_cache = mp_verify_cache_new(0)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	b.vo = &bvo;
	mp_cli_jw_init(&b.w, false);
	/* JSON Lines of ~1.5 KB each: write them in 64 KB blocks, not 4 KB */
	setvbuf(stdout, NULL, _IOFBF, 1u << 16);
	b.items = mp_cli_batch_load("verify", o->batch, "path<TAB>ip<TAB>helo<TAB>mail_from",
	                            sizeof *b.items, split_tsv, &b.n);
	b.rng = (uint64_t)time(NULL) | 1;
	b.nslots = o->inflight ? o->inflight : 64;
	b.slots = calloc(b.nslots, sizeof *b.slots);
	b.item_of = calloc(b.nslots, sizeof *b.item_of);
	b.free_slots = calloc(b.nslots, sizeof *b.free_slots);
	if (!b.slots || !b.item_of || !b.free_slots)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	for (size_t i = 0; i < b.nslots; i++)
		b.free_slots[b.nfree++] = b.nslots - 1 - i;
	m.resolver = r;
	m.max_clients = b.nslots;
	m.next = batch_next;
	m.finished = batch_finished;
	m.arg = &b;
	st = mp_dns_drive_many(&m);
	flush(&b);
	fflush(stdout);
	if (st != MP_OK)
		mp_log(MP_LOG_WARN, "verify: batch: %s", mp_status_name(st));
	fprintf(stderr, "verify: %zu messages:", b.printed);
	for (int k = 0; k <= MP_DMARC_PERMERROR; k++)
		if (b.counts[k])
			fprintf(stderr, " dmarc=%s %lu", mp_dmarc_result_name((enum mp_dmarc_result)k),
			        b.counts[k]);
	mp_verify_cache_stats(bvo.dns_cache, &hits, &stored);
	fprintf(stderr, "; DNS answers: %llu from the run's cache, %llu stored\n",
	        (unsigned long long)hits, (unsigned long long)stored);
	for (size_t i = 0; i < b.nslots; i++)
		mp_verify_free(b.slots[i].v);
	mp_verify_cache_free(bvo.dns_cache);
	for (size_t i = 0; i < b.n; i++) {
		free(b.items[i].in.text);
		free(b.items[i].out);
	}
	free(b.items);
	free(b.slots);
	free(b.item_of);
	free(b.free_slots);
	mp_cli_jw_fini(&b.w);
	return st == MP_OK ? MP_EXIT_GOOD : MP_EXIT_TEMP;
}

/* parse_args - options into o; -1 to go on, else an exit status */
static int
parse_args(int argc, char **argv, struct verify_opts *o)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "mail-from", required_argument, NULL, OPT_MAIL_FROM },
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "inflight", required_argument, NULL, OPT_INFLIGHT },
		{ "dmarc-mode", required_argument, NULL, OPT_MODE },
		{ "psl", required_argument, NULL, OPT_PSL },
		{ "dkim-length", required_argument, NULL, OPT_DKIM_LENGTH },
		{ "help", no_argument, NULL, OPT_HELP },
		MP_CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_IP: o->ip = optarg; break;
		case OPT_HELO: o->helo = optarg; break;
		case OPT_MAIL_FROM: o->mail_from = optarg; break;
		case OPT_AUTHSERV: o->authserv = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_BATCH: o->batch = optarg; break;
		case OPT_PSL: o->psl = optarg; break;
		case OPT_DKIM_LENGTH:
			if (!mp_dkim_length_policy_parse(mp_str_c(optarg), &o->dkim_length))
				return mp_cli_usage_error("verify", "--dkim-length wants accept, flag or reject");
			break;
		case OPT_INFLIGHT:
			if (!mp_parse_u64(mp_str_c(optarg), 65536, &n) || n == 0)
				return mp_cli_usage_error("verify", "--inflight wants 1-65536");
			o->inflight = (size_t)n;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "9989") == 0)
				o->mode = MP_DMARC_MODE_9989;
			else if (strcmp(optarg, "7489") == 0)
				o->mode = MP_DMARC_MODE_7489;
			else if (strcmp(optarg, "compare") == 0)
				o->mode = MP_DMARC_MODE_COMPARE;
			else
				return mp_cli_usage_error("verify", "--dmarc-mode wants 9989, 7489 or compare");
			break;
		case OPT_HELP:
		case 'h':
			fputs(usage_text, stdout);
			return MP_EXIT_GOOD;
		default:
			if (mp_cli_dns_opt(&o->dns, opt, optarg))
				break;
			fputs(usage_text, stderr);
			return MP_EXIT_USAGE;
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		return mp_cli_usage_error("verify", "unexpected argument '%s'", argv[optind]);
	if (o->batch && o->file)
		return mp_cli_usage_error("verify", "--batch and a FILE cannot be combined");
	return -1;
}

/* mp_cli_verify - parse options and delegate */
int
mp_cli_verify(int argc, char **argv)
{
	struct verify_opts o = { 0 };
	struct mp_verify_opts vo = { 0 };
	struct mp_dmarc_psl *psl = NULL;
	struct mp_resolver *r;
	struct mp_zone *zone;
	struct mp_why why;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if (o.batch)
		heap_hugepages();
	if (o.mode != MP_DMARC_MODE_9989 || o.psl != NULL) {
		if ((psl = mp_dmarc_psl_load(o.psl, &why)) == NULL)
			mp_fatal(MP_EXIT_USAGE, "verify: %s", why.text);
	}
	vo.authserv_id = mp_str_c(o.authserv ? o.authserv : "localhost");
	vo.dmarc.mode = o.mode;
	vo.dkim_length = o.dkim_length;
	vo.dmarc.psl = psl;
	vo.dmarc.pct_roll = (unsigned)(time(NULL) % 100);
	if ((vo.keys = mp_dkim_key_cache_new(0)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	r = mp_cli_resolver(&o.dns, &zone);
	rc = o.batch ? run_batch(&o, &vo, r) : run_one(&o, &vo, r);
	mp_resolver_free(r);
	mp_zone_free(zone);
	mp_dkim_key_cache_free(vo.keys);
	mp_dmarc_psl_free(psl);
	return rc;
}
