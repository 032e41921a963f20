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
 * Writers (container_map_table_add/del/flush/set_backend_actions) must be
 * serialized by the caller.
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
 * path (for example "set eth_dst, output port" or a tunnel push). */
struct container_map_actions {
    size_t size;                /* Bytes of netlink actions in 'data'. */
    uint64_t data[];            /* Netlink attributes, 8-byte aligned. */
};

struct container_map_backend {
    struct hmap_node hmap_node;     /* In table's 'backends' (writers only). */
    uint32_t table_id;
    struct eth_addr mac;
    ofp_port_t ofport;
    unsigned int n_refs;            /* Entries using it (writers only). */
    OVSRCU_TYPE(struct container_map_actions *) actions;
    struct container_map_counters stats;
};

struct container_map_entry {
    struct cmap_node node;          /* In table's 'entries'. */
    struct container_map_key key;
    struct container_map_counters *stats;   /* Shared with replacements. */
    uint32_t n_backends;
    struct container_map_backend *backends[];
};

/* Outcome of container_map_table_add(). */
enum container_map_add_result {
    CONTAINER_MAP_ADDED_ENTRY,      /* New key. */
    CONTAINER_MAP_ADDED_BACKEND,    /* Existing key, new MAC. */
    CONTAINER_MAP_UPDATED_BACKEND,  /* Existing key and MAC, port changed. */
    CONTAINER_MAP_UNCHANGED,        /* Existing key, MAC and port. */
};

struct container_map_table;

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

/* Readers: no locks, valid until the next quiescent state. */
static inline const struct container_map_entry *
container_map_table_lookup(const struct container_map_table *,
                           const struct container_map_key *, uint32_t hash);
static inline struct container_map_backend *
container_map_entry_select(const struct container_map_entry *, uint32_t hash);

/* Writers: serialized by the caller.
 *
 * container_map_table_add() returns 0 and stores the outcome in '*result', or
 * E2BIG if the key already has CONTAINER_MAP_MAX_BACKENDS backends, or EINVAL
 * for an invalid key; on error nothing changes.  'ofport' is where 'mac'
 * lives; the backend starts without actions (packets to it are dropped and
 * counted) until container_map_table_set_backend_actions() gives it some. */
int container_map_table_add(struct container_map_table *,
                            const struct container_map_key *,
                            const struct eth_addr mac, ofp_port_t ofport,
                            enum container_map_add_result *result);

/* Deletes backend 'mac' of 'key', or the whole key if 'mac' is NULL.
 * Returns 0, or ENOENT if there is no such key or backend (nothing changes).
 * Deleting the last backend deletes the key. */
int container_map_table_del(struct container_map_table *,
                            const struct container_map_key *,
                            const struct eth_addr *mac);

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

/* Formatting helpers shared by the commands. */
void container_map_format_ip(struct ds *, const struct in6_addr *);
const char *container_map_proto_name(uint8_t proto);
bool container_map_parse_proto(const char *, uint8_t *proto);
void container_map_counters_add(struct container_map_counters *,
                                unsigned long long n_packets,
                                unsigned long long n_bytes);
void container_map_counters_get(const struct container_map_counters *,
                                unsigned long long *n_packets,
                                unsigned long long *n_bytes);

/* Inline implementations. */

struct container_map_table {
    struct cmap entries;            /* "struct container_map_entry"s. */
    struct hmap backends;           /* Contains "struct container_map_backend",
                                     * writers only. */
    atomic_ullong drops[CONTAINER_MAP_MAX_TABLES]
                       [CONTAINER_MAP_N_DROP_REASONS];
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

static inline const struct container_map_entry *
container_map_table_lookup(const struct container_map_table *table,
                           const struct container_map_key *key, uint32_t hash)
{
    const struct container_map_entry *entry;

    CMAP_FOR_EACH_WITH_HASH (entry, node, hash, &table->entries) {
        if (!memcmp(&entry->key, key, sizeof *key)) {
            return entry;
        }
    }
    return NULL;
}

static inline struct container_map_backend *
container_map_entry_select(const struct container_map_entry *entry,
                           uint32_t hash)
{
    uint32_t n = entry->n_backends;

    return entry->backends[n == 1 ? 0 : ((uint64_t) hash * n) >> 32];
}

#endif /* container-map-table.h */
