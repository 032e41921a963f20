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

/* A bridge's pipeline flows, kept in the Container_Map database
 * (Bridge.flows) and installed by ovs-vswitchd itself whenever the bridge
 * appears (a start, a crash and restart) or the column changes, so that the
 * flows that lead packets to container_map come back with the map and
 * before forwarding starts.  They carry CONTAINER_MAP_FLOW_COOKIE, which is
 * how they are told from the operator's or a controller's own flows.
 *
 * Also the command that sets them, container-map/set-flows BRIDGE FILE. */

#include <config.h>

#include "container-map-db-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "container-map-cmd.h"
#include "hash.h"
#include "netdev.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_db_flows);

#define FLOW_COOKIE "0x636d000000000000"
#define MAX_FLOWS 4096
#define MAX_FLOW_LEN 1024

/* What each bridge has installed: the hash of its flows. */
static struct shash installed = SHASH_INITIALIZER(&installed);

static void
port_map_init(struct ofproto_dpif *ofproto, struct ofputil_port_map *map)
{
    struct ofport *port;

    ofputil_port_map_init(map);
    HMAP_FOR_EACH (port, hmap_node, &ofproto->up.ports) {
        ofputil_port_map_put(map, port->ofp_port,
                             netdev_get_name(port->netdev));
    }
}

/* Parses 'flow' for 'command' on 'ofproto'.  Returns NULL, or an error that
 * the caller frees. */
static char *
parse_flow(struct ofproto_dpif *ofproto, const char *flow, int command,
           struct ofputil_flow_mod *fm)
{
    enum ofputil_protocol usable;
    struct ofputil_port_map map;
    char *error;

    port_map_init(ofproto, &map);
    error = parse_ofp_flow_mod_str(fm, flow, &map, NULL, command, &usable);
    ofputil_port_map_destroy(&map);
    return error;
}

static void
flow_mod_uninit(struct ofputil_flow_mod *fm)
{
    minimatch_destroy(&fm->match);
    free(CONST_CAST(struct ofpact *, fm->ofpacts));
}

/* Checks 'flow' as a flow of 'ofproto''s pipeline. */
static bool
check_flow(struct ofproto_dpif *ofproto, const char *flow, struct ds *err)
{
    struct ofputil_flow_mod fm;
    char *error;

    if (strstr(flow, "cookie")) {
        ds_put_cstr(err, "a pipeline flow takes no cookie (it gets "
                    FLOW_COOKIE ")");
        return false;
    }
    error = parse_flow(ofproto, flow, OFPFC_ADD, &fm);
    if (error) {
        ds_put_cstr(err, error);
        free(error);
        return false;
    }
    flow_mod_uninit(&fm);
    return true;
}

static uint32_t
hash_flows(char **flows, size_t n)
{
    uint32_t hash = hash_int(n, 0);

    for (size_t i = 0; i < n; i++) {
        hash = hash_string(flows[i], hash);
    }
    return hash;
}

/* Installs 'flows' (one flow each, in ovs-ofctl's syntax) in 'ofproto' in
 * place of the pipeline flows it had, unless it has these already.  A flow
 * that does not parse or that the bridge refuses is skipped and reported in
 * 'err'; returns false if any was. */
bool
container_map_db_install_flows(struct ofproto_dpif *ofproto, char **flows,
                               size_t n, struct ds *err)
{
    const char *name = ofproto->up.name;
    uint32_t hash = hash_flows(flows, n);
    struct ofputil_flow_mod fm;
    uint32_t *have = shash_find_data(&installed, name);
    bool ok = true;
    char *error;

    if (have && *have == hash) {
        return true;
    }
    error = parse_flow(ofproto, "cookie=" FLOW_COOKIE "/-1", OFPFC_DELETE,
                       &fm);
    ovs_assert(!error);
    ofproto_flow_mod(&ofproto->up, &fm);
    flow_mod_uninit(&fm);

    for (size_t i = 0; i < n; i++) {
        char *flow = xasprintf("cookie=%s,%s", FLOW_COOKIE, flows[i]);
        enum ofperr ofperr;

        error = strstr(flows[i], "cookie") ? xstrdup("has a cookie")
                : parse_flow(ofproto, flow, OFPFC_ADD, &fm);
        free(flow);
        if (error) {
            ds_put_format(err, "%s%s: %s", ok ? "" : "; ", flows[i], error);
            free(error);
            ok = false;
            continue;
        }
        ofperr = ofproto_flow_mod(&ofproto->up, &fm);
        flow_mod_uninit(&fm);
        if (ofperr) {
            ds_put_format(err, "%s%s: %s", ok ? "" : "; ", flows[i],
                          ofperr_to_string(ofperr));
            ok = false;
        }
    }
    if (!have) {
        have = xmalloc(sizeof *have);
        shash_add(&installed, name, have);
    }
    *have = hash;
    VLOG_INFO("%s: installed %"PRIuSIZE" pipeline flows", name, n);
    return ok;
}

/* The bridge 'name' is new: whatever it had installed went with the old
 * one. */
void
container_map_db_forget_flows(const char *name)
{
    free(shash_find_and_delete(&installed, name));
}

/* container-map/set-flows BRIDGE FILE: FILE has one flow per line (blank
 * lines and lines starting with '#' skipped), checked all first. */
static bool
cmd_set_flows(struct container_map_cmd *cmd)
{
    const char *file_name = cmd->argv[2];
    struct ds line = DS_EMPTY_INITIALIZER;
    char **flows = NULL;
    size_t n = 0, allocated = 0;
    int line_number = 0;
    bool ok = true;
    FILE *stream;

    stream = fopen(file_name, "r");
    if (!stream) {
        ds_put_format(&cmd->out, "%s: %s", file_name, ovs_strerror(errno));
        return false;
    }
    while (ok && !ds_get_line(&line, stream)) {
        const char *s = ds_cstr(&line);

        line_number++;
        s += strspn(s, " \t");
        if (!*s || *s == '#') {
            continue;
        }
        if (n >= MAX_FLOWS || strlen(s) > MAX_FLOW_LEN) {
            ds_put_format(&cmd->out, "%s:%d: more than %d flows or a line "
                          "longer than %d bytes", file_name, line_number,
                          MAX_FLOWS, MAX_FLOW_LEN);
            ok = false;
            break;
        }
        ds_put_format(&cmd->out, "%s:%d: ", file_name, line_number);
        if (!check_flow(cmd->ofproto, s, &cmd->out)) {
            ok = false;
            break;
        }
        ds_clear(&cmd->out);
        if (n >= allocated) {
            flows = x2nrealloc(flows, &allocated, sizeof *flows);
        }
        flows[n++] = xstrdup(s);
    }
    fclose(stream);
    ds_destroy(&line);

    if (ok) {
        ok = container_map_db_install_flows(cmd->ofproto, flows, n,
                                            &cmd->out);
    }
    if (ok) {
        container_map_cmd_note_flows(cmd, flows, n);
        ds_put_format(&cmd->out, "%"PRIuSIZE" pipeline flow%s (cookie "
                      FLOW_COOKIE ")", n, n == 1 ? "" : "s");
        cmd->changed = true;
    }
    for (size_t i = 0; i < n; i++) {
        free(flows[i]);
    }
    free(flows);
    return ok;
}

static const struct container_map_cmd_def defs[] = {
    { "set-flows", "BRIDGE FILE", 2, 2, CM_CMD_BRIDGE, cmd_set_flows, true },
};

void
container_map_db_flows_register(void)
{
    container_map_cmd_register_defs(defs, ARRAY_SIZE(defs));
}
