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

/* The coordinator's side of the connection table (container-map-conn.h):
 * its settings, and the sweeps and flushes that go over the whole table in
 * slices, like conntrack's budgeted clean.  A slice finds its connections
 * without the mutex (they are RCU-protected), then takes the mutex once to
 * remove them, after checking that each is still there and still due: the
 * mutex is never held across the table, so PMD threads that insert
 * connections meanwhile never wait long. */

#include <config.h>

#include "container-map-store.h"

#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_sweep);

/* Connections one slice removes at most. */
#define SLICE 256

struct expired_aux {
    const struct container_map_conns *conns;
    long long int now;
};

static bool
is_expired(const struct container_map_conn *conn, const void *aux_)
{
    const struct expired_aux *aux = aux_;

    return aux->now >= container_map_conn_expiry(aux->conns, conn);
}

/* Removes, one slice at a time, the connections that 'match'.  Returns how
 * many. */
static size_t
remove_in_slices(struct container_map *cm,
                 bool (*match)(const struct container_map_conn *,
                               const void *aux),
                 const void *aux)
{
    struct container_map_conn *found[SLICE];
    size_t pos = 0, n = 0;

    do {
        size_t n_found = container_map_conns_find(&cm->conns, match, aux,
                                                  &pos, found, SLICE);

        if (n_found) {
            ovs_mutex_lock(&cm->mutex);
            for (size_t i = 0; i < n_found; i++) {
                if (!found[i]->removed && match(found[i], aux)) {
                    container_map_conns_remove(&cm->conns, found[i]);
                    n++;
                }
            }
            ovs_mutex_unlock(&cm->mutex);
        }
    } while (pos);
    return n;
}

size_t
container_map_conn_sweep(struct container_map *cm, long long int now)
{
    struct expired_aux aux = { .conns = &cm->conns, .now = now };

    return remove_in_slices(cm, is_expired, &aux);
}

size_t
container_map_conn_flush(struct container_map *cm, uint32_t table_id)
{
    return remove_in_slices(cm, container_map_conn_in_table, &table_id);
}

size_t
container_map_conn_count(const struct container_map *cm, uint32_t table_id)
{
    return container_map_conns_count(&cm->conns, table_id);
}

/* Settings. */

void
container_map_conn_get_settings(const struct container_map *cm_,
                                struct container_map_conn_settings *s)
{
    struct container_map *cm = CONST_CAST(struct container_map *, cm_);

    ovs_mutex_lock(&cm->mutex);
    *s = cm->conns.settings;
    ovs_mutex_unlock(&cm->mutex);
}

/* Serializes resizes, each of which waits out the readers of the heads
 * before the current ones (PMD threads never take it). */
static struct ovs_mutex resize_mutex = OVS_MUTEX_INITIALIZER;

void
container_map_conn_set_settings(struct container_map *cm,
                                const struct container_map_conn_settings *s)
{
    struct container_map_conn_settings old;

    ovs_mutex_lock(&resize_mutex);
    container_map_conn_get_settings(cm, &old);
    if (old.max_conns != s->max_conns) {
        /* The resize before this one left readers on its old heads. */
        ovsrcu_synchronize();
    }
    ovs_mutex_lock(&cm->mutex);
    container_map_conns_set_settings(&cm->conns, s);
    if (old.max_conns != s->max_conns) {
        container_map_conns_resize(&cm->conns, s->max_conns);
    }
    ovs_mutex_unlock(&cm->mutex);
    ovs_mutex_unlock(&resize_mutex);
}

/* The sweeper. */

static unsigned long long
count_conn_full(const struct container_map *cm)
{
    unsigned long long n = 0;

    for (uint32_t t = 0; t < CONTAINER_MAP_MAX_TABLES; t++) {
        n += container_map_get_counter(cm, t, CONTAINER_MAP_EV_CONN_FULL);
    }
    return n;
}

/* The sweeper thread: about once a second of OVS time ("time/warp" moves
 * it in tests, so it looks every 100 ms of real time), removes expired
 * connections and reports a full table. */
static void *
sweeper_main(void *cm_)
{
    struct container_map *cm = cm_;
    unsigned long long reported_full = 0;
    long long int next = 0;

    while (!latch_is_set(&cm->sweeper_exit)) {
        long long int now = time_msec();

        if (now >= next) {
            unsigned long long n_full;

            container_map_conn_sweep(cm, now);
            n_full = count_conn_full(cm);
            if (n_full > reported_full) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                struct container_map_conn_settings settings;

                container_map_conn_get_settings(cm, &settings);
                VLOG_WARN_RL(&rl, "connection table full (%u entries): %llu "
                             "new connections not recorded since the last "
                             "report (see container-map/conn-set max=N)",
                             settings.max_conns, n_full - reported_full);
            }
            reported_full = n_full;
            next = now + 1000;
        }
        xnanosleep(100 * 1000 * 1000);
    }
    return NULL;
}

void
container_map_conn_start_sweeper(struct container_map *cm)
{
    if (!cm->has_sweeper) {
        cm->has_sweeper = true;
        latch_init(&cm->sweeper_exit);
        cm->sweeper = ovs_thread_create("cm_sweeper", sweeper_main, cm);
    }
}
