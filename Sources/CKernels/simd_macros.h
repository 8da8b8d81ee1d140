// Vector types and helpers shared by the Winograd kernels (clang vector extensions). Macros
// rather than functions: a function passing 64-byte vectors by value would need one ABI per
// instruction set (clang refuses it outside AVX-512), while a macro takes the ISA of the
// function it is expanded in.
#ifndef FCN_SIMD_MACROS_H
#define FCN_SIMD_MACROS_H

typedef float v16 __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
// Unaligned views for loads and stores.
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

#define ld16(p) (*(const v16u *)(p))
#define st16(p, v) (*(v16u *)(p) = (v))
#define ld8(p) (*(const v8u *)(p))
#define st8lo(p, v) (*(v8u *)(p) = __builtin_shufflevector((v), (v), 0, 1, 2, 3, 4, 5, 6, 7))
#define st8hi(p, v) (*(v8u *)(p) = __builtin_shufflevector((v), (v), 8, 9, 10, 11, 12, 13, 14, 15))
#define splat16(x) ((v16){0} + (x))
/// max(x, 0) that keeps NaN, as the other kernels' ReLU (x < 0 ? 0 : x).
#define relu16(x, zero) ((v16)((v16i)(x) & ~(v16i)((x) < (zero))))

#endif
