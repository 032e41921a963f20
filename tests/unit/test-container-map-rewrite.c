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

/* cmocka unit tests of lib/container-map-packet's in-place rewrites: the
 * switch's ARP replies and probes, its IPv6 neighbour advertisements (and
 * the checks a solicitation must pass to get one), its TCP resets, and ICMP
 * and ICMPv6 echo replies (their addresses, TTL, lengths and checksums). */

#include <config.h>

#include <string.h>

#include "container-map-test-packet.h"

/* Helpers. */

static bool
ip4_csum_ok(const struct dp_packet *p)
{
    const struct ip_header *ip = dp_packet_l3(p);

    return !csum(ip, IP_IHL(ip->ip_ihl_ver) * 4);
}

static bool
icmp4_csum_ok(const struct dp_packet *p)
{
    return !csum(dp_packet_l4(p), dp_packet_l4_size(p));
}

static bool
icmp6_csum_ok(const struct dp_packet *p)
{
    uint32_t partial = packet_csum_pseudoheader6(dp_packet_l3(p));

    return !csum_finish(csum_continue(partial, dp_packet_l4(p),
                                      dp_packet_l4_size(p)));
}

/* Rewrites. */

static void
test_arp_rewrites(void **state OVS_UNUSED)
{
    /* Where the sender IP is in the frame. */
    const size_t spa = ETH_HEADER_LEN + offsetof(struct arp_eth_header,
                                                 ar_spa);
    const struct eth_addr req_mac = mac_n(0x42);
    const struct arp_eth_header *arp;
    const struct eth_header *eth;
    struct container_map_pkt pkt;
    struct dp_packet *p, *orig;
    struct flow flow;

    /* The host at PEER1 asks who has X; the switch answers for X. */
    orig = make_arp(eth_addr_broadcast, ARP_OP_REQUEST, req_mac, PEER1,
                    eth_addr_zero, IP_X);

    /* Reply: "X is at sw_mac", to the requester. */
    p = dp_packet_clone_with_headroom(orig, 2);
    flow_extract(p, &flow);
    container_map_arp_make_reply(p, sw_mac);
    assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
    eth = dp_packet_eth(p);
    arp = dp_packet_l3(p);
    assert_true(eth_addr_equals(eth->eth_dst, req_mac));
    assert_true(eth_addr_equals(eth->eth_src, sw_mac));
    assert_int_equal(ntohs(eth->eth_type), ETH_TYPE_ARP);
    assert_int_equal(ntohs(arp->ar_hrd), ARP_HRD_ETHERNET);
    assert_int_equal(ntohs(arp->ar_pro), ARP_PRO_IP);
    assert_int_equal(arp->ar_hln, ETH_ADDR_LEN);
    assert_int_equal(arp->ar_pln, 4);
    assert_int_equal(ntohs(arp->ar_op), ARP_OP_REPLY);
    assert_true(eth_addr_equals(arp->ar_sha, sw_mac));
    assert_int_equal(ntohl(get_16aligned_be32(&arp->ar_spa)), IP_X);
    assert_true(eth_addr_equals(arp->ar_tha, req_mac));
    assert_int_equal(ntohl(get_16aligned_be32(&arp->ar_tpa)), PEER1);
    /* The trailer is untouched. */
    assert_memory_equal((const char *) dp_packet_data(p) + ETH_HEADER_LEN
                        + ARP_ETH_HEADER_LEN,
                        (const char *) dp_packet_data(orig) + ETH_HEADER_LEN
                        + ARP_ETH_HEADER_LEN,
                        dp_packet_size(p) - ETH_HEADER_LEN
                        - ARP_ETH_HEADER_LEN);
    flow_extract(p, &flow);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ARP);
    dp_packet_delete(p);

    /* Probe: only the sender IP changes, to 0.0.0.0. */
    p = dp_packet_clone_with_headroom(orig, 2);
    flow_extract(p, &flow);
    container_map_arp_make_probe(p);
    arp = dp_packet_l3(p);
    assert_int_equal(ntohs(arp->ar_op), ARP_OP_REQUEST);
    assert_int_equal(get_16aligned_be32(&arp->ar_spa), htonl(0));
    assert_true(eth_addr_equals(arp->ar_sha, req_mac));
    assert_true(eth_addr_is_zero(arp->ar_tha));
    assert_int_equal(ntohl(get_16aligned_be32(&arp->ar_tpa)), IP_X);
    assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
    assert_memory_equal(dp_packet_data(p), dp_packet_data(orig), spa);
    assert_memory_equal((const uint8_t *) dp_packet_data(p) + spa + 4,
                        (const uint8_t *) dp_packet_data(orig) + spa + 4,
                        dp_packet_size(p) - spa - 4);
    dp_packet_delete(p);

    dp_packet_delete(orig);
}

static void
test_echo_reply_ipv4(void **state OVS_UNUSED)
{
    static const struct {
        uint8_t ttl;
        size_t n_opts;
        size_t n_payload;
    } cases[] = {
        { 61, 0, 56 },
        { 255, 1, 37 },     /* Odd size. */
        { 64, 0, 0 },
        { 1, 2, 1 },
        { 0, 0, 1472 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct container_map_pkt pkt;
        const struct icmp_header *icmp;
        const struct ip_header *ip;
        const struct eth_header *eth;
        struct dp_packet *p, *orig;
        struct ofpbuf l3, l4;
        struct flow flow;
        size_t hlen = IP_HEADER_LEN + 4 * cases[i].n_opts;

        ofpbuf_init(&l4, 2048);
        ofpbuf_init(&l3, 2048);
        put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 0x4242, 7 + i,
                 cases[i].n_payload);
        icmp4_set_csum(&l4);
        put_ip4_opts(&l3, PEER1, IP_X, IPPROTO_ICMP, 0, cases[i].ttl,
                     cases[i].n_opts, &l4);
        orig = make_frame(sw_mac, peer_mac, ETH_TYPE_IP, &l3,
                          min_frame_pad(&l3));
        assert_true(ip4_csum_ok(orig));
        assert_true(icmp4_csum_ok(orig));

        p = dp_packet_clone_with_headroom(orig, 2);
        flow_extract(p, &flow);
        container_map_echo_make_reply(p, sw_mac);

        assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
        eth = dp_packet_eth(p);
        assert_true(eth_addr_equals(eth->eth_dst, peer_mac));
        assert_true(eth_addr_equals(eth->eth_src, sw_mac));
        assert_int_equal(ntohs(eth->eth_type), ETH_TYPE_IP);

        ip = dp_packet_l3(p);
        assert_int_equal(ntohl(get_16aligned_be32(&ip->ip_src)), IP_X);
        assert_int_equal(ntohl(get_16aligned_be32(&ip->ip_dst)), PEER1);
        assert_int_equal(ip->ip_ttl, 64);
        assert_int_equal(ip->ip_proto, IPPROTO_ICMP);
        assert_int_equal(IP_IHL(ip->ip_ihl_ver) * 4, hlen);
        assert_int_equal(ntohs(ip->ip_tot_len), hlen + l4.size);
        assert_true(ip4_csum_ok(p));

        icmp = dp_packet_l4(p);
        assert_int_equal(icmp->icmp_type, ICMP4_ECHO_REPLY);
        assert_int_equal(icmp->icmp_code, 0);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.id), 0x4242);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.seq), 7 + i);
        assert_int_equal(dp_packet_l4_size(p), l4.size);
        assert_memory_equal(icmp + 1, (const struct icmp_header *) l4.data
                            + 1, cases[i].n_payload);
        if (!icmp4_csum_ok(p)) {
            fail_msg("case %d: bad ICMP checksum", (int) i);
        }

        parse(p, &pkt);
        assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ECHO_REPLY);
        assert_int_equal(ntohs(pkt.src_port), 0x4242);

        dp_packet_delete(p);
        dp_packet_delete(orig);
        ofpbuf_uninit(&l3);
        ofpbuf_uninit(&l4);
    }
}

/* TCP resets. */

static void
test_tcp_rst(void **state OVS_UNUSED)
{
    for (int v6 = 0; v6 < 2; v6++) {
        for (int with_ack = 0; with_ack < 2; with_ack++) {
            const struct tcp_header *tcp;
            const struct eth_header *eth;
            struct container_map_pkt pkt, in;
            struct dp_packet *p;
            struct ofpbuf l4;
            uint32_t partial;

            ofpbuf_init(&l4, 128);
            put_tcp(&l4, 41000, 80, with_ack ? TCP_ACK | TCP_PSH : TCP_SYN);
            if (with_ack) {
                struct tcp_header *t = l4.data;

                put_16aligned_be32(&t->tcp_ack, htonl(0xa0b0c0d0));
                ofpbuf_put_zeros(&l4, 100);        /* Data. */
            }
            p = (v6 ? make_ip6(IP6_PEER, IP6_X, IPPROTO_TCP, &l4)
                 : make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4));
            parse(p, &in);
            container_map_tcp_make_rst(p, &in, sw_mac);

            eth = dp_packet_eth(p);
            assert_true(eth_addr_equals(eth->eth_dst, peer_mac));
            assert_true(eth_addr_equals(eth->eth_src, sw_mac));
            assert_int_equal(dp_packet_size(p),
                             ETH_HEADER_LEN + (v6 ? 40 : 20) + 20);
            tcp = dp_packet_l4(p);
            assert_int_equal(ntohs(tcp->tcp_src), 80);
            assert_int_equal(ntohs(tcp->tcp_dst), 41000);
            if (with_ack) {
                /* Its sequence number is the ACK it answers. */
                assert_int_equal(TCP_FLAGS(tcp->tcp_ctl), TCP_RST);
                assert_int_equal(ntohl(get_16aligned_be32(&tcp->tcp_seq)),
                                 0xa0b0c0d0);
            } else {
                /* It acknowledges the SYN. */
                assert_int_equal(TCP_FLAGS(tcp->tcp_ctl), TCP_RST | TCP_ACK);
                assert_int_equal(ntohl(get_16aligned_be32(&tcp->tcp_ack)),
                                 0x01020305);
            }
            if (v6) {
                partial = packet_csum_pseudoheader6(dp_packet_l3(p));
            } else {
                assert_true(ip4_csum_ok(p));
                partial = packet_csum_pseudoheader(dp_packet_l3(p));
            }
            assert_int_equal(csum_finish(csum_continue(partial, tcp, 20)), 0);

            /* The reset parses as a TCP packet the other way. */
            flow_extract(p, &(struct flow) { .dl_type = 0 });
            parse(p, &pkt);
            assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &in.dst, 80,
                       &in.src, 41000);
            dp_packet_delete(p);
            ofpbuf_uninit(&l4);
        }
    }
}

/* Neighbour discovery. */

/* Sets the checksum of the neighbour discovery message in 'p' (behind any
 * extension headers). */
static void
nd_set_csum(struct dp_packet *p)
{
    struct icmp_header *icmp = dp_packet_l4(p);

    icmp->icmp_csum = 0;
    icmp->icmp_csum = packet_csum_upperlayer6(dp_packet_l3(p), icmp,
                                              IPPROTO_ICMPV6,
                                              dp_packet_l4_size(p));
}

/* Returns a new neighbour solicitation or advertisement ('type' 135 or
 * 136) 'src' -> 'dst' for 'target' with hop limit 'hlim', 'flags' in its
 * first word, a link-layer address option of 'opt_len' units with 'lla'
 * (none if 'opt_len' is 0) and 'ext' bytes of IPv6 destination options
 * before it (0 or 8). */
static struct dp_packet *
make_nd(uint8_t type, const char *src, const char *dst, const char *target,
        uint8_t hlim, uint32_t flags, uint8_t opt_len, struct eth_addr lla,
        size_t ext)
{
    struct in6_addr t = ip6_addr(target);
    struct ofpbuf l3, l4;
    struct dp_packet *p;
    uint8_t *opt;

    ofpbuf_init(&l4, 128);
    put_icmp(&l4, type, 0, 0, 0, 0);
    put_16aligned_be32(ALIGNED_CAST(ovs_16aligned_be32 *,
                                    (uint8_t *) l4.data + 4), htonl(flags));
    ofpbuf_put(&l4, &t, sizeof t);
    if (opt_len) {
        opt = ofpbuf_put_zeros(&l4, opt_len * 8);
        opt[0] = type == 135 ? 1 : 2;
        opt[1] = opt_len;
        memcpy(opt + 2, &lla, sizeof lla);
    }

    ofpbuf_init(&l3, 256);
    if (ext) {
        struct ofpbuf body;
        uint8_t *d;

        ofpbuf_init(&body, 256);
        d = ofpbuf_put_zeros(&body, 8);
        d[0] = IPPROTO_ICMPV6;
        d[2] = 1;               /* PadN option of 4 bytes. */
        d[3] = 4;
        ofpbuf_put(&body, l4.data, l4.size);
        put_ip6(&l3, src, dst, IPPROTO_DSTOPTS, hlim, &body);
        ofpbuf_uninit(&body);
    } else {
        put_ip6(&l3, src, dst, IPPROTO_ICMPV6, hlim, &l4);
    }
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IPV6, &l3, 0);
    nd_set_csum(p);
    ofpbuf_uninit(&l3);
    ofpbuf_uninit(&l4);
    return p;
}

static void
test_nd_advert(void **state OVS_UNUSED)
{
    const struct eth_addr asker = ETH_ADDR_C(50, 54, 00, 00, 00, 07);
    const struct eth_addr all_nodes = ETH_ADDR_C(33, 33, 00, 00, 00, 01);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct {
        const char *src;
        const char *dst;
        uint8_t opt_len;
        size_t ext;
    } cases[] = {
        { IP6_PEER, "ff02::1:ff00:10", 1, 0 },  /* Multicast, with SLL. */
        { IP6_PEER, IP6_X, 0, 0 },              /* Unicast, without. */
        { IP6_PEER, IP6_X, 3, 8 },              /* Longer, with options. */
        { "::", "ff02::1:ff00:10", 0, 0 },      /* Duplicate address
                                                 * detection. */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        bool dad = !strcmp(cases[i].src, "::");
        const struct ovs_16aligned_ip6_hdr *ip6;
        const struct ovs_nd_msg *nd;
        const struct eth_header *eth;
        struct container_map_pkt pkt;
        struct in6_addr a;
        struct dp_packet *p;
        struct flow flow;

        p = make_nd(135, cases[i].src, cases[i].dst, IP6_X, 255, 0,
                    cases[i].opt_len, asker, cases[i].ext);
        container_map_pkt_parse(p, &pkt);
        assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ND_NS);
        assert_true(ipv6_addr_equals(&pkt.icmp_src, &x6));
        assert_true(eth_addr_equals(pkt.nd_lla, (cases[i].opt_len == 1
                                                 ? asker : eth_addr_zero)));

        assert_true(container_map_nd_make_na(p, &pkt, sw_mac));
        assert_int_equal(dp_packet_size(p), ETH_HEADER_LEN + 40 + 32);
        assert_int_equal(dp_packet_l4_size(p), 32);
        eth = dp_packet_eth(p);
        assert_true(eth_addr_equals(eth->eth_src, sw_mac));
        assert_true(eth_addr_equals(eth->eth_dst,
                                    (dad ? all_nodes
                                     : cases[i].opt_len == 1 ? asker
                                     : peer_mac)));
        ip6 = dp_packet_l3(p);
        assert_int_equal(ip6->ip6_hlim, 255);
        assert_int_equal(ip6->ip6_nxt, IPPROTO_ICMPV6);
        assert_int_equal(ntohs(ip6->ip6_plen), 32);
        memcpy(&a, &ip6->ip6_src, sizeof a);
        assert_true(ipv6_addr_equals(&a, &x6));
        memcpy(&a, &ip6->ip6_dst, sizeof a);
        assert_true(ipv6_addr_equals(&a, dad ? &in6addr_all_hosts : &peer6));
        nd = dp_packet_l4(p);
        assert_int_equal(nd->icmph.icmp6_type, 136);
        assert_int_equal(ntohl(get_16aligned_be32(&nd->rso_flags)),
                         dad ? ND_RSO_OVERRIDE
                         : ND_RSO_SOLICITED | ND_RSO_OVERRIDE);
        memcpy(&a, &nd->target, sizeof a);
        assert_true(ipv6_addr_equals(&a, &x6));
        assert_int_equal(nd->options[0].type, 2);
        assert_int_equal(nd->options[0].len, 1);
        assert_true(eth_addr_equals(nd->options[0].mac, sw_mac));
        if (!icmp6_csum_ok(p)) {
            fail_msg("case %d: bad ICMPv6 checksum", (int) i);
        }

        /* What it wrote is a valid advertisement. */
        flow_extract(p, &flow);
        container_map_pkt_parse(p, &pkt);
        assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ND_NA);
        assert_true(eth_addr_equals(pkt.nd_lla, sw_mac));
        dp_packet_delete(p);
    }
}

/* What a receiver must ignore (RFC 4861 section 7.1) is malformed. */
static void
test_nd_invalid(void **state OVS_UNUSED)
{
    const struct eth_addr lla = ETH_ADDR_C(50, 54, 00, 00, 00, 07);
    struct {
        uint8_t type;
        const char *src;
        const char *dst;
        const char *target;
        uint8_t hlim;
        uint32_t flags;
        uint8_t opt_len;
        enum container_map_pkt_kind kind;
    } cases[] = {
        { 135, IP6_PEER, IP6_X, IP6_X, 255, 0, 1, CONTAINER_MAP_PKT_ND_NS },
        { 135, IP6_PEER, IP6_X, IP6_X, 254, 0, 1,
          CONTAINER_MAP_PKT_MALFORMED },                /* Forwarded. */
        { 135, IP6_PEER, IP6_X, "ff02::1", 255, 0, 1,
          CONTAINER_MAP_PKT_MALFORMED },                /* Target. */
        { 135, IP6_PEER, IP6_X, "::ffff:203.0.113.10", 255, 0, 1,
          CONTAINER_MAP_PKT_MALFORMED },                /* IPv4's form. */
        { 135, "::", IP6_X, IP6_X, 255, 0, 0,
          CONTAINER_MAP_PKT_MALFORMED },                /* DAD, unicast. */
        { 135, "::", "ff02::1:ff00:10", IP6_X, 255, 0, 1,
          CONTAINER_MAP_PKT_MALFORMED },                /* DAD with SLL. */
        { 136, IP6_X, IP6_PEER, IP6_X, 255, ND_RSO_SOLICITED, 1,
          CONTAINER_MAP_PKT_ND_NA },
        { 136, IP6_X, "ff02::1", IP6_X, 255, ND_RSO_OVERRIDE, 1,
          CONTAINER_MAP_PKT_ND_NA },
        { 136, IP6_X, "ff02::1", IP6_X, 255, ND_RSO_SOLICITED, 1,
          CONTAINER_MAP_PKT_MALFORMED },                /* Solicited, to
                                                         * all. */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct container_map_pkt pkt;
        struct dp_packet *p;

        p = make_nd(cases[i].type, cases[i].src, cases[i].dst,
                    cases[i].target, cases[i].hlim, cases[i].flags,
                    cases[i].opt_len, lla, 0);
        container_map_pkt_parse(p, &pkt);
        if (pkt.kind != cases[i].kind) {
            fail_msg("case %d: kind %d, not %d", (int) i, pkt.kind,
                     cases[i].kind);
        }

        /* A wrong checksum, an option of length zero or one that runs past
         * the end. */
        if (cases[i].kind != CONTAINER_MAP_PKT_MALFORMED) {
            uint8_t *l4 = dp_packet_l4(p);
            size_t n = dp_packet_l4_size(p);

            l4[2] ^= 1;
            container_map_pkt_parse(p, &pkt);
            assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_MALFORMED);
            l4[2] ^= 1;
            l4[n - 7] = 0;
            nd_set_csum(p);
            container_map_pkt_parse(p, &pkt);
            assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_MALFORMED);
            l4[n - 7] = 2;
            nd_set_csum(p);
            container_map_pkt_parse(p, &pkt);
            assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_MALFORMED);
        }
        dp_packet_delete(p);
    }
}

static void
test_echo_reply_ipv6(void **state OVS_UNUSED)
{
    static const size_t sizes[] = { 56, 37, 0, 1232 };
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        const struct ovs_16aligned_ip6_hdr *ip6;
        const struct icmp_header *icmp;
        const struct eth_header *eth;
        struct container_map_pkt pkt;
        struct dp_packet *p, *orig;
        struct in6_addr a;
        struct ofpbuf l4;
        struct flow flow;

        ofpbuf_init(&l4, 2048);
        put_icmp(&l4, 128, 0, 0x6666, 100 + i, sizes[i]);
        orig = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
        icmp6_set_csum(orig);
        assert_true(icmp6_csum_ok(orig));

        p = dp_packet_clone_with_headroom(orig, 2);
        flow_extract(p, &flow);
        container_map_echo_make_reply(p, sw_mac);

        assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
        eth = dp_packet_eth(p);
        assert_true(eth_addr_equals(eth->eth_dst, peer_mac));
        assert_true(eth_addr_equals(eth->eth_src, sw_mac));
        assert_int_equal(ntohs(eth->eth_type), ETH_TYPE_IPV6);

        ip6 = dp_packet_l3(p);
        memcpy(&a, &ip6->ip6_src, sizeof a);
        assert_true(ipv6_addr_equals(&a, &x6));
        memcpy(&a, &ip6->ip6_dst, sizeof a);
        assert_true(ipv6_addr_equals(&a, &peer6));
        assert_int_equal(ip6->ip6_hlim, 64);
        assert_int_equal(ip6->ip6_nxt, IPPROTO_ICMPV6);
        assert_int_equal(ntohs(ip6->ip6_plen), l4.size);

        icmp = dp_packet_l4(p);
        assert_int_equal(icmp->icmp_type, 129);
        assert_int_equal(icmp->icmp_code, 0);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.id), 0x6666);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.seq), 100 + i);
        assert_memory_equal(icmp + 1, (const struct icmp_header *) l4.data
                            + 1, sizes[i]);
        if (!icmp6_csum_ok(p)) {
            fail_msg("case %d: bad ICMPv6 checksum", (int) i);
        }

        parse(p, &pkt);
        assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REPLY, IPPROTO_ICMPV6, &x6,
                   0x6666, &peer6, 0x6666);

        dp_packet_delete(p);
        dp_packet_delete(orig);
        ofpbuf_uninit(&l4);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_rewrites),
        cmocka_unit_test(test_echo_reply_ipv4),
        cmocka_unit_test(test_echo_reply_ipv6),
        cmocka_unit_test(test_tcp_rst),
        cmocka_unit_test(test_nd_advert),
        cmocka_unit_test(test_nd_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
