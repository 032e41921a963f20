#!/bin/bash
# test-shared-ip.sh -- system test: two containers share one IP, the
# container_map action sends each TCP port to its own container.
#
# Builds the lab of utilities/netlab.sh (real namespaces, veths, TCP, one
# ovs-vswitchd with the userspace datapath) and checks:
#   - each mapped port reaches the right container (reply content),
#   - concurrent sessions to both ports all reach the right container,
#   - an unmapped port gets no connection and counts a miss,
#   - container-map/show counts hits for both mappings,
#   - the datapath holds exactly ONE megaflow for the shared IP, and no
#     megaflow matches on the TCP port,
#   - teardown leaves no namespace, daemon or temp directory behind.
#
# Exit status: 0 if all checks pass, 1 if any fails, 77 (skip) if not root.
# The last line of output is "N passed, M failed".
#
# Binaries come from $OVS_BUILDDIR (default: <project>/_build/openvswitch).

set -u

here=$(cd "$(dirname "$0")" && pwd)
needs="socat"
# shellcheck source-path=SCRIPTDIR source=checks.sh
. "$here/checks.sh"

# check_reply DESCRIPTION EXPECTED ACTUAL
check_reply() {
    if [ "$3" = "$2" ]; then
        pass "$1"
    else
        fail "$1" "expected: \"$2\"" "got:      \"$3\""
    fi
}

# show_counter SHOW_OUTPUT KEY: the packets= counter of mapping KEY
# ("203.0.113.10 tcp 80"), or the miss= counter if KEY is "miss".
show_counter() {
    if [ "$2" = miss ]; then
        sed -n 's/^.*unmatched packets:.* miss=\([0-9]*\).*$/\1/p' <<<"$1"
    else
        sed -n "s/^  $2: packets=\\([0-9]*\\) .*\$/\\1/p" <<<"$1"
    fi
}

# --- Lab ---------------------------------------------------------------

echo "# OVS build: $OVS_BUILDDIR"
if netlab_up; then
    pass "lab up (host1, client, c1 and c2 sharing $NETLAB_SHARED_IP)"
else
    fail "lab up" "netlab_up failed (see above)"
    finish
fi
ip=$NETLAB_SHARED_IP

# --- Each port reaches its container ------------------------------------

check_reply "tcp/80 reaches c1" "hello from c1 port80" \
    "$(netlab_tcp client "$ip" 80 port80 0 3)"
check_reply "tcp/8080 reaches c2" "hello from c2 port8080" \
    "$(netlab_tcp client "$ip" 8080 port8080 0 3)"

# --- Concurrent sessions --------------------------------------------------
# Four sessions connect at once and hold their connection open for a second
# before they send their request, so all of them are established together.

conc=$NETLAB_TMP/concurrent
mkdir -p "$conc"
pids=()
for i in 1 2; do
    netlab_tcp client "$ip" 80 "conc80-$i" 1 3 >"$conc/80-$i" &
    pids+=($!)
    netlab_tcp client "$ip" 8080 "conc8080-$i" 1 3 >"$conc/8080-$i" &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid"     # each session is bounded by netlab_tcp's timeouts
done
for i in 1 2; do
    check_reply "concurrent session $i to tcp/80 reaches c1" \
        "hello from c1 conc80-$i" "$(cat "$conc/80-$i")"
    check_reply "concurrent session $i to tcp/8080 reaches c2" \
        "hello from c2 conc8080-$i" "$(cat "$conc/8080-$i")"
done

# --- Unmapped port --------------------------------------------------------

before=$(cm_show)
misses_before=$(show_counter "$before" miss)
reply=$(netlab_tcp client "$ip" 81 port81 0 2)
rc=$?
if [ $rc -ne 0 ] && [ -z "$reply" ]; then
    pass "tcp/81 (unmapped) gets no connection"
else
    fail "tcp/81 (unmapped) gets no connection" \
        "socat exit status $rc, reply \"$reply\""
fi
after=$(cm_show)
misses_after=$(show_counter "$after" miss)
if [ -n "$misses_before" ] && [ -n "$misses_after" ] \
   && [ "$misses_after" -gt "$misses_before" ]; then
    pass "miss counter increased ($misses_before -> $misses_after)"
else
    fail "miss counter increased" \
        "before: \"$misses_before\", after: \"$misses_after\"" \
        "container-map/show:" "$after"
fi

# --- Hit counters ------------------------------------------------------------

for entry in "${NETLAB_CONTAINERS[@]}"; do
    read -r name _ cip _ _ proto port <<<"$entry"
    hits=$(show_counter "$after" "$cip $proto $port")
    if [ -n "$hits" ] && [ "$hits" -gt 0 ]; then
        pass "container-map/show: $cip $proto $port ($name) packets=$hits > 0"
    else
        fail "container-map/show: $cip $proto $port ($name) packets > 0" \
            "packets=\"$hits\"" "container-map/show:" "$after"
    fi
done

# --- Megaflows ----------------------------------------------------------------

megaflows=$(netlab_megaflows host1)
# The match part of each megaflow (before its statistics and actions).
# shellcheck disable=SC2001
matches=$(sed 's/, packets:.*//' <<<"$megaflows")
n_shared=$(grep -cF "$ip" <<<"$matches")
n_l4=$(grep -cF 'tcp(dst=' <<<"$matches")
if [ "$n_shared" -eq 1 ]; then
    pass "exactly one megaflow matches on $ip"
else
    fail "exactly one megaflow matches on $ip" "found $n_shared:" "$megaflows"
fi
if grep -F "$ip" <<<"$megaflows" | grep -qF 'actions:container_map('; then
    pass "that megaflow's action is container_map"
else
    fail "that megaflow's action is container_map" "$megaflows"
fi
if [ "$n_l4" -eq 0 ]; then
    pass "no megaflow matches on tcp(dst=...)"
else
    fail "no megaflow matches on tcp(dst=...)" "found $n_l4:" "$megaflows"
fi

# --- Teardown ---------------------------------------------------------------

check_teardown

finish
