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

#include "container-map-table.h"

#include <errno.h>
#include <string.h>

#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "ovs-thread.h"
#include "util.h"

/* Entries. */

static size_t
entry_size(uint32_t n_backends)
{
    return sizeof(struct container_map_entry)
           + n_backends * sizeof(struct container_map_backend *);
}

static struct container_map_entry *
entry_alloc(const struct container_map_key *key,
            struct container_map_counters *stats, uint32_t n_backends)
{
    struct container_map_entry *entry = xmalloc(entry_size(n_backends));

    entry->key = *key;
    entry->stats = stats;
    entry->n_backends = n_backends;
    return entry;
}

static void
counters_free(struct container_map_counters *stats)
{
    free(stats);
}

static struct container_map_entry *
table_find(const struct container_map_table *table,
           const struct container_map_key *key)
{
    return CONST_CAST(struct container_map_entry *,
                      container_map_table_lookup(table, key,
                                                 container_map_key_hash(key)));
}

/* Backends. */

static uint32_t
backend_hash(uint32_t table_id, const struct eth_addr mac, ofp_port_t ofport)
{
    uint32_t hash = hash_add(table_id, ofp_to_u16(ofport));

    hash = hash_add(hash, ((uint32_t) mac.be16[0] << 16) | mac.be16[1]);
    hash = hash_add(hash, mac.be16[2]);
    return hash_finish(hash, 12);
}

static struct container_map_backend *
backend_ref(struct container_map_table *table, uint32_t table_id,
            const struct eth_addr mac, ofp_port_t ofport)
{
    uint32_t hash = backend_hash(table_id, mac, ofport);
    struct container_map_backend *b;

    HMAP_FOR_EACH_WITH_HASH (b, hmap_node, hash, &table->backends) {
        if (b->table_id == table_id && b->ofport == ofport
            && eth_addr_equals(b->mac, mac)) {
            b->n_refs++;
            return b;
        }
    }

    b = xzalloc(sizeof *b);
    b->table_id = table_id;
    b->mac = mac;
    b->ofport = ofport;
    b->n_refs = 1;
    ovsrcu_set_hidden(&b->actions, NULL);
    atomic_init(&b->stats.n_packets, 0);
    atomic_init(&b->stats.n_bytes, 0);
    hmap_insert(&table->backends, &b->hmap_node, hash);
    return b;
}

static void
backend_free(struct container_map_backend *b)
{
    free(ovsrcu_get_protected(struct container_map_actions *, &b->actions));
    free(b);
}

static void
backend_unref(struct container_map_table *table,
              struct container_map_backend *b)
{
    ovs_assert(b->n_refs > 0);
    if (!--b->n_refs) {
        hmap_remove(&table->backends, &b->hmap_node);
        ovsrcu_postpone(backend_free, b);
    }
}

static void
entry_unref_backends_and_free(struct container_map_table *table,
                              struct container_map_entry *entry,
                              bool free_stats)
{
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        backend_unref(table, entry->backends[i]);
    }
    if (free_stats) {
        ovsrcu_postpone(counters_free, entry->stats);
    }
    ovsrcu_postpone(free, entry);
}

/* Table. */

struct container_map_table *
container_map_table_create(void)
{
    struct container_map_table *table = xzalloc(sizeof *table);

    cmap_init(&table->entries);
    hmap_init(&table->backends);
    for (size_t i = 0; i < CONTAINER_MAP_MAX_TABLES; i++) {
        for (size_t j = 0; j < CONTAINER_MAP_N_DROP_REASONS; j++) {
            atomic_init(&table->drops[i][j], 0);
        }
    }
    return table;
}

void
container_map_table_destroy(struct container_map_table *table)
{
    if (table) {
        container_map_table_flush(table, UINT32_MAX);
        ovs_assert(hmap_is_empty(&table->backends));
        cmap_destroy(&table->entries);
        hmap_destroy(&table->backends);
        ovsrcu_postpone(free, table);
    }
}

struct container_map_table *
container_map_table_global(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static struct container_map_table *global;

    if (ovsthread_once_start(&once)) {
        global = container_map_table_create();
        ovsthread_once_done(&once);
    }
    return global;
}

void
container_map_key_init(struct container_map_key *key, uint32_t table_id,
                       const struct in6_addr *ip, uint8_t proto, ovs_be16 port)
{
    memset(key, 0, sizeof *key);
    key->ip = *ip;
    key->table_id = table_id;
    key->proto = proto;
    key->port = port;
}

static bool
key_is_valid(const struct container_map_key *key)
{
    return (key->table_id < CONTAINER_MAP_MAX_TABLES
            && key->port != htons(0)
            && !key->pad
            && (key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP
                || key->proto == IPPROTO_SCTP));
}

int
container_map_table_add(struct container_map_table *table,
                        const struct container_map_key *key,
                        const struct eth_addr mac, ofp_port_t ofport,
                        enum container_map_add_result *result)
{
    struct container_map_entry *old, *new;
    uint32_t hash;

    if (!key_is_valid(key)) {
        return EINVAL;
    }

    hash = container_map_key_hash(key);
    old = table_find(table, key);
    if (!old) {
        struct container_map_counters *stats = xmalloc(sizeof *stats);

        atomic_init(&stats->n_packets, 0);
        atomic_init(&stats->n_bytes, 0);
        new = entry_alloc(key, stats, 1);
        new->backends[0] = backend_ref(table, key->table_id, mac, ofport);
        cmap_insert(&table->entries, &new->node, hash);
        *result = CONTAINER_MAP_ADDED_ENTRY;
        return 0;
    }

    uint32_t n = old->n_backends;
    uint32_t i;
    for (i = 0; i < n; i++) {
        if (eth_addr_equals(old->backends[i]->mac, mac)) {
            break;
        }
    }

    if (i < n && old->backends[i]->ofport == ofport) {
        *result = CONTAINER_MAP_UNCHANGED;
        return 0;
    } else if (i == n && n >= CONTAINER_MAP_MAX_BACKENDS) {
        return E2BIG;
    }

    /* Build the replacement: same backends, with backend 'i' replaced or a
     * new one appended, so that existing backends keep their positions. */
    new = entry_alloc(key, old->stats, i < n ? n : n + 1);
    for (uint32_t j = 0; j < n; j++) {
        new->backends[j] = old->backends[j];
        new->backends[j]->n_refs++;
    }
    if (i < n) {
        backend_unref(table, new->backends[i]);
        *result = CONTAINER_MAP_UPDATED_BACKEND;
    } else {
        *result = CONTAINER_MAP_ADDED_BACKEND;
    }
    new->backends[i] = backend_ref(table, key->table_id, mac, ofport);

    cmap_replace(&table->entries, &old->node, &new->node, hash);
    entry_unref_backends_and_free(table, old, false);
    return 0;
}

int
container_map_table_del(struct container_map_table *table,
                        const struct container_map_key *key,
                        const struct eth_addr *mac)
{
    struct container_map_entry *old = table_find(table, key);
    uint32_t hash = container_map_key_hash(key);

    if (!old) {
        return ENOENT;
    }

    if (mac) {
        uint32_t n = old->n_backends;
        uint32_t i;

        for (i = 0; i < n; i++) {
            if (eth_addr_equals(old->backends[i]->mac, *mac)) {
                break;
            }
        }
        if (i == n) {
            return ENOENT;
        }
        if (n > 1) {
            struct container_map_entry *new;
            uint32_t k = 0;

            new = entry_alloc(key, old->stats, n - 1);
            for (uint32_t j = 0; j < n; j++) {
                if (j != i) {
                    new->backends[k] = old->backends[j];
                    new->backends[k++]->n_refs++;
                }
            }
            cmap_replace(&table->entries, &old->node, &new->node, hash);
            entry_unref_backends_and_free(table, old, false);
            return 0;
        }
    }

    cmap_remove(&table->entries, &old->node, hash);
    entry_unref_backends_and_free(table, old, true);
    return 0;
}

size_t
container_map_table_flush(struct container_map_table *table,
                          uint32_t table_id)
{
    struct container_map_entry *entry;
    size_t n = 0;

    CMAP_FOR_EACH (entry, node, &table->entries) {
        if (table_id == UINT32_MAX || entry->key.table_id == table_id) {
            cmap_remove(&table->entries, &entry->node,
                        container_map_key_hash(&entry->key));
            entry_unref_backends_and_free(table, entry, true);
            n++;
        }
    }
    return n;
}

void
container_map_table_set_backend_actions(struct container_map_table *table
                                        OVS_UNUSED,
                                        struct container_map_backend *b,
                                        const struct nlattr *actions,
                                        size_t size)
{
    struct container_map_actions *old, *new = NULL;

    old = ovsrcu_get_protected(struct container_map_actions *, &b->actions);
    if (old && actions && old->size == size
        && !memcmp(old->data, actions, size)) {
        return;
    }
    if (actions && size) {
        new = xmalloc(sizeof *new + ROUND_UP(size, 8));
        new->size = size;
        memcpy(new->data, actions, size);
    }
    ovsrcu_set(&b->actions, new);
    if (old) {
        ovsrcu_postpone(free, old);
    }
}

size_t
container_map_table_count(const struct container_map_table *table,
                          uint32_t table_id)
{
    const struct container_map_entry *entry;
    size_t n = 0;

    if (table_id == UINT32_MAX) {
        return cmap_count(&table->entries);
    }
    CMAP_FOR_EACH (entry, node, &table->entries) {
        n += entry->key.table_id == table_id;
    }
    return n;
}

size_t
container_map_table_n_backends(const struct container_map_table *table)
{
    return hmap_count(&table->backends);
}

void
container_map_table_for_each(const struct container_map_table *table,
                             container_map_entry_cb *cb, void *aux)
{
    const struct container_map_entry *entry;

    CMAP_FOR_EACH (entry, node, &table->entries) {
        cb(entry, aux);
    }
}

void
container_map_table_for_each_backend(struct container_map_table *table,
                                     uint32_t table_id,
                                     container_map_backend_cb *cb, void *aux)
{
    struct container_map_backend *b;

    HMAP_FOR_EACH (b, hmap_node, &table->backends) {
        if (table_id == UINT32_MAX || b->table_id == table_id) {
            cb(b, aux);
        }
    }
}

/* Drop counters. */

const char *
container_map_drop_reason_name(enum container_map_drop_reason reason)
{
    switch (reason) {
    case CONTAINER_MAP_DROP_MISS:
        return "miss";
    case CONTAINER_MAP_DROP_NOT_L4:
        return "not_l4";
    case CONTAINER_MAP_DROP_NO_ACTIONS:
        return "unreachable";
    case CONTAINER_MAP_N_DROP_REASONS:
    default:
        return "unknown";
    }
}

void
container_map_table_count_drops(struct container_map_table *table,
                                uint32_t table_id,
                                enum container_map_drop_reason reason,
                                unsigned long long n)
{
    unsigned long long orig;

    if (table_id < CONTAINER_MAP_MAX_TABLES
        && reason < CONTAINER_MAP_N_DROP_REASONS) {
        atomic_add_relaxed(&table->drops[table_id][reason], n, &orig);
    }
}

unsigned long long
container_map_table_get_drops(const struct container_map_table *table,
                              uint32_t table_id,
                              enum container_map_drop_reason reason)
{
    unsigned long long n = 0;

    if (table_id < CONTAINER_MAP_MAX_TABLES
        && reason < CONTAINER_MAP_N_DROP_REASONS) {
        atomic_read_relaxed(
            &CONST_CAST(struct container_map_table *, table)
                ->drops[table_id][reason], &n);
    }
    return n;
}

void
container_map_table_clear_drops(struct container_map_table *table,
                                uint32_t table_id)
{
    if (table_id < CONTAINER_MAP_MAX_TABLES) {
        for (size_t j = 0; j < CONTAINER_MAP_N_DROP_REASONS; j++) {
            atomic_store_relaxed(&table->drops[table_id][j], 0);
        }
    }
}

/* Helpers. */

void
container_map_format_ip(struct ds *s, const struct in6_addr *ip)
{
    ipv6_format_mapped(ip, s);
}

const char *
container_map_proto_name(uint8_t proto)
{
    return (proto == IPPROTO_TCP ? "tcp"
            : proto == IPPROTO_UDP ? "udp"
            : proto == IPPROTO_SCTP ? "sctp"
            : "?");
}

bool
container_map_parse_proto(const char *s, uint8_t *proto)
{
    if (!strcmp(s, "tcp")) {
        *proto = IPPROTO_TCP;
    } else if (!strcmp(s, "udp")) {
        *proto = IPPROTO_UDP;
    } else if (!strcmp(s, "sctp")) {
        *proto = IPPROTO_SCTP;
    } else {
        return false;
    }
    return true;
}

void
container_map_counters_add(struct container_map_counters *c,
                           unsigned long long n_packets,
                           unsigned long long n_bytes)
{
    unsigned long long orig;

    atomic_add_relaxed(&c->n_packets, n_packets, &orig);
    atomic_add_relaxed(&c->n_bytes, n_bytes, &orig);
}

void
container_map_counters_get(const struct container_map_counters *c,
                           unsigned long long *n_packets,
                           unsigned long long *n_bytes)
{
    struct container_map_counters *cc
        = CONST_CAST(struct container_map_counters *, c);

    atomic_read_relaxed(&cc->n_packets, n_packets);
    atomic_read_relaxed(&cc->n_bytes, n_bytes);
}
