/* audit_tls.c - the audit's TLS client (OpenSSL 3): handshakes at any or
 * at one protocol version, and what the certificate says: chain against
 * the CA store, host name (RFC 6125), validity and days left.
 *
 * The peer is never trusted: verification runs with SSL_VERIFY_NONE so a
 * bad certificate is inspected and reported instead of ending the audit.
 * Version probes lower the security level to 0 so old protocols can be
 * offered at all. One connection per object; thread-safe across objects.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#include "audit_internal.h"

struct mp_audit_tls_conn {
	SSL_CTX *ctx;
	SSL *ssl;
};

/* OpenSSL writes to the socket with write(2): a peer that closed would
 * raise SIGPIPE and kill the program. Block it in this thread around each
 * OpenSSL call and discard one it raised (thread-safe, unlike SIG_IGN). */
struct nosigpipe {
	sigset_t old;
	bool was_pending;
};

/* nosigpipe_enter - block SIGPIPE for this thread */
static void
nosigpipe_enter(struct nosigpipe *n)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	(void)sigpending(&pending);
	n->was_pending = sigismember(&pending, SIGPIPE) == 1;
	(void)pthread_sigmask(SIG_BLOCK, &set, &n->old);
}

/* nosigpipe_leave - drop a SIGPIPE we caused, restore the mask */
static void
nosigpipe_leave(struct nosigpipe *n)
{
	sigset_t set, pending;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	(void)sigpending(&pending);
	if (!n->was_pending && sigismember(&pending, SIGPIPE) == 1)
		(void)sigtimedwait(&set, NULL, &zero);
	(void)pthread_sigmask(SIG_SETMASK, &n->old, NULL);
}

static const int proto_versions[MP_TLS__COUNT] = {
	SSL3_VERSION, TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION,
};

/* make_ctx - client context; only_version >= 0 pins one protocol */
static SSL_CTX *
make_ctx(const char *ca_file, int only_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* version probes look at no certificate: loading the CA store costs
	 * more than the handshake */
	if (only_version == -1 && (ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1
	                                 : SSL_CTX_set_default_verify_paths(ctx) != 1)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (only_version >= 0 && only_version < MP_TLS__COUNT) {
		/* old versions need SHA-1 and weak ciphers: allow them, to ask */
		SSL_CTX_set_security_level(ctx, 0);
		(void)SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
		if (SSL_CTX_set_min_proto_version(ctx, proto_versions[only_version]) != 1 ||
		    SSL_CTX_set_max_proto_version(ctx, proto_versions[only_version]) != 1) {
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	return ctx;
}

/* local_refusal - did our own library refuse before asking the server? */
static bool
local_refusal(unsigned long e)
{
	int r = ERR_GET_REASON(e);

	return ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    (r == SSL_R_NO_PROTOCOLS_AVAILABLE || r == SSL_R_NO_CIPHERS_AVAILABLE);
}

bool
mp_audit_tls_can_offer(int version)
{
	SSL_CTX *ctx = make_ctx(NULL, version);
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	int sv[2] = { -1, -1 }, rc;
	bool ok = false;

	/* a ClientHello into a socketpair nobody answers: WANT_READ means our
	 * library could offer the version, an immediate error that it cannot */
	if (ssl && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0 &&
	    SSL_set_fd(ssl, sv[0]) == 1) {
		rc = SSL_connect(ssl);
		ok = rc == 1 || SSL_get_error(ssl, rc) == SSL_ERROR_WANT_READ;
	}
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return ok;
}

enum mp_smtp_io
mp_audit_tls_connect(int fd, const char *sni, const char *ca_file, int only_version,
                     struct mp_audit_tls_conn **out, bool *untestable, struct mp_why *why)
{
	char ebuf[256];
	int saved;
	struct nosigpipe nsp;

	struct mp_audit_tls_conn *c;
	unsigned long e;
	int rc, err;

	*out = NULL;
	*untestable = false;
	if ((c = mp_zalloc(sizeof *c)) == NULL)
		return MP_SMTP_IO_ERROR;
	ERR_clear_error();
	if ((c->ctx = make_ctx(ca_file, only_version)) == NULL ||
	    (c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		*untestable = only_version >= 0;
		mp_audit_tls_free(c);
		return mp_why_setf(why, MP_REASON_AUDIT_TLS, "TLS setup failed"), MP_SMTP_IO_TLS;
	}
	if (sni && sni[0] != '\0' && sni[0] != '[' && strchr(sni, ':') == NULL &&
	    strspn(sni, "0123456789.") != strlen(sni))
		(void)SSL_set_tlsext_host_name(c->ssl, sni);
	nosigpipe_enter(&nsp);
	rc = SSL_connect(c->ssl);
	saved = errno;
	nosigpipe_leave(&nsp);
	errno = saved;
	if (rc != 1) {
		err = SSL_get_error(c->ssl, rc);
		e = ERR_peek_error();
		saved = errno;
		*untestable = only_version >= 0 && local_refusal(e);
		ERR_error_string_n(e, ebuf, sizeof ebuf);
		ERR_clear_error();
		mp_audit_tls_free(c);
		if (err == SSL_ERROR_SYSCALL && (saved == EAGAIN || saved == EWOULDBLOCK)) {
			mp_why_setf(why, MP_REASON_AUDIT_TIMEOUT, "timeout during TLS handshake");
			return MP_SMTP_IO_TIMEOUT;
		}
		if (e == 0)
			mp_why_setf(why, MP_REASON_AUDIT_TLS, "TLS handshake failed: %s",
			    saved ? strerror(saved) : "connection closed");
		else
			mp_why_setf(why, MP_REASON_AUDIT_TLS, "TLS handshake failed: %s", ebuf);
		return MP_SMTP_IO_TLS;
	}
	*out = c;
	return MP_SMTP_IO_OK;
}

/* one_line - an X509 name as one RFC 2253 line, in arena */
static struct mp_str
one_line(const X509_NAME *n, struct mp_arena *a)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;
	struct mp_str s = MP_STR_LIT("");

	if (b == NULL)
		return s;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0 && (len = BIO_get_mem_data(b, &p)) > 0)
		s = mp_arena_strdup(a, mp_str_make(p, (size_t)len));
	BIO_free(b);
	return s.ptr ? s : MP_STR_LIT("");
}

/* iso_time - an ASN1_TIME as "YYYY-MM-DDTHH:MM:SSZ" */
static struct mp_str
iso_time(const ASN1_TIME *t, struct mp_arena *a)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return MP_STR_LIT("");
	return mp_arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* name_matches - RFC 6125 host name, or an address literal */
static bool
name_matches(X509 *cert, const char *name)
{
	char ip[64];
	size_t n = strlen(name);

	if (n > 2 && name[0] == '[' && name[n - 1] == ']' && n - 2 < sizeof ip) {
		memcpy(ip, name + 1, n - 2);
		ip[n - 2] = '\0';
		return X509_check_ip_asc(cert, ip, 0) == 1;
	}
	if (X509_check_ip_asc(cert, name, 0) == 1)
		return true;
	return X509_check_host(cert, name, n, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

/* validity - expired / not yet valid / days left against now */
static void
validity(X509 *cert, long now, struct mp_audit_tls *t)
{
	time_t tnow = (time_t)now;
	int days = 0, secs = 0;
	ASN1_TIME *at = ASN1_TIME_set(NULL, tnow);

	t->expired = X509_cmp_time(X509_get0_notAfter(cert), &tnow) < 0;
	t->not_yet_valid = X509_cmp_time(X509_get0_notBefore(cert), &tnow) > 0;
	if (at && ASN1_TIME_diff(&days, &secs, at, X509_get0_notAfter(cert)) == 1)
		t->days_left = days - (secs < 0 ? 1 : 0);
	ASN1_TIME_free(at);
}

enum mp_status
mp_audit_tls_inspect(struct mp_audit_tls_conn *c, const char *name, long now,
                     struct mp_arena *a, struct mp_audit_tls *t)
{
	X509 *cert = SSL_get1_peer_certificate(c->ssl);
	const SSL_CIPHER *ciph = SSL_get_current_cipher(c->ssl);
	long v;

	t->done = true;
	t->protocol = mp_arena_strdup(a, mp_str_c(SSL_get_version(c->ssl)));
	t->cipher = mp_arena_strdup(a, mp_str_c(ciph ? SSL_CIPHER_get_name(ciph) : ""));
	t->cipher_bits = ciph ? SSL_CIPHER_get_bits(ciph, NULL) : 0;
	t->name_checked = mp_arena_strdup(a, mp_str_c(name));
	if (t->protocol.ptr == NULL || t->cipher.ptr == NULL || t->name_checked.ptr == NULL) {
		X509_free(cert);
		return MP_ENOMEM;
	}
	v = SSL_get_verify_result(c->ssl);
	t->verify_code = v;
	t->chain_ok = cert != NULL && v == X509_V_OK;
	t->verify_error = mp_arena_strdup(a, mp_str_c(cert ? X509_verify_cert_error_string(v)
	                                                   : "no certificate"));
	if (t->verify_error.ptr == NULL)
		t->verify_error = MP_STR_LIT("");
	if (cert == NULL)
		return MP_OK;
	t->subject = one_line(X509_get_subject_name(cert), a);
	t->issuer = one_line(X509_get_issuer_name(cert), a);
	t->not_after = iso_time(X509_get0_notAfter(cert), a);
	if (t->not_after.ptr == NULL)
		t->not_after = MP_STR_LIT("");
	t->self_signed = v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
	    X509_check_issued(cert, cert) == X509_V_OK;
	t->name_match = name_matches(cert, name);
	validity(cert, now, t);
	X509_free(cert);
	return MP_OK;
}

long
mp_audit_tls_read(struct mp_audit_tls_conn *c, void *p, size_t len)
{
	int n, err;

	struct nosigpipe nsp;
	int saved;

	errno = 0;
	nosigpipe_enter(&nsp);
	n = SSL_read(c->ssl, p, len > 65536 ? 65536 : (int)len);
	saved = errno;
	nosigpipe_leave(&nsp);
	errno = saved;
	if (n > 0)
		return n;
	err = SSL_get_error(c->ssl, n);
	ERR_clear_error();
	if (err == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (err == SSL_ERROR_SYSCALL && errno == 0)
		return 0;       /* EOF without close_notify */
	errno = ECONNRESET;
	return -1;
}

long
mp_audit_tls_write(struct mp_audit_tls_conn *c, const void *p, size_t len)
{
	struct nosigpipe nsp;
	int n, saved;

	nosigpipe_enter(&nsp);
	n = SSL_write(c->ssl, p, len > 65536 ? 65536 : (int)len);
	saved = errno;
	nosigpipe_leave(&nsp);
	ERR_clear_error();
	errno = saved;
	return n > 0 ? n : -1;
}

void
mp_audit_tls_free(struct mp_audit_tls_conn *c)
{
	struct nosigpipe nsp;

	if (c == NULL)
		return;
	if (c->ssl) {
		nosigpipe_enter(&nsp);
		(void)SSL_shutdown(c->ssl);
		nosigpipe_leave(&nsp);
		ERR_clear_error();
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	mp_free(c);
}
