#!/bin/bash
# test-shared-ip-conn.sh -- system test: containers that share one IP open
# their own connections, ping and are pinged, learn the path MTU, and serve
# a load-balanced port whose connections stay on their backend.
#
# Builds the "shared" lab of utilities/netlab.sh (netlab_up_shared: real
# namespaces, veths, TCP/UDP/ICMP/ARP, one ovs-vswitchd with the userspace
# datapath; c1, c2 and c3 hold 203.0.113.10, each reserved for its own
# source port range; a lower-MTU link between the host and the client) and
# checks:
#   1. TCP: c1 and c2 connect concurrently to the same server port on the
#      client; every reply lands in the container that asked; conn-list
#      shows each connection as outbound, on the right container's MAC;
#      a source port outside the container's range, another container's
#      mapped port, or another container's 5-tuple gets nowhere;
#   2. UDP: the same, request/response;
#   3. ping from c1 and c2 (ids in their ranges) gets replies; an id outside
#      the range does not, and out_of_range counts it;
#   4. ping to the shared IP: answered by the switch, then by c2
#      (container-map/echo ... MAC), then dropped (echo ... off);
#   5. ARP: the gateway's neighbour entry for the shared IP is the set-mac
#      MAC and never a container's, also after the caches are flushed and a
#      container announces the IP (gratuitous ARP request and reply);
#   6. PMTU: a container's bulk TCP transfer and another's tracepath cross
#      the 1280-byte link; the "fragmentation needed" errors reach the
#      container that sent the packet, and only that one;
#   7. load balancing on tcp/9000: connections held open while a backend
#      is added, one drained and one removed stay on the backend they
#      started on; new connections avoid drained and removed backends, and
#      a backend whose container's veth is down (until it is up again),
#      whose held connections the switch resets at their next segment;
#   8. no megaflow matches on TCP/UDP ports, and more connections make no
#      more megaflows;
#   9. teardown leaves no namespace, daemon or temp directory behind.
#
# Exit status: 0 if all checks pass, 1 if any fails, 77 (skip) if not root.
# The last line of output is "N passed, M failed".
#
# Needs: iproute2, ethtool, socat, iputils-ping, iputils-tracepath,
# iputils-arping.  Binaries come from $OVS_BUILDDIR (default:
# <project>/_build/openvswitch).

set -u

here=$(cd "$(dirname "$0")" && pwd)
needs="ping tracepath arping"
# shellcheck source-path=SCRIPTDIR source=checks.sh
. "$here/checks.sh"

ip=$NETLAB_SHARED_IP
client=$NETLAB_CLIENT_IP
br=$NETLAB_BRIDGE

# snmp NODE PROTO FIELD: a counter of NODE's /proc/net/snmp, e.g.
# "snmp c1 Icmp InDestUnreachs" (each namespace has its own).
snmp() {
    netlab_exec "$1" cat /proc/net/snmp | awk -v p="$2:" -v f="$3" '
        $1 == p && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
        $1 == p && hdr  { print $col[f]; exit }'
}

# Container attributes, from the lab's NETLAB_SHARED_CONTAINERS.
declare -A MAC OFPORT LO HI NAME_OF_MAC
for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
    read -r name _ _ mac ofport range <<<"$entry"
    MAC[$name]=$mac
    OFPORT[$name]=$ofport
    LO[$name]=${range%-*}
    HI[$name]=${range#*-}
    NAME_OF_MAC[$mac]=$name
done

oneline() {      # oneline TEXT: TEXT's lines joined by spaces
    tr '\n' ' ' <<<"$1" | sed 's/ $//'
}

# tally TEXT: "NAME:COUNT ..." of TEXT's lines.
tally() {
    sort <<<"$1" | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1}'
}

in_range() {     # in_range CONTAINER PORT
    [ -n "$2" ] && [ "$2" -ge "${LO[$1]}" ] && [ "$2" -le "${HI[$1]}" ]
}

# conn_mac LIST PROTO LOCAL_PORT REMOTE_PORT KIND: the container MAC of the
# connection entry [PROTO, shared IP, LOCAL_PORT, client, REMOTE_PORT] of
# kind KIND (inbound/outbound) in conn-list output LIST.  For icmp,
# LOCAL_PORT is the echo id.
conn_mac() {
    awk -v proto="$2" -v lp="$3" -v rp="$4" -v kind="$5" -v ip="$ip" \
        -v cl="$client" '
        $1 == proto && proto == "icmp" && $2 == ip && $3 == "id" \
            && $4 == lp && $6 == cl && $7 == kind { print $10; exit }
        $1 == proto && proto != "icmp" && $2 == ip && $3 == lp \
            && $5 == cl && $6 == rp && $7 == kind { print $10; exit }' <<<"$1"
}

tmp=
echo "# OVS build: $OVS_BUILDDIR"
t_start=$(date +%s)
if netlab_up_shared; then
    pass "lab up (c1, c2, c3 share $ip, client behind a ${NETLAB_PATH_MTU}-byte link)"
else
    fail "lab up" "netlab_up_shared failed (see above)"
    finish
fi
tmp=$NETLAB_TMP
out=$tmp/results
mkdir -p "$out"

# --- 1. TCP: outbound connections from containers sharing the IP ---------
# Four connections from each of c1 and c2 to the same server port, all at
# once, each held open for a second before it sends its token: the server
# replies "client PEER_IP:PEER_PORT TOKEN".

pids=()
for c in c1 c2; do
    for i in 1 2 3 4; do
        netlab_tcp "$c" "$client" "$NETLAB_CLIENT_TCP_PORT" "$c-tcp-$i" 1 3 \
            >"$out/tcp-$c-$i" &
        pids+=($!)
    done
done
wait "${pids[@]}"
list=$(cm_conns)
for c in c1 c2; do
    bad=()
    for i in 1 2 3 4; do
        reply=$(cat "$out/tcp-$c-$i")
        if [[ $reply =~ ^client\ $ip:([0-9]+)\ $c-tcp-$i$ ]]; then
            port=${BASH_REMATCH[1]}
            if ! in_range "$c" "$port"; then
                bad+=("$c-tcp-$i: source port $port outside ${LO[$c]}-${HI[$c]}")
            fi
            mac=$(conn_mac "$list" tcp "$port" "$NETLAB_CLIENT_TCP_PORT" outbound)
            if [ "$mac" != "${MAC[$c]}" ]; then
                bad+=("$c-tcp-$i: conn-list entry for port $port: \"$mac\", expected outbound -> ${MAC[$c]}")
            fi
        else
            bad+=("$c-tcp-$i: reply \"$reply\"")
        fi
    done
    check "tcp: 4 concurrent connections from $c to $client:$NETLAB_CLIENT_TCP_PORT each get their own reply, outbound entries on ${MAC[$c]}" \
        ${#bad[@]} "${bad[@]}" "conn-list:" "$list"
done

oor_before=$(cm_counter out_of_range)
reply=$(netlab_tcp c1 "$client" "$NETLAB_CLIENT_TCP_PORT" c1-oor 0 1 \
        "sourceport=$((LO[c2] + 600))")
oor_after=$(cm_counter out_of_range)
[ -z "$reply" ] && [ "$oor_after" -gt "$oor_before" ]
st=$?
check "tcp: c1 from a source port in c2's range gets no connection (out_of_range $oor_before -> $oor_after)" \
    $st "reply: \"$reply\""

# A container may not send from a port mapped to other containers: map
# tcp/7000 to c1 for a moment, then c3 tries it as its source port.
netlab_appctl host1 container-map/add "$br" "$ip" tcp 7000 "${MAC[c1]}" \
    "${OFPORT[c1]}" >/dev/null
pt_before=$(cm_counter port_taken)
reply=$(netlab_tcp c3 "$client" "$NETLAB_CLIENT_TCP_PORT" c3-pt 0 1 \
        "sourceport=7000")
pt_after=$(cm_counter port_taken)
netlab_appctl host1 container-map/del "$br" "$ip" tcp 7000 >/dev/null
[ -z "$reply" ] && [ "$pt_after" -gt "$pt_before" ]
st=$?
check "tcp: c3 from source port 7000 (mapped to c1) gets no connection (port_taken $pt_before -> $pt_after)" \
    $st "reply: \"$reply\""

# c2 may not reuse the 5-tuple of c1's connection (its entry is still there,
# closing).
port=$(sed -n "s/^client $ip:\\([0-9]*\\) .*/\\1/p" "$out/tcp-c1-1")
col_before=$(cm_counter collision)
reply=$(netlab_tcp c2 "$client" "$NETLAB_CLIENT_TCP_PORT" c2-col 0 1 \
        "sourceport=${port:-0},reuseaddr")
col_after=$(cm_counter collision)
[ -n "$port" ] && [ -z "$reply" ] && [ "$col_after" -gt "$col_before" ]
st=$?
check "tcp: c2 reusing c1's connection [tcp $ip ${port:-?} $client $NETLAB_CLIENT_TCP_PORT] gets nowhere (collision $col_before -> $col_after)" \
    $st "reply: \"$reply\""

# --- 2. UDP: request/response ------------------------------------------------

pids=()
for c in c1 c2; do
    for i in 1 2 3 4; do
        netlab_udp "$c" "$client" "$NETLAB_CLIENT_UDP_PORT" "$c-udp-$i" 1 \
            >"$out/udp-$c-$i" &
        pids+=($!)
    done
done
wait "${pids[@]}"
list=$(cm_conns)
for c in c1 c2; do
    bad=()
    for i in 1 2 3 4; do
        reply=$(cat "$out/udp-$c-$i")
        if [[ $reply =~ ^client\ $ip:([0-9]+)\ $c-udp-$i$ ]]; then
            port=${BASH_REMATCH[1]}
            if ! in_range "$c" "$port"; then
                bad+=("$c-udp-$i: source port $port outside ${LO[$c]}-${HI[$c]}")
            fi
            mac=$(conn_mac "$list" udp "$port" "$NETLAB_CLIENT_UDP_PORT" outbound)
            if [ "$mac" != "${MAC[$c]}" ]; then
                bad+=("$c-udp-$i: conn-list entry for port $port: \"$mac\", expected outbound -> ${MAC[$c]}")
            fi
        else
            bad+=("$c-udp-$i: reply \"$reply\"")
        fi
    done
    check "udp: 4 concurrent requests from $c to $client:$NETLAB_CLIENT_UDP_PORT each get their own reply, outbound entries on ${MAC[$c]}" \
        ${#bad[@]} "${bad[@]}" "conn-list:" "$list"
done

# --- 3. ping from the containers ------------------------------------------

declare -A PING_ID=([c1]=$((LO[c1] + 101)) [c2]=$((LO[c2] + 101)))
pids=()
for c in c1 c2; do
    netlab_exec "$c" timeout 10 ping -n -c 3 -i 0.2 -W 2 -e "${PING_ID[$c]}" \
        "$client" >"$out/ping-$c" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
list=$(cm_conns)
for c in c1 c2; do
    mac=$(conn_mac "$list" icmp "${PING_ID[$c]}" 0 outbound)
    grep -q ' 3 received' "$out/ping-$c" && [ "$mac" = "${MAC[$c]}" ]
    st=$?
    check "ping: $c (id ${PING_ID[$c]}) gets all 3 replies, outbound entry on ${MAC[$c]}" \
        $st "$(cat "$out/ping-$c")" "conn-list entry: \"$mac\""
done

oor_before=$(cm_counter out_of_range)
res=$(netlab_exec c1 timeout 5 ping -n -c 1 -W 1 -e "$((LO[c2] + 500))" \
      "$client" 2>&1)
rc=$?
oor_after=$(cm_counter out_of_range)
[ $rc -ne 0 ] && [ "$oor_after" -gt "$oor_before" ]
st=$?
check "ping: c1 with id $((LO[c2] + 500)) (c2's range) gets no reply (out_of_range $oor_before -> $oor_after)" \
    $st "ping exit status $rc" "$res"

# --- 4. ping to the shared IP ---------------------------------------------

ping_shared() {     # prints ping's output, fails unless all 2 replies came
    netlab_exec client timeout 5 ping -n -c 2 -i 0.2 -W 1 "$ip" 2>&1
}

# per_container PROTO FIELD: "c1 c2 c3"'s values of an snmp counter.
per_container() {
    echo "$(snmp c1 "$1" "$2") $(snmp c2 "$1" "$2") $(snmp c3 "$1" "$2")"
}
echos() {           # echo requests each container's kernel received
    per_container Icmp InEchos
}

ev0=$(cm_counter echo_replies)
e0=$(echos)
res=$(ping_shared)
rc=$?
ev1=$(cm_counter echo_replies)
e1=$(echos)
[ $rc -eq 0 ] && [ "$ev1" -ge $((ev0 + 2)) ] && [ "$e1" = "$e0" ]
st=$?
check "ping $ip: answered by the switch (echo_replies $ev0 -> $ev1, containers untouched)" \
    $st "$res" "InEchos of c1 c2 c3: $e0 -> $e1"

netlab_appctl host1 container-map/echo "$br" "$ip" "${MAC[c2]}" >/dev/null
res=$(ping_shared)
rc=$?
ev2=$(cm_counter echo_replies)
e2=$(echos)
read -ra E1 <<<"$e1"
want="${E1[0]} $((E1[1] + 2)) ${E1[2]}"
[ $rc -eq 0 ] && [ "$ev2" = "$ev1" ] && [ "$e2" = "$want" ]
st=$?
check "ping $ip after 'echo $ip ${MAC[c2]}': answered by c2 only" \
    $st "$res" "echo_replies $ev1 -> $ev2" \
    "InEchos of c1 c2 c3: $e1 -> $e2 (expected $want)"

off0=$(cm_counter echo_off)
netlab_appctl host1 container-map/echo "$br" "$ip" off >/dev/null
res=$(ping_shared)
rc=$?
off1=$(cm_counter echo_off)
e3=$(echos)
[ $rc -ne 0 ] && [ "$off1" -ge $((off0 + 2)) ] && [ "$e3" = "$e2" ]
st=$?
check "ping $ip after 'echo $ip off': no reply (echo_off $off0 -> $off1)" \
    $st "ping exit status $rc" "$res" "InEchos of c1 c2 c3: $e2 -> $e3"
netlab_appctl host1 container-map/echo "$br" "$ip" switch >/dev/null

# --- 5. ARP -----------------------------------------------------------------

hostns=$(netlab_ns host1)
gw_mac=$(ip -n "$hostns" -br link show "$NETLAB_GW_PORT" | awk '{print $3}')

# neigh_check WHEN: the gateway host's neighbour entries for the shared IP:
# exactly one, on the gateway port, with the set-mac MAC.
neigh_check() {
    local n
    n=$(ip -n "$hostns" neigh show to "$ip")
    [ "$(grep -c . <<<"$n")" -eq 1 ] \
        && grep -q "^$ip dev $NETLAB_GW_PORT lladdr $NETLAB_SHARED_MAC " <<<"$n"
    st=$?
    check "arp: $1: gateway resolves $ip to $NETLAB_SHARED_MAC only" $st \
        "ip neigh show to $ip:" "${n:-(none)}"
}
neigh_check "after the traffic above"

# Start afresh: every neighbour cache flushed, then the gateway and the
# containers must resolve each other again (the containers' requests carry
# the shared IP as sender), and c1 announces the shared IP.
arp0=$(cm_counter arp_replies)
sup0=$(cm_counter arp_suppressed)
for node in host1 c1 c2 client; do
    ip -n "$(netlab_ns "$node")" neigh flush all
done
netlab_exec client timeout 5 ping -n -c 1 -W 1 "$ip" >/dev/null 2>&1
for c in c1 c2; do
    netlab_exec "$c" timeout 5 ping -n -c 1 -W 1 -e "$((PING_ID[$c] + 1))" \
        "$client" >"$out/arp-ping-$c" 2>&1
done
netlab_exec c1 timeout 5 arping -q -U -c 1 -I eth0 "$ip"
netlab_exec c1 timeout 5 arping -q -A -c 1 -I eth0 "$ip"
arp1=$(cm_counter arp_replies)
sup1=$(cm_counter arp_suppressed)
neigh_check "after cache flushes and a gratuitous ARP from c1"
[ "$arp1" -gt "$arp0" ]
st=$?
check "arp: the switch answered the gateway's request (arp_replies $arp0 -> $arp1)" $st
[ "$sup1" -ge $((sup0 + 2)) ]
st=$?
check "arp: c1's announcements of $ip dropped (arp_suppressed $sup0 -> $sup1)" $st
bad=()
for c in c1 c2; do
    n=$(ip -n "$(netlab_ns "$c")" neigh show to "$NETLAB_GW_IP")
    if ! grep -q "lladdr $gw_mac " <<<"$n" \
       || ! grep -q ' 1 received' "$out/arp-ping-$c"; then
        bad+=("$c: neighbour $NETLAB_GW_IP: ${n:-(none)}" "$(cat "$out/arp-ping-$c")")
    fi
done
check "arp: c1 and c2 resolve the gateway $NETLAB_GW_IP ($gw_mac) with their requests rewritten as probes" \
    ${#bad[@]} "${bad[@]}"

# --- 6. PMTU across the ${NETLAB_PATH_MTU}-byte link ----------------------

unreach() {         # ICMP destination unreachables each container received
    per_container Icmp InDestUnreachs
}
route_mtu() {       # the path MTU container $1 learned for the client
    netlab_exec "$1" ip route get "$client" \
        | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}

u0=$(unreach)
d0=$(cm_counter icmp_errors_delivered)
reply=$(head -c 200000 /dev/zero \
        | netlab_exec c1 timeout 12 socat -t 5 -T 8 - \
            "TCP:$client:$NETLAB_CLIENT_SINK_PORT,connect-timeout=3" 2>&1)
u1=$(unreach)
d1=$(cm_counter icmp_errors_delivered)
mtu1=$(route_mtu c1)
mtu2=$(route_mtu c2)
[ "$reply" = "received 200000 bytes" ] && [ "$mtu1" = "$NETLAB_PATH_MTU" ]
st=$?
check "pmtu: c1's 200000-byte TCP transfer gets through; c1 learned mtu $NETLAB_PATH_MTU" \
    $st "reply: \"$reply\"" "c1's route mtu: \"$mtu1\""
read -ra U0 <<<"$u0"
read -ra U1 <<<"$u1"
[ "$d1" -gt "$d0" ] && [ "${U1[0]}" -gt "${U0[0]}" ] \
    && [ "${U1[1]}" = "${U0[1]}" ] && [ "${U1[2]}" = "${U0[2]}" ] \
    && [ -z "$mtu2" ]
st=$?
check "pmtu: fragmentation-needed errors went to c1 only (icmp_errors_delivered $d0 -> $d1)" \
    $st "InDestUnreachs of c1 c2 c3: $u0 -> $u1" "c2's route mtu: \"$mtu2\""

res=$(netlab_exec c2 timeout 10 tracepath -n -m 5 "$client" 2>&1)
u2=$(unreach)
d2=$(cm_counter icmp_errors_delivered)
mtu2=$(route_mtu c2)
grep -q "Resume: pmtu $NETLAB_PATH_MTU " <<<"$res" \
    && [ "$mtu2" = "$NETLAB_PATH_MTU" ] && [ "$d2" -gt "$d1" ]
st=$?
check "pmtu: tracepath from c2 reports pmtu $NETLAB_PATH_MTU (icmp_errors_delivered $d1 -> $d2)" \
    $st "$res" "c2's route mtu: \"$mtu2\""
mtu3=$(route_mtu c3)
read -ra U2 <<<"$u2"
[ "${U2[0]}" = "${U1[0]}" ] && [ "${U2[1]}" -gt "${U1[1]}" ] \
    && [ "${U2[2]}" = "${U0[2]}" ] && [ -z "$mtu3" ]
st=$?
check "pmtu: tracepath's errors reached c2 only" \
    $st "InDestUnreachs of c1 c2 c3: $u1 -> $u2" "c3's route mtu: \"$mtu3\""

# --- 7. Load balancing: connections stay on their backend -----------------

lb=$NETLAB_LB_PORT
lbproto=$NETLAB_LB_PROTO

# lb_open TAG FIRST_SRCPORT N HOLD: N connections from the client to the
# shared IP's tcp/$lb from source ports FIRST.., sending "TAG-i" after HOLD
# seconds; replies in $out/TAG-i.  Sets lb_pids.
lb_open() {
    local tag=$1 first=$2 n=$3 hold=$4 i
    lb_pids=()
    for i in $(seq 1 "$n"); do
        netlab_tcp client "$ip" "$lb" "$tag-$i" "$hold" 3 \
            "sourceport=$((first + i - 1))" >"$out/$tag-$i" &
        lb_pids+=($!)
    done
}

# lb_backends TAG FIRST N: waits until conn-list has inbound entries for all
# N connections, and prints their backends' names, one per line (in order),
# "-" for a missing one.
lb_backends() {
    local tag=$1 first=$2 n=$3 list i mac deadline missing
    deadline=$(( $(date +%s) + 3 ))
    while :; do
        list=$(cm_conns)
        missing=0
        for i in $(seq 1 "$n"); do
            mac=$(conn_mac "$list" "$lbproto" "$lb" "$((first + i - 1))" inbound)
            [ -n "$mac" ] || missing=1
        done
        [ $missing -eq 0 ] || [ "$(date +%s)" -ge "$deadline" ] && break
        sleep 0.1
    done
    for i in $(seq 1 "$n"); do
        mac=$(conn_mac "$list" "$lbproto" "$lb" "$((first + i - 1))" inbound)
        printf '%s\n' "${NAME_OF_MAC[${mac:-none}]:--}"
    done
}

# lb_replied TAG N: the backend name in each reply "hello from NAME TAG-i",
# one per line, "-" for no (or a bad) reply.
lb_replied() {
    local tag=$1 n=$2 i reply
    for i in $(seq 1 "$n"); do
        reply=$(cat "$out/$tag-$i")
        if [[ $reply =~ ^hello\ from\ (c[0-9])\ $tag-$i$ ]]; then
            echo "${BASH_REMATCH[1]}"
        else
            echo "-"
        fi
    done
}

lbctl() {
    netlab_appctl host1 "container-map/$1" "$br" "$ip" "$lbproto" "$lb" \
        "${@:2}" >/dev/null
}

# Phase A: backends c1, c2.  Eight connections held open; meanwhile c3 is
# added and c2 drained.
lb_open held-a 41001 8 3
held_pids=("${lb_pids[@]}")
before=$(lb_backends held-a 41001 8)
lbctl add "${MAC[c3]}" "${OFPORT[c3]}"
lbctl drain "${MAC[c2]}"
lb_open new-a 42001 12 0
wait "${lb_pids[@]}"
new_a=$(lb_replied new-a 12)
wait "${held_pids[@]}"
after=$(lb_replied held-a 8)
sort -u <<<"$before" | grep -qvE '^(c1|c2)$'
bad_before=$?       # 0 if a connection was not on c1 or c2
[ "$before" = "$after" ] && [ $bad_before -ne 0 ]
st=$?
check "lb: 8 held connections (on $(tally "$before")) answered by their first backend after 'add c3' and 'drain c2'" \
    $st "backends (conn-list) before: $(oneline "$before")" \
       "replies from:                $(oneline "$after")"
! grep -qvE '^(c1|c3)$' <<<"$new_a" && grep -q c3 <<<"$new_a"
st=$?
check "lb: 12 new connections all answered, by c1 and c3 only ($(tally "$new_a"))" \
    $st "replies from: $(oneline "$new_a")"

# Phase B: backends c1, c3 (c2 drained).  Twelve connections held open;
# meanwhile c1 is removed and c2 undrained.  Connections on c3 stay there;
# those on c1 went with it (no other backend may answer them).
lb_open held-b 43001 12 3
held_pids=("${lb_pids[@]}")
before=$(lb_backends held-b 43001 12)
lbctl del "${MAC[c1]}"
lbctl undrain "${MAC[c2]}"
lb_open new-b 44001 12 0
wait "${lb_pids[@]}"
new_b=$(lb_replied new-b 12)
wait "${held_pids[@]}"
after=$(lb_replied held-b 12)
bad=()
mapfile -t b_arr <<<"$before"
mapfile -t a_arr <<<"$after"
for i in "${!b_arr[@]}"; do
    case ${b_arr[$i]} in
        c3) [ "${a_arr[$i]}" = c3 ] || bad+=("held-b-$((i + 1)): on c3, reply from ${a_arr[$i]}") ;;
        c1) [ "${a_arr[$i]}" = c1 ] || [ "${a_arr[$i]}" = - ] \
                || bad+=("held-b-$((i + 1)): on removed c1, reply from ${a_arr[$i]}") ;;
        *) bad+=("held-b-$((i + 1)): on ${b_arr[$i]} (drained c2 or none)") ;;
    esac
done
grep -q c3 <<<"$before" || bad+=("no held connection on c3")
echo "# held connections: backends $(oneline "$before"); replies from $(oneline "$after")"
check "lb: held connections (on $(tally "$before")) on c3 stay on c3 after 'del c1' and 'undrain c2'" \
    ${#bad[@]} "${bad[@]}" "backends (conn-list) before: $(oneline "$before")" \
       "replies from:                $(oneline "$after")"
! grep -qvE '^(c2|c3)$' <<<"$new_b" && grep -q c2 <<<"$new_b"
st=$?
check "lb: 12 new connections all answered, by c2 and c3 only ($(tally "$new_b"))" \
    $st "replies from: $(oneline "$new_b")"

# Phase C: backends c2, c3, twelve connections held open.  c3's container
# goes away (its eth0 down, so its port on br-int loses carrier): the switch
# takes c3 out of new-connection selection by itself, and answers the next
# segment of each of c3's connections with a RST; back up, c3 gets new
# connections again.
lb_open held-c 47001 12 3
held_pids=("${lb_pids[@]}")
before=$(lb_backends held-c 47001 12)
resets0=$(cm_counter dead_resets)
netlab_exec c3 ip link set eth0 down
t0=$(date +%s%N)
down=
for _ in $(seq 50); do
    down=$(cm_show | grep -F -- "-> ${MAC[c3]}" | grep -o 'down (.*)')
    [ -n "$down" ] && break
    sleep 0.1
done
t_down=$(( ($(date +%s%N) - t0) / 1000000 ))
lb_open new-c 45001 12 0
wait "${lb_pids[@]}"
new_c=$(lb_replied new-c 12)
echo "# c3 shown down after ${t_down} ms"
[ "$down" = "down (no carrier)" ] && ! grep -qvE '^c2$' <<<"$new_c"
st=$?
check "lb: c3's veth down: show says \"${down:-up}\"; 12 new connections all answered by c2 ($(tally "$new_c"))" \
    $st "replies from: $(oneline "$new_c")" "$(cm_show | grep -F -- '->')"
t1=$(date +%s%N)
wait "${held_pids[@]}"
t_held=$(( ($(date +%s%N) - t1) / 1000000 ))
after=$(lb_replied held-c 12)
resets1=$(cm_counter dead_resets)
n_c3=$(grep -c '^c3$' <<<"$before")
bad=()
mapfile -t b_arr <<<"$before"
mapfile -t a_arr <<<"$after"
for i in "${!b_arr[@]}"; do
    case ${b_arr[$i]} in
        c2) [ "${a_arr[$i]}" = c2 ] || bad+=("held-c-$((i + 1)): on c2, reply from ${a_arr[$i]}") ;;
        c3) [ "${a_arr[$i]}" = - ] || bad+=("held-c-$((i + 1)): on c3 (down), reply from ${a_arr[$i]}") ;;
        *) bad+=("held-c-$((i + 1)): on ${b_arr[$i]}") ;;
    esac
done
[ "$n_c3" -ge 1 ] || bad+=("no held connection on c3")
[ "$((resets1 - resets0))" -ge "$n_c3" ] || bad+=("dead_resets $resets0 -> $resets1")
echo "# held connections on c3 reset, all held clients done ${t_held} ms after c3 was down"
check "lb: c3's $n_c3 held connections are reset by the switch at their next segment (dead_resets $resets0 -> $resets1); c2's are answered" \
    ${#bad[@]} "${bad[@]}" "backends before: $(oneline "$before")" \
    "replies from:    $(oneline "$after")"
netlab_exec c3 ip link set eth0 up
# (Down, eth0 lost its routes.)
netlab_exec c3 ip route replace "$NETLAB_GW_IP" dev eth0
netlab_exec c3 ip route replace default via "$NETLAB_GW_IP"
for _ in $(seq 50); do
    cm_show | grep -F -- "-> ${MAC[c3]}" | grep -q 'down' || break
    sleep 0.1
done
lb_open new-d 46001 12 0
wait "${lb_pids[@]}"
new_d=$(lb_replied new-d 12)
! grep -qvE '^(c2|c3)$' <<<"$new_d" && grep -q c3 <<<"$new_d"
st=$?
check "lb: c3's veth up again: 12 new connections all answered, by c2 and c3 ($(tally "$new_d"))" \
    $st "replies from: $(oneline "$new_d")" "$(cm_show | grep -F -- '->')"

# --- 8. Megaflows ---------------------------------------------------------
# A batch of each kind of traffic, then a batch four times as big: the
# second must need no more megaflows than the first (their matches do not
# involve connections), and no megaflow may match on a port.

traffic() {     # traffic TAG N: N of each kind, concurrently
    local tag=$1 n=$2 i pids=()
    for i in $(seq 1 "$n"); do
        netlab_tcp c1 "$client" "$NETLAB_CLIENT_TCP_PORT" "$tag-$i" 0 2 \
            >/dev/null &
        pids+=($!)
        netlab_udp c2 "$client" "$NETLAB_CLIENT_UDP_PORT" "$tag-$i" 1 \
            >/dev/null &
        pids+=($!)
        netlab_tcp client "$ip" "$lb" "$tag-$i" 0 2 >/dev/null &
        pids+=($!)
    done
    wait "${pids[@]}"
}

# New connection entries, from the coverage counter (entries of earlier
# checks expire meanwhile, so the table's size says less).
conn_new() {
    netlab_appctl host1 coverage/read-counter container_map_conn_new
}
n_conn0=$(conn_new)
traffic mf1 3
mf1=$(netlab_megaflows host1)
traffic mf2 12
mf2=$(netlab_megaflows host1)
for _ in $(seq 1 20); do     # Coverage counters reach the total in ~1 s.
    n_conn2=$(conn_new)
    [ "$((n_conn2 - n_conn0))" -ge 40 ] && break
    sleep 0.25
done
# shellcheck disable=SC2001
sed 's/^/# megaflow: /' <<<"$mf2"
n1=$(grep -c . <<<"$mf1")
n2=$(grep -c . <<<"$mf2")
# shellcheck disable=SC2001
matches=$(sed 's/, packets:.*//' <<<"$mf1
$mf2")
l4=$(grep -E '(tcp|udp|sctp)\([^)]*(src|dst)=' <<<"$matches")
shared=$(grep -F "dst=$ip," <<<"$mf2")
[ -z "$l4" ] && grep -q 'actions:container_map(' <<<"$shared"
st=$?
check "megaflows: none matches on a TCP/UDP/SCTP port; traffic to $ip goes through container_map" \
    $st "$l4" "all megaflows:" "$mf1" "$mf2"
[ "$n2" -le $((n1 + 2)) ] && [ "$n2" -le 30 ] \
    && [ "$((n_conn2 - n_conn0))" -ge 40 ]
st=$?
check "megaflows: $n1 after 9 connections, $n2 after 36 more ($((n_conn2 - n_conn0)) new connection entries)" \
    $st "after the first batch:" "$mf1" "after the second:" "$mf2"

# --- 9. Teardown ------------------------------------------------------------

check_teardown

echo "# $(( $(date +%s) - t_start )) s"
finish
