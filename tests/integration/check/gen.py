#!/usr/bin/python3
"""gen.py - generate N domains with known postures for `mailproof check --bulk`.

usage: gen.py N OUTDIR [LAME]
Writes OUTDIR/bulk.test.zone (zone bulk.test), OUTDIR/test.zone (an empty
parent zone, so DMARC tree walks end in an authoritative answer),
OUTDIR/domains.txt (one per line, shuffled deterministically) and
OUTDIR/expected.tsv (domain TAB verdict TAB finding that must be there).
LAME extra domains under lame.invalid are added: no server answers for them
(REFUSED, or a timeout through a resolver), so their verdict is unknown.
Postures mimic real ones: shared providers' include chains, MX hosts at
providers, DKIM at common selectors, Ed25519 and RSA keys.
"""
import base64
import os
import random
import sys

KEY1024 = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDQyP/uOaRbJ+4ssItTF1oUZBU9vhCJdnP4ktKekU1raTRh4lX9XuvZykRUhn29/fcBY9vQGDqZGggUq4/GsgaCt4ZNoFn4sebhcS1ejxERcohR8krT4AqqzqtPeEHgApwtIsqaMy/VTYBeAiX82Nsx3sIUTJCP65DW2lBwZetkpwIDAQAB"

SELECTORS = ["google", "selector1", "selector2", "k1", "s1", "default", "dkim", "mail"]

# posture -> (weight, verdict, finding that must be reported, record builder)
def ed25519(rng):
    return "v=DKIM1; k=ed25519; p=" + base64.b64encode(rng.randbytes(32)).decode()


def txt(s):
    """a TXT rdata, split into 255-byte strings"""
    return " ".join('"%s"' % s[i:i + 250] for i in range(0, len(s), 250))


def sender(d, rng, spf="v=spf1 include:_spf.prov1.bulk.test -all",
           dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@{d}.bulk.test", key=None, mx=True):
    rr = []
    if mx:
        rr.append("%s MX 10 mx%d.prov1.bulk.test." % (d, rng.randrange(3)))
    if spf:
        rr.append("%s TXT %s" % (d, txt(spf)))
    if dmarc:
        rr.append("_dmarc.%s TXT %s" % (d, txt(dmarc.format(d=d))))
    sel = rng.choice(SELECTORS)
    rr.append("%s._domainkey.%s TXT %s" % (sel, d, txt(key or ed25519(rng))))
    return rr


POSTURES = [
    ("protected", 30, "protected", None, lambda d, r: sender(d, r)),
    ("protected-quarantine", 8, "protected", None,
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:agg@{d}.bulk.test")),
    ("protected-nomail", 8, "protected", "mx-null", lambda d, r: [
        "%s MX 0 ." % d, '%s TXT "v=spf1 -all"' % d,
        '_dmarc.%s TXT "v=DMARC1; p=reject; sp=reject; rua=mailto:d@%s.bulk.test"' % (d, d)]),
    ("policy-none", 12, "at-risk", "dmarc-policy-none",
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=none; rua=mailto:dmarc@{d}.bulk.test")),
    ("pct", 4, "at-risk", "dmarc-pct",
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@{d}.bulk.test")),
    ("testing", 3, "at-risk", "dmarc-testing",
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=reject; t=y; rua=mailto:dmarc@{d}.bulk.test")),
    ("too-many-lookups", 5, "at-risk", "spf-too-many-lookups",
     lambda d, r: sender(d, r, spf="v=spf1 include:_spf.big.bulk.test include:_spf.prov1.bulk.test mx -all")),
    ("weak-key", 4, "at-risk", "dkim-key-weak",
     lambda d, r: sender(d, r, key="v=DKIM1; k=rsa; p=" + KEY1024)),
    ("no-spf", 3, "at-risk", "spf-missing", lambda d, r: sender(d, r, spf=None)),
    ("no-dmarc", 12, "unprotected", "dmarc-missing", lambda d, r: sender(d, r, dmarc=None)),
    ("plus-all", 3, "unprotected", "spf-pass-all", lambda d, r: sender(d, r, spf="v=spf1 +all")),
    ("two-spf", 3, "unprotected", "spf-multiple",
     lambda d, r: sender(d, r) + ['%s TXT "v=spf1 ip4:192.0.2.1 -all"' % d]),
    ("broken-include", 2, "unprotected", "spf-include-broken",
     lambda d, r: sender(d, r, spf="v=spf1 include:_spf.gone.bulk.test -all")),
    ("nothing-aligns", 3, "unprotected", "nothing-can-align", lambda d, r: [
        "%s MX 10 mx0.prov1.bulk.test." % d,
        '_dmarc.%s TXT "v=DMARC1; p=reject; rua=mailto:d@%s.bulk.test"' % (d, d)]),
]

HEAD = """$ORIGIN bulk.test.
$TTL 3600
@ SOA ns hostmaster 1 7200 900 1209600 300
@ NS ns
ns A 192.0.2.53
_spf.prov1 TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 include:_spf2.prov1.bulk.test -all"
_spf2.prov1 TXT "v=spf1 ip6:2001:db8::/32 -all"
mx0.prov1 A 192.0.2.25
mx1.prov1 A 192.0.2.26
mx2.prov1 A 192.0.2.27
mx2.prov1 AAAA 2001:db8::27
"""


def big_chain():
    """_spf.big: 9 DNS terms through nested includes (with prov1's 2 and mx: 12)"""
    rr = ['_spf.big TXT "v=spf1 include:a.big.bulk.test include:b.big.bulk.test include:c.big.bulk.test -all"']
    for x in "abc":
        rr.append('%s.big TXT "v=spf1 include:%s1.big.bulk.test include:%s2.big.bulk.test -all"' % (x, x, x))
        for i in (1, 2):
            rr.append('%s%d.big TXT "v=spf1 ip4:203.0.113.%d -all"' % (x, i, ord(x) % 50 + i))
    return rr


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    lame = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    rng = random.Random(6)
    os.makedirs(out, exist_ok=True)
    total = sum(p[1] for p in POSTURES)
    domains = []
    with open(os.path.join(out, "bulk.test.zone"), "w") as z:
        z.write(HEAD)
        z.write("\n".join(big_chain()) + "\n")
        for i in range(n):
            pick = rng.randrange(total)
            for name, w, verdict, finding, build in POSTURES:
                if pick < w:
                    break
                pick -= w
            d = "d%06d" % i
            z.write("\n".join(build(d, rng)) + "\n")
            domains.append((d + ".bulk.test", verdict, finding or "-"))
    for i in range(lame):
        domains.append(("l%05d.lame.invalid" % i, "unknown", "dns-error"))
    with open(os.path.join(out, "test.zone"), "w") as z:
        z.write("$ORIGIN test.\n$TTL 3600\n@ SOA ns.bulk.test. hostmaster.bulk.test. 1 7200 900 1209600 300\n"
                "@ NS ns.bulk.test.\nbulk NS ns.bulk.test.\n")
    rng.shuffle(domains)
    with open(os.path.join(out, "domains.txt"), "w") as f:
        f.write("".join(d + "\n" for d, _, _ in domains))
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        f.write("".join("%s\t%s\t%s\n" % x for x in domains))


if __name__ == "__main__":
    main()
