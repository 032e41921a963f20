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
 * the coordinator lib/container-map: when connections expire (idle timeouts
 * by protocol, TCP close and reset, blind RSTs, sweeps in slices), and the
 * limits on how many there are (the table's, per remote source and per
 * container; unanswered connections evicted first). */

#include <config.h>

#include <errno.h>

#include "container-map-test-conn.h"

/* Helpers. */

static long long int
conn_expiry(const struct container_map *t,
            const struct container_map_conn *conn)
{
    return container_map_conn_expiry(&t->conns, conn);
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

/* Expiry. */

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

/* Table limit. */

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_unanswered),
        cmocka_unit_test(test_conn_limits),
        cmocka_unit_test(test_blind_rst),
        cmocka_unit_test(test_conn_slices),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
