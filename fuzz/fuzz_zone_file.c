/* fuzz_zone_file.c - the RFC 1035 master-file reader.
 * Invariants: the status is OK or EINVAL (never ENOMEM or a crash); a
 * syntax error has the zone reason and a "FILE:LINE: " text; every record
 * loaded is found again by a lookup of its owner and type; formatting every
 * record and adding it back (mp_zone_add) reproduces the same records. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

struct walk {
	struct mp_zone *other;          /* rebuild target, or NULL */
	const struct mp_zone *zone;     /* for lookups */
	struct mp_buf text;             /* "owner type ttl data\n" lines, sorted later */
	size_t n;
};

/* check - abort with a message when an invariant breaks */
static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_zone_file: invariant broken: %s\n", what);
		abort();
	}
}

/* record_line - one record as text */
static void
record_line(struct walk *w, struct mp_str owner, const struct mp_dns_rr *rr, struct mp_buf *data)
{
	mp_buf_reset(data);
	check(mp_dns_rr_format(rr, data) == MP_OK, "a record formats");
	check(mp_buf_printf(&w->text, "%.*s %u %u %s\n", (int)owner.len, owner.ptr, rr->type,
	                    rr->ttl, data->ptr ? data->ptr : "") == MP_OK, "text fits");
}

/* visit - per record: lookup finds it; it rebuilds from its text form */
static enum mp_status
visit(void *arg, struct mp_str owner, const struct mp_dns_rr *rr)
{
	struct walk *w = arg;
	struct mp_dns_question q;
	const struct mp_dns_answer *ans;
	struct mp_arena a;
	struct mp_buf data;
	struct mp_why why;

	mp_buf_init(&data, 1 << 20);
	record_line(w, owner, rr, &data);
	w->n++;
	if (w->other) {
		enum mp_status st = mp_zone_add(w->other, owner, rr->ttl, rr->type, mp_buf_str(&data),
		                                &why);
		if (st != MP_OK)
			fprintf(stderr, "re-add '%s': %s\n", data.ptr, why.text);
		check(st == MP_OK, "a formatted record parses back");
		mp_arena_init(&a, 1 << 22);
		check(mp_dns_question_set(&q, rr->type, owner) == MP_OK, "owner fits a question");
		check(mp_zone_lookup(w->zone, &q, &a, &ans) == MP_OK, "lookup works");
		check(ans->status == MP_DNS_OK && ans->nrr >= 1, "a loaded record is found");
		check(ans->ncname == 0 || rr->type == MP_DNS_T_CNAME || ans->rr[0].type == rr->type,
		      "answer type");
		mp_arena_fini(&a);
	}
	mp_buf_fini(&data);
	return MP_OK;
}

/* cmp_lines - qsort on line pointers */
static int
cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted - the lines of a walk, sorted, joined */
static char *
sorted(struct mp_buf *text, size_t n)
{
	char **lines = calloc(n + 1, sizeof *lines), *p = text->ptr, *out;
	size_t k = 0, len = text->len;

	check(lines != NULL && (out = malloc(len + 1)) != NULL, "memory");
	for (char *s = p; s && *s && k < n; k++) {
		lines[k] = s;
		s = strchr(s, '\n');
		if (s)
			*s++ = '\0';
	}
	qsort(lines, k, sizeof *lines, cmp_lines);
	out[0] = '\0';
	for (size_t i = 0, at = 0; i < k; i++) {
		size_t l = strlen(lines[i]);
		memcpy(out + at, lines[i], l);
		out[at + l] = '\n';
		at += l + 1;
		out[at] = '\0';
	}
	free(lines);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_zone *z = mp_zone_new(), *z2 = mp_zone_new();
	struct walk w1 = { z2, z, { 0 }, 0 }, w2 = { NULL, z2, { 0 }, 0 };
	struct mp_why why;
	enum mp_status st;
	char *s1, *s2;

	check(z != NULL && z2 != NULL, "zones");
	mp_why_clear(&why);
	st = mp_zone_parse(z, mp_str_make((const char *)data, size), "fuzz.zone", MP_STR_NULL, &why);
	check(st == MP_OK || st == MP_EINVAL, "status is ok or invalid");
	if (st == MP_EINVAL) {
		check(why.reason == MP_REASON_DNS_ZONE_SYNTAX, "syntax reason");
		check(strncmp(why.text, "fuzz.zone:", 10) == 0 &&
		      why.text[10] >= '1' && why.text[10] <= '9', "FILE:LINE text");
	}
	/* records loaded before an error stay; they must be sound too */
	mp_buf_init(&w1.text, 1u << 26);
	mp_buf_init(&w2.text, 1u << 26);
	check(mp_zone_walk(z, visit, &w1) == MP_OK, "walk");
	check(w1.n == mp_zone_count(z), "walk sees every record");
	check(mp_zone_walk(z2, visit, &w2) == MP_OK, "walk 2");
	check(mp_zone_count(z2) == mp_zone_count(z), "rebuild has as many records");
	s1 = sorted(&w1.text, w1.n);
	s2 = sorted(&w2.text, w2.n);
	check(strcmp(s1, s2) == 0, "rebuild has the same records");
	free(s1);
	free(s2);
	mp_buf_fini(&w1.text);
	mp_buf_fini(&w2.text);
	mp_zone_free(z);
	mp_zone_free(z2);
	return 0;
}
