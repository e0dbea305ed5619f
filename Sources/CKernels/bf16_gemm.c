// bfloat16 GEMM for AVX512-BF16, in the GotoBLAS shape: B is packed one (KC2 × NC) block
// at a time, A one (MC × KC2) block at a time (or both come packed whole, as weights do),
// and a 12×32 micro-kernel keeps 24 accumulators in registers (10×32 or 8×32 for an A packed
// in panels of that height).
//
// Only the functions marked LZ_TARGET_BF16 use AVX-512; the file is compiled for the baseline
// so that a CPU without BF16 can still load the library and take the fp32 path.
#include "CKernels.h"
#include "avx512_math.h"

#include <stdlib.h>
#include <string.h>

// Blocking. The k dimension is cut into as few blocks as possible, each at most KC2_MAX
// pairs, so that C is read and written back once per block: with 128-pair blocks, that
// traffic (C tiles scattered over megabytes) cost a quarter of the rate on the U-Net's
// and the VAE's shapes. A micro-panel of B (≤ 64 KiB) and a block of A (MC × KC2 words)
// stay in the 1 MiB L2, as does a block of B packed on the fly (KC2 × NC words ≤ 512 KiB).
enum { KC2_MAX = 1024, MC = 96, NC = 128 };

static inline int pair_count(int k) { return (k + 1) / 2; }
static inline int min_int(int a, int b) { return a < b ? a : b; }

size_t lz_bf16_packed_a_words(int m, int k) { return lz_bf16_packed_a_panel_words(m, k, LZ_MR); }

size_t lz_bf16_packed_a_panel_words(int m, int k, int panel_rows) {
    return (size_t)((m + panel_rows - 1) / panel_rows) * panel_rows * (size_t)pair_count(k);
}

int lz_bf16_panel_rows(int m) {
    // the fewest padded rows; on a tie the taller panel, which reads B fewer times
    int best = LZ_MR;
    for (int rows = LZ_MR - 2; rows >= 8; rows -= 2) {
        int padded = (m + rows - 1) / rows * rows, best_padded = (m + best - 1) / best * best;
        if (padded < best_padded) best = rows;
    }
    return best;
}

size_t lz_bf16_packed_b_words(int n, int k) {
    return (size_t)((n + LZ_NR - 1) / LZ_NR) * LZ_NR * (size_t)pair_count(k);
}

// Round to nearest even, as _mm512_cvtne2ps_pbh does.
static inline uint32_t bf16_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u += 0x7FFF + ((u >> 16) & 1);
    return u >> 16;
}

// One panel of `width` (≤ 32) rows of a row-major matrix whose k-pairs are contiguous (A, or
// B given transposed): out[p·width + r] = (src[r][2p], src[r][2p+1]) for pairs p0..<p0+np.
// Rows from `rows` on, and k from `k` on, are zero. Sixteen rows at a time are converted
// and transposed in registers, so each pair's run of row words is one store (word by word,
// this was a tenth of a linear layer's time).
LZ_TARGET_BF16 static void pack_rows_panel(const float *src, long ld, int rows, int width, int k, int p0, int np,
                                      uint32_t *out) {
    for (int g = 0; g < width; g += 16) {
        int group = min_int(16, width - g);
        __mmask16 store_mask = lane_mask(group);
        for (int p = 0; p < np; p += 16) {
            int k0 = 2 * (p0 + p);
            int valid = k - k0;
            __m512i v[16];
            for (int r = 0; r < 16; r++) {
                v[r] = _mm512_setzero_si512();
                if (r >= group || g + r >= rows) continue;
                // 32 consecutive floats become 16 pair words in order
                const float *s = src + (size_t)(g + r) * ld + k0;
                __m512 x0 = _mm512_maskz_loadu_ps(lane_mask(valid), s);
                __m512 x1 = _mm512_maskz_loadu_ps(lane_mask(valid - 16), s + 16);
                v[r] = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
            }
            transpose_16x16(v);
            int count = min_int(16, np - p);
            for (int q = 0; q < count; q++) _mm512_mask_storeu_epi32(out + (size_t)(p + q) * width + g, store_mask, v[q]);
        }
    }
}

// One panel of LZ_NR columns of a row-major k×n B: out[p·NR + j] = (b[2p][j], b[2p+1][j]).
// Columns from `cols` on are zero.
LZ_TARGET_BF16 static void pack_columns_panel(const float *b, long ldb, int cols, int k, int p0, int np, uint32_t *out) {
    __mmask16 masks[2] = {lane_mask(cols), lane_mask(cols - 16)};
    for (int p = 0; p < np; p++) {
        int k0 = 2 * (p0 + p);
        const float *r0 = b + (size_t)k0 * ldb;
        const float *r1 = r0 + ldb;
        int second = k0 + 1 < k;
        for (int h = 0; h < 2; h++) {
            __m512 x0 = _mm512_maskz_loadu_ps(masks[h], r0 + 16 * h);
            __m512 x1 = second ? _mm512_maskz_loadu_ps(masks[h], r1 + 16 * h) : _mm512_setzero_ps();
            store_bf16_pairs(out + (size_t)p * LZ_NR + 16 * h, x0, x1);
        }
    }
}

// One panel of LZ_NR columns of a convolution's unfolded input (see lz_conv_image), columns
// j0..<j0+LZ_NR, all in output row j0 / out_width: each k row is a run of LZ_NR input pixels,
// read where the image has them and zero in the padding.
LZ_TARGET_BF16 static void pack_convolution_panel(const lz_conv_image *x, int k, int j0, int p0, int np,
                                                  uint32_t *out) {
    int oy = j0 / x->out_width, ox0 = j0 % x->out_width;
    // (channel, ky, kx) of k row 2·p0, stepped along with k instead of divided out each time
    int kk = 2 * p0, taps = x->kernel * x->kernel;
    int ch = kk / taps, ky = kk % taps / x->kernel, kx = kk % x->kernel;
    for (int p = 0; p < np; p++) {
        __m512 rows[2][2];
        for (int e = 0; e < 2; e++, kk++) {
            rows[e][0] = rows[e][1] = _mm512_setzero_ps();
            int iy = oy + ky - x->padding;
            if (kk < k && iy >= 0 && iy < x->height) {
                int ix0 = ox0 + kx - x->padding;  // input column of lane 0
                const float *src = x->image + ((size_t)ch * x->height + iy) * x->width;
                // The panel after next reads this row 2·LZ_NR pixels further on: ask for it
                // now. Hundreds of rows (channels × ky) are read side by side, more streams
                // than the hardware prefetcher follows; without this, a third of a 512² VAE
                // layer was spent waiting for them (128-channel layers 124 → 163 GFLOP/s).
                if (kx == 0) {
                    _mm_prefetch((const char *)(src + ox0 + 2 * LZ_NR), _MM_HINT_T0);
                    _mm_prefetch((const char *)(src + ox0 + 2 * LZ_NR + 16), _MM_HINT_T0);
                }
                for (int h = 0; h < 2; h++) {
                    int first = ix0 + 16 * h;
                    // lanes whose input column lies inside the row
                    __mmask16 mask = (__mmask16)(lane_mask(x->width - first) & ~lane_mask(-first));
                    if (mask) rows[e][h] = _mm512_maskz_loadu_ps(mask, src + first);
                }
            }
            if (++kx == x->kernel) {
                kx = 0;
                if (++ky == x->kernel) ky = 0, ch++;
            }
        }
        for (int h = 0; h < 2; h++) store_bf16_pairs(out + (size_t)p * LZ_NR + 16 * h, rows[0][h], rows[1][h]);
    }
}

void lz_bf16_pack_a(const float *a, long lda, int m, int k, uint32_t *out) { lz_bf16_pack_a_panels(a, lda, m, k, LZ_MR, out); }

void lz_bf16_pack_a_panels(const float *a, long lda, int m, int k, int panel_rows, uint32_t *out) {
    int k2 = pair_count(k);
    for (int i = 0; i < m; i += panel_rows)
        pack_rows_panel(a + (size_t)i * lda, lda, min_int(panel_rows, m - i), panel_rows, k, 0, k2, out + (size_t)i * k2);
}

void lz_bf16_pack_b_transposed(const float *bt, long ldb, int n, int k, uint32_t *out) {
    int k2 = pair_count(k);
    for (int j = 0; j < n; j += LZ_NR)
        pack_rows_panel(bt + (size_t)j * ldb, ldb, min_int(LZ_NR, n - j), LZ_NR, k, 0, k2, out + (size_t)j * k2);
}

void lz_bf16_pack_b(const float *b, long ldb, int k, int n, uint32_t *out) {
    int k2 = pair_count(k);
    for (int j = 0; j < n; j += LZ_NR)
        pack_columns_panel(b + j, ldb, min_int(LZ_NR, n - j), k, 0, k2, out + (size_t)j * k2);
}

// C tile (rows × cols ≤ MR × 32) (+)= A micro-panel · B micro-panel over np k-pairs, plus
// the tile's row bias (one value per row) or column bias (one per column) when given.
// MR is the A panel's height, a constant at each call site (12, 10 or 8) so that the
// accumulators stay in registers.
LZ_TARGET_BF16 __attribute__((always_inline)) static inline void micro_kernel(
    const int MR, int np, const uint32_t *a, const uint32_t *b, float *c, long ldc, int rows, int cols, int accumulate,
    const float *row_bias, const float *column_bias) {
    __m512 acc[LZ_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int p = 0; p < np; p++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
        __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            __m512bh ar = (__m512bh)_mm512_set1_epi32((int)a[r]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], ar, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], ar, b1);
        }
        a += MR;
        b += LZ_NR;
    }
    __mmask16 m0 = lane_mask(cols), m1 = lane_mask(cols - 16);
    __m512 cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
    if (column_bias) {
        cb0 = _mm512_maskz_loadu_ps(m0, column_bias);
        cb1 = _mm512_maskz_loadu_ps(m1, column_bias + 16);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        if (r < rows) {
            float *cr = c + (size_t)r * ldc;
            __m512 v0 = acc[r][0], v1 = acc[r][1];
            if (row_bias) {
                __m512 rb = _mm512_set1_ps(row_bias[r]);
                v0 = _mm512_add_ps(v0, rb);
                v1 = _mm512_add_ps(v1, rb);
            }
            if (column_bias) {
                v0 = _mm512_add_ps(v0, cb0);
                v1 = _mm512_add_ps(v1, cb1);
            }
            if (accumulate) {
                v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
                v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
            }
            _mm512_mask_storeu_ps(cr, m0, v0);
            _mm512_mask_storeu_ps(cr + 16, m1, v1);
        }
    }
}

LZ_TARGET_BF16 void lz_bf16_gemm(int m, int n, int k, lz_bf16_operand a, lz_bf16_operand b, float *c, long ldc, int m0,
                            int m1, int n0, int n1, int accumulate, const float *row_bias, const float *column_bias) {
    int k2 = pair_count(k);
    int k_blocks = (k2 + KC2_MAX - 1) / KC2_MAX;
    int KC2 = (k2 + k_blocks - 1) / k_blocks;
    uint32_t *bbuf = b.packed ? NULL : aligned_alloc(64, sizeof(uint32_t) * KC2 * NC);
    uint32_t *abuf = a.packed ? NULL : aligned_alloc(64, sizeof(uint32_t) * KC2 * MC);
    // NC bounds the buffer B is packed into; a B packed in advance needs no bound, and one
    // column block means an on-the-fly A is packed once instead of once per block.
    int block_columns = b.packed ? n1 - n0 : NC;
    // rows per A panel: LZ_MR, or what a packed A was packed with
    int mr = a.packed && a.panel_rows ? a.panel_rows : LZ_MR, mc_block = MC / mr * mr;
    for (int jc = n0; jc < n1; jc += block_columns) {
        int nc = min_int(block_columns, n1 - jc);
        for (int pc = 0; pc < k2; pc += KC2) {
            int kc = min_int(KC2, k2 - pc);
            if (!b.packed) {
                for (int jr = 0; jr < nc; jr += LZ_NR) {
                    int j = jc + jr;
                    uint32_t *dst = bbuf + (size_t)(jr / LZ_NR) * kc * LZ_NR;
                    if (b.convolution)
                        pack_convolution_panel(b.convolution, k, j, pc, kc, dst);
                    else if (b.transposed)
                        pack_rows_panel(b.data + (size_t)j * b.ld, b.ld, min_int(LZ_NR, n - j), LZ_NR, k, pc, kc, dst);
                    else
                        pack_columns_panel(b.data + j, b.ld, min_int(LZ_NR, n - j), k, pc, kc, dst);
                }
            }
            for (int ic = m0; ic < m1; ic += mc_block) {
                int mc = min_int(mc_block, m1 - ic);
                if (!a.packed) {
                    for (int ir = 0; ir < mc; ir += LZ_MR) {
                        int i = ic + ir;
                        pack_rows_panel(a.data + (size_t)i * a.ld, a.ld, min_int(LZ_MR, m - i), LZ_MR, k, pc, kc,
                                        abuf + (size_t)(ir / LZ_MR) * kc * LZ_MR);
                    }
                }
                for (int jr = 0; jr < nc; jr += LZ_NR) {
                    int j = jc + jr;
                    const uint32_t *bp = b.packed ? b.packed + (size_t)(j / LZ_NR) * k2 * LZ_NR + (size_t)pc * LZ_NR
                                                  : bbuf + (size_t)(jr / LZ_NR) * kc * LZ_NR;
                    int cols = min_int(LZ_NR, n1 - j);
                    for (int ir = 0; ir < mc; ir += mr) {
                        int i = ic + ir;
                        const uint32_t *ap = a.packed ? a.packed + (size_t)(i / mr) * k2 * mr + (size_t)pc * mr
                                                      : abuf + (size_t)(ir / mr) * kc * mr;
                        float *ct = c + (size_t)i * ldc + j;
                        int rows = min_int(mr, m1 - i), acc = accumulate || pc > 0;
                        // the bias goes in once, with the first k block
                        const float *rb = pc == 0 && row_bias ? row_bias + i : NULL;
                        const float *cb = pc == 0 && column_bias ? column_bias + j : NULL;
                        if (mr == 10)
                            micro_kernel(10, kc, ap, bp, ct, ldc, rows, cols, acc, rb, cb);
                        else if (mr == 8)
                            micro_kernel(8, kc, ap, bp, ct, ldc, rows, cols, acc, rb, cb);
                        else
                            micro_kernel(LZ_MR, kc, ap, bp, ct, ldc, rows, cols, acc, rb, cb);
                    }
                }
            }
        }
    }
    free(bbuf);
    free(abuf);
}
