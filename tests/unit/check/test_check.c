/* test_check.c - `mailproof check` rules on zone data: each case is a
 * small zone, a domain, the verdict and one finding id that must (or must
 * not) be there. Plus the JSON shape, 80-column text, and a failure loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>
#include <mailproof/str.h>

/* Public keys (SPKI, base64) of 512, 1024 and 2048 bits, split in TXT strings. */
#define KEY512 "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANtfnFuv/BoiSSJsBbCcSe+Si2NHnCZDhykLsGGVSrBm7rO3EBbQsea2aF8m0ysL1eZoBN560sZjOoyuEIOyfUMCAwEAAQ=="
#define KEY1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDQyP/uOaRbJ+4ssItTF1oUZBU9vhCJdnP4ktKekU1raTRh4lX9XuvZykRUhn29/fcBY9vQGDqZGggUq4/GsgaCt4ZNoFn4sebhcS1ejxERcohR8krT4AqqzqtPeEHgApwtIsqaMy/VTYBeAiX82Nsx3sIUTJCP65DW\" \"2lBwZetkpwIDAQAB"
#define KEY2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA36n1y2AtScNcUWg41DVnNFOGhIQ0wD70sTxaqmwY1zerYYQDuiWH6FDyJ7ptoMj2XrTTbMR3CdzNR/g8iJDKuVEZZgBZAUINgv3kIkaecELaK7np2Vwd3rKBpgtCrS/J0a2oO5goLYRyDO9Qjm3t2M0IEHlD\" \"y8VkdLaWNWWnAZeLjBNGew/dbEa4ddqfhZBvd3ecP6meL9dVLoTX+sIp8dTeat+/yNhi62gb1+1JGFMsoGCmMvKQdulH3Z5DatZI9d++ppYmNrSW7BhpUnoE1b7X1Of30oKf6YnhA5ZF6e+lCwMOJckaDi4BUu/jJ2yyFGmn5prN3WoNZ/vtNPACxwIDAQAB"
#define KEY_ED25519 "xZUdZjItLoFps0GzsrffBbL8/iQrTXMydbbybhz/oBE="

/* A domain that does everything right, under good.test; cases add to it. */
#define GOOD                                                                   \
	"good.test. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"                    \
	"good.test. MX 10 mx.good.test.\n"                                     \
	"mx.good.test. A 192.0.2.10\n"                                         \
	"10.2.0.192.in-addr.arpa. PTR mx.good.test.\n"                         \
	"_dmarc.good.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@good.test\"\n" \
	"selector1._domainkey.good.test. TXT \"v=DKIM1; k=rsa; p=" KEY2048 "\"\n"

/* The same posture for another name d (MX and DKIM included). */
#define SENDER(d, spf, dmarc)                                                  \
	d ". TXT \"" spf "\"\n"                                                \
	d ". MX 10 mx.good.test.\n"                                            \
	"_dmarc." d ". TXT \"" dmarc "\"\n"                                    \
	"selector1._domainkey." d ". TXT \"v=DKIM1; k=rsa; p=" KEY2048 "\"\n"

/* Eleven SPF records to include: one over the limit of 10. */
#define INCLUDES \
"i1.good.test. TXT \"v=spf1 ip4:198.51.100.1 -all\"\n" \
"i2.good.test. TXT \"v=spf1 ip4:198.51.100.2 -all\"\n" \
"i3.good.test. TXT \"v=spf1 ip4:198.51.100.3 -all\"\n" \
"i4.good.test. TXT \"v=spf1 ip4:198.51.100.4 -all\"\n" \
"i5.good.test. TXT \"v=spf1 ip4:198.51.100.5 -all\"\n" \
"i6.good.test. TXT \"v=spf1 ip4:198.51.100.6 -all\"\n" \
"i7.good.test. TXT \"v=spf1 ip4:198.51.100.7 -all\"\n" \
"i8.good.test. TXT \"v=spf1 ip4:198.51.100.8 -all\"\n" \
"i9.good.test. TXT \"v=spf1 ip4:198.51.100.9 -all\"\n" \
"i10.good.test. TXT \"v=spf1 ip4:198.51.100.10 -all\"\n" \
"i11.good.test. TXT \"v=spf1 ip4:198.51.100.11 -all\"\n"
#define SPF_11 "v=spf1 include:i1.good.test include:i2.good.test include:i3.good.test include:i4.good.test include:i5.good.test include:i6.good.test include:i7.good.test include:i8.good.test include:i9.good.test include:i10.good.test include:i11.good.test -all"

#define SPF_OK "v=spf1 ip4:192.0.2.0/24 -all"

struct fail {
	const char *name;
	uint16_t type;
	enum mp_dns_status status;
};

static const struct check_case {
	const char *name;
	const char *zone;
	const char *domain;
	enum mp_check_verdict want;      /* -1: do not compare */
	const char *finding;             /* token that must be there; NULL: none asked */
	const char *absent;              /* token that must not be there; NULL: none */
	struct fail fail;
} cases[] = {
	/* DMARC */
	{ "dmarc missing", SENDER("a.test", SPF_OK, "x") "", "a.test", MP_CHECK_UNPROTECTED,
	  "dmarc-missing", NULL, { 0 } },
	{ "dmarc p=none", GOOD SENDER("a.test", SPF_OK, "v=DMARC1; p=none; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "dmarc-policy-none", NULL, { 0 } },
	{ "dmarc pct below 100", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; pct=50; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "dmarc-pct", NULL, { 0 } },
	{ "dmarc t=y", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; t=y; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "dmarc-testing", NULL, { 0 } },
	{ "dmarc sp=none", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; sp=none; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "dmarc-sp-none", NULL, { 0 } },
	{ "dmarc np=none", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; np=none; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "dmarc-np-none", NULL, { 0 } },
	{ "dmarc no rua", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject"),
	  "a.test", -1, "dmarc-no-rua", NULL, { 0 } },
	{ "dmarc rua present", GOOD, "good.test", -1, NULL, "dmarc-no-rua", { 0 } },
	{ "dmarc inherited from the organizational domain",
	  GOOD "sub.good.test. TXT \"" SPF_OK "\"\nsub.good.test. MX 10 mx.good.test.\n",
	  "sub.good.test", -1, "dmarc-inherited", "dmarc-missing", { 0 } },
	{ "dmarc two records", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject")
	  "_dmarc.a.test. TXT \"v=DMARC1; p=none\"\n", "a.test", MP_CHECK_UNPROTECTED,
	  "dmarc-multiple", NULL, { 0 } },
	{ "dmarc without policy or rua", SENDER("a.test", SPF_OK, "v=DMARC1; p=bogus"),
	  "a.test", MP_CHECK_UNPROTECTED, "dmarc-syntax", NULL, { 0 } },
	{ "dmarc servfail is unknown, not missing", GOOD, "good.test", MP_CHECK_UNKNOWN,
	  "dns-error", "dmarc-missing", { "_dmarc.good.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL } },
	{ "dkim selector servfail is unknown, not protected", GOOD, "good.test", MP_CHECK_UNKNOWN,
	  "dns-error", NULL, { "google._domainkey.good.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL } },
	{ "dkim selector timeout cannot hide a worse verdict", SENDER("a.test", SPF_OK, "x") "",
	  "a.test", MP_CHECK_UNPROTECTED, "dmarc-missing", "dns-error",
	  { "google._domainkey.a.test", MP_DNS_T_TXT, MP_DNS_TIMEOUT } },
	{ "no SPF and a failed dkim probe is unknown, not nothing-can-align",
	  "n.test. MX 10 mx.good.test.\n_dmarc.n.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@n.test\"\n"
	  "unprobed._domainkey.n.test. TXT \"v=DKIM1; p=" KEY2048 "\"\n",
	  "n.test", MP_CHECK_UNKNOWN, "dns-error", "nothing-can-align",
	  { "google._domainkey.n.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL } },
	{ "no SPF and no dkim key is nothing-can-align",
	  "n.test. MX 10 mx.good.test.\n_dmarc.n.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@n.test\"\n",
	  "n.test", MP_CHECK_UNPROTECTED, "nothing-can-align", "dns-error", { 0 } },
	{ "dmarc timeout is unknown", GOOD, "good.test", MP_CHECK_UNKNOWN,
	  "dns-error", "dmarc-missing", { "_dmarc.good.test", MP_DNS_T_TXT, MP_DNS_TIMEOUT } },
	{ "dmarc external rua unauthorized",
	  SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; rua=mailto:r@reports.example"),
	  "a.test", -1, "dmarc-report-unauthorized", NULL, { 0 } },
	{ "dmarc external rua authorized",
	  SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; rua=mailto:r@reports.example")
	  "a.test._report._dmarc.reports.example. TXT \"v=DMARC1;\"\n",
	  "a.test", -1, NULL, "dmarc-report-unauthorized", { 0 } },
	{ "dmarc strict alignment noted", SENDER("a.test", SPF_OK,
	  "v=DMARC1; p=reject; adkim=s; rua=mailto:d@a.test"), "a.test", -1,
	  "dmarc-strict-alignment", NULL, { 0 } },
	{ "dmarc bad tag value", SENDER("a.test", SPF_OK,
	  "v=DMARC1; p=reject; adkim=x; rua=mailto:d@a.test"), "a.test", -1,
	  "dmarc-tag-error", NULL, { 0 } },
	/* SPF */
	{ "good domain is protected", GOOD, "good.test", MP_CHECK_PROTECTED, NULL, "dns-error", { 0 } },
	{ "spf with mx and a terms", SENDER("a.test", "v=spf1 mx a:mx.good.test -all",
	  "v=DMARC1; p=reject; rua=mailto:d@a.test") "a.test. A 192.0.2.10\n", "a.test",
	  MP_CHECK_PROTECTED, NULL, "spf-not-checked", { 0 } },
	{ "spf +all", SENDER("a.test", "v=spf1 +all", "v=DMARC1; p=reject; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_UNPROTECTED, "spf-pass-all", NULL, { 0 } },
	{ "spf ?all", SENDER("a.test", "v=spf1 ip4:192.0.2.1 ?all", "v=DMARC1; p=reject; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "spf-neutral-all", NULL, { 0 } },
	{ "spf without all", SENDER("a.test", "v=spf1 ip4:192.0.2.1", "v=DMARC1; p=reject; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "spf-no-all", NULL, { 0 } },
	{ "spf ~all is fine with dmarc reject", SENDER("a.test", "v=spf1 ip4:192.0.2.1 ~all",
	  "v=DMARC1; p=reject; rua=mailto:d@a.test"), "a.test", MP_CHECK_PROTECTED,
	  "spf-softfail-all", NULL, { 0 } },
	{ "spf syntax error", SENDER("a.test", "v=spf1 ip4:192.0.2.300 -all",
	  "v=DMARC1; p=reject; rua=mailto:d@a.test"), "a.test", MP_CHECK_UNPROTECTED,
	  "spf-syntax", NULL, { 0 } },
	{ "spf ptr", SENDER("a.test", "v=spf1 ptr -all", "v=DMARC1; p=reject; rua=mailto:d@a.test"),
	  "a.test", -1, "spf-ptr", NULL, { 0 } },
	{ "spf 11 lookups", INCLUDES SENDER("a.test", SPF_11, "v=DMARC1; p=reject; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "spf-too-many-lookups", NULL, { 0 } },
	{ "spf include without spf", SENDER("a.test", "v=spf1 include:gone.good.test -all",
	  "v=DMARC1; p=reject; rua=mailto:d@a.test"), "a.test", MP_CHECK_UNPROTECTED,
	  "spf-include-broken", NULL, { 0 } },
	{ "spf include servfail is unknown", INCLUDES SENDER("a.test", "v=spf1 include:i1.good.test -all",
	  "v=DMARC1; p=reject; rua=mailto:d@a.test"), "a.test", MP_CHECK_UNKNOWN, "dns-error",
	  "spf-include-broken", { "i1.good.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL } },
	{ "spf missing", SENDER("a.test", "x", "v=DMARC1; p=reject; rua=mailto:d@a.test"),
	  "a.test", MP_CHECK_AT_RISK, "spf-missing", NULL, { 0 } },
	{ "spf two records", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject; rua=mailto:d@a.test")
	  "a.test. TXT \"v=spf1 -all\"\n", "a.test", MP_CHECK_UNPROTECTED, "spf-multiple", NULL, { 0 } },
	{ "spf servfail is unknown", GOOD, "good.test", MP_CHECK_UNKNOWN, "dns-error", "spf-missing",
	  { "good.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL } },
	{ "neither spf nor dkim", "a.test. MX 10 mx.good.test.\n"
	  "_dmarc.a.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@a.test\"\n",
	  "a.test", MP_CHECK_UNPROTECTED, "nothing-can-align", NULL, { 0 } },
	/* DKIM */
	{ "dkim not found", "a.test. TXT \"" SPF_OK "\"\na.test. MX 10 mx.good.test.\n"
	  "_dmarc.a.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@a.test\"\n",
	  "a.test", -1, "dkim-not-found", "nothing-can-align", { 0 } },
	{ "microsoft 365 without dkim", GOOD "m.test. MX 0 m-test.mail.protection.outlook.com.\n"
	  "m.test. TXT \"v=spf1 include:spf.protection.outlook.com -all\"\n",
	  "m.test", -1, "dkim-provider-not-enabled", NULL, { 0 } },
	{ "microsoft 365 with dkim", GOOD "m.test. MX 0 m-test.mail.protection.outlook.com.\n"
	  "selector1._domainkey.m.test. CNAME selector1-m-test._domainkey.t.onmicrosoft.com.\n"
	  "selector1-m-test._domainkey.t.onmicrosoft.com. TXT \"v=DKIM1; p=" KEY2048 "\"\n",
	  "m.test", -1, NULL, "dkim-provider-not-enabled", { 0 } },
	{ "google workspace without dkim", GOOD "g.test. MX 1 aspmx.l.google.com.\n",
	  "g.test", -1, "dkim-provider-not-enabled", NULL, { 0 } },
	{ "dkim found", GOOD, "good.test", -1, NULL, "dkim-not-found", { 0 } },
	{ "dkim 2048-bit key is fine", GOOD, "good.test", -1, NULL, "dkim-key-weak", { 0 } },
	{ "dkim 1024-bit key is weak", GOOD "google._domainkey.good.test. TXT \"v=DKIM1; p=" KEY1024
	  "\"\n", "good.test", MP_CHECK_AT_RISK, "dkim-key-weak", NULL, { 0 } },
	{ "dkim 512-bit key is broken", GOOD "k1._domainkey.good.test. TXT \"v=DKIM1; p=" KEY512
	  "\"\n", "good.test", MP_CHECK_AT_RISK, "dkim-key-broken", NULL, { 0 } },
	{ "dkim ed25519 key", GOOD "s1._domainkey.good.test. TXT \"v=DKIM1; k=ed25519; p="
	  KEY_ED25519 "\"\n", "good.test", -1, NULL, "dkim-key-syntax", { 0 } },
	{ "dkim revoked key", GOOD "s2._domainkey.good.test. TXT \"v=DKIM1; p=\"\n",
	  "good.test", -1, "dkim-key-revoked", NULL, { 0 } },
	{ "dkim testing key", GOOD "s2._domainkey.good.test. TXT \"v=DKIM1; t=y; p=" KEY2048
	  "\"\n", "good.test", -1, "dkim-key-testing", NULL, { 0 } },
	{ "dkim key not base64", GOOD "s2._domainkey.good.test. TXT \"v=DKIM1; p=!!!\"\n",
	  "good.test", -1, "dkim-key-syntax", NULL, { 0 } },
	{ "dkim key bad version", GOOD "s2._domainkey.good.test. TXT \"v=DKIM2; p=" KEY2048
	  "\"\n", "good.test", -1, "dkim-key-syntax", NULL, { 0 } },
	/* MX */
	{ "mx missing", SENDER("a.test", SPF_OK, "v=DMARC1; p=reject")
	  "b.test. TXT \"" SPF_OK "\"\n", "b.test", -1, "mx-missing", NULL, { 0 } },
	{ "null mx", "a.test. MX 0 .\na.test. TXT \"v=spf1 -all\"\n"
	  "_dmarc.a.test. TXT \"v=DMARC1; p=reject; sp=reject; rua=mailto:d@a.test\"\n",
	  "a.test", -1, "mx-null", "nomail-lockdown", { 0 } },
	{ "null mx with other mx", GOOD "good.test. MX 0 .\n", "good.test", -1, "mx-null-mixed",
	  NULL, { 0 } },
	{ "mx host has no address", GOOD "good.test. MX 20 gone.good.test.\n", "good.test", -1,
	  "mx-unresolved", NULL, { 0 } },
	{ "mx host is a cname", GOOD "good.test. MX 20 alias.good.test.\n"
	  "alias.good.test. CNAME mx.good.test.\n", "good.test", -1, "mx-cname", NULL, { 0 } },
	{ "mx target is an ip address", GOOD "good.test. MX 20 192.0.2.77.\n", "good.test", -1,
	  "mx-ip-literal", NULL, { 0 } },
	{ "mx address without ptr", GOOD "good.test. MX 20 mx2.good.test.\n"
	  "mx2.good.test. A 192.0.2.20\n", "good.test", -1, "mx-no-ptr", NULL, { 0 } },
	{ "mx ptr not confirmed", GOOD "good.test. MX 20 mx2.good.test.\n"
	  "mx2.good.test. A 192.0.2.20\n20.2.0.192.in-addr.arpa. PTR elsewhere.good.test.\n"
	  "elsewhere.good.test. A 192.0.2.99\n", "good.test", -1, "mx-fcrdns-mismatch", NULL, { 0 } },
	{ "mx fully confirmed", GOOD, "good.test", -1, NULL, "mx-fcrdns-mismatch", { 0 } },
	{ "mx servfail is unknown", GOOD, "good.test", MP_CHECK_UNKNOWN, "dns-error", NULL,
	  { "good.test", MP_DNS_T_MX, MP_DNS_SERVFAIL } },
	/* domains that send no mail */
	{ "no-mail domain not locked down", "a.test. MX 0 .\n", "a.test", MP_CHECK_UNPROTECTED,
	  "nomail-lockdown", "nothing-can-align", { 0 } },
	{ "no-mail domain without mx", "a.test. A 192.0.2.1\n"
	  "_dmarc.a.test. TXT \"v=DMARC1; p=reject\"\n", "a.test", MP_CHECK_AT_RISK,
	  "nomail-lockdown", "nothing-can-align", { 0 } },
	{ "no-mail domain locked down", "a.test. MX 0 .\na.test. TXT \"v=spf1 -all\"\n"
	  "_dmarc.a.test. TXT \"v=DMARC1; p=reject; sp=reject; rua=mailto:d@a.test\"\n",
	  "a.test", -1, NULL, "nomail-lockdown", { 0 } },
	/* the domain itself */
	{ "domain does not exist", GOOD, "nowhere.test", MP_CHECK_UNKNOWN, "domain-not-found",
	  "dmarc-missing", { 0 } },
	{ "not a domain name", GOOD, "bad..name", MP_CHECK_UNKNOWN, "bad-domain", NULL, { 0 } },
	/* MTA-STS, TLS-RPT, BIMI, DANE */
	{ "mta-sts without id", GOOD "_mta-sts.good.test. TXT \"v=STSv1;\"\n", "good.test", -1,
	  "mta-sts-syntax", NULL, { 0 } },
	{ "mta-sts twice", GOOD "_mta-sts.good.test. TXT \"v=STSv1; id=1\"\n"
	  "_mta-sts.good.test. TXT \"v=STSv1; id=2\"\n", "good.test", -1, "mta-sts-multiple", NULL, { 0 } },
	{ "mta-sts without tls-rpt", GOOD "_mta-sts.good.test. TXT \"v=STSv1; id=20240101\"\n",
	  "good.test", -1, "tlsrpt-missing", "mta-sts-syntax", { 0 } },
	{ "mta-sts with tls-rpt", GOOD "_mta-sts.good.test. TXT \"v=STSv1; id=20240101\"\n"
	  "_smtp._tls.good.test. TXT \"v=TLSRPTv1; rua=mailto:tls@good.test\"\n",
	  "good.test", -1, NULL, "tlsrpt-missing", { 0 } },
	{ "tls-rpt bad rua", GOOD "_smtp._tls.good.test. TXT \"v=TLSRPTv1; rua=ftp://x\"\n",
	  "good.test", -1, "tlsrpt-syntax", NULL, { 0 } },
	{ "bimi http logo", GOOD "default._bimi.good.test. TXT \"v=BIMI1; l=http://x/l.svg\"\n",
	  "good.test", -1, "bimi-syntax", NULL, { 0 } },
	{ "bimi with p=none", SENDER("a.test", SPF_OK, "v=DMARC1; p=none; rua=mailto:d@a.test")
	  "default._bimi.a.test. TXT \"v=BIMI1; l=https://a.test/l.svg\"\n", "a.test",
	  MP_CHECK_AT_RISK, "bimi-needs-enforcement", NULL, { 0 } },
	{ "tlsa with bad digest length", GOOD "_25._tcp.mx.good.test. TLSA 3 1 1 abcd\n",
	  "good.test", -1, "dane-tlsa-syntax", NULL, { 0 } },
	{ "tlsa usage 1", GOOD "_25._tcp.mx.good.test. TLSA 1 1 1 "
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	  "good.test", -1, "dane-tlsa-usage", NULL, { 0 } },
};

struct run {
	struct mp_zone *zone;
	struct mp_resolver *r;
	struct mp_check *c;
	const struct mp_check_result *res;
};

/* run_setup - zone text into a zone (with f's failure injected), a
 * resolver over it and a check of domain (o, or the default options) */
static void
run_setup(struct run *rn, const char *zone, const char *domain, const struct fail *f,
          const struct mp_check_opts *o)
{
	struct mp_why why;
	struct mp_check_opts def = { 0 };

	def.probe_label = MP_STR_LIT("nx-probe");
	rn->zone = mp_zone_new();
	assert_non_null(rn->zone);
	mp_why_clear(&why);
	if (mp_zone_parse(rn->zone, mp_str_c(zone), "case", MP_STR_LIT(""), &why) != MP_OK)
		fail_msg("zone: %s", why.text);
	if (f && f->name)
		assert_int_equal(mp_zone_fail(rn->zone, mp_str_c(f->name), f->type, f->status), MP_OK);
	rn->r = mp_resolver_new_zone(rn->zone);
	assert_non_null(rn->r);
	rn->c = mp_check_new(mp_str_c(domain), o ? o : &def);
	assert_non_null(rn->c);
}

/* run_drive - answer the check's questions through cl, then its result */
static void
run_drive(struct run *rn, struct mp_dns_client *cl)
{
	assert_int_equal(mp_dns_drive(rn->r, cl), MP_OK);
	rn->res = mp_check_result(rn->c);
	assert_non_null(rn->res);
}

/* run_case - zone text into a zone, then check the domain */
static void
run_case(struct run *rn, const char *zone, const char *domain, const struct fail *f,
         const struct mp_check_opts *o)
{
	struct mp_dns_client cl;

	run_setup(rn, zone, domain, f, o);
	mp_check_client(rn->c, &cl);
	run_drive(rn, &cl);
}

static void
run_free(struct run *rn)
{
	mp_check_free(rn->c);
	mp_resolver_free(rn->r);
	mp_zone_free(rn->zone);
}

static bool
has(const struct mp_check_result *r, const char *token)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (strcmp(mp_reason_token(r->findings[i].id), token) == 0)
			return true;
	return false;
}

static void
dump(const struct mp_check_result *r)
{
	struct mp_buf b;

	mp_buf_init(&b, 1 << 20);
	mp_check_format_text(r, false, &b);
	print_message("%s\n", b.ptr ? b.ptr : "");
	mp_buf_fini(&b);
}

static void
test_cases(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct check_case *k = &cases[i];
		struct run rn;
		bool ok = true;

		run_case(&rn, k->zone, k->domain, &k->fail, NULL);
		if ((int)k->want >= 0 && rn.res->verdict != k->want) {
			print_message("case '%s': verdict %s, want %s\n", k->name,
			    mp_check_verdict_name(rn.res->verdict), mp_check_verdict_name(k->want));
			ok = false;
		}
		if (k->finding && !has(rn.res, k->finding)) {
			print_message("case '%s': finding %s missing\n", k->name, k->finding);
			ok = false;
		}
		if (k->absent && has(rn.res, k->absent)) {
			print_message("case '%s': finding %s present\n", k->name, k->absent);
			ok = false;
		}
		if (!ok) {
			dump(rn.res);
			failed++;
		}
		run_free(&rn);
	}
	assert_int_equal(failed, 0);
}

/* test_extra_selector - --selectors finds a key the built-in list misses */
static void
test_extra_selector(void **state)
{
	struct mp_check_opts o = { 0 };
	const struct mp_str sels[] = { MP_STR_LIT("custom2024") };
	struct run rn;

	(void)state;
	o.selectors = sels;
	o.nselectors = 1;
	o.probe_label = MP_STR_LIT("nx-probe");
	run_case(&rn, "a.test. MX 10 mx.good.test.\n"
	    "custom2024._domainkey.a.test. TXT \"v=DKIM1; p=" KEY2048 "\"\n", "a.test", NULL, &o);
	assert_int_equal(rn.res->dkim.nkeys, 1);
	assert_true(mp_str_eq_c(rn.res->dkim.keys[0].selector, "custom2024"));
	assert_false(has(rn.res, "dkim-not-found"));
	run_free(&rn);
}

/* Records the names a check hands to the resolver. */
struct recorder {
	struct mp_dns_client inner;
	char names[128][MP_LIMIT_DNS_NAME_TEXT + 8];
	size_t n;
};

static enum mp_status
rec_run(void *core)
{
	struct recorder *r = core;

	return r->inner.run(r->inner.core);
}

static size_t
rec_questions(void *core, const struct mp_dns_question *const **qs)
{
	struct recorder *r = core;
	size_t n = r->inner.questions(r->inner.core, qs);

	for (size_t i = 0; i < n && r->n < sizeof r->names / sizeof r->names[0]; i++)
		snprintf(r->names[r->n++], sizeof r->names[0], "%s %s",
		    mp_dns_type_name((*qs)[i]->type), (*qs)[i]->name);
	return n;
}

static enum mp_status
rec_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct recorder *r = core;

	return r->inner.answer(r->inner.core, q, a);
}

/* asked - how many recorded questions contain text */
static size_t
asked(const struct recorder *r, const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += strstr(r->names[i], text) != NULL;
	return n;
}

/* run_recorded - like run_case, recording the questions into *rec */
static void
run_recorded(struct run *rn, const char *zone, const char *domain, const struct fail *f,
             const struct mp_check_opts *o, struct recorder *rec)
{
	struct mp_dns_client cl;

	run_setup(rn, zone, domain, f, o);
	memset(rec, 0, sizeof *rec);
	mp_check_client(rn->c, &rec->inner);
	cl = (struct mp_dns_client){ rec, rec_run, rec_questions, rec_answer };
	run_drive(rn, &cl);
}

/* test_rfc8020_cut - issue 6 (bulk speed): with nothing at or below
 * _domainkey.<domain> (NXDOMAIN, RFC 8020) the 20 selectors are not asked,
 * nor _dmarc of the probe when the probe name does not exist. A failure
 * injected at a selector is then never met. An empty non-terminal
 * (NODATA), a wildcard or a CNAME still has everything asked. */
static void
test_rfc8020_cut(void **state)
{
	static struct recorder rec;
	const struct fail sel_fail = { "google._domainkey.n.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL };
	struct run rn;

	(void)state;
	/* no DKIM at all: one question instead of twenty */
	run_recorded(&rn, "n.test. TXT \"" SPF_OK "\"\nn.test. MX 10 mx.good.test.\n"
	    "_dmarc.n.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@n.test\"\n", "n.test",
	    &sel_fail, NULL, &rec);
	assert_int_equal(asked(&rec, "TXT _domainkey.n.test"), 1);
	assert_int_equal(asked(&rec, "._domainkey.n.test"), 0);
	assert_int_equal(asked(&rec, "A nx-probe.n.test"), 1);
	assert_int_equal(asked(&rec, "_dmarc.nx-probe.n.test"), 0);
	assert_int_equal(rn.res->nqueries, rec.n);
	assert_int_equal(rn.res->dkim.nprobed, 20);
	assert_int_equal(rn.res->dkim.nunknown, 0);
	assert_true(has(rn.res, "dkim-not-found"));
	assert_false(has(rn.res, "dns-error"));
	assert_int_equal(rn.res->verdict, MP_CHECK_PROTECTED);
	assert_true(mp_str_eq_c(rn.res->dmarc.nxdomain_policy, "reject"));
	run_free(&rn);

	/* a key under _domainkey (an empty non-terminal): every selector */
	run_recorded(&rn, GOOD, "good.test", NULL, NULL, &rec);
	assert_int_equal(asked(&rec, "._domainkey.good.test"), 20);
	assert_int_equal(rn.res->dkim.nkeys, 1);
	assert_int_equal(rn.res->verdict, MP_CHECK_PROTECTED);
	run_free(&rn);

	/* the probe name exists (wildcard): its _dmarc is asked */
	run_recorded(&rn, GOOD "*.good.test. A 192.0.2.1\n", "good.test", NULL, NULL, &rec);
	assert_int_equal(asked(&rec, "TXT _dmarc.nx-probe.good.test"), 1);
	run_free(&rn);

	/* NXDOMAIN at the end of a CNAME says nothing about _domainkey itself */
	run_recorded(&rn, "c.test. TXT \"" SPF_OK "\"\nc.test. MX 10 mx.good.test.\n"
	    "_dmarc.c.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@c.test\"\n"
	    "_domainkey.c.test. CNAME gone.test.\n", "c.test", NULL, NULL, &rec);
	assert_int_equal(asked(&rec, "._domainkey.c.test"), 20);
	run_free(&rn);
}

/* Provider zones for the likely probe: Google Workspace, Microsoft 365
 * (selector1/selector2 CNAMEs into onmicrosoft.com) and SendGrid. */
#define PROVIDERS                                                              \
	"aspmx.l.google.com. A 192.0.2.100\n"                                  \
	"_spf.google.com. TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n"              \
	"m-test.mail.protection.outlook.com. A 192.0.2.101\n"                  \
	"sendgrid.net. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"              \
	"selector1-m-test._domainkey.t.onmicrosoft.com. TXT \"v=DKIM1; k=rsa; p=" KEY2048 "\"\n"

#define DMARC_OK(d) "_dmarc." d ". TXT \"v=DMARC1; p=reject; rua=mailto:d@" d "\"\n"

/* How a likely-probe case is checked: the questions asked (a substring
 * of "TYPE name" and how many asked it), counts (-1: not checked) and
 * findings that must be there or not. */
struct likely_case {
	const char *name, *zone, *domain;
	enum { LIKELY, ALL, ONLY } mode;
	const struct fail *fail;
	struct {
		const char *q;
		size_t n;
	} asked[5];
	int nprobed, nskipped, nkeys, nunknown;
	int verdict;                       /* -1: not checked */
	const char *has[2], *lacks;
	const char *cname;                 /* the first key's CNAME target */
};

#define G_SENDER(d, spf) PROVIDERS DMARC_OK(d) d ". MX 1 aspmx.l.google.com.\n" d ". TXT \"" spf "\"\n"
#define M_SENDER(d) PROVIDERS DMARC_OK(d) d ". MX 0 m-test.mail.protection.outlook.com.\n" \
	d ". TXT \"v=spf1 include:spf.protection.outlook.com -all\"\n"
#define GKEY(d, sel) sel "._domainkey." d ". TXT \"v=DKIM1; p=" KEY2048 "\"\n"

static const struct fail google_servfail = { "google._domainkey.g.test", MP_DNS_T_TXT, MP_DNS_SERVFAIL };

static const struct likely_case likely_cases[] = {
	{ "Google by MX: google only, no _domainkey question",
	  G_SENDER("g.test", "v=spf1 include:_spf.google.com -all") GKEY("g.test", "google"), "g.test", LIKELY,
	  NULL, { { "._domainkey.g.test", 1 }, { "TXT _domainkey.g.test", 0 },
	  { "TXT google._domainkey.g.test", 1 } }, 1, 19, 1, 0, MP_CHECK_PROTECTED, { NULL }, NULL, NULL },
	{ "the same with every selector at once",
	  G_SENDER("g.test", "v=spf1 include:_spf.google.com -all") GKEY("g.test", "google"), "g.test", ALL,
	  NULL, { { "TXT _domainkey.g.test", 1 }, { "._domainkey.g.test", 20 } }, 20, 0, 1, 0, -1,
	  { NULL }, NULL, NULL },
	{ "Microsoft 365 by MX: selector1 (a CNAME) has the key, selector2 not needed",
	  M_SENDER("m.test")
	  "selector1._domainkey.m.test. CNAME selector1-m-test._domainkey.t.onmicrosoft.com.\n", "m.test",
	  LIKELY, NULL, { { "._domainkey.m.test", 1 }, { "TXT _domainkey.m.test", 0 },
	  { "TXT selector2._domainkey.m.test", 0 } }, -1, -1, 1, 0, -1, { NULL },
	  "dkim-provider-not-enabled", "selector1-m-test._domainkey.t.onmicrosoft.com" },
	{ "Microsoft 365 without DKIM: selector1, selector2, the rest behind _domainkey",
	  M_SENDER("m.test"), "m.test", LIKELY, NULL,
	  { { "TXT selector1._domainkey.m.test", 1 }, { "TXT selector2._domainkey.m.test", 1 },
	  { "._domainkey.m.test", 2 }, { "TXT _domainkey.m.test", 1 } }, 20, 0, 0, 0, -1,
	  { "dkim-provider-not-enabled", "dkim-not-found" }, NULL, NULL },
	{ "an ESP by SPF include (SendGrid's s1) beside Google's MX",
	  G_SENDER("e.test", "v=spf1 include:_spf.google.com ~include:sendgrid.net -all") GKEY("e.test", "s1"),
	  "e.test", LIKELY, NULL, { { "._domainkey.e.test", 2 }, { "TXT s2._domainkey.e.test", 0 },
	  { "TXT _domainkey.e.test", 0 } }, -1, -1, 1, 0, -1, { "dkim-provider-not-enabled" }, NULL, NULL },
	{ "self-hosted: _domainkey, then default/dkim/mail; a key there ends the probe",
	  GOOD "default._domainkey.good.test. TXT \"v=DKIM1; p=" KEY1024 "\"\n", "good.test", LIKELY, NULL,
	  { { "._domainkey.good.test", 3 }, { "TXT _domainkey.good.test", 1 },
	  { "TXT selector1._domainkey.good.test", 0 } }, 3, 17, 1, 0, MP_CHECK_AT_RISK, { "dkim-key-weak" },
	  NULL, NULL },
	{ "self-hosted with its key elsewhere in the list: the rest is asked",
	  GOOD, "good.test", LIKELY, NULL, { { "._domainkey.good.test", 20 },
	  { "TXT selector1._domainkey.good.test", 1 } }, 20, 0, 1, 0, MP_CHECK_PROTECTED, { NULL }, NULL, NULL },
	{ "self-hosted without DKIM: _domainkey (NXDOMAIN) answers all 20",
	  "x.test. TXT \"" SPF_OK "\"\nx.test. MX 10 mx.good.test.\n" DMARC_OK("x.test"), "x.test", LIKELY, NULL,
	  { { "._domainkey.x.test", 0 }, { "TXT _domainkey.x.test", 1 } }, 20, 0, 0, 0, -1,
	  { "dkim-not-found" }, NULL, NULL },
	{ "Google by MX without DKIM: google, then _domainkey (NXDOMAIN), done",
	  G_SENDER("n.test", "v=spf1 include:_spf.google.com -all"), "n.test", LIKELY, NULL,
	  { { "._domainkey.n.test", 1 }, { "TXT _domainkey.n.test", 1 } }, 20, 0, 0, 0, -1,
	  { "dkim-not-found", "dkim-provider-not-enabled" }, NULL, NULL },
	{ "a first-wave selector failing: the rest is asked, the failure counted",
	  G_SENDER("g.test", "v=spf1 -all") GKEY("g.test", "mail"), "g.test", LIKELY, &google_servfail,
	  { { "TXT mail._domainkey.g.test", 1 } }, -1, -1, 1, 1, -1, { NULL }, NULL, NULL },
	{ "--only-selectors: those alone, nothing derived",
	  G_SENDER("g.test", "v=spf1 -all"), "g.test", ONLY, NULL,
	  { { "._domainkey.g.test", 1 }, { "TXT s2024._domainkey.g.test", 1 } }, 1, 0, 0, 0, -1, { NULL },
	  NULL, NULL },
};

/* test_likely_probe - issue 6 (bulk speed): --dkim-probe likely asks each
 * provider's first selector (providers from MX and SPF includes), else
 * default/dkim/mail; then the providers' other selectors, then the rest of
 * the built-in list, each only when the waves before found no key (and
 * behind _domainkey's NXDOMAIN without asking); --dkim-probe all asks
 * every one at once */
static void
test_likely_probe(void **state)
{
	static struct recorder rec;
	struct mp_check_opts opts[3] = { { 0 }, { 0 }, { 0 } };
	struct mp_str sel = MP_STR_LIT("s2024");
	struct run rn;

	(void)state;
	for (size_t m = 0; m < 3; m++)
		opts[m].probe_label = MP_STR_LIT("nx-probe");
	opts[LIKELY].dkim_probe = opts[ONLY].dkim_probe = MP_CHECK_DKIM_PROBE_LIKELY;
	opts[ONLY].selectors = &sel;
	opts[ONLY].nselectors = 1;
	opts[ONLY].no_builtin_selectors = true;
	for (size_t i = 0; i < sizeof likely_cases / sizeof likely_cases[0]; i++) {
		const struct likely_case *k = &likely_cases[i];
		const struct mp_check_dkim *d;

		run_recorded(&rn, k->zone, k->domain, k->fail, &opts[k->mode], &rec);
		d = &rn.res->dkim;
		for (size_t j = 0; j < 5 && k->asked[j].q != NULL; j++)
			if (asked(&rec, k->asked[j].q) != k->asked[j].n)
				fail_msg("%s: '%s' asked %zu times, want %zu", k->name, k->asked[j].q,
				    asked(&rec, k->asked[j].q), k->asked[j].n);
		if ((k->nprobed >= 0 && d->nprobed != (size_t)k->nprobed) ||
		    (k->nskipped >= 0 && d->nskipped != (size_t)k->nskipped) ||
		    d->nkeys != (size_t)k->nkeys || d->nunknown != (size_t)k->nunknown)
			fail_msg("%s: probed %zu skipped %zu keys %zu unknown %zu", k->name, d->nprobed,
			    d->nskipped, d->nkeys, d->nunknown);
		if (k->verdict >= 0)
			assert_int_equal(rn.res->verdict, k->verdict);
		for (size_t j = 0; j < 2 && k->has[j] != NULL; j++)
			if (!has(rn.res, k->has[j]))
				fail_msg("%s: no %s", k->name, k->has[j]);
		if (k->lacks != NULL && has(rn.res, k->lacks))
			fail_msg("%s: unexpected %s", k->name, k->lacks);
		if (k->cname != NULL)
			assert_string_equal(d->keys[0].cname.ptr, k->cname);
		assert_int_equal(d->probe, k->mode == ALL ? MP_CHECK_DKIM_PROBE_ALL : MP_CHECK_DKIM_PROBE_LIKELY);
		if (k->fail == NULL)       /* a failed question is asked twice, counted once */
			assert_int_equal(rn.res->nqueries, rec.n);
		run_free(&rn);
	}

	/* a null MX (RFC 7505) accepts no mail: no MTA-STS or TLS-RPT to ask */
	run_recorded(&rn, "p.test. MX 0 .\np.test. TXT \"v=spf1 -all\"\n"
	    "_dmarc.p.test. TXT \"v=DMARC1; p=reject; sp=reject\"\n", "p.test", NULL, &opts[LIKELY], &rec);
	assert_int_equal(asked(&rec, "_mta-sts.p.test"), 0);
	assert_int_equal(asked(&rec, "_smtp._tls.p.test"), 0);
	assert_int_equal(asked(&rec, "TXT default._bimi.p.test"), 1);
	assert_int_equal(rn.res->mta_sts.state, MP_CHECK_ST_NOT_CHECKED);
	assert_int_equal(rn.res->tls_rpt.state, MP_CHECK_ST_NOT_CHECKED);
	assert_int_equal(rn.res->verdict, MP_CHECK_PROTECTED);
	run_free(&rn);
}

/* test_fixes - the fix is computed from what the domain has */
static void
test_fixes(void **state)
{
	struct run rn;
	const struct mp_check_finding *f = NULL;

	(void)state;
	run_case(&rn, SENDER("a.test", SPF_OK, "v=DMARC1; p=none; rua=mailto:agg@a.test; fo=1"),
	    "a.test", NULL, NULL);
	for (size_t i = 0; i < rn.res->nfindings; i++)
		if (rn.res->findings[i].id == MP_REASON_CHECK_DMARC_POLICY_NONE)
			f = &rn.res->findings[i];
	assert_non_null(f);
	assert_string_equal(f->fix.ptr,
	    "_dmarc.a.test. IN TXT \"v=DMARC1; p=reject; rua=mailto:agg@a.test; fo=1\"");
	assert_int_equal(f->severity, MP_CHECK_SEV_ERROR);
	assert_int_equal(f->effect, MP_CHECK_AT_RISK);
	run_free(&rn);
}

/* test_json_shape - the fields issue 6 promises, with the right types */
static void
test_json_shape(void **state)
{
	struct run rn;
	struct mp_buf b;
	json_t *j, *f;
	json_error_t err;

	(void)state;
	run_case(&rn, SENDER("a.test", SPF_OK, "v=DMARC1; p=none"), "a.test", NULL, NULL);
	mp_buf_init(&b, 1 << 20);
	assert_int_equal(mp_check_format_json(rn.res, &b), MP_OK);
	assert_null(memchr(b.ptr, '\n', b.len));
	j = json_loadb(b.ptr, b.len, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "domain")), "a.test");
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "at-risk");
	assert_true(json_is_object(json_object_get(j, "spf")));
	assert_true(json_is_object(json_object_get(j, "dmarc")));
	assert_true(json_is_object(json_object_get(j, "dkim")));
	assert_true(json_is_object(json_object_get(j, "mx")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "dmarc"), "p")),
	    "none");
	f = json_array_get(json_object_get(j, "findings"), 0);
	assert_non_null(f);
	assert_true(json_is_string(json_object_get(f, "id")));
	assert_true(json_is_string(json_object_get(f, "severity")));
	assert_true(json_is_string(json_object_get(f, "message")));
	assert_non_null(json_object_get(f, "fix"));
	json_decref(j);
	mp_buf_fini(&b);
	run_free(&rn);
}

/* test_text_80_columns - every line of the human report fits */
static void
test_text_80_columns(void **state)
{
	struct run rn;
	struct mp_buf b;
	size_t col = 0, maxcol = 0;

	(void)state;
	run_case(&rn, SENDER("a-rather-long-domain-name-for-wrapping.test",
	    "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip4:203.0.113.0/24 a:mx.good.test ~all",
	    "v=DMARC1; p=none; rua=mailto:aggregate-reports@a-rather-long-domain-name-for-wrapping.test; "
	    "ruf=mailto:forensic@a-rather-long-domain-name-for-wrapping.test; fo=1; adkim=s"),
	    "a-rather-long-domain-name-for-wrapping.test", NULL, NULL);
	mp_buf_init(&b, 1 << 20);
	assert_int_equal(mp_check_format_text(rn.res, false, &b), MP_OK);
	for (size_t i = 0; i < b.len; i++) {
		col = b.ptr[i] == '\n' ? 0 : col + 1;
		if (col > maxcol)
			maxcol = col;
	}
	if (maxcol > 80)
		print_message("%s", b.ptr);
	assert_true(maxcol <= 80);
	assert_non_null(strstr(b.ptr, "AT RISK"));
	assert_null(strchr(b.ptr, '\033'));       /* no colour unless asked */
	mp_buf_fini(&b);
	run_free(&rn);
}

/* test_enomem - failing an allocation never gives a wrong verdict: the
 * domain is protected, so the only other outcome is unknown (a failure
 * the verdict does not depend on, e.g. a PTR answer, may leave protected) */
static void
test_enomem(void **state)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_resolver *r;
	struct mp_why why;
	size_t unknown = 0;
	enum mp_status st;

	(void)state;
	assert_int_equal(mp_zone_parse(z, mp_str_c(GOOD), "good", MP_STR_LIT(""), &why), MP_OK);
	r = mp_resolver_new_zone(z);
	for (unsigned long n = 1; n < 400; n += 7) {
		struct mp_check *c;
		struct mp_dns_client cl;
		const struct mp_check_result *res;

		mp_alloc_fail_after(n);
		c = mp_check_new(MP_STR_LIT("good.test"), NULL);
		if (c == NULL) {
			mp_alloc_fail_after(0);
			continue;
		}
		mp_check_client(c, &cl);
		st = mp_dns_drive(r, &cl);
		mp_alloc_fail_after(0);
		res = mp_check_result(c);
		if (res == NULL) {       /* the driver itself ran out: it says so */
			assert_int_not_equal(st, MP_OK);
			mp_check_free(c);
			continue;
		}
		if (res->verdict != MP_CHECK_PROTECTED && res->verdict != MP_CHECK_UNKNOWN)
			fail_msg("failing allocation %lu gave verdict %d", n, (int)res->verdict);
		unknown += res->verdict == MP_CHECK_UNKNOWN;
		mp_check_free(c);
	}
	assert_true(unknown > 0);       /* the failures reached the check */
	mp_resolver_free(r);
	mp_zone_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_extra_selector),
		cmocka_unit_test(test_rfc8020_cut),
		cmocka_unit_test(test_likely_probe),
		cmocka_unit_test(test_fixes),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_text_80_columns),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
