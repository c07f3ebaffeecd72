/* fuzz_verify.c - the whole verify path (header parser, author, SPF, DKIM,
 * DMARC, Authentication-Results) on arbitrary message bytes over fixed zone
 * data. The first input byte picks one of a few envelopes.
 * Invariants: a result always; DMARC result in range; no pass without one
 * author, and never none for an ambiguous From; a pass has an aligned
 * identifier; every non-pass has a reason; the A-R field names dmarc and,
 * with an author, exactly its domain. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/verify.h>

static const char zone_text[] =
	"bank.example. TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.bank.example -all\"\n"
	"_spf.bank.example. TXT \"v=spf1 a mx ~all\"\n"
	"bank.example. MX 10 mx.bank.example.\n"
	"mx.bank.example. A 192.0.2.7\n"
	"_dmarc.bank.example. TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject\"\n"
	"_dmarc.example. TXT \"v=DMARC1; p=reject; psd=y\"\n"
	"_dmarc.sub.example. TXT \"v=DMARC1; p=quarantine; adkim=s; aspf=s; t=y\"\n"
	"attacker.example. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
	"_dmarc.attacker.example. TXT \"v=DMARC1; p=none; rua=mailto:x@attacker.example\"\n"
	"sel._domainkey.bank.example. TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC\"\n";

static struct mp_zone *zone;
static struct mp_resolver *res;
static struct mp_verify *ver;

/* setup - zone, resolver and verifier, once */
static void
setup(void)
{
	struct mp_verify_opts o = { .authserv_id = { "mx.test", 7 } };
	struct mp_why why;

	if (zone != NULL)
		return;
	zone = mp_zone_new();
	if (zone == NULL || mp_zone_parse(zone, mp_str_make(zone_text, sizeof zone_text - 1),
	                                  "fuzz", MP_STR_NULL, &why) != MP_OK)
		abort();
	mp_zone_fail(zone, mp_str_c("_dmarc.servfail.example"), 0, MP_DNS_SERVFAIL);
	o.now = 1700000000;
	if ((res = mp_resolver_new_zone(zone)) == NULL || (ver = mp_verify_new(&o)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_verify_envelope env = { 0 };
	const struct mp_verify_result *r;
	const struct mp_dmarc_verdict *d;
	struct mp_dns_client c;
	unsigned pick = size > 0 ? data[0] % 4 : 0;

	setup();
	env.has_ip = pick != 3;
	mp_spf_ip_parse(mp_str_c(pick == 1 ? "198.51.100.9" : "192.0.2.7"), &env.ip);
	env.helo = mp_str_c(pick == 2 ? "bank.example" : "mx.bank.example");
	env.mail_from = mp_str_c(pick == 2 ? "" : pick == 1 ? "x@attacker.example" : "a@bank.example");
	if (size > 0) {
		data++;
		size--;
	}
	if (mp_verify_start(ver, &env) != MP_OK ||
	    mp_verify_feed(ver, (const char *)data, size) != MP_OK || mp_verify_end(ver) != MP_OK)
		abort();
	c = mp_verify_client(ver);
	if (mp_dns_drive(res, &c) != MP_OK || (r = mp_verify_result(ver)) == NULL)
		abort();
	if ((d = r->dmarc) == NULL || d->result > MP_DMARC_PERMERROR)
		abort();
	if (!r->has_author && (d->result == MP_DMARC_PASS || d->result == MP_DMARC_NONE))
		abort();
	if (d->result == MP_DMARC_PASS && !d->spf_aligned && !d->dkim_aligned)
		abort();
	if (d->result != MP_DMARC_PASS && d->why.reason == MP_REASON_NONE)
		abort();
	if (d->disposition > MP_DMARC_POLICY_REJECT ||
	    (d->result != MP_DMARC_FAIL && d->disposition > MP_DMARC_POLICY_NONE))
		abort();
	if (r->authres.ptr == NULL || strstr(r->authres.ptr, "dmarc=") == NULL ||
	    strlen(r->authres.ptr) != r->authres.len)
		abort();
	if (r->has_author && d->domain.len > 0) {
		const char *h = strstr(r->authres.ptr, "header.from=");
		if (h == NULL || strncmp(h + 12, d->domain.ptr, d->domain.len) != 0)
			abort();
	}
	for (size_t i = 0; i < r->ndkim; i++)
		if (r->dkim[i]->result != MP_DKIM_PASS && r->dkim[i]->why.reason == MP_REASON_NONE)
			abort();
	return 0;
}
