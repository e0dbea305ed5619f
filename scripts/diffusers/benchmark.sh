#!/usr/bin/env bash
# Full SD 1.5 architecture, random weights, 512x512: diffusers on PyTorch (CPU, fp32) and
# the Swift engine on the same machine. Run by hand from the repository root, never by CI:
#   PYTHON=/tmp/venv/bin/python scripts/diffusers/benchmark.sh [repeats] [threads]
# The two sides alternate component by component (text encoder + U-Net batch 1, U-Net
# batch 2, VAE decode) so that a busy neighbour slows both alike; the load average is
# printed around each part. Needs the Renderer's `benchmark` subcommand (BenchmarkCommand).
set -euo pipefail
REPEATS=${1:-3}
THREADS=${2:-2}
PYTHON=${PYTHON:-python3}
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
swift build -c release --product Renderer >/dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $THREADS threads, $REPEATS repeats"
torch() { "$PYTHON" scripts/diffusers/benchmark_pytorch.py --repeats "$REPEATS" --threads "$THREADS" "$@"; }
engine() { .build/release/Renderer benchmark --repeats "$REPEATS" --threads "$THREADS" "$@"; }
part() {
    echo "== $1 (load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "-- diffusers / PyTorch"; torch $2
    echo "-- Swift engine (OpenBLAS)"; engine $3
}
part "text encoder + U-Net batch 1" "--batch 1 --skip-vae" "--batch 1 --skip-vae"
part "U-Net batch 2" "--batch 2 --skip-vae --skip-text" "--batch 2 --skip-vae --skip-text"
part "VAE decode" "--batch --skip-text" "--batch 0 --skip-text"
echo "== end (load $(cut -d' ' -f1-3 /proc/loadavg))"
