#!/bin/bash
# test-shared-ip6.sh -- system test: containers that share one IPv6 address,
# reached from outside and reaching out, with no static neighbour anywhere.
#
# Builds the "shared" lab of utilities/netlab.sh (netlab_up_shared) and adds
# IPv6 to it (netlab_shared_ipv6: c1, c2 and c3 also hold 2001:db8:10::10,
# each reserved for its own source port range; tcp/9000 on it is mapped to
# c1 and c2; the host routes between the client and the containers and
# resolves the shared address like any neighbour), then checks:
#   1. neighbour discovery: the host resolves the shared address to the
#      set-mac MAC, answered by the switch (ping6 from the client gets its
#      replies); a container's advertisement of the shared address, and its
#      duplicate address detection for it, never reach the host (the host's
#      entry stays, the container's address does not fail detection);
#   2. inbound TCP from the client to the load-balanced tcp/9000: every
#      connection reaches c1 or c2 and both get some; connections held open
#      while c3 is added stay on their backend, new ones may go to c3;
#   3. outbound TCP and UDP from c1, c2 and c3 to the client: each reply
#      comes back to the container that asked, from its own port range
#      (their solicitations for the gateway are answered to their MACs);
#   4. ping6 from a container, with an identifier in its range;
#   5. PMTU: c1's bulk TCP transfer crosses the 1280-byte link; the packet
#      too big errors reach c1, which learns the path MTU;
#   6. teardown leaves no namespace, daemon or temporary directory behind.
#
# Exit status: 0 if all checks pass, 1 if any fails, 77 (skip) if not root.
# The last line of output is "N passed, M failed".
#
# Needs: iproute2, ethtool, socat, iputils-ping.  Binaries come from
# $OVS_BUILDDIR (default: <project>/_build/openvswitch).

set -u

here=$(cd "$(dirname "$0")" && pwd)
needs="ping"
# shellcheck source-path=SCRIPTDIR source=checks.sh
. "$here/checks.sh"

ip6=$NETLAB_SHARED_IP6
client6=$NETLAB_CLIENT_IP6

declare -A MAC OFPORT LO HI
for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
    read -r name _ _ mac ofport range <<<"$entry"
    MAC[$name]=$mac
    OFPORT[$name]=$ofport
    LO[$name]=${range%-*}
    HI[$name]=${range#*-}
done

in_range() {     # in_range CONTAINER PORT
    [ -n "$2" ] && [ "$2" -ge "${LO[$1]}" ] && [ "$2" -le "${HI[$1]}" ]
}

# host_neigh: the host's neighbour entry for the shared address on "gw".
host_neigh() {
    netlab_exec "$NETLAB_GW_HOST" ip -6 neigh show "$ip6" \
        dev "$NETLAB_GW_PORT"
}

# send_frame NODE HEX: sends the Ethernet frame HEX out of NODE's eth0.
send_frame() {
    # shellcheck disable=SC2016
    netlab_exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(bytes.fromhex(sys.argv[1]))' "$2"
}

# peer_port REPLY TOKEN: the source port in the client's reply
# "client [PEER_IP]:PEER_PORT TOKEN" (socat writes the peer's IPv6 address
# in full), if the reply is that and the peer is the shared address.
ip6_full=$(python3 -c 'import ipaddress, sys
print(ipaddress.ip_address(sys.argv[1]).exploded)' "$ip6")
peer_port() {
    sed -n "s/^client \\[\\($ip6\\|$ip6_full\\)\\]:\\([0-9]*\\) $2\$/\\2/p" \
        <<<"$1"
}

echo "# OVS build: $OVS_BUILDDIR"
if netlab_up_shared && netlab_shared_ipv6; then
    pass "lab up (c1, c2, c3 share $ip6, client $client6 behind a ${NETLAB_PATH_MTU}-byte link)"
else
    fail "lab up" "netlab_up_shared or netlab_shared_ipv6 failed (see above)"
    finish
fi
out=$NETLAB_TMP/results
mkdir -p "$out"

# --- 1. Neighbour discovery --------------------------------------------------

nd0=$(cm_counter nd_replies)
res=$(netlab_exec client timeout 8 ping -6 -n -c 3 -i 0.2 -W 2 "$ip6" 2>&1)
rc=$?
nd1=$(cm_counter nd_replies)
neigh=$(host_neigh)
[ $rc -eq 0 ] && [ "$nd1" -gt "$nd0" ] \
    && grep -q "lladdr $NETLAB_SHARED_MAC " <<<"$neigh "
st=$?
check "nd: the host resolves $ip6 to $NETLAB_SHARED_MAC, answered by the switch (nd_replies $nd0 -> $nd1); ping6 from the client gets 3 replies" \
    $st "ping: $res" "host neighbour: $neigh"

# c1 advertises the shared address as its own, overriding (what a container
# that answered for it would send); c3 takes the address again with
# duplicate address detection on.
sup0=$(cm_counter nd_suppressed)
na=$(python3 "$here/../container-map-packet.py" nd "${MAC[c1]}" \
     33:33:00:00:00:01 "$ip6" ff02::1 na "$ip6" "${MAC[c1]}" O)
send_frame c1 "$na"
netlab_exec c3 ip addr del "$ip6/128" dev eth0
netlab_exec c3 sysctl -qw net.ipv6.conf.eth0.accept_dad=1
netlab_exec c3 ip addr add "$ip6/128" dev eth0
sleep 2.5
addr=$(netlab_exec c3 ip -6 addr show dev eth0)
sup1=$(cm_counter nd_suppressed)
neigh=$(host_neigh)
[ "$sup1" -ge $((sup0 + 2)) ] \
    && grep -q "lladdr $NETLAB_SHARED_MAC " <<<"$neigh " \
    && grep -q "inet6 $ip6/128" <<<"$addr" \
    && ! grep -qE "tentative|dadfailed" <<<"$addr"
st=$?
check "nd: c1's advertisement of $ip6 and c3's duplicate address detection for it stay in the switch (nd_suppressed $sup0 -> $sup1); the host's entry is unchanged, c3 keeps the address" \
    $st "host neighbour: $neigh" "c3: $addr"

# --- 2. Inbound TCP, load-balanced ----------------------------------------

pids=()
for i in $(seq 12); do
    netlab_tcp client "$ip6" "$NETLAB_LB_PORT" "in-$i" 0 3 >"$out/in-$i" &
    pids+=($!)
done
wait "${pids[@]}"
bad=()
seen=
for i in $(seq 12); do
    reply=$(cat "$out/in-$i")
    if [[ $reply =~ ^hello\ from\ (c1|c2)\ in-$i$ ]]; then
        seen+=" ${BASH_REMATCH[1]}"
    else
        bad+=("in-$i: reply \"$reply\"")
    fi
done
[[ $seen == *c1* ]] && [[ $seen == *c2* ]] || bad+=("backends:$seen")
check "tcp in: 12 connections from the client to [$ip6]:$NETLAB_LB_PORT all answered, by c1 and c2" \
    ${#bad[@]} "${bad[@]}"

# Affinity: twelve connections held open while c3 is added as a backend
# stay with the backend they started on (one moved to c3 would get a RST
# from c3's kernel, not a reply); new ones may go to c3: of 30, one goes
# there but with a chance of (2/3)^30, 5 in a million.
pids=()
for i in $(seq 12); do
    netlab_tcp client "$ip6" "$NETLAB_LB_PORT" "held-$i" 3 3 \
        >"$out/held-$i" &
    pids+=($!)
done
sleep 1
netlab_appctl "$NETLAB_GW_HOST" container-map/add "$NETLAB_BRIDGE" "$ip6" \
    "$NETLAB_LB_PROTO" "$NETLAB_LB_PORT" "${MAC[c3]}" "${OFPORT[c3]}" >/dev/null
new=()
for i in $(seq 30); do
    netlab_tcp client "$ip6" "$NETLAB_LB_PORT" "new-$i" 0 3 >"$out/new-$i" &
    new+=($!)
done
wait "${pids[@]}" "${new[@]}"
bad=()
seen=
for i in $(seq 12); do
    reply=$(cat "$out/held-$i")
    [[ $reply =~ ^hello\ from\ (c1|c2)\ held-$i$ ]] \
        || bad+=("held-$i: reply \"$reply\"")
done
for i in $(seq 30); do
    reply=$(cat "$out/new-$i")
    if [[ $reply =~ ^hello\ from\ (c[123])\ new-$i$ ]]; then
        seen+=" ${BASH_REMATCH[1]}"
    else
        bad+=("new-$i: reply \"$reply\"")
    fi
done
[[ $seen == *c3* ]] || bad+=("new connections went to:$seen")
check "tcp in: 12 connections held open while c3 is added stay on c1 or c2; 30 new ones are answered, some by c3" \
    ${#bad[@]} "${bad[@]}"

# --- 3. Outbound TCP and UDP ----------------------------------------------

pids=()
for c in c1 c2 c3; do
    netlab_tcp "$c" "$client6" "$NETLAB_CLIENT_TCP_PORT" "$c-tcp" 1 3 \
        >"$out/tcp-$c" &
    pids+=($!)
    netlab_udp1 "$c" "$client6" "$NETLAB_CLIENT_UDP_PORT" "$c-udp" 1 3 \
        >"$out/udp-$c" &
    pids+=($!)
done
wait "${pids[@]}"
bad=()
for c in c1 c2 c3; do
    for proto in tcp udp; do
        reply=$(cat "$out/$proto-$c")
        port=$(peer_port "$reply" "$c-$proto")
        if ! in_range "$c" "$port"; then
            bad+=("$c $proto: reply \"$reply\", expected a port in ${LO[$c]}-${HI[$c]}")
        fi
    done
done
check "tcp/udp out: c1, c2 and c3 reach [$client6] at once; each reply comes back to the container that asked, from its own range" \
    ${#bad[@]} "${bad[@]}"

# --- 4. ping6 from a container ----------------------------------------------

res=$(netlab_exec c2 timeout 8 ping -6 -n -c 2 -i 0.2 -W 2 \
      -e "$((LO[c2] + 7))" "$client6" 2>&1)
check "ping6: c2 with id $((LO[c2] + 7)) gets its replies" $? "$res"

# --- 5. Path MTU --------------------------------------------------------------

d0=$(cm_counter icmp_errors_delivered)
reply=$(head -c 200000 /dev/zero \
        | netlab_exec c1 timeout 12 socat -t 5 -T 8 - \
            "TCP6:[$client6]:$NETLAB_CLIENT_SINK_PORT,connect-timeout=3" 2>&1)
d1=$(cm_counter icmp_errors_delivered)
mtu=$(netlab_exec c1 ip -6 route get "$client6" \
      | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
[ "$reply" = "received 200000 bytes" ] && [ "$d1" -gt "$d0" ] \
    && [ "$mtu" = "$NETLAB_PATH_MTU" ]
st=$?
check "pmtu: c1's 200000-byte transfer crosses the ${NETLAB_PATH_MTU}-byte link; packet too big reached c1 (icmp_errors_delivered $d0 -> $d1), mtu $NETLAB_PATH_MTU learned" \
    $st "reply: \"$reply\"" "c1's route mtu: \"$mtu\""

check_teardown
finish
