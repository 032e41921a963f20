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

/* The container map's coordinator: the one mutex, every change, and the
 * invariants of container-map-private.h.  The stores it drives are leaves
 * (container-map-{backend,entry,resv,addr,conn}.c) that never call back
 * here. */

#include <config.h>

#include "container-map-store.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_table);

static size_t flush_mappings(struct container_map *cm, uint32_t table_id)
    OVS_REQUIRES(cm->mutex);
static void flush_resvs(struct container_map *cm, uint32_t table_id)
    OVS_REQUIRES(cm->mutex);

struct container_map *
container_map_create(void)
{
    struct container_map *cm = xzalloc(sizeof *cm);
    uint32_t basis = random_uint32();

    ovs_mutex_init(&cm->mutex);
    container_map_backends_init(&cm->backends, basis);
    container_map_entries_init(&cm->entries, basis);
    container_map_resvs_init(&cm->resvs, basis);
    container_map_addrs_init(&cm->addrs, basis);
    container_map_conns_init(&cm->conns, basis);
    for (size_t i = 0; i < CONTAINER_MAP_MAX_TABLES; i++) {
        for (size_t j = 0; j < CONTAINER_MAP_N_COUNTERS; j++) {
            atomic_init(&cm->counters[i][j], 0);
        }
        atomic_init(&cm->macs[i], 0);
    }
    return cm;
}

void
container_map_destroy(struct container_map *cm)
{
    if (!cm) {
        return;
    }
    if (cm->has_sweeper) {
        latch_set(&cm->sweeper_exit);
        xpthread_join(cm->sweeper, NULL);
        latch_destroy(&cm->sweeper_exit);
    }
    ovs_mutex_lock(&cm->mutex);
    container_map_conns_flush(&cm->conns, UINT32_MAX);
    flush_mappings(cm, UINT32_MAX);
    flush_resvs(cm, UINT32_MAX);
    ovs_mutex_unlock(&cm->mutex);

    container_map_conns_destroy(&cm->conns);
    container_map_addrs_destroy(&cm->addrs);
    container_map_resvs_destroy(&cm->resvs);
    container_map_entries_destroy(&cm->entries);
    container_map_backends_destroy(&cm->backends);
    ovs_mutex_destroy(&cm->mutex);
    ovsrcu_postpone(free, cm);
}

struct container_map *
container_map_global(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static struct container_map *global;

    if (ovsthread_once_start(&once)) {
        global = container_map_create();
        ovsthread_once_done(&once);
    }
    return global;
}

/* Mappings. */

/* Frees retired entry 'old', replaced by 'new' (NULL: deleted), after
 * forgetting the connections that led to the backends 'new' does not have
 * (invariant 1) and, for a deleted entry, releasing its address (invariant
 * 3). */
static void
retire_entry(struct container_map *cm, struct container_map_entry *old,
             const struct container_map_entry *new)
    OVS_REQUIRES(cm->mutex)
{
    const struct container_map_key *key = &old->key;

    for (uint32_t i = 0; i < old->n_backends; i++) {
        struct container_map_backend *b = old->backends[i];

        if (b->n_conns && (!new || container_map_entry_find_backend(new, b)
                                   < 0)) {
            container_map_conns_forget(&cm->conns, key->table_id, b,
                                       CONTAINER_MAP_CONN_INBOUND, &key->ip,
                                       key->proto, key->port);
        }
    }
    if (!new) {
        container_map_addrs_del_mapping(&cm->addrs, &cm->backends, key);
    }
    container_map_entries_release(&cm->backends, old, new);
}

/* Checks that mapping 'm' may be added as far as the reservations go
 * (invariant 2). */
static int
check_mapping(const struct container_map *cm,
              const struct container_map_mapping *m,
              struct container_map_conflict *conflict)
    OVS_REQUIRES(cm->mutex)
{
    const struct container_map_resv *r = NULL;
    const struct container_map_addr *addr;

    if (!container_map_key_is_valid(&m->key)) {
        return EINVAL;
    }
    addr = container_map_addrs_lookup(&cm->addrs, m->key.table_id,
                                      &m->key.ip);
    if (addr) {
        r = container_map_addr_find_resv(addr, ntohs(m->key.port), false);
    }
    if (r && !eth_addr_equals(r->key.mac, m->backend.mac)) {
        memset(conflict, 0, sizeof *conflict);
        conflict->mac = r->key.mac;
        conflict->ranges = r->ranges;
        return EADDRINUSE;
    }
    return 0;
}

static int
add__(struct container_map *cm, const struct container_map_mapping *m,
      enum container_map_add_result *result)
    OVS_REQUIRES(cm->mutex)
{
    struct container_map_entry *old;
    int error;

    old = container_map_entries_find(&cm->entries, &m->key);
    if (!old) {
        container_map_entries_insert(&cm->entries, &cm->backends, &m->key,
                                     &m->backend);
        container_map_addrs_add_mapping(&cm->addrs, &m->key);
        *result = CONTAINER_MAP_ADDED_ENTRY;
        return 0;
    }
    error = container_map_entries_add_backend(&cm->entries, &cm->backends,
                                              old, &m->backend, result);
    if (!error && *result != CONTAINER_MAP_UNCHANGED) {
        retire_entry(cm, old, container_map_entries_find(&cm->entries,
                                                         &m->key));
    }
    return error;
}

int
container_map_add(struct container_map *cm,
                  const struct container_map_mapping *m,
                  enum container_map_add_result *result,
                  struct container_map_conflict *conflict)
{
    int error;

    ovs_mutex_lock(&cm->mutex);
    error = check_mapping(cm, m, conflict);
    if (!error) {
        error = add__(cm, m, result);
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

/* The new backends that a batch gives one key, to check the limit. */
struct batch_key {
    struct hmap_node node;
    struct container_map_key key;
    uint32_t n_backends;            /* Backends it will have. */
    struct eth_addr macs[CONTAINER_MAP_MAX_BACKENDS];  /* New ones. */
    uint32_t n_new;
};

static bool
batch_key_add_mac(struct batch_key *bk,
                  const struct container_map_entry *entry,
                  const struct eth_addr mac)
{
    if (entry && container_map_entry_find_mac(entry, mac) >= 0) {
        return true;
    }
    for (uint32_t i = 0; i < bk->n_new; i++) {
        if (eth_addr_equals(bk->macs[i], mac)) {
            return true;
        }
    }
    if (bk->n_backends >= CONTAINER_MAP_MAX_BACKENDS) {
        return false;
    }
    bk->macs[bk->n_new++] = mac;
    bk->n_backends++;
    return true;
}

/* Checks the whole batch 'ms' ('n' mappings) before anything changes. */
static int
check_batch(const struct container_map *cm,
            const struct container_map_mapping *ms, size_t n, size_t *bad,
            struct container_map_conflict *conflict)
    OVS_REQUIRES(cm->mutex)
{
    struct hmap keys = HMAP_INITIALIZER(&keys);
    struct batch_key *bk;
    int error = 0;

    for (size_t i = 0; i < n && !error; i++) {
        const struct container_map_mapping *m = &ms[i];
        const struct container_map_entry *entry;
        uint32_t hash;

        error = check_mapping(cm, m, conflict);
        if (error) {
            *bad = i;
            break;
        }
        hash = container_map_key_hash(cm->entries.basis, &m->key);
        entry = container_map_entries_lookup(&cm->entries, &m->key, hash);
        HMAP_FOR_EACH_WITH_HASH (bk, node, hash, &keys) {
            if (container_map_key_equals(&bk->key, &m->key)) {
                break;
            }
        }
        if (!bk) {
            bk = xzalloc(sizeof *bk);
            bk->key = m->key;
            bk->n_backends = entry ? entry->n_backends : 0;
            hmap_insert(&keys, &bk->node, hash);
        }
        if (!batch_key_add_mac(bk, entry, m->backend.mac)) {
            error = E2BIG;
            *bad = i;
        }
    }
    HMAP_FOR_EACH_POP (bk, node, &keys) {
        free(bk);
    }
    hmap_destroy(&keys);
    return error;
}

int
container_map_add_batch(struct container_map *cm,
                        const struct container_map_mapping *ms, size_t n,
                        size_t counts[CONTAINER_MAP_N_ADD_RESULTS],
                        size_t *bad, struct container_map_conflict *conflict)
{
    int error;

    memset(counts, 0, CONTAINER_MAP_N_ADD_RESULTS * sizeof *counts);
    ovs_mutex_lock(&cm->mutex);
    error = check_batch(cm, ms, n, bad, conflict);
    for (size_t i = 0; !error && i < n; i++) {
        enum container_map_add_result result;

        /* check_batch() made sure that none of these fails. */
        error = add__(cm, &ms[i], &result);
        if (OVS_UNLIKELY(error)) {
            VLOG_ERR("mapping %"PRIuSIZE" of a checked batch failed (%s)",
                     i, ovs_strerror(error));
            *bad = i;
            break;
        }
        counts[result]++;
        if (!((i + 1) % CONTAINER_MAP_WRITER_SLICE)) {
            container_map_yield(cm);
        }
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

int
container_map_del(struct container_map *cm,
                  const struct container_map_key *key,
                  const struct eth_addr *mac)
{
    struct container_map_entry *old;
    int error = ENOENT;

    ovs_mutex_lock(&cm->mutex);
    old = container_map_entries_find(&cm->entries, key);
    if (old) {
        int i = mac ? container_map_entry_find_mac(old, *mac) : -1;

        if (!mac || (i >= 0 && old->n_backends == 1)) {
            container_map_entries_remove(&cm->entries, old);
            retire_entry(cm, old, NULL);
            error = 0;
        } else if (i >= 0) {
            retire_entry(cm, old, container_map_entries_del_backend(
                                      &cm->entries, old, i));
            error = 0;
        }
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

int
container_map_drain(struct container_map *cm,
                    const struct container_map_key *key,
                    const struct eth_addr mac, bool drain)
{
    struct container_map_entry *old;
    int error = ENOENT;

    ovs_mutex_lock(&cm->mutex);
    old = container_map_entries_find(&cm->entries, key);
    if (old) {
        int i = container_map_entry_find_mac(old, mac);

        if (i >= 0) {
            if (!!(old->draining & (UINT64_C(1) << i)) != drain) {
                retire_entry(cm, old, container_map_entries_set_drained(
                                          &cm->entries, old, i, drain));
            }
            error = 0;
        }
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

/* Deletes the mappings of 'table_id' (UINT32_MAX: all).  Holds the mutex
 * for a bounded number of them at a time. */
static size_t
flush_mappings(struct container_map *cm, uint32_t table_id)
    OVS_REQUIRES(cm->mutex)
{
    struct container_map_entry *entry;
    size_t n = 0;

    CMAP_FOR_EACH (entry, node, &cm->entries.map) {
        if (table_id == UINT32_MAX || entry->key.table_id == table_id) {
            container_map_entries_remove(&cm->entries, entry);
            retire_entry(cm, entry, NULL);
            if (!(++n % CONTAINER_MAP_WRITER_SLICE)) {
                container_map_yield(cm);
            }
        }
    }
    return n;
}

size_t
container_map_flush(struct container_map *cm, uint32_t table_id)
{
    size_t n;

    ovs_mutex_lock(&cm->mutex);
    n = flush_mappings(cm, table_id);
    container_map_clear_counters(cm, table_id);
    ovs_mutex_unlock(&cm->mutex);
    return n;
}

/* Reservations. */

/* Frees retired reservation 'r' after forgetting its connections
 * (invariant 1). */
static void
retire_resv(struct container_map *cm, struct container_map_resv *r)
    OVS_REQUIRES(cm->mutex)
{
    if (r->backend->n_conns) {
        container_map_conns_forget(&cm->conns, r->key.table_id, r->backend,
                                   CONTAINER_MAP_CONN_OUTBOUND, &r->key.ip, 0,
                                   htons(0));
    }
    container_map_resvs_release(&cm->backends, r);
}

static bool
ranges_overlap(uint16_t a_min, uint16_t a_max, uint16_t b_min, uint16_t b_max)
{
    return a_min <= b_max && b_min <= a_max;
}

/* What a reservation of 'mac' on 'addr' with 'ranges' would run into: finds
 * the container's own reservation there ('*own'), and returns EEXIST if the
 * ranges overlap another container's reservation, or EADDRINUSE if they hold
 * a port mapped to another container (invariant 2), with '*conflict' set. */
static int
check_resv(const struct container_map *cm,
           const struct container_map_addr *addr, const struct eth_addr mac,
           const struct container_map_ranges *ranges,
           struct container_map_resv **own,
           struct container_map_conflict *conflict)
    OVS_REQUIRES(cm->mutex)
{
    const struct container_map_addr_port *p;
    struct container_map_resv *r;

    *own = NULL;
    LIST_FOR_EACH (r, addr_node, &addr->resvs) {
        if (eth_addr_equals(r->key.mac, mac)) {
            *own = r;
        } else if (ranges_overlap(ranges->port_min, ranges->port_max,
                                  r->ranges.port_min, r->ranges.port_max)
                   || ranges_overlap(ranges->id_min, ranges->id_max,
                                     r->ranges.id_min, r->ranges.id_max)) {
            conflict->mac = r->key.mac;
            conflict->ranges = r->ranges;
            return EEXIST;
        }
    }
    HMAP_FOR_EACH (p, node, &addr->ports) {
        const struct container_map_entry *e;
        struct container_map_key key;

        if (p->port < ranges->port_min || p->port > ranges->port_max) {
            continue;
        }
        container_map_key_init(&key, addr->table_id, &addr->ip, p->proto,
                               htons(p->port));
        e = container_map_entries_lookup(
            &cm->entries, &key, container_map_key_hash(cm->entries.basis,
                                                       &key));
        for (uint32_t i = 0; e && i < e->n_backends; i++) {
            if (!eth_addr_equals(e->backends[i]->mac, mac)) {
                conflict->mac = e->backends[i]->mac;
                conflict->port = p->port;
                return EADDRINUSE;
            }
        }
    }
    return 0;
}

int
container_map_reserve(struct container_map *cm, uint32_t table_id,
                      const struct in6_addr *ip,
                      const struct container_map_backend_spec *spec,
                      const struct container_map_ranges *ranges,
                      struct container_map_conflict *conflict)
{
    const struct container_map_addr *addr;
    struct container_map_resv *own = NULL, *new;
    int error = 0;

    if (table_id >= CONTAINER_MAP_MAX_TABLES || !ranges->port_min
        || ranges->port_min > ranges->port_max
        || ranges->id_min > ranges->id_max) {
        return EINVAL;
    }
    memset(conflict, 0, sizeof *conflict);

    ovs_mutex_lock(&cm->mutex);
    addr = container_map_addrs_lookup(&cm->addrs, table_id, ip);
    if (addr) {
        error = check_resv(cm, addr, spec->mac, ranges, &own, conflict);
    }
    if (error || (own && container_map_backend_is_at(own->backend, spec)
                  && !memcmp(&own->ranges, ranges, sizeof *ranges))) {
        /* Refused, or unchanged. */
    } else if (!own) {
        new = container_map_resvs_set(&cm->resvs, &cm->backends, table_id, ip,
                                      spec, ranges, NULL);
        container_map_addrs_add_resv(&cm->addrs, new);
    } else {
        struct container_map_backend *echo;

        new = container_map_resvs_set(&cm->resvs, &cm->backends, table_id, ip,
                                      spec, ranges, own);
        container_map_addrs_replace_resv(&cm->addrs, own, new);
        if (container_map_addr_get_echo(addr, &echo)
            == CONTAINER_MAP_ECHO_CONTAINER
            && echo == own->backend && new->backend != own->backend) {
            /* The container answering pings moved: follow it. */
            container_map_addrs_set_echo(
                &cm->addrs, &cm->backends, addr, CONTAINER_MAP_ECHO_CONTAINER,
                container_map_backends_ref(&cm->backends, table_id, spec));
        }
        retire_resv(cm, own);
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

static void
unreserve__(struct container_map *cm, struct container_map_resv *r)
    OVS_REQUIRES(cm->mutex)
{
    const struct container_map_addr *addr;
    struct container_map_backend *echo;

    container_map_resvs_remove(&cm->resvs, r);
    /* The container no longer uses the IP: it cannot answer its pings. */
    addr = container_map_addrs_lookup(&cm->addrs, r->key.table_id,
                                      &r->key.ip);
    if (container_map_addr_get_echo(addr, &echo)
        == CONTAINER_MAP_ECHO_CONTAINER
        && eth_addr_equals(echo->mac, r->key.mac)) {
        container_map_addrs_set_echo(&cm->addrs, &cm->backends, addr,
                                     CONTAINER_MAP_ECHO_SWITCH, NULL);
    }
    container_map_addrs_del_resv(&cm->addrs, &cm->backends, r);
    retire_resv(cm, r);
}

int
container_map_unreserve(struct container_map *cm, uint32_t table_id,
                        const struct in6_addr *ip, const struct eth_addr mac)
{
    const struct container_map_resv *r;
    int error = ENOENT;

    ovs_mutex_lock(&cm->mutex);
    r = container_map_resvs_lookup(&cm->resvs, table_id, ip, mac);
    if (r) {
        unreserve__(cm, CONST_CAST(struct container_map_resv *, r));
        error = 0;
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

static void
flush_resvs(struct container_map *cm, uint32_t table_id)
    OVS_REQUIRES(cm->mutex)
{
    struct container_map_resv *r;

    CMAP_FOR_EACH (r, node, &cm->resvs.map) {
        if (table_id == UINT32_MAX || r->key.table_id == table_id) {
            unreserve__(cm, r);
        }
    }
}

/* Addresses. */

int
container_map_set_echo(struct container_map *cm, uint32_t table_id,
                       const struct in6_addr *ip, enum container_map_echo echo,
                       const struct eth_addr *mac)
{
    struct container_map_backend *backend = NULL;
    const struct container_map_addr *addr;
    int error = 0;

    ovs_mutex_lock(&cm->mutex);
    addr = container_map_addrs_lookup(&cm->addrs, table_id, ip);
    if (!addr) {
        error = ENOENT;
    } else if (echo == CONTAINER_MAP_ECHO_CONTAINER) {
        const struct container_map_resv *r;

        r = container_map_resvs_lookup(&cm->resvs, table_id, ip, *mac);
        if (!r) {
            error = ENOENT;
        } else {
            struct container_map_backend_spec spec;

            container_map_backend_spec_of(r->backend, &spec);
            backend = container_map_backends_ref(&cm->backends, table_id,
                                                 &spec);
        }
    }
    if (!error) {
        container_map_addrs_set_echo(&cm->addrs, &cm->backends, addr, echo,
                                     backend);
    }
    ovs_mutex_unlock(&cm->mutex);
    return error;
}

void
container_map_set_mac(struct container_map *cm, uint32_t table_id,
                      struct eth_addr mac)
{
    if (table_id < CONTAINER_MAP_MAX_TABLES) {
        atomic_store_relaxed(&cm->macs[table_id], eth_addr_to_uint64(mac));
    }
}

struct eth_addr
container_map_get_mac(const struct container_map *cm_, uint32_t table_id)
{
    struct container_map *cm = CONST_CAST(struct container_map *, cm_);
    struct eth_addr mac = eth_addr_zero;
    uint64_t u = 0;

    if (table_id < CONTAINER_MAP_MAX_TABLES) {
        atomic_read_relaxed(&cm->macs[table_id], &u);
        eth_addr_from_uint64(u, &mac);
    }
    return mac;
}

size_t
container_map_clear(struct container_map *cm, uint32_t table_id)
{
    size_t n;

    ovs_mutex_lock(&cm->mutex);
    n = flush_mappings(cm, table_id);
    flush_resvs(cm, table_id);
    container_map_conns_flush(&cm->conns, table_id);
    container_map_clear_counters(cm, table_id);
    ovs_mutex_unlock(&cm->mutex);
    container_map_set_mac(cm, table_id, eth_addr_zero);
    return n;
}

/* Backends' datapath actions. */

struct backend_ref {
    struct container_map_backend *backend;
    struct container_map_backend_view view;
};

static void
for_each_backend(struct container_map *cm, uint32_t table_id, bool fresh,
                 container_map_backend_cb *cb, void *aux)
{
    struct container_map_backend *b, **all;
    struct backend_ref *refs;
    size_t n = 0, n_all = 0;

    /* The callback may set actions, which takes the mutex: call it after. */
    ovs_mutex_lock(&cm->mutex);
    all = xmalloc(MAX(1, fresh ? ovs_list_size(&cm->backends.fresh)
                               : hmap_count(&cm->backends.map))
                  * sizeof *all);
    if (fresh) {
        LIST_FOR_EACH (b, fresh_node, &cm->backends.fresh) {
            all[n_all++] = b;
        }
    } else {
        HMAP_FOR_EACH (b, hmap_node, &cm->backends.map) {
            all[n_all++] = b;
        }
    }
    refs = xmalloc(MAX(1, n_all) * sizeof *refs);
    for (size_t i = 0; i < n_all; i++) {
        b = all[i];
        if (table_id == UINT32_MAX || b->table_id == table_id) {
            struct backend_ref *ref = &refs[n++];

            memset(&ref->view, 0, sizeof ref->view);
            ref->backend = b;
            container_map_backend_spec_of(b, &ref->view.spec);
            ref->view.actions = ovsrcu_get_protected(
                struct container_map_actions *, &b->actions);
            atomic_read_relaxed(&b->down, &ref->view.down);
        }
    }
    ovs_mutex_unlock(&cm->mutex);

    free(all);
    for (size_t i = 0; i < n; i++) {
        cb(refs[i].backend, &refs[i].view, aux);
    }
    free(refs);
}

void
container_map_for_each_backend(struct container_map *cm, uint32_t table_id,
                               container_map_backend_cb *cb, void *aux)
{
    for_each_backend(cm, table_id, false, cb, aux);
}

void
container_map_for_each_new_backend(struct container_map *cm,
                                   uint32_t table_id,
                                   container_map_backend_cb *cb, void *aux)
{
    for_each_backend(cm, table_id, true, cb, aux);
}

void
container_map_set_actions(struct container_map *cm,
                          struct container_map_backend *backend,
                          struct container_map_actions *actions)
{
    ovs_mutex_lock(&cm->mutex);
    container_map_backend_set_actions(backend, actions);
    ovs_mutex_unlock(&cm->mutex);
}

void
container_map_set_down(struct container_map *cm OVS_UNUSED,
                       struct container_map_backend *backend,
                       const char *reason)
{
    atomic_store_relaxed(&backend->down, reason);
}

/* Connections. */

/* Checks that a connection 'key' -> 'backend' of 'kind' may be made
 * (invariant 1) and finds the counters it shares. */
static bool
conn_is_valid(const struct container_map *cm,
              const struct container_map_conn_key *key,
              const struct container_map_backend *backend,
              enum container_map_conn_kind kind,
              struct container_map_counters **svc_stats,
              struct container_map_counters **backend_stats)
    OVS_REQUIRES(cm->mutex)
{
    const struct container_map_entry *entry;
    struct container_map_key mkey;

    *svc_stats = *backend_stats = NULL;
    container_map_key_init(&mkey, key->table_id, &key->local_ip, key->proto,
                           key->local_port);
    entry = container_map_entries_lookup(&cm->entries, &mkey,
                                         container_map_key_hash(
                                             cm->entries.basis, &mkey));
    if (kind == CONTAINER_MAP_CONN_INBOUND) {
        int i = entry ? container_map_entry_find_backend(entry, backend) : -1;

        if (i < 0) {
            return false;
        }
        *svc_stats = entry->stats;
        *backend_stats = entry->bstats[i];
        return true;
    } else {
        const struct container_map_resv *r;

        r = container_map_resvs_lookup(&cm->resvs, key->table_id,
                                       &key->local_ip, backend->mac);
        if (!r || r->backend != backend) {
            return false;
        }
        /* A port mapped meanwhile belongs to the mapping. */
        return (key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6
                || !entry);
    }
}

int
container_map_conn_insert(struct container_map *cm,
                          const struct container_map_conn_key *key,
                          uint32_t hash, struct container_map_backend *backend,
                          enum container_map_conn_kind kind, bool answered,
                          long long int now,
                          struct container_map_conn **connp)
{
    struct container_map_counters *svc_stats, *backend_stats;
    struct container_map_conn *conn;
    unsigned int n_evicted = 0;
    int error = 0;

    ovs_mutex_lock(&cm->mutex);
    conn = container_map_conns_lookup(&cm->conns, key, hash);
    if (conn) {
        error = conn->backend == backend ? 0 : EEXIST;
    } else if (!conn_is_valid(cm, key, backend, kind, &svc_stats,
                              &backend_stats)) {
        error = ESTALE;
    } else {
        error = container_map_conns_insert(&cm->conns, key, hash, backend,
                                           kind, answered, svc_stats,
                                           backend_stats, now, &conn,
                                           &n_evicted);
    }
    ovs_mutex_unlock(&cm->mutex);
    if (n_evicted) {
        container_map_count(cm, key->table_id, CONTAINER_MAP_EV_CONN_EVICTED,
                            n_evicted);
    }
    *connp = conn;
    return error;
}

