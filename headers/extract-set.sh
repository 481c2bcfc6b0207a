#!/usr/bin/env bash
# Fetch (verified) and unpack one pinned header package into the per-user cache; print its usr/include.
#   headers/extract-set.sh PACKAGE VERSION
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
package=${1:?usage: extract-set.sh PACKAGE VERSION}
version=${2:?usage: extract-set.sh PACKAGE VERSION}
deb=$("$here/fetch-package.sh" "$package" "$version")
cache=${IOMMU_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-interop}
key=$(sha256sum "$deb" | cut -c1-16)
dest="$cache/headers/$package-$version-$key"
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest" && mkdir -p "$dest"
  dpkg-deb -x "$deb" "$dest"
  touch "$dest/.complete"
fi
echo "$dest/usr/include"
