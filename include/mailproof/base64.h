/* mailproof/base64.h - base64 (RFC 4648 §4) encode and bounded decode.
 *
 * Decoding is strict about the alphabet and padding. The _fws variant also
 * skips folding white space anywhere between characters, as RFC 6376 §3.5
 * allows inside b=, bh= and p= values.
 */
#ifndef MAILPROOF_BASE64_H
#define MAILPROOF_BASE64_H

#include <stddef.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

/* Decoded size upper bound for len input bytes. */
static inline size_t
mp_base64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}

/* Encoded size (with padding) of len bytes. */
static inline size_t
mp_base64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

/* Append the decoding of in (no white space allowed) to out. Bad input:
 * MP_OK with why set to MP_REASON_BAD_BASE64 and out unchanged; a result
 * longer than out's maximum: MP_ELIMIT; MP_ENOMEM. */
MP_API enum mp_status mp_base64_decode(struct mp_buf *out, struct mp_str in,
                                       struct mp_why *why);
/* Same, skipping SP, HTAB, CR and LF between characters (RFC 6376 §3.5). */
MP_API enum mp_status mp_base64_decode_fws(struct mp_buf *out, struct mp_str in,
                                           struct mp_why *why);
/* Decode into caller storage (at most max bytes); *len set. Bad input or too
 * long: false. White space skipped when fws. */
MP_API bool mp_base64_decode_to(void *dst, size_t max, size_t *len, struct mp_str in,
                                bool fws);
/* Append the encoding of p[0..len) to out (MP_ELIMIT past out's maximum). */
MP_API enum mp_status mp_base64_encode(struct mp_buf *out, const void *p, size_t len);

#endif
