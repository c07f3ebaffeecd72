/* audit_net.c - the audit's I/O driver: resolves the target, connects with
 * a timeout, runs struct mp_smtp_dialog over a socket (and TLS once asked:
 * STARTTLS per RFC 3207 or implicit per RFC 8314), then probes each TLS
 * protocol version with its own connection.
 *
 * Every step (connect, each read and write, each handshake) is bounded by
 * the timeout; a timeout or refusal is reported as such, never as a pass.
 * It only connects out and never sends DATA. Thread-safe across calls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#include "audit_internal.h"

struct conn {
	int fd;
	struct mp_audit_tls_conn *tls;
	unsigned timeout_ms;
};

/* v4_private - RFC 1918, loopback, link-local, CGNAT (RFC 6598), "this
 * network", documentation (RFC 5737), benchmarking, multicast/reserved */
static bool
v4_private(const uint8_t *b)
{
	return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
	    (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
	    (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 192 && b[1] == 0 && b[2] == 2) ||
	    (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113) ||
	    (b[0] == 198 && (b[1] & 0xfe) == 18) || b[0] >= 224;
}

bool
mp_audit_addr_is_private(const char *addr)
{
	uint8_t b[16];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, addr, b) == 1)
		return v4_private(b);
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	if (memcmp(b, mapped, 12) == 0)
		return v4_private(b + 12);
	for (size_t i = 0; i < 15; i++)
		if (b[i] != 0)
			goto not_special;
	return true;    /* :: and ::1 */
not_special:
	return (b[0] & 0xfe) == 0xfc ||                 /* fc00::/7 unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||  /* fe80::/10 link-local */
	    b[0] == 0xff ||                             /* multicast */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8); /* 2001:db8::/32 */
}

/* set_timeouts - every later read and write on fd waits at most ms */
static void
set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* connect_one - non-blocking connect bounded by the timeout */
static enum mp_smtp_io
connect_one(const struct addrinfo *ai, unsigned ms, int *out)
{
	struct pollfd pfd;
	int fd, err = 0, flags;
	socklen_t elen = sizeof err;

	*out = -1;
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0)
		return MP_SMTP_IO_ERROR;
	flags = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto failed;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, (int)ms) != 1) {
			close(fd);
			return MP_SMTP_IO_TIMEOUT;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0)
			goto failed;
	}
	(void)fcntl(fd, F_SETFL, flags);
	set_timeouts(fd, ms);
	*out = fd;
	return MP_SMTP_IO_OK;
failed:
	close(fd);
	errno = err;
	return err == ECONNREFUSED ? MP_SMTP_IO_REFUSED
	     : err == ETIMEDOUT ? MP_SMTP_IO_TIMEOUT : MP_SMTP_IO_ERROR;
}

/* resolve - addresses of host:port; refuses private ones with public_only */
static enum mp_status
resolve(const struct mp_audit_smtp_opts *o, unsigned port, struct addrinfo **res,
        struct mp_why *why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	char sport[16], ip[INET6_ADDRSTRLEN];
	int rc;

	(void)snprintf(sport, sizeof sport, "%u", port);
	if ((rc = getaddrinfo(o->host, sport, &hints, res)) != 0)
		return mp_why_setf(why, MP_REASON_AUDIT_RESOLVE, "%s: %s", o->host, gai_strerror(rc)),
		    MP_EINVAL;
	for (const struct addrinfo *ai = *res; o->public_only && ai; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0,
		        NI_NUMERICHOST) != 0 || mp_audit_addr_is_private(ip)) {
			freeaddrinfo(*res);
			*res = NULL;
			return mp_why_setf(why, MP_REASON_AUDIT_PRIVATE_TARGET,
			    "%s is %s, a private or loopback address (--public-only)", o->host, ip),
			    MP_EINVAL;
		}
	}
	return MP_OK;
}

/* open_conn - the first address of host that accepts the connection */
static enum mp_smtp_io
open_conn(const struct addrinfo *res, unsigned ms, struct conn *c, char *ip, size_t iplen,
          struct mp_why *why)
{
	enum mp_smtp_io io = MP_SMTP_IO_ERROR;

	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, (socklen_t)iplen, NULL, 0,
		        NI_NUMERICHOST) != 0)
			ip[0] = '\0';
		if ((io = connect_one(ai, ms, &c->fd)) == MP_SMTP_IO_OK)
			return io;
	}
	if (io == MP_SMTP_IO_TIMEOUT)
		mp_why_setf(why, MP_REASON_AUDIT_TIMEOUT, "connect to %s timed out", ip);
	else if (io == MP_SMTP_IO_REFUSED)
		mp_why_setf(why, MP_REASON_AUDIT_REFUSED, "connect to %s: connection refused", ip);
	else
		mp_why_setf(why, MP_REASON_AUDIT_IO, "connect to %s: %s", ip, strerror(errno));
	return io;
}

/* conn_write - all of s, through TLS once it is up */
static enum mp_smtp_io
conn_write(struct conn *c, struct mp_str s)
{
	long n;

	while (s.len > 0) {
		n = c->tls ? mp_audit_tls_write(c->tls, s.ptr, s.len)
		           : (long)send(c->fd, s.ptr, s.len, MSG_NOSIGNAL);
		if (n <= 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? MP_SMTP_IO_TIMEOUT
			                                                 : MP_SMTP_IO_CLOSED;
		s.ptr += n;
		s.len -= (size_t)n;
	}
	return MP_SMTP_IO_OK;
}

/* conn_read - some bytes; *n 0 means closed */
static enum mp_smtp_io
conn_read(struct conn *c, char *buf, size_t len, size_t *got)
{
	long n;

	errno = 0;
	n = c->tls ? mp_audit_tls_read(c->tls, buf, len) : (long)recv(c->fd, buf, len, 0);
	*got = 0;
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? MP_SMTP_IO_TIMEOUT
		                                                 : MP_SMTP_IO_ERROR;
	if (n == 0)
		return MP_SMTP_IO_CLOSED;
	*got = (size_t)n;
	return MP_SMTP_IO_OK;
}

/* session - what one connection asks: the full audit (PROBE_NONE), a
 * handshake at one TLS version (probe = enum mp_tls_proto) or the STARTTLS
 * injection probe */
enum { PROBE_NONE = -1, PROBE_INJECTION = -2 };

struct session {
	const struct mp_audit_smtp_opts *o;
	const struct addrinfo *res;
	struct mp_audit_port *port;
	struct mp_arena *a;
	int probe;
	bool no_starttls;        /* second try after a failed STARTTLS handshake */
	enum mp_tls_version_probe probe_result;
};

/* start_tls - handshake on c; the first full session inspects the certificate */
static bool
start_tls(struct session *s, struct conn *c, struct mp_why *why)
{
	const char *name = s->o->tls_name ? s->o->tls_name : s->o->host;
	bool untestable;
	enum mp_smtp_io io;

	io = mp_audit_tls_connect(c->fd, name, s->o->ca_file, s->probe, &c->tls, &untestable, why);
	if (s->probe == PROBE_INJECTION)
		return io == MP_SMTP_IO_OK;
	if (s->probe >= 0) {
		s->probe_result = io == MP_SMTP_IO_OK ? MP_TLSV_ACCEPTED
		                : untestable || io == MP_SMTP_IO_TIMEOUT ? MP_TLSV_UNTESTED
		                                                         : MP_TLSV_REJECTED;
		return io == MP_SMTP_IO_OK;
	}
	if (io != MP_SMTP_IO_OK)
		return false;
	return mp_audit_tls_inspect(c->tls, name, s->o->now ? s->o->now : (long)time(NULL),
	    s->a, &s->port->tls) == MP_OK;
}

/* now_ms - a monotonic clock in milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* converse - run the dialogue d over c until it is done. A reply that
 * trickles in byte by byte still has to arrive within the timeout of its
 * step (checked after each read, so at most one read late). */
static void
converse(struct session *s, struct conn *c, struct mp_smtp_dialog *d, struct mp_why *why)
{
	char buf[4096];
	struct mp_str out;
	enum mp_smtp_io io;
	size_t got;
	uint64_t step_start = now_ms();

	for (;;) {
		switch (mp_smtp_dialog_step(d, &out)) {
		case MP_SMTP_STEP_SEND:
			step_start = now_ms();
			if ((io = conn_write(c, out)) != MP_SMTP_IO_OK)
				mp_smtp_dialog_io_failed(d, io);
			break;
		case MP_SMTP_STEP_RECV:
			if ((io = conn_read(c, buf, sizeof buf, &got)) != MP_SMTP_IO_OK)
				mp_smtp_dialog_io_failed(d, io);
			else if (mp_smtp_dialog_input(d, buf, got) != MP_OK)
				mp_smtp_dialog_io_failed(d, MP_SMTP_IO_ERROR);
			else if (now_ms() - step_start > c->timeout_ms)
				mp_smtp_dialog_io_failed(d, MP_SMTP_IO_TIMEOUT);
			break;
		case MP_SMTP_STEP_TLS:
			mp_smtp_dialog_tls_done(d, start_tls(s, c, why));
			step_start = now_ms();
			break;
		case MP_SMTP_STEP_DONE:
			return;
		}
	}
}

/* run_session - one connection: connect, (implicit TLS), converse */
static enum mp_status
run_session(struct session *s, struct mp_smtp_observed *obs, struct mp_why *why)
{
	const struct mp_audit_smtp_opts *o = s->o;
	struct mp_smtp_dialog_opts dopts = { 0 };
	struct mp_smtp_dialog *d;
	struct conn c = { .fd = -1 };
	char ip[INET6_ADDRSTRLEN] = "";
	unsigned ms = o->timeout_ms ? o->timeout_ms : MP_AUDIT_TIMEOUT_MS;
	enum mp_smtp_io io;

	c.timeout_ms = ms;

	memset(obs, 0, sizeof *obs);
	if ((io = open_conn(s->res, ms, &c, ip, sizeof ip, why)) != MP_SMTP_IO_OK) {
		obs->io = io;
		obs->io_stage = "connect";
		return MP_OK;
	}
	if (s->probe == PROBE_NONE && (s->port->address = mp_arena_strdup(s->a, mp_str_c(ip))).ptr == NULL)
		goto nomem;
	if (s->port->mode == MP_AUDIT_MODE_SMTPS && !start_tls(s, &c, why)) {
		close(c.fd);
		obs->io = why->reason == MP_REASON_AUDIT_TIMEOUT ? MP_SMTP_IO_TIMEOUT : MP_SMTP_IO_TLS;
		obs->io_stage = "tls";
		obs->tls_attempted = true;
		return MP_OK;
	}
	dopts.helo = mp_str_c(o->helo ? o->helo : "mailproof-audit.invalid");
	/* an address literal (RFC 5321 §4.1.3) until the banner names the host */
	dopts.server_domain = !ip[0] ? mp_str_c(o->host)
	    : strchr(ip, ':') ? mp_arena_printf(s->a, "[IPv6:%s]", ip) : mp_arena_printf(s->a, "[%s]", ip);
	dopts.relay_domain = mp_str_c(o->relay_domain ? o->relay_domain : MP_AUDIT_RELAY_DOMAIN);
	dopts.tls_active = s->port->mode == MP_AUDIT_MODE_SMTPS;
	dopts.starttls = !s->no_starttls;
	dopts.probe_only = s->probe >= 0;
	dopts.injection_probe = s->probe == PROBE_INJECTION;
	dopts.submission = s->port->mode != MP_AUDIT_MODE_SMTP;
	if (dopts.server_domain.ptr == NULL || (d = mp_smtp_dialog_new(&dopts, s->a)) == NULL)
		goto nomem;
	converse(s, &c, d, why);
	*obs = *mp_smtp_dialog_observed(d);
	mp_smtp_dialog_free(d);
	mp_audit_tls_free(c.tls);
	close(c.fd);
	return MP_OK;
nomem:
	mp_audit_tls_free(c.tls);
	close(c.fd);
	return MP_ENOMEM;
}

/* negotiated - the enum mp_tls_proto of the main handshake, or -1 */
static int
negotiated(const struct mp_audit_tls *t)
{
	for (int v = 0; v < MP_TLS__COUNT; v++)
		if (mp_str_eq_c(t->protocol, mp_tls_proto_name(v)))
			return v;
	return -1;
}

/* probe_versions - one handshake per older protocol version. The main
 * handshake offered everything: its version is accepted and any newer one
 * was declined by the server. */
static enum mp_status
probe_versions(struct session *s)
{
	struct mp_smtp_observed obs;
	struct mp_why why;
	enum mp_status st;
	int top = negotiated(&s->port->tls);

	for (int v = 0; v < MP_TLS__COUNT; v++) {
		if (top >= 0 && v >= top) {
			s->port->tls.versions[v] = v == top ? MP_TLSV_ACCEPTED : MP_TLSV_REJECTED;
			continue;
		}
		if (!mp_audit_tls_can_offer(v)) {
			s->port->tls.versions[v] = MP_TLSV_UNTESTED;
			continue;
		}
		s->probe = v;
		s->probe_result = MP_TLSV_UNTESTED;
		mp_why_clear(&why);
		if ((st = run_session(s, &obs, &why)) != MP_OK)
			return st;
		s->port->tls.versions[v] = s->probe_result;
	}
	s->probe = PROBE_NONE;
	return MP_OK;
}

/* probe_injection - STARTTLS with a command pipelined behind it: is it
 * run inside TLS (CVE-2011-0411)? Only where STARTTLS worked. */
static enum mp_status
probe_injection(struct session *s)
{
	struct mp_smtp_observed obs;
	struct mp_why why;
	enum mp_status st;

	s->port->tls.injection = -1;
	if (s->port->mode == MP_AUDIT_MODE_SMTPS || !s->port->obs.tls_ok)
		return MP_OK;
	s->probe = PROBE_INJECTION;
	mp_why_clear(&why);
	st = run_session(s, &obs, &why);
	s->probe = PROBE_NONE;
	if (st == MP_OK)
		s->port->tls.injection = obs.injection;
	return st;
}

/* retry_plain - STARTTLS broke the first connection: keep what it showed
 * about TLS, run the other tests on a second one without STARTTLS */
static enum mp_status
retry_plain(struct session *s, struct mp_audit_port *p)
{
	struct mp_smtp_observed first = p->obs;
	enum mp_status st;

	p->tls.handshake_error = mp_arena_strdup(s->a, mp_str_c(p->why.text));
	if (p->tls.handshake_error.ptr == NULL)
		return MP_ENOMEM;
	mp_why_clear(&p->why);
	s->no_starttls = true;
	st = run_session(s, &p->obs, &p->why);
	s->no_starttls = false;
	p->obs.starttls_code = first.starttls_code;
	p->obs.tls_attempted = true;
	p->obs.tls_ok = false;
	return st;
}

/* io_why - the port's why for an observed failure, when none was set */
static void
io_why(struct mp_audit_port *p)
{
	static const enum mp_reason reasons[] = {
		MP_REASON_NONE, MP_REASON_AUDIT_REFUSED, MP_REASON_AUDIT_TIMEOUT,
		MP_REASON_AUDIT_CLOSED, MP_REASON_AUDIT_IO, MP_REASON_AUDIT_PROTOCOL,
		MP_REASON_AUDIT_TLS,
	};

	if (p->io == MP_SMTP_IO_OK || mp_why_failed(&p->why))
		return;
	mp_why_setf(&p->why, reasons[p->io], "%s at %s", mp_reason_text(reasons[p->io]),
	    p->obs.io_stage ? p->obs.io_stage : "connect");
}

enum mp_status
mp_audit_smtp_port(const struct mp_audit_smtp_opts *o, unsigned port,
                   enum mp_audit_port_mode mode, struct mp_arena *a,
                   struct mp_audit_port **out, struct mp_why *why)
{
	struct session s = { .o = o, .a = a, .probe = -1 };
	struct addrinfo *res = NULL;
	struct mp_audit_port *p;
	enum mp_status st;

	*out = NULL;
	mp_why_clear(why);
	if ((st = resolve(o, port, &res, why)) != MP_OK)
		return st;
	if ((p = mp_arena_zalloc(a, sizeof *p)) == NULL) {
		freeaddrinfo(res);
		return MP_ENOMEM;
	}
	p->port = port;
	p->mode = mode;
	p->address = MP_STR_LIT("");
	mp_why_clear(&p->why);
	s.res = res;
	s.port = p;
	st = run_session(&s, &p->obs, &p->why);
	if (st == MP_OK && p->obs.io == MP_SMTP_IO_TLS && mode != MP_AUDIT_MODE_SMTPS)
		st = retry_plain(&s, p);
	p->io = p->obs.io;
	p->tls.injection = -1;
	if (st == MP_OK && !o->no_version_probes && p->obs.tls_ok)
		st = probe_versions(&s);
	if (st == MP_OK && !o->no_version_probes)
		st = probe_injection(&s);
	freeaddrinfo(res);
	if (st != MP_OK)
		return st;
	io_why(p);
	if ((st = mp_audit_smtp_findings(p, a)) != MP_OK)
		return st;
	*out = p;
	return MP_OK;
}
