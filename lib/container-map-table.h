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

#ifndef CONTAINER_MAP_TABLE_H
#define CONTAINER_MAP_TABLE_H 1

/* The container map: [table, destination IP, L4 protocol, destination port]
 * -> one or more backends (a container MAC and the OpenFlow port it lives
 * behind).
 *
 * Concurrency
 * ===========
 *
 * Readers (PMD threads, handler threads) call container_map_table_lookup()
 * and read the entry and its backends without any lock, inside an RCU
 * read-side section (that is, between two quiescent states, as every OVS
 * thread is).  Entries are never modified in place once published: a change
 * builds a new entry and swaps it in with cmap_replace(); the old one is
 * freed with ovsrcu_postpone().  Counters are the only mutable state and are
 * atomics shared by an entry and its replacements.
 *
 * Writers take the table's mutex themselves, so any thread may call them.
 * The only writers in the fast path are connection inserts (one per new
 * connection, see container-map-conn.h); everything else is done by the
 * "container-map/..." commands in the main thread.  Removing a backend from
 * a mapping or a reservation and forgetting the connections that lead to it
 * happen together under that mutex, and a connection insert checks, under the
 * same mutex, that its mapping or reservation still stands: a connection
 * never outlives what it was made for.
 *
 * Backends are interned per [table, MAC, OpenFlow port]: a million mappings
 * onto a thousand containers share a thousand backend objects, so their
 * precompiled datapath actions are rebuilt per backend, not per mapping. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "cmap.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"

struct ds;
struct nlattr;

/* Tables are numbered per bridge.  The datapath action carries the number. */
#define CONTAINER_MAP_MAX_TABLES 1024

/* Backends per key. */
#define CONTAINER_MAP_MAX_BACKENDS 64

struct container_map_key {
    struct in6_addr ip;         /* IPv4 is stored IPv4-mapped. */
    uint32_t table_id;          /* < CONTAINER_MAP_MAX_TABLES. */
    ovs_be16 port;              /* L4 destination port, nonzero. */
    uint8_t proto;              /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP. */
    uint8_t pad;                /* Always zero, so keys compare by memcmp. */
};

struct container_map_counters {
    atomic_ullong n_packets;
    atomic_ullong n_bytes;
};

/* Datapath actions that deliver a packet to a backend, built outside the fast
 * path (for example "set eth_dst, output port" or a tunnel push).
 *
 * When they begin with a masked set of the Ethernet destination alone (the
 * usual case), the datapath writes 'eth_dst' into the packets itself and
 * runs only the actions after it, from offset 'rest' of 'data'. */
struct container_map_actions {
    struct eth_addr eth_dst;    /* Valid if 'rest' is nonzero. */
    size_t rest;                /* 0, or the offset of the remaining actions
                                 * after a set of the Ethernet destination. */
    size_t size;                /* Bytes of netlink actions in 'data'. */
    uint64_t data[];            /* Netlink attributes, 8-byte aligned. */
};

struct container_map_backend {
    struct hmap_node hmap_node;     /* In table's 'backends' (writers only). */
    uint32_t table_id;
    struct eth_addr mac;
    ofp_port_t ofport;
    struct in6_addr tun_dst;        /* For a flow-based tunnel port: the
                                     * remote host's tunnel IP (IPv4 is
                                     * IPv4-mapped).  All-zero otherwise. */
    uint32_t hrw_id;                /* Its identity for rendezvous hashing. */
    unsigned int n_refs;            /* Entries using it (writers only). */
    unsigned int n_conns;           /* Connections to it (under mutex). */
    OVSRCU_TYPE(struct container_map_actions *) actions;
};

struct container_map_entry {
    struct cmap_node node;          /* In table's 'entries'. */
    struct container_map_key key;
    struct container_map_counters **bstats; /* Per backend, shared with
                                             * replacements; the datapath
                                             * counts here. */
    struct container_map_counters *stats;   /* Shared with replacements:
                                             * what backends no longer in
                                             * the mapping got.  See
                                             * container_map_entry_get_stats()
                                             * for the totals. */
    uint64_t draining;              /* Bit i set: backends[i] is drained, it
                                     * gets no new connections. */

    /* A mapping with one backend that is not drained is "untracked": every
     * packet goes to that backend and no connection entries are made.
     * Otherwise it is "tracked": each new connection gets a backend and an
     * entry that keeps it there.  When an untracked mapping becomes tracked,
     * its connections have no entries yet: 'pinned' is the backend they
     * had, 'tracked_since' when that happened, and a packet that continues a
     * connection (not a TCP SYN) and comes without an entry within an idle
     * timeout of that time goes to 'pinned' and gets its entry then. */
    struct container_map_backend *pinned;   /* One of 'backends', or NULL. */
    long long int tracked_since;            /* msec. */

    uint32_t n_backends;
    struct container_map_backend *backends[];
};

static inline bool
container_map_entry_is_tracked(const struct container_map_entry *entry)
{
    return entry->n_backends > 1 || entry->draining;
}

/* Outcome of container_map_table_add(). */
enum container_map_add_result {
    CONTAINER_MAP_ADDED_ENTRY,      /* New key. */
    CONTAINER_MAP_ADDED_BACKEND,    /* Existing key, new MAC. */
    CONTAINER_MAP_UPDATED_BACKEND,  /* Existing key and MAC, port changed. */
    CONTAINER_MAP_UNCHANGED,        /* Existing key, MAC and port. */
};

struct container_map_table;
struct container_map_conn;

struct container_map_table *container_map_table_create(void);
void container_map_table_destroy(struct container_map_table *);

/* The process-wide table that the datapath action reads. */
struct container_map_table *container_map_table_global(void);

/* Key helpers. */
void container_map_key_init(struct container_map_key *, uint32_t table_id,
                            const struct in6_addr *ip, uint8_t proto,
                            ovs_be16 port);
static inline uint32_t
container_map_key_hash(const struct container_map_key *);

/* The same for an IPv4 address, without an in6_addr in between (the fast
 * path's shortcut): the key and hash are those that container_map_key_init()
 * and container_map_key_hash() give for its IPv4-mapped form. */
static inline void container_map_key_init_ipv4(struct container_map_key *,
                                               uint32_t table_id, ovs_be32 ip,
                                               uint8_t proto, ovs_be16 port);
static inline uint32_t container_map_key_hash_ipv4(uint32_t table_id,
                                                   ovs_be32 ip, uint8_t proto,
                                                   ovs_be16 port);

/* Returns true if 'a' and 'b' are the same key (what memcmp() would say, in
 * three 8-byte comparisons). */
static inline bool container_map_key_equals(const struct container_map_key *a,
                                            const struct container_map_key *b);

/* Readers: no locks, valid until the next quiescent state. */
static inline const struct container_map_entry *
container_map_table_lookup(const struct container_map_table *,
                           const struct container_map_key *, uint32_t hash);

/* Picks the backend for a new connection whose 5-tuple hashes to 'hash', by
 * rendezvous hashing among the backends that are not drained: adding or
 * removing a backend only moves the connections that the new backend wins or
 * that the removed one had.  Returns NULL if every backend is drained.
 * container_map_entry_select_index() returns the position instead, or -1. */
static inline struct container_map_backend *
container_map_entry_select(const struct container_map_entry *, uint32_t hash);
static inline int
container_map_entry_select_index(const struct container_map_entry *,
                                 uint32_t hash);

/* Writers: serialized by the caller.
 *
 * container_map_table_add() returns 0 and stores the outcome in '*result', or
 * E2BIG if the key already has CONTAINER_MAP_MAX_BACKENDS backends, EINVAL
 * for an invalid key, or EADDRINUSE if the port is in another container's
 * reserved source port range on the IP (container-map-resv.h); on error
 * nothing changes.  'ofport' is where 'mac'
 * lives; the backend starts without actions (packets to it are dropped and
 * counted) until container_map_table_set_backend_actions() gives it some. */
int container_map_table_add(struct container_map_table *,
                            const struct container_map_key *,
                            const struct eth_addr mac, ofp_port_t ofport,
                            enum container_map_add_result *result);

/* The same, for a container behind a flow-based tunnel port: 'tun_dst' (if
 * nonnull) is the tunnel IP of the host it lives on.  A backend that moves
 * to another port or host counts as CONTAINER_MAP_UPDATED_BACKEND. */
int container_map_table_add_tnl(struct container_map_table *,
                                const struct container_map_key *,
                                const struct eth_addr mac, ofp_port_t ofport,
                                const struct in6_addr *tun_dst,
                                enum container_map_add_result *result);

/* Deletes backend 'mac' of 'key', or the whole key if 'mac' is NULL.
 * Returns 0, or ENOENT if there is no such key or backend (nothing changes).
 * Deleting the last backend deletes the key. */
int container_map_table_del(struct container_map_table *,
                            const struct container_map_key *,
                            const struct eth_addr *mac);

/* Drains backend 'mac' of 'key' ('drain' true: it gets no new connections,
 * its connections go on) or undrains it.  Returns 0, or ENOENT. */
int container_map_table_drain(struct container_map_table *,
                              const struct container_map_key *,
                              const struct eth_addr mac, bool drain);

/* Deletes every entry of 'table_id', or of all tables if 'table_id' is
 * UINT32_MAX.  Returns the number of entries deleted. */
size_t container_map_table_flush(struct container_map_table *,
                                 uint32_t table_id);

/* Replaces the datapath actions of 'backend' (a copy of 'actions' is made;
 * NULL or 'size' 0 means "drop"). */
void container_map_table_set_backend_actions(struct container_map_table *,
                                             struct container_map_backend *,
                                             const struct nlattr *actions,
                                             size_t size);

/* Iteration (writers' context, or any thread that tolerates concurrent
 * changes). */
size_t container_map_table_count(const struct container_map_table *,
                                 uint32_t table_id);
size_t container_map_table_n_backends(const struct container_map_table *);

typedef void container_map_entry_cb(const struct container_map_entry *,
                                    void *aux);
typedef void container_map_backend_cb(struct container_map_backend *,
                                      void *aux);
void container_map_table_for_each(const struct container_map_table *,
                                  container_map_entry_cb *, void *aux);
void container_map_table_for_each_backend(struct container_map_table *,
                                          uint32_t table_id,
                                          container_map_backend_cb *,
                                          void *aux);

/* Per-table counters of packets the action could not deliver. */
enum container_map_drop_reason {
    CONTAINER_MAP_DROP_MISS,        /* No entry for the packet's key. */
    CONTAINER_MAP_DROP_NOT_L4,      /* Not IPv4/IPv6 TCP/UDP/SCTP, or a
                                     * non-first fragment. */
    CONTAINER_MAP_DROP_NO_ACTIONS,  /* Backend has no way to reach it. */
    CONTAINER_MAP_DROP_NO_BACKEND,  /* New connection, all backends drained. */
    CONTAINER_MAP_DROP_UNRESERVED,  /* Egress from a container without a
                                     * reservation for its source IP. */
    CONTAINER_MAP_DROP_OUT_OF_RANGE,/* Egress source port or ICMP identifier
                                     * outside the container's range. */
    CONTAINER_MAP_DROP_PORT_TAKEN,  /* Egress from a port mapped to another
                                     * container. */
    CONTAINER_MAP_DROP_COLLISION,   /* 5-tuple already used by another
                                     * container. */
    CONTAINER_MAP_DROP_ARP,         /* ARP from a container for a mapped IP
                                     * (reply, announcement or probe). */
    CONTAINER_MAP_DROP_ECHO_OFF,    /* Echo request, echo replies disabled. */
    CONTAINER_MAP_N_DROP_REASONS
};
const char *container_map_drop_reason_name(enum container_map_drop_reason);
void container_map_table_count_drops(struct container_map_table *,
                                     uint32_t table_id,
                                     enum container_map_drop_reason,
                                     unsigned long long n);
unsigned long long container_map_table_get_drops(
    const struct container_map_table *, uint32_t table_id,
    enum container_map_drop_reason);
void container_map_table_clear_drops(struct container_map_table *,
                                     uint32_t table_id);

/* Counts of events that are not drops. */
enum container_map_event {
    CONTAINER_MAP_EV_CONN_FULL,     /* Connection not recorded: table full. */
    CONTAINER_MAP_EV_ARP_REPLY,     /* ARP requests answered. */
    CONTAINER_MAP_EV_ECHO_REPLY,    /* ICMP echo requests answered. */
    CONTAINER_MAP_EV_ICMP_ERROR,    /* ICMP errors delivered to a container. */
    CONTAINER_MAP_N_EVENTS
};
const char *container_map_event_name(enum container_map_event);
void container_map_table_count_event(struct container_map_table *,
                                     uint32_t table_id,
                                     enum container_map_event,
                                     unsigned long long n);
unsigned long long container_map_table_get_event(
    const struct container_map_table *, uint32_t table_id,
    enum container_map_event);

/* The MAC that ARP replies and switch-generated ICMP replies of 'table_id'
 * come from.  Zero until set. */
void container_map_table_set_mac(struct container_map_table *,
                                 uint32_t table_id, struct eth_addr);
struct eth_addr container_map_table_get_mac(const struct container_map_table *,
                                            uint32_t table_id);

/* For the library's own modules (reservations, connections). */
struct container_map_backend *container_map_backend_ref(
    struct container_map_table *, uint32_t table_id, const struct eth_addr,
    ofp_port_t);
struct container_map_backend *container_map_backend_ref_tnl(
    struct container_map_table *, uint32_t table_id, const struct eth_addr,
    ofp_port_t, const struct in6_addr *tun_dst);
bool container_map_backend_is_at(const struct container_map_backend *,
                                 ofp_port_t, const struct in6_addr *tun_dst);
void container_map_backend_unref(struct container_map_table *,
                                 struct container_map_backend *);
int container_map_entry_find_backend(const struct container_map_entry *,
                                     const struct container_map_backend *);

/* Formatting helpers shared by the commands. */
void container_map_format_ip(struct ds *, const struct in6_addr *);
const char *container_map_proto_name(uint8_t proto);
bool container_map_parse_proto(const char *, uint8_t *proto);
void container_map_counters_add(struct container_map_counters *,
                                unsigned long long n_packets,
                                unsigned long long n_bytes);
void container_map_entry_get_stats(const struct container_map_entry *,
                                   unsigned long long *n_packets,
                                   unsigned long long *n_bytes);
void container_map_counters_get(const struct container_map_counters *,
                                unsigned long long *n_packets,
                                unsigned long long *n_bytes);

/* Inline implementations. */

struct container_map_conn_settings {
    unsigned int max_conns;         /* Connection table limit. */
    long long int tcp_ms;           /* TCP idle timeout. */
    long long int tcp_closing_ms;   /* After FIN or RST. */
    long long int udp_ms;           /* UDP and SCTP idle timeout. */
    long long int icmp_ms;          /* ICMP echo idle timeout. */
};

struct container_map_table {
    struct ovs_mutex mutex;         /* Serializes writers. */
    struct cmap entries;            /* "struct container_map_entry"s. */
    struct cmap resvs;              /* "struct container_map_resv"s. */
    struct cmap addrs;              /* "struct container_map_addr"s. */
    struct cmap conns;              /* "struct container_map_conn"s. */
    struct hmap backends;           /* Contains "struct container_map_backend",
                                     * under 'mutex'. */
    atomic_uint n_conns;
    struct container_map_conn_settings conn_settings; /* Under 'mutex'. */
    atomic_uint max_conns;          /* Copy of conn_settings.max_conns. */
    atomic_llong tcp_ms;            /* Copies of conn_settings' timeouts, */
    atomic_llong udp_ms;            /* for the fast path. */
    atomic_ullong drops[CONTAINER_MAP_MAX_TABLES]
                       [CONTAINER_MAP_N_DROP_REASONS];
    atomic_ullong events[CONTAINER_MAP_MAX_TABLES][CONTAINER_MAP_N_EVENTS];
    atomic_uint64_t macs[CONTAINER_MAP_MAX_TABLES];
};

static inline uint32_t
container_map_key_hash(const struct container_map_key *key)
{
    uint32_t w[4];
    uint32_t hash;

    memcpy(w, &key->ip, sizeof w);
    hash = hash_add(key->table_id, ((uint32_t) key->proto << 16) | key->port);
    hash = hash_add(hash, w[3]);
    if (w[0] | w[1] | (w[2] ^ htonl(0xffff))) {
        /* Not IPv4-mapped. */
        hash = hash_add(hash, w[0]);
        hash = hash_add(hash, w[1]);
        hash = hash_add(hash, w[2]);
    }
    return hash_finish(hash, sizeof *key);
}

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
container_map_key_hash_ipv4(uint32_t table_id, ovs_be32 ip, uint8_t proto,
                            ovs_be16 port)
{
    uint32_t hash;

    hash = hash_add(table_id, ((uint32_t) proto << 16) | port);
    hash = hash_add(hash, (OVS_FORCE uint32_t) ip);
    return hash_finish(hash, sizeof(struct container_map_key));
}

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
container_map_table_lookup(const struct container_map_table *table,
                           const struct container_map_key *key, uint32_t hash)
{
    const struct container_map_entry *entry;

    CMAP_FOR_EACH_WITH_HASH (entry, node, hash, &table->entries) {
        if (container_map_key_equals(&entry->key, key)) {
            return entry;
        }
    }
    return NULL;
}

static inline int
container_map_entry_select_index(const struct container_map_entry *entry,
                                 uint32_t hash)
{
    uint32_t best_score = 0;
    int best = -1;

    if (entry->n_backends == 1) {
        return entry->draining ? -1 : 0;
    }
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        if (!(entry->draining & (UINT64_C(1) << i))) {
            uint32_t score = hash_finish(hash_add(hash,
                                                  entry->backends[i]->hrw_id),
                                         8);
            if (best < 0 || score > best_score) {
                best = i;
                best_score = score;
            }
        }
    }
    return best;
}

static inline struct container_map_backend *
container_map_entry_select(const struct container_map_entry *entry,
                           uint32_t hash)
{
    int i = container_map_entry_select_index(entry, hash);

    return i < 0 ? NULL : entry->backends[i];
}

#endif /* container-map-table.h */
