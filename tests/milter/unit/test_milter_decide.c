/* test_milter_decide.c - inbound enforcement (policy, overrides,
 * report-only, temperror), internal errors, binding replies; recognising
 * Authentication-Results and Received-SPF fields that carry our id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

static const struct decide_case {
	const char *name;
	const char *config;             /* lines after Socket */
	enum milter_dmarc dmarc;
	enum milter_disp policy;
	const char *domain;
	bool temperror;
	enum milter_action want;
	const char *rcode, *xcode;
	bool enforced;
	const char *text;
} cases[] = {
	{ "pass accepts", "", MILTER_DMARC_PASS, MILTER_DISP_REJECT, "a.test", false,
	  MILTER_ACT_ACCEPT, NULL, NULL, true, "" },
	{ "fail p=reject rejects", "", MILTER_DMARC_FAIL, MILTER_DISP_REJECT, "bank.test", false,
	  MILTER_ACT_REJECT, "550", "5.7.1", true,
	  "DMARC policy of bank.test: reject (message failed DMARC)" },
	{ "fail p=quarantine quarantines", "", MILTER_DMARC_FAIL, MILTER_DISP_QUARANTINE, "q.test",
	  false, MILTER_ACT_QUARANTINE, NULL, NULL, true,
	  "DMARC policy of q.test: quarantine (message failed DMARC)" },
	{ "fail p=none accepts", "", MILTER_DMARC_FAIL, MILTER_DISP_NONE, "n.test", false,
	  MILTER_ACT_ACCEPT, NULL, NULL, true, "" },
	{ "report-only never rejects", "DMARCEnforce report-only\n", MILTER_DMARC_FAIL,
	  MILTER_DISP_REJECT, "bank.test", false, MILTER_ACT_ACCEPT, NULL, NULL, false,
	  "DMARC policy of bank.test: reject (message failed DMARC)" },
	{ "enforce no", "DMARCEnforce no\n", MILTER_DMARC_FAIL, MILTER_DISP_REJECT, "bank.test",
	  false, MILTER_ACT_ACCEPT, NULL, NULL, false, "" },
	{ "override to none", "DMARCOverride list.test=none\n", MILTER_DMARC_FAIL,
	  MILTER_DISP_REJECT, "list.test", false, MILTER_ACT_ACCEPT, NULL, NULL, true, "" },
	{ "override to reject", "DMARCOverride weak.test=reject\n", MILTER_DMARC_FAIL,
	  MILTER_DISP_NONE, "weak.test", false, MILTER_ACT_REJECT, "550", "5.7.1", true, "" },
	{ "override other domain", "DMARCOverride other.test=none\n", MILTER_DMARC_FAIL,
	  MILTER_DISP_REJECT, "bank.test", false, MILTER_ACT_REJECT, "550", "5.7.1", true, "" },
	{ "dmarc temperror tempfails", "", MILTER_DMARC_TEMPERROR, MILTER_DISP_NONE, "t.test",
	  true, MILTER_ACT_TEMPFAIL, "451", "4.7.5", true,
	  "temporary DNS failure checking t.test; try again later" },
	{ "temperror accept", "OnTempError accept\n", MILTER_DMARC_TEMPERROR, MILTER_DISP_NONE,
	  "t.test", true, MILTER_ACT_ACCEPT, NULL, NULL, false, "" },
	{ "spf temperror but dmarc pass", "", MILTER_DMARC_PASS, MILTER_DISP_REJECT, "t.test",
	  true, MILTER_ACT_ACCEPT, NULL, NULL, true, "" },
	{ "temperror and no dmarc answer", "", MILTER_DMARC_NONE, MILTER_DISP_NONE, "t.test",
	  true, MILTER_ACT_TEMPFAIL, "451", "4.7.5", true, "" },
	{ "permerror accepts", "", MILTER_DMARC_PERMERROR, MILTER_DISP_NONE, "p.test", false,
	  MILTER_ACT_ACCEPT, NULL, NULL, true, "" },
};

static void
test_inbound(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct decide_case *c = &cases[i];
		struct milter_config cfg;
		struct milter_verdict v = { c->dmarc, c->policy, mp_str_c(c->domain), c->temperror };
		struct milter_decision d;
		struct mp_why why;
		char text[512];

		snprintf(text, sizeof text, "Socket inet:1@127.0.0.1\n%s", c->config);
		milter_config_init(&cfg);
		assert_int_equal(milter_config_parse(&cfg, mp_str_c(text), "c", &why), MP_OK);
		milter_decide_inbound(&cfg, &v, &d);
		if (d.action != c->want || d.enforced != c->enforced ||
		    (c->rcode && (d.rcode == NULL || strcmp(d.rcode, c->rcode) != 0)) ||
		    (c->xcode && (d.xcode == NULL || strcmp(d.xcode, c->xcode) != 0)) ||
		    (!c->rcode && d.rcode) || (c->text[0] && strcmp(d.text, c->text) != 0))
			fail_msg("%s: got %s %s %d \"%s\"", c->name, milter_action_name(d.action),
			    d.rcode ? d.rcode : "-", d.enforced, d.text);
		milter_config_fini(&cfg);
	}
}

static void
test_internal_and_binding(void **state)
{
	struct milter_config cfg;
	struct milter_decision d;
	struct mp_why why;

	(void)state;
	milter_config_init(&cfg);
	assert_int_equal(milter_config_parse(&cfg, MP_STR_LIT("Socket inet:1@a\n"), "c", &why), MP_OK);
	milter_decide_internal(&cfg, "out of memory", &d);
	assert_int_equal(d.action, MILTER_ACT_TEMPFAIL);   /* default: never lose mail */
	assert_string_equal(d.rcode, "451");
	assert_string_equal(d.xcode, "4.7.5");
	assert_string_equal(d.text, "internal error (out of memory); try again later");
	cfg.on_internal_error = MILTER_ON_ACCEPT;
	milter_decide_internal(&cfg, "x", &d);
	assert_int_equal(d.action, MILTER_ACT_ACCEPT);
	milter_config_fini(&cfg);

	mp_why_setf(&why, MP_REASON_MILTER_BIND_FROM_NOT_OWNED, "login a may not use From address b@c");
	milter_decide_binding(&why, &d);
	assert_int_equal(d.action, MILTER_ACT_REJECT);
	assert_string_equal(d.rcode, "553");
	assert_string_equal(d.xcode, "5.7.1");
	assert_string_equal(d.text, "sender address rejected: login a may not use From address b@c");
}

static const struct ours_case {
	const char *name;
	bool received_spf;
	const char *value;
	bool ours;
} ours[] = {
	{ "plain", false, " mx.example.test; spf=pass smtp.mailfrom=a@b", true },
	{ "case", false, " MX.Example.TEST; dkim=pass", true },
	{ "version", false, " mx.example.test 1; none", true },
	{ "comment first", false, " (forged) mx.example.test; dmarc=pass", true },
	{ "folded", false, "\r\n\tmx.example.test;\r\n\tspf=pass", true },
	{ "quoted", false, " \"mx.example.test\"; spf=pass", true },
	{ "no result", false, " mx.example.test", true },
	{ "other id", false, " mx.other.test; spf=pass", false },
	{ "prefix only", false, " mx.example.test.evil; spf=pass", false },
	{ "suffix only", false, " example.test; spf=pass", false },
	{ "empty", false, "", false },
	{ "unclosed comment", false, " (mx.example.test", false },
	{ "deep comments", false, " ((((((((((((((((((((x))))))))))))))))))) mx.example.test;", false },
	{ "spf receiver", true, " pass (mx: domain of a@b designates 192.0.2.1) client-ip=192.0.2.1; "
	  "envelope-from=a@b; receiver=mx.example.test;", true },
	{ "spf other receiver", true, " pass client-ip=192.0.2.1; receiver=mx.other.test;", false },
	{ "spf no receiver", true, " pass client-ip=192.0.2.1", false },
	{ "spf x-receiver is not receiver", true, " pass x-receiver=mx.example.test", false },
};

static void
test_ours(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
		const struct ours_case *c = &ours[i];
		bool got = c->received_spf
		    ? milter_received_spf_is_ours(mp_str_c(c->value), MP_STR_LIT("mx.example.test"))
		    : milter_authres_is_ours(mp_str_c(c->value), MP_STR_LIT("mx.example.test"));
		if (got != c->ours)
			fail_msg("%s: got %d", c->name, got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound),
		cmocka_unit_test(test_internal_and_binding),
		cmocka_unit_test(test_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
