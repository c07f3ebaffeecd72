/* cli_dns.c - `mailproof dns TYPE NAME`: one question, answered the way
 * every mailproof check sees it: status (ok nodata nxdomain servfail
 * timeout refused malformed), present/absent/indeterminate, DNSSEC state,
 * canonical name after CNAMEs, records in master-file form.
 * Exit: 0 present, 1 absent, 3 indeterminate, 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/str.h>

#include "cli.h"

enum { OPT_JSON = MP_OPT_FIRST_FREE, OPT_HELP, OPT_BATCH };

#define BATCH_MAX 100000      /* questions in one --batch input */
#define BATCH_INFLIGHT 256    /* questions outstanding at once in --batch */

static const char usage_text[] =
	"usage: mailproof dns TYPE NAME [--json] [DNS options]\n"
	"       mailproof dns --batch FILE|- [--json] [DNS options]\n"
	"Look up one record type (A AAAA MX TXT PTR CNAME NS SOA TLSA or TYPEnnn)\n"
	"and print the status, DNSSEC state, canonical name and records.\n"
	"Exit: 0 present, 1 absent (nxdomain, nodata), 3 indeterminate, 2 usage.\n\n"
	"  --json              one JSON object (JSON Lines with --batch)\n"
	"  --batch FILE        questions \"TYPE NAME\", one a line, asked concurrently;\n"
	"                      answers in input order; exit is the worst of them\n"
	MP_CLI_DNS_USAGE;

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

/* print_json - the answer as one JSON object; a name or text that is not
 * valid UTF-8 is left out, as jansson's json_stringn did */
static int
print_json(const struct mp_dns_answer *ans)
{
	struct mp_cli_jw w;
	struct mp_buf b;

	mp_buf_init(&b, MP_LIMIT_DNS_RDATA * 4 + 64);
	mp_cli_jw_init(&w, true);
	mp_cli_jopen(&w, NULL, '{');
	mp_cli_jstr_valid(&w, "name", ans->qname);
	mp_cli_jcstr(&w, "type", mp_dns_type_name(ans->qtype));
	mp_cli_jcstr(&w, "status", mp_dns_status_name(ans->status));
	mp_cli_jcstr(&w, "state", state_name(mp_dns_state_of(ans->status)));
	mp_cli_jcstr(&w, "dnssec", mp_dnssec_name(ans->dnssec));
	mp_cli_jstr_valid(&w, "canonical", ans->canonical);
	mp_cli_jint(&w, "cname_hops", ans->ncname);
	mp_cli_jopen(&w, "records", '[');
	for (size_t i = 0; i < ans->nrr; i++) {
		const struct mp_dns_rr *rr = &ans->rr[i];
		mp_buf_reset(&b);
		if (mp_dns_rr_format(rr, &b) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "cannot format a record");
		mp_cli_jopen(&w, NULL, '{');
		mp_cli_jcstr(&w, "type", mp_dns_type_name(rr->type));
		mp_cli_jint(&w, "ttl", rr->ttl);
		mp_cli_jstr_valid(&w, "data", mp_buf_str(&b));
		/* the concatenated TXT text, when it is valid UTF-8 */
		if (rr->type == MP_DNS_T_TXT)
			mp_cli_jstr_valid(&w, "text", rr->u.txt.joined);
		mp_cli_jclose(&w, '}');
	}
	mp_cli_jclose(&w, ']');
	if (ans->why.len > 0)
		mp_cli_jstr_valid(&w, "why", ans->why);
	mp_cli_jclose(&w, '}');
	mp_cli_jw_print(&w, stdout);
	mp_cli_jw_fini(&w);
	mp_buf_fini(&b);
	return exit_of(ans);
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

/* print_text - the answer for people */
static int
print_text(const struct mp_dns_answer *ans)
{
	char q[MP_LOG_QUOTE_MAX], c[MP_LOG_QUOTE_MAX];
	struct mp_buf b;

	mp_buf_init(&b, MP_LIMIT_DNS_RDATA * 4 + 64);
	printf("%s %s: %s (%s), dnssec %s\n", shown(ans->qname, q),
	       mp_dns_type_name(ans->qtype), mp_dns_status_name(ans->status),
	       state_name(mp_dns_state_of(ans->status)), mp_dnssec_name(ans->dnssec));
	if (ans->ncname > 0)
		printf("canonical name: %s (%zu CNAME%s)\n", shown(ans->canonical, c),
		       ans->ncname, ans->ncname == 1 ? "" : "s");
	if (ans->why.len > 0)
		printf("why: %s\n", mp_log_quote(ans->why, q));
	for (size_t i = 0; i < ans->nrr; i++) {
		mp_buf_reset(&b);
		if (mp_dns_rr_format(&ans->rr[i], &b) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "cannot format a record");
		printf("  %u %s %s\n", ans->rr[i].ttl, mp_dns_type_name(ans->rr[i].type), b.ptr);
	}
	mp_buf_fini(&b);
	return exit_of(ans);
}

struct batch {
	struct mp_dns_question *qs;
	const struct mp_dns_answer **ans;
	size_t n, next, done;
	struct mp_arena arena;
};

/* batch_done - keep a copy of one answer */
static void
batch_done(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	struct batch *b = arg;

	b->ans[q - b->qs] = mp_dns_answer_dup(&b->arena, ans);
	if (b->ans[q - b->qs] == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	b->done++;
}

/* batch_read - "TYPE NAME" lines; blank lines and # comments skipped */
static void
batch_read(FILE *f, struct batch *b)
{
	char line[MP_LIMIT_DNS_NAME_TEXT + 64];
	size_t lineno = 0;

	while (fgets(line, sizeof line, f) != NULL) {
		struct mp_str s = mp_str_trim(mp_str_c(line)), t, name;
		ptrdiff_t sp;
		uint16_t type;
		lineno++;
		if (s.len == 0 || s.ptr[0] == '#')
			continue;
		if ((sp = mp_str_find(s, ' ')) < 0)
			mp_fatal(MP_EXIT_USAGE, "batch line %zu: wants TYPE NAME", lineno);
		t = mp_str_make(s.ptr, (size_t)sp);
		name = mp_str_trim(mp_str_make(s.ptr + sp + 1, s.len - (size_t)sp - 1));
		if (!mp_dns_type_parse(t, &type))
			mp_fatal(MP_EXIT_USAGE, "batch line %zu: unknown type", lineno);
		if (b->n >= BATCH_MAX)
			mp_fatal(MP_EXIT_USAGE, "more than %d questions", BATCH_MAX);
		if (b->n % 1024 == 0) {
			b->qs = mp_realloc(b->qs, (b->n + 1024) * sizeof *b->qs);
			if (b->qs == NULL)
				mp_fatal(MP_EXIT_TEMP, "out of memory");
		}
		if (mp_dns_question_set(&b->qs[b->n], type, name) != MP_OK)
			mp_fatal(MP_EXIT_USAGE, "batch line %zu: name too long", lineno);
		b->n++;
	}
}

/* run_batch - ask every question, at most BATCH_INFLIGHT at once */
static int
run_batch(struct mp_resolver *r, const char *path, bool json)
{
	struct batch b = { 0 };
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc = MP_EXIT_GOOD, one;

	if (f == NULL)
		mp_fatal(MP_EXIT_USAGE, "%s: cannot open", path);
	batch_read(f, &b);
	if (f != stdin)
		fclose(f);
	mp_arena_init(&b.arena, (size_t)1 << 30);
	if ((b.ans = mp_zalloc((b.n ? b.n : 1) * sizeof *b.ans)) == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	while (b.done < b.n) {
		while (b.next < b.n && b.next - b.done < BATCH_INFLIGHT)
			if (mp_resolver_submit(r, &b.qs[b.next++], batch_done, &b) != MP_OK)
				mp_fatal(MP_EXIT_TEMP, "cannot submit a question");
		if (mp_resolver_poll(r, -1) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "resolver failed");
	}
	for (size_t i = 0; i < b.n; i++) {
		one = json ? print_json(b.ans[i]) : print_text(b.ans[i]);
		if (one == MP_EXIT_TEMP || (one == MP_EXIT_BAD && rc == MP_EXIT_GOOD))
			rc = one;
	}
	mp_free(b.ans);
	mp_free(b.qs);
	mp_arena_fini(&b.arena);
	return rc;
}

int
mp_cli_dns(int argc, char **argv)
{
	static const struct option longopts[] = {
		MP_CLI_DNS_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ NULL, 0, NULL, 0 },
	};
	struct mp_cli_dns_opts dopts = { 0 };
	struct mp_dns_question q;
	const struct mp_dns_answer *ans;
	struct mp_resolver *r;
	struct mp_zone *zone;
	struct mp_arena arena;
	bool json = false;
	const char *batch = NULL;
	uint16_t type;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == OPT_JSON)
			json = true;
		else if (opt == OPT_BATCH)
			batch = optarg;
		else if (opt == OPT_HELP || opt == 'h')
			return fputs(usage_text, stdout), MP_EXIT_GOOD;
		else if (!mp_cli_dns_opt(&dopts, opt, optarg))
			return fputs(usage_text, stderr), MP_EXIT_USAGE;
	}
	if (batch != NULL) {
		if (argc - optind != 0)
			return mp_cli_usage_error("dns", "--batch takes no TYPE NAME");
		r = mp_cli_resolver(&dopts, &zone);
		rc = run_batch(r, batch, json);
		mp_resolver_free(r);
		mp_zone_free(zone);
		return rc;
	}
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
	rc = json ? print_json(ans) : print_text(ans);
	mp_arena_fini(&arena);
	mp_resolver_free(r);
	mp_zone_free(zone);
	return rc;
}
