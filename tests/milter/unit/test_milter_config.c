/* test_milter_config.c - mailproofd.conf parsing: every key, errors with
 * FILE:LINE and a reason, referenced files (internal hosts, overrides, key
 * table with real keys and their permissions, sender map). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

static const struct config_case {
	const char *name;
	const char *text;
	enum mp_status want;
	enum mp_reason why;
	const char *want_text;          /* exact why->text ("" = don't care) */
} cases[] = {
	{ "minimal", "Socket inet:8891@127.0.0.1\n", MP_OK, MP_REASON_NONE, "" },
	{ "comments and blanks", "# c\n\n  Socket  unix:/run/m.sock  # trailing\n", MP_OK,
	  MP_REASON_NONE, "" },
	{ "keys without case", "socket inet6:10025@::1\nDMARCENFORCE report-only\n", MP_OK,
	  MP_REASON_NONE, "" },
	{ "crlf lines", "Socket inet:1@localhost\r\nSyslog no\r\n", MP_OK, MP_REASON_NONE, "" },
	{ "unknown key", "Socket inet:1@a\n\nFrobnicate yes\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_UNKNOWN_KEY, "t.conf:3: Frobnicate: unknown key" },
	{ "duplicate key", "Socket inet:1@a\nSocket inet:2@a\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_DUP_KEY, "t.conf:2: Socket: key given twice" },
	{ "missing value", "Socket\n", MP_EINVAL, MP_REASON_MILTER_CONFIG_BAD_VALUE,
	  "t.conf:1: Socket: missing value" },
	{ "not key value", "Socket=inet:1@a\n", MP_EINVAL, MP_REASON_MILTER_CONFIG_SYNTAX,
	  "t.conf:1: Socket: expected \"Key value\"" },
	{ "no socket", "Syslog no\n", MP_EINVAL, MP_REASON_MILTER_CONFIG_MISSING,
	  "t.conf: Socket is required" },
	{ "bad socket kind", "Socket tcp:1@a\n", MP_EINVAL, MP_REASON_MILTER_CONFIG_BAD_VALUE,
	  "t.conf:1: Socket: socket type must be inet, inet6, unix or local" },
	{ "port zero", "Socket inet:0@127.0.0.1\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:1: Socket: bad port" },
	{ "port too big", "Socket inet:65536@127.0.0.1\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:1: Socket: bad port" },
	{ "relative unix path", "Socket unix:run/m.sock\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "" },
	{ "bad socket mode", "Socket inet:1@a\nSocketMode 0999\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: SocketMode: expected an octal mode such as 0660" },
	{ "bad enforce", "Socket inet:1@a\nDMARCEnforce maybe\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: DMARCEnforce: expected yes, report-only or no" },
	{ "bad on-error", "Socket inet:1@a\nOnTempError bounce\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: OnTempError: expected tempfail or accept" },
	{ "budget too small", "Socket inet:1@a\nDNSTimeBudget 5\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: DNSTimeBudget: number out of range" },
	{ "budget not a number", "Socket inet:1@a\nDNSTimeBudget 5s\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: DNSTimeBudget: number out of range" },
	{ "timeout above budget", "Socket inet:1@a\nDNSTimeBudget 1000\nDNSTimeout 2000\n",
	  MP_EINVAL, MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf: DNSTimeout is longer than DNSTimeBudget" },
	{ "dns server name", "Socket inet:1@a\nDNSServers ns.example\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: DNSServers: expected ADDR[@PORT] with an IP address" },
	{ "too many dns servers", "Socket inet:1@a\nDNSServers 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 "
	  "1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: DNSServers: too many DNS servers" },
	{ "zone and servers", "Socket inet:1@a\nZoneFile /z\nDNSServers 127.0.0.1@53\n",
	  MP_EINVAL, MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf: ZoneFile and DNSServers exclude each other" },
	{ "bad cidr", "Socket inet:1@a\nInternalHosts 10.0.0.0/33\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: InternalHosts: bad address or CIDR" },
	{ "bad facility", "Socket inet:1@a\nLogFacility kern\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "" },
	{ "bad override policy", "Socket inet:1@a\nDMARCOverride a.test=drop\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: DMARCOverride: policy must be none, quarantine or reject" },
	{ "duplicate override", "Socket inet:1@a\nDMARCOverride a.test=none\nDMARCOverride A.test=reject\n",
	  MP_EINVAL, MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf: DMARCOverride: a.test given twice" },
	{ "bad user", "Socket inet:1@a\nUserID -root\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: UserID: bad user name" },
	{ "bad authserv-id", "Socket inet:1@a\nAuthservID mx; dkim=pass\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "" },
	{ "sender map relative", "Socket inet:1@a\nSenderMap postfix:senders\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "" },
	{ "nul byte", "Socket inet:1@a\nSyslog n\0o\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_SYNTAX, "t.conf:2: line too long or NUL byte" },
	{ "max connections zero", "Socket inet:1@a\nMaxConnections 0\n", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "t.conf:2: MaxConnections: number out of range" },
};

/* text_len - case texts may hold a NUL byte: measure up to the final "\n" */
static size_t
text_len(const char *t)
{
	size_t n = strlen(t);

	if (n > 0 && t[n - 1] != '\n')          /* embedded NUL: continue past it */
		n += 1 + strlen(t + n + 1);
	return n;
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct config_case *c = &cases[i];
		struct milter_config cfg;
		struct mp_why why;
		enum mp_status st;

		milter_config_init(&cfg);
		cfg.load_files = false;
		st = milter_config_parse(&cfg, mp_str_make(c->text, text_len(c->text)), "t.conf", &why);
		if (st != c->want || why.reason != c->why ||
		    (c->want_text[0] && strcmp(why.text, c->want_text) != 0))
			fail_msg("%s: got %s %s \"%s\"", c->name, mp_status_name(st),
			    mp_reason_token(why.reason), why.text);
		milter_config_fini(&cfg);
	}
}

static void
test_values(void **state)
{
	static const char text[] =
	    "Socket inet:8891@127.0.0.1\n"
	    "SocketMode 0660\n"
	    "UserID mailproof:mail\n"
	    "PidFile /run/mailproofd.pid\n"
	    "AuthservID mx.example.test\n"
	    "InternalHosts 192.0.2.0/24, 2001:db8::/32 10.1.2.3\n"
	    "DMARCEnforce report-only\n"
	    "DMARCOverride b.test=reject, a.test=none\n"
	    "DMARCOverride c.test=quarantine\n"
	    "OnTempError accept\n"
	    "OnInternalError accept\n"
	    "DNSTimeBudget 8000\n"
	    "DNSTimeout 2000\n"
	    "DNSServers 127.0.0.1@5353, ::1\n"
	    "MaxConnections 50\n"
	    "MilterTimeout 60\n"
	    "Syslog no\n"
	    "LogFacility local3\n";
	struct milter_config cfg;
	struct mp_why why;
	enum milter_disp d;
	uint8_t in[4] = { 192, 0, 2, 77 }, out[4] = { 192, 0, 3, 1 };

	(void)state;
	milter_config_init(&cfg);
	assert_int_equal(milter_config_parse(&cfg, MP_STR_LIT(text), "v.conf", &why), MP_OK);
	assert_string_equal(cfg.socket, "inet:8891@127.0.0.1");
	assert_int_equal(cfg.socket_mode, 0660);
	assert_string_equal(cfg.user, "mailproof");
	assert_string_equal(cfg.group, "mail");
	assert_string_equal(cfg.pidfile, "/run/mailproofd.pid");
	assert_string_equal(cfg.authserv_id, "mx.example.test");
	assert_int_equal(cfg.ninternal, 3);     /* replaces the loopback default */
	assert_true(milter_cidr_match(cfg.internal, cfg.ninternal, 4, in));
	assert_false(milter_cidr_match(cfg.internal, cfg.ninternal, 4, out));
	assert_int_equal(cfg.dmarc_enforce, MILTER_ENFORCE_REPORT_ONLY);
	assert_int_equal(cfg.noverrides, 3);
	assert_true(milter_config_override(&cfg, MP_STR_LIT("a.test"), &d));
	assert_int_equal(d, MILTER_DISP_NONE);
	assert_true(milter_config_override(&cfg, MP_STR_LIT("b.test"), &d));
	assert_int_equal(d, MILTER_DISP_REJECT);
	assert_true(milter_config_override(&cfg, MP_STR_LIT("c.test"), &d));
	assert_int_equal(d, MILTER_DISP_QUARANTINE);
	assert_false(milter_config_override(&cfg, MP_STR_LIT("d.test"), &d));
	assert_int_equal(cfg.on_temp_error, MILTER_ON_ACCEPT);
	assert_int_equal(cfg.on_internal_error, MILTER_ON_ACCEPT);
	assert_int_equal(cfg.dns_budget_ms, 8000);
	assert_int_equal(cfg.dns_timeout_ms, 2000);
	assert_int_equal(cfg.ndns_servers, 2);
	assert_string_equal(cfg.dns_servers[1], "::1");
	assert_int_equal(cfg.max_connections, 50);
	assert_int_equal(cfg.milter_timeout_s, 60);
	assert_false(cfg.syslog);
	assert_int_equal(cfg.log_facility, LOG_LOCAL3);
	milter_config_fini(&cfg);
}

static void
test_defaults(void **state)
{
	struct milter_config cfg;
	struct mp_why why;
	uint8_t lo[4] = { 127, 0, 0, 1 };

	(void)state;
	milter_config_init(&cfg);
	assert_int_equal(milter_config_parse(&cfg, MP_STR_LIT("Socket unix:/tmp/x\n"), "d", &why),
	    MP_OK);
	assert_int_equal(cfg.on_internal_error, MILTER_ON_TEMPFAIL);   /* never lose mail */
	assert_int_equal(cfg.on_temp_error, MILTER_ON_TEMPFAIL);
	assert_int_equal(cfg.dmarc_enforce, MILTER_ENFORCE_YES);
	assert_true(cfg.require_safe_keys);
	assert_true(milter_cidr_match(cfg.internal, cfg.ninternal, 4, lo));
	assert_non_null(cfg.authserv_id);
	assert_true(cfg.dns_budget_ms < 30000);  /* below Postfix's milter_command_timeout */
	milter_config_fini(&cfg);
}

/* ---- referenced files ---- */

static char dir[64];

/* write_file - dir/name with contents and mode; returns the path */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char paths[8][128];
	static unsigned next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, 128, "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

/* write_key - a fresh private key in PEM */
static void
write_key(const char *name, const char *alg, mode_t mode)
{
	EVP_PKEY *k = strcmp(alg, "ed25519") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
	                                          : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	char path[128];
	FILE *f;

	assert_non_null(k);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	chmod(path, mode);
	EVP_PKEY_free(k);
}

/* parse_with - main text built from a format with the temp dir in it */
static enum mp_status
parse_with(struct milter_config *cfg, struct mp_why *why, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	milter_config_init(cfg);
	return milter_config_parse(cfg, mp_str_c(text), "f.conf", why);
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/mp-milter-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_files(void **state)
{
	struct milter_config cfg;
	struct mp_why why;
	const struct milter_key *k;
	size_t n;
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	uint8_t lo[4] = { 127, 0, 0, 1 };

	(void)state;
	write_key("a-rsa.pem", "rsa", 0600);
	write_key("a-ed.pem", "ed25519", 0400);
	write_key("b.pem", "rsa", 0600);
	write_file("keys", "# domain selector keyfile\n"
	    "Example.TEST  rsa2024  a-rsa.pem\n"
	    "example.test  ed2024   a-ed.pem\n"
	    "other.test    s1       b.pem\n", 0644);
	write_file("internal", "# ours\n2001:db8::/32\n  192.0.2.0/24 198.51.100.7\n", 0644);
	write_file("over", "x.test=none\ny.test=reject\n", 0644);
	write_file("senders", "alice alice@example.test, @alice.test\n", 0644);
	assert_int_equal(parse_with(&cfg, &why,
	    "Socket inet:1@127.0.0.1\nKeyTable %s/keys\nInternalHosts %s/internal\n"
	    "DMARCOverride %s/over\nSenderMap %s/senders\n", dir, dir, dir, dir), MP_OK);
	k = milter_config_keys(&cfg, MP_STR_LIT("example.test"), &n);
	assert_int_equal(n, 2);                 /* dual signing, in table order */
	assert_string_equal(k[0].selector.ptr, "rsa2024");
	assert_false(k[0].ed25519);
	assert_string_equal(k[1].selector.ptr, "ed2024");
	assert_true(k[1].ed25519);
	assert_non_null(strstr(k[0].pem.ptr, "PRIVATE KEY"));
	k = milter_config_keys(&cfg, MP_STR_LIT("other.test"), &n);
	assert_int_equal(n, 1);
	assert_null(milter_config_keys(&cfg, MP_STR_LIT("none.test"), &n));
	assert_int_equal(n, 0);
	assert_int_equal(cfg.ninternal, 3);
	assert_true(milter_cidr_match(cfg.internal, cfg.ninternal, 6, v6));
	assert_false(milter_cidr_match(cfg.internal, cfg.ninternal, 4, lo));
	assert_int_equal(cfg.noverrides, 2);
	assert_true(milter_sendermap_allows(&cfg.sendermap, MP_STR_LIT("alice"),
	    MP_STR_LIT("bob"), MP_STR_LIT("alice.test")));
	milter_config_fini(&cfg);
}

static const struct file_case {
	const char *name;
	const char *keytable;           /* contents of dir/kt */
	mode_t key_mode;
	const char *extra;              /* more config lines */
	enum mp_status want;
	enum mp_reason why;
	const char *want_suffix;        /* end of why->text (after the dir) */
} file_cases[] = {
	{ "key readable by group", "a.test s k.pem\n", 0640, "", MP_EINVAL,
	  MP_REASON_MILTER_MAP_SYNTAX, "/kt:1: key file is readable by group or other (RequireSafeKeys)" },
	{ "unsafe allowed", "a.test s k.pem\n", 0644, "RequireSafeKeys no\n", MP_OK,
	  MP_REASON_NONE, "" },
	{ "missing key file", "a.test s nothere.pem\n", 0600, "", MP_EINVAL,
	  MP_REASON_MILTER_MAP_SYNTAX, "/kt:1: key file cannot be opened" },
	{ "not a key", "\n# c\na.test s kt\n", 0600, "RequireSafeKeys no\n", MP_EINVAL,
	  MP_REASON_MILTER_MAP_SYNTAX, "/kt:3: no unencrypted PEM private key in key file" },
	{ "two fields", "a.test k.pem\n", 0600, "", MP_EINVAL, MP_REASON_MILTER_MAP_SYNTAX,
	  "/kt:1: expected: domain selector keyfile" },
	{ "bad domain", "a..test s k.pem\n", 0600, "", MP_EINVAL, MP_REASON_MILTER_MAP_SYNTAX,
	  "/kt:1: bad domain" },
	{ "five keys for a domain", "a.test s1 k.pem\na.test s2 k.pem\na.test s3 k.pem\n"
	  "a.test s4 k.pem\na.test s5 k.pem\n", 0600, "", MP_EINVAL,
	  MP_REASON_MILTER_CONFIG_BAD_VALUE, "/kt: more than 4 keys for a.test" },
	{ "missing sender map", "", 0600, "SenderMap /nonexistent/senders\n", MP_EIO,
	  MP_REASON_MILTER_CONFIG_IO, "/nonexistent/senders: No such file or directory" },
};

static void
test_file_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof file_cases / sizeof file_cases[0]; i++) {
		const struct file_case *c = &file_cases[i];
		struct milter_config cfg;
		struct mp_why why;
		enum mp_status st;
		size_t tl, sl;

		write_key("k.pem", "rsa", c->key_mode);
		write_file("kt", c->keytable, 0600);
		st = parse_with(&cfg, &why, "Socket inet:1@127.0.0.1\n%s%s%s/kt\n", c->extra,
		    c->keytable[0] ? "KeyTable " : "# ", dir);
		tl = strlen(why.text);
		sl = strlen(c->want_suffix);
		if (st != c->want || why.reason != c->why ||
		    (sl && (tl < sl || strcmp(why.text + tl - sl, c->want_suffix) != 0)))
			fail_msg("%s: got %s %s \"%s\"", c->name, mp_status_name(st),
			    mp_reason_token(why.reason), why.text);
		milter_config_fini(&cfg);
	}
}

/* every key has its own ".B Key" entry in mailproofd.conf(5) */
static void
test_documented(void **state)
{
	const char *src = getenv("MAILPROOF_SRC");
	char path[512], want[128], line[1024];
	const char *name;

	(void)state;
	if (src == NULL)
		skip();
	snprintf(path, sizeof path, "%s/docs/man/mailproofd.conf.5", src);
	for (size_t i = 0; (name = milter_config_key_name(i)) != NULL; i++) {
		FILE *f = fopen(path, "r");
		bool found = false;

		assert_non_null(f);
		snprintf(want, sizeof want, ".B %s", name);
		while (!found && fgets(line, sizeof line, f))
			found = strncmp(line, want, strlen(want)) == 0 &&
			    (line[strlen(want)] == ' ' || line[strlen(want)] == '\n');
		fclose(f);
		if (!found)
			fail_msg("%s is not documented in %s", name, path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_file_cases),
		cmocka_unit_test(test_documented),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
