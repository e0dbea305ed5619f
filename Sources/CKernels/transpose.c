// Transposes, AVX-512 wide: a strided scalar loop reads or writes one float per cache line.
#include "CKernels.h"

#include "avx512_math.h"

// dst[c][r] = src[r][c] · scale[c] (scale NULL: 1) for src (rows × cols, row stride ld_src)
// and dst rows ld_dst apart, in 16×16 blocks transposed in registers: a head's V turned
// into Vᵀ for packing, attention's Oᵀ turned back into O (each query scaled by its 1/Σ),
// and the transformers' feature maps to token sequences and back.
LZ_TARGET void lz_transpose_scaled(const float *src, int rows, int cols, long ld_src, const float *scale, float *dst,
                                   long ld_dst) {
    for (int c0 = 0; c0 < cols; c0 += 16) {
        __mmask16 column_mask = lane_mask(cols - c0);
        for (int r0 = 0; r0 < rows; r0 += 16) {
            __m512i v[16];
            for (int i = 0; i < 16; i++)
                v[i] = r0 + i < rows ? _mm512_maskz_loadu_epi32(column_mask, src + (size_t)(r0 + i) * ld_src + c0)
                                     : _mm512_setzero_si512();
            transpose_16x16(v);
            __mmask16 row_mask = lane_mask(rows - r0);
            for (int q = 0; q < 16 && c0 + q < cols; q++) {
                __m512 scaled = scale ? _mm512_mul_ps((__m512)v[q], _mm512_set1_ps(scale[c0 + q])) : (__m512)v[q];
                _mm512_mask_storeu_ps(dst + (size_t)(c0 + q) * ld_dst + r0, row_mask, scaled);
            }
        }
    }
}
