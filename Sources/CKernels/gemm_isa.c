// Which GEMM micro-kernel runs: the best the CPU supports (__builtin_cpu_supports), chosen once
// per process, or the one FCNGC_GEMM names; tests switch it with fcn_gemm_use_isa.

#include "fcn_gemm.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_int chosen = -1;

int fcn_gemm_isa_supported(int isa) {
    switch (isa) {
    case FCN_GEMM_PORTABLE: return 1;
#if defined(__x86_64__) || defined(__i386__)
    case FCN_GEMM_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case FCN_GEMM_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

int fcn_gemm_isa(void) {
    int isa = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (isa >= 0) return isa;
    isa = fcn_gemm_isa_supported(FCN_GEMM_AVX512) ? FCN_GEMM_AVX512
        : fcn_gemm_isa_supported(FCN_GEMM_AVX2) ? FCN_GEMM_AVX2 : FCN_GEMM_PORTABLE;
    const char *forced = getenv("FCNGC_GEMM");
    if (forced) {
        for (int i = FCN_GEMM_PORTABLE; i <= FCN_GEMM_AVX512; ++i)
            if (strncmp(forced, fcn_gemm_isa_name(i), strlen(forced)) == 0 && strlen(forced) > 0
                && fcn_gemm_isa_supported(i))
                isa = i;
    }
    atomic_store_explicit(&chosen, isa, memory_order_relaxed);
    return isa;
}

const char *fcn_gemm_isa_name(int isa) {
    switch (isa) {
    case FCN_GEMM_AVX512: return "avx512 8x32";
    case FCN_GEMM_AVX2: return "avx2 6x16";
    case FCN_GEMM_PORTABLE: return "portable 4x8";
    default: return "unknown";
    }
}

int fcn_gemm_use_isa(int isa) {
    if (!fcn_gemm_isa_supported(isa)) return -1;
    int previous = fcn_gemm_isa();
    atomic_store_explicit(&chosen, isa, memory_order_relaxed);
    return previous;
}
