#!/usr/bin/env bash
# The guest half of bench/run.sh (runs inside tests/vm/run-in-vm): the C baselines, then the guest suites, one after
# the other in the same boot so every ratio compares numbers taken minutes apart on the same emulated machine.
#   bench/vm-bench.sh BIN APP [--dry]    BIN: the compiled bench/c programs; APP: Linux.Iommu.Bench.dll (run with
#                                        dotnet exec) or a self-contained Linux.Iommu.Bench executable (the aarch64 guest)
# Plain POSIX sh plus pipefail: the aarch64 guest's root has busybox's sh, no bash.
set -eu
set -o pipefail
bin=$1 app=$2 dry=${3:-}
out=${VM_OUT:?run me inside tests/vm/run-in-vm}

# The first edu device the guest's init bound to vfio-pci (tests/vm/guest-init.sh lists them): its cdev and IOMMU group.
sys=$(head -n 1 /run/edu-devices 2>/dev/null || true)
[ -n "$sys" ] || { echo "vm-bench: no edu device in the guest" >&2; exit 1; }
cdev=/dev/vfio/devices/$(ls "$sys/vfio-dev")
group=$(basename "$(readlink "$sys/iommu_group")")

uname -r >"$out/guest-kernel"
# x86 names its CPU model; arm64's /proc/cpuinfo has only implementer/part numbers
{ grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'; } >"$out/guest-cpu" ||
  echo "$(uname -m), CPU part $(grep -m1 'CPU part' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')" >"$out/guest-cpu"
if [ "$dry" != --dry ]; then
  echo "== C baselines (guest)"
  "$bin/iommufd" "$cdev" | tee "$out/c-vm.tsv"
  "$bin/type1" "$group" | tee -a "$out/c-vm.tsv"
fi
echo "== C# suites (guest)"
case "$app" in
  *.dll) BENCH_C_DIR=$bin dotnet exec "$app" vm --out "$out" $dry ;;
  *) BENCH_C_DIR=$bin "$app" vm --out "$out" $dry ;; # self-contained publish
esac
