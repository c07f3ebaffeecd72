/* cli_sign.c - `mailproof sign`: DKIM-sign a message (RFC 6376, RFC 8463)
 * and write it to stdout with the DKIM-Signature field(s) on top, the
 * message's bytes otherwise unchanged. Several --key/--selector pairs make
 * several signatures in one pass (e.g. rsa-sha256 + ed25519-sha256).
 * Exit: 0 signed, 2 usage or input error (bad key, no From). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dkim.h>
#include <mailproof/log.h>
#include <mailproof/str.h>

#include "cli.h"

#define SIGN_KEYS 4
#define SIGN_MSG_MAX (256u << 20)   /* messages are read whole: 256 MiB at most */
#define SIGN_HEADERS 64

enum {
	OPT_DOMAIN = MP_OPT_FIRST_FREE, OPT_SELECTOR, OPT_KEY, OPT_ALG, OPT_HEADERS,
	OPT_EXPIRE, OPT_CANON, OPT_IDENTITY, OPT_INSECURE, OPT_TIME, OPT_HELP,
};

static const char usage_text[] =
	"usage: mailproof sign --domain D --selector S --key FILE [--algorithm A]\n"
	"                      [--headers LIST] [--expire SECONDS] [FILE|-]\n"
	"DKIM-sign a message; the signed message goes to stdout. Repeat --selector\n"
	"and --key (in pairs) to sign several times in one pass, e.g. RSA + Ed25519.\n\n"
	"  --domain D          signing domain (d=)\n"
	"  --selector S        selector (s=); one per --key\n"
	"  --key FILE          private key, PEM (mode 0600; see --insecure-key)\n"
	"  --algorithm A       rsa-sha256 or ed25519-sha256 (default: the key's)\n"
	"  --headers LIST      header fields to sign, comma or colon separated\n"
	"                      (default: From, To, Cc, Subject, Date, Message-ID, ...;\n"
	"                      From, Subject, Date, To, Content-Type over-signed)\n"
	"  --expire SECONDS    add x= that many seconds after t=\n"
	"  --canon H/B         canonicalization (default relaxed/relaxed)\n"
	"  --identity I        add i=I (must be within the domain)\n"
	"  --insecure-key      accept a key file readable by group or others\n";

struct sign_opts {
	const char *domain, *selectors[SIGN_KEYS], *keys[SIGN_KEYS], *alg, *headers, *canon;
	const char *identity, *input;
	size_t nsel, nkeys;
	unsigned long long expire;
	long long now;
	bool insecure;
};

/* read_all - a whole file or stdin */
static char *
read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0, got;
	char *buf = NULL, *nb;

	if (f == NULL)
		return NULL;
	for (;;) {
		if ((nb = realloc(buf, cap)) == NULL)
			break;
		buf = nb;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap || cap >= SIGN_MSG_MAX)
			break;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (nb == NULL || n >= SIGN_MSG_MAX) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* parse_canon - "relaxed/simple" etc. */
static bool
parse_canon(const char *s, enum mp_dkim_canon *h, enum mp_dkim_canon *b)
{
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	const char *bs = slash ? slash + 1 : "simple";

	if (hl == 6 && strncmp(s, "simple", 6) == 0)
		*h = MP_DKIM_SIMPLE;
	else if (hl == 7 && strncmp(s, "relaxed", 7) == 0)
		*h = MP_DKIM_RELAXED;
	else
		return false;
	if (strcmp(bs, "simple") == 0)
		*b = MP_DKIM_SIMPLE;
	else if (strcmp(bs, "relaxed") == 0)
		*b = MP_DKIM_RELAXED;
	else
		return false;
	return true;
}

/* parse_args - options into o; exit status or -1 to go on */
static int
parse_args(int argc, char **argv, struct sign_opts *o)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "selector", required_argument, NULL, OPT_SELECTOR },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "algorithm", required_argument, NULL, OPT_ALG },
		{ "headers", required_argument, NULL, OPT_HEADERS },
		{ "expire", required_argument, NULL, OPT_EXPIRE },
		{ "canon", required_argument, NULL, OPT_CANON },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "insecure-key", no_argument, NULL, OPT_INSECURE },
		{ "timestamp", required_argument, NULL, OPT_TIME }, /* tests: fixed t= */
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	uint64_t u;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DOMAIN: o->domain = optarg; break;
		case OPT_SELECTOR:
			if (o->nsel == SIGN_KEYS)
				return mp_cli_usage_error("sign", "at most %d selectors", SIGN_KEYS);
			o->selectors[o->nsel++] = optarg;
			break;
		case OPT_KEY:
			if (o->nkeys == SIGN_KEYS)
				return mp_cli_usage_error("sign", "at most %d keys", SIGN_KEYS);
			o->keys[o->nkeys++] = optarg;
			break;
		case OPT_ALG: o->alg = optarg; break;
		case OPT_HEADERS: o->headers = optarg; break;
		case OPT_CANON: o->canon = optarg; break;
		case OPT_IDENTITY: o->identity = optarg; break;
		case OPT_INSECURE: o->insecure = true; break;
		case OPT_EXPIRE:
			if (!mp_parse_u64(mp_str_c(optarg), 100ull * 365 * 86400, &u) || u == 0)
				return mp_cli_usage_error("sign", "--expire wants seconds");
			o->expire = u;
			break;
		case OPT_TIME:
			if (!mp_parse_u64(mp_str_c(optarg), 1ull << 40, &u))
				return mp_cli_usage_error("sign", "--timestamp wants seconds");
			o->now = (long long)u;
			break;
		case OPT_HELP: fputs(usage_text, stdout); return MP_EXIT_GOOD;
		default: fputs(usage_text, stderr); return MP_EXIT_USAGE;
		}
	}
	if (o->domain == NULL || o->nkeys == 0 || o->nsel != o->nkeys)
		return mp_cli_usage_error("sign", "--domain, and --selector/--key in pairs, are required");
	if (argc - optind > 1)
		return mp_cli_usage_error("sign", "one message at a time");
	o->input = optind < argc ? argv[optind] : "-";
	return -1;
}

/* split_headers - --headers into names (modifies list) */
static size_t
split_headers(char *list, const char **names, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(list, ",: ", &save); t && n < max; t = strtok_r(NULL, ",: ", &save))
		names[n++] = t;
	return n;
}

/* make_signer - signature descriptions from the options; keys loaded */
static int
make_sigs(struct sign_opts *o, struct mp_dkim_sign_opts *so, struct mp_signer **keys,
          const char **names, size_t nnames)
{
	struct mp_why why;
	enum mp_dkim_alg alg = 0;
	enum mp_dkim_canon hc = MP_DKIM_RELAXED, bc = MP_DKIM_RELAXED;

	if (o->alg && (alg = mp_dkim_alg_parse(mp_str_c(o->alg))) != MP_DKIM_RSA_SHA256
	    && alg != MP_DKIM_ED25519_SHA256)
		return mp_cli_usage_error("sign", "--algorithm: rsa-sha256 or ed25519-sha256");
	if (o->canon && !parse_canon(o->canon, &hc, &bc))
		return mp_cli_usage_error("sign", "--canon: simple|relaxed[/simple|relaxed]");
	for (size_t k = 0; k < o->nkeys; k++) {
		keys[k] = mp_signer_load_file(o->keys[k], o->insecure, &why);
		if (keys[k] == NULL) {
			fprintf(stderr, "mailproof sign: %s\n", why.text);
			return MP_EXIT_USAGE;
		}
		if (mp_signer_alg(keys[k]) == MP_DKIM_RSA_SHA256 && mp_signer_bits(keys[k]) < 2048)
			fprintf(stderr, "mailproof sign: warning: %s is a %u-bit RSA key; use 2048\n",
			        o->keys[k], mp_signer_bits(keys[k]));
		mp_dkim_sign_opts_init(&so[k]);
		so[k].signer = keys[k];
		so[k].alg = alg;
		so[k].domain = mp_str_c(o->domain);
		so[k].selector = mp_str_c(o->selectors[k]);
		so[k].identity = o->identity ? mp_str_c(o->identity) : MP_STR_NULL;
		so[k].hcanon = hc;
		so[k].bcanon = bc;
		so[k].headers = nnames ? names : NULL;
		so[k].nheaders = nnames;
		so[k].now = o->now;
		so[k].expire = o->expire;
	}
	return -1;
}

/* sign_message - sign msg and write the result */
static int
sign_message(const struct mp_dkim_sign_opts *so, size_t n, const char *msg, size_t len)
{
	struct mp_why why;
	struct mp_dkim_sign *s = mp_dkim_sign_new(so, n, &why);
	struct mp_buf out;
	enum mp_status st;
	int rc = MP_EXIT_GOOD;

	if (s == NULL) {
		fprintf(stderr, "mailproof sign: %s\n", why.text);
		return MP_EXIT_USAGE;
	}
	mp_buf_init(&out, 1u << 20);
	st = mp_dkim_sign_feed(s, msg, len);
	if (st == MP_OK)
		st = mp_dkim_sign_end(s, &out, &why);
	if (st != MP_OK || mp_why_failed(&why)) {
		fprintf(stderr, "mailproof sign: %s\n", st != MP_OK ? mp_status_name(st) : why.text);
		rc = MP_EXIT_USAGE;
	} else if (fwrite(out.ptr, 1, out.len, stdout) != out.len
	           || fwrite(msg, 1, len, stdout) != len || fflush(stdout) != 0) {
		perror("mailproof sign: stdout");
		rc = MP_EXIT_USAGE;
	}
	mp_buf_fini(&out);
	mp_dkim_sign_free(s);
	return rc;
}

int
mp_cli_sign(int argc, char **argv)
{
	struct sign_opts o = { 0 };
	struct mp_dkim_sign_opts so[SIGN_KEYS];
	struct mp_signer *keys[SIGN_KEYS] = { 0 };
	const char *names[SIGN_HEADERS];
	size_t nnames = 0, len = 0;
	char *msg = NULL, *hl = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if (o.headers) {
		hl = strdup(o.headers);
		nnames = hl ? split_headers(hl, names, SIGN_HEADERS) : 0;
	}
	rc = make_sigs(&o, so, keys, names, nnames);
	if (rc < 0) {
		msg = read_all(o.input, &len);
		if (msg == NULL) {
			fprintf(stderr, "mailproof sign: cannot read %s\n", o.input);
			rc = MP_EXIT_USAGE;
		} else {
			rc = sign_message(so, o.nkeys, msg, len);
		}
	}
	for (size_t k = 0; k < SIGN_KEYS; k++)
		mp_signer_free(keys[k]);
	free(msg);
	free(hl);
	return rc;
}
