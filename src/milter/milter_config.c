/* milter_config.c - mailproofd.conf(5): "Key value" lines in the style of
 * opendkim.conf, '#' comments, keys without case. Unknown keys, repeated
 * keys and invalid values are errors naming FILE:LINE. Files the
 * configuration names (InternalHosts, KeyTable and its keys, SenderMap,
 * DMARCOverride) are read after the whole file parsed, so their errors
 * name their own FILE:LINE. Everything lives in the config's arena; a
 * reload builds a new config and swaps it. Not thread-safe per object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <mailproof/limits.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

#define CONFIG_ARENA_MAX (512u << 20)

typedef const char *key_fn(struct milter_config *cfg, struct mp_str v);

/* cstr - value copied into the config arena */
static const char *
cstr(struct milter_config *cfg, struct mp_str v)
{
	return mp_arena_cstr(&cfg->arena, v);
}

/* valid_path - an absolute path without NUL */
static bool
valid_path(struct mp_str v)
{
	return v.len > 1 && v.len < 4096 && v.ptr[0] == '/' && !mp_str_has_nul(v);
}

/* parse_yesno - "yes"/"no" (and true/false, 1/0) */
static const char *
parse_yesno(struct mp_str v, bool *out)
{
	if (mp_str_eq_nocase_c(v, "yes") || mp_str_eq_nocase_c(v, "true") || mp_str_eq_c(v, "1"))
		*out = true;
	else if (mp_str_eq_nocase_c(v, "no") || mp_str_eq_nocase_c(v, "false") || mp_str_eq_c(v, "0"))
		*out = false;
	else
		return "expected yes or no";
	return NULL;
}

/* parse_range - decimal number in [min, max] */
static const char *
parse_range(struct mp_str v, unsigned min, unsigned max, unsigned *out)
{
	uint64_t n;

	if (!mp_parse_u64(v, max, &n) || n < min)
		return "number out of range";
	*out = (unsigned)n;
	return NULL;
}

/* parse_port - 1..65535 */
static bool
parse_port(struct mp_str v, unsigned *out)
{
	return parse_range(v, 1, 65535, out) == NULL;
}

/* is_host_char - host names and address literals in Socket/DNSServers */
static bool
is_host_char(unsigned char c)
{
	return mp_is_ldh(c) || c == '.' || c == ':' || c == '_';
}

/* key_socket - inet:PORT[@ADDR], inet6:PORT[@ADDR], unix:PATH, local:PATH */
static const char *
key_socket(struct milter_config *cfg, struct mp_str v)
{
	ptrdiff_t colon = mp_str_find(v, ':'), at;
	struct mp_str kind, rest;
	unsigned port;

	if (colon <= 0)
		return "expected inet:PORT@ADDR or unix:PATH";
	kind = mp_str_make(v.ptr, (size_t)colon);
	rest = mp_str_make(v.ptr + colon + 1, v.len - (size_t)colon - 1);
	if (mp_str_eq_nocase_c(kind, "unix") || mp_str_eq_nocase_c(kind, "local")) {
		if (!valid_path(rest) || rest.len >= 108)   /* sun_path */
			return "unix socket needs an absolute path shorter than 108 bytes";
	} else if (mp_str_eq_nocase_c(kind, "inet") || mp_str_eq_nocase_c(kind, "inet6")) {
		at = mp_str_find(rest, '@');
		if (!parse_port(mp_str_make(rest.ptr, at >= 0 ? (size_t)at : rest.len), &port))
			return "bad port";
		if (at >= 0) {
			struct mp_str host = mp_str_make(rest.ptr + at + 1, rest.len - (size_t)at - 1);
			if (host.len == 0 || host.len > MP_LIMIT_DNS_NAME)
				return "bad address";
			for (size_t i = 0; i < host.len; i++)
				if (!is_host_char((unsigned char)host.ptr[i]))
					return "bad address";
		}
	} else {
		return "socket type must be inet, inet6, unix or local";
	}
	cfg->socket = cstr(cfg, v);
	return NULL;
}

/* key_socket_mode - octal permissions of a unix socket */
static const char *
key_socket_mode(struct milter_config *cfg, struct mp_str v)
{
	unsigned m = 0;

	if (v.len == 0 || v.len > 4)
		return "expected an octal mode such as 0660";
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '7')
			return "expected an octal mode such as 0660";
		m = m * 8 + (unsigned)(v.ptr[i] - '0');
	}
	if (m > 0777)
		return "mode above 0777";
	cfg->socket_mode = m;
	return NULL;
}

/* valid_name - user and group names (POSIX portable set) */
static bool
valid_name(struct mp_str s)
{
	if (s.len == 0 || s.len > 32 || s.ptr[0] == '-')
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!(mp_is_alnum((unsigned char)s.ptr[i]) || strchr("._-", s.ptr[i]) != NULL) ||
		    s.ptr[i] == '\0')
			return false;
	return true;
}

/* key_user - user[:group] */
static const char *
key_user(struct milter_config *cfg, struct mp_str v)
{
	ptrdiff_t colon = mp_str_find(v, ':');
	struct mp_str u = colon >= 0 ? mp_str_make(v.ptr, (size_t)colon) : v;

	if (!valid_name(u))
		return "bad user name";
	cfg->user = cstr(cfg, u);
	if (colon >= 0) {
		struct mp_str g = mp_str_make(v.ptr + colon + 1, v.len - (size_t)colon - 1);
		if (!valid_name(g))
			return "bad group name";
		cfg->group = cstr(cfg, g);
	}
	return NULL;
}

/* key_pidfile - absolute path */
static const char *
key_pidfile(struct milter_config *cfg, struct mp_str v)
{
	if (!valid_path(v))
		return "expected an absolute path";
	cfg->pidfile = cstr(cfg, v);
	return NULL;
}

/* key_authserv_id - RFC 8601 §2.5 authserv-id: we only allow a host-like token */
static const char *
key_authserv_id(struct milter_config *cfg, struct mp_str v)
{
	if (v.len == 0 || v.len > MP_LIMIT_DNS_NAME)
		return "expected a host name";
	for (size_t i = 0; i < v.len; i++)
		if (!(mp_is_ldh((unsigned char)v.ptr[i]) || v.ptr[i] == '.' || v.ptr[i] == '_'))
			return "expected a host name (letters, digits, '.', '-', '_')";
	cfg->authserv_id = cstr(cfg, v);
	return NULL;
}

/* milter_config_add_cidrs - a list of CIDRs into cfg->internal */
const char *
milter_config_add_cidrs(struct milter_config *cfg, struct mp_str list)
{
	struct mp_str item;
	struct milter_cidr c, *nl;

	while (milter_next_item(&list, &item)) {
		if (!milter_cidr_parse(item, &c))
			return "bad address or CIDR";
		if (cfg->ninternal >= MP_LIMIT_MILTER_INTERNAL_HOSTS)
			return "too many internal hosts";
		nl = mp_arena_alloc(&cfg->arena, (cfg->ninternal + 1) * sizeof *nl);
		if (nl == NULL)
			return "out of memory";
		if (cfg->ninternal)
			memcpy(nl, cfg->internal, cfg->ninternal * sizeof *nl);
		nl[cfg->ninternal++] = c;
		cfg->internal = nl;
	}
	return NULL;
}

/* key_internal_hosts - inline CIDR list, "none", or an absolute file path */
static const char *
key_internal_hosts(struct milter_config *cfg, struct mp_str v)
{
	cfg->ninternal = 0;
	cfg->internal = NULL;
	if (mp_str_eq_nocase_c(v, "none"))
		return NULL;
	if (v.ptr[0] == '/') {
		if (!valid_path(v))
			return "expected an absolute path";
		cfg->internal_file = cstr(cfg, v);
		return NULL;
	}
	return milter_config_add_cidrs(cfg, v);
}

/* key_keytable - absolute path of "domain selector keyfile" rows */
static const char *
key_keytable(struct milter_config *cfg, struct mp_str v)
{
	if (!valid_path(v))
		return "expected an absolute path";
	cfg->keytable = cstr(cfg, v);
	return NULL;
}

/* key_require_safe_keys - refuse key files readable by group or other */
static const char *
key_require_safe_keys(struct milter_config *cfg, struct mp_str v)
{
	return parse_yesno(v, &cfg->require_safe_keys);
}

/* key_sendermap - [native:|postfix:]PATH */
static const char *
key_sendermap(struct milter_config *cfg, struct mp_str v)
{
	cfg->sendermap_fmt = MILTER_MAP_NATIVE;
	if (mp_str_starts_nocase(v, MP_STR_LIT("postfix:"))) {
		cfg->sendermap_fmt = MILTER_MAP_POSTFIX;
		v = mp_str_make(v.ptr + 8, v.len - 8);
	} else if (mp_str_starts_nocase(v, MP_STR_LIT("native:"))) {
		v = mp_str_make(v.ptr + 7, v.len - 7);
	}
	if (!valid_path(v))
		return "expected [native:|postfix:]/absolute/path";
	cfg->sendermap_path = cstr(cfg, v);
	return NULL;
}

/* key_dmarc_enforce - yes, report-only, no */
static const char *
key_dmarc_enforce(struct milter_config *cfg, struct mp_str v)
{
	if (mp_str_eq_nocase_c(v, "yes"))
		cfg->dmarc_enforce = MILTER_ENFORCE_YES;
	else if (mp_str_eq_nocase_c(v, "report-only"))
		cfg->dmarc_enforce = MILTER_ENFORCE_REPORT_ONLY;
	else if (mp_str_eq_nocase_c(v, "no"))
		cfg->dmarc_enforce = MILTER_ENFORCE_NO;
	else
		return "expected yes, report-only or no";
	return NULL;
}

/* parse_onerr - tempfail or accept */
static const char *
parse_onerr(struct mp_str v, enum milter_onerr *out)
{
	if (mp_str_eq_nocase_c(v, "tempfail"))
		*out = MILTER_ON_TEMPFAIL;
	else if (mp_str_eq_nocase_c(v, "accept"))
		*out = MILTER_ON_ACCEPT;
	else
		return "expected tempfail or accept";
	return NULL;
}

static const char *
key_on_temp_error(struct milter_config *cfg, struct mp_str v)
{
	return parse_onerr(v, &cfg->on_temp_error);
}

static const char *
key_on_internal_error(struct milter_config *cfg, struct mp_str v)
{
	return parse_onerr(v, &cfg->on_internal_error);
}

/* key_dns_time_budget - milliseconds of DNS per message */
static const char *
key_dns_time_budget(struct milter_config *cfg, struct mp_str v)
{
	return parse_range(v, 100, MP_LIMIT_MILTER_DNS_BUDGET_MS, &cfg->dns_budget_ms);
}

/* key_dns_timeout - milliseconds per DNS query */
static const char *
key_dns_timeout(struct milter_config *cfg, struct mp_str v)
{
	return parse_range(v, 100, 60000, &cfg->dns_timeout_ms);
}

/* valid_server - ADDR[@PORT], ADDR an IPv4 or IPv6 literal */
static bool
valid_server(struct mp_str s)
{
	char text[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	ptrdiff_t at = mp_str_find(s, '@');
	size_t alen = at >= 0 ? (size_t)at : s.len;
	unsigned port;

	if (alen == 0 || alen >= sizeof text || mp_str_has_nul(s))
		return false;
	memcpy(text, s.ptr, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, bin) != 1 && inet_pton(AF_INET6, text, bin) != 1)
		return false;
	return at < 0 || parse_port(mp_str_make(s.ptr + at + 1, s.len - alen - 1), &port);
}

/* key_dns_servers - list of ADDR[@PORT] */
static const char *
key_dns_servers(struct milter_config *cfg, struct mp_str v)
{
	struct mp_str item;

	while (milter_next_item(&v, &item)) {
		if (!valid_server(item))
			return "expected ADDR[@PORT] with an IP address";
		if (cfg->ndns_servers >= MP_LIMIT_MILTER_DNS_SERVERS)
			return "too many DNS servers";
		cfg->dns_servers[cfg->ndns_servers++] = cstr(cfg, item);
	}
	return NULL;
}

/* key_zone_file - answer DNS from this master file (tests, demos) */
static const char *
key_zone_file(struct milter_config *cfg, struct mp_str v)
{
	if (!valid_path(v))
		return "expected an absolute path";
	cfg->zone_file = cstr(cfg, v);
	return NULL;
}

static const char *
key_max_connections(struct milter_config *cfg, struct mp_str v)
{
	return parse_range(v, 1, MP_LIMIT_MILTER_CONNECTIONS, &cfg->max_connections);
}

static const char *
key_milter_timeout(struct milter_config *cfg, struct mp_str v)
{
	return parse_range(v, 1, 3600, &cfg->milter_timeout_s);
}

static const char *
key_syslog(struct milter_config *cfg, struct mp_str v)
{
	return parse_yesno(v, &cfg->syslog);
}

/* key_log_facility - syslog facility name */
static const char *
key_log_facility(struct milter_config *cfg, struct mp_str v)
{
	static const struct { const char *name; int fac; } facs[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};

	for (size_t i = 0; i < sizeof facs / sizeof facs[0]; i++) {
		if (mp_str_eq_nocase_c(v, facs[i].name)) {
			cfg->log_facility = facs[i].fac;
			return NULL;
		}
	}
	return "expected mail, daemon, user or local0..local7";
}

/* milter_config_add_overrides - "domain=none|quarantine|reject" items */
const char *
milter_config_add_overrides(struct milter_config *cfg, struct mp_str list)
{
	struct mp_str item, dom, pol;
	struct milter_override *no;
	enum milter_disp d;
	ptrdiff_t eq;
	char *lc;

	while (milter_next_item(&list, &item)) {
		eq = mp_str_find(item, '=');
		if (eq <= 0)
			return "expected domain=none|quarantine|reject";
		dom = mp_str_make(item.ptr, (size_t)eq);
		pol = mp_str_make(item.ptr + eq + 1, item.len - (size_t)eq - 1);
		if (mp_str_eq_nocase_c(pol, "none"))
			d = MILTER_DISP_NONE;
		else if (mp_str_eq_nocase_c(pol, "quarantine"))
			d = MILTER_DISP_QUARANTINE;
		else if (mp_str_eq_nocase_c(pol, "reject"))
			d = MILTER_DISP_REJECT;
		else
			return "policy must be none, quarantine or reject";
		if (!milter_valid_domain(dom))
			return "bad domain";
		if (cfg->noverrides >= MP_LIMIT_MILTER_OVERRIDES)
			return "too many overrides";
		no = mp_arena_alloc(&cfg->arena, (cfg->noverrides + 1) * sizeof *no);
		lc = mp_arena_cstr(&cfg->arena, dom);
		if (no == NULL || lc == NULL)
			return "out of memory";
		for (size_t i = 0; i < dom.len; i++)
			lc[i] = (char)mp_lower((unsigned char)lc[i]);
		if (cfg->noverrides)
			memcpy(no, cfg->overrides, cfg->noverrides * sizeof *no);
		no[cfg->noverrides++] = (struct milter_override){ mp_str_make(lc, dom.len), d };
		cfg->overrides = no;
	}
	return NULL;
}

/* key_dmarc_override - inline list or an absolute file path; repeatable */
static const char *
key_dmarc_override(struct milter_config *cfg, struct mp_str v)
{
	if (v.ptr[0] == '/') {
		if (!valid_path(v))
			return "expected an absolute path";
		if (cfg->noverride_files >= MILTER_OVERRIDE_FILES)
			return "too many override files";
		cfg->override_files[cfg->noverride_files++] = cstr(cfg, v);
		return NULL;
	}
	return milter_config_add_overrides(cfg, v);
}

static const struct config_key {
	const char *name;
	key_fn *parse;
	bool repeatable;
} config_keys[] = {
	{ "Socket", key_socket, false },
	{ "SocketMode", key_socket_mode, false },
	{ "UserID", key_user, false },
	{ "PidFile", key_pidfile, false },
	{ "AuthservID", key_authserv_id, false },
	{ "InternalHosts", key_internal_hosts, false },
	{ "KeyTable", key_keytable, false },
	{ "RequireSafeKeys", key_require_safe_keys, false },
	{ "SenderMap", key_sendermap, false },
	{ "DMARCEnforce", key_dmarc_enforce, false },
	{ "DMARCOverride", key_dmarc_override, true },
	{ "OnTempError", key_on_temp_error, false },
	{ "OnInternalError", key_on_internal_error, false },
	{ "DNSTimeBudget", key_dns_time_budget, false },
	{ "DNSTimeout", key_dns_timeout, false },
	{ "DNSServers", key_dns_servers, false },
	{ "ZoneFile", key_zone_file, false },
	{ "MaxConnections", key_max_connections, false },
	{ "MilterTimeout", key_milter_timeout, false },
	{ "Syslog", key_syslog, false },
	{ "LogFacility", key_log_facility, false },
};

const char *
milter_config_key_name(size_t i)
{
	return i < sizeof config_keys / sizeof config_keys[0] ? config_keys[i].name : NULL;
}

void
milter_config_init(struct milter_config *cfg)
{
	static const char *const local[] = { "127.0.0.0/8", "::1" };

	memset(cfg, 0, sizeof *cfg);
	mp_arena_init(&cfg->arena, CONFIG_ARENA_MAX);
	cfg->load_files = true;
	cfg->require_safe_keys = true;
	cfg->dmarc_enforce = MILTER_ENFORCE_YES;
	cfg->on_temp_error = MILTER_ON_TEMPFAIL;
	cfg->on_internal_error = MILTER_ON_TEMPFAIL;
	cfg->dns_budget_ms = 20000;
	cfg->dns_timeout_ms = 5000;
	cfg->max_connections = 256;
	cfg->milter_timeout_s = 300;
	cfg->syslog = true;
	cfg->log_facility = LOG_MAIL;
	for (size_t i = 0; i < 2; i++)
		milter_config_add_cidrs(cfg, mp_str_c(local[i]));
}

void
milter_config_fini(struct milter_config *cfg)
{
	for (size_t i = 0; i < cfg->nkeys; i++)      /* keys never outlive their use */
		if (cfg->keys[i].pem.ptr)
			OPENSSL_cleanse((void *)cfg->keys[i].pem.ptr, cfg->keys[i].pem.len);
	mp_arena_fini(&cfg->arena);
	memset(cfg, 0, sizeof *cfg);
}

/* config_line - "Key value" dispatched through config_keys */
static const char *
config_line(struct milter_config *cfg, struct mp_str line)
{
	size_t i = 0;
	struct mp_str name, value;

	while (i < line.len && mp_is_alnum((unsigned char)line.ptr[i]))
		i++;
	name = mp_str_make(line.ptr, i);
	if (i == 0 || (i < line.len && !mp_is_wsp((unsigned char)line.ptr[i])))
		return "expected \"Key value\"";
	value = mp_str_trim(mp_str_make(line.ptr + i, line.len - i));
	for (size_t k = 0; k < sizeof config_keys / sizeof config_keys[0]; k++) {
		if (!mp_str_eq_nocase_c(name, config_keys[k].name))
			continue;
		if ((cfg->seen & (UINT64_C(1) << k)) && !config_keys[k].repeatable)
			return "key given twice";
		cfg->seen |= UINT64_C(1) << k;
		if (value.len == 0)
			return "missing value";
		return config_keys[k].parse(cfg, value);
	}
	return "unknown key";
}

/* error_reason - map a message to the reason code tests check */
static enum mp_reason
error_reason(const char *err)
{
	if (strcmp(err, "unknown key") == 0)
		return MP_REASON_MILTER_CONFIG_UNKNOWN_KEY;
	if (strcmp(err, "key given twice") == 0)
		return MP_REASON_MILTER_CONFIG_DUP_KEY;
	if (strcmp(err, "expected \"Key value\"") == 0 || strncmp(err, "line ", 5) == 0)
		return MP_REASON_MILTER_CONFIG_SYNTAX;
	return MP_REASON_MILTER_CONFIG_BAD_VALUE;
}

enum mp_status
milter_config_parse(struct milter_config *cfg, struct mp_str text, const char *filename,
                    struct mp_why *why)
{
	struct milter_lines l = { .text = text };
	struct mp_buf buf;
	struct mp_str line;
	const char *err = NULL;
	bool bad;

	mp_why_clear(why);
	cfg->filename = mp_arena_cstr(&cfg->arena, mp_str_c(filename));
	mp_buf_init(&buf, MP_LIMIT_CONFIG_LINE);
	while (err == NULL && milter_lines_next(&l, &buf, &line, &bad))
		err = bad ? "line too long or NUL byte" : config_line(cfg, line);
	if (err != NULL) {
		char name[MP_LIMIT_CONFIG_LINE / 64];
		size_t n = 0;
		while (n < line.len && n < sizeof name - 1 && mp_is_alnum((unsigned char)line.ptr[n]))
			n++;
		memcpy(name, line.ptr ? line.ptr : "", n);
		name[n] = '\0';
		mp_why_setf(why, error_reason(err), "%s:%u: %s%s%s", filename, l.lineno,
		    name, n ? ": " : "", err);
	}
	mp_buf_fini(&buf);
	if (err != NULL)
		return MP_EINVAL;
	return milter_config_finish(cfg, why);
}

enum mp_status
milter_read_file(const char *path, size_t max, struct mp_buf *buf, struct mp_why *why)
{
	char chunk[8192];
	ssize_t n;
	int fd;
	enum mp_status st = MP_OK;

	mp_buf_reset(buf);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mp_why_setf(why, MP_REASON_MILTER_CONFIG_IO, "%s: %s", path, strerror(errno)),
		    MP_EIO;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mp_why_setf(why, MP_REASON_MILTER_CONFIG_IO, "%s: %s", path, strerror(errno));
			st = MP_EIO;
			break;
		}
		if ((size_t)n > max - buf->len || mp_buf_append(buf, chunk, (size_t)n) != MP_OK) {
			mp_why_setf(why, MP_REASON_MILTER_CONFIG_LIMIT, "%s: larger than %zu bytes",
			    path, max);
			st = MP_ELIMIT;
			break;
		}
	}
	OPENSSL_cleanse(chunk, sizeof chunk);
	close(fd);
	return st;
}

enum mp_status
milter_config_load(struct milter_config *cfg, const char *path, struct mp_why *why)
{
	struct mp_buf buf;
	enum mp_status st;

	mp_buf_init(&buf, MP_LIMIT_CONFIG_FILE);
	st = milter_read_file(path, MP_LIMIT_CONFIG_FILE, &buf, why);
	if (st == MP_OK)
		st = milter_config_parse(cfg, mp_buf_str(&buf), path, why);
	mp_buf_fini(&buf);
	return st;
}
