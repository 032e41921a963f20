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

/* cmocka unit tests of lib/container-map-conn (connection entries), through
 * the coordinator lib/container-map: how outbound and inbound connections
 * are recorded, and how they are forgotten when what they lead to changes
 * (backends and mappings deleted, flushed or moved, reservations deleted or
 * changed).  Their expiry and limits: test-container-map-conn-expiry.c. */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "container-map-test-conn.h"

/* Outbound connections. */

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

/* Inbound connections. */

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

/* Forgetting connections.
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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
