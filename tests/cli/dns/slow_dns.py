#!/usr/bin/python3
"""slow_dns.py PORTFILE - a loopback DNS responder for batch_order.sh.

Answers every A question for qN.o.test with 10.x.y.z (N in its low 24
bits, TTL 60), at once, except names starting with "slow": those are
answered DELAY seconds later (0.2), so answers reach the client out of
order. Binds 127.0.0.1 on a free port and writes the port to PORTFILE.
Runs until killed."""
import heapq
import select
import socket
import struct
import sys
import time

DELAY = 0.2


def answer(query):
    qid, _flags, qd = struct.unpack("!HHH", query[:6])
    if qd != 1:
        return None
    off, labels = 12, []
    while query[off] != 0:
        n = query[off]
        labels.append(query[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    qtype = struct.unpack("!H", query[off + 1:off + 3])[0]
    question = query[12:off + 5]
    name = ".".join(labels).lower()
    first = labels[0].lower() if labels else ""
    digits = first.lstrip("slowq")
    if qtype != 1 or not name.endswith(".o.test") or not digits.isdigit():
        # NXDOMAIN, nothing else
        return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
    n = int(digits)
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes(
        [10, (n >> 16) & 255, (n >> 8) & 255, n & 255])
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    later = []   # (when, seq, reply, addr)
    seq = 0
    while True:
        wait = max(0.0, later[0][0] - time.monotonic()) if later else None
        if select.select([sock], [], [], wait)[0]:
            query, addr = sock.recvfrom(4096)
            reply = answer(query)
            if reply is None:
                continue
            if query[13:17].lower() == b"slow":
                seq += 1
                heapq.heappush(later, (time.monotonic() + DELAY, seq, reply, addr))
            else:
                sock.sendto(reply, addr)
        now = time.monotonic()
        while later and later[0][0] <= now:
            _, _, reply, addr = heapq.heappop(later)
            sock.sendto(reply, addr)


main()
