#!/usr/bin/python3
"""interop.py - mailproof vs python3-dkim, both directions, seeded.

Usage: /usr/bin/python3 interop.py DKIM_INTEROP_TOOL WORKDIR [N] [SEED]

1. N messages of varied shape are generated from SEED: folded headers,
   trailing white space, empty bodies, bodies without a final line end,
   8-bit/UTF-8 headers, duplicate headers, CRLF or LF line ends.
2. python3-dkim signs each (rsa-sha256 or ed25519-sha256, every
   canonicalization pair, some with l=, some twice); mailproof must verify
   every signature as pass.
3. mailproof signs each (rsa, ed25519 or both in one pass, every
   canonicalization pair); python3-dkim must verify every signature.
4. One byte of a signed header value or of the signed body is changed in
   every signed message of both directions; both verifiers must say fail.
Keys come from a dict (python) and a key file (mailproof): no network.
Exit 0 when every check holds; prints counts.
"""
import base64
import os
import random
import shutil
import subprocess
import sys
import tempfile

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

DOMAIN = b"example.com"
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
         "tempor incididunt ut labore et dolore magna aliqua").split()
UTF8 = ["Grüße aus Köln", "日本語のテキスト", "naïve café", "Ελληνικά"]


def keys(work):
    """RSA-2048 and Ed25519 keys: files for mailproof, bytes for dkimpy."""
    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rpem = rk.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    rpub = base64.b64encode(rk.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo))
    ek = ed25519.Ed25519PrivateKey.generate()
    epem = ek.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    eseed = base64.b64encode(ek.private_bytes(serialization.Encoding.Raw,
                                              serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption()))
    epub = base64.b64encode(ek.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    for name, data in (("rsa.pem", rpem), ("ed.pem", epem)):
        path = os.path.join(work, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, data)
        os.close(fd)
    dns = {
        b"rsa._domainkey.example.com.": b"v=DKIM1; k=rsa; p=" + rpub,
        b"ed._domainkey.example.com.": b"v=DKIM1; k=ed25519; p=" + epub,
    }
    with open(os.path.join(work, "keys.tsv"), "wb") as f:
        for k, v in dns.items():
            f.write(k.rstrip(b".") + b"\t" + v + b"\n")
    return rpem, eseed, dns


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def message(rng, i):
    """One message of a random shape, as bytes."""
    nl = "\r\n" if rng.random() < 0.85 else "\n"
    h = []
    for k in range(rng.randint(0, 3)):        # duplicate trace fields
        h.append("Received: from host%d.example.net by mx.example.com;%s\tSun, 29 Nov 2026 1%d:00:00 +0000"
                 % (k, nl, k))
    disp = rng.choice(["Alice", "\"Alice A.\"", rng.choice(UTF8), ""])
    h.append("From: %s <alice%d@example.com>" % (disp, i) if disp else "From: alice%d@example.com" % i)
    to = ["bob%d@example.org" % k for k in range(rng.randint(1, 4))]
    if len(to) > 2 and rng.random() < 0.5:
        h.append("To: " + ("," + nl + "    ").join(to))      # folded
    else:
        h.append("To: " + ", ".join(to))
    if rng.random() < 0.2:
        h.append("To: carol@example.net")                     # duplicate header
    subj = rng.choice([words(rng, rng.randint(1, 8)), rng.choice(UTF8),
                       words(rng, 12) + nl + "\t" + words(rng, 5),
                       words(rng, 3) + "   " + nl + "  " + words(rng, 2)])
    if rng.random() < 0.3:
        subj += rng.choice([" ", "\t", "  \t"])                # trailing white space
    h.append("Subject: " + subj)
    h.append("Date: Sun, 29 Nov 2026 10:%02d:%02d +0000" % (i % 60, (i * 7) % 60))
    h.append("Message-ID: <%d.%d@example.com>" % (i, rng.randint(0, 1 << 30)))
    if rng.random() < 0.5:
        h.append("MIME-Version: 1.0")
        h.append("Content-Type: text/plain; charset=utf-8")
    if rng.random() < 0.3:
        h.append("X-Weird:   spaced    value  ")
    shape = rng.random()
    if shape < 0.1:
        body = ""
    else:
        lines = []
        for _ in range(rng.randint(1, 60)):
            r = rng.random()
            if r < 0.1:
                lines.append("")
            elif r < 0.2:
                lines.append(words(rng, rng.randint(1, 10)) + rng.choice([" ", "\t", "   "]))
            elif r < 0.25:
                lines.append(rng.choice(UTF8))
            elif r < 0.3:
                lines.append("\t" + words(rng, 4) + "  " + words(rng, 3))
            else:
                lines.append(words(rng, rng.randint(1, 15)))
        body = nl.join(lines)
        tail = rng.random()
        if tail < 0.15:
            # no final line end. python3-dkim keeps white space at the end
            # of such a last line under relaxed canonicalization; mailproof
            # removes it (RFC 6376 §3.4.4 a: "all whitespace at the end of
            # lines"), so that one shape is left out (docs/dkim.md)
            body = body.rstrip(" \t")
        elif tail < 0.3:
            body += nl * rng.randint(2, 5)                     # trailing empty lines
        else:
            body += nl
    msg = nl.join(h) + nl + nl + body
    return msg.encode("utf-8"), nl.encode()


CANONS = [(b"relaxed", b"relaxed"), (b"relaxed", b"simple"),
          (b"simple", b"simple"), (b"simple", b"relaxed")]


def py_sign(rng, msg, nl, rpem, eseed):
    """python3-dkim signs once or twice; returns (signed, has_l)."""
    algs = rng.choice([["rsa"], ["ed"], ["rsa"], ["rsa", "ed"]])
    length = rng.random() < 0.2
    out = b""
    for alg in algs:
        c = rng.choice(CANONS)
        if alg == "rsa":
            out += dkim.sign(msg, b"rsa", DOMAIN, rpem, canonicalize=c, length=length, linesep=nl)
        else:
            out += dkim.sign(msg, b"ed", DOMAIN, eseed, canonicalize=c, length=length,
                             signature_algorithm=b"ed25519-sha256", linesep=nl)
    return out + msg, length


def py_verify_all(msg, dns):
    """Results of python3-dkim for every signature."""
    d = dkim.DKIM(msg)
    n = sum(1 for (k, _) in d.headers if k.lower() == b"dkim-signature")
    res = []
    for idx in range(n):
        try:
            res.append(bool(dkim.DKIM(msg).verify(idx=idx, dnsfunc=lambda name, timeout=5: dns.get(name, b""))))
        except dkim.DKIMException:
            res.append(False)
    return res


def mutate(rng, msg, body_ok):
    """Change one letter of the From/Subject/To value or of the body."""
    sep = b"\r\n\r\n" if b"\r\n\r\n" in msg else b"\n\n"
    hend = msg.find(sep)
    hend = len(msg) if hend < 0 else hend
    cands = []
    if body_ok:
        cands = [i for i in range(hend + len(sep), len(msg)) if chr(msg[i]).isalnum()]
    if not cands or rng.random() < 0.5:
        cands = []
        for name in (b"\nFrom:", b"\nSubject:", b"\nTo:"):
            at = msg.find(name)
            if at < 0:
                continue
            end = msg.find(b"\n", at + len(name))
            cands += [i for i in range(at + len(name), end) if chr(msg[i]).isalnum()]
    i = rng.choice(cands)
    c = msg[i]
    new = ord("x") if c != ord("x") else ord("y")
    return msg[:i] + bytes([new]) + msg[i + 1:]


def run_tool(tool, *args):
    out = subprocess.run([tool] + list(args), check=True, stdout=subprocess.PIPE).stdout
    return out.decode("utf-8", "replace")


def main():
    tool = sys.argv[1]
    os.makedirs(sys.argv[2], exist_ok=True)
    work = tempfile.mkdtemp(prefix="dkim-interop-", dir=sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 8463
    rng = random.Random(seed)
    for d in ("a", "am", "b_in", "b", "bm"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    rpem, eseed, dns = keys(work)
    bad = []
    counts = dict(a=0, a_sigs=0, a_l=0, b=0, b_sigs=0, am=0, bm=0)

    # direction A: python signs; direction B inputs
    sign_manifest = []
    verify_manifest = []
    for i in range(n):
        msg, nl = message(rng, i)
        signed, has_l = py_sign(rng, msg, nl, rpem, eseed)
        pa = os.path.join(work, "a", "%04d.eml" % i)
        open(pa, "wb").write(signed)
        pam = os.path.join(work, "am", "%04d.eml" % i)
        open(pam, "wb").write(mutate(rng, signed, not has_l))
        verify_manifest += [pa, pam]
        counts["a_l"] += has_l
        pb = os.path.join(work, "b_in", "%04d.eml" % i)
        open(pb, "wb").write(msg)
        mode = rng.choice(["rsa", "ed", "dual"])
        canon = "/".join(x.decode() for x in rng.choice(CANONS))
        sign_manifest.append("%s\t%s\t%s\t%s" % (pb, os.path.join(work, "b", "%04d.eml" % i), mode, canon))
    with open(os.path.join(work, "sign.manifest"), "w") as f:
        f.write("\n".join(sign_manifest) + "\n")
    run_tool(tool, "sign", os.path.join(work, "rsa.pem"), os.path.join(work, "ed.pem"),
             os.path.join(work, "sign.manifest"))

    # direction B: python verifies what mailproof signed (and a mutation)
    for i in range(n):
        pb = os.path.join(work, "b", "%04d.eml" % i)
        signed = open(pb, "rb").read()
        res = py_verify_all(signed, dns)
        counts["b_sigs"] += len(res)
        if res and all(res):
            counts["b"] += 1
        else:
            bad.append("mailproof-signed %s: python3-dkim says %s" % (pb, res))
        pbm = os.path.join(work, "bm", "%04d.eml" % i)
        open(pbm, "wb").write(mutate(rng, signed, True))
        mres = py_verify_all(open(pbm, "rb").read(), dns)
        if any(mres):
            bad.append("mutated %s: python3-dkim still says %s" % (pbm, mres))
        else:
            counts["bm"] += 1
        verify_manifest.append(pbm)

    # mailproof verifies A, its mutations, and B's mutations in one process
    with open(os.path.join(work, "verify.manifest"), "w") as f:
        f.write("\n".join(verify_manifest) + "\n")
    out = run_tool(tool, "verify", os.path.join(work, "keys.tsv"), os.path.join(work, "verify.manifest"))
    for line in out.splitlines():
        path, summary, results, why = (line.split("\t") + ["", "", ""])[:4]
        rs = results.split(",") if results else []
        if "/a/" in path:
            counts["a_sigs"] += len(rs)
            if rs and all(r == "pass" for r in rs):
                counts["a"] += 1
            else:
                bad.append("python-signed %s: mailproof says %s (%s)" % (path, results, why))
        elif "/am/" in path or "/bm/" in path:
            if "pass" in rs:
                bad.append("mutated %s: mailproof still says %s" % (path, results))
            elif "/am/" in path:
                counts["am"] += 1
                if any(py_verify_all(open(path, "rb").read(), dns)):
                    bad.append("mutated %s: python3-dkim still passes" % path)

    print("python3-dkim signed -> mailproof pass: %d/%d messages (%d signatures, %d with l=)"
          % (counts["a"], n, counts["a_sigs"], counts["a_l"]))
    print("mailproof signed -> python3-dkim pass: %d/%d messages (%d signatures)"
          % (counts["b"], n, counts["b_sigs"]))
    print("one-byte mutations, both fail: %d/%d (python-signed), %d/%d (mailproof-signed)"
          % (counts["am"], n, counts["bm"], n))
    for b in bad[:20]:
        print("DISAGREE: " + b)
    if not bad:
        shutil.rmtree(work)
    else:
        print("files kept in " + work)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
