/* Python values <-> weir arrays: mx.array(...) construction (scalars, nested lists, the buffer
   protocol, other arrays), weak Python scalars in binary ops, and tolist()/item().
   Values are gathered as int64 or double on the host, handed to libweir, and converted to other
   dtypes by weir_astype, so every dtype conversion is libweir's own. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "wpy.h"

enum kind { K_BOOL, K_INT, K_FLOAT };

/* ---- scalars ---- */

/* A Python bool/int/float (or anything with __index__ / __float__, like numpy scalars) as a kind
   and a value. Returns -1 with TypeError when it is not a real number. */
static int scalar_value(PyObject *o, enum kind *k, int64_t *iv, double *dv) {
  if (PyBool_Check(o)) {
    *k = K_BOOL;
    *iv = o == Py_True;
    *dv = (double)*iv;
    return 0;
  }
  if (PyLong_Check(o) || (!PyFloat_Check(o) && PyIndex_Check(o))) {
    int overflow = 0;
    PyObject *n = PyNumber_Index(o);
    if (!n) return -1;
    long long v = PyLong_AsLongLongAndOverflow(n, &overflow);
    Py_DECREF(n);
    if (overflow) {
      PyErr_Format(PyExc_OverflowError, "integer %R does not fit in int64", o);
      return -1;
    }
    if (v == -1 && PyErr_Occurred()) return -1;
    *k = K_INT;
    *iv = v;
    *dv = (double)v;
    return 0;
  }
  if (PyFloat_Check(o) || (!PyComplex_Check(o) && PyNumber_Check(o) && Py_TYPE(o)->tp_as_number->nb_float)) {
    double v = PyFloat_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred()) return -1;
    *k = K_FLOAT;
    *dv = v;
    *iv = 0;
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "cannot make an array from an object of type %s", Py_TYPE(o)->tp_name);
  return -1;
}

static bool is_python_scalar(PyObject *o) {
  return PyBool_Check(o) || PyLong_Check(o) || PyFloat_Check(o);
}

bool wpy_is_operand(PyObject *o) {
  return wpy_is_array(o) || is_python_scalar(o) || PyList_Check(o) || PyTuple_Check(o) || PyObject_CheckBuffer(o);
}

/* Row-major host data of dtype src to an array of dtype t (copied, then converted by libweir). */
static int host_array(const void *data, weir_dtype src, const int64_t *shape, int ndim, weir_dtype t,
                      weir_array **out) {
  weir_array *raw = NULL;
  weir_status st = weir_array_from_data(&raw, data, shape, ndim, src);
  if (st != WEIR_OK) return wpy_raise_int(st);
  if (t == src) {
    *out = raw;
    return 0;
  }
  /* Conversion on the CPU: the values are on the host, and float64 is a CPU dtype. */
  st = weir_astype(out, raw, t, weir_on(WEIR_CPU_DEVICE));
  weir_array_free(raw);
  return st == WEIR_OK ? 0 : wpy_raise_int(st);
}

/* Host values of kind k (int64 or double; bools as int64 0/1) to an array of dtype t. */
static int from_host(const void *data, enum kind k, const int64_t *shape, int ndim, weir_dtype t, weir_array **out) {
  return host_array(data, k == K_FLOAT ? WEIR_FLOAT64 : WEIR_INT64, shape, ndim, t, out);
}

static weir_dtype default_dtype(enum kind k, bool fits_int32) {
  return k == K_BOOL ? WEIR_BOOL : k == K_INT ? (fits_int32 ? WEIR_INT32 : WEIR_INT64) : WEIR_FLOAT32;
}

static int scalar_array(PyObject *o, const weir_dtype *dtype, weir_array **out) {
  enum kind k;
  int64_t iv;
  double dv;
  if (scalar_value(o, &k, &iv, &dv) < 0) return -1;
  weir_dtype t = dtype ? *dtype : default_dtype(k, iv >= INT32_MIN && iv <= INT32_MAX);
  if (k == K_FLOAT || (iv > -(1LL << 53) && iv < (1LL << 53))) { /* exact in a double */
    weir_status st = weir_array_from_scalar(out, k == K_FLOAT ? dv : (double)iv, t);
    return st == WEIR_OK ? 0 : wpy_raise_int(st);
  }
  return from_host(&iv, k, NULL, 0, t, out);
}

/* ---- nested lists ---- */

typedef struct {
  int ndim;
  int64_t shape[WEIR_MAX_NDIM];
  enum kind kind;
  int64_t n, cap;
  void *values; /* int64_t or double, by kind (ints widened to double when a float appears) */
  bool fits_int32;
} gather;

static bool is_nested(PyObject *o) { return PyList_Check(o) || PyTuple_Check(o) || wpy_is_array(o); }

/* Shape from the first element at each level. */
static int infer_shape(PyObject *o, gather *g) {
  PyObject *held = NULL;
  Py_INCREF(o);
  g->ndim = 0;
  while (is_nested(o)) {
    if (g->ndim == WEIR_MAX_NDIM) {
      Py_DECREF(o);
      PyErr_Format(PyExc_ValueError, "array: more than %d nested levels", WEIR_MAX_NDIM);
      return -1;
    }
    if (wpy_is_array(o)) { /* an array inside a list contributes its own shape */
      const int64_t *sh = weir_array_shape(((wpy_array *)o)->a);
      int nd = weir_array_ndim(((wpy_array *)o)->a);
      if (g->ndim + nd > WEIR_MAX_NDIM) {
        Py_DECREF(o);
        PyErr_Format(PyExc_ValueError, "array: more than %d dimensions", WEIR_MAX_NDIM);
        return -1;
      }
      for (int i = 0; i < nd; i++) g->shape[g->ndim++] = sh[i];
      break;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    g->shape[g->ndim++] = n;
    if (n == 0) break;
    held = PySequence_Fast_GET_ITEM(o, 0);
    Py_INCREF(held);
    Py_DECREF(o);
    o = held;
  }
  Py_DECREF(o);
  return 0;
}

static int push_value(gather *g, enum kind k, int64_t iv, double dv) {
  if (g->n == g->cap) {
    int64_t cap = g->cap ? 2 * g->cap : 64;
    void *p = PyMem_Realloc(g->values, (size_t)cap * 8);
    if (!p) {
      PyErr_NoMemory();
      return -1;
    }
    g->values = p;
    g->cap = cap;
  }
  if (k == K_FLOAT && g->kind != K_FLOAT) { /* widen what was gathered so far */
    int64_t *iv_all = g->values;
    double *dv_all = g->values;
    for (int64_t i = 0; i < g->n; i++) dv_all[i] = (double)iv_all[i];
    g->kind = K_FLOAT;
  } else if (k == K_INT && g->kind == K_BOOL) {
    g->kind = K_INT;
  }
  if (g->kind == K_FLOAT) ((double *)g->values)[g->n++] = dv;
  else ((int64_t *)g->values)[g->n++] = iv;
  if (k == K_INT && (iv < INT32_MIN || iv > INT32_MAX)) g->fits_int32 = false;
  return 0;
}

static int gather_values(PyObject *o, gather *g, int level);

/* An array found inside a list: its values, through tolist(). */
static int gather_array(PyObject *o, gather *g, int level) {
  PyObject *lst = wpy_array_tolist(((wpy_array *)o)->a);
  if (!lst) return -1;
  int r = gather_values(lst, g, level);
  Py_DECREF(lst);
  return r;
}

static int gather_values(PyObject *o, gather *g, int level) {
  if (wpy_is_array(o) && level < g->ndim) return gather_array(o, g, level);
  if (level == g->ndim) {
    if (is_nested(o) && !(wpy_is_array(o) && weir_array_ndim(((wpy_array *)o)->a) == 0)) {
      PyErr_SetString(PyExc_ValueError, "array: nested lists have non-uniform lengths (ragged)");
      return -1;
    }
    if (wpy_is_array(o)) return gather_array(o, g, level);
    enum kind k;
    int64_t iv;
    double dv;
    if (scalar_value(o, &k, &iv, &dv) < 0) return -1;
    return push_value(g, k, iv, dv);
  }
  if (!PyList_Check(o) && !PyTuple_Check(o)) {
    PyErr_SetString(PyExc_ValueError, "array: nested lists have non-uniform lengths (ragged)");
    return -1;
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  if (n != g->shape[level]) {
    PyErr_SetString(PyExc_ValueError, "array: nested lists have non-uniform lengths (ragged)");
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++)
    if (gather_values(PySequence_Fast_GET_ITEM(o, i), g, level + 1) < 0) return -1;
  return 0;
}

static int list_array(PyObject *o, const weir_dtype *dtype, weir_array **out) {
  gather g = {.kind = K_BOOL, .fits_int32 = true};
  int r = infer_shape(o, &g);
  if (r == 0) r = gather_values(o, &g, 0);
  if (r == 0) {
    /* An empty list holds no values to infer from: float32, as MLX. */
    weir_dtype t = dtype ? *dtype : g.n == 0 ? WEIR_FLOAT32 : default_dtype(g.kind, g.fits_int32);
    int64_t placeholder = 0;
    r = from_host(g.values ? g.values : &placeholder, g.kind, g.shape, g.ndim, t, out);
  }
  PyMem_Free(g.values);
  return r;
}

/* ---- the buffer protocol (numpy) ---- */

static int dtype_of_format(const char *fmt, Py_ssize_t itemsize, weir_dtype *out) {
  if (!fmt) fmt = "B";
  if (*fmt == '<' || *fmt == '=' || *fmt == '@' || *fmt == '|') fmt++;
  if (*fmt == '>' || *fmt == '!') return -1;
  if (fmt[0] == 0 || fmt[1] != 0) return -1;
  switch (*fmt) {
  case '?': *out = WEIR_BOOL; return 0;
  case 'e': *out = WEIR_FLOAT16; return 0;
  case 'f': *out = WEIR_FLOAT32; return 0;
  case 'd': *out = WEIR_FLOAT64; return 0;
  case 'b': case 'h': case 'i': case 'l': case 'q':
    *out = itemsize == 1 ? WEIR_INT8 : itemsize == 2 ? WEIR_INT16 : itemsize == 4 ? WEIR_INT32 : WEIR_INT64;
    return itemsize == 1 || itemsize == 2 || itemsize == 4 || itemsize == 8 ? 0 : -1;
  case 'B': case 'H': case 'I': case 'L': case 'Q':
    *out = itemsize == 1 ? WEIR_UINT8 : itemsize == 2 ? WEIR_UINT16 : itemsize == 4 ? WEIR_UINT32 : WEIR_UINT64;
    return itemsize == 1 || itemsize == 2 || itemsize == 4 || itemsize == 8 ? 0 : -1;
  default: return -1;
  }
}

static int buffer_array(PyObject *o, const weir_dtype *dtype, weir_array **out) {
  Py_buffer view;
  if (PyObject_GetBuffer(o, &view, PyBUF_RECORDS_RO) < 0) return -1;
  weir_dtype src;
  int r = -1;
  if (view.ndim > WEIR_MAX_NDIM) {
    PyErr_Format(PyExc_ValueError, "array: %d dimensions, weir supports at most %d", view.ndim, WEIR_MAX_NDIM);
  } else if (dtype_of_format(view.format, view.itemsize, &src) < 0) {
    PyErr_Format(PyExc_TypeError, "array: unsupported buffer format '%s'", view.format ? view.format : "B");
  } else {
    int64_t shape[WEIR_MAX_NDIM];
    for (int i = 0; i < view.ndim; i++) shape[i] = view.shape[i];
    void *tmp = NULL;
    const void *data = view.buf;
    if (!PyBuffer_IsContiguous(&view, 'C')) {
      tmp = PyMem_Malloc(view.len ? (size_t)view.len : 1);
      if (!tmp) PyErr_NoMemory();
      else if (PyBuffer_ToContiguous(tmp, &view, view.len, 'C') < 0) Py_CLEAR(tmp);
      data = tmp;
    }
    if (data) {
      /* MLX's rule: float64 data becomes float32 unless float64 is asked for. */
      weir_dtype t = dtype ? *dtype : src == WEIR_FLOAT64 ? WEIR_FLOAT32 : src;
      r = host_array(data, src, shape, view.ndim, t, out);
    }
    PyMem_Free(tmp);
  }
  PyBuffer_Release(&view);
  return r;
}

int wpy_array_from_object(PyObject *o, const weir_dtype *dtype, weir_array **out) {
  if (wpy_is_array(o)) {
    weir_array *a = ((wpy_array *)o)->a;
    if (!dtype || *dtype == weir_array_dtype(a)) {
      *out = weir_array_retain(a);
      return 0;
    }
    weir_status st = weir_astype(out, a, *dtype, WEIR_DEFAULT);
    return st == WEIR_OK ? 0 : wpy_raise_int(st);
  }
  if (PyList_Check(o) || PyTuple_Check(o)) return list_array(o, dtype, out);
  if (PyObject_CheckBuffer(o) && !PyBytes_Check(o) && !PyByteArray_Check(o) && !PyUnicode_Check(o))
    return buffer_array(o, dtype, out);
  return scalar_array(o, dtype, out);
}

/* ---- weak scalars ---- */

int wpy_operand(PyObject *o, const weir_array *other, const char *op, weir_array **out) {
  if (wpy_is_array(o)) {
    *out = weir_array_retain(((wpy_array *)o)->a);
    return 0;
  }
  if (!other || !is_python_scalar(o)) {
    if (!wpy_is_operand(o)) {
      PyErr_Format(PyExc_TypeError, "%s: operands must be arrays or Python scalars, got %s", op, Py_TYPE(o)->tp_name);
      return -1;
    }
    return wpy_array_from_object(o, NULL, out);
  }
  enum kind k;
  int64_t iv;
  double dv;
  if (scalar_value(o, &k, &iv, &dv) < 0) return -1;
  weir_dtype t = weir_array_dtype(other), use;
  if (k == K_BOOL) use = t;
  else if (k == K_INT) use = t == WEIR_BOOL ? WEIR_INT32 : t;
  else use = wpy_dtype_is_float(t) ? t : WEIR_FLOAT32;
  if (k == K_INT && wpy_dtype_is_int(use)) { /* MLX refuses a weak int that the dtype cannot hold */
    static const int64_t lo[] = {[WEIR_UINT8] = 0, [WEIR_UINT16] = 0, [WEIR_UINT32] = 0, [WEIR_UINT64] = 0,
                                 [WEIR_INT8] = INT8_MIN, [WEIR_INT16] = INT16_MIN, [WEIR_INT32] = INT32_MIN,
                                 [WEIR_INT64] = INT64_MIN};
    static const int64_t hi[] = {[WEIR_UINT8] = UINT8_MAX, [WEIR_UINT16] = UINT16_MAX, [WEIR_UINT32] = UINT32_MAX,
                                 [WEIR_UINT64] = INT64_MAX, [WEIR_INT8] = INT8_MAX, [WEIR_INT16] = INT16_MAX,
                                 [WEIR_INT32] = INT32_MAX, [WEIR_INT64] = INT64_MAX};
    if (iv < lo[use] || iv > hi[use]) {
      PyErr_Format(PyExc_ValueError, "%s: converting %lld to %s would overflow", op, (long long)iv,
                   weir_dtype_name(use));
      return -1;
    }
  }
  return scalar_array(o, &use, out);
}

/* ---- host reads ---- */

int wpy_array_host_data(const weir_array *a, const void **out) {
  weir_status st;
  Py_BEGIN_ALLOW_THREADS
  st = weir_array_data(a, out);
  Py_END_ALLOW_THREADS
  return st == WEIR_OK ? 0 : wpy_raise_int(st);
}

static PyObject *element(const char *p, weir_dtype t) {
  switch (t) {
  case WEIR_BOOL: return PyBool_FromLong(*(const bool *)p);
  case WEIR_UINT8: return PyLong_FromUnsignedLong(*(const uint8_t *)p);
  case WEIR_UINT16: return PyLong_FromUnsignedLong(*(const uint16_t *)p);
  case WEIR_UINT32: return PyLong_FromUnsignedLong(*(const uint32_t *)p);
  case WEIR_UINT64: return PyLong_FromUnsignedLongLong(*(const uint64_t *)p);
  case WEIR_INT8: return PyLong_FromLong(*(const int8_t *)p);
  case WEIR_INT16: return PyLong_FromLong(*(const int16_t *)p);
  case WEIR_INT32: return PyLong_FromLong(*(const int32_t *)p);
  case WEIR_INT64: return PyLong_FromLongLong(*(const int64_t *)p);
  case WEIR_FLOAT32: return PyFloat_FromDouble(*(const float *)p);
  case WEIR_FLOAT64: return PyFloat_FromDouble(*(const double *)p);
  default: return PyErr_Format(PyExc_SystemError, "weir.core: unexpected dtype %d", (int)t);
  }
}

static PyObject *nest(const char **p, weir_dtype t, const int64_t *shape, int ndim) {
  if (ndim == 0) {
    PyObject *v = element(*p, t);
    *p += weir_dtype_size(t);
    return v;
  }
  PyObject *lst = PyList_New((Py_ssize_t)shape[0]);
  for (int64_t i = 0; lst && i < shape[0]; i++) {
    PyObject *v = nest(p, t, shape + 1, ndim - 1);
    if (!v) Py_CLEAR(lst);
    else PyList_SET_ITEM(lst, (Py_ssize_t)i, v);
  }
  return lst;
}

/* float16/bfloat16 values are read through a float32 copy (libweir converts). */
static int readable(weir_array *a, weir_array **r) {
  weir_dtype t = weir_array_dtype(a);
  if (t != WEIR_FLOAT16 && t != WEIR_BFLOAT16) {
    *r = weir_array_retain(a);
    return 0;
  }
  weir_status st = weir_astype(r, a, WEIR_FLOAT32, weir_on(WEIR_CPU_DEVICE));
  return st == WEIR_OK ? 0 : wpy_raise_int(st);
}

PyObject *wpy_array_tolist(weir_array *a) {
  weir_array *r;
  if (readable(a, &r) < 0) return NULL;
  const void *data;
  PyObject *out = NULL;
  if (wpy_array_host_data(r, &data) == 0) {
    const char *p = data;
    out = nest(&p, weir_array_dtype(r), weir_array_shape(r), weir_array_ndim(r));
  }
  weir_array_free(r);
  return out;
}

PyObject *wpy_array_item(weir_array *a) {
  if (weir_array_size(a) != 1)
    return PyErr_Format(PyExc_ValueError, "item() needs an array of exactly one element, this one has %lld",
                        (long long)weir_array_size(a));
  weir_array *r;
  if (readable(a, &r) < 0) return NULL;
  const void *data;
  PyObject *out = NULL;
  if (wpy_array_host_data(r, &data) == 0) out = element(data, weir_array_dtype(r));
  weir_array_free(r);
  return out;
}
