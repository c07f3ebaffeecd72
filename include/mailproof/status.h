/* mailproof/status.h - call status, export macro, reasons (why a result). */
#ifndef MAILPROOF_STATUS_H
#define MAILPROOF_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define MP_API __attribute__((visibility("default")))
#define MP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MP_API
#define MP_PRINTF(f, a)
#endif

/* Whether a call worked; never what the protocol concluded (STYLE.md §5). */
enum mp_status {
	MP_OK = 0,      /* done */
	MP_PENDING,     /* needs DNS answers; see mailproof/dns.h */
	MP_ENOMEM,      /* allocation failed */
	MP_ELIMIT,      /* an explicit limit (mailproof/limits.h) was reached */
	MP_EINVAL,      /* caller misuse or unusable input */
	MP_EIO,         /* a driver's I/O failed (files, sockets) */
};

/* "ok", "pending", ...; never NULL. */
MP_API const char *mp_status_name(enum mp_status st);

/*
 * Stable reason codes. Each area owns one list in mailproof/reasons/<area>.def
 * of MP_REASON(ID, "token", "default human text") lines, so areas can grow
 * their lists independently. The token is what JSON output and tests use.
 */
enum mp_reason {
#define MP_REASON(id, token, text) MP_REASON_##id,
#include <mailproof/reasons/all.def>
#undef MP_REASON
	MP_REASON__COUNT
};

/* Longest human text kept in a struct mp_why, in bytes (cut with "..."). */
#define MP_WHY_TEXT_MAX 240

/* Why a result is what it is: a code for programs, a text for people. */
struct mp_why {
	enum mp_reason reason;
	char text[MP_WHY_TEXT_MAX + 1];
};

/* Token for r ("spf-too-many-lookups"); never NULL. */
MP_API const char *mp_reason_token(enum mp_reason r);
/* Default human text for r; never NULL. */
MP_API const char *mp_reason_text(enum mp_reason r);
/* Empty why: MP_REASON_NONE, text "". */
MP_API void mp_why_clear(struct mp_why *why);
/* Set reason r with its default text; returns MP_OK so parsers can
 * "return mp_why_set(...)". why may be NULL. */
MP_API enum mp_status mp_why_set(struct mp_why *why, enum mp_reason r);
/* Set reason r with a formatted text (cut with "..." past
 * MP_WHY_TEXT_MAX; untrusted %s arguments should go through
 * mp_log_quote() first). Returns MP_OK. */
MP_API enum mp_status mp_why_setf(struct mp_why *why, enum mp_reason r,
                                  const char *fmt, ...) MP_PRINTF(3, 4);
/* Has a failure reason been set? */
static inline bool
mp_why_failed(const struct mp_why *why)
{
	return why != NULL && why->reason != 0;
}

#endif
