#!/bin/sh
# Makes sure the Debian packages named as arguments are installed: as root
# it installs the missing ones with apt-get, otherwise it names them and
# fails.  Used by build-aux/bootstrap.sh for what "make" and "make check"
# need, and by "make deb", "make rpm" and "make check-packaging" for the
# packaging tools.
#
# usage: need-packages.sh PACKAGE...

set -e

missing=
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
test -z "$missing" && exit 0

if test "$(id -u)" = 0 && command -v apt-get > /dev/null; then
    echo "Installing missing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
else
    echo "Missing Debian packages:$missing" >&2
    echo "Run as root, or: apt-get install$missing" >&2
    exit 1
fi
