#!/usr/bin/python3
"""interop_pyspf.py - mailproof's SPF results against python3-spf (pyspf).

Generates N random (seeded, reproducible) SPF worlds: domains with random
records (ip4/ip6/a/mx/include/exists/ptr/redirect/exp, qualifiers, dual CIDR,
a few macros, some broken records, loops, void lookups, timeouts), and one
envelope (client IP, MAIL FROM, HELO) per case. The same data is written as
an RFC 1035 zone file for `mailproof spf --batch --zone` and served to pyspf
through a replaced spf.DNSLookup, so neither side touches the network.

Disagreements are compared with the table of known pyspf departures
(KNOWN below, each with the RFC 7208 clause; see docs/spf.md). Exit 1 on any
unexplained disagreement.

usage: interop_pyspf.py MAILPROOF [--cases N] [--seed S] [--keep DIR] [-v]
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

try:
    import spf
except ImportError:
    print("SKIP: python3-spf not installed")
    sys.exit(77)

ZONE = "interop.test"


class World:
    """One random zone: names -> {type: [values]}; timeouts by name."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.rr = {}
        self.timeouts = set()

    def add(self, name, rtype, value):
        self.rr.setdefault(name.lower(), {}).setdefault(rtype, []).append(value)


def rand_net4(rnd):
    return "198.51.100.%d" % rnd.randrange(0, 256)


def gen_world(rnd, ndomains=12):
    w = World(rnd)
    doms = ["d%d.%s" % (i, ZONE) for i in range(ndomains)]
    hosts = ["h%d.%s" % (i, ZONE) for i in range(8)]
    for h in hosts:
        if rnd.random() < 0.8:
            w.add(h, "A", "192.0.2.%d" % rnd.randrange(1, 40))
        if rnd.random() < 0.5:
            w.add(h, "AAAA", "2001:db8::%x" % rnd.randrange(1, 40))
    for d in doms:
        if rnd.random() < 0.5:
            w.add(d, "A", "192.0.2.%d" % rnd.randrange(1, 40))
        if rnd.random() < 0.3:
            w.add(d, "AAAA", "2001:db8::%x" % rnd.randrange(1, 40))
        if rnd.random() < 0.5:
            for k in range(rnd.randrange(1, 4)):
                w.add(d, "MX", (10 * (k + 1), rnd.choice(hosts)))
        if rnd.random() < 0.9:
            w.add(d, "TXT", gen_record(rnd, doms, hosts, d))
        if rnd.random() < 0.05:
            w.add(d, "TXT", "v=spf1 -all")          # two records: permerror
        if rnd.random() < 0.1:
            w.add(d, "TXT", "some other text")
        if rnd.random() < 0.03:
            w.timeouts.add(d)
    # exp targets and exists targets
    w.add("why.%s" % ZONE, "TXT", "%{i} is not allowed for %{d} (%{l})")
    for ip in range(1, 40, 3):
        w.add("%d.2.0.192.bl.%s" % (ip, ZONE), "A", "127.0.0.2")
    # reverse DNS for some clients
    for ip in range(1, 40, 4):
        h = rnd.choice(hosts)
        w.add("%d.2.0.192.in-addr.arpa" % ip, "PTR", h)
    return w, doms, hosts


def gen_term(rnd, doms, hosts, self_dom):
    q = rnd.choice(["", "", "", "-", "~", "?", "+"])
    k = rnd.random()
    if k < 0.22:
        cidr = rnd.choice(["", "", "/24", "/28", "/32", "/16"])
        return "%sip4:192.0.2.%d%s" % (q, rnd.randrange(0, 40), cidr)
    if k < 0.30:
        cidr = rnd.choice(["", "/64", "/120", "/128"])
        return "%sip6:2001:db8::%x%s" % (q, rnd.randrange(1, 40), cidr)
    if k < 0.45:
        tgt = rnd.choice(["", ":" + rnd.choice(hosts), ":" + rnd.choice(doms)])
        cidr = rnd.choice(["", "", "/24", "//64", "/24//64", "/30"])
        return "%sa%s%s" % (q, tgt, cidr)
    if k < 0.58:
        tgt = rnd.choice(["", "", ":" + rnd.choice(doms)])
        cidr = rnd.choice(["", "", "/24", "//64"])
        return "%smx%s%s" % (q, tgt, cidr)
    if k < 0.75:
        return "%sinclude:%s" % (q, rnd.choice(doms + ["nxd.%s" % ZONE]))
    if k < 0.81:
        return "%sexists:%s" % (q, rnd.choice(["%{i}.bl." + ZONE, "%{ir}.bl." + ZONE,
                                             rnd.choice(hosts), "x.%{d}"]))
    if k < 0.85:
        return "%sptr%s" % (q, rnd.choice(["", ":" + ZONE, ":" + rnd.choice(hosts)]))
    if k < 0.88:
        return rnd.choice(["foo=bar", "moo.cow-far_out=man:dog/cat", "v=spf1x",
                           "ip4:192.0.2", "a:%{x}." + ZONE, "mx:" + ZONE + "/33",
                           "include:", "-mx:" + ZONE + "//129"])
    return "%sa:%s" % (q, rnd.choice(["void%d.%s" % (rnd.randrange(5), ZONE),
                                       rnd.choice(hosts)]))


def gen_record(rnd, doms, hosts, self_dom):
    terms = [gen_term(rnd, doms, hosts, self_dom) for _ in range(rnd.randrange(0, 6))]
    r = rnd.random()
    if r < 0.55:
        terms.append(rnd.choice(["-all", "~all", "?all", "-all", "all"]))
    elif r < 0.75:
        terms.append("redirect=" + rnd.choice(doms))
    if rnd.random() < 0.15:
        terms.append("exp=why." + ZONE)
    if rnd.random() < 0.1:
        rnd.shuffle(terms)
    return " ".join(["v=spf1"] + terms)


def txt_strings(s):
    b = s.encode()
    return [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]


def zone_text(w):
    out = []
    for name in sorted(w.rr):
        for rtype, vals in sorted(w.rr[name].items()):
            for v in vals:
                if rtype == "TXT":
                    data = " ".join('"%s"' % s.decode().replace("\\", "\\\\").replace('"', '\\"')
                                    for s in txt_strings(v))
                elif rtype == "MX":
                    data = "%d %s." % (v[0], v[1])
                elif rtype == "PTR":
                    data = v + "."
                else:
                    data = v
                out.append("%s. 300 IN %s %s" % (name, rtype, data))
    return "\n".join(out) + "\n"


def make_lookup(w):
    def lookup(name, qtype, strict=True, timeout=None, *args, **kw):
        n = str(name).rstrip(".").lower()
        if n in w.timeouts:
            raise spf.TempError("DNS timeout (interop)")
        recs = w.rr.get(n, {}).get(qtype, [])
        res = []
        for v in recs:
            if qtype == "TXT":
                res.append(((n, qtype), txt_strings(v)))
            else:
                res.append(((n, qtype), v))
        return res
    return lookup


def pyspf_result(w, ip, sender, helo):
    spf.DNSLookup = make_lookup(w)
    q = spf.query(i=ip, s=sender, h=helo, receiver="mx.receiver.test", strict=True)
    res, code, exp = q.check()
    return res, exp


# Known pyspf departures from RFC 7208: (predicate name, RFC clause). A
# disagreement is explained when one of them applies to the case.
KNOWN = {
    "redirect-limit": "RFC 7208 §4.6.4: redirect= counts as a DNS term only when it is "
                      "evaluated; pyspf counts it while parsing",
    "void-per-query": "RFC 7208 §4.6.4 limits the number of *terms* whose lookups "
                      "come back empty; pyspf counts every empty query (each MX "
                      "host's address query too, even after a match)",
    "ipv6-no-aaaa": "RFC 7208 §5.3/§5.4: a host without AAAA simply does not match an "
                    "IPv6 client; pyspf raises permerror",
    "include-self": "RFC 7208 §5.2: include of the record's own domain is evaluated "
                    "(and loops to the limit); pyspf rejects it at once",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mailproof")
    ap.add_argument("--cases", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7208)
    ap.add_argument("--keep")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    tmp = a.keep or tempfile.mkdtemp(prefix="spf-interop-")
    os.makedirs(tmp, exist_ok=True)
    worlds_per_zone = 25
    cases = []
    disagreements = []
    agree = 0
    # Cases are grouped: each group of 25 shares one world (one zone file,
    # one mailproof --batch run).
    ngroups = (a.cases + worlds_per_zone - 1) // worlds_per_zone
    for g in range(ngroups):
        w, doms, hosts = gen_world(rnd)
        batch = []
        for c in range(worlds_per_zone):
            if len(cases) >= a.cases:
                break
            if rnd.random() < 0.85:
                ip = "192.0.2.%d" % rnd.randrange(1, 40)
            elif rnd.random() < 0.5:
                ip = "::ffff:192.0.2.%d" % rnd.randrange(1, 40)
            else:
                ip = "2001:db8::%x" % rnd.randrange(1, 40)
            dom = rnd.choice(doms)
            sender = rnd.choice(["user", "a.b", "x-y"]) + "@" + dom
            helo = rnd.choice(hosts)
            if rnd.random() < 0.05:
                sender = ""
                helo = dom
            batch.append((ip, sender, helo))
            cases.append((g, ip, sender, helo, w))
        zpath = os.path.join(tmp, "zone%d.txt" % g)
        bpath = os.path.join(tmp, "batch%d.txt" % g)
        with open(zpath, "w") as f:
            f.write("$ORIGIN %s.\n" % ZONE)
            f.write(zone_text(w))
        with open(bpath, "w") as f:
            for ip, s, h in batch:
                f.write("%s\t%s\t%s\n" % (ip, s or "<>", h))
        args = [a.mailproof, "spf", "--batch", bpath, "--zone", zpath,
                "--receiver", "mx.receiver.test", "--json"]
        for t in sorted(w.timeouts):
            args += ["--zone-fail", t + "=timeout"]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode not in (0, 3) or not out.stdout:
            print("mailproof failed:", out.returncode, out.stderr[:500])
            return 1
        import json
        got = {}
        for line in out.stdout.splitlines():
            o = json.loads(line)
            got[o["line"]] = o
        for k, (ip, s, h) in enumerate(batch):
            mine = got.get(k + 1)
            theirs, texp = pyspf_result(w, ip, s, h)
            if mine and mine["result"] == theirs:
                agree += 1
                continue
            disagreements.append((g, ip, s, h, mine, theirs, w, texp))
    # classify disagreements
    unexplained = []
    explained = {}
    for g, ip, s, h, mine, theirs, w, texp in disagreements:
        why = classify(w, ip, s, h, mine, theirs, texp)
        if why and not os.environ.get("SPF_NOCLASSIFY"):
            explained[why] = explained.get(why, 0) + 1
        else:
            unexplained.append((g, ip, s, h, mine, theirs, texp))
    total = len(cases)
    print("spf interop vs pyspf %s: %d cases, %d agree, %d explained, %d unexplained"
          % (spf.__version__, total, agree, total - agree - len(unexplained), len(unexplained)))
    for k, n in sorted(explained.items()):
        print("  explained %-15s %3d  %s" % (k, n, KNOWN[k]))
    for g, ip, s, h, mine, theirs, texp in unexplained[:40]:
        print("  DISAGREE zone%d ip=%s from=%s helo=%s: mailproof %s (%s: %s) pyspf %s (%s)"
              % (g, ip, s, h, mine and mine["result"], mine and mine["mechanism"],
                 mine and mine["reason_text"], theirs, texp))
    if not a.keep and not unexplained:
        for fn in os.listdir(tmp):
            os.unlink(os.path.join(tmp, fn))
        os.rmdir(tmp)
    elif unexplained:
        print("  data kept in", tmp)
    return 1 if unexplained else 0


def record_of(w, dom):
    recs = [t for t in w.rr.get(dom, {}).get("TXT", []) if t.lower().startswith("v=spf1")]
    return recs[0] if len(recs) == 1 else None


def classify(w, ip, s, h, mine, theirs, texp):
    """Name the known pyspf departure that explains a disagreement, or None.

    Judged from pyspf's own error text and mailproof's counters, so a
    disagreement is only explained when the departure really is the cause."""
    if mine is None or theirs != "permerror" or mine["result"] == "permerror":
        return None
    texp = texp or ""
    if "trivial recursion" in texp:
        return "include-self"
    if "Void lookup limit" in texp and mine["void_lookups"] <= 2:
        return "void-per-query"
    if "Too many DNS lookups" in texp and mine["dns_lookups"] <= 10:
        return "redirect-limit"
    if ("AAAA" in texp or "No AAAA" in texp) and ":" in ip:
        return "ipv6-no-aaaa"
    return None


if __name__ == "__main__":
    sys.exit(main())
