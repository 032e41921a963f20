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

/* Helpers of the unit tests of the mapping table (lib/container-map.c and
 * its stores): test-container-map-mapping.c, test-container-map-backend.c
 * and test-container-map-table.c.  Keys, lookups, adds, and a fingerprint
 * of a whole table to show that a change was refused. */

#ifndef CONTAINER_MAP_TEST_TABLE_H
#define CONTAINER_MAP_TEST_TABLE_H 1

#include <string.h>

#include "container-map-test.h"
#include "flow.h"
#include "hash.h"

/* 203.0.113.10, the IPv4 address most tests use. */
#define TEST_IP4 0xcb00710a

/* Initializes 'key' for the IPv4 address 'ip' (host byte order). */
static inline void
key4(struct container_map_key *key, uint32_t table_id, uint32_t ip,
     uint8_t proto, uint16_t port)
{
    struct in6_addr ip6;

    in6_addr_set_mapped_ipv4(&ip6, htonl(ip));
    container_map_key_init(key, table_id, &ip6, proto, htons(port));
}

/* Initializes 'key' for the textual IPv6 address 'ip'. */
static inline void
key6(struct container_map_key *key, uint32_t table_id, const char *ip,
     uint8_t proto, uint16_t port)
{
    struct in6_addr ip6;

    assert_true(ipv6_parse(ip, &ip6));
    container_map_key_init(key, table_id, &ip6, proto, htons(port));
}

static inline const struct container_map_entry *
lookup(const struct container_map *t, const struct container_map_key *key)
{
    return container_map_entries_lookup(
        &t->entries, key, container_map_key_hash(t->entries.basis, key));
}

/* Adds backend 'mac' at 'ofport' (not a flow-based tunnel) to 'key'. */
static inline int
try_add(struct container_map *t, const struct container_map_key *key,
        struct eth_addr mac, ofp_port_t ofport,
        enum container_map_add_result *result)
{
    struct container_map_mapping m = {
        .key = *key,
        .backend = { .mac = mac, .ofport = ofport, .tun_dst = in6addr_any },
    };
    struct container_map_conflict conflict;

    return container_map_add(t, &m, result, &conflict);
}

/* Adds 'mac' at 'ofport' to 'key', asserts success, returns the outcome. */
static inline enum container_map_add_result
add_ok(struct container_map *t, const struct container_map_key *key,
       struct eth_addr mac, uint16_t ofport)
{
    enum container_map_add_result result;

    assert_int_equal(try_add(t, key, mac, u16_to_ofp(ofport), &result), 0);
    return result;
}

/* Asserts that backend 'i' of 'e' is 'mac' at 'ofport'. */
static inline void
assert_backend(const struct container_map_entry *e, uint32_t i,
               struct eth_addr mac, uint16_t ofport)
{
    assert_non_null(e);
    assert_true(i < e->n_backends);
    assert_true(eth_addr_equals(e->backends[i]->mac, mac));
    assert_int_equal(ofp_to_u16(e->backends[i]->ofport), ofport);
    assert_int_equal(e->backends[i]->table_id, e->key.table_id);
}

/* A fingerprint of everything a reader can see in a table: every entry
 * (its address, key, counters and backends) and the number of backends.
 * Any add, delete or replacement changes it. */
struct table_digest {
    size_t n_entries;
    size_t n_backends;
    uint64_t sum;
};

static inline void
digest_entry(const struct container_map_entry *e, void *digest_)
{
    struct table_digest *digest = digest_;
    uint32_t h = hash_bytes(&e->key, sizeof e->key, 0);

    h = hash_pointer(e, h);
    h = hash_pointer(e->stats, h);
    h = hash_int(e->n_backends, h);
    for (uint32_t i = 0; i < e->n_backends; i++) {
        const struct container_map_backend *b = e->backends[i];

        h = hash_pointer(b, h);
        h = hash_bytes(&b->mac, sizeof b->mac, h);
        h = hash_int(ofp_to_u16(b->ofport), h);
    }
    digest->sum += h;
    digest->n_entries++;
}

static inline void
get_digest(const struct container_map *t, struct table_digest *digest)
{
    const struct container_map_entry *e;

    memset(digest, 0, sizeof *digest);
    CMAP_FOR_EACH (e, node, &t->entries.map) {
        digest_entry(e, digest);
    }
    digest->n_backends = n_backends(t);
    assert_int_equal(digest->n_entries,
                     container_map_count_mappings(t, UINT32_MAX));
}

static inline void
assert_unchanged(const struct container_map *t,
                 const struct table_digest *before)
{
    struct table_digest after;

    get_digest(t, &after);
    assert_int_equal(after.n_entries, before->n_entries);
    assert_int_equal(after.n_backends, before->n_backends);
    assert_int_equal(after.sum, before->sum);
}

#endif /* container-map-test-table.h */
