/* milter_pending.c - the parts of mailproofd that wait for other areas:
 * inbound checks through the verify layer.
 * TODO(issue 7): wire include/mailproof/verify.h (SPF + DKIM + DMARC for one
 * message) when it lands. Until then every entry point fails with MILTER_NOT_READY, so the decision is
 * OnInternalError (tempfail by default): mail is delayed, never passed with
 * invented results.
 */
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_internal.h"

enum mp_status
milter_check_start(const struct milter_check_facts *f, struct mp_str headers,
                   struct milter_check **out, struct mp_why *why)
{
	(void)f, (void)headers;
	*out = NULL;
	mp_why_setf(why, MP_REASON_MILTER_NOT_READY, "inbound checks are not built in yet");
	return MP_EINVAL;
}

enum mp_status
milter_check_body(struct milter_check *k, const char *p, size_t len)
{
	(void)k, (void)p, (void)len;
	return MP_EINVAL;
}

enum mp_status
milter_check_end(struct milter_check *k, struct milter_verdict *v, struct mp_buf *authres,
                 const char **spf, const char **dkim, const char **dmarc, struct mp_why *why)
{
	(void)k, (void)v, (void)authres, (void)spf, (void)dkim, (void)dmarc;
	mp_why_setf(why, MP_REASON_MILTER_NOT_READY, "inbound checks are not built in yet");
	return MP_EINVAL;
}

void
milter_check_free(struct milter_check *k)
{
	(void)k;
}
