#!/bin/sh
# Prepares the OVS build tree: unpacks the OVS source, applies our hook
# patches (patches/series), links our sources in and regenerates the build
# system.  Nothing of OVS is ever written to the source checkout.
#
# usage: prepare-ovs-tree.sh [--mirror] OVS_SOURCE(TARBALL|DIR) OVS_TREE
#            TOP_SRCDIR
#
# cmext/ in the tree links to our source directories, so the objects of our
# files land next to them.  With --mirror, cmext/ gets directories of
# per-file links instead (build-aux/mirror-cmext.sh), for a second tree of
# the same sources whose objects must stay apart (the sanitizer tree).

set -e

mirror=no
if test "$1" = --mirror; then
    mirror=yes
    shift
fi

src=$1
tree=$2
top=$3

if test $# != 3; then
    echo "usage: $0 [--mirror] OVS_SOURCE OVS_TREE TOP_SRCDIR" >&2
    exit 1
fi

tmp=$tree.tmp
rm -rf "$tmp"
mkdir -p "$tmp"

if test -d "$src"; then
    echo "  OVS    copying $src"
    (cd "$src" && tar --exclude=.git -cf - .) | (cd "$tmp" && tar -xf -)
else
    echo "  OVS    unpacking $src"
    tar -xzf "$src" -C "$tmp" --strip-components=1
fi

version=$(sed -n 's/^AC_INIT(openvswitch, \([^,]*\),.*/\1/p' "$tmp/configure.ac")
case $version in
    3.1.*) ;;
    *) echo "$src: Open vSwitch $version, but 3.1.x is needed" >&2; exit 1 ;;
esac

for p in $(sed -e 's/#.*//' "$top/patches/series"); do
    echo "  PATCH  $p"
    patch -d "$tmp" -p1 -s --no-backup-if-mismatch < "$top/patches/$p"
done

if test $mirror = yes; then
    sh "$top/build-aux/mirror-cmext.sh" "$top" "$tmp/cmext"
else
    mkdir "$tmp/cmext"
    for d in lib dpif-ext ofproto-ext tests; do
        ln -s "$top/$d" "$tmp/cmext/$d"
    done
    ln -s "$top/build-aux/ovs-ext.mk" "$tmp/cmext/automake.mk"
fi

echo "  BOOT   autoreconf (OVS boot.sh)"
(cd "$tmp" && ./boot.sh > boot.log 2>&1) || { cat "$tmp/boot.log"; exit 1; }

rm -rf "$tree"
mv "$tmp" "$tree"
touch "$tree/.prepared"
