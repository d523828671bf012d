// WHERE (3-input elementwise select) and GATHER (take / take_along_axis) on the GPU. Both only
// move elements, so they run on raw words of the element size (1, 2, 4 or 8 bytes) and give the
// CPU's results bit for bit. Index values follow backend/select_math.h (negative from the end,
// the rest clamped), the same code the CPU kernels run.
#include "backend/cuda/elementwise.cuh"

extern "C" {
#include "backend/select_math.h"
}

namespace {

template <int B> struct Word;
template <> struct Word<1> { typedef uint8_t T; };
template <> struct Word<2> { typedef uint16_t T; };
template <> struct Word<4> { typedef uint32_t T; };
template <> struct Word<8> { typedef uint64_t T; };

// Calls fn(Word<size>::T()) for an element size; other sizes are not dtypes.
template <class Fn> inline weir_status with_size(int64_t size, Fn &&fn) {
  switch (size) {
  case 1: return fn(uint8_t());
  case 2: return fn(uint16_t());
  case 4: return fn(uint32_t());
  default: return fn(uint64_t());
  }
}

// ---- WHERE ----

// Offsets of flat output index r in the three inputs over the collapsed layout L.
template <class I> __device__ __forceinline__ void where_offsets(const EwLayout<3> &L, I r, int64_t *off) {
  off[0] = off[1] = off[2] = 0;
  for (int d = L.nd - 1; d > 0; d--) {
    I s = (I)L.shape[d], q = r / s, k = r - q * s;
#pragma unroll
    for (int j = 0; j < 3; j++) off[j] += (int64_t)k * L.st[j][d];
    r = q;
  }
#pragma unroll
  for (int j = 0; j < 3; j++) off[j] += (int64_t)r * L.st[j][0];
}

template <class T>
__global__ void __launch_bounds__(kBlock)
    where_kernel(int64_t n, T *out, const uint8_t *c, const T *x, const T *y, const EwLayout<3> L) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  const bool small = n <= (int64_t)UINT32_MAX;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[3];
    if (small) where_offsets<uint32_t>(L, (uint32_t)i, off);
    else where_offsets<uint64_t>(L, (uint64_t)i, off);
    out[i] = c[off[0]] ? x[off[1]] : y[off[2]];
  }
}

weir_status where_run(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  if (c->nin != 3) return fail(c, WEIR_ERR_INTERNAL, "where expects 3 inputs, got %d", c->nin);
  for (int i = 0; i < 3; i++) {
    bool same = c->in[i].ndim == c->out.ndim;
    for (int d = 0; same && d < c->out.ndim; d++) same = c->in[i].shape[d] == c->out.shape[d];
    if (!same) return fail(c, WEIR_ERR_INTERNAL, "where: input %d does not have the output's shape", i);
  }
  if (c->in[0].dtype != WEIR_BOOL || c->in[1].dtype != c->out.dtype || c->in[2].dtype != c->out.dtype)
    return fail(c, WEIR_ERR_INTERNAL, "where: inputs %s, %s, %s for output %s", weir_dtype_name(c->in[0].dtype),
                weir_dtype_name(c->in[1].dtype), weir_dtype_name(c->in[2].dtype), weir_dtype_name(c->out.dtype));
  EwLayout<3> L;
  ew_collapse<3>(c, &L);
  const int64_t n = c->out.size;
  unsigned g = grid_for(n, kBlock, ctx->device, 16);
  return with_size(dsize(c->out.dtype), [&](auto w) {
    typedef decltype(w) T;
    where_kernel<T><<<g, kBlock, 0, stream_of(ctx)>>>(n, (T *)c->out.data, (const uint8_t *)c->in[0].data,
                                                      (const T *)c->in[1].data, (const T *)c->in[2].data, L);
    return launched(c);
  });
}

// ---- GATHER ----

// take: out (p, j, q) = a[p, index j, q] with q < inner, j < m, index in [0, n).
template <class T>
__global__ void __launch_bounds__(kBlock) take_kernel(int64_t total, T *out, const T *a, const void *idx,
                                                      weir_dtype it, int64_t m, int64_t n, int64_t inner) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
    int64_t r = i / inner, q = i - r * inner, p = r / m, j = r - p * m;
    out[i] = a[(p * n + weir__gather_index(idx, it, j, n)) * inner + q];
  }
}

// take_along_axis: per output axis d, out's dim and the element strides of a and of the
// indices (0 on broadcast dims; a's stride along the axis is 0 here and applied per index).
struct AlongLayout {
  int nd;
  int64_t shape[WEIR_MAX_NDIM], sa[WEIR_MAX_NDIM], si[WEIR_MAX_NDIM];
  int64_t axis_stride, n;
};

template <class T>
__global__ void __launch_bounds__(kBlock)
    along_kernel(int64_t total, T *out, const T *a, const void *idx, weir_dtype it, const AlongLayout L) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
    int64_t r = i, oa = 0, oi = 0;
    for (int d = L.nd - 1; d >= 0; d--) {
      int64_t q = r / L.shape[d], k = r - q * L.shape[d];
      oa += k * L.sa[d];
      oi += k * L.si[d];
      r = q;
    }
    out[i] = a[oa + weir__gather_index(idx, it, oi, L.n) * L.axis_stride];
  }
}

weir_status gather_run(const weir__cuda_ctx *ctx, weir__kernel_call *c) {
  const weir__tensor *a = &c->in[0], *ix = &c->in[1];
  int axis = c->params ? c->params->gather.axis : -1;
  if (c->nin != 2 || !c->params || axis < 0 || axis >= a->ndim || !a->contiguous || !ix->contiguous ||
      a->dtype != c->out.dtype || !weir__dtype_is_integer(ix->dtype) || a->shape[axis] == 0)
    return fail(c, WEIR_ERR_INTERNAL, "gather: malformed call");
  const bool along = c->params->gather.along;
  if (along && (ix->ndim != a->ndim || c->out.ndim != a->ndim))
    return fail(c, WEIR_ERR_INTERNAL, "gather: take_along_axis needs one ndim");
  const int64_t total = c->out.size, n = a->shape[axis];
  unsigned g = grid_for(total, kBlock, ctx->device, 16);
  AlongLayout L;
  int64_t inner = 1;
  for (int d = axis + 1; d < a->ndim; d++) inner *= a->shape[d];
  if (along) {
    L.nd = c->out.ndim;
    L.n = n;
    L.axis_stride = a->strides[axis];
    for (int d = 0; d < L.nd; d++) {
      L.shape[d] = c->out.shape[d];
      bool bc_a = a->shape[d] == 1 && c->out.shape[d] != 1, bc_i = ix->shape[d] == 1 && c->out.shape[d] != 1;
      L.sa[d] = d == axis || bc_a ? 0 : a->strides[d];
      L.si[d] = bc_i ? 0 : ix->strides[d];
    }
  }
  return with_size(dsize(a->dtype), [&](auto w) {
    typedef decltype(w) T;
    if (along)
      along_kernel<T><<<g, kBlock, 0, stream_of(ctx)>>>(total, (T *)c->out.data, (const T *)a->data, ix->data,
                                                        ix->dtype, L);
    else
      take_kernel<T><<<g, kBlock, 0, stream_of(ctx)>>>(total, (T *)c->out.data, (const T *)a->data, ix->data,
                                                       ix->dtype, ix->size, n, inner);
    return launched(c);
  });
}

} // namespace

weir_status weir__cuda_select(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  if (c->prim == WEIR__P_WHERE) return where_run(ctx, c);
  return gather_run(ctx, c);
}
