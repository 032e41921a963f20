# netlab-shared.sh -- the one-host labs of netlab.sh.          -*- sh -*-
# shellcheck shell=bash
#
# Sourced by utilities/netlab.sh (source that one, not this file), whose
# settings and building blocks these labs are made of.  Both have one host
# whose containers share 203.0.113.10: netlab_up builds the first lab, with
# mappings only (drawn below); netlab_up_shared the "shared" lab, where the
# containers also open their own connections (described above that
# function).
#
# Topology (stage 1, one host):
#
#   cm-client 198.51.100.2/24 --veth-- cm-host1 198.51.100.1/24 (ip_forward=1)
#                                        |  "gw" 203.0.113.1/24 (internal port)
#                                        |  br-int (netdev, fail-mode=secure)
#                                        +-- port 1: v-c1 --veth-- cm-c1 eth0
#                                        +-- port 2: v-c2 --veth-- cm-c2 eth0
#   cm-c1 and cm-c2 both hold 203.0.113.10/32; c1 serves tcp/80, c2 tcp/8080.
#   br-int: gw -> "ip,nw_dst=203.0.113.10,actions=container_map" and the
#   mappings  203.0.113.10 tcp 80 -> c1,  203.0.113.10 tcp 8080 -> c2.

# Checked alone, shellcheck takes the settings of netlab.sh (NETLAB_GW_PORT,
# ...) for misspellings of this file's.
# shellcheck disable=SC2153

# ---------------------------------------------------------------------------
# Topology: names and addresses.  Documentation ranges only.

# Containers: "NAME HOST IP MAC OFPORT PROTO PORT" (PROTO PORT: its service,
# mapped on the shared IP).
NETLAB_CONTAINERS=(
    "c1 host1 $NETLAB_SHARED_IP 02:00:00:00:00:01 1 tcp 80"
    "c2 host1 $NETLAB_SHARED_IP 02:00:00:00:00:02 2 tcp 8080"
)
NETLAB_HOSTS=(host1)
NETLAB_GW_HOST=host1
# shellcheck disable=SC2034 # netlab_nodes (netlab.sh) reads it
NETLAB_CLIENTS=(client)

# The "shared" lab (netlab_up_shared): containers that share
# $NETLAB_SHARED_IP open their own connections to the outside, each from its
# own reserved source port range (also its ICMP echo identifiers).
# "NAME HOST IP MAC OFPORT PORT_LO-PORT_HI".
NETLAB_SHARED_CONTAINERS=(
    "c1 host1 $NETLAB_SHARED_IP 02:00:00:00:00:01 1 33000-33999"
    "c2 host1 $NETLAB_SHARED_IP 02:00:00:00:00:02 2 34000-34999"
    "c3 host1 $NETLAB_SHARED_IP 02:00:00:00:00:03 3 35000-35999"
)
NETLAB_SHARED_FLOWS=()                  # br-int's flows (netlab_up_shared)
NETLAB_LB_PROTO=tcp                     # load-balanced service on the shared
NETLAB_LB_PORT=9000                     # IP; every container serves it
NETLAB_LB_BACKENDS=(c1 c2)              # its backends at the start
NETLAB_PATH_MTU=1280                    # MTU of host1's veth to the client
                                        # (lower than the containers' 1500)

# ---------------------------------------------------------------------------
# The lab.

# netlab_up: builds the topology described at the top of this file.  On
# failure it prints what failed and returns nonzero; the caller's trap runs
# netlab_down.
netlab_up() {
    local rc entry name host ip mac ofport proto port flows=()
    local gwns
    netlab_init
    rc=$?
    [ $rc -eq 0 ] || return $rc

    for host in "${NETLAB_HOSTS[@]}"; do
        netlab_host_up "$host" || return 1
    done
    netlab_add_gateway "$NETLAB_GW_HOST" "$NETLAB_GW_PORT" \
        "$NETLAB_GW_IP/$NETLAB_GW_PLEN" "$NETLAB_GW_OFPORT" || return 1
    gwns=$(netlab_ns "$NETLAB_GW_HOST")
    # One stable MAC for the shared IP in the gateway host's kernel; the
    # container_map action rewrites it to the chosen container's MAC.
    netlab__run ip -n "$gwns" neigh replace "$NETLAB_SHARED_IP" \
        lladdr "$NETLAB_GW_NEIGH_MAC" dev "$NETLAB_GW_PORT" nud permanent \
        || return 1
    netlab_add_client client "$NETLAB_GW_HOST" "$NETLAB_CLIENT_IP" \
        "$NETLAB_CLIENT_GW" "$NETLAB_CLIENT_PLEN" \
        "$NETLAB_GW_NET" || return 1

    # Traffic for the shared IP from the gateway: the container_map action.
    flows+=("priority=100,in_port=$NETLAB_GW_OFPORT,ip,nw_dst=$NETLAB_SHARED_IP,actions=container_map")
    for entry in "${NETLAB_CONTAINERS[@]}"; do
        read -r name host ip mac ofport proto port <<<"$entry"
        netlab_add_container "$name" "$host" "$ip" "$mac" "$ofport" \
            "$NETLAB_GW_IP" || return 1
        # Everything a container sends goes to the gateway (its only
        # neighbour, see its routes): ARP requests for the gateway and
        # replies to the client.
        flows+=("priority=50,in_port=$ofport,actions=output:$NETLAB_GW_OFPORT")
        # The gateway's ARP replies to the container (by its MAC).
        flows+=("priority=50,in_port=$NETLAB_GW_OFPORT,arp,dl_dst=$mac,actions=output:$ofport")
    done
    netlab_add_flows "$NETLAB_GW_HOST" "${flows[@]}" || return 1

    for entry in "${NETLAB_CONTAINERS[@]}"; do
        read -r name host ip mac ofport proto port <<<"$entry"
        netlab__run netlab_appctl "$host" container-map/add "$NETLAB_BRIDGE" \
            "$ip" "$proto" "$port" "$mac" "$ofport" || return 1
        netlab_serve "$name" "$port" || return 1
    done
    return 0
}

# netlab_shared_container NAME: prints the NETLAB_SHARED_CONTAINERS entry of
# NAME ("NAME HOST IP MAC OFPORT LO-HI").
netlab_shared_container() {
    local entry
    for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
        if [ "${entry%% *}" = "$1" ]; then
            printf '%s\n' "$entry"
            return 0
        fi
    done
    netlab__err "no shared container $1"
    return 1
}

# netlab_up_shared: the "shared" lab, for connections that containers
# sharing one IP open themselves.  Same host, gateway and client as
# netlab_up, but (values from NETLAB_SHARED_CONTAINERS and the NETLAB_LB_*
# and NETLAB_PATH_MTU settings at the top, NETLAB_CLIENT_*_PORT and
# NETLAB_SHARED_MAC of netlab.sh):
#
#   cm-client 198.51.100.2 --veth, MTU 1280 on host1's end (v-client)--
#     cm-host1 --"gw" 203.0.113.1-- br-int --+-- port 1: cm-c1  33000-33999
#                                             +-- port 2: cm-c2  34000-34999
#                                             +-- port 3: cm-c3  35000-35999
#   - c1, c2 and c3 hold 203.0.113.10 (MTU 1500), each reserved on br-int
#     (container-map/reserve) for the source ports and ICMP echo ids of its
#     range, which is also its kernel's ip_local_port_range;
#   - no static neighbour on the gateway: the switch answers ARP for
#     203.0.113.10 with 02:00:00:00:00:fe (container-map/set-mac);
#   - mapping 203.0.113.10 tcp/9000 -> c1, c2; every container serves
#     tcp/9000 ("hello from NAME REQUEST"), so a test can add c3 as well;
#   - the client serves tcp/5000 and udp/6000 ("client PEER_IP:PEER_PORT
#     REQUEST") and tcp/5001 ("received N bytes" after end of input).
#
# br-int flows (gw = ofport 100):
#   table 0  in_port=gw,ip,nw_dst=203.0.113.10  container_map
#            in_port=gw,arp                      container_map(miss=continue),
#                                                resubmit(,1)
#            in_port=C (each container)          container_map(egress),
#                                                output:gw
#   table 1  dl_dst=C's MAC                      output:C  (the gateway's ARP
#                                                replies to the containers)
netlab_up_shared() {
    local rc entry name host ip mac ofport range ns backend flows=()
    local hostns
    netlab_init
    rc=$?
    [ $rc -eq 0 ] || return $rc

    for host in "${NETLAB_HOSTS[@]}"; do
        netlab_host_up "$host" || return 1
    done
    netlab_add_gateway "$NETLAB_GW_HOST" "$NETLAB_GW_PORT" \
        "$NETLAB_GW_IP/$NETLAB_GW_PLEN" "$NETLAB_GW_OFPORT" || return 1
    netlab_add_client client "$NETLAB_GW_HOST" "$NETLAB_CLIENT_IP" \
        "$NETLAB_CLIENT_GW" "$NETLAB_CLIENT_PLEN" \
        "$NETLAB_GW_NET" || return 1
    hostns=$(netlab_ns "$NETLAB_GW_HOST")
    # The lower-MTU link: host1 forwards at most $NETLAB_PATH_MTU bytes to
    # the client and tells senders so (ICMP fragmentation needed).
    netlab__run ip -n "$hostns" link set "v-client" mtu "$NETLAB_PATH_MTU" \
        || return 1

    flows+=("table=0,priority=100,in_port=$NETLAB_GW_OFPORT,ip,nw_dst=$NETLAB_SHARED_IP,actions=container_map")
    flows+=("table=0,priority=100,in_port=$NETLAB_GW_OFPORT,arp,actions=container_map(miss=continue),resubmit(,1)")
    for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
        read -r name host ip mac ofport range <<<"$entry"
        netlab_add_container "$name" "$host" "$ip" "$mac" "$ofport" \
            "$NETLAB_GW_IP" || return 1
        ns=$(netlab_ns "$name")
        # The kernel picks source ports (and ping ids, with ping -e) from
        # the container's reserved range.
        netlab__run ip netns exec "$ns" sysctl -qw \
            "net.ipv4.ip_local_port_range=${range%-*} ${range#*-}" || return 1
        flows+=("table=0,priority=50,in_port=$ofport,actions=container_map(egress),output:$NETLAB_GW_OFPORT")
        flows+=("table=1,priority=50,dl_dst=$mac,actions=output:$ofport")
    done
    netlab_add_flows "$NETLAB_GW_HOST" "${flows[@]}" || return 1
    NETLAB_SHARED_FLOWS=("${flows[@]}")

    netlab__run netlab_appctl "$NETLAB_GW_HOST" container-map/set-mac \
        "$NETLAB_BRIDGE" "$NETLAB_SHARED_MAC" || return 1
    for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
        read -r name host ip mac ofport range <<<"$entry"
        netlab__run netlab_appctl "$host" container-map/reserve \
            "$NETLAB_BRIDGE" "$ip" "$mac" "$ofport" "ports=$range" || return 1
        netlab_serve "$name" "$NETLAB_LB_PORT" || return 1
    done
    for backend in "${NETLAB_LB_BACKENDS[@]}"; do
        entry=$(netlab_shared_container "$backend") || return 1
        read -r name host ip mac ofport range <<<"$entry"
        netlab__run netlab_appctl "$host" container-map/add "$NETLAB_BRIDGE" \
            "$ip" "$NETLAB_LB_PROTO" "$NETLAB_LB_PORT" "$mac" "$ofport" \
            || return 1
    done

    netlab_serve_kind client tcp "$NETLAB_CLIENT_TCP_PORT" peer || return 1
    netlab_serve_kind client udp "$NETLAB_CLIENT_UDP_PORT" peer || return 1
    netlab_serve_kind client tcp "$NETLAB_CLIENT_SINK_PORT" sink || return 1
    return 0
}

# netlab_shared_ipv6: adds IPv6 to the running "shared" lab, in the same
# roles as IPv4 (and addresses of netlab.sh, NETLAB_*6):
#   - cm-client 2001:db8:2::2/64 routes 2001:db8:10::/64 via host1
#     (2001:db8:2::1, forwarding), whose "gw" port has 2001:db8:10::1/64;
#   - c1, c2 and c3 also hold 2001:db8:10::10/128, reserved for the same
#     ranges, with 2001:db8:10::1 as their default gateway; the mapping
#     2001:db8:10::10 tcp/9000 -> c1, c2 (each container serves tcp6/9000);
#   - no static neighbour: the switch answers neighbour solicitations for
#     the shared IP with $NETLAB_SHARED_MAC, and the gateway's answers to
#     the containers' own solicitations come back to their MACs;
#   - the client serves tcp6/udp6 on the ports of IPv4 (peer, sink).
# Only the interfaces of the lab get IPv6; addresses skip duplicate
# address detection, and nothing sends router advertisements.
#
# br-int flows added to netlab_up_shared's (gw = ofport 100):
#   table 0  in_port=gw,icmp6,icmp_type=135|136  container_map(miss=continue),
#                                                resubmit(,1)
#            in_port=gw,ipv6,ipv6_dst=2001:db8:10::10  container_map
netlab_shared_ipv6() {
    local entry name host ip mac ofport range ns hostns backend flows
    hostns=$(netlab_ns "$NETLAB_GW_HOST")
    # Link-local addresses valid at once: the first solicitations go out
    # without waiting for detection.
    netlab__run ip netns exec "$hostns" sysctl -qw \
        "net.ipv6.conf.$NETLAB_GW_PORT.accept_dad=0" \
        "net.ipv6.conf.$NETLAB_GW_PORT.disable_ipv6=0" \
        net.ipv6.conf.v-client.accept_dad=0 \
        net.ipv6.conf.v-client.disable_ipv6=0 \
        net.ipv6.conf.all.forwarding=1 || return 1
    netlab__run ip -n "$hostns" addr add "$NETLAB_GW_IP6/64" \
        dev "$NETLAB_GW_PORT" nodad || return 1
    netlab__run ip -n "$hostns" addr add "$NETLAB_CLIENT_GW6/64" \
        dev v-client nodad || return 1
    ns=$(netlab_ns client)
    netlab__run ip netns exec "$ns" sysctl -qw \
        net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.disable_ipv6=0 \
        net.ipv6.conf.lo.disable_ipv6=0 || return 1
    netlab__run ip -n "$ns" addr add "$NETLAB_CLIENT_IP6/64" dev eth0 nodad \
        || return 1
    netlab__run ip -n "$ns" route add "$NETLAB_GW_NET6" \
        via "$NETLAB_CLIENT_GW6" || return 1

    # The flows of netlab_up_shared, and these.
    flows=("${NETLAB_SHARED_FLOWS[@]}")
    flows+=("table=0,priority=110,in_port=$NETLAB_GW_OFPORT,icmp6,icmp_type=135,actions=container_map(miss=continue),resubmit(,1)")
    flows+=("table=0,priority=110,in_port=$NETLAB_GW_OFPORT,icmp6,icmp_type=136,actions=container_map(miss=continue),resubmit(,1)")
    flows+=("table=0,priority=100,in_port=$NETLAB_GW_OFPORT,ipv6,ipv6_dst=$NETLAB_SHARED_IP6,actions=container_map")
    netlab_add_flows "$NETLAB_GW_HOST" "${flows[@]}" || return 1

    for entry in "${NETLAB_SHARED_CONTAINERS[@]}"; do
        read -r name host ip mac ofport range <<<"$entry"
        ns=$(netlab_ns "$name")
        # No link-local address (nothing to detect or solicit), no router
        # solicitations.
        netlab__run ip netns exec "$ns" sysctl -qw \
            net.ipv6.conf.eth0.accept_dad=0 \
            net.ipv6.conf.eth0.addr_gen_mode=1 \
            net.ipv6.conf.eth0.router_solicitations=0 \
            net.ipv6.conf.eth0.disable_ipv6=0 \
            net.ipv6.conf.lo.disable_ipv6=0 || return 1
        netlab__run ip -n "$ns" addr add "$NETLAB_SHARED_IP6/128" dev eth0 \
            nodad || return 1
        netlab__run ip -n "$ns" -6 route add "$NETLAB_GW_IP6" dev eth0 \
            || return 1
        netlab__run ip -n "$ns" -6 route add default via "$NETLAB_GW_IP6" \
            dev eth0 || return 1
        netlab__run netlab_appctl "$host" container-map/reserve \
            "$NETLAB_BRIDGE" "$NETLAB_SHARED_IP6" "$mac" "$ofport" \
            "ports=$range" || return 1
        netlab_serve_kind "$name" tcp6 "$NETLAB_LB_PORT" hello || return 1
    done
    for backend in "${NETLAB_LB_BACKENDS[@]}"; do
        entry=$(netlab_shared_container "$backend") || return 1
        read -r name host ip mac ofport range <<<"$entry"
        netlab__run netlab_appctl "$host" container-map/add "$NETLAB_BRIDGE" \
            "$NETLAB_SHARED_IP6" "$NETLAB_LB_PROTO" "$NETLAB_LB_PORT" "$mac" \
            "$ofport" || return 1
    done

    netlab_serve_kind client tcp6 "$NETLAB_CLIENT_TCP_PORT" peer || return 1
    netlab_serve_kind client udp6 "$NETLAB_CLIENT_UDP_PORT" peer || return 1
    netlab_serve_kind client tcp6 "$NETLAB_CLIENT_SINK_PORT" sink
}
