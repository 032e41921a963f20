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

/* cmocka unit tests of the container map's mappings, backends and counters
 * (lib/container-map.c and its stores). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "container-map-private.h"
#include "container-map-dp-private.h"
#include "container-map-odp.h"
#include "flow.h"
#include "hash.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "random.h"
#include "timeval.h"
#include "util.h"

/* 203.0.113.10, the IPv4 address most tests use. */
#define TEST_IP4 0xcb00710a

/* Helpers. */

/* Returns the locally administered MAC 02:00:00:xx:yy:zz for 'n' = xxyyzz. */
static struct eth_addr
mac_n(unsigned int n)
{
    struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 00, 00);

    mac.ea[3] = n >> 16;
    mac.ea[4] = n >> 8;
    mac.ea[5] = n;
    return mac;
}

/* Initializes 'key' for the IPv4 address 'ip' (host byte order). */
static void
key4(struct container_map_key *key, uint32_t table_id, uint32_t ip,
     uint8_t proto, uint16_t port)
{
    struct in6_addr ip6;

    in6_addr_set_mapped_ipv4(&ip6, htonl(ip));
    container_map_key_init(key, table_id, &ip6, proto, htons(port));
}

/* Initializes 'key' for the textual IPv6 address 'ip'. */
static void
key6(struct container_map_key *key, uint32_t table_id, const char *ip,
     uint8_t proto, uint16_t port)
{
    struct in6_addr ip6;

    assert_true(ipv6_parse(ip, &ip6));
    container_map_key_init(key, table_id, &ip6, proto, htons(port));
}

static const struct container_map_entry *
lookup(const struct container_map *t, const struct container_map_key *key)
{
    return container_map_entries_lookup(
        &t->entries, key, container_map_key_hash(t->entries.basis, key));
}

/* Adds backend 'mac' at 'ofport' (not a flow-based tunnel) to 'key'. */
static int
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
static enum container_map_add_result
add_ok(struct container_map *t, const struct container_map_key *key,
       struct eth_addr mac, uint16_t ofport)
{
    enum container_map_add_result result;

    assert_int_equal(try_add(t, key, mac, u16_to_ofp(ofport), &result), 0);
    return result;
}

/* The number of backends of all tables. */
static size_t
n_backends(const struct container_map *t)
{
    return hmap_count(&t->backends.map);
}

/* Asserts that backend 'i' of 'e' is 'mac' at 'ofport'. */
static void
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

static void
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

static void
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

static void
assert_unchanged(const struct container_map *t,
                 const struct table_digest *before)
{
    struct table_digest after;

    get_digest(t, &after);
    assert_int_equal(after.n_entries, before->n_entries);
    assert_int_equal(after.n_backends, before->n_backends);
    assert_int_equal(after.sum, before->sum);
}

/* Destroys 't' and lets the postponed frees run. */
static void
destroy_table(struct container_map *t)
{
    container_map_destroy(t);
    ovsrcu_quiesce();
}

/* Tests. */

static void
test_add_lookup(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    const struct container_map_entry *e;
    struct container_map_key k, other;
    unsigned long long n_packets, n_bytes;

    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 0);
    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    assert_null(lookup(t, &k));

    assert_int_equal(add_ok(t, &k, mac_n(1), 2), CONTAINER_MAP_ADDED_ENTRY);
    e = lookup(t, &k);
    assert_non_null(e);
    assert_memory_equal(&e->key, &k, sizeof k);
    assert_int_equal(e->n_backends, 1);
    assert_backend(e, 0, mac_n(1), 2);
    assert_int_equal(container_map_count_mappings(t, 1), 1);
    assert_int_equal(container_map_count_mappings(t, 2), 0);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 1);
    assert_int_equal(n_backends(t), 1);
    assert_non_null(e->stats);
    container_map_counters_get(e->stats, &n_packets, &n_bytes);
    assert_int_equal(n_packets, 0);
    assert_int_equal(n_bytes, 0);

    /* A separately built identical key finds the same entry. */
    key4(&other, 1, TEST_IP4, IPPROTO_TCP, 80);
    assert_ptr_equal(lookup(t, &other), e);

    /* Any differing field misses. */
    key4(&other, 1, TEST_IP4, IPPROTO_TCP, 81);
    assert_null(lookup(t, &other));
    key4(&other, 1, TEST_IP4, IPPROTO_UDP, 80);
    assert_null(lookup(t, &other));
    key4(&other, 1, TEST_IP4, IPPROTO_SCTP, 80);
    assert_null(lookup(t, &other));
    key4(&other, 1, TEST_IP4 + 1, IPPROTO_TCP, 80);
    assert_null(lookup(t, &other));
    key4(&other, 2, TEST_IP4, IPPROTO_TCP, 80);
    assert_null(lookup(t, &other));
    key4(&other, 0, TEST_IP4, IPPROTO_TCP, 80);
    assert_null(lookup(t, &other));

    destroy_table(t);
}

static void
test_add_backends(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    const struct container_map_entry *e1, *e2, *e3;
    struct container_map_backend *b0, *b1, *b2;
    struct table_digest digest;
    struct container_map_key k;

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    assert_int_equal(add_ok(t, &k, mac_n(1), 2), CONTAINER_MAP_ADDED_ENTRY);
    assert_int_equal(add_ok(t, &k, mac_n(2), 3), CONTAINER_MAP_ADDED_BACKEND);
    assert_int_equal(add_ok(t, &k, mac_n(3), 4), CONTAINER_MAP_ADDED_BACKEND);

    /* Backends are kept in the order they were added. */
    e1 = lookup(t, &k);
    assert_int_equal(e1->n_backends, 3);
    assert_backend(e1, 0, mac_n(1), 2);
    assert_backend(e1, 1, mac_n(2), 3);
    assert_backend(e1, 2, mac_n(3), 4);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 1);
    assert_int_equal(n_backends(t), 3);
    b0 = e1->backends[0];
    b1 = e1->backends[1];
    b2 = e1->backends[2];

    /* Re-adding an existing MAC at the same port changes nothing, not even
     * the entry's address. */
    get_digest(t, &digest);
    assert_int_equal(add_ok(t, &k, mac_n(2), 3), CONTAINER_MAP_UNCHANGED);
    assert_int_equal(add_ok(t, &k, mac_n(1), 2), CONTAINER_MAP_UNCHANGED);
    assert_ptr_equal(lookup(t, &k), e1);
    assert_unchanged(t, &digest);

    /* Moving the middle MAC to another port updates it in place: same
     * position, the other backends are the very same objects. */
    assert_int_equal(add_ok(t, &k, mac_n(2), 7),
                     CONTAINER_MAP_UPDATED_BACKEND);
    e2 = lookup(t, &k);
    assert_ptr_not_equal(e2, e1);
    assert_int_equal(e2->n_backends, 3);
    assert_ptr_equal(e2->backends[0], b0);
    assert_backend(e2, 1, mac_n(2), 7);
    assert_ptr_not_equal(e2->backends[1], b1);
    assert_ptr_equal(e2->backends[2], b2);
    /* The backend at the old port is no longer used by anything. */
    assert_int_equal(n_backends(t), 3);

    /* Same for the first one. */
    assert_int_equal(add_ok(t, &k, mac_n(1), 9),
                     CONTAINER_MAP_UPDATED_BACKEND);
    e3 = lookup(t, &k);
    assert_int_equal(e3->n_backends, 3);
    assert_backend(e3, 0, mac_n(1), 9);
    assert_backend(e3, 1, mac_n(2), 7);
    assert_backend(e3, 2, mac_n(3), 4);
    assert_ptr_equal(e3->backends[1], e2->backends[1]);
    assert_ptr_equal(e3->backends[2], b2);
    assert_int_equal(n_backends(t), 3);

    /* A new MAC goes to the end. */
    assert_int_equal(add_ok(t, &k, mac_n(4), 2), CONTAINER_MAP_ADDED_BACKEND);
    e3 = lookup(t, &k);
    assert_int_equal(e3->n_backends, 4);
    assert_backend(e3, 0, mac_n(1), 9);
    assert_backend(e3, 3, mac_n(4), 2);
    assert_int_equal(n_backends(t), 4);

    destroy_table(t);
}

static void
test_invalid_keys(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    enum container_map_add_result result;
    struct container_map_key good, bad;
    struct table_digest digest;

    key4(&good, 1, TEST_IP4, IPPROTO_TCP, 80);
    add_ok(t, &good, mac_n(1), 2);
    get_digest(t, &digest);

    /* Port 0. */
    key4(&bad, 1, TEST_IP4, IPPROTO_TCP, 0);
    assert_int_equal(try_add(t, &bad, mac_n(1), u16_to_ofp(2), &result),
                     EINVAL);
    assert_null(lookup(t, &bad));
    assert_unchanged(t, &digest);

    /* Protocols other than TCP, UDP and SCTP. */
    key4(&bad, 1, TEST_IP4, IPPROTO_ICMP, 80);
    assert_int_equal(try_add(t, &bad, mac_n(1), u16_to_ofp(2), &result),
                     EINVAL);
    assert_null(lookup(t, &bad));
    key4(&bad, 1, TEST_IP4, 0, 80);
    assert_int_equal(try_add(t, &bad, mac_n(1), u16_to_ofp(2), &result),
                     EINVAL);
    assert_unchanged(t, &digest);

    /* Table numbers out of range. */
    key4(&bad, CONTAINER_MAP_MAX_TABLES, TEST_IP4, IPPROTO_TCP, 80);
    assert_int_equal(try_add(t, &bad, mac_n(1), u16_to_ofp(2), &result),
                     EINVAL);
    assert_null(lookup(t, &bad));
    key4(&bad, UINT32_MAX, TEST_IP4, IPPROTO_TCP, 80);
    assert_int_equal(try_add(t, &bad, mac_n(1), u16_to_ofp(2), &result),
                     EINVAL);
    assert_unchanged(t, &digest);

    /* Nonzero padding (keys compare by memcmp). */
    key4(&bad, 1, TEST_IP4, IPPROTO_TCP, 81);
    bad.pad = 1;
    assert_int_equal(try_add(t, &bad, mac_n(1), u16_to_ofp(2), &result),
                     EINVAL);
    assert_unchanged(t, &digest);

    /* An invalid key never reaches an existing entry either. */
    bad = good;
    bad.pad = 1;
    assert_int_equal(try_add(t, &bad, mac_n(5), u16_to_ofp(2), &result),
                     EINVAL);
    assert_unchanged(t, &digest);
    assert_int_equal(lookup(t, &good)->n_backends, 1);

    /* The edges of the valid ranges are accepted. */
    key4(&bad, CONTAINER_MAP_MAX_TABLES - 1, TEST_IP4, IPPROTO_UDP, 65535);
    assert_int_equal(add_ok(t, &bad, mac_n(1), 2), CONTAINER_MAP_ADDED_ENTRY);
    key4(&bad, 0, TEST_IP4, IPPROTO_SCTP, 1);
    assert_int_equal(add_ok(t, &bad, mac_n(1), 2), CONTAINER_MAP_ADDED_ENTRY);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 3);

    destroy_table(t);
}

static void
test_too_many_backends(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    enum container_map_add_result result;
    const struct container_map_entry *e;
    struct table_digest digest;
    struct container_map_key k;
    struct eth_addr mac;

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    for (unsigned int i = 0; i < CONTAINER_MAP_MAX_BACKENDS; i++) {
        assert_int_equal(add_ok(t, &k, mac_n(100 + i), 2),
                         i ? CONTAINER_MAP_ADDED_BACKEND
                           : CONTAINER_MAP_ADDED_ENTRY);
    }
    e = lookup(t, &k);
    assert_int_equal(e->n_backends, CONTAINER_MAP_MAX_BACKENDS);
    for (unsigned int i = 0; i < CONTAINER_MAP_MAX_BACKENDS; i++) {
        assert_backend(e, i, mac_n(100 + i), 2);
    }

    /* The 65th distinct MAC is refused and nothing changes. */
    get_digest(t, &digest);
    assert_int_equal(try_add(t, &k, mac_n(1), u16_to_ofp(2), &result),
                     E2BIG);
    assert_ptr_equal(lookup(t, &k), e);
    assert_unchanged(t, &digest);
    assert_int_equal(n_backends(t), CONTAINER_MAP_MAX_BACKENDS);

    /* A full key still accepts existing MACs, including a move. */
    assert_int_equal(add_ok(t, &k, mac_n(100), 2), CONTAINER_MAP_UNCHANGED);
    assert_int_equal(add_ok(t, &k, mac_n(163), 5),
                     CONTAINER_MAP_UPDATED_BACKEND);
    e = lookup(t, &k);
    assert_int_equal(e->n_backends, CONTAINER_MAP_MAX_BACKENDS);
    assert_backend(e, CONTAINER_MAP_MAX_BACKENDS - 1, mac_n(163), 5);

    /* After one is deleted there is room again. */
    mac = mac_n(130);
    assert_int_equal(container_map_del(t, &k, &mac), 0);
    assert_int_equal(add_ok(t, &k, mac_n(1), 2), CONTAINER_MAP_ADDED_BACKEND);
    e = lookup(t, &k);
    assert_int_equal(e->n_backends, CONTAINER_MAP_MAX_BACKENDS);
    assert_backend(e, CONTAINER_MAP_MAX_BACKENDS - 1, mac_n(1), 2);

    destroy_table(t);
}

static void
test_del(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key k, k2, missing;
    const struct container_map_entry *e;
    struct container_map_backend *b1, *b3;
    struct table_digest digest;
    struct eth_addr mac;

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    key4(&k2, 1, TEST_IP4, IPPROTO_TCP, 443);
    add_ok(t, &k, mac_n(1), 2);
    add_ok(t, &k, mac_n(2), 3);
    add_ok(t, &k, mac_n(3), 4);
    add_ok(t, &k2, mac_n(1), 2);
    e = lookup(t, &k);
    b1 = e->backends[0];
    b3 = e->backends[2];
    assert_int_equal(n_backends(t), 3);

    /* Missing key: ENOENT, with or without a MAC. */
    get_digest(t, &digest);
    key4(&missing, 1, TEST_IP4, IPPROTO_UDP, 80);
    mac = mac_n(1);
    assert_int_equal(container_map_del(t, &missing, &mac), ENOENT);
    assert_int_equal(container_map_del(t, &missing, NULL), ENOENT);
    assert_unchanged(t, &digest);

    /* Missing MAC of an existing key: ENOENT, the entry is untouched. */
    mac = mac_n(4);
    assert_int_equal(container_map_del(t, &k, &mac), ENOENT);
    assert_ptr_equal(lookup(t, &k), e);
    assert_unchanged(t, &digest);

    /* Delete the middle backend: the others keep their order. */
    mac = mac_n(2);
    assert_int_equal(container_map_del(t, &k, &mac), 0);
    e = lookup(t, &k);
    assert_int_equal(e->n_backends, 2);
    assert_ptr_equal(e->backends[0], b1);
    assert_ptr_equal(e->backends[1], b3);
    assert_backend(e, 0, mac_n(1), 2);
    assert_backend(e, 1, mac_n(3), 4);
    assert_int_equal(n_backends(t), 2);

    /* Deleting it again fails. */
    get_digest(t, &digest);
    assert_int_equal(container_map_del(t, &k, &mac), ENOENT);
    assert_unchanged(t, &digest);

    /* Delete the first backend: k2, which shares it, keeps it. */
    mac = mac_n(1);
    assert_int_equal(container_map_del(t, &k, &mac), 0);
    e = lookup(t, &k);
    assert_int_equal(e->n_backends, 1);
    assert_backend(e, 0, mac_n(3), 4);
    assert_ptr_equal(lookup(t, &k2)->backends[0], b1);
    assert_int_equal(n_backends(t), 2);

    /* Deleting the last backend deletes the key. */
    mac = mac_n(3);
    assert_int_equal(container_map_del(t, &k, &mac), 0);
    assert_null(lookup(t, &k));
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 1);
    assert_int_equal(n_backends(t), 1);
    assert_int_equal(container_map_del(t, &k, NULL), ENOENT);
    assert_int_equal(container_map_del(t, &k, &mac), ENOENT);
    assert_non_null(lookup(t, &k2));

    /* Delete a whole key with several backends. */
    add_ok(t, &k, mac_n(5), 2);
    add_ok(t, &k, mac_n(6), 2);
    assert_int_equal(n_backends(t), 3);
    assert_int_equal(container_map_del(t, &k, NULL), 0);
    assert_null(lookup(t, &k));
    assert_int_equal(n_backends(t), 1);

    /* A deleted key can be added again from scratch. */
    assert_int_equal(add_ok(t, &k, mac_n(7), 2), CONTAINER_MAP_ADDED_ENTRY);
    assert_int_equal(lookup(t, &k)->n_backends, 1);
    assert_backend(lookup(t, &k), 0, mac_n(7), 2);

    assert_int_equal(container_map_del(t, &k, NULL), 0);
    assert_int_equal(container_map_del(t, &k2, NULL), 0);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 0);
    assert_int_equal(n_backends(t), 0);

    destroy_table(t);
}

static void
count_backend(struct container_map_backend *b OVS_UNUSED,
              const struct container_map_backend_view *view OVS_UNUSED,
              void *n_)
{
    size_t *n = n_;

    (*n)++;
}

static size_t
n_backends_of(struct container_map *t, uint32_t table_id)
{
    size_t n = 0;

    container_map_for_each_backend(t, table_id, count_backend, &n);
    return n;
}

static void
test_backend_interning(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key k1, k2, k3, k4;
    struct container_map_backend *shared;

    key4(&k1, 1, TEST_IP4, IPPROTO_TCP, 80);
    key6(&k2, 1, "2001:db8::10", IPPROTO_UDP, 53);
    key4(&k3, 1, TEST_IP4 + 1, IPPROTO_TCP, 80);
    key4(&k4, 2, TEST_IP4, IPPROTO_TCP, 80);

    /* Same [table, MAC, port]: one backend object. */
    add_ok(t, &k1, mac_n(1), 2);
    add_ok(t, &k2, mac_n(1), 2);
    shared = lookup(t, &k1)->backends[0];
    assert_ptr_equal(lookup(t, &k2)->backends[0], shared);
    assert_int_equal(shared->n_refs, 2);
    assert_int_equal(n_backends(t), 1);

    /* Another port, or another table, is another backend. */
    add_ok(t, &k3, mac_n(1), 3);
    assert_ptr_not_equal(lookup(t, &k3)->backends[0], shared);
    assert_int_equal(n_backends(t), 2);
    add_ok(t, &k4, mac_n(1), 2);
    assert_ptr_not_equal(lookup(t, &k4)->backends[0], shared);
    assert_int_equal(lookup(t, &k4)->backends[0]->table_id, 2);
    assert_int_equal(n_backends(t), 3);
    assert_int_equal(n_backends_of(t, 1), 2);
    assert_int_equal(n_backends_of(t, 2), 1);
    assert_int_equal(n_backends_of(t, 3), 0);
    assert_int_equal(n_backends_of(t, UINT32_MAX), 3);

    /* A second MAC on a key shares too, and a replacement keeps the refs
     * right. */
    add_ok(t, &k1, mac_n(2), 2);
    add_ok(t, &k2, mac_n(2), 2);
    assert_ptr_equal(lookup(t, &k1)->backends[1],
                     lookup(t, &k2)->backends[1]);
    assert_ptr_equal(lookup(t, &k1)->backends[0], shared);
    assert_int_equal(shared->n_refs, 2);
    assert_int_equal(n_backends(t), 4);

    /* Deleting one user keeps the backend for the other. */
    assert_int_equal(container_map_del(t, &k1, NULL), 0);
    assert_ptr_equal(lookup(t, &k2)->backends[0], shared);
    assert_int_equal(shared->n_refs, 1);
    assert_int_equal(n_backends(t), 4);

    /* Moving k2's MAC to port 3 makes it share k3's backend and drops the
     * now unused [1, mac 1, port 2]. */
    assert_int_equal(add_ok(t, &k2, mac_n(1), 3),
                     CONTAINER_MAP_UPDATED_BACKEND);
    assert_ptr_equal(lookup(t, &k2)->backends[0],
                     lookup(t, &k3)->backends[0]);
    assert_int_equal(lookup(t, &k3)->backends[0]->n_refs, 2);
    assert_int_equal(n_backends(t), 3);

    /* Delete everything: no backend is left (the memory goes later). */
    assert_int_equal(container_map_del(t, &k2, NULL), 0);
    assert_int_equal(n_backends(t), 2);
    assert_int_equal(container_map_del(t, &k3, NULL), 0);
    assert_int_equal(n_backends(t), 1);
    assert_int_equal(container_map_del(t, &k4, NULL), 0);
    assert_int_equal(n_backends(t), 0);
    assert_int_equal(n_backends_of(t, UINT32_MAX), 0);

    destroy_table(t);
}

static void
assert_counters(const struct container_map_entry *e,
                unsigned long long n_packets, unsigned long long n_bytes)
{
    unsigned long long p, b;

    container_map_counters_get(e->stats, &p, &b);
    assert_int_equal(p, n_packets);
    assert_int_equal(b, n_bytes);
}

static void
test_stats_kept(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_counters *stats;
    const struct container_map_entry *e;
    struct container_map_key k, k2;
    struct eth_addr mac;

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    key4(&k2, 1, TEST_IP4, IPPROTO_TCP, 8080);
    add_ok(t, &k, mac_n(1), 2);
    add_ok(t, &k2, mac_n(1), 2);
    e = lookup(t, &k);
    stats = e->stats;
    container_map_counters_add(stats, 3, 300);
    assert_counters(e, 3, 300);
    assert_counters(lookup(t, &k2), 0, 0);

    /* Adding a backend replaces the entry but not its counters. */
    assert_int_equal(add_ok(t, &k, mac_n(2), 3), CONTAINER_MAP_ADDED_BACKEND);
    assert_ptr_not_equal(lookup(t, &k), e);
    e = lookup(t, &k);
    assert_ptr_equal(e->stats, stats);
    assert_counters(e, 3, 300);

    /* Nor does moving a backend. */
    container_map_counters_add(e->stats, 1, 100);
    assert_int_equal(add_ok(t, &k, mac_n(2), 4),
                     CONTAINER_MAP_UPDATED_BACKEND);
    e = lookup(t, &k);
    assert_ptr_equal(e->stats, stats);
    assert_counters(e, 4, 400);

    /* Nor deleting one. */
    mac = mac_n(1);
    assert_int_equal(container_map_del(t, &k, &mac), 0);
    e = lookup(t, &k);
    assert_int_equal(e->n_backends, 1);
    assert_ptr_equal(e->stats, stats);
    assert_counters(e, 4, 400);

    /* The other key's counters were never touched. */
    assert_counters(lookup(t, &k2), 0, 0);

    /* A key deleted and added again starts from zero. */
    assert_int_equal(container_map_del(t, &k, NULL), 0);
    add_ok(t, &k, mac_n(1), 2);
    assert_counters(lookup(t, &k), 0, 0);

    destroy_table(t);
}

static void
test_flush(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key t1[3], t2[2], t5;
    struct table_digest digest;

    for (int i = 0; i < 3; i++) {
        key4(&t1[i], 1, TEST_IP4 + i, IPPROTO_TCP, 80);
        add_ok(t, &t1[i], mac_n(1), 2);
    }
    for (int i = 0; i < 2; i++) {
        key4(&t2[i], 2, TEST_IP4 + i, IPPROTO_TCP, 80);
        add_ok(t, &t2[i], mac_n(1), 2);
    }
    key6(&t5, 5, "2001:db8::1", IPPROTO_UDP, 53);
    add_ok(t, &t5, mac_n(2), 2);
    add_ok(t, &t5, mac_n(3), 2);
    assert_int_equal(container_map_count_mappings(t, 1), 3);
    assert_int_equal(container_map_count_mappings(t, 2), 2);
    assert_int_equal(container_map_count_mappings(t, 5), 1);
    assert_int_equal(n_backends(t), 4);

    /* Flushing a table without entries does nothing. */
    get_digest(t, &digest);
    assert_int_equal(container_map_flush(t, 3), 0);
    assert_unchanged(t, &digest);

    /* Flushing table 1 leaves tables 2 and 5 alone. */
    assert_int_equal(container_map_flush(t, 1), 3);
    for (int i = 0; i < 3; i++) {
        assert_null(lookup(t, &t1[i]));
    }
    for (int i = 0; i < 2; i++) {
        assert_backend(lookup(t, &t2[i]), 0, mac_n(1), 2);
    }
    assert_int_equal(lookup(t, &t5)->n_backends, 2);
    assert_int_equal(container_map_count_mappings(t, 1), 0);
    assert_int_equal(container_map_count_mappings(t, 2), 2);
    assert_int_equal(container_map_count_mappings(t, 5), 1);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 3);
    assert_int_equal(n_backends(t), 3);
    assert_int_equal(container_map_flush(t, 1), 0);

    /* UINT32_MAX flushes everything. */
    assert_int_equal(container_map_flush(t, UINT32_MAX), 3);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 0);
    assert_int_equal(n_backends(t), 0);
    assert_null(lookup(t, &t2[0]));
    assert_null(lookup(t, &t5));
    assert_int_equal(container_map_flush(t, UINT32_MAX), 0);
    ovsrcu_quiesce();

    /* Again with enough entries that the table shrinks while it is being
     * flushed. */
    enum { N = 5000 };
    struct container_map_key k;

    for (int i = 0; i < N; i++) {
        key4(&k, 1, 0x0a000000 + i, IPPROTO_TCP, 80);
        add_ok(t, &k, mac_n(i % 7), 2);
        key4(&k, 2, 0x0a000000 + i, IPPROTO_TCP, 80);
        add_ok(t, &k, mac_n(i % 7), 2);
    }
    assert_int_equal(n_backends(t), 14);
    assert_int_equal(container_map_flush(t, 1), N);
    assert_int_equal(container_map_count_mappings(t, 1), 0);
    assert_int_equal(container_map_count_mappings(t, 2), N);
    assert_int_equal(n_backends(t), 7);
    for (int i = 0; i < N; i++) {
        key4(&k, 1, 0x0a000000 + i, IPPROTO_TCP, 80);
        assert_null(lookup(t, &k));
        key4(&k, 2, 0x0a000000 + i, IPPROTO_TCP, 80);
        assert_backend(lookup(t, &k), 0, mac_n(i % 7), 2);
    }
    assert_int_equal(container_map_flush(t, UINT32_MAX), N);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), 0);
    assert_int_equal(n_backends(t), 0);

    destroy_table(t);
}

static void
test_ipv6_and_mapped(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key keys[5], same;
    struct eth_addr mac;

    /* All of these end in the 32 bits of 203.0.113.10. */
    key4(&keys[0], 1, TEST_IP4, IPPROTO_TCP, 80);
    key6(&keys[1], 1, "2001:db8::cb00:710a", IPPROTO_TCP, 80);
    key6(&keys[2], 1, "::cb00:710a", IPPROTO_TCP, 80);
    key6(&keys[3], 1, "64:ff9b::cb00:710a", IPPROTO_TCP, 80);
    key6(&keys[4], 1, "::ffff:0:cb00:710a", IPPROTO_TCP, 80);
    for (int i = 0; i < ARRAY_SIZE(keys); i++) {
        assert_int_equal(add_ok(t, &keys[i], mac_n(i + 1), 2),
                         CONTAINER_MAP_ADDED_ENTRY);
    }
    assert_int_equal(container_map_count_mappings(t, 1), ARRAY_SIZE(keys));
    for (int i = 0; i < ARRAY_SIZE(keys); i++) {
        const struct container_map_entry *e = lookup(t, &keys[i]);

        assert_non_null(e);
        assert_int_equal(e->n_backends, 1);
        assert_backend(e, 0, mac_n(i + 1), 2);
    }

    /* The mapped address written as IPv6 is the IPv4 key. */
    key6(&same, 1, "::ffff:203.0.113.10", IPPROTO_TCP, 80);
    assert_memory_equal(&same, &keys[0], sizeof same);

    /* So is the fast path's IPv4 shortcut, with the same hash. */
    memset(&same, 0xa5, sizeof same);
    container_map_key_init_ipv4(&same, 1, htonl(TEST_IP4), IPPROTO_TCP,
                                htons(80));
    assert_memory_equal(&same, &keys[0], sizeof same);
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t table_id = i % CONTAINER_MAP_MAX_TABLES;
        ovs_be32 ip = htonl(random_uint32());
        uint8_t proto = i % 3 ? IPPROTO_TCP : IPPROTO_UDP;
        ovs_be16 port = htons(1 + i * 7);
        struct container_map_key k, k4;

        container_map_key_init_ipv4(&k4, table_id, ip, proto, port);
        key4(&k, table_id, ntohl(ip), proto, ntohs(port));
        assert_memory_equal(&k4, &k, sizeof k);
        assert_int_equal(container_map_key_hash_ipv4(t->entries.basis,
                                                     table_id, ip, proto,
                                                     port),
                         container_map_key_hash(t->entries.basis, &k));
    }
    assert_int_equal(add_ok(t, &same, mac_n(1), 2), CONTAINER_MAP_UNCHANGED);

    /* Deleting the IPv4 key leaves the IPv6 ones, and vice versa. */
    assert_int_equal(container_map_del(t, &keys[0], NULL), 0);
    assert_null(lookup(t, &keys[0]));
    for (int i = 1; i < ARRAY_SIZE(keys); i++) {
        assert_backend(lookup(t, &keys[i]), 0, mac_n(i + 1), 2);
    }
    add_ok(t, &keys[0], mac_n(1), 2);
    mac = mac_n(2);
    assert_int_equal(container_map_del(t, &keys[1], &mac), 0);
    assert_null(lookup(t, &keys[1]));
    assert_backend(lookup(t, &keys[0]), 0, mac_n(1), 2);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX),
                     ARRAY_SIZE(keys) - 1);

    destroy_table(t);
}

static void
many_key(struct container_map_key *key, int i)
{
    key4(key, 7, 0x0a000000 + (i % 4096), IPPROTO_TCP, 1 + i / 4096);
}

static void
test_many(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key k;
    enum { N = 200000 };

    for (int i = 0; i < N; i++) {
        many_key(&k, i);
        assert_int_equal(add_ok(t, &k, mac_n(i % 16), 1 + i % 16),
                         CONTAINER_MAP_ADDED_ENTRY);
    }
    assert_int_equal(container_map_count_mappings(t, 7), N);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), N);
    assert_int_equal(n_backends(t), 16);
    for (int i = 0; i < N; i++) {
        const struct container_map_entry *e;

        many_key(&k, i);
        e = lookup(t, &k);
        assert_non_null(e);
        assert_memory_equal(&e->key, &k, sizeof k);
        assert_int_equal(e->n_backends, 1);
        assert_backend(e, 0, mac_n(i % 16), 1 + i % 16);
    }

    /* Delete the even ones. */
    for (int i = 0; i < N; i += 2) {
        many_key(&k, i);
        assert_int_equal(container_map_del(t, &k, NULL), 0);
    }
    assert_int_equal(container_map_count_mappings(t, 7), N / 2);
    assert_int_equal(container_map_count_mappings(t, UINT32_MAX), N / 2);
    /* Only the backends of odd (i % 16) still have users. */
    assert_int_equal(n_backends(t), 8);
    for (int i = 0; i < N; i++) {
        const struct container_map_entry *e;

        many_key(&k, i);
        e = lookup(t, &k);
        if (i % 2) {
            assert_backend(e, 0, mac_n(i % 16), 1 + i % 16);
        } else {
            assert_null(e);
        }
    }
    many_key(&k, 0);
    assert_int_equal(container_map_del(t, &k, NULL), ENOENT);
    ovsrcu_quiesce();

    destroy_table(t);
}

/* Gives 'b' a copy of the 'size' bytes of 'data' as its datapath actions
 * (none if 'size' is 0), unless it has the same ones already, as the callers
 * of container_map_set_actions() do. */
static void
set_actions(struct container_map *t, struct container_map_backend *b,
            const struct nlattr *data, size_t size)
{
    struct container_map_actions *new;

    new = size ? container_map_actions_create(data, size, ODPP_NONE, NULL)
               : NULL;
    if (container_map_actions_equal(
            ovsrcu_get(struct container_map_actions *, &b->actions), new)) {
        free(new);
    } else {
        container_map_set_actions(t, b, new);
    }
}

static void
test_backend_actions(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_actions *actions;
    struct container_map_backend *b;
    struct container_map_key k, k2;
    struct ofpbuf a, c;
    uint64_t a_stub[8], c_stub[8];
    uint8_t copy[12];
    struct ovs_action_hash hash = { .hash_alg = 1, .hash_basis = 42 };

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    key4(&k2, 1, TEST_IP4, IPPROTO_UDP, 80);
    add_ok(t, &k, mac_n(1), 2);
    add_ok(t, &k2, mac_n(1), 2);
    b = lookup(t, &k)->backends[0];

    /* A backend starts without actions. */
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    /* 12 bytes: not a multiple of 8. */
    ofpbuf_use_stub(&a, a_stub, sizeof a_stub);
    nl_msg_put_unspec(&a, OVS_ACTION_ATTR_HASH, &hash, sizeof hash);
    assert_int_equal(a.size, 12);
    memcpy(copy, a.data, a.size);
    set_actions(t, b, a.data, a.size);

    /* A copy is stored: changing the caller's buffer has no effect. */
    memset(a.data, 0xff, a.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(actions);
    assert_int_equal(actions->size, sizeof copy);
    assert_memory_equal(actions->data, copy, sizeof copy);

    /* The other key's entry sees the same backend and so the same actions. */
    assert_ptr_equal(ovsrcu_get(struct container_map_actions *,
                                &lookup(t, &k2)->backends[0]->actions),
                     actions);

    /* Replacing them with other actions of another size. */
    ofpbuf_use_stub(&c, c_stub, sizeof c_stub);
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 5);
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 6);
    nl_msg_put_unspec(&c, OVS_ACTION_ATTR_HASH, &hash, sizeof hash);
    assert_int_equal(c.size, 28);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(actions);
    assert_int_equal(actions->size, c.size);
    assert_memory_equal(actions->data, c.data, c.size);

    /* Not a set of the Ethernet destination first: run as they are. */
    assert_int_equal(actions->rest, 0);

    /* Setting the same actions again keeps them. */
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(actions);
    assert_int_equal(actions->size, c.size);
    assert_memory_equal(actions->data, c.data, c.size);

    /* NULL clears them. */
    set_actions(t, b, NULL, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));
    set_actions(t, b, NULL, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    /* So does a size of 0. */
    set_actions(t, b, c.data, c.size);
    assert_non_null(ovsrcu_get(struct container_map_actions *,
                               &b->actions));
    set_actions(t, b, c.data, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    /* A masked set of the Ethernet destination alone, then an output: the
     * datapath is told the address and where the rest begins. */
    struct ovs_key_ethernet eth[2] = {
        { .eth_src = mac_n(7), .eth_dst = mac_n(9) },
        { .eth_src = eth_addr_zero, .eth_dst = eth_addr_exact },
    };
    size_t ofs;

    ofpbuf_clear(&c);
    ofs = nl_msg_start_nested(&c, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&c, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&c, ofs);
    size_t set_size = c.size;
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 5);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_int_equal(actions->rest, set_size);
    assert_true(eth_addr_equals(actions->eth_dst, mac_n(9)));

    /* Not when the source is set too, or when nothing follows. */
    eth[1].eth_src = eth_addr_exact;
    ofpbuf_clear(&c);
    ofs = nl_msg_start_nested(&c, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&c, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&c, ofs);
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 5);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_int_equal(actions->rest, 0);
    eth[1].eth_src = eth_addr_zero;
    ofpbuf_clear(&c);
    ofs = nl_msg_start_nested(&c, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&c, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&c, ofs);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_int_equal(actions->rest, 0);

    /* A backend freed with its actions (the frees run at quiescence). */
    set_actions(t, b, c.data, c.size);
    ofpbuf_uninit(&a);
    ofpbuf_uninit(&c);
    ovsrcu_quiesce();

    destroy_table(t);
}

static void
test_drop_counters(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map *t2 = container_map_create();
    const enum container_map_counter miss = CONTAINER_MAP_DROP_MISS;
    const enum container_map_counter not_l4 = CONTAINER_MAP_DROP_NOT_L4;
    const enum container_map_counter no_act
        = CONTAINER_MAP_DROP_NO_ACTIONS;
    const uint32_t last = CONTAINER_MAP_MAX_TABLES - 1;

    assert_int_equal(container_map_get_counter(t, 0, miss), 0);
    assert_int_equal(container_map_get_counter(t, 1, not_l4), 0);
    assert_int_equal(container_map_get_counter(t, last, no_act), 0);

    container_map_count(t, 1, miss, 5);
    container_map_count(t, 1, miss, 2);
    container_map_count(t, 1, not_l4, 3);
    container_map_count(t, 2, no_act, 4);
    container_map_count(t, last, miss, 1);
    container_map_count(t2, 1, miss, 100);

    assert_int_equal(container_map_get_counter(t, 1, miss), 7);
    assert_int_equal(container_map_get_counter(t, 1, not_l4), 3);
    assert_int_equal(container_map_get_counter(t, 1, no_act), 0);
    assert_int_equal(container_map_get_counter(t, 2, no_act), 4);
    assert_int_equal(container_map_get_counter(t, 2, miss), 0);
    assert_int_equal(container_map_get_counter(t, 0, miss), 0);
    assert_int_equal(container_map_get_counter(t, last, miss), 1);
    assert_int_equal(container_map_get_counter(t2, 1, miss), 100);

    /* Out of range: ignored, reads as 0. */
    container_map_count(t, CONTAINER_MAP_MAX_TABLES, miss, 9);
    container_map_count(t, 1, CONTAINER_MAP_N_COUNTERS, 9);
    assert_int_equal(container_map_get_counter(
                         t, CONTAINER_MAP_MAX_TABLES, miss), 0);
    assert_int_equal(container_map_get_counter(
                         t, 1, CONTAINER_MAP_N_COUNTERS), 0);
    assert_int_equal(container_map_get_counter(t, 1, miss), 7);
    assert_int_equal(container_map_get_counter(t, 1, not_l4), 3);
    assert_int_equal(container_map_get_counter(t, 1, no_act), 0);

    /* Clearing one table clears all its reasons and nothing else. */
    container_map_clear_counters(t, 1);
    assert_int_equal(container_map_get_counter(t, 1, miss), 0);
    assert_int_equal(container_map_get_counter(t, 1, not_l4), 0);
    assert_int_equal(container_map_get_counter(t, 2, no_act), 4);
    assert_int_equal(container_map_get_counter(t, last, miss), 1);
    assert_int_equal(container_map_get_counter(t2, 1, miss), 100);
    container_map_clear_counters(t, CONTAINER_MAP_MAX_TABLES);
    assert_int_equal(container_map_get_counter(t, 2, no_act), 4);

    /* Counting resumes from zero. */
    container_map_count(t, 1, miss, 1);
    assert_int_equal(container_map_get_counter(t, 1, miss), 1);

    /* Each reason has its own name. */
    assert_string_equal(container_map_counter_name(miss), "miss");
    assert_string_not_equal(container_map_counter_name(miss),
                            container_map_counter_name(not_l4));
    assert_string_not_equal(container_map_counter_name(not_l4),
                            container_map_counter_name(no_act));
    assert_string_not_equal(container_map_counter_name(miss),
                            container_map_counter_name(no_act));

    destroy_table(t);
    destroy_table(t2);
}

/* The backend index that 'e' picks for 'hash', or -1. */
static int
pick(const struct container_map_entry *e, uint32_t hash)
{
    int i = container_map_entry_select(e, hash);

    assert_true(i >= -1 && i < (int) e->n_backends);
    if (i >= 0) {
        assert_int_equal(container_map_entry_find_backend(e, e->backends[i]),
                         i);
    }
    return i;
}

#define N_SELECT_HASHES 4096

static void
test_select(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    const struct container_map_entry *e;
    struct container_map_key k;
    unsigned int hits[5] = { 0 };
    static struct eth_addr before[N_SELECT_HASHES];
    struct eth_addr drained;
    unsigned int moved = 0;

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    add_ok(t, &k, mac_n(0), 2);
    e = lookup(t, &k);
    assert_int_equal(pick(e, 0), 0);
    assert_int_equal(pick(e, UINT32_MAX), 0);

    for (unsigned int i = 1; i < 4; i++) {
        add_ok(t, &k, mac_n(i), 2);
    }
    e = lookup(t, &k);

    /* Every hash picks one of the entry's backends, always the same one,
     * and all get picked. */
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        int j = pick(e, hash_int(i, 0));

        assert_true(j >= 0 && j < 4);
        assert_int_equal(pick(e, hash_int(i, 0)), j);
        hits[j]++;
        before[i] = e->backends[j]->mac;
    }
    for (int j = 0; j < 4; j++) {
        assert_true(hits[j] > 512);
    }

    /* Adding a backend only moves hashes to the new backend. */
    add_ok(t, &k, mac_n(4), 2);
    e = lookup(t, &k);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        struct eth_addr now = e->backends[pick(e, hash_int(i, 0))]->mac;

        if (!eth_addr_equals(now, before[i])) {
            assert_true(eth_addr_equals(now, mac_n(4)));
            moved++;
        }
    }
    assert_true(moved > N_SELECT_HASHES / 10 && moved < N_SELECT_HASHES / 3);

    /* Removing it again puts them all back. */
    struct eth_addr mac4 = mac_n(4);
    assert_int_equal(container_map_del(t, &k, &mac4), 0);
    e = lookup(t, &k);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        assert_true(eth_addr_equals(e->backends[pick(e, hash_int(i, 0))]->mac,
                                    before[i]));
    }

    /* Draining backend 1 only moves the hashes it had. */
    drained = mac_n(1);
    assert_int_equal(container_map_drain(t, &k, drained, true), 0);
    e = lookup(t, &k);
    assert_true(e->draining != 0);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        struct eth_addr now = e->backends[pick(e, hash_int(i, 0))]->mac;

        assert_false(eth_addr_equals(now, drained));
        if (!eth_addr_equals(before[i], drained)) {
            assert_true(eth_addr_equals(now, before[i]));
        }
    }

    /* Every backend drained: no choice. */
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(container_map_drain(t, &k, mac_n(i), true), 0);
    }
    e = lookup(t, &k);
    assert_int_equal(pick(e, 12345), -1);
    assert_int_equal(container_map_drain(t, &k, mac_n(9), true), ENOENT);

    /* Undraining restores the original choices. */
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(container_map_drain(t, &k, mac_n(i), false), 0);
    }
    e = lookup(t, &k);
    assert_int_equal(e->draining, 0);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        assert_true(eth_addr_equals(e->backends[pick(e, hash_int(i, 0))]->mac,
                                    before[i]));
    }

    destroy_table(t);
}

/* Concurrent readers. */

#define N_STABLE_KEYS 64
#define N_ALLOWED_MACS 8
#define MAC_BASE 0x100          /* mac_n(MAC_BASE) is never deleted. */

struct reader {
    const struct container_map *table;
    const struct container_map_key *keys;
    atomic_bool *stop;
    pthread_t thread;

    /* Results, read after the join. */
    unsigned long long n_lookups;
    unsigned long long n_misses;
    unsigned long long n_bad;
};

static bool
mac_allowed(struct eth_addr mac)
{
    for (int i = 0; i < N_ALLOWED_MACS; i++) {
        if (eth_addr_equals(mac, mac_n(MAC_BASE + i))) {
            return true;
        }
    }
    return false;
}

static bool
entry_ok(const struct container_map_entry *e,
         const struct container_map_key *key, uint32_t hash)
{
    uint32_t n = e->n_backends;

    if (n < 1 || n > N_ALLOWED_MACS
        || memcmp(&e->key, key, sizeof *key)
        || !eth_addr_equals(e->backends[0]->mac, mac_n(MAC_BASE))) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct container_map_backend *b = e->backends[i];
        uint16_t ofport = ofp_to_u16(b->ofport);

        if (!mac_allowed(b->mac) || b->table_id != key->table_id
            || ofport < 1 || ofport > 3) {
            return false;
        }
    }
    int selected = container_map_entry_select(e, hash);

    return selected >= 0 && mac_allowed(e->backends[selected]->mac);
}

static void *
reader_main(void *reader_)
{
    struct reader *r = reader_;
    bool stop = false;

    for (uint32_t i = 0; !stop; i++) {
        const struct container_map_key *key = &r->keys[i % N_STABLE_KEYS];
        const struct container_map_entry *e;

        e = container_map_entries_lookup(
            &r->table->entries, key,
            container_map_key_hash(r->table->entries.basis, key));
        if (!e) {
            r->n_misses++;
        } else if (!entry_ok(e, key, i * 2654435761u)) {
            r->n_bad++;
        }
        r->n_lookups++;

        if (i % 300 == 299) {
            ovsrcu_quiesce();
            atomic_read(r->stop, &stop);
        }
    }
    return NULL;
}

static void
test_concurrent_readers(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key keys[N_STABLE_KEYS];
    struct reader readers[2];
    unsigned long long n_writer_errors = 0;
    unsigned long long n_changes = 0;
    unsigned int n_rounds = 0;
    atomic_bool stop;
    long long int deadline;

    for (int i = 0; i < N_STABLE_KEYS; i++) {
        key4(&keys[i], 3, 0x0a010000 + i,
             i % 2 ? IPPROTO_TCP : IPPROTO_UDP, 1000 + i);
        add_ok(t, &keys[i], mac_n(MAC_BASE), 1);
    }

    atomic_init(&stop, false);
    for (int i = 0; i < ARRAY_SIZE(readers); i++) {
        struct reader *r = &readers[i];

        memset(r, 0, sizeof *r);
        r->table = t;
        r->keys = keys;
        r->stop = &stop;
        r->thread = ovs_thread_create("cm_reader", reader_main, r);
    }

    deadline = time_msec() + 500;
    while (time_msec() < deadline) {
        enum container_map_add_result result;
        struct container_map_key other;
        int error;

        /* Churn the backends of the stable keys: extra MACs come and go,
         * the permanent one moves between ports. */
        for (int i = 0; i < N_STABLE_KEYS; i++) {
            uint32_t rnd = random_uint32();
            struct eth_addr mac
                = mac_n(MAC_BASE + 1 + rnd % (N_ALLOWED_MACS - 1));
            uint16_t ofport = 1 + (rnd >> 8) % 3;

            switch ((rnd >> 16) % 3) {
            case 0:
                error = try_add(t, &keys[i], mac, u16_to_ofp(ofport),
                                &result);
                break;
            case 1:
                error = container_map_del(t, &keys[i], &mac);
                error = error == ENOENT ? 0 : error;
                break;
            default:
                error = try_add(t, &keys[i], mac_n(MAC_BASE),
                                u16_to_ofp(ofport), &result);
                break;
            }
            n_writer_errors += error != 0;
            n_changes++;
        }

        /* Unrelated keys, in the same table and in another one, make the
         * map grow, shrink and rehash under the readers. */
        switch (n_rounds % 4) {
        case 0:
            for (int i = 0; i < 1500; i++) {
                key4(&other, 3, 0x0b000000 + i, IPPROTO_TCP, 2000);
                n_writer_errors += try_add(t, &other, mac_n(MAC_BASE + i % 3),
                                           u16_to_ofp(1), &result) != 0;
                key4(&other, 4, 0x0b000000 + i, IPPROTO_TCP, 2000);
                n_writer_errors += try_add(t, &other, mac_n(MAC_BASE),
                                           u16_to_ofp(2), &result) != 0;
            }
            break;
        case 1:
            for (int i = 0; i < 1500; i++) {
                key4(&other, 3, 0x0b000000 + i, IPPROTO_TCP, 2000);
                n_writer_errors += container_map_del(t, &other, NULL) != 0;
            }
            break;
        case 2:
            n_writer_errors += container_map_flush(t, 4) != 1500;
            break;
        default:
            n_writer_errors += container_map_count_mappings(t, 3)
                               != N_STABLE_KEYS;
            n_writer_errors += container_map_count_mappings(t, 4) != 0;
            break;
        }
        n_rounds++;
        ovsrcu_quiesce();
    }

    atomic_store(&stop, true);
    ovsrcu_quiesce_start();
    for (int i = 0; i < ARRAY_SIZE(readers); i++) {
        xpthread_join(readers[i].thread, NULL);
    }
    ovsrcu_quiesce_end();

    print_message("%llu + %llu lookups during %llu changes in %u rounds\n",
                  readers[0].n_lookups, readers[1].n_lookups, n_changes,
                  n_rounds);
    assert_int_equal(n_writer_errors, 0);
    assert_true(n_changes > 0);
    assert_true(n_rounds >= 4);
    for (int i = 0; i < ARRAY_SIZE(readers); i++) {
        assert_true(readers[i].n_lookups > 0);
        assert_int_equal(readers[i].n_misses, 0);
        assert_int_equal(readers[i].n_bad, 0);
    }

    /* The stable keys are all still there, as are their permanent MACs. */
    for (int i = 0; i < N_STABLE_KEYS; i++) {
        const struct container_map_entry *e = lookup(t, &keys[i]);

        assert_non_null(e);
        assert_true(eth_addr_equals(e->backends[0]->mac, mac_n(MAC_BASE)));
    }

    destroy_table(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_lookup),
        cmocka_unit_test(test_add_backends),
        cmocka_unit_test(test_invalid_keys),
        cmocka_unit_test(test_too_many_backends),
        cmocka_unit_test(test_del),
        cmocka_unit_test(test_backend_interning),
        cmocka_unit_test(test_stats_kept),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_ipv6_and_mapped),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_backend_actions),
        cmocka_unit_test(test_drop_counters),
        cmocka_unit_test(test_select),
        /* Last: it makes the process multithreaded. */
        cmocka_unit_test(test_concurrent_readers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
