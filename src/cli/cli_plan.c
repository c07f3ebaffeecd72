/* cli_plan.c - `mailproof plan` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_plan(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof plan: not implemented yet\n");
	return MP_EXIT_USAGE;
}
