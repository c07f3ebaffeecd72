/* threads.c - the libunbound driver under load against a real server:
 * several worker threads asking synchronously (mp_resolver_query) on one
 * shared resolver, then thousands of questions in flight from one thread
 * (submit + poll). Every answer is checked; the rate is printed.
 * usage: threads PORT */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#define THREADS 4
#define PER_THREAD 300
#define ASYNC 2000

static const struct want {
	uint16_t type;
	const char *name;
	enum mp_dns_status status;
	size_t nrr;
} wants[] = {
	{ MP_DNS_T_A, "www.integ.test", MP_DNS_OK, 2 },
	{ MP_DNS_T_TXT, "integ.test", MP_DNS_OK, 1 },
	{ MP_DNS_T_MX, "integ.test", MP_DNS_OK, 2 },
	{ MP_DNS_T_TXT, "mx1.integ.test", MP_DNS_NODATA, 0 },
	{ MP_DNS_T_A, "nope.integ.test", MP_DNS_NXDOMAIN, 0 },
	{ MP_DNS_T_TXT, "x.wild.integ.test", MP_DNS_OK, 1 },
	{ MP_DNS_T_TXT, "chain1.integ.test", MP_DNS_OK, 1 },
	{ MP_DNS_T_A, "a..integ.test", MP_DNS_MALFORMED, 0 },
};
#define NWANTS (sizeof wants / sizeof wants[0])

static struct mp_resolver *resolver;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* verify - one answer against its expectation */
static void
verify(const struct want *w, const struct mp_dns_answer *a)
{
	if (a->status == w->status && a->nrr == w->nrr)
		return;
	pthread_mutex_lock(&lock);
	failures++;
	fprintf(stderr, "%s %s: got %s/%zu want %s/%zu (%.*s)\n", mp_dns_type_name(w->type),
	        w->name, mp_dns_status_name(a->status), a->nrr, mp_dns_status_name(w->status),
	        w->nrr, (int)a->why.len, a->why.ptr);
	pthread_mutex_unlock(&lock);
}

/* worker - synchronous questions from one thread */
static void *
worker(void *arg)
{
	size_t off = (size_t)(uintptr_t)arg;
	struct mp_arena a;

	mp_arena_init(&a, 1 << 20);
	for (size_t i = 0; i < PER_THREAD; i++) {
		const struct want *w = &wants[(i + off) % NWANTS];
		struct mp_dns_question q;
		const struct mp_dns_answer *ans;
		mp_dns_question_set(&q, w->type, mp_str_c(w->name));
		if (mp_resolver_query(resolver, &q, &a, &ans) != MP_OK) {
			pthread_mutex_lock(&lock);
			failures++;
			pthread_mutex_unlock(&lock);
		} else {
			verify(w, ans);
		}
		mp_arena_reset(&a);
	}
	mp_arena_fini(&a);
	return NULL;
}

static size_t answered;

/* on_done - async answers */
static void
on_done(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	(void)q;
	verify(arg, ans);
	answered++;
}

/* seconds - monotonic clock */
static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const char *const unblock[] = { "test." };
	char server[64];
	const char *servers[1] = { server };
	struct mp_unbound_opts o = { 0 };
	struct mp_why why;
	pthread_t th[THREADS];
	static struct mp_dns_question qs[ASYNC];
	double t0;

	if (argc != 2)
		return fprintf(stderr, "usage: threads PORT\n"), 2;
	snprintf(server, sizeof server, "127.0.0.1@%s", argv[1]);
	o.servers = servers;
	o.nservers = 1;
	o.unblock_zones = unblock;
	o.nunblock = 1;
	o.timeout_ms = 20000; /* CI under sanitizers is slow; this is a load test */
	if ((resolver = mp_resolver_new_unbound(&o, &why)) == NULL)
		return fprintf(stderr, "resolver: %s\n", why.text), 1;

	t0 = seconds();
	for (size_t i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
	for (size_t i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	printf("sync: %d threads x %d questions in %.3f s\n", THREADS, PER_THREAD, seconds() - t0);

	t0 = seconds();
	for (size_t i = 0; i < ASYNC; i++) {
		const struct want *w = &wants[i % NWANTS];
		mp_dns_question_set(&qs[i], w->type, mp_str_c(w->name));
		if (mp_resolver_submit(resolver, &qs[i], on_done, (void *)w) != MP_OK)
			return fprintf(stderr, "submit failed\n"), 1;
	}
	while (mp_resolver_pending(resolver) > 0)
		if (mp_resolver_poll(resolver, 1000) != MP_OK)
			return fprintf(stderr, "poll failed\n"), 1;
	printf("async: %d questions in flight from one thread, answered in %.3f s\n", ASYNC,
	       seconds() - t0);
	mp_resolver_free(resolver);
	if (answered != ASYNC || failures > 0) {
		fprintf(stderr, "FAIL: %zu answered, %d wrong\n", answered, failures);
		return 1;
	}
	printf("threads: ok\n");
	return 0;
}
