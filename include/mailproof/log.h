/* mailproof/log.h - logging for programs; the library only traces through a handler. */
#ifndef MAILPROOF_LOG_H
#define MAILPROOF_LOG_H

#include <stddef.h>

#include <mailproof/status.h>
#include <mailproof/str.h>

enum mp_log_level { MP_LOG_DEBUG, MP_LOG_INFO, MP_LOG_WARN, MP_LOG_ERROR };

typedef void mp_log_fn(void *arg, enum mp_log_level lvl, const char *line);

/* Route library tracing and program logs; NULL restores stderr. */
MP_API void mp_log_set_handler(mp_log_fn *fn, void *arg);
MP_API void mp_log_set_level(enum mp_log_level lvl);
MP_API void mp_log_set_progname(const char *name);
MP_API void mp_log(enum mp_log_level lvl, const char *fmt, ...) MP_PRINTF(2, 3);
#define mp_log_debug(...) mp_log(MP_LOG_DEBUG, __VA_ARGS__)
#define mp_log_info(...) mp_log(MP_LOG_INFO, __VA_ARGS__)
#define mp_log_warn(...) mp_log(MP_LOG_WARN, __VA_ARGS__)
#define mp_log_error(...) mp_log(MP_LOG_ERROR, __VA_ARGS__)
/* Like mp_log_* with ": strerror(errno)" appended. */
MP_API void mp_log_errno(enum mp_log_level lvl, const char *fmt, ...) MP_PRINTF(2, 3);
/* Environment or configuration problem: log and exit(status). Programs only. */
MP_API _Noreturn void mp_fatal(int status, const char *fmt, ...) MP_PRINTF(2, 3);
/* Broken invariant: log and abort. */
MP_API _Noreturn void mp_panic(const char *fmt, ...) MP_PRINTF(1, 2);

/* Untrusted bytes made printable into out (NUL-terminated): non-printables
 * as \xHH, cut at 100 input bytes with "...". out must hold
 * MP_LOG_QUOTE_MAX bytes. Returns out. */
#define MP_LOG_QUOTE_MAX (100 * 4 + 4)
MP_API const char *mp_log_quote(struct mp_str s, char out[MP_LOG_QUOTE_MAX]);

#endif
