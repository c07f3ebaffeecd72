/* test_dkim_verify.c - end to end: messages signed by mailproof's signer
 * (and a few python3-dkim fixtures with l=), keys from in-memory zone data,
 * verified through the sans-IO verifier. Each named case checks the result
 * and the reason; a loop fails allocations one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

static struct mp_signer *rsa2048, *rsa1024, *ed;

static const char msg_plain[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.org\r\n"
	"Subject: Lunch\r\n"
	"  tomorrow?\r\n"
	"Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
	"Message-ID: <1@example.com>\r\n"
	"\r\n"
	"Hi Bob,  \r\n"
	"\r\n"
	"lunch at noon?\r\n"
	"\r\n\r\n";

static const char msg_lf[] =
	"From: alice@example.com\n"
	"To: bob@example.org\n"
	"Subject: LF only\n"
	"\n"
	"line one\n"
	"line two";

static const char msg_nobody[] =
	"From: alice@example.com\r\n"
	"Subject: no body\r\n";

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

/* key_record - "v=DKIM1; k=..; p=.." for a signer, with extra tags before p= */
static char *
key_record(const struct mp_signer *s, const char *extra)
{
	struct mp_buf b;
	char *out;

	mp_buf_init(&b, 8192);
	mp_buf_printf(&b, "v=DKIM1; k=%s; %s%sp=",
	              mp_signer_alg(s) == MP_DKIM_ED25519_SHA256 ? "ed25519" : "rsa",
	              extra ? extra : "", extra ? "; " : "");
	assert_int_equal(mp_signer_public_b64(s, &b), MP_OK);
	out = strdup(b.ptr);
	mp_buf_fini(&b);
	return out;
}

static struct mp_zone *
default_zone(void)
{
	struct mp_zone *z = mp_zone_new();
	char *r;

	assert_non_null(z);
	add_key(z, "rsa._domainkey.example.com", r = key_record(rsa2048, NULL));
	free(r);
	add_key(z, "rsa1024._domainkey.example.com", r = key_record(rsa1024, NULL));
	free(r);
	add_key(z, "ed._domainkey.example.com", r = key_record(ed, NULL));
	free(r);
	add_key(z, "testing._domainkey.example.com", r = key_record(rsa2048, "t=y"));
	free(r);
	add_key(z, "strict._domainkey.example.com", r = key_record(rsa2048, "t=s"));
	free(r);
	add_key(z, "sha1only._domainkey.example.com", r = key_record(rsa2048, "h=sha1"));
	free(r);
	add_key(z, "revoked._domainkey.example.com", "v=DKIM1; k=rsa; p=");
	add_key(z, "edkey._domainkey.example.com", r = key_record(ed, NULL));
	free(r);
	add_key(z, "garbage._domainkey.example.com", "v=DKIM1; p=Zm9vYmFy");
	add_key(z, "syntax._domainkey.example.com", "v=DKIM1; k=rsa; p");
	mp_zone_fail(z, mp_str_c("servfail._domainkey.example.com"), 0, MP_DNS_SERVFAIL);
	return z;
}

/* sign - signed copy of msg (malloc'd) */
static char *
sign(const char *msg, struct mp_signer *s, const char *selector, enum mp_dkim_canon hc,
     enum mp_dkim_canon bc, int64_t now, uint64_t expire, const char *identity)
{
	struct mp_dkim_sign_opts o;
	struct mp_dkim_sign *ds;
	struct mp_buf out;
	struct mp_why why;
	char *res;

	mp_dkim_sign_opts_init(&o);
	o.signer = s;
	o.domain = mp_str_c("example.com");
	o.selector = mp_str_c(selector);
	o.hcanon = hc;
	o.bcanon = bc;
	o.now = now;
	o.expire = expire;
	if (identity)
		o.identity = mp_str_c(identity);
	ds = mp_dkim_sign_new(&o, 1, &why);
	assert_non_null(ds);
	mp_buf_init(&out, 1 << 20);
	assert_int_equal(mp_dkim_sign_feed(ds, msg, strlen(msg)), MP_OK);
	assert_int_equal(mp_dkim_sign_end(ds, &out, &why), MP_OK);
	assert_int_equal(why.reason, MP_REASON_NONE);
	mp_buf_append_c(&out, msg);
	res = strdup(out.ptr);
	mp_buf_fini(&out);
	mp_dkim_sign_free(ds);
	return res;
}

/* replace - first occurrence of from by to (malloc'd) */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = from ? strstr(s, from) : NULL;
	size_t n = strlen(s) + (to ? strlen(to) : 0) + 1;
	char *out = malloc(n);

	if (at == NULL) {
		memcpy(out, s, strlen(s) + 1);
		return out;
	}
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

/* verify - drive a verifier over msg fed in chunks of chunk bytes */
static struct mp_dkim_verify *
verify(const char *msg, size_t len, struct mp_zone *z, const struct mp_dkim_verify_opts *o,
       size_t chunk)
{
	struct mp_dkim_verify *v = mp_dkim_verify_new(o);
	struct mp_resolver *r = mp_resolver_new_zone(z);
	struct mp_dns_client c;

	assert_non_null(v);
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(mp_dkim_verify_feed(v, msg + off, len - off < chunk ? len - off : chunk),
		                 MP_OK);
	assert_int_equal(mp_dkim_verify_end(v), MP_OK);
	mp_dkim_verify_client(v, &c);
	assert_int_equal(mp_dns_drive(r, &c), MP_OK);
	mp_resolver_free(r);
	return v;
}

enum key { K_RSA, K_RSA1024, K_ED };

static const struct vcase {
	const char *name;
	const char *msg;
	enum key key;
	const char *selector;
	enum mp_dkim_canon hc, bc;
	int64_t t;              /* 0: now; <0: now + t */
	uint64_t expire;
	const char *identity;
	const char *from, *to;  /* mutation after signing */
	enum mp_dkim_result want;
	enum mp_reason why;
} vcases[] = {
	{ "rsa relaxed/relaxed", msg_plain, K_RSA, "rsa", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PASS, MP_REASON_NONE },
	{ "rsa simple/simple", msg_plain, K_RSA, "rsa", 0, 0, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PASS, MP_REASON_NONE },
	{ "rsa relaxed/simple", msg_plain, K_RSA, "rsa", 1, 0, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PASS, MP_REASON_NONE },
	{ "ed25519", msg_plain, K_ED, "ed", 1, 1, 0, 0, NULL, NULL, NULL, MP_DKIM_PASS,
	  MP_REASON_NONE },
	{ "rsa-1024 is the minimum and passes", msg_plain, K_RSA1024, "rsa1024", 1, 1, 0, 0, NULL,
	  NULL, NULL, MP_DKIM_PASS, MP_REASON_NONE },
	{ "LF line ends, no final line end", msg_lf, K_RSA, "rsa", 0, 0, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PASS, MP_REASON_NONE },
	{ "no body at all", msg_nobody, K_ED, "ed", 0, 0, 0, 0, NULL, NULL, NULL, MP_DKIM_PASS,
	  MP_REASON_NONE },
	{ "relaxed survives re-folding and case", msg_plain, K_RSA, "rsa", 1, 1, 0, 0, NULL,
	  "Subject: Lunch\r\n  tomorrow?", "SUBJECT:   Lunch tomorrow?  ", MP_DKIM_PASS,
	  MP_REASON_NONE },
	{ "relaxed survives trailing white space in body", msg_plain, K_RSA, "rsa", 1, 1, 0, 0,
	  NULL, "noon?\r\n", "noon? \t\r\n\r\n", MP_DKIM_PASS, MP_REASON_NONE },
	{ "simple: body white space change fails", msg_plain, K_RSA, "rsa", 0, 0, 0, 0, NULL,
	  "noon?\r\n", "noon? \r\n", MP_DKIM_FAIL, MP_REASON_DKIM_BODY_HASH_MISMATCH },
	{ "body changed", msg_plain, K_RSA, "rsa", 1, 1, 0, 0, NULL, "noon", "nine",
	  MP_DKIM_FAIL, MP_REASON_DKIM_BODY_HASH_MISMATCH },
	{ "signed header changed", msg_plain, K_ED, "ed", 1, 1, 0, 0, NULL, "Lunch", "Lunck",
	  MP_DKIM_FAIL, MP_REASON_DKIM_SIG_MISMATCH },
	{ "over-signed From added", msg_plain, K_RSA, "rsa", 1, 1, 0, 0, NULL,
	  "To: bob", "From: mallory@example.net\r\nTo: bob", MP_DKIM_FAIL,
	  MP_REASON_DKIM_SIG_MISMATCH },
	{ "unsigned header added passes", msg_plain, K_RSA, "rsa", 1, 1, 0, 0, NULL,
	  "To: bob", "X-Spam: no\r\nTo: bob", MP_DKIM_PASS, MP_REASON_NONE },
	{ "no key: NXDOMAIN", msg_plain, K_RSA, "missing", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_NO_KEY },
	{ "key query SERVFAIL", msg_plain, K_RSA, "servfail", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_TEMPERROR, MP_REASON_DKIM_KEY_UNAVAILABLE },
	{ "revoked key", msg_plain, K_RSA, "revoked", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_REVOKED },
	{ "key type differs from a=", msg_plain, K_RSA, "edkey", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_ALG_MISMATCH },
	{ "key h=sha1 refuses sha256", msg_plain, K_RSA, "sha1only", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_HASH },
	{ "key p= not a key", msg_plain, K_RSA, "garbage", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_BAD },
	{ "key record syntax", msg_plain, K_RSA, "syntax", 1, 1, 0, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_SYNTAX },
	{ "key t=y: pass, flagged testing", msg_plain, K_RSA, "testing", 1, 1, 0, 0, NULL, NULL,
	  NULL, MP_DKIM_PASS, MP_REASON_NONE },
	{ "key t=s, i= equals d=", msg_plain, K_RSA, "strict", 1, 1, 0, 0, "@example.com", NULL,
	  NULL, MP_DKIM_PASS, MP_REASON_NONE },
	{ "key t=s, i= in a subdomain", msg_plain, K_RSA, "strict", 1, 1, 0, 0,
	  "alice@mail.example.com", NULL, NULL, MP_DKIM_PERMERROR, MP_REASON_DKIM_KEY_STRICT },
	{ "expired", msg_plain, K_RSA, "rsa", 1, 1, 1000000000, 3600, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_EXPIRED },
	{ "not yet expired", msg_plain, K_RSA, "rsa", 1, 1, 0, 3600, NULL, NULL, NULL,
	  MP_DKIM_PASS, MP_REASON_NONE },
	{ "t= an hour in the future", msg_plain, K_RSA, "rsa", 1, 1, -3600, 0, NULL, NULL, NULL,
	  MP_DKIM_PERMERROR, MP_REASON_DKIM_FUTURE },
	{ "t= within the clock skew", msg_plain, K_RSA, "rsa", 1, 1, -60, 0, NULL, NULL, NULL,
	  MP_DKIM_PASS, MP_REASON_NONE },
	{ "d= changed to a name with NUL escape", msg_plain, K_RSA, "rsa", 1, 1, 0, 0, NULL,
	  "d=example.com", "d=example.com\\000.evil", MP_DKIM_PERMERROR,
	  MP_REASON_DKIM_BAD_DOMAIN },
};

static void
test_verify_table(void **state)
{
	struct mp_zone *z = default_zone();
	static const size_t chunks[] = { 1, 13, 1 << 20 };

	(void)state;
	for (size_t k = 0; k < sizeof vcases / sizeof vcases[0]; k++) {
		const struct vcase *c = &vcases[k];
		struct mp_signer *s = c->key == K_ED ? ed : c->key == K_RSA1024 ? rsa1024 : rsa2048;
		int64_t t = c->t > 0 ? c->t : (int64_t)time(NULL) - c->t;
		char *signed_msg = sign(c->msg, s, c->selector, c->hc, c->bc, t, c->expire, c->identity);
		char *m = replace(signed_msg, c->from, c->to);

		for (size_t j = 0; j < sizeof chunks / sizeof chunks[0]; j++) {
			struct mp_dkim_verify *v = verify(m, strlen(m), z, NULL, chunks[j]);
			const struct mp_dkim_sig_result *r = mp_dkim_verify_result(v, 0);

			assert_int_equal(mp_dkim_verify_nresults(v), 1);
			if (r->result != c->want || r->why.reason != c->why)
				fail_msg("%s (chunk %zu): got %s/%s (%s), want %s/%s", c->name, chunks[j],
				         mp_dkim_result_name(r->result), mp_reason_token(r->why.reason),
				         r->why.text, mp_dkim_result_name(c->want), mp_reason_token(c->why));
			if (c->why != MP_REASON_DKIM_BAD_DOMAIN) {
				assert_true(mp_str_eq_c(r->d, "example.com"));
				assert_true(mp_str_eq_c(r->s, c->selector));
				assert_int_equal(strlen(r->b8), 8);
			}
			if (c->want == MP_DKIM_PASS)
				assert_int_equal(r->key_bits, c->key == K_ED ? 256
				                              : c->key == K_RSA1024 ? 1024 : 2048);
			assert_int_equal(r->key_testing, strcmp(c->selector, "testing") == 0);
			mp_dkim_verify_free(v);
		}
		free(signed_msg);
		free(m);
	}
	mp_zone_free(z);
}

/* diagnostics a user can act on */
static void
test_diagnostics(void **state)
{
	struct mp_zone *z = default_zone();
	char *s = sign(msg_plain, rsa2048, "rsa", MP_DKIM_RELAXED, MP_DKIM_RELAXED, 0, 0, NULL);
	char *m = replace(s, "noon", "nine");
	struct mp_dkim_verify *v = verify(m, strlen(m), z, NULL, 4096);
	const struct mp_dkim_sig_result *r = mp_dkim_verify_result(v, 0);

	(void)state;
	assert_int_equal(r->why.reason, MP_REASON_DKIM_BODY_HASH_MISMATCH);
	assert_true(mp_str_eq_c(r->key_query, "rsa._domainkey.example.com"));
	assert_string_not_equal(r->bh_expected, r->bh_computed);
	assert_int_equal(strlen(r->bh_computed), 44);
	assert_int_equal(r->body_len, strlen("Hi Bob,\r\n\r\nlunch at nine?\r\n"));
	assert_true(r->sig_checked && r->sig_ok);   /* header signature still checked */
	assert_non_null(strstr(r->why.text, r->bh_computed));
	assert_non_null(strstr(r->why.text, "header signature verified"));
	assert_true(mp_str_eq_c(r->i, "@example.com"));
	assert_int_equal(r->alg, MP_DKIM_RSA_SHA256);
	mp_dkim_verify_free(v);
	free(s);
	free(m);
	mp_zone_free(z);
}

/* dual signing in one pass; both verify; no signature: none */
static void
test_dual_and_none(void **state)
{
	struct mp_dkim_sign_opts o[2];
	struct mp_dkim_sign *ds;
	struct mp_buf out;
	struct mp_why why;
	struct mp_zone *z = default_zone();
	struct mp_dkim_verify *v;

	(void)state;
	for (int k = 0; k < 2; k++) {
		mp_dkim_sign_opts_init(&o[k]);
		o[k].signer = k ? ed : rsa2048;
		o[k].domain = mp_str_c("example.com");
		o[k].selector = mp_str_c(k ? "ed" : "rsa");
	}
	o[1].bcanon = MP_DKIM_SIMPLE;
	ds = mp_dkim_sign_new(o, 2, &why);
	mp_buf_init(&out, 1 << 20);
	mp_dkim_sign_feed(ds, msg_plain, strlen(msg_plain));
	assert_int_equal(mp_dkim_sign_end(ds, &out, &why), MP_OK);
	mp_buf_append_c(&out, msg_plain);
	v = verify(out.ptr, out.len, z, NULL, 100);
	assert_int_equal(mp_dkim_verify_nresults(v), 2);
	assert_int_equal(mp_dkim_verify_result(v, 0)->result, MP_DKIM_PASS);
	assert_int_equal(mp_dkim_verify_result(v, 1)->result, MP_DKIM_PASS);
	assert_int_equal(mp_dkim_verify_result(v, 0)->alg, MP_DKIM_RSA_SHA256);
	assert_int_equal(mp_dkim_verify_result(v, 1)->alg, MP_DKIM_ED25519_SHA256);
	assert_int_equal(mp_dkim_verify_summary(v), MP_DKIM_PASS);
	mp_dkim_verify_free(v);
	v = verify(msg_plain, strlen(msg_plain), z, NULL, 100);
	assert_int_equal(mp_dkim_verify_nresults(v), 0);
	assert_int_equal(mp_dkim_verify_summary(v), MP_DKIM_NONE);
	mp_dkim_verify_free(v);
	/* signing needs a From */
	mp_dkim_sign_free(ds);
	ds = mp_dkim_sign_new(o, 1, &why);
	mp_buf_reset(&out);
	mp_dkim_sign_feed(ds, "To: x@example.org\r\n\r\nhi\r\n", 25);
	assert_int_equal(mp_dkim_sign_end(ds, &out, &why), MP_OK);
	assert_int_equal(why.reason, MP_REASON_DKIM_NO_FROM);
	mp_dkim_sign_free(ds);
	mp_buf_fini(&out);
	mp_zone_free(z);
}

/* more signatures than the cap: the rest are not evaluated */
static void
test_signature_cap(void **state)
{
	struct mp_zone *z = default_zone();
	struct mp_buf all;
	struct mp_dkim_verify_opts o = { .max_sigs = 3 };
	struct mp_dkim_verify *v;

	(void)state;
	mp_buf_init(&all, 1 << 20);
	for (int k = 0; k < 5; k++) {
		char *s = sign(msg_plain, ed, "ed", 1, 1, 0, 0, NULL);
		*strstr(s, "From: Alice") = '\0';   /* keep only the signature field */
		mp_buf_append_c(&all, s);
		free(s);
	}
	mp_buf_append_c(&all, msg_plain);
	v = verify(all.ptr, all.len, z, &o, 512);
	assert_int_equal(mp_dkim_verify_nresults(v), 5);
	for (size_t k = 0; k < 5; k++) {
		const struct mp_dkim_sig_result *r = mp_dkim_verify_result(v, k);
		assert_int_equal(r->result, k < 3 ? MP_DKIM_PASS : MP_DKIM_NEUTRAL);
		assert_int_equal(r->evaluated, k < 3);
		if (k >= 3)
			assert_int_equal(r->why.reason, MP_REASON_DKIM_NOT_EVALUATED);
	}
	mp_dkim_verify_free(v);
	mp_buf_fini(&all);
	mp_zone_free(z);
}

/* read_fixture - tests/unit/dkim/data/NAME */
static char *
read_fixture(const char *name, size_t *len)
{
	char path[4096];
	const char *src = getenv("MAILPROOF_SRC");
	FILE *f;
	char *buf = malloc(1 << 16);

	snprintf(path, sizeof path, "%s/tests/unit/dkim/data/%s", src ? src : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* l= fixtures signed by python3-dkim; the policy knob decides */
static void
test_length_policy(void **state)
{
	static const struct {
		const char *file;
		enum mp_dkim_length_policy pol;
		enum mp_dkim_result want;
		enum mp_reason why;
		bool flagged;
	} cases[] = {
		{ "l_exact.eml", MP_DKIM_LENGTH_FLAG, MP_DKIM_PASS, MP_REASON_NONE, false },
		{ "l_exact.eml", MP_DKIM_LENGTH_REJECT, MP_DKIM_PASS, MP_REASON_NONE, false },
		{ "l_appended.eml", MP_DKIM_LENGTH_FLAG, MP_DKIM_PASS, MP_REASON_DKIM_LENGTH_UNSIGNED, true },
		{ "l_appended.eml", MP_DKIM_LENGTH_ACCEPT, MP_DKIM_PASS, MP_REASON_NONE, false },
		{ "l_appended.eml", MP_DKIM_LENGTH_REJECT, MP_DKIM_POLICY, MP_REASON_DKIM_LENGTH_UNSIGNED,
		  false },
		{ "l_too_large.eml", MP_DKIM_LENGTH_FLAG, MP_DKIM_PERMERROR, MP_REASON_DKIM_L_TOO_LARGE,
		  false },
	};
	size_t plen;
	char *pub = read_fixture("lsel.pub", &plen);
	struct mp_zone *z = mp_zone_new();
	char rec[2048];

	(void)state;
	pub[strcspn(pub, "\r\n")] = '\0';
	snprintf(rec, sizeof rec, "v=DKIM1; k=rsa; p=%s", pub);
	add_key(z, "lsel._domainkey.example.com", rec);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct mp_dkim_verify_opts o = { .length = cases[k].pol };
		size_t len;
		char *m = read_fixture(cases[k].file, &len);
		struct mp_dkim_verify *v = verify(m, len, z, &o, 64);
		const struct mp_dkim_sig_result *r = mp_dkim_verify_result(v, 0);

		if (r->result != cases[k].want || r->why.reason != cases[k].why)
			fail_msg("%s policy %d: got %s/%s (%s)", cases[k].file, cases[k].pol,
			         mp_dkim_result_name(r->result), mp_reason_token(r->why.reason),
			         r->why.text);
		assert_int_equal(r->length_flagged, cases[k].flagged);
		assert_true(r->has_l);
		assert_int_equal(r->l, 34);
		if (cases[k].flagged)
			assert_non_null(strstr(r->why.text, "%"));
		mp_dkim_verify_free(v);
		free(m);
	}
	free(pub);
	mp_zone_free(z);
}

/* every allocation failing in turn: no crash, no leak, never a pass
 * unless the whole run succeeded */
static void
test_enomem(void **state)
{
	struct mp_zone *z = default_zone();
	char *m = sign(msg_plain, ed, "ed", 1, 1, 0, 0, NULL);
	struct mp_resolver *r = mp_resolver_new_zone(z);

	(void)state;
	for (unsigned long n = 1; n < 400; n++) {
		struct mp_dkim_verify *v;
		struct mp_dns_client c;
		enum mp_status st;

		mp_alloc_fail_after(n);
		v = mp_dkim_verify_new(NULL);
		if (v == NULL)
			continue;
		st = mp_dkim_verify_feed(v, m, strlen(m));
		if (st == MP_OK)
			st = mp_dkim_verify_end(v);
		if (st == MP_OK) {
			mp_dkim_verify_client(v, &c);
			st = mp_dns_drive(r, &c);
		}
		mp_alloc_fail_after(0);
		if (st == MP_OK && mp_dkim_verify_nresults(v) == 1
		    && mp_dkim_verify_result(v, 0)->result == MP_DKIM_PASS) {
			mp_dkim_verify_free(v);
			break;
		}
		mp_dkim_verify_free(v);
	}
	mp_alloc_fail_after(0);
	mp_resolver_free(r);
	free(m);
	mp_zone_free(z);
}

/* key cache: decoded once, shared */
static void
test_key_cache(void **state)
{
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(2);
	struct mp_dkim_verify_opts o = { .cache = cache };
	struct mp_zone *z = default_zone();
	uint64_t hits, misses;
	static const char *const sels[] = { "rsa", "ed", "rsa", "rsa1024", "rsa", "rsa" };

	(void)state;
	for (size_t k = 0; k < 6; k++) {
		struct mp_signer *s = k == 1 ? ed : k == 3 ? rsa1024 : rsa2048;
		char *m = sign(msg_plain, s, sels[k], 1, 1, 0, 0, NULL);
		struct mp_dkim_verify *v = verify(m, strlen(m), z, &o, 1 << 20);

		assert_int_equal(mp_dkim_verify_result(v, 0)->result, MP_DKIM_PASS);
		mp_dkim_verify_free(v);
		free(m);
	}
	mp_dkim_key_cache_stats(cache, &hits, &misses);
	assert_int_equal(misses, 3);    /* rsa, ed, rsa1024 (evicts ed, the oldest) */
	assert_int_equal(hits, 3);
	/* a cached RSA key's verify context is reused: a failed check leaves
	 * nothing behind for the next one, good or bad */
	char *good = sign(msg_plain, rsa2048, "rsa", 1, 1, 0, 0, NULL);
	char *bad = replace(good, "Lunch", "Lunck");
	const char *seq[] = { good, bad, good, good, bad, bad, good };
	for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
		struct mp_dkim_verify *v = verify(seq[k], strlen(seq[k]), z, &o, 1 << 20);
		const struct mp_dkim_sig_result *r = mp_dkim_verify_result(v, 0);

		assert_int_equal(r->result, seq[k] == good ? MP_DKIM_PASS : MP_DKIM_FAIL);
		assert_int_equal(r->why.reason,
		                 seq[k] == good ? MP_REASON_NONE : MP_REASON_DKIM_SIG_MISMATCH);
		assert_true(r->body_hash_ok);
		mp_dkim_verify_free(v);
	}
	free(good);
	free(bad);
	mp_dkim_key_cache_free(cache);
	mp_zone_free(z);
}

/* sign_z - msg_plain signed by hand (rsa, relaxed/relaxed, h=from:to:subject)
 * with z= holding copied fields, since mailproof's signer never writes z=:
 * body hash through the public canonicalizer, header hash over the
 * selected fields and the signature field with b= empty (RFC 6376 §3.7),
 * signed with mp_signer_sign. Returns the signed message (malloc'd). */
static void
md_out(void *arg, const char *p, size_t len)
{
	EVP_DigestUpdate(arg, p, len);
}

static char *
sign_z(const char *z)
{
	static const char *const fields[] = {
		"From: Alice <alice@example.com>", "To: bob@example.org", "Subject: Lunch\r\n  tomorrow?",
	};
	const char *body = strstr(msg_plain, "\r\n\r\n") + 4;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct mp_dkim_bcanon bc;
	uint8_t d[32];
	unsigned dlen;
	struct mp_buf sig, f, c, bin;
	char *out;

	assert_non_null(md);
	/* bh= */
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	mp_dkim_bcanon_init(&bc, MP_DKIM_RELAXED, md_out, md);
	mp_dkim_bcanon_feed(&bc, body, strlen(body));
	mp_dkim_bcanon_end(&bc);
	assert_int_equal(EVP_DigestFinal_ex(md, d, &dlen), 1);
	mp_buf_init(&f, 8192);
	mp_buf_printf(&f, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n"
	              "\ts=rsa; t=%lld; h=from:to:subject;\r\n\tz=%s;\r\n\tbh=",
	              (long long)time(NULL), z);
	assert_int_equal(mp_base64_encode(&f, d, dlen), MP_OK);
	mp_buf_append_c(&f, ";\r\n\tb=");
	/* header hash: from, to, subject, then this field with b= empty */
	mp_buf_init(&c, 8192);
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(mp_dkim_canon_header(&c, MP_DKIM_RELAXED, mp_str_c(fields[k]), false),
		                 MP_OK);
	assert_int_equal(mp_dkim_canon_header(&c, MP_DKIM_RELAXED, mp_buf_str(&f), true), MP_OK);
	assert_int_equal(EVP_Digest(c.ptr, c.len, d, &dlen, EVP_sha256(), NULL), 1);
	mp_buf_init(&bin, 2048);
	assert_int_equal(mp_signer_sign(rsa2048, MP_DKIM_RSA_SHA256, mp_str_make((char *)d, dlen),
	                                &bin), MP_OK);
	mp_buf_init(&sig, 2048);
	assert_int_equal(mp_base64_encode(&sig, bin.ptr, bin.len), MP_OK);
	mp_buf_append(&f, sig.ptr, sig.len);
	mp_buf_append_c(&f, "\r\n");
	mp_buf_append_c(&f, msg_plain);
	out = strdup(f.ptr);
	mp_buf_fini(&f);
	mp_buf_fini(&c);
	mp_buf_fini(&bin);
	mp_buf_fini(&sig);
	EVP_MD_CTX_free(md);
	return out;
}

/* z= (RFC 6376 §3.5): copied fields are covered by the signature but never
 * decide the result; when the signature fails they tell which field changed */
static void
test_z_copied_fields(void **state)
{
	static const char z_true[] = "From:Alice=20<alice@example.com>|To:bob@example.org"
	                             "|Subject:Lunch=0D=0A=20=20tomorrow?";
	struct mp_zone *z = default_zone();
	static const struct {
		const char *name, *zval, *from, *to;
		enum mp_dkim_result want;
		enum mp_reason why;
		const char *changed;    /* NULL: none reported */
	} cases[] = {
		{ "z= as sent passes", z_true, NULL, NULL, MP_DKIM_PASS, MP_REASON_NONE, NULL },
		{ "z= folded over lines passes", "From:Alice=20<alice@example.com>|\r\n\tTo:bob@"
		  "example.org", NULL, NULL, MP_DKIM_PASS, MP_REASON_NONE, NULL },
		/* z= that does not match the header never makes a valid signature fail */
		{ "z= stale but signature good", "Subject:Something=20else", NULL, NULL, MP_DKIM_PASS,
		  MP_REASON_NONE, NULL },
		{ "subject changed: z= names it", z_true, "Lunch", "Brunch", MP_DKIM_FAIL,
		  MP_REASON_DKIM_SIG_MISMATCH, "Subject" },
		{ "to changed: z= names it", z_true, "To: bob@example.org", "To: eve@example.org",
		  MP_DKIM_FAIL, MP_REASON_DKIM_SIG_MISMATCH, "To" },
		{ "to removed: z= says so", z_true, "To: bob@example.org\r\n", "", MP_DKIM_FAIL,
		  MP_REASON_DKIM_SIG_MISMATCH, "(removed field)" },
		/* z= is inside the signed DKIM-Signature field: editing it breaks b= */
		{ "z= edited after signing", z_true, "To:bob@example.org|", "To:eve@example.org|",
		  MP_DKIM_FAIL, MP_REASON_DKIM_SIG_MISMATCH, "To" },
		{ "body changed: body hash, z= not consulted", z_true, "noon", "nine", MP_DKIM_FAIL,
		  MP_REASON_DKIM_BODY_HASH_MISMATCH, NULL },
	};

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char *signed_msg = sign_z(cases[k].zval);
		char *m = replace(signed_msg, cases[k].from, cases[k].to);
		struct mp_dkim_verify *v = verify(m, strlen(m), z, NULL, 7);
		const struct mp_dkim_sig_result *r = mp_dkim_verify_result(v, 0);

		assert_int_equal(mp_dkim_verify_nresults(v), 1);
		if (r->result != cases[k].want || r->why.reason != cases[k].why)
			fail_msg("%s: got %s/%s (%s)", cases[k].name, mp_dkim_result_name(r->result),
			         mp_reason_token(r->why.reason), r->why.text);
		if (cases[k].changed == NULL) {
			assert_int_equal(r->changed_header.len, 0);
		} else {
			if (!mp_str_eq_c(r->changed_header, cases[k].changed))
				fail_msg("%s: changed \"%.*s\"", cases[k].name, (int)r->changed_header.len,
				         r->changed_header.ptr ? r->changed_header.ptr : "");
			assert_non_null(strstr(r->why.text, "z= shows"));
		}
		assert_true(r->sig_checked);
		assert_int_equal(r->key_bits, 2048);
		mp_dkim_verify_free(v);
		free(signed_msg);
		free(m);
	}
	mp_zone_free(z);
}

static int
setup(void **state)
{
	struct mp_why why;

	(void)state;
	rsa2048 = mp_signer_generate(MP_DKIM_RSA_SHA256, 2048, &why);
	rsa1024 = mp_signer_generate(MP_DKIM_RSA_SHA256, 1024, &why);
	ed = mp_signer_generate(MP_DKIM_ED25519_SHA256, 0, &why);
	return rsa2048 && rsa1024 && ed ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	mp_signer_free(rsa2048);
	mp_signer_free(rsa1024);
	mp_signer_free(ed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_table),
		cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_dual_and_none),
		cmocka_unit_test(test_signature_cap),
		cmocka_unit_test(test_length_policy),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_key_cache),
		cmocka_unit_test(test_z_copied_fields),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
