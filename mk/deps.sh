#!/bin/sh
# deps.sh PACKAGE...: installs those of the Debian packages that are missing.
# Silent when none is. As root it runs apt-get; otherwise it prints the command and fails,
# so that a build never stops half-way to ask for a password.
set -eu

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; install the equivalents of: $*" >&2
    exit 0
fi

installed=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null |
              awk '$1 == "ii" { printf "%s ", $2 }')"
missing=
for p in "$@"; do
    case "$installed" in
    *" $p "*) ;;
    *) missing="$missing $p" ;;
    esac
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run as root (e.g. with sudo):" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing$missing"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
