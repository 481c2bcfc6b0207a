#!/usr/bin/env bash
# Installs the Debian packages the tests need (idempotent; a no-op when present).
set -euo pipefail
need=(gcc libclang1-14 gcc-aarch64-linux-gnu libc6-dev-arm64-cross python3) # python3: tests/xml-attributes.py
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
