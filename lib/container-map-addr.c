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

/* The container map's addresses store: the IPs of each table that have
 * mappings or reservations, with their users' count (invariant 3 of
 * container-map-private.h, which the coordinator keeps) and how echo
 * requests to them are answered.  A leaf: it calls only the backends
 * store. */

#include <config.h>

#include "container-map-private.h"

#include "util.h"

void
container_map_addrs_init(struct container_map_addrs *addrs, uint32_t basis)
{
    cmap_init(&addrs->map);
    addrs->basis = basis;
}

void
container_map_addrs_destroy(struct container_map_addrs *addrs)
{
    ovs_assert(cmap_is_empty(&addrs->map));
    cmap_destroy(&addrs->map);
}

static struct container_map_addr *
addr_find(struct container_map_addrs *addrs, uint32_t table_id,
          const struct in6_addr *ip)
{
    return CONST_CAST(struct container_map_addr *,
                      container_map_addrs_lookup(addrs, table_id, ip));
}

void
container_map_addrs_ref(struct container_map_addrs *addrs, uint32_t table_id,
                        const struct in6_addr *ip)
{
    struct container_map_addr *addr = addr_find(addrs, table_id, ip);

    if (addr) {
        addr->n_users++;
        return;
    }
    addr = xzalloc(sizeof *addr);
    addr->ip = *ip;
    addr->table_id = table_id;
    addr->n_users = 1;
    addr->echo = CONTAINER_MAP_ECHO_SWITCH;
    cmap_insert(&addrs->map, &addr->node,
                container_map_addr_hash(addrs->basis, table_id, ip));
}

void
container_map_addrs_unref(struct container_map_addrs *addrs,
                          struct container_map_backends *backends,
                          uint32_t table_id, const struct in6_addr *ip)
{
    struct container_map_addr *addr = addr_find(addrs, table_id, ip);

    ovs_assert(addr && addr->n_users > 0);
    if (!--addr->n_users) {
        cmap_remove(&addrs->map, &addr->node,
                    container_map_addr_hash(addrs->basis, table_id, ip));
        if (addr->echo_backend) {
            container_map_backends_unref(backends, addr->echo_backend);
        }
        ovsrcu_postpone(free, addr);
    }
}

/* Replaces 'addr' by a copy with the given echo setting.  'echo_backend'
 * (for CONTAINER_MAP_ECHO_CONTAINER) comes with a reference for the copy. */
void
container_map_addrs_set_echo(struct container_map_addrs *addrs,
                             struct container_map_backends *backends,
                             const struct container_map_addr *addr,
                             enum container_map_echo echo,
                             struct container_map_backend *echo_backend)
{
    struct container_map_addr *old = CONST_CAST(struct container_map_addr *,
                                                addr);
    struct container_map_addr *new = xmemdup(old, sizeof *old);

    new->echo = echo;
    new->echo_backend = echo_backend;
    cmap_replace(&addrs->map, &old->node, &new->node,
                 container_map_addr_hash(addrs->basis, old->table_id,
                                         &old->ip));
    if (old->echo_backend) {
        container_map_backends_unref(backends, old->echo_backend);
    }
    ovsrcu_postpone(free, old);
}
