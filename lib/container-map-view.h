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

#ifndef CONTAINER_MAP_VIEW_H
#define CONTAINER_MAP_VIEW_H 1

/* What the commands and ofproto/trace show of the container map: copies of
 * its mappings, reservations, addresses and connections, and the backends
 * whose datapath actions ofproto compiles.
 *
 * These read without the map's mutex, so they may see a change half-way
 * through a command of another thread, as any lock-free reader does; the
 * main thread, which makes the changes, always sees them whole.  The
 * for_each functions call back in a stable order (by address, then
 * protocol and port). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container-map.h"

/* Datapath actions that deliver a packet to a backend.  The datapath side
 * (dpif-ext/container-map-odp.h) defines them; the map only keeps them, and
 * frees them with free() after an RCU grace period. */
struct container_map_actions;

struct container_map_backend_view {
    struct container_map_backend_spec spec;
    bool drained;                   /* Mappings only. */
    const char *down;               /* Why new connections avoid it, or
                                     * NULL (container_map_set_down()). */
    const struct container_map_actions *actions;  /* NULL: unreachable.  Valid
                                                   * until the next quiescent
                                                   * state. */
    unsigned long long n_packets;   /* Mappings only: what the datapath */
    unsigned long long n_bytes;     /* delivered to it there. */
};

struct container_map_mapping_view {
    struct container_map_key key;
    unsigned long long n_packets;   /* All that the mapping delivered, also */
    unsigned long long n_bytes;     /* to backends it no longer has. */
    uint32_t n_backends;
    struct container_map_backend_view backends[CONTAINER_MAP_MAX_BACKENDS];
};

struct container_map_resv_view {
    struct in6_addr ip;
    struct container_map_backend_spec backend;
    struct container_map_ranges ranges;
};

struct container_map_addr_view {
    struct in6_addr ip;
    enum container_map_echo echo;
    struct eth_addr echo_mac;       /* For CONTAINER_MAP_ECHO_CONTAINER. */
};

struct container_map_conn_view {
    uint8_t proto;                  /* TCP, UDP, SCTP, ICMP or ICMPv6. */
    struct in6_addr local_ip;       /* The container side. */
    ovs_be16 local_port;            /* ICMP echo: the identifier. */
    struct in6_addr remote_ip;
    ovs_be16 remote_port;           /* ICMP echo: zero. */
    bool inbound;                   /* Made for a mapping (else outbound). */
    const char *state;              /* "established", "closing", ... */
    struct container_map_backend_spec backend;
    unsigned long long in_packets, in_bytes;    /* To the container. */
    unsigned long long out_packets, out_bytes;  /* From it. */
    long long int expires;          /* msec, if no packet comes. */
};

size_t container_map_count_mappings(const struct container_map *,
                                    uint32_t table_id);
bool container_map_get_mapping(const struct container_map *,
                               const struct container_map_key *,
                               struct container_map_mapping_view *);
bool container_map_get_resv(const struct container_map *, uint32_t table_id,
                            const struct in6_addr *ip, const struct eth_addr,
                            struct container_map_resv_view *);
bool container_map_get_addr(const struct container_map *, uint32_t table_id,
                            const struct in6_addr *ip,
                            struct container_map_addr_view *);

/* The reservation on 'ip' whose source port range (or, if 'id', echo
 * identifier range) holds 'value'. */
bool container_map_get_port_owner(const struct container_map *,
                                  uint32_t table_id, const struct in6_addr *ip,
                                  uint16_t value, bool id,
                                  struct container_map_resv_view *);

/* The connection with the given 5-tuple (for ICMP echo, 'local_port' is the
 * identifier and 'remote_port' is ignored). */
bool container_map_get_conn(const struct container_map *, uint32_t table_id,
                            uint8_t proto, const struct in6_addr *local_ip,
                            ovs_be16 local_port,
                            const struct in6_addr *remote_ip,
                            ovs_be16 remote_port,
                            struct container_map_conn_view *);

/* Calls back for each mapping, reservation, address or connection of
 * 'table_id' (for connections, UINT32_MAX: of all tables). */
typedef void container_map_mapping_cb(
    const struct container_map_mapping_view *, void *aux);
typedef void container_map_resv_cb(const struct container_map_resv_view *,
                                   void *aux);
typedef void container_map_addr_cb(const struct container_map_addr_view *,
                                   void *aux);
typedef void container_map_conn_cb(const struct container_map_conn_view *,
                                   void *aux);
void container_map_for_each_mapping(const struct container_map *,
                                    uint32_t table_id,
                                    container_map_mapping_cb *, void *aux);
void container_map_for_each_resv(const struct container_map *,
                                 uint32_t table_id, container_map_resv_cb *,
                                 void *aux);
void container_map_for_each_addr(const struct container_map *,
                                 uint32_t table_id, container_map_addr_cb *,
                                 void *aux);
void container_map_for_each_conn(const struct container_map *,
                                 uint32_t table_id, container_map_conn_cb *,
                                 void *aux);

/* Backends, for whoever compiles their datapath actions (main thread).
 * container_map_set_actions() gives 'backend' the actions 'actions' (NULL:
 * none), which the map owns from then on. */
struct container_map_backend;
typedef void container_map_backend_cb(
    struct container_map_backend *, const struct container_map_backend_view *,
    void *aux);
void container_map_for_each_backend(struct container_map *, uint32_t table_id,
                                    container_map_backend_cb *, void *aux);
/* The same, for the backends that never got actions (new ones, or ones that
 * could not get any): as few as changed, not as many as there are. */
void container_map_for_each_new_backend(struct container_map *,
                                        uint32_t table_id,
                                        container_map_backend_cb *,
                                        void *aux);
void container_map_set_actions(struct container_map *,
                               struct container_map_backend *,
                               struct container_map_actions *actions);
/* Says that 'backend''s container is gone, for 'reason' (a static string,
 * shown by container-map/show), or back ('reason' NULL).  New connections
 * to its mappings go to the other backends while it is down (to it anyway,
 * if they all are); its connections go on. */
void container_map_set_down(struct container_map *,
                            struct container_map_backend *,
                            const char *reason);

#endif /* container-map-view.h */
