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

/* cmocka unit tests of lib/container-map-packet's parser: TCP, UDP and SCTP
 * over IPv4 and IPv6 (the mapping key of a packet), ICMP and ICMPv6 echo,
 * and what is none of these (ARP, fragments, truncated headers, other
 * protocols and EtherTypes).  ICMP errors and malformed packets:
 * test-container-map-parse-errors.c. */

#include <config.h>

#include "container-map-test-packet.h"

/* Helpers. */

/* The mapping key of 'p' in 'table_id', as the ingress action looks it up:
 * returns true and stores it in 'key' if 'p' parses as a TCP, UDP or SCTP
 * packet with a nonzero destination port, otherwise returns false. */
static bool
key_from_packet(const struct dp_packet *p, uint32_t table_id,
                struct container_map_key *key)
{
    struct container_map_pkt pkt;

    container_map_pkt_parse(p, &pkt);
    if (pkt.kind != CONTAINER_MAP_PKT_L4 || !pkt.dst_port) {
        return false;
    }
    container_map_key_init(key, table_id, &pkt.dst, pkt.proto, pkt.dst_port);
    return true;
}

/* Parses 'p', described by 'what', asserts that it is a fragment other
 * than the first (no L4 header) of a UDP datagram with identifier 'id',
 * and frees it. */
static void
assert_fragment(const char *what, struct dp_packet *p, uint32_t id)
{
    struct container_map_pkt pkt;

    parse(p, &pkt);
    dp_packet_delete(p);
    if (pkt.kind != CONTAINER_MAP_PKT_FRAGMENT) {
        fail_msg("%s: parsed as kind %d, not FRAGMENT (%d)", what, pkt.kind,
                 CONTAINER_MAP_PKT_FRAGMENT);
    }
    assert_int_equal(pkt.tcp_flags, 0);
    assert_true(pkt.frag);
    assert_int_equal(pkt.frag_id, id);
    assert_int_equal(pkt.proto, IPPROTO_UDP);
}

/* Parsing. */

static void
test_parse_l4(void **state OVS_UNUSED)
{
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_key key = { .table_id = 0 };
    struct container_map_pkt pkt;
    struct dp_packet *p;
    struct ofpbuf l4;

    ofpbuf_init(&l4, 128);

    /* TCP, with its flags. */
    put_tcp(&l4, 40000, 80, TCP_SYN);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &peer, 40000, &x, 80);
    assert_int_equal(pkt.tcp_flags, TCP_SYN);
    assert_true(key_from_packet(p, 5, &key));
    assert_int_equal(key.table_id, 5);
    assert_int_equal(key.proto, IPPROTO_TCP);
    assert_int_equal(ntohs(key.port), 80);
    assert_true(ipv6_addr_equals(&key.ip, &x));
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_tcp(&l4, 40000, 80, TCP_FIN | TCP_ACK);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_L4);
    assert_int_equal(pkt.tcp_flags, TCP_FIN | TCP_ACK);
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_tcp(&l4, 40000, 80, TCP_RST);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    parse(p, &pkt);
    assert_int_equal(pkt.tcp_flags, TCP_RST);
    dp_packet_delete(p);

    /* IPv4 options: the L4 header is found after them. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 40001, 8080, TCP_ACK);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 2, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &peer, 40001, &x,
               8080);
    assert_int_equal(pkt.tcp_flags, TCP_ACK);
    dp_packet_delete(p);

    /* UDP, in a minimum-size frame with a trailer. */
    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 4);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &peer, 5353, &x, 53);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* SCTP. */
    ofpbuf_clear(&l4);
    put_sctp(&l4, 2905, 3868);
    p = make_ip4(PEER1, IP_X, IPPROTO_SCTP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_SCTP, &peer, 2905, &x,
               3868);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* A first fragment (more fragments, offset 0) has its L4 header. */
    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 100);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, IP_MORE_FRAGMENTS, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &peer, 5353, &x, 53);
    assert_true(container_map_pkt_is_first_frag(&pkt));
    assert_int_equal(pkt.frag_id, 0x1234);
    dp_packet_delete(p);

    /* IPv6 TCP and UDP. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 50000, 443, TCP_SYN | TCP_ACK);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_TCP, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &peer6, 50000, &x6,
               443);
    assert_int_equal(pkt.tcp_flags, TCP_SYN | TCP_ACK);
    assert_true(key_from_packet(p, 1, &key));
    assert_true(ipv6_addr_equals(&key.ip, &x6));
    assert_int_equal(ntohs(key.port), 443);
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 0);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_UDP, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &peer6, 5353, &x6,
               53);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    ofpbuf_uninit(&l4);
}

static void
test_parse_echo(void **state OVS_UNUSED)
{
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_pkt pkt;
    struct container_map_key key;
    struct dp_packet *p;
    struct ofpbuf l4;

    ofpbuf_init(&l4, 128);

    /* ICMP echo request and reply: the identifier is in both ports. */
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 0x1234, 1, 56);
    icmp4_set_csum(&l4);
    p = make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REQUEST, IPPROTO_ICMP, &peer,
               0x1234, &x, 0x1234);
    assert_int_equal(pkt.tcp_flags, 0);
    assert_false(key_from_packet(p, 1, &key));
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_ECHO_REPLY, 0, 0xfedc, 2, 0);
    icmp4_set_csum(&l4);
    p = make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REPLY, IPPROTO_ICMP, &peer,
               0xfedc, &x, 0xfedc);
    dp_packet_delete(p);

    /* ICMPv6. */
    ofpbuf_clear(&l4);
    put_icmp(&l4, 128, 0, 0x4321, 1, 32);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REQUEST, IPPROTO_ICMPV6, &peer6,
               0x4321, &x6, 0x4321);
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_icmp(&l4, 129, 0, 0x4322, 1, 32);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REPLY, IPPROTO_ICMPV6, &peer6,
               0x4322, &x6, 0x4322);
    dp_packet_delete(p);

    /* Other ICMP messages, and echo types of the other ICMP version. */
    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_TIMESTAMP, 0, 1, 1, 12);
    icmp4_set_csum(&l4);
    assert_other("ICMP timestamp",
                 make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4));
    ofpbuf_clear(&l4);
    put_icmp(&l4, 128, 0, 1, 1, 12);
    icmp4_set_csum(&l4);
    assert_other("ICMP type 128",
                 make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4));
    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 1, 1, 12);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    assert_other("ICMPv6 type 8", p);
    ofpbuf_clear(&l4);
    put_icmp(&l4, 133, 0, 0, 0, 16);    /* Router solicitation. */
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    assert_other("ICMPv6 router solicitation", p);
    ofpbuf_clear(&l4);
    put_icmp(&l4, 135, 0, 0, 0, 16);    /* Neighbour solicitation, */
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);                  /* with hop limit 61. */
    assert_malformed("ICMPv6 neighbour solicitation, forwarded", p);

    ofpbuf_uninit(&l4);
}

static void
test_parse_other(void **state OVS_UNUSED)
{
    struct container_map_pkt pkt;
    struct container_map_key key;
    struct dp_packet *p;
    struct ofpbuf l4, l3;

    ofpbuf_init(&l4, 256);
    ofpbuf_init(&l3, 256);

    /* ARP requests and replies. */
    p = make_arp(eth_addr_broadcast, ARP_OP_REQUEST, peer_mac, PEER1,
                 eth_addr_zero, IP_X);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ARP);
    assert_int_equal(pkt.tcp_flags, 0);
    assert_false(key_from_packet(p, 1, &key));
    dp_packet_delete(p);
    p = make_arp(sw_mac, ARP_OP_REPLY, peer_mac, PEER1, sw_mac, IP_X);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ARP);
    dp_packet_delete(p);

    /* ARP for another protocol than IPv4. */
    p = make_arp(eth_addr_broadcast, ARP_OP_REQUEST, peer_mac, PEER1,
                 eth_addr_zero, IP_X);
    ((struct arp_eth_header *) dp_packet_l3(p))->ar_pro = htons(0x86dd);
    assert_other("ARP for IPv6", p);

    /* A non-first fragment: no L4 header. */
    put_udp(&l4, 5353, 53, 100);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, 185, 0, &l4);
    assert_false(key_from_packet(p, 1, &key));
    assert_fragment("non-first fragment", p, 0x1234);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, IP_MORE_FRAGMENTS | 1, 0, &l4);
    assert_fragment("non-first fragment with MF", p, 0x1234);

    /* An IPv6 fragment: the L4 header is behind the fragment header. */
    ofpbuf_clear(&l4);
    {
        struct ovs_16aligned_ip6_frag *frag;

        frag = ofpbuf_put_zeros(&l4, sizeof *frag);
        frag->ip6f_nxt = IPPROTO_UDP;
        frag->ip6f_offlg = htons(185 << 3);
        put_16aligned_be32(&frag->ip6f_ident, htonl(7));
        put_udp(&l4, 5353, 53, 16);
    }
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_FRAGMENT, &l4);
    assert_false(key_from_packet(p, 1, &key));
    assert_fragment("IPv6 fragment", p, 7);

    /* Truncated L4 headers (the frame trailer is not part of them):
     * malformed. */
    ofpbuf_clear(&l4);
    ofpbuf_put(&l4, "\x13\x88", 2);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, 0, 0, &l4);
    assert_int_equal(dp_packet_l2_pad_size(p), 60 - ETH_HEADER_LEN - 22);
    assert_false(key_from_packet(p, 1, &key));
    assert_malformed("UDP with 2 bytes", p);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    assert_malformed("TCP with 2 bytes", p);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_SCTP, &l4);
    assert_malformed("IPv6 SCTP with 2 bytes", p);
    ofpbuf_clear(&l4);
    ofpbuf_put(&l4, "\x08\x00\x00\x00\x12\x34", 6);
    p = make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4);
    assert_malformed("ICMP with 6 bytes", p);

    /* Other IP protocols. */
    ofpbuf_clear(&l4);
    ofpbuf_put_zeros(&l4, 24);
    assert_other("GRE", make_ip4(PEER1, IP_X, 47, 0, 0, &l4));

    /* A frame of another EtherType is not IP, whatever it carries (here
     * what would be a valid IPv4 UDP packet).
     *
     * Expected: OTHER, and no mapping key (flow extraction gives such
     * frames no L4 header).
     *
     * (This used to fail: the parser only looked at the version nibble at
     * the L3 offset, which flow extraction sets for any EtherType, so this
     * frame parsed as L4 UDP.) */
    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 4);
    put_ip4(&l3, PEER1, IP_X, IPPROTO_UDP, &l4);
    p = make_frame(sw_mac, peer_mac, 0x88b5, &l3, min_frame_pad(&l3));
    assert_false(key_from_packet(p, 1, &key));
    assert_other("IPv4 under EtherType 0x88b5", p);

    ofpbuf_uninit(&l4);
    ofpbuf_uninit(&l3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_l4),
        cmocka_unit_test(test_parse_echo),
        cmocka_unit_test(test_parse_other),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
