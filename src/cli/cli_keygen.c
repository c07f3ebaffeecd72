/* cli_keygen.c - `mailproof keygen` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_keygen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof keygen: not implemented yet\n");
	return MP_EXIT_USAGE;
}
