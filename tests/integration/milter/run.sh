#!/bin/bash
# tests/integration/milter/run.sh - mailproofd inside a real Postfix, on
# loopback only: NSD serves the test zones, mailproofd runs as nobody with a
# key table and a sender map, Postfix has an MX-facing port and a
# submission port (STARTTLS with a self-signed certificate, SASL through
# Cyrus sasldb) and delivers into maildirs. swaks sends; we check what is
# delivered or refused, and what python3-dkim makes of our signatures.
#
# usage: run.sh SRCDIR MAILPROOFD     (root; exits 77 to skip without tools)
set -eu
SRC=$1
MAILPROOFD=$2

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (Postfix master)"
for t in postfix postconf nsd dig swaks saslpasswd2 openssl; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || skip "$t missing"
done
/usr/bin/python3 -c 'import dkim, dns.resolver' 2>/dev/null || skip "python3-dkim/dnspython missing"
export PATH=$PATH:/usr/sbin

[ -f "$SRC/tests/lib/postfix.sh" ] || skip "tests/lib/postfix.sh (shared Postfix helpers) missing"
. "$SRC/tests/lib/nsd.sh"
. "$SRC/tests/lib/postfix.sh"

W=$(mktemp -d /tmp/mp-milter-it.XXXXXX)
chmod 755 "$W"
MPID=
fails=0
passes=0

cleanup() {
	pf_stop "$W/pf"
	[ -z "$MPID" ] || { kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null || true; }
	nsd_stop
	if [ "$fails" -ne 0 ]; then
		echo "---- mailproofd log"; cat "$W/mailproofd.log" 2>/dev/null || true
		echo "---- postfix log"; tail -n 60 "$W/pf/log/maillog" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT

ok() { echo "ok - $*"; passes=$((passes + 1)); }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }

# ---- keys and zones ----
mkdir -p "$W/keys" "$W/mail"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/keys/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$W/keys/ed.pem" 2>/dev/null
chmod 600 "$W/keys/"*.pem
chown nobody "$W/keys/rsa.pem" "$W/keys/ed.pem"  # readable by UserID, for SIGHUP reloads
rsa_p=$(openssl pkey -in "$W/keys/rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
ed_p=$(openssl pkey -in "$W/keys/ed.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)

# txt - a TXT RDATA in 255-byte strings
txt() { echo "$1" | fold -w 255 | sed 's/.*/"&"/' | tr '\n' ' '; }

cat >"$W/example.test.zone" <<EOF
\$ORIGIN example.test.
\$TTL 300
@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns.example.test.
ns IN A 127.0.0.1
@ IN MX 10 mx.example.test.
mx IN A 127.0.0.1
@ IN TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc IN TXT "v=DMARC1; p=reject"
rsa2026._domainkey IN TXT $(txt "v=DKIM1; k=rsa; p=$rsa_p")
ed2026._domainkey IN TXT "v=DKIM1; k=ed25519; p=$ed_p"
EOF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/keys/sender.pem" 2>/dev/null
sender_p=$(openssl pkey -in "$W/keys/sender.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
# zone NAME EXTRA-LINES... - a small zone with SOA and NS
zone() {
	local name=$1
	shift
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$name"
		printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\n' "$name" "$name" "$name"
		printf 'ns IN A 127.0.0.1\n'
		printf '%s\n' "$@"
	} >"$W/$name.zone"
}
# bank.test: p=reject, mail only from 192.0.2.1 (we send from 127.0.0.1: a spoof)
zone bank.test '@ IN TXT "v=spf1 ip4:192.0.2.1 -all"' '_dmarc IN TXT "v=DMARC1; p=reject"'
# sender.test and late.test: legitimate senders on 127.0.0.1 that sign
for d in sender.test late.test; do
	zone $d '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"' '_dmarc IN TXT "v=DMARC1; p=reject"' \
		"s1._domainkey IN TXT $(txt "v=DKIM1; k=rsa; p=$sender_p")"
done
nsd_start "$W/example.test.zone" "$W/bank.test.zone" "$W/sender.test.zone" "$W/late.test.zone" \
	|| { echo "cannot start NSD"; exit 1; }

# ---- mailproofd ----
MPORT=$(pf_free_port)
cat >"$W/keytable" <<EOF
example.test rsa2026 $W/keys/rsa.pem
example.test ed2026  $W/keys/ed.pem
EOF
cat >"$W/senders" <<EOF
# login -> addresses it may use (Cyrus appends the realm to the login)
alice@mx.example.test alice@example.test
EOF
cat >"$W/mailproofd.conf" <<EOF
Socket          inet:$MPORT@127.0.0.1
AuthservID      mx.example.test
UserID          nobody:nogroup
PidFile         $W/mailproofd.pid
InternalHosts   none
KeyTable        $W/keytable
SenderMap       $W/senders
DNSServers      127.0.0.1@$NSD_PORT
DNSTimeBudget   4000
DNSTimeout      1000
OnTempError     tempfail
EOF
"$MAILPROOFD" -n -c "$W/mailproofd.conf" >/dev/null || { echo "mailproofd -n failed"; exit 1; }
"$MAILPROOFD" -f -c "$W/mailproofd.conf" >"$W/mailproofd.log" 2>&1 &
MPID=$!
pf_wait_port "$MPORT" || { cat "$W/mailproofd.log"; exit 1; }
if [ "$(ps -o user= -p "$MPID")" = nobody ]; then ok "mailproofd runs as nobody"; else not_ok "mailproofd user: $(ps -o user= -p "$MPID")"; fi
[ "$(cat "$W/mailproofd.pid")" = "$MPID" ] && ok "pidfile" || not_ok "pidfile"

# ---- Postfix ----
MX=$(pf_free_port)
SUB=$(pf_free_port)
pf_init "$W/pf" mx.example.test
pf_selfsigned "$W/pf" mx.example.test
pf_sasldb "$W/pf" alice alicepw
chown -R nobody:nogroup "$W/mail"
pf_conf "$W/pf" \
	"mydestination =" \
	"virtual_mailbox_domains = example.test" \
	"virtual_mailbox_base = $W/mail" \
	"virtual_mailbox_maps = static:inbox/" \
	"virtual_uid_maps = static:65534" \
	"virtual_gid_maps = static:65534" \
	"virtual_minimum_uid = 100" \
	"smtpd_milters = inet:127.0.0.1:$MPORT" \
	"milter_default_action = tempfail" \
	"smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination" \
	"mynetworks = 127.0.0.2/32"
pf_listen "$W/pf" "$MX"
pf_listen "$W/pf" "$SUB" -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes \
	-o smtpd_client_restrictions=permit_sasl_authenticated,reject
pf_start "$W/pf" || { echo "cannot start Postfix"; exit 1; }

# send NAME PORT ARGS... - swaks; output in $W/NAME.out, status in $W/NAME.rc
send() {
	local name=$1 port=$2
	shift 2
	set +e
	swaks --server 127.0.0.1 --port "$port" --helo client.example.test --timeout 30 \
		"$@" >"$W/$name.out" 2>&1
	echo $? >"$W/$name.rc"
	set -e
}
# submit NAME FROM-HEADER ENVELOPE - alice on the submission port
submit() {
	send "$1" "$SUB" --tls --auth PLAIN --auth-user alice --auth-password alicepw \
		--from "$3" --to bob@example.test --header "From: $2" \
		--header "Subject: $1" --body "test $1"
}
# delivered SUBJECT - path of the maildir file with that subject (waits)
delivered() {
	local i f
	for i in $(seq 1 50); do
		f=$(grep -l "^Subject: $1\$" "$W/mail/inbox/new/"* 2>/dev/null | head -1 || true)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.2
	done
	return 1
}
# dkim_verify FILE - python3-dkim verifies every signature against NSD
dkim_verify() {
	/usr/bin/python3 - "$1" "$NSD_PORT" <<'PY'
import sys, dkim, dns.resolver
msg = open(sys.argv[1], "rb").read()
r = dns.resolver.Resolver(configure=False)
r.nameservers = ["127.0.0.1"]
r.port = int(sys.argv[2])
def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    try:
        ans = r.resolve(name, "TXT")
    except Exception:
        return b""
    return b"".join(b"".join(rd.strings) for rd in ans)
d = dkim.DKIM(msg)
n = len([l for l in msg.split(b"\n") if l.lower().startswith(b"dkim-signature:")])
okall = n > 0 and all(d.verify(idx=i, dnsfunc=dnsfunc) for i in range(n))
print("signatures=%d verified=%s" % (n, okall))
sys.exit(0 if okall else 1)
PY
}

# ---- outbound: authenticated user as an allowed address ----
submit own "Alice <alice@example.test>" alice@example.test
if f=$(delivered own); then
	ok "own address delivered"
	if out=$(dkim_verify "$f"); then ok "python3-dkim verifies ours: $out"; else not_ok "DKIM: $out"; fi
	grep -q '^DKIM-Signature:.*a=rsa-sha256' "$f" -A3 2>/dev/null || grep -qi 'a=rsa-sha256' "$f" \
		&& ok "rsa-sha256 signature" || not_ok "no rsa-sha256 signature"
	grep -qi 'a=ed25519-sha256' "$f" && ok "ed25519-sha256 signature" || not_ok "no ed25519 signature"
	grep -qi '; l=' "$f" && not_ok "l= used" || ok "no l="
else
	not_ok "own address not delivered: $(tail -3 "$W/own.out")"
fi

# ---- outbound: authenticated user as someone else ----
submit other "Director <director@example.test>" alice@example.test
if grep -q '553 5.7.1' "$W/other.out" && ! grep -qs '^Subject: other$' "$W/mail/inbox/new/"*; then
	ok "someone else's From rejected 553 5.7.1"
else
	not_ok "someone else's From: $(grep -E '^<~?\*? *[0-9]{3}' "$W/other.out" | tail -2)"
fi
submit env "Alice <alice@example.test>" director@example.test
grep -q '553 5.7.1' "$W/env.out" && ok "someone else's envelope sender rejected 553 5.7.1" \
	|| not_ok "envelope: $(tail -2 "$W/env.out")"
submit twofrom "alice@example.test, director@example.test" alice@example.test
grep -q '553 5.7.1' "$W/twofrom.out" && ok "two From addresses rejected 553 5.7.1" \
	|| not_ok "two From: $(tail -2 "$W/twofrom.out")"

# signed NAME DOMAIN [EXTRA-HEADER] - a message from DOMAIN signed by python3-dkim
signed() {
	/usr/bin/python3 - "$W/keys/sender.pem" "$1" "$2" "${3:-}" >"$W/$1.eml" <<'PY'
import sys, dkim
key = open(sys.argv[1], "rb").read()
name, dom, extra = sys.argv[2], sys.argv[3], sys.argv[4]
hdrs = [b"From: Sender <news@" + dom.encode() + b">", b"To: bob@example.test",
        b"Subject: " + name.encode(), b"Date: Sun, 29 Nov 2026 12:00:00 +0000",
        b"Message-ID: <" + name.encode() + b"@" + dom.encode() + b">"]
if extra:
    hdrs.insert(0, extra.encode())
msg = b"\r\n".join(hdrs) + b"\r\n\r\nHello from " + dom.encode() + b".\r\n"
sig = dkim.sign(msg, b"s1", dom.encode(), key, include_headers=[b"from", b"to", b"subject", b"date"])
sys.stdout.buffer.write(sig + msg)
PY
}
# inbound NAME DOMAIN - send the signed message to the MX port
inbound() {
	send "$1" "$MX" --from "news@$2" --to bob@example.test --data "$W/$1.eml"
}
# ar_of FILE - our Authentication-Results field, unfolded
ar_of() {
	awk 'BEGIN{IGNORECASE=1} /^[^ \t]/{p=0} /^Authentication-Results:/{p=1} p' "$1" | tr -d '\r\n\t'
}

# ---- inbound: legitimate signed mail ----
signed legit sender.test
inbound legit sender.test
if f=$(delivered legit); then
	ar=$(ar_of "$f")
	case $ar in
	*mx.example.test*spf=pass*dkim=pass*dmarc=pass*) ok "legitimate mail: spf=pass dkim=pass dmarc=pass" ;;
	*) not_ok "legitimate mail A-R: $ar" ;;
	esac
	[ "$(grep -ci '^Authentication-Results:' "$f")" = 1 ] && ok "one Authentication-Results" \
		|| not_ok "several A-R fields"
else
	not_ok "legitimate mail not delivered: $(grep -E '^<\*\* ' "$W/legit.out" | tail -2)"
fi

# ---- inbound: forged Authentication-Results with our authserv-id ----
signed forged sender.test "Authentication-Results: mx.example.test; spf=pass; dkim=pass header.d=bank.test; dmarc=pass header.from=bank.test"
inbound forged sender.test
if f=$(delivered forged); then
	n=$(grep -ci '^Authentication-Results:' "$f")
	if [ "$n" = 1 ] && ! grep -q 'header.from=bank.test' "$f"; then
		ok "forged Authentication-Results removed, only ours left"
	else
		not_ok "forged A-R: $n fields: $(grep -i '^Authentication-Results' "$f")"
	fi
else
	not_ok "forged-A-R mail not delivered: $(grep -E '^<\*\* ' "$W/forged.out" | tail -2)"
fi

# ---- inbound: spoof of a p=reject domain ----
spoof() {
	send "$1" "$MX" --from ceo@bank.test --to bob@example.test \
		--header "From: CEO <ceo@bank.test>" --header "Subject: $1" --body "pay now"
}
spoof spoof
if grep -q '550 5.7.1' "$W/spoof.out" && grep -q 'bank.test' "$W/spoof.out"; then
	ok "spoof of p=reject domain rejected 550 5.7.1 naming the domain"
else
	not_ok "spoof: $(grep -E '^<\*\* ' "$W/spoof.out" | tail -2)"
fi
# report-only, through a SIGHUP reload (no restart, same socket)
sed -i 's/^OnTempError.*/&\nDMARCEnforce report-only/' "$W/mailproofd.conf"
kill -HUP "$MPID"
for i in $(seq 1 50); do grep -q 'configuration reloaded' "$W/mailproofd.log" && break; sleep 0.1; done
spoof spoof2
if f=$(delivered spoof2); then
	case $(ar_of "$f") in
	*dmarc=fail*) ok "report-only (after SIGHUP reload): spoof delivered with dmarc=fail" ;;
	*) not_ok "report-only A-R: $(ar_of "$f")" ;;
	esac
else
	not_ok "report-only spoof not delivered: $(grep -E '^<\*\* ' "$W/spoof2.out" | tail -2)"
fi
kill -0 "$MPID" && ok "mailproofd survived the reload" || not_ok "mailproofd died on SIGHUP"

# ---- inbound: DNS server stopped mid-test ----
# every process of this NSD instance (main, xfrd, server) by its own config path
nsd_pids=$(ps -eo pid=,args= | awk -v c="$NSD_DIR/nsd.conf" 'index($0, c) {print $1}' | tr '\n' ' ')
kill -STOP $nsd_pids
signed late late.test
inbound late late.test
if grep -q '451 4.7.5' "$W/late.out"; then ok "DNS down: tempfail 451 4.7.5"; else
	not_ok "DNS down: $(grep -E '^<\*\* ' "$W/late.out" | tail -2)"; fi
kill -CONT $nsd_pids
for i in $(seq 1 10); do
	inbound late late.test
	grep -q 'Ok: queued' "$W/late.out" && break
	sleep 2
done
if f=$(delivered late); then
	case $(ar_of "$f") in
	*dmarc=pass*) ok "DNS back: the same mail is delivered (dmarc=pass)" ;;
	*) not_ok "DNS back A-R: $(ar_of "$f")" ;;
	esac
else
	not_ok "DNS back: not delivered: $(grep -E '^<\*\* ' "$W/late.out" | tail -2)"
fi

# ---- nothing lost ----
[ "$(pf_queue_count "$W/pf")" = 0 ] && ok "queue empty" || not_ok "queue not empty"
grep -q 'action=' "$W/mailproofd.log" && ok "summary lines logged" || not_ok "no summary line"
if grep -q -- '-----BEGIN\|PRIVATE KEY' "$W/mailproofd.log"; then not_ok "key material in log"; else ok "no key material in log"; fi

echo "milter integration: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
