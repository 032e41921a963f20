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

/* cmocka unit tests of the container map's mappings, one at a time
 * (lib/container-map.c and its stores): add and lookup, backends added,
 * updated and refused, invalid keys, delete, the counters an entry keeps
 * when it is replaced, and IPv6 and IPv4-mapped keys.  Whole tables:
 * test-container-map-table.c. */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "container-map-test-table.h"
#include "random.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_lookup),
        cmocka_unit_test(test_add_backends),
        cmocka_unit_test(test_invalid_keys),
        cmocka_unit_test(test_too_many_backends),
        cmocka_unit_test(test_del),
        cmocka_unit_test(test_stats_kept),
        cmocka_unit_test(test_ipv6_and_mapped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
