/* main.c - the mailproof command: dispatch to subcommands.
 * Each subcommand lives in cli_<name>.c and only translates arguments
 * and output; the work is in the library. */
#include <stdio.h>
#include <string.h>

#include <mailproof/log.h>

#include "cli.h"

static const struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "check", mp_cli_check, "is this domain protected? (SPF, DKIM, DMARC, MX)" },
	{ "verify", mp_cli_verify, "SPF, DKIM and DMARC verdict on a message" },
	{ "spf", mp_cli_spf, "evaluate or lint SPF (RFC 7208)" },
	{ "sign", mp_cli_sign, "DKIM-sign a message" },
	{ "keygen", mp_cli_keygen, "make a DKIM key and its DNS record" },
	{ "audit", mp_cli_audit, "check a mail server's own doors" },
	{ "plan", mp_cli_plan, "turn an inventory into records and configuration" },
	{ "dns", mp_cli_dns, "look up a DNS record the way mailproof sees it" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: mailproof COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'mailproof COMMAND --help' describes a command.\n"
	    "Exit status: 0 good, 1 bad, 2 usage or input error, 3 temporary (DNS) error.\n");
}

int
main(int argc, char **argv)
{
	mp_log_set_progname("mailproof");
	if (argc < 2) {
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return MP_EXIT_GOOD;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mailproof 0.1.0\n");
		return MP_EXIT_GOOD;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mailproof: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return MP_EXIT_USAGE;
}
