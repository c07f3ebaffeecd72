/* dns_zonefile.c - RFC 1035 §5 master files into a struct mp_zone.
 *
 * Supported: $ORIGIN, $TTL (RFC 2308 §4), '@', relative names, a blank
 * owner continuing the previous one, optional TTL and class IN in either
 * order, parentheses across lines, ';' comments, quoted and unquoted
 * character-strings with \X and \DDD escapes (names too, \000 included),
 * TTL units (1h30m, BIND style), types A AAAA NS CNAME SOA PTR MX TXT SPF
 * TLSA, and the RFC 3597 generic form "TYPEnnn \# len hex" for any type.
 * Not supported, on purpose: $INCLUDE (a zone names no other files),
 * $GENERATE, classes other than IN. Every entry, token count and byte is
 * bounded (limits.h). Errors are "FILE:LINE: message". Thread-safe for
 * different zones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/dns.h>
#include <mailproof/str.h>

#include "dns_internal.h"

#define TTL_MAX 2147483647u /* RFC 2181 §8 */
#define TTL_DEFAULT 3600u   /* own: when neither $TTL nor a TTL was given */

struct ztok {
	struct mp_str s;        /* raw text, escapes not decoded, quotes removed */
	bool quoted;
	size_t line;
};

struct zreader {
	const char *p, *end;
	const char *file;
	size_t line;
	struct ztok *toks;
	size_t ntok, cap;
	bool blank_owner;       /* the entry began with white space */
	struct mp_dns_wname origin;
	bool has_origin;
	uint32_t ttl_dir, ttl_last;
	bool has_ttl_dir, has_ttl_last;
	struct mp_dns_wname prev;
	bool has_prev;
	const char *err;
	size_t err_line;
};

static const char oom[] = "out of memory";

/* fail - record an error at a line; returns false for "return fail(...)" */
static bool
fail(struct zreader *r, size_t line, const char *msg)
{
	r->err = msg;
	r->err_line = line;
	return false;
}

/* push - one token */
static bool
push(struct zreader *r, const char *start, size_t len, bool quoted)
{
	if (r->ntok >= MP_LIMIT_ZONE_TOKENS)
		return fail(r, r->line, "too many fields in one entry");
	if (r->ntok == r->cap) {
		size_t cap = r->cap * 2;
		struct ztok *t = mp_realloc(r->toks, cap * sizeof *t);
		if (t == NULL)
			return fail(r, r->line, oom);
		r->toks = t;
		r->cap = cap;
	}
	r->toks[r->ntok].s = mp_str_make(start, len);
	r->toks[r->ntok].quoted = quoted;
	r->toks[r->ntok].line = r->line;
	r->ntok++;
	return true;
}

/* is_word_end - bytes that end an unquoted word */
static bool
is_word_end(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' ||
	       c == ')' || c == '"';
}

/* read_quoted - "..." with escapes; the quote is at r->p */
static bool
read_quoted(struct zreader *r)
{
	const char *start = ++r->p;

	while (r->p < r->end && *r->p != '"') {
		if (*r->p == '\n')
			return fail(r, r->line, "newline in quoted string");
		if (*r->p == '\\' && r->p + 1 < r->end && r->p[1] != '\n')
			r->p++;
		r->p++;
	}
	if (r->p >= r->end)
		return fail(r, r->line, "unterminated quoted string");
	r->p++;
	return push(r, start, (size_t)(r->p - 1 - start), true);
}

/* read_word - unquoted word; '\' escapes the next byte */
static bool
read_word(struct zreader *r)
{
	const char *start = r->p;

	while (r->p < r->end && !is_word_end(*r->p)) {
		if (*r->p == '\\' && r->p + 1 < r->end && r->p[1] != '\n')
			r->p++;
		r->p++;
	}
	return push(r, start, (size_t)(r->p - start), false);
}

/* read_entry - the next logical entry's tokens; false at the end or on
 * error (r->err set) */
static bool
read_entry(struct zreader *r)
{
	const char *entry_start = NULL;
	size_t depth = 0, paren_line = 0;
	bool line_start = true;

	r->ntok = 0;
	r->err = NULL;
	while (r->p < r->end) {
		char c = *r->p;
		if (line_start && r->ntok == 0) {
			r->blank_owner = (c == ' ' || c == '\t');
			entry_start = r->p;
		}
		line_start = false;
		if (entry_start && (size_t)(r->p - entry_start) > MP_LIMIT_ZONE_LINE)
			return fail(r, r->line, "entry too long");
		if (c == '\n') {
			r->p++;
			r->line++;
			line_start = true;
			if (depth == 0 && r->ntok > 0)
				return true;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			r->p++;
		} else if (c == ';') {
			while (r->p < r->end && *r->p != '\n')
				r->p++;
		} else if (c == '(') {
			if (++depth > MP_LIMIT_ZONE_PAREN)
				return fail(r, r->line, "parentheses nested too deep");
			if (depth == 1)
				paren_line = r->line;
			r->p++;
		} else if (c == ')') {
			if (depth == 0)
				return fail(r, r->line, "')' without '('");
			depth--;
			r->p++;
		} else if (!(c == '"' ? read_quoted(r) : read_word(r))) {
			return false;
		}
	}
	if (depth > 0)
		return fail(r, paren_line, "'(' never closed");
	return r->ntok > 0;
}

/* app - append; *err tells out-of-memory from too-long rdata */
static bool
app(struct mp_buf *b, const void *p, size_t len, const char **err)
{
	enum mp_status st = mp_buf_append(b, p, len);

	if (st == MP_OK)
		return true;
	*err = st == MP_ENOMEM ? oom : "record data too long";
	return false;
}

/* unescape - decode \X and \DDD of a character-string into out */
static bool
unescape(struct mp_str s, struct mp_buf *out, const char **err)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '\\') {
			*err = "bad escape";
			if (++i >= s.len)
				return false;
			c = (unsigned char)s.ptr[i];
			if (mp_is_digit(c)) {
				unsigned v;
				if (s.len - i < 3 || !mp_is_digit((unsigned char)s.ptr[i + 1]) ||
				    !mp_is_digit((unsigned char)s.ptr[i + 2]))
					return false;
				v = (unsigned)(c - '0') * 100 + (unsigned)(s.ptr[i + 1] - '0') * 10 +
				    (unsigned)(s.ptr[i + 2] - '0');
				if (v > 255)
					return false;
				c = (unsigned char)v;
				i += 2;
			}
		}
		if (!app(out, &c, 1, err))
			return false;
	}
	return true;
}

/* parse_ttl - digits, or BIND units (1w2d3h4m5s); at most 2^31-1 */
static bool
parse_ttl(struct mp_str s, uint32_t *out)
{
	uint64_t total = 0, v;
	size_t i = 0, start;

	if (s.len == 0 || !mp_is_digit((unsigned char)s.ptr[0]))
		return false;
	while (i < s.len) {
		uint64_t mul = 1;
		start = i;
		while (i < s.len && mp_is_digit((unsigned char)s.ptr[i]))
			i++;
		if (!mp_parse_u64(mp_str_make(s.ptr + start, i - start), TTL_MAX, &v))
			return false;
		if (i < s.len) {
			switch (mp_lower((unsigned char)s.ptr[i++])) {
			case 'w': mul = 604800; break;
			case 'd': mul = 86400; break;
			case 'h': mul = 3600; break;
			case 'm': mul = 60; break;
			case 's': mul = 1; break;
			default: return false;
			}
		} else if (start > 0) {
			return false;   /* "1h30" is ambiguous */
		}
		total += v * mul;
		if (total > TTL_MAX)
			return false;
	}
	*out = (uint32_t)total;
	return true;
}

/* put16, put32 - big-endian integers */
static bool
put16(struct mp_buf *b, unsigned v, const char **err)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return app(b, x, 2, err);
}

static bool
put32(struct mp_buf *b, uint32_t v, const char **err)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return app(b, x, 4, err);
}

/* put_name - a name field (relative names under origin, '@' is origin) */
static bool
put_name(struct mp_str s, const struct mp_dns_wname *origin, struct mp_buf *b,
         const char **err)
{
	struct mp_dns_wname w;

	if (s.len == 1 && s.ptr[0] == '@') {
		if (origin == NULL) {
			*err = "'@' without an origin";
			return false;
		}
		w = *origin;
	} else if (!mp_dns_name_parse(s, origin, &w, err)) {
		return false;
	}
	return app(b, w.b, w.len, err);
}

/* put_number - a decimal field up to max */
static bool
put_number(struct mp_str s, uint64_t max, unsigned bytes, struct mp_buf *b, const char **err)
{
	uint64_t v;
	uint8_t c;

	*err = "bad number";
	if (!mp_parse_u64(s, max, &v))
		return false;
	if (bytes == 1) {
		c = (uint8_t)v;
		return app(b, &c, 1, err);
	}
	return bytes == 2 ? put16(b, (unsigned)v, err) : put32(b, (uint32_t)v, err);
}

/* put_hex - hex digits spread over tokens */
static bool
put_hex(const struct ztok *t, size_t n, struct mp_buf *b, const char **err)
{
	int hi = -1;

	*err = "bad hex";
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < t[k].s.len; i++) {
			unsigned char c = (unsigned char)t[k].s.ptr[i];
			int v;
			if (!mp_is_hex(c))
				return false;
			v = mp_is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
			if (hi < 0) {
				hi = v;
				continue;
			}
			uint8_t byte = (uint8_t)(hi << 4 | v);
			if (!app(b, &byte, 1, err))
				return false;
			*err = "bad hex";
			hi = -1;
		}
	return hi < 0;
}

/* put_addr - A or AAAA through inet_pton (the text is copied: it needs a NUL) */
static bool
put_addr(struct mp_str s, int af, struct mp_buf *b, const char **err)
{
	char text[64];
	uint8_t bin[16];

	*err = af == AF_INET ? "bad IPv4 address" : "bad IPv6 address";
	if (s.len == 0 || s.len >= sizeof text || mp_str_has_nul(s))
		return false;
	memcpy(text, s.ptr, s.len);
	text[s.len] = '\0';
	if (inet_pton(af, text, bin) != 1)
		return false;
	return app(b, bin, af == AF_INET ? 4 : 16, err);
}

/* put_generic - RFC 3597 §5: \# LENGTH HEX... */
static bool
put_generic(const struct ztok *t, size_t n, struct mp_buf *b, const char **err)
{
	uint64_t len;

	*err = "generic rdata wants \\# LENGTH HEX";
	if (n < 2 || !mp_parse_u64(t[1].s, MP_LIMIT_DNS_RDATA, &len) || (len > 0 && n < 3))
		return false;
	if (!put_hex(t + 2, n - 2, b, err))
		return false;
	*err = "generic rdata length does not match its data";
	return b->len == len;
}

/* put_txt - one <character-string> per token */
static bool
put_txt(const struct ztok *t, size_t n, struct mp_buf *b, const char **err)
{
	struct mp_buf one;
	bool ok = true;

	mp_buf_init(&one, MP_LIMIT_DNS_TXT_STRING);
	for (size_t i = 0; i < n && ok; i++) {
		mp_buf_reset(&one);
		if (!unescape(t[i].s, &one, err)) {
			if (*err != oom && one.len == MP_LIMIT_DNS_TXT_STRING)
				*err = "character-string longer than 255 bytes";
			ok = false;
			break;
		}
		uint8_t len = (uint8_t)one.len;
		ok = app(b, &len, 1, err) && app(b, one.ptr, one.len, err);
	}
	mp_buf_fini(&one);
	return ok;
}

/* rdata_parse - a type's presentation rdata into wire form */
static bool
rdata_parse(uint16_t type, const struct ztok *t, size_t n, const struct mp_dns_wname *origin,
            struct mp_buf *b, const char **err)
{
	if (n >= 1 && !t[0].quoted && mp_str_eq_c(t[0].s, "\\#"))
		return put_generic(t, n, b, err);
	*err = "wrong number of fields";
	switch (type) {
	case MP_DNS_T_A:
		return n == 1 && put_addr(t[0].s, AF_INET, b, err);
	case MP_DNS_T_AAAA:
		return n == 1 && put_addr(t[0].s, AF_INET6, b, err);
	case MP_DNS_T_NS:
	case MP_DNS_T_CNAME:
	case MP_DNS_T_PTR:
		return n == 1 && put_name(t[0].s, origin, b, err);
	case MP_DNS_T_MX:
		return n == 2 && put_number(t[0].s, 65535, 2, b, err) &&
		       put_name(t[1].s, origin, b, err);
	case MP_DNS_T_TXT:
	case MP_DNS_T_SPF:
		return n >= 1 && put_txt(t, n, b, err);
	case MP_DNS_T_SOA:
		if (n != 7 || !put_name(t[0].s, origin, b, err) || !put_name(t[1].s, origin, b, err))
			return false;
		for (size_t i = 2; i < 7; i++) {
			uint64_t v64;
			uint32_t v;
			*err = "bad SOA number";
			if (mp_parse_u64(t[i].s, UINT32_MAX, &v64))
				v = (uint32_t)v64;
			else if (!parse_ttl(t[i].s, &v))
				return false;
			if (!put32(b, v, err))
				return false;
		}
		return true;
	case MP_DNS_T_TLSA:
		return n >= 4 && put_number(t[0].s, 255, 1, b, err) &&
		       put_number(t[1].s, 255, 1, b, err) && put_number(t[2].s, 255, 1, b, err) &&
		       put_hex(t + 3, n - 3, b, err);
	}
	*err = "this type needs the generic form \\# LENGTH HEX";
	return false;
}

/* owner_of - the entry's owner name; *i set past it */
static bool
owner_of(struct zreader *r, struct mp_dns_wname *owner, size_t *i)
{
	const struct ztok *t = &r->toks[0];
	const char *err;

	*i = 0;
	if (r->blank_owner) {
		if (!r->has_prev)
			return fail(r, t->line, "no previous owner name to continue");
		*owner = r->prev;
		return true;
	}
	*i = 1;
	if (t->s.len == 1 && t->s.ptr[0] == '@' && !t->quoted) {
		if (!r->has_origin)
			return fail(r, t->line, "'@' without $ORIGIN");
		*owner = r->origin;
	} else if (!mp_dns_name_parse(t->s, r->has_origin ? &r->origin : NULL, owner, &err)) {
		return fail(r, t->line, err);
	}
	r->prev = *owner;
	r->has_prev = true;
	return true;
}

/* directive - $ORIGIN, $TTL */
static bool
directive(struct zreader *r)
{
	const struct ztok *t = r->toks;
	const char *err;
	struct mp_dns_wname w;

	if (mp_str_eq_nocase_c(t[0].s, "$ORIGIN")) {
		if (r->ntok != 2)
			return fail(r, t[0].line, "$ORIGIN wants one name");
		if (!mp_dns_name_parse(t[1].s, r->has_origin ? &r->origin : NULL, &w, &err))
			return fail(r, t[1].line, err);
		r->origin = w;
		r->has_origin = true;
		return true;
	}
	if (mp_str_eq_nocase_c(t[0].s, "$TTL")) {
		if (r->ntok != 2 || !parse_ttl(t[1].s, &r->ttl_dir))
			return fail(r, t[0].line, "$TTL wants one TTL");
		r->has_ttl_dir = true;
		return true;
	}
	if (mp_str_eq_nocase_c(t[0].s, "$INCLUDE"))
		return fail(r, t[0].line, "$INCLUDE is not supported");
	return fail(r, t[0].line, "unknown directive");
}

/* record - one resource-record entry into the zone */
static enum mp_status
record(struct zreader *r, struct mp_zone *z)
{
	struct mp_dns_wname owner;
	const struct ztok *t = r->toks;
	uint32_t ttl = 0;
	bool has_ttl = false, has_class = false;
	uint16_t type;
	size_t i;
	struct mp_buf rd;
	const char *err;
	enum mp_status st;

	if (!owner_of(r, &owner, &i))
		return MP_EINVAL;
	for (; i < r->ntok && !t[i].quoted; i++) {
		if (!has_ttl && parse_ttl(t[i].s, &ttl)) {
			has_ttl = true;
		} else if (!has_class && mp_str_eq_nocase_c(t[i].s, "IN")) {
			has_class = true;
		} else if (!has_class && (mp_str_eq_nocase_c(t[i].s, "CH") ||
		                          mp_str_eq_nocase_c(t[i].s, "HS") ||
		                          mp_str_eq_nocase_c(t[i].s, "CS"))) {
			return fail(r, t[i].line, "only class IN is supported"), MP_EINVAL;
		} else {
			break;
		}
	}
	if (i >= r->ntok)
		return fail(r, t[r->ntok - 1].line, "missing type"), MP_EINVAL;
	if (t[i].quoted || !mp_dns_type_parse(t[i].s, &type))
		return fail(r, t[i].line, "unknown type"), MP_EINVAL;
	if (i + 1 >= r->ntok)
		return fail(r, t[i].line, "missing record data"), MP_EINVAL;
	if (has_ttl) {
		r->ttl_last = ttl;
		r->has_ttl_last = true;
	} else {
		ttl = r->has_ttl_dir ? r->ttl_dir : r->has_ttl_last ? r->ttl_last : TTL_DEFAULT;
	}
	mp_buf_init(&rd, MP_LIMIT_DNS_RDATA);
	if (!rdata_parse(type, t + i + 1, r->ntok - i - 1, r->has_origin ? &r->origin : NULL,
	                 &rd, &err)) {
		mp_buf_fini(&rd);
		return err == oom ? MP_ENOMEM : (fail(r, t[i + 1].line, err), MP_EINVAL);
	}
	st = mp_zone_add_wire(z, &owner, ttl, type, (const uint8_t *)rd.ptr, rd.len, &err);
	mp_buf_fini(&rd);
	if (st == MP_EINVAL)
		fail(r, t[i + 1].line, err);
	return st;
}

/* reader_init - a reader over text */
static bool
reader_init(struct zreader *r, struct mp_str text, const char *file)
{
	memset(r, 0, sizeof *r);
	r->p = text.ptr;
	r->end = text.ptr + text.len;
	r->file = file ? file : "-";
	r->line = 1;
	r->cap = 16;
	r->toks = mp_alloc(r->cap * sizeof *r->toks);
	return r->toks != NULL;
}

/* mp_zone_parse - master-file text into the zone */
enum mp_status
mp_zone_parse(struct mp_zone *z, struct mp_str text, const char *filename,
              struct mp_str origin, struct mp_why *why)
{
	struct zreader r;
	enum mp_status st = MP_OK;
	const char *err;

	if (!reader_init(&r, text, filename))
		return MP_ENOMEM;
	if (origin.len > 0) {
		if (!mp_dns_name_parse(origin, NULL, &r.origin, &err)) {
			mp_free(r.toks);
			mp_why_setf(why, MP_REASON_DNS_ZONE_SYNTAX, "%s: origin: %s", r.file, err);
			return MP_EINVAL;
		}
		r.has_origin = true;
	}
	while (st == MP_OK && read_entry(&r)) {
		if (!r.blank_owner && !r.toks[0].quoted && r.toks[0].s.len > 0 &&
		    r.toks[0].s.ptr[0] == '$')
			st = directive(&r) ? MP_OK : MP_EINVAL;
		else
			st = record(&r, z);
	}
	if (st == MP_OK && r.err != NULL)
		st = r.err == oom ? MP_ENOMEM : MP_EINVAL;
	if (st == MP_EINVAL)
		mp_why_setf(why, MP_REASON_DNS_ZONE_SYNTAX, "%s:%zu: %s", r.file, r.err_line, r.err);
	else if (st != MP_OK)
		mp_why_set(why, st == MP_ENOMEM ? MP_REASON_NOMEM : MP_REASON_LIMIT);
	mp_free(r.toks);
	return st;
}

/* mp_zone_load_file - read a file (bounded) and parse it */
enum mp_status
mp_zone_load_file(struct mp_zone *z, const char *path, struct mp_why *why)
{
	struct mp_buf b;
	char chunk[65536];
	size_t n;
	FILE *f;
	enum mp_status st = MP_OK;

	if ((f = fopen(path, "rb")) == NULL) {
		mp_why_setf(why, MP_REASON_DNS_ZONE_IO, "%s: %s", path, strerror(errno));
		return MP_EIO;
	}
	mp_buf_init(&b, MP_LIMIT_ZONE_FILE);
	while (st == MP_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		st = mp_buf_append(&b, chunk, n);
	if (st == MP_OK && ferror(f))
		st = MP_EIO;
	fclose(f);
	if (st == MP_OK)
		st = mp_zone_parse(z, mp_buf_str(&b), path, MP_STR_NULL, why);
	else if (st == MP_ELIMIT)
		mp_why_setf(why, MP_REASON_DNS_ZONE_IO, "%s: larger than %u bytes", path,
		            (unsigned)MP_LIMIT_ZONE_FILE);
	else if (st == MP_EIO)
		mp_why_setf(why, MP_REASON_DNS_ZONE_IO, "%s: read error", path);
	else
		mp_why_set(why, MP_REASON_NOMEM);
	mp_buf_fini(&b);
	return st;
}

/* mp_zone_add - one record with rdata in master-file form */
enum mp_status
mp_zone_add(struct mp_zone *z, struct mp_str owner, uint32_t ttl, uint16_t type,
            struct mp_str rdata, struct mp_why *why)
{
	struct zreader r;
	struct mp_dns_wname w;
	struct mp_buf rd;
	const char *err = "empty record data";
	enum mp_status st = MP_EINVAL;

	if (!mp_dns_name_parse(owner, NULL, &w, &err)) {
		mp_why_setf(why, MP_REASON_DNS_BAD_NAME, "owner: %s", err);
		return MP_EINVAL;
	}
	if (!reader_init(&r, rdata, "rdata"))
		return MP_ENOMEM;
	r.blank_owner = false;
	mp_buf_init(&rd, MP_LIMIT_DNS_RDATA);
	if (!read_entry(&r)) {
		err = r.err ? r.err : err;
	} else if (rdata_parse(type, r.toks, r.ntok, NULL, &rd, &err)) {
		size_t first = r.ntok;
		if (read_entry(&r) || r.err)
			err = r.err ? r.err : "record data spans several lines";
		else if (first > 0)
			st = mp_zone_add_wire(z, &w, ttl, type, (const uint8_t *)rd.ptr, rd.len, &err);
	}
	if (st == MP_EINVAL && err == oom)
		st = MP_ENOMEM;
	if (st == MP_EINVAL)
		mp_why_setf(why, MP_REASON_DNS_BAD_RDATA, "%s %s: %s", mp_dns_type_name(type),
		            "rdata", err);
	else if (st == MP_ENOMEM)
		mp_why_set(why, MP_REASON_NOMEM);
	mp_buf_fini(&rd);
	mp_free(r.toks);
	return st;
}
