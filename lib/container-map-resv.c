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

/* The container map's reservations store: [table, IP, container MAC] -> the
 * container's backend and its source port and ICMP identifier ranges on the
 * IP.  A leaf (container-map-private.h): it calls only the backends store.
 * Each address indexes its reservations by range (container-map-addr.c);
 * the coordinator checks overlaps there before a change and forgets the
 * connections of what a change retires. */

#include <config.h>

#include "container-map-store.h"

#include "util.h"

void
container_map_resvs_init(struct container_map_resvs *resvs, uint32_t basis)
{
    cmap_init(&resvs->map);
    resvs->basis = basis;
}

void
container_map_resvs_destroy(struct container_map_resvs *resvs)
{
    ovs_assert(cmap_is_empty(&resvs->map));
    cmap_destroy(&resvs->map);
}

/* Sets the reservation of 'spec->mac' on 'ip': a new one, or one that
 * replaces 'old' (its current one), which is then retired.  Returns the new
 * reservation. */
struct container_map_resv *
container_map_resvs_set(struct container_map_resvs *resvs,
                        struct container_map_backends *backends,
                        uint32_t table_id, const struct in6_addr *ip,
                        const struct container_map_backend_spec *spec,
                        const struct container_map_ranges *ranges,
                        struct container_map_resv *old)
{
    struct container_map_resv *new = xzalloc(sizeof *new);
    uint32_t hash = container_map_resv_hash(resvs->basis, table_id, ip,
                                            spec->mac);

    new->key.ip = *ip;
    new->key.table_id = table_id;
    new->key.mac = spec->mac;
    new->backend = container_map_backends_ref(backends, table_id, spec);
    new->ranges = *ranges;
    if (old) {
        cmap_replace(&resvs->map, &old->node, &new->node, hash);
    } else {
        cmap_insert(&resvs->map, &new->node, hash);
    }
    return new;
}

/* Removes 'r' from the map; it is retired. */
void
container_map_resvs_remove(struct container_map_resvs *resvs,
                           struct container_map_resv *r)
{
    cmap_remove(&resvs->map, &r->node,
                container_map_resv_hash(resvs->basis, r->key.table_id,
                                        &r->key.ip, r->key.mac));
}

/* Frees retired reservation 'r' after RCU, with its backend reference. */
void
container_map_resvs_release(struct container_map_backends *backends,
                            struct container_map_resv *r)
{
    container_map_backends_unref(backends, r->backend);
    ovsrcu_postpone(free, r);
}
