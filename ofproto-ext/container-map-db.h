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

#ifndef CONTAINER_MAP_DB_H
#define CONTAINER_MAP_DB_H 1

/* The Container_Map database (ofproto-ext/container-map.ovsschema): the
 * source of truth of the container map, which ovs-vswitchd reads through
 * its own IDL, with change tracking, on the main thread.
 *
 * container-map-db.c connects, holds forwarding back until the table is
 * complete and runs the commands' transactions; container-map-db-apply.c
 * applies the database's rows to the map (only those that changed); and
 * container-map-db-write.c writes what a command changed as one
 * transaction.
 *
 * Where the database lives is other_config:container-map-remote in the
 * Open_vSwitch table: by default ovs-vswitchd's own database server, which
 * serves Container_Map beside Open_vSwitch; "none" keeps the map in memory
 * only.  A server that does not have the database leaves the map in memory
 * only too (with a warning), so that a host without it still works. */

#include <stdbool.h>
#include <stddef.h>
#include "container-map.h"

struct ds;
struct smap;
struct unixctl_conn;

/* Hooks in vswitchd/bridge.c. */
void container_map_db_init(const char *default_remote);    /* bridge_init() */
void container_map_db_run(const struct smap *other_config); /* bridge_run() */
void container_map_db_wait(void);                           /* bridge_wait() */
bool container_map_db_holds_forwarding(void);   /* flow-restore-wait, too */

/* Ports or bridges changed: rows that name them may apply now (hook in
 * ofproto-dpif's type_run(), through container_map_ofproto_reconfigured()). */
void container_map_db_ports_changed(void);

/* Where changes go. */
enum container_map_db_mode {
    CONTAINER_MAP_DB_MEMORY,        /* Nowhere: lost on restart. */
    CONTAINER_MAP_DB_CONNECTING,    /* Not yet known: commands wait. */
    CONTAINER_MAP_DB_DURABLE,       /* Into the database. */
};
enum container_map_db_mode container_map_db_mode(void);

/* What a command changed, for container_map_db_commit(): the state of these
 * objects in the map after the command is what the transaction writes. */
struct container_map_db_resv_note {
    struct in6_addr ip;
    struct eth_addr mac;
};

struct container_map_db_changes {
    char *bridge;                   /* NULL: every bridge (flush only). */
    uint32_t table_id;

    struct container_map_key *keys; /* Mappings. */
    size_t n_keys, allocated_keys;
    bool flush;                     /* Every mapping of 'bridge'. */

    struct container_map_db_resv_note *resvs;   /* Reservations. */
    size_t n_resvs, allocated_resvs;

    struct in6_addr *addrs;         /* Echo settings. */
    size_t n_addrs, allocated_addrs;

    bool set_mac;                   /* The bridge's ARP and ICMP MAC: */
    bool mac_default;               /* the bridge's own... */
    struct eth_addr mac;            /* ...or this one. */

    bool conn_settings;             /* Connection table settings. */

    bool set_flows;                 /* The bridge's pipeline flows. */
    char **flows;
    size_t n_flows;
};

void container_map_db_changes_destroy(struct container_map_db_changes *);

/* Writes 'changes' (which it takes) as one transaction and, once it has
 * committed, replies 'reply' to 'conn' (an error if it failed, after
 * putting the map back as the database has it). */
void container_map_db_commit(struct container_map_db_changes *,
                             struct unixctl_conn *, const char *reply);

/* "container-map/database": where the database is, and the rows that are
 * not applied, with why. */
void container_map_db_format_status(struct ds *);
void container_map_db_cmd_register(void);

#endif /* container-map-db.h */
