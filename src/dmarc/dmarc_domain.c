/* dmarc_domain.c - domain names as DMARC compares them: normalization
 * (RFC 9989 §4.4: case-insensitive; §5.3.1: U-labels become A-labels via
 * libidn2, IDNA2008 with UTS #46 mapping), label arithmetic for the tree
 * walk, and the RFC 7489 §3.2 Organizational Domain from the public suffix
 * list (libpsl). The PSL object is read-only after loading: thread-safe.
 */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>

#include <mailproof/dmarc.h>

#include "dmarc_internal.h"

struct mp_dmarc_psl {
	psl_ctx_t *ctx;
	bool builtin;   /* from psl_builtin(): do not free */
};

/* is_host_char - LDH, plus '_' which appears in real names (RFC 2181 §11) */
static bool
is_host_char(unsigned char c)
{
	return mp_is_ldh(c) || c == '_';
}

/* labels_ok - every label 1..63 bytes of host characters, and a last
 * label that is not all digits (an IP address is not a domain: RFC 3696 §2) */
static bool
labels_ok(struct mp_str d)
{
	size_t len = 0;
	bool digits = true;

	if (d.len == 0 || d.len > MP_LIMIT_DMARC_DOMAIN)
		return false;
	for (size_t i = 0; i < d.len; i++) {
		unsigned char c = (unsigned char)d.ptr[i];
		if (c == '.') {
			if (len == 0)
				return false;
			len = 0;
			digits = true;
		} else if (!is_host_char(c) || ++len > MP_LIMIT_DNS_LABEL) {
			return false;
		} else if (!mp_is_digit(c)) {
			digits = false;
		}
	}
	return len > 0 && !digits;
}

/* to_alabels - UTF-8 name to lower-case A-labels with libidn2 */
static bool
to_alabels(struct mp_arena *a, struct mp_str in, struct mp_str *out, bool *enomem)
{
	char *src, *dst = NULL;
	int rc;

	if (mp_str_has_nul(in) || in.len > MP_LIMIT_DNS_NAME_TEXT)
		return false;
	if ((src = mp_arena_cstr(a, in)) == NULL) {
		*enomem = true;
		return false;
	}
	rc = idn2_lookup_u8((const uint8_t *)src, (uint8_t **)&dst,
	                    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc == IDN2_MALLOC)
		*enomem = true;
	if (rc != IDN2_OK)
		return false;
	*out = mp_arena_strdup(a, mp_str_c(dst));
	idn2_free(dst);
	*enomem = out->ptr == NULL;
	return out->ptr != NULL;
}

bool
mp_dmarc_domain_norm(struct mp_arena *a, struct mp_str in, struct mp_str *out)
{
	return mp_dmarc_norm(a, in, out, NULL);
}

bool
mp_dmarc_norm(struct mp_arena *a, struct mp_str in, struct mp_str *out, bool *enomem)
{
	bool ascii = true, nomem = false;
	struct mp_str d;
	char *p;

	if (enomem == NULL)
		enomem = &nomem;
	*enomem = false;
	*out = MP_STR_NULL;
	if (in.len > 0 && in.ptr[in.len - 1] == '.')
		in.len--;
	if (in.len == 0 || in.len > MP_LIMIT_DNS_NAME_TEXT)
		return false;
	for (size_t i = 0; i < in.len; i++)
		if ((unsigned char)in.ptr[i] >= 0x80)
			ascii = false;
	if (!ascii) {
		if (!to_alabels(a, in, &d, enomem))
			return false;
	} else {
		d = mp_arena_strdup(a, in);
		if (d.ptr == NULL) {
			*enomem = true;
			return false;
		}
	}
	if (!labels_ok(d))
		return false;
	p = (char *)d.ptr;  /* our own arena copy */
	for (size_t i = 0; i < d.len; i++)
		p[i] = (char)mp_lower((unsigned char)p[i]);
	*out = d;
	return true;
}

size_t
mp_dmarc_nlabels(struct mp_str d)
{
	size_t n = d.len > 0 ? 1 : 0;

	for (size_t i = 0; i < d.len; i++)
		if (d.ptr[i] == '.')
			n++;
	return n;
}

struct mp_str
mp_dmarc_last_labels(struct mp_str d, size_t n)
{
	size_t have = mp_dmarc_nlabels(d);

	while (have > n) {
		d = mp_dmarc_parent(d);
		have--;
	}
	return d;
}

struct mp_str
mp_dmarc_parent(struct mp_str d)
{
	ptrdiff_t dot = mp_str_find(d, '.');

	if (dot < 0)
		return mp_str_make(d.ptr + d.len, 0);
	return mp_str_make(d.ptr + dot + 1, d.len - (size_t)dot - 1);
}

bool
mp_dmarc_is_under(struct mp_str d, struct mp_str parent)
{
	if (parent.len == 0 || d.len < parent.len)
		return false;
	if (!mp_str_ends_nocase(d, parent))
		return false;
	return d.len == parent.len || d.ptr[d.len - parent.len - 1] == '.';
}

struct mp_dmarc_psl *
mp_dmarc_psl_load(const char *path, struct mp_why *why)
{
	struct mp_dmarc_psl *p = mp_zalloc(sizeof *p);

	if (p == NULL) {
		mp_why_set(why, MP_REASON_NOMEM);
		return NULL;
	}
	if (path != NULL) {
		p->ctx = psl_load_file(path);
	} else {
		/* Debian's publicsuffix data, or libpsl's built-in copy */
		p->ctx = psl_latest(NULL);
		if (p->ctx == NULL) {
			p->ctx = (psl_ctx_t *)psl_builtin();
			p->builtin = true;
		}
	}
	if (p->ctx == NULL) {
		mp_why_setf(why, MP_REASON_DMARC_PSL, "cannot load public suffix list %s",
		            path ? path : "(system)");
		mp_free(p);
		return NULL;
	}
	return p;
}

void
mp_dmarc_psl_free(struct mp_dmarc_psl *p)
{
	if (p == NULL)
		return;
	if (!p->builtin)
		psl_free(p->ctx);
	mp_free(p);
}

struct mp_str
mp_dmarc_psl_orgdomain(const struct mp_dmarc_psl *p, struct mp_str domain, struct mp_arena *a)
{
	const char *reg;
	char *c;

	if (p == NULL || domain.len == 0 || (c = mp_arena_cstr(a, domain)) == NULL)
		return MP_STR_NULL;
	reg = psl_registrable_domain(p->ctx, c);
	/* RFC 7489 §3.2: a public suffix itself has no label to its left; it
	 * is its own Organizational Domain */
	if (reg == NULL)
		return mp_str_make(c, domain.len);
	return mp_str_make(reg, domain.len - (size_t)(reg - c));
}
