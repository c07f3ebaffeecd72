/* mailproof/limits.h - every limit mailproof enforces, with its source.
 *
 * Configuration may lower a limit, never raise it past these. Limits set by
 * an RFC cite the section; our own limits say why they are what they are.
 * Areas add their own block below; keep one block per area.
 */
#ifndef MAILPROOF_LIMITS_H
#define MAILPROOF_LIMITS_H

/* ---- DNS (RFC 1035) ---- */
#define MP_LIMIT_DNS_NAME 255          /* RFC 1035 §2.3.4: wire name length */
#define MP_LIMIT_DNS_LABEL 63          /* RFC 1035 §2.3.4: label length */
#define MP_LIMIT_DNS_NAME_TEXT 1024    /* presentation form, escapes included (4 x 255) */
#define MP_LIMIT_DNS_TXT_STRING 255    /* RFC 1035 §3.3: <character-string> */
#define MP_LIMIT_DNS_RDATA 65535       /* RFC 1035 §3.2.1: RDLENGTH is 16 bits */
#define MP_LIMIT_DNS_RRS 512           /* own: records kept per answer */
#define MP_LIMIT_DNS_CNAME_CHAIN 8     /* own: CNAME hops followed (loops end here) */
#define MP_LIMIT_ZONE_FILE (64u << 20) /* own: zone file bytes read (64 MiB) */
#define MP_LIMIT_ZONE_LINE 65535       /* own: one logical zone-file entry, parentheses joined */
#define MP_LIMIT_DNS_INFLIGHT 65536    /* own: queries outstanding in one resolver */
#define MP_LIMIT_ZONE_BYTES (512u << 20) /* own: memory one in-memory zone may use */
#define MP_LIMIT_ZONE_TOKENS 8192     /* own: fields in one zone-file entry */
#define MP_LIMIT_ZONE_PAREN 64         /* own: nested parentheses in a zone-file entry */
#define MP_LIMIT_DNS_POINTERS 64       /* own: compression pointers followed per name */
#define MP_LIMIT_DNS_PACKET 65535      /* RFC 1035 §4.2.2: TCP message length is 16 bits */
#define MP_LIMIT_DNS_TIMEOUT_MS 5000   /* own: default per-query timeout */
#define MP_LIMIT_DNS_ANSWER_ARENA (4u << 20) /* own: bytes one decoded answer may use */
#define MP_LIMIT_DNS_UDP_PAYLOAD 1232  /* DNS flag day 2020: EDNS0 UDP buffer advertised */
#define MP_LIMIT_DNS_UDP_SERVERS 8     /* own: servers one UDP resolver fails over between */
#define MP_LIMIT_DNS_CACHE_ENTRIES 65536 /* own: answers the UDP driver keeps */
#define MP_LIMIT_DNS_CACHE_TTL 3600    /* own: seconds an answer is kept at most */

/* ---- message (RFC 5322) ---- */
#define MP_LIMIT_LINE 998              /* RFC 5322 §2.1.1: line length without CRLF (reported, not fatal) */
#define MP_LIMIT_HEADER_FIELD 65536    /* own: one unfolded field; 10 KB From is legal but suspect */
#define MP_LIMIT_HEADER_FIELDS 1000    /* own: header field count; real mail rarely exceeds 100 */
#define MP_LIMIT_HEADER_TOTAL (1u << 20) /* own: header block bytes (1 MiB) */
#define MP_LIMIT_ADDRESSES 1000        /* own: addresses in one address list */
#define MP_LIMIT_ADDR_NESTING 16       /* own: nested comments in an address */
#define MP_LIMIT_LOCAL_PART 64         /* RFC 5321 §4.5.3.1.1 (reported, not fatal) */

/* ---- SPF (RFC 7208) ---- */
#define MP_LIMIT_SPF_DNS_TERMS 10      /* RFC 7208 §4.6.4: DNS-querying terms */
#define MP_LIMIT_SPF_VOID_LOOKUPS 2    /* RFC 7208 §4.6.4: void lookups */
#define MP_LIMIT_SPF_MX_NAMES 10       /* RFC 7208 §4.6.4: MX names looked up per mx term */
#define MP_LIMIT_SPF_PTR_NAMES 10      /* RFC 7208 §4.6.4: PTR names checked per ptr term/%{p} */
#define MP_LIMIT_SPF_LENIENT_DNS_TERMS 30 /* lint: lenient receivers' limit */
#define MP_LIMIT_SPF_RECORD 4096       /* own: concatenated record length */
#define MP_LIMIT_SPF_TERMS 256         /* own: terms in one record */
#define MP_LIMIT_SPF_MACRO_OUT 253     /* RFC 7208 §7.3: domain-spec truncated to 253 */
#define MP_LIMIT_SPF_EXPLANATION 1024  /* own: expanded exp= text */
#define MP_LIMIT_SPF_UDP_SAFE 450      /* lint: record bytes that fit one UDP answer comfortably (RFC 7208 §3.4) */

/* ---- DKIM (RFC 6376, 8301, 8463) ---- */
#define MP_LIMIT_DKIM_SIGS 10          /* own: signatures evaluated per message (default; configurable lower) */
#define MP_LIMIT_DKIM_SIG_FIELD 8192   /* own: one DKIM-Signature field */
#define MP_LIMIT_DKIM_H_TAGS 256       /* own: names in h= */
#define MP_LIMIT_DKIM_RSA_MIN 1024     /* RFC 8301 §3.2: smaller keys never pass */
#define MP_LIMIT_DKIM_RSA_MAX 8192     /* own: larger keys are refused (cost) */
#define MP_LIMIT_DKIM_KEY_DER 2048     /* own: decoded p= bytes (8192-bit RSA SPKI is ~1,100) */
#define MP_LIMIT_DKIM_KEY_RECORD 4096  /* own: key TXT record */
#define MP_LIMIT_DKIM_CLOCK_SKEW 300   /* own: seconds of t= in the future tolerated */
#define MP_LIMIT_DKIM_BODY_HASHES 8    /* own: distinct body hashes per message */

/* ---- DMARC (RFC 9989, RFC 7489) ---- */
#define MP_LIMIT_DMARC_TREE_WALK 8     /* RFC 9989 §4.10: DNS tree walk queries */
#define MP_LIMIT_DMARC_RECORD 4096     /* own: record length */
#define MP_LIMIT_DMARC_URIS 16         /* own: report URIs per tag */
#define MP_LIMIT_DMARC_FINDINGS 32     /* own: findings (errors, notes) kept per record */
#define MP_LIMIT_DMARC_NAMES 160       /* own: names looked up for one message: 17 walks of 8, PSL and existence */
#define MP_LIMIT_DMARC_IDENTIFIERS 16  /* own: SPF + DKIM identifiers checked for alignment */
#define MP_LIMIT_DMARC_DOMAIN 253      /* RFC 1035 §2.3.4: domain text without trailing dot */

/* ---- ARC (RFC 8617) ---- */
#define MP_LIMIT_ARC_INSTANCES 50      /* RFC 8617 §4.2.1 */

/* ---- Authentication-Results (RFC 8601) ---- */
#define MP_LIMIT_AUTHRES_RESULTS 64    /* own: resinfo entries in one header */
#define MP_LIMIT_AUTHRES_PROPS 32      /* own: properties per resinfo */

/* ---- plan (inventories) ---- */
#define MP_LIMIT_PLAN_DOMAINS 10000    /* own: domains in one inventory */
#define MP_LIMIT_PLAN_SERVERS 1000     /* own: servers in one inventory */
#define MP_LIMIT_PLAN_PROVIDERS 1000   /* own: catalogue + inline providers */
#define MP_LIMIT_PLAN_SENDERS 64       /* own: third parties per domain */
#define MP_LIMIT_PLAN_ADDRS 64         /* own: addresses per server */
#define MP_LIMIT_PLAN_PARAMS 32        /* own: parameters / selectors per provider */
#define MP_LIMIT_PLAN_VALUE 1024       /* own: one scalar value */
#define MP_LIMIT_PLAN_ARENA (256u << 20) /* own: memory for one inventory or plan */

/* ---- audit (RFC 5321, RFC 3207, RFC 4954, RFC 8314) ---- */
#define MP_LIMIT_SMTP_REPLY_LINE 2048  /* RFC 5321 §4.5.3.1.5 says 512 with CRLF; own: tolerate 4x */
#define MP_LIMIT_SMTP_REPLY_LINES 128  /* own: lines in one multi-line reply */
#define MP_LIMIT_SMTP_EHLO_LINES 64    /* own: EHLO keywords kept */
#define MP_LIMIT_SMTP_AUTH_MECHS 32    /* own: SASL mechanisms kept */
#define MP_LIMIT_SMTP_INPUT (64u << 10) /* own: unparsed reply bytes buffered */
#define MP_LIMIT_SMTP_COMMAND 1024     /* RFC 5321 §4.5.3.1.4: 512; own: room for long names */
#define MP_LIMIT_AUDIT_PORTS 16        /* own: ports audited per host */
#define MP_LIMIT_AUDIT_FINDINGS 64     /* own: findings per port */
#define MP_LIMIT_AUDIT_STEPS 200       /* own: dialogue steps per connection */
#define MP_LIMIT_AUDIT_ARENA (4u << 20) /* own: memory per audited host */
#define MP_LIMIT_AUDIT_PTR_NAMES 10    /* like RFC 7208 §4.6.4's PTR limit: names forward-checked */

/* ---- configuration, maps ---- */
#define MP_LIMIT_CONFIG_FILE (4u << 20) /* own: configuration or map file bytes */
#define MP_LIMIT_CONFIG_LINE 8192      /* own: one configuration line */

/* ---- milter (mailproofd) ---- */
#define MP_LIMIT_MILTER_INTERNAL_HOSTS 4096  /* own: CIDR entries in InternalHosts */
#define MP_LIMIT_MILTER_SENDER_PAIRS 200000  /* own: login/address pairs in a sender map */
#define MP_LIMIT_MILTER_MAP_ITEMS 1000       /* own: addresses or logins on one map line */
#define MP_LIMIT_MILTER_KEYS 4096            /* own: key table rows */
#define MP_LIMIT_MILTER_KEYS_PER_DOMAIN 4    /* own: signatures per message (e.g. rsa + ed25519) */
#define MP_LIMIT_MILTER_KEY_FILE 16384       /* own: PEM key file bytes (8192-bit RSA is ~6.5 KB) */
#define MP_LIMIT_MILTER_OVERRIDES 100000     /* own: DMARCOverride entries */
#define MP_LIMIT_MILTER_DNS_SERVERS 8        /* own: DNSServers entries */
#define MP_LIMIT_MILTER_CONNECTIONS 10000    /* own: MaxConnections ceiling */
#define MP_LIMIT_MILTER_DNS_BUDGET_MS 300000 /* own: Postfix milter_content_timeout default (300 s) */
#define MP_LIMIT_MILTER_MACRO 1024           /* own: bytes kept of one MTA macro value */
#define MP_LIMIT_MILTER_CHUNK 65536          /* libmilter MILTER_CHUNK_SIZE: one body callback */
#define MP_LIMIT_MILTER_AUTHRES_FIELDS 64    /* own: A-R / Received-SPF fields removed per message */
#define MP_LIMIT_MILTER_DNS_CACHE 8192       /* own: DNS answers shared by connections */

/* ---- check (mailproof check, issue 6) ---- */
#define MP_LIMIT_CHECK_ARENA (8u << 20)  /* own: bytes one domain check may use */
#define MP_LIMIT_CHECK_QUESTIONS 400     /* own: DNS questions one domain check may ask */
#define MP_LIMIT_CHECK_SELECTORS 64      /* own: DKIM selectors probed (built-in + --selectors) */
#define MP_LIMIT_CHECK_MX_HOSTS 10       /* own: MX hosts checked (like RFC 7208 §4.6.4's 10 MX names) */
#define MP_LIMIT_CHECK_MX_ADDRS 8        /* own: addresses checked per MX host (A + AAAA) */
#define MP_LIMIT_CHECK_FINDINGS 128      /* own: findings kept per domain */
#define MP_LIMIT_CHECK_REPORT_DESTS 8    /* own: external rua/ruf domains checked for authorization */
#define MP_LIMIT_CHECK_TAGS 32           /* own: tags in an MTA-STS / TLS-RPT / BIMI record */
#define MP_LIMIT_CHECK_BULK_LINE 1024    /* own: one input line of --bulk */
#define MP_LIMIT_CHECK_CONCURRENCY 10000 /* own: domains in flight in --bulk */
#define MP_LIMIT_CHECK_RETRIES 64        /* own: questions a domain with working servers asks again after a timeout/SERVFAIL */

#endif
