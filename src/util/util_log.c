/* util_log.c - logging. The library calls mp_log only for tracing, through
 * the handler a program installs; programs log with it directly.
 * The handler is process-wide: set it once at start-up, before threads. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailproof/log.h>

static mp_log_fn *handler;
static void *handler_arg;
static enum mp_log_level min_level = MP_LOG_INFO;
static const char *progname = "mailproof";

void
mp_log_set_handler(mp_log_fn *fn, void *arg)
{
	handler = fn;
	handler_arg = arg;
}

void
mp_log_set_level(enum mp_log_level lvl)
{
	min_level = lvl;
}

void
mp_log_set_progname(const char *name)
{
	progname = name;
}

/* emit - deliver one formatted line */
static void
emit(enum mp_log_level lvl, const char *line)
{
	static const char *names[] = { "debug", "info", "warning", "error" };

	if (lvl < min_level)
		return;
	if (handler)
		handler(handler_arg, lvl, line);
	else
		fprintf(stderr, "%s: %s%s%s\n", progname,
		    lvl >= MP_LOG_WARN ? names[lvl] : "",
		    lvl >= MP_LOG_WARN ? ": " : "", line);
}

void
mp_log(enum mp_log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	emit(lvl, line);
}

void
mp_log_errno(enum mp_log_level lvl, const char *fmt, ...)
{
	char line[1024];
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	n = strlen(line);
	snprintf(line + n, sizeof line - n, ": %s", strerror(saved));
	emit(lvl, line);
}

_Noreturn void
mp_fatal(int status, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	emit(MP_LOG_ERROR, line);
	exit(status);
}

_Noreturn void
mp_panic(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	emit(MP_LOG_ERROR, line);
	abort();
}

const char *
mp_log_quote(struct mp_str s, char out[MP_LOG_QUOTE_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = s.len > 100 ? 100 : s.len, o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (s.len > 100) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
