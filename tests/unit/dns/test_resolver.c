/* test_resolver.c - the zone driver and the sans-IO drive loops, with a
 * tiny fake core: it asks TXT NAME, then A and MX of the name the TXT
 * names (two questions in flight), then finishes with a summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

enum fake_state { FAKE_START, FAKE_TXT, FAKE_ADDR, FAKE_DONE };

struct fake {
	const char *name;
	enum fake_state state;
	struct mp_dns_question q[2];
	const struct mp_dns_question *qs[2];
	size_t nq, answered;
	struct mp_arena arena;
	const struct mp_dns_answer *ans[2];
	char summary[200];
	unsigned runs;
};

/* fake_run - the core's state machine */
static enum mp_status
fake_run(void *core)
{
	struct fake *f = core;
	const struct mp_dns_answer *t = f->ans[0];

	f->runs++;
	switch (f->state) {
	case FAKE_START:
		mp_dns_question_set(&f->q[0], MP_DNS_T_TXT, mp_str_c(f->name));
		f->qs[0] = &f->q[0];
		f->nq = 1;
		f->answered = 0;
		f->state = FAKE_TXT;
		return MP_PENDING;
	case FAKE_TXT:
		if (t->status != MP_DNS_OK) {
			snprintf(f->summary, sizeof f->summary, "txt:%s", mp_dns_status_name(t->status));
			f->state = FAKE_DONE;
			return MP_OK;
		}
		mp_dns_question_set(&f->q[0], MP_DNS_T_A, t->rr[0].u.txt.joined);
		mp_dns_question_set(&f->q[1], MP_DNS_T_MX, t->rr[0].u.txt.joined);
		f->qs[0] = &f->q[0];
		f->qs[1] = &f->q[1];
		f->nq = 2;
		f->answered = 0;
		f->state = FAKE_ADDR;
		return MP_PENDING;
	case FAKE_ADDR:
		snprintf(f->summary, sizeof f->summary, "a:%s/%zu mx:%s/%zu",
		         mp_dns_status_name(f->ans[0]->status), f->ans[0]->nrr,
		         mp_dns_status_name(f->ans[1]->status), f->ans[1]->nrr);
		f->state = FAKE_DONE;
		return MP_OK;
	case FAKE_DONE:
		return MP_OK;
	}
	return MP_EINVAL;
}

/* fake_questions - what is still unanswered */
static size_t
fake_questions(void *core, const struct mp_dns_question *const **qs)
{
	struct fake *f = core;

	*qs = f->qs;
	return f->nq;
}

/* fake_answer - keep a copy; answers may come in any order */
static enum mp_status
fake_answer(void *core, const struct mp_dns_question *q, const struct mp_dns_answer *a)
{
	struct fake *f = core;
	size_t i = q == &f->q[0] ? 0 : q == &f->q[1] ? 1 : 2;

	if (i == 2)
		return MP_EINVAL;
	if ((f->ans[i] = mp_dns_answer_dup(&f->arena, a)) == NULL)
		return MP_ENOMEM;
	f->answered++;
	return MP_OK;
}

static const char zone_text[] =
	"$ORIGIN d.test.\n"
	"start TXT target.d.test\n"
	"target A 192.0.2.1\n"
	"target A 192.0.2.2\n"
	"onlya TXT x.d.test\n"
	"x A 192.0.2.9\n"
	"sf TXT broken.d.test\n";

static const struct drive_case {
	const char *name, *want;
} drives[] = {
	{ "start.d.test", "a:ok/2 mx:nodata/0" },
	{ "onlya.d.test", "a:ok/1 mx:nodata/0" },
	{ "nothing.d.test", "txt:nxdomain" },
	{ "x.d.test", "txt:nodata" },
	{ "sf.d.test", "a:servfail/0 mx:servfail/0" },
	{ "timeout.d.test", "txt:timeout" },
};

/* setup_zone - the zone with injected failures */
static struct mp_zone *
setup_zone(void)
{
	struct mp_zone *z = mp_zone_new();
	struct mp_why why;

	assert_int_equal(mp_zone_parse(z, mp_str_c(zone_text), "d.zone", MP_STR_NULL, &why), MP_OK);
	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("broken.d.test"), 0, MP_DNS_SERVFAIL), MP_OK);
	assert_int_equal(mp_zone_fail(z, MP_STR_LIT("timeout.d.test"), MP_DNS_T_TXT, MP_DNS_TIMEOUT),
	                 MP_OK);
	return z;
}

static void
fake_init(struct fake *f, const char *name)
{
	memset(f, 0, sizeof *f);
	f->name = name;
	mp_arena_init(&f->arena, 1 << 20);
}

static void
test_drive(void **state)
{
	struct mp_zone *z = setup_zone();
	struct mp_resolver *r = mp_resolver_new_zone(z);

	(void)state;
	assert_non_null(r);
	assert_int_equal(mp_resolver_fd(r), -1);
	for (size_t i = 0; i < sizeof drives / sizeof drives[0]; i++) {
		struct fake f;
		struct mp_dns_client c = { &f, fake_run, fake_questions, fake_answer };
		fake_init(&f, drives[i].name);
		assert_int_equal(mp_dns_drive(r, &c), MP_OK);
		if (strcmp(f.summary, drives[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", drives[i].name, f.summary, drives[i].want);
		assert_int_equal(mp_resolver_pending(r), 0);
		mp_arena_fini(&f.arena);
	}
	mp_resolver_free(r);
	mp_zone_free(z);
}

struct many {
	struct fake fakes[60];
	size_t next, finished;
	size_t max_live, live;
};

static bool
many_next(void *arg, struct mp_dns_client *out)
{
	struct many *m = arg;
	struct fake *f;

	if (m->next >= sizeof m->fakes / sizeof m->fakes[0])
		return false;
	f = &m->fakes[m->next];
	fake_init(f, drives[m->next % (sizeof drives / sizeof drives[0])].name);
	m->next++;
	*out = (struct mp_dns_client){ f, fake_run, fake_questions, fake_answer };
	if (++m->live > m->max_live)
		m->max_live = m->live;
	return true;
}

static void
many_finished(void *arg, const struct mp_dns_client *c, enum mp_status st)
{
	struct many *m = arg;
	struct fake *f = c->core;
	size_t i = (size_t)(f - m->fakes);

	assert_int_equal(st, MP_OK);
	assert_string_equal(f->summary, drives[i % (sizeof drives / sizeof drives[0])].want);
	m->finished++;
	m->live--;
	mp_arena_fini(&f->arena);
}

static void
test_drive_many(void **state)
{
	struct mp_zone *z = setup_zone();
	struct mp_resolver *r = mp_resolver_new_zone(z);
	static struct many m;
	struct mp_dns_multi multi = { r, 7, many_next, many_finished, &m };

	(void)state;
	assert_int_equal(mp_dns_drive_many(&multi), MP_OK);
	assert_int_equal(m.finished, 60);
	assert_int_equal(m.max_live, 7);
	assert_int_equal(mp_resolver_pending(r), 0);
	mp_resolver_free(r);
	mp_zone_free(z);
}

/* count_done - a raw callback */
static void
count_done(void *arg, const struct mp_dns_question *q, const struct mp_dns_answer *ans)
{
	size_t *n = arg;

	(void)q;
	assert_int_equal(ans->status, MP_DNS_OK);
	(*n)++;
}

static void
test_submit_poll_query(void **state)
{
	struct mp_zone *z = setup_zone();
	struct mp_resolver *r = mp_resolver_new_zone(z);
	struct mp_dns_question q;
	struct mp_arena a;
	const struct mp_dns_answer *ans;
	size_t n = 0;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	mp_dns_question_set(&q, MP_DNS_T_A, MP_STR_LIT("target.d.test"));
	for (int i = 0; i < 100; i++)
		assert_int_equal(mp_resolver_submit(r, &q, count_done, &n), MP_OK);
	assert_int_equal(n, 0);              /* never answered from inside submit */
	assert_int_equal(mp_resolver_pending(r), 100);
	assert_int_equal(mp_resolver_poll(r, 0), MP_OK);
	assert_int_equal(n, 100);
	assert_int_equal(mp_resolver_pending(r), 0);
	assert_int_equal(mp_resolver_poll(r, 0), MP_OK);   /* nothing pending: fine */
	assert_int_equal(mp_resolver_query(r, &q, &a, &ans), MP_OK);
	assert_int_equal(ans->nrr, 2);
	mp_arena_fini(&a);
	mp_resolver_free(r);
	mp_zone_free(z);
}

static const struct name_case {
	const char *in;
	bool ok;
	size_t wire_len;
	const char *back;       /* presentation form from wire */
} names[] = {
	{ "example.com", true, 13, "example.com" },
	{ "example.com.", true, 13, "example.com" },
	{ ".", true, 1, "." },
	{ "a\\.b.c", true, 7, "a\\.b.c" },
	{ "a\\000b.c", true, 7, "a\\000b.c" },
	{ "sp\\032ace.c", true, 10, "sp\\032ace.c" },
	{ "", false, 0, NULL },
	{ "a..b", false, 0, NULL },
	{ ".a", false, 0, NULL },
	{ "a\\25", false, 0, NULL },
	{ "a\\256.b", false, 0, NULL },
};

static void
test_names(void **state)
{
	uint8_t wire[MP_LIMIT_DNS_NAME];
	size_t len;
	struct mp_buf b;
	uint16_t t;

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		bool ok = mp_dns_name_to_wire(mp_str_c(names[i].in), wire, &len);
		if (ok != names[i].ok)
			fail_msg("'%s': to_wire %d", names[i].in, ok);
		if (!ok)
			continue;
		assert_int_equal(len, names[i].wire_len);
		mp_buf_init(&b, 2000);
		assert_int_equal(mp_dns_name_from_wire(wire, len, &b), MP_OK);
		assert_string_equal(b.ptr, names[i].back);
		mp_buf_fini(&b);
	}
	assert_true(mp_dns_name_eq(MP_STR_LIT("ExAmple.COM."), MP_STR_LIT("example.com")));
	assert_true(mp_dns_name_eq(MP_STR_LIT("\\065.b"), MP_STR_LIT("a.B")));
	assert_false(mp_dns_name_eq(MP_STR_LIT("a\\.b"), MP_STR_LIT("a.b")));
	assert_string_equal(mp_dns_type_name(MP_DNS_T_TXT), "TXT");
	assert_string_equal(mp_dns_type_name(65400), "TYPE65400");
	assert_true(mp_dns_type_parse(MP_STR_LIT("txt"), &t) && t == MP_DNS_T_TXT);
	assert_true(mp_dns_type_parse(MP_STR_LIT("type28"), &t) && t == MP_DNS_T_AAAA);
	assert_false(mp_dns_type_parse(MP_STR_LIT("TYPE65536"), &t));
	assert_false(mp_dns_type_parse(MP_STR_LIT("bogus"), &t));
	assert_string_equal(mp_dns_status_name(MP_DNS_NXDOMAIN), "nxdomain");
	assert_string_equal(mp_dnssec_name(MP_DNSSEC_BOGUS), "bogus");
	assert_int_equal(mp_dns_state_of(MP_DNS_NODATA), MP_DNS_ABSENT);
	assert_int_equal(mp_dns_state_of(MP_DNS_REFUSED), MP_DNS_INDETERMINATE);
}

static void
test_question_limit(void **state)
{
	struct mp_dns_question q;
	char big[MP_LIMIT_DNS_NAME_TEXT + 2];

	(void)state;
	memset(big, 'a', sizeof big);
	assert_int_equal(mp_dns_question_set(&q, 1, mp_str_make(big, sizeof big)), MP_ELIMIT);
	assert_int_equal(mp_dns_question_set(&q, 1, mp_str_make(big, MP_LIMIT_DNS_NAME_TEXT)), MP_OK);
	assert_int_equal(q.name_len, MP_LIMIT_DNS_NAME_TEXT);
	assert_int_equal(q.name[MP_LIMIT_DNS_NAME_TEXT], '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drive),
		cmocka_unit_test(test_drive_many),
		cmocka_unit_test(test_submit_poll_query),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_question_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
