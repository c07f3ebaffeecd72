/* dkim_interop.c - batch helper for the python3-dkim interoperability test
 * (interop.py): one process signs or verifies a whole manifest, so the test
 * measures DKIM, not process start-up.
 *
 *   dkim_interop verify KEYS.tsv MANIFEST
 *       KEYS.tsv: "name<TAB>TXT value"; MANIFEST: one message path a line.
 *       Prints "path<TAB>summary<TAB>result[,result...]<TAB>first reason".
 *   dkim_interop sign RSA.pem ED.pem MANIFEST
 *       MANIFEST: "in<TAB>out<TAB>rsa|ed|dual<TAB>hcanon/bcanon"; signs as
 *       d=example.com, s=rsa / s=ed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

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
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* chomp - strip the line end */
static void
chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* load_keys - the key TSV into a zone */
static struct mp_zone *
load_keys(const char *path)
{
	struct mp_zone *z = mp_zone_new();
	FILE *f = fopen(path, "r");
	char line[16384];

	if (f == NULL || z == NULL)
		exit(2);
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');
		struct mp_str parts[64];
		size_t n = 0, len;

		chomp(line);
		if (tab == NULL)
			continue;
		*tab++ = '\0';
		len = strlen(tab);
		for (size_t off = 0; n == 0 || (off < len && n < 64); off += 255)
			parts[n++] = mp_str_make(tab + off, len - off < 255 ? len - off : 255);
		if (mp_zone_add_txt(z, mp_str_c(line), parts, n) != MP_OK)
			exit(2);
	}
	fclose(f);
	return z;
}

/* do_verify - verify every message of the manifest */
static int
do_verify(const char *keys, const char *manifest)
{
	struct mp_zone *z = load_keys(keys);
	struct mp_resolver *r = mp_resolver_new_zone(z);
	struct mp_dkim_key_cache *cache = mp_dkim_key_cache_new(64);
	struct mp_dkim_verify_opts o = { .cache = cache };
	struct mp_dkim_verify *v = mp_dkim_verify_new(&o);
	FILE *f = fopen(manifest, "r");
	char path[4096];

	if (f == NULL || r == NULL || v == NULL)
		return 2;
	while (fgets(path, sizeof path, f)) {
		struct mp_dns_client c;
		size_t len;
		char *msg;

		chomp(path);
		if ((msg = slurp(path, &len)) == NULL)
			return 2;
		mp_dkim_verify_reset(v);
		mp_dkim_verify_feed(v, msg, len);
		mp_dkim_verify_end(v);
		mp_dkim_verify_client(v, &c);
		mp_dns_drive(r, &c);
		printf("%s\t%s\t", path, mp_dkim_result_name(mp_dkim_verify_summary(v)));
		for (size_t k = 0; k < mp_dkim_verify_nresults(v); k++)
			printf("%s%s", k ? "," : "", mp_dkim_result_name(mp_dkim_verify_result(v, k)->result));
		printf("\t%s\n", mp_dkim_verify_nresults(v) ? mp_dkim_verify_result(v, 0)->why.text : "");
		free(msg);
	}
	fclose(f);
	mp_dkim_verify_free(v);
	mp_dkim_key_cache_free(cache);
	mp_resolver_free(r);
	mp_zone_free(z);
	return 0;
}

/* sign_one - sign in, write out */
static int
sign_one(struct mp_signer *rsa, struct mp_signer *ed, const char *in, const char *out,
         const char *mode, const char *canon)
{
	struct mp_dkim_sign_opts o[2];
	size_t n = 0, len;
	struct mp_why why;
	struct mp_buf res;
	struct mp_dkim_sign *s;
	char *msg = slurp(in, &len);
	FILE *f;

	if (msg == NULL)
		return 2;
	for (int k = 0; k < 2; k++) {
		bool want = strcmp(mode, "dual") == 0 || strcmp(mode, k ? "ed" : "rsa") == 0;
		if (!want)
			continue;
		mp_dkim_sign_opts_init(&o[n]);
		o[n].signer = k ? ed : rsa;
		o[n].domain = mp_str_c("example.com");
		o[n].selector = mp_str_c(k ? "ed" : "rsa");
		o[n].hcanon = strncmp(canon, "simple", 6) == 0 ? MP_DKIM_SIMPLE : MP_DKIM_RELAXED;
		o[n].bcanon = strstr(canon, "/simple") ? MP_DKIM_SIMPLE : MP_DKIM_RELAXED;
		n++;
	}
	s = mp_dkim_sign_new(o, n, &why);
	if (s == NULL)
		return 2;
	mp_buf_init(&res, 1 << 20);
	mp_dkim_sign_feed(s, msg, len);
	if (mp_dkim_sign_end(s, &res, &why) != MP_OK || mp_why_failed(&why)) {
		fprintf(stderr, "%s: %s\n", in, why.text);
		return 2;
	}
	f = fopen(out, "wb");
	if (f == NULL || fwrite(res.ptr, 1, res.len, f) != res.len || fwrite(msg, 1, len, f) != len)
		return 2;
	fclose(f);
	mp_buf_fini(&res);
	mp_dkim_sign_free(s);
	free(msg);
	return 0;
}

/* do_sign - sign every message of the manifest */
static int
do_sign(const char *rsa_path, const char *ed_path, const char *manifest)
{
	struct mp_why why;
	struct mp_signer *rsa = mp_signer_load_file(rsa_path, false, &why);
	struct mp_signer *ed = mp_signer_load_file(ed_path, false, &why);
	FILE *f = fopen(manifest, "r");
	char line[8192];
	int rc = 0;

	if (rsa == NULL || ed == NULL || f == NULL) {
		fprintf(stderr, "dkim_interop: %s\n", why.text);
		return 2;
	}
	while (rc == 0 && fgets(line, sizeof line, f)) {
		char *cols[4], *p = line;

		chomp(line);
		for (int k = 0; k < 4; k++) {
			cols[k] = p;
			p = p ? strchr(p, '\t') : NULL;
			if (p)
				*p++ = '\0';
		}
		if (cols[3] == NULL)
			return 2;
		rc = sign_one(rsa, ed, cols[0], cols[1], cols[2], cols[3]);
	}
	fclose(f);
	mp_signer_free(rsa);
	mp_signer_free(ed);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return do_verify(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "sign") == 0)
		return do_sign(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: dkim_interop verify KEYS MANIFEST | sign RSA ED MANIFEST\n");
	return 2;
}
