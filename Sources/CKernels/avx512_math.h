// AVX-512 pieces shared by the kernels: elementary functions, a register transpose and the
// bf16 pair store the packers use. Internal header.
#pragma once
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define LZ_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define LZ_TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

// The lanes of a 16-float vector that hold data when `valid` elements remain (masked
// loads and stores at the ragged end of a row or panel).
static inline __mmask16 lane_mask(int valid) {
    return valid >= 16 ? 0xFFFF : valid <= 0 ? 0 : (__mmask16)((1u << valid) - 1);
}

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

// The maxima down 16 columns (the lanes `mask`) of `rows` rows of x, `stride` apart: the
// column softmaxes' shifts. A column masked out entirely (-inf) gets 0, so that it shifts by
// 0 and comes out all zeros, not NaN.
LZ_TARGET static inline __m512 column_max(const float *x, int rows, long stride, __mmask16 mask) {
    const __m512 minus_inf = _mm512_set1_ps(-INFINITY);
    __m512 m = minus_inf;
    for (int r = 0; r < rows; r++) m = _mm512_max_ps(m, _mm512_mask_loadu_ps(m, mask, x + (size_t)r * stride));
    return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(m, minus_inf, _CMP_EQ_OQ), _mm512_setzero_ps());
}

// 1/Σ of the first `count` lanes of sum (none when count ≤ 0) into out.
LZ_TARGET static inline void store_inverse_sums(__m512 sum, int count, float *out) {
    _mm512_mask_storeu_ps(out, lane_mask(count), _mm512_div_ps(_mm512_set1_ps(1.0f), sum));
}

// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, odd extension):
// 1 − (a1·t + … + a5·t⁵)·e^(−x²) with t = 1 / (1 + p·|x|).
LZ_TARGET static inline __m512 erf_ps(__m512 x) {
    __m512 ax = _mm512_abs_ps(x);
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(ax, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(ax, ax)));
    __m512 y = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0f));
    // copy x's sign onto y
    return _mm512_or_ps(y, _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));
}

// Transposes 16 vectors of 16 words in place: afterwards v[q] holds word q of each of the
// 16 vectors given (unpack 32-bit, unpack 64-bit, then two rounds of 128-bit lane shuffles).
LZ_TARGET static inline void transpose_16x16(__m512i v[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
    }
    // u[4g + e], in 128-bit lane L: word 4L + e of vectors 4g … 4g + 3
    __m512i u[16];
    for (int g = 0; g < 16; g += 4) {
        u[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
        u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
        u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
        u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
    }
    for (int e = 0; e < 4; e++) {
        __m512i even_lo = _mm512_shuffle_i32x4(u[e], u[4 + e], 0x88), odd_lo = _mm512_shuffle_i32x4(u[e], u[4 + e], 0xdd);
        __m512i even_hi = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], 0x88),
                odd_hi = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], 0xdd);
        v[e] = _mm512_shuffle_i32x4(even_lo, even_hi, 0x88);
        v[8 + e] = _mm512_shuffle_i32x4(even_lo, even_hi, 0xdd);
        v[4 + e] = _mm512_shuffle_i32x4(odd_lo, odd_hi, 0x88);
        v[12 + e] = _mm512_shuffle_i32x4(odd_lo, odd_hi, 0xdd);
    }
}

// Stores 16 pair words (even[i], odd[i]) as bf16, rounded to nearest even: the packed
// layout of two consecutive k rows of a B panel, 16 columns.
LZ_TARGET_BF16 static inline void store_bf16_pairs(uint32_t *out, __m512 even, __m512 odd) {
    // [even 0..15 | odd 0..15] as bf16 → (even i, odd i) pairs
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    __m512i v = (__m512i)_mm512_cvtne2ps_pbh(odd, even);
    _mm512_storeu_si512(out, _mm512_permutexvar_epi16(interleave, v));
}
