/* cli_dns.c - `mailproof dns` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_dns(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof dns: not implemented yet\n");
	return MP_EXIT_USAGE;
}
