// One attention head's products and softmax, one thread, in CPU time, as the engine runs them
// (ScaledDotProductAttention.swift, blocks of `rows` queries against all keys): bf16 with Vᵀ
// in panels of `panel_rows`, fp32 on our packed kernel, and fp32 on OpenBLAS's sgemm.
// Built and run by scripts/kernels/attention.sh.
#include "CKernels.h"
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *random_floats(long n) {
    float *x = malloc(sizeof(float) * n);
    for (long i = 0; i < n; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    return x;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: attention_rate bf16|f32|sgemm KEYS HEAD_DIM PANEL_ROWS\n");
        return 2;
    }
    const char *mode = argv[1];
    int lk = atoi(argv[2]), d = atoi(argv[3]), pr = atoi(argv[4]), rows = (1 << 18) / lk, width = 8 * d;
    if (rows > lk) rows = lk;
    float *q = random_floats((long)lk * width), *k = random_floats((long)lk * width), *v = random_floats((long)lk * width);
    float *out = calloc((size_t)lk * width, sizeof(float)), *inv = malloc(sizeof(float) * rows);
    float *scores = calloc((size_t)lk * ((rows + 31) / 32 * 32), sizeof(float)), *ot = malloc(sizeof(float) * d * rows);
    double qk = 0, softmax = 0, pv = 0, t;
    openblas_set_num_threads(1);
    if (!strcmp(mode, "bf16")) {
        uint32_t *pk = malloc(4 * lz_bf16_packed_a_words(lk, d)), *pvt = malloc(4 * lz_bf16_packed_a_panel_words(d, lk, pr));
        uint32_t *pp = malloc(4 * lz_bf16_packed_b_words(rows, lk));
        float *vt = malloc(sizeof(float) * d * lk);
        lz_bf16_pack_a(k, width, lk, d, pk);
        lz_transpose_scaled(v, lk, d, width, NULL, vt, lk);
        lz_bf16_pack_a_panels(vt, lk, d, lk, pr, pvt);
        lz_bf16_operand a = {.packed = pk}, vt_op = {.packed = pvt, .panel_rows = pr}, p_op = {.packed = pp};
        for (int i0 = 0; i0 < lk; i0 += rows) {
            lz_bf16_operand qt = {.data = q + (long)i0 * width, .ld = width, .transposed = 1};
            t = cpu_seconds();
            lz_bf16_gemm(lk, rows, d, a, qt, scores, rows, 0, lk, 0, rows, 0, NULL, NULL);
            qk += cpu_seconds() - t, t = cpu_seconds();
            lz_softmax_columns_packed(scores, lk, rows, rows, 0.15f, inv, pp);
            softmax += cpu_seconds() - t, t = cpu_seconds();
            lz_bf16_gemm(d, rows, lk, vt_op, p_op, ot, rows, 0, d, 0, rows, 0, NULL, NULL);
            pv += cpu_seconds() - t;
        }
    } else if (!strcmp(mode, "f32")) {
        float *pk = malloc(4 * lz_f32_packed_floats(lk, d, LZ_MR)), *pvt = malloc(4 * lz_f32_packed_floats(d, lk, pr));
        float *pq = malloc(4 * lz_f32_packed_floats(rows, d, 32));
        lz_f32_pack_panels(k, width, 0, lk, d, LZ_MR, pk);
        lz_f32_pack_panels(v, width, 1, d, lk, pr, pvt);
        for (int i0 = 0; i0 < lk; i0 += rows) {
            t = cpu_seconds();
            lz_f32_pack_panels(q + (long)i0 * width, width, 0, rows, d, 32, pq);
            for (int j = 0; j < rows; j += 32)
                lz_f32_gemm_packed(lk, rows - j < 32 ? rows - j : 32, d, pk, LZ_MR, pq + (long)j * d, scores + (long)j * lk, 32);
            qk += cpu_seconds() - t, t = cpu_seconds();
            for (int j = 0; j < rows; j += 32)
                lz_f32_softmax_columns(scores + (long)j * lk, lk, rows - j < 32 ? rows - j : 32, 32, 0.15f, inv + j);
            softmax += cpu_seconds() - t, t = cpu_seconds();
            lz_f32_gemm_packed(d, rows, lk, pvt, pr, scores, ot, rows);
            pv += cpu_seconds() - t;
        }
    } else {
        for (int i0 = 0; i0 < lk; i0 += rows) {
            t = cpu_seconds();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, lk, d, 0.15f, q + (long)i0 * width, width, k, width,
                        0.0f, scores, lk);
            qk += cpu_seconds() - t, t = cpu_seconds();
            lz_softmax_rows_unnormalized(scores, rows, lk, lk, inv);
            softmax += cpu_seconds() - t, t = cpu_seconds();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, lk, 1.0f, scores, lk, v, width, 0.0f,
                        out + (long)i0 * width, width);
            pv += cpu_seconds() - t;
        }
    }
    double flop = 2.0 * lk * lk * d;
    printf("%-5s keys %d, head %d, panels of %d, %d queries a block: QKt %.2f ms (%.0f GFLOP/s), softmax %.2f ms, "
           "PV %.2f ms (%.0f GFLOP/s)\n",
           mode, lk, d, pr, rows, qk * 1e3, flop / qk / 1e9, softmax * 1e3, pv * 1e3, flop / pv / 1e9);
    return 0;
}
