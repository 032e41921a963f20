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

#include <config.h>

#include "container-map-packet.h"

#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "packets.h"

#define ICMP6_ECHO_REQUEST_TYPE 128
#define ICMP6_ECHO_REPLY_TYPE 129

static bool
is_ports_proto(uint8_t proto)
{
    return (proto == IPPROTO_TCP || proto == IPPROTO_UDP
            || proto == IPPROTO_SCTP);
}

/* Parses the IP header at 'l3' ('size' bytes are there) for the addresses
 * and protocol.  Returns the L4 header and its size, or NULL. */
static const uint8_t *
parse_ip(const uint8_t *l3, size_t size, struct container_map_pkt *pkt,
         size_t *l4_size)
{
    if (size >= IP_HEADER_LEN && (l3[0] >> 4) == 4) {
        const struct ip_header *ip = ALIGNED_CAST(const struct ip_header *,
                                                  l3);
        size_t ihl = IP_IHL(ip->ip_ihl_ver) * 4;

        if (ihl < IP_HEADER_LEN || ihl > size
            || ip->ip_frag_off & htons(IP_FRAG_OFF_MASK)) {
            return NULL;
        }
        in6_addr_set_mapped_ipv4(&pkt->src, get_16aligned_be32(&ip->ip_src));
        in6_addr_set_mapped_ipv4(&pkt->dst, get_16aligned_be32(&ip->ip_dst));
        pkt->proto = ip->ip_proto;
        *l4_size = size - ihl;
        return l3 + ihl;
    } else if (size >= IPV6_HEADER_LEN && (l3[0] >> 4) == 6) {
        const struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, l3);

        memcpy(&pkt->src, &ip6->ip6_src, sizeof pkt->src);
        memcpy(&pkt->dst, &ip6->ip6_dst, sizeof pkt->dst);
        pkt->proto = ip6->ip6_nxt;
        *l4_size = size - IPV6_HEADER_LEN;
        return l3 + IPV6_HEADER_LEN;
    }
    return NULL;
}

/* Parses the ports or echo identifier at 'l4'.  Returns false if they are
 * not there. */
static bool
parse_ports(const uint8_t *l4, size_t size, struct container_map_pkt *pkt,
            bool is_echo)
{
    if (size < 8 && !(size >= 4 && !is_echo)) {
        return false;
    }
    if (is_echo) {
        memcpy(&pkt->src_port, l4 + 4, 2);
        pkt->dst_port = pkt->src_port;
    } else {
        memcpy(&pkt->src_port, l4, 2);
        memcpy(&pkt->dst_port, l4 + 2, 2);
    }
    return true;
}

static bool
is_echo_request(uint8_t proto, uint8_t type)
{
    return (proto == IPPROTO_ICMP ? type == ICMP4_ECHO_REQUEST
            : type == ICMP6_ECHO_REQUEST_TYPE);
}

void
container_map_pkt_parse(const struct dp_packet *packet,
                        struct container_map_pkt *pkt)
{
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4;
    size_t l4_size;

    ovs_be16 ethertype;

    pkt->kind = CONTAINER_MAP_PKT_OTHER;
    pkt->tcp_flags = 0;
    if (!l3) {
        return;
    }

    /* The Ethertype of the L3 header: the one just before it in an Ethernet
     * frame (after any VLAN tags), or the packet type's for an L3 packet. */
    if (dp_packet_is_eth(packet)) {
        if (l3 < (const uint8_t *) dp_packet_data(packet) + ETH_HEADER_LEN) {
            return;
        }
        memcpy(&ethertype, l3 - 2, sizeof ethertype);
    } else if (pt_ns(packet->packet_type) == OFPHTN_ETHERTYPE) {
        ethertype = pt_ns_type_be(packet->packet_type);
    } else {
        return;
    }

    if (ethertype == htons(ETH_TYPE_ARP)) {
        if (dp_packet_l3_size(packet) >= ARP_ETH_HEADER_LEN) {
            const struct arp_eth_header *arp = (const void *) l3;

            if (arp->ar_hrd == htons(1) && arp->ar_pro == htons(ETH_TYPE_IP)
                && arp->ar_hln == ETH_ADDR_LEN && arp->ar_pln == 4) {
                pkt->kind = CONTAINER_MAP_PKT_ARP;
            }
        }
        return;
    }

    if (ethertype != htons(ETH_TYPE_IP) && ethertype != htons(ETH_TYPE_IPV6)) {
        return;
    }
    l4 = parse_ip(l3, dp_packet_l3_size(packet), pkt, &l4_size);
    if (!l4 || IN6_IS_ADDR_V4MAPPED(&pkt->src)
               != (ethertype == htons(ETH_TYPE_IP))) {
        return;
    }
    if (is_ports_proto(pkt->proto)) {
        if (parse_ports(l4, l4_size, pkt, false) && pkt->dst_port) {
            pkt->kind = CONTAINER_MAP_PKT_L4;
            if (pkt->proto == IPPROTO_TCP && l4_size >= TCP_HEADER_LEN) {
                pkt->tcp_flags = l4[13];
            }
        }
        return;
    }

    bool v4 = pkt->proto == IPPROTO_ICMP;
    if ((!v4 && pkt->proto != IPPROTO_ICMPV6) || l4_size < 8) {
        return;
    }
    uint8_t type = l4[0];
    if (is_echo_request(pkt->proto, type)
        || type == (v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY_TYPE)) {
        parse_ports(l4, l4_size, pkt, true);
        pkt->kind = (is_echo_request(pkt->proto, type)
                     ? CONTAINER_MAP_PKT_ECHO_REQUEST
                     : CONTAINER_MAP_PKT_ECHO_REPLY);
        return;
    }

    bool is_error = (v4
                     ? (type == ICMP4_DST_UNREACH
                        || type == ICMP4_TIME_EXCEEDED
                        || type == ICMP4_PARAM_PROB)
                     : type >= 1 && type <= 4);
    if (!is_error) {
        return;
    }

    /* The embedded packet: its IP header and the first 8 bytes after it. */
    struct container_map_pkt inner;
    const uint8_t *inner_l4 = parse_ip(l4 + 8, l4_size - 8, &inner, &l4_size);
    if (!inner_l4 || (v4 != IN6_IS_ADDR_V4MAPPED(&inner.src))) {
        return;
    }
    if (is_ports_proto(inner.proto)) {
        if (!parse_ports(inner_l4, l4_size, &inner, false)) {
            return;
        }
    } else if (inner.proto == pkt->proto && l4_size >= 8
               && is_echo_request(inner.proto, inner_l4[0])) {
        parse_ports(inner_l4, l4_size, &inner, true);
    } else {
        return;
    }
    pkt->kind = CONTAINER_MAP_PKT_ICMP_ERROR;
    pkt->proto = inner.proto;
    pkt->src = inner.src;
    pkt->dst = inner.dst;
    pkt->src_port = inner.src_port;
    pkt->dst_port = inner.dst_port;
}

void
container_map_arp_make_reply(struct dp_packet *packet,
                             const struct eth_addr mac)
{
    struct eth_header *eth = dp_packet_eth(packet);
    struct arp_eth_header *arp = dp_packet_l3(packet);
    ovs_be32 spa = get_16aligned_be32(&arp->ar_spa);
    ovs_be32 tpa = get_16aligned_be32(&arp->ar_tpa);

    eth->eth_dst = arp->ar_sha;
    eth->eth_src = mac;
    arp->ar_op = htons(ARP_OP_REPLY);
    arp->ar_tha = arp->ar_sha;
    arp->ar_sha = mac;
    put_16aligned_be32(&arp->ar_tpa, spa);
    put_16aligned_be32(&arp->ar_spa, tpa);
}

void
container_map_arp_make_probe(struct dp_packet *packet)
{
    struct arp_eth_header *arp = dp_packet_l3(packet);

    put_16aligned_be32(&arp->ar_spa, htonl(0));
}

void
container_map_echo_make_reply(struct dp_packet *packet,
                              const struct eth_addr mac)
{
    struct eth_header *eth = dp_packet_eth(packet);
    uint8_t *l3 = dp_packet_l3(packet);
    struct icmp_header *icmp = dp_packet_l4(packet);
    uint8_t reply_type;

    eth->eth_dst = eth->eth_src;
    eth->eth_src = mac;

    if ((l3[0] >> 4) == 4) {
        struct ip_header *ip = ALIGNED_CAST(struct ip_header *, l3);
        ovs_16aligned_be32 src = ip->ip_src;
        uint16_t old_ttl_word = ((uint16_t) ip->ip_ttl << 8) | ip->ip_proto;

        ip->ip_src = ip->ip_dst;
        ip->ip_dst = src;
        ip->ip_ttl = 64;
        ip->ip_csum = recalc_csum16(ip->ip_csum, htons(old_ttl_word),
                                    htons((64 << 8) | ip->ip_proto));
        reply_type = ICMP4_ECHO_REPLY;
    } else {
        struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(struct ovs_16aligned_ip6_hdr *, l3);
        union ovs_16aligned_in6_addr src = ip6->ip6_src;

        /* Swapping the addresses leaves the pseudo-header sum unchanged. */
        ip6->ip6_src = ip6->ip6_dst;
        ip6->ip6_dst = src;
        ip6->ip6_hlim = 64;
        reply_type = ICMP6_ECHO_REPLY_TYPE;
    }
    icmp->icmp_csum = recalc_csum16(icmp->icmp_csum,
                                    htons(((uint16_t) icmp->icmp_type << 8)
                                          | icmp->icmp_code),
                                    htons(((uint16_t) reply_type << 8)
                                          | icmp->icmp_code));
    icmp->icmp_type = reply_type;
}
