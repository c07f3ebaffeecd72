/* dkim_internal.h - shared inside src/dkim only. */
#ifndef MAILPROOF_DKIM_INTERNAL_H
#define MAILPROOF_DKIM_INTERNAL_H

#include <openssl/evp.h>

#include <mailproof/dkim.h>

#define DKIM_MAX_TAGS 64        /* tags kept per tag-list; more is a syntax error */
#define DKIM_SIG_MAX_BYTES 1024 /* 8192-bit RSA signature */
#define DKIM_HASH_MAX 64

struct dkim_tag {
	struct mp_str name;
	struct mp_str value;    /* FWS trimmed */
	size_t vstart, vend;    /* raw value region (after '=' up to ';' or end) */
};

/* Parse a tag-list (RFC 6376 §3.2); false with why set on a syntax error or
 * a duplicate tag. */
bool mp_dkim_tags_parse(struct mp_str in, struct dkim_tag *tags, size_t max, size_t *n,
                        struct mp_why *why, enum mp_reason syntax_reason);

/* Is s a sequence of LDH labels (underscore also allowed when selector)? */
bool mp_dkim_valid_domain(struct mp_str s, bool selector);

/* A decoded public key, refcounted through EVP_PKEY. */
enum mp_status mp_dkim_key_decode(struct mp_str p_b64, bool ed25519, EVP_PKEY **out,
                                  unsigned *bits, struct mp_why *why);
/* Through the cache when c is non-NULL (keyed by p= and the type only:
 * records that publish the same key share it). *out is a new reference. */
enum mp_status mp_dkim_key_get(struct mp_dkim_key_cache *c, struct mp_str p_b64, bool ed25519,
                               EVP_PKEY **out, unsigned *bits, struct mp_why *why);

/* SHA-1 (sha1) or SHA-256, fetched from the provider once per process. */
const EVP_MD *mp_dkim_md(bool sha1);

/* Verify sig over digest (already hashed header data). */
bool mp_dkim_pkey_verify(EVP_PKEY *k, enum mp_dkim_alg alg, const uint8_t *digest,
                         size_t dlen, const uint8_t *sig, size_t siglen);
/* The same for a key from mp_dkim_key_get(c, p_b64, ed25519): an
 * rsa-sha256 check reuses the cache entry's idle context. c may be NULL. */
bool mp_dkim_key_verify(struct mp_dkim_key_cache *c, struct mp_str p_b64, bool ed25519,
                        EVP_PKEY *pk, enum mp_dkim_alg alg, const uint8_t *digest, size_t dlen,
                        const uint8_t *sig, size_t siglen);

/* Select header fields for h= bottom-up (RFC 6376 §5.4.2): fields[i] raw and
 * name views; writes indexes (or SIZE_MAX for a null field) into sel. */
struct dkim_field {
	struct mp_str raw;
	struct mp_str name;
};
void mp_dkim_select(const struct dkim_field *fields, size_t nfields,
                    const struct mp_str *names, size_t nnames, size_t *sel, bool *used);

/* Split h= into names (views into h); false when malformed or too many. */
bool mp_dkim_split_h(struct mp_str h, struct mp_str *names, size_t max, size_t *n);

/* Field name of a raw field (before ':' with trailing WSP removed). */
struct mp_str mp_dkim_field_name(struct mp_str raw);

/* Header block splitter for raw-message feeds (dkim_msg.c). */
struct dkim_hsplit {
	struct mp_buf raw;
	size_t line_start;
	bool done;              /* the empty line was seen */
};
typedef enum mp_status mp_dkim_field_fn(void *arg, struct mp_str raw);
void mp_dkim_hsplit_init(struct dkim_hsplit *h);
void mp_dkim_hsplit_fini(struct dkim_hsplit *h);
void mp_dkim_hsplit_reset(struct dkim_hsplit *h);
enum mp_status mp_dkim_hsplit_feed(struct dkim_hsplit *h, const char *p, size_t len,
                                   size_t *used);
enum mp_status mp_dkim_hsplit_fields(const struct dkim_hsplit *h, mp_dkim_field_fn *fn,
                                     void *arg);

/* Decide one signature's result from its key answer, header digest and body
 * hash (dkim_decide.c). */
void mp_dkim_finish_sig(const struct mp_dkim_verify_opts *o, struct mp_arena *a,
                        struct mp_dkim_sig_result *r, const struct mp_dkim_sig *s,
                        const struct mp_str *txt, size_t ntxt, enum mp_dns_status st,
                        const uint8_t *hdigest, size_t hdlen, const uint8_t *bh,
                        size_t bhlen, uint64_t body_len);
/* With z= (copied header fields), name the first signed field whose value
 * differs now, in r->changed_header. */
void mp_dkim_z_diff(const struct dkim_field *fields, size_t nfields, struct mp_str z,
                    struct mp_dkim_sig_result *r);

#endif
