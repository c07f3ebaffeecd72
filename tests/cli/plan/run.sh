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

here=$(cd "$(dirname "$0")" && pwd)
# the exact records, warnings and configuration for each example inventory
for inv in small large parked; do
	"$mp" plan "$src/examples/inventory-$inv.yml" --seed 7 --date 202611 > "$tmp/$inv.out"
	diff -u "$here/$inv.out" "$tmp/$inv.out" || fail "$inv: text output differs from $inv.out"
	"$mp" plan "$src/examples/inventory-$inv.yml" --seed 7 --date 202611 --json > "$tmp/$inv.json"
	diff -u "$here/$inv.json" "$tmp/$inv.json" || fail "$inv: JSON differs from $inv.json"
	passed=$((passed + 1))
done

for inv in small large parked; do
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

# exactly one changed record gives exactly that change
sed 's/^small.example. 3600 IN TXT "v=spf1 ip4:192.0.2.25 /small.example. 3600 IN TXT "v=spf1 ip4:192.0.2.26 /' \
	"$tmp/small.zone" > "$tmp/one.zone"
set +e
out=$("$mp" plan "$src/examples/inventory-small.yml" --seed 7 --date 202611 --against-dns --zone "$tmp/one.zone")
rc=$?
set -e
[ $rc -eq 1 ] || fail "one change: exit $rc"
[ "$out" = 'differs  small.example TXT (spf)
         published: v=spf1 ip4:192.0.2.26 ip6:2001:db8:25::25 include:spf.protection.outlook.com -all
         change:    change small.example TXT to "v=spf1 ip4:192.0.2.25 ip6:2001:db8:25::25 include:spf.protection.outlook.com -all"
1 difference(s), 0 record(s) could not be checked' ] || fail "one change: $out"
passed=$((passed + 1))

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

# --keys: one 0600 key per server selector, public halves in the records;
# a second run reuses the keys (same selectors, nothing new written)
"$mp" plan "$src/examples/inventory-large.yml" --keys "$tmp/keys" --json > "$tmp/k1.json" 2> "$tmp/k1.err"
grep -q "5 new DKIM key(s)" "$tmp/k1.err" || fail "keys: $(cat "$tmp/k1.err")"
[ "$(stat -c %a "$tmp"/keys/mx1-*.key)" = 600 ] || fail "key file mode"
"$mp" plan "$src/examples/inventory-large.yml" --keys "$tmp/keys" --json > "$tmp/k2.json" 2> "$tmp/k2.err"
[ ! -s "$tmp/k2.err" ] || fail "second --keys run wrote keys: $(cat "$tmp/k2.err")"
/usr/bin/python3 - "$tmp/k1.json" "$tmp/k2.json" "$tmp/keys" <<'PY' || fail "keys in records"
import json, subprocess, sys, base64
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ka = [r for r in a["records"] if r["kind"] == "dkim-key"]
kb = [r for r in b["records"] if r["kind"] == "dkim-key"]
assert [r["zone_line"] for r in ka] == [r["zone_line"] for r in kb], "keys changed"
for r in ka:
    der = subprocess.run(["openssl", "pkey", "-in", "%s/%s.key" % (sys.argv[3], r["selector"]),
                          "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout
    pub = base64.b64encode(der).decode()
    if "k=ed25519" in r["value"]:
        pub = base64.b64encode(der[-32:]).decode()   # RFC 8463: the raw 32-byte key
    assert r["value"].endswith("p=" + pub), r["selector"]
    assert r["selector"] in a["keytable"]
PY
passed=$((passed + 1))

# SPF counted through the providers' real include trees (zone data), and
# the plan's records lint clean where they fit the limit
cat > "$tmp/providers.zone" <<'ZONE'
spf.protection.outlook.com. 3600 IN TXT "v=spf1 ip4:40.92.0.0/15 include:spfa.protection.outlook.com -all"
spfa.protection.outlook.com. 3600 IN TXT "v=spf1 ip4:40.107.0.0/16 -all"
_spf.google.com. 3600 IN TXT "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all"
_netblocks.google.com. 3600 IN TXT "v=spf1 ip4:35.190.247.0/24 ~all"
_netblocks2.google.com. 3600 IN TXT "v=spf1 ip6:2001:4860:4000::/36 ~all"
_netblocks3.google.com. 3600 IN TXT "v=spf1 ip4:172.217.0.0/19 ~all"
sendgrid.net. 3600 IN TXT "v=spf1 ip4:167.89.0.0/17 -all"
servers.mcsv.net. 3600 IN TXT "v=spf1 ip4:205.201.128.0/20 -all"
mail.zendesk.com. 3600 IN TXT "v=spf1 include:_spf1.zendesk.com include:_spf2.zendesk.com -all"
_spf1.zendesk.com. 3600 IN TXT "v=spf1 ip4:192.161.144.0/20 -all"
_spf2.zendesk.com. 3600 IN TXT "v=spf1 ip4:216.198.0.0/18 -all"
_spf.salesforce.com. 3600 IN TXT "v=spf1 include:_spfblocks.salesforce.com -all"
_spfblocks.salesforce.com. 3600 IN TXT "v=spf1 ip4:13.108.0.0/14 -all"
_spf.ticketing.example. 3600 IN TXT "v=spf1 a mx -all"
_spf.ticketing.example. 3600 IN A 198.18.0.1
_spf.ticketing.example. 3600 IN MX 10 mx.ticketing.example.
mx.ticketing.example. 3600 IN A 198.18.0.2
amazonses.com. 3600 IN TXT "v=spf1 ip4:199.255.192.0/22 -all"
ZONE
"$mp" plan "$src/examples/inventory-large.yml" --seed 7 --date 202611 --zone "$tmp/providers.zone" \
	--json > "$tmp/count.json"
/usr/bin/python3 - "$tmp/count.json" <<'PY' || fail "SPF counting"
import json, sys
p = json.load(open(sys.argv[1]))
spf = {r["domain"]: r for r in p["records"] if r["kind"] == "spf"}
# group.example: 6 includes + google 3 + zendesk 2 + salesforce 1 + ticketing a, mx 2 + outlook 0
assert spf["group.example"]["dns_lookups"] == 14, spf["group.example"]
assert spf["shop.example"]["dns_lookups"] == 1, spf["shop.example"]
over = [w for w in p["warnings"] if w["id"] == "plan-spf-over-limit"]
assert len(over) == 1 and over[0]["domain"] == "group.example", over
assert "14 DNS lookups" in over[0]["message"], over
assert "include:_spf.google.com (4 lookups)" in over[0]["fix"], over
PY
for inv in small large parked; do
	cat "$tmp/$inv.zone" "$tmp/providers.zone" > "$tmp/$inv-all.zone"
done
for d in small:small.example large:shop.example parked:parked.example; do
	inv=${d%%:*}; dom=${d#*:}
	"$mp" spf --lint "$dom" --zone "$tmp/$inv-all.zone" --json > "$tmp/lint.json" || fail "lint $dom exit"
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
bad = [f for f in r["findings"] if f["severity"] != "info"]
assert r["strict_ok"] and not bad, (r["domain"], bad)' "$tmp/lint.json" || fail "lint $dom not clean"
done
"$mp" spf --lint group.example --zone "$tmp/large-all.zone" --json > "$tmp/lint.json" && fail "group.example should be over the limit"
grep -q '"dns_lookups":14' "$tmp/lint.json" || fail "linter and plan disagree on group.example"
passed=$((passed + 1))

# the records each plan produces, served from a zone, make `mailproof check`
# report protected; the over-limit domain is at risk for exactly the reason
# the plan warned about
: > "$tmp/check.zone"
for inv in small large parked; do
	"$mp" plan "$src/examples/inventory-$inv.yml" --keys "$tmp/ckeys" --json 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["records"]:
    if r["kind"] != "dkim-provider-key":   # keys the provider hands out are not ours
        print(r["zone_line"])' >> "$tmp/check.zone"
done
cat "$tmp/providers.zone" >> "$tmp/check.zone"
for d in small.example shop.example group-legacy.example parked.example group.example; do
	"$mp" check --zone "$tmp/check.zone" "$d" --json > "$tmp/check.json" || true
	/usr/bin/python3 - "$tmp/check.json" "$d" <<'PY' || fail "check $d: $(cat "$tmp/check.json")"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
bad = sorted(f["id"] for f in r["findings"] if f["severity"] not in ("info",))
if sys.argv[2] == "group.example":
    assert r["verdict"] == "at-risk" and bad == ["spf-too-many-lookups"], (r["verdict"], bad)
else:
    assert r["verdict"] == "protected" and bad == [], (r["verdict"], bad)
PY
done
passed=$((passed + 1))

echo "$passed passed, 0 failed"
