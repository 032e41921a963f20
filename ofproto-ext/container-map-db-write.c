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

/* From the container map to the Container_Map database
 * (container-map-db-private.h): a command has changed the map; this writes
 * the new state of what it changed, read back from the map, as one
 * transaction.  Each row it rewrites is verified, so that a change another
 * client made to it meanwhile makes the transaction fail instead of being
 * lost. */

#include <config.h>

#include "container-map-db-private.h"

#include <string.h>

#include "container-map-cmd.h"
#include "container-map-conn.h"
#include "container-map-view.h"
#include "openvswitch/dynamic-string.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "netdev.h"
#include "ovsdb-idl.h"
#include "util.h"

static const char *
port_name(struct ofproto_dpif *ofproto, ofp_port_t ofp_port)
{
    struct ofport *port = ofproto ? ofproto_get_port(&ofproto->up, ofp_port)
                                  : NULL;

    return port ? netdev_get_name(port->netdev) : NULL;
}

static char *
format_remote(const struct in6_addr *tun_dst)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (ipv6_addr_equals(tun_dst, &in6addr_any)) {
        return NULL;
    }
    container_map_cmd_format_ip(&s, tun_dst);
    return ds_steal_cstr(&s);
}

static const struct cmrec_mapping *
find_mapping(const struct container_map_db_idl *db, const char *bridge,
             const struct container_map_key *key)
{
    struct ds ip = DS_EMPTY_INITIALIZER;
    struct cmrec_mapping *probe, *row;

    container_map_cmd_format_ip(&ip, &key->ip);
    probe = cmrec_mapping_index_init_row(db->mappings);
    cmrec_mapping_index_set_bridge(probe, bridge);
    cmrec_mapping_index_set_ip(probe, ds_cstr(&ip));
    cmrec_mapping_index_set_protocol(probe,
                                     container_map_cmd_proto_name(key->proto));
    cmrec_mapping_index_set_port(probe, ntohs(key->port));
    row = cmrec_mapping_index_find(db->mappings, probe);
    cmrec_mapping_index_destroy_row(probe);
    ds_destroy(&ip);
    return row;
}

static bool
write_mapping(const struct container_map_db_idl *db,
              struct ovsdb_idl_txn *txn, struct ofproto_dpif *ofproto,
              const char *bridge, const struct container_map_key *key,
              struct container_map_mapping_view *view, struct ds *err)
{
    const struct cmrec_mapping *row = find_mapping(db, bridge, key);
    struct cmrec_backend *backends[CONTAINER_MAP_MAX_BACKENDS];

    if (!container_map_get_mapping(container_map_global(), key, view)) {
        if (row) {
            cmrec_mapping_delete(row);
        }
        return true;
    }
    if (row) {
        cmrec_mapping_verify_backends(row);
    } else {
        struct ds ip = DS_EMPTY_INITIALIZER;
        struct cmrec_mapping *new;

        container_map_cmd_format_ip(&ip, &key->ip);
        new = cmrec_mapping_insert(txn);
        cmrec_mapping_set_bridge(new, bridge);
        cmrec_mapping_set_ip(new, ds_cstr(&ip));
        cmrec_mapping_set_protocol(new,
                                   container_map_cmd_proto_name(key->proto));
        cmrec_mapping_set_port(new, ntohs(key->port));
        ds_destroy(&ip);
        row = new;
    }
    for (uint32_t i = 0; i < view->n_backends; i++) {
        const struct container_map_backend_view *b = &view->backends[i];
        const char *name = port_name(ofproto, b->spec.ofport);
        char mac[ETH_ADDR_STRLEN + 1];
        char *remote;

        if (!name) {
            ds_put_format(err, "port %"PRIu16" has no name",
                          ofp_to_u16(b->spec.ofport));
            return false;
        }
        snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(b->spec.mac));
        backends[i] = cmrec_backend_insert(txn);
        cmrec_backend_set_mac(backends[i], mac);
        cmrec_backend_set_port(backends[i], name);
        remote = format_remote(&b->spec.tun_dst);
        cmrec_backend_set_remote(backends[i], remote);
        free(remote);
        cmrec_backend_set_drained(backends[i], b->drained);
    }
    cmrec_mapping_set_backends(row, backends, view->n_backends);
    return true;
}

static const struct cmrec_reservation *
find_resv(const struct container_map_db_idl *db, const char *bridge,
          const char *ip, const char *mac)
{
    struct cmrec_reservation *probe, *row;

    probe = cmrec_reservation_index_init_row(db->resvs);
    cmrec_reservation_index_set_bridge(probe, bridge);
    cmrec_reservation_index_set_ip(probe, ip);
    cmrec_reservation_index_set_mac(probe, mac);
    row = cmrec_reservation_index_find(db->resvs, probe);
    cmrec_reservation_index_destroy_row(probe);
    return row;
}

static bool
write_resv(const struct container_map_db_idl *db, struct ovsdb_idl_txn *txn,
           struct ofproto_dpif *ofproto,
           const struct container_map_db_changes *c,
           const struct container_map_db_resv_note *note, struct ds *err)
{
    const struct cmrec_reservation *row;
    struct container_map_resv_view view;
    struct ds ip = DS_EMPTY_INITIALIZER;
    char mac[ETH_ADDR_STRLEN + 1];
    bool ok = true;

    container_map_cmd_format_ip(&ip, &note->ip);
    snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(note->mac));
    row = find_resv(db, c->bridge, ds_cstr(&ip), mac);
    if (!container_map_get_resv(container_map_global(), c->table_id,
                                &note->ip, note->mac, &view)) {
        if (row) {
            cmrec_reservation_delete(row);
        }
    } else {
        const char *name = port_name(ofproto, view.backend.ofport);
        char *remote = format_remote(&view.backend.tun_dst);
        struct cmrec_reservation *w;

        if (!name) {
            ds_put_format(err, "port %"PRIu16" has no name",
                          ofp_to_u16(view.backend.ofport));
            ok = false;
        } else {
            if (row) {
                w = CONST_CAST(struct cmrec_reservation *, row);
                cmrec_reservation_verify_port(row);
                cmrec_reservation_verify_port_min(row);
                cmrec_reservation_verify_port_max(row);
            } else {
                w = cmrec_reservation_insert(txn);
                cmrec_reservation_set_bridge(w, c->bridge);
                cmrec_reservation_set_ip(w, ds_cstr(&ip));
                cmrec_reservation_set_mac(w, mac);
            }
            cmrec_reservation_set_port(w, name);
            cmrec_reservation_set_remote(w, remote);
            cmrec_reservation_set_port_min(w, view.ranges.port_min);
            cmrec_reservation_set_port_max(w, view.ranges.port_max);
            cmrec_reservation_set_id_min(w, view.ranges.id_min);
            cmrec_reservation_set_id_max(w, view.ranges.id_max);
        }
        free(remote);
    }
    ds_destroy(&ip);
    return ok;
}

static void
write_addr(const struct container_map_db_idl *db, struct ovsdb_idl_txn *txn,
           const struct container_map_db_changes *c,
           const struct in6_addr *addr)
{
    struct container_map_addr_view view;
    struct ds ip = DS_EMPTY_INITIALIZER;
    struct cmrec_address *probe, *row;

    container_map_cmd_format_ip(&ip, addr);
    probe = cmrec_address_index_init_row(db->addrs);
    cmrec_address_index_set_bridge(probe, c->bridge);
    cmrec_address_index_set_ip(probe, ds_cstr(&ip));
    row = cmrec_address_index_find(db->addrs, probe);
    cmrec_address_index_destroy_row(probe);

    if (!container_map_get_addr(container_map_global(), c->table_id, addr,
                                &view)
        || view.echo == CONTAINER_MAP_ECHO_SWITCH) {
        if (row) {
            cmrec_address_delete(row);
        }
    } else {
        char mac[ETH_ADDR_STRLEN + 1];

        if (!row) {
            row = cmrec_address_insert(txn);
            cmrec_address_set_bridge(row, c->bridge);
            cmrec_address_set_ip(row, ds_cstr(&ip));
        }
        cmrec_address_set_echo(row, (view.echo == CONTAINER_MAP_ECHO_OFF
                                     ? "off" : "container"));
        snprintf(mac, sizeof mac, ETH_ADDR_FMT,
                 ETH_ADDR_ARGS(view.echo_mac));
        cmrec_address_set_echo_mac(row, (view.echo
                                         == CONTAINER_MAP_ECHO_CONTAINER
                                         ? mac : NULL));
    }
    ds_destroy(&ip);
}

static void
write_bridge(const struct container_map_db_idl *db, struct ovsdb_idl_txn *txn,
             const struct container_map_db_changes *c)
{
    struct cmrec_bridge *probe, *row;
    char mac[ETH_ADDR_STRLEN + 1];

    probe = cmrec_bridge_index_init_row(db->bridges);
    cmrec_bridge_index_set_name(probe, c->bridge);
    row = cmrec_bridge_index_find(db->bridges, probe);
    cmrec_bridge_index_destroy_row(probe);

    if (!row) {
        if ((!c->set_mac || c->mac_default)
            && (!c->set_flows || !c->n_flows)) {
            return;
        }
        row = cmrec_bridge_insert(txn);
        cmrec_bridge_set_name(row, c->bridge);
    }
    if (c->set_mac) {
        snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(c->mac));
        cmrec_bridge_set_mac(row, c->mac_default ? NULL : mac);
    }
    if (c->set_flows) {
        cmrec_bridge_verify_flows(row);
        cmrec_bridge_set_flows(row, (const char **) c->flows, c->n_flows);
    }
}

static void
write_conn_settings(const struct container_map_db_idl *db,
                    struct ovsdb_idl_txn *txn)
{
    const struct cmrec_connection_table *row
        = cmrec_connection_table_first(db->idl);
    struct container_map_conn_settings st;
    const char *keys[9] = {
        "max", "per-source", "per-container", "tcp", "tcp-closing", "udp",
        "icmp", "unanswered", "dead-reset",
    };
    int64_t values[9];

    container_map_conn_get_settings(container_map_global(), &st);
    values[0] = st.max_conns;
    values[1] = st.per_source;
    values[2] = st.per_container;
    values[3] = st.tcp_ms / 1000;
    values[4] = st.tcp_closing_ms / 1000;
    values[5] = st.udp_ms / 1000;
    values[6] = st.icmp_ms / 1000;
    values[7] = st.unanswered_ms / 1000;
    values[8] = st.dead_reset;
    if (!row) {
        row = cmrec_connection_table_insert(txn);
    }
    cmrec_connection_table_set_settings(row, keys, values, ARRAY_SIZE(keys));
}

struct ovsdb_idl_txn *
container_map_db_write(const struct container_map_db_idl *db,
                       const struct container_map_db_changes *c,
                       const char *comment, struct ds *err)
{
    struct ofproto_dpif *ofproto = (c->bridge
                                    ? ofproto_dpif_lookup_by_name(c->bridge)
                                    : NULL);
    struct container_map_mapping_view *view = xmalloc(sizeof *view);
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(db->idl);
    bool ok = true;

    ovsdb_idl_txn_add_comment(txn, "%s", comment);
    if (c->flush) {
        const struct cmrec_mapping *row;

        CMREC_MAPPING_FOR_EACH (row, db->idl) {
            if (!c->bridge || !strcmp(row->bridge, c->bridge)) {
                cmrec_mapping_delete(row);
            }
        }
    }
    for (size_t i = 0; ok && i < c->n_keys; i++) {
        ok = write_mapping(db, txn, ofproto, c->bridge, &c->keys[i], view,
                           err);
    }
    for (size_t i = 0; ok && i < c->n_resvs; i++) {
        ok = write_resv(db, txn, ofproto, c, &c->resvs[i], err);
    }
    for (size_t i = 0; ok && i < c->n_addrs; i++) {
        write_addr(db, txn, c, &c->addrs[i]);
    }
    if (ok && (c->set_mac || c->set_flows)) {
        write_bridge(db, txn, c);
    }
    if (ok && c->conn_settings) {
        write_conn_settings(db, txn);
    }
    free(view);
    if (!ok) {
        ovsdb_idl_txn_destroy(txn);
        return NULL;
    }
    return txn;
}
