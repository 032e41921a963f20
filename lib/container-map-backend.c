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

/* The container map's backends store: backends interned per [table, MAC,
 * port, tunnel IP], with reference counts, and the datapath actions that
 * reach each one.  The bottom of the stores (container-map-private.h): it
 * calls none of them. */

#include <config.h>

#include "container-map-store.h"

#include "flow.h"
#include "util.h"

void
container_map_backends_init(struct container_map_backends *backends,
                            uint32_t basis)
{
    hmap_init(&backends->map);
    ovs_list_init(&backends->fresh);
    backends->basis = basis;
}

void
container_map_backends_destroy(struct container_map_backends *backends)
{
    ovs_assert(hmap_is_empty(&backends->map));
    hmap_destroy(&backends->map);
}

static uint32_t
mac_hash(uint32_t basis, const struct eth_addr mac)
{
    uint32_t hash = hash_add(basis, ((uint32_t) mac.be16[0] << 16)
                                    | mac.be16[1]);

    return hash_add(hash, mac.be16[2]);
}

static uint32_t
backend_hash(uint32_t basis, uint32_t table_id,
             const struct container_map_backend_spec *spec)
{
    uint32_t hash = mac_hash(hash_add(basis, table_id), spec->mac);

    hash = hash_add(hash, ofp_to_u16(spec->ofport));
    hash = hash_bytes(&spec->tun_dst, sizeof spec->tun_dst, hash);
    return hash_finish(hash, 28);
}

bool
container_map_backend_is_at(const struct container_map_backend *b,
                            const struct container_map_backend_spec *spec)
{
    return (b->ofport == spec->ofport
            && ipv6_addr_equals(&b->tun_dst, &spec->tun_dst));
}

void
container_map_backend_spec_of(const struct container_map_backend *b,
                              struct container_map_backend_spec *spec)
{
    spec->mac = b->mac;
    spec->ofport = b->ofport;
    spec->tun_dst = b->tun_dst;
}

/* Returns the backend 'spec' of 'table_id', with one more reference: an
 * existing one, or a new one without actions. */
struct container_map_backend *
container_map_backends_ref(struct container_map_backends *backends,
                           uint32_t table_id,
                           const struct container_map_backend_spec *spec)
{
    uint32_t hash = backend_hash(backends->basis, table_id, spec);
    struct container_map_backend *b;

    HMAP_FOR_EACH_WITH_HASH (b, hmap_node, hash, &backends->map) {
        if (b->table_id == table_id && eth_addr_equals(b->mac, spec->mac)
            && container_map_backend_is_at(b, spec)) {
            b->n_refs++;
            return b;
        }
    }

    b = xzalloc(sizeof *b);
    b->table_id = table_id;
    b->mac = spec->mac;
    b->ofport = spec->ofport;
    b->tun_dst = spec->tun_dst;
    b->n_refs = 1;
    ovs_list_init(&b->conns);
    /* The container's identity for rendezvous hashing: its MAC alone, the
     * same in every process and on every host. */
    b->hrw_id = hash_finish(mac_hash(0, spec->mac), 6);
    atomic_init(&b->down, NULL);
    ovsrcu_set_hidden(&b->actions, NULL);
    hmap_insert(&backends->map, &b->hmap_node, hash);
    ovs_list_push_back(&backends->fresh, &b->fresh_node);
    return b;
}

static void
backend_free(struct container_map_backend *b)
{
    free(ovsrcu_get_protected(struct container_map_actions *, &b->actions));
    free(b);
}

void
container_map_backends_unref(struct container_map_backends *backends,
                             struct container_map_backend *b)
{
    ovs_assert(b->n_refs > 0);
    if (!--b->n_refs) {
        /* Whatever removed the last use forgot the connections first. */
        ovs_assert(!b->n_conns);
        hmap_remove(&backends->map, &b->hmap_node);
        ovs_list_remove(&b->fresh_node);
        ovsrcu_postpone(backend_free, b);
    }
}

void
container_map_backend_set_actions(struct container_map_backend *b,
                                  struct container_map_actions *actions)
{
    struct container_map_actions *old;

    old = ovsrcu_get_protected(struct container_map_actions *, &b->actions);
    ovsrcu_set(&b->actions, actions);
    if (actions) {
        /* Out of 'fresh' (a no-op if it was not there). */
        ovs_list_remove(&b->fresh_node);
        ovs_list_init(&b->fresh_node);
    }
    if (old && old != actions) {
        /* 'struct container_map_actions' is the datapath's: one block. */
        ovsrcu_postpone__(free, old);
    }
}
