/* dkim_tags.c - tag-lists (RFC 6376 §3.2), DKIM-Signature fields (§3.5) and
 * key records (§3.6.1). Parsers never modify their input and return views
 * into it; every rejection sets a precise reason. Stateless; thread-safe. */
#include <stdint.h>
#include <string.h>

#include <mailproof/base64.h>
#include <mailproof/dkim.h>
#include <mailproof/limits.h>
#include <mailproof/str.h>

#include "dkim_internal.h"

/* is_tag_name_char - ALNUMPUNC (RFC 6376 §3.2) */
static bool
is_tag_name_char(unsigned char c)
{
	return mp_is_alnum(c) || c == '_';
}

/* is_fws_char - white space that may appear inside a folded value */
static bool
is_fws_char(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim_fws - a view without leading and trailing FWS */
static struct mp_str
trim_fws(struct mp_str s)
{
	while (s.len > 0 && is_fws_char((unsigned char)s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && is_fws_char((unsigned char)s.ptr[s.len - 1]))
		s.len--;
	return s;
}

/* value_ok - tag-value bytes: VALCHAR or FWS; 8-bit allowed, controls not */
static bool
value_ok(struct mp_str v)
{
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.ptr[i];

		if (is_fws_char(c) || c >= 0x80)
			continue;
		if (c < 0x21 || c == 0x7f || c == ';')
			return false;
	}
	return true;
}

/* mp_dkim_tags_parse - split a tag-list into names and values */
bool
mp_dkim_tags_parse(struct mp_str in, struct dkim_tag *tags, size_t max, size_t *n,
                   struct mp_why *why, enum mp_reason syntax_reason)
{
	struct mp_cursor c;

	*n = 0;
	mp_cur_init(&c, in);
	for (;;) {
		struct mp_str name, value;
		const char *vstart;

		mp_cur_skip_fws(&c);
		if (mp_cur_eof(&c))
			break;              /* empty list, or trailing ';' */
		mp_cur_span(&c, &name, is_tag_name_char, 64);
		if (c.err || !mp_is_alpha((unsigned char)name.ptr[0])) {
			mp_why_setf(why, syntax_reason, "%s: bad tag name at byte %zu",
			            mp_reason_text(syntax_reason), (size_t)(c.p - in.ptr));
			return false;
		}
		mp_cur_skip_fws(&c);
		mp_cur_expect(&c, '=');
		vstart = c.p;
		mp_cur_until(&c, &value, ';', in.len);
		if (c.err || !value_ok(value)) {
			mp_why_setf(why, syntax_reason, "%s: tag %.*s", mp_reason_text(syntax_reason),
			            (int)name.len, name.ptr);
			return false;
		}
		for (size_t k = 0; k < *n; k++)
			if (mp_str_eq(tags[k].name, name)) {
				mp_why_setf(why, MP_REASON_DKIM_DUP_TAG, "duplicate tag %.*s=",
				            (int)name.len, name.ptr);
				return false;
			}
		if (*n == max) {
			mp_why_setf(why, syntax_reason, "%s: more than %zu tags",
			            mp_reason_text(syntax_reason), max);
			return false;
		}
		tags[*n].name = name;
		tags[*n].value = trim_fws(value);
		tags[*n].vstart = (size_t)(vstart - in.ptr);
		tags[*n].vend = (size_t)(c.p - in.ptr);
		(*n)++;
		if (!mp_cur_accept(&c, ';'))
			break;
	}
	return true;
}

/* mp_dkim_valid_domain - LDH labels ('_' too for selectors), no empty label */
bool
mp_dkim_valid_domain(struct mp_str s, bool selector)
{
	size_t label = 0;

	if (s.len == 0 || s.len > 253)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!mp_is_ldh(ch) && !(selector && ch == '_'))
			return false;
		if (++label > MP_LIMIT_DNS_LABEL)
			return false;
	}
	return label > 0;
}

/* mp_dkim_field_name - name of a raw field, WSP before ':' removed */
struct mp_str
mp_dkim_field_name(struct mp_str raw)
{
	ptrdiff_t colon = mp_str_find(raw, ':');
	struct mp_str name = raw;

	if (colon >= 0)
		name.len = (size_t)colon;
	while (name.len > 0 && mp_is_wsp((unsigned char)name.ptr[name.len - 1]))
		name.len--;
	return name;
}

/* next_list_item - next ':'-separated item of a list, FWS trimmed */
static bool
next_list_item(struct mp_cursor *c, struct mp_str *item)
{
	if (mp_cur_eof(c))
		return false;
	mp_cur_until(c, item, ':', mp_cur_left(c));
	mp_cur_accept(c, ':');
	*item = trim_fws(*item);
	return true;
}

/* mp_dkim_split_h - h= names; false when an entry is empty or not a field name */
bool
mp_dkim_split_h(struct mp_str h, struct mp_str *names, size_t max, size_t *n)
{
	struct mp_cursor c;
	struct mp_str item;

	*n = 0;
	if (h.len == 0)
		return false;
	mp_cur_init(&c, h);
	while (next_list_item(&c, &item)) {
		if (item.len == 0 || *n == max)
			return false;
		for (size_t i = 0; i < item.len; i++) {
			unsigned char ch = (unsigned char)item.ptr[i];
			if (ch < 0x21 || ch > 0x7e || ch == ':')   /* RFC 5322 ftext */
				return false;
		}
		names[(*n)++] = item;
	}
	/* a trailing ':' leaves an empty last entry */
	return h.ptr[h.len - 1] != ':';
}

/* find_tag - the tag named name, or NULL */
static const struct dkim_tag *
find_tag(const struct dkim_tag *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (mp_str_eq_c(tags[i].name, name))
			return &tags[i];
	return NULL;
}

/* parse_canon - c= value (RFC 6376 §3.5): header[/body], body default simple */
static bool
parse_canon(struct mp_str v, enum mp_dkim_canon *hc, enum mp_dkim_canon *bc)
{
	ptrdiff_t slash = mp_str_find(v, '/');
	struct mp_str hs = v, bs = MP_STR_LIT("simple");

	if (slash >= 0) {
		hs.len = (size_t)slash;
		bs = mp_str_make(v.ptr + slash + 1, v.len - (size_t)slash - 1);
	}
	if (mp_str_eq_nocase_c(hs, "simple"))
		*hc = MP_DKIM_SIMPLE;
	else if (mp_str_eq_nocase_c(hs, "relaxed"))
		*hc = MP_DKIM_RELAXED;
	else
		return false;
	if (mp_str_eq_nocase_c(bs, "simple"))
		*bc = MP_DKIM_SIMPLE;
	else if (mp_str_eq_nocase_c(bs, "relaxed"))
		*bc = MP_DKIM_RELAXED;
	else
		return false;
	return true;
}

/* list_has - does a ':'-separated list hold want (case-insensitive)? */
static bool
list_has(struct mp_str list, const char *want)
{
	struct mp_cursor c;
	struct mp_str item;

	mp_cur_init(&c, list);
	while (next_list_item(&c, &item))
		if (mp_str_eq_nocase_c(item, want))
			return true;
	return false;
}

/* parse_time - t= / x= digits (RFC 6376 §3.5: at most 12 digits advised; we
 * accept up to 18 so any value fits int64_t) */
static bool
parse_time(struct mp_str v, int64_t *out)
{
	uint64_t u;

	if (!mp_parse_u64(v, (uint64_t)INT64_MAX / 2, &u))
		return false;
	*out = (int64_t)u;
	return true;
}

/* check_bh - bh= decodes (into s->bh_bin) to the hash length of alg */
static bool
check_bh(struct mp_dkim_sig *s)
{
	if (!mp_base64_decode_to(s->bh_bin, sizeof s->bh_bin, &s->bh_len, s->bh, true))
		return false;
	return s->bh_len == (s->alg == MP_DKIM_RSA_SHA1 ? 20u : 32u);
}

/* check_b - b= decodes (into s->b_bin) to a plausible signature */
static bool
check_b(struct mp_dkim_sig *s)
{
	return mp_base64_decode_to(s->b_bin, sizeof s->b_bin, &s->b_len, s->b, true)
	       && s->b_len > 0;
}

/* qp_decode - dkim-quoted-printable (RFC 6376 §2.11) into buf; false when
 * malformed or too long */
static bool
qp_decode(struct mp_str in, char *buf, size_t max, struct mp_str *out)
{
	size_t n = 0;

	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.ptr[i];

		if (is_fws_char(c))
			continue;
		if (c == '=') {
			unsigned v = 0;

			if (i + 2 >= in.len || !mp_is_hex((unsigned char)in.ptr[i + 1])
			    || !mp_is_hex((unsigned char)in.ptr[i + 2]))
				return false;
			for (int k = 1; k <= 2; k++) {
				unsigned char h = mp_lower((unsigned char)in.ptr[i + k]);
				v = v * 16 + (unsigned)(mp_is_digit(h) ? h - '0' : h - 'a' + 10);
			}
			c = (unsigned char)v;
			i += 2;
		}
		if (n == max)
			return false;
		buf[n++] = (char)c;
	}
	*out = mp_str_make(buf, n);
	return true;
}

/* sig_identity - i= (RFC 6376 §3.5): [local-part] "@" domain within d= */
static void
sig_identity(struct mp_dkim_sig *s, struct mp_why *why)
{
	ptrdiff_t at = -1;
	struct mp_str dom;

	if (mp_str_find(s->i, '=') >= 0 && !qp_decode(s->i, s->i_buf, MP_DKIM_I_MAX, &s->i)) {
		mp_why_set(why, MP_REASON_DKIM_BAD_IDENTITY);
		return;
	}

	for (size_t k = 0; k < s->i.len; k++)
		if (s->i.ptr[k] == '@')
			at = (ptrdiff_t)k;
	if (at < 0) {
		mp_why_set(why, MP_REASON_DKIM_BAD_IDENTITY);
		return;
	}
	dom = mp_str_make(s->i.ptr + at + 1, s->i.len - (size_t)at - 1);
	if (!mp_dkim_valid_domain(dom, false)) {
		mp_why_set(why, MP_REASON_DKIM_BAD_IDENTITY);
		return;
	}
	s->i_domain = dom;
	if (mp_str_eq_nocase(dom, s->d))
		return;
	if (dom.len > s->d.len && dom.ptr[dom.len - s->d.len - 1] == '.'
	    && mp_str_ends_nocase(dom, s->d))
		return;
	mp_why_set(why, MP_REASON_DKIM_IDENTITY_MISMATCH);
}

/* sig_required - the tags RFC 6376 §6.1.1 requires */
static bool
sig_required(const struct dkim_tag *tags, size_t n, struct mp_why *why)
{
	static const char *const req[] = { "v", "a", "b", "bh", "d", "h", "s" };

	for (size_t k = 0; k < sizeof req / sizeof req[0]; k++)
		if (find_tag(tags, n, req[k]) == NULL) {
			mp_why_setf(why, MP_REASON_DKIM_MISSING_TAG,
			            "required tag %s= missing (RFC 6376 §6.1.1)", req[k]);
			return false;
		}
	return true;
}

/* sig_fields - check and store each known tag; false with why on error */
static bool
sig_fields(struct mp_dkim_sig *s, const struct dkim_tag *tags, size_t n, struct mp_why *why)
{
	const struct dkim_tag *t;
	struct mp_str names[MP_LIMIT_DKIM_H_TAGS];
	size_t nn;
	bool from = false;

	if (!mp_str_eq_c(find_tag(tags, n, "v")->value, "1"))
		return mp_why_set(why, MP_REASON_DKIM_BAD_VERSION), false;
	s->a = find_tag(tags, n, "a")->value;
	s->alg = mp_dkim_alg_parse(s->a);
	if (s->alg == MP_DKIM_ALG_UNKNOWN)
		return mp_why_set(why, MP_REASON_DKIM_BAD_ALGORITHM), false;
	t = find_tag(tags, n, "b");
	s->b = t->value;
	s->b_start = t->vstart;
	s->b_end = t->vend;
	if (!check_b(s))
		return mp_why_set(why, MP_REASON_DKIM_BAD_B), false;
	s->bh = find_tag(tags, n, "bh")->value;
	if (!check_bh(s))
		return mp_why_set(why, MP_REASON_DKIM_BAD_BH), false;
	s->d = find_tag(tags, n, "d")->value;
	if (!mp_dkim_valid_domain(s->d, false))
		return mp_why_set(why, MP_REASON_DKIM_BAD_DOMAIN), false;
	s->s = find_tag(tags, n, "s")->value;
	if (!mp_dkim_valid_domain(s->s, true))
		return mp_why_set(why, MP_REASON_DKIM_BAD_SELECTOR), false;
	s->h = find_tag(tags, n, "h")->value;
	if (!mp_dkim_split_h(s->h, names, MP_LIMIT_DKIM_H_TAGS, &nn))
		return mp_why_set(why, MP_REASON_DKIM_BAD_H), false;
	for (size_t k = 0; k < nn; k++)
		from = from || mp_str_eq_nocase_c(names[k], "from");
	if (!from)
		return mp_why_set(why, MP_REASON_DKIM_FROM_NOT_SIGNED), false;
	if ((t = find_tag(tags, n, "c")) != NULL && !parse_canon(t->value, &s->hcanon, &s->bcanon))
		return mp_why_set(why, MP_REASON_DKIM_BAD_CANON), false;
	if ((t = find_tag(tags, n, "q")) != NULL && !list_has(t->value, "dns/txt"))
		return mp_why_set(why, MP_REASON_DKIM_BAD_Q), false;
	if ((t = find_tag(tags, n, "l")) != NULL) {
		if (t->value.len == 0 || t->value.len > 76)
			return mp_why_set(why, MP_REASON_DKIM_BAD_L), false;
		if (!mp_parse_u64(t->value, UINT64_MAX, &s->l)) {
			for (size_t k = 0; k < t->value.len; k++)
				if (!mp_is_digit((unsigned char)t->value.ptr[k]))
					return mp_why_set(why, MP_REASON_DKIM_BAD_L), false;
			s->l = UINT64_MAX;  /* larger than any body: l-too-large later */
		}
		s->has_l = true;
	}
	if ((t = find_tag(tags, n, "t")) != NULL && !parse_time(t->value, &s->t))
		return mp_why_set(why, MP_REASON_DKIM_BAD_TIMESTAMP), false;
	if ((t = find_tag(tags, n, "x")) != NULL && !parse_time(t->value, &s->x))
		return mp_why_set(why, MP_REASON_DKIM_BAD_TIMESTAMP), false;
	if (s->t >= 0 && s->x >= 0 && s->x <= s->t)
		return mp_why_set(why, MP_REASON_DKIM_X_BEFORE_T), false;
	if ((t = find_tag(tags, n, "z")) != NULL)
		s->z = t->value;
	return true;
}

/* mp_dkim_sig_parse - a DKIM-Signature value (RFC 6376 §3.5) */
enum mp_status
mp_dkim_sig_parse(struct mp_str value, struct mp_dkim_sig *s, struct mp_why *why)
{
	struct dkim_tag tags[DKIM_MAX_TAGS];
	const struct dkim_tag *it;
	size_t n;

	memset(s, 0, sizeof *s);
	s->raw_value = value;
	s->t = s->x = -1;
	s->hcanon = s->bcanon = MP_DKIM_SIMPLE;
	mp_why_clear(why);
	if (value.len > MP_LIMIT_DKIM_SIG_FIELD)
		return mp_why_set(why, MP_REASON_DKIM_FIELD_TOO_LONG);
	if (mp_str_has_nul(value))
		return mp_why_set(why, MP_REASON_NUL_BYTE);
	if (!mp_dkim_tags_parse(value, tags, DKIM_MAX_TAGS, &n, why, MP_REASON_DKIM_SIG_SYNTAX))
		return MP_OK;
	if (!sig_required(tags, n, why) || !sig_fields(s, tags, n, why))
		return MP_OK;
	it = find_tag(tags, n, "i");
	if (it != NULL)
		s->i = it->value;
	if (it != NULL) {
		sig_identity(s, why);
		if (mp_why_failed(why))
			return MP_OK;
	} else {
		s->i_domain = s->d;
	}
	if (s->alg == MP_DKIM_RSA_SHA1)
		mp_why_set(why, MP_REASON_DKIM_SHA1);
	return MP_OK;
}

/* key_fields - check the key record's tags (RFC 6376 §3.6.1) */
static bool
key_fields(struct mp_dkim_key *k, const struct dkim_tag *tags, size_t n, struct mp_why *why)
{
	const struct dkim_tag *t;

	if ((t = find_tag(tags, n, "v")) != NULL
	    && (t != &tags[0] || !mp_str_eq_c(t->value, "DKIM1")))
		return mp_why_set(why, MP_REASON_DKIM_KEY_VERSION), false;
	if ((t = find_tag(tags, n, "k")) != NULL) {
		if (mp_str_eq_nocase_c(t->value, "ed25519"))
			k->is_ed25519 = true;
		else if (!mp_str_eq_nocase_c(t->value, "rsa"))
			return mp_why_set(why, MP_REASON_DKIM_KEY_TYPE), false;
	}
	if ((t = find_tag(tags, n, "h")) != NULL) {
		k->has_h = true;
		k->h_sha256 = list_has(t->value, "sha256");
		k->h_sha1 = list_has(t->value, "sha1");
	}
	if ((t = find_tag(tags, n, "s")) != NULL && !list_has(t->value, "*")
	    && !list_has(t->value, "email"))
		return mp_why_set(why, MP_REASON_DKIM_KEY_SERVICE), false;
	if ((t = find_tag(tags, n, "t")) != NULL) {
		k->testing = list_has(t->value, "y");
		k->strict = list_has(t->value, "s");
	}
	if ((t = find_tag(tags, n, "p")) == NULL)
		return mp_why_setf(why, MP_REASON_DKIM_KEY_SYNTAX, "key record has no p= tag"), false;
	k->p = t->value;
	return true;
}

/* mp_dkim_key_parse - a key record (RFC 6376 §3.6.1) */
enum mp_status
mp_dkim_key_parse(struct mp_str record, struct mp_dkim_key *k, struct mp_why *why)
{
	struct dkim_tag tags[DKIM_MAX_TAGS];
	size_t n;

	memset(k, 0, sizeof *k);
	mp_why_clear(why);
	if (record.len > MP_LIMIT_DKIM_KEY_RECORD)
		return mp_why_setf(why, MP_REASON_DKIM_KEY_SYNTAX, "key record longer than %u bytes",
		                   (unsigned)MP_LIMIT_DKIM_KEY_RECORD);
	if (mp_str_has_nul(record))
		return mp_why_set(why, MP_REASON_NUL_BYTE);
	if (!mp_dkim_tags_parse(record, tags, DKIM_MAX_TAGS, &n, why, MP_REASON_DKIM_KEY_SYNTAX))
		return MP_OK;
	key_fields(k, tags, n, why);
	return MP_OK;
}
