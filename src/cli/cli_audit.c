/* cli_audit.c - `mailproof audit smtp|rdns|sender`: translate options,
 * call the audit library, print a report or JSON (docs/audit.md). */
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <mailproof/audit.h>
#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "cli.h"

enum {
	OPT_PORT = MP_OPT_FIRST_FREE,
	OPT_JSON,
	OPT_PUBLIC_ONLY,
	OPT_RELAY_DOMAIN,
	OPT_CA_FILE,
	OPT_TLS_NAME,
	OPT_HELO,
	OPT_NO_VERSIONS,
	OPT_DOMAIN,
	OPT_HELP,
};

struct port_spec {
	unsigned port;
	enum mp_audit_port_mode mode;
};

static const char smtp_usage[] =
    "usage: mailproof audit smtp HOST [--port LIST] [--json] [--public-only]\n"
    "           [--relay-domain D] [--timeout S] [--ca-file PEM] [--tls-name NAME]\n"
    "           [--helo NAME] [--no-version-probes]\n"
    "  --port LIST          ports, PORT[/smtp|submission|smtps] comma-separated\n"
    "                       (default 25,587,465; 587 is submission, 465 smtps)\n"
    "  --public-only        refuse private, loopback and link-local targets\n"
    "  --relay-domain D     outside domain for relay tests (default " MP_AUDIT_RELAY_DOMAIN ")\n"
    "  --timeout S          seconds per step (default 10)\n"
    "  --ca-file PEM        verify certificates against this CA store\n"
    "  --tls-name NAME      name the certificate must match (default HOST)\n"
    "  --helo NAME          EHLO name (default mailproof-audit.invalid)\n"
    "  --no-version-probes  do not probe each TLS version separately\n"
    "Point it only at servers you run. Relay tests stop at RCPT TO; DATA is never sent.\n"
    "Exit: 0 no finding of medium or higher, 1 such findings, 2 usage, 3 a port\n"
    "could not be fully audited (refused, timeout).\n";

/* parse_ports - "25,587/submission,465" */
static bool
parse_ports(const char *arg, struct port_spec *ports, size_t *n)
{
	struct mp_str all = mp_str_c(arg), item, num, mode;
	ptrdiff_t comma, slash;
	uint64_t v;

	*n = 0;
	while (all.len > 0) {
		comma = mp_str_find(all, ',');
		item = comma < 0 ? all : mp_str_make(all.ptr, (size_t)comma);
		all = comma < 0 ? MP_STR_NULL : mp_str_make(all.ptr + comma + 1, all.len - (size_t)comma - 1);
		slash = mp_str_find(item, '/');
		num = slash < 0 ? item : mp_str_make(item.ptr, (size_t)slash);
		mode = slash < 0 ? MP_STR_NULL : mp_str_make(item.ptr + slash + 1, item.len - (size_t)slash - 1);
		if (*n == MP_LIMIT_AUDIT_PORTS || !mp_parse_u64(num, 65535, &v) || v == 0)
			return false;
		ports[*n].port = (unsigned)v;
		ports[*n].mode = v == 587 ? MP_AUDIT_MODE_SUBMISSION
		               : v == 465 ? MP_AUDIT_MODE_SMTPS : MP_AUDIT_MODE_SMTP;
		if (mode.ptr == NULL)
			;
		else if (mp_str_eq_c(mode, "smtp"))
			ports[*n].mode = MP_AUDIT_MODE_SMTP;
		else if (mp_str_eq_c(mode, "submission"))
			ports[*n].mode = MP_AUDIT_MODE_SUBMISSION;
		else if (mp_str_eq_c(mode, "smtps"))
			ports[*n].mode = MP_AUDIT_MODE_SMTPS;
		else
			return false;
		(*n)++;
	}
	return *n > 0;
}

/* jstr - a view as a JSON string (views may hold any byte; jansson wants UTF-8) */
static json_t *
jstr(struct mp_str s)
{
	json_t *j = json_stringn(s.ptr ? s.ptr : "", s.len);

	if (j == NULL) {
		char q[MP_LOG_QUOTE_MAX];
		j = json_string(mp_log_quote(s, q));
	}
	return j;
}

/* jcode - a reply code, null when the command was not sent */
static json_t *
jcode(int code)
{
	return code ? json_integer(code) : json_null();
}

/* jmechs - AUTH mechanisms as a JSON array */
static json_t *
jmechs(const struct mp_smtp_caps *caps, bool have)
{
	json_t *arr = json_array();

	for (size_t i = 0; have && i < caps->nauth; i++)
		json_array_append_new(arr, jstr(caps->auth[i]));
	return arr;
}

/* jkeywords - EHLO keyword lines as a JSON array, null without EHLO */
static json_t *
jkeywords(const struct mp_smtp_caps *caps, bool have)
{
	json_t *arr;

	if (!have)
		return json_null();
	arr = json_array();
	for (size_t i = 0; i < caps->nkeywords; i++)
		json_array_append_new(arr, jstr(caps->keywords[i]));
	return arr;
}

/* jfindings - findings as a JSON array */
static json_t *
jfindings(const struct mp_audit_finding *f, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:s,s:s}",
		    "id", mp_audit_finding_name(f[i].id),
		    "severity", mp_audit_severity_name(mp_audit_finding_severity(f[i].id)),
		    "detail", jstr(f[i].detail), "explanation", mp_audit_finding_explain(f[i].id),
		    "fix", mp_audit_finding_fix(f[i].id)));
	return arr;
}

/* print_findings - the human form of findings */
static void
print_findings(FILE *out, const struct mp_audit_finding *f, size_t n)
{
	char q[MP_LOG_QUOTE_MAX];

	if (n == 0)
		fprintf(out, "  no findings\n");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  [%s] %s%s%s\n      %s\n      fix: %s\n",
		    mp_audit_severity_name(mp_audit_finding_severity(f[i].id)),
		    mp_audit_finding_name(f[i].id), f[i].detail.len ? ": " : "",
		    f[i].detail.len ? mp_log_quote(f[i].detail, q) : "",
		    mp_audit_finding_explain(f[i].id), mp_audit_finding_fix(f[i].id));
}

/* findings_exit - 1 for medium or worse, 3 for DNS failures, else 0 */
static int
findings_exit(const struct mp_audit_finding *f, size_t n, int rc)
{
	for (size_t i = 0; i < n; i++) {
		if (mp_audit_finding_severity(f[i].id) >= MP_AUDIT_MEDIUM)
			rc = MP_EXIT_BAD;
		else if (f[i].id == MP_AF_DNS_TEMPERROR && rc == MP_EXIT_GOOD)
			rc = MP_EXIT_TEMP;
	}
	return rc;
}

/* jtls - the certificate and protocol part of a port */
static json_t *
jtls(const struct mp_audit_port *p)
{
	const struct mp_audit_tls *t = &p->tls;
	json_t *v = json_object(), *j;

	for (int i = 0; i < MP_TLS__COUNT; i++)
		json_object_set_new(v, mp_tls_proto_name(i), json_string(
		    t->versions[i] == MP_TLSV_ACCEPTED ? "accepted"
		    : t->versions[i] == MP_TLSV_REJECTED ? "rejected" : "untested"));
	if (!t->done)
		return json_pack("{s:n,s:o,s:o}", "protocol", "versions", v, "starttls_injection",
		    t->injection < 0 ? json_null() : json_boolean(t->injection));
	j = json_pack("{s:o,s:o,s:i,s:o,s:o,s:o,s:I,s:b,s:b,s:b,s:b,s:o,s:o,s:o}",
	    "protocol", jstr(t->protocol), "cipher", jstr(t->cipher), "bits", t->cipher_bits,
	    "subject", jstr(t->subject), "issuer", jstr(t->issuer),
	    "not_after", jstr(t->not_after), "days_left", (json_int_t)t->days_left,
	    "chain_valid", t->chain_ok, "self_signed", t->self_signed, "expired", t->expired,
	    "name_match", t->name_match, "name_checked", jstr(t->name_checked),
	    "verify_error", t->chain_ok ? json_null() : jstr(t->verify_error), "versions", v);
	json_object_set_new(j, "starttls_injection",
	    t->injection < 0 ? json_null() : json_boolean(t->injection));
	return j;
}

/* jport - one audited port as JSON */
static json_t *
jport(const struct mp_audit_port *p)
{
	const struct mp_smtp_observed *o = &p->obs;
	json_t *j, *relay = json_array(), *findings = jfindings(p->findings, p->nfindings);

	for (int i = 0; i < MP_RELAY__COUNT; i++) {
		if (!o->relay[i].tried)
			continue;
		json_array_append_new(relay, json_pack("{s:s,s:o,s:o,s:b}",
		    "variant", mp_relay_variant_name(i), "mail", jcode(o->relay[i].mail_code),
		    "rcpt", jcode(o->relay[i].rcpt_code), "accepted", o->relay[i].rcpt_code / 100 == 2));
	}
	j = json_pack("{s:i,s:s,s:o,s:s,s:o}", "port", (int)p->port,
	    "mode", mp_audit_port_mode_name(p->mode), "address", jstr(p->address),
	    "status", mp_smtp_io_name(p->io),
	    "error", p->io == MP_SMTP_IO_OK ? json_null() : json_string(p->why.text));
	json_object_set_new(j, "banner_code", jcode(o->banner_code));
	json_object_set_new(j, "banner", o->banner_code ? jstr(o->banner) : json_null());
	json_object_set_new(j, "ehlo", jkeywords(&o->caps_plain, o->has_caps_plain));
	json_object_set_new(j, "ehlo_tls", jkeywords(&o->caps_tls, o->has_caps_tls));
	json_object_set_new(j, "starttls", json_pack("{s:b,s:o,s:b}",
	    "offered", o->has_caps_plain && o->caps_plain.starttls,
	    "reply", jcode(o->starttls_code), "ok", o->tls_ok && p->mode != MP_AUDIT_MODE_SMTPS));
	json_object_set_new(j, "auth_before_tls", jmechs(&o->caps_plain, o->has_caps_plain));
	json_object_set_new(j, "auth_after_tls", jmechs(&o->caps_tls, o->has_caps_tls));
	json_object_set_new(j, "auth_probe", o->auth_probe_code == 0 ? json_null()
	    : json_pack("{s:o,s:i}", "mechanism", jstr(o->auth_probe_mech), "reply", o->auth_probe_code));
	json_object_set_new(j, "tls", jtls(p));
	if (p->mode != MP_AUDIT_MODE_SMTP)
		json_object_set_new(j, "submission_without_auth", json_pack("{s:o,s:o}",
		    "mail", jcode(o->submit_mail_code), "rcpt", jcode(o->submit_rcpt_code)));
	json_object_set_new(j, "relay", relay);
	json_object_set_new(j, "vrfy", jcode(o->vrfy_code));
	json_object_set_new(j, "expn", jcode(o->expn_code));
	json_object_set_new(j, "findings", findings);
	return j;
}

/* print_caps_auth - "PLAIN LOGIN" or "none" */
static void
print_mechs(FILE *f, const struct mp_smtp_caps *caps, bool have)
{
	if (!have || caps->nauth == 0)
		fprintf(f, "none");
	for (size_t i = 0; have && i < caps->nauth; i++)
		fprintf(f, "%s%.*s", i ? " " : "", (int)caps->auth[i].len, caps->auth[i].ptr);
}

/* print_port - the human report of one port */
static void
print_port(FILE *f, const char *host, const struct mp_audit_port *p)
{
	const struct mp_smtp_observed *o = &p->obs;
	const struct mp_audit_tls *t = &p->tls;
	char q[MP_LOG_QUOTE_MAX];
	unsigned accepted = 0, tried = 0;

	fprintf(f, "%s port %u (%s): %s%s%s\n", host, p->port, mp_audit_port_mode_name(p->mode),
	    mp_smtp_io_name(p->io), p->io ? " - " : "", p->io ? p->why.text : "");
	if (o->banner_code)
		fprintf(f, "  banner: %d %s\n", o->banner_code, mp_log_quote(o->banner, q));
	if (p->mode != MP_AUDIT_MODE_SMTPS && o->has_caps_plain)
		fprintf(f, "  STARTTLS: %s%s\n", o->caps_plain.starttls ? "offered" : "not offered",
		    !o->tls_attempted ? "" : o->tls_ok ? ", works" : ", handshake FAILED");
	if (t->done) {
		fprintf(f, "  TLS: %.*s %.*s (%d bits)\n", (int)t->protocol.len, t->protocol.ptr,
		    (int)t->cipher.len, t->cipher.ptr, t->cipher_bits);
		fprintf(f, "  certificate: %s\n", mp_log_quote(t->subject, q));
		fprintf(f, "    expires %.*s (%ld days), chain %s, name %s %s\n",
		    (int)t->not_after.len, t->not_after.ptr, t->days_left,
		    t->chain_ok ? "valid" : t->verify_error.ptr,
		    mp_log_quote(t->name_checked, q), t->name_match ? "matches" : "does NOT match");
		fprintf(f, "  protocols:");
		for (int i = 0; i < MP_TLS__COUNT; i++)
			fprintf(f, " %s=%s", mp_tls_proto_name(i),
			    t->versions[i] == MP_TLSV_ACCEPTED ? "yes"
			    : t->versions[i] == MP_TLSV_REJECTED ? "no" : "?");
		fprintf(f, "\n");
	}
	if (o->has_caps_plain || o->has_caps_tls) {
		fprintf(f, "  AUTH before TLS: ");
		print_mechs(f, &o->caps_plain, o->has_caps_plain);
		fprintf(f, "; after TLS: ");
		print_mechs(f, &o->caps_tls, o->has_caps_tls);
		fprintf(f, "\n");
	}
	for (int i = 0; i < MP_RELAY__COUNT; i++) {
		tried += o->relay[i].tried;
		accepted += o->relay[i].rcpt_code / 100 == 2;
	}
	if (tried)
		fprintf(f, "  relay: %u of %u variants accepted\n", accepted, tried);
	print_findings(f, p->findings, p->nfindings);
}

/* exit_status - 1 for findings of medium or more, 3 for unaudited ports */
static int
exit_status(struct mp_audit_port *const *ports, size_t n)
{
	bool bad = false, temp = false;

	for (size_t i = 0; i < n; i++) {
		temp |= ports[i]->io != MP_SMTP_IO_OK && ports[i]->io != MP_SMTP_IO_TLS;
		for (size_t k = 0; k < ports[i]->nfindings; k++)
			bad |= mp_audit_finding_severity(ports[i]->findings[k].id) >= MP_AUDIT_MEDIUM;
	}
	return bad ? MP_EXIT_BAD : temp ? MP_EXIT_TEMP : MP_EXIT_GOOD;
}

/* smtp_options - getopt for `audit smtp`; returns -1 to go on, else an exit status */
static int
smtp_options(int argc, char **argv, struct mp_audit_smtp_opts *o, struct port_spec *ports,
             size_t *nports, bool *json)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "public-only", no_argument, NULL, OPT_PUBLIC_ONLY },
		{ "relay-domain", required_argument, NULL, OPT_RELAY_DOMAIN },
		{ "timeout", required_argument, NULL, MP_OPT_TIMEOUT },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "tls-name", required_argument, NULL, OPT_TLS_NAME },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "no-version-probes", no_argument, NULL, OPT_NO_VERSIONS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t secs;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (!parse_ports(optarg, ports, nports))
				return mp_cli_usage_error("audit smtp", "bad --port list '%s'", optarg);
			break;
		case OPT_JSON: *json = true; break;
		case OPT_PUBLIC_ONLY: o->public_only = true; break;
		case OPT_RELAY_DOMAIN: o->relay_domain = optarg; break;
		case MP_OPT_TIMEOUT:
			if (!mp_parse_u64(mp_str_c(optarg), 3600, &secs) || secs == 0)
				return mp_cli_usage_error("audit smtp", "--timeout wants seconds (1-3600)");
			o->timeout_ms = (unsigned)secs * 1000;
			break;
		case OPT_CA_FILE: o->ca_file = optarg; break;
		case OPT_TLS_NAME: o->tls_name = optarg; break;
		case OPT_HELO: o->helo = optarg; break;
		case OPT_NO_VERSIONS: o->no_version_probes = true; break;
		case OPT_HELP: fputs(smtp_usage, stdout); return MP_EXIT_GOOD;
		default: fputs(smtp_usage, stderr); return MP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(smtp_usage, stderr);
		return MP_EXIT_USAGE;
	}
	o->host = argv[optind];
	return -1;
}

/* drop_root - the auditor never runs as root (STYLE.md §11): as root,
 * become "nobody" before the first connection, for good */
static void
drop_root(const char *ca_file)
{
	const struct passwd *pw;

	if (geteuid() != 0)
		return;
	if ((pw = getpwnam("nobody")) == NULL)
		mp_fatal(MP_EXIT_USAGE, "audit: running as root and there is no user 'nobody' to become");
	if (setgroups(0, NULL) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		mp_fatal(MP_EXIT_USAGE, "audit: cannot drop root privileges");
	if (setuid(0) == 0)
		mp_panic("audit: root privileges could be regained");
	if (ca_file && access(ca_file, R_OK) != 0)
		mp_fatal(MP_EXIT_USAGE, "audit: --ca-file %s is not readable by user nobody "
		    "(the audit does not run as root)", ca_file);
}

/* audit_smtp - `mailproof audit smtp HOST` */
static int
audit_smtp(int argc, char **argv)
{
	struct mp_audit_smtp_opts o = { 0 };
	struct port_spec ports[MP_LIMIT_AUDIT_PORTS] = {
		{ 25, MP_AUDIT_MODE_SMTP }, { 587, MP_AUDIT_MODE_SUBMISSION }, { 465, MP_AUDIT_MODE_SMTPS },
	};
	struct mp_audit_port *res[MP_LIMIT_AUDIT_PORTS];
	size_t nports = 3;
	bool json = false;
	struct mp_arena a;
	struct mp_why why;
	json_t *j = NULL, *jp;
	int rc;

	if ((rc = smtp_options(argc, argv, &o, ports, &nports, &json)) >= 0)
		return rc;
	drop_root(o.ca_file);
	mp_arena_init(&a, MP_LIMIT_AUDIT_ARENA);
	for (size_t i = 0; i < nports; i++) {
		if (mp_audit_smtp_port(&o, ports[i].port, ports[i].mode, &a, &res[i], &why) != MP_OK) {
			mp_arena_fini(&a);
			if (why.reason == MP_REASON_NONE)
				mp_fatal(MP_EXIT_TEMP, "audit: out of memory");
			fprintf(stderr, "mailproof audit smtp: %s\n", why.text);
			return why.reason == MP_REASON_AUDIT_RESOLVE ? MP_EXIT_TEMP : MP_EXIT_USAGE;
		}
	}
	rc = exit_status(res, nports);
	if (json) {
		jp = json_array();
		for (size_t i = 0; i < nports; i++)
			json_array_append_new(jp, jport(res[i]));
		j = json_pack("{s:s,s:o}", "host", o.host, "ports", jp);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	} else {
		for (size_t i = 0; i < nports; i++)
			print_port(stdout, o.host, res[i]);
	}
	mp_arena_fini(&a);
	return rc;
}

static const char rdns_usage[] =
    "usage: mailproof audit rdns [--helo NAME] [--json] [DNS options] IP...\n"
    "  PTR present, forward-confirmed, dynamic-looking name, HELO = PTR name\n"
    MP_CLI_DNS_USAGE;

static const char sender_usage[] =
    "usage: mailproof audit sender --domain D [--json] [DNS options] IP...\n"
    "  is each sending server authorized by D's SPF record (check_host)?\n"
    MP_CLI_DNS_USAGE;

/* dns_command_options - getopt for rdns and sender; -1 to go on */
static int
dns_command_options(int argc, char **argv, const char *usage, int name_opt,
                    struct mp_cli_dns_opts *dns, const char **name, bool *json)
{
	static const struct option longopts[] = {
		MP_CLI_DNS_LONGOPTS,
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (mp_cli_dns_opt(dns, c, optarg))
			continue;
		switch (c) {
		case OPT_HELO:
		case OPT_DOMAIN:
			if (c != name_opt) {
				fputs(usage, stderr);
				return MP_EXIT_USAGE;
			}
			*name = optarg;
			break;
		case OPT_JSON: *json = true; break;
		case OPT_HELP: fputs(usage, stdout); return MP_EXIT_GOOD;
		default: fputs(usage, stderr); return MP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return MP_EXIT_USAGE;
	}
	return -1;
}

/* jnames - PTR names as a JSON array */
static json_t *
jnames(const struct mp_audit_rdns *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->nnames; i++)
		json_array_append_new(arr, jstr(r->names[i]));
	return arr;
}

/* print_rdns - one address, as JSON Lines or a report */
static void
print_rdns(const struct mp_audit_rdns *r, const char *helo, bool json)
{
	json_t *j;

	if (json) {
		j = json_pack("{s:o,s:o,s:s,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o}", "ip", jstr(r->ip),
		    "reverse", jstr(r->reverse), "ptr_status", mp_dns_status_name(r->ptr_status),
		    "ptr", jnames(r), "name", jstr(r->name), "forward_confirmed", r->confirmed,
		    "dynamic", r->dynamic, "dynamic_hint", r->dynamic ? jstr(r->dynamic_hint) : json_null(),
		    "helo", helo ? json_string(helo) : json_null(),
		    "helo_match", r->helo_checked ? json_boolean(r->helo_match) : json_null(),
		    "findings", jfindings(r->findings, r->nfindings));
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
		return;
	}
	printf("%s: PTR %s%.*s%s\n", r->ip.ptr, r->nnames ? "" : mp_dns_status_name(r->ptr_status),
	    (int)r->name.len, r->name.ptr,
	    r->nnames == 0 ? "" : r->confirmed ? " (forward-confirmed)" : " (NOT forward-confirmed)");
	print_findings(stdout, r->findings, r->nfindings);
}

/* audit_rdns - `mailproof audit rdns IP...` */
static int
audit_rdns(int argc, char **argv)
{
	struct mp_cli_dns_opts dns = { 0 };
	struct mp_resolver *r;
	struct mp_zone *zone;
	struct mp_audit_rdns *res;
	const char *helo = NULL;
	bool json = false;
	struct mp_arena a;
	struct mp_why why;
	int rc = MP_EXIT_GOOD;

	if ((rc = dns_command_options(argc, argv, rdns_usage, OPT_HELO, &dns, &helo, &json)) >= 0)
		return rc;
	rc = MP_EXIT_GOOD;
	r = mp_cli_resolver(&dns, &zone);
	for (int i = optind; i < argc; i++) {
		mp_arena_init(&a, MP_LIMIT_AUDIT_ARENA);
		if (mp_audit_rdns(r, mp_str_c(argv[i]), mp_str_c(helo ? helo : ""), &a, &res, &why) != MP_OK) {
			fprintf(stderr, "mailproof audit rdns: %s\n", why.reason ? why.text : "out of memory");
			rc = MP_EXIT_USAGE;
		} else {
			print_rdns(res, helo, json);
			if (rc != MP_EXIT_USAGE)
				rc = findings_exit(res->findings, res->nfindings, rc);
		}
		mp_arena_fini(&a);
	}
	mp_resolver_free(r);
	mp_zone_free(zone);
	return rc;
}

/* print_sender - one address, as JSON Lines or a report */
static void
print_sender(const struct mp_audit_sender *s, bool json)
{
	json_t *j;

	if (json) {
		j = json_pack("{s:o,s:o,s:s,s:b,s:o,s:o}", "ip", jstr(s->ip), "domain", jstr(s->domain),
		    "spf", mp_spf_result_name(s->spf.result), "authorized", s->spf.result == MP_SPF_PASS,
		    "mechanism", jstr(s->spf.mechanism), "findings", jfindings(s->findings, s->nfindings));
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
		return;
	}
	printf("%s for %s: SPF %s (%.*s)\n", s->ip.ptr, s->domain.ptr,
	    mp_spf_result_name(s->spf.result), (int)s->spf.mechanism.len, s->spf.mechanism.ptr);
	print_findings(stdout, s->findings, s->nfindings);
}

/* audit_sender - `mailproof audit sender --domain D IP...` */
static int
audit_sender(int argc, char **argv)
{
	struct mp_cli_dns_opts dns = { 0 };
	struct mp_resolver *r;
	struct mp_zone *zone;
	struct mp_audit_sender *res;
	const char *domain = NULL;
	bool json = false;
	struct mp_arena a;
	struct mp_why why;
	int rc;

	if ((rc = dns_command_options(argc, argv, sender_usage, OPT_DOMAIN, &dns, &domain, &json)) >= 0)
		return rc;
	if (domain == NULL)
		return mp_cli_usage_error("audit sender", "--domain is required");
	rc = MP_EXIT_GOOD;
	r = mp_cli_resolver(&dns, &zone);
	for (int i = optind; i < argc; i++) {
		mp_arena_init(&a, MP_LIMIT_AUDIT_ARENA);
		if (mp_audit_sender(r, mp_str_c(domain), mp_str_c(argv[i]), 0, &a, &res, &why) != MP_OK) {
			fprintf(stderr, "mailproof audit sender: %s: %s\n", argv[i],
			    why.reason ? why.text : "out of memory");
			rc = MP_EXIT_USAGE;
		} else {
			print_sender(res, json);
			if (rc != MP_EXIT_USAGE)
				rc = findings_exit(res->findings, res->nfindings, rc);
		}
		mp_arena_fini(&a);
	}
	mp_resolver_free(r);
	mp_zone_free(zone);
	return rc;
}

int
mp_cli_audit(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout, "usage: mailproof audit smtp|rdns|sender ...\n"
		    "  smtp HOST      banner, STARTTLS, TLS, AUTH, open relay, VRFY/EXPN\n"
		    "  rdns IP...     reverse DNS of sending servers\n"
		    "  sender --domain D IP...  are these servers in the domain's SPF?\n"
		    "Point 'audit smtp' only at servers you run (docs/audit.md).\n");
		return argc < 2 ? MP_EXIT_USAGE : MP_EXIT_GOOD;
	}
	if (strcmp(argv[1], "smtp") == 0)
		return audit_smtp(argc - 1, argv + 1);
	if (strcmp(argv[1], "rdns") == 0)
		return audit_rdns(argc - 1, argv + 1);
	if (strcmp(argv[1], "sender") == 0)
		return audit_sender(argc - 1, argv + 1);
	return mp_cli_usage_error("audit", "unknown audit '%s' (smtp, rdns, sender)", argv[1]);
}
