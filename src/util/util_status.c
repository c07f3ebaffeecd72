/* util_status.c - status names, reason tables, struct mp_why. Thread-safe. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mailproof/status.h>

static const struct {
	const char *token, *text;
} reasons[] = {
#define MP_REASON(id, token, text) { token, text },
#include <mailproof/reasons/all.def>
#undef MP_REASON
};

const char *
mp_status_name(enum mp_status st)
{
	switch (st) {
	case MP_OK: return "ok";
	case MP_PENDING: return "pending";
	case MP_ENOMEM: return "out of memory";
	case MP_ELIMIT: return "limit reached";
	case MP_EINVAL: return "invalid";
	case MP_EIO: return "i/o error";
	}
	return "unknown";
}

const char *
mp_reason_token(enum mp_reason r)
{
	if ((unsigned)r >= sizeof reasons / sizeof reasons[0])
		return "unknown";
	return reasons[r].token;
}

const char *
mp_reason_text(enum mp_reason r)
{
	if ((unsigned)r >= sizeof reasons / sizeof reasons[0])
		return "unknown reason";
	return reasons[r].text;
}

void
mp_why_clear(struct mp_why *why)
{
	if (why) {
		why->reason = MP_REASON_NONE;
		why->text[0] = '\0';
	}
}

enum mp_status
mp_why_set(struct mp_why *why, enum mp_reason r)
{
	if (why) {
		size_t n = strlen(mp_reason_text(r));
		if (n > MP_WHY_TEXT_MAX)
			n = MP_WHY_TEXT_MAX;
		why->reason = r;
		memcpy(why->text, mp_reason_text(r), n);
		why->text[n] = '\0';
	}
	return MP_OK;
}

enum mp_status
mp_why_setf(struct mp_why *why, enum mp_reason r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (why == NULL)
		return MP_OK;
	why->reason = r;
	va_start(ap, fmt);
	n = vsnprintf(why->text, sizeof why->text, fmt, ap);
	va_end(ap);
	if (n < 0)
		why->text[0] = '\0';
	else if ((size_t)n >= sizeof why->text)   /* cut, and say so */
		memcpy(why->text + sizeof why->text - 4, "...", 4);
	return MP_OK;
}
