/* libspf2_bench.c - drive libspf2 in-process over a batch file, the way the
 * benchmark drives mailproof: one process, every envelope of the file.
 * usage: libspf2_bench [--cache] BATCH    (BATCH lines: IP MAIL_FROM HELO)
 * Prints one result per line ("LINE<TAB>result") so the runner can compare
 * answers; DNS goes through the system resolver (/etc/resolv.conf). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <spf2/spf.h>

int
main(int argc, char **argv)
{
	SPF_server_t *srv;
	FILE *f;
	char line[2048], ip[128], from[1024], helo[512];
	unsigned long n = 0;
	int cache = argc > 2 && strcmp(argv[1], "--cache") == 0;

	if (argc < 2) {
		fprintf(stderr, "usage: libspf2_bench [--cache] BATCH\n");
		return 2;
	}
	if ((f = fopen(argv[argc - 1], "r")) == NULL) {
		perror(argv[argc - 1]);
		return 2;
	}
	srv = SPF_server_new(cache ? SPF_DNS_CACHE : SPF_DNS_RESOLV, 0);
	if (srv == NULL)
		return 3;
	while (fgets(line, sizeof line, f) != NULL) {
		SPF_request_t *req;
		SPF_response_t *resp = NULL;
		char *p = line, *fields[3] = { NULL, NULL, NULL };
		int k = 0;

		n++;
		while (k < 3 && (fields[k] = strsep(&p, "\t\n")) != NULL)
			k++;
		if (k < 3 || fields[0] == NULL || fields[1] == NULL || fields[2] == NULL)
			continue;
		snprintf(ip, sizeof ip, "%s", fields[0]);
		snprintf(from, sizeof from, "%s", fields[1]);
		snprintf(helo, sizeof helo, "%s", fields[2]);
		req = SPF_request_new(srv);
		if (strchr(ip, ':') ? SPF_request_set_ipv6_str(req, ip) :
		    SPF_request_set_ipv4_str(req, ip)) {
			SPF_request_free(req);
			continue;
		}
		SPF_request_set_helo_dom(req, helo);
		SPF_request_set_env_from(req, from);
		SPF_request_query_mailfrom(req, &resp);
		printf("%lu\t%s\n", n, SPF_strresult(SPF_response_result(resp)));
		SPF_response_free(resp);
		SPF_request_free(req);
	}
	fclose(f);
	SPF_server_free(srv);
	return 0;
}
