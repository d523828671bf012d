// RANDOM_BITS / RANDOM_UNIFORM / RANDOM_NORMAL with the bit layout of random_bits.h: one
// thread per threefry block b gives words 2b and 2b + 1, i.e. elements 2b and 2b + 1.
// Bits and uniforms are bit-identical to the CPU's: the uniform mapping low + (high - low) * u
// is written with __fmul_rn / __fadd_rn so nvcc cannot fuse it into one multiply-add (the CPU
// rounds twice), and every constant (low, high, the value below high, float16/bfloat16
// forms) is computed on the host by the CPU's own code. Normals round each step as the CPU
// does too (random_normal.cuh); the log alone may round differently, in 0.03% of the values,
// by <= 3 float32 ulp (float16/bfloat16: at most 1 ulp after rounding).
#include "backend/cuda/cuda_common.cuh"

extern "C" {
#include "backend/random_bits.h"
}
#include "backend/cuda/random_normal.cuh"

namespace {

// Calls emit(i, word) for each element i < n of the stream of key (k0, k1) given to this
// thread: a grid-stride loop over threefry blocks.
template <class Emit> __device__ __forceinline__ void each_word(const uint32_t *key, int64_t n, Emit emit) {
  const uint32_t k0 = key[0], k1 = key[1];
  const int64_t nb = (n + 1) / 2, stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t b = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; b < nb; b += stride) {
    uint32_t x[2];
    weir__threefry2x32(k0, k1, (uint32_t)b, (uint32_t)((uint64_t)b >> 32), x);
    emit(2 * b, x[0]);
    if (2 * b + 1 < n) emit(2 * b + 1, x[1]);
  }
}

__global__ void __launch_bounds__(kBlock) bits_kernel(uint32_t *out, int64_t n, const uint32_t *key) {
  each_word(key, n, [&](int64_t i, uint32_t w) { out[i] = w; });
}

// The uniform's constants, as the CPU computes them (for float16/bfloat16 also as storage bits).
struct UniformParams {
  float l, h, span, top;  // float32: low, high, high - low, the float below high
  uint16_t lt, ht, top16; // float16/bfloat16: low, high, the value below high
  float lv, hv;           // lt, ht as floats
};

__global__ void __launch_bounds__(kBlock)
    uniform_f32_kernel(float *out, int64_t n, const uint32_t *key, UniformParams p) {
  each_word(key, n, [&](int64_t i, uint32_t w) {
    float v = __fadd_rn(p.l, __fmul_rn(p.span, weir__uniform_unit_f32(w)));
    out[i] = p.l >= p.h ? p.l : v >= p.h ? p.top : v;
  });
}

template <class D>
__global__ void __launch_bounds__(kBlock)
    uniform_half_kernel(uint16_t *out, int64_t n, const uint32_t *key, UniformParams p) {
  each_word(key, n, [&](int64_t i, uint32_t w) {
    uint16_t v = D::st(__fadd_rn(p.l, __fmul_rn(p.span, weir__uniform_unit_f32(w))));
    out[i] = p.lv >= p.hv ? p.lt : D::ld(v) >= p.hv ? p.top16 : v;
  });
}

template <class D>
__global__ void __launch_bounds__(kBlock)
    normal_kernel(typename D::S *out, int64_t n, const uint32_t *key, float m, float s) {
  each_word(key, n, [&](int64_t i, uint32_t w) { out[i] = D::st(__fadd_rn(m, __fmul_rn(s, normal_f32_rn(w)))); });
}

// Host-side float16/bfloat16 helpers: the CPU kernel's (cpu/kernels_random.c).
inline float half_load(uint16_t h, bool bf) { return bf ? weir__bf16_to_f32(h) : weir__f16_to_f32(h); }
inline uint16_t half_store(float f, bool bf) { return bf ? weir__f32_to_bf16(f) : weir__f32_to_f16(f); }
inline uint16_t half_down(uint16_t h) {
  if ((h & 0x7fffu) == 0) return 0x8001u; // +-0 -> the negative subnormal nearest 0
  return (h & 0x8000u) ? (uint16_t)(h + 1) : (uint16_t)(h - 1);
}

UniformParams uniform_params(double low, double high, bool bf) {
  UniformParams p;
  p.l = (float)low;
  p.h = (float)high;
  p.span = p.h - p.l;
  p.top = nextafterf(p.h, -INFINITY);
  p.lt = half_store(p.l, bf);
  p.ht = half_store(p.h, bf);
  p.top16 = half_down(p.ht);
  p.lv = half_load(p.lt, bf);
  p.hv = half_load(p.ht, bf);
  return p;
}

} // namespace

weir_status weir__cuda_random(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  const weir__tensor *key = &c->in[0];
  const char *name = weir__prim_name(c->prim);
  if (c->nin != 1 || key->dtype != WEIR_UINT32 || key->size != 2 || !key->contiguous)
    return fail(c, WEIR_ERR_INTERNAL, "%s expects one key input of 2 contiguous uint32", name);
  weir_dtype t = c->out.dtype;
  bool ok =
      c->prim == WEIR__P_RANDOM_BITS ? t == WEIR_UINT32 : t == WEIR_FLOAT16 || t == WEIR_BFLOAT16 || t == WEIR_FLOAT32;
  if (!ok) return unsupported(c, t);
  const int64_t n = c->out.size;
  const uint32_t *k = (const uint32_t *)key->data;
  const unsigned g = grid_for((n + 1) / 2, kBlock, ctx->device, 16);
  const cudaStream_t s = stream_of(ctx);
  const double a = c->params->random.a, b = c->params->random.b;
  if (c->prim == WEIR__P_RANDOM_BITS) {
    bits_kernel<<<g, kBlock, 0, s>>>((uint32_t *)c->out.data, n, k);
  } else if (c->prim == WEIR__P_RANDOM_UNIFORM) {
    UniformParams p = uniform_params(a, b, t == WEIR_BFLOAT16);
    if (t == WEIR_FLOAT32) uniform_f32_kernel<<<g, kBlock, 0, s>>>((float *)c->out.data, n, k, p);
    else if (t == WEIR_FLOAT16) uniform_half_kernel<DF16><<<g, kBlock, 0, s>>>((uint16_t *)c->out.data, n, k, p);
    else uniform_half_kernel<DBF16><<<g, kBlock, 0, s>>>((uint16_t *)c->out.data, n, k, p);
  } else {
    float m = (float)a, sc = (float)b;
    if (t == WEIR_FLOAT32) normal_kernel<DF32><<<g, kBlock, 0, s>>>((float *)c->out.data, n, k, m, sc);
    else if (t == WEIR_FLOAT16) normal_kernel<DF16><<<g, kBlock, 0, s>>>((uint16_t *)c->out.data, n, k, m, sc);
    else normal_kernel<DBF16><<<g, kBlock, 0, s>>>((uint16_t *)c->out.data, n, k, m, sc);
  }
  return launched(c);
}
