// Elementwise CUDA kernels: FULL, ARANGE, COPY, ASTYPE, the unary ops, binary arithmetic,
// comparisons and logical ops. Each gives the CPU kernels' values (src/backend/cpu): integers
// wrap (arithmetic in an unsigned type), float16/bfloat16 compute in float32 and round once on
// store, bool keeps the CPU's byte semantics (add = or, multiply = and, ...), NaN propagates
// through maximum/minimum.
//
// Float transcendentals (exp log sin cos tanh expm1 log1p log2 log10 tan arcsin arccos arctan
// sinh cosh erf, sigmoid's exp, power) are evaluated in double
// and rounded once to float: that is within 1 ulp of the correctly rounded value, so it agrees
// with glibc's float functions (themselves ~0.5 ulp; tanhf ~2 ulp) almost always. H100-class
// GPUs have the double throughput for it; the kernels stay close to memory bound.
#include "backend/cuda/elementwise.cuh"

namespace {

// ---- the operations, one functor per (primitive, dtype) ----


__device__ __forceinline__ float via_double_exp(float x) { return (float)exp((double)x); }
// A signaling NaN (quiet bit clear); converting it to double would quieten it.
__device__ __forceinline__ bool is_snan(float x) {
  uint32_t u = __float_as_uint(x);
  return (u & 0x7fffffffu) > 0x7f800000u && !(u & 0x00400000u);
}

template <int P> constexpr bool unary_to_bool() {
  return P == WEIR__P_LOGICAL_NOT || P == WEIR__P_ISNAN || P == WEIR__P_ISINF;
}

template <int P, int K> constexpr bool unary_ok() {
  if (P == WEIR__P_ABS || P == WEIR__P_SQUARE || P == WEIR__P_FLOOR || P == WEIR__P_CEIL || P == WEIR__P_ROUND ||
      P == WEIR__P_SIGN || unary_to_bool<P>())
    return true;
  if (P == WEIR__P_NEGATIVE) return K != K_BOOL;
  return K == K_FLOAT;
}

template <int P, class T> struct UnaryF {
  typedef typename T::S S;
  typedef typename T::C C;
  typedef typename T::U U;
  typedef typename std::conditional<unary_to_bool<P>(), uint8_t, S>::type O;

  static __device__ __forceinline__ C apply(C x) {
    if constexpr (P == WEIR__P_ABS) {
      if constexpr (T::kind == K_SINT) return x < 0 ? (C)((U)0 - (U)x) : x; // INT_MIN stays
      else if constexpr (T::kind == K_FLOAT) return fabsf(x);
      else return x;
    } else if constexpr (P == WEIR__P_NEGATIVE) {
      if constexpr (T::kind == K_FLOAT) return -x;
      else return (C)((U)0 - (U)x);
    } else if constexpr (P == WEIR__P_SQUARE) {
      if constexpr (T::kind == K_BOOL) return x;
      else if constexpr (T::kind == K_FLOAT) return x * x;
      else return (C)((U)x * (U)x);
    } else if constexpr (P == WEIR__P_EXP) {
      return via_double_exp(x);
    } else if constexpr (P == WEIR__P_LOG) {
      return (float)log((double)x);
    } else if constexpr (P == WEIR__P_SIN) {
      return (float)sin((double)x);
    } else if constexpr (P == WEIR__P_COS) {
      return (float)cos((double)x);
    } else if constexpr (P == WEIR__P_TANH) {
      return (float)tanh((double)x);
    } else if constexpr (P == WEIR__P_SQRT) {
      return sqrtf(x);
    } else if constexpr (P == WEIR__P_EXPM1) {
      return (float)expm1((double)x);
    } else if constexpr (P == WEIR__P_LOG1P) {
      return (float)log1p((double)x);
    } else if constexpr (P == WEIR__P_LOG2) {
      return (float)log2((double)x);
    } else if constexpr (P == WEIR__P_LOG10) {
      return (float)log10((double)x);
    } else if constexpr (P == WEIR__P_RSQRT) {
      return 1.0f / sqrtf(x); // the CPU's formula (both steps correctly rounded)
    } else if constexpr (P == WEIR__P_RECIPROCAL) {
      return 1.0f / x;
    } else if constexpr (P == WEIR__P_TAN) {
      return (float)tan((double)x);
    } else if constexpr (P == WEIR__P_ARCSIN) {
      return (float)asin((double)x);
    } else if constexpr (P == WEIR__P_ARCCOS) {
      return (float)acos((double)x);
    } else if constexpr (P == WEIR__P_ARCTAN) {
      return (float)atan((double)x);
    } else if constexpr (P == WEIR__P_SINH) {
      return (float)sinh((double)x);
    } else if constexpr (P == WEIR__P_COSH) {
      return (float)cosh((double)x);
    } else if constexpr (P == WEIR__P_ERF) {
      return (float)erf((double)x);
    } else if constexpr (P == WEIR__P_FLOOR || P == WEIR__P_CEIL || P == WEIR__P_ROUND) {
      if constexpr (T::kind != K_FLOAT) return x; // integers and bool unchanged
      else if constexpr (P == WEIR__P_FLOOR) return floorf(x);
      else if constexpr (P == WEIR__P_CEIL) return ceilf(x);
      else return rintf(x); // half to even
    } else if constexpr (P == WEIR__P_SIGN) {
      if constexpr (T::kind == K_BOOL) return x;
      else if constexpr (T::kind == K_UINT) return (C)(x != 0);
      else if constexpr (T::kind == K_SINT) return (C)((x > 0) - (x < 0));
      else return x > 0 ? 1.0f : x < 0 ? -1.0f : x; // NaN and +-0 unchanged, as the CPU
    } else { // SIGMOID: 1 / (1 + exp(-x)) without overflow, the CPU's formula
      float e = via_double_exp(-fabsf(x));
      return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
  }
  __device__ __forceinline__ O operator()(S a) const {
    C x = T::ld(a);
    if constexpr (P == WEIR__P_LOGICAL_NOT) return (uint8_t)(x == 0);
    else if constexpr (P == WEIR__P_ISNAN || P == WEIR__P_ISINF) {
      if constexpr (T::kind != K_FLOAT) return (uint8_t)0;
      else if constexpr (P == WEIR__P_ISNAN) return (uint8_t)(x != x);
      else return (uint8_t)(fabsf(x) == INFINITY);
    } else return T::st(apply(x));
  }
};

template <int P, class T> struct BinaryF {
  typedef typename T::S S;
  typedef typename T::C C;
  typedef typename T::U U;

  static __device__ __forceinline__ C apply(C x, C y) {
    if constexpr (T::kind == K_BOOL) { // 0/1 integers stored as != 0
      if constexpr (P == WEIR__P_ADD || P == WEIR__P_MAXIMUM) return (x | y) != 0;
      else if constexpr (P == WEIR__P_SUBTRACT) return (x ^ y) != 0;
      else if constexpr (P == WEIR__P_MULTIPLY || P == WEIR__P_MINIMUM) return (x & y) != 0;
      else if constexpr (P == WEIR__P_POWER) return x != 0 || y == 0;
      else if constexpr (P == WEIR__P_FLOOR_DIVIDE || P == WEIR__P_BITWISE_AND) return (x != 0) & (y != 0);
      else if constexpr (P == WEIR__P_REMAINDER) return 0;
      else if constexpr (P == WEIR__P_BITWISE_OR) return (x != 0) | (y != 0);
      else return (x != 0) ^ (y != 0); // BITWISE_XOR
    } else if constexpr (T::kind == K_FLOAT) {
      if constexpr (P == WEIR__P_ADD) return x + y;
      else if constexpr (P == WEIR__P_SUBTRACT) return x - y;
      else if constexpr (P == WEIR__P_MULTIPLY) return x * y;
      else if constexpr (P == WEIR__P_DIVIDE) return x / y;
      else if constexpr (P == WEIR__P_MAXIMUM) return (x != x || x > y) ? x : y; // NaN propagates
      else if constexpr (P == WEIR__P_MINIMUM) return (x != x || x < y) ? x : y;
      else if constexpr (P == WEIR__P_FLOOR_DIVIDE) return weir__floordiv_f(x, y); // numpy's, as the CPU
      else if constexpr (P == WEIR__P_REMAINDER) return weir__remainder_f(x, y);
      else if constexpr (P == WEIR__P_ARCTAN2) return (float)atan2((double)x, (double)y); // as the CPU
      else if (is_snan(x) || is_snan(y)) return x + y; // glibc: NaN, even for pow(sNaN, 0)
      else return (float)pow((double)x, (double)y);
    } else {
      if constexpr (P == WEIR__P_ADD) return (C)((U)x + (U)y);
      else if constexpr (P == WEIR__P_SUBTRACT) return (C)((U)x - (U)y);
      else if constexpr (P == WEIR__P_MULTIPLY) return (C)((U)x * (U)y);
      else if constexpr (P == WEIR__P_MAXIMUM) return x > y ? x : y;
      else if constexpr (P == WEIR__P_MINIMUM) return x < y ? x : y;
      else if constexpr (P == WEIR__P_BITWISE_AND) return (C)(x & y);
      else if constexpr (P == WEIR__P_BITWISE_OR) return (C)(x | y);
      else if constexpr (P == WEIR__P_BITWISE_XOR) return (C)(x ^ y);
      else if constexpr (P == WEIR__P_LEFT_SHIFT) return (C)weir__shl((uint64_t)x, (int64_t)y, 8 * (int)sizeof(S));
      else if constexpr (T::kind == K_UINT) {
        if constexpr (P == WEIR__P_FLOOR_DIVIDE) return (C)weir__floordiv_u(x, y);
        else if constexpr (P == WEIR__P_REMAINDER) return (C)weir__mod_u(x, y);
        else if constexpr (P == WEIR__P_RIGHT_SHIFT) return (C)weir__shr_u(x, y, 8 * (int)sizeof(S));
        else return (C)weir__ipow_u(x, y);
      } else {
        if constexpr (P == WEIR__P_FLOOR_DIVIDE) return (C)weir__floordiv_s(x, y);
        else if constexpr (P == WEIR__P_REMAINDER) return (C)weir__mod_s(x, y);
        else if constexpr (P == WEIR__P_RIGHT_SHIFT) return (C)weir__shr_s(x, y, 8 * (int)sizeof(S));
        else return (C)weir__ipow_s(x, y);
      }
    }
  }
  __device__ __forceinline__ S operator()(S a, S b) const { return T::st(apply(T::ld(a), T::ld(b))); }
};

template <int P, class T> struct CompareF {
  typedef typename T::S S;
  typedef typename T::C C;
  __device__ __forceinline__ uint8_t operator()(S a, S b) const {
    C x = T::ld(a), y = T::ld(b);
    if constexpr (P == WEIR__P_EQUAL) return x == y;
    else if constexpr (P == WEIR__P_NOT_EQUAL) return x != y;
    else if constexpr (P == WEIR__P_LESS) return x < y;
    else if constexpr (P == WEIR__P_LESS_EQUAL) return x <= y;
    else if constexpr (P == WEIR__P_GREATER) return x > y;
    else if constexpr (P == WEIR__P_GREATER_EQUAL) return x >= y;
    else if constexpr (P == WEIR__P_LOGICAL_AND) return (x != 0) & (y != 0);
    else return (x != 0) | (y != 0);
  }
};

template <class Src, class Dst> struct CastF {
  __device__ __forceinline__ typename Dst::S operator()(typename Src::S a) const { return cvt_to<Dst>(Src::ld(a)); }
};

template <class T> struct IdentF {
  __device__ __forceinline__ T operator()(T a) const { return a; }
};

// ---- FULL and ARANGE ----

template <class T> __global__ void __launch_bounds__(kBlock) fill_kernel(T *out, int64_t n, int64_t nvec, T v) {
  constexpr int V = 16 / sizeof(T);
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  Pack<T, V> p;
#pragma unroll
  for (int k = 0; k < V; k++) p.v[k] = v;
  for (int64_t i = t; i < nvec; i += stride) pack_store<T, V>(out, i, p);
  for (int64_t i = nvec * V + t; i < n; i += stride) out[i] = v;
}

template <class T> inline weir_status fill(const weir__cuda_ctx *ctx, weir__kernel_call *c, T v) {
  constexpr int V = 16 / sizeof(T);
  T *out = (T *)c->out.data;
  int64_t n = c->out.size, nvec = aligned_to(out, 16) ? n / V : 0;
  fill_kernel<T>
      <<<grid_for(nvec > 0 ? nvec : n, kBlock, ctx->device, 16), kBlock, 0, stream_of(ctx)>>>(out, n, nvec, v);
  return launched(c);
}

weir_status full(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  if (c->nin != 0) return fail(c, WEIR_ERR_INTERNAL, "full expects no inputs, got %d", c->nin);
  union {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
  } v;
  weir__store_double(&v, c->out.dtype, 0, c->params->fill.value); // the CPU's conversion, on the host
  switch (dsize(c->out.dtype)) {
  case 1: {
    cudaError_t e = cudaMemsetAsync(c->out.data, v.u8, (size_t)c->out.size, stream_of(ctx));
    return e == cudaSuccess ? WEIR_OK : cuda_failed(c, e, "cudaMemsetAsync");
  }
  case 2: return fill<uint16_t>(ctx, c, v.u16);
  case 4: return fill<uint32_t>(ctx, c, v.u32);
  default: return fill<uint64_t>(ctx, c, v.u64);
  }
}

// Value i = start + i * step in double, rounded per operation (no fused multiply-add, which
// the CPU does not use), then converted like weir__store_double.
template <class D>
__global__ void __launch_bounds__(kBlock) arange_kernel(typename D::S *out, int64_t n, double start, double step) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = cvt_to<D>(__dadd_rn(start, __dmul_rn((double)i, step)));
}

weir_status arange(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  if (c->nin != 0) return fail(c, WEIR_ERR_INTERNAL, "arange expects no inputs, got %d", c->nin);
  return with_dtype(c->out.dtype, [&](auto tag) {
    typedef decltype(tag) D;
    arange_kernel<D><<<grid_for(c->out.size, kBlock, ctx->device, 16), kBlock, 0, stream_of(ctx)>>>(
        (typename D::S *)c->out.data, c->out.size, c->params->arange.start, c->params->arange.step);
    return launched(c);
  });
}

// ---- COPY: contiguous is one memcpy; a transposed input goes through shared-memory tiles ----

constexpr int kTile = 64, kTileRows = 8; // a 64 x 64 tile per block of 64 x 8 threads

// Copies with the input's unit-stride axis p not innermost (a transpose): each block moves a
// 64 x 64 tile of the (p, q = innermost) plane for one index of the other axes, reading along p
// and writing along q, both coalesced. The row loops are unrolled so every thread has all its
// loads in flight at once (one at a time leaves the copy latency-bound).
struct TileLayout {
  int nd, p;
  int64_t shape[WEIR_MAX_NDIM], ist[WEIR_MAX_NDIM], ost[WEIR_MAX_NDIM];
  int64_t nbatch;
};

// At most 32 registers (4 blocks per multiprocessor): 48 registers halved the occupancy and
// measured at half a copy's bandwidth.
template <class T>
__global__ void __launch_bounds__(kTile *kTileRows, 4) copy_tiled_kernel(T *out, const T *in, const TileLayout L) {
  __shared__ T tile[kTile][kTile + 1]; // [q - q0][p - p0]; +1 avoids bank conflicts
  const int q = L.nd - 1, tx = threadIdx.x, ty = threadIdx.y;
  const int64_t P = L.shape[L.p], Q = L.shape[q], iq = L.ist[q], op = L.ost[L.p];
  const int64_t p0 = (int64_t)blockIdx.x * kTile, q0 = (int64_t)blockIdx.y * kTile;
  for (int64_t bt = blockIdx.z; bt < L.nbatch; bt += gridDim.z) {
    int64_t ib = 0, ob = 0, r = bt;
    for (int d = q - 1; d >= 0 && r > 0; d--) {
      if (d == L.p) continue;
      int64_t k = r % L.shape[d];
      r /= L.shape[d];
      ib += k * L.ist[d];
      ob += k * L.ost[d];
    }
    const T *src = in + ib + p0 + tx + q0 * iq;
    const bool pin = p0 + tx < P, qin = q0 + tx < Q;
#pragma unroll
    for (int j = ty; j < kTile; j += kTileRows)
      if (pin && q0 + j < Q) tile[j][tx] = src[j * iq];
    __syncthreads();
    T *dst = out + ob + p0 * op + q0 + tx;
#pragma unroll
    for (int j = ty; j < kTile; j += kTileRows)
      if (qin && p0 + j < P) dst[j * op] = tile[tx][j];
    __syncthreads();
  }
}

// True (and L filled) when c's collapsed layout suits copy_tiled_kernel.
inline bool tiled_layout(weir__kernel_call *c, TileLayout *L) {
  EwLayout<1> E;
  ew_collapse<1>(c, &E);
  int nd = E.nd, p = -1;
  if (nd < 2 || E.st[0][nd - 1] == 1 || E.shape[nd - 1] < 16) return false;
  for (int d = 0; d < nd - 1; d++)
    if (E.st[0][d] == 1) p = d;
  if (p < 0 || E.shape[p] < 16) return false;
  L->nd = nd;
  L->p = p;
  L->nbatch = 1;
  int64_t s = 1;
  for (int d = nd - 1; d >= 0; d--) {
    L->shape[d] = E.shape[d];
    L->ist[d] = E.st[0][d];
    L->ost[d] = s;
    s *= E.shape[d];
    if (d != p && d != nd - 1) L->nbatch *= E.shape[d];
  }
  return true;
}

template <class T> inline weir_status copy_as(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  TileLayout L;
  if (c->out.size >= 4096 && tiled_layout(c, &L)) {
    // Consecutive blocks take consecutive tiles along the input's contiguous axis: reading
    // in memory order measured much faster (DRAM locality) than writing in memory order.
    int64_t gx = (L.shape[L.p] + kTile - 1) / kTile, gy = (L.shape[L.nd - 1] + kTile - 1) / kTile;
    int64_t gz = L.nbatch < 65535 ? L.nbatch : 65535;
    if (gy > 65535 || gx > INT32_MAX) return ew_run<1, T, T>(ctx, c, IdentF<T>());
    dim3 grid((unsigned)gx, (unsigned)gy, (unsigned)gz);
    copy_tiled_kernel<T>
        <<<grid, dim3(kTile, kTileRows), 0, stream_of(ctx)>>>((T *)c->out.data, (const T *)c->in[0].data, L);
    return launched(c);
  }
  return ew_run<1, T, T>(ctx, c, IdentF<T>());
}

weir_status check_elementwise(weir__kernel_call *c, int nin) {
  if (c->nin != nin)
    return fail(c, WEIR_ERR_INTERNAL, "%s expects %d input(s), got %d", weir__prim_name(c->prim), nin, c->nin);
  for (int i = 0; i < nin; i++) {
    const weir__tensor *t = &c->in[i];
    bool same = t->ndim == c->out.ndim;
    for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == c->out.shape[d];
    if (!same)
      return fail(c, WEIR_ERR_INTERNAL, "%s: input %d does not have the output's shape", weir__prim_name(c->prim), i);
  }
  return WEIR_OK;
}

weir_status copy(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  weir_status st = check_elementwise(c, 1);
  if (st != WEIR_OK) return st;
  if (c->in[0].dtype != c->out.dtype)
    return fail(c, WEIR_ERR_INTERNAL, "%s: input dtype %s differs from output dtype %s", weir__prim_name(c->prim),
                weir_dtype_name(c->in[0].dtype), weir_dtype_name(c->out.dtype));
  int64_t sz = dsize(c->out.dtype);
  if (c->in[0].contiguous) {
    if (c->in[0].data == c->out.data) return WEIR_OK;
    cudaError_t e = cudaMemcpyAsync(c->out.data, c->in[0].data, (size_t)(c->out.size * sz), cudaMemcpyDeviceToDevice,
                                    stream_of(ctx));
    return e == cudaSuccess ? WEIR_OK : cuda_failed(c, e, "cudaMemcpyAsync");
  }
  switch (sz) {
  case 1: return copy_as<uint8_t>(ctx, c);
  case 2: return copy_as<uint16_t>(ctx, c);
  case 4: return copy_as<uint32_t>(ctx, c);
  default: return copy_as<uint64_t>(ctx, c);
  }
}

weir_status astype(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  weir_status st = check_elementwise(c, 1);
  if (st != WEIR_OK) return st;
  if (c->in[0].dtype == c->out.dtype) return copy(ctx, c);
  return with_dtype(c->in[0].dtype, [&](auto src) {
    typedef decltype(src) Src;
    return with_dtype(c->out.dtype, [&](auto dst) {
      typedef decltype(dst) Dst;
      return ew_run<1, typename Dst::S, typename Src::S>(ctx, c, CastF<Src, Dst>());
    });
  });
}

// ---- unary, binary, comparisons ----

template <int P> weir_status unary_as(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  return with_dtype(c->in[0].dtype, [&](auto tag) {
    typedef decltype(tag) T;
    if constexpr (unary_ok<P, T::kind>()) {
      typedef UnaryF<P, T> F;
      return ew_run<1, typename F::O, typename T::S>(ctx, c, F());
    } else {
      return unsupported(c, T::id);
    }
  });
}

weir_status unary(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  weir_status st = check_elementwise(c, 1);
  if (st != WEIR_OK) return st;
  bool to_bool = c->prim == WEIR__P_LOGICAL_NOT || c->prim == WEIR__P_ISNAN || c->prim == WEIR__P_ISINF;
  weir_dtype t = c->in[0].dtype, want = to_bool ? WEIR_BOOL : t;
  if (c->out.dtype != want)
    return fail(c, WEIR_ERR_INTERNAL, "%s: output dtype %s, expected %s", weir__prim_name(c->prim),
                weir_dtype_name(c->out.dtype), weir_dtype_name(want));
  switch (c->prim) {
  case WEIR__P_ABS: return unary_as<WEIR__P_ABS>(ctx, c);
  case WEIR__P_NEGATIVE: return unary_as<WEIR__P_NEGATIVE>(ctx, c);
  case WEIR__P_EXP: return unary_as<WEIR__P_EXP>(ctx, c);
  case WEIR__P_LOG: return unary_as<WEIR__P_LOG>(ctx, c);
  case WEIR__P_SIN: return unary_as<WEIR__P_SIN>(ctx, c);
  case WEIR__P_COS: return unary_as<WEIR__P_COS>(ctx, c);
  case WEIR__P_TANH: return unary_as<WEIR__P_TANH>(ctx, c);
  case WEIR__P_SQRT: return unary_as<WEIR__P_SQRT>(ctx, c);
  case WEIR__P_SQUARE: return unary_as<WEIR__P_SQUARE>(ctx, c);
  case WEIR__P_SIGMOID: return unary_as<WEIR__P_SIGMOID>(ctx, c);
  case WEIR__P_EXPM1: return unary_as<WEIR__P_EXPM1>(ctx, c);
  case WEIR__P_LOG1P: return unary_as<WEIR__P_LOG1P>(ctx, c);
  case WEIR__P_LOG2: return unary_as<WEIR__P_LOG2>(ctx, c);
  case WEIR__P_LOG10: return unary_as<WEIR__P_LOG10>(ctx, c);
  case WEIR__P_RSQRT: return unary_as<WEIR__P_RSQRT>(ctx, c);
  case WEIR__P_RECIPROCAL: return unary_as<WEIR__P_RECIPROCAL>(ctx, c);
  case WEIR__P_TAN: return unary_as<WEIR__P_TAN>(ctx, c);
  case WEIR__P_ARCSIN: return unary_as<WEIR__P_ARCSIN>(ctx, c);
  case WEIR__P_ARCCOS: return unary_as<WEIR__P_ARCCOS>(ctx, c);
  case WEIR__P_ARCTAN: return unary_as<WEIR__P_ARCTAN>(ctx, c);
  case WEIR__P_SINH: return unary_as<WEIR__P_SINH>(ctx, c);
  case WEIR__P_COSH: return unary_as<WEIR__P_COSH>(ctx, c);
  case WEIR__P_ERF: return unary_as<WEIR__P_ERF>(ctx, c);
  case WEIR__P_FLOOR: return unary_as<WEIR__P_FLOOR>(ctx, c);
  case WEIR__P_CEIL: return unary_as<WEIR__P_CEIL>(ctx, c);
  case WEIR__P_ROUND: return unary_as<WEIR__P_ROUND>(ctx, c);
  case WEIR__P_SIGN: return unary_as<WEIR__P_SIGN>(ctx, c);
  case WEIR__P_ISNAN: return unary_as<WEIR__P_ISNAN>(ctx, c);
  case WEIR__P_ISINF: return unary_as<WEIR__P_ISINF>(ctx, c);
  default: return unary_as<WEIR__P_LOGICAL_NOT>(ctx, c);
  }
}

// Which dtype kinds binary primitive P takes (the core rejects the others at the call).
template <int P> constexpr bool binary_takes(int kind) {
  if (P == WEIR__P_DIVIDE || P == WEIR__P_ARCTAN2) return kind == K_FLOAT;
  if (P == WEIR__P_BITWISE_AND || P == WEIR__P_BITWISE_OR || P == WEIR__P_BITWISE_XOR) return kind != K_FLOAT;
  if (P == WEIR__P_LEFT_SHIFT || P == WEIR__P_RIGHT_SHIFT) return kind == K_UINT || kind == K_SINT;
  return true;
}

template <int P> weir_status binary_as(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  return with_dtype(c->out.dtype, [&](auto tag) {
    typedef decltype(tag) T;
    if constexpr (binary_takes<P>(T::kind)) {
      return ew_run<2, typename T::S, typename T::S>(ctx, c, BinaryF<P, T>());
    } else {
      return unsupported(c, T::id);
    }
  });
}

weir_status binary(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  weir_status st = check_elementwise(c, 2);
  if (st != WEIR_OK) return st;
  weir_dtype t = c->out.dtype;
  if (c->in[0].dtype != t || c->in[1].dtype != t)
    return fail(c, WEIR_ERR_INTERNAL, "%s: inputs %s and %s, output %s (they must match)", weir__prim_name(c->prim),
                weir_dtype_name(c->in[0].dtype), weir_dtype_name(c->in[1].dtype), weir_dtype_name(t));
  switch (c->prim) {
  case WEIR__P_ADD: return binary_as<WEIR__P_ADD>(ctx, c);
  case WEIR__P_SUBTRACT: return binary_as<WEIR__P_SUBTRACT>(ctx, c);
  case WEIR__P_MULTIPLY: return binary_as<WEIR__P_MULTIPLY>(ctx, c);
  case WEIR__P_DIVIDE: return binary_as<WEIR__P_DIVIDE>(ctx, c);
  case WEIR__P_MAXIMUM: return binary_as<WEIR__P_MAXIMUM>(ctx, c);
  case WEIR__P_MINIMUM: return binary_as<WEIR__P_MINIMUM>(ctx, c);
  case WEIR__P_POWER: return binary_as<WEIR__P_POWER>(ctx, c);
  case WEIR__P_FLOOR_DIVIDE: return binary_as<WEIR__P_FLOOR_DIVIDE>(ctx, c);
  case WEIR__P_REMAINDER: return binary_as<WEIR__P_REMAINDER>(ctx, c);
  case WEIR__P_ARCTAN2: return binary_as<WEIR__P_ARCTAN2>(ctx, c);
  case WEIR__P_BITWISE_AND: return binary_as<WEIR__P_BITWISE_AND>(ctx, c);
  case WEIR__P_BITWISE_OR: return binary_as<WEIR__P_BITWISE_OR>(ctx, c);
  case WEIR__P_BITWISE_XOR: return binary_as<WEIR__P_BITWISE_XOR>(ctx, c);
  case WEIR__P_LEFT_SHIFT: return binary_as<WEIR__P_LEFT_SHIFT>(ctx, c);
  default: return binary_as<WEIR__P_RIGHT_SHIFT>(ctx, c);
  }
}

template <int P> weir_status compare_as(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  return with_dtype(c->in[0].dtype, [&](auto tag) {
    typedef decltype(tag) T;
    return ew_run<2, uint8_t, typename T::S>(ctx, c, CompareF<P, T>());
  });
}

weir_status compare(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  weir_status st = check_elementwise(c, 2);
  if (st != WEIR_OK) return st;
  weir_dtype t = c->in[0].dtype;
  if (c->in[1].dtype != t || c->out.dtype != WEIR_BOOL)
    return fail(c, WEIR_ERR_INTERNAL, "%s: inputs %s and %s, output %s (same inputs, bool output)",
                weir__prim_name(c->prim), weir_dtype_name(t), weir_dtype_name(c->in[1].dtype),
                weir_dtype_name(c->out.dtype));
  switch (c->prim) {
  case WEIR__P_EQUAL: return compare_as<WEIR__P_EQUAL>(ctx, c);
  case WEIR__P_NOT_EQUAL: return compare_as<WEIR__P_NOT_EQUAL>(ctx, c);
  case WEIR__P_LESS: return compare_as<WEIR__P_LESS>(ctx, c);
  case WEIR__P_LESS_EQUAL: return compare_as<WEIR__P_LESS_EQUAL>(ctx, c);
  case WEIR__P_GREATER: return compare_as<WEIR__P_GREATER>(ctx, c);
  case WEIR__P_GREATER_EQUAL: return compare_as<WEIR__P_GREATER_EQUAL>(ctx, c);
  case WEIR__P_LOGICAL_AND: return compare_as<WEIR__P_LOGICAL_AND>(ctx, c);
  default: return compare_as<WEIR__P_LOGICAL_OR>(ctx, c);
  }
}

} // namespace

weir_status weir__cuda_elementwise(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  switch (c->prim) {
  case WEIR__P_FULL: return full(ctx, c);
  case WEIR__P_ARANGE: return arange(ctx, c);
  case WEIR__P_COPY: return copy(ctx, c);
  case WEIR__P_ASTYPE: return astype(ctx, c);
  default: break;
  }
  if (c->prim >= WEIR__P_ABS && c->prim <= WEIR__P_LOGICAL_NOT) return unary(ctx, c);
  if (c->prim >= WEIR__P_ADD && c->prim <= WEIR__P_RIGHT_SHIFT) return binary(ctx, c);
  if (c->prim >= WEIR__P_EQUAL && c->prim <= WEIR__P_LOGICAL_OR) return compare(ctx, c);
  return fail(c, WEIR_ERR_INTERNAL, "%s is not an elementwise primitive", weir__prim_name(c->prim));
}
