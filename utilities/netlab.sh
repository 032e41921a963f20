# netlab.sh -- network-namespace lab for ovs-container-map.     -*- sh -*-
# shellcheck shell=bash
#
# Source this file from bash; it defines functions and variables only.  It is
# the ONE place where the lab topology is defined:
#   - tests/system/test-shared-ip.sh builds its lab with netlab_up (one
#     host, below);
#   - tests/system/test-shared-ip-conn.sh builds the "shared" lab with
#     netlab_up_shared (containers' own connections, ping, ARP, PMTU, load
#     balancing; described above that function);
#   - the demo (utilities/container-map-demo.sh, "make demo") and
#     tests/system/test-fabric.sh build the "fabric" lab with
#     netlab_up_fabric (three hosts joined by VXLAN; described above that
#     function, its settings NETLAB_FABRIC_* are below) and run the same
#     matrix of sessions, NETLAB_FABRIC_MATRIX, with netlab_fabric_matrix.
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
#
# Usage:
#   . utilities/netlab.sh
#   trap netlab_down EXIT INT TERM     # always; netlab_down is idempotent
#   netlab_up || exit 1
#   netlab_tcp client 203.0.113.10 80 hello      # -> "hello from c1 hello"
#   netlab_appctl host1 container-map/show br-int
#
# or, for the "shared" lab:
#   netlab_up_shared || exit 1
#   netlab_tcp c1 198.51.100.2 5000 hi   # -> "client 203.0.113.10:33xxx hi"
#
# or, for the "fabric" lab:
#   netlab_up_fabric || exit 1
#   netlab_fabric_session udp c5 c6 hi   # -> "ok|c6|25|" (c6 answered)
#   netlab_fabric_matrix DIR             # every case, results in DIR
#
# Call netlab_up and netlab_down in the current shell (not in "$(...)"):
# the lab's state lives in shell variables and in $NETLAB_TMP.
#
# Building blocks (for more hosts, e.g. two hosts joined by VXLAN):
#   netlab_host_up HOST                  netns + ovsdb-server + ovs-vswitchd +
#                                        br-int (datapath_type=netdev, secure)
#   netlab_add_gateway HOST PORT IP/PLEN OFPORT
#   netlab_add_client NAME HOST IP HOST_IP PLEN ROUTED_NET
#   netlab_add_container NAME HOST IP MAC OFPORT GW_IP [MTU]
#   netlab_serve NAME PORT               reply "hello from NAME ..." on PORT
#   netlab_serve_kind NAME PROTO PORT KIND
#                                        other servers (tcp/udp; hello, peer,
#                                        sink), see netlab__serve_script
#   netlab_tcp NODE IP PORT [REQ [HOLD [TMO [SOCAT_OPTS]]]]
#   netlab_udp NODE IP PORT REQ [TMO]    one request, prints the reply
#   netlab_udp1 NODE IP PORT REQ [HOLD [TMO]]
#                                        the same, returns on the first reply
#   netlab_underlay_link HOSTA IPA/PLEN HOSTB IPB/PLEN [MTU]
#                                        veth between two hosts' br-phy bridges
#   netlab_add_vxlan HOST PORT REMOTE_IP|flow OFPORT
#   netlab_exec NODE CMD...   netlab_vsctl / netlab_ofctl / netlab_appctl HOST
#
# Environment:
#   OVS_BUILDDIR   OVS build tree (default: ../_build/openvswitch relative to
#                  this file's directory's parent, i.e. <project>/_build/...)
#   NETLAB_PREFIX  namespace name prefix (default "cm-")
#   NETLAB_KEEP    if set to 1, netlab_down leaves the lab running (debug)
#
# Requires root, iproute2, ethtool, socat (tests of the shared lab also use
# iputils-ping, iputils-tracepath, iputils-arping; the fabric lab uses ping).

# ---------------------------------------------------------------------------
# Topology: names and addresses.  Documentation ranges only.

NETLAB_PREFIX=${NETLAB_PREFIX:-cm-}

NETLAB_BRIDGE=br-int
NETLAB_SHARED_IP=203.0.113.10           # held by every container
NETLAB_GW_IP=203.0.113.1                # containers' gateway ("gw" port)
NETLAB_GW_PLEN=24
NETLAB_GW_NET=203.0.113.0/24            # routed to the gateway host
NETLAB_GW_PORT=gw
NETLAB_GW_OFPORT=100
NETLAB_GW_NEIGH_MAC=02:00:00:00:00:ff   # gw's static neighbour for the
                                        # shared IP; the switch rewrites it
NETLAB_CLIENT_IP=198.51.100.2           # outside client
NETLAB_CLIENT_GW=198.51.100.1           # host1's side of the client veth
NETLAB_CLIENT_PLEN=24

# Containers: "NAME HOST IP MAC OFPORT PROTO PORT" (PROTO PORT: its service,
# mapped on the shared IP).
NETLAB_CONTAINERS=(
    "c1 host1 $NETLAB_SHARED_IP 02:00:00:00:00:01 1 tcp 80"
    "c2 host1 $NETLAB_SHARED_IP 02:00:00:00:00:02 2 tcp 8080"
)
NETLAB_HOSTS=(host1)
NETLAB_GW_HOST=host1
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
NETLAB_SHARED_MAC=02:00:00:00:00:fe     # container-map/set-mac: the one MAC
                                        # ARP gives for mapped IPs
NETLAB_LB_PROTO=tcp                     # load-balanced service on the shared
NETLAB_LB_PORT=9000                     # IP; every container serves it
NETLAB_LB_BACKENDS=(c1 c2)              # its backends at the start
NETLAB_CLIENT_TCP_PORT=5000             # client: "client PEER:PORT REQUEST"
NETLAB_CLIENT_UDP_PORT=6000             # client: the same over UDP
NETLAB_CLIENT_SINK_PORT=5001            # client: "received N bytes"
NETLAB_PATH_MTU=1280                    # MTU of host1's veth to the client
                                        # (lower than the containers' 1500)

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

# All node names netlab_up may create (netlab_down removes all of them).
netlab_nodes() {
    local c
    {
        printf '%s\n' "${NETLAB_HOSTS[@]}" "${NETLAB_CLIENTS[@]}"
        for c in "${NETLAB_FABRIC_HOSTS[@]}" "${NETLAB_CONTAINERS[@]}" \
                 "${NETLAB_SHARED_CONTAINERS[@]}" \
                 "${NETLAB_FABRIC_CONTAINERS[@]}"; do
            printf '%s\n' "${c%% *}"
        done
    } | awk '!seen[$0]++'
}

# All host names (hosts run OVS daemons).
netlab_all_hosts() {
    local h
    {
        printf '%s\n' "${NETLAB_HOSTS[@]}"
        for h in "${NETLAB_FABRIC_HOSTS[@]}"; do
            printf '%s\n' "${h%% *}"
        done
    } | awk '!seen[$0]++'
}

# ---------------------------------------------------------------------------
# Internals.

# Lab state of this shell (never inherited: a lab belongs to the shell that
# built it).
NETLAB_TMP=
NETLAB_LOCK_FD=
NETLAB_LOCK_FILE=
NETLAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

netlab__err() {
    printf 'netlab: %s\n' "$*" >&2
}

netlab__log() {
    if [ -n "$NETLAB_TMP" ] && [ -d "$NETLAB_TMP" ]; then
        printf '%s\n' "$*" >>"$NETLAB_TMP/netlab.log"
    fi
}

# netlab__run CMD...: runs CMD (bounded by a timeout), logs its output, and
# on failure prints the command and its output to stderr.
netlab__run() {
    local out rc
    netlab__log "+ $*"
    if [ "$(type -t "$1")" = function ]; then
        out=$("$@" 2>&1 </dev/null)     # bounded inside (netlab_vsctl, ...)
    else
        out=$(timeout 20 "$@" 2>&1 </dev/null)
    fi
    rc=$?
    [ -n "$out" ] && netlab__log "$out"
    if [ $rc -ne 0 ]; then
        netlab__err "command failed (exit $rc): $*"
        [ -n "$out" ] && printf '%s\n' "$out" >&2
        return $rc
    fi
    return 0
}

# netlab__wait SECONDS DESCRIPTION CMD...: retries CMD until it succeeds, for
# at most SECONDS.
netlab__wait() {
    local secs=$1 desc=$2 deadline
    shift 2
    deadline=$(( $(date +%s%N) + secs * 1000000000 ))
    until timeout 5 "$@" >/dev/null 2>&1 </dev/null; do
        if [ "$(date +%s%N)" -ge "$deadline" ]; then
            netlab__err "timed out after ${secs}s waiting for $desc"
            return 1
        fi
        sleep 0.05
    done
}

netlab_ns() {
    printf '%s%s' "$NETLAB_PREFIX" "$1"
}

netlab__ns_exists() {
    ip netns list 2>/dev/null | grep -qE "^$1( |\$)"
}

# Directory of host HOST's OVS daemons (rundir, dbdir, logdir, ...).
netlab_hostdir() {
    printf '%s/%s' "$NETLAB_TMP" "$1"
}

netlab__is_host() {
    [ -n "$NETLAB_TMP" ] && [ -d "$NETLAB_TMP/$1" ] && [ -f "$NETLAB_TMP/$1/conf.db" ]
}

# netlab_exec NODE CMD...: runs CMD in NODE's namespace; on a host, with that
# host's OVS environment.  The lab lock's descriptor is not passed on.
netlab_exec() {
    local node=$1 ns d
    shift
    ns=$(netlab_ns "$node")
    if netlab__is_host "$node"; then
        d=$(netlab_hostdir "$node")
        if [ -n "$NETLAB_LOCK_FD" ]; then
            ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_DBDIR="$d" \
                OVS_LOGDIR="$d" OVS_SYSCONFDIR="$d" OVS_PKGDATADIR="$d" \
                "$@" {NETLAB_LOCK_FD}>&-
        else
            ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_DBDIR="$d" \
                OVS_LOGDIR="$d" OVS_SYSCONFDIR="$d" OVS_PKGDATADIR="$d" "$@"
        fi
    elif [ -n "$NETLAB_LOCK_FD" ]; then
        ip netns exec "$ns" "$@" {NETLAB_LOCK_FD}>&-
    else
        ip netns exec "$ns" "$@"
    fi
}

netlab_vsctl() {
    local host=$1
    shift
    netlab_exec "$host" timeout 15 "$OVS_BUILDDIR/utilities/ovs-vsctl" \
        --timeout=10 "$@"
}

netlab_ofctl() {
    local host=$1
    shift
    netlab_exec "$host" timeout 15 "$OVS_BUILDDIR/utilities/ovs-ofctl" \
        --timeout=10 "$@"
}

netlab_appctl() {
    local host=$1
    shift
    netlab_exec "$host" timeout 15 "$OVS_BUILDDIR/utilities/ovs-appctl" \
        --timeout=10 "$@"
}

# netlab_check_env: root, tools and OVS binaries.  Prints why not and
# returns 1 (77 if not root, so that callers can skip).
netlab_check_env() {
    local prog tool
    if [ "$(id -u)" -ne 0 ]; then
        netlab__err "needs root (network namespaces, veth, /dev/net/tun)"
        return 77
    fi
    if [ -z "${OVS_BUILDDIR:-}" ]; then
        OVS_BUILDDIR=$NETLAB_LIB_DIR/../_build/openvswitch
    fi
    if [ ! -d "$OVS_BUILDDIR" ]; then
        netlab__err "OVS build directory $OVS_BUILDDIR not found (set OVS_BUILDDIR)"
        return 1
    fi
    OVS_BUILDDIR=$(cd "$OVS_BUILDDIR" && pwd)
    export OVS_BUILDDIR
    for prog in ovsdb/ovsdb-server ovsdb/ovsdb-tool vswitchd/ovs-vswitchd \
                utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl; do
        if [ ! -x "$OVS_BUILDDIR/$prog" ]; then
            netlab__err "$OVS_BUILDDIR/$prog missing (build OVS first)"
            return 1
        fi
    done
    if [ ! -f "$OVS_BUILDDIR/vswitchd/vswitch.ovsschema" ]; then
        netlab__err "$OVS_BUILDDIR/vswitchd/vswitch.ovsschema missing"
        return 1
    fi
    for tool in ip ethtool socat timeout flock ss; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            netlab__err "$tool not found (apt-get install -y iproute2 ethtool socat coreutils util-linux)"
            return 1
        fi
    done
    if [ ! -c /dev/net/tun ]; then
        netlab__err "/dev/net/tun missing (internal ports of the userspace datapath need it)"
        return 1
    fi
    return 0
}

# netlab_init: checks the environment, takes the lab lock (one lab per
# NETLAB_PREFIX at a time), removes a stale lab of an earlier killed run and
# creates $NETLAB_TMP.
netlab_init() {
    local rc lock prev
    if [ -n "$NETLAB_TMP" ] && [ -d "$NETLAB_TMP" ]; then
        return 0
    fi
    netlab_check_env
    rc=$?
    [ $rc -eq 0 ] || return $rc

    lock=/run/lock/netlab-${NETLAB_PREFIX%-}.lock
    mkdir -p /run/lock
    exec {NETLAB_LOCK_FD}>>"$lock"
    if ! flock -w 120 "$NETLAB_LOCK_FD"; then
        netlab__err "another lab with prefix \"$NETLAB_PREFIX\" is running (lock $lock)"
        exec {NETLAB_LOCK_FD}>&-
        NETLAB_LOCK_FD=
        return 1
    fi

    # We hold the lock, so namespaces with our names, and the temp directory
    # named in the lock file, are left over from a run that was killed
    # before it could clean up.
    netlab__remove_nodes
    prev=$(head -n 1 "$lock" 2>/dev/null)
    case $prev in
        /tmp/netlab.??????)
            if [ -d "$prev" ]; then
                netlab__err "removing the stale lab directory $prev"
                rm -rf "$prev"
            fi
            ;;
    esac

    NETLAB_TMP=$(mktemp -d /tmp/netlab.XXXXXX) || return 1
    NETLAB_LOCK_FILE=$lock
    printf '%s\n' "$NETLAB_TMP" >"$lock"
    netlab__log "netlab: OVS_BUILDDIR=$OVS_BUILDDIR"
}

# Kills every process in namespace NS (they are ours: daemons, servers).
netlab__kill_ns_pids() {
    local ns=$1 pids _
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    for _ in $(seq 1 40); do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] || return 0
        sleep 0.05
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    sleep 0.1
}

# netlab__stop_hosts HOST...: stops the HOSTs' OVS daemons, politely first,
# all at once, and waits until they are gone (reaped, not zombies: tests
# check with kill -0).
netlab__stop_hosts() {
    local host d pidfile pid pids=() i
    for host in "$@"; do
        d=$(netlab_hostdir "$host")
        netlab__is_host "$host" || continue
        netlab__ns_exists "$(netlab_ns "$host")" || continue
        for pidfile in "$d/ovs-vswitchd.pid" "$d/ovsdb-server.pid"; do
            pid=$(cat "$pidfile" 2>/dev/null)
            [ -n "$pid" ] && pids+=("$pid")
        done
        if [ -f "$d/ovs-vswitchd.pid" ]; then
            netlab_appctl "$host" -t ovs-vswitchd exit --cleanup >/dev/null 2>&1
        fi
        if [ -f "$d/ovsdb-server.pid" ]; then
            netlab_appctl "$host" -t ovsdb-server exit >/dev/null 2>&1
        fi
    done
    for pid in "${pids[@]}"; do
        # Give the "exit" above 2 s, then TERM and 5 s, then KILL.
        netlab__wait_gone "$pid" 40 && continue
        kill -TERM "$pid" 2>/dev/null
        netlab__wait_gone "$pid" 100 || kill -KILL "$pid" 2>/dev/null
    done
    # Exited daemons stay zombies until init reaps them: at most 5 s more.
    for i in $(seq 1 100); do
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && break
            pid=
        done
        [ -z "$pid" ] && break
        sleep 0.05
    done
}

# netlab__alive PID: process PID exists and is not a zombie (a daemon that
# exited stays one until init reaps it, which may take a while).
netlab__alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# netlab__wait_gone PID N: waits until process PID is gone (or a zombie),
# polling every 50 ms, at most N times.  Returns 1 if it is still there.
netlab__wait_gone() {
    local i
    for i in $(seq 1 "$2"); do
        netlab__alive "$1" || return 0
        sleep 0.05
    done
    ! netlab__alive "$1"
}

netlab__remove_nodes() {
    local node ns
    for node in $(netlab_nodes); do
        ns=$(netlab_ns "$node")
        if netlab__ns_exists "$ns"; then
            netlab__kill_ns_pids "$ns"
            ip netns del "$ns" 2>/dev/null
        fi
    done
}

# netlab_down: tears everything down: daemons, servers, namespaces (and the
# veths in them), the temp directory, the lock.  Idempotent, never fails.
netlab_down() {
    local host
    if [ "${NETLAB_KEEP:-0}" = 1 ] && [ -n "$NETLAB_TMP" ]; then
        netlab__err "NETLAB_KEEP=1: lab left running, state in $NETLAB_TMP"
        return 0
    fi
    if [ -n "$NETLAB_TMP" ] && [ -d "$NETLAB_TMP" ]; then
        # shellcheck disable=SC2046
        netlab__stop_hosts $(netlab_all_hosts)
        netlab__remove_nodes
        rm -rf "$NETLAB_TMP"
    elif [ -n "$NETLAB_LOCK_FD" ]; then
        netlab__remove_nodes
    fi
    NETLAB_TMP=
    if [ -n "$NETLAB_LOCK_FD" ]; then
        : >"$NETLAB_LOCK_FILE"
        exec {NETLAB_LOCK_FD}>&-
        NETLAB_LOCK_FD=
    fi
    return 0
}

# ---------------------------------------------------------------------------
# Building blocks.

# netlab_node_up NODE: creates NODE's namespace with loopback up, no IPv6.
netlab_node_up() {
    local ns
    ns=$(netlab_ns "$1")
    netlab__run ip netns add "$ns" || return 1
    netlab__run ip -n "$ns" link set lo up || return 1
    # IPv4 only: keeps router solicitations and MLD out of the switch.
    netlab__run ip netns exec "$ns" sysctl -qw \
        net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
}

# netlab_veth NODEA DEVA NODEB DEVB: a veth pair between two namespaces, both
# ends up and with TX checksum offload off (packets that cross AF_PACKET and
# the userspace datapath would otherwise keep partial checksums).
netlab_veth() {
    local nsa nsb
    nsa=$(netlab_ns "$1")
    nsb=$(netlab_ns "$3")
    netlab__run ip -n "$nsa" link add "$2" type veth peer name "$4" \
        netns "$nsb" || return 1
    netlab__run ip netns exec "$nsa" ethtool -K "$2" tx off || return 1
    netlab__run ip netns exec "$nsb" ethtool -K "$4" tx off || return 1
    netlab__run ip -n "$nsa" link set "$2" up || return 1
    netlab__run ip -n "$nsb" link set "$4" up
}

# netlab_host_up HOST: namespace, ip_forward, ovsdb-server, ovs-vswitchd
# (userspace datapath only, no DPDK) and br-int.
netlab_host_up() {
    local host=$1 d ns
    d=$(netlab_hostdir "$host")
    ns=$(netlab_ns "$host")
    netlab_node_up "$host" || return 1
    netlab__run ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 || return 1
    mkdir -p "$d" || return 1
    netlab__run "$OVS_BUILDDIR/ovsdb/ovsdb-tool" create "$d/conf.db" \
        "$OVS_BUILDDIR/vswitchd/vswitch.ovsschema" || return 1
    netlab__run netlab_exec "$host" "$OVS_BUILDDIR/ovsdb/ovsdb-server" \
        "$d/conf.db" --remote="punix:$d/db.sock" \
        --pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" \
        --detach --no-chdir || return 1
    netlab__run netlab_vsctl "$host" --no-wait init || return 1
    netlab__run netlab_exec "$host" "$OVS_BUILDDIR/vswitchd/ovs-vswitchd" \
        "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
        --log-file="$d/ovs-vswitchd.log" --detach --no-chdir || return 1
    netlab__run netlab_vsctl "$host" add-br "$NETLAB_BRIDGE" \
        -- set bridge "$NETLAB_BRIDGE" datapath_type=netdev \
        fail-mode=secure || return 1
}

# netlab_add_gateway HOST PORT IP/PLEN OFPORT: internal port PORT on br-int
# holding the containers' gateway address.
netlab_add_gateway() {
    local host=$1 port=$2 addr=$3 ofport=$4 ns
    ns=$(netlab_ns "$host")
    netlab__run netlab_vsctl "$host" add-port "$NETLAB_BRIDGE" "$port" \
        -- set interface "$port" type=internal ofport_request="$ofport" \
        || return 1
    netlab__wait 10 "internal port $port in $ns" \
        ip -n "$ns" link show "$port" || return 1
    netlab__run ip -n "$ns" addr add "$addr" dev "$port" || return 1
    netlab__run ip -n "$ns" link set "$port" up
}

# netlab_add_client NAME HOST IP HOST_IP PLEN ROUTED_NET: an outside client
# on a veth to HOST, routing ROUTED_NET through HOST.
netlab_add_client() {
    local name=$1 host=$2 ip=$3 host_ip=$4 plen=$5 net=$6 nsc nsh
    nsc=$(netlab_ns "$name")
    nsh=$(netlab_ns "$host")
    netlab_node_up "$name" || return 1
    netlab_veth "$host" "v-$name" "$name" eth0 || return 1
    netlab__run ip -n "$nsh" addr add "$host_ip/$plen" dev "v-$name" || return 1
    netlab__run ip -n "$nsc" addr add "$ip/$plen" dev eth0 || return 1
    netlab__run ip -n "$nsc" route add "$net" via "$host_ip"
}

# netlab_add_container NAME HOST IP MAC OFPORT GW_IP [MTU]: a container
# namespace with IP/32 on eth0 (MAC), all traffic routed through GW_IP; the
# veth's other end "v-NAME" is port OFPORT of HOST's br-int.
netlab_add_container() {
    local name=$1 host=$2 ip=$3 mac=$4 ofport=$5 gw=$6 mtu=${7:-} ns
    ns=$(netlab_ns "$name")
    netlab_node_up "$name" || return 1
    netlab_veth "$host" "v-$name" "$name" eth0 || return 1
    netlab__run ip -n "$ns" link set eth0 address "$mac" || return 1
    if [ -n "$mtu" ]; then
        netlab__run ip -n "$ns" link set eth0 mtu "$mtu" || return 1
    fi
    netlab__run ip -n "$ns" addr add "$ip/32" dev eth0 || return 1
    netlab__run ip -n "$ns" route add "$gw" dev eth0 || return 1
    netlab__run ip -n "$ns" route add default via "$gw" || return 1
    # The host's end of the veth belongs to the switch only.  Left alone,
    # the host kernel would answer the container's ARP for the gateway
    # address on it (arp_ignore=0 answers for any local address) and then
    # route the container's packets itself, past the switch.
    netlab__run ip netns exec "$(netlab_ns "$host")" sysctl -qw \
        "net.ipv4.conf.v-$name.arp_ignore=8" \
        "net.ipv4.conf.v-$name.rp_filter=1" || return 1
    netlab__run netlab_vsctl "$host" add-port "$NETLAB_BRIDGE" "v-$name" \
        -- set interface "v-$name" ofport_request="$ofport"
}

# netlab__serve_script KIND: path of the lab server script KIND (written on
# first use).  Each handles one connection (or one UDP request) on stdin and
# stdout and takes the server's name as $1:
#   hello  "hello from NAME[ REQUEST]" (REQUEST: a line read within 5 s)
#   peer   "NAME PEER_IP:PEER_PORT REQUEST" (the peer as socat saw it)
#   sink   reads to end of input, then "received N bytes"
#   echo   "NAME LINE" for each line read, until end of input or 30 s idle
netlab__serve_script() {
    local kind=$1 script
    script=$NETLAB_TMP/serve-$kind.sh
    [ "$kind" = hello ] && script=$NETLAB_TMP/serve.sh
    if [ ! -x "$script" ]; then
        {
            printf '#!/bin/bash\n# Lab server (%s), for one connection.\n' "$kind"
            case $kind in
                hello)
                    printf '%s\n' 'line=' 'IFS= read -r -t 5 line' \
                        "printf 'hello from %s%s\\n' \"\$1\" \"\${line:+ \$line}\""
                    ;;
                peer)
                    printf '%s\n' 'line=' 'IFS= read -r -t 5 line' \
                        "printf '%s %s:%s %s\\n' \"\$1\" \"\$SOCAT_PEERADDR\" \"\$SOCAT_PEERPORT\" \"\$line\""
                    ;;
                echo)
                    printf '%s\n' 'while IFS= read -r -t 30 line; do' \
                        "    printf '%s %s\\n' \"\$1\" \"\$line\"" 'done'
                    ;;
                sink)
                    # shellcheck disable=SC2016
                    printf '%s\n' 'n=$(timeout 20 wc -c)' \
                        "printf 'received %s bytes\\n' \"\$n\""
                    ;;
                *)
                    netlab__err "unknown server kind $kind"
                    return 1
                    ;;
            esac
        } >"$script"
        chmod +x "$script"
    fi
    printf '%s' "$script"
}

# netlab_serve_kind NAME PROTO PORT KIND: server KIND (see
# netlab__serve_script) in NAME's namespace on PROTO (tcp or udp) PORT.
netlab_serve_kind() {
    local name=$1 proto=$2 port=$3 kind=$4 script ns listen ssopt
    ns=$(netlab_ns "$name")
    script=$(netlab__serve_script "$kind") || return 1
    case $proto in
        tcp) listen="TCP-LISTEN:$port,fork,reuseaddr"; ssopt=-Hltn ;;
        udp) listen="UDP-RECVFROM:$port,fork"; ssopt=-Hlun ;;
        *) netlab__err "netlab_serve_kind: unknown protocol $proto"; return 1 ;;
    esac
    netlab__log "+ serve $name $proto/$port ($kind)"
    if [ -n "$NETLAB_LOCK_FD" ]; then
        ( exec ip netns exec "$ns" socat "$listen" \
              "EXEC:$script $name" {NETLAB_LOCK_FD}>&- ) </dev/null \
            >>"$NETLAB_TMP/serve-$name-$proto-$port.log" 2>&1 &
    else
        ( exec ip netns exec "$ns" socat "$listen" \
              "EXEC:$script $name" ) </dev/null \
            >>"$NETLAB_TMP/serve-$name-$proto-$port.log" 2>&1 &
    fi
    disown $!
    netlab__wait 5 "$name listening on $proto/$port" \
        sh -c "ip netns exec '$ns' ss $ssopt 'sport = :$port' | grep -q ." \
        || return 1
}

# netlab_serve NAME PORT: TCP server in NAME's namespace on PORT.  Each
# connection gets one line, "hello from NAME", followed by " REQUEST" if the
# client sent a line REQUEST within 5 seconds.
netlab_serve() {
    netlab_serve_kind "$1" tcp "$2" hello
}

# netlab_tcp NODE IP PORT [REQUEST [HOLD [TIMEOUT [OPTIONS]]]]: connects from
# NODE to IP:PORT, sends the line REQUEST after HOLD seconds (keeping the
# connection open meanwhile) and prints the reply.  Fails if no connection
# within TIMEOUT seconds (default 3).  OPTIONS: more socat options for the
# TCP address, e.g. "sourceport=41000".
netlab_tcp() {
    local node=$1 ip=$2 port=$3 req=${4:-} hold=${5:-0} tmo=${6:-3}
    local opts=${7:-}
    {
        sleep "$hold"
        [ -n "$req" ] && printf '%s\n' "$req"
    } | netlab_exec "$node" timeout $((tmo + 6)) socat -t 5 -T $((tmo + 5)) \
        - "TCP:$ip:$port,connect-timeout=$tmo${opts:+,$opts}" 2>/dev/null
}

# netlab_udp NODE IP PORT REQUEST [TIMEOUT]: sends the line REQUEST from NODE
# to UDP IP:PORT and prints the reply (what arrives until the socket has
# been idle for TIMEOUT seconds, default 2).
netlab_udp() {
    local node=$1 ip=$2 port=$3 req=$4 tmo=${5:-2}
    printf '%s\n' "$req" \
        | netlab_exec "$node" timeout $((tmo + 5)) socat -t $((tmo + 3)) \
            -T "$tmo" - "UDP:$ip:$port" 2>/dev/null
}

# netlab_udp1 NODE IP PORT REQUEST [HOLD [TIMEOUT]]: sends the line REQUEST
# from NODE to UDP IP:PORT after HOLD seconds and prints the first line of
# the reply, as soon as it arrives (at most TIMEOUT seconds, default 3).
# The socket is connected: only a reply from IP:PORT counts.  (head, not
# read: bash's read takes a byte at a time, which truncates a datagram.)
netlab_udp1() {
    local node=$1 ip=$2 port=$3 req=$4 hold=${5:-0} tmo=${6:-3}
    # shellcheck disable=SC2016
    netlab_exec "$node" timeout $((hold + tmo + 2)) bash -c '
        exec 3<>"/dev/udp/$1/$2" || exit 1
        sleep "$4"
        printf "%s\n" "$3" >&3
        timeout "$5" head -n 1 <&3' \
        netlab-udp "$ip" "$port" "$req" "$hold" "$tmo" 2>/dev/null
}

# netlab_underlay_link HOSTA IPA/PLEN HOSTB IPB/PLEN [MTU]: for multi-host
# labs.  Each host gets a br-phy (netdev) with the veth between the hosts
# ("u-PEER", of MTU bytes if given) and its underlay address on br-phy's
# internal port.  A host may take part in several links (one br-phy, one
# address).
netlab_underlay_link() {
    local a=$1 ipa=$2 b=$3 ipb=$4 mtu=${5:-} h ip peer mac
    netlab_veth "$a" "u-$b" "$b" "u-$a" || return 1
    for h in "$a" "$b"; do
        if [ "$h" = "$a" ]; then ip=$ipa peer=$b; else ip=$ipb peer=$a; fi
        if [ -n "$mtu" ]; then
            netlab__run ip -n "$(netlab_ns "$h")" link set "u-$peer" \
                mtu "$mtu" || return 1
        fi
        if ! ip -n "$(netlab_ns "$h")" link show br-phy >/dev/null 2>&1; then
            netlab__run netlab_vsctl "$h" add-br br-phy \
                -- set bridge br-phy datapath_type=netdev || return 1
            netlab__wait 10 "br-phy in $(netlab_ns "$h")" \
                ip -n "$(netlab_ns "$h")" link show br-phy || return 1
            # Pin br-phy's MAC: otherwise OVS gives the bridge the lowest
            # MAC of its ports, which changes as links are added, and the
            # other hosts' tunnel neighbour entries go stale.
            mac=$(ip -n "$(netlab_ns "$h")" -br link show br-phy \
                  | awk '{print $3}')
            netlab__run netlab_vsctl "$h" set bridge br-phy \
                "other-config:hwaddr=\"$mac\"" || return 1
        fi
        netlab__run ip -n "$(netlab_ns "$h")" addr replace "$ip" dev br-phy \
            || return 1
        netlab__run ip -n "$(netlab_ns "$h")" link set br-phy up || return 1
    done
    netlab__run netlab_vsctl "$a" add-port br-phy "u-$b" || return 1
    netlab__run netlab_vsctl "$b" add-port br-phy "u-$a"
}

# netlab_add_vxlan HOST PORT REMOTE_IP OFPORT: VXLAN port on HOST's br-int
# (REMOTE_IP "flow": a flow-based port, options:remote_ip=flow).
netlab_add_vxlan() {
    netlab__run netlab_vsctl "$1" add-port "$NETLAB_BRIDGE" "$2" \
        -- set interface "$2" type=vxlan options:remote_ip="$3" \
        ofport_request="$4"
}

# netlab_add_flows HOST FLOW...: adds OpenFlow flows to HOST's br-int.
netlab_add_flows() {
    local host=$1 file
    shift
    file=$(mktemp "$NETLAB_TMP/flows.XXXXXX") || return 1
    printf '%s\n' "$@" >"$file"
    netlab__log "$(cat "$file")"
    netlab__run netlab_ofctl "$host" add-flows "$NETLAB_BRIDGE" "$file"
}

# netlab_megaflows HOST: HOST's datapath flows (megaflows), one per line.
netlab_megaflows() {
    netlab_appctl "$1" dpctl/dump-flows | grep 'actions:'
}

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
# netlab_up, but (values from NETLAB_SHARED_CONTAINERS and the NETLAB_LB_*,
# NETLAB_CLIENT_*_PORT and NETLAB_PATH_MTU settings at the top):
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
