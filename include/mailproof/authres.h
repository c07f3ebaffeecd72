/* mailproof/authres.h - RFC 8601 Authentication-Results and RFC 7208 §9.1
 * Received-SPF: builders that quote every value that needs it (so a value
 * can never be read back as something else), and parsers for the full
 * grammar (CFWS and comments anywhere, quoted strings, versions, "none").
 *
 * The milter uses mp_authres_parse / mp_authres_has_id to find forged
 * fields carrying our authserv-id (RFC 8601 §5) and remove them.
 */
#ifndef MAILPROOF_AUTHRES_H
#define MAILPROOF_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* ptype.property=value, e.g. smtp.mailfrom=example.com (RFC 8601 §2.3). */
struct mp_authres_prop {
	struct mp_str ptype;       /* "smtp", "header", "body", "policy" */
	struct mp_str property;    /* "mailfrom", "d", "from", "b" */
	struct mp_str value;       /* unquoted */
};

/* One resinfo: method[/version]=result [reason=...] [(comment)] props. */
struct mp_authres_result {
	struct mp_str method;      /* "spf", "dkim", "dmarc", "arc", "iprev", "auth" */
	bool has_version;          /* "dkim/1" */
	unsigned version;
	struct mp_str result;      /* "pass", "fail", ... */
	struct mp_str reason;      /* reason= value unquoted; ptr NULL when absent */
	struct mp_str comment;     /* comment text, unescaped; several are joined by
	                            * one space; ptr NULL when absent */
	size_t nprops;
	struct mp_authres_prop *props;
};

struct mp_authres {
	struct mp_str authserv_id; /* unquoted */
	bool has_version;          /* authres-version after the authserv-id */
	unsigned version;
	size_t n;                  /* 0: "none" */
	struct mp_authres_result *results;
};

/* Append the field value (what follows "Authentication-Results:", starting
 * with a space) to out: one resinfo per line, folded with eol + TAB, long
 * resinfos folded between items before column 78. Values are written bare
 * only when they are an RFC 2045 token or local-part@domain; otherwise as a
 * quoted-string. MP_EINVAL when a method/result/ptype/property is not a
 * keyword, a value holds control bytes or malformed UTF-8, or there are
 * more than MP_LIMIT_AUTHRES_RESULTS/PROPS entries; MP_ELIMIT/MP_ENOMEM
 * from out. out is unchanged on error only up to its previous length. */
MP_API enum mp_status mp_authres_build(const struct mp_authres *ar, struct mp_str eol,
                                       struct mp_buf *out);

/* Parse an Authentication-Results field value (folded or not). Views point
 * into value or into arena a. Malformed input: MP_OK with why set (AUTHRES_*)
 * and out->authserv_id still set when it could be read, so forged fields
 * with our id are recognised even when the rest is garbage. MP_ELIMIT with
 * why for the limits, MP_ENOMEM. */
MP_API enum mp_status mp_authres_parse(struct mp_str value, struct mp_arena *a,
                                       struct mp_authres *out, struct mp_why *why);

/* Does this field value carry authserv-id id (ASCII case-insensitive)?
 * Reads only the authserv-id; no allocation. */
MP_API bool mp_authres_has_id(struct mp_str value, struct mp_str id);

/* ---- Received-SPF (RFC 7208 §9.1) ---- */
struct mp_spf_kv {
	struct mp_str key;         /* client-ip envelope-from helo problem receiver
	                            * identity mechanism, or another name */
	struct mp_str value;       /* unquoted */
};

struct mp_received_spf {
	struct mp_str result;      /* "pass", "softfail", ... */
	struct mp_str comment;     /* ptr NULL when absent */
	size_t n;
	struct mp_spf_kv *kv;
};

/* Append the Received-SPF field value (starting with a space): result,
 * comment, then key=value pairs separated by "; ", values bare when they
 * are a dot-atom, else quoted-strings. Same errors as mp_authres_build. */
MP_API enum mp_status mp_received_spf_build(const struct mp_received_spf *r,
                                            struct mp_str eol, struct mp_buf *out);

/* Parse a Received-SPF field value; malformed: MP_OK with why set. */
MP_API enum mp_status mp_received_spf_parse(struct mp_str value, struct mp_arena *a,
                                            struct mp_received_spf *out,
                                            struct mp_why *why);

#endif
