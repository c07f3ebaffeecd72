#!/usr/bin/python3
"""pyspf_bench.py - python3-spf over a batch file (IP MAIL_FROM HELO per
line), DNS through the system resolver; prints "LINE<TAB>result"."""
import sys

import spf


def main():
    with open(sys.argv[1]) as f:
        for n, line in enumerate(f, 1):
            ip, sender, helo = line.rstrip("\n").split("\t")
            res = spf.check2(i=ip, s=sender, h=helo)[0]
            print("%d\t%s" % (n, res))


if __name__ == "__main__":
    main()
