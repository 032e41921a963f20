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

/* What the unit tests of the datapath action share
 * (test-container-map-dp.c, test-container-map-threads.c): backends' datapath
 * actions as ofproto would compile them. */

#ifndef CONTAINER_MAP_TEST_DP_H
#define CONTAINER_MAP_TEST_DP_H 1

#include "container-map.h"
#include "container-map-odp.h"
#include "container-map-view.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* A container_map_for_each_backend() callback that gives backend 'b' of the
 * global map "set eth_dst to its MAC, output to its port", with that port
 * (as a datapath port number) as where its packets come from. */
static inline void
compile_backend(struct container_map_backend *b,
                const struct container_map_backend_view *v,
                void *aux OVS_UNUSED)
{
    struct ovs_key_ethernet eth[2] = {
        { .eth_src = eth_addr_zero, .eth_dst = v->spec.mac },
        { .eth_src = eth_addr_zero, .eth_dst = eth_addr_exact },
    };
    odp_port_t port = u32_to_odp(ofp_to_u16(v->spec.ofport));
    uint64_t stub[64 / 8];
    struct ofpbuf acts = OFPBUF_STUB_INITIALIZER(stub);
    size_t ofs;

    ofs = nl_msg_start_nested(&acts, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&acts, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&acts, ofs);
    nl_msg_put_odp_port(&acts, OVS_ACTION_ATTR_OUTPUT, port);
    container_map_set_actions(container_map_global(), b,
                              container_map_actions_create(acts.data,
                                                           acts.size, port,
                                                           NULL));
    ofpbuf_uninit(&acts);
}

#endif /* container-map-test-dp.h */
