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

# ABI diff reports between consecutive header sets, per architecture (exit 3 = an ABI break: still written).
sets=($(grep -vE '^\s*(#|$)' "$here/sets.conf" | awk '{print $1}'))
for ((i = 1; i < ${#sets[@]}; i++)); do
  from=${sets[i-1]} to=${sets[i]}
  for arch in "${archs[@]}"; do
    mkdir -p "$out/diffs"
    status=0
    dotnet "$scanner" diff "$out/$from/$arch.json" "$out/$to/$arch.json" >"$out/diffs/$from..$to.$arch.md" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "scan.sh: diff $from..$to ($arch) failed" >&2; exit "$status"; }
  done
done
