#!/bin/bash
# run.sh - integration: `mailproof check --bulk` against a real NSD on
# loopback serving N generated domains with known postures (gen.py); every
# verdict and its deciding finding is asserted, in input order (--ordered),
# then a second pass as completed. Lame domains (a zone nobody serves) must
# come out unknown, never with a verdict.
# usage: run.sh MAILPROOF [N]
set -euo pipefail
mailproof=$1
n=${2:-5000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../lib/nsd.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-check-bulk.XXXXXX")
# the generator's selectors only, no reverse DNS: 23 questions a domain
# instead of 35, so the sanitizer build stays fast enough for CI
fast="--only-selectors --selectors google,selector1,selector2,k1,s1,default,dkim,mail --no-fcrdns"
trap 'nsd_stop; rm -rf "$work"' EXIT

/usr/bin/python3 "$here/gen.py" "$n" "$work" 50
nsd_start "bulk.test=$work/bulk.test.zone" "test=$work/test.zone"
echo "NSD on port $NSD_PORT serving $(wc -l < "$work/domains.txt") domains"

start=$(date +%s%N)
set +e
# shellcheck disable=SC2086
"$mailproof" check --bulk "$work/domains.txt" --ordered --json --no-progress $fast \
	--dns "127.0.0.1@$NSD_PORT" --timeout 3 --concurrency 500 --max-queries 100 \
	>"$work/out.jsonl" 2>"$work/summary.txt"
rc=$?
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$work/summary.txt"
echo "bulk --ordered: exit $rc in ${ms} ms"
[ "$rc" = 1 ] || { echo "FAIL: want exit 1 (some domains at risk)"; exit 1; }
/usr/bin/python3 "$here/verify.py" "$work/expected.tsv" "$work/out.jsonl" ordered "$work/domains.txt"
grep -q "unknown" "$work/summary.txt" || { echo "FAIL: summary lacks counts"; exit 1; }

# as completed, from stdin, on the first 500
head -n 500 "$work/domains.txt" > "$work/some.txt"
grep -F -f <(sed 's/$/\t/' "$work/some.txt") "$work/expected.tsv" > "$work/some.tsv"
set +e
# shellcheck disable=SC2086
"$mailproof" check --bulk - --no-progress $fast --dns "127.0.0.1@$NSD_PORT" --timeout 3 --max-queries 100 \
	<"$work/some.txt" >"$work/out2.jsonl" 2>/dev/null
set -e
/usr/bin/python3 "$here/verify.py" "$work/some.tsv" "$work/out2.jsonl" unordered "$work/some.txt"
echo "integration/check: ok"
