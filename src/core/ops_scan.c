/* Scans: cumsum and cumprod (CUMSUM / CUMPROD nodes over an input already in the result dtype). */
#include "core/ops_internal.h"
#include "weir/ops.h"

static weir_status scan(weir_array **out, const weir_array *a, int axis, bool reverse, bool inclusive, weir_stream s,
                        weir__prim prim, const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int ax = 0;
  if ((st = weir__normalize_axis(axis, a->ndim, op, &ax)) != WEIR_OK) return st;
  /* MLX: a bool running sum counts in int32; a bool running product stays bool (a running AND). */
  weir_dtype t = prim == WEIR__P_CUMSUM && a->dtype == WEIR_BOOL ? WEIR_INT32 : a->dtype;
  if ((st = weir__check_dtype_on(&rs, a->dtype, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, t, op)) != WEIR_OK) return st;
  weir_array *in = NULL;
  if ((st = weir__cast(&in, a, t, rs)) != WEIR_OK) return st;
  weir__params p = {0};
  p.scan.axis = ax;
  p.scan.reverse = reverse;
  p.scan.inclusive = inclusive;
  st = weir__node_make(out, prim, &p, &in, 1, a->shape, a->ndim, t, rs);
  weir_array_free(in);
  return st;
}

weir_status weir_cumsum(weir_array **out, const weir_array *a, int axis, bool reverse, bool inclusive,
                        weir_stream s) {
  return scan(out, a, axis, reverse, inclusive, s, WEIR__P_CUMSUM, "weir_cumsum", "cumsum");
}

weir_status weir_cumprod(weir_array **out, const weir_array *a, int axis, bool reverse, bool inclusive,
                         weir_stream s) {
  return scan(out, a, axis, reverse, inclusive, s, WEIR__P_CUMPROD, "weir_cumprod", "cumprod");
}
