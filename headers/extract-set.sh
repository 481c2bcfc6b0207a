#!/usr/bin/env bash
# Fetch (verified) and unpack one pinned header set into the per-user cache; print its include dir.
#   headers/extract-set.sh PACKAGE VERSION   a linux-libc-dev package: its usr/include
#   headers/extract-set.sh --set NAME        a set of headers/sets.conf, by name
# A set taken from a kernel source package (sets.conf names the set it lies over, e.g. iommufd_test.h
# over linux-7.3) becomes an overlay: its headers, extracted alone from the source tarball, beside links
# to every entry of the base set's include dir, so `#include <linux/iommufd.h>` finds the uAPI header.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/cache.sh"
usage="usage: extract-set.sh PACKAGE VERSION | extract-set.sh --set NAME"

unpack_package() { # PACKAGE VERSION -> its usr/include
  # One pin per Debian architecture where the package is per architecture (bookworm's linux-libc-dev: each
  # carries the same linux/*.h and only its own <triple>/asm), unpacked together into one include dir.
  local archs arch debs=() deb key dest
  archs=$(awk -v n="$1" -v v="$2" '!/^#/ && $1==n && $2==v {print $3}' "${IOMMU_INTEROP_LOCK:-$here/packages.lock}")
  [ -n "$archs" ] || archs=any # not pinned: fetch-package names the problem
  for arch in $archs; do
    [ "$arch" = any ] && arch=
    debs+=("$("$here/fetch-package.sh" "$1" "$2" $arch)")
  done
  key=$(sha256sum "${debs[@]}" | cut -c1-64)
  [ "${#debs[@]}" -eq 1 ] || key=$(sha256sum <<<"$key")
  key=${key:0:16}
  dest="$iommu_cache/headers/$1-$2-$key"
  if [ ! -f "$dest/.complete" ]; then
    rm -rf "$dest" && mkdir -p "$dest"
    for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$dest"; done
    touch "$dest/.complete"
  fi
  echo "$dest/usr/include"
}

overlay() { # SET PACKAGE VERSION HEADERS(comma-separated) BASE-SET -> the overlay include dir
  local set=$1 package=$2 version=$3 base members deb key dest tmp entry
  base=$("$0" --set "$5")
  IFS=, read -r -a members <<<"$4"
  deb=$("$here/fetch-package.sh" "$package" "$version")
  key=$({ sha256sum "$deb" | cut -c1-64; echo "$base ${members[*]}"; } | sha256sum | cut -c1-16)
  dest="$iommu_cache/headers/$set-$package-$version-$key"
  if [ ! -f "$dest/.complete" ]; then
    rm -rf "$dest" && mkdir -p "$dest"
    tmp=$(mktemp -d "$dest/.x.XXXXXX")
    # Debian's linux-source-X.Y .deb holds usr/src/linux-source-X.Y.tar.xz, whose top directory is the package name.
    dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$package.tar.xz" |
      tar -xJ -C "$tmp" --strip-components=1 "${members[@]/#/$package/}" ||
      { rm -rf "$dest"; echo "extract-set: $set: ${members[*]} not all found in $package $version" >&2; exit 1; }
    mkdir -p "$dest/include"
    for entry in "$base"/*; do ln -s "$entry" "$dest/include/${entry##*/}"; done
    (cd "$tmp" && cp -r --parents "${members[@]}" "$dest/include/")
    rm -rf "$tmp"
    touch "$dest/.complete"
  fi
  echo "$dest/include"
}

if [ "${1:-}" = --set ]; then
  name=${2:?$usage}
  line=$(awk -v s="$name" '!/^[[:space:]]*#/ && $1 == s { print; exit }' "$here/sets.conf")
  [ -n "$line" ] || { echo "extract-set: no set '$name' in $here/sets.conf" >&2; exit 2; }
  read -r _ package version headers over <<<"$line"
  if [ -n "${over:-}" ]; then
    overlay "$name" "$package" "$version" "$headers" "$over"
  else
    unpack_package "$package" "$version"
  fi
else
  unpack_package "${1:?$usage}" "${2:?$usage}"
fi
