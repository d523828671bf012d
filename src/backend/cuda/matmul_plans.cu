// The plan cache of matmul_plans.cuh: per weir stream (ctx), a small table of cuBLASLt plans,
// least recently used out. A plan is keyed by everything the heuristic saw: dtypes, compute
// type, sizes, leading dimensions, batch strides and the alignment of the three pointers (an
// algorithm chosen for 16-byte aligned operands may need them aligned).
#include <stdlib.h>
#include <string.h>

#include <cublasLt.h>
#include <cuda_runtime.h>

#include "backend/cuda/matmul_plans.cuh"

namespace {

constexpr int kPlans = 32;                         // shapes remembered per stream
// cuBLASLt's scratch (split-K and the like), per stream: what cuBLAS recommends, 32 MiB from Hopper
// (sm_90) on, 4 MiB before. With 4 MiB on an H100 the heuristic picks slower bf16 kernels.
size_t workspace_bytes(int device) {
  int major = 0;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess) {
    (void)cudaGetLastError();
    major = 0;
  }
  return (size_t)(major >= 9 ? 32 : 4) << 20;
}

struct Key {
  int dt, ct;
  int64_t m, n, k, lda, ldb, ldd, batch, sa, sb, sd;
  int align_a, align_b, align_d;
};

struct Plan {
  Key key;
  bool used;
  uint64_t last; // tick of the last use
  cublasLtMatmulDesc_t desc;
  cublasLtMatrixLayout_t la, lb, ld;
  cublasLtMatmulAlgo_t algo;
};

struct Plans {
  cublasLtHandle_t lt;
  void *workspace;
  size_t workspace_size;
  uint64_t tick;
  Plan plan[kPlans];
};

// Largest power of two <= 16 dividing the address (the alignments cuBLASLt distinguishes).
int alignment_of(const void *p) {
  uintptr_t v = (uintptr_t)p;
  int a = 16;
  while (a > 1 && (v % (uintptr_t)a) != 0) a /= 2;
  return a;
}

void plan_drop(Plan *p) {
  if (!p->used) return;
  cublasLtMatrixLayoutDestroy(p->la);
  cublasLtMatrixLayoutDestroy(p->lb);
  cublasLtMatrixLayoutDestroy(p->ld);
  cublasLtMatmulDescDestroy(p->desc);
  p->used = false;
}

cublasStatus_t layout(cublasLtMatrixLayout_t *l, cudaDataType_t dt, int64_t rows, int64_t cols, int64_t ld,
                      int64_t batch, int64_t stride) {
  cublasStatus_t st = cublasLtMatrixLayoutCreate(l, dt, (uint64_t)rows, (uint64_t)cols, ld);
  if (st != CUBLAS_STATUS_SUCCESS || batch == 1) return st;
  int32_t count = (int32_t)batch;
  st = cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof stride);
  return st;
}

// Builds p for key k: descriptors, then the heuristic's first algorithm for them.
cublasStatus_t plan_make(Plans *ps, Plan *p, const Key &k, const char **what) {
  memset(p, 0, sizeof *p);
  p->key = k;
  const cudaDataType_t dt = (cudaDataType_t)k.dt;
  cublasStatus_t st;
  *what = "cublasLtMatmulDescCreate";
  if ((st = cublasLtMatmulDescCreate(&p->desc, (cublasComputeType_t)k.ct, CUDA_R_32F)) != CUBLAS_STATUS_SUCCESS)
    return st;
  *what = "cublasLtMatrixLayoutCreate";
  bool la = false, lb = false, ld = false;
  if ((st = layout(&p->la, dt, k.m, k.k, k.lda, k.batch, k.sa)) == CUBLAS_STATUS_SUCCESS) {
    la = true;
    if ((st = layout(&p->lb, dt, k.k, k.n, k.ldb, k.batch, k.sb)) == CUBLAS_STATUS_SUCCESS) {
      lb = true;
      if ((st = layout(&p->ld, dt, k.m, k.n, k.ldd, k.batch, k.sd)) == CUBLAS_STATUS_SUCCESS) ld = true;
    }
  }
  if (st == CUBLAS_STATUS_SUCCESS) {
    cublasLtMatmulPreference_t pref = NULL;
    *what = "cublasLtMatmulPreferenceCreate";
    if ((st = cublasLtMatmulPreferenceCreate(&pref)) == CUBLAS_STATUS_SUCCESS) {
      const uint64_t ws = ps->workspace_size;
      const uint32_t aa = (uint32_t)k.align_a, ab = (uint32_t)k.align_b, ad = (uint32_t)k.align_d;
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &aa, sizeof aa);
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &ab, sizeof ab);
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &ad, sizeof ad);
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &ad, sizeof ad);
      cublasLtMatmulHeuristicResult_t r;
      int found = 0;
      *what = "cublasLtMatmulAlgoGetHeuristic";
      st = cublasLtMatmulAlgoGetHeuristic(ps->lt, p->desc, p->la, p->lb, p->ld, p->ld, pref, 1, &r, &found);
      cublasLtMatmulPreferenceDestroy(pref);
      if (st == CUBLAS_STATUS_SUCCESS && found < 1) st = CUBLAS_STATUS_NOT_SUPPORTED;
      if (st == CUBLAS_STATUS_SUCCESS) p->algo = r.algo;
    }
  }
  if (st != CUBLAS_STATUS_SUCCESS) {
    if (la) cublasLtMatrixLayoutDestroy(p->la);
    if (lb) cublasLtMatrixLayoutDestroy(p->lb);
    if (ld) cublasLtMatrixLayoutDestroy(p->ld);
    cublasLtMatmulDescDestroy(p->desc);
    return st;
  }
  p->used = true;
  return st;
}

// ctx's plans, made on first use: the handle, and the workspace in ctx's stream order.
cublasStatus_t plans_of(weir__cuda_ctx *ctx, Plans **out, const char **what) {
  Plans *ps = (Plans *)ctx->mm_plans;
  if (!ps) {
    *what = "allocating the plan cache";
    if (!(ps = (Plans *)calloc(1, sizeof *ps))) return CUBLAS_STATUS_ALLOC_FAILED;
    cublasStatus_t st = cublasLtCreate(&ps->lt);
    if (st != CUBLAS_STATUS_SUCCESS) {
      *what = "cublasLtCreate";
      free(ps);
      return st;
    }
    ps->workspace_size = workspace_bytes(ctx->device);
    if (cudaMallocAsync(&ps->workspace, ps->workspace_size, (cudaStream_t)ctx->stream) != cudaSuccess) {
      (void)cudaGetLastError(); // a failed allocation must not surface as a later call's error
      *what = "cudaMallocAsync (cuBLASLt workspace)";
      cublasLtDestroy(ps->lt);
      free(ps);
      return CUBLAS_STATUS_ALLOC_FAILED;
    }
    ctx->mm_plans = ps;
  }
  *out = ps;
  return CUBLAS_STATUS_SUCCESS;
}

} // namespace

cublasStatus_t weir__lt_gemm_run(weir__cuda_ctx *ctx, const weir__lt_gemm *g, const char **what) {
  Plans *ps;
  cublasStatus_t st = plans_of(ctx, &ps, what);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  Key k;
  memset(&k, 0, sizeof k); // the padding too: keys compare with memcmp
  k.dt = (int)g->dt;
  k.ct = (int)g->ct;
  k.m = g->m, k.n = g->n, k.k = g->k, k.lda = g->lda, k.ldb = g->ldb, k.ldd = g->ldd;
  k.batch = g->batch, k.sa = g->sa, k.sb = g->sb, k.sd = g->sd;
  k.align_a = alignment_of(g->a), k.align_b = alignment_of(g->b), k.align_d = alignment_of(g->d);
  Plan *p = NULL, *victim = &ps->plan[0];
  for (int i = 0; i < kPlans && !p; i++) {
    Plan *q = &ps->plan[i];
    if (q->used && memcmp(&q->key, &k, sizeof k) == 0) p = q;
    else if (!q->used || (victim->used && q->last < victim->last)) victim = q;
  }
  if (!p) {
    plan_drop(victim);
    if ((st = plan_make(ps, victim, k, what)) != CUBLAS_STATUS_SUCCESS) return st;
    p = victim;
  }
  p->last = ++ps->tick;
  const float one = 1.0f, zero = 0.0f;
  *what = "cublasLtMatmul";
  return cublasLtMatmul(ps->lt, p->desc, &one, g->a, p->la, g->b, p->lb, &zero, g->d, p->ld, g->d, p->ld, &p->algo,
                        ps->workspace, ps->workspace_size, (cudaStream_t)ctx->stream);
}

void weir__lt_plans_release(weir__cuda_ctx *ctx) {
  Plans *ps = (Plans *)ctx->mm_plans;
  if (!ps) return;
  for (int i = 0; i < kPlans; i++) plan_drop(&ps->plan[i]);
  if (cudaFreeAsync(ps->workspace, (cudaStream_t)ctx->stream) != cudaSuccess) (void)cudaGetLastError();
  cublasLtDestroy(ps->lt);
  free(ps);
  ctx->mm_plans = NULL;
}
