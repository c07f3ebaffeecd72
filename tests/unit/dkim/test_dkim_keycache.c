/* test_dkim_keycache.c - the decoded-key cache is keyed by the key (p= and
 * k=), not by selector or domain: records that publish one key share a
 * decode, while each record's own tags (t=y, t=s, h=, an empty p=) still
 * decide its signature's result. Messages are signed by mailproof's signer,
 * keys served from in-memory zone data. The cache's miss count is its
 * decode count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

static struct mp_signer *rsa, *rsa_other, *ed;

static const char msg[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.org\r\n"
	"Subject: shared keys\r\n"
	"Message-ID: <k@example.com>\r\n"
	"\r\n"
	"one key, many selectors\r\n";

/* add_key - a key record split in 255-byte strings */
static void
add_key(struct mp_zone *z, const char *name, const char *record)
{
	struct mp_str parts[32];
	size_t n = 0, len = strlen(record);

	for (size_t off = 0; n == 0 || off < len; off += 255)
		parts[n++] = mp_str_make(record + off, len - off < 255 ? len - off : 255);
	assert_int_equal(mp_zone_add_txt(z, mp_str_c(name), parts, n), MP_OK);
}

/* add_signer_key - "v=DKIM1; k=..; <extra>; p=<s's key>" at name */
static void
add_signer_key(struct mp_zone *z, const char *name, const struct mp_signer *s, const char *extra)
{
	struct mp_buf b;

	mp_buf_init(&b, 8192);
	mp_buf_printf(&b, "v=DKIM1; k=%s; %s%sp=",
	              mp_signer_alg(s) == MP_DKIM_ED25519_SHA256 ? "ed25519" : "rsa",
	              extra ? extra : "", extra ? "; " : "");
	assert_int_equal(mp_signer_public_b64(s, &b), MP_OK);
	add_key(z, name, b.ptr);
	mp_buf_fini(&b);
}

/* sign - msg signed by s as selector at domain, with i= identity when
 * non-NULL (malloc'd) */
static char *
sign(struct mp_signer *s, const char *domain, const char *selector, const char *identity)
{
	struct mp_dkim_sign_opts o;
	struct mp_dkim_sign *ds;
	struct mp_buf out;
	struct mp_why why;
	char *res;

	mp_dkim_sign_opts_init(&o);
	o.signer = s;
	o.domain = mp_str_c(domain);
	o.selector = mp_str_c(selector);
	o.hcanon = MP_DKIM_RELAXED;
	o.bcanon = MP_DKIM_RELAXED;
	if (identity)
		o.identity = mp_str_c(identity);
	ds = mp_dkim_sign_new(&o, 1, &why);
	assert_non_null(ds);
	mp_buf_init(&out, 1 << 16);
	assert_int_equal(mp_dkim_sign_feed(ds, msg, strlen(msg)), MP_OK);
	assert_int_equal(mp_dkim_sign_end(ds, &out, &why), MP_OK);
	mp_buf_append_c(&out, msg);
	res = strdup(out.ptr);
	mp_buf_fini(&out);
	mp_dkim_sign_free(ds);
	return res;
}

/* check - verify m against z through cache; its one result must be want
 * for reason why_want, with key_testing as testing */
static void
check(const char *name, const char *m, struct mp_zone *z, struct mp_dkim_key_cache *cache,
      enum mp_dkim_result want, enum mp_reason why_want, bool testing, bool sig_checked)
{
	struct mp_dkim_verify_opts o = { .cache = cache };
	struct mp_dkim_verify *v = mp_dkim_verify_new(&o);
	struct mp_resolver *r = mp_resolver_new_zone(z);
	const struct mp_dkim_sig_result *res;
	struct mp_dns_client c;

	assert_non_null(v);
	assert_non_null(r);
	assert_int_equal(mp_dkim_verify_feed(v, m, strlen(m)), MP_OK);
	assert_int_equal(mp_dkim_verify_end(v), MP_OK);
	mp_dkim_verify_client(v, &c);
	assert_int_equal(mp_dns_drive(r, &c), MP_OK);
	assert_int_equal(mp_dkim_verify_nresults(v), 1);
	res = mp_dkim_verify_result(v, 0);
	if (res->result != want || res->why.reason != why_want)
		fail_msg("%s: %s %s (%s), want %s %s", name, mp_dkim_result_name(res->result),
		         mp_reason_token(res->why.reason), res->why.text, mp_dkim_result_name(want),
		         mp_reason_token(why_want));
	assert_int_equal(res->key_testing, testing);
	assert_int_equal(res->sig_checked, sig_checked);
	if (sig_checked)
		assert_int_equal(res->key_bits, 2048);
	mp_dkim_verify_free(v);
	mp_resolver_free(r);
}

/* stats_are - the cache's hit and miss (decode) counts */
static void
stats_are(struct mp_dkim_key_cache *c, uint64_t want_hits, uint64_t want_misses)
{
	uint64_t hits, misses;

	mp_dkim_key_cache_stats(c, &hits, &misses);
	assert_int_equal(misses, want_misses);
	assert_int_equal(hits, want_hits);
}

/* one p= under selectors with different t= and h=: one decode, each
 * selector's own result, in either order */
static void
test_shared_key_own_flags(void **state)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(16);
	char *plain = sign(rsa, "example.com", "plain", NULL);
	char *testing = sign(rsa, "example.com", "testing", NULL);
	char *strict_sub = sign(rsa, "example.com", "strict", "@mail.example.com");
	char *strict_same = sign(rsa, "example.com", "strict", "@example.com");
	char *sha1only = sign(rsa, "example.com", "sha1only", NULL);
	char *other_dom = sign(rsa, "example.net", "plain", NULL);
	char *revoked = sign(rsa, "example.com", "revoked", NULL);

	(void)state;
	assert_non_null(z);
	assert_non_null(cache);
	add_signer_key(z, "plain._domainkey.example.com", rsa, NULL);
	add_signer_key(z, "testing._domainkey.example.com", rsa, "t=y");
	add_signer_key(z, "strict._domainkey.example.com", rsa, "t=s");
	add_signer_key(z, "sha1only._domainkey.example.com", rsa, "h=sha1");
	add_signer_key(z, "plain._domainkey.example.net", rsa, "h=sha256; s=email");
	add_key(z, "revoked._domainkey.example.com", "v=DKIM1; k=rsa; p=");

	/* t=y first: its flag must not stick to the key for "plain" after */
	check("t=y", testing, z, cache, MP_DKIM_PASS, MP_REASON_NONE, true, true);
	stats_are(cache, 0, 1);
	check("plain after t=y", plain, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	stats_are(cache, 1, 1);
	/* t=s refuses an i= subdomain before any key is made */
	check("t=s, i= subdomain", strict_sub, z, cache, MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_STRICT,
	      false, false);
	check("t=s, i= = d=", strict_same, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	stats_are(cache, 2, 1);
	/* h=sha1 refuses rsa-sha256 for that selector only */
	check("h=sha1", sha1only, z, cache, MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_HASH, false, false);
	check("plain after h=sha1", plain, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	/* another domain, same key: shared too */
	check("other domain", other_dom, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	check("t=y again", testing, z, cache, MP_DKIM_PASS, MP_REASON_NONE, true, true);
	/* a revoked record is revoked whatever the cache holds */
	check("revoked", revoked, z, cache, MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_REVOKED, false,
	      false);
	stats_are(cache, 5, 1);

	free(plain);
	free(testing);
	free(strict_sub);
	free(strict_same);
	free(sha1only);
	free(other_dom);
	free(revoked);
	mp_dkim_key_cache_free(cache);
	mp_zone_free(z);
}

/* a selector rotated to a new key is a new entry (p= is the key), and a
 * signature by the old key fails against the new record even though the
 * old key is still cached */
static void
test_rotation(void **state)
{
	struct mp_zone *z1 = mp_zone_new(), *z2 = mp_zone_new();
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(16);
	char *old_sig = sign(rsa, "example.com", "sel", NULL);
	char *new_sig = sign(rsa_other, "example.com", "sel", NULL);

	(void)state;
	add_signer_key(z1, "sel._domainkey.example.com", rsa, NULL);
	add_signer_key(z2, "sel._domainkey.example.com", rsa_other, NULL);
	check("before rotation", old_sig, z1, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	check("old signature, new key", old_sig, z2, cache, MP_DKIM_FAIL,
	      MP_REASON_DKIM_SIG_MISMATCH, false, true);
	check("new signature, new key", new_sig, z2, cache, MP_DKIM_PASS, MP_REASON_NONE, false,
	      true);
	stats_are(cache, 1, 2);
	check("old signature, old key", old_sig, z1, cache, MP_DKIM_PASS, MP_REASON_NONE, false,
	      true);
	stats_are(cache, 2, 2);
	free(old_sig);
	free(new_sig);
	mp_dkim_key_cache_free(cache);
	mp_zone_free(z1);
	mp_zone_free(z2);
}

/* the same p= bytes under k=rsa and k=ed25519 are different keys: the
 * Ed25519 one (32 bytes) as k=rsa is not an RSA key, and must not borrow
 * the Ed25519 decode */
static void
test_type_is_part_of_key(void **state)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(16);
	struct mp_buf p;
	char rec[256];
	char *ed_sig = sign(ed, "example.com", "ed", NULL);
	char *rsa_sig = sign(rsa, "example.com", "edasrsa", NULL);

	(void)state;
	mp_buf_init(&p, 256);
	assert_int_equal(mp_signer_public_b64(ed, &p), MP_OK);
	snprintf(rec, sizeof rec, "v=DKIM1; k=ed25519; p=%s", p.ptr);
	add_key(z, "ed._domainkey.example.com", rec);
	snprintf(rec, sizeof rec, "v=DKIM1; k=rsa; p=%s", p.ptr);
	add_key(z, "edasrsa._domainkey.example.com", rec);
	mp_buf_fini(&p);
	{
		struct mp_dkim_verify_opts o = { .cache = cache };
		struct mp_dkim_verify *v = mp_dkim_verify_new(&o);
		struct mp_resolver *r = mp_resolver_new_zone(z);
		struct mp_dns_client c;

		assert_int_equal(mp_dkim_verify_feed(v, ed_sig, strlen(ed_sig)), MP_OK);
		assert_int_equal(mp_dkim_verify_end(v), MP_OK);
		mp_dkim_verify_client(v, &c);
		assert_int_equal(mp_dns_drive(r, &c), MP_OK);
		assert_int_equal(mp_dkim_verify_result(v, 0)->result, MP_DKIM_PASS);
		assert_int_equal(mp_dkim_verify_result(v, 0)->key_bits, 256);
		mp_dkim_verify_free(v);
		v = mp_dkim_verify_new(&o);
		assert_int_equal(mp_dkim_verify_feed(v, rsa_sig, strlen(rsa_sig)), MP_OK);
		assert_int_equal(mp_dkim_verify_end(v), MP_OK);
		mp_dkim_verify_client(v, &c);
		assert_int_equal(mp_dns_drive(r, &c), MP_OK);
		assert_int_equal(mp_dkim_verify_result(v, 0)->result, MP_DKIM_PERMERROR);
		assert_int_equal(mp_dkim_verify_result(v, 0)->why.reason, MP_REASON_DKIM_KEY_BAD);
		mp_dkim_verify_free(v);
		mp_resolver_free(r);
	}
	stats_are(cache, 0, 2);
	free(ed_sig);
	free(rsa_sig);
	mp_dkim_key_cache_free(cache);
	mp_zone_free(z);
}

/* with a max age, an entry is decoded again once it is that old; 0 keeps
 * it (an age of 1 s needs a real second to pass: waits ~1-2 s) */
static void
test_max_age(void **state)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(16);
	char *m = sign(rsa, "example.com", "plain", NULL);
	struct timespec t0, t;

	(void)state;
	add_signer_key(z, "plain._domainkey.example.com", rsa, NULL);
	mp_dkim_key_cache_set_max_age(cache, 3600);
	check("first", m, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	check("within an hour", m, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	stats_are(cache, 1, 1);
	mp_dkim_key_cache_set_max_age(cache, 1);
	/* wait until the monotonic second has moved on by at least one */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct timespec nap = { 0, 50 * 1000 * 1000 };

		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec < t0.tv_sec + 1);
	check("after max age", m, z, cache, MP_DKIM_PASS, MP_REASON_NONE, false, true);
	stats_are(cache, 1, 2);
	free(m);
	mp_dkim_key_cache_free(cache);
	mp_zone_free(z);
}

static int
setup(void **state)
{
	struct mp_why why;

	(void)state;
	rsa = mp_signer_generate(MP_DKIM_RSA_SHA256, 2048, &why);
	rsa_other = mp_signer_generate(MP_DKIM_RSA_SHA256, 2048, &why);
	ed = mp_signer_generate(MP_DKIM_ED25519_SHA256, 0, &why);
	return rsa && rsa_other && ed ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	mp_signer_free(rsa);
	mp_signer_free(rsa_other);
	mp_signer_free(ed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_key_own_flags),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_type_is_part_of_key),
		cmocka_unit_test(test_max_age),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
