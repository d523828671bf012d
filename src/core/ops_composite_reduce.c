/* Composite reductions: var, std, all, any, logsumexp and softmax, built from the elementwise
   ops and the plain reductions (no kernels of their own). Each validates its arguments under its
   own name first, then chains public ops on the caller's stream argument; every intermediate is
   held in a local table and released on every path. */
#include <float.h>

#include "core/dtype_rules.h"
#include "core/ops_composite_internal.h"

enum { NTMP = 12 };

/* The NULL checks and the axes of every op here; *mask gets the reduced axes. */
static weir_status check_args(weir_array **out, const weir_array *a, const int *axes, int naxes, const char *fn,
                              const char *op, uint64_t *mask) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  return weir__axes_mask(axes, naxes, a->ndim, op, mask);
}

/* The dtype of the result (at_least_float) and the one the work is done in (halves in float32). */
static weir_dtype work_dtype(weir_dtype ft) {
  return ft == WEIR_FLOAT16 || ft == WEIR_BFLOAT16 ? WEIR_FLOAT32 : ft;
}

/* A 0-d constant of dtype t on the caller's stream. */
static weir_status scalar(weir_array **out, double v, weir_dtype t, weir_stream s) {
  return weir_full(out, NULL, 0, v, t, s);
}

/* The result's shape: a's shape without the reduced axes (size 1 under keepdims). */
static int reduced_shape(const weir_array *a, uint64_t mask, bool keepdims, int64_t *shape) {
  int nd = 0;
  for (int k = 0; k < a->ndim; k++) {
    if (!(mask >> k & 1)) shape[nd++] = a->shape[k];
    else if (keepdims) shape[nd++] = 1;
  }
  return nd;
}

/* The same error max gives, under the composite's own name. */
static weir_status reject_empty_axes(const weir_array *a, uint64_t mask, const char *op) {
  for (int k = 0; k < a->ndim; k++)
    if ((mask >> k & 1) && a->shape[k] == 0)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: cannot reduce an empty axis (axis %d has length 0)", op, k);
  return WEIR_OK;
}

static weir_status var_std(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims,
                           int ddof, weir_stream s, bool sqrt_it, const char *fn, const char *op) {
  uint64_t mask = 0;
  weir_status st = check_args(out, a, axes, naxes, fn, op, &mask);
  if (st != WEIR_OK) return st;
  weir_dtype ft = weir__dtype_at_least_float(a->dtype), ct = work_dtype(ft);
  double n = 1;
  for (int k = 0; k < a->ndim; k++)
    if (mask >> k & 1) n *= (double)a->shape[k];
  double den = n - (double)ddof;
  if (den < 0) den = 0; /* numpy: no negative divisor, so var is inf (or NaN for 0 / 0) */

  weir_array *t[NTMP] = {NULL};
  st = weir_astype(&t[0], a, ct, s);
  if (st == WEIR_OK) st = weir_mean(&t[1], t[0], axes, naxes, true, s);
  if (st == WEIR_OK) st = weir_subtract(&t[2], t[0], t[1], s);
  if (st == WEIR_OK) st = weir_square(&t[3], t[2], s);
  if (st == WEIR_OK) st = weir_sum(&t[4], t[3], axes, naxes, keepdims, s);
  if (st == WEIR_OK) st = scalar(&t[5], den, ct, s);
  if (st == WEIR_OK) st = weir_divide(&t[6], t[4], t[5], s);
  weir_array *v = t[6];
  if (st == WEIR_OK && sqrt_it) {
    st = weir_sqrt(&t[7], v, s);
    v = t[7];
  }
  if (st == WEIR_OK) st = weir_astype(&t[8], v, ft, s);
  if (st == WEIR_OK) {
    *out = t[8];
    t[8] = NULL;
  }
  weir__release_all(t, NTMP);
  return st;
}

weir_status weir_var(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, int ddof,
                     weir_stream s) {
  return var_std(out, a, axes, naxes, keepdims, ddof, s, false, "weir_var", "var");
}

weir_status weir_std(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, int ddof,
                     weir_stream s) {
  return var_std(out, a, axes, naxes, keepdims, ddof, s, true, "weir_std", "std");
}

/* all: the min of a as bool; any: the max. An empty reduction has no min or max: its result is
   the identity (true for all, false for any) in the result's shape. */
static weir_status all_any(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims,
                           weir_stream s, bool all, const char *fn, const char *op) {
  uint64_t mask = 0;
  weir_status st = check_args(out, a, axes, naxes, fn, op, &mask);
  if (st != WEIR_OK) return st;
  bool empty = false;
  for (int k = 0; k < a->ndim; k++)
    if ((mask >> k & 1) && a->shape[k] == 0) empty = true;
  if (empty) {
    int64_t shape[WEIR_MAX_NDIM];
    int nd = reduced_shape(a, mask, keepdims, shape);
    return weir_full(out, shape, nd, all ? 1.0 : 0.0, WEIR_BOOL, s);
  }
  weir_array *b = NULL;
  st = weir_astype(&b, a, WEIR_BOOL, s);
  if (st != WEIR_OK) return st;
  st = all ? weir_min(out, b, axes, naxes, keepdims, s) : weir_max(out, b, axes, naxes, keepdims, s);
  weir_array_free(b);
  return st;
}

weir_status weir_all(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, weir_stream s) {
  return all_any(out, a, axes, naxes, keepdims, s, true, "weir_all", "all");
}

weir_status weir_any(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, weir_stream s) {
  return all_any(out, a, axes, naxes, keepdims, s, false, "weir_any", "any");
}

/* The largest finite value of a float dtype. */
static double finite_max(weir_dtype t) {
  switch (t) {
  case WEIR_FLOAT16: return 65504.0;
  case WEIR_BFLOAT16: return 3.3895313892515355e38;
  case WEIR_FLOAT32: return FLT_MAX;
  default: return DBL_MAX;
  }
}

/* m + log(sum(exp(a - m))) with m the max clamped into the finite range: a row of -inf gives
   -inf - m = -inf, exp 0, log -inf, plus m: -inf; a +inf gives inf - m = inf, so inf; NaN stays. */
weir_status weir_logsumexp(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims,
                           weir_stream s) {
  uint64_t mask = 0;
  weir_status st = check_args(out, a, axes, naxes, "weir_logsumexp", "logsumexp", &mask);
  if (st != WEIR_OK) return st;
  if ((st = reject_empty_axes(a, mask, "logsumexp")) != WEIR_OK) return st;
  weir_dtype ft = weir__dtype_at_least_float(a->dtype), ct = work_dtype(ft);
  double big = finite_max(ct);
  int64_t shape[WEIR_MAX_NDIM];
  int nd = reduced_shape(a, mask, keepdims, shape);

  weir_array *t[NTMP] = {NULL};
  st = weir_astype(&t[0], a, ct, s);
  if (st == WEIR_OK) st = weir_max(&t[1], t[0], axes, naxes, true, s);
  if (st == WEIR_OK) st = scalar(&t[2], -big, ct, s);
  if (st == WEIR_OK) st = scalar(&t[3], big, ct, s);
  if (st == WEIR_OK) st = weir_maximum(&t[4], t[1], t[2], s);
  if (st == WEIR_OK) st = weir_minimum(&t[5], t[4], t[3], s);
  if (st == WEIR_OK) st = weir_subtract(&t[6], t[0], t[5], s);
  if (st == WEIR_OK) st = weir_exp(&t[7], t[6], s);
  if (st == WEIR_OK) st = weir_sum(&t[8], t[7], axes, naxes, true, s);
  if (st == WEIR_OK) st = weir_log(&t[9], t[8], s);
  if (st == WEIR_OK) st = weir_add(&t[10], t[9], t[5], s);
  if (st == WEIR_OK) st = weir_astype(&t[11], t[10], ft, s);
  if (st == WEIR_OK) st = weir_reshape(out, t[11], shape, nd, s);
  weir__release_all(t, NTMP);
  return st;
}

/* exp(a - max) / sum(exp(a - max)); as MLX, a row holding +inf or only -inf gives NaNs. */
weir_status weir_softmax(weir_array **out, const weir_array *a, const int *axes, int naxes, weir_stream s) {
  uint64_t mask = 0;
  weir_status st = check_args(out, a, axes, naxes, "weir_softmax", "softmax", &mask);
  if (st != WEIR_OK) return st;
  weir_dtype ft = weir__dtype_at_least_float(a->dtype), ct = work_dtype(ft);
  if (a->size == 0) return weir_astype(out, a, ft, s); /* nothing to normalize (and no max) */

  weir_array *t[NTMP] = {NULL};
  st = weir_astype(&t[0], a, ct, s);
  if (st == WEIR_OK) st = weir_max(&t[1], t[0], axes, naxes, true, s);
  if (st == WEIR_OK) st = weir_subtract(&t[2], t[0], t[1], s);
  if (st == WEIR_OK) st = weir_exp(&t[3], t[2], s);
  if (st == WEIR_OK) st = weir_sum(&t[4], t[3], axes, naxes, true, s);
  if (st == WEIR_OK) st = weir_divide(&t[5], t[3], t[4], s);
  if (st == WEIR_OK) st = weir_astype(out, t[5], ft, s);
  weir__release_all(t, NTMP);
  return st;
}
