// fcn_winograd: one chunk of a Winograd F(m x m, 3 x 3) convolution (m = 2 or 4) on fcngc's
// GEMM: input transform of every channel, alpha² products with the packed transformed weights,
// output transform with bias and ReLU. Transforms run on 16 tiles at a time, compiled for
// AVX-512, AVX2 and the baseline ISA (target attributes) and chosen with the GEMM's
// micro-kernel (fcn_gemm_isa). The caller (FCNRuntime's winogradConv2d) splits the tiles over
// threads and chunks; see winograd.c for the algorithm.
#ifndef FCN_WINOGRAD_H
#define FCN_WINOGRAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where the tiles are. Tiles are numbered row-major over images, tile rows, tile columns.
struct fcn_winograd_geometry {
    const float *input;                              // element (0, 0, 0, 0) of the input window
    long image_stride, plane_stride, row_stride;     // floats between images, channels, rows
    long height, width;                              // the input window
    long pad_h, pad_w;
    long out_height, out_width;                      // output planes are dense, NCHW
    long tiles_y, tiles_x;
    int m;                                           // output tile side: 2 or 4
};

/// Floats of scratch one chunk of up to `tiles` tiles needs (alignment slack included).
size_t fcn_winograd_scratch_floats(int m, long in_channels, long out_channels, long tiles);

/// Tiles [first_tile, first_tile + tiles) of the convolution: output (batch, C_out, OH, OW) =
/// conv3x3(input) + bias (may be NULL), then ReLU if relu != 0. `packed_u` holds alpha²
/// matrices U[ξ] (C_out x C_in, packed by fcn_gemm_pack_a under the current micro-kernel),
/// `packed_floats` apart. `scratch` holds fcn_winograd_scratch_floats(m, …, tiles) floats.
void fcn_winograd_chunk(const struct fcn_winograd_geometry *g, long in_channels, long out_channels,
                        const float *packed_u, size_t packed_floats, long first_tile, long tiles,
                        const float *bias, int relu, float *output, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
