/* check_text.c - the human report of one check: the verdict line first
 * (green / yellow / red with colour), a summary per mechanism, findings
 * grouped by mechanism, then the fixes. Every line fits 80 columns: text
 * is word-wrapped, long TXT fixes are split into several quoted strings
 * (joined again by DNS, RFC 7208 §3.3), other long values are cut with
 * "...". Untrusted bytes are shown as \xHH. Thread-safe (no state).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/check.h>
#include <mailproof/dns.h>

#include "check_internal.h"

#define WIDTH 80

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[1;32m"
#define C_YELLOW "\033[1;33m"
#define C_DIM "\033[2m"

/* utf8_len - length of a valid UTF-8 sequence of a printable code point
 * (>= U+00A0, so no C1 control) at s[i], or 0 */
static size_t
utf8_len(struct mp_str s, size_t i)
{
	unsigned char c0 = (unsigned char)s.ptr[i];
	size_t n = c0 >= 0xf0 && c0 <= 0xf4 ? 4 : c0 >= 0xe0 ? 3 : c0 >= 0xc2 && c0 < 0xe0 ? 2 : 0;
	uint32_t cp;

	if (n == 0 || i + n > s.len)
		return 0;
	cp = c0 & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		unsigned char ck = (unsigned char)s.ptr[i + k];
		if ((ck & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (ck & 0x3f);
	}
	if (cp < 0xa0 || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* put_safe - text at most max columns ("..." when cut): printable ASCII
 * and valid UTF-8 as is, any other byte (controls, escapes) as \xHH */
static void
put_safe(struct mp_buf *b, struct mp_str s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t col = 0;

	for (size_t i = 0; i < s.len;) {
		unsigned char ch = (unsigned char)s.ptr[i];
		size_t u = ch >= 0x80 ? utf8_len(s, i) : 0;
		size_t w = (ch >= 0x20 && ch < 0x7f) || u > 0 ? 1 : 4;

		if (col + w > max - 3 && (i + (u ? u : 1) < s.len || col + w > max)) {
			mp_buf_append_c(b, "...");
			return;
		}
		if (u > 0) {
			mp_buf_append(b, s.ptr + i, u);
			i += u;
		} else if (w == 1) {
			mp_buf_append_byte(b, (char)ch);
			i++;
		} else {
			char e[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 0xf] };
			mp_buf_append(b, e, 4);
			i++;
		}
		col += w;
	}
}

/* wrap - text word-wrapped at WIDTH, every line indented by indent */
static void
wrap(struct mp_buf *b, struct mp_str s, size_t indent)
{
	size_t width = WIDTH - indent, i = 0;

	while (i < s.len) {
		size_t len = s.len - i, cut;

		if (len > width) {
			for (cut = width; cut > 0 && s.ptr[i + cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = width;
			len = cut;
		}
		for (size_t k = 0; k < indent; k++)
			mp_buf_append_byte(b, ' ');
		put_safe(b, mp_str_make(s.ptr + i, len), len * 4 + 4);
		mp_buf_append_byte(b, '\n');
		i += len;
		while (i < s.len && s.ptr[i] == ' ')
			i++;
	}
}

/* fix_line - one zone-file line of a fix; a TXT record longer than the
 * screen becomes ( "part" "part" ) which DNS joins back together */
static void
fix_line(struct mp_buf *b, struct mp_str line, size_t indent)
{
	ptrdiff_t q = -1;
	const size_t chunk = WIDTH - indent - 6;

	for (size_t i = 0; i + 5 < line.len; i++)
		if (memcmp(line.ptr + i, "TXT \"", 5) == 0) {
			q = (ptrdiff_t)i + 4;
			break;
		}
	if (q < 0 && line.len + indent > WIDTH) {   /* advice, not a record */
		wrap(b, line, indent);
		return;
	}
	if (line.len + indent <= WIDTH || q < 0 || line.ptr[line.len - 1] != '"') {
		for (size_t k = 0; k < indent; k++)
			mp_buf_append_byte(b, ' ');
		put_safe(b, line, line.len * 4 + 4);   /* records are never cut */
		mp_buf_append_byte(b, '\n');
		return;
	}
	for (size_t k = 0; k < indent; k++)
		mp_buf_append_byte(b, ' ');
	mp_buf_append(b, line.ptr, (size_t)q);
	mp_buf_append_c(b, "(\n");
	for (size_t i = (size_t)q + 1; i < line.len - 1; i += chunk) {
		size_t n = line.len - 1 - i < chunk ? line.len - 1 - i : chunk;

		for (size_t k = 0; k < indent + 4; k++)
			mp_buf_append_byte(b, ' ');
		mp_buf_append_byte(b, '"');
		put_safe(b, mp_str_make(line.ptr + i, n), n * 4 + 4);
		mp_buf_append_c(b, "\"\n");
	}
	for (size_t k = 0; k < indent + 4; k++)
		mp_buf_append_byte(b, ' ');
	mp_buf_append_c(b, ")\n");
}

/* summary_line - "  NAME    value" cut to the width */
static void
summary_line(struct mp_buf *b, const char *name, struct mp_str value)
{
	mp_buf_printf(b, "  %-8s ", name);
	put_safe(b, value, WIDTH - 11);
	mp_buf_append_byte(b, '\n');
}

/* state_or - value when present, else the state's word */
static struct mp_str
state_or(enum mp_check_state st, struct mp_str value)
{
	if ((st == MP_CHECK_ST_PRESENT || st == MP_CHECK_ST_NOT_CHECKED || st == MP_CHECK_ST_INVALID) &&
	    value.len > 0)
		return value;
	return mp_str_c(st == MP_CHECK_ST_ABSENT ? "none" : mp_check_state_name(st));
}

/* summaries - one line per mechanism */
static void
summaries(struct mp_buf *b, const struct mp_check_result *r)
{
	char line[256];
	size_t n = 0;

	summary_line(b, "SPF", state_or(r->spf.state, r->spf.record));
	if (r->spf.linted) {
		snprintf(line, sizeof line, "%u of 10 DNS lookups, %u void", r->spf.lookups,
		    r->spf.void_lookups);
		summary_line(b, "", mp_str_c(line));
	}
	summary_line(b, "DMARC", state_or(r->dmarc.state, r->dmarc.record));
	if (r->dmarc.found_at.len > 0 && r->dmarc.method.len > 0) {
		snprintf(line, sizeof line, "found at %.*s (%.*s)", (int)r->dmarc.found_at.len,
		    r->dmarc.found_at.ptr, (int)r->dmarc.method.len, r->dmarc.method.ptr);
		summary_line(b, "", mp_str_c(line));
	}
	line[0] = '\0';
	for (size_t i = 0; i < r->dkim.nkeys && n + 40 < sizeof line; i++) {
		const struct mp_check_dkim_key *k = &r->dkim.keys[i];
		int w = snprintf(line + n, sizeof line - n, "%s%.*s", i ? ", " : "",
		    (int)(k->selector.len > 24 ? 24 : k->selector.len), k->selector.ptr);
		n += w > 0 ? (size_t)w : 0;
		if (k->bits && n + 20 < sizeof line) {
			w = snprintf(line + n, sizeof line - n, " (%.*s %u)", (int)k->key_type.len,
			    k->key_type.ptr, k->bits);
			n += w > 0 ? (size_t)w : 0;
		}
	}
	if (r->dkim.nkeys == 0 && r->dkim.nprobed == 0)
		snprintf(line, sizeof line, "not checked");
	else if (r->dkim.nkeys == 0)
		snprintf(line, sizeof line, "no key at %zu selectors probed", r->dkim.nprobed);
	summary_line(b, "DKIM", mp_str_c(line));
	n = 0;
	line[0] = '\0';
	if (r->mx.null_mx)
		snprintf(line, sizeof line, "null MX (accepts no mail)");
	for (size_t i = 0; i < r->mx.nhosts && n + 40 < sizeof line; i++) {
		int w = snprintf(line + n, sizeof line - n, "%s%u %.*s", i ? ", " : "",
		    r->mx.hosts[i].pref, (int)(r->mx.hosts[i].host.len > 60 ? 60 :
		    r->mx.hosts[i].host.len), r->mx.hosts[i].host.ptr);
		n += w > 0 ? (size_t)w : 0;
	}
	summary_line(b, "MX", line[0] ? mp_str_c(line) :
	    mp_str_c(r->mx.state == MP_CHECK_ST_ABSENT ? "none" : mp_check_state_name(r->mx.state)));
	if (r->mx.null_mx && r->mx.nhosts == 0)
		snprintf(line, sizeof line, "MTA-STS, TLS-RPT not needed (null MX), BIMI %s",
		    mp_check_state_name(r->bimi.state));
	else
		snprintf(line, sizeof line, "MTA-STS %s, TLS-RPT %s, BIMI %s",
		    mp_check_state_name(r->mta_sts.state), mp_check_state_name(r->tls_rpt.state),
		    mp_check_state_name(r->bimi.state));
	summary_line(b, "Other", mp_str_c(line));
}

/* verdict_line - the first line */
static void
verdict_line(struct mp_buf *b, const struct mp_check_result *r, bool colour)
{
	static const char *const colours[] = { C_GREEN, C_YELLOW, C_RED, C_BOLD };
	static const char *const words[] = { "PROTECTED", "AT RISK", "NOT PROTECTED", "UNKNOWN" };

	put_safe(b, r->domain, 50);
	mp_buf_printf(b, ": %s%s%s\n", colour ? colours[r->verdict] : "", words[r->verdict],
	    colour ? C_RESET : "");
	wrap(b, r->verdict_reason, 2);
}

/* mp_check_format_text - the whole human report */
enum mp_status
mp_check_format_text(const struct mp_check_result *r, bool colour, struct mp_buf *out)
{
	bool any_fix = false;

	verdict_line(out, r, colour);
	mp_buf_append_byte(out, '\n');
	summaries(out, r);
	if (r->nfindings > 0)
		mp_buf_append_c(out, "\nFindings\n");
	for (int a = 0; a < MP_CHECK_AREA__COUNT; a++) {
		bool head = false;

		for (size_t i = 0; i < r->nfindings; i++) {
			const struct mp_check_finding *f = &r->findings[i];
			const char *c = !colour ? "" : f->severity >= MP_CHECK_SEV_ERROR ? C_RED :
			    f->severity == MP_CHECK_SEV_WARNING ? C_YELLOW : C_DIM;

			if ((int)f->area != a)
				continue;
			if (!head)
				mp_buf_printf(out, " %s\n", mp_check_area_name(f->area));
			head = true;
			mp_buf_printf(out, "  %s%-8s%s %s\n", c, mp_check_severity_name(f->severity),
			    colour ? C_RESET : "", mp_reason_token(f->id));
			wrap(out, f->message, 11);
			any_fix = any_fix || f->fix.len > 0;
		}
	}
	if (any_fix)
		mp_buf_append_c(out, "\nFixes (zone-file lines to publish)\n");
	for (size_t i = 0; i < r->nfindings; i++) {
		struct mp_str fix = r->findings[i].fix;
		size_t start = 0;

		if (fix.len == 0)
			continue;
		mp_buf_printf(out, "  %s:\n", mp_reason_token(r->findings[i].id));
		for (size_t k = 0; k <= fix.len; k++)
			if (k == fix.len || fix.ptr[k] == '\n') {
				fix_line(out, mp_str_make(fix.ptr + start, k - start), 4);
				start = k + 1;
			}
	}
	return out->len >= out->max ? MP_ELIMIT : MP_OK;
}
