// Reductions SUM PROD MAX MIN MEAN ARGMAX ARGMIN over the axes in params.reduce.axes_mask of a
// contiguous in[0]; out holds the kept axes in order (kernel.h).
//
// Accumulators follow the CPU kernels: float SUM/PROD and every MEAN in double (bandwidth-neutral
// on H100-class GPUs, and the results then match the CPU's after rounding but for rare ties of
// a different summation order); integer SUM/PROD in wrapping uint64; MAX/MIN exactly in the
// input's values (float for float16/bfloat16, int64/uint64 for integers, 0/1 for bool) with NaN
// sticking; ARGMAX/ARGMIN as (value, index) pairs where NaN is the extreme and ties go to the
// lower index, so any combining order gives the CPU's first occurrence.
//
// Axes are grouped as on the CPU (consecutive axes of one kind merge, size-1 axes drop). An
// output o reduces the elements base(o) + hi_off(rh) + rl * slo, where rl runs over the
// innermost reduced group (Llo elements, stride slo) and rh over the other reduced groups;
// the reduced index r = rh * Llo + rl is row-major over the reduced axes (what ARG* report).
// Two kernels cover the layouts:
// - warp: one warp per (output, chunk), lanes along rl: rows (innermost axis reduced, packed
//   16-byte loads) and narrow columns;
// - thread: one thread per (output, chunk), consecutive outputs at consecutive addresses:
//   wide columns (innermost axis kept; a 16-byte pack of adjacent outputs per thread when the
//   axis length allows) and very short rows.
// When the outputs alone cannot fill the GPU (reduce-all, a few long rows or columns) the
// reduced range is split in chunks: each chunk writes a partial accumulator to ctx->scratch and
// a final kernel (one warp per output) combines them, in a fixed order (deterministic).
#include "backend/cuda/cuda_common.cuh"

namespace {

constexpr size_t kScratchBytes = 4u << 20; // partial accumulators; at most 16 bytes each

enum OutKind { OUT_D, OUT_I, OUT_U, OUT_IDX };

template <class V> struct ArgAcc {
  V v;
  int64_t i;
};

template <int P, class T> struct Red {
  typedef typename T::S S;
  enum : bool {
    fl = T::kind == K_FLOAT,
    sg = T::kind == K_SINT,
    arg = P == WEIR__P_ARGMAX || P == WEIR__P_ARGMIN,
    top = P == WEIR__P_MAX || P == WEIR__P_ARGMAX, // the extreme is the largest
    sums = P == WEIR__P_SUM || P == WEIR__P_PROD
  };
  // An element as MAX/MIN/ARG* compare it.
  typedef typename std::conditional<fl, float, typename std::conditional<sg, int64_t, uint64_t>::type>::type E;
  typedef typename std::conditional<
      sums, typename std::conditional<fl, double, uint64_t>::type,
      typename std::conditional<P == WEIR__P_MEAN, double,
                                typename std::conditional<arg, ArgAcc<E>, E>::type>::type>::type A;

  static __device__ __forceinline__ E value(S x) {
    if constexpr (T::kind == K_BOOL) return x != 0;
    else return (E)T::ld(x);
  }
  static __device__ __forceinline__ A init() {
    if constexpr (P == WEIR__P_SUM || P == WEIR__P_MEAN) {
      return A(0);
    } else if constexpr (P == WEIR__P_PROD) {
      return A(1);
    } else {
      E e;
      if constexpr (fl) e = top ? -INFINITY : INFINITY;
      else if constexpr (sg) e = top ? INT64_MIN : INT64_MAX;
      else e = top ? 0 : UINT64_MAX;
      if constexpr (arg) return A{e, INT64_MAX}; // loses every tie
      else return e;
    }
  }
  static __device__ __forceinline__ A elem(S x, int64_t r) {
    if constexpr (sums || P == WEIR__P_MEAN) {
      if constexpr (T::kind == K_BOOL) return (A)(x != 0);
      else if constexpr (fl) return (double)T::ld(x);
      else return (A)x; // signed -> uint64 wraps as the CPU's (uint64_t) cast does
    } else if constexpr (arg) {
      return A{value(x), r};
    } else {
      (void)r;
      return value(x);
    }
  }
  // Whether (a) is preferred to (b) as the arg-extreme.
  static __device__ __forceinline__ bool wins(const ArgAcc<E> &a, const ArgAcc<E> &b) {
    if constexpr (fl) {
      bool an = a.v != a.v, bn = b.v != b.v;
      if (an || bn) return an && (!bn || a.i < b.i);
    }
    if (top ? a.v > b.v : a.v < b.v) return true;
    return a.v == b.v && a.i < b.i;
  }
  static __device__ __forceinline__ A comb(A a, A b) {
    if constexpr (P == WEIR__P_SUM || P == WEIR__P_MEAN) {
      return a + b;
    } else if constexpr (P == WEIR__P_PROD) {
      return a * b;
    } else if constexpr (arg) {
      return wins(a, b) ? a : b;
    } else if constexpr (fl) { // NaN sticks
      if constexpr (top) return (b != b || b > a) ? b : a;
      else return (b != b || b < a) ? b : a;
    } else {
      if constexpr (top) return b > a ? b : a;
      else return b < a ? b : a;
    }
  }
  // The value stored: double, int64, uint64 (converted to out's dtype) or a uint32 index.
  static __device__ __forceinline__ auto result(A a, double count) {
    if constexpr (arg) return (uint32_t)a.i;
    else if constexpr (P == WEIR__P_MEAN) return a / count;
    else if constexpr (fl) return (double)a;
    else if constexpr (sg) return (int64_t)a;
    else return (uint64_t)a;
  }
};

template <class X> __device__ __forceinline__ void store_out(void *out, int64_t j, weir_dtype ot, X x) {
  if constexpr (std::is_same<X, uint32_t>::value) {
    (void)ot;
    ((uint32_t *)out)[j] = x;
  } else {
    switch (ot) {
    case WEIR_BOOL: ((uint8_t *)out)[j] = cvt_to<DBool>(x); break;
    case WEIR_UINT8: ((uint8_t *)out)[j] = cvt_to<DU8>(x); break;
    case WEIR_UINT16: ((uint16_t *)out)[j] = cvt_to<DU16>(x); break;
    case WEIR_UINT32: ((uint32_t *)out)[j] = cvt_to<DU32>(x); break;
    case WEIR_UINT64: ((uint64_t *)out)[j] = cvt_to<DU64>(x); break;
    case WEIR_INT8: ((int8_t *)out)[j] = cvt_to<DI8>(x); break;
    case WEIR_INT16: ((int16_t *)out)[j] = cvt_to<DI16>(x); break;
    case WEIR_INT32: ((int32_t *)out)[j] = cvt_to<DI32>(x); break;
    case WEIR_INT64: ((int64_t *)out)[j] = cvt_to<DI64>(x); break;
    case WEIR_FLOAT16: ((uint16_t *)out)[j] = cvt_to<DF16>(x); break;
    case WEIR_BFLOAT16: ((uint16_t *)out)[j] = cvt_to<DBF16>(x); break;
    default: ((float *)out)[j] = cvt_to<DF32>(x); break;
    }
  }
}

// ---- layout ----

struct RedLayout {
  int nk, nh;
  int64_t kshape[WEIR_MAX_NDIM], kstride[WEIR_MAX_NDIM]; // kept groups, outer to inner
  int64_t hshape[WEIR_MAX_NDIM], hstride[WEIR_MAX_NDIM]; // reduced groups but the innermost
  int64_t Llo, slo;                                      // the innermost reduced group
  int64_t count, K;                                      // reduced elements per output; outputs
};

// sum of (index along group d) * stride[d] for flat index r over groups shape[0..n).
template <class I>
__device__ __forceinline__ int64_t group_offset(const int64_t *shape, const int64_t *stride, int n, I r) {
  int64_t off = 0;
  for (int d = n - 1; d > 0; d--) {
    I s = (I)shape[d], q = r / s;
    off += (int64_t)(r - q * s) * stride[d];
    r = q;
  }
  return n > 0 ? off + (int64_t)r * stride[0] : 0;
}
__device__ __forceinline__ int64_t kept_offset(const RedLayout &L, int64_t o) {
  if (L.K <= (int64_t)UINT32_MAX) return group_offset<uint32_t>(L.kshape, L.kstride, L.nk, (uint32_t)o);
  return group_offset<uint64_t>(L.kshape, L.kstride, L.nk, (uint64_t)o);
}
__device__ __forceinline__ int64_t hi_offset(const RedLayout &L, int64_t rh) {
  return group_offset<uint64_t>(L.hshape, L.hstride, L.nh, (uint64_t)rh);
}

template <class A> __device__ __forceinline__ A shfl_down(A a, int d) {
  constexpr int W = (sizeof(A) + 3) / 4;
  union {
    A a;
    uint32_t w[W];
  } u;
  u.a = a;
#pragma unroll
  for (int k = 0; k < W; k++) u.w[k] = __shfl_down_sync(0xffffffffu, u.w[k], d);
  return u.a;
}
template <class R> __device__ __forceinline__ typename R::A warp_combine(typename R::A acc) {
#pragma unroll
  for (int d = 16; d > 0; d >>= 1) acc = R::comb(acc, shfl_down(acc, d));
  return acc;
}

// ---- kernels ----

// This lane's share of n contiguous elements p[0..n) whose first has reduced index r0.
template <class R>
__device__ __forceinline__ void lanes_contig(typename R::A &acc, const typename R::S *p, int64_t n, int64_t r0,
                                             int lane) {
  typedef typename R::S S;
  constexpr int V = 16 / sizeof(S);
  int64_t h = (int64_t)(((16 - ((uintptr_t)p & 15)) & 15) / sizeof(S)); // elements before a 16-byte boundary
  if (h > n) h = n;
  if (lane < h) acc = R::comb(acc, R::elem(p[lane], r0 + lane));
  const S *q = p + h;
  const int64_t m = n - h, nv = m / V, rq = r0 + h;
  int64_t v = lane;
  for (; v + 96 < nv; v += 128) { // four packs in flight per lane
    Pack<S, V> x[4];
#pragma unroll
    for (int u = 0; u < 4; u++) x[u] = pack_load<S, V>(q, v + 32 * u);
#pragma unroll
    for (int u = 0; u < 4; u++)
#pragma unroll
      for (int k = 0; k < V; k++) acc = R::comb(acc, R::elem(x[u].v[k], rq + (v + 32 * u) * V + k));
  }
  for (; v < nv; v += 32) {
    Pack<S, V> x = pack_load<S, V>(q, v);
#pragma unroll
    for (int k = 0; k < V; k++) acc = R::comb(acc, R::elem(x.v[k], rq + v * V + k));
  }
  for (int64_t i = nv * V + lane; i < m; i += 32) acc = R::comb(acc, R::elem(q[i], rq + i));
}

// Reduced indices [r, r1) of the output at base, walked group by group; each run of the
// innermost reduced group goes to seg(acc, pointer, length, first index).
template <class R, class Seg>
__device__ __forceinline__ void walk(const RedLayout &L, const typename R::S *in, int64_t base, int64_t r, int64_t r1,
                                     typename R::A &acc, Seg seg) {
  if (r >= r1) return;
  int64_t rh = r ? r / L.Llo : 0, rl = r - rh * L.Llo; // no 64-bit division for a whole range
  while (r < r1) {
    int64_t n = L.Llo - rl < r1 - r ? L.Llo - rl : r1 - r;
    seg(acc, in + base + hi_offset(L, rh) + rl * L.slo, n, r);
    r += n;
    rh++;
    rl = 0;
  }
}

template <class R>
__device__ __forceinline__ void finish(typename R::A acc, const RedLayout &L, int64_t o, int64_t s, int64_t S_,
                                       void *out, weir_dtype ot, typename R::A *part) {
  if (S_ == 1) store_out(out, o, ot, R::result(acc, (double)L.count));
  else part[o * S_ + s] = acc;
}

template <int P, class T>
__global__ void __launch_bounds__(kBlock)
    red_warp_kernel(const typename T::S *in, const RedLayout L, int64_t S_, int64_t chunk, void *out, weir_dtype ot,
                    typename Red<P, T>::A *part) {
  typedef Red<P, T> R;
  typedef typename R::A A;
  const int lane = threadIdx.x & 31;
  const int64_t item = (int64_t)blockIdx.x * (kBlock / 32) + (threadIdx.x >> 5);
  if (item >= L.K * S_) return; // the whole warp
  const int64_t o = item / S_, s = item - o * S_, r0 = s * chunk;
  const int64_t r1 = r0 + chunk < L.count ? r0 + chunk : L.count;
  A acc = R::init();
  const int64_t slo = L.slo;
  walk<R>(L, in, kept_offset(L, o), r0, r1, acc, [&](A &a, const typename R::S *p, int64_t n, int64_t r) {
    if (slo == 1) {
      lanes_contig<R>(a, p, n, r, lane);
    } else {
#pragma unroll 4
      for (int64_t k = lane; k < n; k += 32) a = R::comb(a, R::elem(p[k * slo], r + k));
    }
  });
  acc = warp_combine<R>(acc);
  if (lane == 0) finish<R>(acc, L, o, s, S_, out, ot, part);
}

// Thread kernel; V > 1: each thread takes V adjacent outputs of the innermost kept axis (its
// length a multiple of V, the input pack-aligned), loading one pack per reduced element.
template <int P, class T, int V>
__global__ void __launch_bounds__(kBlock)
    red_thread_kernel(const typename T::S *in, const RedLayout L, int64_t S_, int64_t chunk, void *out, weir_dtype ot,
                      typename Red<P, T>::A *part) {
  typedef Red<P, T> R;
  typedef typename R::A A;
  typedef typename R::S S;
  const int64_t o = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) * V, s = blockIdx.y;
  if (o >= L.K) return;
  const int64_t r0 = s * chunk, r1 = r0 + chunk < L.count ? r0 + chunk : L.count;
  A acc[V];
#pragma unroll
  for (int v = 0; v < V; v++) acc[v] = R::init();
  const int64_t slo = L.slo;
  walk<R>(L, in, kept_offset(L, o), r0, r1, acc[0], [&](A &, const S *p, int64_t n, int64_t r) {
#pragma unroll 4
    for (int64_t k = 0; k < n; k++) {
      Pack<S, V> x = pack_load<S, V>(p + k * slo, 0);
#pragma unroll
      for (int v = 0; v < V; v++) acc[v] = R::comb(acc[v], R::elem(x.v[v], r + k));
    }
  });
#pragma unroll
  for (int v = 0; v < V; v++) finish<R>(acc[v], L, o + v, s, S_, out, ot, part);
}

// One warp per output combines its S_ partials.
template <int P, class T>
__global__ void __launch_bounds__(kBlock)
    red_final_kernel(const typename Red<P, T>::A *part, const int64_t K, const int64_t S_, const double count,
                     void *out, weir_dtype ot) {
  typedef Red<P, T> R;
  const int lane = threadIdx.x & 31;
  const int64_t o = (int64_t)blockIdx.x * (kBlock / 32) + (threadIdx.x >> 5);
  if (o >= K) return;
  typename R::A acc = R::init();
  for (int64_t k = lane; k < S_; k += 32) acc = R::comb(acc, part[o * S_ + k]);
  acc = warp_combine<R>(acc);
  if (lane == 0) store_out(out, o, ot, R::result(acc, count));
}

// ---- host ----

// Merges c's axes into groups (as the CPU does) and fills L; returns whether the innermost
// group is reduced, and the innermost kept group's length in *kin (0 when none).
bool layout(const weir__kernel_call *c, RedLayout *L, int64_t *kin) {
  const weir__tensor *in = &c->in[0];
  uint64_t mask = c->params->reduce.axes_mask;
  int64_t gshape[WEIR_MAX_NDIM];
  bool gred[WEIR_MAX_NDIM];
  // An empty input is laid out as its kept axes and one reduced axis of length 0 (kernel_math.h).
  int64_t eshape[WEIR_MAX_NDIM];
  const int64_t *shape = in->shape;
  int ndim = in->ndim;
  if (in->size == 0) {
    ndim = weir__empty_reduce_shape(in->shape, in->ndim, &mask, eshape);
    shape = eshape;
  }
  int ng = weir__merge_reduce_axes(shape, ndim, mask, gshape, gred);
  int64_t s = 1, gstride[WEIR_MAX_NDIM];
  for (int g = ng - 1; g >= 0; g--) {
    gstride[g] = s;
    s *= gshape[g];
  }
  L->nk = L->nh = 0;
  L->Llo = 1;
  L->slo = 1;
  L->K = 1;
  *kin = 0;
  int lo = -1; // the innermost reduced group
  for (int g = 0; g < ng; g++)
    if (gred[g]) lo = g;
  for (int g = 0; g < ng; g++) {
    if (!gred[g]) {
      L->kshape[L->nk] = gshape[g];
      L->kstride[L->nk++] = gstride[g];
      L->K *= gshape[g];
      *kin = gshape[g];
    } else if (g != lo) {
      L->hshape[L->nh] = gshape[g];
      L->hstride[L->nh++] = gstride[g];
    }
  }
  L->count = 1;
  for (int h = 0; h < L->nh; h++) L->count *= L->hshape[h];
  if (lo >= 0) {
    L->Llo = gshape[lo];
    L->slo = gstride[lo];
    L->count *= L->Llo;
  }
  return ng > 0 && gred[ng - 1];
}

weir_status ensure_scratch(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  if (ctx->scratch) return WEIR_OK;
  cudaError_t e = cudaMallocAsync(&ctx->scratch, kScratchBytes, stream_of(ctx));
  if (e != cudaSuccess) {
    ctx->scratch = NULL;
    return cuda_failed(c, e, "cudaMallocAsync (reduction scratch)");
  }
  return WEIR_OK;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Chunks per output: enough work items (items per chunk index) to fill the GPU (target), chunks of at least min_chunk
// (rounded to a multiple of 64 elements, which keeps packed loads aligned), partials that fit
// the scratch, and at most max_s chunks.
void split(const RedLayout &L, int64_t items, int64_t target, int64_t min_chunk, int64_t max_s, size_t acc_bytes,
           int64_t *S_, int64_t *chunk) {
  int64_t s = 1;
  if (items < target && L.count > min_chunk) {
    s = ceil_div(target, items);
    int64_t by_size = L.count / min_chunk, by_scratch = (int64_t)(kScratchBytes / acc_bytes) / L.K;
    if (s > by_size) s = by_size;
    if (s > by_scratch) s = by_scratch;
    if (s > max_s) s = max_s;
    if (s < 1) s = 1;
  }
  int64_t ch = L.count;
  if (s > 1) {
    ch = ceil_div(ceil_div(L.count, s), 64) * 64;
    s = ceil_div(L.count, ch);
  }
  *S_ = s;
  *chunk = ch > 0 ? ch : 1;
}

template <int P, class T>
weir_status reduce_run(weir__cuda_ctx *ctx, weir__kernel_call *c, const RedLayout &L, bool use_warp, int64_t kin) {
  typedef typename Red<P, T>::A A;
  typedef typename T::S S;
  constexpr int V = 16 / sizeof(S);
  const S *in = (const S *)c->in[0].data;
  // Packed columns: the innermost axis kept, V of its outputs per thread.
  const bool packed =
      !use_warp && kin > 0 && kin % V == 0 && aligned_to(in, 16) && L.nk > 0 && L.kstride[L.nk - 1] == 1;
  const int sms = sm_count(ctx->device);
  const int64_t items = packed ? L.K / V : L.K;
  int64_t S_, chunk;
  if (use_warp) split(L, items, (int64_t)sms * 32, 2048, INT64_MAX, sizeof(A), &S_, &chunk);
  else split(L, items, (int64_t)sms * 2048, 256, 65535, sizeof(A), &S_, &chunk);
  A *part = NULL;
  if (S_ > 1) {
    weir_status st = ensure_scratch(ctx, c);
    if (st != WEIR_OK) return st;
    part = (A *)ctx->scratch;
  }
  cudaStream_t s = stream_of(ctx);
  if (use_warp) {
    int64_t blocks = ceil_div(L.K * S_, kBlock / 32);
    red_warp_kernel<P, T><<<(unsigned)blocks, kBlock, 0, s>>>(in, L, S_, chunk, c->out.data, c->out.dtype, part);
  } else if (packed) {
    dim3 grid((unsigned)ceil_div(items, kBlock), (unsigned)S_);
    red_thread_kernel<P, T, V><<<grid, kBlock, 0, s>>>(in, L, S_, chunk, c->out.data, c->out.dtype, part);
  } else {
    dim3 grid((unsigned)ceil_div(L.K, kBlock), (unsigned)S_);
    red_thread_kernel<P, T, 1><<<grid, kBlock, 0, s>>>(in, L, S_, chunk, c->out.data, c->out.dtype, part);
  }
  weir_status st = launched(c);
  if (st != WEIR_OK || S_ == 1) return st;
  red_final_kernel<P, T><<<(unsigned)ceil_div(L.K, kBlock / 32), kBlock, 0, s>>>(part, L.K, S_, (double)L.count,
                                                                                 c->out.data, c->out.dtype);
  return launched(c);
}

template <int P>
weir_status reduce_as(weir__cuda_ctx *ctx, weir__kernel_call *c, const RedLayout &L, bool use_warp, int64_t kin) {
  return with_dtype(c->in[0].dtype, [&](auto tag) { return reduce_run<P, decltype(tag)>(ctx, c, L, use_warp, kin); });
}

} // namespace

weir_status weir__cuda_reduce(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  const char *name = weir__prim_name(c->prim);
  if (c->nin != 1) return fail(c, WEIR_ERR_INTERNAL, "%s expects 1 input, got %d", name, c->nin);
  const weir__tensor *in = &c->in[0];
  if (!in->contiguous) return fail(c, WEIR_ERR_INTERNAL, "%s expects a contiguous input", name);
  uint64_t mask = c->params->reduce.axes_mask;
  if (in->ndim < 64 && (mask >> in->ndim) != 0)
    return fail(c, WEIR_ERR_INTERNAL, "%s: axes mask 0x%llx beyond the input's %d axes", name, (unsigned long long)mask,
                in->ndim);
  RedLayout L;
  int64_t kin;
  bool inner_reduced = layout(c, &L, &kin);
  weir_dtype t = in->dtype, ot = c->out.dtype;
  bool arg = c->prim == WEIR__P_ARGMAX || c->prim == WEIR__P_ARGMIN;
  bool extreme = arg || c->prim == WEIR__P_MAX || c->prim == WEIR__P_MIN;
  if (L.K != c->out.size)
    return fail(c, WEIR_ERR_INTERNAL, "%s: output has %lld elements, the kept axes %lld", name, (long long)c->out.size,
                (long long)L.K);
  if (arg ? ot != WEIR_UINT32 : (extreme && ot != t))
    return fail(c, WEIR_ERR_INTERNAL, "%s of %s: output dtype %s not expected", name, weir_dtype_name(t),
                weir_dtype_name(ot));
  if (extreme && L.count == 0) return fail(c, WEIR_ERR_INVALID_ARGUMENT, "%s of an empty array", name);
  // Lanes along memory: rows of 16+ elements, or columns too narrow for a thread per output.
  bool use_warp = inner_reduced ? L.Llo >= 16 : (kin < 16 && L.count >= 64);
  switch (c->prim) {
  case WEIR__P_SUM: return reduce_as<WEIR__P_SUM>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  case WEIR__P_PROD: return reduce_as<WEIR__P_PROD>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  case WEIR__P_MAX: return reduce_as<WEIR__P_MAX>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  case WEIR__P_MIN: return reduce_as<WEIR__P_MIN>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  case WEIR__P_MEAN: return reduce_as<WEIR__P_MEAN>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  case WEIR__P_ARGMAX: return reduce_as<WEIR__P_ARGMAX>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  case WEIR__P_ARGMIN: return reduce_as<WEIR__P_ARGMIN>(ctx, c, L, use_warp, inner_reduced ? 0 : kin);
  default: return fail(c, WEIR_ERR_INTERNAL, "%s is not a reduction", name);
  }
}
