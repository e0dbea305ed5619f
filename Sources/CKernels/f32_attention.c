// fp32 products and softmax for the fp32 path's attention, on packed operands as the bf16
// kernel has them: OpenBLAS's sgemm reached 61–75 GFLOP/s a core on attention's shapes (k = 40
// for the scores, n = 40 for P·V), a micro-kernel of MR × 32 with the head's values in panels
// of 10 rows reaches about 100.
//
// Only the functions marked LZ_TARGET use AVX-512; the file is compiled for the baseline.
#include "CKernels.h"
#include "avx512_math.h"

#include <math.h>

// k steps a block: a B micro-panel's block (32 KiB) stays in L1 while the A panels go by.
enum { F32_KC = 256 };

static inline int min_int(int a, int b) { return a < b ? a : b; }

size_t lz_f32_packed_floats(int rows, int k, int panel_rows) {
    return (size_t)((rows + panel_rows - 1) / panel_rows) * panel_rows * (size_t)k;
}

LZ_TARGET void lz_f32_pack_panels(const float *src, long ld, int transposed, int rows, int k, int panel_rows,
                                  float *out) {
    for (int r0 = 0; r0 < rows; r0 += panel_rows) {
        float *panel = out + (size_t)r0 * k;
        int height = min_int(panel_rows, rows - r0);
        if (transposed) {
            // M[r][p] = src[p][r]: each k step is a run of the panel's rows, copied as it lies
            __mmask16 lo = lane_mask(height), hi = lane_mask(height - 16);
            for (int p = 0; p < k; p++) {
                const float *s = src + (size_t)p * ld + r0;
                float *d = panel + (size_t)p * panel_rows;
                _mm512_mask_storeu_ps(d, lane_mask(panel_rows), _mm512_maskz_loadu_ps(lo, s));
                if (panel_rows > 16) _mm512_mask_storeu_ps(d + 16, lane_mask(panel_rows - 16), _mm512_maskz_loadu_ps(hi, s + 16));
            }
        } else {
            // M[r][p] = src[r][p]: 16 k steps of 16 rows transposed in registers at a time
            for (int g = 0; g < panel_rows; g += 16) {
                int group = min_int(16, panel_rows - g);
                for (int p0 = 0; p0 < k; p0 += 16) {
                    __m512i v[16];
                    for (int r = 0; r < 16; r++)
                        v[r] = r < group && g + r < height
                                   ? _mm512_maskz_loadu_epi32(lane_mask(k - p0), src + (size_t)(r0 + g + r) * ld + p0)
                                   : _mm512_setzero_si512();
                    transpose_16x16(v);
                    for (int q = 0; q < 16 && p0 + q < k; q++)
                        _mm512_mask_storeu_epi32(panel + (size_t)(p0 + q) * panel_rows + g, lane_mask(group), v[q]);
                }
            }
        }
    }
}

// C tile (rows × cols ≤ MR × 32) (+)= A micro-panel · B micro-panel over kc k steps.
LZ_TARGET __attribute__((always_inline)) static inline void f32_micro_kernel(const int MR, int kc, const float *a,
                                                                              const float *b, float *c, long ldc,
                                                                              int rows, int cols, int accumulate) {
    __m512 acc[LZ_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            __m512 ar = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
        a += MR;
        b += 32;
    }
    __mmask16 m0 = lane_mask(cols), m1 = lane_mask(cols - 16);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        if (r < rows) {
            float *cr = c + (size_t)r * ldc;
            __m512 v0 = acc[r][0], v1 = acc[r][1];
            if (accumulate) {
                v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
                v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
            }
            _mm512_mask_storeu_ps(cr, m0, v0);
            _mm512_mask_storeu_ps(cr + 16, m1, v1);
        }
    }
}

LZ_TARGET void lz_f32_gemm_packed(int m, int n, int k, const float *a, int a_panel_rows, const float *b, float *c,
                                  long ldc) {
    int mr = a_panel_rows;
    for (int pc = 0; pc < k; pc += F32_KC) {
        int kc = min_int(F32_KC, k - pc);
        for (int j = 0; j < n; j += 32) {
            const float *bp = b + (size_t)j * k + (size_t)pc * 32;
            int cols = min_int(32, n - j);
            for (int i = 0; i < m; i += mr) {
                const float *ap = a + (size_t)i * k + (size_t)pc * mr;
                float *ct = c + (size_t)i * ldc + j;
                int rows = min_int(mr, m - i);
                if (mr == 10)
                    f32_micro_kernel(10, kc, ap, bp, ct, ldc, rows, cols, pc > 0);
                else if (mr == 8)
                    f32_micro_kernel(8, kc, ap, bp, ct, ldc, rows, cols, pc > 0);
                else
                    f32_micro_kernel(LZ_MR, kc, ap, bp, ct, ldc, rows, cols, pc > 0);
            }
        }
    }
}

LZ_TARGET void lz_f32_softmax_columns(float *x, int rows, int cols, long stride, float scale, float *inverse_sums) {
    const __m512 vscale = _mm512_set1_ps(scale);
    for (int c0 = 0; c0 < cols; c0 += 16) {
        __mmask16 mask = lane_mask(cols - c0);
        __m512 mv = column_max(x + c0, rows, stride, mask);
        __m512 sum = _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) {
            float *p = x + (size_t)r * stride + c0;
            __m512 e = _mm512_maskz_mov_ps(mask, exp_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, p), mv), vscale)));
            _mm512_mask_storeu_ps(p, mask, e);
            sum = _mm512_add_ps(sum, e);
        }
        store_inverse_sums(sum, cols - c0, inverse_sums + c0);
    }
}
