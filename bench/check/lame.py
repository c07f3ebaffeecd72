#!/usr/bin/python3
"""lame.py - add lame and timing-out domains to a gen.py output directory.

usage: lame.py DIR NLAME NSLOW
NLAME domains under lame.test, delegated to a name server address where
nothing listens (127.0.0.9: every query is refused by the kernel at once);
NSLOW domains under slow.test, a zone the bench's resolver sends to a UDP
port that never answers (timeouts). Both are appended to DIR/test.zone,
mixed into DIR/domains.txt and listed in DIR/expected.tsv as unknown."""
import os
import random
import sys

d, nlame, nslow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(os.path.join(d, "test.zone"), "a") as z:
    z.write("lame NS ns.lame\nns.lame A 127.0.0.9\n")
names = ["l%05d.lame.test" % i for i in range(nlame)] + ["s%05d.slow.test" % i for i in range(nslow)]
doms = [l.strip() for l in open(os.path.join(d, "domains.txt")) if l.strip()]
rng = random.Random(7)
for n in names:
    doms.insert(rng.randrange(len(doms) + 1), n)
with open(os.path.join(d, "domains.txt"), "w") as f:
    f.write("".join(x + "\n" for x in doms))
with open(os.path.join(d, "expected.tsv"), "a") as f:
    f.write("".join("%s\tunknown\tdns-error\n" % n for n in names))
