/* fuzz_milter_session.c - a fuzzed sequence of milter events with hostile
 * macro values, through the same per-connection logic the libmilter
 * callbacks delegate to (src/milter/milter_conn.c), against zone data in
 * memory. The program's sources are compiled in (mailproofd is a program,
 * not a library area).
 *
 * Input: a list of events, each one byte (event % 9) then its arguments as
 * byte-length-prefixed strings. Invariants: every event returns a known
 * code; a reject carries a 5xx reply and a tempfail a 4xx one; only our
 * two fields are ever inserted, at index 0; deletions name an
 * Authentication-Results / Received-SPF instance that was seen; the
 * summary never prints a key (there are none to print) and nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/milter/milter_bind.c"
#include "../src/milter/milter_check.c"
#include "../src/milter/milter_config.c"
#include "../src/milter/milter_conn.c"
#include "../src/milter/milter_decide.c"
#include "../src/milter/milter_dnscache.c"
#include "../src/milter/milter_files.c"
#include "../src/milter/milter_gen.c"
#include "../src/milter/milter_map.c"
#include "../src/milter/milter_sign.c"

static const char config[] =
    "Socket inet:1@127.0.0.1\n"
    "AuthservID mx.example.test\n"
    "InternalHosts 10.0.0.0/8\n"
    "DMARCOverride list.test=none\n"
    "DNSTimeBudget 1000\n"
    "DNSTimeout 100\n";

static const char zone_text[] =
    "$ORIGIN test.\n"
    "bank 300 IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
    "_dmarc.bank 300 IN TXT \"v=DMARC1; p=reject\"\n"
    "good 300 IN TXT \"v=spf1 ip4:127.0.0.1 ip6:::1 -all\"\n"
    "_dmarc.good 300 IN TXT \"v=DMARC1; p=quarantine\"\n"
    "_dmarc.list 300 IN TXT \"v=DMARC1; p=reject\"\n";

static const char map_text[] = "alice alice@good.test, @bank.test\n";

struct rec {
	unsigned nins, nchg, nreply, nquar;
	char rcode[4];
};

static int
rec_ins(void *arg, int idx, const char *name, const char *value)
{
	struct rec *r = arg;

	if (idx != 0 || value == NULL ||
	    (strcmp(name, "Authentication-Results") != 0 && strcmp(name, "DKIM-Signature") != 0))
		abort();
	r->nins++;
	return 0;
}

static int
rec_chg(void *arg, const char *name, int idx, const char *value)
{
	struct rec *r = arg;

	if (value != NULL || idx < 1 ||
	    (strcmp(name, "Authentication-Results") != 0 && strcmp(name, "Received-SPF") != 0))
		abort();
	r->nchg++;
	return 0;
}

static int
rec_reply(void *arg, const char *rcode, const char *xcode, const char *text)
{
	struct rec *r = arg;

	if (rcode == NULL || xcode == NULL || text == NULL || strlen(rcode) != 3 ||
	    xcode[0] != rcode[0])
		abort();
	memcpy(r->rcode, rcode, 4);
	r->nreply++;
	return 0;
}

static int
rec_quar(void *arg, const char *reason)
{
	struct rec *r = arg;

	if (reason == NULL || reason[0] == '\0')
		abort();
	r->nquar++;
	return 0;
}

/* take - next length-prefixed string */
static struct mp_str
take(const uint8_t **p, const uint8_t *end)
{
	size_t n;
	struct mp_str s;

	if (*p >= end)
		return MP_STR_NULL;
	n = **p;
	(*p)++;
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	s = mp_str_make((const char *)*p, n);
	*p += n;
	return s;
}

/* gen_make - a generation from the texts above, no files */
static struct milter_gen *
gen_make(void)
{
	struct milter_gen *g = mp_zalloc(sizeof *g);
	struct mp_why why;

	if (g == NULL)
		abort();
	pthread_mutex_init(&g->lock, NULL);
	g->refs = 1;
	milter_config_init(&g->cfg);
	g->cfg.load_files = false;
	if (milter_config_parse(&g->cfg, MP_STR_LIT(config), "fuzz.conf", &why) != MP_OK ||
	    milter_sendermap_parse(&g->cfg.sendermap, MILTER_MAP_NATIVE, MP_STR_LIT(map_text),
	        "map", &g->cfg.arena, &why) != MP_OK)
		abort();
	milter_sendermap_finish(&g->cfg.sendermap);
	g->zone = mp_zone_new();
	if (g->zone == NULL ||
	    mp_zone_parse(g->zone, MP_STR_LIT(zone_text), "zone", MP_STR_NULL, &why) != MP_OK)
		abort();
	return g;
}

/* check_rc - the invariants of one event's answer */
static void
check_rc(enum milter_rc rc, const struct rec *r, unsigned replies_before)
{
	if (rc > MILTER_RC_TEMPFAIL)
		abort();
	if (rc == MILTER_RC_REJECT && (r->nreply == replies_before || r->rcode[0] != '5'))
		abort();
	if (rc == MILTER_RC_TEMPFAIL && (r->nreply == replies_before || r->rcode[0] != '4'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct milter_gen *g;
	const uint8_t *p = data, *end = data + size;
	struct rec r = { 0 };
	struct milter_ops ops = { &r, rec_ins, rec_chg, rec_reply, rec_quar };
	struct milter_conn *c;
	unsigned events = 0;

	if (g == NULL) {
		mp_log_set_level(MP_LOG_ERROR);         /* summary lines: keep the run quiet */
		g = gen_make();
	}
	if ((c = milter_conn_new(g)) == NULL)
		abort();
	while (p < end && events++ < 256) {
		uint8_t ev = *p++ % 9;
		unsigned before = r.nreply;
		enum milter_rc rc = MILTER_RC_CONTINUE;
		struct mp_str a, b;
		uint8_t addr[16] = { 127, 0, 0, 1 };

		switch (ev) {
		case 0:
			a = take(&p, end);
			b = take(&p, end);
			if (b.len)
				memcpy(addr, b.ptr, b.len > 16 ? 16 : b.len);
			rc = milter_conn_connect(c, a, b.len > 4 ? 6 : b.len ? 4 : 0, addr);
			break;
		case 1: rc = milter_conn_helo(c, take(&p, end)); break;
		case 2:
			a = take(&p, end);
			rc = milter_conn_envfrom(c, a, take(&p, end));
			break;
		case 3:
		case 4:
			a = take(&p, end);
			rc = milter_conn_header(c, a, take(&p, end));
			break;
		case 5: rc = milter_conn_eoh(c); break;
		case 6:
			a = take(&p, end);
			rc = milter_conn_body(c, a.ptr ? a.ptr : "", a.len);
			break;
		case 7: rc = milter_conn_eom(c, take(&p, end), &ops); break;
		case 8: milter_conn_abort(c); break;
		}
		check_rc(rc, &r, before);
	}
	milter_conn_free(c);
	return 0;
}
