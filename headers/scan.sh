#!/usr/bin/env bash
# Regenerate every ABI model from the pinned header sets (headers/sets.conf):
#   headers/scan.sh [OUTDIR]     (default: headers/models; tests pass a temp dir to compare)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$here/models}
archs=(x86_64 aarch64)

dotnet build "$root/generator/Scanner" -c Release -v quiet -nologo >&2
scanner="$root/generator/Scanner/bin/Release/net10.0/iommu-scan.dll"

grep -vE '^\s*(#|$)' "$here/sets.conf" | while read -r set package version; do
  include=$("$here/extract-set.sh" "$package" "$version")
  for arch in "${archs[@]}"; do
    dotnet "$scanner" scan --include "$include" --arch "$arch" --set "$set" --package "$package" --version "$version" \
      --out "$out/$set/$arch.json"
  done
done
