#!/usr/bin/python3
"""questions.py - the questions a check asks, for measuring the resolver.

usage: questions.py DOMAINS.txt WAVE1.tsv > questions.txt
       questions.py DOMAINS.txt SELECTORS... > questions.txt
For each domain the independent questions `mailproof check` starts with, in
`mailproof dns --batch` form, so the resolver's ceiling is measured on the
same mix: SPF TXT, _dmarc TXT, MX, _mta-sts, _smtp._tls, default._bimi, a
non-existent subdomain's A (its _dmarc is asked only when that name
exists). With WAVE1.tsv (gen.py --world providers: domain, the selectors
derived from its MX hosts and SPF includes, its own MX host names) the bulk
"likely first" mode: the derived selectors and the A of the domain's own MX
hosts (shared providers' hosts are asked once for all domains and cached);
a null-MX domain is not asked for _mta-sts and _smtp._tls.
With SELECTORS, `--dkim-probe all`: _domainkey and every selector."""
import os
import sys

wave1 = None
if len(sys.argv) == 3 and sys.argv[2].endswith(".tsv") and os.path.isfile(sys.argv[2]):
    wave1 = {}
    for line in open(sys.argv[2]):
        d, sels, hosts = line.rstrip("\n").split("\t")
        wave1[d] = (sels.split(","), [] if hosts in ("-", ".") else hosts.split(","), hosts == ".")
sels = sys.argv[2:]
out = []
for line in open(sys.argv[1]):
    d = line.strip()
    if not d:
        continue
    out += ["TXT " + d, "TXT _dmarc." + d, "MX " + d]
    null_mx = False
    if wave1 is None:
        out += ["TXT _domainkey." + d] + ["TXT %s._domainkey.%s" % (s, d) for s in sels]
    else:
        s, hosts, null_mx = wave1.get(d, (["default", "dkim", "mail"], [], False))
        out += ["TXT %s._domainkey.%s" % (x, d) for x in s] + ["A " + h for h in hosts]
    if not null_mx:
        out += ["TXT _mta-sts." + d, "TXT _smtp._tls." + d]
    out += ["TXT default._bimi." + d, "A mp-nx-bench." + d]
sys.stdout.write("\n".join(out) + "\n")
