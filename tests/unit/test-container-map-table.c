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

/* cmocka unit tests of lib/container-map-table. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "container-map-table.h"
#include "flow.h"
#include "ovs-rcu.h"
#include "packets.h"

static const struct eth_addr mac1 = ETH_ADDR_C(02, 00, 00, 00, 00, 01);
static const struct eth_addr mac2 = ETH_ADDR_C(02, 00, 00, 00, 00, 02);

static void
make_key(struct container_map_key *key, uint32_t table_id, uint32_t ip4,
         uint8_t proto, uint16_t port)
{
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, htonl(ip4));
    container_map_key_init(key, table_id, &ip, proto, htons(port));
}

static const struct container_map_entry *
find(const struct container_map_table *t, const struct container_map_key *k)
{
    return container_map_table_lookup(t, k, container_map_key_hash(k));
}

static void
test_add_lookup(void **state OVS_UNUSED)
{
    struct container_map_table *t = container_map_table_create();
    enum container_map_add_result r;
    struct container_map_key k, other;
    const struct container_map_entry *e;

    make_key(&k, 1, 0xcb00710a, IPPROTO_TCP, 80);
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r),
                     0);
    assert_int_equal(r, CONTAINER_MAP_ADDED_ENTRY);
    e = find(t, &k);
    assert_non_null(e);
    assert_int_equal(e->n_backends, 1);
    assert_true(eth_addr_equals(e->backends[0]->mac, mac1));
    assert_int_equal(ofp_to_u16(e->backends[0]->ofport), 2);

    make_key(&other, 1, 0xcb00710a, IPPROTO_TCP, 81);
    assert_null(find(t, &other));
    make_key(&other, 1, 0xcb00710a, IPPROTO_UDP, 80);
    assert_null(find(t, &other));
    make_key(&other, 2, 0xcb00710a, IPPROTO_TCP, 80);
    assert_null(find(t, &other));
    make_key(&other, 1, 0xcb00710b, IPPROTO_TCP, 80);
    assert_null(find(t, &other));

    container_map_table_destroy(t);
}

static void
test_backends(void **state OVS_UNUSED)
{
    struct container_map_table *t = container_map_table_create();
    enum container_map_add_result r;
    struct container_map_key k;
    const struct container_map_entry *e;

    make_key(&k, 1, 0xcb00710a, IPPROTO_TCP, 80);
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r),
                     0);
    container_map_counters_add(find(t, &k)->stats, 3, 300);

    assert_int_equal(container_map_table_add(t, &k, mac2, u16_to_ofp(3), &r),
                     0);
    assert_int_equal(r, CONTAINER_MAP_ADDED_BACKEND);
    assert_int_equal(container_map_table_add(t, &k, mac2, u16_to_ofp(3), &r),
                     0);
    assert_int_equal(r, CONTAINER_MAP_UNCHANGED);
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(4), &r),
                     0);
    assert_int_equal(r, CONTAINER_MAP_UPDATED_BACKEND);

    e = find(t, &k);
    assert_int_equal(e->n_backends, 2);
    assert_true(eth_addr_equals(e->backends[0]->mac, mac1));
    assert_int_equal(ofp_to_u16(e->backends[0]->ofport), 4);
    assert_true(eth_addr_equals(e->backends[1]->mac, mac2));

    /* Counters survive the replacements. */
    unsigned long long n_packets, n_bytes;
    container_map_counters_get(e->stats, &n_packets, &n_bytes);
    assert_int_equal(n_packets, 3);
    assert_int_equal(n_bytes, 300);

    /* Delete one backend, then the other: the key goes with the last. */
    assert_int_equal(container_map_table_del(t, &k, &mac1), 0);
    e = find(t, &k);
    assert_int_equal(e->n_backends, 1);
    assert_true(eth_addr_equals(e->backends[0]->mac, mac2));
    assert_int_equal(container_map_table_del(t, &k, &mac1), ENOENT);
    assert_int_equal(container_map_table_del(t, &k, &mac2), 0);
    assert_null(find(t, &k));
    assert_int_equal(container_map_table_del(t, &k, NULL), ENOENT);
    assert_int_equal(container_map_table_n_backends(t), 0);

    container_map_table_destroy(t);
}

static void
test_invalid(void **state OVS_UNUSED)
{
    struct container_map_table *t = container_map_table_create();
    enum container_map_add_result r;
    struct container_map_key k;

    make_key(&k, 1, 0xcb00710a, IPPROTO_TCP, 0);
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r),
                     EINVAL);
    make_key(&k, 1, 0xcb00710a, IPPROTO_ICMP, 80);
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r),
                     EINVAL);
    make_key(&k, CONTAINER_MAP_MAX_TABLES, 0xcb00710a, IPPROTO_TCP, 80);
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r),
                     EINVAL);
    assert_int_equal(container_map_table_count(t, UINT32_MAX), 0);

    /* At most CONTAINER_MAP_MAX_BACKENDS backends per key. */
    make_key(&k, 1, 0xcb00710a, IPPROTO_TCP, 80);
    for (int i = 0; i < CONTAINER_MAP_MAX_BACKENDS; i++) {
        struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 01, 00);

        mac.ea[5] = i;
        assert_int_equal(container_map_table_add(t, &k, mac, u16_to_ofp(2),
                                                 &r), 0);
    }
    assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r),
                     E2BIG);
    assert_int_equal(find(t, &k)->n_backends, CONTAINER_MAP_MAX_BACKENDS);

    container_map_table_destroy(t);
}

static void
test_interning_and_flush(void **state OVS_UNUSED)
{
    struct container_map_table *t = container_map_table_create();
    enum container_map_add_result r;
    struct container_map_key k1, k2, k3;
    struct in6_addr ip6;

    make_key(&k1, 1, 0xcb00710a, IPPROTO_TCP, 80);
    make_key(&k2, 1, 0xcb00710b, IPPROTO_UDP, 53);
    ipv6_parse("2001:db8::10", &ip6);
    container_map_key_init(&k3, 2, &ip6, IPPROTO_TCP, htons(80));
    container_map_table_add(t, &k1, mac1, u16_to_ofp(2), &r);
    container_map_table_add(t, &k2, mac1, u16_to_ofp(2), &r);
    container_map_table_add(t, &k3, mac1, u16_to_ofp(2), &r);

    /* Same [table, MAC, port]: one backend object. */
    assert_ptr_equal(find(t, &k1)->backends[0], find(t, &k2)->backends[0]);
    assert_ptr_not_equal(find(t, &k1)->backends[0],
                         find(t, &k3)->backends[0]);
    assert_int_equal(container_map_table_n_backends(t), 2);

    assert_int_equal(container_map_table_flush(t, 1), 2);
    assert_null(find(t, &k1));
    assert_non_null(find(t, &k3));
    assert_int_equal(container_map_table_flush(t, UINT32_MAX), 1);
    assert_int_equal(container_map_table_count(t, UINT32_MAX), 0);
    assert_int_equal(container_map_table_n_backends(t), 0);

    container_map_table_destroy(t);
}

static void
test_many(void **state OVS_UNUSED)
{
    struct container_map_table *t = container_map_table_create();
    enum container_map_add_result r;
    const int n = 200000;
    struct container_map_key k;

    for (int i = 0; i < n; i++) {
        make_key(&k, 1, 0xcb007100 + i / 60000, IPPROTO_TCP, 1 + i % 60000);
        assert_int_equal(container_map_table_add(t, &k, mac1, u16_to_ofp(2),
                                                 &r), 0);
        assert_int_equal(r, CONTAINER_MAP_ADDED_ENTRY);
    }
    assert_int_equal(container_map_table_count(t, 1), n);
    assert_int_equal(container_map_table_n_backends(t), 1);
    for (int i = 0; i < n; i += 2) {
        make_key(&k, 1, 0xcb007100 + i / 60000, IPPROTO_TCP, 1 + i % 60000);
        assert_int_equal(container_map_table_del(t, &k, NULL), 0);
    }
    for (int i = 0; i < n; i++) {
        make_key(&k, 1, 0xcb007100 + i / 60000, IPPROTO_TCP, 1 + i % 60000);
        assert_true((find(t, &k) != NULL) == (i % 2 == 1));
    }
    assert_int_equal(container_map_table_count(t, UINT32_MAX), n / 2);
    container_map_table_destroy(t);
}

static void
test_actions_and_drops(void **state OVS_UNUSED)
{
    struct container_map_table *t = container_map_table_create();
    enum container_map_add_result r;
    struct container_map_backend *b;
    struct container_map_actions *a;
    struct container_map_key k;
    uint8_t bytes[8] = { 8, 0, 1, 0, 2, 0, 0, 0 };

    make_key(&k, 1, 0xcb00710a, IPPROTO_TCP, 80);
    container_map_table_add(t, &k, mac1, u16_to_ofp(2), &r);
    b = find(t, &k)->backends[0];
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));
    container_map_table_set_backend_actions(t, b, (void *) bytes,
                                            sizeof bytes);
    a = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(a);
    assert_int_equal(a->size, sizeof bytes);
    assert_memory_equal(a->data, bytes, sizeof bytes);
    container_map_table_set_backend_actions(t, b, NULL, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    container_map_table_count_drops(t, 1, CONTAINER_MAP_DROP_MISS, 5);
    assert_int_equal(container_map_table_get_drops(t, 1,
                                                   CONTAINER_MAP_DROP_MISS),
                     5);
    assert_int_equal(container_map_table_get_drops(t, 2,
                                                   CONTAINER_MAP_DROP_MISS),
                     0);
    container_map_table_clear_drops(t, 1);
    assert_int_equal(container_map_table_get_drops(t, 1,
                                                   CONTAINER_MAP_DROP_MISS),
                     0);
    container_map_table_destroy(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_lookup),
        cmocka_unit_test(test_backends),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_interning_and_flush),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_actions_and_drops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
