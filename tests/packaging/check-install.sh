# Our .deb over Debian's Open vSwitch in a debootstrap chroot, then the
# RPM's scriptlets there (sourced by test-packaging.sh, after check-deb.sh
# and check-rpm.sh).

suite=$(host_suite)
phase "Chroot: debootstrap $suite"
check "debootstrap makes a minimal $suite chroot" make_chroot
require
desc="the chroot gets its own mount, PID and network namespaces"
if ns_start >> "$LOG" 2>&1; then pass "$desc"; else fail "$desc"; fi
require

initd=/etc/init.d/openvswitch-switch
ours=/usr/lib/ovs-container-map
stock_vswitchd=/usr/lib/openvswitch-switch/ovs-vswitchd

phase "Chroot: Debian's Open vSwitch $ovs_version"
check "apt-get update" in_root apt-get update -q
require
check "openvswitch-switch $ovs_version installs" \
    in_root apt-get install -y -q openvswitch-switch="$ovs_version" \
    openvswitch-common="$ovs_version"
require
check_out "/usr/sbin/ovs-vswitchd is the stock alternative" \
    "^$stock_vswitchd\$" in_root readlink -f /usr/sbin/ovs-vswitchd
check "Open vSwitch starts ($initd start)" in_root_net $initd start
check_out "the running ovs-vswitchd is Debian's" \
    "^ovs-vswitchd \(Open vSwitch\) 3\.1\." in_root_net ovs-appctl version
check "Open vSwitch stops" in_root_net $initd stop

phase "Chroot: ovs-container-map $version over it"
cp "$deb" "$ROOT/tmp/"
debfile=/tmp/$(basename "$deb")
check "apt-get install $debfile" in_root apt-get install -y -q "$debfile"
require
check_out "/usr/sbin/ovs-vswitchd is ours (alternative of priority 200)" \
    "^Value: $ours/ovs-vswitchd\$" in_root update-alternatives --query ovs-vswitchd
check_out "/usr/bin/ovs-ofctl is ours (alternative)" \
    "^$ours/ovs-ofctl\$" in_root readlink -f /usr/bin/ovs-ofctl
check_out "the stock ovs-ofctl is diverted to /usr/bin/ovs-ofctl.distrib" \
    "^diversion of /usr/bin/ovs-ofctl to /usr/bin/ovs-ofctl\.distrib by ovs-container-map\$" \
    in_root dpkg-divert --list /usr/bin/ovs-ofctl
check_out "the stock ovs-ofctl is the other ovs-ofctl alternative" \
    "^Alternative: /usr/bin/ovs-ofctl\.distrib\$" \
    in_root update-alternatives --query ovs-ofctl
check "reinstalling it keeps all that (preinst, postinst again)" \
    in_root sh -c "apt-get install -y -q --reinstall $debfile \
        && test \$(readlink -f /usr/sbin/ovs-vswitchd) = $ours/ovs-vswitchd \
        && test \$(readlink -f /usr/bin/ovs-ofctl) = $ours/ovs-ofctl"
check_out "the manual page ovs-container-map(8) is installed" \
    "^\.TH ovs\\\\-container\\\\-map 8" \
    in_root zcat /usr/share/man/man8/ovs-container-map.8.gz
check_out "the manual page ovs-container-map(5) is installed" \
    "^\.TH ovs\\\\-container\\\\-map 5" \
    in_root zcat /usr/share/man/man5/ovs-container-map.5.gz
check_out "postinst created the Container_Map database" "^Container_Map\$" \
    in_root ovsdb-tool db-name /var/lib/openvswitch/container-map.db
check "ovsdb-server.service has the drop-in that serves it" \
    in_root test -f /usr/lib/systemd/system/ovsdb-server.service.d/ovs-container-map.conf

phase "Chroot: Open vSwitch with our ovs-vswitchd"
check "Open vSwitch starts ($initd start, Debian's ovs-ctl)" \
    in_root_net $initd start
# Without systemd in the chroot, what the drop-in runs, by hand.
check "ovsdb-server serves the Container_Map database (ovs-container-map-db serve)" \
    in_root_net $ours/ovs-container-map-db serve
durable()
{
    in_root_net sh -c 'for i in $(seq 50); do
        ovs-appctl container-map/database | grep -q ": durable\$" \
            && echo durable && exit 0
        sleep 0.2
    done; ovs-appctl container-map/database'
}
check_out "ovs-vswitchd keeps the container map in it (container-map/database)" \
    "^durable\$" durable
check_out "ovs-vswitchd --version identifies our build" \
    "^ovs-vswitchd 3\.1\.[0-9]+\+container-map-$(re "$version")\$" \
    in_root_net ovs-vswitchd --version
check_out "ovs-vswitchd --version: built with DPDK" "^DPDK [0-9]" \
    in_root_net ovs-vswitchd --version
check_out "ovs-appctl version: the running ovs-vswitchd is ours" \
    "\+container-map-" in_root_net ovs-appctl version
check_out "ovs-ctl recorded ovs_version 3.1.x as usual" '^"?3\.1\.[0-9]+"?$' \
    in_root_net ovs-vsctl get Open_vSwitch . ovs_version
check "ovs-vsctl: netdev bridge br0 with an internal port c1" \
    in_root_net ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 c1 -- set interface c1 type=internal
check "ovs-appctl container-map/add br0 203.0.113.10 tcp 80 02:00:00:00:00:01 c1" \
    in_root_net ovs-appctl container-map/add br0 203.0.113.10 tcp 80 \
    02:00:00:00:00:01 c1
check_out "ovs-appctl container-map/show br0 lists 203.0.113.10 tcp 80" \
    "^ +203\.0\.113\.10 tcp 80:" in_root_net ovs-appctl container-map/show br0
check_out "ovs-appctl container-map/show br0: -> 02:00:00:00:00:01 (c1)" \
    "^ +-> 02:00:00:00:00:01 port [0-9]+ \(c1\)" \
    in_root_net ovs-appctl container-map/show br0
check "ovs-ofctl add-flow br0 'ip,nw_dst=203.0.113.10,actions=container_map'" \
    in_root_net ovs-ofctl add-flow br0 \
    'ip,nw_dst=203.0.113.10,actions=container_map'
check_out "ovs-ofctl dump-flows br0 shows the container_map flow" \
    "nw_dst=203\.0\.113\.10 actions=container_map" \
    in_root_net ovs-ofctl dump-flows br0
check_out "ofproto/trace: a TCP packet to 203.0.113.10:80 goes to the container" \
    "container 02:00:00:00:00:01 on port" \
    in_root_net ovs-appctl ofproto/trace br0 \
    'in_port=LOCAL,tcp,nw_dst=203.0.113.10,tp_dst=80'

check_out "ovsdb-client dump: the mapping is in the database" \
    '"203\.0\.113\.10"' in_root_net ovsdb-client dump Container_Map Mapping ip
check "Open vSwitch restarts ($initd restart; the database served again)" \
    in_root_net sh -c "$initd restart && $ours/ovs-container-map-db serve"
check_out "after the restart, ovs-vswitchd read it again" "^durable\$" durable
check_out "after the restart, container-map/show br0 still lists 203.0.113.10 tcp 80" \
    "^ +203\.0\.113\.10 tcp 80:" in_root_net ovs-appctl container-map/show br0

# Completion as bash does it: the words so far, the completer's answer.
complete_words()
{
    in_root_net bash -c '
        . /usr/share/bash-completion/completions/ovs-appctl
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _ovs_cm_appctl
        printf "%s\n" "${COMPREPLY[@]}"' sh "$@"
}
check_out "bash completion: ovs-appctl container-map/<TAB>" \
    "^container-map/show\$" complete_words ovs-appctl container-map/
check_out "bash completion: ovs-appctl container-map/add <TAB> (bridges)" \
    "^br0\$" complete_words ovs-appctl container-map/add ""
check "Open vSwitch stops" in_root_net $initd stop

phase "Chroot: removing ovs-container-map"
check "apt-get remove ovs-container-map" \
    in_root apt-get remove -y -q ovs-container-map
check_out "/usr/sbin/ovs-vswitchd is the stock one again" \
    "^$stock_vswitchd\$" in_root readlink -f /usr/sbin/ovs-vswitchd
check "/usr/bin/ovs-ofctl is the stock file again (no diversion, no alternative)" \
    in_root sh -c 'test -f /usr/bin/ovs-ofctl && ! test -L /usr/bin/ovs-ofctl \
        && ! test -e /usr/bin/ovs-ofctl.distrib \
        && test -z "$(dpkg-divert --list /usr/bin/ovs-ofctl)" \
        && ! update-alternatives --query ovs-ofctl > /dev/null 2>&1'
check_no_out "dpkg --verify: Debian's Open vSwitch files are intact" "." \
    in_root dpkg --verify openvswitch-switch openvswitch-common
check "remove keeps the Container_Map database" \
    in_root test -f /var/lib/openvswitch/container-map.db
check "Open vSwitch starts with the stock ovs-vswitchd" in_root_net $initd start
check_out "the running ovs-vswitchd is Debian's again" \
    "^ovs-vswitchd \(Open vSwitch\) 3\.1\." in_root_net ovs-appctl version
check_out "the bridge is still there (stock ovs-ofctl show br0)" \
    "^OFPT_FEATURES_REPLY" in_root_net ovs-ofctl show br0
check "Open vSwitch stops" in_root_net $initd stop
check "dpkg --purge leaves nothing of ovs-container-map" \
    in_root sh -c "dpkg --purge ovs-container-map \
        && ! dpkg-query -W ovs-container-map > /dev/null 2>&1 \
        && ! test -e $ours \
        && ! test -e /var/lib/openvswitch/container-map.db"

# The RPM's scriptlets on a system where ovs-ofctl is a plain file of
# another package, as on RPM distributions: rpm --root installs the RPM in
# the chroot (with a database of its own there) and runs them.
phase "Chroot: the RPM's scriptlets (rpm --root)"
in_rpm()
{
    nsenter -t "$ns_pid" -m -p -- rpm --root "$ROOT" "$@"
}
check "rpm --initdb (in the chroot)" in_rpm --initdb
check "rpm -i --nodeps $(basename "$rpm")" \
    in_rpm -i --nodeps "$rpm"
check_out "rpm %post: /usr/sbin/ovs-vswitchd is ours" \
    "^$ours/ovs-vswitchd\$" in_root readlink -f /usr/sbin/ovs-vswitchd
check_out "rpm %post: /usr/bin/ovs-ofctl is ours, the stock one moved aside" \
    "^$ours/ovs-ofctl /usr/bin/ovs-ofctl\.distrib\$" \
    in_root sh -c 'echo $(readlink -f /usr/bin/ovs-ofctl) \
        $(ls /usr/bin/ovs-ofctl.distrib)'
check "rpm -e ovs-container-map" in_rpm -e ovs-container-map
check_out "rpm %preun: /usr/sbin/ovs-vswitchd is the stock one again" \
    "^$stock_vswitchd\$" in_root readlink -f /usr/sbin/ovs-vswitchd
check_no_out "rpm %preun: the stock ovs-ofctl is back (dpkg --verify)" "." \
    in_root sh -c 'test -f /usr/bin/ovs-ofctl && ! test -L /usr/bin/ovs-ofctl \
        && dpkg --verify openvswitch-common'
