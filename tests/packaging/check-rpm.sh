# The RPM: build, files and scriptlets (sourced by test-packaging.sh, after
# check-deb.sh).

phase "RPM: make rpm"
if [ "$REUSE_PACKAGES" = yes ] && ls "$PACKAGES_DIR"/*.rpm > /dev/null 2>&1
then
    echo "    (REUSE_PACKAGES=yes: not rebuilt)"
else
    check "make rpm builds the RPM (rpmbuild -bb)" $MAKE -C "$top_builddir" rpm
    require
fi

rpm=$(ls "$PACKAGES_DIR"/ovs-container-map-*.rpm)
echo "    $rpm"

check_out "rpm -qlp: /usr/lib/ovs-container-map/ovs-vswitchd" \
    "^/usr/lib/ovs-container-map/ovs-vswitchd$" rpm -qlp "$rpm"
check_out "rpm -qlp: /usr/lib/ovs-container-map/ovs-ofctl" \
    "^/usr/lib/ovs-container-map/ovs-ofctl$" rpm -qlp "$rpm"
check_out "rpm -qlp: the manual page ovs-container-map(8)" \
    "^/usr/share/man/man8/ovs-container-map\.8(\.gz)?$" rpm -qlp "$rpm"
check_out "rpm -qlp: the bash completion" \
    "^/usr/share/bash-completion/completions/ovs-appctl$" rpm -qlp "$rpm"

# Same files as the .deb, but for the documentation, the compression of
# the manual page, the lintian overrides and RPM's build-id links.
normalize()
{
    sed -e 's/\.gz$//' \
        | grep -v -e '^/usr/share/doc/' -e '^/usr/share/lintian/' \
                  -e '^/usr/lib/\.build-id' \
        | sort
}
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" \
    | awk '$1 ~ /^-/ { print $2 }' | normalize > "$work/rpm.files"
normalize < "$work/deb.files" > "$work/deb.files.normalized"
check "the RPM has the same files as the .deb" \
    diff "$work/deb.files.normalized" "$work/rpm.files"

check_out "rpm -qp --requires: openvswitch = 3.1.x" \
    "^openvswitch = 3\.1\.[0-9]+$" rpm -qp --requires "$rpm"
run_logged rpm -qp --scripts "$rpm" || true
printf '%s\n' "$out" > "$work/rpm.scripts"
check_out "post: alternatives for ovs-vswitchd and ovs-ofctl (priority 200)" \
    "update-alternatives --install .*/usr/lib/ovs-container-map/.* 200" \
    cat "$work/rpm.scripts"
check_out "post: takes over /usr/sbin/ovs-vswitchd" \
    "^cm_take_over /usr/sbin/ovs-vswitchd ovs-vswitchd" cat "$work/rpm.scripts"
check_out "post: takes over /usr/bin/ovs-ofctl" \
    "^cm_take_over /usr/bin/ovs-ofctl ovs-ofctl" cat "$work/rpm.scripts"
check_out "preun: removes the alternatives on erase" \
    "update-alternatives --remove .*/usr/lib/ovs-container-map/" \
    cat "$work/rpm.scripts"
check_out "triggerin on openvswitch: takes over again after its updates" \
    "^triggerin scriptlet .* -- openvswitch" rpm -qp --triggers "$rpm"
