#!/bin/bash
# test-restart.sh -- system test: kill -9 of ovs-vswitchd loses nothing.
#
# Builds the "shared" lab of utilities/netlab.sh (c1, c2 and c3 share
# 203.0.113.10, each with its own source port range; the container map and
# the pipeline flows live in host1's Container_Map database), maps tcp/9100
# to c1 and c2 (load-balanced) and tcp/9200 to c3 alone, and holds TCP
# connections open:
#   - outside client -> tcp/9100 (several, so that both backends get some),
#   - outside client -> tcp/9200,
#   - c1 and c2 -> the client's echo server (outbound, replies delivered by
#     reservation),
# each sending a line every 0.2 s and reading its echo.  Then it kills
# host1's ovs-vswitchd with SIGKILL and starts it again, and checks:
#   1. every connection carries data both ways afterwards, every request got
#      its reply, and each connection stayed with the container it had;
#   2. show (without its packet counters), the echo setting, the set-mac MAC,
#      the connection table settings and the pipeline flows are what they
#      were before;
#   3. how long ovs-vswitchd took to start and read the map (printed);
#   4. teardown leaves nothing behind.
#
# Exit status: 0 if all checks pass, 1 if any fails, 77 (skip) if not root.
# The last line of output is "N passed, M failed".

set -u

here=$(cd "$(dirname "$0")" && pwd)
needs="python3 socat ping"
# shellcheck source-path=SCRIPTDIR source=checks.sh
. "$here/checks.sh"

ip=$NETLAB_SHARED_IP
client=$NETLAB_CLIENT_IP
br=$NETLAB_BRIDGE

LB=9100                 # c1, c2 (echo).
SINGLE=9200             # c3 (echo).
ECHO=5100               # The client's echo server.
SESSION=12              # How long the sessions run, in seconds.
N_LB=6                  # Sessions to the load-balanced port.

declare -A MAC OFPORT
for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
    read -r name _ _ mac ofport _ <<<"$entry"
    MAC[$name]=$mac
    OFPORT[$name]=$ofport
done

map() {         # map PORT CONTAINER
    netlab_appctl host1 container-map/add "$br" "$ip" tcp "$1" \
        "${MAC[$2]}" "${OFPORT[$2]}" >/dev/null
}

# state: what must survive: show without its counters, the settings, the
# pipeline flows.
state() {
    cm_show | sed -e 's/ packets=[0-9]* bytes=[0-9]*//' \
                  -e '/^  unmatched packets:/d' -e '/^  events:/d' \
                  -e 's/, [0-9]* connections\{0,1\},/,/'
    netlab_appctl host1 container-map/conn-set
    netlab_ofctl host1 dump-flows "$br" --no-stats | sed 's/^ *//' | sort
}

echo "# OVS build: $OVS_BUILDDIR"
if netlab_up_shared; then
    pass "lab up (c1, c2, c3 share $ip; map and flows in host1's database)"
else
    fail "lab up" "netlab_up_shared failed (see above)"
    finish
fi
tmp=$NETLAB_TMP
out=$tmp/results
mkdir -p "$out"

st=0
for c in c1 c2 c3; do
    netlab_serve_kind "$c" tcp "$LB" echo || st=1
done
netlab_serve_kind c3 tcp "$SINGLE" echo || st=1
netlab_serve_kind client tcp "$ECHO" echo || st=1
map "$LB" c1 && map "$LB" c2 && map "$SINGLE" c3 || st=1
netlab_appctl host1 container-map/echo "$br" "$ip" off >/dev/null || st=1
settings=$(netlab_appctl host1 container-map/conn-set tcp=600 per-source=1000) \
    || st=1
check "setup: tcp/$LB -> c1, c2, tcp/$SINGLE -> c3, echo off, $settings" $st
state >"$out/before"

pids=()
for i in $(seq 1 "$N_LB"); do
    session client "$ip" "$LB" "$out/s-lb-$i"
done
session client "$ip" "$SINGLE" "$out/s-single"
session c1 "$client" "$ECHO" "$out/s-c1"
session c2 "$client" "$ECHO" "$out/s-c2"
sleep 3
conns_before=$(netlab_appctl host1 container-map/conn-count "$br")

t0=$(date +%s%N)
netlab_vswitchd_crash host1
st=$?
t1=$(date +%s%N)
restart_ms=$(( (t1 - t0) / 1000000 ))
check "kill -9 of ovs-vswitchd with $conns_before connections open; started again and the map read in $restart_ms ms" \
    $st "$(tail -20 "$tmp/host1/ovs-vswitchd.log")"

wait "${pids[@]}"
bad=()
names=()
for i in $(seq 1 "$N_LB"); do
    if session_ok "$out/s-lb-$i" "(c1|c2)"; then
        names+=("$(sed -n 's/.* from //p' "$out/s-lb-$i")")
    else
        bad+=("tcp/$LB session $i: $(cat "$out/s-lb-$i")")
    fi
done
backends=$(printf '%s\n' "${names[@]}" | sort | uniq -c | tr -s ' \n' ' ')
check "$N_LB connections to tcp/$LB (load-balanced: ${backends:-none}) went on, each on its backend" \
    ${#bad[@]} "${bad[@]}"
session_ok "$out/s-single" c3
check "the connection to tcp/$SINGLE went on with c3: $(cat "$out/s-single")" $?
session_ok "$out/s-c1" client && session_ok "$out/s-c2" client
check "c1's and c2's connections to the client went on: $(cat "$out/s-c1"); $(cat "$out/s-c2")" $?

state >"$out/after"
diff "$out/before" "$out/after" >"$out/diff"
check "show, echo off, set-mac, connection settings and pipeline flows are what they were" \
    $? "$(cat "$out/diff")"

! netlab_exec client ping -c 1 -W 1 -q "$ip" >/dev/null 2>&1
check "echo off still off: no answer to ping $ip" $?

check_teardown
finish
