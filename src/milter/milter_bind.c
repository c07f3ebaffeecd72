/* milter_bind.c - sender binding: may this authenticated login send a
 * message with this header From and this envelope sender? No MTA binds the
 * login to the header From at address level; this is what stops a logged-in
 * user (or a stolen account) from writing as someone else. Fails closed:
 * no From, several From fields or authors, a From without a domain are all
 * rejected, as is a login the map does not know. Pure; thread-safe.
 */
#include <mailproof/log.h>
#include <mailproof/msg.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_internal.h"

/* addr_text - printable local@domain for a reason text */
static const char *
addr_text(const struct mp_addr *a, char out[MP_LOG_QUOTE_MAX])
{
	struct mp_str s = a->addr_spec;

	if (s.len == 0)
		s = a->local.len ? a->local : a->domain;
	return mp_log_quote(s, out);
}

bool
milter_bind_check(const struct milter_sendermap *map, struct mp_str login,
                  const struct mp_addr *from, const struct mp_why *from_why,
                  const struct mp_addr *env, const struct mp_why *env_why,
                  struct mp_why *why)
{
	char q[MP_LOG_QUOTE_MAX], lq[MP_LOG_QUOTE_MAX];

	mp_why_clear(why);
	if (from == NULL || mp_why_failed(from_why)) {
		mp_why_setf(why, MP_REASON_MILTER_BIND_FROM_AMBIGUOUS,
		    "From header refused: %s",
		    from_why && mp_why_failed(from_why) ? mp_reason_token(from_why->reason)
		                                       : "no author");
		return false;
	}
	if (!milter_sendermap_has_login(map, login)) {
		mp_why_setf(why, MP_REASON_MILTER_BIND_UNKNOWN_LOGIN,
		    "login %s may not send mail as anyone", mp_log_quote(login, lq));
		return false;
	}
	if (!milter_sendermap_allows(map, login, from->local, from->domain_lc)) {
		mp_why_setf(why, MP_REASON_MILTER_BIND_FROM_NOT_OWNED,
		    "login %s may not use From address %s", mp_log_quote(login, lq),
		    addr_text(from, q));
		return false;
	}
	if (env == NULL || mp_why_failed(env_why)) {
		mp_why_setf(why, MP_REASON_MILTER_BIND_ENVELOPE_SYNTAX,
		    "envelope sender refused: %s",
		    env_why && mp_why_failed(env_why) ? mp_reason_token(env_why->reason)
		                                     : "missing");
		return false;
	}
	/* RFC 5321 §4.5.5: the null reverse-path is for notifications; the
	 * header From above still binds the message to the login. */
	if (env->local.len == 0 && env->domain.len == 0)
		return true;
	if (!milter_sendermap_allows(map, login, env->local, env->domain_lc)) {
		mp_why_setf(why, MP_REASON_MILTER_BIND_ENVELOPE_NOT_OWNED,
		    "login %s may not use envelope sender %s", mp_log_quote(login, lq),
		    addr_text(env, q));
		return false;
	}
	return true;
}
