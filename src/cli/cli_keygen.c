/* cli_keygen.c - `mailproof keygen`: make a DKIM key pair, write the
 * private key as PEM with mode 0600 (never overwriting a file), and print
 * the DNS record as a zone-file line, the TXT value split into 255-byte
 * strings (RFC 1035 §3.3). The default selector is hard to guess but easy to
 * identify: <host>-<yyyymm>-<8 random base32 characters>.
 * Exit: 0 done, 2 usage or file error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <mailproof/dkim.h>
#include <mailproof/str.h>

#include "cli.h"

enum {
	OPT_DOMAIN = MP_OPT_FIRST_FREE, OPT_SELECTOR, OPT_TYPE, OPT_BITS, OPT_DIR, OPT_HOST,
	OPT_HELP,
};

static const char usage_text[] =
	"usage: mailproof keygen --domain D [--selector S] [--host H] [--type rsa|ed25519]\n"
	"                        [--bits 2048] [--dir DIR]\n"
	"Make a DKIM key: the private key goes to DIR/S.D.pem (mode 0600, never\n"
	"overwritten), the DNS record to stdout as a zone-file line.\n\n"
	"  --domain D      the signing domain\n"
	"  --selector S    default: <host>-<yyyymm>-<8 random base32 characters>\n"
	"  --host H        short name for the default selector (default: this host)\n"
	"  --type T        rsa (default) or ed25519\n"
	"  --bits N        RSA size: 2048 (default), 1024 (warned), up to 8192\n"
	"  --dir DIR       where to write the key (default: .)\n";

struct keygen_opts {
	const char *domain, *selector, *dir, *host;
	bool ed25519;
	unsigned bits;
};

/* default_selector - <host>-<yyyymm>-<8 base32> (mp_dkim_selector_make) */
static bool
default_selector(const char *host, char *out, size_t max)
{
	char name[256] = "", ym[8];
	uint64_t rnd;
	time_t now = time(NULL);
	struct tm tm;

	if (RAND_bytes((unsigned char *)&rnd, sizeof rnd) != 1 || gmtime_r(&now, &tm) == NULL)
		return false;
	if (host)
		snprintf(name, sizeof name, "%s", host);
	else if (gethostname(name, sizeof name - 1) != 0)
		name[0] = '\0';
	snprintf(ym, sizeof ym, "%04u%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	    (unsigned)(tm.tm_mon + 1) % 100u);
	return mp_dkim_selector_make(mp_str_c(name), ym, rnd, out, max) == MP_OK;
}

/* valid_name - dot-separated LDH labels ('_' too for selectors) */
static bool
valid_name(const char *s, bool selector)
{
	size_t label = 0, n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((mp_is_ldh(c) || (selector && c == '_')) && ++label <= 63) {
			continue;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* parse_args - options; exit status or -1 to go on */
static int
parse_args(int argc, char **argv, struct keygen_opts *o)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "selector", required_argument, NULL, OPT_SELECTOR },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "bits", required_argument, NULL, OPT_BITS },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t u;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DOMAIN: o->domain = optarg; break;
		case OPT_SELECTOR: o->selector = optarg; break;
		case OPT_DIR: o->dir = optarg; break;
		case OPT_HOST: o->host = optarg; break;
		case OPT_TYPE:
			if (strcmp(optarg, "ed25519") == 0)
				o->ed25519 = true;
			else if (strcmp(optarg, "rsa") != 0)
				return mp_cli_usage_error("keygen", "--type: rsa or ed25519");
			break;
		case OPT_BITS:
			if (!mp_parse_u64(mp_str_c(optarg), 8192, &u) || u < 1024)
				return mp_cli_usage_error("keygen", "--bits: 1024 to 8192");
			o->bits = (unsigned)u;
			break;
		case OPT_HELP: fputs(usage_text, stdout); return MP_EXIT_GOOD;
		default: fputs(usage_text, stderr); return MP_EXIT_USAGE;
		}
	}
	if (o->domain == NULL || optind != argc)
		return mp_cli_usage_error("keygen", "--domain is required; no other arguments");
	return -1;
}

/* write_key - PEM to a new 0600 file */
static int
write_key(const char *path, const struct mp_signer *s)
{
	struct mp_buf pem;
	int fd, rc = MP_EXIT_GOOD;

	mp_buf_init(&pem, 1u << 16);
	if (mp_signer_private_pem(s, &pem) != MP_OK) {
		mp_buf_fini(&pem);
		fprintf(stderr, "mailproof keygen: cannot encode the key\n");
		return MP_EXIT_USAGE;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "mailproof keygen: %s: %s%s\n", path, strerror(errno),
		        errno == EEXIST ? " (not overwriting a key)" : "");
		rc = MP_EXIT_USAGE;
	} else if (fchmod(fd, 0600) != 0 || write(fd, pem.ptr, pem.len) != (ssize_t)pem.len
	           || fsync(fd) != 0) {
		fprintf(stderr, "mailproof keygen: %s: %s\n", path, strerror(errno));
		unlink(path);
		rc = MP_EXIT_USAGE;
	}
	if (fd >= 0)
		close(fd);
	OPENSSL_cleanse(pem.ptr, pem.len);
	mp_buf_fini(&pem);
	return rc;
}

/* print_record - zone-file line, TXT split into 255-byte strings */
static void
print_record(const char *selector, const char *domain, bool ed25519, struct mp_str p)
{
	struct mp_buf txt;

	mp_buf_init(&txt, 1u << 16);
	mp_buf_printf(&txt, "v=DKIM1; k=%s; p=%.*s", ed25519 ? "ed25519" : "rsa", (int)p.len, p.ptr);
	printf("%s._domainkey.%s. 3600 IN TXT", selector, domain);
	for (size_t off = 0; off < txt.len; off += 255) {
		size_t n = txt.len - off < 255 ? txt.len - off : 255;
		printf(" \"%.*s\"", (int)n, txt.ptr + off);
	}
	printf("\n");
	mp_buf_fini(&txt);
}

int
mp_cli_keygen(int argc, char **argv)
{
	struct keygen_opts o = { .dir = ".", .bits = 2048 };
	char sel[128], path[4096];
	struct mp_signer *s;
	struct mp_buf pub;
	struct mp_why why;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if (o.selector)
		snprintf(sel, sizeof sel, "%s", o.selector);
	else if (!default_selector(o.host, sel, sizeof sel))
		return mp_cli_usage_error("keygen", "cannot make a selector");
	if (!valid_name(o.domain, false) || !valid_name(sel, true))
		return mp_cli_usage_error("keygen", "bad domain or selector (letters, digits, '-', '.')");
	if (!o.ed25519 && o.bits < 2048)
		fprintf(stderr, "mailproof keygen: warning: %u-bit RSA is weak; 2048 is the default\n",
		        o.bits);
	s = mp_signer_generate(o.ed25519 ? MP_DKIM_ED25519_SHA256 : MP_DKIM_RSA_SHA256, o.bits, &why);
	if (s == NULL) {
		fprintf(stderr, "mailproof keygen: %s\n", why.text);
		return MP_EXIT_USAGE;
	}
	if (snprintf(path, sizeof path, "%s/%s.%s.pem", o.dir, sel, o.domain) >= (int)sizeof path) {
		mp_signer_free(s);
		return mp_cli_usage_error("keygen", "path too long");
	}
	rc = write_key(path, s);
	mp_buf_init(&pub, 1u << 16);
	if (rc == MP_EXIT_GOOD && mp_signer_public_b64(s, &pub) == MP_OK) {
		print_record(sel, o.domain, o.ed25519, mp_buf_str(&pub));
		fprintf(stderr, "mailproof keygen: private key in %s (mode 0600); selector %s\n", path,
		        sel);
	}
	mp_buf_fini(&pub);
	mp_signer_free(s);
	return rc;
}
