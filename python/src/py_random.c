/* mx.random: seed, key, split, normal, uniform with MLX's arguments. Counter-based: the same key
   gives the same bits on the CPU and on any GPU. loc/scale and low/high may be arrays: the
   standard draw is then scaled with array ops. */
#include <stdbool.h>
#include <stdint.h>

#include "wpy.h"

static weir_array *key_of(PyObject *o, int *err) {
  *err = 0;
  if (o == Py_None) return NULL;
  if (!wpy_is_array(o)) {
    PyErr_Format(PyExc_TypeError, "key must be an array from mx.random.key, got %s", Py_TYPE(o)->tp_name);
    *err = 1;
    return NULL;
  }
  return ((wpy_array *)o)->a;
}

static PyObject *seed(PyObject *self, PyObject *arg) {
  (void)self;
  unsigned long long v = PyLong_AsUnsignedLongLongMask(arg);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
  weir_status st = weir_random_seed(v);
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

static PyObject *key(PyObject *self, PyObject *arg) {
  (void)self;
  unsigned long long v = PyLong_AsUnsignedLongLongMask(arg);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
  weir_array *out = NULL;
  weir_status st = weir_random_key(&out, v);
  return st == WEIR_OK ? wpy_array_wrap(out) : wpy_raise(st);
}

static PyObject *split(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"key", "num", "stream", NULL};
  PyObject *k;
  int num = 2, err;
  weir_stream s = WEIR_DEFAULT;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i$O&:split", kwlist, &k, &num, wpy_stream_converter, &s)) return NULL;
  weir_array *ka = key_of(k, &err), *out = NULL;
  if (err) return NULL;
  if (!ka) return PyErr_Format(PyExc_TypeError, "split: key must be an array");
  weir_status st = weir_random_split(&out, ka, num, s);
  return st == WEIR_OK ? wpy_array_wrap(out) : wpy_raise(st);
}

/* out = draw * scale + loc, where scale/loc are arrays (or scalars, then folded in already). */
static PyObject *affine(weir_array *draw, PyObject *scale, PyObject *loc, weir_stream s) {
  weir_array *cur = draw, *next = NULL;
  weir_status st = WEIR_OK;
  PyObject *ops[2] = {scale, loc};
  for (int i = 0; i < 2 && st == WEIR_OK; i++) {
    if (!ops[i]) continue;
    weir_array *x = NULL;
    if (wpy_operand(ops[i], cur, i == 0 ? "multiply" : "add", &x) < 0) {
      weir_array_free(cur);
      return NULL;
    }
    st = i == 0 ? weir_multiply(&next, cur, x, s) : weir_add(&next, cur, x, s);
    weir_array_free(x);
    weir_array_free(cur);
    cur = st == WEIR_OK ? next : NULL;
  }
  return st == WEIR_OK ? wpy_array_wrap(cur) : wpy_raise(st);
}

static int number_or_array(PyObject *o, double dflt, double *v, PyObject **arr) {
  *arr = NULL;
  *v = dflt;
  if (o == Py_None) return 0;
  if (PyLong_Check(o) || PyFloat_Check(o)) {
    *v = PyFloat_AsDouble(o);
    return *v == -1.0 && PyErr_Occurred() ? -1 : 0;
  }
  *arr = o;
  return 0;
}

static PyObject *normal(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"shape", "dtype", "loc", "scale", "key", "stream", NULL};
  PyObject *shape_obj = NULL, *dt = Py_None, *loc = Py_None, *scale = Py_None, *k = Py_None;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t = WEIR_FLOAT32;
  int64_t shape[WEIR_MAX_NDIM];
  int nd = 0, err;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOO$O&:normal", kwlist, &shape_obj, &dt, &loc, &scale, &k,
                                   wpy_stream_converter, &s))
    return NULL;
  if (shape_obj && (nd = wpy_shape_from_object(shape_obj, "shape", shape)) < 0) return NULL;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  double l, sc;
  PyObject *la, *sa;
  if (number_or_array(loc, 0.0, &l, &la) < 0 || number_or_array(scale, 1.0, &sc, &sa) < 0) return NULL;
  weir_array *ka = key_of(k, &err), *out = NULL;
  if (err) return NULL;
  bool arrays = la || sa;
  weir_status st = weir_random_normal(&out, shape, nd, t, arrays ? 0.0 : l, arrays ? 1.0 : sc, ka, s);
  if (st != WEIR_OK) return wpy_raise(st);
  if (!arrays) return wpy_array_wrap(out);
  return affine(out, scale == Py_None ? NULL : scale, loc == Py_None ? NULL : loc, s);
}

static PyObject *uniform(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"low", "high", "shape", "dtype", "key", "stream", NULL};
  PyObject *lo = Py_None, *hi = Py_None, *shape_obj = NULL, *dt = Py_None, *k = Py_None;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t = WEIR_FLOAT32;
  int64_t shape[WEIR_MAX_NDIM];
  int nd = 0, err;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOO$O&:uniform", kwlist, &lo, &hi, &shape_obj, &dt, &k,
                                   wpy_stream_converter, &s))
    return NULL;
  if (shape_obj && (nd = wpy_shape_from_object(shape_obj, "shape", shape)) < 0) return NULL;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  double l, h;
  PyObject *la, *ha;
  if (number_or_array(lo, 0.0, &l, &la) < 0 || number_or_array(hi, 1.0, &h, &ha) < 0) return NULL;
  weir_array *ka = key_of(k, &err), *out = NULL;
  if (err) return NULL;
  if (!la && !ha) {
    weir_status st = weir_random_uniform(&out, shape, nd, t, l, h, ka, s);
    return st == WEIR_OK ? wpy_array_wrap(out) : wpy_raise(st);
  }
  /* Array bounds: low + u * (high - low) with u uniform in [0, 1). */
  weir_status st = weir_random_uniform(&out, shape, nd, t, 0.0, 1.0, ka, s);
  if (st != WEIR_OK) return wpy_raise(st);
  PyObject *width = wpy_binary(weir_subtract, "subtract", hi, lo, s);
  if (!width) {
    weir_array_free(out);
    return NULL;
  }
  PyObject *r = affine(out, width, lo, s);
  Py_DECREF(width);
  return r;
}

/* bits(shape=[], key=None, *, stream=None): raw uint32 random bits (libweir's weir_random_bits). */
static PyObject *bits(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"shape", "key", "stream", NULL};
  PyObject *shape_obj = NULL, *k = Py_None;
  weir_stream s = WEIR_DEFAULT;
  int64_t shape[WEIR_MAX_NDIM];
  int nd = 0, err;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO$O&:bits", kwlist, &shape_obj, &k, wpy_stream_converter, &s))
    return NULL;
  if (shape_obj && (nd = wpy_shape_from_object(shape_obj, "shape", shape)) < 0) return NULL;
  weir_array *ka = key_of(k, &err), *out = NULL;
  if (err) return NULL;
  weir_status st = weir_random_bits(&out, shape, nd, ka, s);
  return st == WEIR_OK ? wpy_array_wrap(out) : wpy_raise(st);
}

PyMethodDef wpy_random_functions[] = {
    {"bits", (PyCFunction)(void (*)(void))bits, METH_VARARGS | METH_KEYWORDS,
     "bits(shape=[], key=None, *, stream=None) -> array\n\nRaw random bits as uint32: the same bits for the same key "
     "on every device."},
    {"seed", seed, METH_O, "seed(seed: int) -> None\n\nResets the global key."},
    {"key", key, METH_O, "key(seed: int) -> array\n\nA key (two uint32) for the random functions."},
    {"split", (PyCFunction)(void (*)(void))split, METH_VARARGS | METH_KEYWORDS,
     "split(key, num=2, *, stream=None) -> array\n\nnum new keys, shape (num, 2)."},
    {"normal", (PyCFunction)(void (*)(void))normal, METH_VARARGS | METH_KEYWORDS,
     "normal(shape=[], dtype=float32, loc=None, scale=None, key=None, *, stream=None) -> array"},
    {"uniform", (PyCFunction)(void (*)(void))uniform, METH_VARARGS | METH_KEYWORDS,
     "uniform(low=0, high=1, shape=[], dtype=float32, key=None, *, stream=None) -> array\n\nValues in [low, high)."},
    {NULL, NULL, 0, NULL}};
