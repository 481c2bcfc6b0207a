#!/usr/bin/env bash
# tests/data/fleet/: the hosts the tier's boots recorded (Vm.Tests FleetRecordTests writes fleet-host.json per boot,
# MockPlanTests the selftest mock's record), one file per boot, named for it: the fleet `iommu place` and `iommu
# migrate` are documented and tested over. Never edited by hand: the tier fails when a boot records something else.
#
#   tests/vm/fleet.sh RESULTS --check DIR [--all]  exit 1 when a boot's record differs from DIR's (--all: also when a
#                                                  record of DIR was not made by this run, or a boot's record is not in DIR)
#   tests/vm/fleet.sh RESULTS --update DIR         copy every boot's record into DIR (stale ones removed)
set -euo pipefail
results=$1 mode=${2:-} dir=${3:-} all=${4:-}
[ -n "$dir" ] || { echo "usage: tests/vm/fleet.sh RESULTS --check|--update DIR [--all]" >&2; exit 2; }

# host_name BOOT: the record's name, saying kernel, architecture and host IOMMU (main-debian-6.12 ->
# debian-6.12-x86_64-vtd-legacy-48; our kernel is 7.3): what a fleet table's columns show.
host_name() {
  local kernel=7.3 boot=$1
  case "$boot" in main-*|aarch64-*) kernel=${boot#*-} boot=${boot%%-*} ;; esac
  case "$boot" in
    main) echo "$kernel-x86_64-vtd-legacy-48" ;;
    vtd-*) echo "$kernel-x86_64-$boot" ;;
    bridge) echo "$kernel-x86_64-vtd-legacy-48-bridge" ;;
    aarch64) echo "$kernel-aarch64-smmuv3" ;;
    *) echo "$kernel-$boot" ;;
  esac
}

# records: "NAME FILE" per record this run made.
records() {
  local file
  for file in "$results"/*/fleet-host.json; do
    [ -f "$file" ] || continue
    echo "$(host_name "$(basename "$(dirname "$file")")") $file"
  done
  [ -f "$results/main/hosts/selftest-mock.json" ] && echo "7.3-x86_64-selftest-mock $results/main/hosts/selftest-mock.json"
  return 0
}

case "$mode" in
  --update)
    mkdir -p "$dir"
    rm -f "$dir"/*.json
    records | while read -r name file; do cp "$file" "$dir/$name.json"; done
    echo "fleet: $(ls "$dir"/*.json | wc -l) records in $dir" ;;
  --check)
    problems=0 made=()
    while read -r name file; do
      made+=("$name")
      if [ ! -f "$dir/$name.json" ]; then
        [ "$all" = --all ] && { echo "fleet: boot $name recorded a host that $dir does not hold" >&2; problems=1; }
      elif ! diff -u "$dir/$name.json" "$file" >&2; then
        echo "fleet: boot $name recorded another host than $dir/$name.json (above)" >&2; problems=1
      fi
    done < <(records)
    if [ "$all" = --all ]; then
      for committed in "$dir"/*.json; do
        name=$(basename "$committed" .json)
        [[ " ${made[*]} " == *" $name "* ]] || { echo "fleet: $committed was recorded by no boot of this run" >&2; problems=1; }
      done
    fi
    [ "$problems" = 0 ] || echo "fleet: regenerate with tests/vm/fleet.sh $results --update $dir" >&2
    exit "$problems" ;;
  *) echo "fleet: unknown mode '$mode'" >&2; exit 2 ;;
esac
