/* fuzz_smtp_reply.c - SMTP reply parser (RFC 5321 §4.2, RFC 3463) and EHLO
 * capability lists. Invariants: a complete reply has a code in 200..599,
 * 1..limit lines inside the input, an enhanced code of the reply's class;
 * every proper prefix of a complete reply is "incomplete", never an error;
 * format -> parse gives the same reply; capability lists stay in bounds.
 * The same bytes then play a hostile server to the audit dialogue: it must
 * end in bounded steps, send only CRLF-terminated commands, never DATA or
 * BDAT, and its findings must be in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

static void
check_view(struct mp_str v, const uint8_t *data, size_t size)
{
	if (v.len > 0 && ((const uint8_t *)v.ptr < data || (const uint8_t *)v.ptr + v.len > data + size))
		abort();
}

static void
check_caps(const struct mp_smtp_reply *r)
{
	struct mp_arena a;
	struct mp_smtp_caps caps;

	mp_arena_init(&a, 1u << 20);
	if (mp_smtp_caps_parse(r, &a, &caps) != MP_OK)
		abort();
	if (caps.nauth > MP_LIMIT_SMTP_AUTH_MECHS || caps.nkeywords > MP_LIMIT_SMTP_EHLO_LINES)
		abort();
	if (caps.nkeywords + caps.nbad > r->nlines - 1)
		abort();
	for (size_t i = 0; i < caps.nauth; i++) {
		if (caps.auth[i].len == 0 || caps.auth[i].len > 20)
			abort();
		for (size_t k = 0; k < caps.auth[i].len; k++)
			if (caps.auth[i].ptr[k] >= 'a' && caps.auth[i].ptr[k] <= 'z')
				abort();
		for (size_t k = 0; k < i; k++)
			if (mp_str_eq_nocase(caps.auth[i], caps.auth[k]))
				abort();
	}
	mp_arena_fini(&a);
}

/* check_command - one command the dialogue sends */
static void
check_command(struct mp_str cmd)
{
	if (cmd.len < 3 || cmd.len > MP_LIMIT_SMTP_COMMAND || cmd.ptr[cmd.len - 2] != '\r' ||
	    cmd.ptr[cmd.len - 1] != '\n')
		abort();
	if (mp_str_eq_c(cmd, "STARTTLS\r\nNOOP\r\n"))
		return;         /* the injection probe's two lines in one write */
	for (size_t i = 0; i + 2 < cmd.len; i++)
		if (cmd.ptr[i] == '\r' || cmd.ptr[i] == '\n' || cmd.ptr[i] == '\0')
			abort();
	if (mp_str_starts_nocase(cmd, MP_STR_LIT("DATA")) || mp_str_starts_nocase(cmd, MP_STR_LIT("BDAT")))
		abort();
}

/* drive_dialog - the input as the server's side of an audit */
static void
drive_dialog(const uint8_t *data, size_t size)
{
	struct mp_smtp_dialog_opts o = {
		.helo = MP_STR_LIT("mailproof-audit.invalid"),
		.server_domain = MP_STR_LIT("[192.0.2.1]"),
		.relay_domain = MP_STR_LIT("relay-test.example"),
		.starttls = true,
		.tls_active = size > 0 && (data[0] & 1),
		.submission = size > 0 && (data[0] & 2),
		.injection_probe = size > 0 && (data[0] & 4),
	};
	struct mp_arena a;
	struct mp_smtp_dialog *d;
	struct mp_audit_port port;
	struct mp_str out;
	size_t off = 0, chunk, iterations = 0;
	bool done = false;

	mp_arena_init(&a, 1u << 22);
	if ((d = mp_smtp_dialog_new(&o, &a)) == NULL)
		abort();
	while (!done) {
		if (++iterations > 4 * MP_LIMIT_AUDIT_STEPS + size + 10)
			abort();        /* the dialogue must end */
		switch (mp_smtp_dialog_step(d, &out)) {
		case MP_SMTP_STEP_SEND:
			check_command(out);
			break;
		case MP_SMTP_STEP_RECV:
			if (off == size) {
				mp_smtp_dialog_io_failed(d, MP_SMTP_IO_CLOSED);
				break;
			}
			chunk = 1 + data[off] % 64;
			if (chunk > size - off)
				chunk = size - off;
			if (mp_smtp_dialog_input(d, data + off, chunk) != MP_OK)
				abort();
			off += chunk;
			break;
		case MP_SMTP_STEP_TLS:
			mp_smtp_dialog_tls_done(d, off < size && (data[off] & 1));
			break;
		case MP_SMTP_STEP_DONE:
			done = true;
			break;
		}
	}
	memset(&port, 0, sizeof port);
	port.obs = *mp_smtp_dialog_observed(d);
	port.io = port.obs.io;
	port.mode = o.submission ? MP_AUDIT_MODE_SUBMISSION : MP_AUDIT_MODE_SMTP;
	if (mp_audit_smtp_findings(&port, &a) != MP_OK || port.nfindings > MP_LIMIT_AUDIT_FINDINGS)
		abort();
	for (size_t i = 0; i < port.nfindings; i++)
		if ((unsigned)port.findings[i].id >= MP_AF__COUNT)
			abort();
	mp_smtp_dialog_free(d);
	mp_arena_fini(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_str in = mp_str_make((const char *)data, size);
	struct mp_smtp_reply r, r2, rp;
	struct mp_why why, why2;
	struct mp_buf b;
	size_t used, used2;

	drive_dialog(data, size);
	if (mp_smtp_reply_parse(in, &r, &used, &why) != MP_OK)
		abort();
	if (used == 0)
		return 0;       /* incomplete or malformed */
	if (mp_why_failed(&why) || used > size || r.code < 200 || r.code > 599 ||
	    r.nlines == 0 || r.nlines > MP_LIMIT_SMTP_REPLY_LINES)
		abort();
	if (r.has_enhanced && r.enh_class != (unsigned)(r.code / 100))
		abort();
	for (size_t i = 0; i < r.nlines; i++)
		check_view(r.lines[i], data, used);
	/* a prefix of a complete reply is incomplete, not an error */
	if (mp_smtp_reply_parse(mp_str_make(in.ptr, used - 1), &rp, &used2, &why2) != MP_OK ||
	    used2 != 0 || mp_why_failed(&why2))
		abort();
	/* format -> parse round trip */
	mp_buf_init(&b, 1u << 24);
	if (mp_smtp_reply_format(&r, &b) != MP_OK)
		abort();
	if (mp_smtp_reply_parse(mp_buf_str(&b), &r2, &used2, &why2) != MP_OK ||
	    used2 != b.len || r2.code != r.code || r2.nlines != r.nlines ||
	    r2.has_enhanced != r.has_enhanced)
		abort();
	for (size_t i = 0; i < r.nlines; i++)
		if (!mp_str_eq(r.lines[i], r2.lines[i]))
			abort();
	mp_buf_fini(&b);
	check_caps(&r);
	return 0;
}
