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

#ifndef CONTAINER_MAP_CONN_H
#define CONTAINER_MAP_CONN_H 1

/* Connection entries: [table, protocol, local IP, local port, remote IP,
 * remote port] -> the container the connection belongs to.
 *
 * "Local" is the container side (a mapped or reserved IP), "remote" the
 * peer.  For ICMP echo the local port is the identifier and the remote port
 * is zero.
 *
 * Two kinds exist:
 *
 *   - inbound: made by the ingress action for the first packet of a
 *     connection to a mapping; it keeps the backend the connection was given
 *     (rendezvous hashing), so adding, removing or draining other backends
 *     never moves it;
 *
 *   - outbound: made by the egress action for the first packet of a
 *     connection a container opens from its reserved range; replies find the
 *     container through it although others share its IP.
 *
 * Lookups take no lock.  Inserts (one per new connection, from PMD threads)
 * and removals take the table's mutex.  Entries expire like conntrack's:
 * after an idle timeout that depends on the protocol, shorter once a TCP FIN
 * or RST went by; container_map_conn_sweep() removes them.  The table is
 * bounded: when it is full, a new connection is not recorded (counted as
 * CONTAINER_MAP_EV_CONN_FULL) and an inbound one is still delivered to the
 * backend that hashing picks, an outbound one still leaves. */

#include "container-map-table.h"

struct container_map_conn_key {
    struct in6_addr local_ip;       /* IPv4 is stored IPv4-mapped. */
    struct in6_addr remote_ip;
    uint32_t table_id;
    ovs_be16 local_port;
    ovs_be16 remote_port;
    uint8_t proto;
    uint8_t pad[3];                 /* Zero. */
};

enum container_map_conn_kind {
    CONTAINER_MAP_CONN_INBOUND,
    CONTAINER_MAP_CONN_OUTBOUND,
};

/* Bits of 'tcp_flags'. */
#define CONTAINER_MAP_CONN_FIN_IN   0x01  /* FIN from the remote side. */
#define CONTAINER_MAP_CONN_FIN_OUT  0x02  /* FIN from the container. */
#define CONTAINER_MAP_CONN_RST      0x04  /* RST either way. */

struct container_map_conn {
    struct cmap_node node;          /* In table's 'conns'. */
    struct container_map_conn_key key;
    struct container_map_backend *backend;
    enum container_map_conn_kind kind;
    /* Inbound: the counters of the mapping and of its backend, so that a
     * packet of the connection counts there too.  NULL for outbound. */
    struct container_map_counters *svc_stats;
    struct container_map_counters *backend_stats;
    long long int created;          /* msec. */
    atomic_llong used;              /* msec, last packet either way. */
    atomic_uint8_t tcp_flags;
    struct container_map_counters in;   /* To the container. */
    struct container_map_counters out;  /* From the container. */
};

static inline uint32_t
container_map_conn_hash(const struct container_map_conn_key *key)
{
    const uint32_t *l = (const uint32_t *) &key->local_ip;
    const uint32_t *r = (const uint32_t *) &key->remote_ip;
    uint32_t hash;

    hash = hash_add(key->table_id, key->proto);
    hash = hash_add(hash, ((uint32_t) key->local_port << 16)
                          | key->remote_port);
    hash = hash_add(hash, l[3]);
    hash = hash_add(hash, r[3]);
    if ((l[0] | l[1] | r[0] | r[1] | (l[2] ^ htonl(0xffff))
         | (r[2] ^ htonl(0xffff)))) {
        /* Not both IPv4-mapped. */
        for (int i = 0; i < 3; i++) {
            hash = hash_add(hash, l[i]);
            hash = hash_add(hash, r[i]);
        }
    }
    return hash_finish(hash, sizeof *key);
}

/* Adds 'n' to 'c' without a locked instruction.  A connection's packets are
 * handled by one PMD thread (they share their RSS hash), so this loses
 * nothing in practice, and these counters are statistics only. */
static inline void
container_map_conn_counter_add(atomic_ullong *c, unsigned long long n)
{
    unsigned long long v;

    atomic_read_relaxed(c, &v);
    atomic_store_relaxed(c, v + n);
}

static inline struct container_map_conn *
container_map_conn_lookup(const struct container_map_table *table,
                          const struct container_map_conn_key *key,
                          uint32_t hash)
{
    struct container_map_conn *conn;

    CMAP_FOR_EACH_WITH_HASH (conn, node, hash, &table->conns) {
        if (!memcmp(&conn->key, key, sizeof *key)) {
            return conn;
        }
    }
    return NULL;
}

/* Records a packet of 'conn': its time, its TCP flags ('tcp_flags' are the
 * packet's, 0 if not TCP), and its size in the direction 'to_container'. */
static inline void
container_map_conn_touch(struct container_map_conn *conn, long long int now,
                         uint8_t tcp_flags, bool to_container,
                         unsigned long long n_bytes)
{
    long long int used;

    atomic_read_relaxed(&conn->used, &used);
    if (used != now) {
        atomic_store_relaxed(&conn->used, now);
    }
    if (OVS_UNLIKELY(tcp_flags & (TCP_FIN | TCP_RST))) {
        uint8_t bits = ((tcp_flags & TCP_RST ? CONTAINER_MAP_CONN_RST : 0)
                        | (tcp_flags & TCP_FIN
                           ? (to_container ? CONTAINER_MAP_CONN_FIN_IN
                                           : CONTAINER_MAP_CONN_FIN_OUT)
                           : 0));
        uint8_t orig;

        atomic_or_relaxed(&conn->tcp_flags, bits, &orig);
    }
    struct container_map_counters *c = to_container ? &conn->in : &conn->out;
    container_map_conn_counter_add(&c->n_packets, 1);
    container_map_conn_counter_add(&c->n_bytes, n_bytes);
}

/* Inserts a connection 'key' -> 'backend' of 'kind'.
 *
 * Under the table's mutex, it first checks that what the connection is made
 * for still stands: for an inbound connection, the mapping [local IP, proto,
 * local port] still has 'backend'; for an outbound one, 'backend' still has a
 * reservation on the local IP.  Returns:
 *
 *   - 0: '*connp' is the new connection, or an existing one for the same key
 *     and backend;
 *   - EEXIST: another container already has 'key' ('*connp' is its
 *     connection);
 *   - ESTALE: the mapping or reservation changed meanwhile;
 *   - ENOSPC: the table is full (counted). */
int container_map_conn_insert(struct container_map_table *,
                              const struct container_map_conn_key *,
                              uint32_t hash, struct container_map_backend *,
                              enum container_map_conn_kind, long long int now,
                              struct container_map_conn **connp);

/* Removes the connections that have expired at 'now'.  Returns how many. */
size_t container_map_conn_sweep(struct container_map_table *,
                                long long int now);

/* Removes every connection of 'table_id' (UINT32_MAX: all).  Returns how
 * many. */
size_t container_map_conn_flush(struct container_map_table *,
                                uint32_t table_id);

size_t container_map_conn_count(const struct container_map_table *,
                                uint32_t table_id);

/* When 'conn' expires if no packet comes, in msec. */
long long int container_map_conn_expiry(const struct container_map_table *,
                                        const struct container_map_conn *);
const char *container_map_conn_state(const struct container_map_conn *);

/* Settings.  container_map_conn_set_limit() may make the table smaller than
 * its content: nothing is removed, new connections wait for room. */
void container_map_conn_get_settings(struct container_map_table *,
                                     struct container_map_conn_settings *);
void container_map_conn_set_settings(
    struct container_map_table *, const struct container_map_conn_settings *);

typedef void container_map_conn_cb(const struct container_map_conn *,
                                   void *aux);
void container_map_conn_for_each(const struct container_map_table *,
                                 container_map_conn_cb *, void *aux);

/* For the library's modules, with the table's mutex held: forget the
 * connections that lead to 'backend' (all of them if 'kind' is -1) whose
 * local side matches 'local_ip' (if nonnull), and 'proto' and 'local_port'
 * (if nonzero). */
void container_map_conn_forget(struct container_map_table *,
                               uint32_t table_id,
                               const struct container_map_backend *,
                               int kind, const struct in6_addr *local_ip,
                               uint8_t proto, ovs_be16 local_port);

#endif /* container-map-conn.h */
