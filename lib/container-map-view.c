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

/* Copies of the container map's stores for the commands and ofproto/trace
 * (container-map-view.h).  Reads only, as any lock-free reader does. */

#include <config.h>

#include "container-map-store.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Copies. */

static void
mapping_view(const struct container_map_entry *e,
             struct container_map_mapping_view *view)
{
    view->key = e->key;
    container_map_counters_get(e->stats, &view->n_packets, &view->n_bytes);
    view->n_backends = e->n_backends;
    for (uint32_t i = 0; i < e->n_backends; i++) {
        const struct container_map_backend *b = e->backends[i];
        struct container_map_backend_view *bv = &view->backends[i];

        container_map_backend_spec_of(b, &bv->spec);
        bv->drained = (e->draining & (UINT64_C(1) << i)) != 0;
        bv->actions = ovsrcu_get(struct container_map_actions *, &b->actions);
        atomic_read_relaxed(&CONST_CAST(struct container_map_backend *,
                                        b)->down, &bv->down);
        container_map_counters_get(e->bstats[i], &bv->n_packets,
                                   &bv->n_bytes);
        view->n_packets += bv->n_packets;
        view->n_bytes += bv->n_bytes;
    }
}

static void
resv_view(const struct container_map_resv *r,
          struct container_map_resv_view *view)
{
    view->ip = r->key.ip;
    container_map_backend_spec_of(r->backend, &view->backend);
    view->ranges = r->ranges;
}

static void
addr_view(const struct container_map_addr *a,
          struct container_map_addr_view *view)
{
    struct container_map_backend *echo;

    view->ip = a->ip;
    view->echo = container_map_addr_get_echo(a, &echo);
    view->echo_mac = echo ? echo->mac : eth_addr_zero;
}

static void
conn_view(const struct container_map *cm, const struct container_map_conn *c,
          struct container_map_conn_view *view)
{
    view->proto = c->key.proto;
    view->local_ip = c->key.local_ip;
    view->local_port = c->key.local_port;
    view->remote_ip = c->key.remote_ip;
    view->remote_port = c->key.remote_port;
    view->inbound = c->kind == CONTAINER_MAP_CONN_INBOUND;
    view->state = container_map_conn_state(c);
    container_map_backend_spec_of(c->backend, &view->backend);
    container_map_counters_get(&c->in, &view->in_packets, &view->in_bytes);
    container_map_counters_get(&c->out, &view->out_packets,
                               &view->out_bytes);
    view->expires = container_map_conn_expiry(&cm->conns, c);
}

/* Lookups. */

size_t
container_map_count_mappings(const struct container_map *cm,
                             uint32_t table_id)
{
    const struct container_map_entry *e;
    size_t n = 0;

    if (table_id == UINT32_MAX) {
        return cmap_count(&cm->entries.map);
    }
    CMAP_FOR_EACH (e, node, &cm->entries.map) {
        n += e->key.table_id == table_id;
    }
    return n;
}

bool
container_map_get_mapping(const struct container_map *cm,
                          const struct container_map_key *key,
                          struct container_map_mapping_view *view)
{
    const struct container_map_entry *e;

    e = container_map_entries_lookup(&cm->entries, key,
                                     container_map_key_hash(
                                         cm->entries.basis, key));
    if (e) {
        mapping_view(e, view);
    }
    return e != NULL;
}

bool
container_map_get_resv(const struct container_map *cm, uint32_t table_id,
                       const struct in6_addr *ip, const struct eth_addr mac,
                       struct container_map_resv_view *view)
{
    const struct container_map_resv *r;

    r = container_map_resvs_lookup(&cm->resvs, table_id, ip, mac);
    if (r) {
        resv_view(r, view);
    }
    return r != NULL;
}

bool
container_map_get_port_owner(const struct container_map *cm,
                             uint32_t table_id, const struct in6_addr *ip,
                             uint16_t value, bool id,
                             struct container_map_resv_view *view)
{
    const struct container_map_resv *r = NULL;
    const struct container_map_addr *a;

    a = container_map_addrs_lookup(&cm->addrs, table_id, ip);
    if (a) {
        r = container_map_addr_find_resv(a, value, id);
    }
    if (r) {
        resv_view(r, view);
    }
    return r != NULL;
}

bool
container_map_get_addr(const struct container_map *cm, uint32_t table_id,
                       const struct in6_addr *ip,
                       struct container_map_addr_view *view)
{
    const struct container_map_addr *a;

    a = container_map_addrs_lookup(&cm->addrs, table_id, ip);
    if (a) {
        addr_view(a, view);
    }
    return a != NULL;
}

bool
container_map_get_conn(const struct container_map *cm, uint32_t table_id,
                       uint8_t proto, const struct in6_addr *local_ip,
                       ovs_be16 local_port, const struct in6_addr *remote_ip,
                       ovs_be16 remote_port,
                       struct container_map_conn_view *view)
{
    const struct container_map_conn *c;
    struct container_map_conn_key key;

    memset(&key, 0, sizeof key);
    key.table_id = table_id;
    key.proto = proto;
    key.local_ip = *local_ip;
    key.local_port = local_port;
    key.remote_ip = *remote_ip;
    key.remote_port = (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6
                       ? htons(0) : remote_port);
    c = container_map_conns_lookup(&cm->conns, &key,
                                   container_map_conn_hash(
                                       cm->conns.basis, &key));
    if (c) {
        conn_view(cm, c, view);
    }
    return c != NULL;
}

/* Iteration in order: what each store holds of a table, collected and
 * sorted. */

struct collection {
    const void **items;
    size_t n, allocated;
};

static void
collect(struct collection *c, const void *item)
{
    if (c->n >= c->allocated) {
        c->items = x2nrealloc(c->items, &c->allocated, sizeof *c->items);
    }
    c->items[c->n++] = item;
}

static int
compare_ips(const struct in6_addr *a, const struct in6_addr *b)
{
    return memcmp(a, b, sizeof *a);
}

static int
compare_u16(uint16_t a, uint16_t b)
{
    return a < b ? -1 : a > b;
}

static int
compare_entries(const void *a_, const void *b_)
{
    const struct container_map_entry *const *a = a_;
    const struct container_map_entry *const *b = b_;
    const struct container_map_key *ka = &(*a)->key;
    const struct container_map_key *kb = &(*b)->key;
    int cmp = compare_ips(&ka->ip, &kb->ip);

    return (cmp ? cmp
            : ka->proto != kb->proto ? compare_u16(ka->proto, kb->proto)
            : compare_u16(ntohs(ka->port), ntohs(kb->port)));
}

static int
compare_resvs(const void *a_, const void *b_)
{
    const struct container_map_resv *const *a = a_;
    const struct container_map_resv *const *b = b_;
    int cmp = compare_ips(&(*a)->key.ip, &(*b)->key.ip);

    return cmp ? cmp : compare_u16((*a)->ranges.port_min,
                                   (*b)->ranges.port_min);
}

static int
compare_addrs(const void *a_, const void *b_)
{
    const struct container_map_addr *const *a = a_;
    const struct container_map_addr *const *b = b_;

    return compare_ips(&(*a)->ip, &(*b)->ip);
}

static int
compare_conns(const void *a_, const void *b_)
{
    const struct container_map_conn *const *a = a_;
    const struct container_map_conn *const *b = b_;
    const struct container_map_conn_key *ka = &(*a)->key;
    const struct container_map_conn_key *kb = &(*b)->key;
    int cmp = compare_ips(&ka->local_ip, &kb->local_ip);

    cmp = cmp ? cmp : compare_ips(&ka->remote_ip, &kb->remote_ip);
    cmp = cmp ? cmp : compare_u16(ntohs(ka->local_port),
                                  ntohs(kb->local_port));
    cmp = cmp ? cmp : compare_u16(ntohs(ka->remote_port),
                                  ntohs(kb->remote_port));
    return cmp ? cmp : compare_u16(ka->proto, kb->proto);
}

static void
sort(struct collection *c, int (*compare)(const void *, const void *))
{
    if (c->n) {
        qsort(c->items, c->n, sizeof *c->items, compare);
    }
}

static bool
in_table(uint32_t table_id, uint32_t wanted)
{
    return wanted == UINT32_MAX || table_id == wanted;
}

void
container_map_for_each_mapping(const struct container_map *cm,
                               uint32_t table_id,
                               container_map_mapping_cb *cb, void *aux)
{
    struct container_map_mapping_view *view = xmalloc(sizeof *view);
    const struct container_map_entry *e;
    struct collection c = { .items = NULL };

    CMAP_FOR_EACH (e, node, &cm->entries.map) {
        if (in_table(e->key.table_id, table_id)) {
            collect(&c, e);
        }
    }
    sort(&c, compare_entries);
    for (size_t i = 0; i < c.n; i++) {
        mapping_view(c.items[i], view);
        cb(view, aux);
    }
    free(c.items);
    free(view);
}

void
container_map_for_each_resv(const struct container_map *cm, uint32_t table_id,
                            container_map_resv_cb *cb, void *aux)
{
    const struct container_map_resv *r;
    struct collection c = { .items = NULL };

    CMAP_FOR_EACH (r, node, &cm->resvs.map) {
        if (in_table(r->key.table_id, table_id)) {
            collect(&c, r);
        }
    }
    sort(&c, compare_resvs);
    for (size_t i = 0; i < c.n; i++) {
        struct container_map_resv_view view;

        resv_view(c.items[i], &view);
        cb(&view, aux);
    }
    free(c.items);
}

void
container_map_for_each_addr(const struct container_map *cm, uint32_t table_id,
                            container_map_addr_cb *cb, void *aux)
{
    const struct container_map_addr *a;
    struct collection c = { .items = NULL };

    CMAP_FOR_EACH (a, node, &cm->addrs.map) {
        if (in_table(a->table_id, table_id)) {
            collect(&c, a);
        }
    }
    sort(&c, compare_addrs);
    for (size_t i = 0; i < c.n; i++) {
        struct container_map_addr_view view;

        addr_view(c.items[i], &view);
        cb(&view, aux);
    }
    free(c.items);
}

struct collect_conns_aux {
    uint32_t table_id;
    struct collection c;
};

static void
collect_conn(const struct container_map_conn *conn, void *aux_)
{
    struct collect_conns_aux *aux = aux_;

    if (in_table(conn->key.table_id, aux->table_id)) {
        collect(&aux->c, conn);
    }
}

void
container_map_for_each_conn(const struct container_map *cm, uint32_t table_id,
                            container_map_conn_cb *cb, void *aux)
{
    struct collect_conns_aux caux = { .table_id = table_id };

    container_map_conns_walk(&cm->conns, collect_conn, &caux);
    struct collection c = caux.c;

    sort(&c, compare_conns);
    for (size_t i = 0; i < c.n; i++) {
        struct container_map_conn_view view;

        conn_view(cm, c.items[i], &view);
        cb(&view, aux);
    }
    free(c.items);
}
