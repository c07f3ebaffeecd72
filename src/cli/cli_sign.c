/* cli_sign.c - `mailproof sign` (not yet implemented; see the issue tracker). */
#include <stdio.h>

#include "cli.h"

int
mp_cli_sign(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mailproof sign: not implemented yet\n");
	return MP_EXIT_USAGE;
}
