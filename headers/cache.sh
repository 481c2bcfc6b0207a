# The per-user cache of downloads and builds (outside the clone, so fresh CI clones reuse it), and
# the private apt configurations that fetch into it: the system's apt sources and lists are never
# touched. Sourced, not run.
iommu_cache=${IOMMU_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-interop}

# private_apt NAME ARCH SOURCES-LINE...: an apt state of its own in $iommu_cache/apt/NAME listing only
# these sources; sets apt_dir and apt_opts, the options that point apt-get and apt-cache at it.
# ARCH: a Debian architecture, or "" for the host's.
private_apt() {
  apt_dir="$iommu_cache/apt/$1"
  local arch=$2
  shift 2
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
  printf '%s\n' "$@" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o Dir::Cache::pkgcache=
            -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
  [ -z "$arch" ] || apt_opts+=(-o "APT::Architecture=$arch")
}

# apt_status LOG: the progress apt reports on its status fd (-o APT::Status-Fd=1 into LOG):
# "45% downloaded" / "30% installed" (for tests/vm/progress.sh's step_run).
apt_status() {
  grep -aE '^(dl|pm)status:' "$1" | tail -n 1 |
    awk -F: '{ printf "%d%% %s\n", $3, ($1 == "dlstatus" ? "downloaded" : "installed") }'
}
