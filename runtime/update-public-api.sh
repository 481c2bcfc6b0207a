#!/usr/bin/env bash
# Brings PublicAPI.Unshipped.txt of the runtime and the planner in line with their public surface, the generated
# bindings included (dotnet format's RS0016 fix skips generated code): each symbol RS0016 reports is added, each line
# RS0017 reports is removed (a line already shipped is marked *REMOVED*). The diff it leaves is the API change to
# review. Usage: runtime/update-public-api.sh [project.csproj ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(runtime/Linux.Iommu/Linux.Iommu.csproj runtime/Linux.Iommu.Planner/Linux.Iommu.Planner.csproj)

for project in "${projects[@]}"; do
    dir=$(dirname "$project")
    unshipped="$dir/PublicAPI.Unshipped.txt"
    shipped="$dir/PublicAPI.Shipped.txt"
    [ -f "$unshipped" ] && [ -f "$shipped" ] || { echo "update-public-api: $dir has no PublicAPI.Shipped.txt/Unshipped.txt" >&2; exit 1; }
    log=$(mktemp)
    dotnet build "$project" -nologo -v q -clp:NoSummary >"$log" 2>&1 || true
    added=$(sed -n "s/.*error RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" "$log" | sort -u)
    removed=$(sed -n "s/.*error RS0017: Symbol '\(.*\)' is part of the declared API, but is either not public or could not be found.*/\1/p" "$log" | sort -u)
    other=$(grep -E ": error " "$log" | grep -vE "error RS001[67]:" | sort -u || true)
    rm -f "$log"
    if [ -n "$other" ]; then
        echo "update-public-api: $project has other build errors; fix them first:" >&2
        echo "$other" | head -20 >&2
        exit 1
    fi
    body=$(grep -v '^#nullable enable$' "$unshipped" || true)
    [ -z "$added" ] || body=$(printf '%s\n%s\n' "$body" "$added")
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        if grep -qxF -- "$line" "$shipped"; then
            body=$(printf '%s\n*REMOVED*%s\n' "$body" "$line")
        else
            body=$(printf '%s\n' "$body" | grep -vxF -- "$line" || true)
        fi
    done <<< "$removed"
    { echo '#nullable enable'; printf '%s\n' "$body" | grep -v '^$' | LC_ALL=C sort -u; } > "$unshipped"
    echo "update-public-api: $dir: $(printf '%s' "$added" | grep -c . || true) added, $(printf '%s' "$removed" | grep -c . || true) removed"
done
