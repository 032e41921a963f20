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

/* The ARP and ICMP commands: container-map/echo, set-mac and announce
 * (container-map-cmd.h). */

#include <config.h>

#include "container-map-cmd.h"

#include <string.h>

#include "container-map-ofproto.h"
#include "container-map-view.h"
#include "dp-packet.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "packets.h"
#include "util.h"

/* container-map/echo BRIDGE IP switch|off|MAC */
static bool
cmd_echo(struct container_map_cmd *cmd)
{
    struct container_map *map = container_map_global();
    enum container_map_echo echo = CONTAINER_MAP_ECHO_CONTAINER;
    struct container_map_addr_view addr;
    const char *how = cmd->argv[3];
    struct eth_addr mac;
    struct in6_addr ip;

    if (!container_map_cmd_parse_ip(cmd->argv[2], &ip, &cmd->out)) {
        return false;
    }
    if (!strcmp(how, "switch")) {
        echo = CONTAINER_MAP_ECHO_SWITCH;
    } else if (!strcmp(how, "off")) {
        echo = CONTAINER_MAP_ECHO_OFF;
    } else if (!eth_addr_from_string(how, &mac) || eth_addr_is_zero(mac)
               || eth_addr_is_multicast(mac)) {
        ds_put_format(&cmd->out, "%s: expected \"switch\", \"off\" or the "
                      "MAC of a container with a reservation on the IP", how);
        return false;
    }
    if (container_map_set_echo(map, cmd->table_id, &ip, echo, &mac)) {
        ds_put_format(&cmd->out, "%s: ", cmd->argv[1]);
        container_map_cmd_format_ip(&cmd->out, &ip);
        if (!container_map_get_addr(map, cmd->table_id, &ip, &addr)) {
            ds_put_cstr(&cmd->out, " has no mappings or reservations");
        } else {
            ds_put_format(&cmd->out, " is not reserved for "ETH_ADDR_FMT,
                          ETH_ADDR_ARGS(mac));
        }
        return false;
    }

    container_map_cmd_note_addr(cmd, &ip);
    ds_put_cstr(&cmd->out, "echo requests to ");
    container_map_cmd_format_ip(&cmd->out, &ip);
    if (echo == CONTAINER_MAP_ECHO_CONTAINER) {
        ds_put_format(&cmd->out, ": delivered to "ETH_ADDR_FMT,
                      ETH_ADDR_ARGS(mac));
    } else {
        ds_put_format(&cmd->out, ": %s", echo == CONTAINER_MAP_ECHO_SWITCH
                      ? "answered by the switch" : "dropped");
    }
    cmd->changed = true;
    return true;
}

/* container-map/set-mac BRIDGE MAC|default */
static bool
cmd_set_mac(struct container_map_cmd *cmd)
{
    bool dflt = !strcmp(cmd->argv[2], "default");
    struct eth_addr mac;

    if (!dflt && !container_map_cmd_parse_mac(cmd->argv[2], &mac,
                                              &cmd->out)) {
        return false;
    }
    container_map_bridge_set_mac(cmd->ofproto->up.name, cmd->table_id,
                                 dflt ? NULL : &mac);
    container_map_cmd_note_mac(cmd, dflt ? NULL : &mac);
    if (dflt) {
        ds_put_cstr(&cmd->out, "ARP and ICMP replies come from the bridge's "
                    "MAC");
    } else {
        ds_put_format(&cmd->out, "ARP and ICMP replies come from "
                      ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    }
    cmd->changed = true;
    return true;
}

/* container-map/announce BRIDGE OFPORT: a gratuitous ARP for every mapped
 * IPv4 address of the bridge, and an unsolicited neighbour advertisement
 * (overriding, to all nodes) for every mapped IPv6 address, from the
 * bridge's ARP MAC, out of OFPORT.
 * After container-map/set-mac, or after moving addresses to this host, it
 * updates the neighbours at once instead of when their entries expire. */
struct announce_aux {
    struct ofport_dpif *port;
    struct eth_addr mac;
    size_t n;
};

static void
announce_addr(const struct container_map_addr_view *addr, void *aux_)
{
    struct announce_aux *aux = aux_;

    if (IN6_IS_ADDR_V4MAPPED(&addr->ip)) {
        ovs_be32 ip = in6_addr_get_mapped_ipv4(&addr->ip);
        struct dp_packet packet;

        dp_packet_init(&packet, 0);
        compose_arp(&packet, ARP_OP_REQUEST, aux->mac, eth_addr_zero, true,
                    ip, ip);
        ofproto_dpif_send_packet(aux->port, false, &packet);
        dp_packet_uninit(&packet);
        aux->n++;
    } else {
        struct eth_addr all_nodes;
        struct dp_packet packet;

        ipv6_multicast_to_ethernet(&all_nodes, &in6addr_all_hosts);
        dp_packet_init(&packet, 0);
        compose_nd_na(&packet, aux->mac, all_nodes, &addr->ip,
                      &in6addr_all_hosts, htonl(ND_RSO_OVERRIDE));
        ofproto_dpif_send_packet(aux->port, false, &packet);
        dp_packet_uninit(&packet);
        aux->n++;
    }
}

static bool
cmd_announce(struct container_map_cmd *cmd)
{
    struct container_map *map = container_map_global();
    struct announce_aux aux = { .n = 0 };
    ofp_port_t ofport;

    if (!container_map_cmd_parse_ofport(cmd->ofproto, cmd->argv[2], &ofport,
                                        &cmd->out)) {
        return false;
    }
    aux.mac = container_map_get_mac(map, cmd->table_id);
    aux.port = ofp_port_to_ofport(cmd->ofproto, ofport);
    if (eth_addr_is_zero(aux.mac) || !aux.port) {
        ds_put_format(&cmd->out, "%s: no MAC to announce from yet (see "
                      "container-map/set-mac)", cmd->argv[1]);
        return false;
    }
    container_map_for_each_addr(map, cmd->table_id, announce_addr, &aux);

    ds_put_format(&cmd->out, "announced %"PRIuSIZE" address%s at "
                  ETH_ADDR_FMT" on port %"PRIu16, aux.n,
                  aux.n == 1 ? "" : "es", ETH_ADDR_ARGS(aux.mac),
                  ofp_to_u16(ofport));
    cmd->changed = true;
    return true;
}

static const struct container_map_cmd_def defs[] = {
    { "echo", "BRIDGE IP switch|off|MAC", 3, 3, CM_CMD_BRIDGE, cmd_echo,
      true },
    { "set-mac", "BRIDGE MAC|default", 2, 2, CM_CMD_BRIDGE,
      cmd_set_mac, true },
    { "announce", "BRIDGE OFPORT", 2, 2, CM_CMD_BRIDGE, cmd_announce, false },
};

void
container_map_cmd_register_arp(void)
{
    container_map_cmd_register_defs(defs, ARRAY_SIZE(defs));
}
