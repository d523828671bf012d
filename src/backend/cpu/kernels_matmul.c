/* MATMUL through OpenBLAS (row-major cblas): in[0] (..., M, K) @ in[1] (..., K, N), both
   contiguous with out's ndim; each batch axis is equal to out's or 1 (broadcast).
   float32 -> sgemm, float64 -> dgemm; float16/bfloat16 are widened to float32 one batch at a
   time (a broadcast operand is widened once), multiplied by sgemm and rounded back. */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "backend/cpu/cpu_kernels.h"
#include "backend/matmul_layout.h"

static void gemm_f32(int M, int N, int K, const float *a, const float *b, float *o) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K, b, N, 0.0f, o, N);
}
static void gemm_f64(int M, int N, int K, const double *a, const double *b, double *o) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, a, K, b, N, 0.0, o, N);
}

static void widen(float *dst, const uint16_t *src, int64_t n, bool bf16) {
  if (bf16)
    for (int64_t i = 0; i < n; i++) dst[i] = weir__bf16_to_f32(src[i]);
  else
    for (int64_t i = 0; i < n; i++) dst[i] = weir__f16_to_f32(src[i]);
}

static weir_status matmul_half(weir__kernel_call *c, const weir__mm_layout *L, bool bf16) {
  int64_t mk = L->M * L->K, kn = L->K * L->N, mn = L->M * L->N;
  float *fa = weir__malloc((size_t)(mk + kn + mn) * sizeof(float));
  if (!fa)
    return weir__cpu_fail(c, WEIR_ERR_OUT_OF_MEMORY, "matmul: out of memory for %lld float32 temporaries",
                          (long long)(mk + kn + mn));
  float *fb = fa + mk, *fo = fb + kn;
  const uint16_t *a = c->in[0].data, *b = c->in[1].data;
  uint16_t *o = c->out.data;
  weir__mm_iter it = {{0}, 0, 0};
  int64_t last_a = -1, last_b = -1;
  for (int64_t t = 0; t < L->batches; t++) {
    if (it.oa != last_a) widen(fa, a + it.oa, mk, bf16);
    if (it.ob != last_b) widen(fb, b + it.ob, kn, bf16);
    last_a = it.oa;
    last_b = it.ob;
    gemm_f32((int)L->M, (int)L->N, (int)L->K, fa, fb, fo);
    uint16_t *ot = o + t * mn;
    if (bf16)
      for (int64_t i = 0; i < mn; i++) ot[i] = weir__f32_to_bf16(fo[i]);
    else
      for (int64_t i = 0; i < mn; i++) ot[i] = weir__f32_to_f16(fo[i]);
    weir__mm_iter_next(L, &it);
  }
  free(fa);
  return WEIR_OK;
}

weir_status weir__cpu_matmul(weir__kernel_call *c) {
  weir__mm_layout L = {0};
  weir_status st = weir__matmul_layout(c, &L, "BLAS");
  if (st != WEIR_OK) return st;
  weir_dtype t = c->out.dtype;
  if (!weir__dtype_is_float(t) || c->in[0].dtype != t || c->in[1].dtype != t) {
    if (c->in[0].dtype == t && c->in[1].dtype == t) return weir__cpu_unsupported(c, t);
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "matmul: inputs %s and %s, output %s (they must match)",
                          weir_dtype_name(c->in[0].dtype), weir_dtype_name(c->in[1].dtype), weir_dtype_name(t));
  }
  if (c->out.size == 0) return WEIR_OK;
  if (L.K == 0) { /* empty sum: zeros (BLAS would reject lda = 0) */
    memset(c->out.data, 0, (size_t)(c->out.size * weir__cpu_dsize(t)));
    return WEIR_OK;
  }
  if (t == WEIR_FLOAT16 || t == WEIR_BFLOAT16) return matmul_half(c, &L, t == WEIR_BFLOAT16);
  int64_t mn = L.M * L.N, batches = L.batches, M = L.M;
  if (weir__mm_foldable(&L)) {
    M *= batches;
    batches = 1;
  }
  weir__mm_iter it = {{0}, 0, 0};
  for (int64_t b = 0; b < batches; b++) {
    if (t == WEIR_FLOAT32)
      gemm_f32((int)M, (int)L.N, (int)L.K, (const float *)c->in[0].data + it.oa, (const float *)c->in[1].data + it.ob,
               (float *)c->out.data + b * mn);
    else
      gemm_f64((int)M, (int)L.N, (int)L.K, (const double *)c->in[0].data + it.oa,
               (const double *)c->in[1].data + it.ob, (double *)c->out.data + b * mn);
    weir__mm_iter_next(&L, &it);
  }
  return WEIR_OK;
}
