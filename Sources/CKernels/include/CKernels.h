#pragma once
// bfloat16 GEMM on AVX512-BF16 (vdpbf16ps): fp32 in, bf16 products, fp32 accumulation.
// Debian's OpenBLAS has no sbgemm, so the engine carries this one kernel of its own.
// Operands are "packed": pairs of consecutive k values as one 32-bit word (two bf16),
// laid out in panels of LZ_MR rows (A) or LZ_NR columns (B), k-pair by k-pair.
#include <stddef.h>
#include <stdint.h>

#define LZ_MR 12
#define LZ_NR 32

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU executes AVX512-BF16; every other function needs it.
int lz_bf16_supported(void);

/// 32-bit words that `lz_bf16_pack_a` writes for an m×k matrix.
size_t lz_bf16_packed_a_words(int m, int k);
/// 32-bit words that `lz_bf16_pack_b_transposed` writes for a k×n B.
size_t lz_bf16_packed_b_words(int n, int k);

/// Packs row-major A (m×k, row stride lda) whole, e.g. a convolution's weights.
void lz_bf16_pack_a(const float *a, long lda, int m, int k, uint32_t *out);

/// A packed A's rows per panel that pads m the least: LZ_MR, or 10 or 8 (a head of 40
/// values as Vᵀ is 4 panels of 10, not 48 rows worked in panels of 12).
int lz_bf16_panel_rows(int m);
/// `lz_bf16_packed_a_words` and `lz_bf16_pack_a` for panels of `panel_rows` (12, 10 or 8):
/// the operand then says so in its `panel_rows`.
size_t lz_bf16_packed_a_panel_words(int m, int k, int panel_rows);
void lz_bf16_pack_a_panels(const float *a, long lda, int m, int k, int panel_rows, uint32_t *out);
/// Packs B given transposed (n×k, row stride ldb) whole, e.g. a Linear layer's weights.
void lz_bf16_pack_b_transposed(const float *bt, long ldb, int n, int k, uint32_t *out);
/// Packs row-major B (k×n, row stride ldb) whole (scripts/kernels/kernel_rate.c times the kernel on it).
void lz_bf16_pack_b(const float *b, long ldb, int k, int n, uint32_t *out);

/// One image as the B operand of a stride-1 convolution, unfolded while it is packed
/// ("implicit GEMM": no im2col matrix is written). B is (channels·kernel², oh·ow) with
/// B[(ch·kernel + ky)·kernel + kx][oy·ow + ox] = image[ch][oy + ky − padding][ox + kx − padding]
/// (zero outside the image). `out_width` must be a multiple of LZ_NR.
typedef struct {
    const float *image;       ///< (channels, height, width), fp32
    int channels, height, width;
    int kernel, padding;
    int out_width;            ///< width + 2·padding − kernel + 1
} lz_conv_image;

/// One operand of `lz_bf16_gemm`: packed (from the functions above), fp32 to pack on the
/// fly, or (B only) an image to unfold on the fly.
typedef struct {
    const uint32_t *packed;   ///< non-NULL: packed whole; the fields below are ignored
    const float *data;        ///< fp32 row-major
    long ld;                  ///< row stride of `data`
    int transposed;           ///< B only: `data` holds Bᵀ (n×k) instead of B (k×n)
    const lz_conv_image *convolution;  ///< B only, non-NULL: the convolution's input; `data` is ignored
    int panel_rows;           ///< A packed whole: its rows per panel (`lz_bf16_pack_a_panels`): 0 or LZ_MR, 10 or 8
} lz_bf16_operand;

/// C[m0..<m1, n0..<n1] (+)= A·B for A (m×k) and B (k×n); C row-major with row stride ldc.
/// m0 must be a multiple of A's panel rows (LZ_MR, or the operand's `panel_rows`) and n0 of LZ_NR, so callers can split the work between
/// threads. `accumulate`: add to C instead of overwriting it.
/// `row_bias` (m values) or `column_bias` (n values), when not NULL, is added to every
/// row or column of the product: a layer's bias without a pass of its own over C.
void lz_bf16_gemm(int m, int n, int k, lz_bf16_operand a, lz_bf16_operand b, float *c, long ldc,
                  int m0, int m1, int n0, int n1, int accumulate, const float *row_bias, const float *column_bias);

/// Winograd F(2×2, 3×3) for 3×3, stride-1, padding-1 convolutions (winograd.c): 2.25×
/// fewer products than `lz_bf16_gemm` on the unfolded image. Tiles (2×2 outputs) form a
/// grid of ⌈height/2⌉ rows of `lz_winograd_tiles_per_row(width)` tiles (rounded up to 16, or
/// to 4 or 8 for images up to 16 wide, where a group of 16 tiles spans several rows).
int lz_winograd_tiles_per_row(int width);
/// 32-bit words of a layer's transformed weights (sixteen packed out × in matrices).
size_t lz_winograd_weight_words(int out_channels, int in_channels);
/// Transforms (out, in, 3, 3) weights, U_ξ = G g Gᵀ in fp32, each packed as `lz_bf16_gemm`'s A.
void lz_winograd_transform_weights(const float *weight, int out_channels, int in_channels, uint32_t *out);
/// Scratch one thread needs for `lz_winograd_conv` (64-byte aligned).
size_t lz_winograd_workspace_bytes(int out_channels, int in_channels);
/// One image as a Winograd convolution's input, with what comes before the convolution
/// folded into reading it, so that no normalised or upsampled copy is ever written.
typedef struct {
    const float *image;       ///< (channels, height, width), or (channels, height/2, width/2) when upsampled
    int channels, height, width;  ///< the convolution's input, after any upsampling
    const float *scale, *shift;   ///< per channel, NULL for none: x·scale + shift first (a GroupNorm's)
    int silu;                 ///< then x·σ(x) (with scale only)
    int upsampled;            ///< read the image as its nearest-neighbour ×2 upsampling
} lz_winograd_input;
/// One image's convolution for the tiles j0..<j1 of the grid (j0 a multiple of 16; the
/// caller splits the grid between threads): out (out_channels, height, width) gets those
/// tiles' outputs, bias added (NULL: none); `accumulate`: added to what out holds (a
/// residual), instead of overwriting it. Needs AVX512-BF16.
void lz_winograd_conv(const lz_winograd_input *input, const uint32_t *weights, int out_channels, const float *bias,
                      float *out, int accumulate, int j0, int j1, void *workspace);

/// Winograd for layers that keep the direct convolution's weights (packed whole as A, out ×
/// in·9): their transforms are made a slab of output channels at a time as they are used, so
/// that a layer costs no memory beyond its direct weights. In two steps, so that the cores can
/// share each: the input's transform, then each core's output channels.
/// Tiles in one image's grid, and the words of its transformed input (sixteen packed B operands).
int lz_winograd_tiles(int height, int width);
size_t lz_winograd_input_words(int channels, int tiles);
/// Tiles j0..<j1 of one image (j0 a multiple of LZ_NR, j1 too or the grid's last: a half-filled
/// panel's rest is zeroed, which would be another caller's tiles) transformed into v, which holds the
/// whole grid (`lz_winograd_input_words(channels, lz_winograd_tiles(height, width))` words).
void lz_winograd_transform_input(const lz_winograd_input *x, int j0, int j1, uint32_t *v);
/// Scratch one thread needs for `lz_winograd_conv_direct_weights`.
size_t lz_winograd_direct_workspace_bytes(int in_channels);
/// Output channels o0..<o1 (o0 a multiple of LZ_MR) of `images` images whose transformed inputs
/// lie one after another in v: out (images, out_channels, height, width) gets them, bias
/// added (NULL: none), or, `accumulate`, added to what it holds. Needs AVX512-BF16.
void lz_winograd_conv_direct_weights(const uint32_t *direct_weights, int in_channels, const uint32_t *v, int images,
                                     int out_channels, int height, int width, const float *bias, float *out,
                                     int accumulate, int o0, int o1, void *workspace);

/// The fp32 path's pieces (its GEMMs are sgemm, called by the engine between them):
/// U_ξ as sixteen row-major (out × in) fp32 matrices, (out·in) floats apart.
void lz_winograd_transform_weights_f32(const float *weight, int out_channels, int in_channels, float *u);
/// Tiles j0..<j0+columns (columns ≤ `lz_winograd_block_columns()`) of one image, transformed:
/// sixteen row-major (channels × block columns) matrices V_ξ, `stride` floats apart. Needs AVX-512.
void lz_winograd_input_f32(const lz_winograd_input *x, int j0, int columns, float *v, size_t stride);
/// How many tiles one block holds: the width of V_ξ, and of each ξ's run in M's rows.
int lz_winograd_block_columns(void);
/// Y = Aᵀ M A + bias for a block's tiles j0..<j0+columns, M laid out as out_channels rows of
/// sixteen ξ runs of block-columns floats: written into out (out_channels, height, width),
/// or added to it. Needs AVX-512.
void lz_winograd_output(const float *m, int out_channels, int j0, int columns, const float *bias, float *out,
                        int height, int width, int accumulate);

/// A GroupNorm group's statistics as per-channel coefficients: normalising channel c is
/// x·scale[c] + shift[c]. x is (channels, hw) of one image. Needs AVX-512.
void lz_group_norm_coefficients(const float *x, int channels, long hw, const float *weight, const float *bias,
                                float eps, float *scale, float *shift);

/// Column-wise exp(scale·(x − colmax)) of a (rows × cols) block, rows `stride` apart (the
/// softmax of scores held transposed, one query per column), written as `lz_bf16_gemm`'s B
/// operand packed whole (k = rows, n = cols: `lz_bf16_packed_b_words(cols, rows)` words),
/// leaving each column's 1/Σ in inverse_sums (attention scales its output instead).
/// Needs AVX-512 and AVX512-BF16.
void lz_softmax_columns_packed(const float *x, int rows, int cols, long stride, float scale, float *inverse_sums,
                               uint32_t *packed);

/// The fp32 attention's products (f32_attention.c), both operands packed in panels: an
/// operand M (rows × k) is panels of `panel_rows` rows (32 for a B operand, whose rows are
/// its columns), each k step's run of rows contiguous, rows past `rows` zero.
size_t lz_f32_packed_floats(int rows, int k, int panel_rows);
/// Packs M from src: M[r][p] = src[r·ld + p], or, `transposed`, src[p·ld + r]. Needs AVX-512.
void lz_f32_pack_panels(const float *src, long ld, int transposed, int rows, int k, int panel_rows, float *out);
/// C (m × n, row stride ldc) = A·B for A packed in panels of a_panel_rows (12, 10 or 8) and B
/// in panels of 32, one thread. Needs AVX-512.
void lz_f32_gemm_packed(int m, int n, int k, const float *a, int a_panel_rows, const float *b, float *c, long ldc);
/// exp(scale·(x − colmax)) in place down the columns of a (rows × cols) block, rows `stride`
/// apart (scores held transposed, a query per column), each column's 1/Σ in inverse_sums;
/// exp_ps (2 ulp). Needs AVX-512.
void lz_f32_softmax_columns(float *x, int rows, int cols, long stride, float scale, float *inverse_sums);

/// exp(x − rowmax) in place over `rows` rows of `cols` (rows `stride` apart), each row's
/// 1/Σ in inverse_sums: the fp32 attention's softmax, normalised on its output. Needs AVX-512.
void lz_softmax_rows_unnormalized(float *x, int rows, int cols, long stride, float *inverse_sums);

/// dst[c][r] = src[r][c] · scale[c] (scale NULL: no scaling): src is (rows × cols), rows
/// ld_src apart; dst rows are ld_dst apart. Needs AVX-512.
void lz_transpose_scaled(const float *src, int rows, int cols, long ld_src, const float *scale, float *dst, long ld_dst);

/// GroupNorm of one group in place: x is (channels, hw) of one image, normalised by the
/// group's mean and variance, then scaled and shifted per channel; `silu`: x·σ(x) after.
/// Needs AVX-512.
void lz_group_norm_group(float *x, int channels, long hw, const float *weight, const float *bias, float eps, int silu);

/// LayerNorm of each of `rows` rows of `dim` (contiguous) into y: (x − mean)/√(var + eps)
/// · weight + bias. Needs AVX-512.
void lz_layer_norm_rows(const float *x, int rows, int dim, const float *weight, const float *bias, float eps, float *y);

/// 1 when this CPU has AVX-512 (F, BW, VL, DQ), which the kernels below need.
int lz_avx512_supported(void);

/// GEGLU's gate: x is (rows, 2·dim) = [hidden | gate]; y (rows, dim) = hidden · gelu(gate)
/// with the exact (erf) GELU, erf to 1.5e-7. Needs AVX-512.
void lz_geglu(const float *x, int rows, int dim, float *y);

#ifdef __cplusplus
}
#endif
