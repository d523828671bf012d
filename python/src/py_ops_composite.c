/* The composite ops as mx.* functions with MLX's signatures (keyword-only stream=): var std all
   any logsumexp softmax, flatten swapaxes moveaxis expand_dims squeeze broadcast_to clip tile
   repeat eye linspace tril triu, outer inner tensordot einsum; and the array methods MLX has among
   them (a.var(), a.flatten(), ...). A function used as a method gets the array as its first
   argument (wpy_with_self). */
#include <limits.h>

#include "wpy.h"

#define CONV wpy_stream_converter

/* A Python int that fits an int (OverflowError otherwise). Returns 0 or -1. */
static int int_value(PyObject *o, const char *what, int *out) {
  long v = PyLong_AsLong(o);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (v < INT_MIN || v > INT_MAX) {
    PyErr_Format(PyExc_OverflowError, "%s %ld does not fit an int", what, v);
    return -1;
  }
  *out = (int)v;
  return 0;
}

/* ---- reductions ---- */

typedef weir_status (*bool_reduce_fn)(weir_array **, const weir_array *, const int *, int, bool, weir_stream);
typedef weir_status (*ddof_reduce_fn)(weir_array **, const weir_array *, const int *, int, bool, int, weir_stream);

/* fn(a, axis=None, keepdims=False[, ddof=0]); axis=[] is an empty list (nothing reduced), not None. */
static PyObject *reduce_call(bool_reduce_fn fn, ddof_reduce_fn dfn, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kw_plain[] = {"", "axis", "keepdims", "stream", NULL};
  static char *kw_ddof[] = {"", "axis", "keepdims", "ddof", "stream", NULL};
  PyObject *a, *axis = Py_None, *all = wpy_with_self(self, args), *r = NULL;
  int keepdims = 0, ddof = 0, axes[WEIR_MAX_NDIM], naxes = 0, ok;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (dfn) ok = PyArg_ParseTupleAndKeywords(all, kw, "O|Opi$O&", kw_ddof, &a, &axis, &keepdims, &ddof, CONV, &s);
  else ok = PyArg_ParseTupleAndKeywords(all, kw, "O|Op$O&", kw_plain, &a, &axis, &keepdims, CONV, &s);
  if (ok && wpy_axes_from_object(axis, axes, &naxes) == 0 && wpy_array_from_object(a, NULL, &x) == 0) {
    const int *ax = axis == Py_None ? NULL : axes;
    weir_status st = dfn ? dfn(&out, x, ax, naxes, keepdims, ddof, s) : fn(&out, x, ax, naxes, keepdims, s);
    r = wpy_wrap_result(st, &out);
  }
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

#define REDUCE(name, fn, dfn)                                                     \
  static PyObject *f_##name(PyObject *self, PyObject *args, PyObject *kw) {       \
    return reduce_call(fn, dfn, self, args, kw);                                  \
  }
REDUCE(var, NULL, weir_var)
REDUCE(std, NULL, weir_std)
REDUCE(all, weir_all, NULL)
REDUCE(any, weir_any, NULL)
#undef REDUCE
static PyObject *f_logsumexp(PyObject *self, PyObject *args, PyObject *kw) {
  return reduce_call(weir_logsumexp, NULL, self, args, kw);
}

/* softmax(a, axis=None, *, precise=False): halves are always computed in float32 (precise). */
static PyObject *f_softmax(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis", "precise", "stream", NULL};
  PyObject *a, *axis = Py_None, *all = wpy_with_self(self, args), *r = NULL;
  int precise = 0, axes[WEIR_MAX_NDIM], naxes = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "O|O$pO&", kwlist, &a, &axis, &precise, CONV, &s) &&
      wpy_axes_from_object(axis, axes, &naxes) == 0 && wpy_array_from_object(a, NULL, &x) == 0)
    r = wpy_wrap_result(weir_softmax(&out, x, axis == Py_None ? NULL : axes, naxes, s), &out);
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

/* ---- shape ---- */

/* The ops of one array and two ints: flatten(a, start_axis=0, end_axis=-1), swapaxes(a, axis1,
   axis2), moveaxis(a, source, destination). */
typedef weir_status (*two_int_fn)(weir_array **, const weir_array *, int, int, weir_stream);

static PyObject *two_int_call(two_int_fn fn, char **kwlist, const char *fmt, int i0, int i1, PyObject *self,
                              PyObject *args, PyObject *kw) {
  PyObject *a, *all = wpy_with_self(self, args), *r = NULL;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, fmt, kwlist, &a, &i0, &i1, CONV, &s) &&
      wpy_array_from_object(a, NULL, &x) == 0)
    r = wpy_wrap_result(fn(&out, x, i0, i1, s), &out);
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

static PyObject *f_flatten(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "start_axis", "end_axis", "stream", NULL};
  return two_int_call(weir_flatten, kwlist, "O|ii$O&:flatten", 0, -1, self, args, kw);
}
static PyObject *f_swapaxes(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis1", "axis2", "stream", NULL};
  return two_int_call(weir_swapaxes, kwlist, "Oii|$O&:swapaxes", 0, 0, self, args, kw);
}
static PyObject *f_moveaxis(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "source", "destination", "stream", NULL};
  return two_int_call(weir_moveaxis, kwlist, "Oii|$O&:moveaxis", 0, 0, self, args, kw);
}

/* expand_dims(a, axis) and squeeze(a, axis=None): an axis list. */
typedef weir_status (*axes_fn)(weir_array **, const weir_array *, const int *, int, weir_stream);

static PyObject *axes_call(axes_fn fn, bool required, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "axis", "stream", NULL};
  PyObject *a, *axis = Py_None, *all = wpy_with_self(self, args), *r = NULL;
  int axes[WEIR_MAX_NDIM], naxes = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  int ok = required ? PyArg_ParseTupleAndKeywords(all, kw, "OO|$O&:expand_dims", kwlist, &a, &axis, CONV, &s)
                    : PyArg_ParseTupleAndKeywords(all, kw, "O|O$O&:squeeze", kwlist, &a, &axis, CONV, &s);
  if (ok && required && axis == Py_None) {
    PyErr_SetString(PyExc_TypeError, "expand_dims: axis must be an int or a sequence of ints, got None");
    ok = 0;
  }
  if (ok && wpy_axes_from_object(axis, axes, &naxes) == 0 && wpy_array_from_object(a, NULL, &x) == 0)
    r = wpy_wrap_result(fn(&out, x, axis == Py_None ? NULL : axes, naxes, s), &out);
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

static PyObject *f_expand_dims(PyObject *self, PyObject *args, PyObject *kw) {
  return axes_call(weir_expand_dims, true, self, args, kw);
}
static PyObject *f_squeeze(PyObject *self, PyObject *args, PyObject *kw) {
  return axes_call(weir_squeeze, false, self, args, kw);
}

/* broadcast_to(a, shape) and tile(a, reps): an array and a shape-like argument. */
static PyObject *shape_call(bool tile, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kw_bc[] = {"", "shape", "stream", NULL};
  static char *kw_tile[] = {"", "", "stream", NULL};
  PyObject *a, *shape_obj, *all = wpy_with_self(self, args), *r = NULL;
  int64_t shape[WEIR_MAX_NDIM];
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  int ok = tile ? PyArg_ParseTupleAndKeywords(all, kw, "OO|$O&:tile", kw_tile, &a, &shape_obj, CONV, &s)
                : PyArg_ParseTupleAndKeywords(all, kw, "OO|$O&:broadcast_to", kw_bc, &a, &shape_obj, CONV, &s);
  int nd = ok ? wpy_shape_from_object(shape_obj, tile ? "reps" : "shape", shape) : -1;
  if (nd >= 0 && wpy_array_from_object(a, NULL, &x) == 0)
    r = wpy_wrap_result(tile ? weir_tile(&out, x, shape, nd, s) : weir_broadcast_to(&out, x, shape, nd, s), &out);
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

static PyObject *f_broadcast_to(PyObject *self, PyObject *args, PyObject *kw) {
  return shape_call(false, self, args, kw);
}
static PyObject *f_tile(PyObject *self, PyObject *args, PyObject *kw) { return shape_call(true, self, args, kw); }

/* clip(a, a_min, a_max): the bounds are arrays or weak Python scalars; None leaves that side open. */
static PyObject *f_clip(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "a_min", "a_max", "stream", NULL};
  PyObject *a, *lo, *hi, *all = wpy_with_self(self, args), *r = NULL;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *l = NULL, *h = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "OOO|$O&:clip", kwlist, &a, &lo, &hi, CONV, &s) &&
      wpy_array_from_object(a, NULL, &x) == 0 && (lo == Py_None || wpy_operand(lo, x, "clip", &l) == 0) &&
      (hi == Py_None || wpy_operand(hi, x, "clip", &h) == 0))
    r = wpy_wrap_result(weir_clip(&out, x, l, h, s), &out);
  weir_array_free(x);
  weir_array_free(l);
  weir_array_free(h);
  Py_DECREF(all);
  return r;
}

/* repeat(array, repeats, axis=None): axis None repeats over the flattened array. */
static PyObject *f_repeat(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"array", "repeats", "axis", "stream", NULL};
  PyObject *a, *axis = Py_None, *all = wpy_with_self(self, args), *r = NULL;
  long long repeats = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "OL|O$O&:repeat", kwlist, &a, &repeats, &axis, CONV, &s)) {
    int ax = 0;
    if ((axis == Py_None || int_value(axis, "axis", &ax) == 0) && wpy_array_from_object(a, NULL, &x) == 0)
      r = wpy_wrap_result(weir_repeat(&out, x, repeats, ax, axis == Py_None, s), &out);
  }
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

/* tril(x, k=0) / triu(x, k=0). */
static PyObject *triangle_call(bool lower, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"x", "k", "stream", NULL};
  PyObject *a, *all = wpy_with_self(self, args), *r = NULL;
  long long k = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "O|L$O&", kwlist, &a, &k, CONV, &s) &&
      wpy_array_from_object(a, NULL, &x) == 0)
    r = wpy_wrap_result(lower ? weir_tril(&out, x, k, s) : weir_triu(&out, x, k, s), &out);
  weir_array_free(x);
  Py_DECREF(all);
  return r;
}

static PyObject *f_tril(PyObject *self, PyObject *args, PyObject *kw) { return triangle_call(true, self, args, kw); }
static PyObject *f_triu(PyObject *self, PyObject *args, PyObject *kw) { return triangle_call(false, self, args, kw); }

/* ---- creation ---- */

/* eye(n, m=None, k=0, dtype=float32). */
static PyObject *f_eye(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"n", "m", "k", "dtype", "stream", NULL};
  PyObject *m_obj = Py_None, *dt = Py_None;
  long long n, m, k = 0;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t = WEIR_FLOAT32;
  weir_array *out = NULL;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "L|OLO$O&:eye", kwlist, &n, &m_obj, &k, &dt, CONV, &s)) return NULL;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  m = n;
  if (m_obj != Py_None) {
    m = PyLong_AsLongLong(m_obj);
    if (m == -1 && PyErr_Occurred()) return NULL;
  }
  return wpy_wrap_result(weir_eye(&out, n, m, k, t, s), &out);
}

/* linspace(start, stop, num=50, endpoint=True, dtype=float32). */
static PyObject *f_linspace(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"start", "stop", "num", "endpoint", "dtype", "stream", NULL};
  PyObject *dt = Py_None;
  double start, stop;
  long long num = 50;
  int endpoint = 1;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t = WEIR_FLOAT32;
  weir_array *out = NULL;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "dd|LpO$O&:linspace", kwlist, &start, &stop, &num, &endpoint, &dt, CONV,
                                   &s))
    return NULL;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  return wpy_wrap_result(weir_linspace(&out, start, stop, num, endpoint, t, s), &out);
}

/* ---- linear algebra ---- */

typedef weir_status (*pair_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);

static PyObject *pair_call(pair_fn fn, PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "", "stream", NULL};
  PyObject *a, *b, *all = wpy_with_self(self, args), *r = NULL;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *y = NULL, *out = NULL;
  if (!all) return NULL;
  if (PyArg_ParseTupleAndKeywords(all, kw, "OO|$O&", kwlist, &a, &b, CONV, &s) &&
      wpy_array_from_object(a, NULL, &x) == 0 && wpy_array_from_object(b, NULL, &y) == 0)
    r = wpy_wrap_result(fn(&out, x, y, s), &out);
  weir_array_free(x);
  weir_array_free(y);
  Py_DECREF(all);
  return r;
}

static PyObject *f_outer(PyObject *self, PyObject *args, PyObject *kw) { return pair_call(weir_outer, self, args, kw); }
static PyObject *f_inner(PyObject *self, PyObject *args, PyObject *kw) { return pair_call(weir_inner, self, args, kw); }

/* One side of tensordot's axes=[axes_a, axes_b]: an int or a sequence of ints. Returns n or -1. */
static int axes_side(PyObject *o, int *axes) {
  int64_t v[WEIR_MAX_NDIM];
  int n = wpy_shape_from_object(o, "tensordot axes", v);
  for (int i = 0; i < n; i++) {
    if (v[i] < -WEIR_MAX_NDIM - 1 || v[i] > WEIR_MAX_NDIM) {
      PyErr_Format(PyExc_IndexError, "tensordot: axis %lld is out of range", (long long)v[i]);
      return -1;
    }
    axes[i] = (int)v[i];
  }
  return n;
}

/* tensordot(a, b, axes=2): an int (the last axes of a with the first of b) or [axes_a, axes_b]. */
static PyObject *f_tensordot(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"", "", "axes", "stream", NULL};
  PyObject *a, *b, *axes_obj = NULL, *all = wpy_with_self(self, args), *r = NULL;
  weir_stream s = WEIR_DEFAULT;
  weir_array *x = NULL, *y = NULL, *out = NULL;
  int xa[WEIR_MAX_NDIM], xb[WEIR_MAX_NDIM], na = 2, nb = -1;
  if (!all) return NULL;
  if (!PyArg_ParseTupleAndKeywords(all, kw, "OO|O$O&:tensordot", kwlist, &a, &b, &axes_obj, CONV, &s)) goto done;
  if (axes_obj && PyLong_Check(axes_obj)) {
    if (int_value(axes_obj, "axes", &na) < 0) goto done;
  } else if (axes_obj) {
    if (!PySequence_Check(axes_obj) || PySequence_Size(axes_obj) != 2) {
      PyErr_SetString(PyExc_TypeError, "tensordot: axes must be an int or a pair of axis lists [axes_a, axes_b]");
      goto done;
    }
    PyObject *pa = PySequence_GetItem(axes_obj, 0), *pb = pa ? PySequence_GetItem(axes_obj, 1) : NULL;
    if (pb) {
      na = axes_side(pa, xa);
      nb = na < 0 ? -1 : axes_side(pb, xb);
    }
    Py_XDECREF(pa);
    Py_XDECREF(pb);
    if (nb < 0) goto done;
    if (na != nb) {
      PyErr_Format(PyExc_ValueError, "tensordot: axes_a and axes_b must have the same length, got %d and %d", na, nb);
      goto done;
    }
  }
  if (wpy_array_from_object(a, NULL, &x) == 0 && wpy_array_from_object(b, NULL, &y) == 0)
    r = wpy_wrap_result(weir_tensordot(&out, x, y, nb < 0 ? NULL : xa, nb < 0 ? NULL : xb, na, s), &out);
done:
  weir_array_free(x);
  weir_array_free(y);
  Py_DECREF(all);
  return r;
}

/* einsum(subscripts, *operands, stream=None). */
static PyObject *f_einsum(PyObject *self, PyObject *args, PyObject *kw) {
  enum { MAX_OPS = 8 };
  (void)self;
  weir_stream s = WEIR_DEFAULT;
  PyObject *stream = kw ? PyDict_GetItemString(kw, "stream") : NULL;
  if (kw && PyDict_GET_SIZE(kw) > (stream ? 1 : 0))
    return PyErr_Format(PyExc_TypeError, "einsum() takes only the keyword argument stream");
  if (stream && wpy_stream_from_object(stream, &s) < 0) return NULL;
  Py_ssize_t n = PyTuple_GET_SIZE(args) - 1;
  if (n < 0 || !PyUnicode_Check(PyTuple_GET_ITEM(args, 0)))
    return PyErr_Format(PyExc_TypeError, "einsum() needs the subscripts string first");
  if (n > MAX_OPS) return PyErr_Format(PyExc_ValueError, "einsum: at most 2 operands are supported, got %zd", n);
  const char *sub = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
  if (!sub) return NULL;
  weir_array *ops[MAX_OPS] = {NULL}, *out = NULL;
  PyObject *r = NULL;
  Py_ssize_t got = 0;
  while (got < n && wpy_array_from_object(PyTuple_GET_ITEM(args, got + 1), NULL, &ops[got]) == 0) got++;
  if (got == n) r = wpy_wrap_result(weir_einsum(&out, sub, (const weir_array *const *)ops, (int)n, s), &out);
  for (Py_ssize_t i = 0; i < got; i++) weir_array_free(ops[i]);
  return r;
}

#define FN(name, doc) {#name, (PyCFunction)(void (*)(void))f_##name, METH_VARARGS | METH_KEYWORDS, doc}
#define RED(name, what)                                                                                        \
  FN(name, #name "(a, /, axis=None, keepdims=False, *, stream=None) -> array\n\n" what " over the given axes " \
               "(None: all).")

PyMethodDef wpy_composite_functions[] = {
    FN(var, "var(a, /, axis=None, keepdims=False, ddof=0, *, stream=None) -> array\n\nVariance over the axes, "
            "divided by N - ddof."),
    FN(std, "std(a, /, axis=None, keepdims=False, ddof=0, *, stream=None) -> array\n\nStandard deviation."),
    RED(all, "Whether every element is true"),
    RED(any, "Whether any element is true"),
    RED(logsumexp, "log(sum(exp(a))), computed stably,"),
    FN(softmax, "softmax(a, /, axis=None, *, precise=False, stream=None) -> array\n\nexp(a) / sum(exp(a)) over "
                "the axes, max-subtracted (halves computed in float32)."),
    FN(flatten, "flatten(a, /, start_axis=0, end_axis=-1, *, stream=None) -> array"),
    FN(swapaxes, "swapaxes(a, /, axis1, axis2, *, stream=None) -> array"),
    FN(moveaxis, "moveaxis(a, /, source, destination, *, stream=None) -> array"),
    FN(expand_dims, "expand_dims(a, /, axis, *, stream=None) -> array"),
    FN(squeeze, "squeeze(a, /, axis=None, *, stream=None) -> array"),
    FN(broadcast_to, "broadcast_to(a, /, shape, *, stream=None) -> array"),
    FN(clip, "clip(a, /, a_min, a_max, *, stream=None) -> array\n\nEither bound may be None, not both."),
    FN(tile, "tile(a, reps, /, *, stream=None) -> array"),
    FN(repeat, "repeat(array, repeats, axis=None, *, stream=None) -> array"),
    FN(tril, "tril(x, k=0, *, stream=None) -> array\n\nZeros above diagonal k of the last two axes."),
    FN(triu, "triu(x, k=0, *, stream=None) -> array\n\nZeros below diagonal k of the last two axes."),
    FN(eye, "eye(n, m=None, k=0, dtype=float32, *, stream=None) -> array"),
    FN(linspace, "linspace(start, stop, num=50, endpoint=True, dtype=float32, *, stream=None) -> array"),
    FN(outer, "outer(a, b, /, *, stream=None) -> array\n\nOuter product of the flattened a and b."),
    FN(inner, "inner(a, b, /, *, stream=None) -> array\n\nSum product over the last axes."),
    FN(tensordot, "tensordot(a, b, /, axes=2, *, stream=None) -> array"),
    FN(einsum, "einsum(subscripts, *operands, stream=None) -> array\n\n1 or 2 operands, letters only."),
    {NULL, NULL, 0, NULL}};

#define METHOD(name) {#name, (PyCFunction)(void (*)(void))f_##name, METH_VARARGS | METH_KEYWORDS, NULL}
PyMethodDef wpy_array_composite_methods[] = {
    METHOD(var),     METHOD(std),      METHOD(all),      METHOD(any),     METHOD(logsumexp),
    METHOD(flatten), METHOD(swapaxes), METHOD(moveaxis), METHOD(squeeze), {NULL, NULL, 0, NULL}};
