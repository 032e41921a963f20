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

#include "container-map-conn.h"

#include <errno.h>
#include <string.h>

#include "container-map-resv.h"
#include "util.h"

static void
conn_free(struct container_map_conn *conn)
{
    free(conn);
}

static void
conn_remove(struct container_map_table *table, struct container_map_conn *conn)
    OVS_REQUIRES(table->mutex)
{
    unsigned int orig;

    cmap_remove(&table->conns, &conn->node,
                container_map_conn_hash(&conn->key));
    conn->backend->n_conns--;
    atomic_sub_relaxed(&table->n_conns, 1, &orig);
    ovsrcu_postpone(conn_free, conn);
}

/* Checks that what a connection to 'backend' would be made for still stands,
 * and finds the counters it shares. */
static bool
conn_is_valid(const struct container_map_table *table,
              const struct container_map_conn_key *key,
              const struct container_map_backend *backend,
              enum container_map_conn_kind kind,
              struct container_map_counters **svc_stats,
              struct container_map_counters **backend_stats)
{
    *svc_stats = *backend_stats = NULL;
    if (kind == CONTAINER_MAP_CONN_INBOUND) {
        const struct container_map_entry *entry;
        struct container_map_key skey;
        int i;

        container_map_key_init(&skey, key->table_id, &key->local_ip,
                               key->proto, key->local_port);
        entry = container_map_table_lookup(table, &skey,
                                           container_map_key_hash(&skey));
        i = entry ? container_map_entry_find_backend(entry, backend) : -1;
        if (i < 0) {
            return false;
        }
        *svc_stats = entry->stats;
        *backend_stats = entry->bstats[i];
        return true;
    } else {
        const struct container_map_resv *r;
        struct container_map_key skey;

        r = container_map_resv_lookup(table, key->table_id, &key->local_ip,
                                      backend->mac);
        if (!r || r->backend != backend) {
            return false;
        }
        if (key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6) {
            return true;
        }
        /* A port mapped meanwhile belongs to the mapping. */
        container_map_key_init(&skey, key->table_id, &key->local_ip,
                               key->proto, key->local_port);
        return !container_map_table_lookup(table, &skey,
                                           container_map_key_hash(&skey));
    }
}

int
container_map_conn_insert(struct container_map_table *table,
                          const struct container_map_conn_key *key,
                          uint32_t hash, struct container_map_backend *backend,
                          enum container_map_conn_kind kind, long long int now,
                          struct container_map_conn **connp)
{
    struct container_map_counters *svc_stats, *backend_stats;
    struct container_map_conn *conn;
    unsigned int n, orig;
    int error = 0;

    ovs_mutex_lock(&table->mutex);
    conn = container_map_conn_lookup(table, key, hash);
    if (conn) {
        error = conn->backend == backend ? 0 : EEXIST;
    } else if (!conn_is_valid(table, key, backend, kind, &svc_stats,
                              &backend_stats)) {
        error = ESTALE;
    } else {
        atomic_read_relaxed(&table->n_conns, &n);
        if (n >= table->conn_settings.max_conns) {
            error = ENOSPC;
        } else {
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
            atomic_add_relaxed(&table->n_conns, 1, &orig);
            cmap_insert(&table->conns, &conn->node, hash);
        }
    }
    ovs_mutex_unlock(&table->mutex);
    *connp = conn;
    return error;
}

long long int
container_map_conn_expiry(const struct container_map_table *table,
                          const struct container_map_conn *conn)
{
    const struct container_map_conn_settings *s = &table->conn_settings;
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
    uint8_t flags;

    if (conn->key.proto != IPPROTO_TCP) {
        return "active";
    }
    atomic_read_relaxed(&c->tcp_flags, &flags);
    uint8_t both = CONTAINER_MAP_CONN_FIN_IN | CONTAINER_MAP_CONN_FIN_OUT;

    return (flags & CONTAINER_MAP_CONN_RST ? "reset"
            : (flags & both) == both ? "closed"
            : flags ? "closing"
            : "established");
}

size_t
container_map_conn_sweep(struct container_map_table *table, long long int now)
{
    struct container_map_conn *conn;
    size_t n = 0;

    ovs_mutex_lock(&table->mutex);
    CMAP_FOR_EACH (conn, node, &table->conns) {
        if (now >= container_map_conn_expiry(table, conn)) {
            conn_remove(table, conn);
            n++;
        }
    }
    ovs_mutex_unlock(&table->mutex);
    return n;
}

size_t
container_map_conn_flush(struct container_map_table *table, uint32_t table_id)
{
    struct container_map_conn *conn;
    size_t n = 0;

    ovs_mutex_lock(&table->mutex);
    CMAP_FOR_EACH (conn, node, &table->conns) {
        if (table_id == UINT32_MAX || conn->key.table_id == table_id) {
            conn_remove(table, conn);
            n++;
        }
    }
    ovs_mutex_unlock(&table->mutex);
    return n;
}

void
container_map_conn_forget(struct container_map_table *table,
                          uint32_t table_id,
                          const struct container_map_backend *backend,
                          int kind, const struct in6_addr *local_ip,
                          uint8_t proto, ovs_be16 local_port)
    OVS_REQUIRES(table->mutex)
{
    struct container_map_conn *conn;

    CMAP_FOR_EACH (conn, node, &table->conns) {
        if (!backend->n_conns) {
            break;
        }
        if (conn->backend == backend
            && conn->key.table_id == table_id
            && (kind < 0 || conn->kind == kind)
            && (!local_ip || ipv6_addr_equals(&conn->key.local_ip, local_ip))
            && (!proto || conn->key.proto == proto)
            && (!local_port || conn->key.local_port == local_port)) {
            conn_remove(table, conn);
        }
    }
}

size_t
container_map_conn_count(const struct container_map_table *table,
                         uint32_t table_id)
{
    const struct container_map_conn *conn;
    unsigned int n = 0;

    if (table_id == UINT32_MAX) {
        atomic_read_relaxed(&CONST_CAST(struct container_map_table *, table)
                            ->n_conns, &n);
        return n;
    }
    CMAP_FOR_EACH (conn, node, &table->conns) {
        n += conn->key.table_id == table_id;
    }
    return n;
}

void
container_map_conn_get_settings(struct container_map_table *table,
                                struct container_map_conn_settings *s)
{
    ovs_mutex_lock(&table->mutex);
    *s = table->conn_settings;
    ovs_mutex_unlock(&table->mutex);
}

void
container_map_conn_set_settings(struct container_map_table *table,
                                const struct container_map_conn_settings *s)
{
    ovs_mutex_lock(&table->mutex);
    table->conn_settings = *s;
    atomic_store_relaxed(&table->max_conns, s->max_conns);
    atomic_store_relaxed(&table->tcp_ms, s->tcp_ms);
    atomic_store_relaxed(&table->udp_ms, s->udp_ms);
    ovs_mutex_unlock(&table->mutex);
}

void
container_map_conn_for_each(const struct container_map_table *table,
                            container_map_conn_cb *cb, void *aux)
{
    const struct container_map_conn *conn;

    CMAP_FOR_EACH (conn, node, &table->conns) {
        cb(conn, aux);
    }
}
