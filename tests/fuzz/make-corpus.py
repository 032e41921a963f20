#!/usr/bin/env python3
# Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/):
# small inputs that each reach a path worth starting from.  The seeds are
# committed; rerun this after changing it:
#
#     python3 tests/fuzz/make-corpus.py tests/fuzz/corpus
#
# Packets follow the map that tests/fuzz/fuzz-packet-map.c sets up, commands
# the baseline of tests/fuzz/fuzz-command.c and the manual page's synopsis.

import os
import socket
import struct
import sys

SW = bytes.fromhex("0200000000aa")
PEER = bytes.fromhex("505400000001")
MAC = {c: bytes.fromhex("0200000000" + h)
       for c, h in zip("ABCDEFG", ["0a", "0b", "0c", "0d", "0e", "0f", "10"])}


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def eth(dst, src, ethertype, payload, vlan=None):
    hdr = dst + src
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan)
    return hdr + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, frag=0, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag,
                      ttl, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nxt, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nxt, hlim,
                       ip6(src), ip6(dst)) + payload


def tcp(sport, dport, flags=0x02):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 65535,
                       0, 0)


def udp(sport, dport, payload=b"x"):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def sctp(sport, dport):
    return struct.pack("!HHII", sport, dport, 0, 0)


def icmp4(typ, code, rest, payload=b""):
    msg = struct.pack("!BBH", typ, code, 0) + rest + payload
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp6(src, dst, typ, code, rest, payload=b""):
    msg = struct.pack("!BBH", typ, code, 0) + rest + payload
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(msg), 58)
    return msg[:2] + struct.pack("!H", csum(pseudo + msg)) + msg[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa),
                       tha, ip4(tpa))


def v4(dst, proto, payload, src="198.51.100.1", smac=PEER, dmac=SW, **kw):
    return eth(dmac, smac, 0x0800, ipv4(src, dst, proto, payload, **kw))


def v6(dst, nxt, payload, src="2001:db8:100::1", smac=PEER, dmac=SW):
    return eth(dmac, smac, 0x86dd, ipv6(src, dst, nxt, payload))


# Packet fuzzer control byte (fuzz-packet.c): mode, then flags.
SINGLE, METADATA, BATCH, BATCH_NO_HOOKS = 0, 1, 2, 3
KEEP, CONTINUE, KEEP_CONNS, SWEEP, EGRESS_FIRST = 4, 8, 16, 32, 64


def packet_seeds():
    s = {}
    syn80 = v4("203.0.113.10", 6, tcp(12345, 80))
    syn81 = v4("203.0.113.10", 6, tcp(12346, 81))
    s["tcp-syn-80"] = bytes([SINGLE]) + syn80
    s["tcp-syn-81-two-backends"] = bytes([SINGLE]) + syn81
    s["tcp-82-drained"] = bytes([SINGLE]) + v4("203.0.113.10", 6,
                                                tcp(2000, 82))
    s["tcp-83-unreachable"] = bytes([SINGLE]) + v4("203.0.113.10", 6,
                                                    tcp(2001, 83))
    s["tcp-unmapped-port"] = bytes([SINGLE | CONTINUE]) + v4(
        "203.0.113.10", 6, tcp(2002, 84))
    s["udp-53"] = bytes([SINGLE]) + v4("203.0.113.10", 17, udp(5353, 53))
    s["sctp-9"] = bytes([SINGLE]) + v4("203.0.113.10", 132, sctp(7, 9))
    s["tcp6-443"] = bytes([SINGLE]) + v6("2001:db8::10", 6, tcp(3333, 443))
    s["udp6-500-tunnel"] = bytes([SINGLE | KEEP]) + v6(
        "2001:db8::20", 17, udp(500, 500))
    s["tcp6-hop-by-hop"] = bytes([SINGLE]) + v6(
        "2001:db8::10", 0, bytes([6, 0, 1, 4, 0, 0, 0, 0]) + tcp(3334, 443))
    s["vxlan-looking"] = bytes([SINGLE]) + v4(
        "203.0.113.20", 17,
        udp(40000, 4789, bytes.fromhex("0800000000000100")
            + v4("10.0.0.2", 6, tcp(1, 80))))
    s["reply-to-reservation"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 6, tcp(443, 40010, 0x12), src="192.0.2.99")
    s["arp-request"] = bytes([SINGLE]) + eth(
        b"\xff" * 6, PEER, 0x0806,
        arp(1, PEER, "198.51.100.1", b"\0" * 6, "203.0.113.10"))
    s["arp-reply-spoof"] = bytes([SINGLE | EGRESS_FIRST]) + eth(
        b"\xff" * 6, MAC["A"], 0x0806,
        arp(2, MAC["A"], "203.0.113.10", b"\xff" * 6, "203.0.113.10"))
    s["arp-from-container"] = bytes([SINGLE | EGRESS_FIRST]) + eth(
        b"\xff" * 6, MAC["A"], 0x0806,
        arp(1, MAC["A"], "203.0.113.10", b"\0" * 6, "203.0.113.1"))
    echo = struct.pack("!HH", 40001, 1)
    s["echo-request-switch"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 1, icmp4(8, 0, echo, b"ping"))
    s["echo-request-container"] = bytes([SINGLE]) + v4(
        "203.0.113.30", 1, icmp4(8, 0, echo, b"ping"))
    s["echo6-request-off"] = bytes([SINGLE]) + v6(
        "2001:db8::10", 58,
        icmp6("2001:db8:100::1", "2001:db8::10", 128, 0, echo, b"ping"))
    s["echo6-request-switch"] = bytes([SINGLE]) + v6(
        "2001:db8::10", 58,
        icmp6("2001:db8:100::1", "2001:db8::10", 128, 0, echo, b"p"))[:-1]
    # Neighbour discovery: a solicitation for a mapped address (answered),
    # a container's advertisement of it (suppressed).
    ns = b"\0" * 4 + ip6("2001:db8::10") + b"\x01\x01" + PEER
    s["nd-solicit-mapped"] = bytes([SINGLE]) + eth(
        b"\x33\x33\xff\x00\x00\x10", PEER, 0x86dd,
        ipv6("2001:db8:100::1", "ff02::1:ff00:10", 58,
             icmp6("2001:db8:100::1", "ff02::1:ff00:10", 135, 0, ns[:4],
                   ns[4:]), hlim=255))
    na = b"\x20\0\0\0" + ip6("2001:db8::10") + b"\x02\x01" + MAC["A"]
    s["nd-advert-from-container"] = bytes([SINGLE | EGRESS_FIRST]) + eth(
        b"\x33\x33\x00\x00\x00\x01", MAC["A"], 0x86dd,
        ipv6("2001:db8::10", "ff02::1", 58,
             icmp6("2001:db8::10", "ff02::1", 136, 0, na[:4], na[4:]),
             hlim=255))
    s["echo-reply-reservation"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 1, icmp4(0, 0, echo, b"pong"))
    inner = ipv4("203.0.113.10", "8.8.8.8", 17, udp(40005, 53))[:28]
    s["icmp-error-inner-udp"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 1, icmp4(3, 3, b"\0" * 4, inner))
    inner_map = ipv4("203.0.113.10", "192.0.2.7", 6, tcp(81, 5555, 0x12))
    s["icmp-error-about-mapping"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 1, icmp4(3, 4, struct.pack("!HH", 0, 1400),
                                 inner_map[:28]))
    s["icmp-error-other-ip"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 1, icmp4(11, 0, b"\0" * 4,
                                 ipv4("203.0.113.30", "8.8.8.8", 17,
                                      udp(999, 53))[:28]))
    inner6 = ipv6("2001:db8::10", "2001:db8:100::1", 6,
                  tcp(50001, 443, 0x10))[:48]
    s["icmp6-too-big"] = bytes([SINGLE]) + v6(
        "2001:db8::10", 58,
        icmp6("2001:db8:100::1", "2001:db8::10", 2, 0,
              struct.pack("!I", 1280), inner6))
    s["truncated-tcp"] = bytes([SINGLE]) + syn80[:40]
    bad_off = bytearray(syn80)
    bad_off[14 + 20 + 12] = 0x40
    s["tcp-data-offset-4"] = bytes([SINGLE]) + bytes(bad_off)
    s["truncated-ip"] = bytes([SINGLE]) + syn80[:20]
    s["bad-ihl"] = bytes([SINGLE]) + syn80[:14] + b"\x4f" + syn80[15:]
    s["short-frame"] = bytes([SINGLE]) + syn80[:10]
    s["vlan-tagged"] = bytes([SINGLE]) + eth(
        SW, PEER, 0x0800, ipv4("198.51.100.1", "203.0.113.10", 6,
                                 tcp(1, 80)), vlan=10)
    s["later-fragment"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 6, tcp(1, 80), frag=0x0010)
    s["first-fragment"] = bytes([SINGLE]) + v4(
        "203.0.113.10", 17, udp(1, 53, b"y" * 16), frag=0x2000)
    s["egress-reserved-syn"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "8.8.8.8", 6, tcp(40010, 443), src="203.0.113.10", smac=MAC["A"],
        dmac=SW)
    s["egress-out-of-range"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "8.8.8.8", 6, tcp(41010, 443), src="203.0.113.10", smac=MAC["A"])
    s["egress-spoofed-mac"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "8.8.8.8", 6, tcp(40011, 443), src="203.0.113.10", smac=MAC["C"])
    s["egress-echo-request"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "8.8.8.8", 1, icmp4(8, 0, struct.pack("!HH", 40002, 1)),
        src="203.0.113.10", smac=MAC["A"])
    s["egress-icmp-error"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "198.51.100.1", 1,
        icmp4(3, 3, b"\0" * 4,
              ipv4("198.51.100.1", "203.0.113.10", 17, udp(7, 53))[:28]),
        src="203.0.113.10", smac=MAC["C"])
    s["egress-icmp-error-from-other-ip"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "198.51.100.1", 1,
        icmp4(3, 3, b"\0" * 4,
              ipv4("198.51.100.1", "192.0.2.99", 17, udp(7, 53))[:28]),
        src="203.0.113.30", smac=MAC["A"])
    s["egress-other-proto"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "8.8.8.8", 47, b"\0" * 8, src="203.0.113.10", smac=MAC["A"])
    s["egress-router-solicit"] = bytes([SINGLE | EGRESS_FIRST]) + v6(
        "ff02::2", 58, icmp6("2001:db8::10", "ff02::2", 133, 0, b"\0" * 4),
        src="2001:db8::10", smac=MAC["B"], dmac=b"\x33\x33\0\0\0\x02")
    s["egress-reply-from-mapping"] = bytes([SINGLE | EGRESS_FIRST]) + v4(
        "198.51.100.1", 6, tcp(81, 12346, 0x12), src="203.0.113.10",
        smac=MAC["B"])
    # Metadata: in_port 6 (the tunnel port), from E's host.
    s["metadata-tunnel-v4"] = (
        bytes([METADATA | EGRESS_FIRST, 6, 1]) + ip4("192.0.2.50")
        + v4("198.51.100.1", 6, tcp(22, 5000, 0x12), src="203.0.113.20",
             smac=MAC["E"]))
    s["metadata-tunnel-v4-wrong-peer"] = (
        bytes([METADATA | EGRESS_FIRST, 6, 1]) + ip4("192.0.2.51")
        + v4("198.51.100.1", 6, tcp(22, 5000, 0x12), src="203.0.113.20",
             smac=MAC["E"]))
    s["metadata-tunnel-v6"] = (
        bytes([METADATA | EGRESS_FIRST, 8, 2]) + ip6("2001:db8:ffff::50")
        + v6("2001:db8:100::1", 17, udp(60001, 53), src="2001:db8::20",
             smac=MAC["G"]))
    s["metadata-uplink"] = bytes([METADATA, 1, 0]) + syn81

    def rec(frame, flags=0):
        return bytes([len(frame), flags]) + frame

    flood = b"".join(rec(v4("203.0.113.10", 6, tcp(1000 + i, 81),
                            src="198.51.100.%d" % (i % 4 + 1)), i % 3 << 1)
                     for i in range(24))
    s["batch-flood-81"] = bytes([BATCH]) + flood
    s["batch-flood-81-no-hooks"] = bytes([BATCH_NO_HOOKS | KEEP]) + flood
    s["batch-mixed"] = bytes([BATCH | SWEEP]) + b"".join([
        rec(syn80), rec(syn81, 2), rec(v4("203.0.113.10", 17, udp(9, 53)), 4),
        rec(v6("2001:db8::10", 6, tcp(3, 443))),
        rec(v4("8.8.8.8", 6, tcp(40012, 443), src="203.0.113.10",
               smac=MAC["A"]), 1),
        rec(v4("203.0.113.10", 6, tcp(443, 40012, 0x12), src="8.8.8.8")),
        rec(v4("198.51.100.1", 6, tcp(81, 12346, 0x10), src="203.0.113.10",
               smac=MAC["B"]), 1),
        rec(v4("198.51.100.1", 6, tcp(81, 12346, 0x10), src="203.0.113.10",
               smac=MAC["C"]), 1),
    ])
    return s


COMMANDS = {
    "add": "add br0 203.0.113.10 tcp 8080 02:00:00:00:00:05 1",
    "add-backend": "add br0 203.0.113.10 tcp 80 02:00:00:00:00:06 p2",
    "add-ipv6": "container-map/add br0 2001:db8::10 udp 53 "
                "02:00:00:00:00:01 1",
    "add-remote": "add br0 203.0.113.20 tcp 23 02:00:00:00:00:04 vx0 "
                  "remote=192.0.2.50",
    "add-remote-missing": "add br0 203.0.113.20 tcp 23 02:00:00:00:00:04 10",
    "add-port-taken": "add br0 203.0.113.10 tcp 40100 02:00:00:00:00:03 3",
    "add-bad-ip": "add br0 0.0.0.0 tcp 80 02:00:00:00:00:05 1",
    "add-bad-mac": "add br0 203.0.113.10 tcp 80 01:00:00:00:00:05 1",
    "add-fresh-bridge": "add br2 203.0.113.50 tcp 80 02:00:00:00:00:09 r1",
    "add-fresh-bridge-bad": "add br2 203.0.113.50 tcp 0 02:00:00:00:00:09 1",
    "del": "del br0 203.0.113.10 tcp 81",
    "del-backend": "del br0 203.0.113.10 tcp 81 02:00:00:00:00:02",
    "del-missing": "del br0 203.0.113.10 tcp 99",
    "show": "show",
    "show-bridge": "show br2",
    "flush": "flush br1",
    "reserve": "reserve br0 203.0.113.10 02:00:00:00:00:03 3 "
               "ports=42000-42999 ids=42000-42999",
    "reserve-overlap": "reserve br0 203.0.113.10 02:00:00:00:00:03 3 "
                       "ports=40500-42999",
    "reserve-mapped": "reserve br0 203.0.113.10 02:00:00:00:00:03 3 "
                      "ports=1-100",
    "unreserve": "unreserve br0 203.0.113.10 02:00:00:00:00:01",
    "drain": "drain br0 203.0.113.10 tcp 81 02:00:00:00:00:02",
    "undrain": "undrain br0 203.0.113.10 tcp 81 02:00:00:00:00:03",
    "echo": "echo br0 203.0.113.10 off",
    "echo-container": "echo br0 203.0.113.10 02:00:00:00:00:01",
    "echo-unreserved": "echo br0 203.0.113.10 02:00:00:00:00:03",
    "set-mac": "set-mac br1 02:00:00:00:00:bb",
    "set-mac-default": "set-mac br0 default",
    "announce": "announce br0 p1",
    "conn": "conn-list\nconn-count br0\nconn-flush",
    "conn-set": "conn-set max=10 per-source=2 per-container=3 tcp=5 "
                "tcp-closing=1 udp=2 icmp=3 unanswered=1",
    "conn-set-bad": "conn-set max=0",
    "sequence": "add br0 203.0.113.40 udp 7 02:00:00:00:00:07 1\n"
                "reserve br0 203.0.113.40 02:00:00:00:00:07 1 ports=1-6\n"
                "reserve br0 203.0.113.40 02:00:00:00:00:08 2 ports=7-7\n"
                "del br0 203.0.113.40 udp 7",
    "load": "load br0\n"
            "# a comment\n"
            "203.0.113.60 tcp 80 02:00:00:00:00:01 1\n"
            "\n"
            "203.0.113.60 udp 53 02:00:00:00:00:02 p2 # trailing\n"
            "2001:db8::60 tcp 443 02:00:00:00:00:04 vx0 remote=192.0.2.50\n",
    "load-bad-line": "load br0\n"
                     "203.0.113.60 tcp 80 02:00:00:00:00:01 1\n"
                     "203.0.113.60 tcp 80000 02:00:00:00:00:01 1\n",
    "load-port-taken": "load br0\n"
                       "203.0.113.10 tcp 40001 02:00:00:00:00:02 2\n",
    "load-fresh-bridge-empty": "load br2\n",
    "load-missing-file": "load br0 /nonexistent/file",
}

ACTIONS_OF = [
    # NXAST_CONTAINER_MAP: OFPAT_VENDOR, 16, NX_VENDOR_ID, subtype 51,
    # miss, egress, pad.
    struct.pack("!HHIHBB4x", 0xffff, 16, 0x2320, 51, 0, 0),
    struct.pack("!HHIHBB4x", 0xffff, 16, 0x2320, 51, 1, 0),
    struct.pack("!HHIHBB4x", 0xffff, 16, 0x2320, 51, 0, 1),
    struct.pack("!HHIHBB4x", 0xffff, 16, 0x2320, 51, 1, 1),
    struct.pack("!HHIHBB4x", 0xffff, 16, 0x2320, 51, 2, 0),
    struct.pack("!HHIHBBI", 0xffff, 16, 0x2320, 51, 0, 0, 1),
    # output:1 (OF1.3), then container_map(miss=continue).
    struct.pack("!HHIH6x", 0, 16, 1, 0xffe5)
    + struct.pack("!HHIHBB4x", 0xffff, 16, 0x2320, 51, 1, 0),
]

ACTIONS_TEXT = [
    "container_map", "container_map(egress)", "container_map(miss=continue)",
    "container_map(egress,miss=continue)", "container_map(ingress,miss=drop)",
    "output:1,container_map(miss=continue),output:2",
    "container_map(miss=sometimes)",
]

ACTIONS_ODP_TEXT = [
    "container_map(table=1)", "container_map(table=1023,egress)",
    "container_map(table=7,miss=continue)",
    "container_map(table=2,egress,miss=drop)",
    "container_map(table=1024)", "1,container_map(table=3),2",
]


def odp_netlink(table, miss, egress, pad=0):
    # OVS_ACTION_ATTR_CONTAINER_MAP: after OVS_ACTION_ATTR_LB_OUTPUT (26).
    return struct.pack("=HHIBBH", 12, 27, table, miss, egress, pad)


def action_seeds():
    s = {}
    for i, a in enumerate(ACTIONS_OF):
        s["of-%d" % i] = bytes([0, i % 3]) + a
    for i, t in enumerate(ACTIONS_TEXT):
        s["of-text-%d" % i] = b"\x01" + t.encode()
    for i, t in enumerate(ACTIONS_ODP_TEXT):
        s["odp-text-%d" % i] = b"\x02" + t.encode()
    for i, a in enumerate([odp_netlink(1, 0, 0), odp_netlink(1023, 1, 1),
                           odp_netlink(5000, 7, 2, 1),
                           struct.pack("=HHI", 8, 1, 3)
                           + odp_netlink(2, 1, 0)]):
        s["odp-netlink-%d" % i] = b"\x03" + a
    return s


def write(top, target, seeds):
    d = os.path.join(top, target)
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    write(top, "fuzz-packet", packet_seeds())
    write(top, "fuzz-command",
          {k: v.encode() + b"\n" for k, v in COMMANDS.items()})
    write(top, "fuzz-action", action_seeds())


if __name__ == "__main__":
    main()
