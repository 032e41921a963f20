#!/bin/bash
# Packaging test, run by "make check-packaging" as root.
#
# Builds the Debian package (make deb) and the RPM (make rpm) and checks
# them, then, in a debootstrap chroot of the host's Debian: installs
# Debian's openvswitch-switch, installs ours over it, starts Open vSwitch
# with Debian's own init script (ovs-ctl), checks that the running
# ovs-vswitchd is ours, adds a mapping and a container_map flow and dumps
# it, removes our package and checks that the stock ovs-vswitchd is back and
# starts.  The RPM's scriptlets are then run in the chroot too.
#
# Nothing is installed, mounted or started on the host, apart from the
# packaging tools (debhelper, rpm, debootstrap, lintian) when missing.  The
# chroot is deleted at the end (KEEP_CHROOT=yes keeps it).
# REUSE_PACKAGES=yes tests the packages of _build/packages/ when there are
# some, without building them again.
#
# Environment (set by the Makefile): MAKE, top_builddir, PACKAGES_DIR.
# Exit status: 0 all passed, 1 a check failed, 77 not root.

set -e

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=${top_builddir:-$srcdir}
PACKAGES_DIR=${PACKAGES_DIR:-$top_builddir/_build/packages}
MAKE=${MAKE:-make}
work=$top_builddir/_build/check-packaging
ROOT=$work/root
LOG=$work/test.log
start_time=$(date +%s)

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: check-packaging must run as root (it runs dpkg, apt-get," \
         "debootstrap and Open vSwitch in a chroot)."
    exit 77
fi

. "$srcdir/tests/packaging/checks.sh"
. "$srcdir/tests/packaging/chroot.sh"

# Cleanup, also on errors and signals: the namespaces (daemons, mounts),
# then the chroot.
cleanup()
{
    ns_stop
    if [ "$KEEP_CHROOT" != yes ] && [ -d "$ROOT" ]; then
        rm -rf --one-file-system "$ROOT"
    fi
}

finish()
{
    cleanup
    host_checks
    summary
}

trap 'status=$?; cleanup; exit $status' EXIT
trap 'exit 130' INT TERM

phase()
{
    echo
    echo "=== $* ($(($(date +%s) - start_time))s)"
}

rm -rf --one-file-system "$work"
mkdir -p "$work"
: > "$LOG"

# The host is left as the test found it (after the tools).
host_checks()
{
    test -f "$work/selections.before" || return 0
    phase "Host"
    dpkg --get-selections > "$work/selections.after"
    check "host: installed packages unchanged" \
        diff "$work/selections.before" "$work/selections.after"
    ls -d "$parent"/ovs-container-map[_-]* > "$work/parent.after" \
        2>/dev/null || true
    check "host: no package file left beside the source tree ($parent)" \
        diff "$work/parent.before" "$work/parent.after"
    check_no_out "host: nothing mounted under $work" " $work" \
        cat /proc/mounts
    check "host: no process runs from the chroot" \
        sh -c "! ls -l /proc/[0-9]*/root 2>/dev/null | grep -F -- '$ROOT'"
}

phase "Packaging tools"
check "packaging tools are installed (debhelper, rpm, debootstrap, lintian)" \
    sh "$srcdir/build-aux/need-packages.sh" dpkg-dev debhelper rpm \
    debootstrap lintian
require

# What the host has now: the test must leave it so.
dpkg --get-selections > "$work/selections.before"
# dpkg-buildpackage writes its results beside the tree it runs in.
parent=$(dirname "$srcdir")
ls -d "$parent"/ovs-container-map[_-]* > "$work/parent.before" 2>/dev/null \
    || true

. "$srcdir/tests/packaging/check-deb.sh"
. "$srcdir/tests/packaging/check-rpm.sh"
. "$srcdir/tests/packaging/check-install.sh"

finish
