#!/usr/bin/env bash
# Regenerate every ABI model from the pinned header sets (headers/sets.conf):
#   headers/scan.sh [OUTDIR]     (default: headers/models; tests pass a temp dir to compare)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$here/models}
archs=(x86_64 aarch64)

source "$root/tests/build-output.sh"
dotnet build "$root/generator/Scanner" -c Release -v quiet -nologo >&2
scanner=$(build_output "$root/generator/Scanner" Release)

default_headers=linux/iommufd.h,linux/vfio.h
sets=() families=()
while read -r set package version headers over; do
  include=$("$here/extract-set.sh" --set "$set")
  header_args=()
  IFS=, read -r -a listed <<<"${headers:-$default_headers}"
  for h in "${listed[@]}"; do header_args+=(--header "$h"); done
  for arch in "${archs[@]}"; do
    dotnet "$scanner" scan --include "$include" --arch "$arch" --set "$set" --package "$package" --version "$version" \
      "${header_args[@]}" --out "$out/$set/$arch.json"
  done
  sets+=("$set")
  # One family: the same package series (linux-source-7.3 and -7.4 are one) and the same headers ('?' aside).
  headers=${headers:-$default_headers}
  families+=("${package%-[0-9]*} ${headers//\?/}")
done < <(grep -vE '^\s*(#|$)' "$here/sets.conf")

# ABI diff reports between consecutive header sets of one family, per architecture (exit 3 = an ABI break: still written).
for ((i = 1; i < ${#sets[@]}; i++)); do
  for ((j = i - 1; j >= 0; j--)); do [ "${families[j]}" = "${families[i]}" ] && break; done
  [ "$j" -ge 0 ] || continue
  from=${sets[j]} to=${sets[i]}
  for arch in "${archs[@]}"; do
    mkdir -p "$out/diffs"
    status=0
    dotnet "$scanner" diff "$out/$from/$arch.json" "$out/$to/$arch.json" >"$out/diffs/$from..$to.$arch.md" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "scan.sh: diff $from..$to ($arch) failed" >&2; exit "$status"; }
  done
done
