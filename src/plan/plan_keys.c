/* plan_keys.c - `plan --keys DIR`: one DKIM key per server selector, kept
 * in DIR/<selector>.key (PKCS#8 PEM, mode 0600). An existing key file is
 * reused (and must not be readable by others), so running the plan again
 * never replaces a deployed key. Keys never appear in errors or output;
 * only the public half goes into the records. Thread-safe per call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mailproof/dkim.h>
#include <mailproof/plan.h>

#include "plan_internal.h"

/* write_new - create path 0600 exclusively and write the PEM */
static enum mp_status
write_new(const char *path, struct mp_str pem, struct mp_why *why)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return mp_why_setf(why, MP_REASON_PLAN_KEYS, "%s: %s", path, strerror(errno)), MP_EIO;
	while (off < pem.len) {
		ssize_t n = write(fd, pem.ptr + off, pem.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mp_why_setf(why, MP_REASON_PLAN_KEYS, "%s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return MP_EIO;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0)
		return mp_why_setf(why, MP_REASON_PLAN_KEYS, "%s: %s", path, strerror(errno)), MP_EIO;
	return MP_OK;
}

/* key_for - load DIR/<selector>.key or make it */
static struct mp_signer *
key_for(const char *dir, struct mp_str selector, bool ed25519, char *path, size_t pathlen,
        bool *created, struct mp_why *why)
{
	struct mp_signer *s;
	struct mp_buf pem;
	struct stat st;
	int n = snprintf(path, pathlen, "%s/%.*s.key", dir, (int)selector.len, selector.ptr);

	*created = false;
	if (n < 0 || (size_t)n >= pathlen) {
		mp_why_setf(why, MP_REASON_PLAN_KEYS, "key path too long");
		return NULL;
	}
	if (stat(path, &st) == 0)
		return mp_signer_load_file(path, false, why);
	s = mp_signer_generate(ed25519 ? MP_DKIM_ED25519_SHA256 : MP_DKIM_RSA_SHA256, 2048, why);
	if (s == NULL)
		return NULL;
	mp_buf_init(&pem, 1u << 16);
	if (mp_signer_private_pem(s, &pem) != MP_OK ||
	    write_new(path, mp_buf_str(&pem), why) != MP_OK) {
		if (!mp_why_failed(why))
			mp_why_setf(why, MP_REASON_PLAN_KEYS, "cannot encode the key for %s", path);
		mp_signer_free(s);
		s = NULL;
	}
	if (pem.ptr)
		memset(pem.ptr, 0, pem.cap);   /* private key material */
	mp_buf_fini(&pem);
	*created = s != NULL;
	return s;
}

enum mp_status
mp_plan_attach_keys(struct mp_plan_result *r, const char *dir, size_t *ncreated,
                    struct mp_why *why)
{
	char path[4096];
	struct mp_buf pub, kt;
	enum mp_status st = MP_OK;

	*ncreated = 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mp_why_setf(why, MP_REASON_PLAN_KEYS, "%s: %s", dir, strerror(errno)), MP_EIO;
	mp_buf_init(&pub, 8192);
	mp_buf_init(&kt, 1u << 20);
	mp_buf_append_c(&kt, "# mailproofd KeyTable: domain selector keyfile\n"
	    "# On each server keep only the rows of its own selector(s).\n");
	for (size_t i = 0; i < r->nrecords && st == MP_OK; i++) {
		struct mp_plan_record *rec = &r->records[i];
		bool ed, created;
		struct mp_signer *s;
		if (rec->kind != MP_PLAN_DKIM_KEY)
			continue;
		ed = mp_str_starts_nocase(rec->value, MP_STR_LIT("v=DKIM1; k=ed25519"));
		s = key_for(dir, rec->selector, ed, path, sizeof path, &created, why);
		if (s == NULL) {
			st = MP_EIO;
			break;
		}
		if ((mp_signer_alg(s) == MP_DKIM_ED25519_SHA256) != ed) {
			mp_why_setf(why, MP_REASON_PLAN_KEYS, "%s holds a %s key, the plan wants %s", path,
			    ed ? "RSA" : "Ed25519", ed ? "Ed25519" : "RSA");
			mp_signer_free(s);
			st = MP_EINVAL;
			break;
		}
		*ncreated += created;
		mp_buf_reset(&pub);
		st = mp_signer_public_b64(s, &pub);
		mp_signer_free(s);
		if (st != MP_OK)
			break;
		rec->value = mp_arena_printf(&r->arena, "v=DKIM1; k=%s; p=%s", ed ? "ed25519" : "rsa",
		    pub.ptr);
		rec->comment = mp_arena_printf(&r->arena, "DKIM key of server %.*s: private key in %s",
		    (int)rec->server->name.len, rec->server->name.ptr, path);
		mp_buf_printf(&kt, "%.*s %.*s %s   # server %.*s\n", (int)rec->domain.len, rec->domain.ptr,
		    (int)rec->selector.len, rec->selector.ptr, path, (int)rec->server->name.len,
		    rec->server->name.ptr);
		if (rec->value.ptr == NULL || rec->comment.ptr == NULL)
			st = MP_ENOMEM;
	}
	if (st == MP_OK) {
		r->keytable = mp_arena_strdup(&r->arena, mp_buf_str(&kt));
		if (r->keytable.ptr == NULL)
			st = MP_ENOMEM;
	}
	mp_buf_fini(&pub);
	mp_buf_fini(&kt);
	return st;
}
