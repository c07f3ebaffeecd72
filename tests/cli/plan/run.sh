#!/bin/sh
# run.sh MAILPROOF SRCDIR - plan --against-dns: a zone built from the plan
# shows no drift; one changed, one removed and one duplicated record show
# exactly those changes (exit 1); a SERVFAIL shows as unknown, not drift.
set -eu
mp=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
passed=0

for inv in small large parked; do
	"$mp" plan "$src/examples/inventory-$inv.yml" --seed 7 --date 202611 --json > "$tmp/$inv.json"
	# the zone the admin would publish: every record, keys filled in
	/usr/bin/python3 - "$tmp/$inv.json" > "$tmp/$inv.zone" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtestkey"
for r in plan["records"]:
    line = r["zone_line"]
    if r["kind"] in ("dkim-key", "dkim-provider-key"):
        line = line.replace('p="', 'p=' + key + '"')
    print(line)
PY
	out=$("$mp" plan "$src/examples/inventory-$inv.yml" --seed 7 --date 202611 --against-dns \
		--zone "$tmp/$inv.zone") || fail "$inv: drift on the plan's own zone: $out"
	echo "$out" | grep -qx "0 difference(s), 0 record(s) could not be checked" || fail "$inv: $out"
	passed=$((passed + 1))
done

# one changed record (DMARC p=none), one removed (null MX), one extra SPF
sed -e 's/^_dmarc.shop.example. 3600 IN TXT "v=DMARC1; p=quarantine;/_dmarc.shop.example. 3600 IN TXT "v=DMARC1; p=none;/' \
    -e '/^group-legacy.example. 3600 IN MX 0 .$/d' "$tmp/large.zone" > "$tmp/drift.zone"
echo 'shop.example. 3600 IN TXT "v=spf1 include:old.example ~all"' >> "$tmp/drift.zone"
set +e
"$mp" plan "$src/examples/inventory-large.yml" --seed 7 --date 202611 --against-dns \
	--zone "$tmp/drift.zone" --json > "$tmp/drift.json"
rc=$?
set -e
[ $rc -eq 1 ] || fail "drift exit status $rc, want 1"
/usr/bin/python3 - "$tmp/drift.json" <<'PY' || fail "drift report"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((x["drift"], x["owner"], x["type"]) for x in d["diffs"])
want = sorted([("differs", "_dmarc.shop.example", "TXT"),
               ("missing", "group-legacy.example", "MX"),
               ("extra", "shop.example", "TXT")])
assert got == want, got
assert d["differences"] == 3 and d["drift"] is True, d
dm = [x for x in d["diffs"] if x["owner"] == "_dmarc.shop.example"][0]
assert "p=none" in dm["published"] and dm["change"].startswith("change _dmarc.shop.example TXT"), dm
PY
passed=$((passed + 1))

# DNS trouble is "could not be checked" (exit 3), never drift or agreement
set +e
out=$("$mp" plan "$src/examples/inventory-parked.yml" --seed 7 --against-dns \
	--zone "$tmp/parked.zone" --zone-fail _dmarc.parked.example=servfail)
rc=$?
set -e
[ $rc -eq 3 ] || fail "servfail exit status $rc, want 3: $out"
echo "$out" | grep -q "^unknown  _dmarc.parked.example TXT" || fail "servfail: $out"
passed=$((passed + 1))

# a malformed inventory names file, line and field; exit 2
printf 'organization: {rua: "mailto:a@x.example"}\ndomains:\n  - {name: x.example, sending: maybe}\n' > "$tmp/bad.yml"
set +e
err=$("$mp" plan "$tmp/bad.yml" 2>&1)
rc=$?
set -e
[ $rc -eq 2 ] || fail "bad inventory exit $rc"
echo "$err" | grep -q "bad.yml:3: domains.sending: 'maybe' is not true or false" || fail "bad inventory: $err"
passed=$((passed + 1))

echo "$passed passed, 0 failed"
