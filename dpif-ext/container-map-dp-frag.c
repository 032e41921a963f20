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

/* Fragments: later fragments go where their first fragment went.
 *
 * Only the first fragment of a datagram has its ports, so the action decides
 * by the first one and remembers its ports under [table, direction, source,
 * destination, protocol, fragment id] for CM_FRAG_FOLLOW_MS.  A later
 * fragment takes the remembered ports and is then handled as any packet of
 * its connection: delivered to the connection's or the mapping's container,
 * or (from a container) checked like its first fragment was.  Nothing is
 * reassembled.
 *
 * Records.  A fixed table of CM_FRAG_SLOTS slots, one record each (the
 * newest first fragment whose key hashes there), written by PMD threads
 * without a lock: a slot is a sequence lock whose writer only ever tries
 * (a busy slot is not waited for, its first fragment just goes unrecorded)
 * and whose readers retry nothing (a torn read is a miss).  A record holds
 * values only, no pointers: a later fragment looks its mapping, connection
 * or reservation up anew, so it never goes to a container that is no longer
 * mapped to its ports.
 *
 * Holding.  A later fragment that comes before its first one (reordered on
 * the way, or by the datapath itself: a packet that misses the megaflow
 * cache runs its actions at once, before the batches of those that hit, and
 * a receive batch runs megaflow by megaflow) is held by the thread that
 * received it, at most CM_FRAG_HOLD of them per thread for at most
 * CM_FRAG_HOLD_MS, and released by that thread's next container_map action
 * in the same table and direction (from a container: with packets from the
 * same port, whose next actions it then takes) once its first fragment has
 * been recorded, by any thread; or dropped.  A thread serves one datapath.
 * The action holds a packet only when it may take it (it would otherwise
 * need a copy) and, from outside, only when misses are dropped (with
 * miss=continue a later fragment continues as before).  A thread looks at
 * what it holds only when a record was written or a hold ran out since it
 * last looked. */

#include <config.h>

#include "container-map-dp-private.h"
#include "container-map-stats.h"
#include "hash.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "util.h"

#define CM_FRAG_SLOTS 8192      /* Records (a power of 2). */
#define CM_FRAG_FOLLOW_MS 2000  /* How long a record lasts. */
#define CM_FRAG_HOLD NETDEV_MAX_BURST   /* Held packets per thread. */
#define CM_FRAG_HOLD_MS 200     /* How long one is held at most. */

BUILD_ASSERT_DECL(IS_POW2(CM_FRAG_SLOTS));

/* Records written so far, so that a thread that holds fragments looks for
 * their records only when there may be new ones. */
static atomic_uint64_t cm_frag_gen;

/* What a first fragment leaves for the later ones. */
struct cm_frag_rec {
    struct in6_addr src;
    struct in6_addr dst;
    uint32_t table_id;
    uint32_t id;
    uint8_t proto;
    uint8_t egress;
    ovs_be16 src_port;
    ovs_be16 dst_port;
    uint16_t pad;               /* Zero. */
    long long int expires;      /* msec. */
};
#define CM_FRAG_WORDS (sizeof(struct cm_frag_rec) / sizeof(uint64_t))
BUILD_ASSERT_DECL(sizeof(struct cm_frag_rec) % sizeof(uint64_t) == 0);

/* A record under a sequence lock: odd 'seq' while it is written. */
struct cm_frag_slot {
    atomic_uint64_t seq;
    atomic_uint64_t words[CM_FRAG_WORDS];
};

static struct cm_frag_slot cm_frag_slots[CM_FRAG_SLOTS];

static void
cm_frag_rec_init(struct cm_frag_rec *rec, uint32_t table_id,
                 const struct container_map_pkt *pkt, bool egress)
{
    memset(rec, 0, sizeof *rec);
    rec->src = pkt->src;
    rec->dst = pkt->dst;
    rec->table_id = table_id;
    rec->id = pkt->frag_id;
    rec->proto = pkt->proto;
    rec->egress = egress;
}

/* The slot of the record whose key 'rec' has (its ports and expiry zero). */
static struct cm_frag_slot *
cm_frag_slot(const struct cm_ctx *ctx, const struct cm_frag_rec *rec)
{
    uint32_t hash = hash_bytes(rec, offsetof(struct cm_frag_rec, src_port),
                               ctx->map->entries.basis);

    return &cm_frag_slots[hash & (CM_FRAG_SLOTS - 1)];
}

static bool
cm_frag_same_key(const struct cm_frag_rec *a, const struct cm_frag_rec *b)
{
    return !memcmp(a, b, offsetof(struct cm_frag_rec, src_port));
}

void
cm_frag_record(struct cm_ctx *ctx, const struct container_map_pkt *pkt,
               bool egress)
{
    uint64_t words[CM_FRAG_WORDS];
    struct cm_frag_slot *slot;
    struct cm_frag_rec rec;
    uint64_t seq;

    cm_frag_rec_init(&rec, ctx->table_id, pkt, egress);
    rec.src_port = pkt->src_port;
    rec.dst_port = pkt->dst_port;
    rec.expires = cm_now(ctx) + CM_FRAG_FOLLOW_MS;
    memcpy(words, &rec, sizeof words);

    slot = cm_frag_slot(ctx, &rec);
    atomic_read_relaxed(&slot->seq, &seq);
    if (seq & 1 || !atomic_compare_exchange_strong(&slot->seq, &seq,
                                                   seq + 1)) {
        return;                 /* Another thread is writing it. */
    }
    /* The odd sequence number before any of the words. */
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < CM_FRAG_WORDS; i++) {
        atomic_store_relaxed(&slot->words[i], words[i]);
    }
    atomic_store_explicit(&slot->seq, seq + 2, memory_order_release);
    atomic_add_relaxed(&cm_frag_gen, 1, &seq);
}

bool
cm_frag_follow(struct cm_ctx *ctx, struct container_map_pkt *pkt,
               bool egress)
{
    uint64_t words[CM_FRAG_WORDS];
    struct cm_frag_rec key, rec;
    struct cm_frag_slot *slot;
    uint64_t seq, seq2;

    cm_frag_rec_init(&key, ctx->table_id, pkt, egress);
    slot = cm_frag_slot(ctx, &key);
    atomic_read_explicit(&slot->seq, &seq, memory_order_acquire);
    if (seq & 1) {
        return false;
    }
    for (size_t i = 0; i < CM_FRAG_WORDS; i++) {
        atomic_read_relaxed(&slot->words[i], &words[i]);
    }
    atomic_thread_fence(memory_order_acquire);
    atomic_read_relaxed(&slot->seq, &seq2);
    if (seq != seq2) {
        return false;
    }
    memcpy(&rec, words, sizeof rec);
    if (!cm_frag_same_key(&rec, &key) || rec.expires <= cm_now(ctx)) {
        return false;
    }
    pkt->kind = CONTAINER_MAP_PKT_L4;
    pkt->src_port = rec.src_port;
    pkt->dst_port = rec.dst_port;
    return true;
}

/* Holding. */

struct cm_frag_held {
    struct dp_packet *packet;
    struct container_map_pkt pkt;   /* A later fragment's. */
    uint32_t table_id;
    bool egress;
    odp_port_t in_port;
    long long int deadline;         /* msec. */
};

struct cm_frag_hold {
    size_t n;
    bool registered;                /* With 'cm_frag_hold_key'. */
    uint64_t seen_gen;              /* 'cm_frag_gen' when last looked... */
    long long int next_deadline;    /* ...and the first deadline then. */
    struct cm_frag_held held[CM_FRAG_HOLD];
};

DEFINE_STATIC_PER_THREAD_DATA(struct cm_frag_hold, cm_frag_hold, { .n = 0 });

/* Frees what a thread held when it exits (a PMD thread stopped by a
 * reconfiguration). */
static ovsthread_key_t cm_frag_hold_key;

static void
cm_frag_hold_destroy(void *hold_)
{
    struct cm_frag_hold *hold = hold_;

    for (size_t i = 0; i < hold->n; i++) {
        dp_packet_delete(hold->held[i].packet);
    }
    hold->n = 0;
}

bool
cm_frag_hold(struct cm_ctx *ctx, struct dp_packet *packet,
             const struct container_map_pkt *pkt, bool egress)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    struct cm_frag_hold *hold = cm_frag_hold_get();
    struct cm_frag_held *h;

    if (!ctx->steal || hold->n >= CM_FRAG_HOLD) {
        return false;
    }
    if (OVS_UNLIKELY(!hold->registered)) {
        if (ovsthread_once_start(&once)) {
            ovsthread_key_create(&cm_frag_hold_key, cm_frag_hold_destroy);
            ovsthread_once_done(&once);
        }
        ovsthread_setspecific(cm_frag_hold_key, hold);
        hold->registered = true;
    }
    h = &hold->held[hold->n++];
    h->packet = packet;
    h->pkt = *pkt;
    h->table_id = ctx->table_id;
    h->egress = egress;
    h->in_port = packet->md.in_port.odp_port;
    h->deadline = cm_now(ctx) + CM_FRAG_HOLD_MS;
    if (hold->n == 1 || h->deadline < hold->next_deadline) {
        hold->next_deadline = h->deadline;
    }
    hold->seen_gen = 0;         /* Look at it the next time. */
    cm_count(ctx, CONTAINER_MAP_EV_FRAG_HELD);
    return true;
}

bool
cm_frag_any_held(void)
{
    return cm_frag_hold_get()->n > 0;
}

size_t
cm_frag_take(struct cm_ctx *ctx, bool egress, odp_port_t in_port,
             size_t max, struct dp_packet *packets[],
             struct container_map_pkt pkts[])
{
    struct cm_frag_hold *hold = cm_frag_hold_get();
    long long int next_deadline = LLONG_MAX;
    bool pending = false;
    size_t n_taken = 0;
    size_t n_kept = 0;
    uint64_t gen;

    atomic_read_relaxed(&cm_frag_gen, &gen);
    if (gen == hold->seen_gen && cm_now(ctx) < hold->next_deadline) {
        return 0;               /* Nothing new since the last look. */
    }
    for (size_t i = 0; i < hold->n; i++) {
        struct cm_frag_held *h = &hold->held[i];
        struct container_map_pkt pkt = h->pkt;
        bool mine = (h->table_id == ctx->table_id && h->egress == egress
                     && (!egress || h->in_port == in_port));

        if (cm_frag_follow(ctx, &pkt, h->egress)) {
            if (mine && n_taken < max) {
                packets[n_taken] = h->packet;
                pkts[n_taken++] = pkt;
                continue;
            }
            pending = true;     /* Another action's to take. */
        } else if (h->deadline <= cm_now(ctx)) {
            container_map_count(ctx->map, h->table_id,
                                CONTAINER_MAP_DROP_FRAG_UNFOLLOWED, 1);
            dp_packet_delete(h->packet);
            continue;
        }
        next_deadline = MIN(next_deadline, h->deadline);
        hold->held[n_kept++] = *h;
    }
    hold->n = n_kept;
    hold->seen_gen = pending ? 0 : gen;
    hold->next_deadline = next_deadline;
    return n_taken;
}

void
cm_frag_reset(void)
{
    struct cm_frag_hold *hold = cm_frag_hold_get();

    for (size_t i = 0; i < hold->n; i++) {
        container_map_count(container_map_global(), hold->held[i].table_id,
                            CONTAINER_MAP_DROP_FRAG_UNFOLLOWED, 1);
        dp_packet_delete(hold->held[i].packet);
    }
    hold->n = 0;
    hold->seen_gen = 0;
    for (size_t i = 0; i < CM_FRAG_SLOTS; i++) {
        for (size_t j = 0; j < CM_FRAG_WORDS; j++) {
            atomic_store_relaxed(&cm_frag_slots[i].words[j], 0);
        }
    }
}
