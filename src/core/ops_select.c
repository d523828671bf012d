/* Selection ops: where (a 3-input elementwise WHERE node), take and take_along_axis (GATHER
   nodes; backend/kernel.h gives the layout the kernels see). Index values are only known when
   the kernels run, so out-of-range ones cannot fail the call: the kernels clamp them. */
#include "core/dtype_rules.h"
#include "core/ops_internal.h"
#include "weir/ops.h"

weir_status weir_where(weir_array **out, const weir_array *cond, const weir_array *x, const weir_array *y,
                       weir_stream s) {
  if (!out) return weir__null_arg("weir_where", "out");
  if (!cond) return weir__null_arg("weir_where", "cond");
  if (!x) return weir__null_arg("weir_where", "x");
  if (!y) return weir__null_arg("weir_where", "y");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int64_t s1[WEIR_MAX_NDIM], shape[WEIR_MAX_NDIM];
  int n1 = 0, ndim = 0;
  if ((st = weir__broadcast_shapes(cond->shape, cond->ndim, x->shape, x->ndim, "where", s1, &n1)) != WEIR_OK ||
      (st = weir__broadcast_shapes(s1, n1, y->shape, y->ndim, "where", shape, &ndim)) != WEIR_OK)
    return st;
  weir_dtype t = weir_dtype_promote(x->dtype, y->dtype);
  if ((st = weir__check_dtype_on(&rs, cond->dtype, "where")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, x->dtype, "where")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, y->dtype, "where")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, t, "where")) != WEIR_OK) return st;

  weir_array *in[3] = {NULL, NULL, NULL};
  st = weir__cast(&in[0], cond, WEIR_BOOL, rs);
  if (st == WEIR_OK) st = weir__cast(&in[1], x, t, rs);
  if (st == WEIR_OK) st = weir__cast(&in[2], y, t, rs);
  weir__params p = {0};
  if (st == WEIR_OK) st = weir__node_make(out, WEIR__P_WHERE, &p, in, 3, shape, ndim, t, rs);
  for (int i = 0; i < 3; i++) weir_array_free(in[i]); /* the node holds its own references */
  return st;
}

/* Indices must be integers (MLX rejects bool and floating indices). */
static weir_status check_indices(const weir_array *idx, const char *op) {
  if (!weir__dtype_is_integer(idx->dtype))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: indices must be integers, got %s", op,
                      weir_dtype_name(idx->dtype));
  return WEIR_OK;
}

/* The GATHER node once the shapes are known; src is a (or its flattened view). */
static weir_status gather_node(weir_array **out, const weir_array *src, const weir_array *idx, int axis, bool along,
                               const int64_t *shape, int ndim, weir_stream rs, const char *op) {
  weir_status st;
  int64_t size = 0;
  if ((st = weir__shape_size(shape, ndim, op, &size)) != WEIR_OK) return st;
  if (src->shape[axis] == 0 && size > 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: cannot take from an empty axis (axis %d has length 0)", op,
                      axis);
  weir__params p = {0};
  p.gather.axis = axis;
  p.gather.along = along;
  weir_array *in[2] = {(weir_array *)src, (weir_array *)idx};
  return weir__node_make(out, WEIR__P_GATHER, &p, in, 2, shape, ndim, src->dtype, rs);
}

weir_status weir_take(weir_array **out, const weir_array *a, const weir_array *indices, int axis, bool flatten,
                      weir_stream s) {
  if (!out) return weir__null_arg("weir_take", "out");
  if (!a) return weir__null_arg("weir_take", "a");
  if (!indices) return weir__null_arg("weir_take", "indices");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if ((st = check_indices(indices, "take")) != WEIR_OK) return st;
  int ax = 0;
  if (!flatten && (st = weir__normalize_axis(axis, a->ndim, "take", &ax)) != WEIR_OK) return st;
  int src_nd = flatten ? 1 : a->ndim;
  int ndim = src_nd - 1 + indices->ndim;
  if (ndim > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "take: the result would have %d dimensions, at most %d", ndim,
                      WEIR_MAX_NDIM);
  if ((st = weir__check_dtype_on(&rs, a->dtype, "take")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, indices->dtype, "take")) != WEIR_OK) return st;

  weir_array *src = NULL;
  if (flatten) st = weir__reshape_node(&src, a, &a->size, 1, rs);
  else src = weir_array_retain((weir_array *)a);
  if (st != WEIR_OK) return st;
  int64_t shape[WEIR_MAX_NDIM];
  int k = 0;
  for (int d = 0; d < ax; d++) shape[k++] = src->shape[d];
  for (int d = 0; d < indices->ndim; d++) shape[k++] = indices->shape[d];
  for (int d = ax + 1; d < src->ndim; d++) shape[k++] = src->shape[d];
  st = gather_node(out, src, indices, ax, false, shape, ndim, rs, "take");
  weir_array_free(src);
  return st;
}

weir_status weir_take_along_axis(weir_array **out, const weir_array *a, const weir_array *indices, int axis,
                                 weir_stream s) {
  if (!out) return weir__null_arg("weir_take_along_axis", "out");
  if (!a) return weir__null_arg("weir_take_along_axis", "a");
  if (!indices) return weir__null_arg("weir_take_along_axis", "indices");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  const char *op = "take_along_axis";
  if ((st = check_indices(indices, op)) != WEIR_OK) return st;
  int ax = 0;
  if ((st = weir__normalize_axis(axis, a->ndim, op, &ax)) != WEIR_OK) return st;
  if (indices->ndim != a->ndim)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: indices has %d dimensions but a has %d (they must match)", op,
                      indices->ndim, a->ndim);
  int64_t shape[WEIR_MAX_NDIM];
  for (int d = 0; d < a->ndim; d++) {
    int64_t da = a->shape[d], di = indices->shape[d];
    if (d != ax && da != di && da != 1 && di != 1) {
      char sa[WEIR__SHAPE_STR_MAX], si[WEIR__SHAPE_STR_MAX];
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "%s: shapes %s (a) and %s (indices) cannot be broadcast off axis %d", op,
                        weir__shape_str(sa, sizeof sa, a->shape, a->ndim),
                        weir__shape_str(si, sizeof si, indices->shape, indices->ndim), ax);
    }
    shape[d] = d == ax ? di : (da == 1 ? di : da);
  }
  if ((st = weir__check_dtype_on(&rs, a->dtype, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, indices->dtype, op)) != WEIR_OK) return st;
  return gather_node(out, a, indices, ax, true, shape, a->ndim, rs, op);
}
