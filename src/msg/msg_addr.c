/* msg_addr.c - the one address parser (RFC 5322 §3.4, §4.4 obs- forms,
 * RFC 6532 UTF-8, RFC 2047 encoded words in display names) and SMTP paths
 * (RFC 5321 §4.1.2).
 *
 * A lexer turns the field value into words, specials and literals, skipping
 * CFWS (comments nested at most MP_LIMIT_ADDR_NESTING deep); a recursive
 * descent parser on top builds struct mp_addr values in the caller's arena.
 * The first error stops parsing and is reported in why; what was parsed
 * before it stays in the list. Thread-safe (no state outside the arguments).
 */
#include <string.h>

#include <mailproof/limits.h>
#include <mailproof/msg.h>
#include <mailproof/str.h>

#include "msg_internal.h"

enum tok_kind {
	T_END,          /* end of input */
	T_ATOM,         /* 1*atext (RFC 6532 UTF-8 included) */
	T_QSTR,         /* quoted-string, quotes included */
	T_DLIT,         /* domain-literal, brackets included */
	T_SPECIAL,      /* < > @ , ; : . */
	T_ERR,          /* anything else; why is set */
};

struct tok {
	enum tok_kind kind;
	struct mp_str text;
	char ch;                /* T_SPECIAL */
	bool ws_before;         /* CFWS before the token */
};

struct lexer {
	const char *p, *end;
	struct tok cur;         /* the next token (one look-ahead) */
};

struct parser {
	struct lexer lx;
	struct mp_arena *a;
	struct mp_addr_list *out;
	size_t cap;
	struct mp_why *why;
	enum mp_status st;      /* MP_ENOMEM / MP_ELIMIT once failed */
	bool failed;            /* why set: stop */
};

/* perr - record the first error (reason r) and stop */
static void
perr(struct parser *ps, enum mp_reason r)
{
	if (ps->failed && r != MP_REASON_NOMEM)
		return;
	ps->failed = true;
	mp_why_set(ps->why, r);
	if (r == MP_REASON_NOMEM)
		ps->st = MP_ENOMEM;
	else if (r == MP_REASON_MSG_TOO_MANY_ADDRESSES || r == MP_REASON_MSG_COMMENT_TOO_DEEP)
		ps->st = MP_ELIMIT;
}

/* skip_comment - one (possibly nested) comment at p; false when broken */
static bool
skip_comment(struct parser *ps, const char **pp)
{
	const char *p = *pp, *end = ps->lx.end;
	size_t depth = 0;

	for (; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				break;
		} else if (*p == '(') {
			if (++depth > MP_LIMIT_ADDR_NESTING) {
				perr(ps, MP_REASON_MSG_COMMENT_TOO_DEEP);
				return false;
			}
		} else if (*p == ')' && --depth == 0) {
			*pp = p + 1;
			return true;
		}
	}
	perr(ps, MP_REASON_MSG_ADDR_SYNTAX);            /* unterminated comment */
	return false;
}

/* scan_quoted - from the opening quote/bracket to the closing one */
static bool
scan_quoted(struct parser *ps, const char **pp, char close)
{
	const char *p = *pp + 1, *end = ps->lx.end;

	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			break;                  /* obs-qtext controls: refused */
		if (c == '\\') {
			c = ++p == end ? 0 : (unsigned char)*p;
			if (c < 0x20 && c != '\t')
				break;          /* quoted-pair of a control or line end */
		} else if (c == close) {
			*pp = p + 1;
			return true;
		} else if (close == ']' && *p == '[')
			break;
	}
	perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
	return false;
}

/* lex - read the next token into ps->lx.cur */
static void
lex(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	struct tok *t = &lx->cur;
	const char *p = lx->p, *start;

	t->ws_before = false;
	t->ch = 0;
	for (;;) {              /* CFWS */
		while (p < lx->end && (mp_is_wsp((unsigned char)*p) || *p == '\r' || *p == '\n'))
			p++, t->ws_before = true;
		if (p < lx->end && *p == '(') {
			if (!skip_comment(ps, &p))
				goto err;
			t->ws_before = true;
			continue;
		}
		break;
	}
	start = p;
	if (p == lx->end) {
		t->kind = T_END;
	} else if (*p == '"' || *p == '[') {
		if (!scan_quoted(ps, &p, *p == '"' ? '"' : ']'))
			goto err;
		t->kind = *start == '"' ? T_QSTR : T_DLIT;
	} else if (msg_is_atext((unsigned char)*p)) {
		while (p < lx->end && msg_is_atext((unsigned char)*p))
			p++;
		t->kind = T_ATOM;
	} else if (*p != '\0' && strchr("<>@,;:.", *p) != NULL) {
		t->kind = T_SPECIAL;
		t->ch = *p++;
	} else {
		perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
		goto err;
	}
	t->text = mp_str_make(start, (size_t)(p - start));
	lx->p = p;
	return;
err:
	t->kind = T_ERR;
	t->text = MP_STR_NULL;
	lx->p = lx->end;
}

/* is_sp - is the look-ahead the special ch? */
static bool
is_sp(const struct parser *ps, char ch)
{
	return ps->lx.cur.kind == T_SPECIAL && ps->lx.cur.ch == ch;
}

/* is_word - atom or quoted-string */
static bool
is_word(const struct tok *t)
{
	return t->kind == T_ATOM || t->kind == T_QSTR;
}

/* unquote - quoted-string or literal content: quoted-pairs and folds undone */
static size_t
unquote(struct mp_str q, char *o)
{
	size_t n = 0;

	for (size_t i = 1; i + 1 < q.len; i++) {
		char c = q.ptr[i];
		if (c == '\\' && i + 2 < q.len)
			c = q.ptr[++i];
		else if (c == '\r' || c == '\n')
			continue;
		o[n++] = c;
	}
	return n;
}

/* needs_quotes - is a local-part not a dot-atom (RFC 5322 §3.2.3)? */
static bool
needs_quotes(struct mp_str s)
{
	if (s.len == 0 || s.ptr[0] == '.' || s.ptr[s.len - 1] == '.')
		return true;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '.' ? s.ptr[i + 1] == '.' : !msg_is_atext(c))
			return true;
	}
	return false;
}

/* make_spec - addr_spec and domain_lc of a filled address */
static bool
make_spec(struct mp_arena *a, struct mp_addr *ad)
{
	size_t max = ad->local.len * 2 + ad->domain.len + 6, n = 0;
	char *o = mp_arena_alloc(a, max), *lc;
	size_t dl = ad->domain.len;

	if (o == NULL || (lc = mp_arena_alloc(a, dl + 1)) == NULL)
		return false;
	if (needs_quotes(ad->local)) {
		o[n++] = '"';
		for (size_t i = 0; i < ad->local.len; i++) {
			if (ad->local.ptr[i] == '"' || ad->local.ptr[i] == '\\')
				o[n++] = '\\';
			o[n++] = ad->local.ptr[i];
		}
		o[n++] = '"';
	} else {
		memcpy(o + n, ad->local.ptr, ad->local.len);
		n += ad->local.len;
	}
	if (ad->domain.len > 0 || ad->domain_literal) {
		o[n++] = '@';
		if (ad->domain_literal)
			o[n++] = '[';
		memcpy(o + n, ad->domain.ptr, ad->domain.len);
		n += ad->domain.len;
		if (ad->domain_literal)
			o[n++] = ']';
	}
	o[n] = '\0';
	ad->addr_spec = mp_str_make(o, n);
	if (dl > 0 && !ad->domain_literal && ad->domain.ptr[dl - 1] == '.')
		dl--;
	for (size_t i = 0; i < dl; i++)
		lc[i] = (char)mp_lower((unsigned char)ad->domain.ptr[i]);
	lc[dl] = '\0';
	ad->domain_lc = mp_str_make(lc, dl);
	return true;
}

/* push - append a finished address to the list */
static void
push(struct parser *ps, struct mp_addr *ad)
{
	struct mp_addr_list *l = ps->out;

	if (!make_spec(ps->a, ad)) {
		perr(ps, MP_REASON_NOMEM);
		return;
	}
	if (l->n >= MP_LIMIT_ADDRESSES) {
		perr(ps, MP_REASON_MSG_TOO_MANY_ADDRESSES);
		return;
	}
	if (l->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 4;
		struct mp_addr *na = mp_arena_alloc(ps->a, cap * sizeof *na);
		if (na == NULL) {
			perr(ps, MP_REASON_NOMEM);
			return;
		}
		if (l->n)
			memcpy(na, l->addrs, l->n * sizeof *na);
		l->addrs = na;
		ps->cap = cap;
	}
	l->addrs[l->n++] = *ad;
}

/* look_ahead - the first token after a run of words and dots */
static struct tok
look_ahead(struct parser *ps, size_t *nwords)
{
	struct lexer save = ps->lx;
	bool failed = ps->failed;
	enum mp_status st = ps->st;
	struct mp_why why;
	struct tok t;

	mp_why_clear(&why);
	if (ps->why)
		why = *ps->why;

	*nwords = 0;
	while (is_word(&ps->lx.cur) || is_sp(ps, '.')) {
		*nwords += is_word(&ps->lx.cur);
		lex(ps);
	}
	t = ps->lx.cur;
	ps->lx = save;
	ps->failed = failed;            /* an error here will be met again */
	ps->st = st;
	if (ps->why)
		*ps->why = why;
	return t;
}

/* span_buf - arena room for text built from the run of words and dots
 * starting at from (factor bytes out per byte in); exact, so a long list
 * never costs more than its own length */
static char *
span_buf(struct parser *ps, const char *from, size_t factor)
{
	size_t nwords;
	struct tok t = look_ahead(ps, &nwords);
	const char *to = t.kind == T_END || t.text.ptr == NULL ? ps->lx.end : t.text.ptr;
	char *o = mp_arena_alloc(ps->a, (size_t)(to - from) * factor + 1);

	if (o == NULL)
		perr(ps, MP_REASON_NOMEM);
	return o;
}

/* parse_display - phrase / obs-phrase up to '<' or ':', decoded to UTF-8 */
static struct mp_str
parse_display(struct parser *ps)
{
	const char *from = ps->lx.cur.text.ptr ? ps->lx.cur.text.ptr : ps->lx.p;
	char *o = span_buf(ps, from, 2);
	size_t n = 0;
	bool prev_ew = false, first = true;

	if (o == NULL)
		return MP_STR_NULL;
	while (is_word(&ps->lx.cur) || is_sp(ps, '.')) {
		struct tok *t = &ps->lx.cur;
		struct mp_str piece = t->text;
		bool ew = false;

		if (t->kind == T_ATOM && msg_decode_word(t->text, ps->a, &piece, &ew) != MP_OK) {
			perr(ps, MP_REASON_NOMEM);
			return MP_STR_NULL;
		}
		/* RFC 2047 §6.2: whitespace between adjacent encoded words is dropped */
		if (!first && t->ws_before && !(ew && prev_ew))
			o[n++] = ' ';
		if (t->kind == T_QSTR)
			n += unquote(t->text, o + n);
		else {
			memcpy(o + n, piece.ptr, piece.len);
			n += piece.len;
		}
		prev_ew = ew;
		first = false;
		lex(ps);
	}
	o[n] = '\0';
	return mp_str_make(o, n);
}

/* parse_local - local-part: dot-atom, quoted-string or obs-local-part */
static struct mp_str
parse_local(struct parser *ps)
{
	char *o;
	size_t n = 0;

	if (!is_word(&ps->lx.cur)) {
		perr(ps, ps->lx.cur.kind == T_END || is_sp(ps, '@') ? MP_REASON_MSG_EMPTY_ADDRESS
		    : MP_REASON_MSG_ADDR_SYNTAX);
		return MP_STR_NULL;
	}
	if ((o = span_buf(ps, ps->lx.cur.text.ptr, 1)) == NULL)
		return MP_STR_NULL;
	for (;;) {
		struct tok *t = &ps->lx.cur;
		if (!is_word(t)) {
			perr(ps, MP_REASON_MSG_ADDR_SYNTAX);   /* ".a", "a..b", "a.@" */
			return MP_STR_NULL;
		}
		if (t->kind == T_QSTR)
			n += unquote(t->text, o + n);
		else {
			memcpy(o + n, t->text.ptr, t->text.len);
			n += t->text.len;
		}
		lex(ps);
		if (!is_sp(ps, '.'))
			break;
		o[n++] = '.';
		lex(ps);
	}
	o[n] = '\0';
	return mp_str_make(o, n);
}

/* parse_domain - dot-atom / obs-domain / domain-literal into ad */
static void
parse_domain(struct parser *ps, struct mp_addr *ad)
{
	struct tok *t = &ps->lx.cur;
	char *o;
	size_t n = 0;

	if (t->kind == T_DLIT) {
		struct mp_str in = mp_str_trim(mp_str_make(t->text.ptr + 1, t->text.len - 2));
		ad->domain = mp_arena_strdup(ps->a, in);
		ad->domain_literal = true;
		if (ad->domain.ptr == NULL)
			perr(ps, MP_REASON_NOMEM);
		lex(ps);
		return;
	}
	if (t->kind != T_ATOM) {
		perr(ps, t->kind == T_QSTR || is_sp(ps, '.') ? MP_REASON_MSG_ADDR_SYNTAX
		    : MP_REASON_MSG_NO_DOMAIN);
		return;
	}
	if ((o = span_buf(ps, t->text.ptr, 1)) == NULL)
		return;
	for (;;) {
		memcpy(o + n, t->text.ptr, t->text.len);
		n += t->text.len;
		lex(ps);
		if (!is_sp(ps, '.'))
			break;
		o[n++] = '.';
		lex(ps);
		if (t->kind == T_ATOM)
			continue;
		if (is_sp(ps, '.') || t->kind == T_QSTR || t->kind == T_DLIT ||
		    !msg_utf8_valid(mp_str_make(o, n))) {
			perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
			return;
		}
		ad->domain = mp_str_make(o, n);         /* kept, domain_lc without the dot */
		perr(ps, MP_REASON_MSG_TRAILING_DOT);
		return;
	}
	o[n] = '\0';
	ad->domain = mp_str_make(o, n);
	if (!msg_utf8_valid(ad->domain)) {
		ad->domain = MP_STR_NULL;       /* not kept: not an address */
		perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
	}
}

/* parse_addr_spec - local-part "@" domain; a missing domain is reported */
static void
parse_addr_spec(struct parser *ps, struct mp_addr *ad)
{
	ad->local = parse_local(ps);
	if (ps->failed)
		return;
	if (!msg_utf8_valid(ad->local)) {
		perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
		return;
	}
	if (!is_sp(ps, '@')) {
		ad->domain = mp_str_make("", 0);
		perr(ps, ps->lx.cur.kind == T_ERR ? MP_REASON_MSG_ADDR_SYNTAX
		    : MP_REASON_MSG_NO_DOMAIN);
		return;
	}
	lex(ps);
	parse_domain(ps, ad);
}

/* skip_route - obs-route: "@a,@b:" before the addr-spec (RFC 5322 §4.4) */
static void
skip_route(struct parser *ps)
{
	struct mp_addr scratch;

	while (!ps->failed && (is_sp(ps, ',') || is_sp(ps, '@'))) {
		if (is_sp(ps, '@')) {
			memset(&scratch, 0, sizeof scratch);
			lex(ps);
			parse_domain(ps, &scratch);
		} else
			lex(ps);
	}
	if (!ps->failed && !is_sp(ps, ':')) {
		perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
		return;
	}
	lex(ps);
}

/* parse_angle - "<" [obs-route] addr-spec ">" */
static void
parse_angle(struct parser *ps, struct mp_addr *ad)
{
	lex(ps);                                /* '<' */
	if (is_sp(ps, '@') || is_sp(ps, ','))
		skip_route(ps);
	if (ps->failed)
		return;
	if (is_sp(ps, '>')) {
		perr(ps, MP_REASON_MSG_EMPTY_ADDRESS);
		return;
	}
	parse_addr_spec(ps, ad);
	if (!ps->failed && !is_sp(ps, '>')) {
		perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
		return;
	}
	lex(ps);
}

/* parse_mailbox - name-addr or addr-spec (not a group) */
static void
parse_mailbox(struct parser *ps, bool in_group, struct tok next, size_t nwords)
{
	struct mp_addr ad;

	memset(&ad, 0, sizeof ad);
	ad.in_group = in_group;
	ad.display = mp_str_make("", 0);
	if (next.kind == T_SPECIAL && next.ch == '<') {
		const char *from = ps->lx.cur.text.ptr;
		ad.display = parse_display(ps);
		if (ps->failed)
			return;
		ad.display_has_addr = msg_text_has_addr(ad.display);
		if (!ad.display_has_addr && msg_phrase_has_addr(mp_str_make(from,
		    (size_t)(ps->lx.cur.text.ptr - from)), ps->a, &ad.display_has_addr) != MP_OK) {
			perr(ps, MP_REASON_NOMEM);
			return;
		}
		parse_angle(ps, &ad);
	} else if (nwords == 0) {
		perr(ps, ps->lx.cur.kind == T_END || is_sp(ps, ',') || is_sp(ps, ';')
		    ? MP_REASON_MSG_EMPTY_ADDRESS : MP_REASON_MSG_ADDR_SYNTAX);
		return;
	} else
		parse_addr_spec(ps, &ad);
	if (ad.local.ptr != NULL && ad.domain.ptr != NULL && ps->st != MP_ENOMEM)
		push(ps, &ad);
}

/* parse_group - display-name ":" [mailbox-list] ";" */
static void
parse_group(struct parser *ps)
{
	struct tok next;
	size_t nwords;

	(void)parse_display(ps);
	if (ps->failed)
		return;
	lex(ps);                                /* ':' */
	ps->out->ngroups++;
	for (;;) {
		if (is_sp(ps, ';')) {
			lex(ps);
			return;
		}
		if (is_sp(ps, ',')) {           /* obs-group-list */
			lex(ps);
			continue;
		}
		next = look_ahead(ps, &nwords);
		if (ps->lx.cur.kind == T_END || (next.kind == T_SPECIAL && next.ch == ':')) {
			perr(ps, MP_REASON_MSG_ADDR_SYNTAX);   /* no ';', nested group */
			return;
		}
		parse_mailbox(ps, true, next, nwords);
		if (ps->failed)
			return;
		if (!is_sp(ps, ',') && !is_sp(ps, ';')) {
			perr(ps, MP_REASON_MSG_ADDR_SYNTAX);
			return;
		}
	}
}

/* mp_addr_parse_list - address-list / mailbox-list (RFC 5322 §3.4) */
enum mp_status
mp_addr_parse_list(struct mp_str value, struct mp_arena *a, struct mp_addr_list *out,
                   struct mp_why *why)
{
	struct parser ps;
	struct tok next;
	size_t nwords;
	bool any = false;

	memset(out, 0, sizeof *out);
	mp_why_clear(why);
	if (mp_str_has_nul(value))
		return mp_why_set(why, MP_REASON_MSG_NUL_BYTE);
	memset(&ps, 0, sizeof ps);
	ps.lx.p = value.ptr ? value.ptr : "";
	ps.lx.end = ps.lx.p + value.len;
	ps.a = a;
	ps.out = out;
	ps.why = why;
	lex(&ps);
	while (!ps.failed && ps.lx.cur.kind != T_END) {
		if (is_sp(&ps, ',')) {          /* obs-addr-list: empty members */
			lex(&ps);
			continue;
		}
		any = true;
		next = look_ahead(&ps, &nwords);
		if (next.kind == T_SPECIAL && next.ch == ':' && nwords > 0)
			parse_group(&ps);
		else
			parse_mailbox(&ps, false, next, nwords);
		if (!ps.failed && !is_sp(&ps, ',') && ps.lx.cur.kind != T_END)
			perr(&ps, MP_REASON_MSG_ADDR_SYNTAX);
	}
	if (!ps.failed && !any)
		perr(&ps, MP_REASON_MSG_EMPTY_ADDRESS);
	return ps.st;
}

/* path_local - RFC 5321 §4.1.2 Local-part: Dot-string / Quoted-string */
static bool
path_local(struct mp_str in, size_t *i, struct mp_arena *a, struct mp_str *local)
{
	char *o = mp_arena_alloc(a, in.len + 1);
	size_t n = 0, k = *i;

	if (o == NULL)
		return false;
	if (k < in.len && in.ptr[k] == '"') {
		for (k++; k < in.len && in.ptr[k] != '"'; k++) {
			unsigned char c = (unsigned char)in.ptr[k];
			if (c == '\\' && k + 1 < in.len)
				c = (unsigned char)in.ptr[++k];
			if (c < 0x20 || c == 0x7f)
				return *local = MP_STR_NULL, true;
			o[n++] = (char)c;
		}
		if (k == in.len)
			return *local = MP_STR_NULL, true;
		k++;
	} else {
		for (; k < in.len && (msg_is_atext((unsigned char)in.ptr[k]) || in.ptr[k] == '.'); k++)
			o[n++] = in.ptr[k];
		if (n == 0 || o[0] == '.' || o[n - 1] == '.' || memmem(o, n, "..", 2) != NULL)
			return *local = MP_STR_NULL, true;
	}
	o[n] = '\0';
	*local = mp_str_make(o, n);
	*i = k;
	return true;
}

/* path_domain - Domain (LDH, "_", U-labels) or address-literal; reason or 0 */
static enum mp_reason
path_domain(struct mp_str d, struct mp_addr *ad)
{
	if (d.len == 0)
		return MP_REASON_MSG_NO_DOMAIN;
	if (d.ptr[0] == '[') {
		if (d.len < 3 || d.ptr[d.len - 1] != ']' ||
		    memchr(d.ptr + 1, '[', d.len - 2) || memchr(d.ptr + 1, ']', d.len - 2))
			return MP_REASON_MSG_PATH_SYNTAX;
		for (size_t i = 1; i + 1 < d.len; i++)
			if (!mp_is_vchar((unsigned char)d.ptr[i]) || d.ptr[i] == '\\')
				return MP_REASON_MSG_PATH_SYNTAX;
		ad->domain = mp_str_make(d.ptr + 1, d.len - 2);
		ad->domain_literal = true;
		return MP_REASON_NONE;
	}
	ad->domain = d;
	for (size_t i = 0; i < d.len; i++) {
		unsigned char c = (unsigned char)d.ptr[i];
		if (c == '.') {
			if (i == 0 || d.ptr[i - 1] == '.')
				return MP_REASON_MSG_PATH_SYNTAX;
		} else if (!mp_is_ldh(c) && c != '_' && c < 0x80)
			return MP_REASON_MSG_PATH_SYNTAX;
	}
	if (!msg_utf8_valid(d))
		return MP_REASON_MSG_PATH_SYNTAX;
	return d.ptr[d.len - 1] == '.' ? MP_REASON_MSG_TRAILING_DOT : MP_REASON_NONE;
}

/* mp_addr_parse_path - SMTP reverse-path / forward-path (RFC 5321 §4.1.2) */
enum mp_status
mp_addr_parse_path(struct mp_str s, struct mp_arena *a, struct mp_addr *out,
                   struct mp_why *why)
{
	struct mp_str in = mp_str_trim(s), dom;
	enum mp_reason r;
	size_t i = 0;
	const char *colon;

	memset(out, 0, sizeof *out);
	out->display = out->local = out->domain = out->domain_lc = out->addr_spec =
	    mp_str_make("", 0);
	mp_why_clear(why);
	if (mp_str_has_nul(s))
		return mp_why_set(why, MP_REASON_MSG_NUL_BYTE);
	if (in.len > 0 && in.ptr[0] == '<') {
		if (in.len < 2 || in.ptr[in.len - 1] != '>')
			return mp_why_set(why, MP_REASON_MSG_PATH_SYNTAX);
		in = mp_str_make(in.ptr + 1, in.len - 2);
	}
	if (in.len == 0)
		return MP_OK;                   /* "<>": the null reverse-path */
	if (in.ptr[0] == '@') {                 /* RFC 5321 §4.1.2 A-d-l, ignored */
		if ((colon = memchr(in.ptr, ':', in.len)) == NULL)
			return mp_why_set(why, MP_REASON_MSG_PATH_SYNTAX);
		in = mp_str_make(colon + 1, in.len - (size_t)(colon + 1 - in.ptr));
	}
	if (!path_local(in, &i, a, &out->local))
		return MP_ENOMEM;
	if (out->local.ptr == NULL || !msg_utf8_valid(out->local)) {
		out->local = mp_str_make("", 0);
		return mp_why_set(why, MP_REASON_MSG_PATH_SYNTAX);
	}
	if (i < in.len && in.ptr[i] != '@')
		return mp_why_set(why, MP_REASON_MSG_PATH_SYNTAX);
	dom = i < in.len ? mp_str_make(in.ptr + i + 1, in.len - i - 1) : mp_str_make("", 0);
	r = path_domain(dom, out);
	if (r == MP_REASON_MSG_PATH_SYNTAX) {
		out->domain = mp_str_make("", 0);
		out->domain_literal = false;
		return mp_why_set(why, r);
	}
	if ((out->domain = mp_arena_strdup(a, out->domain)).ptr == NULL || !make_spec(a, out))
		return MP_ENOMEM;
	return r == MP_REASON_NONE ? MP_OK : mp_why_set(why, r);
}
