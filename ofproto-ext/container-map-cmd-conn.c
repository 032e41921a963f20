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

/* The connection commands: container-map/conn-list, conn-count, conn-flush
 * and conn-set (container-map-cmd.h). */

#include <config.h>

#include "container-map-cmd.h"

#include <string.h>

#include "container-map-conn.h"
#include "container-map-view.h"
#include "flow.h"
#include "timeval.h"
#include "util.h"

/* container-map/conn-list [BRIDGE] */
struct list_aux {
    struct ds *s;
    long long int now;
};

static void
list_conn(const struct container_map_conn_view *c, void *aux_)
{
    struct list_aux *aux = aux_;
    bool icmp = c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6;
    struct ds *s = aux->s;

    ds_put_format(s, "%s ", container_map_cmd_proto_name(c->proto));
    container_map_cmd_format_ip(s, &c->local_ip);
    ds_put_format(s, " %s%"PRIu16" <-> ", icmp ? "id " : "",
                  ntohs(c->local_port));
    container_map_cmd_format_ip(s, &c->remote_ip);
    if (!icmp) {
        ds_put_format(s, " %"PRIu16, ntohs(c->remote_port));
    }
    ds_put_format(s, " %s %s -> "ETH_ADDR_FMT" port %"PRIu16": "
                  "in=%llu/%lluB out=%llu/%lluB expires=%llds\n",
                  c->inbound ? "inbound" : "outbound", c->state,
                  ETH_ADDR_ARGS(c->backend.mac),
                  ofp_to_u16(c->backend.ofport),
                  c->in_packets, c->in_bytes, c->out_packets, c->out_bytes,
                  MAX(0, c->expires - aux->now) / 1000);
}

static bool
cmd_conn_list(struct container_map_cmd *cmd)
{
    struct list_aux aux = { .s = &cmd->out, .now = time_msec() };

    container_map_for_each_conn(container_map_global(), cmd->table_id,
                                list_conn, &aux);
    return true;
}

/* container-map/conn-count [BRIDGE] */
static bool
cmd_conn_count(struct container_map_cmd *cmd)
{
    ds_put_format(&cmd->out, "%"PRIuSIZE"\n",
                  container_map_conn_count(container_map_global(),
                                           cmd->table_id));
    return true;
}

/* container-map/conn-flush [BRIDGE] */
static bool
cmd_conn_flush(struct container_map_cmd *cmd)
{
    size_t n = container_map_conn_flush(container_map_global(),
                                        cmd->table_id);

    ds_put_format(&cmd->out, "flushed %"PRIuSIZE" connection%s", n,
                  n == 1 ? "" : "s");
    cmd->changed = true;
    return true;
}

/* container-map/conn-set [max=N] [per-source=N] [per-container=N]
 * [tcp=SEC] [tcp-closing=SEC] [udp=SEC] [icmp=SEC] [unanswered=SEC]
 * [dead=reset|wait] */
#define CONN_SET_USAGE "[max=N] [per-source=N] [per-container=N] [tcp=SEC] " \
    "[tcp-closing=SEC] [udp=SEC] [icmp=SEC] [unanswered=SEC] " \
    "[dead=reset|wait]"

static bool
parse_setting(const char *arg, struct container_map_conn_settings *st)
{
    const struct {
        const char *name;
        unsigned int *count;            /* A count, or... */
        long long int *ms;              /* ...seconds, stored as msec. */
    } settings[] = {
        { "max", &st->max_conns, NULL },
        { "per-source", &st->per_source, NULL },
        { "per-container", &st->per_container, NULL },
        { "tcp", NULL, &st->tcp_ms },
        { "tcp-closing", NULL, &st->tcp_closing_ms },
        { "udp", NULL, &st->udp_ms },
        { "icmp", NULL, &st->icmp_ms },
        { "unanswered", NULL, &st->unanswered_ms },
    };
    const char *eq = strchr(arg, '=');
    unsigned long long u;
    size_t len;

    if (!eq) {
        return false;
    }
    if (!strcmp(arg, "dead=reset") || !strcmp(arg, "dead=wait")) {
        st->dead_reset = !strcmp(eq + 1, "reset");
        return true;
    }
    len = eq - arg;
    for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
        if (strlen(settings[i].name) != len
            || strncmp(arg, settings[i].name, len)) {
            continue;
        }
        if (!container_map_cmd_parse_number(eq + 1,
                                            (settings[i].count
                                             ? CONTAINER_MAP_MAX_CONNS
                                             : 7 * 24 * 3600), &u)
            || !u) {
            return false;
        }
        if (settings[i].count) {
            *settings[i].count = u;
        } else {
            *settings[i].ms = u * 1000;
        }
        return true;
    }
    return false;
}

static bool
cmd_conn_set(struct container_map_cmd *cmd)
{
    struct container_map *map = container_map_global();
    struct container_map_conn_settings st;

    container_map_conn_get_settings(map, &st);
    for (int i = 1; i < cmd->argc; i++) {
        if (!parse_setting(cmd->argv[i], &st)) {
            ds_put_format(&cmd->out, "%s: invalid setting (expected max=, "
                          "per-source= or per-container= with a count from 1 "
                          "to %d, tcp=, tcp-closing=, udp=, icmp= or "
                          "unanswered= with seconds from 1 to 604800, or "
                          "dead=reset or dead=wait)",
                          cmd->argv[i], CONTAINER_MAP_MAX_CONNS);
            return false;
        }
    }
    if (cmd->argc > 1) {
        container_map_conn_set_settings(map, &st);
        container_map_cmd_note_conn_settings(cmd);
        cmd->changed = true;
        cmd->log_prefix = "connection settings: ";
    }
    ds_put_format(&cmd->out, "max=%u per-source=%u per-container=%u "
                  "tcp=%lld tcp-closing=%lld udp=%lld icmp=%lld "
                  "unanswered=%lld dead=%s", st.max_conns, st.per_source,
                  st.per_container, st.tcp_ms / 1000,
                  st.tcp_closing_ms / 1000, st.udp_ms / 1000,
                  st.icmp_ms / 1000, st.unanswered_ms / 1000,
                  st.dead_reset ? "reset" : "wait");
    return true;
}

static const struct container_map_cmd_def defs[] = {
    { "conn-list", "[BRIDGE]", 0, 1, CM_CMD_ANY_BRIDGE, cmd_conn_list, false },
    { "conn-count", "[BRIDGE]", 0, 1, CM_CMD_ANY_BRIDGE, cmd_conn_count,
      false },
    { "conn-flush", "[BRIDGE]", 0, 1, CM_CMD_ANY_BRIDGE, cmd_conn_flush,
      false },
    { "conn-set", CONN_SET_USAGE, 0, 8, CM_CMD_NO_BRIDGE, cmd_conn_set,
      true },
};

void
container_map_cmd_register_conns(void)
{
    container_map_cmd_register_defs(defs, ARRAY_SIZE(defs));
}
