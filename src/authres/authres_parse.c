/* authres_parse.c - Authentication-Results (RFC 8601 §2.2) and Received-SPF
 * (RFC 7208 §9.1) parsers.
 *
 * CFWS may appear between any two items; comments nest (bounded by
 * MP_LIMIT_ADDR_NESTING, the same bound as in addresses) and the ones after
 * a result are kept as its comment. Values are tokens, quoted-strings, or
 * (leniently, as written by many MTAs) any run without WSP, ";", "(", ")",
 * '"', "\\" and controls. The authserv-id is set as soon as it is read, so
 * callers can spot forged fields even when the rest is malformed.
 * Thread-safe; results live in the caller's arena.
 */
#include <string.h>

#include <mailproof/authres.h>
#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

#include "authres_internal.h"

/* where comment text goes: joined with one space, grown by doubling so
 * many comments cost linear space */
struct sink {
	struct mp_str *text;
	size_t cap;
};

struct ap {
	const char *p, *end;
	struct mp_arena *a;
	struct mp_why *why;
	enum mp_reason syntax;  /* AUTHRES_SYNTAX or AUTHRES_SPF_SYNTAX */
	enum mp_status st;
	bool failed;
};

/* ap_err - first error wins; limits and memory change the status */
static void
ap_err(struct ap *ap, enum mp_reason r)
{
	if (ap->failed && r != MP_REASON_NOMEM)
		return;
	ap->failed = true;
	mp_why_set(ap->why, r);
	if (r == MP_REASON_NOMEM)
		ap->st = MP_ENOMEM;
	else if (r == MP_REASON_AUTHRES_TOO_MANY_RESULTS ||
	    r == MP_REASON_AUTHRES_TOO_MANY_PROPS || r == MP_REASON_AUTHRES_COMMENT_TOO_DEEP)
		ap->st = MP_ELIMIT;
}

/* at - next byte or -1 */
static int
at(const struct ap *ap)
{
	return ap->failed || ap->p >= ap->end ? -1 : (unsigned char)*ap->p;
}

/* is_ctl - a control byte that no value or comment may hold */
static bool
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* qp_ok - may c follow a backslash (RFC 5322 §3.2.1 quoted-pair: VCHAR or
 * WSP; UTF-8 per RFC 6532; never a line end or control) */
static bool
qp_ok(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

/* copy_text - unescape [from, to) (quoted-pairs, folds dropped) into the arena */
static struct mp_str
copy_text(struct ap *ap, const char *from, const char *to)
{
	char *o = mp_arena_alloc(ap->a, (size_t)(to - from) + 1);
	size_t n = 0;

	if (o == NULL) {
		ap_err(ap, MP_REASON_NOMEM);
		return MP_STR_NULL;
	}
	for (const char *q = from; q < to; q++) {
		if (*q == '\\' && q + 1 < to)
			q++;
		else if (*q == '\r' || *q == '\n')
			continue;
		o[n++] = *q;
	}
	o[n] = '\0';
	if (!mp_msg_utf8_valid(mp_str_make(o, n)))
		ap_err(ap, MP_REASON_AUTHRES_BAD_UTF8);
	return mp_str_make(o, n);
}

/* sink_add - append text to the sink */
static void
sink_add(struct ap *ap, struct sink *sk, struct mp_str text)
{
	struct mp_str *t = sk->text;
	size_t need = t->ptr ? t->len + 1 + text.len : text.len;
	char *o;

	if (t->ptr == NULL || need + 1 > sk->cap) {
		sk->cap = need < 32 ? 64 : need * 2;
		if ((o = mp_arena_alloc(ap->a, sk->cap)) == NULL) {
			ap_err(ap, MP_REASON_NOMEM);
			return;
		}
		if (t->ptr)
			memcpy(o, t->ptr, t->len);
	} else
		o = (char *)t->ptr;             /* ours, in the arena */
	if (t->ptr) {
		o[t->len] = ' ';
		memcpy(o + t->len + 1, text.ptr, text.len);
	} else
		memcpy(o, text.ptr, text.len);
	o[need] = '\0';
	*t = mp_str_make(o, need);
}

/* comment - one comment at '('; its text joined onto the sink when given */
static void
comment(struct ap *ap, struct sink *sink)
{
	const char *start = ap->p + 1, *q;
	size_t depth = 0;
	struct mp_str text;

	for (q = ap->p; q < ap->end; q++) {
		if (is_ctl((unsigned char)*q))
			break;
		if (*q == '\\') {
			if (++q == ap->end || !qp_ok((unsigned char)*q))
				break;
		} else if (*q == '(' && ++depth > MP_LIMIT_ADDR_NESTING) {
			ap_err(ap, MP_REASON_AUTHRES_COMMENT_TOO_DEEP);
			return;
		} else if (*q == ')' && --depth == 0)
			break;
	}
	if (q == ap->end || *q != ')') {
		ap_err(ap, ap->syntax);
		return;
	}
	ap->p = q + 1;
	if (sink == NULL)
		return;
	text = copy_text(ap, start, q);
	if (!ap->failed)
		sink_add(ap, sink, text);
}

/* cfws - skip FWS and comments, keeping comment text in sink (or not) */
static void
cfws(struct ap *ap, struct sink *sink)
{
	for (;;) {
		int c = at(ap);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			ap->p++;
		else if (c == '(')
			comment(ap, sink);
		else
			return;
	}
}

/* keyword - 1*ch of class cl */
static struct mp_str
keyword(struct ap *ap, bool (*cl)(unsigned char))
{
	const char *start = ap->p;

	while (at(ap) >= 0 && cl((unsigned char)*ap->p))
		ap->p++;
	if (ap->p == start) {
		ap_err(ap, ap->syntax);
		return MP_STR_NULL;
	}
	return mp_str_make(start, (size_t)(ap->p - start));
}

/* is_bare - a byte of an unquoted value */
static bool
is_bare(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != ';' && c != '(' && c != ')' && c != '"' &&
	    c != '\\';
}

/* value - quoted-string, token or lenient bare run */
static struct mp_str
value(struct ap *ap)
{
	const char *start = ap->p, *q;

	if (at(ap) == '"') {
		for (q = ap->p + 1; q < ap->end && *q != '"'; q++) {
			if (is_ctl((unsigned char)*q))
				break;
			if (*q == '\\' && (++q == ap->end || !qp_ok((unsigned char)*q)))
				break;
		}
		if (q >= ap->end || *q != '"') {
			ap_err(ap, ap->syntax);
			return MP_STR_NULL;
		}
		ap->p = q + 1;
		return copy_text(ap, start + 1, q);
	}
	while (at(ap) >= 0 && is_bare((unsigned char)*ap->p))
		ap->p++;
	if (ap->p == start) {
		ap_err(ap, ap->syntax);
		return MP_STR_NULL;
	}
	if (!mp_msg_utf8_valid(mp_str_make(start, (size_t)(ap->p - start))))
		ap_err(ap, MP_REASON_AUTHRES_BAD_UTF8);
	return mp_str_make(start, (size_t)(ap->p - start));
}

/* number - 1*DIGIT as a version */
static bool
number(struct ap *ap, unsigned *out)
{
	const char *start = ap->p;
	uint64_t v;

	while (at(ap) >= 0 && mp_is_digit((unsigned char)*ap->p))
		ap->p++;
	if (!mp_parse_u64(mp_str_make(start, (size_t)(ap->p - start)), 999999, &v)) {
		ap_err(ap, ap->syntax);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* expect - one byte, or a syntax error */
static void
expect(struct ap *ap, char c)
{
	if (at(ap) != (unsigned char)c) {
		ap_err(ap, ap->syntax);
		return;
	}
	ap->p++;
}

/* grow - room for one more element of size sz in *arr (doubling, in the arena) */
static bool
grow(struct ap *ap, void **arr, size_t n, size_t *cap, size_t sz)
{
	void *na;

	if (n < *cap)
		return true;
	*cap = *cap ? *cap * 2 : 4;
	if ((na = mp_arena_alloc(ap->a, *cap * sz)) == NULL) {
		ap_err(ap, MP_REASON_NOMEM);
		return false;
	}
	if (n)
		memcpy(na, *arr, n * sz);
	*arr = na;
	return true;
}

/* property - ptype "." property "=" pvalue (ptype read already) */
static void
property(struct ap *ap, struct mp_authres_result *r, struct mp_str ptype, size_t *cap,
         struct sink *sk)
{
	struct mp_authres_prop p;

	p.ptype = ptype;
	expect(ap, '.');
	cfws(ap, sk);
	p.property = keyword(ap, ar_is_prop_char);
	cfws(ap, sk);
	expect(ap, '=');
	cfws(ap, sk);
	p.value = value(ap);
	if (ap->failed)
		return;
	if (r->nprops >= MP_LIMIT_AUTHRES_PROPS) {
		ap_err(ap, MP_REASON_AUTHRES_TOO_MANY_PROPS);
		return;
	}
	if (grow(ap, (void **)&r->props, r->nprops, cap, sizeof p))
		r->props[r->nprops++] = p;
}

/* resinfo - methodspec [reasonspec] *propspec, up to ';' or the end */
static void
resinfo(struct ap *ap, struct mp_authres_result *r)
{
	size_t cap = 0;
	struct sink sk = { &r->comment, 0 };

	memset(r, 0, sizeof *r);
	r->method = keyword(ap, ar_is_keyword);
	cfws(ap, NULL);
	if (at(ap) == '/') {
		ap->p++;
		cfws(ap, NULL);
		r->has_version = number(ap, &r->version);
		cfws(ap, NULL);
	}
	expect(ap, '=');
	cfws(ap, NULL);
	r->result = keyword(ap, ar_is_keyword);
	for (;;) {
		struct mp_str k;

		cfws(ap, &sk);
		if (at(ap) < 0 || at(ap) == ';')
			return;
		k = keyword(ap, ar_is_keyword);
		cfws(ap, &sk);
		if (at(ap) == '=' && mp_str_eq_nocase_c(k, "reason")) {
			if (r->reason.ptr != NULL) {
				ap_err(ap, MP_REASON_AUTHRES_DUP_REASON);
				return;
			}
			ap->p++;
			cfws(ap, &sk);
			r->reason = value(ap);
			continue;
		}
		property(ap, r, k, &cap, &sk);
	}
}

/* only_cfws_left - nothing but CFWS (and a last ';') until the end? */
static bool
only_cfws_left(struct ap *ap)
{
	cfws(ap, NULL);
	if (at(ap) == ';') {
		ap->p++;
		cfws(ap, NULL);
	}
	return !ap->failed && ap->p == ap->end;
}

/* results - the ";"-separated resinfo list, or "none" */
static void
results(struct ap *ap, struct mp_authres *out)
{
	size_t cap = 0;
	struct mp_authres_result r;

	while (!ap->failed && at(ap) == ';') {
		const char *mark;

		ap->p++;
		cfws(ap, NULL);
		if (at(ap) < 0)
			break;                          /* a last ';' (lenient) */
		mark = ap->p;
		if (out->n == 0 && mp_str_eq_nocase_c(keyword(ap, ar_is_keyword), "none") &&
		    only_cfws_left(ap))
			return;                         /* no-result */
		if (ap->failed)
			return;
		ap->p = mark;
		resinfo(ap, &r);
		if (ap->failed)
			return;
		if (out->n >= MP_LIMIT_AUTHRES_RESULTS) {
			ap_err(ap, MP_REASON_AUTHRES_TOO_MANY_RESULTS);
			return;
		}
		if (!grow(ap, (void **)&out->results, out->n, &cap, sizeof r))
			return;
		out->results[out->n++] = r;
	}
	if (!ap->failed && at(ap) >= 0)
		ap_err(ap, ap->syntax);
	else if (!ap->failed && out->n == 0)
		ap_err(ap, MP_REASON_AUTHRES_NO_RESULT);
}

/* mp_authres_parse - RFC 8601 §2.2 authres-header-field value */
enum mp_status
mp_authres_parse(struct mp_str value_s, struct mp_arena *a, struct mp_authres *out,
                 struct mp_why *why)
{
	struct ap ap = { value_s.ptr ? value_s.ptr : "", NULL, a, why,
	                 MP_REASON_AUTHRES_SYNTAX, MP_OK, false };

	ap.end = ap.p + value_s.len;
	memset(out, 0, sizeof *out);
	mp_why_clear(why);
	cfws(&ap, NULL);
	if (at(&ap) < 0 || at(&ap) == ';') {
		if (!ap.failed)
			ap_err(&ap, MP_REASON_AUTHRES_NO_ID);
		return ap.st;
	}
	out->authserv_id = value(&ap);
	if (!ap.failed && out->authserv_id.len == 0)       /* "" */
		ap_err(&ap, MP_REASON_AUTHRES_NO_ID);
	cfws(&ap, NULL);
	if (at(&ap) >= 0 && mp_is_digit((unsigned char)*ap.p)) {
		out->has_version = number(&ap, &out->version);
		cfws(&ap, NULL);
	}
	if (!ap.failed && at(&ap) < 0)
		ap_err(&ap, MP_REASON_AUTHRES_NO_RESULT);
	results(&ap, out);
	return ap.st;
}

/* mp_authres_has_id - compare the authserv-id only, without allocating */
bool
mp_authres_has_id(struct mp_str v, struct mp_str id)
{
	struct ap ap = { v.ptr ? v.ptr : "", NULL, NULL, NULL, MP_REASON_AUTHRES_SYNTAX,
	                 MP_OK, false };
	size_t k = 0;

	ap.end = ap.p + v.len;
	cfws(&ap, NULL);
	if (at(&ap) == '"') {
		for (const char *q = ap.p + 1; q < ap.end && *q != '"'; q++) {
			if (*q == '\\' && q + 1 < ap.end)
				q++;
			else if (*q == '\r' || *q == '\n')
				continue;
			if (k >= id.len || mp_lower((unsigned char)*q) != mp_lower((unsigned char)id.ptr[k]))
				return false;
			k++;
		}
		return k == id.len;
	}
	for (; at(&ap) >= 0 && is_bare((unsigned char)*ap.p); ap.p++, k++)
		if (k >= id.len || mp_lower((unsigned char)*ap.p) != mp_lower((unsigned char)id.ptr[k]))
			return false;
	return k == id.len && k > 0;
}

/* mp_received_spf_parse - RFC 7208 §9.1 Received-SPF value */
enum mp_status
mp_received_spf_parse(struct mp_str value_s, struct mp_arena *a, struct mp_received_spf *out,
                      struct mp_why *why)
{
	struct ap ap = { value_s.ptr ? value_s.ptr : "", NULL, a, why,
	                 MP_REASON_AUTHRES_SPF_SYNTAX, MP_OK, false };
	struct sink sk = { &out->comment, 0 };
	size_t cap = 0;

	ap.end = ap.p + value_s.len;
	memset(out, 0, sizeof *out);
	mp_why_clear(why);
	cfws(&ap, NULL);
	out->result = keyword(&ap, ar_is_keyword);
	cfws(&ap, &sk);
	while (!ap.failed && at(&ap) >= 0) {
		struct mp_spf_kv kv;

		if (!mp_is_alpha((unsigned char)*ap.p)) {       /* key = name: ALPHA first */
			ap_err(&ap, ap.syntax);
			break;
		}
		kv.key = keyword(&ap, ar_is_prop_char);
		cfws(&ap, &sk);
		expect(&ap, '=');
		cfws(&ap, &sk);
		kv.value = value(&ap);
		cfws(&ap, &sk);
		if (ap.failed)
			break;
		if (out->n >= MP_LIMIT_AUTHRES_PROPS) {
			ap_err(&ap, MP_REASON_AUTHRES_TOO_MANY_PROPS);
			break;
		}
		if (!grow(&ap, (void **)&out->kv, out->n, &cap, sizeof kv))
			break;
		out->kv[out->n++] = kv;
		if (at(&ap) < 0)
			break;
		expect(&ap, ';');
		cfws(&ap, &sk);
	}
	return ap.st;
}
