#!/usr/bin/python3
"""compare.py - every question about a zone, asked of the zone driver
(--zone FILE) and of the libunbound driver (--dns 127.0.0.1@PORT, NSD
serving the same file), must get the same answer: status, canonical
name, CNAME hops, records (type, TTL, data). Exits 1 on a difference.

usage: compare.py MAILPROOF ZONEFILE PORT [TTL_SLACK]
TTL_SLACK: seconds a cached TTL may have aged (a caching resolver between).
"""
import json
import subprocess
import sys

TYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME", "PTR", "TLSA", "TYPE65280"]
# names that do not exist, or exist only as empty non-terminals
EXTRA = ["nope", "x.www", "under", "ent.under", "_domainkey", "_tcp.mx1",
         "in-addr", "192.in-addr", "a.b.c.nope", "missing", "dotted", "label",
         "a.wild", "b.c.wild", "wild", "x.exists.wild", "q.cwild", "r.s.cwild"]


def questions(zonefile):
    """owner names of the zone file (first field of lines that have one)"""
    origin, names = "", set()
    for line in open(zonefile, encoding="latin-1"):
        if not line.strip() or line[0] in " \t;(":
            continue
        tok = line.split()[0]
        if tok.upper() == "$ORIGIN":
            origin = line.split()[1]
            continue
        if tok.startswith("$"):
            continue
        names.add(origin if tok == "@" else tok if tok.endswith(".") else f"{tok}.{origin}")
    names = sorted(names) + [f"{e}.{origin}" for e in EXTRA]
    return [(t, n) for n in names for t in TYPES]


def run(mailproof, qs, dnsopts):
    text = "".join(f"{t} {n}\n" for t, n in qs)
    p = subprocess.run([mailproof, "dns", "--batch", "-", "--json"] + dnsopts,
                       input=text.encode(), capture_output=True, timeout=300)
    if p.returncode not in (0, 1, 3):
        sys.exit(f"mailproof {dnsopts}: exit {p.returncode}: {p.stderr.decode()}")
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    if len(out) != len(qs):
        sys.exit(f"mailproof {dnsopts}: {len(out)} answers for {len(qs)} questions")
    return out


def norm(a, slack=0):
    return {
        "status": a["status"],
        "dnssec": a["dnssec"],
        "canonical": a["canonical"].lower().rstrip("."),
        "cname_hops": a["cname_hops"],
        "records": sorted((r["type"], r["ttl"] // (slack + 1), r["data"])
                          for r in a["records"]),
    }


def ttl_near(a, b, slack):
    """equal but for TTLs aged by at most slack seconds in a cache"""
    if slack == 0:
        return False
    na, nb = norm(a), norm(b)
    ra, rb = na.pop("records"), nb.pop("records")
    ra = sorted((r["type"], r["data"], r["ttl"]) for r in a["records"])
    rb = sorted((r["type"], r["data"], r["ttl"]) for r in b["records"])
    return na == nb and len(ra) == len(rb) and all(
        x[:2] == y[:2] and 0 <= x[2] - y[2] <= slack for x, y in zip(ra, rb))


def main():
    mailproof, zonefile, port = sys.argv[1], sys.argv[2], sys.argv[3]
    slack = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    client = sys.argv[5:6]  # optional: "--dns-client=udp"
    qs = questions(zonefile)
    zone = run(mailproof, qs, ["--zone", zonefile])
    net = run(mailproof, qs, ["--dns", f"127.0.0.1@{port}", "--timeout", "10"] + client)
    bad = 0
    seen = {}
    for q, a, b in zip(qs, zone, net):
        seen[a["status"]] = seen.get(a["status"], 0) + 1
        if norm(a) != norm(b) and not ttl_near(a, b, slack):
            bad += 1
            print(f"DIFF {q[0]} {q[1]}\n  zone: {norm(a)}\n  net:  {norm(b)}")
    print(f"{len(qs)} questions, {bad} differences; zone statuses: {seen}")
    # the data must exercise every absent and present kind
    for want in ("ok", "nodata", "nxdomain"):
        if seen.get(want, 0) == 0:
            print(f"no '{want}' answer among the questions")
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
