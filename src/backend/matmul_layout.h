/* The batch layout of a MATMUL call, shared by the CPU (BLAS) and CUDA (cuBLAS) kernels: in[0]
   (..., M, K) @ in[1] (..., K, N), both contiguous with out's ndim, each batch axis equal to out's
   or 1 (broadcast). Host code, plain C. */
#ifndef WEIR_BACKEND_MATMUL_LAYOUT_H
#define WEIR_BACKEND_MATMUL_LAYOUT_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/kernel.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline weir_status weir__mm_fail(weir__kernel_call *c, weir_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
  va_end(ap);
  return s;
}

/* library names the GEMM provider in the message for dimensions it cannot take. */
typedef struct {
  int nb;                       /* batch axes (out.ndim - 2) */
  int64_t shape[WEIR_MAX_NDIM]; /* out's batch shape */
  int64_t sa[WEIR_MAX_NDIM], sb[WEIR_MAX_NDIM]; /* batch strides in elements, 0 when broadcast */
  int64_t M, N, K, batches;
} weir__mm_layout;

static inline weir_status weir__matmul_layout(weir__kernel_call *c, weir__mm_layout *L, const char *library) {
  const weir__tensor *a = &c->in[0], *b = &c->in[1], *o = &c->out;
  int nd = o->ndim;
  if (c->nin != 2 || nd < 2 || a->ndim != nd || b->ndim != nd)
    return weir__mm_fail(c, WEIR_ERR_INTERNAL, "matmul expects two inputs with the output's %d (>= 2) axes", nd);
  if (!a->contiguous || !b->contiguous)
    return weir__mm_fail(c, WEIR_ERR_INTERNAL, "matmul expects contiguous inputs");
  L->M = a->shape[nd - 2];
  L->K = a->shape[nd - 1];
  L->N = b->shape[nd - 1];
  if (b->shape[nd - 2] != L->K || o->shape[nd - 2] != L->M || o->shape[nd - 1] != L->N)
    return weir__mm_fail(c, WEIR_ERR_INTERNAL, "matmul: shapes do not chain (M %lld, K %lld / %lld, N %lld)",
                         (long long)L->M, (long long)L->K, (long long)b->shape[nd - 2], (long long)L->N);
  L->nb = nd - 2;
  L->batches = 1;
  int64_t ra = L->M * L->K, rb = L->K * L->N; /* row-major strides, innermost batch axis first */
  for (int d = nd - 3; d >= 0; d--) {
    int64_t n = o->shape[d];
    if ((a->shape[d] != n && a->shape[d] != 1) || (b->shape[d] != n && b->shape[d] != 1))
      return weir__mm_fail(c, WEIR_ERR_INTERNAL, "matmul: batch axis %d does not broadcast", d);
    L->shape[d] = n;
    L->sa[d] = a->shape[d] == 1 ? 0 : ra;
    L->sb[d] = b->shape[d] == 1 ? 0 : rb;
    ra *= a->shape[d];
    rb *= b->shape[d];
    L->batches *= n;
  }
  if (L->M > INT_MAX || L->N > INT_MAX || L->K > INT_MAX)
    return weir__mm_fail(c, WEIR_ERR_UNSUPPORTED, "matmul: a dimension above %d is beyond %s", INT_MAX, library);
  return WEIR_OK;
}

/* Batch offsets (in elements) of a and b, advanced batch by batch in out's row-major order. */
typedef struct {
  int64_t idx[WEIR_MAX_NDIM], oa, ob;
} weir__mm_iter;

static inline void weir__mm_iter_next(const weir__mm_layout *L, weir__mm_iter *it) {
  for (int d = L->nb - 1; d >= 0; d--) {
    it->oa += L->sa[d];
    it->ob += L->sb[d];
    if (++it->idx[d] < L->shape[d]) return;
    it->oa -= L->shape[d] * L->sa[d];
    it->ob -= L->shape[d] * L->sb[d];
    it->idx[d] = 0;
  }
}

/* True when b is the same matrix for every batch and a's batches are one contiguous stack:
   then all batches are one (batches * M) x K product. */
static inline bool weir__mm_foldable(const weir__mm_layout *L) {
  int64_t expect = L->M * L->K;
  for (int d = L->nb - 1; d >= 0; d--) {
    if (L->sb[d] != 0) return false;
    if (L->shape[d] == 1) continue;
    if (L->sa[d] != expect) return false;
    expect *= L->shape[d];
  }
  return L->batches * L->M <= INT_MAX;
}

#endif
