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

#ifndef CONTAINER_MAP_STATS_H
#define CONTAINER_MAP_STATS_H 1

/* The container map's per-table counters, in one table: the enum, the name
 * "container-map/show" prints, and a coverage counter of the same name
 * prefixed by "container_map_" (container-map-stats.c), all from here.
 *
 * First the packets the action did not deliver, by reason ("unmatched
 * packets" in show; with miss=continue, a miss or not_l4 packet goes on to
 * the next actions but is counted all the same), then other events. */

#include <stdint.h>

struct container_map;

#define CONTAINER_MAP_DROPS                                                 \
    /* No mapping or connection for the packet. */                         \
    CM_COUNTER(DROP_MISS, miss)                                             \
    /* Not a packet the action handles. */                                  \
    CM_COUNTER(DROP_NOT_L4, not_l4)                                         \
    /* The backend has no datapath actions: no way to reach it. */          \
    CM_COUNTER(DROP_NO_ACTIONS, unreachable)                                \
    /* A new connection, and every backend is drained. */                   \
    CM_COUNTER(DROP_NO_BACKEND, all_drained)                                \
    /* Egress from a container without a reservation for its source IP. */ \
    CM_COUNTER(DROP_UNRESERVED, unreserved)                                 \
    /* Egress source port or ICMP identifier outside the range. */          \
    CM_COUNTER(DROP_OUT_OF_RANGE, out_of_range)                             \
    /* Egress from a port mapped to another container. */                   \
    CM_COUNTER(DROP_PORT_TAKEN, port_taken)                                 \
    /* 5-tuple already used by another container. */                        \
    CM_COUNTER(DROP_COLLISION, collision)                                   \
    /* ARP from a container for a mapped IP (reply, announcement...). */ \
    CM_COUNTER(DROP_ARP, arp_suppressed)                                    \
    /* IPv6 neighbour discovery that would claim a mapped IP for another    \
     * MAC (a container's advertisement or duplicate address detection, an \
     * advertisement from outside), or a container's router advertisement  \
     * or redirect. */                                                      \
    CM_COUNTER(DROP_ND, nd_suppressed)                                      \
    /* ICMP echo request, echo replies disabled. */                         \
    CM_COUNTER(DROP_ECHO_OFF, echo_off)                                     \
    /* Not what flow extraction validated, a short or lying header, a VLAN  \
     * tag, not Ethernet. */                                                \
    CM_COUNTER(DROP_MALFORMED, malformed)                                   \
    /* From a container, with another container's MAC, or from another     \
     * port or tunnel peer than the container's. */                         \
    CM_COUNTER(DROP_SPOOFED, spoofed)                                       \
    /* From a container, about what it does not own: an ICMP error about    \
     * another's connection, an echo reply it was not asked for, another    \
     * protocol from a mapped IP, ARP for an unmapped address. */           \
    CM_COUNTER(DROP_FORGED, forged)                                         \
    /* A later fragment whose first fragment did not come: from outside,    \
     * held for it until the time ran out (or no room to hold it); from a   \
     * container, one that came before its first (it cannot be checked). */\
    CM_COUNTER(DROP_FRAG_UNFOLLOWED, frag_unfollowed)

#define CONTAINER_MAP_EVENTS                                                \
    /* A connection not recorded: the table was full. */                    \
    CM_COUNTER(EV_CONN_FULL, conn_table_full)                               \
    /* An unanswered inbound connection dropped to make room. */            \
    CM_COUNTER(EV_CONN_EVICTED, conn_evicted)                               \
    /* A connection not recorded: its source or its container had as many  \
     * as they may. */                                                      \
    CM_COUNTER(EV_CONN_LIMITED, conn_limited)                               \
    /* ARP requests answered. */                                            \
    CM_COUNTER(EV_ARP_REPLY, arp_replies)                                   \
    /* IPv6 neighbour solicitations answered. */                            \
    CM_COUNTER(EV_ND_REPLY, nd_replies)                                     \
    /* ICMP echo requests answered by the switch. */                        \
    CM_COUNTER(EV_ECHO_REPLY, echo_replies)                                 \
    /* ICMP errors delivered to a container. */                             \
    CM_COUNTER(EV_ICMP_ERROR, icmp_errors_delivered)                        \
    /* TCP segments of a connection whose backend is down, answered with a  \
     * RST (conn-set dead=reset). */                                        \
    CM_COUNTER(EV_DEAD_RESET, dead_resets)                                  \
    /* Later fragments that went where their first fragment went. */       \
    CM_COUNTER(EV_FRAG_FOLLOWED, frag_followed)                             \
    /* Later fragments from outside held until their first fragment came   \
     * (then followed, or counted as frag_unfollowed). */                  \
    CM_COUNTER(EV_FRAG_HELD, frag_held)

enum container_map_counter {
#define CM_COUNTER(ENUM, NAME) CONTAINER_MAP_##ENUM,
    CONTAINER_MAP_DROPS
    CONTAINER_MAP_EVENTS
#undef CM_COUNTER
    CONTAINER_MAP_N_COUNTERS
};

/* The drop reasons come first: CONTAINER_MAP_N_DROPS of them. */
enum {
#define CM_COUNTER(ENUM, NAME) CONTAINER_MAP_N_DROPS_##ENUM,
    CONTAINER_MAP_DROPS
#undef CM_COUNTER
    CONTAINER_MAP_N_DROPS
};

const char *container_map_counter_name(enum container_map_counter);

/* Adds 'n' to counter 'c' of 'table_id' (and to its coverage counter). */
void container_map_count(struct container_map *, uint32_t table_id,
                         enum container_map_counter c, unsigned long long n);
unsigned long long container_map_get_counter(const struct container_map *,
                                             uint32_t table_id,
                                             enum container_map_counter);

#endif /* container-map-stats.h */
