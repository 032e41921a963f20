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

/* cmocka test of the container map under concurrency.  Reader threads run
 * batches through container_map_execute(), ingress and egress, some with the
 * lookahead hooks, quiescing between batches as PMD threads do, while the
 * main thread changes the map as fast as it can: backends added, drained
 * and deleted, keys deleted, a reservation added and deleted, connections
 * flushed and swept, the connection table resized.
 *
 * It checks what a user would: no packet goes to a container its port is
 * not mapped to (or, for replies, reserved to), no packet of a container's
 * own connection is dropped, the connection table stays within its bound.
 * Built with AddressSanitizer it also shows that no reader touches memory a
 * writer freed. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "container-map.h"
#include "container-map-conn.h"
#include "container-map-dp.h"
#include "container-map-dp-private.h"
#include "container-map-odp.h"
#include "container-map-view.h"
#include "dp-packet.h"
#include "flow.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

#include "container-map-test-dp.h"

#define TABLE 1
#define SERVICE_IP 0xcb00710a       /* 203.0.113.10 */
#define N_PORTS 8                   /* Mapped: tcp/80 to tcp/87. */
#define N_CONTAINERS 4              /* MACs 02:00:00:00:00:0a to 0d, on
                                     * ports 2 to 5. */
#define A_PORT_MIN 40000            /* Container 0's reservation (fixed). */
#define B_PORT_MIN 41000            /* Container 1's (added and deleted). */
#define RESV_PORTS 1000
#define N_READERS 2
#define WRITER_OPS 200000

static const struct eth_addr peer_mac = ETH_ADDR_C(50, 54, 00, 00, 00, 01);
static const struct eth_addr sw_mac = ETH_ADDR_C(02, 00, 00, 00, 00, aa);

struct reader {
    pthread_t thread;
    uint32_t seed;
    unsigned long long n_batches;
    unsigned long long n_delivered;
    unsigned long long n_egress;        /* Container 0's packets sent... */
    unsigned long long n_passed;        /* ...and passed on. */
    unsigned long long n_violations;
    char violation[160];                /* The first one. */
};

static atomic_bool stop;

static struct eth_addr
container_mac(int c)
{
    struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 00, 00);

    mac.ea[5] = 0x0a + c;
    return mac;
}

static int
container_of_mac(struct eth_addr mac)
{
    struct eth_addr base = container_mac(0);
    int c = mac.ea[5] - 0x0a;

    base.ea[5] = mac.ea[5];
    return eth_addr_equals(base, mac) && c >= 0 && c < N_CONTAINERS ? c : -1;
}

/* Port 80 + i may have containers i % 4 and (i + 1) % 4, and no other. */
static bool
may_have(int i, int c)
{
    return c == i % N_CONTAINERS || c == (i + 1) % N_CONTAINERS;
}

static uint32_t
next_random(uint32_t *seed)
{
    /* xorshift32: each thread its own sequence, no shared state. */
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    return *seed;
}

static void
violation(struct reader *r, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

static void
violation(struct reader *r, const char *format, ...)
{
    if (!r->n_violations++) {
        va_list args;

        va_start(args, format);
        vsnprintf(r->violation, sizeof r->violation, format, args);
        va_end(args);
    }
}

/* The datapath callback: every delivery must go to the port of the
 * container whose MAC it now carries, and that container must be one the
 * packet's port may be mapped or reserved to. */
static void
check_output(void *r_, struct dp_packet_batch *batch,
             const struct nlattr *a, bool steal)
{
    struct reader *r = r_;
    uint32_t port = odp_to_u32(nl_attr_get_odp_port(a));
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        const struct eth_header *eth = dp_packet_eth(p);
        const struct tcp_header *tcp = dp_packet_l4(p);
        int c = container_of_mac(eth->eth_dst);
        int dst = ntohs(tcp->tcp_dst);
        bool ok;

        if (dst >= 80 && dst < 80 + N_PORTS) {
            ok = c >= 0 && may_have(dst - 80, c);
        } else if (dst >= A_PORT_MIN && dst < A_PORT_MIN + RESV_PORTS) {
            ok = c == 0;
        } else if (dst >= B_PORT_MIN && dst < B_PORT_MIN + RESV_PORTS) {
            ok = c == 1;
        } else {
            ok = false;
        }
        if (!ok || port != c + 2) {
            violation(r, "tcp/%d delivered to "ETH_ADDR_FMT" on port %"PRIu32,
                      dst, ETH_ADDR_ARGS(eth->eth_dst), port);
        }
        r->n_delivered++;
    }
    if (steal) {
        dp_packet_delete_batch(batch, true);
    }
}

/* A TCP segment 'src':'sport' -> 'dst':'dport' as flow extraction leaves
 * it, received on 'in_port'. */
static struct dp_packet *
make_packet(struct eth_addr eth_src, uint32_t src, uint16_t sport,
            uint32_t dst, uint16_t dport, uint16_t flags, uint32_t in_port)
{
    struct dp_packet *p = dp_packet_new(128);
    struct flow flow;

    memset(&flow, 0, sizeof flow);
    flow.dl_dst = sw_mac;
    flow.dl_src = eth_src;
    flow.dl_type = htons(ETH_TYPE_IP);
    flow.nw_src = htonl(src);
    flow.nw_dst = htonl(dst);
    flow.nw_proto = IPPROTO_TCP;
    flow.nw_ttl = 64;
    flow.tp_src = htons(sport);
    flow.tp_dst = htons(dport);
    flow.tcp_flags = htons(flags);
    flow_compose(p, &flow, NULL, 0);
    pkt_metadata_init(&p->md, u32_to_odp(in_port));
    return p;
}

static void *
reader_main(void *r_)
{
    struct reader *r = r_;
    struct ofpbuf ingress, egress;
    bool stopped;

    ofpbuf_init(&ingress, 64);
    container_map_put_odp_action(&ingress, TABLE, OVS_CONTAINER_MAP_MISS_DROP,
                                 false);
    ofpbuf_init(&egress, 64);
    container_map_put_odp_action(&egress, TABLE, OVS_CONTAINER_MAP_MISS_DROP,
                                 true);
    do {
        struct dp_packet_batch batch;
        bool lookahead = !(next_random(&r->seed) % 4);
        size_t n;

        /* Inbound: new and known connections (a few hundred 5-tuples from
         * 16 remote addresses) to the mapped ports, replies to both
         * reservations. */
        dp_packet_batch_init(&batch);
        for (int i = 0; i < 24; i++) {
            uint32_t x = next_random(&r->seed);
            uint16_t dport = (i < 20 ? 80 + x % N_PORTS
                              : (i % 2 ? A_PORT_MIN : B_PORT_MIN)
                                + x % RESV_PORTS);

            dp_packet_batch_add(&batch, make_packet(
                                    peer_mac, 0xc6336400 | (x >> 8) % 16,
                                    10000 + (x >> 12) % 32, SERVICE_IP, dport,
                                    x & 1 ? TCP_SYN : TCP_ACK, 1));
        }
        if (lookahead) {
            container_map_lookahead_add(&batch, ingress.data, ingress.size);
            container_map_lookahead_run();
        }
        container_map_execute(r, &batch, true, ingress.data, check_output);
        if (lookahead) {
            container_map_lookahead_done();
        }

        /* Outbound: container 0's own connections, from its reservation;
         * each must pass on. */
        dp_packet_batch_init(&batch);
        for (int i = 0; i < 8; i++) {
            uint32_t x = next_random(&r->seed);

            dp_packet_batch_add(&batch, make_packet(
                                    container_mac(0), SERVICE_IP,
                                    A_PORT_MIN + x % RESV_PORTS,
                                    0xc6336400 | (x >> 16) % 16, 443,
                                    TCP_ACK, 2));
        }
        container_map_execute(r, &batch, false, egress.data, check_output);
        n = dp_packet_batch_size(&batch);
        r->n_egress += 8;
        r->n_passed += n;
        if (n != 8) {
            violation(r, "%"PRIuSIZE" of 8 packets of container 0's own "
                      "connections passed", n);
        }
        dp_packet_delete_batch(&batch, true);

        r->n_batches++;
        ovsrcu_quiesce();
        atomic_read_relaxed(&stop, &stopped);
    } while (!stopped);
    ofpbuf_uninit(&ingress);
    ofpbuf_uninit(&egress);
    return NULL;
}

static void
port_key(struct container_map_key *key, int i)
{
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, htonl(SERVICE_IP));
    container_map_key_init(key, TABLE, &ip, IPPROTO_TCP, htons(80 + i));
}

static int
reserve(int c, int port_min)
{
    struct container_map_backend_spec spec = {
        .mac = container_mac(c), .ofport = u16_to_ofp(c + 2),
        .tun_dst = in6addr_any,
    };
    struct container_map_ranges ranges = {
        .port_min = port_min, .port_max = port_min + RESV_PORTS - 1,
        .id_min = port_min, .id_max = port_min + RESV_PORTS - 1,
    };
    struct container_map_conflict conflict;
    struct in6_addr ip;

    in6_addr_set_mapped_ipv4(&ip, htonl(SERVICE_IP));
    return container_map_reserve(container_map_global(), TABLE, &ip, &spec,
                                 &ranges, &conflict);
}

/* One random change of the map. */
static void
change(uint32_t *seed, unsigned int *max_conns)
{
    struct container_map *map = container_map_global();
    uint32_t x = next_random(seed);
    int i = x % N_PORTS;
    int c = (x >> 8) % 2 ? i % N_CONTAINERS : (i + 1) % N_CONTAINERS;
    struct eth_addr mac = container_mac(c);
    struct container_map_key key;

    port_key(&key, i);
    switch ((x >> 16) % 16) {
    case 0: case 1: case 2: case 3: case 4: {
        struct container_map_mapping m = {
            .key = key,
            .backend = { .mac = mac, .ofport = u16_to_ofp(c + 2),
                         .tun_dst = in6addr_any },
        };
        enum container_map_add_result result;
        struct container_map_conflict conflict;

        assert_int_equal(container_map_add(map, &m, &result, &conflict), 0);
        container_map_for_each_backend(map, TABLE, compile_backend, NULL);
        break;
    }
    case 5: case 6:
        container_map_del(map, &key, &mac);
        break;
    case 7:
        container_map_del(map, &key, NULL);
        break;
    case 8: case 9:
        container_map_drain(map, &key, mac, (x >> 24) % 2);
        break;
    case 10: {
        struct in6_addr ip;

        in6_addr_set_mapped_ipv4(&ip, htonl(SERVICE_IP));
        if (container_map_unreserve(map, TABLE, &ip, container_mac(1))) {
            assert_int_equal(reserve(1, B_PORT_MIN), 0);
            container_map_for_each_backend(map, TABLE, compile_backend,
                                           NULL);
        }
        break;
    }
    case 11:
        container_map_conn_sweep(map, time_msec() + (x >> 24) * 1000);
        break;
    case 12:
        if (!((x >> 24) % 16)) {
            container_map_conn_flush(map, TABLE);
        }
        break;
    case 13:
        if (!((x >> 24) % 64)) {
            struct container_map_conn_settings s;

            /* A resize waits for the readers' grace period. */
            container_map_conn_get_settings(map, &s);
            s.max_conns = *max_conns = s.max_conns == 256 ? 4096 : 256;
            container_map_conn_set_settings(map, &s);
        }
        break;
    default:
        break;
    }
}

static void
test_concurrent(void **state OVS_UNUSED)
{
    struct container_map *map = container_map_global();
    struct reader readers[N_READERS];
    unsigned int max_conns = 4096, most = 0;
    struct container_map_conn_settings s;
    uint32_t seed = 0x2545f491;

    container_map_conn_get_settings(map, &s);
    s.max_conns = max_conns;
    container_map_conn_set_settings(map, &s);
    assert_int_equal(reserve(0, A_PORT_MIN), 0);
    assert_int_equal(reserve(1, B_PORT_MIN), 0);
    container_map_for_each_backend(map, TABLE, compile_backend, NULL);

    atomic_store(&stop, false);
    for (int i = 0; i < N_READERS; i++) {
        memset(&readers[i], 0, sizeof readers[i]);
        readers[i].seed = 0x9e3779b9 * (i + 1);
        readers[i].thread = ovs_thread_create("cm_reader", reader_main,
                                              &readers[i]);
    }
    for (int op = 0; op < WRITER_OPS; op++) {
        unsigned int n;

        change(&seed, &max_conns);
        n = container_map_conn_count(map, UINT32_MAX);
        most = MAX(most, n);
        ovsrcu_quiesce();
    }
    atomic_store(&stop, true);
    for (int i = 0; i < N_READERS; i++) {
        struct reader *r = &readers[i];

        xpthread_join(r->thread, NULL);
        printf("reader %d: %llu batches, %llu delivered, %llu/%llu of "
               "container 0's passed, %llu violations%s%s\n", i,
               r->n_batches, r->n_delivered, r->n_passed, r->n_egress,
               r->n_violations, r->n_violations ? ": " : "", r->violation);
        assert_int_equal(r->n_violations, 0);
        assert_true(r->n_batches > 0 && r->n_delivered > 0);
        assert_int_equal(r->n_passed, r->n_egress);
    }
    printf("writer: %d changes, at most %u connections\n", WRITER_OPS, most);
    assert_true(most <= 4096);

    container_map_clear(map, TABLE);
    ovsrcu_quiesce();
}

/* Fragment records (container-map-dp-frag.c) under concurrent writers and
 * readers: threads record and follow many more datagrams than there are
 * slots, so that records replace each other all the time.  Each datagram's
 * ports are a function of its identifier: a follow that found another
 * datagram's record (a key compared short, say) shows wrong ports.  (A torn
 * read of a slot being written is too rare on 2 cores for this to show the
 * sequence lock at work; the test shows nothing else mixes records.) */
#define FRAG_THREADS 2
#define FRAG_OPS 1000000
#define FRAG_IDS 100000

struct frag_worker {
    pthread_t thread;
    uint32_t seed;
    unsigned long long n_found;
    unsigned long long n_wrong;
};

static void
frag_pkt(uint32_t id, struct container_map_pkt *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    in6_addr_set_mapped_ipv4(&pkt->src, htonl(0xc6336400 + id % 200));
    in6_addr_set_mapped_ipv4(&pkt->dst, htonl(SERVICE_IP));
    pkt->proto = IPPROTO_UDP;
    pkt->frag = true;
    pkt->frag_id = id;
    pkt->kind = CONTAINER_MAP_PKT_FRAGMENT;
}

static void *
frag_main(void *w_)
{
    struct frag_worker *w = w_;

    for (int op = 0; op < FRAG_OPS; op++) {
        uint32_t id = next_random(&w->seed) % FRAG_IDS;
        struct container_map_pkt pkt;
        struct cm_ctx ctx;

        ctx.map = container_map_global();
        ctx.table_id = TABLE;
        ctx.now = 0;
        frag_pkt(id, &pkt);
        if (op % 2) {
            pkt.kind = CONTAINER_MAP_PKT_L4;
            pkt.src_port = htons(id % 65521 + 1);
            pkt.dst_port = htons(id % 1021 + 1);
            cm_frag_record(&ctx, &pkt, false);
        } else if (cm_frag_follow(&ctx, &pkt, false)) {
            w->n_found++;
            if (pkt.src_port != htons(id % 65521 + 1)
                || pkt.dst_port != htons(id % 1021 + 1)
                || pkt.kind != CONTAINER_MAP_PKT_L4) {
                w->n_wrong++;
            }
        }
    }
    return NULL;
}

static void
test_frag_records(void **state OVS_UNUSED)
{
    struct frag_worker workers[FRAG_THREADS];

    cm_frag_reset();
    for (int i = 0; i < FRAG_THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].seed = 0x6c078965u * (i + 1);
        workers[i].thread = ovs_thread_create("cm_frag", frag_main,
                                              &workers[i]);
    }
    for (int i = 0; i < FRAG_THREADS; i++) {
        struct frag_worker *w = &workers[i];

        xpthread_join(w->thread, NULL);
        printf("fragment worker %d: %llu found, %llu with wrong ports\n", i,
               w->n_found, w->n_wrong);
        assert_true(w->n_found > 0);
        assert_int_equal(w->n_wrong, 0);
    }
    cm_frag_reset();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_frag_records),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
