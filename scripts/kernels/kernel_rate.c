// Our bf16 GEMM kernel alone, single-threaded, in CPU time: both operands packed in
// advance (the micro-kernel's own rate) and B packed on the fly (as convolutions run it).
// Built and run by scripts/kernels/compare.sh.
#include "CKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: kernel_rate M N K\n"); return 2; }
    int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
    if (!lz_bf16_supported()) { fprintf(stderr, "this CPU has no AVX512-BF16\n"); return 1; }
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < (long)k * n; i++) b[i] = rand() / (float)RAND_MAX - 0.5f;
    uint32_t *pa = malloc(4 * lz_bf16_packed_a_words(m, k)), *pb = malloc(4 * lz_bf16_packed_b_words(n, k));
    lz_bf16_pack_a(a, k, m, k, pa);
    lz_bf16_pack_b(b, n, k, n, pb);
    lz_bf16_operand A = {pa, 0, 0, 0, 0}, B = {pb, 0, 0, 0, 0}, Bfly = {0, b, n, 0, 0};
    double packed = 1e9, fly = 1e9;
    for (int it = 0; it < 5; it++) {
        double t = cpu_seconds();
        lz_bf16_gemm(m, n, k, A, B, c, n, 0, m, 0, n, 0, 0, 0);
        t = cpu_seconds() - t;
        if (t < packed) packed = t;
        t = cpu_seconds();
        lz_bf16_gemm(m, n, k, A, Bfly, c, n, 0, m, 0, n, 0, 0, 0);
        t = cpu_seconds() - t;
        if (t < fly) fly = t;
    }
    printf("Lienzo bf16 kernel %dx%dx%d, one thread: both packed %.1f GFLOP/s, B packed on the fly %.1f GFLOP/s (best of 5, CPU time)\n",
           m, n, k, 2.0 * m * n * k / packed / 1e9, 2.0 * m * n * k / fly / 1e9);
    return 0;
}
