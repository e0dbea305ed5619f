// The normalisations, AVX-512 wide (the Swift loops they replace ran as SSE): GroupNorm with
// the SiLU that follows it in ResnetBlock2D and the decoders' heads (its exp was most of the
// VAE's normalisation time), and LayerNorm.
#include "CKernels.h"
#include "avx512_math.h"

#include <math.h>

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

LZ_TARGET void lz_group_norm_coefficients(const float *x, int channels, long hw, const float *weight, const float *bias,
                                          float eps, float *scale, float *shift) {
    long count = channels * hw;
    double mean = chunked_sum(x, count, 0, 0) / (double)count;
    double variance = chunked_sum(x, count, (float)mean, 1) / (double)count;
    float inv = (float)(1.0 / __builtin_sqrt(variance + eps));
    for (int c = 0; c < channels; c++) {
        scale[c] = weight[c] * inv;
        shift[c] = bias[c] - (float)mean * scale[c];
    }
}

LZ_TARGET void lz_group_norm_group(float *x, int channels, long hw, const float *weight, const float *bias, float eps,
                                   int silu) {
    float scale[channels], shift[channels];
    lz_group_norm_coefficients(x, channels, hw, weight, bias, eps, scale, shift);
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int c = 0; c < channels; c++) {
        __m512 vs = _mm512_set1_ps(scale[c]), vb = _mm512_set1_ps(shift[c]);
        float *p = x + (size_t)c * hw;
        for (long i = 0; i < hw; i += 16) {
            __mmask16 k = lane_mask((int)(hw - i < 16 ? hw - i : 16));
            __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, p + i), vs, vb);
            if (silu) v = _mm512_div_ps(v, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), v))));
            _mm512_mask_storeu_ps(p + i, k, v);
        }
    }
}

// LayerNorm over each row (the transformer blocks' 4096-token sequences of 320–1280
// features): two passes for the mean and the variance, 16 lanes wide, then the affine map.
LZ_TARGET void lz_layer_norm_rows(const float *x, int rows, int dim, const float *weight, const float *bias, float eps,
                                  float *y) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * dim;
        float *out = y + (size_t)r * dim;
        __m512 acc = _mm512_setzero_ps();
        for (int i = 0; i < dim; i += 16) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(lane_mask(dim - i), row + i));
        float mean = _mm512_reduce_add_ps(acc) / (float)dim;
        const __m512 vm = _mm512_set1_ps(mean);
        acc = _mm512_setzero_ps();
        for (int i = 0; i < dim; i += 16) {
            __mmask16 k = lane_mask(dim - i);
            __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, row + i), vm);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
        const __m512 inv = _mm512_set1_ps(1.0f / sqrtf(_mm512_reduce_add_ps(acc) / (float)dim + eps));
        for (int i = 0; i < dim; i += 16) {
            __mmask16 k = lane_mask(dim - i);
            __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + i), vm), inv);
            v = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(k, weight + i), _mm512_maskz_loadu_ps(k, bias + i));
            _mm512_mask_storeu_ps(out + i, k, v);
        }
    }
}
