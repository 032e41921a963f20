#!/bin/bash
# run-bench.sh -- "make bench": the container_map fast path measured against
# plain forwarding, per-[IP, port] OpenFlow flows, learn() and conntrack
# DNAT, on one PMD core of this machine.
#
# Licensed under the Apache License, Version 2.0.
#
# Usage: bench/run-bench.sh [--smoke|--profile]
#
#   --smoke   seconds-long run ("make check"): small tables and traffics,
#             0.4 s measurements, one repetition.  It produces every row of
#             the full run and asserts no speed.  Exits 77 (skipped) when not
#             root.
#   --profile perf profiles (cpu-clock samples of the PMD core) of a few
#             configurations of the medium table instead of the run
#             (BENCH_PROFILE_CELLS="few-in:cm-in many-in:of-port ...",
#             BENCH_PROFILE_SECONDS=5); needs perf (linux-perf).
#
# Needs root (hugepages, DPDK).  It lends itself 2 MB hugepages
# (BENCH_HUGEPAGES, default 1024 = 2 GiB) on a private hugetlbfs mount and
# gives them back on exit, and runs its own ovsdb-server and ovs-vswitchd
# (private run directory under a temporary directory) which it stops on exit.
#
# Environment (defaults of the full run; --smoke has smaller ones):
#   OVS_BUILDDIR        built OVS tree (default: ../_build/openvswitch)
#   BENCH_RESULTS       results directory (default: bench/results); each run
#                       writes BENCH_RESULTS/<timestamp>/ and points
#                       BENCH_RESULTS/latest at it (--smoke: always
#                       BENCH_RESULTS/smoke/, and "latest" stays)
#   BENCH_SIZES         the 3 table sizes          "1024 65536 1000000"
#   BENCH_REPS          repetitions per cell       3
#   BENCH_WARMUP        seconds of warm-up (then until no upcalls)   2
#   BENCH_WARMUP_MAX    longest warm-up            40
#   BENCH_DURATION      seconds per measurement    4
#   BENCH_FEW_FLOWS     5-tuples of "few"          1024
#   BENCH_MANY_FLOWS    5-tuples of "many"         262144
#   BENCH_MANY_PORTS    mapped ports of "many"     61440
#   BENCH_NEWCONN       new 5-tuples per new-connection run   100000
#   BENCH_UPDATES       table updates per update run          100000
#   BENCH_UPDATE_BATCH  lines per container-map/load file      10000
#   BENCH_HUGEPAGES     2 MB pages to lend         1024
#   BENCH_KEEP_WORKDIR  1: keep the temporary directory (pcaps, logs)
#   BENCH_PHASES        which phases run        "throughput aux restart"
#                       (restart: kill -9 of ovs-vswitchd at full load)

set -u

here=$(cd "$(dirname "$0")" && pwd)
smoke=
profile=
case "${1:-}" in
    --smoke) smoke=--smoke ;;
    --profile) profile=--profile ;;
    "") ;;
    *) echo "usage: $0 [--smoke|--profile]" >&2; exit 2 ;;
esac

if test "$(id -u)" != 0; then
    echo "bench: needs root (hugepages, DPDK); run as root: make bench" >&2
    test -n "$smoke" && exit 77
    exit 1
fi

builddir=${OVS_BUILDDIR:-$here/../_build/openvswitch}
builddir=$(cd "$builddir" 2>/dev/null && pwd) || {
    echo "bench: no OVS build tree at ${OVS_BUILDDIR:-$here/../_build/openvswitch} (run make first)" >&2
    exit 1
}
for p in vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool \
         utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl; do
    if test ! -x "$builddir/$p"; then
        echo "bench: $builddir/$p is missing (run make first)" >&2
        exit 1
    fi
done
if ! grep -q '^#define DPDK_NETDEV 1' "$builddir/config.h" 2>/dev/null; then
    echo "bench: $builddir was built without DPDK" >&2
    test -n "$smoke" && exit 77
    exit 1
fi
if test "$(nproc)" -lt 2; then
    echo "bench: needs 2 CPUs (one for the PMD thread)" >&2
    test -n "$smoke" && exit 77
    exit 1
fi

# A private copy of the programs (others may rebuild the tree meanwhile; a
# run must use one build).  They link OVS's libraries statically.
progs="vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool
       utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl
       vswitchd/vswitch.ovsschema cmext/ofproto-ext/container-map.ovsschema"
snapshot_programs() {
    local dst=$1 p try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        rm -rf "$dst"
        for p in $progs; do
            mkdir -p "$dst/$(dirname "$p")"
            cp -p "$builddir/$p" "$dst/$p" 2>/dev/null || break
        done
        if "$dst/vswitchd/ovs-vswitchd" --version >/dev/null 2>&1 \
           && "$dst/utilities/ovs-ofctl" --version >/dev/null 2>&1 \
           && "$dst/utilities/ovs-appctl" --version >/dev/null 2>&1 \
           && "$dst/utilities/ovs-vsctl" --version >/dev/null 2>&1 \
           && "$dst/ovsdb/ovsdb-server" --version >/dev/null 2>&1 \
           && "$dst/ovsdb/ovsdb-tool" --version >/dev/null 2>&1 \
           && test -s "$dst/vswitchd/vswitch.ovsschema"; then
            return 0
        fi
        echo "bench: $builddir is being rebuilt, waiting" >&2
        sleep 15
    done
    return 1
}

results_root=${BENCH_RESULTS:-$here/results}
if test -n "$smoke"; then
    stamp=smoke                 # replaced by every smoke run; not "latest"
    rm -rf "${results_root:?}/smoke"
elif test -n "$profile"; then
    stamp=profile-$(date +%Y%m%d-%H%M%S)
else
    stamp=$(date +%Y%m%d-%H%M%S)
fi
results=$results_root/$stamp
mkdir -p "$results" || exit 1
work=$(mktemp -d /tmp/ovs-cm-bench.XXXXXX) || exit 1
huge=$work/hugepages
mkdir -p "$huge"

n_pages=${BENCH_HUGEPAGES:-1024}
hp=/proc/sys/vm/nr_hugepages
pages_added=0
mounted=

cleanup() {
    trap - EXIT INT TERM
    # Our daemons only: the pidfiles of our private run directories.
    for pidfile in "$work"/run-*/ovs-vswitchd.pid \
                   "$work"/run-*/ovsdb-server.pid; do
        test -f "$pidfile" || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.5
            done
            kill -9 "$pid" 2>/dev/null
        fi
    done
    if test -n "$mounted"; then
        umount "$huge" 2>/dev/null || umount -l "$huge"
    fi
    if test "$pages_added" -gt 0; then
        now=$(cat $hp)
        echo $((now > pages_added ? now - pages_added : 0)) > $hp
    fi
    if test "${BENCH_KEEP_WORKDIR:-0}" = 1; then
        echo "bench: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

snapshot_programs "$work/ovs" || {
    echo "bench: could not copy the OVS programs from $builddir" >&2
    exit 1
}


# Hugepages: lend n_pages more than are free now.
before=$(cat $hp)
free_now=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if test "$free_now" -lt "$n_pages"; then
    want=$((before + n_pages - free_now))
    echo "$want" > $hp
    got=$(cat $hp)
    pages_added=$((got - before))
    free_now=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    if test "$free_now" -lt "$n_pages"; then
        echo "bench: could only get $free_now free 2 MB hugepages of $n_pages" >&2
        test -n "$smoke" && exit 77
        exit 1
    fi
fi
if ! mount -t hugetlbfs -o pagesize=2M nodev "$huge"; then
    echo "bench: cannot mount hugetlbfs" >&2
    test -n "$smoke" && exit 77
    exit 1
fi
mounted=yes

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -n)"
    echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) CPUs"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel: $(uname -r)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "dpdk: $(pkg-config --modversion libdpdk 2>/dev/null || echo '?')"
    echo "ovs: $("$work/ovs/vswitchd/ovs-vswitchd" --version | head -1)"
    echo "commit: $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo '?'), ovs-vswitchd built $(date -u -r "$builddir/vswitchd/ovs-vswitchd" +%Y-%m-%dT%H:%M:%SZ)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "mode: ${smoke:-${profile:-full}}"
} > "$results/machine.txt"

python3 "$here/bench.py" $smoke $profile --builddir "$work/ovs" --workdir "$work" \
    --hugedir "$huge" --results "$results" \
    --socket-mem 512 --socket-limit $((n_pages * 2 - 100))
status=$?
# The Container_Map database's figures (dummy datapath, bench/db_bench.py).
if test -z "$profile"; then
    python3 "$here/db_bench.py" $smoke --builddir "$work/ovs" \
        --pythondir "$builddir/python" --workdir "$work/db" \
        --results "$results" || status=1
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results/machine.txt"
if test -z "$profile" && test -f "$results/results.csv"; then
    python3 "$here/report.py" "$results" || status=1
fi
# Each ovs-vswitchd's log (compressed: "container-map/show" replies are
# logged whole).
for f in "$work"/run-*/ovs-vswitchd.log; do
    test -f "$f" || continue
    gzip -9c "$f" > "$results/$(basename "$(dirname "$f")").log.gz"
done
if test -z "$smoke$profile" && test "$status" = 0; then
    ln -sfn "$stamp" "$results_root/latest"
fi
echo "bench: results in $results"
exit $status
