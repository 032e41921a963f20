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

#ifndef CM_FUZZ_PACKET_H
#define CM_FUZZ_PACKET_H 1

/* The packet fuzzer's two halves: fuzz-packet-map.c sets up the container
 * map once and knows, independently of the action, what it allows (the
 * oracle); fuzz-packet.c feeds packets through the action and checks each
 * outcome against the oracle. */

#include <stdbool.h>
#include <stdint.h>
#include "dp-packet.h"
#include "flow.h"
#include "packets.h"

#define FZ_TABLE 1
#define FZ_UPLINK 1                 /* Where packets from outside come in. */
#define FZ_MAX_CONNS 16             /* conn-set max=, so that it fills. */

/* The containers.  Each lives behind its own port (port numbers are the
 * same in OpenFlow and in the datapath here). */
struct fz_backend {
    struct eth_addr mac;
    uint16_t port;
    const char *tun;            /* Tunnel peer of a flow-based tunnel port,
                                 * or NULL. */
    int acts;                   /* FZ_ACTS_*. */
};

enum {
    FZ_ACTS_SHORT,              /* set eth_dst, output: the shortcut. */
    FZ_ACTS_LONG,               /* set eth_dst twice, output: the generic
                                 * odp_execute_actions() after it. */
    FZ_ACTS_NONE,               /* Unreachable (no actions). */
};

extern const struct fz_backend fz_backends[];
extern const size_t fz_n_backends;
extern const struct eth_addr fz_switch_mac;

/* What the oracle makes of a packet, from flow extraction (OVS's, not the
 * action's parser) and, for what flow extraction does not look at (echo
 * identifiers, the packet inside an ICMP error), from the bytes. */
enum fz_kind {
    FZ_NONE,                    /* Nothing the action may deliver. */
    FZ_L4,                      /* TCP, UDP, SCTP with a destination port. */
    FZ_ECHO_REQUEST,
    FZ_ECHO_REPLY,
    FZ_ICMP_ERROR,              /* 'inner' is usable. */
    FZ_ICMP_OTHER,              /* Any other ICMP (or unusable error). */
    FZ_ARP,                     /* Ethernet/IPv4 ARP, whole. */
    FZ_LATER_FRAGMENT,
    FZ_OTHER_IP,
};

struct fz_view {
    enum fz_kind kind;
    bool ip;                    /* Untagged IPv4 or IPv6 per flow. */
    struct in6_addr src, dst;   /* IPv4-mapped for IPv4. */
    uint8_t proto;
    uint8_t icmp_type;
    uint16_t sport, dport;      /* Echo: the identifier in both. */
    bool frag;                  /* A fragment (FZ_L4: the first)... */
    uint32_t frag_id;           /* ...of this datagram.  A later fragment's
                                 * 'proto' is the datagram's. */
    /* FZ_ICMP_ERROR: the packet it is about. */
    struct in6_addr isrc, idst;
    uint8_t iproto;
    bool iecho;                 /* An echo request (ports: the id). */
    uint16_t isport, idport;
    /* FZ_ARP. */
    uint16_t arp_op;
    ovs_be32 arp_spa, arp_tpa;
    struct eth_addr arp_sha;
    /* The IP source in the bytes, whatever flow extraction made of them
     * (all-zero if there is none). */
    struct in6_addr raw_src;
};

void fz_map_setup(void);
void fz_view_init(const struct dp_packet *, const struct flow *,
                  struct fz_view *);

/* The oracle: the map as set up, not as the action reads it. */
bool fz_is_mapped(const struct in6_addr *);
uint64_t fz_owners(const struct in6_addr *, uint8_t proto, uint16_t port,
                   bool id);
int fz_echo_container(const struct in6_addr *);  /* -1: none. */
bool fz_echo_by_switch(const struct in6_addr *);
int fz_backend_by_port(uint32_t port);
int fz_backend_by_mac(struct eth_addr);
bool fz_backend_at(int b, const struct pkt_metadata *);
void fz_set_tunnel(struct pkt_metadata *, int b);

#endif /* fuzz-packet.h */
