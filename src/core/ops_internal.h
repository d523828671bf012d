/* Helpers shared by the op front ends (src/core/ops_*.c, random.c): shape formatting,
   broadcasting, axis normalization, and the small node builders (cast, reshape) that
   several ops insert. Every helper that can fail sets the thread's error message.
   All static inline, so each op file takes only what it uses. */
#ifndef WEIR_CORE_OPS_INTERNAL_H
#define WEIR_CORE_OPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/dtype_util.h"
#include "core/error_internal.h"
#include "core/node.h"
#include "weir/array.h"

/* Room for "(d0, d1, ..., d31)" with 20-digit dims. */
#define WEIR__SHAPE_STR_MAX (WEIR_MAX_NDIM * 22 + 4)

/* Writes a shape the way Python prints a tuple: "()", "(4,)", "(2, 3)". Returns buf. */
static inline char *weir__shape_str(char *buf, size_t n, const int64_t *shape, int ndim) {
  size_t u = 0;
  int w;
  if (n == 0) return buf;
  buf[0] = '\0';
  for (int i = 0; i <= ndim && u < n; i++) {
    if (i == ndim) w = snprintf(buf + u, n - u, ndim == 1 ? ",)" : ")");
    else w = snprintf(buf + u, n - u, i ? ", %lld" : "(%lld", (long long)shape[i]);
    if (w > 0) u += (size_t)w;
  }
  if (ndim == 0) snprintf(buf, n, "()");
  return buf;
}

/* Rejects values outside the dtype enum ("<op>: invalid dtype 42"). */
static inline weir_status weir__check_dtype_arg(int t, const char *op) {
  if (!weir__dtype_valid(t)) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: invalid dtype %d", op, t);
  return WEIR_OK;
}

/* Validates an (ndim, shape) argument pair: 0 <= ndim <= WEIR_MAX_NDIM, shape non-NULL when
   ndim > 0, no negative dims, no overflow. *size (may be NULL) gets the element count. */
static inline weir_status weir__check_shape_arg(const int64_t *shape, int ndim, const char *op, int64_t *size) {
  if (ndim < 0 || ndim > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: ndim must be between 0 and %d, got %d", op, WEIR_MAX_NDIM,
                      ndim);
  if (ndim > 0 && !shape) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: shape is NULL but ndim is %d", op, ndim);
  int64_t n = 1;
  weir_status st = weir__shape_size(shape, ndim, op, &n);
  if (st != WEIR_OK) return st;
  if (size) *size = n;
  return WEIR_OK;
}

/* numpy broadcasting of two shapes into out (WEIR_MAX_NDIM entries); *nout gets the rank.
   "<op>: shapes (2, 3) and (4,) cannot be broadcast" on mismatch. The result is also checked
   for overflow, since (2^40, 1) and (1, 2^40) are compatible but too large. */
static inline weir_status weir__broadcast_shapes(const int64_t *a, int na, const int64_t *b, int nb, const char *op,
                                                 int64_t *out, int *nout) {
  int n = na > nb ? na : nb;
  for (int i = 0; i < n; i++) {
    int ia = na - n + i, ib = nb - n + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      char sa[WEIR__SHAPE_STR_MAX], sb[WEIR__SHAPE_STR_MAX];
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: shapes %s and %s cannot be broadcast", op,
                        weir__shape_str(sa, sizeof sa, a, na), weir__shape_str(sb, sizeof sb, b, nb));
    }
    out[i] = da == 1 ? db : da;
  }
  *nout = n;
  int64_t size;
  return weir__shape_size(out, n, op, &size);
}

/* Normalizes one axis (negative counts from the end) into [0, ndim);
   WEIR_ERR_INDEX "<op>: axis 3 is out of bounds for array of dimension 2". */
static inline weir_status weir__normalize_axis(int axis, int ndim, const char *op, int *out) {
  if (axis < -ndim || axis >= ndim)
    return weir__fail(WEIR_ERR_INDEX, "%s: axis %d is out of bounds for array of dimension %d", op, axis, ndim);
  *out = axis < 0 ? axis + ndim : axis;
  return WEIR_OK;
}

/* Normalizes a list of axes into a bit mask (bit k: axis k). Duplicates (after normalization)
   are WEIR_ERR_INVALID_ARGUMENT. axes == NULL && naxes == 0 selects every axis. */
static inline weir_status weir__axes_mask(const int *axes, int naxes, int ndim, const char *op, uint64_t *mask) {
  uint64_t m = 0;
  if (!axes && naxes == 0) {
    for (int k = 0; k < ndim; k++) m |= (uint64_t)1 << k;
    *mask = m;
    return WEIR_OK;
  }
  if (naxes < 0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: naxes must be >= 0, got %d", op, naxes);
  if (!axes) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: axes is NULL but naxes is %d", op, naxes);
  for (int i = 0; i < naxes; i++) {
    int ax = 0;
    weir_status st = weir__normalize_axis(axes[i], ndim, op, &ax);
    if (st != WEIR_OK) return st;
    if (m & ((uint64_t)1 << ax))
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: duplicate axis %d in the reduction axes", op, axes[i]);
    m |= (uint64_t)1 << ax;
  }
  *mask = m;
  return WEIR_OK;
}

/* *out = a when a already has dtype t (a new reference), else a new ASTYPE node on the resolved
   stream. No validation: callers checked t against the device. */
static inline weir_status weir__cast(weir_array **out, const weir_array *a, weir_dtype t, weir_stream resolved) {
  weir_array *in = (weir_array *)a; /* nodes hold inputs by non-const pointer; not modified */
  if (a->dtype == t) {
    *out = weir_array_retain(in);
    return WEIR_OK;
  }
  weir__params p = {0};
  return weir__node_make(out, WEIR__P_ASTYPE, &p, &in, 1, a->shape, a->ndim, t, resolved);
}

/* True when the two shapes are identical. */
static inline bool weir__shape_equal(const int64_t *a, int na, const int64_t *b, int nb) {
  if (na != nb) return false;
  for (int i = 0; i < na; i++)
    if (a[i] != b[i]) return false;
  return true;
}

/* *out = a (a new reference) when the shapes are equal, else a new RESHAPE node. The caller
   guarantees the element counts match. */
static inline weir_status weir__reshape_node(weir_array **out, const weir_array *a, const int64_t *shape, int ndim,
                                             weir_stream resolved) {
  weir_array *in = (weir_array *)a;
  if (weir__shape_equal(a->shape, a->ndim, shape, ndim)) {
    *out = weir_array_retain(in);
    return WEIR_OK;
  }
  weir__params p = {0};
  return weir__node_make(out, WEIR__P_RESHAPE, &p, &in, 1, shape, ndim, a->dtype, resolved);
}

#endif
