/* cli.h - shared pieces of the mailproof command: subcommands, exit status,
 * the DNS options every DNS-using command takes (DESIGN.md "command line"). */
#ifndef MAILPROOF_CLI_H
#define MAILPROOF_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <mailproof/dns.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* Exit status (DESIGN.md): good, bad, usage/input error, temporary (DNS). */
enum {
	MP_EXIT_GOOD = 0,
	MP_EXIT_BAD = 1,
	MP_EXIT_USAGE = 2,
	MP_EXIT_TEMP = 3,
};

/* Subcommands: argv[0] is the subcommand name. */
int mp_cli_dns(int argc, char **argv);
int mp_cli_spf(int argc, char **argv);
int mp_cli_verify(int argc, char **argv);
int mp_cli_sign(int argc, char **argv);
int mp_cli_keygen(int argc, char **argv);
int mp_cli_check(int argc, char **argv);
int mp_cli_audit(int argc, char **argv);
int mp_cli_plan(int argc, char **argv);

/* ---- DNS options: --zone F (repeatable), --dns ADDR[@PORT] (repeatable),
 * --timeout SECONDS, --zone-fail NAME=servfail|timeout|refused (repeatable),
 * --recursive, --dnssec. Put MP_CLI_DNS_LONGOPTS in a getopt_long table and
 * pass unknown option values to mp_cli_dns_opt(). */
enum {
	MP_OPT_ZONE = 1000,
	MP_OPT_DNS,
	MP_OPT_TIMEOUT,
	MP_OPT_ZONE_FAIL,
	MP_OPT_RECURSIVE,
	MP_OPT_DNSSEC,
	MP_OPT_DNS_CLIENT,
	MP_OPT_FIRST_FREE = 1100, /* commands number their own long options from here */
};

#define MP_CLI_DNS_LONGOPTS                                          \
	{ "zone", required_argument, NULL, MP_OPT_ZONE },            \
	{ "dns", required_argument, NULL, MP_OPT_DNS },              \
	{ "timeout", required_argument, NULL, MP_OPT_TIMEOUT },      \
	{ "zone-fail", required_argument, NULL, MP_OPT_ZONE_FAIL },  \
	{ "recursive", no_argument, NULL, MP_OPT_RECURSIVE },        \
	{ "dnssec", no_argument, NULL, MP_OPT_DNSSEC },              \
	{ "dns-client", required_argument, NULL, MP_OPT_DNS_CLIENT }

#define MP_CLI_DNS_USAGE                                                          \
	"DNS options:\n"                                                          \
	"  --zone FILE         answer from this RFC 1035 master file (repeatable)\n" \
	"  --zone-fail N=WHAT  make name N fail: servfail, timeout or refused\n"   \
	"  --dns ADDR[@PORT]   forward queries to this resolver (repeatable)\n"    \
	"  --timeout SECONDS   per-query timeout (default 5)\n"                    \
	"  --recursive         resolve from the root instead of /etc/resolv.conf\n" \
	"  --dnssec            validate DNSSEC (root trust anchor from dns-root-data)\n" \
	"  --dns-client C      unbound or udp (stub client with a cache; no DNSSEC);\n" \
	"                      default udp with --dns, else unbound; $MAILPROOF_DNS_CLIENT\n"

#define MP_CLI_MAX_ZONES 16
#define MP_CLI_MAX_SERVERS 8
#define MP_CLI_MAX_FAILS 64

struct mp_cli_dns_opts {
	const char *zones[MP_CLI_MAX_ZONES];
	size_t nzones;
	const char *servers[MP_CLI_MAX_SERVERS];
	size_t nservers;
	struct {
		const char *name;
		size_t name_len;
		enum mp_dns_status status;
	} fails[MP_CLI_MAX_FAILS];
	size_t nfails;
	unsigned timeout_ms;
	bool recursive;
	bool dnssec;
	const char *client;    /* --dns-client: "unbound", "udp" or NULL (default) */
};

/* Handle one DNS option; true when opt was one. Exits 2 on a bad value. */
bool mp_cli_dns_opt(struct mp_cli_dns_opts *o, int opt, const char *arg);

/* The resolver the options ask for. With --zone the zone data is loaded
 * (errors name file and line, exit 2) and *zone must be freed after the
 * resolver. Exits 2 with a message when the resolver cannot be made. */
struct mp_resolver *mp_cli_resolver(const struct mp_cli_dns_opts *o, struct mp_zone **zone);

/* Is this stream a terminal (for colour and progress)? */
bool mp_cli_isatty(FILE *f);

/* Print a usage error "mailproof CMD: msg" ("mailproof: msg" when cmd is
 * NULL) and return MP_EXIT_USAGE. */
int mp_cli_usage_error(const char *cmd, const char *fmt, ...) MP_PRINTF(2, 3);

/* ---- batch input (cli_batch.c): one item a line; blank lines and lines
 * starting with '#' are skipped, CR/LF cut. A command's item struct starts
 * with a struct mp_cli_batch_line. */
struct mp_cli_batch_line {
	char *text;                 /* the line (malloc'd, the item's); fields point into it */
	size_t lineno;              /* 1-based, in the file */
};

/* Fill item (zeroed, text and lineno set) from its text, in place; false
 * when the line is malformed. */
typedef bool (*mp_cli_split_fn)(void *item);

/* Read path ("-": stdin) into a malloc'd array of *n items of size bytes
 * (NULL when none). Exits 2 with "CMD: cannot open PATH" or "CMD: PATH:LINE:
 * want 'WANT'", 3 when out of memory. */
void *mp_cli_batch_load(const char *cmd, const char *path, const char *want, size_t size,
                        mp_cli_split_fn split, size_t *n);

/* ---- JSON (cli_batch.c): written straight into a buffer, compact and
 * ASCII-only: the bytes of jansson's JSON_COMPACT | JSON_ENSURE_ASCII, in
 * member order. name NULL in mp_cli_jopen: an array element or the top.
 * A failed append (memory) is reported when the line is taken. */
struct mp_cli_jw {
	struct mp_buf b;
	bool comma;                 /* a value precedes: the next one needs ',' */
	bool failed;                /* an append failed (memory): result unusable */
	bool nul_ok;                /* mp_cli_jstr: NUL as \u0000 (jansson's json_stringn),
	                             * else a string with NUL is shown quoted */
};

void mp_cli_jw_init(struct mp_cli_jw *w, bool nul_ok);
void mp_cli_jw_fini(struct mp_cli_jw *w);
/* The value written, as a malloc'd line ending in "\n"; w is emptied. */
char *mp_cli_jw_line(struct mp_cli_jw *w);
/* The value written, as a line on f; w is emptied. */
void mp_cli_jw_print(struct mp_cli_jw *w, FILE *f);
/* name:{ or name:[ and the closing '}' or ']' */
void mp_cli_jopen(struct mp_cli_jw *w, const char *name, char c);
void mp_cli_jclose(struct mp_cli_jw *w, char c);
/* name: a view (NULL ptr: ""); invalid UTF-8 is shown through mp_log_quote */
void mp_cli_jstr(struct mp_cli_jw *w, const char *name, struct mp_str s);
void mp_cli_jcstr(struct mp_cli_jw *w, const char *name, const char *s);
/* name: s only when s.ptr is set and s is valid UTF-8 (NUL allowed), else
 * no member at all (jansson's json_stringn returned NULL and
 * json_object_set_new set nothing) */
void mp_cli_jstr_valid(struct mp_cli_jw *w, const char *name, struct mp_str s);
/* name: s, or null when s is empty */
void mp_cli_jstr_or_null(struct mp_cli_jw *w, const char *name, struct mp_str s);
void mp_cli_jnull(struct mp_cli_jw *w, const char *name);
void mp_cli_jbool(struct mp_cli_jw *w, const char *name, bool b);
void mp_cli_jint(struct mp_cli_jw *w, const char *name, unsigned long long n);
void mp_cli_jsint(struct mp_cli_jw *w, const char *name, long long n);

#endif
