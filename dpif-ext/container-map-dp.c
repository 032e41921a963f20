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

#include "container-map-dp.h"

#include <errno.h>
#include <string.h>

#include "container-map-conn.h"
#include "container-map-packet.h"
#include "container-map-resv.h"
#include "container-map-table.h"
#include "bitmap.h"
#include "coverage.h"
#include "dp-packet.h"
#include "netlink.h"
#include "odp-execute.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "util.h"

COVERAGE_DEFINE(container_map_hit);
COVERAGE_DEFINE(container_map_miss);
COVERAGE_DEFINE(container_map_drop_miss);
COVERAGE_DEFINE(container_map_drop_not_l4);
COVERAGE_DEFINE(container_map_drop_unreachable);
COVERAGE_DEFINE(container_map_drop_egress);
COVERAGE_DEFINE(container_map_egress_pass);
COVERAGE_DEFINE(container_map_conn_hit);
COVERAGE_DEFINE(container_map_conn_new);
COVERAGE_DEFINE(container_map_conn_full);
COVERAGE_DEFINE(container_map_reply);

const char *
container_map_miss_to_string(enum container_map_miss miss)
{
    return miss == CONTAINER_MAP_MISS_CONTINUE ? "continue" : "drop";
}

bool
container_map_miss_from_string(const char *s, enum container_map_miss *miss)
{
    if (!strcmp(s, "drop")) {
        *miss = CONTAINER_MAP_MISS_DROP;
    } else if (!strcmp(s, "continue")) {
        *miss = CONTAINER_MAP_MISS_CONTINUE;
    } else {
        return false;
    }
    return true;
}

/* Datapath action encoding. */

void
container_map_put_odp_action(struct ofpbuf *odp_actions, uint32_t table_id,
                             uint8_t miss, bool egress)
{
    struct ovs_action_container_map *cm;

    cm = nl_msg_put_unspec_zero(odp_actions, OVS_ACTION_ATTR_CONTAINER_MAP,
                                sizeof *cm);
    cm->table_id = table_id;
    cm->miss = miss;
    cm->egress = egress;
}

void
container_map_format_odp_action(struct ds *ds, const struct nlattr *a)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);

    ds_put_format(ds, "container_map(table=%"PRIu32, cm->table_id);
    if (cm->egress) {
        ds_put_cstr(ds, ",egress");
    }
    if (cm->miss != CONTAINER_MAP_MISS_DROP) {
        ds_put_format(ds, ",miss=%s", container_map_miss_to_string(cm->miss));
    }
    ds_put_char(ds, ')');
}

/* Parses "container_map(table=N[,egress][,miss=drop|continue])" at the
 * start of 's'.  Returns the number of bytes parsed, or -EINVAL. */
int
container_map_parse_odp_action(const char *s, struct ofpbuf *actions)
{
    enum container_map_miss miss = CONTAINER_MAP_MISS_DROP;
    bool egress = false;
    uint32_t table_id;
    int n;

    if (!ovs_scan(s, "container_map(table=%"SCNu32"%n", &table_id, &n)
        || table_id >= CONTAINER_MAP_MAX_TABLES) {
        return -EINVAL;
    }
    if (!strncmp(s + n, ",egress", 7)) {
        egress = true;
        n += 7;
    }
    if (!strncmp(s + n, ",miss=", 6)) {
        size_t len = strcspn(s + n + 6, ")");
        char *word = xmemdup0(s + n + 6, len);
        bool ok = container_map_miss_from_string(word, &miss);

        free(word);
        if (!ok) {
            return -EINVAL;
        }
        n += 6 + len;
    }
    if (s[n] != ')') {
        return -EINVAL;
    }
    container_map_put_odp_action(actions, table_id, miss, egress);
    return n + 1;
}

/* Execution. */

/* Packets of one batch that go to the same backend, counted in the same
 * counters (those of a backend of a mapping; NULL for echo requests). */
struct cm_group {
    struct container_map_backend *backend;
    struct container_map_counters *stats;           /* May be NULL. */
    unsigned long long n_bytes;
    struct dp_packet_batch batch;
};

struct cm_ctx {
    struct container_map_table *table;
    uint32_t table_id;
    bool steal;
    long long int now;          /* 0 until a connection needs it. */
    size_t n_groups;
    size_t last_group;          /* Index of the group used last. */
    struct cm_group groups[NETDEV_MAX_BURST];
    size_t n_replies;
    struct dp_packet *replies[NETDEV_MAX_BURST];
    unsigned long long drops[CONTAINER_MAP_N_DROP_REASONS];
    unsigned long long events[CONTAINER_MAP_N_EVENTS];
    unsigned long long n_conn_hits, n_conn_new, n_pass, n_unmatched;
};

enum cm_verdict {
    CM_CONSUMED,                /* Delivered or answered. */
    CM_PASS,                    /* Left to the next actions. */
    CM_DROP,                    /* Dropped; the reason is counted. */
    CM_MISS,                    /* Unmatched: per the action's "miss". */
    CM_NOT_L4,                  /* Unmatched, not a packet it handles. */
    CM_UNRESERVED,              /* Unmatched: no reservation (egress). */
};

static long long int
cm_now(struct cm_ctx *ctx)
{
    if (!ctx->now) {
        ctx->now = time_msec();
    }
    return ctx->now;
}

static void
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
static struct dp_packet *
cm_answer(struct cm_ctx *ctx, struct dp_packet *packet)
{
    struct dp_packet *answer = ctx->steal ? packet : dp_packet_clone(packet);

    ctx->replies[ctx->n_replies++] = answer;
    return answer;
}

static void
cm_conn_key(struct container_map_conn_key *key, uint32_t table_id,
            uint8_t proto, const struct in6_addr *local_ip,
            ovs_be16 local_port, const struct in6_addr *remote_ip,
            ovs_be16 remote_port)
{
    memset(key, 0, sizeof *key);
    key->local_ip = *local_ip;
    key->remote_ip = *remote_ip;
    key->table_id = table_id;
    key->local_port = local_port;
    key->proto = proto;
    key->remote_port = (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6
                        ? htons(0) : remote_port);
}

static bool
cm_is_mapped_ipv4(const struct cm_ctx *ctx, ovs_be32 ip4)
{
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, ip4);
    return container_map_addr_lookup(ctx->table, ctx->table_id, &ip) != NULL;
}

/* ARP.  Requests for mapped IPs are answered by the switch, always with the
 * bridge's container-map MAC, so no neighbour table ever sees a shared IP
 * move.  From containers, anything that would teach the network a mapped IP
 * at a container's MAC is dropped or rewritten. */
static enum cm_verdict
cm_arp(struct cm_ctx *ctx, struct dp_packet *packet, bool egress)
{
    const struct arp_eth_header *arp = dp_packet_l3(packet);
    ovs_be32 spa = get_16aligned_be32(&arp->ar_spa);
    ovs_be32 tpa = get_16aligned_be32(&arp->ar_tpa);
    uint16_t op = ntohs(arp->ar_op);
    bool tpa_mapped = cm_is_mapped_ipv4(ctx, tpa);
    bool spa_mapped = spa && cm_is_mapped_ipv4(ctx, spa);

    if (op == ARP_OP_REQUEST && tpa_mapped && spa != tpa) {
        struct eth_addr mac = container_map_table_get_mac(ctx->table,
                                                          ctx->table_id);

        if (!eth_addr_is_zero(mac)) {
            container_map_arp_make_reply(cm_answer(ctx, packet), mac);
            ctx->events[CONTAINER_MAP_EV_ARP_REPLY]++;
            return CM_CONSUMED;
        }
    }
    if (!egress) {
        return CM_MISS;
    }

    if (op == ARP_OP_REQUEST) {
        if (!spa || spa == tpa) {
            /* A probe for a mapped IP, or an announcement of one. */
            if (tpa_mapped) {
                ctx->drops[CONTAINER_MAP_DROP_ARP]++;
                return CM_DROP;
            }
        } else if (spa_mapped) {
            /* Asks as a probe, so that the target answers to the container's
             * MAC without learning the shared IP there. */
            container_map_arp_make_probe(packet);
        }
    } else if (op == ARP_OP_REPLY && spa_mapped) {
        ctx->drops[CONTAINER_MAP_DROP_ARP]++;
        return CM_DROP;
    }
    return CM_PASS;
}

/* Picks the backend of tracked mapping 'entry' for a connection that has no
 * entry: the one it had before the mapping became tracked, if it may be
 * such a connection, otherwise by rendezvous hashing of its 5-tuple. */
static int
cm_pick_backend(struct cm_ctx *ctx, const struct container_map_entry *entry,
                const struct container_map_pkt *pkt, uint32_t chash)
{
    if (entry->pinned) {
        bool is_tcp = pkt->proto == IPPROTO_TCP;
        bool continues = (!is_tcp
                          || !(pkt->tcp_flags & TCP_SYN)
                          || pkt->tcp_flags & TCP_ACK);
        long long int window;

        if (is_tcp) {
            atomic_read_relaxed(&ctx->table->tcp_ms, &window);
        } else {
            atomic_read_relaxed(&ctx->table->udp_ms, &window);
        }
        if (continues && cm_now(ctx) - entry->tracked_since < window) {
            int i = container_map_entry_find_backend(entry, entry->pinned);

            if (i >= 0) {
                return i;
            }
        }
    }
    return container_map_entry_select_index(entry, chash);
}

/* A TCP, UDP or SCTP packet towards a container. */
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

    if (entry && !container_map_entry_is_tracked(entry)) {
        /* One backend, which every connection has: no entries needed.
         * (Other containers' connections never use a mapped port, see
         * container-map-resv.h, so no entry could say otherwise.) */
        cm_deliver(ctx, packet, entry->backends[0], entry->bstats[0]);
        return CM_CONSUMED;
    }

    cm_conn_key(&ckey, ctx->table_id, pkt->proto, &pkt->dst, pkt->dst_port,
                &pkt->src, pkt->src_port);
    chash = container_map_conn_hash(&ckey);
    conn = container_map_conn_lookup(ctx->table, &ckey, chash);
    if (conn) {
        ctx->n_conn_hits++;
        goto deliver_conn;
    }
    if (!entry) {
        return CM_MISS;
    }

    i = cm_pick_backend(ctx, entry, pkt, chash);
    if (i < 0) {
        ctx->drops[CONTAINER_MAP_DROP_NO_BACKEND]++;
        return CM_DROP;
    }
    backend = entry->backends[i];

    if (!(pkt->tcp_flags & TCP_RST)) {
        int error = container_map_conn_insert(ctx->table, &ckey, chash,
                                              backend,
                                              CONTAINER_MAP_CONN_INBOUND,
                                              cm_now(ctx), &conn);
        if (!error || error == EEXIST) {
            ctx->n_conn_new += !error;
            goto deliver_conn;
        } else if (error == ENOSPC) {
            ctx->events[CONTAINER_MAP_EV_CONN_FULL]++;
        }
        /* ESTALE: the mapping changed an instant ago; the backend it had
         * when the packet arrived takes it, unrecorded. */
    }
    cm_deliver(ctx, packet, backend, entry->bstats[i]);
    return CM_CONSUMED;

deliver_conn:
    container_map_conn_touch(conn, cm_now(ctx), pkt->tcp_flags, true,
                             dp_packet_size(packet));
    cm_deliver(ctx, packet, conn->backend, conn->backend_stats);
    return CM_CONSUMED;
}

static enum cm_verdict
cm_ingress_echo_request(struct cm_ctx *ctx, struct dp_packet *packet,
                        const struct container_map_pkt *pkt)
{
    const struct container_map_addr *addr;
    struct eth_addr mac;

    addr = container_map_addr_lookup(ctx->table, ctx->table_id, &pkt->dst);
    if (!addr) {
        return CM_MISS;
    }
    switch (addr->echo) {
    case CONTAINER_MAP_ECHO_CONTAINER:
        cm_deliver(ctx, packet, addr->echo_backend, NULL);
        return CM_CONSUMED;
    case CONTAINER_MAP_ECHO_SWITCH:
        mac = container_map_table_get_mac(ctx->table, ctx->table_id);
        if (!eth_addr_is_zero(mac)) {
            container_map_echo_make_reply(cm_answer(ctx, packet), mac);
            ctx->events[CONTAINER_MAP_EV_ECHO_REPLY]++;
            return CM_CONSUMED;
        }
        /* Fall through. */
    case CONTAINER_MAP_ECHO_OFF:
    default:
        ctx->drops[CONTAINER_MAP_DROP_ECHO_OFF]++;
        return CM_DROP;
    }
}

/* An echo reply (the local side is the destination), or an ICMP error about
 * a packet a container sent (the local side is that packet's source). */
static enum cm_verdict
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
    chash = container_map_conn_hash(&ckey);
    conn = container_map_conn_lookup(ctx->table, &ckey, chash);
    if (conn) {
        ctx->n_conn_hits++;
        if (is_error) {
            ctx->events[CONTAINER_MAP_EV_ICMP_ERROR]++;
        } else {
            container_map_conn_touch(conn, cm_now(ctx), 0, true,
                                     dp_packet_size(packet));
        }
        cm_deliver(ctx, packet, conn->backend, conn->backend_stats);
        return CM_CONSUMED;
    }

    if (is_error && pkt->proto != IPPROTO_ICMP
        && pkt->proto != IPPROTO_ICMPV6) {
        /* About a connection to a mapping that has no entry (the table was
         * full): the backend that hashing gives it. */
        const struct container_map_entry *entry;
        struct container_map_key key;
        int i;

        container_map_key_init(&key, ctx->table_id, local, pkt->proto,
                               local_port);
        entry = container_map_table_lookup(ctx->table, &key,
                                           container_map_key_hash(&key));
        i = entry ? container_map_entry_select_index(entry, chash) : -1;
        if (i >= 0) {
            ctx->events[CONTAINER_MAP_EV_ICMP_ERROR]++;
            cm_deliver(ctx, packet, entry->backends[i], entry->bstats[i]);
            return CM_CONSUMED;
        }
    }
    return CM_MISS;
}

/* Ingress, first pass over a batch: finds the key of every TCP, UDP and SCTP
 * packet among the 'n' in 'packets' and looks up all their mappings in table
 * 'table_id' at once, so that the cache misses of the lookups overlap
 * (cmap_find_batch() prefetches the buckets, then the entries are
 * prefetched) instead of coming one after the other.  Fills 'entries' (NULL:
 * no mapping, or not L4) and, for the packets whose bit it leaves clear in
 * the returned bitmap, 'pkts'.  The packets with their bit set are IPv4 TCP,
 * UDP or SCTP packets that took the shortcut: only their key was read,
 * container_map_pkt_parse() can give the rest. */
static unsigned long
cm_lookup_batch(const struct container_map_table *table, uint32_t table_id,
                struct dp_packet *packets[], size_t n,
                struct container_map_pkt pkts[],
                const struct container_map_entry *entries[])
{
    struct container_map_key keys[NETDEV_MAX_BURST];
    const struct cmap_node *nodes[NETDEV_MAX_BURST];
    uint32_t hashes[NETDEV_MAX_BURST];
    unsigned long shortcut = 0;
    unsigned long map = 0;
    size_t j;

    BUILD_ASSERT(NETDEV_MAX_BURST <= sizeof map * CHAR_BIT);
    ovs_assert(n <= NETDEV_MAX_BURST);
    for (size_t i = 0; i < n; i++) {
        ovs_be16 port;
        uint8_t proto;
        ovs_be32 ip;

        entries[i] = NULL;
        if (OVS_LIKELY(container_map_pkt_ipv4_dst(packets[i], &ip, &proto,
                                                  &port))) {
            container_map_key_init_ipv4(&keys[i], table_id, ip, proto, port);
            hashes[i] = container_map_key_hash_ipv4(table_id, ip, proto,
                                                    port);
            shortcut |= 1UL << i;
            map |= 1UL << i;
            continue;
        }
        container_map_pkt_parse(packets[i], &pkts[i]);
        if (pkts[i].kind == CONTAINER_MAP_PKT_L4) {
            container_map_key_init(&keys[i], table_id, &pkts[i].dst,
                                   pkts[i].proto, pkts[i].dst_port);
            hashes[i] = container_map_key_hash(&keys[i]);
            map |= 1UL << i;
        }
    }
    if (!map) {
        return shortcut;
    }

    map = cmap_find_batch(&table->entries, map, hashes, nodes);
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
    return shortcut;
}

/* Looking ahead.
 *
 * A receive batch of many flows reaches the action in pieces of one or two
 * packets (one per megaflow), so cm_lookup_batch() alone could overlap only
 * the cache misses of those.  dpif-netdev calls container_map_lookahead_*()
 * around its execution of a receive batch's megaflows: the packets of every
 * megaflow whose first action is an ingress container_map are looked up
 * together first, and the action then takes its packets' entries from here
 * (cm_ahead_take()), in the order the megaflows run.
 *
 * Per thread; the entries stay valid because no thread quiesces inside
 * dp_netdev_input__().  Each megaflow's packets are matched by the address
 * of its action and the packets' addresses, and whatever does not match (a
 * recirculated packet, another table, actions replaced meanwhile, a packet
 * that needs the full parse) is looked up by the action as usual.  Paths
 * that do not call the hooks (dp_netdev_batch_execute() of the AVX512 input
 * path, dpif_netdev_execute()) simply find nothing here. */
struct cm_ahead_seg {
    const struct nlattr *action;    /* The megaflow's container_map action. */
    size_t start;                   /* Its packets in 'packets'... */
    size_t n;                       /* ...and how many. */
};

struct cm_ahead {
    unsigned int depth;         /* Nesting of receive batches (recirculation):
                                 * only the outermost one looks ahead. */
    uint32_t table_id;
    size_t n;                   /* Packets added. */
    size_t n_segs;              /* Megaflow batches added. */
    size_t next_seg;            /* First segment the action did not take. */
    unsigned long shortcut;     /* Packets with entries (see
                                 * cm_lookup_batch()). */
    struct cm_ahead_seg segs[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    const struct container_map_entry *entries[NETDEV_MAX_BURST];
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
    ahead->next_seg = 0;
    ahead->shortcut = cm_lookup_batch(container_map_table_global(),
                                      ahead->table_id, ahead->packets,
                                      ahead->n, pkts, ahead->entries);
}

void
container_map_lookahead_done(void)
{
    struct cm_ahead *ahead = cm_ahead_get();

    if (!--ahead->depth) {
        ahead->n = 0;
        ahead->n_segs = 0;
    }
}

/* If the entries of the packets in 'batch' were looked up ahead, for this
 * very 'action' as the first action of their megaflow (so that nothing has
 * changed the packets since), copies them into 'entries' and returns true.
 * Otherwise returns false, and the action looks them up itself.
 *
 * The megaflows run in the order they were added, so only the next segment
 * can match.  Checking the action's address as well as the packets' guards
 * against a megaflow whose actions a revalidator replaced in between: the
 * old actions cannot be freed, and their address reused, before this thread
 * quiesces. */
static bool
cm_ahead_take(const struct nlattr *action, const struct dp_packet_batch *batch,
              const struct container_map_entry *entries[])
{
    struct cm_ahead *ahead = cm_ahead_get();
    size_t n = dp_packet_batch_size(batch);
    const struct cm_ahead_seg *seg;
    unsigned long all;

    if (ahead->next_seg >= ahead->n_segs) {
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

    all = n < sizeof all * CHAR_BIT ? (1UL << n) - 1 : ULONG_MAX;
    if (((ahead->shortcut >> seg->start) & all) != all) {
        return false;
    }
    memcpy(entries, &ahead->entries[seg->start], n * sizeof entries[0]);
    return true;
}

static enum cm_verdict
cm_ingress(struct cm_ctx *ctx, struct dp_packet *packet,
           const struct container_map_pkt *pkt,
           const struct container_map_entry *entry)
{
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
    case CONTAINER_MAP_PKT_OTHER:
    default:
        return CM_NOT_L4;
    }
}

/* A TCP, UDP or SCTP packet or an echo request from a container. */
static enum cm_verdict
cm_egress_conn(struct cm_ctx *ctx, struct dp_packet *packet,
               const struct container_map_pkt *pkt)
{
    const struct eth_header *eth = dp_packet_eth(packet);
    struct container_map_backend *backend;
    const struct container_map_resv *resv;
    struct container_map_conn_key ckey;
    struct container_map_conn *conn;
    enum container_map_conn_kind kind;
    uint32_t chash;
    int error;

    cm_conn_key(&ckey, ctx->table_id, pkt->proto, &pkt->src, pkt->src_port,
                &pkt->dst, pkt->dst_port);
    chash = container_map_conn_hash(&ckey);
    conn = container_map_conn_lookup(ctx->table, &ckey, chash);
    if (conn) {
        if (OVS_UNLIKELY(!eth_addr_equals(conn->backend->mac,
                                          eth->eth_src))) {
            ctx->drops[CONTAINER_MAP_DROP_COLLISION]++;
            return CM_DROP;
        }
        ctx->n_conn_hits++;
        container_map_conn_touch(conn, cm_now(ctx), pkt->tcp_flags, false,
                                 dp_packet_size(packet));
        return CM_PASS;
    }

    backend = NULL;
    if (pkt->kind == CONTAINER_MAP_PKT_L4) {
        const struct container_map_entry *entry;
        struct container_map_key key;

        container_map_key_init(&key, ctx->table_id, &pkt->src, pkt->proto,
                               pkt->src_port);
        entry = container_map_table_lookup(ctx->table, &key,
                                           container_map_key_hash(&key));
        if (entry) {
            /* From a mapped port: a reply on an inbound connection (whose
             * entry expired, or was never made because the table was full),
             * if the port is this container's.  No reservation needed. */
            for (uint32_t i = 0; i < entry->n_backends; i++) {
                if (eth_addr_equals(entry->backends[i]->mac, eth->eth_src)) {
                    backend = entry->backends[i];
                }
            }
            if (!backend) {
                ctx->drops[CONTAINER_MAP_DROP_PORT_TAKEN]++;
                return CM_DROP;
            } else if (!container_map_entry_is_tracked(entry)) {
                return CM_PASS;
            }
            kind = CONTAINER_MAP_CONN_INBOUND;
        }
    }

    if (!backend) {
        /* A connection the container opens: from its reserved range. */
        uint16_t port = ntohs(pkt->src_port);

        resv = container_map_resv_lookup(ctx->table, ctx->table_id,
                                         &pkt->src, eth->eth_src);
        if (!resv) {
            return CM_UNRESERVED;
        }
        if (pkt->kind == CONTAINER_MAP_PKT_L4
            ? port < resv->port_min || port > resv->port_max
            : port < resv->id_min || port > resv->id_max) {
            ctx->drops[CONTAINER_MAP_DROP_OUT_OF_RANGE]++;
            return CM_DROP;
        }
        backend = resv->backend;
        kind = CONTAINER_MAP_CONN_OUTBOUND;
    }

    error = container_map_conn_insert(ctx->table, &ckey, chash, backend, kind,
                                      cm_now(ctx), &conn);
    if (!error) {
        ctx->n_conn_new++;
        container_map_conn_touch(conn, cm_now(ctx), pkt->tcp_flags, false,
                                 dp_packet_size(packet));
        return CM_PASS;
    } else if (error == ENOSPC) {
        ctx->events[CONTAINER_MAP_EV_CONN_FULL]++;
        return CM_PASS;
    } else if (error == EEXIST) {
        ctx->drops[CONTAINER_MAP_DROP_COLLISION]++;
        return CM_DROP;
    } else {
        /* ESTALE: the reservation went away meanwhile. */
        return CM_UNRESERVED;
    }
}

static enum cm_verdict
cm_egress(struct cm_ctx *ctx, struct dp_packet *packet)
{
    struct container_map_pkt pkt;

    container_map_pkt_parse(packet, &pkt);
    switch (pkt.kind) {
    case CONTAINER_MAP_PKT_L4:
    case CONTAINER_MAP_PKT_ECHO_REQUEST:
        return cm_egress_conn(ctx, packet, &pkt);
    case CONTAINER_MAP_PKT_ARP:
        return cm_arp(ctx, packet, true);
    case CONTAINER_MAP_PKT_ECHO_REPLY:
    case CONTAINER_MAP_PKT_ICMP_ERROR:
    case CONTAINER_MAP_PKT_OTHER:
    default:
        return CM_PASS;
    }
}

static void
cm_send_back(void *dp, struct dp_packet *packet,
             odp_execute_cb dp_execute_action)
{
    uint64_t stub[64 / 8];
    struct ofpbuf actions = OFPBUF_STUB_INITIALIZER(stub);
    struct dp_packet_batch batch;

    nl_msg_put_odp_port(&actions, OVS_ACTION_ATTR_OUTPUT,
                        packet->md.in_port.odp_port);
    dp_packet_batch_init_packet(&batch, packet);
    odp_execute_actions(dp, &batch, true, actions.data, actions.size,
                        dp_execute_action);
    ofpbuf_uninit(&actions);
}

void
container_map_execute(void *dp, struct dp_packet_batch *batch, bool steal,
                      const struct nlattr *a,
                      odp_execute_cb dp_execute_action)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);
    bool drop_misses = cm->miss != CONTAINER_MAP_MISS_CONTINUE;
    const size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;
    struct cm_ctx ctx;
    size_t i;

    ctx.table = container_map_table_global();
    ctx.table_id = cm->table_id;
    ctx.steal = steal;
    ctx.now = 0;
    ctx.n_groups = 0;
    ctx.last_group = 0;
    ctx.n_replies = 0;
    memset(ctx.drops, 0, sizeof ctx.drops);
    memset(ctx.events, 0, sizeof ctx.events);
    ctx.n_conn_hits = ctx.n_conn_new = ctx.n_pass = ctx.n_unmatched = 0;

    struct container_map_pkt pkts[NETDEV_MAX_BURST];
    const struct container_map_entry *entries[NETDEV_MAX_BURST];
    unsigned long shortcut = 0;
    if (!cm->egress) {
        if (cm_ahead_take(a, batch, entries)) {
            shortcut = ULONG_MAX;
        } else {
            shortcut = cm_lookup_batch(ctx.table, ctx.table_id,
                                       batch->packets, n, pkts, entries);
        }
    }

    DP_PACKET_BATCH_REFILL_FOR_EACH (i, n, packet, batch) {
        enum container_map_drop_reason reason;
        enum cm_verdict verdict;

        if (cm->egress) {
            verdict = cm_egress(&ctx, packet);
        } else {
            const struct container_map_entry *entry = entries[i];

            if (OVS_LIKELY(entry && !container_map_entry_is_tracked(entry))) {
                /* The common case, as in cm_ingress_l4(). */
                cm_deliver(&ctx, packet, entry->backends[0],
                           entry->bstats[0]);
                continue;
            }
            if (shortcut & (1UL << i)) {
                container_map_pkt_parse(packet, &pkts[i]);
            }
            verdict = cm_ingress(&ctx, packet, &pkts[i], entry);
        }

        ctx.n_unmatched += verdict >= CM_DROP;
        switch (verdict) {
        case CM_CONSUMED:
            continue;
        case CM_PASS:
            ctx.n_pass++;
            dp_packet_batch_refill(batch, packet, i);
            continue;
        case CM_DROP:
            break;
        case CM_MISS:
        case CM_NOT_L4:
        case CM_UNRESERVED:
        default:
            reason = (verdict == CM_MISS ? CONTAINER_MAP_DROP_MISS
                      : verdict == CM_NOT_L4 ? CONTAINER_MAP_DROP_NOT_L4
                      : CONTAINER_MAP_DROP_UNRESERVED);
            ctx.drops[reason]++;
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

    if (OVS_UNLIKELY(ctx.n_unmatched)) {
        unsigned long long n_drops = 0;

        for (int r = 0; r < CONTAINER_MAP_N_DROP_REASONS; r++) {
            if (ctx.drops[r]) {
                container_map_table_count_drops(ctx.table, ctx.table_id, r,
                                                ctx.drops[r]);
                n_drops += ctx.drops[r];
            }
        }
        COVERAGE_ADD(container_map_miss,
                     ctx.drops[CONTAINER_MAP_DROP_MISS]);
        if (drop_misses) {
            COVERAGE_ADD(container_map_drop_miss,
                         ctx.drops[CONTAINER_MAP_DROP_MISS]);
            COVERAGE_ADD(container_map_drop_not_l4,
                         ctx.drops[CONTAINER_MAP_DROP_NOT_L4]);
        }
        if (cm->egress) {
            COVERAGE_ADD(container_map_drop_egress, n_drops);
        }
    }
    for (int e = 0; e < CONTAINER_MAP_N_EVENTS; e++) {
        if (OVS_UNLIKELY(ctx.events[e])) {
            container_map_table_count_event(ctx.table, ctx.table_id, e,
                                            ctx.events[e]);
        }
    }
    if (OVS_UNLIKELY(ctx.events[CONTAINER_MAP_EV_CONN_FULL])) {
        COVERAGE_ADD(container_map_conn_full,
                     ctx.events[CONTAINER_MAP_EV_CONN_FULL]);
    }
    if (ctx.n_conn_hits | ctx.n_conn_new) {
        COVERAGE_ADD(container_map_conn_hit, ctx.n_conn_hits);
        COVERAGE_ADD(container_map_conn_new, ctx.n_conn_new);
    }
    if (cm->egress) {
        COVERAGE_ADD(container_map_egress_pass, ctx.n_pass);
    }

    for (i = 0; i < ctx.n_replies; i++) {
        COVERAGE_INC(container_map_reply);
        cm_send_back(dp, ctx.replies[i], dp_execute_action);
    }

    size_t n_hits = 0;
    for (size_t g = 0; g < ctx.n_groups; g++) {
        struct cm_group *group = &ctx.groups[g];
        size_t n_packets = dp_packet_batch_size(&group->batch);
        const struct container_map_actions *actions;
        const struct nlattr *acts;
        size_t size;

        actions = ovsrcu_get(struct container_map_actions *,
                             &group->backend->actions);
        if (OVS_UNLIKELY(!actions)) {
            COVERAGE_ADD(container_map_drop_unreachable, n_packets);
            container_map_table_count_drops(ctx.table, ctx.table_id,
                                            CONTAINER_MAP_DROP_NO_ACTIONS,
                                            n_packets);
            dp_packet_delete_batch(&group->batch, true);
            continue;
        }

        n_hits += n_packets;
        if (group->stats) {
            container_map_counters_add(group->stats, n_packets,
                                       group->n_bytes);
        }
        acts = ALIGNED_CAST(const struct nlattr *, actions->data);
        size = actions->size;
        if (OVS_LIKELY(actions->rest)) {
            /* Set the Ethernet destination here rather than through the
             * generic masked-set action. */
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
                continue;
            }
        }
        odp_execute_actions(dp, &group->batch, true, acts, size,
                            dp_execute_action);
    }
    COVERAGE_ADD(container_map_hit, n_hits);
}
