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

#ifndef CONTAINER_MAP_STORE_H
#define CONTAINER_MAP_STORE_H 1

/* The stores' writer functions, for the coordinator (container-map.c) and the
 * map's own writer-side files (container-map-sweep.c, container-map-view.c),
 * all under the map's mutex.  container-map-private.h has the structures and
 * the readers' functions; the datapath never includes this. */

#include "container-map-private.h"

/* Backends. */
void container_map_backends_init(struct container_map_backends *,
                                 uint32_t basis);
void container_map_backends_destroy(struct container_map_backends *);
struct container_map_backend *container_map_backends_ref(
    struct container_map_backends *, uint32_t table_id,
    const struct container_map_backend_spec *);
void container_map_backends_unref(struct container_map_backends *,
                                  struct container_map_backend *);
bool container_map_backend_is_at(const struct container_map_backend *,
                                 const struct container_map_backend_spec *);
void container_map_backend_spec_of(const struct container_map_backend *,
                                   struct container_map_backend_spec *);
void container_map_backend_set_actions(struct container_map_backend *,
                                       struct container_map_actions *);

/* Mappings.  A change swaps the new entry in at once and returns the old one
 * ("retired"): the coordinator forgets the connections of the backends that
 * the new entry no longer has, then releases the old entry with
 * container_map_entries_release(). */
bool container_map_key_is_valid(const struct container_map_key *);
void container_map_entries_init(struct container_map_entries *,
                                uint32_t basis);
void container_map_entries_destroy(struct container_map_entries *);
struct container_map_entry *container_map_entries_find(
    struct container_map_entries *, const struct container_map_key *);
const struct container_map_entry *container_map_entries_insert(
    struct container_map_entries *, struct container_map_backends *,
    const struct container_map_key *,
    const struct container_map_backend_spec *);
int container_map_entries_add_backend(
    struct container_map_entries *, struct container_map_backends *,
    struct container_map_entry *old,
    const struct container_map_backend_spec *,
    enum container_map_add_result *);
bool container_map_entries_can_add(const struct container_map_entry *,
                                   const struct eth_addr mac);
struct container_map_entry *container_map_entries_del_backend(
    struct container_map_entries *, struct container_map_entry *old,
    uint32_t i);
struct container_map_entry *container_map_entries_set_drained(
    struct container_map_entries *, struct container_map_entry *old,
    uint32_t i, bool drained);
void container_map_entries_remove(struct container_map_entries *,
                                  struct container_map_entry *);
void container_map_entries_release(struct container_map_backends *,
                                   struct container_map_entry *old,
                                   const struct container_map_entry *new);

/* Reservations. */
void container_map_resvs_init(struct container_map_resvs *, uint32_t basis);
void container_map_resvs_destroy(struct container_map_resvs *);
struct container_map_resv *container_map_resvs_set(
    struct container_map_resvs *, struct container_map_backends *,
    uint32_t table_id, const struct in6_addr *ip,
    const struct container_map_backend_spec *,
    const struct container_map_ranges *, struct container_map_resv *old);
void container_map_resvs_remove(struct container_map_resvs *,
                                struct container_map_resv *);
void container_map_resvs_release(struct container_map_backends *,
                                 struct container_map_resv *);

/* Addresses.  Each mapping and reservation of an address counts as a user
 * of it (invariant 3): add_mapping() and add_resv() make the address if it
 * has none yet, del_mapping() and del_resv() delete it with the last one.
 * The reservations' index is rebuilt at every change of the address's
 * reservations. */
void container_map_addrs_init(struct container_map_addrs *, uint32_t basis);
void container_map_addrs_destroy(struct container_map_addrs *);
void container_map_addrs_add_mapping(struct container_map_addrs *,
                                     const struct container_map_key *);
void container_map_addrs_del_mapping(struct container_map_addrs *,
                                     struct container_map_backends *,
                                     const struct container_map_key *);
void container_map_addrs_add_resv(struct container_map_addrs *,
                                  struct container_map_resv *);
void container_map_addrs_replace_resv(struct container_map_addrs *,
                                      struct container_map_resv *old,
                                      struct container_map_resv *new);
void container_map_addrs_del_resv(struct container_map_addrs *,
                                  struct container_map_backends *,
                                  struct container_map_resv *);
void container_map_addrs_set_echo(struct container_map_addrs *,
                                  struct container_map_backends *,
                                  const struct container_map_addr *,
                                  enum container_map_echo,
                                  struct container_map_backend *);

/* Connections.  container_map_conns_insert() returns 0, or as
 * container_map_conn_insert() says, and counts evictions in '*n_evicted'.
 * container_map_conns_find() collects up to 'n' connections that
 * 'match(conn, aux)' from the chains starting at head '*pos', lock-free,
 * and sets '*pos' to where to go on, 0 after the last head (see
 * container-map-sweep.c). */
void container_map_conns_init(struct container_map_conns *, uint32_t basis);
void container_map_conns_destroy(struct container_map_conns *);
int container_map_conns_insert(
    struct container_map_conns *, const struct container_map_conn_key *,
    uint32_t hash, struct container_map_backend *,
    enum container_map_conn_kind, bool answered,
    struct container_map_counters *svc_stats,
    struct container_map_counters *backend_stats, long long int now,
    struct container_map_conn **connp, unsigned int *n_evicted);
void container_map_conns_remove(struct container_map_conns *,
                                struct container_map_conn *);
size_t container_map_conns_forget(struct container_map_conns *,
                                  uint32_t table_id,
                                  struct container_map_backend *,
                                  int kind, const struct in6_addr *local_ip,
                                  uint8_t proto, ovs_be16 local_port);
size_t container_map_conns_flush(struct container_map_conns *,
                                 uint32_t table_id);
size_t container_map_conns_find(
    const struct container_map_conns *,
    bool (*match)(const struct container_map_conn *, const void *aux),
    const void *aux, size_t *pos, struct container_map_conn **conns,
    size_t n);
bool container_map_conn_in_table(const struct container_map_conn *,
                                 const void *table_id);
void container_map_conns_walk(const struct container_map_conns *,
                              void (*cb)(const struct container_map_conn *,
                                         void *aux),
                              void *aux);
size_t container_map_conns_count(const struct container_map_conns *,
                                 uint32_t table_id);
void container_map_conns_set_settings(
    struct container_map_conns *, const struct container_map_conn_settings *);
void container_map_conns_resize(struct container_map_conns *,
                                unsigned int max_conns);

#endif /* container-map-store.h */
