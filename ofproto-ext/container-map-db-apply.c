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

/* From the Container_Map database to the container map
 * (container-map-db-private.h).
 *
 * Each row is applied by comparing what it says with what the map has and
 * changing only the difference, so that applying a row the map already
 * agrees with (a command's own write, coming back) costs a lookup.  A row
 * that cannot be applied (its bridge or port does not exist, its IP is
 * invalid, it conflicts with another row) is kept in 'pending' with the
 * reason, shown by "container-map/database", and applied again when ports
 * or bridges change or another row is applied. */

#include <config.h>

#include "container-map-db-private.h"

#include <errno.h>
#include <string.h>

#include "container-map-cmd.h"
#include "container-map-conn.h"
#include "container-map-ofproto.h"
#include "container-map-view.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ofproto/ofproto-dpif.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(container_map_db_apply);

COVERAGE_DEFINE(container_map_db_row_applied);
COVERAGE_DEFINE(container_map_db_row_pending);

/* A row that is not applied. */
enum pending_table { P_MAPPING, P_RESV, P_ADDR, P_BRIDGE };

struct pending_row {
    struct hmap_node node;      /* In 'pending', by uuid. */
    struct uuid uuid;
    enum pending_table table;
    char *what;                 /* The row, in words. */
    char *reason;
};

static struct hmap pending = HMAP_INITIALIZER(&pending);

/* Bridges whose backends need their datapath actions compiled. */
static struct sset dirty_bridges = SSET_INITIALIZER(&dirty_bridges);

/* Connection table settings before the database set any. */
static struct container_map_conn_settings default_conn_settings;
static bool have_default_conn_settings;

static struct pending_row *
pending_find(const struct uuid *uuid)
{
    struct pending_row *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, uuid_hash(uuid), &pending) {
        if (uuid_equals(&p->uuid, uuid)) {
            return p;
        }
    }
    return NULL;
}

static void
pending_clear(const struct uuid *uuid)
{
    struct pending_row *p = pending_find(uuid);

    if (p) {
        hmap_remove(&pending, &p->node);
        free(p->what);
        free(p->reason);
        free(p);
    }
}

static void
pending_set(const struct uuid *uuid, enum pending_table table,
            const char *what, const char *reason)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct pending_row *p = pending_find(uuid);

    if (!p) {
        p = xzalloc(sizeof *p);
        p->uuid = *uuid;
        hmap_insert(&pending, &p->node, uuid_hash(uuid));
    } else if (!strcmp(p->reason, reason) && !strcmp(p->what, what)) {
        return;
    } else {
        free(p->what);
        free(p->reason);
    }
    p->table = table;
    p->what = xstrdup(what);
    p->reason = xstrdup(reason);
    COVERAGE_INC(container_map_db_row_pending);
    VLOG_WARN_RL(&rl, "%s: not applied: %s", what, reason);
}

size_t
container_map_db_n_pending(void)
{
    return hmap_count(&pending);
}

static int
compare_pending(const void *a_, const void *b_)
{
    const struct pending_row *const *a = a_;
    const struct pending_row *const *b = b_;

    return strcmp((*a)->what, (*b)->what);
}

void
container_map_db_format_pending(struct ds *s)
{
    const struct pending_row **rows;
    const struct pending_row *p;
    size_t n = 0;

    rows = xmalloc(hmap_count(&pending) * sizeof *rows + 1);
    HMAP_FOR_EACH (p, node, &pending) {
        rows[n++] = p;
    }
    qsort(rows, n, sizeof *rows, compare_pending);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(s, "  not applied: %s: %s\n", rows[i]->what,
                      rows[i]->reason);
    }
    free(rows);
}

void
container_map_db_apply_destroy(void)
{
    struct pending_row *p;

    HMAP_FOR_EACH_POP (p, node, &pending) {
        free(p->what);
        free(p->reason);
        free(p);
    }
}

/* Finds the bridge of a row and its table.  Returns NULL with the reason in
 * 'err' if there is no such bridge (or no table number left). */
static struct ofproto_dpif *
row_bridge(const char *name, uint32_t *table_id, struct ds *err)
{
    struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(name);

    if (!ofproto) {
        ds_put_format(err, "no bridge %s", name);
        return NULL;
    }
    *table_id = container_map_bridge_table_id(name, false);
    if (*table_id == UINT32_MAX) {
        ds_put_format(err, "%s: no container map table left", name);
        return NULL;
    }
    return ofproto;
}

/* Mappings. */

static void
mapping_what(struct ds *s, const struct cmrec_mapping *row)
{
    ds_put_format(s, "mapping %s %s %s %"PRId64, row->bridge, row->ip,
                  row->protocol, row->port);
}

static bool
mapping_key(const struct cmrec_mapping *row, uint32_t table_id,
            struct container_map_key *key, struct ds *err)
{
    char port[16];
    const char *argv[3] = { row->ip, row->protocol, port };

    snprintf(port, sizeof port, "%"PRId64, row->port);
    return container_map_cmd_parse_key(argv, table_id, key, err);
}

static bool
backend_spec(struct ofproto_dpif *ofproto, const struct cmrec_backend *b,
             struct container_map_backend_spec *spec, struct ds *err)
{
    char *remote = b->remote ? xasprintf("remote=%s", b->remote) : NULL;
    bool ok = container_map_cmd_parse_backend(ofproto, b->mac, b->port,
                                              remote, spec, err);

    free(remote);
    return ok;
}

static bool
spec_equals(const struct container_map_backend_spec *a,
            const struct container_map_backend_spec *b)
{
    return (eth_addr_equals(a->mac, b->mac) && a->ofport == b->ofport
            && ipv6_addr_equals(&a->tun_dst, &b->tun_dst));
}

/* Makes the map's mapping of 'row' what the row says. */
static bool
apply_mapping(const struct cmrec_mapping *row, struct ds *err)
{
    struct container_map *map = container_map_global();
    struct container_map_backend_spec specs[CONTAINER_MAP_MAX_BACKENDS];
    struct container_map_mapping_view *view;
    struct container_map_key key;
    struct ofproto_dpif *ofproto;
    bool changed = false;
    uint32_t table_id;
    bool ok = true;
    size_t n;

    ofproto = row_bridge(row->bridge, &table_id, err);
    if (!ofproto || !mapping_key(row, table_id, &key, err)) {
        return false;
    }
    n = MIN(row->n_backends, CONTAINER_MAP_MAX_BACKENDS);
    for (size_t i = 0; i < n; i++) {
        if (!backend_spec(ofproto, row->backends[i], &specs[i], err)) {
            return false;
        }
    }

    view = xmalloc(sizeof *view);
    if (!container_map_get_mapping(map, &key, view)) {
        view->n_backends = 0;
    }
    /* Backends that went first, so that the new ones have room. */
    for (uint32_t j = 0; j < view->n_backends; j++) {
        const struct container_map_backend_spec *have;
        size_t i;

        have = &view->backends[j].spec;
        for (i = 0; i < n; i++) {
            if (eth_addr_equals(specs[i].mac, have->mac)) {
                break;
            }
        }
        if (i == n) {
            container_map_del(map, &key, &have->mac);
            changed = true;
        }
    }
    for (size_t i = 0; i < n && ok; i++) {
        const struct container_map_backend_view *have = NULL;
        struct container_map_mapping m = { .key = key, .backend = specs[i] };

        for (uint32_t j = 0; j < view->n_backends; j++) {
            if (eth_addr_equals(view->backends[j].spec.mac, specs[i].mac)) {
                have = &view->backends[j];
                break;
            }
        }
        if (!have || !spec_equals(&have->spec, &specs[i])) {
            enum container_map_add_result result;
            struct container_map_conflict conflict;
            int error = container_map_add(map, &m, &result, &conflict);

            if (error == EADDRINUSE) {
                ds_put_format(err, "port %"PRIu16" is in the source port "
                              "range of "ETH_ADDR_FMT, ntohs(key.port),
                              ETH_ADDR_ARGS(conflict.mac));
                ok = false;
            } else if (error) {
                ds_put_cstr(err, ovs_strerror(error));
                ok = false;
            }
            changed = true;
        }
        if (ok && (have && have->drained) != row->backends[i]->drained) {
            container_map_drain(map, &key, specs[i].mac,
                                row->backends[i]->drained);
        }
    }
    free(view);
    if (changed) {
        sset_add(&dirty_bridges, row->bridge);
    }
    return ok;
}

void
container_map_db_apply_mapping(const struct cmrec_mapping *row)
{
    struct ds err = DS_EMPTY_INITIALIZER;

    if (apply_mapping(row, &err)) {
        pending_clear(&row->header_.uuid);
        COVERAGE_INC(container_map_db_row_applied);
    } else {
        struct ds what = DS_EMPTY_INITIALIZER;

        mapping_what(&what, row);
        pending_set(&row->header_.uuid, P_MAPPING, ds_cstr(&what),
                    ds_cstr(&err));
        ds_destroy(&what);
    }
    ds_destroy(&err);
}

void
container_map_db_unapply_mapping(const struct cmrec_mapping *row)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    struct container_map_key key;
    uint32_t table_id;

    pending_clear(&row->header_.uuid);
    if (container_map_bridge_lookup_table_id(row->bridge, &table_id)
        && mapping_key(row, table_id, &key, &err)) {
        container_map_del(container_map_global(), &key, NULL);
    }
    ds_destroy(&err);
}

/* Reservations. */

static void
resv_what(struct ds *s, const struct cmrec_reservation *row)
{
    ds_put_format(s, "reservation %s %s %s", row->bridge, row->ip, row->mac);
}

static bool
resv_parse(const struct cmrec_reservation *row, struct in6_addr *ip,
           struct eth_addr *mac, struct ds *err)
{
    return (container_map_cmd_parse_ip(row->ip, ip, err)
            && container_map_cmd_parse_mac(row->mac, mac, err));
}

static bool
apply_resv(const struct cmrec_reservation *row, struct ds *err)
{
    struct container_map *map = container_map_global();
    struct container_map_backend_spec spec;
    struct container_map_conflict conflict;
    struct container_map_resv_view view;
    struct container_map_ranges ranges;
    struct ofproto_dpif *ofproto;
    struct eth_addr mac;
    struct in6_addr ip;
    uint32_t table_id;
    char *remote;
    bool ok;
    int error;

    ofproto = row_bridge(row->bridge, &table_id, err);
    if (!ofproto || !resv_parse(row, &ip, &mac, err)) {
        return false;
    }
    remote = row->remote ? xasprintf("remote=%s", row->remote) : NULL;
    ok = container_map_cmd_parse_backend(ofproto, row->mac, row->port, remote,
                                         &spec, err);
    free(remote);
    if (!ok) {
        return false;
    }
    ranges = (struct container_map_ranges) {
        .port_min = row->port_min, .port_max = row->port_max,
        .id_min = row->id_min, .id_max = row->id_max,
    };
    if (container_map_get_resv(map, table_id, &ip, mac, &view)
        && spec_equals(&view.backend, &spec)
        && !memcmp(&view.ranges, &ranges, sizeof ranges)) {
        return true;
    }
    error = container_map_reserve(map, table_id, &ip, &spec, &ranges,
                                  &conflict);
    if (error == EEXIST) {
        ds_put_format(err, "ranges overlap the reservation of "ETH_ADDR_FMT,
                      ETH_ADDR_ARGS(conflict.mac));
    } else if (error == EADDRINUSE) {
        ds_put_format(err, "port %"PRIu16" in the range is mapped to "
                      ETH_ADDR_FMT, conflict.port,
                      ETH_ADDR_ARGS(conflict.mac));
    } else if (error) {
        ds_put_format(err, "invalid ranges (%s)", ovs_strerror(error));
    }
    sset_add(&dirty_bridges, row->bridge);
    return !error;
}

void
container_map_db_apply_resv(const struct cmrec_reservation *row)
{
    struct ds err = DS_EMPTY_INITIALIZER;

    if (apply_resv(row, &err)) {
        pending_clear(&row->header_.uuid);
        COVERAGE_INC(container_map_db_row_applied);
    } else {
        struct ds what = DS_EMPTY_INITIALIZER;

        resv_what(&what, row);
        pending_set(&row->header_.uuid, P_RESV, ds_cstr(&what),
                    ds_cstr(&err));
        ds_destroy(&what);
    }
    ds_destroy(&err);
}

void
container_map_db_unapply_resv(const struct cmrec_reservation *row)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    struct eth_addr mac;
    struct in6_addr ip;
    uint32_t table_id;

    pending_clear(&row->header_.uuid);
    if (container_map_bridge_lookup_table_id(row->bridge, &table_id)
        && resv_parse(row, &ip, &mac, &err)) {
        container_map_unreserve(container_map_global(), table_id, &ip, mac);
    }
    ds_destroy(&err);
}

/* Echo settings. */

static enum container_map_echo
echo_from_string(const char *s)
{
    return (!strcmp(s, "off") ? CONTAINER_MAP_ECHO_OFF
            : !strcmp(s, "container") ? CONTAINER_MAP_ECHO_CONTAINER
            : CONTAINER_MAP_ECHO_SWITCH);
}

static bool
apply_addr(const struct cmrec_address *row, bool deleted, struct ds *err)
{
    struct container_map *map = container_map_global();
    enum container_map_echo echo = (deleted ? CONTAINER_MAP_ECHO_SWITCH
                                    : echo_from_string(row->echo));
    struct container_map_addr_view view;
    struct eth_addr mac = eth_addr_zero;
    struct in6_addr ip;
    uint32_t table_id;

    if (deleted) {
        if (!container_map_bridge_lookup_table_id(row->bridge, &table_id)) {
            return true;
        }
    } else if (!row_bridge(row->bridge, &table_id, err)) {
        return false;
    }
    if (!container_map_cmd_parse_ip(row->ip, &ip, err)) {
        return false;
    }
    if (echo == CONTAINER_MAP_ECHO_CONTAINER
        && (!row->echo_mac
            || !container_map_cmd_parse_mac(row->echo_mac, &mac, err))) {
        if (!row->echo_mac) {
            ds_put_cstr(err, "echo=container needs echo_mac");
        }
        return false;
    }
    if (!container_map_get_addr(map, table_id, &ip, &view)) {
        if (deleted) {
            return true;
        }
        ds_put_cstr(err, "the address has no mappings or reservations");
        return false;
    }
    if (view.echo == echo && eth_addr_equals(view.echo_mac, mac)) {
        return true;
    }
    if (container_map_set_echo(map, table_id, &ip, echo, &mac)) {
        ds_put_format(err, "%s is not reserved for the address",
                      row->echo_mac);
        return false;
    }
    return true;
}

void
container_map_db_apply_addr(const struct cmrec_address *row, bool deleted)
{
    struct ds err = DS_EMPTY_INITIALIZER;

    if (apply_addr(row, deleted, &err) || deleted) {
        pending_clear(&row->header_.uuid);
    } else {
        char *what = xasprintf("echo %s %s", row->bridge, row->ip);

        pending_set(&row->header_.uuid, P_ADDR, what, ds_cstr(&err));
        free(what);
    }
    ds_destroy(&err);
}

/* Bridges' MACs. */

void
container_map_db_apply_bridge(const struct cmrec_bridge *row, bool deleted)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    struct eth_addr mac;
    uint32_t table_id;

    if (deleted || !row->mac) {
        if (container_map_bridge_lookup_table_id(row->name, &table_id)) {
            container_map_bridge_set_mac(row->name, table_id, NULL);
        }
    } else if (row_bridge(row->name, &table_id, &err)
               && container_map_cmd_parse_mac(row->mac, &mac, &err)) {
        if (!eth_addr_equals(container_map_get_mac(container_map_global(),
                                                   table_id), mac)) {
            container_map_bridge_set_mac(row->name, table_id, &mac);
        }
    }
    ofproto = ofproto_dpif_lookup_by_name(row->name);
    if (!err.length && ofproto
        && !container_map_db_install_flows(ofproto,
                                           deleted ? NULL : row->flows,
                                           deleted ? 0 : row->n_flows,
                                           &err)) {
        ds_put_cstr(&err, " (the other flows are installed)");
    } else if (!err.length && !ofproto && !deleted && row->n_flows) {
        ds_put_format(&err, "no bridge %s", row->name);
    }
    if (!err.length || deleted) {
        pending_clear(&row->header_.uuid);
    } else {
        char *what = xasprintf("bridge %s", row->name);

        pending_set(&row->header_.uuid, P_BRIDGE, what, ds_cstr(&err));
        free(what);
    }
    ds_destroy(&err);
}

/* Connection table settings. */

void
container_map_db_apply_conn_settings(const struct container_map_db_idl *db)
{
    const struct cmrec_connection_table *row
        = cmrec_connection_table_first(db->idl);
    struct container_map *map = container_map_global();
    struct container_map_conn_settings st, cur;

    if (!have_default_conn_settings) {
        container_map_conn_get_settings(map, &default_conn_settings);
        have_default_conn_settings = true;
    }
    st = default_conn_settings;
    for (size_t i = 0; row && i < row->n_settings; i++) {
        const char *k = row->key_settings[i];
        int64_t v = row->value_settings[i];
        unsigned int count = MIN(v, CONTAINER_MAP_MAX_CONNS);
        long long int ms = MIN(v, 7 * 24 * 3600) * 1000;

        if (!strcmp(k, "max")) {
            st.max_conns = MAX(count, 1);
        } else if (!strcmp(k, "per-source")) {
            st.per_source = count;
        } else if (!strcmp(k, "per-container")) {
            st.per_container = count;
        } else if (!strcmp(k, "tcp")) {
            st.tcp_ms = ms;
        } else if (!strcmp(k, "tcp-closing")) {
            st.tcp_closing_ms = ms;
        } else if (!strcmp(k, "udp")) {
            st.udp_ms = ms;
        } else if (!strcmp(k, "icmp")) {
            st.icmp_ms = ms;
        } else if (!strcmp(k, "unanswered")) {
            st.unanswered_ms = ms;
        } else if (!strcmp(k, "dead-reset")) {
            st.dead_reset = v != 0;
        }
    }
    container_map_conn_get_settings(map, &cur);
    if (memcmp(&cur, &st, sizeof st)) {
        container_map_conn_set_settings(map, &st);
    }
}

/* Compiles the datapath actions of new backends. */
void
container_map_db_compile(void)
{
    const char *name;

    SSET_FOR_EACH (name, &dirty_bridges) {
        struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(name);

        if (ofproto) {
            container_map_compile_backends(ofproto, false);
        }
    }
    sset_clear(&dirty_bridges);
}

/* Applies the pending rows again, until a pass applies none of them. */
void
container_map_db_retry(const struct container_map_db_idl *db)
{
    for (int pass = 0; pass < 4 && hmap_count(&pending); pass++) {
        size_t before = hmap_count(&pending);
        struct uuid *uuids = xmalloc(before * sizeof *uuids);
        enum pending_table *tables = xmalloc(before * sizeof *tables);
        struct pending_row *p;
        size_t n = 0;

        HMAP_FOR_EACH (p, node, &pending) {
            uuids[n] = p->uuid;
            tables[n++] = p->table;
        }
        for (size_t i = 0; i < n; i++) {
            const struct uuid *u = &uuids[i];

            switch (tables[i]) {
            case P_MAPPING: {
                const struct cmrec_mapping *row
                    = cmrec_mapping_get_for_uuid(db->idl, u);
                if (row) {
                    container_map_db_apply_mapping(row);
                } else {
                    pending_clear(u);
                }
                break;
            }
            case P_RESV: {
                const struct cmrec_reservation *row
                    = cmrec_reservation_get_for_uuid(db->idl, u);
                if (row) {
                    container_map_db_apply_resv(row);
                } else {
                    pending_clear(u);
                }
                break;
            }
            case P_ADDR: {
                const struct cmrec_address *row
                    = cmrec_address_get_for_uuid(db->idl, u);
                if (row) {
                    container_map_db_apply_addr(row, false);
                } else {
                    pending_clear(u);
                }
                break;
            }
            case P_BRIDGE: {
                const struct cmrec_bridge *row
                    = cmrec_bridge_get_for_uuid(db->idl, u);
                if (row) {
                    container_map_db_apply_bridge(row, false);
                } else {
                    pending_clear(u);
                }
                break;
            }
            }
        }
        free(uuids);
        free(tables);
        container_map_db_compile();
        if (hmap_count(&pending) >= before) {
            break;
        }
    }
}
