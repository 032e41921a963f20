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

/* The container_map datapath action: the fast path, in the order a packet
 * meets it.
 *
 *   1. The lookup: the keys of a batch's packets and their mappings, all at
 *      once (cm_lookup()).  Whether it runs ahead, for a whole receive
 *      batch, or in the action, it is the same code.
 *   2. Looking ahead: dpif-netdev's hooks, and how the action takes what
 *      was looked up for it.
 *   3. Ingress, per packet: a mapping with one backend delivers at once;
 *      anything else goes through the connection entries, or is ARP or
 *      ICMP.
 *   4. The action: the verdicts, the counters, the answers, and delivery
 *      of each backend's packets together.
 *
 * What shared IPs need besides (the connections containers open, ARP,
 * ICMP) is in container-map-dp-shared.c.
 *
 * The map is read without locks (lib/container-map-private.h); the only
 * write is a connection insert, once per new connection. */

#include <config.h>

#include "container-map-dp.h"

#include <errno.h>
#include <string.h>

#include "bitmap.h"
#include "container-map-dp-private.h"
#include "coverage.h"
#include "dp-packet.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "util.h"

COVERAGE_DEFINE(container_map_hit);
COVERAGE_DEFINE(container_map_conn_hit);
COVERAGE_DEFINE(container_map_conn_new);
COVERAGE_DEFINE(container_map_resv_hit);
COVERAGE_DEFINE(container_map_egress_pass);
COVERAGE_DEFINE(container_map_reply);

/* 1. The lookup.
 *
 * Finds the key of every TCP, UDP and SCTP packet among the 'n' in
 * 'packets' and looks up all their mappings in table 'table_id' at once, so
 * that the cache misses of the lookups overlap (cmap_find_batch() prefetches
 * the buckets, then the entries are prefetched) instead of coming one after
 * the other.  Fills 'entries' (NULL: no mapping, or not such a packet).
 * Returns the packets whose 'pkts' it parsed: the others are unfragmented
 * IPv4 packets that took the shortcut, of which only the key was read
 * (container_map_pkt_parse() gives the rest, when needed).  Stores in
 * '*firsts' those that are first fragments. */
static unsigned long
cm_lookup(const struct container_map *cmap, uint32_t table_id,
          struct dp_packet *packets[], size_t n,
          struct container_map_pkt pkts[],
          const struct container_map_entry *entries[], unsigned long *firsts)
{
    struct container_map_key keys[NETDEV_MAX_BURST];
    const struct cmap_node *nodes[NETDEV_MAX_BURST];
    uint32_t hashes[NETDEV_MAX_BURST];
    unsigned long parsed = 0;
    unsigned long map = 0;
    size_t j;

    BUILD_ASSERT(NETDEV_MAX_BURST <= sizeof map * CHAR_BIT);
    ovs_assert(n <= NETDEV_MAX_BURST);
    *firsts = 0;
    for (size_t i = 0; i < n; i++) {
        ovs_be16 port;
        uint8_t proto;
        ovs_be32 ip;

        entries[i] = NULL;
        if (OVS_LIKELY(container_map_pkt_ipv4_dst(packets[i], &ip, &proto,
                                                  &port))) {
            container_map_key_init_ipv4(&keys[i], table_id, ip, proto, port);
            hashes[i] = container_map_key_hash_ipv4(cmap->entries.basis,
                                                    table_id, ip, proto,
                                                    port);
            map |= 1UL << i;
            continue;
        }
        parsed |= 1UL << i;
        container_map_pkt_parse(packets[i], &pkts[i]);
        if (pkts[i].kind == CONTAINER_MAP_PKT_L4) {
            container_map_key_init(&keys[i], table_id, &pkts[i].dst,
                                   pkts[i].proto, pkts[i].dst_port);
            hashes[i] = container_map_key_hash(cmap->entries.basis,
                                               &keys[i]);
            map |= 1UL << i;
            if (OVS_UNLIKELY(pkts[i].frag)) {
                *firsts |= 1UL << i;
            }
        }
    }
    if (!map) {
        return parsed;
    }

    map = cmap_find_batch(&cmap->entries.map, map, hashes, nodes);
    ULLONG_FOR_EACH_1 (j, map) {
        /* An entry spans two cache lines: the key, then the backends. */
        OVS_PREFETCH(nodes[j]);
        OVS_PREFETCH((const char *) nodes[j] + CACHE_LINE_SIZE);
    }
    ULLONG_FOR_EACH_1 (j, map) {
        const struct container_map_entry *e;

        CMAP_NODE_FOR_EACH (e, node, nodes[j]) {
            if (container_map_key_equals(&e->key, &keys[j])) {
                entries[j] = e;
                OVS_PREFETCH(e->backends[0]);
                OVS_PREFETCH_WRITE(e->bstats[0]);
                break;
            }
        }
    }
    /* What delivery reads next, as far as it is known by now: the
     * backends' actions. */
    for (size_t i = 0; i < n; i++) {
        if (entries[i]) {
            OVS_PREFETCH(ovsrcu_get(struct container_map_actions *,
                                    &entries[i]->backends[0]->actions));
        }
    }
    return parsed;
}

/* 2. Looking ahead.
 *
 * A receive batch of many flows reaches the action in pieces of one or two
 * packets (one per megaflow), so cm_lookup() in the action could overlap
 * only the cache misses of those.  dp_netdev_input__() calls the hooks below
 * around its execution of a receive batch's megaflows: the packets of every
 * megaflow whose first action is an ingress container_map are looked up
 * together first, and the action then takes its packets' entries from here
 * (cm_ahead_take()).
 *
 * What this relies on of dpif-netdev, and how each is checked:
 *
 *   - The hooks come in order (add..., run, done) and nest only through
 *     recirculation, which calls them again from inside a megaflow's
 *     actions: 'depth' counts, only the outermost receive batch looks
 *     ahead, and the asserts below catch a run or done out of turn.
 *
 *   - The thread does not quiesce between run and done, so the entries
 *     found stay valid (RCU): run asserts that it is not quiescent, and
 *     dpif-netdev quiesces only between receive batches.
 *
 *   - The megaflows run in the order they were added, each with the packets
 *     it was added with, its container_map action first: the action takes
 *     the next segment only if its action's address and every packet's
 *     address are the segment's.  A megaflow whose actions a revalidator
 *     replaced in between has another address (the old ones cannot be freed,
 *     and their address reused, before this thread quiesces).  Anything that
 *     does not match (a recirculated packet, another table, an action that
 *     is not first) is looked up by the action itself, as are the packets of
 *     paths that call no hooks (dpif_netdev_execute(), the AVX512 input
 *     path).
 *
 * tests/unit/test-container-map-dp.c runs the action through these hooks. */
struct cm_ahead_seg {
    const struct nlattr *action;    /* The megaflow's container_map action. */
    size_t start;                   /* Its packets in 'packets'... */
    size_t n;                       /* ...and how many. */
};

struct cm_ahead {
    unsigned int depth;         /* Receive batches running (recirculation
                                 * nests them). */
    uint32_t table_id;
    size_t n;                   /* Packets added. */
    size_t n_segs;              /* Megaflow batches added. */
    size_t next_seg;            /* First segment the action did not take. */
    struct cm_ahead_seg segs[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    const struct container_map_entry *entries[NETDEV_MAX_BURST];
    unsigned long firsts;       /* Which 'packets' are first fragments. */
};

DEFINE_STATIC_PER_THREAD_DATA(struct cm_ahead, cm_ahead, { .depth = 0 });

void
container_map_lookahead_add__(const struct dp_packet_batch *batch,
                              const struct nlattr *action)
{
    const struct ovs_action_container_map *cm = nl_attr_get(action);
    struct cm_ahead *ahead = cm_ahead_get();
    size_t n = dp_packet_batch_size(batch);
    struct cm_ahead_seg *seg;

    if (ahead->depth || !n
        || (ahead->n && ahead->table_id != cm->table_id)
        || ahead->n + n > NETDEV_MAX_BURST) {
        return;
    }
    ahead->table_id = cm->table_id;
    seg = &ahead->segs[ahead->n_segs++];
    seg->action = action;
    seg->start = ahead->n;
    seg->n = n;
    memcpy(&ahead->packets[ahead->n], batch->packets,
           n * sizeof batch->packets[0]);
    ahead->n += n;
}

void
container_map_lookahead_run(void)
{
    struct cm_ahead *ahead = cm_ahead_get();
    struct container_map_pkt pkts[NETDEV_MAX_BURST];

    if (ahead->depth++ || !ahead->n) {
        return;
    }
    ovs_assert(!ovsrcu_is_quiescent());
    ahead->next_seg = 0;
    cm_lookup(container_map_global(), ahead->table_id, ahead->packets,
              ahead->n, pkts, ahead->entries, &ahead->firsts);
}

void
container_map_lookahead_done(void)
{
    struct cm_ahead *ahead = cm_ahead_get();

    ovs_assert(ahead->depth > 0);
    if (!--ahead->depth) {
        ahead->n = 0;
        ahead->n_segs = 0;
    }
}

/* If the entries of the packets in 'batch' were looked up ahead for this
 * very 'action', copies them into 'entries', stores in '*firsts' which
 * packets are first fragments and returns true.  Otherwise returns false,
 * and the action looks them up itself. */
static bool
cm_ahead_take(const struct nlattr *action, const struct dp_packet_batch *batch,
              const struct container_map_entry *entries[],
              unsigned long *firsts)
{
    struct cm_ahead *ahead = cm_ahead_get();
    size_t n = dp_packet_batch_size(batch);
    const struct cm_ahead_seg *seg;

    if (ahead->next_seg >= ahead->n_segs) {
        /* Nothing is left over outside a receive batch. */
        ovs_assert(ahead->depth || !ahead->n_segs);
        return false;
    }
    seg = &ahead->segs[ahead->next_seg];
    if (seg->action != action || seg->n != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (batch->packets[i] != ahead->packets[seg->start + i]) {
            return false;
        }
    }
    ahead->next_seg++;
    memcpy(entries, &ahead->entries[seg->start], n * sizeof entries[0]);
    *firsts = ahead->firsts >> seg->start;
    if (n < sizeof *firsts * CHAR_BIT) {
        *firsts &= (1UL << n) - 1;
    }
    return true;
}

void
cm_deliver(struct cm_ctx *ctx, struct dp_packet *packet,
           struct container_map_backend *backend,
           struct container_map_counters *stats)
{
    struct cm_group *g = NULL;

    /* Consecutive packets often go to the same place: try the last group
     * first. */
    if (ctx->n_groups) {
        g = &ctx->groups[ctx->last_group];
        if (g->backend != backend || g->stats != stats) {
            g = NULL;
            for (size_t i = 0; i < ctx->n_groups; i++) {
                if (ctx->groups[i].backend == backend
                    && ctx->groups[i].stats == stats) {
                    g = &ctx->groups[i];
                    ctx->last_group = i;
                    break;
                }
            }
        }
    }
    if (!g) {
        ctx->last_group = ctx->n_groups++;
        g = &ctx->groups[ctx->last_group];
        g->backend = backend;
        g->stats = stats;
        g->n_bytes = 0;
        dp_packet_batch_init(&g->batch);

        /* Needed once the whole batch is sorted out. */
        OVS_PREFETCH(ovsrcu_get(struct container_map_actions *,
                                &backend->actions));
        if (stats) {
            OVS_PREFETCH_WRITE(stats);
        }
    }
    g->n_bytes += dp_packet_size(packet);
    dp_packet_batch_add(&g->batch,
                        ctx->steal ? packet : dp_packet_clone(packet));
}

/* Returns the packet to rewrite into an answer (a copy if the action may not
 * take 'packet'), to be sent back through the port it came from. */
struct dp_packet *
cm_answer(struct cm_ctx *ctx, struct dp_packet *packet)
{
    struct dp_packet *answer = ctx->steal ? packet : dp_packet_clone(packet);

    ctx->replies[ctx->n_replies++] = answer;
    return answer;
}

/* 3. Ingress. */

static bool
cm_is_down(const struct container_map_backend *b)
{
    const char *down;

    atomic_read_relaxed(&CONST_CAST(struct container_map_backend *, b)->down,
                        &down);
    return down != NULL;
}

/* Answers TCP segment 'packet' of connection 'conn', whose container is
 * gone, with a RST from the switch, so that the client gives up at once
 * (and reconnects to a live backend); the entry then closes. */
static enum cm_verdict
cm_reset(struct cm_ctx *ctx, struct dp_packet *packet,
         const struct container_map_pkt *pkt, struct container_map_conn *conn)
{
    struct eth_addr mac = container_map_get_mac(ctx->map, ctx->table_id);

    container_map_conn_touch(conn, cm_now(ctx), TCP_RST, true,
                             dp_packet_size(packet));
    if (eth_addr_is_zero(mac)) {
        cm_count(ctx, CONTAINER_MAP_DROP_NO_BACKEND);
        return CM_DROP;
    }
    container_map_tcp_make_rst(cm_answer(ctx, packet), pkt, mac);
    cm_count(ctx, CONTAINER_MAP_EV_DEAD_RESET);
    return CM_CONSUMED;
}

/* Picks the backend of tracked mapping 'entry' for a connection that has no
 * entry: the one it had before the mapping became tracked, if it may be
 * such a connection, otherwise by rendezvous hashing of its 5-tuple. */
static int
cm_pick_backend(struct cm_ctx *ctx, const struct container_map_entry *entry,
                const struct container_map_pkt *pkt,
                const struct container_map_conn_key *ckey)
{
    if (entry->pinned) {
        bool is_tcp = pkt->proto == IPPROTO_TCP;
        bool continues = (!is_tcp
                          || !(pkt->tcp_flags & TCP_SYN)
                          || pkt->tcp_flags & TCP_ACK);
        long long int window;

        if (is_tcp) {
            atomic_read_relaxed(&ctx->map->conns.tcp_ms, &window);
        } else {
            atomic_read_relaxed(&ctx->map->conns.udp_ms, &window);
        }
        if (continues && cm_now(ctx) - entry->tracked_since < window) {
            int i = container_map_entry_find_backend(entry, entry->pinned);

            if (i >= 0) {
                return i;
            }
        }
    }
    return container_map_entry_select(entry,
                                      container_map_conn_select_hash(ckey));
}

/* A TCP, UDP or SCTP packet towards a container, whose mapping 'entry' (if
 * any) is tracked. */
static enum cm_verdict
cm_ingress_l4(struct cm_ctx *ctx, struct dp_packet *packet,
              const struct container_map_pkt *pkt,
              const struct container_map_entry *entry)
{
    struct container_map_backend *backend;
    struct container_map_conn_key ckey;
    struct container_map_conn *conn;
    uint32_t chash;
    int i;

    cm_conn_key(&ckey, ctx->table_id, pkt->proto, &pkt->dst, pkt->dst_port,
                &pkt->src, pkt->src_port);
    chash = container_map_conn_hash(ctx->map->conns.basis, &ckey);
    conn = container_map_conns_lookup(&ctx->map->conns, &ckey, chash);
    if (conn) {
        ctx->n_conn_hits++;
        goto deliver_conn;
    }
    if (!entry) {
        /* A reply to a connection that a container opened, whose entry
         * expired or was never made: the reservation of the port says whose
         * it is. */
        const struct container_map_resv *resv;

        resv = cm_find_resv(ctx, &pkt->dst, pkt->dst_port, false);
        if (resv) {
            ctx->n_resv_hits++;
            cm_deliver(ctx, packet, resv->backend, NULL);
            return CM_CONSUMED;
        }
        return CM_MISS;
    }

    i = cm_pick_backend(ctx, entry, pkt, &ckey);
    if (i < 0) {
        cm_count(ctx, CONTAINER_MAP_DROP_NO_BACKEND);
        return CM_DROP;
    }
    backend = entry->backends[i];

    if (!(pkt->tcp_flags & TCP_RST)) {
        /* Nothing from outside shows that a connection is real: a SYN, a
         * blind ACK or a UDP packet may be the first of a flood.  The
         * container's answer will tell (container_map_conn_touch()). */
        int error = container_map_conn_insert(ctx->map, &ckey, chash, backend,
                                              CONTAINER_MAP_CONN_INBOUND,
                                              false, cm_now(ctx), &conn);
        if (!error || error == EEXIST) {
            ctx->n_conn_new += !error;
            goto deliver_conn;
        } else if (error == ENOSPC) {
            cm_count(ctx, CONTAINER_MAP_EV_CONN_FULL);
        } else if (error == EDQUOT) {
            cm_count(ctx, CONTAINER_MAP_EV_CONN_LIMITED);
        }
        /* ESTALE: the mapping changed an instant ago; the backend it had
         * when the packet arrived takes it, unrecorded. */
    }
    cm_deliver(ctx, packet, backend, entry->bstats[i]);
    return CM_CONSUMED;

deliver_conn:
    if (pkt->proto == IPPROTO_TCP && OVS_UNLIKELY(cm_is_down(conn->backend))
        && !(pkt->tcp_flags & TCP_RST) && !pkt->frag) {
        bool reset;

        atomic_read_relaxed(&ctx->map->conns.dead_reset, &reset);
        if (reset) {
            return cm_reset(ctx, packet, pkt, conn);
        }
    }
    container_map_conn_touch(conn, cm_now(ctx), pkt->tcp_flags, true,
                             dp_packet_size(packet));
    cm_deliver(ctx, packet, conn->backend, conn->backend_stats);
    return CM_CONSUMED;
}

static enum cm_verdict cm_ingress_fragment(struct cm_ctx *, struct dp_packet *,
                                           struct container_map_pkt *);

/* A packet towards containers, whose mapping 'entry' (if any) was looked up
 * and whose 'pkt' is parsed if 'parsed'. */
static inline enum cm_verdict
cm_ingress(struct cm_ctx *ctx, struct dp_packet *packet,
           const struct container_map_entry *entry,
           struct container_map_pkt *pkt, bool parsed)
{
    if (OVS_LIKELY(entry && !container_map_entry_is_tracked(entry))) {
        /* One backend, which every connection has: no entries needed.
         * (Invariant 2 of container-map-private.h: no other container's
         * connection can use a mapped port.) */
        cm_deliver(ctx, packet, entry->backends[0], entry->bstats[0]);
        return CM_CONSUMED;
    }

    if (!parsed) {
        container_map_pkt_parse(packet, pkt);
    }
    switch (pkt->kind) {
    case CONTAINER_MAP_PKT_L4:
        return cm_ingress_l4(ctx, packet, pkt, entry);
    case CONTAINER_MAP_PKT_ECHO_REQUEST:
        return cm_ingress_echo_request(ctx, packet, pkt);
    case CONTAINER_MAP_PKT_ECHO_REPLY:
    case CONTAINER_MAP_PKT_ICMP_ERROR:
        return cm_ingress_icmp(ctx, packet, pkt);
    case CONTAINER_MAP_PKT_ARP:
        return cm_arp(ctx, packet, false);
    case CONTAINER_MAP_PKT_ND_NS:
    case CONTAINER_MAP_PKT_ND_NA:
        return cm_nd(ctx, packet, pkt, false);
    case CONTAINER_MAP_PKT_MALFORMED:
        cm_count(ctx, CONTAINER_MAP_DROP_MALFORMED);
        return CM_DROP;
    case CONTAINER_MAP_PKT_FRAGMENT:
        return cm_ingress_fragment(ctx, packet, pkt);
    case CONTAINER_MAP_PKT_OTHER:
    default:
        return CM_NOT_L4;
    }
}

/* The mapping of TCP, UDP or SCTP packet 'pkt', or NULL. */
static const struct container_map_entry *
cm_find_entry(const struct cm_ctx *ctx, const struct container_map_pkt *pkt)
{
    const struct container_map_entries *entries = &ctx->map->entries;
    struct container_map_key key;

    container_map_key_init(&key, ctx->table_id, &pkt->dst, pkt->proto,
                           pkt->dst_port);
    return container_map_entries_lookup(entries, &key,
                                        container_map_key_hash(entries->basis,
                                                               &key));
}

/* A later fragment from outside: where its first fragment went, or held
 * until that comes (container-map-dp-frag.c). */
static enum cm_verdict
cm_ingress_fragment(struct cm_ctx *ctx, struct dp_packet *packet,
                    struct container_map_pkt *pkt)
{
    if (!container_map_is_ports_proto(pkt->proto)
        || !cm_is_mapped(ctx, &pkt->dst)) {
        return CM_NOT_L4;       /* Nothing of the map's, or no ports. */
    } else if (cm_frag_follow(ctx, pkt, false)) {
        cm_count(ctx, CONTAINER_MAP_EV_FRAG_FOLLOWED);
        return cm_ingress(ctx, packet, cm_find_entry(ctx, pkt), pkt, true);
    } else if (ctx->cont) {
        return CM_NOT_L4;       /* It continues, as any unknown packet. */
    } else if (cm_frag_hold(ctx, packet, pkt, false)) {
        return CM_CONSUMED;
    }
    cm_count(ctx, CONTAINER_MAP_DROP_FRAG_UNFOLLOWED);
    return CM_DROP;
}

/* 4. The action. */

/* Adds what 'ctx' counted to the map's counters. */
static void
cm_flush_counts(struct cm_ctx *ctx, bool egress, size_t n_pass)
{
    for (int c = 0; OVS_UNLIKELY(ctx->counted)
                    && c < CONTAINER_MAP_N_COUNTERS; c++) {
        if (ctx->counts[c]) {
            container_map_count(ctx->map, ctx->table_id, c, ctx->counts[c]);
        }
    }
    if (ctx->n_conn_hits | ctx->n_conn_new | ctx->n_resv_hits) {
        COVERAGE_ADD(container_map_conn_hit, ctx->n_conn_hits);
        COVERAGE_ADD(container_map_conn_new, ctx->n_conn_new);
        COVERAGE_ADD(container_map_resv_hit, ctx->n_resv_hits);
    }
    if (egress) {
        COVERAGE_ADD(container_map_egress_pass, n_pass);
    }
}

static void
cm_send_back(void *dp, struct dp_packet *packet,
             odp_execute_cb dp_execute_action)
{
    uint64_t stub[64 / 8];
    struct ofpbuf actions = OFPBUF_STUB_INITIALIZER(stub);
    struct dp_packet_batch batch;

    COVERAGE_INC(container_map_reply);
    nl_msg_put_odp_port(&actions, OVS_ACTION_ATTR_OUTPUT,
                        packet->md.in_port.odp_port);
    dp_packet_batch_init_packet(&batch, packet);
    odp_execute_actions(dp, &batch, true, actions.data, actions.size,
                        dp_execute_action);
    ofpbuf_uninit(&actions);
}

/* Runs the actions of 'group''s backend on its packets. */
static void
cm_deliver_group(struct cm_ctx *ctx, struct cm_group *group, void *dp,
                 odp_execute_cb dp_execute_action)
{
    size_t n_packets = dp_packet_batch_size(&group->batch);
    const struct container_map_actions *actions;
    const struct nlattr *acts;
    struct dp_packet *packet;
    size_t size;

    actions = ovsrcu_get(struct container_map_actions *,
                         &group->backend->actions);
    if (OVS_UNLIKELY(!actions)) {
        container_map_count(ctx->map, ctx->table_id,
                            CONTAINER_MAP_DROP_NO_ACTIONS, n_packets);
        dp_packet_delete_batch(&group->batch, true);
        return;
    }

    COVERAGE_ADD(container_map_hit, n_packets);
    if (group->stats) {
        container_map_counters_add(group->stats, n_packets, group->n_bytes);
    }
    acts = ALIGNED_CAST(const struct nlattr *, actions->data);
    size = actions->size;
    if (OVS_LIKELY(actions->rest)) {
        /* Set the Ethernet destination here rather than through the generic
         * masked-set action. */
        DP_PACKET_BATCH_FOR_EACH (k, packet, &group->batch) {
            struct eth_header *eth = dp_packet_eth(packet);

            if (OVS_LIKELY(eth)) {
                eth->eth_dst = actions->eth_dst;
            }
        }
        acts = ALIGNED_CAST(const struct nlattr *,
                            (const char *) acts + actions->rest);
        size -= actions->rest;
        if (nl_attr_type(acts) == OVS_ACTION_ATTR_OUTPUT
            && NLA_ALIGN(acts->nla_len) == size && dp_execute_action) {
            /* What odp_execute_actions() would do with it. */
            dp_execute_action(dp, &group->batch, acts, true);
            return;
        }
    }
    odp_execute_actions(dp, &group->batch, true, acts, size,
                        dp_execute_action);
}

static void
cm_ctx_init(struct cm_ctx *ctx, uint32_t table_id, bool steal, bool cont)
{
    ctx->map = container_map_global();
    ctx->table_id = table_id;
    ctx->steal = steal;
    ctx->cont = cont;
    ctx->now = 0;
    ctx->n_groups = 0;
    ctx->last_group = 0;
    ctx->n_replies = 0;
    ctx->counted = false;
    memset(ctx->counts, 0, sizeof ctx->counts);
    ctx->n_conn_hits = ctx->n_conn_new = ctx->n_resv_hits = 0;
}

/* Sends 'ctx''s answers and delivers its groups. */
static void
cm_ctx_finish(struct cm_ctx *ctx, bool egress, size_t n_pass, void *dp,
              odp_execute_cb dp_execute_action)
{
    cm_flush_counts(ctx, egress, n_pass);
    for (size_t i = 0; i < ctx->n_replies; i++) {
        cm_send_back(dp, ctx->replies[i], dp_execute_action);
    }
    for (size_t g = 0; g < ctx->n_groups; g++) {
        cm_deliver_group(ctx, &ctx->groups[g], dp, dp_execute_action);
    }
}

/* Delivers the fragments from outside this thread held for table
 * 'table_id' whose first fragment has come by now, and drops those held
 * too long. */
static void
cm_release_held(void *dp, uint32_t table_id, odp_execute_cb dp_execute_action)
{
    struct container_map_pkt pkts[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    struct cm_ctx ctx;
    size_t n;

    cm_ctx_init(&ctx, table_id, true, false);
    n = cm_frag_take(&ctx, false, ODPP_NONE, NETDEV_MAX_BURST, packets, pkts);
    for (size_t i = 0; i < n; i++) {
        enum cm_verdict verdict;

        cm_count(&ctx, CONTAINER_MAP_EV_FRAG_FOLLOWED);
        verdict = cm_ingress(&ctx, packets[i], cm_find_entry(&ctx, &pkts[i]),
                             &pkts[i], true);
        if (verdict != CM_CONSUMED) {
            /* Held only if misses are dropped. */
            cm_count_verdict(&ctx, verdict);
            dp_packet_delete(packets[i]);
        }
    }
    cm_ctx_finish(&ctx, false, 0, dp, dp_execute_action);
}

void
container_map_execute(void *dp, struct dp_packet_batch *batch, bool steal,
                      const struct nlattr *a,
                      odp_execute_cb dp_execute_action)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);
    bool drop_misses = cm->miss != OVS_CONTAINER_MAP_MISS_CONTINUE;
    const struct container_map_entry *entries[NETDEV_MAX_BURST];
    struct container_map_pkt pkts[NETDEV_MAX_BURST];
    struct container_map_conn_key ckeys[NETDEV_MAX_BURST];  /* Egress. */
    uint32_t chashes[NETDEV_MAX_BURST];                     /* Egress. */
    const size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;
    odp_port_t in_port = ODPP_NONE;     /* Egress. */
    unsigned long parsed = 0;
    unsigned long firsts = 0;
    size_t n_pass = 0;
    struct cm_ctx ctx;
    size_t i;

    cm_ctx_init(&ctx, cm->table_id, steal, !drop_misses);
    if (cm->egress) {
        firsts = cm_egress_ahead(&ctx, batch->packets, n, pkts, ckeys,
                                 chashes);
        in_port = n ? batch->packets[0]->md.in_port.odp_port : ODPP_NONE;
    } else if (!cm_ahead_take(a, batch, entries, &firsts)) {
        parsed = cm_lookup(ctx.map, ctx.table_id, batch->packets, n, pkts,
                           entries, &firsts);
    }
    if (OVS_UNLIKELY(firsts & ~parsed) && !cm->egress) {
        /* Looked up ahead: parsed there, but not into 'pkts'. */
        ULLONG_FOR_EACH_1 (i, firsts & ~parsed) {
            container_map_pkt_parse(batch->packets[i], &pkts[i]);
        }
        parsed |= firsts;
    }

    DP_PACKET_BATCH_REFILL_FOR_EACH (i, n, packet, batch) {
        enum cm_verdict verdict;

        verdict = (cm->egress
                   ? cm_egress(&ctx, packet, &pkts[i], &ckeys[i], chashes[i])
                   : cm_ingress(&ctx, packet, entries[i], &pkts[i],
                                parsed & (1UL << i)));
        if (OVS_UNLIKELY(firsts & (1UL << i))) {
            /* Whatever became of it: its later fragments get the same. */
            cm_frag_record(&ctx, &pkts[i], cm->egress);
        }
        switch (verdict) {
        case CM_CONSUMED:
            continue;
        case CM_PASS:
            n_pass++;
            dp_packet_batch_refill(batch, packet, i);
            continue;
        case CM_DROP:
            break;
        case CM_MISS:
        case CM_NOT_L4:
        case CM_UNRESERVED:
        default:
            cm_count_verdict(&ctx, verdict);
            if (!drop_misses) {
                dp_packet_batch_refill(batch, packet, i);
                continue;
            }
            break;
        }
        if (steal) {
            dp_packet_delete(packet);
        }
    }

    if (OVS_UNLIKELY(cm_frag_any_held()) && cm->egress && steal) {
        n_pass += cm_release_held_egress(&ctx, batch, in_port);
    }
    cm_ctx_finish(&ctx, cm->egress, n_pass, dp, dp_execute_action);
    if (OVS_UNLIKELY(cm_frag_any_held()) && !cm->egress) {
        cm_release_held(dp, cm->table_id, dp_execute_action);
    }
}
