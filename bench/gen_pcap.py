#!/usr/bin/env python3
# Writes the benchmark's input pcaps: 60-byte Ethernet/IPv4/TCP frames with
# valid IP and TCP checksums (userspace conntrack checks them), plain
# "struct" code, no dependencies.
#
# Licensed under the Apache License, Version 2.0.
#
# Usage: gen_pcap.py KIND N OUT.pcap [--first F] [--split K] [--dport P]
#                    [--syn] [--shuffle]
#   KIND ingress:   flows to the mappings (see layout.py); --mapped M sets
#                   how many mappings the flows spread over (default
#                   min(N, 61440)).
#   KIND egress:    flows from containers with reservations.
#   --split K writes K files OUT-0.pcap ... OUT-(K-1).pcap of N/K flows each
#             (egress, K = 2: file i has the flows of the containers that
#             send on input port i, layout.egress_in_port())
#   (one DPDK pcap port holds at most ~250k packets in its mempool).

import argparse
import random
import socket
import struct
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout  # noqa: E402

FRAME_LEN = 60


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip_bytes(s):
    return socket.inet_aton(s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(eth_dst, eth_src, ip_src, ip_dst, sport, dport, flags, seq=1,
          ack=1):
    """One 60-byte frame; addresses already as bytes."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    pseudo = ip_src + ip_dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     6, 0, ip_src, ip_dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = eth_dst + eth_src + b"\x08\x00"
    pkt = eth + ip + tcp
    return pkt + b"\0" * (FRAME_LEN - len(pkt))


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        usec = 0
        for fr in frames:
            f.write(struct.pack("<IIII", usec // 1000000, usec % 1000000,
                                len(fr), len(fr)))
            f.write(fr)
            usec += 1


TCP_ACK = 0x10
TCP_SYN = 0x02


def ingress_frames(flows, n_mapped, flags):
    dst = mac_bytes(layout.BRIDGE_MAC)
    src = mac_bytes(layout.ROUTER_MAC)
    for f in flows:
        ip, port, _ = layout.mapping(f % n_mapped, 1 << 30)
        cip, cport = layout.client(f)
        yield frame(dst, src, ip_bytes(cip), ip_bytes(ip), cport, port,
                    flags)


def egress_frames(flows, dport, flags):
    dst = mac_bytes(layout.ROUTER_MAC)
    remote = ip_bytes(layout.REMOTE_IP)
    for f in flows:
        c, ip, sport = layout.egress_flow(f)
        yield frame(dst, mac_bytes(layout.container_mac(c)), ip_bytes(ip),
                    remote, sport, dport, flags)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["ingress", "egress"])
    ap.add_argument("n", type=int, help="number of distinct 5-tuples")
    ap.add_argument("out")
    ap.add_argument("--mapped", type=int, default=0)
    ap.add_argument("--first", type=int, default=0,
                    help="number of the first flow (flows F to F+N-1)")
    ap.add_argument("--split", type=int, default=1)
    ap.add_argument("--dport", type=int, default=layout.REMOTE_PORT)
    ap.add_argument("--syn", action="store_true")
    ap.add_argument("--shuffle", action="store_true",
                    help="random order (fixed seed) instead of flow order")
    args = ap.parse_args()

    flags = TCP_SYN if args.syn else TCP_ACK
    flows = list(range(args.first, args.first + args.n))
    if args.shuffle:
        random.Random(42).shuffle(flows)
    k = args.split
    if args.kind == "egress" and k == 2:
        # File i for input port i: the flows of the containers that send
        # there (layout.egress_in_port()).
        parts = [[f for f in flows if f % layout.N_EGRESS_IPS % 2 == i]
                 for i in range(2)]
    else:
        parts = [flows[i::k] for i in range(k)]
    for i, part in enumerate(parts):
        path = args.out if k == 1 else "%s-%d.pcap" % (
            args.out[:-5] if args.out.endswith(".pcap") else args.out, i)
        if args.kind == "ingress":
            n_mapped = args.mapped or min(args.n, 61440)
            frames = ingress_frames(part, n_mapped, flags)
        else:
            frames = egress_frames(part, args.dport, flags)
        write_pcap(path, frames)


if __name__ == "__main__":
    main()
