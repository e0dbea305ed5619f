#!/usr/bin/env bash
# Our bf16 GEMM kernel beside Debian's oneDNN (libdnnl-dev, brgemm bf16 matmul) on the
# U-Net's GEMM shapes. Run by hand from the repository root, never by CI; installs
# libdnnl-dev. oneDNN gets bf16 inputs; our kernel's "on the fly" figure includes
# converting fp32 activations, as the engine runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-packages.sh libdnnl-dev
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang -O3 scripts/kernels/kernel_rate.c Sources/CKernels/*.c -ISources/CKernels/include -lm -o "$out/kernel_rate"
clang -O2 scripts/kernels/onednn_matmul.c -ldnnl -o "$out/onednn_matmul"
threads=${THREADS:-$(nproc)}
for shape in "4096 320 2880" "4096 2560 320"; do
    OMP_NUM_THREADS=$threads "$out/onednn_matmul" $shape
done
# our kernel's weight operand is the left one: the same products as C^T = W · X^T
for shape in "320 4096 2880" "2560 4096 320"; do
    "$out/kernel_rate" $shape
done
