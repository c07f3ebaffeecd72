/* cli_check.c - `mailproof check`: is this domain protected? (issue 6)
 *
 * Translates options, drives struct mp_check (library, src/check/) through
 * the resolver the DNS options ask for, and prints: a human report (colour
 * only on a terminal), --json, --html FILE, or with --bulk JSON Lines for
 * any number of domains with many in flight from one thread
 * (mp_dns_drive_many), a progress bar on a terminal's stderr and a summary.
 * Memory is bounded by --concurrency, not by the input's length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <mailproof/check.h>
#include <mailproof/dmarc.h>
#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/log.h>

#include "cli.h"

enum {
	OPT_JSON = MP_OPT_FIRST_FREE,
	OPT_HTML,
	OPT_BULK,
	OPT_ORDERED,
	OPT_CONCURRENCY,
	OPT_QPS,
	OPT_WINDOW,
	OPT_SELECTORS,
	OPT_ONLY_SELECTORS,
	OPT_DKIM_PROBE,
	OPT_NO_FCRDNS,
	OPT_NO_PROGRESS,
	OPT_PROBE_LABEL,
	OPT_PSL,
	OPT_NO_PSL,
	OPT_HELP,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "bulk", required_argument, NULL, OPT_BULK },
	{ "ordered", no_argument, NULL, OPT_ORDERED },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "qps", required_argument, NULL, OPT_QPS },
	{ "max-queries", required_argument, NULL, OPT_WINDOW },
	{ "selectors", required_argument, NULL, OPT_SELECTORS },
	{ "only-selectors", no_argument, NULL, OPT_ONLY_SELECTORS },
	{ "dkim-probe", required_argument, NULL, OPT_DKIM_PROBE },
	{ "no-fcrdns", no_argument, NULL, OPT_NO_FCRDNS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "probe-label", required_argument, NULL, OPT_PROBE_LABEL },
	{ "psl", required_argument, NULL, OPT_PSL },
	{ "no-psl", no_argument, NULL, OPT_NO_PSL },
	{ "help", no_argument, NULL, OPT_HELP },
	MP_CLI_DNS_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"usage: mailproof check [OPTIONS] DOMAIN...\n"
	"       mailproof check --bulk FILE|- [OPTIONS]\n"
	"\n"
	"Is the domain protected against spoofing? Checks SPF, DMARC, DKIM keys,\n"
	"MX, MTA-STS, TLS-RPT, BIMI and DANE, and prints the records that fix\n"
	"what is wrong. Rules: docs/check.md.\n"
	"\n"
	"  --json              one JSON object per domain (docs/check-schema.json)\n"
	"  --html FILE         also write a self-contained HTML report to FILE\n"
	"  --bulk FILE|-       domains from FILE (one per line), JSON Lines out\n"
	"  --ordered           bulk: print in input order (default: as completed)\n"
	"  --concurrency N     bulk: domains in flight (default 500)\n"
	"  --qps N             bulk: at most about N DNS queries per second\n"
	"  --max-queries N     bulk: DNS questions in flight at most (default 500)\n"
	"  --selectors A,B     DKIM selectors to probe besides the built-in list\n"
	"  --only-selectors    probe only the --selectors ones\n"
	"  --dkim-probe all|likely\n"
	"                      all: every selector at once (default for DOMAIN...);\n"
	"                      likely (default for --bulk): the provider's selectors\n"
	"                      (from MX and SPF) or default/dkim/mail first, the\n"
	"                      rest of the list only when those have no key\n"
	"  --no-fcrdns         skip reverse DNS of MX addresses\n"
	"  --no-progress       no progress bar on stderr\n"
	"  --psl FILE          public suffix list for the RFC 7489 comparison\n"
	"                      (default: the system's); --no-psl skips it\n"
	MP_CLI_DNS_USAGE
	"\n"
	"Exit status: 0 all protected, 1 some at risk or not protected,\n"
	"2 usage error, 3 DNS failures kept some answers unknown.\n";

struct opts {
	bool json, ordered, progress, no_psl, probe_set;
	const char *html, *bulk, *psl;
	size_t concurrency;
	uint64_t qps, window;
	struct mp_check_opts check;
	struct mp_str sels[MP_LIMIT_CHECK_SELECTORS];
	struct mp_cli_dns_opts dns;
};

/* parse_selectors - "a,b,c" into o->sels */
static bool
parse_selectors(struct opts *o, const char *arg)
{
	struct mp_str s = mp_str_c(arg);
	size_t start = 0;

	for (size_t i = 0; i <= s.len; i++) {
		if (i < s.len && s.ptr[i] != ',')
			continue;
		if (i > start) {
			if (o->check.nselectors >= MP_LIMIT_CHECK_SELECTORS)
				return false;
			o->sels[o->check.nselectors++] = mp_str_make(s.ptr + start, i - start);
		}
		start = i + 1;
	}
	o->check.selectors = o->sels;
	return true;
}

/* parse_opts - argv into o; returns optind or -1 after a usage error */
static int
parse_opts(struct opts *o, int argc, char **argv, int *rc)
{
	uint64_t v;
	int c;

	o->concurrency = 500;
	/* half of a resolver's usual per-client limit (unbound's wait-limit,
	 * 1000): it also counts our retransmissions and the questions it is
	 * still working on after we gave up, and drops what is over it */
	o->window = 500;
	o->progress = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: o->json = true; break;
		case OPT_HTML: o->html = optarg; break;
		case OPT_BULK: o->bulk = optarg; break;
		case OPT_ORDERED: o->ordered = true; break;
		case OPT_CONCURRENCY:
			if (!mp_parse_u64(mp_str_c(optarg), MP_LIMIT_CHECK_CONCURRENCY, &v) || v == 0) {
				*rc = mp_cli_usage_error("check", "--concurrency wants 1-%d",
				    MP_LIMIT_CHECK_CONCURRENCY);
				return -1;
			}
			o->concurrency = (size_t)v;
			break;
		case OPT_QPS:
			if (!mp_parse_u64(mp_str_c(optarg), 10000000, &o->qps) || o->qps == 0) {
				*rc = mp_cli_usage_error("check", "--qps wants a positive number");
				return -1;
			}
			break;
		case OPT_WINDOW:
			if (!mp_parse_u64(mp_str_c(optarg), MP_LIMIT_DNS_INFLIGHT, &o->window) ||
			    o->window == 0) {
				*rc = mp_cli_usage_error("check", "--max-queries wants 1-%d",
				    MP_LIMIT_DNS_INFLIGHT);
				return -1;
			}
			break;
		case OPT_SELECTORS:
			if (!parse_selectors(o, optarg)) {
				*rc = mp_cli_usage_error("check", "too many selectors (at most %d)",
				    MP_LIMIT_CHECK_SELECTORS);
				return -1;
			}
			break;
		case OPT_ONLY_SELECTORS: o->check.no_builtin_selectors = true; break;
		case OPT_DKIM_PROBE:
			if (strcmp(optarg, "all") == 0) {
				o->check.dkim_probe = MP_CHECK_DKIM_PROBE_ALL;
			} else if (strcmp(optarg, "likely") == 0) {
				o->check.dkim_probe = MP_CHECK_DKIM_PROBE_LIKELY;
			} else {
				*rc = mp_cli_usage_error("check", "--dkim-probe wants all or likely");
				return -1;
			}
			o->probe_set = true;
			break;
		case OPT_NO_FCRDNS: o->check.skip_fcrdns = true; break;
		case OPT_NO_PROGRESS: o->progress = false; break;
		case OPT_PROBE_LABEL: o->check.probe_label = mp_str_c(optarg); break;
		case OPT_PSL: o->psl = optarg; break;
		case OPT_NO_PSL: o->no_psl = true; break;
		case 'h':
		case OPT_HELP:
			fputs(usage_text, stdout);
			*rc = MP_EXIT_GOOD;
			return -1;
		default:
			if (mp_cli_dns_opt(&o->dns, c, optarg))
				break;
			fputs(usage_text, stderr);
			*rc = MP_EXIT_USAGE;
			return -1;
		}
	}
	return optind;
}

/* ---- outcome bookkeeping shared by both modes ---- */

#define TOP_FINDINGS 10

struct id_count {
	enum mp_reason id;
	size_t n;
};

struct tally {
	size_t verdicts[4];
	size_t done;
	size_t nids;
	struct id_count ids[MP_REASON__COUNT];
	FILE *html;
};

/* tally_add - count a finished result */
static void
tally_add(struct tally *t, const struct mp_check_result *r)
{
	t->verdicts[r->verdict]++;
	t->done++;
	for (size_t i = 0; i < r->nfindings; i++) {
		size_t j;

		for (j = 0; j < t->nids && t->ids[j].id != r->findings[i].id; j++)
			;
		if (j == t->nids) {
			if (t->nids >= MP_REASON__COUNT)
				continue;
			t->ids[t->nids].id = r->findings[i].id;
			t->ids[t->nids++].n = 0;
		}
		t->ids[j].n++;
	}
}

/* exit_status - 1 if any domain is at risk or unprotected, else 3 if any
 * is unknown, else 0 */
static int
exit_status(const struct tally *t)
{
	if (t->verdicts[MP_CHECK_AT_RISK] + t->verdicts[MP_CHECK_UNPROTECTED] > 0)
		return MP_EXIT_BAD;
	if (t->verdicts[MP_CHECK_UNKNOWN] > 0)
		return MP_EXIT_TEMP;
	return MP_EXIT_GOOD;
}

/* write_html - one card per result into the HTML file */
static void
write_html(struct tally *t, const struct mp_check_result *r)
{
	struct mp_buf b;

	if (t->html == NULL)
		return;
	mp_buf_init(&b, 1u << 22);
	if (mp_check_format_html_card(r, &b) == MP_OK)
		fwrite(b.ptr, 1, b.len, t->html);
	mp_buf_fini(&b);
}

/* open_html - the HTML file and its head */
static bool
open_html(struct tally *t, const char *path)
{
	struct mp_buf b;

	if (path == NULL)
		return true;
	if ((t->html = fopen(path, "w")) == NULL) {
		mp_log_errno(MP_LOG_ERROR, "check: %s", path);
		return false;
	}
	mp_buf_init(&b, 1u << 20);
	mp_check_format_html_head(&b, "mailproof check");
	fwrite(b.ptr, 1, b.len, t->html);
	mp_buf_fini(&b);
	return true;
}

/* close_html - the tail with the counts */
static bool
close_html(struct tally *t)
{
	struct mp_buf b;
	bool ok;

	if (t->html == NULL)
		return true;
	mp_buf_init(&b, 1u << 20);
	mp_check_format_html_tail(&b, t->verdicts);
	fwrite(b.ptr, 1, b.len, t->html);
	mp_buf_fini(&b);
	ok = fclose(t->html) == 0;
	t->html = NULL;
	return ok;
}

/* print_summary - counts per verdict and the most common findings; how
 * DKIM was probed when it was not every selector */
static void
print_summary(FILE *f, struct tally *t, double secs, enum mp_check_dkim_probe probe)
{
	fprintf(f, "checked %zu domains in %.1f s (%.0f/s): %zu protected, %zu at-risk, "
	    "%zu unprotected, %zu unknown\n", t->done, secs, secs > 0 ? (double)t->done / secs : 0.0,
	    t->verdicts[0], t->verdicts[1], t->verdicts[2], t->verdicts[3]);
	if (probe == MP_CHECK_DKIM_PROBE_LIKELY)
		fputs("DKIM: the likely selectors first; --dkim-probe all asks every one\n", f);
	for (size_t k = 0; k < TOP_FINDINGS && k < t->nids; k++) {
		size_t best = k;

		for (size_t j = k + 1; j < t->nids; j++)
			if (t->ids[j].n > t->ids[best].n)
				best = j;
		if (best != k) {
			struct id_count tmp = t->ids[k];
			t->ids[k] = t->ids[best];
			t->ids[best] = tmp;
		}
		fprintf(f, "  %7zu  %s\n", t->ids[k].n, mp_reason_token(t->ids[k].id));
	}
}

/* ---- one-shot mode: DOMAIN... ---- */

/* check_one - check and print one domain */
static void
check_one(struct mp_resolver *r, const struct opts *o, const char *domain, struct tally *t)
{
	struct mp_check *c = mp_check_new(mp_str_c(domain), &o->check);
	struct mp_dns_client cl;
	const struct mp_check_result *res;
	struct mp_buf b;

	if (c == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	mp_check_client(c, &cl);
	mp_dns_drive(r, &cl);
	if ((res = mp_check_result(c)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "check: %s did not finish", domain);
	mp_buf_init(&b, 1u << 24);
	if (o->json)
		mp_check_format_json(res, &b);
	else
		mp_check_format_text(res, mp_cli_isatty(stdout), &b);
	if (t->done > 0 && !o->json)
		fputc('\n', stdout);
	fwrite(b.ptr, 1, b.len, stdout);
	if (o->json)
		fputc('\n', stdout);
	mp_buf_fini(&b);
	write_html(t, res);
	tally_add(t, res);
	mp_check_free(c);
}

/* ---- bulk mode ----
 *
 * A small driver of its own instead of mp_dns_drive_many: it starts a new
 * domain only while the questions in flight stay under --max-queries (a
 * burst of thousands overflows a server's socket buffer, the losses become
 * timeouts, and a resolver then marks the server as down) and under the
 * --qps rate; follow-up questions of domains already started go first,
 * under the same window.
 * A domain whose questions are all answered goes on a ready stack, so each
 * answer costs O(1) however many domains are in flight.
 */

struct bulk;

/* One domain in flight. */
struct flight {
	struct bulk *b;
	struct mp_check *check;
	struct mp_dns_client cl;
	size_t seq;
	size_t outstanding;      /* questions submitted, not yet answered */
	enum mp_status err;      /* first error answer() returned */
	bool busy;
};

struct bulk {
	const struct opts *o;
	struct mp_resolver *r;
	FILE *in;
	bool more;               /* input not exhausted */
	size_t seq_in, seq_out;
	char *line;
	size_t line_cap;
	struct tally t;
	struct flight *fl;       /* o->concurrency of them */
	size_t *free_, nfree;    /* idle flights */
	size_t *ready, nready;   /* flights whose questions are all answered */
	uint64_t submitted;      /* questions sent so far (for --qps) */
	char **held;             /* --ordered: ring of finished lines by seq */
	size_t held_cap;
	bool progress;
	size_t total;            /* domains in a regular input file; 0: unknown */
	struct timespec start;
	double last_draw;
	uint64_t queries;
	bool input_error;
	enum mp_status err;
	/* questions we gave up on (timeouts) that the resolver may still be
	 * working on: each counts against the window until ghost_ms after it
	 * timed out (a FIFO of expiry times), so lame domains cannot make us
	 * overfill the resolver's request list, which then drops healthy
	 * domains' questions without an answer */
	double *ghost;
	size_t ghost_cap, ghost_head, nghost;
	double ghost_ms;
};

/* elapsed - seconds since a */
static double
elapsed(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

/* next_domain - the next non-empty, non-comment line, trimmed */
static bool
next_domain(struct bulk *b, struct mp_str *out)
{
	ssize_t n;

	while ((n = getline(&b->line, &b->line_cap, b->in)) >= 0) {
		struct mp_str s = mp_str_trim(mp_str_make(b->line, (size_t)n));

		if (s.len == 0 || s.ptr[0] == '#')
			continue;
		if (s.len > MP_LIMIT_CHECK_BULK_LINE)
			s.len = MP_LIMIT_CHECK_BULK_LINE;   /* a bad name: the check says so */
		*out = s;
		return true;
	}
	if (ferror(b->in))
		b->input_error = true;
	return false;
}

/* count_domains - lines a file will give (for the ETA), then rewind */
static size_t
count_domains(struct bulk *b)
{
	struct mp_str d;
	size_t n = 0;

	while (next_domain(b, &d))
		n++;
	if (fseek(b->in, 0, SEEK_SET) != 0) {
		b->input_error = true;
		return 0;
	}
	clearerr(b->in);
	return n;
}

/* held_grow - double the --ordered ring, keeping every line at its seq */
static void
held_grow(struct bulk *b)
{
	size_t cap = b->held_cap ? b->held_cap * 2 : 1024;
	char **n = mp_zalloc(cap * sizeof *n);

	if (n == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	for (size_t k = b->seq_out; k < b->seq_out + b->held_cap; k++)
		n[k % cap] = b->held[k % b->held_cap];
	mp_free(b->held);
	b->held = n;
	b->held_cap = cap;
}

/* emit - print a finished line now, or hold it until earlier ones are out */
static void
emit(struct bulk *b, size_t seq, char *line)
{
	if (!b->o->ordered) {
		fputs(line, stdout);
		mp_free(line);
		return;
	}
	while (seq - b->seq_out >= b->held_cap)
		held_grow(b);
	b->held[seq % b->held_cap] = line;
	while (b->held_cap > 0 && b->held[b->seq_out % b->held_cap] != NULL) {
		char **slot = &b->held[b->seq_out % b->held_cap];

		fputs(*slot, stdout);
		mp_free(*slot);
		*slot = NULL;
		b->seq_out++;
	}
}

/* draw_progress - rate, in flight and elapsed time on a terminal's stderr */
static void
draw_progress(struct bulk *b, bool final)
{
	double secs = elapsed(&b->start), rate;
	char bar[32];
	size_t fill;

	if (!b->progress || (!final && secs - b->last_draw < 0.1))
		return;
	b->last_draw = secs;
	rate = secs > 0 ? (double)b->t.done / secs : 0;
	if (b->total > 0) {
		fill = b->t.done >= b->total ? 20 : b->t.done * 20 / b->total;
		memset(bar, '.', 20);
		memset(bar, '=', fill);
		bar[20] = '\0';
		fprintf(stderr, "\r[%s] %zu/%zu, %.0f domains/s, ETA %.0f s   %s", bar, b->t.done,
		    b->total, rate, rate > 0 && b->total > b->t.done ?
		    (double)(b->total - b->t.done) / rate : 0.0, final ? "\n" : "");
	} else {
		fprintf(stderr, "\r%zu done, %zu in flight, %.0f domains/s, %.0f s   %s",
		    b->t.done, b->seq_in - b->t.done, rate, secs, final ? "\n" : "");
	}
	fflush(stderr);
}

/* finish - a domain is done: print its line, free it, make the flight idle */
static void
finish(struct bulk *b, struct flight *f)
{
	const struct mp_check_result *r = mp_check_result(f->check);
	struct mp_buf buf;

	if (r == NULL)
		mp_fatal(MP_EXIT_TEMP, "check: a check stopped: %s", mp_status_name(f->err));
	mp_buf_init(&buf, 1u << 24);
	if (mp_check_format_json(r, &buf) != MP_OK || mp_buf_append_byte(&buf, '\n') != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	b->queries += r->nqueries;
	write_html(&b->t, r);
	tally_add(&b->t, r);
	emit(b, f->seq, buf.ptr);          /* the line's memory moves to emit */
	mp_check_free(f->check);
	f->check = NULL;
	f->busy = false;
	b->free_[b->nfree++] = (size_t)(f - b->fl);
	draw_progress(b, false);
}

/* load - questions in flight plus the ghosts of recent timeouts */
static size_t
load(struct bulk *b)
{
	double now = elapsed(&b->start) * 1000.0;

	while (b->nghost > 0 && b->ghost[b->ghost_head] <= now) {
		b->ghost_head = (b->ghost_head + 1) % b->ghost_cap;
		b->nghost--;
	}
	return mp_resolver_pending(b->r) + b->nghost;
}

/* add_ghost - a question timed out: it still loads the resolver a while
 * (a full ring forgets the oldest) */
static void
add_ghost(struct bulk *b)
{
	if (b->ghost_cap == 0)
		return;
	if (b->nghost == b->ghost_cap) {
		b->ghost_head = (b->ghost_head + 1) % b->ghost_cap;
		b->nghost--;
	}
	b->ghost[(b->ghost_head + b->nghost) % b->ghost_cap] =
	    elapsed(&b->start) * 1000.0 + b->ghost_ms;
	b->nghost++;
}

/* on_answer - one answer for a flight's check */
static void
on_answer(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	struct flight *f = arg;
	enum mp_status st = f->cl.answer(f->cl.core, q, ans);

	if (ans->status == MP_DNS_TIMEOUT)
		add_ghost(f->b);

	if (st != MP_OK && f->err == MP_OK)
		f->err = st;
	if (--f->outstanding == 0)
		f->b->ready[f->b->nready++] = (size_t)(f - f->b->fl);
}

/* step - run a flight's check; submit its questions or finish it */
static void
step(struct bulk *b, struct flight *f)
{
	const struct mp_dns_question *const *qs;
	enum mp_status st = f->err != MP_OK ? f->err : f->cl.run(f->cl.core);
	size_t n;

	if (st != MP_PENDING) {
		finish(b, f);
		return;
	}
	n = f->cl.questions(f->cl.core, &qs);
	if (n == 0)
		mp_panic("check: pending with no question");
	for (size_t i = 0; i < n; i++) {
		f->outstanding++;
		if ((st = mp_resolver_submit(b->r, qs[i], on_answer, f)) != MP_OK) {
			f->outstanding--;
			b->err = st;
		}
	}
	b->submitted += n;
	if (f->outstanding == 0)
		finish(b, f);     /* nothing could be sent: the check ends unknown */
}

/* may_start - room for another domain: a flight, the window, the rate */
static bool
may_start(struct bulk *b)
{
	if (!b->more || b->nfree == 0 || b->err != MP_OK)
		return false;
	if (load(b) >= b->o->window)
		return false;
	return b->o->qps == 0 || (double)b->submitted < (double)b->o->qps * elapsed(&b->start);
}

/* start_one - the next domain into an idle flight */
static void
start_one(struct bulk *b)
{
	struct mp_str d;
	struct flight *f;

	if (!next_domain(b, &d)) {
		b->more = false;
		return;
	}
	f = &b->fl[b->free_[--b->nfree]];
	memset(f, 0, sizeof *f);
	f->b = b;
	f->busy = true;
	f->seq = b->seq_in++;
	if ((f->check = mp_check_new(d, &b->o->check)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	mp_check_client(f->check, &f->cl);
	step(b, f);
}

/* drive - until the input is done and no domain is in flight */
static void
drive(struct bulk *b)
{
	size_t n = b->o->concurrency;

	b->fl = mp_zalloc(n * sizeof *b->fl);
	b->free_ = mp_zalloc(n * sizeof *b->free_);
	b->ready = mp_zalloc(n * sizeof *b->ready);
	b->ghost_cap = (size_t)b->o->window + 16;
	b->ghost = mp_zalloc(b->ghost_cap * sizeof *b->ghost);
	b->ghost_ms = b->o->dns.timeout_ms ? b->o->dns.timeout_ms : MP_LIMIT_DNS_TIMEOUT_MS;
	if (b->fl == NULL || b->free_ == NULL || b->ready == NULL || b->ghost == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	for (size_t i = 0; i < n; i++)
		b->free_[b->nfree++] = n - 1 - i;
	b->more = true;
	while (b->err == MP_OK) {
		bool moved = false;

		/* follow-ups first, also under the window: a domain past its
		 * first three questions asks about thirty at once */
		while (b->nready > 0 && load(b) < b->o->window) {
			step(b, &b->fl[b->ready[--b->nready]]);
			moved = true;
		}
		while (b->nready == 0 && may_start(b)) {
			start_one(b);
			moved = true;
		}
		if (!b->more && b->nfree == n)
			break;
		if ((!moved || b->nready == 0) && (b->err = mp_resolver_poll(b->r,
		    b->nready > 0 ? 10 : b->more && b->nfree > 0 ? 50 : 1000)) != MP_OK)
			break;
	}
	mp_free(b->fl);
	mp_free(b->free_);
	mp_free(b->ready);
	mp_free(b->ghost);
}

/* run_bulk - every domain of the input, many at once */
static int
run_bulk(struct mp_resolver *r, const struct opts *o)
{
	struct bulk b = { 0 };
	struct stat st;

	b.o = o;
	b.r = r;
	b.in = strcmp(o->bulk, "-") == 0 ? stdin : fopen(o->bulk, "r");
	if (b.in == NULL) {
		mp_log_errno(MP_LOG_ERROR, "check: %s", o->bulk);
		return MP_EXIT_USAGE;
	}
	if (!open_html(&b.t, o->html))
		return MP_EXIT_USAGE;
	b.progress = o->progress && mp_cli_isatty(stderr);
	if (b.progress && fstat(fileno(b.in), &st) == 0 && S_ISREG(st.st_mode))
		b.total = count_domains(&b);
	clock_gettime(CLOCK_MONOTONIC, &b.start);
	drive(&b);
	draw_progress(&b, true);
	fflush(stdout);
	print_summary(stderr, &b.t, elapsed(&b.start), o->check.dkim_probe);
	close_html(&b.t);
	if (b.in != stdin)
		fclose(b.in);
	free(b.line);
	mp_free(b.held);
	if (b.err != MP_OK) {
		mp_log_error("check: bulk: %s", mp_status_name(b.err));
		return MP_EXIT_TEMP;
	}
	if (b.input_error) {
		mp_log_error("check: reading %s failed", o->bulk);
		return MP_EXIT_USAGE;
	}
	return exit_status(&b.t);
}

/* mp_cli_check - the subcommand */
int
mp_cli_check(int argc, char **argv)
{
	struct opts o = { 0 };
	struct tally t = { 0 };
	struct mp_resolver *r;
	struct mp_zone *zone;
	struct mp_dmarc_psl *psl = NULL;
	int rc = MP_EXIT_USAGE, first;

	if ((first = parse_opts(&o, argc, argv, &rc)) < 0)
		return rc;
	if (o.bulk == NULL && first >= argc)
		return mp_cli_usage_error("check", "which domain? (or --bulk FILE)");
	if (o.bulk != NULL && first < argc)
		return mp_cli_usage_error("check", "give domains either as arguments or with --bulk");
	/* a bulk scan asks the likely selectors: a third of the questions */
	if (!o.probe_set && o.bulk != NULL)
		o.check.dkim_probe = MP_CHECK_DKIM_PROBE_LIKELY;
	if (!o.no_psl) {
		struct mp_why why;

		mp_why_clear(&why);
		if ((psl = mp_dmarc_psl_load(o.psl, &why)) == NULL)
			mp_log_warn("check: %s: RFC 7489 discovery is not compared", why.text);
		o.check.psl = psl;
	}
	r = mp_cli_resolver(&o.dns, &zone);
	if (o.bulk != NULL) {
		rc = run_bulk(r, &o);
	} else if (!open_html(&t, o.html)) {
		rc = MP_EXIT_USAGE;
	} else {
		for (int i = first; i < argc; i++)
			check_one(r, &o, argv[i], &t);
		fflush(stdout);
		rc = close_html(&t) ? exit_status(&t) : MP_EXIT_USAGE;
	}
	mp_resolver_free(r);
	mp_zone_free(zone);
	mp_dmarc_psl_free(psl);
	return rc;
}
