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

/* The container map's per-table counters (container-map-stats.h), each with
 * a coverage counter of its name. */

#include <config.h>

#include "container-map-private.h"

#include "coverage.h"
#include "util.h"

#define CM_COUNTER(ENUM, NAME) COVERAGE_DEFINE(container_map_##NAME);
CONTAINER_MAP_DROPS
CONTAINER_MAP_EVENTS
#undef CM_COUNTER

const char *
container_map_counter_name(enum container_map_counter c)
{
    switch (c) {
#define CM_COUNTER(ENUM, NAME) case CONTAINER_MAP_##ENUM: return #NAME;
    CONTAINER_MAP_DROPS
    CONTAINER_MAP_EVENTS
#undef CM_COUNTER
    case CONTAINER_MAP_N_COUNTERS:
    default:
        return "unknown";
    }
}

static void
coverage_add(enum container_map_counter c, unsigned long long n)
{
    switch (c) {
#define CM_COUNTER(ENUM, NAME)                  \
    case CONTAINER_MAP_##ENUM:                  \
        COVERAGE_ADD(container_map_##NAME, n);  \
        break;
    CONTAINER_MAP_DROPS
    CONTAINER_MAP_EVENTS
#undef CM_COUNTER
    case CONTAINER_MAP_N_COUNTERS:
    default:
        break;
    }
}

void
container_map_count(struct container_map *cm, uint32_t table_id,
                    enum container_map_counter c, unsigned long long n)
{
    unsigned long long orig;

    if (table_id < CONTAINER_MAP_MAX_TABLES && c < CONTAINER_MAP_N_COUNTERS) {
        atomic_add_relaxed(&cm->counters[table_id][c], n, &orig);
        coverage_add(c, n);
    }
}

unsigned long long
container_map_get_counter(const struct container_map *cm_, uint32_t table_id,
                          enum container_map_counter c)
{
    struct container_map *cm = CONST_CAST(struct container_map *, cm_);
    unsigned long long n = 0;

    if (table_id < CONTAINER_MAP_MAX_TABLES && c < CONTAINER_MAP_N_COUNTERS) {
        atomic_read_relaxed(&cm->counters[table_id][c], &n);
    }
    return n;
}

void
container_map_clear_counters(struct container_map *cm, uint32_t table_id)
{
    for (uint32_t t = 0; t < CONTAINER_MAP_MAX_TABLES; t++) {
        if (table_id == UINT32_MAX || t == table_id) {
            for (size_t j = 0; j < CONTAINER_MAP_N_COUNTERS; j++) {
                atomic_store_relaxed(&cm->counters[t][j], 0);
            }
        }
    }
}
