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

#include <netinet/ip6.h>
#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "packets.h"

#define ICMP6_ECHO_REQUEST_TYPE 128
#define ICMP6_ECHO_REPLY_TYPE 129
#define ND_NS_TYPE 135
#define ND_NA_TYPE 136
#define ND_OPT_SLL 1
#define ND_OPT_TLL 2

/* The L4 header that a TCP, UDP, SCTP, ICMP or ICMPv6 packet must have
 * whole to be handled. */
static size_t
l4_header_len(uint8_t proto)
{
    return (proto == IPPROTO_TCP ? TCP_HEADER_LEN
            : proto == IPPROTO_UDP ? UDP_HEADER_LEN
            : proto == IPPROTO_SCTP ? SCTP_HEADER_LEN
            : ICMP_HEADER_LEN);
}

static bool
is_echo_request(uint8_t proto, uint8_t type)
{
    return (proto == IPPROTO_ICMP ? type == ICMP4_ECHO_REQUEST
            : type == ICMP6_ECHO_REQUEST_TYPE);
}

static bool
is_echo_reply(uint8_t proto, uint8_t type)
{
    return (proto == IPPROTO_ICMP ? type == ICMP4_ECHO_REPLY
            : type == ICMP6_ECHO_REPLY_TYPE);
}

/* Stores the ports of TCP, UDP or SCTP header 'l4', or the identifier of
 * echo message 'l4' as both. */
static void
get_ports(const uint8_t *l4, bool is_echo, struct container_map_pkt *pkt)
{
    if (is_echo) {
        memcpy(&pkt->src_port, l4 + 4, 2);
        pkt->dst_port = pkt->src_port;
    } else {
        memcpy(&pkt->src_port, l4, 2);
        memcpy(&pkt->dst_port, l4 + 2, 2);
    }
}

/* The packet's own IP header, as flow extraction left it: only a packet
 * whose L4 offset it set (its sanity checks passed), whose lengths agree
 * with that offset and whose IPv6 extension headers lead exactly there.
 * Stores the addresses and the protocol (after any IPv6 extension headers)
 * and returns true, or returns false for a malformed packet.  '*later' says
 * whether it is a fragment other than the first. */
static bool
parse_outer_ip(const struct dp_packet *packet, bool ipv4,
               struct container_map_pkt *pkt, bool *later)
{
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4 = dp_packet_l4(packet);
    size_t size = dp_packet_l3_size(packet);

    if (!l4 || l4 < l3) {
        return false;
    }
    if (ipv4) {
        const struct ip_header *ip = ALIGNED_CAST(const struct ip_header *,
                                                  l3);

        if (size < IP_HEADER_LEN || IP_VER(ip->ip_ihl_ver) != 4
            || IP_IHL(ip->ip_ihl_ver) * 4 != l4 - l3
            || ntohs(ip->ip_tot_len) != size) {
            return false;
        }
        in6_addr_set_mapped_ipv4(&pkt->src, get_16aligned_be32(&ip->ip_src));
        in6_addr_set_mapped_ipv4(&pkt->dst, get_16aligned_be32(&ip->ip_dst));
        pkt->proto = ip->ip_proto;
        *later = (ip->ip_frag_off & htons(IP_FRAG_OFF_MASK)) != 0;
        pkt->frag = (ip->ip_frag_off
                     & htons(IP_FRAG_OFF_MASK | IP_MORE_FRAGMENTS)) != 0;
        pkt->frag_id = ntohs(ip->ip_id);
    } else {
        const struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, l3);
        const struct ovs_16aligned_ip6_frag *frag_hdr;
        const void *data = l3 + IPV6_HEADER_LEN;
        size_t rest = size - IPV6_HEADER_LEN;
        uint8_t nw_frag = 0;

        if (size < IPV6_HEADER_LEN || (l3[0] >> 4) != 6
            || ntohs(ip6->ip6_plen) + IPV6_HEADER_LEN != size) {
            return false;
        }
        pkt->proto = ip6->ip6_nxt;
        if (!parse_ipv6_ext_hdrs(&data, &rest, &pkt->proto, &nw_frag,
                                 &frag_hdr) || data != l4) {
            return false;
        }
        memcpy(&pkt->src, &ip6->ip6_src, sizeof pkt->src);
        memcpy(&pkt->dst, &ip6->ip6_dst, sizeof pkt->dst);
        *later = (nw_frag & FLOW_NW_FRAG_LATER) != 0;
        pkt->frag = (nw_frag & FLOW_NW_FRAG_ANY) != 0;
        pkt->frag_id = (pkt->frag && frag_hdr
                        ? ntohl(get_16aligned_be32(&frag_hdr->ip6f_ident))
                        : 0);
        if (*later && frag_hdr) {
            /* Flow extraction says IPPROTO_FRAGMENT: the protocol is that
             * of the first fragment's next header. */
            pkt->proto = frag_hdr->ip6f_nxt;
        }
        if (IN6_IS_ADDR_V4MAPPED(&pkt->src)
            || IN6_IS_ADDR_V4MAPPED(&pkt->dst)) {
            /* Never on the wire (RFC 4291 section 2.5.5.2), and the form
             * in which the map keeps IPv4 addresses. */
            return false;
        }
    }
    return true;
}

/* The packet embedded in an ICMP (IPv4, if 'ipv4') error: its IP header and
 * at least the 8 bytes after it, all within the 'size' bytes at 'p'.
 * Returns 1 and fills 'inner' for a TCP, UDP or SCTP packet or an echo
 * request, 0 for another packet, -1 for a short or lying header. */
static int
parse_inner(const uint8_t *p, size_t size, bool ipv4,
            struct container_map_pkt *inner)
{
    const uint8_t *l4;
    size_t l4_size;

    if (ipv4) {
        const struct ip_header *ip = ALIGNED_CAST(const struct ip_header *,
                                                  p);
        size_t ihl;

        if (size < IP_HEADER_LEN || IP_VER(ip->ip_ihl_ver) != 4) {
            return -1;
        }
        ihl = IP_IHL(ip->ip_ihl_ver) * 4;
        if (ihl < IP_HEADER_LEN || ihl > size) {
            return -1;
        }
        if (ip->ip_frag_off & htons(IP_FRAG_OFF_MASK)) {
            return 0;
        }
        in6_addr_set_mapped_ipv4(&inner->src,
                                 get_16aligned_be32(&ip->ip_src));
        in6_addr_set_mapped_ipv4(&inner->dst,
                                 get_16aligned_be32(&ip->ip_dst));
        inner->proto = ip->ip_proto;
        l4 = p + ihl;
        l4_size = size - ihl;
    } else {
        const struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, p);
        const struct ovs_16aligned_ip6_frag *frag_hdr;
        const void *data;
        uint8_t nw_frag = 0;

        if (size < IPV6_HEADER_LEN || (p[0] >> 4) != 6) {
            return -1;
        }
        data = p + IPV6_HEADER_LEN;
        l4_size = size - IPV6_HEADER_LEN;
        inner->proto = ip6->ip6_nxt;
        if (!parse_ipv6_ext_hdrs(&data, &l4_size, &inner->proto, &nw_frag,
                                 &frag_hdr)) {
            return -1;
        }
        if (nw_frag & FLOW_NW_FRAG_LATER) {
            return 0;
        }
        memcpy(&inner->src, &ip6->ip6_src, sizeof inner->src);
        memcpy(&inner->dst, &ip6->ip6_dst, sizeof inner->dst);
        if (IN6_IS_ADDR_V4MAPPED(&inner->src)
            || IN6_IS_ADDR_V4MAPPED(&inner->dst)) {
            return -1;
        }
        l4 = data;
    }

    if (container_map_is_ports_proto(inner->proto)
        || inner->proto == (ipv4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
        bool is_echo = !container_map_is_ports_proto(inner->proto);

        if (l4_size < 8) {
            return -1;
        }
        if (is_echo && !is_echo_request(inner->proto, l4[0])) {
            return 0;
        }
        get_ports(l4, is_echo, inner);
        return 1;
    }
    return 0;
}

/* An ICMP or ICMPv6 message 'l4' of 'size' bytes (at least a header). */
static void
parse_icmp(const uint8_t *l4, size_t size, struct container_map_pkt *pkt)
{
    bool v4 = pkt->proto == IPPROTO_ICMP;
    uint8_t type = l4[0];
    struct container_map_pkt inner;
    bool is_error;

    pkt->icmp_type = type;
    if (is_echo_request(pkt->proto, type) || is_echo_reply(pkt->proto, type)) {
        get_ports(l4, true, pkt);
        pkt->kind = (is_echo_request(pkt->proto, type)
                     ? CONTAINER_MAP_PKT_ECHO_REQUEST
                     : CONTAINER_MAP_PKT_ECHO_REPLY);
        return;
    }

    is_error = (v4
                ? (type == ICMP4_DST_UNREACH || type == ICMP4_TIME_EXCEEDED
                   || type == ICMP4_PARAM_PROB)
                : type >= 1 && type <= 4);
    if (!is_error) {
        return;
    }
    switch (parse_inner(l4 + ICMP_HEADER_LEN, size - ICMP_HEADER_LEN, v4,
                        &inner)) {
    case 1:
        if (!ipv6_addr_equals(&inner.src, &pkt->dst)) {
            /* Not about a packet from where it goes. */
            pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
            break;
        }
        pkt->kind = CONTAINER_MAP_PKT_ICMP_ERROR;
        pkt->icmp_src = pkt->src;
        pkt->proto = inner.proto;
        pkt->src = inner.src;
        pkt->dst = inner.dst;
        pkt->src_port = inner.src_port;
        pkt->dst_port = inner.dst_port;
        break;
    case -1:
        pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
        break;
    default:
        break;
    }
}

/* Whether IPv6 address 'dst' is the solicited-node multicast group of
 * 'target'. */
static bool
is_solicited_node(const struct in6_addr *dst, const struct in6_addr *target)
{
    struct in6_addr group;

    in6_addr_solicited_node(&group, target);
    return ipv6_addr_equals(dst, &group);
}

/* The Neighbour Solicitation or Advertisement 'l4' of 'size' bytes, in IPv6
 * packet 'packet' already parsed into 'pkt' (whose 'proto' is ICMPv6): the
 * checks of RFC 4861 section 7.1, which a receiver makes before it believes
 * any of it.  Fills in the kind, the target and the link-layer address
 * option. */
static void
parse_nd(const struct dp_packet *packet, const uint8_t *l4, size_t size,
         struct container_map_pkt *pkt)
{
    const struct ovs_16aligned_ip6_hdr *ip6 = dp_packet_l3(packet);
    const struct ovs_nd_msg *nd = ALIGNED_CAST(const struct ovs_nd_msg *,
                                               l4);
    bool ns = l4[0] == ND_NS_TYPE;
    const uint8_t *opt;
    size_t left;

    pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
    if (size < ND_MSG_LEN || size > UINT16_MAX || ip6->ip6_hlim != 255
        || l4[1] != 0
        || packet_csum_upperlayer6(ip6, l4, IPPROTO_ICMPV6, size)) {
        return;
    }
    memcpy(&pkt->icmp_src, &nd->target, sizeof pkt->icmp_src);
    if (ipv6_addr_is_multicast(&pkt->icmp_src)
        || IN6_IS_ADDR_V4MAPPED(&pkt->icmp_src)) {
        return;
    }

    pkt->nd_lla = eth_addr_zero;
    opt = l4 + ND_MSG_LEN;
    left = size - ND_MSG_LEN;
    while (left) {
        size_t len;

        if (left < 8 || !opt[1] || opt[1] * 8 > left) {
            return;
        }
        len = opt[1] * 8;
        if (opt[0] == (ns ? ND_OPT_SLL : ND_OPT_TLL) && len == 8) {
            memcpy(&pkt->nd_lla, opt + 2, sizeof pkt->nd_lla);
        }
        opt += len;
        left -= len;
    }

    if (ns) {
        if (!ipv6_addr_is_set(&pkt->src)
            && (!is_solicited_node(&pkt->dst, &pkt->icmp_src)
                || !eth_addr_is_zero(pkt->nd_lla))) {
            return;
        }
        pkt->kind = CONTAINER_MAP_PKT_ND_NS;
    } else {
        if (ipv6_addr_is_multicast(&pkt->dst)
            && get_16aligned_be32(&nd->rso_flags) & htonl(ND_RSO_SOLICITED)) {
            return;
        }
        pkt->kind = CONTAINER_MAP_PKT_ND_NA;
    }
}

void
container_map_pkt_parse(const struct dp_packet *packet,
                        struct container_map_pkt *pkt)
{
    const struct eth_header *eth = dp_packet_eth(packet);
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4;
    size_t l4_size;
    bool ipv4, later;

    pkt->kind = CONTAINER_MAP_PKT_OTHER;
    pkt->tcp_flags = 0;
    pkt->icmp_type = 0;
    pkt->frag = false;
    pkt->frag_id = 0;
    pkt->src = pkt->dst = pkt->icmp_src = in6addr_any;
    pkt->nd_lla = eth_addr_zero;

    /* Only untagged Ethernet frames: the action rewrites the Ethernet
     * destination and handles no VLAN tag. */
    if (!eth || dp_packet_size(packet) < ETH_HEADER_LEN) {
        pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
        return;
    } else if (!l3) {
        return;                 /* An Ethertype flow extraction ignores. */
    } else if (l3 != (const uint8_t *) eth + ETH_HEADER_LEN) {
        pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
        return;
    }

    if (eth->eth_type == htons(ETH_TYPE_ARP)) {
        const struct arp_eth_header *arp = (const void *) l3;

        if (dp_packet_l3_size(packet) < ARP_ETH_HEADER_LEN) {
            pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
        } else if (arp->ar_hrd == htons(1)
                   && arp->ar_pro == htons(ETH_TYPE_IP)
                   && arp->ar_hln == ETH_ADDR_LEN && arp->ar_pln == 4) {
            pkt->kind = CONTAINER_MAP_PKT_ARP;
        }
        return;
    } else if (eth->eth_type == htons(ETH_TYPE_IP)) {
        ipv4 = true;
    } else if (eth->eth_type == htons(ETH_TYPE_IPV6)) {
        ipv4 = false;
    } else {
        return;
    }

    if (!parse_outer_ip(packet, ipv4, pkt, &later)) {
        pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
        return;
    } else if (later) {
        pkt->kind = CONTAINER_MAP_PKT_FRAGMENT;
        return;
    } else if (!container_map_is_ports_proto(pkt->proto)
               && pkt->proto != (ipv4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
        return;
    }

    l4 = dp_packet_l4(packet);
    l4_size = dp_packet_l4_size(packet);
    if (l4_size < l4_header_len(pkt->proto)
        || (pkt->proto == IPPROTO_TCP
            && !container_map_pkt_tcp_ok(l4, l4_size))) {
        pkt->kind = CONTAINER_MAP_PKT_MALFORMED;
        return;
    }
    if (container_map_is_ports_proto(pkt->proto)) {
        get_ports(l4, false, pkt);
        if (pkt->dst_port) {
            pkt->kind = CONTAINER_MAP_PKT_L4;
            if (pkt->proto == IPPROTO_TCP) {
                pkt->tcp_flags = l4[13];
            }
        }
    } else if (!ipv4 && (l4[0] == ND_NS_TYPE || l4[0] == ND_NA_TYPE)) {
        pkt->icmp_type = l4[0];
        parse_nd(packet, l4, l4_size, pkt);
    } else {
        parse_icmp(l4, l4_size, pkt);
    }
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

bool
container_map_nd_make_na(struct dp_packet *packet,
                         const struct container_map_pkt *pkt,
                         const struct eth_addr mac)
{
    const size_t l4_ofs = ETH_HEADER_LEN + IPV6_HEADER_LEN;
    const size_t size = l4_ofs + ND_MSG_LEN + ND_LLA_OPT_LEN;
    struct ovs_16aligned_ip6_hdr *ip6;
    struct eth_header *eth;
    struct ovs_nd_msg *nd;
    bool dad = !ipv6_addr_is_set(&pkt->src);
    struct in6_addr dst = dad ? in6addr_all_hosts : pkt->src;
    struct eth_addr eth_dst;

    if (dp_packet_size(packet) < size) {
        size_t more = size - dp_packet_size(packet);

        if (packet->source == DPBUF_DPDK
            && dp_packet_tailroom(packet) < more) {
            return false;
        }
        dp_packet_put_zeros(packet, more);
    } else {
        dp_packet_set_size(packet, size);
    }
    packet->l2_pad_size = 0;

    eth = dp_packet_eth(packet);
    if (dad) {
        ipv6_multicast_to_ethernet(&eth_dst, &dst);
    } else {
        eth_dst = (eth_addr_is_zero(pkt->nd_lla) ? eth->eth_src
                   : pkt->nd_lla);
    }
    eth->eth_dst = eth_dst;
    eth->eth_src = mac;

    /* A new IPv6 header, without whatever extension headers the request
     * had. */
    dp_packet_set_l4(packet, (uint8_t *) dp_packet_data(packet) + l4_ofs);
    ip6 = dp_packet_l3(packet);
    put_16aligned_be32(&ip6->ip6_flow, htonl(6 << 28));
    ip6->ip6_plen = htons(ND_MSG_LEN + ND_LLA_OPT_LEN);
    ip6->ip6_nxt = IPPROTO_ICMPV6;
    ip6->ip6_hlim = 255;
    memcpy(&ip6->ip6_src, &pkt->icmp_src, sizeof ip6->ip6_src);
    memcpy(&ip6->ip6_dst, &dst, sizeof ip6->ip6_dst);

    nd = dp_packet_l4(packet);
    nd->icmph.icmp6_type = ND_NA_TYPE;
    nd->icmph.icmp6_code = 0;
    nd->icmph.icmp6_cksum = 0;
    put_16aligned_be32(&nd->rso_flags,
                       htonl(dad ? ND_RSO_OVERRIDE
                             : ND_RSO_SOLICITED | ND_RSO_OVERRIDE));
    memcpy(&nd->target, &pkt->icmp_src, sizeof nd->target);
    nd->options[0].type = ND_OPT_TLL;
    nd->options[0].len = 1;
    nd->options[0].mac = mac;
    nd->icmph.icmp6_cksum = packet_csum_upperlayer6(ip6, nd, IPPROTO_ICMPV6,
                                                    ND_MSG_LEN
                                                    + ND_LLA_OPT_LEN);
    return true;
}

void
container_map_tcp_make_rst(struct dp_packet *packet,
                           const struct container_map_pkt *pkt,
                           const struct eth_addr mac)
{
    const struct tcp_header *in = dp_packet_l4(packet);
    bool ipv4 = IN6_IS_ADDR_V4MAPPED(&pkt->src);
    size_t l3_len = ipv4 ? IP_HEADER_LEN : IPV6_HEADER_LEN;
    uint32_t seq = ntohl(get_16aligned_be32(&in->tcp_seq));
    uint32_t ack = ntohl(get_16aligned_be32(&in->tcp_ack));
    uint16_t flags = TCP_FLAGS(in->tcp_ctl);
    size_t data_len = dp_packet_l4_size(packet) - TCP_OFFSET(in->tcp_ctl) * 4;
    struct eth_header *eth = dp_packet_eth(packet);
    uint8_t *l3 = dp_packet_l3(packet);
    struct tcp_header *tcp;

    eth->eth_dst = eth->eth_src;
    eth->eth_src = mac;
    dp_packet_set_l4(packet, l3 + l3_len);
    dp_packet_set_size(packet, ETH_HEADER_LEN + l3_len + TCP_HEADER_LEN);
    packet->l2_pad_size = 0;

    tcp = dp_packet_l4(packet);
    tcp->tcp_src = pkt->dst_port;
    tcp->tcp_dst = pkt->src_port;
    if (flags & TCP_ACK) {
        put_16aligned_be32(&tcp->tcp_seq, htonl(ack));
        put_16aligned_be32(&tcp->tcp_ack, htonl(0));
        tcp->tcp_ctl = TCP_CTL(TCP_RST, 5);
    } else {
        seq += data_len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
        put_16aligned_be32(&tcp->tcp_seq, htonl(0));
        put_16aligned_be32(&tcp->tcp_ack, htonl(seq));
        tcp->tcp_ctl = TCP_CTL(TCP_RST | TCP_ACK, 5);
    }
    tcp->tcp_winsz = 0;
    tcp->tcp_urg = 0;
    tcp->tcp_csum = 0;

    if (ipv4) {
        struct ip_header *ip = ALIGNED_CAST(struct ip_header *, l3);

        ip->ip_ihl_ver = IP_IHL_VER(5, 4);
        ip->ip_tos = 0;
        ip->ip_tot_len = htons(IP_HEADER_LEN + TCP_HEADER_LEN);
        ip->ip_id = 0;
        ip->ip_frag_off = htons(IP_DONT_FRAGMENT);
        ip->ip_ttl = 64;
        ip->ip_proto = IPPROTO_TCP;
        put_16aligned_be32(&ip->ip_src,
                           in6_addr_get_mapped_ipv4(&pkt->dst));
        put_16aligned_be32(&ip->ip_dst,
                           in6_addr_get_mapped_ipv4(&pkt->src));
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, IP_HEADER_LEN);
        tcp->tcp_csum = csum_finish(csum_continue(
                                        packet_csum_pseudoheader(ip), tcp,
                                        TCP_HEADER_LEN));
    } else {
        struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(struct ovs_16aligned_ip6_hdr *, l3);

        put_16aligned_be32(&ip6->ip6_flow, htonl(6 << 28));
        ip6->ip6_plen = htons(TCP_HEADER_LEN);
        ip6->ip6_nxt = IPPROTO_TCP;
        ip6->ip6_hlim = 64;
        memcpy(&ip6->ip6_src, &pkt->dst, sizeof ip6->ip6_src);
        memcpy(&ip6->ip6_dst, &pkt->src, sizeof ip6->ip6_dst);
        tcp->tcp_csum = packet_csum_upperlayer6(ip6, tcp, IPPROTO_TCP,
                                                TCP_HEADER_LEN);
    }
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
