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

#include "container-map-dp.h"

#include <errno.h>
#include <string.h>

#include "container-map-packet.h"
#include "container-map-table.h"
#include "coverage.h"
#include "dp-packet.h"
#include "netlink.h"
#include "odp-execute.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

COVERAGE_DEFINE(container_map_hit);
COVERAGE_DEFINE(container_map_miss);
COVERAGE_DEFINE(container_map_drop_miss);
COVERAGE_DEFINE(container_map_drop_not_l4);
COVERAGE_DEFINE(container_map_drop_unreachable);

const char *
container_map_miss_to_string(enum container_map_miss miss)
{
    return miss == CONTAINER_MAP_MISS_CONTINUE ? "continue" : "drop";
}

bool
container_map_miss_from_string(const char *s, enum container_map_miss *miss)
{
    if (!strcmp(s, "drop")) {
        *miss = CONTAINER_MAP_MISS_DROP;
    } else if (!strcmp(s, "continue")) {
        *miss = CONTAINER_MAP_MISS_CONTINUE;
    } else {
        return false;
    }
    return true;
}

/* Datapath action encoding. */

void
container_map_put_odp_action(struct ofpbuf *odp_actions, uint32_t table_id,
                             uint8_t miss)
{
    struct ovs_action_container_map *cm;

    cm = nl_msg_put_unspec_zero(odp_actions, OVS_ACTION_ATTR_CONTAINER_MAP,
                                sizeof *cm);
    cm->table_id = table_id;
    cm->miss = miss;
}

void
container_map_format_odp_action(struct ds *ds, const struct nlattr *a)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);

    ds_put_format(ds, "container_map(table=%"PRIu32, cm->table_id);
    if (cm->miss != CONTAINER_MAP_MISS_DROP) {
        ds_put_format(ds, ",miss=%s", container_map_miss_to_string(cm->miss));
    }
    ds_put_char(ds, ')');
}

/* Parses "container_map(table=N[,miss=drop|continue])" at the start of 's'.
 * Returns the number of bytes parsed, or -EINVAL. */
int
container_map_parse_odp_action(const char *s, struct ofpbuf *actions)
{
    enum container_map_miss miss = CONTAINER_MAP_MISS_DROP;
    uint32_t table_id;
    int n;

    if (!ovs_scan(s, "container_map(table=%"SCNu32"%n", &table_id, &n)
        || table_id >= CONTAINER_MAP_MAX_TABLES) {
        return -EINVAL;
    }
    if (!strncmp(s + n, ",miss=", 6)) {
        size_t len = strcspn(s + n + 6, ")");
        char *word = xmemdup0(s + n + 6, len);
        bool ok = container_map_miss_from_string(word, &miss);

        free(word);
        if (!ok) {
            return -EINVAL;
        }
        n += 6 + len;
    }
    if (s[n] != ')') {
        return -EINVAL;
    }
    container_map_put_odp_action(actions, table_id, miss);
    return n + 1;
}

/* Execution. */

/* Packets of one batch that go to the same backend through the same entry. */
struct container_map_group {
    const struct container_map_entry *entry;
    struct container_map_backend *backend;
    unsigned long long n_bytes;
    struct dp_packet_batch batch;
};

/* A per-connection hash, independent of the path the packet took (the RSS
 * hash is not: recirculation and packets sent by ofproto change it). */
static uint32_t
container_map_flow_hash(const struct dp_packet *packet, uint32_t key_hash)
{
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4 = dp_packet_l4(packet);
    ovs_be16 sport;
    uint32_t hash;

    memcpy(&sport, l4, sizeof sport);
    hash = hash_add(key_hash, (OVS_FORCE uint32_t) sport);
    if ((l3[0] >> 4) == 4) {
        const struct ip_header *ip
            = ALIGNED_CAST(const struct ip_header *, l3);

        hash = hash_add(hash, get_16aligned_be32(&ip->ip_src));
    } else {
        const struct ovs_16aligned_ip6_hdr *ip6
            = ALIGNED_CAST(const struct ovs_16aligned_ip6_hdr *, l3);

        hash = hash_bytes(&ip6->ip6_src, sizeof ip6->ip6_src, hash);
    }
    return hash_finish(hash, 8);
}

void
container_map_execute(void *dp, struct dp_packet_batch *batch, bool steal,
                      const struct nlattr *a,
                      odp_execute_cb dp_execute_action)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);
    struct container_map_table *table = container_map_table_global();
    struct container_map_group groups[NETDEV_MAX_BURST];
    unsigned long long n_miss = 0, n_not_l4 = 0;
    const size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;
    size_t n_groups = 0;
    size_t i;

    DP_PACKET_BATCH_REFILL_FOR_EACH (i, n, packet, batch) {
        const struct container_map_entry *entry = NULL;
        struct container_map_backend *backend;
        struct container_map_key key;
        uint32_t hash;
        size_t g;

        if (OVS_LIKELY(container_map_key_from_packet(packet, cm->table_id,
                                                     &key))) {
            hash = container_map_key_hash(&key);
            entry = container_map_table_lookup(table, &key, hash);
            if (!entry) {
                n_miss++;
            }
        } else {
            n_not_l4++;
        }

        if (OVS_UNLIKELY(!entry)) {
            if (cm->miss == CONTAINER_MAP_MISS_CONTINUE) {
                dp_packet_batch_refill(batch, packet, i);
            } else if (steal) {
                dp_packet_delete(packet);
            }
            continue;
        }

        backend = (entry->n_backends == 1
                   ? entry->backends[0]
                   : container_map_entry_select(
                       entry, container_map_flow_hash(packet, hash)));

        for (g = 0; g < n_groups; g++) {
            if (groups[g].backend == backend && groups[g].entry == entry) {
                break;
            }
        }
        if (g == n_groups) {
            n_groups++;
            groups[g].entry = entry;
            groups[g].backend = backend;
            groups[g].n_bytes = 0;
            dp_packet_batch_init(&groups[g].batch);
            groups[g].batch.trunc = batch->trunc;
        }
        groups[g].n_bytes += dp_packet_size(packet);
        dp_packet_batch_add(&groups[g].batch,
                            steal ? packet : dp_packet_clone(packet));
    }

    if (OVS_UNLIKELY(n_miss || n_not_l4)) {
        bool drop = cm->miss != CONTAINER_MAP_MISS_CONTINUE;

        COVERAGE_ADD(container_map_miss, n_miss);
        if (drop) {
            COVERAGE_ADD(container_map_drop_miss, n_miss);
            COVERAGE_ADD(container_map_drop_not_l4, n_not_l4);
        }
        container_map_table_count_drops(table, cm->table_id,
                                        CONTAINER_MAP_DROP_MISS, n_miss);
        container_map_table_count_drops(table, cm->table_id,
                                        CONTAINER_MAP_DROP_NOT_L4, n_not_l4);
    }

    for (size_t g = 0; g < n_groups; g++) {
        struct container_map_group *group = &groups[g];
        size_t n_packets = dp_packet_batch_size(&group->batch);
        const struct container_map_actions *actions;

        actions = ovsrcu_get(struct container_map_actions *,
                             &group->backend->actions);
        if (OVS_UNLIKELY(!actions)) {
            COVERAGE_ADD(container_map_drop_unreachable, n_packets);
            container_map_table_count_drops(table, cm->table_id,
                                            CONTAINER_MAP_DROP_NO_ACTIONS,
                                            n_packets);
            dp_packet_delete_batch(&group->batch, true);
            continue;
        }

        COVERAGE_ADD(container_map_hit, n_packets);
        container_map_counters_add(group->entry->stats, n_packets,
                                   group->n_bytes);
        container_map_counters_add(&group->backend->stats, n_packets,
                                   group->n_bytes);
        odp_execute_actions(dp, &group->batch, true,
                            ALIGNED_CAST(const struct nlattr *,
                                         actions->data),
                            actions->size, dp_execute_action);
    }
}
