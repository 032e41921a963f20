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

#include <config.h>

#include "container-map-ofproto.h"

#include "container-map-conn.h"
#include "container-map-dp.h"
#include "container-map-resv.h"
#include "container-map-table.h"
#include "coverage.h"
#include "dpif-netdev.h"
#include "flow.h"
#include "netdev.h"
#include "netlink.h"
#include "odp-util.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-trace.h"
#include "ofproto/ofproto-dpif-xlate.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_xlate);

COVERAGE_DEFINE(container_map_xlate);
COVERAGE_DEFINE(container_map_xlate_unsupported);
COVERAGE_DEFINE(container_map_backend_compile);

/* Bridge name -> table number.  All bridges of the userspace datapath share
 * one datapath, so the datapath action names the table.  Numbers are kept for
 * the life of the process, so a bridge that is deleted and added again gets
 * its old number back. */
struct container_map_bridge {
    struct hmap_node node;          /* In 'bridges'. */
    char *name;
    uint32_t table_id;
    uint64_t tnl_seq;               /* tnl_conf_seq when last compiled. */
    uint64_t reconf_seq;            /* 'reconf_seq' when last compiled. */
    bool mac_configured;            /* MAC set by container-map/set-mac. */
};

static struct ovs_mutex bridges_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap bridges OVS_GUARDED_BY(bridges_mutex)
    = HMAP_INITIALIZER(&bridges);
static uint32_t next_table_id OVS_GUARDED_BY(bridges_mutex) = 1;

/* Incremented whenever ofproto-dpif reconfigures its translation state
 * (ports added, removed or changed, ...).  Main thread only. */
static uint64_t reconf_seq = 1;

static struct container_map_bridge *
bridge_find(const char *name)
    OVS_REQUIRES(bridges_mutex)
{
    struct container_map_bridge *br;

    HMAP_FOR_EACH_WITH_HASH (br, node, hash_string(name, 0), &bridges) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

static struct container_map_bridge *
bridge_find_or_create(const char *name)
    OVS_REQUIRES(bridges_mutex)
{
    struct container_map_bridge *br = bridge_find(name);

    if (!br && next_table_id < CONTAINER_MAP_MAX_TABLES) {
        br = xzalloc(sizeof *br);
        br->name = xstrdup(name);
        br->table_id = next_table_id++;
        hmap_insert(&bridges, &br->node, hash_string(name, 0));
    }
    return br;
}

/* Returns the table number of bridge 'br_name', giving it one if it has none
 * yet, or UINT32_MAX if all CONTAINER_MAP_MAX_TABLES numbers are taken. */
uint32_t
container_map_bridge_table_id(const char *br_name)
{
    struct container_map_bridge *br;
    uint32_t table_id;

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find_or_create(br_name);
    table_id = br ? br->table_id : UINT32_MAX;
    ovs_mutex_unlock(&bridges_mutex);
    return table_id;
}

bool
container_map_bridge_lookup_table_id(const char *br_name, uint32_t *table_id)
{
    struct container_map_bridge *br;

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find(br_name);
    if (br) {
        *table_id = br->table_id;
    }
    ovs_mutex_unlock(&bridges_mutex);
    return br != NULL;
}

/* Backend compilation: the datapath actions that deliver a packet to a
 * backend are what ofproto-dpif itself makes of "set_field:MAC->eth_dst,
 * output:PORT" on the backend's bridge.  This takes care of local ports and
 * of tunnel ports (native tunneling) alike, outside the fast path. */

static bool
odp_actions_deliver(const struct ofpbuf *odp_actions)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, odp_actions->data, odp_actions->size) {
        enum ovs_action_attr type = nl_attr_type(a);

        if (type != OVS_ACTION_ATTR_SET && type != OVS_ACTION_ATTR_SET_MASKED
            && type != OVS_ACTION_ATTR_DROP) {
            return true;
        }
    }
    return false;
}

struct compile_aux {
    struct ofproto_dpif *ofproto;
    struct container_map_table *table;
    bool all;
};

static void
compile_backend(struct container_map_backend *b, void *aux_)
{
    struct compile_aux *aux = aux_;
    uint64_t ofpacts_stub[64 / 8];
    uint64_t odp_stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(ofpacts_stub);
    struct ofpbuf odp_actions = OFPBUF_STUB_INITIALIZER(odp_stub);
    struct xlate_out xout;
    struct xlate_in xin;
    struct flow flow;

    if (!aux->all
        && ovsrcu_get_protected(struct container_map_actions *,
                                &b->actions)) {
        return;
    }
    COVERAGE_INC(container_map_backend_compile);

    ofpact_put_set_field(&ofpacts, mf_from_id(MFF_ETH_DST), &b->mac, NULL);
    if (!ipv6_addr_equals(&b->tun_dst, &in6addr_any)) {
        /* A flow-based tunnel port: the host the container lives on. */
        if (IN6_IS_ADDR_V4MAPPED(&b->tun_dst)) {
            ovs_be32 ip4 = in6_addr_get_mapped_ipv4(&b->tun_dst);

            ofpact_put_set_field(&ofpacts, mf_from_id(MFF_TUN_DST), &ip4,
                                 NULL);
        } else {
            ofpact_put_set_field(&ofpacts, mf_from_id(MFF_TUN_IPV6_DST),
                                 &b->tun_dst, NULL);
        }
    }
    ofpact_put_OUTPUT(&ofpacts)->port = b->ofport;

    memset(&flow, 0, sizeof flow);
    flow.in_port.ofp_port = OFPP_NONE;
    flow.dl_type = htons(ETH_TYPE_IP);

    xlate_in_init(&xin, aux->ofproto,
                  ofproto_dpif_get_tables_version(aux->ofproto), &flow,
                  OFPP_NONE, NULL, 0, NULL, NULL, &odp_actions);
    xin.ofpacts = ofpacts.data;
    xin.ofpacts_len = ofpacts.size;

    if (xlate_actions(&xin, &xout) == XLATE_OK
        && odp_actions_deliver(&odp_actions)) {
        container_map_table_set_backend_actions(aux->table, b,
                                                odp_actions.data,
                                                odp_actions.size);
    } else {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        VLOG_WARN_RL(&rl, "%s: container "ETH_ADDR_FMT" on port %"PRIu16
                     " is unreachable (no datapath output for it%s); packets "
                     "mapped to it are dropped until it is",
                     aux->ofproto->up.name, ETH_ADDR_ARGS(b->mac),
                     ofp_to_u16(b->ofport),
                     ipv6_addr_equals(&b->tun_dst, &in6addr_any)
                     ? "" : ", the tunnel route or neighbour may not be "
                            "known yet");
        container_map_table_set_backend_actions(aux->table, b, NULL, 0);
    }
    xlate_out_uninit(&xout);
    ofpbuf_uninit(&odp_actions);
    ofpbuf_uninit(&ofpacts);
}

/* Compiles the backends of 'ofproto''s table: all of them if 'all' is true,
 * otherwise only those without actions (new ones). */
void
container_map_compile_backends(struct ofproto_dpif *ofproto, bool all)
{
    struct compile_aux aux = {
        .ofproto = ofproto,
        .table = container_map_table_global(),
        .all = all,
    };
    uint32_t table_id;

    if (container_map_bridge_lookup_table_id(ofproto->up.name, &table_id)) {
        container_map_table_for_each_backend(aux.table, table_id,
                                             compile_backend, &aux);
    }
}

/* Hooks. */

/* Only the userspace datapath (dpif-netdev, including its "dummy" flavor
 * used by tests) implements OVS_ACTION_ATTR_CONTAINER_MAP.  A probe would not
 * tell: dpif-netdev accepts any action when a flow is installed. */
bool
container_map_dpif_supported(const struct dpif *dpif)
{
    return dpif_is_netdev(dpif);
}

void
container_map_ofproto_reconfigured(void)
{
    reconf_seq++;
}

/* The connection sweeper: a thread that removes expired connection entries
 * about once a second (of OVS time, which "time/warp" moves in tests), and
 * reports a full connection table. */
static void *
sweeper_main(void *arg OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    unsigned long long reported_full = 0;
    long long int next = 0;

    for (;;) {
        long long int now = time_msec();

        if (now >= next) {
            unsigned long long n_full = 0;

            container_map_conn_sweep(table, now);
            for (uint32_t i = 0; i < CONTAINER_MAP_MAX_TABLES; i++) {
                n_full += container_map_table_get_event(
                    table, i, CONTAINER_MAP_EV_CONN_FULL);
            }
            if (n_full > reported_full) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
                struct container_map_conn_settings settings;

                container_map_conn_get_settings(table, &settings);
                VLOG_WARN_RL(&rl, "connection table full (%u entries): %llu "
                             "new connections not recorded since the last "
                             "report (see container-map/conn-set max=N)",
                             settings.max_conns, n_full - reported_full);
            }
            reported_full = n_full;
            next = now + 1000;
        }
        xnanosleep(100 * 1000 * 1000);
    }
    return NULL;
}

/* Sets the MAC that answers ARP and ICMP echo for the bridge's mapped IPs,
 * unless configured, to the bridge's own. */
static void
bridge_default_mac(struct ofproto_dpif *ofproto, uint32_t table_id)
{
    struct container_map_table *table = container_map_table_global();
    struct ofport *local = ofproto_get_port(&ofproto->up, OFPP_LOCAL);
    struct eth_addr mac;

    if (local && !netdev_get_etheraddr(local->netdev, &mac)
        && !eth_addr_equals(mac, container_map_table_get_mac(table,
                                                             table_id))) {
        container_map_table_set_mac(table, table_id, mac);
    }
}

void
container_map_bridge_set_mac(const char *br_name, uint32_t table_id,
                             const struct eth_addr *mac)
{
    struct container_map_bridge *br;

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find(br_name);
    if (br) {
        br->mac_configured = mac != NULL;
    }
    ovs_mutex_unlock(&bridges_mutex);
    if (mac) {
        container_map_table_set_mac(container_map_table_global(), table_id,
                                    *mac);
    }
}

void
container_map_ofproto_run(struct ofproto_dpif *ofproto)
{
    static struct ovsthread_once sweeper_once = OVSTHREAD_ONCE_INITIALIZER;
    uint64_t tnl_seq = seq_read(tnl_conf_seq);
    struct container_map_bridge *br;
    bool default_mac = false;
    uint32_t table_id = 0;
    bool stale = false;

    if (ovsthread_once_start(&sweeper_once)) {
        ovs_thread_create("cm_sweeper", sweeper_main, NULL);
        ovsthread_once_done(&sweeper_once);
    }

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find(ofproto->up.name);
    if (br && (br->tnl_seq != tnl_seq || br->reconf_seq != reconf_seq)) {
        br->tnl_seq = tnl_seq;
        br->reconf_seq = reconf_seq;
        stale = true;
    }
    if (br && !br->mac_configured) {
        default_mac = true;
        table_id = br->table_id;
    }
    ovs_mutex_unlock(&bridges_mutex);

    if (default_mac) {
        bridge_default_mac(ofproto, table_id);
    }

    if (stale) {
        container_map_compile_backends(ofproto, true);
    }
}

void
container_map_ofproto_destroy(struct ofproto_dpif *ofproto)
{
    struct container_map_table *table = container_map_table_global();
    uint32_t table_id;

    if (container_map_bridge_lookup_table_id(ofproto->up.name, &table_id)) {
        size_t n = container_map_table_flush(table, table_id);

        container_map_resv_flush(table, table_id);
        container_map_conn_flush(table, table_id);
        container_map_table_clear_drops(table, table_id);
        if (n) {
            VLOG_INFO("%s: bridge destroyed, flushed %"PRIuSIZE" container "
                      "mappings", ofproto->up.name, n);
        }
    }
}

/* Translation. */

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
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        in6_addr_set_mapped_ipv4(src, flow->nw_src);
        in6_addr_set_mapped_ipv4(dst, flow->nw_dst);
    } else {
        *src = flow->ipv6_src;
        *dst = flow->ipv6_dst;
    }
}

/* Reports the connection entry [local, remote] of 'flow', if any.  Returns
 * true if there is one. */
static bool
trace_conn(const struct flow *flow, uint32_t table_id, bool egress,
           struct ovs_list *trace, struct ds *s)
{
    struct container_map_table *table = container_map_table_global();
    struct container_map_conn_key key;
    const struct container_map_conn *conn;
    struct in6_addr src, dst;

    trace_flow_ips(flow, &src, &dst);
    memset(&key, 0, sizeof key);
    key.table_id = table_id;
    key.proto = flow->nw_proto;
    key.local_ip = egress ? src : dst;
    key.remote_ip = egress ? dst : src;
    key.local_port = egress ? flow->tp_src : flow->tp_dst;
    key.remote_port = egress ? flow->tp_dst : flow->tp_src;
    conn = container_map_conn_lookup(table, &key,
                                     container_map_conn_hash(&key));
    if (conn) {
        ds_put_format(s, "container_map: connection entry (%s, %s) -> "
                      "container "ETH_ADDR_FMT" on port %"PRIu16,
                      conn->kind == CONTAINER_MAP_CONN_INBOUND
                      ? "inbound" : "outbound",
                      container_map_conn_state(conn),
                      ETH_ADDR_ARGS(conn->backend->mac),
                      ofp_to_u16(conn->backend->ofport));
        trace_report(trace, s);
    }
    return conn != NULL;
}

static void
trace_egress(const struct flow *flow, uint32_t table_id,
             const struct ofpact_container_map *cm, struct ovs_list *trace)
{
    struct container_map_table *table = container_map_table_global();
    const struct container_map_resv *r;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct in6_addr src, dst;

    ds_put_format(&s, "container_map(egress): table %"PRIu32": ", table_id);
    if (flow->dl_type == htons(ETH_TYPE_ARP)) {
        ds_put_cstr(&s, "ARP from a container: requests for mapped IPs are "
                    "answered by the switch, replies and announcements for "
                    "mapped IPs are dropped, others pass");
        trace_report(trace, &s);
    } else if ((flow->dl_type == htons(ETH_TYPE_IP)
                || flow->dl_type == htons(ETH_TYPE_IPV6))
               && (flow->nw_proto == IPPROTO_TCP
                   || flow->nw_proto == IPPROTO_UDP
                   || flow->nw_proto == IPPROTO_SCTP)) {
        trace_flow_ips(flow, &src, &dst);
        r = container_map_resv_lookup(table, table_id, &src, flow->dl_src);
        ds_put_format(&s, "source "ETH_ADDR_FMT" ",
                      ETH_ADDR_ARGS(flow->dl_src));
        container_map_format_ip(&s, &src);
        if (!r) {
            ds_put_format(&s, ": no reservation, %s", trace_miss(cm));
        } else {
            ds_put_format(&s, " port %"PRIu16": reserved ports "
                          "%"PRIu16"-%"PRIu16", ", ntohs(flow->tp_src),
                          r->port_min, r->port_max);
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
trace_lookup(const struct flow *flow, uint32_t table_id,
             const struct ofpact_container_map *cm, struct ovs_list *trace)
{
    struct container_map_table *table = container_map_table_global();
    const struct container_map_entry *entry = NULL;
    struct container_map_key key;
    struct in6_addr ip;
    struct ds s = DS_EMPTY_INITIALIZER;
    bool l4 = false;

    if (flow->dl_type == htons(ETH_TYPE_IP)
        || flow->dl_type == htons(ETH_TYPE_ARP)) {
        in6_addr_set_mapped_ipv4(&ip, flow->nw_dst);
        l4 = flow->dl_type == htons(ETH_TYPE_IP);
    } else if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        ip = flow->ipv6_dst;
        l4 = true;
    }
    l4 = l4 && !(flow->nw_frag & FLOW_NW_FRAG_LATER)
         && (flow->nw_proto == IPPROTO_TCP || flow->nw_proto == IPPROTO_UDP
             || flow->nw_proto == IPPROTO_SCTP)
         && flow->tp_dst;

    ds_put_format(&s, "container_map: table %"PRIu32": ", table_id);
    if (flow->dl_type == htons(ETH_TYPE_ARP)
        || ((flow->dl_type == htons(ETH_TYPE_IP)
             || flow->dl_type == htons(ETH_TYPE_IPV6))
            && (flow->nw_proto == IPPROTO_ICMP
                || flow->nw_proto == IPPROTO_ICMPV6))) {
        bool mapped = container_map_addr_lookup(table, table_id, &ip) != NULL;

        ds_put_format(&s, "%s for ", flow->dl_type == htons(ETH_TYPE_ARP)
                      ? "ARP" : "ICMP");
        container_map_format_ip(&s, &ip);
        ds_put_format(&s, " (%s): requests for mapped IPs are answered, "
                      "echo replies and errors go to the container of their "
                      "connection", mapped ? "mapped" : "not mapped");
        oftrace_report(trace, OFT_DETAIL, ds_cstr(&s));
        ds_destroy(&s);
        return;
    }
    if (!l4) {
        ds_put_format(&s, "not an IPv4/IPv6 TCP, UDP or SCTP packet with "
                      "ports: %s",
                      cm->miss == CONTAINER_MAP_MISS_CONTINUE
                      ? "passed on to the next actions" : "dropped");
        oftrace_report(trace, OFT_DETAIL, ds_cstr(&s));
        ds_destroy(&s);
        return;
    }

    ds_clear(&s);
    if (trace_conn(flow, table_id, false, trace, &s)) {
        ds_destroy(&s);
        return;
    }
    ds_put_format(&s, "container_map: table %"PRIu32": ", table_id);
    container_map_key_init(&key, table_id, &ip, flow->nw_proto, flow->tp_dst);
    entry = container_map_table_lookup(table, &key,
                                       container_map_key_hash(&key));
    ds_put_format(&s, "lookup %s ", container_map_proto_name(flow->nw_proto));
    container_map_format_ip(&s, &ip);
    ds_put_format(&s, " port %"PRIu16": ", ntohs(flow->tp_dst));
    if (!entry) {
        ds_put_format(&s, "no mapping, %s",
                      cm->miss == CONTAINER_MAP_MISS_CONTINUE
                      ? "passed on to the next actions" : "dropped");
        oftrace_report(trace, OFT_DETAIL, ds_cstr(&s));
        ds_destroy(&s);
        return;
    }

    if (entry->n_backends > 1) {
        ds_put_format(&s, "%"PRIu32" backends, one chosen per new connection "
                      "by rendezvous hashing of the 5-tuple and kept in a "
                      "connection entry", entry->n_backends);
        oftrace_report(trace, OFT_DETAIL, ds_cstr(&s));
    }
    for (uint32_t i = 0; i < entry->n_backends; i++) {
        const struct container_map_backend *b = entry->backends[i];
        const struct container_map_actions *acts;

        if (entry->n_backends > 1) {
            ds_clear(&s);
            ds_put_cstr(&s, "  backend: ");
        }
        ds_put_format(&s, "container "ETH_ADDR_FMT" on port %"PRIu16"%s",
                      ETH_ADDR_ARGS(b->mac), ofp_to_u16(b->ofport),
                      entry->draining & (UINT64_C(1) << i)
                      ? " (drained)" : "");
        acts = ovsrcu_get(struct container_map_actions *, &b->actions);
        if (acts) {
            ds_put_cstr(&s, ", datapath actions: ");
            format_odp_actions(&s, ALIGNED_CAST(const struct nlattr *,
                                                acts->data),
                               acts->size, NULL);
        } else {
            ds_put_cstr(&s, ", unreachable: dropped");
        }
        oftrace_report(trace, OFT_DETAIL, ds_cstr(&s));
    }
    ds_destroy(&s);
}

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

    table_id = container_map_bridge_table_id(ofproto->up.name);
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
    container_map_put_odp_action(odp_actions, table_id, cm->miss,
                                 cm->egress);
}
