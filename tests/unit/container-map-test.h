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

/* What the cmocka unit tests of lib/ share: cmocka itself, test MACs and a
 * table's teardown.  The helpers are static inline, so that a program need
 * not use them all.  The tests of one family share more:
 * container-map-test-table.h (the mapping table). */

#ifndef CONTAINER_MAP_TEST_H
#define CONTAINER_MAP_TEST_H 1

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "container-map-private.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "util.h"

/* Returns the locally administered MAC 02:00:00:xx:yy:zz for 'n' = xxyyzz. */
static inline struct eth_addr
mac_n(unsigned int n)
{
    struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 00, 00);

    mac.ea[3] = n >> 16;
    mac.ea[4] = n >> 8;
    mac.ea[5] = n;
    return mac;
}

/* The number of backends of all tables. */
static inline size_t
n_backends(const struct container_map *t)
{
    return hmap_count(&t->backends.map);
}

/* Destroys 't' and lets the postponed frees run. */
static inline void
destroy_table(struct container_map *t)
{
    container_map_destroy(t);
    ovsrcu_quiesce();
}

#endif /* container-map-test.h */
