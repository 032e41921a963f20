#!/bin/sh
# Maintainer tool: regenerates patches/ from a git-tracked OVS working copy
# in which the hooks were edited (base commit = pristine OVS 3.1.0).
#
# usage: export-patches.sh OVS_GIT_DIR OVS_WORK_TREE
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
g() { git --git-dir="$1" --work-tree="$2" diff --no-color --no-prefix \
        --src-prefix=a/ --dst-prefix=b/ HEAD -- $3; }

emit() {
    name=$1; shift
    files=$1; shift
    { printf '%s\n\n' "$*"; g "$GITDIR" "$WORK" "$files"; } \
        > "$top/patches/$name"
}

GITDIR=$1
WORK=$2

emit 0001-build-include-container-map-sources.patch \
    "Makefile.am tests/testsuite.at" \
"Build: include ovs-container-map's sources and autotests.

Makefile.am includes cmext/automake.mk (build-aux/ovs-ext.mk), which adds
our lib/, dpif-ext/ and ofproto-ext/ sources to libopenvswitch and
libofproto; tests/testsuite.at includes our autotest file."

emit 0002-ofp-actions-container-map.patch \
    "include/openvswitch/ofp-actions.h lib/ofp-actions.c" \
"OpenFlow: the container_map action (NXAST_CONTAINER_MAP, NX1.0+(51)).

Adds OFPACT_CONTAINER_MAP to the action list, includes its struct
(ofproto-ext/include/openvswitch/container-map-ofpact.h) and its
decode/encode/parse/format/check functions (ofproto-ext/container-map-ofpact.c,
which must be compiled inside ofp-actions.c to use the generated helpers),
and lists it in the action classification switches."

emit 0003-odp-container-map-datapath-action.patch \
    "include/linux/openvswitch.h lib/odp-util.c lib/odp-execute.c lib/dpif.c lib/dpif-netdev.c" \
"Datapath: OVS_ACTION_ATTR_CONTAINER_MAP (userspace only).

The action value (inside #ifndef __KERNEL__), its length, formatting and
parsing (calls into dpif-ext/container-map-dp.c), and its execution in
odp_execute_actions(), which calls container_map_execute(); dpif.c and
dpif-netdev.c list it among actions they never see.  dp_netdev_input__()
calls container_map_lookahead_{add,run,done}() around the execution of a
receive batch's megaflows, so that the action's lookups for the whole
batch are done together."

emit 0004-ofproto-dpif-container-map.patch \
    "ofproto/ofproto-dpif.h ofproto/ofproto-dpif.c ofproto/ofproto-dpif-xlate.c ofproto/ofproto-dpif-ipfix.c ofproto/ofproto-dpif-sflow.c" \
"ofproto-dpif: translate container_map; keep backends current.

- ofproto-dpif.h: datapath support flag container_map_action.
- ofproto-dpif.c: set it (container_map_dpif_supported()), report it in
  the datapath capabilities, register the container-map/ commands (init),
  recompile backends after reconfiguration (type_run, run) and flush a
  bridge's mappings when it is destroyed.
- ofproto-dpif-xlate.c: OFPACT_CONTAINER_MAP commits pending changes and
  calls container_map_xlate(); classification switches list it.
- ipfix/sflow: the datapath action counts as an output / is ignored."

printf '%s\n' "# Hook patches applied to the OVS 3.1.0 tree, in order." \
    0001-build-include-container-map-sources.patch \
    0002-ofp-actions-container-map.patch \
    0003-odp-container-map-datapath-action.patch \
    0004-ofproto-dpif-container-map.patch > "$top/patches/series"
