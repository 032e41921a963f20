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

/* What the cmocka unit tests of lib/ share: cmocka itself, test MACs and
 * addresses, and a table's teardown.  The helpers are static inline, so
 * that a program need not use them all.  The tests of one family share
 * more: container-map-test-table.h (the mapping table),
 * container-map-test-conn.h (mappings, reservations and connections
 * through the coordinator) and container-map-test-packet.h (packets, for
 * the parser and the in-place replies). */

#ifndef CONTAINER_MAP_TEST_H
#define CONTAINER_MAP_TEST_H 1

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "container-map-private.h"
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

/* Returns the locally administered MAC 02:00:00:xx:yy:zz for 'n' = xxyyzz. */
static inline struct eth_addr
mac_n(unsigned int n)
{
    struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 00, 00);

    mac.ea[3] = n >> 16;
    mac.ea[4] = n >> 8;
    mac.ea[5] = n;
    return mac;
}

/* Returns the IPv4-mapped form of 'ip' (host byte order). */
static inline struct in6_addr
ip4_addr(uint32_t ip)
{
    struct in6_addr addr;

    in6_addr_set_mapped_ipv4(&addr, htonl(ip));
    return addr;
}

/* Returns the textual IPv6 address 's'. */
static inline struct in6_addr
ip6_addr(const char *s)
{
    struct in6_addr addr;

    assert_true(ipv6_parse(s, &addr));
    return addr;
}

/* The number of backends of all tables. */
static inline size_t
n_backends(const struct container_map *t)
{
    return hmap_count(&t->backends.map);
}

/* Destroys 't' and lets the postponed frees run. */
static inline void
destroy_table(struct container_map *t)
{
    container_map_destroy(t);
    ovsrcu_quiesce();
}

#endif /* container-map-test.h */
