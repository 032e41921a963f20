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

#ifndef CONTAINER_MAP_RESV_H
#define CONTAINER_MAP_RESV_H 1

/* Reservations and mapped addresses.
 *
 * A reservation says that container MAC, behind OpenFlow port OFPORT, uses
 * IP as a source address, with source ports (TCP, UDP, SCTP) in
 * [port_min, port_max] and ICMP echo identifiers in [id_min, id_max].  The
 * egress form of the action records a connection for every new flow the
 * container opens within its ranges, so that replies find it although other
 * containers share the IP.  Reservations of one IP never overlap, so two
 * containers cannot produce the same 5-tuple unless one of them leaves its
 * range, which the action refuses.
 *
 * Mapped addresses are the IPs of a table that have mappings or
 * reservations: ARP requests for them are answered by the switch, and ICMP
 * echo requests are answered by the switch, by a chosen container, or not at
 * all.
 *
 * Both are cmaps read without locks, entries immutable once published (a
 * change replaces the entry), like the mappings in container-map-table.h. */

#include "container-map-table.h"

struct container_map_resv_key {
    struct in6_addr ip;             /* IPv4 is stored IPv4-mapped. */
    uint32_t table_id;
    struct eth_addr mac;
    uint16_t pad;                   /* Zero. */
};

struct container_map_resv {
    struct cmap_node node;          /* In table's 'resvs'. */
    struct container_map_resv_key key;
    struct container_map_backend *backend;
    uint16_t port_min, port_max;    /* Source port range, host order. */
    uint16_t id_min, id_max;        /* ICMP identifier range, host order. */
};

enum container_map_echo {
    CONTAINER_MAP_ECHO_SWITCH,      /* The switch replies (default). */
    CONTAINER_MAP_ECHO_CONTAINER,   /* Delivered to one chosen container. */
    CONTAINER_MAP_ECHO_OFF,         /* Dropped and counted. */
};

struct container_map_addr {
    struct cmap_node node;          /* In table's 'addrs'. */
    struct in6_addr ip;
    uint32_t table_id;
    unsigned int n_users;           /* Mappings and reservations (writers). */
    enum container_map_echo echo;
    struct container_map_backend *echo_backend; /* For ECHO_CONTAINER. */
};

/* Readers. */
static inline uint32_t
container_map_resv_hash(uint32_t table_id, const struct in6_addr *ip,
                        const struct eth_addr mac)
{
    uint32_t hash = hash_add(table_id, ((uint32_t) mac.be16[0] << 16)
                                       | mac.be16[1]);
    hash = hash_add(hash, mac.be16[2]);
    return hash_bytes(ip, sizeof *ip, hash);
}

static inline const struct container_map_resv *
container_map_resv_lookup(const struct container_map_table *table,
                          uint32_t table_id, const struct in6_addr *ip,
                          const struct eth_addr mac)
{
    uint32_t hash = container_map_resv_hash(table_id, ip, mac);
    const struct container_map_resv *r;

    CMAP_FOR_EACH_WITH_HASH (r, node, hash, &table->resvs) {
        if (r->key.table_id == table_id && eth_addr_equals(r->key.mac, mac)
            && ipv6_addr_equals(&r->key.ip, ip)) {
            return r;
        }
    }
    return NULL;
}

static inline uint32_t
container_map_addr_hash(uint32_t table_id, const struct in6_addr *ip)
{
    return hash_bytes(ip, sizeof *ip, table_id);
}

static inline const struct container_map_addr *
container_map_addr_lookup(const struct container_map_table *table,
                          uint32_t table_id, const struct in6_addr *ip)
{
    uint32_t hash = container_map_addr_hash(table_id, ip);
    const struct container_map_addr *a;

    CMAP_FOR_EACH_WITH_HASH (a, node, hash, &table->addrs) {
        if (a->table_id == table_id && ipv6_addr_equals(&a->ip, ip)) {
            return a;
        }
    }
    return NULL;
}

/* Writers.
 *
 * container_map_resv_set() adds or replaces the reservation of 'mac' on
 * 'ip'.  Returns 0, or EEXIST if a range overlaps the range of another
 * container on 'ip' (the other's MAC goes in '*other'), or EINVAL for empty
 * or reversed ranges.  Changing the ranges or the port of a reservation
 * forgets its connections.  On error nothing changes. */
int container_map_resv_set(struct container_map_table *, uint32_t table_id,
                           const struct in6_addr *ip,
                           const struct eth_addr mac, ofp_port_t,
                           uint16_t port_min, uint16_t port_max,
                           uint16_t id_min, uint16_t id_max,
                           struct eth_addr *other);

/* The same for a container behind a flow-based tunnel port, on the host
 * with tunnel IP 'tun_dst' (if nonnull). */
int container_map_resv_set_tnl(struct container_map_table *, uint32_t table_id,
                               const struct in6_addr *ip,
                               const struct eth_addr mac, ofp_port_t,
                               const struct in6_addr *tun_dst,
                               uint16_t port_min, uint16_t port_max,
                               uint16_t id_min, uint16_t id_max,
                               struct eth_addr *other, uint16_t *other_port);

/* Mapped ports and other containers' source port ranges never overlap on
 * one IP, so that a connection a container opens can never share its local
 * port with a mapping of another container: container_map_resv_set() and
 * container_map_resv_set_tnl() return EADDRINUSE (with the mapping's
 * backend in '*other' and its port in '*other_port', for the latter) for a
 * range that holds a port mapped to another container, and
 * container_map_table_add() returns EADDRINUSE for a port in another
 * container's range; container_map_resv_find_port() finds that range. */
const struct container_map_resv *container_map_resv_find_port(
    const struct container_map_table *, uint32_t table_id,
    const struct in6_addr *ip, uint16_t port, const struct eth_addr *except);

/* Deletes the reservation of 'mac' on 'ip' and forgets its connections.
 * Returns 0 or ENOENT. */
int container_map_resv_del(struct container_map_table *, uint32_t table_id,
                           const struct in6_addr *ip,
                           const struct eth_addr mac);

/* Deletes every reservation of 'table_id' (UINT32_MAX: of all tables). */
size_t container_map_resv_flush(struct container_map_table *,
                                uint32_t table_id);

/* Sets how echo requests to 'ip' are answered.  For ECHO_CONTAINER, 'mac'
 * must have a reservation on 'ip' (ENOENT otherwise).  'ip' must be mapped
 * (ENOENT otherwise). */
int container_map_addr_set_echo(struct container_map_table *,
                                uint32_t table_id, const struct in6_addr *ip,
                                enum container_map_echo,
                                const struct eth_addr *mac);

/* Address reference counts, kept by mappings and reservations. */
void container_map_addr_ref(struct container_map_table *, uint32_t table_id,
                            const struct in6_addr *ip);
void container_map_addr_unref(struct container_map_table *, uint32_t table_id,
                              const struct in6_addr *ip);

typedef void container_map_resv_cb(const struct container_map_resv *,
                                   void *aux);
void container_map_resv_for_each(const struct container_map_table *,
                                 container_map_resv_cb *, void *aux);
typedef void container_map_addr_cb(const struct container_map_addr *,
                                   void *aux);
void container_map_addr_for_each(const struct container_map_table *,
                                 container_map_addr_cb *, void *aux);

const char *container_map_echo_name(enum container_map_echo);

#endif /* container-map-resv.h */
