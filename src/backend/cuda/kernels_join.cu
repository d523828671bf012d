// CONCAT on the GPU: out viewed as (outer, W) with W = out.shape[axis] * inner; input k fills
// columns [start_k, start_k + w_k) of every row. One grid-stride pass over the output, on raw
// words of the element size (bit-identical to the CPU).
#include "backend/cuda/cuda_common.cuh"

namespace {

struct ConcatArgs {
  const void *src[WEIR__MAX_INPUTS];
  int64_t w[WEIR__MAX_INPUTS], start[WEIR__MAX_INPUTS];
  int nin;
  int64_t W;
};

template <class T> __global__ void __launch_bounds__(kBlock) concat_kernel(int64_t n, T *out, const ConcatArgs a) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t o = i / a.W, r = i - o * a.W;
    int k = 0;
    while (k + 1 < a.nin && r >= a.start[k + 1]) k++;
    out[i] = ((const T *)a.src[k])[o * a.w[k] + (r - a.start[k])];
  }
}

template <class T> weir_status concat_as(const weir__cuda_ctx *ctx, weir__kernel_call *c, const ConcatArgs &a) {
  unsigned g = grid_for(c->out.size, kBlock, ctx->device, 16);
  concat_kernel<T><<<g, kBlock, 0, stream_of(ctx)>>>(c->out.size, (T *)c->out.data, a);
  return launched(c);
}

} // namespace

weir_status weir__cuda_concat(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  if (c->nin < 1 || !c->params || c->params->concat.axis < 0 || c->params->concat.axis >= c->out.ndim)
    return fail(c, WEIR_ERR_INTERNAL, "concatenate: malformed call");
  const int axis = c->params->concat.axis;
  int64_t inner = 1, along = 0;
  for (int d = axis + 1; d < c->out.ndim; d++) inner *= c->out.shape[d];
  ConcatArgs a;
  a.nin = c->nin;
  for (int k = 0; k < c->nin; k++) {
    const weir__tensor *t = &c->in[k];
    if (!t->contiguous || t->dtype != c->out.dtype || t->ndim != c->out.ndim)
      return fail(c, WEIR_ERR_INTERNAL, "concatenate: input %d does not match the output", k);
    a.src[k] = t->data;
    a.start[k] = along * inner;
    a.w[k] = t->shape[axis] * inner;
    along += t->shape[axis];
  }
  if (along != c->out.shape[axis])
    return fail(c, WEIR_ERR_INTERNAL, "concatenate: the inputs' axis lengths do not add up");
  a.W = along * inner;
  switch (dsize(c->out.dtype)) {
  case 1: return concat_as<uint8_t>(ctx, c, a);
  case 2: return concat_as<uint16_t>(ctx, c, a);
  case 4: return concat_as<uint32_t>(ctx, c, a);
  default: return concat_as<uint64_t>(ctx, c, a);
  }
}
