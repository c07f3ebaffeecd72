/* milter_gen.c - configuration generations: a loaded mailproofd.conf with
 * its keys, zone data and resolver, shared by the connections that started
 * under it and freed when the last one closes (SIGHUP swaps generations;
 * milter_main.c owns the "current" pointer). Thread-safe through g->lock.
 */
#include <stdlib.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_internal.h"

struct milter_gen *
milter_gen_load(const char *path, struct mp_why *why)
{
	struct milter_gen *g = mp_zalloc(sizeof *g);

	if (g == NULL) {
		mp_why_set(why, MP_REASON_MILTER_INTERNAL);
		return NULL;
	}
	pthread_mutex_init(&g->lock, NULL);
	g->refs = 1;
	milter_config_init(&g->cfg);
	if (milter_config_load(&g->cfg, path, why) != MP_OK ||
	    milter_signers_load(g, why) != MP_OK) {
		milter_gen_unref(g);
		return NULL;
	}
	return g;
}

enum mp_status
milter_gen_start_dns(struct milter_gen *g, struct mp_why *why)
{
	static const char *const unblock[] = { "test.", "invalid." };
	struct mp_unbound_opts o = { 0 };

	if (g->cfg.zone_file) {
		if ((g->zone = mp_zone_new()) == NULL)
			return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
		return mp_zone_load_file(g->zone, g->cfg.zone_file, why);
	}
	/* zone data answers from memory already: no cache in front of it */
	if ((g->dnscache = milter_dnscache_new()) == NULL)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
	o.servers = g->cfg.dns_servers;
	o.nservers = g->cfg.ndns_servers;
	o.timeout_ms = g->cfg.dns_timeout_ms;
	/* RFC 6761 names are answered inside libunbound unless unblocked;
	 * with explicit servers (tests, split DNS) ask them instead. */
	if (g->cfg.ndns_servers) {
		o.unblock_zones = unblock;
		o.nunblock = sizeof unblock / sizeof unblock[0];
	}
	g->resolver = mp_resolver_new_unbound(&o, why);
	return g->resolver ? MP_OK : MP_EIO;
}

void
milter_gen_ref(struct milter_gen *g)
{
	pthread_mutex_lock(&g->lock);
	g->refs++;
	pthread_mutex_unlock(&g->lock);
}

void
milter_gen_unref(struct milter_gen *g)
{
	unsigned left;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	left = --g->refs;
	pthread_mutex_unlock(&g->lock);
	if (left > 0)
		return;
	milter_signers_free(g);
	mp_resolver_free(g->resolver);
	milter_dnscache_free(g->dnscache);
	mp_zone_free(g->zone);
	milter_config_fini(&g->cfg);
	pthread_mutex_destroy(&g->lock);
	mp_free(g);
}
