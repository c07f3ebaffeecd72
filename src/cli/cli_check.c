/* cli_check.c - `mailproof check` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof check: not implemented yet\n");
	return MP_EXIT_USAGE;
}
