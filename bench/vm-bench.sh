#!/usr/bin/env bash
# The guest half of bench/run.sh (runs inside tests/vm/run-in-vm): the C baselines, then the guest suites, one after
# the other in the same boot so every ratio compares numbers taken minutes apart on the same emulated machine.
#   bench/vm-bench.sh BIN APP SET [--dry]  BIN: the compiled bench/c programs; APP: Linux.Iommu.Bench.dll (run with
#                                          dotnet exec) or a self-contained Linux.Iommu.Bench executable (the aarch64
#                                          guest); SET: vm (a kernel with iommufd) or type1 (Debian's own kernels:
#                                          the type1 container only, C twin bench/c/type1.c alone)
#   --dry: each C case once (nothing written to the results) and the C# suites' dry mode, C twins loaded
# Plain POSIX sh plus pipefail: the aarch64 guest's root has busybox's sh, no bash.
set -eu
set -o pipefail
bin=$1 app=$2 set=$3 dry=${4:-}
out=${VM_OUT:?run me inside tests/vm/run-in-vm}
case "$set" in vm|type1) ;; *) echo "vm-bench: SET '$set': vm or type1" >&2; exit 2 ;; esac

# The first edu device the guest's init bound to vfio-pci (tests/vm/guest-init.sh lists them): its IOMMU group, and
# its cdev on a kernel with iommufd.
sys=$(head -n 1 /run/edu-devices 2>/dev/null || true)
[ -n "$sys" ] || { echo "vm-bench: no edu device in the guest" >&2; exit 1; }
group=$(basename "$(readlink "$sys/iommu_group")")
if [ "$set" = vm ]; then
  cdev=/dev/vfio/devices/$(ls "$sys/vfio-dev")
fi

uname -r >"$out/guest-kernel"
# x86 names its CPU model; arm64's /proc/cpuinfo has only implementer/part numbers
{ grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'; } >"$out/guest-cpu" ||
  echo "$(uname -m), CPU part $(grep -m1 'CPU part' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')" >"$out/guest-cpu"
echo "== C baselines (guest)"
if [ "$dry" = --dry ]; then
  c_out=/dev/null
  export BENCH_DRY=1
else
  c_out=$out/c-vm.tsv
fi
if [ "$set" = vm ]; then
  "$bin/iommufd" "$cdev" | tee "$c_out"
  "$bin/type1" "$group" | tee -a "$c_out"
else
  "$bin/type1" "$group" | tee "$c_out"
fi
unset BENCH_DRY
echo "== C# suites (guest)"
case "$app" in
  *.dll) BENCH_C_DIR=$bin dotnet exec "$app" "$set" --out "$out" $dry ;;
  *) BENCH_C_DIR=$bin "$app" "$set" --out "$out" $dry ;; # self-contained publish
esac
