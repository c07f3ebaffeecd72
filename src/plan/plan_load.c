/* plan_load.c - load the sender catalogue and an inventory (YAML, libyaml's
 * document API). Everything is copied into the inventory's arena; every
 * error names file, line and field. Bounded: input size, counts per list
 * (limits.h, plan block), and the walk only descends the known structure, so
 * YAML aliases cannot make it loop or blow up. Thread-safe per call.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include <mailproof/limits.h>
#include <mailproof/plan.h>

#include "plan_internal.h"

struct ld {
	yaml_document_t *doc;
	const char *file;
	struct mp_plan_inventory *inv;
	struct mp_why *why;
	bool failed;
};

static bool fail(struct ld *l, const yaml_node_t *n, const char *field, const char *fmt, ...)
    MP_PRINTF(4, 5);

/* fail - record the first error as "FILE:LINE: FIELD: message" */
static bool
fail(struct ld *l, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (l->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mp_why_setf(l->why, MP_REASON_PLAN_SYNTAX, "%s:%lu: %s: %s", l->file,
	    n ? (unsigned long)n->start_mark.line + 1 : 1UL, field, msg);
	l->failed = true;
	return false;
}

static yaml_node_t *
get(struct ld *l, int idx)
{
	return yaml_document_get_node(l->doc, idx);
}

/* scalar - a scalar node's text copied into the arena */
static bool
scalar(struct ld *l, const yaml_node_t *n, const char *field, struct mp_str *out)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return fail(l, n, field, "expected a single value");
	if (n->data.scalar.length > MP_LIMIT_PLAN_VALUE)
		return fail(l, n, field, "value longer than %d bytes", MP_LIMIT_PLAN_VALUE);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return fail(l, n, field, "NUL byte in value");
	*out = mp_arena_strdup(&l->inv->arena,
	    mp_str_make((const char *)n->data.scalar.value, n->data.scalar.length));
	if (out->ptr == NULL)
		return fail(l, n, field, "out of memory");
	return true;
}

static bool
key_is(const yaml_node_t *k, const char *name)
{
	return k && k->type == YAML_SCALAR_NODE &&
	    mp_str_eq_c(mp_str_make((const char *)k->data.scalar.value, k->data.scalar.length), name);
}

static const char *
key_text(const yaml_node_t *k)
{
	return k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
}

/* seq_len - items of a sequence (a lone scalar counts as a one-item list) */
static bool
seq_items(struct ld *l, yaml_node_t *n, const char *field, size_t max,
          yaml_node_item_t **items, size_t *nitems, int *single)
{
	if (n && n->type == YAML_SCALAR_NODE) {
		*single = (int)(n - l->doc->nodes.start) + 1;
		*items = single;
		*nitems = 1;
		return true;
	}
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, field, "expected a list");
	*items = n->data.sequence.items.start;
	*nitems = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (*nitems > max)
		return fail(l, n, field, "more than %zu entries", max);
	return true;
}

/* str_list - a list of scalars */
static bool
str_list(struct ld *l, yaml_node_t *n, const char *field, size_t max,
         struct mp_str **out, size_t *nout)
{
	yaml_node_item_t *items = NULL;
	size_t nitems = 0;
	int single = 0;

	if (!seq_items(l, n, field, max, &items, &nitems, &single))
		return false;
	*out = mp_arena_zalloc(&l->inv->arena, (nitems ? nitems : 1) * sizeof **out);
	if (*out == NULL)
		return fail(l, n, field, "out of memory");
	for (size_t i = 0; i < nitems; i++)
		if (!scalar(l, get(l, items[i]), field, &(*out)[i]))
			return false;
	*nout = nitems;
	return true;
}

static bool
domain_name(struct ld *l, yaml_node_t *n, const char *field, struct mp_str *out)
{
	char *p;

	if (!scalar(l, n, field, out))
		return false;
	p = (char *)out->ptr;
	if (out->len > 0 && p[out->len - 1] == '.')
		out->len--;
	for (size_t i = 0; i < out->len; i++)
		p[i] = (char)mp_lower((unsigned char)p[i]);
	p[out->len] = '\0';
	if (!mp_plan_name_ok(*out, false))
		return fail(l, n, field, "'%s' is not a valid domain name", p);
	return true;
}

static bool
load_stage(struct ld *l, yaml_node_t *n, enum mp_plan_stage *out)
{
	struct mp_str s;

	if (!scalar(l, n, "stage", &s))
		return false;
	if (mp_str_eq_nocase_c(s, "monitor") || mp_str_eq_nocase_c(s, "none"))
		*out = MP_PLAN_MONITOR;
	else if (mp_str_eq_nocase_c(s, "quarantine"))
		*out = MP_PLAN_QUARANTINE;
	else if (mp_str_eq_nocase_c(s, "reject"))
		*out = MP_PLAN_REJECT;
	else
		return fail(l, n, "stage", "'%s' is not monitor, quarantine or reject", s.ptr);
	return true;
}

/* report_uris - comma-separated mailto: URIs */
static bool
report_uris(struct ld *l, yaml_node_t *n, const char *field, struct mp_str *out)
{
	struct mp_str s, part;
	struct mp_buf norm;
	size_t start = 0;

	if (!scalar(l, n, field, &s))
		return false;
	mp_buf_init(&norm, MP_LIMIT_PLAN_VALUE);
	for (size_t i = 0; i <= s.len; i++) {
		if (i < s.len && s.ptr[i] != ',')
			continue;
		part = mp_str_trim(mp_str_make(s.ptr + start, i - start));
		start = i + 1;
		ptrdiff_t at = mp_str_find(part, '@');
		if (!mp_str_starts_nocase(part, MP_STR_LIT("mailto:")) || at < 8 ||
		    !mp_plan_name_ok(mp_str_make(part.ptr + at + 1, part.len - (size_t)at - 1), false)) {
			mp_buf_fini(&norm);
			return fail(l, n, field, "'%.*s' is not a mailto:local@domain URI",
			    (int)part.len, part.ptr);
		}
		/* RFC 9989 §4.7: a comma-separated list, written here without spaces */
		if ((norm.len && mp_buf_append_byte(&norm, ',') != MP_OK) ||
		    mp_buf_append_str(&norm, part) != MP_OK) {
			mp_buf_fini(&norm);
			return fail(l, n, field, "out of memory");
		}
	}
	*out = mp_arena_strdup(&l->inv->arena, mp_buf_str(&norm));
	mp_buf_fini(&norm);
	if (out->ptr == NULL)
		return fail(l, n, field, "out of memory");
	return true;
}

static bool
load_alignment(struct ld *l, yaml_node_t *n)
{
	struct mp_str s;

	if (!scalar(l, n, "alignment", &s))
		return false;
	if (mp_str_eq_nocase_c(s, "relaxed"))
		l->inv->strict_dkim = l->inv->strict_spf = false;
	else if (mp_str_eq_nocase_c(s, "strict"))
		l->inv->strict_dkim = l->inv->strict_spf = true;
	else
		return fail(l, n, "alignment", "'%s' is not relaxed or strict", s.ptr);
	return true;
}

static bool
load_org(struct ld *l, yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "organization", "expected a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
		bool ok;
		if (key_is(k, "name"))
			ok = scalar(l, v, "organization.name", &l->inv->org_name);
		else if (key_is(k, "rua"))
			ok = report_uris(l, v, "organization.rua", &l->inv->rua);
		else if (key_is(k, "ruf"))
			ok = report_uris(l, v, "organization.ruf", &l->inv->ruf);
		else if (key_is(k, "stage"))
			ok = load_stage(l, v, &l->inv->stage);
		else if (key_is(k, "alignment"))
			ok = load_alignment(l, v);
		else
			ok = fail(l, k, "organization", "unknown field '%s'", key_text(k));
		if (!ok)
			return false;
	}
	if (l->inv->rua.len == 0)
		return fail(l, n, "organization.rua", "a report address is required "
		    "(mailto:...), or DMARC failures go unseen");
	return true;
}

static bool
ip_list(struct ld *l, yaml_node_t *n, const char *field, int af, struct mp_str **out, size_t *nout)
{
	unsigned char buf[16];

	if (!str_list(l, n, field, MP_LIMIT_PLAN_ADDRS, out, nout))
		return false;
	for (size_t i = 0; i < *nout; i++)
		if (inet_pton(af, (*out)[i].ptr, buf) != 1)
			return fail(l, n, field, "'%s' is not an IPv%d address",
			    (*out)[i].ptr, af == AF_INET ? 4 : 6);
	return true;
}

static bool
load_server(struct ld *l, yaml_node_t *n, struct mp_plan_server *s)
{
	struct mp_str t;

	s->line = n ? (unsigned)n->start_mark.line + 1 : 0;
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "servers", "each server is a mapping (name, ipv4, ipv6, helo)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
		bool ok = true;
		if (key_is(k, "name")) {
			ok = scalar(l, v, "servers.name", &s->name);
			if (ok && !mp_plan_name_ok(s->name, false))
				ok = fail(l, v, "servers.name", "'%s' must be a short DNS label", s->name.ptr);
		} else if (key_is(k, "ipv4"))
			ok = ip_list(l, v, "servers.ipv4", AF_INET, &s->ipv4, &s->nipv4);
		else if (key_is(k, "ipv6"))
			ok = ip_list(l, v, "servers.ipv6", AF_INET6, &s->ipv6, &s->nipv6);
		else if (key_is(k, "helo"))
			ok = domain_name(l, v, "servers.helo", &s->helo);
		else if (key_is(k, "selector")) {
			ok = scalar(l, v, "servers.selector", &s->selector);
			if (ok && !mp_plan_name_ok(s->selector, false))
				ok = fail(l, v, "servers.selector", "'%s' is not a valid selector", s->selector.ptr);
		} else if (key_is(k, "dkim")) {
			ok = scalar(l, v, "servers.dkim", &t);
			if (ok && mp_str_eq_c(t, "rsa"))
				s->keytype = MP_PLAN_KEY_RSA;
			else if (ok && mp_str_eq_c(t, "ed25519"))
				s->keytype = MP_PLAN_KEY_ED25519;
			else if (ok && mp_str_eq_c(t, "both"))
				s->keytype = MP_PLAN_KEY_BOTH;
			else if (ok)
				ok = fail(l, v, "servers.dkim", "'%s' is not rsa, ed25519 or both", t.ptr);
		} else
			ok = fail(l, k, "servers", "unknown field '%s'", key_text(k));
		if (!ok)
			return false;
	}
	if (s->name.len == 0)
		return fail(l, n, "servers.name", "missing");
	if (s->nipv4 + s->nipv6 == 0)
		return fail(l, n, "servers.ipv4", "server '%s' needs at least one address", s->name.ptr);
	if (s->helo.len == 0)
		return fail(l, n, "servers.helo", "server '%s' needs its HELO name", s->name.ptr);
	return true;
}

static const struct mp_plan_provider *
find_provider(const struct mp_plan_inventory *inv, struct mp_str id)
{
	for (size_t i = 0; i < inv->nproviders; i++)
		if (mp_str_eq_nocase(inv->providers[i].id, id))
			return &inv->providers[i];
	return NULL;
}

static const struct mp_plan_server *
find_server(const struct mp_plan_inventory *inv, struct mp_str name)
{
	for (size_t i = 0; i < inv->nservers; i++)
		if (mp_str_eq_nocase(inv->servers[i].name, name))
			return &inv->servers[i];
	return NULL;
}

/* load_sender - "sendgrid" or {provider: sendgrid, account: u123} */
static bool
load_sender(struct ld *l, yaml_node_t *n, struct mp_plan_sender *s)
{
	struct mp_str id = MP_STR_NULL;
	size_t np = 0;

	s->line = n ? (unsigned)n->start_mark.line + 1 : 0;
	if (n && n->type == YAML_SCALAR_NODE) {
		if (!scalar(l, n, "domains.senders", &id))
			return false;
	} else if (n && n->type == YAML_MAPPING_NODE) {
		size_t npairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		if (npairs > MP_LIMIT_PLAN_PARAMS)
			return fail(l, n, "domains.senders", "too many parameters");
		s->params = mp_arena_zalloc(&l->inv->arena, (npairs ? npairs : 1) * sizeof *s->params);
		if (s->params == NULL)
			return fail(l, n, "domains.senders", "out of memory");
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
			if (key_is(k, "provider")) {
				if (!scalar(l, v, "domains.senders.provider", &id))
					return false;
				continue;
			}
			if (!scalar(l, k, "domains.senders", &s->params[np].name) ||
			    !scalar(l, v, "domains.senders", &s->params[np].value))
				return false;
			np++;
		}
	} else
		return fail(l, n, "domains.senders", "a provider id or {provider: ID, param: value}");
	s->nparams = np;
	if (id.len == 0)
		return fail(l, n, "domains.senders.provider", "missing provider id");
	s->provider = find_provider(l->inv, id);
	if (s->provider == NULL)
		return fail(l, n, "domains.senders", "unknown provider '%s' (not in the catalogue; "
		    "describe it under providers:)", id.ptr);
	for (size_t i = 0; i < s->provider->nparams; i++) {
		bool found = false;
		for (size_t j = 0; j < np; j++)
			found |= mp_str_eq(s->params[j].name, s->provider->params[i]);
		if (!found)
			return fail(l, n, "domains.senders", "provider '%s' needs parameter '%s'",
			    id.ptr, s->provider->params[i].ptr);
	}
	return true;
}

static bool
load_domain(struct ld *l, yaml_node_t *n, struct mp_plan_domain *d)
{
	bool has_sending = false;

	d->line = n ? (unsigned)n->start_mark.line + 1 : 0;
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "domains", "each domain is a mapping (name, sending, servers, senders)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
		bool ok = true;
		if (key_is(k, "name"))
			ok = domain_name(l, v, "domains.name", &d->name);
		else if (key_is(k, "sending")) {
			struct mp_str t;
			ok = scalar(l, v, "domains.sending", &t);
			if (ok && (mp_str_eq_c(t, "true") || mp_str_eq_c(t, "yes")))
				d->sending = true;
			else if (ok && (mp_str_eq_c(t, "false") || mp_str_eq_c(t, "no")))
				d->sending = false;
			else if (ok)
				ok = fail(l, v, "domains.sending", "'%s' is not true or false", t.ptr);
			has_sending = true;
		} else if (key_is(k, "stage")) {
			ok = load_stage(l, v, &d->stage);
			d->has_stage = true;
		} else if (key_is(k, "servers")) {
			struct mp_str *names;
			ok = str_list(l, v, "domains.servers", MP_LIMIT_PLAN_SERVERS, &names, &d->nservers);
			if (ok)
				d->servers = mp_arena_zalloc(&l->inv->arena, (d->nservers + 1) * sizeof *d->servers);
			for (size_t i = 0; ok && i < d->nservers; i++)
				if ((d->servers[i] = find_server(l->inv, names[i])) == NULL)
					ok = fail(l, v, "domains.servers", "unknown server '%s'", names[i].ptr);
		} else if (key_is(k, "senders")) {
			yaml_node_item_t *items = NULL;
			int single = 0;
			ok = seq_items(l, v, "domains.senders", MP_LIMIT_PLAN_SENDERS, &items, &d->nsenders, &single);
			if (ok)
				d->senders = mp_arena_zalloc(&l->inv->arena, (d->nsenders + 1) * sizeof *d->senders);
			for (size_t i = 0; ok && i < d->nsenders; i++)
				ok = load_sender(l, get(l, items[i]), &d->senders[i]);
		} else
			ok = fail(l, k, "domains", "unknown field '%s'", key_text(k));
		if (!ok)
			return false;
	}
	if (d->name.len == 0)
		return fail(l, n, "domains.name", "missing");
	if (!has_sending)
		return fail(l, n, "domains.sending", "say whether %s sends mail (true/false)", d->name.ptr);
	if (!d->sending && (d->nservers || d->nsenders))
		return fail(l, n, "domains.sending", "%s is marked not sending but lists servers or senders",
		    d->name.ptr);
	if (d->sending && d->nservers + d->nsenders == 0)
		return fail(l, n, "domains.servers", "%s sends mail but lists no servers or senders",
		    d->name.ptr);
	return true;
}

static bool
load_dkim_def(struct ld *l, yaml_node_t *n, struct mp_plan_provider *pr)
{
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "providers.dkim", "expected a mapping (cname:, key:)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
		if (key_is(k, "key")) {
			if (!str_list(l, v, "providers.dkim.key", MP_LIMIT_PLAN_PARAMS, &pr->key_selector, &pr->nkey))
				return false;
		} else if (key_is(k, "cname")) {
			yaml_node_item_t *items = NULL;
			int single = 0;
			if (!seq_items(l, v, "providers.dkim.cname", MP_LIMIT_PLAN_PARAMS, &items, &pr->ncname, &single))
				return false;
			pr->cname_selector = mp_arena_zalloc(&l->inv->arena, (pr->ncname + 1) * sizeof(struct mp_str));
			pr->cname_target = mp_arena_zalloc(&l->inv->arena, (pr->ncname + 1) * sizeof(struct mp_str));
			for (size_t i = 0; i < pr->ncname; i++) {
				yaml_node_t *c = get(l, items[i]);
				if (c == NULL || c->type != YAML_MAPPING_NODE)
					return fail(l, c, "providers.dkim.cname", "expected {selector:, target:}");
				for (yaml_node_pair_t *q = c->data.mapping.pairs.start; q < c->data.mapping.pairs.top; q++) {
					yaml_node_t *ck = get(l, q->key), *cv = get(l, q->value);
					if (key_is(ck, "selector")) {
						if (!scalar(l, cv, "providers.dkim.cname.selector", &pr->cname_selector[i]))
							return false;
					} else if (key_is(ck, "target")) {
						if (!scalar(l, cv, "providers.dkim.cname.target", &pr->cname_target[i]))
							return false;
					} else
						return fail(l, ck, "providers.dkim.cname", "unknown field '%s'", key_text(ck));
				}
				if (pr->cname_selector[i].len == 0 || pr->cname_target[i].len == 0)
					return fail(l, c, "providers.dkim.cname", "needs selector and target");
			}
		} else
			return fail(l, k, "providers.dkim", "unknown field '%s'", key_text(k));
	}
	return true;
}

static bool
load_provider(struct ld *l, yaml_node_t *n, struct mp_plan_provider *pr, bool inline_def)
{
	pr->inline_def = inline_def;
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "providers", "each provider is a mapping (id, name, spf_include, dkim)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
		bool ok;
		if (key_is(k, "id"))
			ok = scalar(l, v, "providers.id", &pr->id);
		else if (key_is(k, "name"))
			ok = scalar(l, v, "providers.name", &pr->name);
		else if (key_is(k, "spf_include"))
			ok = scalar(l, v, "providers.spf_include", &pr->spf_include);
		else if (key_is(k, "notes"))
			ok = scalar(l, v, "providers.notes", &pr->notes);
		else if (key_is(k, "kind")) {
			struct mp_str t;
			ok = scalar(l, v, "providers.kind", &t);
			if (ok && mp_str_eq_c(t, "mailbox"))
				pr->mailbox = true;
			else if (ok && !mp_str_eq_c(t, "bulk"))
				ok = fail(l, v, "providers.kind", "'%s' is not mailbox or bulk", t.ptr);
		}
		else if (key_is(k, "params"))
			ok = str_list(l, v, "providers.params", MP_LIMIT_PLAN_PARAMS, &pr->params, &pr->nparams);
		else if (key_is(k, "dkim"))
			ok = load_dkim_def(l, v, pr);
		else
			ok = fail(l, k, "providers", "unknown field '%s'", key_text(k));
		if (!ok)
			return false;
	}
	if (pr->id.len == 0)
		return fail(l, n, "providers.id", "missing");
	if (pr->name.len == 0)
		pr->name = pr->id;
	if (find_provider(l->inv, pr->id) != pr)
		return fail(l, n, "providers.id", "provider '%s' defined twice", pr->id.ptr);
	return true;
}

/* load_list - a top-level sequence of mappings into an array */
static bool
load_providers(struct ld *l, yaml_node_t *n, bool inline_def)
{
	yaml_node_item_t *items = NULL;
	size_t nitems = 0, base = l->inv->nproviders;
	int single = 0;
	struct mp_plan_provider *grown;

	if (!seq_items(l, n, "providers", MP_LIMIT_PLAN_PROVIDERS, &items, &nitems, &single))
		return false;
	if (base + nitems > MP_LIMIT_PLAN_PROVIDERS)
		return fail(l, n, "providers", "more than %d providers", MP_LIMIT_PLAN_PROVIDERS);
	grown = mp_arena_zalloc(&l->inv->arena, (base + nitems + 1) * sizeof *grown);
	if (grown == NULL)
		return fail(l, n, "providers", "out of memory");
	if (base)
		memcpy(grown, l->inv->providers, base * sizeof *grown);
	l->inv->providers = grown;
	for (size_t i = 0; i < nitems; i++) {
		l->inv->nproviders = base + i + 1;
		if (!load_provider(l, get(l, items[i]), &grown[base + i], inline_def))
			return false;
	}
	return true;
}

/* parse_doc - run fn over the root mapping's pairs */
static enum mp_status
parse_doc(struct mp_str text, const char *file, struct ld *l,
          bool (*fn)(struct ld *, yaml_node_t *root))
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	bool ok;

	if (text.len > MP_LIMIT_CONFIG_FILE) {
		mp_why_setf(l->why, MP_REASON_PLAN_SYNTAX, "%s: larger than %u bytes", file,
		    MP_LIMIT_CONFIG_FILE);
		return MP_EINVAL;
	}
	if (!yaml_parser_initialize(&parser))
		return MP_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text.ptr, text.len);
	if (!yaml_parser_load(&parser, &doc)) {
		mp_why_setf(l->why, MP_REASON_PLAN_SYNTAX, "%s:%lu: YAML: %s", file,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		return MP_EINVAL;
	}
	l->doc = &doc;
	l->file = file;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE)
		ok = fail(l, root, "(top)", "expected a mapping");
	else
		ok = fn(l, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	l->doc = NULL;
	return ok ? MP_OK : MP_EINVAL;
}

static bool
catalog_root(struct ld *l, yaml_node_t *root)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key);
		if (!key_is(k, "providers"))
			return fail(l, k, "(top)", "unknown field '%s'", key_text(k));
		if (!load_providers(l, get(l, p->value), false))
			return false;
	}
	return true;
}

static bool
inventory_root(struct ld *l, yaml_node_t *root)
{
	yaml_node_t *org = NULL, *servers = NULL, *domains = NULL, *providers = NULL;
	struct mp_plan_inventory *inv = l->inv;
	yaml_node_item_t *items = NULL;
	int single = 0;

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(l, p->key), *v = get(l, p->value);
		if (key_is(k, "organization"))
			org = v;
		else if (key_is(k, "servers"))
			servers = v;
		else if (key_is(k, "domains"))
			domains = v;
		else if (key_is(k, "providers"))
			providers = v;
		else
			return fail(l, k, "(top)", "unknown field '%s' (organization, servers, "
			    "providers, domains)", key_text(k));
	}
	if (org == NULL)
		return fail(l, root, "organization", "missing");
	if (domains == NULL)
		return fail(l, root, "domains", "missing");
	if (!load_org(l, org))
		return false;
	if (providers && !load_providers(l, providers, true))
		return false;
	if (servers) {
		if (!seq_items(l, servers, "servers", MP_LIMIT_PLAN_SERVERS, &items, &inv->nservers, &single))
			return false;
		inv->servers = mp_arena_zalloc(&inv->arena, (inv->nservers + 1) * sizeof *inv->servers);
		if (inv->servers == NULL)
			return fail(l, servers, "servers", "out of memory");
		for (size_t i = 0; i < inv->nservers; i++) {
			if (!load_server(l, get(l, items[i]), &inv->servers[i]))
				return false;
			if (find_server(inv, inv->servers[i].name) != &inv->servers[i])
				return fail(l, get(l, items[i]), "servers.name", "server '%s' listed twice",
				    inv->servers[i].name.ptr);
		}
	}
	if (!seq_items(l, domains, "domains", MP_LIMIT_PLAN_DOMAINS, &items, &inv->ndomains, &single))
		return false;
	inv->domains = mp_arena_zalloc(&inv->arena, (inv->ndomains + 1) * sizeof *inv->domains);
	if (inv->domains == NULL)
		return fail(l, domains, "domains", "out of memory");
	for (size_t i = 0; i < inv->ndomains; i++) {
		if (!load_domain(l, get(l, items[i]), &inv->domains[i]))
			return false;
		for (size_t j = 0; j < i; j++)
			if (mp_str_eq(inv->domains[j].name, inv->domains[i].name))
				return fail(l, get(l, items[i]), "domains.name", "domain '%s' listed twice",
				    inv->domains[i].name.ptr);
	}
	return true;
}

enum mp_status
mp_plan_load(struct mp_str catalog, const char *catalog_name, struct mp_str inventory,
             const char *inventory_name, struct mp_plan_inventory **out, struct mp_why *why)
{
	struct mp_plan_inventory *inv;
	struct ld l = { 0 };
	enum mp_status st;

	*out = NULL;
	if ((inv = mp_zalloc(sizeof *inv)) == NULL)
		return MP_ENOMEM;
	mp_arena_init(&inv->arena, MP_LIMIT_PLAN_ARENA);
	inv->stage = MP_PLAN_MONITOR;
	l.inv = inv;
	l.why = why;
	st = parse_doc(catalog, catalog_name, &l, catalog_root);
	if (st == MP_OK)
		st = parse_doc(inventory, inventory_name, &l, inventory_root);
	if (st != MP_OK) {
		mp_plan_inventory_free(inv);
		return st;
	}
	*out = inv;
	return MP_OK;
}

void
mp_plan_inventory_free(struct mp_plan_inventory *inv)
{
	if (inv == NULL)
		return;
	mp_arena_fini(&inv->arena);
	mp_free(inv);
}
