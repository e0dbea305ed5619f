#!/usr/bin/env bash
# Makes a fresh folder for one run under BASE, named by the time it started
# (BASE/2026-12-05_064512, then 2026-12-05_064512-2 within the same second), points
# BASE/latest at it and prints its path: a run never overwrites the last one's transcript
# or images (the emulator numbers messages from 1 each run).
#   scripts/lib/run-folder.sh BASE
set -euo pipefail
base=${1:?usage: run-folder.sh BASE}
mkdir -p "$base"
base=$(cd "$base" && pwd)
stamp=$(date +%Y-%m-%d_%H%M%S)
folder=$base/$stamp
n=1
until mkdir "$folder" 2>/dev/null; do
  n=$((n + 1))
  [ $n -le 100 ] || { echo "run-folder.sh: cannot make a folder in $base" >&2; exit 1; }
  folder=$base/$stamp-$n
done
ln -sfn "$(basename "$folder")" "$base/latest"
echo "$folder"
