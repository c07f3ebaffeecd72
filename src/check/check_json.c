/* check_json.c - one check result as one JSON object on one line
 * (docs/check-schema.json). DNS text may hold any byte: strings that are
 * not printable ASCII are written with \xHH escapes for the odd bytes, so
 * the output is always valid UTF-8 JSON. Thread-safe (no state).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>

#include "check_internal.h"

/* jstr - a JSON string from any bytes */
static json_t *
jstr(struct mp_str s)
{
	static const char hex[] = "0123456789abcdef";
	struct mp_buf b;
	json_t *j;
	bool plain = true;

	if (s.ptr == NULL)
		return json_string("");
	for (size_t i = 0; i < s.len && plain; i++)
		plain = (unsigned char)s.ptr[i] >= 0x20 && (unsigned char)s.ptr[i] < 0x7f;
	if (plain || (j = json_stringn(s.ptr, s.len)) != NULL)
		return plain ? json_stringn(s.ptr, s.len) : j;   /* valid UTF-8 kept */
	mp_buf_init(&b, s.len * 4 + 1);
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			mp_buf_append_byte(&b, (char)ch);
		} else {
			char e[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 0xf] };
			if (ch == '\\')
				mp_buf_append(&b, "\\\\", 2);
			else
				mp_buf_append(&b, e, 4);
		}
	}
	j = json_stringn(mp_buf_str(&b).ptr, b.len);
	mp_buf_fini(&b);
	return j;
}

/* jopt - a string, or null when empty */
static json_t *
jopt(struct mp_str s)
{
	return s.len == 0 ? json_null() : jstr(s);
}

static json_t *
spf_json(const struct mp_check_spf *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(mp_check_state_name(s->state)));
	json_object_set_new(o, "records", json_integer((json_int_t)s->nrecords));
	json_object_set_new(o, "record", jopt(s->record));
	json_object_set_new(o, "linted", json_boolean(s->linted));
	json_object_set_new(o, "lookups", s->linted ? json_integer(s->lookups) : json_null());
	json_object_set_new(o, "void_lookups", s->linted ? json_integer(s->void_lookups) : json_null());
	json_object_set_new(o, "all", jopt(s->all));
	return o;
}

static json_t *
dmarc_json(const struct mp_check_dmarc *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(mp_check_state_name(d->state)));
	json_object_set_new(o, "record", jopt(d->record));
	json_object_set_new(o, "found_at", jopt(d->found_at));
	json_object_set_new(o, "method", jopt(d->method));
	json_object_set_new(o, "p", jopt(d->p));
	json_object_set_new(o, "sp", jopt(d->sp));
	json_object_set_new(o, "np", jopt(d->np));
	json_object_set_new(o, "pct", json_integer(d->pct));
	json_object_set_new(o, "testing", json_boolean(d->testing));
	json_object_set_new(o, "adkim", jopt(d->adkim));
	json_object_set_new(o, "aspf", jopt(d->aspf));
	json_object_set_new(o, "rua", jopt(d->rua));
	json_object_set_new(o, "ruf", jopt(d->ruf));
	json_object_set_new(o, "nxdomain_policy", jopt(d->nxdomain_policy));
	return o;
}

static json_t *
dkim_json(const struct mp_check_dkim *d)
{
	json_t *o = json_object(), *keys = json_array();

	json_object_set_new(o, "probe", json_string(mp_check_dkim_probe_name(d->probe)));
	json_object_set_new(o, "probed", json_integer((json_int_t)d->nprobed));
	for (size_t i = 0; i < d->nkeys; i++) {
		const struct mp_check_dkim_key *k = &d->keys[i];
		json_t *kj = json_object();

		json_object_set_new(kj, "selector", jstr(k->selector));
		json_object_set_new(kj, "state", json_string(mp_check_state_name(k->state)));
		json_object_set_new(kj, "cname", jopt(k->cname));
		json_object_set_new(kj, "type", jopt(k->key_type));
		json_object_set_new(kj, "bits", k->bits ? json_integer(k->bits) : json_null());
		json_object_set_new(kj, "revoked", json_boolean(k->revoked));
		json_object_set_new(kj, "testing", json_boolean(k->testing));
		json_array_append_new(keys, kj);
	}
	json_object_set_new(o, "keys", keys);
	json_object_set_new(o, "failed_queries", json_integer((json_int_t)d->nunknown));
	json_object_set_new(o, "note", json_string(
	    "selectors cannot be listed: not finding one does not prove there is no DKIM"));
	return o;
}

static json_t *
mx_json(const struct mp_check_mx *m)
{
	json_t *o = json_object(), *hosts = json_array();

	json_object_set_new(o, "state", json_string(mp_check_state_name(m->state)));
	json_object_set_new(o, "null_mx", json_boolean(m->null_mx));
	for (size_t i = 0; i < m->nhosts; i++) {
		const struct mp_check_mx_host *h = &m->hosts[i];
		json_t *hj = json_object(), *addrs = json_array();

		json_object_set_new(hj, "pref", json_integer(h->pref));
		json_object_set_new(hj, "host", jstr(h->host));
		json_object_set_new(hj, "resolves", json_string(mp_check_state_name(h->resolves)));
		json_object_set_new(hj, "cname", json_boolean(h->is_cname));
		json_object_set_new(hj, "ip_literal", json_boolean(h->is_ip_literal));
		json_object_set_new(hj, "tlsa", json_string(mp_check_state_name(h->tlsa)));
		for (size_t j = 0; j < h->naddrs; j++) {
			json_t *aj = json_object();

			json_object_set_new(aj, "ip", json_string(h->addrs[j].ip));
			json_object_set_new(aj, "ptr", jopt(h->addrs[j].ptr));
			json_object_set_new(aj, "ptr_state",
			    json_string(mp_check_state_name(h->addrs[j].ptr_state)));
			json_object_set_new(aj, "fcrdns", json_boolean(h->addrs[j].fcrdns));
			json_array_append_new(addrs, aj);
		}
		json_object_set_new(hj, "addresses", addrs);
		json_array_append_new(hosts, hj);
	}
	json_object_set_new(o, "hosts", hosts);
	return o;
}

static json_t *
txt_json(const struct mp_check_txt *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(mp_check_state_name(t->state)));
	json_object_set_new(o, "record", jopt(t->record));
	json_object_set_new(o, "error", jopt(t->error));
	return o;
}

static json_t *
findings_json(const struct mp_check_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nfindings; i++) {
		const struct mp_check_finding *f = &r->findings[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(mp_reason_token(f->id)));
		json_object_set_new(o, "severity", json_string(mp_check_severity_name(f->severity)));
		json_object_set_new(o, "area", json_string(mp_check_area_name(f->area)));
		json_object_set_new(o, "effect", json_string(mp_check_verdict_name(f->effect)));
		json_object_set_new(o, "message", jstr(f->message));
		json_object_set_new(o, "fix", jopt(f->fix));
		json_array_append_new(a, o);
	}
	return a;
}

/* mp_check_format_json - the result as one line of JSON */
enum mp_status
mp_check_format_json(const struct mp_check_result *r, struct mp_buf *out)
{
	json_t *o = json_object();
	char *text;
	enum mp_status st;

	if (o == NULL)
		return MP_ENOMEM;
	json_object_set_new(o, "domain", jstr(r->domain));
	json_object_set_new(o, "verdict", json_string(mp_check_verdict_name(r->verdict)));
	json_object_set_new(o, "verdict_reason", jstr(r->verdict_reason));
	json_object_set_new(o, "sends_no_mail", json_boolean(r->sends_no_mail));
	json_object_set_new(o, "dnssec", json_string(mp_dnssec_name(r->dnssec)));
	json_object_set_new(o, "spf", spf_json(&r->spf));
	json_object_set_new(o, "dmarc", dmarc_json(&r->dmarc));
	json_object_set_new(o, "dkim", dkim_json(&r->dkim));
	json_object_set_new(o, "mx", mx_json(&r->mx));
	json_object_set_new(o, "mta_sts", txt_json(&r->mta_sts));
	json_object_set_new(o, "tls_rpt", txt_json(&r->tls_rpt));
	json_object_set_new(o, "bimi", txt_json(&r->bimi));
	json_object_set_new(o, "findings", findings_json(r));
	json_object_set_new(o, "queries", json_integer((json_int_t)r->nqueries));
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		return MP_ENOMEM;
	st = mp_buf_append_c(out, text);
	free(text);
	return st;
}
