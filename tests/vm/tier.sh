#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  cat <<'EOF'
The VM tier of tests/run.sh: Vm.Tests against our own kernel in QEMU, one guest boot per boot list,
then run-in-vm's own selftest. Ends with one line `vm-tier: N passed, N failed`.

  tests/vm/tier.sh [--boot NAME]... [XUNIT-ARGS...]

Every test class names the boots it runs in with [Trait("Boot", NAME)]; a class with no Boot
trait, or an unknown one, fails the tier (it would otherwise run nowhere, or in the wrong guest).
  main      x86_64, VT-d legacy, 48 bits: all of the x86 guest's tests
  vtd-mode  four more x86 boots: VT-d scalable/48, scalable-flts/48, scalable-flts/48 with
            fs1gp=off, legacy/39
  bridge    x86_64 with two edu devices behind one PCIe-to-PCI bridge (one IOMMU group)
  aarch64   the aarch64 guest (SMMUv3); Vm.Tests published self-contained for linux-arm64
  nvme      x86_64 with QEMU's NVMe controller over a 64 MiB image (run-in-vm --nvme 64M): the driver kit's
            NVMe sample and the guest kernel's own nvme driver
  main-6.12 the main boot's tests (trait Boot=main) in the 6.12 guest (run-in-vm --kernel 6.12)
  main-6.1  the same in the 6.1 guest: no iommufd, the legacy VFIO container only
The summary gives the counts per guest kernel (7.3, 6.12, 6.1) before the total line.

XUNIT-ARGS (e.g. -class NAME, -method NAME) go to the in-process xunit runner of every chosen
boot. Without arguments: every boot and the selftest. With XUNIT-ARGS or --boot: only the chosen
boots (default main), no selftest. Each boot's xunit XML result file (written by the guest to
$VM_OUT) is kept in TestResults/vm-tier/BOOT/ and the counts come from those files.

IOMMU_INTEROP_SKIP_VM=1 skips the tier loudly; it is refused when CI=true.
EOF
}

all_boots=(main vtd-mode bridge aarch64 nvme main-6.12 main-6.1)
# The boots of another guest kernel run the classes of the boot before the dash: no trait of their own.
trait_boots=(main vtd-mode bridge aarch64 nvme)
boots=() xunit_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --boot)
      [ $# -ge 2 ] && [[ " ${all_boots[*]} " == *" $2 "* ]] ||
        { echo "tier: --boot wants one of: ${all_boots[*]}" >&2; exit 2; }
      boots+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) xunit_args+=("$1"); shift ;;
  esac
done
narrowed=0
[ ${#boots[@]} -eq 0 ] && [ ${#xunit_args[@]} -eq 0 ] || narrowed=1
[ ${#boots[@]} -gt 0 ] || { [ "$narrowed" = 1 ] && boots=(main) || boots=("${all_boots[@]}"); }

if [ "${IOMMU_INTEROP_SKIP_VM:-0}" = 1 ]; then
  if [ "${CI:-}" = true ]; then
    echo "VM tier: IOMMU_INTEROP_SKIP_VM=1 is refused in CI: the real-kernel tests must run" >&2; exit 1
  fi
  echo "VM tier: SKIPPED on request (IOMMU_INTEROP_SKIP_VM=1): no real-kernel test ran" >&2; exit 0
fi

source tests/build-output.sh
arm64_out=tests/Vm.Tests/bin/linux-arm64
results=$PWD/TestResults/vm-tier
dotnet build tests/Vm.Tests/Vm.Tests.csproj --nologo -v quiet
dll=$(build_output tests/Vm.Tests/Vm.Tests.csproj Debug)
rm -rf "$results"; mkdir -p "$results"

# Every part runs even when one fails, so one failure never hides another.
passed=0 failed=0 problems=()
fail() { problems+=("$1"); failed=$((failed + ${2:-1})); }

# Classes outside every boot list: listed on the host (discovery only, no test runs).
in_no_boot=()
for boot in "${trait_boots[@]}"; do in_no_boot+=(-trait- "Boot=$boot"); done
if ! listing=$(dotnet exec "$dll" -noColor -list classes "${in_no_boot[@]}"); then
  fail "listing the test classes of $dll failed: $listing"
elif unassigned=$(grep '^Vm\.Tests\.' <<<"$listing"); then
  fail "test classes in no boot list (give each [Trait(\"Boot\", \"$(IFS='|'; echo "${trait_boots[*]}")\")]): $(tr '\n' ' ' <<<"$unassigned")" \
    "$(wc -l <<<"$unassigned")"
fi

# Counts per guest kernel (the selftest's go to 7.3, the kernel it boots).
declare -A kernel_passed=() kernel_failed=()
tally() { kernel_passed[$1]=$((${kernel_passed[$1]:-0} + $2)); kernel_failed[$1]=$((${kernel_failed[$1]:-0} + $3)); }

# count BOOT NAME FILE: add one boot's xunit XML result file to the totals. A skipped or not-run
# test counts as failed: the tier never skips.
count() {
  local boot=$1 name=$2 file=$3 kernel counts n_passed n_failed n_errors n_skipped n_not_run n_total
  kernel=$(boot_kernel "$boot")
  counts=$(python3 tests/xml-attributes.py "$file" assembly passed failed errors skipped not-run total) ||
    { fail "$name: no readable xunit result file $file"; tally "$kernel" 0 1; return; }
  read -r n_passed n_failed n_errors n_skipped n_not_run n_total <<<"$counts"
  passed=$((passed + n_passed))
  failed=$((failed + n_failed + n_errors))
  tally "$kernel" "$n_passed" $((n_failed + n_errors + n_skipped + n_not_run))
  [ "$n_skipped" = 0 ] && [ "$n_not_run" = 0 ] || fail "$name: $n_skipped skipped, $n_not_run not run" $((n_skipped + n_not_run))
  [ "$n_total" -gt 0 ] || {
    fail "$name: ran no test${xunit_args[*]:+ (no test of boot $boot matches ${xunit_args[*]}: choose the boot with --boot)}"
    tally "$kernel" 0 1; }
}

# boot_kernel BOOT: the guest kernel a boot runs (main-6.12 -> 6.12; the boots without a dash: 7.3).
boot_kernel() { [[ $1 == *-[0-9]* ]] && echo "${1##*-}" || echo 7.3; }

# run_boot BOOT ID NAME RUN-IN-VM-ARGS... -- RUNNER...: one guest boot of Vm.Tests; the runner writes
# its XML result file to the guest's $VM_OUT, which run-in-vm copies to $results/ID.
run_boot() {
  local boot=$1 id=$2 name=$3 opts=() start=$SECONDS rc=0; shift 3
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  tests/vm/run-in-vm --timeout 900 --edu 2 --kernel "$(boot_kernel "$boot")" "${opts[@]}" --out "$results/$id" -- \
    sh -c 'exec "$@" -xml "$VM_OUT/vm-tests.xml"' sh "$@" "${xunit_args[@]}" || rc=$?
  echo "VM tier: Vm.Tests $name: boot to poweroff in $((SECONDS - start)) s, exit $rc"
  [ "$rc" = 0 ] || problems+=("$name (exit $rc)")
  count "$boot" "$name" "$results/$id/vm-tests.xml"
}

for boot in "${boots[@]}"; do
  # -longRunning: a test still running after 120 s is named on the console, so a boot killed at its timeout says which
  x86=(dotnet exec "$dll" -noColor -longRunning 120 -trait "Boot=${boot%-[0-9]*}")
  case "$boot" in
    main) run_boot main main "VT-d legacy, 48 bits" --vtd legacy --aw-bits 48 -- "${x86[@]}" ;;
    vtd-mode)
      for mode in "scalable 48 on" "scalable-flts 48 on" "scalable-flts 48 off" "legacy 39 on"; do
        read -r vtd aw fs1gp <<<"$mode"
        run_boot vtd-mode "vtd-$vtd-$aw-fs1gp-$fs1gp" "VT-d $vtd, $aw bits, fs1gp=$fs1gp" \
          --vtd "$vtd" --aw-bits "$aw" --fs1gp "$fs1gp" -- "${x86[@]}"
      done ;;
    nvme) run_boot nvme nvme "NVMe controller" --nvme 64M -- "${x86[@]}" ;;
    bridge) run_boot bridge bridge "two edu behind a PCIe-to-PCI bridge" --edu 0 --bridged-edu 2 -- "${x86[@]}" ;;
    aarch64)
      if dotnet publish tests/Vm.Tests/Vm.Tests.csproj -r linux-arm64 --self-contained -p:InvariantGlobalization=true \
           -o "$arm64_out" --nologo -v quiet; then
        run_boot aarch64 aarch64 "aarch64 SMMUv3" --arch aarch64 -- "$arm64_out/Vm.Tests" -noColor -longRunning 120 -trait Boot=aarch64
      else
        fail "dotnet publish of Vm.Tests for linux-arm64"
      fi ;;
    main-6.12|main-6.1)
      run_boot "$boot" "$boot" "VT-d legacy, 48 bits, guest kernel $(boot_kernel "$boot")" --vtd legacy --aw-bits 48 -- "${x86[@]}" ;;
  esac
done

if [ "$narrowed" = 0 ]; then
  # docs/kernels.md's feature × kernel table must be what the main boots of the three kernels probed just now.
  bash tests/vm/feature-table.sh "$results" --check docs/kernels.md ||
    problems+=("docs/kernels.md's feature × kernel table (tests/vm/feature-table.sh)")
  bash tests/vm/selftest.sh "$results/selftest.counts" || problems+=("run-in-vm selftest")
  if [ -f "$results/selftest.counts" ] && read -r spassed sfailed <"$results/selftest.counts"; then
    passed=$((passed + spassed)) failed=$((failed + sfailed))
    tally 7.3 "$spassed" "$sfailed"
  else
    fail "run-in-vm selftest wrote no counts"
  fi
fi

[ ${#problems[@]} -eq 0 ] || printf 'VM tier FAILED: %s\n' "${problems[@]}" >&2
[ "$failed" -eq 0 ] || echo "VM tier: xunit result files in $results/" >&2
for kernel in 7.3 6.12 6.1; do
  [ -z "${kernel_passed[$kernel]+x}" ] || echo "vm-tier kernel $kernel: ${kernel_passed[$kernel]} passed, ${kernel_failed[$kernel]} failed"
done
echo "vm-tier: $passed passed, $failed failed"
[ ${#problems[@]} -eq 0 ] && [ "$failed" -eq 0 ]
