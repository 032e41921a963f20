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

/* Translation of the container_map OpenFlow action into the datapath action
 * (container_map_xlate(), called by ofproto/ofproto-dpif-xlate.c), and what
 * "ofproto/trace" says of it.  The datapath action carries only the
 * bridge's table number and looks the rest up per packet, so translation
 * reads no field of the flow: the megaflow never matches what the action
 * looks up. */

#include <config.h>

#include "container-map-ofproto.h"

#include <netinet/icmp6.h>

#include "container-map-cmd.h"
#include "container-map-odp.h"
#include "container-map-packet.h"
#include "container-map-view.h"
#include "coverage.h"
#include "flow.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-trace.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_xlate);

COVERAGE_DEFINE(container_map_xlate);
COVERAGE_DEFINE(container_map_xlate_unsupported);

/* Tracing. */

static const char *
trace_miss(const struct ofpact_container_map *cm)
{
    return (cm->miss == CONTAINER_MAP_MISS_CONTINUE
            ? "passed on to the next actions" : "dropped");
}

static void
trace_report(struct ovs_list *trace, struct ds *s)
{
    oftrace_report(trace, OFT_DETAIL, ds_cstr(s));
    ds_clear(s);
}

static void
trace_flow_ips(const struct flow *flow, struct in6_addr *src,
               struct in6_addr *dst)
{
    if (flow->dl_type == htons(ETH_TYPE_IP)
        || flow->dl_type == htons(ETH_TYPE_ARP)) {
        in6_addr_set_mapped_ipv4(src, flow->nw_src);
        in6_addr_set_mapped_ipv4(dst, flow->nw_dst);
    } else {
        *src = flow->ipv6_src;
        *dst = flow->ipv6_dst;
    }
}

static bool
is_ip(const struct flow *flow)
{
    return (flow->dl_type == htons(ETH_TYPE_IP)
            || flow->dl_type == htons(ETH_TYPE_IPV6));
}

/* Reports the connection entry of 'flow' (the container is the source if
 * 'egress', else the destination), if any.  Returns true if there is one. */
static bool
trace_conn(const struct flow *flow, uint32_t table_id, bool egress,
           struct ovs_list *trace, struct ds *s)
{
    struct container_map_conn_view conn;
    struct in6_addr src, dst;

    trace_flow_ips(flow, &src, &dst);
    if (!container_map_get_conn(container_map_global(), table_id,
                                flow->nw_proto, egress ? &src : &dst,
                                egress ? flow->tp_src : flow->tp_dst,
                                egress ? &dst : &src,
                                egress ? flow->tp_dst : flow->tp_src,
                                &conn)) {
        return false;
    }
    ds_put_format(s, "container_map: connection entry (%s, %s) -> "
                  "container "ETH_ADDR_FMT" on port %"PRIu16,
                  conn.inbound ? "inbound" : "outbound", conn.state,
                  ETH_ADDR_ARGS(conn.backend.mac),
                  ofp_to_u16(conn.backend.ofport));
    trace_report(trace, s);
    return true;
}

static void
trace_egress(const struct flow *flow, uint32_t table_id,
             const struct ofpact_container_map *cm, struct ovs_list *trace)
{
    struct container_map_resv_view r;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct in6_addr src, dst;

    ds_put_format(&s, "container_map(egress): table %"PRIu32": ", table_id);
    if (flow->dl_type == htons(ETH_TYPE_ARP)) {
        ds_put_cstr(&s, "ARP from a container: requests for mapped IPs are "
                    "answered by the switch, replies and announcements for "
                    "mapped IPs are dropped, others pass");
        trace_report(trace, &s);
    } else if (is_nd(flow, NULL)) {
        ds_put_cstr(&s, "neighbour discovery from a container: "
                    "solicitations for mapped IPs are answered by the "
                    "switch, advertisements of them, duplicate address "
                    "detection for them, router advertisements and "
                    "redirects are dropped, others pass");
        trace_report(trace, &s);
    } else if (is_ip(flow) && container_map_is_ports_proto(flow->nw_proto)) {
        trace_flow_ips(flow, &src, &dst);
        ds_put_format(&s, "source "ETH_ADDR_FMT" ",
                      ETH_ADDR_ARGS(flow->dl_src));
        container_map_cmd_format_ip(&s, &src);
        if (!container_map_get_resv(container_map_global(), table_id, &src,
                                    flow->dl_src, &r)) {
            ds_put_format(&s, ": no reservation, %s", trace_miss(cm));
        } else {
            ds_put_format(&s, " port %"PRIu16": reserved ports "
                          "%"PRIu16"-%"PRIu16", ", ntohs(flow->tp_src),
                          r.ranges.port_min, r.ranges.port_max);
            ds_put_cstr(&s, "the connection is recorded (unless the port "
                        "is out of range or taken) and the packet passes");
        }
        trace_report(trace, &s);
        trace_conn(flow, table_id, true, trace, &s);
    } else {
        ds_put_cstr(&s, "ICMP echo requests are recorded like connections, "
                    "other packets pass");
        trace_report(trace, &s);
    }
    ds_destroy(&s);
}

static void
trace_mapping(const struct container_map_mapping_view *m,
              struct ovs_list *trace, struct ds *s)
{
    if (m->n_backends > 1) {
        ds_put_format(s, "%"PRIu32" backends, one chosen per new connection "
                      "by rendezvous hashing of the 5-tuple and kept in a "
                      "connection entry", m->n_backends);
        trace_report(trace, s);
    }
    for (uint32_t i = 0; i < m->n_backends; i++) {
        const struct container_map_backend_view *b = &m->backends[i];

        if (m->n_backends > 1) {
            ds_put_cstr(s, "  backend: ");
        }
        ds_put_format(s, "container "ETH_ADDR_FMT" on port %"PRIu16"%s",
                      ETH_ADDR_ARGS(b->spec.mac), ofp_to_u16(b->spec.ofport),
                      b->drained ? " (drained)" : "");
        if (b->actions) {
            ds_put_cstr(s, ", datapath actions: ");
            container_map_actions_format(s, b->actions);
        } else {
            ds_put_cstr(s, ", unreachable: dropped");
        }
        trace_report(trace, s);
    }
}

static void
trace_lookup(const struct flow *flow, uint32_t table_id,
             const struct ofpact_container_map *cm, struct ovs_list *trace)
{
    struct container_map *map = container_map_global();
    struct container_map_mapping_view *m;
    struct container_map_resv_view r;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct container_map_key key;
    struct in6_addr src, ip;
    bool l4;

    trace_flow_ips(flow, &src, &ip);
    l4 = (is_ip(flow) && !(flow->nw_frag & FLOW_NW_FRAG_LATER)
          && container_map_is_ports_proto(flow->nw_proto) && flow->tp_dst);

    ds_put_format(&s, "container_map: table %"PRIu32": ", table_id);
    if (is_nd(flow, NULL)) {
        struct container_map_addr_view addr;
        bool mapped = container_map_get_addr(map, table_id, &flow->nd_target,
                                             &addr);

        ds_put_format(&s, "neighbour %s for ",
                      (flow->tp_src == htons(ND_NEIGHBOR_SOLICIT)
                       ? "solicitation" : "advertisement"));
        container_map_cmd_format_ip(&s, &flow->nd_target);
        ds_put_format(&s, " (%s): solicitations for mapped IPs are "
                      "answered, advertisements of them dropped, answers "
                      "to a container's solicitation go to it (by its "
                      "reservation); anything else is %s",
                      mapped ? "mapped" : "not mapped", trace_miss(cm));
        trace_report(trace, &s);
    } else if (flow->dl_type == htons(ETH_TYPE_ARP)
        || (is_ip(flow) && (flow->nw_proto == IPPROTO_ICMP
                            || flow->nw_proto == IPPROTO_ICMPV6))) {
        struct container_map_addr_view addr;
        bool mapped = container_map_get_addr(map, table_id, &ip, &addr);

        ds_put_format(&s, "%s for ", flow->dl_type == htons(ETH_TYPE_ARP)
                      ? "ARP" : "ICMP");
        container_map_cmd_format_ip(&s, &ip);
        ds_put_format(&s, " (%s): requests for mapped IPs are answered, "
                      "echo replies and errors go to the container of their "
                      "connection", mapped ? "mapped" : "not mapped");
        trace_report(trace, &s);
    } else if (is_ip(flow) && flow->nw_frag & FLOW_NW_FRAG_LATER) {
        ds_put_cstr(&s, "a later fragment to ");
        container_map_cmd_format_ip(&s, &ip);
        ds_put_cstr(&s, ": goes where the first fragment of its datagram "
                    "(same source, destination, protocol and id) went, by "
                    "the first's ports; one from outside that comes first "
                    "waits for it briefly, one from a container that comes "
                    "first is dropped (frag_followed, frag_held, "
                    "frag_unfollowed)");
        trace_report(trace, &s);
    } else if (!l4) {
        ds_put_format(&s, "not an IPv4/IPv6 TCP, UDP or SCTP packet with "
                      "ports: %s", trace_miss(cm));
        trace_report(trace, &s);
    } else {
        ds_clear(&s);
        if (!trace_conn(flow, table_id, false, trace, &s)) {
            container_map_key_init(&key, table_id, &ip, flow->nw_proto,
                                   flow->tp_dst);
            ds_put_format(&s, "container_map: table %"PRIu32": lookup %s ",
                          table_id,
                          container_map_cmd_proto_name(flow->nw_proto));
            container_map_cmd_format_ip(&s, &ip);
            ds_put_format(&s, " port %"PRIu16": ", ntohs(flow->tp_dst));

            m = xmalloc(sizeof *m);
            if (container_map_get_mapping(map, &key, m)) {
                trace_mapping(m, trace, &s);
            } else if (container_map_get_port_owner(map, table_id, &ip,
                                                    ntohs(flow->tp_dst),
                                                    false, &r)) {
                ds_put_format(&s, "no mapping; in the source port range "
                              "%"PRIu16"-%"PRIu16" of container "ETH_ADDR_FMT
                              " on port %"PRIu16", delivered there",
                              r.ranges.port_min, r.ranges.port_max,
                              ETH_ADDR_ARGS(r.backend.mac),
                              ofp_to_u16(r.backend.ofport));
                trace_report(trace, &s);
            } else {
                ds_put_format(&s, "no mapping, %s", trace_miss(cm));
                trace_report(trace, &s);
            }
            free(m);
        }
    }
    ds_destroy(&s);
}

/* Translation. */

void
container_map_xlate(const struct ofpact_container_map *cm,
                    const struct ofproto_dpif *ofproto, bool supported,
                    const struct flow *flow, struct ofpbuf *odp_actions,
                    struct ovs_list *trace)
{
    uint32_t table_id;

    COVERAGE_INC(container_map_xlate);
    if (!supported) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        COVERAGE_INC(container_map_xlate_unsupported);
        VLOG_WARN_RL(&rl, "%s: datapath type \"%s\" does not support the "
                     "container_map action (it needs the userspace "
                     "datapath, datapath_type=netdev); packets are dropped",
                     ofproto->up.name, ofproto->up.type);
        if (trace) {
            oftrace_report(trace, OFT_WARN, "container_map: not supported by "
                           "this datapath (needs datapath_type=netdev), "
                           "dropped");
        }
        return;
    }

    table_id = container_map_bridge_table_id(ofproto->up.name, true);
    if (table_id == UINT32_MAX) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        VLOG_WARN_RL(&rl, "%s: no container map table left (at most %d "
                     "bridges); packets are dropped", ofproto->up.name,
                     CONTAINER_MAP_MAX_TABLES - 1);
        return;
    }

    if (trace) {
        if (cm->egress) {
            trace_egress(flow, table_id, cm, trace);
        } else {
            trace_lookup(flow, table_id, cm, trace);
        }
    }
    container_map_put_odp_action(odp_actions, table_id,
                                 (cm->miss == CONTAINER_MAP_MISS_CONTINUE
                                  ? OVS_CONTAINER_MAP_MISS_CONTINUE
                                  : OVS_CONTAINER_MAP_MISS_DROP),
                                 cm->egress);
}
