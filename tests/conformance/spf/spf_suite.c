/* spf_suite.c - run the openspf test suites (RFC 7208 and RFC 4408 editions)
 * against mailproof's SPF evaluator on in-memory zone data.
 *
 * Usage: spf_suite FILE.yml [--rfc4408 | --pyspf-extra] [-v]
 * Each YAML document is a scenario: zonedata is loaded into a struct mp_zone
 * (SPF-type records are served as TXT unless the name has its own TXT entry;
 * TIMEOUT entries become MP_DNS_TIMEOUT), then every test is evaluated and
 * compared with its result (any listed result counts) and explanation.
 * Prints "N passed, M failed, K superseded"; exits 1 on any failure, 77 when
 * the data file is missing (CTest SKIP_RETURN_CODE).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include <mailproof/dns.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

/* rfc4408-tests.yml cases whose expectations RFC 7208 changed (the 4408
 * edition accepts results 7208 no longer allows, or the reverse). They are
 * run like every other case; only if one fails is it counted "superseded"
 * instead of failed. Keep docs/spf.md in step with this table. */
static const struct superseded {
	const char *id, *why;
} superseded[] = {
	{ "txtonly", "RFC 7208 §3.1, §4.4: only TXT is queried; type SPF is gone (§14.1)" },
	{ "spfonly", "RFC 7208 §4.4: a type SPF record alone is no record: none" },
	{ "spftimeout", "RFC 7208 §4.4: type SPF is not queried, so its timeout does not matter" },
	{ "txttimeout", "RFC 7208 §4.4: a TXT timeout is temperror; no SPF-type fallback" },
	{ "nospftxttimeout", "RFC 7208 §4.4: a TXT timeout is temperror; no SPF-type fallback" },
	{ "spfoverride", "RFC 7208 §4.4: TXT is authoritative; an SPF-type record cannot override it" },
	{ "multitxt1", "RFC 7208 §4.5: two v=spf1 TXT records are permerror, whatever type SPF says" },
	{ "multispf2", "RFC 7208 §4.5: type SPF records are not consulted; the one TXT record counts" },
	{ "exists-dnserr", "RFC 7208 §5.7, §2.6.6: a DNS error in exists is temperror" },
	{ "cidr6-0-ip4", "RFC 7208 §5.6: ip6 never matches an IPv4 client" },
	{ "cidr6-ip4", "RFC 7208 §5.6: ip6 never matches an IPv4 client" },
	{ "mx-limit", "RFC 7208 §4.6.4: more than 10 MX names is permerror" },
};

/* pyspf-extra-tests.yml cases that test pyspf's own extensions, not RFC 7208. */
static const struct superseded extra_not_rfc[] = {
	{ "default-modifier", "pyspf's 'default=' modifier is not RFC 7208: unknown modifiers are ignored (§6)" },
	{ "default-modifier-harsh", "'ambiguous' is a pyspf harsh-mode result, not an RFC 7208 result (§2.6)" },
};

static bool extra;
static yaml_document_t doc;
static unsigned npass, nfail, nsuper;
static bool rfc4408;
static bool verbose;

/* node - node by index */
static yaml_node_t *
node(int i)
{
	return yaml_document_get_node(&doc, i);
}

/* scalar - view of a scalar node, NULL ptr if not scalar */
static struct mp_str
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return MP_STR_NULL;
	return mp_str_make((const char *)n->data.scalar.value, n->data.scalar.length);
}

/* get - value of key in a mapping, or NULL */
static yaml_node_t *
get(yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
		if (mp_str_eq_c(scalar(node(p->key)), key))
			return node(p->value);
	return NULL;
}

/* add_txt - one TXT record from a scalar or a list of strings */
static void
add_txt(struct mp_zone *z, struct mp_str owner, yaml_node_t *v)
{
	struct mp_str strs[64];
	size_t n = 0;

	if (v->type == YAML_SCALAR_NODE) {
		strs[n++] = scalar(v);
	} else if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top && n < 64; it++)
			strs[n++] = scalar(node(*it));
	}
	/* a TXT record without strings cannot be represented (RFC 1035 §3.3.14
	 * needs one or more); the suite's null-text case expects it ignored */
	if (mp_zone_add_txt(z, owner, strs, n) != MP_OK && verbose)
		fprintf(stderr, "zone: TXT at %.*s not added\n", (int)owner.len, owner.ptr);
}

/* add_rr - A AAAA PTR CNAME MX from the suite's notation */
static void
add_rr(struct mp_zone *z, struct mp_str owner, struct mp_str type, yaml_node_t *v)
{
	char rdata[1200];
	struct mp_why why;
	uint16_t t;

	if (!mp_dns_type_parse(type, &t)) {
		fprintf(stderr, "zone: unknown type %.*s\n", (int)type.len, type.ptr);
		exit(2);
	}
	if (v->type == YAML_SEQUENCE_NODE) {            /* MX: [pref, host] */
		yaml_node_item_t *it = v->data.sequence.items.start;
		struct mp_str pref = scalar(node(it[0])), host = scalar(node(it[1]));

		if (pref.ptr == NULL || host.ptr == NULL) {
			fprintf(stderr, "zone: MX needs [preference, host]\n");
			exit(2);
		}
		snprintf(rdata, sizeof rdata, "%.*s %.*s.", (int)pref.len, pref.ptr,
		    (int)host.len, host.ptr);
		if (host.len == 0)
			snprintf(rdata, sizeof rdata, "%.*s .", (int)pref.len, pref.ptr);
	} else {
		struct mp_str s = scalar(v);

		if (s.ptr == NULL) {
			fprintf(stderr, "zone: %.*s value is not a scalar\n", (int)type.len, type.ptr);
			exit(2);
		}
		snprintf(rdata, sizeof rdata, "%.*s%s", (int)s.len, s.ptr,
		    (t == MP_DNS_T_PTR || t == MP_DNS_T_CNAME) && s.len && s.ptr[s.len - 1] != '.' ?
		    "." : "");
	}
	mp_why_clear(&why);
	if (mp_zone_add(z, owner, 300, t, mp_str_c(rdata), &why) != MP_OK)
		if (verbose)
			fprintf(stderr, "zone: %.*s %.*s %s: %s (ignored)\n", (int)owner.len,
			    owner.ptr, (int)type.len, type.ptr, rdata, why.text);
}

/* escape_owner - suite names are plain bytes; zone owners are presentation form */
static struct mp_str
escape_owner(struct mp_str in, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < in.len && n + 5 < size; i++) {
		unsigned char c = (unsigned char)in.ptr[i];

		if (c > 0x20 && c < 0x7f && !strchr("\\\"();@$", c))
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, 5, "\\%03u", c);
	}
	return mp_str_make(buf, n);
}

/* timeout_rest - the suite's bare TIMEOUT: every type without records times out */
static void
timeout_rest(struct mp_zone *z, struct mp_str owner, yaml_node_t *list)
{
	static const uint16_t types[] = { MP_DNS_T_TXT, MP_DNS_T_A, MP_DNS_T_AAAA,
		MP_DNS_T_MX, MP_DNS_T_PTR };
	bool any = false;

	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
		bool has = false;

		for (yaml_node_item_t *it = list->data.sequence.items.start;
		    it < list->data.sequence.items.top; it++) {
			yaml_node_t *item = node(*it);
			uint16_t t;
			struct mp_str ty;

			if (item->type != YAML_MAPPING_NODE)
				continue;
			/* an SPF entry does not stop a TXT timeout (txttimeout) */
			ty = scalar(node(item->data.mapping.pairs.start->key));
			if (mp_str_eq_c(scalar(node(item->data.mapping.pairs.start->value)), "NONE"))
				continue;
			if (mp_dns_type_parse(ty, &t) && t == types[k])
				has = true;
			any = true;
		}
		if (!has && any)
			mp_zone_fail(z, owner, types[k], MP_DNS_TIMEOUT);
	}
	if (!any)
		mp_zone_fail(z, owner, 0, MP_DNS_TIMEOUT);
}

/* build_zone - zonedata -> zone (see file comment for the conventions) */
static struct mp_zone *
build_zone(yaml_node_t *zd)
{
	struct mp_zone *z = mp_zone_new();

	if (z == NULL)
		exit(2);
	if (zd == NULL || zd->type != YAML_MAPPING_NODE)
		return z;
	for (yaml_node_pair_t *p = zd->data.mapping.pairs.start; p < zd->data.mapping.pairs.top; p++) {
		char obuf[1100];
		struct mp_str owner = escape_owner(scalar(node(p->key)), obuf, sizeof obuf);
		yaml_node_t *list = node(p->value);
		bool has_txt = false;

		if (list == NULL || list->type != YAML_SEQUENCE_NODE)
			continue;
		for (int pass = 0; pass < 2; pass++) {
			for (yaml_node_item_t *it = list->data.sequence.items.start;
			    it < list->data.sequence.items.top; it++) {
				yaml_node_t *item = node(*it);
				yaml_node_pair_t *kv;
				struct mp_str type;
				yaml_node_t *v;

				if (item->type == YAML_SCALAR_NODE) {
					if (pass == 0 && mp_str_eq_c(scalar(item), "TIMEOUT"))
						timeout_rest(z, owner, list);
					continue;
				}
				if (item->type != YAML_MAPPING_NODE)
					continue;
				kv = item->data.mapping.pairs.start;
				type = scalar(node(kv->key));
				v = node(kv->value);
				if (pass == 0 && mp_str_eq_c(type, "TXT"))
					has_txt = true;
				if (mp_str_eq_c(scalar(v), "TIMEOUT")) {
					uint16_t t;

					if (pass == 0 && mp_dns_type_parse(type, &t))
						mp_zone_fail(z, owner, mp_str_eq_c(type, "SPF") ?
						    MP_DNS_T_TXT : t, MP_DNS_TIMEOUT);
					continue;
				}
				if (pass == 0 && mp_str_eq_c(type, "TXT")) {
					if (!mp_str_eq_c(scalar(v), "NONE"))
						add_txt(z, owner, v);
				} else if (pass == 1 && mp_str_eq_c(type, "SPF")) {
					/* RFC 7208 implementations query TXT only: SPF
					 * records stand in for TXT unless TXT is given */
					if (!has_txt && !mp_str_eq_c(scalar(v), "NONE"))
						add_txt(z, owner, v);
				} else if (pass == 0 && !mp_str_eq_c(type, "SPF") &&
				    !mp_str_eq_c(type, "TXT")) {
					add_rr(z, owner, type, v);
				}
			}
		}
	}
	return z;
}

/* result_ok - does got match the expected result (scalar or list)? */
static bool
result_ok(yaml_node_t *want, enum mp_spf_result got)
{
	struct mp_str w;
	enum mp_spf_result r;

	if (want->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = want->data.sequence.items.start;
		    it < want->data.sequence.items.top; it++)
			if (result_ok(node(*it), got))
				return true;
		return false;
	}
	w = scalar(want);
	if (mp_str_eq_c(w, "unknown"))
		w = MP_STR_LIT("permerror");
	else if (mp_str_eq_c(w, "error"))
		w = MP_STR_LIT("temperror");
	return mp_spf_result_parse(w, &r) && r == got;
}

/* is_superseded - rfc4408 cases RFC 7208 changed */
static const char *
is_superseded(struct mp_str id)
{
	if (extra) {
		for (size_t i = 0; i < sizeof extra_not_rfc / sizeof extra_not_rfc[0]; i++)
			if (mp_str_eq_c(id, extra_not_rfc[i].id))
				return extra_not_rfc[i].why;
		return NULL;
	}
	if (!rfc4408)
		return NULL;
	for (size_t i = 0; i < sizeof superseded / sizeof superseded[0]; i++)
		if (mp_str_eq_c(id, superseded[i].id))
			return superseded[i].why;
	return NULL;
}

/* run_test - one test case */
static void
run_test(struct mp_resolver *res, struct mp_str scen, struct mp_str id, yaml_node_t *t)
{
	struct mp_spf_request req = { 0 };
	struct mp_spf_eval *ev;
	struct mp_dns_client c;
	const struct mp_spf_outcome *o;
	yaml_node_t *want = get(t, "result"), *exp = get(t, "explanation");
	const char *sup;
	bool ok;

	if (!mp_spf_ip_parse(scalar(get(t, "host")), &req.ip)) {
		printf("FAIL %.*s: bad host in test\n", (int)id.len, id.ptr);
		nfail++;
		return;
	}
	req.mail_from = scalar(get(t, "mailfrom"));
	req.helo = scalar(get(t, "helo"));
	req.identity = MP_SPF_ID_MAILFROM;
	req.default_exp = MP_STR_LIT("DEFAULT");
	req.now = 1400000000;
	if (mp_spf_eval_new(&req, &ev) != MP_OK)
		exit(2);
	mp_spf_eval_client(ev, &c);
	mp_dns_drive(res, &c);
	o = mp_spf_eval_outcome(ev);
	ok = result_ok(want, o->result);
	/* explanations compare without case: v-macro-ip6 wants upper-case
	 * nibbles for %{ir}, the RFC 7208 §7.4 example shows lower case */
	if (ok && exp != NULL && o->result == MP_SPF_FAIL &&
	    !mp_str_eq_nocase(scalar(exp), o->explanation))
		ok = false;
	if ((sup = is_superseded(id)) != NULL && !ok) {
		nsuper++;
		if (verbose)
			printf("superseded %.*s: %s\n", (int)id.len, id.ptr, sup);
	} else if (ok) {
		npass++;
	} else {
		nfail++;
		printf("FAIL %.*s / %.*s: got %s (%s: %s) mech '%.*s' exp '%.*s'; want ",
		    (int)scen.len, scen.ptr, (int)id.len, id.ptr, mp_spf_result_name(o->result),
		    mp_reason_token(o->why.reason), o->why.text, (int)o->mechanism.len,
		    o->mechanism.ptr, (int)o->explanation.len, o->explanation.ptr);
		if (want->type == YAML_SCALAR_NODE)
			printf("%.*s", (int)scalar(want).len, scalar(want).ptr);
		else
			printf("(list)");
		if (exp)
			printf(" exp '%.*s'", (int)scalar(exp).len, scalar(exp).ptr);
		printf("\n");
	}
	mp_spf_eval_free(ev);
}

/* run_scenario - zone + tests of one document */
static void
run_scenario(yaml_node_t *root)
{
	struct mp_zone *z = build_zone(get(root, "zonedata"));
	struct mp_resolver *res = mp_resolver_new_zone(z);
	yaml_node_t *tests = get(root, "tests");
	struct mp_str scen = scalar(get(root, "description"));

	if (res == NULL)
		exit(2);
	if (tests && tests->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
		    p < tests->data.mapping.pairs.top; p++)
			run_test(res, scen, scalar(node(p->key)), node(p->value));
	mp_resolver_free(res);
	mp_zone_free(z);
}

int
main(int argc, char **argv)
{
	yaml_parser_t parser;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: spf_suite FILE.yml [--rfc4408|--pyspf-extra] [-v]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		rfc4408 |= strcmp(argv[i], "--rfc4408") == 0;
		extra |= strcmp(argv[i], "--pyspf-extra") == 0;
		verbose |= strcmp(argv[i], "-v") == 0;
	}
	if ((f = fopen(argv[1], "rb")) == NULL) {
		printf("SKIP: %s not found (set MAILPROOF_TESTDATA to shared/testdata)\n", argv[1]);
		return 77;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			fprintf(stderr, "%s: YAML error: %s\n", argv[1], parser.problem);
			return 2;
		}
		if ((root = yaml_document_get_root_node(&doc)) == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		run_scenario(root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	printf("%s: %u passed, %u failed, %u superseded\n", argv[1], npass, nfail, nsuper);
	return nfail ? 1 : 0;
}
