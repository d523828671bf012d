/* Helpers of the composite ops (src/core/ops_composite_*.c): releasing a table of intermediates
   and a transpose that skips the identity permutation. Static inline, like ops_internal.h. */
#ifndef WEIR_CORE_OPS_COMPOSITE_INTERNAL_H
#define WEIR_CORE_OPS_COMPOSITE_INTERNAL_H

#include "core/ops_internal.h"
#include "weir/ops.h"

/* Drops the n references of t (NULL entries are fine) and clears them. */
static inline void weir__release_all(weir_array **t, int n) {
  for (int i = 0; i < n; i++) {
    weir_array_free(t[i]);
    t[i] = NULL;
  }
}

/* transpose(a, perm), or a itself (a new reference) when perm is the identity. */
static inline weir_status weir__permute(weir_array **out, const weir_array *a, const int *perm, weir_stream s) {
  bool identity = true;
  for (int i = 0; i < a->ndim; i++) identity = identity && perm[i] == i;
  if (!identity) return weir_transpose(out, a, perm, a->ndim, s);
  *out = weir_array_retain((weir_array *)a);
  return WEIR_OK;
}

#endif
