/* test_audit_tls.c - the audit driver (sockets + OpenSSL) against an
 * in-process scripted SMTP server on 127.0.0.1, with certificates made at
 * test time (no key is committed): a good chain from a test CA, a wrong
 * name, self-signed, expired, expiring, an unknown CA; old protocol
 * versions; implicit TLS; a broken STARTTLS; refused and silent ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#define DAY (24L * 3600)
#define HOST "mail.test.example"

/* ---- certificates ---- */

struct cert {
	X509 *x;
	EVP_PKEY *key;
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* make_cert - an EC P-256 certificate valid from now+from to now+to;
 * issuer NULL: self-signed */
static struct cert
make_cert(const char *cn, const char *san, const struct cert *issuer, long from, long to,
          bool ca)
{
	static long serial = 1;
	struct cert c = { X509_new(), EVP_EC_gen("P-256") };
	X509_NAME *n;

	assert_non_null(c.x);
	assert_non_null(c.key);
	X509_set_version(c.x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c.x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c.x), from);
	X509_gmtime_adj(X509_getm_notAfter(c.x), to);
	X509_set_pubkey(c.x, c.key);
	n = X509_get_subject_name(c.x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c.x, issuer ? X509_get_subject_name(issuer->x) : n);
	if (ca)
		add_ext(c.x, issuer ? issuer->x : c.x, NID_basic_constraints, "critical,CA:TRUE");
	if (san)
		add_ext(c.x, issuer ? issuer->x : c.x, NID_subject_alt_name, san);
	assert_true(X509_sign(c.x, issuer ? issuer->key : c.key, EVP_sha256()) > 0);
	return c;
}

static void
free_cert(struct cert *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->key);
}

static void
write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(PEM_write_X509(f, x) == 1);
	fclose(f);
}

/* ---- the scripted SMTP server ---- */

enum fake_mode { FAKE_NORMAL, FAKE_BREAK_TLS, FAKE_SILENT, FAKE_TRICKLE };

struct fake {
	int lfd, port;
	SSL_CTX *ctx;
	bool implicit, offer_starttls, old_versions;
	bool keeps_injected;    /* runs plain text pipelined behind STARTTLS under TLS */
	enum fake_mode mode;
	volatile bool stop;
	pthread_t th;
	unsigned connections;
};

struct peer {
	int fd;
	SSL *ssl;
};

static int
peer_read_line(struct peer *p, char *buf, size_t max)
{
	size_t n = 0;
	char c;
	int r;

	while (n + 1 < max) {
		r = p->ssl ? SSL_read(p->ssl, &c, 1) : (int)recv(p->fd, &c, 1, 0);
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (c != '\r')
			buf[n++] = c;
	}
	buf[n] = '\0';
	return (int)n;
}

static void
peer_send(struct peer *p, const char *s)
{
	if (p->ssl)
		(void)SSL_write(p->ssl, s, (int)strlen(s));
	else
		(void)send(p->fd, s, strlen(s), MSG_NOSIGNAL);
}

static bool
peer_tls(struct fake *f, struct peer *p)
{
	p->ssl = SSL_new(f->ctx);
	SSL_set_fd(p->ssl, p->fd);
	if (SSL_accept(p->ssl) != 1) {
		ERR_clear_error();
		return false;
	}
	return true;
}

/* serve - one SMTP conversation by the script: RCPT always refused */
static void
serve(struct fake *f, int fd)
{
	struct peer p = { fd, NULL };
	char line[1024];

	if (f->mode == FAKE_SILENT) {
		while (peer_read_line(&p, line, sizeof line) >= 0)
			;
		return;
	}
	if (f->mode == FAKE_TRICKLE) {     /* an endless banner, one byte at a time */
		static const char text[] = "220-slow.test.example\r\n";
		for (size_t i = 0; !f->stop && i < 400; i++) {
			if (send(fd, text + i % (sizeof text - 1), 1, MSG_NOSIGNAL) != 1)
				break;
			usleep(10000);
		}
		return;
	}
	if (f->implicit && !peer_tls(f, &p))
		goto out;
	peer_send(&p, "220 fake.test.example ESMTP\r\n");
	while (peer_read_line(&p, line, sizeof line) >= 0) {
		if (strncmp(line, "EHLO", 4) == 0)
			peer_send(&p, f->offer_starttls && !p.ssl
			    ? "250-fake.test.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
			    : "250-fake.test.example\r\n250 PIPELINING\r\n");
		else if (strcmp(line, "STARTTLS") == 0 && !p.ssl) {
			/* what came behind STARTTLS in plain text, read before the
			 * 220 so it cannot be the ClientHello: dropped by a correct
			 * server (RFC 3207 §4.2), kept by a vulnerable one */
			char junk[256];
			ssize_t nj = recv(fd, junk, sizeof junk, MSG_DONTWAIT);
			peer_send(&p, "220 2.0.0 go ahead\r\n");
			if (f->mode == FAKE_BREAK_TLS) {
				(void)send(fd, "garbage\r\n", 9, MSG_NOSIGNAL);
				break;
			}
			if (!peer_tls(f, &p))
				break;
			if (f->keeps_injected && nj > 0 && memmem(junk, (size_t)nj, "NOOP", 4))
				peer_send(&p, "250 2.0.0 Ok\r\n");
		} else if (strncmp(line, "MAIL", 4) == 0 || strcmp(line, "RSET") == 0)
			peer_send(&p, "250 2.0.0 Ok\r\n");
		else if (strncmp(line, "RCPT", 4) == 0)
			peer_send(&p, "554 5.7.1 Relay access denied\r\n");
		else if (strcmp(line, "QUIT") == 0) {
			peer_send(&p, "221 2.0.0 Bye\r\n");
			break;
		} else
			peer_send(&p, "502 5.5.2 not here\r\n");
	}
out:
	if (p.ssl) {
		(void)SSL_shutdown(p.ssl);
		SSL_free(p.ssl);
	}
	ERR_clear_error();
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 3 };
	sigset_t set;
	int fd;

	/* the server thread may write to a client that left: EPIPE, no signal
	 * (the audit's own thread is not shielded, so SIGPIPE there fails the test) */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!f->stop) {
		if (poll(&pfd, 1, 50) != 1)
			continue;
		if ((fd = accept(f->lfd, NULL, NULL)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		f->connections++;
		serve(f, fd);
		close(fd);
	}
	return NULL;
}

static void
fake_start(struct fake *f, const struct cert *leaf, const struct cert *chain)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;

	f->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(f->ctx);
	if (leaf) {
		assert_int_equal(SSL_CTX_use_certificate(f->ctx, leaf->x), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(f->ctx, leaf->key), 1);
		if (chain)
			assert_int_equal(SSL_CTX_add1_chain_cert(f->ctx, chain->x), 1);
	}
	if (f->old_versions) {
		SSL_CTX_set_security_level(f->ctx, 0);
		SSL_CTX_set_cipher_list(f->ctx, "ALL:@SECLEVEL=0");
		SSL_CTX_set_min_proto_version(f->ctx, TLS1_VERSION);
	} else {
		SSL_CTX_set_min_proto_version(f->ctx, TLS1_2_VERSION);
	}
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	f->stop = true;
	pthread_join(f->th, NULL);
	close(f->lfd);
	SSL_CTX_free(f->ctx);
}

/* ---- fixtures ---- */

static char tmpdir[64], ca_path[128], other_ca_path[128];
static struct cert ca, other_ca;

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/mp-audit-tls-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	ca = make_cert("mailproof Test CA", NULL, NULL, -DAY, 365 * DAY, true);
	other_ca = make_cert("Unknown CA", NULL, NULL, -DAY, 365 * DAY, true);
	snprintf(ca_path, sizeof ca_path, "%s/ca.pem", tmpdir);
	snprintf(other_ca_path, sizeof other_ca_path, "%s/other.pem", tmpdir);
	write_pem(ca_path, ca.x);
	write_pem(other_ca_path, other_ca.x);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(ca_path);
	unlink(other_ca_path);
	rmdir(tmpdir);
	free_cert(&ca);
	free_cert(&other_ca);
	return 0;
}

/* audit - one port of the fake server; findings as "id:detail id ..." */
static const char *
audit(struct fake *f, enum mp_audit_port_mode mode, const char *tls_name, bool probes,
      struct mp_arena *a, struct mp_audit_port **out)
{
	static char buf[2048];
	struct mp_audit_smtp_opts o = {
		.host = "127.0.0.1", .tls_name = tls_name, .ca_file = ca_path,
		.timeout_ms = 2000, .no_version_probes = !probes,
	};
	struct mp_audit_port *p;
	struct mp_why why;
	size_t len = 0;

	assert_int_equal(mp_audit_smtp_port(&o, (unsigned)f->port, mode, a, &p, &why), MP_OK);
	buf[0] = '\0';
	for (size_t i = 0; i < p->nfindings; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s%.*s", i ? " " : "",
		    mp_audit_finding_name(p->findings[i].id), p->findings[i].detail.len ? ":" : "",
		    (int)p->findings[i].detail.len, p->findings[i].detail.ptr);
	if (out)
		*out = p;
	return buf;
}

/* ---- cases ---- */

static const struct cert_case {
	const char *name;
	int kind;               /* 0 CA-signed, 1 self-signed, 2 unknown CA */
	long from, to;          /* validity, seconds from now */
	const char *tls_name;
	const char *want;       /* findings */
	bool chain_ok, name_match;
} cert_cases[] = {
	{ "good chain from the test CA", 0, -DAY, 30 * DAY + 3600, HOST, "", true, true },
	{ "wrong name", 0, -DAY, 30 * DAY, "other.test.example",
	  "cert-name-mismatch:other.test.example", true, false },
	{ "self-signed", 1, -DAY, 30 * DAY, HOST, "cert-self-signed:CN=" HOST, false, true },
	{ "expired", 0, -60 * DAY, -30 * DAY, HOST, "cert-expired:*", false, true },
	{ "not yet valid", 0, 10 * DAY, 60 * DAY, HOST, "cert-not-yet-valid", false, true },
	{ "expiring in 5 days", 0, -DAY, 5 * DAY + 3600, HOST, "cert-expiring:5 days left", true, true },
	{ "unknown CA", 2, -DAY, 30 * DAY, HOST,
	  "cert-untrusted:unable to get local issuer certificate", false, true },
};

static void
test_certificates(void **state)
{
	struct mp_arena a;
	struct mp_audit_port *p;
	const char *got;

	(void)state;
	for (size_t i = 0; i < sizeof cert_cases / sizeof cert_cases[0]; i++) {
		const struct cert_case *c = &cert_cases[i];
		const struct cert *issuer = c->kind == 0 ? &ca : c->kind == 2 ? &other_ca : NULL;
		struct cert leaf = make_cert(HOST, "DNS:" HOST, issuer, c->from, c->to, false);
		struct fake f = { .offer_starttls = true };

		print_message("case: %s\n", c->name);
		mp_arena_init(&a, 1u << 22);
		fake_start(&f, &leaf, NULL);
		got = audit(&f, MP_AUDIT_MODE_SMTP, c->tls_name, false, &a, &p);
		fake_stop(&f);
		if (strchr(c->want, '*'))
			assert_true(strncmp(got, c->want, strlen(c->want) - 1) == 0);
		else
			assert_string_equal(got, c->want);
		assert_int_equal(p->io, MP_SMTP_IO_OK);
		assert_true(p->tls.done);
		assert_int_equal(p->tls.chain_ok, c->chain_ok);
		assert_int_equal(p->tls.name_match, c->name_match);
		assert_int_equal(p->tls.self_signed, c->kind == 1);
		assert_true(p->obs.tls_ok);
		assert_int_equal(p->obs.relay[MP_RELAY_PLAIN].rcpt_code, 554);
		mp_arena_fini(&a);
		free_cert(&leaf);
	}
}

static void
test_protocol_versions(void **state)
{
	struct cert leaf = make_cert(HOST, "DNS:" HOST, &ca, -DAY, 30 * DAY, false);
	struct fake old = { .offer_starttls = true, .old_versions = true };
	struct fake modern = { .offer_starttls = true };
	struct mp_audit_port *p;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 22);
	fake_start(&old, &leaf, NULL);
	assert_string_equal(audit(&old, MP_AUDIT_MODE_SMTP, HOST, true, &a, &p),
	    "tls-tlsv1 tls-tlsv1.1");
	fake_stop(&old);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1], MP_TLSV_ACCEPTED);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1_1], MP_TLSV_ACCEPTED);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1_3], MP_TLSV_ACCEPTED);
	fake_start(&modern, &leaf, NULL);
	assert_string_equal(audit(&modern, MP_AUDIT_MODE_SMTP, HOST, true, &a, &p), "");
	fake_stop(&modern);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1], MP_TLSV_REJECTED);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1_1], MP_TLSV_REJECTED);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1_2], MP_TLSV_ACCEPTED);
	assert_int_equal(p->tls.versions[MP_TLS_TLSV1_3], MP_TLSV_ACCEPTED);
	mp_arena_fini(&a);
	free_cert(&leaf);
}

static void
test_starttls_injection(void **state)
{
	struct cert leaf = make_cert(HOST, "DNS:" HOST, &ca, -DAY, 30 * DAY, false);
	struct fake good = { .offer_starttls = true }, bad = { .offer_starttls = true,
		.keeps_injected = true };
	struct mp_audit_port *p;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 22);
	fake_start(&good, &leaf, NULL);
	assert_string_equal(audit(&good, MP_AUDIT_MODE_SMTP, HOST, true, &a, &p), "");
	fake_stop(&good);
	assert_int_equal(p->tls.injection, 0);
	fake_start(&bad, &leaf, NULL);
	assert_string_equal(audit(&bad, MP_AUDIT_MODE_SMTP, HOST, true, &a, &p), "starttls-injection");
	fake_stop(&bad);
	assert_int_equal(p->tls.injection, 1);
	mp_arena_fini(&a);
	free_cert(&leaf);
}

static void
test_implicit_tls(void **state)
{
	struct cert leaf = make_cert(HOST, "DNS:" HOST, &ca, -DAY, 30 * DAY, false);
	struct fake tls = { .implicit = true }, plain = { 0 };
	struct mp_audit_port *p;
	struct mp_arena a;
	const char *got;

	(void)state;
	mp_arena_init(&a, 1u << 22);
	fake_start(&tls, &leaf, NULL);
	assert_string_equal(audit(&tls, MP_AUDIT_MODE_SMTPS, HOST, false, &a, &p), "");
	fake_stop(&tls);
	assert_true(p->tls.done && p->tls.chain_ok);
	assert_true(p->obs.has_caps_tls);
	assert_int_equal(p->obs.submit_rcpt_code, 554);
	/* a plain server on an smtps port: the handshake fails, said so */
	fake_start(&plain, &leaf, NULL);
	got = audit(&plain, MP_AUDIT_MODE_SMTPS, HOST, false, &a, &p);
	fake_stop(&plain);
	assert_true(strncmp(got, "implicit-tls-failed:TLS handshake failed", 40) == 0);
	assert_int_equal(p->io, MP_SMTP_IO_TLS);
	mp_arena_fini(&a);
	free_cert(&leaf);
}

static void
test_broken_starttls(void **state)
{
	struct cert leaf = make_cert(HOST, "DNS:" HOST, &ca, -DAY, 30 * DAY, false);
	struct fake f = { .offer_starttls = true, .mode = FAKE_BREAK_TLS };
	struct mp_audit_port *p;
	struct mp_arena a;
	const char *got;

	(void)state;
	mp_arena_init(&a, 1u << 22);
	fake_start(&f, &leaf, NULL);
	got = audit(&f, MP_AUDIT_MODE_SMTP, HOST, true, &a, &p);
	fake_stop(&f);
	/* STARTTLS offered but broken: a finding, not "no STARTTLS"; the
	 * other tests ran on a second, plain connection */
	assert_true(strncmp(got, "starttls-failed:TLS handshake failed", 36) == 0);
	assert_int_equal(p->io, MP_SMTP_IO_OK);
	assert_true(p->obs.tls_attempted);
	assert_false(p->obs.tls_ok);
	assert_false(p->tls.done);
	assert_int_equal(p->obs.relay[MP_RELAY_NULL_SENDER].rcpt_code, 554);
	assert_int_equal(f.connections, 2);
	mp_arena_fini(&a);
	free_cert(&leaf);
}

static void
test_refused_and_silent(void **state)
{
	struct fake silent = { .mode = FAKE_SILENT };
	struct mp_audit_smtp_opts o = { .host = "127.0.0.1", .timeout_ms = 300 };
	struct mp_audit_port *p;
	struct mp_arena a;
	struct mp_why why;
	int fd;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;

	(void)state;
	mp_arena_init(&a, 1u << 22);
	/* a port nobody listens on: bind, note the port, close */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	assert_int_equal(mp_audit_smtp_port(&o, ntohs(sin.sin_port), MP_AUDIT_MODE_SMTP, &a, &p, &why),
	    MP_OK);
	assert_int_equal(p->io, MP_SMTP_IO_REFUSED);
	assert_int_equal(p->nfindings, 1);
	assert_int_equal(p->findings[0].id, MP_AF_PORT_REFUSED);
	assert_int_equal(p->why.reason, MP_REASON_AUDIT_REFUSED);
	/* accepts, never greets */
	fake_start(&silent, NULL, NULL);
	assert_int_equal(mp_audit_smtp_port(&o, (unsigned)silent.port, MP_AUDIT_MODE_SMTP, &a, &p,
	    &why), MP_OK);
	fake_stop(&silent);
	assert_int_equal(p->io, MP_SMTP_IO_TIMEOUT);
	assert_int_equal(p->nfindings, 1);
	assert_int_equal(p->findings[0].id, MP_AF_PORT_TIMEOUT);
	assert_true(mp_str_eq_c(p->findings[0].detail, "banner"));
	/* a banner trickling in never ends the step's timeout */
	{
		struct fake trickle = { .mode = FAKE_TRICKLE };
		fake_start(&trickle, NULL, NULL);
		assert_int_equal(mp_audit_smtp_port(&o, (unsigned)trickle.port, MP_AUDIT_MODE_SMTP, &a,
		    &p, &why), MP_OK);
		fake_stop(&trickle);
		assert_int_equal(p->io, MP_SMTP_IO_TIMEOUT);
		assert_true(mp_str_eq_c(p->findings[0].detail, "banner"));
	}
	/* --public-only refuses loopback before connecting */
	o.public_only = true;
	assert_int_equal(mp_audit_smtp_port(&o, 25, MP_AUDIT_MODE_SMTP, &a, &p, &why), MP_EINVAL);
	assert_int_equal(why.reason, MP_REASON_AUDIT_PRIVATE_TARGET);
	mp_arena_fini(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_protocol_versions),
		cmocka_unit_test(test_starttls_injection),
		cmocka_unit_test(test_implicit_tls),
		cmocka_unit_test(test_broken_starttls),
		cmocka_unit_test(test_refused_and_silent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
