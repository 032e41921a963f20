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

/* The "container_map" OpenFlow action: decoding, encoding, parsing,
 * formatting and checking.
 *
 * This file is not compiled on its own: lib/ofp-actions.c includes it,
 * because these functions use the helpers that build-aux/extract-ofp-actions
 * generates into that file (put_NXAST_CONTAINER_MAP(), ofpact_put_...()).
 *
 * Wire format (Nicira extension, NXAST_CONTAINER_MAP):
 *
 *     ovs_be16 type;       OFPAT_VENDOR
 *     ovs_be16 len;        16
 *     ovs_be32 vendor;     NX_VENDOR_ID
 *     ovs_be16 subtype;    NXAST_CONTAINER_MAP
 *     uint8_t miss;        enum container_map_miss
 *     uint8_t pad[5];      zero
 */

struct nx_action_container_map {
    ovs_be16 type;
    ovs_be16 len;
    ovs_be32 vendor;
    ovs_be16 subtype;
    uint8_t miss;
    uint8_t egress;
    uint8_t pad[4];
};
OFP_ASSERT(sizeof(struct nx_action_container_map) == 16);

static const char *
container_map_miss_to_string(enum container_map_miss miss)
{
    return miss == CONTAINER_MAP_MISS_CONTINUE ? "continue" : "drop";
}

static bool
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

static enum ofperr
decode_NXAST_RAW_CONTAINER_MAP(const struct nx_action_container_map *nacm,
                               enum ofp_version ofp_version OVS_UNUSED,
                               struct ofpbuf *out)
{
    struct ofpact_container_map *cm;

    if (nacm->miss > CONTAINER_MAP_MISS_CONTINUE) {
        VLOG_WARN_RL(&rl, "container_map: unknown miss behavior %"PRIu8,
                     nacm->miss);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    if (nacm->egress > 1) {
        VLOG_WARN_RL(&rl, "container_map: invalid direction %"PRIu8,
                     nacm->egress);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    if (!is_all_zeros(nacm->pad, sizeof nacm->pad)) {
        return OFPERR_NXBRC_MUST_BE_ZERO;
    }

    cm = ofpact_put_CONTAINER_MAP(out);
    cm->miss = nacm->miss;
    cm->egress = nacm->egress;
    return 0;
}

static void
encode_CONTAINER_MAP(const struct ofpact_container_map *cm,
                     enum ofp_version ofp_version OVS_UNUSED,
                     struct ofpbuf *out)
{
    struct nx_action_container_map *nacm = put_NXAST_CONTAINER_MAP(out);

    nacm->miss = cm->miss;
    nacm->egress = cm->egress;
}

static char * OVS_WARN_UNUSED_RESULT
parse_CONTAINER_MAP(char *arg, const struct ofpact_parse_params *pp)
{
    enum container_map_miss miss = CONTAINER_MAP_MISS_DROP;
    bool egress = false;
    char *key, *value;

    while (ofputil_parse_key_value(&arg, &key, &value)) {
        if (!strcmp(key, "egress") && !*value) {
            egress = true;
        } else if (!strcmp(key, "ingress") && !*value) {
            egress = false;
        } else if (!strcmp(key, "miss")) {
            if (!container_map_miss_from_string(value, &miss)) {
                return xasprintf("container_map: unknown miss behavior "
                                 "\"%s\" (expected \"drop\" or "
                                 "\"continue\")", value);
            }
        } else {
            return xasprintf("container_map: unknown argument \"%s\" "
                             "(expected \"egress\", \"miss=drop\" or "
                             "\"miss=continue\")", key);
        }
    }

    struct ofpact_container_map *cm = ofpact_put_CONTAINER_MAP(pp->ofpacts);
    cm->miss = miss;
    cm->egress = egress;
    return NULL;
}

static void
format_CONTAINER_MAP(const struct ofpact_container_map *cm,
                     const struct ofpact_format_params *fp)
{
    if (cm->miss == CONTAINER_MAP_MISS_DROP && !cm->egress) {
        ds_put_format(fp->s, "%scontainer_map%s", colors.value, colors.end);
        return;
    }
    ds_put_format(fp->s, "%scontainer_map(%s", colors.paren, colors.end);
    if (cm->egress) {
        ds_put_format(fp->s, "%segress%s", colors.value, colors.end);
    }
    if (cm->miss != CONTAINER_MAP_MISS_DROP) {
        ds_put_format(fp->s, "%s%smiss=%s%s", cm->egress ? "," : "",
                      colors.param, colors.end,
                      container_map_miss_to_string(cm->miss));
    }
    ds_put_format(fp->s, "%s)%s", colors.paren, colors.end);
}

static enum ofperr
check_CONTAINER_MAP(const struct ofpact_container_map *cm OVS_UNUSED,
                    const struct ofpact_check_params *cp)
{
    /* The action handles IP and ARP; it tells other packets apart itself,
     * so it is accepted on any match, as "output" is. */
    ovs_be16 dl_type = cp->match->flow.dl_type;

    if (cp->match->wc.masks.dl_type
        && dl_type != htons(ETH_TYPE_IP) && dl_type != htons(ETH_TYPE_IPV6)
        && dl_type != htons(ETH_TYPE_ARP)) {
        return OFPERR_OFPBAC_MATCH_INCONSISTENT;
    }
    return 0;
}
