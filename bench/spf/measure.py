#!/usr/bin/python3
"""measure.py - run the SPF contenders on one corpus and compare CPU time.

usage: measure.py BUILD BATCH DNS_PORT [--rounds N]
Each contender is one process over the whole batch; CPU = user + sys of that
process (resolver library included), from wait4(). Results are compared with
mailproof's so a fast wrong answer cannot hide."""
import os
import subprocess
import sys
import time


def run(cmd, out_path):
    with open(out_path, "w") as out:
        t0 = time.monotonic()
        env = dict(os.environ)
        if os.environ.get("SPF_BENCH_PRELOAD") and "mailproof" in cmd[0]:
            env["LD_PRELOAD"] = os.environ["SPF_BENCH_PRELOAD"]
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1, 3):
        sys.exit("%s failed: %d" % (cmd[0], status))
    return ru.ru_utime, ru.ru_stime, wall


def results(path, col):
    r = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > col:
                r[parts[0]] = parts[col].lower()
    return r


def main():
    build, batch, port = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--rounds" else 3
    here = os.path.dirname(os.path.abspath(__file__))
    n = sum(1 for _ in open(batch))
    tmp = os.path.dirname(batch)
    contenders = [
        ("mailproof", [os.path.join(build, "mailproof"), "spf", "--batch", batch,
                       "--dns", "127.0.0.1@%s" % port, "--inflight", "64"], 1),
        ("libspf2", [os.path.join(build, "bench/spf/spf_libspf2_bench"), batch], 1),
        ("libspf2+cache", [os.path.join(build, "bench/spf/spf_libspf2_bench"), "--cache",
                           batch], 1),
        ("pyspf", ["/usr/bin/python3", os.path.join(here, "pyspf_bench.py"), batch], 1),
    ]
    one = os.path.join(tmp, "one.tsv")
    with open(batch) as f, open(one, "w") as g:
        g.write(f.readline())
    contenders.append(("mailproof-1", [os.path.join(build, "mailproof"), "spf", "--batch",
                       one, "--dns", "127.0.0.1@%s" % port], 1))
    only = os.environ.get("SPF_BENCH_ONLY")
    if only:
        contenders = [c for c in contenders if c[0] in only.split(",")]
    # warm the shared resolver's cache so every contender sees the same one
    run(contenders[0][1], os.path.join(tmp, "warm.out"))
    best = {}
    for name, cmd, col in contenders:
        for _ in range(rounds if name != "pyspf" else 1):
            u, s, w = run(cmd, os.path.join(tmp, name + ".out"))
            if name not in best or u + s < best[name][0] + best[name][1]:
                best[name] = (u, s, w)
    mine = results(os.path.join(tmp, "mailproof.out"), 1)
    print("SPF benchmark: %d envelopes, %s; resolver: local unbound (warm cache) "
          "in front of NSD on loopback" % (n, os.path.basename(batch)))
    print("%-14s %8s %8s %8s %8s %12s %9s %s" % ("contender", "user", "sys", "cpu-s",
          "wall-s", "evals/cpu-s", "vs mp", "same result as mailproof"))
    if os.environ.get("SPF_BENCH_PERF"):
        subprocess.run(["perf", "record", "--call-graph", "dwarf", "-o", os.environ["SPF_BENCH_PERF"]] +
                       [c for c in contenders if c[0] == os.environ.get("SPF_BENCH_PERF_WHO", "mailproof")][0][1],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mp_cpu = best["mailproof"][0] + best["mailproof"][1]
    for name, _cmd, col in contenders:
        u, s, w = best[name]
        cpu = u + s
        theirs = results(os.path.join(tmp, name + ".out"), col)
        same = sum(1 for k, v in theirs.items() if mine.get(k) == v)
        if name == "mailproof-1":
            print("%-14s %8.3f %8.3f %8.3f %8.3f   (fixed cost: start-up and one envelope)"
                  % (name, u, s, cpu, w))
            continue
        print("%-14s %8.3f %8.3f %8.3f %8.3f %12.0f %8.1fx %d/%d" % (
            name, u, s, cpu, w, n / cpu if cpu else 0, cpu / mp_cpu if mp_cpu else 0,
            same, n))
    print("(vs mp = contender CPU / mailproof CPU; targets: pyspf >= 20x, libspf2 >= 3x, "
          "libspf2+cache >= 1x)")


if __name__ == "__main__":
    main()
