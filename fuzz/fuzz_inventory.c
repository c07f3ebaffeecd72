/* fuzz_inventory.c - the plan inventory loader on arbitrary bytes.
 * Invariants: an error always names the file (and is a PLAN_SYNTAX reason);
 * a loaded inventory always builds into a plan whose every record formats
 * as a zone line; nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/plan.h>

static const char catalog[] =
	"providers:\n"
	"  - {id: p1, spf_include: _spf.p1.example, dkim: {cname: [{selector: s1, target: 's1.{domain_dashed}.p1.example'}]}}\n"
	"  - {id: p2, kind: mailbox, params: [t], spf_include: '{t}.p2.example', dkim: {key: ['k{t}']}}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_plan_inventory *inv = NULL;
	struct mp_plan_result *r = NULL;
	struct mp_plan_opts o = { .yyyymm = "202601", .seeded = true, .seed = 42 };
	struct mp_why why;
	struct mp_buf line;
	enum mp_status st;

	mp_why_clear(&why);
	st = mp_plan_load(MP_STR_LIT(catalog), "catalog.yml", mp_str_make((const char *)data, size),
	    "inv.yml", &inv, &why);
	if (st != MP_OK) {
		if (st == MP_EINVAL && (strncmp(why.text, "inv.yml:", 8) != 0 ||
		    why.reason != MP_REASON_PLAN_SYNTAX))
			abort();
		if (inv != NULL)
			abort();
		return 0;
	}
	st = mp_plan_build(inv, &o, &r, &why);
	if (st != MP_OK && st != MP_ENOMEM)
		abort();
	mp_buf_init(&line, 1u << 20);
	for (size_t i = 0; r && i < r->nrecords; i++) {
		mp_buf_reset(&line);
		if (mp_plan_zone_line(&r->records[i], &line) != MP_OK || line.len == 0)
			abort();
		if (memchr(line.ptr, '\n', line.len) != NULL)   /* one record, one line */
			abort();
	}
	mp_buf_fini(&line);
	mp_plan_result_free(r);
	mp_plan_inventory_free(inv);
	return 0;
}
