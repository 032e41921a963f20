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

"""Large UDP datagrams, for the fragment system test.

  serve NAME PORT          answers each datagram on PORT (IPv4 and IPv6)
                           with "NAME LENGTH SHA256\\n" and the datagram
                           itself; exits after 120 s without one
  send IP PORT COUNT LO HI [reversed DEV SRC DSTMAC]
                           sends COUNT datagrams of random bytes, LO to HI
                           bytes long, one at a time, each waiting up to 2 s
                           for its answer; prints a line per datagram that
                           did not come back whole, then
                           "sent COUNT whole N from NAMES".  With
                           "reversed", fragments each datagram itself (for
                           MTU 1500) and sends the fragments last first,
                           from source address SRC, as Ethernet frames out
                           of DEV to DSTMAC (the next hop).  The datagrams'
                           identifiers are PORT * 1000 + N (of 16 bits):
                           those of one port's never repeat another's
"""

import hashlib
import os
import random
import socket
import struct
import sys


def serve(name, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(('::', port))
    s.settimeout(120)
    while True:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            return
        head = '%s %d %s\n' % (name, len(data),
                               hashlib.sha256(data).hexdigest())
        s.sendto(head.encode() + data, peer)


def csum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def fragments(src, dst, sport, dport, data, ident):
    """The IP packets (without Ethernet header) of UDP datagram 'data' from
    src:sport to dst:dport, fragmented for MTU 1500, first to last, and
    their Ethertype."""
    v6 = ':' in dst
    family = socket.AF_INET6 if v6 else socket.AF_INET
    s, d = socket.inet_pton(family, src), socket.inet_pton(family, dst)
    seg = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    if v6:
        pseudo = s + d + struct.pack('!IxxxB', len(seg), 17)
    else:
        pseudo = s + d + struct.pack('!BBH', 0, 17, len(seg))
    seg = seg[:6] + struct.pack('!H', csum(pseudo + seg) or 0xffff) + seg[8:]
    step = 1448 if v6 else 1480
    packets = []
    for off in range(0, len(seg), step):
        part = seg[off:off + step]
        more = off + step < len(seg)
        if v6:
            body = struct.pack('!BBHI', 17, 0, off | more, ident) + part
            packets.append(struct.pack('!IHBB', 0x60000000, len(body), 44,
                                       64) + s + d + body)
        else:
            hdr = struct.pack('!BBHHHBBH', 0x45, 0, 20 + len(part),
                              ident & 0xffff, (more << 13) | (off // 8), 64,
                              17, 0) + s + d
            hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
            packets.append(hdr + part)
    return packets, 0x86dd if v6 else 0x0800


def send(ip, port, count, lo, hi, rev=None):
    family = socket.AF_INET6 if ':' in ip else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    if rev:
        dev, src, dstmac = rev
        s.bind((src, 0))
        raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        raw.bind((dev, 0))
        srcmac = raw.getsockname()[4]
        dstmac = bytes(int(x, 16) for x in dstmac.split(':'))
    s.connect((ip, port))
    s.settimeout(2)
    whole = 0
    names = set()
    for i in range(count):
        data = os.urandom(random.randint(lo, hi))
        if rev:
            packets, ethertype = fragments(src, ip, s.getsockname()[1], port,
                                           data, (port * 1000 + i) & 0xffff)
            for p in reversed(packets):
                raw.send(dstmac + srcmac + struct.pack('!H', ethertype) + p)
        else:
            s.send(data)
        try:
            reply = s.recv(65535)
        except socket.timeout:
            print('datagram %d (%d bytes): no answer' % (i, len(data)))
            continue
        head, _, echo = reply.partition(b'\n')
        fields = head.decode(errors='replace').split()
        if (len(fields) == 3 and fields[1] == str(len(data))
                and fields[2] == hashlib.sha256(data).hexdigest()
                and echo == data):
            whole += 1
            names.add(fields[0])
        else:
            print('datagram %d (%d bytes): answer %r, %d bytes back'
                  % (i, len(data), head[:80], len(echo)))
    print('sent %d whole %d from %s' % (count, whole,
                                        ','.join(sorted(names)) or '-'))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'serve':
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 7 and sys.argv[1] == 'send':
        send(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:7]))
    elif (len(sys.argv) == 11 and sys.argv[1] == 'send'
          and sys.argv[7] == 'reversed'):
        send(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:7]),
             rev=sys.argv[8:11])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
