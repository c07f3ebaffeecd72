/* mailproof/audit.h - audit a mail server's own doors: SMTP replies and
 * EHLO capabilities (RFC 5321, RFC 3463), the audit dialogue (sans-IO), the
 * socket/TLS driver (RFC 3207 STARTTLS, RFC 8314 implicit TLS, RFC 4954
 * AUTH) and the findings it turns into.
 *
 * Layers, bottom up:
 *   mp_smtp_reply_parse / mp_smtp_caps_parse   pure parsers (fuzzed)
 *   struct mp_smtp_dialog                      what to send next, what it
 *                                              means; never touches a socket
 *   mp_audit_smtp_port                         the driver: sockets with a
 *                                              timeout on every step, OpenSSL
 *   mp_audit_smtp_findings                     observations -> findings
 */
#ifndef MAILPROOF_AUDIT_H
#define MAILPROOF_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/spf.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* ---- SMTP replies (RFC 5321 §4.2, RFC 3463) ---- */

struct mp_smtp_reply {
	int code;                       /* 200..599 (RFC 5321 §4.2.1: first digit 2-5) */
	bool has_enhanced;              /* first line starts "c.s.d " (RFC 3463 §2) */
	unsigned enh_class, enh_subject, enh_detail;
	size_t nlines;                  /* >= 1 */
	struct mp_str lines[MP_LIMIT_SMTP_REPLY_LINES]; /* text after "ddd-" / "ddd ", no CRLF */
};

/*
 * Parse one reply from the start of in. Lines end in CRLF (a bare LF is
 * tolerated). Results:
 *   complete:   MP_OK, *used > 0 (bytes of the reply), why clear;
 *   incomplete: MP_OK, *used == 0, why clear (feed more bytes);
 *   malformed:  MP_OK, *used == 0, why set (MP_REASON_AUDIT_REPLY_*).
 * The views in r point into in.
 */
MP_API enum mp_status mp_smtp_reply_parse(struct mp_str in, struct mp_smtp_reply *r,
                                          size_t *used, struct mp_why *why);
/* Wire form of r ("250-a\r\n250 b\r\n") appended to out. */
MP_API enum mp_status mp_smtp_reply_format(const struct mp_smtp_reply *r, struct mp_buf *out);
/* Copy r's texts into arena (so r outlives the input); MP_ENOMEM. */
MP_API enum mp_status mp_smtp_reply_dup(struct mp_arena *a, const struct mp_smtp_reply *src,
                                        struct mp_smtp_reply *dst);

/* EHLO capabilities (RFC 5321 §4.1.1.1, RFC 3207, RFC 4954 §3). */
struct mp_smtp_caps {
	struct mp_str domain;           /* the greeting's first word */
	bool starttls, pipelining, enhanced, eightbitmime, chunking, smtputf8,
	    dsn, vrfy, requiretls;
	bool has_size;
	uint64_t size;
	size_t nauth;                   /* SASL mechanisms, upper case, no duplicates */
	struct mp_str auth[MP_LIMIT_SMTP_AUTH_MECHS];
	size_t nkeywords;               /* every keyword line as sent */
	struct mp_str keywords[MP_LIMIT_SMTP_EHLO_LINES];
	size_t nbad;                    /* lines that were not "keyword [params]" */
};

/* Parse a 250 EHLO reply; views point into r's texts, except the
 * mechanisms, which are upper-cased copies in arena. Malformed lines are
 * counted in nbad, never fatal. MP_ENOMEM. */
MP_API enum mp_status mp_smtp_caps_parse(const struct mp_smtp_reply *r, struct mp_arena *a,
                                         struct mp_smtp_caps *caps);
/* Is mechanism mech (any case) in caps? */
MP_API bool mp_smtp_caps_has_auth(const struct mp_smtp_caps *caps, const char *mech);

/* ---- open relay variants (classic tests; never past RCPT TO) ---- */
enum mp_relay_variant {
	MP_RELAY_PLAIN,          /* local sender, external recipient */
	MP_RELAY_PERCENT,        /* user%outside@server */
	MP_RELAY_QUOTED,         /* "user@outside"@server */
	MP_RELAY_BANG,           /* outside!user@server */
	MP_RELAY_SOURCE_ROUTE,   /* @server:user@outside (RFC 5321 §4.1.2 source route) */
	MP_RELAY_EXTERNAL,       /* external sender, external recipient */
	MP_RELAY_NULL_SENDER,    /* <> sender, external recipient */
	MP_RELAY__COUNT
};
/* "plain", "percent-hack", "quoted", "bang-path", "source-route",
 * "external-sender", "null-sender". */
MP_API const char *mp_relay_variant_name(enum mp_relay_variant v);

/* ---- the audit dialogue (sans-IO) ---- */

/* How the conversation ended, when it did not end well. */
enum mp_smtp_io {
	MP_SMTP_IO_OK,
	MP_SMTP_IO_REFUSED,      /* connection refused */
	MP_SMTP_IO_TIMEOUT,      /* a step took longer than the timeout */
	MP_SMTP_IO_CLOSED,       /* the server closed the connection */
	MP_SMTP_IO_ERROR,        /* other socket or name resolution error */
	MP_SMTP_IO_PROTOCOL,     /* the server's reply was not SMTP */
	MP_SMTP_IO_TLS,          /* TLS handshake failed */
};
/* "ok", "refused", "timeout", "closed", "error", "protocol", "tls". */
MP_API const char *mp_smtp_io_name(enum mp_smtp_io io);

/* What the driver must do next. */
enum mp_smtp_step {
	MP_SMTP_STEP_SEND,   /* write the bytes given, then keep stepping */
	MP_SMTP_STEP_RECV,   /* read bytes and pass them to mp_smtp_dialog_input */
	MP_SMTP_STEP_TLS,    /* start TLS, then call mp_smtp_dialog_tls_done */
	MP_SMTP_STEP_DONE,   /* close the connection */
};

struct mp_smtp_dialog_opts {
	struct mp_str helo;           /* EHLO argument */
	struct mp_str server_domain;  /* the server's own domain, for %-hack & co.;
	                                 the banner's host name overrides it */
	struct mp_str relay_domain;   /* outside domain (RFC 2606 name by default) */
	bool tls_active;              /* implicit TLS (RFC 8314) is already up */
	bool starttls;                /* use STARTTLS when offered */
	bool probe_only;              /* banner, EHLO, (STARTTLS), QUIT: TLS probes */
	bool injection_probe;         /* STARTTLS with NOOP pipelined behind it in the
	                                 same packet, then EHLO, QUIT under TLS: does
	                                 the server run plaintext sent before TLS
	                                 inside it (CVE-2011-0411)? */
	bool submission;              /* a submission port (RFC 6409): test mail without AUTH */
};

struct mp_smtp_relay_result {
	bool tried;                   /* MAIL FROM was sent */
	int mail_code;                /* 0: no answer */
	int rcpt_code;                /* 0: RCPT not sent (MAIL refused) */
};

/* Everything seen in one conversation. Codes are 0 when not reached. */
struct mp_smtp_observed {
	enum mp_smtp_io io;           /* how it ended */
	const char *io_stage;         /* dialogue state when it failed ("banner", "ehlo"...) */
	int banner_code;
	struct mp_str banner;         /* whole banner, lines joined with " / " */
	int ehlo_code;
	bool has_caps_plain, has_caps_tls;
	struct mp_smtp_caps caps_plain; /* before any TLS */
	struct mp_smtp_caps caps_tls;   /* after STARTTLS or on implicit TLS */
	int auth_probe_code;          /* AUTH on a plain connection: 334 = accepted */
	struct mp_str auth_probe_mech;
	int starttls_code;            /* reply to STARTTLS; 0 when not sent */
	bool tls_attempted, tls_ok;   /* handshake after STARTTLS (or implicit) */
	int submit_mail_code, submit_rcpt_code; /* submission: mail without AUTH */
	struct mp_smtp_relay_result relay[MP_RELAY__COUNT];
	int vrfy_code, expn_code, quit_code;
	int injection;                /* injection probe: 1 vulnerable, 0 not, -1 not run */
};

struct mp_smtp_dialog;

/* New dialogue; strings in o and everything observed are copied into
 * arena, which must outlive the dialogue's results. NULL on ENOMEM. */
MP_API struct mp_smtp_dialog *mp_smtp_dialog_new(const struct mp_smtp_dialog_opts *o,
                                                 struct mp_arena *a);
MP_API void mp_smtp_dialog_free(struct mp_smtp_dialog *d);
/* Next thing to do; for MP_SMTP_STEP_SEND *out is the command with its
 * CRLF, valid until the next call. */
MP_API enum mp_smtp_step mp_smtp_dialog_step(struct mp_smtp_dialog *d, struct mp_str *out);
/* Bytes read from the server. A malformed or oversized reply ends the
 * dialogue (io MP_SMTP_IO_PROTOCOL). MP_ENOMEM. */
MP_API enum mp_status mp_smtp_dialog_input(struct mp_smtp_dialog *d, const void *p, size_t len);
/* The TLS handshake asked for by MP_SMTP_STEP_TLS worked or not. */
MP_API void mp_smtp_dialog_tls_done(struct mp_smtp_dialog *d, bool ok);
/* The connection failed (timeout, closed...); the dialogue is done. */
MP_API void mp_smtp_dialog_io_failed(struct mp_smtp_dialog *d, enum mp_smtp_io io);
/* What was seen (strings live in the arena given to _new). */
MP_API const struct mp_smtp_observed *mp_smtp_dialog_observed(const struct mp_smtp_dialog *d);

/* ---- findings ---- */
enum mp_audit_severity {
	MP_AUDIT_INFO, MP_AUDIT_LOW, MP_AUDIT_MEDIUM, MP_AUDIT_HIGH, MP_AUDIT_CRITICAL,
};
/* "info" "low" "medium" "high" "critical" */
MP_API const char *mp_audit_severity_name(enum mp_audit_severity s);

enum mp_audit_finding_id {
	MP_AF_PORT_REFUSED, MP_AF_PORT_TIMEOUT, MP_AF_PORT_ERROR, MP_AF_BANNER_REJECT,
	MP_AF_BANNER_VERSION, MP_AF_NO_STARTTLS, MP_AF_STARTTLS_REJECTED,
	MP_AF_STARTTLS_FAILED, MP_AF_IMPLICIT_TLS_FAILED,
	MP_AF_TLS_SSLV3, MP_AF_TLS_TLSV1, MP_AF_TLS_TLSV1_1,
	MP_AF_CERT_SELF_SIGNED, MP_AF_CERT_UNTRUSTED, MP_AF_CERT_NAME_MISMATCH,
	MP_AF_CERT_EXPIRED, MP_AF_CERT_NOT_YET_VALID, MP_AF_CERT_EXPIRING,
	MP_AF_AUTH_PLAIN_ADVERTISED, MP_AF_AUTH_PLAIN_ACCEPTED, MP_AF_SUBMISSION_NO_AUTH,
	MP_AF_OPEN_RELAY, MP_AF_VRFY, MP_AF_EXPN,
	MP_AF_RDNS_NO_PTR, MP_AF_RDNS_NOT_CONFIRMED, MP_AF_RDNS_DYNAMIC, MP_AF_RDNS_HELO_MISMATCH,
	MP_AF_SENDER_NOT_AUTHORIZED, MP_AF_SENDER_NO_SPF, MP_AF_SENDER_SPF_ERROR,
	MP_AF_DNS_TEMPERROR, MP_AF_STARTTLS_INJECTION,
	MP_AF__COUNT
};

struct mp_audit_finding {
	enum mp_audit_finding_id id;
	struct mp_str detail;         /* e.g. the relay variant, the verify error */
};
/* Stable id ("open-relay"), severity, explanation and Postfix fix of a finding. */
MP_API const char *mp_audit_finding_name(enum mp_audit_finding_id id);
MP_API enum mp_audit_severity mp_audit_finding_severity(enum mp_audit_finding_id id);
MP_API const char *mp_audit_finding_explain(enum mp_audit_finding_id id);
MP_API const char *mp_audit_finding_fix(enum mp_audit_finding_id id);

/* ---- TLS as seen by the driver ---- */
enum mp_tls_version_probe { MP_TLSV_UNTESTED, MP_TLSV_ACCEPTED, MP_TLSV_REJECTED };
enum mp_tls_proto { MP_TLS_SSLV3, MP_TLS_TLSV1, MP_TLS_TLSV1_1, MP_TLS_TLSV1_2, MP_TLS_TLSV1_3,
	MP_TLS__COUNT };
/* "SSLv3" "TLSv1" "TLSv1.1" "TLSv1.2" "TLSv1.3" */
MP_API const char *mp_tls_proto_name(enum mp_tls_proto p);

struct mp_audit_tls {
	bool done;                    /* a handshake completed and was inspected */
	struct mp_str protocol, cipher; /* negotiated */
	int cipher_bits;
	struct mp_str subject, issuer, not_after; /* one line each; not_after ISO 8601 */
	long days_left;               /* negative once expired */
	bool expired, not_yet_valid, self_signed, name_match, chain_ok;
	long verify_code;             /* X509_V_* result against the CA store */
	struct mp_str verify_error;   /* its text */
	struct mp_str name_checked;   /* host name or address matched against */
	struct mp_str handshake_error; /* why STARTTLS's handshake failed, if it did */
	int injection;                /* STARTTLS command injection: 1 yes, 0 no, -1 not tested */
	enum mp_tls_version_probe versions[MP_TLS__COUNT];
};

/* ---- the driver ---- */
enum mp_audit_port_mode {
	MP_AUDIT_MODE_SMTP,       /* port 25: MTA, STARTTLS */
	MP_AUDIT_MODE_SUBMISSION, /* port 587: RFC 6409, STARTTLS */
	MP_AUDIT_MODE_SMTPS,      /* port 465: implicit TLS, RFC 8314 */
};
/* "smtp" "submission" "smtps" */
MP_API const char *mp_audit_port_mode_name(enum mp_audit_port_mode m);

struct mp_audit_smtp_opts {
	const char *host;             /* name or address to connect to */
	const char *tls_name;         /* name the certificate must match; NULL: host */
	const char *helo;             /* EHLO name; NULL: "mailproof-audit.invalid" */
	const char *relay_domain;     /* NULL: MP_AUDIT_RELAY_DOMAIN */
	const char *ca_file;          /* PEM CA store; NULL: the system store */
	unsigned timeout_ms;          /* per step; 0: MP_AUDIT_TIMEOUT_MS */
	bool public_only;             /* refuse private, loopback, link-local targets */
	bool no_version_probes;       /* skip the extra handshakes per TLS version */
	long now;                     /* 0: time(NULL); tests set a fixed clock */
};

#define MP_AUDIT_RELAY_DOMAIN "relay-test.example" /* RFC 2606 §3 */
#define MP_AUDIT_TIMEOUT_MS 10000
#define MP_AUDIT_EXPIRY_WARN_DAYS 14

struct mp_audit_port {
	unsigned port;
	enum mp_audit_port_mode mode;
	enum mp_smtp_io io;           /* MP_SMTP_IO_OK when the conversation ran */
	struct mp_str address;        /* address connected to */
	struct mp_why why;            /* what went wrong, when io != OK */
	struct mp_smtp_observed obs;
	struct mp_audit_tls tls;
	size_t nfindings;
	struct mp_audit_finding findings[MP_LIMIT_AUDIT_FINDINGS];
};

/*
 * Audit one port of o->host: connect, converse, probe TLS versions, and
 * compute findings. The result lives in arena. MP_OK also when the server
 * could not be reached (see port->io and the findings); MP_EINVAL with why
 * set when the target is refused (--public-only) or cannot be resolved.
 * Connects out only; never sends DATA.
 */
MP_API enum mp_status mp_audit_smtp_port(const struct mp_audit_smtp_opts *o, unsigned port,
                                         enum mp_audit_port_mode mode, struct mp_arena *a,
                                         struct mp_audit_port **out, struct mp_why *why);
/* Recompute port->findings from port->obs and port->tls (used by the
 * driver; public for tests). detail strings live in arena. */
MP_API enum mp_status mp_audit_smtp_findings(struct mp_audit_port *port, struct mp_arena *a);
/* Is this address private, loopback, link-local, unspecified or reserved
 * for documentation (IPv4 or IPv6, text form)? */
MP_API bool mp_audit_addr_is_private(const char *addr);

/* ---- reverse DNS of sending servers (`audit rdns`) ---- */
struct mp_audit_rdns {
	struct mp_str ip;               /* normalised text form */
	struct mp_str reverse;          /* the in-addr.arpa / ip6.arpa name asked */
	enum mp_dns_status ptr_status;
	size_t nnames;                  /* PTR names (at most MP_LIMIT_AUDIT_PTR_NAMES kept) */
	struct mp_str names[MP_LIMIT_AUDIT_PTR_NAMES];
	struct mp_str name;             /* the confirmed name, else the first PTR name, else "" */
	bool confirmed;                 /* forward-confirmed: name's A/AAAA include ip */
	bool dynamic;                   /* name looks like a dynamic address pool */
	struct mp_str dynamic_hint;     /* what made it look so */
	bool helo_checked, helo_match;  /* helo given; equal to a PTR name */
	size_t nfindings;
	struct mp_audit_finding findings[8];
};

/* Reverse DNS of ip through r: PTR present, forward-confirmed, dynamic-
 * looking, matching helo (empty: not checked). Result in arena. MP_EINVAL
 * with why when ip is not an address; DNS failures are findings
 * (dns-temperror), never a pass. */
MP_API enum mp_status mp_audit_rdns(struct mp_resolver *r, struct mp_str ip, struct mp_str helo,
                                    struct mp_arena *a, struct mp_audit_rdns **out,
                                    struct mp_why *why);
/* Does name look like a dynamic pool's for address addr (4 or 16 bytes):
 * the address's numbers in it, or words such as "dynamic", "dhcp",
 * "pool"? hint says which (a static string or in arena). */
MP_API bool mp_audit_name_looks_dynamic(struct mp_str name, const uint8_t *addr, size_t addr_len,
                                        struct mp_arena *a, struct mp_str *hint);

/* ---- is this sending server in the domain's SPF (`audit sender`) ---- */
struct mp_audit_sender {
	struct mp_str ip, domain;
	struct mp_spf_outcome spf;      /* check_host(ip, domain, postmaster@domain) */
	size_t nfindings;
	struct mp_audit_finding findings[2];
};

/* SPF check_host() for ip and domain through r (RFC 7208 §4). now: %{t}
 * (0: time(NULL)). Result in arena; MP_EINVAL with why for a bad ip. */
MP_API enum mp_status mp_audit_sender(struct mp_resolver *r, struct mp_str domain, struct mp_str ip,
                                      long now, struct mp_arena *a, struct mp_audit_sender **out,
                                      struct mp_why *why);

#endif
