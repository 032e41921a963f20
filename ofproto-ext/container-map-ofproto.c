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

/* The container map in ofproto-dpif: bridges' table numbers, the datapath
 * actions of backends (compiled by translating "set_field:MAC->eth_dst,
 * output:PORT" on the backend's bridge), and the hooks of
 * ofproto/ofproto-dpif.c (container-map-ofproto.h). */

#include <config.h>

#include "container-map-ofproto.h"

#include "container-map.h"
#include "container-map-cmd.h"
#include "container-map-db.h"
#include "container-map-conn.h"
#include "container-map-odp.h"
#include "container-map-view.h"
#include "bitmap.h"
#include "connectivity.h"
#include "coverage.h"
#include "dpif.h"
#include "dpif-netdev.h"
#include "flow.h"
#include "netdev.h"
#include "netdev-vport.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-xlate.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/hmap.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "seq.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map_ofproto);

COVERAGE_DEFINE(container_map_backend_compile);
COVERAGE_DEFINE(container_map_backend_down);
COVERAGE_DEFINE(container_map_backend_up);

/* Bridge name -> table number.  A bridge gets the lowest number that is
 * free when it first needs one, and gives it back when it is destroyed
 * (container_map_ofproto_destroy(), after clearing the table), so that
 * bridges coming and going never run out of numbers. */
struct container_map_bridge {
    struct hmap_node node;          /* In 'bridges'. */
    char *name;
    uint32_t table_id;
    uint64_t tnl_seq;               /* tnl_conf_seq when last compiled. */
    uint64_t reconf_seq;            /* 'reconf_seq' when last compiled. */
    uint64_t conn_seq;              /* connectivity_seq when last checked. */
    bool mac_configured;            /* MAC set by container-map/set-mac. */
    bool translated;                /* Translation got the number: datapath
                                     * actions may hold it. */
};

static struct ovs_mutex bridges_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap bridges OVS_GUARDED_BY(bridges_mutex)
    = HMAP_INITIALIZER(&bridges);
/* Table numbers in use: 0 is never given out. */
static unsigned long used_ids[BITMAP_N_LONGS(CONTAINER_MAP_MAX_TABLES)]
    OVS_GUARDED_BY(bridges_mutex) = { 1 };

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

uint32_t
container_map_bridge_table_id(const char *br_name, bool translating)
{
    struct container_map_bridge *br;
    uint32_t table_id = UINT32_MAX;

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find(br_name);
    if (!br) {
        size_t id = bitmap_scan(used_ids, 0, 0, CONTAINER_MAP_MAX_TABLES);

        if (id < CONTAINER_MAP_MAX_TABLES) {
            bitmap_set1(used_ids, id);
            br = xzalloc(sizeof *br);
            br->name = xstrdup(br_name);
            br->table_id = id;
            hmap_insert(&bridges, &br->node, hash_string(br_name, 0));
        }
    }
    if (br) {
        table_id = br->table_id;
        br->translated |= translating;
    }
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

/* Backend compilation, outside the fast path: local ports and tunnel ports
 * (native tunneling) alike. */

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

/* The datapath port of 'ofport' (as ofproto-dpif finds it when it adds a
 * port), or ODPP_NONE. */
static odp_port_t
odp_port_of(struct ofproto_dpif *ofproto, ofp_port_t ofport)
{
    struct ofport *port = ofproto_get_port(&ofproto->up, ofport);
    char namebuf[NETDEV_VPORT_NAME_BUFSIZE];
    struct dpif_port dpif_port;
    odp_port_t odp_port = ODPP_NONE;
    const char *name;

    if (port) {
        name = netdev_vport_get_dpif_port(port->netdev, namebuf,
                                          sizeof namebuf);
        if (!dpif_port_query_by_name(ofproto->backer->dpif, name,
                                     &dpif_port)) {
            odp_port = dpif_port.port_no;
            dpif_port_destroy(&dpif_port);
        }
    }
    return odp_port;
}

struct compile_aux {
    struct ofproto_dpif *ofproto;
    bool all;
};

/* Backends' health.  A backend is down while nothing could answer there: it
 * has no datapath actions (its port is gone), its port is down or has no
 * carrier, or its tunnel port's BFD session says the far end does not
 * forward.  Returns why, or NULL if it is up. */
static const char *
backend_down_reason(struct ofproto_dpif *ofproto,
                    const struct container_map_backend_spec *b,
                    const struct container_map_actions *actions)
{
    struct ofport *port = ofproto_get_port(&ofproto->up, b->ofport);
    const char *reason = NULL;
    enum netdev_flags flags;
    struct smap bfd;

    if (!port || !actions) {
        return "unreachable";
    }
    if (ipv6_addr_equals(&b->tun_dst, &in6addr_any)) {
        if (netdev_get_flags(port->netdev, &flags) || !(flags & NETDEV_UP)) {
            return "port down";
        } else if (!netdev_get_carrier(port->netdev)) {
            return "no carrier";
        }
    }
    smap_init(&bfd);
    if (!ofproto_port_get_bfd_status(&ofproto->up, b->ofport, &bfd)
        && !smap_get_bool(&bfd, "forwarding", true)) {
        reason = "tunnel down (BFD)";
    }
    smap_destroy(&bfd);
    return reason;
}

static void
check_backend(struct ofproto_dpif *ofproto,
              struct container_map_backend *backend,
              const struct container_map_backend_spec *b,
              const char *was, const struct container_map_actions *actions)
{
    const char *reason = backend_down_reason(ofproto, b, actions);

    if (reason != was && (!reason || !was || strcmp(reason, was))) {
        container_map_set_down(container_map_global(), backend, reason);
        if (reason) {
            COVERAGE_INC(container_map_backend_down);
        } else {
            COVERAGE_INC(container_map_backend_up);
        }
        VLOG_INFO("%s: container "ETH_ADDR_FMT" on port %"PRIu16" is %s%s%s",
                  ofproto->up.name, ETH_ADDR_ARGS(b->mac),
                  ofp_to_u16(b->ofport), reason ? "down (" : "up again",
                  reason ? reason : "", reason ? "): new connections avoid "
                  "it" : "");
    }
}

static void
check_backend_cb(struct container_map_backend *backend,
                 const struct container_map_backend_view *view, void *aux_)
{
    struct compile_aux *aux = aux_;

    check_backend(aux->ofproto, backend, &view->spec, view->down,
                  view->actions);
}

static void
compile_backend(struct container_map_backend *backend,
                const struct container_map_backend_view *view, void *aux_)
{
    const struct container_map_backend_spec *b = &view->spec;
    struct container_map *map = container_map_global();
    struct compile_aux *aux = aux_;
    uint64_t ofpacts_stub[64 / 8];
    uint64_t odp_stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(ofpacts_stub);
    struct ofpbuf odp_actions = OFPBUF_STUB_INITIALIZER(odp_stub);
    struct container_map_actions *actions = NULL;
    struct xlate_out xout;
    struct xlate_in xin;
    struct flow flow;

    if (!aux->all && view->actions) {
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
        actions = container_map_actions_create(
            odp_actions.data, odp_actions.size,
            odp_port_of(aux->ofproto, b->ofport), &b->tun_dst);
    } else {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        VLOG_WARN_RL(&rl, "%s: container "ETH_ADDR_FMT" on port %"PRIu16
                     " is unreachable (no datapath output for it%s); new "
                     "connections avoid it, others are dropped until it is",
                     aux->ofproto->up.name, ETH_ADDR_ARGS(b->mac),
                     ofp_to_u16(b->ofport),
                     ipv6_addr_equals(&b->tun_dst, &in6addr_any)
                     ? "" : ", the tunnel route or neighbour may not be "
                            "known yet");
    }
    check_backend(aux->ofproto, backend, b, view->down, actions);
    if (container_map_actions_equal(view->actions, actions)) {
        free(actions);
    } else {
        container_map_set_actions(map, backend, actions);
    }
    xlate_out_uninit(&xout);
    ofpbuf_uninit(&odp_actions);
    ofpbuf_uninit(&ofpacts);
}

void
container_map_bridge_names(struct sset *names)
{
    struct sset types = SSET_INITIALIZER(&types);
    struct sset of_type = SSET_INITIALIZER(&of_type);
    const char *type, *name;

    ofproto_enumerate_types(&types);
    SSET_FOR_EACH (type, &types) {
        /* (ofproto_enumerate_names() clears its set first.) */
        ofproto_enumerate_names(type, &of_type);
        SSET_FOR_EACH (name, &of_type) {
            sset_add(names, name);
        }
    }
    sset_destroy(&of_type);
    sset_destroy(&types);
}

void
container_map_compile_backends(struct ofproto_dpif *ofproto, bool all)
{
    struct compile_aux aux = { .ofproto = ofproto, .all = all };
    uint32_t table_id;

    if (!container_map_bridge_lookup_table_id(ofproto->up.name, &table_id)) {
        return;
    }
    if (all) {
        container_map_for_each_backend(container_map_global(), table_id,
                                       compile_backend, &aux);
    } else {
        container_map_for_each_new_backend(container_map_global(), table_id,
                                           compile_backend, &aux);
    }
}

/* The MAC of ARP and ICMP replies. */

/* Sets the MAC that answers ARP and ICMP echo for the bridge's mapped IPs,
 * unless configured, to the bridge's own. */
static void
bridge_default_mac(struct ofproto_dpif *ofproto, uint32_t table_id)
{
    struct container_map *map = container_map_global();
    struct ofport *local = ofproto_get_port(&ofproto->up, OFPP_LOCAL);
    struct eth_addr mac;

    if (local && !netdev_get_etheraddr(local->netdev, &mac)
        && !eth_addr_equals(mac, container_map_get_mac(map, table_id))) {
        container_map_set_mac(map, table_id, mac);
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
        container_map_set_mac(container_map_global(), table_id, *mac);
    }
}

/* Hooks. */

void
container_map_ofproto_init(void)
{
    container_map_cmd_register();
}

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
    container_map_db_ports_changed();
}

void
container_map_ofproto_run(struct ofproto_dpif *ofproto)
{
    static struct ovsthread_once sweeper_once = OVSTHREAD_ONCE_INITIALIZER;
    uint64_t conn_seq = seq_read(connectivity_seq_get());
    uint64_t tnl_seq = seq_read(tnl_conf_seq);
    struct container_map_bridge *br;
    bool default_mac = false;
    bool health = false;
    uint32_t table_id = 0;
    bool stale = false;

    if (ovsthread_once_start(&sweeper_once)) {
        container_map_conn_start_sweeper(container_map_global());
        ovsthread_once_done(&sweeper_once);
    }

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find(ofproto->up.name);
    if (br && (br->tnl_seq != tnl_seq || br->reconf_seq != reconf_seq)) {
        br->tnl_seq = tnl_seq;
        br->reconf_seq = reconf_seq;
        stale = true;
    }
    if (br && br->conn_seq != conn_seq) {
        br->conn_seq = conn_seq;
        health = true;
        table_id = br->table_id;
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
    } else if (health) {
        struct compile_aux aux = { .ofproto = ofproto, .all = true };

        container_map_for_each_backend(container_map_global(), table_id,
                                       check_backend_cb, &aux);
    }
}

size_t
container_map_bridge_release_table(const char *br_name,
                                   bool only_untranslated)
{
    struct container_map_bridge *br;
    size_t n;

    ovs_mutex_lock(&bridges_mutex);
    br = bridge_find(br_name);
    if (br && only_untranslated && br->translated) {
        br = NULL;
    }
    if (br) {
        hmap_remove(&bridges, &br->node);
    }
    ovs_mutex_unlock(&bridges_mutex);
    if (!br) {
        return 0;
    }

    /* Clear the table, then free the number, so that the bridge that gets
     * it next inherits nothing. */
    n = container_map_clear(container_map_global(), br->table_id);
    ovs_mutex_lock(&bridges_mutex);
    bitmap_set0(used_ids, br->table_id);
    ovs_mutex_unlock(&bridges_mutex);
    free(br->name);
    free(br);
    return n;
}

void
container_map_ofproto_destroy(struct ofproto_dpif *ofproto)
{
    /* No translation can use the number any more: ofproto-dpif removed the
     * bridge from translation first. */
    size_t n = container_map_bridge_release_table(ofproto->up.name, false);

    if (n) {
        VLOG_INFO("%s: bridge destroyed, flushed %"PRIuSIZE" container "
                  "mappings", ofproto->up.name, n);
    }
}
