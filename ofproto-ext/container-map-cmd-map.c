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

/* The mapping commands: container-map/add, del, drain, undrain, flush, load
 * and show (container-map-cmd.h). */

#include <config.h>

#include "container-map-cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container-map-conn.h"
#include "container-map-ofproto.h"
#include "container-map-stats.h"
#include "container-map-view.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "sset.h"
#include "util.h"

/* Explains EADDRINUSE for mapping 'key': its port is in the source port
 * range of another container ('conflict'). */
static void
format_port_taken(struct ds *s, const struct container_map_key *key,
                  const struct container_map_conflict *conflict)
{
    ds_put_format(s, ": port %"PRIu16" is in the source port range of "
                  "another container ("ETH_ADDR_FMT", ports "
                  "%"PRIu16"-%"PRIu16")", ntohs(key->port),
                  ETH_ADDR_ARGS(conflict->mac), conflict->ranges.port_min,
                  conflict->ranges.port_max);
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
    case CONTAINER_MAP_N_ADD_RESULTS:
    default:
        return "unchanged";
    }
}

/* Parses "IP PROTO PORT MAC OFPORT [remote=IP]" ('n' arguments). */
static bool
parse_mapping(struct container_map_cmd *cmd, const char *argv[], int n,
              struct container_map_mapping *m)
{
    return (container_map_cmd_parse_key(argv, cmd->table_id, &m->key,
                                        &cmd->out)
            && container_map_cmd_parse_backend(cmd->ofproto, argv[3],
                                               argv[4],
                                               n > 5 ? argv[5] : NULL,
                                               &m->backend, &cmd->out));
}

/* container-map/add BRIDGE IP PROTO PORT MAC OFPORT [remote=IP] */
static bool
cmd_add(struct container_map_cmd *cmd)
{
    enum container_map_add_result result;
    struct container_map_conflict conflict;
    struct container_map_mapping m;
    int error;

    if (!parse_mapping(cmd, &cmd->argv[2], cmd->argc - 2, &m)) {
        return false;
    }
    error = container_map_add(container_map_global(), &m, &result,
                              &conflict);
    if (error) {
        ds_put_format(&cmd->out, "%s: ", cmd->argv[1]);
        container_map_cmd_format_key(&cmd->out, &m.key);
        if (error == EADDRINUSE) {
            format_port_taken(&cmd->out, &m.key, &conflict);
        } else {
            ds_put_format(&cmd->out, ": %s", error == E2BIG
                          ? "too many backends (at most "
                            OVS_STRINGIZE(CONTAINER_MAP_MAX_BACKENDS) ")"
                          : ovs_strerror(error));
        }
        return false;
    }
    container_map_compile_backends(cmd->ofproto, false);
    container_map_cmd_note_mapping(cmd, &m.key);

    ds_put_format(&cmd->out, "%s: ", add_result_name(result));
    container_map_cmd_format_key(&cmd->out, &m.key);
    ds_put_cstr(&cmd->out, " -> ");
    container_map_cmd_format_backend(&cmd->out, NULL, &m.backend);
    cmd->changed = true;
    return true;
}

/* container-map/del BRIDGE IP PROTO PORT [MAC] */
static bool
cmd_del(struct container_map_cmd *cmd)
{
    bool has_mac = cmd->argc > 5;
    struct container_map_key key;
    struct eth_addr mac;

    if (!container_map_cmd_parse_key(&cmd->argv[2], cmd->table_id, &key,
                                     &cmd->out)
        || (has_mac && !container_map_cmd_parse_mac(cmd->argv[5], &mac,
                                                    &cmd->out))) {
        return false;
    }
    if (container_map_del(container_map_global(), &key,
                          has_mac ? &mac : NULL)) {
        ds_put_format(&cmd->out, "%s: no mapping for ", cmd->argv[1]);
        container_map_cmd_format_key(&cmd->out, &key);
        if (has_mac) {
            ds_put_format(&cmd->out, " with backend "ETH_ADDR_FMT,
                          ETH_ADDR_ARGS(mac));
        }
        return false;
    }

    container_map_cmd_note_mapping(cmd, &key);
    ds_put_cstr(&cmd->out, "deleted: ");
    container_map_cmd_format_key(&cmd->out, &key);
    if (has_mac) {
        ds_put_format(&cmd->out, " -> "ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    }
    cmd->changed = true;
    return true;
}

/* container-map/drain and undrain BRIDGE IP PROTO PORT MAC */
static bool
drain(struct container_map_cmd *cmd, bool drain)
{
    struct container_map_key key;
    struct eth_addr mac;

    if (!container_map_cmd_parse_key(&cmd->argv[2], cmd->table_id, &key,
                                     &cmd->out)
        || !container_map_cmd_parse_mac(cmd->argv[5], &mac, &cmd->out)) {
        return false;
    }
    if (container_map_drain(container_map_global(), &key, mac, drain)) {
        ds_put_format(&cmd->out, "%s: no mapping for ", cmd->argv[1]);
        container_map_cmd_format_key(&cmd->out, &key);
        ds_put_format(&cmd->out, " with backend "ETH_ADDR_FMT,
                      ETH_ADDR_ARGS(mac));
        return false;
    }

    container_map_cmd_note_mapping(cmd, &key);
    ds_put_format(&cmd->out, "%s: ", drain ? "drained" : "undrained");
    container_map_cmd_format_key(&cmd->out, &key);
    ds_put_format(&cmd->out, " -> "ETH_ADDR_FMT"%s", ETH_ADDR_ARGS(mac),
                  drain ? " (no new connections, existing ones go on)" : "");
    cmd->changed = true;
    return true;
}

static bool
cmd_drain(struct container_map_cmd *cmd)
{
    return drain(cmd, true);
}

static bool
cmd_undrain(struct container_map_cmd *cmd)
{
    return drain(cmd, false);
}

/* container-map/flush [BRIDGE] */
static bool
cmd_flush(struct container_map_cmd *cmd)
{
    size_t n = container_map_flush(container_map_global(), cmd->table_id);

    container_map_cmd_note_flush(cmd);
    ds_put_format(&cmd->out, "flushed %"PRIuSIZE" mapping%s", n,
                  n == 1 ? "" : "s");
    cmd->changed = true;
    return true;
}

/* container-map/load BRIDGE FILE
 *
 * Each line of FILE is "IP PROTO PORT MAC OFPORT [remote=IP]"; blank lines
 * and lines starting with '#' are skipped.  FILE must be a regular file of
 * at most LOAD_MAX_BYTES and LOAD_MAX_LINES lines of at most LOAD_MAX_LINE
 * bytes.  The whole file is checked first: on any error nothing is added. */
#define LOAD_MAX_BYTES (256 * 1024 * 1024)
#define LOAD_MAX_LINES (4 * 1024 * 1024)
#define LOAD_MAX_LINE 1024

/* Reads a line of at most 'size' - 1 bytes from 'stream' into 'line', without
 * its newline.  Returns the line's length, or -1 at the end of the file,
 * -2 for a line that is too long, -3 for a line with a NUL byte. */
static int
read_line(FILE *stream, char *line, size_t size)
{
    size_t n = 0;
    int c;

    while ((c = getc(stream)) != EOF && c != '\n') {
        if (n + 1 >= size) {
            return -2;
        } else if (!c) {
            return -3;
        }
        line[n++] = c;
    }
    line[n] = '\0';
    return c == EOF && !n ? -1 : n;
}

/* Opens 'file_name' for reading if it is a regular file within the limit,
 * without waiting (a FIFO would block the main thread). */
static FILE *
open_load_file(struct container_map_cmd *cmd, const char *file_name)
{
    struct stat st;
    FILE *stream;
    int fd;

    fd = open(file_name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        ds_put_format(&cmd->out, "%s: %s", file_name, ovs_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        ds_put_format(&cmd->out, "%s: not a regular file", file_name);
    } else if (st.st_size > LOAD_MAX_BYTES) {
        ds_put_format(&cmd->out, "%s: larger than %d MiB", file_name,
                      LOAD_MAX_BYTES / (1024 * 1024));
    } else if (!(stream = fdopen(fd, "r"))) {
        ds_put_format(&cmd->out, "%s: %s", file_name, ovs_strerror(errno));
    } else {
        return stream;
    }
    close(fd);
    return NULL;
}

static bool
read_mappings(struct container_map_cmd *cmd, FILE *stream,
              struct container_map_mapping **mapsp, size_t *n_mapsp)
{
    const char *file_name = cmd->argv[2];
    struct container_map_mapping *maps = NULL;
    size_t n_maps = 0, allocated = 0;
    char line[LOAD_MAX_LINE + 1];
    int line_number = 0;
    int len;

    while ((len = read_line(stream, line, sizeof line)) != -1) {
        char *save_ptr = NULL;
        const char *fields[6];
        int n_fields = 0;
        char *token;

        if (++line_number > LOAD_MAX_LINES) {
            ds_put_format(&cmd->out, "%s: more than %d lines", file_name,
                          LOAD_MAX_LINES);
            break;
        } else if (len < 0) {
            ds_put_format(&cmd->out, "%s:%d: %s", file_name, line_number,
                          len == -2 ? "line longer than "
                                      OVS_STRINGIZE(LOAD_MAX_LINE) " bytes"
                                    : "NUL byte");
            break;
        }
        for (token = strtok_r(line, " \t\r", &save_ptr);
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
            ds_put_format(&cmd->out, "%s:%d: expected \"IP PROTO PORT MAC "
                          "OFPORT [remote=IP]\"", file_name, line_number);
            break;
        }
        if (n_maps >= allocated) {
            maps = x2nrealloc(maps, &allocated, sizeof *maps);
        }
        ds_put_format(&cmd->out, "%s:%d: ", file_name, line_number);
        if (!parse_mapping(cmd, fields, n_fields, &maps[n_maps])) {
            break;
        }
        ds_clear(&cmd->out);
        n_maps++;
    }
    if (!cmd->out.length && ferror(stream)) {
        ds_put_format(&cmd->out, "%s: read error", file_name);
    }
    *mapsp = maps;
    *n_mapsp = n_maps;
    return !cmd->out.length;
}

static bool
cmd_load(struct container_map_cmd *cmd)
{
    size_t counts[CONTAINER_MAP_N_ADD_RESULTS];
    struct container_map_conflict conflict;
    struct container_map_mapping *maps = NULL;
    size_t n_maps = 0, bad = 0;
    FILE *stream;
    int error;

    stream = open_load_file(cmd, cmd->argv[2]);
    if (!stream) {
        return false;
    }
    if (!read_mappings(cmd, stream, &maps, &n_maps)) {
        fclose(stream);
        free(maps);
        return false;
    }
    fclose(stream);

    error = container_map_add_batch(container_map_global(), maps, n_maps,
                                    counts, &bad, &conflict);
    if (error) {
        const struct container_map_key *key = &maps[bad].key;

        if (error == EADDRINUSE) {
            ds_put_format(&cmd->out, "%s: ", cmd->argv[2]);
            container_map_cmd_format_key(&cmd->out, key);
            format_port_taken(&cmd->out, key, &conflict);
        } else if (error == E2BIG) {
            ds_put_cstr(&cmd->out, "too many backends for ");
            container_map_cmd_format_key(&cmd->out, key);
            ds_put_format(&cmd->out, " (at most %d)",
                          CONTAINER_MAP_MAX_BACKENDS);
        } else {
            ds_put_format(&cmd->out, "%s: ", cmd->argv[2]);
            container_map_cmd_format_key(&cmd->out, key);
            ds_put_format(&cmd->out, ": %s", ovs_strerror(error));
        }
        free(maps);
        return false;
    }
    for (size_t i = 0; i < n_maps; i++) {
        container_map_cmd_note_mapping(cmd, &maps[i].key);
    }
    free(maps);
    container_map_compile_backends(cmd->ofproto, false);

    ds_put_format(&cmd->out, "loaded %"PRIuSIZE" mappings: %"PRIuSIZE" "
                  "added, %"PRIuSIZE" backends added, %"PRIuSIZE" updated, "
                  "%"PRIuSIZE" unchanged", n_maps,
                  counts[CONTAINER_MAP_ADDED_ENTRY],
                  counts[CONTAINER_MAP_ADDED_BACKEND],
                  counts[CONTAINER_MAP_UPDATED_BACKEND],
                  counts[CONTAINER_MAP_UNCHANGED]);
    cmd->changed = true;
    return true;
}

/* container-map/show [BRIDGE] */

struct show_aux {
    struct ds *s;
    struct ofproto_dpif *ofproto;
};

/* Puts the positions of 'm''s backends in 'order' by MAC: the order in which
 * they were added is not kept (the database has them as a set), and
 * selection does not depend on it. */
static void
sort_backends(const struct container_map_mapping_view *m, uint32_t *order)
{
    for (uint32_t i = 0; i < m->n_backends; i++) {
        const struct eth_addr mac = m->backends[i].spec.mac;
        uint32_t j;

        for (j = i; j > 0; j--) {
            if (eth_addr_compare_3way(m->backends[order[j - 1]].spec.mac,
                                      mac) <= 0) {
                break;
            }
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
}

static void
show_mapping(const struct container_map_mapping_view *m, void *aux_)
{
    uint32_t order[CONTAINER_MAP_MAX_BACKENDS];
    struct show_aux *aux = aux_;
    struct ds *s = aux->s;

    ds_put_cstr(s, "  ");
    container_map_cmd_format_key(s, &m->key);
    ds_put_format(s, ": packets=%llu bytes=%llu\n", m->n_packets,
                  m->n_bytes);
    sort_backends(m, order);
    for (uint32_t i = 0; i < m->n_backends; i++) {
        const struct container_map_backend_view *b = &m->backends[order[i]];

        ds_put_cstr(s, "    -> ");
        container_map_cmd_format_backend(s, aux->ofproto, &b->spec);
        ds_put_format(s, ": packets=%llu bytes=%llu%s%s", b->n_packets,
                      b->n_bytes, b->drained ? " drained" : "",
                      b->actions ? "" : " unreachable");
        if (b->down && b->actions) {
            ds_put_format(s, " down (%s)", b->down);
        }
        ds_put_char(s, '\n');
    }
}

static void
show_resv(const struct container_map_resv_view *r, void *aux_)
{
    struct show_aux *aux = aux_;

    ds_put_cstr(aux->s, "  reserved ");
    container_map_cmd_format_ip(aux->s, &r->ip);
    ds_put_cstr(aux->s, " for ");
    container_map_cmd_format_backend(aux->s, aux->ofproto, &r->backend);
    ds_put_format(aux->s, ": ports %"PRIu16"-%"PRIu16", ICMP ids "
                  "%"PRIu16"-%"PRIu16"\n", r->ranges.port_min,
                  r->ranges.port_max, r->ranges.id_min, r->ranges.id_max);
}

static void
show_echo(const struct container_map_addr_view *addr, void *aux_)
{
    struct show_aux *aux = aux_;

    if (addr->echo != CONTAINER_MAP_ECHO_SWITCH) {
        ds_put_cstr(aux->s, "  echo requests to ");
        container_map_cmd_format_ip(aux->s, &addr->ip);
        if (addr->echo == CONTAINER_MAP_ECHO_CONTAINER) {
            ds_put_format(aux->s, ": container "ETH_ADDR_FMT"\n",
                          ETH_ADDR_ARGS(addr->echo_mac));
        } else {
            ds_put_cstr(aux->s, ": off\n");
        }
    }
}

static void
count_resv(const struct container_map_resv_view *r OVS_UNUSED, void *n_)
{
    size_t *n = n_;

    (*n)++;
}

static void
show_bridge(struct ds *s, struct ofproto_dpif *ofproto)
{
    struct container_map *map = container_map_global();
    struct show_aux aux = { .s = s, .ofproto = ofproto };
    size_t n_maps, n_resvs = 0, n_conns;
    uint32_t table_id;

    if (!container_map_bridge_lookup_table_id(ofproto->up.name, &table_id)) {
        ds_put_format(s, "%s: 0 mappings\n", ofproto->up.name);
        return;
    }

    n_maps = container_map_count_mappings(map, table_id);
    container_map_for_each_resv(map, table_id, count_resv, &n_resvs);
    n_conns = container_map_conn_count(map, table_id);
    ds_put_format(s, "%s: %"PRIuSIZE" mapping%s, %"PRIuSIZE" reservation%s, "
                  "%"PRIuSIZE" connection%s, ARP/ICMP MAC "ETH_ADDR_FMT"\n",
                  ofproto->up.name, n_maps, n_maps == 1 ? "" : "s",
                  n_resvs, n_resvs == 1 ? "" : "s",
                  n_conns, n_conns == 1 ? "" : "s",
                  ETH_ADDR_ARGS(container_map_get_mac(map, table_id)));
    for (int c = 0; c < CONTAINER_MAP_N_COUNTERS; c++) {
        ds_put_cstr(s, (c == 0 ? "  unmatched packets:"
                        : c == CONTAINER_MAP_N_DROPS ? "\n  events:" : ""));
        ds_put_format(s, " %s=%llu", container_map_counter_name(c),
                      container_map_get_counter(map, table_id, c));
    }
    ds_put_char(s, '\n');

    container_map_for_each_mapping(map, table_id, show_mapping, &aux);
    container_map_for_each_resv(map, table_id, show_resv, &aux);
    container_map_for_each_addr(map, table_id, show_echo, &aux);
}

static bool
cmd_show(struct container_map_cmd *cmd)
{
    struct sset names = SSET_INITIALIZER(&names);
    const char *name;

    if (cmd->ofproto) {
        show_bridge(&cmd->out, cmd->ofproto);
        return true;
    }
    container_map_bridge_names(&names);
    SSET_FOR_EACH (name, &names) {
        struct ofproto_dpif *ofproto = ofproto_dpif_lookup_by_name(name);

        if (ofproto) {
            show_bridge(&cmd->out, ofproto);
        }
    }
    sset_destroy(&names);
    return true;
}

static const struct container_map_cmd_def defs[] = {
    { "add", "BRIDGE IP PROTO PORT MAC OFPORT [remote=IP]", 6, 7,
      CM_CMD_BRIDGE, cmd_add, true },
    { "del", "BRIDGE IP PROTO PORT [MAC]", 4, 5, CM_CMD_BRIDGE, cmd_del,
      true },
    { "drain", "BRIDGE IP PROTO PORT MAC", 5, 5, CM_CMD_BRIDGE, cmd_drain,
      true },
    { "undrain", "BRIDGE IP PROTO PORT MAC", 5, 5, CM_CMD_BRIDGE,
      cmd_undrain, true },
    { "flush", "[BRIDGE]", 0, 1, CM_CMD_ANY_BRIDGE, cmd_flush, true },
    { "load", "BRIDGE FILE", 2, 2, CM_CMD_BRIDGE, cmd_load, true },
    { "show", "[BRIDGE]", 0, 1, CM_CMD_ANY_BRIDGE, cmd_show, false },
};

void
container_map_cmd_register_mappings(void)
{
    container_map_cmd_register_defs(defs, ARRAY_SIZE(defs));
}
