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

#include "container-map-ofproto.h"
#include "container-map-table.h"
#include "netdev.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(container_map);

/* One parsed mapping. */
struct mapping {
    struct container_map_key key;
    struct eth_addr mac;
    ofp_port_t ofport;
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
static bool
parse_mapping(struct ofproto_dpif *ofproto, uint32_t table_id,
              const char *argv[], struct mapping *m, struct ds *err)
{
    return (parse_key(argv, table_id, &m->key, err)
            && parse_mac(argv[3], &m->mac, err)
            && parse_ofport(ofproto, argv[4], &m->ofport, err));
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
        || !parse_mapping(ofproto, table_id, &argv[2], &m, &err)) {
        reply_error(conn, &err);
        return;
    }

    error = container_map_table_add(table, &m.key, m.mac, m.ofport, &result);
    if (error) {
        ds_put_format(&err, "%s: ", argv[1]);
        format_key(&err, &m.key);
        ds_put_format(&err, ": %s", error == E2BIG
                      ? "too many backends (at most "
                        OVS_STRINGIZE(CONTAINER_MAP_MAX_BACKENDS) ")"
                      : ovs_strerror(error));
        reply_error(conn, &err);
        return;
    }
    container_map_compile_backends(ofproto, false);

    struct ds reply = DS_EMPTY_INITIALIZER;
    ds_put_format(&reply, "%s: ", add_result_name(result));
    format_key(&reply, &m.key);
    ds_put_format(&reply, " -> "ETH_ADDR_FMT" port %"PRIu16,
                  ETH_ADDR_ARGS(m.mac), ofp_to_u16(m.ofport));
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

static void
show_bridge(struct ds *s, struct ofproto_dpif *ofproto)
{
    struct container_map_table *table = container_map_table_global();
    struct show_aux aux = { .entries = NULL };
    uint32_t table_id;

    if (!container_map_bridge_lookup_table_id(ofproto->up.name, &table_id)) {
        ds_put_format(s, "%s: 0 mappings\n", ofproto->up.name);
        return;
    }

    aux.table_id = table_id;
    container_map_table_for_each(table, collect_entry, &aux);
    qsort(aux.entries, aux.n, sizeof *aux.entries, compare_entries);

    ds_put_format(s, "%s: %"PRIuSIZE" mapping%s, unmatched packets:",
                  ofproto->up.name, aux.n, aux.n == 1 ? "" : "s");
    for (int r = 0; r < CONTAINER_MAP_N_DROP_REASONS; r++) {
        ds_put_format(s, " %s=%llu", container_map_drop_reason_name(r),
                      container_map_table_get_drops(table, table_id, r));
    }
    ds_put_char(s, '\n');

    for (size_t i = 0; i < aux.n; i++) {
        const struct container_map_entry *e = aux.entries[i];
        unsigned long long n_packets, n_bytes;

        container_map_counters_get(e->stats, &n_packets, &n_bytes);
        ds_put_cstr(s, "  ");
        format_key(s, &e->key);
        ds_put_format(s, ": packets=%llu bytes=%llu\n", n_packets, n_bytes);
        for (uint32_t j = 0; j < e->n_backends; j++) {
            const struct container_map_backend *b = e->backends[j];

            ds_put_format(s, "    -> "ETH_ADDR_FMT" ", ETH_ADDR_ARGS(b->mac));
            format_port(s, ofproto, b->ofport);
            if (!ovsrcu_get(struct container_map_actions *, &b->actions)) {
                ds_put_cstr(s, " unreachable");
            }
            ds_put_char(s, '\n');
        }
    }
    free(aux.entries);
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
        if (n_fields != 5) {
            ds_put_format(&err, "%s:%d: expected \"IP PROTO PORT MAC "
                          "OFPORT\"", argv[2], line_number);
            break;
        }
        if (n_maps >= allocated) {
            maps = x2nrealloc(maps, &allocated, sizeof *maps);
        }
        ds_put_format(&err, "%s:%d: ", argv[2], line_number);
        if (!parse_mapping(ofproto, table_id, fields, &maps[n_maps], &err)) {
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

    if (err.length || !check_backend_limits(maps, n_maps, &err)) {
        free(maps);
        reply_error(conn, &err);
        return;
    }

    for (size_t i = 0; i < n_maps; i++) {
        enum container_map_add_result result;
        int error = container_map_table_add(table, &maps[i].key, maps[i].mac,
                                            maps[i].ofport, &result);

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

void
container_map_ofproto_init(void)
{
    unixctl_command_register("container-map/add",
                             "BRIDGE IP PROTO PORT MAC OFPORT", 6, 6,
                             cmd_add, NULL);
    unixctl_command_register("container-map/del",
                             "BRIDGE IP PROTO PORT [MAC]", 4, 5,
                             cmd_del, NULL);
    unixctl_command_register("container-map/show", "[BRIDGE]", 0, 1,
                             cmd_show, NULL);
    unixctl_command_register("container-map/flush", "[BRIDGE]", 0, 1,
                             cmd_flush, NULL);
    unixctl_command_register("container-map/load", "BRIDGE FILE", 2, 2,
                             cmd_load, NULL);
}
