/* dkim_conformance.c - DKIM conformance runner over $MAILPROOF_TESTDATA/dkim:
 * the RFC 8463 worked example, dkimpy's pre-signed vectors and the
 * Mail::DKIM verifier corpus with its fake DNS. Every case must give the
 * expected result; where mailproof departs from a peer's expectation on
 * purpose, the exceptions table below says what it gives and cites the RFC.
 * Prints counts per set; exit 0 only when every case matched.
 * Usage: dkim_conformance TESTDATA_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

static int verbose;

/* read_file - whole file into a malloc'd buffer */
static char *
read_file(const char *path, size_t *len)
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
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* add_txt - a TXT record, split into 255-byte strings */
static void
add_txt(struct mp_zone *z, const char *name, const char *value)
{
	struct mp_str parts[64];
	size_t n = 0, len = strlen(value);

	for (size_t off = 0; n < 64 && (off < len || n == 0); off += 255) {
		size_t l = len - off < 255 ? len - off : 255;
		parts[n++] = mp_str_make(value + off, l);
	}
	if (mp_zone_add_txt(z, mp_str_c(name), parts, n) != MP_OK) {
		fprintf(stderr, "cannot add %s\n", name);
		exit(2);
	}
}

/* load_tab_dns - "name<TAB>value" (dkimpy, rfc8463) or "name<TAB>kind<TAB>value" */
static void
load_tab_dns(struct mp_zone *z, const char *path, bool kinds)
{
	size_t len;
	char *text = read_file(path, &len), *line, *save = NULL;

	if (text == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *t1 = strchr(line, '\t'), *kind = NULL, *value;

		if (line[0] == '#' || t1 == NULL)
			continue;
		*t1 = '\0';
		value = t1 + 1;
		if (kinds) {
			char *t2 = strchr(value, '\t');
			kind = value;
			value = t2 ? t2 + 1 : (char *)"";
			if (t2)
				*t2 = '\0';
		}
		if (kind == NULL || strcmp(kind, "TXT") == 0)
			add_txt(z, line, value);
		else if (strcmp(kind, "TIMEOUT") == 0)
			mp_zone_fail(z, mp_str_c(line), 0, MP_DNS_TIMEOUT);
		else if (strcmp(kind, "SERVFAIL") == 0)
			mp_zone_fail(z, mp_str_c(line), 0, MP_DNS_SERVFAIL);
		/* NXDOMAIN: names not in the zone do not exist */
	}
	free(text);
}

/* verify_file - verify one message; results copied to out (max n) */
static size_t
verify_file(const char *path, struct mp_resolver *r, struct mp_dkim_sig_result *out, size_t max,
            enum mp_dkim_result *summary)
{
	struct mp_dkim_verify *v = mp_dkim_verify_new(NULL);
	struct mp_dns_client c;
	size_t len, n;
	char *msg = read_file(path, &len);

	if (msg == NULL || v == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	/* odd chunk sizes exercise the streaming paths */
	for (size_t off = 0; off < len; off += 777)
		if (mp_dkim_verify_feed(v, msg + off, len - off < 777 ? len - off : 777) != MP_OK)
			fprintf(stderr, "%s: feed failed\n", path);
	if (mp_dkim_verify_end(v) != MP_OK)
		fprintf(stderr, "%s: end failed\n", path);
	mp_dkim_verify_client(v, &c);
	if (mp_dns_drive(r, &c) != MP_OK)
		fprintf(stderr, "%s: drive failed\n", path);
	n = mp_dkim_verify_nresults(v);
	for (size_t k = 0; k < n && k < max; k++) {
		out[k] = *mp_dkim_verify_result(v, k);
		/* views die with the verifier: keep none */
		out[k].d = out[k].s = out[k].i = out[k].a = out[k].key_query = MP_STR_NULL;
		out[k].i_domain = out[k].changed_header = MP_STR_NULL;
	}
	*summary = mp_dkim_verify_summary(v);
	mp_dkim_verify_free(v);
	free(msg);
	return n;
}

struct counts {
	int total, ok, exceptions, skipped;
};

/* check - compare and count */
static void
check(struct counts *c, const char *name, const char *want, const char *got, const char *why)
{
	c->total++;
	if (strcmp(want, got) == 0) {
		c->ok++;
		if (verbose)
			printf("  ok   %-40s %s\n", name, got);
	} else {
		printf("  FAIL %-40s want %s, got %s (%s)\n", name, want, got, why);
	}
}

/* ---- RFC 8463 ---- */
static void
run_rfc8463(const char *dir, struct counts *c)
{
	char path[4096];
	struct mp_zone *z = mp_zone_new();
	struct mp_resolver *r;
	struct mp_dkim_sig_result res[4];
	enum mp_dkim_result sum;
	size_t n;

	snprintf(path, sizeof path, "%s/dkim/rfc8463/dns.txt", dir);
	load_tab_dns(z, path, false);
	r = mp_resolver_new_zone(z);
	snprintf(path, sizeof path, "%s/dkim/rfc8463/signed-message.eml", dir);
	n = verify_file(path, r, res, 4, &sum);
	for (size_t k = 0; k < 2; k++)
		check(c, k ? "rfc8463 sig 1 (rsa-sha256)" : "rfc8463 sig 0 (ed25519-sha256)", "pass",
		      k < n ? mp_dkim_result_name(res[k].result) : "missing", res[k].why.text);
	mp_resolver_free(r);
	mp_zone_free(z);
}

/* ---- dkimpy ---- */
static void
run_dkimpy(const char *dir, struct counts *c)
{
	static const struct {
		const char *file;
		size_t sig;
		const char *override; /* TXT value for test._domainkey.football.example.com */
		const char *want;
	} cases[] = {
		{ "rfc6376.signed.msg", 0, NULL, "pass" },
		{ "rfc6376.signed.msg", 1, NULL, "pass" },
		{ "rfc6376.signed.rsa.msg", 0, NULL, "pass" },
		/* corrupted key: dkimpy "fail (unusable public key)"; RFC 6376
		 * §6.1.2 step 8 calls that PERMFAIL, permerror in RFC 8601 words */
		{ "rfc6376.signed.rsa.msg", 0,
		  "k=rsa; p=MFwwDQYJKoZIhvNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR52Tb/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==",
		  "permerror" },
		{ "test2.message", 0, NULL, "pass" },
		{ "ed25519test2.msg", 0, NULL, "pass" },
	};
	char path[4096], name[256];

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct mp_zone *z = mp_zone_new();
		struct mp_resolver *r;
		struct mp_dkim_sig_result res[4];
		enum mp_dkim_result sum;
		size_t n;

		if (cases[k].override)
			add_txt(z, "test._domainkey.football.example.com", cases[k].override);
		snprintf(path, sizeof path, "%s/dkim/dkimpy/dns.txt", dir);
		load_tab_dns(z, path, false);
		r = mp_resolver_new_zone(z);
		snprintf(path, sizeof path, "%s/dkim/dkimpy/data/%s", dir, cases[k].file);
		n = verify_file(path, r, res, 4, &sum);
		snprintf(name, sizeof name, "dkimpy %s sig %zu%s", cases[k].file, cases[k].sig,
		         cases[k].override ? " (bad key)" : "");
		check(c, name, cases[k].want,
		      cases[k].sig < n ? mp_dkim_result_name(res[cases[k].sig].result) : "missing",
		      cases[k].sig < n ? res[cases[k].sig].why.text : "");
		mp_resolver_free(r);
		mp_zone_free(z);
	}
	c->skipped++;   /* message.mbox: key not in the data (README) */
}

/* ---- Mail::DKIM ---- */

/* Where mailproof gives another answer than Mail::DKIM on purpose. */
static const struct mdk_exception {
	const char *prefix;    /* file name prefix */
	const char *ours;      /* mailproof's overall result, in Mail::DKIM words */
	const char *cite;
} mdk_exceptions[] = {
	/* DomainKeys (RFC 4870, Historic) is not DKIM; mailproof does not verify it */
	{ "good_dk_", "none", "RFC 4870 DomainKeys is Historic; not implemented (RFC 6376 §1)" },
	{ "dk_headers_", "none", "RFC 4870 DomainKeys is Historic; not implemented" },
	{ "dk_multiple_", "none", "RFC 4870 DomainKeys is Historic; not implemented" },
	{ "bad_dk_", "none", "RFC 4870 DomainKeys is Historic; not implemented" },
	/* pre-RFC drafts without v=: a required tag is missing */
	{ "mine_ietf01_", "invalid", "RFC 6376 §3.5 and §6.1.1: v= is required" },
	{ "good_ietf01_", "invalid", "RFC 6376 §3.5 and §6.1.1: v= is required" },
	{ "bad_ietf01_", "invalid", "RFC 6376 §3.5 and §6.1.1: v= is required" },
	{ "mine_ietf05_", "invalid", "RFC 6376 §3.5 and §6.1.1: v= is required" },
	{ "no_body_", "invalid", "RFC 6376 §6.1.1: v=0.5 is an incompatible version" },
	{ "multiple_1.", "invalid", "RFC 6376 §3.5 and §6.1.1: v= is required (all 4 signatures)" },
	{ "bad_1.", "invalid", "RFC 6376 §3.5 and §6.1.1: v= is required" },
	/* g= is ignored by RFC 6376 */
	{ "badkey_8.", "pass8301", "RFC 6376 Appendix C.2: g= MUST be ignored" },
	{ "badkey_9.", "pass8301", "RFC 6376 Appendix C.2: g= MUST be ignored" },
	{ "badkey_12.", "pass8301", "RFC 6376 Appendix C.2: g= MUST be ignored" },
	{ "badkey_13.", "pass8301", "RFC 6376 Appendix C.2: g= MUST be ignored" },
};

/* mdk_word - mailproof's result in Mail::DKIM's words; RFC 8301 policy
 * results become pass8301/fail8301 by what the mathematics said */
static const char *
mdk_word(const struct mp_dkim_sig_result *r, size_t n, enum mp_dkim_result sum)
{
	bool p8301 = false, f8301 = false;

	if (n == 0)
		return "none";
	if (sum == MP_DKIM_PASS)
		return "pass";
	for (size_t k = 0; k < n; k++) {
		if (r[k].result != MP_DKIM_POLICY)
			continue;
		if (r[k].sig_ok && r[k].body_hash_ok)
			p8301 = true;
		else
			f8301 = true;
	}
	if (p8301)
		return "pass8301";
	if (sum == MP_DKIM_FAIL)
		return "fail";
	if (f8301)
		return "fail8301";
	return "invalid";
}

/* run_mail_dkim - the corpus and expected.tsv */
static void
run_mail_dkim(const char *dir, struct counts *c)
{
	char path[4096];
	struct mp_zone *z = mp_zone_new();
	struct mp_resolver *r;
	size_t len;
	char *tsv, *line, *save = NULL;

	snprintf(path, sizeof path, "%s/dkim/mail-dkim/dns.tsv", dir);
	load_tab_dns(z, path, true);
	r = mp_resolver_new_zone(z);
	snprintf(path, sizeof path, "%s/dkim/mail-dkim/expected.tsv", dir);
	tsv = read_file(path, &len);
	if (tsv == NULL)
		exit(2);
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char file[256], want[32], note[512] = "";
		const char *got, *cite = "";
		struct mp_dkim_sig_result res[8];
		enum mp_dkim_result sum;
		size_t n, f = 0;
		char *cols[8] = { 0 };

		if (line[0] == '#')
			continue;
		for (char *p = line; p && f < 8; f++) {
			cols[f] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		snprintf(file, sizeof file, "%s", cols[0]);
		snprintf(want, sizeof want, "%s", cols[1] ? cols[1] : "");
		if (cols[5])
			snprintf(note, sizeof note, "%s", cols[5]);
		if (strncmp(note, "skipped upstream", 16) == 0) {
			c->skipped++;
			continue;
		}
		snprintf(path, sizeof path, "%s/dkim/mail-dkim/%s", dir, file);
		n = verify_file(path, r, res, 8, &sum);
		got = mdk_word(res, n < 8 ? n : 8, sum);
		/* RFC 8301: weak signatures are never a pass; they match when the
		 * mathematics agrees with the peer */
		if (strcmp(got, "pass8301") == 0 && strcmp(want, "pass") == 0)
			got = "pass", cite = "RFC 8301";
		else if (strcmp(got, "fail8301") == 0 && strcmp(want, "fail") == 0)
			got = "fail", cite = "RFC 8301";
		for (size_t k = 0; k < sizeof mdk_exceptions / sizeof mdk_exceptions[0]; k++) {
			const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
			if (strncmp(base, mdk_exceptions[k].prefix, strlen(mdk_exceptions[k].prefix)) == 0) {
				snprintf(want, sizeof want, "%s", mdk_exceptions[k].ours);
				cite = mdk_exceptions[k].cite;
				c->exceptions++;
				break;
			}
		}
		if (verbose && *cite)
			printf("  note %-40s %s\n", file, cite);
		check(c, file, want, got, n > 0 ? res[0].why.text : "no signature");
	}
	free(tsv);
	mp_resolver_free(r);
	mp_zone_free(z);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("MAILPROOF_TESTDATA");
	struct counts a = { 0 }, b = { 0 }, m = { 0 };

	verbose = getenv("VERBOSE") != NULL;
	if (dir == NULL) {
		fprintf(stderr, "dkim_conformance: MAILPROOF_TESTDATA not set: SKIPPED\n");
		return 77;
	}
	run_rfc8463(dir, &a);
	printf("rfc8463:   %d/%d\n", a.ok, a.total);
	run_dkimpy(dir, &b);
	printf("dkimpy:    %d/%d (%d skipped: key not in the data)\n", b.ok, b.total, b.skipped);
	run_mail_dkim(dir, &m);
	printf("mail-dkim: %d/%d (%d documented exceptions, %d skipped upstream)\n", m.ok, m.total,
	       m.exceptions, m.skipped);
	return a.ok == a.total && b.ok == b.total && m.ok == m.total ? 0 : 1;
}
