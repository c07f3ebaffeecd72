#!/usr/bin/python3
"""verify.py - compare `mailproof check --bulk --json` output with expected.tsv.

usage: verify.py EXPECTED.tsv OUTPUT.jsonl ordered|unordered DOMAINS.txt
Every domain must appear once with the expected verdict and finding; with
"ordered" the lines must follow DOMAINS.txt."""
import json
import sys

want = {}
for line in open(sys.argv[1]):
    d, verdict, finding = line.rstrip("\n").split("\t")
    want[d] = (verdict, finding)
got = []
bad = 0
for n, line in enumerate(open(sys.argv[2]), 1):
    try:
        j = json.loads(line)
    except ValueError as e:
        print("line %d: not JSON: %s" % (n, e))
        sys.exit(1)
    got.append(j["domain"])
    w = want.get(j["domain"])
    if w is None:
        print("unexpected domain", j["domain"])
        bad += 1
        continue
    ids = [f["id"] for f in j["findings"]]
    for key in ("domain", "verdict", "spf", "dmarc", "dkim", "mx", "findings"):
        if key not in j:
            print(j["domain"], "lacks", key)
            bad += 1
    if j["verdict"] != w[0] or (w[1] != "-" and w[1] not in ids):
        bad += 1
        if bad <= 20:
            print("%s: got %s %s, want %s %s" % (j["domain"], j["verdict"], ids, w[0], w[1]))
if sorted(got) != sorted(want):
    print("domains differ: got %d, want %d" % (len(got), len(want)))
    bad += 1
order = [l.strip() for l in open(sys.argv[4]) if l.strip()]
if sys.argv[3] == "ordered" and got != order:
    print("output is not in input order")
    bad += 1
counts = {}
for d in got:
    counts[want[d][0]] = counts.get(want[d][0], 0) + 1
print("verify: %d domains, %d wrong; %s" % (len(got), bad, counts))
sys.exit(1 if bad else 0)
