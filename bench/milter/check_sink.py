#!/usr/bin/python3
# bench/milter/check_sink.py - what the milters did to the mail smtp-sink got.
#
#   check_sink.py in|out DIR N AUTHSERV ZONEFILE
#
# DIR holds one file per delivered message (smtp-sink -d). Exactly N must be
# there, and for every one of them:
#   in   an Authentication-Results field with authserv-id AUTHSERV carries
#        spf=pass, dkim=pass (header.d=sender.example) and dmarc=pass
#        (several fields may share the id: OpenDKIM and OpenDMARC each add
#        one);
#   out  a DKIM-Signature (the message was sent unsigned) that python3-dkim
#        verifies against the keys in ZONEFILE, and no A-R with AUTHSERV
#        (outbound mail is signed, not checked).
# Prints the counts; exits 1 unless every count is N, so the benchmark never
# compares milters that did different work.
import os
import re
import sys

import dkim


def zone_txt(path):
    """name -> TXT text from a zone file written by run.sh"""
    origin, txt = "", {}
    for line in open(path):
        if line.startswith("$ORIGIN"):
            origin = line.split()[1]
            continue
        m = re.match(r'^(\S+)\s+IN\s+TXT\s+(.*)$', line)
        if not m:
            continue
        name = origin if m.group(1) == "@" else m.group(1) + "." + origin
        txt[name.lower()] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return txt


def fields(head):
    """unfolded (name, value) pairs of a header block"""
    out = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and out:
            out[-1][1] += " " + line.strip()
        elif ":" in line:
            n, v = line.split(":", 1)
            out.append([n.strip().lower(), v.strip()])
    return out


def main():
    mode, d, n, authserv, zone = sys.argv[1:6]
    n = int(n)
    txt = zone_txt(zone)

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        v = txt.get(name.lower().rstrip(".") + ".")
        return v.encode() if v is not None else None

    files = sorted(os.listdir(d))
    counts = {k: 0 for k in ("spf=pass", "dkim=pass", "dmarc=pass", "signed+verified", "no-A-R")}
    bad = []
    for f in files:
        raw = open(os.path.join(d, f), "rb").read()
        head = raw.split(b"\n\n", 1)[0].decode("utf-8", "replace")
        ours = []
        for name, value in fields(head):
            if name == "authentication-results":
                sid = value.split(";", 1)[0].split()[0] if value else ""
                if sid.lower() == authserv.lower():
                    ours.append(value.split(";", 1)[1] if ";" in value else "")
        # comments out: OpenDKIM writes "(2048-bit key; unprotected)"
        res = re.sub(r'\([^()]*\)', '', " ; ".join(ours))
        ok = True
        if mode == "in":
            for tok, pat in (("spf=pass", r'\bspf=pass\b'),
                             ("dkim=pass", r'\bdkim=pass\b[^;]*header\.d=sender\.example'),
                             ("dmarc=pass", r'\bdmarc=pass\b')):
                if re.search(pat, res):
                    counts[tok] += 1
                else:
                    ok = False
        else:
            if not ours:
                counts["no-A-R"] += 1
            else:
                ok = False
            msg = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            # smtp-sink's own X-* and Received fields sit on top, unsigned
            if b"\r\nDKIM-Signature:" in msg and dkim.verify(msg, dnsfunc=dnsfunc):
                counts["signed+verified"] += 1
            else:
                ok = False
        if not ok and len(bad) < 3:
            bad.append(f)
    keys = ("spf=pass", "dkim=pass", "dmarc=pass") if mode == "in" else ("signed+verified", "no-A-R")
    print("%d messages delivered; " % len(files) + ", ".join("%s %d" % (k, counts[k]) for k in keys))
    if len(files) != n or any(counts[k] != n for k in keys):
        print("not every message got every check; e.g. %s" % ", ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
