/* check_records.c - syntax of the transport and brand records a check
 * reports on: MTA-STS (RFC 8461 §3.1, TXT at _mta-sts), TLS-RPT (RFC 8460
 * §3, TXT at _smtp._tls) and BIMI (draft-brand-indicators-for-message-
 * identification §4.2, TXT at default._bimi). SPF, DMARC and DKIM records
 * are parsed by their own areas, never here. Tag names are case-sensitive
 * in all three (%s"v=", %x76); URIs are RFC 3986 https: (with a host) and
 * RFC 6068 mailto: (one or more addr-specs). Part of one check.
 */
#include <stdint.h>
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>

#include "check_internal.h"

/* RFC 8461 §3.1 and RFC 8460 §3: sts-id is 1*32(ALPHA / DIGIT); an
 * extension name is (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
#define RECORD_ID_MAX 32
#define RECORD_EXT_NAME_MAX 32
#define RECORD_PORT_MAX 65535

/* is_tag_name - tag-name chars: RFC 6376 §3.2 ALNUMPUNC plus the "-" and
 * "." of RFC 8461/8460 extension names; each record checks its own form */
static bool
is_tag_name(unsigned char ch)
{
	return mp_is_alnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

/* is_ctl - RFC 5234 CTL other than HTAB (which is WSP): NUL, CR, LF, DEL */
static bool
is_ctl(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

/* check_tags - split "a=b; c=d;" into tags; duplicates and empty names
 * are errors, a trailing ';' is fine. Tags are separated by WSP and ';'
 * only (RFC 8461/8460 field-delim, RFC 7489 dmarc-sep): a control byte
 * anywhere, NUL and CR LF included, fails the record rather than being
 * folded or trimmed away. DMARC allows WSP around '=' and its tag names
 * are case-insensitive; strict (MTA-STS RFC 8461 §3.1, TLS-RPT RFC 8460
 * §3) allows no WSP around '=', and a name is a duplicate only when
 * spelt the same (ID= beside id= is a wrongly cased tag, not a second
 * id=). */
bool
check_tags(struct mp_str rec, struct check_tag *tags, size_t max, size_t *n, const char **err,
           bool strict)
{
	struct mp_cursor cur;

	*n = 0;
	*err = NULL;
	for (size_t i = 0; i < rec.len; i++)
		if (is_ctl((unsigned char)rec.ptr[i])) {
			*err = "control character (NUL, CR, LF...) in record";
			return false;
		}
	mp_cur_init(&cur, rec);
	while (!mp_cur_eof(&cur)) {
		struct mp_str name, value;
		const char *at;

		mp_cur_skip_wsp(&cur);
		if (mp_cur_eof(&cur))
			break;
		mp_cur_span(&cur, &name, is_tag_name, 64);
		at = cur.p;
		mp_cur_skip_wsp(&cur);
		if (strict && cur.p != at && !cur.err) {
			*err = "space before '=' (the record's grammar has none)";
			return false;
		}
		mp_cur_expect(&cur, '=');
		if (strict && !cur.err && !mp_cur_eof(&cur) && mp_is_wsp((unsigned char)*cur.p)) {
			*err = "space after '=' (the record's grammar has none)";
			return false;
		}
		mp_cur_until(&cur, &value, ';', MP_LIMIT_DNS_RDATA);
		if (cur.err) {
			*err = "expected tag=value";
			return false;
		}
		mp_cur_accept(&cur, ';');
		for (size_t i = 0; i < *n; i++)
			if (strict ? mp_str_eq(tags[i].name, name) : mp_str_eq_nocase(tags[i].name, name)) {
				*err = "duplicate tag";
				return false;
			}
		if (*n >= max) {
			*err = "too many tags";
			return false;
		}
		tags[*n].name = name;
		tags[(*n)++].value = mp_str_trim(value);
	}
	return true;
}

/* check_tag_get - the tag called name (any case), or NULL */
const struct check_tag *
check_tag_get(const struct check_tag *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (mp_str_eq_nocase_c(tags[i].name, name))
			return &tags[i];
	return NULL;
}

/* tag_exact - the tag called exactly name (case-sensitive), or NULL */
static const struct check_tag *
tag_exact(const struct check_tag *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (mp_str_eq_c(tags[i].name, name))
			return &tags[i];
	return NULL;
}

/* is_unreserved - RFC 3986 §2.3 */
static bool
is_unreserved(unsigned char ch)
{
	return mp_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* in_set - ch is one of set (never the NUL that ends set) */
static bool
in_set(unsigned char ch, const char *set)
{
	return ch != '\0' && strchr(set, ch) != NULL;
}

/* pct_ok - s[i] is '%' followed by two hex digits (RFC 3986 §2.1) */
static bool
pct_ok(struct mp_str s, size_t i)
{
	return i + 2 < s.len && mp_is_hex((unsigned char)s.ptr[i + 1]) &&
	       mp_is_hex((unsigned char)s.ptr[i + 2]);
}

/* host_name_ok - LDH labels of 1-63, no '-' at either end, at most 253
 * chars (RFC 1035 §2.3.1, RFC 1123 §2.1); fqdn: two labels or more and a
 * top label that is not all digits (so not an IPv4 address) */
static bool
host_name_ok(struct mp_str h, bool fqdn)
{
	size_t start = 0, labels = 0;
	bool digits = true;

	if (h.len == 0 || h.len > MP_LIMIT_DNS_NAME - 2)
		return false;
	for (size_t i = 0; i <= h.len; i++) {
		size_t len;

		if (i < h.len && h.ptr[i] != '.') {
			if (!mp_is_ldh((unsigned char)h.ptr[i]))
				return false;
			continue;
		}
		len = i - start;
		if (len == 0 || len > MP_LIMIT_DNS_LABEL || h.ptr[start] == '-' ||
		    h.ptr[i - 1] == '-')
			return false;
		digits = true;
		for (size_t j = start; j < i; j++)
			digits = digits && mp_is_digit((unsigned char)h.ptr[j]);
		labels++;
		start = i + 1;
	}
	return !fqdn || (labels >= 2 && !digits);
}

/* The messages of a URI check, one set per tag that holds URIs. */
enum uri_err {
	URI_HOST_MISSING, URI_HOST_BAD, URI_USERINFO, URI_PORT, URI_CHAR,
	URI_MAILTO_EMPTY, URI_MAILTO_AT, URI_MAILTO_LOCAL, URI_MAILTO_LOCAL_CHAR,
	URI_MAILTO_DOMAIN, URI_MAILTO_HFIELDS, URI_NERR
};
enum uri_tag { URI_RUA, URI_L, URI_A, URI_NTAGS };

#define URI_MESSAGES(t, host)                                                        \
	{ t " https: URI has no host after https://",                                   \
	  t " https: URI host must be " host,                                           \
	  t " https: URI must not carry user@ before the host",                         \
	  t " https: URI port is not a number up to 65535",                             \
	  t " URI has a character that must be percent-encoded",                        \
	  t " mailto: URI has no address",                                              \
	  t " mailto: address must be local-part@domain",                               \
	  t " mailto: address has an empty local part or misplaced dots",               \
	  t " mailto: local part has a character that must be percent-encoded",         \
	  t " mailto: domain is not a fully qualified host name",                       \
	  t " mailto: ?header=value fields are malformed" }

static const char *const uri_messages[URI_NTAGS][URI_NERR] = {
	URI_MESSAGES("rua=", "a domain name or IP address"),
	URI_MESSAGES("l=", "a fully qualified domain name"),
	URI_MESSAGES("a=", "a fully qualified domain name"),
};

/* uri_chars_ok - path, query and fragment: pchar (RFC 3986 §3.3), "/" and
 * "?", at most one "#" */
static bool
uri_chars_ok(struct mp_str s)
{
	bool fragment = false;

	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];

		if (ch == '%' && !pct_ok(s, i))
			return false;
		if (ch == '#') {
			if (fragment)
				return false;
			fragment = true;
			continue;
		}
		if (!is_unreserved(ch) && ch != '%' && !in_set(ch, "!$&'()*+,;=:@/?"))
			return false;
	}
	return true;
}

/* https_check - "https://" host [":" port] [path etc.] (RFC 3986 §3, RFC
 * 9110 §4.2.2: no userinfo); fqdn asks a domain name, not an address */
static int
https_check(struct mp_str u, bool fqdn)
{
	struct mp_str auth;
	size_t i, colon;

	u = mp_str_make(u.ptr + 6, u.len - 6);      /* after "https:" */
	if (u.len < 2 || u.ptr[0] != '/' || u.ptr[1] != '/')
		return URI_HOST_MISSING;
	u = mp_str_make(u.ptr + 2, u.len - 2);
	for (i = 0; i < u.len && !in_set((unsigned char)u.ptr[i], "/?#"); i++)
		;
	auth = mp_str_make(u.ptr, i);
	if (mp_str_find(auth, '@') >= 0)
		return URI_USERINFO;
	colon = auth.len;
	if (auth.len > 0 && auth.ptr[0] == '[') {         /* IP-literal */
		ptrdiff_t close = mp_str_find(auth, ']');

		if (close < 0 || fqdn)
			return URI_HOST_BAD;
		if (close == 1)
			return URI_HOST_MISSING;
		for (size_t j = 1; j < (size_t)close; j++)
			if (!mp_is_hex((unsigned char)auth.ptr[j]) &&
			    !in_set((unsigned char)auth.ptr[j], ":."))
				return URI_HOST_BAD;
		colon = (size_t)close + 1;
		if (colon < auth.len && auth.ptr[colon] != ':')
			return URI_HOST_BAD;
	} else {
		ptrdiff_t c = mp_str_find(auth, ':');
		struct mp_str host;

		if (c >= 0)
			colon = (size_t)c;
		host = mp_str_make(auth.ptr, colon);
		if (host.len > 1 && host.ptr[host.len - 1] == '.')
			host.len--;                 /* "example.com." is absolute */
		if (host.len == 0)
			return URI_HOST_MISSING;
		if (!host_name_ok(host, fqdn))
			return URI_HOST_BAD;
	}
	if (colon < auth.len) {
		struct mp_str port = mp_str_make(auth.ptr + colon + 1, auth.len - colon - 1);
		uint64_t v;

		if (port.len > 0 && !mp_parse_u64(port, RECORD_PORT_MAX, &v))
			return URI_PORT;
	}
	if (!uri_chars_ok(mp_str_make(u.ptr + i, u.len - i)))
		return URI_CHAR;
	return URI_NERR;
}

/* local_ok - dot-atom-text (RFC 5322 §3.2.3) as it stands in a URI:
 * atext that needs no encoding, or %HH; dots only between atoms */
static int
local_ok(struct mp_str l)
{
	if (l.len == 0 || l.ptr[0] == '.' || l.ptr[l.len - 1] == '.')
		return URI_MAILTO_LOCAL;
	for (size_t i = 0; i < l.len; i++) {
		unsigned char ch = (unsigned char)l.ptr[i];

		if (ch == '.' && l.ptr[i + 1] == '.')
			return URI_MAILTO_LOCAL;
		if (ch == '%' ? !pct_ok(l, i) :
		    !is_unreserved(ch) && !in_set(ch, "!$'*+=/"))
			return URI_MAILTO_LOCAL_CHAR;
	}
	return URI_NERR;
}

/* addr_check - one addr-spec: local "@" a host name (no address literal) */
static int
addr_check(struct mp_str a)
{
	ptrdiff_t at = mp_str_find(a, '@');
	struct mp_str domain;
	int e;

	if (a.len == 0)
		return URI_MAILTO_EMPTY;
	if (at < 0)
		return URI_MAILTO_AT;
	if ((e = local_ok(mp_str_make(a.ptr, (size_t)at))) != URI_NERR)
		return e;
	domain = mp_str_make(a.ptr + at + 1, a.len - (size_t)at - 1);
	if (mp_str_find(domain, '@') >= 0)
		return URI_MAILTO_AT;
	if (!host_name_ok(domain, true))
		return URI_MAILTO_DOMAIN;
	return URI_NERR;
}

/* hfields_ok - hfield *("&" hfield), hfield = *qchar "=" *qchar (RFC 6068 §2) */
static bool
hfields_ok(struct mp_str h)
{
	size_t start = 0;

	for (size_t i = 0; i <= h.len; i++) {
		size_t eq = 0;

		if (i < h.len && h.ptr[i] != '&')
			continue;
		for (size_t j = start; j < i; j++) {
			unsigned char ch = (unsigned char)h.ptr[j];

			if (ch == '=' && eq++ > 0)
				return false;
			if (ch == '%' ? !pct_ok(h, j) :
			    ch != '=' && !is_unreserved(ch) && !in_set(ch, "!$'()*+,;:@"))
				return false;
		}
		if (eq != 1)
			return false;
		start = i + 1;
	}
	return true;
}

/* mailto_check - "mailto:" addr-spec *("%2C" addr-spec) ["?" hfields]
 * (RFC 6068 §2; the comma is encoded inside a TLS-RPT list) */
static int
mailto_check(struct mp_str u)
{
	ptrdiff_t q;
	struct mp_str to;
	size_t start = 0;
	int e;

	u = mp_str_make(u.ptr + 7, u.len - 7);      /* after "mailto:" */
	q = mp_str_find(u, '?');
	to = q < 0 ? u : mp_str_make(u.ptr, (size_t)q);
	if (q >= 0 && !hfields_ok(mp_str_make(u.ptr + q + 1, u.len - (size_t)q - 1)))
		return URI_MAILTO_HFIELDS;
	if (to.len == 0)
		return URI_MAILTO_EMPTY;
	for (size_t i = 0; i <= to.len; i++) {
		if (i < to.len && !(i + 2 < to.len && to.ptr[i] == '%' && to.ptr[i + 1] == '2' &&
		    (to.ptr[i + 2] | 0x20) == 'c'))
			continue;
		if ((e = addr_check(mp_str_make(to.ptr + start, i - start))) != URI_NERR)
			return e;
		start = i + 3;
		i += 2;
	}
	return URI_NERR;
}

/* has_wsp - a space or tab inside v */
static bool
has_wsp(struct mp_str v)
{
	return mp_str_find(v, ' ') >= 0 || mp_str_find(v, '\t') >= 0;
}

/* sts_id - 1*32(ALPHA / DIGIT) (RFC 8461 §3.1) */
static const char *
sts_id(struct mp_str v)
{
	if (v.len == 0 || v.len > RECORD_ID_MAX)
		return "id= must be 1 to 32 letters or digits";
	for (size_t i = 0; i < v.len; i++)
		if (!mp_is_alnum((unsigned char)v.ptr[i]))
			return "id= must be 1 to 32 letters or digits";
	return NULL;
}

/* tlsrpt_rua - tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri) (RFC 8460 §3): each a
 * mailto: or https: URI, with "," "!" ";" percent-encoded */
static const char *
tlsrpt_rua(struct mp_str v)
{
	size_t start = 0;

	if (v.len == 0)
		return "rua= is empty: it must list mailto: or https: URIs";
	for (size_t i = 0; i <= v.len; i++) {
		struct mp_str u;
		int e;

		if (i < v.len && v.ptr[i] != ',')
			continue;
		u = mp_str_trim(mp_str_make(v.ptr + start, i - start));
		start = i + 1;
		if (u.len == 0)
			return "rua= has an empty item between commas";
		if (has_wsp(u))
			return "rua= URIs must be separated by commas, not spaces";
		if (mp_str_find(u, '!') >= 0)
			return "rua= URI must percent-encode '!' as %21 (RFC 8460 §3)";
		if (mp_str_starts_nocase(u, MP_STR_LIT("mailto:")))
			e = mailto_check(u);
		else if (mp_str_starts_nocase(u, MP_STR_LIT("https:")))
			e = https_check(u, false);
		else if (mp_str_starts_nocase(u, MP_STR_LIT("http:")))
			return "rua= must use https:, not http:";
		else
			return "rua= must list mailto: or https: URIs";
		if (e != URI_NERR)
			return uri_messages[URI_RUA][e];
	}
	return NULL;
}

/* bimi_uri - empty (declined) or one https: URI with a fully qualified
 * domain name (BIMI draft §4.2: l= and a=) */
static const char *
bimi_uri(struct mp_str v, enum uri_tag t)
{
	static const char *const single[] = { NULL, "l= must be one URI (a comma is encoded %2C)",
		"a= must be one URI (a comma is encoded %2C)" };
	static const char *const scheme[] = { NULL, "l= must be an https: URL",
		"a= must be an https: URL" };
	int e;

	if (v.len == 0)
		return NULL;
	if (mp_str_find(v, ',') >= 0 || has_wsp(v))
		return single[t];
	if (!mp_str_starts_nocase(v, MP_STR_LIT("https:")))
		return scheme[t];
	if ((e = https_check(v, true)) != URI_NERR)
		return uri_messages[t][e];
	return NULL;
}

/* bimi_l - l= location of the indicator */
static const char *
bimi_l(struct mp_str v)
{
	return bimi_uri(v, URI_L);
}

/* bimi_a - a= location of the evidence document */
static const char *
bimi_a(struct mp_str v)
{
	return bimi_uri(v, URI_A);
}

/* ext_tag - RFC 8461/8460 extension: sts-ext-name "=" sts-ext-value */
static const char *
ext_tag(const struct check_tag *t)
{
	if (t->name.len > RECORD_EXT_NAME_MAX || !mp_is_alnum((unsigned char)t->name.ptr[0]))
		return "extension tag name must be a letter or digit then up to 31 letters, "
		       "digits, '_', '-' or '.'";
	if (t->value.len == 0)
		return "extension tag has an empty value";
	for (size_t i = 0; i < t->value.len; i++)
		if (!mp_is_vchar((unsigned char)t->value.ptr[i]) || t->value.ptr[i] == '=')
			return "extension tag value must be printable ASCII without spaces or '='";
	return NULL;
}

/* dkim_style_tag - BIMI's other tags follow RFC 6376 §3.2: tag-name is
 * ALPHA *ALNUMPUNC, tag-value is VALCHARs with WSP between them */
static const char *
dkim_style_tag(const struct check_tag *t)
{
	if (!mp_is_alpha((unsigned char)t->name.ptr[0]))
		return "tag name must start with a letter (RFC 6376 §3.2)";
	for (size_t i = 0; i < t->name.len; i++)
		if (!mp_is_alnum((unsigned char)t->name.ptr[i]) && t->name.ptr[i] != '_')
			return "tag name must be letters, digits or '_' (RFC 6376 §3.2)";
	for (size_t i = 0; i < t->value.len; i++)
		if (!mp_is_vchar((unsigned char)t->value.ptr[i]) &&
		    !mp_is_wsp((unsigned char)t->value.ptr[i]))
			return "tag value must be printable ASCII (RFC 6376 §3.2)";
	return NULL;
}

typedef const char *record_tag_fn(struct mp_str value);

/* The tags each record defines; every other tag is an extension. */
static const struct record_tag {
	enum slot_kind kind;
	const char *name;
	record_tag_fn *check;
	const char *missing;     /* required: the error when absent */
	const char *wrong_case;  /* the error for the name in another case */
} record_tags[] = {
	{ K_MTA_STS, "id", sts_id, "id= is missing",
	  "tag names are case-sensitive: write id=" },
	{ K_TLSRPT, "rua", tlsrpt_rua, "rua= is missing",
	  "tag names are case-sensitive: write rua=" },
	{ K_BIMI, "l", bimi_l, "l= is missing", "tag names are case-sensitive: write l=" },
	{ K_BIMI, "a", bimi_a, NULL, "tag names are case-sensitive: write a=" },
};

/* The version each record starts with (a literal: %s"v=STSv1" etc.). */
static const struct record_version {
	enum slot_kind kind;
	const char *version;
	const char *wrong;
} record_versions[] = {
	{ K_MTA_STS, "STSv1", "version must be STSv1" },
	{ K_TLSRPT, "TLSRPTv1", "version must be TLSRPTv1" },
	{ K_BIMI, "BIMI1", "version must be BIMI1" },
};

/* record_tag - one tag after v=: a defined tag's value, or an extension */
static const char *
record_tag(enum slot_kind kind, const struct check_tag *t)
{
	for (size_t i = 0; i < sizeof record_tags / sizeof record_tags[0]; i++) {
		const struct record_tag *r = &record_tags[i];

		if (r->kind != kind)
			continue;
		if (mp_str_eq_c(t->name, r->name))
			return r->check(t->value);
		if (mp_str_eq_nocase_c(t->name, r->name))
			return r->wrong_case;
	}
	return kind == K_BIMI ? dkim_style_tag(t) : ext_tag(t);
}

/* check_record_validate - one record of a kind; returns an error text or NULL */
const char *
check_record_validate(enum slot_kind kind, struct mp_str rec)
{
	struct check_tag tags[MP_LIMIT_CHECK_TAGS];
	const struct record_version *v = NULL;
	const char *err;
	size_t n;

	for (size_t i = 0; i < sizeof record_versions / sizeof record_versions[0]; i++)
		if (record_versions[i].kind == kind)
			v = &record_versions[i];
	if (v == NULL)
		return NULL;
	if (!check_tags(rec, tags, MP_LIMIT_CHECK_TAGS, &n, &err, kind != K_BIMI))
		return err;
	if (n == 0 || !mp_str_eq_nocase_c(tags[0].name, "v"))
		return "v= must come first";
	if (!mp_str_eq_c(tags[0].name, "v"))
		return "tag names are case-sensitive: write v=";
	if (!mp_str_eq_c(tags[0].value, v->version))
		return v->wrong;
	for (size_t i = 1; i < n; i++)
		if ((err = record_tag(kind, &tags[i])) != NULL)
			return err;
	for (size_t i = 0; i < sizeof record_tags / sizeof record_tags[0]; i++)
		if (record_tags[i].kind == kind && record_tags[i].missing != NULL &&
		    tag_exact(tags, n, record_tags[i].name) == NULL)
			return record_tags[i].missing;
	return NULL;
}
/* check_records_answer - MTA-STS, TLS-RPT or BIMI TXT answer */
void
check_records_answer(struct mp_check *c, struct slot *s)
{
	static const struct {
		enum slot_kind kind;
		const char *prefix;
		enum mp_reason syntax;
	} kinds[] = {
		{ K_MTA_STS, "v=STSv1", MP_REASON_CHECK_MTA_STS_SYNTAX },
		{ K_TLSRPT, "v=TLSRPTv1", MP_REASON_CHECK_TLSRPT_SYNTAX },
		{ K_BIMI, "v=BIMI1", MP_REASON_CHECK_BIMI_SYNTAX },
	};
	struct mp_check_txt *t;
	const char *err;
	size_t i, n;

	for (i = 0; i < sizeof kinds / sizeof kinds[0] && kinds[i].kind != s->kind; i++)
		;
	if (i == sizeof kinds / sizeof kinds[0])
		return;
	t = s->kind == K_MTA_STS ? &c->res.mta_sts : s->kind == K_TLSRPT ? &c->res.tls_rpt :
	    &c->res.bimi;
	t->state = check_state_of(s->ans);
	if (t->state != MP_CHECK_ST_PRESENT)
		return;
	n = check_txt_select(s->ans, kinds[i].prefix, ';', &t->record);
	t->record = mp_arena_strdup(&c->arena, t->record);
	if (n == 0) {
		t->state = MP_CHECK_ST_ABSENT;
		return;
	}
	if (n > 1 && s->kind == K_MTA_STS) {
		t->state = MP_CHECK_ST_INVALID;
		t->error = MP_STR_LIT("more than one v=STSv1 record");
		check_find(c, MP_REASON_CHECK_MTA_STS_MULTIPLE, NULL,
		    "_mta-sts.%s has %zu v=STSv1 records: senders ignore MTA-STS (RFC 8461 §3.1)",
		    c->domain.ptr, n);
		return;
	}
	if ((err = check_record_validate(s->kind, t->record)) != NULL) {
		t->state = MP_CHECK_ST_INVALID;
		t->error = mp_str_c(err);
		check_find(c, kinds[i].syntax, NULL, "%s record: %s", kinds[i].prefix + 2, err);
	}
}

/* check_records_rules - cross-record findings (TLS-RPT, BIMI) */
void
check_records_rules(struct mp_check *c)
{
	struct mp_check_result *r = &c->res;
	bool dane = false;

	for (size_t i = 0; i < r->mx.nhosts; i++)
		dane = dane || r->mx.hosts[i].tlsa == MP_CHECK_ST_PRESENT;
	if ((r->mta_sts.state == MP_CHECK_ST_PRESENT || dane) && r->tls_rpt.state == MP_CHECK_ST_ABSENT)
		check_find(c, MP_REASON_CHECK_TLSRPT_MISSING,
		    check_printf(c, "_smtp._tls.%s. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"",
		    c->domain.ptr, c->domain.ptr).ptr,
		    "%s is used but no TLS-RPT record says where failure reports go",
		    dane ? "DANE" : "MTA-STS");
	if (r->bimi.state == MP_CHECK_ST_PRESENT && r->dmarc.state == MP_CHECK_ST_PRESENT &&
	    (mp_str_eq_c(r->dmarc.p, "none") || r->dmarc.pct < 100))
		check_find(c, MP_REASON_CHECK_BIMI_NEEDS_ENFORCEMENT, NULL,
		    "BIMI logos are shown only with DMARC p=quarantine or p=reject at pct=100");
}
