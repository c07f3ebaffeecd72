/* cli_audit.c - `mailproof audit` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_audit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof audit: not implemented yet\n");
	return MP_EXIT_USAGE;
}
