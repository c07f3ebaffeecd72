#!/usr/bin/python3
"""measure.py BUILD WORK DNS_PORT [--rounds R] - run the three verifiers
over the signed corpus, compute the crypto floor from `openssl speed`, and
print CPU microseconds per message, ratios, and the floor."""
import argparse
import os
import re
import subprocess
import sys


def run(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    line = out.strip().splitlines()[-1]
    kv = dict(x.split("=") for x in line.split()[1:])
    return line.split()[0], {k: float(v) for k, v in kv.items()}


def openssl_speed():
    out = subprocess.run(["openssl", "speed", "-mr", "-seconds", "2", "rsa1024", "rsa2048",
                          "ed25519"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    verify = {}
    for l in out.splitlines():
        m = re.match(r"\+F2:\d+:(\d+):[\d.]+:([\d.]+)", l)
        if m:
            verify["r%s" % m.group(1)] = 1e6 / float(m.group(2))
        m = re.match(r"\+F6:\d+:\d+:Ed25519:[\d.]+:([\d.]+)", l)
        if m:
            verify["ed"] = 1e6 / float(m.group(1))
    out = subprocess.run(["openssl", "speed", "-mr", "-seconds", "2", "-bytes", "16384",
                          "sha256"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    sha = float(re.search(r"\+F:\d+:sha256:([\d.]+)", out).group(1))
    return verify, sha


def floor(work, verify, sha):
    total_us = sig_us = hashed = 0.0
    counts = {}
    n = 0
    for line in open(work + "/plan.tsv"):
        path, plan = line.rstrip("\n").split("\t")
        kinds = plan.split(",")
        data = open(path, "rb").read()
        hend = data.find(b"\r\n\r\n")
        hdr, body = hend + 4, len(data) - hend - 4
        # one body hash (every signature is relaxed/relaxed, SHA-256), and
        # per signature the selected header fields plus its own field
        hashed += body + hdr * len(kinds)
        for k in kinds:
            sig_us += verify[k]
            counts[k] = counts.get(k, 0) + 1
        n += 1
    total_us = sig_us + hashed / sha * 1e6
    return n, counts, sig_us, hashed, total_us


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("work")
    ap.add_argument("port")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    verify, sha = openssl_speed()
    n, counts, sig_us, hashed, floor_us = floor(a.work, verify, sha)
    results = []
    mp_cmd = [a.build + "/bench/dkim/dkim_bench", "verify", "127.0.0.1@" + a.port,
              a.work + "/verify.txt", str(a.rounds)]
    os.environ["MAILPROOF_DNS_CLIENT"] = "udp"          # the CLI's default client
    results.append(run(mp_cmd))
    os.environ["MAILPROOF_DNS_CLIENT"] = "unbound"      # --dns-client unbound
    results.append(run(mp_cmd))
    del os.environ["MAILPROOF_DNS_CLIENT"]
    try:
        results.append(run([a.build + "/bench/dkim/dkim_opendkim_bench", a.work + "/verify.txt",
                            str(a.rounds)]))
    except (OSError, subprocess.CalledProcessError) as e:
        print("libopendkim harness failed: %s" % e)
    results.append(run(["/usr/bin/python3", a.work + "/../pydkim_bench.py"
                        if False else sys.path[0] + "/pydkim_bench.py", a.work + "/verify.txt", "1"]))
    print("corpus: %d messages, %s signatures, %.1f MB hashed" % (
        n, ", ".join("%d %s" % (v, {"r2048": "rsa-2048", "r1024": "rsa-1024",
                                     "ed": "ed25519"}[k]) for k, v in sorted(counts.items())),
        hashed / 1e6))
    print("openssl speed: verify rsa-1024 %.1f us, rsa-2048 %.1f us, ed25519 %.1f us; "
          "sha256 %.2f GB/s" % (verify["r1024"], verify["r2048"], verify["ed"], sha / 1e9))
    print("crypto floor: %.1f us/message (signatures %.1f + SHA-256 %.1f)" % (
        floor_us / n, sig_us / n, (floor_us - sig_us) / n))
    mp = None
    print("%-21s %10s %10s %8s %8s %8s" % ("verifier", "us/msg", "x floor", "pass", "fail", "other"))
    for name, r in results:
        per = r["cpu_us"] / r["msgs"]
        if name == "mailproof":
            mp = per
        print("%-21s %10.1f %10.2f %8d %8d %8d" % (name, per, per * n / floor_us, r["pass"],
                                                   r["fail"], r["other"]))
    for name, r in results:
        if not name.startswith("mailproof") and mp:
            print("mailproof vs %s: %.2fx faster" % (name, r["cpu_us"] / r["msgs"] / mp))
    ok = mp is not None and mp * n / floor_us <= 2.5
    print("target (within 2.5x of the floor): %s" % ("met" if ok else "NOT met"))


if __name__ == "__main__":
    main()
