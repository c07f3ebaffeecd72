/* plan_build.c - turn an inventory into the records to publish (SPF, DKIM,
 * DMARC, report authorization, null MX, PTR, HELO), warnings for what the
 * seed article warns about, and mailproofd/Postfix configuration.
 * Pure: no I/O. Thread-safe per call.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpsl.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/plan.h>

#include "plan_internal.h"

struct bld {
	const struct mp_plan_inventory *inv;
	const struct mp_plan_opts *o;
	struct mp_plan_result *r;
	size_t caprec, capwarn;
	char yyyymm[8];
	uint64_t rng;
	const char **selectors;    /* per server: rsa (or only) selector */
	const char **selectors2;   /* per server: ed25519 selector when "both" */
	bool nomem;
};

bool
mp_plan_name_ok(struct mp_str s, bool allow_underscore)
{
	size_t label = 0;

	if (s.len == 0 || s.len > 253)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '.') {
			if (label == 0 || s.ptr[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(mp_is_ldh(c) || (allow_underscore && c == '_')))
			return false;
		if (label == 0 && c == '-')
			return false;
		if (++label > MP_LIMIT_DNS_LABEL)
			return false;
	}
	return label > 0 && s.ptr[s.len - 1] != '-';
}

/* next_rand - splitmix64: reproducible with --seed, else seeded from
 * OpenSSL-quality randomness by the caller (see mp_plan_build) */
static uint64_t
next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

enum mp_status
mp_plan_expand(struct mp_arena *a, struct mp_str pat, struct mp_str domain,
               const struct mp_plan_sender *s, struct mp_str *out)
{
	struct mp_buf b;
	enum mp_status st = MP_OK;

	mp_buf_init(&b, MP_LIMIT_PLAN_VALUE);
	for (size_t i = 0; i < pat.len && st == MP_OK; i++) {
		if (pat.ptr[i] != '{') {
			st = mp_buf_append_byte(&b, pat.ptr[i]);
			continue;
		}
		size_t j = i + 1;
		while (j < pat.len && pat.ptr[j] != '}')
			j++;
		if (j >= pat.len) {
			st = MP_EINVAL;
			break;
		}
		struct mp_str name = mp_str_make(pat.ptr + i + 1, j - i - 1);
		i = j;
		if (mp_str_eq_c(name, "domain")) {
			st = mp_buf_append_str(&b, domain);
		} else if (mp_str_eq_c(name, "domain_dashed")) {
			for (size_t k = 0; k < domain.len && st == MP_OK; k++)
				st = mp_buf_append_byte(&b, domain.ptr[k] == '.' ? '-' : domain.ptr[k]);
		} else {
			bool found = false;
			for (size_t k = 0; s && k < s->nparams && !found; k++)
				if (mp_str_eq(s->params[k].name, name)) {
					st = mp_buf_append_str(&b, s->params[k].value);
					found = true;
				}
			if (!found)
				st = MP_EINVAL;
		}
	}
	if (st == MP_OK) {
		*out = mp_arena_strdup(a, mp_buf_str(&b));
		if (out->ptr == NULL)
			st = MP_ENOMEM;
	}
	mp_buf_fini(&b);
	return st;
}

/* add_rec - append a record (strings copied into the result arena) */
static struct mp_plan_record *
add_rec(struct bld *b, enum mp_plan_kind kind, struct mp_str domain, struct mp_str owner,
        uint16_t type, struct mp_str value, struct mp_str comment)
{
	struct mp_plan_result *r = b->r;
	struct mp_plan_record *rec;

	if (b->nomem)
		return NULL;
	if (r->nrecords == b->caprec) {
		size_t cap = b->caprec ? b->caprec * 2 : 64;
		struct mp_plan_record *n = mp_arena_alloc(&r->arena, cap * sizeof *n);
		if (n == NULL) {
			b->nomem = true;
			return NULL;
		}
		if (r->nrecords)
			memcpy(n, r->records, r->nrecords * sizeof *n);
		r->records = n;
		b->caprec = cap;
	}
	rec = &r->records[r->nrecords++];
	memset(rec, 0, sizeof *rec);
	rec->kind = kind;
	rec->domain = domain;
	rec->owner = mp_arena_strdup(&r->arena, owner);
	rec->type = type;
	rec->value = mp_arena_strdup(&r->arena, value);
	rec->comment = mp_arena_strdup(&r->arena, comment);
	rec->in_zone = true;
	rec->dns_terms = -1;
	if (rec->owner.ptr == NULL || rec->value.ptr == NULL || rec->comment.ptr == NULL)
		b->nomem = true;
	return rec;
}

static void
warn(struct bld *b, const char *id, struct mp_str domain, struct mp_str msg, struct mp_str fix)
{
	struct mp_plan_result *r = b->r;

	if (b->nomem)
		return;
	if (r->nwarnings == b->capwarn) {
		size_t cap = b->capwarn ? b->capwarn * 2 : 16;
		struct mp_plan_warning *n = mp_arena_alloc(&r->arena, cap * sizeof *n);
		if (n == NULL) {
			b->nomem = true;
			return;
		}
		if (r->nwarnings)
			memcpy(n, r->warnings, r->nwarnings * sizeof *n);
		r->warnings = n;
		b->capwarn = cap;
	}
	r->warnings[r->nwarnings++] = (struct mp_plan_warning){
		mp_str_c(id), domain, msg, fix };
	if (msg.ptr == NULL || fix.ptr == NULL)
		b->nomem = true;
}

#define AP(...) mp_arena_printf(&b->r->arena, __VA_ARGS__)
#define S(x) (int)(x).len, (x).ptr

/* spf_for - the SPF record of a sending domain; counts include: terms */
static void
plan_spf(struct bld *b, const struct mp_plan_domain *d)
{
	struct mp_buf spf;
	size_t nincl = 0;
	struct mp_str incl, first_bulk = MP_STR_NULL;

	mp_buf_init(&spf, MP_LIMIT_SPF_RECORD);
	mp_buf_append_c(&spf, "v=spf1");
	for (size_t i = 0; i < d->nservers; i++) {
		const struct mp_plan_server *s = d->servers[i];
		for (size_t j = 0; j < s->nipv4; j++)
			mp_buf_printf(&spf, " ip4:%s", s->ipv4[j].ptr);
		for (size_t j = 0; j < s->nipv6; j++)
			mp_buf_printf(&spf, " ip6:%s", s->ipv6[j].ptr);
	}
	for (size_t i = 0; i < d->nsenders; i++) {
		const struct mp_plan_sender *s = &d->senders[i];
		if (s->provider->spf_include.len == 0)
			continue;
		if (mp_plan_expand(&b->r->arena, s->provider->spf_include, d->name, s, &incl) != MP_OK) {
			warn(b, "plan-bad-pattern", d->name, AP("provider %.*s: SPF include pattern "
			    "cannot be expanded", S(s->provider->id)), AP("fix the catalogue entry"));
			continue;
		}
		struct mp_str term = AP("include:%.*s", S(incl));
		if (spf.len && strstr(spf.ptr, term.ptr))  /* two providers, one include */
			continue;
		mp_buf_printf(&spf, " %.*s", S(term));
		nincl++;
		if (!s->provider->mailbox && first_bulk.len == 0)
			first_bulk = s->provider->name;
	}
	if (mp_buf_append_c(&spf, " -all") != MP_OK) {
		warn(b, "plan-spf-too-long", d->name, AP("the SPF record for %.*s is over %d bytes",
		    S(d->name), MP_LIMIT_SPF_RECORD), AP("move providers to subdomains"));
		mp_buf_fini(&spf);
		return;
	}
	add_rec(b, MP_PLAN_SPF, d->name, d->name, MP_DNS_T_TXT, mp_buf_str(&spf),
	    AP("SPF: %zu include(s), so at least %zu of the 10 DNS lookups before counting "
	    "inside them; -all refuses everyone else", nincl, nincl));
	if (nincl > MP_LIMIT_SPF_DNS_TERMS)
		warn(b, "plan-spf-over-limit", d->name,
		    AP("SPF for %.*s needs %zu include lookups, more than RFC 7208's 10",
		    S(d->name), nincl),
		    AP("move a provider (e.g. %.*s) to a subdomain such as news.%.*s with its own "
		    "SPF record, or replace includes by the providers' addresses (they change without "
		    "notice: re-check monthly)", S(first_bulk.len ? first_bulk : MP_STR_LIT("a bulk sender")),
		    S(d->name)));
	if (spf.len > MP_LIMIT_SPF_UDP_SAFE)
		warn(b, "plan-spf-long", d->name, AP("the SPF record for %.*s is %zu bytes; over %d "
		    "bytes some answers will not fit one UDP packet", S(d->name), spf.len,
		    MP_LIMIT_SPF_UDP_SAFE), AP("move providers to subdomains"));
	mp_buf_fini(&spf);
}

/* plan_dkim - a selector and key per server, providers' CNAMEs and keys */
static void
plan_dkim(struct bld *b, const struct mp_plan_domain *d)
{
	const struct mp_plan_inventory *inv = b->inv;

	for (size_t i = 0; i < d->nservers; i++) {
		const struct mp_plan_server *s = d->servers[i];
		size_t si = (size_t)(s - inv->servers);
		for (int k = 0; k < 2; k++) {
			const char *sel = k == 0 ? b->selectors[si] : b->selectors2[si];
			bool ed = (k == 1) || s->keytype == MP_PLAN_KEY_ED25519;
			if (sel == NULL)
				continue;
			struct mp_plan_record *rec = add_rec(b, MP_PLAN_DKIM_KEY, d->name,
			    AP("%s._domainkey.%.*s", sel, S(d->name)), MP_DNS_T_TXT,
			    MP_STR_NULL, AP("DKIM key of server %.*s (%s): create it with "
			    "'mailproof keygen --domain %.*s --selector %s --type %s'", S(s->name),
			    ed ? "ed25519" : "rsa 2048", S(d->name), sel, ed ? "ed25519" : "rsa"));
			if (rec) {
				rec->server = s;
				rec->selector = mp_str_c(sel);
				rec->value = AP("v=DKIM1; k=%s; p=", ed ? "ed25519" : "rsa");
			}
		}
	}
	for (size_t i = 0; i < d->nsenders; i++) {
		const struct mp_plan_sender *s = &d->senders[i];
		const struct mp_plan_provider *p = s->provider;
		struct mp_str sel, target;
		for (size_t j = 0; j < p->ncname; j++) {
			if (mp_plan_expand(&b->r->arena, p->cname_selector[j], d->name, s, &sel) != MP_OK ||
			    mp_plan_expand(&b->r->arena, p->cname_target[j], d->name, s, &target) != MP_OK)
				continue;
			struct mp_plan_record *rec = add_rec(b, MP_PLAN_DKIM_CNAME, d->name,
			    AP("%.*s._domainkey.%.*s", S(sel), S(d->name)), MP_DNS_T_CNAME, target,
			    AP("DKIM: %.*s signs with its own key behind this CNAME", S(p->name)));
			if (rec)
				rec->selector = sel;
		}
		for (size_t j = 0; j < p->nkey; j++) {
			if (mp_plan_expand(&b->r->arena, p->key_selector[j], d->name, s, &sel) != MP_OK)
				continue;
			struct mp_plan_record *rec = add_rec(b, MP_PLAN_DKIM_MANUAL, d->name,
			    AP("%.*s._domainkey.%.*s", S(sel), S(d->name)), MP_DNS_T_TXT,
			    MP_STR_LIT("v=DKIM1; k=rsa; p="),
			    AP("DKIM: publish the key %.*s gives you here", S(p->name)));
			if (rec)
				rec->selector = sel;
		}
	}
}

static const char *
stage_word(enum mp_plan_stage s)
{
	return s == MP_PLAN_REJECT ? "reject" : s == MP_PLAN_QUARANTINE ? "quarantine" : "none";
}

/* report_auth - RFC 9989 §? / RFC 7489 §7.1: a report destination outside
 * the domain's organizational domain must authorize it */
static void
report_auth(struct bld *b, const struct mp_plan_domain *d, struct mp_str uris)
{
	const psl_ctx_t *psl = psl_builtin();
	char dom[256], dest[256];
	const char *od, *odest;
	size_t start = 0;

	if (uris.len == 0 || d->name.len >= sizeof dom)
		return;
	memcpy(dom, d->name.ptr, d->name.len);
	dom[d->name.len] = '\0';
	od = psl ? psl_registrable_domain(psl, dom) : NULL;
	for (size_t i = 0; i <= uris.len; i++) {
		if (i < uris.len && uris.ptr[i] != ',')
			continue;
		struct mp_str u = mp_str_trim(mp_str_make(uris.ptr + start, i - start));
		start = i + 1;
		ptrdiff_t at = mp_str_find(u, '@');
		if (at < 0 || u.len - (size_t)at - 1 >= sizeof dest)
			continue;
		size_t dl = u.len - (size_t)at - 1;
		memcpy(dest, u.ptr + at + 1, dl);
		dest[dl] = '\0';
		for (size_t k = 0; k < dl; k++)
			dest[k] = (char)mp_lower((unsigned char)dest[k]);
		odest = psl ? psl_registrable_domain(psl, dest) : NULL;
		if (od && odest ? strcmp(od, odest) == 0 :
		    mp_str_ends_nocase(d->name, mp_str_c(dest)))
			continue;
		struct mp_str owner = AP("%.*s._report._dmarc.%s", S(d->name), dest);
		bool dup = false;
		for (size_t k = 0; k < b->r->nrecords; k++)
			dup |= mp_str_eq(b->r->records[k].owner, owner);
		if (dup)
			continue;
		struct mp_plan_record *rec = add_rec(b, MP_PLAN_REPORT_AUTH, d->name, owner,
		    MP_DNS_T_TXT, MP_STR_LIT("v=DMARC1"),
		    AP("publish in %s's zone: lets %s receive %.*s's DMARC reports", dest, dest,
		    S(d->name)));
		if (rec)
			rec->in_zone = false;
	}
}

static void
plan_dmarc(struct bld *b, const struct mp_plan_domain *d)
{
	const struct mp_plan_inventory *inv = b->inv;
	enum mp_plan_stage st = d->sending ? (d->has_stage ? d->stage : inv->stage) : MP_PLAN_REJECT;
	struct mp_str v;

	v = AP("v=DMARC1; p=%s%s%s; rua=%.*s%s%.*s%s%s%s", stage_word(st),
	    d->sending ? "" : "; sp=reject", st != MP_PLAN_MONITOR && d->sending ? "; np=reject" : "",
	    S(inv->rua), inv->ruf.len ? "; ruf=" : "", S(inv->ruf), inv->ruf.len ? "; fo=1" : "",
	    inv->strict_dkim ? "; adkim=s" : "", inv->strict_spf ? "; aspf=s" : "");
	add_rec(b, MP_PLAN_DMARC, d->name, AP("_dmarc.%.*s", S(d->name)), MP_DNS_T_TXT, v,
	    d->sending ? AP("DMARC at stage %s", st == MP_PLAN_MONITOR ? "monitor (p=none: "
	    "reports only, no protection yet)" : stage_word(st)) :
	    AP("DMARC: this domain sends no mail, so everything claiming it is refused"));
	if (d->sending && st == MP_PLAN_MONITOR)
		warn(b, "plan-dmarc-monitor", d->name, AP("%.*s is at stage monitor: p=none "
		    "protects nobody", S(d->name)), AP("read the reports for a few weeks, then "
		    "set stage: quarantine, then reject"));
	report_auth(b, d, inv->rua);
	report_auth(b, d, inv->ruf);
}

static void
plan_lockdown(struct bld *b, const struct mp_plan_domain *d)
{
	add_rec(b, MP_PLAN_SPF, d->name, d->name, MP_DNS_T_TXT, MP_STR_LIT("v=spf1 -all"),
	    MP_STR_LIT("SPF: no server may send for this domain"));
	add_rec(b, MP_PLAN_NULL_MX, d->name, d->name, MP_DNS_T_MX, MP_STR_LIT("0 ."),
	    MP_STR_LIT("null MX (RFC 7505): this domain accepts no mail"));
	plan_dmarc(b, d);
}

/* plan_servers - PTR and HELO records per server (once, not per domain) */
static void
plan_servers(struct bld *b)
{
	const struct mp_plan_inventory *inv = b->inv;

	for (size_t i = 0; i < inv->nservers; i++) {
		const struct mp_plan_server *s = &inv->servers[i];
		struct mp_str zone = MP_STR_NULL;
		for (size_t j = 0; j < inv->ndomains; j++) {
			struct mp_str dn = inv->domains[j].name;
			if (mp_str_eq(s->helo, dn) || (mp_str_ends_nocase(s->helo, dn) &&
			    s->helo.ptr[s->helo.len - dn.len - 1] == '.'))
				zone = dn;
		}
		for (size_t j = 0; j < s->nipv4 + s->nipv6; j++) {
			bool v6 = j >= s->nipv4;
			struct mp_str ip = v6 ? s->ipv6[j - s->nipv4] : s->ipv4[j];
			unsigned char a[16];
			struct mp_buf rev;
			mp_buf_init(&rev, 128);
			if (!v6 && inet_pton(AF_INET, ip.ptr, a) == 1)
				mp_buf_printf(&rev, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
			else if (v6 && inet_pton(AF_INET6, ip.ptr, a) == 1) {
				static const char hx[] = "0123456789abcdef";
				for (int k = 15; k >= 0; k--)
					mp_buf_printf(&rev, "%c.%c.", hx[a[k] & 15], hx[a[k] >> 4]);
				mp_buf_append_c(&rev, "ip6.arpa");
			}
			struct mp_plan_record *rec = add_rec(b, MP_PLAN_PTR, MP_STR_NULL,
			    mp_buf_str(&rev), MP_DNS_T_PTR, s->helo,
			    AP("reverse DNS for %.*s (%.*s): ask whoever owns the address space",
			    S(s->name), S(ip)));
			if (rec) {
				rec->in_zone = false;
				rec->server = s;
			}
			rec = add_rec(b, MP_PLAN_HELO_A, zone, s->helo, v6 ? MP_DNS_T_AAAA : MP_DNS_T_A,
			    ip, AP("forward name of %.*s, matching its PTR and HELO", S(s->name)));
			if (rec) {
				rec->in_zone = zone.len > 0;
				rec->server = s;
			}
			mp_buf_fini(&rev);
		}
	}
}

/* guessable - common selector names an attacker tries first */
static bool
guessable(struct mp_str sel)
{
	static const char *common[] = { "default", "dkim", "mail", "email", "selector", "selector1",
		"selector2", "s1", "s2", "k1", "k2", "key1", "key2", "smtp", "mx", "google", "sig1",
		"dk", "main", "primary", "test" };

	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
		if (mp_str_eq_nocase_c(sel, common[i]))
			return true;
	return sel.len < 8;
}

/* generated_like - "<name>-<6 digits>-<8 base32>.key" for server name */
static bool
generated_like(const char *file, struct mp_str name)
{
	size_t len = strlen(file), n = name.len;

	if (len != n + 1 + 6 + 1 + 8 + 4 || strncasecmp(file, name.ptr, n) != 0 || file[n] != '-' ||
	    file[n + 7] != '-' || strcmp(file + len - 4, ".key") != 0)
		return false;
	for (size_t i = n + 1; i < n + 7; i++)
		if (!mp_is_digit((unsigned char)file[i]))
			return false;
	return true;
}

/* reuse_keys - selectors of keys already made in the keys directory for
 * this server (newest name per key type), so a plan run again with --keys
 * keeps the deployed keys */
static void
reuse_keys(struct bld *b, size_t i, const char **rsa, const char **ed)
{
	const struct mp_plan_server *s = &b->inv->servers[i];
	DIR *d = b->o && b->o->keys_dir ? opendir(b->o->keys_dir) : NULL;
	struct dirent *e;
	char path[4096];
	struct mp_why why;

	*rsa = *ed = NULL;
	while (d && (e = readdir(d)) != NULL) {
		if (!generated_like(e->d_name, s->name))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", b->o->keys_dir, e->d_name) >= sizeof path)
			continue;
		struct mp_signer *k = mp_signer_load_file(path, false, &why);
		if (k == NULL)
			continue;
		const char **slot = mp_signer_alg(k) == MP_DKIM_ED25519_SHA256 ? ed : rsa;
		if (*slot == NULL || strcmp(e->d_name, *slot) > 0)
			*slot = mp_arena_cstr(&b->r->arena, mp_str_make(e->d_name, strlen(e->d_name) - 4));
		mp_signer_free(k);
	}
	if (d)
		closedir(d);
}

/* assign_selectors - pinned ones kept, others reused from --keys DIR or
 * generated per server */
static enum mp_status
assign_selectors(struct bld *b)
{
	const struct mp_plan_inventory *inv = b->inv;
	char buf[64];

	b->selectors = mp_arena_zalloc(&b->r->arena, (inv->nservers + 1) * sizeof *b->selectors);
	b->selectors2 = mp_arena_zalloc(&b->r->arena, (inv->nservers + 1) * sizeof *b->selectors2);
	if (b->selectors == NULL || b->selectors2 == NULL)
		return MP_ENOMEM;
	for (size_t i = 0; i < inv->nservers; i++) {
		const struct mp_plan_server *s = &inv->servers[i];
		if (s->selector.len) {
			b->selectors[i] = s->selector.ptr;
			if (guessable(s->selector))
				warn(b, "plan-selector-guessable", MP_STR_NULL,
				    AP("server %.*s uses selector '%.*s', which is easy to guess",
				    S(s->name), S(s->selector)),
				    AP("drop the pinned selector and let mailproof generate one like "
				    "%.*s-%s-xxxxxxxx", S(s->name), b->yyyymm));
			for (size_t j = 0; j < i; j++)
				if (mp_str_eq_nocase(inv->servers[j].selector, s->selector))
					warn(b, "plan-shared-key", MP_STR_NULL,
					    AP("servers %.*s and %.*s share selector '%.*s', so they share "
					    "a key: one stolen server signs for all", S(inv->servers[j].name),
					    S(s->name), S(s->selector)),
					    AP("give each server its own selector and key"));
		} else {
			const char *rsa, *ed;
			reuse_keys(b, i, &rsa, &ed);
			b->selectors[i] = s->keytype == MP_PLAN_KEY_ED25519 ? ed : rsa;
			if (s->keytype == MP_PLAN_KEY_BOTH)
				b->selectors2[i] = ed;
			if (b->selectors[i] == NULL) {
				if (mp_dkim_selector_make(s->name, b->yyyymm, next_rand(&b->rng), buf, sizeof buf) != MP_OK)
					return MP_ELIMIT;
				b->selectors[i] = mp_arena_cstr(&b->r->arena, mp_str_c(buf));
			}
		}
		if (s->keytype == MP_PLAN_KEY_BOTH && b->selectors2[i] == NULL) {
			if (mp_dkim_selector_make(s->name, b->yyyymm, next_rand(&b->rng), buf, sizeof buf) != MP_OK)
				return MP_ELIMIT;
			b->selectors2[i] = mp_arena_cstr(&b->r->arena, mp_str_c(buf));
		}
		if (b->selectors[i] == NULL || (s->keytype == MP_PLAN_KEY_BOTH && b->selectors2[i] == NULL))
			return MP_ENOMEM;
	}
	return MP_OK;
}

/* third_party_warnings - bulk senders on a domain people use */
static void
third_party_warnings(struct bld *b, const struct mp_plan_domain *d)
{
	bool people = d->nservers > 0;

	for (size_t i = 0; i < d->nsenders; i++)
		people |= d->senders[i].provider->mailbox;
	if (!people)
		return;
	for (size_t i = 0; i < d->nsenders; i++) {
		const struct mp_plan_provider *p = d->senders[i].provider;
		if (p->mailbox)
			continue;
		warn(b, "plan-third-party-primary", d->name,
		    AP("%.*s sends as %.*s, the domain your people's addresses use: it could send "
		    "as any of them", S(p->name), S(d->name)),
		    AP("give %.*s a subdomain of its own (e.g. news.%.*s or mail.%.*s) and list it "
		    "there", S(p->name), S(d->name), S(d->name)));
	}
}

/* config - mailproofd KeyTable, SenderMap skeleton, Postfix snippet */
static enum mp_status
config(struct bld *b)
{
	const struct mp_plan_inventory *inv = b->inv;
	struct mp_buf kt, sm, pf;
	enum mp_status st = MP_OK;

	mp_buf_init(&kt, 1u << 20);
	mp_buf_init(&sm, 1u << 20);
	mp_buf_init(&pf, 1u << 16);
	mp_buf_append_c(&kt, "# mailproofd KeyTable: domain selector keyfile\n"
	    "# On each server keep only the rows of its own selector(s).\n");
	for (size_t i = 0; i < b->r->nrecords; i++) {
		const struct mp_plan_record *r = &b->r->records[i];
		if (r->kind == MP_PLAN_DKIM_KEY)
			mp_buf_printf(&kt, "%.*s %.*s /etc/mailproof/keys/%.*s.%.*s.key   # server %.*s\n",
			    S(r->domain), S(r->selector), S(r->selector), S(r->domain), S(r->server->name));
	}
	mp_buf_append_c(&sm, "# mailproofd SenderMap: LOGIN ADDRESS|@DOMAIN ...\n"
	    "# Each login may send only as the From addresses (or whole @domains) listed.\n"
	    "# Fill in one line per user; examples for each sending domain:\n");
	for (size_t i = 0; i < inv->ndomains; i++)
		if (inv->domains[i].sending && inv->domains[i].nservers)
			mp_buf_printf(&sm, "# alice  alice@%.*s\n", S(inv->domains[i].name));
	mp_buf_append_c(&pf,
	    "# main.cf\n"
	    "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n"
	    "mynetworks = 127.0.0.0/8 [::1]/128\n"
	    "smtpd_tls_security_level = may\n"
	    "smtpd_tls_auth_only = yes\n"
	    "smtpd_tls_cert_file = /etc/ssl/certs/mail.pem\n"
	    "smtpd_tls_key_file = /etc/ssl/private/mail.key\n"
	    "smtpd_tls_protocols = >=TLSv1.2\n"
	    "smtpd_tls_mandatory_protocols = >=TLSv1.2\n"
	    "disable_vrfy_command = yes\n"
	    "smtpd_banner = $myhostname ESMTP\n"
	    "smtpd_milters = inet:127.0.0.1:8891\n"
	    "non_smtpd_milters = $smtpd_milters\n"
	    "milter_default_action = tempfail\n"
	    "# master.cf: submission (587) with STARTTLS and AUTH required\n"
	    "submission inet n - y - - smtpd\n"
	    "  -o syslog_name=postfix/submission\n"
	    "  -o smtpd_tls_security_level=encrypt\n"
	    "  -o smtpd_sasl_auth_enable=yes\n"
	    "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n"
	    "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n");
	for (size_t i = 0; i < inv->nservers; i++)
		mp_buf_printf(&pf, "# server %.*s: myhostname = %.*s (matches its PTR)\n",
		    S(inv->servers[i].name), S(inv->servers[i].helo));
	b->r->keytable = mp_arena_strdup(&b->r->arena, mp_buf_str(&kt));
	b->r->sendermap = mp_arena_strdup(&b->r->arena, mp_buf_str(&sm));
	b->r->postfix = mp_arena_strdup(&b->r->arena, mp_buf_str(&pf));
	if (b->r->keytable.ptr == NULL || b->r->sendermap.ptr == NULL || b->r->postfix.ptr == NULL)
		st = MP_ENOMEM;
	mp_buf_fini(&kt);
	mp_buf_fini(&sm);
	mp_buf_fini(&pf);
	return st;
}

enum mp_status
mp_plan_build(const struct mp_plan_inventory *inv, const struct mp_plan_opts *o,
              struct mp_plan_result **out, struct mp_why *why)
{
	struct bld b = { .inv = inv, .o = o };
	enum mp_status st;
	time_t now;
	struct tm tm;

	*out = NULL;
	if ((b.r = mp_zalloc(sizeof *b.r)) == NULL)
		return MP_ENOMEM;
	mp_arena_init(&b.r->arena, MP_LIMIT_PLAN_ARENA);
	if (o && o->yyyymm) {
		uint64_t ym;
		if (strlen(o->yyyymm) != 6 || !mp_parse_u64(mp_str_c(o->yyyymm), 999999, &ym)) {
			mp_why_setf(why, MP_REASON_PLAN_SYNTAX, "date '%s' is not YYYYMM", o->yyyymm);
			mp_plan_result_free(b.r);
			return MP_EINVAL;
		}
		memcpy(b.yyyymm, o->yyyymm, 7);
	} else {
		now = time(NULL);
		gmtime_r(&now, &tm);
		snprintf(b.yyyymm, sizeof b.yyyymm, "%04u%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		    (unsigned)(tm.tm_mon + 1) % 100u);
	}
	if (o && o->seeded) {
		b.rng = o->seed;
	} else {
		FILE *f = fopen("/dev/urandom", "rb");
		if (f == NULL || fread(&b.rng, sizeof b.rng, 1, f) != 1) {
			if (f)
				fclose(f);
			mp_why_setf(why, MP_REASON_INTERNAL, "cannot read /dev/urandom for selectors");
			mp_plan_result_free(b.r);
			return MP_EIO;
		}
		fclose(f);
	}
	st = assign_selectors(&b);
	for (size_t i = 0; st == MP_OK && i < inv->ndomains; i++) {
		const struct mp_plan_domain *d = &inv->domains[i];
		if (!d->sending) {
			plan_lockdown(&b, d);
			continue;
		}
		plan_spf(&b, d);
		plan_dkim(&b, d);
		plan_dmarc(&b, d);
		third_party_warnings(&b, d);
	}
	if (st == MP_OK)
		plan_servers(&b);
	if (st == MP_OK)
		st = config(&b);
	if (st == MP_OK && b.nomem)
		st = MP_ENOMEM;
	if (st != MP_OK) {
		mp_plan_result_free(b.r);
		return st;
	}
	*out = b.r;
	return MP_OK;
}

void
mp_plan_result_free(struct mp_plan_result *r)
{
	if (r == NULL)
		return;
	mp_arena_fini(&r->arena);
	mp_free(r);
}

enum mp_status
mp_plan_zone_line(const struct mp_plan_record *rec, struct mp_buf *out)
{
	enum mp_status st;

	st = mp_buf_printf(out, "%.*s. 3600 IN %s ", S(rec->owner), mp_dns_type_name(rec->type));
	if (st != MP_OK)
		return st;
	if (rec->type != MP_DNS_T_TXT) {
		bool fqdn = rec->type == MP_DNS_T_CNAME || rec->type == MP_DNS_T_PTR;
		st = mp_buf_printf(out, "%.*s%s", S(rec->value),
		    fqdn && rec->value.len && rec->value.ptr[rec->value.len - 1] != '.' ? "." : "");
		return st;
	}
	/* RFC 1035 §3.3: <character-string>s of at most 255 bytes */
	for (size_t off = 0; st == MP_OK && (off < rec->value.len || off == 0);) {
		size_t n = rec->value.len - off > 255 ? 255 : rec->value.len - off;
		st = mp_buf_printf(out, "%s\"", off ? " " : "");
		for (size_t i = 0; st == MP_OK && i < n; i++) {
			char c = rec->value.ptr[off + i];
			if (c == '"' || c == '\\')
				st = mp_buf_append_byte(out, '\\');
			if (st == MP_OK)
				st = mp_buf_append_byte(out, c);
		}
		if (st == MP_OK)
			st = mp_buf_append_byte(out, '"');
		off += n;
		if (n == 0)
			break;
	}
	return st;
}
