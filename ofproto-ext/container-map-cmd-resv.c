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

/* The reservation commands: container-map/reserve and unreserve
 * (container-map-cmd.h). */

#include <config.h>

#include "container-map-cmd.h"

#include <errno.h>
#include <string.h>

#include "container-map-ofproto.h"
#include "util.h"

/* container-map/reserve BRIDGE IP MAC OFPORT [ports=LO-HI] [ids=LO-HI]
 * [remote=IP] */
static bool
cmd_reserve(struct container_map_cmd *cmd)
{
    struct container_map_ranges r = { 1, 65535, 0, 65535 };
    struct container_map_backend_spec spec;
    struct container_map_conflict conflict;
    const char *remote = NULL;
    bool ids_given = false;
    struct in6_addr ip;
    int error;

    if (!container_map_cmd_parse_ip(cmd->argv[2], &ip, &cmd->out)
        || !container_map_cmd_parse_mac(cmd->argv[3], &spec.mac, &cmd->out)
        || !container_map_cmd_parse_ofport(cmd->ofproto, cmd->argv[4],
                                           &spec.ofport, &cmd->out)) {
        return false;
    }
    for (int i = 5; i < cmd->argc; i++) {
        const char *arg = cmd->argv[i];
        bool ok;

        if (!strncmp(arg, "ports=", 6)) {
            ok = container_map_cmd_parse_range(arg, "ports", 1, &r.port_min,
                                               &r.port_max, &cmd->out);
            if (!ids_given) {
                r.id_min = r.port_min;
                r.id_max = r.port_max;
            }
        } else if (!strncmp(arg, "ids=", 4)) {
            ok = container_map_cmd_parse_range(arg, "ids", 0, &r.id_min,
                                               &r.id_max, &cmd->out);
            ids_given = true;
        } else if (!strncmp(arg, "remote=", 7)) {
            remote = arg;
            ok = true;
        } else {
            ds_put_format(&cmd->out, "%s: unknown argument (expected "
                          "ports=LOW-HIGH, ids=LOW-HIGH or remote=IP)", arg);
            ok = false;
        }
        if (!ok) {
            return false;
        }
    }
    if (!container_map_cmd_parse_backend(cmd->ofproto, cmd->argv[3],
                                         cmd->argv[4], remote, &spec,
                                         &cmd->out)) {
        return false;
    }

    error = container_map_reserve(container_map_global(), cmd->table_id, &ip,
                                  &spec, &r, &conflict);
    if (error) {
        ds_put_format(&cmd->out, "%s: ", cmd->argv[1]);
        container_map_cmd_format_ip(&cmd->out, &ip);
        if (error == EEXIST) {
            ds_put_format(&cmd->out, ": ports %"PRIu16"-%"PRIu16" or ICMP "
                          "ids %"PRIu16"-%"PRIu16" overlap the reservation "
                          "of "ETH_ADDR_FMT, r.port_min, r.port_max, r.id_min,
                          r.id_max, ETH_ADDR_ARGS(conflict.mac));
        } else if (error == EADDRINUSE) {
            ds_put_format(&cmd->out, ": ports %"PRIu16"-%"PRIu16" include "
                          "port %"PRIu16", mapped to "ETH_ADDR_FMT,
                          r.port_min, r.port_max, conflict.port,
                          ETH_ADDR_ARGS(conflict.mac));
        } else {
            ds_put_format(&cmd->out, ": %s", ovs_strerror(error));
        }
        return false;
    }
    container_map_compile_backends(cmd->ofproto, false);
    container_map_cmd_note_resv(cmd, &ip, spec.mac);

    ds_put_cstr(&cmd->out, "reserved ");
    container_map_cmd_format_ip(&cmd->out, &ip);
    ds_put_cstr(&cmd->out, " for ");
    container_map_cmd_format_backend(&cmd->out, NULL, &spec);
    ds_put_format(&cmd->out, ": ports %"PRIu16"-%"PRIu16", ICMP ids "
                  "%"PRIu16"-%"PRIu16, r.port_min, r.port_max, r.id_min,
                  r.id_max);
    cmd->changed = true;
    return true;
}

/* container-map/unreserve BRIDGE IP MAC */
static bool
cmd_unreserve(struct container_map_cmd *cmd)
{
    struct eth_addr mac;
    struct in6_addr ip;

    if (!container_map_cmd_parse_ip(cmd->argv[2], &ip, &cmd->out)
        || !container_map_cmd_parse_mac(cmd->argv[3], &mac, &cmd->out)) {
        return false;
    }
    if (container_map_unreserve(container_map_global(), cmd->table_id, &ip,
                                mac)) {
        ds_put_format(&cmd->out, "%s: no reservation of ", cmd->argv[1]);
        container_map_cmd_format_ip(&cmd->out, &ip);
        ds_put_format(&cmd->out, " for "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
        return false;
    }

    container_map_cmd_note_resv(cmd, &ip, mac);
    ds_put_cstr(&cmd->out, "unreserved ");
    container_map_cmd_format_ip(&cmd->out, &ip);
    ds_put_format(&cmd->out, " for "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    cmd->changed = true;
    return true;
}

static const struct container_map_cmd_def defs[] = {
    { "reserve", "BRIDGE IP MAC OFPORT [ports=LO-HI] [ids=LO-HI] "
      "[remote=IP]", 4, 7, CM_CMD_BRIDGE, cmd_reserve,
      true },
    { "unreserve", "BRIDGE IP MAC", 3, 3, CM_CMD_BRIDGE, cmd_unreserve,
      true },
};

void
container_map_cmd_register_resvs(void)
{
    container_map_cmd_register_defs(defs, ARRAY_SIZE(defs));
}
