/* allclose and array_equal: the two ops that evaluate. They wait for both inputs, read the
   host copies and compare element by element here, by value across dtypes. Integers are kept
   exact (a 64-bit integer does not fit a double), floats are read as double. */
#include <math.h>

#include "core/ops_internal.h"
#include "weir/ops.h"

/* One element, by value: an exact integer (sign + magnitude) or a double. */
typedef struct {
  bool is_int;
  bool neg;     /* integers: negative (never set for 0) */
  uint64_t mag; /* integers: |value| */
  double d;     /* the value as a double (rounded for large integers) */
} elem;

static elem load_elem(const void *p, weir_dtype t, int64_t i) {
  elem e = {0};
  if (weir__dtype_is_float(t)) {
    e.d = weir__load_double(p, t, i);
    return e;
  }
  e.is_int = true;
  if (t == WEIR_UINT64) {
    e.mag = (uint64_t)weir__load_int64(p, t, i);
  } else {
    int64_t v = weir__load_int64(p, t, i);
    e.neg = v < 0;
    e.mag = e.neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  }
  e.d = e.neg ? -(double)e.mag : (double)e.mag;
  return e;
}

/* An integral float within 64-bit range as an exact integer; false otherwise (NaN, inf,
   fraction, too large: then it equals no integer). */
static bool float_as_int(double d, elem *out) {
  if (!(fabs(d) < 18446744073709551616.0) || d != floor(d)) return false;
  out->is_int = true;
  out->neg = d < 0;
  out->mag = (uint64_t)fabs(d);
  if (out->mag == 0) out->neg = false;
  out->d = d;
  return true;
}

static bool elem_equal(elem x, elem y) {
  if (!x.is_int && !y.is_int) return x.d == y.d; /* NaN != NaN */
  if (!x.is_int && !float_as_int(x.d, &x)) return false;
  if (!y.is_int && !float_as_int(y.d, &y)) return false;
  return x.neg == y.neg && x.mag == y.mag;
}

/* numpy/MLX isclose: |x - y| <= atol + rtol * |y|; NaN is never close; an infinity is close
   only to the same infinity. */
static bool elem_close(elem x, elem y, double rtol, double atol) {
  if (isnan(x.d) || isnan(y.d)) return false;
  if (isinf(x.d) || isinf(y.d)) return x.d == y.d;
  if (elem_equal(x, y)) return true;
  double diff;
  if (x.is_int && y.is_int) /* exact difference, then one rounding */
    diff = x.neg != y.neg ? (double)x.mag + (double)y.mag : (double)(x.mag > y.mag ? x.mag - y.mag : y.mag - x.mag);
  else
    diff = fabs(x.d - y.d);
  return diff <= atol + rtol * fabs(y.d);
}

/* Evaluates both arrays and gets their host copies. */
static weir_status fetch(const weir_array *a, const weir_array *b, const void **pa, const void **pb) {
  weir_array *both[2] = {(weir_array *)a, (weir_array *)b};
  weir_status st = weir_eval(both, 2);
  if (st != WEIR_OK) return st;
  if ((st = weir_array_data(a, pa)) != WEIR_OK) return st;
  return weir_array_data(b, pb);
}

/* Row-major element strides of x seen with the broadcast shape (ndim dims): 0 on the axes
   where x has size 1 or no axis at all. */
static void broadcast_strides(const weir_array *x, int ndim, const int64_t *shape, int64_t *strides) {
  int64_t st = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    int k = i - (ndim - x->ndim);
    if (k < 0 || (x->shape[k] == 1 && shape[i] != 1)) {
      strides[i] = 0;
    } else {
      strides[i] = st;
    }
    if (k >= 0) st *= x->shape[k];
  }
}

weir_status weir_allclose(bool *out, const weir_array *a, const weir_array *b, double rtol, double atol) {
  if (!out) return weir__null_arg("weir_allclose", "out");
  if (!a) return weir__null_arg("weir_allclose", "a");
  if (!b) return weir__null_arg("weir_allclose", "b");
  int64_t shape[WEIR_MAX_NDIM], sa[WEIR_MAX_NDIM], sb[WEIR_MAX_NDIM], idx[WEIR_MAX_NDIM] = {0};
  int nd = 0;
  weir_status st = weir__broadcast_shapes(a->shape, a->ndim, b->shape, b->ndim, "allclose", shape, &nd);
  if (st != WEIR_OK) return st;
  const void *pa, *pb;
  if ((st = fetch(a, b, &pa, &pb)) != WEIR_OK) return st;

  int64_t n;
  if ((st = weir__shape_size(shape, nd, "allclose", &n)) != WEIR_OK) return st;
  if (n == 0) { /* nothing to compare; an empty operand's other dims may multiply past int64 */
    *out = true;
    return WEIR_OK;
  }
  broadcast_strides(a, nd, shape, sa);
  broadcast_strides(b, nd, shape, sb);
  int64_t oa = 0, ob = 0;
  bool close = true;
  for (int64_t i = 0; i < n && close; i++) {
    close = elem_close(load_elem(pa, a->dtype, oa), load_elem(pb, b->dtype, ob), rtol, atol);
    /* odometer step over the broadcast shape, moving both offsets */
    for (int k = nd - 1; k >= 0; k--) {
      oa += sa[k];
      ob += sb[k];
      if (++idx[k] < shape[k]) break;
      oa -= sa[k] * shape[k];
      ob -= sb[k] * shape[k];
      idx[k] = 0;
    }
  }
  *out = close;
  return WEIR_OK;
}

weir_status weir_array_equal(bool *out, const weir_array *a, const weir_array *b) {
  if (!out) return weir__null_arg("weir_array_equal", "out");
  if (!a) return weir__null_arg("weir_array_equal", "a");
  if (!b) return weir__null_arg("weir_array_equal", "b");
  if (!weir__shape_equal(a->shape, a->ndim, b->shape, b->ndim)) {
    *out = false; /* MLX: different shapes are simply not equal */
    return WEIR_OK;
  }
  const void *pa, *pb;
  weir_status st = fetch(a, b, &pa, &pb);
  if (st != WEIR_OK) return st;
  bool eq = true;
  for (int64_t i = 0; i < a->size && eq; i++) eq = elem_equal(load_elem(pa, a->dtype, i), load_elem(pb, b->dtype, i));
  *out = eq;
  return WEIR_OK;
}
