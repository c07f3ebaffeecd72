/* opendkim_bench.c - libopendkim (Debian's) driven in-process over the
 * bench corpus: load every message, then verify them all with dkim_chunk()
 * and dkim_eom() (keys through the library's own resolver, i.e.
 * /etc/resolv.conf), best of ROUNDS, and print
 * "libopendkim msgs=N sigs=S pass=P fail=F other=O cpu_us=T".
 * Usage: dkim_opendkim_bench MANIFEST [ROUNDS] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <dkim.h>

struct msg {
	unsigned char *p;
	size_t len;
};

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*len = (size_t)n;
	return buf;
}

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec
	       + ru.ru_stime.tv_usec;
}

int
main(int argc, char **argv)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	struct msg *msgs = NULL;
	size_t n = 0, cap = 0, sigs = 0, pass = 0, fail = 0, other = 0;
	int rounds = argc > 2 ? atoi(argv[2]) : 1;
	char line[8192];
	FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
	double best = 0;

	if (lib == NULL || f == NULL)
		return 2;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (n == cap)
			msgs = realloc(msgs, (cap = cap ? 2 * cap : 1024) * sizeof *msgs);
		if ((msgs[n].p = slurp(line, &msgs[n].len)) == NULL)
			return 2;
		n++;
	}
	fclose(f);
	for (int round = 0; round < rounds; round++) {
		double t0 = cpu_us(), t;

		sigs = pass = fail = other = 0;
		for (size_t k = 0; k < n; k++) {
			DKIM_STAT st;
			DKIM *d = dkim_verify(lib, (const unsigned char *)"bench", NULL, &st);
			DKIM_SIGINFO **sl;
			int ns = 0;

			if (d == NULL)
				return 2;
			dkim_chunk(d, msgs[k].p, msgs[k].len);
			dkim_chunk(d, NULL, 0);
			dkim_eom(d, NULL);
			if (dkim_getsiglist(d, &sl, &ns) == DKIM_STAT_OK) {
				for (int i = 0; i < ns; i++) {
					sigs++;
					if (DKIM_SIG_CHECK(sl[i]))
						pass++;
					else if ((dkim_sig_getflags(sl[i]) & DKIM_SIGFLAG_PROCESSED) != 0)
						fail++;
					else
						other++;
				}
			}
			dkim_free(d);
		}
		t = cpu_us() - t0;
		if (round == 0 || t < best)
			best = t;
	}
	printf("libopendkim msgs=%zu sigs=%zu pass=%zu fail=%zu other=%zu cpu_us=%.0f\n", n, sigs,
	       pass, fail, other, best);
	dkim_close(lib);
	for (size_t k = 0; k < n; k++)
		free(msgs[k].p);
	free(msgs);
	return 0;
}
