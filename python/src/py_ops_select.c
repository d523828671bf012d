/* mx.where, cumsum/cumprod, take/take_along_axis, concatenate/stack/split, pad, sort/argsort/topk
   (MLX's names and signatures, keyword-only stream=), and the array methods among them (cumsum,
   cumprod, split). axis=None means "the flattened array" where MLX says so. */
#include <string.h>

#include "wpy.h"

static int array_arg(PyObject *o, weir_array **out) { return wpy_array_from_object(o, NULL, out); }

/* An optional int axis: None leaves *is_none true. */
static int axis_arg(PyObject *o, int *axis, bool *is_none) {
  *is_none = o == Py_None;
  if (*is_none) return 0;
  if (!PyIndex_Check(o) || PyBool_Check(o)) {
    PyErr_Format(PyExc_TypeError, "axis must be an int or None, got %s", Py_TYPE(o)->tp_name);
    return -1;
  }
  long v = PyLong_AsLong(o);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (v < -WEIR_MAX_NDIM - 1 || v > WEIR_MAX_NDIM) {
    PyErr_Format(PyExc_IndexError, "axis %ld is out of range", v);
    return -1;
  }
  *axis = (int)v;
  return 0;
}

/* *out = a flattened to 1-D (a new reference). */
static weir_status flat(weir_array **out, const weir_array *a, weir_stream s) {
  int64_t minus1 = -1;
  return weir_reshape(out, a, &minus1, 1, s);
}

/* ---- where ---- */

static PyObject *f_where(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "", "", "stream", NULL};
  PyObject *co, *xo, *yo;
  weir_stream s = WEIR_DEFAULT;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|$O&:where", kwlist, &co, &xo, &yo, wpy_stream_converter, &s))
    return NULL;
  /* x and y as a binary op's operands: a Python scalar takes the other's dtype when it can. */
  weir_array *c = NULL, *x = NULL, *y = NULL, *out = NULL;
  weir_array *xa = wpy_is_array(xo) ? ((wpy_array *)xo)->a : NULL, *ya = wpy_is_array(yo) ? ((wpy_array *)yo)->a : NULL;
  PyObject *r = NULL;
  if (array_arg(co, &c) == 0 && wpy_operand(xo, ya, "where", &x) == 0 &&
      wpy_operand(yo, xa ? xa : (ya ? NULL : x), "where", &y) == 0)
    r = wpy_wrap_result(weir_where(&out, c, x, y, s), &out);
  weir_array_free(c);
  weir_array_free(x);
  weir_array_free(y);
  return r;
}

/* ---- cumsum / cumprod ---- */

typedef weir_status (*scan_fn)(weir_array **, const weir_array *, int, bool, bool, weir_stream);

static PyObject *scan_op(scan_fn fn, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis", "reverse", "inclusive", "dtype", "stream", NULL};
  PyObject *a, *axis_o = Py_None, *dt = Py_None, *all = wpy_with_self(self, args), *r = NULL;
  int reverse = 0, inclusive = 1, axis = 0;
  bool none = true;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *src = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "O|O$ppOO&", kwlist, &a, &axis_o, &reverse, &inclusive, &dt,
                                  wpy_stream_converter, &s) &&
      axis_arg(axis_o, &axis, &none) == 0 && array_arg(a, &x) == 0) {
    weir_dtype t = weir_array_dtype(x);
    weir_status st = WEIR_OK;
    if (dt == Py_None || wpy_dtype_from_object(dt, "dtype", &t) == 0) {
      if (dt != Py_None) st = weir_astype(&src, x, t, s);
      else src = weir_array_retain(x);
      if (st == WEIR_OK && none) { /* over the flattened array */
        weir_array *f = NULL;
        st = flat(&f, src, s);
        weir_array_free(src);
        src = f;
      }
      if (st == WEIR_OK) st = fn(&out, src, none ? 0 : axis, reverse, inclusive, s);
      r = wpy_wrap_result(st, &out);
    }
  }
  weir_array_free(x);
  weir_array_free(src);
  Py_DECREF(all);
  return r;
}
static PyObject *f_cumsum(PyObject *self, PyObject *args, PyObject *kw) { return scan_op(weir_cumsum, self, args, kw); }
static PyObject *f_cumprod(PyObject *self, PyObject *args, PyObject *kw) {
  return scan_op(weir_cumprod, self, args, kw);
}

/* ---- take / take_along_axis ---- */

static PyObject *take_op(bool along, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "indices", "axis", "stream", NULL};
  PyObject *a, *io, *axis_o = along ? NULL : Py_None, *r = NULL;
  int axis = -1;
  bool none = false;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *ix = NULL, *fx = NULL, *fi = NULL, *out = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, along ? "OO|O$O&:take_along_axis" : "OO|O$O&:take", kwlist, &a, &io,
                                   &axis_o, wpy_stream_converter, &s))
    return NULL;
  if ((axis_o && axis_arg(axis_o, &axis, &none) < 0) || array_arg(a, &x) < 0) return NULL;
  if (array_arg(io, &ix) == 0) {
    weir_status st;
    if (!along) {
      st = weir_take(&out, x, ix, axis, none, s);
    } else if (none) { /* MLX: the flattened array and the flattened indices */
      st = flat(&fx, x, s);
      if (st == WEIR_OK) st = flat(&fi, ix, s);
      if (st == WEIR_OK) st = weir_take_along_axis(&out, fx, fi, 0, s);
    } else {
      st = weir_take_along_axis(&out, x, ix, axis, s);
    }
    r = wpy_wrap_result(st, &out);
  }
  weir_array_free(x);
  weir_array_free(ix);
  weir_array_free(fx);
  weir_array_free(fi);
  return r;
}
static PyObject *f_take(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return take_op(false, args, kw);
}
static PyObject *f_take_along_axis(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return take_op(true, args, kw);
}

/* ---- concatenate / stack ---- */

/* The arrays of a list or tuple (new references in a PyMem array of *n); NULL on error. */
static weir_array **array_list(PyObject *o, const char *fn, int *n) {
  if (!PyList_Check(o) && !PyTuple_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s: arrays must be a list or tuple of arrays, got %s", fn, Py_TYPE(o)->tp_name);
    return NULL;
  }
  PyObject *seq = PySequence_Fast(o, "");
  if (!seq) return NULL;
  Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
  if (m > INT32_MAX) {
    Py_DECREF(seq);
    PyErr_Format(PyExc_ValueError, "%s: too many arrays", fn);
    return NULL;
  }
  weir_array **v = PyMem_Calloc((size_t)(m ? m : 1), sizeof *v);
  if (!v) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return NULL;
  }
  for (Py_ssize_t i = 0; i < m; i++)
    if (array_arg(PySequence_Fast_GET_ITEM(seq, i), &v[i]) < 0) {
      for (Py_ssize_t j = 0; j < i; j++) weir_array_free(v[j]);
      PyMem_Free(v);
      Py_DECREF(seq);
      return NULL;
    }
  Py_DECREF(seq);
  *n = (int)m;
  return v;
}

static void free_list(weir_array **v, int n) {
  for (int i = 0; i < n; i++) weir_array_free(v[i]);
  PyMem_Free(v);
}

static PyObject *join_op(bool stack, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"arrays", "axis", "stream", NULL};
  PyObject *lo, *axis_o = NULL;
  weir_stream s = WEIR_DEFAULT;
  int n = 0, axis = 0;
  bool none = false;
  if (!PyArg_ParseTupleAndKeywords(args, kw, stack ? "O|O$O&:stack" : "O|O$O&:concatenate", kwlist, &lo, &axis_o,
                                   wpy_stream_converter, &s) ||
      (axis_o && axis_arg(axis_o, &axis, &none) < 0))
    return NULL;
  weir_array **v = array_list(lo, stack ? "stack" : "concatenate", &n), *out = NULL;
  if (!v) return NULL;
  weir_status st = WEIR_OK;
  if (none) { /* MLX: every array flattened, joined along axis 0 */
    for (int i = 0; i < n && st == WEIR_OK; i++) {
      weir_array *f = NULL;
      st = flat(&f, v[i], s);
      if (st == WEIR_OK) {
        weir_array_free(v[i]);
        v[i] = f;
      }
    }
    axis = 0;
  }
  if (st == WEIR_OK)
    st = stack ? weir_stack(&out, (const weir_array *const *)v, n, axis, s)
               : weir_concatenate(&out, (const weir_array *const *)v, n, axis, s);
  free_list(v, n);
  return wpy_wrap_result(st, &out);
}
static PyObject *f_concatenate(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return join_op(false, args, kw);
}
static PyObject *f_stack(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return join_op(true, args, kw);
}

/* ---- split ---- */

static PyObject *f_split(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "indices_or_sections", "axis", "stream", NULL};
  PyObject *a, *ios, *all = wpy_with_self(self, args), *r = NULL;
  int axis = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, **outs = NULL;
  int64_t *idx = NULL;
  if (!all) return NULL;
  if (!PyArg_ParseTupleAndKeywords(all, kw, "OO|i$O&:split", kwlist, &a, &ios, &axis, wpy_stream_converter, &s) ||
      array_arg(a, &x) < 0)
    goto done;
  bool sections = PyIndex_Check(ios) && !PyBool_Check(ios);
  Py_ssize_t n = 0;
  if (sections) {
    n = PyNumber_AsSsize_t(ios, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred()) goto done;
    if (n < 1 || n > INT32_MAX) {
      PyErr_Format(PyExc_ValueError, "split: the number of sections must be positive, got %zd", n);
      goto done;
    }
  } else {
    PyObject *seq = PySequence_Check(ios) && !PyUnicode_Check(ios) ? PySequence_Fast(ios, "") : NULL;
    if (!seq) {
      PyErr_Clear();
      PyErr_Format(PyExc_TypeError, "split: indices_or_sections must be an int or a sequence of ints, got %s",
                   Py_TYPE(ios)->tp_name);
      goto done;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    if (n >= INT32_MAX) {
      Py_DECREF(seq);
      PyErr_Format(PyExc_ValueError, "split: too many indices (%zd)", n);
      goto done;
    }
    idx = PyMem_Malloc(sizeof(int64_t) * (size_t)(n + 1));
    for (Py_ssize_t i = 0; idx && i < n; i++) {
      idx[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
      if (idx[i] == -1 && PyErr_Occurred()) {
        Py_DECREF(seq);
        goto done;
      }
    }
    Py_DECREF(seq);
    if (!idx) {
      PyErr_NoMemory();
      goto done;
    }
  }
  Py_ssize_t parts = sections ? n : n + 1;
  outs = PyMem_Calloc((size_t)parts, sizeof *outs);
  if (!outs) {
    PyErr_NoMemory();
    goto done;
  }
  weir_status st = weir_split(outs, x, idx, (int)n, sections, axis, s);
  if (st != WEIR_OK) {
    wpy_raise(st);
    goto done;
  }
  r = PyList_New(parts);
  for (Py_ssize_t i = 0; i < parts; i++) {
    PyObject *item = r ? wpy_array_wrap(outs[i]) : NULL;
    if (!item) { /* the rest are still ours */
      for (Py_ssize_t j = r ? i + 1 : i; j < parts; j++) weir_array_free(outs[j]);
      Py_CLEAR(r);
      break;
    }
    PyList_SET_ITEM(r, i, item);
  }
done:
  weir_array_free(x);
  PyMem_Free(idx);
  PyMem_Free(outs);
  Py_DECREF(all);
  return r;
}

/* ---- pad ---- */

/* pad_width as MLX takes it: n, (n,), (before, after) for every axis, or one pair per axis. */
static int pad_widths(PyObject *o, int nd, int64_t *before, int64_t *after) {
  if (PyIndex_Check(o) && !PyBool_Check(o)) {
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    for (int d = 0; d < nd; d++) before[d] = after[d] = v;
    return 0;
  }
  int64_t flat_w[2];
  int k = wpy_shape_from_object(o, "pad_width", flat_w);
  if (k == 1 || k == 2) { /* (n,) or (before, after): the same for every axis */
    for (int d = 0; d < nd; d++) before[d] = flat_w[0], after[d] = flat_w[k - 1];
    return 0;
  }
  PyErr_Clear();
  PyObject *seq = PySequence_Check(o) ? PySequence_Fast(o, "") : NULL;
  if (!seq || PySequence_Fast_GET_SIZE(seq) != nd) {
    Py_XDECREF(seq);
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "pad: pad_width must be an int, (n,), (before, after) or %d (before, after) pairs",
                 nd);
    return -1;
  }
  for (int d = 0; d < nd; d++) {
    int64_t pair[2];
    int m = wpy_shape_from_object(PySequence_Fast_GET_ITEM(seq, d), "pad_width", pair);
    if (m != 1 && m != 2) {
      Py_DECREF(seq);
      if (m >= 0) PyErr_Format(PyExc_ValueError, "pad: pad_width[%d] must be (before, after)", d);
      return -1;
    }
    before[d] = pair[0];
    after[d] = pair[m - 1];
  }
  Py_DECREF(seq);
  return 0;
}

static PyObject *f_pad(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"a", "pad_width", "mode", "constant_values", "stream", NULL};
  PyObject *a, *pw, *cv = NULL;
  const char *mode = "constant";
  weir_stream s = WEIR_DEFAULT;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|sO$O&:pad", kwlist, &a, &pw, &mode, &cv, wpy_stream_converter, &s))
    return NULL;
  if (strcmp(mode, "constant") != 0)
    return PyErr_Format(PyExc_NotImplementedError, "pad: only mode='constant' is supported, got '%s'", mode);
  double value = cv ? PyFloat_AsDouble(cv) : 0.0;
  if (value == -1.0 && PyErr_Occurred()) return NULL;
  weir_array *x = NULL, *out = NULL;
  if (array_arg(a, &x) < 0) return NULL;
  int64_t before[WEIR_MAX_NDIM], after[WEIR_MAX_NDIM];
  PyObject *r = NULL;
  if (pad_widths(pw, weir_array_ndim(x), before, after) == 0)
    r = wpy_wrap_result(weir_pad(&out, x, before, after, value, s), &out);
  weir_array_free(x);
  return r;
}

/* ---- sort / argsort / topk ---- */

static PyObject *sort_op(int kind, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis", "stream", NULL};
  static char *kwlist_k[] = {"", "k", "axis", "stream", NULL};
  PyObject *a, *axis_o = NULL, *r = NULL;
  int k = 0, axis = -1, ok;
  bool none = false;
  weir_stream s = WEIR_DEFAULT;
  if (kind == 2)
    ok = PyArg_ParseTupleAndKeywords(args, kw, "Oi|O$O&:topk", kwlist_k, &a, &k, &axis_o, wpy_stream_converter, &s);
  else
    ok = PyArg_ParseTupleAndKeywords(args, kw, kind ? "O|O$O&:argsort" : "O|O$O&:sort", kwlist, &a, &axis_o,
                                     wpy_stream_converter, &s);
  weir_array *x = NULL, *f = NULL, *out = NULL;
  if (!ok || (axis_o && axis_arg(axis_o, &axis, &none) < 0) || array_arg(a, &x) < 0) return NULL;
  weir_status st = WEIR_OK;
  if (none) {
    st = flat(&f, x, s);
    axis = 0;
  }
  const weir_array *src = none ? f : x;
  if (st == WEIR_OK)
    st = kind == 0 ? weir_sort(&out, src, axis, s) : kind == 1 ? weir_argsort(&out, src, axis, s)
                                                               : weir_topk(&out, src, k, axis, s);
  r = wpy_wrap_result(st, &out);
  weir_array_free(x);
  weir_array_free(f);
  return r;
}
static PyObject *f_sort(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return sort_op(0, args, kw);
}
static PyObject *f_argsort(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return sort_op(1, args, kw);
}
static PyObject *f_topk(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return sort_op(2, args, kw);
}

#define FN(name, doc) {#name, (PyCFunction)(void (*)(void))f_##name, METH_VARARGS | METH_KEYWORDS, doc}

PyMethodDef wpy_select_functions[] = {
    FN(where, "where(condition, x, y, /, *, stream=None) -> array\n\nx where condition is true, else y, with "
              "broadcasting (x and y promoted as a binary op's operands)."),
    FN(cumsum, "cumsum(a, /, axis=None, *, reverse=False, inclusive=True, dtype=None, stream=None) -> array\n\n"
               "Running sum along axis (None: the flattened array)."),
    FN(cumprod, "cumprod(a, /, axis=None, *, reverse=False, inclusive=True, dtype=None, stream=None) -> array\n\n"
                "Running product along axis (None: the flattened array)."),
    FN(take, "take(a, /, indices, axis=None, *, stream=None) -> array\n\nElements at integer indices along axis "
             "(None: of the flattened array). Negative indices count from the end; out-of-range ones are "
             "clamped."),
    FN(take_along_axis, "take_along_axis(a, /, indices, axis=-1, *, stream=None) -> array\n\na's elements at "
                        "indices along axis; indices broadcast against a off the axis."),
    FN(concatenate, "concatenate(arrays, axis=0, *, stream=None) -> array"),
    FN(stack, "stack(arrays, axis=0, *, stream=None) -> array"),
    FN(split, "split(a, /, indices_or_sections, axis=0, *, stream=None) -> list[array]"),
    FN(pad, "pad(a, pad_width, mode='constant', constant_values=0, *, stream=None) -> array\n\nConstant "
            "padding only."),
    FN(sort, "sort(a, /, axis=-1, *, stream=None) -> array\n\nStable ascending sort, NaN last."),
    FN(argsort, "argsort(a, /, axis=-1, *, stream=None) -> array\n\nThe indices (uint32) of a stable sort."),
    FN(topk, "topk(a, /, k, axis=-1, *, stream=None) -> array\n\nThe k largest elements along axis "
             "(in ascending order)."),
    {NULL, NULL, 0, NULL}};

#define METHOD(name) {#name, (PyCFunction)(void (*)(void))f_##name, METH_VARARGS | METH_KEYWORDS, NULL}
PyMethodDef wpy_array_select_methods[] = {METHOD(cumsum), METHOD(cumprod), METHOD(split), {NULL, NULL, 0, NULL}};
