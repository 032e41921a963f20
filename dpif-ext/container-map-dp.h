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

#ifndef CONTAINER_MAP_DP_H
#define CONTAINER_MAP_DP_H 1

/* The userspace datapath action OVS_ACTION_ATTR_CONTAINER_MAP.
 *
 * The action carries only the bridge's table number, its direction and what
 * to do on a miss.
 *
 * Ingress (traffic towards containers): per packet it looks up [table, IP
 * destination, L4 protocol, L4 destination port] in the container map (for
 * a whole receive batch at once when dpif-netdev's lookahead hooks below
 * ran); a mapping with one backend delivers there, one with several (or a
 * packet without mapping) consults the connection entries.  Delivery runs
 * the backend's precompiled actions (the action writes the Ethernet
 * destination itself when they start with that, then output or tunnel
 * push).  It answers ARP and ICMP echo requests for mapped IPs and delivers
 * ICMP errors to the container whose connection they are about.
 *
 * Egress (traffic from containers): it records a connection entry for each
 * new flow a container opens from its reserved range, drops what leaves the
 * range or collides, and passes the packet on to the next actions.
 *
 * The megaflow the action is part of never has to match what it looks up. */

#include <stdbool.h>
#include <stdint.h>
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"

struct dp_packet_batch;
struct ds;
struct nlattr;
struct ofpbuf;

/* Argument of OVS_ACTION_ATTR_CONTAINER_MAP. */
struct ovs_action_container_map {
    uint32_t table_id;          /* Bridge's container map table. */
    uint8_t miss;               /* enum container_map_miss. */
    uint8_t egress;             /* 0: ingress lookup, 1: egress recording. */
    uint8_t pad[2];
};

void container_map_execute(void *dp, struct dp_packet_batch *, bool steal,
                           const struct nlattr *action,
                           odp_execute_cb dp_execute_action);

/* Hooks of dpif-netdev around the execution of one receive batch's megaflows
 * (see "Looking ahead" in container-map-dp.c): container_map_lookahead_add()
 * for each megaflow's packets and actions, then container_map_lookahead_run()
 * before the first one runs and container_map_lookahead_done() after the last
 * one.  Cheap for megaflows without the action. */
static inline void container_map_lookahead_add(const struct dp_packet_batch *,
                                               const struct nlattr *actions,
                                               size_t size);
void container_map_lookahead_run(void);
void container_map_lookahead_done(void);

void container_map_format_odp_action(struct ds *, const struct nlattr *);
int container_map_parse_odp_action(const char *, struct ofpbuf *actions);
void container_map_put_odp_action(struct ofpbuf *odp_actions,
                                  uint32_t table_id, uint8_t miss,
                                  bool egress);

void container_map_lookahead_add__(const struct dp_packet_batch *,
                                   const struct nlattr *action);

static inline void
container_map_lookahead_add(const struct dp_packet_batch *batch,
                            const struct nlattr *actions, size_t size)
{
    if (size >= NLA_HDRLEN
        && nl_attr_type(actions) == OVS_ACTION_ATTR_CONTAINER_MAP) {
        const struct ovs_action_container_map *cm = nl_attr_get(actions);

        if (!cm->egress) {
            container_map_lookahead_add__(batch, actions);
        }
    }
}

#endif /* container-map-dp.h */
