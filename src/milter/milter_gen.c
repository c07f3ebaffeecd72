/* milter_gen.c - configuration generations: a loaded mailproofd.conf with
 * its keys, zone data and resolver, shared by the connections that started
 * under it and freed when the last one closes (SIGHUP swaps generations;
 * milter_main.c owns the "current" pointer). Thread-safe through g->lock.
 *
 * Each generation has one decoded-key cache for DKIM verification, shared by
 * all its connections (libmilter calls back on many threads; the cache is
 * thread-safe behind one mutex held only for a table lookup, and a per-thread
 * cache would decode every key once per worker thread and need its own
 * reload signal). It is keyed by the public key itself (p= and k=), so a
 * rotated key is a new p= and a new entry as soon as the key record is asked
 * again: DNS answers live at most 300 s (milter_dnscache.c) and zone data is
 * read per message. Entries are dropped after an hour anyway and the least
 * recently used go first past KEY_CACHE_MAX. SIGHUP starts a new generation,
 * so a new empty cache; the old one goes with the old generation's last
 * connection.
 */
#include <stdlib.h>
#include <string.h>

#include <mailproof/dkim.h>
#include <mailproof/dns.h>
#include <mailproof/log.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_internal.h"

#define KEY_CACHE_MAX 1024      /* decoded keys (and idle verify contexts) per generation */
#define KEY_CACHE_AGE 3600      /* seconds an entry is used before it is decoded again */

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

	if ((g->keys = mp_dkim_key_cache_new(KEY_CACHE_MAX)) == NULL)
		return mp_why_set(why, MP_REASON_MILTER_INTERNAL), MP_ENOMEM;
	mp_dkim_key_cache_set_max_age(g->keys, KEY_CACHE_AGE);
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
	mp_dkim_key_cache_free(g->keys);
	mp_zone_free(g->zone);
	milter_config_fini(&g->cfg);
	pthread_mutex_destroy(&g->lock);
	mp_free(g);
}
