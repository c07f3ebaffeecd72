#!/bin/bash
# batch_stream.sh MAILPROOF - `mailproof dns --batch` streams: 150,000
# questions (over the old 100,000 limit) against dns.zone are all answered,
# one JSON line each in input order, whatever the window (--inflight 3 and
# the default give the same bytes, from a file and from a pipe); a bad line
# in a file stops the run before any question, in a pipe after the answers
# to the lines before it; a NUL byte is an input error.
set -euo pipefail
mp=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-cli-dns-batch.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
n=150000

# six questions in turn, with a comment and a blank line every 1,000
awk -v n=$n 'BEGIN {
	split("TXT d.test|A www.d.test|MX parked.d.test|TXT nope.d.test|AAAA mx.d.test|TXT q.wild.d.test", q, "|")
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0)
			print "# part " i / 1000 "\n"
		print q[i % 6 + 1]
	}
}' >"$work/q.txt"
# what each line must get, in order: name type status
awk '/^[A-Z]/ {
	s = $2 == "nope.d.test" ? "nxdomain" : "ok"
	print $2, $1, s
}' "$work/q.txt" >"$work/want"
[ "$(wc -l <"$work/want")" = $n ] || fail "generated $(wc -l <"$work/want") questions"

rc=0
(cd "$here" && "$mp" dns --batch "$work/q.txt" --zone dns.zone --json) >"$work/out" 2>"$work/err" || rc=$?
[ $rc = 1 ] || fail "exit $rc, want 1 (the worst answer is nxdomain): $(head -3 "$work/err")"
[ ! -s "$work/err" ] || fail "stderr: $(head -3 "$work/err")"
sed -E 's/^\{"name":"([^"]*)","type":"([^"]*)","status":"([^"]*)".*/\1 \2 \3/' "$work/out" \
	| cmp -s - "$work/want" || fail "answers not in input order"
# and the records belong to their question
awk '/"name":"www.d.test"/ && !/"records":\[\{"type":"A","ttl":300,"data":"192.0.2.80"\}\]/ ||
     /"name":"q.wild.d.test"/ && !/"text":"from a wildcard"/ { bad++ }
     END { exit bad > 0 }' "$work/out" || fail "an answer with another question's records"

# a window of 3 (and a ring of 192 answers held for order) over a pipe:
# the same bytes
rc=0
cat "$work/q.txt" | (cd "$here" && "$mp" dns --batch - --zone dns.zone --json --inflight 3) \
	>"$work/out2" || rc=$?
[ $rc = 1 ] || fail "--inflight 3 from a pipe: exit $rc, want 1"
cmp -s "$work/out2" "$work/out" || fail "--inflight 3 from a pipe differs"

# a bad line after 2,000 questions: from a file nothing is asked; from a
# pipe every answer before it is printed, then the error
{ head -n 2004 "$work/q.txt"; printf 'A\nTXT d.test\n'; } >"$work/bad.txt"
rc=0
(cd "$here" && "$mp" dns --batch "$work/bad.txt" --zone dns.zone --json) >"$work/out2" 2>"$work/err" || rc=$?
[ $rc = 2 ] || fail "bad line in a file: exit $rc, want 2"
[ ! -s "$work/out2" ] || fail "bad line in a file: answers printed"
grep -qx "mailproof: error: batch line 2005: wants TYPE NAME" "$work/err" \
	|| fail "bad line in a file: $(cat "$work/err")"
rc=0
cat "$work/bad.txt" | (cd "$here" && "$mp" dns --batch - --zone dns.zone --json --inflight 64) \
	>"$work/out2" 2>"$work/err" || rc=$?
[ $rc = 2 ] || fail "bad line in a pipe: exit $rc, want 2"
head -n 2000 "$work/out" | cmp -s - "$work/out2" || fail "bad line in a pipe: not the 2,000 answers before it"
grep -qx "mailproof: error: batch line 2005: wants TYPE NAME" "$work/err" \
	|| fail "bad line in a pipe: $(cat "$work/err")"

# a NUL byte is refused, not cut at
rc=0
printf 'TXT d.test\nTXT d.test\0.evil\n' | (cd "$here" && "$mp" dns --batch - --zone dns.zone) \
	>"$work/out2" 2>"$work/err" || rc=$?
[ $rc = 2 ] || fail "NUL byte: exit $rc, want 2"
grep -qx "mailproof: error: batch line 2: NUL byte" "$work/err" || fail "NUL byte: $(cat "$work/err")"
echo "ok: $n questions in input order, any window, file or pipe"
