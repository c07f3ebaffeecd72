/* test_audit_dialog.c - the audit dialogue against a scripted SMTP peer:
 * each script lists the exact commands the dialogue must send and the
 * replies the peer gives; then the findings computed from what was seen.
 * No sockets: the engine is sans-IO. Every relay variant's command
 * sequence is checked, and that DATA is never sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#define TLS_OK "<tls-ok>"
#define TLS_FAIL "<tls-fail>"
#define MAX_STEPS 64

struct step {
	const char *cmd;        /* NULL: the banner */
	const char *reply;      /* NULL: the peer closes / times out (see io) */
};

struct script {
	struct step s[MAX_STEPS];
	size_t n;
	enum mp_smtp_io io;     /* for a NULL reply */
};

static void
add(struct script *sc, const char *cmd, const char *reply)
{
	assert_true(sc->n < MAX_STEPS);
	sc->s[sc->n].cmd = cmd;
	sc->s[sc->n].reply = reply;
	sc->n++;
}

#define SRV "mx.example.org"
#define OUT "relay-test.example"
#define U "mailproof-relay-test"
#define LOCAL_FROM "MAIL FROM:<mailproof-audit@" SRV ">"
#define EXT_FROM "MAIL FROM:<mailproof-audit@" OUT ">"
#define NULL_FROM "MAIL FROM:<>"

/* the exact commands of each relay variant (RFC 5321 address forms) */
static const struct relay_cmds {
	enum mp_relay_variant v;
	const char *name, *mail, *rcpt;
} relay_cmds[MP_RELAY__COUNT] = {
	{ MP_RELAY_PLAIN, "plain", LOCAL_FROM, "RCPT TO:<" U "@" OUT ">" },
	{ MP_RELAY_PERCENT, "percent-hack", LOCAL_FROM, "RCPT TO:<" U "%" OUT "@" SRV ">" },
	{ MP_RELAY_QUOTED, "quoted", LOCAL_FROM, "RCPT TO:<\"" U "@" OUT "\"@" SRV ">" },
	{ MP_RELAY_BANG, "bang-path", LOCAL_FROM, "RCPT TO:<" OUT "!" U "@" SRV ">" },
	{ MP_RELAY_SOURCE_ROUTE, "source-route", LOCAL_FROM, "RCPT TO:<@" SRV ":" U "@" OUT ">" },
	{ MP_RELAY_EXTERNAL, "external-sender", EXT_FROM, "RCPT TO:<" U "@" OUT ">" },
	{ MP_RELAY_NULL_SENDER, "null-sender", NULL_FROM, "RCPT TO:<" U "@" OUT ">" },
};

/* add_relays - every variant; variant `open` (or -1: none) gets 250 */
static void
add_relays(struct script *sc, int open)
{
	for (int v = 0; v < MP_RELAY__COUNT; v++) {
		add(sc, relay_cmds[v].mail, "250 2.1.0 Ok\r\n");
		add(sc, relay_cmds[v].rcpt, v == open ? "250 2.1.5 Ok\r\n"
		    : "554 5.7.1 <" U "@" OUT ">: Relay access denied\r\n");
		add(sc, "RSET", "250 2.0.0 Ok\r\n");
	}
}

static void
add_tail(struct script *sc)
{
	add(sc, "VRFY postmaster", "502 5.5.1 VRFY command is disabled\r\n");
	add(sc, "EXPN postmaster", "502 5.5.2 Error: command not recognized\r\n");
	add(sc, "QUIT", "221 2.0.0 Bye\r\n");
}

#define EHLO "EHLO mailproof-audit.invalid"
#define BANNER "220 " SRV " ESMTP Postfix\r\n"
#define CAPS_TLS_ONLY "250-" SRV "\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
#define CAPS_AUTH "250-" SRV "\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"

static struct mp_smtp_dialog_opts
opts(void)
{
	return (struct mp_smtp_dialog_opts){
		.helo = MP_STR_LIT("mailproof-audit.invalid"),
		.server_domain = MP_STR_LIT("[192.0.2.1]"),
		.relay_domain = MP_STR_LIT(OUT),
		.starttls = true,
	};
}

/* run - drive a dialogue through the script; replies are fed in two
 * pieces so the parser is exercised across reads */
static const struct mp_smtp_observed *
run(const struct mp_smtp_dialog_opts *o, const struct script *sc, struct mp_arena *a)
{
	struct mp_smtp_dialog *d = mp_smtp_dialog_new(o, a);
	static struct mp_smtp_observed obs;
	struct mp_str out;
	size_t i = 0, half, len;
	char cmd[1100];

	assert_non_null(d);
	for (;;) {
		enum mp_smtp_step st = mp_smtp_dialog_step(d, &out);
		if (st == MP_SMTP_STEP_DONE)
			break;
		assert_true(i < sc->n);
		switch (st) {
		case MP_SMTP_STEP_SEND:
			assert_true(out.len >= 2 && out.len < sizeof cmd);
			assert_memory_equal(out.ptr + out.len - 2, "\r\n", 2);
			memcpy(cmd, out.ptr, out.len - 2);
			cmd[out.len - 2] = '\0';
			assert_non_null(sc->s[i].cmd);
			assert_string_equal(cmd, sc->s[i].cmd);
			assert_true(strncmp(cmd, "DATA", 4) != 0 && strncmp(cmd, "BDAT", 4) != 0);
			break;
		case MP_SMTP_STEP_RECV:
			if (sc->s[i].reply == NULL) {
				mp_smtp_dialog_io_failed(d, sc->io);
			} else {
				len = strlen(sc->s[i].reply);
				half = len / 2;
				assert_int_equal(mp_smtp_dialog_input(d, sc->s[i].reply, half), MP_OK);
				assert_int_equal(mp_smtp_dialog_input(d, sc->s[i].reply + half, len - half), MP_OK);
			}
			i++;
			break;
		case MP_SMTP_STEP_TLS:
			assert_true(strcmp(sc->s[i].cmd, TLS_OK) == 0 || strcmp(sc->s[i].cmd, TLS_FAIL) == 0);
			mp_smtp_dialog_tls_done(d, strcmp(sc->s[i].cmd, TLS_OK) == 0);
			i++;
			break;
		default:
			fail();
		}
	}
	assert_int_equal(i, sc->n);     /* every scripted step was used */
	obs = *mp_smtp_dialog_observed(d);
	mp_smtp_dialog_free(d);
	return &obs;
}

/* findings - ids of the findings for obs on a port of mode m, as
 * "id:detail id:detail" */
static const char *
findings(const struct mp_smtp_observed *obs, enum mp_audit_port_mode m, struct mp_arena *a)
{
	static char out[2048];
	struct mp_audit_port *p = mp_arena_zalloc(a, sizeof *p);
	size_t len = 0;

	assert_non_null(p);
	p->mode = m;
	p->obs = *obs;
	p->io = obs->io;
	assert_int_equal(mp_audit_smtp_findings(p, a), MP_OK);
	out[0] = '\0';
	for (size_t i = 0; i < p->nfindings; i++)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s%s%.*s", i ? " " : "",
		    mp_audit_finding_name(p->findings[i].id), p->findings[i].detail.len ? ":" : "",
		    (int)p->findings[i].detail.len, p->findings[i].detail.ptr);
	return out;
}

/* ---- scripted dialogues: one row a script, each its own cmocka test ---- */

#define NO_RELAYS (-2)          /* the script has no standard relay block */
#define ALL_DENIED (-1)         /* every relay variant is refused */
#define AUTH_OFF "503 5.5.1 Error: authentication not enabled\r\n"
#define TLS_READY "220 2.0.0 Ready to start TLS\r\n"
#define SUBMIT_RCPT "RCPT TO:<postmaster@" SRV ">"

/* REFUSED - MAIL refused (and RSET) for every variant, in MP_RELAY order:
 * five from local, then external, then null sender */
#define REFUSED(local, reply, rset)                                           \
	{ local, reply }, { "RSET", rset }, { local, reply }, { "RSET", rset }, \
	{ local, reply }, { "RSET", rset }, { local, reply }, { "RSET", rset }, \
	{ local, reply }, { "RSET", rset }, { EXT_FROM, reply }, { "RSET", rset }, \
	{ NULL_FROM, reply }, { "RSET", rset }

/* the start of every open-relay script */
#define RELAY_HEAD                                                           \
	{ NULL, BANNER }, { EHLO, "250-" SRV "\r\n250 PIPELINING\r\n" },        \
	{ "AUTH PLAIN", AUTH_OFF }

enum {
	O_SUBMISSION = 1, O_TLS_ACTIVE = 2, O_PROBE_ONLY = 4, O_INJECTION = 8,
};

struct dialog_case {
	const char *name;
	unsigned opts;                  /* O_* on top of opts() */
	struct step head[24];           /* up to the relay block; ends at { NULL, NULL } */
	int relays;                     /* NO_RELAYS, ALL_DENIED or the variant accepted */
	bool tail;                      /* VRFY, EXPN, QUIT after the relays */
	enum mp_smtp_io io;             /* for a NULL reply */
	enum mp_audit_port_mode mode;   /* for the findings */
	const char *want;               /* findings; NULL: not checked */
	void (*check)(const struct dialog_case *c, const struct mp_smtp_observed *obs);
};

static void
hardened_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->io, MP_SMTP_IO_OK);
	assert_int_equal(obs->banner_code, 220);
	assert_true(mp_str_eq_c(obs->banner, SRV " ESMTP Postfix"));
	assert_true(obs->caps_plain.starttls);
	assert_int_equal(obs->caps_plain.nauth, 0);
	assert_int_equal(obs->caps_tls.nauth, 2);
	assert_int_equal(obs->auth_probe_code, 503);
	assert_int_equal(obs->starttls_code, 220);
	assert_true(obs->tls_ok);
	for (int v = 0; v < MP_RELAY__COUNT; v++) {
		assert_true(obs->relay[v].tried);
		assert_int_equal(obs->relay[v].rcpt_code, 554);
	}
	assert_int_equal(obs->vrfy_code, 502);
	assert_int_equal(obs->quit_code, 221);
}

/* only the variant c->relays was accepted, and it has its name */
static void
open_relay_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	assert_string_equal(mp_relay_variant_name(relay_cmds[c->relays].v),
	    relay_cmds[c->relays].name);
	assert_int_equal(obs->relay[c->relays].rcpt_code, 250);
}

static void
mail_refused_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->relay[0].mail_code, 553);
	assert_int_equal(obs->relay[0].rcpt_code, 0);
}

static void
login_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_true(mp_str_eq_c(obs->auth_probe_mech, "LOGIN"));
}

static void
submission_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->submit_rcpt_code, 250);
}

static void
implicit_tls_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_false(obs->has_caps_plain);
	assert_true(obs->has_caps_tls);
	assert_int_equal(obs->auth_probe_code, 0);
}

static void
no_injection_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->injection, 0);
}

static void
injection_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->injection, 1);
}

static void
tls_failed_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->io, MP_SMTP_IO_TLS);
	assert_true(obs->tls_attempted);
	assert_false(obs->tls_ok);
}

static void
timeout_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->io, MP_SMTP_IO_TIMEOUT);
	assert_string_equal(obs->io_stage, "ehlo");
}

static void
not_smtp_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->io, MP_SMTP_IO_PROTOCOL);
}

static void
helo_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_false(obs->has_caps_plain);
	assert_int_equal(obs->ehlo_code, 502);
}

static void
closed_421_check(const struct dialog_case *c, const struct mp_smtp_observed *obs)
{
	(void)c;
	assert_int_equal(obs->io, MP_SMTP_IO_CLOSED);
	assert_string_equal(obs->io_stage, "relay-mail");
}

static const struct dialog_case dialog_cases[] = {
	{ "hardened MTA", 0,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "AUTH PLAIN", AUTH_OFF },
	    { "STARTTLS", TLS_READY }, { TLS_OK, NULL }, { EHLO, CAPS_AUTH } },
	  ALL_DENIED, true, 0, MP_AUDIT_MODE_SMTP, "", hardened_check },
	/* one script per relay variant: only that variant's RCPT is accepted */
	{ "open relay: plain", 0, { RELAY_HEAD }, MP_RELAY_PLAIN, true, 0, MP_AUDIT_MODE_SMTP,
	  "no-starttls open-relay:plain", open_relay_check },
	{ "open relay: percent-hack", 0, { RELAY_HEAD }, MP_RELAY_PERCENT, true, 0,
	  MP_AUDIT_MODE_SMTP, "no-starttls open-relay:percent-hack", open_relay_check },
	{ "open relay: quoted", 0, { RELAY_HEAD }, MP_RELAY_QUOTED, true, 0, MP_AUDIT_MODE_SMTP,
	  "no-starttls open-relay:quoted", open_relay_check },
	{ "open relay: bang-path", 0, { RELAY_HEAD }, MP_RELAY_BANG, true, 0, MP_AUDIT_MODE_SMTP,
	  "no-starttls open-relay:bang-path", open_relay_check },
	{ "open relay: source-route", 0, { RELAY_HEAD }, MP_RELAY_SOURCE_ROUTE, true, 0,
	  MP_AUDIT_MODE_SMTP, "no-starttls open-relay:source-route", open_relay_check },
	{ "open relay: external-sender", 0, { RELAY_HEAD }, MP_RELAY_EXTERNAL, true, 0,
	  MP_AUDIT_MODE_SMTP, "no-starttls open-relay:external-sender", open_relay_check },
	{ "open relay: null-sender", 0, { RELAY_HEAD }, MP_RELAY_NULL_SENDER, true, 0,
	  MP_AUDIT_MODE_SMTP, "no-starttls open-relay:null-sender", open_relay_check },
	{ "MAIL refused skips RCPT", 0,
	  { { NULL, BANNER }, { EHLO, "250 " SRV "\r\n" }, { "AUTH PLAIN", "502 5.5.1 no\r\n" },
	    REFUSED(LOCAL_FROM, "553 5.7.1 sender rejected\r\n", "250 2.0.0 Ok\r\n"),
	    { "VRFY postmaster", "252 2.0.0 postmaster\r\n" },
	    { "EXPN postmaster", "250 2.0.0 root@" SRV "\r\n" },
	    { "QUIT", "221 2.0.0 Bye\r\n" } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, "no-starttls vrfy-enabled:252 expn-enabled:250",
	  mail_refused_check },
	{ "AUTH in clear", 0,
	  { { NULL, "220 " SRV " ESMTP Postfix 3.7.11\r\n" }, { EHLO, CAPS_AUTH },
	    { "AUTH PLAIN", "334 \r\n" }, { "*", "501 5.7.0 Authentication aborted\r\n" } },
	  MP_RELAY_PLAIN, true, 0, MP_AUDIT_MODE_SMTP,
	  "banner-version:" SRV " ESMTP Postfix 3.7.11 no-starttls auth-plaintext-advertised "
	  "auth-plaintext-accepted:PLAIN open-relay:plain", NULL },
	{ "AUTH LOGIN only", 0,
	  { { NULL, BANNER }, { EHLO, "250-" SRV "\r\n250 AUTH LOGIN\r\n" },
	    { "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n" }, { "*", "501 5.7.0 aborted\r\n" } },
	  ALL_DENIED, true, 0, MP_AUDIT_MODE_SMTP,
	  "no-starttls auth-plaintext-advertised auth-plaintext-accepted:LOGIN", login_check },
	{ "submission without AUTH", O_SUBMISSION,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "AUTH PLAIN", AUTH_OFF },
	    { "STARTTLS", TLS_READY }, { TLS_OK, NULL }, { EHLO, CAPS_AUTH },
	    { EXT_FROM, "250 2.1.0 Ok\r\n" }, { SUBMIT_RCPT, "250 2.1.5 Ok\r\n" },
	    { "RSET", "250 2.0.0 Ok\r\n" } },
	  ALL_DENIED, true, 0, MP_AUDIT_MODE_SUBMISSION, "submission-no-auth:RCPT answered 250",
	  submission_check },
	/* no AUTH probe, no STARTTLS under TLS */
	{ "implicit TLS", O_SUBMISSION | O_TLS_ACTIVE,
	  { { NULL, BANNER }, { EHLO, CAPS_AUTH }, { EXT_FROM, "250 2.1.0 Ok\r\n" },
	    { SUBMIT_RCPT, "554 5.7.1 <unknown[192.0.2.9]>: Client host rejected\r\n" },
	    { "RSET", "250 2.0.0 Ok\r\n" } },
	  ALL_DENIED, true, 0, MP_AUDIT_MODE_SMTPS, "", implicit_tls_check },
	{ "probe only", O_PROBE_ONLY,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "STARTTLS", "220 2.0.0 Ready\r\n" },
	    { TLS_OK, NULL }, { EHLO, CAPS_AUTH }, { "QUIT", "221 2.0.0 Bye\r\n" } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, NULL, NULL },
	{ "STARTTLS injection: safe", O_INJECTION,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "STARTTLS\r\nNOOP", "220 2.0.0 Ready\r\n" },
	    { TLS_OK, NULL }, { EHLO, CAPS_AUTH }, { "QUIT", "221 2.0.0 Bye\r\n" } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, NULL, no_injection_check },
	/* the NOOP's 250 comes first under TLS: every reply is one behind */
	{ "STARTTLS injection: vulnerable", O_INJECTION,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "STARTTLS\r\nNOOP", "220 2.0.0 Ready\r\n" },
	    { TLS_OK, NULL }, { EHLO, "250 2.0.0 Ok\r\n" }, { "QUIT", CAPS_AUTH } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, NULL, injection_check },
	/* handshake fails: the dialogue ends (the driver retries without STARTTLS) */
	{ "TLS handshake fails", 0,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "AUTH PLAIN", AUTH_OFF },
	    { "STARTTLS", TLS_READY }, { TLS_FAIL, NULL } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, NULL, tls_failed_check },
	/* STARTTLS refused: tests go on in clear */
	{ "STARTTLS refused", 0,
	  { { NULL, BANNER }, { EHLO, CAPS_TLS_ONLY }, { "AUTH PLAIN", AUTH_OFF },
	    { "STARTTLS", "454 4.7.0 TLS not available due to local problem\r\n" } },
	  ALL_DENIED, true, 0, MP_AUDIT_MODE_SMTP, "starttls-rejected:454", NULL },
	/* 554 greeting: QUIT at once (RFC 5321 §3.1) */
	{ "554 greeting", 0,
	  { { NULL, "554 5.7.1 go away\r\n" }, { "QUIT", "221 Bye\r\n" } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, "banner-reject:5.7.1 go away", NULL },
	/* a timeout is reported with the step, never a pass */
	{ "timeout after EHLO", 0, { { NULL, BANNER }, { EHLO, NULL } },
	  NO_RELAYS, false, MP_SMTP_IO_TIMEOUT, MP_AUDIT_MODE_SMTP, "port-timeout:ehlo",
	  timeout_check },
	{ "not SMTP", 0, { { NULL, "SSH-2.0-OpenSSH_9.2\r\n" } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, "port-error:protocol at banner", not_smtp_check },
	/* EHLO refused: HELO, no capabilities, no AUTH probe */
	{ "EHLO refused, HELO", 0,
	  { { NULL, "220 old.example.org SMTP\r\n" },
	    { EHLO, "502 5.5.2 command not recognized\r\n" },
	    { "HELO mailproof-audit.invalid", "250 old.example.org\r\n" },
	    REFUSED("MAIL FROM:<mailproof-audit@old.example.org>", "550 no\r\n", "250 Ok\r\n") },
	  NO_RELAYS, true, 0, MP_AUDIT_MODE_SMTP, "", helo_check },
	/* banner without a dotted host name: the address literal is used */
	{ "server domain falls back to the address", 0,
	  { { NULL, "220 localhost ESMTP\r\n" }, { EHLO, "250 localhost\r\n" },
	    { "AUTH PLAIN", "503 no\r\n" },
	    { "MAIL FROM:<mailproof-audit@[192.0.2.1]>", "250 Ok\r\n" },
	    { "RCPT TO:<mailproof-relay-test@" OUT ">", "554 no\r\n" }, { "RSET", "250 Ok\r\n" },
	    { "MAIL FROM:<mailproof-audit@[192.0.2.1]>", "250 Ok\r\n" },
	    { "RCPT TO:<mailproof-relay-test%" OUT "@[192.0.2.1]>", NULL } },
	  NO_RELAYS, false, MP_SMTP_IO_CLOSED, MP_AUDIT_MODE_SMTP, NULL, NULL },
	{ "421 ends the dialogue", 0,
	  { { NULL, BANNER }, { EHLO, "250 " SRV "\r\n" }, { "AUTH PLAIN", "503 no\r\n" },
	    { LOCAL_FROM, "421 4.7.0 " SRV " Error: too many errors\r\n" } },
	  NO_RELAYS, false, 0, MP_AUDIT_MODE_SMTP, "port-error:closed at relay-mail no-starttls",
	  closed_421_check },
};

/* test_dialog - run one row's script, then its findings and checks */
static void
test_dialog(void **state)
{
	const struct dialog_case *c = *state;
	struct script sc = { .io = c->io };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	o.submission = (c->opts & O_SUBMISSION) != 0;
	o.tls_active = (c->opts & O_TLS_ACTIVE) != 0;
	o.probe_only = (c->opts & O_PROBE_ONLY) != 0;
	o.injection_probe = (c->opts & O_INJECTION) != 0;
	mp_arena_init(&a, 1u << 20);
	for (size_t i = 0; c->head[i].cmd != NULL || c->head[i].reply != NULL; i++)
		add(&sc, c->head[i].cmd, c->head[i].reply);
	if (c->relays != NO_RELAYS)
		add_relays(&sc, c->relays);
	if (c->tail)
		add_tail(&sc);
	obs = run(&o, &sc, &a);
	if (c->want != NULL)
		assert_string_equal(findings(obs, c->mode, &a), c->want);
	if (c->check != NULL)
		c->check(c, obs);
	mp_arena_fini(&a);
}

static void
test_alloc_failures(void **state)
{
	struct mp_smtp_reply r;
	struct mp_smtp_caps caps;
	struct mp_why why;
	struct mp_arena a;
	size_t used;
	enum mp_status st;

	(void)state;
	mp_smtp_reply_parse(mp_str_c("250-x\r\n250-AUTH PLAIN LOGIN\r\n250 AUTH=CRAM-MD5\r\n"), &r,
	    &used, &why);
	/* fail the 1st, 2nd, ... allocation: MP_ENOMEM, never a partial success */
	for (unsigned long n = 1; n < 20; n++) {
		mp_arena_init(&a, 1u << 20);
		mp_alloc_fail_after(n);
		st = mp_smtp_caps_parse(&r, &a, &caps);
		mp_alloc_fail_after(0);
		assert_true(st == MP_OK || st == MP_ENOMEM);
		if (st == MP_OK)
			assert_int_equal(caps.nauth, 3);
		mp_arena_fini(&a);
	}
	for (unsigned long n = 1; n < 10; n++) {
		struct mp_smtp_dialog_opts o = opts();
		struct mp_smtp_dialog *d;
		mp_arena_init(&a, 1u << 20);
		mp_alloc_fail_after(n);
		d = mp_smtp_dialog_new(&o, &a);
		mp_alloc_fail_after(0);
		mp_smtp_dialog_free(d);
		mp_arena_fini(&a);
	}
}

int
main(void)
{
	enum { NCASES = sizeof dialog_cases / sizeof dialog_cases[0] };
	struct CMUnitTest tests[NCASES + 1];

	for (size_t i = 0; i < NCASES; i++)
		tests[i] = (struct CMUnitTest){ .name = dialog_cases[i].name, .test_func = test_dialog,
		                                .initial_state = (void *)&dialog_cases[i] };
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(test_alloc_failures);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
