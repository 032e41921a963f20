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

/* cmocka unit tests of lib/container-map-packet's parser: ICMP and ICMPv6
 * errors (the connection they are about), and hostile packets whose headers
 * lie about their lengths or versions. */

#include <config.h>

#include "container-map-test-packet.h"

/* ICMP errors. */

/* Returns an ICMP error of 'type' and 'code' from 'router' to 'dst' about
 * the IPv4 packet 'inner' (of which it quotes the IP header and the first 8
 * bytes after it, as routers do). */
static struct dp_packet *
make_icmp4_error(uint8_t type, uint8_t code, uint32_t router, uint32_t dst,
                 const struct ofpbuf *inner)
{
    struct dp_packet *p;
    struct ofpbuf l4;
    size_t n = MIN(inner->size, IP_HEADER_LEN + ICMP_ERROR_DATA_L4_LEN);

    ofpbuf_init(&l4, 128);
    put_icmp(&l4, type, code, 0, 0, 0);
    ofpbuf_put(&l4, inner->data, n);
    icmp4_set_csum(&l4);
    p = make_ip4(router, dst, IPPROTO_ICMP, 0, 0, &l4);
    ofpbuf_uninit(&l4);
    return p;
}

/* The same for ICMPv6, quoting 'n' bytes of the IPv6 packet 'inner'. */
static struct dp_packet *
make_icmp6_error(uint8_t type, uint8_t code, const char *router,
                 const char *dst, const struct ofpbuf *inner, size_t n)
{
    struct dp_packet *p;
    struct ofpbuf l4;

    ofpbuf_init(&l4, 256);
    put_icmp(&l4, type, code, 0, 0, 0);
    ofpbuf_put(&l4, inner->data, MIN(n, inner->size));
    p = make_ip6(router, dst, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    ofpbuf_uninit(&l4);
    return p;
}

static void
test_parse_icmp_errors(void **state OVS_UNUSED)
{
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_pkt pkt;
    struct ofpbuf inner, l4;
    struct dp_packet *p;

    ofpbuf_init(&inner, 256);
    ofpbuf_init(&l4, 256);

    /* Port unreachable about a UDP packet X:10001 -> PEER1:53 that the
     * container sent: the fields are those of that packet. */
    put_udp(&l4, 10001, 53, 20);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_UDP, &l4);
    p = make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_UDP, &x, 10001,
               &peer, 53);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* Time exceeded about TCP (only the first 8 bytes of the TCP header are
     * quoted; the embedded flags are not the packet's). */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_tcp(&l4, 10002, 443, TCP_SYN);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_TCP, &l4);
    p = make_icmp4_error(ICMP4_TIME_EXCEEDED, 0, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_TCP, &x, 10002,
               &peer, 443);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* Host unreachable about an echo request: the identifier. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 150, 9, 56);
    icmp4_set_csum(&l4);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_ICMP, &l4);
    p = make_icmp4_error(ICMP4_DST_UNREACH, 1, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_ICMP, &x, 150,
               &peer, 150);
    dp_packet_delete(p);

    /* Parameter problem about SCTP. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_sctp(&l4, 10003, 3868);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_SCTP, &l4);
    p = make_icmp4_error(ICMP4_PARAM_PROB, 0, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_SCTP, &x, 10003,
               &peer, 3868);
    dp_packet_delete(p);

    /* ICMPv6 destination unreachable about UDP, time exceeded about an echo
     * request, packet too big about TCP. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_udp(&l4, 10004, 53, 8);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_UDP, 64, &l4);
    p = make_icmp6_error(1, 4, IP6_ROUTER, IP6_X, &inner, inner.size);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_UDP, &x6, 10004,
               &peer6, 53);
    dp_packet_delete(p);

    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_icmp(&l4, 128, 0, 151, 3, 16);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_ICMPV6, 1, &l4);
    p = make_icmp6_error(3, 0, IP6_ROUTER, IP6_X, &inner, inner.size);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_ICMPV6, &x6, 151,
               &peer6, 151);
    dp_packet_delete(p);

    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_tcp(&l4, 10005, 443, TCP_ACK);
    ofpbuf_put_zeros(&l4, 1400);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_TCP, 64, &l4);
    p = make_icmp6_error(2, 0, IP6_ROUTER, IP6_X, &inner, 1232);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_TCP, &x6, 10005,
               &peer6, 443);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* Not enough of the embedded packet to find its ports: a short
     * embedded header is malformed. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_udp(&l4, 10001, 53, 0);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_UDP, &l4);
    inner.size = IP_HEADER_LEN + 2;
    assert_malformed("error quoting 2 bytes of UDP",
                 make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X,
                                  &inner));

    /* An embedded packet of another protocol (GRE): OTHER. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    ofpbuf_put_zeros(&l4, 8);
    put_ip4(&inner, IP_X, PEER1, 47, &l4);
    assert_other("error quoting GRE",
                 make_icmp4_error(ICMP4_DST_UNREACH, 2, PEER2, IP_X,
                                  &inner));

    /* An ICMP (v4) error quoting an IPv6 packet: the embedded header lies
     * about its version, malformed. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_udp(&l4, 10004, 53, 8);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_UDP, 64, &l4);
    {
        struct ofpbuf err;

        ofpbuf_init(&err, 128);
        put_icmp(&err, ICMP4_DST_UNREACH, 3, 0, 0, 0);
        ofpbuf_put(&err, inner.data, inner.size);
        icmp4_set_csum(&err);
        assert_malformed("ICMP error quoting IPv6",
                     make_ip4(PEER2, IP_X, IPPROTO_ICMP, 0, 0, &err));
        ofpbuf_uninit(&err);
    }

    ofpbuf_uninit(&inner);
    ofpbuf_uninit(&l4);
}

/* Hostile packets: the parser trusts only what flow extraction
 * validated.  Each of these used to be parsed from the raw bytes (the
 * first crashed ovs-vswitchd: an echo request whose IPv4 total length is
 * larger than the frame has no L4 offset, and its reply was written through
 * a NULL L4 header). */

/* Returns the IPv4 packet 'l3' in a frame, with its total length and first
 * byte (version, IHL) set as given, for flow extraction to judge. */
static struct dp_packet *
make_lying_ip4(const struct ofpbuf *l3_, uint16_t tot_len, uint8_t ver_ihl)
{
    struct ofpbuf l3;
    struct ip_header *ip;
    struct dp_packet *p;

    ofpbuf_init(&l3, l3_->size);
    ofpbuf_put(&l3, l3_->data, l3_->size);
    ip = l3.data;
    ip->ip_tot_len = htons(tot_len);
    ip->ip_ihl_ver = ver_ihl;
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IP, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

static void
test_parse_malformed(void **state OVS_UNUSED)
{
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct ofpbuf l4, l3, inner;
    struct container_map_pkt pkt;
    struct dp_packet *p;

    ofpbuf_init(&l4, 256);
    ofpbuf_init(&l3, 256);
    ofpbuf_init(&inner, 256);

    /* IPv4 lengths flow extraction refuses: no L4 offset. */
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 7, 1, 16);
    icmp4_set_csum(&l4);
    put_ip4(&l3, PEER1, IP_X, IPPROTO_ICMP, &l4);
    p = make_lying_ip4(&l3, 0xffff, 0x45);
    assert_null(dp_packet_l4(p));
    assert_malformed("echo request, total length 0xffff", p);
    assert_malformed("echo request, total length < header",
                     make_lying_ip4(&l3, 12, 0x45));
    assert_malformed("echo request, IHL 4", make_lying_ip4(&l3, l3.size,
                                                           0x44));
    assert_malformed("echo request, IHL 15 > packet",
                     make_lying_ip4(&l3, l3.size, 0x4f));

    /* The same for TCP. */
    ofpbuf_clear(&l4);
    ofpbuf_clear(&l3);
    put_tcp(&l4, 5000, 80, TCP_SYN);
    put_ip4(&l3, PEER1, IP_X, IPPROTO_TCP, &l4);
    assert_malformed("TCP, total length 0xffff",
                     make_lying_ip4(&l3, 0xffff, 0x45));

    /* A VLAN tag: the action handles none. */
    {
        struct ofpbuf tagged;
        ovs_be16 tci[2] = { htons(7), htons(ETH_TYPE_IP) };

        ofpbuf_init(&tagged, 128);
        ofpbuf_put(&tagged, tci, sizeof tci);
        ofpbuf_put(&tagged, l3.data, l3.size);
        p = make_frame(sw_mac, peer_mac, ETH_TYPE_VLAN, &tagged, 0);
        assert_non_null(dp_packet_l4(p));
        assert_malformed("VLAN-tagged TCP", p);
        ofpbuf_uninit(&tagged);
    }

    /* Not Ethernet: an L3 packet (packet type IPv4). */
    p = dp_packet_new(128);
    dp_packet_put(p, l3.data, l3.size);
    p->packet_type = htonl(PT_IPV4);
    {
        struct flow flow;

        flow_extract(p, &flow);
    }
    assert_non_null(dp_packet_l4(p));
    assert_malformed("IPv4 packet without Ethernet", p);

    /* An IPv6 payload length beyond the frame. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 5000, 80, TCP_SYN);
    ofpbuf_clear(&l3);
    put_ip6(&l3, IP6_PEER, IP6_X, IPPROTO_TCP, 64, &l4);
    ((struct ovs_16aligned_ip6_hdr *) l3.data)->ip6_plen = htons(2000);
    assert_malformed("IPv6, payload length 2000",
                     make_frame(sw_mac, peer_mac, ETH_TYPE_IPV6, &l3, 0));

    /* Short ARP. */
    ofpbuf_clear(&l3);
    ofpbuf_put_zeros(&l3, 20);
    p = make_frame(eth_addr_broadcast, peer_mac, ETH_TYPE_ARP, &l3, 0);
    assert_malformed("ARP with 20 bytes", p);

    /* ICMP errors whose embedded IPv4 header lies: IHL 15 with 28 bytes
     * quoted, IHL 4. */
    ofpbuf_clear(&l4);
    put_udp(&l4, 10001, 53, 0);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_UDP, &l4);
    ((struct ip_header *) inner.data)->ip_ihl_ver = 0x4f;
    assert_malformed("error quoting IHL 15",
                     make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X,
                                      &inner));
    ((struct ip_header *) inner.data)->ip_ihl_ver = 0x44;
    assert_malformed("error quoting IHL 4",
                     make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X,
                                      &inner));

    /* IPv6 extension headers are walked: a Destination Options header
     * before TCP does not hide the TCP header. */
    ofpbuf_clear(&l4);
    {
        uint8_t *opts = ofpbuf_put_zeros(&l4, 8);

        opts[0] = IPPROTO_TCP;          /* Next header. */
        opts[1] = 0;                    /* 8 bytes in all. */
        opts[2] = 1;                    /* PadN of 4 bytes. */
        opts[3] = 4;
    }
    put_tcp(&l4, 20002, 80, TCP_SYN | TCP_ACK);
    p = make_ip6(IP6_X, IP6_PEER, IPPROTO_DSTOPTS, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &x6, 20002, &peer6,
               80);
    assert_int_equal(pkt.tcp_flags, TCP_SYN | TCP_ACK);
    dp_packet_delete(p);

    /* ... nor one behind a hop-by-hop header and a routing header. */
    ofpbuf_clear(&l4);
    {
        uint8_t *hbh = ofpbuf_put_zeros(&l4, 8);
        uint8_t *rh = ofpbuf_put_zeros(&l4, 8);

        hbh[0] = IPPROTO_ROUTING;
        hbh[2] = 1;
        hbh[3] = 4;
        rh[0] = IPPROTO_UDP;
        rh[2] = 4;                      /* Routing type 4, 0 segments left. */
    }
    put_udp(&l4, 20003, 53, 8);
    p = make_ip6(IP6_X, IP6_PEER, IPPROTO_HOPOPTS, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &x6, 20003, &peer6,
               53);
    dp_packet_delete(p);

    /* An extension header that runs past the packet. */
    ofpbuf_clear(&l4);
    {
        uint8_t *opts = ofpbuf_put_zeros(&l4, 8);

        opts[0] = IPPROTO_TCP;
        opts[1] = 200;                  /* 1608 bytes. */
    }
    assert_malformed("IPv6 options past the end",
                     make_ip6(IP6_X, IP6_PEER, IPPROTO_DSTOPTS, &l4));

    /* IPv4-mapped IPv6 addresses, the map's own form of IPv4 ones: never
     * on the wire, and no way into an IPv4 mapping. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 5000, 80, TCP_SYN);
    assert_malformed("IPv6 TCP to an IPv4-mapped address",
                     make_ip6(IP6_PEER, "::ffff:203.0.113.10", IPPROTO_TCP,
                              &l4));
    assert_malformed("IPv6 TCP from an IPv4-mapped address",
                     make_ip6("::ffff:203.0.113.10", IP6_X, IPPROTO_TCP,
                              &l4));

    ofpbuf_uninit(&l4);
    ofpbuf_uninit(&l3);
    ofpbuf_uninit(&inner);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_icmp_errors),
        cmocka_unit_test(test_parse_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
