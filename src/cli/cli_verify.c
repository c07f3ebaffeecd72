/* cli_verify.c - `mailproof verify`: SPF, DKIM and DMARC for one message
 * (printing the Authentication-Results field, or --json details), or for a
 * batch of messages with many DNS questions in flight, printed as JSON Lines
 * in input order. Limits met by a message are results, not usage errors.
 * Exit (one message): 0 DMARC pass, 1 fail/none/permerror, 3 temperror,
 * 2 usage; batch: 0 unless the run itself failed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

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

/* jstr - JSON string of a view; invalid UTF-8 or NUL is shown quoted */
static json_t *
jstr(struct mp_str s)
{
	char q[MP_LOG_QUOTE_MAX];
	json_t *j = mp_str_has_nul(s) ? NULL : json_stringn(s.ptr ? s.ptr : "", s.len);

	return j ? j : json_string(mp_log_quote(s, q));
}

/* jstr_or_null - string, or null when empty */
static json_t *
jstr_or_null(struct mp_str s)
{
	return s.len ? jstr(s) : json_null();
}

/* why_json - reason token and text into j */
static void
why_json(json_t *j, const struct mp_why *why)
{
	json_object_set_new(j, "reason", why->reason ? json_string(mp_reason_token(why->reason))
	                                             : json_null());
	json_object_set_new(j, "reason_text", why->reason ? json_string(why->text) : json_null());
}

/* spf_json - one SPF outcome */
static json_t *
spf_json(const struct mp_spf_outcome *o, const struct mp_dmarc_verdict *d)
{
	json_t *j = json_object();

	json_object_set_new(j, "result", json_string(mp_spf_result_name(o->result)));
	json_object_set_new(j, "identity", json_string(o->identity == MP_SPF_ID_HELO ? "helo"
	                                                                            : "mailfrom"));
	json_object_set_new(j, "sender", jstr(o->sender));
	json_object_set_new(j, "domain", jstr(o->domain));
	json_object_set_new(j, "mechanism", jstr_or_null(o->mechanism));
	why_json(j, &o->why);
	if (d != NULL)
		json_object_set_new(j, "aligned", json_boolean(d->spf_aligned));
	return j;
}

/* dkim_json - every signature, with its alignment */
static json_t *
dkim_json(const struct mp_verify_result *r)
{
	const struct mp_dmarc_verdict *d = r->dmarc;
	json_t *a = json_array();
	size_t k = 0;

	for (size_t i = 0; i < r->ndkim; i++) {
		const struct mp_dkim_sig_result *s = r->dkim[i];
		json_t *j = json_object();

		json_object_set_new(j, "result", json_string(mp_dkim_result_name(s->result)));
		json_object_set_new(j, "domain", jstr(s->d));
		json_object_set_new(j, "selector", jstr(s->s));
		json_object_set_new(j, "algorithm", jstr_or_null(s->a));
		json_object_set_new(j, "key_bits", json_integer(s->key_bits));
		json_object_set_new(j, "b", json_string(s->b8));
		why_json(j, &s->why);
		if (s->evaluated && d != NULL && k < d->ndkim)
			json_object_set_new(j, "aligned", json_boolean(d->dkim[k++].aligned));
		json_array_append_new(a, j);
	}
	return a;
}

/* found_json - one discovery method (compare mode) */
static json_t *
found_json(const struct mp_dmarc_found *f)
{
	json_t *j = json_object();

	json_object_set_new(j, "found", json_boolean(f->found));
	json_object_set_new(j, "temperror", json_boolean(f->temperror));
	json_object_set_new(j, "policy_domain", jstr_or_null(f->policy_domain));
	json_object_set_new(j, "org_domain", jstr_or_null(f->org_domain));
	json_object_set_new(j, "psd", json_boolean(f->psd));
	return j;
}

/* dmarc_json - the verdict */
static json_t *
dmarc_json(const struct mp_dmarc_verdict *d)
{
	json_t *j = json_object();
	const struct mp_dmarc_discovery *disc = d->discovery;

	json_object_set_new(j, "result", json_string(mp_dmarc_result_name(d->result)));
	json_object_set_new(j, "policy", d->policy ? json_string(mp_dmarc_policy_name(d->policy))
	                                           : json_null());
	json_object_set_new(j, "policy_tag", d->policy_tag[0] ? json_string(d->policy_tag)
	                                                      : json_null());
	json_object_set_new(j, "disposition", json_string(mp_dmarc_policy_name(
	    d->disposition ? d->disposition : MP_DMARC_POLICY_NONE)));
	json_object_set_new(j, "domain", jstr_or_null(d->domain));
	json_object_set_new(j, "policy_domain", jstr_or_null(d->policy_domain));
	why_json(j, &d->why);
	json_object_set_new(j, "spf_aligned", json_boolean(d->spf_aligned));
	json_object_set_new(j, "dkim_aligned", json_boolean(d->dkim_aligned));
	if (d->record != NULL) {
		json_object_set_new(j, "record", jstr(d->record->text));
		json_object_set_new(j, "adkim", json_string(d->adkim == MP_DMARC_STRICT ? "s" : "r"));
		json_object_set_new(j, "aspf", json_string(d->aspf == MP_DMARC_STRICT ? "s" : "r"));
		json_object_set_new(j, "testing", json_boolean(d->testing));
		json_object_set_new(j, "sampled_out", json_boolean(d->sampled_out));
	}
	if (disc != NULL) {
		json_object_set_new(j, "mode", json_string(mp_dmarc_mode_name(disc->mode)));
		json_object_set_new(j, "org_domain", jstr_or_null(disc->applied.org_domain));
		json_object_set_new(j, "dns_queries", json_integer((json_int_t)disc->nqueries));
		if (disc->mode == MP_DMARC_MODE_COMPARE) {
			json_t *c = json_object();
			json_object_set_new(c, "differs", json_boolean(disc->differs));
			json_object_set_new(c, "rfc9989", found_json(&disc->rfc9989));
			json_object_set_new(c, "rfc7489", found_json(&disc->rfc7489));
			json_object_set_new(c, "reason_text", disc->differs ?
			    json_string(disc->compare_why.text) : json_null());
			json_object_set_new(j, "compare", c);
		}
	}
	return j;
}

/* from_json - the author and the other identities (reported only) */
static json_t *
from_json(const struct mp_verify_result *r)
{
	json_t *j = json_object(), *o = json_array();

	json_object_set_new(j, "address", r->has_author ? jstr(r->author.addr_spec) : json_null());
	json_object_set_new(j, "domain", r->has_author ? jstr(r->author.domain_lc) : json_null());
	json_object_set_new(j, "display", r->has_author ? jstr(r->author.display) : json_null());
	json_object_set_new(j, "display_has_address",
	                    json_boolean(r->has_author && r->author.display_has_addr));
	json_object_set_new(j, "fields", json_integer((json_int_t)r->nfrom));
	why_json(j, &r->from_why);
	for (size_t i = 0; i < r->nothers; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "field", jstr(r->others[i].field));
		json_object_set_new(e, "address", jstr_or_null(r->others[i].addr_spec));
		json_object_set_new(e, "domain", jstr_or_null(r->others[i].domain));
		json_object_set_new(e, "differs", json_boolean(r->others[i].differs));
		json_array_append_new(o, e);
	}
	json_object_set_new(j, "other_identities", o);
	return j;
}

/* result_json - the whole result of one message */
static json_t *
result_json(const struct mp_verify_result *r)
{
	json_t *j = json_object();

	if (r->spf != NULL) {
		json_object_set_new(j, "spf", spf_json(r->spf, r->dmarc));
	} else {
		json_t *s = json_object();
		json_object_set_new(s, "result", json_string("none"));
		why_json(s, &r->spf_why);
		json_object_set_new(j, "spf", s);
	}
	json_object_set_new(j, "spf_helo", r->spf_helo ? spf_json(r->spf_helo, NULL) : json_null());
	json_object_set_new(j, "dkim", dkim_json(r));
	if (r->dkim_why.reason) {
		json_t *e = json_object();
		why_json(e, &r->dkim_why);
		json_object_set_new(j, "dkim_error", e);
	}
	json_object_set_new(j, "dmarc", r->dmarc ? dmarc_json(r->dmarc) : json_null());
	json_object_set_new(j, "from", from_json(r));
	if (r->msg_why.reason) {
		json_t *e = json_object();
		why_json(e, &r->msg_why);
		json_object_set_new(j, "message_error", e);
	}
	json_object_set_new(j, "authentication_results", jstr(r->authres));
	return j;
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

/* feed_file - read path ("-": stdin) into v; false with errno on failure */
static bool
feed_file(struct mp_verify *v, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char buf[65536];
	size_t n, total = 0;
	bool ok = true;

	if (f == NULL)
		return false;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0 && total < MSG_MAX) {
		total += n;
		if (mp_verify_feed(v, buf, n) != MP_OK) {
			ok = false;
			errno = ENOMEM;
			break;
		}
	}
	if (ferror(f))
		ok = false;
	if (f != stdin)
		fclose(f);
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
		json_t *j = result_json(res);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		printf("\n");
		json_decref(j);
	} else {
		printf("Authentication-Results: %.*s\n", (int)res->authres.len, res->authres.ptr);
	}
	rc = exit_of(res);
	mp_verify_free(v);
	return rc;
}

/* ---- batch ---- */

struct item {
	char *line;                 /* fields point into it */
	char *path, *ip, *helo, *from;
	size_t lineno;
	char *out;                  /* rendered result, until printed */
};

struct batch {
	const struct verify_opts *o;
	const struct mp_verify_opts *vo;
	struct item *items;
	size_t n, next, printed;
	struct mp_verify **slots;
	size_t *item_of, nslots;
	size_t *free_slots, nfree;
	unsigned long counts[MP_DMARC_PERMERROR + 1];
	uint64_t rng;
};

/* split_tsv - path ip helo mail_from; missing trailing fields are empty */
static bool
split_tsv(char *line, struct item *it)
{
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

/* load_manifest - every line of the manifest */
static void
load_manifest(const char *path, struct batch *b)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, ncap = 0, lineno = 0;
	ssize_t len;

	if (f == NULL)
		mp_fatal(MP_EXIT_USAGE, "verify: cannot open %s", path);
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (b->n == ncap) {
			ncap = ncap ? ncap * 2 : 1024;
			if ((b->items = realloc(b->items, ncap * sizeof *b->items)) == NULL)
				mp_fatal(MP_EXIT_TEMP, "out of memory");
		}
		memset(&b->items[b->n], 0, sizeof b->items[b->n]);
		if (!split_tsv(line, &b->items[b->n]))
			mp_fatal(MP_EXIT_USAGE, "verify: %s:%zu: want 'path<TAB>ip<TAB>helo<TAB>mail_from'",
			         path, lineno);
		b->items[b->n].lineno = lineno;
		b->items[b->n].line = line;
		line = NULL;
		cap = 0;
		b->n++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

/* flush - print finished results in input order */
static void
flush(struct batch *b)
{
	while (b->printed < b->n && b->items[b->printed].out != NULL) {
		fputs(b->items[b->printed].out, stdout);
		free(b->items[b->printed].out);
		b->items[b->printed].out = NULL;
		free(b->items[b->printed].line);
		b->items[b->printed].line = NULL;
		b->printed++;
	}
}

/* error_line - an input that could not be verified (bad IP, unreadable) */
static char *
error_line(const struct item *it, const char *what)
{
	json_t *j = json_object();
	char *s;

	json_object_set_new(j, "path", json_string(it->path));
	json_object_set_new(j, "line", json_integer((json_int_t)it->lineno));
	json_object_set_new(j, "error", json_string(what));
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	return s;
}

/* with_newline - s + "\n" (s freed) */
static char *
with_newline(char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *t = s ? realloc(s, n + 2) : NULL;

	if (t == NULL)
		mp_fatal(MP_EXIT_TEMP, "out of memory");
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
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

		if (!envelope(&env, it->ip, it->helo, it->from)) {
			it->out = with_newline(error_line(it, "bad IP address"));
			b->next++;
			continue;
		}
		if (b->slots[slot] == NULL) {
			struct mp_verify_opts vo = *b->vo;
			vo.dmarc.pct_roll = roll(b);
			if ((b->slots[slot] = mp_verify_new(&vo)) == NULL)
				mp_fatal(MP_EXIT_TEMP, "out of memory");
		}
		v = b->slots[slot];
		if (mp_verify_start(v, &env) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		if (!feed_file(v, it->path)) {
			it->out = with_newline(error_line(it, strerror(errno)));
			b->next++;
			continue;
		}
		if (mp_verify_end(v) != MP_OK)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		b->nfree--;
		b->item_of[slot] = b->next++;
		*out = mp_verify_client(v);
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
	size_t slot = 0;
	struct item *it;
	const struct mp_verify_result *r;

	while (slot < b->nslots && b->slots[slot] != c->core)
		slot++;
	it = &b->items[b->item_of[slot]];
	r = mp_verify_result(b->slots[slot]);
	if (st != MP_OK || r == NULL) {
		it->out = with_newline(error_line(it, mp_status_name(st)));
	} else {
		json_t *j = result_json(r);
		char *s;
		b->counts[r->dmarc ? r->dmarc->result : MP_DMARC_TEMPERROR]++;
		json_object_set_new(j, "path", json_string(it->path));
		json_object_set_new(j, "line", json_integer((json_int_t)it->lineno));
		if (!b->o->json) {
			json_decref(j);
			j = json_pack("{s:s,s:s}", "path", it->path, "dmarc",
			              r->dmarc ? mp_dmarc_result_name(r->dmarc->result) : "temperror");
		}
		s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(j);
		it->out = with_newline(s);
	}
	b->free_slots[b->nfree++] = slot;
	flush(b);
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
	load_manifest(o->batch, &b);
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
		mp_verify_free(b.slots[i]);
	mp_verify_cache_free(bvo.dns_cache);
	for (size_t i = 0; i < b.n; i++) {
		free(b.items[i].line);
		free(b.items[i].out);
	}
	free(b.items);
	free(b.slots);
	free(b.item_of);
	free(b.free_slots);
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
