#!/usr/bin/python3
"""measure.py BUILD WORK DNS_PORT NODE_PATH [--rounds R] - run `mailproof
verify --batch` and npm mailauth over the same corpus through the same
caching resolver; print messages per CPU-second of each verifier (client
process CPU, user+system), the resolver's CPU during each run, and the
ratio. A warm-up pass fills the resolver's cache first."""
import argparse
import json
import os
import resource
import subprocess
import sys


def proc_cpu(pid):
    """utime+stime of pid in seconds (0 when unknown)."""
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, env=None, resolver_pid=0):
    c0, r0 = children_cpu(), proc_cpu(resolver_pid)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
    return out, children_cpu() - c0, proc_cpu(resolver_pid) - r0


def mailproof(a, rounds, pid):
    best = None
    cmd = [a.build + "/mailproof", "verify", "--batch", a.work + "/manifest.tsv", "--json",
           "--dns", "127.0.0.1@" + a.port, "--inflight", "256"]
    for _ in range(rounds):
        out, cpu, rcpu = timed(cmd, resolver_pid=pid)
        res = {"pass": 0, "fail": 0, "other": 0}
        n = 0
        for line in out.splitlines():
            d = json.loads(line).get("dmarc") or {}
            r = d.get("result")
            res[r if r in ("pass", "fail") else "other"] += 1
            n += 1
        if best is None or cpu < best[1]:
            best = (n, cpu, rcpu, res)
    return best


def mailauth(a, rounds, pid):
    best = None
    env = dict(os.environ, NODE_PATH=a.node_path)
    for _ in range(rounds):
        out, cpu, rcpu = timed(["node", a.here + "/mailauth_bench.js", a.work + "/manifest.tsv",
                                "50"], env=env, resolver_pid=pid)
        kv = dict(x.split("=") for x in out.strip().splitlines()[-1].split()[1:])
        inproc = int(kv["cpu_us"]) / 1e6
        res = {k: int(kv[k]) for k in ("pass", "fail", "other")}
        if best is None or cpu < best[1]:
            best = (int(kv["msgs"]), cpu, rcpu, res, inproc)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("work")
    ap.add_argument("port")
    ap.add_argument("node_path")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--resolver-pid", type=int, default=0)
    a = ap.parse_args()
    a.here = sys.path[0]
    # warm the resolver's cache (and the page cache) once
    timed([a.build + "/mailproof", "verify", "--batch", a.work + "/manifest.tsv",
           "--dns", "127.0.0.1@" + a.port])
    n, cpu, rcpu, res = mailproof(a, a.rounds, a.resolver_pid)
    print("mailproof verify --batch: %d msgs, %.2f CPU s (%.0f us/msg), %.0f msgs/CPU-s; "
          "resolver %.2f s; dmarc pass %d fail %d other %d"
          % (n, cpu, cpu / n * 1e6, n / cpu, rcpu, res["pass"], res["fail"], res["other"]))
    try:
        m = mailauth(a, a.rounds, a.resolver_pid)
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        print("mailauth: failed: %s" % e)
        return
    mn, mcpu, mrcpu, mres, minproc = m
    print("mailauth authenticate() x50: %d msgs, %.2f CPU s (%.0f us/msg; %.0f us/msg after "
          "start-up), %.0f msgs/CPU-s; resolver %.2f s; dmarc pass %d fail %d other %d"
          % (mn, mcpu, mcpu / mn * 1e6, minproc / mn * 1e6, mn / mcpu, mrcpu, mres["pass"],
             mres["fail"], mres["other"]))
    ratio = (mcpu / mn) / (cpu / n)
    print("mailproof vs mailauth: %.1fx messages per CPU-second (target 10x: %s)"
          % (ratio, "met" if ratio >= 10 else "NOT met"))


if __name__ == "__main__":
    main()
