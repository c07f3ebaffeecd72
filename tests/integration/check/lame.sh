#!/bin/bash
# lame.sh - integration (issue 6 regression): lame and timing-out domains
# mixed into a `mailproof check --bulk` list must come out `unknown` with a
# DNS reason (finding dns-error), and must never make a healthy domain
# unknown. Debian's unbound iterates to a test NSD serving N generated
# domains; NBAD/2 domains are delegated to 127.0.0.9 where nothing listens
# and NBAD/2 live in a zone whose server (127.0.0.2) never answers. Both
# DNS clients (libunbound, the UDP stub) are run; every verdict and its
# deciding finding is asserted (verify.py).
# With MODE "bench" only the bench's settings are run (UDP client, 2,000
# domains in flight, the default --max-queries, --timeout 5) on the bench's
# world (gen.py --world providers: real provider zones, each stubbed to NSD,
# selectors that follow the provider, co.bulk.test under --psl) with the
# engine's default DKIM probing (no --only-selectors list).
# usage: lame.sh MAILPROOF [N] [NBAD] [MODE]
set -euo pipefail
mailproof=$1
n=${2:-700}
nbad=${3:-200}
mode=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$root/tests/lib/nsd.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-check-lame.XXXXXX")
UB_PID= BH_PID=
cleanup() {
	[ -n "$UB_PID" ] && kill "$UB_PID" 2>/dev/null || true
	[ -n "$BH_PID" ] && kill "$BH_PID" 2>/dev/null || true
	nsd_stop
	rm -rf "$work"
}
trap cleanup EXIT
# default mode: the generator's selectors only, no reverse DNS (fast under ASan)
extra="--only-selectors --selectors google,selector1,selector2,k1,s1,default,dkim,mail --no-fcrdns"
world=
[ "$mode" != bench ] || { world="--world providers"; extra="--psl $work/psl.dat"; }

# shellcheck disable=SC2086
/usr/bin/python3 "$here/gen.py" $world "$n" "$work" 0 >/dev/null
[ -s "$work/stubs.txt" ] || printf 'test\nbulk.test\n' >"$work/stubs.txt"
/usr/bin/python3 "$root/bench/check/lame.py" "$work" $((nbad / 2)) $((nbad - nbad / 2))
zones=()
while read -r z; do zones+=("$z=$work/$z.zone"); done <"$work/stubs.txt"
nsd_start "${zones[@]}"

# a UDP port that takes questions and never answers, on its own address
BH_PORT=$(free_port)
/usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.2', $BH_PORT))
while True:
    s.recvfrom(4096)
" &
BH_PID=$!

UB_DIR=$work/unbound
mkdir -p "$UB_DIR"
UB_PORT=$(free_port)
# every served zone stubbed to NSD; "." refuse would shadow a stub, so
# each is also a transparent local zone (test. is one of unbound's own)
ub_local=$(while read -r z; do printf '\tlocal-zone: "%s." transparent\n' "$z"; done <"$work/stubs.txt")
ub_stubs=$(while read -r z; do
	printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' "$z" "$NSD_PORT"
done <"$work/stubs.txt")
cat >"$UB_DIR/unbound.conf" <<CONF
server:
	interface: 127.0.0.1
	port: $UB_PORT
	username: ""
	chroot: ""
	directory: "$UB_DIR"
	pidfile: "$UB_DIR/unbound.pid"
	logfile: "$UB_DIR/unbound.log"
	use-syslog: no
	do-daemonize: no
	num-threads: 1
	so-reuseport: no
	num-queries-per-thread: 4096
	outgoing-range: 8192
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	qname-minimisation: no
	ratelimit: 0
	ip-ratelimit: 0
	local-zone: "." refuse
$ub_local
remote-control:
	control-enable: no
$ub_stubs
stub-zone:
	name: "slow.test."
	stub-addr: 127.0.0.2@$BH_PORT
CONF
/usr/sbin/unbound -c "$UB_DIR/unbound.conf" &
UB_PID=$!
ok=
for _ in $(seq 1 100); do
	dig +time=1 +tries=1 +short -p "$UB_PORT" @127.0.0.1 SOA bulk.test 2>/dev/null | grep -q . && { ok=1; break; }
	sleep 0.1
done
[ -n "$ok" ] || { echo "unbound did not start"; cat "$UB_DIR/unbound.log"; exit 1; }
echo "unbound on $UB_PORT -> NSD on $NSD_PORT: $(wc -l < "$work/domains.txt") domains, $nbad bad"

# client:bulk options:timeout. The bench's settings put many domains in
# flight under the default --max-queries, against unbound's default
# per-client wait-limit (1000 questions; it drops the rest without a
# reply, and keeps working on a dead server's questions long after we
# gave up): with the old default window of 1000, healthy domains whose
# three opening questions were all dropped twice came out unknown (19 of
# 3,000 with 300 bad; issue 6).
specs=("udp:--concurrency 200 --max-queries 200:3" "unbound:--concurrency 200 --max-queries 200:3")
[ "$mode" != bench ] || specs=("udp:--concurrency 2000:5")
for spec in "${specs[@]}"; do
	client=${spec%%:*}
	opts=${spec#*:}
	timeout=${opts##*:}
	opts=${opts%:*}
	start=$(date +%s%N)
	set +e
	# shellcheck disable=SC2086
	"$mailproof" check --bulk "$work/domains.txt" --ordered --json --no-progress $extra \
		--dns "127.0.0.1@$UB_PORT" --dns-client "$client" --timeout "$timeout" \
		$opts >"$work/out-$client.jsonl" 2>"$work/sum-$client.txt"
	rc=$?
	set -e
	echo "client $client ($opts, --timeout $timeout): exit $rc in $(( ($(date +%s%N) - start) / 1000000 )) ms"
	[ "$rc" = 1 ] || [ "$rc" = 3 ] || { echo "FAIL: exit $rc"; cat "$work/sum-$client.txt"; exit 1; }
	/usr/bin/python3 "$here/verify.py" "$work/expected.tsv" "$work/out-$client.jsonl" ordered \
		"$work/domains.txt"
done
echo "integration/check/lame: ok"
