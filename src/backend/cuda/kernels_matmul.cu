// MATMUL through cuBLAS: in[0] (..., M, K) @ in[1] (..., K, N), both contiguous with out's ndim;
// each batch axis equal to out's or 1 (broadcast). float32, float16 and bfloat16, accumulating in
// float32 (TF32 tensor cores for float32 only when the node's params.matmul.allow_tf32, which
// weir_matmul took from weir_matmul_allow_tf32()).
//
// cuBLAS is column-major: a row-major (R x C) matrix is its column-major transpose, so
// C = A B is computed as C^T = B^T A^T, i.e. gemm(m = N, n = M, k = K, B, ldb = N, A, lda = K).
// Batches go in runs whose operand offsets advance by constant strides (0 for a broadcast
// operand); a broadcast right operand over a stack of left matrices folds into one
// (batches * M) x K product. Each GEMM goes through a cached cuBLASLt plan (matmul_plans.cu),
// except a single large one (>= 4096^3 multiply-adds), which goes to cublasGemmEx: there its host
// cost is noise, and it runs the kernel cuBLAS itself picks (the cuBLASLt path measured 767-809
// bf16 TFLOP/s at 8192^3 against cublasGemmEx's 820-842 over five H100 runs; with cublasGemmEx the
// ratio still moved 91.8-98.3% over four runs, so that spread is mostly the host-timed eval). Also
// cublasGemmEx / cublasGemmStridedBatchedEx where cuBLASLt has no algorithm.
#include <limits.h>

#include <cublas_v2.h>

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/matmul_plans.cuh"
extern "C" {
#include "backend/matmul_layout.h"
}

namespace {

weir_status cublas_failed(weir__kernel_call *c, cublasStatus_t st, const char *what) {
  return fail(c, WEIR_ERR_DEVICE, "matmul: %s failed: %s", what, cublasGetStatusString(st));
}

// The handle of ctx, created on first use and bound to ctx's stream then: a ctx belongs to one
// weir stream, whose CUDA stream never changes, so the binding is made once (cublasSetStream on
// every matmul cost host time on the launch path of small matmuls).
weir_status handle_of(weir__cuda_ctx *ctx, weir__kernel_call *c, cublasHandle_t *out) {
  cublasStatus_t st;
  if (!ctx->cublas) {
    cublasHandle_t h;
    if ((st = cublasCreate(&h)) != CUBLAS_STATUS_SUCCESS) return cublas_failed(c, st, "cublasCreate");
    if ((st = cublasSetStream(h, stream_of(ctx))) != CUBLAS_STATUS_SUCCESS) {
      cublasDestroy(h);
      return cublas_failed(c, st, "cublasSetStream");
    }
    ctx->cublas = h;
  }
  *out = (cublasHandle_t)ctx->cublas;
  return WEIR_OK;
}

// One GEMM or a strided run of them through cuBLASLt; *fallback when it has no algorithm.
weir_status lt_gemm(weir__cuda_ctx *ctx, weir__kernel_call *c, const weir__lt_gemm &g, bool *fallback) {
  const char *what = "cublasLtMatmul";
  cublasStatus_t cs = weir__lt_gemm_run(ctx, &g, &what);
  *fallback = cs == CUBLAS_STATUS_NOT_SUPPORTED;
  return cs == CUBLAS_STATUS_SUCCESS || *fallback ? WEIR_OK : cublas_failed(c, cs, what);
}

} // namespace

weir_status weir__cuda_matmul(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  weir__mm_layout L = {};
  weir_status st = weir__matmul_layout(c, &L, "cuBLAS");
  if (st != WEIR_OK) return st;
  weir_dtype t = c->out.dtype;
  if (c->in[0].dtype != t || c->in[1].dtype != t)
    return fail(c, WEIR_ERR_INTERNAL, "matmul: inputs %s and %s, output %s (they must match)",
                weir_dtype_name(c->in[0].dtype), weir_dtype_name(c->in[1].dtype), weir_dtype_name(t));
  cudaDataType_t dt;
  cublasComputeType_t ct = CUBLAS_COMPUTE_32F;
  switch (t) {
  case WEIR_FLOAT32:
    dt = CUDA_R_32F;
    if (c->params && c->params->matmul.allow_tf32) ct = CUBLAS_COMPUTE_32F_FAST_TF32;
    break;
  case WEIR_FLOAT16: dt = CUDA_R_16F; break;
  case WEIR_BFLOAT16: dt = CUDA_R_16BF; break;
  default: return unsupported(c, t);
  }
  const int64_t es = dsize(t), mn = L.M * L.N;
  if (L.K == 0) { // an empty sum: zeros (all-zero bits in every float dtype)
    cudaError_t e = cudaMemsetAsync(c->out.data, 0, (size_t)(c->out.size * es), stream_of(ctx));
    return e == cudaSuccess ? WEIR_OK : cuda_failed(c, e, "cudaMemsetAsync");
  }
  cublasHandle_t h = NULL;
  bool fallback = false;
  const float one = 1.0f, zero = 0.0f;
  const char *a = (const char *)c->in[0].data, *b = (const char *)c->in[1].data;
  char *o = (char *)c->out.data;
  const int n = (int)L.N, k = (int)L.K;
  if (weir__mm_foldable(&L)) {
    const weir__lt_gemm g = {dt, ct, n, L.M * L.batches, k, n, k, n, 1, 0, 0, 0, b, a, o};
    const bool large = (double)n * (double)(L.M * L.batches) * (double)k >= 68719476736.0; // 4096^3
    if (!large && ((st = lt_gemm(ctx, c, g, &fallback)) != WEIR_OK || !fallback)) return st;
    if ((st = handle_of(ctx, c, &h)) != WEIR_OK) return st;
    cublasStatus_t cs = cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, (int)(L.M * L.batches), k, &one, b, dt, n, a, dt,
                                     k, &zero, o, dt, n, ct, CUBLAS_GEMM_DEFAULT);
    return cs == CUBLAS_STATUS_SUCCESS ? WEIR_OK : cublas_failed(c, cs, "cublasGemmEx");
  }
  // Runs of batches whose offsets in a and b advance by constant steps: one call each.
  weir__mm_iter it;
  memset(&it, 0, sizeof it);
  for (int64_t t0 = 0; t0 < L.batches;) {
    const int64_t oa0 = it.oa, ob0 = it.ob;
    int64_t cnt = 1, da = 0, db = 0;
    weir__mm_iter_next(&L, &it);
    if (t0 + 1 < L.batches) {
      da = it.oa - oa0;
      db = it.ob - ob0;
      cnt = 2;
      weir__mm_iter_next(&L, &it);
      while (t0 + cnt < L.batches && cnt < INT_MAX && it.oa == oa0 + cnt * da && it.ob == ob0 + cnt * db) {
        cnt++;
        weir__mm_iter_next(&L, &it);
      }
    }
    const weir__lt_gemm g = {dt, ct, n, L.M, k, n, k, n, cnt, db, da, mn, b + ob0 * es, a + oa0 * es, o + t0 * mn * es};
    if ((st = lt_gemm(ctx, c, g, &fallback)) != WEIR_OK) return st;
    if (!fallback) {
      t0 += cnt;
      continue;
    }
    if (!h && (st = handle_of(ctx, c, &h)) != WEIR_OK) return st;
    cublasStatus_t cs = cublasGemmStridedBatchedEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, (int)L.M, k, &one, b + ob0 * es, dt,
                                                   n, db, a + oa0 * es, dt, k, da, &zero, o + t0 * mn * es, dt, n, mn,
                                                   (int)cnt, ct, CUBLAS_GEMM_DEFAULT);
    if (cs != CUBLAS_STATUS_SUCCESS) return cublas_failed(c, cs, "cublasGemmStridedBatchedEx");
    t0 += cnt;
  }
  return WEIR_OK;
}
