# The Debian package: build and contents (sourced by test-packaging.sh).

phase "Debian package: make deb"
if [ "$REUSE_PACKAGES" = yes ] && ls "$PACKAGES_DIR"/*.deb > /dev/null 2>&1
then
    echo "    (REUSE_PACKAGES=yes: not rebuilt)"
else
    check "make deb builds the package (dpkg-buildpackage -b in _build/deb)" \
        $MAKE -C "$top_builddir" deb
    require
fi

deb=$(ls "$PACKAGES_DIR"/ovs-container-map_*.deb)
version=$(dpkg-deb -f "$deb" Version)
ovs_version=$(dpkg-query -W -f='${Version}' openvswitch-source)
echo "    $deb"

# Extended regular expression that matches the string $1.
re()
{
    printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}

check_out "Depends: openvswitch-switch (= $ovs_version) (openvswitch-source's)" \
    "(^|, )openvswitch-switch \($(re "= $ovs_version")\)" \
    dpkg-deb -f "$deb" Depends
check_out "Depends: openvswitch-common (= $ovs_version)" \
    "(^|, )openvswitch-common \($(re "= $ovs_version")\)" \
    dpkg-deb -f "$deb" Depends
check_out "Depends: DPDK libraries (librte-*)" "librte-eal" \
    dpkg-deb -f "$deb" Depends

dpkg-deb -c "$deb" | awk '$1 ~ /^-/ { sub("^\\./", "/", $6); print $6 }' \
    | sort > "$work/deb.files"
for f in /usr/lib/ovs-container-map/ovs-vswitchd \
         /usr/lib/ovs-container-map/ovs-ofctl \
         /usr/share/man/man8/ovs-container-map.8.gz \
         /usr/share/bash-completion/completions/ovs-appctl; do
    check_out "the .deb ships $f" "^$(re "$f")\$" cat "$work/deb.files"
done

dpkg-deb -e "$deb" "$work/deb-control"
check_out "preinst diverts the stock /usr/bin/ovs-ofctl" \
    "dpkg-divert .*--add" cat "$work/deb-control/preinst"
check_out "postinst registers /usr/sbin/ovs-vswitchd with update-alternatives" \
    "update-alternatives --install /usr/sbin/ovs-vswitchd ovs-vswitchd" \
    cat "$work/deb-control/postinst"
check_out "postinst registers /usr/bin/ovs-ofctl with update-alternatives" \
    "update-alternatives --install /usr/bin/ovs-ofctl ovs-ofctl" \
    cat "$work/deb-control/postinst"
check_out "prerm removes the alternatives" \
    "update-alternatives --remove ovs-vswitchd" cat "$work/deb-control/prerm"
check_out "postrm removes the diversion" \
    "dpkg-divert .*--remove" cat "$work/deb-control/postrm"

check "lintian: no error or warning" \
    lintian --fail-on error,warning "$deb"
