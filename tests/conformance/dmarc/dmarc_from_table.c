/* dmarc_from_table.c - OpenDMARC's From-domain extraction table
 * (test_finddomain.c, 15 cases) through mp_msg_author and
 * mp_dmarc_domain_norm. Where OpenDMARC guesses (several addresses, junk
 * around the address), mailproof fails closed: each such case is listed
 * here with the reason it must give. Exit 0 when every case matches, 77
 * when the table is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/dmarc.h>
#include <mailproof/msg.h>

/* cases where mailproof does not take OpenDMARC's answer, and why */
static const struct {
	const char *id;
	enum mp_reason why;
	const char *rule;
} closed[] = {
	{ "2", MP_REASON_MSG_NO_DOMAIN, "quoted-string then addr-spec: not a mailbox "
	  "(RFC 5322 §3.4: a display name needs an angle-addr)" },
	{ "6", MP_REASON_MSG_FROM_SYNTAX, "<<<><joe@joe.com>>> is not an RFC 5322 mailbox" },
	{ "7", MP_REASON_MSG_MULTIPLE_AUTHORS, "two mailboxes: RFC 9989 §5.3.1, no single author" },
	{ "8", MP_REASON_MSG_MULTIPLE_AUTHORS, "two mailboxes: RFC 9989 §5.3.1, no single author" },
	{ "9", MP_REASON_MSG_FROM_SYNTAX, "'Mail From:<...>' is not a mailbox (colon in a phrase)" },
	{ "12", MP_REASON_MSG_NO_DOMAIN, "quoted-string then addr-spec: not a mailbox "
	  "(RFC 5322 §3.4)" },
};

/* author - the author domain of "From: value", or why there is none */
static bool
author(const char *value, struct mp_arena *a, struct mp_str *domain, struct mp_why *why)
{
	char msg[4096];
	struct mp_msg *m = mp_msg_new();
	struct mp_addr addr;
	int n;

	n = snprintf(msg, sizeof msg, "From: %s\r\n\r\n", value);
	if (m == NULL || n < 0 || (size_t)n >= sizeof msg)
		exit(2);
	mp_msg_feed(m, msg, (size_t)n);
	mp_msg_end(m);
	mp_msg_author(m, a, &addr, why);
	mp_msg_free(m);
	if (mp_why_failed(why))
		return false;
	return mp_dmarc_domain_norm(a, addr.domain, domain);
}

int
main(int argc, char **argv)
{
	FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
	char line[2048];
	int n = 0, ok = 0, bad = 0;
	struct mp_arena a;

	if (f == NULL) {
		fprintf(stderr, "SKIPPED: OpenDMARC table missing\n");
		return 77;
	}
	mp_arena_init(&a, 1 << 20);
	while (fgets(line, sizeof line, f) != NULL) {
		char *id = line, *in, *want, *v;
		struct mp_str dom;
		struct mp_why why;
		const char *rule = NULL;
		enum mp_reason want_why = MP_REASON_NONE;
		bool got;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		if ((in = strchr(id, '\t')) == NULL || (want = strchr(in + 1, '\t')) == NULL)
			continue;
		*in++ = '\0';
		*want++ = '\0';
		v = strncmp(in, "From: ", 6) == 0 ? in + 6 : in;
		n++;
		for (size_t k = 0; k < sizeof closed / sizeof closed[0]; k++)
			if (strcmp(closed[k].id, id) == 0) {
				want_why = closed[k].why;
				rule = closed[k].rule;
			}
		mp_why_clear(&why);
		got = author(v, &a, &dom, &why);
		if (rule != NULL) {
			if (!got && why.reason == want_why) {
				printf("%-3s fail closed (%s): %s\n", id, mp_reason_token(why.reason), rule);
				ok++;
			} else {
				printf("%-3s MISMATCH: want %s, got %s %.*s\n", id, mp_reason_token(want_why),
				       got ? "domain" : mp_reason_token(why.reason), got ? (int)dom.len : 0,
				       got ? dom.ptr : "");
				bad++;
			}
		} else if (got && mp_str_eq_c(dom, want)) {
			printf("%-3s %s\n", id, want);
			ok++;
		} else {
			printf("%-3s MISMATCH: want %s, got %s %.*s\n", id, want,
			       got ? "" : mp_reason_token(why.reason), got ? (int)dom.len : 0,
			       got ? dom.ptr : "");
			bad++;
		}
		mp_arena_reset(&a);
	}
	fclose(f);
	mp_arena_fini(&a);
	printf("opendmarc from-domain: %d cases, %d as expected (%d same domain as OpenDMARC), %d mismatches\n",
	       n, ok, ok - (int)(sizeof closed / sizeof closed[0]), bad);
	return bad == 0 && n == 15 ? 0 : 1;
}
