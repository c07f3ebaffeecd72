/* util_alloc.c - the library's one allocator entry point.
 *
 * Everything the library allocates goes through mp_alloc/mp_free so tests
 * can fail the nth allocation (STYLE.md §10). The failure counter is the
 * one piece of process state, used only by tests; it is thread-local.
 */
#include <stdlib.h>
#include <string.h>

#include <mailproof/str.h>

static _Thread_local unsigned long fail_after;

/* fail_now - count down to the allocation a test wants to fail */
static int
fail_now(void)
{
	if (fail_after == 0)
		return 0;
	if (--fail_after == 0)
		return 1;
	return 0;
}

void
mp_alloc_fail_after(unsigned long n)
{
	fail_after = n;
}

void *
mp_alloc(size_t len)
{
	if (fail_now())
		return NULL;
	return malloc(len ? len : 1);
}

void *
mp_zalloc(size_t len)
{
	if (fail_now())
		return NULL;
	return calloc(1, len ? len : 1);
}

void *
mp_realloc(void *p, size_t len)
{
	if (fail_now())
		return NULL;
	return realloc(p, len ? len : 1);
}

void
mp_free(void *p)
{
	free(p);
}
