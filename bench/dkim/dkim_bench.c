/* dkim_bench.c - mailproof side of bench/dkim.
 *
 *   dkim_bench sign MANIFEST
 *       "in<TAB>out<TAB>domain<TAB>selector<TAB>key[<TAB>selector<TAB>key]":
 *       sign (one or two signatures in one pass) and write out.
 *   dkim_bench verify DNS_ADDR[@PORT] MANIFEST [ROUNDS]
 *       Load every message, then verify them all, 64 in flight through
 *       mp_dns_drive_many (keys from the resolver at DNS_ADDR through the
 *       UDP stub client, the CLI's default, or through libunbound with
 *       MAILPROOF_DNS_CLIENT=unbound, or from "zone:FILE" for profiling;
 *       decoded keys cached), and print one line:
 *       "mailproof msgs=N sigs=S pass=P fail=F other=O cpu_us=T"
 *       ("mailproof-libunbound ..." with libunbound) for the best round
 *       (CPU time of this process: user + system).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

struct msg {
	char *p;
	size_t len;
};

/* slurp - whole file */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
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

/* split - tab-separated columns in place */
static int
split(char *line, char **cols, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line; p && n < max; n++) {
		cols[n] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	return n;
}

/* do_sign - sign every manifest line */
static int
do_sign(const char *manifest)
{
	FILE *f = fopen(manifest, "r");
	char line[8192];

	if (f == NULL)
		return 2;
	while (fgets(line, sizeof line, f)) {
		char *c[7];
		int n = split(line, c, 7);
		struct mp_dkim_sign_opts o[2];
		struct mp_signer *keys[2] = { 0 };
		struct mp_dkim_sign *s;
		struct mp_why why;
		struct mp_buf out;
		size_t len, ns = n >= 7 ? 2 : 1;
		char *msg = n >= 5 ? slurp(c[0], &len) : NULL;
		FILE *w;

		if (msg == NULL)
			return 2;
		for (size_t k = 0; k < ns; k++) {
			keys[k] = mp_signer_load_file(c[4 + 2 * k], false, &why);
			if (keys[k] == NULL) {
				fprintf(stderr, "%s\n", why.text);
				return 2;
			}
			mp_dkim_sign_opts_init(&o[k]);
			o[k].signer = keys[k];
			o[k].domain = mp_str_c(c[2]);
			o[k].selector = mp_str_c(c[3 + 2 * k]);
		}
		s = mp_dkim_sign_new(o, ns, &why);
		mp_buf_init(&out, 1 << 20);
		if (s == NULL || mp_dkim_sign_feed(s, msg, len) != MP_OK
		    || mp_dkim_sign_end(s, &out, &why) != MP_OK || mp_why_failed(&why))
			return 2;
		w = fopen(c[1], "wb");
		if (w == NULL || fwrite(out.ptr, 1, out.len, w) != out.len
		    || fwrite(msg, 1, len, w) != len || fclose(w) != 0)
			return 2;
		mp_buf_fini(&out);
		mp_dkim_sign_free(s);
		for (size_t k = 0; k < ns; k++)
			mp_signer_free(keys[k]);
		free(msg);
	}
	fclose(f);
	return 0;
}

/* cpu_us - user + system CPU of this process */
static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec
	       + ru.ru_stime.tv_usec;
}

#define INFLIGHT 64      /* messages in progress at once (mp_dns_drive_many) */

struct many {
	struct mp_dkim_verify *v[INFLIGHT];
	bool busy[INFLIGHT];
	const struct msg *msgs;
	size_t n, next;
	size_t sigs, pass, fail, other;
};

/* many_next - the next message into a free verifier */
static bool
many_next(void *arg, struct mp_dns_client *c)
{
	struct many *m = arg;
	size_t k = 0;

	if (m->next == m->n)
		return false;
	while (m->busy[k])
		k++;
	m->busy[k] = true;
	mp_dkim_verify_reset(m->v[k]);
	mp_dkim_verify_feed(m->v[k], m->msgs[m->next].p, m->msgs[m->next].len);
	mp_dkim_verify_end(m->v[k]);
	mp_dkim_verify_client(m->v[k], c);
	m->next++;
	return true;
}

/* many_done - count a finished message's results */
static void
many_done(void *arg, const struct mp_dns_client *c, enum mp_status st)
{
	struct many *m = arg;

	(void)st;
	for (size_t k = 0; k < INFLIGHT; k++) {
		if (m->v[k] != c->core)
			continue;
		for (size_t i = 0; i < mp_dkim_verify_nresults(m->v[k]); i++) {
			enum mp_dkim_result res = mp_dkim_verify_result(m->v[k], i)->result;
			m->sigs++;
			m->pass += res == MP_DKIM_PASS;
			m->fail += res == MP_DKIM_FAIL;
			m->other += res != MP_DKIM_PASS && res != MP_DKIM_FAIL;
		}
		m->busy[k] = false;
	}
}

/* do_verify - verify everything, best of rounds */
static int
do_verify(const char *dns, const char *manifest, int rounds)
{
	static const char *const unblock[] = { "test." };
	const char *servers[1] = { dns };
	struct mp_unbound_opts uo = { .servers = servers, .nservers = 1, .timeout_ms = 5000,
		                      .unblock_zones = unblock, .nunblock = 1 };
	const char *client = getenv("MAILPROOF_DNS_CLIENT"), *name = "mailproof";
	struct mp_why why;
	struct mp_zone *z = NULL;
	struct mp_resolver *r;

	if (strncmp(dns, "zone:", 5) == 0) {     /* profiling without a server */
		z = mp_zone_new();
		if (z == NULL || mp_zone_load_file(z, dns + 5, &why) != MP_OK)
			return 2;
		r = mp_resolver_new_zone(z);
	} else if (client != NULL && strcmp(client, "unbound") == 0) {
		r = mp_resolver_new_unbound(&uo, &why);
		name = "mailproof-libunbound";
	} else {
		struct mp_udp_opts udp = { .servers = servers, .nservers = 1, .timeout_ms = 5000 };
		r = mp_resolver_new_udp(&udp, &why);   /* the CLI's default --dns-client udp */
	}
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(0);
	struct mp_dkim_verify_opts vo = { .cache = cache };
	struct msg *msgs = NULL;
	size_t n = 0, cap = 0;
	char line[8192];
	FILE *f = fopen(manifest, "r");
	double best = 0;
	size_t sigs = 0, pass = 0, fail = 0, other = 0;

	if (r == NULL || f == NULL) {
		fprintf(stderr, "dkim_bench: %s\n", r ? "setup failed" : why.text);
		return 2;
	}
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (n == cap)
			msgs = realloc(msgs, (cap = cap ? 2 * cap : 1024) * sizeof *msgs);
		if ((msgs[n].p = slurp(line, &msgs[n].len)) == NULL)
			return 2;
		n++;
	}
	fclose(f);
	struct many *m = calloc(1, sizeof *m);

	for (size_t k = 0; k < INFLIGHT; k++)
		if ((m->v[k] = mp_dkim_verify_new(&vo)) == NULL)
			return 2;
	for (int round = 0; round < rounds; round++) {
		double t0 = cpu_us(), t;
		struct mp_dns_multi dm = { .resolver = r, .max_clients = INFLIGHT, .next = many_next,
			                   .finished = many_done, .arg = m };

		m->msgs = msgs;
		m->n = n;
		m->next = m->sigs = m->pass = m->fail = m->other = 0;
		if (mp_dns_drive_many(&dm) != MP_OK)
			return 2;
		t = cpu_us() - t0;
		if (round == 0 || t < best)
			best = t;
		sigs = m->sigs;
		pass = m->pass;
		fail = m->fail;
		other = m->other;
	}
	for (size_t k = 0; k < INFLIGHT; k++)
		mp_dkim_verify_free(m->v[k]);
	free(m);
	printf("%s msgs=%zu sigs=%zu pass=%zu fail=%zu other=%zu cpu_us=%.0f\n", name, n, sigs,
	       pass, fail, other, best);
	for (size_t k = 0; k < n; k++)
		free(msgs[k].p);
	free(msgs);
	mp_dkim_key_cache_free(cache);
	mp_resolver_free(r);
	mp_zone_free(z);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "sign") == 0)
		return do_sign(argv[2]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "verify") == 0)
		return do_verify(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 1);
	fprintf(stderr, "usage: dkim_bench sign MANIFEST | verify DNS MANIFEST [ROUNDS]\n");
	return 2;
}
