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

/* The container map's connection store: connection entries, their expiry
 * and their settings.  A leaf (container-map-private.h): it keeps each
 * backend's count of connections and calls nothing else; the coordinator
 * decides when a connection may be made and what to forget. */

#include <config.h>

#include "container-map-private.h"

#include <string.h>

#include "util.h"

void
container_map_conns_init(struct container_map_conns *conns, uint32_t basis)
{
    cmap_init(&conns->map);
    conns->basis = basis;
    atomic_init(&conns->n, 0);
    conns->settings = (struct container_map_conn_settings) {
        .max_conns = 1000000,
        .tcp_ms = 7200 * 1000,
        .tcp_closing_ms = 30 * 1000,
        .udp_ms = 60 * 1000,
        .icmp_ms = 30 * 1000,
    };
    atomic_init(&conns->tcp_ms, conns->settings.tcp_ms);
    atomic_init(&conns->udp_ms, conns->settings.udp_ms);
}

void
container_map_conns_destroy(struct container_map_conns *conns)
{
    ovs_assert(cmap_is_empty(&conns->map));
    cmap_destroy(&conns->map);
}

void
container_map_conns_set_settings(struct container_map_conns *conns,
                                 const struct container_map_conn_settings *s)
{
    conns->settings = *s;
    atomic_store_relaxed(&conns->tcp_ms, s->tcp_ms);
    atomic_store_relaxed(&conns->udp_ms, s->udp_ms);
}

/* Inserts a new connection (the caller checked that 'key' has none and that
 * it may be made), or returns NULL if the table is full. */
struct container_map_conn *
container_map_conns_insert(struct container_map_conns *conns,
                           const struct container_map_conn_key *key,
                           uint32_t hash,
                           struct container_map_backend *backend,
                           enum container_map_conn_kind kind,
                           struct container_map_counters *svc_stats,
                           struct container_map_counters *backend_stats,
                           long long int now)
{
    struct container_map_conn *conn;
    unsigned int n, orig;

    atomic_read_relaxed(&conns->n, &n);
    if (n >= conns->settings.max_conns) {
        return NULL;
    }
    conn = xzalloc(sizeof *conn);
    conn->key = *key;
    conn->backend = backend;
    conn->kind = kind;
    conn->svc_stats = svc_stats;
    conn->backend_stats = backend_stats;
    conn->created = now;
    atomic_init(&conn->used, now);
    atomic_init(&conn->tcp_flags, 0);
    atomic_init(&conn->in.n_packets, 0);
    atomic_init(&conn->in.n_bytes, 0);
    atomic_init(&conn->out.n_packets, 0);
    atomic_init(&conn->out.n_bytes, 0);
    backend->n_conns++;
    atomic_add_relaxed(&conns->n, 1, &orig);
    cmap_insert(&conns->map, &conn->node, hash);
    return conn;
}

static void
conn_remove(struct container_map_conns *conns, struct container_map_conn *conn)
{
    unsigned int orig;

    cmap_remove(&conns->map, &conn->node,
                container_map_conn_hash(conns->basis, &conn->key));
    conn->backend->n_conns--;
    atomic_sub_relaxed(&conns->n, 1, &orig);
    ovsrcu_postpone(free, conn);
}

long long int
container_map_conn_expiry(const struct container_map_conns *conns,
                          const struct container_map_conn *conn)
{
    const struct container_map_conn_settings *s = &conns->settings;
    struct container_map_conn *c = CONST_CAST(struct container_map_conn *,
                                              conn);
    long long int used, timeout;
    uint8_t flags;

    atomic_read_relaxed(&c->used, &used);
    atomic_read_relaxed(&c->tcp_flags, &flags);
    switch (conn->key.proto) {
    case IPPROTO_TCP:
        timeout = flags ? s->tcp_closing_ms : s->tcp_ms;
        break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        timeout = s->icmp_ms;
        break;
    default:
        timeout = s->udp_ms;
        break;
    }
    return used + timeout;
}

const char *
container_map_conn_state(const struct container_map_conn *conn)
{
    struct container_map_conn *c = CONST_CAST(struct container_map_conn *,
                                              conn);
    const uint8_t both = (CONTAINER_MAP_CONN_FIN_IN
                          | CONTAINER_MAP_CONN_FIN_OUT);
    uint8_t flags;

    if (conn->key.proto != IPPROTO_TCP) {
        return "active";
    }
    atomic_read_relaxed(&c->tcp_flags, &flags);
    return (flags & CONTAINER_MAP_CONN_RST ? "reset"
            : (flags & both) == both ? "closed"
            : flags ? "closing"
            : "established");
}

size_t
container_map_conns_sweep(struct container_map_conns *conns,
                          long long int now)
{
    struct container_map_conn *conn;
    size_t n = 0;

    CMAP_FOR_EACH (conn, node, &conns->map) {
        if (now >= container_map_conn_expiry(conns, conn)) {
            conn_remove(conns, conn);
            n++;
        }
    }
    return n;
}

size_t
container_map_conns_flush(struct container_map_conns *conns,
                          uint32_t table_id)
{
    struct container_map_conn *conn;
    size_t n = 0;

    CMAP_FOR_EACH (conn, node, &conns->map) {
        if (table_id == UINT32_MAX || conn->key.table_id == table_id) {
            conn_remove(conns, conn);
            n++;
        }
    }
    return n;
}

/* Forgets the connections of 'table_id' that lead to 'backend' (all of them
 * if 'kind' is -1) whose local side matches 'local_ip' (if nonnull), and
 * 'proto' and 'local_port' (if nonzero).  Returns how many. */
size_t
container_map_conns_forget(struct container_map_conns *conns,
                           uint32_t table_id,
                           const struct container_map_backend *backend,
                           int kind, const struct in6_addr *local_ip,
                           uint8_t proto, ovs_be16 local_port)
{
    struct container_map_conn *conn;
    size_t n = 0;

    CMAP_FOR_EACH (conn, node, &conns->map) {
        if (!backend->n_conns) {
            break;
        }
        if (conn->backend == backend
            && conn->key.table_id == table_id
            && (kind < 0 || conn->kind == kind)
            && (!local_ip || ipv6_addr_equals(&conn->key.local_ip, local_ip))
            && (!proto || conn->key.proto == proto)
            && (!local_port || conn->key.local_port == local_port)) {
            conn_remove(conns, conn);
            n++;
        }
    }
    return n;
}

size_t
container_map_conns_count(const struct container_map_conns *conns,
                          uint32_t table_id)
{
    struct container_map_conns *c = CONST_CAST(struct container_map_conns *,
                                               conns);
    const struct container_map_conn *conn;
    unsigned int n = 0;

    if (table_id == UINT32_MAX) {
        atomic_read_relaxed(&c->n, &n);
        return n;
    }
    CMAP_FOR_EACH (conn, node, &conns->map) {
        n += conn->key.table_id == table_id;
    }
    return n;
}
