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
	{ MP_RELAY_EXTERNAL, "external-sender", "MAIL FROM:<mailproof-audit@" OUT ">",
	  "RCPT TO:<" U "@" OUT ">" },
	{ MP_RELAY_NULL_SENDER, "null-sender", "MAIL FROM:<>", "RCPT TO:<" U "@" OUT ">" },
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

static void
test_hardened_mta(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, CAPS_TLS_ONLY);
	add(&sc, "AUTH PLAIN", "503 5.5.1 Error: authentication not enabled\r\n");
	add(&sc, "STARTTLS", "220 2.0.0 Ready to start TLS\r\n");
	add(&sc, TLS_OK, NULL);
	add(&sc, EHLO, CAPS_AUTH);
	add_relays(&sc, -1);
	add_tail(&sc);
	obs = run(&o, &sc, &a);
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
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "");
	mp_arena_fini(&a);
}

/* one script per relay variant: only that variant's RCPT is accepted */
static void
test_relay_variants(void **state)
{
	struct mp_smtp_dialog_opts o = opts();
	struct mp_arena a;
	char want[128];

	(void)state;
	for (int v = 0; v < MP_RELAY__COUNT; v++) {
		struct script sc = { 0 };
		const struct mp_smtp_observed *obs;

		print_message("variant: %s\n", relay_cmds[v].name);
		assert_string_equal(mp_relay_variant_name(relay_cmds[v].v), relay_cmds[v].name);
		mp_arena_init(&a, 1u << 20);
		add(&sc, NULL, BANNER);
		add(&sc, EHLO, "250-" SRV "\r\n250 PIPELINING\r\n");
		add(&sc, "AUTH PLAIN", "503 5.5.1 Error: authentication not enabled\r\n");
		add_relays(&sc, v);
		add_tail(&sc);
		obs = run(&o, &sc, &a);
		assert_int_equal(obs->relay[v].rcpt_code, 250);
		snprintf(want, sizeof want, "no-starttls open-relay:%s", relay_cmds[v].name);
		assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), want);
		mp_arena_fini(&a);
	}
}

static void
test_mail_refused_skips_rcpt(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, "250 " SRV "\r\n");
	add(&sc, "AUTH PLAIN", "502 5.5.1 no\r\n");
	for (int v = 0; v < MP_RELAY__COUNT; v++) {
		add(&sc, relay_cmds[v].mail, "553 5.7.1 sender rejected\r\n");
		add(&sc, "RSET", "250 2.0.0 Ok\r\n");
	}
	add(&sc, "VRFY postmaster", "252 2.0.0 postmaster\r\n");
	add(&sc, "EXPN postmaster", "250 2.0.0 root@" SRV "\r\n");
	add(&sc, "QUIT", "221 2.0.0 Bye\r\n");
	obs = run(&o, &sc, &a);
	assert_int_equal(obs->relay[0].mail_code, 553);
	assert_int_equal(obs->relay[0].rcpt_code, 0);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a),
	    "no-starttls vrfy-enabled:252 expn-enabled:250");
	mp_arena_fini(&a);
}

static void
test_auth_in_clear(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, "220 " SRV " ESMTP Postfix 3.7.11\r\n");
	add(&sc, EHLO, CAPS_AUTH);
	add(&sc, "AUTH PLAIN", "334 \r\n");
	add(&sc, "*", "501 5.7.0 Authentication aborted\r\n");
	add_relays(&sc, MP_RELAY_PLAIN);
	add_tail(&sc);
	obs = run(&o, &sc, &a);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a),
	    "banner-version:" SRV " ESMTP Postfix 3.7.11 no-starttls auth-plaintext-advertised "
	    "auth-plaintext-accepted:PLAIN open-relay:plain");
	mp_arena_fini(&a);
}

static void
test_auth_login_only(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, "250-" SRV "\r\n250 AUTH LOGIN\r\n");
	add(&sc, "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n");
	add(&sc, "*", "501 5.7.0 aborted\r\n");
	add_relays(&sc, -1);
	add_tail(&sc);
	obs = run(&o, &sc, &a);
	assert_true(mp_str_eq_c(obs->auth_probe_mech, "LOGIN"));
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a),
	    "no-starttls auth-plaintext-advertised auth-plaintext-accepted:LOGIN");
	mp_arena_fini(&a);
}

static void
test_submission_without_auth(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	o.submission = true;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, CAPS_TLS_ONLY);
	add(&sc, "AUTH PLAIN", "503 5.5.1 Error: authentication not enabled\r\n");
	add(&sc, "STARTTLS", "220 2.0.0 Ready to start TLS\r\n");
	add(&sc, TLS_OK, NULL);
	add(&sc, EHLO, CAPS_AUTH);
	add(&sc, "MAIL FROM:<mailproof-audit@" OUT ">", "250 2.1.0 Ok\r\n");
	add(&sc, "RCPT TO:<postmaster@" SRV ">", "250 2.1.5 Ok\r\n");
	add(&sc, "RSET", "250 2.0.0 Ok\r\n");
	add_relays(&sc, -1);
	add_tail(&sc);
	obs = run(&o, &sc, &a);
	assert_int_equal(obs->submit_rcpt_code, 250);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SUBMISSION, &a),
	    "submission-no-auth:RCPT answered 250");
	mp_arena_fini(&a);
}

static void
test_implicit_tls(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	o.tls_active = true;
	o.submission = true;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, CAPS_AUTH);      /* no AUTH probe, no STARTTLS under TLS */
	add(&sc, "MAIL FROM:<mailproof-audit@" OUT ">", "250 2.1.0 Ok\r\n");
	add(&sc, "RCPT TO:<postmaster@" SRV ">", "554 5.7.1 <unknown[192.0.2.9]>: Client host rejected\r\n");
	add(&sc, "RSET", "250 2.0.0 Ok\r\n");
	add_relays(&sc, -1);
	add_tail(&sc);
	obs = run(&o, &sc, &a);
	assert_false(obs->has_caps_plain);
	assert_true(obs->has_caps_tls);
	assert_int_equal(obs->auth_probe_code, 0);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTPS, &a), "");
	mp_arena_fini(&a);
}

static void
test_probe_only(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	struct mp_arena a;

	(void)state;
	o.probe_only = true;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, CAPS_TLS_ONLY);
	add(&sc, "STARTTLS", "220 2.0.0 Ready\r\n");
	add(&sc, TLS_OK, NULL);
	add(&sc, EHLO, CAPS_AUTH);
	add(&sc, "QUIT", "221 2.0.0 Bye\r\n");
	run(&o, &sc, &a);
	mp_arena_fini(&a);
}

static void
test_injection_probe(void **state)
{
	struct script safe = { 0 }, vulnerable = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	o.injection_probe = true;
	mp_arena_init(&a, 1u << 20);
	add(&safe, NULL, BANNER);
	add(&safe, EHLO, CAPS_TLS_ONLY);
	add(&safe, "STARTTLS\r\nNOOP", "220 2.0.0 Ready\r\n");
	add(&safe, TLS_OK, NULL);
	add(&safe, EHLO, CAPS_AUTH);
	add(&safe, "QUIT", "221 2.0.0 Bye\r\n");
	obs = run(&o, &safe, &a);
	assert_int_equal(obs->injection, 0);
	/* the NOOP's 250 comes first under TLS: every reply is one behind */
	add(&vulnerable, NULL, BANNER);
	add(&vulnerable, EHLO, CAPS_TLS_ONLY);
	add(&vulnerable, "STARTTLS\r\nNOOP", "220 2.0.0 Ready\r\n");
	add(&vulnerable, TLS_OK, NULL);
	add(&vulnerable, EHLO, "250 2.0.0 Ok\r\n");
	add(&vulnerable, "QUIT", CAPS_AUTH);
	obs = run(&o, &vulnerable, &a);
	assert_int_equal(obs->injection, 1);
	mp_arena_fini(&a);
}

static void
test_starttls_failures(void **state)
{
	struct script sc = { 0 }, sc2 = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	/* handshake fails: the dialogue ends (the driver retries without STARTTLS) */
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, CAPS_TLS_ONLY);
	add(&sc, "AUTH PLAIN", "503 5.5.1 Error: authentication not enabled\r\n");
	add(&sc, "STARTTLS", "220 2.0.0 Ready to start TLS\r\n");
	add(&sc, TLS_FAIL, NULL);
	obs = run(&o, &sc, &a);
	assert_int_equal(obs->io, MP_SMTP_IO_TLS);
	assert_true(obs->tls_attempted);
	assert_false(obs->tls_ok);
	/* STARTTLS refused: tests go on in clear */
	add(&sc2, NULL, BANNER);
	add(&sc2, EHLO, CAPS_TLS_ONLY);
	add(&sc2, "AUTH PLAIN", "503 5.5.1 Error: authentication not enabled\r\n");
	add(&sc2, "STARTTLS", "454 4.7.0 TLS not available due to local problem\r\n");
	add_relays(&sc2, -1);
	add_tail(&sc2);
	obs = run(&o, &sc2, &a);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "starttls-rejected:454");
	mp_arena_fini(&a);
}

static void
test_ends_early(void **state)
{
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;
	struct script rej = { 0 }, timeout = { .io = MP_SMTP_IO_TIMEOUT },
	              garbage = { 0 }, helo = { 0 };

	(void)state;
	mp_arena_init(&a, 1u << 20);
	/* 554 greeting: QUIT at once (RFC 5321 §3.1) */
	add(&rej, NULL, "554 5.7.1 go away\r\n");
	add(&rej, "QUIT", "221 Bye\r\n");
	obs = run(&o, &rej, &a);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "banner-reject:5.7.1 go away");
	/* a timeout is reported with the step, never a pass */
	add(&timeout, NULL, BANNER);
	add(&timeout, EHLO, NULL);
	obs = run(&o, &timeout, &a);
	assert_int_equal(obs->io, MP_SMTP_IO_TIMEOUT);
	assert_string_equal(obs->io_stage, "ehlo");
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "port-timeout:ehlo");
	/* not SMTP */
	add(&garbage, NULL, "SSH-2.0-OpenSSH_9.2\r\n");
	obs = run(&o, &garbage, &a);
	assert_int_equal(obs->io, MP_SMTP_IO_PROTOCOL);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "port-error:protocol at banner");
	/* EHLO refused: HELO, no capabilities, no AUTH probe */
	add(&helo, NULL, "220 old.example.org SMTP\r\n");
	add(&helo, EHLO, "502 5.5.2 command not recognized\r\n");
	add(&helo, "HELO mailproof-audit.invalid", "250 old.example.org\r\n");
	for (int v = 0; v < MP_RELAY__COUNT; v++) {
		add(&helo, v == MP_RELAY_EXTERNAL || v == MP_RELAY_NULL_SENDER ? relay_cmds[v].mail
		    : "MAIL FROM:<mailproof-audit@old.example.org>", "550 no\r\n");
		add(&helo, "RSET", "250 Ok\r\n");
	}
	add_tail(&helo);
	obs = run(&o, &helo, &a);
	assert_false(obs->has_caps_plain);
	assert_int_equal(obs->ehlo_code, 502);
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "");
	mp_arena_fini(&a);
}

static void
test_421_ends(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	const struct mp_smtp_observed *obs;
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	add(&sc, NULL, BANNER);
	add(&sc, EHLO, "250 " SRV "\r\n");
	add(&sc, "AUTH PLAIN", "503 no\r\n");
	add(&sc, relay_cmds[0].mail, "421 4.7.0 " SRV " Error: too many errors\r\n");
	obs = run(&o, &sc, &a);
	assert_int_equal(obs->io, MP_SMTP_IO_CLOSED);
	assert_string_equal(obs->io_stage, "relay-mail");
	assert_string_equal(findings(obs, MP_AUDIT_MODE_SMTP, &a), "port-error:closed at relay-mail no-starttls");
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

static void
test_server_domain_fallback(void **state)
{
	struct script sc = { 0 };
	struct mp_smtp_dialog_opts o = opts();
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	/* banner without a dotted host name: the address literal is used */
	add(&sc, NULL, "220 localhost ESMTP\r\n");
	add(&sc, EHLO, "250 localhost\r\n");
	add(&sc, "AUTH PLAIN", "503 no\r\n");
	add(&sc, "MAIL FROM:<mailproof-audit@[192.0.2.1]>", "250 Ok\r\n");
	add(&sc, "RCPT TO:<mailproof-relay-test@" OUT ">", "554 no\r\n");
	add(&sc, "RSET", "250 Ok\r\n");
	add(&sc, "MAIL FROM:<mailproof-audit@[192.0.2.1]>", "250 Ok\r\n");
	add(&sc, "RCPT TO:<mailproof-relay-test%" OUT "@[192.0.2.1]>", NULL);
	sc.io = MP_SMTP_IO_CLOSED;
	run(&o, &sc, &a);
	mp_arena_fini(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardened_mta),
		cmocka_unit_test(test_relay_variants),
		cmocka_unit_test(test_mail_refused_skips_rcpt),
		cmocka_unit_test(test_auth_in_clear),
		cmocka_unit_test(test_auth_login_only),
		cmocka_unit_test(test_submission_without_auth),
		cmocka_unit_test(test_implicit_tls),
		cmocka_unit_test(test_probe_only),
		cmocka_unit_test(test_injection_probe),
		cmocka_unit_test(test_starttls_failures),
		cmocka_unit_test(test_ends_early),
		cmocka_unit_test(test_server_domain_fallback),
		cmocka_unit_test(test_421_ends),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
