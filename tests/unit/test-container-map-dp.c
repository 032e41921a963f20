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

/* cmocka unit tests of the container_map datapath action
 * (dpif-ext/container-map-dp.c): whole batches of packets through
 * container_map_execute(), and the lookahead hooks the way
 * dp_netdev_input__() calls them, which the autotests cannot reach
 * (netdev-dummy receives one packet per batch). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-map-dp.h"
#include "container-map-odp.h"
#include "container-map-private.h"
#include "dp-packet.h"
#include "flow.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-rcu.h"
#include "packets.h"
#include "util.h"

#include "container-map-test-dp.h"

#define TABLE 1
#define SERVICE_IP 0xcb00710a       /* 203.0.113.10 */
#define OTHER_IP 0xcb007163         /* 203.0.113.99 */

static const struct eth_addr sw_mac = ETH_ADDR_C(02, 00, 00, 00, 00, aa);
static const struct eth_addr peer_mac = ETH_ADDR_C(50, 54, 00, 00, 00, 01);

/* Backends: A on port 2, B on port 3, C on port 4. */
static const struct eth_addr mac_a = ETH_ADDR_C(02, 00, 00, 00, 00, 0a);
static const struct eth_addr mac_b = ETH_ADDR_C(02, 00, 00, 00, 00, 0b);
static const struct eth_addr mac_c = ETH_ADDR_C(02, 00, 00, 00, 00, 0c);

/* What the datapath callback saw: one delivery per packet, in order. */
struct delivery {
    odp_port_t port;
    struct eth_addr eth_dst;
    uint16_t tp_src, tp_dst;
    size_t call;                /* Which callback call it came in. */
};

static struct delivery deliveries[256];
static size_t n_deliveries;
static size_t n_calls;

static void
record_output(void *dp OVS_UNUSED, struct dp_packet_batch *batch,
              const struct nlattr *a, bool steal)
{
    struct dp_packet *p;

    assert_int_equal(nl_attr_type(a), OVS_ACTION_ATTR_OUTPUT);
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        const struct tcp_header *tcp = dp_packet_l4(p);
        const struct eth_header *eth = dp_packet_eth(p);
        struct delivery *d = &deliveries[n_deliveries++];

        assert_true(n_deliveries <= ARRAY_SIZE(deliveries));
        d->port = nl_attr_get_odp_port(a);
        d->eth_dst = eth->eth_dst;
        d->tp_src = ntohs(tcp->tcp_src);
        d->tp_dst = ntohs(tcp->tcp_dst);
        d->call = n_calls;
    }
    n_calls++;
    if (steal) {
        dp_packet_delete_batch(batch, true);
    }
}

static void
reset_deliveries(void)
{
    n_deliveries = 0;
    n_calls = 0;
}

/* Returns a new TCP or UDP packet 198.51.100.1:'src' -> 'dst':'dst_port',
 * as flow extraction leaves it. */
static struct dp_packet *
make_packet(uint32_t dst, uint8_t proto, uint16_t src, uint16_t dst_port)
{
    struct dp_packet *p = dp_packet_new(128);
    struct flow flow;

    memset(&flow, 0, sizeof flow);
    flow.dl_dst = sw_mac;
    flow.dl_src = peer_mac;
    flow.dl_type = htons(ETH_TYPE_IP);
    flow.nw_src = htonl(0xc6336401);
    flow.nw_dst = htonl(dst);
    flow.nw_proto = proto;
    flow.nw_ttl = 64;
    flow.tp_src = htons(src);
    flow.tp_dst = htons(dst_port);
    if (proto == IPPROTO_TCP) {
        flow.tcp_flags = htons(TCP_SYN);
    }
    flow_compose(p, &flow, NULL, 0);
    return p;
}

static void
add_mapping(uint8_t proto, uint16_t port, struct eth_addr mac,
            uint16_t ofport)
{
    struct container_map_mapping m = {
        .backend = { .mac = mac, .ofport = u16_to_ofp(ofport),
                     .tun_dst = in6addr_any },
    };
    enum container_map_add_result result;
    struct container_map_conflict conflict;
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, htonl(SERVICE_IP));
    container_map_key_init(&m.key, TABLE, &ip, proto, htons(port));
    assert_int_equal(container_map_add(container_map_global(), &m, &result,
                                       &conflict), 0);
}

static void
del_mapping(uint8_t proto, uint16_t port)
{
    struct container_map_key key;
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, htonl(SERVICE_IP));
    container_map_key_init(&key, TABLE, &ip, proto, htons(port));
    assert_int_equal(container_map_del(container_map_global(), &key, NULL),
                     0);
}

/* The mappings of the tests: tcp/80 -> A, tcp/81 -> B and C, udp/53 -> C. */
static int
setup(void **state OVS_UNUSED)
{
    struct container_map *map = container_map_global();

    add_mapping(IPPROTO_TCP, 80, mac_a, 2);
    add_mapping(IPPROTO_TCP, 81, mac_b, 3);
    add_mapping(IPPROTO_TCP, 81, mac_c, 4);
    add_mapping(IPPROTO_UDP, 53, mac_c, 4);
    container_map_for_each_backend(map, TABLE, compile_backend, NULL);
    reset_deliveries();
    return 0;
}

static int
teardown(void **state OVS_UNUSED)
{
    container_map_clear(container_map_global(), TABLE);
    ovsrcu_quiesce();
    return 0;
}

/* The datapath action "container_map(table=1)". */
static void
put_action(struct ofpbuf *buf, uint8_t miss)
{
    ofpbuf_init(buf, 64);
    container_map_put_odp_action(buf, TABLE, miss, false);
}

static void
execute(struct dp_packet_batch *batch, const struct ofpbuf *action)
{
    container_map_execute(NULL, batch, true, action->data, record_output);
}

static unsigned long long
counter(enum container_map_counter c)
{
    return container_map_get_counter(container_map_global(), TABLE, c);
}

/* Asserts that delivery 'd' went to the port of the backend whose MAC it
 * carries, for a mapping that has that backend. */
static void
assert_delivered_right(const struct delivery *d)
{
    if (eth_addr_equals(d->eth_dst, mac_a)) {
        assert_int_equal(odp_to_u32(d->port), 2);
        assert_int_equal(d->tp_dst, 80);
    } else if (eth_addr_equals(d->eth_dst, mac_b)) {
        assert_int_equal(odp_to_u32(d->port), 3);
        assert_int_equal(d->tp_dst, 81);
    } else {
        assert_true(eth_addr_equals(d->eth_dst, mac_c));
        assert_int_equal(odp_to_u32(d->port), 4);
        assert_true(d->tp_dst == 81 || d->tp_dst == 53);
    }
}

/* A full batch of mixed packets: each goes to its mapping's backend, with
 * only the Ethernet destination rewritten; the others are dropped and
 * counted; each backend's packets are delivered together. */
static void
test_batch(void **state OVS_UNUSED)
{
    unsigned long long misses = counter(CONTAINER_MAP_DROP_MISS);
    struct dp_packet_batch batch;
    struct ofpbuf action;
    uint16_t first_81[8];
    bool seen_group[4] = { false };
    size_t n_groups = 0;

    put_action(&action, OVS_CONTAINER_MAP_MISS_DROP);
    dp_packet_batch_init(&batch);
    for (int i = 0; i < 8; i++) {
        dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_TCP,
                                                 40000 + i, 80));
        dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_TCP,
                                                 41000 + i, 81));
    }
    for (int i = 0; i < 4; i++) {
        dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_UDP,
                                                 42000 + i, 53));
    }
    dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_TCP, 43000,
                                             82));
    dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_UDP, 43001,
                                             80));
    dp_packet_batch_add(&batch, make_packet(OTHER_IP, IPPROTO_TCP, 43002,
                                             80));
    dp_packet_batch_add(&batch, make_packet(OTHER_IP, IPPROTO_TCP, 43003,
                                             81));
    assert_int_equal(dp_packet_batch_size(&batch), 24);

    execute(&batch, &action);
    assert_true(dp_packet_batch_is_empty(&batch));
    assert_int_equal(n_deliveries, 20);
    assert_int_equal(counter(CONTAINER_MAP_DROP_MISS), misses + 4);
    for (size_t i = 0; i < n_deliveries; i++) {
        const struct delivery *d = &deliveries[i];

        assert_delivered_right(d);
        if (d->tp_dst == 81) {
            first_81[d->tp_src - 41000] = odp_to_u32(d->port);
        }
        /* One call per group: [A 80], [B 81], [C 81], [C 53]. */
        int g = (odp_to_u32(d->port) == 2 ? 0 : odp_to_u32(d->port) == 3 ? 1
                 : d->tp_dst == 81 ? 2 : 3);
        if (!seen_group[g]) {
            seen_group[g] = true;
            n_groups++;
        }
    }
    assert_int_equal(n_calls, n_groups);

    /* tcp/81 has two backends: each connection got an entry, and its next
     * packets go where the first one went. */
    assert_int_equal(container_map_conn_count(container_map_global(), TABLE),
                     8);
    reset_deliveries();
    dp_packet_batch_init(&batch);
    for (int i = 7; i >= 0; i--) {
        dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_TCP,
                                                 41000 + i, 81));
    }
    execute(&batch, &action);
    assert_int_equal(n_deliveries, 8);
    for (size_t i = 0; i < n_deliveries; i++) {
        assert_delivered_right(&deliveries[i]);
        assert_int_equal(odp_to_u32(deliveries[i].port),
                         first_81[deliveries[i].tp_src - 41000]);
    }
    ofpbuf_uninit(&action);
}

/* miss=continue: the packets the action does not deliver stay in the batch,
 * in order, for the next actions; they are counted all the same. */
static void
test_miss_continue(void **state OVS_UNUSED)
{
    unsigned long long misses = counter(CONTAINER_MAP_DROP_MISS);
    struct dp_packet_batch batch;
    struct ofpbuf action;

    put_action(&action, OVS_CONTAINER_MAP_MISS_CONTINUE);
    dp_packet_batch_init(&batch);
    dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_TCP, 1, 82));
    dp_packet_batch_add(&batch, make_packet(SERVICE_IP, IPPROTO_TCP, 2, 80));
    dp_packet_batch_add(&batch, make_packet(OTHER_IP, IPPROTO_TCP, 3, 80));
    execute(&batch, &action);

    assert_int_equal(n_deliveries, 1);
    assert_delivered_right(&deliveries[0]);
    assert_int_equal(dp_packet_batch_size(&batch), 2);
    assert_int_equal(ntohs(((struct tcp_header *)
                            dp_packet_l4(batch.packets[0]))->tcp_src), 1);
    assert_int_equal(ntohs(((struct tcp_header *)
                            dp_packet_l4(batch.packets[1]))->tcp_src), 3);
    assert_int_equal(counter(CONTAINER_MAP_DROP_MISS), misses + 2);
    dp_packet_delete_batch(&batch, true);
    ofpbuf_uninit(&action);
}

/* What dp_netdev_input__() does with a receive batch of three megaflows:
 * one that is not ours, then two whose first action is container_map. */
struct megaflow {
    struct ofpbuf actions;
    struct dp_packet_batch batch;
};

static void
megaflow_init(struct megaflow *mf, bool ours, uint16_t src, uint16_t dst)
{
    if (ours) {
        put_action(&mf->actions, OVS_CONTAINER_MAP_MISS_DROP);
    } else {
        ofpbuf_init(&mf->actions, 64);
        nl_msg_put_u32(&mf->actions, OVS_ACTION_ATTR_OUTPUT, 9);
    }
    dp_packet_batch_init(&mf->batch);
    dp_packet_batch_add(&mf->batch, make_packet(SERVICE_IP, IPPROTO_TCP, src,
                                                dst));
    dp_packet_batch_add(&mf->batch, make_packet(SERVICE_IP, IPPROTO_TCP,
                                                src + 1, dst));
}

static void
megaflows_add(struct megaflow mfs[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        container_map_lookahead_add(&mfs[i].batch, mfs[i].actions.data,
                                    mfs[i].actions.size);
    }
}

static void
megaflow_uninit(struct megaflow *mf)
{
    dp_packet_delete_batch(&mf->batch, true);
    ofpbuf_uninit(&mf->actions);
}

/* The action takes what was looked up ahead for its megaflow: seen here by
 * deleting the mapping between the lookup and the action, which the
 * lookahead did not see (as any reader that looked up an instant before the
 * change).  Whatever does not match its segment (another action, other
 * packets, a second execution) is looked up again, and then misses. */
static void
test_lookahead(void **state OVS_UNUSED)
{
    unsigned long long misses = counter(CONTAINER_MAP_DROP_MISS);
    struct megaflow mfs[3], other;

    megaflow_init(&mfs[0], false, 1000, 80);
    megaflow_init(&mfs[1], true, 2000, 80);
    megaflow_init(&mfs[2], true, 3000, 80);
    megaflow_init(&other, true, 4000, 80);

    megaflows_add(mfs, 3);
    container_map_lookahead_run();
    del_mapping(IPPROTO_TCP, 80);

    /* Megaflow 1 as it was added: delivered by the lookup done ahead. */
    execute(&mfs[1].batch, &mfs[1].actions);
    assert_int_equal(n_deliveries, 2);
    assert_delivered_right(&deliveries[0]);
    assert_delivered_right(&deliveries[1]);
    assert_int_equal(counter(CONTAINER_MAP_DROP_MISS), misses);

    /* Megaflow 2's packets with an action at another address (say, actions
     * a revalidator replaced): looked up now, so they miss. */
    execute(&mfs[2].batch, &other.actions);
    assert_int_equal(n_deliveries, 2);
    assert_int_equal(counter(CONTAINER_MAP_DROP_MISS), misses + 2);

    /* Other packets with megaflow 2's action: likewise. */
    execute(&other.batch, &mfs[2].actions);
    assert_int_equal(n_deliveries, 2);
    assert_int_equal(counter(CONTAINER_MAP_DROP_MISS), misses + 4);
    container_map_lookahead_done();

    /* After the receive batch nothing is left over. */
    megaflow_uninit(&mfs[1]);
    megaflow_init(&mfs[1], true, 5000, 80);
    execute(&mfs[1].batch, &mfs[1].actions);
    assert_int_equal(n_deliveries, 2);
    assert_int_equal(counter(CONTAINER_MAP_DROP_MISS), misses + 6);

    for (int i = 0; i < 3; i++) {
        megaflow_uninit(&mfs[i]);
    }
    megaflow_uninit(&other);
}

/* Recirculation runs a nested receive batch from inside a megaflow's
 * actions: its hooks neither look ahead nor disturb the outer batch's. */
static void
test_lookahead_nested(void **state OVS_UNUSED)
{
    struct megaflow outer[2], inner;

    megaflow_init(&outer[0], true, 1000, 80);
    megaflow_init(&outer[1], true, 2000, 80);
    megaflow_init(&inner, true, 3000, 80);

    megaflows_add(outer, 2);
    container_map_lookahead_run();
    execute(&outer[0].batch, &outer[0].actions);

    /* The nested batch: its lookups are the action's own. */
    megaflows_add(&inner, 1);
    container_map_lookahead_run();
    execute(&inner.batch, &inner.actions);
    container_map_lookahead_done();
    assert_int_equal(n_deliveries, 4);

    /* The outer batch's second megaflow still takes its lookahead. */
    del_mapping(IPPROTO_TCP, 80);
    execute(&outer[1].batch, &outer[1].actions);
    container_map_lookahead_done();
    assert_int_equal(n_deliveries, 6);
    for (size_t i = 0; i < n_deliveries; i++) {
        assert_delivered_right(&deliveries[i]);
    }

    megaflow_uninit(&outer[0]);
    megaflow_uninit(&outer[1]);
    megaflow_uninit(&inner);
}

/* Runs 'func' in a child process and asserts that it aborts. */
static void
assert_aborts(void (*func)(void))
{
    int status;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    assert_true(pid >= 0);
    if (!pid) {
        /* The assertion's message is expected: keep it off the report. */
        close(STDERR_FILENO);
        func();
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void
done_without_run(void)
{
    container_map_lookahead_done();
}

static void
run_while_quiescent(void)
{
    struct megaflow mf;

    megaflow_init(&mf, true, 1000, 80);
    megaflows_add(&mf, 1);
    ovsrcu_quiesce_start();
    container_map_lookahead_run();
}

/* The hooks' use of dpif-netdev is asserted: a "done" without a "run", or a
 * lookahead while the thread is quiescent (its lookups could be freed before
 * the action uses them), abort. */
static void
test_lookahead_asserts(void **state OVS_UNUSED)
{
    assert_aborts(done_without_run);
    assert_aborts(run_while_quiescent);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_miss_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookahead_nested, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lookahead_asserts, setup,
                                        teardown),
    };

    /* The action runs in a thread that is not quiescent, as dpif-netdev's
     * threads are while they handle packets. */
    ovsrcu_quiesce_end();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
