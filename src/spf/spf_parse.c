/* spf_parse.c - SPF record syntax (RFC 7208 §4.5, §4.6, §5, §6, §12):
 * "v=spf1" then terms separated by spaces; each term is a directive
 * (qualifier + mechanism with domain-spec / networks / dual CIDR lengths) or
 * a modifier. The whole record is checked before anything is evaluated
 * (§4.6: any syntax error is permerror). Terms are views into the record;
 * the term array lives in the caller's arena. Thread-safe.
 */
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/spf.h>
#include <mailproof/str.h>

#include "spf_internal.h"

static const struct {
	const char *name;
	enum mp_spf_term_kind kind;
} mechanisms[] = {
	{ "all", MP_SPF_T_ALL }, { "include", MP_SPF_T_INCLUDE }, { "a", MP_SPF_T_A },
	{ "mx", MP_SPF_T_MX }, { "ptr", MP_SPF_T_PTR }, { "ip4", MP_SPF_T_IP4 },
	{ "ip6", MP_SPF_T_IP6 }, { "exists", MP_SPF_T_EXISTS },
};

/* mp_spf_is_record - "v=spf1" followed by SP or end (§4.5) */
bool
mp_spf_is_record(struct mp_str text)
{
	if (text.len < 6 || !mp_str_starts_nocase(text, MP_STR_LIT("v=spf1")))
		return false;
	return text.len == 6 || text.ptr[6] == ' ';
}

/* is_name_char - modifier name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
static bool
is_name_char(unsigned char c)
{
	return mp_is_alnum(c) || c == '-' || c == '_' || c == '.';
}

/* parse_cidr - "/N" with N in 0..max, no leading zero; false on error */
static bool
parse_cidr(struct mp_str s, unsigned max, uint8_t *out)
{
	uint64_t v;

	if (s.len < 1 || s.len > 3 || (s.len > 1 && s.ptr[0] == '0'))
		return false;
	if (!mp_parse_u64(s, max, &v))
		return false;
	*out = (uint8_t)v;
	return true;
}

/* split_dual_cidr - peel "[/N4][//N6]" off the end of arg (a, mx) */
static bool
split_dual_cidr(struct mp_str *arg, struct mp_spf_term *t)
{
	struct mp_str s = *arg;
	size_t i = s.len;

	while (i > 0 && mp_is_digit((unsigned char)s.ptr[i - 1]))
		i--;
	if (i == s.len || i == 0 || s.ptr[i - 1] != '/')
		return true;            /* no CIDR suffix */
	if (i >= 2 && s.ptr[i - 2] == '/') {    /* "//N6" */
		if (!parse_cidr(mp_str_make(s.ptr + i, s.len - i), 128, &t->cidr6))
			return false;
		s.len = i - 2;
		i = s.len;
		while (i > 0 && mp_is_digit((unsigned char)s.ptr[i - 1]))
			i--;
		if (i == s.len || i == 0 || s.ptr[i - 1] != '/') {
			*arg = s;
			return true;
		}
	}
	if (!parse_cidr(mp_str_make(s.ptr + i, s.len - i), 32, &t->cidr4))
		return false;
	s.len = i - 1;
	*arg = s;
	return true;
}

/* parse_network - ip4:/ip6: network and optional CIDR length */
static bool
parse_network(struct mp_str arg, struct mp_spf_term *t)
{
	ptrdiff_t slash = mp_str_find(arg, '/');
	struct mp_str net = arg;

	if (slash >= 0) {
		struct mp_str c = mp_str_make(arg.ptr + slash + 1, arg.len - (size_t)slash - 1);

		net.len = (size_t)slash;
		if (t->kind == MP_SPF_T_IP4 ? !parse_cidr(c, 32, &t->cidr4) :
		    !parse_cidr(c, 128, &t->cidr6))
			return false;
	}
	if (t->kind == MP_SPF_T_IP4)
		return mp_spf_ip4_parse(net, t->net);
	return mp_spf_ip6_parse(net, t->net);
}

/* parse_mechanism - directive after the qualifier; name already split */
static bool
parse_mechanism(struct mp_str name, struct mp_str rest, struct mp_spf_term *t)
{
	size_t k;

	for (k = 0; k < sizeof mechanisms / sizeof mechanisms[0]; k++)
		if (mp_str_eq_nocase_c(name, mechanisms[k].name))
			break;
	if (k == sizeof mechanisms / sizeof mechanisms[0])
		return false;
	t->kind = mechanisms[k].kind;
	t->cidr4 = 32;
	t->cidr6 = 128;
	switch (t->kind) {
	case MP_SPF_T_ALL:
		return rest.len == 0;
	case MP_SPF_T_INCLUDE:
	case MP_SPF_T_EXISTS:
		if (rest.len < 2 || rest.ptr[0] != ':')
			return false;
		t->domain_spec = mp_str_make(rest.ptr + 1, rest.len - 1);
		return mp_spf_domain_spec_ok(t->domain_spec);
	case MP_SPF_T_A:
	case MP_SPF_T_MX:
		if (!split_dual_cidr(&rest, t))
			return false;
		if (rest.len == 0)
			return true;
		if (rest.ptr[0] != ':')
			return false;
		t->domain_spec = mp_str_make(rest.ptr + 1, rest.len - 1);
		return mp_spf_domain_spec_ok(t->domain_spec);
	case MP_SPF_T_PTR:
		if (rest.len == 0)
			return true;
		if (rest.ptr[0] != ':')
			return false;
		t->domain_spec = mp_str_make(rest.ptr + 1, rest.len - 1);
		return mp_spf_domain_spec_ok(t->domain_spec);
	case MP_SPF_T_IP4:
	case MP_SPF_T_IP6:
		if (rest.len < 2 || rest.ptr[0] != ':')
			return false;
		return parse_network(mp_str_make(rest.ptr + 1, rest.len - 1), t);
	default:
		return false;
	}
}

/* parse_modifier - name "=" value */
static bool
parse_modifier(struct mp_str name, struct mp_str value, struct mp_spf_record *r,
               struct mp_spf_term *t, struct mp_why *why)
{
	t->mod_name = name;
	t->domain_spec = value;
	if (mp_str_eq_nocase_c(name, "redirect") || mp_str_eq_nocase_c(name, "exp")) {
		bool redirect = mp_str_eq_nocase_c(name, "redirect");
		int *slot = redirect ? &r->redirect : &r->exp;

		t->kind = redirect ? MP_SPF_T_REDIRECT : MP_SPF_T_EXP;
		if (*slot >= 0) {
			mp_why_setf(why, MP_REASON_SPF_DUP_MODIFIER,
			    "%s= appears twice (RFC 7208 §6)", redirect ? "redirect" : "exp");
			return false;
		}
		*slot = (int)r->nterms;
		return mp_spf_domain_spec_ok(value);
	}
	t->kind = MP_SPF_T_UNKNOWN_MOD;
	return mp_spf_macro_valid(value, true);
}

/* parse_term - one term at text[pos..pos+len) */
static bool
parse_term(struct mp_str term, struct mp_spf_record *r, struct mp_spf_term *t,
           struct mp_why *why)
{
	struct mp_str body = term, name;
	size_t i = 0;

	t->qualifier = MP_SPF_PASS;
	switch (body.ptr[0]) {
	case '+': t->qualifier = MP_SPF_PASS; i = 1; break;
	case '-': t->qualifier = MP_SPF_FAIL; i = 1; break;
	case '~': t->qualifier = MP_SPF_SOFTFAIL; i = 1; break;
	case '?': t->qualifier = MP_SPF_NEUTRAL; i = 1; break;
	default: break;
	}
	body = mp_str_make(term.ptr + i, term.len - i);
	for (i = 0; i < body.len && is_name_char((unsigned char)body.ptr[i]); i++)
		;
	name = mp_str_make(body.ptr, i);
	if (name.len == 0)
		return false;
	if (i < body.len && body.ptr[i] == '=') {
		if (body.ptr != term.ptr || !mp_is_alpha((unsigned char)name.ptr[0]))
			return false;   /* a qualifier on a modifier, or a bad name */
		return parse_modifier(name, mp_str_make(body.ptr + i + 1, body.len - i - 1),
		    r, t, why);
	}
	return parse_mechanism(name, mp_str_make(body.ptr + i, body.len - i), t);
}

/* mp_spf_record_parse - whole record, every term checked (§4.6) */
enum mp_status
mp_spf_record_parse(struct mp_str text, struct mp_arena *a, struct mp_spf_record *out,
                    struct mp_why *why)
{
	size_t n = 0, i;

	memset(out, 0, sizeof *out);
	out->redirect = out->exp = -1;
	if (!mp_spf_is_record(text))
		return mp_why_setf(why, MP_REASON_SPF_SYNTAX, "not an SPF record (no v=spf1)");
	if (text.len > MP_LIMIT_SPF_RECORD)
		return mp_why_setf(why, MP_REASON_SPF_LIMIT, "record longer than %u bytes",
		    (unsigned)MP_LIMIT_SPF_RECORD);
	for (i = 6; i < text.len; i++)          /* count terms to size the array */
		if (text.ptr[i] != ' ' && text.ptr[i - 1] == ' ')
			n++;
	if (n > MP_LIMIT_SPF_TERMS)
		return mp_why_setf(why, MP_REASON_SPF_LIMIT, "more than %u terms",
		    (unsigned)MP_LIMIT_SPF_TERMS);
	if (n > 0 && (out->terms = mp_arena_zalloc(a, n * sizeof *out->terms)) == NULL)
		return MP_ENOMEM;
	for (i = 6; i < text.len;) {
		struct mp_spf_term *t;
		size_t start;

		if (text.ptr[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < text.len && text.ptr[i] != ' ')
			i++;
		t = &out->terms[out->nterms];
		t->text = mp_str_make(text.ptr + start, i - start);
		t->pos = start;
		for (size_t k = start; k < i; k++)
			if (!mp_is_vchar((unsigned char)text.ptr[k]))
				return mp_why_setf(why, MP_REASON_SPF_SYNTAX,
				    "invalid character 0x%02x in term %zu at byte %zu",
				    (unsigned char)text.ptr[k], out->nterms + 1, k);
		if (!parse_term(t->text, out, t, why)) {
			if (!mp_why_failed(why))
				mp_why_setf(why, MP_REASON_SPF_SYNTAX,
				    "bad term '%.*s' at byte %zu", (int)(t->text.len > 80 ? 80 :
				    t->text.len), t->text.ptr, start);
			return MP_OK;
		}
		t->has_macro = memchr(t->domain_spec.ptr ? t->domain_spec.ptr : "", '%',
		    t->domain_spec.len) != NULL;
		out->nterms++;
	}
	return MP_OK;
}
