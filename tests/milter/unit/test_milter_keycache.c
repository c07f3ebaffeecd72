/* test_milter_keycache.c - mailproofd's inbound checks share one decoded
 * DKIM key cache per configuration generation: signatures from different
 * domains and selectors that publish one key decode it once, each still
 * judged by its own key record (h=sha1 refuses rsa-sha256); a reload (a new generation)
 * starts with an empty cache; checks without a cache give the same
 * results. The program's sources are compiled in, as the session fuzzer
 * does (mailproofd is a program, not a library area), against a ZoneFile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../../src/milter/milter_check.c"
#include "../../../src/milter/milter_dnscache.c"
#include "../../../src/milter/milter_gen.c"
#include "../../../src/milter/milter_sign.c"

static struct mp_signer *rsa;
static char dir[] = "/tmp/mp-milter-keycache-XXXXXX";
static char conf_path[sizeof dir + 32], zone_path[sizeof dir + 32];

static const char body[] = "one key, two domains\r\n";

/* write_file - text to path */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* txt_strings - s as zone-file TXT data: quoted strings of 255 or fewer */
static void
txt_strings(struct mp_buf *b, const char *s)
{
	size_t len = strlen(s);

	for (size_t off = 0; off < len; off += 255)
		mp_buf_printf(b, " \"%.*s\"", (int)(len - off < 255 ? len - off : 255), s + off);
}

/* headers_of - a signed message for domain/selector: the header block
 * (fields with CRLF, no empty line), malloc'd */
static char *
headers_of(const char *domain, const char *selector)
{
	struct mp_dkim_sign_opts o;
	struct mp_dkim_sign *ds;
	struct mp_buf out;
	struct mp_why why;
	char *res;

	mp_buf_init(&out, 1 << 16);
	mp_buf_printf(&out, "From: a@%s\r\nTo: b@example.org\r\nSubject: keys\r\n", domain);
	mp_dkim_sign_opts_init(&o);
	o.signer = rsa;
	o.domain = mp_str_c(domain);
	o.selector = mp_str_c(selector);
	o.hcanon = MP_DKIM_RELAXED;
	o.bcanon = MP_DKIM_RELAXED;
	ds = mp_dkim_sign_new(&o, 1, &why);
	assert_non_null(ds);
	assert_int_equal(mp_dkim_sign_feed(ds, out.ptr, out.len), MP_OK);
	assert_int_equal(mp_dkim_sign_feed(ds, "\r\n", 2), MP_OK);
	assert_int_equal(mp_dkim_sign_feed(ds, body, strlen(body)), MP_OK);
	res = NULL;
	{
		struct mp_buf sig;

		mp_buf_init(&sig, 1 << 16);
		assert_int_equal(mp_dkim_sign_end(ds, &sig, &why), MP_OK);
		mp_buf_append_str(&sig, mp_buf_str(&out));
		res = strdup(sig.ptr);
		mp_buf_fini(&sig);
	}
	mp_buf_fini(&out);
	mp_dkim_sign_free(ds);
	assert_non_null(res);
	return res;
}

/* check - one message through the generation's checks (keys: the cache to
 * use); the DKIM token for the log line */
static const char *
check(struct milter_gen *g, struct mp_dkim_key_cache *keys, const char *domain,
      const char *selector)
{
	struct mp_resolver *r = mp_resolver_new_zone(g->zone);
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	struct milter_check_facts f = {
		.family = 4,
		.addr = ip,
		.helo = MP_STR_LIT("mx.example.org"),
		.mail_from = MP_STR_LIT(""),
		.authserv_id = MP_STR_LIT("mx.test"),
		.resolver = r,
		.keys = keys,
		.budget_ms = 5000,
	};
	char *headers = headers_of(domain, selector);
	struct milter_check *k;
	struct milter_verdict v;
	struct mp_buf ar;
	struct mp_why why;
	const char *spf, *dkim, *dmarc;

	assert_non_null(r);
	mp_buf_init(&ar, 1 << 16);
	mp_why_clear(&why);
	assert_int_equal(milter_check_start(&f, mp_str_c(headers), &k, &why), MP_OK);
	assert_int_equal(milter_check_body(k, body, strlen(body)), MP_OK);
	assert_int_equal(milter_check_end(k, &v, &ar, &spf, &dkim, &dmarc, &why), MP_OK);
	assert_non_null(strstr(mp_buf_str(&ar).ptr, "dkim="));
	milter_check_free(k);
	mp_buf_fini(&ar);
	mp_resolver_free(r);
	free(headers);
	return dkim;
}

/* gen_new - a generation from the files, as mailproofd loads and reloads */
static struct milter_gen *
gen_new(void)
{
	struct mp_why why;
	struct milter_gen *g = milter_gen_load(conf_path, &why);

	if (g == NULL)
		fail_msg("load: %s", why.text);
	if (milter_gen_start_dns(g, &why) != MP_OK)
		fail_msg("start: %s", why.text);
	assert_non_null(g->keys);
	return g;
}

/* stats_are - hit and miss (decode) counts of c */
static void
stats_are(struct mp_dkim_key_cache *c, uint64_t want_hits, uint64_t want_misses)
{
	uint64_t hits, misses;

	mp_dkim_key_cache_stats(c, &hits, &misses);
	assert_int_equal(misses, want_misses);
	assert_int_equal(hits, want_hits);
}

static void
test_generation_cache(void **state)
{
	struct milter_gen *g = gen_new(), *g2;

	(void)state;
	stats_are(g->keys, 0, 0);
	assert_string_equal(check(g, g->keys, "one.test", "a"), "pass");
	stats_are(g->keys, 0, 1);
	/* the same p= at another domain and selector (t=y, h=sha256): one
	 * decode for both */
	assert_string_equal(check(g, g->keys, "two.test", "c"), "pass");
	stats_are(g->keys, 1, 1);
	/* and with h=sha1: refused by its own record, the cached key aside */
	assert_string_equal(check(g, g->keys, "two.test", "b"), "permerror");
	stats_are(g->keys, 1, 1);
	assert_string_equal(check(g, g->keys, "one.test", "a"), "pass");
	stats_are(g->keys, 2, 1);
	/* SIGHUP: a new generation, an empty cache; the old one is untouched
	 * until its last connection lets go */
	g2 = gen_new();
	assert_ptr_not_equal(g2->keys, g->keys);
	stats_are(g2->keys, 0, 0);
	assert_string_equal(check(g2, g2->keys, "two.test", "c"), "pass");
	stats_are(g2->keys, 0, 1);
	stats_are(g->keys, 2, 1);
	/* without a cache: the same results */
	assert_string_equal(check(g, NULL, "two.test", "c"), "pass");
	assert_string_equal(check(g, NULL, "two.test", "b"), "permerror");
	assert_string_equal(check(g, NULL, "one.test", "a"), "pass");
	stats_are(g->keys, 2, 1);
	milter_gen_unref(g);
	milter_gen_unref(g2);
}

static int
setup(void **state)
{
	struct mp_why why;
	struct mp_buf p, z, c;

	(void)state;
	if ((rsa = mp_signer_generate(MP_DKIM_RSA_SHA256, 2048, &why)) == NULL
	    || mkdtemp(dir) == NULL)
		return -1;
	snprintf(conf_path, sizeof conf_path, "%s/mailproofd.conf", dir);
	snprintf(zone_path, sizeof zone_path, "%s/zone", dir);
	mp_buf_init(&p, 8192);
	mp_buf_init(&z, 16384);
	mp_buf_init(&c, 4096);
	mp_buf_append_c(&p, "v=DKIM1; k=rsa; p=");
	if (mp_signer_public_b64(rsa, &p) != MP_OK)
		return -1;
	mp_buf_append_c(&z, "$ORIGIN test.\na._domainkey.one 300 IN TXT");
	txt_strings(&z, p.ptr);
	mp_buf_append_c(&z, "\nb._domainkey.two 300 IN TXT");
	txt_strings(&z, "v=DKIM1; h=sha1; k=rsa; p=");
	txt_strings(&z, p.ptr + strlen("v=DKIM1; k=rsa; p="));
	mp_buf_append_c(&z, "\nc._domainkey.two 300 IN TXT");
	txt_strings(&z, "v=DKIM1; t=y; h=sha256; k=rsa; p=");
	txt_strings(&z, p.ptr + strlen("v=DKIM1; k=rsa; p="));
	mp_buf_append_c(&z, "\n");
	write_file(zone_path, z.ptr);
	mp_buf_printf(&c, "Socket inet:1@127.0.0.1\nAuthservID mx.test\nZoneFile %s\n", zone_path);
	write_file(conf_path, c.ptr);
	mp_buf_fini(&p);
	mp_buf_fini(&z);
	mp_buf_fini(&c);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mp_signer_free(rsa);
	unlink(conf_path);
	unlink(zone_path);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation_cache),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
