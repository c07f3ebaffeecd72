/* plan_internal.h - shared inside src/plan. */
#ifndef MAILPROOF_PLAN_INTERNAL_H
#define MAILPROOF_PLAN_INTERNAL_H

#include <mailproof/plan.h>

/* Is s a usable host/domain name (LDH labels, <= 253, no empty label)?
 * allow_underscore permits '_' (owner names like _dmarc). */
bool mp_plan_name_ok(struct mp_str s, bool allow_underscore);

/* Expand {param} patterns; unknown params are an error (MP_EINVAL). */
enum mp_status mp_plan_expand(struct mp_arena *a, struct mp_str pattern,
                              struct mp_str domain, const struct mp_plan_sender *s,
                              struct mp_str *out);

#endif
