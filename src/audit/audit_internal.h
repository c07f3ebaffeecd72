/* audit_internal.h - shared inside src/audit only. */
#ifndef MAILPROOF_AUDIT_INTERNAL_H
#define MAILPROOF_AUDIT_INTERNAL_H

#include <mailproof/audit.h>

/* audit_tls.c: one TLS client session on a connected socket. */
struct mp_audit_tls_conn;

/* Handshake on fd (already connected, plain) restricted to one protocol
 * version when only_version >= 0 (enum mp_tls_proto), else any (-1: with
 * the CA store loaded for inspection, -2: without). *conn NULL
 * on failure, with *untestable set when our own OpenSSL cannot offer that
 * version. ca_file NULL: the system store. */
enum mp_smtp_io mp_audit_tls_connect(int fd, const char *sni, const char *ca_file,
                                     int only_version, struct mp_audit_tls_conn **conn,
                                     bool *untestable, struct mp_why *why);
/* Can our own OpenSSL offer this version (enum mp_tls_proto) at all? */
bool mp_audit_tls_can_offer(int version);
/* Inspect the session's certificate and parameters into t (arena copies). */
enum mp_status mp_audit_tls_inspect(struct mp_audit_tls_conn *conn, const char *name,
                                    long now, struct mp_arena *a, struct mp_audit_tls *t);
/* Read/write through TLS; like read(2)/write(2), -1 with errno set. */
long mp_audit_tls_read(struct mp_audit_tls_conn *conn, void *p, size_t len);
long mp_audit_tls_write(struct mp_audit_tls_conn *conn, const void *p, size_t len);
void mp_audit_tls_free(struct mp_audit_tls_conn *conn);

#endif
