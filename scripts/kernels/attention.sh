#!/usr/bin/env bash
# One attention head's QKᵀ, softmax and P·V on one core (scripts/kernels/attention_rate.c):
# bf16 with Vᵀ in panels of 12 and of 10 rows, fp32 on our packed kernel and on OpenBLAS's
# sgemm, at the U-Net's 64² (4096 keys, heads of 40) and 32² (1024 keys, heads of 80) levels.
# Run by hand from the repository root, never by CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang -O3 scripts/kernels/attention_rate.c Sources/CKernels/*.c -ISources/CKernels/include -I/usr/include/x86_64-linux-gnu/openblas-pthread \
    -lopenblas -lm -o "$out/attention_rate"
for shape in "4096 40" "1024 80"; do
    "$out/attention_rate" bf16 $shape 12
    "$out/attention_rate" bf16 $shape 10
    "$out/attention_rate" f32 $shape 10
    "$out/attention_rate" sgemm $shape 12
done
