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

#ifndef CONTAINER_MAP_CONN_H
#define CONTAINER_MAP_CONN_H 1

/* The container map's connection table, as the control plane sees it.
 *
 * A connection entry says which container a connection belongs to:
 *
 *   - inbound: made by the ingress action for the first packet of a
 *     connection to a mapping with several backends; it keeps the backend
 *     the connection was given, so adding, removing or draining other
 *     backends never moves it;
 *
 *   - outbound: made by the egress action for the first packet of a
 *     connection a container opens from its reserved range; replies find the
 *     container through it although others share its IP.
 *
 * The datapath makes them (container-map-private.h).  They expire like
 * conntrack's: after an idle timeout that depends on the protocol, shorter
 * once a TCP FIN or RST went by (a RST from outside only until the container
 * sends again: a blind RST changes nothing).  An inbound connection the
 * container has not answered yet (a SYN flood's, one UDP packet's) expires
 * in seconds.
 *
 * The table is bounded, and so are the connections per remote source and
 * per container.  When the table is full, the oldest unanswered inbound
 * connection makes room; if there is none, a new connection is not recorded
 * (counted as conn_table_full) and an inbound one still goes to the backend
 * that hashing picks, an outbound one still leaves: replies to containers'
 * connections are delivered by their reservation, with or without an
 * entry. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct container_map;

/* The largest connection table limit (its heads take 8 bytes each). */
#define CONTAINER_MAP_MAX_CONNS (16 * 1024 * 1024)

struct container_map_conn_settings {
    unsigned int max_conns;         /* Connection table limit. */
    long long int tcp_ms;           /* TCP idle timeout. */
    long long int tcp_closing_ms;   /* After FIN or RST. */
    long long int udp_ms;           /* UDP and SCTP idle timeout. */
    long long int icmp_ms;          /* ICMP echo idle timeout. */
    long long int unanswered_ms;    /* Idle timeout of an inbound connection
                                     * the container has not answered. */
    unsigned int per_source;        /* Inbound connections per remote IP. */
    unsigned int per_container;     /* Connections per container. */
    bool dead_reset;                /* TCP to a backend that is down gets a
                                     * RST from the switch (else it waits). */
};

/* Lowering the limit below the table's content removes nothing: new
 * connections wait for room (unanswered inbound ones make room at once).
 * Setting a new limit resizes the table's heads, which waits for an RCU
 * grace period: call it from a thread that holds no lock PMD threads
 * take. */
void container_map_conn_get_settings(const struct container_map *,
                                     struct container_map_conn_settings *);
void container_map_conn_set_settings(
    struct container_map *, const struct container_map_conn_settings *);

/* Removes the connections that have expired at 'now' (msec).  Returns how
 * many. */
size_t container_map_conn_sweep(struct container_map *, long long int now);

/* Removes every connection of 'table_id' (UINT32_MAX: all).  Returns how
 * many. */
size_t container_map_conn_flush(struct container_map *, uint32_t table_id);

size_t container_map_conn_count(const struct container_map *,
                                uint32_t table_id);

/* Starts a thread that sweeps the connections about once a second (of
 * time_msec()), and logs when new connections went unrecorded because the
 * table was full.  It stops when the map is destroyed. */
void container_map_conn_start_sweeper(struct container_map *);

#endif /* container-map-conn.h */
