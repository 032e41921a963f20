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

#ifndef CONTAINER_MAP_OFPROTO_H
#define CONTAINER_MAP_OFPROTO_H 1

/* ofproto-dpif side of the container map: the calls that the hook patch
 * 0004 adds to ofproto/ofproto-dpif.c and ofproto/ofproto-dpif-xlate.c, and
 * what the container-map/... commands share with them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dpif;
struct eth_addr;
struct flow;
struct ofpact_container_map;
struct ofpbuf;
struct ofproto_dpif;
struct ovs_list;

/* Hooks in ofproto/ofproto-dpif.c. */
void container_map_ofproto_init(void);          /* Class init(). */
void container_map_ofproto_run(struct ofproto_dpif *);  /* run(). */
void container_map_ofproto_destroy(struct ofproto_dpif *); /* destruct(). */
void container_map_ofproto_reconfigured(void);  /* type_run() revalidation. */
bool container_map_dpif_supported(const struct dpif *); /* check_support(). */

/* Hook in ofproto/ofproto-dpif-xlate.c, for OFPACT_CONTAINER_MAP, after the
 * pending header changes have been committed.  'supported' says whether the
 * bridge's datapath implements the action; 'trace' is nonnull when tracing
 * (container-map-xlate.c). */
void container_map_xlate(const struct ofpact_container_map *,
                         const struct ofproto_dpif *, bool supported,
                         const struct flow *, struct ofpbuf *odp_actions,
                         struct ovs_list *trace);

/* Bridges' table numbers: container_map_bridge_table_id() gives the bridge
 * one if it has none yet (UINT32_MAX if none is left); 'translating' says
 * that translation asks, for a datapath action that will hold it. */
uint32_t container_map_bridge_table_id(const char *br_name,
                                       bool translating);
bool container_map_bridge_lookup_table_id(const char *br_name,
                                          uint32_t *table_id);

/* Clears the table of bridge 'br_name' and gives its number back: the
 * bridge gets one anew when it next needs one.  Returns the number of
 * mappings it had.  If 'only_untranslated', only a number that translation
 * never got, which no datapath action can hold: otherwise another bridge
 * could get the number while datapath flows of this one still name it. */
size_t container_map_bridge_release_table(const char *br_name,
                                          bool only_untranslated);

/* Adds the names of all bridges, of every datapath type, to 'names'. */
struct sset;
void container_map_bridge_names(struct sset *names);

/* Compiles the datapath actions of the backends of 'ofproto''s table: all of
 * them if 'all', otherwise only those that have none (new ones). */
void container_map_compile_backends(struct ofproto_dpif *, bool all);

/* Sets the MAC of ARP and ICMP replies of bridge 'br_name' (table
 * 'table_id'), or back to the bridge's own if 'mac' is NULL. */
void container_map_bridge_set_mac(const char *br_name, uint32_t table_id,
                                  const struct eth_addr *mac);

#endif /* container-map-ofproto.h */
