/* audit_dialog.c - the audit's SMTP conversation as a state machine,
 * sans-IO: it says what to send, is fed what the server answered, and
 * records what it saw (struct mp_smtp_observed).
 *
 * Order: banner, EHLO, AUTH probe on the plain connection (RFC 4954 §4:
 * cancelled with "*", no credential is ever sent), STARTTLS (RFC 3207) and
 * EHLO again, then on submission ports a recipient without AUTH (RFC 6409),
 * the open relay variants each stopping at RCPT TO and followed by RSET,
 * VRFY, EXPN, QUIT. DATA is never sent: no message can be delivered.
 * One dialogue per connection; not thread-safe per dialogue.
 */
#include <string.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#include "audit_internal.h"

enum state {
	ST_BANNER, ST_EHLO, ST_HELO, ST_AUTH_PROBE, ST_AUTH_CANCEL, ST_STARTTLS, ST_TLS,
	ST_SUBMIT_MAIL, ST_SUBMIT_RCPT, ST_RELAY_MAIL, ST_RELAY_RCPT, ST_RSET,
	ST_VRFY, ST_EXPN, ST_QUIT, ST_DONE, ST_INJECT_EHLO,
};

static const char *const state_names[] = {
	"banner", "ehlo", "helo", "auth", "auth-cancel", "starttls", "tls",
	"submission-mail", "submission-rcpt", "relay-mail", "relay-rcpt", "rset",
	"vrfy", "expn", "quit", "done", "injection-ehlo",
};

struct mp_smtp_dialog {
	struct mp_arena *arena;
	struct mp_smtp_dialog_opts o;
	enum state state;
	enum state after_rset;
	bool need_reply;
	bool tls_active;
	bool auth_probed;
	unsigned relay;          /* current enum mp_relay_variant */
	unsigned steps;
	struct mp_buf in;        /* bytes read, not yet parsed */
	struct mp_buf cmd;       /* the command being sent */
	struct mp_smtp_observed obs;
};

static const char *const relay_names[] = {
	"plain", "percent-hack", "quoted", "bang-path", "source-route",
	"external-sender", "null-sender",
};

const char *
mp_relay_variant_name(enum mp_relay_variant v)
{
	return (unsigned)v < MP_RELAY__COUNT ? relay_names[v] : "unknown";
}

const char *
mp_smtp_io_name(enum mp_smtp_io io)
{
	static const char *const names[] = {
		"ok", "refused", "timeout", "closed", "error", "protocol", "tls",
	};
	return (unsigned)io < sizeof names / sizeof names[0] ? names[io] : "unknown";
}

/* mp_smtp_dialog_new - a dialogue that starts waiting for the banner */
struct mp_smtp_dialog *
mp_smtp_dialog_new(const struct mp_smtp_dialog_opts *o, struct mp_arena *a)
{
	struct mp_smtp_dialog *d = mp_zalloc(sizeof *d);

	if (d == NULL)
		return NULL;
	d->arena = a;
	mp_buf_init(&d->in, MP_LIMIT_SMTP_INPUT);
	mp_buf_init(&d->cmd, MP_LIMIT_SMTP_COMMAND);
	d->o = *o;
	d->o.helo = mp_arena_strdup(d->arena, o->helo);
	d->o.server_domain = mp_arena_strdup(d->arena, o->server_domain);
	d->o.relay_domain = mp_arena_strdup(d->arena, o->relay_domain);
	if (d->o.helo.ptr == NULL || d->o.server_domain.ptr == NULL ||
	    d->o.relay_domain.ptr == NULL) {
		mp_smtp_dialog_free(d);
		return NULL;
	}
	d->tls_active = o->tls_active;
	d->obs.tls_attempted = d->obs.tls_ok = o->tls_active;
	d->state = ST_BANNER;
	d->need_reply = true;
	d->obs.injection = -1;
	return d;
}

void
mp_smtp_dialog_free(struct mp_smtp_dialog *d)
{
	if (d == NULL)
		return;
	mp_buf_fini(&d->in);
	mp_buf_fini(&d->cmd);
	mp_free(d);
}

const struct mp_smtp_observed *
mp_smtp_dialog_observed(const struct mp_smtp_dialog *d)
{
	return &d->obs;
}

/* relay_command - MAIL FROM (rcpt false) or RCPT TO of the current variant */
static enum mp_status
relay_command(struct mp_smtp_dialog *d, bool rcpt)
{
	struct mp_str s = d->o.server_domain, o = d->o.relay_domain;
	const char *u = "mailproof-relay-test";

	if (!rcpt) {
		if (d->relay == MP_RELAY_NULL_SENDER)
			return mp_buf_append_c(&d->cmd, "MAIL FROM:<>");
		if (d->relay == MP_RELAY_EXTERNAL)
			return mp_buf_printf(&d->cmd, "MAIL FROM:<mailproof-audit@%.*s>",
			    (int)o.len, o.ptr);
		return mp_buf_printf(&d->cmd, "MAIL FROM:<mailproof-audit@%.*s>", (int)s.len, s.ptr);
	}
	switch (d->relay) {
	case MP_RELAY_PERCENT:
		return mp_buf_printf(&d->cmd, "RCPT TO:<%s%%%.*s@%.*s>", u, (int)o.len, o.ptr,
		    (int)s.len, s.ptr);
	case MP_RELAY_QUOTED:
		return mp_buf_printf(&d->cmd, "RCPT TO:<\"%s@%.*s\"@%.*s>", u, (int)o.len, o.ptr,
		    (int)s.len, s.ptr);
	case MP_RELAY_BANG:
		return mp_buf_printf(&d->cmd, "RCPT TO:<%.*s!%s@%.*s>", (int)o.len, o.ptr, u,
		    (int)s.len, s.ptr);
	case MP_RELAY_SOURCE_ROUTE:
		return mp_buf_printf(&d->cmd, "RCPT TO:<@%.*s:%s@%.*s>", (int)s.len, s.ptr, u,
		    (int)o.len, o.ptr);
	default:
		return mp_buf_printf(&d->cmd, "RCPT TO:<%s@%.*s>", u, (int)o.len, o.ptr);
	}
}

/* auth_probe_mech - the mechanism to try on the plain connection: one
 * that answers 334 without credentials (PLAIN, LOGIN), advertised or not */
static const char *
auth_probe_mech(const struct mp_smtp_caps *caps)
{
	if (mp_smtp_caps_has_auth(caps, "LOGIN") && !mp_smtp_caps_has_auth(caps, "PLAIN"))
		return "LOGIN";
	return "PLAIN";
}

/* build_command - the command for the current state into d->cmd */
static enum mp_status
build_command(struct mp_smtp_dialog *d)
{
	struct mp_str h = d->o.helo;
	enum mp_status st;

	mp_buf_reset(&d->cmd);
	switch (d->state) {
	case ST_EHLO: st = mp_buf_printf(&d->cmd, "EHLO %.*s", (int)h.len, h.ptr); break;
	case ST_HELO: st = mp_buf_printf(&d->cmd, "HELO %.*s", (int)h.len, h.ptr); break;
	case ST_AUTH_PROBE:
		d->obs.auth_probe_mech = mp_str_c(auth_probe_mech(&d->obs.caps_plain));
		st = mp_buf_printf(&d->cmd, "AUTH %s", d->obs.auth_probe_mech.ptr);
		break;
	case ST_AUTH_CANCEL: st = mp_buf_append_c(&d->cmd, "*"); break;
	case ST_STARTTLS:
		/* the probe sends NOOP in the same write: a server that keeps it
		 * past the handshake answers it under TLS */
		st = mp_buf_append_c(&d->cmd, d->o.injection_probe ? "STARTTLS\r\nNOOP" : "STARTTLS");
		break;
	case ST_INJECT_EHLO: st = mp_buf_printf(&d->cmd, "EHLO %.*s", (int)h.len, h.ptr); break;
	case ST_SUBMIT_MAIL:
		st = mp_buf_printf(&d->cmd, "MAIL FROM:<mailproof-audit@%.*s>",
		    (int)d->o.relay_domain.len, d->o.relay_domain.ptr);
		break;
	case ST_SUBMIT_RCPT:
		/* not bare <postmaster>: servers must take it from anyone
		 * (RFC 5321 §4.5.1) and Postfix does, before any restriction */
		st = mp_buf_printf(&d->cmd, "RCPT TO:<postmaster@%.*s>",
		    (int)d->o.server_domain.len, d->o.server_domain.ptr);
		break;
	case ST_RELAY_MAIL: st = relay_command(d, false); break;
	case ST_RELAY_RCPT: st = relay_command(d, true); break;
	case ST_RSET: st = mp_buf_append_c(&d->cmd, "RSET"); break;
	case ST_VRFY: st = mp_buf_append_c(&d->cmd, "VRFY postmaster"); break;
	case ST_EXPN: st = mp_buf_append_c(&d->cmd, "EXPN postmaster"); break;
	case ST_QUIT: st = mp_buf_append_c(&d->cmd, "QUIT"); break;
	default: return MP_EINVAL;
	}
	if (st == MP_OK)
		st = mp_buf_append(&d->cmd, "\r\n", 2);
	return st;
}

enum mp_smtp_step
mp_smtp_dialog_step(struct mp_smtp_dialog *d, struct mp_str *out)
{
	*out = MP_STR_NULL;
	if (d->state == ST_DONE)
		return MP_SMTP_STEP_DONE;
	if (d->state == ST_TLS)
		return MP_SMTP_STEP_TLS;
	if (d->need_reply)
		return MP_SMTP_STEP_RECV;
	if (++d->steps > MP_LIMIT_AUDIT_STEPS || build_command(d) != MP_OK) {
		d->state = ST_DONE;
		return MP_SMTP_STEP_DONE;
	}
	d->need_reply = true;
	*out = mp_buf_str(&d->cmd);
	return MP_SMTP_STEP_SEND;
}

/* start_tests - after the last EHLO: submission probe, relay, VRFY, EXPN */
static enum state
start_tests(struct mp_smtp_dialog *d)
{
	if (d->o.probe_only || d->o.injection_probe)
		return ST_QUIT;
	if (d->o.submission)
		return ST_SUBMIT_MAIL;
	d->relay = 0;
	return ST_RELAY_MAIL;
}

/* after_ehlo - what follows a (successful or failed) EHLO/HELO */
static enum state
after_ehlo(struct mp_smtp_dialog *d)
{
	const struct mp_smtp_caps *caps = &d->obs.caps_plain;

	if (d->tls_active)
		return start_tests(d);
	if (!d->auth_probed && !d->o.probe_only && !d->o.injection_probe) {
		d->auth_probed = true;
		return ST_AUTH_PROBE;
	}
	if (d->o.starttls && caps->starttls && d->obs.starttls_code == 0)
		return ST_STARTTLS;
	return start_tests(d);
}

/* rset_then - RSET, then state next */
static enum state
rset_then(struct mp_smtp_dialog *d, enum state next)
{
	d->after_rset = next;
	return ST_RSET;
}

/* next_relay - the state after relay variant d->relay is finished */
static enum state
next_relay(struct mp_smtp_dialog *d)
{
	if (++d->relay < MP_RELAY__COUNT)
		return ST_RELAY_MAIL;
	return ST_VRFY;
}

/* on_ehlo - EHLO answered: keep the capabilities of this phase */
static enum state
on_ehlo(struct mp_smtp_dialog *d, const struct mp_smtp_reply *r)
{
	struct mp_smtp_caps *caps = d->tls_active ? &d->obs.caps_tls : &d->obs.caps_plain;
	struct mp_smtp_reply copy;

	if (!d->tls_active)
		d->obs.ehlo_code = r->code;
	if (r->code / 100 != 2)
		return d->tls_active ? start_tests(d) : ST_HELO;
	if (mp_smtp_reply_dup(d->arena, r, &copy) != MP_OK ||
	    mp_smtp_caps_parse(&copy, d->arena, caps) != MP_OK)
		return ST_DONE;
	if (d->tls_active)
		d->obs.has_caps_tls = true;
	else
		d->obs.has_caps_plain = true;
	return after_ehlo(d);
}

/* first_word - text up to the first space */
static struct mp_str
first_word(struct mp_str s)
{
	ptrdiff_t sp = mp_str_find(s, ' ');

	return sp < 0 ? s : mp_str_make(s.ptr, (size_t)sp);
}

/* looks_like_host - a dotted LDH name such as the banner's "mx.example.org" */
static bool
looks_like_host(struct mp_str s)
{
	bool dot = false;

	if (s.len == 0 || s.len > MP_LIMIT_DNS_NAME || s.ptr[0] == '.')
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] == '.')
			dot = true;
		else if (!mp_is_ldh((unsigned char)s.ptr[i]))
			return false;
	}
	return dot;
}

/* on_banner - keep the greeting, joined; anything but 220 means QUIT
 * (RFC 5321 §3.1: a 554 greeting still expects QUIT) */
static enum state
on_banner(struct mp_smtp_dialog *d, const struct mp_smtp_reply *r)
{
	struct mp_buf b;

	d->obs.banner_code = r->code;
	mp_buf_init(&b, MP_LIMIT_SMTP_REPLY_LINE * 4);
	for (size_t i = 0; i < r->nlines; i++) {
		if (i > 0)
			(void)mp_buf_append_c(&b, " / ");
		(void)mp_buf_append_str(&b, r->lines[i]);
	}
	d->obs.banner = mp_arena_strdup(d->arena, mp_buf_str(&b));
	mp_buf_fini(&b);
	if (d->obs.banner.ptr == NULL)
		d->obs.banner = MP_STR_LIT("");
	if (r->nlines > 0 && looks_like_host(first_word(r->lines[0])))
		d->o.server_domain = mp_arena_strdup(d->arena, first_word(r->lines[0]));
	if (d->o.server_domain.ptr == NULL)
		return ST_DONE;
	return r->code == 220 ? ST_EHLO : ST_QUIT;
}

/* on_reply - the reply to the command of the current state */
static enum state
on_reply(struct mp_smtp_dialog *d, const struct mp_smtp_reply *r)
{
	struct mp_smtp_relay_result *rr = &d->obs.relay[d->relay < MP_RELAY__COUNT ? d->relay : 0];

	if (r->code == 421 && d->state != ST_BANNER && d->state != ST_QUIT) {
		/* RFC 5321 §3.8: the server is closing the channel */
		d->obs.io = MP_SMTP_IO_CLOSED;
		d->obs.io_stage = state_names[d->state];
		return ST_DONE;
	}
	switch (d->state) {
	case ST_BANNER: return on_banner(d, r);
	case ST_EHLO: return on_ehlo(d, r);
	case ST_HELO:
		if (!d->tls_active)
			d->auth_probed = true;  /* no EHLO: AUTH cannot be offered */
		return after_ehlo(d);
	case ST_AUTH_PROBE:
		d->obs.auth_probe_code = r->code;
		return r->code == 334 ? ST_AUTH_CANCEL : after_ehlo(d);
	case ST_AUTH_CANCEL: return after_ehlo(d);
	case ST_STARTTLS:
		d->obs.starttls_code = r->code;
		if (r->code == 220) {
			d->obs.tls_attempted = true;
			return ST_TLS;
		}
		return start_tests(d);
	case ST_SUBMIT_MAIL:
		d->obs.submit_mail_code = r->code;
		if (r->code / 100 == 2)
			return ST_SUBMIT_RCPT;
		d->relay = 0;
		return rset_then(d, ST_RELAY_MAIL);
	case ST_SUBMIT_RCPT:
		d->obs.submit_rcpt_code = r->code;
		d->relay = 0;
		return rset_then(d, ST_RELAY_MAIL);
	case ST_RELAY_MAIL:
		rr->tried = true;
		rr->mail_code = r->code;
		if (r->code / 100 == 2)
			return ST_RELAY_RCPT;
		return rset_then(d, next_relay(d));
	case ST_RELAY_RCPT:
		rr->rcpt_code = r->code;
		return rset_then(d, next_relay(d));
	case ST_RSET: return d->after_rset;
	case ST_VRFY: d->obs.vrfy_code = r->code; return ST_EXPN;
	case ST_EXPN: d->obs.expn_code = r->code; return ST_QUIT;
	case ST_INJECT_EHLO: return ST_QUIT;   /* whatever came: the QUIT reply tells */
	case ST_QUIT:
		d->obs.quit_code = r->code;
		if (d->o.injection_probe && d->tls_active)
			/* QUIT answered 250: the replies are one behind, the NOOP
			 * sent before TLS was answered inside it */
			d->obs.injection = r->code == 221 ? 0 : r->code / 100 == 2;
		return ST_DONE;
	default: return ST_DONE;
	}
}

enum mp_status
mp_smtp_dialog_input(struct mp_smtp_dialog *d, const void *p, size_t len)
{
	struct mp_smtp_reply r;
	struct mp_why why;
	size_t used;
	enum mp_status st;

	if (d->state == ST_DONE || d->state == ST_TLS)
		return MP_OK;
	if ((st = mp_buf_append(&d->in, p, len)) != MP_OK) {
		mp_smtp_dialog_io_failed(d, MP_SMTP_IO_PROTOCOL);
		return st == MP_ELIMIT ? MP_OK : st;
	}
	while (d->need_reply && d->state != ST_DONE && d->state != ST_TLS) {
		mp_smtp_reply_parse(mp_buf_str(&d->in), &r, &used, &why);
		if (mp_why_failed(&why)) {
			mp_smtp_dialog_io_failed(d, MP_SMTP_IO_PROTOCOL);
			break;
		}
		if (used == 0)
			break;
		d->need_reply = false;
		d->state = on_reply(d, &r);
		memmove(d->in.ptr, d->in.ptr + used, d->in.len - used);
		d->in.len -= used;
		d->in.ptr[d->in.len] = '\0';
	}
	if (d->state == ST_TLS)
		mp_buf_reset(&d->in);   /* RFC 3207 §4.2: nothing before TLS carries over */
	return MP_OK;
}

void
mp_smtp_dialog_tls_done(struct mp_smtp_dialog *d, bool ok)
{
	if (d->state != ST_TLS)
		return;
	d->obs.tls_ok = ok;
	if (!ok) {
		d->obs.io = MP_SMTP_IO_TLS;
		d->obs.io_stage = "tls";
		d->state = ST_DONE;
		return;
	}
	d->tls_active = true;
	/* RFC 3207 §4.2: forget everything, EHLO again */
	d->state = d->o.injection_probe ? ST_INJECT_EHLO : ST_EHLO;
	d->need_reply = false;
}

void
mp_smtp_dialog_io_failed(struct mp_smtp_dialog *d, enum mp_smtp_io io)
{
	if (d->state == ST_DONE)
		return;
	if (d->state != ST_QUIT) {  /* a close after QUIT is the normal end */
		d->obs.io = io;
		d->obs.io_stage = state_names[d->state];
	}
	d->state = ST_DONE;
}
