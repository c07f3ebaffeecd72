/* milter_prog.h - what the libmilter glue (milter_cb.c) and the program
 * (milter_main.c) share: the current configuration generation. */
#ifndef MAILPROOF_MILTER_PROG_H
#define MAILPROOF_MILTER_PROG_H

#include <libmilter/mfapi.h>

#include "milter_conn.h"

/* The current generation with a reference taken (never NULL while
 * smfi_main runs). */
struct milter_gen *milter_current(void);
/* The callbacks and flags mailproofd registers. */
extern struct smfiDesc milter_desc;

#endif
