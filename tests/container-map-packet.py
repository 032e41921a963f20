#! /usr/bin/env python3
# Copyright (c) 2026 The ovs-container-map authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Builds and decodes the packets of the container_map autotests.

Build (prints the packet in hex, for "ovs-appctl netdev-dummy/receive"):

  tcp   SRCMAC DSTMAC SRCIP DSTIP SPORT DPORT [FLAGS]   FLAGS: any of SAFRP
  udp   SRCMAC DSTMAC SRCIP DSTIP SPORT DPORT [PAYLOAD_LEN]
  echo  SRCMAC DSTMAC SRCIP DSTIP request|reply ID
  arp   SRCMAC DSTMAC request|reply|OP SHA SPA THA TPA
  icmp-error SRCMAC DSTMAC SRCIP DSTIP TYPE CODE
             tcp|udp|echo INNER_SRC INNER_DST INNER_SPORT|ID [INNER_DPORT]
  ipproto SRCMAC DSTMAC SRCIP DSTIP PROTO        another IP protocol
  tcp6  SRCMAC DSTMAC SRCIP6 DSTIP6 SPORT DPORT [FLAGS]
  udp6  SRCMAC DSTMAC SRCIP6 DSTIP6 SPORT DPORT [PAYLOAD_LEN]
  nd    SRCMAC DSTMAC SRCIP6 DSTIP6 ns|na|ra|redirect TARGET [LLA [FLAGS]]
        IPv6 neighbour discovery (hop limit 255): LLA is the source (ns, ra)
        or target (na) link-layer address option, "-" for none; FLAGS of
        an na: any of RSO
  vxlan SRCMAC DSTMAC SRCIP DSTIP VNI INNER_HEX  INNER_HEX in VXLAN

Options, after the arguments, make hostile packets (checksums are left as
they were computed):
  --tot-len=N     IPv4 total length      --ihl=N       IPv4 header words
  --inner-ihl=N   IHL of the packet an ICMP error quotes
  --plen=N        IPv6 payload length    --ext=H,...   IPv6 extension
                  headers before the L4 header: hbh, dstopts, routing
  --vlan=VID      an 802.1Q tag          --truncate=N  only N bytes
  --tcp-off=N     TCP data offset (words) of an IPv4 TCP packet
  --hlim=N        IPv6 hop limit         --bad-csum    a wrong ICMPv6 sum
  --opt-len=N     length (8-byte units) of the nd link-layer option
  --frag=first:ID or --frag=later:ID   of udp and udp6 (PAYLOAD_LEN at
                  least 9): the fragment of datagram ID with the first 16
                  bytes of the UDP datagram (its header and 8 bytes), or
                  the one with the rest

Decode ("decode", reads hex packets from stdin, one per line, as printed by
ovs-pcap) prints one line per packet, and "bad-csum" after a packet whose
IPv4 or ICMP checksum is wrong.
"""

import struct
import sys


def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))


def ip4(s):
    return bytes(int(x) for x in s.split('.'))


def ip6(s):
    import socket
    return socket.inet_pton(socket.AF_INET6, s)


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(src, dst, ethertype, payload):
    return mac(dst) + mac(src) + struct.pack('!H', ethertype) + payload


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0x4000):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident,
                      frag, ttl, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_csum(src, dst, proto, seg):
    pseudo = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, proto, len(seg))
    return csum(pseudo + seg)


def tcp_seg(src, dst, sport, dport, flags='S'):
    bits = sum({'F': 1, 'S': 2, 'R': 4, 'P': 8, 'A': 16}[f] for f in flags)
    seg = struct.pack('!HHIIBBHHH', sport, dport, 1000, 0, 5 << 4, bits,
                      65535, 0, 0)
    c = l4_csum(src, dst, 6, seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp_seg(src, dst, sport, dport, n=4):
    seg = struct.pack('!HHHH', sport, dport, 8 + n, 0) + b'x' * n
    c = l4_csum(src, dst, 17, seg) or 0xffff
    return seg[:6] + struct.pack('!H', c) + seg[8:]


def icmp(type_, code, rest, payload):
    msg = struct.pack('!BBH', type_, code, 0) + rest + payload
    return msg[:2] + struct.pack('!H', csum(msg)) + msg[4:]


def l4_csum6(src, dst, proto, seg):
    pseudo = ip6(src) + ip6(dst) + struct.pack('!IxxxB', len(seg), proto)
    return csum(pseudo + seg)


def frag_part(seg, opts):
    """The part of 'seg' that fragment option 'opts' says, its offset (in 8
    bytes) and more-fragments bit, and the datagram's id, or None."""
    if 'frag' not in opts:
        return None
    which, ident = opts['frag'].split(':')
    if which == 'first':
        return seg[:16], 0, 1, int(ident)
    return seg[16:], 2, 0, int(ident)


def ipv6(src, dst, proto, seg, exts=(), hlim=64, frag=None):
    """An IPv6 packet carrying 'seg' (whose checksum is for 'proto'), behind
    the extension headers 'exts' (names), or the fragment of it 'frag' says
    (frag_part())."""
    codes = {'hbh': 0, 'routing': 43, 'dstopts': 60}
    body = seg
    nxt = proto
    if frag:
        part, off, more, ident = frag
        body = struct.pack('!BBHI', nxt, 0, off << 3 | more, ident) + part
        nxt = 44
    for name in reversed(exts):
        if name == 'routing':
            hdr = struct.pack('!BBBB4x', nxt, 0, 4, 0)
        else:
            hdr = struct.pack('!BBBB4x', nxt, 0, 1, 4)
        body = hdr + body
        nxt = codes[name]
    return struct.pack('!IHBB16s16s', 0x60000000, len(body), nxt, hlim,
                       ip6(src), ip6(dst)) + body


def tcp_seg6(src, dst, sport, dport, flags='S'):
    bits = sum({'F': 1, 'S': 2, 'R': 4, 'P': 8, 'A': 16}[f] for f in flags)
    seg = struct.pack('!HHIIBBHHH', sport, dport, 1000, 0, 5 << 4, bits,
                      65535, 0, 0)
    c = l4_csum6(src, dst, 6, seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp_seg6(src, dst, sport, dport, n=4):
    seg = struct.pack('!HHHH', sport, dport, 8 + n, 0) + b'x' * n
    c = l4_csum6(src, dst, 17, seg) or 0xffff
    return seg[:6] + struct.pack('!H', c) + seg[8:]


def nd_msg(src, dst, kind, target, lla, flags, opts):
    """An ICMPv6 neighbour discovery message."""
    type_ = {'ra': 134, 'ns': 135, 'na': 136, 'redirect': 137}[kind]
    if kind == 'ra':
        body = struct.pack('!BBHII', 64, 0, 1800, 0, 0)
    else:
        bits = sum({'R': 1 << 31, 'S': 1 << 30, 'O': 1 << 29}[f]
                   for f in flags)
        body = struct.pack('!I', bits) + ip6(target)
        if kind == 'redirect':
            body += ip6(target)
    if lla != '-':
        opt_len = int(opts.get('opt-len', 1))
        body += struct.pack('!BB', 2 if kind == 'na' else 1, opt_len)
        body += mac(lla) + b'\0' * (opt_len * 8 - 8)
    seg = struct.pack('!BBH', type_, 0, 0) + body
    c = l4_csum6(src, dst, 58, seg) ^ (0x5555 if 'bad-csum' in opts else 0)
    return seg[:2] + struct.pack('!H', c) + seg[4:]


def mangle(p, opts):
    """Applies the hostile options 'opts' (a dict) to frame 'p'."""
    b = bytearray(p)
    if 'tot-len' in opts:
        b[16:18] = struct.pack('!H', int(opts['tot-len']))
    if 'ihl' in opts:
        b[14] = 0x40 | int(opts['ihl'])
    if 'inner-ihl' in opts:
        # IPv4 (14), its header (20), the ICMP header (8).
        b[14 + 20 + 8] = 0x40 | int(opts['inner-ihl'])
    if 'tcp-off' in opts:
        # IPv4 (14), its header (20), then byte 12 of TCP.
        b[14 + 20 + 12] = int(opts['tcp-off']) << 4 | b[14 + 20 + 12] & 15
    if 'plen' in opts:
        b[18:20] = struct.pack('!H', int(opts['plen']))
    if 'vlan' in opts:
        b[12:12] = struct.pack('!HH', 0x8100, int(opts['vlan']))
    if 'truncate' in opts:
        b = b[:int(opts['truncate'])]
    return bytes(b)


def echo_msg(kind, ident):
    return icmp(8 if kind == 'request' else 0, 0,
                struct.pack('!HH', ident, 1), b'container-map!!!')


def build(argv):
    opts = dict((a[2:].split('=', 1) + [''])[:2] for a in argv
                if a.startswith('--'))
    argv = [a for a in argv if not a.startswith('--')]
    cmd = argv[0]
    if cmd == 'tcp':
        sm, dm, si, di, sp, dp = argv[1:7]
        flags = argv[7] if len(argv) > 7 else 'S'
        p = eth(sm, dm, 0x0800,
                ipv4(si, di, 6, tcp_seg(si, di, int(sp), int(dp), flags)))
    elif cmd == 'udp':
        sm, dm, si, di, sp, dp = argv[1:7]
        n = int(argv[7]) if len(argv) > 7 else 4
        seg = udp_seg(si, di, int(sp), int(dp), n)
        frag = frag_part(seg, opts)
        if frag:
            part, off, more, ident = frag
            p = eth(sm, dm, 0x0800, ipv4(si, di, 17, part, ident=ident,
                                         frag=more << 13 | off))
        else:
            p = eth(sm, dm, 0x0800, ipv4(si, di, 17, seg))
    elif cmd == 'echo':
        sm, dm, si, di, kind, ident = argv[1:7]
        p = eth(sm, dm, 0x0800, ipv4(si, di, 1, echo_msg(kind, int(ident))))
    elif cmd == 'arp':
        sm, dm, kind, sha, spa, tha, tpa = argv[1:8]
        op = {'request': 1, 'reply': 2}.get(kind) or int(kind)
        body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, op)
        body += mac(sha) + ip4(spa) + mac(tha) + ip4(tpa)
        p = eth(sm, dm, 0x0806, body)
    elif cmd == 'icmp-error':
        sm, dm, si, di, t, c, iproto, isrc, idst, isp = argv[1:11]
        idp = int(argv[11]) if len(argv) > 11 else 0
        if iproto == 'tcp':
            inner = ipv4(isrc, idst, 6, tcp_seg(isrc, idst, int(isp), idp))
        elif iproto == 'udp':
            inner = ipv4(isrc, idst, 17,
                         udp_seg(isrc, idst, int(isp), idp, 1400))
        else:
            inner = ipv4(isrc, idst, 1, echo_msg('request', int(isp)))
        rest = struct.pack('!HH', 0, 1280 if int(t) == 3 else 0)
        p = eth(sm, dm, 0x0800,
                ipv4(si, di, 1, icmp(int(t), int(c), rest, inner[:28])))
    elif cmd == 'ipproto':
        sm, dm, si, di, proto = argv[1:6]
        p = eth(sm, dm, 0x0800, ipv4(si, di, int(proto), b'\0' * 24))
    elif cmd == 'vxlan':
        sm, dm, si, di, vni, inner = argv[1:7]
        seg = struct.pack('!HHHHII', 51000, 4789, 16 + len(inner) // 2, 0,
                          0x08000000, int(vni) << 8) + bytes.fromhex(inner)
        p = eth(sm, dm, 0x0800, ipv4(si, di, 17, seg))
    elif cmd in ('tcp6', 'udp6'):
        sm, dm, si, di, sp, dp = argv[1:7]
        exts = opts['ext'].split(',') if 'ext' in opts else ()
        if cmd == 'tcp6':
            flags = argv[7] if len(argv) > 7 else 'S'
            seg, proto = tcp_seg6(si, di, int(sp), int(dp), flags), 6
        else:
            n = int(argv[7]) if len(argv) > 7 else 4
            seg, proto = udp_seg6(si, di, int(sp), int(dp), n), 17
        p = eth(sm, dm, 0x86dd, ipv6(si, di, proto, seg, exts,
                                     frag=frag_part(seg, opts)))
    elif cmd == 'nd':
        sm, dm, si, di, kind, target = argv[1:7]
        lla = argv[7] if len(argv) > 7 else '-'
        flags = argv[8] if len(argv) > 8 else ''
        seg = nd_msg(si, di, kind, target, lla, flags, opts)
        p = eth(sm, dm, 0x86dd, ipv6(si, di, 58, seg,
                                     hlim=int(opts.get('hlim', 255))))
    else:
        sys.exit('unknown packet type %s' % cmd)
    print(mangle(p, opts).hex())


def fmt_mac(b):
    return ':'.join('%02x' % x for x in b)


def fmt_ip(b):
    return '.'.join(str(x) for x in b)


def decode_l4(proto, src, dst, seg):
    if proto == 17 and len(seg) >= 16 and seg[2:4] == b'\x12\xb5':
        vni = struct.unpack('!I', seg[12:16])[0] >> 8
        return 'vxlan %s > %s vni=%d: %s' % (src, dst, vni,
                                             decode_frame(seg[16:]))
    if proto in (6, 17) and len(seg) >= 4:
        sport, dport = struct.unpack('!HH', seg[:4])
        s = '%s %s:%d > %s:%d' % ('tcp' if proto == 6 else 'udp',
                                  src, sport, dst, dport)
        if proto == 6 and len(seg) >= 14:
            bits = seg[13]
            s += ' ' + (''.join(f for f, b in (('S', 2), ('A', 16), ('F', 1),
                                               ('R', 4), ('P', 8))
                                if bits & b) or '.')
        return s
    return 'proto %d %s > %s' % (proto, src, dst)


def decode_ip(data):
    ihl = (data[0] & 15) * 4
    proto = data[9]
    src, dst = fmt_ip(data[12:16]), fmt_ip(data[16:20])
    total = struct.unpack('!H', data[2:4])[0]
    bad = csum(data[:ihl]) != 0
    seg = data[ihl:total]
    frag = struct.unpack('!H', data[6:8])[0]
    if frag & 0x3fff:
        ident = struct.unpack('!H', data[4:6])[0]
        s = 'frag id=%d off=%d%s: ' % (ident, (frag & 0x1fff) * 8,
                                       ' more' if frag & 0x2000 else '')
        if frag & 0x1fff:
            return s + 'proto %d %s > %s' % (proto, src, dst), bad
        return s + decode_l4(proto, src, dst, seg), bad
    if proto != 1:
        return decode_l4(proto, src, dst, seg), bad
    t, c = seg[0], seg[1]
    bad = bad or csum(seg) != 0
    if t in (0, 8):
        ident = struct.unpack('!H', seg[4:6])[0]
        kind = 'echo-request' if t == 8 else 'echo-reply'
        return 'icmp %s %s > %s id=%d ttl=%d' % (kind, src, dst, ident,
                                                  data[8]), bad
    inner, _ = decode_ip(seg[8:])
    return 'icmp type=%d code=%d %s > %s about %s' % (t, c, src, dst,
                                                      inner), bad


def fmt_ip6(b):
    import socket
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def decode_nd(data):
    """Neighbour discovery in IPv6 packet 'data' (no extension headers),
    or None for another packet."""
    if len(data) < 40 + 24 or data[6] != 58 or data[40] not in (135, 136):
        return None
    src, dst = fmt_ip6(data[8:24]), fmt_ip6(data[24:40])
    seg = data[40:40 + struct.unpack('!H', data[4:6])[0]]
    bad = csum(data[8:40] + struct.pack('!IxxxB', len(seg), 58) + seg) != 0
    target = fmt_ip6(seg[8:24])
    lla = '-'
    if len(seg) >= 32 and seg[25] == 1:
        lla = fmt_mac(seg[26:32])
    if seg[0] == 135:
        s = 'nd ns %s > %s who-has %s lla %s' % (src, dst, target, lla)
    else:
        bits = seg[4]
        flags = ''.join(f for f, b in (('R', 128), ('S', 64), ('O', 32))
                        if bits & b)
        s = 'nd na %s > %s %s is-at %s flags %s' % (src, dst, target, lla,
                                                    flags or '-')
    return s + ' hlim=%d' % data[7], bad


def decode_ip6(data):
    """IPv6 TCP or UDP, fragment or not, behind any hop-by-hop, routing or
    destination options headers."""
    src, dst = fmt_ip6(data[8:24]), fmt_ip6(data[24:40])
    nxt = data[6]
    seg = data[40:40 + struct.unpack('!H', data[4:6])[0]]
    s = ''
    while nxt in (0, 43, 60) and len(seg) >= 8:
        nxt, seg = seg[0], seg[(seg[1] + 1) * 8:]
    if nxt == 44:
        nxt, offlg, ident = seg[0], *struct.unpack('!HI', seg[2:8])
        seg = seg[8:]
        s = 'frag id=%d off=%d%s: ' % (ident, offlg & ~7,
                                       ' more' if offlg & 1 else '')
        if offlg & ~7:
            return s + 'proto %d %s > %s' % (nxt, src, dst)
    return s + decode_l4(nxt, src, dst, seg)


def decode(line):
    return decode_frame(bytes.fromhex(line.strip()))


def decode_frame(p):
    s = '%s > %s ' % (fmt_mac(p[6:12]), fmt_mac(p[0:6]))
    ethertype = struct.unpack('!H', p[12:14])[0]
    bad = False
    if ethertype == 0x0806:
        op = struct.unpack('!H', p[20:22])[0]
        sha, spa = fmt_mac(p[22:28]), fmt_ip(p[28:32])
        tha, tpa = fmt_mac(p[32:38]), fmt_ip(p[38:42])
        if op == 1:
            s += 'arp who-has %s tell %s (%s)' % (tpa, spa, sha)
        elif op == 2:
            s += 'arp reply %s is-at %s to %s (%s)' % (spa, sha, tpa, tha)
        else:
            s += 'arp op=%d %s %s > %s %s' % (op, sha, spa, tha, tpa)
    elif ethertype == 0x0800:
        text, bad = decode_ip(p[14:])
        s += text
    elif ethertype == 0x86dd and decode_nd(p[14:]):
        text, bad = decode_nd(p[14:])
        s += text
    elif ethertype == 0x86dd:
        s += decode_ip6(p[14:])
    else:
        s += 'ethertype 0x%04x' % ethertype
    return s + (' bad-csum' if bad else '')


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == 'decode':
        try:
            for line in sys.stdin:
                if line.strip():
                    print(decode(line), flush=True)
        except BrokenPipeError:
            # The reader wanted no more ("tx p1 | head -2"): not an error.
            sys.stdout = None
    else:
        build(sys.argv[1:])


if __name__ == '__main__':
    main()
