// The fused elementwise interpreter (see backend/fused.h): one launch runs a whole program of
// small elementwise steps. Rounds to each step's dtype so results match unfused execution.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <string.h>

extern "C" {
#include "backend/fused.h"
}

namespace {

__device__ __forceinline__ float load_as_float(const void *p, uint8_t dtype, int64_t i) {
  switch (dtype) {
  case WEIR_FLOAT16: return __half2float(static_cast<const __half *>(p)[i]);
  case WEIR_BFLOAT16: return __bfloat162float(static_cast<const __nv_bfloat16 *>(p)[i]);
  default: return static_cast<const float *>(p)[i];
  }
}

// Rounds v to dtype's precision and stores it when p is set; returns the rounded value.
__device__ __forceinline__ float round_store(float v, uint8_t dtype, void *p, int64_t i) {
  switch (dtype) {
  case WEIR_FLOAT16: {
    __half h = __float2half_rn(v);
    if (p) static_cast<__half *>(p)[i] = h;
    return __half2float(h);
  }
  case WEIR_BFLOAT16: {
    __nv_bfloat16 h = __float2bfloat16_rn(v);
    if (p) static_cast<__nv_bfloat16 *>(p)[i] = h;
    return __bfloat162float(h);
  }
  default:
    if (p) static_cast<float *>(p)[i] = v;
    return v;
  }
}

// Maximum/minimum exactly as the unfused kernels compute them (NaN propagates, and the same one of
// +0/-0 is chosen), so fused and unfused results have the same bits.
__device__ __forceinline__ float max_like_kernels(float a, float b) { return (a != a || a > b) ? a : b; }
__device__ __forceinline__ float min_like_kernels(float a, float b) { return (a != a || a < b) ? a : b; }

// One thread's elements: the whole program for each, in registers. steps may point into the
// launch's parameters (an inline program) or into device memory.
__device__ __forceinline__ void run_program(const weir__fused_step *steps, int nsteps, int64_t n) {
  float r[WEIR__FUSED_REGS];
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    for (int k = 0; k < nsteps; k++) {
      weir__fused_step s = steps[k];
      if (s.op == WEIR__FUSED_LOAD) {
        r[s.out] = load_as_float(s.ptr, s.dtype, s.a ? 0 : i);
        continue;
      }
      if (s.op == WEIR__FUSED_CONST) {
        r[s.out] = s.value;
        continue;
      }
      float a = r[s.a], b = r[s.b], v;
      switch (s.op) { // __f*_rn: no contraction into fused multiply-adds, as unfused kernels
      case WEIR__P_ADD: v = __fadd_rn(a, b); break;
      case WEIR__P_SUBTRACT: v = __fsub_rn(a, b); break;
      case WEIR__P_MULTIPLY: v = __fmul_rn(a, b); break;
      case WEIR__P_DIVIDE: v = __fdiv_rn(a, b); break;
      case WEIR__P_MAXIMUM: v = max_like_kernels(a, b); break;
      case WEIR__P_MINIMUM: v = min_like_kernels(a, b); break;
      case WEIR__P_NEGATIVE: v = -a; break;
      case WEIR__P_ABS: v = fabsf(a); break;
      case WEIR__P_SQUARE: v = __fmul_rn(a, a); break;
      default: v = __int_as_float(0x7fc00000); break;
      }
      r[s.out] = round_store(v, s.dtype, s.ptr, i);
    }
  }
}

__global__ void fused_kernel(const weir__fused_step *steps, int nsteps, int64_t n) { run_program(steps, nsteps, n); }

// A short program passed by value: __grid_constant__ lets the threads read it in place from the
// parameter bank instead of each copying it.
struct InlineProgram {
  weir__fused_step steps[WEIR__FUSED_INLINE_STEPS];
};

__global__ void fused_inline_kernel(const __grid_constant__ InlineProgram p, int nsteps, int64_t n) {
  run_program(p.steps, nsteps, n);
}

} // namespace

extern "C" int weir__cuda_fused_launch(const weir__fused_program *p, void *stream) {
  if (p->n <= 0 || p->nsteps <= 0) return 0;
  int threads = p->n < 256 ? (int)((p->n + 31) / 32 * 32) : 256;
  int64_t blocks = (p->n + threads - 1) / threads;
  if (blocks > 1024) blocks = 1024;
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  if (p->nsteps <= WEIR__FUSED_INLINE_STEPS) {
    InlineProgram prog = {}; // the unused tail zeroed: the launch copies all of it
    memcpy(prog.steps, p->steps, (size_t)p->nsteps * sizeof(weir__fused_step));
    fused_inline_kernel<<<(unsigned)blocks, threads, 0, st>>>(prog, p->nsteps, p->n);
  } else {
    fused_kernel<<<(unsigned)blocks, threads, 0, st>>>(p->steps, p->nsteps, p->n);
  }
  return (int)cudaGetLastError();
}
