#!/bin/bash
# container-map-demo.sh -- two containers share one IP; the container_map
# action sends each TCP port to its own container.
#
# Builds the lab of utilities/netlab.sh (one host running ovs-vswitchd with
# the userspace datapath, two containers holding 203.0.113.10, an outside
# client), opens sequential and concurrent TCP sessions from the client to
# 203.0.113.10:80 (container c1) and :8080 (container c2), prints what
# happened, the switch's container map and its megaflows, and tears the lab
# down.  Exits nonzero if any session went wrong.
#
# Needs root.  Binaries come from $OVS_BUILDDIR (default:
# <project>/_build/openvswitch).

set -u

here=$(cd "$(dirname "$0")" && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-$here/../_build/openvswitch}
export OVS_BUILDDIR

if [ "$(id -u)" -ne 0 ]; then
    echo "container-map-demo: needs root: it creates network namespaces and" \
         "veths and runs ovs-vswitchd in them (try: sudo $0)" >&2
    exit 1
fi

# shellcheck source-path=SCRIPTDIR source=netlab.sh
. "$here/netlab.sh"

trap netlab_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# run_case ID CASE PORT EXPECT REQUEST HOLD TIMEOUT: one TCP session from the
# client to the shared IP; writes "CASE|PATH|EXPECT|GOT|RESULT|MS" to
# $results/ID.
run_case() {
    local id=$1 case=$2 port=$3 expect=$4 req=$5 hold=$6 tmo=$7
    local t0 reply got result ms
    t0=$(now_ms)
    reply=$(netlab_tcp client "$NETLAB_SHARED_IP" "$port" "$req" "$hold" "$tmo")
    ms=$(( $(now_ms) - t0 ))
    if [ -z "$reply" ]; then
        got="none"
    elif [[ $reply =~ ^hello\ from\ ([^ ]+)\ (.*)$ ]]; then
        got=${BASH_REMATCH[1]}
        if [ "${BASH_REMATCH[2]}" != "$req" ]; then
            got="$got (bad reply: $reply)"
        fi
    else
        got="bad reply: $reply"
    fi
    if [ "$got" = "$expect" ]; then result=PASS; else result=FAIL; fi
    printf '%s|client -> %s:%s|%s|%s|%s|%s ms\n' "$case" "$NETLAB_SHARED_IP" \
        "$port" "$expect" "$got" "$result" "$ms" >"$results/$id"
}

echo "== container_map demo: two containers share $NETLAB_SHARED_IP =="
echo "OVS build: $OVS_BUILDDIR"
t0=$(now_ms)
if ! netlab_up; then
    echo "container-map-demo: building the lab failed (see above)" >&2
    exit 1
fi
echo "lab up in $(( $(now_ms) - t0 )) ms:"
echo "  $(netlab_ns client) $NETLAB_CLIENT_IP -> $(netlab_ns host1)" \
     "(kernel routing, gw $NETLAB_GW_IP) -> br-int (userspace datapath)"
for entry in "${NETLAB_CONTAINERS[@]}"; do
    read -r name _ ip mac ofport proto port <<<"$entry"
    echo "  $(netlab_ns "$name"): $ip on $mac, br-int port $ofport," \
         "serves $proto/$port"
done
echo "  br-int flow from gw: ip,nw_dst=$NETLAB_SHARED_IP,actions=container_map"
echo

results=$NETLAB_TMP/results
mkdir -p "$results"

# Sequential sessions, one per mapped port.
run_case 01 "sequential" 80 c1 seq-80 0 3
run_case 02 "sequential" 8080 c2 seq-8080 0 3

# Concurrent sessions: all connect at once and stay open for a second
# before they send their request, so they overlap.
pids=()
for i in 1 2 3; do
    : >"$results/1$i"
    : >"$results/2$i"
    run_case "1$i" "concurrent #$i" 80 c1 "conc-80-$i" 1 3 &
    pids+=($!)
    run_case "2$i" "concurrent #$i" 8080 c2 "conc-8080-$i" 1 3 &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid"     # each session is bounded by netlab_tcp's timeouts
done

# A port nobody mapped: the action drops it (and counts a miss).
run_case 31 "unmapped port" 81 none unmapped 0 2

fmt='%-15s %-28s %-8s %-8s %-6s %s\n'
# shellcheck disable=SC2059
printf "$fmt" CASE PATH EXPECTED GOT RESULT TIME
n_pass=0
n_fail=0
for f in "$results"/*; do
    if [ ! -s "$f" ]; then
        # shellcheck disable=SC2059
        printf "$fmt" "$(basename "$f")" "?" "?" "(no result)" FAIL "-"
        n_fail=$((n_fail + 1))
        continue
    fi
    IFS='|' read -r c p e g r t <"$f"
    # shellcheck disable=SC2059
    printf "$fmt" "$c" "$p" "$e" "$g" "$r" "$t"
    if [ "$r" = PASS ]; then
        n_pass=$((n_pass + 1))
    else
        n_fail=$((n_fail + 1))
    fi
done
echo

echo "== ovs-appctl container-map/show $NETLAB_BRIDGE =="
netlab_appctl host1 container-map/show "$NETLAB_BRIDGE"
echo

echo "== megaflows (ovs-appctl dpctl/dump-flows) =="
megaflows=$(netlab_megaflows host1)
shared=$(grep -F "dst=$NETLAB_SHARED_IP," <<<"$megaflows")
n_total=$(grep -c . <<<"$megaflows")
n_shared=$(grep -c . <<<"$shared")
n_l4=$(grep -c 'tcp(dst=' <<<"$megaflows")
printf '%s\n' "$shared"
echo "-> $n_shared megaflow(s) for $NETLAB_SHARED_IP serving both ports" \
     "(datapath flows in all: $n_total, matching on tcp(dst=...): $n_l4)"
if [ "$n_shared" -ne 1 ] || [ "$n_l4" -ne 0 ]; then
    echo "   FAIL: expected exactly one megaflow for $NETLAB_SHARED_IP and" \
         "none that match on the TCP port"
    n_fail=$((n_fail + 1))
fi
echo

echo "demo: $n_pass sessions passed, $n_fail failed" \
     "($(( $(now_ms) - t0 )) ms including setup)"
[ "$n_fail" -eq 0 ]
