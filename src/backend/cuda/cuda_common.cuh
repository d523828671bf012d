// Private to the CUDA kernels (kernels_*.cu): dtype traits, conversions that reproduce the CPU
// kernels' bit for bit (core/dtype_util.h, cpu/cpu_rows.h), error reporting and launch sizes.
// Everything is in an anonymous namespace: each .cu gets its own copy, nothing clashes.
#ifndef WEIR_BACKEND_CUDA_CUDA_COMMON_CUH
#define WEIR_BACKEND_CUDA_CUDA_COMMON_CUH

// The C headers' own includes first, so extern "C" below never wraps C++ overloads.
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <atomic>
#include <type_traits>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

extern "C" {
#include "backend/kernel.h"
#include "backend/kernel_math.h"
#include "core/dtype_util.h"
#include "core/fault_injection.h"
}
#include "backend/cuda/cuda_kernels.h"

namespace {

constexpr int kBlock = 256; // threads per block of the elementwise and reduction kernels

// ---- dtypes: storage S, compute C (float for float16/bfloat16), wrapping unsigned U ----

enum Kind { K_BOOL, K_UINT, K_SINT, K_FLOAT };

__device__ __forceinline__ float f16_to_f32(uint16_t h) {
  if ((h & 0x7fffu) > 0x7c00u) // NaN keeps its payload, as weir__f16_to_f32 does
    return __uint_as_float(((uint32_t)(h & 0x8000u) << 16) | 0x7f800000u | ((uint32_t)(h & 0x3ffu) << 13));
  return __half2float(__ushort_as_half(h));
}
__device__ __forceinline__ uint16_t f32_to_f16(float f) {
  uint32_t x = __float_as_uint(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)(((x >> 16) & 0x8000u) | 0x7e00u);
  return __half_as_ushort(__float2half_rn(f)); // IEEE round to nearest even, like the CPU
}
__device__ __forceinline__ float bf16_to_f32(uint16_t h) { return __uint_as_float((uint32_t)h << 16); }
__device__ __forceinline__ uint16_t f32_to_bf16(float f) {
  uint32_t x = __float_as_uint(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); // quiet NaN
  return __bfloat16_as_ushort(__float2bfloat16_rn(f));
}

#define WCU_PLAIN(Name, T, UT, K, ID)                                                                                  \
  struct Name {                                                                                                        \
    typedef T S;                                                                                                       \
    typedef T C;                                                                                                       \
    typedef UT U;                                                                                                      \
    static constexpr int kind = K;                                                                                     \
    static constexpr weir_dtype id = ID;                                                                               \
    static __device__ __forceinline__ C ld(S x) { return x; }                                                          \
    static __device__ __forceinline__ S st(C x) { return x; }                                                          \
  };
WCU_PLAIN(DBool, uint8_t, uint32_t, K_BOOL, WEIR_BOOL)
WCU_PLAIN(DU8, uint8_t, uint32_t, K_UINT, WEIR_UINT8)
WCU_PLAIN(DU16, uint16_t, uint32_t, K_UINT, WEIR_UINT16)
WCU_PLAIN(DU32, uint32_t, uint32_t, K_UINT, WEIR_UINT32)
WCU_PLAIN(DU64, uint64_t, uint64_t, K_UINT, WEIR_UINT64)
WCU_PLAIN(DI8, int8_t, uint32_t, K_SINT, WEIR_INT8)
WCU_PLAIN(DI16, int16_t, uint32_t, K_SINT, WEIR_INT16)
WCU_PLAIN(DI32, int32_t, uint32_t, K_SINT, WEIR_INT32)
WCU_PLAIN(DI64, int64_t, uint64_t, K_SINT, WEIR_INT64)
WCU_PLAIN(DF32, float, float, K_FLOAT, WEIR_FLOAT32)
#undef WCU_PLAIN

#define WCU_HALF(Name, ID, LD, ST)                                                                                     \
  struct Name {                                                                                                        \
    typedef uint16_t S;                                                                                                \
    typedef float C;                                                                                                   \
    typedef float U;                                                                                                   \
    static constexpr int kind = K_FLOAT;                                                                               \
    static constexpr weir_dtype id = ID;                                                                               \
    static __device__ __forceinline__ C ld(S x) { return LD(x); }                                                      \
    static __device__ __forceinline__ S st(C x) { return ST(x); }                                                      \
  };
WCU_HALF(DF16, WEIR_FLOAT16, f16_to_f32, f32_to_f16)
WCU_HALF(DBF16, WEIR_BFLOAT16, bf16_to_f32, f32_to_bf16)
#undef WCU_HALF

// Calls fn(Traits()) for dtype t and returns its status; float64 and unknown dtypes give
// WEIR_ERR_UNSUPPORTED (the dispatcher rejects them with a message before any kernel runs).
template <class Fn> inline weir_status with_dtype(weir_dtype t, Fn &&fn) {
  switch (t) {
  case WEIR_BOOL: return fn(DBool());
  case WEIR_UINT8: return fn(DU8());
  case WEIR_UINT16: return fn(DU16());
  case WEIR_UINT32: return fn(DU32());
  case WEIR_UINT64: return fn(DU64());
  case WEIR_INT8: return fn(DI8());
  case WEIR_INT16: return fn(DI16());
  case WEIR_INT32: return fn(DI32());
  case WEIR_INT64: return fn(DI64());
  case WEIR_FLOAT16: return fn(DF16());
  case WEIR_BFLOAT16: return fn(DBF16());
  case WEIR_FLOAT32: return fn(DF32());
  default: return WEIR_ERR_UNSUPPORTED;
  }
}

// ---- value conversions, as the CPU's WEIR__CPU_TO_<dtype> and weir__store_double ----

__device__ __forceinline__ int64_t d2i64(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}
__device__ __forceinline__ uint64_t d2u64(double v) {
  if (v != v) return 0;
  if (v <= 0) return (uint64_t)(int64_t)(v <= -9.2e18 ? -9.2e18 : v); // negatives wrap via int64
  return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

// x (an integer, float or double compute value) as dtype D's storage: floats go to integers
// through d2i64/d2u64, integers convert as C does (wrapping), float16/bfloat16 round from float.
template <class D, class X> __device__ __forceinline__ typename D::S cvt_to(X x) {
  typedef typename D::S S;
  if constexpr (D::kind == K_BOOL) {
    return (S)(x != 0);
  } else if constexpr (D::kind == K_UINT || D::kind == K_SINT) {
    if constexpr (std::is_floating_point<X>::value) {
      if constexpr (D::kind == K_UINT) return (S)d2u64((double)x);
      else return (S)d2i64((double)x);
    } else {
      return (S)x;
    }
  } else if constexpr (D::id == WEIR_FLOAT16) {
    return f32_to_f16((float)x);
  } else if constexpr (D::id == WEIR_BFLOAT16) {
    return f32_to_bf16((float)x);
  } else {
    return (float)x;
  }
}

// ---- 16-byte (or narrower) vector access ----

template <int B> struct RawOf;
template <> struct RawOf<1> { typedef uint8_t type; };
template <> struct RawOf<2> { typedef uint16_t type; };
template <> struct RawOf<4> { typedef uint32_t type; };
template <> struct RawOf<8> { typedef uint2 type; };
template <> struct RawOf<16> { typedef uint4 type; };

// V elements of T loaded or stored with one instruction of sizeof(T) * V bytes.
template <class T, int V> union Pack {
  typedef typename RawOf<sizeof(T) * V>::type Raw;
  Raw raw;
  T v[V];
};
template <class T, int V> __device__ __forceinline__ Pack<T, V> pack_load(const T *p, int64_t i) {
  Pack<T, V> k;
  k.raw = reinterpret_cast<const typename Pack<T, V>::Raw *>(p)[i];
  return k;
}
template <class T, int V> __device__ __forceinline__ void pack_store(T *p, int64_t i, const Pack<T, V> &k) {
  reinterpret_cast<typename Pack<T, V>::Raw *>(p)[i] = k.raw;
}

inline bool aligned_to(const void *p, size_t n) { return ((uintptr_t)p % n) == 0; }

// ---- errors and launches ----

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
inline weir_status
fail(weir__kernel_call *c, weir_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
  va_end(ap);
  return s;
}

inline weir_status unsupported(weir__kernel_call *c, weir_dtype t) {
  return fail(c, WEIR_ERR_UNSUPPORTED, "%s is not supported for %s on the GPU", weir__prim_name(c->prim),
              weir_dtype_name(t));
}

inline weir_status cuda_failed(weir__kernel_call *c, cudaError_t e, const char *what) {
  return fail(c, WEIR_ERR_DEVICE, "%s: %s failed: %s", weir__prim_name(c->prim), what, cudaGetErrorString(e));
}

// After a launch: reports a launch error (bad configuration, no kernel image for the device).
inline weir_status launched(weir__kernel_call *c) {
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess && weir__cuda_should_fail()) e = cudaErrorLaunchFailure; // a test's injected fault
  return e == cudaSuccess ? WEIR_OK : cuda_failed(c, e, "kernel launch");
}

inline cudaStream_t stream_of(const weir__cuda_ctx *ctx) { return (cudaStream_t)ctx->stream; }

// Multiprocessors of a device, asked once per device.
inline int sm_count(int dev) {
  static std::atomic<int> cache[64];
  if (dev < 0 || dev >= 64) return 132;
  int n = cache[dev].load(std::memory_order_relaxed);
  if (n == 0) {
    if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || n <= 0) {
      (void)cudaGetLastError();
      n = 132;
    }
    cache[dev].store(n, std::memory_order_relaxed);
  }
  return n;
}

// Blocks for `work` items of `block` threads, at most per_sm blocks per multiprocessor (the
// kernels loop grid-stride over the rest).
inline unsigned grid_for(int64_t work, int block, int dev, int per_sm) {
  int64_t g = (work + block - 1) / block, cap = (int64_t)sm_count(dev) * per_sm;
  if (g > cap) g = cap;
  return (unsigned)(g < 1 ? 1 : g);
}

// Element size of a dtype (weir_dtype_size without the call).
inline int64_t dsize(weir_dtype t) {
  static const int8_t sz[WEIR_NUM_DTYPES] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8};
  return weir__dtype_valid((int)t) ? sz[t] : 0;
}

} // namespace

// The primitive families (kernels_*.cu). weir__cuda_kernel_run already checked the call's
// descriptors, rejected float64 and returned for an empty output.
weir_status weir__cuda_elementwise(weir__cuda_ctx *ctx, weir__kernel_call *c); // FULL .. LOGICAL_OR
weir_status weir__cuda_reduce(weir__cuda_ctx *ctx, weir__kernel_call *c);      // SUM .. ARGMIN
weir_status weir__cuda_matmul(weir__cuda_ctx *ctx, weir__kernel_call *c);      // MATMUL
weir_status weir__cuda_random(weir__cuda_ctx *ctx, weir__kernel_call *c);      // RANDOM_*
weir_status weir__cuda_select(weir__cuda_ctx *ctx, weir__kernel_call *c);      // WHERE, GATHER
weir_status weir__cuda_scan(weir__cuda_ctx *ctx, weir__kernel_call *c);        // CUMSUM, CUMPROD
weir_status weir__cuda_concat(weir__cuda_ctx *ctx, weir__kernel_call *c);      // CONCAT
weir_status weir__cuda_sort(weir__cuda_ctx *ctx, weir__kernel_call *c);        // SORT, ARGSORT

#endif
