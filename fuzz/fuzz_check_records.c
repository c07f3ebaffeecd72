/* fuzz_check_records.c - the MTA-STS (RFC 8461 §3.1), TLS-RPT (RFC 8460 §3)
 * and BIMI record syntax `mailproof check` reports on (check_records.c).
 * Input: the first byte picks the kind (0 MTA-STS, 1 TLS-RPT, 2 BIMI, mod
 * 3: '0' '1' '2' in the corpus), the rest is the record.
 * Invariants: the tag splitter fails exactly when it gives an error text;
 * its tags are non-empty, inside the input, unique, at most the limit, and
 * each is found by name; a record valid for its kind starts with v= and the
 * kind's version and has its required tag; re-joining the tags parses to
 * the same tags with the same verdict (parse -> format -> parse); all of it
 * is deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>

#include "../src/check/check_internal.h"

/* check - abort unless cond */
static void
check(int cond)
{
	if (!cond)
		abort();
}

/* inside - view s lies within in (empty views anywhere) */
static void
inside(struct mp_str s, struct mp_str in)
{
	if (s.len == 0)
		return;
	check(s.ptr >= in.ptr && s.ptr + s.len <= in.ptr + in.len);
}

/* same_err - both NULL or the same text */
static void
same_err(const char *a, const char *b)
{
	check((a == NULL) == (b == NULL));
	check(a == NULL || strcmp(a, b) == 0);
}

/* found_by_name - check_tag_get finds tag i by its name (<= 64 chars),
 * or (strict: names differing in case are different tags) a tag spelt
 * the same in another case */
static bool
found_by_name(const struct check_tag *tags, size_t n, size_t i, bool strict)
{
	const struct check_tag *t;
	char name[65];

	if (tags[i].name.len >= sizeof name)
		return false;
	memcpy(name, tags[i].name.ptr, tags[i].name.len);
	name[tags[i].name.len] = '\0';
	t = check_tag_get(tags, n, name);
	return t == &tags[i] || (strict && t != NULL && t < &tags[i] &&
	    mp_str_eq_nocase(t->name, tags[i].name));
}

/* tags_ok - the splitter's output holds the invariants */
static void
tags_ok(struct mp_str in, const struct check_tag *tags, size_t n, bool strict)
{
	check(n <= MP_LIMIT_CHECK_TAGS);
	for (size_t i = 0; i < n; i++) {
		check(tags[i].name.len > 0);
		inside(tags[i].name, in);
		inside(tags[i].value, in);
		check(mp_str_find(tags[i].value, ';') < 0);
		check(found_by_name(tags, n, i, strict));
		for (size_t j = 0; j < i; j++)
			check(strict ? !mp_str_eq(tags[i].name, tags[j].name) :
			      !mp_str_eq_nocase(tags[i].name, tags[j].name));
	}
}

/* join - "name=value;" for each tag into out */
static bool
join(struct mp_buf *out, const struct check_tag *tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mp_buf_append(out, tags[i].name.ptr, tags[i].name.len) != MP_OK ||
		    mp_buf_append(out, "=", 1) != MP_OK ||
		    mp_buf_append(out, tags[i].value.ptr, tags[i].value.len) != MP_OK ||
		    mp_buf_append(out, "; ", 2) != MP_OK)
			return false;
	return true;
}

/* has_tag - a tag of that name with a non-empty value is present */
static bool
has_tag(const struct check_tag *tags, size_t n, const char *name)
{
	const struct check_tag *t = check_tag_get(tags, n, name);

	return t != NULL && t->value.len > 0;
}

/* valid_ok - what a valid record of kind must contain */
static void
valid_ok(enum slot_kind kind, const struct check_tag *tags, size_t n)
{
	check(n > 0 && mp_str_eq_nocase_c(tags[0].name, "v"));
	switch (kind) {
	case K_MTA_STS:
		check(mp_str_eq_c(tags[0].value, "STSv1") && has_tag(tags, n, "id"));
		break;
	case K_TLSRPT:
		check(mp_str_eq_c(tags[0].value, "TLSRPTv1") && has_tag(tags, n, "rua"));
		break;
	default:
		check(mp_str_eq_c(tags[0].value, "BIMI1") &&
		      check_tag_get(tags, n, "l") != NULL);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum slot_kind kinds[] = { K_MTA_STS, K_TLSRPT, K_BIMI };
	static struct check_tag tags[MP_LIMIT_CHECK_TAGS], again[MP_LIMIT_CHECK_TAGS];
	enum slot_kind kind;
	struct mp_str in;
	const char *err, *err2, *verdict;
	size_t n, n2;
	bool ok;
	struct mp_buf joined;

	if (size == 0)
		return 0;
	kind = kinds[data[0] % 3];
	in = mp_str_make((const char *)data + 1, size - 1);

	/* the splitter as the validator uses it for this kind */
	ok = check_tags(in, tags, MP_LIMIT_CHECK_TAGS, &n, &err, kind != K_BIMI);
	check(ok == (err == NULL));
	check(ok || err[0] != '\0');
	verdict = check_record_validate(kind, in);
	check(verdict == NULL || verdict[0] != '\0');
	same_err(verdict, check_record_validate(kind, in));
	if (!ok) {
		same_err(verdict, err);
		return 0;
	}
	tags_ok(in, tags, n, kind != K_BIMI);
	if (verdict == NULL)
		valid_ok(kind, tags, n);

	/* parse -> format -> parse */
	mp_buf_init(&joined, 2 * size + 2 * MP_LIMIT_CHECK_TAGS + 16);
	check(join(&joined, tags, n));
	check(check_tags(mp_buf_str(&joined), again, MP_LIMIT_CHECK_TAGS, &n2, &err2, kind != K_BIMI));
	check(n2 == n);
	for (size_t i = 0; i < n; i++)
		check(mp_str_eq(again[i].name, tags[i].name) &&
		      mp_str_eq(again[i].value, tags[i].value));
	same_err(verdict, check_record_validate(kind, mp_buf_str(&joined)));
	mp_buf_fini(&joined);
	return 0;
}
