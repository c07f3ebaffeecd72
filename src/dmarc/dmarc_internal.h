/* dmarc_internal.h - shared inside src/dmarc only. */
#ifndef MAILPROOF_DMARC_INTERNAL_H
#define MAILPROOF_DMARC_INTERNAL_H

#include <mailproof/dmarc.h>

/* mp_dmarc_domain_norm telling ENOMEM (*enomem true) from unusable input. */
bool mp_dmarc_norm(struct mp_arena *a, struct mp_str in, struct mp_str *out, bool *enomem);
/* Number of labels in a normalized domain ("" has 0). */
size_t mp_dmarc_nlabels(struct mp_str d);
/* The last n labels of d (n <= labels). */
struct mp_str mp_dmarc_last_labels(struct mp_str d, size_t n);
/* d without its first label ("" for a single label). */
struct mp_str mp_dmarc_parent(struct mp_str d);
/* Is d equal to or a subdomain of parent? (normalized, case-insensitive) */
bool mp_dmarc_is_under(struct mp_str d, struct mp_str parent);

#endif
