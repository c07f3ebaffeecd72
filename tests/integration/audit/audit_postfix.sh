#!/bin/bash
# audit_postfix.sh MAILPROOF - run `mailproof audit smtp` against a real
# Postfix twice, on loopback ports, each instance in its own directory:
#   hardened: no relay, STARTTLS with a self-signed certificate,
#             smtpd_tls_auth_only, TLS >= 1.2, submission (STARTTLS) and
#             submissions (implicit TLS) requiring AUTH via Cyrus sasldb
#   unsafe:   relay open to all networks (mynetworks 0.0.0.0/0), AUTH in
#             clear, no STARTTLS, VRFY on, version in the banner
# and assert the findings exactly, then that no message was queued.
set -euo pipefail
MAILPROOF=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/postfix.sh
. "$here/../../lib/postfix.sh"

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null || ! command -v saslpasswd2 >/dev/null; then
	echo "SKIP: needs root, postfix and sasl2-bin"
	exit 77
fi

tmp=$(mktemp -d /tmp/mp-audit-XXXXXX)
chmod 755 "$tmp"
H=$tmp/hardened
U=$tmp/unsafe
cleanup() {
	[ -n "${MP_AUDIT_KEEP:-}" ] && { echo "kept $tmp"; return; }
	pf_stop "$H"
	pf_stop "$U"
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- hardened ----
pf_init "$H" mx.hardened.example
HP1=$(pf_free_port); HP2=$(pf_free_port); HP3=$(pf_free_port)
pf_selfsigned "$H" mx.hardened.example
pf_sasldb "$H" alice 's3cret!'
pf_conf "$H" \
	"mynetworks = 192.0.2.1/32" \
	"smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
	"smtpd_tls_security_level = may" \
	"smtpd_tls_auth_only = yes" \
	"smtpd_sasl_auth_enable = yes" \
	"smtpd_tls_protocols = >=TLSv1.2" \
	"smtpd_tls_mandatory_protocols = >=TLSv1.2" \
	"disable_vrfy_command = yes"
submission_opts=(-o smtpd_client_restrictions=permit_sasl_authenticated,reject
	-o smtpd_relay_restrictions=permit_sasl_authenticated,reject)
pf_listen "$H" "$HP1"
pf_listen "$H" "$HP2" -o smtpd_tls_security_level=encrypt "${submission_opts[@]}"
pf_listen "$H" "$HP3" -o smtpd_tls_wrappermode=yes "${submission_opts[@]}"

# ---- unsafe ----
pf_init "$U" mx.unsafe.example
UP1=$(pf_free_port); UP2=$(pf_free_port); UP3=$(pf_free_port)
pf_sasldb "$U" bob 'hunter2'
pf_conf "$U" \
	"mynetworks = 0.0.0.0/0" \
	"smtpd_tls_security_level = none" \
	"smtpd_sasl_auth_enable = yes" \
	"smtpd_tls_auth_only = no" \
	"smtpd_banner = \$myhostname ESMTP \$mail_name \$mail_version" \
	"trust_own_senders = permit_mynetworks, check_sender_access inline:{ mx.unsafe.example=OK }, reject_unauth_destination"
pf_listen "$U" "$UP1"
pf_listen "$U" "$UP2"
# the classic half-open relay: no open mynetworks, but "our own domain as
# sender" is trusted, so forged local senders relay and outside ones do not
pf_listen "$U" "$UP3" -o mynetworks=192.0.2.1/32 -o 'smtpd_relay_restrictions=$trust_own_senders'


t0=$SECONDS
pf_start "$H"
pf_start "$U"
echo "postfix instances up in $((SECONDS - t0)) s"

set +e
"$MAILPROOF" audit smtp 127.0.0.1 --json --timeout 10 --tls-name mx.hardened.example \
	--port "$HP1/smtp,$HP2/submission,$HP3/smtps" >"$tmp/hardened.json"
hrc=$?
"$MAILPROOF" audit smtp 127.0.0.1 --json --timeout 10 \
	--port "$UP1/smtp,$UP2/submission,$UP3/smtp" >"$tmp/unsafe.json"
urc=$?
set -e
echo "audits done in $((SECONDS - t0)) s"

/usr/bin/python3 - "$tmp/hardened.json" "$tmp/unsafe.json" "$hrc" "$urc" <<'PY'
import json, sys

hard = json.load(open(sys.argv[1]))
unsafe = json.load(open(sys.argv[2]))
hrc, urc = int(sys.argv[3]), int(sys.argv[4])
bad = []

def check(what, got, want):
    if got != want:
        bad.append(f"{what}: got {got!r}, want {want!r}")

def findings(port):
    return [(f["id"], f["detail"]) for f in port["findings"]]

cert = ("cert-self-signed", "CN=mx.hardened.example")
check("hardened exit", hrc, 1)      # a self-signed certificate is medium
h25, h587, h465 = hard["ports"]
for p in hard["ports"]:
    m = p["mode"]
    check(f"hardened {m} status", p["status"], "ok")
    check(f"hardened {m} findings", findings(p), [cert])
    check(f"hardened {m} tls protocol", p["tls"]["protocol"], "TLSv1.3")
    check(f"hardened {m} name", p["tls"]["name_match"], True)
    check(f"hardened {m} chain", p["tls"]["chain_valid"], False)
    check(f"hardened {m} versions", {k: v for k, v in p["tls"]["versions"].items() if k != "SSLv3"},
          {"TLSv1": "rejected", "TLSv1.1": "rejected", "TLSv1.2": "accepted", "TLSv1.3": "accepted"})
    check(f"hardened {m} auth after tls", p["auth_after_tls"], ["PLAIN", "LOGIN"])
    check(f"hardened {m} relay", [r["accepted"] for r in p["relay"]], [False] * 7)
    check(f"hardened {m} vrfy", p["vrfy"], 502)
for p, probe in ((h25, 503), (h587, 530)):
    m = p["mode"]
    check(f"hardened {m} starttls", p["starttls"], {"offered": True, "reply": 220, "ok": True})
    check(f"hardened {m} auth before tls", p["auth_before_tls"], [])
    check(f"hardened {m} auth probe", p["auth_probe"]["reply"], probe)
    check(f"hardened {m} starttls injection", p["tls"]["starttls_injection"], False)
check("hardened banner", h25["banner"], "mx.hardened.example ESMTP Postfix")
check("hardened smtps ehlo (plain)", h465["ehlo"], None)
for p in (h587, h465):
    check(f"hardened {p['mode']} submission rcpt", p["submission_without_auth"]["rcpt"], 554)

check("unsafe exit", urc, 1)
u25, u587, utrust = unsafe["ports"]
version = None
for p in (u25, u587):
    m = p["mode"]
    check(f"unsafe {m} status", p["status"], "ok")
    version = p["banner"].split()[-1]
    accepted = [r["variant"] for r in p["relay"] if r["accepted"]]
    want = [("banner-version", p["banner"]), ("no-starttls", ""),
            ("auth-plaintext-advertised", ""), ("auth-plaintext-accepted", "PLAIN")]
    if m == "submission":
        want.append(("submission-no-auth", "RCPT answered 250"))
    want += [("open-relay", v) for v in accepted]
    want.append(("vrfy-enabled", "252"))
    check(f"unsafe {m} findings", findings(p), want)
    check(f"unsafe {m} relay accepted", accepted,
          ["plain", "percent-hack", "quoted", "bang-path", "source-route",
           "external-sender", "null-sender"])
    check(f"unsafe {m} starttls", p["starttls"], {"offered": False, "reply": None, "ok": False})
    check(f"unsafe {m} auth before tls", p["auth_before_tls"], ["PLAIN", "LOGIN"])
    check(f"unsafe {m} tls", p["tls"]["protocol"], None)
check("unsafe banner", u25["banner"], "mx.unsafe.example ESMTP Postfix " + version)
local_sender = ["plain", "percent-hack", "quoted", "bang-path", "source-route"]
check("trusting-sender relay accepted", [r["variant"] for r in utrust["relay"] if r["accepted"]],
      local_sender)
check("trusting-sender relay codes", [(r["variant"], r["rcpt"]) for r in utrust["relay"] if not r["accepted"]],
      [("external-sender", 554), ("null-sender", 554)])
check("trusting-sender findings", findings(utrust),
      [("banner-version", utrust["banner"]), ("no-starttls", ""), ("auth-plaintext-advertised", ""),
       ("auth-plaintext-accepted", "PLAIN")] + [("open-relay", v) for v in local_sender] +
      [("vrfy-enabled", "252")])

for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print("audit findings: hardened 3 ports, unsafe 3 ports: as expected")
PY

# No audit may deliver or queue anything.
for d in "$H" "$U"; do
	n=$(pf_queue_count "$d")
	if [ "$n" != 0 ]; then
		echo "FAIL: $n message(s) queued in $d"
		postqueue -c "$d/etc" -p
		exit 1
	fi
	postqueue -c "$d/etc" -p | grep -q "Mail queue is empty" || { echo "FAIL: queue of $d not empty"; exit 1; }
	if grep -E "status=(sent|deferred|bounced)|: message-id=" "$d/log/maillog"; then
		echo "FAIL: a message was accepted by $d"
		exit 1
	fi
done
echo "queues empty: no message delivered"
