// GEGLU's gate for the U-Net's feed-forward layers, AVX-512 wide (libm's scalar erff was
// a tenth of a U-Net step).
#include "CKernels.h"
#include "avx512_math.h"

// x is (rows, 2·dim) = [hidden | gate]; y (rows, dim) = hidden · 0.5 · gate · (1 + erf(gate / √2)).
LZ_TARGET void lz_geglu(const float *x, int rows, int dim, float *y) {
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), rsqrt2 = _mm512_set1_ps(0.70710678118654752f);
    for (int r = 0; r < rows; r++) {
        const float *hidden = x + (size_t)r * 2 * dim, *gate = hidden + dim;
        float *out = y + (size_t)r * dim;
        for (int i = 0; i < dim; i += 16) {
            __mmask16 k = lane_mask(dim - i);
            __m512 g = _mm512_maskz_loadu_ps(k, gate + i);
            __m512 gelu = _mm512_mul_ps(_mm512_mul_ps(half, g), _mm512_add_ps(one, erf_ps(_mm512_mul_ps(g, rsqrt2))));
            _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, hidden + i), gelu));
        }
    }
}
