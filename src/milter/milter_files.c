/* milter_files.c - the files mailproofd.conf names, read once the main file
 * parsed: InternalHosts and DMARCOverride lists, the KeyTable and its
 * private keys (before privileges are dropped; never logged; refused when
 * readable by group or other unless RequireSafeKeys is no), the SenderMap.
 * Then cross-key checks, defaults, sorted lookup tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

typedef const char *line_fn(struct milter_config *cfg, struct mp_str line);

/* each_line - call fn for every logical line of a file; errors FILE:LINE */
static enum mp_status
each_line(struct milter_config *cfg, const char *path, line_fn *fn, struct mp_why *why)
{
	struct mp_buf text, buf;
	struct milter_lines l;
	struct mp_str line;
	const char *err = NULL;
	enum mp_status st;
	bool bad;

	mp_buf_init(&text, MP_LIMIT_CONFIG_FILE);
	mp_buf_init(&buf, MP_LIMIT_CONFIG_LINE);
	st = milter_read_file(path, MP_LIMIT_CONFIG_FILE, &text, why);
	if (st == MP_OK) {
		l = (struct milter_lines){ .text = mp_buf_str(&text) };
		while (err == NULL && milter_lines_next(&l, &buf, &line, &bad))
			err = bad ? "line too long or NUL byte" : fn(cfg, line);
		if (err != NULL) {
			mp_why_setf(why, MP_REASON_MILTER_MAP_SYNTAX, "%s:%u: %s", path, l.lineno, err);
			st = MP_EINVAL;
		}
	}
	mp_buf_fini(&buf);
	mp_buf_fini(&text);
	return st;
}

/* no_passphrase - encrypted keys are refused, never prompted for */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* key_decode - check the PEM holds an RSA (>= 1024 bits) or Ed25519 key */
static const char *
key_decode(struct milter_key *k)
{
	BIO *bio = BIO_new_mem_buf(k->pem.ptr, (int)k->pem.len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	const char *err = NULL;

	if (pkey == NULL)
		err = "no unencrypted PEM private key in key file";
	else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519)
		k->ed25519 = true;
	else if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
		err = "key is neither RSA nor Ed25519";
	else if (EVP_PKEY_get_bits(pkey) < MP_LIMIT_DKIM_RSA_MIN ||
	         EVP_PKEY_get_bits(pkey) > MP_LIMIT_DKIM_RSA_MAX)
		err = "RSA key size outside 1024..8192 bits (RFC 8301)";
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return err;
}

/* key_read - load one key file (mode checked on the open descriptor) */
static const char *
key_read(struct milter_config *cfg, struct milter_key *k)
{
	struct mp_buf buf;
	struct mp_why why;
	struct stat st;
	const char *err = NULL;
	int fd;

	fd = open(k->path.ptr, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return "key file cannot be opened";
	}
	close(fd);
	if (cfg->require_safe_keys && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return "key file is readable by group or other (RequireSafeKeys)";
	mp_buf_init(&buf, MP_LIMIT_MILTER_KEY_FILE);
	if (milter_read_file(k->path.ptr, MP_LIMIT_MILTER_KEY_FILE, &buf, &why) != MP_OK) {
		err = "key file cannot be read or is too large";
	} else {
		k->pem = mp_arena_strdup(&cfg->arena, mp_buf_str(&buf));
		err = k->pem.ptr == NULL ? "out of memory" : key_decode(k);
	}
	if (buf.ptr)
		OPENSSL_cleanse(buf.ptr, buf.len);
	mp_buf_fini(&buf);
	return err;
}

/* resolve_path - keyfile relative to the key table's directory */
static struct mp_str
resolve_path(struct milter_config *cfg, struct mp_str file)
{
	const char *slash = strrchr(cfg->keytable, '/');

	if (file.ptr[0] == '/')
		return mp_arena_strdup(&cfg->arena, file);
	return mp_arena_printf(&cfg->arena, "%.*s/%.*s", (int)(slash - cfg->keytable),
	    cfg->keytable, (int)file.len, file.ptr);
}

/* keytable_line - "domain selector keyfile" */
static const char *
keytable_line(struct milter_config *cfg, struct mp_str line)
{
	struct mp_str dom, sel, file, extra;
	struct milter_key *nk, *k;

	if (!milter_next_item(&line, &dom) || !milter_next_item(&line, &sel) ||
	    !milter_next_item(&line, &file) || milter_next_item(&line, &extra))
		return "expected: domain selector keyfile";
	if (!milter_valid_domain(dom))
		return "bad domain";
	if (!milter_valid_domain(sel))
		return "bad selector";
	if (cfg->nkeys >= MP_LIMIT_MILTER_KEYS)
		return "too many keys";
	nk = mp_arena_alloc(&cfg->arena, (cfg->nkeys + 1) * sizeof *nk);
	if (nk == NULL)
		return "out of memory";
	if (cfg->nkeys)
		memcpy(nk, cfg->keys, cfg->nkeys * sizeof *nk);
	cfg->keys = nk;
	k = &nk[cfg->nkeys];
	memset(k, 0, sizeof *k);
	k->row = (unsigned)cfg->nkeys++;
	k->domain = mp_arena_strdup(&cfg->arena, dom);
	k->selector = mp_arena_strdup(&cfg->arena, sel);
	k->path = resolve_path(cfg, file);
	if (k->domain.ptr == NULL || k->selector.ptr == NULL || k->path.ptr == NULL)
		return "out of memory";
	for (size_t i = 0; i < dom.len; i++)
		((char *)k->domain.ptr)[i] = (char)mp_lower((unsigned char)dom.ptr[i]);
	return key_read(cfg, k);
}

/* key_cmp - by domain, then table order */
static int
key_cmp(const void *a, const void *b)
{
	const struct milter_key *x = a, *y = b;
	size_t n = x->domain.len < y->domain.len ? x->domain.len : y->domain.len;
	int d = memcmp(x->domain.ptr, y->domain.ptr, n);

	if (d != 0)
		return d;
	if (x->domain.len != y->domain.len)
		return x->domain.len < y->domain.len ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* override_cmp - by domain */
static int
override_cmp(const void *a, const void *b)
{
	const struct milter_override *x = a, *y = b;
	size_t n = x->domain.len < y->domain.len ? x->domain.len : y->domain.len;
	int d = memcmp(x->domain.ptr, y->domain.ptr, n);

	if (d != 0)
		return d;
	return x->domain.len < y->domain.len ? -1 : x->domain.len > y->domain.len;
}

/* load_sendermap - read and parse the SenderMap file */
static enum mp_status
load_sendermap(struct milter_config *cfg, struct mp_why *why)
{
	struct mp_buf text;
	enum mp_status st;

	mp_buf_init(&text, MP_LIMIT_CONFIG_FILE);
	st = milter_read_file(cfg->sendermap_path, MP_LIMIT_CONFIG_FILE, &text, why);
	if (st == MP_OK)
		st = milter_sendermap_parse(&cfg->sendermap, cfg->sendermap_fmt, mp_buf_str(&text),
		    cfg->sendermap_path, &cfg->arena, why);
	mp_buf_fini(&text);
	return st;
}

/* load_files - everything the configuration names */
static enum mp_status
load_files(struct milter_config *cfg, struct mp_why *why)
{
	enum mp_status st = MP_OK;

	if (cfg->internal_file)
		st = each_line(cfg, cfg->internal_file, milter_config_add_cidrs, why);
	for (size_t i = 0; st == MP_OK && i < cfg->noverride_files; i++)
		st = each_line(cfg, cfg->override_files[i], milter_config_add_overrides, why);
	if (st == MP_OK && cfg->keytable)
		st = each_line(cfg, cfg->keytable, keytable_line, why);
	if (st == MP_OK && cfg->sendermap_path)
		st = load_sendermap(cfg, why);
	return st;
}

/* check_tables - sort; per-domain key count, duplicate overrides */
static enum mp_status
check_tables(struct milter_config *cfg, struct mp_why *why)
{
	size_t run = 1;

	if (cfg->nkeys > 1)
		qsort(cfg->keys, cfg->nkeys, sizeof *cfg->keys, key_cmp);
	for (size_t i = 1; i < cfg->nkeys; i++) {
		run = mp_str_eq(cfg->keys[i].domain, cfg->keys[i - 1].domain) ? run + 1 : 1;
		if (run > MP_LIMIT_MILTER_KEYS_PER_DOMAIN)
			return mp_why_setf(why, MP_REASON_MILTER_CONFIG_BAD_VALUE,
			    "%s: more than %d keys for %s", cfg->keytable,
			    MP_LIMIT_MILTER_KEYS_PER_DOMAIN, cfg->keys[i].domain.ptr), MP_EINVAL;
	}
	if (cfg->noverrides > 1)
		qsort(cfg->overrides, cfg->noverrides, sizeof *cfg->overrides, override_cmp);
	for (size_t i = 1; i < cfg->noverrides; i++)
		if (mp_str_eq(cfg->overrides[i].domain, cfg->overrides[i - 1].domain))
			return mp_why_setf(why, MP_REASON_MILTER_CONFIG_BAD_VALUE,
			    "%s: DMARCOverride: %s given twice", cfg->filename,
			    cfg->overrides[i].domain.ptr), MP_EINVAL;
	milter_sendermap_finish(&cfg->sendermap);
	return MP_OK;
}

enum mp_status
milter_config_finish(struct milter_config *cfg, struct mp_why *why)
{
	enum mp_status st;

	if (cfg->socket == NULL)
		return mp_why_setf(why, MP_REASON_MILTER_CONFIG_MISSING, "%s: Socket is required",
		    cfg->filename), MP_EINVAL;
	if (cfg->zone_file && cfg->ndns_servers)
		return mp_why_setf(why, MP_REASON_MILTER_CONFIG_BAD_VALUE,
		    "%s: ZoneFile and DNSServers exclude each other", cfg->filename), MP_EINVAL;
	if (cfg->dns_timeout_ms > cfg->dns_budget_ms)
		return mp_why_setf(why, MP_REASON_MILTER_CONFIG_BAD_VALUE,
		    "%s: DNSTimeout is longer than DNSTimeBudget", cfg->filename), MP_EINVAL;
	if (cfg->authserv_id == NULL) {
		char host[256] = "localhost";
		if (gethostname(host, sizeof host - 1) != 0)
			memcpy(host, "localhost", sizeof "localhost");
		host[sizeof host - 1] = '\0';
		cfg->authserv_id = mp_arena_cstr(&cfg->arena, mp_str_c(host));
	}
	if (cfg->load_files && (st = load_files(cfg, why)) != MP_OK)
		return st;
	return check_tables(cfg, why);
}

const struct milter_key *
milter_config_keys(const struct milter_config *cfg, struct mp_str domain_lc, size_t *n)
{
	size_t lo = 0, hi = cfg->nkeys, i;
	struct milter_key probe = { .domain = domain_lc, .row = 0 };

	*n = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_cmp(&cfg->keys[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < cfg->nkeys && mp_str_eq(cfg->keys[i].domain, domain_lc); i++)
		(*n)++;
	return *n ? &cfg->keys[lo] : NULL;
}

bool
milter_config_override(const struct milter_config *cfg, struct mp_str domain_lc,
                       enum milter_disp *out)
{
	struct milter_override probe = { .domain = domain_lc };
	const struct milter_override *o;

	if (cfg->noverrides == 0)
		return false;
	o = bsearch(&probe, cfg->overrides, cfg->noverrides, sizeof *o, override_cmp);
	if (o != NULL)
		*out = o->disp;
	return o != NULL;
}
