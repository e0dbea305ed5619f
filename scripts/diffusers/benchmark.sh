#!/usr/bin/env bash
# Full SD 1.5 architecture, random weights, 512x512: diffusers on PyTorch (CPU, fp32) and
# the Swift engine, one after the other on the same machine. Run by hand from the
# repository root, never by CI:
#   PYTHON=/tmp/venv/bin/python scripts/diffusers/benchmark.sh [repeats] [threads]
# Needs the Renderer executable to expose the `benchmark` subcommand (BenchmarkCommand).
set -euo pipefail
REPEATS=${1:-3}
THREADS=${2:-2}
PYTHON=${PYTHON:-python3}
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== diffusers / PyTorch"
OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS "$PYTHON" scripts/diffusers/benchmark_pytorch.py --repeats "$REPEATS" --threads "$THREADS"
echo "== Swift engine (OpenBLAS)"
swift build -c release --product Renderer >/dev/null
OPENBLAS_NUM_THREADS=$THREADS .build/release/Renderer benchmark --repeats "$REPEATS" --threads "$THREADS"
echo "== load at end $(cut -d' ' -f1-3 /proc/loadavg)"
