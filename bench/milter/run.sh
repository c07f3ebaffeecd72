#!/bin/bash
# bench/milter/run.sh - load test and benchmark for mailproofd.
#
#   bench/milter/run.sh MAILPROOFD [MESSAGES] [SESSIONS] [--compare]
#
# Inside a private network and mount namespace (unshare; nothing leaves the
# machine, /etc/resolv.conf is ours only in there): NSD answers the test
# zones on 127.0.0.1:53, a throw-away Postfix takes MESSAGES DKIM-signed
# messages from smtp-source (SESSIONS at once, default 2000 / 20) on its
# MX-facing port, runs them through the milter(s) and relays them to
# smtp-sink. Every message must reach the sink, the queue must end empty,
# the milter log must have no error, and mailproofd's resident memory must
# not grow after the first quarter (load test). With --compare the same
# load then runs through Debian's OpenDKIM (verify) + OpenDMARC (SPF and
# DMARC) doing the same checks, and the milters' CPU seconds per 1,000
# messages and their ratio are printed. Needs root.
set -eu
if [ "${MP_BENCH_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	for t in unshare ip nsd dig bc smtp-source smtp-sink postfix openssl; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || { echo "SKIP: $t missing"; exit 77; }
	done
	[ -f "$(dirname "$0")/../../tests/lib/postfix.sh" ] || { echo "SKIP: tests/lib/postfix.sh missing"; exit 77; }
	exec env MP_BENCH_INNER=1 unshare --mount --net "$0" "$@"
fi
MAILPROOFD=$(readlink -f "$1")
N=${2:-2000}
S=${3:-20}
COMPARE=${4:-}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
export PATH=$PATH:/usr/sbin
ip link set lo up

. "$SRC/tests/lib/postfix.sh"
W=$(mktemp -d /tmp/mp-milter-bench.XXXXXX)
chmod 755 "$W"
PIDS=""
cleanup() {
	pf_stop "$W/pf"
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	[ -f "$W/nsd.pid" ] && kill "$(cat "$W/nsd.pid")" 2>/dev/null || true
	sleep 0.5
	[ -n "${MP_BENCH_KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# ---- DNS: NSD on 127.0.0.1:53 in this namespace ----
mkdir -p "$W/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/keys/sender.pem" 2>/dev/null
p=$(openssl pkey -in "$W/keys/sender.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
{
	printf '$ORIGIN sender.example.\n$TTL 3600\n'
	printf '@ IN SOA ns.sender.example. h.sender.example. 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n'
	printf '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc IN TXT "v=DMARC1; p=reject"\n'
	printf 's1._domainkey IN TXT %s\n' "$(echo "v=DKIM1; k=rsa; p=$p" | fold -w 255 | sed 's/.*/"&"/' | tr '\n' ' ')"
} >"$W/sender.example.zone"
cat >"$W/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@53
	username: ""
	chroot: ""
	zonesdir: "$W"
	pidfile: "$W/nsd.pid"
	database: ""
	zonelistfile: "$W/zone.list"
	xfrdfile: "$W/xfrd.state"
	xfrdir: "$W"
	logfile: "$W/nsd.log"
	server-count: 1
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "sender.example"
	zonefile: "$W/sender.example.zone"
EOF
nsd -c "$W/nsd.conf" || fail "nsd"
echo "nameserver 127.0.0.1" >"$W/resolv.conf"
mount --bind "$W/resolv.conf" /etc/resolv.conf
for i in $(seq 1 50); do dig +short +time=1 +tries=1 @127.0.0.1 TXT sender.example | grep -q spf1 && break; sleep 0.1; done

# ---- the message: DKIM-signed by sender.example (SPF, DKIM, DMARC pass) ----
/usr/bin/python3 - "$W/keys/sender.pem" >"$W/msg.eml" <<'PY'
import sys, dkim
key = open(sys.argv[1], "rb").read()
body = b"".join(b"line %d of a typical newsletter paragraph, some text to hash.\r\n" % i for i in range(60))
msg = (b"From: News <news@sender.example>\r\nTo: someone@sink.test\r\nSubject: load\r\n"
       b"Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <load@sender.example>\r\n"
       b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body)
sig = dkim.sign(msg, b"s1", b"sender.example", key,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
sys.stdout.buffer.write((sig + msg).replace(b"\r\n", b"\n"))
PY

# ---- Postfix relaying to smtp-sink ----
SINK=$(pf_free_port)
MX=$(pf_free_port)
MPORT=$(pf_free_port)
DPORT=$(pf_free_port)
RPORT=$(pf_free_port)
pf_init "$W/pf" mx.bench.test
pf_conf "$W/pf" \
	"relay_domains = sink.test" \
	"default_transport = smtp" \
	"relay_transport = smtp" \
	"relayhost = [127.0.0.1]:$SINK" \
	"smtp_dns_support_level =" \
	"mynetworks = 127.0.0.2/32" \
	"milter_default_action = tempfail" \
	"default_process_limit = 100" \
	"smtpd_client_connection_count_limit = 0" \
	"smtpd_client_message_rate_limit = 0" \
	"smtpd_client_connection_rate_limit = 0" \
	"smtp_destination_concurrency_limit = 20" \
	"in_flow_delay = 0"
pf_listen "$W/pf" "$MX"
mkdir -p "$W/sink"
chown nobody "$W/sink"
smtp-sink -c -u nobody -D "$W/sink/dump" "127.0.0.1:$SINK" 1000 >"$W/sink.out" 2>&1 &
PIDS="$PIDS $!"

# cpu PID - user+system clock ticks of a process (all its threads)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
sent_count() { grep -c 'status=sent' "$W/pf/log/maillog" 2>/dev/null || true; }

# run_load NAME - N messages through Postfix; prints CPU ticks of the milters
run_load() {
	local name=$1 start sent i quarter=$((N / 4)) rss1=0 rss_max=0 r
	: >"$W/pf/log/maillog"
	rm -f "$W/sink/dump"
	pf_start "$W/pf" || fail "postfix"
	start=0
	for p in $MILTERS; do start=$((start + $(cpu "$p"))); done
	local t0 t1
	t0=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -F "$W/msg.eml" -f news@sender.example -t someone@sink.test \
		"127.0.0.1:$MX" >"$W/source.$name" 2>&1 &
	local src=$!
	while kill -0 $src 2>/dev/null; do
		sleep 1
		if [ "$name" = mailproofd ]; then
			r=$(rss "$MP")
			[ "$(sent_count)" -ge "$quarter" ] && [ "$rss1" = 0 ] && rss1=$r
			[ "$r" -gt "$rss_max" ] && rss_max=$r
		fi
	done
	wait $src || fail "$name: smtp-source failed: $(tail -3 "$W/source.$name")"
	for i in $(seq 1 300); do
		[ "$(sent_count)" -ge "$N" ] && [ "$(pf_queue_count "$W/pf")" = 0 ] && break
		sleep 0.2
	done
	t1=$(date +%s.%N)
	local end=0
	for p in $MILTERS; do end=$((end + $(cpu "$p"))); done
	sent=$(sent_count)
	[ "$sent" = "$N" ] || fail "$name: $sent of $N messages reached the sink"
	[ "$(pf_queue_count "$W/pf")" = 0 ] || fail "$name: queue not empty"
	grep -E 'milter-reject|milter.*(error|timeout)' "$W/pf/log/maillog" | head -3 | grep . \
		&& fail "$name: milter trouble in the Postfix log"
	pf_stop "$W/pf"
	if [ "$name" = mailproofd ]; then
		r=$(rss "$MP")
		echo "mailproofd RSS: ${rss1} kB after ${quarter} messages, max ${rss_max} kB, ${r} kB at the end"
		# stable: no more than 25% (and 8 MB) growth after the first quarter
		[ "$rss1" -gt 0 ] && [ "$r" -le $((rss1 + rss1 / 4 + 8192)) ] \
			|| fail "mailproofd memory grew: $rss1 -> $r kB"
	fi
	echo "$name: $N messages, $S sessions, all $sent delivered to smtp-sink in $(echo "$t1 - $t0" | bc) s"
	# the milters did the work: results in the delivered headers
	local r k
	for r in spf=pass dkim=pass dmarc=pass; do
		k=$(grep -c "$r" "$W/sink/dump" || true)
		echo "$name: $k of $N delivered messages carry $r"
		# mailproofd must have done every check; for the peers the count
		# is reported (Debian's OpenDKIM added no dkim= result here)
		[ "$name" != mailproofd ] || [ "$k" -ge "$N" ] || fail "$name: $k messages with $r"
	done
	TICKS=$((end - start))
}
HZ=$(getconf CLK_TCK)

# ---- mailproofd ----
cat >"$W/mailproofd.conf" <<EOF
Socket          inet:$MPORT@127.0.0.1
AuthservID      mx.bench.test
UserID          nobody:nogroup
InternalHosts   none
DNSServers      127.0.0.1@53
MaxConnections  200
EOF
"$MAILPROOFD" -f -c "$W/mailproofd.conf" >"$W/mailproofd.log" 2>&1 &
MP=$!
PIDS="$PIDS $MP"
pf_wait_port "$MPORT" || fail "mailproofd did not start: $(cat "$W/mailproofd.log")"
MILTERS=$MP
pf_conf "$W/pf" "smtpd_milters = inet:127.0.0.1:$MPORT"
run_load mailproofd
mp_ticks=$TICKS
grep -E 'error|warning' "$W/mailproofd.log" | head -3 | grep . && fail "errors in mailproofd's log"
n_pass=$(grep -c 'spf=pass dkim=pass dmarc=pass .*action=accept' "$W/mailproofd.log" || true)
[ "$n_pass" = "$N" ] || fail "mailproofd: $n_pass of $N summary lines say spf/dkim/dmarc pass"
echo "mailproofd: $N summary lines, all spf=pass dkim=pass dmarc=pass; no errors logged"
mp_cpu=$(echo "scale=3; $mp_ticks / $HZ * 1000 / $N" | bc)
echo "mailproofd CPU: $(echo "scale=2; $mp_ticks / $HZ" | bc) s for $N messages = $mp_cpu s per 1000"
kill "$MP"

[ "$COMPARE" = --compare ] || exit 0

# ---- OpenDKIM (verify) + OpenDMARC (SPF + DMARC), same checks ----
cat >"$W/opendkim.conf" <<EOF
Syslog          no
Mode            v
# the load comes from 127.0.0.1, OpenDKIM's default internal host (it
# would sign instead of verify); make it external like for mailproofd
InternalHosts   192.0.2.1
Socket          inet:$DPORT@127.0.0.1
UserID          opendkim
AuthservID      mx.bench.test
PidFile         $W/opendkim.pid
EOF
cat >"$W/opendmarc.conf" <<EOF
Syslog          false
Socket          inet:$RPORT@127.0.0.1
UserID          opendmarc
AuthservID      mx.bench.test
TrustedAuthservIDs mx.bench.test
SPFSelfValidate true
SPFIgnoreResults true
RejectFailures  false
IgnoreAuthenticatedClients true
PidFile         $W/opendmarc.pid
# OpenDMARC ignores 127.0.0.1 by default; check it like mailproofd does
IgnoreHosts     $W/opendmarc.ignore
EOF
echo 192.0.2.1 >"$W/opendmarc.ignore"
opendkim -f -x "$W/opendkim.conf" >"$W/opendkim.log" 2>&1 &
OD=$!
opendmarc -f -c "$W/opendmarc.conf" >"$W/opendmarc.log" 2>&1 &
OM=$!
PIDS="$PIDS $OD $OM"
pf_wait_port "$DPORT" && pf_wait_port "$RPORT" || fail "opendkim/opendmarc did not start"
MILTERS="$OD $OM"
pf_conf "$W/pf" "smtpd_milters = inet:127.0.0.1:$DPORT, inet:127.0.0.1:$RPORT"
run_load opendkim+opendmarc
peer_ticks=$TICKS
grep -c 'dkim=pass' "$W/pf/log/maillog" >/dev/null 2>&1 || true
peer_cpu=$(echo "scale=3; $peer_ticks / $HZ * 1000 / $N" | bc)
echo "opendkim+opendmarc CPU: $(echo "scale=2; $peer_ticks / $HZ" | bc) s for $N messages = $peer_cpu s per 1000"
echo "ratio mailproofd / (opendkim+opendmarc): $(echo "scale=3; $mp_ticks / $peer_ticks" | bc)"
