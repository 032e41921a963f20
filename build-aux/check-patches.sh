#!/bin/sh
# Checks that patches/ is exactly what build-aux/export-patches.sh makes of
# the prepared OVS tree: regenerates the series into a temporary directory
# and compares every file, byte for byte.  Fails, with the differences,
# when a hook was edited in the tree but not exported ("make
# export-patches"), or when patches/ holds something export-patches.sh
# would not write (a hand-edited hunk, a patch no longer in its list).
#
#   check-patches.sh [OVS_TREE [OVS_SOURCE]]
#
# Same defaults as export-patches.sh.  "make check-patches" runs it, and the
# patches suite of "make check".  The last line says how many files of
# patches/ matched: "N passed, M failed".

set -u
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)
patches=$top/patches

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-patches.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

if ! sh "$top/build-aux/export-patches.sh" "${1:-}" "${2:-}" \
        "$tmp/patches" > "$tmp/export.log" 2>&1; then
    cat "$tmp/export.log"
    echo "check-patches: export-patches.sh failed"
    echo "0 passed, 1 failed"
    exit 1
fi

n_ok=0 n_fail=0
names=$( (cd "$patches" && ls -1; cd "$tmp/patches" && ls -1) | sort -u)
for f in $names; do
    if test ! -f "$tmp/patches/$f"; then
        echo "patches/$f: not made by export-patches.sh (not in its list)"
        n_fail=$((n_fail + 1))
    elif test ! -f "$patches/$f"; then
        echo "patches/$f: missing (export-patches.sh makes it)"
        n_fail=$((n_fail + 1))
    elif cmp -s "$patches/$f" "$tmp/patches/$f"; then
        n_ok=$((n_ok + 1))
    else
        echo "patches/$f differs from what export-patches.sh makes of the tree:"
        diff -u --label "patches/$f" --label "exported/$f" \
            "$patches/$f" "$tmp/patches/$f"
        n_fail=$((n_fail + 1))
    fi
done

if test $n_fail != 0; then
    echo "check-patches: patches/ is not what export-patches.sh makes of the"
    echo "prepared tree (${1:-$top/_build/openvswitch})."
    echo "Hooks edited in the tree: make export-patches (then commit"
    echo "patches/).  A patch edited by hand: make (which prepares the tree"
    echo "from patches/ again), then make export-patches, so that it gets"
    echo "the form export-patches.sh gives it."
else
    echo "check-patches: all $n_ok files of patches/ are what" \
         "export-patches.sh makes of the tree"
fi
echo "$n_ok passed, $n_fail failed"
test $n_fail = 0
