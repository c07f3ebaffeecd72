#!/usr/bin/python3
"""pydkim_bench.py MANIFEST [ROUNDS] - python3-dkim over the bench corpus:
load every message, verify every signature (keys through dnspython, i.e.
/etc/resolv.conf), print "python3-dkim msgs=N sigs=S pass=P fail=F other=O
cpu_us=T" (process CPU time, best round)."""
import sys
import time

import dkim


def main():
    paths = [l.strip() for l in open(sys.argv[1]) if l.strip()]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    msgs = [open(p, "rb").read() for p in paths]
    best = None
    for _ in range(rounds):
        sigs = ok = bad = other = 0
        t0 = time.process_time()
        for m in msgs:
            d = dkim.DKIM(m)
            n = sum(1 for (k, _) in d.headers if k.lower() == b"dkim-signature")
            for idx in range(n):
                sigs += 1
                try:
                    if d.verify(idx=idx):
                        ok += 1
                    else:
                        bad += 1
                except Exception:
                    other += 1
        t = (time.process_time() - t0) * 1e6
        best = t if best is None or t < best else best
    print("python3-dkim msgs=%d sigs=%d pass=%d fail=%d other=%d cpu_us=%.0f"
          % (len(msgs), sigs, ok, bad, other, best))


if __name__ == "__main__":
    main()
