#!/bin/bash
# batch_order.sh MAILPROOF - `mailproof dns --batch` keeps input order when
# answers come out of order: a loopback responder (slow_dns.py) answers
# slowN.o.test 0.2 s late and the rest at once, and the UDP client answers
# repeated names from its cache at the next poll. With a window of 2 (and
# 128 answers held for order: the slow question at the head holds reading
# back), of 16 and the default, every answer is printed in input order with
# its own question's address (10.x.y.z = N).
set -euo pipefail
mp=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-cli-dns-order.XXXXXX")
SPID=
cleanup() {
	[ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

/usr/bin/python3 "$here/slow_dns.py" "$work/port" &
SPID=$!
for _ in $(seq 50); do
	[ -s "$work/port" ] && break
	sleep 0.1
done
[ -s "$work/port" ] || fail "responder did not start"
port=$(cat "$work/port")

# 3,000 questions: every 375th slow, every 50th a repeat of q7 (a cache
# hit once it is answered), one name that does not exist
awk 'BEGIN {
	for (i = 0; i < 3000; i++)
		if (i % 375 == 0) print "A slow" i ".o.test"
		else if (i % 50 == 0) print "A q7.o.test"
		else if (i == 1234) print "A x.o.test"
		else print "A q" i ".o.test"
}' >"$work/q.txt"
# name and address each answer must have
awk '{ n = $2; sub(/^(slow|q)/, "", n); sub(/\..*/, "", n)
	if ($2 == "x.o.test") print $2, "-"
	else print $2, "10." int(n / 65536) % 256 "." int(n / 256) % 256 "." n % 256
}' "$work/q.txt" >"$work/want"

for w in 2 16 ""; do
	rc=0
	"$mp" dns --batch "$work/q.txt" --json --dns "127.0.0.1@$port" --dns-client udp \
		--timeout 5 ${w:+--inflight $w} >"$work/out" 2>"$work/err" || rc=$?
	[ $rc = 1 ] || fail "window ${w:-default}: exit $rc, want 1: $(head -3 "$work/err")"
	sed -E 's/^\{"name":"([^"]*)".*"records":\[(\{"type":"A","ttl":[0-9]+,"data":"([0-9.]+)"\})?\].*/\1 \3/; s/ $/ -/' \
		"$work/out" | cmp -s - "$work/want" || fail "window ${w:-default}: answers out of order"
	[ "$(grep -c '"status":"ok"' "$work/out")" = 2999 ] || fail "window ${w:-default}: not 2,999 ok"
done
echo "ok: 3,000 answers in input order with windows 2, 16 and 256"
