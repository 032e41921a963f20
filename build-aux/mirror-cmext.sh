#!/bin/sh
# Mirrors this project's sources into an OVS tree's cmext/ as real
# directories of per-file links, for a second build of the same sources
# (the sanitizer tree, _build/asan/openvswitch): its objects then land in
# that tree, not next to our sources, where the main tree's go.  Run again
# before each build of that tree: it links new files and removes links to
# files that went away.  The fuzzers' seed corpora are linked whole.
#
# usage: mirror-cmext.sh TOP_SRCDIR CMEXT_DIR

set -e

top=$1
cmext=$2

if test $# != 2; then
    echo "usage: $0 TOP_SRCDIR CMEXT_DIR" >&2
    exit 1
fi

mkdir -p "$cmext"
for d in lib dpif-ext ofproto-ext tests; do
    (cd "$top" && find "$d" -path tests/fuzz/corpus -prune -o -type f \
         \( -name '*.[ch]' -o -name '*.at' -o -name '*.py' -o -name '*.sh' \
            -o -name '*.dict' -o -name '*.ovsschema' -o -name '*.ann' \) \
         -print) |
    while read -r f; do
        if test "$(readlink "$cmext/$f" 2>/dev/null)" != "$top/$f"; then
            mkdir -p "$cmext/$(dirname "$f")"
            ln -sfn "$top/$f" "$cmext/$f"
        fi
    done
    # Links whose file went away.
    find "$cmext/$d" -type l ! -exec test -e {} \; -exec rm -f {} + \
        2>/dev/null || true
done
if test -d "$top/tests/fuzz/corpus"; then
    mkdir -p "$cmext/tests/fuzz"
    ln -sfn "$top/tests/fuzz/corpus" "$cmext/tests/fuzz/corpus"
fi
ln -sfn "$top/build-aux/ovs-ext.mk" "$cmext/automake.mk"
