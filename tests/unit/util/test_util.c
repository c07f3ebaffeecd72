/* test_util.c - buffers, arenas, cursors, numbers, reasons, log quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/log.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

static void
test_buf_limit(void **state)
{
	struct mp_buf b;

	(void)state;
	mp_buf_init(&b, 5);
	assert_int_equal(mp_buf_append_c(&b, "abc"), MP_OK);
	assert_int_equal(mp_buf_append_c(&b, "def"), MP_ELIMIT);
	assert_int_equal(b.len, 3);             /* unchanged after a refused append */
	assert_string_equal(b.ptr, "abc");
	assert_int_equal(mp_buf_append_c(&b, "de"), MP_OK);
	assert_string_equal(b.ptr, "abcde");
	assert_int_equal(mp_buf_printf(&b, "%d", 1), MP_ELIMIT);
	mp_buf_reset(&b);
	assert_int_equal(mp_buf_printf(&b, "%s-%d", "x", 42), MP_OK);
	assert_string_equal(b.ptr, "x-42");
	mp_buf_fini(&b);
}

static void
test_buf_printf_long(void **state)
{
	struct mp_buf b;
	char big[600];

	(void)state;
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mp_buf_init(&b, 10000);
	assert_int_equal(mp_buf_printf(&b, "<%s>", big), MP_OK);
	assert_int_equal(b.len, 601);
	assert_int_equal(b.ptr[600], '>');
	mp_buf_fini(&b);
}

static void
test_buf_enomem(void **state)
{
	struct mp_buf b;

	(void)state;
	mp_buf_init(&b, 100);
	mp_alloc_fail_after(1);
	assert_int_equal(mp_buf_append_c(&b, "x"), MP_ENOMEM);
	assert_int_equal(b.len, 0);
	assert_int_equal(mp_buf_append_c(&b, "x"), MP_OK);
	mp_buf_fini(&b);
}

static void
test_arena(void **state)
{
	struct mp_arena a;
	struct mp_str s;
	void *p;

	(void)state;
	mp_arena_init(&a, 1 << 20);
	s = mp_arena_strdup(&a, MP_STR_LIT("hello"));
	assert_non_null(s.ptr);
	assert_string_equal(s.ptr, "hello");
	for (int i = 0; i < 100; i++) {
		p = mp_arena_alloc(&a, 1000);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	assert_null(mp_arena_alloc(&a, 2 << 20));  /* over max */
	s = mp_arena_printf(&a, "%s=%d", "n", 7);
	assert_string_equal(s.ptr, "n=7");
	mp_arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_non_null(mp_arena_alloc(&a, 10));
	mp_arena_fini(&a);
}

static void
test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(mp_parse_u64(MP_STR_LIT("0"), 10, &v));
	assert_int_equal(v, 0);
	assert_true(mp_parse_u64(MP_STR_LIT("18446744073709551615"), UINT64_MAX, &v));
	assert_false(mp_parse_u64(MP_STR_LIT("18446744073709551616"), UINT64_MAX, &v));
	assert_false(mp_parse_u64(MP_STR_LIT("11"), 10, &v));
	assert_false(mp_parse_u64(MP_STR_LIT(""), 10, &v));
	assert_false(mp_parse_u64(MP_STR_LIT("-1"), 10, &v));
	assert_false(mp_parse_u64(MP_STR_LIT(" 1"), 10, &v));
	assert_false(mp_parse_u64(MP_STR_LIT("1a"), 10, &v));
}

static void
test_cursor(void **state)
{
	struct mp_cursor c;
	struct mp_str name, value;

	(void)state;
	mp_cur_init(&c, MP_STR_LIT(" \r\n\tv = DKIM1; k=rsa"));
	mp_cur_skip_fws(&c);
	mp_cur_span(&c, &name, (mp_char_class_fn *)mp_is_alnum, 8);
	mp_cur_skip_fws(&c);
	mp_cur_expect(&c, '=');
	mp_cur_skip_fws(&c);
	mp_cur_until(&c, &value, ';', 100);
	assert_false(c.err);
	assert_true(mp_str_eq_c(name, "v"));
	assert_true(mp_str_eq_c(value, "DKIM1"));
	mp_cur_expect(&c, '=');                  /* sticky error */
	assert_true(c.err);
	mp_cur_expect(&c, ';');
	assert_true(c.err);
	assert_int_equal(mp_cur_peek(&c), -1);

	mp_cur_init(&c, MP_STR_LIT("abcdef"));
	mp_cur_span(&c, &name, (mp_char_class_fn *)mp_is_alpha, 3);
	assert_true(c.err);                      /* longer than max */
	mp_cur_init(&c, MP_STR_LIT("x\r\ny"));  /* CRLF not followed by WSP is not FWS */
	mp_cur_skip_fws(&c);
	mp_cur_expect(&c, 'x');
	mp_cur_skip_fws(&c);
	assert_int_equal(mp_cur_peek(&c), '\r');
}

static void
test_str(void **state)
{
	(void)state;
	assert_true(mp_str_eq_nocase(MP_STR_LIT("Example.COM"), MP_STR_LIT("example.com")));
	assert_false(mp_str_eq_nocase(MP_STR_LIT("example.co"), MP_STR_LIT("example.com")));
	assert_true(mp_str_eq(mp_str_trim(MP_STR_LIT(" \t a b \r\n")), MP_STR_LIT("a b")));
	assert_true(mp_str_has_nul(mp_str_make("a\0b", 3)));
	assert_int_equal(mp_str_find(MP_STR_LIT("abc"), 'c'), 2);
	assert_true(mp_str_ends_nocase(MP_STR_LIT("mail.EXAMPLE.com"), MP_STR_LIT(".example.COM")));
	assert_true(mp_str_starts_nocase(MP_STR_LIT("V=spf1"), MP_STR_LIT("v=SPF")));
}

static void
test_why(void **state)
{
	struct mp_why why;
	char big[400];

	(void)state;
	mp_why_clear(&why);
	assert_false(mp_why_failed(&why));
	assert_int_equal(mp_why_set(&why, MP_REASON_SYNTAX), MP_OK);
	assert_true(mp_why_failed(&why));
	assert_string_equal(mp_reason_token(why.reason), "syntax");
	assert_string_equal(why.text, "syntax error");
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mp_why_setf(&why, MP_REASON_LIMIT, "%s", big);
	assert_int_equal(strlen(why.text), MP_WHY_TEXT_MAX);
	assert_string_equal(why.text + MP_WHY_TEXT_MAX - 3, "...");  /* cut visibly */
}

static void
test_log_quote(void **state)
{
	char out[MP_LOG_QUOTE_MAX];
	char big[150];

	(void)state;
	assert_string_equal(mp_log_quote(mp_str_make("a\0b\n\\", 5), out), "a\\x00b\\x0a\\x5c");
	memset(big, 'a', sizeof big);
	mp_log_quote(mp_str_make(big, sizeof big), out);
	assert_int_equal(strlen(out), 103);
	assert_string_equal(out + 100, "...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_buf_printf_long),
		cmocka_unit_test(test_buf_enomem),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_log_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
