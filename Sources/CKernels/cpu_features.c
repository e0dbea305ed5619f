// What this CPU runs, checked once by the Swift side before any kernel is used.
#include "CKernels.h"

int lz_avx512_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

int lz_bf16_supported(void) {
    return lz_avx512_supported() && __builtin_cpu_supports("avx512bf16");
}
