/* cli_verify.c - `mailproof verify` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof verify: not implemented yet\n");
	return MP_EXIT_USAGE;
}
