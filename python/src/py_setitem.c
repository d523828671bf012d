/* a[key] = value with a basic key (integers, slices with any step, '...'), as MLX does it: the
   array object takes a new array, a with the region replaced (other arrays built from a keep the
   old values). value is cast to a's dtype and broadcast to a[key]'s shape.

   Built from existing ops, so it runs on any device: along each axis the key restricts, a mask
   marks the positions the slice covers and an index maps each position to the value's coordinate
   (take expands the value to a's shape); then where(mask, expanded value, a). */
#include <stdint.h>

#include "wpy.h"

typedef struct {
  int64_t start, step, len;
  bool is_int;
} axis_key;

/* key -> one axis_key per axis of a (untouched axes: the whole axis). -1 with an exception set. */
static int parse_key(PyObject *key, const int64_t *shape, int nd, axis_key *ax) {
  for (int d = 0; d < nd; d++) ax[d] = (axis_key){0, 1, shape[d], false};
  PyObject *keys = PyTuple_Check(key) ? (Py_INCREF(key), key) : PyTuple_Pack(1, key);
  if (!keys) return -1;
  Py_ssize_t nk = PyTuple_GET_SIZE(keys);
  int consuming = 0, ellipsis = 0;
  for (Py_ssize_t i = 0; i < nk; i++) {
    PyObject *k = PyTuple_GET_ITEM(keys, i);
    if (k == Py_Ellipsis) ellipsis++;
    else if (PySlice_Check(k) || (PyIndex_Check(k) && !PyBool_Check(k) && !wpy_is_array(k))) consuming++;
    else {
      Py_DECREF(keys);
      PyErr_Format(PyExc_TypeError, "weir assigns through integers, slices and '...' so far (got %s)",
                   Py_TYPE(k)->tp_name);
      return -1;
    }
  }
  if (ellipsis > 1 || consuming > nd) {
    Py_DECREF(keys);
    PyErr_Format(PyExc_IndexError, ellipsis > 1 ? "an index can only have a single ellipsis ('...')"
                                                : "too many indices for an array with %d dimensions",
                 nd);
    return -1;
  }
  int axis = 0;
  for (Py_ssize_t i = 0; i < nk; i++) {
    PyObject *k = PyTuple_GET_ITEM(keys, i);
    if (k == Py_Ellipsis) {
      axis += nd - consuming;
      continue;
    }
    int64_t n = shape[axis];
    if (PySlice_Check(k)) {
      Py_ssize_t b, e, s;
      if (PySlice_Unpack(k, &b, &e, &s) < 0) {
        Py_DECREF(keys);
        return -1;
      }
      Py_ssize_t len = PySlice_AdjustIndices((Py_ssize_t)n, &b, &e, s);
      ax[axis] = (axis_key){b, s, len, false};
    } else {
      Py_ssize_t v = PyNumber_AsSsize_t(k, PyExc_IndexError);
      if (v == -1 && PyErr_Occurred()) {
        Py_DECREF(keys);
        return -1;
      }
      if (v < -n || v >= n) {
        Py_DECREF(keys);
        PyErr_Format(PyExc_IndexError, "index %zd is out of bounds for axis %d with size %lld", v, axis,
                     (long long)n);
        return -1;
      }
      ax[axis] = (axis_key){v < 0 ? v + n : v, 1, 1, true};
    }
    axis++;
  }
  Py_DECREF(keys);
  return 0;
}

/* *acc = op(*acc, x); x consumed. On failure *acc is freed and NULL. */
typedef weir_status (*bin_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);
static weir_status fold(bin_fn op, weir_array **acc, weir_array *x, weir_status st) {
  weir_array *r = NULL;
  if (st == WEIR_OK) st = op(&r, *acc, x, WEIR_DEFAULT);
  weir_array_free(*acc);
  weir_array_free(x);
  *acc = r;
  return st;
}

/* *out = op(x, v) for an int64 scalar v; nothing when st already failed. */
static weir_status with_scalar(bin_fn op, weir_array **out, const weir_array *x, int64_t v, weir_status st) {
  weir_array *s = NULL;
  if (st == WEIR_OK) st = weir_full(&s, NULL, 0, (double)v, WEIR_INT64, WEIR_DEFAULT);
  if (st == WEIR_OK) st = op(out, x, s, WEIR_DEFAULT);
  weir_array_free(s);
  return st;
}

static weir_status clip_to(weir_array **out, const weir_array *x, int64_t hi, weir_status st) {
  weir_array *a = NULL;
  st = with_scalar(weir_maximum, &a, x, 0, st);
  st = with_scalar(weir_minimum, out, a, hi, st);
  weir_array_free(a);
  return st;
}

/* Along axis d (length n) of an nd-array: the mask of the positions k covers (shaped to broadcast
   along d) and, for each position, the value's coordinate (clipped into range). */
static weir_status axis_maps(const axis_key *k, int64_t n, int d, int nd, weir_array **mask, weir_array **idx) {
  weir_array *pos = NULL, *rel = NULL, *q = NULL, *r = NULL, *m = NULL, *ge = NULL, *lt = NULL;
  weir_status st = weir_arange(&pos, 0, (double)n, 1, WEIR_INT64, WEIR_DEFAULT);
  st = with_scalar(weir_subtract, &rel, pos, k->start, st);
  st = with_scalar(weir_floor_divide, &q, rel, k->step, st);
  st = with_scalar(weir_remainder, &r, rel, k->step, st);
  /* covered: rel % step == 0 and 0 <= rel // step < len */
  st = with_scalar(weir_equal, &m, r, 0, st);
  st = with_scalar(weir_greater_equal, &ge, q, 0, st);
  st = fold(weir_logical_and, &m, ge, st);
  st = with_scalar(weir_less, &lt, q, k->len, st);
  st = fold(weir_logical_and, &m, lt, st);
  st = clip_to(idx, q, k->len - 1, st); /* the value's coordinate */
  int64_t shape[WEIR_MAX_NDIM];
  for (int i = 0; i < nd; i++) shape[i] = i == d ? n : 1;
  if (st == WEIR_OK) st = weir_reshape(mask, m, shape, nd, WEIR_DEFAULT);
  weir_array *all[] = {pos, rel, q, r, m};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) weir_array_free(all[i]);
  return st;
}

int wpy_array_setitem(PyObject *self, PyObject *key, PyObject *value) {
  if (!value) {
    PyErr_SetString(PyExc_TypeError, "weir arrays do not support item deletion");
    return -1;
  }
  weir_array *a = ((wpy_array *)self)->a;
  int nd = weir_array_ndim(a);
  const int64_t *shape = weir_array_shape(a);
  axis_key ax[WEIR_MAX_NDIM];
  if (parse_key(key, shape, nd, ax) < 0) return -1;
  int64_t region[WEIR_MAX_NDIM], indexed[WEIR_MAX_NDIM];
  int nq = 0;
  bool empty = false;
  for (int d = 0; d < nd; d++) {
    region[d] = ax[d].len;
    empty = empty || ax[d].len == 0;
    if (!ax[d].is_int) indexed[nq++] = ax[d].len;
  }
  weir_array *v = NULL, *cast = NULL, *val = NULL, *out = NULL;
  if (wpy_array_from_object(value, NULL, &v) < 0) return -1;
  /* the value as a[key] would be: a's dtype, broadcast to the indexed shape, then the region */
  weir_status st = weir_astype(&cast, v, weir_array_dtype(a), WEIR_DEFAULT);
  weir_array_free(v);
  v = NULL;
  if (st == WEIR_OK) st = weir_broadcast_to(&v, cast, indexed, nq, WEIR_DEFAULT);
  weir_array_free(cast);
  if (st == WEIR_OK) st = weir_reshape(&val, v, region, nd, WEIR_DEFAULT);
  weir_array_free(v);
  if (st != WEIR_OK || empty) {
    weir_array_free(val);
    return st == WEIR_OK ? 0 : wpy_raise_int(st);
  }
  weir_array *mask = NULL; /* NULL: every position so far */
  for (int d = 0; d < nd && st == WEIR_OK; d++) {
    if (ax[d].start == 0 && ax[d].step == 1 && ax[d].len == shape[d]) continue; /* the whole axis */
    weir_array *m = NULL, *idx = NULL, *wide = NULL;
    st = axis_maps(&ax[d], shape[d], d, nd, &m, &idx);
    if (st == WEIR_OK) st = weir_take(&wide, val, idx, d, false, WEIR_DEFAULT);
    weir_array_free(idx);
    weir_array_free(val);
    val = wide;
    if (!mask) mask = m;
    else st = fold(weir_logical_and, &mask, m, st);
  }
  if (st == WEIR_OK) {
    if (mask) st = weir_where(&out, mask, val, a, WEIR_DEFAULT);
    else out = weir_array_retain(val); /* the whole array */
  }
  weir_array_free(mask);
  weir_array_free(val);
  if (st != WEIR_OK) return wpy_raise_int(st);
  ((wpy_array *)self)->a = out; /* as MLX: the object takes the new value */
  weir_array_free(a);
  return 0;
}
