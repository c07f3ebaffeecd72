/* dns_unbound.c - libunbound driver (in progress). */
#include <mailproof/dns.h>

/* mp_resolver_new_unbound - not yet available */
struct mp_resolver *
mp_resolver_new_unbound(const struct mp_unbound_opts *o, struct mp_why *why)
{
	(void)o;
	mp_why_set(why, MP_REASON_DNS_RESOLVER);
	return NULL;
}
