// GroupNorm (+ the SiLU that follows it in ResnetBlock2D and the decoders' heads) for one
// (image, group), AVX-512 wide: the Swift kernel ran as SSE and its SiLU's exp was most of
// the VAE's normalisation time.
#include "CKernels.h"
#include "avx512_math.h"

// Σ of n floats: 16-lane float sums over chunks of 1024, chunks added in double, so that
// a 512×512 group (4 million values) sums as accurately as a double loop would.
LZ_TARGET static double chunked_sum(const float *x, long n, float shift, int squares) {
    double total = 0;
    const __m512 s = _mm512_set1_ps(shift);
    for (long start = 0; start < n; start += 1024) {
        long end = start + 1024 < n ? start + 1024 : n;
        __m512 acc = _mm512_setzero_ps();
        for (long i = start; i < end; i += 16) {
            __m512 v = _mm512_sub_ps(_mm512_maskz_loadu_ps(lane_mask((int)(end - i)), x + i), s);
            v = _mm512_maskz_mov_ps(lane_mask((int)(end - i)), v);
            acc = squares ? _mm512_fmadd_ps(v, v, acc) : _mm512_add_ps(acc, v);
        }
        total += _mm512_reduce_add_ps(acc);
    }
    return total;
}

LZ_TARGET void lz_group_norm_group(float *x, int channels, long hw, const float *weight, const float *bias, float eps,
                                   int silu) {
    long count = channels * hw;
    double mean = chunked_sum(x, count, 0, 0) / (double)count;
    double variance = chunked_sum(x, count, (float)mean, 1) / (double)count;
    float inv = (float)(1.0 / __builtin_sqrt(variance + eps));
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int c = 0; c < channels; c++) {
        float scale = weight[c] * inv;
        __m512 vs = _mm512_set1_ps(scale), vb = _mm512_set1_ps(bias[c] - (float)mean * scale);
        float *p = x + (size_t)c * hw;
        for (long i = 0; i < hw; i += 16) {
            __mmask16 k = lane_mask((int)(hw - i < 16 ? hw - i : 16));
            __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, p + i), vs, vb);
            if (silu) v = _mm512_div_ps(v, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), v))));
            _mm512_mask_storeu_ps(p + i, k, v);
        }
    }
}
