/* test_msg_header.c - streaming header parser: chunking, LF/CRLF, raw bytes,
 * unfolding, limits, defects, body pass-through, allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

struct sink {
	char *p;
	size_t len, cap;
};

static void
body_sink(void *arg, const char *p, size_t len)
{
	struct sink *s = arg;

	if (s->len + len + 1 > s->cap) {
		s->cap = (s->len + len + 1) * 2;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->len, p, len);
	s->len += len;
}

/* feed input in chunks of size step (0: whole) and end */
static enum mp_status
feed_chunked(struct mp_msg *m, const char *in, size_t len, size_t step)
{
	enum mp_status st = MP_OK;

	if (step == 0)
		step = len ? len : 1;
	for (size_t i = 0; i < len && st == MP_OK; i += step)
		st = mp_msg_feed(m, in + i, len - i < step ? len - i : step);
	if (st == MP_OK)
		st = mp_msg_end(m);
	return st;
}

/* a compact rendering of the parse for comparisons */
static char *
render(const struct mp_msg *m, const struct sink *body)
{
	size_t cap = 64 + (body ? body->len : 0);
	char *out;
	size_t o = 0;

	for (size_t i = 0; i < mp_msg_nfields(m); i++)
		cap += mp_msg_field(m, i)->raw.len * 2 + 64;
	out = malloc(cap);
	assert_non_null(out);
	for (size_t i = 0; i < mp_msg_nfields(m); i++) {
		const struct mp_hdr_field *f = mp_msg_field(m, i);
		o += (size_t)snprintf(out + o, cap - o, "[%d%d%d|", f->ws_before_colon,
		    f->has_nul, f->malformed);
		memcpy(out + o, f->name.ptr, f->name.len);
		o += f->name.len;
		out[o++] = '|';
		memcpy(out + o, f->value.ptr, f->value.len);
		o += f->value.len;
		out[o++] = ']';
	}
	o += (size_t)snprintf(out + o, cap - o, "done=%d defect=%s body=",
	    mp_msg_headers_done(m), mp_reason_token(mp_msg_defect(m)->reason));
	if (body && body->len) {
		memcpy(out + o, body->p, body->len);
		o += body->len;
	}
	out[o] = '\0';
	return out;
}

static const struct hdr_case {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen */
	const char *want;       /* render() output */
} hdr_cases[] = {
	{ "crlf simple", "From: a@b\r\nTo: c@d\r\n\r\nbody\r\n", 0,
	  "[000|From| a@b][000|To| c@d]done=1 defect=none body=body\r\n" },
	{ "lf simple", "From: a@b\nTo: c@d\n\nbody\n", 0,
	  "[000|From| a@b][000|To| c@d]done=1 defect=none body=body\n" },
	{ "folded kept raw", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\n", 0,
	  "[000|Subject| a\r\n b\r\n\tc][000|X| y]done=1 defect=none body=" },
	{ "header only, no final eol", "From: a@b\r\nTo: c", 0,
	  "[000|From| a@b][000|To| c]done=1 defect=none body=" },
	{ "header only, final eol", "From: a@b\r\n", 0,
	  "[000|From| a@b]done=1 defect=none body=" },
	{ "empty message", "", 0, "done=1 defect=none body=" },
	{ "body only", "\r\nhello", 0, "done=1 defect=none body=hello" },
	{ "ws before colon", "From : a@b\r\n\r\n", 0,
	  "[100|From| a@b]done=1 defect=none body=" },
	{ "tab before colon", "From\t: a@b\n\n", 0,
	  "[100|From| a@b]done=1 defect=none body=" },
	{ "nul in value", "From: a\0b\r\n\r\n", 13,
	  "[010|From| a\0b]done=1 defect=none body=" },
	{ "no colon", "From: a@b\r\nGarbage line\r\nTo: c\r\n\r\n", 0,
	  "[000|From| a@b][001||Garbage line][000|To| c]done=1 defect=msg-no-colon body=" },
	{ "bad name", "X Y: z\r\n\r\n", 0,
	  "[001|X Y| z]done=1 defect=msg-bad-field-name body=" },
	{ "leading continuation", " From: a@b\r\n\r\n", 0,
	  "[001| From| a@b]done=1 defect=msg-bad-field-name body=" },
	{ "mbox From_ line skipped", "From a@b Mon Jan  1 00:00:00 2024\nFrom: c@d\n\n", 0,
	  "[000|From| c@d]done=1 defect=msg-mbox-from-line body=" },
	{ "From : is not mbox", "From : c@d\n\n", 0,
	  "[100|From| c@d]done=1 defect=none body=" },
	{ "mbox only first line", "A: b\nFrom x@y Mon\n\n", 0,
	  "[000|A| b][001||From x@y Mon]done=1 defect=msg-no-colon body=" },
	{ "body bytes unchanged", "A: b\r\n\r\n\r\n.\r\nFrom: x\n\0\r", 23,
	  "[000|A| b]done=1 defect=none body=\r\n.\r\nFrom: x\n\0\r" },
	{ "bare cr line", "A: b\r\n\rX: y\r\n\r\n", 0,
	  "[000|A| b][001|\rX| y]done=1 defect=msg-bad-field-name body=" },
	{ "lone cr at end", "A: b\r\n\r", 0, "[000|A| b]done=1 defect=none body=" },
	{ "empty value", "A:\r\nB:\r\n\r\n", 0, "[000|A|][000|B|]done=1 defect=none body=" },
	{ "colon in value", "A: b:c\r\n\r\n", 0, "[000|A| b:c]done=1 defect=none body=" },
	{ "folded name", "From\r\n : a\r\n\r\n", 0, "[100|From| a]done=1 defect=none body=" },
};

static void
test_header_cases(void **state)
{
	static const size_t steps[] = { 0, 1, 2, 3, 7, 64 };

	(void)state;
	for (size_t c = 0; c < sizeof hdr_cases / sizeof hdr_cases[0]; c++) {
		const struct hdr_case *tc = &hdr_cases[c];
		size_t len = tc->len ? tc->len : strlen(tc->in);
		char *first = NULL;

		for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
			struct mp_msg *m = mp_msg_new();
			struct sink body = { 0 };
			char *got;

			assert_non_null(m);
			mp_msg_set_body_handler(m, body_sink, &body);
			assert_int_equal(feed_chunked(m, tc->in, len, steps[s]), MP_OK);
			got = render(m, &body);
			if (s == 0) {
				size_t wl = strlen(tc->want);
				if (tc->len) /* want may hold a NUL: compare the whole render */
					wl = strlen(tc->want) + strlen(tc->want + wl + 1) + 1;
				if (memcmp(got, tc->want, wl) != 0)
					fail_msg("case '%s': got '%s'", tc->name, got);
				first = got;
			} else {
				if (strcmp(got, first) != 0 || memcmp(got, first, body.len) != 0)
					fail_msg("case '%s': step %zu differs: '%s'", tc->name, steps[s], got);
				free(got);
			}
			free(body.p);
			mp_msg_free(m);
		}
		free(first);
	}
}

static void
test_header_byte_by_byte_equal(void **state)
{
	/* a realistic message: every chunking gives identical fields and body */
	const char *msg =
	    "Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n"
	    "\tby mx.example.net with ESMTPS id abc\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel;\r\n"
	    " h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
	    " b=AAAA\r\n"
	    "From: \"Alice\" <alice@example.org>\r\n"
	    "To: bob@example.net\r\n"
	    "Subject: =?utf-8?q?caf=C3=A9?=\r\n"
	    "\r\n"
	    "Hello\r\n.\r\nBye\r\n";
	struct mp_msg *whole = mp_msg_new();
	struct sink b0 = { 0 };

	(void)state;
	mp_msg_set_body_handler(whole, body_sink, &b0);
	assert_int_equal(feed_chunked(whole, msg, strlen(msg), 0), MP_OK);
	assert_int_equal(mp_msg_nfields(whole), 5);
	for (size_t step = 1; step < 40; step++) {
		struct mp_msg *m = mp_msg_new();
		struct sink b = { 0 };

		mp_msg_set_body_handler(m, body_sink, &b);
		assert_int_equal(feed_chunked(m, msg, strlen(msg), step), MP_OK);
		assert_int_equal(mp_msg_nfields(m), mp_msg_nfields(whole));
		for (size_t i = 0; i < mp_msg_nfields(m); i++) {
			assert_true(mp_str_eq(mp_msg_field(m, i)->raw, mp_msg_field(whole, i)->raw));
			assert_true(mp_str_eq(mp_msg_field(m, i)->name, mp_msg_field(whole, i)->name));
			assert_true(mp_str_eq(mp_msg_field(m, i)->value, mp_msg_field(whole, i)->value));
		}
		assert_int_equal(b.len, b0.len);
		assert_memory_equal(b.p, b0.p, b.len);
		free(b.p);
		mp_msg_free(m);
	}
	/* raw is exactly the input bytes of the field, folding included */
	assert_true(mp_str_eq_c(mp_msg_field(whole, 1)->raw,
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel;\r\n"
	    " h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
	    " b=AAAA"));
	assert_true(mp_str_eq_c(mp_msg_field(whole, 2)->name, "From"));
	assert_int_equal(mp_msg_count(whole, MP_STR_LIT("from")), 1);
	assert_int_equal(mp_msg_count(whole, MP_STR_LIT("RECEIVED")), 1);
	assert_int_equal(mp_msg_count(whole, MP_STR_LIT("Cc")), 0);
	assert_null(mp_msg_field(whole, 5));
	assert_string_equal(b0.p == NULL ? "" : "x", "x");
	assert_int_equal(b0.len, strlen("Hello\r\n.\r\nBye\r\n"));
	free(b0.p);
	mp_msg_free(whole);
}

static void
test_unfold(void **state)
{
	static const struct {
		const char *name, *in, *want;
	} cases[] = {
		{ "crlf fold", " a\r\n b", " a b" },
		{ "lf fold", " a\n\tb", " a\tb" },
		{ "double fold", "a\r\n \r\n b", "a  b" },
		{ "nothing", "abc", "abc" },
		{ "empty", "", "" },
		{ "cr without lf kept", "a\r b", "a\r b" },
	};
	struct mp_arena a;

	(void)state;
	mp_arena_init(&a, 1 << 16);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mp_str got = mp_hdr_unfold(&a, mp_str_c(cases[i].in));
		assert_non_null(got.ptr);
		if (!mp_str_eq_c(got, cases[i].want))
			fail_msg("unfold case '%s'", cases[i].name);
	}
	mp_arena_fini(&a);
}

static void
test_reset_reuse(void **state)
{
	struct mp_msg *m = mp_msg_new();

	(void)state;
	assert_int_equal(feed_chunked(m, "A: 1\r\nB: 2\r\n\r\n", 14, 0), MP_OK);
	assert_int_equal(mp_msg_nfields(m), 2);
	mp_msg_reset(m);
	assert_false(mp_msg_headers_done(m));
	assert_int_equal(mp_msg_nfields(m), 0);
	assert_int_equal(feed_chunked(m, "C: 3\n\n", 6, 1), MP_OK);
	assert_int_equal(mp_msg_nfields(m), 1);
	assert_true(mp_str_eq_c(mp_msg_field(m, 0)->raw, "C: 3"));
	assert_false(mp_why_failed(mp_msg_error(m)));
	mp_msg_free(m);
	mp_msg_free(NULL);
}

static void
test_views_stable(void **state)
{
	/* a view taken early stays valid while many more fields arrive */
	struct mp_msg *m = mp_msg_new();
	const struct mp_hdr_field *f0;
	struct mp_str raw0;
	char line[64];

	(void)state;
	assert_int_equal(mp_msg_feed(m, "First: field\r\nSecond: x\r\n", 25), MP_OK);
	f0 = mp_msg_field(m, 0);
	raw0 = f0->raw;
	for (int i = 0; i < 900; i++) {
		int n = snprintf(line, sizeof line, "X-%d: %0*d\r\n", i, 40, i);
		assert_int_equal(mp_msg_feed(m, line, (size_t)n), MP_OK);
	}
	assert_int_equal(mp_msg_end(m), MP_OK);
	assert_ptr_equal(mp_msg_field(m, 0), f0);
	assert_true(mp_str_eq_c(raw0, "First: field"));
	assert_int_equal(mp_msg_nfields(m), 902);
	mp_msg_free(m);
}

static void
test_limits(void **state)
{
	struct mp_msg *m = mp_msg_new();
	char *big;
	size_t n;

	(void)state;
	/* one field over MP_LIMIT_HEADER_FIELD (folded, so lines stay short) */
	n = MP_LIMIT_HEADER_FIELD + 100;
	big = malloc(n + 16);
	memcpy(big, "X: ", 3);
	for (size_t i = 3; i < n; i++)
		big[i] = (i % 80 == 0) ? '\n' : (i % 80 == 1 ? ' ' : 'a');
	assert_int_equal(mp_msg_feed(m, big, n), MP_ELIMIT);
	assert_int_equal(mp_msg_error(m)->reason, MP_REASON_MSG_FIELD_TOO_LONG);
	assert_non_null(strstr(mp_msg_error(m)->text, "MP_LIMIT_HEADER_FIELD"));
	assert_int_equal(mp_msg_feed(m, "\n\n", 2), MP_ELIMIT);     /* sticky */
	assert_int_equal(mp_msg_end(m), MP_ELIMIT);
	free(big);

	/* a field exactly at the limit is fine */
	mp_msg_reset(m);
	big = malloc(MP_LIMIT_HEADER_FIELD + 4);
	memcpy(big, "X: ", 3);
	memset(big + 3, 'b', MP_LIMIT_HEADER_FIELD - 3);
	memcpy(big + MP_LIMIT_HEADER_FIELD, "\r\n\r\n", 4);
	assert_int_equal(mp_msg_feed(m, big, MP_LIMIT_HEADER_FIELD + 4), MP_OK);
	assert_int_equal(mp_msg_nfields(m), 1);
	assert_int_equal(mp_msg_field(m, 0)->raw.len, MP_LIMIT_HEADER_FIELD);
	assert_int_equal(mp_msg_defect(m)->reason, MP_REASON_MSG_LINE_TOO_LONG);
	free(big);

	/* too many fields */
	mp_msg_reset(m);
	for (int i = 0; i < MP_LIMIT_HEADER_FIELDS; i++)
		assert_int_equal(mp_msg_feed(m, "A: b\n", 5), MP_OK);
	assert_int_equal(mp_msg_feed(m, "A: b\n", 5), MP_OK);   /* pending, not yet complete */
	assert_int_equal(mp_msg_feed(m, "\n", 1), MP_ELIMIT);
	assert_int_equal(mp_msg_error(m)->reason, MP_REASON_MSG_TOO_MANY_FIELDS);
	assert_int_equal(mp_msg_nfields(m), MP_LIMIT_HEADER_FIELDS);

	/* total header size */
	mp_msg_reset(m);
	big = malloc(1000);
	memset(big, 'c', 1000);
	memcpy(big, "Y: ", 3);
	big[998] = '\r';
	big[999] = '\n';
	{
		enum mp_status st = MP_OK;
		size_t fed = 0;
		for (int i = 0; st == MP_OK && fed < MP_LIMIT_HEADER_TOTAL + 2000; i++) {
			memcpy(big, i % 50 == 0 ? "Y: " : "   ", 3);   /* 50 KB fields */
			st = mp_msg_feed(m, big, 1000);
			fed += 1000;
		}
		assert_int_equal(st, MP_ELIMIT);
		assert_true(fed <= MP_LIMIT_HEADER_TOTAL + 1000);
	}
	assert_int_equal(mp_msg_error(m)->reason, MP_REASON_MSG_HEADER_TOO_BIG);
	free(big);

	/* the author is never found after a limit */
	{
		struct mp_arena a;
		struct mp_addr ad;
		struct mp_why why;

		mp_arena_init(&a, 1 << 16);
		assert_int_equal(mp_msg_author(m, &a, &ad, &why), MP_OK);
		assert_int_equal(why.reason, MP_REASON_MSG_HEADER_TOO_BIG);
		assert_null(ad.domain.ptr);
		mp_arena_fini(&a);
	}
	mp_msg_free(m);
}

static void
test_alloc_failures(void **state)
{
	const char *msg = "From: a@b\r\nTo: c@d\r\nSubject: x\r\n y\r\n\r\nbody";
	unsigned long n;

	(void)state;
	for (n = 1; n < 100; n++) {
		struct mp_msg *m;
		enum mp_status st;

		mp_alloc_fail_after(n);
		m = mp_msg_new();
		if (m == NULL)
			continue;
		st = feed_chunked(m, msg, strlen(msg), 3);
		mp_alloc_fail_after(0);
		if (st == MP_OK) {
			assert_int_equal(mp_msg_nfields(m), 3);
			mp_msg_free(m);
			break;
		}
		assert_int_equal(st, MP_ENOMEM);
		assert_int_equal(mp_msg_error(m)->reason, MP_REASON_NOMEM);
		mp_msg_free(m);
	}
	assert_true(n > 2 && n < 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_cases),
		cmocka_unit_test(test_header_byte_by_byte_equal),
		cmocka_unit_test(test_unfold),
		cmocka_unit_test(test_reset_reuse),
		cmocka_unit_test(test_views_stable),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
