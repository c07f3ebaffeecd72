/* test_check_records.c - MTA-STS (RFC 8461 §3.1), TLS-RPT (RFC 8460 §3)
 * and BIMI (draft-brand-indicators-for-message-identification §4.2)
 * record syntax, check_records.c: one row per record with the exact reason
 * (NULL: valid). Every row also goes through the tag splitter, is re-joined
 * as "name=value; " and must keep its verdict (the fuzz target's
 * parse -> format -> parse invariant). A few records also go through a
 * whole check on zone data: state, error and finding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "check_internal.h"

/* R - a record with its length, so NUL bytes are part of it */
#define R(s) { s, sizeof(s) - 1 }

#define STS "v=STSv1; id=1; "
#define RPT "v=TLSRPTv1; rua="
#define BIMI "v=BIMI1; "

#define CTL "control character (NUL, CR, LF...) in record"
#define CASE_V "tag names are case-sensitive: write v="
#define ID_BAD "id= must be 1 to 32 letters or digits"
#define EXT_NAME "extension tag name must be a letter or digit then up to 31 letters, " \
	"digits, '_', '-' or '.'"
#define EXT_VALUE "extension tag value must be printable ASCII without spaces or '='"
#define MAILTO_DOMAIN "rua= mailto: domain is not a fully qualified host name"
#define MAILTO_LOCAL "rua= mailto: address has an empty local part or misplaced dots"
#define MAILTO_AT "rua= mailto: address must be local-part@domain"
#define RUA_CHAR "rua= URI has a character that must be percent-encoded"
#define RUA_NO_HOST "rua= https: URI has no host after https://"
#define L_NO_HOST "l= https: URI has no host after https://"
#define L_FQDN "l= https: URI host must be a fully qualified domain name"

static const struct record_case {
	const char *name;
	enum slot_kind kind;
	struct {
		const char *ptr;
		size_t len;
	} rec;
	const char *want;           /* the exact reason; NULL: valid */
} cases[] = {
	/* MTA-STS */
	{ "sts rfc example", K_MTA_STS, R("v=STSv1; id=20160831085700Z;"), NULL },
	{ "sts no final semicolon", K_MTA_STS, R("v=STSv1; id=abc123"), NULL },
	{ "sts no spaces", K_MTA_STS, R("v=STSv1;id=1"), NULL },
	{ "sts wsp around separators", K_MTA_STS, R("v=STSv1 ;\tid=1 ; "), NULL },
	{ "sts id of 32", K_MTA_STS, R("v=STSv1; id=12345678901234567890123456789012"), NULL },
	{ "sts extension", K_MTA_STS, R(STS "ext-name.v_2=va:lue/x"), NULL },
	{ "sts extension name of 32", K_MTA_STS, R(STS "a2345678901234567890123456789012=x"), NULL },
	{ "sts V= upper case", K_MTA_STS, R("V=STSv1; id=1"), CASE_V },
	{ "sts version lower case", K_MTA_STS, R("v=stsv1; id=1"), "version must be STSv1" },
	{ "sts version STSv2", K_MTA_STS, R("v=STSv2; id=1"), "version must be STSv1" },
	{ "sts no separator after version", K_MTA_STS, R("v=STSv1 id=1"), "version must be STSv1" },
	{ "sts ID= upper case", K_MTA_STS, R("v=STSv1; ID=1"), "tag names are case-sensitive: write id=" },
	{ "sts Id= mixed case", K_MTA_STS, R("v=STSv1; Id=1"), "tag names are case-sensitive: write id=" },
	{ "sts ID= beside id=", K_MTA_STS, R("v=STSv1; id=1; ID=2"), "tag names are case-sensitive: write id=" },
	{ "sts id= twice", K_MTA_STS, R("v=STSv1; id=1; id=2"), "duplicate tag" },
	{ "sts space before =", K_MTA_STS, R("v=STSv1; id =1"), "space before '=' (the record's grammar has none)" },
	{ "sts space after =", K_MTA_STS, R("v=STSv1; id= 1"), "space after '=' (the record's grammar has none)" },
	{ "sts space around v=", K_MTA_STS, R("v = STSv1; id=1"), "space before '=' (the record's grammar has none)" },
	{ "sts no id", K_MTA_STS, R("v=STSv1;"), "id= is missing" },
	{ "sts id of 33", K_MTA_STS, R("v=STSv1; id=123456789012345678901234567890123"), ID_BAD },
	{ "sts id with dashes", K_MTA_STS, R("v=STSv1; id=2024-01-01"), ID_BAD },
	{ "sts id empty", K_MTA_STS, R("v=STSv1; id="), ID_BAD },
	{ "sts id with a space", K_MTA_STS, R("v=STSv1; id=a b"), ID_BAD },
	{ "sts id non-ascii", K_MTA_STS, R("v=STSv1; id=\xc3\xa9"), ID_BAD },
	{ "sts nul in id", K_MTA_STS, R("v=STSv1; id=a\0b"), CTL },
	{ "sts crlf between tags", K_MTA_STS, R("v=STSv1;\r\n id=1"), CTL },
	{ "sts trailing crlf", K_MTA_STS, R("v=STSv1; id=1\r\n"), CTL },
	{ "sts trailing nul", K_MTA_STS, R("v=STSv1; id=1\0"), CTL },
	{ "sts del", K_MTA_STS, R("v=STSv1; id=1\x7f"), CTL },
	{ "sts escape", K_MTA_STS, R("v=STSv1; id=1; x=\x1b"), CTL },
	{ "sts extension empty", K_MTA_STS, R(STS "foo="), "extension tag has an empty value" },
	{ "sts extension with =", K_MTA_STS, R(STS "foo=a=b"), EXT_VALUE },
	{ "sts extension with a space", K_MTA_STS, R(STS "foo=a b"), EXT_VALUE },
	{ "sts extension with a tab", K_MTA_STS, R(STS "foo=a\tb"), EXT_VALUE },
	{ "sts extension non-ascii", K_MTA_STS, R(STS "foo=\xc3\xa9"), EXT_VALUE },
	{ "sts extension name starts with _", K_MTA_STS, R(STS "_foo=x"), EXT_NAME },
	{ "sts extension name of 33", K_MTA_STS, R(STS "a23456789012345678901234567890123=x"), EXT_NAME },
	{ "sts id first", K_MTA_STS, R("id=1; v=STSv1"), "v= must come first" },
	{ "sts duplicate id", K_MTA_STS, R("v=STSv1; id=1; id=2"), "duplicate tag" },
	{ "sts empty", K_MTA_STS, R(""), "v= must come first" },
	{ "sts only semicolons", K_MTA_STS, R(";;;"), "expected tag=value" },
	{ "sts empty field", K_MTA_STS, R("v=STSv1;; id=1"), "expected tag=value" },
	{ "sts no equals", K_MTA_STS, R("v=STSv1; id"), "expected tag=value" },

	/* TLS-RPT */
	{ "tlsrpt rfc mailto example", K_TLSRPT, R("v=TLSRPTv1;rua=mailto:reports@example.com"), NULL },
	{ "tlsrpt rfc https example", K_TLSRPT, R(RPT "https://reporting.example.com/v1/tlsrpt"), NULL },
	{ "tlsrpt space after rua=", K_TLSRPT, R("v=TLSRPTv1; rua= mailto:a@example.com"),
	  "space after '=' (the record's grammar has none)" },
	{ "tlsrpt space before =", K_TLSRPT, R("v=TLSRPTv1; rua =mailto:a@example.com"),
	  "space before '=' (the record's grammar has none)" },
	{ "tlsrpt two uris", K_TLSRPT, R(RPT "mailto:a@example.com,https://r.example.com/tls"), NULL },
	{ "tlsrpt wsp around the comma", K_TLSRPT, R(RPT "mailto:a@example.com \t, https://r.example.com"),
	  NULL },
	{ "tlsrpt upper-case schemes", K_TLSRPT, R(RPT "MAILTO:a@example.com,HTTPS://r.example.com"),
	  NULL },
	{ "tlsrpt https port and query", K_TLSRPT, R(RPT "https://r.example.com:8443/v1?x=1&y=%20#f"),
	  NULL },
	{ "tlsrpt https absolute host", K_TLSRPT, R(RPT "https://r.example.com./tls"), NULL },
	{ "tlsrpt https ipv4", K_TLSRPT, R(RPT "https://192.0.2.1/tls"), NULL },
	{ "tlsrpt https ipv6", K_TLSRPT, R(RPT "https://[2001:db8::1]:443/tls"), NULL },
	{ "tlsrpt mailto hfields", K_TLSRPT, R(RPT "mailto:a@example.com?subject=tls&x=%3D"), NULL },
	{ "tlsrpt mailto pct local", K_TLSRPT, R(RPT "mailto:first.last%2Btls@example.com"), NULL },
	{ "tlsrpt mailto two addresses", K_TLSRPT, R(RPT "mailto:a@example.com%2cb@example.org"), NULL },
	{ "tlsrpt extension", K_TLSRPT, R(RPT "mailto:a@example.com; x-ext.1=yes;"), NULL },
	{ "tlsrpt mailto empty domain", K_TLSRPT, R(RPT "mailto:a@"), MAILTO_DOMAIN },
	{ "tlsrpt mailto one label", K_TLSRPT, R(RPT "mailto:a@example"), MAILTO_DOMAIN },
	{ "tlsrpt mailto numeric top label", K_TLSRPT, R(RPT "mailto:a@192.0.2.1"), MAILTO_DOMAIN },
	{ "tlsrpt mailto hyphen label", K_TLSRPT, R(RPT "mailto:a@-x.example.com"), MAILTO_DOMAIN },
	{ "tlsrpt mailto empty label", K_TLSRPT, R(RPT "mailto:a@example..com"), MAILTO_DOMAIN },
	{ "tlsrpt mailto trailing dot", K_TLSRPT, R(RPT "mailto:a@example.com."), MAILTO_DOMAIN },
	{ "tlsrpt mailto underscore", K_TLSRPT, R(RPT "mailto:a@ex_ample.com"), MAILTO_DOMAIN },
	{ "tlsrpt mailto label of 64", K_TLSRPT,
	  R(RPT "mailto:a@a234567890123456789012345678901234567890123456789012345678901234.com"),
	  MAILTO_DOMAIN },
	{ "tlsrpt mailto address literal", K_TLSRPT, R(RPT "mailto:a@[192.0.2.1]"), MAILTO_DOMAIN },
	{ "tlsrpt mailto empty local", K_TLSRPT, R(RPT "mailto:@example.com"), MAILTO_LOCAL },
	{ "tlsrpt mailto double dot", K_TLSRPT, R(RPT "mailto:a..b@example.com"), MAILTO_LOCAL },
	{ "tlsrpt mailto leading dot", K_TLSRPT, R(RPT "mailto:.a@example.com"), MAILTO_LOCAL },
	{ "tlsrpt mailto no address", K_TLSRPT, R(RPT "mailto:"), "rua= mailto: URI has no address" },
	{ "tlsrpt mailto only hfields", K_TLSRPT, R(RPT "mailto:?to=a@example.com"),
	  "rua= mailto: URI has no address" },
	{ "tlsrpt mailto trailing %2C", K_TLSRPT, R(RPT "mailto:a@example.com%2C"),
	  "rua= mailto: URI has no address" },
	{ "tlsrpt mailto no @", K_TLSRPT, R(RPT "mailto:tlsrpt"), MAILTO_AT },
	{ "tlsrpt mailto two @", K_TLSRPT, R(RPT "mailto:a@b@example.com"), MAILTO_AT },
	{ "tlsrpt mailto raw <", K_TLSRPT, R(RPT "mailto:a<b@example.com"),
	  "rua= mailto: local part has a character that must be percent-encoded" },
	{ "tlsrpt mailto bad %", K_TLSRPT, R(RPT "mailto:a%2@example.com"),
	  "rua= mailto: local part has a character that must be percent-encoded" },
	{ "tlsrpt mailto hfield without =", K_TLSRPT, R(RPT "mailto:a@example.com?subject"),
	  "rua= mailto: ?header=value fields are malformed" },
	{ "tlsrpt mailto empty hfields", K_TLSRPT, R(RPT "mailto:a@example.com?"),
	  "rua= mailto: ?header=value fields are malformed" },
	{ "tlsrpt mailto size suffix", K_TLSRPT, R(RPT "mailto:a@example.com!10m"),
	  "rua= URI must percent-encode '!' as %21 (RFC 8460 §3)" },
	{ "tlsrpt space inside a uri", K_TLSRPT, R(RPT "mailto:a b@example.com"),
	  "rua= URIs must be separated by commas, not spaces" },
	{ "tlsrpt tab inside a uri", K_TLSRPT, R(RPT "mailto:a\t@example.com"),
	  "rua= URIs must be separated by commas, not spaces" },
	{ "tlsrpt https bare", K_TLSRPT, R(RPT "https://"), RUA_NO_HOST },
	{ "tlsrpt https no slashes", K_TLSRPT, R(RPT "https:"), RUA_NO_HOST },
	{ "tlsrpt https one slash", K_TLSRPT, R(RPT "https:/r.example.com"), RUA_NO_HOST },
	{ "tlsrpt https empty host", K_TLSRPT, R(RPT "https:///tls"), RUA_NO_HOST },
	{ "tlsrpt https port only", K_TLSRPT, R(RPT "https://:443/tls"), RUA_NO_HOST },
	{ "tlsrpt https userinfo", K_TLSRPT, R(RPT "https://u:p@r.example.com/"),
	  "rua= https: URI must not carry user@ before the host" },
	{ "tlsrpt https big port", K_TLSRPT, R(RPT "https://r.example.com:65536/"),
	  "rua= https: URI port is not a number up to 65535" },
	{ "tlsrpt https word port", K_TLSRPT, R(RPT "https://r.example.com:https/"),
	  "rua= https: URI port is not a number up to 65535" },
	{ "tlsrpt https bad host", K_TLSRPT, R(RPT "https://r_1.example.com/"),
	  "rua= https: URI host must be a domain name or IP address" },
	{ "tlsrpt https unclosed ipv6", K_TLSRPT, R(RPT "https://[2001:db8::1/"),
	  "rua= https: URI host must be a domain name or IP address" },
	{ "tlsrpt https raw <", K_TLSRPT, R(RPT "https://r.example.com/<x>"), RUA_CHAR },
	{ "tlsrpt https bad %", K_TLSRPT, R(RPT "https://r.example.com/%zz"), RUA_CHAR },
	{ "tlsrpt https two #", K_TLSRPT, R(RPT "https://r.example.com/#a#b"), RUA_CHAR },
	{ "tlsrpt https non-ascii", K_TLSRPT, R(RPT "https://r.example.com/\xc3\xa9"), RUA_CHAR },
	{ "tlsrpt http", K_TLSRPT, R(RPT "http://r.example.com/"), "rua= must use https:, not http:" },
	{ "tlsrpt ftp", K_TLSRPT, R(RPT "ftp://x"), "rua= must list mailto: or https: URIs" },
	{ "tlsrpt bare address", K_TLSRPT, R(RPT "a@example.com"),
	  "rua= must list mailto: or https: URIs" },
	{ "tlsrpt rua empty", K_TLSRPT, R(RPT), "rua= is empty: it must list mailto: or https: URIs" },
	{ "tlsrpt trailing comma", K_TLSRPT, R(RPT "mailto:a@example.com,"),
	  "rua= has an empty item between commas" },
	{ "tlsrpt leading comma", K_TLSRPT, R(RPT ",mailto:a@example.com"),
	  "rua= has an empty item between commas" },
	{ "tlsrpt nul in rua", K_TLSRPT, R(RPT "mailto:a\0@example.com"), CTL },
	{ "tlsrpt lf in rua", K_TLSRPT, R(RPT "mailto:a@example.com\n"), CTL },
	{ "tlsrpt version 2", K_TLSRPT, R("v=TLSRPTv2; rua=mailto:a@example.com"),
	  "version must be TLSRPTv1" },
	{ "tlsrpt version lower case", K_TLSRPT, R("v=tlsrptv1; rua=mailto:a@example.com"),
	  "version must be TLSRPTv1" },
	{ "tlsrpt V= upper case", K_TLSRPT, R("V=TLSRPTv1; rua=mailto:a@example.com"), CASE_V },
	{ "tlsrpt RUA= upper case", K_TLSRPT, R("v=TLSRPTv1; RUA=mailto:a@example.com"),
	  "tag names are case-sensitive: write rua=" },
	{ "tlsrpt no rua", K_TLSRPT, R("v=TLSRPTv1;"), "rua= is missing" },
	{ "tlsrpt bad extension", K_TLSRPT, R(RPT "mailto:a@example.com; x=a b"), EXT_VALUE },

	/* BIMI */
	{ "bimi logo and evidence", K_BIMI,
	  R(BIMI "l=https://example.com/logo.svg; a=https://example.com/vmc.pem"), NULL },
	{ "bimi logo only", K_BIMI, R(BIMI "l=https://example.com/logo.svg;"), NULL },
	{ "bimi wsp around =", K_BIMI, R("v = BIMI1; l = https://example.com/logo.svg"), NULL },
	{ "bimi declination", K_BIMI, R(BIMI "l=; a=;"), NULL },
	{ "bimi declination without a=", K_BIMI, R(BIMI "l="), NULL },
	{ "bimi empty l= with evidence", K_BIMI, R(BIMI "l=; a=https://example.com/vmc.pem"), NULL },
	{ "bimi upper-case scheme", K_BIMI, R(BIMI "l=HTTPS://example.com/logo.svg"), NULL },
	{ "bimi unknown tag ignored", K_BIMI, R(BIMI "l=; avp=brand; x_1=a b"), NULL },
	{ "bimi l=https:// bare", K_BIMI, R(BIMI "l=https://"), L_NO_HOST },
	{ "bimi l=https:", K_BIMI, R(BIMI "l=https:"), L_NO_HOST },
	{ "bimi l= without host", K_BIMI, R(BIMI "l=https:///logo.svg"), L_NO_HOST },
	{ "bimi l= single label", K_BIMI, R(BIMI "l=https://localhost/logo.svg"), L_FQDN },
	{ "bimi l= ipv4", K_BIMI, R(BIMI "l=https://192.0.2.1/logo.svg"), L_FQDN },
	{ "bimi l= ipv6", K_BIMI, R(BIMI "l=https://[2001:db8::1]/logo.svg"), L_FQDN },
	{ "bimi l= userinfo", K_BIMI, R(BIMI "l=https://u@example.com/logo.svg"),
	  "l= https: URI must not carry user@ before the host" },
	{ "bimi l= http", K_BIMI, R(BIMI "l=http://example.com/logo.svg"), "l= must be an https: URL" },
	{ "bimi l= two uris", K_BIMI, R(BIMI "l=https://a.example/1.svg,https://b.example/2.svg"),
	  "l= must be one URI (a comma is encoded %2C)" },
	{ "bimi l= with a space", K_BIMI, R(BIMI "l=https://a.example/1 2.svg"),
	  "l= must be one URI (a comma is encoded %2C)" },
	{ "bimi l= raw quote", K_BIMI, R(BIMI "l=https://a.example/\"x\".svg"),
	  "l= URI has a character that must be percent-encoded" },
	{ "bimi a= ftp", K_BIMI, R(BIMI "l=https://example.com/logo.svg; a=ftp://x"),
	  "a= must be an https: URL" },
	{ "bimi a=https:// bare", K_BIMI, R(BIMI "l=; a=https://"),
	  "a= https: URI has no host after https://" },
	{ "bimi V= upper case", K_BIMI, R("V=BIMI1; l="), CASE_V },
	{ "bimi version 2", K_BIMI, R("v=BIMI2; l="), "version must be BIMI1" },
	{ "bimi version lower case", K_BIMI, R("v=bimi1; l="), "version must be BIMI1" },
	{ "bimi L= upper case", K_BIMI, R(BIMI "L=https://example.com/logo.svg"),
	  "tag names are case-sensitive: write l=" },
	{ "bimi A= upper case", K_BIMI, R(BIMI "l=; A="), "tag names are case-sensitive: write a=" },
	{ "bimi no l=", K_BIMI, R(BIMI "a=https://example.com/vmc.pem"), "l= is missing" },
	{ "bimi nul in l=", K_BIMI, R(BIMI "l=https://example.com/\0.svg"), CTL },
	{ "bimi tag name with a digit first", K_BIMI, R(BIMI "l=; 1x=y"),
	  "tag name must start with a letter (RFC 6376 §3.2)" },
	{ "bimi tag name with a dash", K_BIMI, R(BIMI "l=; x-y=z"),
	  "tag name must be letters, digits or '_' (RFC 6376 §3.2)" },
	{ "bimi tag value non-ascii", K_BIMI, R(BIMI "l=; x=\xc3\xa9"),
	  "tag value must be printable ASCII (RFC 6376 §3.2)" },
	{ "bimi too many tags", K_BIMI, R(BIMI "l=; t1=x; t2=x; t3=x; t4=x; t5=x; t6=x; t7=x; t8=x; "
	  "t9=x; t10=x; t11=x; t12=x; t13=x; t14=x; t15=x; t16=x; t17=x; t18=x; t19=x; t20=x; "
	  "t21=x; t22=x; t23=x; t24=x; t25=x; t26=x; t27=x; t28=x; t29=x; t30=x; t31=x"),
	  "too many tags" },
};

/* verdict_of - check_record_validate on a row's bytes */
static const char *
verdict_of(enum slot_kind kind, const char *ptr, size_t len)
{
	return check_record_validate(kind, mp_str_make(ptr, len));
}

/* test_records - each row's exact reason */
static void
test_records(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct record_case *c = &cases[i];
		const char *got = verdict_of(c->kind, c->rec.ptr, c->rec.len);

		if ((got == NULL) != (c->want == NULL) || (got != NULL && strcmp(got, c->want) != 0)) {
			print_error("%s: want %s, got %s\n", c->name, c->want ? c->want : "valid",
			    got ? got : "valid");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* test_rejoin - splitting and re-joining a record keeps its verdict */
static void
test_rejoin(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct record_case *c = &cases[i];
		struct check_tag tags[MP_LIMIT_CHECK_TAGS];
		const char *err, *got;
		struct mp_buf joined;
		size_t n;

		if (!check_tags(mp_str_make(c->rec.ptr, c->rec.len), tags, MP_LIMIT_CHECK_TAGS, &n, &err,
		    c->kind != K_BIMI)) {
			assert_non_null(c->want);
			assert_string_equal(err, c->want);
			continue;
		}
		mp_buf_init(&joined, 4096);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(mp_buf_append_str(&joined, tags[j].name), MP_OK);
			assert_int_equal(mp_buf_append_c(&joined, "="), MP_OK);
			assert_int_equal(mp_buf_append_str(&joined, tags[j].value), MP_OK);
			assert_int_equal(mp_buf_append_c(&joined, "; "), MP_OK);
		}
		got = check_record_validate(c->kind, mp_buf_str(&joined));
		if (c->want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, c->want);
		mp_buf_fini(&joined);
	}
}

/* test_split - the splitter's views, names with "-" and ".", WSP trimmed */
static void
test_split(void **state)
{
	struct check_tag tags[4];
	const char *err;
	size_t n;

	(void)state;
	/* DMARC's rules: WSP around '=' and any case */
	assert_true(check_tags(MP_STR_LIT(" v=STSv1 ;\tid = 1 ; ext-a.b= x y ;"), tags, 4, &n, &err,
	    false));
	assert_null(err);
	assert_int_equal(n, 3);
	assert_true(mp_str_eq_c(tags[0].name, "v") && mp_str_eq_c(tags[0].value, "STSv1"));
	assert_true(mp_str_eq_c(tags[1].name, "id") && mp_str_eq_c(tags[1].value, "1"));
	assert_true(mp_str_eq_c(tags[2].name, "ext-a.b") && mp_str_eq_c(tags[2].value, "x y"));
	assert_ptr_equal(check_tag_get(tags, n, "ID"), &tags[1]);
	assert_null(check_tag_get(tags, n, "rua"));

	assert_false(check_tags(MP_STR_LIT("a=1; b=2; c=3; d=4; e=5"), tags, 4, &n, &err, false));
	assert_string_equal(err, "too many tags");
	assert_false(check_tags(MP_STR_LIT("a=1;\r\n\tb=2"), tags, 4, &n, &err, false));
	assert_string_equal(err, CTL);
	assert_false(check_tags(MP_STR_LIT("a=1; A=2"), tags, 4, &n, &err, false));
	assert_string_equal(err, "duplicate tag");

	/* strict (RFC 8461/8460): WSP around ';' only, names as spelt */
	assert_true(check_tags(MP_STR_LIT(" v=STSv1 ;\tid=1 ; ext-a.b=x y ;"), tags, 4, &n, &err, true));
	assert_int_equal(n, 3);
	assert_true(mp_str_eq_c(tags[2].value, "x y"));
	assert_false(check_tags(MP_STR_LIT("v=STSv1; id = 1"), tags, 4, &n, &err, true));
	assert_string_equal(err, "space before '=' (the record's grammar has none)");
	assert_false(check_tags(MP_STR_LIT("v=STSv1; id=\t1"), tags, 4, &n, &err, true));
	assert_string_equal(err, "space after '=' (the record's grammar has none)");
	assert_true(check_tags(MP_STR_LIT("a=1; A=2"), tags, 4, &n, &err, true));
	assert_int_equal(n, 2);
	assert_false(check_tags(MP_STR_LIT("a=1; a=2"), tags, 4, &n, &err, true));
	assert_string_equal(err, "duplicate tag");
}

/* One whole check: the domain's three records and what must come out. */
static const struct engine_case {
	const char *name;
	const char *sts, *rpt, *bimi;          /* TXT rdata in zone syntax */
	enum mp_check_state want[3];           /* mta_sts, tls_rpt, bimi */
	const char *message[3];                /* finding text when invalid */
} engine_cases[] = {
	{ "all three valid, rua split across strings", "\"v=STSv1; id=1\"",
	  "\"v=TLSRPTv1; rua=mailto:tls@exa\" \"mple.com\"",
	  "\"v=BIMI1; l=https://example.com/l.svg\"",
	  { MP_CHECK_ST_PRESENT, MP_CHECK_ST_PRESENT, MP_CHECK_ST_PRESENT }, { NULL, NULL, NULL } },
	{ "upper-case V=, empty mailto domain, bare https://", "\"V=STSv1; id=1\"",
	  "\"v=TLSRPTv1; rua=mailto:a@\"", "\"v=BIMI1; l=https://\"",
	  { MP_CHECK_ST_INVALID, MP_CHECK_ST_INVALID, MP_CHECK_ST_INVALID },
	  { "STSv1 record: " CASE_V, "TLSRPTv1 record: " MAILTO_DOMAIN, "BIMI1 record: " L_NO_HOST } },
	{ "NUL bytes inside values", "\"v=STSv1; id=a\\000b\"",
	  "\"v=TLSRPTv1; rua=mailto:a\\000@example.com\"", "\"v=BIMI1; l=\\000\"",
	  { MP_CHECK_ST_INVALID, MP_CHECK_ST_INVALID, MP_CHECK_ST_INVALID },
	  { "STSv1 record: " CTL, "TLSRPTv1 record: " CTL, "BIMI1 record: " CTL } },
	{ "declination", "\"v=STSv1; id=20240101\"", "\"v=TLSRPTv1; rua=https://r.example.com/\"",
	  "\"v=BIMI1; l=; a=;\"",
	  { MP_CHECK_ST_PRESENT, MP_CHECK_ST_PRESENT, MP_CHECK_ST_PRESENT }, { NULL, NULL, NULL } },
};

/* finding_text - the message of the finding with that token, or NULL */
static const char *
finding_text(const struct mp_check_result *r, const char *token, char *buf, size_t max)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (strcmp(mp_reason_token(r->findings[i].id), token) == 0) {
			size_t len = r->findings[i].message.len < max - 1 ? r->findings[i].message.len :
			    max - 1;

			memcpy(buf, r->findings[i].message.ptr, len);
			buf[len] = '\0';
			return buf;
		}
	return NULL;
}

/* test_engine - records as a check finds them in DNS */
static void
test_engine(void **state)
{
	static const char *const tokens[3] = { "mta-sts-syntax", "tlsrpt-syntax", "bimi-syntax" };

	(void)state;
	for (size_t i = 0; i < sizeof engine_cases / sizeof engine_cases[0]; i++) {
		const struct engine_case *k = &engine_cases[i];
		struct mp_check_opts o = { 0 };
		struct mp_dns_client cl;
		struct mp_zone *z = mp_zone_new();
		struct mp_resolver *r;
		struct mp_check *c;
		const struct mp_check_result *res;
		const struct mp_check_txt *txt[3];
		struct mp_why why;
		char zone[1024], buf[512];

		assert_non_null(z);
		snprintf(zone, sizeof zone, "r.test. MX 10 mx.r.test.\nmx.r.test. A 192.0.2.1\n_mta-sts.r.test. TXT %s\n"
		    "_smtp._tls.r.test. TXT %s\ndefault._bimi.r.test. TXT %s\n", k->sts, k->rpt, k->bimi);
		mp_why_clear(&why);
		if (mp_zone_parse(z, mp_str_c(zone), "case", MP_STR_LIT(""), &why) != MP_OK)
			fail_msg("%s: zone: %s", k->name, why.text);
		r = mp_resolver_new_zone(z);
		assert_non_null(r);
		o.probe_label = MP_STR_LIT("nx-probe");
		c = mp_check_new(MP_STR_LIT("r.test"), &o);
		assert_non_null(c);
		mp_check_client(c, &cl);
		assert_int_equal(mp_dns_drive(r, &cl), MP_OK);
		res = mp_check_result(c);
		assert_non_null(res);
		txt[0] = &res->mta_sts;
		txt[1] = &res->tls_rpt;
		txt[2] = &res->bimi;
		for (size_t j = 0; j < 3; j++) {
			const char *got = finding_text(res, tokens[j], buf, sizeof buf);

			if (txt[j]->state != k->want[j])
				fail_msg("%s: %s state %d, want %d", k->name, tokens[j], (int)txt[j]->state,
				    (int)k->want[j]);
			if (k->message[j] == NULL)
				assert_null(got);
			else if (got == NULL || strcmp(got, k->message[j]) != 0)
				fail_msg("%s: want [%s], got [%s]", k->name, k->message[j],
				    got ? got : "(no finding)");
		}
		mp_check_free(c);
		mp_resolver_free(r);
		mp_zone_free(z);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_rejoin),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
