/* dmarc_record.c - DMARC policy record parser (RFC 9989 §4.7, §4.8), with
 * the RFC 7489 tags pct, rf, ri parsed and reported as obsolete. Every tag
 * has one small parsing function in a table; syntax errors are findings and
 * the tag takes its default, unknown tags are noted and ignored. The p=none
 * rule of RFC 9989 §4.10.1 (invalid p/sp/np with a valid rua) is applied
 * here, so discovery and `check` read the same effective policy.
 * Owns nothing: results are views into the text. Thread-safe.
 */
#include <string.h>

#include <mailproof/dmarc.h>

#include "dmarc_internal.h"

/* seen-bits, one per known tag, for duplicate detection */
enum tag_id {
	TAG_P, TAG_SP, TAG_NP, TAG_PSD, TAG_T, TAG_ADKIM, TAG_ASPF, TAG_RUA, TAG_RUF,
	TAG_FO, TAG_PCT, TAG_RF, TAG_RI,
};

typedef void tag_fn(struct mp_dmarc_record *r, struct mp_str name, struct mp_str value);

/* add_finding - remember an error or a note (dropped past the limit) */
static void
add_finding(struct mp_dmarc_record *r, enum mp_reason reason, bool error, struct mp_str tag,
            struct mp_str value)
{
	if (r->nfindings >= MP_LIMIT_DMARC_FINDINGS)
		return;
	r->findings[r->nfindings++] = (struct mp_dmarc_finding){ reason, error, tag, value };
}

/* parse_request - dmarc-request: none / quarantine / reject */
static enum mp_dmarc_policy
parse_request(struct mp_str v)
{
	if (mp_str_eq_nocase_c(v, "none"))
		return MP_DMARC_POLICY_NONE;
	if (mp_str_eq_nocase_c(v, "quarantine"))
		return MP_DMARC_POLICY_QUARANTINE;
	if (mp_str_eq_nocase_c(v, "reject"))
		return MP_DMARC_POLICY_REJECT;
	return MP_DMARC_POLICY_UNSET;
}

/* one_char - a one-letter value such as "y" (case-insensitive), else 0 */
static int
one_char(struct mp_str v)
{
	return v.len == 1 ? mp_lower((unsigned char)v.ptr[0]) : 0;
}

/* tag_p - p= */
static void
tag_p(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	if ((r->p = parse_request(v)) == MP_DMARC_POLICY_UNSET)
		add_finding(r, MP_REASON_DMARC_BAD_P, true, name, v);
}

/* tag_sp - sp= */
static void
tag_sp(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	if ((r->sp = parse_request(v)) == MP_DMARC_POLICY_UNSET)
		add_finding(r, MP_REASON_DMARC_BAD_SP, true, name, v);
}

/* tag_np - np= */
static void
tag_np(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	if ((r->np = parse_request(v)) == MP_DMARC_POLICY_UNSET)
		add_finding(r, MP_REASON_DMARC_BAD_NP, true, name, v);
}

/* tag_psd - psd=y/n/u */
static void
tag_psd(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	switch (one_char(v)) {
	case 'y': r->psd = MP_DMARC_PSD_Y; break;
	case 'n': r->psd = MP_DMARC_PSD_N; break;
	case 'u': r->psd = MP_DMARC_PSD_U; break;
	default: add_finding(r, MP_REASON_DMARC_BAD_PSD, true, name, v);
	}
}

/* tag_t - t=y/n */
static void
tag_t(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	switch (one_char(v)) {
	case 'y': r->t = true; break;
	case 'n': r->t = false; break;
	default: add_finding(r, MP_REASON_DMARC_BAD_T, true, name, v);
	}
}

/* parse_rors - r / s, or -1 */
static int
parse_rors(struct mp_str v)
{
	switch (one_char(v)) {
	case 'r': return MP_DMARC_RELAXED;
	case 's': return MP_DMARC_STRICT;
	default: return -1;
	}
}

/* tag_adkim - adkim=r/s */
static void
tag_adkim(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	int m = parse_rors(v);

	if (m < 0)
		add_finding(r, MP_REASON_DMARC_BAD_ADKIM, true, name, v);
	else
		r->adkim = (enum mp_dmarc_align)m;
}

/* tag_aspf - aspf=r/s */
static void
tag_aspf(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	int m = parse_rors(v);

	if (m < 0)
		add_finding(r, MP_REASON_DMARC_BAD_ASPF, true, name, v);
	else
		r->aspf = (enum mp_dmarc_align)m;
}

/* tag_fo - dmarc-fo: 0/1 exclusive, d and s at most once, ':'-separated */
static void
tag_fo(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	unsigned bits = 0, bit;
	size_t i = 0;

	while (i <= v.len) {
		size_t j = i;
		while (j < v.len && v.ptr[j] != ':')
			j++;
		struct mp_str item = mp_str_trim(mp_str_make(v.ptr + i, j - i));
		switch (one_char(item)) {
		case '0': bit = MP_DMARC_FO_0; break;
		case '1': bit = MP_DMARC_FO_1; break;
		case 'd': bit = MP_DMARC_FO_D; break;
		case 's': bit = MP_DMARC_FO_S; break;
		default: bit = 0;
		}
		if (bit == 0 || (bits & bit) != 0)
			goto bad;
		bits |= bit;
		i = j + 1;
	}
	if ((bits & MP_DMARC_FO_0) && (bits & MP_DMARC_FO_1))
		goto bad;
	r->fo = bits;
	return;
bad:
	add_finding(r, MP_REASON_DMARC_BAD_FO, true, name, v);
}

/* is_uri_char - RFC 3986 unreserved, reserved and '%' minus ',' and '!'
 * (RFC 9989 §4.8: those must be encoded in a dmarc-uri) */
static bool
is_uri_char(unsigned char c)
{
	if (mp_is_alnum(c))
		return true;
	return c != '\0' && strchr("-._~:/?#[]@$&'()*+;=%", c) != NULL;
}

/* is_size_unit - obs-dmarc-report-size unit: k m g t */
static bool
is_size_unit(unsigned char c)
{
	c = mp_lower(c);
	return c == 'k' || c == 'm' || c == 'g' || c == 't';
}

/* parse_uri - one dmarc-uri / obs-dmarc-uri; false when malformed */
static bool
parse_uri(struct mp_str s, struct mp_dmarc_uri *u)
{
	ptrdiff_t bang = mp_str_find(s, '!');
	size_t i;

	*u = (struct mp_dmarc_uri){ s, MP_STR_NULL, MP_STR_NULL };
	if (bang >= 0) {
		struct mp_str size = mp_str_make(s.ptr + bang + 1, s.len - (size_t)bang - 1);
		size_t nd = 0;
		while (nd < size.len && mp_is_digit((unsigned char)size.ptr[nd]))
			nd++;
		if (nd == 0 || size.len - nd > 1)
			return false;
		if (size.len > nd && !is_size_unit((unsigned char)size.ptr[nd]))
			return false;
		u->size = size;
		u->uri = s = mp_str_make(s.ptr, (size_t)bang);
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" 1*char */
	if (s.len < 3 || !mp_is_alpha((unsigned char)s.ptr[0]))
		return false;
	for (i = 1; i < s.len && s.ptr[i] != ':'; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (!mp_is_alnum(c) && c != '+' && c != '-' && c != '.')
			return false;
	}
	if (i >= s.len - 1)
		return false;
	u->scheme = mp_str_make(s.ptr, i);
	for (i++; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (!is_uri_char(c))
			return false;
		if (c == '%' && (i + 2 >= s.len || !mp_is_hex((unsigned char)s.ptr[i + 1]) ||
		                 !mp_is_hex((unsigned char)s.ptr[i + 2])))
			return false;
	}
	return true;
}

/* parse_urilist - dmarc-urilist into list; malformed URIs are findings */
static void
parse_urilist(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v,
              struct mp_dmarc_uri *list, size_t *n)
{
	size_t i = 0;

	while (i <= v.len) {
		size_t j = i;
		struct mp_dmarc_uri u;

		while (j < v.len && v.ptr[j] != ',')
			j++;
		struct mp_str item = mp_str_trim(mp_str_make(v.ptr + i, j - i));
		i = j + 1;
		if (!parse_uri(item, &u)) {
			add_finding(r, MP_REASON_DMARC_BAD_URI, true, name, item);
			continue;
		}
		if (*n >= MP_LIMIT_DMARC_URIS) {
			add_finding(r, MP_REASON_DMARC_TOO_MANY_URIS, true, name, item);
			return;
		}
		if (u.size.len > 0)
			add_finding(r, MP_REASON_DMARC_OBSOLETE_URI_SIZE, false, name, item);
		list[(*n)++] = u;
	}
}

/* tag_rua - rua= */
static void
tag_rua(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	parse_urilist(r, name, v, r->rua, &r->nrua);
}

/* tag_ruf - ruf= */
static void
tag_ruf(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	parse_urilist(r, name, v, r->ruf, &r->nruf);
}

/* tag_pct - RFC 7489 §6.3 pct=0..100 (obsolete in RFC 9989, Appendix A.6) */
static void
tag_pct(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	uint64_t n;

	if (!mp_parse_u64(v, 100, &n)) {
		add_finding(r, MP_REASON_DMARC_BAD_PCT, true, name, v);
		return;
	}
	r->has_pct = true;
	r->pct = (unsigned)n;
	add_finding(r, MP_REASON_DMARC_OBSOLETE_PCT, false, name, v);
}

/* tag_rf - RFC 7489 §6.3 rf= Keyword *(":" Keyword); only "afrf" registered */
static void
tag_rf(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	size_t i = 0;

	while (i <= v.len) {
		size_t j = i;
		while (j < v.len && v.ptr[j] != ':')
			j++;
		if (!mp_str_eq_nocase_c(mp_str_trim(mp_str_make(v.ptr + i, j - i)), "afrf")) {
			add_finding(r, MP_REASON_DMARC_BAD_RF, true, name, v);
			return;
		}
		i = j + 1;
	}
	r->has_rf = true;
	r->rf = v;
	add_finding(r, MP_REASON_DMARC_OBSOLETE_RF, false, name, v);
}

/* tag_ri - RFC 7489 §6.3 ri=1*DIGIT (32-bit) */
static void
tag_ri(struct mp_dmarc_record *r, struct mp_str name, struct mp_str v)
{
	uint64_t n;

	if (!mp_parse_u64(v, UINT32_MAX, &n)) {
		add_finding(r, MP_REASON_DMARC_BAD_RI, true, name, v);
		return;
	}
	r->has_ri = true;
	r->ri = (uint32_t)n;
	add_finding(r, MP_REASON_DMARC_OBSOLETE_RI, false, name, v);
}

static const struct {
	const char *name;
	enum tag_id id;
	tag_fn *fn;
} tags[] = {
	{ "p", TAG_P, tag_p },
	{ "sp", TAG_SP, tag_sp },
	{ "np", TAG_NP, tag_np },
	{ "psd", TAG_PSD, tag_psd },
	{ "t", TAG_T, tag_t },
	{ "adkim", TAG_ADKIM, tag_adkim },
	{ "aspf", TAG_ASPF, tag_aspf },
	{ "rua", TAG_RUA, tag_rua },
	{ "ruf", TAG_RUF, tag_ruf },
	{ "fo", TAG_FO, tag_fo },
	{ "pct", TAG_PCT, tag_pct },
	{ "rf", TAG_RF, tag_rf },
	{ "ri", TAG_RI, tag_ri },
};

/* split_tag - "name *WSP = *WSP value" of one ';'-separated part */
static bool
split_tag(struct mp_str part, struct mp_str *name, struct mp_str *value)
{
	size_t i = 0;

	while (i < part.len && mp_is_alpha((unsigned char)part.ptr[i]))
		i++;
	*name = mp_str_make(part.ptr, i);
	while (i < part.len && mp_is_wsp((unsigned char)part.ptr[i]))
		i++;
	if (name->len == 0 || i >= part.len || part.ptr[i] != '=')
		return false;
	*value = mp_str_trim(mp_str_make(part.ptr + i + 1, part.len - i - 1));
	return true;
}

/* value_ok - dmarc-value = %x20-3A / %x3C-7E (';' cannot occur here) */
static bool
value_ok(struct mp_str v)
{
	for (size_t i = 0; i < v.len; i++)
		if ((unsigned char)v.ptr[i] < 0x20 || (unsigned char)v.ptr[i] > 0x7e)
			return false;
	return true;
}

/* next_part - the next ';'-separated part of the record, trimmed */
static bool
next_part(struct mp_str text, size_t *pos, struct mp_str *part)
{
	size_t i = *pos, j;

	if (i > text.len)
		return false;
	for (j = i; j < text.len && text.ptr[j] != ';'; j++)
		;
	*part = mp_str_trim(mp_str_make(text.ptr + i, j - i));
	*pos = j + 1;
	return true;
}

/* dispatch - one tag through the table */
static void
dispatch(struct mp_dmarc_record *r, unsigned *seen, struct mp_str name, struct mp_str value)
{
	for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++) {
		if (!mp_str_eq_nocase_c(name, tags[k].name))
			continue;
		if (*seen & (1u << tags[k].id)) {
			add_finding(r, MP_REASON_DMARC_DUP_TAG, true, name, value);
			return;
		}
		*seen |= 1u << tags[k].id;
		if (!value_ok(value))
			add_finding(r, mp_str_has_nul(value) ? MP_REASON_DMARC_NUL_BYTE
			                                     : MP_REASON_DMARC_TAG_SYNTAX,
			            true, name, value);
		else if (value.len == 0 && tags[k].id != TAG_P && tags[k].id != TAG_SP &&
		         tags[k].id != TAG_NP)
			add_finding(r, MP_REASON_DMARC_EMPTY_VALUE, true, name, value);
		else
			tags[k].fn(r, name, value);
		return;
	}
	add_finding(r, MP_REASON_DMARC_UNKNOWN_TAG, false, name, value);
}

/* settle - effective policies and status (RFC 9989 §4.7, §4.10.1) */
static void
settle(struct mp_dmarc_record *r, unsigned seen, struct mp_str fo_name, struct mp_str fo_value)
{
	bool sp_bad = (seen & (1u << TAG_SP)) && r->sp == MP_DMARC_POLICY_UNSET;
	bool np_bad = (seen & (1u << TAG_NP)) && r->np == MP_DMARC_POLICY_UNSET;

	if (!(seen & (1u << TAG_P)))
		add_finding(r, MP_REASON_DMARC_NO_P, true, MP_STR_NULL, MP_STR_NULL);
	if ((seen & (1u << TAG_FO)) && r->nruf == 0)
		add_finding(r, MP_REASON_DMARC_FO_WITHOUT_RUF, false, fo_name, fo_value);
	if (r->p != MP_DMARC_POLICY_UNSET && !sp_bad && !np_bad) {
		r->status = MP_DMARC_REC_OK;
		r->eff_p = r->p;
		r->eff_sp = r->sp != MP_DMARC_POLICY_UNSET ? r->sp : r->p;
		r->eff_np = r->np != MP_DMARC_POLICY_UNSET ? r->np : r->eff_sp;
	} else if (r->nrua > 0) {
		r->status = MP_DMARC_REC_OK;
		r->reason = MP_REASON_DMARC_P_NONE_BY_RUA;
		r->eff_p = r->eff_sp = r->eff_np = MP_DMARC_POLICY_NONE;
	} else {
		r->status = MP_DMARC_REC_NO_POLICY;
		r->reason = MP_REASON_DMARC_NO_POLICY;
	}
}

/* version_end - position after a leading "v=DMARC1" part, or 0 */
static size_t
version_end(struct mp_str text)
{
	size_t pos = 0;
	struct mp_str part, name, value;

	if (!next_part(text, &pos, &part) || !split_tag(part, &name, &value))
		return 0;
	if (!mp_str_eq_nocase_c(name, "v") || !mp_str_eq_c(value, "DMARC1"))
		return 0;
	return pos;
}

bool
mp_dmarc_is_record(struct mp_str text)
{
	return version_end(text) != 0;
}

enum mp_status
mp_dmarc_record_parse(struct mp_str text, struct mp_dmarc_record *r)
{
	struct mp_str part, name, value, fo_name = MP_STR_NULL, fo_value = MP_STR_NULL;
	unsigned seen = 0;
	size_t pos;

	if (r == NULL)
		return MP_EINVAL;
	*r = (struct mp_dmarc_record){ .text = text, .status = MP_DMARC_REC_NOT_DMARC,
		.fo = MP_DMARC_FO_0, .pct = 100, .ri = 86400 };
	if (mp_str_trim(text).len == 0) {
		r->reason = MP_REASON_DMARC_EMPTY;
		return MP_OK;
	}
	if ((pos = version_end(text)) == 0) {
		r->reason = MP_REASON_DMARC_NOT_DMARC;
		return MP_OK;
	}
	if (text.len > MP_LIMIT_DMARC_RECORD) {
		r->status = MP_DMARC_REC_NO_POLICY;
		r->reason = MP_REASON_DMARC_RECORD_TOO_LONG;
		add_finding(r, MP_REASON_DMARC_RECORD_TOO_LONG, true, MP_STR_NULL, MP_STR_NULL);
		return MP_OK;
	}
	while (next_part(text, &pos, &part)) {
		if (part.len == 0)
			continue;
		if (!split_tag(part, &name, &value)) {
			add_finding(r, mp_str_has_nul(part) ? MP_REASON_DMARC_NUL_BYTE
			                                    : MP_REASON_DMARC_TAG_SYNTAX,
			            true, MP_STR_NULL, part);
			continue;
		}
		if (mp_str_eq_nocase_c(name, "fo") && fo_name.len == 0) {
			fo_name = name;
			fo_value = value;
		}
		dispatch(r, &seen, name, value);
	}
	settle(r, seen, fo_name, fo_value);
	return MP_OK;
}

const char *
mp_dmarc_result_name(enum mp_dmarc_result res)
{
	switch (res) {
	case MP_DMARC_NONE: return "none";
	case MP_DMARC_PASS: return "pass";
	case MP_DMARC_FAIL: return "fail";
	case MP_DMARC_TEMPERROR: return "temperror";
	case MP_DMARC_PERMERROR: return "permerror";
	}
	return "permerror";
}

const char *
mp_dmarc_policy_name(enum mp_dmarc_policy p)
{
	switch (p) {
	case MP_DMARC_POLICY_UNSET: return "";
	case MP_DMARC_POLICY_NONE: return "none";
	case MP_DMARC_POLICY_QUARANTINE: return "quarantine";
	case MP_DMARC_POLICY_REJECT: return "reject";
	}
	return "";
}

const char *
mp_dmarc_mode_name(enum mp_dmarc_mode m)
{
	switch (m) {
	case MP_DMARC_MODE_9989: return "9989";
	case MP_DMARC_MODE_7489: return "7489";
	case MP_DMARC_MODE_COMPARE: return "compare";
	}
	return "9989";
}

enum mp_dmarc_policy
mp_dmarc_policy_weaker(enum mp_dmarc_policy p)
{
	if (p == MP_DMARC_POLICY_REJECT)
		return MP_DMARC_POLICY_QUARANTINE;
	if (p == MP_DMARC_POLICY_QUARANTINE)
		return MP_DMARC_POLICY_NONE;
	return p;
}
