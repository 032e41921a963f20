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

/* cmocka unit tests of the container map's backends (lib/container-map.c
 * and lib/container-map-backend.c): one backend object per [table, MAC,
 * port], shared by every mapping that uses it, its datapath actions, and
 * the choice among a mapping's backends (rendezvous hashing, drain). */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "container-map-dp-private.h"
#include "container-map-odp.h"
#include "container-map-test-table.h"
#include "hash.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"

static void
count_backend(struct container_map_backend *b OVS_UNUSED,
              const struct container_map_backend_view *view OVS_UNUSED,
              void *n_)
{
    size_t *n = n_;

    (*n)++;
}

static size_t
n_backends_of(struct container_map *t, uint32_t table_id)
{
    size_t n = 0;

    container_map_for_each_backend(t, table_id, count_backend, &n);
    return n;
}

static void
test_backend_interning(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_key k1, k2, k3, k4;
    struct container_map_backend *shared;

    key4(&k1, 1, TEST_IP4, IPPROTO_TCP, 80);
    key6(&k2, 1, "2001:db8::10", IPPROTO_UDP, 53);
    key4(&k3, 1, TEST_IP4 + 1, IPPROTO_TCP, 80);
    key4(&k4, 2, TEST_IP4, IPPROTO_TCP, 80);

    /* Same [table, MAC, port]: one backend object. */
    add_ok(t, &k1, mac_n(1), 2);
    add_ok(t, &k2, mac_n(1), 2);
    shared = lookup(t, &k1)->backends[0];
    assert_ptr_equal(lookup(t, &k2)->backends[0], shared);
    assert_int_equal(shared->n_refs, 2);
    assert_int_equal(n_backends(t), 1);

    /* Another port, or another table, is another backend. */
    add_ok(t, &k3, mac_n(1), 3);
    assert_ptr_not_equal(lookup(t, &k3)->backends[0], shared);
    assert_int_equal(n_backends(t), 2);
    add_ok(t, &k4, mac_n(1), 2);
    assert_ptr_not_equal(lookup(t, &k4)->backends[0], shared);
    assert_int_equal(lookup(t, &k4)->backends[0]->table_id, 2);
    assert_int_equal(n_backends(t), 3);
    assert_int_equal(n_backends_of(t, 1), 2);
    assert_int_equal(n_backends_of(t, 2), 1);
    assert_int_equal(n_backends_of(t, 3), 0);
    assert_int_equal(n_backends_of(t, UINT32_MAX), 3);

    /* A second MAC on a key shares too, and a replacement keeps the refs
     * right. */
    add_ok(t, &k1, mac_n(2), 2);
    add_ok(t, &k2, mac_n(2), 2);
    assert_ptr_equal(lookup(t, &k1)->backends[1],
                     lookup(t, &k2)->backends[1]);
    assert_ptr_equal(lookup(t, &k1)->backends[0], shared);
    assert_int_equal(shared->n_refs, 2);
    assert_int_equal(n_backends(t), 4);

    /* Deleting one user keeps the backend for the other. */
    assert_int_equal(container_map_del(t, &k1, NULL), 0);
    assert_ptr_equal(lookup(t, &k2)->backends[0], shared);
    assert_int_equal(shared->n_refs, 1);
    assert_int_equal(n_backends(t), 4);

    /* Moving k2's MAC to port 3 makes it share k3's backend and drops the
     * now unused [1, mac 1, port 2]. */
    assert_int_equal(add_ok(t, &k2, mac_n(1), 3),
                     CONTAINER_MAP_UPDATED_BACKEND);
    assert_ptr_equal(lookup(t, &k2)->backends[0],
                     lookup(t, &k3)->backends[0]);
    assert_int_equal(lookup(t, &k3)->backends[0]->n_refs, 2);
    assert_int_equal(n_backends(t), 3);

    /* Delete everything: no backend is left (the memory goes later). */
    assert_int_equal(container_map_del(t, &k2, NULL), 0);
    assert_int_equal(n_backends(t), 2);
    assert_int_equal(container_map_del(t, &k3, NULL), 0);
    assert_int_equal(n_backends(t), 1);
    assert_int_equal(container_map_del(t, &k4, NULL), 0);
    assert_int_equal(n_backends(t), 0);
    assert_int_equal(n_backends_of(t, UINT32_MAX), 0);

    destroy_table(t);
}

/* Gives 'b' a copy of the 'size' bytes of 'data' as its datapath actions
 * (none if 'size' is 0), unless it has the same ones already, as the callers
 * of container_map_set_actions() do. */
static void
set_actions(struct container_map *t, struct container_map_backend *b,
            const struct nlattr *data, size_t size)
{
    struct container_map_actions *new;

    new = size ? container_map_actions_create(data, size, ODPP_NONE, NULL)
               : NULL;
    if (container_map_actions_equal(
            ovsrcu_get(struct container_map_actions *, &b->actions), new)) {
        free(new);
    } else {
        container_map_set_actions(t, b, new);
    }
}

static void
test_backend_actions(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    struct container_map_actions *actions;
    struct container_map_backend *b;
    struct container_map_key k, k2;
    struct ofpbuf a, c;
    uint64_t a_stub[8], c_stub[8];
    uint8_t copy[12];
    struct ovs_action_hash hash = { .hash_alg = 1, .hash_basis = 42 };

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    key4(&k2, 1, TEST_IP4, IPPROTO_UDP, 80);
    add_ok(t, &k, mac_n(1), 2);
    add_ok(t, &k2, mac_n(1), 2);
    b = lookup(t, &k)->backends[0];

    /* A backend starts without actions. */
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    /* 12 bytes: not a multiple of 8. */
    ofpbuf_use_stub(&a, a_stub, sizeof a_stub);
    nl_msg_put_unspec(&a, OVS_ACTION_ATTR_HASH, &hash, sizeof hash);
    assert_int_equal(a.size, 12);
    memcpy(copy, a.data, a.size);
    set_actions(t, b, a.data, a.size);

    /* A copy is stored: changing the caller's buffer has no effect. */
    memset(a.data, 0xff, a.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(actions);
    assert_int_equal(actions->size, sizeof copy);
    assert_memory_equal(actions->data, copy, sizeof copy);

    /* The other key's entry sees the same backend and so the same actions. */
    assert_ptr_equal(ovsrcu_get(struct container_map_actions *,
                                &lookup(t, &k2)->backends[0]->actions),
                     actions);

    /* Replacing them with other actions of another size. */
    ofpbuf_use_stub(&c, c_stub, sizeof c_stub);
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 5);
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 6);
    nl_msg_put_unspec(&c, OVS_ACTION_ATTR_HASH, &hash, sizeof hash);
    assert_int_equal(c.size, 28);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(actions);
    assert_int_equal(actions->size, c.size);
    assert_memory_equal(actions->data, c.data, c.size);

    /* Not a set of the Ethernet destination first: run as they are. */
    assert_int_equal(actions->rest, 0);

    /* Setting the same actions again keeps them. */
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_non_null(actions);
    assert_int_equal(actions->size, c.size);
    assert_memory_equal(actions->data, c.data, c.size);

    /* NULL clears them. */
    set_actions(t, b, NULL, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));
    set_actions(t, b, NULL, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    /* So does a size of 0. */
    set_actions(t, b, c.data, c.size);
    assert_non_null(ovsrcu_get(struct container_map_actions *,
                               &b->actions));
    set_actions(t, b, c.data, 0);
    assert_null(ovsrcu_get(struct container_map_actions *, &b->actions));

    /* A masked set of the Ethernet destination alone, then an output: the
     * datapath is told the address and where the rest begins. */
    struct ovs_key_ethernet eth[2] = {
        { .eth_src = mac_n(7), .eth_dst = mac_n(9) },
        { .eth_src = eth_addr_zero, .eth_dst = eth_addr_exact },
    };
    size_t ofs;

    ofpbuf_clear(&c);
    ofs = nl_msg_start_nested(&c, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&c, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&c, ofs);
    size_t set_size = c.size;
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 5);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_int_equal(actions->rest, set_size);
    assert_true(eth_addr_equals(actions->eth_dst, mac_n(9)));

    /* Not when the source is set too, or when nothing follows. */
    eth[1].eth_src = eth_addr_exact;
    ofpbuf_clear(&c);
    ofs = nl_msg_start_nested(&c, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&c, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&c, ofs);
    nl_msg_put_u32(&c, OVS_ACTION_ATTR_OUTPUT, 5);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_int_equal(actions->rest, 0);
    eth[1].eth_src = eth_addr_zero;
    ofpbuf_clear(&c);
    ofs = nl_msg_start_nested(&c, OVS_ACTION_ATTR_SET_MASKED);
    nl_msg_put_unspec(&c, OVS_KEY_ATTR_ETHERNET, eth, sizeof eth);
    nl_msg_end_nested(&c, ofs);
    set_actions(t, b, c.data, c.size);
    actions = ovsrcu_get(struct container_map_actions *, &b->actions);
    assert_int_equal(actions->rest, 0);

    /* A backend freed with its actions (the frees run at quiescence). */
    set_actions(t, b, c.data, c.size);
    ofpbuf_uninit(&a);
    ofpbuf_uninit(&c);
    ovsrcu_quiesce();

    destroy_table(t);
}

/* The backend index that 'e' picks for 'hash', or -1. */
static int
pick(const struct container_map_entry *e, uint32_t hash)
{
    int i = container_map_entry_select(e, hash);

    assert_true(i >= -1 && i < (int) e->n_backends);
    if (i >= 0) {
        assert_int_equal(container_map_entry_find_backend(e, e->backends[i]),
                         i);
    }
    return i;
}

#define N_SELECT_HASHES 4096

static void
test_select(void **state OVS_UNUSED)
{
    struct container_map *t = container_map_create();
    const struct container_map_entry *e;
    struct container_map_key k;
    unsigned int hits[5] = { 0 };
    static struct eth_addr before[N_SELECT_HASHES];
    struct eth_addr drained;
    unsigned int moved = 0;

    key4(&k, 1, TEST_IP4, IPPROTO_TCP, 80);
    add_ok(t, &k, mac_n(0), 2);
    e = lookup(t, &k);
    assert_int_equal(pick(e, 0), 0);
    assert_int_equal(pick(e, UINT32_MAX), 0);

    for (unsigned int i = 1; i < 4; i++) {
        add_ok(t, &k, mac_n(i), 2);
    }
    e = lookup(t, &k);

    /* Every hash picks one of the entry's backends, always the same one,
     * and all get picked. */
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        int j = pick(e, hash_int(i, 0));

        assert_true(j >= 0 && j < 4);
        assert_int_equal(pick(e, hash_int(i, 0)), j);
        hits[j]++;
        before[i] = e->backends[j]->mac;
    }
    for (int j = 0; j < 4; j++) {
        assert_true(hits[j] > 512);
    }

    /* Adding a backend only moves hashes to the new backend. */
    add_ok(t, &k, mac_n(4), 2);
    e = lookup(t, &k);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        struct eth_addr now = e->backends[pick(e, hash_int(i, 0))]->mac;

        if (!eth_addr_equals(now, before[i])) {
            assert_true(eth_addr_equals(now, mac_n(4)));
            moved++;
        }
    }
    assert_true(moved > N_SELECT_HASHES / 10 && moved < N_SELECT_HASHES / 3);

    /* Removing it again puts them all back. */
    struct eth_addr mac4 = mac_n(4);
    assert_int_equal(container_map_del(t, &k, &mac4), 0);
    e = lookup(t, &k);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        assert_true(eth_addr_equals(e->backends[pick(e, hash_int(i, 0))]->mac,
                                    before[i]));
    }

    /* Draining backend 1 only moves the hashes it had. */
    drained = mac_n(1);
    assert_int_equal(container_map_drain(t, &k, drained, true), 0);
    e = lookup(t, &k);
    assert_true(e->draining != 0);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        struct eth_addr now = e->backends[pick(e, hash_int(i, 0))]->mac;

        assert_false(eth_addr_equals(now, drained));
        if (!eth_addr_equals(before[i], drained)) {
            assert_true(eth_addr_equals(now, before[i]));
        }
    }

    /* Every backend drained: no choice. */
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(container_map_drain(t, &k, mac_n(i), true), 0);
    }
    e = lookup(t, &k);
    assert_int_equal(pick(e, 12345), -1);
    assert_int_equal(container_map_drain(t, &k, mac_n(9), true), ENOENT);

    /* Undraining restores the original choices. */
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(container_map_drain(t, &k, mac_n(i), false), 0);
    }
    e = lookup(t, &k);
    assert_int_equal(e->draining, 0);
    for (uint32_t i = 0; i < N_SELECT_HASHES; i++) {
        assert_true(eth_addr_equals(e->backends[pick(e, hash_int(i, 0))]->mac,
                                    before[i]));
    }

    destroy_table(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_interning),
        cmocka_unit_test(test_backend_actions),
        cmocka_unit_test(test_select),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
