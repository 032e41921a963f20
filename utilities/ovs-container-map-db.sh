#!/bin/sh
# ovs-container-map-db: creates, converts and serves the Container_Map
# database (see ovs-container-map(5)).
#
#   ovs-container-map-db setup   creates DB from SCHEMA if it does not
#                                exist, converts it if the schema is newer
#   ovs-container-map-db serve   has the running ovsdb-server serve DB (if
#                                it does not already); nothing if none runs
#
# DB and SCHEMA default to /var/lib/openvswitch/container-map.db and
# /usr/share/ovs-container-map/container-map.ovsschema; the environment
# variables CONTAINER_MAP_DB and CONTAINER_MAP_SCHEMA override them.  Run by
# the packages' maintainer scripts and by the ovsdb-server service's
# drop-in (ExecStartPost).

set -e

db=${CONTAINER_MAP_DB:-/var/lib/openvswitch/container-map.db}
schema=${CONTAINER_MAP_SCHEMA:-/usr/share/ovs-container-map/container-map.ovsschema}

case ${1:-} in
    setup)
        mkdir -p "$(dirname "$db")"
        if [ ! -e "$db" ]; then
            ovsdb-tool create "$db" "$schema"
        elif [ "$(ovsdb-tool needs-conversion "$db" "$schema")" = yes ]; then
            cp -p "$db" "$db.backup-$(ovsdb-tool db-version "$db")"
            ovsdb-tool convert "$db" "$schema"
        fi
        ;;
    serve)
        if ovs-appctl -t ovsdb-server version >/dev/null 2>&1; then
            if ! ovs-appctl -t ovsdb-server ovsdb-server/list-dbs \
                    | grep -qx Container_Map; then
                ovs-appctl -t ovsdb-server ovsdb-server/add-db "$db"
            fi
        fi
        ;;
    *)
        echo "usage: $0 setup|serve" >&2
        exit 1
        ;;
esac
