/* fuzz_config.c - mailproofd.conf parser. The milter is a program, not a
 * library area, so its pure sources are compiled in here (they also get the
 * fuzzer's instrumentation that way). Referenced files are not read.
 * Invariants: a failure always carries a MILTER_* reason and a text that
 * starts with the file name; a success has a valid socket and sane numbers,
 * and parsing the same text again gives the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/milter/milter_bind.c"
#include "../src/milter/milter_config.c"
#include "../src/milter/milter_files.c"
#include "../src/milter/milter_map.c"

/* check - one parse; returns its status */
static enum mp_status
check(const uint8_t *data, size_t size, struct milter_config *cfg)
{
	struct mp_why why;
	enum mp_status st;

	milter_config_init(cfg);
	cfg->load_files = false;
	st = milter_config_parse(cfg, mp_str_make((const char *)data, size), "fuzz.conf", &why);
	if (st != MP_OK) {
		if (!mp_why_failed(&why) || strncmp(why.text, "fuzz.conf", 9) != 0)
			abort();
		if (why.reason < MP_REASON_MILTER_CONFIG_SYNTAX || why.reason > MP_REASON_MILTER_NOT_READY)
			abort();
		return st;
	}
	if (cfg->socket == NULL || cfg->authserv_id == NULL || cfg->socket_mode > 0777 ||
	    cfg->dns_timeout_ms > cfg->dns_budget_ms ||
	    cfg->dns_budget_ms > MP_LIMIT_MILTER_DNS_BUDGET_MS || cfg->max_connections == 0 ||
	    cfg->max_connections > MP_LIMIT_MILTER_CONNECTIONS ||
	    cfg->ninternal > MP_LIMIT_MILTER_INTERNAL_HOSTS ||
	    cfg->ndns_servers > MP_LIMIT_MILTER_DNS_SERVERS || (cfg->zone_file && cfg->ndns_servers))
		abort();
	for (size_t i = 0; i < cfg->ninternal; i++)
		if ((cfg->internal[i].family != 4 && cfg->internal[i].family != 6) ||
		    cfg->internal[i].bits > (cfg->internal[i].family == 4 ? 32 : 128))
			abort();
	for (size_t i = 1; i < cfg->noverrides; i++)     /* sorted, no duplicates */
		if (override_cmp(&cfg->overrides[i - 1], &cfg->overrides[i]) >= 0)
			abort();
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct milter_config a, b;
	enum mp_status sa, sb;

	sa = check(data, size, &a);
	sb = check(data, size, &b);
	if (sa != sb || (sa == MP_OK && (strcmp(a.socket, b.socket) != 0 ||
	                                 a.noverrides != b.noverrides || a.ninternal != b.ninternal)))
		abort();
	milter_config_fini(&a);
	milter_config_fini(&b);
	return 0;
}
