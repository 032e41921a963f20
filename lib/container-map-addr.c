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
 * container-map-private.h, which the coordinator keeps), how echo requests
 * to them are answered, their mapped ports and the index of their
 * reservations.  A leaf: it calls only the backends store. */

#include <config.h>

#include "container-map-store.h"

#include <stdlib.h>

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

/* Returns the address 'ip' of 'table_id' with one more user. */
static struct container_map_addr *
addr_ref(struct container_map_addrs *addrs, uint32_t table_id,
         const struct in6_addr *ip)
{
    struct container_map_addr *addr = addr_find(addrs, table_id, ip);

    if (!addr) {
        addr = xzalloc(sizeof *addr);
        addr->ip = *ip;
        addr->table_id = table_id;
        atomic_init(&addr->echo_off, false);
        ovsrcu_init(&addr->echo_backend, NULL);
        ovsrcu_init(&addr->resv_index, NULL);
        ovs_list_init(&addr->resvs);
        hmap_init(&addr->ports);
        cmap_insert(&addrs->map, &addr->node,
                    container_map_addr_hash(addrs->basis, table_id, ip));
    }
    addr->n_users++;
    return addr;
}

static void
addr_free(struct container_map_addr *addr)
{
    free(ovsrcu_get_protected(struct container_map_resv_index *,
                              &addr->resv_index));
    hmap_destroy(&addr->ports);
    free(addr);
}

/* Takes a user from 'addr', and deletes it with the last. */
static void
addr_unref(struct container_map_addrs *addrs,
           struct container_map_backends *backends,
           struct container_map_addr *addr)
{
    ovs_assert(addr->n_users > 0);
    if (!--addr->n_users) {
        struct container_map_backend *echo;

        ovs_assert(ovs_list_is_empty(&addr->resvs));
        ovs_assert(hmap_is_empty(&addr->ports));
        cmap_remove(&addrs->map, &addr->node,
                    container_map_addr_hash(addrs->basis, addr->table_id,
                                            &addr->ip));
        echo = ovsrcu_get_protected(struct container_map_backend *,
                                    &addr->echo_backend);
        if (echo) {
            container_map_backends_unref(backends, echo);
        }
        ovsrcu_postpone(addr_free, addr);
    }
}

/* Mapped ports. */

static uint32_t
port_hash(uint8_t proto, uint16_t port)
{
    return hash_int(((uint32_t) proto << 16) | port, 0);
}

void
container_map_addrs_add_mapping(struct container_map_addrs *addrs,
                                const struct container_map_key *key)
{
    struct container_map_addr *addr = addr_ref(addrs, key->table_id,
                                               &key->ip);
    struct container_map_addr_port *p = xmalloc(sizeof *p);

    p->port = ntohs(key->port);
    p->proto = key->proto;
    hmap_insert(&addr->ports, &p->node, port_hash(p->proto, p->port));
}

void
container_map_addrs_del_mapping(struct container_map_addrs *addrs,
                                struct container_map_backends *backends,
                                const struct container_map_key *key)
{
    struct container_map_addr *addr = addr_find(addrs, key->table_id,
                                                &key->ip);
    uint16_t port = ntohs(key->port);
    struct container_map_addr_port *p;

    ovs_assert(addr);
    HMAP_FOR_EACH_WITH_HASH (p, node, port_hash(key->proto, port),
                             &addr->ports) {
        if (p->port == port && p->proto == key->proto) {
            hmap_remove(&addr->ports, &p->node);
            free(p);
            break;
        }
    }
    addr_unref(addrs, backends, addr);
}

/* Reservations. */

static int
compare_ranges(const void *a_, const void *b_)
{
    const struct container_map_resv_range *a = a_, *b = b_;

    return a->min < b->min ? -1 : a->min > b->min;
}

/* Publishes a new index of 'addr''s reservations. */
static void
addr_reindex(struct container_map_addr *addr)
{
    struct container_map_resv_index *old, *new = NULL;
    size_t n = ovs_list_size(&addr->resvs);

    if (n) {
        const struct container_map_resv *r;
        size_t i = 0;

        new = xmalloc(sizeof *new + 2 * n * sizeof new->ranges[0]);
        new->n_ports = new->n_ids = n;
        LIST_FOR_EACH (r, addr_node, &addr->resvs) {
            new->ranges[i] = (struct container_map_resv_range) {
                r->ranges.port_min, r->ranges.port_max, r };
            new->ranges[n + i] = (struct container_map_resv_range) {
                r->ranges.id_min, r->ranges.id_max, r };
            i++;
        }
        qsort(new->ranges, n, sizeof new->ranges[0], compare_ranges);
        qsort(&new->ranges[n], n, sizeof new->ranges[0], compare_ranges);
    }
    old = ovsrcu_get_protected(struct container_map_resv_index *,
                               &addr->resv_index);
    ovsrcu_set(&addr->resv_index, new);
    if (old) {
        ovsrcu_postpone(free, old);
    }
}

void
container_map_addrs_add_resv(struct container_map_addrs *addrs,
                             struct container_map_resv *r)
{
    struct container_map_addr *addr = addr_ref(addrs, r->key.table_id,
                                               &r->key.ip);

    ovs_list_push_back(&addr->resvs, &r->addr_node);
    addr_reindex(addr);
}

void
container_map_addrs_replace_resv(struct container_map_addrs *addrs,
                                 struct container_map_resv *old,
                                 struct container_map_resv *new)
{
    struct container_map_addr *addr = addr_find(addrs, old->key.table_id,
                                                &old->key.ip);

    ovs_assert(addr);
    ovs_list_replace(&new->addr_node, &old->addr_node);
    addr_reindex(addr);
}

void
container_map_addrs_del_resv(struct container_map_addrs *addrs,
                             struct container_map_backends *backends,
                             struct container_map_resv *r)
{
    struct container_map_addr *addr = addr_find(addrs, r->key.table_id,
                                                &r->key.ip);

    ovs_assert(addr);
    ovs_list_remove(&r->addr_node);
    addr_reindex(addr);
    addr_unref(addrs, backends, addr);
}

/* Echo.  Readers see the backend first (container_map_addr_get_echo()), so
 * the backend is set last and cleared first. */
void
container_map_addrs_set_echo(struct container_map_addrs *addrs OVS_UNUSED,
                             struct container_map_backends *backends,
                             const struct container_map_addr *addr_,
                             enum container_map_echo echo,
                             struct container_map_backend *echo_backend)
{
    struct container_map_addr *addr = CONST_CAST(struct container_map_addr *,
                                                 addr_);
    struct container_map_backend *old;

    old = ovsrcu_get_protected(struct container_map_backend *,
                               &addr->echo_backend);
    ovsrcu_set(&addr->echo_backend, NULL);
    atomic_store_relaxed(&addr->echo_off, echo == CONTAINER_MAP_ECHO_OFF);
    if (echo == CONTAINER_MAP_ECHO_CONTAINER) {
        ovsrcu_set(&addr->echo_backend, echo_backend);
    }
    if (old) {
        /* Backends are freed after RCU: readers that saw it are safe. */
        container_map_backends_unref(backends, old);
    }
}
