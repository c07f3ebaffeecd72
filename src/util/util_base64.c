/* util_base64.c - base64 (RFC 4648 §4): encoding, and decoding that is strict
 * about alphabet and padding, optionally skipping folding white space
 * (RFC 6376 §3.5 b=, bh=, p=). Stateless; thread-safe. */
#include <string.h>

#include <mailproof/base64.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64val - value of one alphabet byte, or -1 */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* is_fws_byte - white space the lenient decoder skips */
static bool
is_fws_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* decode_core - decode in into dst (max bytes); false on bad input or overflow */
static bool
decode_core(unsigned char *dst, size_t max, size_t *len, struct mp_str in, bool fws)
{
	unsigned acc = 0;
	size_t nchar = 0, npad = 0, out = 0;

	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.ptr[i];
		int v;

		if (fws && is_fws_byte(c))
			continue;
		if (c == '=') {
			npad++;
			if (npad > 2)
				return false;
			continue;
		}
		if (npad > 0)               /* data after padding */
			return false;
		v = b64val(c);
		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned)v;
		nchar++;
		if (nchar % 4 == 0) {
			if (out + 3 > max)
				return false;
			dst[out++] = (unsigned char)(acc >> 16);
			dst[out++] = (unsigned char)(acc >> 8);
			dst[out++] = (unsigned char)acc;
			acc = 0;
		}
	}
	switch (nchar % 4) {
	case 0:
		if (npad != 0)
			return false;
		break;
	case 2:
		if (npad != 2 || out + 1 > max)
			return false;
		dst[out++] = (unsigned char)(acc >> 4);
		break;
	case 3:
		if (npad != 1 || out + 2 > max)
			return false;
		dst[out++] = (unsigned char)(acc >> 10);
		dst[out++] = (unsigned char)(acc >> 2);
		break;
	default:
		return false;
	}
	*len = out;
	return true;
}

/* mp_base64_decode_to - decode into caller storage */
bool
mp_base64_decode_to(void *dst, size_t max, size_t *len, struct mp_str in, bool fws)
{
	*len = 0;
	return decode_core(dst, max, len, in, fws);
}

/* decode_buf - decode and append to a buffer */
static enum mp_status
decode_buf(struct mp_buf *out, struct mp_str in, bool fws, struct mp_why *why)
{
	size_t need = mp_base64_decoded_max(in.len), got = 0;
	unsigned char *tmp;
	enum mp_status st;

	tmp = mp_alloc(need ? need : 1);
	if (tmp == NULL)
		return MP_ENOMEM;
	if (!decode_core(tmp, need, &got, in, fws)) {
		mp_free(tmp);
		return mp_why_set(why, MP_REASON_BAD_BASE64);
	}
	st = mp_buf_append(out, tmp, got);
	mp_free(tmp);
	return st;
}

/* mp_base64_decode - strict decode (no white space) */
enum mp_status
mp_base64_decode(struct mp_buf *out, struct mp_str in, struct mp_why *why)
{
	return decode_buf(out, in, false, why);
}

/* mp_base64_decode_fws - decode skipping folding white space */
enum mp_status
mp_base64_decode_fws(struct mp_buf *out, struct mp_str in, struct mp_why *why)
{
	return decode_buf(out, in, true, why);
}

/* mp_base64_encode - append the encoding of p */
enum mp_status
mp_base64_encode(struct mp_buf *out, const void *p, size_t len)
{
	const unsigned char *s = p;
	char quad[4];
	enum mp_status st = MP_OK;

	for (size_t i = 0; i < len && st == MP_OK; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (unsigned)s[i + 1] << 8;
		if (n > 2)
			v |= s[i + 2];
		quad[0] = alphabet[(v >> 18) & 63];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = n > 1 ? alphabet[(v >> 6) & 63] : '=';
		quad[3] = n > 2 ? alphabet[v & 63] : '=';
		st = mp_buf_append(out, quad, 4);
	}
	return st;
}
