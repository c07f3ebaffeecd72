/* cli_common.c - DNS options and small helpers shared by subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mailproof/dns.h>
#include <mailproof/log.h>

#include "cli.h"

bool
mp_cli_isatty(FILE *f)
{
	return isatty(fileno(f)) == 1;
}

int
mp_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (cmd)
		fprintf(stderr, "mailproof %s: ", cmd);
	else   /* options shared by every command */
		fprintf(stderr, "mailproof: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return MP_EXIT_USAGE;
}

/* parse_fail - "NAME=servfail|timeout|refused" */
static bool
parse_fail(struct mp_cli_dns_opts *o, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	enum mp_dns_status st;

	if (eq == NULL || eq == arg || o->nfails >= MP_CLI_MAX_FAILS)
		return false;
	if (strcmp(eq + 1, "servfail") == 0)
		st = MP_DNS_SERVFAIL;
	else if (strcmp(eq + 1, "timeout") == 0)
		st = MP_DNS_TIMEOUT;
	else if (strcmp(eq + 1, "refused") == 0)
		st = MP_DNS_REFUSED;
	else
		return false;
	o->fails[o->nfails].name = arg;
	o->fails[o->nfails].name_len = (size_t)(eq - arg);
	o->fails[o->nfails].status = st;
	o->nfails++;
	return true;
}

bool
mp_cli_dns_opt(struct mp_cli_dns_opts *o, int opt, const char *arg)
{
	uint64_t secs;

	switch (opt) {
	case MP_OPT_ZONE:
		if (o->nzones >= MP_CLI_MAX_ZONES)
			exit(mp_cli_usage_error(NULL, "too many --zone files"));
		o->zones[o->nzones++] = arg;
		return true;
	case MP_OPT_DNS:
		if (o->nservers >= MP_CLI_MAX_SERVERS)
			exit(mp_cli_usage_error(NULL, "too many --dns servers"));
		o->servers[o->nservers++] = arg;
		return true;
	case MP_OPT_TIMEOUT:
		if (!mp_parse_u64(mp_str_c(arg), 3600, &secs) || secs == 0)
			exit(mp_cli_usage_error(NULL, "--timeout wants seconds (1-3600), not '%s'", arg));
		o->timeout_ms = (unsigned)secs * 1000;
		return true;
	case MP_OPT_ZONE_FAIL:
		if (!parse_fail(o, arg))
			exit(mp_cli_usage_error(NULL,
			    "--zone-fail wants NAME=servfail|timeout|refused, not '%s'", arg));
		return true;
	case MP_OPT_RECURSIVE:
		o->recursive = true;
		return true;
	case MP_OPT_DNSSEC:
		o->dnssec = true;
		return true;
	case MP_OPT_DNS_CLIENT:
		if (strcmp(arg, "unbound") != 0 && strcmp(arg, "udp") != 0)
			exit(mp_cli_usage_error("DNS option", "--dns-client wants unbound or udp, not '%s'", arg));
		o->client = arg;
		return true;
	}
	return false;
}

/* use_udp - the stub client (--dns-client, else $MAILPROOF_DNS_CLIENT,
 * else with --dns)?
 * It neither recurses nor validates: --recursive and --dnssec keep
 * libunbound (an explicit --dns-client udp with them is a usage error). */
static bool
use_udp(const struct mp_cli_dns_opts *o)
{
	const char *env = getenv("MAILPROOF_DNS_CLIENT");

	if (o->client != NULL) {
		if (strcmp(o->client, "udp") == 0 && (o->recursive || o->dnssec))
			exit(mp_cli_usage_error("DNS option",
			    "--dns-client udp neither recurses nor validates (--recursive, --dnssec)"));
		return strcmp(o->client, "udp") == 0;
	}
	if (env != NULL && *env != '\0') {
		if (strcmp(env, "udp") != 0 && strcmp(env, "unbound") != 0)
			exit(mp_cli_usage_error("DNS option",
			    "MAILPROOF_DNS_CLIENT wants unbound or udp, not '%s'", env));
		return strcmp(env, "udp") == 0 && !o->recursive && !o->dnssec;
	}
	/* --dns ADDR: the stub client (measured: less CPU in every bench) */
	return o->nservers > 0 && !o->recursive && !o->dnssec;
}

struct mp_resolver *
mp_cli_resolver(const struct mp_cli_dns_opts *o, struct mp_zone **zone)
{
	struct mp_why why;
	struct mp_resolver *r;
	struct mp_unbound_opts uo = { 0 };

	*zone = NULL;
	mp_why_clear(&why);
	if (o->nzones > 0 || o->nfails > 0) {
		if (o->nservers > 0)
			exit(mp_cli_usage_error(NULL, "--zone or --zone-fail cannot be combined with --dns"));
		if ((*zone = mp_zone_new()) == NULL)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		for (size_t i = 0; i < o->nzones; i++)
			if (mp_zone_load_file(*zone, o->zones[i], &why) != MP_OK)
				mp_fatal(MP_EXIT_USAGE, "%s", why.text);
		for (size_t i = 0; i < o->nfails; i++)
			if (mp_zone_fail(*zone, mp_str_make(o->fails[i].name, o->fails[i].name_len),
			        0, o->fails[i].status) != MP_OK)
				mp_fatal(MP_EXIT_USAGE, "bad --zone-fail name");
		if ((r = mp_resolver_new_zone(*zone)) == NULL)
			mp_fatal(MP_EXIT_TEMP, "out of memory");
		return r;
	}
	if (use_udp(o)) {
		struct mp_udp_opts udp = { .servers = o->servers, .nservers = o->nservers,
		                           .timeout_ms = o->timeout_ms };
		if ((r = mp_resolver_new_udp(&udp, &why)) == NULL)
			mp_fatal(MP_EXIT_USAGE, "resolver: %s", why.text);
		return r;
	}
	/* RFC 6761 names are answered inside libunbound unless unblocked; a
	 * server named with --dns (a test server) gets to answer them */
	static const char *const unblock[] = { "test.", "invalid." };
	uo.servers = o->servers;
	uo.nservers = o->nservers;
	if (o->nservers > 0) {
		uo.unblock_zones = unblock;
		uo.nunblock = sizeof unblock / sizeof unblock[0];
	}
	uo.timeout_ms = o->timeout_ms;
	uo.recursive = o->recursive;
	uo.dnssec = o->dnssec;
	if ((r = mp_resolver_new_unbound(&uo, &why)) == NULL)
		mp_fatal(MP_EXIT_USAGE, "resolver: %s", why.text);
	return r;
}
