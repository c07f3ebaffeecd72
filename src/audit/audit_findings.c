/* audit_findings.c - what a port's observations mean: each finding has a
 * stable id, a severity, an explanation and the Postfix setting that fixes
 * it. Pure; thread-safe.
 */
#include <string.h>

#include <mailproof/audit.h>
#include <mailproof/str.h>

#include "audit_internal.h"

static const struct finding_def {
	const char *name;
	enum mp_audit_severity sev;
	const char *explain, *fix;
} defs[MP_AF__COUNT] = {
	[MP_AF_PORT_REFUSED] = { "port-refused", MP_AUDIT_INFO,
		"The connection was refused: nothing listens on this port, so it could not be audited.",
		"If mail should be accepted here, enable the service in master.cf (smtp, submission or smtps)." },
	[MP_AF_PORT_TIMEOUT] = { "port-timeout", MP_AUDIT_INFO,
		"The server did not answer in time (connect, banner or a later step): this port was not fully audited.",
		"Check firewalls and smtpd_timeout; rerun with a longer --timeout." },
	[MP_AF_PORT_ERROR] = { "port-error", MP_AUDIT_INFO,
		"The connection failed or the server did not speak SMTP: this port was not fully audited.",
		"Check that an SMTP server (postfix/smtpd in master.cf) listens on this port." },
	[MP_AF_BANNER_REJECT] = { "banner-reject", MP_AUDIT_INFO,
		"The server greeted with a rejection instead of 220, so no further test ran.",
		"Check smtpd_client_restrictions and postscreen settings for this client." },
	[MP_AF_BANNER_VERSION] = { "banner-version", MP_AUDIT_LOW,
		"The greeting reveals the software version, which helps attackers pick exploits.",
		"smtpd_banner = $myhostname ESMTP" },
	[MP_AF_NO_STARTTLS] = { "no-starttls", MP_AUDIT_HIGH,
		"STARTTLS is not offered: mail and passwords to this port travel in clear text.",
		"smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/chain.pem and smtpd_tls_security_level = may (port 25) or encrypt (submission)" },
	[MP_AF_STARTTLS_REJECTED] = { "starttls-rejected", MP_AUDIT_HIGH,
		"STARTTLS is advertised but the command was refused.",
		"Check smtpd_tls_chain_files (or smtpd_tls_cert_file/smtpd_tls_key_file) and the TLS errors in the mail log." },
	[MP_AF_STARTTLS_FAILED] = { "starttls-failed", MP_AUDIT_HIGH,
		"STARTTLS is offered but the TLS handshake failed, so senders fall back to clear text or give up.",
		"Check smtpd_tls_chain_files, smtpd_tls_protocols and smtpd_tls_ciphers; the mail log names the TLS error." },
	[MP_AF_IMPLICIT_TLS_FAILED] = { "implicit-tls-failed", MP_AUDIT_HIGH,
		"No TLS handshake on the implicit-TLS submission port (RFC 8314).",
		"In master.cf: submissions inet n - y - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes" },
	[MP_AF_TLS_SSLV3] = { "tls-sslv3", MP_AUDIT_HIGH,
		"SSLv3 is accepted; it is broken (POODLE, RFC 7568).",
		"smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2" },
	[MP_AF_TLS_TLSV1] = { "tls-tlsv1", MP_AUDIT_MEDIUM,
		"TLS 1.0 is accepted; it is deprecated (RFC 8996).",
		"smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2" },
	[MP_AF_TLS_TLSV1_1] = { "tls-tlsv1.1", MP_AUDIT_MEDIUM,
		"TLS 1.1 is accepted; it is deprecated (RFC 8996).",
		"smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2" },
	[MP_AF_CERT_SELF_SIGNED] = { "cert-self-signed", MP_AUDIT_MEDIUM,
		"The certificate is self-signed: senders that check (MTA-STS, DANE-less verify) refuse it, and users learn to click through warnings.",
		"Use a certificate from a public CA (e.g. Let's Encrypt) in smtpd_tls_chain_files, leaf first, then intermediates." },
	[MP_AF_CERT_UNTRUSTED] = { "cert-untrusted", MP_AUDIT_MEDIUM,
		"The certificate chain does not verify against the CA store.",
		"Install the full chain (leaf and intermediates) in smtpd_tls_chain_files, issued by a public CA." },
	[MP_AF_CERT_NAME_MISMATCH] = { "cert-name-mismatch", MP_AUDIT_MEDIUM,
		"The certificate does not name the host that was audited.",
		"Get a certificate whose subjectAltName includes this host name (the MX name for port 25)." },
	[MP_AF_CERT_EXPIRED] = { "cert-expired", MP_AUDIT_HIGH,
		"The certificate has expired.",
		"Renew the certificate in smtpd_tls_chain_files and run postfix reload; automate renewal." },
	[MP_AF_CERT_NOT_YET_VALID] = { "cert-not-yet-valid", MP_AUDIT_HIGH,
		"The certificate is not valid yet (check the server's clock).",
		"Fix the clock (NTP) or install a certificate valid now in smtpd_tls_chain_files." },
	[MP_AF_CERT_EXPIRING] = { "cert-expiring", MP_AUDIT_LOW,
		"The certificate expires within 14 days.",
		"Renew the certificate in smtpd_tls_chain_files and run postfix reload; automate renewal." },
	[MP_AF_AUTH_PLAIN_ADVERTISED] = { "auth-plaintext-advertised", MP_AUDIT_HIGH,
		"AUTH is offered before TLS: a client may send its password in clear text, readable on any shared network.",
		"smtpd_tls_auth_only = yes" },
	[MP_AF_AUTH_PLAIN_ACCEPTED] = { "auth-plaintext-accepted", MP_AUDIT_HIGH,
		"The server started an AUTH exchange on a connection without TLS (answered 334): it would take a password in clear text.",
		"smtpd_tls_auth_only = yes" },
	[MP_AF_SUBMISSION_NO_AUTH] = { "submission-no-auth", MP_AUDIT_HIGH,
		"The submission port accepted a recipient without AUTH: anyone can submit mail as your users.",
		"In master.cf for submission/submissions: -o smtpd_client_restrictions=permit_sasl_authenticated,reject -o smtpd_relay_restrictions=permit_sasl_authenticated,reject" },
	[MP_AF_OPEN_RELAY] = { "open-relay", MP_AUDIT_CRITICAL,
		"The server accepted, without authentication, a recipient in an outside domain: it relays for anyone and will be used for spam.",
		"smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination with a narrow mynetworks (e.g. 127.0.0.0/8 [::1]/128); keep allow_percent_hack and swap_bangpath off on relays" },
	[MP_AF_VRFY] = { "vrfy-enabled", MP_AUDIT_LOW,
		"VRFY answers tell anyone which addresses exist (address harvesting).",
		"disable_vrfy_command = yes" },
	[MP_AF_EXPN] = { "expn-enabled", MP_AUDIT_LOW,
		"EXPN answers list the members of mailing lists and aliases.",
		"Postfix has no EXPN; disable EXPN in the software answering this port." },
	[MP_AF_RDNS_NO_PTR] = { "rdns-no-ptr", MP_AUDIT_HIGH,
		"The address has no PTR record: many receivers refuse or junk mail from addresses without reverse DNS.",
		"Ask whoever runs the address block (ISP, hosting) for a PTR naming the server (e.g. mail.example.org), give that name an A/AAAA record, and set myhostname to it." },
	[MP_AF_RDNS_NOT_CONFIRMED] = { "rdns-not-confirmed", MP_AUDIT_MEDIUM,
		"The PTR name does not resolve back to the address (no forward-confirmed reverse DNS).",
		"Publish an A/AAAA record for the PTR name pointing to this address, or have the PTR changed to a name that does." },
	[MP_AF_RDNS_DYNAMIC] = { "rdns-dynamic", MP_AUDIT_MEDIUM,
		"The PTR name looks like a dynamic or residential pool; receivers treat such senders as likely botnets.",
		"Ask for a PTR without the address in it (e.g. mail.example.org), or send through your provider's smarthost: relayhost = [smtp.provider.example]:587" },
	[MP_AF_RDNS_HELO_MISMATCH] = { "rdns-helo-mismatch", MP_AUDIT_LOW,
		"The server's HELO name is not its PTR name; some receivers score this as spam.",
		"smtp_helo_name = the PTR name (Postfix uses $myhostname by default: set myhostname to it)" },
	[MP_AF_SENDER_NOT_AUTHORIZED] = { "sender-not-authorized", MP_AUDIT_HIGH,
		"The domain's SPF record does not authorize this sending server: its mail fails SPF and, without aligned DKIM, DMARC.",
		"Add the server to the domain's SPF record (ip4:/ip6: or the provider's include:), or stop sending the domain's mail from it." },
	[MP_AF_SENDER_NO_SPF] = { "sender-no-spf", MP_AUDIT_HIGH,
		"The domain publishes no SPF record, so no server is authorized and anyone can claim the domain.",
		"Publish a TXT record \"v=spf1 ip4:ADDRESS -all\" at the domain listing every sending server." },
	[MP_AF_SENDER_SPF_ERROR] = { "sender-spf-permerror", MP_AUDIT_HIGH,
		"The domain's SPF record is broken (permerror): receivers treat it as failing.",
		"Fix the SPF record (syntax, more than 10 DNS lookups); 'mailproof check DOMAIN' shows why." },
	[MP_AF_STARTTLS_INJECTION] = { "starttls-injection", MP_AUDIT_HIGH,
		"Plain-text commands sent right behind STARTTLS were run inside the TLS session (CVE-2011-0411 class): a man in the middle can inject commands into the encrypted session.",
		"Upgrade the MTA; Postfix discards plain text pipelined behind STARTTLS since 2.8.0 (and 2.7.3, 2.6.9, 2.5.12)." },
	[MP_AF_DNS_TEMPERROR] = { "dns-temperror", MP_AUDIT_INFO,
		"DNS did not answer, so this check could not be completed (not a pass).",
		"Retry; check the resolver (--dns) and the zone's name servers." },
};

const char *
mp_audit_severity_name(enum mp_audit_severity s)
{
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

const char *
mp_audit_finding_name(enum mp_audit_finding_id id)
{
	return (unsigned)id < MP_AF__COUNT ? defs[id].name : "unknown";
}

enum mp_audit_severity
mp_audit_finding_severity(enum mp_audit_finding_id id)
{
	return (unsigned)id < MP_AF__COUNT ? defs[id].sev : MP_AUDIT_INFO;
}

const char *
mp_audit_finding_explain(enum mp_audit_finding_id id)
{
	return (unsigned)id < MP_AF__COUNT ? defs[id].explain : "";
}

const char *
mp_audit_finding_fix(enum mp_audit_finding_id id)
{
	return (unsigned)id < MP_AF__COUNT ? defs[id].fix : "";
}

const char *
mp_audit_port_mode_name(enum mp_audit_port_mode m)
{
	static const char *const names[] = { "smtp", "submission", "smtps" };
	return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "unknown";
}

const char *
mp_tls_proto_name(enum mp_tls_proto p)
{
	static const char *const names[] = { "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" };
	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

/* add - one finding with an optional detail (copied into a) */
static enum mp_status
add(struct mp_audit_port *p, struct mp_arena *a, enum mp_audit_finding_id id,
    struct mp_str detail)
{
	struct mp_audit_finding *f;

	if (p->nfindings == MP_LIMIT_AUDIT_FINDINGS)
		return MP_ELIMIT;
	f = &p->findings[p->nfindings];
	f->id = id;
	f->detail = detail.len ? mp_arena_strdup(a, detail) : MP_STR_LIT("");
	if (f->detail.ptr == NULL)
		return MP_ENOMEM;
	p->nfindings++;
	return MP_OK;
}

/* has_version - does text contain a version number ("3.7.11", "8.15.2")? */
static bool
has_version(struct mp_str s)
{
	for (size_t i = 0; i + 2 < s.len; i++) {
		unsigned char a = (unsigned char)s.ptr[i], b = (unsigned char)s.ptr[i + 1],
		              c = (unsigned char)s.ptr[i + 2];
		bool before_ok = i == 0 || !mp_is_alnum((unsigned char)s.ptr[i - 1]);
		if (before_ok && mp_is_digit(a) && b == '.' && mp_is_digit(c))
			return true;
	}
	return false;
}

/* banner_reveals_version - a software name followed by a version, or a
 * bare version, after the host name (the host name may hold digits) */
static bool
banner_reveals_version(struct mp_str banner)
{
	ptrdiff_t sp = mp_str_find(banner, ' ');

	if (sp < 0)
		return false;
	return has_version(mp_str_make(banner.ptr + sp, banner.len - (size_t)sp));
}

/* io_findings - the connection ended early: say so, never a pass */
static enum mp_status
io_findings(struct mp_audit_port *p, struct mp_arena *a)
{
	struct mp_str stage = p->obs.io_stage ? mp_str_c(p->obs.io_stage) : MP_STR_LIT("connect");

	switch (p->io) {
	case MP_SMTP_IO_OK: return MP_OK;
	case MP_SMTP_IO_REFUSED: return add(p, a, MP_AF_PORT_REFUSED, MP_STR_LIT(""));
	case MP_SMTP_IO_TIMEOUT: return add(p, a, MP_AF_PORT_TIMEOUT, stage);
	case MP_SMTP_IO_TLS:
		if (p->mode == MP_AUDIT_MODE_SMTPS)
			return add(p, a, MP_AF_IMPLICIT_TLS_FAILED, mp_str_c(p->why.text));
		return MP_OK;   /* STARTTLS: see smtp_findings */
	default:
		return add(p, a, MP_AF_PORT_ERROR,
		    mp_arena_printf(a, "%s at %.*s", mp_smtp_io_name(p->io), (int)stage.len, stage.ptr));
	}
}

/* tls_findings - protocol versions and the certificate */
static enum mp_status
tls_findings(struct mp_audit_port *p, struct mp_arena *a)
{
	const struct mp_audit_tls *t = &p->tls;
	static const enum mp_audit_finding_id vf[] = { MP_AF_TLS_SSLV3, MP_AF_TLS_TLSV1,
		MP_AF_TLS_TLSV1_1 };
	enum mp_status st = MP_OK;

	for (size_t i = 0; i < sizeof vf / sizeof vf[0] && st == MP_OK; i++)
		if (t->versions[i] == MP_TLSV_ACCEPTED)
			st = add(p, a, vf[i], MP_STR_LIT(""));
	if (st == MP_OK && t->injection == 1)
		st = add(p, a, MP_AF_STARTTLS_INJECTION, MP_STR_LIT(""));
	if (!t->done || st != MP_OK)
		return st;
	if (t->expired)
		st = add(p, a, MP_AF_CERT_EXPIRED, t->not_after);
	else if (t->not_yet_valid)
		st = add(p, a, MP_AF_CERT_NOT_YET_VALID, MP_STR_LIT(""));
	else if (t->days_left < MP_AUDIT_EXPIRY_WARN_DAYS)
		st = add(p, a, MP_AF_CERT_EXPIRING, mp_arena_printf(a, "%ld days left", t->days_left));
	if (st == MP_OK && t->self_signed)
		st = add(p, a, MP_AF_CERT_SELF_SIGNED, t->subject);
	else if (st == MP_OK && !t->chain_ok && !t->expired && !t->not_yet_valid)
		st = add(p, a, MP_AF_CERT_UNTRUSTED, t->verify_error);
	if (st == MP_OK && !t->name_match)
		st = add(p, a, MP_AF_CERT_NAME_MISMATCH, t->name_checked);
	return st;
}

/* smtp_findings - what the conversation showed */
static enum mp_status
smtp_findings(struct mp_audit_port *p, struct mp_arena *a)
{
	const struct mp_smtp_observed *o = &p->obs;
	enum mp_status st = MP_OK;

	if (o->banner_code != 0 && o->banner_code != 220)
		st = add(p, a, MP_AF_BANNER_REJECT, o->banner);
	if (st == MP_OK && o->banner_code == 220 && banner_reveals_version(o->banner))
		st = add(p, a, MP_AF_BANNER_VERSION, o->banner);
	if (p->mode != MP_AUDIT_MODE_SMTPS && o->has_caps_plain) {
		if (st == MP_OK && !o->caps_plain.starttls)
			st = add(p, a, MP_AF_NO_STARTTLS, MP_STR_LIT(""));
		else if (st == MP_OK && o->starttls_code != 0 && o->starttls_code != 220)
			st = add(p, a, MP_AF_STARTTLS_REJECTED,
			    mp_arena_printf(a, "%d", o->starttls_code));
		if (st == MP_OK && o->tls_attempted && !o->tls_ok)
			st = add(p, a, MP_AF_STARTTLS_FAILED, p->tls.handshake_error);
		if (st == MP_OK && o->caps_plain.nauth > 0)
			st = add(p, a, MP_AF_AUTH_PLAIN_ADVERTISED, MP_STR_LIT(""));
	}
	if (st == MP_OK && o->auth_probe_code == 334)
		st = add(p, a, MP_AF_AUTH_PLAIN_ACCEPTED, o->auth_probe_mech);
	if (st == MP_OK && p->mode != MP_AUDIT_MODE_SMTP && o->submit_rcpt_code / 100 == 2)
		st = add(p, a, MP_AF_SUBMISSION_NO_AUTH, mp_arena_printf(a, "RCPT answered %d",
		    o->submit_rcpt_code));
	for (size_t i = 0; i < MP_RELAY__COUNT && st == MP_OK; i++)
		if (o->relay[i].rcpt_code / 100 == 2)
			st = add(p, a, MP_AF_OPEN_RELAY, mp_str_c(mp_relay_variant_name(i)));
	if (st == MP_OK && o->vrfy_code / 100 == 2)
		st = add(p, a, MP_AF_VRFY, mp_arena_printf(a, "%d", o->vrfy_code));
	if (st == MP_OK && o->expn_code / 100 == 2)
		st = add(p, a, MP_AF_EXPN, mp_arena_printf(a, "%d", o->expn_code));
	return st;
}

enum mp_status
mp_audit_smtp_findings(struct mp_audit_port *p, struct mp_arena *a)
{
	enum mp_status st;

	p->nfindings = 0;
	if ((st = io_findings(p, a)) != MP_OK)
		return st;
	if ((st = smtp_findings(p, a)) != MP_OK)
		return st;
	return tls_findings(p, a);
}
