/* Creation ops: zeros, ones, full (FULL nodes) and arange (ARANGE nodes). */
#include <math.h>

#include "core/ops_internal.h"
#include "weir/ops.h"

static weir_status make_full(weir_array **out, const int64_t *shape, int ndim, double v, weir_dtype t,
                             weir_stream s, const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__check_shape_arg(shape, ndim, op, NULL)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_arg((int)t, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, t, op)) != WEIR_OK) return st;
  weir__params p = {0};
  p.fill.value = v;
  return weir__node_make(out, WEIR__P_FULL, &p, NULL, 0, shape, ndim, t, rs);
}

weir_status weir_zeros(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, weir_stream s) {
  return make_full(out, shape, ndim, 0.0, t, s, "weir_zeros", "zeros");
}

weir_status weir_ones(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, weir_stream s) {
  return make_full(out, shape, ndim, 1.0, t, s, "weir_ones", "ones");
}

weir_status weir_full(weir_array **out, const int64_t *shape, int ndim, double v, weir_dtype t, weir_stream s) {
  return make_full(out, shape, ndim, v, t, s, "weir_full", "full");
}

/* MLX's arange: bool is rejected, NaN/inf bounds cannot give a length, and an infinite step
   in the direction of stop gives the single element [start]. Elements are start + i * step,
   computed in double by the kernel and then converted to the dtype. */
weir_status weir_arange(weir_array **out, double start, double stop, double step, weir_dtype t, weir_stream s) {
  if (!out) return weir__null_arg("weir_arange", "out");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__check_dtype_arg((int)t, "arange")) != WEIR_OK) return st;
  if (t == WEIR_BOOL) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "arange: bool is not supported for arange");
  if (isnan(start) || isnan(stop) || isnan(step) || isinf(start) || isinf(stop))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "arange: cannot compute the length of arange(%g, %g, %g)", start,
                      stop, step);
  if (step == 0.0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "arange: step must not be zero");
  int64_t n;
  if (isinf(step)) {
    n = (step > 0 && start < stop) || (step < 0 && start > stop) ? 1 : 0;
    step = 0.0; /* start + 0 * inf would be NaN; the one element is start */
  } else {
    double real = ceil((stop - start) / step);
    /* 2^62 keeps n * dtype size far from overflow; the allocator refuses such sizes anyway */
    if (real > 4611686018427387904.0)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "arange: maximum size exceeded (%g elements)", real);
    n = real > 0 ? (int64_t)real : 0;
  }
  if ((st = weir__check_dtype_on(&rs, t, "arange")) != WEIR_OK) return st;
  weir__params p = {0};
  p.arange.start = start;
  p.arange.step = step;
  return weir__node_make(out, WEIR__P_ARANGE, &p, NULL, 0, &n, 1, t, rs);
}
