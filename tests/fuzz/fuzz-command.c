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

/* libFuzzer target: the "ovs-appctl container-map/..." commands, through
 * their dispatcher (container_map_cmd_execute(), what the unixctl callback
 * runs), on real bridges: three ofproto-dpif bridges of the "dummy"
 * userspace datapath, with dummy ports and a VXLAN port with
 * options:remote_ip=flow, made in this process as ovs-vswitchd's bridge.c
 * makes them, without ovsdb or a running ovs-vswitchd.
 *
 * Input: text, one command a line ("add br0 203.0.113.10 tcp 80 MAC 1"; the
 * "container-map/" prefix is optional), words split at spaces, tabs and NUL
 * bytes, at most four commands.  A line "load BRIDGE" makes the rest of the
 * input the content of the file it loads (a temporary file).
 *
 * Before each input the map is as the baseline commands below left it (put
 * back through the map's own calls after an input that changed it):
 * mappings with one and several backends, IPv4 and IPv6, a drained
 * backend, a container behind the tunnel, reservations, echo settings, a
 * MAC, connection settings; br2 has no table yet.  For each command:
 *
 *   - one that fails has an error message and leaves everything exactly as
 *     it was: the state as "container-map/show" (every bridge: mappings,
 *     backends, counters, reservations, echo settings, MAC, whether the
 *     bridge has a table), "conn-set" (the connection settings) and
 *     "conn-count" print it;
 *   - one that only shows (show, conn-list, conn-count, conn-set without
 *     arguments) changes nothing either;
 *   - after any command the map keeps its invariants: no mapped port in
 *     another container's reserved range on the same IP, every mapping with
 *     1 to 64 backends, every range ordered. */

#include <config.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "container-map.h"
#include "container-map-cmd.h"
#include "container-map-conn.h"
#include "container-map-dp-private.h"
#include "container-map-odp.h"
#include "container-map-ofproto.h"
#include "container-map-view.h"
#include "dummy.h"
#include "fuzz-common.h"
#include "netdev.h"
#include "ofproto/ofproto.h"
#include "ofproto/ofproto-dpif.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovs-numa.h"
#include "ovs-rcu.h"
#include "smap.h"
#include "util.h"

#define N_BRIDGES 3
#define MAX_WORDS 16
#define MAX_COMMANDS 4

static const char *const bridge_names[N_BRIDGES] = { "br0", "br1", "br2" };
static struct ofproto *bridges[N_BRIDGES];

static const char *const baseline_commands[] = {
    "add br0 203.0.113.10 tcp 80 02:00:00:00:00:01 1",
    "add br0 203.0.113.10 tcp 81 02:00:00:00:00:02 p2",
    "add br0 203.0.113.10 tcp 81 02:00:00:00:00:03 3",
    "add br0 203.0.113.10 udp 53 02:00:00:00:00:03 3",
    "add br0 203.0.113.10 sctp 9 02:00:00:00:00:02 2",
    "add br0 2001:db8::10 tcp 443 02:00:00:00:00:01 1",
    "add br0 2001:db8::10 tcp 443 02:00:00:00:00:02 2",
    "add br0 203.0.113.20 tcp 22 02:00:00:00:00:04 vx0 remote=192.0.2.50",
    "drain br0 203.0.113.10 tcp 81 02:00:00:00:00:03",
    "reserve br0 203.0.113.10 02:00:00:00:00:01 1 ports=40000-40999",
    "reserve br0 203.0.113.10 02:00:00:00:00:02 2 ports=41000-41999 "
    "ids=0-99",
    "reserve br0 203.0.113.30 02:00:00:00:00:03 p3",
    "reserve br0 203.0.113.20 02:00:00:00:00:04 vx0 ports=30000-39999 "
    "remote=192.0.2.50",
    "echo br0 203.0.113.30 02:00:00:00:00:03",
    "echo br0 2001:db8::10 off",
    "set-mac br0 02:00:00:00:00:aa",
    "add br1 198.51.100.7 udp 4789 02:00:00:00:01:01 1",
    "reserve br1 198.51.100.7 02:00:00:00:01:01 1 ports=5000-5999",
    "conn-set per-source=50 tcp=600",
};

static struct container_map_conn_settings initial_settings;
static struct ds baseline = DS_EMPTY_INITIALIZER;
static bool dirty;

/* How often the map, put back after an input that changed it, is checked
 * against the baseline: every 16th time, and the first.  The check is of
 * this target's reset() alone; a reset that went wrong is caught then, or
 * sooner, as a failed command that "changed the state". */
#define RESET_CHECK_EVERY 16
static unsigned int n_resets;
static char load_path[] = "/tmp/cm-fuzz-load-XXXXXX";
static int load_fd = -1;

/* Runs the command of 'argv' (argv[0] the name) as ovs-appctl would.
 * Returns 1 for success, 0 for failure, -1 for an unknown command. */
static int
run_command(int argc, const char *argv[], struct ds *reply)
{
    const struct container_map_cmd_def *def = container_map_cmd_find(argv[0]);

    if (!def) {
        return -1;
    }
    return container_map_cmd_execute(def, argc, argv, reply);
}

/* Runs 'line', split at spaces, which must succeed. */
static void
run_line(const char *line)
{
    char *copy = xstrdup(line);
    const char *argv[MAX_WORDS];
    struct ds reply = DS_EMPTY_INITIALIZER;
    char *save_ptr = NULL;
    int argc = 0;

    for (char *w = strtok_r(copy, " ", &save_ptr); w && argc < MAX_WORDS;
         w = strtok_r(NULL, " ", &save_ptr)) {
        argv[argc++] = w;
    }
    CM_FUZZ_ASSERT(run_command(argc, argv, &reply) == 1, "setup: %s: %s",
                   line, ds_cstr(&reply));
    ds_destroy(&reply);
    free(copy);
}

/* What the commands show of the whole state. */
static void
dump_state(struct ds *s)
{
    static const char *const show[] = { "show" };
    static const char *const settings[] = { "conn-set" };
    static const char *const count[] = { "conn-count" };

    ds_clear(s);
    CM_FUZZ_ASSERT(run_command(1, (const char **) show, s) == 1, "show");
    ds_put_cstr(s, "\n--\n");
    CM_FUZZ_ASSERT(run_command(1, (const char **) settings, s) == 1,
                   "conn-set");
    ds_put_cstr(s, "\n--\n");
    CM_FUZZ_ASSERT(run_command(1, (const char **) count, s) == 1,
                   "conn-count");
}

/* The baseline as the map holds it, saved once the baseline commands have
 * run, so that putting the map back takes no commands (and no translation
 * of backends' actions, the costly part). */
struct saved_bridge {
    bool has_table;
    uint32_t table_id;
    struct eth_addr mac;
    bool mac_configured;
    struct container_map_mapping_view *mappings;
    size_t n_mappings;
    struct container_map_resv_view *resvs;
    size_t n_resvs;
    struct container_map_addr_view *addrs;
    size_t n_addrs;
};

struct saved_actions {
    struct container_map_backend_spec spec;
    const struct container_map_actions *actions;    /* Our copy. */
};

static struct saved_bridge saved[N_BRIDGES];
static struct saved_actions *saved_actions;
static size_t n_saved_actions;
static struct container_map_conn_settings baseline_settings;

static void
save_mapping(const struct container_map_mapping_view *m, void *sb_)
{
    struct saved_bridge *sb = sb_;

    sb->mappings = xrealloc(sb->mappings,
                            (sb->n_mappings + 1) * sizeof *sb->mappings);
    sb->mappings[sb->n_mappings++] = *m;
}

static void
save_resv(const struct container_map_resv_view *r, void *sb_)
{
    struct saved_bridge *sb = sb_;

    sb->resvs = xrealloc(sb->resvs, (sb->n_resvs + 1) * sizeof *sb->resvs);
    sb->resvs[sb->n_resvs++] = *r;
}

static void
save_addr(const struct container_map_addr_view *a, void *sb_)
{
    struct saved_bridge *sb = sb_;

    sb->addrs = xrealloc(sb->addrs, (sb->n_addrs + 1) * sizeof *sb->addrs);
    sb->addrs[sb->n_addrs++] = *a;
}

static void
save_backend(struct container_map_backend *b OVS_UNUSED,
             const struct container_map_backend_view *view,
             void *aux OVS_UNUSED)
{
    const struct container_map_actions *a = view->actions;
    struct saved_actions *sa;

    if (!a) {
        return;
    }
    saved_actions = xrealloc(saved_actions,
                             (n_saved_actions + 1) * sizeof *saved_actions);
    sa = &saved_actions[n_saved_actions++];
    sa->spec = view->spec;
    sa->actions = container_map_actions_create(
        ALIGNED_CAST(const struct nlattr *, a->data), a->size, a->in_port,
        &a->tun_src);
}

static void
save_baseline(void)
{
    struct container_map *map = container_map_global();

    container_map_conn_get_settings(map, &baseline_settings);
    for (int i = 0; i < N_BRIDGES; i++) {
        struct saved_bridge *sb = &saved[i];

        sb->has_table = container_map_bridge_lookup_table_id(bridge_names[i],
                                                             &sb->table_id);
        if (!sb->has_table) {
            continue;
        }
        sb->mac = container_map_get_mac(map, sb->table_id);
        sb->mac_configured = !eth_addr_is_zero(sb->mac);
        container_map_for_each_mapping(map, sb->table_id, save_mapping, sb);
        container_map_for_each_resv(map, sb->table_id, save_resv, sb);
        container_map_for_each_addr(map, sb->table_id, save_addr, sb);
        container_map_for_each_backend(map, sb->table_id, save_backend, NULL);
    }
}

static void
restore_backend(struct container_map_backend *b,
                const struct container_map_backend_view *view,
                void *aux OVS_UNUSED)
{
    for (size_t i = 0; i < n_saved_actions; i++) {
        const struct container_map_backend_spec *spec = &saved_actions[i].spec;
        const struct container_map_actions *a = saved_actions[i].actions;

        if (eth_addr_equals(spec->mac, view->spec.mac)
            && spec->ofport == view->spec.ofport
            && ipv6_addr_equals(&spec->tun_dst, &view->spec.tun_dst)) {
            container_map_set_actions(
                container_map_global(), b,
                container_map_actions_create(
                    ALIGNED_CAST(const struct nlattr *, a->data), a->size,
                    a->in_port, &a->tun_src));
            return;
        }
    }
}

static void
restore_bridge(int i)
{
    const struct saved_bridge *sb = &saved[i];
    struct container_map *map = container_map_global();
    struct container_map_conflict conflict;
    uint32_t table_id;

    table_id = container_map_bridge_table_id(bridge_names[i], false);
    CM_FUZZ_ASSERT(table_id == sb->table_id, "%s: table %"PRIu32", not %"
                   PRIu32, bridge_names[i], table_id, sb->table_id);
    for (size_t j = 0; j < sb->n_mappings; j++) {
        const struct container_map_mapping_view *m = &sb->mappings[j];

        for (uint32_t k = 0; k < m->n_backends; k++) {
            struct container_map_mapping mm = {
                .key = m->key,
                .backend = m->backends[k].spec,
            };
            enum container_map_add_result result;

            CM_FUZZ_ASSERT(!container_map_add(map, &mm, &result, &conflict),
                           "restore: add");
            if (m->backends[k].drained) {
                CM_FUZZ_ASSERT(!container_map_drain(map, &m->key,
                                                    mm.backend.mac, true),
                               "restore: drain");
            }
        }
    }
    for (size_t j = 0; j < sb->n_resvs; j++) {
        const struct container_map_resv_view *r = &sb->resvs[j];

        CM_FUZZ_ASSERT(!container_map_reserve(map, table_id, &r->ip,
                                              &r->backend, &r->ranges,
                                              &conflict),
                       "restore: reserve");
    }
    for (size_t j = 0; j < sb->n_addrs; j++) {
        const struct container_map_addr_view *a = &sb->addrs[j];

        CM_FUZZ_ASSERT(!container_map_set_echo(map, table_id, &a->ip,
                                               a->echo, &a->echo_mac),
                       "restore: echo");
    }
    if (sb->mac_configured) {
        container_map_bridge_set_mac(bridge_names[i], table_id, &sb->mac);
    }
    container_map_for_each_backend(map, table_id, restore_backend, NULL);
}

/* Puts the map back to the baseline: every bridge's table cleared and its
 * number given back (as when the bridge goes), the settings as they were,
 * then what the baseline commands made, in the order they made it. */
static void
reset(void)
{
    struct container_map *map = container_map_global();
    struct container_map_conn_settings st;

    /* The settings first: with a large limit, clearing a table walks many
     * chain heads. */
    container_map_conn_get_settings(map, &st);
    if (memcmp(&st, &baseline_settings, sizeof st)) {
        /* A new limit resizes the table, which waits for RCU: only when
         * needed. */
        container_map_conn_set_settings(map, &baseline_settings);
    }
    for (int i = 0; i < N_BRIDGES; i++) {
        container_map_bridge_release_table(bridge_names[i], false);
    }
    container_map_conn_flush(map, UINT32_MAX);
    for (int i = 0; i < N_BRIDGES; i++) {
        if (saved[i].has_table) {
            restore_bridge(i);
        }
    }
    ovsrcu_quiesce();
}

static void
add_port(struct ofproto *ofproto, const char *name, const char *type,
         uint16_t number, const char *remote_ip)
{
    ofp_port_t ofp_port = u16_to_ofp(number);
    struct netdev *netdev;

    CM_FUZZ_ASSERT(!netdev_open(name, type, &netdev), "open %s", name);
    if (remote_ip) {
        struct smap options = SMAP_INITIALIZER(&options);

        smap_add(&options, "remote_ip", remote_ip);
        CM_FUZZ_ASSERT(!netdev_set_config(netdev, &options, NULL),
                       "configure %s", name);
        smap_destroy(&options);
    }
    CM_FUZZ_ASSERT(!ofproto_port_add(ofproto, netdev, &ofp_port),
                   "add port %s", name);
    CM_FUZZ_ASSERT(ofp_port == u16_to_ofp(number), "port %s numbered %"
                   PRIu16, name, ofp_to_u16(ofp_port));
}

static void
run_bridges(void)
{
    ofproto_type_run("dummy");
    for (int i = 0; i < N_BRIDGES; i++) {
        ofproto_run(bridges[i]);
    }
}

static void
remove_load_file(void)
{
    unlink(load_path);
}

static void
setup(void)
{
    struct shash iface_hints = SHASH_INITIALIZER(&iface_hints);
    static const char *const ports[N_BRIDGES][3] = {
        { "p1", "p2", "p3" }, { "q1", "q2", NULL }, { "r1", NULL, NULL },
    };

    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    ovs_numa_init();
    netdev_dummy_register(DUMMY_OVERRIDE_NONE);
    dpif_dummy_register(DUMMY_OVERRIDE_NONE);
    ofproto_init(&iface_hints);
    for (int i = 0; i < N_BRIDGES; i++) {
        CM_FUZZ_ASSERT(!ofproto_create(bridge_names[i], "dummy",
                                       &bridges[i]),
                       "create %s", bridge_names[i]);
        add_port(bridges[i], bridge_names[i], "dummy-internal",
                 ofp_to_u16(OFPP_LOCAL), NULL);
        for (int j = 0; j < 3 && ports[i][j]; j++) {
            add_port(bridges[i], ports[i][j], "dummy", j + 1, NULL);
        }
    }
    add_port(bridges[0], "vx0", "vxlan", 10, "flow");
    for (int i = 0; i < 3; i++) {
        run_bridges();
    }

    load_fd = mkstemp(load_path);
    CM_FUZZ_ASSERT(load_fd >= 0, "mkstemp: %s", ovs_strerror(errno));
    atexit(remove_load_file);

    /* A small connection table: conn-count and conn-list walk it whole,
     * in every state dump (no connection is ever made here). */
    container_map_conn_get_settings(container_map_global(),
                                    &initial_settings);
    initial_settings.max_conns = 64;
    container_map_conn_set_settings(container_map_global(),
                                    &initial_settings);
    for (size_t i = 0; i < ARRAY_SIZE(baseline_commands); i++) {
        run_line(baseline_commands[i]);
    }
    ovsrcu_quiesce();
    save_baseline();
    dump_state(&baseline);
}

/* The invariants of the map, after any command. */
struct check_aux {
    struct container_map_mapping_view *mappings;
    size_t n, allocated;
};

static void
check_mapping(const struct container_map_mapping_view *m, void *aux_)
{
    struct check_aux *aux = aux_;

    CM_FUZZ_ASSERT(m->n_backends >= 1
                   && m->n_backends <= CONTAINER_MAP_MAX_BACKENDS,
                   "mapping with %"PRIu32" backends", m->n_backends);
    if (aux->n >= aux->allocated) {
        aux->mappings = x2nrealloc(aux->mappings, &aux->allocated,
                                   sizeof *aux->mappings);
    }
    aux->mappings[aux->n++] = *m;
}

static void
check_resv(const struct container_map_resv_view *r, void *aux_)
{
    struct check_aux *aux = aux_;

    CM_FUZZ_ASSERT(r->ranges.port_min <= r->ranges.port_max
                   && r->ranges.id_min <= r->ranges.id_max,
                   "reservation with reversed ranges");
    for (size_t i = 0; i < aux->n; i++) {
        const struct container_map_mapping_view *m = &aux->mappings[i];
        uint16_t port = ntohs(m->key.port);

        if (!ipv6_addr_equals(&m->key.ip, &r->ip)
            || port < r->ranges.port_min || port > r->ranges.port_max) {
            continue;
        }
        for (uint32_t j = 0; j < m->n_backends; j++) {
            CM_FUZZ_ASSERT(eth_addr_equals(m->backends[j].spec.mac,
                                           r->backend.mac),
                           "port %"PRIu16" mapped to "ETH_ADDR_FMT" lies in "
                           "the reservation of "ETH_ADDR_FMT, port,
                           ETH_ADDR_ARGS(m->backends[j].spec.mac),
                           ETH_ADDR_ARGS(r->backend.mac));
        }
    }
}

static void
check_invariants(void)
{
    static struct check_aux aux;    /* Its array is kept between calls. */
    struct container_map *map = container_map_global();

    for (int i = 0; i < N_BRIDGES; i++) {
        uint32_t table_id;

        if (container_map_bridge_lookup_table_id(bridge_names[i],
                                                 &table_id)) {
            aux.n = 0;
            container_map_for_each_mapping(map, table_id, check_mapping,
                                           &aux);
            container_map_for_each_resv(map, table_id, check_resv, &aux);
        }
    }
}

/* Whether 'argv' sets a connection table limit above FUZZ_MAX_CONNS.  Such
 * a command runs, but so do conn-count, conn-list, show and every flush after
 * it, and each walks the table's heads, one per connection it may hold:
 * thousands of times the cost of any other input.  The target leaves them
 * out; the autotests set the largest limit. */
#define FUZZ_MAX_CONNS 4096

static bool
sets_large_table(int argc, const char *argv[])
{
    const char *name = argv[0];

    if (!strncmp(name, "container-map/", 14)) {
        name += 14;
    }
    if (strcmp(name, "conn-set")) {
        return false;
    }
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "max=", 4)
            && strtoull(argv[i] + 4, NULL, 10) > FUZZ_MAX_CONNS) {
            return true;
        }
    }
    return false;
}

static bool
is_read_only(const char *name, int argc)
{
    if (!strncmp(name, "container-map/", 14)) {
        name += 14;
    }
    return (!strcmp(name, "show") || !strcmp(name, "conn-list")
            || !strcmp(name, "conn-count")
            || (!strcmp(name, "conn-set") && argc == 1));
}

/* Splits the 'n' bytes at 'line' into at most MAX_WORDS words in 'buf'. */
static int
split_words(const uint8_t *line, size_t n, char *buf, const char *argv[])
{
    int argc = 0;
    size_t i = 0;

    while (i < n && argc < MAX_WORDS) {
        while (i < n && (line[i] == ' ' || line[i] == '\t' || !line[i])) {
            i++;
        }
        if (i >= n) {
            break;
        }
        argv[argc++] = buf;
        while (i < n && line[i] != ' ' && line[i] != '\t' && line[i]) {
            *buf++ = line[i++];
        }
        *buf++ = '\0';
    }
    return argc;
}

static void
write_load_file(const uint8_t *data, size_t size)
{
    CM_FUZZ_ASSERT(!ftruncate(load_fd, 0), "ftruncate");
    CM_FUZZ_ASSERT(pwrite(load_fd, data, size, 0) == size, "pwrite");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Kept from one input to the next, for their buffers. */
    static struct ds before = DS_EMPTY_INITIALIZER;
    static struct ds after = DS_EMPTY_INITIALIZER;
    static struct ds reply = DS_EMPTY_INITIALIZER;
    static bool initialized;
    char *buf = xmalloc(size + MAX_WORDS + 1);
    bool before_valid;

    if (!initialized) {
        initialized = true;
        setup();
    }
    if (dirty) {
        reset();
        if (n_resets++ % RESET_CHECK_EVERY == 0) {
            dump_state(&after);
            CM_FUZZ_ASSERT(cm_fuzz_ds_equal(&after, &baseline),
                           "the baseline differs from the first time:\n%s\n"
                           "but first:\n%s", ds_cstr(&after),
                           ds_cstr(&baseline));
        }
        dirty = false;
    }
    /* 'before' is the state before the next command, as dump_state()
     * prints it, when 'before_valid'.  A command that succeeded and may
     * have changed the map gets no dump after it: only the next command,
     * if there is one, needs it (most inputs have one command). */
    ds_clear(&before);
    ds_put_buffer(&before, baseline.string, baseline.length);
    before_valid = true;

    for (int n_commands = 0; size && n_commands < MAX_COMMANDS;
         n_commands++) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t len = nl ? nl - data : size;
        const char *argv[MAX_WORDS + 1];
        int argc = split_words(data, len, buf, argv);
        int result;

        data += nl ? len + 1 : len;
        size -= nl ? len + 1 : len;
        if (!argc) {
            continue;
        }
        if (argc == 2 && (!strcmp(argv[0], "load")
                          || !strcmp(argv[0], "container-map/load"))) {
            /* The rest of the input is the file. */
            write_load_file(data, size);
            argv[argc++] = load_path;
            size = 0;
        }

        if (sets_large_table(argc, argv)) {
            break;
        }
        if (!container_map_cmd_find(argv[0])) {
            continue;
        }
        if (!before_valid) {
            dump_state(&before);
            before_valid = true;
        }
        ds_clear(&reply);
        result = run_command(argc, argv, &reply);
        if (result && !is_read_only(argv[0], argc)) {
            dirty = true;
            before_valid = false;
            check_invariants();
        } else {
            dump_state(&after);
            CM_FUZZ_ASSERT(result || reply.length,
                           "%s failed without a message", argv[0]);
            CM_FUZZ_ASSERT(cm_fuzz_ds_equal(&before, &after),
                           "%s %s changed the state: \"%s\"\nbefore:\n%s\n"
                           "after:\n%s", argv[0],
                           result ? "(only showing)" : "failed but",
                           ds_cstr(&reply), ds_cstr(&before),
                           ds_cstr(&after));
        }
    }
    ovsrcu_quiesce();

    free(buf);
    return 0;
}
