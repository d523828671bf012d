// weir__cuda_kernel_run: checks a kernel call's descriptors (as the CPU kernels do), rejects
// float64, and hands the call to its primitive family (kernels_*.cu) on ctx's stream.
#include <cublas_v2.h>

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/matmul_plans.cuh"

namespace {

bool tensor_ok(const weir__tensor *t) {
  return weir__dtype_valid((int)t->dtype) && t->ndim >= 0 && t->ndim <= WEIR_MAX_NDIM && t->size >= 0;
}

weir_status check_call(weir__kernel_call *c) {
  if ((int)c->prim <= WEIR__P_NONE || c->prim >= WEIR__P_COUNT)
    return fail(c, WEIR_ERR_INTERNAL, "no GPU kernel for primitive %d", (int)c->prim);
  if (c->nin < 0 || c->nin > WEIR__MAX_INPUTS || !tensor_ok(&c->out))
    return fail(c, WEIR_ERR_INTERNAL, "%s: malformed kernel call", weir__prim_name(c->prim));
  for (int i = 0; i < c->nin; i++)
    if (!tensor_ok(&c->in[i])) return fail(c, WEIR_ERR_INTERNAL, "%s: malformed input %d", weir__prim_name(c->prim), i);
  bool needs_params = c->prim == WEIR__P_FULL || c->prim == WEIR__P_ARANGE ||
                      (c->prim >= WEIR__P_SUM && c->prim <= WEIR__P_ARGMIN) ||
                      (c->prim >= WEIR__P_RANDOM_BITS && c->prim <= WEIR__P_RANDOM_NORMAL);
  if (needs_params && !c->params) return fail(c, WEIR_ERR_INTERNAL, "%s: no parameters", weir__prim_name(c->prim));
  bool f64 = c->out.dtype == WEIR_FLOAT64;
  for (int i = 0; i < c->nin; i++) f64 = f64 || c->in[i].dtype == WEIR_FLOAT64;
  if (f64) return fail(c, WEIR_ERR_UNSUPPORTED, "%s: float64 is not supported on the GPU", weir__prim_name(c->prim));
  return WEIR_OK;
}

// RESHAPE normally never reaches a kernel (the core shares the buffer); if it does, a
// contiguous input of the same size and dtype is copied.
weir_status reshape(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  const weir__tensor *in = &c->in[0];
  if (c->nin != 1 || !in->contiguous || in->size != c->out.size || in->dtype != c->out.dtype)
    return fail(c, WEIR_ERR_INTERNAL, "reshape: the core shares buffers; no kernel for this call");
  if (c->out.data == in->data) return WEIR_OK;
  cudaError_t e = cudaMemcpyAsync(c->out.data, in->data, (size_t)(c->out.size * dsize(in->dtype)),
                                  cudaMemcpyDeviceToDevice, stream_of(ctx));
  return e == cudaSuccess ? WEIR_OK : cuda_failed(c, e, "cudaMemcpyAsync");
}

} // namespace

weir_status weir__cuda_kernel_run(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  c->errmsg[0] = '\0';
  weir_status st = check_call(c);
  if (st != WEIR_OK) return st;
  if (!ctx) return fail(c, WEIR_ERR_INTERNAL, "%s: no CUDA context", weir__prim_name(c->prim));
  if (c->prim == WEIR__P_TRANSPOSE || c->prim == WEIR__P_SLICE)
    return fail(c, WEIR_ERR_INTERNAL, "%s is lowered to copy by the core; no kernel", weir__prim_name(c->prim));
  if (c->out.size == 0) return WEIR_OK;
  switch (c->prim) {
  case WEIR__P_RESHAPE: return reshape(ctx, c);
  case WEIR__P_MATMUL: return weir__cuda_matmul(ctx, c);
  case WEIR__P_SUM:
  case WEIR__P_PROD:
  case WEIR__P_MAX:
  case WEIR__P_MIN:
  case WEIR__P_MEAN:
  case WEIR__P_ARGMAX:
  case WEIR__P_ARGMIN: return weir__cuda_reduce(ctx, c);
  case WEIR__P_RANDOM_BITS:
  case WEIR__P_RANDOM_UNIFORM:
  case WEIR__P_RANDOM_NORMAL: return weir__cuda_random(ctx, c);
  case WEIR__P_WHERE:
  case WEIR__P_GATHER: return weir__cuda_select(ctx, c);
  case WEIR__P_CUMSUM:
  case WEIR__P_CUMPROD: return weir__cuda_scan(ctx, c);
  case WEIR__P_CONCAT: return weir__cuda_concat(ctx, c);
  case WEIR__P_SORT:
  case WEIR__P_ARGSORT: return weir__cuda_sort(ctx, c);
  default: return weir__cuda_elementwise(ctx, c);
  }
}

void weir__cuda_ctx_release(weir__cuda_ctx *ctx) {
  if (!ctx) return;
  if (ctx->cublas) {
    (void)cublasDestroy((cublasHandle_t)ctx->cublas); // note: cuBLAS synchronizes the device here
    ctx->cublas = NULL;
  }
  weir__lt_plans_release(ctx);
  if (ctx->scratch) {
    // Stream-ordered: freed after the stream's last use of it. A failure leaves nothing to do
    // but must not surface later as another call's error.
    if (cudaFreeAsync(ctx->scratch, stream_of(ctx)) != cudaSuccess) (void)cudaGetLastError();
    ctx->scratch = NULL;
  }
}
