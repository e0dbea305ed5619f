#!/usr/bin/env bash
# Installs the Debian packages Lienzo builds and runs with, if any is missing; arguments
# name extra packages a hand-run script needs (scripts/kernels/compare.sh: libdnnl-dev).
# Swift itself (6.1 or later) is not a Debian package: it must already be on PATH.
# `prometheus` is there for its promtool, which the tests and scripts/check-ops.sh lint
# /metrics and deploy/prometheus with (about 20 s more on a fresh machine). Its postinst
# starts no server in a container (invoke-rc.d finds no runlevel, or policy-rc.d says no);
# on a systemd machine Debian enables and starts one: `systemctl disable --now prometheus`.
set -euo pipefail
packages=(libpq-dev libcurl4-openssl-dev libopenblas-dev libpng-dev postgresql pkg-config python3 openssl prometheus "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift not found on PATH: install Swift 6.1+ from swift.org first" >&2; exit 1; }
