#!/usr/bin/env bash
# Installs everything gatecrash needs on Debian 12: apt packages, then the npm interop tools.
# Idempotent and fast when everything is present. Usage: scripts/setup.sh [--no-npm]
set -euo pipefail

APT_PACKAGES=(
  cmake g++ make pkg-config ninja-build
  nlohmann-json3-dev libboost1.81-dev libcli11-dev libre2-dev libyaml-cpp-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  faketime libfaketime
  libxml2-utils  # xmllint: tests/unit-reports.cc checks the JUnit XML is well-formed
  chromium       # tests/unit-html-report.cc renders the HTML reports in headless Chromium
)
# Node.js and npm: the machine's own (nodesource) install is used when present; Debian's 'npm'
# package conflicts with it, so npm is only installed from Debian when node is missing.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

want_npm=1
for arg in "$@"; do
  case "$arg" in
    --no-npm) want_npm=0 ;;
    *) echo "setup.sh: unknown argument '$arg' (known: --no-npm)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing Debian packages: ${missing[*]}"
  if ! as_root apt-get update -qq; then
    echo "setup.sh: 'apt-get update' failed; check the network and /etc/apt/sources.list" >&2; exit 1
  fi
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "setup.sh: 'apt-get install ${missing[*]}' failed (see apt's message above)" >&2; exit 1
  fi
fi

if [ "$want_npm" -eq 1 ]; then
  "$(dirname "$0")/setup-npm.sh"
fi
echo "setup.sh: ready"
