// Attention's row softmax for the bf16 path, AVX-512 wide (the Swift kernels are built for
// baseline x86-64, so their SIMD8 runs as two SSE halves).
#include "CKernels.h"

#include <immintrin.h>
#include <math.h>

#define LZ_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

// e^x, Cephes-style as the engine's fastExp: x = n·ln2 + r, degree-6 polynomial in r,
// 2^n from the exponent bits; x below -87.3 gives 0.
LZ_TARGET static inline __m512 exp_ps(__m512 x) {
    __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(c, _mm512_set1_ps(1.442695040888963f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), c);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    __m512 result = _mm512_scalef_ps(y, n);
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_GE_OQ), result);
}

LZ_TARGET void lz_softmax_rows_unnormalized(float *x, int rows, int cols, long stride, float scale,
                                            float *inverse_sums) {
    for (int r = 0; r < rows; r++) {
        float *p = x + (size_t)r * stride;
        __m512 mv = _mm512_set1_ps(-INFINITY);
        int j = 0;
        for (; j + 16 <= cols; j += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(p + j));
        if (j < cols) mv = _mm512_max_ps(mv, _mm512_mask_loadu_ps(mv, (__mmask16)((1u << (cols - j)) - 1), p + j));
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
            __mmask16 k = (__mmask16)((1u << (cols - j)) - 1);
            __m512 e = exp_ps(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, p + j), vscale, shift));
            _mm512_mask_storeu_ps(p + j, k, e);
            sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, e));
        }
        inverse_sums[r] = 1.0f / _mm512_reduce_add_ps(sum);
    }
}
