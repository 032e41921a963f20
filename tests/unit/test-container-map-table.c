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

/* cmocka unit tests of whole tables of the container map
 * (lib/container-map.c and its stores): flush by table, the drop counters
 * of each table, 200000 mappings in one table, and readers that look up
 * mappings while a writer changes them and makes the map grow, shrink and
 * rehash. */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "container-map-test-table.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "random.h"
#include "timeval.h"

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
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_drop_counters),
        cmocka_unit_test(test_many),
        /* Last: it makes the process multithreaded. */
        cmocka_unit_test(test_concurrent_readers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
