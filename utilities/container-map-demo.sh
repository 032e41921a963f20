#!/bin/bash
# container-map-demo.sh -- containers on three hosts joined by VXLAN, several
# of them sharing one public IP; the seeds' experiment matrix with real TCP
# and UDP traffic.
#
# Builds the "fabric" lab of utilities/netlab.sh (netlab_up_fabric: three
# hosts, each a network namespace with its own ovsdb-server and
# ovs-vswitchd running the userspace datapath; host1 is the gateway host
# facing an outside client, host2 sits behind a VXLAN port with a fixed
# remote_ip, host3 behind a flow-based one), runs every case of the matrix
# (NETLAB_FABRIC_MATRIX) over TCP and UDP plus two big transfers across the
# tunnels, prints a table (case, path, who answered, time), the gateway
# host's container map and its megaflow count, and tears the lab down.
# Exits nonzero if any session went wrong.
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

br=$NETLAB_BRIDGE
gwhost=$(netlab_fabric_gw_host)

echo "== ovs-container-map demo: ${#NETLAB_FABRIC_HOSTS[@]} hosts joined by VXLAN =="
echo "OVS build: $OVS_BUILDDIR"
t_start=$(now_ms)
if ! netlab_up_fabric; then
    echo "container-map-demo: building the lab failed (see above)" >&2
    exit 1
fi
echo "lab up in $(( $(now_ms) - t_start )) ms (namespaces $(netlab_ns '*')):"
echo "  client $NETLAB_CLIENT_IP -> $gwhost, the gateway host: its kernel" \
     "routes $NETLAB_GW_NET to \"$NETLAB_GW_PORT\" $NETLAB_GW_IP on $br"
for entry in "${NETLAB_FABRIC_HOSTS[@]}"; do
    read -r host hip tun <<<"$entry"
    if [ "$host" = "$gwhost" ]; then
        tunnels=
        for t in "${NETLAB_FABRIC_GW_TUNNELS[@]}"; do
            read -r tname _ tremote <<<"$t"
            tunnels="$tunnels, $tname (VXLAN remote_ip=$tremote)"
        done
        echo "  $host: underlay $hip/$NETLAB_UNDERLAY_PLEN (MTU" \
             "$NETLAB_UNDERLAY_MTU)$tunnels"
    else
        echo "  $host: underlay $hip/$NETLAB_UNDERLAY_PLEN," \
             "$NETLAB_FABRIC_TUNNEL (VXLAN to the gateway host);" \
             "behind $tun on $gwhost"
    fi
done
for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
    read -r name host ip mac _ port _ range <<<"$entry"
    read -r _ parg remote <<<"$(netlab_fabric_backend "$name")"
    printf '  %s on %s: %-13s %s  serves tcp+udp/%-5s source ports %s  (%s: port %s%s)\n' \
        "$name" "$host" "$ip" "$mac" "$port" "$range" "$gwhost" "$parg" \
        "${remote:+ $remote}"
done
echo

results=$NETLAB_TMP/results
t_matrix=$(now_ms)
netlab_fabric_matrix "$results/matrix"
ms_matrix=$(( $(now_ms) - t_matrix ))

# Two big transfers across the tunnels (1500-byte packets inside the
# underlay's $NETLAB_UNDERLAY_MTU-byte frames).
bulk=$((2 * 1024 * 1024))
# bulk_case FROM TO: FROM sends $bulk bytes to TO's sink; writes a result
# file like netlab_fabric_matrix's.
bulk_case() {
    local from=$1 to=$2 ip port t0 reply result
    if [ "$to" = client ]; then
        ip=$NETLAB_CLIENT_IP port=$NETLAB_CLIENT_SINK_PORT
    else
        read -r _ _ ip _ _ _ port _ <<<"$(netlab_fabric_container "$to")"
    fi
    t0=$(now_ms)
    reply=$(head -c "$bulk" /dev/zero | netlab_exec "$from" timeout 20 \
            socat -t 10 -T 15 - "TCP:$ip:$port,connect-timeout=3" 2>/dev/null)
    if [ "$reply" = "received $bulk bytes" ]; then result="ok|$to"; else result="FAIL|-"; fi
    printf '%s|tcp|%s|%s|%s|%s|%s|%s\n' "big transfer, 2 MB" "$from" "$to" \
        "$(netlab_fabric_path "$from" "$to")" "$result" "$(( $(now_ms) - t0 ))" \
        "$reply" >"$results/bulk-$from-$to"
}
bulk_case client c6
bulk_case c4 client

# The table: one line per session, its TCP and UDP results side by side.
fmt='%-30s %-54s %-10s %-10s %s\n'
# shellcheck disable=SC2059
printf "$fmt" CASE PATH TCP UDP "TIME (ms, tcp/udp)"
n_ok=0
n_fail=0
# cell FILE: "ok WHO" or "FAIL WHO" of a result file, and its time.
cell() {
    local f=$1 case proto from to path result who ms detail
    if [ ! -s "$f" ]; then
        echo "FAIL - -"
        return
    fi
    IFS='|' read -r case proto from to path result who ms detail <"$f"
    echo "$result ${who:--} $ms"
}
for f in "$results"/matrix/*-tcp-* "$results"/bulk-*; do
    IFS='|' read -r case _ from to path _ <"$f"
    read -r tres twho tms <<<"$(cell "$f")"
    u=${f/-tcp-/-udp-}
    if [ "$u" != "$f" ]; then
        read -r ures uwho ums <<<"$(cell "$u")"
    else
        ures=- uwho="" ums=-
    fi
    for r in "$tres" "$ures"; do
        case $r in
            ok) n_ok=$((n_ok + 1)) ;;
            -) ;;
            *) n_fail=$((n_fail + 1)) ;;
        esac
    done
    # shellcheck disable=SC2059
    printf "$fmt" "$case" "$path" "$tres $twho" "$ures${uwho:+ $uwho}" \
        "$tms / $ums"
done
echo "(TCP/UDP: ok or FAIL, and who answered: the container, or the client" \
     "for container -> outside, whose reply was then checked to land in the" \
     "right container.  $gwhost routes every request; vxlan = tunnel port" \
     "with a fixed remote_ip, vxlan(flow) = remote_ip=flow.  Sessions of one" \
     "case ran at once.  Matrix: $ms_matrix ms.)" | fold -s -w 100
echo

echo "== ovs-appctl container-map/show $br (on $gwhost) =="
netlab_appctl "$gwhost" container-map/show "$br"
echo

echo "== megaflows on $gwhost (ovs-appctl dpctl/dump-flows) =="
megaflows=$(netlab_megaflows "$gwhost")
# shellcheck disable=SC2001
matches=$(grep -v 'actions:tnl_pop(' <<<"$megaflows" | sed 's/, packets:.*//')
n_total=$(grep -c . <<<"$megaflows")
n_cm=$(grep -c 'actions:container_map(' <<<"$megaflows")
n_l4=$(grep -cE '(tcp|udp|sctp)\([^)]*(src|dst)=' <<<"$matches")
n_conn=$(netlab_appctl "$gwhost" container-map/conn-count "$br" \
         | grep -o '[0-9]*' | head -n 1)
# The gateway port's datapath port number ("gw 100/2: (tap)" in dpif/show).
gw_dp=$(netlab_appctl "$gwhost" dpif/show | awk -v p="$NETLAB_GW_PORT" '
            $1 == p { split($2, a, "/"); sub(/:$/, "", a[2]); print a[2] }')
echo "IPv4 from the gateway port: one megaflow for every mapped IP and port"
grep -F "in_port($gw_dp)," <<<"$megaflows" | grep 'eth_type(0x0800)' \
    | sed 's/^/  /'
n_sessions=$(cat "$results"/matrix/* "$results"/bulk-* | grep -c .)
echo "-> $n_total megaflows in $gwhost's datapath after $n_sessions sessions" \
     "($n_cm with container_map; connection entries now: $n_conn);" \
     "matching on a TCP/UDP port: $n_l4"
echo "   (traffic that container_map(egress) passes on to the gateway port" \
     "gets a megaflow per input port, destination IP and IP protocol: OVS" \
     "checks whether packets to a port with an IP address are tunnel" \
     "traffic to terminate; never one per L4 port or connection)" \
     | fold -s -w 100
if [ "$n_l4" -ne 0 ]; then
    echo "   FAIL: megaflows match on L4 ports:"
    grep -E '(tcp|udp|sctp)\([^)]*(src|dst)=' <<<"$matches" | sed 's/^/   /'
    n_fail=$((n_fail + 1))
fi
echo

echo "demo: $n_ok sessions ok, $n_fail failed ($(( $(now_ms) - t_start )) ms" \
     "including setup)"
[ "$n_fail" -eq 0 ]
