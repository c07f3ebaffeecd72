/* mailproof/dkim.h - DKIM verification and signing (RFC 6376, RFC 8301,
 * RFC 8463), sans-IO.
 *
 * Verifying: mp_dkim_verify_new(), feed the header fields (or the raw
 * message with mp_dkim_verify_feed()), then body chunks, then run(): it
 * answers MP_PENDING with key questions (TXT at s._domainkey.d) until they
 * are answered, then MP_OK with one struct mp_dkim_sig_result per
 * DKIM-Signature field. Body hashes are computed incrementally, one per
 * distinct (canonicalization, hash, l=); memory per message is bounded.
 *
 * Signing: mp_dkim_sign_new() with one or more signature descriptions, feed
 * the message, and get the DKIM-Signature fields to put on top. Private-key
 * operations go through one narrow call, mp_signer_sign() (STYLE.md §11).
 */
#ifndef MAILPROOF_DKIM_H
#define MAILPROOF_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailproof/dns.h>
#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

/* RFC 8601 §2.7.1 words. */
enum mp_dkim_result {
	MP_DKIM_NONE,       /* no signature */
	MP_DKIM_PASS,
	MP_DKIM_FAIL,       /* body hash or signature mismatch (why says which) */
	MP_DKIM_NEUTRAL,    /* not evaluated (signature cap) */
	MP_DKIM_POLICY,     /* verified or not, unacceptable to local policy (RFC 8301, l=) */
	MP_DKIM_TEMPERROR,  /* key unavailable (DNS) */
	MP_DKIM_PERMERROR,  /* unusable signature or key */
};
/* "pass", "fail", ...; never NULL. */
MP_API const char *mp_dkim_result_name(enum mp_dkim_result r);

enum mp_dkim_alg {
	MP_DKIM_ALG_UNKNOWN,
	MP_DKIM_RSA_SHA256,
	MP_DKIM_ED25519_SHA256, /* RFC 8463 */
	MP_DKIM_RSA_SHA1,       /* recognised only to report it (RFC 8301) */
};
/* "rsa-sha256", ...; "unknown" for MP_DKIM_ALG_UNKNOWN. */
MP_API const char *mp_dkim_alg_name(enum mp_dkim_alg a);
/* Parse an a= token (case-insensitive); MP_DKIM_ALG_UNKNOWN when unknown. */
MP_API enum mp_dkim_alg mp_dkim_alg_parse(struct mp_str s);

enum mp_dkim_canon { MP_DKIM_SIMPLE, MP_DKIM_RELAXED };

/* What a signature whose l= leaves body content unsigned gets. */
enum mp_dkim_length_policy {
	MP_DKIM_LENGTH_FLAG,    /* default: may pass, flagged (length_flagged) */
	MP_DKIM_LENGTH_ACCEPT,  /* may pass, not flagged */
	MP_DKIM_LENGTH_REJECT,  /* policy, MP_REASON_DKIM_LENGTH_UNSIGNED */
};
/* "accept" "flag" "reject" -> policy; false when unknown. */
MP_API bool mp_dkim_length_policy_parse(struct mp_str s, enum mp_dkim_length_policy *out);

/* ---- decoded-key cache: per process, shared by verifiers and threads ----
 * Keys are decoded once per public key (p= text and key type), whichever
 * selectors and domains publish it, and shared with reference counts; the
 * record's other tags (t=, h=, s=) are read per signature, never cached.
 * Thread-safe; bounded (least recently used go first). */
struct mp_dkim_key_cache;
/* max_entries 0 = 1024. NULL on ENOMEM. */
MP_API struct mp_dkim_key_cache *mp_dkim_key_cache_new(size_t max_entries);
MP_API void mp_dkim_key_cache_free(struct mp_dkim_key_cache *c);
/* misses counts decodes (each miss decodes p=; an empty p= is neither). */
MP_API void mp_dkim_key_cache_stats(struct mp_dkim_key_cache *c, uint64_t *hits,
                                    uint64_t *misses);
/* Entries older than seconds (monotonic, since decoded) are dropped and
 * decoded again on next use; 0 (the default) keeps them until evicted. */
MP_API void mp_dkim_key_cache_set_max_age(struct mp_dkim_key_cache *c, uint32_t seconds);

/* ---- verification ---- */
struct mp_dkim_verify_opts {
	size_t max_sigs;                   /* 0: MP_LIMIT_DKIM_SIGS; never more */
	enum mp_dkim_length_policy length; /* default FLAG */
	int64_t now;                       /* seconds since the epoch; 0: time(NULL) */
	uint32_t clock_skew;               /* t= tolerance; 0: MP_LIMIT_DKIM_CLOCK_SKEW */
	struct mp_dkim_key_cache *cache;   /* optional, borrowed; must outlive the verifier */
};

/* Base64 of a SHA-256 hash is 44 characters. */
#define MP_DKIM_B64_HASH_MAX 88

/* One signature's outcome. Views point into the verifier and stay valid
 * until it is reset or freed. */
struct mp_dkim_sig_result {
	enum mp_dkim_result result;
	struct mp_why why;          /* reason NONE on a clean pass */
	bool evaluated;             /* false: over the signature cap */
	size_t field_index;         /* which header field (0 = top) */
	/* for Authentication-Results (RFC 8601 §2.7.1, RFC 6008) */
	struct mp_str d, s, i;      /* i: as in i=, or "@d" when absent */
	struct mp_str i_domain;     /* domain part of i */
	struct mp_str a;            /* a= as written */
	char b8[9];                 /* header.b: first 8 characters of b= */
	enum mp_dkim_alg alg;
	enum mp_dkim_canon hcanon, bcanon;
	int64_t t, x;               /* -1 when absent */
	/* key */
	struct mp_str key_query;    /* "s._domainkey.d" */
	unsigned key_bits;          /* 0 when no key was decoded; 256 for Ed25519 */
	bool key_testing;           /* key t=y */
	/* body */
	bool has_l;
	uint64_t l;
	uint64_t body_len;          /* canonicalized body length (whole body) */
	bool length_flagged;        /* l= left unsigned content and policy is FLAG */
	char bh_expected[MP_DKIM_B64_HASH_MAX + 1];  /* bh= as sent (white space removed) */
	char bh_computed[MP_DKIM_B64_HASH_MAX + 1];  /* what this verifier computed */
	bool body_hash_ok;
	bool sig_checked;           /* header signature verified mathematically */
	bool sig_ok;                /* ... with this outcome (also for policy results) */
	struct mp_str changed_header; /* when z= tells: the field whose value differs */
};

struct mp_dkim_verify;

/* NULL on ENOMEM. opts may be NULL (defaults). */
MP_API struct mp_dkim_verify *mp_dkim_verify_new(const struct mp_dkim_verify_opts *opts);
MP_API void mp_dkim_verify_free(struct mp_dkim_verify *v);
/* Ready for the next message, memory and options kept. */
MP_API void mp_dkim_verify_reset(struct mp_dkim_verify *v);

/* Feed one header field (copied). MP_ELIMIT past MP_LIMIT_HEADER_*. */
MP_API enum mp_status mp_dkim_verify_field(struct mp_dkim_verify *v, const struct mp_hdr_field *f);
/* Same with the raw field bytes (name ':' value, folding kept, no final line end). */
MP_API enum mp_status mp_dkim_verify_field_raw(struct mp_dkim_verify *v, struct mp_str raw);
/* End of the header block: signatures are parsed, header hashes computed,
 * key questions prepared. */
MP_API enum mp_status mp_dkim_verify_headers_end(struct mp_dkim_verify *v);
/* Body bytes as received (CRLF or LF line ends), any chunking. */
MP_API enum mp_status mp_dkim_verify_body(struct mp_dkim_verify *v, const char *p, size_t len);
MP_API enum mp_status mp_dkim_verify_body_end(struct mp_dkim_verify *v);

/* Or: feed the raw message (header and body, any chunking), then end(). */
MP_API enum mp_status mp_dkim_verify_feed(struct mp_dkim_verify *v, const char *p, size_t len);
MP_API enum mp_status mp_dkim_verify_end(struct mp_dkim_verify *v);

/* Sans-IO (mailproof/dns.h). run(): MP_PENDING while key questions are
 * unanswered; MP_OK when every result is known (needs body_end/end);
 * MP_EINVAL when called before the header block ended or, with all answers
 * in, before the body ended. */
MP_API enum mp_status mp_dkim_verify_run(struct mp_dkim_verify *v);
MP_API size_t mp_dkim_verify_questions(struct mp_dkim_verify *v,
                                       const struct mp_dns_question *const **qs);
MP_API enum mp_status mp_dkim_verify_answer(struct mp_dkim_verify *v,
                                            const struct mp_dns_question *q,
                                            const struct mp_dns_answer *a);
/* Fill c to drive v with mp_dns_drive()/mp_dns_drive_many(). */
MP_API void mp_dkim_verify_client(struct mp_dkim_verify *v, struct mp_dns_client *c);

/* Results, one per DKIM-Signature field in header order (after run() OK). */
MP_API size_t mp_dkim_verify_nresults(const struct mp_dkim_verify *v);
MP_API const struct mp_dkim_sig_result *mp_dkim_verify_result(const struct mp_dkim_verify *v,
                                                               size_t i);
/* Best result over all signatures (pass > fail > policy > neutral >
 * temperror > permerror > none), for a one-word summary. */
MP_API enum mp_dkim_result mp_dkim_verify_summary(const struct mp_dkim_verify *v);

/* ---- canonicalization (RFC 6376 §3.4), exposed for tools and fuzzing ---- */
typedef void mp_dkim_out_fn(void *arg, const char *p, size_t len);

#define MP_DKIM_CANON_BUF 2048
/* Incremental body canonicalizer: bare LF becomes CRLF, trailing empty
 * lines dropped, empty-body rules applied at end. */
struct mp_dkim_bcanon {
	enum mp_dkim_canon canon;
	mp_dkim_out_fn *out;
	void *arg;
	uint64_t len;           /* canonical bytes produced so far */
	uint64_t empty_lines;   /* held back: dropped unless content follows */
	bool cr;                /* a CR seen, waiting for LF */
	bool line;              /* current line has content */
	bool wsp;               /* relaxed: WSP run pending */
	size_t nbuf;
	char buf[MP_DKIM_CANON_BUF];
};
MP_API void mp_dkim_bcanon_init(struct mp_dkim_bcanon *bc, enum mp_dkim_canon c,
                                mp_dkim_out_fn *out, void *arg);
MP_API void mp_dkim_bcanon_feed(struct mp_dkim_bcanon *bc, const char *p, size_t len);
MP_API void mp_dkim_bcanon_end(struct mp_dkim_bcanon *bc);

/* Append the canonical form of one raw header field (name ':' value, no
 * final line end) to out, with CRLF unless no_crlf. */
MP_API enum mp_status mp_dkim_canon_header(struct mp_buf *out, enum mp_dkim_canon c,
                                           struct mp_str raw, bool no_crlf);

/* ---- parsers, exposed for tools and fuzzing ---- */
#define MP_DKIM_B_MAX 1024   /* b= bytes: an 8192-bit RSA signature */
#define MP_DKIM_BH_MAX 64    /* bh= bytes */
#define MP_DKIM_I_MAX 320    /* local-part 64 (RFC 5321 §4.5.3.1.1) + '@' + domain 253 */
/* A parsed DKIM-Signature field; views into the field text. */
struct mp_dkim_sig {
	struct mp_str raw_value;    /* the field value parsed */
	enum mp_dkim_alg alg;
	struct mp_str a, d, s, i, i_domain, h, z;
	struct mp_str b, bh;        /* base64 as written */
	enum mp_dkim_canon hcanon, bcanon;
	bool has_l;
	uint64_t l;
	int64_t t, x;               /* -1 when absent */
	size_t b_start, b_end;      /* b= value region in raw_value (deleted when hashing) */
	char i_buf[MP_DKIM_I_MAX + 1]; /* i= after dkim-quoted-printable decoding; i points
	                                * here when it had to be decoded (do not copy the struct) */
	/* b= and bh= decoded (set when the parse succeeds) */
	uint8_t b_bin[MP_DKIM_B_MAX];
	size_t b_len;
	uint8_t bh_bin[MP_DKIM_BH_MAX];
	size_t bh_len;
};
/* Parse a DKIM-Signature value. Malformed: MP_OK with why set (permerror,
 * or MP_REASON_DKIM_SHA1 for a well-formed rsa-sha1 signature). */
MP_API enum mp_status mp_dkim_sig_parse(struct mp_str value, struct mp_dkim_sig *out,
                                        struct mp_why *why);

struct mp_dkim_key {
	bool is_ed25519;            /* k=ed25519; else rsa */
	bool has_h;
	bool h_sha256, h_sha1;      /* with has_h: acceptable hashes */
	bool testing, strict;       /* t=y, t=s */
	struct mp_str p;            /* base64 as written; empty: revoked */
};
/* Parse a key record (RFC 6376 §3.6.1). Malformed: MP_OK with why set. */
MP_API enum mp_status mp_dkim_key_parse(struct mp_str record, struct mp_dkim_key *out,
                                        struct mp_why *why);

/* The size of the public key in a p= value (base64, FWS allowed): the RSA
 * modulus bits (SubjectPublicKeyInfo or bare RSAPublicKey DER, any size,
 * also over MP_LIMIT_DKIM_RSA_MAX, which verification refuses), or 256 for
 * a 32-byte Ed25519 key (RFC 8463 §4). No OpenSSL object is made; callers
 * need no crypto library. *bits is 0 with why set when p= is empty
 * (MP_REASON_DKIM_KEY_REVOKED) or not a key of that type
 * (MP_REASON_DKIM_KEY_BAD). Returns MP_OK. Thread-safe. */
MP_API enum mp_status mp_dkim_key_bits(struct mp_str p_b64, bool ed25519, unsigned *bits,
                                       struct mp_why *why);

/* A key record and what its key is: for tools that report on keys. */
struct mp_dkim_key_info {
	struct mp_dkim_key key;     /* the parsed record; views into it */
	const char *type;           /* "rsa" or "ed25519" (k=); NULL when malformed */
	bool revoked;               /* p= empty */
	unsigned bits;              /* as mp_dkim_key_bits; 0 when revoked or unusable */
};
/* Parse a key record (mp_dkim_key_parse) and size its key
 * (mp_dkim_key_bits). Malformed record or unusable p=: MP_OK with why set
 * and bits 0; revoked: MP_OK, revoked set, why clear. */
MP_API enum mp_status mp_dkim_key_info(struct mp_str record, struct mp_dkim_key_info *out,
                                       struct mp_why *why);

/* A selector "<host>-<yyyymm>-<8 base32 chars>" from the host name's first
 * label (lower-cased LDH, at most 20 characters; "mail" when none is left)
 * and 40 bits of rnd: hard to guess, easy to identify. MP_ELIMIT when out
 * (outlen bytes) is too small; 64 bytes always suffice. */
MP_API enum mp_status mp_dkim_selector_make(struct mp_str host, const char *yyyymm,
                                            uint64_t rnd, char *out, size_t outlen);

/* ---- signing ---- */
struct mp_signer;

/* A private key from PEM text (PKCS#1, PKCS#8, RSA or Ed25519) or a bare
 * base64 32-byte Ed25519 seed. NULL with why on failure; why never holds
 * key material. */
MP_API struct mp_signer *mp_signer_from_pem(struct mp_str pem, struct mp_why *why);
/* Read a key file; refuses files readable by group or others unless
 * insecure_ok (MP_REASON_DKIM_KEY_FILE_MODE). */
MP_API struct mp_signer *mp_signer_load_file(const char *path, bool insecure_ok,
                                             struct mp_why *why);
MP_API void mp_signer_free(struct mp_signer *s);
/* MP_DKIM_RSA_SHA256 or MP_DKIM_ED25519_SHA256: what the key can do. */
MP_API enum mp_dkim_alg mp_signer_alg(const struct mp_signer *s);
MP_API unsigned mp_signer_bits(const struct mp_signer *s);
/* Sign a digest (SHA-256 of the canonical header data); signature appended
 * to sig. The only operation on the private key. */
MP_API enum mp_status mp_signer_sign(struct mp_signer *s, enum mp_dkim_alg alg,
                                     struct mp_str digest, struct mp_buf *sig);
/* A new key: RSA of bits (1024..8192) or Ed25519 (bits ignored). NULL with why. */
MP_API struct mp_signer *mp_signer_generate(enum mp_dkim_alg alg, unsigned bits,
                                            struct mp_why *why);
/* The private key as PKCS#8 PEM appended to out (caller writes it out and
 * clears the buffer). */
MP_API enum mp_status mp_signer_private_pem(const struct mp_signer *s, struct mp_buf *out);
/* The public key as a DKIM p= value (base64), appended to out. */
MP_API enum mp_status mp_signer_public_b64(const struct mp_signer *s, struct mp_buf *out);

struct mp_dkim_sign_opts {
	struct mp_signer *signer;           /* borrowed */
	enum mp_dkim_alg alg;               /* 0: what the key can do */
	struct mp_str domain, selector;
	struct mp_str identity;             /* i=; empty: none */
	enum mp_dkim_canon hcanon, bcanon;  /* set by mp_dkim_sign_opts_init: relaxed/relaxed */
	const char *const *headers;         /* NULL: the default list */
	size_t nheaders;
	int64_t now;                        /* t=; 0: time(NULL) */
	uint64_t expire;                    /* x= t + expire; 0: no x= */
};
MP_API void mp_dkim_sign_opts_init(struct mp_dkim_sign_opts *o);

struct mp_dkim_sign;
/* n signatures made in one pass over the message. NULL with why on a bad
 * option or ENOMEM. */
MP_API struct mp_dkim_sign *mp_dkim_sign_new(const struct mp_dkim_sign_opts *o, size_t n,
                                             struct mp_why *why);
MP_API void mp_dkim_sign_free(struct mp_dkim_sign *s);
/* Raw message bytes, any chunking. */
MP_API enum mp_status mp_dkim_sign_feed(struct mp_dkim_sign *s, const char *p, size_t len);
/* Finish: the DKIM-Signature fields, folded, each ending in linesep
 * ("\r\n" or "\n" as the message's first line), appended to out, to be put
 * on top of the message. Error (no From, signing failed): MP_OK with why set,
 * or a status. */
MP_API enum mp_status mp_dkim_sign_end(struct mp_dkim_sign *s, struct mp_buf *out,
                                       struct mp_why *why);

#endif
