#!/usr/bin/python3
"""questions.py - the questions a check asks, for measuring the resolver.

usage: questions.py DOMAINS.txt SELECTORS... > questions.txt
For each domain the independent questions `mailproof check` starts with
(SPF TXT, _dmarc TXT, MX, _domainkey and every DKIM selector, _mta-sts,
_smtp._tls, default._bimi, a non-existent subdomain's A; its _dmarc is
asked only when that name exists) in `mailproof dns --batch` form, so the
resolver's ceiling is measured on the same mix."""
import sys

sels = sys.argv[2:]
out = []
for line in open(sys.argv[1]):
    d = line.strip()
    if not d:
        continue
    out += ["TXT " + d, "TXT _dmarc." + d, "MX " + d, "TXT _domainkey." + d]
    out += ["TXT %s._domainkey.%s" % (s, d) for s in sels]
    out += ["TXT _mta-sts." + d, "TXT _smtp._tls." + d, "TXT default._bimi." + d,
            "A mp-nx-bench." + d]
sys.stdout.write("\n".join(out) + "\n")
