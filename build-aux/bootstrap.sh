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

# shellcheck disable=SC2086
sh build-aux/need-packages.sh $packages

autoreconf -fi
./configure $CONFIGURE_FLAGS
