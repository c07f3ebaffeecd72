/* dns_stub.c - placeholder until the DNS layer lands (issue 2); the DNS
 * work replaces this file. Every call fails cleanly. */
#include <mailproof/dns.h>

struct mp_zone *mp_zone_new(void) { return NULL; }
void mp_zone_free(struct mp_zone *z) { (void)z; }
enum mp_status mp_zone_load_file(struct mp_zone *z, const char *path, struct mp_why *why)
{ (void)z; (void)path; mp_why_set(why, MP_REASON_INTERNAL); return MP_EINVAL; }
enum mp_status mp_zone_fail(struct mp_zone *z, struct mp_str name, uint16_t type, enum mp_dns_status status)
{ (void)z; (void)name; (void)type; (void)status; return MP_EINVAL; }
struct mp_resolver *mp_resolver_new_zone(const struct mp_zone *z) { (void)z; return NULL; }
struct mp_resolver *mp_resolver_new_unbound(const struct mp_unbound_opts *o, struct mp_why *why)
{ (void)o; mp_why_set(why, MP_REASON_INTERNAL); return NULL; }
