#!/usr/bin/env bash
# Builds the four packages into artifacts/packages/ (version: Directory.Build.props):
#   Linux.Iommu.Interop.Generator, Linux.Iommu, Linux.Iommu.Planner (each .nupkg + .snupkg) and the `iommu` tool.
# Release, deterministic (ContinuousIntegrationBuild: source paths mapped to /_/), package validation on.
# Built in a tree of its own (artifacts/pack/: bin/ and obj/ per project), never from the objects another build left in
# the projects' bin/ and obj/: a Release build without ContinuousIntegrationBuild (demo.sh's) compiles the same sources
# with this machine's paths, and at the same commit MSBuild would take its assemblies as up to date.
# A pack whose inputs (the commit, which the packages name, and every tracked or new file under the packed projects,
# the models, the example specs the tool carries and the build files) are unchanged is reused; --force packs anyway.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
out="$root/artifacts/packages"
build="$root/artifacts/pack"
projects=(generator/Generator runtime/Linux.Iommu runtime/Linux.Iommu.Planner runtime/Linux.Iommu.Cli)
inputs=(pack.sh Directory.Build.props Directory.Packages.props generator runtime headers/models examples/specs)

key=$({ git rev-parse HEAD; git ls-files --cached --others --exclude-standard -z -- "${inputs[@]}" | sort -z \
    | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1)
if [[ "${1:-}" != --force && -f "$out/.inputs" && "$(cat "$out/.inputs")" == "$key" ]]; then
    echo "pack: artifacts/packages is up to date with its inputs ($key)"
    exit 0
fi

rm -rf "$out"
mkdir -p "$out"
for project in "${projects[@]}"; do
    echo "pack: $project"
    dotnet pack "$project" -c Release -o "$out" --artifacts-path "$build" -nologo -v quiet -p:ContinuousIntegrationBuild=true
done
echo "$key" > "$out/.inputs"
ls "$out"
