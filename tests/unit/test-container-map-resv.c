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

/* cmocka unit tests of lib/container-map-resv and lib/container-map-addr
 * (reservations and mapped addresses), through the coordinator
 * lib/container-map: overlapping, invalid and updated reservations, the
 * index of an address's reservations, the users that keep an address
 * mapped, and who answers its echo requests. */

#include <config.h>

#include <errno.h>

#include "container-map-test-conn.h"

/* Helpers. */

static void
count_resv(const struct container_map_resv_view *r OVS_UNUSED, void *n_)
{
    size_t *n = n_;

    (*n)++;
}

static size_t
n_resvs(const struct container_map *t)
{
    size_t n = 0;

    container_map_for_each_resv(t, UINT32_MAX, count_resv, &n);
    return n;
}

static const struct container_map_addr *
addr_lookup(const struct container_map *t, uint32_t table_id,
            const struct in6_addr *ip)
{
    return container_map_addrs_lookup(&t->addrs, table_id, ip);
}

/* How echo requests to 'addr' are answered, and by which backend. */
static enum container_map_echo
echo_of(const struct container_map_addr *addr)
{
    struct container_map_backend *b;

    return container_map_addr_get_echo(addr, &b);
}

static struct container_map_backend *
echo_backend_of(const struct container_map_addr *addr)
{
    struct container_map_backend *b;

    container_map_addr_get_echo(addr, &b);
    return b;
}

/* Asserts that 'ip' is mapped in 'table_id' with 'n_users' users. */
static void
assert_addr(const struct container_map *t, uint32_t table_id,
            const struct in6_addr *ip, unsigned int n_users)
{
    const struct container_map_addr *addr = addr_lookup(t, table_id, ip);

    assert_non_null(addr);
    assert_int_equal(addr->table_id, table_id);
    assert_true(ipv6_addr_equals(&addr->ip, ip));
    assert_int_equal(addr->n_users, n_users);
}

/* Reservations and addresses. */

static void
test_resv_overlap(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), y = ip4_addr(IP_Y);
    struct eth_addr other;

    resv_ok(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);

    /* Ports overlap (at the edge), ids do not. */
    other = eth_addr_zero;
    assert_int_equal(resv_set(t, 1, &x, mac_n(2), 3, 1999, 2999, 100, 199,
                              &other), EEXIST);
    assert_true(eth_addr_equals(other, mac_n(1)));
    assert_null(resv_lookup(t, 1, &x, mac_n(2)));

    /* Ids overlap (at the other edge), ports do not. */
    other = eth_addr_zero;
    assert_int_equal(resv_set(t, 1, &x, mac_n(2), 3, 2000, 2999, 0, 1,
                              &other), EEXIST);
    assert_true(eth_addr_equals(other, mac_n(1)));
    assert_null(resv_lookup(t, 1, &x, mac_n(2)));

    /* One range within the other, or around it. */
    assert_int_equal(resv_set(t, 1, &x, mac_n(2), 3, 1500, 1500, 500, 600,
                              &other), EEXIST);
    assert_int_equal(resv_set(t, 1, &x, mac_n(2), 3, 2000, 2999, 0, 65535,
                              &other), EEXIST);
    assert_int_equal(resv_set(t, 1, &x, mac_n(2), 3, 1, 65535, 500, 600,
                              &other), EEXIST);
    assert_null(resv_lookup(t, 1, &x, mac_n(2)));
    assert_int_equal(n_resvs(t), 1);

    /* Adjacent ranges do not overlap. */
    resv_ok(t, 1, &x, mac_n(2), 3, 2000, 2999, 100, 199);

    /* EEXIST names the container that is in the way. */
    other = eth_addr_zero;
    assert_int_equal(resv_set(t, 1, &x, mac_n(3), 4, 3000, 3999, 150, 150,
                              &other), EEXIST);
    assert_true(eth_addr_equals(other, mac_n(2)));
    other = eth_addr_zero;
    assert_int_equal(resv_set(t, 1, &x, mac_n(3), 4, 2999, 3999, 300, 399,
                              &other), EEXIST);
    assert_true(eth_addr_equals(other, mac_n(2)));
    other = eth_addr_zero;
    assert_int_equal(resv_set(t, 1, &x, mac_n(3), 4, 3000, 3999, 99, 99,
                              &other), EEXIST);
    assert_true(eth_addr_equals(other, mac_n(1)));
    resv_ok(t, 1, &x, mac_n(3), 4, 3000, 3999, 200, 200);
    assert_int_equal(n_resvs(t), 3);

    /* The same ranges are free on another IP and in another table. */
    resv_ok(t, 1, &y, mac_n(4), 5, 1000, 1999, 1, 99);
    resv_ok(t, 2, &x, mac_n(4), 5, 1000, 1999, 1, 99);
    assert_int_equal(n_resvs(t), 5);

    /* The refusals changed nothing. */
    assert_resv(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);
    assert_resv(t, 1, &x, mac_n(2), 3, 2000, 2999, 100, 199);
    assert_resv(t, 1, &x, mac_n(3), 4, 3000, 3999, 200, 200);

    destroy_table(t);
}

static void
test_resv_invalid(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X);
    struct eth_addr other = mac_n(0x777777);

    /* Port 0, reversed ranges, table out of range. */
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 2, 0, 100, 1, 99, &other),
                     EINVAL);
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 2, 0, 0, 1, 99, &other),
                     EINVAL);
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 2, 2000, 1999, 1, 99,
                              &other), EINVAL);
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 2, 1000, 1999, 10, 9,
                              &other), EINVAL);
    assert_int_equal(resv_set(t, CONTAINER_MAP_MAX_TABLES, &x, mac_n(1), 2,
                              1000, 1999, 1, 99, &other), EINVAL);
    assert_true(eth_addr_equals(other, mac_n(0x777777)));
    assert_null(resv_lookup(t, 1, &x, mac_n(1)));
    assert_null(addr_lookup(t, 1, &x));
    assert_int_equal(n_resvs(t), 0);
    assert_int_equal(n_backends(t), 0);

    /* Single-value ranges and the edges are valid. */
    resv_ok(t, 1, &x, mac_n(1), 2, 65535, 65535, 0, 0);
    resv_ok(t, 1, &x, mac_n(2), 3, 1, 1, 65535, 65535);
    resv_ok(t, CONTAINER_MAP_MAX_TABLES - 1, &x, mac_n(1), 2, 1, 65535, 0,
            65535);

    /* An invalid update leaves the reservation as it was. */
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 2, 0, 10, 0, 0, &other),
                     EINVAL);
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 7, 10, 9, 0, 0, &other),
                     EINVAL);
    assert_resv(t, 1, &x, mac_n(1), 2, 65535, 65535, 0, 0);
    assert_int_equal(n_resvs(t), 3);

    destroy_table(t);
}

/* Returns the MAC's last byte of the container that owns 'value' (a port,
 * or an echo identifier if 'id') on 'ip', or 0 for none. */
static int
owner_of(const struct container_map *t, const struct in6_addr *ip,
         uint16_t value, bool id)
{
    const struct container_map_addr *addr = addr_lookup(t, 1, ip);
    const struct container_map_resv *r;

    r = addr ? container_map_addr_find_resv(addr, value, id) : NULL;
    return r ? r->key.mac.ea[5] : 0;
}

/* Each address indexes its reservations by range, which is how a reply
 * finds its container without a connection entry, and how new mappings and
 * reservations are checked. */
static void
test_resv_index(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), y = ip4_addr(IP_Y);
    static const struct {
        uint16_t value;
        bool id;
        int owner;
    } cases[] = {
        { 999, false, 0 }, { 1000, false, 1 }, { 1999, false, 1 },
        { 2000, false, 3 }, { 2500, false, 3 }, { 2999, false, 3 },
        { 3000, false, 2 }, { 3999, false, 2 }, { 4000, false, 0 },
        { 65535, false, 0 }, { 0, true, 0 }, { 1, true, 1 }, { 99, true, 1 },
        { 100, true, 2 }, { 199, true, 2 }, { 200, true, 3 },
        { 299, true, 3 }, { 300, true, 0 },
    };

    assert_int_equal(owner_of(t, &x, 1000, false), 0);
    resv_ok(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);
    resv_ok(t, 1, &x, mac_n(2), 3, 3000, 3999, 100, 199);
    resv_ok(t, 1, &x, mac_n(3), 4, 2000, 2999, 200, 299);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        if (owner_of(t, &x, cases[i].value, cases[i].id) != cases[i].owner) {
            fail_msg("%s %"PRIu16": owner %d, not %d",
                     cases[i].id ? "id" : "port", cases[i].value,
                     owner_of(t, &x, cases[i].value, cases[i].id),
                     cases[i].owner);
        }
    }
    /* Another address, another index. */
    assert_int_equal(owner_of(t, &y, 1000, false), 0);
    resv_ok(t, 1, &y, mac_n(4), 5, 1, 65535, 0, 65535);
    assert_int_equal(owner_of(t, &y, 1000, false), 4);
    assert_int_equal(owner_of(t, &x, 1000, false), 1);

    /* A changed range moves, a deleted one goes; refused changes change
     * nothing. */
    resv_ok(t, 1, &x, mac_n(3), 4, 5000, 5999, 200, 299);
    assert_int_equal(owner_of(t, &x, 2500, false), 0);
    assert_int_equal(owner_of(t, &x, 5500, false), 3);
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(1)), 0);
    assert_int_equal(owner_of(t, &x, 1000, false), 0);
    assert_int_equal(owner_of(t, &x, 50, true), 0);
    assert_int_equal(owner_of(t, &x, 3500, false), 2);
    {
        struct eth_addr other;

        assert_int_equal(resv_set(t, 1, &x, mac_n(5), 6, 3500, 3600, 400,
                                  400, &other), EEXIST);
    }
    assert_int_equal(owner_of(t, &x, 3500, false), 2);

    /* A mapping into another container's range is refused, one into no
     * range or its own is taken. */
    {
        struct container_map_mapping m = {
            .backend = { .mac = mac_n(9), .ofport = u16_to_ofp(9),
                         .tun_dst = in6addr_any },
        };
        enum container_map_add_result result;
        struct container_map_conflict conflict;

        map_key(&m.key, 1, &x, IPPROTO_TCP, 3500);
        assert_int_equal(container_map_add(t, &m, &result, &conflict),
                         EADDRINUSE);
        assert_true(eth_addr_equals(conflict.mac, mac_n(2)));
        assert_int_equal(conflict.ranges.port_min, 3000);
        map_key(&m.key, 1, &x, IPPROTO_TCP, 4500);
        assert_int_equal(container_map_add(t, &m, &result, &conflict), 0);
        m.backend.mac = mac_n(2);
        m.backend.ofport = u16_to_ofp(3);
        map_key(&m.key, 1, &x, IPPROTO_TCP, 3500);
        assert_int_equal(container_map_add(t, &m, &result, &conflict), 0);
    }
    destroy_table(t);
}

static void
test_resv_update(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X);
    const struct container_map_resv *r;
    struct container_map_backend *a, *a7;
    struct eth_addr other;

    a = resv_ok(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);
    resv_ok(t, 1, &x, mac_n(2), 3, 2000, 2999, 100, 199);

    /* An update that would overlap another container is refused. */
    other = eth_addr_zero;
    assert_int_equal(resv_set(t, 1, &x, mac_n(1), 2, 1500, 2500, 1, 99,
                              &other), EEXIST);
    assert_true(eth_addr_equals(other, mac_n(2)));
    assert_resv(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);

    /* The same MAC replaces its ranges (overlapping its own old ones is no
     * conflict), and what it gave up is free for others. */
    assert_ptr_equal(resv_ok(t, 1, &x, mac_n(1), 2, 500, 1499, 1, 49), a);
    resv_ok(t, 1, &x, mac_n(3), 4, 1500, 1999, 50, 99);
    assert_int_equal(n_resvs(t), 3);

    /* Setting it again as it is keeps the very same reservation. */
    r = resv_lookup(t, 1, &x, mac_n(1));
    assert_ptr_equal(resv_ok(t, 1, &x, mac_n(1), 2, 500, 1499, 1, 49), a);
    assert_ptr_equal(resv_lookup(t, 1, &x, mac_n(1)), r);

    /* Another port: another backend, still one reservation for the MAC. */
    a7 = resv_ok(t, 1, &x, mac_n(1), 7, 500, 1499, 1, 49);
    assert_ptr_not_equal(a7, a);
    assert_int_equal(n_resvs(t), 3);

    /* Deletion. */
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(1)), 0);
    assert_null(resv_lookup(t, 1, &x, mac_n(1)));
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(1)), ENOENT);
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(9)), ENOENT);
    assert_int_equal(container_map_unreserve(t, 2, &x, mac_n(2)), ENOENT);
    assert_int_equal(n_resvs(t), 2);
    resv_ok(t, 1, &x, mac_n(4), 5, 500, 1499, 1, 49);

    assert_int_equal(resv_flush(t, 2), 0);
    assert_int_equal(resv_flush(t, 1), 3);
    assert_int_equal(n_resvs(t), 0);
    assert_int_equal(n_backends(t), 0);

    destroy_table(t);
}

static void
test_addr_refs(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), y = ip4_addr(IP_Y);
    struct in6_addr x6 = ip6_addr(IP6_X);
    struct eth_addr mac1 = mac_n(1), other;
    const struct container_map_addr *addr;

    assert_null(addr_lookup(t, 1, &x));

    /* A mapping maps its IP, once per key, not per backend. */
    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    addr = addr_lookup(t, 1, &x);
    assert_addr(t, 1, &x, 1);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_SWITCH);
    assert_null(echo_backend_of(addr));
    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(2), 3);
    assert_addr(t, 1, &x, 1);
    map_add(t, 1, &x, IPPROTO_UDP, 53, mac_n(1), 2);
    assert_addr(t, 1, &x, 2);

    /* Reservations too, once per reservation, not per update. */
    resv_ok(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);
    assert_addr(t, 1, &x, 3);
    resv_ok(t, 1, &x, mac_n(1), 4, 1000, 2999, 1, 99);
    assert_addr(t, 1, &x, 3);
    resv_ok(t, 1, &x, mac_n(2), 3, 3000, 3999, 100, 199);
    assert_addr(t, 1, &x, 4);
    assert_int_equal(resv_set(t, 1, &x, mac_n(3), 3, 3000, 3999, 300, 399,
                              &other), EEXIST);
    assert_addr(t, 1, &x, 4);

    /* Addresses are per table. */
    assert_null(addr_lookup(t, 2, &x));
    assert_null(addr_lookup(t, 1, &y));

    /* Users go away one by one; the IP stays mapped until the last. */
    assert_int_equal(map_del(t, 1, &x, IPPROTO_TCP, 80, &mac1), 0);
    assert_addr(t, 1, &x, 4);
    assert_int_equal(map_del(t, 1, &x, IPPROTO_TCP, 80, NULL), 0);
    assert_addr(t, 1, &x, 3);
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(1)), 0);
    assert_addr(t, 1, &x, 2);
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(2)), 0);
    assert_addr(t, 1, &x, 1);
    assert_int_equal(map_del(t, 1, &x, IPPROTO_UDP, 53, &mac1), 0);
    assert_null(addr_lookup(t, 1, &x));

    /* A reservation alone maps an IP, IPv6 as well; flushing unmaps. */
    resv_ok(t, 1, &y, mac_n(1), 2, 1000, 1999, 1, 99);
    resv_ok(t, 1, &x6, mac_n(1), 2, 1000, 1999, 1, 99);
    assert_addr(t, 1, &y, 1);
    assert_addr(t, 1, &x6, 1);
    assert_null(addr_lookup(t, 1, &x));
    assert_int_equal(resv_flush(t, 1), 2);
    assert_null(addr_lookup(t, 1, &y));
    assert_null(addr_lookup(t, 1, &x6));

    /* So do mappings in other tables, and flushing them. */
    map_add(t, 2, &y, IPPROTO_TCP, 80, mac_n(1), 2);
    map_add(t, 2, &y, IPPROTO_TCP, 81, mac_n(1), 2);
    assert_addr(t, 2, &y, 2);
    assert_null(addr_lookup(t, 1, &y));
    assert_int_equal(container_map_flush(t, 2), 2);
    assert_null(addr_lookup(t, 2, &y));

    assert_int_equal(n_backends(t), 0);
    destroy_table(t);
}

static void
test_echo_settings(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), y = ip4_addr(IP_Y);
    struct eth_addr mac1 = mac_n(1), mac2 = mac_n(2), mac3 = mac_n(3);
    struct container_map_backend *a, *b;
    const struct container_map_addr *addr;

    /* Unmapped IP: ENOENT, whatever the setting. */
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_OFF, NULL), ENOENT);
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac1),
                     ENOENT);
    assert_null(addr_lookup(t, 1, &x));

    /* Mapped, but MAC 1 is only a mapping's backend, without a
     * reservation: it cannot be the echo target. */
    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac1),
                     ENOENT);
    assert_int_equal(echo_of(addr_lookup(t, 1, &x)),
                     CONTAINER_MAP_ECHO_SWITCH);

    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_OFF, NULL), 0);
    addr = addr_lookup(t, 1, &x);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_OFF);
    assert_null(echo_backend_of(addr));
    assert_int_equal(addr->n_users, 1);
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_SWITCH, NULL), 0);
    assert_int_equal(echo_of(addr_lookup(t, 1, &x)),
                     CONTAINER_MAP_ECHO_SWITCH);

    /* With reservations. */
    a = resv_ok(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);
    b = resv_ok(t, 1, &x, mac_n(2), 3, 2000, 2999, 100, 199);
    resv_ok(t, 1, &y, mac_n(3), 4, 1000, 1999, 1, 99);
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac1), 0);
    addr = addr_lookup(t, 1, &x);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_CONTAINER);
    assert_ptr_equal(echo_backend_of(addr), a);

    /* A MAC without a reservation on this IP (it has one on Y), or the IP
     * in another table: ENOENT, nothing changes. */
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac3),
                     ENOENT);
    assert_int_equal(container_map_set_echo(
                         t, 2, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac1),
                     ENOENT);
    addr = addr_lookup(t, 1, &x);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_CONTAINER);
    assert_ptr_equal(echo_backend_of(addr), a);

    /* Another target. */
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac2), 0);
    addr = addr_lookup(t, 1, &x);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_CONTAINER);
    assert_ptr_equal(echo_backend_of(addr), b);

    /* Deleting another container's reservation changes nothing; deleting
     * the target's falls back to the switch, the IP stays mapped. */
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(1)), 0);
    addr = addr_lookup(t, 1, &x);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_CONTAINER);
    assert_ptr_equal(echo_backend_of(addr), b);
    assert_int_equal(container_map_unreserve(t, 1, &x, mac_n(2)), 0);
    addr = addr_lookup(t, 1, &x);
    assert_non_null(addr);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_SWITCH);
    assert_null(echo_backend_of(addr));
    assert_int_equal(addr->n_users, 1);

    /* The same through a flush. */
    resv_ok(t, 1, &x, mac_n(2), 3, 2000, 2999, 100, 199);
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac2), 0);
    assert_int_equal(resv_flush(t, 1), 2);
    addr = addr_lookup(t, 1, &x);
    assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_SWITCH);
    assert_null(echo_backend_of(addr));

    /* An address that goes away and comes back starts from the default. */
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_OFF, NULL), 0);
    assert_int_equal(map_del(t, 1, &x, IPPROTO_TCP, 80, NULL), 0);
    assert_null(addr_lookup(t, 1, &x));
    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    assert_int_equal(echo_of(addr_lookup(t, 1, &x)),
                     CONTAINER_MAP_ECHO_SWITCH);
    assert_int_equal(map_del(t, 1, &x, IPPROTO_TCP, 80, NULL), 0);

    /* The echo targets held no backend beyond their use. */
    assert_int_equal(n_backends(t), 0);
    destroy_table(t);
}

static void
test_echo_target_moves(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X);
    struct eth_addr mac1 = mac_n(1);
    const struct container_map_addr *addr;
    struct container_map_backend *a7;

    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(2), 3);
    resv_ok(t, 1, &x, mac_n(1), 2, 1000, 1999, 1, 99);
    assert_int_equal(container_map_set_echo(
                         t, 1, &x, CONTAINER_MAP_ECHO_CONTAINER, &mac1), 0);

    /* The echo target moves to port 7 (its reservation says so).
     *
     * Expected: echo requests to X go where the container now is (or, at
     * worst, back to the switch), never to the port it left, where another
     * container may now be.
     *
     * (This used to fail: the old container_map_resv_set() replaced the
     * reservation's backend but not the address's 'echo_backend', which
     * stayed the backend at port 2, kept alive by that reference alone.) */
    a7 = resv_ok(t, 1, &x, mac_n(1), 7, 1000, 1999, 1, 99);
    addr = addr_lookup(t, 1, &x);
    assert_non_null(addr);
    if (echo_of(addr) == CONTAINER_MAP_ECHO_CONTAINER) {
        assert_true(eth_addr_equals(echo_backend_of(addr)->mac, mac1));
        assert_int_equal(ofp_to_u16(echo_backend_of(addr)->ofport), 7);
        assert_ptr_equal(echo_backend_of(addr), a7);
    } else {
        assert_int_equal(echo_of(addr), CONTAINER_MAP_ECHO_SWITCH);
    }

    destroy_table(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resv_overlap),
        cmocka_unit_test(test_resv_invalid),
        cmocka_unit_test(test_resv_update),
        cmocka_unit_test(test_resv_index),
        cmocka_unit_test(test_addr_refs),
        cmocka_unit_test(test_echo_settings),
        cmocka_unit_test(test_echo_target_moves),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
