#!/usr/bin/python3
"""dnssec_zone.py OUTDIR - write a DNSSEC-signed zone sec.test (ECDSA P-256,
RFC 6605) and an unsigned zone plain.test for NSD; print the trust anchor
(the DNSKEY in presentation form) on stdout.

sec.test holds a correctly signed TXT at the apex and a TXT at
bogus.sec.test whose signature is broken on purpose (validation fails)."""
import sys
import time

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec

out = sys.argv[1]
origin = dns.name.from_text("sec.test.")
key = ec.generate_private_key(ec.SECP256R1())
dnskey = dns.dnssec.make_dnskey(key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
                                flags=257)
now = int(time.time())
inception, expiration = now - 3600, now + 30 * 86400
ttl = 300

rrsets = [
    dns.rrset.from_text("sec.test.", ttl, "IN", "SOA", "ns.sec.test. hm.sec.test. 1 7200 900 1209600 300"),
    dns.rrset.from_text("sec.test.", ttl, "IN", "NS", "ns.sec.test."),
    dns.rrset.from_text("sec.test.", ttl, "IN", "TXT", '"v=spf1 -all"'),
    dns.rrset.from_text("ns.sec.test.", ttl, "IN", "A", "192.0.2.53"),
    dns.rrset.from_text("bogus.sec.test.", ttl, "IN", "TXT", '"tampered"'),
]
keyset = dns.rrset.from_rdata(origin, ttl, dnskey)
rrsets.append(keyset)

lines = ["$ORIGIN sec.test."]
for rs in rrsets:
    lines.append(rs.to_text())
    sig = dns.dnssec.sign(rs, key, origin, dnskey, inception=inception,
                          expiration=expiration, lifetime=None)
    if rs.name == dns.name.from_text("bogus.sec.test."):
        # flip a byte of the signature: validation must fail
        raw = bytearray(sig.signature)
        raw[5] ^= 0xFF
        sig = sig.replace(signature=bytes(raw))
    lines.append(dns.rrset.from_rdata(rs.name, ttl, sig).to_text())
open(f"{out}/sec.test.zone", "w").write("\n".join(lines) + "\n")
open(f"{out}/plain.test.zone", "w").write(
    "$ORIGIN plain.test.\n@ 300 IN SOA ns.plain.test. hm.plain.test. 1 7200 900 1209600 300\n"
    "@ 300 IN NS ns.plain.test.\nns 300 IN A 192.0.2.54\n@ 300 IN TXT \"unsigned\"\n")
print(f"sec.test. {ttl} IN DNSKEY {dnskey.to_text()}")
