#!/usr/bin/python3
"""gen_corpus.py - a realistic SPF benchmark corpus (seeded, reproducible).

Writes ZONE (an RFC 1035 zone for bench.test, SOA and NS included) and BATCH
(one envelope per line: IP MAIL_FROM HELO). Domains look like real senders:
their own mx/a/ip4 terms plus includes of a few shared providers whose
records include further netblock records (two or three levels, like
_spf.google.com), some redirect= to a sibling, a few without SPF, a few
with ptr or exists. About 40% of envelopes come from an authorized address.

usage: gen_corpus.py ZONE BATCH [--domains N] [--envelopes N] [--seed S]
"""
import argparse
import random

ORIGIN = "bench.test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zone")
    ap.add_argument("batch")
    ap.add_argument("--domains", type=int, default=300)
    ap.add_argument("--envelopes", type=int, default=5000)
    ap.add_argument("--providers", type=int, default=24)
    ap.add_argument("--seed", type=int, default=2014)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    z = ["$ORIGIN %s." % ORIGIN, "$TTL 3600",
         "@ IN SOA ns.%s. hostmaster.%s. 1 3600 900 604800 300" % (ORIGIN, ORIGIN),
         "@ IN NS ns.%s." % ORIGIN, "ns IN A 127.0.0.1"]
    net = [0]

    def block():
        # a fresh /24 inside 198.18.0.0/15 (RFC 2544 benchmarking range)
        net[0] += 1
        return "198.%d.%d" % (18 + net[0] // 256, net[0] % 256)

    authorized = {}      # domain -> list of IPs that pass
    prov_ips = []
    for p in range(a.providers):
        name = "_spf.prov%d" % p
        nblocks = rnd.randrange(1, 4)
        incs = []
        ips = []
        for b in range(nblocks):
            nb = "_nb%d.prov%d" % (b, p)
            ranges = [block() for _ in range(rnd.randrange(3, 9))]
            ips += ["%s.%d" % (r, rnd.randrange(1, 255)) for r in ranges]
            z.append('%s IN TXT "v=spf1 %s ~all"' % (nb, " ".join("ip4:%s.0/24" % r for r in ranges)))
            incs.append("include:%s.%s" % (nb, ORIGIN))
        if rnd.random() < 0.3:          # a provider that lists its relays by name
            relay = "relay.prov%d" % p
            r = block()
            z.append("%s IN A %s.10" % (relay, r))
            ips.append("%s.10" % r)
            incs.append("a:%s.%s" % (relay, ORIGIN))
        z.append('%s IN TXT "v=spf1 %s ~all"' % (name, " ".join(incs)))
        prov_ips.append(ips)
    for d in range(a.domains):
        dom = "d%d" % d
        fq = "%s.%s" % (dom, ORIGIN)
        ips = []
        terms = []
        r = block()
        z.append("mx.%s IN A %s.25" % (dom, r))
        z.append("%s IN MX 10 mx.%s" % (dom, dom))
        if rnd.random() < 0.4:
            z.append("mx2.%s IN A %s.26" % (dom, r))
            z.append("%s IN MX 20 mx2.%s" % (dom, dom))
        z.append("%s IN A %s.80" % (dom, r))
        z.append("mail.%s IN A %s.25" % (dom, r))
        if rnd.random() < 0.7:
            terms.append("mx")
            ips.append("%s.25" % r)
        if rnd.random() < 0.3:
            terms.append("a")
            ips.append("%s.80" % r)
        if rnd.random() < 0.5:
            r2 = block()
            terms.append("ip4:%s.0/26" % r2)
            ips.append("%s.%d" % (r2, rnd.randrange(1, 63)))
        for p in rnd.sample(range(a.providers), rnd.choice([0, 1, 1, 1, 2, 2, 3])):
            terms.append("include:_spf.prov%d.%s" % (p, ORIGIN))
            ips += prov_ips[p]
        if rnd.random() < 0.03:
            terms.append("ptr")
        if rnd.random() < 0.05:
            terms.append("exists:%%{i}._bl.%s" % ORIGIN)
        k = rnd.random()
        if k < 0.05:
            pass                            # no SPF record at all
        elif k < 0.12 and d > 0:
            z.append('%s IN TXT "v=spf1 redirect=d%d.%s"' % (dom, d - 1, ORIGIN))
            ips = authorized.get("d%d" % (d - 1), [])
        else:
            terms.append(rnd.choice(["-all", "~all", "~all", "?all"]))
            z.append('%s IN TXT "v=spf1 %s"' % (dom, " ".join(terms)))
        if rnd.random() < 0.2:
            z.append('%s IN TXT "google-site-verification=%032x"' % (dom, rnd.getrandbits(128)))
        authorized[dom] = ips
    doms = list(authorized)
    with open(a.zone, "w") as f:
        f.write("\n".join(z) + "\n")
    with open(a.batch, "w") as f:
        for _ in range(a.envelopes):
            dom = rnd.choice(doms)
            ips = authorized[dom]
            if ips and rnd.random() < 0.4:
                ip = rnd.choice(ips)
            else:
                ip = "203.0.113.%d" % rnd.randrange(1, 255) if rnd.random() < 0.5 else \
                     "198.19.%d.%d" % (rnd.randrange(200, 256), rnd.randrange(1, 255))
            local = rnd.choice(["info", "noreply", "j.smith", "billing", "news"])
            f.write("%s\t%s@%s.%s\tmail.%s.%s\n" % (ip, local, dom, ORIGIN, dom, ORIGIN))


if __name__ == "__main__":
    main()
