/* Indexing: integers, slices (any step), None, and `...`, in any combination, as numpy and MLX
   read them. One weir_slice for the integer and slice parts, then one reshape that drops the
   integer axes and inserts the None axes. Out-of-range integers are an IndexError (MLX reads out
   of bounds). One integer array (or list) among them selects along its axis with weir_take, its
   shape taking the axis's place (numpy's rule for a single advanced index); a bool scalar is a
   new axis of length 1 (True) or 0 (False). */
#include <stdint.h>

#include "wpy.h"

static bool is_int_key(PyObject *k) { return PyIndex_Check(k) && !PyBool_Check(k) && !wpy_is_array(k); }
static bool is_array_key(PyObject *k) { return wpy_is_array(k) || PyList_Check(k); }

PyObject *wpy_array_getitem(PyObject *self, PyObject *key) {
  weir_array *a = ((wpy_array *)self)->a;
  int nd = weir_array_ndim(a);
  const int64_t *shape = weir_array_shape(a);
  PyObject *keys = PyTuple_Check(key) ? (Py_INCREF(key), key) : PyTuple_Pack(1, key);
  if (!keys) return NULL;
  Py_ssize_t nk = PyTuple_GET_SIZE(keys);

  /* Which entries consume an axis, and where the ellipsis is. */
  int consuming = 0, ellipsis = -1, advanced = -1, take_axis = -1;
  for (Py_ssize_t i = 0; i < nk; i++) {
    PyObject *k = PyTuple_GET_ITEM(keys, i);
    if (k == Py_Ellipsis) {
      if (ellipsis >= 0) {
        Py_DECREF(keys);
        return PyErr_Format(PyExc_IndexError, "an index can only have a single ellipsis ('...')");
      }
      ellipsis = (int)i;
    } else if (is_int_key(k) || PySlice_Check(k)) {
      consuming++;
    } else if (is_array_key(k) || PyBool_Check(k)) {
      if (advanced >= 0) {
        Py_DECREF(keys);
        return PyErr_Format(PyExc_TypeError, "weir indexes with one integer array (or bool) per index so far; "
                                             "use take() or take_along_axis() for more");
      }
      advanced = (int)i;
      consuming += !PyBool_Check(k);
    } else if (k != Py_None) {
      Py_DECREF(keys);
      return PyErr_Format(PyExc_TypeError,
                          "weir indexes arrays with integers, slices, None, '...', bool and one integer array "
                          "(got %s)",
                          Py_TYPE(k)->tp_name);
    }
  }
  /* numpy counts integers as advanced indices too when an array index is present: if they and
     the array are not side by side, the selected axes go first. */
  bool advanced_first = false;
  if (advanced >= 0 && !PyBool_Check(PyTuple_GET_ITEM(keys, advanced))) {
    Py_ssize_t lo = advanced, hi = advanced, inside = 0;
    for (Py_ssize_t i = 0; i < nk; i++)
      if (is_int_key(PyTuple_GET_ITEM(keys, i))) {
        lo = i < lo ? i : lo;
        hi = i > hi ? i : hi;
      }
    for (Py_ssize_t i = lo; i <= hi; i++) inside += (int)i == advanced || is_int_key(PyTuple_GET_ITEM(keys, i));
    advanced_first = inside != hi - lo + 1;
  }
  if (consuming > nd) {
    Py_DECREF(keys);
    return PyErr_Format(PyExc_IndexError, "too many indices for an array with %d dimensions: %d were given", nd,
                        consuming);
  }

  int64_t start[WEIR_MAX_NDIM], stop[WEIR_MAX_NDIM], step[WEIR_MAX_NDIM];
  int64_t out_shape[WEIR_MAX_NDIM];
  int out_nd = 0, axis = 0;
  bool sliced = false;
  for (int d = 0; d < nd; d++) {
    start[d] = 0;
    stop[d] = shape[d];
    step[d] = 1;
  }
  for (Py_ssize_t i = 0; i < nk; i++) {
    PyObject *k = PyTuple_GET_ITEM(keys, i);
    int64_t n = axis < nd ? shape[axis] : 0;
    if (out_nd >= WEIR_MAX_NDIM && (k == Py_None || PySlice_Check(k))) {
      Py_DECREF(keys);
      return PyErr_Format(PyExc_IndexError, "the result would have more than %d dimensions", WEIR_MAX_NDIM);
    }
    if (k == Py_Ellipsis) {
      for (int e = 0; e < nd - consuming; e++, axis++) {
        if (out_nd >= WEIR_MAX_NDIM) break;
        out_shape[out_nd++] = shape[axis];
      }
    } else if (k == Py_None || PyBool_Check(k)) { /* a bool: a new axis, emptied by take below if False */
      if (PyBool_Check(k)) take_axis = out_nd;
      out_shape[out_nd++] = 1;
    } else if ((int)i == advanced) { /* the whole axis here; take selects from it below */
      take_axis = out_nd;
      out_shape[out_nd++] = n;
      axis++;
    } else if (PySlice_Check(k)) {
      Py_ssize_t b, e, s;
      if (PySlice_Unpack(k, &b, &e, &s) < 0) {
        Py_DECREF(keys);
        return NULL;
      }
      start[axis] = b;
      stop[axis] = e;
      step[axis] = s;
      Py_ssize_t len = PySlice_AdjustIndices((Py_ssize_t)n, &b, &e, s);
      if (len != n || s != 1) sliced = true;
      out_shape[out_nd++] = len;
      axis++;
    } else { /* an integer */
      Py_ssize_t v = PyNumber_AsSsize_t(k, PyExc_IndexError);
      if (v == -1 && PyErr_Occurred()) {
        Py_DECREF(keys);
        return NULL;
      }
      if (v < -n || v >= n) {
        Py_DECREF(keys);
        return PyErr_Format(PyExc_IndexError, "index %zd is out of bounds for axis %d with size %lld", v, axis,
                            (long long)n);
      }
      if (v < 0) v += n;
      start[axis] = v;
      stop[axis] = v + 1;
      step[axis] = 1;
      sliced = sliced || n != 1;
      axis++;
    }
  }
  weir_array *idx = NULL; /* the advanced index, as an array */
  if (advanced >= 0) {
    PyObject *k = PyTuple_GET_ITEM(keys, advanced);
    if (PyBool_Check(k)) {
      if (k == Py_True) take_axis = -1; /* the new axis stays */
      else {
        const int64_t zero = 0;
        if (weir_zeros(&idx, &zero, 1, WEIR_INT32, WEIR_DEFAULT) != WEIR_OK) {
          Py_DECREF(keys);
          return wpy_raise(WEIR_ERR_INVALID_ARGUMENT);
        }
      }
    } else if (wpy_array_from_object(k, NULL, &idx) < 0) {
      Py_DECREF(keys);
      return NULL;
    }
  }
  Py_DECREF(keys);
  for (; axis < nd; axis++) out_shape[out_nd++] = shape[axis];

  weir_array *cur = weir_array_retain(a), *next = NULL;
  weir_status st = WEIR_OK;
  if (sliced) {
    st = weir_slice(&next, cur, start, stop, step, WEIR_DEFAULT);
    weir_array_free(cur);
    cur = next;
  }
  if (st == WEIR_OK) {
    bool same = weir_array_ndim(cur) == out_nd;
    for (int d = 0; same && d < out_nd; d++) same = weir_array_shape(cur)[d] == out_shape[d];
    if (!same) {
      st = weir_reshape(&next, cur, out_shape, out_nd, WEIR_DEFAULT);
      weir_array_free(cur);
      cur = next;
    }
  }
  if (st == WEIR_OK && idx) {
    st = weir_take(&next, cur, idx, take_axis, false, WEIR_DEFAULT);
    weir_array_free(cur);
    cur = next;
  }
  if (st == WEIR_OK && idx && advanced_first && take_axis > 0) { /* move the index's axes to the front */
    int perm[WEIR_MAX_NDIM], n_out = weir_array_ndim(cur), n_idx = weir_array_ndim(idx), p = 0;
    for (int d = 0; d < n_idx; d++) perm[p++] = take_axis + d;
    for (int d = 0; d < n_out; d++)
      if (d < take_axis || d >= take_axis + n_idx) perm[p++] = d;
    st = weir_transpose(&next, cur, perm, n_out, WEIR_DEFAULT);
    weir_array_free(cur);
    cur = next;
  }
  weir_array_free(idx);
  if (st != WEIR_OK) return wpy_raise(st);
  return wpy_array_wrap(cur);
}
