/* The mx.* op functions (MLX's names and signatures, keyword-only stream=) and the array methods
   that mirror them. Each function also serves as a method: when called on an array, the array is
   the first argument. */
#include <math.h>
#include <string.h>

#include "wpy.h"

/* (self, *args) when the function is called as an array method, else args; new reference. */
static PyObject *with_self(PyObject *self, PyObject *args) {
  if (!self || !wpy_is_array(self)) {
    Py_INCREF(args);
    return args;
  }
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  PyObject *t = PyTuple_New(n + 1);
  if (!t) return NULL;
  Py_INCREF(self);
  PyTuple_SET_ITEM(t, 0, self);
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *v = PyTuple_GET_ITEM(args, i);
    Py_INCREF(v);
    PyTuple_SET_ITEM(t, i + 1, v);
  }
  return t;
}

/* out is read after st is computed (the call that fills it is often the first argument). */
static PyObject *wrap(weir_status st, weir_array **out) { return st == WEIR_OK ? wpy_array_wrap(*out) : wpy_raise(st); }

/* An array argument: arrays as they are, anything else through mx.array's rules. */
static int array_arg(PyObject *o, weir_array **out) { return wpy_array_from_object(o, NULL, out); }

/* with_self and wrap for the other op files (wpy.h). */
PyObject *wpy_with_self(PyObject *self, PyObject *args) { return with_self(self, args); }
PyObject *wpy_wrap_result(weir_status st, weir_array **out) { return wrap(st, out); }

/* One int of a shape or axis list: an int beyond int64 is a ValueError naming the argument (Python's
   own OverflowError would say only "cannot fit 'int' into an index-sized integer"). */
static int dim_from_index(PyObject *v, const char *what, int64_t *out) {
  Py_ssize_t d = PyNumber_AsSsize_t(v, PyExc_OverflowError);
  if (d == -1 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: %R does not fit in a 64-bit integer", what, v);
    return -1;
  }
  *out = d;
  return 0;
}

int wpy_shape_from_object(PyObject *o, const char *what, int64_t *shape) {
  if (PyIndex_Check(o) && !PyBool_Check(o)) return dim_from_index(o, what, &shape[0]) < 0 ? -1 : 1;
  PyObject *seq = PySequence_Check(o) && !PyUnicode_Check(o) ? PySequence_Fast(o, "") : NULL;
  if (!seq) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s must be an int or a sequence of ints, got %s", what, Py_TYPE(o)->tp_name);
    return -1;
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  if (n > WEIR_MAX_NDIM) {
    Py_DECREF(seq);
    PyErr_Format(PyExc_ValueError, "%s has %zd dimensions, weir supports at most %d", what, n, WEIR_MAX_NDIM);
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyIndex_Check(v) || PyBool_Check(v)) {
      Py_DECREF(seq);
      PyErr_Format(PyExc_TypeError, "%s must contain ints, got %s", what, Py_TYPE(v)->tp_name);
      return -1;
    }
    if (dim_from_index(v, what, &shape[i]) < 0) {
      Py_DECREF(seq);
      return -1;
    }
  }
  Py_DECREF(seq);
  return (int)n;
}

int wpy_axes_from_object(PyObject *o, int *axes, int *naxes) {
  *naxes = 0;
  if (o == Py_None) return 0;
  int64_t v[WEIR_MAX_NDIM];
  int n = wpy_shape_from_object(o, "axis", v);
  if (n < 0) return -1;
  for (int i = 0; i < n; i++) {
    if (v[i] < -WEIR_MAX_NDIM - 1 || v[i] > WEIR_MAX_NDIM) {
      PyErr_Format(PyExc_IndexError, "axis %lld is out of range", (long long)v[i]);
      return -1;
    }
    axes[i] = (int)v[i];
  }
  *naxes = n;
  return 0;
}

PyObject *wpy_binary(wpy_binary_fn fn, const char *name, PyObject *a, PyObject *b, weir_stream s) {
  weir_array *x = NULL, *y = NULL, *out = NULL;
  weir_array *aa = wpy_is_array(a) ? ((wpy_array *)a)->a : NULL, *ba = wpy_is_array(b) ? ((wpy_array *)b)->a : NULL;
  if (wpy_operand(a, ba, name, &x) < 0) return NULL;
  if (wpy_operand(b, aa ? aa : (ba ? NULL : x), name, &y) < 0) {
    weir_array_free(x);
    return NULL;
  }
  weir_status st = fn(&out, x, y, s);
  weir_array_free(x);
  weir_array_free(y);
  return wrap(st, &out);
}

PyObject *wpy_unary(wpy_unary_fn fn, PyObject *a, weir_stream s) {
  weir_array *x = NULL, *out = NULL;
  if (array_arg(a, &x) < 0) return NULL;
  weir_status st = fn(&out, x, s);
  weir_array_free(x);
  return wrap(st, &out);
}

/* ---- elementwise ---- */

static PyObject *binary_op(wpy_binary_fn fn, const char *name, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "", "stream", NULL};
  PyObject *a, *b, *all = with_self(self, args);
  weir_stream s = WEIR_DEFAULT;
  if (!all) return NULL;
  int ok = PyArg_ParseTupleAndKeywords(all, kw, "OO|$O&", kwlist, &a, &b, wpy_stream_converter, &s);
  PyObject *r = ok ? wpy_binary(fn, name, a, b, s) : NULL;
  Py_DECREF(all);
  return r;
}

static PyObject *unary_op(wpy_unary_fn fn, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "stream", NULL};
  PyObject *a, *all = with_self(self, args);
  weir_stream s = WEIR_DEFAULT;
  if (!all) return NULL;
  int ok = PyArg_ParseTupleAndKeywords(all, kw, "O|$O&", kwlist, &a, wpy_stream_converter, &s);
  PyObject *r = ok ? wpy_unary(fn, a, s) : NULL;
  Py_DECREF(all);
  return r;
}

#define BINARY(name)                                                               \
  static PyObject *f_##name(PyObject *self, PyObject *args, PyObject *kw) {        \
    return binary_op(weir_##name, #name, self, args, kw);                          \
  }
#define UNARY(name)                                                                \
  static PyObject *f_##name(PyObject *self, PyObject *args, PyObject *kw) {        \
    return unary_op(weir_##name, self, args, kw);                           \
  }
BINARY(add) BINARY(subtract) BINARY(multiply) BINARY(divide) BINARY(maximum) BINARY(minimum) BINARY(power)
BINARY(equal) BINARY(not_equal) BINARY(less) BINARY(less_equal) BINARY(greater) BINARY(greater_equal)
BINARY(logical_and) BINARY(logical_or) BINARY(matmul) BINARY(floor_divide) BINARY(remainder) BINARY(arctan2)
BINARY(bitwise_and) BINARY(bitwise_or) BINARY(bitwise_xor) BINARY(left_shift) BINARY(right_shift)
UNARY(abs) UNARY(negative) UNARY(exp) UNARY(log) UNARY(sin) UNARY(cos) UNARY(tanh) UNARY(sqrt) UNARY(square)
UNARY(sigmoid) UNARY(logical_not) UNARY(copy) UNARY(expm1) UNARY(log1p) UNARY(log2) UNARY(log10) UNARY(rsqrt)
UNARY(reciprocal) UNARY(tan) UNARY(arcsin) UNARY(arccos) UNARY(arctan) UNARY(sinh) UNARY(cosh) UNARY(erf)
UNARY(floor) UNARY(ceil) UNARY(sign) UNARY(isnan) UNARY(isinf) UNARY(bitwise_invert)
#undef BINARY
#undef UNARY

/* round(a, /, decimals=0, *, stream=None): halves to even; with decimals != 0, floats are
   rounded as round(a * 10**decimals) / 10**decimals (MLX's way); integers are returned as they are. */
static PyObject *f_round(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "decimals", "stream", NULL};
  PyObject *a, *all = with_self(self, args);
  weir_stream s = WEIR_DEFAULT;
  int decimals = 0;
  if (!all) return NULL;
  int ok = PyArg_ParseTupleAndKeywords(all, kw, "O|i$O&", kwlist, &a, &decimals, wpy_stream_converter, &s);
  Py_DECREF(all);
  if (!ok) return NULL;
  if (decimals == 0) return wpy_unary(weir_round, a, s);
  weir_array *x = NULL, *scale = NULL, *up = NULL, *r = NULL, *out = NULL;
  if (array_arg(a, &x) < 0) return NULL;
  weir_dtype t = weir_array_dtype(x);
  if (t != WEIR_FLOAT16 && t != WEIR_BFLOAT16 && t != WEIR_FLOAT32 && t != WEIR_FLOAT64) return wpy_array_wrap(x);
  weir_status st = weir_full(&scale, NULL, 0, pow(10.0, decimals), t, s);
  if (st == WEIR_OK) st = weir_multiply(&up, x, scale, s);
  if (st == WEIR_OK) st = weir_round(&r, up, s);
  if (st == WEIR_OK) st = weir_divide(&out, r, scale, s);
  weir_array_free(x);
  weir_array_free(scale);
  weir_array_free(up);
  weir_array_free(r);
  return wrap(st, &out);
}

/* ---- reductions ---- */

typedef weir_status (*reduce_fn)(weir_array **, const weir_array *, const int *, int, bool, weir_stream);

static PyObject *reduce_op(reduce_fn fn, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis", "keepdims", "stream", NULL};
  PyObject *a, *axis = Py_None, *all = with_self(self, args), *r = NULL;
  int keepdims = 0, axes[WEIR_MAX_NDIM], naxes = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "O|Op$O&", kwlist, &a, &axis, &keepdims, wpy_stream_converter, &s) &&
      wpy_axes_from_object(axis, axes, &naxes) == 0 && array_arg(a, &x) == 0) {
    /* axis=[] reduces nothing: MLX returns the input's values. */
    if (axis != Py_None && naxes == 0) r = wrap(weir_copy(&out, x, s), &out);
    else r = wrap(fn(&out, x, naxes ? axes : NULL, naxes, keepdims, s), &out);
  }
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

#define REDUCE(name)                                                               \
  static PyObject *f_##name(PyObject *self, PyObject *args, PyObject *kw) {        \
    return reduce_op(weir_##name, self, args, kw);                                 \
  }
REDUCE(sum) REDUCE(mean) REDUCE(max) REDUCE(min) REDUCE(prod)
#undef REDUCE

typedef weir_status (*arg_reduce_fn)(weir_array **, const weir_array *, int, bool, weir_stream);

static PyObject *arg_reduce_op(arg_reduce_fn fn, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis", "keepdims", "stream", NULL};
  PyObject *a, *axis = Py_None, *all = with_self(self, args), *r = NULL;
  int keepdims = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *flat = NULL, *out = NULL;
  if (!all) return NULL;
  if (!PyArg_ParseTupleAndKeywords(all, kw, "O|Op$O&", kwlist, &a, &axis, &keepdims, wpy_stream_converter, &s) ||
      array_arg(a, &x) < 0)
    goto done;
  if (axis != Py_None) {
    int ax = PyLong_AsLong(axis);
    if (ax == -1 && PyErr_Occurred()) goto done;
    r = wrap(fn(&out, x, ax, keepdims, s), &out);
    goto done;
  }
  /* axis=None: over the flattened array; keepdims keeps every axis as size 1. */
  int64_t minus1 = -1, ones[WEIR_MAX_NDIM];
  int nd = weir_array_ndim(x);
  weir_status st = weir_reshape(&flat, x, &minus1, 1, s);
  if (st == WEIR_OK) st = fn(&out, flat, 0, false, s);
  if (st == WEIR_OK && keepdims) {
    weir_array *shaped = NULL;
    for (int i = 0; i < nd; i++) ones[i] = 1;
    st = weir_reshape(&shaped, out, ones, nd, s);
    weir_array_free(out);
    out = shaped;
  }
  r = wrap(st, &out);
done:
  weir_array_free(x);
  weir_array_free(flat);
  Py_DECREF(all);
  return r;
}

static PyObject *f_argmax(PyObject *self, PyObject *args, PyObject *kw) { return arg_reduce_op(weir_argmax, self, args, kw); }
static PyObject *f_argmin(PyObject *self, PyObject *args, PyObject *kw) { return arg_reduce_op(weir_argmin, self, args, kw); }

/* ---- shape ---- */

static PyObject *reshape_to(PyObject *a, PyObject *shape_obj, weir_stream s) {
  int64_t shape[WEIR_MAX_NDIM];
  int nd = wpy_shape_from_object(shape_obj, "shape", shape);
  weir_array *x = NULL, *out = NULL;
  if (nd < 0 || array_arg(a, &x) < 0) return NULL;
  weir_status st = weir_reshape(&out, x, shape, nd, s);
  weir_array_free(x);
  return wrap(st, &out);
}

static PyObject *f_reshape(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "shape", "stream", NULL};
  PyObject *a, *shape;
  weir_stream s = WEIR_DEFAULT;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$O&:reshape", kwlist, &a, &shape, wpy_stream_converter, &s))
    return NULL;
  (void)self;
  return reshape_to(a, shape, s);
}

static PyObject *transpose_to(PyObject *a, PyObject *axes_obj, weir_stream s) {
  int64_t perm64[WEIR_MAX_NDIM];
  int perm[WEIR_MAX_NDIM], n = 0;
  if (axes_obj != Py_None && (n = wpy_shape_from_object(axes_obj, "axes", perm64)) < 0) return NULL;
  for (int i = 0; i < n; i++) perm[i] = (int)perm64[i];
  weir_array *x = NULL, *out = NULL;
  if (array_arg(a, &x) < 0) return NULL;
  weir_status st = weir_transpose(&out, x, axes_obj == Py_None ? NULL : perm, n, s);
  weir_array_free(x);
  return wrap(st, &out);
}

static PyObject *f_transpose(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axes", "stream", NULL};
  PyObject *a, *axes = Py_None;
  weir_stream s = WEIR_DEFAULT;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O$O&:transpose", kwlist, &a, &axes, wpy_stream_converter, &s))
    return NULL;
  (void)self;
  return transpose_to(a, axes, s);
}

/* a.reshape(2, 3) or a.reshape((2, 3)); a.transpose(1, 0) or a.transpose((1, 0)); stream= keyword. */
static PyObject *varargs_shape(PyObject *args, PyObject *kw, const char *name, weir_stream *s, bool allow_empty) {
  PyObject *stream = kw ? PyDict_GetItemString(kw, "stream") : NULL;
  if (kw && PyDict_GET_SIZE(kw) > (stream ? 1 : 0))
    return PyErr_Format(PyExc_TypeError, "%s() takes only the keyword argument stream", name);
  *s = WEIR_DEFAULT;
  if (stream && wpy_stream_from_object(stream, s) < 0) return NULL;
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n == 0 && !allow_empty) return PyErr_Format(PyExc_TypeError, "%s() needs a shape", name);
  if (n == 0) Py_RETURN_NONE;
  PyObject *first = PyTuple_GET_ITEM(args, 0);
  if (n == 1 && (PyTuple_Check(first) || PyList_Check(first) || first == Py_None)) {
    Py_INCREF(first);
    return first;
  }
  Py_INCREF(args);
  return args;
}

static PyObject *m_reshape(PyObject *self, PyObject *args, PyObject *kw) {
  weir_stream s;
  PyObject *shape = varargs_shape(args, kw, "reshape", &s, false);
  if (!shape) return NULL;
  PyObject *r = reshape_to(self, shape, s);
  Py_DECREF(shape);
  return r;
}

static PyObject *m_transpose(PyObject *self, PyObject *args, PyObject *kw) {
  weir_stream s;
  PyObject *axes = varargs_shape(args, kw, "transpose", &s, true);
  if (!axes) return NULL;
  PyObject *r = transpose_to(self, axes, s);
  Py_DECREF(axes);
  return r;
}

/* ---- creation ---- */

static PyObject *fill_op(bool ones, PyObject *args, PyObject *kw, const char *name) {
  static char *kwlist[] = {"shape", "dtype", "stream", NULL};
  PyObject *shape_obj, *dt = Py_None;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t = WEIR_FLOAT32;
  int64_t shape[WEIR_MAX_NDIM];
  char fmt[32];
  snprintf(fmt, sizeof fmt, "O|O$O&:%s", name);
  if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &shape_obj, &dt, wpy_stream_converter, &s)) return NULL;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  int nd = wpy_shape_from_object(shape_obj, "shape", shape);
  if (nd < 0) return NULL;
  weir_array *out = NULL;
  return wrap(ones ? weir_ones(&out, shape, nd, t, s) : weir_zeros(&out, shape, nd, t, s), &out);
}

static PyObject *f_zeros(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return fill_op(false, args, kw, "zeros");
}
static PyObject *f_ones(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return fill_op(true, args, kw, "ones");
}

static PyObject *like_op(bool ones, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "dtype", "stream", NULL};
  PyObject *a, *dt = Py_None, *all = with_self(self, args), *r = NULL;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "O|O$O&", kwlist, &a, &dt, wpy_stream_converter, &s) &&
      array_arg(a, &x) == 0) {
    const int64_t *sh = weir_array_shape(x);
    int nd = weir_array_ndim(x);
    weir_dtype t = weir_array_dtype(x);
    if (dt == Py_None || wpy_dtype_from_object(dt, "dtype", &t) == 0)
      r = wrap(ones ? weir_ones(&out, sh, nd, t, s) : weir_zeros(&out, sh, nd, t, s), &out);
  }
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}
static PyObject *f_zeros_like(PyObject *self, PyObject *args, PyObject *kw) { return like_op(false, self, args, kw); }
static PyObject *f_ones_like(PyObject *self, PyObject *args, PyObject *kw) { return like_op(true, self, args, kw); }

/* full(shape, vals, dtype=None): vals a scalar or an array broadcast to shape. */
static PyObject *f_full(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"shape", "vals", "dtype", "stream", NULL};
  PyObject *shape_obj, *vals, *dt = Py_None;
  weir_stream s = WEIR_DEFAULT;
  int64_t shape[WEIR_MAX_NDIM];
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O$O&:full", kwlist, &shape_obj, &vals, &dt, wpy_stream_converter,
                                   &s))
    return NULL;
  int nd = wpy_shape_from_object(shape_obj, "shape", shape);
  if (nd < 0) return NULL;
  weir_dtype t;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  weir_array *v = NULL, *out = NULL, *base = NULL;
  if (wpy_array_from_object(vals, dt == Py_None ? NULL : &t, &v) < 0) return NULL;
  t = weir_array_dtype(v);
  /* Broadcasting vals: zeros of the shape combined with vals (or-ed for bool, added otherwise);
     made by weir_full so that a bad shape's error names full. */
  weir_status st = weir_full(&base, shape, nd, 0.0, t, s);
  if (st == WEIR_OK) st = t == WEIR_BOOL ? weir_logical_or(&out, base, v, s) : weir_add(&out, base, v, s);
  weir_array_free(base);
  weir_array_free(v);
  if (st == WEIR_OK && (weir_array_ndim(out) != nd || memcmp(weir_array_shape(out), shape, sizeof(int64_t) * nd))) {
    weir_array_free(out);
    return PyErr_Format(PyExc_ValueError, "full: vals cannot be broadcast to the shape");
  }
  return wrap(st, &out);
}

/* arange(stop) / arange(start, stop, step=None, dtype=None): int32 when every bound is an int. */
static PyObject *f_arange(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"start", "stop", "step", "dtype", "stream", NULL};
  PyObject *a = Py_None, *b = Py_None, *c = Py_None, *dt = Py_None;
  weir_stream s = WEIR_DEFAULT;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOO$O&:arange", kwlist, &a, &b, &c, &dt, wpy_stream_converter, &s))
    return NULL;
  PyObject *start = a, *stop = b;
  if (b == Py_None) { /* arange(stop) */
    start = Py_None;
    stop = a;
  }
  if (stop == Py_None) return PyErr_Format(PyExc_TypeError, "arange() needs stop");
  bool all_int = true;
  double v[3] = {0, 0, 1};
  PyObject *in[3] = {start, stop, c};
  for (int i = 0; i < 3; i++) {
    if (in[i] == Py_None) continue;
    if (!PyLong_Check(in[i]) && !PyFloat_Check(in[i]))
      return PyErr_Format(PyExc_TypeError, "arange: start, stop and step must be numbers, got %s",
                          Py_TYPE(in[i])->tp_name);
    if (!PyLong_Check(in[i])) all_int = false;
    v[i] = PyFloat_AsDouble(in[i]);
    if (v[i] == -1.0 && PyErr_Occurred()) return NULL;
  }
  weir_dtype t = all_int ? WEIR_INT32 : WEIR_FLOAT32;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  weir_array *out = NULL;
  return wrap(weir_arange(&out, v[0], v[1], v[2], t, s), &out);
}

static PyObject *f_astype(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "dtype", "stream", NULL};
  PyObject *a, *dt;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$O&:astype", kwlist, &a, &dt, wpy_stream_converter, &s) ||
      wpy_dtype_from_object(dt, "dtype", &t) < 0)
    return NULL;
  weir_array *x = NULL, *out = NULL;
  if (array_arg(a, &x) < 0) return NULL;
  weir_status st = weir_astype(&out, x, t, s);
  weir_array_free(x);
  return wrap(st, &out);
}

/* ---- comparisons that evaluate (an array of one bool, as MLX returns) ---- */

/* allclose / array_equal with equal_nan=True, from elementwise ops: an element matches when
   a == b, or (allclose) |a - b| <= atol + rtol * |b|, or both are NaN (x != x). */
static weir_status close_equal_nan(bool allclose, weir_array *a, weir_array *b, double rtol, double atol, bool *v) {
  *v = false;
  if (!allclose) {
    bool same = weir_array_ndim(a) == weir_array_ndim(b);
    for (int i = 0; same && i < weir_array_ndim(a); i++) same = weir_array_shape(a)[i] == weir_array_shape(b)[i];
    if (!same) return WEIR_OK;
  }
  enum { N = 16 };
  weir_array *t[N] = {NULL};
  weir_stream s = WEIR_DEFAULT;
  weir_status st = weir_equal(&t[0], a, b, s);
  if (st == WEIR_OK) st = weir_not_equal(&t[1], a, a, s);
  if (st == WEIR_OK) st = weir_not_equal(&t[2], b, b, s);
  if (st == WEIR_OK) st = weir_logical_and(&t[3], t[1], t[2], s);
  if (st == WEIR_OK) st = weir_logical_or(&t[4], t[0], t[3], s);
  weir_array *ok = t[4];
  if (st == WEIR_OK && allclose) {
    st = weir_subtract(&t[5], a, b, s);
    if (st == WEIR_OK) st = weir_abs(&t[6], t[5], s);
    if (st == WEIR_OK) st = weir_abs(&t[7], b, s);
    if (st == WEIR_OK) st = weir_array_from_scalar(&t[8], rtol, WEIR_FLOAT32);
    if (st == WEIR_OK) st = weir_multiply(&t[9], t[7], t[8], s);
    if (st == WEIR_OK) st = weir_array_from_scalar(&t[10], atol, WEIR_FLOAT32);
    if (st == WEIR_OK) st = weir_add(&t[11], t[9], t[10], s);
    if (st == WEIR_OK) st = weir_less_equal(&t[12], t[6], t[11], s);
    if (st == WEIR_OK) st = weir_logical_or(&t[13], ok, t[12], s);
    ok = t[13];
  }
  if (st == WEIR_OK) st = weir_astype(&t[14], ok, WEIR_UINT8, s);
  if (st == WEIR_OK) st = weir_min(&t[15], t[14], NULL, 0, false, s);
  int64_t m = 1;
  if (st == WEIR_OK && weir_array_size(t[14]) > 0) st = weir_array_item_int64(t[15], &m);
  if (st == WEIR_OK) *v = m != 0;
  for (int i = 0; i < N; i++) weir_array_free(t[i]);
  return st;
}

static PyObject *close_op(bool allclose, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist_close[] = {"", "", "rtol", "atol", "equal_nan", "stream", NULL};
  static char *kwlist_equal[] = {"", "", "equal_nan", "stream", NULL};
  PyObject *a, *b, *all = with_self(self, args), *r = NULL;
  double rtol = 1e-5, atol = 1e-8;
  int equal_nan = 0, ok;
  weir_stream s = WEIR_DEFAULT;
  if (!all) return NULL;
  if (allclose)
    ok = PyArg_ParseTupleAndKeywords(all, kw, "OO|dd$pO&:allclose", kwlist_close, &a, &b, &rtol, &atol, &equal_nan,
                                     wpy_stream_converter, &s);
  else
    ok = PyArg_ParseTupleAndKeywords(all, kw, "OO|p$O&:array_equal", kwlist_equal, &a, &b, &equal_nan,
                                     wpy_stream_converter, &s);
  Py_DECREF(all);
  if (!ok) return NULL;
  weir_array *x = NULL, *y = NULL, *out = NULL;
  if (array_arg(a, &x) == 0 && array_arg(b, &y) == 0) {
    bool v = false;
    weir_status st;
    Py_BEGIN_ALLOW_THREADS
    if (equal_nan) st = close_equal_nan(allclose, x, y, rtol, atol, &v);
    else st = allclose ? weir_allclose(&v, x, y, rtol, atol) : weir_array_equal(&v, x, y);
    Py_END_ALLOW_THREADS
    if (st == WEIR_OK) st = weir_array_from_scalar(&out, v, WEIR_BOOL);
    r = wrap(st, &out);
  }
  weir_array_free(x);
  weir_array_free(y);
  return r;
}
static PyObject *f_allclose(PyObject *self, PyObject *args, PyObject *kw) { return close_op(true, self, args, kw); }
static PyObject *f_array_equal(PyObject *self, PyObject *args, PyObject *kw) { return close_op(false, self, args, kw); }

#define FN(name, doc) {#name, (PyCFunction)(void (*)(void))f_##name, METH_VARARGS | METH_KEYWORDS, doc}
#define BIN_DOC(name, what) FN(name, #name "(a, b, /, *, stream=None) -> array\n\n" what ", with broadcasting.")
#define UN_DOC(name, what) FN(name, #name "(a, /, *, stream=None) -> array\n\n" what " elementwise.")
#define RED_DOC(name, what) \
  FN(name, #name "(a, /, axis=None, keepdims=False, *, stream=None) -> array\n\n" what " over the given axes (None: all).")

PyMethodDef wpy_op_functions[] = {
    FN(zeros, "zeros(shape, dtype=float32, *, stream=None) -> array"),
    FN(ones, "ones(shape, dtype=float32, *, stream=None) -> array"),
    FN(full, "full(shape, vals, dtype=None, *, stream=None) -> array"),
    FN(zeros_like, "zeros_like(a, /, dtype=None, *, stream=None) -> array"),
    FN(ones_like, "ones_like(a, /, dtype=None, *, stream=None) -> array"),
    FN(arange, "arange(start, stop, step=None, dtype=None, *, stream=None) -> array (also arange(stop))"),
    FN(astype, "astype(a, /, dtype, *, stream=None) -> array"),
    UN_DOC(copy, "A copy of a on the stream (also the way to move data to another device);"),
    BIN_DOC(add, "a + b"), BIN_DOC(subtract, "a - b"), BIN_DOC(multiply, "a * b"), BIN_DOC(divide, "a / b (float)"),
    BIN_DOC(maximum, "Larger of a and b"), BIN_DOC(minimum, "Smaller of a and b"), BIN_DOC(power, "a ** b"),
    BIN_DOC(equal, "a == b"), BIN_DOC(not_equal, "a != b"), BIN_DOC(less, "a < b"), BIN_DOC(less_equal, "a <= b"),
    BIN_DOC(greater, "a > b"), BIN_DOC(greater_equal, "a >= b"), BIN_DOC(logical_and, "a and b"),
    BIN_DOC(logical_or, "a or b"), BIN_DOC(matmul, "Matrix product a @ b"),
    BIN_DOC(floor_divide, "a // b (floor(a / b) for floats; x // 0 is 0 for integers)"),
    BIN_DOC(remainder, "a % b, with the sign of b (x % 0 is 0 for integers)"),
    BIN_DOC(arctan2, "Angle of the point (b, a): arctan(a / b) in the right quadrant (float)"),
    BIN_DOC(bitwise_and, "a & b (integers and bool)"), BIN_DOC(bitwise_or, "a | b (integers and bool)"),
    BIN_DOC(bitwise_xor, "a ^ b (integers and bool)"),
    BIN_DOC(left_shift, "a << b (integers; shifts outside [0, bits) give 0)"),
    BIN_DOC(right_shift, "a >> b (integers, arithmetic for signed; shifts outside [0, bits) give 0 or -1)"),
    UN_DOC(bitwise_invert, "~a (integers and bool)"),
    UN_DOC(abs, "|a|"), UN_DOC(negative, "-a"), UN_DOC(exp, "e ** a"), UN_DOC(log, "Natural log of a"),
    UN_DOC(sin, "sin(a)"), UN_DOC(cos, "cos(a)"), UN_DOC(tanh, "tanh(a)"), UN_DOC(sqrt, "Square root of a"),
    UN_DOC(square, "a * a"), UN_DOC(sigmoid, "1 / (1 + exp(-a))"), UN_DOC(logical_not, "not a"),
    UN_DOC(expm1, "e ** a - 1 (accurate near 0)"), UN_DOC(log1p, "log(1 + a) (accurate near 0)"),
    UN_DOC(log2, "Base-2 log of a"), UN_DOC(log10, "Base-10 log of a"), UN_DOC(rsqrt, "1 / sqrt(a)"),
    UN_DOC(reciprocal, "1 / a"), UN_DOC(tan, "tan(a)"), UN_DOC(arcsin, "Inverse sine of a"),
    UN_DOC(arccos, "Inverse cosine of a"), UN_DOC(arctan, "Inverse tangent of a"), UN_DOC(sinh, "sinh(a)"),
    UN_DOC(cosh, "cosh(a)"), UN_DOC(erf, "The error function of a"),
    UN_DOC(floor, "Largest integer <= a (integers unchanged)"),
    UN_DOC(ceil, "Smallest integer >= a (integers unchanged)"),
    FN(round, "round(a, /, decimals=0, *, stream=None) -> array\n\na rounded to `decimals` decimal places, "
              "halves to even, elementwise (integers unchanged)."),
    UN_DOC(sign, "-1, 0 or 1 by the sign of a (NaN stays NaN)"), UN_DOC(isnan, "Whether a is NaN (bool)"),
    UN_DOC(isinf, "Whether a is +-inf (bool)"),
    RED_DOC(sum, "Sum"), RED_DOC(mean, "Mean"), RED_DOC(max, "Maximum"), RED_DOC(min, "Minimum"),
    RED_DOC(prod, "Product"), RED_DOC(argmax, "Index of the maximum"), RED_DOC(argmin, "Index of the minimum"),
    FN(reshape, "reshape(a, /, shape, *, stream=None) -> array"),
    FN(transpose, "transpose(a, /, axes=None, *, stream=None) -> array"),
    FN(allclose, "allclose(a, b, /, rtol=1e-05, atol=1e-08, *, equal_nan=False, stream=None) -> array"),
    FN(array_equal, "array_equal(a, b, /, equal_nan=False, *, stream=None) -> array"),
    {NULL, NULL, 0, NULL}};

/* Array methods: the same functions with the array as first argument. */
#define METHOD(name) {#name, (PyCFunction)(void (*)(void))f_##name, METH_VARARGS | METH_KEYWORDS, NULL}
PyMethodDef wpy_array_op_methods[] = {
    METHOD(abs), METHOD(exp), METHOD(log), METHOD(sin), METHOD(cos), METHOD(sqrt), METHOD(square),
    METHOD(log1p), METHOD(log2), METHOD(log10), METHOD(rsqrt), METHOD(reciprocal), METHOD(round),
    METHOD(sum), METHOD(mean), METHOD(max), METHOD(min), METHOD(prod), METHOD(argmax), METHOD(argmin),
    {"reshape", (PyCFunction)(void (*)(void))m_reshape, METH_VARARGS | METH_KEYWORDS,
     "reshape(*shape, stream=None) -> array"},
    {"transpose", (PyCFunction)(void (*)(void))m_transpose, METH_VARARGS | METH_KEYWORDS,
     "transpose(*axes, stream=None) -> array"},
    {NULL, NULL, 0, NULL}};
