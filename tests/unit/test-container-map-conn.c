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

/* cmocka unit tests of lib/container-map-conn (connection entries),
 * lib/container-map-resv and lib/container-map-addr (reservations and
 * mapped addresses), through the coordinator lib/container-map, and of
 * lib/container-map-packet (packet parsing and in-place replies). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/ip6.h>
#include <string.h>

#include "container-map-conn.h"
#include "container-map-packet.h"
#include "container-map-private.h"
#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "util.h"

/* IPv4 addresses, host byte order: two shared public IPs (203.0.113.10 and
 * 203.0.113.11) and two remote hosts (198.51.100.1 and 198.51.100.2). */
#define IP_X 0xcb00710a
#define IP_Y 0xcb00710b
#define PEER1 0xc6336401
#define PEER2 0xc6336402

/* IPv6 counterparts. */
#define IP6_X "2001:db8::10"
#define IP6_PEER "2001:db8:1::7"
#define IP6_ROUTER "2001:db8:ffff::1"

/* Ethernet addresses of test packets: the switch's and a remote router's. */
static const struct eth_addr sw_mac = ETH_ADDR_C(02, 00, 00, 00, 00, aa);
static const struct eth_addr peer_mac = ETH_ADDR_C(50, 54, 00, 00, 00, 01);

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

/* Returns the IPv4-mapped form of 'ip' (host byte order). */
static struct in6_addr
ip4_addr(uint32_t ip)
{
    struct in6_addr addr;

    in6_addr_set_mapped_ipv4(&addr, htonl(ip));
    return addr;
}

/* Returns the textual IPv6 address 's'. */
static struct in6_addr
ip6_addr(const char *s)
{
    struct in6_addr addr;

    assert_true(ipv6_parse(s, &addr));
    return addr;
}

/* Destroys 't' and lets the postponed frees run. */
static void
destroy_table(struct container_map *t)
{
    container_map_destroy(t);
    ovsrcu_quiesce();
}

/* Mappings. */

static void
map_key(struct container_map_key *key, uint32_t table_id,
        const struct in6_addr *ip, uint8_t proto, uint16_t port)
{
    container_map_key_init(key, table_id, ip, proto, htons(port));
}

static const struct container_map_entry *
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
static struct container_map_backend *
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

static int
map_del(struct container_map *t, uint32_t table_id,
        const struct in6_addr *ip, uint8_t proto, uint16_t port,
        const struct eth_addr *mac)
{
    struct container_map_key key;

    map_key(&key, table_id, ip, proto, port);
    return container_map_del(t, &key, mac);
}

/* Reservations and addresses. */

/* Reserves the ranges on 'ip' for 'mac' at 'ofport' (not a flow-based
 * tunnel).  On a conflict, stores the other container's MAC in '*other'. */
static int
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

static const struct container_map_resv *
resv_lookup(const struct container_map *t, uint32_t table_id,
            const struct in6_addr *ip, struct eth_addr mac)
{
    return container_map_resvs_lookup(&t->resvs, table_id, ip, mac);
}

/* Asserts that the reservation of 'mac' on 'ip' exists with these ranges. */
static void
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
static struct container_map_backend *
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

/* The reservations of one table, as resv_flush() collects them. */
struct resv_list {
    struct container_map_resv_view *views;
    size_t n, allocated;
};

static void
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
static size_t
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

static const struct container_map_addr *
addr_lookup(const struct container_map *t, uint32_t table_id,
            const struct in6_addr *ip)
{
    return container_map_addrs_lookup(&t->addrs, table_id, ip);
}

/* The number of backends of all tables. */
static size_t
n_backends(const struct container_map *t)
{
    return hmap_count(&t->backends.map);
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

/* Connections. */

/* What a connection pointer holds before a call that must set it. */
static struct container_map_conn not_set;

static void
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

static struct container_map_conn *
conn_lookup(const struct container_map *t,
            const struct container_map_conn_key *key)
{
    return container_map_conns_lookup(
        &t->conns, key, container_map_conn_hash(t->conns.basis, key));
}

static int
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
static struct container_map_conn *
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

static long long int
conn_expiry(const struct container_map *t,
            const struct container_map_conn *conn)
{
    return container_map_conn_expiry(&t->conns, conn);
}

static unsigned int
conn_flags(struct container_map_conn *conn)
{
    uint8_t flags;

    atomic_read_relaxed(&conn->tcp_flags, &flags);
    return flags;
}

static void
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
static void
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

static void
set_conn_settings(struct container_map *t, unsigned int max_conns,
                  long long int tcp_ms, long long int tcp_closing_ms,
                  long long int udp_ms, long long int icmp_ms)
{
    struct container_map_conn_settings s, got;

    /* The settings not given keep their values. */
    container_map_conn_get_settings(t, &s);
    s.max_conns = max_conns;
    s.tcp_ms = tcp_ms;
    s.tcp_closing_ms = tcp_closing_ms;
    s.udp_ms = udp_ms;
    s.icmp_ms = icmp_ms;
    container_map_conn_set_settings(t, &s);

    container_map_conn_get_settings(t, &got);
    assert_int_equal(got.max_conns, max_conns);
    assert_int_equal(got.tcp_ms, tcp_ms);
    assert_int_equal(got.tcp_closing_ms, tcp_closing_ms);
    assert_int_equal(got.udp_ms, udp_ms);
    assert_int_equal(got.icmp_ms, icmp_ms);
}

/* 1. Outbound connections. */

static void
test_outbound_insert(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), y = ip4_addr(IP_Y);
    struct in6_addr peer = ip4_addr(PEER1);
    struct container_map_conn_key key, key2;
    struct container_map_backend *a, *b;
    struct container_map_conn *conn, *c;

    conn_key(&key, 1, IPPROTO_TCP, &x, 10001, &peer, 80);

    /* Container A is known as a mapping's backend on X, and has
     * reservations on Y and on X in table 2: none of that lets it open
     * connections from X in table 1. */
    a = map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    c = &not_set;
    assert_int_equal(conn_insert(t, &key, a, CONTAINER_MAP_CONN_OUTBOUND,
                                 1000, &c), ESTALE);
    assert_null(c);
    assert_ptr_equal(resv_ok(t, 1, &y, mac_n(1), 2, 10000, 19999, 1, 99), a);
    resv_ok(t, 2, &x, mac_n(1), 2, 10000, 19999, 1, 99);
    assert_int_equal(conn_insert(t, &key, a, CONTAINER_MAP_CONN_OUTBOUND,
                                 1000, &c), ESTALE);
    assert_null(c);
    assert_null(conn_lookup(t, &key));
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 0);
    assert_int_equal(container_map_conn_count(t, 1), 0);
    assert_int_equal(a->n_conns, 0);

    /* With a reservation on X (the same backend object: same table, MAC and
     * port), the connection is recorded. */
    assert_ptr_equal(resv_ok(t, 1, &x, mac_n(1), 2, 10000, 19999, 1, 99), a);
    conn = conn_insert_ok(t, &key, a, CONTAINER_MAP_CONN_OUTBOUND, 1000);
    assert_null(conn->svc_stats);
    assert_null(conn->backend_stats);
    assert_int_equal(conn->created, 1000);
    assert_int_equal(conn_flags(conn), 0);
    assert_counters(&conn->in, 0, 0);
    assert_counters(&conn->out, 0, 0);
    assert_string_equal(container_map_conn_state(conn), "established");
    assert_int_equal(a->n_conns, 1);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 1);
    assert_int_equal(container_map_conn_count(t, 1), 1);
    assert_int_equal(container_map_conn_count(t, 2), 0);

    /* Only the exact key finds it. */
    key2 = key;
    key2.remote_port = htons(81);
    assert_null(conn_lookup(t, &key2));
    key2 = key;
    key2.table_id = 2;
    assert_null(conn_lookup(t, &key2));
    key2 = key;
    key2.proto = IPPROTO_UDP;
    assert_null(conn_lookup(t, &key2));

    /* The same key with the same backend: 0 and the same entry, nothing
     * new, its creation time unchanged. */
    c = NULL;
    assert_int_equal(conn_insert(t, &key, a, CONTAINER_MAP_CONN_OUTBOUND,
                                 2000, &c), 0);
    assert_ptr_equal(c, conn);
    assert_int_equal(conn->created, 1000);
    assert_int_equal(a->n_conns, 1);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 1);

    /* Container B, which also reserved on X, comes with the same 5-tuple:
     * a collision, reported with the connection that has the key. */
    b = resv_ok(t, 1, &x, mac_n(2), 3, 20000, 29999, 100, 199);
    assert_ptr_not_equal(a, b);
    c = NULL;
    assert_int_equal(conn_insert(t, &key, b, CONTAINER_MAP_CONN_OUTBOUND,
                                 3000, &c), EEXIST);
    assert_ptr_equal(c, conn);
    assert_ptr_equal(conn->backend, a);
    assert_ptr_equal(conn_lookup(t, &key), conn);
    assert_int_equal(a->n_conns, 1);
    assert_int_equal(b->n_conns, 0);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 1);

    /* B's own connection is another entry. */
    conn_key(&key2, 1, IPPROTO_TCP, &x, 20001, &peer, 80);
    c = conn_insert_ok(t, &key2, b, CONTAINER_MAP_CONN_OUTBOUND, 3000);
    assert_ptr_not_equal(c, conn);
    assert_int_equal(b->n_conns, 1);
    assert_int_equal(a->n_conns, 1);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 2);

    destroy_table(t);
}

/* 2. Inbound connections. */

static void
test_inbound_insert(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct container_map_backend *a, *b, *c;
    const struct container_map_entry *e;
    struct container_map_conn *conn, *conn2, *tmp;
    struct container_map_conn_key key, key2, bad;
    struct container_map_key k80;

    a = map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    b = map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(2), 3);
    /* C reserved X but is not a backend of the mapping. */
    c = resv_ok(t, 1, &x, mac_n(3), 4, 10000, 19999, 1, 99);
    conn_key(&key, 1, IPPROTO_TCP, &x, 80, &peer, 5000);

    tmp = &not_set;
    assert_int_equal(conn_insert(t, &key, c, CONTAINER_MAP_CONN_INBOUND,
                                 1000, &tmp), ESTALE);
    assert_null(tmp);
    assert_null(conn_lookup(t, &key));

    /* No mapping for the protocol, the port or the table: ESTALE. */
    conn_key(&bad, 1, IPPROTO_UDP, &x, 80, &peer, 5000);
    assert_int_equal(conn_insert(t, &bad, a, CONTAINER_MAP_CONN_INBOUND,
                                 1000, &tmp), ESTALE);
    conn_key(&bad, 1, IPPROTO_TCP, &x, 81, &peer, 5000);
    assert_int_equal(conn_insert(t, &bad, a, CONTAINER_MAP_CONN_INBOUND,
                                 1000, &tmp), ESTALE);
    conn_key(&bad, 2, IPPROTO_TCP, &x, 80, &peer, 5000);
    assert_int_equal(conn_insert(t, &bad, a, CONTAINER_MAP_CONN_INBOUND,
                                 1000, &tmp), ESTALE);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 0);
    assert_int_equal(a->n_conns + b->n_conns + c->n_conns, 0);

    /* A backend of the mapping: the connection shares the mapping's
     * counters and those of its backend. */
    conn = conn_insert_ok(t, &key, b, CONTAINER_MAP_CONN_INBOUND, 1000);
    e = map_lookup(t, 1, &x, IPPROTO_TCP, 80);
    assert_non_null(conn->svc_stats);
    assert_ptr_equal(conn->svc_stats, e->stats);
    assert_ptr_equal(conn->backend_stats, e->bstats[1]);
    assert_ptr_not_equal(conn->backend_stats, e->bstats[0]);
    assert_int_equal(b->n_conns, 1);
    assert_int_equal(a->n_conns, 0);

    conn_key(&key2, 1, IPPROTO_TCP, &x, 80, &peer, 5001);
    conn2 = conn_insert_ok(t, &key2, a, CONTAINER_MAP_CONN_INBOUND, 1000);
    assert_ptr_equal(conn2->svc_stats, e->stats);
    assert_ptr_equal(conn2->backend_stats, e->bstats[0]);
    assert_int_equal(container_map_conn_count(t, 1), 2);

    /* Once recorded, the key belongs to B. */
    tmp = NULL;
    assert_int_equal(conn_insert(t, &key, a, CONTAINER_MAP_CONN_INBOUND,
                                 1001, &tmp), EEXIST);
    assert_ptr_equal(tmp, conn);
    assert_int_equal(a->n_conns, 1);

    /* Adding a backend and draining one replace the entry, but keep its
     * counters, so the connections still count where the mapping does. */
    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(4), 5);
    map_key(&k80, 1, &x, IPPROTO_TCP, 80);
    assert_int_equal(container_map_drain(t, &k80, mac_n(1), true), 0);
    e = map_lookup(t, 1, &x, IPPROTO_TCP, 80);
    assert_int_equal(e->n_backends, 3);
    assert_ptr_equal(conn_lookup(t, &key), conn);
    assert_ptr_equal(conn_lookup(t, &key2), conn2);
    assert_ptr_equal(conn->svc_stats, e->stats);
    assert_ptr_equal(conn->backend_stats, e->bstats[1]);
    assert_ptr_equal(conn2->backend_stats, e->bstats[0]);

    destroy_table(t);
}

/* 3. Forgetting connections.
 *
 * The fixture: on X, table 1, mappings tcp/80 -> A, B; tcp/443 -> A;
 * udp/53 -> B; in table 2, tcp/80 -> A2 (A's MAC and port, table 2).
 * Reservations in table 1: A on X and on Y, B on X.  One connection of each
 * kind below. */

enum {
    FX_IN_80_A,         /* Inbound, X tcp/80, to A. */
    FX_IN_80_B,         /* Inbound, X tcp/80, to B. */
    FX_IN_443_A,        /* Inbound, X tcp/443, to A. */
    FX_IN_53_B,         /* Inbound, X udp/53, to B. */
    FX_IN_T2,           /* Inbound, table 2, X tcp/80, to A2. */
    FX_OUT_A,           /* Outbound, X tcp, from A. */
    FX_OUT_ICMP_A,      /* Outbound, X ICMP echo, from A. */
    FX_OUT_B,           /* Outbound, X tcp, from B. */
    FX_OUT_Y_A,         /* Outbound, Y tcp, from A. */
    FX_EXTRA,           /* Made by a test, if any. */
    N_FX
};

#define FX_BIT(I) (1u << (I))
#define FX_ALL (FX_BIT(FX_EXTRA) - 1)

static const char *const fx_names[N_FX] = {
    "in-80-A", "in-80-B", "in-443-A", "in-53-B", "in-table2",
    "out-A", "out-icmp-A", "out-B", "out-Y-A", "extra",
};

struct fixture {
    struct container_map *t;
    struct in6_addr x, y, peer;
    struct container_map_backend *a, *b, *a2;
    struct container_map_conn_key keys[N_FX];
    struct container_map_backend *to[N_FX];     /* Backend of each. */
};

static void
fx_conn(struct fixture *fx, int i, uint32_t table_id, uint8_t proto,
        const struct in6_addr *local_ip, uint16_t local_port,
        uint16_t remote_port, struct container_map_backend *b,
        enum container_map_conn_kind kind)
{
    conn_key(&fx->keys[i], table_id, proto, local_ip, local_port, &fx->peer,
             remote_port);
    fx->to[i] = b;
    conn_insert_ok(fx->t, &fx->keys[i], b, kind, 1000);
}

/* Asserts that exactly the connections in 'present' (FX_BIT()s) exist, each
 * to its backend, and that the counts of connections agree. */
static void
fx_assert(const struct fixture *fx, unsigned int present)
{
    unsigned int n_a = 0, n_b = 0, n_a2 = 0;
    size_t n_t1 = 0, n_t2 = 0;

    assert_present(fx->t, fx->keys, N_FX, present, fx_names);
    for (int i = 0; i < N_FX; i++) {
        const struct container_map_conn *c = conn_lookup(fx->t, &fx->keys[i]);

        if (c) {
            assert_ptr_equal(c->backend, fx->to[i]);
            n_a += c->backend == fx->a;
            n_b += c->backend == fx->b;
            n_a2 += c->backend == fx->a2;
            n_t1 += c->key.table_id == 1;
            n_t2 += c->key.table_id == 2;
        }
    }
    assert_int_equal(fx->a->n_conns, n_a);
    assert_int_equal(fx->b->n_conns, n_b);
    if (present & FX_BIT(FX_IN_T2)) {
        /* A2 only lives as long as the mapping of table 2. */
        assert_int_equal(fx->a2->n_conns, n_a2);
    }
    assert_int_equal(container_map_conn_count(fx->t, 1), n_t1);
    assert_int_equal(container_map_conn_count(fx->t, 2), n_t2);
    assert_int_equal(container_map_conn_count(fx->t, UINT32_MAX),
                     n_t1 + n_t2);
}

static void
fx_init(struct fixture *fx)
{
    struct container_map *t = container_map_create();

    memset(fx, 0, sizeof *fx);
    fx->t = t;
    fx->x = ip4_addr(IP_X);
    fx->y = ip4_addr(IP_Y);
    fx->peer = ip4_addr(PEER1);

    fx->a = map_add(t, 1, &fx->x, IPPROTO_TCP, 80, mac_n(1), 2);
    fx->b = map_add(t, 1, &fx->x, IPPROTO_TCP, 80, mac_n(2), 3);
    assert_ptr_equal(map_add(t, 1, &fx->x, IPPROTO_TCP, 443, mac_n(1), 2),
                     fx->a);
    assert_ptr_equal(map_add(t, 1, &fx->x, IPPROTO_UDP, 53, mac_n(2), 3),
                     fx->b);
    fx->a2 = map_add(t, 2, &fx->x, IPPROTO_TCP, 80, mac_n(1), 2);
    assert_ptr_not_equal(fx->a2, fx->a);
    assert_ptr_equal(resv_ok(t, 1, &fx->x, mac_n(1), 2, 10000, 19999,
                             100, 199), fx->a);
    assert_ptr_equal(resv_ok(t, 1, &fx->x, mac_n(2), 3, 20000, 29999,
                             200, 299), fx->b);
    assert_ptr_equal(resv_ok(t, 1, &fx->y, mac_n(1), 2, 10000, 19999,
                             100, 199), fx->a);

    fx_conn(fx, FX_IN_80_A, 1, IPPROTO_TCP, &fx->x, 80, 5000, fx->a,
            CONTAINER_MAP_CONN_INBOUND);
    fx_conn(fx, FX_IN_80_B, 1, IPPROTO_TCP, &fx->x, 80, 5001, fx->b,
            CONTAINER_MAP_CONN_INBOUND);
    fx_conn(fx, FX_IN_443_A, 1, IPPROTO_TCP, &fx->x, 443, 5002, fx->a,
            CONTAINER_MAP_CONN_INBOUND);
    fx_conn(fx, FX_IN_53_B, 1, IPPROTO_UDP, &fx->x, 53, 5003, fx->b,
            CONTAINER_MAP_CONN_INBOUND);
    fx_conn(fx, FX_IN_T2, 2, IPPROTO_TCP, &fx->x, 80, 5004, fx->a2,
            CONTAINER_MAP_CONN_INBOUND);
    fx_conn(fx, FX_OUT_A, 1, IPPROTO_TCP, &fx->x, 10001, 80, fx->a,
            CONTAINER_MAP_CONN_OUTBOUND);
    fx_conn(fx, FX_OUT_ICMP_A, 1, IPPROTO_ICMP, &fx->x, 150, 0, fx->a,
            CONTAINER_MAP_CONN_OUTBOUND);
    fx_conn(fx, FX_OUT_B, 1, IPPROTO_TCP, &fx->x, 20001, 80, fx->b,
            CONTAINER_MAP_CONN_OUTBOUND);
    fx_conn(fx, FX_OUT_Y_A, 1, IPPROTO_TCP, &fx->y, 10001, 80, fx->a,
            CONTAINER_MAP_CONN_OUTBOUND);

    /* FX_EXTRA is not made here; its key matches nothing until a test sets
     * it. */
    conn_key(&fx->keys[FX_EXTRA], 1, IPPROTO_TCP, &fx->x, 80, &fx->peer,
             6000);
    fx_assert(fx, FX_ALL);
}

/* Records connection FX_EXTRA 'key' -> 'b', asserting success. */
static void
fx_extra(struct fixture *fx, const struct container_map_conn_key *key,
         struct container_map_backend *b, enum container_map_conn_kind kind)
{
    fx->keys[FX_EXTRA] = *key;
    fx->to[FX_EXTRA] = b;
    conn_insert_ok(fx->t, key, b, kind, 2000);
}

static void
test_forget_backend_del(void **state OVS_UNUSED)
{
    struct container_map_conn_key key;
    struct container_map_conn *c;
    struct eth_addr mac1 = mac_n(1), mac2 = mac_n(2);
    struct fixture fx;

    fx_init(&fx);

    /* Removing B from tcp/80 forgets B's connection there, and neither B's
     * others (udp/53, outbound) nor A's on tcp/80. */
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_TCP, 80, &mac2), 0);
    fx_assert(&fx, FX_ALL & ~FX_BIT(FX_IN_80_B));

    /* B can no longer get connections there, A still can. */
    conn_key(&key, 1, IPPROTO_TCP, &fx.x, 80, &fx.peer, 6000);
    assert_int_equal(conn_insert(fx.t, &key, fx.b, CONTAINER_MAP_CONN_INBOUND,
                                 2000, &c), ESTALE);
    fx_extra(&fx, &key, fx.a, CONTAINER_MAP_CONN_INBOUND);
    fx_assert(&fx, (FX_ALL | FX_BIT(FX_EXTRA)) & ~FX_BIT(FX_IN_80_B));

    /* A failed deletion forgets nothing. */
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_TCP, 80, &mac2),
                     ENOENT);
    fx_assert(&fx, (FX_ALL | FX_BIT(FX_EXTRA)) & ~FX_BIT(FX_IN_80_B));

    /* Deleting A, the last backend of tcp/443, deletes the mapping and the
     * connection to it. */
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_TCP, 443, &mac1), 0);
    assert_null(map_lookup(fx.t, 1, &fx.x, IPPROTO_TCP, 443));
    fx_assert(&fx, (FX_ALL | FX_BIT(FX_EXTRA))
                   & ~(FX_BIT(FX_IN_80_B) | FX_BIT(FX_IN_443_A)));

    /* And A from tcp/80: both of A's connections there go. */
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_TCP, 80, &mac1), 0);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_IN_80_A) | FX_BIT(FX_IN_80_B)
                              | FX_BIT(FX_IN_443_A)));

    destroy_table(fx.t);
}

static void
test_forget_mapping_del(void **state OVS_UNUSED)
{
    struct fixture fx;

    fx_init(&fx);

    /* Deleting the whole mapping tcp/80 forgets the connections of all its
     * backends, only there. */
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_TCP, 80, NULL), 0);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_IN_80_A) | FX_BIT(FX_IN_80_B)));
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_TCP, 80, NULL), ENOENT);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_IN_80_A) | FX_BIT(FX_IN_80_B)));

    /* udp/53. */
    assert_int_equal(map_del(fx.t, 1, &fx.x, IPPROTO_UDP, 53, NULL), 0);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_IN_80_A) | FX_BIT(FX_IN_80_B)
                              | FX_BIT(FX_IN_53_B)));

    /* The same key in table 2. */
    assert_int_equal(map_del(fx.t, 2, &fx.x, IPPROTO_TCP, 80, NULL), 0);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_IN_80_A) | FX_BIT(FX_IN_80_B)
                              | FX_BIT(FX_IN_53_B) | FX_BIT(FX_IN_T2)));

    destroy_table(fx.t);
}

static void
test_forget_flush(void **state OVS_UNUSED)
{
    const unsigned int outbound = (FX_BIT(FX_OUT_A) | FX_BIT(FX_OUT_ICMP_A)
                                   | FX_BIT(FX_OUT_B) | FX_BIT(FX_OUT_Y_A));
    struct container_map_conn_key key;
    struct fixture fx;

    fx_init(&fx);

    /* Flushing the mappings of table 1 forgets its inbound connections, not
     * its outbound ones nor those of table 2. */
    assert_int_equal(container_map_flush(fx.t, 1), 3);
    fx_assert(&fx, outbound | FX_BIT(FX_IN_T2));

    /* Flushing connections by table. */
    assert_int_equal(container_map_conn_flush(fx.t, 2), 1);
    fx_assert(&fx, outbound);
    assert_int_equal(container_map_conn_flush(fx.t, 1), 4);
    fx_assert(&fx, 0);
    assert_int_equal(container_map_conn_flush(fx.t, UINT32_MAX), 0);
    assert_int_equal(fx.a->n_conns, 0);
    assert_int_equal(fx.b->n_conns, 0);

    /* What still stands takes new connections. */
    conn_key(&key, 1, IPPROTO_TCP, &fx.x, 10002, &fx.peer, 80);
    fx_extra(&fx, &key, fx.a, CONTAINER_MAP_CONN_OUTBOUND);
    fx_assert(&fx, FX_BIT(FX_EXTRA));
    assert_int_equal(container_map_conn_flush(fx.t, UINT32_MAX), 1);
    fx_assert(&fx, 0);
    destroy_table(fx.t);

    /* Flushing the mappings of all tables forgets all inbound
     * connections. */
    fx_init(&fx);
    assert_int_equal(container_map_flush(fx.t, UINT32_MAX), 4);
    fx_assert(&fx, outbound);
    destroy_table(fx.t);
}

static void
test_forget_port_change(void **state OVS_UNUSED)
{
    struct container_map_backend *a7;
    struct container_map_conn_key key;
    struct container_map_conn *c;
    struct container_map_key k80;
    struct fixture fx;

    fx_init(&fx);
    map_key(&k80, 1, &fx.x, IPPROTO_TCP, 80);

    /* Changes that leave A where it is forget nothing: adding it again,
     * draining and undraining it, adding another backend. */
    assert_ptr_equal(map_add(fx.t, 1, &fx.x, IPPROTO_TCP, 80, mac_n(1), 2),
                     fx.a);
    assert_int_equal(container_map_drain(fx.t, &k80, mac_n(1), true), 0);
    assert_int_equal(container_map_drain(fx.t, &k80, mac_n(1), false), 0);
    map_add(fx.t, 1, &fx.x, IPPROTO_TCP, 80, mac_n(3), 4);
    fx_assert(&fx, FX_ALL);

    /* A moves to port 7 in tcp/80: its connection there is forgotten (it
     * led to the old port).  A's connections elsewhere stay, at the old
     * port, which tcp/443 and the reservations still use. */
    a7 = map_add(fx.t, 1, &fx.x, IPPROTO_TCP, 80, mac_n(1), 7);
    assert_ptr_not_equal(a7, fx.a);
    assert_int_equal(a7->n_conns, 0);
    fx_assert(&fx, FX_ALL & ~FX_BIT(FX_IN_80_A));

    /* The old backend is no longer valid on tcp/80, the new one is. */
    conn_key(&key, 1, IPPROTO_TCP, &fx.x, 80, &fx.peer, 6000);
    assert_int_equal(conn_insert(fx.t, &key, fx.a, CONTAINER_MAP_CONN_INBOUND,
                                 2000, &c), ESTALE);
    fx_extra(&fx, &key, a7, CONTAINER_MAP_CONN_INBOUND);
    assert_int_equal(a7->n_conns, 1);
    fx_assert(&fx, (FX_ALL | FX_BIT(FX_EXTRA)) & ~FX_BIT(FX_IN_80_A));

    /* Moving it back forgets the new one. */
    assert_ptr_equal(map_add(fx.t, 1, &fx.x, IPPROTO_TCP, 80, mac_n(1), 2),
                     fx.a);
    fx_assert(&fx, FX_ALL & ~FX_BIT(FX_IN_80_A));

    destroy_table(fx.t);
}

static void
test_forget_resv_del(void **state OVS_UNUSED)
{
    const unsigned int inbound = (FX_BIT(FX_IN_80_A) | FX_BIT(FX_IN_80_B)
                                  | FX_BIT(FX_IN_443_A) | FX_BIT(FX_IN_53_B)
                                  | FX_BIT(FX_IN_T2));
    struct container_map_conn_key key;
    struct container_map_conn *c;
    struct fixture fx;

    fx_init(&fx);

    /* Deleting A's reservation on X forgets A's outbound connections from
     * X: not those from Y, not its inbound ones. */
    assert_int_equal(container_map_unreserve(fx.t, 1, &fx.x, mac_n(1)), 0);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_OUT_A) | FX_BIT(FX_OUT_ICMP_A)));
    conn_key(&key, 1, IPPROTO_TCP, &fx.x, 10002, &fx.peer, 80);
    assert_int_equal(conn_insert(fx.t, &key, fx.a,
                                 CONTAINER_MAP_CONN_OUTBOUND, 2000, &c),
                     ESTALE);
    assert_int_equal(container_map_unreserve(fx.t, 1, &fx.x, mac_n(1)),
                     ENOENT);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_OUT_A) | FX_BIT(FX_OUT_ICMP_A)));

    /* Flushing the reservations forgets the remaining outbound ones. */
    assert_int_equal(resv_flush(fx.t, 2), 0);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_OUT_A) | FX_BIT(FX_OUT_ICMP_A)));
    assert_int_equal(resv_flush(fx.t, 1), 2);
    fx_assert(&fx, inbound);

    destroy_table(fx.t);
}

static void
test_forget_resv_change(void **state OVS_UNUSED)
{
    const unsigned int gone = (FX_BIT(FX_OUT_A) | FX_BIT(FX_OUT_ICMP_A)
                               | FX_BIT(FX_OUT_B));
    struct container_map_backend *b9;
    struct container_map_conn_key key;
    struct container_map_conn *c;
    struct eth_addr other;
    struct fixture fx;

    fx_init(&fx);

    /* Setting a reservation again as it is forgets nothing. */
    resv_ok(fx.t, 1, &fx.x, mac_n(1), 2, 10000, 19999, 100, 199);
    fx_assert(&fx, FX_ALL);

    /* New ranges for A on X, same port: A's outbound connections from X are
     * forgotten, not the one from Y nor its inbound ones. */
    resv_ok(fx.t, 1, &fx.x, mac_n(1), 2, 11000, 11999, 100, 199);
    fx_assert(&fx, FX_ALL & ~(FX_BIT(FX_OUT_A) | FX_BIT(FX_OUT_ICMP_A)));

    /* B moves to port 9: its outbound connection goes; its inbound ones
     * stay, since the mappings still have B at port 3. */
    b9 = resv_ok(fx.t, 1, &fx.x, mac_n(2), 9, 20000, 29999, 200, 299);
    assert_ptr_not_equal(b9, fx.b);
    fx_assert(&fx, FX_ALL & ~gone);

    /* Only the backend at the new port opens connections. */
    conn_key(&key, 1, IPPROTO_TCP, &fx.x, 20002, &fx.peer, 80);
    assert_int_equal(conn_insert(fx.t, &key, fx.b,
                                 CONTAINER_MAP_CONN_OUTBOUND, 2000, &c),
                     ESTALE);
    fx_extra(&fx, &key, b9, CONTAINER_MAP_CONN_OUTBOUND);
    assert_int_equal(b9->n_conns, 1);

    /* A refused change (overlapping A's ranges) forgets nothing. */
    assert_int_equal(resv_set(fx.t, 1, &fx.x, mac_n(2), 9, 11500, 11600,
                              200, 299, &other), EEXIST);
    assert_resv(fx.t, 1, &fx.x, mac_n(2), 9, 20000, 29999, 200, 299);
    fx_assert(&fx, (FX_ALL | FX_BIT(FX_EXTRA)) & ~gone);
    assert_int_equal(b9->n_conns, 1);

    destroy_table(fx.t);
}

/* 4. Expiry. */

enum {
    EX_TCP, EX_FIN_IN, EX_FIN_OUT, EX_FIN_BOTH, EX_RST, EX_UDP, EX_SCTP,
    EX_ICMP, EX_ICMP6, N_EX
};

static const char *const ex_names[N_EX] = {
    "tcp", "tcp-fin-in", "tcp-fin-out", "tcp-fin-both", "tcp-rst", "udp",
    "sctp", "icmp", "icmp6",
};

#define EX_BIT(I) (1u << (I))

static void
test_expiry(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_conn_key keys[N_EX];
    struct container_map_conn *c[N_EX];
    struct container_map_backend *a;
    const long long int t0 = 1000000;
    unsigned int present = EX_BIT(N_EX) - 1;

    set_conn_settings(t, 100, 10000, 1000, 5000, 3000);
    a = resv_ok(t, 1, &x, mac_n(1), 2, 10000, 19999, 100, 199);
    assert_ptr_equal(resv_ok(t, 1, &x6, mac_n(1), 2, 10000, 19999, 100, 199),
                     a);

    for (int i = EX_TCP; i <= EX_RST; i++) {
        conn_key(&keys[i], 1, IPPROTO_TCP, &x, 10001 + i, &peer, 80);
    }
    conn_key(&keys[EX_UDP], 1, IPPROTO_UDP, &x, 10010, &peer, 53);
    conn_key(&keys[EX_SCTP], 1, IPPROTO_SCTP, &x, 10011, &peer, 9899);
    conn_key(&keys[EX_ICMP], 1, IPPROTO_ICMP, &x, 150, &peer, 0);
    conn_key(&keys[EX_ICMP6], 1, IPPROTO_ICMPV6, &x6, 151, &peer6, 0);
    for (int i = 0; i < N_EX; i++) {
        c[i] = conn_insert_ok(t, &keys[i], a, CONTAINER_MAP_CONN_OUTBOUND,
                              t0);
    }

    /* Idle timeouts by protocol. */
    assert_int_equal(conn_expiry(t, c[EX_TCP]), t0 + 10000);
    assert_int_equal(conn_expiry(t, c[EX_UDP]), t0 + 5000);
    assert_int_equal(conn_expiry(t, c[EX_SCTP]), t0 + 5000);
    assert_int_equal(conn_expiry(t, c[EX_ICMP]), t0 + 3000);
    assert_int_equal(conn_expiry(t, c[EX_ICMP6]), t0 + 3000);
    assert_string_equal(container_map_conn_state(c[EX_TCP]), "established");
    assert_string_equal(container_map_conn_state(c[EX_UDP]), "active");

    /* Packets without FIN or RST refresh but do not shorten, and are
     * counted in their direction. */
    container_map_conn_touch(c[EX_TCP], t0 + 100, TCP_ACK | TCP_PSH, true,
                             1500);
    container_map_conn_touch(c[EX_TCP], t0 + 100, TCP_SYN | TCP_ACK, false,
                             60);
    container_map_conn_touch(c[EX_TCP], t0 + 100, TCP_ACK, false, 40);
    assert_int_equal(conn_flags(c[EX_TCP]), 0);
    assert_int_equal(conn_expiry(t, c[EX_TCP]), t0 + 10100);
    assert_string_equal(container_map_conn_state(c[EX_TCP]), "established");
    assert_counters(&c[EX_TCP]->in, 1, 1500);
    assert_counters(&c[EX_TCP]->out, 2, 100);

    /* FIN from the remote side, from the container, both; RST. */
    container_map_conn_touch(c[EX_FIN_IN], t0 + 100, TCP_FIN | TCP_ACK, true,
                             40);
    assert_int_equal(conn_flags(c[EX_FIN_IN]), CONTAINER_MAP_CONN_FIN_IN);
    assert_int_equal(conn_expiry(t, c[EX_FIN_IN]), t0 + 1100);
    assert_string_equal(container_map_conn_state(c[EX_FIN_IN]), "closing");

    container_map_conn_touch(c[EX_FIN_OUT], t0 + 200, TCP_FIN | TCP_ACK,
                             false, 40);
    assert_int_equal(conn_flags(c[EX_FIN_OUT]), CONTAINER_MAP_CONN_FIN_OUT);
    assert_int_equal(conn_expiry(t, c[EX_FIN_OUT]), t0 + 1200);
    assert_string_equal(container_map_conn_state(c[EX_FIN_OUT]), "closing");

    container_map_conn_touch(c[EX_FIN_BOTH], t0 + 100, TCP_FIN, true, 40);
    container_map_conn_touch(c[EX_FIN_BOTH], t0 + 300, TCP_FIN | TCP_ACK,
                             false, 40);
    assert_int_equal(conn_flags(c[EX_FIN_BOTH]),
                     CONTAINER_MAP_CONN_FIN_IN | CONTAINER_MAP_CONN_FIN_OUT);
    assert_int_equal(conn_expiry(t, c[EX_FIN_BOTH]), t0 + 1300);
    assert_string_equal(container_map_conn_state(c[EX_FIN_BOTH]), "closed");

    container_map_conn_touch(c[EX_RST], t0 + 50, TCP_RST, false, 40);
    assert_int_equal(conn_flags(c[EX_RST]), CONTAINER_MAP_CONN_RST);
    assert_int_equal(conn_expiry(t, c[EX_RST]), t0 + 1050);
    assert_string_equal(container_map_conn_state(c[EX_RST]), "reset");

    /* Nothing has expired before the earliest expiry. */
    assert_int_equal(container_map_conn_sweep(t, t0), 0);
    assert_int_equal(container_map_conn_sweep(t, t0 + 1049), 0);
    assert_present(t, keys, N_EX, present, ex_names);

    /* An entry whose expiry is 'now' goes, exactly it. */
    assert_int_equal(container_map_conn_sweep(t, t0 + 1050), 1);
    present &= ~EX_BIT(EX_RST);
    assert_present(t, keys, N_EX, present, ex_names);
    assert_int_equal(a->n_conns, N_EX - 1);

    assert_int_equal(container_map_conn_sweep(t, t0 + 1199), 1);
    present &= ~EX_BIT(EX_FIN_IN);
    assert_present(t, keys, N_EX, present, ex_names);
    assert_int_equal(container_map_conn_sweep(t, t0 + 1200), 1);
    present &= ~EX_BIT(EX_FIN_OUT);
    assert_present(t, keys, N_EX, present, ex_names);
    assert_int_equal(container_map_conn_sweep(t, t0 + 1300), 1);
    present &= ~EX_BIT(EX_FIN_BOTH);
    assert_present(t, keys, N_EX, present, ex_names);

    /* A packet refreshes: the ICMP echo outlives the ICMPv6 one. */
    container_map_conn_touch(c[EX_ICMP], t0 + 2000, 0, true, 84);
    assert_int_equal(conn_expiry(t, c[EX_ICMP]), t0 + 5000);
    assert_int_equal(container_map_conn_sweep(t, t0 + 2999), 0);
    assert_int_equal(container_map_conn_sweep(t, t0 + 3000), 1);
    present &= ~EX_BIT(EX_ICMP6);
    assert_present(t, keys, N_EX, present, ex_names);

    container_map_conn_touch(c[EX_UDP], t0 + 4999, 0, false, 100);
    assert_int_equal(container_map_conn_sweep(t, t0 + 5000), 2);
    present &= ~(EX_BIT(EX_SCTP) | EX_BIT(EX_ICMP));
    assert_present(t, keys, N_EX, present, ex_names);
    assert_int_equal(container_map_conn_sweep(t, t0 + 9998), 0);
    assert_int_equal(container_map_conn_sweep(t, t0 + 9999), 1);
    present &= ~EX_BIT(EX_UDP);
    assert_present(t, keys, N_EX, present, ex_names);

    assert_int_equal(container_map_conn_sweep(t, t0 + 10099), 0);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 1);
    assert_int_equal(container_map_conn_sweep(t, t0 + 10100), 1);
    assert_present(t, keys, N_EX, 0, ex_names);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 0);
    assert_int_equal(a->n_conns, 0);
    assert_int_equal(container_map_conn_sweep(t, t0 + 100000000), 0);

    destroy_table(t);
}

/* 5. Table limit. */

static void
test_limit(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct container_map_conn_key keys[8];
    struct container_map_conn *c;
    struct container_map_backend *a;

    set_conn_settings(t, 3, 10000, 1000, 100, 100);
    a = resv_ok(t, 1, &x, mac_n(1), 2, 10000, 19999, 100, 199);
    for (int i = 0; i < ARRAY_SIZE(keys); i++) {
        conn_key(&keys[i], 1, IPPROTO_UDP, &x, 10000 + i, &peer, 53);
    }

    for (int i = 0; i < 3; i++) {
        conn_insert_ok(t, &keys[i], a, CONTAINER_MAP_CONN_OUTBOUND, 1000 + i);
    }

    /* Full: ENOSPC, and nothing is recorded. */
    c = &not_set;
    assert_int_equal(conn_insert(t, &keys[3], a, CONTAINER_MAP_CONN_OUTBOUND,
                                 1003, &c), ENOSPC);
    assert_null(c);
    assert_null(conn_lookup(t, &keys[3]));
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 3);
    assert_int_equal(a->n_conns, 3);

    /* A higher limit makes room. */
    set_conn_settings(t, 4, 10000, 1000, 100, 100);
    conn_insert_ok(t, &keys[3], a, CONTAINER_MAP_CONN_OUTBOUND, 1003);
    assert_int_equal(conn_insert(t, &keys[4], a, CONTAINER_MAP_CONN_OUTBOUND,
                                 1004, &c), ENOSPC);
    assert_null(conn_lookup(t, &keys[4]));
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 4);

    /* A lower one removes nothing, new connections wait for room. */
    set_conn_settings(t, 2, 10000, 1000, 100, 100);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 4);
    for (int i = 0; i < 4; i++) {
        assert_non_null(conn_lookup(t, &keys[i]));
    }
    assert_int_equal(conn_insert(t, &keys[4], a, CONTAINER_MAP_CONN_OUTBOUND,
                                 1004, &c), ENOSPC);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 4);

    /* The first three expire: one fits again under the limit of 2. */
    assert_int_equal(container_map_conn_sweep(t, 1102), 3);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 1);
    conn_insert_ok(t, &keys[4], a, CONTAINER_MAP_CONN_OUTBOUND, 1200);
    assert_int_equal(conn_insert(t, &keys[5], a, CONTAINER_MAP_CONN_OUTBOUND,
                                 1200, &c), ENOSPC);
    assert_null(conn_lookup(t, &keys[5]));
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 2);
    assert_int_equal(a->n_conns, 2);

    destroy_table(t);
}

/* Inserts an inbound connection that is not answered yet. */
static struct container_map_conn *
insert_unanswered(struct container_map *t,
                  const struct container_map_conn_key *key,
                  struct container_map_backend *b, long long int now,
                  int expected)
{
    struct container_map_conn *c = NULL;

    assert_int_equal(container_map_conn_insert(
                         t, key, container_map_conn_hash(t->conns.basis, key),
                         b, CONTAINER_MAP_CONN_INBOUND, false, now, &c),
                     expected);
    return c;
}

/* Inbound connections nobody answered (a SYN flood's) expire after the
 * short unanswered timeout and are the first to make room, oldest first;
 * answered ones stay. */
static void
test_unanswered(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct container_map_conn_key keys[8], out;
    struct container_map_conn *c[8];
    struct container_map_conn_settings s;
    struct container_map_backend *a;

    a = map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(2), 3);
    resv_ok(t, 1, &x, mac_n(1), 2, 10000, 19999, 100, 199);
    set_conn_settings(t, 4, 100000, 1000, 60000, 30000);
    container_map_conn_get_settings(t, &s);
    s.unanswered_ms = 5000;
    container_map_conn_set_settings(t, &s);
    for (int i = 0; i < ARRAY_SIZE(keys); i++) {
        conn_key(&keys[i], 1, IPPROTO_TCP, &x, 80, &peer, 5000 + i);
    }

    for (int i = 0; i < 4; i++) {
        c[i] = insert_unanswered(t, &keys[i], a, 1000 + i, 0);
        assert_string_equal(container_map_conn_state(c[i]), "unanswered");
        assert_int_equal(conn_expiry(t, c[i]), 1000 + i + 5000);
    }
    /* c1: the client completes the handshake, which proves nothing, then
     * the container acknowledges its request; c2: the container sends on
     * an established connection.  c3: a SYN-ACK from the container, another
     * SYN and a blind ACK from the client, answered by the container's RST,
     * answer nothing (a flood gets them too). */
    container_map_conn_touch(c[1], 1005, TCP_SYN | TCP_ACK, false, 60);
    container_map_conn_touch(c[1], 1006, TCP_ACK, true, 60);
    assert_string_equal(container_map_conn_state(c[1]), "unanswered");
    container_map_conn_touch(c[1], 1010, TCP_ACK, false, 60);
    container_map_conn_touch(c[2], 1010, TCP_ACK | TCP_PSH, false, 60);
    container_map_conn_touch(c[3], 1005, TCP_SYN | TCP_ACK, false, 60);
    container_map_conn_touch(c[3], 1008, TCP_SYN, true, 60);
    container_map_conn_touch(c[3], 1009, TCP_ACK, true, 60);
    container_map_conn_touch(c[3], 1010, TCP_RST | TCP_ACK, false, 60);
    assert_string_equal(container_map_conn_state(c[1]), "established");
    assert_string_equal(container_map_conn_state(c[2]), "established");
    assert_string_equal(container_map_conn_state(c[3]), "unanswered");
    assert_int_equal(conn_expiry(t, c[1]), 1010 + 100000);
    assert_int_equal(conn_expiry(t, c[3]), 1010 + 1000);     /* Reset. */

    /* Full: each new connection makes room of the oldest unanswered one,
     * then of the next; the answered ones stay. */
    insert_unanswered(t, &keys[4], a, 1020, 0);
    assert_null(conn_lookup(t, &keys[0]));
    conn_key(&out, 1, IPPROTO_TCP, &x, 10001, &peer, 443);
    conn_insert_ok(t, &out, a, CONTAINER_MAP_CONN_OUTBOUND, 1021);
    assert_null(conn_lookup(t, &keys[3]));
    insert_unanswered(t, &keys[5], a, 1022, 0);
    assert_null(conn_lookup(t, &keys[4]));
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 4);
    assert_int_equal(container_map_get_counter(t, 1,
                                               CONTAINER_MAP_EV_CONN_EVICTED),
                     3);
    /* Only answered ones left but one: once that one is answered too, the
     * table is full for good. */
    container_map_conn_touch(conn_lookup(t, &keys[5]), 1023, TCP_ACK, false,
                             60);
    insert_unanswered(t, &keys[6], a, 1024, ENOSPC);
    assert_non_null(conn_lookup(t, &keys[1]));
    assert_non_null(conn_lookup(t, &keys[2]));
    assert_non_null(conn_lookup(t, &out));

    /* Unanswered ones expire in seconds. */
    set_conn_settings(t, 8, 100000, 1000, 60000, 30000);
    container_map_conn_get_settings(t, &s);
    s.unanswered_ms = 5000;
    container_map_conn_set_settings(t, &s);
    insert_unanswered(t, &keys[6], a, 2000, 0);
    assert_int_equal(container_map_conn_sweep(t, 6999), 0);
    assert_int_equal(container_map_conn_sweep(t, 7000), 1);
    assert_null(conn_lookup(t, &keys[6]));
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 4);
    destroy_table(t);
}

/* No remote source and no container takes more than its share. */
static void
test_conn_limits(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X);
    struct in6_addr p1 = ip4_addr(PEER1), p2 = ip4_addr(PEER2);
    struct container_map_conn_settings s;
    struct container_map_conn_key key;
    struct container_map_backend *a, *b;
    struct container_map_conn *c;

    a = map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(1), 2);
    b = map_add(t, 1, &x, IPPROTO_TCP, 80, mac_n(2), 3);
    resv_ok(t, 1, &x, mac_n(1), 2, 10000, 19999, 100, 199);
    container_map_conn_get_settings(t, &s);
    s.per_source = 2;
    s.per_container = 3;
    container_map_conn_set_settings(t, &s);

    /* Per source: two inbound connections from PEER1, the third refused;
     * PEER2 still gets in. */
    for (int i = 0; i < 3; i++) {
        conn_key(&key, 1, IPPROTO_TCP, &x, 80, &p1, 5000 + i);
        assert_int_equal(conn_insert(t, &key, b, CONTAINER_MAP_CONN_INBOUND,
                                     1000, &c), i < 2 ? 0 : EDQUOT);
    }
    conn_key(&key, 1, IPPROTO_TCP, &x, 80, &p2, 5000);
    conn_insert_ok(t, &key, b, CONTAINER_MAP_CONN_INBOUND, 1000);
    /* B has 3 now: its fourth is refused, whoever it comes from. */
    conn_key(&key, 1, IPPROTO_TCP, &x, 80, &p2, 5001);
    assert_int_equal(conn_insert(t, &key, b, CONTAINER_MAP_CONN_INBOUND,
                                 1000, &c), EDQUOT);
    assert_int_equal(b->n_conns, 3);

    /* Per container, outbound too: A's fourth is refused. */
    for (int i = 0; i < 4; i++) {
        conn_key(&key, 1, IPPROTO_UDP, &x, 10000 + i, &p1, 53);
        assert_int_equal(conn_insert(t, &key, a, CONTAINER_MAP_CONN_OUTBOUND,
                                     1000, &c), i < 3 ? 0 : EDQUOT);
    }
    assert_int_equal(a->n_conns, 3);

    /* When connections go, room comes back. */
    struct eth_addr mac2 = mac_n(2);

    assert_int_equal(map_del(t, 1, &x, IPPROTO_TCP, 80, &mac2), 0);
    conn_key(&key, 1, IPPROTO_TCP, &x, 80, &p1, 5002);
    assert_int_equal(conn_insert(t, &key, a, CONTAINER_MAP_CONN_INBOUND,
                                 1000, &c), EDQUOT);    /* A is full. */
    assert_int_equal(container_map_conn_flush(t, 1), 3);
    conn_insert_ok(t, &key, a, CONTAINER_MAP_CONN_INBOUND, 1000);
    destroy_table(t);
}

/* A RST from outside closes a connection only if the container stops
 * sending: a blind RST (the container goes on) changes nothing. */
static void
test_blind_rst(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct container_map_conn_key k1, k2;
    struct container_map_backend *a;
    struct container_map_conn *c1, *c2;

    set_conn_settings(t, 100, 10000, 1000, 5000, 3000);
    a = resv_ok(t, 1, &x, mac_n(1), 2, 10000, 19999, 100, 199);
    conn_key(&k1, 1, IPPROTO_TCP, &x, 10001, &peer, 80);
    conn_key(&k2, 1, IPPROTO_TCP, &x, 10002, &peer, 80);
    c1 = conn_insert_ok(t, &k1, a, CONTAINER_MAP_CONN_OUTBOUND, 1000);
    c2 = conn_insert_ok(t, &k2, a, CONTAINER_MAP_CONN_OUTBOUND, 1000);

    /* A RST from outside: reset, for now. */
    container_map_conn_touch(c1, 1100, TCP_RST, true, 40);
    container_map_conn_touch(c2, 1100, TCP_RST, true, 40);
    assert_int_equal(conn_flags(c1), CONTAINER_MAP_CONN_RST_IN);
    assert_string_equal(container_map_conn_state(c1), "reset");
    assert_int_equal(conn_expiry(t, c1), 1100 + 1000);

    /* c1's container sends on (a challenge ACK): the RST was blind. */
    container_map_conn_touch(c1, 1200, TCP_ACK, false, 40);
    assert_int_equal(conn_flags(c1), 0);
    assert_string_equal(container_map_conn_state(c1), "established");
    assert_int_equal(conn_expiry(t, c1), 1200 + 10000);

    /* c2's does not: it goes after the closing timeout. */
    assert_int_equal(container_map_conn_sweep(t, 2100), 1);
    assert_null(conn_lookup(t, &k2));
    assert_ptr_equal(conn_lookup(t, &k1), c1);

    /* A RST from the container closes for good. */
    container_map_conn_touch(c1, 1300, TCP_RST, false, 40);
    container_map_conn_touch(c1, 1300, TCP_ACK, false, 40);
    assert_int_equal(conn_flags(c1), CONTAINER_MAP_CONN_RST);
    assert_string_equal(container_map_conn_state(c1), "reset");
    destroy_table(t);
}

/* Sweeps and flushes go over the table in slices, and miss nothing. */
static void
test_conn_slices(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct in6_addr x = ip4_addr(IP_X), y = ip4_addr(IP_Y);
    struct container_map_backend *a, *a2;
    enum { N = 3000 };

    set_conn_settings(t, 8192, 10000, 1000, 5000, 3000);
    a = resv_ok(t, 1, &x, mac_n(1), 2, 1, 65535, 0, 65535);
    a2 = resv_ok(t, 2, &y, mac_n(1), 2, 1, 65535, 0, 65535);
    for (int i = 0; i < N; i++) {
        struct container_map_conn_key key;
        struct in6_addr peer = ip4_addr(0xc6330000 + i);

        conn_key(&key, 1, IPPROTO_UDP, &x, 1 + i % 60000, &peer, 53);
        conn_insert_ok(t, &key, a, CONTAINER_MAP_CONN_OUTBOUND, 1000 + i);
        conn_key(&key, 2, IPPROTO_UDP, &y, 1 + i % 60000, &peer, 53);
        conn_insert_ok(t, &key, a2, CONTAINER_MAP_CONN_OUTBOUND, 1000);
    }
    assert_int_equal(container_map_conn_count(t, 1), N);
    assert_int_equal(container_map_conn_count(t, 2), N);

    /* A sweep at a time when half of table 1 has expired, and all of table
     * 2. */
    assert_int_equal(container_map_conn_sweep(t, 1000 + N / 2 + 5000),
                     N / 2 + 1 + N);
    assert_int_equal(container_map_conn_count(t, 1), N / 2 - 1);
    assert_int_equal(container_map_conn_count(t, 2), 0);
    assert_int_equal(a->n_conns, N / 2 - 1);
    assert_int_equal(container_map_conn_flush(t, 1), N / 2 - 1);
    assert_int_equal(container_map_conn_count(t, UINT32_MAX), 0);
    destroy_table(t);
}

/* 6. Reservations and addresses. */

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

/* Packets. */

/* Returns a new Ethernet frame 'src' -> 'dst' of 'eth_type' carrying 'l3',
 * padded with 'pad' bytes of trailer, with its offsets set by flow
 * extraction as the datapath does. */
static struct dp_packet *
make_frame(struct eth_addr dst, struct eth_addr src, uint16_t eth_type,
           const struct ofpbuf *l3, size_t pad)
{
    struct dp_packet *p;
    struct eth_header *eth;
    struct flow flow;

    /* 2 bytes of headroom align the L3 header on 32 bits. */
    p = dp_packet_new_with_headroom(ETH_HEADER_LEN + l3->size + pad, 2);
    eth = dp_packet_put_zeros(p, ETH_HEADER_LEN);
    eth->eth_dst = dst;
    eth->eth_src = src;
    eth->eth_type = htons(eth_type);
    dp_packet_put(p, l3->data, l3->size);
    /* A trailer that would look like ports if it were read as such. */
    memset(dp_packet_put_uninit(p, pad), 0x5a, pad);
    flow_extract(p, &flow);
    return p;
}

/* Ethernet frames are at least 60 bytes (without the FCS). */
static size_t
min_frame_pad(const struct ofpbuf *l3)
{
    return l3->size + ETH_HEADER_LEN < 60 ? 60 - ETH_HEADER_LEN - l3->size
                                          : 0;
}

/* Appends to 'b' an IPv4 header with 'n_opts' 4-byte option words,
 * 'src' -> 'dst' (host byte order), carrying 'l4' as 'proto', with a valid
 * checksum, then 'l4'.  'frag' is the host-order flags and offset field. */
static void
put_ip4_opts(struct ofpbuf *b, uint32_t src, uint32_t dst, uint8_t proto,
             uint16_t frag, uint8_t ttl, size_t n_opts,
             const struct ofpbuf *l4)
{
    size_t hlen = IP_HEADER_LEN + 4 * n_opts;
    size_t ofs = b->size;
    struct ip_header *ip;
    uint8_t *opts;

    ip = ofpbuf_put_zeros(b, IP_HEADER_LEN);
    ip->ip_ihl_ver = IP_IHL_VER(hlen / 4, 4);
    ip->ip_tot_len = htons(hlen + l4->size);
    ip->ip_id = htons(0x1234);
    ip->ip_frag_off = htons(frag);
    ip->ip_ttl = ttl;
    ip->ip_proto = proto;
    put_16aligned_be32(&ip->ip_src, htonl(src));
    put_16aligned_be32(&ip->ip_dst, htonl(dst));
    opts = ofpbuf_put_uninit(b, 4 * n_opts);
    memset(opts, 1, 4 * n_opts);    /* NOPs. */

    ip = ofpbuf_at_assert(b, ofs, hlen);
    ip->ip_csum = csum(ip, hlen);
    ofpbuf_put(b, l4->data, l4->size);
}

static void
put_ip4(struct ofpbuf *b, uint32_t src, uint32_t dst, uint8_t proto,
        const struct ofpbuf *l4)
{
    put_ip4_opts(b, src, dst, proto, 0, 61, 0, l4);
}

/* Appends to 'b' an IPv6 header 'src' -> 'dst' whose next header is 'nxt',
 * then 'l4'. */
static void
put_ip6(struct ofpbuf *b, const char *src, const char *dst, uint8_t nxt,
        uint8_t hlim, const struct ofpbuf *l4)
{
    struct ovs_16aligned_ip6_hdr *ip6 = ofpbuf_put_zeros(b, sizeof *ip6);
    struct in6_addr a;

    put_16aligned_be32(&ip6->ip6_flow, htonl(0x60000000));
    ip6->ip6_plen = htons(l4->size);
    ip6->ip6_nxt = nxt;
    ip6->ip6_hlim = hlim;
    a = ip6_addr(src);
    memcpy(&ip6->ip6_src, &a, sizeof a);
    a = ip6_addr(dst);
    memcpy(&ip6->ip6_dst, &a, sizeof a);
    ofpbuf_put(b, l4->data, l4->size);
}

static void
put_tcp(struct ofpbuf *b, uint16_t src, uint16_t dst, uint16_t flags)
{
    struct tcp_header *tcp = ofpbuf_put_zeros(b, sizeof *tcp);

    tcp->tcp_src = htons(src);
    tcp->tcp_dst = htons(dst);
    put_16aligned_be32(&tcp->tcp_seq, htonl(0x01020304));
    tcp->tcp_ctl = TCP_CTL(flags, 5);
    tcp->tcp_winsz = htons(65535);
}

static void
put_udp(struct ofpbuf *b, uint16_t src, uint16_t dst, size_t n_payload)
{
    struct udp_header *udp = ofpbuf_put_zeros(b, sizeof *udp);

    udp->udp_src = htons(src);
    udp->udp_dst = htons(dst);
    udp->udp_len = htons(sizeof *udp + n_payload);
    ofpbuf_put_zeros(b, n_payload);
}

static void
put_sctp(struct ofpbuf *b, uint16_t src, uint16_t dst)
{
    struct sctp_header *sctp = ofpbuf_put_zeros(b, sizeof *sctp);

    sctp->sctp_src = htons(src);
    sctp->sctp_dst = htons(dst);
    put_16aligned_be32(&sctp->sctp_vtag, htonl(0xdeadbeef));
}

/* Appends an ICMP or ICMPv6 header of 'type' and 'code' with 'id' and 'seq'
 * in its second word, then 'n_payload' bytes.  The checksum is zero. */
static void
put_icmp(struct ofpbuf *b, uint8_t type, uint8_t code, uint16_t id,
         uint16_t seq, size_t n_payload)
{
    struct icmp_header *icmp = ofpbuf_put_zeros(b, sizeof *icmp);
    uint8_t *payload;

    icmp->icmp_type = type;
    icmp->icmp_code = code;
    icmp->icmp_fields.echo.id = htons(id);
    icmp->icmp_fields.echo.seq = htons(seq);
    payload = ofpbuf_put_uninit(b, n_payload);
    for (size_t i = 0; i < n_payload; i++) {
        payload[i] = i * 37 + 11;
    }
}

/* Sets the ICMP checksum of the ICMP message in 'l4'. */
static void
icmp4_set_csum(struct ofpbuf *l4)
{
    struct icmp_header *icmp = l4->data;

    icmp->icmp_csum = 0;
    icmp->icmp_csum = csum(l4->data, l4->size);
}

/* Sets the ICMPv6 checksum of 'p', whose L4 header follows the IPv6
 * header. */
static void
icmp6_set_csum(struct dp_packet *p)
{
    struct icmp_header *icmp = dp_packet_l4(p);
    uint32_t partial = packet_csum_pseudoheader6(dp_packet_l3(p));

    icmp->icmp_csum = 0;
    icmp->icmp_csum = csum_finish(csum_continue(partial, icmp,
                                                dp_packet_l4_size(p)));
}

static bool
ip4_csum_ok(const struct dp_packet *p)
{
    const struct ip_header *ip = dp_packet_l3(p);

    return !csum(ip, IP_IHL(ip->ip_ihl_ver) * 4);
}

static bool
icmp4_csum_ok(const struct dp_packet *p)
{
    return !csum(dp_packet_l4(p), dp_packet_l4_size(p));
}

static bool
icmp6_csum_ok(const struct dp_packet *p)
{
    uint32_t partial = packet_csum_pseudoheader6(dp_packet_l3(p));

    return !csum_finish(csum_continue(partial, dp_packet_l4(p),
                                      dp_packet_l4_size(p)));
}

/* Returns a new IPv4 packet from the peer's MAC to the switch's. */
static struct dp_packet *
make_ip4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag,
         size_t n_opts, const struct ofpbuf *l4)
{
    struct dp_packet *p;
    struct ofpbuf l3;

    ofpbuf_init(&l3, 128);
    put_ip4_opts(&l3, src, dst, proto, frag, 61, n_opts, l4);
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IP, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

static struct dp_packet *
make_ip6(const char *src, const char *dst, uint8_t nxt,
         const struct ofpbuf *l4)
{
    struct dp_packet *p;
    struct ofpbuf l3;

    ofpbuf_init(&l3, 128);
    put_ip6(&l3, src, dst, nxt, 61, l4);
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IPV6, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

/* Parses 'p' into 'pkt', which starts out as garbage.  Also checks that the
 * fast path's shortcut, container_map_pkt_ipv4_dst(), agrees: it takes
 * exactly the IPv4 TCP, UDP and SCTP packets in Ethernet frames that the
 * full parse finds, with the same destination, protocol and port. */
static void
parse(const struct dp_packet *p, struct container_map_pkt *pkt)
{
    ovs_be32 dst4 = htonl(0x01020304);
    ovs_be16 dst_port = htons(1);
    uint8_t proto = 0xa5;
    bool fast;

    memset(pkt, 0xa5, sizeof *pkt);
    container_map_pkt_parse(p, pkt);

    fast = container_map_pkt_ipv4_dst(p, &dst4, &proto, &dst_port);
    /* (For a TCP, UDP or SCTP packet the full parse makes sure that the
     * source is IPv4-mapped exactly when the Ethertype is IPv4.) */
    assert_int_equal(fast, (pkt->kind == CONTAINER_MAP_PKT_L4
                            && IN6_IS_ADDR_V4MAPPED(&pkt->src)
                            && dp_packet_is_eth(p)));
    if (fast) {
        assert_int_equal(ntohl(dst4), ntohl(in6_addr_get_mapped_ipv4(
                                                &pkt->dst)));
        assert_int_equal(proto, pkt->proto);
        assert_int_equal(ntohs(dst_port), ntohs(pkt->dst_port));
    }
}

/* The mapping key of 'p' in 'table_id', as the ingress action looks it up:
 * returns true and stores it in 'key' if 'p' parses as a TCP, UDP or SCTP
 * packet with a nonzero destination port, otherwise returns false. */
static bool
key_from_packet(const struct dp_packet *p, uint32_t table_id,
                struct container_map_key *key)
{
    struct container_map_pkt pkt;

    container_map_pkt_parse(p, &pkt);
    if (pkt.kind != CONTAINER_MAP_PKT_L4 || !pkt.dst_port) {
        return false;
    }
    container_map_key_init(key, table_id, &pkt.dst, pkt.proto, pkt.dst_port);
    return true;
}

static void
assert_pkt(const struct container_map_pkt *pkt,
           enum container_map_pkt_kind kind, uint8_t proto,
           const struct in6_addr *src, uint16_t src_port,
           const struct in6_addr *dst, uint16_t dst_port)
{
    assert_int_equal(pkt->kind, kind);
    assert_int_equal(pkt->proto, proto);
    assert_true(ipv6_addr_equals(&pkt->src, src));
    assert_true(ipv6_addr_equals(&pkt->dst, dst));
    assert_int_equal(ntohs(pkt->src_port), src_port);
    assert_int_equal(ntohs(pkt->dst_port), dst_port);
}

/* Parses 'p', described by 'what', asserts that it is OTHER, and frees
 * it. */
static void
assert_other(const char *what, struct dp_packet *p)
{
    struct container_map_pkt pkt;

    parse(p, &pkt);
    dp_packet_delete(p);
    if (pkt.kind != CONTAINER_MAP_PKT_OTHER) {
        fail_msg("%s: parsed as kind %d, not OTHER (%d)", what, pkt.kind,
                 CONTAINER_MAP_PKT_OTHER);
    }
    assert_int_equal(pkt.tcp_flags, 0);
}

/* Parses 'p', described by 'what', asserts that it is a fragment other
 * than the first (no L4 header), and frees it. */
static void
assert_fragment(const char *what, struct dp_packet *p)
{
    struct container_map_pkt pkt;

    parse(p, &pkt);
    dp_packet_delete(p);
    if (pkt.kind != CONTAINER_MAP_PKT_FRAGMENT) {
        fail_msg("%s: parsed as kind %d, not FRAGMENT (%d)", what, pkt.kind,
                 CONTAINER_MAP_PKT_FRAGMENT);
    }
    assert_int_equal(pkt.tcp_flags, 0);
}

/* Parses 'p', described by 'what', asserts that it is MALFORMED (dropped
 * and counted, whatever the action's "miss" says), and frees it. */
static void
assert_malformed(const char *what, struct dp_packet *p)
{
    struct container_map_pkt pkt;

    parse(p, &pkt);
    dp_packet_delete(p);
    if (pkt.kind != CONTAINER_MAP_PKT_MALFORMED) {
        fail_msg("%s: parsed as kind %d, not MALFORMED (%d)", what, pkt.kind,
                 CONTAINER_MAP_PKT_MALFORMED);
    }
}

/* 7. Parsing. */

static void
test_parse_l4(void **state OVS_UNUSED)
{
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_key key = { .table_id = 0 };
    struct container_map_pkt pkt;
    struct dp_packet *p;
    struct ofpbuf l4;

    ofpbuf_init(&l4, 128);

    /* TCP, with its flags. */
    put_tcp(&l4, 40000, 80, TCP_SYN);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &peer, 40000, &x, 80);
    assert_int_equal(pkt.tcp_flags, TCP_SYN);
    assert_true(key_from_packet(p, 5, &key));
    assert_int_equal(key.table_id, 5);
    assert_int_equal(key.proto, IPPROTO_TCP);
    assert_int_equal(ntohs(key.port), 80);
    assert_true(ipv6_addr_equals(&key.ip, &x));
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_tcp(&l4, 40000, 80, TCP_FIN | TCP_ACK);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_L4);
    assert_int_equal(pkt.tcp_flags, TCP_FIN | TCP_ACK);
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_tcp(&l4, 40000, 80, TCP_RST);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    parse(p, &pkt);
    assert_int_equal(pkt.tcp_flags, TCP_RST);
    dp_packet_delete(p);

    /* IPv4 options: the L4 header is found after them. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 40001, 8080, TCP_ACK);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 2, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &peer, 40001, &x,
               8080);
    assert_int_equal(pkt.tcp_flags, TCP_ACK);
    dp_packet_delete(p);

    /* UDP, in a minimum-size frame with a trailer. */
    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 4);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &peer, 5353, &x, 53);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* SCTP. */
    ofpbuf_clear(&l4);
    put_sctp(&l4, 2905, 3868);
    p = make_ip4(PEER1, IP_X, IPPROTO_SCTP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_SCTP, &peer, 2905, &x,
               3868);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* A first fragment (more fragments, offset 0) has its L4 header. */
    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 100);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, IP_MORE_FRAGMENTS, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &peer, 5353, &x, 53);
    dp_packet_delete(p);

    /* IPv6 TCP and UDP. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 50000, 443, TCP_SYN | TCP_ACK);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_TCP, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &peer6, 50000, &x6,
               443);
    assert_int_equal(pkt.tcp_flags, TCP_SYN | TCP_ACK);
    assert_true(key_from_packet(p, 1, &key));
    assert_true(ipv6_addr_equals(&key.ip, &x6));
    assert_int_equal(ntohs(key.port), 443);
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 0);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_UDP, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &peer6, 5353, &x6,
               53);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    ofpbuf_uninit(&l4);
}

static void
test_parse_echo(void **state OVS_UNUSED)
{
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_pkt pkt;
    struct container_map_key key;
    struct dp_packet *p;
    struct ofpbuf l4;

    ofpbuf_init(&l4, 128);

    /* ICMP echo request and reply: the identifier is in both ports. */
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 0x1234, 1, 56);
    icmp4_set_csum(&l4);
    p = make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REQUEST, IPPROTO_ICMP, &peer,
               0x1234, &x, 0x1234);
    assert_int_equal(pkt.tcp_flags, 0);
    assert_false(key_from_packet(p, 1, &key));
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_ECHO_REPLY, 0, 0xfedc, 2, 0);
    icmp4_set_csum(&l4);
    p = make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REPLY, IPPROTO_ICMP, &peer,
               0xfedc, &x, 0xfedc);
    dp_packet_delete(p);

    /* ICMPv6. */
    ofpbuf_clear(&l4);
    put_icmp(&l4, 128, 0, 0x4321, 1, 32);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REQUEST, IPPROTO_ICMPV6, &peer6,
               0x4321, &x6, 0x4321);
    dp_packet_delete(p);

    ofpbuf_clear(&l4);
    put_icmp(&l4, 129, 0, 0x4322, 1, 32);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REPLY, IPPROTO_ICMPV6, &peer6,
               0x4322, &x6, 0x4322);
    dp_packet_delete(p);

    /* Other ICMP messages, and echo types of the other ICMP version. */
    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_TIMESTAMP, 0, 1, 1, 12);
    icmp4_set_csum(&l4);
    assert_other("ICMP timestamp",
                 make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4));
    ofpbuf_clear(&l4);
    put_icmp(&l4, 128, 0, 1, 1, 12);
    icmp4_set_csum(&l4);
    assert_other("ICMP type 128",
                 make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4));
    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 1, 1, 12);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    assert_other("ICMPv6 type 8", p);
    ofpbuf_clear(&l4);
    put_icmp(&l4, 135, 0, 0, 0, 16);    /* Neighbor solicitation. */
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    assert_other("ICMPv6 neighbor solicitation", p);

    ofpbuf_uninit(&l4);
}

/* Returns an ICMP error of 'type' and 'code' from 'router' to 'dst' about
 * the IPv4 packet 'inner' (of which it quotes the IP header and the first 8
 * bytes after it, as routers do). */
static struct dp_packet *
make_icmp4_error(uint8_t type, uint8_t code, uint32_t router, uint32_t dst,
                 const struct ofpbuf *inner)
{
    struct dp_packet *p;
    struct ofpbuf l4;
    size_t n = MIN(inner->size, IP_HEADER_LEN + ICMP_ERROR_DATA_L4_LEN);

    ofpbuf_init(&l4, 128);
    put_icmp(&l4, type, code, 0, 0, 0);
    ofpbuf_put(&l4, inner->data, n);
    icmp4_set_csum(&l4);
    p = make_ip4(router, dst, IPPROTO_ICMP, 0, 0, &l4);
    ofpbuf_uninit(&l4);
    return p;
}

/* The same for ICMPv6, quoting 'n' bytes of the IPv6 packet 'inner'. */
static struct dp_packet *
make_icmp6_error(uint8_t type, uint8_t code, const char *router,
                 const char *dst, const struct ofpbuf *inner, size_t n)
{
    struct dp_packet *p;
    struct ofpbuf l4;

    ofpbuf_init(&l4, 256);
    put_icmp(&l4, type, code, 0, 0, 0);
    ofpbuf_put(&l4, inner->data, MIN(n, inner->size));
    p = make_ip6(router, dst, IPPROTO_ICMPV6, &l4);
    icmp6_set_csum(p);
    ofpbuf_uninit(&l4);
    return p;
}

static void
test_parse_icmp_errors(void **state OVS_UNUSED)
{
    struct in6_addr x = ip4_addr(IP_X), peer = ip4_addr(PEER1);
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct container_map_pkt pkt;
    struct ofpbuf inner, l4;
    struct dp_packet *p;

    ofpbuf_init(&inner, 256);
    ofpbuf_init(&l4, 256);

    /* Port unreachable about a UDP packet X:10001 -> PEER1:53 that the
     * container sent: the fields are those of that packet. */
    put_udp(&l4, 10001, 53, 20);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_UDP, &l4);
    p = make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_UDP, &x, 10001,
               &peer, 53);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* Time exceeded about TCP (only the first 8 bytes of the TCP header are
     * quoted; the embedded flags are not the packet's). */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_tcp(&l4, 10002, 443, TCP_SYN);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_TCP, &l4);
    p = make_icmp4_error(ICMP4_TIME_EXCEEDED, 0, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_TCP, &x, 10002,
               &peer, 443);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* Host unreachable about an echo request: the identifier. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 150, 9, 56);
    icmp4_set_csum(&l4);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_ICMP, &l4);
    p = make_icmp4_error(ICMP4_DST_UNREACH, 1, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_ICMP, &x, 150,
               &peer, 150);
    dp_packet_delete(p);

    /* Parameter problem about SCTP. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_sctp(&l4, 10003, 3868);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_SCTP, &l4);
    p = make_icmp4_error(ICMP4_PARAM_PROB, 0, PEER2, IP_X, &inner);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_SCTP, &x, 10003,
               &peer, 3868);
    dp_packet_delete(p);

    /* ICMPv6 destination unreachable about UDP, time exceeded about an echo
     * request, packet too big about TCP. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_udp(&l4, 10004, 53, 8);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_UDP, 64, &l4);
    p = make_icmp6_error(1, 4, IP6_ROUTER, IP6_X, &inner, inner.size);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_UDP, &x6, 10004,
               &peer6, 53);
    dp_packet_delete(p);

    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_icmp(&l4, 128, 0, 151, 3, 16);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_ICMPV6, 1, &l4);
    p = make_icmp6_error(3, 0, IP6_ROUTER, IP6_X, &inner, inner.size);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_ICMPV6, &x6, 151,
               &peer6, 151);
    dp_packet_delete(p);

    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_tcp(&l4, 10005, 443, TCP_ACK);
    ofpbuf_put_zeros(&l4, 1400);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_TCP, 64, &l4);
    p = make_icmp6_error(2, 0, IP6_ROUTER, IP6_X, &inner, 1232);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_ICMP_ERROR, IPPROTO_TCP, &x6, 10005,
               &peer6, 443);
    assert_int_equal(pkt.tcp_flags, 0);
    dp_packet_delete(p);

    /* Not enough of the embedded packet to find its ports: a short
     * embedded header is malformed. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_udp(&l4, 10001, 53, 0);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_UDP, &l4);
    inner.size = IP_HEADER_LEN + 2;
    assert_malformed("error quoting 2 bytes of UDP",
                 make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X,
                                  &inner));

    /* An embedded packet of another protocol (GRE): OTHER. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    ofpbuf_put_zeros(&l4, 8);
    put_ip4(&inner, IP_X, PEER1, 47, &l4);
    assert_other("error quoting GRE",
                 make_icmp4_error(ICMP4_DST_UNREACH, 2, PEER2, IP_X,
                                  &inner));

    /* An ICMP (v4) error quoting an IPv6 packet: the embedded header lies
     * about its version, malformed. */
    ofpbuf_clear(&inner);
    ofpbuf_clear(&l4);
    put_udp(&l4, 10004, 53, 8);
    put_ip6(&inner, IP6_X, IP6_PEER, IPPROTO_UDP, 64, &l4);
    {
        struct ofpbuf err;

        ofpbuf_init(&err, 128);
        put_icmp(&err, ICMP4_DST_UNREACH, 3, 0, 0, 0);
        ofpbuf_put(&err, inner.data, inner.size);
        icmp4_set_csum(&err);
        assert_malformed("ICMP error quoting IPv6",
                     make_ip4(PEER2, IP_X, IPPROTO_ICMP, 0, 0, &err));
        ofpbuf_uninit(&err);
    }

    ofpbuf_uninit(&inner);
    ofpbuf_uninit(&l4);
}

/* Returns an Ethernet ARP packet. */
static struct dp_packet *
make_arp(struct eth_addr eth_dst, uint16_t op, struct eth_addr sha,
         uint32_t spa, struct eth_addr tha, uint32_t tpa)
{
    struct arp_eth_header *arp;
    struct dp_packet *p;
    struct ofpbuf l3;

    ofpbuf_init(&l3, 64);
    arp = ofpbuf_put_zeros(&l3, sizeof *arp);
    arp->ar_hrd = htons(ARP_HRD_ETHERNET);
    arp->ar_pro = htons(ARP_PRO_IP);
    arp->ar_hln = ETH_ADDR_LEN;
    arp->ar_pln = 4;
    arp->ar_op = htons(op);
    arp->ar_sha = sha;
    put_16aligned_be32(&arp->ar_spa, htonl(spa));
    arp->ar_tha = tha;
    put_16aligned_be32(&arp->ar_tpa, htonl(tpa));
    p = make_frame(eth_dst, sha, ETH_TYPE_ARP, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

static void
test_parse_other(void **state OVS_UNUSED)
{
    struct container_map_pkt pkt;
    struct container_map_key key;
    struct dp_packet *p;
    struct ofpbuf l4, l3;

    ofpbuf_init(&l4, 256);
    ofpbuf_init(&l3, 256);

    /* ARP requests and replies. */
    p = make_arp(eth_addr_broadcast, ARP_OP_REQUEST, peer_mac, PEER1,
                 eth_addr_zero, IP_X);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ARP);
    assert_int_equal(pkt.tcp_flags, 0);
    assert_false(key_from_packet(p, 1, &key));
    dp_packet_delete(p);
    p = make_arp(sw_mac, ARP_OP_REPLY, peer_mac, PEER1, sw_mac, IP_X);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ARP);
    dp_packet_delete(p);

    /* ARP for another protocol than IPv4. */
    p = make_arp(eth_addr_broadcast, ARP_OP_REQUEST, peer_mac, PEER1,
                 eth_addr_zero, IP_X);
    ((struct arp_eth_header *) dp_packet_l3(p))->ar_pro = htons(0x86dd);
    assert_other("ARP for IPv6", p);

    /* A non-first fragment: no L4 header. */
    put_udp(&l4, 5353, 53, 100);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, 185, 0, &l4);
    assert_false(key_from_packet(p, 1, &key));
    assert_fragment("non-first fragment", p);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, IP_MORE_FRAGMENTS | 1, 0, &l4);
    assert_fragment("non-first fragment with MF", p);

    /* An IPv6 fragment: the L4 header is behind the fragment header. */
    ofpbuf_clear(&l4);
    {
        struct ovs_16aligned_ip6_frag *frag;

        frag = ofpbuf_put_zeros(&l4, sizeof *frag);
        frag->ip6f_nxt = IPPROTO_UDP;
        frag->ip6f_offlg = htons(185 << 3);
        put_16aligned_be32(&frag->ip6f_ident, htonl(7));
        put_udp(&l4, 5353, 53, 16);
    }
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_FRAGMENT, &l4);
    assert_false(key_from_packet(p, 1, &key));
    assert_fragment("IPv6 fragment", p);

    /* Truncated L4 headers (the frame trailer is not part of them):
     * malformed. */
    ofpbuf_clear(&l4);
    ofpbuf_put(&l4, "\x13\x88", 2);
    p = make_ip4(PEER1, IP_X, IPPROTO_UDP, 0, 0, &l4);
    assert_int_equal(dp_packet_l2_pad_size(p), 60 - ETH_HEADER_LEN - 22);
    assert_false(key_from_packet(p, 1, &key));
    assert_malformed("UDP with 2 bytes", p);
    p = make_ip4(PEER1, IP_X, IPPROTO_TCP, 0, 0, &l4);
    assert_malformed("TCP with 2 bytes", p);
    p = make_ip6(IP6_PEER, IP6_X, IPPROTO_SCTP, &l4);
    assert_malformed("IPv6 SCTP with 2 bytes", p);
    ofpbuf_clear(&l4);
    ofpbuf_put(&l4, "\x08\x00\x00\x00\x12\x34", 6);
    p = make_ip4(PEER1, IP_X, IPPROTO_ICMP, 0, 0, &l4);
    assert_malformed("ICMP with 6 bytes", p);

    /* Other IP protocols. */
    ofpbuf_clear(&l4);
    ofpbuf_put_zeros(&l4, 24);
    assert_other("GRE", make_ip4(PEER1, IP_X, 47, 0, 0, &l4));

    /* A frame of another EtherType is not IP, whatever it carries (here
     * what would be a valid IPv4 UDP packet).
     *
     * Expected: OTHER, and no mapping key (flow extraction gives such
     * frames no L4 header).
     *
     * (This used to fail: the parser only looked at the version nibble at
     * the L3 offset, which flow extraction sets for any EtherType, so this
     * frame parsed as L4 UDP.) */
    ofpbuf_clear(&l4);
    put_udp(&l4, 5353, 53, 4);
    put_ip4(&l3, PEER1, IP_X, IPPROTO_UDP, &l4);
    p = make_frame(sw_mac, peer_mac, 0x88b5, &l3, min_frame_pad(&l3));
    assert_false(key_from_packet(p, 1, &key));
    assert_other("IPv4 under EtherType 0x88b5", p);

    ofpbuf_uninit(&l4);
    ofpbuf_uninit(&l3);
}

/* 8. Rewrites. */

/* 8. Hostile packets: the parser trusts only what flow extraction
 * validated.  Each of these used to be parsed from the raw bytes (the
 * first crashed ovs-vswitchd: an echo request whose IPv4 total length is
 * larger than the frame has no L4 offset, and its reply was written through
 * a NULL L4 header). */

/* Returns the IPv4 packet 'l3' in a frame, with its total length and first
 * byte (version, IHL) set as given, for flow extraction to judge. */
static struct dp_packet *
make_lying_ip4(const struct ofpbuf *l3_, uint16_t tot_len, uint8_t ver_ihl)
{
    struct ofpbuf l3;
    struct ip_header *ip;
    struct dp_packet *p;

    ofpbuf_init(&l3, l3_->size);
    ofpbuf_put(&l3, l3_->data, l3_->size);
    ip = l3.data;
    ip->ip_tot_len = htons(tot_len);
    ip->ip_ihl_ver = ver_ihl;
    p = make_frame(sw_mac, peer_mac, ETH_TYPE_IP, &l3, min_frame_pad(&l3));
    ofpbuf_uninit(&l3);
    return p;
}

static void
test_parse_malformed(void **state OVS_UNUSED)
{
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);
    struct ofpbuf l4, l3, inner;
    struct container_map_pkt pkt;
    struct dp_packet *p;

    ofpbuf_init(&l4, 256);
    ofpbuf_init(&l3, 256);
    ofpbuf_init(&inner, 256);

    /* IPv4 lengths flow extraction refuses: no L4 offset. */
    put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 7, 1, 16);
    icmp4_set_csum(&l4);
    put_ip4(&l3, PEER1, IP_X, IPPROTO_ICMP, &l4);
    p = make_lying_ip4(&l3, 0xffff, 0x45);
    assert_null(dp_packet_l4(p));
    assert_malformed("echo request, total length 0xffff", p);
    assert_malformed("echo request, total length < header",
                     make_lying_ip4(&l3, 12, 0x45));
    assert_malformed("echo request, IHL 4", make_lying_ip4(&l3, l3.size,
                                                           0x44));
    assert_malformed("echo request, IHL 15 > packet",
                     make_lying_ip4(&l3, l3.size, 0x4f));

    /* The same for TCP. */
    ofpbuf_clear(&l4);
    ofpbuf_clear(&l3);
    put_tcp(&l4, 5000, 80, TCP_SYN);
    put_ip4(&l3, PEER1, IP_X, IPPROTO_TCP, &l4);
    assert_malformed("TCP, total length 0xffff",
                     make_lying_ip4(&l3, 0xffff, 0x45));

    /* A VLAN tag: the action handles none. */
    {
        struct ofpbuf tagged;
        ovs_be16 tci[2] = { htons(7), htons(ETH_TYPE_IP) };

        ofpbuf_init(&tagged, 128);
        ofpbuf_put(&tagged, tci, sizeof tci);
        ofpbuf_put(&tagged, l3.data, l3.size);
        p = make_frame(sw_mac, peer_mac, ETH_TYPE_VLAN, &tagged, 0);
        assert_non_null(dp_packet_l4(p));
        assert_malformed("VLAN-tagged TCP", p);
        ofpbuf_uninit(&tagged);
    }

    /* Not Ethernet: an L3 packet (packet type IPv4). */
    p = dp_packet_new(128);
    dp_packet_put(p, l3.data, l3.size);
    p->packet_type = htonl(PT_IPV4);
    {
        struct flow flow;

        flow_extract(p, &flow);
    }
    assert_non_null(dp_packet_l4(p));
    assert_malformed("IPv4 packet without Ethernet", p);

    /* An IPv6 payload length beyond the frame. */
    ofpbuf_clear(&l4);
    put_tcp(&l4, 5000, 80, TCP_SYN);
    ofpbuf_clear(&l3);
    put_ip6(&l3, IP6_PEER, IP6_X, IPPROTO_TCP, 64, &l4);
    ((struct ovs_16aligned_ip6_hdr *) l3.data)->ip6_plen = htons(2000);
    assert_malformed("IPv6, payload length 2000",
                     make_frame(sw_mac, peer_mac, ETH_TYPE_IPV6, &l3, 0));

    /* Short ARP. */
    ofpbuf_clear(&l3);
    ofpbuf_put_zeros(&l3, 20);
    p = make_frame(eth_addr_broadcast, peer_mac, ETH_TYPE_ARP, &l3, 0);
    assert_malformed("ARP with 20 bytes", p);

    /* ICMP errors whose embedded IPv4 header lies: IHL 15 with 28 bytes
     * quoted, IHL 4. */
    ofpbuf_clear(&l4);
    put_udp(&l4, 10001, 53, 0);
    put_ip4(&inner, IP_X, PEER1, IPPROTO_UDP, &l4);
    ((struct ip_header *) inner.data)->ip_ihl_ver = 0x4f;
    assert_malformed("error quoting IHL 15",
                     make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X,
                                      &inner));
    ((struct ip_header *) inner.data)->ip_ihl_ver = 0x44;
    assert_malformed("error quoting IHL 4",
                     make_icmp4_error(ICMP4_DST_UNREACH, 3, PEER2, IP_X,
                                      &inner));

    /* IPv6 extension headers are walked: a Destination Options header
     * before TCP does not hide the TCP header. */
    ofpbuf_clear(&l4);
    {
        uint8_t *opts = ofpbuf_put_zeros(&l4, 8);

        opts[0] = IPPROTO_TCP;          /* Next header. */
        opts[1] = 0;                    /* 8 bytes in all. */
        opts[2] = 1;                    /* PadN of 4 bytes. */
        opts[3] = 4;
    }
    put_tcp(&l4, 20002, 80, TCP_SYN | TCP_ACK);
    p = make_ip6(IP6_X, IP6_PEER, IPPROTO_DSTOPTS, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_TCP, &x6, 20002, &peer6,
               80);
    assert_int_equal(pkt.tcp_flags, TCP_SYN | TCP_ACK);
    dp_packet_delete(p);

    /* ... nor one behind a hop-by-hop header and a routing header. */
    ofpbuf_clear(&l4);
    {
        uint8_t *hbh = ofpbuf_put_zeros(&l4, 8);
        uint8_t *rh = ofpbuf_put_zeros(&l4, 8);

        hbh[0] = IPPROTO_ROUTING;
        hbh[2] = 1;
        hbh[3] = 4;
        rh[0] = IPPROTO_UDP;
        rh[2] = 4;                      /* Routing type 4, 0 segments left. */
    }
    put_udp(&l4, 20003, 53, 8);
    p = make_ip6(IP6_X, IP6_PEER, IPPROTO_HOPOPTS, &l4);
    parse(p, &pkt);
    assert_pkt(&pkt, CONTAINER_MAP_PKT_L4, IPPROTO_UDP, &x6, 20003, &peer6,
               53);
    dp_packet_delete(p);

    /* An extension header that runs past the packet. */
    ofpbuf_clear(&l4);
    {
        uint8_t *opts = ofpbuf_put_zeros(&l4, 8);

        opts[0] = IPPROTO_TCP;
        opts[1] = 200;                  /* 1608 bytes. */
    }
    assert_malformed("IPv6 options past the end",
                     make_ip6(IP6_X, IP6_PEER, IPPROTO_DSTOPTS, &l4));

    ofpbuf_uninit(&l4);
    ofpbuf_uninit(&l3);
    ofpbuf_uninit(&inner);
}

static void
test_arp_rewrites(void **state OVS_UNUSED)
{
    /* Where the sender IP is in the frame. */
    const size_t spa = ETH_HEADER_LEN + offsetof(struct arp_eth_header,
                                                 ar_spa);
    const struct eth_addr req_mac = mac_n(0x42);
    const struct arp_eth_header *arp;
    const struct eth_header *eth;
    struct container_map_pkt pkt;
    struct dp_packet *p, *orig;
    struct flow flow;

    /* The host at PEER1 asks who has X; the switch answers for X. */
    orig = make_arp(eth_addr_broadcast, ARP_OP_REQUEST, req_mac, PEER1,
                    eth_addr_zero, IP_X);

    /* Reply: "X is at sw_mac", to the requester. */
    p = dp_packet_clone_with_headroom(orig, 2);
    flow_extract(p, &flow);
    container_map_arp_make_reply(p, sw_mac);
    assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
    eth = dp_packet_eth(p);
    arp = dp_packet_l3(p);
    assert_true(eth_addr_equals(eth->eth_dst, req_mac));
    assert_true(eth_addr_equals(eth->eth_src, sw_mac));
    assert_int_equal(ntohs(eth->eth_type), ETH_TYPE_ARP);
    assert_int_equal(ntohs(arp->ar_hrd), ARP_HRD_ETHERNET);
    assert_int_equal(ntohs(arp->ar_pro), ARP_PRO_IP);
    assert_int_equal(arp->ar_hln, ETH_ADDR_LEN);
    assert_int_equal(arp->ar_pln, 4);
    assert_int_equal(ntohs(arp->ar_op), ARP_OP_REPLY);
    assert_true(eth_addr_equals(arp->ar_sha, sw_mac));
    assert_int_equal(ntohl(get_16aligned_be32(&arp->ar_spa)), IP_X);
    assert_true(eth_addr_equals(arp->ar_tha, req_mac));
    assert_int_equal(ntohl(get_16aligned_be32(&arp->ar_tpa)), PEER1);
    /* The trailer is untouched. */
    assert_memory_equal((const char *) dp_packet_data(p) + ETH_HEADER_LEN
                        + ARP_ETH_HEADER_LEN,
                        (const char *) dp_packet_data(orig) + ETH_HEADER_LEN
                        + ARP_ETH_HEADER_LEN,
                        dp_packet_size(p) - ETH_HEADER_LEN
                        - ARP_ETH_HEADER_LEN);
    flow_extract(p, &flow);
    parse(p, &pkt);
    assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ARP);
    dp_packet_delete(p);

    /* Probe: only the sender IP changes, to 0.0.0.0. */
    p = dp_packet_clone_with_headroom(orig, 2);
    flow_extract(p, &flow);
    container_map_arp_make_probe(p);
    arp = dp_packet_l3(p);
    assert_int_equal(ntohs(arp->ar_op), ARP_OP_REQUEST);
    assert_int_equal(get_16aligned_be32(&arp->ar_spa), htonl(0));
    assert_true(eth_addr_equals(arp->ar_sha, req_mac));
    assert_true(eth_addr_is_zero(arp->ar_tha));
    assert_int_equal(ntohl(get_16aligned_be32(&arp->ar_tpa)), IP_X);
    assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
    assert_memory_equal(dp_packet_data(p), dp_packet_data(orig), spa);
    assert_memory_equal((const uint8_t *) dp_packet_data(p) + spa + 4,
                        (const uint8_t *) dp_packet_data(orig) + spa + 4,
                        dp_packet_size(p) - spa - 4);
    dp_packet_delete(p);

    dp_packet_delete(orig);
}

static void
test_echo_reply_ipv4(void **state OVS_UNUSED)
{
    static const struct {
        uint8_t ttl;
        size_t n_opts;
        size_t n_payload;
    } cases[] = {
        { 61, 0, 56 },
        { 255, 1, 37 },     /* Odd size. */
        { 64, 0, 0 },
        { 1, 2, 1 },
        { 0, 0, 1472 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct container_map_pkt pkt;
        const struct icmp_header *icmp;
        const struct ip_header *ip;
        const struct eth_header *eth;
        struct dp_packet *p, *orig;
        struct ofpbuf l3, l4;
        struct flow flow;
        size_t hlen = IP_HEADER_LEN + 4 * cases[i].n_opts;

        ofpbuf_init(&l4, 2048);
        ofpbuf_init(&l3, 2048);
        put_icmp(&l4, ICMP4_ECHO_REQUEST, 0, 0x4242, 7 + i,
                 cases[i].n_payload);
        icmp4_set_csum(&l4);
        put_ip4_opts(&l3, PEER1, IP_X, IPPROTO_ICMP, 0, cases[i].ttl,
                     cases[i].n_opts, &l4);
        orig = make_frame(sw_mac, peer_mac, ETH_TYPE_IP, &l3,
                          min_frame_pad(&l3));
        assert_true(ip4_csum_ok(orig));
        assert_true(icmp4_csum_ok(orig));

        p = dp_packet_clone_with_headroom(orig, 2);
        flow_extract(p, &flow);
        container_map_echo_make_reply(p, sw_mac);

        assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
        eth = dp_packet_eth(p);
        assert_true(eth_addr_equals(eth->eth_dst, peer_mac));
        assert_true(eth_addr_equals(eth->eth_src, sw_mac));
        assert_int_equal(ntohs(eth->eth_type), ETH_TYPE_IP);

        ip = dp_packet_l3(p);
        assert_int_equal(ntohl(get_16aligned_be32(&ip->ip_src)), IP_X);
        assert_int_equal(ntohl(get_16aligned_be32(&ip->ip_dst)), PEER1);
        assert_int_equal(ip->ip_ttl, 64);
        assert_int_equal(ip->ip_proto, IPPROTO_ICMP);
        assert_int_equal(IP_IHL(ip->ip_ihl_ver) * 4, hlen);
        assert_int_equal(ntohs(ip->ip_tot_len), hlen + l4.size);
        assert_true(ip4_csum_ok(p));

        icmp = dp_packet_l4(p);
        assert_int_equal(icmp->icmp_type, ICMP4_ECHO_REPLY);
        assert_int_equal(icmp->icmp_code, 0);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.id), 0x4242);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.seq), 7 + i);
        assert_int_equal(dp_packet_l4_size(p), l4.size);
        assert_memory_equal(icmp + 1, (const struct icmp_header *) l4.data
                            + 1, cases[i].n_payload);
        if (!icmp4_csum_ok(p)) {
            fail_msg("case %d: bad ICMP checksum", (int) i);
        }

        parse(p, &pkt);
        assert_int_equal(pkt.kind, CONTAINER_MAP_PKT_ECHO_REPLY);
        assert_int_equal(ntohs(pkt.src_port), 0x4242);

        dp_packet_delete(p);
        dp_packet_delete(orig);
        ofpbuf_uninit(&l3);
        ofpbuf_uninit(&l4);
    }
}

static void
test_echo_reply_ipv6(void **state OVS_UNUSED)
{
    static const size_t sizes[] = { 56, 37, 0, 1232 };
    struct in6_addr x6 = ip6_addr(IP6_X), peer6 = ip6_addr(IP6_PEER);

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        const struct ovs_16aligned_ip6_hdr *ip6;
        const struct icmp_header *icmp;
        const struct eth_header *eth;
        struct container_map_pkt pkt;
        struct dp_packet *p, *orig;
        struct in6_addr a;
        struct ofpbuf l4;
        struct flow flow;

        ofpbuf_init(&l4, 2048);
        put_icmp(&l4, 128, 0, 0x6666, 100 + i, sizes[i]);
        orig = make_ip6(IP6_PEER, IP6_X, IPPROTO_ICMPV6, &l4);
        icmp6_set_csum(orig);
        assert_true(icmp6_csum_ok(orig));

        p = dp_packet_clone_with_headroom(orig, 2);
        flow_extract(p, &flow);
        container_map_echo_make_reply(p, sw_mac);

        assert_int_equal(dp_packet_size(p), dp_packet_size(orig));
        eth = dp_packet_eth(p);
        assert_true(eth_addr_equals(eth->eth_dst, peer_mac));
        assert_true(eth_addr_equals(eth->eth_src, sw_mac));
        assert_int_equal(ntohs(eth->eth_type), ETH_TYPE_IPV6);

        ip6 = dp_packet_l3(p);
        memcpy(&a, &ip6->ip6_src, sizeof a);
        assert_true(ipv6_addr_equals(&a, &x6));
        memcpy(&a, &ip6->ip6_dst, sizeof a);
        assert_true(ipv6_addr_equals(&a, &peer6));
        assert_int_equal(ip6->ip6_hlim, 64);
        assert_int_equal(ip6->ip6_nxt, IPPROTO_ICMPV6);
        assert_int_equal(ntohs(ip6->ip6_plen), l4.size);

        icmp = dp_packet_l4(p);
        assert_int_equal(icmp->icmp_type, 129);
        assert_int_equal(icmp->icmp_code, 0);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.id), 0x6666);
        assert_int_equal(ntohs(icmp->icmp_fields.echo.seq), 100 + i);
        assert_memory_equal(icmp + 1, (const struct icmp_header *) l4.data
                            + 1, sizes[i]);
        if (!icmp6_csum_ok(p)) {
            fail_msg("case %d: bad ICMPv6 checksum", (int) i);
        }

        parse(p, &pkt);
        assert_pkt(&pkt, CONTAINER_MAP_PKT_ECHO_REPLY, IPPROTO_ICMPV6, &x6,
                   0x6666, &peer6, 0x6666);

        dp_packet_delete(p);
        dp_packet_delete(orig);
        ofpbuf_uninit(&l4);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbound_insert),
        cmocka_unit_test(test_inbound_insert),
        cmocka_unit_test(test_forget_backend_del),
        cmocka_unit_test(test_forget_mapping_del),
        cmocka_unit_test(test_forget_flush),
        cmocka_unit_test(test_forget_port_change),
        cmocka_unit_test(test_forget_resv_del),
        cmocka_unit_test(test_forget_resv_change),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_unanswered),
        cmocka_unit_test(test_conn_limits),
        cmocka_unit_test(test_blind_rst),
        cmocka_unit_test(test_conn_slices),
        cmocka_unit_test(test_resv_overlap),
        cmocka_unit_test(test_resv_invalid),
        cmocka_unit_test(test_resv_update),
        cmocka_unit_test(test_resv_index),
        cmocka_unit_test(test_addr_refs),
        cmocka_unit_test(test_echo_settings),
        cmocka_unit_test(test_echo_target_moves),
        cmocka_unit_test(test_parse_l4),
        cmocka_unit_test(test_parse_echo),
        cmocka_unit_test(test_parse_icmp_errors),
        cmocka_unit_test(test_parse_other),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_arp_rewrites),
        cmocka_unit_test(test_echo_reply_ipv4),
        cmocka_unit_test(test_echo_reply_ipv6),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
