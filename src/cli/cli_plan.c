/* cli_plan.c - `mailproof plan INVENTORY`: the records and configuration to
 * deploy, and with --against-dns the drift between the plan and DNS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/plan.h>

#include "cli.h"

#ifndef MP_SOURCE_DATADIR
#define MP_SOURCE_DATADIR "data"
#endif
#ifndef MP_INSTALL_DATADIR
#define MP_INSTALL_DATADIR "/usr/local/share/mailproof"
#endif

enum { OPT_JSON = MP_OPT_FIRST_FREE, OPT_CATALOG, OPT_DATE, OPT_SEED, OPT_AGAINST, OPT_KEYS, OPT_HELP };

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "catalog", required_argument, NULL, OPT_CATALOG },
	{ "date", required_argument, NULL, OPT_DATE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "against-dns", no_argument, NULL, OPT_AGAINST },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "help", no_argument, NULL, OPT_HELP },
	MP_CLI_DNS_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: mailproof plan INVENTORY [--json] [--catalog FILE] [--date YYYYMM]\n"
	    "                      [--seed N] [--keys DIR] [DNS options] [--against-dns]\n\n"
	    "Turns an inventory (YAML; see examples/inventory-*.yml and docs/plan.md) into\n"
	    "the SPF, DKIM and DMARC records, reverse DNS, mailproofd key table and\n"
	    "Postfix settings to deploy. With --against-dns, compares the plan with\n"
	    "published DNS and exits 1 when anything differs. With DNS options and no\n"
	    "--against-dns, SPF lookups are counted through the providers' include trees.\n\n"
	    "  --catalog FILE   third-party sender catalogue (default: senders.yml in\n"
	    "                   " MP_INSTALL_DATADIR ")\n"
	    "  --keys DIR       make (or reuse) each server's DKIM key in DIR/<selector>.key\n"
	    "                   (mode 0600) and put the public keys in the records\n"
	    "  --date YYYYMM    month used in generated DKIM selectors (default: now)\n"
	    "  --seed N         reproducible selectors (reviews and tests only: a known\n"
	    "                   seed makes selectors guessable)\n%s", MP_CLI_DNS_USAGE);
}

/* slurp - whole file, bounded */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > max + 1)
				cap = max + 1;
			char *nb = realloc(buf, cap);
			if (nb == NULL)
				break;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0 && n <= max);
	fclose(f);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	*len = n;
	return buf;
}

static char *
load_catalog(const char *opt, size_t *len, const char **name)
{
	static const char *cands[] = { MP_INSTALL_DATADIR "/senders.yml",
		MP_SOURCE_DATADIR "/senders.yml" };
	char *p;

	if (opt) {
		*name = opt;
		if ((p = slurp(opt, MP_LIMIT_CONFIG_FILE, len)) == NULL)
			mp_fatal(MP_EXIT_USAGE, "%s: %s", opt, strerror(errno));
		return p;
	}
	if (getenv("MAILPROOF_CATALOG")) {
		*name = getenv("MAILPROOF_CATALOG");
		if ((p = slurp(*name, MP_LIMIT_CONFIG_FILE, len)) == NULL)
			mp_fatal(MP_EXIT_USAGE, "%s: %s", *name, strerror(errno));
		return p;
	}
	for (size_t i = 0; i < 2; i++)
		if ((p = slurp(cands[i], MP_LIMIT_CONFIG_FILE, len)) != NULL) {
			*name = cands[i];
			return p;
		}
	mp_fatal(MP_EXIT_USAGE, "no sender catalogue found (looked in %s and %s); use --catalog",
	    cands[0], cands[1]);
}

static void
print_text(const struct mp_plan_inventory *inv, const struct mp_plan_result *r)
{
	struct mp_buf line;

	mp_buf_init(&line, 1u << 16);
	printf("; mailproof plan%s%.*s: %zu domain(s), %zu server(s)\n",
	    inv->org_name.len ? " for " : "", (int)inv->org_name.len, inv->org_name.ptr,
	    inv->ndomains, inv->nservers);
	for (size_t d = 0; d < inv->ndomains; d++) {
		struct mp_str dn = inv->domains[d].name;
		printf("\n; ==== %.*s (%s) ====\n", (int)dn.len, dn.ptr,
		    inv->domains[d].sending ? "sends mail" : "sends no mail: locked down");
		for (size_t i = 0; i < r->nrecords; i++) {
			const struct mp_plan_record *rec = &r->records[i];
			if (!mp_str_eq(rec->domain, dn) || rec->kind == MP_PLAN_PTR || rec->kind == MP_PLAN_HELO_A)
				continue;
			mp_buf_reset(&line);
			mp_plan_zone_line(rec, &line);
			printf("; %.*s\n%s%s\n", (int)rec->comment.len, rec->comment.ptr,
			    mp_str_ends_nocase(rec->value, MP_STR_LIT("p=")) || !rec->in_zone ? "; " : "",
			    line.ptr);
		}
	}
	printf("\n; ==== servers: forward and reverse DNS ====\n");
	for (size_t i = 0; i < r->nrecords; i++) {
		const struct mp_plan_record *rec = &r->records[i];
		if (rec->kind != MP_PLAN_PTR && rec->kind != MP_PLAN_HELO_A)
			continue;
		mp_buf_reset(&line);
		mp_plan_zone_line(rec, &line);
		printf("; %.*s\n%s%s\n", (int)rec->comment.len, rec->comment.ptr,
		    rec->in_zone ? "" : "; ", line.ptr);
	}
	if (r->nwarnings)
		printf("\n; ==== warnings ====\n");
	for (size_t i = 0; i < r->nwarnings; i++) {
		const struct mp_plan_warning *w = &r->warnings[i];
		printf("; [%.*s] %.*s\n;   fix: %.*s\n", (int)w->id.len, w->id.ptr, (int)w->message.len,
		    w->message.ptr, (int)w->fix.len, w->fix.ptr);
	}
	printf("\n; ==== mailproofd KeyTable ====\n");
	for (const char *p = r->keytable.ptr; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("; %s%.*s\n", p[0] == '#' ? "" : "  ", (int)n, p);
		p += n + (nl != NULL);
	}
	printf("\n; ==== mailproofd SenderMap (skeleton) ====\n");
	for (const char *p = r->sendermap.ptr; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("; %.*s\n", (int)n, p);
		p += n + (nl != NULL);
	}
	printf("\n; ==== Postfix ====\n");
	for (const char *p = r->postfix.ptr; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("; %s%.*s\n", p[0] == '#' ? "" : "  ", (int)n, p);
		p += n + (nl != NULL);
	}
	mp_buf_fini(&line);
}

static json_t *
jstr(struct mp_str s)
{
	return json_stringn(s.ptr ? s.ptr : "", s.len);
}

static json_t *
records_json(const struct mp_plan_result *r)
{
	json_t *arr = json_array();
	struct mp_buf line;

	mp_buf_init(&line, 1u << 16);
	for (size_t i = 0; i < r->nrecords; i++) {
		const struct mp_plan_record *rec = &r->records[i];
		mp_buf_reset(&line);
		mp_plan_zone_line(rec, &line);
		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:b, s:s%}",
		    "kind", mp_plan_kind_name(rec->kind), "domain", jstr(rec->domain),
		    "owner", jstr(rec->owner), "type", mp_dns_type_name(rec->type),
		    "value", jstr(rec->value), "comment", jstr(rec->comment),
		    "in_zone", rec->in_zone, "zone_line", line.ptr, line.len));
		if (rec->selector.len)
			json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "selector",
			    jstr(rec->selector));
		if (rec->kind == MP_PLAN_SPF && rec->dns_terms >= 0)
			json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "dns_lookups",
			    json_integer(rec->dns_terms));
		if (rec->server)
			json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "server",
			    jstr(rec->server->name));
	}
	mp_buf_fini(&line);
	return arr;
}

static json_t *
plan_json(const struct mp_plan_result *r)
{
	json_t *w = json_array();

	for (size_t i = 0; i < r->nwarnings; i++)
		json_array_append_new(w, json_pack("{s:o, s:o, s:o, s:o}", "id", jstr(r->warnings[i].id),
		    "domain", jstr(r->warnings[i].domain), "message", jstr(r->warnings[i].message),
		    "fix", jstr(r->warnings[i].fix)));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "records", records_json(r), "warnings", w,
	    "keytable", jstr(r->keytable), "sendermap", jstr(r->sendermap), "postfix", jstr(r->postfix));
}

static int
against_dns(struct mp_plan_result *r, const struct mp_cli_dns_opts *dopts, bool json)
{
	struct mp_zone *zone;
	struct mp_resolver *res = mp_cli_resolver(dopts, &zone);
	struct mp_plan_drift drift;
	enum mp_status st = mp_plan_drift(r, res, &drift);
	size_t unknown = 0;

	mp_resolver_free(res);
	mp_zone_free(zone);
	if (st != MP_OK)
		mp_fatal(MP_EXIT_TEMP, "drift check failed: %s", mp_status_name(st));
	for (size_t i = 0; i < drift.ndiffs; i++)
		unknown += drift.diffs[i].kind == MP_PLAN_DRIFT_UNKNOWN;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < drift.ndiffs; i++) {
			const struct mp_plan_diff *d = &drift.diffs[i];
			json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o}",
			    "drift", mp_plan_drift_name(d->kind), "domain", jstr(d->record->domain),
			    "owner", jstr(d->record->owner), "type", mp_dns_type_name(d->record->type),
			    "kind", mp_plan_kind_name(d->record->kind), "planned", jstr(d->record->value),
			    "published", jstr(d->published), "change", jstr(d->change)));
		}
		json_t *o = json_pack("{s:b, s:I, s:I, s:o}", "drift", drift.ndrift > 0,
		    "differences", (json_int_t)drift.ndrift, "unknown", (json_int_t)unknown, "diffs", arr);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s);
		free(s);
		json_decref(o);
	} else {
		for (size_t i = 0; i < drift.ndiffs; i++) {
			const struct mp_plan_diff *d = &drift.diffs[i];
			printf("%-8s %.*s %s (%s)\n", mp_plan_drift_name(d->kind), (int)d->record->owner.len,
			    d->record->owner.ptr, mp_dns_type_name(d->record->type),
			    mp_plan_kind_name(d->record->kind));
			if (d->published.len)
				printf("         published: %.*s\n", (int)d->published.len, d->published.ptr);
			printf("         change:    %.*s\n", (int)d->change.len, d->change.ptr);
		}
		printf("%zu difference(s), %zu record(s) could not be checked\n", drift.ndrift, unknown);
	}
	if (drift.ndrift)
		return MP_EXIT_BAD;
	return unknown ? MP_EXIT_TEMP : MP_EXIT_GOOD;
}

int
mp_cli_plan(int argc, char **argv)
{
	struct mp_cli_dns_opts dopts = { 0 };
	struct mp_plan_opts po = { 0 };
	const char *catalog_opt = NULL, *catname = NULL, *keys = NULL;
	bool json = false, against = false;
	char *cat, *invtext;
	size_t catlen, invlen;
	struct mp_plan_inventory *inv;
	struct mp_plan_result *r;
	struct mp_why why;
	int opt, rc;
	uint64_t seed;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON: json = true; break;
		case OPT_CATALOG: catalog_opt = optarg; break;
		case OPT_DATE: po.yyyymm = optarg; break;
		case OPT_SEED:
			if (!mp_parse_u64(mp_str_c(optarg), UINT64_MAX, &seed))
				return mp_cli_usage_error("plan", "--seed wants a number");
			po.seeded = true;
			po.seed = seed;
			break;
		case OPT_AGAINST: against = true; break;
		case OPT_KEYS: keys = po.keys_dir = optarg; break;
		case OPT_HELP: case 'h': usage(stdout); return MP_EXIT_GOOD;
		default:
			if (!mp_cli_dns_opt(&dopts, opt, optarg)) {
				usage(stderr);
				return MP_EXIT_USAGE;
			}
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	cat = load_catalog(catalog_opt, &catlen, &catname);
	if ((invtext = slurp(argv[optind], MP_LIMIT_CONFIG_FILE, &invlen)) == NULL)
		mp_fatal(MP_EXIT_USAGE, "%s: %s", argv[optind], strerror(errno));
	mp_why_clear(&why);
	if (mp_plan_load(mp_str_make(cat, catlen), catname, mp_str_make(invtext, invlen),
	        argv[optind], &inv, &why) != MP_OK)
		mp_fatal(MP_EXIT_USAGE, "%s", why.text);
	free(cat);
	free(invtext);
	if (mp_plan_build(inv, &po, &r, &why) != MP_OK)
		mp_fatal(MP_EXIT_USAGE, "plan: %s", why.text[0] ? why.text : "failed");
	if (keys) {
		size_t ncreated;
		if (mp_plan_attach_keys(r, keys, &ncreated, &why) != MP_OK)
			mp_fatal(MP_EXIT_USAGE, "plan --keys: %s", why.text);
		if (ncreated)
			mp_log_info("%zu new DKIM key(s) in %s (mode 0600)", ncreated, keys);
	}
	if (!against && (dopts.nzones || dopts.nservers || dopts.recursive)) {
		struct mp_zone *zone;
		struct mp_resolver *res = mp_cli_resolver(&dopts, &zone);
		mp_plan_count_spf(r, res);
		mp_resolver_free(res);
		mp_zone_free(zone);
	}
	if (against)
		rc = against_dns(r, &dopts, json);
	else {
		if (json) {
			json_t *o = plan_json(r);
			char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			puts(s);
			free(s);
			json_decref(o);
		} else
			print_text(inv, r);
		rc = MP_EXIT_GOOD;
	}
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
	return rc;
}
