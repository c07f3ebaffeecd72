/* fuzz_dns_answer.c - the DNS reply parser (libunbound's answer_packet).
 * The question asked is the packet's own first question when it has one
 * (so CNAME chains and records get reached), else "a.test TXT".
 * Invariants: MP_OK; a status in range; OK has records all of the asked
 * type, absent and indeterminate answers have none; malformed and
 * indeterminate answers say why; CNAME hops within the limit; every record
 * formats, and a copy (mp_dns_answer_dup) formats the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

/* check - abort with a message when an invariant breaks */
static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_dns_answer: invariant broken: %s\n", what);
		abort();
	}
}

/* question_of - the packet's first question, if it decodes (uncompressed) */
static int
question_of(const uint8_t *p, size_t len, struct mp_buf *name, uint16_t *type)
{
	size_t off = 12, start = 12;

	if (len < 12 || (p[4] == 0 && p[5] == 0))
		return 0;
	while (off < len && p[off] != 0 && p[off] < 64)
		off += (size_t)p[off] + 1;
	if (off >= len || p[off] != 0 || len - off < 5)
		return 0;
	if (mp_dns_name_from_wire(p + start, off - start + 1, name) != MP_OK)
		return 0;
	*type = (uint16_t)(p[off + 1] << 8 | p[off + 2]);
	return 1;
}

/* formatted - all records of an answer as text */
static void
formatted(const struct mp_dns_answer *a, struct mp_buf *out)
{
	for (size_t i = 0; i < a->nrr; i++) {
		check(mp_dns_rr_format(&a->rr[i], out) == MP_OK, "a record formats");
		check(mp_buf_append_byte(out, '\n') == MP_OK, "buffer");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_arena a;
	struct mp_buf name, t1, t2;
	const struct mp_dns_answer *ans, *copy;
	struct mp_str qname = MP_STR_LIT("a.test");
	uint16_t qtype = MP_DNS_T_TXT;

	mp_buf_init(&name, 4096);
	mp_buf_init(&t1, 1u << 24);
	mp_buf_init(&t2, 1u << 24);
	mp_arena_init(&a, 1u << 26);
	if (question_of(data, size, &name, &qtype))
		qname = mp_buf_str(&name);
	check(mp_dns_answer_from_packet(data, size, qname, qtype, &a, &ans) == MP_OK, "MP_OK");
	check(ans != NULL, "an answer");
	check(ans->status >= MP_DNS_OK && ans->status <= MP_DNS_MALFORMED, "status in range");
	check(ans->qtype == qtype && mp_str_eq(ans->qname, qname), "question kept");
	check(ans->canonical.ptr != NULL && ans->canonical.len > 0, "canonical name");
	check(ans->ncname <= MP_LIMIT_DNS_CNAME_CHAIN, "CNAME hops bounded");
	check(ans->nrr <= MP_LIMIT_DNS_RRS, "records bounded");
	if (ans->status == MP_DNS_OK) {
		check(ans->nrr >= 1, "present has records");
		for (size_t i = 0; i < ans->nrr; i++)
			check(ans->rr[i].type == qtype, "records of the asked type");
	} else {
		check(ans->nrr == 0, "absent or indeterminate has no records");
	}
	if (mp_dns_state_of(ans->status) == MP_DNS_INDETERMINATE)
		check(ans->why.len > 0, "indeterminate says why");
	formatted(ans, &t1);
	copy = mp_dns_answer_dup(&a, ans);
	check(copy != NULL, "copy");
	formatted(copy, &t2);
	check(mp_str_eq(mp_buf_str(&t1), mp_buf_str(&t2)), "copy formats the same");
	mp_arena_fini(&a);
	mp_buf_fini(&name);
	mp_buf_fini(&t1);
	mp_buf_fini(&t2);
	return 0;
}
