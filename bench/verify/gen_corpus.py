#!/usr/bin/python3
"""gen_corpus.py WORK N - a verify benchmark corpus: N messages (2-20 KB,
most with one rsa-2048 DKIM signature) with SMTP envelopes, from 1,000
domains under bench.test, and the zone that serves their SPF, DKIM keys and
DMARC records. bench.test itself publishes a PSD record (psd=y), as a
public suffix operator would, so RFC 9989 tree walks stop there.
Writes WORK/bench.test.zone, WORK/msgs/*.eml, WORK/manifest.tsv."""
import base64
import os
import random
import subprocess
import sys

import dkim


def keygen(work, name):
    path = os.path.join(work, name + ".pem")
    subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True,
                   stderr=subprocess.DEVNULL)
    pub = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return open(path, "rb").read(), base64.b64encode(pub).decode()


def txt(s):
    return " ".join('"%s"' % s[i:i + 255] for i in range(0, len(s), 255))


def main():
    work, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(9989)
    os.makedirs(os.path.join(work, "msgs"), exist_ok=True)
    keys = [keygen(work, "k%d" % i) for i in range(4)]
    ndom = 1000
    z = ["$ORIGIN bench.test.", "$TTL 3600",
         "@ SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300",
         "@ NS ns.bench.test.", "ns A 127.0.0.1",
         '_dmarc TXT "v=DMARC1; p=none; psd=y"',
         '_spf TXT "v=spf1 ip4:203.0.113.0/24 -all"']
    doms = []
    for i in range(ndom):
        d = "org%d" % i
        k = i % len(keys)
        policy = rng.choice(["none", "quarantine", "reject", "reject"])
        z.append('%s TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.bench.test -all"' % d)
        z.append('bounce.%s TXT "v=spf1 ip4:192.0.2.0/24 -all"' % d)
        z.append('mx.%s A 192.0.2.%d' % (d, 1 + i % 250))
        z.append('_dmarc.%s TXT "v=DMARC1; p=%s; rua=mailto:dmarc@%s.bench.test"'
                 % (d, policy, d))
        z.append('s%d._domainkey.%s TXT %s' % (k, d, txt("v=DKIM1; k=rsa; p=" + keys[k][1])))
        doms.append((d + ".bench.test", k))
    with open(os.path.join(work, "bench.test.zone"), "w") as f:
        f.write("\n".join(z) + "\n")
    man = open(os.path.join(work, "manifest.tsv"), "w")
    words = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
             "tempor incididunt ut labore et dolore magna aliqua").split()
    for i in range(n):
        dom, k = doms[rng.randrange(ndom)]
        size = rng.randint(2000, 20000)
        lines, cur = [], 0
        while cur < size:
            line = " ".join(rng.choice(words) for _ in range(12))
            lines.append(line)
            cur += len(line) + 2
        body = "\r\n".join(lines) + "\r\n"
        sender = rng.random()
        mail_from = ("alice@" + dom if sender < 0.6 else
                     "bounce-%d@bounce.%s" % (i, dom) if sender < 0.9 else
                     "x@org%d.bench.test" % rng.randrange(ndom))
        ip = "192.0.2.%d" % rng.randint(1, 254) if rng.random() < 0.85 else \
             "198.51.100.%d" % rng.randint(1, 254)
        msg = ("From: Alice <alice@%s>\r\nTo: bob@example.net\r\nSubject: message %d\r\n"
               "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <%d@%s>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n%s"
               % (dom, i, i, dom, body)).encode()
        if rng.random() < 0.9:
            sig = dkim.sign(msg, b"s%d" % k, dom.encode(), keys[k][0],
                            include_headers=[b"from", b"to", b"subject", b"date",
                                             b"message-id"])
            msg = sig + msg
        path = os.path.join(work, "msgs", "m%05d.eml" % i)
        with open(path, "wb") as f:
            f.write(msg)
        man.write("%s\t%s\tmx.%s\t%s\n" % (path, ip, dom, mail_from))
    man.close()


if __name__ == "__main__":
    main()
