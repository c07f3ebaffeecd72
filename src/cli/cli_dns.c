/* cli_dns.c - `mailproof dns TYPE NAME`: one question, answered the way
 * every mailproof check sees it: status (ok nodata nxdomain servfail
 * timeout refused malformed), present/absent/indeterminate, DNSSEC state,
 * canonical name after CNAMEs, records in master-file form.
 * `--batch FILE` streams questions of any number: --inflight of them are
 * asked at once and answers are printed in input order as they come, so
 * memory is bounded by the window and the answers held for order, not by
 * the input. Exit: 0 present, 1 absent, 3 indeterminate, 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/str.h>

#include "cli.h"

enum { OPT_JSON = MP_OPT_FIRST_FREE, OPT_HELP, OPT_BATCH, OPT_INFLIGHT };

#define BATCH_INFLIGHT 256    /* default questions outstanding at once in --batch */
#define BATCH_HOLD_PER 64     /* answers held for order per question in flight */
#define BATCH_HOLD_MAX 65536  /* ... at most this many (or --inflight, if more) */
#define BATCH_LINE_MAX 1088   /* own: bytes of one --batch line: TYPE, blanks and a
                               * name in presentation form (MP_LIMIT_DNS_NAME_TEXT) */
#define INPUT_BUF 65536       /* bytes of input read at once (> BATCH_LINE_MAX) */
#define TEXT_MAX (16u << 20)  /* own: bytes of one answer printed for people */
#define STR_(x) #x
#define XSTR(x) STR_(x)

_Static_assert(BATCH_LINE_MAX >= MP_LIMIT_DNS_NAME_TEXT + 64, "a --batch line holds a name");

static const char usage_text[] =
	"usage: mailproof dns TYPE NAME [--json] [DNS options]\n"
	"       mailproof dns --batch FILE|- [--inflight N] [--json] [DNS options]\n"
	"Look up one record type (A AAAA MX TXT PTR CNAME NS SOA TLSA or TYPEnnn)\n"
	"and print the status, DNSSEC state, canonical name and records.\n"
	"Exit: 0 present, 1 absent (nxdomain, nodata), 3 indeterminate, 2 usage.\n\n"
	"  --json              one JSON object (JSON Lines with --batch)\n"
	"  --batch FILE        questions \"TYPE NAME\", one a line, asked concurrently;\n"
	"                      answers in input order; exit is the worst of them\n"
	"  --inflight N        batch: questions asked at once (default 256)\n"
	MP_CLI_DNS_USAGE;

/* Scratch space to format answers, reused from one answer to the next. */
struct fmt {
	struct mp_cli_jw w;     /* JSON line */
	struct mp_buf text;     /* report for people */
	struct mp_buf rr;       /* one record in master-file form */
};

/* fmt_init - empty scratch buffers */
static void
fmt_init(struct fmt *f)
{
	mp_cli_jw_init(&f->w, true);
	mp_buf_init(&f->text, TEXT_MAX);
	mp_buf_init(&f->rr, MP_LIMIT_DNS_RDATA * 4 + 64);
}

/* fmt_fini - release the scratch buffers */
static void
fmt_fini(struct fmt *f)
{
	mp_cli_jw_fini(&f->w);
	mp_buf_fini(&f->text);
	mp_buf_fini(&f->rr);
}

/* state_name - present / absent / indeterminate */
static const char *
state_name(enum mp_dns_state s)
{
	return s == MP_DNS_PRESENT ? "present" : s == MP_DNS_ABSENT ? "absent" : "indeterminate";
}

/* exit_of - exit status for an answer */
static int
exit_of(const struct mp_dns_answer *ans)
{
	switch (mp_dns_state_of(ans->status)) {
	case MP_DNS_PRESENT: return MP_EXIT_GOOD;
	case MP_DNS_ABSENT: return MP_EXIT_BAD;
	case MP_DNS_INDETERMINATE: break;
	}
	return MP_EXIT_TEMP;
}

/* worse - the worse of two exit statuses: 3 over 1 over 0 */
static int
worse(int rc, int one)
{
	if (one == MP_EXIT_TEMP || (one == MP_EXIT_BAD && rc == MP_EXIT_GOOD))
		return one;
	return rc;
}

/* record - rr in master-file form, in f->rr */
static const char *
record(struct fmt *f, const struct mp_dns_rr *rr)
{
	mp_buf_reset(&f->rr);
	if (mp_dns_rr_format(rr, &f->rr) != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "cannot format a record");
	return f->rr.ptr;
}

/* format_json - the answer as one JSON line (malloc'd); a name or text that
 * is not valid UTF-8 is left out, as jansson's json_stringn did */
static char *
format_json(struct fmt *f, const struct mp_dns_answer *ans)
{
	struct mp_cli_jw *w = &f->w;

	mp_cli_jopen(w, NULL, '{');
	mp_cli_jstr_valid(w, "name", ans->qname);
	mp_cli_jcstr(w, "type", mp_dns_type_name(ans->qtype));
	mp_cli_jcstr(w, "status", mp_dns_status_name(ans->status));
	mp_cli_jcstr(w, "state", state_name(mp_dns_state_of(ans->status)));
	mp_cli_jcstr(w, "dnssec", mp_dnssec_name(ans->dnssec));
	mp_cli_jstr_valid(w, "canonical", ans->canonical);
	mp_cli_jint(w, "cname_hops", ans->ncname);
	mp_cli_jopen(w, "records", '[');
	for (size_t i = 0; i < ans->nrr; i++) {
		const struct mp_dns_rr *rr = &ans->rr[i];

		record(f, rr);
		mp_cli_jopen(w, NULL, '{');
		mp_cli_jcstr(w, "type", mp_dns_type_name(rr->type));
		mp_cli_jint(w, "ttl", rr->ttl);
		mp_cli_jstr_valid(w, "data", mp_buf_str(&f->rr));
		/* the concatenated TXT text, when it is valid UTF-8 */
		if (rr->type == MP_DNS_T_TXT)
			mp_cli_jstr_valid(w, "text", rr->u.txt.joined);
		mp_cli_jclose(w, '}');
	}
	mp_cli_jclose(w, ']');
	if (ans->why.len > 0)
		mp_cli_jstr_valid(w, "why", ans->why);
	mp_cli_jclose(w, '}');
	return mp_cli_jw_line(w);
}

/* shown - a name for people: presentation names are printable already
 * (escapes are \DDD); anything else goes through mp_log_quote */
static const char *
shown(struct mp_str s, char out[MP_LOG_QUOTE_MAX])
{
	if (s.len < MP_LOG_QUOTE_MAX - 1) {
		size_t i;
		for (i = 0; i < s.len && mp_is_vchar((unsigned char)s.ptr[i]); i++)
			out[i] = s.ptr[i];
		if (i == s.len) {
			out[i] = '\0';
			return out;
		}
	}
	return mp_log_quote(s, out);
}

/* format_text - the answer for people (malloc'd lines) */
static char *
format_text(struct fmt *f, const struct mp_dns_answer *ans)
{
	char q[MP_LOG_QUOTE_MAX], c[MP_LOG_QUOTE_MAX], *s;
	struct mp_buf *b = &f->text;
	enum mp_status st;

	mp_buf_reset(b);
	st = mp_buf_printf(b, "%s %s: %s (%s), dnssec %s\n", shown(ans->qname, q),
	                   mp_dns_type_name(ans->qtype), mp_dns_status_name(ans->status),
	                   state_name(mp_dns_state_of(ans->status)),
	                   mp_dnssec_name(ans->dnssec));
	if (st == MP_OK && ans->ncname > 0)
		st = mp_buf_printf(b, "canonical name: %s (%zu CNAME%s)\n",
		                   shown(ans->canonical, c), ans->ncname,
		                   ans->ncname == 1 ? "" : "s");
	if (st == MP_OK && ans->why.len > 0)
		st = mp_buf_printf(b, "why: %s\n", mp_log_quote(ans->why, q));
	for (size_t i = 0; st == MP_OK && i < ans->nrr; i++)
		st = mp_buf_printf(b, "  %u %s %s\n", ans->rr[i].ttl,
		                   mp_dns_type_name(ans->rr[i].type), record(f, &ans->rr[i]));
	if (st != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "cannot format an answer: %s", mp_status_name(st));
	if ((s = malloc(b->len + 1)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	memcpy(s, b->ptr, b->len + 1);
	return s;
}

/* format - the answer as printed (malloc'd) */
static char *
format(struct fmt *f, const struct mp_dns_answer *ans, bool json)
{
	return json ? format_json(f, ans) : format_text(f, ans);
}

/* ---- --batch ----
 *
 * Questions are read as there is room for them: at most inflight are
 * asked at once, each in a slot of its own, and an answer is formatted as
 * it arrives and held in a ring indexed by input order until the answers
 * before it are out. A question is read only when its place in the ring is
 * free, so a slow answer holds back at most hold answers behind it (then
 * reading waits for it, bounded by --timeout). Input is read from the file
 * descriptor so that a pipe whose writer is slow does not hold back the
 * answers already in: while questions are in flight, input is read only
 * when it is ready, and output is flushed before waiting for input.
 */

struct batch;

/* One question being asked. */
struct slot {
	struct mp_dns_question q;
	struct batch *b;
	size_t seq;              /* place in the input (questions only) */
};

struct batch {
	int fd;
	const char *path;
	char *buf;               /* INPUT_BUF bytes read, [pos, end) not yet used */
	size_t pos, end;
	size_t lineno;
	bool eof;
	const char *err;         /* why reading stopped early, or NULL */
	size_t err_line;         /* ... at this line (0: a read error) */
	bool json;
	struct slot *slots;      /* inflight of them */
	struct slot **free_;     /* idle slots */
	size_t nfree, inflight;
	char **held;             /* hold of them: formatted answers by seq % hold */
	size_t hold;
	size_t seq_in, seq_out;  /* questions read; answers printed */
	struct fmt fmt;
	int rc;
};

/* readable - can the input be read without waiting? */
static bool
readable(const struct batch *b)
{
	struct pollfd p = { b->fd, POLLIN, 0 };

	return poll(&p, 1, 0) != 0;     /* an error too: read() reports it */
}

/* fill - read more input after what is left (b->err set on an error) */
static void
fill(struct batch *b)
{
	ssize_t n;

	if (b->pos > 0) {
		memmove(b->buf, b->buf + b->pos, b->end - b->pos);
		b->end -= b->pos;
		b->pos = 0;
	}
	if (!readable(b))
		fflush(stdout);         /* the answers so far, before waiting */
	do
		n = read(b->fd, b->buf + b->end, INPUT_BUF - b->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		b->err = strerror(errno);
		b->err_line = 0;
		return;
	}
	b->eof = n == 0;
	b->end += (size_t)n;
}

/* read_line - the next line without its newline, a view into b->buf valid
 * until the next call; false at the end or on an error (b->err set). A
 * line longer than BATCH_LINE_MAX or holding a NUL byte is an input error,
 * never cut. */
static bool
read_line(struct batch *b, struct mp_str *line)
{
	const char *nl;
	size_t len;

	for (;;) {
		if (b->err != NULL)
			return false;
		nl = memchr(b->buf + b->pos, '\n', b->end - b->pos);
		len = nl != NULL ? (size_t)(nl - (b->buf + b->pos)) : b->end - b->pos;
		if (len > BATCH_LINE_MAX) {
			b->err = "longer than " XSTR(BATCH_LINE_MAX) " bytes";
			b->err_line = b->lineno + 1;
			return false;
		}
		if (nl != NULL || (b->eof && len > 0))
			break;
		if (b->eof)
			return false;
		fill(b);
	}
	*line = mp_str_make(b->buf + b->pos, len);
	b->pos += len + (nl != NULL);
	b->lineno++;
	if (mp_str_has_nul(*line)) {
		b->err = "NUL byte";
		b->err_line = b->lineno;
		return false;
	}
	return true;
}

/* ready - is a question there to read without waiting? */
static bool
ready(const struct batch *b)
{
	return b->err != NULL || b->eof || memchr(b->buf + b->pos, '\n', b->end - b->pos) != NULL ||
	       readable(b);
}

/* next_question - the next "TYPE NAME" line into q (blank lines and #
 * comments skipped); false at the end of the input or at a malformed line
 * (b->err set: reading stops there) */
static bool
next_question(struct batch *b, struct mp_dns_question *q)
{
	struct mp_str line;

	while (read_line(b, &line)) {
		struct mp_str s = mp_str_trim(line), t, name;
		ptrdiff_t sp;
		uint16_t type;

		if (s.len == 0 || s.ptr[0] == '#')
			continue;
		b->err_line = b->lineno;
		if ((sp = mp_str_find(s, ' ')) < 0)
			return b->err = "wants TYPE NAME", false;
		t = mp_str_make(s.ptr, (size_t)sp);
		name = mp_str_trim(mp_str_make(s.ptr + sp + 1, s.len - (size_t)sp - 1));
		if (!mp_dns_type_parse(t, &type))
			return b->err = "unknown type", false;
		if (mp_dns_question_set(q, type, name) != MP_OK)
			return b->err = "name too long", false;
		return true;
	}
	return false;
}

/* input_error - exit 2 for a bad line or a read error, after what was
 * printed so far */
static _Noreturn void
input_error(const struct batch *b)
{
	fflush(stdout);
	if (b->err_line == 0)
		mp_fatal(MP_EXIT_USAGE, "%s: %s", b->path, b->err);
	mp_fatal(MP_EXIT_USAGE, "batch line %zu: %s", b->err_line, b->err);
}

/* check_input - a regular file is read through once before any question
 * is asked, so a malformed line anywhere exits 2 with nothing printed, as
 * when the whole input was loaded first. A pipe cannot be read twice:
 * there reading stops at the bad line, the questions before it are
 * answered and printed, then it exits 2. */
static void
check_input(struct batch *b)
{
	struct mp_dns_question q;
	struct stat st;
	off_t at;

	if (fstat(b->fd, &st) != 0 || !S_ISREG(st.st_mode) || (at = lseek(b->fd, 0, SEEK_CUR)) < 0)
		return;
	while (next_question(b, &q))
		;
	if (b->err != NULL)
		input_error(b);
	if (lseek(b->fd, at, SEEK_SET) != at)
		mp_fatal(MP_EXIT_USAGE, "%s: cannot read it again", b->path);
	b->pos = b->end = b->lineno = 0;
	b->eof = false;
}

/* answered - format one answer, hold it, print what is now in order */
static void
answered(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	struct slot *sl = arg;
	struct batch *b = sl->b;
	char **at;

	(void)q;
	b->held[sl->seq % b->hold] = format(&b->fmt, ans, b->json);
	b->rc = worse(b->rc, exit_of(ans));
	b->free_[b->nfree++] = sl;
	b->inflight--;
	while (*(at = &b->held[b->seq_out % b->hold]) != NULL) {
		fputs(*at, stdout);
		free(*at);
		*at = NULL;
		b->seq_out++;
	}
}

/* run_batch - ask every question, at most inflight at once */
static int
run_batch(struct mp_resolver *r, const char *path, bool json, size_t inflight)
{
	struct batch b = { .path = path, .json = json, .rc = MP_EXIT_GOOD };
	size_t hold = inflight <= BATCH_HOLD_MAX / BATCH_HOLD_PER ? inflight * BATCH_HOLD_PER
	                                                          : BATCH_HOLD_MAX;

	b.fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (b.fd < 0)
		mp_fatal(MP_EXIT_USAGE, "%s: cannot open", path);
	if ((b.buf = mp_alloc(INPUT_BUF)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	check_input(&b);
	b.hold = hold > inflight ? hold : inflight;
	b.slots = mp_zalloc(inflight * sizeof *b.slots);
	b.free_ = mp_zalloc(inflight * sizeof *b.free_);
	b.held = mp_zalloc(b.hold * sizeof *b.held);
	if (b.slots == NULL || b.free_ == NULL || b.held == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	for (size_t i = 0; i < inflight; i++) {
		b.slots[i].b = &b;
		b.free_[b.nfree++] = &b.slots[inflight - 1 - i];
	}
	fmt_init(&b.fmt);
	for (;;) {
		/* with questions in flight, read only what is there already */
		while (b.nfree > 0 && b.seq_in - b.seq_out < b.hold &&
		       (b.inflight == 0 || ready(&b)) && next_question(&b, &b.free_[b.nfree - 1]->q)) {
			struct slot *sl = b.free_[--b.nfree];

			sl->seq = b.seq_in++;
			b.inflight++;
			if (mp_resolver_submit(r, &sl->q, answered, sl) != MP_OK)
				mp_fatal(MP_EXIT_TEMP, "cannot submit a question");
		}
		if (b.inflight == 0)
			break;                  /* input read, every answer printed */
		if (mp_resolver_poll(r, -1) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "resolver failed");
	}
	if (b.err != NULL)
		input_error(&b);
	if (b.fd != STDIN_FILENO)
		close(b.fd);
	mp_free(b.buf);
	fmt_fini(&b.fmt);
	mp_free(b.held);
	mp_free(b.free_);
	mp_free(b.slots);
	return b.rc;
}

/* mp_cli_dns - parse options and delegate */
int
mp_cli_dns(int argc, char **argv)
{
	static const struct option longopts[] = {
		MP_CLI_DNS_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "inflight", required_argument, NULL, OPT_INFLIGHT },
		{ NULL, 0, NULL, 0 },
	};
	struct mp_cli_dns_opts dopts = { 0 };
	struct mp_dns_question q;
	const struct mp_dns_answer *ans;
	struct mp_resolver *r;
	struct mp_zone *zone;
	struct mp_arena arena;
	struct fmt f;
	bool json = false;
	const char *batch = NULL;
	size_t inflight = 0;
	uint16_t type;
	uint64_t v;
	char *out;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == OPT_JSON) {
			json = true;
		} else if (opt == OPT_BATCH) {
			batch = optarg;
		} else if (opt == OPT_INFLIGHT) {
			if (!mp_parse_u64(mp_str_c(optarg), MP_LIMIT_DNS_INFLIGHT, &v) || v == 0)
				return mp_cli_usage_error("dns", "--inflight wants 1-%d",
				                          MP_LIMIT_DNS_INFLIGHT);
			inflight = (size_t)v;
		} else if (opt == OPT_HELP || opt == 'h') {
			return fputs(usage_text, stdout), MP_EXIT_GOOD;
		} else if (!mp_cli_dns_opt(&dopts, opt, optarg)) {
			return fputs(usage_text, stderr), MP_EXIT_USAGE;
		}
	}
	if (batch != NULL) {
		if (argc - optind != 0)
			return mp_cli_usage_error("dns", "--batch takes no TYPE NAME");
		r = mp_cli_resolver(&dopts, &zone);
		rc = run_batch(r, batch, json, inflight ? inflight : BATCH_INFLIGHT);
		mp_resolver_free(r);
		mp_zone_free(zone);
		return rc;
	}
	if (inflight != 0)
		return mp_cli_usage_error("dns", "--inflight goes with --batch");
	if (argc - optind != 2)
		return mp_cli_usage_error("dns", "wants TYPE NAME (see --help)");
	if (!mp_dns_type_parse(mp_str_c(argv[optind]), &type))
		return mp_cli_usage_error("dns", "unknown type '%s'", argv[optind]);
	if (mp_dns_question_set(&q, type, mp_str_c(argv[optind + 1])) != MP_OK)
		return mp_cli_usage_error("dns", "name too long");
	r = mp_cli_resolver(&dopts, &zone);
	mp_arena_init(&arena, MP_LIMIT_DNS_ANSWER_ARENA);
	if (mp_resolver_query(r, &q, &arena, &ans) != MP_OK || ans == NULL)
		mp_fatal(MP_EXIT_TEMP, "resolver failed");
	fmt_init(&f);
	out = format(&f, ans, json);
	fputs(out, stdout);
	free(out);
	fmt_fini(&f);
	rc = exit_of(ans);
	mp_arena_fini(&arena);
	mp_resolver_free(r);
	mp_zone_free(zone);
	return rc;
}
