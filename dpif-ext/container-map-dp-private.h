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


#ifndef CONTAINER_MAP_DP_PRIVATE_H
#define CONTAINER_MAP_DP_PRIVATE_H 1

/* What the container_map action's files share: container-map-dp.c (the
 * fast path, and the action), container-map-dp-shared.c (what shared IPs
 * need besides: containers' own connections, ARP and ICMP),
 * container-map-dp-frag.c (fragments) and container-map-odp.c (the
 * encodings), and the unit tests. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container-map-packet.h"
#include "container-map-private.h"
#include "dp-packet.h"
#include "timeval.h"

/* Datapath actions that deliver a packet to a backend (container-map-odp.h),
 * and where the backend's own packets come from.
 *
 * When the actions begin with a masked set of the Ethernet destination alone
 * (the usual case), the datapath writes 'eth_dst' into the packets itself
 * and runs only the actions from offset 'rest' of 'data' on. */
struct container_map_actions {
    odp_port_t in_port;         /* The container's packets arrive here... */
    struct in6_addr tun_src;    /* ...from this tunnel peer, if nonzero
                                 * (a flow-based tunnel port). */
    struct eth_addr eth_dst;    /* Valid if 'rest' is nonzero. */
    size_t rest;                /* 0, or the offset of the actions after a
                                 * set of the Ethernet destination. */
    size_t size;                /* Bytes of netlink actions in 'data'. */
    uint64_t data[];            /* Netlink attributes, 8-byte aligned. */
};

/* The action's state while it sorts out one batch. */
struct cm_group {               /* Packets that go to the same backend, */
    struct container_map_backend *backend;  /* counted in the same */
    struct container_map_counters *stats;   /* counters (NULL: none). */
    unsigned long long n_bytes;
    struct dp_packet_batch batch;
};

struct cm_ctx {
    struct container_map *map;
    uint32_t table_id;
    bool steal;
    bool cont;                  /* miss=continue. */
    long long int now;          /* 0 until a connection needs it. */
    size_t n_groups;
    size_t last_group;          /* Index of the group used last. */
    struct cm_group groups[NETDEV_MAX_BURST];
    size_t n_replies;
    struct dp_packet *replies[NETDEV_MAX_BURST];
    bool counted;               /* Any of 'counts' nonzero? */
    unsigned long long counts[CONTAINER_MAP_N_COUNTERS];
    unsigned long long n_conn_hits, n_conn_new;
    unsigned long long n_resv_hits;     /* Delivered by reservation. */
};

enum cm_verdict {
    CM_CONSUMED,                /* Delivered or answered. */
    CM_PASS,                    /* Left to the next actions. */
    CM_DROP,                    /* Dropped; the reason is counted. */
    CM_MISS,                    /* Unmatched: as the action's "miss" says. */
    CM_NOT_L4,                  /* Likewise, not a packet it handles. */
    CM_UNRESERVED,              /* Likewise, no reservation (egress). */
};


static inline long long int
cm_now(struct cm_ctx *ctx)
{
    if (!ctx->now) {
        ctx->now = time_msec();
    }
    return ctx->now;
}

static inline void
cm_count(struct cm_ctx *ctx, enum container_map_counter c)
{
    ctx->counts[c]++;
    ctx->counted = true;
}

static inline void
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

/* Counts the reason of 'verdict', one that did not deliver or pass. */
static inline void
cm_count_verdict(struct cm_ctx *ctx, enum cm_verdict verdict)
{
    if (verdict == CM_MISS || verdict == CM_NOT_L4
        || verdict == CM_UNRESERVED) {
        cm_count(ctx, (verdict == CM_MISS ? CONTAINER_MAP_DROP_MISS
                       : verdict == CM_NOT_L4 ? CONTAINER_MAP_DROP_NOT_L4
                       : CONTAINER_MAP_DROP_UNRESERVED));
    }
}

/* Returns true if 'ip' is mapped (has mappings or reservations). */
static inline bool
cm_is_mapped(const struct cm_ctx *ctx, const struct in6_addr *ip)
{
    return container_map_addrs_lookup(&ctx->map->addrs, ctx->table_id,
                                      ip) != NULL;
}

/* The Ethernet source of 'packet' (parsed: an Ethernet frame). */
static inline struct eth_addr
cm_eth_src(const struct dp_packet *packet)
{
    const struct eth_header *eth = dp_packet_eth(packet);

    return eth->eth_src;
}

/* The reservation that owns source port (or echo identifier, if 'id')
 * 'port' on 'ip', or NULL. */
static inline const struct container_map_resv *
cm_find_resv(const struct cm_ctx *ctx, const struct in6_addr *ip,
             ovs_be16 port, bool id)
{
    const struct container_map_addr *addr;

    addr = container_map_addrs_lookup(&ctx->map->addrs, ctx->table_id, ip);
    return addr ? container_map_addr_find_resv(addr, ntohs(port), id) : NULL;
}

/* Adds 'packet' to the packets for 'backend' (counted in 'stats', if
 * nonnull), or returns the packet to rewrite into an answer that goes back
 * through the port 'packet' came from. */
void cm_deliver(struct cm_ctx *, struct dp_packet *,
                struct container_map_backend *,
                struct container_map_counters *stats);
struct dp_packet *cm_answer(struct cm_ctx *, struct dp_packet *);

/* container-map-dp-shared.c. */
enum cm_verdict cm_ingress_echo_request(struct cm_ctx *, struct dp_packet *,
                                        const struct container_map_pkt *);
enum cm_verdict cm_ingress_icmp(struct cm_ctx *, struct dp_packet *,
                                const struct container_map_pkt *);
enum cm_verdict cm_arp(struct cm_ctx *, struct dp_packet *, bool egress);
enum cm_verdict cm_nd(struct cm_ctx *, struct dp_packet *,
                      const struct container_map_pkt *, bool egress);
unsigned long cm_egress_ahead(const struct cm_ctx *,
                              struct dp_packet **packets, size_t n,
                              struct container_map_pkt pkts[],
                              struct container_map_conn_key keys[],
                              uint32_t hashes[]);
size_t cm_release_held_egress(struct cm_ctx *, struct dp_packet_batch *,
                              odp_port_t in_port);
enum cm_verdict cm_egress(struct cm_ctx *, struct dp_packet *,
                          const struct container_map_pkt *,
                          const struct container_map_conn_key *,
                          uint32_t hash);

/* container-map-dp-frag.c. */

/* Remembers the ports of first fragment 'pkt' (which went through the action
 * in the direction 'egress' says) for its later fragments. */
void cm_frag_record(struct cm_ctx *, const struct container_map_pkt *pkt,
                    bool egress);

/* If the first fragment of later fragment 'pkt' was recorded, makes 'pkt'
 * the TCP, UDP or SCTP packet of the first's ports and returns true. */
bool cm_frag_follow(struct cm_ctx *, struct container_map_pkt *pkt,
                    bool egress);

/* Holds later fragment 'packet' (parsed into 'pkt'), which came through the
 * action in the direction 'egress' says, until its first fragment comes,
 * and returns true, or returns false if it cannot (the thread holds as many
 * as it may, or the action may not take 'packet'). */
bool cm_frag_hold(struct cm_ctx *, struct dp_packet *,
                  const struct container_map_pkt *pkt, bool egress);

/* Whether this thread holds any fragments. */
bool cm_frag_any_held(void);

/* Takes the fragments this thread holds for 'ctx''s table in the direction
 * 'egress' says (from a container: those that came in on 'in_port') whose
 * first fragment has come, 'max' at most, into 'packets', and into 'pkts'
 * as cm_frag_follow() makes them.  Drops (and counts) those held too long.
 * Returns how many it took. */
size_t cm_frag_take(struct cm_ctx *, bool egress, odp_port_t in_port,
                    size_t max, struct dp_packet *packets[],
                    struct container_map_pkt pkts[]);

/* For tests: drops (and counts) every fragment this thread holds, and
 * forgets every record (while no other thread runs the action). */
void cm_frag_reset(void);

#endif /* container-map-dp-private.h */
