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

/* libFuzzer target: the encodings of the container_map action, OpenFlow
 * (NXAST_CONTAINER_MAP, ofproto-ext/container-map-ofpact.c inside
 * lib/ofp-actions.c) and datapath (OVS_ACTION_ATTR_CONTAINER_MAP,
 * dpif-ext/container-map-odp.c inside lib/odp-util.c), through OVS's own
 * entry points.
 *
 * The first byte picks the form of the rest:
 *
 *   0: OpenFlow 1.3, 1.4 or 1.5 action bytes (the second byte picks),
 *      decoded by ofpacts_pull_openflow_actions();
 *   1: OpenFlow action text (ovs-ofctl's), by ofpacts_parse_actions();
 *   2: datapath action text (dpctl's), by odp_actions_from_string();
 *   3: datapath action netlink bytes: their container_map actions,
 *      formatted by format_odp_actions().
 *
 * What is accepted must round-trip: decoded or parsed container_map actions
 * have values in their range; encoding, decoding, formatting and parsing
 * give back the same actions and the same bytes and text; a list of
 * container_map actions decodes only from its one encoding.  The checks are
 * strict for container_map actions, alone or as the only ones of a list;
 * other OVS actions are only run through the same steps. */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "container-map.h"
#include "container-map-odp.h"
#include "fuzz-common.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

static bool
only_container_map(const struct ofpact *ofpacts, size_t len)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, len) {
        if (a->type != OFPACT_CONTAINER_MAP) {
            return false;
        }
    }
    return len > 0;
}

static void
format_ofpacts(const struct ofpbuf *ofpacts, struct ds *s)
{
    struct ofpact_format_params fp = { .s = s };

    ds_clear(s);
    ofpacts_format(ofpacts->data, ofpacts->size, &fp);
}

/* Parses 's' into 'ofpacts'; returns true if it parsed. */
static bool
parse_ofpacts(const char *s, struct ofpbuf *ofpacts)
{
    enum ofputil_protocol usable;
    struct ofpact_parse_params pp = {
        .ofpacts = ofpacts,
        .usable_protocols = &usable,
    };
    char *error;

    ofpbuf_clear(ofpacts);
    error = ofpacts_parse_actions(s, &pp);
    free(error);
    return !error;
}

/* Encodes, decodes, formats and parses 'ofpacts' for 'version'.  If
 * 'strict', each step must give back what it started from. */
static void
ofpacts_round_trip(const struct ofpbuf *ofpacts, enum ofp_version version,
                   bool strict, const void *wire, size_t wire_len)
{
    struct ofpbuf e1, e2, d1, p1;
    struct ds t1 = DS_EMPTY_INITIALIZER;
    struct ds t2 = DS_EMPTY_INITIALIZER;
    enum ofperr error;

    ofpbuf_init(&e1, 64);
    ofpbuf_init(&e2, 64);
    ofpbuf_init(&d1, 64);
    ofpbuf_init(&p1, 64);

    ofpacts_put_openflow_actions(ofpacts->data, ofpacts->size, &e1, version);
    if (strict && wire) {
        /* Only the one encoding decodes to these actions. */
        CM_FUZZ_ASSERT(e1.size == wire_len
                       && !memcmp(e1.data, wire, wire_len),
                       "decoded from %zu bytes that are not its encoding "
                       "(%"PRIu32" bytes)", wire_len, e1.size);
    }
    {
        struct ofpbuf copy = e1;

        error = ofpacts_pull_openflow_actions(&copy, e1.size, version, NULL,
                                              NULL, &d1);
    }
    if (strict) {
        CM_FUZZ_ASSERT(!error, "its encoding does not decode: %s",
                       ofperr_to_string(error));
        CM_FUZZ_ASSERT(ofpacts_equal(d1.data, d1.size, ofpacts->data,
                                     ofpacts->size),
                       "decoding the encoding gives other actions");
    }

    format_ofpacts(ofpacts, &t1);
    if (parse_ofpacts(ds_cstr(&t1), &p1)) {
        format_ofpacts(&p1, &t2);
        ofpacts_put_openflow_actions(p1.data, p1.size, &e2, version);
        if (strict) {
            CM_FUZZ_ASSERT(ofpacts_equal(p1.data, p1.size, ofpacts->data,
                                         ofpacts->size),
                           "\"%s\" parses to other actions", ds_cstr(&t1));
            CM_FUZZ_ASSERT(cm_fuzz_ds_equal(&t1, &t2),
                           "\"%s\" formats as \"%s\"", ds_cstr(&t1),
                           ds_cstr(&t2));
            CM_FUZZ_ASSERT(e1.size == e2.size
                           && !memcmp(e1.data, e2.data, e1.size),
                           "\"%s\" encodes otherwise", ds_cstr(&t1));
        }
    } else {
        CM_FUZZ_ASSERT(!strict, "\"%s\" does not parse", ds_cstr(&t1));
    }

    ds_destroy(&t1);
    ds_destroy(&t2);
    ofpbuf_uninit(&e1);
    ofpbuf_uninit(&e2);
    ofpbuf_uninit(&d1);
    ofpbuf_uninit(&p1);
}

/* Checks the container_map actions of 'ofpacts' and round-trips them, alone
 * and with the others. */
static void
check_ofpacts(const struct ofpbuf *ofpacts, enum ofp_version version,
              const void *wire, size_t wire_len)
{
    const struct ofpact *a;
    struct ofpbuf cms;

    ofpbuf_init(&cms, 64);
    OFPACT_FOR_EACH (a, ofpacts->data, ofpacts->size) {
        if (a->type == OFPACT_CONTAINER_MAP) {
            const struct ofpact_container_map *cm
                = ofpact_get_CONTAINER_MAP(a);

            CM_FUZZ_ASSERT(cm->miss <= CONTAINER_MAP_MISS_CONTINUE
                           && cm->egress <= 1,
                           "container_map with miss=%d egress=%d",
                           cm->miss, cm->egress);
            ofpbuf_put(&cms, a, OFPACT_ALIGN(a->len));
        }
    }
    if (cms.size) {
        ofpacts_round_trip(&cms, version, true, NULL, 0);
    }
    bool strict = only_container_map(ofpacts->data, ofpacts->size);
    ofpacts_round_trip(ofpacts, version, strict, wire, wire_len);
    ofpbuf_uninit(&cms);
}

static void
fuzz_openflow(const uint8_t *data, size_t size)
{
    static const enum ofp_version versions[] = {
        OFP13_VERSION, OFP14_VERSION, OFP15_VERSION,
    };
    enum ofp_version version;
    struct ofpbuf in, ofpacts;

    if (!size) {
        return;
    }
    version = versions[data[0] % ARRAY_SIZE(versions)];
    data++;
    size--;

    ofpbuf_use_const(&in, data, size);
    ofpbuf_init(&ofpacts, 64);
    if (!ofpacts_pull_openflow_actions(&in, size, version, NULL, NULL,
                                       &ofpacts)) {
        check_ofpacts(&ofpacts, version, data, size);
    }
    ofpbuf_uninit(&ofpacts);
}

static void
fuzz_openflow_text(const char *s)
{
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 64);
    if (parse_ofpacts(s, &ofpacts)) {
        check_ofpacts(&ofpacts, OFP13_VERSION, NULL, 0);
    }
    ofpbuf_uninit(&ofpacts);
}

static bool
only_container_map_odp(const struct ofpbuf *actions)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions->data, actions->size) {
        if (nl_attr_type(a) != OVS_ACTION_ATTR_CONTAINER_MAP) {
            return false;
        }
    }
    return actions->size > 0;
}

/* Whether the container_map action 'a' is one that its parser makes: no
 * netlink flags in its type, a table number in range, "miss" and "egress" as
 * defined, zero padding. */
static bool
odp_in_range(const struct nlattr *a)
{
    const struct ovs_action_container_map *cm = nl_attr_get(a);

    return (a->nla_type == OVS_ACTION_ATTR_CONTAINER_MAP
            && cm->table_id < CONTAINER_MAP_MAX_TABLES
            && cm->miss <= OVS_CONTAINER_MAP_MISS_CONTINUE
            && cm->egress <= 1 && !cm->pad[0] && !cm->pad[1]);
}

/* Formats 'actions' and parses them back: the text parses (strictly: to the
 * same bytes), and what it parses to formats to the same text. */
static void
odp_round_trip(const struct ofpbuf *actions, bool strict)
{
    struct ds t1 = DS_EMPTY_INITIALIZER;
    struct ds t2 = DS_EMPTY_INITIALIZER;
    struct ofpbuf p1, p2;

    ofpbuf_init(&p1, 64);
    ofpbuf_init(&p2, 64);
    format_odp_actions(&t1, actions->data, actions->size, NULL);
    if (!odp_actions_from_string(ds_cstr(&t1), NULL, &p1)) {
        format_odp_actions(&t2, p1.data, p1.size, NULL);
        if (strict) {
            CM_FUZZ_ASSERT(p1.size == actions->size
                           && !memcmp(p1.data, actions->data, p1.size),
                           "\"%s\" parses to other bytes", ds_cstr(&t1));
            CM_FUZZ_ASSERT(cm_fuzz_ds_equal(&t1, &t2),
                           "\"%s\" formats as \"%s\"", ds_cstr(&t1),
                           ds_cstr(&t2));
        }
        /* What our parser made is stable from there on. */
        if (!odp_actions_from_string(ds_cstr(&t2), NULL, &p2)
            && only_container_map_odp(&p1)) {
            CM_FUZZ_ASSERT(p2.size == p1.size
                           && !memcmp(p2.data, p1.data, p1.size),
                           "\"%s\" is not stable", ds_cstr(&t2));
        }
    } else {
        CM_FUZZ_ASSERT(!strict, "\"%s\" does not parse", ds_cstr(&t1));
    }
    ds_destroy(&t1);
    ds_destroy(&t2);
    ofpbuf_uninit(&p1);
    ofpbuf_uninit(&p2);
}

static void
fuzz_odp_text(const char *s)
{
    struct ofpbuf actions;
    int n;

    /* Through odp-util, as dpctl/add-flow parses it. */
    ofpbuf_init(&actions, 64);
    if (!odp_actions_from_string(s, NULL, &actions)) {
        odp_round_trip(&actions, only_container_map_odp(&actions));
    }

    /* Our parser alone: what it takes of 's', and what that gives. */
    ofpbuf_clear(&actions);
    n = container_map_parse_odp_action(s, &actions);
    if (n > 0) {
        CM_FUZZ_ASSERT(n <= strlen(s) && s[n - 1] == ')',
                       "parsed %d bytes of \"%s\"", n, s);
        size_t len = NLA_HDRLEN + sizeof(struct ovs_action_container_map);

        CM_FUZZ_ASSERT(actions.size == NLA_ALIGN(len)
                       && odp_in_range(actions.data),
                       "\"%.*s\" parsed to an action out of range", n, s);
        odp_round_trip(&actions, true);
    } else {
        CM_FUZZ_ASSERT(n == -EINVAL && !actions.size,
                       "parser returned %d, %"PRIu32" bytes", n,
                       actions.size);
    }
    ofpbuf_uninit(&actions);
}

static void
fuzz_odp_netlink(const uint8_t *data, size_t size)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct nlattr *a;
    struct ofpbuf actions;
    size_t left;

    /* Netlink attributes are 4-byte aligned, and so is every buffer of them
     * OVS makes or receives: copy them, padded.  (NL_ATTR_FOR_EACH of
     * lib/netlink.h relies on it: with an odd length, 'left' wraps around
     * after the last attribute.)
     *
     * Only the container_map actions are formatted: OVS formats datapath
     * actions that a datapath or its own parser made, well-formed, and
     * odp-util's formatters of other actions read past a malformed one (for
     * example a set() whose key's length lies, in format_generic_odp_key()),
     * which is not what this target is about. */
    ofpbuf_init(&actions, size + NLA_ALIGNTO);
    ofpbuf_put(&actions, data, size);
    ofpbuf_put_zeros(&actions, PAD_SIZE(size, NLA_ALIGNTO));

    NL_ATTR_FOR_EACH (a, left, actions.data, actions.size) {
        struct ofpbuf one;

        if (nl_attr_type(a) != OVS_ACTION_ATTR_CONTAINER_MAP) {
            continue;
        }
        ofpbuf_use_const(&one, a, NLA_ALIGN(a->nla_len));
        if (nl_attr_get_size(a) == sizeof(struct ovs_action_container_map)) {
            odp_round_trip(&one, odp_in_range(a));
        } else {
            /* Of the wrong length: formatted as such, never as ours. */
            ds_clear(&s);
            format_odp_actions(&s, one.data, one.size, NULL);
            CM_FUZZ_ASSERT(!strstr(ds_cstr(&s), "container_map("),
                           "%"PRIuSIZE" bytes formatted as \"%s\"",
                           nl_attr_get_size(a), ds_cstr(&s));
        }
    }
    ds_destroy(&s);
    ofpbuf_uninit(&actions);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    char *s;

    if (!initialized) {
        initialized = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    }
    if (!size) {
        return 0;
    }
    s = xmemdup0((const char *) data + 1, size - 1);
    switch (data[0] % 4) {
    case 0:
        fuzz_openflow(data + 1, size - 1);
        break;
    case 1:
        fuzz_openflow_text(s);
        break;
    case 2:
        fuzz_odp_text(s);
        break;
    case 3:
    default:
        fuzz_odp_netlink(data + 1, size - 1);
        break;
    }
    free(s);
    return 0;
}
