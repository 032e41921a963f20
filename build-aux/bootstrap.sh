#!/bin/sh
# First step on a clean checkout (run by GNUmakefile when there is no
# Makefile yet): installs the Debian packages that are missing (as root),
# then runs autoreconf and configure.
#
# Set CONFIGURE_FLAGS to pass options to configure, for example
# CONFIGURE_FLAGS=--without-dpdk.

set -e
cd "$(dirname "$0")/.."

# Build: autotools, compiler, OVS source and its build dependencies, DPDK.
# Tests: cmocka, Python modules OVS's tests use, network tools for the
# namespace tests and the demo.
packages="autoconf automake libtool pkg-config make gcc patch python3
    openvswitch-source libdpdk-dev libnuma-dev libssl-dev libcap-ng-dev
    libunbound-dev libcmocka-dev python3-netaddr python3-pyparsing
    iproute2 ethtool socat iputils-ping iputils-tracepath iputils-arping
    procps tcpdump gnuplot-nox"

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if test -n "$missing"; then
    if test "$(id -u)" = 0 && command -v apt-get > /dev/null; then
        echo "Installing missing Debian packages:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends $missing
    else
        echo "Missing Debian packages:$missing" >&2
        echo "Run as root, or: apt-get install$missing" >&2
        exit 1
    fi
fi

autoreconf -fi
./configure $CONFIGURE_FLAGS
