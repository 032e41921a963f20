#!/bin/bash
# test-fragments.sh -- system test: fragmented UDP datagrams to and from
# containers that share an IP, delivered whole to the right container.
#
# Builds the "shared" lab of utilities/netlab.sh with IPv6
# (netlab_up_shared, netlab_shared_ipv6), with the client's link at MTU 1500
# both ends, and maps udp/7001 of both shared addresses to c1, udp/7002 to
# c2, each answering every datagram with its name, length and digest and the
# datagram itself (tests/system/dgram.py).  Then checks, over IPv4 and IPv6:
#   1. datagrams of 4 to 8 KB from the client (fragmented at MTU 1500) to
#      each port come back whole from the container of that port: the
#      fragments in, and those of its answer out, all went where the first
#      fragment of their datagram went;
#   2. the same with the client's fragments reordered: it fragments each
#      datagram itself and sends the fragments last first (this lab's
#      kernel may have no netem); the later fragments were held until their
#      first came, then followed (frag_held grows), none was lost
#      (frag_unfollowed stays 0);
#   3. teardown leaves no namespace, daemon or temporary directory behind.
#
# Exit status: 0 if all checks pass, 1 if any fails, 77 (skip) if not root.
# The last line of output is "N passed, M failed".
#
# Needs: iproute2, python3.  Binaries come from
# $OVS_BUILDDIR (default: <project>/_build/openvswitch).

set -u

here=$(cd "$(dirname "$0")" && pwd)
needs="python3"
# shellcheck source-path=SCRIPTDIR source=checks.sh
. "$here/checks.sh"

ip4=$NETLAB_SHARED_IP
ip6=$NETLAB_SHARED_IP6
count=20                # datagrams per port and phase
lo=4000                 # their sizes, in bytes
hi=8000

declare -A MAC OFPORT
for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
    read -r name _ _ mac ofport _ <<<"$entry"
    MAC[$name]=$mac
    OFPORT[$name]=$ofport
done

echo "# OVS build: $OVS_BUILDDIR"
if netlab_up_shared && netlab_shared_ipv6 \
   && netlab_exec "$NETLAB_GW_HOST" ip link set v-client mtu 1500; then
    pass "lab up (c1, c2 share $ip4 and $ip6; the client's link at MTU 1500)"
else
    fail "lab up" "netlab_up_shared or netlab_shared_ipv6 failed (see above)"
    finish
fi
out=$NETLAB_TMP/results
mkdir -p "$out"

setup_ok=0
for c in c1 c2; do
    port=$((7000 + ${c#c}))
    for ip in "$ip4" "$ip6"; do
        netlab_appctl "$NETLAB_GW_HOST" container-map/add "$NETLAB_BRIDGE" \
            "$ip" udp "$port" "${MAC[$c]}" "${OFPORT[$c]}" >/dev/null \
            || setup_ok=1
    done
    ( netlab_exec "$c" python3 "$here/dgram.py" serve "$c" "$port" ) \
        </dev/null >>"$out/serve-$c.log" 2>&1 &
    disown $!
done
for c in c1 c2; do
    port=$((7000 + ${c#c}))
    netlab__wait 5 "$c listening on udp/$port" \
        sh -c "ip netns exec '$(netlab_ns "$c")' ss -Hlun 'sport = :$port' | grep -q ." \
        || setup_ok=1
done
check "udp/7001 of $ip4 and $ip6 mapped to c1, udp/7002 to c2, both serving" \
    $setup_ok

# send_all PHASE IP [reversed DEV SRC DSTMAC]: datagrams from the client to
# both ports of IP (as tests/system/dgram.py sends them); checks that each
# came back whole from its port's container.
send_all() {
    local phase=$1 ip=$2 c port res
    shift 2
    for c in c1 c2; do
        port=$((7000 + ${c#c}))
        res=$(netlab_exec client timeout 120 python3 "$here/dgram.py" send \
              "$ip" "$port" "$count" "$lo" "$hi" "$@" 2>&1)
        printf '%s\n' "$res" >"$out/$phase-$c"
        grep -qx "sent $count whole $count from $c" <<<"$res"
        check "$phase: $count datagrams of $lo-$hi bytes to $ip udp/$port come back whole from $c" \
            $? "$res" "$(cm_show | sed -n 2,3p)"
    done
}

# --- 1. In order -------------------------------------------------------------

f0=$(cm_counter frag_followed)
send_all "in order, IPv4" "$ip4"
send_all "in order, IPv6" "$ip6"
f1=$(cm_counter frag_followed)
# Each datagram has at least 2 later fragments in, 2 out (4000 bytes and
# more, 1480 or 1448 per fragment).
[ "$((f1 - f0))" -ge $((4 * 4 * count)) ]
check "in order: the later fragments both ways followed their first (frag_followed $f0 -> $f1)" $?

# --- 2. Reordered ------------------------------------------------------------
# The client fragments each datagram itself and sends the fragments last
# first (the lab's kernel may have no netem to reorder them on the way),
# with identifiers of its own: first the records of the datagrams above
# (whose identifiers the client's kernel chose) expire, 2 s after their
# first fragment.  Otherwise a later fragment with a repeated identifier,
# which comes before its first, would follow the older datagram, as any
# receiver would take it for one of that datagram.

sleep 2.5

vclient_mac=$(netlab_exec "$NETLAB_GW_HOST" cat /sys/class/net/v-client/address)
h0=$(cm_counter frag_held)
reversed=(reversed eth0 "$NETLAB_CLIENT_IP" "$vclient_mac")
send_all "reordered, IPv4" "$ip4" "${reversed[@]}"
reversed=(reversed eth0 "$NETLAB_CLIENT_IP6" "$vclient_mac")
send_all "reordered, IPv6" "$ip6" "${reversed[@]}"
h1=$(cm_counter frag_held)
u1=$(cm_counter frag_unfollowed)
# Each datagram has at least 2 later fragments, all sent before the first.
[ "$((h1 - h0))" -ge $((2 * 4 * count)) ] && [ "$u1" -eq 0 ]
check "reordered: the later fragments, all before their first, were held and followed (frag_held $h0 -> $h1), none lost (frag_unfollowed $u1)" $?

check_teardown
finish
