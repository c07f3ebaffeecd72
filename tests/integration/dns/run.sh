#!/bin/bash
# run.sh - integration: the libunbound driver against a real NSD (directly,
# then through a caching Unbound) must answer exactly like the zone driver
# on the same zone file; then the timeout path against a port nobody
# answers on, and a refused name.
# usage: run.sh MAILPROOF [THREADS]   (THREADS: the threads.c load test)
set -euo pipefail
mailproof=$1
threads=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../lib/nsd.sh"
. "$here/../../lib/unbound.sh"
trap 'unbound_stop; nsd_stop' EXIT

nsd_start "$here/integ.zone"
echo "== forwarding straight to NSD"
# caches (libunbound, Unbound, the UDP client) may hand out any remaining
# TTL up to the zone's, depending on how long ago they learnt the record:
# the slack is the largest TTL in integ.zone
/usr/bin/python3 "$here/compare.py" "$mailproof" "$here/integ.zone" "$NSD_PORT" 3600
echo "== forwarding straight to NSD, UDP stub client"
/usr/bin/python3 "$here/compare.py" "$mailproof" "$here/integ.zone" "$NSD_PORT" 3600 --dns-client=udp
if [ -n "$threads" ]; then
	echo "== worker threads and many questions in flight"
	"$threads" "$NSD_PORT"
fi
echo "== through a caching Unbound (stub zone to NSD)"
unbound_start
/usr/bin/python3 "$here/compare.py" "$mailproof" "$here/integ.zone" "$UNBOUND_PORT" 3600
echo "== through a caching Unbound, UDP stub client"
/usr/bin/python3 "$here/compare.py" "$mailproof" "$here/integ.zone" "$UNBOUND_PORT" 3600 --dns-client=udp

# a server that never answers: timeout (indeterminate, exit 3) in about 1 s
dead=$(free_port)
start=$(date +%s%N)
set +e
out=$("$mailproof" dns TXT integ.test --dns "127.0.0.1@$dead" --timeout 1 --json)
rc=$?
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "dead server: rc=$rc ${ms}ms $out"
[ "$rc" = 3 ] || { echo "FAIL: want exit 3 for an unanswered question"; exit 1; }
echo "$out" | grep -q '"state":"indeterminate"' || { echo "FAIL: want indeterminate"; exit 1; }
[ "$ms" -lt 5000 ] || { echo "FAIL: timeout took ${ms} ms"; exit 1; }
set +e
out=$("$mailproof" dns TXT integ.test --dns "127.0.0.1@$dead" --timeout 1 --json --dns-client udp)
rc=$?
set -e
echo "dead server, UDP stub client: rc=$rc $out"
[ "$rc" = 3 ] && echo "$out" | grep -q '"status":"timeout"' ||
	{ echo "FAIL: want a timeout from the UDP stub client"; exit 1; }

# a name outside every zone NSD serves: REFUSED upstream, never "absent"
set +e
out=$("$mailproof" dns TXT outside.invalid --dns "127.0.0.1@$NSD_PORT" --timeout 5 --json)
rc=$?
set -e
echo "outside: rc=$rc $out"
[ "$rc" = 3 ] || { echo "FAIL: want exit 3 for a refused question"; exit 1; }
set +e
out=$("$mailproof" dns TXT outside.invalid --dns "127.0.0.1@$NSD_PORT" --timeout 5 --json --dns-client udp)
rc=$?
set -e
echo "outside, UDP stub client: rc=$rc $out"
[ "$rc" = 3 ] || { echo "FAIL: want exit 3 for a refused question (udp)"; exit 1; }
echo "integration/dns: ok"
