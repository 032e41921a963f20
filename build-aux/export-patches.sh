#!/bin/sh
# Regenerates patches/ (the hook patches and their series) from a prepared
# OVS tree in which the hooks were edited, and the pristine OVS source:
#
#   export-patches.sh [OVS_TREE [OVS_SOURCE [OUTDIR]]]
#
# OVS_TREE    the patched tree (default: _build/openvswitch, as "make"
#             prepares it)
# OVS_SOURCE  the pristine OVS source, tarball or directory (default: the
#             one configure recorded, else Debian's
#             /usr/src/openvswitch/openvswitch.tar.gz)
# OUTDIR      where the patches and series are written (default: patches/)
#
# "make export-patches" runs it; "make check-patches" (and the patches
# suite of "make check") regenerates into a temporary directory and fails
# when anything differs from patches/.
#
# Each patch below lists the OVS files it changes (its hooked files) and its
# description.  The files' pristine versions are added to the index of a
# scratch git repository, the patched tree's versions are copied over them
# and each patch is "git diff" of its files, with the same options every
# time and no user or system git configuration, so the output depends only
# on the files: regenerating from an unchanged tree reproduces patches/
# byte for byte.  A file of OUTDIR is rewritten only when it changes, so
# that make does not prepare the OVS tree again for nothing.
#
# An OVS file a hook needs that no patch lists is not exported: add it to
# its patch's list here first.

set -e
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)

if test $# -gt 3; then
    echo "usage: $0 [OVS_TREE [OVS_SOURCE [OUTDIR]]]" >&2
    exit 1
fi

configured_source() {
    if test -f "$top/Makefile"; then
        sed -n 's/^OVS_SOURCE = //p' "$top/Makefile"
    fi
}

tree=${1:-$top/_build/openvswitch}
src=${2:-$(configured_source)}
src=${src:-/usr/src/openvswitch/openvswitch.tar.gz}
out=${3:-$top/patches}

if test ! -f "$tree/.prepared"; then
    echo "$0: $tree is not a prepared OVS tree (run make first)" >&2
    exit 1
fi
if test ! -e "$src"; then
    echo "$0: OVS source $src not found" >&2
    exit 1
fi
mkdir -p "$out"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/export-patches.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$tmp/ovs" "$tmp/out"

# Git with no configuration of its own: nothing from ~/.gitconfig,
# /etc/gitconfig or the repository changes the output.
g() {
    HOME=$tmp GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
    XDG_CONFIG_HOME=$tmp/xdg GIT_DIR=$tmp/ovs/.git GIT_WORK_TREE=$tmp/ovs \
        git "$@"
}

series=
all_files=

# hook_patch NAME "FILE..." DESCRIPTION: one patch of the series, in order.
hook_patch() {
    series="$series $1"
    eval "files_$(echo "$1" | tr -c 'A-Za-z0-9\n' _)=\$2"
    eval "desc_$(echo "$1" | tr -c 'A-Za-z0-9\n' _)=\$3"
    all_files="$all_files $2"
}

hook_patch 0001-build-include-container-map-sources.patch \
    "Makefile.am tests/testsuite.at" \
"Build: include ovs-container-map's sources and autotests.

Makefile.am includes cmext/automake.mk (build-aux/ovs-ext.mk), which adds
our lib/, dpif-ext/ and ofproto-ext/ sources to libopenvswitch and
libofproto; tests/testsuite.at includes our autotest file."

hook_patch 0002-ofp-actions-container-map.patch \
    "include/openvswitch/ofp-actions.h lib/ofp-actions.c" \
"OpenFlow: the container_map action (NXAST_CONTAINER_MAP, NX1.0+(51)).

Adds OFPACT_CONTAINER_MAP to the action list, includes its struct
(ofproto-ext/include/openvswitch/container-map-ofpact.h) and its
decode/encode/parse/format/check functions (ofproto-ext/container-map-ofpact.c,
which must be compiled inside ofp-actions.c to use the generated helpers),
and lists it in the action classification switches."

hook_patch 0003-odp-container-map-datapath-action.patch \
    "include/linux/openvswitch.h lib/odp-util.c lib/odp-execute.c lib/dpif.c lib/dpif-netdev.c" \
"Datapath: OVS_ACTION_ATTR_CONTAINER_MAP (userspace only).

The action value (inside #ifndef __KERNEL__), its length, formatting and
parsing (calls into dpif-ext/container-map-dp.c), and its execution in
odp_execute_actions(), which calls container_map_execute(); dpif.c and
dpif-netdev.c list it among actions they never see.  dp_netdev_input__()
calls container_map_lookahead_{add,run,done}() around the execution of a
receive batch's megaflows, so that the action's lookups for the whole
batch are done together."

hook_patch 0004-ofproto-dpif-container-map.patch \
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

hook_patch 0005-vswitchd-container-map-database.patch \
    "vswitchd/bridge.c" \
"vswitchd: read the container map from its database.

bridge_init() starts the Container_Map database client
(container_map_db_init(), ofproto-ext/container-map-db.c) with
ovs-vswitchd's own database remote as its default; bridge_run() and
bridge_wait() run it; and flow-restore-wait also holds while the map is
not yet complete (container_map_db_holds_forwarding())."

# The pristine versions of the hooked files, in the index.
if test -d "$src"; then
    for f in $all_files; do
        mkdir -p "$tmp/ovs/$(dirname "$f")"
        cp "$src/$f" "$tmp/ovs/$f"
    done
else
    prefix=$(tar -tzf "$src" | sed -n '1s,/.*,,p')
    (cd "$tmp/ovs" && tar -xzf "$src" --strip-components=1 \
        $(for f in $all_files; do echo "$prefix/$f"; done))
fi
g init -q
g add -- $all_files

# The patched versions, in the work tree.
for f in $all_files; do
    if test ! -f "$tree/$f"; then
        echo "$0: $tree/$f: no such file" >&2
        exit 1
    fi
    cp "$tree/$f" "$tmp/ovs/$f"
done

for name in $series; do
    var=$(echo "$name" | tr -c 'A-Za-z0-9\n' _)
    eval "files=\$files_$var desc=\$desc_$var"
    {
        printf '%s\n\n' "$desc"
        g diff --no-color --no-ext-diff --no-textconv --no-renames \
            --diff-algorithm=myers --indent-heuristic --unified=3 \
            --abbrev=7 --src-prefix=a/ --dst-prefix=b/ -- $files
    } > "$tmp/out/$name"
    if ! grep -q '^diff --git ' "$tmp/out/$name"; then
        echo "$0: $name: none of its files differ from the pristine" \
             "source ($files)" >&2
        exit 1
    fi
done

{
    echo "# Hook patches applied to the OVS 3.1.0 tree, in order."
    for name in $series; do
        echo "$name"
    done
} > "$tmp/out/series"

for f in series $series; do
    if ! cmp -s "$tmp/out/$f" "$out/$f"; then
        cp "$tmp/out/$f" "$out/$f"
        echo "  EXPORT $out/$f"
    fi
done

# Patches no longer in the series.
for f in "$out"/*.patch; do
    test -f "$f" || continue
    case " $series " in
        *" $(basename "$f") "*) ;;
        *) rm -f "$f"; echo "  REMOVE $f" ;;
    esac
done
