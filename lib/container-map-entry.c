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

/* The container map's mappings store: entries [table, IP, protocol, port] ->
 * backends, immutable once published; a change builds the replacement,
 * swaps it in and hands the old entry back to the coordinator
 * (container-map-private.h).  Calls only the backends store. */

#include <config.h>

#include "container-map-store.h"

#include <errno.h>
#include <string.h>

#include "timeval.h"
#include "util.h"

/* Counters. */

static struct container_map_counters *
counters_create(void)
{
    struct container_map_counters *c = xmalloc(sizeof *c);

    atomic_init(&c->n_packets, 0);
    atomic_init(&c->n_bytes, 0);
    return c;
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

/* Keys. */

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

bool
container_map_key_is_valid(const struct container_map_key *key)
{
    return (key->table_id < CONTAINER_MAP_MAX_TABLES
            && key->port != htons(0)
            && !key->pad
            && (key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP
                || key->proto == IPPROTO_SCTP));
}

/* Entries. */

void
container_map_entries_init(struct container_map_entries *entries,
                           uint32_t basis)
{
    cmap_init(&entries->map);
    entries->basis = basis;
}

void
container_map_entries_destroy(struct container_map_entries *entries)
{
    ovs_assert(cmap_is_empty(&entries->map));
    cmap_destroy(&entries->map);
}

static struct container_map_entry *
entry_alloc(const struct container_map_key *key,
            struct container_map_counters *stats, uint32_t n_backends)
{
    struct container_map_entry *entry;

    entry = xmalloc(sizeof *entry
                    + n_backends * (sizeof *entry->backends
                                    + sizeof *entry->bstats));
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
        unsigned long long n_packets, n_bytes;

        /* Only connections that the untracked mapping delivered need the
         * backend they had: none, if it delivered nothing (for one, a
         * mapping restored from the database, backend by backend). */
        container_map_counters_get(old->bstats[0], &n_packets, &n_bytes);
        new->pinned = n_packets ? old->backends[0] : NULL;
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

static void
entry_replace(struct container_map_entries *entries,
              struct container_map_entry *old, struct container_map_entry *new)
{
    entry_set_tracking(new, old);
    cmap_replace(&entries->map, &old->node, &new->node,
                 container_map_key_hash(entries->basis, &old->key));
}

struct container_map_entry *
container_map_entries_find(struct container_map_entries *entries,
                           const struct container_map_key *key)
{
    uint32_t hash = container_map_key_hash(entries->basis, key);

    return CONST_CAST(struct container_map_entry *,
                      container_map_entries_lookup(entries, key, hash));
}

/* Returns the position of the backend with 'mac' in 'entry', or -1. */
int
container_map_entry_find_mac(const struct container_map_entry *entry,
                             const struct eth_addr mac)
{
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        if (eth_addr_equals(entry->backends[i]->mac, mac)) {
            return i;
        }
    }
    return -1;
}

/* Returns true if 'mac' can be added to 'entry' without going over
 * CONTAINER_MAP_MAX_BACKENDS. */
bool
container_map_entries_can_add(const struct container_map_entry *entry,
                              const struct eth_addr mac)
{
    return (!entry || entry->n_backends < CONTAINER_MAP_MAX_BACKENDS
            || container_map_entry_find_mac(entry, mac) >= 0);
}

/* Inserts a new entry for 'key' (which has none) with backend 'spec'. */
const struct container_map_entry *
container_map_entries_insert(struct container_map_entries *entries,
                             struct container_map_backends *backends,
                             const struct container_map_key *key,
                             const struct container_map_backend_spec *spec)
{
    struct container_map_entry *new = entry_alloc(key, counters_create(), 1);

    new->backends[0] = container_map_backends_ref(backends, key->table_id,
                                                  spec);
    new->bstats[0] = counters_create();
    cmap_insert(&entries->map, &new->node,
                container_map_key_hash(entries->basis, key));
    return new;
}

/* Adds backend 'spec' to 'old', or moves 'old''s backend with that MAC to
 * where 'spec' says.  Returns E2BIG for one backend too many (nothing
 * changes), otherwise 0 and the outcome in '*result': for anything but
 * CONTAINER_MAP_UNCHANGED, 'old' has been replaced and is retired.  Existing
 * backends keep their positions; a moved backend starts afresh (its
 * counters and connections go with the old one). */
int
container_map_entries_add_backend(
    struct container_map_entries *entries,
    struct container_map_backends *backends, struct container_map_entry *old,
    const struct container_map_backend_spec *spec,
    enum container_map_add_result *result)
{
    const struct container_map_key *key = &old->key;
    struct container_map_entry *new;
    uint32_t n = old->n_backends;
    int i = container_map_entry_find_mac(old, spec->mac);

    if (i >= 0 && container_map_backend_is_at(old->backends[i], spec)) {
        *result = CONTAINER_MAP_UNCHANGED;
        return 0;
    } else if (i < 0 && !container_map_entries_can_add(old, spec->mac)) {
        return E2BIG;
    }

    new = entry_alloc(key, old->stats, i >= 0 ? n : n + 1);
    for (uint32_t j = 0; j < n; j++) {
        entry_copy_backend(new, j, old, j);
    }
    if (i >= 0) {
        container_map_backends_unref(backends, new->backends[i]);
        new->draining &= ~(UINT64_C(1) << i);
        *result = CONTAINER_MAP_UPDATED_BACKEND;
    } else {
        i = n;
        *result = CONTAINER_MAP_ADDED_BACKEND;
    }
    new->backends[i] = container_map_backends_ref(backends, key->table_id,
                                                  spec);
    new->bstats[i] = counters_create();
    entry_replace(entries, old, new);
    return 0;
}

/* Replaces 'old' by a copy without its backend 'i' (of several), and
 * returns the copy; 'old' is retired. */
struct container_map_entry *
container_map_entries_del_backend(struct container_map_entries *entries,
                                  struct container_map_entry *old, uint32_t i)
{
    struct container_map_entry *new;
    uint32_t k = 0;

    ovs_assert(old->n_backends > 1 && i < old->n_backends);
    new = entry_alloc(&old->key, old->stats, old->n_backends - 1);
    for (uint32_t j = 0; j < old->n_backends; j++) {
        if (j != i) {
            entry_copy_backend(new, k++, old, j);
        }
    }
    entry_replace(entries, old, new);
    return new;
}

/* Replaces 'old' by a copy in which backend 'i' is drained or not, and
 * returns the copy; 'old' is retired. */
struct container_map_entry *
container_map_entries_set_drained(struct container_map_entries *entries,
                                  struct container_map_entry *old, uint32_t i,
                                  bool drained)
{
    struct container_map_entry *new;
    uint64_t bit = UINT64_C(1) << i;

    new = entry_alloc(&old->key, old->stats, old->n_backends);
    for (uint32_t j = 0; j < old->n_backends; j++) {
        entry_copy_backend(new, j, old, j);
    }
    new->draining = drained ? new->draining | bit : new->draining & ~bit;
    entry_replace(entries, old, new);
    return new;
}

/* Removes 'entry' from the map; it is retired. */
void
container_map_entries_remove(struct container_map_entries *entries,
                             struct container_map_entry *entry)
{
    cmap_remove(&entries->map, &entry->node,
                container_map_key_hash(entries->basis, &entry->key));
}

static void
counters_free(struct container_map_counters *c)
{
    free(c);
}

/* Frees retired entry 'old' after RCU, with its references to the backends
 * and the backend counters that 'new' (its replacement, if any) does not
 * use.  What such backends got is added to 'new''s totals. */
void
container_map_entries_release(struct container_map_backends *backends,
                              struct container_map_entry *old,
                              const struct container_map_entry *new)
{
    for (uint32_t i = 0; i < old->n_backends; i++) {
        bool kept = false;

        for (uint32_t j = 0; new && j < new->n_backends; j++) {
            kept = kept || new->bstats[j] == old->bstats[i];
        }
        if (!kept) {
            if (new) {
                unsigned long long n_packets, n_bytes;

                container_map_counters_get(old->bstats[i], &n_packets,
                                           &n_bytes);
                container_map_counters_add(new->stats, n_packets, n_bytes);
            }
            ovsrcu_postpone(counters_free, old->bstats[i]);
        }
        container_map_backends_unref(backends, old->backends[i]);
    }
    if (!new) {
        ovsrcu_postpone(counters_free, old->stats);
    }
    ovsrcu_postpone(free, old);
}
