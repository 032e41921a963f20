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

#include "container-map-conn.h"
#include "container-map-resv.h"
#include "flow.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "util.h"

/* Entries. */

static size_t
entry_size(uint32_t n_backends)
{
    return sizeof(struct container_map_entry)
           + n_backends * (sizeof(struct container_map_backend *)
                           + sizeof(struct container_map_counters *));
}

static struct container_map_entry *
entry_alloc(const struct container_map_key *key,
            struct container_map_counters *stats, uint32_t n_backends)
{
    struct container_map_entry *entry = xmalloc(entry_size(n_backends));

    entry->key = *key;
    entry->stats = stats;
    entry->draining = 0;
    entry->pinned = NULL;
    entry->tracked_since = 0;
    entry->n_backends = n_backends;
    entry->bstats = (struct container_map_counters **)
                    &entry->backends[n_backends];
    return entry;
}

static struct container_map_counters *
counters_create(void)
{
    struct container_map_counters *c = xmalloc(sizeof *c);

    atomic_init(&c->n_packets, 0);
    atomic_init(&c->n_bytes, 0);
    return c;
}

static void
counters_free(struct container_map_counters *stats)
{
    free(stats);
}

/* Sets 'new''s tracking state, 'new' replacing 'old'. */
static void
entry_set_tracking(struct container_map_entry *new,
                   const struct container_map_entry *old)
{
    if (!container_map_entry_is_tracked(new)) {
        new->pinned = NULL;
        new->tracked_since = 0;
        return;
    }
    if (!container_map_entry_is_tracked(old)) {
        new->pinned = old->backends[0];
        new->tracked_since = time_msec();
    } else {
        new->pinned = old->pinned;
        new->tracked_since = old->tracked_since;
    }
    if (new->pinned
        && container_map_entry_find_backend(new, new->pinned) < 0) {
        new->pinned = NULL;
    }
}

/* Copies backend 'from' of 'old' to position 'to' of 'new'. */
static void
entry_copy_backend(struct container_map_entry *new, uint32_t to,
                   const struct container_map_entry *old, uint32_t from)
{
    new->backends[to] = old->backends[from];
    new->backends[to]->n_refs++;
    new->bstats[to] = old->bstats[from];
    if (old->draining & (UINT64_C(1) << from)) {
        new->draining |= UINT64_C(1) << to;
    }
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
backend_hash(uint32_t table_id, const struct eth_addr mac, ofp_port_t ofport,
             const struct in6_addr *tun_dst)
{
    uint32_t hash = hash_add(table_id, ofp_to_u16(ofport));

    hash = hash_add(hash, ((uint32_t) mac.be16[0] << 16) | mac.be16[1]);
    hash = hash_add(hash, mac.be16[2]);
    hash = hash_bytes(tun_dst, sizeof *tun_dst, hash);
    return hash_finish(hash, 28);
}

bool
container_map_backend_is_at(const struct container_map_backend *b,
                            ofp_port_t ofport, const struct in6_addr *tun_dst)
{
    return (b->ofport == ofport
            && ipv6_addr_equals(&b->tun_dst, tun_dst ? tun_dst
                                                     : &in6addr_any));
}

struct container_map_backend *
container_map_backend_ref(struct container_map_table *table,
                          uint32_t table_id, const struct eth_addr mac,
                          ofp_port_t ofport)
{
    return container_map_backend_ref_tnl(table, table_id, mac, ofport, NULL);
}

struct container_map_backend *
container_map_backend_ref_tnl(struct container_map_table *table,
                              uint32_t table_id, const struct eth_addr mac,
                              ofp_port_t ofport,
                              const struct in6_addr *tun_dst)
{
    uint32_t hash;
    struct container_map_backend *b;

    tun_dst = tun_dst ? tun_dst : &in6addr_any;
    hash = backend_hash(table_id, mac, ofport, tun_dst);
    HMAP_FOR_EACH_WITH_HASH (b, hmap_node, hash, &table->backends) {
        if (b->table_id == table_id && eth_addr_equals(b->mac, mac)
            && container_map_backend_is_at(b, ofport, tun_dst)) {
            b->n_refs++;
            return b;
        }
    }

    b = xzalloc(sizeof *b);
    b->table_id = table_id;
    b->mac = mac;
    b->ofport = ofport;
    b->tun_dst = *tun_dst;
    b->n_refs = 1;
    b->hrw_id = hash;
    ovsrcu_set_hidden(&b->actions, NULL);
    hmap_insert(&table->backends, &b->hmap_node, hash);
    return b;
}

static void
backend_free(struct container_map_backend *b)
{
    free(ovsrcu_get_protected(struct container_map_actions *, &b->actions));
    free(b);
}

void
container_map_backend_unref(struct container_map_table *table,
                            struct container_map_backend *b)
{
    ovs_assert(b->n_refs > 0);
    if (!--b->n_refs) {
        /* Whatever removed the last use forgot the connections first. */
        ovs_assert(!b->n_conns);
        hmap_remove(&table->backends, &b->hmap_node);
        ovsrcu_postpone(backend_free, b);
    }
}

int
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

/* Forgets the inbound connections of 'entry''s key that lead to 'b'. */
static void
entry_forget_conns(struct container_map_table *table,
                   const struct container_map_entry *entry,
                   const struct container_map_backend *b)
{
    if (b->n_conns) {
        container_map_conn_forget(table, entry->key.table_id, b,
                                  CONTAINER_MAP_CONN_INBOUND, &entry->key.ip,
                                  entry->key.proto, entry->key.port);
    }
}

/* Frees 'entry' after RCU, with the backends and backend counters that its
 * replacement (if any) does not use. */
static void
entry_unref_backends_and_free(struct container_map_table *table,
                              struct container_map_entry *entry,
                              const struct container_map_entry *new)
{
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        struct container_map_backend *b = entry->backends[i];

        if (!new || container_map_entry_find_backend(new, b) < 0) {
            entry_forget_conns(table, entry, b);
        }
        bool kept = false;
        for (uint32_t j = 0; new && j < new->n_backends; j++) {
            kept = kept || new->bstats[j] == entry->bstats[i];
        }
        if (!kept) {
            if (new) {
                /* The mapping's totals keep what the backend got. */
                unsigned long long n_packets, n_bytes;

                container_map_counters_get(entry->bstats[i], &n_packets,
                                           &n_bytes);
                container_map_counters_add(new->stats, n_packets, n_bytes);
            }
            ovsrcu_postpone(counters_free, entry->bstats[i]);
        }
        container_map_backend_unref(table, b);
    }
    if (!new) {
        ovsrcu_postpone(counters_free, entry->stats);
        container_map_addr_unref(table, entry->key.table_id, &entry->key.ip);
    }
    ovsrcu_postpone(free, entry);
}

/* Table. */

struct container_map_table *
container_map_table_create(void)
{
    struct container_map_table *table = xzalloc(sizeof *table);

    ovs_mutex_init(&table->mutex);
    cmap_init(&table->entries);
    cmap_init(&table->resvs);
    cmap_init(&table->addrs);
    cmap_init(&table->conns);
    hmap_init(&table->backends);
    atomic_init(&table->n_conns, 0);
    table->conn_settings = (struct container_map_conn_settings) {
        .max_conns = 1000000,
        .tcp_ms = 7200 * 1000,
        .tcp_closing_ms = 30 * 1000,
        .udp_ms = 60 * 1000,
        .icmp_ms = 30 * 1000,
    };
    atomic_init(&table->max_conns, table->conn_settings.max_conns);
    atomic_init(&table->tcp_ms, table->conn_settings.tcp_ms);
    atomic_init(&table->udp_ms, table->conn_settings.udp_ms);
    for (size_t i = 0; i < CONTAINER_MAP_MAX_TABLES; i++) {
        for (size_t j = 0; j < CONTAINER_MAP_N_DROP_REASONS; j++) {
            atomic_init(&table->drops[i][j], 0);
        }
        for (size_t j = 0; j < CONTAINER_MAP_N_EVENTS; j++) {
            atomic_init(&table->events[i][j], 0);
        }
        atomic_init(&table->macs[i], 0);
    }
    return table;
}

void
container_map_table_destroy(struct container_map_table *table)
{
    if (table) {
        container_map_conn_flush(table, UINT32_MAX);
        container_map_table_flush(table, UINT32_MAX);
        container_map_resv_flush(table, UINT32_MAX);
        ovs_assert(hmap_is_empty(&table->backends));
        cmap_destroy(&table->entries);
        cmap_destroy(&table->resvs);
        cmap_destroy(&table->addrs);
        cmap_destroy(&table->conns);
        hmap_destroy(&table->backends);
        ovs_mutex_destroy(&table->mutex);
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

static int
table_add__(struct container_map_table *table,
            const struct container_map_key *key,
            const struct eth_addr mac, ofp_port_t ofport,
            const struct in6_addr *tun_dst,
            enum container_map_add_result *result)
    OVS_REQUIRES(table->mutex)
{
    struct container_map_entry *old, *new;
    uint32_t hash;

    if (!key_is_valid(key)) {
        return EINVAL;
    }
    if (container_map_resv_find_port(table, key->table_id, &key->ip,
                                     ntohs(key->port), &mac)) {
        return EADDRINUSE;
    }

    hash = container_map_key_hash(key);
    old = table_find(table, key);
    if (!old) {
        new = entry_alloc(key, counters_create(), 1);
        new->backends[0] = container_map_backend_ref_tnl(table,
                                                         key->table_id, mac,
                                                         ofport, tun_dst);
        new->bstats[0] = counters_create();
        container_map_addr_ref(table, key->table_id, &key->ip);
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

    if (i < n && container_map_backend_is_at(old->backends[i], ofport,
                                             tun_dst)) {
        *result = CONTAINER_MAP_UNCHANGED;
        return 0;
    } else if (i == n && n >= CONTAINER_MAP_MAX_BACKENDS) {
        return E2BIG;
    }

    /* Build the replacement: same backends, with backend 'i' replaced or a
     * new one appended, so that existing backends keep their positions.  A
     * replaced backend (same MAC, other port) starts afresh: its counters
     * and connections go with the old one. */
    new = entry_alloc(key, old->stats, i < n ? n : n + 1);
    for (uint32_t j = 0; j < n; j++) {
        entry_copy_backend(new, j, old, j);
    }
    if (i < n) {
        container_map_backend_unref(table, new->backends[i]);
        new->draining &= ~(UINT64_C(1) << i);
        *result = CONTAINER_MAP_UPDATED_BACKEND;
    } else {
        *result = CONTAINER_MAP_ADDED_BACKEND;
    }
    new->backends[i] = container_map_backend_ref_tnl(table, key->table_id,
                                                     mac, ofport, tun_dst);
    new->bstats[i] = counters_create();
    entry_set_tracking(new, old);

    cmap_replace(&table->entries, &old->node, &new->node, hash);
    entry_unref_backends_and_free(table, old, new);
    return 0;
}

int
container_map_table_add(struct container_map_table *table,
                        const struct container_map_key *key,
                        const struct eth_addr mac, ofp_port_t ofport,
                        enum container_map_add_result *result)
{
    return container_map_table_add_tnl(table, key, mac, ofport, NULL,
                                       result);
}

int
container_map_table_add_tnl(struct container_map_table *table,
                            const struct container_map_key *key,
                            const struct eth_addr mac, ofp_port_t ofport,
                            const struct in6_addr *tun_dst,
                            enum container_map_add_result *result)
{
    int error;

    ovs_mutex_lock(&table->mutex);
    error = table_add__(table, key, mac, ofport, tun_dst, result);
    ovs_mutex_unlock(&table->mutex);
    return error;
}

static int
table_del__(struct container_map_table *table,
            const struct container_map_key *key, const struct eth_addr *mac)
    OVS_REQUIRES(table->mutex)
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
                    entry_copy_backend(new, k++, old, j);
                }
            }
            entry_set_tracking(new, old);
            cmap_replace(&table->entries, &old->node, &new->node, hash);
            entry_unref_backends_and_free(table, old, new);
            return 0;
        }
    }

    cmap_remove(&table->entries, &old->node, hash);
    entry_unref_backends_and_free(table, old, NULL);
    return 0;
}

int
container_map_table_del(struct container_map_table *table,
                        const struct container_map_key *key,
                        const struct eth_addr *mac)
{
    int error;

    ovs_mutex_lock(&table->mutex);
    error = table_del__(table, key, mac);
    ovs_mutex_unlock(&table->mutex);
    return error;
}

int
container_map_table_drain(struct container_map_table *table,
                          const struct container_map_key *key,
                          const struct eth_addr mac, bool drain)
{
    struct container_map_entry *old, *new;
    int error = ENOENT;

    ovs_mutex_lock(&table->mutex);
    old = table_find(table, key);
    for (uint32_t i = 0; old && i < old->n_backends; i++) {
        if (eth_addr_equals(old->backends[i]->mac, mac)) {
            uint64_t bit = UINT64_C(1) << i;

            error = 0;
            if (!!(old->draining & bit) != drain) {
                new = entry_alloc(key, old->stats, old->n_backends);
                for (uint32_t j = 0; j < old->n_backends; j++) {
                    entry_copy_backend(new, j, old, j);
                }
                new->draining ^= bit;
                entry_set_tracking(new, old);
                cmap_replace(&table->entries, &old->node, &new->node,
                             container_map_key_hash(key));
                entry_unref_backends_and_free(table, old, new);
            }
            break;
        }
    }
    ovs_mutex_unlock(&table->mutex);
    return error;
}

size_t
container_map_table_flush(struct container_map_table *table,
                          uint32_t table_id)
{
    struct container_map_entry *entry;
    size_t n = 0;

    ovs_mutex_lock(&table->mutex);
    CMAP_FOR_EACH (entry, node, &table->entries) {
        if (table_id == UINT32_MAX || entry->key.table_id == table_id) {
            cmap_remove(&table->entries, &entry->node,
                        container_map_key_hash(&entry->key));
            entry_unref_backends_and_free(table, entry, NULL);
            n++;
        }
    }
    ovs_mutex_unlock(&table->mutex);
    return n;
}

/* If 'actions' begin with a masked set of the Ethernet destination and
 * nothing else, and more actions follow, stores the address in '*eth_dst' and
 * returns the offset of the next action.  Otherwise returns 0. */
static size_t
actions_find_eth_dst(const struct nlattr *actions, size_t size,
                     struct eth_addr *eth_dst)
{
    const struct ovs_key_ethernet *value, *mask;
    const struct nlattr *set, *key;
    size_t len;

    if (size < NLA_HDRLEN || !nl_attr_is_valid(actions, size)
        || nl_attr_type(actions) != OVS_ACTION_ATTR_SET_MASKED) {
        return 0;
    }
    set = actions;
    len = NLA_ALIGN(set->nla_len);
    if (len >= size) {
        return 0;               /* Nothing would deliver the packets. */
    }

    key = nl_attr_get(set);
    if (nl_attr_get_size(set) < NLA_HDRLEN
        || !nl_attr_is_valid(key, nl_attr_get_size(set))
        || nl_attr_type(key) != OVS_KEY_ATTR_ETHERNET
        || nl_attr_get_size(key) != 2 * sizeof *value) {
        return 0;
    }
    value = nl_attr_get(key);
    mask = value + 1;
    if (!eth_addr_is_zero(mask->eth_src)
        || !eth_addr_equals(mask->eth_dst, eth_addr_exact)) {
        return 0;
    }
    *eth_dst = value->eth_dst;
    return len;
}

void
container_map_table_set_backend_actions(struct container_map_table *table,
                                        struct container_map_backend *b,
                                        const struct nlattr *actions,
                                        size_t size)
{
    struct container_map_actions *old, *new = NULL;

    ovs_mutex_lock(&table->mutex);
    old = ovsrcu_get_protected(struct container_map_actions *, &b->actions);
    if (old && actions && old->size == size
        && !memcmp(old->data, actions, size)) {
        ovs_mutex_unlock(&table->mutex);
        return;
    }
    if (actions && size) {
        new = xmalloc(sizeof *new + ROUND_UP(size, 8));
        new->size = size;
        memcpy(new->data, actions, size);
        new->rest = actions_find_eth_dst(actions, size, &new->eth_dst);
    }
    ovsrcu_set(&b->actions, new);
    if (old) {
        ovsrcu_postpone(free, old);
    }
    ovs_mutex_unlock(&table->mutex);
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
    case CONTAINER_MAP_DROP_NO_BACKEND:
        return "all_drained";
    case CONTAINER_MAP_DROP_UNRESERVED:
        return "unreserved";
    case CONTAINER_MAP_DROP_OUT_OF_RANGE:
        return "out_of_range";
    case CONTAINER_MAP_DROP_PORT_TAKEN:
        return "port_taken";
    case CONTAINER_MAP_DROP_COLLISION:
        return "collision";
    case CONTAINER_MAP_DROP_ARP:
        return "arp_suppressed";
    case CONTAINER_MAP_DROP_ECHO_OFF:
        return "echo_off";
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
        for (size_t j = 0; j < CONTAINER_MAP_N_EVENTS; j++) {
            atomic_store_relaxed(&table->events[table_id][j], 0);
        }
    }
}

/* Other events. */

const char *
container_map_event_name(enum container_map_event event)
{
    switch (event) {
    case CONTAINER_MAP_EV_CONN_FULL:
        return "conn_table_full";
    case CONTAINER_MAP_EV_ARP_REPLY:
        return "arp_replies";
    case CONTAINER_MAP_EV_ECHO_REPLY:
        return "echo_replies";
    case CONTAINER_MAP_EV_ICMP_ERROR:
        return "icmp_errors_delivered";
    case CONTAINER_MAP_N_EVENTS:
    default:
        return "unknown";
    }
}

void
container_map_table_count_event(struct container_map_table *table,
                                uint32_t table_id,
                                enum container_map_event event,
                                unsigned long long n)
{
    unsigned long long orig;

    if (table_id < CONTAINER_MAP_MAX_TABLES
        && event < CONTAINER_MAP_N_EVENTS) {
        atomic_add_relaxed(&table->events[table_id][event], n, &orig);
    }
}

unsigned long long
container_map_table_get_event(const struct container_map_table *table,
                              uint32_t table_id,
                              enum container_map_event event)
{
    unsigned long long n = 0;

    if (table_id < CONTAINER_MAP_MAX_TABLES
        && event < CONTAINER_MAP_N_EVENTS) {
        atomic_read_relaxed(
            &CONST_CAST(struct container_map_table *, table)
                ->events[table_id][event], &n);
    }
    return n;
}

void
container_map_table_set_mac(struct container_map_table *table,
                            uint32_t table_id, struct eth_addr mac)
{
    if (table_id < CONTAINER_MAP_MAX_TABLES) {
        atomic_store_relaxed(&table->macs[table_id], eth_addr_to_uint64(mac));
    }
}

struct eth_addr
container_map_table_get_mac(const struct container_map_table *table,
                            uint32_t table_id)
{
    struct eth_addr mac = eth_addr_zero;
    uint64_t u = 0;

    if (table_id < CONTAINER_MAP_MAX_TABLES) {
        atomic_read_relaxed(&CONST_CAST(struct container_map_table *, table)
                            ->macs[table_id], &u);
        eth_addr_from_uint64(u, &mac);
    }
    return mac;
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
container_map_entry_get_stats(const struct container_map_entry *entry,
                              unsigned long long *n_packets,
                              unsigned long long *n_bytes)
{
    container_map_counters_get(entry->stats, n_packets, n_bytes);
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        unsigned long long p, b;

        container_map_counters_get(entry->bstats[i], &p, &b);
        *n_packets += p;
        *n_bytes += b;
    }
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
