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

/* The execution of the userspace datapath action
 * OVS_ACTION_ATTR_CONTAINER_MAP (container-map-odp.h has its encoding):
 * the calls that the hook patch 0003 adds to lib/odp-execute.c and
 * lib/dpif-netdev.c.
 *
 * Ingress (traffic towards containers): per packet it looks up [table, IP
 * destination, L4 protocol, L4 destination port] in the container map and
 * delivers to the mapping's backend, consulting the connection entries when
 * the mapping has several; it answers ARP and ICMP echo requests for mapped
 * IPs and delivers ICMP errors to the container whose connection they are
 * about.  Egress (traffic from containers): it records a connection entry
 * for each new flow a container opens from its reserved range, drops what
 * leaves the range or collides, and passes the packet on.  The megaflow the
 * action is part of never has to match what it looks up. */

#include <stdbool.h>
#include <stddef.h>
#include "container-map-odp.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"

struct dp_packet_batch;

/* odp_execute_actions() calls this for the action 'action'. */
void container_map_execute(void *dp, struct dp_packet_batch *, bool steal,
                           const struct nlattr *action,
                           odp_execute_cb dp_execute_action);

/* dp_netdev_input__() calls these around its execution of one receive
 * batch's megaflows, so that the action's lookups for the whole batch are
 * done together ("Looking ahead" in container-map-dp.c):
 * container_map_lookahead_add() for each megaflow with its packets and
 * actions, container_map_lookahead_run() before the first megaflow runs,
 * container_map_lookahead_done() after the last.  Cheap for megaflows without
 * the action. */
static inline void container_map_lookahead_add(const struct dp_packet_batch *,
                                               const struct nlattr *actions,
                                               size_t size);
void container_map_lookahead_run(void);
void container_map_lookahead_done(void);

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
