/* dkim_selector.c - DKIM selectors that are hard to guess but easy to
 * identify: "<host>-<yyyymm>-<8 base32 chars>" (which server, which key
 * generation, and 40 random bits so probing common names finds nothing).
 * One implementation for `mailproof keygen` and `mailproof plan`. Pure;
 * thread-safe.
 */
#include <stdio.h>

#include <mailproof/dkim.h>

enum mp_status
mp_dkim_selector_make(struct mp_str host, const char *yyyymm, uint64_t rnd, char *out,
                      size_t outlen)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	char h[21], r[9];
	size_t n = 0;
	int len;

	/* first label, lower-case letters, digits and inner hyphens, <= 20 */
	for (size_t k = 0; k < host.len && host.ptr[k] != '.' && n < sizeof h - 1; k++) {
		unsigned char c = mp_lower((unsigned char)host.ptr[k]);
		if (mp_is_alnum(c) || (c == '-' && n > 0))
			h[n++] = (char)c;
	}
	while (n > 0 && h[n - 1] == '-')
		n--;
	if (n == 0)
		n = (size_t)snprintf(h, sizeof h, "mail");
	h[n] = '\0';
	for (int i = 0; i < 8; i++)
		r[i] = b32[(rnd >> (5 * i)) & 31];
	r[8] = '\0';
	len = snprintf(out, outlen, "%s-%s-%s", h, yyyymm, r);
	if (len < 0 || (size_t)len >= outlen)
		return MP_ELIMIT;
	return MP_OK;
}
