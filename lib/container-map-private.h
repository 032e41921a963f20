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

#ifndef CONTAINER_MAP_PRIVATE_H
#define CONTAINER_MAP_PRIVATE_H 1

/* The container map's insides.  Only the map's own files include this:
 * lib/container-map*.c, the datapath action that reads the map per packet
 * (dpif-ext/container-map-dp.c) and the unit tests.  Everybody else uses the
 * public headers (container-map.h and those it names).
 *
 * Files
 * =====
 *
 * container-map.c is the coordinator: it owns the map's one mutex and every
 * invariant below, and every change goes through it.  The stores are leaves
 * that own their data; each calls only the backends store, none calls the
 * coordinator or another store:
 *
 *     container-map-backend.c   interned backends
 *     container-map-entry.c     mappings (entries), each naming backends
 *     container-map-resv.c      reservations, each holding a backend
 *     container-map-addr.c      mapped addresses and their echo settings
 *     container-map-conn.c      connection entries, each leading to a backend
 *
 * container-map-view.c copies them out for the commands;
 * container-map-stats.c counts.
 *
 * Concurrency
 * ===========
 *
 * Readers (PMD threads, handler threads, the main thread) take no lock: every
 * store is a cmap of entries that are immutable once published (but for
 * atomic counters and a connection's last-use time and TCP flags), a change
 * builds a new entry and swaps it in, and the old one is freed with
 * ovsrcu_postpone().  A reader may use what it found until its next
 * quiescent state.
 *
 * Writers hold 'mutex'.  The stores' writer functions (container-map-store.h)
 * require it too: only the coordinator calls them.  The only writers in the
 * fast path are connection inserts, one per new connection.  'mutex' is the
 * module's only lock; it is never held while calling out of the module, so
 * callers may hold any lock of theirs.
 *
 * Invariants (container-map.c keeps them)
 * =======================================
 *
 * 1. A connection entry never outlives what it was made for: an inbound
 *    one, the mapping's backend it leads to; an outbound one, the
 *    container's reservation on its IP.  Whatever takes a backend from a
 *    mapping, or deletes or moves a reservation, forgets those connections
 *    under the same mutex, and a connection insert re-checks under the
 *    mutex that its mapping or reservation still stands.
 *
 * 2. A mapped port never lies in another container's reserved source port
 *    range on the same IP: so a connection a container opens never has a
 *    mapped port as its local port, unless the mapping is its own.
 *
 * 3. An address's 'n_users' is the number of its mappings plus its
 *    reservations; it exists exactly while that is nonzero. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cmap.h"
#include "container-map.h"
#include "container-map-conn.h"
#include "container-map-stats.h"
#include "container-map-view.h"
#include "hash.h"
#include "latch.h"
#include "openvswitch/hmap.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"

struct container_map_counters {
    atomic_ullong n_packets;
    atomic_ullong n_bytes;
};

/* Backends (container-map-backend.c).
 *
 * Interned per [table, MAC, port, tunnel IP]: a million mappings onto a
 * thousand containers share a thousand backends, so their datapath actions
 * are compiled per backend, not per mapping. */
struct container_map_backend {
    struct hmap_node hmap_node;     /* In 'container_map_backends'. */
    uint32_t table_id;
    struct eth_addr mac;
    ofp_port_t ofport;
    struct in6_addr tun_dst;        /* As in container_map_backend_spec. */
    uint32_t hrw_id;                /* Its identity for rendezvous hashing. */
    ATOMIC(const char *) down;      /* Why it is down (static), or NULL:
                                     * container_map_set_down(). */
    unsigned int n_refs;            /* Mappings, reservations, echo settings.*/
    unsigned int n_conns;           /* Connection entries leading here... */
    struct ovs_list conns;          /* ...in this list (the connections
                                     * store's, under the mutex). */
    struct ovs_list fresh_node;     /* In 'fresh' until it gets actions. */
    OVSRCU_TYPE(struct container_map_actions *) actions;
};

struct container_map_backends {
    struct hmap map;
    struct ovs_list fresh;          /* New backends, without actions. */
    uint32_t basis;                 /* Hash basis of 'map'. */
};

/* Mappings (container-map-entry.c).
 *
 * A mapping with one backend that is not drained is "untracked": every
 * packet goes to that backend and no connection entries are made (invariant
 * 2 makes sure no other container's connection could use the port).
 * Otherwise it is "tracked": each new connection gets a backend by
 * rendezvous hashing, and an entry that keeps it there.  When an untracked
 * mapping becomes tracked, its connections have no entries yet: 'pinned' is
 * the backend they had, 'tracked_since' when that happened, and a packet
 * that continues a connection (not a TCP SYN) and comes without an entry
 * within an idle timeout of that time goes to 'pinned' and gets its entry
 * then. */
struct container_map_entry {
    struct cmap_node node;          /* In 'container_map_entries'. */
    struct container_map_key key;
    struct container_map_counters **bstats; /* Per backend, shared with the
                                             * entries that replace this one;
                                             * the datapath counts here. */
    struct container_map_counters *stats;   /* What backends no longer in
                                             * the mapping got, shared with
                                             * replacements. */
    uint64_t draining;              /* Bit i: backends[i] is drained. */
    struct container_map_backend *pinned;   /* One of 'backends', or NULL. */
    long long int tracked_since;            /* msec. */
    uint32_t n_backends;
    struct container_map_backend *backends[];
};

struct container_map_entries {
    struct cmap map;
    uint32_t basis;                 /* Hash basis of 'map'. */
};

/* Reservations (container-map-resv.c). */
struct container_map_resv_key {
    struct in6_addr ip;             /* IPv4 is stored IPv4-mapped. */
    uint32_t table_id;
    struct eth_addr mac;
    uint16_t pad;                   /* Zero. */
};

struct container_map_resv {
    struct cmap_node node;          /* In 'container_map_resvs'. */
    struct container_map_resv_key key;
    struct container_map_backend *backend;  /* Holds a reference. */
    struct container_map_ranges ranges;
    struct ovs_list addr_node;      /* In its address's 'resvs' (the
                                     * addresses store's, under the
                                     * mutex). */
};

struct container_map_resvs {
    struct cmap map;
    uint32_t basis;                 /* Hash basis of 'map'. */
};

/* Mapped addresses (container-map-addr.c): the IPs of a table that have
 * mappings or reservations.  ARP requests for them are answered by the
 * switch, and ICMP echo requests as their echo setting says.  An address
 * stays the same object while it is mapped; what readers see of it changes
 * through RCU pointers and atomics.
 *
 * Its reservations, sorted by range, tell which container owns a reserved
 * port or echo identifier on the address: replies to the connections
 * containers open are delivered by them, without a connection entry. */
struct container_map_resv_range {
    uint16_t min, max;
    const struct container_map_resv *resv;
};

struct container_map_resv_index {
    size_t n_ports;                 /* 'ranges' holds the port ranges... */
    size_t n_ids;                   /* ...then the echo identifier ranges. */
    struct container_map_resv_range ranges[];
};

struct container_map_addr_port {
    struct hmap_node node;          /* In its address's 'ports'. */
    uint16_t port;
    uint8_t proto;
};

struct container_map_addr {
    struct cmap_node node;          /* In 'container_map_addrs'. */
    struct in6_addr ip;
    uint32_t table_id;

    /* Readers' view. */
    atomic_bool echo_off;           /* Echo requests dropped. */
    OVSRCU_TYPE(struct container_map_backend *) echo_backend;
                                    /* Echo requests delivered there (holds a
                                     * reference), or NULL. */
    OVSRCU_TYPE(struct container_map_resv_index *) resv_index;

    /* Writers' (the mutex). */
    unsigned int n_users;           /* Invariant 3. */
    struct ovs_list resvs;          /* "struct container_map_resv"s. */
    struct hmap ports;              /* "struct container_map_addr_port"s:
                                     * its mapped [protocol, port]s. */
};

struct container_map_addrs {
    struct cmap map;
    uint32_t basis;                 /* Hash basis of 'map'. */
};

/* Connection entries (container-map-conn.c): [table, protocol, local IP,
 * local port, remote IP, remote port] -> the container the connection
 * belongs to.  "Local" is the container side (a mapped or reserved IP),
 * "remote" the peer.  For ICMP echo the local port is the identifier and
 * the remote port is zero. */
struct container_map_conn_key {
    struct in6_addr local_ip;       /* IPv4 is stored IPv4-mapped. */
    struct in6_addr remote_ip;
    uint32_t table_id;
    ovs_be16 local_port;
    ovs_be16 remote_port;
    uint8_t proto;
    uint8_t pad[3];                 /* Zero. */
};
BUILD_ASSERT_DECL(sizeof(struct container_map_conn_key) == 44);

enum container_map_conn_kind {
    CONTAINER_MAP_CONN_INBOUND,
    CONTAINER_MAP_CONN_OUTBOUND,
};

/* Bits of a connection's 'tcp_flags'. */
#define CONTAINER_MAP_CONN_FIN_IN   0x01  /* FIN from the remote side. */
#define CONTAINER_MAP_CONN_FIN_OUT  0x02  /* FIN from the container. */
#define CONTAINER_MAP_CONN_RST      0x04  /* RST from the container. */
#define CONTAINER_MAP_CONN_RST_IN   0x08  /* RST from the remote side, and no
                                           * packet from the container since
                                           * (which a blind RST does not
                                           * stop). */

/* A link of the connections' chains. */
struct container_map_conn_link {
    OVSRCU_TYPE(struct container_map_conn *) p;
};

/* Cache-line aligned: a lookup reads the first line, a packet of the
 * connection writes the second; the third is the control plane's. */
struct container_map_conn {
    /* Line 1: what a lookup compares. */
    struct container_map_conn_link next[2]; /* In chains of either gen. */
    uint32_t hash;                  /* container_map_conn_hash() with the
                                     * store's basis. */
    struct container_map_conn_key key;

    /* Line 2: what each packet reads and writes. */
    struct container_map_backend *backend;
    struct container_map_counters *backend_stats;   /* Inbound: of the
                                                     * mapping's backend, so
                                                     * that a packet counts
                                                     * there too. */
    atomic_llong used;              /* msec, last packet either way. */
    struct container_map_counters in;   /* To the container. */
    struct container_map_counters out;  /* From the container. */
    atomic_uint8_t tcp_flags;
    atomic_bool answered;           /* Inbound: the container answered on it
                                     * (container_map_conn_touch()).
                                     * Outbound: always. */

    /* The rest. */
    enum container_map_conn_kind kind;
    struct container_map_counters *svc_stats;   /* Inbound: the mapping's
                                                 * counters.  NULL for
                                                 * outbound. */
    long long int created;          /* msec. */

    /* The store's, under the mutex. */
    struct ovs_list backend_node;   /* In 'backend->conns'. */
    struct ovs_list unanswered_node;    /* In the store's 'unanswered'. */
    struct container_map_conn_source *source;   /* Inbound: its remote's. */
    bool removed;                   /* No longer in the chains. */
};
BUILD_ASSERT_DECL(offsetof(struct container_map_conn, backend) == 64);
BUILD_ASSERT_DECL(offsetof(struct container_map_conn, answered) < 128);

/* The connections' hash table: a fixed array of chain heads, sized at the
 * table's limit when the limit is set, so that an insert (by a PMD thread,
 * under the mutex) is always O(1) and never grows the table.  A connection
 * is in the chains of generation 'gen' through 'next[gen]'; resizing links
 * every connection anew through the other 'next' into new heads, so that
 * readers of the old ones go on undisturbed. */
struct container_map_conn_chains {
    uint32_t mask;                  /* Number of heads - 1. */
    uint8_t gen;                    /* 0 or 1. */
    bool huge;                      /* On 2 MB alignment (see
                                     * container-map-conn.c). */
    struct container_map_conn_link heads[];
};

/* Inbound connections per remote address, for the per-source limit. */
struct container_map_conn_source {
    struct hmap_node node;          /* In the store's 'sources'. */
    struct in6_addr ip;
    unsigned int n;
};

struct container_map_conns {
    OVSRCU_TYPE(struct container_map_conn_chains *) chains;
    uint32_t basis;                 /* Hash basis of the chains. */
    atomic_uint n;                  /* Connections, for the fast path. */
    atomic_llong tcp_ms;            /* Copies of 'settings' timeouts, for */
    atomic_llong udp_ms;            /* the fast path. */
    atomic_bool dead_reset;         /* And of 'settings.dead_reset'. */

    /* Under the mutex. */
    struct container_map_conn_settings settings;
    struct ovs_list unanswered;     /* Inbound connections, oldest first,
                                     * while they may be unanswered. */
    struct hmap sources;            /* "struct container_map_conn_source"s. */
};

/* The map (container-map.c). */
struct container_map {
    struct ovs_mutex mutex;         /* The writers' lock, see above. */
    struct container_map_backends backends OVS_GUARDED;
    struct container_map_entries entries;
    struct container_map_resvs resvs;
    struct container_map_addrs addrs;
    struct container_map_conns conns;

    atomic_ullong counters[CONTAINER_MAP_MAX_TABLES]
                          [CONTAINER_MAP_N_COUNTERS];
    atomic_uint64_t macs[CONTAINER_MAP_MAX_TABLES];

    /* The connection sweeper, if started. */
    pthread_t sweeper;
    struct latch sweeper_exit;
    bool has_sweeper;
};

/* A long change (a flush, a batch) releases the mutex for an instant after
 * every CONTAINER_MAP_WRITER_SLICE steps, so that a PMD thread that inserts a
 * connection never waits long behind it.  That is safe because one thread
 * at a time changes mappings and reservations (the main thread, where the
 * commands run; PMD threads only insert connections, which a slice's
 * reader of the other stores never depends on). */
#define CONTAINER_MAP_WRITER_SLICE 1024

static inline void
container_map_yield(struct container_map *cm)
    OVS_REQUIRES(cm->mutex)
{
    ovs_mutex_unlock(&cm->mutex);
    ovs_mutex_lock(&cm->mutex);
}

/* Readers: no locks, results valid until the next quiescent state. */

/* The tables are hashed with a random basis per map (see
 * container_map_create()), so that nobody outside can choose keys that
 * collide.  What must not depend on the process, the choice of a backend for
 * a new connection, has its own hashes (container_map_conn_select_hash()
 * and the backends' 'hrw_id'). */

static inline uint32_t
container_map_key_hash(uint32_t basis, const struct container_map_key *key)
{
    uint32_t w[4];
    uint32_t hash;

    memcpy(w, &key->ip, sizeof w);
    hash = hash_add(hash_add(basis, key->table_id),
                    ((uint32_t) key->proto << 16) | key->port);
    hash = hash_add(hash, w[3]);
    if (w[0] | w[1] | (w[2] ^ htonl(0xffff))) {
        /* Not IPv4-mapped. */
        hash = hash_add(hash, w[0]);
        hash = hash_add(hash, w[1]);
        hash = hash_add(hash, w[2]);
    }
    return hash_finish(hash, sizeof *key);
}

/* The key and hash that container_map_key_init() and
 * container_map_key_hash() give for IPv4 address 'ip', without an in6_addr
 * in between (the fast path's shortcut). */
static inline void
container_map_key_init_ipv4(struct container_map_key *key, uint32_t table_id,
                            ovs_be32 ip, uint8_t proto, ovs_be16 port)
{
    uint32_t w[4] = { 0, 0, (OVS_FORCE uint32_t) htonl(0xffff),
                      (OVS_FORCE uint32_t) ip };

    memcpy(&key->ip, w, sizeof w);
    key->table_id = table_id;
    key->port = port;
    key->proto = proto;
    key->pad = 0;
}

static inline uint32_t
container_map_key_hash_ipv4(uint32_t basis, uint32_t table_id, ovs_be32 ip,
                            uint8_t proto, ovs_be16 port)
{
    uint32_t hash;

    hash = hash_add(hash_add(basis, table_id),
                    ((uint32_t) proto << 16) | port);
    hash = hash_add(hash, (OVS_FORCE uint32_t) ip);
    return hash_finish(hash, sizeof(struct container_map_key));
}

/* What memcmp() would say of 'a' and 'b', in three 8-byte comparisons. */
static inline bool
container_map_key_equals(const struct container_map_key *a,
                         const struct container_map_key *b)
{
    uint64_t x[3], y[3];

    BUILD_ASSERT_DECL(sizeof *a == sizeof x);
    memcpy(x, a, sizeof x);
    memcpy(y, b, sizeof y);
    return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]));
}

static inline const struct container_map_entry *
container_map_entries_lookup(const struct container_map_entries *entries,
                             const struct container_map_key *key,
                             uint32_t hash)
{
    const struct container_map_entry *entry;

    CMAP_FOR_EACH_WITH_HASH (entry, node, hash, &entries->map) {
        if (container_map_key_equals(&entry->key, key)) {
            return entry;
        }
    }
    return NULL;
}

static inline bool
container_map_entry_is_tracked(const struct container_map_entry *entry)
{
    return entry->n_backends > 1 || entry->draining;
}

/* Returns the position of 'b' in 'entry', or -1. */
static inline int
container_map_entry_find_backend(const struct container_map_entry *entry,
                                 const struct container_map_backend *b)
{
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        if (entry->backends[i] == b) {
            return i;
        }
    }
    return -1;
}

/* The position of the backend a new connection whose 5-tuple hashes to
 * 'hash' gets, by rendezvous hashing among those neither drained nor down
 * (only the connections a new backend wins, or a removed one had, move),
 * among the undrained if all are down; -1 if all are drained. */
static inline int
container_map_entry_select(const struct container_map_entry *entry,
                           uint32_t hash)
{
    uint32_t best_score = 0, up_score = 0;
    int best = -1, up = -1;

    if (entry->n_backends == 1) {
        return entry->draining ? -1 : 0;
    }
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        if (!(entry->draining & (UINT64_C(1) << i))) {
            const struct container_map_backend *b = entry->backends[i];
            uint32_t score = hash_finish(hash_add(hash, b->hrw_id), 8);
            const char *down;

            if (best < 0 || score > best_score) {
                best = i;
                best_score = score;
            }
            atomic_read_relaxed(&CONST_CAST(struct container_map_backend *,
                                            b)->down, &down);
            if (!down && (up < 0 || score > up_score)) {
                up = i;
                up_score = score;
            }
        }
    }
    return up >= 0 ? up : best;
}

static inline uint32_t
container_map_resv_hash(uint32_t basis, uint32_t table_id,
                        const struct in6_addr *ip, const struct eth_addr mac)
{
    uint32_t hash = hash_add(hash_add(basis, table_id),
                             ((uint32_t) mac.be16[0] << 16) | mac.be16[1]);
    hash = hash_add(hash, mac.be16[2]);
    return hash_bytes(ip, sizeof *ip, hash);
}

/* The reservation of container 'mac' on 'ip', or NULL. */
static inline const struct container_map_resv *
container_map_resvs_lookup(const struct container_map_resvs *resvs,
                           uint32_t table_id, const struct in6_addr *ip,
                           const struct eth_addr mac)
{
    uint32_t hash = container_map_resv_hash(resvs->basis, table_id, ip, mac);
    const struct container_map_resv *r;

    CMAP_FOR_EACH_WITH_HASH (r, node, hash, &resvs->map) {
        if (r->key.table_id == table_id && eth_addr_equals(r->key.mac, mac)
            && ipv6_addr_equals(&r->key.ip, ip)) {
            return r;
        }
    }
    return NULL;
}

static inline uint32_t
container_map_addr_hash(uint32_t basis, uint32_t table_id,
                        const struct in6_addr *ip)
{
    return hash_bytes(ip, sizeof *ip, hash_add(basis, table_id));
}

static inline const struct container_map_addr *
container_map_addrs_lookup(const struct container_map_addrs *addrs,
                           uint32_t table_id, const struct in6_addr *ip)
{
    uint32_t hash = container_map_addr_hash(addrs->basis, table_id, ip);
    const struct container_map_addr *a;

    CMAP_FOR_EACH_WITH_HASH (a, node, hash, &addrs->map) {
        if (a->table_id == table_id && ipv6_addr_equals(&a->ip, ip)) {
            return a;
        }
    }
    return NULL;
}

/* How echo requests to 'addr' are answered (and, for
 * CONTAINER_MAP_ECHO_CONTAINER, by which backend). */
static inline enum container_map_echo
container_map_addr_get_echo(const struct container_map_addr *addr,
                            struct container_map_backend **backendp)
{
    struct container_map_addr *a = CONST_CAST(struct container_map_addr *,
                                              addr);
    bool off;

    *backendp = ovsrcu_get(struct container_map_backend *, &a->echo_backend);
    if (*backendp) {
        return CONTAINER_MAP_ECHO_CONTAINER;
    }
    atomic_read_relaxed(&a->echo_off, &off);
    return off ? CONTAINER_MAP_ECHO_OFF : CONTAINER_MAP_ECHO_SWITCH;
}

/* Returns the reservation on 'addr' whose source port range (or, if 'id',
 * echo identifier range) holds 'value', or NULL. */
static inline const struct container_map_resv *
container_map_addr_find_resv(const struct container_map_addr *addr,
                             uint16_t value, bool id)
{
    const struct container_map_resv_index *index;
    const struct container_map_resv_range *r;
    size_t lo, hi;

    index = ovsrcu_get(struct container_map_resv_index *, &addr->resv_index);
    if (!index) {
        return NULL;
    }
    r = id ? &index->ranges[index->n_ports] : index->ranges;
    lo = 0;
    hi = id ? index->n_ids : index->n_ports;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (value < r[mid].min) {
            hi = mid;
        } else if (value > r[mid].max) {
            lo = mid + 1;
        } else {
            return r[mid].resv;
        }
    }
    return NULL;
}

static inline uint32_t
container_map_conn_hash(uint32_t basis,
                        const struct container_map_conn_key *key)
{
    uint32_t l[4], r[4];
    uint32_t hash;

    memcpy(l, &key->local_ip, sizeof l);
    memcpy(r, &key->remote_ip, sizeof r);
    hash = hash_add(hash_add(basis, key->table_id), key->proto);
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

static inline struct container_map_conn *
container_map_conns_lookup(const struct container_map_conns *conns,
                           const struct container_map_conn_key *key,
                           uint32_t hash)
{
    const struct container_map_conn_chains *chains;
    struct container_map_conn *conn;

    chains = ovsrcu_get(struct container_map_conn_chains *, &conns->chains);
    for (conn = ovsrcu_get(struct container_map_conn *,
                           &chains->heads[hash & chains->mask].p);
         conn;
         conn = ovsrcu_get(struct container_map_conn *,
                           &conn->next[chains->gen].p)) {
        if (conn->hash == hash && !memcmp(&conn->key, key, sizeof *key)) {
            return conn;
        }
    }
    return NULL;
}

/* Prefetches what a lookup of 'hash' reads first: its chain head or, once
 * that is in cache ('first'), the first entry of its chain.  For a batch:
 * the heads of all its packets, then their first entries, then the
 * lookups, so that the misses overlap. */
static inline void
container_map_conns_prefetch(const struct container_map_conns *conns,
                             uint32_t hash, bool first)
{
    const struct container_map_conn_chains *chains;
    const struct container_map_conn_link *head;

    chains = ovsrcu_get(struct container_map_conn_chains *, &conns->chains);
    head = &chains->heads[hash & chains->mask];
    if (!first) {
        OVS_PREFETCH(head);
    } else {
        const struct container_map_conn *conn;

        conn = ovsrcu_get(struct container_map_conn *, &head->p);
        if (conn) {
            OVS_PREFETCH(conn);
            OVS_PREFETCH(&conn->backend);
        }
    }
}

/* The hash of a connection's 5-tuple that rendezvous hashing picks its
 * backend by (container_map_entry_select()): the same in every process and
 * on every host, so that a connection keeps its backend across restarts and
 * gateways. */
static inline uint32_t
container_map_conn_select_hash(const struct container_map_conn_key *key)
{
    return container_map_conn_hash(0, key);
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

/* Records a packet of 'conn': its time, its TCP flags ('tcp_flags' are the
 * packet's, 0 if not TCP), its size in the direction 'to_container', and
 * whether it shows that the container answered the connection: for TCP a
 * segment from the container with ACK and without SYN or RST (a server
 * answers every SYN of a flood with a SYN-ACK and every blind ACK with a
 * RST, which proves nothing; nothing from outside proves anything), for the
 * others any packet from the container. */
static inline void
container_map_conn_touch(struct container_map_conn *conn, long long int now,
                         uint8_t tcp_flags, bool to_container,
                         unsigned long long n_bytes)
{
    long long int used;
    bool answered;
    uint8_t orig;

    atomic_read_relaxed(&conn->used, &used);
    if (used != now) {
        atomic_store_relaxed(&conn->used, now);
    }
    atomic_read_relaxed(&conn->answered, &answered);
    if (OVS_UNLIKELY(!answered) && !to_container
        && (conn->key.proto != IPPROTO_TCP
            || (tcp_flags & (TCP_ACK | TCP_SYN | TCP_RST)) == TCP_ACK)) {
        atomic_store_relaxed(&conn->answered, true);
    }
    if (OVS_UNLIKELY(tcp_flags & (TCP_FIN | TCP_RST))) {
        uint8_t bits = ((tcp_flags & TCP_RST
                         ? (to_container ? CONTAINER_MAP_CONN_RST_IN
                                         : CONTAINER_MAP_CONN_RST)
                         : 0)
                        | (tcp_flags & TCP_FIN
                           ? (to_container ? CONTAINER_MAP_CONN_FIN_IN
                                           : CONTAINER_MAP_CONN_FIN_OUT)
                           : 0));

        atomic_or_relaxed(&conn->tcp_flags, bits, &orig);
    }
    if (!to_container) {
        uint8_t flags;

        /* The container goes on after a RST from outside: it was blind. */
        atomic_read_relaxed(&conn->tcp_flags, &flags);
        if (OVS_UNLIKELY(flags & CONTAINER_MAP_CONN_RST_IN)
            && !(tcp_flags & TCP_RST)) {
            atomic_and_relaxed(&conn->tcp_flags,
                               (uint8_t) ~CONTAINER_MAP_CONN_RST_IN, &orig);
        }
    }
    struct container_map_counters *c = to_container ? &conn->in : &conn->out;
    container_map_conn_counter_add(&c->n_packets, 1);
    container_map_conn_counter_add(&c->n_bytes, n_bytes);
}

/* When 'conn' expires if no packet comes, in msec, and its state: for TCP
 * "established", "closing", "closed" or "reset", otherwise "active"; for an
 * inbound connection that may be unanswered, "unanswered". */
long long int container_map_conn_expiry(const struct container_map_conns *,
                                        const struct container_map_conn *);
const char *container_map_conn_state(const struct container_map_conn *);

/* Inserts a connection 'key' -> 'backend' of 'kind' (the datapath, for the
 * first packet of a connection).  Under the mutex, it first checks that
 * what the connection is made for still stands (invariant 1).  Returns:
 *
 *   - 0: '*connp' is the new connection, or an existing one for the same key
 *     and backend;
 *   - EEXIST: another container already has 'key' ('*connp' is its
 *     connection);
 *   - ESTALE: the mapping or reservation changed meanwhile;
 *   - ENOSPC: the table is full (and has no unanswered inbound connection
 *     to make room of);
 *   - EDQUOT: the remote side (inbound) or the container has as many
 *     connections as it may.
 *
 * 'answered' says whether the connection was answered already (see
 * container_map_conn_touch()): an inbound one that is not expires after
 * the short 'unanswered_ms', and is the first to go for room. */
int container_map_conn_insert(struct container_map *,
                              const struct container_map_conn_key *,
                              uint32_t hash, struct container_map_backend *,
                              enum container_map_conn_kind, bool answered,
                              long long int now,
                              struct container_map_conn **connp);

/* Clears the counters of 'table_id' (UINT32_MAX: of every table). */
void container_map_clear_counters(struct container_map *, uint32_t table_id);

void container_map_counters_add(struct container_map_counters *,
                                unsigned long long n_packets,
                                unsigned long long n_bytes);
void container_map_counters_get(const struct container_map_counters *,
                                unsigned long long *n_packets,
                                unsigned long long *n_bytes);

/* Returns the position of the backend with MAC 'mac' in 'entry', or -1. */
int container_map_entry_find_mac(const struct container_map_entry *,
                                 const struct eth_addr mac);

#endif /* container-map-private.h */
