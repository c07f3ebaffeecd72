#!/usr/bin/python3
"""gen_corpus.py WORK [N] [SEED] - the bench/dkim corpus, unsigned.

Writes under WORK: keys/ (PEM, mode 0600), bench.zone (the key records for
NSD, TXT split in 255-byte strings), in/NNNN.eml (CRLF messages, sizes
log-uniform 2 KB-200 KB), sign.tsv (what dkim_bench sign does: mostly
rsa-2048, some rsa-1024, some ed25519, some rsa-2048 + ed25519) and
verify.txt (the signed messages' paths).
"""
import base64
import math
import os
import random
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

DOMAINS = 40
WORDS = ("the of and to in is that for it as was with be by on not he this are or his "
         "from at which but have an they you were her she there been one all we their "
         "report invoice meeting schedule delivery account update project review").split()


def write_key(path, pem):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, pem)
    os.close(fd)


def make_key(kind):
    if kind == "ed":
        k = ed25519.Ed25519PrivateKey.generate()
        pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        rec = "v=DKIM1; k=ed25519; p=" + base64.b64encode(pub).decode()
    else:
        k = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[1:]))
        pub = k.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
        rec = "v=DKIM1; k=rsa; p=" + base64.b64encode(pub).decode()
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    return pem, rec


def body(rng, size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))
        if rng.random() < 0.05:
            line = ""
        out.append(line)
        n += len(line) + 2
    return "\r\n".join(out) + "\r\n"


def main():
    work = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 6376)
    for d in ("keys", "in", "out"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    zone = ["$ORIGIN bench.test.", "$TTL 3600",
            "@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 3600",
            "@ IN NS ns.bench.test.", "ns IN A 127.0.0.1"]
    keys = {}
    for i in range(DOMAINS):
        dom = "d%02d.bench.test" % i
        kinds = ["r2048"] + (["r1024"] if i < 8 else []) + (["ed"] if i < 10 else [])
        for kind in kinds:
            pem, rec = make_key(kind)
            path = os.path.join(work, "keys", "%s.%s.pem" % (kind, dom))
            write_key(path, pem)
            keys[(dom, kind)] = path
            strings = " ".join('"%s"' % rec[k:k + 255] for k in range(0, len(rec), 255))
            zone.append("%s._domainkey.d%02d IN TXT %s" % (kind, i, strings))
    with open(os.path.join(work, "bench.zone"), "w") as f:
        f.write("\n".join(zone) + "\n")
    sign, verify = [], []
    for m in range(n):
        size = int(math.exp(rng.uniform(math.log(2000), math.log(200000))))
        r = rng.random()
        if r < 0.70:
            plan = ["r2048"]
        elif r < 0.80:
            plan = ["r1024"]
        elif r < 0.88:
            plan = ["ed"]
        else:
            plan = ["r2048", "ed"]
        i = rng.randrange(10 if "ed" in plan else (8 if "r1024" in plan else DOMAINS))
        dom = "d%02d.bench.test" % i
        hdr = ("From: Sender %d <sender%d@%s>\r\nTo: rcpt%d@example.org\r\n"
               "Subject: %s\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
               "Message-ID: <%d@%s>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
               % (m, m, dom, m, " ".join(rng.choice(WORDS) for _ in range(6)), m, dom))
        msg = hdr + body(rng, max(0, size - len(hdr) - 600))
        pin = os.path.join(work, "in", "%05d.eml" % m)
        pout = os.path.join(work, "out", "%05d.eml" % m)
        with open(pin, "w") as f:
            f.write(msg)
        cols = [pin, pout, dom]
        for kind in plan:
            cols += [kind, keys[(dom, kind)]]
        sign.append("\t".join(cols))
        verify.append(pout + "\t" + ",".join(plan))
    with open(os.path.join(work, "sign.tsv"), "w") as f:
        f.write("\n".join(sign) + "\n")
    with open(os.path.join(work, "verify.txt"), "w") as f:
        f.write("\n".join(v.split("\t")[0] for v in verify) + "\n")
    with open(os.path.join(work, "plan.tsv"), "w") as f:
        f.write("\n".join(verify) + "\n")


if __name__ == "__main__":
    main()
