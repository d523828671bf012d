// cuBLASLt GEMMs with their plans cached per stream (matmul_plans.cu). cublasGemmEx picks its
// algorithm on every call, which costs ~10 µs of host time on an H100: for the ~10 µs matmuls of a
// chain that is most of the launch, and two streams' workers contend inside it. A plan (descriptors
// plus the heuristic's algorithm) is made once per shape, dtype and alignment and then reused.
#ifndef WEIR_BACKEND_CUDA_MATMUL_PLANS_CUH
#define WEIR_BACKEND_CUDA_MATMUL_PLANS_CUH

#include <stdint.h>

#include <cublas_v2.h>

#include "backend/cuda/cuda_kernels.h"

// One column-major GEMM, or `batch` of them at constant strides (in elements; 0 broadcasts):
// D (m x n, ld ldd) = A (m x k, ld lda) * B (k x n, ld ldb), no transposes, alpha 1, beta 0.
struct weir__lt_gemm {
  cudaDataType_t dt;
  cublasComputeType_t ct;
  int64_t m, n, k, lda, ldb, ldd, batch, sa, sb, sd;
  const void *a, *b;
  void *d;
};

// Enqueues g on ctx's stream through a cached plan. Returns CUBLAS_STATUS_NOT_SUPPORTED when
// cuBLASLt has no algorithm for it (the caller falls back to cublasGemmEx); other failures are
// errors. *what names the call that failed.
cublasStatus_t weir__lt_gemm_run(weir__cuda_ctx *ctx, const weir__lt_gemm *g, const char **what);

// Frees ctx's plans, cuBLASLt handle and workspace (the workspace ordered on ctx's stream).
void weir__lt_plans_release(weir__cuda_ctx *ctx);

#endif
