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

#ifndef CONTAINER_MAP_OFPACT_H
#define CONTAINER_MAP_OFPACT_H 1

/* The OpenFlow side of the "container_map" action.  Included by
 * include/openvswitch/ofp-actions.h after OFPACT_PADDED_MEMBERS is known. */

#include <stdint.h>

/* What the action does with a packet whose [IP, protocol, port] is not in
 * the bridge's container map. */
enum container_map_miss {
    CONTAINER_MAP_MISS_DROP = 0,        /* Drop it, counted (default). */
    CONTAINER_MAP_MISS_CONTINUE = 1,    /* Leave it to the next actions. */
};

/* OFPACT_CONTAINER_MAP.
 *
 * Used for NXAST_CONTAINER_MAP. */
struct ofpact_container_map {
    OFPACT_PADDED_MEMBERS(
        struct ofpact ofpact;
        uint8_t miss;               /* One of enum container_map_miss. */
        uint8_t egress;             /* 1: egress form, records connections
                                     * of containers. */
    );
};

#endif /* container-map-ofpact.h */
