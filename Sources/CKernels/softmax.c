// Attention's softmax for the bf16 path, AVX-512 wide (the Swift kernels are built for
// baseline x86-64, so their SIMD8 runs as two SSE halves).
#include "CKernels.h"

#include <math.h>

#include "avx512_math.h"

// 2^t for softmax probabilities that are rounded to bf16 next (8 significant bits): the
// fraction f = t − ⌊t⌋ by one vreduceps, 2^f by a degree-3 polynomial on [0, 1) (relative
// error 8e-5, against bf16's rounding of 2e-3), scaled by 2^⌊t⌋ with vscalefps, which floors t
// itself. The caller folds log2 e into t. Anything below 2^-150 (−inf included) gives 0.
LZ_TARGET static inline __m512 exp2_for_bf16(__m512 t) {
    t = _mm512_max_ps(t, _mm512_set1_ps(-150.0f));
    __m512 f = _mm512_reduce_ps(t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 p = _mm512_set1_ps(0.07790728f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.22623387f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.69577639f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.99992795f));
    return _mm512_scalef_ps(p, t);
}

// Softmax down the columns of a (rows × cols) block of scores held transposed (keys down,
// queries across), written straight into the packed B operand of the P·V product (k = rows,
// n = cols), so the probabilities are never stored in fp32 nor read back to be packed. Each
// panel of 32 queries is two passes: the column maxima, then exp, sums and packing, a pair
// of key rows at a time.
LZ_TARGET_BF16 void lz_softmax_columns_packed(const float *x, int rows, int cols, long stride, float scale,
                                         float *inverse_sums, uint32_t *packed) {
    // exp(scale·(x − max)) = 2^(scale·log2 e·x − scale·log2 e·max): one fmadd per score
    const float scale2 = scale * 1.442695040888963f;
    const __m512 vscale = _mm512_set1_ps(scale2);
    int pairs = (rows + 1) / 2;
    for (int c0 = 0; c0 < cols; c0 += LZ_NR) {
        uint32_t *panel = packed + (size_t)(c0 / LZ_NR) * pairs * LZ_NR;
        __mmask16 masks[2] = {lane_mask(cols - c0), lane_mask(cols - c0 - 16)};
        __m512 shift[2], sum[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int h = 0; h < 2; h++)
            shift[h] = _mm512_mul_ps(column_max(x + c0 + 16 * h, rows, stride, masks[h]), _mm512_set1_ps(-scale2));
        for (int p = 0; p < pairs; p++) {
            const float *r0 = x + (size_t)(2 * p) * stride + c0;
            int second = 2 * p + 1 < rows;
            for (int h = 0; h < 2; h++) {
                __m512 e0 = _mm512_maskz_mov_ps(
                    masks[h], exp2_for_bf16(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(masks[h], r0 + 16 * h), vscale, shift[h])));
                __m512 e1 = _mm512_setzero_ps();
                if (second)
                    e1 = _mm512_maskz_mov_ps(masks[h], exp2_for_bf16(_mm512_fmadd_ps(
                        _mm512_maskz_loadu_ps(masks[h], r0 + stride + 16 * h), vscale, shift[h])));
                sum[h] = _mm512_add_ps(sum[h], _mm512_add_ps(e0, e1));
                store_bf16_pairs(panel + (size_t)p * LZ_NR + 16 * h, e0, e1);
            }
        }
        for (int h = 0; h < 2; h++) store_inverse_sums(sum[h], cols - c0 - 16 * h, inverse_sums + c0 + 16 * h);
    }
}

// The fp32 path's softmax over rows of scores (queries down, keys across): exp(x − rowmax)
// in place with exp_ps (2 ulp), each row's 1/Σ in inverse_sums. The Swift loop it replaces
// ran as SSE and was a third of fp32 attention's time.
LZ_TARGET void lz_softmax_rows_unnormalized(float *x, int rows, int cols, long stride, float *inverse_sums) {
    for (int r = 0; r < rows; r++) {
        float *p = x + (size_t)r * stride;
        __m512 m = _mm512_set1_ps(-INFINITY);
        for (int j = 0; j < cols; j += 16)
            m = _mm512_max_ps(m, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), lane_mask(cols - j), p + j));
        float max = _mm512_reduce_max_ps(m);
        if (max == -INFINITY) max = 0;  // a fully masked row: zeros, not NaNs
        __m512 vmax = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
        for (int j = 0; j < cols; j += 16) {
            __mmask16 k = lane_mask(cols - j);
            __m512 e = _mm512_maskz_mov_ps(k, exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, p + j), vmax)));
            _mm512_mask_storeu_ps(p + j, k, e);
            sum = _mm512_add_ps(sum, e);
        }
        inverse_sums[r] = 1.0f / _mm512_reduce_add_ps(sum);
    }
}
