#!/usr/bin/env bash
# The engine beside diffusers on PyTorch (CPU): full SD 1.5 architecture, random weights,
# 512x512 and 256x256, U-Net batches 1/2/4, with ratios. Run by hand from the repository
# root, never by CI; extra arguments go to `Renderer bench` (see its --help):
#   PYTHON=/path/to/venv/bin/python scripts/diffusers/benchmark.sh [--repeats 3] [--threads 2]
set -euo pipefail
PYTHON=${PYTHON:-python3}
swift build -c release --product Renderer >/dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
.build/release/Renderer bench --pytorch "$PYTHON" "$@"
echo "== end (load $(cut -d' ' -f1-3 /proc/loadavg))"
