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

/* Which rows of the Container_Map database to apply
 * (container-map-db-private.h): those the IDL says changed, or, at start,
 * after a failed transaction, when a bridge appears or when a row's key
 * changed in place, all of them, after deleting from the map what the
 * database does not have. */

#include <config.h>

#include "container-map-db-private.h"

#include "container-map-cmd.h"
#include "container-map-ofproto.h"
#include "container-map-view.h"
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ofproto/ofproto.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_db_sync);

COVERAGE_DEFINE(container_map_db_resync);

/* What changed. */

void
container_map_db_apply_tracked(const struct container_map_db_idl *db)
{
    const struct cmrec_mapping *m;
    const struct cmrec_reservation *r;
    const struct cmrec_address *a;
    const struct cmrec_bridge *b;
    const struct cmrec_backend *be;
    bool resync = false;

    /* A row whose key columns changed, or a backend changed in place (not
     * through its mapping), needs the whole table compared. */
    CMREC_MAPPING_FOR_EACH_TRACKED (m, db->idl) {
        if (!cmrec_mapping_is_new(m) && !cmrec_mapping_is_deleted(m)
            && (cmrec_mapping_is_updated(m, CMREC_MAPPING_COL_BRIDGE)
                || cmrec_mapping_is_updated(m, CMREC_MAPPING_COL_IP)
                || cmrec_mapping_is_updated(m, CMREC_MAPPING_COL_PROTOCOL)
                || cmrec_mapping_is_updated(m, CMREC_MAPPING_COL_PORT))) {
            resync = true;
        }
    }
    CMREC_BACKEND_FOR_EACH_TRACKED (be, db->idl) {
        if (!cmrec_backend_is_new(be) && !cmrec_backend_is_deleted(be)) {
            resync = true;
        }
    }
    CMREC_RESERVATION_FOR_EACH_TRACKED (r, db->idl) {
        if (!cmrec_reservation_is_new(r) && !cmrec_reservation_is_deleted(r)
            && (cmrec_reservation_is_updated(r, CMREC_RESERVATION_COL_BRIDGE)
                || cmrec_reservation_is_updated(r, CMREC_RESERVATION_COL_IP)
                || cmrec_reservation_is_updated(r,
                                                CMREC_RESERVATION_COL_MAC))) {
            resync = true;
        }
    }
    if (resync) {
        container_map_db_resync(db);
        return;
    }

    /* Deletions first, so that what they free can be taken. */
    CMREC_MAPPING_FOR_EACH_TRACKED (m, db->idl) {
        if (cmrec_mapping_is_deleted(m)) {
            container_map_db_unapply_mapping(m);
        }
    }
    CMREC_RESERVATION_FOR_EACH_TRACKED (r, db->idl) {
        if (cmrec_reservation_is_deleted(r)) {
            container_map_db_unapply_resv(r);
        }
    }
    CMREC_BRIDGE_FOR_EACH_TRACKED (b, db->idl) {
        container_map_db_apply_bridge(b, cmrec_bridge_is_deleted(b));
    }
    CMREC_RESERVATION_FOR_EACH_TRACKED (r, db->idl) {
        if (!cmrec_reservation_is_deleted(r)) {
            container_map_db_apply_resv(r);
        }
    }
    CMREC_MAPPING_FOR_EACH_TRACKED (m, db->idl) {
        if (!cmrec_mapping_is_deleted(m)) {
            container_map_db_apply_mapping(m);
        }
    }
    CMREC_ADDRESS_FOR_EACH_TRACKED (a, db->idl) {
        container_map_db_apply_addr(a, cmrec_address_is_deleted(a));
    }
    if (cmrec_connection_table_track_get_first(db->idl)) {
        container_map_db_apply_conn_settings(db);
    }
    container_map_db_compile();
    if (container_map_db_n_pending()) {
        container_map_db_retry(db);
    }
}

/* Everything. */

struct resync_aux {
    const struct container_map_db_idl *db;
    const char *bridge;
    uint32_t table_id;
    struct container_map_key *keys;     /* To delete. */
    size_t n_keys, allocated_keys;
    struct container_map_db_resv_note *resvs;
    size_t n_resvs, allocated_resvs;
};

static void
resync_mapping(const struct container_map_mapping_view *m, void *aux_)
{
    struct resync_aux *aux = aux_;
    struct cmrec_mapping *probe, *row;
    struct ds ip = DS_EMPTY_INITIALIZER;

    container_map_cmd_format_ip(&ip, &m->key.ip);
    probe = cmrec_mapping_index_init_row(aux->db->mappings);
    cmrec_mapping_index_set_bridge(probe, aux->bridge);
    cmrec_mapping_index_set_ip(probe, ds_cstr(&ip));
    cmrec_mapping_index_set_protocol(probe,
                                     container_map_cmd_proto_name(
                                         m->key.proto));
    cmrec_mapping_index_set_port(probe, ntohs(m->key.port));
    row = cmrec_mapping_index_find(aux->db->mappings, probe);
    cmrec_mapping_index_destroy_row(probe);
    ds_destroy(&ip);

    if (!row) {
        if (aux->n_keys >= aux->allocated_keys) {
            aux->keys = x2nrealloc(aux->keys, &aux->allocated_keys,
                                   sizeof *aux->keys);
        }
        aux->keys[aux->n_keys++] = m->key;
    }
}

static void
resync_resv(const struct container_map_resv_view *r, void *aux_)
{
    struct resync_aux *aux = aux_;
    struct cmrec_reservation *probe, *row;
    struct ds ip = DS_EMPTY_INITIALIZER;
    char mac[ETH_ADDR_STRLEN + 1];

    container_map_cmd_format_ip(&ip, &r->ip);
    snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(r->backend.mac));
    probe = cmrec_reservation_index_init_row(aux->db->resvs);
    cmrec_reservation_index_set_bridge(probe, aux->bridge);
    cmrec_reservation_index_set_ip(probe, ds_cstr(&ip));
    cmrec_reservation_index_set_mac(probe, mac);
    row = cmrec_reservation_index_find(aux->db->resvs, probe);
    cmrec_reservation_index_destroy_row(probe);
    ds_destroy(&ip);

    if (!row) {
        if (aux->n_resvs >= aux->allocated_resvs) {
            aux->resvs = x2nrealloc(aux->resvs, &aux->allocated_resvs,
                                    sizeof *aux->resvs);
        }
        aux->resvs[aux->n_resvs].ip = r->ip;
        aux->resvs[aux->n_resvs++].mac = r->backend.mac;
    }
}

/* Deletes from the map of bridge 'name' what the database does not have. */
static void
resync_bridge_deletions(const struct container_map_db_idl *db,
                        const char *name)
{
    struct container_map *map = container_map_global();
    struct resync_aux aux = { .db = db, .bridge = name };

    if (!container_map_bridge_lookup_table_id(name, &aux.table_id)) {
        return;
    }
    container_map_for_each_mapping(map, aux.table_id, resync_mapping, &aux);
    container_map_for_each_resv(map, aux.table_id, resync_resv, &aux);
    for (size_t i = 0; i < aux.n_keys; i++) {
        container_map_del(map, &aux.keys[i], NULL);
    }
    for (size_t i = 0; i < aux.n_resvs; i++) {
        container_map_unreserve(map, aux.table_id, &aux.resvs[i].ip,
                                aux.resvs[i].mac);
    }
    if (aux.n_keys || aux.n_resvs) {
        VLOG_INFO("%s: deleted %"PRIuSIZE" mappings and %"PRIuSIZE" "
                  "reservations the database does not have", name,
                  aux.n_keys, aux.n_resvs);
    }
    free(aux.keys);
    free(aux.resvs);
}

void
container_map_db_resync(const struct container_map_db_idl *db)
{
    struct sset names = SSET_INITIALIZER(&names);
    const struct cmrec_mapping *m;
    const struct cmrec_reservation *r;
    const struct cmrec_address *a;
    const struct cmrec_bridge *b;
    const char *name;

    COVERAGE_INC(container_map_db_resync);
    container_map_bridge_names(&names);
    SSET_FOR_EACH (name, &names) {
        resync_bridge_deletions(db, name);
    }
    sset_destroy(&names);

    CMREC_BRIDGE_FOR_EACH (b, db->idl) {
        container_map_db_apply_bridge(b, false);
    }
    CMREC_RESERVATION_FOR_EACH (r, db->idl) {
        container_map_db_apply_resv(r);
    }
    CMREC_MAPPING_FOR_EACH (m, db->idl) {
        container_map_db_apply_mapping(m);
    }
    CMREC_ADDRESS_FOR_EACH (a, db->idl) {
        container_map_db_apply_addr(a, false);
    }
    container_map_db_apply_conn_settings(db);
    container_map_db_compile();
    if (container_map_db_n_pending()) {
        container_map_db_retry(db);
    }
}
