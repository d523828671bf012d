/* Reductions: sum mean max min prod (axis lists) and argmax argmin (one axis).
   The node takes the input as is and params.reduce.axes_mask names the reduced axes; the
   output shape holds the kept axes (with 1s in place of the reduced ones under keepdims). */
#include "core/dtype_rules.h"
#include "core/ops_internal.h"
#include "weir/ops.h"

/* MLX's output dtype of each reduction (mlx/ops.cpp): sum and prod widen signed integers to
   int32/int64, unsigned to uint32/uint64 and bool to int32; mean gives at_least_float. */
static weir_dtype reduce_dtype(weir__prim prim, weir_dtype t) {
  switch (prim) {
  case WEIR__P_SUM:
  case WEIR__P_PROD:
    if (t == WEIR_BOOL) return WEIR_INT32;
    if (weir__dtype_is_signed_int(t)) return weir_dtype_size(t) <= 4 ? WEIR_INT32 : WEIR_INT64;
    if (weir__dtype_is_unsigned(t)) return weir_dtype_size(t) <= 4 ? WEIR_UINT32 : WEIR_UINT64;
    return t;
  case WEIR__P_MEAN: return weir__dtype_at_least_float(t);
  case WEIR__P_ARGMAX:
  case WEIR__P_ARGMIN: return WEIR_UINT32;
  default: return t; /* max, min */
  }
}

/* Shared by every reduction once the axes are a mask. */
static weir_status reduce_mask(weir_array **out, const weir_array *a, uint64_t mask, bool keepdims, weir_stream rs,
                               weir__prim prim, const char *op) {
  weir_dtype ot = reduce_dtype(prim, a->dtype);
  weir_status st;
  /* max/min/argmax/argmin have no identity: reducing an axis of length 0 is an error (numpy's
     rule; MLX rejects any empty input, even when the reduced axes are not empty). */
  if (prim == WEIR__P_MAX || prim == WEIR__P_MIN || prim == WEIR__P_ARGMAX || prim == WEIR__P_ARGMIN) {
    for (int k = 0; k < a->ndim; k++)
      if ((mask >> k & 1) && a->shape[k] == 0)
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                          "%s: cannot compute the %s of an empty array (axis %d has length 0)", op, op, k);
  }
  if ((st = weir__check_dtype_on(&rs, a->dtype, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, ot, op)) != WEIR_OK) return st;

  /* Nothing reduced (a 0-d input, or an empty axis list): each output element "reduces" one
     input element, so the result is the input in the output dtype. argmax/argmin always reduce
     one axis, so they never get here. */
  if (mask == 0) return weir__cast(out, a, ot, rs);

  int64_t shape[WEIR_MAX_NDIM];
  int ndim = 0;
  for (int k = 0; k < a->ndim; k++) {
    if (!(mask >> k & 1)) shape[ndim++] = a->shape[k];
    else if (keepdims) shape[ndim++] = 1;
  }
  weir__params p = {0};
  p.reduce.axes_mask = mask;
  p.reduce.keepdims = keepdims;
  weir_array *in = (weir_array *)a;
  return weir__node_make(out, prim, &p, &in, 1, shape, ndim, ot, rs);
}

static weir_status reduce(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims,
                          weir_stream s, weir__prim prim, const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  uint64_t mask = 0;
  if ((st = weir__axes_mask(axes, naxes, a->ndim, op, &mask)) != WEIR_OK) return st;
  return reduce_mask(out, a, mask, keepdims, rs, prim, op);
}

#define REDUCE_OP(name, prim)                                                                           \
  weir_status weir_##name(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, \
                          weir_stream s) {                                                               \
    return reduce(out, a, axes, naxes, keepdims, s, prim, "weir_" #name, #name);                         \
  }

REDUCE_OP(sum, WEIR__P_SUM)
REDUCE_OP(mean, WEIR__P_MEAN)
REDUCE_OP(max, WEIR__P_MAX)
REDUCE_OP(min, WEIR__P_MIN)
REDUCE_OP(prod, WEIR__P_PROD)
#undef REDUCE_OP

static weir_status arg_reduce(weir_array **out, const weir_array *a, int axis, bool keepdims, weir_stream s,
                              weir__prim prim, const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int ax = 0;
  if ((st = weir__normalize_axis(axis, a->ndim, op, &ax)) != WEIR_OK) return st;
  return reduce_mask(out, a, (uint64_t)1 << ax, keepdims, rs, prim, op);
}

weir_status weir_argmax(weir_array **out, const weir_array *a, int axis, bool keepdims, weir_stream s) {
  return arg_reduce(out, a, axis, keepdims, s, WEIR__P_ARGMAX, "weir_argmax", "argmax");
}

weir_status weir_argmin(weir_array **out, const weir_array *a, int axis, bool keepdims, weir_stream s) {
  return arg_reduce(out, a, axis, keepdims, s, WEIR__P_ARGMIN, "weir_argmin", "argmin");
}
