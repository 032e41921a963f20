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

#ifndef CONTAINER_MAP_DB_PRIVATE_H
#define CONTAINER_MAP_DB_PRIVATE_H 1

/* What the three files of the Container_Map database module share
 * (container-map-db.h).  Main thread only. */

#include "container-map-db.h"
#include "container-map-idl.h"

struct ds;
struct ovsdb_idl;
struct ovsdb_idl_index;
struct ovsdb_idl_txn;
struct uuid;

/* The IDL and its indexes on the tables' keys. */
struct container_map_db_idl {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_index *mappings;   /* bridge, ip, protocol, port. */
    struct ovsdb_idl_index *resvs;      /* bridge, ip, mac. */
    struct ovsdb_idl_index *addrs;      /* bridge, ip. */
    struct ovsdb_idl_index *bridges;    /* name. */
};

/* container-map-db-apply.c: from the database to the map.
 *
 * container_map_db_apply_tracked() applies the rows that changed since the
 * last call; container_map_db_resync() makes the whole map what the
 * database says (at start, and after a failed transaction);
 * container_map_db_retry() applies again the rows that could not be applied
 * (a port, a bridge or a conflict that went away). */
void container_map_db_apply_tracked(const struct container_map_db_idl *);
void container_map_db_resync(const struct container_map_db_idl *);
void container_map_db_retry(const struct container_map_db_idl *);
size_t container_map_db_n_pending(void);
void container_map_db_format_pending(struct ds *);
void container_map_db_apply_destroy(void);

/* Applying one row (container-map-db-apply.c), for
 * container-map-db-sync.c, which chooses the rows.  'deleted' rows make the
 * map forget what they said. */
void container_map_db_apply_mapping(const struct cmrec_mapping *);
void container_map_db_unapply_mapping(const struct cmrec_mapping *);
void container_map_db_apply_resv(const struct cmrec_reservation *);
void container_map_db_unapply_resv(const struct cmrec_reservation *);
void container_map_db_apply_addr(const struct cmrec_address *, bool deleted);
void container_map_db_apply_bridge(const struct cmrec_bridge *, bool deleted);
void container_map_db_apply_conn_settings(const struct container_map_db_idl *);
void container_map_db_compile(void);     /* New backends' actions. */

/* container-map-db-flows.c: a bridge's pipeline flows (Bridge.flows). */
struct ofproto_dpif;
bool container_map_db_install_flows(struct ofproto_dpif *, char **flows,
                                    size_t n, struct ds *err);
void container_map_db_forget_flows(const char *bridge);
void container_map_db_flows_register(void);

/* container-map-db-write.c: from the map to the database.  Returns the
 * transaction that writes 'changes', or NULL with an error in 'err'. */
struct ovsdb_idl_txn *container_map_db_write(
    const struct container_map_db_idl *,
    const struct container_map_db_changes *, const char *comment,
    struct ds *err);

#endif /* container-map-db-private.h */
