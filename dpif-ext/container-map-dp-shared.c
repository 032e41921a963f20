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


/* What shared IPs need of the container_map action besides the lookup of
 * container-map-dp.c: the connections that containers open (egress), ARP
 * and IPv6 neighbour discovery for mapped IPs both ways, ICMP echo to them
 * and ICMP errors about their connections. */

#include <config.h>

#include "container-map-dp-private.h"

#include <errno.h>
#include <netinet/icmp6.h>

#include "packets.h"
#include "util.h"

/* ICMP towards containers. */

enum cm_verdict
cm_ingress_echo_request(struct cm_ctx *ctx, struct dp_packet *packet,
                        const struct container_map_pkt *pkt)
{
    struct container_map_backend *echo;
    const struct container_map_addr *addr;
    struct eth_addr mac;

    addr = container_map_addrs_lookup(&ctx->map->addrs, ctx->table_id,
                                      &pkt->dst);
    if (!addr) {
        return CM_MISS;
    }
    switch (container_map_addr_get_echo(addr, &echo)) {
    case CONTAINER_MAP_ECHO_CONTAINER:
        cm_deliver(ctx, packet, echo, NULL);
        return CM_CONSUMED;
    case CONTAINER_MAP_ECHO_SWITCH:
        mac = container_map_get_mac(ctx->map, ctx->table_id);
        if (!eth_addr_is_zero(mac)) {
            container_map_echo_make_reply(cm_answer(ctx, packet), mac);
            cm_count(ctx, CONTAINER_MAP_EV_ECHO_REPLY);
            return CM_CONSUMED;
        }
        /* Fall through. */
    case CONTAINER_MAP_ECHO_OFF:
    default:
        cm_count(ctx, CONTAINER_MAP_DROP_ECHO_OFF);
        return CM_DROP;
    }
}

/* An echo reply (the local side is the destination), or an ICMP error about
 * a packet a container sent (the local side is that packet's source). */
enum cm_verdict
cm_ingress_icmp(struct cm_ctx *ctx, struct dp_packet *packet,
                const struct container_map_pkt *pkt)
{
    bool is_error = pkt->kind == CONTAINER_MAP_PKT_ICMP_ERROR;
    const struct in6_addr *local = is_error ? &pkt->src : &pkt->dst;
    const struct in6_addr *remote = is_error ? &pkt->dst : &pkt->src;
    ovs_be16 local_port = is_error ? pkt->src_port : pkt->dst_port;
    ovs_be16 remote_port = is_error ? pkt->dst_port : pkt->src_port;
    struct container_map_conn_key ckey;
    struct container_map_conn *conn;
    uint32_t chash;

    cm_conn_key(&ckey, ctx->table_id, pkt->proto, local, local_port, remote,
                remote_port);
    chash = container_map_conn_hash(ctx->map->conns.basis, &ckey);
    conn = container_map_conns_lookup(&ctx->map->conns, &ckey, chash);
    if (conn) {
        ctx->n_conn_hits++;
        if (is_error) {
            cm_count(ctx, CONTAINER_MAP_EV_ICMP_ERROR);
        } else {
            container_map_conn_touch(conn, cm_now(ctx), 0, true,
                                     dp_packet_size(packet));
        }
        cm_deliver(ctx, packet, conn->backend, conn->backend_stats);
        return CM_CONSUMED;
    }

    if (is_error && pkt->proto != IPPROTO_ICMP
        && pkt->proto != IPPROTO_ICMPV6) {
        /* About a connection to a mapping that has no entry (the mapping has
         * one backend, or the table was full): the backend that hashing
         * gives it. */
        const struct container_map_entry *entry;
        struct container_map_key key;
        int i;

        container_map_key_init(&key, ctx->table_id, local, pkt->proto,
                               local_port);
        entry = container_map_entries_lookup(&ctx->map->entries, &key,
                                             container_map_key_hash(
                                                 ctx->map->entries.basis,
                                                 &key));
        i = (entry
             ? container_map_entry_select(
                   entry, container_map_conn_select_hash(&ckey))
             : -1);
        if (i >= 0) {
            cm_count(ctx, CONTAINER_MAP_EV_ICMP_ERROR);
            cm_deliver(ctx, packet, entry->backends[i], entry->bstats[i]);
            return CM_CONSUMED;
        }
    }

    /* About a connection a container opened, or a reply to its ping,
     * without an entry: the reservation of the port or identifier says
     * whose it is. */
    const struct container_map_resv *resv;

    resv = cm_find_resv(ctx, local, local_port,
                        (pkt->proto == IPPROTO_ICMP
                         || pkt->proto == IPPROTO_ICMPV6));
    if (resv) {
        if (is_error) {
            cm_count(ctx, CONTAINER_MAP_EV_ICMP_ERROR);
        }
        ctx->n_resv_hits++;
        cm_deliver(ctx, packet, resv->backend, NULL);
        return CM_CONSUMED;
    }
    return CM_MISS;
}

static bool
cm_is_mapped_ipv4(const struct cm_ctx *ctx, ovs_be32 ip4)
{
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, ip4);
    return container_map_addrs_lookup(&ctx->map->addrs, ctx->table_id,
                                      &ip) != NULL;
}

/* ARP, both ways.  Requests for mapped IPs are answered by the switch,
 * always with the bridge's container-map MAC, so no neighbour table ever
 * sees a shared IP move.  From containers, anything that would teach the
 * network a mapped IP at a container's MAC is dropped or rewritten. */
enum cm_verdict
cm_arp(struct cm_ctx *ctx, struct dp_packet *packet, bool egress)
{
    const struct arp_eth_header *arp = dp_packet_l3(packet);
    ovs_be32 spa = get_16aligned_be32(&arp->ar_spa);
    ovs_be32 tpa = get_16aligned_be32(&arp->ar_tpa);
    uint16_t op = ntohs(arp->ar_op);
    bool tpa_mapped = cm_is_mapped_ipv4(ctx, tpa);
    bool spa_mapped = spa && cm_is_mapped_ipv4(ctx, spa);

    if (op == ARP_OP_REQUEST && tpa_mapped && spa != tpa) {
        struct eth_addr mac = container_map_get_mac(ctx->map, ctx->table_id);

        if (!eth_addr_is_zero(mac)) {
            container_map_arp_make_reply(cm_answer(ctx, packet), mac);
            cm_count(ctx, CONTAINER_MAP_EV_ARP_REPLY);
            return CM_CONSUMED;
        }
    }
    if (!egress) {
        return CM_MISS;
    }

    /* Nothing a container sends may teach the network an address at a MAC
     * that is not the sender's, or an unmapped address at the container's
     * MAC. */
    if (!eth_addr_equals(arp->ar_sha, cm_eth_src(packet))) {
        cm_count(ctx, CONTAINER_MAP_DROP_SPOOFED);
        return CM_DROP;
    } else if (spa && !spa_mapped) {
        cm_count(ctx, CONTAINER_MAP_DROP_FORGED);
        return CM_DROP;
    }

    if (op == ARP_OP_REQUEST) {
        if (!spa || spa == tpa) {
            /* A probe for a mapped IP, or an announcement of one. */
            if (tpa_mapped) {
                cm_count(ctx, CONTAINER_MAP_DROP_ARP);
                return CM_DROP;
            }
        } else if (spa_mapped) {
            /* Asks as a probe, so that the target answers to the container's
             * MAC without learning the shared IP there. */
            container_map_arp_make_probe(packet);
        }
    } else if (spa_mapped) {
        /* A reply, or any other operation: a neighbour that follows RFC 826
         * learns the sender's addresses before it looks at the operation. */
        cm_count(ctx, CONTAINER_MAP_DROP_ARP);
        return CM_DROP;
    }
    return CM_PASS;
}

/* IPv6 neighbour discovery, both ways: what ARP does for IPv4.  Neighbour
 * Solicitations for mapped IPs are answered by the switch with the
 * bridge's container-map MAC; no container may advertise a mapped IP, or
 * claim one by duplicate address detection, or act as a router. */
enum cm_verdict
cm_nd(struct cm_ctx *ctx, struct dp_packet *packet,
      const struct container_map_pkt *pkt, bool egress)
{
    const struct in6_addr *target = &pkt->icmp_src;
    bool target_mapped = cm_is_mapped(ctx, target);
    bool ns = pkt->kind == CONTAINER_MAP_PKT_ND_NS;

    /* A container's own duplicate address detection is never answered. */
    if (ns && target_mapped
        && (ipv6_addr_is_set(&pkt->src) || !egress)
        && !ipv6_addr_equals(&pkt->src, target)) {
        struct eth_addr mac = container_map_get_mac(ctx->map, ctx->table_id);

        if (!eth_addr_is_zero(mac)
            && container_map_nd_make_na(cm_answer(ctx, packet), pkt, mac)) {
            cm_count(ctx, CONTAINER_MAP_EV_ND_REPLY);
            return CM_CONSUMED;
        }
    }
    if (!egress) {
        if (!ns && target_mapped) {
            /* Someone else claims a mapped IP: containers that do duplicate
             * address detection would give their address up. */
            cm_count(ctx, CONTAINER_MAP_DROP_ND);
            return CM_DROP;
        } else if (!ns && cm_is_mapped(ctx, &pkt->dst)) {
            /* The answer to a container's solicitation from a mapped IP: to
             * the MAC that asked, if it holds the IP. */
            const struct eth_header *eth = dp_packet_eth(packet);
            const struct container_map_resv *resv;

            resv = container_map_resvs_lookup(&ctx->map->resvs,
                                              ctx->table_id, &pkt->dst,
                                              eth->eth_dst);
            if (resv) {
                cm_deliver(ctx, packet, resv->backend, NULL);
                return CM_CONSUMED;
            }
        }
        return CM_MISS;
    }

    /* From a container: the link-layer address it gives must be its own, and
     * the IPs it speaks for its own or unmapped. */
    if (!eth_addr_is_zero(pkt->nd_lla)
        && !eth_addr_equals(pkt->nd_lla, cm_eth_src(packet))) {
        cm_count(ctx, CONTAINER_MAP_DROP_SPOOFED);
        return CM_DROP;
    } else if (ns ? target_mapped : target_mapped
                                    || cm_is_mapped(ctx, &pkt->src)) {
        /* Duplicate address detection for a mapped IP, a solicitation a
         * sibling asks of its own IP, or an advertisement of one: the switch
         * speaks for mapped IPs. */
        cm_count(ctx, CONTAINER_MAP_DROP_ND);
        return CM_DROP;
    }
    return CM_PASS;
}

/* Egress.
 *
 * Every packet a container sends is held to what it owns: its MAC at its
 * own port (and tunnel peer), its reserved ranges or its mapped ports on a
 * shared IP, its own connections.  A packet that claims another container's
 * MAC, or a container's MAC from elsewhere, is 'spoofed'; one that claims
 * what the container does not own on a mapped IP (an ICMP error about
 * another's connection, an echo reply it was not asked for, another
 * protocol, ARP for an unmapped address) is 'forged'. */

/* Checks that 'packet' comes from where 'b''s container lives: its datapath
 * port and, behind a flow-based tunnel port, its host.  Returns CM_CONSUMED
 * if so, otherwise counts why not and returns CM_DROP. */
static enum cm_verdict
cm_egress_check_place(struct cm_ctx *ctx, const struct dp_packet *packet,
                      const struct container_map_backend *b)
{
    const struct container_map_actions *a;
    const struct in6_addr *tun = NULL;
    bool ok;

    a = ovsrcu_get(struct container_map_actions *, &b->actions);
    if (OVS_UNLIKELY(!a)) {
        /* Where it lives is not known (yet): nothing vouches for it. */
        cm_count(ctx, CONTAINER_MAP_DROP_NO_ACTIONS);
        return CM_DROP;
    }
    ok = packet->md.in_port.odp_port == a->in_port;
    if (ok && OVS_UNLIKELY(ipv6_addr_is_set(&a->tun_src))) {
        tun = &a->tun_src;
        ok = (IN6_IS_ADDR_V4MAPPED(tun)
              ? packet->md.tunnel.ip_src == in6_addr_get_mapped_ipv4(tun)
              : ipv6_addr_equals(&packet->md.tunnel.ipv6_src, tun));
    }
    if (OVS_UNLIKELY(!ok)) {
        cm_count(ctx, CONTAINER_MAP_DROP_SPOOFED);
        return CM_DROP;
    }
    return CM_CONSUMED;
}

/* The mapping of 'pkt''s source (its local side), or NULL. */
static const struct container_map_entry *
cm_egress_mapping(const struct cm_ctx *ctx, const struct in6_addr *ip,
                  uint8_t proto, ovs_be16 port)
{
    struct container_map_key key;

    container_map_key_init(&key, ctx->table_id, ip, proto, port);
    return container_map_entries_lookup(&ctx->map->entries, &key,
                                        container_map_key_hash(
                                                 ctx->map->entries.basis,
                                                 &key));
}

/* Finds the backend that may make connection 'pkt' (a TCP, UDP or SCTP
 * packet or an echo request that 'eth_src' sends and that has no connection
 * entry) and its kind, or returns the verdict on it. */
static enum cm_verdict
cm_egress_owner(struct cm_ctx *ctx, const struct dp_packet *packet,
                const struct container_map_pkt *pkt,
                const struct eth_addr eth_src,
                struct container_map_backend **backendp,
                enum container_map_conn_kind *kind)
{
    const struct container_map_resv *resv;
    uint16_t port = ntohs(pkt->src_port);
    enum cm_verdict verdict;

    if (pkt->kind == CONTAINER_MAP_PKT_L4) {
        const struct container_map_entry *entry;

        entry = cm_egress_mapping(ctx, &pkt->src, pkt->proto, pkt->src_port);
        if (entry) {
            /* From a mapped port: a reply on an inbound connection (whose
             * entry expired, or was never made because the table was full),
             * if the port is this container's.  No reservation needed. */
            int i = container_map_entry_find_mac(entry, eth_src);

            if (i < 0) {
                cm_count(ctx, CONTAINER_MAP_DROP_PORT_TAKEN);
                return CM_DROP;
            }
            verdict = cm_egress_check_place(ctx, packet,
                                            entry->backends[i]);
            if (verdict != CM_CONSUMED) {
                return verdict;
            } else if (!container_map_entry_is_tracked(entry)) {
                return CM_PASS;
            }
            *backendp = entry->backends[i];
            *kind = CONTAINER_MAP_CONN_INBOUND;
            return CM_CONSUMED;
        }
    }

    /* A connection the container opens: from its reserved range. */
    resv = container_map_resvs_lookup(&ctx->map->resvs, ctx->table_id,
                                      &pkt->src, eth_src);
    if (!resv) {
        return CM_UNRESERVED;
    }
    verdict = cm_egress_check_place(ctx, packet, resv->backend);
    if (verdict != CM_CONSUMED) {
        return verdict;
    }
    if (pkt->kind == CONTAINER_MAP_PKT_L4
        ? port < resv->ranges.port_min || port > resv->ranges.port_max
        : port < resv->ranges.id_min || port > resv->ranges.id_max) {
        cm_count(ctx, CONTAINER_MAP_DROP_OUT_OF_RANGE);
        return CM_DROP;
    }
    *backendp = resv->backend;
    *kind = CONTAINER_MAP_CONN_OUTBOUND;
    return CM_CONSUMED;
}

/* A packet of a connection from a container: 'ckey' and 'chash' are its
 * connection's key and hash (cm_egress_ahead()). */
static enum cm_verdict
cm_egress_conn(struct cm_ctx *ctx, struct dp_packet *packet,
               const struct container_map_pkt *pkt,
               const struct container_map_conn_key *ckey, uint32_t chash)
{
    const struct eth_header *eth = dp_packet_eth(packet);
    struct container_map_backend *backend = NULL;
    struct container_map_conn *conn;
    enum container_map_conn_kind kind;
    enum cm_verdict verdict;
    int error;

    conn = container_map_conns_lookup(&ctx->map->conns, ckey, chash);
    if (conn) {
        if (OVS_UNLIKELY(!eth_addr_equals(conn->backend->mac,
                                          eth->eth_src))) {
            cm_count(ctx, CONTAINER_MAP_DROP_COLLISION);
            return CM_DROP;
        }
        verdict = cm_egress_check_place(ctx, packet, conn->backend);
        if (verdict != CM_CONSUMED) {
            return verdict;
        }
        ctx->n_conn_hits++;
        container_map_conn_touch(conn, cm_now(ctx), pkt->tcp_flags, false,
                                 dp_packet_size(packet));
        return CM_PASS;
    }

    verdict = cm_egress_owner(ctx, packet, pkt, eth->eth_src, &backend,
                              &kind);
    if (verdict != CM_CONSUMED) {
        return verdict;
    }
    /* An inbound connection is answered only by what answers it (a SYN-ACK
     * to a flood's SYN does not); one the container opens, always. */
    error = container_map_conn_insert(ctx->map, ckey, chash, backend, kind,
                                      kind == CONTAINER_MAP_CONN_OUTBOUND,
                                      cm_now(ctx), &conn);
    if (!error) {
        ctx->n_conn_new++;
        container_map_conn_touch(conn, cm_now(ctx), pkt->tcp_flags, false,
                                 dp_packet_size(packet));
        return CM_PASS;
    } else if (error == ENOSPC || error == EDQUOT) {
        /* Replies find the container by its reservation anyway. */
        cm_count(ctx, (error == ENOSPC ? CONTAINER_MAP_EV_CONN_FULL
                       : CONTAINER_MAP_EV_CONN_LIMITED));
        return CM_PASS;
    } else if (error == EEXIST) {
        cm_count(ctx, CONTAINER_MAP_DROP_COLLISION);
        return CM_DROP;
    } else {
        /* ESTALE: the reservation went away meanwhile. */
        return CM_UNRESERVED;
    }
}

/* An ICMP error a container sends about a packet it received: the embedded
 * packet's destination is the container's side, which must be its own.  From
 * a mapped address, an error comes only from that side (whatever the packet
 * inside says, an error from another container's address is forged). */
static enum cm_verdict
cm_egress_icmp_error(struct cm_ctx *ctx, struct dp_packet *packet,
                     const struct container_map_pkt *pkt)
{
    const struct eth_addr eth_src = cm_eth_src(packet);
    const struct container_map_backend *owner = NULL;
    struct container_map_conn_key ckey;
    const struct container_map_conn *conn;

    if (!ipv6_addr_equals(&pkt->icmp_src, &pkt->dst)
        && cm_is_mapped(ctx, &pkt->icmp_src)) {
        cm_count(ctx, CONTAINER_MAP_DROP_FORGED);
        return CM_DROP;
    }
    if (!cm_is_mapped(ctx, &pkt->dst)) {
        return CM_PASS;
    }
    cm_conn_key(&ckey, ctx->table_id, pkt->proto, &pkt->dst, pkt->dst_port,
                &pkt->src, pkt->src_port);
    conn = container_map_conns_lookup(&ctx->map->conns, &ckey,
                                      container_map_conn_hash(
                                          ctx->map->conns.basis, &ckey));
    if (conn) {
        owner = conn->backend;
    } else {
        const struct container_map_entry *entry = NULL;
        const struct container_map_resv *resv;
        uint16_t port = ntohs(pkt->dst_port);
        bool echo = (pkt->proto == IPPROTO_ICMP
                     || pkt->proto == IPPROTO_ICMPV6);

        if (!echo) {
            entry = cm_egress_mapping(ctx, &pkt->dst, pkt->proto,
                                      pkt->dst_port);
        }
        if (entry) {
            int i = container_map_entry_find_mac(entry, eth_src);

            owner = i >= 0 ? entry->backends[i] : NULL;
        } else {
            resv = container_map_resvs_lookup(&ctx->map->resvs,
                                              ctx->table_id, &pkt->dst,
                                              eth_src);
            if (resv && (echo
                         ? port >= resv->ranges.id_min
                           && port <= resv->ranges.id_max
                         : port >= resv->ranges.port_min
                           && port <= resv->ranges.port_max)) {
                owner = resv->backend;
            }
        }
    }
    if (!owner || !eth_addr_equals(owner->mac, eth_src)) {
        cm_count(ctx, CONTAINER_MAP_DROP_FORGED);
        return CM_DROP;
    }
    return (cm_egress_check_place(ctx, packet, owner) == CM_CONSUMED
            ? CM_PASS : CM_DROP);
}

/* An echo reply from a mapped IP: only the container that echo requests to
 * it are delivered to sends one. */
static enum cm_verdict
cm_egress_echo_reply(struct cm_ctx *ctx, struct dp_packet *packet,
                     const struct container_map_pkt *pkt)
{
    const struct container_map_addr *addr;
    struct container_map_backend *echo;

    addr = container_map_addrs_lookup(&ctx->map->addrs, ctx->table_id,
                                      &pkt->src);
    if (!addr) {
        return CM_PASS;
    }
    if (container_map_addr_get_echo(addr, &echo)
        != CONTAINER_MAP_ECHO_CONTAINER
        || !eth_addr_equals(echo->mac, cm_eth_src(packet))) {
        cm_count(ctx, CONTAINER_MAP_DROP_FORGED);
        return CM_DROP;
    }
    return (cm_egress_check_place(ctx, packet, echo) == CM_CONSUMED
            ? CM_PASS : CM_DROP);
}

/* Anything else from a mapped IP, but for the IPv6 router solicitations a
 * container needs to find its gateway.  Router advertisements and redirects
 * never leave a container. */
static enum cm_verdict
cm_egress_other(struct cm_ctx *ctx, const struct container_map_pkt *pkt)
{
    if (pkt->proto == IPPROTO_ICMPV6) {
        if (pkt->icmp_type == ND_ROUTER_SOLICIT) {
            return CM_PASS;
        } else if (pkt->icmp_type == ND_ROUTER_ADVERT
                   || pkt->icmp_type == ND_REDIRECT) {
            cm_count(ctx, CONTAINER_MAP_DROP_ND);
            return CM_DROP;
        }
    }
    if (cm_is_mapped(ctx, &pkt->src)) {
        cm_count(ctx, CONTAINER_MAP_DROP_FORGED);
        return CM_DROP;
    }
    return CM_PASS;
}

static bool
cm_egress_has_conn(const struct container_map_pkt *pkt)
{
    return (pkt->kind == CONTAINER_MAP_PKT_L4
            || pkt->kind == CONTAINER_MAP_PKT_ECHO_REQUEST);
}

/* A later fragment from a container, made by cm_frag_follow() into a packet
 * of its first fragment's ports: checked as that was. */
static enum cm_verdict
cm_egress_followed(struct cm_ctx *ctx, struct dp_packet *packet,
                   const struct container_map_pkt *pkt)
{
    struct container_map_conn_key ckey;

    cm_conn_key(&ckey, ctx->table_id, pkt->proto, &pkt->src, pkt->src_port,
                &pkt->dst, pkt->dst_port);
    return cm_egress_conn(ctx, packet, pkt, &ckey,
                          container_map_conn_hash(ctx->map->conns.basis,
                                                  &ckey));
}

/* A later fragment from a container: checked by the first's ports, or held
 * until the first comes (container-map-dp-frag.c). */
static enum cm_verdict
cm_egress_fragment(struct cm_ctx *ctx, struct dp_packet *packet,
                   const struct container_map_pkt *pkt)
{
    struct container_map_pkt followed = *pkt;

    if (!container_map_is_ports_proto(pkt->proto)) {
        /* ICMP: as before, it follows an echo request that was checked. */
        return CM_PASS;
    } else if (cm_frag_follow(ctx, &followed, true)) {
        cm_count(ctx, CONTAINER_MAP_EV_FRAG_FOLLOWED);
        return cm_egress_followed(ctx, packet, &followed);
    } else if (!cm_is_mapped(ctx, &pkt->src)) {
        return CM_PASS;         /* Nothing of the map's. */
    } else if (cm_frag_hold(ctx, packet, pkt, true)) {
        return CM_CONSUMED;
    }
    cm_count(ctx, CONTAINER_MAP_DROP_FRAG_UNFOLLOWED);
    return CM_DROP;
}

/* Passes on, with the packets of 'batch' (from 'in_port'), the fragments
 * from that port this thread held whose first fragment has come by now, if
 * they pass, and drops those held too long. */
size_t
cm_release_held_egress(struct cm_ctx *ctx, struct dp_packet_batch *batch,
                       odp_port_t in_port)
{
    struct container_map_pkt pkts[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    size_t n_pass = 0;
    size_t n;

    n = cm_frag_take(ctx, true, in_port,
                     NETDEV_MAX_BURST - dp_packet_batch_size(batch),
                     packets, pkts);
    for (size_t i = 0; i < n; i++) {
        enum cm_verdict verdict;

        cm_count(ctx, CONTAINER_MAP_EV_FRAG_FOLLOWED);
        verdict = cm_egress_followed(ctx, packets[i], &pkts[i]);
        if (verdict == CM_PASS
            || (ctx->cont && verdict != CM_DROP && verdict != CM_CONSUMED)) {
            cm_count_verdict(ctx, verdict);
            dp_packet_batch_add(batch, packets[i]);
            n_pass += verdict == CM_PASS;
        } else if (verdict != CM_CONSUMED) {
            cm_count_verdict(ctx, verdict);
            dp_packet_delete(packets[i]);
        }
    }
    return n_pass;
}

/* Parses the 'n' packets from containers in 'packets' into 'pkts' and, for
 * those of a connection, computes its key and hash into 'keys' and 'hashes'
 * and prefetches its lookup, for the whole batch before any packet goes on
 * (container_map_conns_prefetch()).  Returns which packets are first
 * fragments. */
unsigned long
cm_egress_ahead(const struct cm_ctx *ctx, struct dp_packet **packets,
                size_t n, struct container_map_pkt pkts[],
                struct container_map_conn_key keys[], uint32_t hashes[])
{
    const struct container_map_conns *conns = &ctx->map->conns;
    unsigned long firsts = 0;

    for (size_t i = 0; i < n; i++) {
        const struct container_map_pkt *pkt = &pkts[i];

        container_map_pkt_parse(packets[i], &pkts[i]);
        if (OVS_UNLIKELY(container_map_pkt_is_first_frag(pkt))) {
            firsts |= 1UL << i;
        }
        if (cm_egress_has_conn(pkt)) {
            cm_conn_key(&keys[i], ctx->table_id, pkt->proto, &pkt->src,
                        pkt->src_port, &pkt->dst, pkt->dst_port);
            hashes[i] = container_map_conn_hash(conns->basis, &keys[i]);
            container_map_conns_prefetch(conns, hashes[i], false);
        } else {
            hashes[i] = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (cm_egress_has_conn(&pkts[i])) {
            container_map_conns_prefetch(conns, hashes[i], true);
        }
    }
    return firsts;
}

/* A packet from a container, parsed into 'pkt' by cm_egress_ahead(), with
 * its connection's 'ckey' and 'chash' if it has one. */
enum cm_verdict
cm_egress(struct cm_ctx *ctx, struct dp_packet *packet,
          const struct container_map_pkt *pkt,
          const struct container_map_conn_key *ckey, uint32_t chash)
{
    switch (pkt->kind) {
    case CONTAINER_MAP_PKT_L4:
    case CONTAINER_MAP_PKT_ECHO_REQUEST:
        return cm_egress_conn(ctx, packet, pkt, ckey, chash);
    case CONTAINER_MAP_PKT_ARP:
        return cm_arp(ctx, packet, true);
    case CONTAINER_MAP_PKT_ND_NS:
    case CONTAINER_MAP_PKT_ND_NA:
        return cm_nd(ctx, packet, pkt, true);
    case CONTAINER_MAP_PKT_MALFORMED:
        cm_count(ctx, CONTAINER_MAP_DROP_MALFORMED);
        return CM_DROP;
    case CONTAINER_MAP_PKT_ECHO_REPLY:
        return cm_egress_echo_reply(ctx, packet, pkt);
    case CONTAINER_MAP_PKT_ICMP_ERROR:
        return cm_egress_icmp_error(ctx, packet, pkt);
    case CONTAINER_MAP_PKT_OTHER:
        return cm_egress_other(ctx, pkt);
    case CONTAINER_MAP_PKT_FRAGMENT:
        return cm_egress_fragment(ctx, packet, pkt);
    default:
        return CM_PASS;
    }
}
