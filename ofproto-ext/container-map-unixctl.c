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

/* The "ovs-appctl container-map/..." commands.  Every command checks all of
 * its input before it changes anything, so a command that fails leaves the
 * table as it was. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container-map-conn.h"
#include "container-map-ofproto.h"
#include "container-map-resv.h"
#include "container-map-table.h"
#include "dp-packet.h"
#include "netdev.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map);

/* One parsed mapping. */
struct mapping {
    struct container_map_key key;
    struct eth_addr mac;
    ofp_port_t ofport;
    struct in6_addr tun_dst;        /* All-zero: not a flow-based tunnel. */
};

static struct ofproto_dpif *
lookup_bridge(const char *name, struct ds *err)
{
    struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(name);

    if (!ofproto) {
        ds_put_format(err, "%s: unknown bridge", name);
    }
    return ofproto;
}

static bool
parse_ip(const char *s, struct in6_addr *ip, struct ds *err)
{
    ovs_be32 ip4;

    if (strchr(s, ':')) {
        if (ipv6_parse(s, ip) && !ipv6_addr_is_multicast(ip)
            && !ipv6_addr_equals(ip, &in6addr_any)) {
            return true;
        }
    } else if (!ip_parse(s, &ip4) || ip4 == htonl(0) || ip_is_multicast(ip4)
               || ip4 == htonl(UINT32_MAX)) {
        /* Falls through to the error. */
    } else {
        in6_addr_set_mapped_ipv4(ip, ip4);
        return true;
    }
    ds_put_format(err, "%s: invalid IP address (expected a unicast IPv4 or "
                  "IPv6 address)", s);
    return false;
}

static bool
parse_l4_port(const char *s, ovs_be16 *port, struct ds *err)
{
    unsigned int u;

    if (!str_to_uint(s, 10, &u) || !u || u > 65535) {
        ds_put_format(err, "%s: invalid port (expected 1 to 65535)", s);
        return false;
    }
    *port = htons(u);
    return true;
}

static bool
parse_mac(const char *s, struct eth_addr *mac, struct ds *err)
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
static bool
parse_ofport(struct ofproto_dpif *ofproto, const char *s, ofp_port_t *ofportp,
             struct ds *err)
{
    unsigned int u;

    if (str_to_uint(s, 10, &u)) {
        if (u < ofp_to_u16(OFPP_MAX)
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

/* Parses "IP PROTO PORT" from 'argv' into 'key' for 'table_id'. */
static bool
parse_key(const char *argv[], uint32_t table_id,
          struct container_map_key *key, struct ds *err)
{
    struct in6_addr ip;
    ovs_be16 port;
    uint8_t proto;

    if (!parse_ip(argv[0], &ip, err)) {
        return false;
    }
    if (!container_map_parse_proto(argv[1], &proto)) {
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

/* Parses "IP PROTO PORT MAC OFPORT". */
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
    } else if (arg && !parse_ip(arg + 7, tun_dst, err)) {
        return false;
    }
    return true;
}

/* Parses "IP PROTO PORT MAC OFPORT [remote=IP]" ('n' arguments). */
static bool
parse_mapping(struct ofproto_dpif *ofproto, uint32_t table_id,
              const char *argv[], int n, struct mapping *m, struct ds *err)
{
    return (parse_key(argv, table_id, &m->key, err)
            && parse_mac(argv[3], &m->mac, err)
            && parse_ofport(ofproto, argv[4], &m->ofport, err)
            && parse_remote(ofproto, m->ofport, n > 5 ? argv[5] : NULL,
                            &m->tun_dst, err));
}

static void
format_remote(struct ds *s, const struct in6_addr *tun_dst)
{
    if (!ipv6_addr_equals(tun_dst, &in6addr_any)) {
        ds_put_cstr(s, " remote ");
        container_map_format_ip(s, tun_dst);
    }
}

static void
format_key(struct ds *s, const struct container_map_key *key)
{
    container_map_format_ip(s, &key->ip);
    ds_put_format(s, " %s %"PRIu16, container_map_proto_name(key->proto),
                  ntohs(key->port));
}

static void
reply_error(struct unixctl_conn *conn, struct ds *err)
{
    unixctl_command_reply_error(conn, ds_cstr(err));
    ds_destroy(err);
}

/* Returns the table number of 'ofproto', or UINT32_MAX with an error. */
static uint32_t
bridge_table_id(struct ofproto_dpif *ofproto, struct ds *err)
{
    uint32_t table_id = container_map_bridge_table_id(ofproto->up.name);

    if (table_id == UINT32_MAX) {
        ds_put_format(err, "%s: no container map table left (at most %d "
                      "bridges)", ofproto->up.name,
                      CONTAINER_MAP_MAX_TABLES - 1);
    }
    return table_id;
}

/* Explains why mapping 'm' is refused: its port is in another container's
 * reserved source port range. */
static void
format_port_taken(struct ds *err, const struct container_map_table *table,
                  const struct mapping *m)
{
    const struct container_map_resv *r;

    r = container_map_resv_find_port(table, m->key.table_id, &m->key.ip,
                                     ntohs(m->key.port), &m->mac);
    ds_put_format(err, ": port %"PRIu16" is in the source port range of "
                  "another container", ntohs(m->key.port));
    if (r) {
        ds_put_format(err, " ("ETH_ADDR_FMT", ports %"PRIu16"-%"PRIu16")",
                      ETH_ADDR_ARGS(r->key.mac), r->port_min, r->port_max);
    }
}

static const char *
add_result_name(enum container_map_add_result result)
{
    switch (result) {
    case CONTAINER_MAP_ADDED_ENTRY:
        return "added";
    case CONTAINER_MAP_ADDED_BACKEND:
        return "added backend";
    case CONTAINER_MAP_UPDATED_BACKEND:
        return "updated backend";
    case CONTAINER_MAP_UNCHANGED:
    default:
        return "unchanged";
    }
}

static void
cmd_add(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
        void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    enum container_map_add_result result;
    struct ds err = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    struct mapping m;
    uint32_t table_id;
    int error;

    ofproto = lookup_bridge(argv[1], &err);
    if (!ofproto
        || (table_id = bridge_table_id(ofproto, &err)) == UINT32_MAX
        || !parse_mapping(ofproto, table_id, &argv[2], argc - 2, &m, &err)) {
        reply_error(conn, &err);
        return;
    }

    error = container_map_table_add_tnl(table, &m.key, m.mac, m.ofport,
                                        &m.tun_dst, &result);
    if (error) {
        ds_put_format(&err, "%s: ", argv[1]);
        format_key(&err, &m.key);
        if (error == EADDRINUSE) {
            format_port_taken(&err, table, &m);
        } else {
            ds_put_format(&err, ": %s", error == E2BIG
                          ? "too many backends (at most "
                            OVS_STRINGIZE(CONTAINER_MAP_MAX_BACKENDS) ")"
                          : ovs_strerror(error));
        }
        reply_error(conn, &err);
        return;
    }
    container_map_compile_backends(ofproto, false);

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_format(&reply, "%s: ", add_result_name(result));
    format_key(&reply, &m.key);
    ds_put_format(&reply, " -> "ETH_ADDR_FMT" port %"PRIu16,
                  ETH_ADDR_ARGS(m.mac), ofp_to_u16(m.ofport));
    format_remote(&reply, &m.tun_dst);
    VLOG_INFO("%s: %s", ofproto->up.name, ds_cstr(&reply));
    unixctl_command_reply(conn, ds_cstr(&reply));
    ds_destroy(&reply);
}

static void
cmd_del(struct unixctl_conn *conn, int argc, const char *argv[],
        void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds err = DS_EMPTY_INITIALIZER;
    struct container_map_key key;
    struct ofproto_dpif *ofproto;
    struct eth_addr mac;
    uint32_t table_id;

    ofproto = lookup_bridge(argv[1], &err);
    if (!ofproto
        || (table_id = bridge_table_id(ofproto, &err)) == UINT32_MAX
        || !parse_key(&argv[2], table_id, &key, &err)
        || (argc > 5 && !parse_mac(argv[5], &mac, &err))) {
        reply_error(conn, &err);
        return;
    }

    if (container_map_table_del(table, &key, argc > 5 ? &mac : NULL)) {
        ds_put_format(&err, "%s: no mapping for ", argv[1]);
        format_key(&err, &key);
        if (argc > 5) {
            ds_put_format(&err, " with backend "ETH_ADDR_FMT,
                          ETH_ADDR_ARGS(mac));
        }
        reply_error(conn, &err);
        return;
    }

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&reply, "deleted: ");
    format_key(&reply, &key);
    if (argc > 5) {
        ds_put_format(&reply, " -> "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    }
    VLOG_INFO("%s: %s", ofproto->up.name, ds_cstr(&reply));
    unixctl_command_reply(conn, ds_cstr(&reply));
    ds_destroy(&reply);
}

/* container-map/show. */

struct show_aux {
    const struct container_map_entry **entries;
    size_t n, allocated;
    uint32_t table_id;
};

static void
collect_entry(const struct container_map_entry *entry, void *aux_)
{
    struct show_aux *aux = aux_;

    if (entry->key.table_id == aux->table_id) {
        if (aux->n >= aux->allocated) {
            aux->entries = x2nrealloc(aux->entries, &aux->allocated,
                                      sizeof *aux->entries);
        }
        aux->entries[aux->n++] = entry;
    }
}

static int
compare_entries(const void *a_, const void *b_)
{
    const struct container_map_entry *const *a = a_;
    const struct container_map_entry *const *b = b_;
    const struct container_map_key *ka = &(*a)->key;
    const struct container_map_key *kb = &(*b)->key;
    int cmp = memcmp(&ka->ip, &kb->ip, sizeof ka->ip);

    if (cmp) {
        return cmp;
    } else if (ka->proto != kb->proto) {
        return ka->proto < kb->proto ? -1 : 1;
    } else if (ka->port != kb->port) {
        return ntohs(ka->port) < ntohs(kb->port) ? -1 : 1;
    }
    return 0;
}

static void
format_port(struct ds *s, struct ofproto_dpif *ofproto, ofp_port_t ofp_port)
{
    struct ofport *port = ofproto_get_port(&ofproto->up, ofp_port);

    ds_put_format(s, "port %"PRIu16, ofp_to_u16(ofp_port));
    if (port) {
        ds_put_format(s, " (%s)", netdev_get_name(port->netdev));
    } else {
        ds_put_cstr(s, " (gone)");
    }
}

struct resv_aux {
    const struct container_map_resv **resvs;
    size_t n, allocated;
    uint32_t table_id;
};

static void
collect_resv(const struct container_map_resv *r, void *aux_)
{
    struct resv_aux *aux = aux_;

    if (r->key.table_id == aux->table_id) {
        if (aux->n >= aux->allocated) {
            aux->resvs = x2nrealloc(aux->resvs, &aux->allocated,
                                    sizeof *aux->resvs);
        }
        aux->resvs[aux->n++] = r;
    }
}

static int
compare_resvs(const void *a_, const void *b_)
{
    const struct container_map_resv *const *a = a_;
    const struct container_map_resv *const *b = b_;
    int cmp = memcmp(&(*a)->key.ip, &(*b)->key.ip, sizeof (*a)->key.ip);

    return cmp ? cmp : (*a)->port_min < (*b)->port_min ? -1
                       : (*a)->port_min > (*b)->port_min;
}

struct echo_aux {
    struct ds *s;
    uint32_t table_id;
};

static void
show_echo(const struct container_map_addr *addr, void *aux_)
{
    struct echo_aux *aux = aux_;

    if (addr->table_id == aux->table_id
        && addr->echo != CONTAINER_MAP_ECHO_SWITCH) {
        ds_put_cstr(aux->s, "  echo requests to ");
        container_map_format_ip(aux->s, &addr->ip);
        if (addr->echo == CONTAINER_MAP_ECHO_CONTAINER) {
            ds_put_format(aux->s, ": container "ETH_ADDR_FMT"\n",
                          ETH_ADDR_ARGS(addr->echo_backend->mac));
        } else {
            ds_put_cstr(aux->s, ": off\n");
        }
    }
}

static void
show_bridge(struct ds *s, struct ofproto_dpif *ofproto)
{
    struct container_map_table *table = container_map_table_global();
    struct show_aux aux = { .entries = NULL };
    struct resv_aux raux = { .resvs = NULL };
    uint32_t table_id;

    if (!container_map_bridge_lookup_table_id(ofproto->up.name, &table_id)) {
        ds_put_format(s, "%s: 0 mappings\n", ofproto->up.name);
        return;
    }

    aux.table_id = table_id;
    container_map_table_for_each(table, collect_entry, &aux);
    qsort(aux.entries, aux.n, sizeof *aux.entries, compare_entries);
    raux.table_id = table_id;
    container_map_resv_for_each(table, collect_resv, &raux);
    qsort(raux.resvs, raux.n, sizeof *raux.resvs, compare_resvs);

    size_t n_conns = container_map_conn_count(table, table_id);
    ds_put_format(s, "%s: %"PRIuSIZE" mapping%s, %"PRIuSIZE" reservation%s, "
                  "%"PRIuSIZE" connection%s, ARP/ICMP MAC "ETH_ADDR_FMT"\n",
                  ofproto->up.name, aux.n, aux.n == 1 ? "" : "s",
                  raux.n, raux.n == 1 ? "" : "s",
                  n_conns, n_conns == 1 ? "" : "s",
                  ETH_ADDR_ARGS(container_map_table_get_mac(table,
                                                            table_id)));
    ds_put_cstr(s, "  unmatched packets:");
    for (int r = 0; r < CONTAINER_MAP_N_DROP_REASONS; r++) {
        ds_put_format(s, " %s=%llu", container_map_drop_reason_name(r),
                      container_map_table_get_drops(table, table_id, r));
    }
    ds_put_cstr(s, "\n  events:");
    for (int e = 0; e < CONTAINER_MAP_N_EVENTS; e++) {
        ds_put_format(s, " %s=%llu", container_map_event_name(e),
                      container_map_table_get_event(table, table_id, e));
    }
    ds_put_char(s, '\n');

    for (size_t i = 0; i < aux.n; i++) {
        const struct container_map_entry *e = aux.entries[i];
        unsigned long long n_packets, n_bytes;

        container_map_entry_get_stats(e, &n_packets, &n_bytes);
        ds_put_cstr(s, "  ");
        format_key(s, &e->key);
        ds_put_format(s, ": packets=%llu bytes=%llu\n", n_packets, n_bytes);
        for (uint32_t j = 0; j < e->n_backends; j++) {
            const struct container_map_backend *b = e->backends[j];

            container_map_counters_get(e->bstats[j], &n_packets, &n_bytes);
            ds_put_format(s, "    -> "ETH_ADDR_FMT" ", ETH_ADDR_ARGS(b->mac));
            format_port(s, ofproto, b->ofport);
            format_remote(s, &b->tun_dst);
            ds_put_format(s, ": packets=%llu bytes=%llu", n_packets,
                          n_bytes);
            if (e->draining & (UINT64_C(1) << j)) {
                ds_put_cstr(s, " drained");
            }
            if (!ovsrcu_get(struct container_map_actions *, &b->actions)) {
                ds_put_cstr(s, " unreachable");
            }
            ds_put_char(s, '\n');
        }
    }
    for (size_t i = 0; i < raux.n; i++) {
        const struct container_map_resv *r = raux.resvs[i];

        ds_put_cstr(s, "  reserved ");
        container_map_format_ip(s, &r->key.ip);
        ds_put_format(s, " for "ETH_ADDR_FMT" ", ETH_ADDR_ARGS(r->key.mac));
        format_port(s, ofproto, r->backend->ofport);
        format_remote(s, &r->backend->tun_dst);
        ds_put_format(s, ": ports %"PRIu16"-%"PRIu16", ICMP ids "
                      "%"PRIu16"-%"PRIu16"\n", r->port_min, r->port_max,
                      r->id_min, r->id_max);
    }
    struct echo_aux eaux = { .s = s, .table_id = table_id };
    container_map_addr_for_each(table, show_echo, &eaux);
    free(aux.entries);
    free(raux.resvs);
}

static void
cmd_show(struct unixctl_conn *conn, int argc, const char *argv[],
         void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (argc > 1) {
        struct ofproto_dpif *ofproto = lookup_bridge(argv[1], &s);

        if (!ofproto) {
            reply_error(conn, &s);
            return;
        }
        show_bridge(&s, ofproto);
    } else {
        struct sset types = SSET_INITIALIZER(&types);
        const char *type;

        ofproto_enumerate_types(&types);
        SSET_FOR_EACH (type, &types) {
            struct sset names = SSET_INITIALIZER(&names);
            const char *name;

            ofproto_enumerate_names(type, &names);
            SSET_FOR_EACH (name, &names) {
                struct ofproto_dpif *ofproto;

                ofproto = ofproto_dpif_lookup_by_name(name);
                if (ofproto) {
                    show_bridge(&s, ofproto);
                }
            }
            sset_destroy(&names);
        }
        sset_destroy(&types);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_flush(struct unixctl_conn *conn, int argc, const char *argv[],
          void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t n;

    if (argc > 1) {
        struct ofproto_dpif *ofproto = lookup_bridge(argv[1], &s);
        uint32_t table_id;

        if (!ofproto) {
            reply_error(conn, &s);
            return;
        }
        n = 0;
        if (container_map_bridge_lookup_table_id(argv[1], &table_id)) {
            n = container_map_table_flush(table, table_id);
            container_map_table_clear_drops(table, table_id);
        }
    } else {
        n = container_map_table_flush(table, UINT32_MAX);
        for (uint32_t i = 0; i < CONTAINER_MAP_MAX_TABLES; i++) {
            container_map_table_clear_drops(table, i);
        }
    }
    ds_put_format(&s, "flushed %"PRIuSIZE" mapping%s", n, n == 1 ? "" : "s");
    VLOG_INFO("%s%s%s", argc > 1 ? argv[1] : "", argc > 1 ? ": " : "",
              ds_cstr(&s));
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* container-map/load BRIDGE FILE.
 *
 * Each line of FILE is "IP PROTO PORT MAC OFPORT"; blank lines and lines
 * starting with '#' are skipped.  The whole file is checked first: on any
 * error nothing is added. */

struct key_count {
    struct hmap_node node;
    struct container_map_key key;
    unsigned int n;
};

static bool
check_backend_limits(const struct mapping *maps, size_t n,
                     struct ds *err)
{
    struct container_map_table *table = container_map_table_global();
    struct hmap counts = HMAP_INITIALIZER(&counts);
    struct key_count *kc;
    bool ok = true;

    for (size_t i = 0; i < n && ok; i++) {
        uint32_t hash = container_map_key_hash(&maps[i].key);

        HMAP_FOR_EACH_WITH_HASH (kc, node, hash, &counts) {
            if (!memcmp(&kc->key, &maps[i].key, sizeof kc->key)) {
                break;
            }
        }
        if (!kc) {
            const struct container_map_entry *e;

            kc = xmalloc(sizeof *kc);
            kc->key = maps[i].key;
            e = container_map_table_lookup(table, &kc->key, hash);
            kc->n = e ? e->n_backends : 0;
            hmap_insert(&counts, &kc->node, hash);
        }
        if (++kc->n > CONTAINER_MAP_MAX_BACKENDS) {
            bool new_mac = true;
            const struct container_map_entry *e;

            /* Only new MACs count; look closer before refusing. */
            e = container_map_table_lookup(table, &kc->key, hash);
            for (uint32_t j = 0; e && j < e->n_backends; j++) {
                if (eth_addr_equals(e->backends[j]->mac, maps[i].mac)) {
                    new_mac = false;
                }
            }
            if (new_mac) {
                ds_put_cstr(err, "too many backends for ");
                format_key(err, &kc->key);
                ds_put_format(err, " (at most %d)",
                              CONTAINER_MAP_MAX_BACKENDS);
                ok = false;
            } else {
                kc->n--;
            }
        }
    }
    HMAP_FOR_EACH_POP (kc, node, &counts) {
        free(kc);
    }
    hmap_destroy(&counts);
    return ok;
}

static void
cmd_load(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
         void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds err = DS_EMPTY_INITIALIZER;
    struct ds line = DS_EMPTY_INITIALIZER;
    size_t counts[CONTAINER_MAP_UNCHANGED + 1] = { 0 };
    struct mapping *maps = NULL;
    size_t n_maps = 0, allocated = 0;
    struct ofproto_dpif *ofproto;
    uint32_t table_id;
    int line_number = 0;
    FILE *stream;

    ofproto = lookup_bridge(argv[1], &err);
    if (!ofproto
        || (table_id = bridge_table_id(ofproto, &err)) == UINT32_MAX) {
        reply_error(conn, &err);
        return;
    }

    stream = fopen(argv[2], "r");
    if (!stream) {
        ds_put_format(&err, "%s: %s", argv[2], ovs_strerror(errno));
        reply_error(conn, &err);
        return;
    }

    while (!ds_get_line(&line, stream)) {
        char *save_ptr = NULL;
        const char *fields[6];
        int n_fields = 0;
        char *token;

        line_number++;
        for (token = strtok_r(ds_cstr(&line), " \t\r", &save_ptr);
             token && n_fields < ARRAY_SIZE(fields);
             token = strtok_r(NULL, " \t\r", &save_ptr)) {
            if (token[0] == '#') {
                break;
            }
            fields[n_fields++] = token;
        }
        if (!n_fields) {
            continue;
        }
        if (n_fields != 5 && n_fields != 6) {
            ds_put_format(&err, "%s:%d: expected \"IP PROTO PORT MAC "
                          "OFPORT [remote=IP]\"", argv[2], line_number);
            break;
        }
        if (n_maps >= allocated) {
            maps = x2nrealloc(maps, &allocated, sizeof *maps);
        }
        ds_put_format(&err, "%s:%d: ", argv[2], line_number);
        if (!parse_mapping(ofproto, table_id, fields, n_fields,
                           &maps[n_maps], &err)) {
            break;
        }
        ds_clear(&err);
        n_maps++;
    }
    if (!err.length && ferror(stream)) {
        ds_put_format(&err, "%s: read error", argv[2]);
    }
    fclose(stream);
    ds_destroy(&line);

    for (size_t i = 0; !err.length && i < n_maps; i++) {
        if (container_map_resv_find_port(table, table_id, &maps[i].key.ip,
                                         ntohs(maps[i].key.port),
                                         &maps[i].mac)) {
            ds_put_format(&err, "%s: ", argv[2]);
            format_key(&err, &maps[i].key);
            format_port_taken(&err, table, &maps[i]);
        }
    }
    if (err.length || !check_backend_limits(maps, n_maps, &err)) {
        free(maps);
        reply_error(conn, &err);
        return;
    }

    for (size_t i = 0; i < n_maps; i++) {
        enum container_map_add_result result;
        int error = container_map_table_add_tnl(table, &maps[i].key,
                                                maps[i].mac, maps[i].ofport,
                                                &maps[i].tun_dst, &result);

        ovs_assert(!error);
        counts[result]++;
    }
    free(maps);
    container_map_compile_backends(ofproto, false);

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_format(&reply, "loaded %"PRIuSIZE" mappings: %"PRIuSIZE" added, "
                  "%"PRIuSIZE" backends added, %"PRIuSIZE" updated, "
                  "%"PRIuSIZE" unchanged", n_maps,
                  counts[CONTAINER_MAP_ADDED_ENTRY],
                  counts[CONTAINER_MAP_ADDED_BACKEND],
                  counts[CONTAINER_MAP_UPDATED_BACKEND],
                  counts[CONTAINER_MAP_UNCHANGED]);
    VLOG_INFO("%s: %s from %s", ofproto->up.name, ds_cstr(&reply), argv[2]);
    unixctl_command_reply(conn, ds_cstr(&reply));
    ds_destroy(&reply);
}

/* Parses "NAME=LO-HI" (NAME given by 'name') into '*lo' and '*hi'. */
static bool
parse_range(const char *s, const char *name, unsigned int min,
            uint16_t *lo, uint16_t *hi, struct ds *err)
{
    size_t len = strlen(name);
    unsigned int a, b;
    int n = 0;

    if (strncmp(s, name, len) || s[len] != '='
        || !ovs_scan(s + len + 1, "%u-%u%n", &a, &b, &n)
        || s[len + 1 + n] || a < min || a > b || b > 65535) {
        ds_put_format(err, "%s: invalid range (expected %s=LOW-HIGH with "
                      "%u <= LOW <= HIGH <= 65535)", s, name, min);
        return false;
    }
    *lo = a;
    *hi = b;
    return true;
}

/* Looks up bridge 'name' and its table number. */
static struct ofproto_dpif *
lookup_bridge_table(const char *name, uint32_t *table_id, struct ds *err)
{
    struct ofproto_dpif *ofproto = lookup_bridge(name, err);

    if (ofproto && (*table_id = bridge_table_id(ofproto, err)) == UINT32_MAX) {
        ofproto = NULL;
    }
    return ofproto;
}

static void
reply_and_log(struct unixctl_conn *conn, struct ofproto_dpif *ofproto,
              struct ds *reply)
{
    VLOG_INFO("%s: %s", ofproto->up.name, ds_cstr(reply));
    unixctl_command_reply(conn, ds_cstr(reply));
    ds_destroy(reply);
}

/* container-map/reserve BRIDGE IP MAC OFPORT [ports=LO-HI] [ids=LO-HI] */
static void
cmd_reserve(struct unixctl_conn *conn, int argc, const char *argv[],
            void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    uint16_t port_min = 1, port_max = 65535, id_min = 0, id_max = 65535;
    struct ds err = DS_EMPTY_INITIALIZER;
    const char *remote = NULL;
    struct ofproto_dpif *ofproto;
    struct in6_addr tun_dst;
    uint16_t other_port = 0;
    bool ids_given = false;
    struct eth_addr mac, other;
    struct in6_addr ip;
    ofp_port_t ofport;
    uint32_t table_id;
    int error;

    ofproto = lookup_bridge_table(argv[1], &table_id, &err);
    if (!ofproto || !parse_ip(argv[2], &ip, &err)
        || !parse_mac(argv[3], &mac, &err)
        || !parse_ofport(ofproto, argv[4], &ofport, &err)) {
        reply_error(conn, &err);
        return;
    }
    for (int i = 5; i < argc; i++) {
        bool ok;

        if (!strncmp(argv[i], "ports=", 6)) {
            ok = parse_range(argv[i], "ports", 1, &port_min, &port_max, &err);
            if (!ids_given) {
                id_min = port_min;
                id_max = port_max;
            }
        } else if (!strncmp(argv[i], "ids=", 4)) {
            ok = parse_range(argv[i], "ids", 0, &id_min, &id_max, &err);
            ids_given = true;
        } else if (!strncmp(argv[i], "remote=", 7)) {
            remote = argv[i];
            ok = true;
        } else {
            ds_put_format(&err, "%s: unknown argument (expected "
                          "ports=LOW-HIGH, ids=LOW-HIGH or remote=IP)",
                          argv[i]);
            ok = false;
        }
        if (!ok) {
            reply_error(conn, &err);
            return;
        }
    }
    if (!parse_remote(ofproto, ofport, remote, &tun_dst, &err)) {
        reply_error(conn, &err);
        return;
    }

    error = container_map_resv_set_tnl(table, table_id, &ip, mac, ofport,
                                       &tun_dst, port_min, port_max, id_min,
                                       id_max, &other, &other_port);
    if (error) {
        ds_put_format(&err, "%s: ", argv[1]);
        container_map_format_ip(&err, &ip);
        if (error == EEXIST) {
            ds_put_format(&err, ": ports %"PRIu16"-%"PRIu16" or ICMP ids "
                          "%"PRIu16"-%"PRIu16" overlap the reservation of "
                          ETH_ADDR_FMT, port_min, port_max, id_min, id_max,
                          ETH_ADDR_ARGS(other));
        } else if (error == EADDRINUSE) {
            ds_put_format(&err, ": ports %"PRIu16"-%"PRIu16" include port "
                          "%"PRIu16", mapped to "ETH_ADDR_FMT, port_min,
                          port_max, other_port, ETH_ADDR_ARGS(other));
        } else {
            ds_put_format(&err, ": %s", ovs_strerror(error));
        }
        reply_error(conn, &err);
        return;
    }
    container_map_compile_backends(ofproto, false);

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&reply, "reserved ");
    container_map_format_ip(&reply, &ip);
    ds_put_format(&reply, " for "ETH_ADDR_FMT" port %"PRIu16,
                  ETH_ADDR_ARGS(mac), ofp_to_u16(ofport));
    format_remote(&reply, &tun_dst);
    ds_put_format(&reply, ": ports %"PRIu16"-%"PRIu16", ICMP ids "
                  "%"PRIu16"-%"PRIu16, port_min, port_max, id_min, id_max);
    reply_and_log(conn, ofproto, &reply);
}

/* container-map/unreserve BRIDGE IP MAC */
static void
cmd_unreserve(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[], void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds err = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    struct eth_addr mac;
    struct in6_addr ip;
    uint32_t table_id;

    ofproto = lookup_bridge_table(argv[1], &table_id, &err);
    if (!ofproto || !parse_ip(argv[2], &ip, &err)
        || !parse_mac(argv[3], &mac, &err)) {
        reply_error(conn, &err);
        return;
    }
    if (container_map_resv_del(table, table_id, &ip, mac)) {
        ds_put_format(&err, "%s: no reservation of ", argv[1]);
        container_map_format_ip(&err, &ip);
        ds_put_format(&err, " for "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
        reply_error(conn, &err);
        return;
    }

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&reply, "unreserved ");
    container_map_format_ip(&reply, &ip);
    ds_put_format(&reply, " for "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    reply_and_log(conn, ofproto, &reply);
}

/* container-map/drain and container-map/undrain BRIDGE IP PROTO PORT MAC */
static void
cmd_drain(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
          void *drain_)
{
    struct container_map_table *table = container_map_table_global();
    struct ds err = DS_EMPTY_INITIALIZER;
    struct container_map_key key;
    struct ofproto_dpif *ofproto;
    bool drain = drain_ != NULL;
    struct eth_addr mac;
    uint32_t table_id;

    ofproto = lookup_bridge_table(argv[1], &table_id, &err);
    if (!ofproto || !parse_key(&argv[2], table_id, &key, &err)
        || !parse_mac(argv[5], &mac, &err)) {
        reply_error(conn, &err);
        return;
    }
    if (container_map_table_drain(table, &key, mac, drain)) {
        ds_put_format(&err, "%s: no mapping for ", argv[1]);
        format_key(&err, &key);
        ds_put_format(&err, " with backend "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
        reply_error(conn, &err);
        return;
    }

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_format(&reply, "%s: ", drain ? "drained" : "undrained");
    format_key(&reply, &key);
    ds_put_format(&reply, " -> "ETH_ADDR_FMT"%s", ETH_ADDR_ARGS(mac),
                  drain ? " (no new connections, existing ones go on)" : "");
    reply_and_log(conn, ofproto, &reply);
}

/* container-map/echo BRIDGE IP switch|off|MAC */
static void
cmd_echo(struct unixctl_conn *conn, int argc OVS_UNUSED, const char *argv[],
         void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    enum container_map_echo echo = CONTAINER_MAP_ECHO_CONTAINER;
    struct ds err = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    struct eth_addr mac;
    struct in6_addr ip;
    uint32_t table_id;

    ofproto = lookup_bridge_table(argv[1], &table_id, &err);
    if (!ofproto || !parse_ip(argv[2], &ip, &err)) {
        reply_error(conn, &err);
        return;
    }
    if (!strcmp(argv[3], "switch")) {
        echo = CONTAINER_MAP_ECHO_SWITCH;
    } else if (!strcmp(argv[3], "off")) {
        echo = CONTAINER_MAP_ECHO_OFF;
    } else if (!eth_addr_from_string(argv[3], &mac)
               || eth_addr_is_zero(mac) || eth_addr_is_multicast(mac)) {
        ds_put_format(&err, "%s: expected \"switch\", \"off\" or the MAC of "
                      "a container with a reservation on the IP", argv[3]);
        reply_error(conn, &err);
        return;
    }
    if (container_map_addr_set_echo(table, table_id, &ip, echo, &mac)) {
        ds_put_format(&err, "%s: ", argv[1]);
        container_map_format_ip(&err, &ip);
        if (!container_map_addr_lookup(table, table_id, &ip)) {
            ds_put_cstr(&err, " has no mappings or reservations");
        } else {
            ds_put_format(&err, " is not reserved for "ETH_ADDR_FMT,
                          ETH_ADDR_ARGS(mac));
        }
        reply_error(conn, &err);
        return;
    }

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&reply, "echo requests to ");
    container_map_format_ip(&reply, &ip);
    if (echo == CONTAINER_MAP_ECHO_CONTAINER) {
        ds_put_format(&reply, ": delivered to "ETH_ADDR_FMT,
                      ETH_ADDR_ARGS(mac));
    } else {
        ds_put_format(&reply, ": %s", echo == CONTAINER_MAP_ECHO_SWITCH
                      ? "answered by the switch" : "dropped");
    }
    reply_and_log(conn, ofproto, &reply);
}

/* container-map/set-mac BRIDGE MAC|default */
static void
cmd_set_mac(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[], void *aux OVS_UNUSED)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    struct eth_addr mac;
    uint32_t table_id;
    bool dflt = !strcmp(argv[2], "default");

    ofproto = lookup_bridge_table(argv[1], &table_id, &err);
    if (!ofproto || (!dflt && !parse_mac(argv[2], &mac, &err))) {
        reply_error(conn, &err);
        return;
    }
    container_map_bridge_set_mac(ofproto->up.name, table_id,
                                 dflt ? NULL : &mac);

    struct ds reply = DS_EMPTY_INITIALIZER;
    if (dflt) {
        ds_put_cstr(&reply, "ARP and ICMP replies come from the bridge's "
                    "MAC");
    } else {
        ds_put_format(&reply, "ARP and ICMP replies come from "ETH_ADDR_FMT,
                      ETH_ADDR_ARGS(mac));
    }
    reply_and_log(conn, ofproto, &reply);
}

/* container-map/announce BRIDGE OFPORT: a gratuitous ARP for every mapped
 * IPv4 address of the bridge, from the bridge's ARP MAC, out of OFPORT.
 * After container-map/set-mac, or after moving addresses to this host, it
 * updates the neighbours at once instead of when their entries expire. */
struct announce_aux {
    struct ofport_dpif *port;
    uint32_t table_id;
    struct eth_addr mac;
    size_t n;
};

static void
announce_addr(const struct container_map_addr *addr, void *aux_)
{
    struct announce_aux *aux = aux_;

    if (addr->table_id == aux->table_id && IN6_IS_ADDR_V4MAPPED(&addr->ip)) {
        ovs_be32 ip = in6_addr_get_mapped_ipv4(&addr->ip);
        struct dp_packet packet;

        dp_packet_init(&packet, 0);
        compose_arp(&packet, ARP_OP_REQUEST, aux->mac, eth_addr_zero, true,
                    ip, ip);
        ofproto_dpif_send_packet(aux->port, false, &packet);
        dp_packet_uninit(&packet);
        aux->n++;
    }
}

static void
cmd_announce(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[], void *aux_ OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds err = DS_EMPTY_INITIALIZER;
    struct announce_aux aux = { .n = 0 };
    struct ofproto_dpif *ofproto;
    ofp_port_t ofport;

    ofproto = lookup_bridge_table(argv[1], &aux.table_id, &err);
    if (!ofproto || !parse_ofport(ofproto, argv[2], &ofport, &err)) {
        reply_error(conn, &err);
        return;
    }
    aux.mac = container_map_table_get_mac(table, aux.table_id);
    aux.port = ofp_port_to_ofport(ofproto, ofport);
    if (eth_addr_is_zero(aux.mac) || !aux.port) {
        ds_put_format(&err, "%s: no MAC to announce from yet (see "
                      "container-map/set-mac)", argv[1]);
        reply_error(conn, &err);
        return;
    }
    container_map_addr_for_each(table, announce_addr, &aux);

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_format(&reply, "announced %"PRIuSIZE" address%s at "ETH_ADDR_FMT
                  " on port %"PRIu16, aux.n, aux.n == 1 ? "" : "es",
                  ETH_ADDR_ARGS(aux.mac), ofp_to_u16(ofport));
    reply_and_log(conn, ofproto, &reply);
}

/* Connection commands. */

/* The table number of the bridge in argv[1], or UINT32_MAX for all bridges
 * when there is no argument.  Returns false (with an error) for an unknown
 * bridge. */
static bool
conn_scope(int argc, const char *argv[], uint32_t *table_id,
           struct ofproto_dpif **ofprotop, struct ds *err)
{
    *table_id = UINT32_MAX;
    *ofprotop = NULL;
    if (argc > 1) {
        *ofprotop = lookup_bridge(argv[1], err);
        if (!*ofprotop) {
            return false;
        }
        if (!container_map_bridge_lookup_table_id(argv[1], table_id)) {
            *table_id = CONTAINER_MAP_MAX_TABLES;   /* Matches nothing. */
        }
    }
    return true;
}

struct conn_aux {
    const struct container_map_conn **conns;
    size_t n, allocated;
    uint32_t table_id;
};

static void
collect_conn(const struct container_map_conn *c, void *aux_)
{
    struct conn_aux *aux = aux_;

    if (aux->table_id == UINT32_MAX || c->key.table_id == aux->table_id) {
        if (aux->n >= aux->allocated) {
            aux->conns = x2nrealloc(aux->conns, &aux->allocated,
                                    sizeof *aux->conns);
        }
        aux->conns[aux->n++] = c;
    }
}

static int
compare_conns(const void *a_, const void *b_)
{
    const struct container_map_conn *const *a = a_;
    const struct container_map_conn *const *b = b_;
    const struct container_map_conn_key *ka = &(*a)->key;
    const struct container_map_conn_key *kb = &(*b)->key;
    int cmp = memcmp(&ka->local_ip, &kb->local_ip, sizeof ka->local_ip);

    if (!cmp) {
        cmp = memcmp(&ka->remote_ip, &kb->remote_ip, sizeof ka->remote_ip);
    }
    if (!cmp && ka->local_port != kb->local_port) {
        cmp = ntohs(ka->local_port) < ntohs(kb->local_port) ? -1 : 1;
    }
    if (!cmp && ka->remote_port != kb->remote_port) {
        cmp = ntohs(ka->remote_port) < ntohs(kb->remote_port) ? -1 : 1;
    }
    if (!cmp && ka->proto != kb->proto) {
        cmp = ka->proto < kb->proto ? -1 : 1;
    }
    return cmp;
}

static const char *
conn_proto_name(uint8_t proto)
{
    return (proto == IPPROTO_ICMP ? "icmp"
            : proto == IPPROTO_ICMPV6 ? "icmp6"
            : container_map_proto_name(proto));
}

/* container-map/conn-list [BRIDGE] */
static void
cmd_conn_list(struct unixctl_conn *conn, int argc, const char *argv[],
              void *aux_ OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds s = DS_EMPTY_INITIALIZER;
    struct conn_aux aux = { .conns = NULL };
    struct ofproto_dpif *ofproto;
    long long int now = time_msec();

    if (!conn_scope(argc, argv, &aux.table_id, &ofproto, &s)) {
        reply_error(conn, &s);
        return;
    }
    container_map_conn_for_each(table, collect_conn, &aux);
    qsort(aux.conns, aux.n, sizeof *aux.conns, compare_conns);
    for (size_t i = 0; i < aux.n; i++) {
        const struct container_map_conn *c = aux.conns[i];
        unsigned long long in_p, in_b, out_p, out_b;
        bool icmp = (c->key.proto == IPPROTO_ICMP
                     || c->key.proto == IPPROTO_ICMPV6);

        container_map_counters_get(&c->in, &in_p, &in_b);
        container_map_counters_get(&c->out, &out_p, &out_b);
        ds_put_format(&s, "%s ", conn_proto_name(c->key.proto));
        container_map_format_ip(&s, &c->key.local_ip);
        ds_put_format(&s, " %s%"PRIu16" <-> ", icmp ? "id " : "",
                      ntohs(c->key.local_port));
        container_map_format_ip(&s, &c->key.remote_ip);
        if (!icmp) {
            ds_put_format(&s, " %"PRIu16, ntohs(c->key.remote_port));
        }
        ds_put_format(&s, " %s %s -> "ETH_ADDR_FMT" port %"PRIu16": "
                      "in=%llu/%lluB out=%llu/%lluB expires=%llds\n",
                      c->kind == CONTAINER_MAP_CONN_INBOUND
                      ? "inbound" : "outbound",
                      container_map_conn_state(c),
                      ETH_ADDR_ARGS(c->backend->mac),
                      ofp_to_u16(c->backend->ofport),
                      in_p, in_b, out_p, out_b,
                      MAX(0, container_map_conn_expiry(table, c) - now)
                      / 1000);
    }
    free(aux.conns);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* container-map/conn-count [BRIDGE] */
static void
cmd_conn_count(struct unixctl_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    uint32_t table_id;

    if (!conn_scope(argc, argv, &table_id, &ofproto, &s)) {
        reply_error(conn, &s);
        return;
    }
    ds_put_format(&s, "%"PRIuSIZE"\n",
                  container_map_conn_count(table, table_id));
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* container-map/conn-flush [BRIDGE] */
static void
cmd_conn_flush(struct unixctl_conn *conn, int argc, const char *argv[],
               void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofproto_dpif *ofproto;
    uint32_t table_id;
    size_t n;

    if (!conn_scope(argc, argv, &table_id, &ofproto, &s)) {
        reply_error(conn, &s);
        return;
    }
    n = container_map_conn_flush(table, table_id);
    ds_put_format(&s, "flushed %"PRIuSIZE" connection%s", n,
                  n == 1 ? "" : "s");
    VLOG_INFO("%s%s%s", argc > 1 ? argv[1] : "", argc > 1 ? ": " : "",
              ds_cstr(&s));
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* container-map/conn-set [max=N] [tcp=SEC] [tcp-closing=SEC] [udp=SEC]
 * [icmp=SEC] */
static void
cmd_conn_set(struct unixctl_conn *conn, int argc, const char *argv[],
             void *aux OVS_UNUSED)
{
    struct container_map_table *table = container_map_table_global();
    struct container_map_conn_settings st;
    struct ds s = DS_EMPTY_INITIALIZER;

    container_map_conn_get_settings(table, &st);
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        char *name = eq ? xmemdup0(argv[i], eq - argv[i]) : NULL;
        unsigned int u;
        bool ok = eq && str_to_uint(eq + 1, 10, &u);

        if (ok && !strcmp(name, "max")) {
            ok = u >= 1;
            st.max_conns = u;
        } else if (ok && u >= 1 && u <= 7 * 24 * 3600) {
            long long int ms = u * 1000LL;

            if (!strcmp(name, "tcp")) {
                st.tcp_ms = ms;
            } else if (!strcmp(name, "tcp-closing")) {
                st.tcp_closing_ms = ms;
            } else if (!strcmp(name, "udp")) {
                st.udp_ms = ms;
            } else if (!strcmp(name, "icmp")) {
                st.icmp_ms = ms;
            } else {
                ok = false;
            }
        } else {
            ok = false;
        }
        free(name);
        if (!ok) {
            ds_put_format(&s, "%s: invalid setting (expected max=N with N "
                          ">= 1, or tcp=, tcp-closing=, udp= or icmp= with "
                          "seconds from 1 to 604800)", argv[i]);
            reply_error(conn, &s);
            return;
        }
    }
    if (argc > 1) {
        container_map_conn_set_settings(table, &st);
    }
    ds_put_format(&s, "max=%u tcp=%lld tcp-closing=%lld udp=%lld icmp=%lld",
                  st.max_conns, st.tcp_ms / 1000, st.tcp_closing_ms / 1000,
                  st.udp_ms / 1000, st.icmp_ms / 1000);
    if (argc > 1) {
        VLOG_INFO("connection settings: %s", ds_cstr(&s));
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

void
container_map_ofproto_init(void)
{
    unixctl_command_register("container-map/add",
                             "BRIDGE IP PROTO PORT MAC OFPORT [remote=IP]",
                             6, 7, cmd_add, NULL);
    unixctl_command_register("container-map/del",
                             "BRIDGE IP PROTO PORT [MAC]", 4, 5,
                             cmd_del, NULL);
    unixctl_command_register("container-map/show", "[BRIDGE]", 0, 1,
                             cmd_show, NULL);
    unixctl_command_register("container-map/flush", "[BRIDGE]", 0, 1,
                             cmd_flush, NULL);
    unixctl_command_register("container-map/load", "BRIDGE FILE", 2, 2,
                             cmd_load, NULL);
    unixctl_command_register("container-map/reserve",
                             "BRIDGE IP MAC OFPORT [ports=LO-HI] [ids=LO-HI] "
                             "[remote=IP]", 4, 7, cmd_reserve, NULL);
    unixctl_command_register("container-map/unreserve", "BRIDGE IP MAC",
                             3, 3, cmd_unreserve, NULL);
    unixctl_command_register("container-map/drain",
                             "BRIDGE IP PROTO PORT MAC", 5, 5, cmd_drain,
                             (void *) "drain");
    unixctl_command_register("container-map/undrain",
                             "BRIDGE IP PROTO PORT MAC", 5, 5, cmd_drain,
                             NULL);
    unixctl_command_register("container-map/echo", "BRIDGE IP switch|off|MAC",
                             3, 3, cmd_echo, NULL);
    unixctl_command_register("container-map/set-mac", "BRIDGE MAC|default",
                             2, 2, cmd_set_mac, NULL);
    unixctl_command_register("container-map/announce", "BRIDGE OFPORT",
                             2, 2, cmd_announce, NULL);
    unixctl_command_register("container-map/conn-list", "[BRIDGE]", 0, 1,
                             cmd_conn_list, NULL);
    unixctl_command_register("container-map/conn-count", "[BRIDGE]", 0, 1,
                             cmd_conn_count, NULL);
    unixctl_command_register("container-map/conn-flush", "[BRIDGE]", 0, 1,
                             cmd_conn_flush, NULL);
    unixctl_command_register("container-map/conn-set",
                             "[max=N] [tcp=SEC] [tcp-closing=SEC] [udp=SEC] "
                             "[icmp=SEC]", 0, 5, cmd_conn_set, NULL);
}
