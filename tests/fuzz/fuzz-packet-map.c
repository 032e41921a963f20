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

/* The packet fuzzer's map and oracle (fuzz-packet.h). */

#include <config.h>

#include "fuzz-packet.h"

#include <string.h>

#include "container-map.h"
#include "container-map-conn.h"
#include "container-map-odp.h"
#include "container-map-view.h"
#include "fuzz-common.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

const struct eth_addr fz_switch_mac = ETH_ADDR_C(02, 00, 00, 00, 00, aa);

const struct fz_backend fz_backends[] = {
    { ETH_ADDR_C(02, 00, 00, 00, 00, 0a), 2, NULL, FZ_ACTS_SHORT },   /* 0 */
    { ETH_ADDR_C(02, 00, 00, 00, 00, 0b), 3, NULL, FZ_ACTS_SHORT },   /* 1 */
    { ETH_ADDR_C(02, 00, 00, 00, 00, 0c), 4, NULL, FZ_ACTS_SHORT },   /* 2 */
    { ETH_ADDR_C(02, 00, 00, 00, 00, 0d), 5, NULL, FZ_ACTS_LONG },    /* 3 */
    { ETH_ADDR_C(02, 00, 00, 00, 00, 0e), 6, "192.0.2.50",
      FZ_ACTS_SHORT },                                                /* 4 */
    { ETH_ADDR_C(02, 00, 00, 00, 00, 0f), 7, NULL, FZ_ACTS_NONE },    /* 5 */
    { ETH_ADDR_C(02, 00, 00, 00, 00, 10), 8, "2001:db8:ffff::50",
      FZ_ACTS_LONG },                                                 /* 6 */
};
const size_t fz_n_backends = ARRAY_SIZE(fz_backends);

/* Mappings: single and multiple backends, IPv4 and IPv6, TCP, UDP, SCTP, a
 * drained backend, an unreachable one, containers behind tunnels. */
static const struct fz_mapping {
    const char *ip;
    uint8_t proto;
    uint16_t port;
    uint64_t backends;          /* Bit i: fz_backends[i]. */
    uint64_t drained;
} mappings[] = {
    { "203.0.113.10", IPPROTO_TCP, 80, 1 << 0, 0 },
    { "203.0.113.10", IPPROTO_TCP, 81, 1 << 1 | 1 << 2, 0 },
    { "203.0.113.10", IPPROTO_UDP, 53, 1 << 2, 0 },
    { "203.0.113.10", IPPROTO_TCP, 82, 1 << 0 | 1 << 1, 1 << 1 },
    { "203.0.113.10", IPPROTO_TCP, 83, 1 << 5, 0 },
    { "203.0.113.10", IPPROTO_SCTP, 9, 1 << 3, 0 },
    { "203.0.113.20", IPPROTO_UDP, 4789, 1 << 4, 0 },
    { "203.0.113.20", IPPROTO_TCP, 22, 1 << 4 | 1 << 6, 0 },
    { "2001:db8::10", IPPROTO_TCP, 443, 1 << 0 | 1 << 1, 0 },
    { "2001:db8::10", IPPROTO_UDP, 53, 1 << 3, 0 },
    { "2001:db8::20", IPPROTO_UDP, 500, 1 << 6 | 1 << 3, 1 << 3 },
};

/* Reservations: containers' own connections on shared IPs. */
static const struct fz_resv {
    const char *ip;
    int backend;
    struct container_map_ranges ranges;
} resvs[] = {
    { "203.0.113.10", 0, { 40000, 40999, 40000, 40999 } },
    { "203.0.113.10", 2, { 41000, 41999, 41000, 41999 } },
    { "203.0.113.20", 4, { 30000, 39999, 0, 99 } },
    { "2001:db8::10", 1, { 50000, 50999, 0, 999 } },
    { "203.0.113.30", 3, { 1, 65535, 0, 65535 } },
    { "2001:db8::20", 6, { 60000, 65535, 60000, 65535 } },
};

/* Echo settings other than "switch". */
static const struct fz_echo {
    const char *ip;
    enum container_map_echo echo;
    int backend;                /* For CONTAINER_MAP_ECHO_CONTAINER. */
} echoes[] = {
    { "203.0.113.30", CONTAINER_MAP_ECHO_CONTAINER, 3 },
    { "2001:db8::10", CONTAINER_MAP_ECHO_OFF, -1 },
    { "2001:db8::20", CONTAINER_MAP_ECHO_CONTAINER, 6 },
};

static struct in6_addr mapping_ips[ARRAY_SIZE(mappings)];
static struct in6_addr resv_ips[ARRAY_SIZE(resvs)];
static struct in6_addr echo_ips[ARRAY_SIZE(echoes)];
static struct in6_addr backend_tuns[ARRAY_SIZE(fz_backends)];

static void
parse_ip(const char *s, struct in6_addr *ip)
{
    ovs_be32 ip4;

    if (strchr(s, ':')) {
        CM_FUZZ_ASSERT(ipv6_parse(s, ip), "bad IP %s", s);
    } else {
        CM_FUZZ_ASSERT(ip_parse(s, &ip4), "bad IP %s", s);
        in6_addr_set_mapped_ipv4(ip, ip4);
    }
}

static void
backend_spec(int b, struct container_map_backend_spec *spec)
{
    spec->mac = fz_backends[b].mac;
    spec->ofport = u16_to_ofp(fz_backends[b].port);
    spec->tun_dst = backend_tuns[b];
}

/* Gives each backend the datapath actions that ofproto would compile for
 * it (container-map-ofproto.c): "set eth_dst, output", once with the
 * shortcut the action takes for it and once through
 * odp_execute_actions(). */
static void
compile_backend(struct container_map_backend *backend,
                const struct container_map_backend_view *view,
                void *aux OVS_UNUSED)
{
    struct ovs_key_ethernet eth[2] = {
        { .eth_src = eth_addr_zero, .eth_dst = view->spec.mac },
        { .eth_src = eth_addr_zero, .eth_dst = eth_addr_exact },
    };
    uint16_t port = ofp_to_u16(view->spec.ofport);
    int b = fz_backend_by_port(port);
    struct ofpbuf acts;

    CM_FUZZ_ASSERT(b >= 0, "backend on unknown port %"PRIu16, port);
    if (fz_backends[b].acts == FZ_ACTS_NONE) {
        return;
    }
    ofpbuf_init(&acts, 128);
    for (int i = fz_backends[b].acts == FZ_ACTS_LONG ? 2 : 1; i > 0; i--) {
        size_t ofs = nl_msg_start_nested(&acts, OVS_ACTION_ATTR_SET_MASKED);

        nl_msg_put_unspec(&acts, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
        nl_msg_end_nested(&acts, ofs);
    }
    nl_msg_put_odp_port(&acts, OVS_ACTION_ATTR_OUTPUT, u32_to_odp(port));
    container_map_set_actions(
        container_map_global(), backend,
        container_map_actions_create(acts.data, acts.size, u32_to_odp(port),
                                     &view->spec.tun_dst));
    ofpbuf_uninit(&acts);
}

void
fz_map_setup(void)
{
    struct container_map *map = container_map_global();
    struct container_map_conn_settings st;

    for (size_t b = 0; b < fz_n_backends; b++) {
        backend_tuns[b] = in6addr_any;
        if (fz_backends[b].tun) {
            parse_ip(fz_backends[b].tun, &backend_tuns[b]);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(mappings); i++) {
        const struct fz_mapping *fm = &mappings[i];

        parse_ip(fm->ip, &mapping_ips[i]);
        for (size_t b = 0; b < fz_n_backends; b++) {
            enum container_map_add_result result;
            struct container_map_conflict conflict;
            struct container_map_mapping m;

            if (!(fm->backends & (UINT64_C(1) << b))) {
                continue;
            }
            container_map_key_init(&m.key, FZ_TABLE, &mapping_ips[i],
                                   fm->proto, htons(fm->port));
            backend_spec(b, &m.backend);
            CM_FUZZ_ASSERT(!container_map_add(map, &m, &result, &conflict),
                           "setup: add mapping %zu", i);
            if (fm->drained & (UINT64_C(1) << b)) {
                CM_FUZZ_ASSERT(!container_map_drain(map, &m.key,
                                                    m.backend.mac, true),
                               "setup: drain %zu", i);
            }
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
        struct container_map_backend_spec spec;
        struct container_map_conflict conflict;

        parse_ip(resvs[i].ip, &resv_ips[i]);
        backend_spec(resvs[i].backend, &spec);
        CM_FUZZ_ASSERT(!container_map_reserve(map, FZ_TABLE, &resv_ips[i],
                                              &spec, &resvs[i].ranges,
                                              &conflict),
                       "setup: reserve %zu", i);
    }
    for (size_t i = 0; i < ARRAY_SIZE(echoes); i++) {
        const struct fz_echo *e = &echoes[i];

        parse_ip(e->ip, &echo_ips[i]);
        CM_FUZZ_ASSERT(!container_map_set_echo(
                           map, FZ_TABLE, &echo_ips[i], e->echo,
                           e->backend >= 0 ? &fz_backends[e->backend].mac
                                           : NULL),
                       "setup: echo %zu", i);
    }
    container_map_set_mac(map, FZ_TABLE, fz_switch_mac);
    container_map_for_each_backend(map, FZ_TABLE, compile_backend, NULL);

    container_map_conn_get_settings(map, &st);
    st.max_conns = FZ_MAX_CONNS;
    st.per_source = 6;
    st.per_container = 10;
    container_map_conn_set_settings(map, &st);
}

/* The oracle. */

bool
fz_is_mapped(const struct in6_addr *ip)
{
    for (size_t i = 0; i < ARRAY_SIZE(mappings); i++) {
        if (ipv6_addr_equals(ip, &mapping_ips[i])) {
            return true;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
        if (ipv6_addr_equals(ip, &resv_ips[i])) {
            return true;
        }
    }
    return false;
}

/* The containers that own 'port' (the echo identifier, if 'id') of
 * protocol 'proto' on 'ip': the mapping's backends and the reservations
 * whose range holds it. */
uint64_t
fz_owners(const struct in6_addr *ip, uint8_t proto, uint16_t port, bool id)
{
    uint64_t owners = 0;

    for (size_t i = 0; !id && i < ARRAY_SIZE(mappings); i++) {
        if (ipv6_addr_equals(ip, &mapping_ips[i])
            && mappings[i].proto == proto && mappings[i].port == port) {
            owners |= mappings[i].backends;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
        const struct container_map_ranges *r = &resvs[i].ranges;

        if (ipv6_addr_equals(ip, &resv_ips[i])
            && (id ? port >= r->id_min && port <= r->id_max
                   : port >= r->port_min && port <= r->port_max)) {
            owners |= UINT64_C(1) << resvs[i].backend;
        }
    }
    return owners;
}

int
fz_echo_container(const struct in6_addr *ip)
{
    for (size_t i = 0; i < ARRAY_SIZE(echoes); i++) {
        if (ipv6_addr_equals(ip, &echo_ips[i])) {
            return (echoes[i].echo == CONTAINER_MAP_ECHO_CONTAINER
                    ? echoes[i].backend : -1);
        }
    }
    return -1;
}

bool
fz_echo_by_switch(const struct in6_addr *ip)
{
    for (size_t i = 0; i < ARRAY_SIZE(echoes); i++) {
        if (ipv6_addr_equals(ip, &echo_ips[i])) {
            return false;
        }
    }
    return fz_is_mapped(ip);
}

int
fz_backend_by_port(uint32_t port)
{
    for (size_t b = 0; b < fz_n_backends; b++) {
        if (fz_backends[b].port == port) {
            return b;
        }
    }
    return -1;
}

int
fz_backend_by_mac(struct eth_addr mac)
{
    for (size_t b = 0; b < fz_n_backends; b++) {
        if (eth_addr_equals(fz_backends[b].mac, mac)) {
            return b;
        }
    }
    return -1;
}

/* Whether a packet with metadata 'md' comes from where backend 'b' lives:
 * its port and, behind a flow-based tunnel port, its host. */
bool
fz_backend_at(int b, const struct pkt_metadata *md)
{
    const struct in6_addr *tun = &backend_tuns[b];

    if (odp_to_u32(md->in_port.odp_port) != fz_backends[b].port) {
        return false;
    } else if (!fz_backends[b].tun) {
        return true;
    } else if (IN6_IS_ADDR_V4MAPPED(tun)) {
        return md->tunnel.ip_src == in6_addr_get_mapped_ipv4(tun);
    } else {
        return ipv6_addr_equals(&md->tunnel.ipv6_src, tun);
    }
}

/* Sets the tunnel metadata of a packet from backend 'b''s host. */
void
fz_set_tunnel(struct pkt_metadata *md, int b)
{
    const struct in6_addr *tun = &backend_tuns[b];

    if (!fz_backends[b].tun) {
        return;
    } else if (IN6_IS_ADDR_V4MAPPED(tun)) {
        md->tunnel.ip_src = in6_addr_get_mapped_ipv4(tun);
        md->tunnel.ip_dst = htonl(0xc0000201);      /* 192.0.2.1 */
    } else {
        md->tunnel.ipv6_src = *tun;
        md->tunnel.ipv6_dst = in6addr_loopback;
    }
}

/* The view. */

static bool
is_ports_proto(uint8_t proto)
{
    return (proto == IPPROTO_TCP || proto == IPPROTO_UDP
            || proto == IPPROTO_SCTP);
}

/* The packet inside an ICMP error: at least its IP header and 8 bytes of
 * what follows (RFC 792, RFC 4443), not a later fragment, TCP, UDP, SCTP
 * or an echo request. */
static bool
parse_embedded(const uint8_t *p, size_t size, bool ipv4, struct fz_view *v)
{
    const uint8_t *l4;
    size_t rest;

    if (ipv4) {
        size_t ihl;

        if (size < IP_HEADER_LEN || (p[0] >> 4) != 4) {
            return false;
        }
        ihl = (p[0] & 15) * 4;
        if (ihl < IP_HEADER_LEN || ihl > size
            || (((p[6] << 8) | p[7]) & IP_FRAG_OFF_MASK)) {
            return false;
        }
        in6_addr_set_mapped_ipv4(&v->isrc, get_unaligned_be32(
                                     ALIGNED_CAST(const ovs_be32 *,
                                                  p + 12)));
        in6_addr_set_mapped_ipv4(&v->idst, get_unaligned_be32(
                                     ALIGNED_CAST(const ovs_be32 *,
                                                  p + 16)));
        v->iproto = p[9];
        l4 = p + ihl;
        rest = size - ihl;
    } else {
        const struct ovs_16aligned_ip6_frag *frag_hdr;
        const void *data;
        uint8_t nw_frag = 0;

        if (size < IPV6_HEADER_LEN || (p[0] >> 4) != 6) {
            return false;
        }
        v->iproto = p[6];
        data = p + IPV6_HEADER_LEN;
        rest = size - IPV6_HEADER_LEN;
        if (!parse_ipv6_ext_hdrs(&data, &rest, &v->iproto, &nw_frag,
                                 &frag_hdr)
            || nw_frag & FLOW_NW_FRAG_LATER) {
            return false;
        }
        memcpy(&v->isrc, p + 8, sizeof v->isrc);
        memcpy(&v->idst, p + 24, sizeof v->idst);
        l4 = data;
    }
    if (rest < 8) {
        return false;
    }
    if (is_ports_proto(v->iproto)) {
        v->isport = (l4[0] << 8) | l4[1];
        v->idport = (l4[2] << 8) | l4[3];
        return true;
    } else if (v->iproto == (ipv4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)
               && l4[0] == (ipv4 ? 8 : 128)) {
        v->iecho = true;
        v->isport = v->idport = (l4[4] << 8) | l4[5];
        return true;
    }
    return false;
}

static void
view_icmp(const struct dp_packet *p, bool ipv4, struct fz_view *v)
{
    const uint8_t *l4 = dp_packet_l4(p);
    size_t size = dp_packet_l4_size(p);
    uint8_t type;

    v->kind = FZ_ICMP_OTHER;
    if (!l4 || size < ICMP_HEADER_LEN) {
        return;
    }
    type = v->icmp_type = l4[0];
    if (type == (ipv4 ? 8 : 128) || type == (ipv4 ? 0 : 129)) {
        v->kind = type == (ipv4 ? 8 : 128) ? FZ_ECHO_REQUEST : FZ_ECHO_REPLY;
        v->sport = v->dport = (l4[4] << 8) | l4[5];
    } else if ((ipv4 ? type == 3 || type == 11 || type == 12
                : type >= 1 && type <= 4)
               && parse_embedded(l4 + ICMP_HEADER_LEN,
                                 size - ICMP_HEADER_LEN, ipv4, v)) {
        v->kind = FZ_ICMP_ERROR;
    }
}

/* The fragment fields of 'v', an IP packet that flow extraction validated
 * (as the bytes say: the flow has no fragment identifier). */
static void
view_frag(const struct dp_packet *p, const struct flow *flow,
          struct fz_view *v)
{
    const uint8_t *l3 = dp_packet_l3(p);

    if (!(flow->nw_frag & FLOW_NW_FRAG_ANY)) {
        return;
    }
    v->frag = true;
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        v->frag_id = (l3[4] << 8) | l3[5];
    } else {
        const struct ovs_16aligned_ip6_frag *frag_hdr;
        const void *data = l3 + IPV6_HEADER_LEN;
        size_t rest = dp_packet_l3_size(p) - IPV6_HEADER_LEN;
        uint8_t nw_frag = 0;
        uint8_t proto = l3[6];

        if (parse_ipv6_ext_hdrs(&data, &rest, &proto, &nw_frag, &frag_hdr)
            && frag_hdr) {
            v->frag_id = ntohl(get_16aligned_be32(&frag_hdr->ip6f_ident));
            if (nw_frag & FLOW_NW_FRAG_LATER) {
                v->proto = frag_hdr->ip6f_nxt;
            }
        }
    }
}

void
fz_view_init(const struct dp_packet *p, const struct flow *flow,
             struct fz_view *v)
{
    const uint8_t *data = dp_packet_data(p);
    size_t size = dp_packet_size(p);

    memset(v, 0, sizeof *v);
    v->kind = FZ_NONE;

    /* The source address in the bytes, for an untagged IP frame. */
    if (size >= ETH_HEADER_LEN + IP_HEADER_LEN
        && data[12] == 0x08 && data[13] == 0x00) {
        in6_addr_set_mapped_ipv4(&v->raw_src, get_unaligned_be32(
                                     ALIGNED_CAST(const ovs_be32 *,
                                                  data + 26)));
    } else if (size >= ETH_HEADER_LEN + IPV6_HEADER_LEN
               && data[12] == 0x86 && data[13] == 0xdd) {
        memcpy(&v->raw_src, data + 22, sizeof v->raw_src);
    }

    if (flow->packet_type != htonl(PT_ETH) || flow->vlans[0].tci
        || size < ETH_HEADER_LEN) {
        return;
    }
    if (flow->dl_type == htons(ETH_TYPE_ARP)) {
        const uint8_t *l3 = dp_packet_l3(p);

        if (l3 && dp_packet_l3_size(p) >= ARP_ETH_HEADER_LEN
            && l3[0] == 0 && l3[1] == 1 && l3[2] == 8 && l3[3] == 0
            && l3[4] == 6 && l3[5] == 4) {
            v->kind = FZ_ARP;
            v->arp_op = (l3[6] << 8) | l3[7];
            memcpy(&v->arp_sha, l3 + 8, ETH_ADDR_LEN);
            memcpy(&v->arp_spa, l3 + 14, 4);
            memcpy(&v->arp_tpa, l3 + 24, 4);
        }
        return;
    }
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        in6_addr_set_mapped_ipv4(&v->src, flow->nw_src);
        in6_addr_set_mapped_ipv4(&v->dst, flow->nw_dst);
    } else if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        v->src = flow->ipv6_src;
        v->dst = flow->ipv6_dst;
    } else {
        return;
    }
    if (!dp_packet_l4(p)) {
        return;             /* Flow extraction did not validate it. */
    }
    v->ip = true;
    v->proto = flow->nw_proto;
    v->kind = FZ_OTHER_IP;
    view_frag(p, flow, v);
    if (flow->nw_frag & FLOW_NW_FRAG_LATER) {
        v->kind = FZ_LATER_FRAGMENT;
    } else if (is_ports_proto(v->proto)) {
        v->sport = ntohs(flow->tp_src);
        v->dport = ntohs(flow->tp_dst);
        if (v->dport) {
            v->kind = FZ_L4;
        }
    } else if (v->proto == (flow->dl_type == htons(ETH_TYPE_IP)
                            ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
        view_icmp(p, flow->dl_type == htons(ETH_TYPE_IP), v);
    }
}
