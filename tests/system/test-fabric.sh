#!/bin/bash
# test-fabric.sh -- system test: containers on several hosts joined by
# VXLAN, one gateway host facing the outside; the seeds' experiment matrix
# with real TCP and UDP.
#
# Builds the "fabric" lab of utilities/netlab.sh (netlab_up_fabric: three
# hosts, each a network namespace with its own ovsdb-server and
# ovs-vswitchd (userspace datapath, container_map action); host1 is the
# gateway host, host2 sits behind a VXLAN port with a fixed remote_ip,
# host3 behind a flow-based one (remote_ip=flow, mappings with
# remote=IP); 203.0.113.10 is shared by c1, c2 (host1), c4 (host2) and c6
# (host3); an outside client behind host1) and checks:
#   1. every session of the matrix (NETLAB_FABRIC_MATRIX), over TCP and
#      UDP, is answered by the right container (servers reply with their
#      name), or, for container -> outside, the reply lands in the container
#      that asked and the client saw its IP and a source port from its
#      reserved range: outside -> container on each host, concurrent
#      outside sessions to the four containers sharing 203.0.113.10 on
#      three hosts, same host different IPs, same host same IP different
#      port, different hosts different IPs, different hosts same IP,
#      container -> outside from every host;
#   2. the gateway host's connection entries for remote containers'
#      outbound connections name their MAC and tunnel port; every mapping's
#      backend counted packets, remote ones included;
#   3. big transfers across the tunnels (1500-byte packets inside 1550-byte
#      underlay frames): 2 MB over TCP to and from containers behind both
#      tunnel ports, and full-size pings with DF set;
#   4. no megaflow on any host matches a TCP/UDP port (apart from the
#      underlay's VXLAN port that native tunnelling terminates); on the
#      gateway host, IPv4 reaches remote containers with no recirculation
#      and no per-container megaflow;
#   5. teardown leaves no namespace, daemon or temp directory behind (and
#      runs on failure too: trap).
#
# Exit status: 0 if all checks pass, 1 if any fails, 77 (skip) if not root
# or a tool is missing.  The last line of output is "N passed, M failed".
#
# Needs: iproute2, ethtool, socat, iputils-ping.  Binaries come from
# $OVS_BUILDDIR (default: <project>/_build/openvswitch).

set -u

here=$(cd "$(dirname "$0")" && pwd)
needs="socat ping ethtool"
# shellcheck source-path=SCRIPTDIR source=checks.sh
. "$here/checks.sh"

br=$NETLAB_BRIDGE
client=$NETLAB_CLIENT_IP
gwhost=$(netlab_fabric_gw_host)

# Container attributes, from the lab's NETLAB_FABRIC_CONTAINERS.
declare -A HOST IP MAC PORT SINK LO HI GWPORT
for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
    read -r name host ip mac _ port sink range <<<"$entry"
    HOST[$name]=$host
    IP[$name]=$ip
    MAC[$name]=$mac
    PORT[$name]=$port
    SINK[$name]=$sink
    LO[$name]=${range%-*}
    HI[$name]=${range#*-}
    read -r gwport _ <<<"$(netlab_fabric_backend "$name")"
    GWPORT[$name]=$gwport
done

tmp=
echo "# OVS build: $OVS_BUILDDIR"
t_start=$(date +%s)
if netlab_up_fabric; then
    pass "lab up: ${#NETLAB_FABRIC_HOSTS[@]} hosts joined by VXLAN, ${#NETLAB_FABRIC_CONTAINERS[@]} containers, client ($(( $(date +%s) - t_start )) s)"
else
    fail "lab up" "netlab_up_fabric failed (see above)"
    finish
fi
tmp=$NETLAB_TMP
out=$tmp/results
mkdir -p "$out"

# --- 1. The matrix -----------------------------------------------------------

netlab_fabric_matrix "$out/matrix"
for f in "$out"/matrix/*; do
    IFS='|' read -r case proto from to path result who ms detail <"$f"
    if [ "$to" = client ]; then
        what="reply back in $from"
    else
        what="answered by ${who/-/nobody}"
    fi
    if [ "$result" = ok ]; then
        pass "$proto $case: $path: $what ($ms ms)"
    else
        fail "$proto $case: $path: expected ${to/client/a reply in $from}" \
            "${detail:-(no result)}" "after $ms ms"
    fi
done

# --- 2. Connection entries and counters on the gateway host ----------------

list=$(cm_conns "$gwhost")
for line in "${NETLAB_FABRIC_MATRIX[@]}"; do
    IFS='|' read -r case from tos _ <<<"$line"
    [ "$tos" = client ] || continue
    bad=()
    for proto in tcp udp; do
        # "PROTO IP LPORT <-> CLIENT RPORT outbound STATE -> MAC port N: ..."
        if ! awk -v p="$proto" -v ip="${IP[$from]}" -v cl="$client" \
                 -v lo="${LO[$from]}" -v hi="${HI[$from]}" \
                 -v mac="${MAC[$from]}" -v port="${GWPORT[$from]}:" '
                $1 == p && $2 == ip && $3 >= lo && $3 <= hi && $5 == cl \
                    && $7 == "outbound" && $10 == mac && $12 == port { ok = 1 }
                END { exit !ok }' <<<"$list"; then
            bad+=("no $proto outbound entry from ${IP[$from]}:${LO[$from]}-${HI[$from]} to $client -> ${MAC[$from]} port ${GWPORT[$from]}")
        fi
    done
    check "conn-list on $gwhost: $from's (${HOST[$from]}) outbound tcp and udp entries go to ${MAC[$from]} port ${GWPORT[$from]}" \
        ${#bad[@]} "${bad[@]}" "conn-list:" "$list"
done

sh=$(cm_show "$gwhost")
bad=()
for name in "${!IP[@]}"; do
    for proto in tcp udp; do
        n=$(awk -v key="${IP[$name]} $proto ${PORT[$name]}:" -v mac="${MAC[$name]}" '
                index($0, "  " key) == 1 { inkey = 1; next }
                /^  [^ ]/ { inkey = 0 }
                inkey && $2 == mac { sub(/.*packets=/, ""); sub(/ .*/, ""); print; exit }' <<<"$sh")
        if [ -z "$n" ] || [ "$n" -eq 0 ]; then
            bad+=("${IP[$name]} $proto ${PORT[$name]} -> $name: packets=${n:-?}")
        fi
    done
done
check "container-map/show on $gwhost: every backend (local, behind the fixed and the flow-based VXLAN port) counted packets" \
    ${#bad[@]} "${bad[@]}" "container-map/show:" "$sh"

# --- 3. Big transfers across the tunnels -------------------------------------
# Containers and the gateway keep MTU 1500; the underlay links have MTU
# $NETLAB_UNDERLAY_MTU, room for VXLAN's 50 bytes.

bulk=$((2 * 1024 * 1024))
pids=()
for c in c4 c6; do
    head -c "$bulk" /dev/zero | netlab_exec client timeout 20 socat -t 10 -T 15 - \
        "TCP:${IP[$c]}:${SINK[$c]},connect-timeout=3" >"$out/bulk-to-$c" 2>&1 &
    pids+=($!)
    head -c "$bulk" /dev/zero | netlab_exec "$c" timeout 20 socat -t 10 -T 15 - \
        "TCP:$client:$NETLAB_CLIENT_SINK_PORT,connect-timeout=3" \
        >"$out/bulk-from-$c" 2>&1 &
    pids+=($!)
done
t0=$(date +%s%N)
wait "${pids[@]}"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
for c in c4 c6; do
    path=$(netlab_fabric_path client "$c")
    reply=$(cat "$out/bulk-to-$c")
    [ "$reply" = "received $bulk bytes" ]
    check "bulk: $bulk bytes over TCP $path" $? "reply: \"$reply\""
    path=$(netlab_fabric_path "$c" client)
    reply=$(cat "$out/bulk-from-$c")
    [ "$reply" = "received $bulk bytes" ]
    check "bulk: $bulk bytes over TCP $path" $? "reply: \"$reply\""
done
echo "# 4 transfers of $bulk bytes at once: $ms ms"

for c in c4 c6; do
    res=$(netlab_exec "$c" timeout 10 ping -n -c 3 -i 0.2 -W 2 -M "do" -s 1472 \
          -e $((LO[$c] + 7)) "$client" 2>&1)
    grep -q ' 3 received' <<<"$res"
    check "mtu: 1500-byte pings (DF) $(netlab_fabric_path "$c" client) and back" \
        $? "$res"
done

# --- 4. Megaflows ---------------------------------------------------------------

for entry in "${NETLAB_FABRIC_HOSTS[@]}"; do
    host=${entry%% *}
    mf=$(netlab_megaflows "$host")
    # The match part of each megaflow, without the underlay's VXLAN
    # termination (udp dst 4789, tnl_pop), which is not container traffic.
    # shellcheck disable=SC2001
    matches=$(grep -v 'actions:tnl_pop(' <<<"$mf" | sed 's/, packets:.*//')
    l4=$(grep -E '(tcp|udp|sctp)\([^)]*(src|dst)=' <<<"$matches")
    n_all=$(grep -c . <<<"$mf")
    n_cm=$(grep -c 'actions:container_map(' <<<"$mf")
    [ -z "$l4" ] && [ "$n_all" -gt 0 ]
    check "megaflows on $host: $n_all ($n_cm with container_map), none matches a TCP/UDP port" \
        $? "matching a port:" "$l4" "all:" "$mf"
    if [ "$host" = "$gwhost" ]; then
        # IPv4 goes to remote containers straight from the action: no
        # recirculation, and the tunnel header (tnl_push) is in the
        # action's own per-container actions, not in a megaflow.  (The
        # gateway's ARP replies to containers take table 1's output
        # flows, whose megaflows do hold tnl_push.)
        ip4=$(grep 'eth_type(0x0800)' <<<"$mf" | grep 'actions:container_map(')
        recirc=$(grep -E 'recirc\(|tnl_push\(' <<<"$ip4")
        [ -z "$recirc" ] && [ -n "$ip4" ]
        check "megaflows on $host: IPv4 reaches remote containers without recirculation or per-container megaflows" \
            $? "$recirc"
    fi
done

# --- 5. Teardown -------------------------------------------------------------

check_teardown

echo "# $(( $(date +%s) - t_start )) s"
finish
