/*
 * Copyright (c) 2026 The ovs-container-map authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef CONTAINER_MAP_PACKET_H
#define CONTAINER_MAP_PACKET_H 1

/* Per-packet key extraction for the container map, for the fast path.
 *
 * It reads the L3 and L4 offsets that flow extraction already stored in the
 * packet, so it only looks at the few bytes it needs: the IP version, the
 * destination address, the protocol, the fragment offset and the L4
 * destination port.  It never writes to the packet. */

#include "container-map-table.h"
#include "dp-packet.h"
#include "packets.h"

/* Fills 'key' from 'packet' for table 'table_id' and returns true, or returns
 * false if 'packet' is not an IPv4 or IPv6 TCP, UDP or SCTP packet with its
 * L4 header present (non-first fragments and IPv6 packets whose L4 header
 * follows extension headers do not qualify). */
static inline bool
container_map_key_from_packet(const struct dp_packet *packet,
                              uint32_t table_id, struct container_map_key *key)
{
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4 = dp_packet_l4(packet);
    uint8_t proto;

    if (!l3 || !l4 || dp_packet_l4_size(packet) < 4) {
        return false;
    }

    memset(key, 0, sizeof *key);
    if ((l3[0] >> 4) == 4) {
        const struct ip_header *ip
            = ALIGNED_CAST(const struct ip_header *, l3);

        if (ip->ip_frag_off & htons(IP_FRAG_OFF_MASK)) {
            return false;
        }
        proto = ip->ip_proto;
        key->ip.s6_addr[10] = 0xff;
        key->ip.s6_addr[11] = 0xff;
        memcpy(&key->ip.s6_addr[12], &ip->ip_dst, 4);
    } else if ((l3[0] >> 4) == 6) {
        const struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, l3);

        proto = ip6->ip6_nxt;
        memcpy(&key->ip, &ip6->ip6_dst, sizeof key->ip);
    } else {
        return false;
    }

    if (proto != IPPROTO_TCP && proto != IPPROTO_UDP
        && proto != IPPROTO_SCTP) {
        return false;
    }

    /* TCP, UDP and SCTP all start with the source and destination ports. */
    key->table_id = table_id;
    key->proto = proto;
    memcpy(&key->port, l4 + 2, sizeof key->port);
    return key->port != htons(0);
}

/* What the action needs to know of a packet, beyond the mapping key. */
enum container_map_pkt_kind {
    CONTAINER_MAP_PKT_OTHER,            /* Nothing the action handles. */
    CONTAINER_MAP_PKT_L4,               /* TCP, UDP or SCTP with ports. */
    CONTAINER_MAP_PKT_ECHO_REQUEST,     /* ICMP or ICMPv6 echo request. */
    CONTAINER_MAP_PKT_ECHO_REPLY,       /* ICMP or ICMPv6 echo reply. */
    CONTAINER_MAP_PKT_ICMP_ERROR,       /* ICMP error about a packet that is
                                         * described by the other fields. */
    CONTAINER_MAP_PKT_ARP,              /* Ethernet/IPv4 ARP. */
};

struct container_map_pkt {
    enum container_map_pkt_kind kind;
    uint8_t proto;          /* TCP, UDP, SCTP, ICMP or ICMPv6. */
    uint8_t tcp_flags;      /* Of a TCP packet (not of an embedded one). */
    struct in6_addr src;    /* IPv4 is IPv4-mapped. */
    struct in6_addr dst;
    ovs_be16 src_port;      /* ICMP echo: the identifier in both. */
    ovs_be16 dst_port;
};

/* Parses 'packet' (whose L3 and L4 offsets flow extraction has set) into
 * 'pkt'.  For an ICMP error, the addresses, protocol and ports are those of
 * the packet embedded in it (as it was sent, so its source is the side that
 * receives the error). */
void container_map_pkt_parse(const struct dp_packet *packet,
                             struct container_map_pkt *pkt);

/* The fast path's shortcut for the common case: if 'packet' is an
 * unfragmented IPv4 TCP, UDP or SCTP packet in an Ethernet frame with a
 * nonzero destination port, stores its destination address, protocol and
 * destination port (what container_map_pkt_parse() would find) and returns
 * true.  Otherwise returns false and the packet needs the full parse. */
bool container_map_pkt_ipv4_dst(const struct dp_packet *packet,
                                ovs_be32 *dst, uint8_t *proto,
                                ovs_be16 *dst_port);

/* Rewrites the ARP request 'packet' into the reply "target IP is at 'mac'",
 * addressed to the requester. */
void container_map_arp_make_reply(struct dp_packet *packet,
                                  const struct eth_addr mac);

/* Rewrites the ARP request 'packet' into a probe (sender IP 0.0.0.0), which
 * a target answers straight to the sender's MAC without learning anything. */
void container_map_arp_make_probe(struct dp_packet *packet);

/* Rewrites the ICMP or ICMPv6 echo request 'packet' into its reply, from
 * 'mac'. */
void container_map_echo_make_reply(struct dp_packet *packet,
                                   const struct eth_addr mac);

#endif /* container-map-packet.h */
