/* plan_drift.c - compare a plan with what DNS publishes (`plan
 * --against-dns`): per record missing / differs / extra, with the change to
 * make. DNS trouble is reported as "unknown", never as drift or agreement.
 * Uses a resolver synchronously (a use case, not a core). Thread-safe per call.
 */
#include <arpa/inet.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/plan.h>

#include "plan_internal.h"

#define AP(...) mp_arena_printf(&r->arena, __VA_ARGS__)
#define S(x) (int)(x).len, (x).ptr

/* tags_equal - two tag=value lists equal as sets (order, spaces, case of
 * tag names ignored) */
static bool
tags_equal(struct mp_str a, struct mp_str b)
{
	struct mp_str ta[32], tb[32];
	size_t na = 0, nb = 0;
	struct mp_str *t[2] = { ta, tb };
	size_t *n[2] = { &na, &nb };
	struct mp_str in[2] = { a, b };

	for (int k = 0; k < 2; k++) {
		size_t start = 0;
		for (size_t i = 0; i <= in[k].len; i++) {
			if (i < in[k].len && in[k].ptr[i] != ';')
				continue;
			struct mp_str tag = mp_str_trim(mp_str_make(in[k].ptr + start, i - start));
			start = i + 1;
			if (tag.len == 0)
				continue;
			if (*n[k] == 32)
				return false;
			t[k][(*n[k])++] = tag;
		}
	}
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		bool found = false;
		for (size_t j = 0; j < nb && !found; j++) {
			ptrdiff_t ea = mp_str_find(ta[i], '='), eb = mp_str_find(tb[j], '=');
			if (ea < 0 || eb < 0)
				continue;
			struct mp_str na_ = mp_str_trim(mp_str_make(ta[i].ptr, (size_t)ea));
			struct mp_str nb_ = mp_str_trim(mp_str_make(tb[j].ptr, (size_t)eb));
			struct mp_str va = mp_str_trim(mp_str_make(ta[i].ptr + ea + 1, ta[i].len - (size_t)ea - 1));
			struct mp_str vb = mp_str_trim(mp_str_make(tb[j].ptr + eb + 1, tb[j].len - (size_t)eb - 1));
			found = mp_str_eq_nocase(na_, nb_) && mp_str_eq_nocase(va, vb);
		}
		if (!found)
			return false;
	}
	return true;
}

/* spf_equal - same terms in the same order, spaces normalised */
static bool
spf_equal(struct mp_str a, struct mp_str b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.len && a.ptr[i] == ' ')
			i++;
		while (j < b.len && b.ptr[j] == ' ')
			j++;
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		size_t ei = i, ej = j;
		while (ei < a.len && a.ptr[ei] != ' ')
			ei++;
		while (ej < b.len && b.ptr[ej] != ' ')
			ej++;
		if (!mp_str_eq_nocase(mp_str_make(a.ptr + i, ei - i), mp_str_make(b.ptr + j, ej - j)))
			return false;
		i = ei;
		j = ej;
	}
}

static void
add_drift(struct mp_plan_drift *out, struct mp_plan_result *r, const struct mp_plan_record *rec,
          enum mp_plan_drift_kind kind, struct mp_str published, struct mp_str change)
{
	struct mp_plan_diff *d;

	if (out->ndiffs == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct mp_plan_diff *n = mp_arena_alloc(&r->arena, cap * sizeof *n);
		if (n == NULL) {
			out->nomem = true;
			return;
		}
		if (out->ndiffs)
			memcpy(n, out->diffs, out->ndiffs * sizeof *n);
		out->diffs = n;
		out->cap = cap;
	}
	d = &out->diffs[out->ndiffs++];
	d->record = rec;
	d->kind = kind;
	d->published = published.len ? mp_arena_strdup(&r->arena, published) : MP_STR_NULL;
	if (published.len && d->published.ptr == NULL)
		out->nomem = true;
	d->change = change;
	if (kind != MP_PLAN_DRIFT_UNKNOWN)
		out->ndrift++;
}

/* prefix_records - TXT strings at an answer that start with prefix */
static size_t
prefix_records(const struct mp_dns_answer *a, const char *prefix, struct mp_str *first)
{
	size_t n = 0;

	for (size_t i = 0; a->status == MP_DNS_OK && i < a->nrr; i++) {
		struct mp_str t = a->rr[i].u.txt.joined;
		if (mp_str_starts_nocase(t, mp_str_c(prefix)) &&
		    (t.len == strlen(prefix) || t.ptr[strlen(prefix)] == ' ' || t.ptr[strlen(prefix)] == ';')) {
			if (n++ == 0)
				*first = t;
		}
	}
	return n;
}

static void
check_txt(struct mp_plan_drift *out, struct mp_plan_result *r, const struct mp_plan_record *rec,
          const struct mp_dns_answer *a)
{
	const char *prefix = rec->kind == MP_PLAN_SPF ? "v=spf1" :
	    (rec->kind == MP_PLAN_DMARC || rec->kind == MP_PLAN_REPORT_AUTH) ? "v=DMARC1" : "v=DKIM1";
	struct mp_str pub = MP_STR_NULL;
	size_t n = prefix_records(a, prefix, &pub);

	if (n == 0) {
		add_drift(out, r, rec, MP_PLAN_DRIFT_MISSING, MP_STR_NULL,
		    AP("add %.*s TXT \"%.*s\"", S(rec->owner), S(rec->value)));
		return;
	}
	if (n > 1) {
		add_drift(out, r, rec, MP_PLAN_DRIFT_EXTRA, pub,
		    AP("remove all but one %s record at %.*s (several make it invalid)", prefix,
		    S(rec->owner)));
		return;
	}
	if (rec->kind == MP_PLAN_DKIM_KEY || rec->kind == MP_PLAN_DKIM_MANUAL) {
		/* the key itself is not in the plan unless --keys; a revoked key is drift */
		if (mp_str_ends_nocase(mp_str_trim(pub), MP_STR_LIT("p=")) ||
		    mp_str_find(pub, 'p') < 0)
			add_drift(out, r, rec, MP_PLAN_DRIFT_DIFFERS, pub,
			    AP("publish the public key at %.*s (the record has an empty p=)", S(rec->owner)));
		else if (rec->value.len > 25 && !tags_equal(pub, rec->value))
			add_drift(out, r, rec, MP_PLAN_DRIFT_DIFFERS, pub,
			    AP("replace the key at %.*s with the one generated for the plan", S(rec->owner)));
		return;
	}
	if (rec->kind == MP_PLAN_SPF ? !spf_equal(pub, rec->value) : !tags_equal(pub, rec->value))
		add_drift(out, r, rec, MP_PLAN_DRIFT_DIFFERS, pub,
		    AP("change %.*s TXT to \"%.*s\"", S(rec->owner), S(rec->value)));
}

static void
check_one(struct mp_plan_drift *out, struct mp_plan_result *r, const struct mp_plan_record *rec,
          const struct mp_dns_answer *a)
{
	struct mp_str want = rec->value;

	if (mp_dns_state_of(a->status) == MP_DNS_INDETERMINATE) {
		add_drift(out, r, rec, MP_PLAN_DRIFT_UNKNOWN, MP_STR_NULL,
		    AP("DNS %s for %.*s: try again", mp_dns_status_name(a->status), S(rec->owner)));
		return;
	}
	switch (rec->type) {
	case MP_DNS_T_TXT:
		check_txt(out, r, rec, a);
		return;
	case MP_DNS_T_CNAME:
	case MP_DNS_T_PTR:
		for (size_t i = 0; a->status == MP_DNS_OK && i < a->nrr; i++)
			if (mp_dns_name_eq(a->rr[i].u.name, want))
				return;
		add_drift(out, r, rec, a->status == MP_DNS_OK ? MP_PLAN_DRIFT_DIFFERS : MP_PLAN_DRIFT_MISSING,
		    a->status == MP_DNS_OK && a->nrr ? a->rr[0].u.name : MP_STR_NULL,
		    AP("%s %.*s %s %.*s", a->status == MP_DNS_OK ? "point" : "add", S(rec->owner),
		    mp_dns_type_name(rec->type), S(want)));
		return;
	case MP_DNS_T_MX: /* null MX: exactly one "0 ." */
		if (a->status == MP_DNS_OK && a->nrr == 1 && a->rr[0].u.mx.pref == 0 &&
		    (mp_str_eq_c(a->rr[0].u.mx.host, ".") || a->rr[0].u.mx.host.len == 0))
			return;
		add_drift(out, r, rec, a->status == MP_DNS_OK ? MP_PLAN_DRIFT_DIFFERS : MP_PLAN_DRIFT_MISSING,
		    a->status == MP_DNS_OK && a->nrr ? a->rr[0].u.mx.host : MP_STR_NULL,
		    AP("replace the MX records of %.*s by one null MX: %.*s MX 0 .", S(rec->owner),
		    S(rec->owner)));
		return;
	case MP_DNS_T_A:
	case MP_DNS_T_AAAA: {
		unsigned char ip[16];
		int af = rec->type == MP_DNS_T_A ? AF_INET : AF_INET6;
		size_t len = rec->type == MP_DNS_T_A ? 4 : 16;
		char *w = mp_arena_cstr(&r->arena, want);
		if (w == NULL || inet_pton(af, w, ip) != 1)
			return;
		for (size_t i = 0; a->status == MP_DNS_OK && i < a->nrr; i++)
			if (memcmp(len == 4 ? a->rr[i].u.a : a->rr[i].u.aaaa, ip, len) == 0)
				return;
		add_drift(out, r, rec, MP_PLAN_DRIFT_MISSING, MP_STR_NULL,
		    AP("add %.*s %s %.*s", S(rec->owner), mp_dns_type_name(rec->type), S(want)));
		return;
	}
	}
}

enum mp_status
mp_plan_drift(struct mp_plan_result *r, struct mp_resolver *res, struct mp_plan_drift *out)
{
	struct mp_dns_question q;
	struct mp_arena scratch;
	enum mp_status st = MP_OK;

	memset(out, 0, sizeof *out);
	mp_arena_init(&scratch, 64u << 20);
	for (size_t i = 0; i < r->nrecords && st == MP_OK; i++) {
		const struct mp_plan_record *rec = &r->records[i];
		const struct mp_dns_answer *a;
		if (mp_dns_question_set(&q, rec->type, rec->owner) != MP_OK)
			continue;
		st = mp_resolver_query(res, &q, &scratch, &a);
		if (st == MP_OK)
			check_one(out, r, rec, a);
		mp_arena_reset(&scratch);
	}
	mp_arena_fini(&scratch);
	if (st == MP_OK && out->nomem)
		st = MP_ENOMEM;
	return st;
}

const char *
mp_plan_drift_name(enum mp_plan_drift_kind k)
{
	switch (k) {
	case MP_PLAN_DRIFT_MISSING: return "missing";
	case MP_PLAN_DRIFT_DIFFERS: return "differs";
	case MP_PLAN_DRIFT_EXTRA: return "extra";
	case MP_PLAN_DRIFT_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *
mp_plan_kind_name(enum mp_plan_kind k)
{
	switch (k) {
	case MP_PLAN_SPF: return "spf";
	case MP_PLAN_DKIM_KEY: return "dkim-key";
	case MP_PLAN_DKIM_CNAME: return "dkim-cname";
	case MP_PLAN_DKIM_MANUAL: return "dkim-provider-key";
	case MP_PLAN_DMARC: return "dmarc";
	case MP_PLAN_REPORT_AUTH: return "dmarc-report-authorization";
	case MP_PLAN_NULL_MX: return "null-mx";
	case MP_PLAN_PTR: return "ptr";
	case MP_PLAN_HELO_A: return "helo-address";
	}
	return "unknown";
}
