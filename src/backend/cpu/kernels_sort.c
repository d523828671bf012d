/* SORT / ARGSORT on the CPU along the last axis of a contiguous in[0]: each row's elements become
   (key, index) pairs (backend/select_math.h: numpy's order as an unsigned key, NaN last), sorted
   by key then index (a stable order, the same permutation the GPU's stable radix sort gives). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "backend/cpu/cpu_kernels.h"
#include "backend/select_math.h"

typedef struct {
  uint64_t key;
  int64_t idx;
} pair;

static int cmp_pair(const void *x, const void *y) {
  const pair *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

weir_status weir__cpu_sort(weir__kernel_call *c) {
  const weir__tensor *in = &c->in[0];
  bool arg = c->prim == WEIR__P_ARGSORT;
  if (c->nin != 1 || !in->contiguous || in->ndim < 1 || in->size != c->out.size ||
      c->out.dtype != (arg ? WEIR_UINT32 : in->dtype))
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: malformed call", weir__prim_name(c->prim));
  int64_t L = in->shape[in->ndim - 1], es = weir__cpu_dsize(in->dtype);
  if (in->size == 0) return WEIR_OK;
  int64_t rows = in->size / L;
  pair *p = weir__malloc((size_t)L * sizeof *p);
  if (!p)
    return weir__cpu_fail(c, WEIR_ERR_OUT_OF_MEMORY, "%s: out of memory for a row of %lld", weir__prim_name(c->prim),
                          (long long)L);
  for (int64_t r = 0; r < rows; r++) {
    const char *row = (const char *)in->data + r * L * es;
    for (int64_t j = 0; j < L; j++) {
      p[j].key = weir__sort_key(row, in->dtype, j);
      p[j].idx = j;
    }
    qsort(p, (size_t)L, sizeof *p, cmp_pair);
    if (arg) {
      uint32_t *o = (uint32_t *)c->out.data + r * L;
      for (int64_t j = 0; j < L; j++) o[j] = (uint32_t)p[j].idx;
    } else {
      char *o = (char *)c->out.data + r * L * es;
      for (int64_t j = 0; j < L; j++) memcpy(o + j * es, row + p[j].idx * es, (size_t)es);
    }
  }
  free(p);
  return WEIR_OK;
}
