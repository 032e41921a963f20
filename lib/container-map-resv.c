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

#include <config.h>

#include "container-map-resv.h"

#include <errno.h>
#include <string.h>

#include "container-map-conn.h"
#include "util.h"

/* Addresses. */

static struct container_map_addr *
addr_find(struct container_map_table *table, uint32_t table_id,
          const struct in6_addr *ip)
{
    return CONST_CAST(struct container_map_addr *,
                      container_map_addr_lookup(table, table_id, ip));
}

static void
addr_free(struct container_map_addr *addr)
{
    free(addr);
}

void
container_map_addr_ref(struct container_map_table *table, uint32_t table_id,
                       const struct in6_addr *ip)
    OVS_REQUIRES(table->mutex)
{
    struct container_map_addr *addr = addr_find(table, table_id, ip);

    if (addr) {
        addr->n_users++;
        return;
    }
    addr = xzalloc(sizeof *addr);
    addr->ip = *ip;
    addr->table_id = table_id;
    addr->n_users = 1;
    addr->echo = CONTAINER_MAP_ECHO_SWITCH;
    cmap_insert(&table->addrs, &addr->node,
                container_map_addr_hash(table_id, ip));
}

void
container_map_addr_unref(struct container_map_table *table, uint32_t table_id,
                         const struct in6_addr *ip)
    OVS_REQUIRES(table->mutex)
{
    struct container_map_addr *addr = addr_find(table, table_id, ip);

    ovs_assert(addr && addr->n_users > 0);
    if (!--addr->n_users) {
        cmap_remove(&table->addrs, &addr->node,
                    container_map_addr_hash(table_id, ip));
        if (addr->echo_backend) {
            container_map_backend_unref(table, addr->echo_backend);
        }
        ovsrcu_postpone(addr_free, addr);
    }
}

/* Replaces 'old' by a copy with the given echo setting. */
static void
addr_replace_echo(struct container_map_table *table,
                  struct container_map_addr *old, enum container_map_echo echo,
                  struct container_map_backend *echo_backend)
    OVS_REQUIRES(table->mutex)
{
    struct container_map_addr *new = xmemdup(old, sizeof *old);

    new->echo = echo;
    new->echo_backend = echo_backend;
    cmap_replace(&table->addrs, &old->node, &new->node,
                 container_map_addr_hash(old->table_id, &old->ip));
    if (old->echo_backend) {
        container_map_backend_unref(table, old->echo_backend);
    }
    ovsrcu_postpone(addr_free, old);
}

int
container_map_addr_set_echo(struct container_map_table *table,
                            uint32_t table_id, const struct in6_addr *ip,
                            enum container_map_echo echo,
                            const struct eth_addr *mac)
{
    struct container_map_backend *backend = NULL;
    struct container_map_addr *addr;
    int error = 0;

    ovs_mutex_lock(&table->mutex);
    addr = addr_find(table, table_id, ip);
    if (!addr) {
        error = ENOENT;
    } else if (echo == CONTAINER_MAP_ECHO_CONTAINER) {
        const struct container_map_resv *r;

        r = container_map_resv_lookup(table, table_id, ip, *mac);
        if (!r) {
            error = ENOENT;
        } else {
            backend = container_map_backend_ref_tnl(table, table_id, *mac,
                                                    r->backend->ofport,
                                                    &r->backend->tun_dst);
        }
    }
    if (!error) {
        addr_replace_echo(table, addr, echo, backend);
    }
    ovs_mutex_unlock(&table->mutex);
    return error;
}

void
container_map_addr_for_each(const struct container_map_table *table,
                            container_map_addr_cb *cb, void *aux)
{
    const struct container_map_addr *addr;

    CMAP_FOR_EACH (addr, node, &table->addrs) {
        cb(addr, aux);
    }
}

const char *
container_map_echo_name(enum container_map_echo echo)
{
    return (echo == CONTAINER_MAP_ECHO_SWITCH ? "switch"
            : echo == CONTAINER_MAP_ECHO_CONTAINER ? "container"
            : "off");
}

/* Reservations. */

static bool
ranges_overlap(uint16_t a_min, uint16_t a_max, uint16_t b_min, uint16_t b_max)
{
    return a_min <= b_max && b_min <= a_max;
}

static void
resv_free(struct container_map_resv *r)
{
    free(r);
}

/* Forgets 'r''s connections and releases its references. */
static void
resv_release(struct container_map_table *table, struct container_map_resv *r)
    OVS_REQUIRES(table->mutex)
{
    if (r->backend->n_conns) {
        container_map_conn_forget(table, r->key.table_id, r->backend,
                                  CONTAINER_MAP_CONN_OUTBOUND, &r->key.ip, 0,
                                  htons(0));
    }
    container_map_backend_unref(table, r->backend);
    ovsrcu_postpone(resv_free, r);
}

int
container_map_resv_set(struct container_map_table *table, uint32_t table_id,
                       const struct in6_addr *ip, const struct eth_addr mac,
                       ofp_port_t ofport, uint16_t port_min, uint16_t port_max,
                       uint16_t id_min, uint16_t id_max,
                       struct eth_addr *other)
{
    uint16_t other_port;

    return container_map_resv_set_tnl(table, table_id, ip, mac, ofport, NULL,
                                      port_min, port_max, id_min, id_max,
                                      other, &other_port);
}

const struct container_map_resv *
container_map_resv_find_port(const struct container_map_table *table,
                             uint32_t table_id, const struct in6_addr *ip,
                             uint16_t port, const struct eth_addr *except)
{
    const struct container_map_resv *r;

    CMAP_FOR_EACH (r, node, &table->resvs) {
        if (r->key.table_id == table_id && ipv6_addr_equals(&r->key.ip, ip)
            && port >= r->port_min && port <= r->port_max
            && (!except || !eth_addr_equals(r->key.mac, *except))) {
            return r;
        }
    }
    return NULL;
}

/* Finds a mapping on 'ip' with a port in [port_min, port_max] that has a
 * backend other than 'mac'. */
static bool
range_has_other_mapping(const struct container_map_table *table,
                        uint32_t table_id, const struct in6_addr *ip,
                        uint16_t port_min, uint16_t port_max,
                        const struct eth_addr mac, struct eth_addr *other,
                        uint16_t *other_port)
{
    const struct container_map_entry *e;

    CMAP_FOR_EACH (e, node, &table->entries) {
        uint16_t port = ntohs(e->key.port);

        if (e->key.table_id != table_id || port < port_min || port > port_max
            || !ipv6_addr_equals(&e->key.ip, ip)) {
            continue;
        }
        for (uint32_t i = 0; i < e->n_backends; i++) {
            if (!eth_addr_equals(e->backends[i]->mac, mac)) {
                *other = e->backends[i]->mac;
                *other_port = port;
                return true;
            }
        }
    }
    return false;
}

int
container_map_resv_set_tnl(struct container_map_table *table,
                           uint32_t table_id, const struct in6_addr *ip,
                           const struct eth_addr mac, ofp_port_t ofport,
                           const struct in6_addr *tun_dst,
                           uint16_t port_min, uint16_t port_max,
                           uint16_t id_min, uint16_t id_max,
                           struct eth_addr *other, uint16_t *other_port)
{
    const struct container_map_resv *r;
    struct container_map_resv *old = NULL, *new;
    uint32_t hash;

    if (table_id >= CONTAINER_MAP_MAX_TABLES || !port_min
        || port_min > port_max || id_min > id_max) {
        return EINVAL;
    }

    ovs_mutex_lock(&table->mutex);
    CMAP_FOR_EACH (r, node, &table->resvs) {
        if (r->key.table_id != table_id || !ipv6_addr_equals(&r->key.ip, ip)) {
            continue;
        }
        if (eth_addr_equals(r->key.mac, mac)) {
            old = CONST_CAST(struct container_map_resv *, r);
        } else if (ranges_overlap(port_min, port_max,
                                  r->port_min, r->port_max)
                   || ranges_overlap(id_min, id_max, r->id_min, r->id_max)) {
            *other = r->key.mac;
            ovs_mutex_unlock(&table->mutex);
            return EEXIST;
        }
    }
    if (range_has_other_mapping(table, table_id, ip, port_min, port_max, mac,
                                other, other_port)) {
        ovs_mutex_unlock(&table->mutex);
        return EADDRINUSE;
    }

    if (old && container_map_backend_is_at(old->backend, ofport, tun_dst)
        && old->port_min == port_min && old->port_max == port_max
        && old->id_min == id_min && old->id_max == id_max) {
        ovs_mutex_unlock(&table->mutex);
        return 0;
    }

    new = xzalloc(sizeof *new);
    new->key.ip = *ip;
    new->key.table_id = table_id;
    new->key.mac = mac;
    new->backend = container_map_backend_ref_tnl(table, table_id, mac, ofport,
                                                 tun_dst);
    new->port_min = port_min;
    new->port_max = port_max;
    new->id_min = id_min;
    new->id_max = id_max;
    hash = container_map_resv_hash(table_id, ip, mac);
    if (old) {
        struct container_map_addr *addr = addr_find(table, table_id, ip);

        cmap_replace(&table->resvs, &old->node, &new->node, hash);
        if (addr && addr->echo == CONTAINER_MAP_ECHO_CONTAINER
            && addr->echo_backend == old->backend
            && new->backend != old->backend) {
            /* The container answering pings moved: follow it. */
            new->backend->n_refs++;
            addr_replace_echo(table, addr, CONTAINER_MAP_ECHO_CONTAINER,
                              new->backend);
        }
        resv_release(table, old);
    } else {
        cmap_insert(&table->resvs, &new->node, hash);
        container_map_addr_ref(table, table_id, ip);
    }
    ovs_mutex_unlock(&table->mutex);
    return 0;
}

static void
resv_del__(struct container_map_table *table, struct container_map_resv *r)
    OVS_REQUIRES(table->mutex)
{
    struct container_map_addr *addr;

    cmap_remove(&table->resvs, &r->node,
                container_map_resv_hash(r->key.table_id, &r->key.ip,
                                        r->key.mac));
    /* The container no longer uses the IP: it cannot answer its pings. */
    addr = addr_find(table, r->key.table_id, &r->key.ip);
    if (addr && addr->echo == CONTAINER_MAP_ECHO_CONTAINER
        && eth_addr_equals(addr->echo_backend->mac, r->key.mac)) {
        addr_replace_echo(table, addr, CONTAINER_MAP_ECHO_SWITCH, NULL);
    }
    container_map_addr_unref(table, r->key.table_id, &r->key.ip);
    resv_release(table, r);
}

int
container_map_resv_del(struct container_map_table *table, uint32_t table_id,
                       const struct in6_addr *ip, const struct eth_addr mac)
{
    const struct container_map_resv *r;
    int error = ENOENT;

    ovs_mutex_lock(&table->mutex);
    r = container_map_resv_lookup(table, table_id, ip, mac);
    if (r) {
        resv_del__(table, CONST_CAST(struct container_map_resv *, r));
        error = 0;
    }
    ovs_mutex_unlock(&table->mutex);
    return error;
}

size_t
container_map_resv_flush(struct container_map_table *table, uint32_t table_id)
{
    struct container_map_resv *r;
    size_t n = 0;

    ovs_mutex_lock(&table->mutex);
    CMAP_FOR_EACH (r, node, &table->resvs) {
        if (table_id == UINT32_MAX || r->key.table_id == table_id) {
            resv_del__(table, r);
            n++;
        }
    }
    ovs_mutex_unlock(&table->mutex);
    return n;
}

void
container_map_resv_for_each(const struct container_map_table *table,
                            container_map_resv_cb *cb, void *aux)
{
    const struct container_map_resv *r;

    CMAP_FOR_EACH (r, node, &table->resvs) {
        cb(r, aux);
    }
}
