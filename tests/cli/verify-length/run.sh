#!/bin/sh
# run.sh MAILPROOF - sign with python3-dkim using l=, append unsigned text,
# and check what each --dkim-length policy makes of it.
set -eu
mp=$1
/usr/bin/python3 -c 'import dkim' 2>/dev/null || { echo "SKIP: python3-dkim missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$mp" keygen --domain len.example --selector s1 --dir "$tmp" > "$tmp/zone" 2>/dev/null
cat >> "$tmp/zone" <<'ZONE'
len.example. 3600 IN TXT "v=spf1 -all"
_dmarc.len.example. 3600 IN TXT "v=DMARC1; p=reject"
ZONE
/usr/bin/python3 - "$tmp/s1.len.example.pem" "$tmp/msg" <<'PY'
import dkim, sys
key = open(sys.argv[1], "rb").read()
msg = (b"From: a@len.example\r\nTo: b@example.net\r\nSubject: hi\r\n"
       b"Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n\r\nsigned body\r\n")
sig = dkim.sign(msg, b"s1", b"len.example", key, length=True,
                include_headers=[b"from", b"to", b"subject", b"date"])
open(sys.argv[2], "wb").write(sig + msg + b"UNSIGNED: click here\r\n")
PY
passed=0
for policy in default accept flag reject; do
	opt=""
	[ "$policy" = default ] || opt="--dkim-length $policy"
	# shellcheck disable=SC2086
	"$mp" verify --zone "$tmp/zone" $opt --json "$tmp/msg" > "$tmp/out.json" || true
	/usr/bin/python3 - "$tmp/out.json" "$policy" <<'PY' || fail "$policy: $(cat "$tmp/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["dkim"][0]
want = {"default": "pass", "flag": "pass", "accept": "pass", "reject": "policy"}[sys.argv[2]]
assert d["result"] == want, d
flagged = json.dumps(d)
if sys.argv[2] in ("default", "flag"):
    assert "length" in flagged, d      # the unsigned share is visible
PY
	passed=$((passed + 1))
done
echo "$passed passed, 0 failed"
