// One bf16 3×3 convolution (stride 1, padding 1), single-threaded, in CPU time: as implicit
// GEMM (the kernel unfolds the image while packing it, as the engine runs it) beside an
// explicit im2col matrix fed to the same kernel, with the two results compared. Built and
// run by hand:
//   clang -O3 scripts/kernels/conv_rate.c Sources/CKernels/*.c -ISources/CKernels/include -lm -o /tmp/conv_rate
//   /tmp/conv_rate IN_CHANNELS OUT_CHANNELS HEIGHT WIDTH     (WIDTH a multiple of 32)
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
    if (argc != 5) { fprintf(stderr, "usage: conv_rate IN_CHANNELS OUT_CHANNELS HEIGHT WIDTH\n"); return 2; }
    int c = atoi(argv[1]), oc = atoi(argv[2]), h = atoi(argv[3]), w = atoi(argv[4]);
    if (c < 1 || oc < 1 || h < 1 || w < 32 || w % LZ_NR) { fprintf(stderr, "WIDTH must be a multiple of %d\n", LZ_NR); return 2; }
    if (!lz_bf16_supported()) { fprintf(stderr, "this CPU has no AVX512-BF16\n"); return 1; }
    int k = c * 9, n = h * w;
    float *x = malloc(sizeof(float) * c * h * w), *wt = malloc(sizeof(float) * oc * k);
    float *col = malloc(sizeof(float) * (size_t)k * n);
    float *explicit = malloc(sizeof(float) * (size_t)oc * n), *implicit = malloc(sizeof(float) * (size_t)oc * n);
    for (long i = 0; i < (long)c * h * w; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < (long)oc * k; i++) wt[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int ch = 0; ch < c; ch++)
        for (int tap = 0; tap < 9; tap++)
            for (int oy = 0; oy < h; oy++)
                for (int ox = 0; ox < w; ox++) {
                    int iy = oy - 1 + tap / 3, ix = ox - 1 + tap % 3;
                    col[(size_t)(ch * 9 + tap) * n + oy * w + ox] =
                        iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((size_t)ch * h + iy) * w + ix] : 0;
                }
    uint32_t *pa = malloc(4 * lz_bf16_packed_a_words(oc, k));
    lz_bf16_pack_a(wt, k, oc, k, pa);
    lz_conv_image image = {x, c, h, w, 3, 1, w};
    lz_bf16_operand weights = {pa, 0, 0, 0, 0}, columns = {0, col, n, 0, 0}, unfolded = {0, 0, 0, 0, &image};
    double best_explicit = 1e9, best_implicit = 1e9;
    for (int run = 0; run < 3; run++) {
        double t = cpu_seconds();
        lz_bf16_gemm(oc, n, k, weights, columns, explicit, n, 0, oc, 0, n, 0, 0, 0);
        if ((t = cpu_seconds() - t) < best_explicit) best_explicit = t;
        t = cpu_seconds();
        lz_bf16_gemm(oc, n, k, weights, unfolded, implicit, n, 0, oc, 0, n, 0, 0, 0);
        if ((t = cpu_seconds() - t) < best_implicit) best_implicit = t;
    }
    double largest = 0;
    for (long i = 0; i < (long)oc * n; i++) {
        double d = explicit[i] > implicit[i] ? explicit[i] - implicit[i] : implicit[i] - explicit[i];
        if (d > largest) largest = d;
    }
    double gflop = 2.0 * oc * n * k / 1e9;
    printf("bf16 conv 3x3 %d -> %d at %dx%d, one thread: implicit %.1f GFLOP/s, im2col matrix (GEMM alone) %.1f GFLOP/s, "
           "largest difference %g (best of 3, CPU time)\n", c, oc, h, w, gflop / best_implicit, gflop / best_explicit, largest);
    return 0;
}
