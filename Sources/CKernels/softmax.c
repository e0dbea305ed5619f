// Attention's row softmax for the bf16 path, AVX-512 wide (the Swift kernels are built for
// baseline x86-64, so their SIMD8 runs as two SSE halves).
#include "CKernels.h"

#include <math.h>

#include "avx512_math.h"

LZ_TARGET void lz_softmax_rows_unnormalized(float *x, int rows, int cols, long stride, float scale,
                                            float *inverse_sums) {
    for (int r = 0; r < rows; r++) {
        float *p = x + (size_t)r * stride;
        __m512 mv = _mm512_set1_ps(-INFINITY);
        int j = 0;
        for (; j + 16 <= cols; j += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(p + j));
        if (j < cols) mv = _mm512_max_ps(mv, _mm512_mask_loadu_ps(mv, lane_mask(cols - j), p + j));
        float m = _mm512_reduce_max_ps(mv);
        if (m == -INFINITY) m = 0;
        __m512 shift = _mm512_set1_ps(-m * scale), vscale = _mm512_set1_ps(scale);
        __m512 sum = _mm512_setzero_ps();
        for (j = 0; j + 16 <= cols; j += 16) {
            __m512 e = exp_ps(_mm512_fmadd_ps(_mm512_loadu_ps(p + j), vscale, shift));
            _mm512_storeu_ps(p + j, e);
            sum = _mm512_add_ps(sum, e);
        }
        if (j < cols) {
            __mmask16 k = lane_mask(cols - j);
            __m512 e = exp_ps(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, p + j), vscale, shift));
            _mm512_mask_storeu_ps(p + j, k, e);
            sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, e));
        }
        inverse_sums[r] = 1.0f / _mm512_reduce_add_ps(sum);
    }
}
