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

/* The Container_Map database (container-map-db.h): the connection, the
 * hold on forwarding until the table is complete, and the commands'
 * transactions.
 *
 * Two IDLs: one on the server's _Server database, which says whether the
 * server has Container_Map at all, and, once it has, one on Container_Map
 * itself, with change tracking.  Until the first of them has answered, or
 * the second has applied the database's whole content, the map is not
 * complete and container_map_db_holds_forwarding() says so (at most
 * HOLD_MAX_MS, so that an unreachable server never stops a host for
 * good). */

#include <config.h>

#include "container-map-db-private.h"

#include <string.h>

#include "container-map-cmd.h"
#include "container-map-ofproto.h"
#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "smap.h"
#include "sset.h"
#include "ofproto/ofproto.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_db);

COVERAGE_DEFINE(container_map_db_txn);
COVERAGE_DEFINE(container_map_db_txn_failed);

#define DB_NAME "Container_Map"
#define HOLD_MAX_MS (30 * 1000)     /* Longest hold on forwarding. */
#define CONNECT_WAIT_MS (10 * 1000) /* Longest a command waits to connect. */

static char *default_remote;        /* ovs-vswitchd's own database server. */
static char *remote;                /* The one in use, or NULL. */
static bool initialized;
static bool configured;             /* set_remote() has run. */

/* Asks 'remote' whether it has DB_NAME ("list_dbs"), before the IDL
 * connects to it, and again every PROBE_INTERVAL_MS while it has not. */
#define PROBE_INTERVAL_MS 5000
static struct jsonrpc_session *probe;
static struct json *probe_id;
static long long int next_probe;
static struct container_map_db_idl db;      /* Container_Map of 'remote'. */
static unsigned int db_seqno;
static bool db_synced;              /* Whole content applied once. */
static bool server_lacks_db;        /* _Server says it has no DB_NAME. */
static long long int started;       /* When 'remote' was set. */
static bool hold_expired;
static long long int opened;        /* When open_db() ran. */
static struct sset known_bridges = SSET_INITIALIZER(&known_bridges);
static bool retry_pending;

/* A command whose transaction is in flight. */
struct db_command {
    struct ovs_list node;           /* In 'commands'. */
    struct unixctl_conn *conn;
    char *reply;
    struct container_map_db_changes *changes;
    struct ovsdb_idl_txn *txn;      /* NULL: waiting for the connection. */
    long long int deadline;         /* For a NULL 'txn'. */
    char *comment;
};

static struct ovs_list commands = OVS_LIST_INITIALIZER(&commands);

static void db_command_destroy(struct db_command *);
static void stop_probe(void);

enum container_map_db_mode
container_map_db_mode(void)
{
    if (!initialized) {
        return CONTAINER_MAP_DB_MEMORY;
    } else if (!configured) {
        return CONTAINER_MAP_DB_CONNECTING;
    } else if (!remote || server_lacks_db) {
        return CONTAINER_MAP_DB_MEMORY;
    }
    return db_synced ? CONTAINER_MAP_DB_DURABLE : CONTAINER_MAP_DB_CONNECTING;
}

void
container_map_db_changes_destroy(struct container_map_db_changes *c)
{
    if (c) {
        free(c->bridge);
        free(c->keys);
        free(c->resvs);
        free(c->addrs);
        for (size_t i = 0; i < c->n_flows; i++) {
            free(c->flows[i]);
        }
        free(c->flows);
        free(c);
    }
}

static void
close_db(void)
{
    struct db_command *cmd;

    LIST_FOR_EACH_POP (cmd, node, &commands) {
        unixctl_command_reply_error(cmd->conn, "the container map database "
                                    "went away; not changed");
        container_map_db_changes_destroy(cmd->changes);
        cmd->changes = NULL;
        db_command_destroy(cmd);
    }
    if (db.idl) {
        ovsdb_idl_destroy(db.idl);
    }
    memset(&db, 0, sizeof db);
    stop_probe();
    next_probe = 0;
    container_map_db_apply_destroy();
    db_synced = server_lacks_db = false;
}

static void
open_db(void)
{
    const struct ovsdb_idl_index_column mapping_cols[] = {
        { .column = &cmrec_mapping_col_bridge },
        { .column = &cmrec_mapping_col_ip },
        { .column = &cmrec_mapping_col_protocol },
        { .column = &cmrec_mapping_col_port },
    };
    const struct ovsdb_idl_index_column resv_cols[] = {
        { .column = &cmrec_reservation_col_bridge },
        { .column = &cmrec_reservation_col_ip },
        { .column = &cmrec_reservation_col_mac },
    };

    db.idl = ovsdb_idl_create(remote, &cmrec_idl_class, true, true);
    ovsdb_idl_track_add_all(db.idl);
    db.mappings = ovsdb_idl_index_create(db.idl, mapping_cols,
                                         ARRAY_SIZE(mapping_cols));
    db.resvs = ovsdb_idl_index_create(db.idl, resv_cols,
                                      ARRAY_SIZE(resv_cols));
    db.addrs = ovsdb_idl_index_create2(db.idl, &cmrec_address_col_bridge,
                                       &cmrec_address_col_ip);
    db.bridges = ovsdb_idl_index_create1(db.idl, &cmrec_bridge_col_name);
    db_seqno = ovsdb_idl_get_seqno(db.idl);
    opened = time_msec();
    VLOG_INFO("%s: reading the container map from database %s", remote,
              DB_NAME);
}

static void
set_remote(const char *new_remote)
{
    if (new_remote && !strcmp(new_remote, "none")) {
        new_remote = NULL;
    }
    if (configured && nullable_string_is_equal(new_remote, remote)) {
        return;
    }
    configured = true;
    close_db();
    free(remote);
    remote = nullable_xstrdup(new_remote);
    if (remote && strchr(remote, ',')) {
        open_db();              /* A cluster: the IDL finds the database. */
    } else if (remote) {
        next_probe = time_msec();
    } else {
        VLOG_WARN("container map database disabled "
                  "(other_config:container-map-remote=none): mappings are "
                  "kept in memory only and lost on restart");
    }
}

void
container_map_db_init(const char *default_remote_)
{
    initialized = true;
    started = time_msec();
    default_remote = xstrdup(default_remote_);
    container_map_db_cmd_register();
    container_map_db_flows_register();
}

static void
stop_probe(void)
{
    jsonrpc_session_close(probe);
    probe = NULL;
    json_destroy(probe_id);
    probe_id = NULL;
}

/* The answer to "list_dbs": opens the IDL if the server has DB_NAME. */
static void
probe_answered(const struct json *result)
{
    bool found = false;

    if (result && result->type == JSON_ARRAY) {
        for (size_t i = 0; i < result->array.n; i++) {
            const struct json *name = result->array.elems[i];

            if (name->type == JSON_STRING
                && !strcmp(json_string(name), DB_NAME)) {
                found = true;
            }
        }
    }
    stop_probe();
    if (found) {
        server_lacks_db = false;
        open_db();
    } else {
        if (!server_lacks_db) {
            /* Not INFO: it comes before ovs-vswitchd detaches, on the
             * console.  "container-map/database" says it. */
            VLOG_DBG("%s: the database server has no %s database: "
                      "mappings are kept in memory only and lost on restart "
                      "(see ovs-container-map(5))", remote, DB_NAME);
        }
        server_lacks_db = true;
        next_probe = time_msec() + PROBE_INTERVAL_MS;
    }
}

static void
run_probe(void)
{
    struct jsonrpc_msg *msg;

    if (!probe) {
        if (!next_probe || time_msec() < next_probe) {
            return;
        }
        probe = jsonrpc_session_open(remote, true);
    }
    jsonrpc_session_run(probe);
    if (!probe_id && jsonrpc_session_is_connected(probe)) {
        msg = jsonrpc_create_request("list_dbs", json_array_create_empty(),
                                     &probe_id);
        jsonrpc_session_send(probe, msg);
    }
    while (probe && (msg = jsonrpc_session_recv(probe))) {
        if (msg->type == JSONRPC_REPLY && probe_id
            && json_equal(msg->id, probe_id)) {
            probe_answered(msg->result);
        }
        jsonrpc_msg_destroy(msg);
    }
}

/* Bridges that appeared since the last run: their rows can be applied now. */
static bool
bridges_appeared(void)
{
    struct sset now = SSET_INITIALIZER(&now);
    bool appeared = false;
    const char *name;

    container_map_bridge_names(&now);
    SSET_FOR_EACH (name, &now) {
        if (!sset_contains(&known_bridges, name)) {
            container_map_db_forget_flows(name);
            appeared = true;
        }
    }
    sset_swap(&known_bridges, &now);
    sset_destroy(&now);
    return appeared;
}

static void
db_command_destroy(struct db_command *cmd)
{
    if (cmd->txn) {
        ovsdb_idl_txn_destroy(cmd->txn);
    }
    container_map_db_changes_destroy(cmd->changes);
    free(cmd->reply);
    free(cmd->comment);
    free(cmd);
}

/* Starts the transaction of 'cmd', or fails it. */
static void
db_command_start(struct db_command *cmd)
{
    struct ds err = DS_EMPTY_INITIALIZER;

    cmd->txn = container_map_db_write(&db, cmd->changes, cmd->comment, &err);
    if (!cmd->txn) {
        ds_put_cstr(&err, "; not changed");
        unixctl_command_reply_error(cmd->conn, ds_cstr(&err));
        container_map_db_resync(&db);
        ovs_list_remove(&cmd->node);
        db_command_destroy(cmd);
    } else {
        COVERAGE_INC(container_map_db_txn);
        ovsdb_idl_txn_commit(cmd->txn);
    }
    ds_destroy(&err);
}

static void
run_commands(void)
{
    struct db_command *cmd;

    LIST_FOR_EACH_SAFE (cmd, node, &commands) {
        enum ovsdb_idl_txn_status status;

        if (!cmd->txn) {
            if (db_synced) {
                db_command_start(cmd);
            } else if (time_msec() >= cmd->deadline || !remote
                       || server_lacks_db) {
                unixctl_command_reply_error(cmd->conn, "the container map "
                                            "database is not connected; "
                                            "not changed");
                ovs_list_remove(&cmd->node);
                db_command_destroy(cmd);
            }
            continue;
        }
        status = ovsdb_idl_txn_commit(cmd->txn);
        if (status == TXN_INCOMPLETE) {
            continue;
        }
        if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
            unixctl_command_reply(cmd->conn, cmd->reply);
        } else {
            char *error = (status == TXN_TRY_AGAIN
                           && !ovsdb_idl_is_connected(db.idl)
                           ? xstrdup("the container map database is not "
                                     "connected (try again); not changed")
                           : xasprintf("the container map database refused "
                                       "the change (%s%s%s); not changed",
                                       ovsdb_idl_txn_status_to_string(status),
                                       status == TXN_ERROR ? ": " : "",
                                       status == TXN_ERROR
                                       ? ovsdb_idl_txn_get_error(cmd->txn)
                                       : ""));

            COVERAGE_INC(container_map_db_txn_failed);
            VLOG_WARN("%s: %s", cmd->comment, error);
            unixctl_command_reply_error(cmd->conn, error);
            free(error);
            container_map_db_resync(&db);
        }
        ovs_list_remove(&cmd->node);
        db_command_destroy(cmd);
    }
}

void
container_map_db_run(const struct smap *other_config)
{
    if (!initialized) {
        return;
    }
    if (other_config) {
        set_remote(smap_get_def(other_config, "container-map-remote",
                                default_remote));
    }
    if (remote && !db.idl) {
        run_probe();
    }
    if (db.idl) {
        ovsdb_idl_run(db.idl);
        if (ovsdb_idl_has_ever_connected(db.idl)) {
            bool appeared = bridges_appeared();

            if (!db_synced) {
                long long int read = time_msec();
                const struct cmrec_mapping *m;
                size_t n = 0;

                CMREC_MAPPING_FOR_EACH (m, db.idl) {
                    n++;
                }
                container_map_db_resync(&db);
                db_synced = true;
                db_seqno = ovsdb_idl_get_seqno(db.idl);
                VLOG_INFO("%s: container map complete: %"PRIuSIZE" mappings "
                          "read in %lld ms, applied in %lld ms (%"PRIuSIZE
                          " rows not applied)", remote, n,
                          read - opened, time_msec() - read,
                          container_map_db_n_pending());
                poll_immediate_wake();
            } else if (appeared) {
                container_map_db_resync(&db);
            } else if (ovsdb_idl_get_seqno(db.idl) != db_seqno) {
                db_seqno = ovsdb_idl_get_seqno(db.idl);
                container_map_db_apply_tracked(&db);
            } else if (retry_pending) {
                container_map_db_retry(&db);
            }
            retry_pending = false;
            ovsdb_idl_track_clear(db.idl);
        }
    }
    run_commands();
    container_map_cmd_run_waiting(container_map_db_mode()
                                  != CONTAINER_MAP_DB_CONNECTING);
}

void
container_map_db_wait(void)
{
    struct db_command *cmd;

    container_map_cmd_wait_waiting();
    if (probe) {
        jsonrpc_session_wait(probe);
        jsonrpc_session_recv_wait(probe);
    } else if (next_probe && !db.idl) {
        poll_timer_wait_until(next_probe);
    }
    if (db.idl) {
        ovsdb_idl_wait(db.idl);
    }
    LIST_FOR_EACH (cmd, node, &commands) {
        if (cmd->txn) {
            ovsdb_idl_txn_wait(cmd->txn);
        } else {
            poll_timer_wait_until(cmd->deadline);
        }
    }
    if (container_map_db_holds_forwarding()) {
        poll_timer_wait_until(started + HOLD_MAX_MS);
    }
}

bool
container_map_db_holds_forwarding(void)
{
    if (container_map_db_mode() != CONTAINER_MAP_DB_CONNECTING
        || hold_expired) {
        return false;
    }
    if (time_msec() >= started + HOLD_MAX_MS) {
        hold_expired = true;
        VLOG_ERR("%s: container map database not read after %d s: "
                 "forwarding without it", remote, HOLD_MAX_MS / 1000);
        return false;
    }
    return true;
}

void
container_map_db_ports_changed(void)
{
    retry_pending = true;
}

void
container_map_db_commit(struct container_map_db_changes *changes,
                        struct unixctl_conn *conn, const char *reply)
{
    struct db_command *cmd = xzalloc(sizeof *cmd);

    cmd->conn = conn;
    cmd->reply = xstrdup(reply);
    cmd->changes = changes;
    cmd->comment = xasprintf("container-map: %s", reply);
    cmd->deadline = time_msec() + CONNECT_WAIT_MS;
    ovs_list_push_back(&commands, &cmd->node);
    if (db_synced) {
        db_command_start(cmd);
    }
}

void
container_map_db_format_status(struct ds *s)
{
    static const char *const modes[] = {
        [CONTAINER_MAP_DB_MEMORY] = "memory only (lost on restart)",
        [CONTAINER_MAP_DB_CONNECTING] = "connecting",
        [CONTAINER_MAP_DB_DURABLE] = "durable",
    };

    ds_put_format(s, "database: %s %s: %s\n", remote ? remote : "none",
                  DB_NAME, modes[container_map_db_mode()]);
    if (server_lacks_db) {
        ds_put_cstr(s, "  the server has no "DB_NAME" database\n");
    }
    if (db.idl) {
        ds_put_format(s, "  connected: %s, rows not applied: %"PRIuSIZE
                      ", transactions in flight: %"PRIuSIZE"\n",
                      ovsdb_idl_is_connected(db.idl) ? "yes" : "no",
                      container_map_db_n_pending(), ovs_list_size(&commands));
        container_map_db_format_pending(s);
    }
}

static void
cmd_database(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    /* A server that had no database may have one now (ovsdb-server/add-db):
     * ask it again at once. */
    if (server_lacks_db && !probe) {
        next_probe = time_msec();
        poll_immediate_wake();
    }
    container_map_db_format_status(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

void
container_map_db_cmd_register(void)
{
    unixctl_command_register("container-map/database", "", 0, 0,
                             cmd_database, NULL);
}
