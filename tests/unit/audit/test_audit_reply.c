/* test_audit_reply.c - SMTP reply parser, enhanced status codes, EHLO
 * capabilities, findings catalogue, private address ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

static const struct reply_case {
	const char *name, *in;
	int code;               /* 0: no complete reply */
	size_t nlines;
	const char *last;       /* text of the last line */
	int enh_class;          /* -1: none */
	unsigned enh_subject, enh_detail;
	enum mp_reason why;
} reply_cases[] = {
	{ "banner", "220 mx.example ESMTP\r\n", 220, 1, "mx.example ESMTP", -1, 0, 0, MP_REASON_NONE },
	{ "multi-line", "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n", 250, 3, "STARTTLS", -1, 0, 0,
	  MP_REASON_NONE },
	{ "bare LF tolerated", "250-a\n250 b\n", 250, 2, "b", -1, 0, 0, MP_REASON_NONE },
	{ "code only", "250\r\n", 250, 1, "", -1, 0, 0, MP_REASON_NONE },
	{ "enhanced", "550 5.7.1 Relay access denied\r\n", 550, 1, "5.7.1 Relay access denied", 5, 7, 1,
	  MP_REASON_NONE },
	{ "enhanced 3-digit parts", "250 2.100.999 x\r\n", 250, 1, "2.100.999 x", 2, 100, 999,
	  MP_REASON_NONE },
	{ "enhanced class must match", "550 2.0.0 odd\r\n", 550, 1, "2.0.0 odd", -1, 0, 0,
	  MP_REASON_NONE },
	{ "enhanced needs a space after", "250 2.0.0x\r\n", 250, 1, "2.0.0x", -1, 0, 0, MP_REASON_NONE },
	{ "trailing bytes not consumed", "221 bye\r\nextra", 221, 1, "bye", -1, 0, 0, MP_REASON_NONE },
	{ "incomplete line", "220 mx.exa", 0, 0, NULL, -1, 0, 0, MP_REASON_NONE },
	{ "incomplete multi-line", "250-a\r\n250-b\r\n", 0, 0, NULL, -1, 0, 0, MP_REASON_NONE },
	{ "empty", "", 0, 0, NULL, -1, 0, 0, MP_REASON_NONE },
	{ "code mismatch", "250-a\r\n251 b\r\n", 0, 0, NULL, -1, 0, 0,
	  MP_REASON_AUDIT_REPLY_CODE_MISMATCH },
	{ "not a code", "hello\r\n", 0, 0, NULL, -1, 0, 0, MP_REASON_AUDIT_REPLY_SYNTAX },
	{ "1xx is not SMTP", "150 x\r\n", 0, 0, NULL, -1, 0, 0, MP_REASON_AUDIT_REPLY_SYNTAX },
	{ "260 second digit", "260 x\r\n", 0, 0, NULL, -1, 0, 0, MP_REASON_AUDIT_REPLY_SYNTAX },
	{ "bad separator", "250_x\r\n", 0, 0, NULL, -1, 0, 0, MP_REASON_AUDIT_REPLY_SYNTAX },
	{ "short code", "25\r\n", 0, 0, NULL, -1, 0, 0, MP_REASON_AUDIT_REPLY_SYNTAX },
};

static void
test_reply_table(void **state)
{
	struct mp_smtp_reply r;
	struct mp_why why;
	size_t used;

	(void)state;
	for (size_t i = 0; i < sizeof reply_cases / sizeof reply_cases[0]; i++) {
		const struct reply_case *c = &reply_cases[i];
		print_message("case: %s\n", c->name);
		assert_int_equal(mp_smtp_reply_parse(mp_str_c(c->in), &r, &used, &why), MP_OK);
		assert_int_equal(why.reason, c->why);
		if (c->code == 0) {
			assert_int_equal(used, 0);
			continue;
		}
		assert_true(used > 0);
		assert_int_equal(r.code, c->code);
		assert_int_equal(r.nlines, c->nlines);
		assert_true(mp_str_eq_c(r.lines[r.nlines - 1], c->last));
		assert_int_equal(r.has_enhanced, c->enh_class >= 0);
		if (c->enh_class >= 0) {
			assert_int_equal(r.enh_class, c->enh_class);
			assert_int_equal(r.enh_subject, c->enh_subject);
			assert_int_equal(r.enh_detail, c->enh_detail);
		}
	}
}

static void
test_reply_limits(void **state)
{
	struct mp_smtp_reply r;
	struct mp_why why;
	struct mp_buf b;
	size_t used;

	(void)state;
	/* a line longer than the limit without LF is an error, not "need more" */
	mp_buf_init(&b, 1u << 20);
	assert_int_equal(mp_buf_append_c(&b, "250 "), MP_OK);
	for (int i = 0; i < MP_LIMIT_SMTP_REPLY_LINE; i++)
		assert_int_equal(mp_buf_append_byte(&b, 'x'), MP_OK);
	mp_smtp_reply_parse(mp_buf_str(&b), &r, &used, &why);
	assert_int_equal(used, 0);
	assert_int_equal(why.reason, MP_REASON_AUDIT_REPLY_TOO_LONG);
	/* too many lines */
	mp_buf_reset(&b);
	for (int i = 0; i <= MP_LIMIT_SMTP_REPLY_LINES; i++)
		assert_int_equal(mp_buf_append_c(&b, "250-x\r\n"), MP_OK);
	assert_int_equal(mp_buf_append_c(&b, "250 end\r\n"), MP_OK);
	mp_smtp_reply_parse(mp_buf_str(&b), &r, &used, &why);
	assert_int_equal(why.reason, MP_REASON_AUDIT_REPLY_TOO_LONG);
	/* NUL inside a line */
	mp_smtp_reply_parse(mp_str_make("250 a\0b\r\n", 9), &r, &used, &why);
	assert_int_equal(why.reason, MP_REASON_NUL_BYTE);
	mp_buf_fini(&b);
}

static void
test_reply_format(void **state)
{
	struct mp_smtp_reply r;
	struct mp_why why;
	struct mp_buf b;
	size_t used;

	(void)state;
	mp_buf_init(&b, 4096);
	mp_smtp_reply_parse(mp_str_c("250-a\n250 2.0.0 b\n"), &r, &used, &why);
	assert_int_equal(mp_smtp_reply_format(&r, &b), MP_OK);
	assert_string_equal(b.ptr, "250-a\r\n250 2.0.0 b\r\n");
	mp_buf_fini(&b);
}

static const char ehlo_postfix[] =
    "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
    "250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN login\r\n250-AUTH=LOGIN CRAM-MD5\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
    "250-!bad\r\n250 CHUNKING\r\n";

static void
test_caps(void **state)
{
	struct mp_smtp_reply r;
	struct mp_smtp_caps caps;
	struct mp_why why;
	struct mp_arena a;
	size_t used;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	mp_smtp_reply_parse(mp_str_c(ehlo_postfix), &r, &used, &why);
	assert_int_equal(r.nlines, 14);
	assert_int_equal(mp_smtp_caps_parse(&r, &a, &caps), MP_OK);
	assert_true(mp_str_eq_c(caps.domain, "mx.example.org"));
	assert_true(caps.starttls && caps.pipelining && caps.enhanced && caps.eightbitmime &&
	    caps.chunking && caps.smtputf8 && caps.dsn && caps.vrfy && caps.has_size);
	assert_false(caps.requiretls);
	assert_int_equal(caps.size, 10240000);
	/* AUTH and the old AUTH= merged, upper-cased, no duplicates */
	assert_int_equal(caps.nauth, 3);
	assert_true(mp_str_eq_c(caps.auth[0], "PLAIN"));
	assert_true(mp_str_eq_c(caps.auth[1], "LOGIN"));
	assert_true(mp_str_eq_c(caps.auth[2], "CRAM-MD5"));
	assert_true(mp_smtp_caps_has_auth(&caps, "cram-md5"));
	assert_false(mp_smtp_caps_has_auth(&caps, "XOAUTH2"));
	assert_int_equal(caps.nbad, 1);
	assert_int_equal(caps.nkeywords, 12);
	mp_arena_fini(&a);
}

static void
test_caps_no_auth(void **state)
{
	struct mp_smtp_reply r;
	struct mp_smtp_caps caps;
	struct mp_why why;
	struct mp_arena a;
	size_t used;

	(void)state;
	mp_arena_init(&a, 1u << 20);
	mp_smtp_reply_parse(mp_str_c("250 mx.example.org Hello\r\n"), &r, &used, &why);
	assert_int_equal(mp_smtp_caps_parse(&r, &a, &caps), MP_OK);
	assert_int_equal(caps.nauth, 0);
	assert_false(caps.starttls);
	assert_int_equal(caps.nkeywords, 0);
	mp_arena_fini(&a);
}

static const struct addr_case {
	const char *addr;
	bool private;
} addr_cases[] = {
	{ "127.0.0.1", true }, { "10.1.2.3", true }, { "172.16.0.1", true }, { "172.32.0.1", false },
	{ "192.168.1.1", true }, { "169.254.1.1", true }, { "100.64.0.1", true }, { "0.0.0.0", true },
	{ "192.0.2.1", true }, { "8.8.8.8", false }, { "::1", true }, { "::", true },
	{ "fe80::1", true }, { "fd00::1", true }, { "::ffff:10.0.0.1", true },
	{ "2001:db8::1", true }, { "2a00:1450::1", false }, { "not-an-address", false },
};

static void
test_private_addresses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
		print_message("addr: %s\n", addr_cases[i].addr);
		assert_int_equal(mp_audit_addr_is_private(addr_cases[i].addr), addr_cases[i].private);
	}
}

static void
test_finding_catalogue(void **state)
{
	(void)state;
	for (int i = 0; i < MP_AF__COUNT; i++) {
		assert_string_not_equal(mp_audit_finding_name(i), "unknown");
		assert_true(strlen(mp_audit_finding_explain(i)) > 10);
		assert_true(strlen(mp_audit_finding_fix(i)) > 5);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(mp_audit_finding_name(i), mp_audit_finding_name(k));
	}
	assert_string_equal(mp_audit_finding_name(MP_AF_OPEN_RELAY), "open-relay");
	assert_int_equal(mp_audit_finding_severity(MP_AF_OPEN_RELAY), MP_AUDIT_CRITICAL);
	assert_string_equal(mp_audit_finding_fix(MP_AF_AUTH_PLAIN_ADVERTISED), "smtpd_tls_auth_only = yes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_table),
		cmocka_unit_test(test_reply_limits),
		cmocka_unit_test(test_reply_format),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_caps_no_auth),
		cmocka_unit_test(test_private_addresses),
		cmocka_unit_test(test_finding_catalogue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
