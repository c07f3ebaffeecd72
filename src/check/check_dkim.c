/* check_dkim.c - DKIM part of a domain check: which probed selectors have
 * a key record, and what each key is: type, size (< 1024 bits broken by
 * RFC 8301 §3.2, 1024 weak, >= 2048 good), revoked (empty p=), testing
 * (t=y), syntax (RFC 6376 §3.6.1). The record is parsed and the key sized
 * by the DKIM area (mp_dkim_key_parse, mp_dkim_key_bits). Not finding a
 * selector proves nothing: selectors cannot be listed, and the report says
 * so. Part of one check.
 */

#include <mailproof/check.h>
#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/spf.h>

#include "check_internal.h"

/* key_bits - size of the public key in p= (0 when unusable): the DKIM
 * area's DER walk, no OpenSSL object (decoding one with d2i_PUBKEY cost
 * 68-95 us, more than an RSA verification) */
static unsigned
key_bits(struct mp_str p, bool ed25519)
{
	struct mp_why why;
	unsigned bits = 0;

	mp_why_clear(&why);
	if (mp_dkim_key_bits(p, ed25519, &bits, &why) != MP_OK || mp_why_failed(&why))
		return 0;
	return bits;
}

/* parse_key - the key record of one selector */
static void
parse_key(struct mp_check *c, struct mp_check_dkim_key *k)
{
	struct mp_dkim_key key;
	struct mp_why why;

	mp_why_clear(&why);
	if (mp_dkim_key_parse(k->record, &key, &why) != MP_OK) {
		c->err = MP_ENOMEM;
		return;
	}
	if (mp_why_failed(&why)) {
		k->state = MP_CHECK_ST_INVALID;
		check_find(c, MP_REASON_CHECK_DKIM_KEY_SYNTAX, NULL, "DKIM key %s._domainkey.%s: %s",
		    k->selector.ptr, c->domain.ptr, why.text);
		return;
	}
	k->state = MP_CHECK_ST_PRESENT;
	k->key_type = mp_str_c(key.is_ed25519 ? "ed25519" : "rsa");
	k->testing = key.testing;
	if (key.p.len == 0) {
		k->revoked = true;
		return;
	}
	if ((k->bits = key_bits(key.p, key.is_ed25519)) == 0) {
		k->state = MP_CHECK_ST_INVALID;
		check_find(c, MP_REASON_CHECK_DKIM_KEY_SYNTAX, NULL,
		    "DKIM key %s._domainkey.%s: p= is not a usable %s public key",
		    k->selector.ptr, c->domain.ptr, key.is_ed25519 ? "Ed25519" : "RSA");
	}
}

/* check_dkim_answer - TXT at <selector>._domainkey.<domain> */
void
check_dkim_answer(struct mp_check *c, struct slot *s)
{
	struct mp_check_dkim_key *k;

	if (s->idx >= c->nkeys_alloc)
		return;
	k = &c->keys[s->idx];
	k->state = check_state_of(s->ans);
	if (k->state != MP_CHECK_ST_PRESENT)
		return;
	if (s->ans->ncname > 0)
		k->cname = mp_arena_strdup(&c->arena, s->ans->canonical);
	for (size_t i = 0; i < s->ans->nrr; i++)
		if (s->ans->rr[i].type == MP_DNS_T_TXT) {
			k->record = mp_arena_strdup(&c->arena, s->ans->rr[i].u.txt.joined);
			break;
		}
	if (k->record.len == 0 && k->cname.len == 0) {
		k->state = MP_CHECK_ST_ABSENT;
		return;
	}
	parse_key(c, k);
}

/* key_rules - findings about one key */
static void
key_rules(struct mp_check *c, const struct mp_check_dkim_key *k)
{
	const char *s = k->selector.ptr, *d = c->domain.ptr;

	if (k->state != MP_CHECK_ST_PRESENT)
		return;
	if (k->revoked) {
		check_find(c, MP_REASON_CHECK_DKIM_KEY_REVOKED, NULL,
		    "DKIM key %s is revoked (empty p=): mail signed with it fails", s);
		return;
	}
	if (k->testing)
		check_find(c, MP_REASON_CHECK_DKIM_KEY_TESTING, NULL,
		    "DKIM key %s has t=y (testing): receivers may treat failures as unsigned", s);
	if (k->bits > 0 && k->bits < MP_LIMIT_DKIM_RSA_MIN && k->key_type.ptr[0] == 'r')
		check_find(c, MP_REASON_CHECK_DKIM_KEY_BROKEN, check_printf(c,
		    "mailproof keygen --domain %s --selector %s-2048 --bits 2048", d, s).ptr,
		    "DKIM key %s is RSA %u bits: keys under 1024 bits never pass (RFC 8301 §3.2)",
		    s, k->bits);
	else if (k->bits > 0 && k->bits < 2048 && k->key_type.ptr[0] == 'r')
		check_find(c, MP_REASON_CHECK_DKIM_KEY_WEAK, check_printf(c,
		    "mailproof keygen --domain %s --selector %s-2048 --bits 2048", d, s).ptr,
		    "DKIM key %s is RSA %u bits, which is weak; use 2048 bits", s, k->bits);
}

/* has_key - a usable key at selector sel? */
static bool
has_key(const struct mp_check *c, const char *sel)
{
	for (size_t i = 0; i < c->nkeys_alloc; i++)
		if (c->sels[i].asked && mp_str_eq_nocase_c(c->keys[i].selector, sel))
			return c->keys[i].state == MP_CHECK_ST_PRESENT && !c->keys[i].revoked;
	return true;     /* not probed: say nothing */
}

/* mx_at - does an MX host end with suffix? */
static bool
mx_at(const struct mp_check *c, const char *suffix)
{
	for (size_t i = 0; i < c->res.mx.nhosts; i++)
		if (mp_str_ends_nocase(c->res.mx.hosts[i].host, mp_str_c(suffix)))
			return true;
	return false;
}

/* provider_rules - patterns derived from the domain: mail hosted at
 * Microsoft 365 signs with selector1/selector2, CNAMEs to
 * selector1-<domain-with-dashes>._domainkey.<tenant>.onmicrosoft.com;
 * Google Workspace with "google" */
static void
provider_rules(struct mp_check *c)
{
	const char *d = c->domain.ptr;

	if (mx_at(c, ".mail.protection.outlook.com") &&
	    !has_key(c, "selector1") && !has_key(c, "selector2")) {
		struct mp_str dashed = check_printf(c, "%s", d);

		for (size_t i = 0; i < dashed.len; i++)
			if (dashed.ptr[i] == '.')
				((char *)dashed.ptr)[i] = '-';
		check_find(c, MP_REASON_CHECK_DKIM_PROVIDER, check_printf(c,
		    "selector1._domainkey.%s. IN CNAME selector1-%s._domainkey.TENANT.onmicrosoft.com.\n"
		    "selector2._domainkey.%s. IN CNAME selector2-%s._domainkey.TENANT.onmicrosoft.com.",
		    d, dashed.ptr, d, dashed.ptr).ptr,
		    "mail for %s is hosted at Microsoft 365 but its DKIM selectors are not published: "
		    "enable DKIM in Microsoft 365 (TENANT is your onmicrosoft.com name)", d);
	}
	if ((mx_at(c, ".google.com") || mx_at(c, ".googlemail.com")) && !has_key(c, "google"))
		check_find(c, MP_REASON_CHECK_DKIM_PROVIDER, NULL,
		    "mail for %s is hosted at Google Workspace but no key is published at "
		    "google._domainkey: generate one in the Admin console (Gmail > Authenticate email)", d);
}

/* Provider patterns: mail handled by a provider named by an MX host or
 * an SPF include:/redirect= target is signed with the provider's
 * selectors (Microsoft 365's selector1/selector2 CNAMEs, Google Workspace's
 * google, Mailchimp's k1, SendGrid's s1/s2...). Matched on a label
 * boundary. */
static const struct provider {
	const char *suffix;
	const char *selectors[4];
} providers[] = {
	{ "google.com", { "google" } },
	{ "googlemail.com", { "google" } },
	{ "outlook.com", { "selector1", "selector2" } },
	{ "mcsv.net", { "k1", "k2", "k3" } },
	{ "mailchimp.com", { "k1", "k2", "k3" } },
	{ "mandrillapp.com", { "mandrill", "mte1" } },
	{ "sendgrid.net", { "s1", "s2" } },
	{ "zendesk.com", { "zendesk1", "zendesk2" } },
	{ "protonmail.ch", { "protonmail", "protonmail2", "protonmail3" } },
	{ "proton.me", { "protonmail", "protonmail2", "protonmail3" } },
	{ "messagingengine.com", { "fm1", "fm2", "fm3" } },
	{ "mailjet.com", { "mailjet" } },
	{ "icloud.com", { "sig1" } },
	{ "me.com", { "sig1" } },
	{ "yandex.net", { "mail" } },
	{ "yandex.ru", { "mail" } },
};

/* Likely probe of a domain with no provider recognised and no
 * --selectors: the defaults of common signing set-ups (cPanel, OpenDKIM,
 * Rspamd...). */
static const char *const self_hosted[] = { "default", "dkim", "mail" };

/* under - is name (a trailing dot allowed) suffix or below it? */
static bool
under(struct mp_str name, const char *suffix)
{
	struct mp_str suf = mp_str_c(suffix);

	if (name.len > 0 && name.ptr[name.len - 1] == '.')
		name.len--;
	if (!mp_str_ends_nocase(name, suf))
		return false;
	return name.len == suf.len || name.ptr[name.len - suf.len - 1] == '.';
}

/* derive_from - the selectors of every provider name is at */
static size_t
derive_from(struct mp_check *c, struct mp_str name)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++) {
		if (!under(name, providers[i].suffix))
			continue;
		for (size_t j = 0; j < 4 && providers[i].selectors[j] != NULL; j++, n++) {
			unsigned wave = j == 0 || c->opts.dkim_probe != MP_CHECK_DKIM_PROBE_LIKELY ?
			    CHECK_WAVE_FIRST : CHECK_WAVE_PROVIDER;

			if (!check_add_selector(c, mp_str_c(providers[i].selectors[j]), wave, false))
				return n;
		}
	}
	return n;
}

/* spf_targets - include:/redirect= targets of the domain's SPF records
 * (the SPF area's parser; macros and records with syntax errors skipped),
 * each through derive_from */
static size_t
spf_targets(struct mp_check *c)
{
	const struct mp_dns_answer *a = c->s_spf ? c->s_spf->ans : NULL;
	size_t n = 0;

	if (a == NULL || a->status != MP_DNS_OK)
		return 0;
	for (size_t i = 0; i < a->nrr; i++) {
		struct mp_spf_record rec;
		struct mp_why why;

		if (a->rr[i].type != MP_DNS_T_TXT || !mp_spf_is_record(a->rr[i].u.txt.joined))
			continue;
		mp_why_clear(&why);
		if (mp_spf_record_parse(a->rr[i].u.txt.joined, &c->arena, &rec, &why) != MP_OK) {
			c->err = MP_ENOMEM;
			return n;
		}
		if (mp_why_failed(&why))
			continue;
		for (size_t t = 0; t < rec.nterms; t++) {
			const struct mp_spf_term *term = &rec.terms[t];

			if ((term->kind == MP_SPF_T_INCLUDE || term->kind == MP_SPF_T_REDIRECT) &&
			    !term->has_macro)
				n += derive_from(c, term->domain_spec);
		}
	}
	return n;
}

/* check_dkim_derive - provider selectors into the first waves */
void
check_dkim_derive(struct mp_check *c)
{
	size_t n = 0, user = 0;

	if (c->opts.no_builtin_selectors)
		return;                            /* --only-selectors */
	for (size_t i = 0; i < c->res.mx.nhosts; i++)
		n += derive_from(c, c->res.mx.hosts[i].host);
	n += spf_targets(c);
	for (size_t i = 0; i < c->nkeys_alloc; i++)
		user += c->sels[i].user;
	if (n == 0 && user == 0 && c->opts.dkim_probe == MP_CHECK_DKIM_PROBE_LIKELY)
		for (size_t i = 0; i < sizeof self_hosted / sizeof self_hosted[0]; i++)
			check_add_selector(c, mp_str_c(self_hosted[i]), CHECK_WAVE_FIRST, false);
}

/* check_dkim_rules - DKIM findings; the found keys go into the result */
void
check_dkim_rules(struct mp_check *c)
{
	struct mp_check_dkim *dk = &c->res.dkim;
	struct mp_check_dkim_key *found;
	size_t n = 0;

	found = mp_arena_zalloc(&c->arena, (c->nkeys_alloc + 1) * sizeof *found);
	if (found == NULL) {
		c->err = MP_ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->nkeys_alloc; i++) {
		const struct mp_check_dkim_key *k = &c->keys[i];

		if (!c->sels[i].asked)
			continue;                  /* likely probe: not needed */
		if (k->state == MP_CHECK_ST_UNKNOWN)
			dk->nunknown++;
		if (k->state == MP_CHECK_ST_ABSENT || k->state == MP_CHECK_ST_UNKNOWN)
			continue;
		found[n++] = *k;
		key_rules(c, k);
	}
	dk->keys = found;
	dk->nkeys = n;
	provider_rules(c);
	if (n == 0)
		check_find(c, MP_REASON_CHECK_DKIM_NOT_FOUND, NULL,
		    "no DKIM key at the %zu selector%s probed; this does not prove there is no "
		    "DKIM (selectors cannot be listed; name yours with --selectors)", dk->nprobed,
		    dk->nprobed == 1 ? "" : "s");
}
