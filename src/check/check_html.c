/* check_html.c - a self-contained HTML report (no external assets): a
 * head with inline CSS, one card per domain (verdict, summary, findings
 * with their fixes), a tail with the counts. Every byte from DNS is
 * HTML-escaped; odd bytes are shown as \xHH. Thread-safe (no state).
 */
#include <stdio.h>
#include <string.h>

#include <mailproof/check.h>

#include "check_internal.h"

/* esc - text for HTML element content or attribute values */
static void
esc(struct mp_buf *b, struct mp_str s)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];

		switch (ch) {
		case '<': mp_buf_append_c(b, "&lt;"); break;
		case '>': mp_buf_append_c(b, "&gt;"); break;
		case '&': mp_buf_append_c(b, "&amp;"); break;
		case '"': mp_buf_append_c(b, "&quot;"); break;
		case '\'': mp_buf_append_c(b, "&#39;"); break;
		case '\n': mp_buf_append_byte(b, '\n'); break;
		default:
			if (ch >= 0x20 && ch < 0x7f) {
				mp_buf_append_byte(b, (char)ch);
			} else {
				char e[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 0xf] };
				mp_buf_append(b, e, 4);
			}
		}
	}
}

/* mp_check_format_html_head - document start with the style sheet */
enum mp_status
mp_check_format_html_head(struct mp_buf *out, const char *title)
{
	mp_buf_append_c(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
	esc(out, mp_str_c(title));
	mp_buf_append_c(out, "</title>\n<style>\n"
	    "body{font-family:system-ui,sans-serif;margin:2em;background:#f4f5f7;color:#222}\n"
	    ".card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;margin:1em 0;"
	    "padding:1em 1.5em;border-left:8px solid #888}\n"
	    ".protected{border-color:#2e7d32}.at-risk{border-color:#f9a825}"
	    ".unprotected{border-color:#c62828}.unknown{border-color:#6a1b9a}\n"
	    ".verdict{font-weight:bold;text-transform:uppercase;padding:.1em .5em;border-radius:4px;"
	    "color:#fff}\n"
	    ".v-protected{background:#2e7d32}.v-at-risk{background:#f9a825;color:#222}"
	    ".v-unprotected{background:#c62828}.v-unknown{background:#6a1b9a}\n"
	    "table{border-collapse:collapse}td{padding:.15em .8em .15em 0;vertical-align:top}\n"
	    "pre{background:#f0f0f0;padding:.5em;white-space:pre-wrap;word-break:break-all}\n"
	    ".sev-critical,.sev-error{color:#c62828}.sev-warning{color:#a36b00}.sev-info{color:#555}\n"
	    "</style></head><body>\n<h1>");
	esc(out, mp_str_c(title));
	mp_buf_append_c(out, "</h1>\n");
	return out->len >= out->max ? MP_ELIMIT : MP_OK;
}

/* row - one summary table row */
static void
row(struct mp_buf *b, const char *name, enum mp_check_state st, struct mp_str value)
{
	mp_buf_printf(b, "<tr><td><b>%s</b></td><td>%s</td><td><code>", name,
	    mp_check_state_name(st));
	esc(b, value);
	mp_buf_append_c(b, "</code></td></tr>\n");
}

/* mp_check_format_html_card - one domain */
enum mp_status
mp_check_format_html_card(const struct mp_check_result *r, struct mp_buf *out)
{
	const char *v = mp_check_verdict_name(r->verdict);
	struct mp_str mx = r->mx.null_mx ? MP_STR_LIT("null MX") :
	    r->mx.nhosts > 0 ? r->mx.hosts[0].host : MP_STR_LIT("");

	mp_buf_printf(out, "<div class=\"card %s\"><h2>", v);
	esc(out, r->domain);
	mp_buf_printf(out, " <span class=\"verdict v-%s\">%s</span></h2>\n<p>", v, v);
	esc(out, r->verdict_reason);
	mp_buf_append_c(out, "</p>\n<table>\n");
	row(out, "SPF", r->spf.state, r->spf.record);
	row(out, "DMARC", r->dmarc.state, r->dmarc.record);
	row(out, "DKIM", r->dkim.nkeys ? MP_CHECK_ST_PRESENT : MP_CHECK_ST_ABSENT,
	    r->dkim.nkeys ? r->dkim.keys[0].selector : MP_STR_LIT(""));
	row(out, "MX", r->mx.state, mx);
	row(out, "MTA-STS", r->mta_sts.state, r->mta_sts.record);
	row(out, "TLS-RPT", r->tls_rpt.state, r->tls_rpt.record);
	row(out, "BIMI", r->bimi.state, r->bimi.record);
	mp_buf_append_c(out, "</table>\n");
	if (r->nfindings > 0)
		mp_buf_append_c(out, "<h3>Findings</h3>\n<ul>\n");
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct mp_check_finding *f = &r->findings[i];

		mp_buf_printf(out, "<li><span class=\"sev-%s\">%s</span> [%s] <code>%s</code>: ",
		    mp_check_severity_name(f->severity), mp_check_severity_name(f->severity),
		    mp_check_area_name(f->area), mp_reason_token(f->id));
		esc(out, f->message);
		if (f->fix.len > 0) {
			mp_buf_append_c(out, "<br>Fix:<pre>");
			esc(out, f->fix);
			mp_buf_append_c(out, "</pre>");
		}
		mp_buf_append_c(out, "</li>\n");
	}
	if (r->nfindings > 0)
		mp_buf_append_c(out, "</ul>\n");
	mp_buf_append_c(out, "</div>\n");
	return out->len >= out->max ? MP_ELIMIT : MP_OK;
}

/* mp_check_format_html_tail - counts and document end */
enum mp_status
mp_check_format_html_tail(struct mp_buf *out, const size_t counts[4])
{
	mp_buf_printf(out, "<div class=\"card\"><h2>Summary</h2><p>%zu protected, %zu at risk, "
	    "%zu not protected, %zu unknown.</p>\n<p>Not finding a DKIM selector does not prove "
	    "a domain has no DKIM: selectors cannot be listed.</p></div>\n</body></html>\n",
	    counts[0], counts[1], counts[2], counts[3]);
	return out->len >= out->max ? MP_ELIMIT : MP_OK;
}
