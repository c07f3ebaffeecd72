/* check_records.c - syntax of the transport and brand records a check
 * reports on: MTA-STS (RFC 8461 §3.1, TXT at _mta-sts), TLS-RPT (RFC 8460
 * §3, TXT at _smtp._tls) and BIMI (draft-brand-indicators-for-message-
 * identification §4.2, TXT at default._bimi). SPF, DMARC and DKIM records
 * are parsed by their own areas, never here. Part of one check.
 */
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>

#include "check_internal.h"

/* is_tag_name - tag-name chars (RFC 6376 §3.2: ALPHA *ALNUMPUNC) */
static bool
is_tag_name(unsigned char ch)
{
	return mp_is_alnum(ch) || ch == '_';
}

/* check_tags - split "a=b; c=d;" into tags; duplicates and empty names
 * are errors, a trailing ';' is fine */
bool
check_tags(struct mp_str rec, struct check_tag *tags, size_t max, size_t *n, const char **err)
{
	struct mp_cursor cur;

	*n = 0;
	*err = NULL;
	mp_cur_init(&cur, rec);
	while (!mp_cur_eof(&cur)) {
		struct mp_str name, value;

		mp_cur_skip_fws(&cur);
		if (mp_cur_eof(&cur))
			break;
		mp_cur_span(&cur, &name, is_tag_name, 64);
		mp_cur_skip_fws(&cur);
		mp_cur_expect(&cur, '=');
		mp_cur_until(&cur, &value, ';', MP_LIMIT_DNS_RDATA);
		if (cur.err) {
			*err = "expected tag=value";
			return false;
		}
		mp_cur_accept(&cur, ';');
		for (size_t i = 0; i < *n; i++)
			if (mp_str_eq_nocase(tags[i].name, name)) {
				*err = "duplicate tag";
				return false;
			}
		if (*n >= max) {
			*err = "too many tags";
			return false;
		}
		tags[*n].name = name;
		tags[(*n)++].value = mp_str_trim(value);
	}
	return true;
}

/* check_tag_get - the tag called name, or NULL */
const struct check_tag *
check_tag_get(const struct check_tag *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (mp_str_eq_nocase_c(tags[i].name, name))
			return &tags[i];
	return NULL;
}

/* sts_id_ok - 1*32(ALPHA / DIGIT) (RFC 8461 §3.1) */
static bool
sts_id_ok(struct mp_str v)
{
	if (v.len == 0 || v.len > 32)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (!mp_is_alnum((unsigned char)v.ptr[i]))
			return false;
	return true;
}

/* uri_list_ok - "mailto:..." or "https://..." items, comma separated */
static bool
uri_list_ok(struct mp_str v)
{
	size_t start = 0;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i <= v.len; i++) {
		struct mp_str u;

		if (i < v.len && v.ptr[i] != ',')
			continue;
		u = mp_str_trim(mp_str_make(v.ptr + start, i - start));
		if (!(mp_str_starts_nocase(u, MP_STR_LIT("mailto:")) && u.len > 7 &&
		      mp_str_find(u, '@') > 7) &&
		    !(mp_str_starts_nocase(u, MP_STR_LIT("https://")) && u.len > 8))
			return false;
		start = i + 1;
	}
	return true;
}

/* check_record_validate - one record of a kind; returns an error text or NULL */
const char *
check_record_validate(enum slot_kind kind, struct mp_str rec)
{
	struct check_tag tags[MP_LIMIT_CHECK_TAGS];
	const struct check_tag *t;
	const char *err;
	size_t n;

	if (!check_tags(rec, tags, MP_LIMIT_CHECK_TAGS, &n, &err))
		return err;
	if (n == 0 || !mp_str_eq_nocase_c(tags[0].name, "v"))
		return "v= must come first";
	switch (kind) {
	case K_MTA_STS:
		if (!mp_str_eq_c(tags[0].value, "STSv1"))
			return "version must be STSv1";
		if ((t = check_tag_get(tags, n, "id")) == NULL)
			return "id= is missing";
		if (!sts_id_ok(t->value))
			return "id= must be 1 to 32 letters or digits";
		return NULL;
	case K_TLSRPT:
		if (!mp_str_eq_c(tags[0].value, "TLSRPTv1"))
			return "version must be TLSRPTv1";
		if ((t = check_tag_get(tags, n, "rua")) == NULL)
			return "rua= is missing";
		if (!uri_list_ok(t->value))
			return "rua= must list mailto: or https: URIs";
		return NULL;
	case K_BIMI:
		if (!mp_str_eq_c(tags[0].value, "BIMI1"))
			return "version must be BIMI1";
		if ((t = check_tag_get(tags, n, "l")) == NULL)
			return "l= is missing";
		if (t->value.len > 0 && !mp_str_starts_nocase(t->value, MP_STR_LIT("https://")))
			return "l= must be an https: URL";
		if ((t = check_tag_get(tags, n, "a")) != NULL && t->value.len > 0 &&
		    !mp_str_starts_nocase(t->value, MP_STR_LIT("https://")))
			return "a= must be an https: URL";
		return NULL;
	default:
		return NULL;
	}
}

/* check_records_answer - MTA-STS, TLS-RPT or BIMI TXT answer */
void
check_records_answer(struct mp_check *c, struct slot *s)
{
	static const struct {
		enum slot_kind kind;
		const char *prefix;
		enum mp_reason syntax;
	} kinds[] = {
		{ K_MTA_STS, "v=STSv1", MP_REASON_CHECK_MTA_STS_SYNTAX },
		{ K_TLSRPT, "v=TLSRPTv1", MP_REASON_CHECK_TLSRPT_SYNTAX },
		{ K_BIMI, "v=BIMI1", MP_REASON_CHECK_BIMI_SYNTAX },
	};
	struct mp_check_txt *t;
	const char *err;
	size_t i, n;

	for (i = 0; i < sizeof kinds / sizeof kinds[0] && kinds[i].kind != s->kind; i++)
		;
	if (i == sizeof kinds / sizeof kinds[0])
		return;
	t = s->kind == K_MTA_STS ? &c->res.mta_sts : s->kind == K_TLSRPT ? &c->res.tls_rpt :
	    &c->res.bimi;
	t->state = check_state_of(s->ans);
	if (t->state != MP_CHECK_ST_PRESENT)
		return;
	n = check_txt_select(s->ans, kinds[i].prefix, ';', &t->record);
	t->record = mp_arena_strdup(&c->arena, t->record);
	if (n == 0) {
		t->state = MP_CHECK_ST_ABSENT;
		return;
	}
	if (n > 1 && s->kind == K_MTA_STS) {
		t->state = MP_CHECK_ST_INVALID;
		t->error = MP_STR_LIT("more than one v=STSv1 record");
		check_find(c, MP_REASON_CHECK_MTA_STS_MULTIPLE, NULL,
		    "_mta-sts.%s has %zu v=STSv1 records: senders ignore MTA-STS (RFC 8461 §3.1)",
		    c->domain.ptr, n);
		return;
	}
	if ((err = check_record_validate(s->kind, t->record)) != NULL) {
		t->state = MP_CHECK_ST_INVALID;
		t->error = mp_str_c(err);
		check_find(c, kinds[i].syntax, NULL, "%s record: %s", kinds[i].prefix + 2, err);
	}
}

/* check_records_rules - cross-record findings (TLS-RPT, BIMI) */
void
check_records_rules(struct mp_check *c)
{
	struct mp_check_result *r = &c->res;
	bool dane = false;

	for (size_t i = 0; i < r->mx.nhosts; i++)
		dane = dane || r->mx.hosts[i].tlsa == MP_CHECK_ST_PRESENT;
	if ((r->mta_sts.state == MP_CHECK_ST_PRESENT || dane) && r->tls_rpt.state == MP_CHECK_ST_ABSENT)
		check_find(c, MP_REASON_CHECK_TLSRPT_MISSING,
		    check_printf(c, "_smtp._tls.%s. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"",
		    c->domain.ptr, c->domain.ptr).ptr,
		    "%s is used but no TLS-RPT record says where failure reports go",
		    dane ? "DANE" : "MTA-STS");
	if (r->bimi.state == MP_CHECK_ST_PRESENT && r->dmarc.state == MP_CHECK_ST_PRESENT &&
	    (mp_str_eq_c(r->dmarc.p, "none") || r->dmarc.pct < 100))
		check_find(c, MP_REASON_CHECK_BIMI_NEEDS_ENFORCEMENT, NULL,
		    "BIMI logos are shown only with DMARC p=quarantine or p=reject at pct=100");
}
