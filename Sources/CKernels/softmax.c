// Attention's softmax for the bf16 path, AVX-512 wide (the Swift kernels are built for
// baseline x86-64, so their SIMD8 runs as two SSE halves).
#include "CKernels.h"

#include <math.h>

#include "avx512_math.h"

// Softmax down the columns of a (rows × cols) block, for scores held transposed (keys down,
// queries across): each query's max and sum run on 16 queries per vector, and a row of the
// block is read whole, so every load is a full, consecutive cache line.
LZ_TARGET void lz_softmax_columns_unnormalized(float *x, int rows, int cols, long stride, float scale,
                                               float *inverse_sums) {
    enum { V = 4 };  // vectors of queries handled together: 64 columns, one 256-byte run per row
    for (int c0 = 0; c0 < cols; c0 += 16 * V) {
        __mmask16 masks[V];
        __m512 mv[V], shift[V], sum[V];
        for (int v = 0; v < V; v++) {
            masks[v] = lane_mask(cols - c0 - 16 * v);
            mv[v] = _mm512_set1_ps(-INFINITY);
            sum[v] = _mm512_setzero_ps();
        }
        for (int r = 0; r < rows; r++) {
            const float *p = x + (size_t)r * stride + c0;
            for (int v = 0; v < V; v++) mv[v] = _mm512_max_ps(mv[v], _mm512_mask_loadu_ps(mv[v], masks[v], p + 16 * v));
        }
        __m512 vscale = _mm512_set1_ps(scale);
        for (int v = 0; v < V; v++) {
            // a column masked out entirely (-inf) shifts by 0, as the row softmax does
            __m512 m = _mm512_mask_mov_ps(mv[v], _mm512_cmp_ps_mask(mv[v], _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ),
                                          _mm512_setzero_ps());
            shift[v] = _mm512_mul_ps(m, _mm512_set1_ps(-scale));
        }
        for (int r = 0; r < rows; r++) {
            float *p = x + (size_t)r * stride + c0;
            for (int v = 0; v < V; v++) {
                if (!masks[v]) continue;
                __m512 e = exp_ps(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(masks[v], p + 16 * v), vscale, shift[v]));
                _mm512_mask_storeu_ps(p + 16 * v, masks[v], e);
                sum[v] = _mm512_add_ps(sum[v], _mm512_maskz_mov_ps(masks[v], e));
            }
        }
        for (int v = 0; v < V; v++) {
            float s[16];
            _mm512_storeu_ps(s, sum[v]);
            for (int i = 0; i < 16 && c0 + 16 * v + i < cols; i++) inverse_sums[c0 + 16 * v + i] = 1.0f / s[i];
        }
    }
}
