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

#ifndef CONTAINER_MAP_ODP_H
#define CONTAINER_MAP_ODP_H 1

/* The datapath encodings of the container map: the userspace datapath
 * action OVS_ACTION_ATTR_CONTAINER_MAP (its argument, and its text form in
 * "dpctl/dump-flows" and "ofproto/trace"), and the datapath actions that
 * deliver a packet to a backend, as the map keeps them.  lib/odp-util.c
 * calls the formatter and the parser (hook patch 0003); ofproto-ext makes
 * both kinds. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ds;
struct nlattr;
struct ofpbuf;

/* Argument of OVS_ACTION_ATTR_CONTAINER_MAP. */
struct ovs_action_container_map {
    uint32_t table_id;          /* Bridge's container map table. */
    uint8_t miss;               /* OVS_CONTAINER_MAP_MISS_*. */
    uint8_t egress;             /* 0: ingress lookup, 1: egress recording. */
    uint8_t pad[2];
};

/* What the action does with a packet it does not deliver. */
#define OVS_CONTAINER_MAP_MISS_DROP 0       /* Drop it (counted). */
#define OVS_CONTAINER_MAP_MISS_CONTINUE 1   /* Leave it to the next actions
                                             * (counted too). */

/* The numbers of the action's text form and of the container-map/...
 * commands: the 'len' bytes at 's' (all of 's' if 'len' is SIZE_MAX) are
 * decimal digits, at least one, with no sign or space, whose value is at most
 * 'max'.  Returns true and stores the value in '*n', or returns false. */
bool container_map_parse_decimal(const char *s, size_t len,
                                 unsigned long long max,
                                 unsigned long long *n);

void container_map_put_odp_action(struct ofpbuf *odp_actions,
                                  uint32_t table_id, uint8_t miss,
                                  bool egress);
void container_map_format_odp_action(struct ds *, const struct nlattr *);
int container_map_parse_odp_action(const char *, struct ofpbuf *actions);

/* What the datapath knows of a backend: the actions that deliver a packet to
 * it, for example "set eth_dst, output port" or a tunnel push, and where its
 * own packets come from, datapath port 'in_port' and, for a container behind
 * a flow-based tunnel port, the tunnel peer 'tun_src' (NULL or all-zero
 * otherwise), which the egress action holds every packet claiming the
 * container to (container-map-dp-private.h has the struct).
 *
 * Returns a copy of the 'size' bytes of 'actions' with the rest, in one
 * block that free() frees. */
struct container_map_actions *container_map_actions_create(
    const struct nlattr *actions, size_t size, odp_port_t in_port,
    const struct in6_addr *tun_src);
bool container_map_actions_equal(const struct container_map_actions *,
                                 const struct container_map_actions *);
void container_map_actions_format(struct ds *,
                                  const struct container_map_actions *);

#endif /* container-map-odp.h */
