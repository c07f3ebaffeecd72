/* verify_internal.h - shared inside src/verify only. */
#ifndef MAILPROOF_VERIFY_INTERNAL_H
#define MAILPROOF_VERIFY_INTERNAL_H

#include <mailproof/verify.h>

/* A cached answer for q still valid at now (seconds), or NULL. */
const struct mp_dns_answer *mp_verify_cache_get(struct mp_verify_cache *c,
                                                const struct mp_dns_question *q, int64_t now);
/* Keep a copy of a present or absent answer to q. */
void mp_verify_cache_put(struct mp_verify_cache *c, const struct mp_dns_question *q,
                         const struct mp_dns_answer *ans, int64_t now);

#endif
