/* Shape ops: reshape (RESHAPE node; the core shares the buffer) and transpose (TRANSPOSE node;
   the core lowers it to a strided COPY). */
#include <stdlib.h>

#include "core/ops_internal.h"
#include "weir/ops.h"

weir_status weir_reshape(weir_array **out, const weir_array *a, const int64_t *shape, int ndim, weir_stream s) {
  if (!out) return weir__null_arg("weir_reshape", "out");
  if (!a) return weir__null_arg("weir_reshape", "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if (ndim < 0 || ndim > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "reshape: ndim must be between 0 and %d, got %d", WEIR_MAX_NDIM,
                      ndim);
  if (ndim > 0 && !shape) return weir__null_arg("weir_reshape", "shape");

  /* One -1 is inferred; the other dims are checked (negative, overflow) with -1 read as 1. */
  int64_t sh[WEIR_MAX_NDIM];
  int infer = -1;
  for (int i = 0; i < ndim; i++) {
    sh[i] = shape[i];
    if (shape[i] == -1) {
      if (infer >= 0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "reshape: can only infer one dimension");
      infer = i;
      sh[i] = 1;
    }
  }
  int64_t known = 0;
  if ((st = weir__shape_size(sh, ndim, "reshape", &known)) != WEIR_OK) return st;
  if (infer >= 0) {
    if (known == 0)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "reshape: cannot infer the shape of an empty array");
    sh[infer] = a->size / known;
    known *= sh[infer];
  }
  if (known != a->size) {
    char buf[WEIR__SHAPE_STR_MAX];
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "reshape: cannot reshape array of size %lld into shape %s",
                      (long long)a->size, weir__shape_str(buf, sizeof buf, shape, ndim));
  }
  if ((st = weir__check_dtype_on(&rs, a->dtype, "reshape")) != WEIR_OK) return st;
  /* Same shape: MLX returns the input itself. */
  return weir__reshape_node(out, a, sh, ndim, rs);
}

weir_status weir_transpose(weir_array **out, const weir_array *a, const int *perm, int nperm, weir_stream s) {
  if (!out) return weir__null_arg("weir_transpose", "out");
  if (!a) return weir__null_arg("weir_transpose", "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int nd = a->ndim;
  if (!perm && nperm != 0 && nperm != nd)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "transpose: perm is NULL but nperm is %d", nperm);
  if (perm && nperm != nd)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "transpose: received %d axes for array with %d dimensions", nperm,
                      nd);

  int axes[WEIR_MAX_NDIM];
  uint64_t seen = 0;
  for (int i = 0; i < nd; i++) {
    if (!perm) {
      axes[i] = nd - 1 - i;
      continue;
    }
    if ((st = weir__normalize_axis(perm[i], nd, "transpose", &axes[i])) != WEIR_OK) return st;
    if (seen >> axes[i] & 1)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "transpose: repeated axis %d in the permutation", perm[i]);
    seen |= (uint64_t)1 << axes[i];
  }
  if ((st = weir__check_dtype_on(&rs, a->dtype, "transpose")) != WEIR_OK) return st;

  int64_t shape[WEIR_MAX_NDIM];
  for (int i = 0; i < nd; i++) shape[i] = a->shape[axes[i]];
  weir__params p = {0};
  /* The node owns the copy (the core frees it with the node); on failure no node took it. */
  p.transpose.perm = malloc(sizeof(int) * (size_t)(nd > 0 ? nd : 1));
  if (!p.transpose.perm) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "transpose: out of memory");
  for (int i = 0; i < nd; i++) p.transpose.perm[i] = axes[i];
  weir_array *in = (weir_array *)a;
  st = weir__node_make(out, WEIR__P_TRANSPOSE, &p, &in, 1, shape, nd, a->dtype, rs);
  if (st != WEIR_OK) free(p.transpose.perm);
  return st;
}
