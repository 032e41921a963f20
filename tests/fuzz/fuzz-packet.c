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

/* libFuzzer target: packets through the container_map datapath action.
 *
 * The map is set up once (fuzz-packet-map.c).  Each input gives packets,
 * which go through OVS's flow extraction as dpif-netdev does it, then
 * through the ingress action (towards containers) and the egress action
 * (from containers), with a callback that records what is output where.
 * Each outcome is checked against the oracle, which knows the map as it was
 * set up and reads packets through flow extraction, not the action's
 * parser:
 *
 *   - a packet delivered to a container goes to the port and MAC of a
 *     container that owns the packet's [destination IP, protocol, port]
 *     (a backend of its mapping, or the reservation that holds the port, for
 *     replies to containers' own connections; for an ICMP error, the sender
 *     of the packet it is about, which must be the error's destination; for
 *     an echo request, the container echo is delivered to), with every byte
 *     but the Ethernet destination unchanged;
 *   - an answer (ARP reply, neighbour advertisement, echo reply) goes back
 *     where the request came from, only for a mapped IP, and is the exact
 *     reply with valid checksums; a neighbour advertisement to a mapped IP
 *     reaches only the container whose MAC it is addressed to;
 *   - a packet the egress action lets go on from a mapped IP comes from the
 *     container that owns what it claims (its MAC, port, tunnel peer, and
 *     the source port, echo identifier or connection), unchanged but for ARP
 *     requests made probes; no ARP it lets go teaches a mapped IP;
 *   - every packet has exactly one outcome, and each dropped one is
 *     counted;
 *   - the connection table never holds more than its limit.
 *
 * Input: one control byte (see CTL_*), then in modes 0 and 1 one Ethernet
 * frame (mode 1: metadata first: in_port, tunnel), in modes 2 and 3 records
 * of "length, flags, frame" that make batches of several packets, through
 * the lookahead hooks of dp_netdev_input__() (mode 2) or not (3). */

#include <config.h>

#include <string.h>

#include "container-map.h"
#include "container-map-conn.h"
#include "container-map-dp.h"
#include "container-map-dp-private.h"
#include "container-map-odp.h"
#include "container-map-stats.h"
#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "fuzz-common.h"
#include "fuzz-packet.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-rcu.h"
#include "timeval.h"
#include "util.h"

#define CTL_MODE 0x03           /* 0 single, 1 metadata, 2 and 3 batches. */
#define CTL_KEEP 0x04           /* Not stolen (the action clones). */
#define CTL_CONTINUE 0x08       /* miss=continue. */
#define CTL_KEEP_CONNS 0x10     /* Keep the previous inputs' connections. */
#define CTL_SWEEP 0x20          /* Expire every connection at the end. */
#define CTL_EGRESS_FIRST 0x40   /* Modes 0 and 1: egress, then ingress. */

#define MAX_PKTS NETDEV_MAX_BURST
#define MAX_OUTS (4 * MAX_PKTS)

/* One packet given to an action, and what became of it. */
struct fz_pkt {
    struct dp_packet *orig;     /* A copy as flow extraction left it. */
    struct dp_packet *packet;   /* What the action got (not ours once
                                 * given, when stolen). */
    struct fz_view view;
    unsigned int n_outcomes;
};

struct fz_out {
    uint32_t port;
    struct dp_packet *packet;   /* A copy. */
};

static struct fz_out outs[MAX_OUTS];
static size_t n_outs;

static void
record_output(void *dp OVS_UNUSED, struct dp_packet_batch *batch,
              const struct nlattr *a, bool steal)
{
    struct dp_packet *p;

    CM_FUZZ_ASSERT(nl_attr_type(a) == OVS_ACTION_ATTR_OUTPUT,
                   "datapath asked for action %d", nl_attr_type(a));
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        CM_FUZZ_ASSERT(n_outs < MAX_OUTS, "more outputs than packets");
        outs[n_outs].port = odp_to_u32(nl_attr_get_odp_port(a));
        outs[n_outs].packet = dp_packet_clone(p);
        n_outs++;
    }
    if (steal) {
        dp_packet_delete_batch(batch, true);
    }
}

static struct dp_packet *
make_packet(const uint8_t *data, size_t size, const struct pkt_metadata *md,
            struct fz_pkt *fp)
{
    struct dp_packet *p = dp_packet_new_with_headroom(size, 64);
    struct {
        struct miniflow mf;
        uint64_t buf[FLOW_U64S];
    } m;
    struct flow flow;

    dp_packet_put(p, data, size);
    p->md = *md;
    /* What dfc_processing() does with a received packet. */
    miniflow_extract(p, &m.mf);

    fp->packet = p;
    fp->orig = dp_packet_clone(p);
    fp->n_outcomes = 0;
    flow_extract(fp->orig, &flow);
    fz_view_init(fp->orig, &flow, &fp->view);
    return p;
}

static void
uplink_md(struct pkt_metadata *md)
{
    pkt_metadata_init(md, u32_to_odp(FZ_UPLINK));
}

/* Where a container's packet with this source MAC comes from. */
static void
natural_md(const uint8_t *data, size_t size, struct pkt_metadata *md)
{
    struct eth_addr src;
    int b;

    uplink_md(md);
    if (size >= ETH_HEADER_LEN) {
        memcpy(&src, data + ETH_ADDR_LEN, ETH_ADDR_LEN);
        b = fz_backend_by_mac(src);
        if (b >= 0) {
            pkt_metadata_init(md, u32_to_odp(fz_backends[b].port));
            fz_set_tunnel(md, b);
        }
    }
}

static bool
same_bytes_from(const struct dp_packet *a, const struct dp_packet *b,
                size_t ofs)
{
    return (dp_packet_size(a) == dp_packet_size(b)
            && dp_packet_size(a) >= ofs
            && !memcmp((const uint8_t *) dp_packet_data(a) + ofs,
                       (const uint8_t *) dp_packet_data(b) + ofs,
                       dp_packet_size(a) - ofs));
}

/* Is 'b' a container that 'v' (a packet towards containers) may reach? */
static bool
may_deliver(const struct fz_view *v, int b)
{
    uint64_t bit = UINT64_C(1) << b;

    switch (v->kind) {
    case FZ_L4:
        return fz_owners(&v->dst, v->proto, v->dport, false) & bit;
    case FZ_ECHO_REQUEST:
        return fz_echo_container(&v->dst) == b;
    case FZ_ECHO_REPLY:
        return fz_owners(&v->dst, v->proto, v->dport, true) & bit;
    case FZ_ICMP_ERROR:
        /* About a packet the container sent: from the error's
         * destination. */
        return (ipv6_addr_equals(&v->isrc, &v->dst)
                && fz_owners(&v->isrc, v->iproto, v->isport, v->iecho) & bit);
    case FZ_NONE:
    case FZ_ICMP_OTHER:
    case FZ_ARP:
    case FZ_LATER_FRAGMENT:
    case FZ_OTHER_IP:
    default:
        return false;
    }
}

/* May later fragment 'fp' reach container 'b', as a datagram whose first
 * fragment is among the 'n' of 'pkts' would?  (The action remembers first
 * fragments only within one run of the fuzzer: cm_frag_reset().) */
static bool
may_deliver_frag(const struct fz_pkt pkts[], size_t n,
                 const struct fz_pkt *fp, int b)
{
    const struct fz_view *v = &fp->view;

    if (v->kind != FZ_LATER_FRAGMENT) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const struct fz_view *first = &pkts[i].view;

        if (first->kind == FZ_L4 && first->frag
            && first->frag_id == v->frag_id && first->proto == v->proto
            && ipv6_addr_equals(&first->src, &v->src)
            && ipv6_addr_equals(&first->dst, &v->dst)
            && pkts[i].orig->md.in_port.odp_port
               == fp->orig->md.in_port.odp_port
            && fz_owners(&v->dst, v->proto, first->dport, false)
               & (UINT64_C(1) << b)) {
            return true;
        }
    }
    return false;
}

static bool
ipv4_csum_ok(const uint8_t *l3, size_t len)
{
    return !csum(l3, len);
}

/* Is 'q' the answer to request 'fp' (an ARP or echo request for a mapped
 * IP), exactly as it must be? */
static bool
is_answer(const struct fz_pkt *fp, const struct dp_packet *q)
{
    const struct fz_view *v = &fp->view;
    const struct dp_packet *p = fp->orig;
    const uint8_t *a = dp_packet_data(p);
    const uint8_t *b = dp_packet_data(q);
    size_t size = dp_packet_size(p);
    size_t l3;

    if (dp_packet_size(q) != size || size < ETH_HEADER_LEN
        || memcmp(b + 6, &fz_switch_mac, 6) || !dp_packet_l3(p)) {
        return false;
    }
    l3 = (const uint8_t *) dp_packet_l3(p) - a;
    if (v->kind == FZ_ARP) {
        uint8_t want[ARP_ETH_HEADER_LEN];
        ovs_be16 reply = htons(ARP_OP_REPLY);
        struct in6_addr tpa;

        in6_addr_set_mapped_ipv4(&tpa, v->arp_tpa);
        if (v->arp_op != ARP_OP_REQUEST || !fz_is_mapped(&tpa)
            || v->arp_spa == v->arp_tpa) {
            return false;
        }
        memcpy(want, a + l3, sizeof want);
        memcpy(want + 6, &reply, 2);
        memcpy(want + 8, &fz_switch_mac, 6);
        memcpy(want + 14, &v->arp_tpa, 4);
        memcpy(want + 18, &v->arp_sha, 6);
        memcpy(want + 24, &v->arp_spa, 4);
        return (!memcmp(b, &v->arp_sha, 6)
                && !memcmp(b + l3, want, sizeof want)
                && !memcmp(b + 12, a + 12, l3 - 12)
                && !memcmp(b + l3 + sizeof want, a + l3 + sizeof want,
                           size - l3 - sizeof want));
    } else if (v->kind == FZ_ECHO_REQUEST && fz_echo_by_switch(&v->dst)) {
        size_t l4 = (const uint8_t *) dp_packet_l4(p) - a;
        size_t end = l3 + dp_packet_l3_size(p);
        bool ipv4 = v->proto == IPPROTO_ICMP;
        size_t alen = ipv4 ? 4 : 16;
        size_t aofs = l3 + (ipv4 ? 12 : 8);

        if (memcmp(b, a + 6, 6) || memcmp(b + 12, a + 12, 2)
            || memcmp(b + l3, a + l3, ipv4 ? 8 : 7)
            || (ipv4 && b[l3 + 9] != a[l3 + 9])
            || memcmp(b + l3 + (ipv4 ? 20 : 40), a + l3 + (ipv4 ? 20 : 40),
                      l4 - l3 - (ipv4 ? 20 : 40))
            || memcmp(b + aofs, a + aofs + alen, alen)
            || memcmp(b + aofs + alen, a + aofs, alen)
            || b[l3 + (ipv4 ? 8 : 7)] != 64
            || b[l4] != (ipv4 ? 0 : 129) || b[l4 + 1] != a[l4 + 1]
            || memcmp(b + l4 + 4, a + l4 + 4, size - l4 - 4)) {
            return false;
        }
        if (ipv4) {
            size_t ihl = l4 - l3;

            /* Valid checksums stay valid. */
            if (ipv4_csum_ok(a + l3, ihl) && !ipv4_csum_ok(b + l3, ihl)) {
                return false;
            }
            if (!csum(a + l4, end - l4) && csum(b + l4, end - l4)) {
                return false;
            }
        } else {
            const struct ovs_16aligned_ip6_hdr *ia = (const void *) (a + l3);
            const struct ovs_16aligned_ip6_hdr *ib = (const void *) (b + l3);

            if (!packet_csum_upperlayer6(ia, a + l4, IPPROTO_ICMPV6,
                                         end - l4)
                && packet_csum_upperlayer6(ib, b + l4, IPPROTO_ICMPV6,
                                           end - l4)) {
                return false;
            }
        }
        return true;
    }
    return false;
}

/* Is 'q' the neighbour advertisement that answers 'fp', a neighbour
 * solicitation for a mapped IPv6 address, as it must be: from the switch,
 * for the target, to the solicitor (to all nodes for duplicate address
 * detection), with a valid checksum? */
static bool
is_nd_answer(const struct fz_pkt *fp, const struct dp_packet *q)
{
    static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    const struct fz_view *v = &fp->view;
    const struct dp_packet *p = fp->orig;
    const uint8_t *a = dp_packet_data(p);
    const uint8_t *b = dp_packet_data(q);
    const uint8_t *l4 = dp_packet_l4(p);
    size_t l4_size = l4 ? dp_packet_l4_size(p) : 0;
    struct in6_addr target, dst;
    const uint8_t *to = a + 6;          /* The solicitor's frame source... */
    bool dad;

    if (!v->ip || v->proto != IPPROTO_ICMPV6 || l4_size < 24
        || l4[0] != 135 || dp_packet_size(q) != ETH_HEADER_LEN + 40 + 32) {
        return false;
    }
    memcpy(&target, l4 + 8, sizeof target);
    dad = !ipv6_addr_is_set(&v->src);
    if (!fz_is_mapped(&target) || ipv6_addr_equals(&v->src, &target)) {
        return false;
    }
    for (size_t o = 24; o + 8 <= l4_size && l4[o + 1]; o += l4[o + 1] * 8) {
        if (l4[o] == 1 && l4[o + 1] == 1) {
            to = l4 + o + 2;            /* ...or its link-layer option. */
        }
    }
    if (dad) {
        to = all_nodes_mac;
        dst = in6addr_all_hosts;
    } else {
        dst = v->src;
    }

    const uint8_t *ip6 = b + ETH_HEADER_LEN;
    const uint8_t *na = ip6 + 40;
    uint8_t flags = dad ? 0x20 : 0x60;

    return (!memcmp(b, to, 6) && !memcmp(b + 6, &fz_switch_mac, 6)
            && b[12] == 0x86 && b[13] == 0xdd && (ip6[0] >> 4) == 6
            && ip6[4] == 0 && ip6[5] == 32 && ip6[6] == IPPROTO_ICMPV6
            && ip6[7] == 255 && !memcmp(ip6 + 8, &target, 16)
            && !memcmp(ip6 + 24, &dst, 16)
            && na[0] == 136 && na[1] == 0 && na[4] == flags
            && !memcmp(na + 8, &target, 16) && na[24] == 2 && na[25] == 1
            && !memcmp(na + 26, &fz_switch_mac, 6)
            && !packet_csum_upperlayer6(
                   ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, ip6),
                   na, IPPROTO_ICMPV6, 32));
}

/* May the ingress action deliver 'fp', a neighbour advertisement, to
 * container 'b'?  Only to a mapped address, at the container's MAC (the
 * answer to its own solicitation). */
static bool
may_deliver_nd(const struct fz_pkt *fp, int b)
{
    const struct fz_view *v = &fp->view;

    return (v->ip && v->proto == IPPROTO_ICMPV6 && v->icmp_type == 136
            && fz_is_mapped(&v->dst)
            && !memcmp(dp_packet_data(fp->orig), &fz_backends[b].mac,
                       ETH_ADDR_LEN));
}

/* Checks output 'o' of the ingress action: a delivery or an answer. */
static void
check_ingress_out(struct fz_pkt pkts[], size_t n, const struct fz_out *o)
{
    const uint8_t *q = dp_packet_data(o->packet);
    int b = fz_backend_by_port(o->port);
    bool known = false;

    for (size_t i = 0; i < n; i++) {
        struct fz_pkt *fp = &pkts[i];

        if (fp->n_outcomes || fp->orig->md.in_port.odp_port
                              != o->packet->md.in_port.odp_port) {
            continue;
        }
        if (b >= 0 && same_bytes_from(fp->orig, o->packet, ETH_ADDR_LEN)
            && (may_deliver(&fp->view, b) || may_deliver_nd(fp, b)
                || may_deliver_frag(pkts, n, fp, b))
            && !memcmp(q, &fz_backends[b].mac, ETH_ADDR_LEN)
            && fz_backends[b].acts != FZ_ACTS_NONE) {
            fp->n_outcomes++;
            return;
        }
        if (o->port == odp_to_u32(fp->orig->md.in_port.odp_port)
            && (is_answer(fp, o->packet) || is_nd_answer(fp, o->packet))) {
            fp->n_outcomes++;
            return;
        }
        known |= same_bytes_from(fp->orig, o->packet, ETH_ADDR_LEN);
    }
    for (size_t i = 0; i < n; i++) {
        const struct fz_view *v = &pkts[i].view;
        struct ds s = DS_EMPTY_INITIALIZER;

        ipv6_format_mapped(&v->dst, &s);
        fprintf(stderr, "packet %zu: kind %d, to %s proto %d port %"PRIu16
                ", outcomes %u, same bytes %d\n", i, v->kind, ds_cstr(&s),
                v->proto, v->dport, pkts[i].n_outcomes,
                same_bytes_from(pkts[i].orig, o->packet, ETH_ADDR_LEN));
        ds_destroy(&s);
    }
    cm_fuzz_fail("ingress: %s output to port %"PRIu32" (%s) with "
                 "destination "ETH_ADDR_FMT,
                 known ? "packet" : "unknown or altered packet", o->port,
                 b >= 0 ? "a container" : "no container",
                 ETH_ADDR_BYTES_ARGS(q));
}

/* May the egress action let the packet of 'fp' go on, as 'q'? */
static bool
may_pass(const struct fz_pkt *fp, const struct dp_packet *q)
{
    const struct pkt_metadata *md = &fp->orig->md;
    const struct fz_view *v = &fp->view;
    struct eth_addr src;
    uint64_t owners;
    int b;

    if (v->kind == FZ_ARP) {
        /* Never teaches an address at the container's MAC, and only as
         * its sender: made a probe if need be. */
        const uint8_t *l3 = dp_packet_l3(fp->orig);
        size_t spa = l3 - (const uint8_t *) dp_packet_data(fp->orig) + 14;
        static const uint8_t zero[4];

        return (!memcmp(&v->arp_sha,
                        (const uint8_t *) dp_packet_data(q) + 6, ETH_ADDR_LEN)
                && !memcmp((const uint8_t *) dp_packet_data(q) + spa, zero, 4)
                && same_bytes_from(fp->orig, q, spa + 4)
                && !memcmp(dp_packet_data(q), dp_packet_data(fp->orig), spa));
    }
    if (!same_bytes_from(fp->orig, q, 0)) {
        return false;
    }
    memcpy(&src, (const uint8_t *) dp_packet_data(q) + 6, ETH_ADDR_LEN);
    b = fz_backend_by_mac(src);

    if (v->kind == FZ_ICMP_ERROR) {
        /* To the sender of the packet inside, about a packet the container
         * received (its own), and from a mapped address only from the one
         * that packet went to. */
        if (!ipv6_addr_equals(&v->isrc, &v->dst)
            || ((fz_is_mapped(&v->src) || fz_is_mapped(&v->raw_src))
                && !ipv6_addr_equals(&v->src, &v->idst))) {
            return false;
        } else if (!fz_is_mapped(&v->idst)) {
            return true;
        }
        owners = fz_owners(&v->idst, v->iproto, v->idport, v->iecho);
        return b >= 0 && owners & (UINT64_C(1) << b) && fz_backend_at(b, md);
    }
    if (!fz_is_mapped(&v->raw_src) && !fz_is_mapped(&v->src)) {
        return true;            /* Nothing of the map's. */
    }
    switch (v->kind) {
    case FZ_L4:
        owners = fz_owners(&v->src, v->proto, v->sport, false);
        break;
    case FZ_ECHO_REQUEST:
        owners = fz_owners(&v->src, v->proto, v->sport, true);
        break;
    case FZ_ECHO_REPLY:
        owners = (fz_echo_container(&v->src) >= 0
                  ? UINT64_C(1) << fz_echo_container(&v->src) : 0);
        break;
    case FZ_LATER_FRAGMENT:
        /* It goes where its first fragment, which is checked, went
         * (container-map-dp-frag.c). */
        return true;
    case FZ_ICMP_OTHER:
        /* Router and neighbour solicitations, which containers need. */
        return (v->proto == IPPROTO_ICMPV6
                && (v->icmp_type == 133 || v->icmp_type == 135));
    case FZ_ICMP_ERROR:
    case FZ_NONE:
    case FZ_ARP:
    case FZ_OTHER_IP:
    default:
        return false;
    }
    return b >= 0 && owners & (UINT64_C(1) << b) && fz_backend_at(b, md);
}

static unsigned long long
n_counted_drops(void)
{
    unsigned long long n = 0;

    for (int c = 0; c < CONTAINER_MAP_N_DROPS; c++) {
        n += container_map_get_counter(container_map_global(), FZ_TABLE, c);
    }
    return n;
}

/* Checks the outcome of one action on 'n' packets: 'left' are those it left
 * in the batch, 'drops' the drop counters before. */
static void
check_outcome(struct fz_pkt pkts[], size_t n, bool egress, bool cont,
              const struct dp_packet_batch *left,
              unsigned long long drops)
{
    size_t n_done = 0, n_left = dp_packet_batch_size(left);
    unsigned long long counted = n_counted_drops() - drops;
    struct dp_packet *q;

    for (size_t i = 0; i < n_outs; i++) {
        if (egress) {
            /* The egress action only answers ARP and neighbour
             * solicitations. */
            for (size_t j = 0; j < n; j++) {
                if (!pkts[j].n_outcomes
                    && outs[i].port == odp_to_u32(
                           pkts[j].orig->md.in_port.odp_port)
                    && (pkts[j].view.kind == FZ_ARP
                        ? is_answer(&pkts[j], outs[i].packet)
                        : is_nd_answer(&pkts[j], outs[i].packet))) {
                    pkts[j].n_outcomes++;
                    goto next;
                }
            }
            cm_fuzz_fail("egress: output to port %"PRIu32" that answers "
                         "nothing", outs[i].port);
        } else {
            check_ingress_out(pkts, n, &outs[i]);
        }
next:
        n_done++;
    }

    DP_PACKET_BATCH_FOR_EACH (k, q, left) {
        bool found = false;

        for (size_t j = 0; j < n && !found; j++) {
            if (pkts[j].n_outcomes || pkts[j].packet != q) {
                continue;
            }
            if (egress) {
                CM_FUZZ_ASSERT(may_pass(&pkts[j], q) || cont,
                               "egress: packet %zu let go", j);
            } else {
                CM_FUZZ_ASSERT(cont, "ingress: miss=drop left a packet");
                CM_FUZZ_ASSERT(same_bytes_from(pkts[j].orig, q, 0),
                               "ingress: packet %zu left changed", j);
            }
            if (egress && cont && !may_pass(&pkts[j], q)) {
                /* A miss left to the next actions: unchanged, and
                 * counted. */
                CM_FUZZ_ASSERT(same_bytes_from(pkts[j].orig, q, 0),
                               "egress: missed packet %zu changed", j);
            }
            pkts[j].n_outcomes++;
            found = true;
        }
        CM_FUZZ_ASSERT(found, "a packet left in the batch that is none of "
                       "those given");
    }

    /* Every packet given once: delivered, answered, left or dropped. */
    CM_FUZZ_ASSERT(n_done + n_left <= n, "%zu outcomes for %zu packets",
                   n_done + n_left, n);
    if (cont) {
        CM_FUZZ_ASSERT(counted >= n - n_done - n_left
                       && counted <= n - n_done,
                       "%llu drops counted, %zu dropped and %zu left",
                       counted, n - n_done - n_left, n_left);
    } else {
        CM_FUZZ_ASSERT(counted == n - n_done - n_left,
                       "%llu drops counted for %zu dropped", counted,
                       n - n_done - n_left);
    }
}

static void
clear_outs(void)
{
    for (size_t i = 0; i < n_outs; i++) {
        dp_packet_delete(outs[i].packet);
    }
    n_outs = 0;
}

static void
free_pkts(struct fz_pkt pkts[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dp_packet_delete(pkts[i].orig);
    }
}

/* Runs one action, ingress or egress, on the 'n' packets of 'pkts' (whose
 * 'packet's make 'batch'). */
static void
run_action(struct fz_pkt pkts[], size_t n, struct dp_packet_batch *batch,
           const struct ofpbuf *action, bool egress, bool steal, bool cont)
{
    unsigned long long drops = n_counted_drops();
    struct dp_packet *kept[MAX_PKTS];
    size_t n_kept = 0;

    if (!steal) {
        /* Nothing of the batch is the action's: the packets left over are
         * still ours afterwards, and so are the others. */
        struct dp_packet *p;

        DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
            kept[n_kept++] = p;
        }
    }
    container_map_execute(NULL, batch, steal, action->data, record_output);
    /* Fragments held for a first one that did not come in this run are
     * dropped (and counted) now, so that every outcome is this run's. */
    cm_frag_reset();
    check_outcome(pkts, n, egress, cont, batch, drops);
    clear_outs();
    if (steal) {
        dp_packet_delete_batch(batch, true);
    }
    for (size_t i = 0; i < n_kept; i++) {
        dp_packet_delete(kept[i]);
    }
    free_pkts(pkts, n);
}

static void
put_action(struct ofpbuf *buf, bool egress, bool cont)
{
    ofpbuf_init(buf, 64);
    container_map_put_odp_action(buf, FZ_TABLE,
                                 (cont ? OVS_CONTAINER_MAP_MISS_CONTINUE
                                       : OVS_CONTAINER_MAP_MISS_DROP),
                                 egress);
}

/* Modes 0 and 1: one frame, through ingress and egress. */
static void
run_single(uint8_t ctl, const uint8_t *data, size_t size)
{
    bool steal = !(ctl & CTL_KEEP), cont = ctl & CTL_CONTINUE;
    struct pkt_metadata md_in, md_out;
    struct ofpbuf action;

    if ((ctl & CTL_MODE) == 1) {
        /* Metadata first: the port (one byte) and the tunnel peer it came
         * from (a type byte, then 4 or 16 bytes). */
        uint8_t port, tun;

        if (size < 2) {
            return;
        }
        port = data[0] % 10;
        tun = data[1] % 3;
        data += 2;
        size -= 2;
        pkt_metadata_init(&md_in, u32_to_odp(port));
        if (tun == 1 && size >= 4) {
            memcpy(&md_in.tunnel.ip_src, data, 4);
            md_in.tunnel.ip_dst = htonl(0xc0000201);
            data += 4;
            size -= 4;
        } else if (tun == 2 && size >= 16) {
            memcpy(&md_in.tunnel.ipv6_src, data, 16);
            md_in.tunnel.ipv6_dst = in6addr_loopback;
            data += 16;
            size -= 16;
        }
        md_out = md_in;
    } else {
        uplink_md(&md_in);
        natural_md(data, size, &md_out);
    }
    if (!size) {
        return;                 /* No port receives an empty frame. */
    }

    for (int pass = 0; pass < 2; pass++) {
        bool egress = (pass == 0) == !!(ctl & CTL_EGRESS_FIRST);
        struct dp_packet_batch batch;
        struct fz_pkt pkt;

        put_action(&action, egress, cont);
        dp_packet_batch_init(&batch);
        dp_packet_batch_add(&batch, make_packet(data, size,
                                                egress ? &md_out : &md_in,
                                                &pkt));
        run_action(&pkt, 1, &batch, &action, egress, steal, cont);
        ofpbuf_uninit(&action);
    }
}

/* Modes 2 and 3: records "LENGTH FLAGS FRAME": FLAGS bit 0 egress, bits 1-2
 * the megaflow (ingress: 0 to 2), bits 3-6 the port (0: the uplink for
 * ingress, the container's own for egress). */
struct fz_megaflow {
    struct ofpbuf action;
    struct dp_packet_batch batch;
    struct fz_pkt pkts[MAX_PKTS];
    size_t n;
};

static void
run_batches(uint8_t ctl, const uint8_t *data, size_t size)
{
    bool steal = !(ctl & CTL_KEEP), cont = ctl & CTL_CONTINUE;
    bool hooks = (ctl & CTL_MODE) == 2;
    struct fz_megaflow mfs[4];          /* 0-2 ingress, 3 egress. */
    struct ofpbuf other;

    for (int i = 0; i < 4; i++) {
        put_action(&mfs[i].action, i == 3, cont);
        dp_packet_batch_init(&mfs[i].batch);
        mfs[i].n = 0;
    }
    while (size >= 2) {
        size_t len = MIN(data[0], size - 2);
        uint8_t flags = data[1];
        struct pkt_metadata md;
        int mf = flags & 1 ? 3 : (flags >> 1 & 3) % 3;
        unsigned int port = flags >> 3 & 15;

        if (port) {
            pkt_metadata_init(&md, u32_to_odp(port));
        } else if (mf == 3) {
            natural_md(data + 2, len, &md);
        } else {
            uplink_md(&md);
        }
        if (len && mfs[mf].n < MAX_PKTS) {
            struct fz_megaflow *m = &mfs[mf];

            dp_packet_batch_add(&m->batch, make_packet(data + 2, len, &md,
                                                       &m->pkts[m->n]));
            m->n++;
        }
        data += 2 + len;
        size -= 2 + len;
    }

    /* As dp_netdev_input__(): every megaflow of the receive batch is added
     * (one that is not ours, and the egress one, are skipped by the hook
     * itself), then they run in order. */
    ofpbuf_init(&other, 64);
    nl_msg_put_odp_port(&other, OVS_ACTION_ATTR_OUTPUT, u32_to_odp(9));
    if (hooks) {
        struct dp_packet_batch empty;

        dp_packet_batch_init(&empty);
        container_map_lookahead_add(&empty, other.data, other.size);
        for (int i = 0; i < 4; i++) {
            container_map_lookahead_add(&mfs[i].batch, mfs[i].action.data,
                                        mfs[i].action.size);
        }
        container_map_lookahead_run();
    }
    for (int i = 0; i < 4; i++) {
        if (mfs[i].n) {
            run_action(mfs[i].pkts, mfs[i].n, &mfs[i].batch,
                       &mfs[i].action, i == 3, steal, cont);
        }
        ofpbuf_uninit(&mfs[i].action);
    }
    if (hooks) {
        container_map_lookahead_done();
    }
    ofpbuf_uninit(&other);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    struct container_map *map = container_map_global();
    uint8_t ctl;

    if (!initialized) {
        initialized = true;
        /* The action runs in a thread that is not quiescent, as
         * dpif-netdev's PMD threads while they handle packets. */
        ovsrcu_quiesce_end();
        odp_execute_init();
        fz_map_setup();
    }
    if (!size) {
        return 0;
    }
    ctl = data[0];
    if (!(ctl & CTL_KEEP_CONNS)) {
        /* Each input on its own, so that a crash reproduces alone. */
        container_map_conn_flush(map, FZ_TABLE);
    }
    if ((ctl & CTL_MODE) < 2) {
        run_single(ctl, data + 1, size - 1);
    } else {
        run_batches(ctl, data + 1, size - 1);
    }
    CM_FUZZ_ASSERT(container_map_conn_count(map, FZ_TABLE) <= FZ_MAX_CONNS,
                   "%zu connections, limit %d",
                   container_map_conn_count(map, FZ_TABLE), FZ_MAX_CONNS);
    if (ctl & CTL_SWEEP) {
        container_map_conn_sweep(map, time_msec() + 30LL * 24 * 3600 * 1000);
        CM_FUZZ_ASSERT(!container_map_conn_count(map, FZ_TABLE),
                       "connections outlive every timeout");
    }
    /* Let RCU free what the action and the sweep retired. */
    ovsrcu_quiesce();
    return 0;
}
