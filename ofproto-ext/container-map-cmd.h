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

#ifndef CONTAINER_MAP_CMD_H
#define CONTAINER_MAP_CMD_H 1

/* What the "ovs-appctl container-map/..." commands share.  Each family has
 * its file: mappings (container-map-cmd-map.c), reservations (-cmd-resv.c),
 * ARP and ICMP (-cmd-arp.c), connections (-cmd-conn.c).
 *
 * A command is a function that reads its arguments and either fills
 * 'cmd->out' with its reply and returns true, or fills it with an error and
 * returns false.  The dispatcher (container_map_cmd_register_defs()) finds
 * the bridge for it, replies, and logs the reply of a command that changed
 * something.  Every command
 * checks all of its input before it changes anything, so a command that
 * fails leaves the map as it was. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container-map.h"
#include "openvswitch/dynamic-string.h"

struct container_map_db_changes;
struct ofproto_dpif;

struct container_map_cmd {
    int argc;
    const char **argv;
    struct ofproto_dpif *ofproto;   /* The bridge in argv[1], or NULL. */
    uint32_t table_id;              /* Its table (UINT32_MAX: all). */
    struct ds out;                  /* The reply, or the error. */
    bool changed;                   /* Log the reply... */
    const char *log_prefix;         /* ...after this, if nonnull. */
    struct container_map_db_changes *db;  /* What to write to the database
                                           * (container-map-db.h). */
};

/* How a command finds its bridge. */
enum container_map_cmd_bridge {
    CM_CMD_NO_BRIDGE,       /* Takes none. */
    CM_CMD_BRIDGE,          /* argv[1], which gets a table if it has none
                             * (given back if the command fails). */
    CM_CMD_ANY_BRIDGE,      /* argv[1] if given (its table, if any, else none
                             * of them), otherwise all of them. */
};

struct container_map_cmd_def {
    const char *name;               /* Without "container-map/". */
    const char *usage;
    int min_args, max_args;
    enum container_map_cmd_bridge bridge;
    bool (*run)(struct container_map_cmd *);
    bool durable;                   /* Changes what the database keeps. */
};

void container_map_cmd_register(void);
void container_map_cmd_register_defs(const struct container_map_cmd_def *,
                                     size_t n);

/* Runs command 'def' (argv[0] is its name) as "ovs-appctl" would have it
 * run: returns true with the reply in 'reply', or false with the error
 * there.  container_map_cmd_find() finds a registered command by its name,
 * with or without "container-map/" (the fuzzer of tests/fuzz/ calls
 * both). */
bool container_map_cmd_execute(const struct container_map_cmd_def *,
                               int argc, const char *argv[],
                               struct ds *reply);
const struct container_map_cmd_def *container_map_cmd_find(const char *name);

/* A command that changed the map notes what it changed, so that the state
 * of those objects is written to the database before it replies. */
void container_map_cmd_note_mapping(struct container_map_cmd *,
                                    const struct container_map_key *);
void container_map_cmd_note_flush(struct container_map_cmd *);
void container_map_cmd_note_resv(struct container_map_cmd *,
                                 const struct in6_addr *,
                                 const struct eth_addr);
void container_map_cmd_note_addr(struct container_map_cmd *,
                                 const struct in6_addr *);
void container_map_cmd_note_mac(struct container_map_cmd *,
                                const struct eth_addr *);
void container_map_cmd_note_conn_settings(struct container_map_cmd *);
void container_map_cmd_note_flows(struct container_map_cmd *,
                                  char **flows, size_t n);

/* Runs the commands that waited for the database (container-map-db.c). */
void container_map_cmd_run_waiting(bool ready);
void container_map_cmd_wait_waiting(void);

/* The families. */
void container_map_cmd_register_mappings(void);
void container_map_cmd_register_resvs(void);
void container_map_cmd_register_arp(void);
void container_map_cmd_register_conns(void);

/* Parsing: a number (decimal digits only, at most 'max'), or each of the
 * others, which return false with an error in 'err'. */
bool container_map_cmd_parse_number(const char *, unsigned long long max,
                                    unsigned long long *);
bool container_map_cmd_parse_ip(const char *, struct in6_addr *,
                                struct ds *err);
bool container_map_cmd_parse_mac(const char *, struct eth_addr *,
                                 struct ds *err);
bool container_map_cmd_parse_key(const char *argv[], uint32_t table_id,
                                 struct container_map_key *, struct ds *err);
bool container_map_cmd_parse_backend(struct ofproto_dpif *, const char *mac,
                                     const char *ofport, const char *remote,
                                     struct container_map_backend_spec *,
                                     struct ds *err);
bool container_map_cmd_parse_ofport(struct ofproto_dpif *, const char *,
                                    ofp_port_t *, struct ds *err);
bool container_map_cmd_parse_range(const char *, const char *name,
                                   unsigned int min, uint16_t *lo,
                                   uint16_t *hi, struct ds *err);

/* Formatting. */
void container_map_cmd_format_ip(struct ds *, const struct in6_addr *);
const char *container_map_cmd_proto_name(uint8_t proto);
void container_map_cmd_format_key(struct ds *,
                                  const struct container_map_key *);
void container_map_cmd_format_backend(
    struct ds *, struct ofproto_dpif *,
    const struct container_map_backend_spec *);

#endif /* container-map-cmd.h */
