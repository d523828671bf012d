// CUMSUM / CUMPROD on the GPU along params.scan.axis of a contiguous in[0] of out's shape and
// dtype, viewed as (outer, L, inner). Accumulators as on the CPU: the dtype's wrapping unsigned
// type for integers and bool (exact low bits: bit-identical to the CPU), float for float16/
// bfloat16/float32 (the block scan adds in another order than the CPU's sequential loop, so
// float results differ by rounding, within the usual O(L) error bound of a running sum).
// - inner == 1 (the axis is the last): one block per row, a block-wide scan of kBlock elements at
//   a time carrying the running value from chunk to chunk;
// - inner > 1: one thread per (outer, inner) column, sequential along the axis; neighbouring
//   threads read neighbouring addresses.
#include "backend/cuda/cuda_common.cuh"

namespace {

template <bool PROD, class A> __device__ __forceinline__ A op(A a, A b) {
  if constexpr (PROD) return a * b;
  else return a + b;
}
template <bool PROD, class A> __device__ __forceinline__ A ident() { return PROD ? A(1) : A(0); }

template <bool PROD, class T>
__global__ void __launch_bounds__(kBlock) scan_rows_kernel(const typename T::S *in, typename T::S *out, int64_t rows,
                                                           int64_t L, bool reverse, bool inclusive) {
  typedef typename T::U A;
  constexpr int kWarps = kBlock / 32;
  __shared__ A warp_tot[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const typename T::S *x = in + row * L;
    typename T::S *y = out + row * L;
    A carry = ident<PROD, A>();
    for (int64_t c0 = 0; c0 < L; c0 += kBlock) {
      const int64_t kk = c0 + threadIdx.x, k = reverse ? L - 1 - kk : kk;
      const bool valid = kk < L;
      A v = valid ? (A)T::ld(x[k]) : ident<PROD, A>();
      A incl = v; // inclusive scan within the warp
#pragma unroll
      for (int d = 1; d < 32; d <<= 1) {
        A t = __shfl_up_sync(0xffffffffu, incl, d);
        if (lane >= d) incl = op<PROD>(t, incl);
      }
      A excl = __shfl_up_sync(0xffffffffu, incl, 1);
      if (lane == 0) excl = ident<PROD, A>();
      if (lane == 31) warp_tot[warp] = incl;
      __syncthreads();
      if (warp == 0) { // inclusive scan of the warp totals
        A w = lane < kWarps ? warp_tot[lane] : ident<PROD, A>();
#pragma unroll
        for (int d = 1; d < kWarps; d <<= 1) {
          A t = __shfl_up_sync(0xffffffffu, w, d);
          if (lane >= d) w = op<PROD>(t, w);
        }
        if (lane < kWarps) warp_tot[lane] = w;
      }
      __syncthreads();
      const A before = warp > 0 ? op<PROD>(carry, warp_tot[warp - 1]) : carry;
      if (valid) y[k] = T::st((typename T::C)op<PROD>(before, inclusive ? incl : excl));
      carry = op<PROD>(carry, warp_tot[kWarps - 1]);
      __syncthreads(); // warp_tot is rewritten by the next chunk
    }
  }
}

template <bool PROD, class T>
__global__ void __launch_bounds__(kBlock) scan_cols_kernel(const typename T::S *in, typename T::S *out,
                                                           int64_t cols, int64_t L, int64_t inner, bool reverse,
                                                           bool inclusive) {
  typedef typename T::U A;
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t col = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; col < cols; col += stride) {
    const int64_t o = col / inner, q = col - o * inner, base = o * L * inner + q;
    A acc = ident<PROD, A>();
    for (int64_t kk = 0; kk < L; kk++) {
      const int64_t i = base + (reverse ? L - 1 - kk : kk) * inner;
      const A v = (A)T::ld(in[i]);
      if (inclusive) acc = op<PROD>(acc, v);
      out[i] = T::st((typename T::C)acc);
      if (!inclusive) acc = op<PROD>(acc, v);
    }
  }
}

template <bool PROD>
weir_status scan_as(const weir__cuda_ctx *ctx, weir__kernel_call *c, int64_t outer, int64_t L, int64_t inner) {
  const bool rev = c->params->scan.reverse, incl = c->params->scan.inclusive;
  return with_dtype(c->out.dtype, [&](auto tag) {
    typedef decltype(tag) T;
    typedef typename T::S S;
    const S *in = (const S *)c->in[0].data;
    S *out = (S *)c->out.data;
    if (inner == 1) {
      int64_t g = outer < (1 << 30) ? outer : (1 << 30);
      scan_rows_kernel<PROD, T><<<(unsigned)g, kBlock, 0, stream_of(ctx)>>>(in, out, outer, L, rev, incl);
    } else {
      unsigned g = grid_for(outer * inner, kBlock, ctx->device, 16);
      scan_cols_kernel<PROD, T><<<g, kBlock, 0, stream_of(ctx)>>>(in, out, outer * inner, L, inner, rev, incl);
    }
    return launched(c);
  });
}

} // namespace

weir_status weir__cuda_scan(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  const weir__tensor *in = &c->in[0];
  if (c->nin != 1 || !c->params || !in->contiguous || in->dtype != c->out.dtype || in->size != c->out.size ||
      c->params->scan.axis < 0 || c->params->scan.axis >= in->ndim)
    return fail(c, WEIR_ERR_INTERNAL, "%s: malformed call", weir__prim_name(c->prim));
  const int axis = c->params->scan.axis;
  int64_t outer = 1, inner = 1, L = in->shape[axis];
  for (int d = 0; d < axis; d++) outer *= in->shape[d];
  for (int d = axis + 1; d < in->ndim; d++) inner *= in->shape[d];
  if (c->prim == WEIR__P_CUMPROD) return scan_as<true>(ctx, c, outer, L, inner);
  return scan_as<false>(ctx, c, outer, L, inner);
}
