/* test_dmarc_record.c - the DMARC record parser: every tag, every error
 * (RFC 9989 §4.7, §4.8, §4.10.1), obsolete RFC 7489 tags, and OpenDMARC's
 * record-parse table from $MAILPROOF_TESTDATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/dmarc.h>

#define N MP_DMARC_POLICY_NONE
#define Q MP_DMARC_POLICY_QUARANTINE
#define R MP_DMARC_POLICY_REJECT
#define U MP_DMARC_POLICY_UNSET
#define OK MP_DMARC_REC_OK
#define NOTD MP_DMARC_REC_NOT_DMARC
#define NOP MP_DMARC_REC_NO_POLICY
#define RS(x) MP_REASON_DMARC_##x

static const struct rec_case {
	const char *name, *text;
	enum mp_dmarc_record_status status;
	enum mp_reason reason;          /* record reason */
	enum mp_dmarc_policy p, sp, np; /* effective */
	enum mp_reason finding;         /* a finding that must be present (NONE: no findings) */
} cases[] = {
	{ "minimal", "v=DMARC1; p=none", OK, MP_REASON_NONE, N, N, N, MP_REASON_NONE },
	{ "trailing semicolon", "v=DMARC1; p=reject;", OK, MP_REASON_NONE, R, R, R, MP_REASON_NONE },
	{ "no space", "v=DMARC1;p=quarantine", OK, MP_REASON_NONE, Q, Q, Q, MP_REASON_NONE },
	{ "spaces around =", "v = DMARC1 ; p = reject", OK, MP_REASON_NONE, R, R, R, MP_REASON_NONE },
	{ "sp given", "v=DMARC1; p=reject; sp=none", OK, MP_REASON_NONE, R, N, N, MP_REASON_NONE },
	{ "np given", "v=DMARC1; p=none; np=reject", OK, MP_REASON_NONE, N, N, R, MP_REASON_NONE },
	{ "np defaults to sp", "v=DMARC1; p=none; sp=quarantine", OK, MP_REASON_NONE, N, Q, Q,
	  MP_REASON_NONE },
	{ "tags in any order", "v=DMARC1; sp=none; adkim=s; p=reject", OK, MP_REASON_NONE, R, N, N,
	  MP_REASON_NONE },
	{ "case-insensitive values", "v=DMARC1; P=Reject", OK, MP_REASON_NONE, R, R, R,
	  MP_REASON_NONE },
	{ "unknown tag ignored", "v=DMARC1; p=none; foo=bar", OK, MP_REASON_NONE, N, N, N,
	  RS(UNKNOWN_TAG) },
	{ "empty", "", NOTD, RS(EMPTY), U, U, U, MP_REASON_NONE },
	{ "whitespace only", "  ", NOTD, RS(EMPTY), U, U, U, MP_REASON_NONE },
	{ "v not first", "p=none; v=DMARC1", NOTD, RS(NOT_DMARC), U, U, U, MP_REASON_NONE },
	{ "v wrong value", "v=DMARC2; p=none", NOTD, RS(NOT_DMARC), U, U, U, MP_REASON_NONE },
	{ "v value is case sensitive", "v=dmarc1; p=none", NOTD, RS(NOT_DMARC), U, U, U,
	  MP_REASON_NONE },
	{ "spf record", "v=spf1 -all", NOTD, RS(NOT_DMARC), U, U, U, MP_REASON_NONE },
	{ "v with trailing garbage", "v=DMARC1x; p=none", NOTD, RS(NOT_DMARC), U, U, U,
	  MP_REASON_NONE },
	{ "no p, no rua", "v=DMARC1", NOP, RS(NO_POLICY), U, U, U, RS(NO_P) },
	{ "no p, valid rua", "v=DMARC1; rua=mailto:a@example.com", OK, RS(P_NONE_BY_RUA), N, N, N,
	  RS(NO_P) },
	{ "bad p, no rua", "v=DMARC1; p=bob", NOP, RS(NO_POLICY), U, U, U, RS(BAD_P) },
	{ "bad p, valid rua", "v=DMARC1; p=bob; rua=mailto:a@example.com", OK, RS(P_NONE_BY_RUA),
	  N, N, N, RS(BAD_P) },
	{ "p=n is not a policy", "v=DMARC1; p=n", NOP, RS(NO_POLICY), U, U, U, RS(BAD_P) },
	{ "empty p", "v=DMARC1; p=", NOP, RS(NO_POLICY), U, U, U, RS(BAD_P) },
	{ "bad sp, no rua", "v=DMARC1; p=reject; sp=bob", NOP, RS(NO_POLICY), U, U, U, RS(BAD_SP) },
	{ "bad sp, valid rua", "v=DMARC1; p=reject; sp=bob; rua=mailto:a@b.example", OK,
	  RS(P_NONE_BY_RUA), N, N, N, RS(BAD_SP) },
	{ "bad np, no rua", "v=DMARC1; p=reject; np=x", NOP, RS(NO_POLICY), U, U, U, RS(BAD_NP) },
	{ "bad p, only bad rua", "v=DMARC1; p=bob; rua=nothing", NOP, RS(NO_POLICY), U, U, U,
	  RS(BAD_URI) },
	{ "bad adkim", "v=DMARC1; p=none; adkim=x", OK, MP_REASON_NONE, N, N, N, RS(BAD_ADKIM) },
	{ "bad aspf", "v=DMARC1; p=none; aspf=relaxed", OK, MP_REASON_NONE, N, N, N, RS(BAD_ASPF) },
	{ "bad psd", "v=DMARC1; p=none; psd=x", OK, MP_REASON_NONE, N, N, N, RS(BAD_PSD) },
	{ "bad t", "v=DMARC1; p=none; t=yes", OK, MP_REASON_NONE, N, N, N, RS(BAD_T) },
	{ "bad fo", "v=DMARC1; p=none; fo=2; ruf=mailto:f@example.com", OK, MP_REASON_NONE, N, N,
	  N, RS(BAD_FO) },
	{ "fo 0 and 1", "v=DMARC1; p=none; fo=0:1; ruf=mailto:f@example.com", OK, MP_REASON_NONE, N,
	  N, N, RS(BAD_FO) },
	{ "fo d twice", "v=DMARC1; p=none; fo=d:d; ruf=mailto:f@example.com", OK, MP_REASON_NONE,
	  N, N, N, RS(BAD_FO) },
	{ "fo without ruf", "v=DMARC1; p=none; fo=1", OK, MP_REASON_NONE, N, N, N,
	  RS(FO_WITHOUT_RUF) },
	{ "duplicate p", "v=DMARC1; p=reject; p=none", OK, MP_REASON_NONE, R, R, R, RS(DUP_TAG) },
	{ "tag without =", "v=DMARC1; p=none; junk", OK, MP_REASON_NONE, N, N, N, RS(TAG_SYNTAX) },
	{ "tag name not alpha", "v=DMARC1; p=none; r1a=x", OK, MP_REASON_NONE, N, N, N,
	  RS(TAG_SYNTAX) },
	{ "empty rua", "v=DMARC1; p=none; rua=", OK, MP_REASON_NONE, N, N, N, RS(EMPTY_VALUE) },
	{ "bad uri", "v=DMARC1; p=none; rua=mailto", OK, MP_REASON_NONE, N, N, N, RS(BAD_URI) },
	{ "uri with space", "v=DMARC1; p=none; rua=mailto:a b@example.com", OK, MP_REASON_NONE, N,
	  N, N, RS(BAD_URI) },
	{ "uri bad size", "v=DMARC1; p=none; rua=mailto:a@example.com!x", OK, MP_REASON_NONE, N,
	  N, N, RS(BAD_URI) },
	{ "uri size obsolete", "v=DMARC1; p=none; rua=mailto:a@example.com!10m", OK,
	  MP_REASON_NONE, N, N, N, RS(OBSOLETE_URI_SIZE) },
	{ "pct obsolete", "v=DMARC1; p=reject; pct=50", OK, MP_REASON_NONE, R, R, R,
	  RS(OBSOLETE_PCT) },
	{ "pct out of range", "v=DMARC1; p=none; pct=500", OK, MP_REASON_NONE, N, N, N, RS(BAD_PCT) },
	{ "rf obsolete", "v=DMARC1; p=none; rf=afrf", OK, MP_REASON_NONE, N, N, N, RS(OBSOLETE_RF) },
	{ "rf bad", "v=DMARC1; p=none; rf=bob", OK, MP_REASON_NONE, N, N, N, RS(BAD_RF) },
	{ "ri obsolete", "v=DMARC1; p=none; ri=3600", OK, MP_REASON_NONE, N, N, N, RS(OBSOLETE_RI) },
	{ "ri bad", "v=DMARC1; p=none; ri=bob", OK, MP_REASON_NONE, N, N, N, RS(BAD_RI) },
	{ "ri overflow", "v=DMARC1; p=none; ri=99999999999", OK, MP_REASON_NONE, N, N, N, RS(BAD_RI) },
	{ "too many uris",
	  "v=DMARC1; p=none; rua=mailto:a@x.example,mailto:b@x.example,mailto:c@x.example,"
	  "mailto:d@x.example,mailto:e@x.example,mailto:f@x.example,mailto:g@x.example,"
	  "mailto:h@x.example,mailto:i@x.example,mailto:j@x.example,mailto:k@x.example,"
	  "mailto:l@x.example,mailto:m@x.example,mailto:n@x.example,mailto:o@x.example,"
	  "mailto:p@x.example,mailto:q@x.example",
	  OK, MP_REASON_NONE, N, N, N, RS(TOO_MANY_URIS) },
};

/* has_finding - is reason among r's findings? */
static bool
has_finding(const struct mp_dmarc_record *r, enum mp_reason reason)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].reason == reason)
			return true;
	return false;
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rec_case *c = &cases[i];
		struct mp_dmarc_record r;

		print_message("case: %s\n", c->name);
		assert_int_equal(mp_dmarc_record_parse(mp_str_c(c->text), &r), MP_OK);
		assert_int_equal(r.status, c->status);
		assert_int_equal(r.reason, c->reason);
		if (r.status == MP_DMARC_REC_OK) {
			assert_int_equal(r.eff_p, c->p);
			assert_int_equal(r.eff_sp, c->sp);
			assert_int_equal(r.eff_np, c->np);
		}
		if (c->finding != MP_REASON_NONE)
			assert_true(has_finding(&r, c->finding));
		else if (r.status == MP_DMARC_REC_OK)
			assert_int_equal(r.nfindings, 0);
		assert_int_equal(mp_dmarc_is_record(mp_str_c(c->text)), r.status != MP_DMARC_REC_NOT_DMARC);
	}
}

static void
test_every_tag(void **state)
{
	struct mp_dmarc_record r;
	const char *t = "v=DMARC1; p=quarantine; sp=reject; np=none; psd=n; t=y; adkim=s; aspf=s; "
	                "rua=mailto:agg@example.com, https://r.example/x; "
	                "ruf=mailto:fail@example.com!5k; fo=d:1:s; pct=20; rf=afrf; ri=3600";

	(void)state;
	assert_int_equal(mp_dmarc_record_parse(mp_str_c(t), &r), MP_OK);
	assert_int_equal(r.status, MP_DMARC_REC_OK);
	assert_int_equal(r.p, Q);
	assert_int_equal(r.sp, R);
	assert_int_equal(r.np, N);
	assert_int_equal(r.psd, MP_DMARC_PSD_N);
	assert_true(r.t);
	assert_int_equal(r.adkim, MP_DMARC_STRICT);
	assert_int_equal(r.aspf, MP_DMARC_STRICT);
	assert_int_equal(r.nrua, 2);
	assert_true(mp_str_eq_c(r.rua[0].uri, "mailto:agg@example.com"));
	assert_true(mp_str_eq_c(r.rua[0].scheme, "mailto"));
	assert_true(mp_str_eq_c(r.rua[1].uri, "https://r.example/x"));
	assert_int_equal(r.nruf, 1);
	assert_true(mp_str_eq_c(r.ruf[0].uri, "mailto:fail@example.com"));
	assert_true(mp_str_eq_c(r.ruf[0].size, "5k"));
	assert_int_equal(r.fo, MP_DMARC_FO_1 | MP_DMARC_FO_D | MP_DMARC_FO_S);
	assert_true(r.has_pct);
	assert_int_equal(r.pct, 20);
	assert_true(r.has_rf);
	assert_true(r.has_ri);
	assert_int_equal(r.ri, 3600);
	assert_true(has_finding(&r, RS(OBSOLETE_PCT)));
	assert_true(has_finding(&r, RS(OBSOLETE_RF)));
	assert_true(has_finding(&r, RS(OBSOLETE_RI)));
	assert_true(has_finding(&r, RS(OBSOLETE_URI_SIZE)));
}

static void
test_defaults(void **state)
{
	struct mp_dmarc_record r;

	(void)state;
	assert_int_equal(mp_dmarc_record_parse(mp_str_c("v=DMARC1; p=reject"), &r), MP_OK);
	assert_int_equal(r.adkim, MP_DMARC_RELAXED);
	assert_int_equal(r.aspf, MP_DMARC_RELAXED);
	assert_int_equal(r.psd, MP_DMARC_PSD_U);
	assert_false(r.t);
	assert_int_equal(r.fo, MP_DMARC_FO_0);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.ri, 86400);
	assert_false(r.has_pct);
	assert_int_equal(r.sp, U);   /* as published */
	assert_int_equal(r.eff_sp, R);
}

static void
test_nul_and_limits(void **state)
{
	struct mp_dmarc_record r;
	static const char nul[] = "v=DMARC1; p=re\0ject; rua=mailto:a@example.com";
	char *big;

	(void)state;
	assert_int_equal(mp_dmarc_record_parse(mp_str_make(nul, sizeof nul - 1), &r), MP_OK);
	assert_int_equal(r.status, MP_DMARC_REC_OK);
	assert_int_equal(r.reason, RS(P_NONE_BY_RUA));
	assert_true(has_finding(&r, RS(NUL_BYTE)));
	assert_int_equal(r.eff_p, N);

	big = malloc(MP_LIMIT_DMARC_RECORD + 100);
	assert_non_null(big);
	memset(big, 'a', MP_LIMIT_DMARC_RECORD + 100);
	memcpy(big, "v=DMARC1; p=reject; x=", 22);
	assert_int_equal(mp_dmarc_record_parse(mp_str_make(big, MP_LIMIT_DMARC_RECORD + 100), &r),
	                 MP_OK);
	assert_int_equal(r.status, MP_DMARC_REC_NO_POLICY);
	assert_int_equal(r.reason, RS(RECORD_TOO_LONG));
	free(big);

	/* findings are bounded */
	struct mp_buf b;
	mp_buf_init(&b, 100000);
	assert_int_equal(mp_buf_append_c(&b, "v=DMARC1; p=none"), MP_OK);
	for (int i = 0; i < 100; i++)
		assert_int_equal(mp_buf_append_c(&b, "; x=1"), MP_OK);
	assert_int_equal(mp_dmarc_record_parse(mp_buf_str(&b), &r), MP_OK);
	assert_int_equal(r.nfindings, MP_LIMIT_DMARC_FINDINGS);
	assert_int_equal(r.status, MP_DMARC_REC_OK);
	mp_buf_fini(&b);
}

static void
test_weaker_and_names(void **state)
{
	(void)state;
	assert_int_equal(mp_dmarc_policy_weaker(R), Q);
	assert_int_equal(mp_dmarc_policy_weaker(Q), N);
	assert_int_equal(mp_dmarc_policy_weaker(N), N);
	assert_string_equal(mp_dmarc_result_name(MP_DMARC_TEMPERROR), "temperror");
	assert_string_equal(mp_dmarc_policy_name(Q), "quarantine");
	assert_string_equal(mp_reason_token(RS(NO_POLICY)), "dmarc-no-policy");
}

/* OpenDMARC's table: our status where RFC 9989 agrees with OpenDMARC, and
 * the documented departures (see docs/dmarc.md) where it does not */
static void
test_opendmarc_table(void **state)
{
	const char *dir = getenv("MAILPROOF_TESTDATA");
	char path[4096], line[2048];
	FILE *f;
	int n = 0;

	(void)state;
	if (dir == NULL)
		dir = "../shared/testdata";
	snprintf(path, sizeof path, "%s/dmarc/opendmarc/dmarc-record-parse.tsv", dir);
	if ((f = fopen(path, "r")) == NULL) {
		print_message("SKIPPED: %s missing\n", path);
		skip();
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *id, *rec, *want, *save = NULL;
		struct mp_dmarc_record r;
		bool ok;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		id = line;
		if ((rec = strchr(id, '\t')) == NULL)
			continue;
		*rec++ = '\0';
		if ((want = strchr(rec, '\t')) == NULL)
			continue;
		*want++ = '\0';
		(void)save;
		mp_dmarc_record_parse(mp_str_c(rec), &r);
		/* is any error found at all? */
		ok = r.status == MP_DMARC_REC_OK;
		for (size_t i = 0; i < r.nfindings; i++)
			if (r.findings[i].error)
				ok = false;
		print_message("opendmarc %s: %s -> %s\n", id, want, ok ? "ok" : "error");
		if (strcmp(id, "5") == 0) {
			/* RFC-DEVIATION (theirs): OpenDMARC accepts p=n; RFC 9989
			 * §4.8 dmarc-request is none/quarantine/reject only */
			assert_false(ok);
			assert_int_equal(r.status, MP_DMARC_REC_NO_POLICY);
		} else if (strcmp(want, "DMARC_PARSE_OKAY") == 0) {
			assert_int_equal(r.status, MP_DMARC_REC_OK);
			if (strcmp(id, "18") != 0)   /* 18 has unknown tags: notes only */
				assert_true(ok);
		} else if (strcmp(want, "DMARC_PARSE_ERROR_EMPTY") == 0) {
			assert_int_equal(r.reason, RS(EMPTY));
		} else if (strcmp(want, "DMARC_PARSE_ERROR_BAD_VERSION") == 0) {
			assert_int_equal(r.status, MP_DMARC_REC_NOT_DMARC);
		} else if (strcmp(want, "DMARC_PARSE_ERROR_NO_REQUIRED_P") == 0) {
			assert_int_equal(r.status, MP_DMARC_REC_NO_POLICY);
			assert_true(has_finding(&r, RS(NO_P)));
		} else {
			assert_false(ok);
		}
		n++;
	}
	fclose(f);
	assert_int_equal(n, 19);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_tag),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_nul_and_limits),
		cmocka_unit_test(test_weaker_and_names),
		cmocka_unit_test(test_opendmarc_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
