#!/bin/sh
# Makes the programs we install (ovs-vswitchd, ovs-ofctl) of the OVS build
# tree TREE say which build they are: their OVS_PACKAGE_VERSION gets SUFFIX
# (see Makefile.am).  Writes TREE/cmext/program-version.h, which redefines
# OVS_PACKAGE_VERSION, and TREE/GNUmakefile, which GNU make reads before
# TREE/Makefile (it includes it) and which compiles only the main() files
# of those two programs with "-include cmext/program-version.h".  No OVS
# file is changed.  Each file is rewritten only when its contents change,
# so nothing is rebuilt needlessly.
#
# usage: program-version.sh TREE SUFFIX

set -e
tree=$1 suffix=$2
version_h=$tree/include/openvswitch/version.h

# Trees built before this had the suffix in version.h, for every program:
# regenerate it from version.h.in.
if grep -q '^#define OVS_PACKAGE_VERSION ".*+' "$version_h"; then
    (cd "$tree" && ./config.status include/openvswitch/version.h) > /dev/null
fi

v=$(sed -n 's/^#define OVS_PACKAGE_VERSION "\([^"]*\)"/\1/p' "$version_h")
cat > "$tree/cmext/program-version.h.tmp" <<EOF_H
/* Written by ovs-container-map's build-aux/program-version.sh: the version
 * of the programs it installs (see its Makefile.am). */
#include "openvswitch/version.h"
#undef OVS_PACKAGE_VERSION
#define OVS_PACKAGE_VERSION "$v$suffix"
EOF_H
cat > "$tree/GNUmakefile.tmp" <<'EOF_MK'
# Written by ovs-container-map's build-aux/program-version.sh (see its
# Makefile.am): the programs it installs say which build they are.
include Makefile
vswitchd/ovs-vswitchd.$(OBJEXT) utilities/ovs-ofctl.$(OBJEXT): \
	private CPPFLAGS += -include cmext/program-version.h
EOF_MK
for f in cmext/program-version.h GNUmakefile; do
    if cmp -s "$tree/$f.tmp" "$tree/$f"; then
        rm "$tree/$f.tmp"
    else
        mv "$tree/$f.tmp" "$tree/$f"
    fi
done
