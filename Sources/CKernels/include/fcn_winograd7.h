// fcn_winograd7: Winograd F(2x2, 7x7) for stride-1, undilated 7x7 convolutions (FCN's fc6):
// each 2x2 output tile from an 8x8 input tile with 64 multiplications per channel pair instead
// of 196. Its transformed weights would be 64/49 the size of the weights (537 MB for fc6), so
// they are not kept: each run transforms them again, one block of FCN_WINOGRAD7_BLOCK output
// channels at a time, right before that block's products (the weights are kept with 16 output
// channels interleaved, one per vector lane). The caller (FCNRuntime's winograd7x7Conv2d)
// splits the work over threads and groups of tiles; see winograd7.c for the algorithm.
#ifndef FCN_WINOGRAD7_H
#define FCN_WINOGRAD7_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Output channels transformed and multiplied together (two groups of 16 lanes).
#define FCN_WINOGRAD7_BLOCK 32

/// Where the tiles are: tiles are numbered row-major over images, tile rows and tile columns
/// (tiles_y = ceil(out_height / 2), tiles_x = ceil(out_width / 2)).
struct fcn_winograd7_geometry {
    const float *input;                              // element (0, 0, 0, 0) of the input window
    long image_stride, plane_stride, row_stride;     // floats between images, channels, rows
    long height, width;                              // the input window
    long pad_h, pad_w;
    long out_height, out_width;                      // output planes are dense, NCHW
    long tiles_y, tiles_x;
};

/// Floats of the interleaved weights: C_out rounded up to 16, times C_in·49.
size_t fcn_winograd7_lane_floats(long out_channels, long in_channels);
/// weights (C_out, C_in, 7, 7) -> lanes [C_out/16][C_in][49][16] (output channel co in lane
/// co % 16; lanes past C_out zero).
void fcn_winograd7_interleave(const float *weights, long out_channels, long in_channels, float *lanes);

/// Floats the transformed inputs of a group of up to `tiles` tiles take (alignment included).
size_t fcn_winograd7_inputs_floats(long in_channels, long tiles);
/// Floats one worker needs for one block of output channels over a group of up to `tiles`
/// tiles: its transformed weights (one run of input channels at a time, so not depending on
/// C_in) and products (alignment included).
size_t fcn_winograd7_block_floats(long tiles);

/// Input transform of channels [c0, c1) for tiles [first_tile, first_tile + tiles) into `v`
/// (fcn_winograd7_inputs_floats(in_channels, tiles) floats, shared by the workers, who each
/// take their own channels).
void fcn_winograd7_inputs(const struct fcn_winograd7_geometry *g, long in_channels, long c0, long c1,
                          long first_tile, long tiles, float *v);

/// Output channels [co0, co0 + FCN_WINOGRAD7_BLOCK) (fewer at the end) for the group's tiles:
/// transforms their weights, multiplies them with the transformed inputs `v`, and writes the
/// output tiles + bias (may be NULL), then ReLU if relu != 0. `scratch` holds
/// fcn_winograd7_block_floats(tiles) floats.
void fcn_winograd7_block(const struct fcn_winograd7_geometry *g, const float *lanes, long in_channels,
                         long out_channels, long co0, long first_tile, long tiles, const float *v,
                         const float *bias, int relu, float *output, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
