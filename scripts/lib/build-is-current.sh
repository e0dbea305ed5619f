#!/usr/bin/env bash
# Exits 0 when every named product in BIN_DIR exists and is newer than every input of
# the build (Package.swift, Package.resolved, Sources/, sql/, Plugins/), so run.sh can
# start at once instead of asking SwiftPM (seconds of planning per product) to find
# nothing to do; exits 1, naming what is missing or newer, otherwise.
#   scripts/lib/build-is-current.sh BIN_DIR PRODUCT...
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: build-is-current.sh BIN_DIR PRODUCT...}
shift
oldest=""
for product in "$@"; do
  [ -x "$bin/$product" ] || { echo "$product is not built yet" >&2; exit 1; }
  if [ -z "$oldest" ] || [ "$bin/$product" -ot "$oldest" ]; then oldest="$bin/$product"; fi
done
newer=$(find Package.swift Package.resolved Sources sql Plugins -newer "$oldest" -type f -print -quit 2>/dev/null)
if [ -n "$newer" ]; then
  echo "$newer changed since the last build" >&2
  exit 1
fi
