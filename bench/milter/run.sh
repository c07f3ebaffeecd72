#!/bin/bash
# bench/milter/run.sh - load test and benchmark for mailproofd.
#
#   bench/milter/run.sh MAILPROOFD [MESSAGES] [SESSIONS] [--compare]
#
# Inside a private network and mount namespace (unshare; nothing leaves the
# machine, /etc/resolv.conf is ours only in there): NSD answers the test
# zone on 127.0.0.1:53, a throw-away Postfix takes MESSAGES messages from
# smtp-source (SESSIONS at once, default 2000 / 20) on its MX-facing port,
# runs them through the milter(s) and relays them to smtp-sink, which keeps
# one file per message. Two loads, each through a milter configuration that
# differs only in which client addresses are internal:
#   in   DKIM-signed mail from an external sender: SPF, DKIM verification,
#        DMARC, one Authentication-Results;
#   out  unsigned mail from an internal host: DKIM signing (RSA-2048,
#        relaxed/relaxed, From Subject Date To Content-Type over-signed).
# Every message must reach the sink, the queue must end empty, the logs must
# have no error, and mailproofd's resident memory must not grow after the
# first quarter (load test). check_sink.py then proves that every delivered
# message got the work: in: spf=pass dkim=pass dmarc=pass under our
# authserv-id; out: a signature python3-dkim verifies. With --compare the
# same two loads run through Debian's OpenDKIM (verify + sign) + OpenDMARC
# (SPF + DMARC), held to the same proof, and the milters' CPU seconds per
# 1,000 messages and the ratios are printed; a side that skipped a check
# fails the run, so no ratio of unequal work is ever printed. Needs root.
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
ip addr add 192.0.2.53/32 dev lo

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
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"

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
	ip-address: 192.0.2.53@53
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

# ---- the messages: in = DKIM-signed by sender.example (SPF, DKIM, DMARC
# pass), out = the same message unsigned, for the milter to sign ----
/usr/bin/python3 - "$W/keys/sender.pem" "$W/msg.in" "$W/msg.out" <<'PY'
import sys, dkim
key = open(sys.argv[1], "rb").read()
body = b"".join(b"line %d of a typical newsletter paragraph, some text to hash.\r\n" % i for i in range(60))
msg = (b"From: News <news@sender.example>\r\nTo: someone@sink.test\r\nSubject: load\r\n"
       b"Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <load@sender.example>\r\n"
       b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body)
sig = dkim.sign(msg, b"s1", b"sender.example", key,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(sys.argv[2], "wb").write((sig + msg).replace(b"\r\n", b"\n"))
open(sys.argv[3], "wb").write(msg.replace(b"\r\n", b"\n"))
PY
# the signing key, one copy per milter user (both refuse unsafe key files)
install -m 600 -o nobody "$W/keys/sender.pem" "$W/keys/mailproofd.pem"
install -m 600 -o opendkim "$W/keys/sender.pem" "$W/keys/opendkim.pem" 2>/dev/null \
	|| install -m 600 "$W/keys/sender.pem" "$W/keys/opendkim.pem"

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
# one file per message (-D would interleave concurrent sessions)
smtp-sink -c -u nobody -d "$W/sink/cur/m." "127.0.0.1:$SINK" 1000 >"$W/sink.out" 2>&1 &
PIDS="$PIDS $!"

# cpu PID - user+system clock ticks of a process (all its threads)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
sent_count() { grep -c 'status=sent' "$W/pf/log/maillog" 2>/dev/null || true; }
HZ=$(getconf CLK_TCK)

# run_load SIDE DIR - N messages (DIR in|out) through Postfix and the
# milters in $MILTERS; proves the work was done; sets TICKS (milters' CPU)
run_load() {
	local side=$1 dir=$2 name="$1 $2" sent i quarter=$((N / 4)) rss1=0 rss_max=0 r
	: >"$W/pf/log/maillog"
	rm -rf "$W/sink/cur"
	pf_start "$W/pf" || fail "postfix"
	local start=0 p
	declare -A c0
	for p in $MILTERS; do c0[$p]=$(cpu "$p"); start=$((start + ${c0[$p]})); done
	local t0 t1
	t0=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -F "$W/msg.$dir" -f news@sender.example -t someone@sink.test \
		"127.0.0.1:$MX" >"$W/source.$side.$dir" 2>&1 &
	local src=$!
	while kill -0 $src 2>/dev/null; do
		sleep 1
		if [ "$side" = mailproofd ]; then
			r=$(rss "$MP")
			[ "$(sent_count)" -ge "$quarter" ] && [ "$rss1" = 0 ] && rss1=$r
			[ "$r" -gt "$rss_max" ] && rss_max=$r
		fi
	done
	wait $src || fail "$name: smtp-source failed: $(tail -3 "$W/source.$side.$dir")"
	for i in $(seq 1 300); do
		[ "$(sent_count)" -ge "$N" ] && [ "$(pf_queue_count "$W/pf")" = 0 ] && break
		sleep 0.2
	done
	t1=$(date +%s.%N)
	local end=0 each=""
	for p in $MILTERS; do
		kill -0 "$p" 2>/dev/null || fail "$name: milter $p died"
		r=$(cpu "$p")
		end=$((end + r))
		each="$each $(cat "/proc/$p/comm") $(echo "scale=2; ($r - ${c0[$p]}) / $HZ" | bc) s"
	done
	sent=$(sent_count)
	[ "$sent" = "$N" ] || fail "$name: $sent of $N messages reached the sink"
	[ "$(pf_queue_count "$W/pf")" = 0 ] || fail "$name: queue not empty"
	grep -E 'milter-reject|milter.*(error|timeout)' "$W/pf/log/maillog" | head -3 | grep . \
		&& fail "$name: milter trouble in the Postfix log"
	pf_stop "$W/pf"
	if [ "$side" = mailproofd ]; then
		r=$(rss "$MP")
		echo "$name: RSS ${rss1} kB after ${quarter} messages, max ${rss_max} kB, ${r} kB at the end"
		# stable: no more than 25% (and 8 MB) growth after the first quarter
		[ "$rss1" -gt 0 ] && [ "$r" -le $((rss1 + rss1 / 4 + 8192)) ] \
			|| fail "mailproofd memory grew: $rss1 -> $r kB"
	fi
	echo "$name: $N messages, $S sessions, all $sent delivered to smtp-sink in $(echo "$t1 - $t0" | bc) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	# the milters did the work: every delivered message shows it
	mv "$W/sink/cur" "$W/sink/$side.$dir"
	r=$(/usr/bin/python3 "$HERE/check_sink.py" "$dir" "$W/sink/$side.$dir" "$N" mx.bench.test \
		"$W/sender.example.zone") || fail "$name: $r"
	echo "$name: $r"
	TICKS=$((end - start))
	echo "$name: milter CPU $(echo "scale=2; $TICKS / $HZ" | bc) s ($each ) = $(echo "scale=3; $TICKS / $HZ * 1000 / $N" | bc) s per 1000 messages"
}

# ---- mailproofd: in, then out ----
echo "sender.example s1 $W/keys/mailproofd.pem" >"$W/keytable"
# mp_start INTERNAL - mailproofd with InternalHosts INTERNAL
mp_start() {
	cat >"$W/mailproofd.conf" <<EOF
Socket          inet:$MPORT@127.0.0.1
AuthservID      mx.bench.test
UserID          nobody:nogroup
InternalHosts   $1
KeyTable        $W/keytable
DNSServers      127.0.0.1@53
MaxConnections  200
EOF
	"$MAILPROOFD" -f -c "$W/mailproofd.conf" >>"$W/mailproofd.log" 2>&1 &
	MP=$!
	PIDS="$PIDS $MP"
	pf_wait_port "$MPORT" || fail "mailproofd did not start: $(cat "$W/mailproofd.log")"
	MILTERS=$MP
}
# stop PID... - stop milters and wait until they are gone (port free)
stop() {
	local p i
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	for p in "$@"; do
		for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
}
pf_conf "$W/pf" "smtpd_milters = inet:127.0.0.1:$MPORT"

: >"$W/mailproofd.log"
mp_start none
run_load mailproofd in
mp_in=$TICKS
stop "$MP"
n=$(grep -c 'dir=in .*spf=pass dkim=pass dmarc=pass .*action=accept' "$W/mailproofd.log" || true)
[ "$n" = "$N" ] || fail "mailproofd in: $n of $N summary lines say spf/dkim/dmarc pass"

mp_start 127.0.0.0/8
run_load mailproofd out
mp_out=$TICKS
stop "$MP"
n=$(grep 'dir=out ' "$W/mailproofd.log" | grep -vc 'signed=no' || true)
[ "$n" = "$N" ] || fail "mailproofd out: $n of $N summary lines say signed"
grep -E 'error|warning' "$W/mailproofd.log" | head -3 | grep . && fail "errors in mailproofd's log"
echo "mailproofd: $((2 * N)) summary lines (in: spf/dkim/dmarc pass, out: signed); no errors logged"

if [ "$COMPARE" != --compare ]; then
	echo "mailproofd CPU: in $(echo "scale=3; $mp_in / $HZ * 1000 / $N" | bc), out $(echo "scale=3; $mp_out / $HZ * 1000 / $N" | bc) s per 1000 messages"
	exit 0
fi

# ---- OpenDKIM (verify + sign) + OpenDMARC (SPF + DMARC), same work ----
# OpenDKIM resolves with libunbound; by default it would recurse from the
# root servers (unreachable in here: every key lookup fails, and OpenDKIM
# then adds no dkim= result at all). Nameservers makes it forward to the
# test server, as mailproofd does, but libunbound never queries 127.0.0.0/8
# unless told in a ResolverConfiguration file, and OpenDKIM 2.11 reading
# that file crashed here now and then (libunbound's configuration parser
# is not reentrant): NSD answers on 192.0.2.53 (on lo) too.
echo 192.0.2.1 >"$W/external.hosts"
echo 127.0.0.1 >"$W/internal.hosts"
# peers_start HOSTSFILE - OpenDKIM + OpenDMARC with InternalHosts (OpenDKIM:
# sign, do not verify) and IgnoreHosts (OpenDMARC: skip) from HOSTSFILE
peers_start() {
	cat >"$W/opendkim.conf" <<EOF
Syslog          no
Mode            sv
InternalHosts   $1
Domain          sender.example
Selector        s1
KeyFile         $W/keys/opendkim.pem
# the key is 0600 and its own, but lives under /tmp, which OpenDKIM's
# whole-path check refuses (a start-up check; no cost per message)
RequireSafeKeys false
Canonicalization relaxed/relaxed
# the fields mailproofd signs; without SignHeaders OpenDKIM signed only
# From To Subject Date here, and its over-signed Content-Type then claimed
# the message had none: no signature verified
SignHeaders     From,Subject,Date,To,Message-ID,MIME-Version,Content-Type
OversignHeaders From,Subject,Date,To,Content-Type
Nameservers     192.0.2.53
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
IgnoreHosts     $1
EOF
	opendkim -f -x "$W/opendkim.conf" >>"$W/opendkim.log" 2>&1 &
	OD=$!
	opendmarc -f -c "$W/opendmarc.conf" >>"$W/opendmarc.log" 2>&1 &
	OM=$!
	PIDS="$PIDS $OD $OM"
	pf_wait_port "$DPORT" && pf_wait_port "$RPORT" || fail "opendkim/opendmarc did not start"
	MILTERS="$OD $OM"
}
pf_conf "$W/pf" "smtpd_milters = inet:127.0.0.1:$DPORT, inet:127.0.0.1:$RPORT"
peers=opendkim+opendmarc

peers_start "$W/external.hosts"
run_load $peers in
peer_in=$TICKS
stop "$OD" "$OM"

peers_start "$W/internal.hosts"
run_load $peers out
peer_out=$TICKS
stop "$OD" "$OM"
grep -i -E 'error|warning' "$W/opendkim.log" "$W/opendmarc.log" | head -3 | grep . \
	&& fail "errors in the peers' output"

# per1k TICKS [MESSAGES] - CPU seconds per 1,000 messages
per1k() { echo "scale=3; $1 / $HZ * 1000 / ${2:-$N}" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc; }
echo
echo "milter CPU seconds per 1000 messages ($N messages, $S sessions each; load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '  %-4s %-44s %10s %10s %8s\n' load work mailproofd "$peers" ratio
printf '  %-4s %-44s %10s %10s %8s\n' in "SPF + DKIM verify + DMARC + A-R" "$(per1k "$mp_in")" "$(per1k "$peer_in")" "$(ratio "$mp_in" "$peer_in")"
printf '  %-4s %-44s %10s %10s %8s\n' out "DKIM sign (rsa-2048, relaxed/relaxed)" "$(per1k "$mp_out")" "$(per1k "$peer_out")" "$(ratio "$mp_out" "$peer_out")"
printf '  %-4s %-44s %10s %10s %8s\n' both "in + out (2 x $N messages)" "$(per1k "$((mp_in + mp_out))" $((2 * N)))" "$(per1k "$((peer_in + peer_out))" $((2 * N)))" "$(ratio "$((mp_in + mp_out))" "$((peer_in + peer_out))")"
echo "ratio mailproofd / ($peers): $(ratio "$((mp_in + mp_out))" "$((peer_in + peer_out))")"
