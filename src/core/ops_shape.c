/* Shape ops: reshape (RESHAPE node; the core shares the buffer), transpose (TRANSPOSE node) and
   slice (SLICE node); the core lowers the last two to a strided COPY. */
#include <stdlib.h>

#include "core/alloc.h"
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
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "transpose: perm has %d axes (nperm) for an array with %d dimensions", nperm,
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
  p.transpose.perm = weir__malloc(sizeof(int) * (size_t)(nd > 0 ? nd : 1));
  if (!p.transpose.perm) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "transpose: out of memory");
  for (int i = 0; i < nd; i++) p.transpose.perm[i] = axes[i];
  weir_array *in = (weir_array *)a;
  st = weir__node_make(out, WEIR__P_TRANSPOSE, &p, &in, 1, shape, nd, a->dtype, rs);
  if (st != WEIR_OK) free(p.transpose.perm);
  return st;
}

/* Python's slice.indices() for an axis of length n, as PySlice_AdjustIndices: start and stop
   count from the end when negative and are clamped into range; returns the slice's length and
   leaves in *start the first index taken (in [0, n) when the length is > 0). step != 0 and
   step > INT64_MIN (so that -step exists). */
static int64_t slice_indices(int64_t n, int64_t *start, int64_t stop, int64_t step) {
  int64_t b = *start, e = stop;
  if (b < 0) {
    b += n;
    if (b < 0) b = step < 0 ? -1 : 0;
  } else if (b >= n) {
    b = step < 0 ? n - 1 : n;
  }
  if (e < 0) {
    e += n;
    if (e < 0) e = step < 0 ? -1 : 0;
  } else if (e >= n) {
    e = step < 0 ? n - 1 : n;
  }
  *start = b;
  if (step > 0) return e > b ? (e - b - 1) / step + 1 : 0;
  return e < b ? (b - e - 1) / -step + 1 : 0;
}

weir_status weir_slice(weir_array **out, const weir_array *a, const int64_t *start, const int64_t *stop,
                       const int64_t *step, weir_stream s) {
  if (!out) return weir__null_arg("weir_slice", "out");
  if (!a) return weir__null_arg("weir_slice", "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int nd = a->ndim;
  if (nd > 0 && !start) return weir__null_arg("weir_slice", "start");
  if (nd > 0 && !stop) return weir__null_arg("weir_slice", "stop");
  if (nd > 0 && !step) return weir__null_arg("weir_slice", "step");
  for (int i = 0; i < nd; i++)
    if (step[i] == 0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "slice: step of axis %d is 0", i);
  if ((st = weir__check_dtype_on(&rs, a->dtype, "slice")) != WEIR_OK) return st;

  int64_t shape[WEIR_MAX_NDIM];
  weir__params p = {0};
  /* The node owns the copy (the core frees it with the node); on failure no node took it. */
  p.slice.start = weir__malloc(sizeof(int64_t) * 2 * (size_t)(nd > 0 ? nd : 1));
  if (!p.slice.start) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "slice: out of memory");
  p.slice.step = p.slice.start + nd;
  for (int i = 0; i < nd; i++) {
    int64_t b = start[i], k = step[i] < -INT64_MAX ? -INT64_MAX : step[i]; /* as PySlice_Unpack */
    shape[i] = slice_indices(a->shape[i], &b, stop[i], k);
    /* An axis of length <= 1 never moves along its stride: step 1 keeps stride * step in range
       (for longer ones |step| < the axis length). An empty result reads nothing at all. */
    p.slice.start[i] = shape[i] > 0 ? b : 0;
    p.slice.step[i] = shape[i] > 1 ? k : 1;
  }
  weir_array *in = (weir_array *)a;
  st = weir__node_make(out, WEIR__P_SLICE, &p, &in, 1, shape, nd, a->dtype, rs);
  if (st != WEIR_OK) free(p.slice.start);
  return st;
}
