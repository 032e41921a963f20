# The debootstrap chroot of the packaging test (sourced by
# test-packaging.sh, bash).
#
# The chroot $ROOT gets mount, PID and network namespaces of its own from a
# holder process (ns_start): /proc, /sys and /dev are mounted in the private
# mount namespace only, the daemons started in the chroot live in the PID
# namespace, whose end kills them, and their bridges and ports are in a
# network namespace of their own.  Ending the holder (ns_stop) undoes all
# of it: nothing stays mounted or running on the host, and the host's
# network is never touched.

# The Debian suite of the host and the repositories apt uses for it, as
# "deb URI SUITE main" lines (bookworm, bookworm-updates, -security...).
host_suite()
{
    . /etc/os-release && echo "$VERSION_CODENAME"
}

host_apt_sources()
{
    local suite
    suite=$(host_suite)
    apt-get indextargets \
            --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(CREATED_BY)' \
        | awk -v s="$suite" '$4 == "Packages" && $3 == "main" \
                             && ($2 == s || index($2, s "-") == 1) {
                                 print "deb", $1, $2, "main" }' \
        | sort -u
}

# make_chroot: a minimal Debian of the host's suite in $ROOT, with the
# host's repositories, no recommends, and no service started by packages
# (policy-rc.d).  debootstrap's own mounts stay in a private namespace.
make_chroot()
{
    local suite mirror
    suite=$(host_suite)
    mirror=$(host_apt_sources | awk -v s="$suite" '$3 == s { print $2; exit }')
    if [ -z "$mirror" ]; then
        echo "no apt repository of $suite found on the host" >&2
        return 1
    fi
    unshare --mount debootstrap --variant=minbase "$suite" "$ROOT" "$mirror" \
        || return 1
    host_apt_sources > "$ROOT/etc/apt/sources.list"
    echo 'APT::Install-Recommends "false";' \
        > "$ROOT/etc/apt/apt.conf.d/90no-recommends"
    printf '#!/bin/sh\n# No daemon starts from package scripts.\nexit 101\n' \
        > "$ROOT/usr/sbin/policy-rc.d"
    chmod 755 "$ROOT/usr/sbin/policy-rc.d"
}

ns_unshare=
ns_pid=

# ns_start: starts the holder of the chroot's namespaces; $ns_pid is its
# PID (PID 1 of the namespace).  Not in a subshell: it sets variables, and
# the holder would keep a pipe such as that of $(...) open.
#
# ovs-ctl loads the openvswitch kernel module, which the userspace datapath
# does not need, unless /sys/module/openvswitch exists: a tmpfs with that
# directory, in the private mount namespace only, makes it skip that, so
# the test never changes the host's kernel.
ns_start()
{
    unshare --mount --pid --net --fork --kill-child sh -c '
        set -e
        mount -t proc proc "$1/proc"
        mount -t sysfs sysfs "$1/sys"
        mount -t tmpfs tmpfs "$1/sys/module"
        mkdir "$1/sys/module/openvswitch"
        mount --rbind /dev "$1/dev"
        ip link set lo up 2>/dev/null || true
        exec sleep infinity' sh "$ROOT" &
    ns_unshare=$!
    local i
    for i in $(seq 100); do
        ns_pid=$(pgrep -P "$ns_unshare" || true)
        if [ -n "$ns_pid" ] \
               && [ "$(cat /proc/"$ns_pid"/comm 2>/dev/null)" = sleep ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "the namespaces of the chroot did not start" >&2
    return 1
}

# ns_stop: kills the holder, PID 1 of the namespace: the kernel kills
# everything else in it and drops the mounts with the mount namespace.
# unshare, which ignores SIGTERM, exits once all that is over.
ns_stop()
{
    if [ -n "$ns_pid" ]; then
        kill -KILL "$ns_pid" 2>/dev/null || true
        ns_pid=
    fi
    if [ -n "$ns_unshare" ]; then
        local i
        for i in $(seq 100); do
            case $(awk '{ print $3 }' /proc/"$ns_unshare"/stat 2>/dev/null) in
                ''|Z) break ;;
            esac
            sleep 0.1
        done
        kill -KILL "$ns_unshare" 2>/dev/null || true
        wait "$ns_unshare" 2>/dev/null || true
        ns_unshare=
    fi
}

chroot_env="env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
    DEBIAN_FRONTEND=noninteractive"

# in_root COMMAND...: runs COMMAND in the chroot, with the host's network
# (apt).  in_root_net: in the chroot's own network namespace (OVS).
in_root()
{
    nsenter -t "$ns_pid" -m -p -- chroot "$ROOT" $chroot_env "$@"
}

in_root_net()
{
    nsenter -t "$ns_pid" -m -p -n -- chroot "$ROOT" $chroot_env "$@"
}
