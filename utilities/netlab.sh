# netlab.sh -- network-namespace lab for ovs-container-map.     -*- sh -*-
# shellcheck shell=bash
#
# Source this file from bash; it defines functions and variables only.  With
# the two files it sources, it is the ONE place where the lab topology is
# defined.  This file has what every lab uses: addresses, the life cycle of a
# lab and the building blocks below.  The labs are in
#   - utilities/netlab-shared.sh, one host: tests/system/test-shared-ip.sh
#     builds its lab with netlab_up (drawn at the top of that file);
#     tests/system/test-shared-ip-conn.sh and tests/system/test-flood.sh
#     build the "shared" lab with netlab_up_shared (containers' own
#     connections, ping, ARP, PMTU, load balancing; described above that
#     function); tests/system/test-shared-ip6.sh adds IPv6 to it
#     (netlab_shared_ipv6);
#   - utilities/netlab-fabric.sh: the demo (utilities/container-map-demo.sh,
#     "make demo") and tests/system/test-fabric.sh build the "fabric" lab
#     with netlab_up_fabric (three hosts joined by VXLAN; described above
#     that function, its settings NETLAB_FABRIC_* are at the top of that
#     file) and run the same matrix of sessions, NETLAB_FABRIC_MATRIX, with
#     netlab_fabric_matrix.
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
# The client's servers in the "shared" and "fabric" labs, and the MAC that
# the switch gives for mapped IPs in ARP replies there.
NETLAB_CLIENT_TCP_PORT=5000             # client: "client PEER:PORT REQUEST"
NETLAB_CLIENT_UDP_PORT=6000             # client: the same over UDP
NETLAB_CLIENT_SINK_PORT=5001            # client: "received N bytes"
NETLAB_SHARED_MAC=02:00:00:00:00:fe     # container-map/set-mac: the one MAC
                                        # ARP gives for mapped IPs
# IPv6 (netlab_shared_ipv6): the same roles, on /64s.
NETLAB_SHARED_IP6=2001:db8:10::10
NETLAB_GW_IP6=2001:db8:10::1
NETLAB_GW_NET6=2001:db8:10::/64
NETLAB_CLIENT_IP6=2001:db8:2::2
NETLAB_CLIENT_GW6=2001:db8:2::1

# All node names netlab_up may create (netlab_down removes all of them), from
# the settings of every lab (netlab-shared.sh, netlab-fabric.sh).
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
    # The container map's own database, served beside conf.db, as the
    # packaged service does.
    netlab__run "$OVS_BUILDDIR/ovsdb/ovsdb-tool" create "$d/container-map.db" \
        "$OVS_BUILDDIR/cmext/ofproto-ext/container-map.ovsschema" || return 1
    netlab__run netlab_exec "$host" "$OVS_BUILDDIR/ovsdb/ovsdb-server" \
        "$d/conf.db" "$d/container-map.db" --remote="punix:$d/db.sock" \
        --pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" \
        --detach --no-chdir || return 1
    netlab__run netlab_vsctl "$host" --no-wait init || return 1
    netlab_vswitchd_start "$host" || return 1
    netlab__run netlab_vsctl "$host" add-br "$NETLAB_BRIDGE" \
        -- set bridge "$NETLAB_BRIDGE" datapath_type=netdev \
        fail-mode=secure || return 1
}

# netlab_vswitchd_start HOST: starts HOST's ovs-vswitchd and waits until it
# has read the container map from its database.
netlab_vswitchd_start() {
    local host=$1 d
    d=$(netlab_hostdir "$host")
    netlab__run netlab_exec "$host" "$OVS_BUILDDIR/vswitchd/ovs-vswitchd" \
        "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
        --log-file="$d/ovs-vswitchd.log" --detach --no-chdir || return 1
    netlab__until 10 "$host's container map read from its database" \
        netlab__durable "$host"
}

netlab__durable() {
    netlab_appctl "$1" container-map/database 2>/dev/null \
        | grep -q ': durable$'
}

# netlab__until SECS DESC FUNCTION [ARG...]: netlab__wait for a shell
# function (which "timeout" cannot run).
netlab__until() {
    local secs=$1 desc=$2 deadline
    shift 2
    deadline=$(( $(date +%s%N) + secs * 1000000000 ))
    until "$@"; do
        if [ "$(date +%s%N)" -ge "$deadline" ]; then
            netlab__err "timed out after ${secs}s waiting for $desc"
            return 1
        fi
        sleep 0.05
    done
}

# netlab_vswitchd_crash HOST: kills HOST's ovs-vswitchd with SIGKILL (it
# saves nothing) and starts it again.
netlab_vswitchd_crash() {
    local host=$1 d pid
    d=$(netlab_hostdir "$host")
    pid=$(cat "$d/ovs-vswitchd.pid") || return 1
    kill -9 "$pid" || return 1
    netlab__until 10 "ovs-vswitchd $pid gone" netlab__gone "$pid" || return 1
    netlab_vswitchd_start "$host"
}

netlab__gone() {
    ! kill -0 "$1" 2>/dev/null
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
# netlab__serve_script) in NAME's namespace on PROTO (tcp or udp; tcp6 or
# udp6 for IPv6) PORT.
netlab_serve_kind() {
    local name=$1 proto=$2 port=$3 kind=$4 script ns listen ssopt
    ns=$(netlab_ns "$name")
    script=$(netlab__serve_script "$kind") || return 1
    case $proto in
        tcp) listen="TCP-LISTEN:$port,fork,reuseaddr"; ssopt=-Hltn4 ;;
        udp) listen="UDP-RECVFROM:$port,fork"; ssopt=-Hlun4 ;;
        tcp6) listen="TCP6-LISTEN:$port,fork,reuseaddr,ipv6only=1"
              ssopt=-Hltn6 ;;
        udp6) listen="UDP6-RECVFROM:$port,fork,ipv6only=1"; ssopt=-Hlun6 ;;
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

# netlab__socat_addr TCP|UDP IP: socat's address type and host for IP
# ("TCP:198.51.100.2", "TCP6:[2001:db8:2::2]").
netlab__socat_addr() {
    case $2 in
        *:*) printf '%s6:[%s]' "$1" "$2" ;;
        *) printf '%s:%s' "$1" "$2" ;;
    esac
}

# netlab_tcp NODE IP PORT [REQUEST [HOLD [TIMEOUT [OPTIONS]]]]: connects from
# NODE to IP:PORT, sends the line REQUEST after HOLD seconds (keeping the
# connection open meanwhile) and prints the reply.  Fails if no connection
# within TIMEOUT seconds (default 3).  OPTIONS: more socat options for the
# TCP address, e.g. "sourceport=41000".  IP may be IPv6.
netlab_tcp() {
    local node=$1 ip=$2 port=$3 req=${4:-} hold=${5:-0} tmo=${6:-3}
    local opts=${7:-}
    {
        sleep "$hold"
        [ -n "$req" ] && printf '%s\n' "$req"
    } | netlab_exec "$node" timeout $((tmo + 6)) socat -t 5 -T $((tmo + 5)) \
        - "$(netlab__socat_addr TCP "$ip"):$port,connect-timeout=$tmo${opts:+,$opts}" \
        2>/dev/null
}

# netlab_udp NODE IP PORT REQUEST [TIMEOUT]: sends the line REQUEST from NODE
# to UDP IP:PORT and prints the reply (what arrives until the socket has
# been idle for TIMEOUT seconds, default 2).
netlab_udp() {
    local node=$1 ip=$2 port=$3 req=$4 tmo=${5:-2}
    printf '%s\n' "$req" \
        | netlab_exec "$node" timeout $((tmo + 5)) socat -t $((tmo + 3)) \
            -T "$tmo" - "$(netlab__socat_addr UDP "$ip"):$port" 2>/dev/null
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

# netlab_add_flows HOST FLOW...: makes FLOWs the pipeline of HOST's br-int,
# kept in the container map's database (container-map/set-flows), so that
# they come back when ovs-vswitchd restarts.
netlab_add_flows() {
    local host=$1 file
    shift
    file=$(mktemp "$NETLAB_TMP/flows.XXXXXX") || return 1
    printf '%s\n' "$@" >"$file"
    netlab__log "$(cat "$file")"
    netlab__run netlab_appctl "$host" container-map/set-flows \
        "$NETLAB_BRIDGE" "$file"
}

# netlab_megaflows HOST: HOST's datapath flows (megaflows), one per line.
netlab_megaflows() {
    netlab_appctl "$1" dpctl/dump-flows | grep 'actions:'
}

# ---------------------------------------------------------------------------
# The labs.  (For shellcheck -x, SCRIPTDIR is the directory of the script it
# checks: this one's, the demo's, or tests/system/ for the system tests.)

# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/../../utilities
# shellcheck source=netlab-shared.sh
. "$NETLAB_LIB_DIR/netlab-shared.sh"
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/../../utilities
# shellcheck source=netlab-fabric.sh
. "$NETLAB_LIB_DIR/netlab-fabric.sh"
