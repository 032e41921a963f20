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

/* The container map's datapath encodings (container-map-odp.h). */

#include <config.h>

#include "container-map-odp.h"

#include <errno.h>
#include <string.h>

#include "container-map-dp-private.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

bool
container_map_parse_decimal(const char *s, size_t len,
                            unsigned long long max, unsigned long long *n)
{
    unsigned long long value = 0;
    size_t i;

    for (i = 0; i < len && s[i]; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        value = value * 10 + (s[i] - '0');
        if (value > max) {
            return false;
        }
    }
    if (!i) {
        return false;
    }
    *n = value;
    return true;
}

/* The datapath action. */

void
container_map_put_odp_action(struct ofpbuf *odp_actions, uint32_t table_id,
                             uint8_t miss, bool egress)
{
    struct ovs_action_container_map *cm;

    cm = nl_msg_put_unspec_zero(odp_actions, OVS_ACTION_ATTR_CONTAINER_MAP,
                                sizeof *cm);
    cm->table_id = table_id;
    cm->miss = miss;
    cm->egress = egress;
}

void
container_map_format_odp_action(struct ds *ds, const struct nlattr *a)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);

    ds_put_format(ds, "container_map(table=%"PRIu32, cm->table_id);
    if (cm->egress) {
        ds_put_cstr(ds, ",egress");
    }
    if (cm->miss != OVS_CONTAINER_MAP_MISS_DROP) {
        ds_put_format(ds, ",miss=%s",
                      cm->miss == OVS_CONTAINER_MAP_MISS_CONTINUE
                      ? "continue" : "drop");
    }
    ds_put_char(ds, ')');
}

/* Parses "container_map(table=N[,egress][,miss=drop|continue])" at the
 * start of 's'.  Returns the number of bytes parsed, or -EINVAL. */
int
container_map_parse_odp_action(const char *s, struct ofpbuf *actions)
{
    static const char prefix[] = "container_map(table=";
    uint8_t miss = OVS_CONTAINER_MAP_MISS_DROP;
    unsigned long long table_id;
    bool egress = false;
    size_t n = strlen(prefix);
    size_t digits;

    if (strncmp(s, prefix, n)) {
        return -EINVAL;
    }
    digits = strspn(s + n, "0123456789");
    if (!container_map_parse_decimal(s + n, digits,
                                     CONTAINER_MAP_MAX_TABLES - 1,
                                     &table_id)) {
        return -EINVAL;
    }
    n += digits;
    if (!strncmp(s + n, ",egress", 7)) {
        egress = true;
        n += 7;
    }
    if (!strncmp(s + n, ",miss=drop)", 11)) {
        n += 10;
    } else if (!strncmp(s + n, ",miss=continue)", 15)) {
        miss = OVS_CONTAINER_MAP_MISS_CONTINUE;
        n += 14;
    }
    if (s[n] != ')') {
        return -EINVAL;
    }
    container_map_put_odp_action(actions, table_id, miss, egress);
    return (int) n + 1;
}

/* Backends' datapath actions. */

/* If 'actions' begin with a masked set of the Ethernet destination and
 * nothing else, and more actions follow, stores the address in '*eth_dst' and
 * returns the offset of the next action.  Otherwise returns 0. */
static size_t
find_eth_dst(const struct nlattr *actions, size_t size,
             struct eth_addr *eth_dst)
{
    const struct ovs_key_ethernet *value, *mask;
    const struct nlattr *set, *key;
    size_t len;

    if (size < NLA_HDRLEN || !nl_attr_is_valid(actions, size)
        || nl_attr_type(actions) != OVS_ACTION_ATTR_SET_MASKED) {
        return 0;
    }
    set = actions;
    len = NLA_ALIGN(set->nla_len);
    if (len >= size) {
        return 0;               /* Nothing would deliver the packets. */
    }

    key = nl_attr_get(set);
    if (nl_attr_get_size(set) < NLA_HDRLEN
        || !nl_attr_is_valid(key, nl_attr_get_size(set))
        || nl_attr_type(key) != OVS_KEY_ATTR_ETHERNET
        || nl_attr_get_size(key) != 2 * sizeof *value) {
        return 0;
    }
    value = nl_attr_get(key);
    mask = value + 1;
    if (!eth_addr_is_zero(mask->eth_src)
        || !eth_addr_equals(mask->eth_dst, eth_addr_exact)) {
        return 0;
    }
    *eth_dst = value->eth_dst;
    return len;
}

struct container_map_actions *
container_map_actions_create(const struct nlattr *actions, size_t size,
                             odp_port_t in_port,
                             const struct in6_addr *tun_src)
{
    struct container_map_actions *a;

    a = xmalloc(sizeof *a + ROUND_UP(size, 8));
    a->in_port = in_port;
    a->tun_src = tun_src ? *tun_src : in6addr_any;
    a->size = size;
    memcpy(a->data, actions, size);
    a->eth_dst = eth_addr_zero;
    a->rest = find_eth_dst(actions, size, &a->eth_dst);
    return a;
}

bool
container_map_actions_equal(const struct container_map_actions *a,
                            const struct container_map_actions *b)
{
    return (a == b
            || (a && b && a->in_port == b->in_port
                && ipv6_addr_equals(&a->tun_src, &b->tun_src)
                && a->size == b->size
                && !memcmp(a->data, b->data, a->size)));
}

void
container_map_actions_format(struct ds *s,
                             const struct container_map_actions *a)
{
    format_odp_actions(s, ALIGNED_CAST(const struct nlattr *, a->data),
                       a->size, NULL);
}
