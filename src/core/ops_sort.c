/* Sorting: sort and argsort (SORT / ARGSORT nodes, which sort along the last axis: another axis is
   swapped to the end first and back after), and topk (the tail of a sort). */
#include "core/ops_internal.h"
#include "weir/ops.h"

/* The axis swap of a transpose that moves ax to the end (its own inverse). */
static void swap_perm(int *perm, int nd, int ax) {
  for (int d = 0; d < nd; d++) perm[d] = d;
  perm[ax] = nd - 1;
  perm[nd - 1] = ax;
}

/* A SORT / ARGSORT node along axis ax of a; rs resolved and dtypes checked. */
static weir_status sort_node(weir_array **out, const weir_array *a, int ax, weir__prim prim, weir_stream rs) {
  weir_dtype ot = prim == WEIR__P_ARGSORT ? WEIR_UINT32 : a->dtype;
  int nd = a->ndim, perm[WEIR_MAX_NDIM];
  weir__params p = {0};
  weir_array *in = (weir_array *)a;
  if (ax == nd - 1) return weir__node_make(out, prim, &p, &in, 1, a->shape, nd, ot, rs);
  swap_perm(perm, nd, ax);
  weir_array *moved = NULL, *sorted = NULL;
  weir_status st = weir_transpose(&moved, a, perm, nd, rs);
  if (st == WEIR_OK) st = weir__node_make(&sorted, prim, &p, &moved, 1, moved->shape, nd, ot, rs);
  if (st == WEIR_OK) st = weir_transpose(out, sorted, perm, nd, rs);
  weir_array_free(moved);
  weir_array_free(sorted);
  return st;
}

/* The checks every sort op shares: *ax normalized, *rs resolved (and moved off a GPU for float64). */
static weir_status sort_op(weir_array **out, const weir_array *a, int axis, weir_stream s, const char *fn,
                           const char *op, int *ax, weir_stream *rs) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  weir_status st = weir__resolve_stream(s, rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__normalize_axis(axis, a->ndim, op, ax)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(rs, a->dtype, op)) != WEIR_OK) return st;
  return WEIR_OK;
}

weir_status weir_sort(weir_array **out, const weir_array *a, int axis, weir_stream s) {
  int ax = 0;
  weir_stream rs;
  weir_status st = sort_op(out, a, axis, s, "weir_sort", "sort", &ax, &rs);
  return st == WEIR_OK ? sort_node(out, a, ax, WEIR__P_SORT, rs) : st;
}

weir_status weir_argsort(weir_array **out, const weir_array *a, int axis, weir_stream s) {
  int ax = 0;
  weir_stream rs;
  weir_status st = sort_op(out, a, axis, s, "weir_argsort", "argsort", &ax, &rs);
  return st == WEIR_OK ? sort_node(out, a, ax, WEIR__P_ARGSORT, rs) : st;
}

weir_status weir_topk(weir_array **out, const weir_array *a, int k, int axis, weir_stream s) {
  int ax = 0;
  weir_stream rs;
  weir_status st = sort_op(out, a, axis, s, "weir_topk", "topk", &ax, &rs);
  if (st != WEIR_OK) return st;
  int64_t n = a->shape[ax];
  if (k < 0 || k > n)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "topk: k must be between 0 and %lld (the length of axis %d), got %d",
                      (long long)n, ax, k);
  /* The last k of the sorted axis (NaN, sorting last, counts as the largest, as in MLX). */
  weir_array *sorted = NULL;
  if ((st = sort_node(&sorted, a, ax, WEIR__P_SORT, rs)) != WEIR_OK) return st;
  int64_t start[WEIR_MAX_NDIM], stop[WEIR_MAX_NDIM], step[WEIR_MAX_NDIM];
  for (int d = 0; d < a->ndim; d++) {
    start[d] = d == ax ? n - k : 0;
    stop[d] = INT64_MAX;
    step[d] = 1;
  }
  st = weir_slice(out, sorted, start, stop, step, rs);
  weir_array_free(sorted);
  return st;
}
