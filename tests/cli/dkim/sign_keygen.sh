#!/bin/bash
# sign_keygen.sh MAILPROOF - `mailproof keygen` and `mailproof sign`, end to
# end: key files are 0600 and never overwritten, the printed record is a
# zone-file line with 255-byte strings, the default selector has the
# <host>-<yyyymm>-<8 base32> shape, loose key files are refused, and a
# message dual-signed by `mailproof sign` verifies in python3-dkim with the
# records keygen printed (bytes after the signature fields unchanged).
set -euo pipefail
mp=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-cli-dkim.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mp" keygen --domain example.com --host mx1.example.com --dir "$work" >"$work/rsa.rec" 2>"$work/err"
sel=$(sed -n 's/^\([^.]*\)\._domainkey\.example\.com\. 3600 IN TXT .*/\1/p' "$work/rsa.rec")
[[ $sel =~ ^mx1-[0-9]{6}-[a-z2-7]{8}$ ]] || fail "default selector '$sel'"
key="$work/$sel.example.com.pem"
[ "$(stat -c %a "$key")" = 600 ] || fail "key mode $(stat -c %a "$key")"
grep -q 'BEGIN PRIVATE KEY' "$key" || fail "not PEM"
grep -q 'PRIVATE' "$work/rsa.rec" "$work/err" && fail "key material printed"
# TXT strings are at most 255 bytes
/usr/bin/python3 - "$work/rsa.rec" <<'PY' || fail "TXT strings"
import re, sys
line = open(sys.argv[1]).read()
parts = re.findall(r'"([^"]*)"', line)
assert len(parts) >= 2 and all(len(p) <= 255 for p in parts) and "".join(parts).startswith("v=DKIM1; k=rsa; p=")
PY
"$mp" keygen --domain example.com --type ed25519 --selector ed --dir "$work" >"$work/ed.rec" 2>/dev/null
if "$mp" keygen --domain example.com --type ed25519 --selector ed --dir "$work" >/dev/null 2>&1; then
	fail "overwrote a key"
fi
rc=0; "$mp" keygen --domain example.com --bits 512 --dir "$work" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "512-bit key allowed (rc $rc)"

printf 'From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: hello\r\n\r\nHi Bob,\r\n' >"$work/msg"
"$mp" sign --domain example.com --selector "$sel" --key "$key" --selector ed \
	--key "$work/ed.example.com.pem" --expire 3600 "$work/msg" >"$work/signed"
[ "$(grep -c '^DKIM-Signature:' "$work/signed")" = 2 ] || fail "two signatures expected"
tail -c "$(stat -c %s "$work/msg")" "$work/signed" | cmp -s - "$work/msg" || fail "message bytes changed"
grep -q 'x=' "$work/signed" || fail "no x="
grep -q 'l=' "$work/signed" && fail "signer emitted l="
/usr/bin/python3 - "$work" <<'PY' || fail "python3-dkim does not verify"
import re, sys, dkim
w = sys.argv[1]
dns = {}
for f in ("rsa.rec", "ed.rec"):
    line = open(w + "/" + f).read()
    name = line.split()[0].encode()
    dns[name] = "".join(re.findall(r'"([^"]*)"', line)).encode()
msg = open(w + "/signed", "rb").read()
for idx in (0, 1):
    assert dkim.DKIM(msg).verify(idx=idx, dnsfunc=lambda n, timeout=5: dns.get(n, b"")), idx
PY
chmod 640 "$key"
rc=0; "$mp" sign --domain example.com --selector "$sel" --key "$key" "$work/msg" >/dev/null 2>"$work/err" || rc=$?
[ $rc = 2 ] && grep -q 'group or others' "$work/err" || fail "loose key accepted (rc $rc)"
"$mp" sign --domain example.com --selector "$sel" --key "$key" --insecure-key "$work/msg" >/dev/null || fail "--insecure-key"
rc=0; printf 'To: x@example.org\r\n\r\nhi\r\n' | "$mp" sign --domain example.com --selector ed \
	--key "$work/ed.example.com.pem" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "message without From signed (rc $rc)"
echo "cli/dkim: keygen and sign OK"
