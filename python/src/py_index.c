/* Indexing: integers, slices (any step), None, and `...`, in any combination, as numpy and MLX
   read them. One weir_slice for the integer and slice parts, then one reshape that drops the
   integer axes and inserts the None axes. Out-of-range integers are an IndexError (MLX reads out
   of bounds). Integer arrays (or lists) among them select with weir_take: one along its axis, its
   shape taking the axis's place; several broadcast together, and their axes merge into one that a
   single take reads at the combined (row-major) index, the broadcast shape taking the axes' place
   when they are side by side and going first otherwise (numpy's rules for advanced indices). A
   bool scalar is a new axis of length 1 (True) or 0 (False). */
#include <stdint.h>

#include "wpy.h"

static bool is_int_key(PyObject *k) { return PyIndex_Check(k) && !PyBool_Check(k) && !wpy_is_array(k); }
static bool is_array_key(PyObject *k) { return wpy_is_array(k) || PyList_Check(k); }

#define MAX_ARRAY_KEYS WEIR_MAX_NDIM

/* i counted from the end when negative and clamped to [0, n) as weir_take does, in int64. */
static weir_status axis_index(weir_array **out, const weir_array *i, int64_t n) {
  weir_array *t[6] = {NULL};
  weir_status st = weir_astype(&t[0], i, WEIR_INT64, WEIR_DEFAULT);
  if (st == WEIR_OK) st = weir_array_from_scalar(&t[1], 0.0, WEIR_INT64);
  if (st == WEIR_OK) st = weir_array_from_scalar(&t[2], (double)n, WEIR_INT64);
  if (st == WEIR_OK) st = weir_array_from_scalar(&t[3], (double)(n > 0 ? n - 1 : 0), WEIR_INT64);
  if (st == WEIR_OK) st = weir_less(&t[4], t[0], t[1], WEIR_DEFAULT);
  if (st == WEIR_OK) st = weir_add(&t[5], t[0], t[2], WEIR_DEFAULT);
  weir_array *w = NULL;
  if (st == WEIR_OK) st = weir_where(&w, t[4], t[5], t[0], WEIR_DEFAULT);
  if (st == WEIR_OK) st = weir_clip(out, w, t[1], t[3], WEIR_DEFAULT);
  weir_array_free(w);
  for (int k = 0; k < 6; k++) weir_array_free(t[k]);
  return st;
}

/* Several integer-array indices for the m adjacent axes of cur at p: one take from those axes
   merged into one, at the row-major combination of the indices (broadcast together). */
static weir_status take_many(weir_array **out, weir_array *cur, int p, weir_array *const *idx, int m) {
  const int64_t *sh = weir_array_shape(cur);
  int nd = weir_array_ndim(cur);
  weir_array *lin = NULL;
  weir_status st = WEIR_OK;
  for (int k = 0; k < m && st == WEIR_OK; k++) {
    weir_array *ik = NULL, *scale = NULL, *prod = NULL, *sum = NULL;
    int64_t n = sh[p + k];
    st = axis_index(&ik, idx[k], n);
    if (st == WEIR_OK && lin) {
      st = weir_array_from_scalar(&scale, (double)n, WEIR_INT64);
      if (st == WEIR_OK) st = weir_multiply(&prod, lin, scale, WEIR_DEFAULT);
      if (st == WEIR_OK) st = weir_add(&sum, prod, ik, WEIR_DEFAULT);
      weir_array_free(lin);
      weir_array_free(ik);
      lin = sum;
    } else if (st == WEIR_OK) {
      lin = ik;
    }
    weir_array_free(scale);
    weir_array_free(prod);
  }
  int64_t merged[WEIR_MAX_NDIM], size = 1;
  int mnd = 0;
  for (int d = 0; d < p; d++) merged[mnd++] = sh[d];
  for (int k = 0; k < m; k++) size = sh[p + k] == 0 || size == 0 ? 0 : size * sh[p + k]; /* fits: cur exists */
  merged[mnd++] = size;
  for (int d = p + m; d < nd; d++) merged[mnd++] = sh[d];
  weir_array *flat = NULL;
  if (st == WEIR_OK) st = weir_reshape(&flat, cur, merged, mnd, WEIR_DEFAULT);
  if (st == WEIR_OK) st = weir_take(out, flat, lin, p, false, WEIR_DEFAULT);
  weir_array_free(flat);
  weir_array_free(lin);
  return st;
}

PyObject *wpy_array_getitem(PyObject *self, PyObject *key) {
  weir_array *a = ((wpy_array *)self)->a;
  int nd = weir_array_ndim(a);
  const int64_t *shape = weir_array_shape(a);
  PyObject *keys = PyTuple_Check(key) ? (Py_INCREF(key), key) : PyTuple_Pack(1, key);
  if (!keys) return NULL;
  Py_ssize_t nk = PyTuple_GET_SIZE(keys);

  /* Which entries consume an axis, and where the ellipsis is. */
  int consuming = 0, ellipsis = -1, advanced = -1, take_axis = -1;
  int narr = 0, arr_key[MAX_ARRAY_KEYS], arr_pos[MAX_ARRAY_KEYS]; /* several integer arrays */
  bool has_bool = false;
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
      has_bool = has_bool || PyBool_Check(k);
      if (advanced >= 0 && has_bool) {
        Py_DECREF(keys);
        return PyErr_Format(PyExc_TypeError, "weir indexes with a bool scalar only beside integers, slices, None "
                                             "and '...' so far");
      }
      if (!PyBool_Check(k)) {
        if (narr == MAX_ARRAY_KEYS) {
          Py_DECREF(keys);
          return PyErr_Format(PyExc_IndexError, "too many indices: more than %d integer arrays", MAX_ARRAY_KEYS);
        }
        arr_key[narr++] = (int)i;
      }
      if (advanced < 0) advanced = (int)i;
      consuming += !PyBool_Check(k);
    } else if (k != Py_None) {
      Py_DECREF(keys);
      return PyErr_Format(PyExc_TypeError,
                          "weir indexes arrays with integers, slices, None, '...', bool and integer arrays "
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
      if (is_int_key(PyTuple_GET_ITEM(keys, i)) || is_array_key(PyTuple_GET_ITEM(keys, i))) {
        lo = i < lo ? i : lo;
        hi = i > hi ? i : hi;
      }
    for (Py_ssize_t i = lo; i <= hi; i++)
      inside += is_int_key(PyTuple_GET_ITEM(keys, i)) || is_array_key(PyTuple_GET_ITEM(keys, i));
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
    } else if (is_array_key(k)) { /* the whole axis here; take selects from it below */
      if ((int)i == advanced) take_axis = out_nd;
      for (int j = 0; j < narr; j++)
        if (arr_key[j] == (int)i) arr_pos[j] = out_nd;
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
  weir_array *many[MAX_ARRAY_KEYS] = {NULL};
  if (narr > 1) {
    for (int j = 0; j < narr; j++) {
      bool ok = wpy_array_from_object(PyTuple_GET_ITEM(keys, arr_key[j]), NULL, &many[j]) == 0;
      weir_dtype t = ok ? weir_array_dtype(many[j]) : WEIR_INT32;
      if (ok && !wpy_dtype_is_int(t)) {
        PyErr_Format(PyExc_IndexError, "arrays used as indices must be of integer type, got %s", weir_dtype_name(t));
        ok = false;
      }
      if (!ok) {
        for (int q = 0; q <= j; q++) weir_array_free(many[q]);
        Py_DECREF(keys);
        return NULL;
      }
    }
  } else if (advanced >= 0) {
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
  if (st == WEIR_OK && narr > 1) {
    int p = arr_pos[0];
    bool adjacent = true;
    for (int j = 1; j < narr; j++) adjacent = adjacent && arr_pos[j] == arr_pos[0] + j;
    if (advanced_first || !adjacent) { /* the indexed axes to the front, in order */
      int perm[WEIR_MAX_NDIM], q = 0, n_cur = weir_array_ndim(cur);
      for (int j = 0; j < narr; j++) perm[q++] = arr_pos[j];
      for (int d = 0; d < n_cur; d++) {
        bool indexed = false;
        for (int j = 0; j < narr; j++) indexed = indexed || arr_pos[j] == d;
        if (!indexed) perm[q++] = d;
      }
      st = weir_transpose(&next, cur, perm, n_cur, WEIR_DEFAULT);
      weir_array_free(cur);
      cur = next;
      p = 0;
    }
    if (st == WEIR_OK) {
      st = take_many(&next, cur, p, many, narr);
      weir_array_free(cur);
      cur = st == WEIR_OK ? next : NULL;
    }
    for (int j = 0; j < narr; j++) weir_array_free(many[j]);
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
