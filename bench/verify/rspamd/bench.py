#!/usr/bin/python3
"""bench/verify/rspamd/bench.py WORK NAMESERVER [--rounds R] [--resolver-pid P]
[--inflight N] [--measure-out FILE] - Debian's Rspamd with only its SPF,
DKIM and DMARC modules (rspamd.conf next to this file) over the bench/verify
corpus (WORK/manifest.tsv): a fresh private instance per round, listening
on 127.0.0.1, resolving through NAMESERVER (the bench's caching Unbound);
each message is POSTed to /checkv2 with its envelope (IP, Helo, From
headers), N (default 50) in flight. The figure is the CPU (user+system) of
Rspamd's processes (main and workers, from /proc/PID/stat) while the corpus
is scanned; start-up and this client are not counted (the client's CPU is
printed apart). The best (lowest CPU) round counts, as in measure.py.

Prints a line like measure.py's, the R_SPF_*/R_DKIM_*/DMARC_* symbol
counts, and, given measure.py's output (--measure-out), mailproof (and
mailauth) vs Rspamd. Exit status 0 with a "not measured" line when Rspamd
is not installed or does not start with this configuration (the rest of the
bench stands); 1 when its results are not real (DNS failures, HTTP errors,
no SPF/DKIM/DMARC passes): the figure would be meaningless."""
import argparse
import asyncio
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

RSPAMD = "/usr/bin/rspamd"
RSPAMADM = "/usr/bin/rspamadm"
TLD = "/usr/share/rspamd/effective_tld_names.dat"
HERE = os.path.dirname(os.path.abspath(__file__))
SYMBOLS = ("R_SPF_ALLOW", "R_SPF_FAIL", "R_SPF_SOFTFAIL", "R_SPF_NEUTRAL", "R_SPF_NA",
           "R_SPF_DNSFAIL", "R_SPF_PERMFAIL",
           "R_DKIM_ALLOW", "R_DKIM_REJECT", "R_DKIM_TEMPFAIL", "R_DKIM_PERMFAIL", "R_DKIM_NA",
           "DMARC_POLICY_ALLOW", "DMARC_POLICY_ALLOW_WITH_FAILURES", "DMARC_POLICY_REJECT",
           "DMARC_POLICY_QUARANTINE", "DMARC_POLICY_SOFTFAIL", "DMARC_NA", "DMARC_DNSFAIL",
           "DMARC_BAD_POLICY")
DNS_TROUBLE = ("R_SPF_DNSFAIL", "R_DKIM_TEMPFAIL", "DMARC_DNSFAIL")


class NotMeasured(Exception):
    """Rspamd is missing or cannot be configured: say why, bench goes on."""


class Meaningless(Exception):
    """Rspamd ran but its results are not real verifications."""


def ticks(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except (OSError, ValueError, IndexError):
        return None


def family(root):
    """root and its descendants (Rspamd's main process and its workers)."""
    ppid = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid[int(d)] = int(open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [root], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in ppid.items() if pp == p]
        out += kids
        todo += kids
    return sorted(out)


def cpu_of(pids):
    return sum(ticks(p) or 0 for p in pids) / os.sysconf("SC_CLK_TCK")


class Instance:
    """One private Rspamd: its directory, configuration and processes."""

    def __init__(self, a, cache):
        self.dir = tempfile.mkdtemp(prefix="mp-rspamd.")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.bind = "127.0.0.1:%d" % self.port
        shutil.copy(TLD, self.dir + "/effective_tld_names.dat")
        with open(self.dir + "/effective_tld_names.dat", "a") as f:
            f.write("\n// bench/verify: bench.test publishes a DMARC PSD record\nbench.test\n")
        conf = open(HERE + "/rspamd.conf").read()
        conf = (conf.replace("@DIR@", self.dir).replace("@NAMESERVER@", a.nameserver)
                .replace("@BIND@", self.bind))
        # hyperscan's compiled multipattern cache (the TLD list) survives
        # runs; compiling it takes a minute
        conf = conf.replace('hs_cache_dir = "%s/"' % self.dir, 'hs_cache_dir = "%s/"' % cache)
        with open(self.dir + "/rspamd.conf", "w") as f:
            f.write(conf)
        self.var = ["--var=%s=%s" % (v, self.dir)
                    for v in ("LOCAL_CONFDIR", "DBDIR", "RUNDIR", "LOGDIR")]
        self.user = []
        try:
            pw = pwd.getpwnam("_rspamd")
            if os.getuid() == 0:
                os.chown(self.dir, pw.pw_uid, pw.pw_gid)
                self.user = ["-u", "_rspamd", "-g", "_rspamd"]
        except KeyError:
            self.user = ["-i"] if os.getuid() == 0 else []
        self.proc = None

    def start(self):
        r = subprocess.run([RSPAMADM] + self.var + ["configtest", "-c", self.dir + "/rspamd.conf"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise NotMeasured("rspamadm configtest failed: %s" % (r.stdout + r.stderr).strip())
        self.out = open(self.dir + "/stderr", "w")
        self.proc = subprocess.Popen([RSPAMD, "-f", "-c", self.dir + "/rspamd.conf"] + self.user +
                                     self.var, stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise NotMeasured("rspamd exited (%d) on start-up: %s"
                                  % (self.proc.returncode, self.log_tail()))
            if ping(self.port):
                time.sleep(0.2)  # let the main process settle
                return
            time.sleep(0.2)
        raise NotMeasured("rspamd did not answer /ping on %s in 300 s: %s"
                          % (self.bind, self.log_tail()))

    def log_tail(self):
        txt = ""
        for f in ("/stderr", "/rspamd.log"):
            try:
                txt += open(self.dir + f).read()
            except OSError:
                pass
        return " | ".join(txt.strip().splitlines()[-5:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /ping HTTP/1.0\r\n\r\n")
            return b"pong" in s.recv(4096)
    except OSError:
        return False


async def check(port, path, ip, helo, mail_from):
    body = open(path, "rb").read()
    head = ("POST /checkv2 HTTP/1.1\r\nHost: 127.0.0.1\r\nIP: %s\r\nHelo: %s\r\nFrom: %s\r\n"
            "Rcpt: bob@example.net\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (ip, helo, mail_from, len(body))).encode()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        w.write(head + body)
        await w.drain()
        status = await r.readline()
        length = None
        while True:
            line = await r.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
        data = await (r.readexactly(length) if length is not None else r.read())
    finally:
        w.close()
    if b" 200 " not in status:
        raise ValueError("HTTP %s" % status.decode("latin-1").strip())
    return json.loads(data)


async def scan(port, manifest, inflight):
    counts = dict.fromkeys(SYMBOLS, 0)
    res = {"pass": 0, "fail": 0, "other": 0, "errors": 0, "first_error": ""}
    nxt = [0]

    async def worker():
        while nxt[0] < len(manifest):
            path, ip, helo, mail_from = manifest[nxt[0]]
            nxt[0] += 1
            try:
                syms = (await check(port, path, ip, helo, mail_from)).get("symbols") or {}
            except (OSError, ValueError, asyncio.IncompleteReadError) as e:
                res["errors"] += 1
                res["first_error"] = res["first_error"] or str(e)
                res["other"] += 1
                continue
            for s in syms:
                if s in counts:
                    counts[s] += 1
            if "DMARC_POLICY_ALLOW" in syms or "DMARC_POLICY_ALLOW_WITH_FAILURES" in syms:
                res["pass"] += 1
            elif any(s in syms for s in ("DMARC_POLICY_REJECT", "DMARC_POLICY_QUARANTINE",
                                         "DMARC_POLICY_SOFTFAIL")):
                res["fail"] += 1
            else:
                res["other"] += 1

    await asyncio.gather(*(worker() for _ in range(inflight)))
    return counts, res


def one_round(a, manifest, cache):
    inst = Instance(a, cache)
    try:
        inst.start()
        pids = family(inst.proc.pid)
        c0, r0 = cpu_of(pids), ticks(a.resolver_pid) if a.resolver_pid else None
        u0 = resource.getrusage(resource.RUSAGE_SELF)
        counts, res = asyncio.run(scan(inst.port, manifest, a.inflight))
        u1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = cpu_of(pids)
        if family(inst.proc.pid) != pids:
            print("rspamd: warning: its processes changed during the run (a worker died?)",
                  file=sys.stderr)
        rcpu = 0.0
        if r0 is not None:
            rcpu = ((ticks(a.resolver_pid) or r0) - r0) / os.sysconf("SC_CLK_TCK")
        client = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
        return cpu - c0, rcpu, client, len(pids), counts, res
    finally:
        inst.stop()


def sanity(n, counts, res):
    """Why the results are not real verifications, or None."""
    if res["errors"]:
        return "%d of %d requests failed (first: %s)" % (res["errors"], n, res["first_error"])
    dns = sum(counts[s] for s in DNS_TROUBLE)
    if dns > n // 100:
        return "%d DNS failures (%s) in %d messages: Rspamd does not reach the resolver" % (
            dns, "/".join(DNS_TROUBLE), n)
    for s in ("R_SPF_ALLOW", "R_DKIM_ALLOW", "DMARC_POLICY_ALLOW"):
        if counts[s] == 0:
            return "no %s in %d messages" % (s, n)
    return None


def prior(path):
    """mailproof's and mailauth's CPU seconds per message from measure.py's output."""
    out = {}
    try:
        txt = open(path).read()
    except (OSError, TypeError):
        return out
    for name, pat in (("mailproof", r"^mailproof verify --batch: (\d+) msgs, ([0-9.]+) CPU s"),
                      ("mailauth", r"^mailauth authenticate\(\) x50: (\d+) msgs, ([0-9.]+) CPU s")):
        m = re.search(pat, txt, re.M)
        if m and int(m.group(1)) and float(m.group(2)):
            out[name] = float(m.group(2)) / int(m.group(1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("nameserver")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--resolver-pid", type=int, default=0)
    ap.add_argument("--inflight", type=int, default=50)
    ap.add_argument("--measure-out")
    ap.add_argument("--cache", default=os.path.join(os.path.dirname(HERE), ".cache", "rspamd"))
    a = ap.parse_args()
    if not (os.access(RSPAMD, os.X_OK) and os.access(RSPAMADM, os.X_OK)):
        print("rspamd: not installed (scripts/install-deps --bench installs Debian's rspamd); "
              "not measured")
        return 0
    try:
        version = subprocess.run([RSPAMD, "--version"], capture_output=True,
                                 text=True).stdout.split()[-1]
    except (OSError, IndexError):
        version = "?"
    os.makedirs(a.cache, exist_ok=True)
    try:
        pw = pwd.getpwnam("_rspamd")
        if os.getuid() == 0:
            os.chown(a.cache, pw.pw_uid, pw.pw_gid)
    except KeyError:
        pass
    manifest = [line.rstrip("\n").split("\t") for line in open(a.work + "/manifest.tsv")
                if line.strip()]
    n = len(manifest)
    best = None
    try:
        for _ in range(a.rounds):
            r = one_round(a, manifest, a.cache)
            why = sanity(n, r[4], r[5])
            if why:
                raise Meaningless(why)
            if best is None or r[0] < best[0]:
                best = r
    except NotMeasured as e:
        print("rspamd: cannot be configured here (%s); not measured"
              % " / ".join(str(e).split("\n")))
        return 0
    except Meaningless as e:
        print("rspamd: results are not real verifications: %s; the figure would be "
              "meaningless, not reported" % e)
        return 1
    cpu, rcpu, client, nproc, counts, res = best
    print("rspamd %s spf+dkim+dmarc x%d: %d msgs, %.2f CPU s (%.0f us/msg), %.0f msgs/CPU-s; "
          "resolver %.2f s; dmarc pass %d fail %d other %d"
          % (version, a.inflight, n, cpu, cpu / n * 1e6, n / cpu, rcpu, res["pass"],
             res["fail"], res["other"]))
    print("rspamd symbols: %s; %d processes counted; client (not counted) %.2f CPU s"
          % (" ".join("%s %d" % (s, counts[s]) for s in SYMBOLS if counts[s]), nproc, client))
    p = prior(a.measure_out)
    if "mailproof" in p:
        extra = ""
        if "mailauth" in p:
            extra = " (mailauth vs rspamd: %.1fx)" % ((cpu / n) / p["mailauth"])
        print("mailproof vs rspamd: %.1fx messages per CPU-second%s"
              % ((cpu / n) / p["mailproof"], extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
