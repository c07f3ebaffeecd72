/* milter_cb.c - libmilter callbacks. They only translate: macros and
 * arguments in (bounded, untrusted), milter_conn_* decides, smfi_* out.
 * libmilter calls one connection's callbacks from one thread at a time;
 * different connections run in parallel.
 */
#include <stdatomic.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <libmilter/mfdef.h>

#include <mailproof/log.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_prog.h"

/* Protocol steps that need no reply from us (RFC-less milter protocol v6):
 * every reply saved is a round trip through the MTA saved. connect keeps
 * its reply (MaxConnections answers it with tempfail). */
#define WANT_NR (SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)
#define WANT_SKIP (SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA)

/* One MTA connection as libmilter sees it. */
struct glue {
	struct milter_conn *c;
	bool nr;                         /* the WANT_NR steps get no reply */
};

static atomic_uint nconnections;

/* glue - this connection's glue, or NULL */
static struct glue *
glue(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* conn - this connection's state, or NULL */
static struct milter_conn *
conn(SMFICTX *ctx)
{
	struct glue *g = glue(ctx);

	return g ? g->c : NULL;
}

/* step - the answer to a step that may have been negotiated reply-less */
static sfsistat
step(SMFICTX *ctx, sfsistat st)
{
	struct glue *g = glue(ctx);

	return g && g->nr && st == SMFIS_CONTINUE ? SMFIS_NOREPLY : st;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
             unsigned long *pf3)
{
	struct glue *g = mp_zalloc(sizeof *g);

	(void)f2, (void)f3;
	if (g == NULL)
		return SMFIS_TEMPFAIL;
	g->nr = (f1 & WANT_NR) == WANT_NR;
	smfi_setpriv(ctx, g);
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
	*pf1 = (f1 & WANT_SKIP) | (g->nr ? WANT_NR : 0);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

/* sfsi - milter_rc to libmilter's status */
static sfsistat
sfsi(enum milter_rc rc)
{
	switch (rc) {
	case MILTER_RC_ACCEPT:
		return SMFIS_ACCEPT;
	case MILTER_RC_REJECT:
		return SMFIS_REJECT;
	case MILTER_RC_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	case MILTER_RC_CONTINUE:
		break;
	}
	return SMFIS_CONTINUE;
}

/* str - a C string from libmilter as a view ("" for NULL) */
static struct mp_str
str(const char *s)
{
	return mp_str_c(s ? s : "");
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct milter_gen *g = milter_current();
	struct milter_conn *c;
	struct glue *gl;
	unsigned max = g->cfg.max_connections;
	const uint8_t *addr = NULL;
	int family = 0;

	if (atomic_fetch_add(&nconnections, 1) >= max) {
		atomic_fetch_sub(&nconnections, 1);
		milter_gen_unref(g);
		mp_log_warn("MaxConnections (%u) reached: connection refused with tempfail", max);
		return SMFIS_TEMPFAIL;
	}
	c = milter_conn_new(g);
	milter_gen_unref(g);                    /* the connection holds its own reference */
	gl = glue(ctx);
	if (gl == NULL && (gl = mp_zalloc(sizeof *gl)) != NULL)
		smfi_setpriv(ctx, gl);          /* an MTA that did not negotiate */
	if (c == NULL || gl == NULL) {
		milter_conn_free(c);
		atomic_fetch_sub(&nconnections, 1);
		return SMFIS_TEMPFAIL;
	}
	gl->c = c;
	if (sa && sa->sa_family == AF_INET) {
		family = 4;
		addr = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa && sa->sa_family == AF_INET6) {
		family = 6;
		addr = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	}
	return sfsi(milter_conn_connect(c, str(host), family, addr));
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct milter_conn *c = conn(ctx);

	return c ? step(ctx, sfsi(milter_conn_helo(c, str(helo)))) : SMFIS_TEMPFAIL;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = conn(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	return step(ctx, sfsi(milter_conn_envfrom(c, str(argv ? argv[0] : NULL),
	    str(smfi_getsymval(ctx, "{auth_authen}")))));
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct milter_conn *c = conn(ctx);

	return c ? step(ctx, sfsi(milter_conn_header(c, str(name), str(value)))) : SMFIS_TEMPFAIL;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct milter_conn *c = conn(ctx);

	return c ? step(ctx, sfsi(milter_conn_eoh(c))) : SMFIS_TEMPFAIL;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct milter_conn *c = conn(ctx);

	return c ? step(ctx, sfsi(milter_conn_body(c, (const char *)p, len))) : SMFIS_TEMPFAIL;
}

/* ---- what a decision does to the MTA ---- */
static int
op_insheader(void *arg, int idx, const char *name, const char *value)
{
	return smfi_insheader(arg, idx, (char *)name, (char *)value) == MI_SUCCESS ? 0 : -1;
}

static int
op_chgheader(void *arg, const char *name, int idx, const char *value)
{
	return smfi_chgheader(arg, (char *)name, idx, (char *)value) == MI_SUCCESS ? 0 : -1;
}

static int
op_setreply(void *arg, const char *rcode, const char *xcode, const char *text)
{
	char safe[512];
	size_t n = 0;

	/* libmilter refuses '%' and line ends in replies; texts quote
	 * untrusted bytes already, this only keeps the reply valid. */
	for (size_t i = 0; text[i] && n < sizeof safe - 1; i++)
		safe[n++] = (text[i] == '%' || text[i] == '\r' || text[i] == '\n') ? ' ' : text[i];
	safe[n] = '\0';
	return smfi_setreply(arg, (char *)rcode, (char *)xcode, safe) == MI_SUCCESS ? 0 : -1;
}

static int
op_quarantine(void *arg, const char *reason)
{
	return smfi_quarantine(arg, (char *)reason) == MI_SUCCESS ? 0 : -1;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct milter_conn *c = conn(ctx);
	struct milter_ops ops = { ctx, op_insheader, op_chgheader, op_setreply, op_quarantine };

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	return sfsi(milter_conn_eom(c, str(smfi_getsymval(ctx, "i")), &ops));
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct milter_conn *c = conn(ctx);

	if (c)
		milter_conn_abort(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct glue *g = glue(ctx);

	if (g) {
		smfi_setpriv(ctx, NULL);
		if (g->c) {
			milter_conn_free(g->c);
			atomic_fetch_sub(&nconnections, 1);
		}
		mp_free(g);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
	.xxfi_name = "mailproofd",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
