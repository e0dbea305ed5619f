// Winograd F(2×2, 3×3) for the 3×3, stride-1, padding-1 convolutions in bf16 (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2015). Each 2×2 block of outputs
// ("tile") comes from a 4×4 patch of input d as Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A: sixteen
// element-wise products per tile instead of 36 multiply-adds, 2.25× fewer. Summed over
// input channels, the sixteen products become sixteen GEMMs, M_ξ = U_ξ · V_ξ, with
// U_ξ (outputs × inputs) the transformed weights and V_ξ (inputs × tiles) the transformed
// input, both in bf16 for `lz_bf16_gemm`, sums in fp32.
//
// Tiles are numbered along rows of a grid whose row length is rounded up to 16 tiles, so
// that each group of 16 tiles the transforms handle together lies in one row of the image;
// rows of at most 8 tiles are not rounded up, and a group spans 2 or 4 of them (narrow rows).
#include "CKernels.h"
#include "avx512_math.h"

#include <stdlib.h>
#include <string.h>

// Tiles are transformed 16 at a time (one vector), and multiplied BLOCK_COLUMNS at a time.
enum { TILE_GROUP = 16, BLOCK_COLUMNS = 128 };

static inline int min_int(int a, int b) { return a < b ? a : b; }
static inline int pair_count(int k) { return (k + 1) / 2; }

// Rows of at most 8 tiles (images up to 16 wide: the U-Net's 16² and 8² levels at 512²) are
// not padded to 16: they take 4 or 8 tiles a row and a group of 16 tiles spans 4 or 2 rows
// ("narrow" rows, read and written a row-slot at a time), instead of working 2 or 4 times
// the tiles there are.
int lz_winograd_tiles_per_row(int width) {
    int tiles = (width + 1) / 2;
    if (tiles <= 4 && width >= 5) return 4;
    if (tiles <= 8 && tiles > 4) return 8;
    return (tiles + TILE_GROUP - 1) / TILE_GROUP * TILE_GROUP;
}

// The lanes of a group of narrow rows: lane t is tile (t / tiles_per_row, t % tiles_per_row)
// of the group, and each tile row has a slot of 2·tiles_per_row floats in the 32 that two
// vectors hold side by side.
typedef struct {
    int tiles_per_row, slot;
    __m512i column;  // t % tiles_per_row
    __m512i row;     // t / tiles_per_row
} narrow_lanes;

LZ_TARGET static inline narrow_lanes narrow_lanes_for(int tiles_per_row) {
    __m512i t = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int shift = tiles_per_row == 4 ? 2 : 3;
    narrow_lanes l = {tiles_per_row, 2 * tiles_per_row, _mm512_and_si512(t, _mm512_set1_epi32(tiles_per_row - 1)),
                      _mm512_srli_epi32(t, shift)};
    return l;
}

size_t lz_winograd_weight_words(int out_channels, int in_channels) {
    return 16 * lz_bf16_packed_a_words(out_channels, in_channels);
}

void lz_winograd_transform_weights_f32(const float *weight, int out_channels, int in_channels, float *u) {
    size_t plane = (size_t)out_channels * in_channels;
    for (size_t oi = 0; oi < plane; oi++) {
        const float *g = weight + 9 * oi;
        // G g (4 × 3), G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
        float gg[4][3];
        for (int c = 0; c < 3; c++) {
            gg[0][c] = g[c];
            gg[1][c] = 0.5f * (g[c] + g[3 + c] + g[6 + c]);
            gg[2][c] = 0.5f * (g[c] - g[3 + c] + g[6 + c]);
            gg[3][c] = g[6 + c];
        }
        // (G g) Gᵀ (4 × 4)
        for (int r = 0; r < 4; r++) {
            u[(size_t)(4 * r + 0) * plane + oi] = gg[r][0];
            u[(size_t)(4 * r + 1) * plane + oi] = 0.5f * (gg[r][0] + gg[r][1] + gg[r][2]);
            u[(size_t)(4 * r + 2) * plane + oi] = 0.5f * (gg[r][0] - gg[r][1] + gg[r][2]);
            u[(size_t)(4 * r + 3) * plane + oi] = gg[r][2];
        }
    }
}

void lz_winograd_transform_weights(const float *weight, int out_channels, int in_channels, uint32_t *out) {
    size_t plane = (size_t)out_channels * in_channels;
    float *u = malloc(sizeof(float) * 16 * plane);
    lz_winograd_transform_weights_f32(weight, out_channels, in_channels, u);
    size_t words = lz_bf16_packed_a_words(out_channels, in_channels);
    for (int xi = 0; xi < 16; xi++)
        lz_bf16_pack_a(u + xi * plane, in_channels, out_channels, in_channels, out + xi * words);
    free(u);
}

// Row `iy` of channel `ch` of the convolution's input at columns x..x+15 and x+16..x+31
// (and, in w[2], x+32 and x+33), with the input's prologue applied: GroupNorm's per-channel
// affine map and SiLU, zero outside the image (the padding stays zero after the prologue).
// An upsampled input reads row iy/2 of the half-size image, and column c from c/2.
LZ_TARGET static inline __m512 prologue(__m512 v, __mmask16 inside, const lz_winograd_input *x, __m512 a, __m512 b) {
    if (!x->scale) return v;
    v = _mm512_fmadd_ps(v, a, b);
    if (x->silu) v = _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    return _mm512_maskz_mov_ps(inside, v);
}

// The 4×4 input patches of 16 tiles of channel `ch`, starting at tile (ty, tx0), as
// d[r][c] (vectors over the 16 tiles): row 2·ty − 1 + r, column 2·(tx0 + t) − 1 + c.
// Outside the image they are zero (the padding, and the grid's rounded-up tiles).
LZ_TARGET __attribute__((always_inline)) static inline void load_patches(const lz_winograd_input *x, int ch, int ty, int tx0, __m512 d[4][4]) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    int sh = x->upsampled ? x->height / 2 : x->height, sw = x->upsampled ? x->width / 2 : x->width;
    const float *plane = x->image + (size_t)ch * sh * sw;
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
    if (x->scale) a = _mm512_set1_ps(x->scale[ch]), b = _mm512_set1_ps(x->shift[ch]);
    for (int r = 0; r < 4; r++) {
        int iy = 2 * ty - 1 + r;
        if (iy < 0 || iy >= x->height) {
            for (int c = 0; c < 4; c++) d[r][c] = _mm512_setzero_ps();
            continue;
        }
        const float *row = plane + (size_t)(x->upsampled ? iy / 2 : iy) * sw;
        // source columns from `first` on, 16 to a vector
        int first = x->upsampled ? tx0 - 1 : 2 * tx0 - 1;
        __m512 w[3];
        for (int h = 0; h < (x->upsampled ? 2 : 3); h++) {
            int s = first + 16 * h;
            __mmask16 inside = (__mmask16)(lane_mask(sw - s) & ~lane_mask(-s));
            if (h == 2) inside &= 0x3;
            w[h] = prologue(_mm512_maskz_loadu_ps(inside, row + s), inside, x, a, b);
        }
        if (x->upsampled) {
            // columns 2(tx0 + t) − 1 … 2(tx0 + t) + 2 come from source columns tx0 + t − 1, tx0 + t (twice), tx0 + t + 1
            __m512 middle = (__m512)_mm512_alignr_epi32((__m512i)w[1], (__m512i)w[0], 1);
            d[r][0] = w[0];
            d[r][1] = d[r][2] = middle;
            d[r][3] = (__m512)_mm512_alignr_epi32((__m512i)w[1], (__m512i)w[0], 2);
            continue;
        }
        // columns from x0 − 1 (c = 0, 1) and, two further on, from x0 + 1 (c = 2, 3)
        __m512 shifted0 = (__m512)_mm512_alignr_epi32((__m512i)w[1], (__m512i)w[0], 2);
        __m512 shifted1 = (__m512)_mm512_alignr_epi32((__m512i)w[2], (__m512i)w[1], 2);
        d[r][0] = _mm512_permutex2var_ps(w[0], evens, w[1]);
        d[r][1] = _mm512_permutex2var_ps(w[0], odds, w[1]);
        d[r][2] = _mm512_permutex2var_ps(shifted0, evens, shifted1);
        d[r][3] = _mm512_permutex2var_ps(shifted0, odds, shifted1);
    }
}

// row[0..count) placed in lanes first … first + count − 1 of v, the other lanes kept: the row
// is read from its own start (a load at row − first would point before the image).
LZ_TARGET static inline __m512 load_into_lanes(__m512 v, const float *row, int count, int first) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 loaded = _mm512_maskz_loadu_ps(lane_mask(count), row);
    return _mm512_mask_permutexvar_ps(v, (__mmask16)(lane_mask(count) << first),
                                      _mm512_sub_epi32(lanes, _mm512_set1_epi32(first)), loaded);
}

// load_patches for a group of narrow rows starting at tile row ty0 (see narrow_lanes). Tiles
// past the image's width read zeros or their neighbour's columns; their outputs are never
// stored.
LZ_TARGET __attribute__((always_inline)) static inline void load_patches_narrow(const lz_winograd_input *x, int ch, int ty0, __m512 d[4][4]) {
    narrow_lanes l = narrow_lanes_for(lz_winograd_tiles_per_row(x->width));
    int rows = 16 / l.tiles_per_row, per_vector = 16 / l.slot;
    int sh = x->upsampled ? x->height / 2 : x->height, sw = x->upsampled ? x->width / 2 : x->width;
    const float *plane = x->image + (size_t)ch * sh * sw;
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
    if (x->scale) a = _mm512_set1_ps(x->scale[ch]), b = _mm512_set1_ps(x->shift[ch]);
    for (int r = 0; r < 4; r++) {
        if (x->upsampled) {
            // one vector: tile row q's source row at lanes q·tiles_per_row…, columns 2c − 1 … 2c + 2
            // of tile c coming from source columns c − 1, c (twice), c + 1
            __m512 v = _mm512_setzero_ps();
            __mmask16 inside = 0;
            for (int q = 0; q < rows; q++) {
                int iy = 2 * (ty0 + q) - 1 + r;
                if (iy < 0 || iy >= x->height) continue;
                int first = q * l.tiles_per_row;
                __mmask16 lanes = (__mmask16)(lane_mask(sw) << first);
                v = load_into_lanes(v, plane + (size_t)(iy / 2) * sw, sw, first);
                inside |= lanes;
            }
            v = prologue(v, inside, x, a, b);
            __mmask16 has_left = _mm512_cmpneq_epi32_mask(l.column, _mm512_setzero_si512());
            __mmask16 has_right = _mm512_cmplt_epi32_mask(_mm512_add_epi32(l.column, _mm512_set1_epi32(1)), _mm512_set1_epi32(sw));
            d[r][0] = _mm512_maskz_mov_ps(has_left, (__m512)_mm512_alignr_epi32((__m512i)v, _mm512_setzero_si512(), 15));
            d[r][1] = d[r][2] = v;
            d[r][3] = _mm512_maskz_mov_ps(has_right, (__m512)_mm512_alignr_epi32(_mm512_setzero_si512(), (__m512i)v, 1));
            continue;
        }
        // two vectors: tile row q's input row in the slot at float q·slot of the 32
        __m512 halves[2];
        for (int h = 0; h < 2; h++) {
            __m512 v = _mm512_setzero_ps();
            __mmask16 inside = 0;
            for (int e = 0; e < per_vector; e++) {
                int q = h * per_vector + e;
                int iy = 2 * (ty0 + q) - 1 + r;
                if (q >= rows || iy < 0 || iy >= x->height) continue;
                int first = e * l.slot;
                __mmask16 lanes = (__mmask16)(lane_mask(x->width) << first);
                v = load_into_lanes(v, plane + (size_t)iy * sw, x->width, first);
                inside |= lanes;
            }
            halves[h] = prologue(v, inside, x, a, b);
        }
        for (int c = 0; c < 4; c++) {
            // column 2·(t % tiles_per_row) − 1 + c of the tile's slot; outside the slot is padding
            __m512i within = _mm512_add_epi32(_mm512_slli_epi32(l.column, 1), _mm512_set1_epi32(c - 1));
            __mmask16 valid = _mm512_cmpge_epi32_mask(within, _mm512_setzero_si512()) &
                              _mm512_cmplt_epi32_mask(within, _mm512_set1_epi32(l.slot));
            __m512i index = _mm512_add_epi32(_mm512_mullo_epi32(l.row, _mm512_set1_epi32(l.slot)), within);
            d[r][c] = _mm512_maskz_permutex2var_ps(valid, halves[0], index, halves[1]);
        }
    }
}

// V = Bᵀ d B, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]; v[4·r + c].
LZ_TARGET static inline void input_transform(__m512 d[4][4], __m512 v[16]) {
    __m512 t[4][4];
    for (int c = 0; c < 4; c++) {
        t[0][c] = _mm512_sub_ps(d[0][c], d[2][c]);
        t[1][c] = _mm512_add_ps(d[1][c], d[2][c]);
        t[2][c] = _mm512_sub_ps(d[2][c], d[1][c]);
        t[3][c] = _mm512_sub_ps(d[1][c], d[3][c]);
    }
    for (int r = 0; r < 4; r++) {
        v[4 * r + 0] = _mm512_sub_ps(t[r][0], t[r][2]);
        v[4 * r + 1] = _mm512_add_ps(t[r][1], t[r][2]);
        v[4 * r + 2] = _mm512_sub_ps(t[r][2], t[r][1]);
        v[4 * r + 3] = _mm512_sub_ps(t[r][1], t[r][3]);
    }
}

// The input of `columns` tiles from grid column j0 on, transformed and packed as sixteen
// B operands (inputs × columns, panels of LZ_NR), `stride` words apart.
// `narrow` is a constant at each call below, so that each copy inlines the one way of reading
// patches it takes (with both inlined in one loop, the VAE's convolutions lost a tenth).
LZ_TARGET_BF16 __attribute__((always_inline)) static inline void pack_transformed_input_rows(
    const int narrow, const lz_winograd_input *x, int tiles_per_row, int j0, int columns, uint32_t *v_packed,
    size_t stride) {
    int k2 = pair_count(x->channels);
    for (int jl = 0; jl < columns; jl += TILE_GROUP) {
        int j = j0 + jl;
        int ty = j / tiles_per_row, tx0 = j % tiles_per_row;
        size_t offset = (size_t)(jl / LZ_NR) * k2 * LZ_NR + (jl % LZ_NR);
        for (int p = 0; p < k2; p++) {
            __m512 v[2][16];
            for (int e = 0; e < 2; e++) {
                int ch = 2 * p + e;
                if (ch >= x->channels) {
                    for (int xi = 0; xi < 16; xi++) v[e][xi] = _mm512_setzero_ps();
                    continue;
                }
                __m512 d[4][4];
                if (narrow)
                    load_patches_narrow(x, ch, ty, d);
                else
                    load_patches(x, ch, ty, tx0, d);
                input_transform(d, v[e]);
            }
            for (int xi = 0; xi < 16; xi++)
                store_bf16_pairs(v_packed + xi * stride + offset + (size_t)p * LZ_NR, v[0][xi], v[1][xi]);
        }
    }
    // the rest of a last, half-filled panel: zero, so the kernel multiplies nothing undefined
    if (columns % LZ_NR) {
        size_t offset = (size_t)(columns / LZ_NR) * k2 * LZ_NR + (columns % LZ_NR);
        for (int xi = 0; xi < 16; xi++)
            for (int p = 0; p < k2; p++)
                memset(v_packed + xi * stride + offset + (size_t)p * LZ_NR, 0, sizeof(uint32_t) * (LZ_NR - columns % LZ_NR));
    }
}

LZ_TARGET_BF16 static void pack_transformed_input(const lz_winograd_input *x, int tiles_per_row, int j0, int columns,
                                                  uint32_t *v_packed, size_t stride) {
    if (tiles_per_row < TILE_GROUP)
        pack_transformed_input_rows(1, x, tiles_per_row, j0, columns, v_packed, stride);
    else
        pack_transformed_input_rows(0, x, tiles_per_row, j0, columns, v_packed, stride);
}

// `narrow` a constant at each call, as for pack_transformed_input_rows.
LZ_TARGET __attribute__((always_inline)) static inline void input_f32_rows(const int narrow, const lz_winograd_input *x,
                                                                            int tiles_per_row, int j0, int columns,
                                                                            float *v, size_t stride) {
    for (int ch = 0; ch < x->channels; ch++) {
        for (int jl = 0; jl < columns; jl += TILE_GROUP) {
            int j = j0 + jl;
            __m512 d[4][4], t[16];
            if (narrow)
                load_patches_narrow(x, ch, j / tiles_per_row, d);
            else
                load_patches(x, ch, j / tiles_per_row, j % tiles_per_row, d);
            input_transform(d, t);
            for (int xi = 0; xi < 16; xi++) _mm512_storeu_ps(v + xi * stride + (size_t)ch * BLOCK_COLUMNS + jl, t[xi]);
        }
    }
}

LZ_TARGET void lz_winograd_input_f32(const lz_winograd_input *x, int j0, int columns, float *v, size_t stride) {
    int tiles_per_row = lz_winograd_tiles_per_row(x->width);
    if (tiles_per_row < TILE_GROUP)
        input_f32_rows(1, x, tiles_per_row, j0, columns, v, stride);
    else
        input_f32_rows(0, x, tiles_per_row, j0, columns, v, stride);
}

// Output row r (0 or 1) of a group's 16 tiles, given Aᵀ M's two rows s[r][c]: (Aᵀ M A)[r] plus
// the bias, tiles 0–7 in halves[0] and 8–15 in halves[1], each tile's two outputs side by side.
LZ_TARGET static inline void output_row(__m512 s[2][4], int r, __m512 b, __m512 halves[2]) {
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512 y0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[r][0], s[r][1]), s[r][2]), b);
    __m512 y1 = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[r][1], s[r][2]), s[r][3]), b);
    halves[0] = _mm512_permutex2var_ps(y0, low, y1);
    halves[1] = _mm512_permutex2var_ps(y0, high, y1);
}

// v's lanes `mask` written into, or (accumulate) added to, those of the floats at p.
LZ_TARGET static inline void write_lanes(float *p, __mmask16 mask, __m512 v, int accumulate) {
    if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, p), v);
    _mm512_mask_storeu_ps(p, mask, v);
}

// The 2×2 outputs of a group of narrow rows from tile row ty0 on: each output row's floats go
// to the tile rows' slots (see narrow_lanes).
LZ_TARGET static inline void store_tiles_narrow(__m512 s[2][4], __m512 b, int ty0, int tiles_per_row, float *plane,
                                                int height, int width, int accumulate) {
    int slot = 2 * tiles_per_row, per_vector = 16 / slot;
    for (int r = 0; r < 2; r++) {
        __m512 halves[2];
        output_row(s, r, b, halves);
        for (int h = 0; h < 2; h++) {
            for (int e = 0; e < per_vector; e++) {
                int oy = 2 * (ty0 + h * per_vector + e) + r;
                if (oy >= height) break;
                int first = e * slot;
                write_lanes(plane + (size_t)oy * width - first, (__mmask16)(lane_mask(width) << first), halves[h], accumulate);
            }
        }
    }
}

// Y = Aᵀ M A + bias, Aᵀ = [1 1 1 0; 0 1 −1 −1], for the tiles of one output channel, written
// into (or, `accumulate`, added to) the channel's (height × width) plane.
// `narrow` a constant at each call, as for pack_transformed_input_rows.
LZ_TARGET __attribute__((always_inline)) static inline void output_transform(
    const int narrow, const float *m, size_t stride, int columns, int j0, int tiles_per_row, float bias, float *plane,
    int height, int width, int accumulate) {
    __m512 b = _mm512_set1_ps(bias);
    for (int jl = 0; jl < columns; jl += TILE_GROUP) {
        int j = j0 + jl;
        int ty = j / tiles_per_row, tx0 = j % tiles_per_row;
        __m512 x[16];
        for (int xi = 0; xi < 16; xi++) x[xi] = _mm512_loadu_ps(m + xi * stride + jl);
        __m512 s[2][4];
        for (int c = 0; c < 4; c++) {
            s[0][c] = _mm512_add_ps(_mm512_add_ps(x[c], x[4 + c]), x[8 + c]);
            s[1][c] = _mm512_sub_ps(_mm512_sub_ps(x[4 + c], x[8 + c]), x[12 + c]);
        }
        if (narrow) {
            store_tiles_narrow(s, b, ty, tiles_per_row, plane, height, width, accumulate);
            continue;
        }
        int ox = 2 * tx0;
        __mmask16 m0 = lane_mask(width - ox), m1 = lane_mask(width - ox - 16);
        for (int r = 0; r < 2; r++) {
            int oy = 2 * ty + r;
            if (oy >= height) break;
            __m512 halves[2];
            output_row(s, r, b, halves);
            float *row = plane + (size_t)oy * width + ox;
            write_lanes(row, m0, halves[0], accumulate);
            write_lanes(row + 16, m1, halves[1], accumulate);
        }
    }
}

int lz_winograd_block_columns(void) { return BLOCK_COLUMNS; }

LZ_TARGET void lz_winograd_output(const float *m, int out_channels, int j0, int columns, const float *bias, float *out,
                                  int height, int width, int accumulate) {
    int tiles_per_row = lz_winograd_tiles_per_row(width);
    for (int o = 0; o < out_channels; o++) {
        const float *mo = m + (size_t)o * 16 * BLOCK_COLUMNS;
        float *plane = out + (size_t)o * height * width, b = bias ? bias[o] : 0.0f;
        if (tiles_per_row < TILE_GROUP)
            output_transform(1, mo, BLOCK_COLUMNS, columns, j0, tiles_per_row, b, plane, height, width, accumulate);
        else
            output_transform(0, mo, BLOCK_COLUMNS, columns, j0, tiles_per_row, b, plane, height, width, accumulate);
    }
}

size_t lz_winograd_workspace_bytes(int out_channels, int in_channels) {
    size_t v = 16 * lz_bf16_packed_b_words(BLOCK_COLUMNS, in_channels) * sizeof(uint32_t);
    size_t m = 16 * (size_t)out_channels * BLOCK_COLUMNS * sizeof(float);
    return v + m;
}

// M_ξ = U_ξ · V_ξ for the sixteen ξ of a block of `columns` tiles from grid column j0 (U_ξ
// `rows` × channels, u_stride words apart; V_ξ channels × columns, v_stride apart), then
// Y = Aᵀ M A + bias written into (or added to) out. M is laid out by output channel, its
// sixteen ξ runs side by side, so that the output transform reads one contiguous run per
// channel.
LZ_TARGET_BF16 static void multiply_and_transform_back(const uint32_t *u, size_t u_stride, const uint32_t *v,
                                                       size_t v_stride, int rows, int columns, int channels, float *m,
                                                       int j0, const float *bias, float *out, int height, int width,
                                                       int accumulate) {
    for (int xi = 0; xi < 16; xi++) {
        lz_bf16_operand a = {.packed = u + xi * u_stride};
        lz_bf16_operand b = {.packed = v + xi * v_stride};
        lz_bf16_gemm(rows, columns, channels, a, b, m + xi * (size_t)BLOCK_COLUMNS, 16 * BLOCK_COLUMNS, 0, rows, 0,
                     columns, 0, NULL, NULL);
    }
    lz_winograd_output(m, rows, j0, columns, bias, out, height, width, accumulate);
}

LZ_TARGET_BF16 void lz_winograd_conv(const lz_winograd_input *input, const uint32_t *weights, int out_channels,
                                     const float *bias, float *out, int accumulate, int j0, int j1, void *workspace) {
    int channels = input->channels, height = input->height, width = input->width;
    int tiles_per_row = lz_winograd_tiles_per_row(width);
    size_t v_stride = lz_bf16_packed_b_words(BLOCK_COLUMNS, channels);
    size_t u_stride = lz_bf16_packed_a_words(out_channels, channels);
    uint32_t *v = workspace;
    float *m = (float *)(v + 16 * v_stride);
    for (int jb = j0; jb < j1; jb += BLOCK_COLUMNS) {
        int columns = min_int(BLOCK_COLUMNS, j1 - jb);
        pack_transformed_input(input, tiles_per_row, jb, columns, v, v_stride);
        multiply_and_transform_back(weights, u_stride, v, v_stride, out_channels, columns, channels, m, jb, bias, out,
                                    height, width, accumulate);
    }
}

// ---------------------------------------------------------------------------------------
// Winograd from the direct convolution's weights: the transforms U = G g Gᵀ are made for a
// slab of output channels at a time, as the slab is multiplied, so a layer keeps only its
// direct weights (the U-Net's 1280-channel layers would hold 16/9 as much as transforms).

// Output channels whose transforms are made together: a whole number of kernel panels,
// the kernel's MC, so that the slab's sixteen U_ξ (≤ 8 MB at 2560 inputs) are read from the
// last-level cache while all the image's tiles go through them.
enum { SLAB_ROWS = 96 };

size_t lz_winograd_input_words(int channels, int tiles) { return 16 * lz_bf16_packed_b_words(tiles, channels); }

int lz_winograd_tiles(int height, int width) { return (height + 1) / 2 * lz_winograd_tiles_per_row(width); }

LZ_TARGET_BF16 void lz_winograd_transform_input(const lz_winograd_input *x, int j0, int j1, uint32_t *v) {
    int tiles = lz_winograd_tiles(x->height, x->width);
    size_t stride = lz_bf16_packed_b_words(tiles, x->channels);
    size_t panel = (size_t)pair_count(x->channels) * LZ_NR;
    pack_transformed_input(x, lz_winograd_tiles_per_row(x->width), j0, j1 - j0, v + (size_t)(j0 / LZ_NR) * panel, stride);
}

size_t lz_winograd_direct_workspace_bytes(int in_channels) {
    size_t u = 16 * lz_bf16_packed_a_words(SLAB_ROWS, in_channels) * sizeof(uint32_t);
    size_t m = (size_t)SLAB_ROWS * 16 * BLOCK_COLUMNS * sizeof(float);
    return u + m;
}

// Weight of (row r of a 12-row panel, column kk) of a direct weight packed as the kernel's A,
// for the panel's 12 rows at once (lanes 12–15 zero): bf16 to fp32 is a shift.
LZ_TARGET static inline __m512 direct_weight_column(const uint32_t *panel, int kk) {
    __m512i words = _mm512_maskz_loadu_epi32(0x0FFF, panel + (size_t)(kk / 2) * LZ_MR);
    __m512i bits = kk % 2 ? _mm512_and_si512(words, _mm512_set1_epi32((int)0xFFFF0000u)) : _mm512_slli_epi32(words, 16);
    return (__m512)bits;
}

// U_ξ for the output channels o0..<o0+rows (o0 a multiple of LZ_MR) from the direct weights
// (out_channels × in_channels·9, packed whole as A), each packed as A (rows × in_channels) into
// u + ξ·u_stride: the arithmetic of lz_winograd_transform_weights_f32, in the same order, on
// the bf16 weights, for 12 output channels to a vector and two input channels at a time.
LZ_TARGET_BF16 static void transform_direct_weights(const uint32_t *direct, int in_channels, int o0, int rows,
                                                    uint32_t *u, size_t u_stride) {
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512 half = _mm512_set1_ps(0.5f);
    int k2 = pair_count(9 * in_channels), u_pairs = pair_count(in_channels);
    for (int p0 = 0; p0 < rows; p0 += LZ_MR) {
        const uint32_t *panel = direct + (size_t)((o0 + p0) / LZ_MR) * k2 * LZ_MR;
        uint32_t *out = u + (size_t)(p0 / LZ_MR) * u_pairs * LZ_MR;
        for (int p = 0; p < u_pairs; p++) {
            __m512 t[2][16];
            for (int e = 0; e < 2; e++) {
                int i = 2 * p + e;
                if (i >= in_channels) {
                    for (int xi = 0; xi < 16; xi++) t[e][xi] = _mm512_setzero_ps();
                    continue;
                }
                __m512 g[9];
                for (int tap = 0; tap < 9; tap++) g[tap] = direct_weight_column(panel, 9 * i + tap);
                __m512 gg[4][3];
                for (int c = 0; c < 3; c++) {
                    gg[0][c] = g[c];
                    gg[1][c] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(g[c], g[3 + c]), g[6 + c]));
                    gg[2][c] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(g[c], g[3 + c]), g[6 + c]));
                    gg[3][c] = g[6 + c];
                }
                for (int r = 0; r < 4; r++) {
                    t[e][4 * r + 0] = gg[r][0];
                    t[e][4 * r + 1] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(gg[r][0], gg[r][1]), gg[r][2]));
                    t[e][4 * r + 2] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(gg[r][0], gg[r][1]), gg[r][2]));
                    t[e][4 * r + 3] = gg[r][2];
                }
            }
            for (int xi = 0; xi < 16; xi++) {
                __m512i pairs = _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(t[1][xi], t[0][xi]));
                _mm512_mask_storeu_epi32(out + xi * u_stride + (size_t)p * LZ_MR, 0x0FFF, pairs);
            }
        }
    }
}

LZ_TARGET_BF16 void lz_winograd_conv_direct_weights(const uint32_t *direct_weights, int in_channels, const uint32_t *v,
                                                    int images, int out_channels, int height, int width,
                                                    const float *bias, float *out, int accumulate, int o0, int o1,
                                                    void *workspace) {
    int tiles = lz_winograd_tiles(height, width);
    size_t v_stride = lz_bf16_packed_b_words(tiles, in_channels), panel = (size_t)pair_count(in_channels) * LZ_NR;
    size_t u_stride = lz_bf16_packed_a_words(SLAB_ROWS, in_channels);
    uint32_t *u = workspace;
    float *m = (float *)(u + 16 * u_stride);
    for (int s = o0; s < o1; s += SLAB_ROWS) {
        int rows = min_int(SLAB_ROWS, o1 - s);
        transform_direct_weights(direct_weights, in_channels, s, rows, u, u_stride);
        for (int b = 0; b < images; b++) {
            const uint32_t *vb = v + (size_t)b * 16 * v_stride;
            float *plane = out + ((size_t)b * out_channels + s) * height * width;
            for (int jb = 0; jb < tiles; jb += BLOCK_COLUMNS) {
                int columns = min_int(BLOCK_COLUMNS, tiles - jb);
                multiply_and_transform_back(u, u_stride, vb + (size_t)(jb / LZ_NR) * panel, v_stride, rows, columns,
                                            in_channels, m, jb, bias ? bias + s : NULL, plane, height, width, accumulate);
            }
        }
    }
}
