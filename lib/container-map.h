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

#ifndef CONTAINER_MAP_H
#define CONTAINER_MAP_H 1

/* The container map: [table, destination IP, L4 protocol, destination port]
 * -> one or more backends (a container's MAC and where it lives), plus the
 * reservations of source port ranges that let containers share an IP, and
 * the connection entries that remember which container a connection
 * belongs to.
 *
 * This header is what the control plane uses: every call below takes the
 * map's one mutex itself, checks all of its input, and either makes the
 * whole change or none of it.  Any thread may call them.  The datapath action
 * reads the map per packet without locks (container-map-private.h);
 * container-map-view.h shows the map, container-map-conn.h controls the
 * connection table, container-map-stats.h has the counters.
 *
 * Tables are numbered per bridge: every bridge of the userspace datapath
 * shares one datapath, so the datapath action names its bridge's table. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "openvswitch/types.h"
#include "packets.h"

struct container_map;

#define CONTAINER_MAP_MAX_TABLES 1024   /* Table numbers: 0 to 1023. */
#define CONTAINER_MAP_MAX_BACKENDS 64   /* Backends per mapping. */

struct container_map_key {
    struct in6_addr ip;         /* IPv4 is stored IPv4-mapped. */
    uint32_t table_id;          /* < CONTAINER_MAP_MAX_TABLES. */
    ovs_be16 port;              /* L4 destination port, nonzero. */
    uint8_t proto;              /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP. */
    uint8_t pad;                /* Always zero, so keys compare by memcmp. */
};

void container_map_key_init(struct container_map_key *, uint32_t table_id,
                            const struct in6_addr *ip, uint8_t proto,
                            ovs_be16 port);

/* A container: its MAC, the OpenFlow port it lives behind and, for a
 * flow-based tunnel port, the tunnel IP of its host (IPv4 IPv4-mapped;
 * all-zero otherwise). */
struct container_map_backend_spec {
    struct eth_addr mac;
    ofp_port_t ofport;
    struct in6_addr tun_dst;
};

/* A mapping: a key and one backend of it. */
struct container_map_mapping {
    struct container_map_key key;
    struct container_map_backend_spec backend;
};

/* Source port and ICMP echo identifier ranges of a reservation, host
 * order. */
struct container_map_ranges {
    uint16_t port_min, port_max;
    uint16_t id_min, id_max;
};

/* What a refused change ran into: another container's reservation (its MAC
 * and ranges), or a port mapped to another container (its MAC and the
 * port). */
struct container_map_conflict {
    struct eth_addr mac;
    struct container_map_ranges ranges;
    uint16_t port;
};

/* Outcome of adding a mapping. */
enum container_map_add_result {
    CONTAINER_MAP_ADDED_ENTRY,      /* New key. */
    CONTAINER_MAP_ADDED_BACKEND,    /* Existing key, new MAC. */
    CONTAINER_MAP_UPDATED_BACKEND,  /* Existing key and MAC, port changed. */
    CONTAINER_MAP_UNCHANGED,        /* Existing key, MAC and port. */
    CONTAINER_MAP_N_ADD_RESULTS
};

/* How ICMP echo requests to a mapped IP are answered. */
enum container_map_echo {
    CONTAINER_MAP_ECHO_SWITCH,      /* The switch replies (default). */
    CONTAINER_MAP_ECHO_CONTAINER,   /* Delivered to one chosen container. */
    CONTAINER_MAP_ECHO_OFF,         /* Dropped and counted. */
};

struct container_map *container_map_create(void);
void container_map_destroy(struct container_map *);

/* The process-wide map that the datapath action reads. */
struct container_map *container_map_global(void);

/* Mappings.
 *
 * container_map_add() adds backend 'm->backend' to mapping 'm->key' (or
 * moves the backend with that MAC to the given port).  Returns 0 with the
 * outcome in '*result', or EINVAL for an invalid key, E2BIG if the key
 * already has CONTAINER_MAP_MAX_BACKENDS backends, EADDRINUSE if the port is
 * in another container's reserved source port range on the IP (that
 * reservation in '*conflict').  A backend starts without datapath actions
 * (its packets are dropped and counted) until someone gives it some
 * (container-map-view.h).
 *
 * container_map_add_batch() adds 'n' mappings at once: either all of them
 * (0, and 'counts' indexed by enum container_map_add_result) or, if any one
 * would fail, none ('*bad' is its index, '*conflict' as above).
 *
 * container_map_del() deletes backend 'mac' of 'key', or the whole key if
 * 'mac' is NULL; deleting the last backend deletes the key.  Returns 0, or
 * ENOENT.  container_map_drain() takes backend 'mac' of 'key' out of new
 * connections ('drain' true; its connections go on) or back in.  Returns 0,
 * or ENOENT.  container_map_flush() deletes every mapping of 'table_id' and
 * clears its counters; it returns how many mappings went.
 *
 * Whatever takes a backend from a mapping forgets the connections that led
 * there, in the same step. */
int container_map_add(struct container_map *,
                      const struct container_map_mapping *,
                      enum container_map_add_result *result,
                      struct container_map_conflict *);
int container_map_add_batch(struct container_map *,
                            const struct container_map_mapping *, size_t n,
                            size_t counts[CONTAINER_MAP_N_ADD_RESULTS],
                            size_t *bad, struct container_map_conflict *);
int container_map_del(struct container_map *, const struct container_map_key *,
                      const struct eth_addr *mac);
int container_map_drain(struct container_map *,
                        const struct container_map_key *,
                        const struct eth_addr mac, bool drain);
size_t container_map_flush(struct container_map *, uint32_t table_id);

/* Reservations: container 'backend' uses 'ip' as a source address, with
 * source ports and echo identifiers in 'ranges'.  The reservations of one IP
 * never overlap, and never hold a port mapped to another container.
 *
 * container_map_reserve() adds or replaces the reservation of
 * 'backend->mac' on 'ip'.  Returns 0, EINVAL for empty or reversed ranges,
 * EEXIST if a range overlaps another container's reservation, or EADDRINUSE
 * if the port range holds a port mapped to another container ('*conflict'
 * says which).  Changing the ranges or the place of a reservation forgets
 * its connections.  container_map_unreserve() deletes one and forgets its
 * connections; returns 0 or ENOENT. */
int container_map_reserve(struct container_map *, uint32_t table_id,
                          const struct in6_addr *ip,
                          const struct container_map_backend_spec *,
                          const struct container_map_ranges *,
                          struct container_map_conflict *);
int container_map_unreserve(struct container_map *, uint32_t table_id,
                            const struct in6_addr *ip,
                            const struct eth_addr mac);

/* Sets how echo requests to 'ip' are answered.  'ip' must have a mapping or
 * a reservation, and for CONTAINER_MAP_ECHO_CONTAINER 'mac' must have a
 * reservation on it: ENOENT otherwise. */
int container_map_set_echo(struct container_map *, uint32_t table_id,
                           const struct in6_addr *ip, enum container_map_echo,
                           const struct eth_addr *mac);

/* The MAC that ARP replies and switch-made ICMP replies of 'table_id' come
 * from (zero until set). */
void container_map_set_mac(struct container_map *, uint32_t table_id,
                           struct eth_addr);
struct eth_addr container_map_get_mac(const struct container_map *,
                                      uint32_t table_id);

/* Deletes everything of 'table_id': mappings, reservations, connections,
 * counters and its MAC (its bridge went away, and the number may serve
 * another bridge).  Returns the number of mappings. */
size_t container_map_clear(struct container_map *, uint32_t table_id);

#endif /* container-map.h */
