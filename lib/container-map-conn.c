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

/* The container map's connection store: connection entries in fixed-size
 * RCU chains, each backend's list of its connections (so that forgetting
 * them takes no scan), the unanswered inbound connections oldest first,
 * per-source counts, expiry and settings.  A leaf (container-map-private.h):
 * it keeps each backend's connections and calls nothing else; the
 * coordinator decides when a connection may be made and what to forget, and
 * sweeps in slices (container-map-sweep.c). */

#include <config.h>

#include "container-map-store.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

/* Heads of at least this many bytes are aligned for 2 MB pages. */
#define CHAINS_HUGE (2 * 1024 * 1024)

/* Heads for a limit of 'max_conns': a power of 2, at least as many. */
static struct container_map_conn_chains *
chains_create(unsigned int max_conns, unsigned int gen)
{
    size_t n = 1, size;
    struct container_map_conn_chains *chains;

    while (n < max_conns && n < (SIZE_MAX >> 2)) {
        n <<= 1;
    }
    size = sizeof *chains + n * sizeof chains->heads[0];
    if (size >= CHAINS_HUGE) {
        /* Lookups land anywhere in the heads: on 2 MB pages (where the
         * kernel has transparent huge pages for madvise()), they miss the
         * TLB far less. */
        chains = xmalloc_size_align(size, CHAINS_HUGE);
#ifdef MADV_HUGEPAGE
        madvise(chains, ROUND_UP(size, CHAINS_HUGE), MADV_HUGEPAGE);
#endif
    } else {
        chains = xmalloc_cacheline(size);
    }
    chains->mask = n - 1;
    chains->gen = gen;
    chains->huge = size >= CHAINS_HUGE;
    for (size_t i = 0; i < n; i++) {
        ovsrcu_init(&chains->heads[i].p, NULL);
    }
    return chains;
}

static void
chains_free(struct container_map_conn_chains *chains)
{
    if (chains->huge) {
        free_size_align(chains);
    } else {
        free_cacheline(chains);
    }
}

static struct container_map_conn_chains *
chains_protected(const struct container_map_conns *conns)
{
    return ovsrcu_get_protected(struct container_map_conn_chains *,
                                &conns->chains);
}

void
container_map_conns_init(struct container_map_conns *conns, uint32_t basis)
{
    conns->basis = basis;
    atomic_init(&conns->n, 0);
    conns->settings = (struct container_map_conn_settings) {
        .max_conns = 1000000,
        .tcp_ms = 7200 * 1000,
        .tcp_closing_ms = 30 * 1000,
        .udp_ms = 60 * 1000,
        .icmp_ms = 30 * 1000,
        .unanswered_ms = 10 * 1000,
        .per_source = 65536,
        .per_container = 262144,
        .dead_reset = true,
    };
    atomic_init(&conns->tcp_ms, conns->settings.tcp_ms);
    atomic_init(&conns->dead_reset, true);
    atomic_init(&conns->udp_ms, conns->settings.udp_ms);
    ovsrcu_init(&conns->chains,
                chains_create(conns->settings.max_conns, 0));
    ovs_list_init(&conns->unanswered);
    hmap_init(&conns->sources);
}

void
container_map_conns_destroy(struct container_map_conns *conns)
{
    unsigned int n;

    atomic_read_relaxed(&conns->n, &n);
    ovs_assert(!n);
    ovs_assert(hmap_is_empty(&conns->sources));
    hmap_destroy(&conns->sources);
    ovsrcu_postpone(chains_free, chains_protected(conns));
}

void
container_map_conns_set_settings(struct container_map_conns *conns,
                                 const struct container_map_conn_settings *s)
{
    conns->settings = *s;
    atomic_store_relaxed(&conns->tcp_ms, s->tcp_ms);
    atomic_store_relaxed(&conns->udp_ms, s->udp_ms);
    atomic_store_relaxed(&conns->dead_reset, s->dead_reset);
}

/* Links every connection into new heads for 'max_conns', through the 'next'
 * that readers of the current heads do not use.  The caller made sure that
 * no reader still uses the heads before those (an RCU grace period since the
 * last resize). */
void
container_map_conns_resize(struct container_map_conns *conns,
                           unsigned int max_conns)
{
    struct container_map_conn_chains *old = chains_protected(conns);
    struct container_map_conn_chains *new;

    new = chains_create(max_conns, !old->gen);
    for (size_t i = 0; i <= old->mask; i++) {
        struct container_map_conn *c;

        for (c = ovsrcu_get_protected(struct container_map_conn *,
                                      &old->heads[i].p);
             c;
             c = ovsrcu_get_protected(struct container_map_conn *,
                                      &c->next[old->gen].p)) {
            struct container_map_conn_link *head
                = &new->heads[c->hash & new->mask];
            struct container_map_conn *first;

            first = ovsrcu_get_protected(struct container_map_conn *,
                                         &head->p);
            ovsrcu_set_hidden(&c->next[new->gen].p, first);
            ovsrcu_set_hidden(&head->p, c);
        }
    }
    ovsrcu_set(&conns->chains, new);
    ovsrcu_postpone(chains_free, old);
}

/* Per-source counts. */

static struct container_map_conn_source *
source_find(struct container_map_conns *conns, const struct in6_addr *ip,
            uint32_t hash)
{
    struct container_map_conn_source *src;

    HMAP_FOR_EACH_WITH_HASH (src, node, hash, &conns->sources) {
        if (ipv6_addr_equals(&src->ip, ip)) {
            return src;
        }
    }
    return NULL;
}

static void
source_unref(struct container_map_conns *conns,
             struct container_map_conn_source *src)
{
    if (!--src->n) {
        hmap_remove(&conns->sources, &src->node);
        free(src);
    }
}

/* Removal and eviction. */

void
container_map_conns_remove(struct container_map_conns *conns,
                           struct container_map_conn *conn)
{
    struct container_map_conn_chains *chains = chains_protected(conns);
    struct container_map_conn_link *link = &chains->heads[conn->hash
                                                          & chains->mask];
    struct container_map_conn *c;
    unsigned int orig;

    ovs_assert(!conn->removed);
    while ((c = ovsrcu_get_protected(struct container_map_conn *, &link->p))
           != conn) {
        ovs_assert(c);
        link = &c->next[chains->gen];
    }
    c = ovsrcu_get_protected(struct container_map_conn *,
                             &conn->next[chains->gen].p);
    ovsrcu_set(&link->p, c);
    conn->removed = true;
    ovs_list_remove(&conn->backend_node);
    conn->backend->n_conns--;
    ovs_list_remove(&conn->unanswered_node);
    if (conn->source) {
        source_unref(conns, conn->source);
    }
    atomic_sub_relaxed(&conns->n, 1, &orig);
    ovsrcu_postpone(free_cacheline, conn);
}

/* Removes the oldest inbound connection that is still unanswered, and
 * returns true, or returns false if there is none. */
static bool
evict_unanswered(struct container_map_conns *conns)
{
    while (!ovs_list_is_empty(&conns->unanswered)) {
        struct container_map_conn *conn;
        bool answered;

        conn = CONTAINER_OF(ovs_list_front(&conns->unanswered),
                            struct container_map_conn, unanswered_node);
        atomic_read_relaxed(&conn->answered, &answered);
        if (!answered) {
            container_map_conns_remove(conns, conn);
            return true;
        }
        /* Answered since: no longer a candidate. */
        ovs_list_remove(&conn->unanswered_node);
        ovs_list_init(&conn->unanswered_node);
    }
    return false;
}

/* Insertion. */

int
container_map_conns_insert(struct container_map_conns *conns,
                           const struct container_map_conn_key *key,
                           uint32_t hash,
                           struct container_map_backend *backend,
                           enum container_map_conn_kind kind, bool answered,
                           struct container_map_counters *svc_stats,
                           struct container_map_counters *backend_stats,
                           long long int now,
                           struct container_map_conn **connp,
                           unsigned int *n_evicted)
{
    const struct container_map_conn_settings *s = &conns->settings;
    struct container_map_conn_source *src = NULL;
    struct container_map_conn_chains *chains;
    struct container_map_conn_link *head;
    struct container_map_conn *conn, *first;
    unsigned int n, orig;

    *connp = NULL;
    *n_evicted = 0;
    if (backend->n_conns >= s->per_container) {
        return EDQUOT;
    }
    if (kind == CONTAINER_MAP_CONN_INBOUND) {
        uint32_t src_hash = hash_bytes(&key->remote_ip, sizeof key->remote_ip,
                                       conns->basis);

        src = source_find(conns, &key->remote_ip, src_hash);
        if (src && src->n >= s->per_source) {
            return EDQUOT;
        }
        if (!src) {
            src = xzalloc(sizeof *src);
            src->ip = key->remote_ip;
            hmap_insert(&conns->sources, &src->node, src_hash);
        }
        src->n++;
    }
    atomic_read_relaxed(&conns->n, &n);
    while (n >= s->max_conns) {
        if (!evict_unanswered(conns)) {
            if (src) {
                source_unref(conns, src);
            }
            return ENOSPC;
        }
        *n_evicted += 1;
        atomic_read_relaxed(&conns->n, &n);
    }

    conn = xzalloc_cacheline(sizeof *conn);
    conn->hash = hash;
    conn->key = *key;
    conn->backend = backend;
    conn->kind = kind;
    conn->svc_stats = svc_stats;
    conn->backend_stats = backend_stats;
    conn->created = now;
    conn->source = src;
    atomic_init(&conn->used, now);
    atomic_init(&conn->tcp_flags, 0);
    atomic_init(&conn->answered, answered
                                 || kind != CONTAINER_MAP_CONN_INBOUND);
    atomic_init(&conn->in.n_packets, 0);
    atomic_init(&conn->in.n_bytes, 0);
    atomic_init(&conn->out.n_packets, 0);
    atomic_init(&conn->out.n_bytes, 0);
    ovs_list_push_back(&backend->conns, &conn->backend_node);
    backend->n_conns++;
    if (kind == CONTAINER_MAP_CONN_INBOUND && !answered) {
        ovs_list_push_back(&conns->unanswered, &conn->unanswered_node);
    } else {
        ovs_list_init(&conn->unanswered_node);
    }
    atomic_add_relaxed(&conns->n, 1, &orig);

    chains = chains_protected(conns);
    head = &chains->heads[hash & chains->mask];
    first = ovsrcu_get_protected(struct container_map_conn *, &head->p);
    ovsrcu_set_hidden(&conn->next[chains->gen].p, first);
    ovsrcu_set(&head->p, conn);
    *connp = conn;
    return 0;
}

/* Expiry. */

long long int
container_map_conn_expiry(const struct container_map_conns *conns,
                          const struct container_map_conn *conn)
{
    const struct container_map_conn_settings *s = &conns->settings;
    struct container_map_conn *c = CONST_CAST(struct container_map_conn *,
                                              conn);
    long long int used, timeout;
    bool answered;
    uint8_t flags;

    atomic_read_relaxed(&c->used, &used);
    atomic_read_relaxed(&c->tcp_flags, &flags);
    atomic_read_relaxed(&c->answered, &answered);
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
    if (!answered) {
        timeout = MIN(timeout, s->unanswered_ms);
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
    bool answered;
    uint8_t flags;

    atomic_read_relaxed(&c->answered, &answered);
    if (!answered) {
        return "unanswered";
    } else if (conn->key.proto != IPPROTO_TCP) {
        return "active";
    }
    atomic_read_relaxed(&c->tcp_flags, &flags);
    return (flags & (CONTAINER_MAP_CONN_RST | CONTAINER_MAP_CONN_RST_IN)
            ? "reset"
            : (flags & both) == both ? "closed"
            : flags ? "closing"
            : "established");
}

/* Lookups for the writers. */

size_t
container_map_conns_find(const struct container_map_conns *conns,
                         bool (*match)(const struct container_map_conn *,
                                       const void *aux),
                         const void *aux, size_t *pos,
                         struct container_map_conn **found, size_t n)
{
    const struct container_map_conn_chains *chains;
    size_t n_found = 0;
    size_t i;

    chains = ovsrcu_get(struct container_map_conn_chains *, &conns->chains);
    for (i = *pos; i <= chains->mask; i++) {
        struct container_map_conn *c;
        size_t n_here = 0;

        for (c = ovsrcu_get(struct container_map_conn *, &chains->heads[i].p);
             c;
             c = ovsrcu_get(struct container_map_conn *,
                            &c->next[chains->gen].p)) {
            n_here += match(c, aux);
        }
        if (n_found + n_here > n && n_found) {
            break;              /* Take this chain whole next time. */
        }
        for (c = ovsrcu_get(struct container_map_conn *, &chains->heads[i].p);
             c && n_found < n;
             c = ovsrcu_get(struct container_map_conn *,
                            &c->next[chains->gen].p)) {
            if (match(c, aux)) {
                found[n_found++] = c;
            }
        }
        if (n_here > n) {
            /* A chain longer than 'found': the caller removes what it got
             * and comes back for the rest. */
            break;
        }
    }
    *pos = i > chains->mask ? 0 : i;
    return n_found;
}

static bool
in_table(const struct container_map_conn *conn, const void *table_id_)
{
    const uint32_t *table_id = table_id_;

    return *table_id == UINT32_MAX || conn->key.table_id == *table_id;
}

bool
container_map_conn_in_table(const struct container_map_conn *conn,
                            const void *table_id_)
{
    return in_table(conn, table_id_);
}

/* Removes every connection of 'table_id' (UINT32_MAX: of all tables) at
 * once.  Returns how many. */
size_t
container_map_conns_flush(struct container_map_conns *conns,
                          uint32_t table_id)
{
    struct container_map_conn *found[256];
    size_t pos = 0, n = 0;

    do {
        size_t n_found = container_map_conns_find(conns, in_table, &table_id,
                                                  &pos, found,
                                                  ARRAY_SIZE(found));

        for (size_t i = 0; i < n_found; i++) {
            container_map_conns_remove(conns, found[i]);
        }
        n += n_found;
    } while (pos);
    return n;
}

/* Forgets the connections of 'table_id' that lead to 'backend' (all of them
 * if 'kind' is -1) whose local side matches 'local_ip' (if nonnull), and
 * 'proto' and 'local_port' (if nonzero).  Returns how many. */
size_t
container_map_conns_forget(struct container_map_conns *conns,
                           uint32_t table_id,
                           struct container_map_backend *backend,
                           int kind, const struct in6_addr *local_ip,
                           uint8_t proto, ovs_be16 local_port)
{
    struct container_map_conn *conn;
    size_t n = 0;

    LIST_FOR_EACH_SAFE (conn, backend_node, &backend->conns) {
        if (conn->key.table_id == table_id
            && (kind < 0 || conn->kind == kind)
            && (!local_ip || ipv6_addr_equals(&conn->key.local_ip, local_ip))
            && (!proto || conn->key.proto == proto)
            && (!local_port || conn->key.local_port == local_port)) {
            container_map_conns_remove(conns, conn);
            n++;
        }
    }
    return n;
}

void
container_map_conns_walk(const struct container_map_conns *conns,
                         void (*cb)(const struct container_map_conn *,
                                    void *aux),
                         void *aux)
{
    const struct container_map_conn_chains *chains;

    chains = ovsrcu_get(struct container_map_conn_chains *, &conns->chains);
    for (size_t i = 0; i <= chains->mask; i++) {
        struct container_map_conn *c;

        for (c = ovsrcu_get(struct container_map_conn *, &chains->heads[i].p);
             c;
             c = ovsrcu_get(struct container_map_conn *,
                            &c->next[chains->gen].p)) {
            cb(c, aux);
        }
    }
}

struct count_aux {
    uint32_t table_id;
    size_t n;
};

static void
count_conn(const struct container_map_conn *conn, void *aux_)
{
    struct count_aux *aux = aux_;

    aux->n += conn->key.table_id == aux->table_id;
}

size_t
container_map_conns_count(const struct container_map_conns *conns,
                          uint32_t table_id)
{
    struct container_map_conns *cc = CONST_CAST(struct container_map_conns *,
                                                conns);
    struct count_aux aux = { .table_id = table_id, .n = 0 };
    unsigned int all;

    if (table_id == UINT32_MAX) {
        atomic_read_relaxed(&cc->n, &all);
        return all;
    }
    container_map_conns_walk(conns, count_conn, &aux);
    return aux.n;
}
