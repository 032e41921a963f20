# checks.sh -- what the system tests share.  -*- sh -*-
# shellcheck shell=bash
#
# Source it from bash, with 'here' set to the test's directory and 'needs'
# to the commands the test runs besides iproute2.  It skips the test (exit
# 77) unless it runs as root with those commands, sets OVS_BUILDDIR
# (default: <project>/_build/openvswitch), sources utilities/netlab.sh and
# tears the lab down on exit.
#
# Each check prints "ok N - DESCRIPTION" or "FAIL N - DESCRIPTION" followed
# by indented details; finish tears the lab down, prints "N passed, M
# failed" (the line tests/run-checks.sh reads) and exits 0 only if something
# passed and nothing failed.

top=$(cd "$here/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-$top/_build/openvswitch}
export OVS_BUILDDIR

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (network namespaces, veths, ovs-vswitchd per host)"
    exit 77
fi
for tool in ${needs:-}; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        case $tool in
            ping | tracepath | arping) pkg=iputils-$tool ;;
            *) pkg=$tool ;;
        esac
        echo "SKIP: $tool not found (apt-get install -y $pkg)"
        exit 77
    fi
done

# shellcheck source-path=SCRIPTDIR source=../../utilities/netlab.sh
. "$top/utilities/netlab.sh"

trap netlab_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cm_show [HOST], cm_conns [HOST]: container-map/show and conn-list of the
# lab's bridge on HOST (default: the gateway host).  cm_counter NAME [HOST]:
# one counter of show's "unmatched packets" or "events" line.
cm_show() {
    netlab_appctl "${1:-$NETLAB_GW_HOST}" container-map/show "$NETLAB_BRIDGE"
}

cm_conns() {
    netlab_appctl "${1:-$NETLAB_GW_HOST}" container-map/conn-list \
        "$NETLAB_BRIDGE"
}

cm_counter() {
    cm_show "${2:-}" | sed -n "/^  \\(unmatched packets\\|events\\):/s/^.* $1=\\([0-9]*\\).*\$/\\1/p"
}

# session NODE IP PORT OUT: tests/system/traffic.py session for $SESSION
# seconds, in the background (its pid added to the array 'pids'), its
# summary in OUT.  session_ok OUT NAME: every request of that session got
# its reply, all from NAME (a regex).
session() {
    netlab_exec "$1" python3 "$here/traffic.py" session "$2" "$3" \
        "$SESSION" >"$4" 2>&1 &
    pids+=($!)
}

session_ok() {
    grep -qE "^sent ([0-9]+) replies \\1 from $2\$" "$1"
}

n_pass=0
n_fail=0
n_check=0

pass() {
    n_check=$((n_check + 1))
    n_pass=$((n_pass + 1))
    echo "ok $n_check - $1"
}

fail() {
    n_check=$((n_check + 1))
    n_fail=$((n_fail + 1))
    echo "FAIL $n_check - $1"
    shift
    local arg line
    for arg in "$@"; do
        while IFS= read -r line; do
            printf '    %s\n' "$line"
        done <<<"$arg"
    done
}

# check DESCRIPTION CONDITION-STATUS [DETAILS...]: pass if status is 0.
check() {
    local desc=$1 status=$2
    shift 2
    if [ "$status" -eq 0 ]; then
        pass "$desc"
    else
        fail "$desc" "$@"
    fi
}

# check_teardown: tears the lab down and checks that it left no namespace,
# daemon or temporary directory behind.
check_teardown() {
    local tmp=$NETLAB_TMP pidfiles node pid
    local left=()

    pidfiles=$(cat "$tmp"/*/*.pid 2>/dev/null)
    netlab_down
    for node in $(netlab_nodes); do
        if ip netns list | grep -qE "^$(netlab_ns "$node")( |\$)"; then
            left+=("namespace $(netlab_ns "$node")")
        fi
    done
    for pid in $pidfiles; do
        if kill -0 "$pid" 2>/dev/null; then
            left+=("daemon pid $pid")
        fi
    done
    if [ -e "$tmp" ]; then
        left+=("directory $tmp")
    fi
    check "teardown leaves nothing behind" ${#left[@]} "${left[@]}"
}

finish() {
    netlab_down
    echo "$n_pass passed, $n_fail failed"
    if [ "$n_fail" -eq 0 ] && [ "$n_pass" -gt 0 ]; then
        exit 0
    fi
    exit 1
}
