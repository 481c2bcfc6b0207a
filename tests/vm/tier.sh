#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  cat <<'EOF'
The VM tier of tests/run.sh: Vm.Tests against real kernels in QEMU (ours, built with iommufd, and
Debian's own images as shipped), one guest boot per boot list, then run-in-vm's own selftest. Ends
with one line `vm-tier: N passed, N failed, N not applicable`.

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
  main-K    the main boot's tests (trait Boot=main) in another x86_64 guest kernel K (run-in-vm --kernel K):
            6.12-iommufd (Debian 13's source built with iommufd), debian-6.1, debian-6.12, debian-7.3
            (Debian's own images: no iommufd, the VFIO type1 container)
  bench     not a boot of its own: the guest benchmark suites' dry runs, in the boots whose kernels the
            benchmarks measure (main and main-debian-7.3), not in the other main-K boots
  aarch64-K the aarch64 boot's tests in Debian's own arm64 image K: debian-6.12, debian-7.3
  nvme-K    the nvme boot's tests in Debian's own x86_64 image K: debian-7.3 (the sample through the type1
            container, beside that image's own nvme module)
A test that needs what its kernel does not offer (tests/vm/kernel-offers.conf) is "not applicable",
counted apart and never as passed; any other skip fails. The summary gives passed / failed / not
applicable per guest kernel and architecture before the total line.

XUNIT-ARGS (e.g. -class NAME, -method NAME) go to the in-process xunit runner of every chosen
boot. Without arguments: every boot and the selftest. With XUNIT-ARGS or --boot: only the chosen
boots (default main), no selftest. Each boot's xunit XML result file (written by the guest to
$VM_OUT) is kept in TestResults/vm-tier/BOOT/ and the counts come from those files.

IOMMU_INTEROP_SKIP_VM=1 skips the tier loudly; it is refused when CI=true.
EOF
}

# Longest first (boot to poweroff measured one at a time: 60–180 s for the main-K and nvme boots, 25–45 s for the
# others), so that two boots side by side end together.
all_boots=(main main-6.12-iommufd main-debian-6.1 main-debian-6.12 main-debian-7.3 nvme nvme-debian-7.3 aarch64 vtd-mode
           aarch64-debian-6.12 aarch64-debian-7.3 bridge)
# The boots of another guest kernel run the classes of the boot before the first dash: no trait of their own.
trait_boots=(main vtd-mode bridge aarch64 nvme bench)
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

# Counts per guest kernel and architecture (the selftest's go to 7.3 on x86_64, the kernel it boots).
declare -A kernel_passed=() kernel_failed=() kernel_na=()
kernels=()
tally() {
  [ -n "${kernel_passed[$1]+x}" ] || kernels+=("$1")
  kernel_passed[$1]=$((${kernel_passed[$1]:-0} + $2)); kernel_failed[$1]=$((${kernel_failed[$1]:-0} + $3))
  kernel_na[$1]=$((${kernel_na[$1]:-0} + ${4:-0}))
}
not_applicable=0

# count BOOT NAME FILE: add one boot's xunit XML result file to the totals. A not-applicable test (its kernel lacks
# what it needs) is counted apart; any other skipped or not-run test counts as failed.
count() {
  local boot=$1 name=$2 file=$3 kernel counts n_passed n_failed n_na n_other n_total
  kernel="$(boot_kernel "$boot") ($(boot_arch "$boot"))"
  counts=$(python3 tests/vm/xunit-counts.py "$file") ||
    { fail "$name: no readable xunit result file $file"; tally "$kernel" 0 1; return; }
  read -r n_passed n_failed n_na n_other n_total <<<"$counts"
  passed=$((passed + n_passed))
  failed=$((failed + n_failed))
  not_applicable=$((not_applicable + n_na))
  tally "$kernel" "$n_passed" $((n_failed + n_other)) "$n_na"
  [ "$n_other" = 0 ] || fail "$name: $n_other skipped or not run without being not applicable" "$n_other"
  [ "$n_total" -gt 0 ] || {
    fail "$name: ran no test${xunit_args[*]:+ (no test of boot $boot matches ${xunit_args[*]}: choose the boot with --boot)}"
    tally "$kernel" 0 1; }
}

# boot_kernel BOOT: the guest kernel a boot runs (main-debian-6.12 -> debian-6.12; the boots without a dash: 7.3).
boot_kernel() { case "$1" in main-*|aarch64-*|nvme-*) echo "${1#*-}" ;; *) echo 7.3 ;; esac; }
# boot_trait BOOT: the boot list whose classes it runs (main-debian-6.12 -> main).
boot_trait() { case "$1" in main-*|aarch64-*|nvme-*) echo "${1%%-*}" ;; *) echo "$1" ;; esac; }
# boot_traits BOOT: the runner's trait filters, which pick the boot's classes (main-debian-7.3 -> Boot=main, Boot=bench).
boot_traits() {
  echo -trait "Boot=$(boot_trait "$1")"
  case "$1" in main|main-debian-7.3) echo -trait Boot=bench ;; esac
}
# boot_arch BOOT: aarch64 for the aarch64 boots, else x86_64.
boot_arch() { [[ $1 == aarch64* ]] && echo aarch64 || echo x86_64; }

# Boots run side by side, at most $vm_jobs at once (one per host core, and per 3 GiB available: a guest's 2 GiB and
# QEMU's own); IOMMU_INTEROP_VM_JOBS=1 runs them one after the other. One guest alone keeps only about 1.3 of 2 cores
# busy. Guests that share cores each run their two vCPUs in one host thread (TCG thread=single): with a thread per vCPU,
# a vCPU whose thread the host preempted stalls the other at every lock and cross-CPU flush. Measured on 2 cores, the
# four vtd-mode boots: one at a time, a thread per vCPU 132 s; two at a time, one thread each 92 s; two at a time, a
# thread per vCPU 159 s.
mem_jobs=$(( $(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) / (3 << 20) ))
vm_jobs=${IOMMU_INTEROP_VM_JOBS:-$(( $(nproc) < mem_jobs ? $(nproc) : mem_jobs ))}
[[ $vm_jobs =~ ^[0-9]+$ ]] && [ "$vm_jobs" -ge 1 ] || vm_jobs=1
tcg_thread=multi
[ $((vm_jobs * 2)) -le "$(nproc)" ] || tcg_thread=single
ids=() running=0
declare -A boot_of=() name_of=()

# run_boot BOOT ID NAME RUN-IN-VM-ARGS... -- RUNNER...: one guest boot of Vm.Tests, in the background once a job slot is
# free; its lines reach the console prefixed with ID. The runner writes its XML result file to the guest's $VM_OUT,
# which run-in-vm copies to $results/ID; $results/ID.exit gets run-in-vm's exit status and the boot's seconds.
run_boot() {
  local boot=$1 id=$2 name=$3 opts=(); shift 3
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  while [ "$running" -ge "$vm_jobs" ]; do wait -n || true; running=$((running - 1)); done
  ids+=("$id") boot_of[$id]=$boot name_of[$id]=$name
  echo "VM tier: Vm.Tests $name: starting (as $id)"
  {
    local start=$SECONDS rc=0
    tests/vm/run-in-vm --timeout 900 --edu 2 --kernel "$(boot_kernel "$boot")" --tcg-thread "$tcg_thread" "${opts[@]}" --out "$results/$id" -- \
      sh -c 'exec "$@" -xml "$VM_OUT/vm-tests.xml"' sh "$@" "${xunit_args[@]}" 2>&1 | sed -u "s/^/$id| /" ||
      rc=${PIPESTATUS[0]}
    echo "$rc $((SECONDS - start))" >"$results/$id.exit"
  } &
  running=$((running + 1))
}

# boot_done ID: one finished boot's line, exit status and counts.
boot_done() {
  local id=$1 rc seconds
  read -r rc seconds <"$results/$id.exit" 2>/dev/null || { rc="unknown (no $results/$id.exit)" seconds="?"; }
  echo "VM tier: Vm.Tests ${name_of[$id]}: boot to poweroff in $seconds s, exit $rc"
  [ "$rc" = 0 ] || problems+=("${name_of[$id]} (exit $rc)")
  count "${boot_of[$id]}" "${name_of[$id]}" "$results/$id/vm-tests.xml"
}

# The aarch64 boots run Vm.Tests published self-contained for linux-arm64 (their root has no .NET).
arm64_ready=0
if [[ " ${boots[*]} " == *" aarch64"* ]]; then
  if dotnet publish tests/Vm.Tests/Vm.Tests.csproj -r linux-arm64 --self-contained -p:InvariantGlobalization=true \
       -o "$arm64_out" --nologo -v quiet; then arm64_ready=1
  else fail "dotnet publish of Vm.Tests for linux-arm64"; fi
fi
echo "VM tier: ${#boots[@]} boot list(s), up to $vm_jobs guest(s) at once (TCG thread=$tcg_thread)"

for boot in "${boots[@]}"; do
  # -longRunning: a test still running after 120 s is named on the console, so a boot killed at its timeout says which
  x86=(dotnet exec "$dll" -noColor -longRunning 120 $(boot_traits "$boot"))
  case "$boot" in
    main) run_boot main main "VT-d legacy, 48 bits" --vtd legacy --aw-bits 48 -- "${x86[@]}" ;;
    vtd-mode)
      for mode in "scalable 48 on" "scalable-flts 48 on" "scalable-flts 48 off" "legacy 39 on"; do
        read -r vtd aw fs1gp <<<"$mode"
        run_boot vtd-mode "vtd-$vtd-$aw-fs1gp-$fs1gp" "VT-d $vtd, $aw bits, fs1gp=$fs1gp" \
          --vtd "$vtd" --aw-bits "$aw" --fs1gp "$fs1gp" -- "${x86[@]}"
      done ;;
    nvme|nvme-*)
      run_boot "$boot" "$boot" "NVMe controller, guest kernel $(boot_kernel "$boot")" --nvme 64M --tcg-thread single -- "${x86[@]}" ;;
    bridge) run_boot bridge bridge "two edu behind a PCIe-to-PCI bridge" --edu 0 --bridged-edu 2 -- "${x86[@]}" ;;
    aarch64|aarch64-*)
      [ "$arm64_ready" = 0 ] ||
        run_boot "$boot" "$boot" "aarch64 SMMUv3, guest kernel $(boot_kernel "$boot")" --arch aarch64 -- \
          "$arm64_out/Vm.Tests" -noColor -longRunning 120 -trait Boot=aarch64 ;;
    main-*)
      run_boot "$boot" "$boot" "VT-d legacy, 48 bits, guest kernel $(boot_kernel "$boot")" --vtd legacy --aw-bits 48 -- "${x86[@]}" ;;
  esac
done
wait
for id in "${ids[@]}"; do boot_done "$id"; done

# tests/data/fleet/ must be the hosts the boots recorded just now (a full tier: every record, and only those).
fleet_all=(); [ "$narrowed" = 0 ] && fleet_all=(--all)
bash tests/vm/fleet.sh "$results" --check tests/data/fleet "${fleet_all[@]}" ||
  problems+=("tests/data/fleet/ differs from the hosts the boots recorded (tests/vm/fleet.sh)")

if [ "$narrowed" = 0 ]; then
  # docs/kernels.md's feature × kernel table must be what the main boots of the three kernels probed just now.
  bash tests/vm/feature-table.sh "$results" --check docs/kernels.md ||
    problems+=("docs/kernels.md's feature × kernel table (tests/vm/feature-table.sh)")
  bash tests/vm/selftest.sh "$results/selftest.counts" || problems+=("run-in-vm selftest")
  if [ -f "$results/selftest.counts" ] && read -r spassed sfailed <"$results/selftest.counts"; then
    passed=$((passed + spassed)) failed=$((failed + sfailed))
    tally "7.3 (x86_64)" "$spassed" "$sfailed"
  else
    fail "run-in-vm selftest wrote no counts"
  fi
fi

[ ${#problems[@]} -eq 0 ] || printf 'VM tier FAILED: %s\n' "${problems[@]}" >&2
[ "$failed" -eq 0 ] || echo "VM tier: xunit result files in $results/" >&2
for kernel in "${kernels[@]}"; do
  echo "vm-tier kernel $kernel: ${kernel_passed[$kernel]} passed, ${kernel_failed[$kernel]} failed, ${kernel_na[$kernel]} not applicable"
done
echo "vm-tier: $passed passed, $failed failed, $not_applicable not applicable"
[ ${#problems[@]} -eq 0 ] && [ "$failed" -eq 0 ]
