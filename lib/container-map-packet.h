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

/* Packets as the container_map action sees them: what it needs to know of
 * a packet, and the answers it writes in place of requests.
 *
 * The parsers read the L3 and L4 offsets that flow extraction already
 * stored in the packet, so they only look at the few bytes they need, and
 * never write to the packet. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include "dp-packet.h"
#include "packets.h"

/* What the action needs to know of a packet, beyond the mapping key. */
enum container_map_pkt_kind {
    CONTAINER_MAP_PKT_OTHER,            /* Nothing the action handles. */
    CONTAINER_MAP_PKT_L4,               /* TCP, UDP or SCTP with ports. */
    CONTAINER_MAP_PKT_ECHO_REQUEST,     /* ICMP or ICMPv6 echo request. */
    CONTAINER_MAP_PKT_ECHO_REPLY,       /* ICMP or ICMPv6 echo reply. */
    CONTAINER_MAP_PKT_ICMP_ERROR,       /* ICMP error about a packet that is
                                         * described by the other fields. */
    CONTAINER_MAP_PKT_ARP,              /* Ethernet/IPv4 ARP. */
    CONTAINER_MAP_PKT_ND_NS,            /* IPv6 Neighbour Solicitation and */
    CONTAINER_MAP_PKT_ND_NA,            /* Advertisement, valid as RFC 4861
                                         * section 7.1 says. */
    CONTAINER_MAP_PKT_FRAGMENT,         /* An IP fragment but the first:
                                         * addresses, protocol and
                                         * fragment id. */
    CONTAINER_MAP_PKT_MALFORMED,        /* Not what flow extraction
                                         * validated, a short or lying
                                         * header, a VLAN tag, not
                                         * Ethernet. */
};

struct container_map_pkt {
    enum container_map_pkt_kind kind;
    uint8_t proto;          /* TCP, UDP, SCTP, ICMP or ICMPv6. */
    uint8_t tcp_flags;      /* Of a TCP packet (not of an embedded one). */
    uint8_t icmp_type;      /* Of an ICMP or ICMPv6 packet. */
    bool frag;              /* A fragment (the first, or a later one)... */
    uint32_t frag_id;       /* ...of the datagram with this identifier
                             * (IPv4: 16 bits). */
    struct in6_addr src;    /* IPv4 is IPv4-mapped.  All-zero, for a packet */
    struct in6_addr dst;    /* that is not IP. */
    ovs_be16 src_port;      /* ICMP echo: the identifier in both. */
    ovs_be16 dst_port;
    struct in6_addr icmp_src;   /* ICMP error: its own source (the fields
                                 * above are those of the packet inside).
                                 * Neighbour discovery: the target. */
    struct eth_addr nd_lla;     /* Neighbour discovery: the source (NS) or
                                 * target (NA) link-layer address option,
                                 * all-zero if there is none. */
};

/* Parses 'packet' (whose L3 and L4 offsets flow extraction has set) into
 * 'pkt'.  For an ICMP error, the addresses, protocol and ports are those of
 * the packet embedded in it (as it was sent, so its source is the side that
 * receives the error).  An ICMP error is malformed unless it goes to the
 * source of the packet embedded in it: any other is about nothing its
 * destination sent. */
void container_map_pkt_parse(const struct dp_packet *packet,
                             struct container_map_pkt *pkt);

/* Whether TCP header 'l4', of a segment of 'size' bytes (at least
 * TCP_HEADER_LEN), has a data offset that flow extraction accepts: from the
 * header's 5 words to the end of the segment.  Flow extraction takes no
 * ports from any other, and so neither does the action. */
static inline bool
container_map_pkt_tcp_ok(const uint8_t *l4, size_t size)
{
    size_t len = (l4[12] >> 4) * 4;

    return len >= TCP_HEADER_LEN && len <= size;
}

/* Whether IP protocol 'proto' has the ports the map is keyed by. */
static inline bool
container_map_is_ports_proto(uint8_t proto)
{
    return (proto == IPPROTO_TCP || proto == IPPROTO_UDP
            || proto == IPPROTO_SCTP);
}

/* Whether 'pkt' is the first fragment of a TCP, UDP or SCTP datagram, whose
 * ports decide where its later fragments go. */
static inline bool
container_map_pkt_is_first_frag(const struct container_map_pkt *pkt)
{
    return pkt->kind == CONTAINER_MAP_PKT_L4 && pkt->frag;
}

/* The fast path's shortcut for the common case: if 'packet' is an
 * unfragmented IPv4 TCP, UDP or SCTP packet in an untagged Ethernet frame,
 * whose L4 header flow extraction found whole, with a nonzero destination
 * port, stores its destination address, protocol and destination port (what
 * container_map_pkt_parse() would find) and returns true.  Otherwise returns
 * false and the packet needs the full parse. */
static inline bool
container_map_pkt_ipv4_dst(const struct dp_packet *packet, ovs_be32 *dst,
                           uint8_t *proto, ovs_be16 *dst_port)
{
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4 = dp_packet_l4(packet);
    const struct ip_header *ip;
    size_t l4_size, min_size;
    ovs_be16 ethertype;

    if (!l4 || !dp_packet_is_eth(packet)
        || l3 != (const uint8_t *) dp_packet_data(packet) + ETH_HEADER_LEN) {
        return false;
    }
    memcpy(&ethertype, l3 - 2, sizeof ethertype);
    ip = ALIGNED_CAST(const struct ip_header *, l3);
    if (ethertype != htons(ETH_TYPE_IP)
        || IP_IHL(ip->ip_ihl_ver) * 4 != l4 - l3
        || ip->ip_frag_off & htons(IP_FRAG_OFF_MASK | IP_MORE_FRAGMENTS)) {
        return false;
    }
    switch (ip->ip_proto) {
    case IPPROTO_TCP:
        min_size = TCP_HEADER_LEN;
        break;
    case IPPROTO_UDP:
        min_size = UDP_HEADER_LEN;
        break;
    case IPPROTO_SCTP:
        min_size = SCTP_HEADER_LEN;
        break;
    default:
        return false;
    }
    l4_size = dp_packet_l4_size(packet);
    if (l4_size < min_size
        || (ip->ip_proto == IPPROTO_TCP
            && !container_map_pkt_tcp_ok(l4, l4_size))) {
        return false;
    }
    memcpy(dst_port, l4 + 2, sizeof *dst_port);
    if (!*dst_port) {
        return false;
    }
    *dst = get_16aligned_be32(&ip->ip_dst);
    *proto = ip->ip_proto;
    return true;
}

/* Rewrites the ARP request 'packet' into the reply "target IP is at 'mac'",
 * addressed to the requester. */
void container_map_arp_make_reply(struct dp_packet *packet,
                                  const struct eth_addr mac);

/* Rewrites the ARP request 'packet' into a probe (sender IP 0.0.0.0), which
 * a target answers straight to the sender's MAC without learning anything. */
void container_map_arp_make_probe(struct dp_packet *packet);

/* Rewrites the Neighbour Solicitation 'packet', parsed into 'pkt', into the
 * Neighbour Advertisement "the target is at 'mac'", addressed to the
 * solicitor (to all nodes, if it was duplicate address detection).  Returns
 * false, with 'packet' unchanged, if a DPDK packet has no room for it. */
bool container_map_nd_make_na(struct dp_packet *packet,
                              const struct container_map_pkt *pkt,
                              const struct eth_addr mac);

/* Rewrites the TCP segment 'packet' (IPv4 or IPv6, parsed into 'pkt', not
 * a RST) into the RST that answers it (RFC 9293 section 3.10.7.1), from
 * 'mac', with no IP options or extension headers. */
void container_map_tcp_make_rst(struct dp_packet *packet,
                                const struct container_map_pkt *pkt,
                                const struct eth_addr mac);

/* Rewrites the ICMP or ICMPv6 echo request 'packet' into its reply, from
 * 'mac'. */
void container_map_echo_make_reply(struct dp_packet *packet,
                                   const struct eth_addr mac);

#endif /* container-map-packet.h */
