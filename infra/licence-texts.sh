#!/usr/bin/env bash
# Fetches (once) the SPDX licence texts the licence check's tests match against, and prints the
# folder of their JSON files (one per SPDX id, `licenseText` holds the text). They come from the
# npm package spdx-license-list (pinned below, sha256-checked), fetched with npm itself and
# unpacked under target/licence-texts (override with VALIDATOR_LICENCE_TEXTS_DIR); never
# committed. Safe to run concurrently: a lock serialises the fetch, a stamp makes later runs
# instant.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
package=spdx-license-list
version=6.12.0
sha256=54cc8d13086187333ca1457c8edaa06d9a412144f076aa7f7c1b59c4f3b0a1ef
base=${VALIDATOR_LICENCE_TEXTS_DIR:-$root/target/licence-texts}
dir="$base/$package-$version"
mkdir -p "$base"
exec 9>"$base/$package.lock"
flock 9
if [ -f "$dir/.stamp" ]; then
    echo "$dir/package/licenses"
    exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to fetch $package" >&2; exit 2; }
echo "fetching $package@$version (once)" >&2
rm -rf "$dir"
mkdir -p "$dir"
(cd "$dir" && npm pack --silent "$package@$version" >/dev/null)
tarball="$dir/$package-$version.tgz"
echo "$sha256  $tarball" | sha256sum --check --quiet
tar -xzf "$tarball" -C "$dir"
rm "$tarball"
touch "$dir/.stamp"
echo "$dir/package/licenses"
