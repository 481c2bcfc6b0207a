#!/usr/bin/env bash
# Download one pinned Debian package (headers/packages.lock) into the per-user
# cache and print the path of the verified .deb on stdout.
#
#   headers/fetch-package.sh NAME [VERSION [ARCH]]
#
# ARCH picks among pins of one version for several Debian architectures (bookworm's linux-libc-dev is
# per architecture: amd64 and arm64 each carry only their own asm headers); default: the first pin.
# Uses a private apt configuration under the cache, so the system's sources
# and lists are never touched. Exit codes: 0 ok, 2 not pinned, 3 pinned version
# no longer served (the newest served version of the series is named),
# 4 sha256 mismatch (the file is deleted, never used).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/cache.sh"
progress_prefix=fetch-package
source "$here/../tests/vm/progress.sh"
lock=${IOMMU_INTEROP_LOCK:-$here/packages.lock}
name=${1:?usage: fetch-package.sh NAME [VERSION [ARCH]]}
want_version=${2:-}
want_arch=${3:-}

debs="$iommu_cache/debs"
mkdir -p "$debs"

line=$(awk -v n="$name" -v v="$want_version" -v a="$want_arch" '!/^#/ && $1==n && (v=="" || $2==v) && (a=="" || $3==a) {print; exit}' "$lock")
if [ -z "$line" ]; then
  echo "fetch-package: $name${want_version:+=$want_version}${want_arch:+ ($want_arch)} is not pinned in $lock" >&2
  exit 2
fi
read -r _ version arch sha256 suite <<<"$line"
file="$debs/${name}_${version//:/%3a}_${arch}.deb"

verify() { [ -f "$file" ] && echo "$sha256  $file" | sha256sum --check --status; }

if verify; then echo "$file"; exit 0; fi
if [ -f "$file" ]; then
  echo "fetch-package: cached $file does not match the pinned sha256; downloading again" >&2
  rm -f "$file"
fi

case "$suite" in
  *-security) base=http://deb.debian.org/debian-security ;;
  *)          base=http://deb.debian.org/debian ;;
esac
# One private apt state per suite and architecture (arm64 lists must not hide amd64 ones); it is
# ours alone, so no lock and no root.
if [ "$arch" = all ]; then private_apt "$suite" "" "deb $base $suite main"
else private_apt "$suite-$arch" "$arch" "deb $base $suite main"; fi
apt_opts+=(-o Debug::NoLocking=1)
log="$debs/${file##*/}.log"
: >"$log"

# Refresh the private lists at most once an hour.
if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Packages*' -mmin -60 2>/dev/null | head -1)" ]; then
  step_run "apt-get update of the $suite lists" "$log" apt_status -- apt-get "${apt_opts[@]}" -o APT::Status-Fd=1 -qq update ||
    { echo "fetch-package: apt-get update for $suite failed (network?)" >&2; exit 1; }
fi

served=$(apt-cache "${apt_opts[@]}" madison "$name" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')
if ! grep -qxF -- "$version" <<<"$served"; then
  series=${version%%.*}
  newest=$(grep -E "^${series}\." <<<"$served" | sort -V | tail -1 || true)
  echo "fetch-package: $name $version (pinned in $lock) is no longer served by $suite." >&2
  if [ -n "$newest" ]; then
    echo "  newest served version of the same series: $newest" >&2
    echo "  update the pin: name, version and the sha256 from 'apt-cache show $name=$newest'" >&2
  else
    echo "  served versions: $(echo $served)" >&2
  fi
  exit 3
fi

size=$(apt-cache "${apt_opts[@]}" show "$name=$version" | awk '/^Size:/ {printf($2 < 1e6 ? "%.0f kB" : "%.0f MB", $2 < 1e6 ? $2 / 1e3 : $2 / 1e6); exit}')
start=$SECONDS
tmp=$(mktemp -d "$debs/.dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" # apt-get download writes to the current directory
step_run "downloading $name $version ($size)" "$log" apt_status -- \
  apt-get "${apt_opts[@]}" -o APT::Status-Fd=1 -qq download "$name=$version" ||
  { echo "fetch-package: could not download $name $version from $suite (network?)" >&2; exit 1; }
mv "$tmp"/*.deb "$file"
if ! verify; then
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  rm -f "$file"
  echo "fetch-package: sha256 mismatch for $name $version: pinned $sha256, downloaded $actual. Refusing it." >&2
  exit 4
fi
echo "fetch-package: $name $version ($size, sha256 verified) downloaded in $(duration $((SECONDS - start))): $file" >&2
echo "$file"
