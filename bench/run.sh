#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
source headers/cache.sh
source tests/build-output.sh
progress_prefix=bench
source tests/vm/progress.sh

usage() {
  cat >&2 <<'EOF'
The benchmark command: builds the C baselines (gcc, against the pinned kernel headers) and the
BenchmarkDotNet program, runs the host suites (stub overhead, generator) here and the iommufd/VFIO
suites in ONE boot of the test VM (tests/vm/run-in-vm), C first then C#, and merges everything into
bench/results/: summary.md (every figure as a ratio to C, next to its target), environment.md, the
raw .tsv files, map-throughput.csv and .png.

  bench/run.sh [--dry] [--host-only] [--arch x86_64|aarch64] [--kernel K] [--guest-ram MAX]
  bench/run.sh --check [--update] [DOC...]

The guest is emulated (QEMU TCG: no KVM on this machine), so its absolute times are 10-100x a real
machine's and mean nothing alone; only ratios measured in the same run are reported against targets.
Guest suites use a short job (3 warm-ups, 3 iterations).
  --dry        each benchmark once, no timing (what the tests do); writes no results
  --host-only  skip the VM
  --arch aarch64  the guest suites in the aarch64 guest (QEMU virt, SMMUv3): the C baselines
               cross-built with aarch64-linux-gnu-gcc against the same headers, Linux.Iommu.Bench
               published self-contained for linux-arm64 (the guest's root has no dotnet), results
               in bench/results/aarch64/. The host suites do not run there (the host is x86_64:
               their figures are the x86 run's); with --host-only it only builds.
  --kernel K   the guest suites in another guest kernel (run-in-vm --kernel K), results in bench/results/K/
               (bench/results/aarch64/K/ with --arch aarch64); no host suites. Debian's own images (debian-6.1,
               debian-6.12, debian-7.3) have no iommufd: there the type1 set runs (type1 map + unmap of 4 KiB,
               2 MiB and 1 GiB, BatchMapper's page loops, on a container holding edu's group; C: bench/c/type1.c)
  --guest-ram MAX  afterwards, the guest-RAM cost curve up to MAX bytes (1G, 4G, 16G) in its own boot:
               bench/guest-ram.sh, results in bench/results/guestram/ (the guest gets MAX + 2.5 GiB)
Each step shows its progress; their whole output goes to the results folder's run.log. A run whose
measurements of the same call disagree (bench/check-figures.py) says so at the end of summary.md and exits 1.
  --check      runs nothing: recomputes every ratio README.md, docs/*.md and bench/README.md quote (or DOC...)
               from the committed results and reports runs that disagree with themselves (bench/check-figures.py;
               --update rewrites the quoted ratios)
EOF
  exit 2
}
[ "${1:-}" != --check ] || { shift; exec python3 bench/check-figures.py "$@"; }
dry="" host_only=0 arch=x86_64 kernel="" guest_ram=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry) dry=--dry; shift ;;
    --host-only) host_only=1; shift ;;
    --arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
    --kernel) [ $# -ge 2 ] || usage; kernel=$2; shift 2 ;;
    --guest-ram) [ $# -ge 2 ] || usage; guest_ram=$2; shift 2 ;;
    *) usage ;;
  esac
done
case "$arch" in x86_64|aarch64) ;; *) echo "bench: --arch $arch: x86_64 or aarch64" >&2; exit 2 ;; esac
start=$SECONDS
out=bench/results
[ "$arch" = x86_64 ] || out=bench/results/$arch
[ -z "$kernel" ] || out=$out/$kernel
# The guest suite set: Debian's own kernels have no iommufd, only the VFIO type1 container (tests/vm/kernel-offers.conf).
set=vm
case "$kernel" in debian-*) set=type1 ;; esac
kernel_opt=()
[ -z "$kernel" ] || kernel_opt=(--kernel "$kernel")
bin=$out/bin
log=$out/run.log
mkdir -p "$out" "$bin"
: >"$log"
build_only=0
{ [ "$arch" = x86_64 ] && [ -z "$kernel" ]; } || [ "$host_only" = 0 ] || build_only=1 # nothing runs on the host for another guest
[ "$build_only" = 1 ] || [ -n "$dry" ] || rm -f "$out"/*.tsv # a dry run writes none: the committed ones stay

# What a BenchmarkDotNet run in LOG is at: benchmarks done out of those found, its own time estimate,
# the current benchmark; before BenchmarkDotNet starts, vm-bench.sh's last section marker (== NAME).
bench_status() {
  local found remained left current
  found=$(sed -n 's|^// \*\*\*\*\* Found \([0-9]*\) benchmark.*|\1|p' "$1" | tail -n 1)
  remained=$(sed -n 's|^// \*\* Remained \([0-9]*\) .*|\1|p' "$1" | tail -n 1)
  left=$(sed -n 's|^// \*\* Remained .*(\([0-9]*h [0-9]*m\) from now).*|\1|p' "$1" | tail -n 1)
  current=$(sed -n 's|^// Benchmark: \([^:]*\):.*|\1|p' "$1" | tail -n 1)
  if [ -n "$found" ]; then
    echo "$((found - ${remained:-$found}))/$found benchmarks${left:+ (about $left left)}${current:+, $current}"
  else
    grep -aE '^== ' "$1" | tail -n 1 | cut -c4-
  fi
}

inc=$(bash headers/extract-set.sh --set linux-7.3 | tail -1)
gcc=gcc
if [ "$arch" = aarch64 ]; then
  gcc=aarch64-linux-gnu-gcc
  command -v "$gcc" >/dev/null && [ -e /usr/aarch64-linux-gnu/include/stdio.h ] ||
    { echo "bench: $gcc and the arm64 libc headers are missing: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross (tests/setup-host.sh)" >&2; exit 1; }
fi
test_inc=$(bash headers/extract-set.sh --set iommufd-test-7.3 | tail -1) # iommufd_test.h, for invalidate.c (the selftest mock)
cc=("$gcc" -O2 -Wall -Wextra -Werror -I"$inc" -I"$inc/$arch-linux-gnu" -I"$test_inc")
baselines=(stub iommufd type1 invalidate)
[ "$arch" = x86_64 ] || baselines=(iommufd type1) # stub.c is the host suite's twin; the mock (invalidate.c) is x86-only
build_baselines() {
  local c
  for c in "${baselines[@]}"; do "${cc[@]}" -o "$bin/$c" "bench/c/$c.c"; done
  # the same loops as functions, which the C# suites call in rounds interleaved with their own (side by side)
  for c in "${baselines[@]}"; do "${cc[@]}" -shared -fPIC -o "$bin/lib$c.so" "bench/c/$c.c"; done
}
step_run "building the C baselines ($gcc, linux-libc-dev 7.3 headers)" "$log" "" -- build_baselines
step_run "building Linux.Iommu.Bench" "$log" "" -- dotnet build bench/Linux.Iommu.Bench -c Release --nologo -v quiet
app=$(build_output bench/Linux.Iommu.Bench Release) # host suites and the report
guest_app=$app
if [ "$arch" = aarch64 ]; then
  # The guest's root is arm64 debs without dotnet: a self-contained publish (no ICU there: invariant globalization).
  guest_app=$PWD/bench/Linux.Iommu.Bench/bin/linux-arm64/Linux.Iommu.Bench
  step_run "publishing Linux.Iommu.Bench for linux-arm64" "$log" "" -- dotnet publish bench/Linux.Iommu.Bench -c Release \
    -r linux-arm64 --self-contained -p:InvariantGlobalization=true -o "$(dirname "$guest_app")" --nologo -v quiet
fi

if [ "$build_only" = 1 ]; then
  echo "bench: --host-only --arch $arch${kernel:+ --kernel $kernel}: built the $arch C baselines and the benchmark program in $(duration $((SECONDS - start))); nothing ran"
  exit 0
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
host_suites() {
  [ -n "$dry" ] || "$bin/stub" >"$out/c-host.tsv"
  BENCH_C_STUB=$PWD/$bin/libstub.so dotnet exec "$app" host --out "$out" $dry
}
if [ "$arch" = x86_64 ] && [ -z "$kernel" ]; then
  step_run "host suites (load average $load_before)" "$log" bench_status -- host_suites
else
  echo "bench: host suites not run for --arch $arch${kernel:+ --kernel $kernel} (their figures are in bench/results/summary.md)"
fi

guest_s="not run"
if [ "$host_only" = 0 ]; then
  # QEMU, the guest kernel and its root, each with its own progress when it has to be built.
  tests/vm/run-in-vm --arch "$arch" "${kernel_opt[@]}" --prepare
  vm_start=$SECONDS
  # Tiering counts calls at once instead of after 100 ms without new tier-0 JIT work: under TCG the
  # short job would otherwise measure slow cases on tier-0 code (docs/benchmarks.md, "Tier-0 code in the short job").
  vm=(tests/vm/run-in-vm --arch "$arch" "${kernel_opt[@]}" --memory 3072 --env DOTNET_TC_CallCountingDelayMs=0 --out "$out")
  if [ "$arch" = x86_64 ]; then
    step_run "guest suites ($arch${kernel:+ $kernel}, $set set, QEMU TCG, one boot)" "$log" bench_status -- \
      "${vm[@]}" --timeout 3600 -- bash bench/vm-bench.sh "$PWD/$bin" "$app" "$set" $dry
  else # the arm64 root has busybox's sh, no bash.
    step_run "guest suites ($arch${kernel:+ $kernel}, $set set, QEMU TCG, one boot)" "$log" bench_status -- \
      "${vm[@]}" --timeout 7200 -- sh bench/vm-bench.sh "$PWD/$bin" "$guest_app" "$set" $dry
  fi
  guest_s=$((SECONDS - vm_start))
fi
[ -z "$dry" ] || { echo "bench: dry run passed in $(duration $((SECONDS - start))) (log: $log)"; exit 0; }

benchmarkdotnet=$(python3 tests/xml-attributes.py Directory.Packages.props PackageVersion@Include=BenchmarkDotNet Version)
{
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM |"
  echo "| host kernel | $(uname -r) (no iommufd) |"
  guest_kernel=$(cat "$out/guest-kernel" 2>/dev/null || echo 'not run')
  # what the guest kernel is: ours unless --kernel, Debian's images as shipped (tests/vm/run-in-vm --help)
  case "$kernel" in
    debian-*) what="$kernel: Debian's own image as shipped, no iommufd: the VFIO type1 container" ;;
    "") [ "$arch" = x86_64 ] && what="our tinyconfig + iommufd build" || what="our arm64 tinyconfig + iommufd-arm64.config build, arm-smmu-v3" ;;
    *) what="$kernel" ;;
  esac
  if [ "$arch" = x86_64 ]; then
    echo "| guest kernel | $guest_kernel ($what), QEMU TCG, intel-iommu, edu |"
    echo "| QEMU | $(qemu-system-x86_64 --version | head -1) |"
    echo "| .NET | SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}'), BenchmarkDotNet $benchmarkdotnet |"
    echo "| gcc | $(gcc -dumpfullversion) -O2 |"
  else
    echo "| guest | aarch64, QEMU virt (gic-version=3, -cpu max, 2 vCPUs, 3 GiB), TCG on the x86_64 host, SMMUv3 (iommu=smmuv3), edu bound to vfio-pci |"
    echo "| guest kernel | $guest_kernel ($what) |"
    echo "| QEMU | $(qemu-system-aarch64 --version | head -1) |"
    echo "| .NET | SDK $(dotnet --version), Linux.Iommu.Bench published self-contained for linux-arm64 (runtime $(grep -o 'runtimepack.Microsoft.NETCore.App.Runtime.linux-arm64/[^"]*' "$guest_app.deps.json" | head -1 | cut -d/ -f2)), BenchmarkDotNet $benchmarkdotnet |"
    echo "| gcc | $gcc $($gcc -dumpfullversion) -O2 |"
  fi
  [ "$arch" = x86_64 ] && [ -z "$kernel" ] || echo "| host suites | not run (stub and generator figures: bench/results/summary.md) |"
  echo "| runtime settings | DOTNET_TC_CallCountingDelayMs=0 in the guest (tier-up within the short job, see bench/README.md) |"
  echo "| commit | $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' + uncommitted changes') |"
  echo "| load average (1/5/15 min) | before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg) (shared 2-core machine) |"
  echo "| guest part (boot to poweroff) | $guest_s s |"
  echo "| bench/run.sh | $((SECONDS - start)) s |"
} >"$out/environment.md"

dotnet exec "$app" report "$out"
if ! python3 bench/check-figures.py --run "$out" >>"$out/summary.md"; then
  echo "bench: measurements of the same call disagree in this run (the end of $out/summary.md): the host was too loaded to publish it; re-run on a quiet machine" >&2
  exit 1
fi
echo "bench: done in $(duration $((SECONDS - start))) (guest part $guest_s s); results in $out/, log: $log"
[ -z "$guest_ram" ] || bash bench/guest-ram.sh --max "$guest_ram"
