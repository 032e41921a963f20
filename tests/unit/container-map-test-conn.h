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

/* Helpers of the unit tests of lib/container-map-conn (connection entries),
 * lib/container-map-resv and lib/container-map-addr (reservations and mapped
 * addresses), through the coordinator lib/container-map:
 * test-container-map-conn.c, test-container-map-conn-expiry.c and
 * test-container-map-resv.c. */

#ifndef CONTAINER_MAP_TEST_CONN_H
#define CONTAINER_MAP_TEST_CONN_H 1

#include <errno.h>
#include <string.h>

#include "container-map-conn.h"
#include "container-map-test.h"
#include "flow.h"
#include "ovs-atomic.h"

/* Mappings. */

static inline void
map_key(struct container_map_key *key, uint32_t table_id,
        const struct in6_addr *ip, uint8_t proto, uint16_t port)
{
    container_map_key_init(key, table_id, ip, proto, htons(port));
}

static inline const struct container_map_entry *
map_lookup(const struct container_map *t, uint32_t table_id,
           const struct in6_addr *ip, uint8_t proto, uint16_t port)
{
    struct container_map_key key;

    map_key(&key, table_id, ip, proto, port);
    return container_map_entries_lookup(
        &t->entries, &key, container_map_key_hash(t->entries.basis, &key));
}

/* Adds backend 'mac' at 'ofport' to the mapping [table_id, ip, proto, port],
 * asserts success and returns the backend. */
static inline struct container_map_backend *
map_add(struct container_map *t, uint32_t table_id,
        const struct in6_addr *ip, uint8_t proto, uint16_t port,
        struct eth_addr mac, uint16_t ofport)
{
    struct container_map_mapping m = {
        .backend = {
            .mac = mac, .ofport = u16_to_ofp(ofport), .tun_dst = in6addr_any,
        },
    };
    enum container_map_add_result result;
    struct container_map_conflict conflict;
    const struct container_map_entry *e;

    map_key(&m.key, table_id, ip, proto, port);
    assert_int_equal(container_map_add(t, &m, &result, &conflict), 0);
    e = map_lookup(t, table_id, ip, proto, port);
    assert_non_null(e);
    for (uint32_t i = 0; i < e->n_backends; i++) {
        if (eth_addr_equals(e->backends[i]->mac, mac)) {
            assert_int_equal(ofp_to_u16(e->backends[i]->ofport), ofport);
            return e->backends[i];
        }
    }
    fail_msg("backend not found after adding it");
    return NULL;
}

static inline int
map_del(struct container_map *t, uint32_t table_id,
        const struct in6_addr *ip, uint8_t proto, uint16_t port,
        const struct eth_addr *mac)
{
    struct container_map_key key;

    map_key(&key, table_id, ip, proto, port);
    return container_map_del(t, &key, mac);
}

/* Reservations. */

/* Reserves the ranges on 'ip' for 'mac' at 'ofport' (not a flow-based
 * tunnel).  On a conflict, stores the other container's MAC in '*other'. */
static inline int
resv_set(struct container_map *t, uint32_t table_id,
         const struct in6_addr *ip, struct eth_addr mac, uint16_t ofport,
         uint16_t port_min, uint16_t port_max, uint16_t id_min,
         uint16_t id_max, struct eth_addr *other)
{
    struct container_map_backend_spec spec = {
        .mac = mac, .ofport = u16_to_ofp(ofport), .tun_dst = in6addr_any,
    };
    struct container_map_ranges ranges = {
        port_min, port_max, id_min, id_max,
    };
    struct container_map_conflict conflict;
    int error;

    error = container_map_reserve(t, table_id, ip, &spec, &ranges,
                                  &conflict);
    if (error == EEXIST || error == EADDRINUSE) {
        *other = conflict.mac;
    }
    return error;
}

static inline const struct container_map_resv *
resv_lookup(const struct container_map *t, uint32_t table_id,
            const struct in6_addr *ip, struct eth_addr mac)
{
    return container_map_resvs_lookup(&t->resvs, table_id, ip, mac);
}

/* Asserts that the reservation of 'mac' on 'ip' exists with these ranges. */
static inline void
assert_resv(const struct container_map *t, uint32_t table_id,
            const struct in6_addr *ip, struct eth_addr mac, uint16_t ofport,
            uint16_t port_min, uint16_t port_max, uint16_t id_min,
            uint16_t id_max)
{
    const struct container_map_resv *r = resv_lookup(t, table_id, ip, mac);

    assert_non_null(r);
    assert_true(eth_addr_equals(r->key.mac, mac));
    assert_true(ipv6_addr_equals(&r->key.ip, ip));
    assert_int_equal(r->key.table_id, table_id);
    assert_true(eth_addr_equals(r->backend->mac, mac));
    assert_int_equal(r->backend->table_id, table_id);
    assert_int_equal(ofp_to_u16(r->backend->ofport), ofport);
    assert_int_equal(r->ranges.port_min, port_min);
    assert_int_equal(r->ranges.port_max, port_max);
    assert_int_equal(r->ranges.id_min, id_min);
    assert_int_equal(r->ranges.id_max, id_max);
}

/* Reserves the ranges on 'ip' for 'mac' at 'ofport', asserts success and
 * returns the reservation's backend. */
static inline struct container_map_backend *
resv_ok(struct container_map *t, uint32_t table_id,
        const struct in6_addr *ip, struct eth_addr mac, uint16_t ofport,
        uint16_t port_min, uint16_t port_max, uint16_t id_min,
        uint16_t id_max)
{
    struct eth_addr other = eth_addr_zero;

    assert_int_equal(resv_set(t, table_id, ip, mac, ofport, port_min,
                              port_max, id_min, id_max, &other), 0);
    assert_resv(t, table_id, ip, mac, ofport, port_min, port_max, id_min,
                id_max);
    return resv_lookup(t, table_id, ip, mac)->backend;
}

/* The reservations of one table, as resv_flush() collects them. */
struct resv_list {
    struct container_map_resv_view *views;
    size_t n, allocated;
};

static inline void
collect_resv(const struct container_map_resv_view *r, void *list_)
{
    struct resv_list *list = list_;

    if (list->n >= list->allocated) {
        list->views = x2nrealloc(list->views, &list->allocated,
                                 sizeof *list->views);
    }
    list->views[list->n++] = *r;
}

/* Deletes every reservation of 'table_id', one by one, and returns how
 * many. */
static inline size_t
resv_flush(struct container_map *t, uint32_t table_id)
{
    struct resv_list list = { .views = NULL };

    container_map_for_each_resv(t, table_id, collect_resv, &list);
    for (size_t i = 0; i < list.n; i++) {
        assert_int_equal(container_map_unreserve(t, table_id,
                                                 &list.views[i].ip,
                                                 list.views[i].backend.mac),
                         0);
    }
    free(list.views);
    return list.n;
}

/* Connections. */

/* What a connection pointer holds before a call that must set it. */
static struct container_map_conn not_set OVS_UNUSED;

static inline void
conn_key(struct container_map_conn_key *key, uint32_t table_id,
         uint8_t proto, const struct in6_addr *local_ip, uint16_t local_port,
         const struct in6_addr *remote_ip, uint16_t remote_port)
{
    memset(key, 0, sizeof *key);
    key->table_id = table_id;
    key->proto = proto;
    key->local_ip = *local_ip;
    key->local_port = htons(local_port);
    key->remote_ip = *remote_ip;
    key->remote_port = htons(remote_port);
}

static inline struct container_map_conn *
conn_lookup(const struct container_map *t,
            const struct container_map_conn_key *key)
{
    return container_map_conns_lookup(
        &t->conns, key, container_map_conn_hash(t->conns.basis, key));
}

static inline int
conn_insert(struct container_map *t,
            const struct container_map_conn_key *key,
            struct container_map_backend *b,
            enum container_map_conn_kind kind, long long int now,
            struct container_map_conn **connp)
{
    /* Answered: the tests of unanswered connections make their own. */
    return container_map_conn_insert(t, key,
                                     container_map_conn_hash(t->conns.basis,
                                                             key), b,
                                     kind, true, now, connp);
}

/* Inserts a new connection, asserts that it is recorded as asked, and
 * returns it. */
static inline struct container_map_conn *
conn_insert_ok(struct container_map *t,
               const struct container_map_conn_key *key,
               struct container_map_backend *b,
               enum container_map_conn_kind kind, long long int now)
{
    struct container_map_conn *conn = NULL;

    assert_null(conn_lookup(t, key));
    assert_int_equal(conn_insert(t, key, b, kind, now, &conn), 0);
    assert_non_null(conn);
    assert_ptr_equal(conn_lookup(t, key), conn);
    assert_memory_equal(&conn->key, key, sizeof *key);
    assert_ptr_equal(conn->backend, b);
    assert_int_equal(conn->kind, kind);
    return conn;
}

static inline unsigned int
conn_flags(struct container_map_conn *conn)
{
    uint8_t flags;

    atomic_read_relaxed(&conn->tcp_flags, &flags);
    return flags;
}

static inline void
assert_counters(const struct container_map_counters *c,
                unsigned long long n_packets, unsigned long long n_bytes)
{
    unsigned long long p, b;

    container_map_counters_get(c, &p, &b);
    assert_int_equal(p, n_packets);
    assert_int_equal(b, n_bytes);
}

/* Asserts that, of the 'n' connections 'keys', exactly those whose bit is
 * set in 'present' exist. */
static inline void
assert_present(const struct container_map *t,
               const struct container_map_conn_key keys[], int n,
               unsigned int present, const char *const names[])
{
    for (int i = 0; i < n; i++) {
        bool exists = conn_lookup(t, &keys[i]) != NULL;
        bool expected = (present >> i) & 1;

        if (exists != expected) {
            fail_msg("connection %s %s", names[i],
                     expected ? "is missing" : "should have been removed");
        }
    }
}

#endif /* container-map-test-conn.h */
