#!/bin/bash
# dnssec.sh DNSSEC_PROGRAM - serve a signed zone (made now by
# dnssec_zone.py) and an unsigned one from a private NSD; the libunbound
# driver with that zone's key as trust anchor must report secure, bogus
# and insecure answers (dnssec.c checks them).
set -euo pipefail
prog=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../lib/nsd.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-dnssec.XXXXXX")
trap 'nsd_stop; rm -rf "$work"' EXIT
anchor=$(/usr/bin/python3 "$here/dnssec_zone.py" "$work")
nsd_start "sec.test=$work/sec.test.zone" "plain.test=$work/plain.test.zone"
"$prog" "$NSD_PORT" "$anchor"
echo "integration/dns/dnssec: ok"
