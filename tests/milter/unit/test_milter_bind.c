/* test_milter_bind.c - sender binding decisions: login x header From x
 * envelope sender -> allow, or reject with a reason. Addresses are given as
 * the msg parser returns them (struct mp_addr), failures as its reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

static const char map_text[] =
    "alice     alice@example.test\n"
    "director  director@example.test, @board.example.test\n"
    "relay     @example.test\n";

static const struct bind_case {
	const char *name;
	const char *login;
	const char *from;       /* "local@domain"; NULL: author parse failed */
	enum mp_reason from_why;
	const char *env;        /* "" null path; NULL: envelope parse failed */
	bool allowed;
	enum mp_reason why;
	const char *want_text;
} cases[] = {
	{ "own From and envelope", "alice", "alice@example.test", 0, "alice@example.test", true,
	  MP_REASON_NONE, "" },
	{ "From case differs", "alice", "Alice@Example.test", 0, "alice@example.test", true,
	  MP_REASON_NONE, "" },
	{ "null envelope", "alice", "alice@example.test", 0, "", true, MP_REASON_NONE, "" },
	{ "someone else's From", "alice", "director@example.test", 0, "alice@example.test", false,
	  MP_REASON_MILTER_BIND_FROM_NOT_OWNED,
	  "login alice may not use From address director@example.test" },
	{ "someone else's envelope", "alice", "alice@example.test", 0, "director@example.test",
	  false, MP_REASON_MILTER_BIND_ENVELOPE_NOT_OWNED,
	  "login alice may not use envelope sender director@example.test" },
	{ "whole domain", "director", "anything@board.example.test", 0,
	  "director@example.test", true, MP_REASON_NONE, "" },
	{ "domain grant is exact", "relay", "x@evil.example.test", 0, "x@example.test", false,
	  MP_REASON_MILTER_BIND_FROM_NOT_OWNED, "login relay may not use From address x@evil.example.test" },
	{ "unknown login", "mallory", "alice@example.test", 0, "alice@example.test", false,
	  MP_REASON_MILTER_BIND_UNKNOWN_LOGIN, "login mallory may not send mail as anyone" },
	{ "login with control bytes quoted", "mal\nlory", "alice@example.test", 0, "", false,
	  MP_REASON_MILTER_BIND_UNKNOWN_LOGIN, "login mal\\x0alory may not send mail as anyone" },
	{ "no From", "alice", NULL, MP_REASON_MILTER_INTERNAL, "alice@example.test", false,
	  MP_REASON_MILTER_BIND_FROM_AMBIGUOUS, "From header refused: internal-error" },
	{ "From parse failed without reason", "alice", NULL, 0, "", false,
	  MP_REASON_MILTER_BIND_FROM_AMBIGUOUS, "From header refused: no author" },
	{ "bad envelope", "alice", "alice@example.test", 0, NULL, false,
	  MP_REASON_MILTER_BIND_ENVELOPE_SYNTAX, "envelope sender refused: missing" },
};

/* make_addr - an mp_addr as the msg parser fills it */
static struct mp_addr
make_addr(const char *s, char *lc)
{
	struct mp_addr a;
	const char *at = strchr(s, '@');

	memset(&a, 0, sizeof a);
	if (at == NULL)
		return a;
	a.local = mp_str_make(s, (size_t)(at - s));
	a.domain = mp_str_c(at + 1);
	for (size_t i = 0; i < a.domain.len; i++)
		lc[i] = (char)mp_lower((unsigned char)a.domain.ptr[i]);
	a.domain_lc = mp_str_make(lc, a.domain.len);
	a.addr_spec = mp_str_c(s);
	return a;
}

static void
test_cases(void **state)
{
	struct milter_sendermap map = { 0 };
	struct mp_arena arena;
	struct mp_why why;

	(void)state;
	mp_arena_init(&arena, 1 << 20);
	assert_int_equal(milter_sendermap_parse(&map, MILTER_MAP_NATIVE, MP_STR_LIT(map_text),
	    "map", &arena, &why), MP_OK);
	milter_sendermap_finish(&map);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bind_case *c = &cases[i];
		char lc1[256], lc2[256];
		struct mp_addr from, env;
		struct mp_why from_why, env_why;
		bool got;

		mp_why_clear(&from_why);
		mp_why_clear(&env_why);
		if (c->from)
			from = make_addr(c->from, lc1);
		else if (c->from_why)
			mp_why_set(&from_why, c->from_why);
		if (c->env)
			env = make_addr(c->env, lc2);
		got = milter_bind_check(&map, mp_str_c(c->login), c->from ? &from : NULL, &from_why,
		    c->env ? &env : NULL, &env_why, &why);
		if (got != c->allowed || why.reason != c->why || strcmp(why.text, c->want_text) != 0)
			fail_msg("%s: got %d %s \"%s\"", c->name, got, mp_reason_token(why.reason),
			    why.text);
	}
	mp_arena_fini(&arena);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
