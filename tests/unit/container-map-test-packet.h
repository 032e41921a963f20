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

/* Helpers of the unit tests of lib/container-map-packet (packet parsing and
 * in-place replies): test-container-map-parse.c,
 * test-container-map-parse-errors.c and test-container-map-rewrite.c.
 * Packets are built as the datapath gets them, with their offsets set by
 * flow extraction. */

#ifndef CONTAINER_MAP_TEST_PACKET_H
#define CONTAINER_MAP_TEST_PACKET_H 1

#include <netinet/ip6.h>
#include <string.h>

#include "container-map-packet.h"
#include "container-map-test.h"
#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"

/* Ethernet addresses of test packets: the switch's and a remote router's. */
static const struct eth_addr sw_mac = ETH_ADDR_C(02, 00, 00, 00, 00, aa);
static const struct eth_addr peer_mac = ETH_ADDR_C(50, 54, 00, 00, 00, 01);

/* Returns a new Ethernet frame 'src' -> 'dst' of 'eth_type' carrying 'l3',
 * padded with 'pad' bytes of trailer, with its offsets set by flow
 * extraction as the datapath does. */
static inline struct dp_packet *
make_frame(struct eth_addr dst, struct eth_addr src, uint16_t eth_type,
           const struct ofpbuf *l3, size_t pad)
{
    struct dp_packet *p;
    struct eth_header *eth;
    struct flow flow;

    /* 2 bytes of headroom align the L3 header on 32 bits. */
    p = dp_packet_new_with_headroom(ETH_HEADER_LEN + l3->size + pad, 2);
    eth = dp_packet_put_zeros(p, ETH_HEADER_LEN);
    eth->eth_dst = dst;
    eth->eth_src = src;
    eth->eth_type = htons(eth_type);
    dp_packet_put(p, l3->data, l3->size);
    /* A trailer that would look like ports if it were read as such. */
    memset(dp_packet_put_uninit(p, pad), 0x5a, pad);
    flow_extract(p, &flow);
    return p;
}

/* Ethernet frames are at least 60 bytes (without the FCS). */
static inline size_t
min_frame_pad(const struct ofpbuf *l3)
{
    return l3->size + ETH_HEADER_LEN < 60 ? 60 - ETH_HEADER_LEN - l3->size
                                          : 0;
}

/* Appends to 'b' an IPv4 header with 'n_opts' 4-byte option words,
 * 'src' -> 'dst' (host byte order), carrying 'l4' as 'proto', with a valid
 * checksum, then 'l4'.  'frag' is the host-order flags and offset field. */
static inline void
put_ip4_opts(struct ofpbuf *b, uint32_t src, uint32_t dst, uint8_t proto,
             uint16_t frag, uint8_t ttl, size_t n_opts,
             const struct ofpbuf *l4)
{
    size_t hlen = IP_HEADER_LEN + 4 * n_opts;
    size_t ofs = b->size;
    struct ip_header *ip;
    uint8_t *opts;

    ip = ofpbuf_put_zeros(b, IP_HEADER_LEN);
    ip->ip_ihl_ver = IP_IHL_VER(hlen / 4, 4);
    ip->ip_tot_len = htons(hlen + l4->size);
    ip->ip_id = htons(0x1234);
    ip->ip_frag_off = htons(frag);
    ip->ip_ttl = ttl;
    ip->ip_proto = proto;
    put_16aligned_be32(&ip->ip_src, htonl(src));
    put_16aligned_be32(&ip->ip_dst, htonl(dst));
    opts = ofpbuf_put_uninit(b, 4 * n_opts);
    memset(opts, 1, 4 * n_opts);    /* NOPs. */

    ip = ofpbuf_at_assert(b, ofs, hlen);
    ip->ip_csum = csum(ip, hlen);
    ofpbuf_put(b, l4->data, l4->size);
}

static inline void
put_ip4(struct ofpbuf *b, uint32_t src, uint32_t dst, uint8_t proto,
        const struct ofpbuf *l4)
{
    put_ip4_opts(b, src, dst, proto, 0, 61, 0, l4);
}

/* Appends to 'b' an IPv6 header 'src' -> 'dst' whose next header is 'nxt',
 * then 'l4'. */
static inline void
put_ip6(struct ofpbuf *b, const char *src, const char *dst, uint8_t nxt,
        uint8_t hlim, const struct ofpbuf *l4)
{
    struct ovs_16aligned_ip6_hdr *ip6 = ofpbuf_put_zeros(b, sizeof *ip6);
    struct in6_addr a;

    put_16aligned_be32(&ip6->ip6_flow, htonl(0x60000000));
    ip6->ip6_plen = htons(l4->size);
    ip6->ip6_nxt = nxt;
    ip6->ip6_hlim = hlim;
    a = ip6_addr(src);
    memcpy(&ip6->ip6_src, &a, sizeof a);
    a = ip6_addr(dst);
    memcpy(&ip6->ip6_dst, &a, sizeof a);
    ofpbuf_put(b, l4->data, l4->size);
}

static inline void
put_tcp(struct ofpbuf *b, uint16_t src, uint16_t dst, uint16_t flags)
{
    struct tcp_header *tcp = ofpbuf_put_zeros(b, sizeof *tcp);

    tcp->tcp_src = htons(src);
    tcp->tcp_dst = htons(dst);
    put_16aligned_be32(&tcp->tcp_seq, htonl(0x01020304));
    tcp->tcp_ctl = TCP_CTL(flags, 5);
    tcp->tcp_winsz = htons(65535);
}

static inline void
put_udp(struct ofpbuf *b, uint16_t src, uint16_t dst, size_t n_payload)
{
    struct udp_header *udp = ofpbuf_put_zeros(b, sizeof *udp);

    udp->udp_src = htons(src);
    udp->udp_dst = htons(dst);
    udp->udp_len = htons(sizeof *udp + n_payload);
    ofpbuf_put_zeros(b, n_payload);
}

static inline void
put_sctp(struct ofpbuf *b, uint16_t src, uint16_t dst)
{
    struct sctp_header *sctp = ofpbuf_put_zeros(b, sizeof *sctp);

    sctp->sctp_src = htons(src);
    sctp->sctp_dst = htons(dst);
    put_16aligned_be32(&sctp->sctp_vtag, htonl(0xdeadbeef));
}

/* Appends an ICMP or ICMPv6 header of 'type' and 'code' with 'id' and 'seq'
 * in its second word, then 'n_payload' bytes.  The checksum is zero. */
static inline void
put_icmp(struct ofpbuf *b, uint8_t type, uint8_t code, uint16_t id,
         uint16_t seq, size_t n_payload)
{
    struct icmp_header *icmp = ofpbuf_put_zeros(b, sizeof *icmp);
    uint8_t *payload;

    icmp->icmp_type = type;
    icmp->icmp_code = code;
    icmp->icmp_fields.echo.id = htons(id);
    icmp->icmp_fields.echo.seq = htons(seq);
    payload = ofpbuf_put_uninit(b, n_payload);
    for (size_t i = 0; i < n_payload; i++) {
        payload[i] = i * 37 + 11;
    }
}

/* Sets the ICMP checksum of the ICMP message in 'l4'. */
static inline void
icmp4_set_csum(struct ofpbuf *l4)
{
    struct icmp_header *icmp = l4->data;

    icmp->icmp_csum = 0;
    icmp->icmp_csum = csum(l4->data, l4->size);
}

/* Sets the ICMPv6 checksum of 'p', whose L4 header follows the IPv6
 * header. */
static inline void
icmp6_set_csum(struct dp_packet *p)
{
    struct icmp_header *icmp = dp_packet_l4(p);
    uint32_t partial = packet_csum_pseudoheader6(dp_packet_l3(p));

    icmp->icmp_csum = 0;
    icmp->icmp_csum = csum_finish(csum_continue(partial, icmp,
                                                dp_packet_l4_size(p)));
}

/* Returns a new IPv4 packet from the peer's MAC to the switch's. */
static inline struct dp_packet *
make_ip4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag,
         size_t n_opts, const struct ofpbuf *l4)
{
    struct dp_packet *p;
    struct ofpbuf l3;

    ofpbuf_init(&l3, 128);
    put_ip4_opts(&l3, src, dst, proto, frag, 61, n_opts, l4);
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IP, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

static inline struct dp_packet *
make_ip6(const char *src, const char *dst, uint8_t nxt,
         const struct ofpbuf *l4)
{
    struct dp_packet *p;
    struct ofpbuf l3;

    ofpbuf_init(&l3, 128);
    put_ip6(&l3, src, dst, nxt, 61, l4);
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IPV6, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

/* Returns an Ethernet ARP packet. */
static inline struct dp_packet *
make_arp(struct eth_addr eth_dst, uint16_t op, struct eth_addr sha,
         uint32_t spa, struct eth_addr tha, uint32_t tpa)
{
    struct arp_eth_header *arp;
    struct dp_packet *p;
    struct ofpbuf l3;

    ofpbuf_init(&l3, 64);
    arp = ofpbuf_put_zeros(&l3, sizeof *arp);
    arp->ar_hrd = htons(ARP_HRD_ETHERNET);
    arp->ar_pro = htons(ARP_PRO_IP);
    arp->ar_hln = ETH_ADDR_LEN;
    arp->ar_pln = 4;
    arp->ar_op = htons(op);
    arp->ar_sha = sha;
    put_16aligned_be32(&arp->ar_spa, htonl(spa));
    arp->ar_tha = tha;
    put_16aligned_be32(&arp->ar_tpa, htonl(tpa));
    p = make_frame(eth_dst, sha, ETH_TYPE_ARP, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

/* Parses 'p' into 'pkt', which starts out as garbage.  Also checks that the
 * fast path's shortcut, container_map_pkt_ipv4_dst(), agrees: it takes
 * exactly the IPv4 TCP, UDP and SCTP packets in Ethernet frames that the
 * full parse finds, with the same destination, protocol and port. */
static inline void
parse(const struct dp_packet *p, struct container_map_pkt *pkt)
{
    ovs_be32 dst4 = htonl(0x01020304);
    ovs_be16 dst_port = htons(1);
    uint8_t proto = 0xa5;
    bool fast;

    memset(pkt, 0xa5, sizeof *pkt);
    container_map_pkt_parse(p, pkt);

    fast = container_map_pkt_ipv4_dst(p, &dst4, &proto, &dst_port);
    /* (For a TCP, UDP or SCTP packet the full parse makes sure that the
     * source is IPv4-mapped exactly when the Ethertype is IPv4.) */
    assert_int_equal(fast, (pkt->kind == CONTAINER_MAP_PKT_L4
                            && !pkt->frag
                            && IN6_IS_ADDR_V4MAPPED(&pkt->src)
                            && dp_packet_is_eth(p)));
    if (fast) {
        assert_int_equal(ntohl(dst4), ntohl(in6_addr_get_mapped_ipv4(
                                                &pkt->dst)));
        assert_int_equal(proto, pkt->proto);
        assert_int_equal(ntohs(dst_port), ntohs(pkt->dst_port));
    }
}

static inline void
assert_pkt(const struct container_map_pkt *pkt,
           enum container_map_pkt_kind kind, uint8_t proto,
           const struct in6_addr *src, uint16_t src_port,
           const struct in6_addr *dst, uint16_t dst_port)
{
    assert_int_equal(pkt->kind, kind);
    assert_int_equal(pkt->proto, proto);
    assert_true(ipv6_addr_equals(&pkt->src, src));
    assert_true(ipv6_addr_equals(&pkt->dst, dst));
    assert_int_equal(ntohs(pkt->src_port), src_port);
    assert_int_equal(ntohs(pkt->dst_port), dst_port);
}

/* Parses 'p', described by 'what', asserts that it is OTHER, and frees
 * it. */
static inline void
assert_other(const char *what, struct dp_packet *p)
{
    struct container_map_pkt pkt;

    parse(p, &pkt);
    dp_packet_delete(p);
    if (pkt.kind != CONTAINER_MAP_PKT_OTHER) {
        fail_msg("%s: parsed as kind %d, not OTHER (%d)", what, pkt.kind,
                 CONTAINER_MAP_PKT_OTHER);
    }
    assert_int_equal(pkt.tcp_flags, 0);
}

/* Parses 'p', described by 'what', asserts that it is MALFORMED (dropped
 * and counted, whatever the action's "miss" says), and frees it. */
static inline void
assert_malformed(const char *what, struct dp_packet *p)
{
    struct container_map_pkt pkt;

    parse(p, &pkt);
    dp_packet_delete(p);
    if (pkt.kind != CONTAINER_MAP_PKT_MALFORMED) {
        fail_msg("%s: parsed as kind %d, not MALFORMED (%d)", what, pkt.kind,
                 CONTAINER_MAP_PKT_MALFORMED);
    }
}

#endif /* container-map-test-packet.h */
