#!/usr/bin/env python3
# traffic.py -- bounded traffic for the system tests.  Run it inside a lab
# namespace (ip netns exec ...).
#
#   traffic.py syn DST_IP DST_PORT SOURCES COUNT SECONDS [RATE]
#       Sends COUNT TCP SYNs to DST_IP:DST_PORT from random source addresses
#       of SOURCES (an IPv4 prefix, e.g. 198.18.0.0/15) and random source
#       ports through a raw socket, at most SECONDS long and at most RATE
#       per second (default: as fast as it can), then prints "sent N in S
#       s".  A flood that stops by itself: COUNT and SECONDS are both
#       required and both bound it (COUNT <= 10000000, SECONDS <= 120).
#
#   traffic.py session IP PORT SECONDS [INTERVAL]
#       Opens one TCP connection to IP:PORT and, for SECONDS, sends a line
#       "N" every INTERVAL seconds (default 0.2) and reads one reply line
#       per request (each at most 10 s late).  Prints "sent S replies R
#       from NAME[,NAME...]" where the names are the first word of the
#       replies ("NAME N" from netlab's echo server); "error ..." if the
#       connection fails.  Exits 0 if every request got its reply.

import ipaddress
import random
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn(dst_ip, dst_port, sources, count, seconds, rate="0"):
    net = ipaddress.ip_network(sources)
    count = int(count)
    seconds = float(seconds)
    rate = float(rate)
    if not 0 < count <= 10000000 or not 0 < seconds <= 120:
        sys.exit("syn: COUNT must be 1..10000000 and SECONDS 1..120")
    dst = socket.inet_aton(dst_ip)
    dport = int(dst_port)
    base = int(net.network_address)
    size = net.num_addresses
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    rand = random.Random(12345)
    start = time.monotonic()
    deadline = start + seconds
    sent = tries = 0
    while sent < count:
        tries += 1
        if tries % 32 == 0:
            now = time.monotonic()
            if now >= deadline:
                break
            if rate > 0 and sent > rate * (now - start):
                time.sleep(sent / rate - (now - start))
        src = struct.pack("!I", base + rand.randrange(size))
        sport = rand.randrange(1024, 65536)
        seq = rand.getrandbits(32)
        # TCP header, SYN, window 64240, no options.
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                          64240, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP,
                                         len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        # IPv4 header; the kernel fills in the checksum and, as 0, the id.
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64,
                         socket.IPPROTO_TCP, 0, src, dst)
        try:
            sock.sendto(ip + tcp, (dst_ip, 0))
        except (BlockingIOError, OSError):
            continue            # Full queue: the flood goes on.
        sent += 1
    print("sent %d in %.1f s" % (sent, time.monotonic() - start))


def session(ip, port, seconds, interval="0.2"):
    seconds = float(seconds)
    interval = float(interval)
    names = []
    sent = replies = 0
    try:
        sock = socket.create_connection((ip, int(port)), timeout=10)
        f = sock.makefile("rwb", buffering=0)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            sent += 1
            f.write(b"%d\n" % sent)
            line = f.readline().decode(errors="replace").split()
            if len(line) != 2 or line[1] != str(sent):
                break
            replies += 1
            if line[0] not in names:
                names.append(line[0])
            time.sleep(interval)
        sock.close()
    except OSError as e:
        print("error %s (sent %d replies %d)" % (e, sent, replies))
        return 1
    print("sent %d replies %d from %s" % (sent, replies,
                                          ",".join(names) or "-"))
    return 0 if sent == replies and sent > 0 else 1


def main():
    cmds = {"syn": (syn, 5, 6), "session": (session, 3, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit("usage: traffic.py syn DST_IP DST_PORT SOURCES COUNT SECONDS [RATE]\n"
                 "       traffic.py session IP PORT SECONDS [INTERVAL]")
    fn, lo, hi = cmds[sys.argv[1]]
    args = sys.argv[2:]
    if not lo <= len(args) <= hi:
        sys.exit("traffic.py %s: wrong number of arguments" % sys.argv[1])
    sys.exit(fn(*args) or 0)


if __name__ == "__main__":
    main()
