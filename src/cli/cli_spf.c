/* cli_spf.c - `mailproof spf` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_spf(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof spf: not implemented yet\n");
	return MP_EXIT_USAGE;
}
