#!/usr/bin/env bash
# Fetches (once) QGIS's PyQt5-to-PyQt6 migration script, the qgis4 check's reference, and prints
# its path. The script (scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py, GPL-2.0-or-later) is never
# committed: it comes from Debian's QGIS source package (the upstream tarball, pinned below and
# sha256-checked) on the Debian mirror the machine's apt sources name, and only that file is
# kept, under target/qgis4-reference (override with VALIDATOR_QGIS4_REFERENCE_DIR). Safe to run
# concurrently: a lock serialises the fetch, a stamp makes later runs instant.
# With `--sip`, prints instead the folder holding QGIS's SIP API definitions of the same release
# (python/{core,gui,analysis,server,3d}/auto_generated and python/PyQt6/*/auto_generated, about
# 30 MB, kept from the same tarball), which infra/qgis4/qgis_api.py reads.
set -euo pipefail
want=script
[ "${1:-}" = "--sip" ] && want=sip
root=$(cd "$(dirname "$0")/.." && pwd)
version=3.40.6
tarball=qgis_${version}+dfsg.orig.tar.xz
sha256=957e20a3db941eab236eb7b784a8a7eee3ca40dadcbc6be89b9c8365c2b4973b
member=qgis-${version}/scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py
base=${VALIDATOR_QGIS4_REFERENCE_DIR:-$root/target/qgis4-reference}
dir="$base/qgis-$version"
mkdir -p "$base"
exec 9>"$base/fetch.lock"
flock 9
print_path() {
    if [ "$want" = sip ]; then echo "$dir/qgis-$version"; else echo "$dir/pyqt5_to_pyqt6.py"; fi
}
# .stamp-2: the cache holds the SIP trees too (a cache of the script alone is fetched again).
if [ -f "$dir/.stamp-2" ]; then
    print_path
    exit 0
fi
# The Debian mirror of the machine's apt configuration (deb822 `URIs:` or one-line `deb URI`),
# else VALIDATOR_DEBIAN_MIRROR.
mirror=${VALIDATOR_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
        | grep -v -- '-security' | grep -E '/debian/?$' | head -n1 || true)
fi
[ -n "$mirror" ] || { echo "no Debian mirror in the apt sources; set VALIDATOR_DEBIAN_MIRROR" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed to fetch the QGIS sources" >&2; exit 2; }
echo "fetching $tarball (once)" >&2
rm -rf "$dir"
mkdir -p "$dir"
curl -fsSL --retry 3 -o "$dir/$tarball" "${mirror%/}/pool/main/q/qgis/$tarball"
echo "$sha256  $dir/$tarball" | sha256sum --check --quiet
# (GNU tar's `*` matches `/` too: this takes python/PyQt6/*/auto_generated as well.)
tar -xJf "$dir/$tarball" -C "$dir" --wildcards "$member" \
    "qgis-$version/python/*/auto_generated/*.sip.in"
mv "$dir/$member" "$dir/pyqt5_to_pyqt6.py"
rm -rf "$dir/$tarball" "$dir/qgis-$version/scripts"
sha256sum "$dir/pyqt5_to_pyqt6.py" | cut -d' ' -f1 >"$dir/pyqt5_to_pyqt6.py.sha256"
touch "$dir/.stamp-2"
print_path
