/* dkim_signer.c - private keys and the one narrow signing call,
 * mp_signer_sign(signer, alg, digest, &sig) (STYLE.md §11), so the key holder
 * can later move to its own process. Loading refuses key files readable by
 * group or others unless told otherwise; no error text ever carries key
 * material. A signer may be used by several threads (OpenSSL 3 signing with
 * a shared EVP_PKEY is thread-safe). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>

#include "dkim_internal.h"

#define KEY_FILE_MAX 65536      /* a PEM key of 8192 bits is ~6.5 KB */

struct mp_signer {
	EVP_PKEY *pk;
	enum mp_dkim_alg alg;
	unsigned bits;
};

/* signer_wrap - own pk in a signer; frees pk on failure */
static struct mp_signer *
signer_wrap(EVP_PKEY *pk, struct mp_why *why)
{
	struct mp_signer *s;
	int id = EVP_PKEY_get_base_id(pk);

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pk);
		mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "private key is neither RSA nor Ed25519");
		return NULL;
	}
	s = mp_zalloc(sizeof *s);
	if (s == NULL) {
		EVP_PKEY_free(pk);
		mp_why_set(why, MP_REASON_NOMEM);
		return NULL;
	}
	s->pk = pk;
	s->alg = id == EVP_PKEY_RSA ? MP_DKIM_RSA_SHA256 : MP_DKIM_ED25519_SHA256;
	s->bits = (unsigned)EVP_PKEY_get_bits(pk);
	return s;
}

/* mp_signer_from_pem - a signer from PEM text or a base64 Ed25519 seed */
struct mp_signer *
mp_signer_from_pem(struct mp_str pem, struct mp_why *why)
{
	EVP_PKEY *pk = NULL;

	mp_why_clear(why);
	if (pem.len > KEY_FILE_MAX || pem.len > INT32_MAX) {
		mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "private key text too long");
		return NULL;
	}
	if (memmem(pem.ptr, pem.len, "-----BEGIN", 10) != NULL) {
		BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.len);

		if (b != NULL)
			pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		uint8_t seed[64];
		size_t len = 0;

		if (mp_base64_decode_to(seed, sizeof seed, &len, mp_str_trim(pem), true) && len == 32)
			pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, len);
		OPENSSL_cleanse(seed, sizeof seed);
	}
	if (pk == NULL) {
		mp_why_setf(why, MP_REASON_DKIM_KEY_FILE,
		            "not a PEM private key (PKCS#1 or PKCS#8) or base64 Ed25519 seed");
		return NULL;
	}
	return signer_wrap(pk, why);
}

/* read_key_file - the file's bytes, refusing loose permissions */
static enum mp_status
read_key_file(int fd, const char *path, bool insecure_ok, char *buf, size_t *len,
              struct mp_why *why)
{
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "%s: not a regular file", path);
	if ((sb.st_mode & 077) != 0 && !insecure_ok)
		return mp_why_setf(why, MP_REASON_DKIM_KEY_FILE_MODE,
		                   "%s: mode %04o lets group or others read the private key "
		                   "(chmod 600 it)", path, (unsigned)(sb.st_mode & 07777));
	*len = 0;
	while (*len < KEY_FILE_MAX) {
		n = read(fd, buf + *len, KEY_FILE_MAX - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "%s: %s", path, strerror(errno));
		if (n == 0)
			return MP_OK;
		*len += (size_t)n;
	}
	return mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "%s: larger than %d bytes", path,
	                   KEY_FILE_MAX);
}

/* mp_signer_load_file - a signer from a key file */
struct mp_signer *
mp_signer_load_file(const char *path, bool insecure_ok, struct mp_why *why)
{
	char *buf;
	size_t len = 0;
	int fd;
	struct mp_signer *s = NULL;

	mp_why_clear(why);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = mp_alloc(KEY_FILE_MAX);
	if (buf == NULL) {
		close(fd);
		mp_why_set(why, MP_REASON_NOMEM);
		return NULL;
	}
	read_key_file(fd, path, insecure_ok, buf, &len, why);
	close(fd);
	if (!mp_why_failed(why)) {
		s = mp_signer_from_pem(mp_str_make(buf, len), why);
		if (s == NULL)
			mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "%s: %s", path, why->text);
	}
	OPENSSL_cleanse(buf, KEY_FILE_MAX);
	mp_free(buf);
	return s;
}

/* mp_signer_free - forget the key */
void
mp_signer_free(struct mp_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pk);
	mp_free(s);
}

/* mp_signer_alg - what the key signs with */
enum mp_dkim_alg
mp_signer_alg(const struct mp_signer *s)
{
	return s->alg;
}

/* mp_signer_bits - key size */
unsigned
mp_signer_bits(const struct mp_signer *s)
{
	return s->bits;
}

/* mp_signer_sign - sign a SHA-256 digest of canonical header data */
enum mp_status
mp_signer_sign(struct mp_signer *s, enum mp_dkim_alg alg, struct mp_str digest,
               struct mp_buf *sig)
{
	uint8_t out[DKIM_SIG_MAX_BYTES];
	size_t outlen = sizeof out;
	bool ok = false;

	if (alg != s->alg || digest.len != 32 || (size_t)EVP_PKEY_get_size(s->pk) > sizeof out)
		return MP_EINVAL;
	if (alg == MP_DKIM_ED25519_SHA256) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, s->pk) == 1
		     && EVP_DigestSign(md, out, &outlen, (const uint8_t *)digest.ptr, digest.len) == 1;
		EVP_MD_CTX_free(md);
	} else {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(s->pk, NULL);

		ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1
		     && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
		     && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1
		     && EVP_PKEY_sign(ctx, out, &outlen, (const uint8_t *)digest.ptr, digest.len) == 1;
		EVP_PKEY_CTX_free(ctx);
	}
	if (!ok)
		return MP_EINVAL;
	return mp_buf_append(sig, out, outlen);
}

/* mp_signer_public_b64 - the public half as a p= value */
enum mp_status
mp_signer_public_b64(const struct mp_signer *s, struct mp_buf *out)
{
	uint8_t raw[32];
	size_t len = sizeof raw;
	unsigned char *der = NULL;
	int dlen;
	enum mp_status st;

	if (s->alg == MP_DKIM_ED25519_SHA256) {
		if (EVP_PKEY_get_raw_public_key(s->pk, raw, &len) != 1)
			return MP_EINVAL;
		return mp_base64_encode(out, raw, len);
	}
	dlen = i2d_PUBKEY(s->pk, &der);
	if (dlen <= 0)
		return MP_EINVAL;
	st = mp_base64_encode(out, der, (size_t)dlen);
	OPENSSL_free(der);
	return st;
}

/* mp_signer_generate - a fresh key pair */
struct mp_signer *
mp_signer_generate(enum mp_dkim_alg alg, unsigned bits, struct mp_why *why)
{
	EVP_PKEY *pk = NULL;

	mp_why_clear(why);
	if (alg == MP_DKIM_ED25519_SHA256) {
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else if (alg == MP_DKIM_RSA_SHA256) {
		if (bits < MP_LIMIT_DKIM_RSA_MIN || bits > MP_LIMIT_DKIM_RSA_MAX) {
			mp_why_setf(why, MP_REASON_DKIM_KEY_FILE, "RSA keys are %u to %u bits",
			            (unsigned)MP_LIMIT_DKIM_RSA_MIN, (unsigned)MP_LIMIT_DKIM_RSA_MAX);
			return NULL;
		}
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	}
	if (pk == NULL) {
		mp_why_setf(why, MP_REASON_DKIM_SIGN_FAILED, "key generation failed");
		return NULL;
	}
	return signer_wrap(pk, why);
}

/* mp_signer_private_pem - PKCS#8 PEM of the private key */
enum mp_status
mp_signer_private_pem(const struct mp_signer *s, struct mp_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;
	enum mp_status st = MP_EINVAL;

	if (b == NULL)
		return MP_ENOMEM;
	if (PEM_write_bio_PrivateKey(b, s->pk, NULL, NULL, 0, NULL, NULL) == 1) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0)
			st = mp_buf_append(out, p, (size_t)n);
		if (n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(b);
	return st;
}
