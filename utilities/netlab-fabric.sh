# netlab-fabric.sh -- the "fabric" lab of netlab.sh.           -*- sh -*-
# shellcheck shell=bash
#
# Sourced by utilities/netlab.sh (source that one, not this file), whose
# settings and building blocks the lab is made of: hosts joined by VXLAN,
# built by netlab_up_fabric (described above that function), and the matrix
# of the seeds' experiments, NETLAB_FABRIC_MATRIX, that
# netlab_fabric_matrix runs (the demo and tests/system/test-fabric.sh).

# ---------------------------------------------------------------------------
# Topology: names and addresses.  Documentation ranges only.

# The "fabric" lab (netlab_up_fabric): several hosts joined by VXLAN, the
# gateway host facing the client; described above netlab_up_fabric.
#
# Hosts: "NAME UNDERLAY_IP GW_TUNNEL".  UNDERLAY_IP (/NETLAB_UNDERLAY_PLEN)
# is on the host's br-phy; GW_TUNNEL is the gateway host's VXLAN port behind
# which the host's containers are ("-" for the gateway host itself).
NETLAB_FABRIC_HOSTS=(
    "host1 192.0.2.1 -"
    "host2 192.0.2.2 vx-host2"
    "host3 192.0.2.3 vx-flow"
)
NETLAB_UNDERLAY_PLEN=24
NETLAB_UNDERLAY_MTU=1550                # VXLAN adds 50 bytes; containers
                                        # and the gateway keep 1500
# The gateway host's VXLAN ports on br-int: "PORT OFPORT REMOTE_IP"; "flow"
# is options:remote_ip=flow (its mappings say remote=HOST_UNDERLAY_IP).
NETLAB_FABRIC_GW_TUNNELS=(
    "vx-host2 10 192.0.2.2"
    "vx-flow 11 flow"
)
# Every other host's VXLAN port to the gateway host.
NETLAB_FABRIC_TUNNEL=vx-gw
NETLAB_FABRIC_TUNNEL_OFPORT=10
# Containers: "NAME HOST IP MAC OFPORT PORT SINK_PORT PORT_LO-PORT_HI".
# Each serves tcp and udp PORT ("hello from NAME REQUEST") and tcp
# SINK_PORT ("received N bytes"), all mapped on the gateway host, and opens
# connections from its reserved source port range (its
# ip_local_port_range).  OFPORT is on its own host's br-int.
NETLAB_FABRIC_CONTAINERS=(
    "c1 host1 203.0.113.10 02:00:00:00:01:01 1 80   10080 33000-33999"
    "c2 host1 203.0.113.10 02:00:00:00:01:02 2 8080 18080 34000-34999"
    "c3 host1 203.0.113.11 02:00:00:00:01:03 3 80   10080 35000-35999"
    "c4 host2 203.0.113.10 02:00:00:00:02:04 4 8081 18081 36000-36999"
    "c5 host2 203.0.113.20 02:00:00:00:02:05 5 80   10080 37000-37999"
    "c6 host3 203.0.113.10 02:00:00:00:03:06 6 8082 18082 38000-38999"
)
# OpenFlow flows, from these templates: @GW@ the gateway port's ofport,
# @PORT@ a container's or tunnel port's ofport, @MAC@ a container's MAC,
# @OUT@ the actions that reach it from the gateway host, @TUN@ the host's
# tunnel port to the gateway host.
NETLAB_FABRIC_GW_FLOWS=(                # gateway host, once
    "table=0,priority=100,in_port=@GW@,ip,actions=container_map"
    "table=0,priority=100,in_port=@GW@,arp,actions=container_map(miss=continue),resubmit(,1)"
)
NETLAB_FABRIC_GW_PORT_FLOWS=(           # gateway host: each local
                                        # container's port and tunnel port
    "table=0,priority=50,in_port=@PORT@,actions=container_map(egress),output:@GW@"
)
NETLAB_FABRIC_GW_MAC_FLOWS=(            # gateway host: each container (the
                                        # gateway's ARP replies to it)
    "table=1,priority=50,dl_dst=@MAC@,actions=@OUT@"
)
NETLAB_FABRIC_HOST_FLOWS=(              # other hosts: each container
    "priority=50,in_port=@TUN@,dl_dst=@MAC@,actions=output:@PORT@"
    "priority=50,in_port=@PORT@,actions=output:@TUN@"
)
# Containers that share an IP with another container reach each other
# through the gateway too, by policy routing: locally generated packets to
# the shared IP for another container's ports (and this container's replies
# from its own ports) use routing table NETLAB_FABRIC_PEER_TABLE (default
# route via the gateway) instead of being delivered locally.
NETLAB_FABRIC_PEER_TABLE=100
# The matrix of the seeds' experiments: "CASE|FROM|TO...|N".  Each line is
# run over tcp and over udp: FROM (a container or "client") sends N (default
# 1) requests to each TO (a container: its IP and service PORT; "client":
# the client's peer server), all at once, each held open for a second when
# there is more than one.
NETLAB_FABRIC_MATRIX=(
    "outside -> container|client|c1"
    "outside -> container|client|c3"
    "outside -> container|client|c4"
    "outside -> container|client|c5"
    "outside -> container|client|c6"
    "outside -> same IP, concurrent|client|c1 c2 c4 c6|2"
    "same host, different IPs|c1|c3"
    "same host, different IPs|c3|c2"
    "same host, different IPs|c5|c4"
    "same host, same IP, diff. port|c3|c1 c2"
    "same host, same IP, diff. port|c1|c2"
    "different hosts, different IPs|c3|c5"
    "different hosts, different IPs|c5|c3"
    "different hosts, different IPs|c5|c6"
    "different hosts, different IPs|c6|c5"
    "different hosts, same IP|c3|c4 c6"
    "different hosts, same IP|c1|c4 c6"
    "different hosts, same IP|c4|c6"
    "different hosts, same IP|c6|c2"
    "container -> outside|c1|client"
    "container -> outside|c2|client"
    "container -> outside|c4|client"
    "container -> outside|c5|client"
    "container -> outside|c6|client"
)

# ---------------------------------------------------------------------------
# The fabric lab: hosts joined by VXLAN.

# netlab_fabric_host NAME: prints NAME's NETLAB_FABRIC_HOSTS entry
# ("NAME UNDERLAY_IP GW_TUNNEL").
netlab_fabric_host() {
    local entry
    for entry in "${NETLAB_FABRIC_HOSTS[@]}"; do
        if [ "${entry%% *}" = "$1" ]; then
            printf '%s\n' "$entry"
            return 0
        fi
    done
    netlab__err "no fabric host $1"
    return 1
}

# netlab_fabric_container NAME: prints NAME's NETLAB_FABRIC_CONTAINERS entry
# ("NAME HOST IP MAC OFPORT PORT SINK_PORT LO-HI").
netlab_fabric_container() {
    local entry
    for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
        if [ "${entry%% *}" = "$1" ]; then
            printf '%s\n' "$entry"
            return 0
        fi
    done
    netlab__err "no fabric container $1"
    return 1
}

# The gateway host: the first of NETLAB_FABRIC_HOSTS.
netlab_fabric_gw_host() {
    printf '%s\n' "${NETLAB_FABRIC_HOSTS[0]%% *}"
}

# netlab_fabric_gw_tunnel PORT: prints "OFPORT REMOTE_IP" of the gateway
# host's tunnel port PORT.
netlab_fabric_gw_tunnel() {
    local entry name ofport remote
    for entry in "${NETLAB_FABRIC_GW_TUNNELS[@]}"; do
        read -r name ofport remote <<<"$entry"
        if [ "$name" = "$1" ]; then
            printf '%s %s\n' "$ofport" "$remote"
            return 0
        fi
    done
    netlab__err "no gateway tunnel port $1"
    return 1
}

# netlab_fabric_backend NAME: how the gateway host reaches container NAME,
# "OFPORT PORT_ARG [remote=IP]": its br-int port number, the port as
# container-map commands name it (number or tunnel port name), and for a
# flow-based tunnel port the container's host.
netlab_fabric_backend() {
    local c host ofport hentry tun tofport tremote hip
    c=$(netlab_fabric_container "$1") || return 1
    read -r _ host _ _ ofport _ _ _ <<<"$c"
    hentry=$(netlab_fabric_host "$host") || return 1
    read -r _ hip tun <<<"$hentry"
    if [ "$tun" = - ]; then
        printf '%s %s\n' "$ofport" "$ofport"
        return 0
    fi
    read -r tofport tremote <<<"$(netlab_fabric_gw_tunnel "$tun")" || return 1
    if [ "$tremote" = flow ]; then
        printf '%s %s remote=%s\n' "$tofport" "$tun" "$hip"
    else
        printf '%s %s\n' "$tofport" "$tun"
    fi
}

# netlab_fabric_out NAME: the OpenFlow actions that send a packet from the
# gateway host's br-int to container NAME (output, or tunnel destination
# and output).
netlab_fabric_out() {
    local ofport parg remote
    read -r ofport parg remote <<<"$(netlab_fabric_backend "$1")" || return 1
    if [ -n "$remote" ]; then
        printf 'set_field:%s->tun_dst,output:%s\n' "${remote#remote=}" "$ofport"
    else
        printf 'output:%s\n' "$ofport"
    fi
}

# netlab__subst TEMPLATE KEY=VALUE...: TEMPLATE with each @KEY@ replaced.
netlab__subst() {
    local t=$1 kv
    shift
    for kv in "$@"; do
        t=${t//@${kv%%=*}@/${kv#*=}}
    done
    printf '%s\n' "$t"
}

# netlab_fabric_flows HOST: the OpenFlow flows of HOST's br-int, one per
# line, from the NETLAB_FABRIC_*_FLOWS templates.
netlab_fabric_flows() {
    local host=$1 gwhost entry name chost ip mac ofport t tun tofport
    gwhost=$(netlab_fabric_gw_host)
    if [ "$host" = "$gwhost" ]; then
        for t in "${NETLAB_FABRIC_GW_FLOWS[@]}"; do
            netlab__subst "$t" "GW=$NETLAB_GW_OFPORT"
        done
        for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
            read -r name chost ip mac ofport _ <<<"$entry"
            [ "$chost" = "$host" ] || continue
            for t in "${NETLAB_FABRIC_GW_PORT_FLOWS[@]}"; do
                netlab__subst "$t" "GW=$NETLAB_GW_OFPORT" "PORT=$ofport"
            done
        done
        for entry in "${NETLAB_FABRIC_GW_TUNNELS[@]}"; do
            read -r tun tofport _ <<<"$entry"
            for t in "${NETLAB_FABRIC_GW_PORT_FLOWS[@]}"; do
                netlab__subst "$t" "GW=$NETLAB_GW_OFPORT" "PORT=$tofport"
            done
        done
        for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
            read -r name chost ip mac ofport _ <<<"$entry"
            for t in "${NETLAB_FABRIC_GW_MAC_FLOWS[@]}"; do
                netlab__subst "$t" "MAC=$mac" "OUT=$(netlab_fabric_out "$name")"
            done
        done
    else
        for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
            read -r name chost ip mac ofport _ <<<"$entry"
            [ "$chost" = "$host" ] || continue
            for t in "${NETLAB_FABRIC_HOST_FLOWS[@]}"; do
                netlab__subst "$t" "TUN=$NETLAB_FABRIC_TUNNEL_OFPORT" \
                    "MAC=$mac" "PORT=$ofport"
            done
        done
    fi
}

# netlab_fabric_mappings: the gateway host's mappings, in the format of
# container-map/load ("IP PROTO PORT MAC OFPORT [remote=IP]"): each
# container's tcp and udp PORT and tcp SINK_PORT.
netlab_fabric_mappings() {
    local entry name ip mac port sink ofport parg remote
    for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
        read -r name _ ip mac _ port sink _ <<<"$entry"
        read -r ofport parg remote <<<"$(netlab_fabric_backend "$name")"
        printf '%s tcp %s %s %s%s\n' "$ip" "$port" "$mac" "$parg" "${remote:+ $remote}"
        printf '%s udp %s %s %s%s\n' "$ip" "$port" "$mac" "$parg" "${remote:+ $remote}"
        printf '%s tcp %s %s %s%s\n' "$ip" "$sink" "$mac" "$parg" "${remote:+ $remote}"
    done
}

# netlab_fabric_reservations: the gateway host's container-map/reserve
# arguments after the bridge, one container per line ("IP MAC PORT
# [remote=IP] ports=LO-HI").
netlab_fabric_reservations() {
    local entry name ip mac range ofport parg remote
    for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
        read -r name _ ip mac _ _ _ range <<<"$entry"
        read -r ofport parg remote <<<"$(netlab_fabric_backend "$name")"
        printf '%s %s %s%s ports=%s\n' "$ip" "$mac" "$parg" \
            "${remote:+ $remote}" "$range"
    done
}

# netlab__fabric_neigh HOST IP: HOST's OVS knows IP's MAC (tunnel neighbour).
netlab__fabric_neigh() {
    netlab_appctl "$1" tnl/neigh/show | grep -q "^$2 "
}

# netlab__fabric_learn HOST IP: makes HOST's OVS learn the underlay
# neighbour IP (tnl/neigh/show): HOST's kernel asks for IP's MAC (ping),
# the ARP reply is snooped on br-phy.  At most 10 tries.
netlab__fabric_learn() {
    local host=$1 ip=$2 ns i
    ns=$(netlab_ns "$host")
    for i in $(seq 1 10); do
        if netlab__fabric_neigh "$host" "$ip"; then
            return 0
        fi
        ip -n "$ns" neigh flush to "$ip" >/dev/null 2>&1
        netlab__log "+ $host: ping $ip (try $i)"
        ip netns exec "$ns" ping -n -q -c 1 -W 1 "$ip" >/dev/null 2>&1
        netlab__fabric_neigh "$host" "$ip" && return 0
        sleep 0.1
    done
    netlab__err "$host's OVS does not know the underlay neighbour $ip" \
        "(ovs-appctl tnl/neigh/show)"
    return 1
}

# netlab__fabric_wait_reachable SECONDS: waits until no backend of the
# gateway host's br-int is unreachable (container-map/show).
netlab__fabric_wait_reachable() {
    local deadline show
    deadline=$(( $(date +%s) + $1 ))
    while :; do
        show=$(netlab_appctl "$(netlab_fabric_gw_host)" container-map/show \
               "$NETLAB_BRIDGE")
        if [ -n "$show" ] && ! grep -q "^    -> .* unreachable$" <<<"$show"; then
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            netlab__err "backends still unreachable after ${1}s:"
            printf '%s\n' "$show" >&2
            return 1
        fi
        sleep 0.1
    done
}

# netlab_fabric_peer_routing NAME: if container NAME shares its IP with
# other containers, policy routing that sends its packets for their ports,
# and its replies from its own ports, to the gateway rather than to itself
# (its kernel owns the IP).  Needs accept_local: packets from the peers
# arrive with NAME's own IP as their source.
netlab_fabric_peer_routing() {
    local name=$1 ns entry ip port sink oname oip oport osink peers=()
    local t=$NETLAB_FABRIC_PEER_TABLE proto
    read -r _ _ ip _ _ port sink _ <<<"$(netlab_fabric_container "$name")"
    for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
        read -r oname _ oip _ _ oport osink _ <<<"$entry"
        if [ "$oname" != "$name" ] && [ "$oip" = "$ip" ]; then
            peers+=("$oport $osink")
        fi
    done
    [ ${#peers[@]} -gt 0 ] || return 0
    ns=$(netlab_ns "$name")
    {
        echo "route add $NETLAB_GW_IP dev eth0 table $t"
        echo "route add default via $NETLAB_GW_IP dev eth0 table $t"
        # The local table after these rules (it is rule 0 by default).
        echo "rule add pref 100 table local"
        echo "rule del pref 0"
        for entry in "${peers[@]}"; do
            read -r oport osink <<<"$entry"
            for proto in tcp udp; do
                echo "rule add pref 10 iif lo to $ip ipproto $proto dport $oport table $t"
            done
            echo "rule add pref 10 iif lo to $ip ipproto tcp dport $osink table $t"
        done
        for proto in tcp udp; do
            echo "rule add pref 10 iif lo to $ip ipproto $proto sport $port table $t"
        done
        echo "rule add pref 10 iif lo to $ip ipproto tcp sport $sink table $t"
    } >"$NETLAB_TMP/peer-routing-$name"
    netlab__log "$(cat "$NETLAB_TMP/peer-routing-$name")"
    netlab__run ip -n "$ns" -batch "$NETLAB_TMP/peer-routing-$name" || return 1
    netlab__run ip netns exec "$ns" sysctl -qw \
        net.ipv4.conf.all.accept_local=1 net.ipv4.conf.eth0.accept_local=1
}

# netlab_up_fabric: the "fabric" lab, several hosts joined by VXLAN
# (values from NETLAB_FABRIC_* at the top):
#
#   cm-client 198.51.100.2 --veth-- cm-host1 (gateway host, ip_forward=1)
#     "gw" 203.0.113.1/24 (br-int port 100)
#     br-int: c1 (port 1), c2 (2), c3 (3);
#             vx-host2 (10, VXLAN remote_ip=192.0.2.2),
#             vx-flow (11, VXLAN remote_ip=flow)
#     br-phy 192.0.2.1/24: u-host2 --veth, MTU 1550-- cm-host2 br-phy
#                          u-host3 --veth, MTU 1550-- cm-host3 br-phy
#   cm-host2 br-phy 192.0.2.2/24; br-int: vx-gw (10, VXLAN to 192.0.2.1),
#            c4 (4), c5 (5)
#   cm-host3 br-phy 192.0.2.3/24; br-int: vx-gw (10, VXLAN to 192.0.2.1),
#            c6 (6)
#
#   c1, c2 (host1), c4 (host2) and c6 (host3) share 203.0.113.10; c3 holds
#   203.0.113.11, c5 203.0.113.20.  Each container: IP/32, default route via
#   203.0.113.1 (the gateway host, for every destination, other containers
#   included; containers sharing an IP also by policy routing, see
#   netlab_fabric_peer_routing), MTU 1500, its own ip_local_port_range,
#   reserved on the gateway host; serves tcp+udp PORT and tcp SINK_PORT,
#   mapped on the
#   gateway host: locally, through vx-host2, or through vx-flow with
#   remote=192.0.2.3.  The switch answers ARP for mapped IPs with
#   $NETLAB_SHARED_MAC; the gateway's ARP replies to containers (to their
#   probes) go out by their MAC (table 1).  host2 and host3 deliver what
#   comes from the tunnel by destination MAC and send everything their
#   containers send to the gateway host.  The client serves tcp/5000 and
#   udp/6000 ("client PEER_IP:PEER_PORT REQUEST") and tcp/5001 (sink).
netlab_up_fabric() {
    local rc entry name host ip mac ofport port sink range hip tun remote
    local gwhost gwip gwns parg rest file
    netlab_init
    rc=$?
    [ $rc -eq 0 ] || return $rc

    gwhost=$(netlab_fabric_gw_host)
    read -r _ gwip _ <<<"${NETLAB_FABRIC_HOSTS[0]}"
    gwns=$(netlab_ns "$gwhost")
    for entry in "${NETLAB_FABRIC_HOSTS[@]}"; do
        netlab_host_up "${entry%% *}" || return 1
    done
    netlab_add_gateway "$gwhost" "$NETLAB_GW_PORT" \
        "$NETLAB_GW_IP/$NETLAB_GW_PLEN" "$NETLAB_GW_OFPORT" || return 1
    # Container-to-container traffic leaves the gateway by the port it came
    # in: no ICMP redirects for it.
    netlab__run ip netns exec "$gwns" sysctl -qw \
        net.ipv4.conf.all.send_redirects=0 \
        "net.ipv4.conf.$NETLAB_GW_PORT.send_redirects=0" || return 1
    netlab_add_client client "$gwhost" "$NETLAB_CLIENT_IP" \
        "$NETLAB_CLIENT_GW" "$NETLAB_CLIENT_PLEN" \
        "$NETLAB_GW_NET" || return 1

    # Underlay and tunnels.
    for entry in "${NETLAB_FABRIC_HOSTS[@]:1}"; do
        read -r host hip _ <<<"$entry"
        netlab_underlay_link "$gwhost" "$gwip/$NETLAB_UNDERLAY_PLEN" \
            "$host" "$hip/$NETLAB_UNDERLAY_PLEN" "$NETLAB_UNDERLAY_MTU" \
            || return 1
        netlab_add_vxlan "$host" "$NETLAB_FABRIC_TUNNEL" "$gwip" \
            "$NETLAB_FABRIC_TUNNEL_OFPORT" || return 1
    done
    for entry in "${NETLAB_FABRIC_GW_TUNNELS[@]}"; do
        read -r tun ofport remote <<<"$entry"
        netlab_add_vxlan "$gwhost" "$tun" "$remote" "$ofport" || return 1
    done

    # Containers.
    for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
        read -r name host ip mac ofport port sink range <<<"$entry"
        netlab_add_container "$name" "$host" "$ip" "$mac" "$ofport" \
            "$NETLAB_GW_IP" || return 1
        netlab__run ip netns exec "$(netlab_ns "$name")" sysctl -qw \
            "net.ipv4.ip_local_port_range=${range%-*} ${range#*-}" || return 1
        netlab_fabric_peer_routing "$name" || return 1
    done

    # Flows, mappings, reservations.
    for entry in "${NETLAB_FABRIC_HOSTS[@]}"; do
        host=${entry%% *}
        mapfile -t rest < <(netlab_fabric_flows "$host")
        netlab_add_flows "$host" "${rest[@]}" || return 1
    done
    netlab__run netlab_appctl "$gwhost" container-map/set-mac \
        "$NETLAB_BRIDGE" "$NETLAB_SHARED_MAC" || return 1
    file=$NETLAB_TMP/fabric-mappings
    netlab_fabric_mappings >"$file"
    netlab__log "$(cat "$file")"
    netlab__run netlab_appctl "$gwhost" container-map/load "$NETLAB_BRIDGE" \
        "$file" || return 1
    while read -r ip mac parg rest; do
        # shellcheck disable=SC2086
        netlab__run netlab_appctl "$gwhost" container-map/reserve \
            "$NETLAB_BRIDGE" "$ip" "$mac" "$parg" $rest || return 1
    done < <(netlab_fabric_reservations)

    # Servers.
    for entry in "${NETLAB_FABRIC_CONTAINERS[@]}"; do
        read -r name host ip mac ofport port sink range <<<"$entry"
        netlab_serve_kind "$name" tcp "$port" hello || return 1
        netlab_serve_kind "$name" udp "$port" hello || return 1
        netlab_serve_kind "$name" tcp "$sink" sink || return 1
    done
    netlab_serve_kind client tcp "$NETLAB_CLIENT_TCP_PORT" peer || return 1
    netlab_serve_kind client udp "$NETLAB_CLIENT_UDP_PORT" peer || return 1
    netlab_serve_kind client tcp "$NETLAB_CLIENT_SINK_PORT" sink || return 1

    # Underlay neighbours: each host's OVS learns the other end's MAC from
    # an ARP reply to its own kernel (snooped on br-phy).  Without this, the
    # first tunnelled packet each way would be dropped while OVS asks.
    for entry in "${NETLAB_FABRIC_HOSTS[@]:1}"; do
        read -r host hip _ <<<"$entry"
        netlab__fabric_learn "$gwhost" "$hip" || return 1
        netlab__fabric_learn "$host" "$gwip" || return 1
    done
    # The gateway host compiled the remote backends when they were added,
    # perhaps before it knew the neighbours: wait for them to be refreshed.
    netlab__fabric_wait_reachable 10 || return 1
    return 0
}

# netlab_fabric_path FROM TO: the way a request takes, e.g. "host2:c5 ->
# vxlan -> host1 -> vxlan(flow) -> host3:c6" (FROM and TO: containers or
# "client"; host1, the gateway host, routes every request).
netlab_fabric_path() {
    local from=$1 to=$2 gwhost path host tun remote
    gwhost=$(netlab_fabric_gw_host)
    if [ "$from" = client ]; then
        path="client -> $gwhost"
    else
        read -r _ host _ <<<"$(netlab_fabric_container "$from")"
        if [ "$host" = "$gwhost" ]; then
            path="$host:$from -> $gwhost"
        else
            path="$host:$from -> vxlan -> $gwhost"
        fi
    fi
    if [ "$to" = client ]; then
        path="$path -> client"
    else
        read -r _ host _ <<<"$(netlab_fabric_container "$to")"
        read -r _ _ tun <<<"$(netlab_fabric_host "$host")"
        if [ "$tun" = - ]; then
            path="$path -> $host:$to"
        else
            read -r _ remote <<<"$(netlab_fabric_gw_tunnel "$tun")"
            if [ "$remote" = flow ]; then
                path="$path -> vxlan(flow) -> $host:$to"
            else
                path="$path -> vxlan -> $host:$to"
            fi
        fi
    fi
    printf '%s\n' "$path"
}

# netlab_fabric_session PROTO FROM TO TAG [HOLD]: one request TAG over PROTO
# (tcp or udp) from FROM (a container or "client") to TO (a container: its
# IP and service port; "client": the client's peer server), sent after HOLD
# seconds, and checks the reply: from TO ("hello from TO TAG"), or, from
# the client, naming FROM's IP and a source port in FROM's range.  Prints
# "RESULT|WHO|MS|DETAIL": RESULT ok or FAIL, WHO the container that
# answered (or "client"; "-" for none), MS the milliseconds to the reply
# (without HOLD), DETAIL what was wrong.  Returns 0 if ok.
netlab_fabric_session() {
    local proto=$1 from=$2 to=$3 tag=$4 hold=${5:-0}
    local ip port t0 ms reply who=- detail="" fip range sip sport
    if [ "$to" = client ]; then
        ip=$NETLAB_CLIENT_IP
        if [ "$proto" = tcp ]; then
            port=$NETLAB_CLIENT_TCP_PORT
        else
            port=$NETLAB_CLIENT_UDP_PORT
        fi
    else
        read -r _ _ ip _ _ port _ <<<"$(netlab_fabric_container "$to")"
    fi
    t0=$(date +%s%N)
    case $proto in
        tcp) reply=$(netlab_tcp "$from" "$ip" "$port" "$tag" "$hold" 3) ;;
        udp) reply=$(netlab_udp1 "$from" "$ip" "$port" "$tag" "$hold" 3) ;;
        *) netlab__err "netlab_fabric_session: unknown protocol $proto"; return 1 ;;
    esac
    ms=$(( ($(date +%s%N) - t0) / 1000000 - hold * 1000 ))
    [ "$ms" -ge 0 ] || ms=0
    if [ -z "$reply" ]; then
        detail="no reply"
    elif [ "$to" != client ]; then
        if [[ $reply =~ ^hello\ from\ ([^ ]+)\ (.*)$ ]]; then
            who=${BASH_REMATCH[1]}
            if [ "$who" != "$to" ]; then
                detail="answered by $who, not $to"
            elif [ "${BASH_REMATCH[2]}" != "$tag" ]; then
                detail="reply to another request: \"$reply\""
            fi
        else
            detail="bad reply: \"$reply\""
        fi
    elif [[ $reply =~ ^client\ ([0-9.]+):([0-9]+)\ (.*)$ ]]; then
        who=client
        sip=${BASH_REMATCH[1]}
        sport=${BASH_REMATCH[2]}
        if [ "$from" = client ]; then
            detail="client to client?"
        else
            read -r _ _ fip _ _ _ _ range <<<"$(netlab_fabric_container "$from")"
            if [ "$sip" != "$fip" ]; then
                detail="client saw source $sip, not $fip"
            elif [ "$sport" -lt "${range%-*}" ] || [ "$sport" -gt "${range#*-}" ]; then
                detail="source port $sport outside $from's range $range"
            elif [ "${BASH_REMATCH[3]}" != "$tag" ]; then
                detail="reply to another request: \"$reply\""
            fi
        fi
    else
        detail="bad reply: \"$reply\""
    fi
    if [ -z "$detail" ]; then
        printf 'ok|%s|%s|\n' "$who" "$ms"
        return 0
    fi
    printf 'FAIL|%s|%s|%s\n' "$who" "$ms" "$detail"
    return 1
}

# netlab_fabric_matrix DIR: runs NETLAB_FABRIC_MATRIX, one line after the
# other (each line's sessions, tcp and udp, all at once), and writes each
# session's outcome to DIR/NNN-PROTO-K (in matrix order):
# "CASE|PROTO|FROM|TO|PATH|RESULT|WHO|MS|DETAIL".  Returns 0 if every
# session was ok.
netlab_fabric_matrix() {
    local dir=$1 row=0 line case from tos n to i hold proto k pids f
    mkdir -p "$dir" || return 1
    for line in "${NETLAB_FABRIC_MATRIX[@]}"; do
        row=$((row + 1))
        IFS='|' read -r case from tos n <<<"$line"
        n=${n:-1}
        # shellcheck disable=SC2086
        set -- $tos
        hold=0
        [ $(( $# * n )) -gt 1 ] && hold=1
        pids=()
        for proto in tcp udp; do
            k=0
            for to in "$@"; do
                for i in $(seq 1 "$n"); do
                    k=$((k + 1))
                    f=$(printf '%s/%03d-%s-%02d' "$dir" "$row" "$proto" "$k")
                    {
                        printf '%s|%s|%s|%s|%s|' "$case" "$proto" "$from" \
                            "$to" "$(netlab_fabric_path "$from" "$to")"
                        netlab_fabric_session "$proto" "$from" "$to" \
                            "m$row-$proto-$k" "$hold"
                    } >"$f" &
                    pids+=($!)
                done
            done
        done
        wait "${pids[@]}"
    done
    if cut -d'|' -f6 "$dir"/* | grep -qvx ok; then
        return 1
    fi
    return 0
}
