// random_bits.h's float32 normal (Giles' erfinv), written so the GPU rounds every step as the
// CPU does: nvcc would fuse the polynomial's multiply-adds (the CPU rounds twice), and CUDA's
// logf is not glibc's. Here each product and sum is rounded on its own (__fmul_rn/__fadd_rn
// cannot be fused), and the log is taken in double and rounded once to float, which is glibc's
// logf but within ~0.02 ulp of a rounding boundary: over all 2^23 inputs, 2884 results (0.03%)
// differ from the CPU's, by <= 3 ulp (glibc's logf itself differs between its FMA and non-FMA
// builds). Host and device; the constants are random_bits.h's.
#ifndef WEIR_BACKEND_CUDA_RANDOM_NORMAL_CUH
#define WEIR_BACKEND_CUDA_RANDOM_NORMAL_CUH

#include <math.h>
#include <stdint.h>

#if defined(__CUDA_ARCH__)
#define WCU_RN_MUL(a, b) __fmul_rn((a), (b))
#define WCU_RN_ADD(a, b) __fadd_rn((a), (b))
#else
#define WCU_RN_MUL(a, b) ((a) * (b))
#define WCU_RN_ADD(a, b) ((a) + (b))
#endif

namespace {

__host__ __device__ inline float erfinvf_rn(float x) {
  // Coefficients, highest degree first: for w < 5 (in w - 2.5), else (in sqrt(w) - 3).
  const float lo[9] = {2.81022636e-08f, 3.43273939e-07f, -3.5233877e-06f, -4.39150654e-06f, 0.00021858087f,
                       -0.00125372503f, -0.00417768164f, 0.246640727f,    1.50140941f};
  const float hi[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
                       -0.0076224613f,   0.00943887047f,  1.00167406f,    2.83297682f};
  float w = -(float)log((double)WCU_RN_MUL(WCU_RN_ADD(1.0f, -x), WCU_RN_ADD(1.0f, x)));
  const bool small = w < 5.0f;
  w = small ? WCU_RN_ADD(w, -2.5f) : WCU_RN_ADD(sqrtf(w), -3.0f);
  float p = small ? lo[0] : hi[0];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int k = 1; k < 9; k++) p = WCU_RN_ADD(small ? lo[k] : hi[k], WCU_RN_MUL(p, w));
  return WCU_RN_MUL(p, x);
}

// weir__normal_f32: u = ((w >> 9) + 0.5) * 2^-22 - 1, then sqrt(2) * erfinv(u).
__host__ __device__ inline float normal_f32_rn(uint32_t w) {
  float u = WCU_RN_ADD(WCU_RN_MUL(WCU_RN_ADD((float)(w >> 9), 0.5f), 0x1p-22f), -1.0f);
  return WCU_RN_MUL(1.41421356237f, erfinvf_rn(u));
}

} // namespace

#endif
