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

/* What the "container-map/..." commands share (container-map-cmd.h): the
 * dispatcher that finds the bridge, replies and logs, and the parsers and
 * formatters of addresses, ports, keys and backends. */

#include <config.h>

#include "container-map-cmd.h"

#include <errno.h>
#include <string.h>

#include "container-map-db.h"
#include "container-map-odp.h"
#include "container-map-ofproto.h"
#include "netdev.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map);

/* The dispatcher. */

static bool
find_bridge(const struct container_map_cmd_def *def,
            struct container_map_cmd *cmd)
{
    const char *name = cmd->argc > 1 ? cmd->argv[1] : NULL;

    cmd->ofproto = NULL;
    cmd->table_id = UINT32_MAX;
    if (def->bridge == CM_CMD_NO_BRIDGE || !name) {
        return def->bridge != CM_CMD_BRIDGE;
    }
    cmd->ofproto = ofproto_dpif_lookup_by_name(name);
    if (!cmd->ofproto) {
        ds_put_format(&cmd->out, "%s: unknown bridge", name);
        return false;
    }
    if (def->bridge == CM_CMD_BRIDGE) {
        cmd->table_id = container_map_bridge_table_id(name, false);
        if (cmd->table_id == UINT32_MAX) {
            ds_put_format(&cmd->out, "%s: no container map table left (at "
                          "most %d bridges)", name,
                          CONTAINER_MAP_MAX_TABLES - 1);
            return false;
        }
    } else if (!container_map_bridge_lookup_table_id(name, &cmd->table_id)) {
        cmd->table_id = CONTAINER_MAP_MAX_TABLES;   /* Matches nothing. */
    }
    return true;
}

/* The command definitions registered, for container_map_cmd_find(). */
static const struct container_map_cmd_def **all_defs;
static size_t n_all_defs, allocated_defs;

static bool
execute(const struct container_map_cmd_def *def, int argc, const char *argv[],
        struct ds *reply, struct container_map_db_changes **changes)
{
    struct container_map_cmd cmd = {
        .argc = argc,
        .argv = argv,
        .out = DS_EMPTY_INITIALIZER,
    };
    bool had_table = true;
    uint32_t table_id;
    bool ok;

    /* unixctl checks the number of arguments before it calls back; callers
     * from elsewhere get the same check. */
    if (argc - 1 < def->min_args || argc - 1 > def->max_args) {
        ds_put_format(reply, "\"%s\" command takes at least %d arguments "
                      "and at most %d (usage: %s)", argv[0], def->min_args,
                      def->max_args, def->usage);
        return false;
    }
    if (def->bridge == CM_CMD_BRIDGE) {
        had_table = container_map_bridge_lookup_table_id(argv[1], &table_id);
    }
    ok = find_bridge(def, &cmd) && def->run(&cmd);
    if (!ok && cmd.ofproto && def->bridge == CM_CMD_BRIDGE && !had_table) {
        /* A command that fails changes nothing, not even the table number
         * that the bridge got for it, unless a translation got the number
         * meanwhile (a handler thread, for a flow of the bridge). */
        container_map_bridge_release_table(argv[1], true);
    }
    if (ok && cmd.changed) {
        VLOG_INFO("%s%s%s%s", cmd.ofproto ? cmd.ofproto->up.name : "",
                  cmd.ofproto ? ": " : "",
                  cmd.log_prefix ? cmd.log_prefix : "", ds_cstr(&cmd.out));
    }
    if (cmd.out.length) {
        ds_put_buffer(reply, cmd.out.string, cmd.out.length);
    }
    ds_destroy(&cmd.out);
    if (ok && changes) {
        *changes = cmd.db;
    } else {
        container_map_db_changes_destroy(cmd.db);
    }
    return ok;
}

bool
container_map_cmd_execute(const struct container_map_cmd_def *def, int argc,
                          const char *argv[], struct ds *reply)
{
    return execute(def, argc, argv, reply, NULL);
}

const struct container_map_cmd_def *
container_map_cmd_find(const char *name)
{
    static const char prefix[] = "container-map/";

    if (!strncmp(name, prefix, strlen(prefix))) {
        name += strlen(prefix);
    }
    for (size_t i = 0; i < n_all_defs; i++) {
        if (!strcmp(all_defs[i]->name, name)) {
            return all_defs[i];
        }
    }
    return NULL;
}

/* Runs a command and replies, once the database has what it changed. */
static void
execute_and_reply(struct unixctl_conn *conn,
                  const struct container_map_cmd_def *def, int argc,
                  const char *argv[])
{
    struct container_map_db_changes *changes = NULL;
    struct ds reply = DS_EMPTY_INITIALIZER;

    if (!execute(def, argc, argv, &reply, &changes)) {
        unixctl_command_reply_error(conn, ds_cstr(&reply));
    } else if (changes
               && container_map_db_mode() == CONTAINER_MAP_DB_DURABLE) {
        container_map_db_commit(changes, conn, ds_cstr(&reply));
    } else {
        container_map_db_changes_destroy(changes);
        unixctl_command_reply(conn, ds_cstr(&reply));
    }
    ds_destroy(&reply);
}

/* A command that changes the map, waiting for the database to be read. */
struct waiting_command {
    struct ovs_list node;
    struct unixctl_conn *conn;
    const struct container_map_cmd_def *def;
    int argc;
    char **argv;
    long long int deadline;
};

#define WAIT_MAX_MS (10 * 1000)

static struct ovs_list waiting = OVS_LIST_INITIALIZER(&waiting);

static void
run_command(struct unixctl_conn *conn, int argc, const char *argv[],
            void *def_)
{
    const struct container_map_cmd_def *def = def_;

    if (def->durable
        && container_map_db_mode() == CONTAINER_MAP_DB_CONNECTING) {
        struct waiting_command *w = xzalloc(sizeof *w);

        w->conn = conn;
        w->def = def;
        w->argc = argc;
        w->argv = xmalloc(argc * sizeof *w->argv);
        for (int i = 0; i < argc; i++) {
            w->argv[i] = xstrdup(argv[i]);
        }
        w->deadline = time_msec() + WAIT_MAX_MS;
        ovs_list_push_back(&waiting, &w->node);
        return;
    }
    execute_and_reply(conn, def, argc, argv);
}

void
container_map_cmd_run_waiting(bool ready)
{
    struct waiting_command *w;

    LIST_FOR_EACH_SAFE (w, node, &waiting) {
        if (ready) {
            execute_and_reply(w->conn, w->def, w->argc,
                              (const char **) w->argv);
        } else if (time_msec() >= w->deadline) {
            unixctl_command_reply_error(w->conn, "the container map database "
                                        "is not connected; not changed");
        } else {
            continue;
        }
        ovs_list_remove(&w->node);
        for (int i = 0; i < w->argc; i++) {
            free(w->argv[i]);
        }
        free(w->argv);
        free(w);
    }
}

void
container_map_cmd_wait_waiting(void)
{
    struct waiting_command *w;

    LIST_FOR_EACH (w, node, &waiting) {
        poll_timer_wait_until(w->deadline);
    }
}

/* Notes for the database. */

static struct container_map_db_changes *
changes(struct container_map_cmd *cmd)
{
    if (!cmd->db) {
        cmd->db = xzalloc(sizeof *cmd->db);
        cmd->db->bridge = cmd->ofproto ? xstrdup(cmd->ofproto->up.name)
                                       : NULL;
        cmd->db->table_id = cmd->table_id;
    }
    return cmd->db;
}

void
container_map_cmd_note_mapping(struct container_map_cmd *cmd,
                               const struct container_map_key *key)
{
    struct container_map_db_changes *c = changes(cmd);

    if (c->n_keys >= c->allocated_keys) {
        c->keys = x2nrealloc(c->keys, &c->allocated_keys, sizeof *c->keys);
    }
    c->keys[c->n_keys++] = *key;
}

void
container_map_cmd_note_flush(struct container_map_cmd *cmd)
{
    changes(cmd)->flush = true;
}

void
container_map_cmd_note_resv(struct container_map_cmd *cmd,
                            const struct in6_addr *ip,
                            const struct eth_addr mac)
{
    struct container_map_db_changes *c = changes(cmd);

    if (c->n_resvs >= c->allocated_resvs) {
        c->resvs = x2nrealloc(c->resvs, &c->allocated_resvs,
                              sizeof *c->resvs);
    }
    c->resvs[c->n_resvs].ip = *ip;
    c->resvs[c->n_resvs++].mac = mac;
}

void
container_map_cmd_note_addr(struct container_map_cmd *cmd,
                            const struct in6_addr *ip)
{
    struct container_map_db_changes *c = changes(cmd);

    if (c->n_addrs >= c->allocated_addrs) {
        c->addrs = x2nrealloc(c->addrs, &c->allocated_addrs,
                              sizeof *c->addrs);
    }
    c->addrs[c->n_addrs++] = *ip;
}

void
container_map_cmd_note_mac(struct container_map_cmd *cmd,
                           const struct eth_addr *mac)
{
    struct container_map_db_changes *c = changes(cmd);

    c->set_mac = true;
    c->mac_default = !mac;
    c->mac = mac ? *mac : eth_addr_zero;
}

void
container_map_cmd_note_conn_settings(struct container_map_cmd *cmd)
{
    changes(cmd)->conn_settings = true;
}

void
container_map_cmd_note_flows(struct container_map_cmd *cmd, char **flows,
                             size_t n)
{
    struct container_map_db_changes *c = changes(cmd);

    c->set_flows = true;
    c->flows = xmalloc((n + 1) * sizeof *c->flows);
    for (size_t i = 0; i < n; i++) {
        c->flows[i] = xstrdup(flows[i]);
    }
    c->n_flows = n;
}

void
container_map_cmd_register_defs(const struct container_map_cmd_def *defs,
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *name = xasprintf("container-map/%s", defs[i].name);

        unixctl_command_register(name, defs[i].usage, defs[i].min_args,
                                 defs[i].max_args, run_command,
                                 CONST_CAST(struct container_map_cmd_def *,
                                            &defs[i]));
        free(name);
        if (n_all_defs >= allocated_defs) {
            all_defs = x2nrealloc(all_defs, &allocated_defs,
                                  sizeof *all_defs);
        }
        all_defs[n_all_defs++] = &defs[i];
    }
}

void
container_map_cmd_register(void)
{
    container_map_cmd_register_mappings();
    container_map_cmd_register_resvs();
    container_map_cmd_register_arp();
    container_map_cmd_register_conns();
}

/* Parsing. */

bool
container_map_cmd_parse_ip(const char *s, struct in6_addr *ip,
                           struct ds *err)
{
    ovs_be32 ip4;

    if (strchr(s, ':')) {
        if (ipv6_parse(s, ip) && !ipv6_addr_is_multicast(ip)
            && !ipv6_addr_equals(ip, &in6addr_any)) {
            return true;
        }
    } else if (ip_parse(s, &ip4) && ip4 != htonl(0) && !ip_is_multicast(ip4)
               && ip4 != htonl(UINT32_MAX)) {
        in6_addr_set_mapped_ipv4(ip, ip4);
        return true;
    }
    ds_put_format(err, "%s: invalid IP address (expected a unicast IPv4 or "
                  "IPv6 address)", s);
    return false;
}

bool
container_map_cmd_parse_number(const char *s, unsigned long long max,
                               unsigned long long *n)
{
    return container_map_parse_decimal(s, SIZE_MAX, max, n);
}

static bool
parse_l4_port(const char *s, ovs_be16 *port, struct ds *err)
{
    unsigned long long u;

    if (!container_map_cmd_parse_number(s, 65535, &u) || !u) {
        ds_put_format(err, "%s: invalid port (expected 1 to 65535)", s);
        return false;
    }
    *port = htons(u);
    return true;
}

bool
container_map_cmd_parse_mac(const char *s, struct eth_addr *mac,
                            struct ds *err)
{
    if (!eth_addr_from_string(s, mac) || eth_addr_is_zero(*mac)
        || eth_addr_is_multicast(*mac)) {
        ds_put_format(err, "%s: invalid MAC address (expected a unicast "
                      "xx:xx:xx:xx:xx:xx)", s);
        return false;
    }
    return true;
}

/* Parses 's' as the number or the name of a port of 'ofproto'. */
bool
container_map_cmd_parse_ofport(struct ofproto_dpif *ofproto, const char *s,
                               ofp_port_t *ofportp, struct ds *err)
{
    unsigned long long u;

    if (s[0] >= '0' && s[0] <= '9') {
        if (container_map_cmd_parse_number(s, UINT16_MAX, &u)
            && u < ofp_to_u16(OFPP_MAX)
            && ofproto_get_port(&ofproto->up, u16_to_ofp(u))) {
            *ofportp = u16_to_ofp(u);
            return true;
        }
    } else {
        struct ofport *ofport;

        HMAP_FOR_EACH (ofport, hmap_node, &ofproto->up.ports) {
            if (!strcmp(netdev_get_name(ofport->netdev), s)
                && ofp_to_u16(ofport->ofp_port) < ofp_to_u16(OFPP_MAX)) {
                *ofportp = ofport->ofp_port;
                return true;
            }
        }
    }
    ds_put_format(err, "%s: no such port on bridge %s", s, ofproto->up.name);
    return false;
}

static bool
parse_proto(const char *s, uint8_t *proto)
{
    if (!strcmp(s, "tcp")) {
        *proto = IPPROTO_TCP;
    } else if (!strcmp(s, "udp")) {
        *proto = IPPROTO_UDP;
    } else if (!strcmp(s, "sctp")) {
        *proto = IPPROTO_SCTP;
    } else {
        return false;
    }
    return true;
}

/* Parses "IP PROTO PORT" from 'argv' into 'key' for 'table_id'. */
bool
container_map_cmd_parse_key(const char *argv[], uint32_t table_id,
                            struct container_map_key *key, struct ds *err)
{
    struct in6_addr ip;
    ovs_be16 port;
    uint8_t proto;

    if (!container_map_cmd_parse_ip(argv[0], &ip, err)) {
        return false;
    }
    if (!parse_proto(argv[1], &proto)) {
        ds_put_format(err, "%s: unknown protocol (expected tcp, udp or sctp)",
                      argv[1]);
        return false;
    }
    if (!parse_l4_port(argv[2], &port, err)) {
        return false;
    }
    container_map_key_init(key, table_id, &ip, proto, port);
    return true;
}

/* Checks the optional "remote=IP" argument 'arg' (NULL if absent) against
 * port 'ofport': a tunnel port with options:remote_ip=flow needs one, other
 * ports take none.  Stores the IP in '*tun_dst' (all-zero if none). */
static bool
parse_remote(struct ofproto_dpif *ofproto, ofp_port_t ofport,
             const char *arg, struct in6_addr *tun_dst, struct ds *err)
{
    struct ofport *port = ofproto_get_port(&ofproto->up, ofport);
    const struct netdev_tunnel_config *tc
        = port ? netdev_get_tunnel_config(port->netdev) : NULL;
    bool flow_based = tc && tc->ip_dst_flow;

    *tun_dst = in6addr_any;
    if (arg && strncmp(arg, "remote=", 7)) {
        ds_put_format(err, "%s: unknown argument (expected remote=IP)", arg);
        return false;
    } else if (arg && !flow_based) {
        ds_put_format(err, "%s: port %"PRIu16" is not a tunnel port with "
                      "options:remote_ip=flow", arg, ofp_to_u16(ofport));
        return false;
    } else if (!arg && flow_based) {
        ds_put_format(err, "port %"PRIu16" is a tunnel port with "
                      "options:remote_ip=flow: remote=IP (the tunnel IP of "
                      "the container's host) is needed",
                      ofp_to_u16(ofport));
        return false;
    } else if (arg && !container_map_cmd_parse_ip(arg + 7, tun_dst, err)) {
        return false;
    }
    return true;
}

/* Parses "MAC OFPORT [remote=IP]" ('remote' may be NULL). */
bool
container_map_cmd_parse_backend(struct ofproto_dpif *ofproto,
                                const char *mac, const char *ofport,
                                const char *remote,
                                struct container_map_backend_spec *spec,
                                struct ds *err)
{
    return (container_map_cmd_parse_mac(mac, &spec->mac, err)
            && container_map_cmd_parse_ofport(ofproto, ofport, &spec->ofport,
                                              err)
            && parse_remote(ofproto, spec->ofport, remote, &spec->tun_dst,
                            err));
}

/* Parses "NAME=LO-HI" (NAME given by 'name') into '*lo' and '*hi'. */
bool
container_map_cmd_parse_range(const char *s, const char *name,
                              unsigned int min, uint16_t *lo, uint16_t *hi,
                              struct ds *err)
{
    size_t len = strlen(name);
    const char *low = NULL, *dash = NULL;
    unsigned long long a, b;

    if (!strncmp(s, name, len) && s[len] == '=') {
        low = s + len + 1;
        dash = strchr(low, '-');
    }
    if (!dash
        || !container_map_parse_decimal(low, dash - low, 65535, &a)
        || !container_map_cmd_parse_number(dash + 1, 65535, &b)
        || a < min || a > b) {
        ds_put_format(err, "%s: invalid range (expected %s=LOW-HIGH with "
                      "%u <= LOW <= HIGH <= 65535)", s, name, min);
        return false;
    }
    *lo = a;
    *hi = b;
    return true;
}

/* Formatting. */

void
container_map_cmd_format_ip(struct ds *s, const struct in6_addr *ip)
{
    ipv6_format_mapped(ip, s);
}

const char *
container_map_cmd_proto_name(uint8_t proto)
{
    return (proto == IPPROTO_TCP ? "tcp"
            : proto == IPPROTO_UDP ? "udp"
            : proto == IPPROTO_SCTP ? "sctp"
            : proto == IPPROTO_ICMP ? "icmp"
            : proto == IPPROTO_ICMPV6 ? "icmp6"
            : "?");
}

void
container_map_cmd_format_key(struct ds *s, const struct container_map_key *key)
{
    container_map_cmd_format_ip(s, &key->ip);
    ds_put_format(s, " %s %"PRIu16, container_map_cmd_proto_name(key->proto),
                  ntohs(key->port));
}

/* "MAC port N[ (NAME)][ remote IP]": with the port's name if 'ofproto' is
 * nonnull. */
void
container_map_cmd_format_backend(struct ds *s, struct ofproto_dpif *ofproto,
                                 const struct container_map_backend_spec *b)
{
    ds_put_format(s, ETH_ADDR_FMT" port %"PRIu16, ETH_ADDR_ARGS(b->mac),
                  ofp_to_u16(b->ofport));
    if (ofproto) {
        struct ofport *port = ofproto_get_port(&ofproto->up, b->ofport);

        ds_put_format(s, " (%s)", port ? netdev_get_name(port->netdev)
                                       : "gone");
    }
    if (!ipv6_addr_equals(&b->tun_dst, &in6addr_any)) {
        ds_put_cstr(s, " remote ");
        container_map_cmd_format_ip(s, &b->tun_dst);
    }
}
