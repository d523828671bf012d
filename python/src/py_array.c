/* mx.array: construction, attributes, host reads (item, tolist, repr, the buffer protocol,
   __array__), Python's operators, and the methods that mirror mx functions. Arrays are
   immutable values, hashable by identity, as in MLX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wpy.h"

PyObject *wpy_array_wrap(weir_array *a) {
  if (!a) return NULL;
  wpy_array *o = PyObject_New(wpy_array, &wpy_array_type);
  if (!o) {
    weir_array_free(a);
    return NULL;
  }
  o->a = a;
  return (PyObject *)o;
}

static weir_array *A(PyObject *o) { return ((wpy_array *)o)->a; }

static PyObject *array_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  (void)type;
  static char *kwlist[] = {"val", "dtype", NULL};
  PyObject *val;
  weir_dtype t = WEIR_FLOAT32;
  PyObject *dt = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:array", kwlist, &val, &dt)) return NULL;
  if (dt != Py_None && wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  weir_array *a = NULL;
  if (wpy_array_from_object(val, dt == Py_None ? NULL : &t, &a) < 0) return NULL;
  return wpy_array_wrap(a);
}

static void array_dealloc(PyObject *self) {
  weir_array_free(A(self));
  Py_TYPE(self)->tp_free(self);
}

static Py_hash_t array_hash(PyObject *self) {
  Py_hash_t h = (Py_hash_t)((uintptr_t)self >> 4);
  return h == -1 ? -2 : h;
}

/* ---- attributes ---- */

static PyObject *get_shape(PyObject *self, void *c) {
  (void)c;
  int nd = weir_array_ndim(A(self));
  const int64_t *sh = weir_array_shape(A(self));
  PyObject *t = PyTuple_New(nd);
  for (int i = 0; t && i < nd; i++) {
    PyObject *v = PyLong_FromLongLong(sh[i]);
    if (!v) Py_CLEAR(t);
    else PyTuple_SET_ITEM(t, i, v);
  }
  return t;
}
static PyObject *get_dtype(PyObject *self, void *c) {
  (void)c;
  return wpy_dtype_object(weir_array_dtype(A(self)));
}
static PyObject *get_ndim(PyObject *self, void *c) {
  (void)c;
  return PyLong_FromLong(weir_array_ndim(A(self)));
}
static PyObject *get_size(PyObject *self, void *c) {
  (void)c;
  return PyLong_FromLongLong(weir_array_size(A(self)));
}
static PyObject *get_itemsize(PyObject *self, void *c) {
  (void)c;
  return PyLong_FromSize_t(weir_dtype_size(weir_array_dtype(A(self))));
}
static PyObject *get_nbytes(PyObject *self, void *c) {
  (void)c;
  return PyLong_FromSize_t(weir_array_nbytes(A(self)));
}
static PyObject *get_T(PyObject *self, void *c) {
  (void)c;
  weir_array *out = NULL;
  weir_status st = weir_transpose(&out, A(self), NULL, 0, WEIR_DEFAULT);
  return st == WEIR_OK ? wpy_array_wrap(out) : wpy_raise(st);
}
static PyObject *get_stream(PyObject *self, void *c) {
  (void)c;
  return wpy_stream_new(weir_array_stream(A(self)));
}

static PyGetSetDef array_getset[] = {
    {"shape", get_shape, NULL, "The shape, a tuple of ints.", NULL},
    {"dtype", get_dtype, NULL, "The element type.", NULL},
    {"ndim", get_ndim, NULL, "Number of dimensions.", NULL},
    {"size", get_size, NULL, "Number of elements.", NULL},
    {"itemsize", get_itemsize, NULL, "Size of one element in bytes.", NULL},
    {"nbytes", get_nbytes, NULL, "Size of the data in bytes.", NULL},
    {"T", get_T, NULL, "The array with its axes reversed.", NULL},
    {"stream", get_stream, NULL, "The stream that computes this array (weir).", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

/* ---- host reads ---- */

static PyObject *array_repr(PyObject *self) {
  char *s = NULL;
  weir_status st;
  weir_array *a = weir_array_retain(A(self)); /* an in-place op in another thread may replace A(self) */
  Py_BEGIN_ALLOW_THREADS
  st = weir_array_tostring(a, &s);
  Py_END_ALLOW_THREADS
  weir_array_free(a);
  if (st != WEIR_OK) return wpy_raise(st);
  PyObject *r = PyUnicode_FromString(s);
  free(s);
  return r;
}

static PyObject *m_item(PyObject *self, PyObject *noargs) {
  (void)noargs;
  return wpy_array_item(A(self));
}

static PyObject *m_tolist(PyObject *self, PyObject *noargs) {
  (void)noargs;
  return wpy_array_tolist(A(self));
}

static PyObject *m_astype(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kwlist[] = {"dtype", "stream", NULL};
  PyObject *dt;
  weir_stream s = WEIR_DEFAULT;
  weir_dtype t;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O&:astype", kwlist, &dt, wpy_stream_converter, &s)) return NULL;
  if (wpy_dtype_from_object(dt, "dtype", &t) < 0) return NULL;
  weir_array *out = NULL;
  weir_status st = weir_astype(&out, A(self), t, s);
  return st == WEIR_OK ? wpy_array_wrap(out) : wpy_raise(st);
}

static const char *buffer_format(weir_dtype t) {
  static const char *f[] = {[WEIR_BOOL] = "?",    [WEIR_UINT8] = "B",   [WEIR_UINT16] = "H",  [WEIR_UINT32] = "I",
                            [WEIR_UINT64] = "Q",  [WEIR_INT8] = "b",    [WEIR_INT16] = "h",   [WEIR_INT32] = "i",
                            [WEIR_INT64] = "q",   [WEIR_FLOAT16] = "e", [WEIR_BFLOAT16] = NULL, [WEIR_FLOAT32] = "f",
                            [WEIR_FLOAT64] = "d"};
  return f[t];
}

/* The buffer protocol: a read-only, row-major host view. The view holds the weir array it was
   made from (not only the Python object, whose array an in-place operator replaces), so its
   memory stays valid until the view is released. GPU arrays are copied to the host first. */
typedef struct {
  weir_array *a;
  Py_ssize_t dims[]; /* shape, then strides */
} view_state;

static int array_getbuffer(PyObject *self, Py_buffer *view, int flags) {
  weir_array *a = A(self);
  weir_dtype t = weir_array_dtype(a);
  if (!buffer_format(t)) {
    PyErr_SetString(PyExc_BufferError, "bfloat16 has no buffer format; use astype(mx.float32) first");
    return -1;
  }
  if (flags & PyBUF_WRITABLE) {
    PyErr_SetString(PyExc_BufferError, "weir arrays are read-only");
    return -1;
  }
  const void *data;
  a = weir_array_retain(a); /* before the GIL is released in wpy_array_host_data */
  int nd = weir_array_ndim(a);
  view_state *vs = PyMem_Malloc(sizeof *vs + sizeof(Py_ssize_t) * (size_t)(2 * nd + 1));
  if (!vs) {
    weir_array_free(a);
    PyErr_NoMemory();
    return -1;
  }
  if (wpy_array_host_data(a, &data) < 0) {
    weir_array_free(a);
    PyMem_Free(vs);
    return -1;
  }
  vs->a = a;
  Py_ssize_t *dims = vs->dims;
  Py_ssize_t itemsize = (Py_ssize_t)weir_dtype_size(t), stride = itemsize;
  const int64_t *sh = weir_array_shape(a);
  for (int i = nd - 1; i >= 0; i--) {
    dims[i] = (Py_ssize_t)sh[i];
    dims[nd + i] = stride;
    stride *= (Py_ssize_t)sh[i];
  }
  view->buf = (void *)data;
  view->obj = self;
  Py_INCREF(self);
  view->len = (Py_ssize_t)weir_array_nbytes(a);
  view->readonly = 1;
  view->itemsize = itemsize;
  view->format = (flags & PyBUF_FORMAT) ? (char *)buffer_format(t) : NULL;
  view->ndim = nd;
  view->shape = (flags & PyBUF_ND) ? dims : NULL;
  view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? dims + nd : NULL;
  view->suboffsets = NULL;
  view->internal = vs;
  return 0;
}

static void array_releasebuffer(PyObject *self, Py_buffer *view) {
  (void)self;
  view_state *vs = view->internal;
  weir_array_free(vs->a);
  PyMem_Free(vs);
}

static PyBufferProcs array_as_buffer = {array_getbuffer, array_releasebuffer};

/* __array__(dtype=None, copy=None): a numpy copy; bfloat16 goes through float32. */
static PyObject *m_array(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kwlist[] = {"dtype", "copy", NULL};
  PyObject *dtype = Py_None, *copy = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:__array__", kwlist, &dtype, &copy)) return NULL;
  PyObject *src = self;
  if (weir_array_dtype(A(self)) == WEIR_BFLOAT16) {
    weir_array *f = NULL;
    weir_status st = weir_astype(&f, A(self), WEIR_FLOAT32, weir_on(WEIR_CPU_DEVICE));
    if (st != WEIR_OK) return wpy_raise(st);
    if (!(src = wpy_array_wrap(f))) return NULL;
  } else {
    Py_INCREF(src);
  }
  PyObject *np = PyImport_ImportModule("numpy"), *r = NULL;
  PyObject *mv = np ? PyMemoryView_FromObject(src) : NULL;
  if (mv) r = PyObject_CallMethod(np, "array", "OO", mv, dtype);
  Py_XDECREF(mv);
  Py_XDECREF(np);
  Py_DECREF(src);
  return r;
}

static PyObject *m_copy_self(PyObject *self, PyObject *args) {
  (void)args;
  Py_INCREF(self);
  return self;
}

/* ---- Python's operators ---- */

#define BINARY_SLOT(slot, fn, name) \
  static PyObject *slot(PyObject *a, PyObject *b) { return wpy_binary(fn, name, a, b, WEIR_DEFAULT); }
BINARY_SLOT(nb_add, weir_add, "add")
BINARY_SLOT(nb_subtract, weir_subtract, "subtract")
BINARY_SLOT(nb_multiply, weir_multiply, "multiply")
BINARY_SLOT(nb_divide, weir_divide, "divide")
BINARY_SLOT(nb_floor_divide, weir_floor_divide, "floor_divide")
BINARY_SLOT(nb_remainder, weir_remainder, "remainder")
BINARY_SLOT(nb_matmul, weir_matmul, "matmul")
/* & | ^ ~ are bitwise (on bool arrays the logical ops), as in MLX. */
BINARY_SLOT(nb_and, weir_bitwise_and, "bitwise_and")
BINARY_SLOT(nb_or, weir_bitwise_or, "bitwise_or")
BINARY_SLOT(nb_xor, weir_bitwise_xor, "bitwise_xor")
BINARY_SLOT(nb_lshift, weir_left_shift, "left_shift")
BINARY_SLOT(nb_rshift, weir_right_shift, "right_shift")
#undef BINARY_SLOT

static PyObject *nb_power(PyObject *a, PyObject *b, PyObject *mod) {
  if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
  return wpy_binary(weir_power, "power", a, b, WEIR_DEFAULT);
}
static PyObject *nb_invert(PyObject *a) { return wpy_unary(weir_bitwise_invert, a, WEIR_DEFAULT); }

/* a op= b: as in MLX, the array object itself takes the result (every name bound to it sees the
   new value; dtype and shape may change). r is the fresh result of a op b, consumed. */
static PyObject *take_result(PyObject *self, PyObject *r) {
  if (!r || r == Py_NotImplemented || r == self || !wpy_is_array(r)) return r;
  weir_array *old = A(self);
  ((wpy_array *)self)->a = A(r);
  ((wpy_array *)r)->a = old; /* freed with r */
  Py_DECREF(r);
  Py_INCREF(self);
  return self;
}
#define INPLACE_SLOT(slot, of) \
  static PyObject *slot(PyObject *a, PyObject *b) { return take_result(a, of(a, b)); }
INPLACE_SLOT(nb_inplace_add, nb_add)
INPLACE_SLOT(nb_inplace_subtract, nb_subtract)
INPLACE_SLOT(nb_inplace_multiply, nb_multiply)
INPLACE_SLOT(nb_inplace_divide, nb_divide)
INPLACE_SLOT(nb_inplace_floor_divide, nb_floor_divide)
INPLACE_SLOT(nb_inplace_remainder, nb_remainder)
INPLACE_SLOT(nb_inplace_matmul, nb_matmul)
INPLACE_SLOT(nb_inplace_and, nb_and)
INPLACE_SLOT(nb_inplace_or, nb_or)
INPLACE_SLOT(nb_inplace_xor, nb_xor)
INPLACE_SLOT(nb_inplace_lshift, nb_lshift)
INPLACE_SLOT(nb_inplace_rshift, nb_rshift)
#undef INPLACE_SLOT
static PyObject *nb_inplace_power(PyObject *a, PyObject *b, PyObject *mod) {
  return take_result(a, nb_power(a, b, mod));
}
static PyObject *nb_negative(PyObject *a) { return wpy_unary(weir_negative, a, WEIR_DEFAULT); }
static PyObject *nb_absolute(PyObject *a) { return wpy_unary(weir_abs, a, WEIR_DEFAULT); }
static PyObject *nb_positive(PyObject *a) {
  Py_INCREF(a);
  return a;
}

static int nb_bool(PyObject *self) {
  PyObject *v = wpy_array_item(A(self));
  if (!v) return -1;
  int r = PyObject_IsTrue(v);
  Py_DECREF(v);
  return r;
}

static PyObject *nb_int(PyObject *self) {
  PyObject *v = wpy_array_item(A(self));
  if (!v) return NULL;
  PyObject *r = PyNumber_Long(v);
  Py_DECREF(v);
  return r;
}

static PyObject *nb_float(PyObject *self) {
  PyObject *v = wpy_array_item(A(self));
  if (!v) return NULL;
  PyObject *r = PyNumber_Float(v);
  Py_DECREF(v);
  return r;
}

static PyNumberMethods array_as_number = {
    .nb_add = nb_add,
    .nb_subtract = nb_subtract,
    .nb_multiply = nb_multiply,
    .nb_true_divide = nb_divide,
    .nb_power = nb_power,
    .nb_negative = nb_negative,
    .nb_positive = nb_positive,
    .nb_absolute = nb_absolute,
    .nb_bool = nb_bool,
    .nb_invert = nb_invert,
    .nb_and = nb_and,
    .nb_or = nb_or,
    .nb_xor = nb_xor,
    .nb_lshift = nb_lshift,
    .nb_rshift = nb_rshift,
    .nb_floor_divide = nb_floor_divide,
    .nb_remainder = nb_remainder,
    .nb_inplace_add = nb_inplace_add,
    .nb_inplace_subtract = nb_inplace_subtract,
    .nb_inplace_multiply = nb_inplace_multiply,
    .nb_inplace_true_divide = nb_inplace_divide,
    .nb_inplace_floor_divide = nb_inplace_floor_divide,
    .nb_inplace_remainder = nb_inplace_remainder,
    .nb_inplace_power = nb_inplace_power,
    .nb_inplace_matrix_multiply = nb_inplace_matmul,
    .nb_inplace_and = nb_inplace_and,
    .nb_inplace_or = nb_inplace_or,
    .nb_inplace_xor = nb_inplace_xor,
    .nb_inplace_lshift = nb_inplace_lshift,
    .nb_inplace_rshift = nb_inplace_rshift,
    .nb_int = nb_int,
    .nb_float = nb_float,
    .nb_matrix_multiply = nb_matmul,
};

static PyObject *array_richcompare(PyObject *a, PyObject *b, int op) {
  /* Comparing with something that is not array-like (None, a string) is not elementwise. */
  if (!wpy_is_operand(wpy_is_array(a) ? b : a)) Py_RETURN_NOTIMPLEMENTED;
  switch (op) {
  case Py_EQ: return wpy_binary(weir_equal, "equal", a, b, WEIR_DEFAULT);
  case Py_NE: return wpy_binary(weir_not_equal, "not_equal", a, b, WEIR_DEFAULT);
  case Py_LT: return wpy_binary(weir_less, "less", a, b, WEIR_DEFAULT);
  case Py_LE: return wpy_binary(weir_less_equal, "less_equal", a, b, WEIR_DEFAULT);
  case Py_GT: return wpy_binary(weir_greater, "greater", a, b, WEIR_DEFAULT);
  default: return wpy_binary(weir_greater_equal, "greater_equal", a, b, WEIR_DEFAULT);
  }
}

/* ---- length, iteration, indexing ---- */

static Py_ssize_t array_length(PyObject *self) {
  if (weir_array_ndim(A(self)) == 0) {
    PyErr_SetString(PyExc_TypeError, "len() of a 0-dimensional array");
    return -1;
  }
  return (Py_ssize_t)weir_array_shape(A(self))[0];
}

static PyObject *array_sq_item(PyObject *self, Py_ssize_t i) {
  PyObject *key = PyLong_FromSsize_t(i);
  if (!key) return NULL;
  PyObject *r = wpy_array_getitem(self, key);
  Py_DECREF(key);
  return r;
}

static PyObject *array_iter(PyObject *self) {
  if (weir_array_ndim(A(self)) == 0) return PyErr_Format(PyExc_TypeError, "iteration over a 0-dimensional array");
  return PySeqIter_New(self);
}

static PyMappingMethods array_as_mapping = {
    .mp_length = array_length, .mp_subscript = wpy_array_getitem, .mp_ass_subscript = wpy_array_setitem};
static PySequenceMethods array_as_sequence = {.sq_length = array_length, .sq_item = array_sq_item};

static PyMethodDef array_methods[] = {
    {"item", m_item, METH_NOARGS, "item() -> scalar\n\nThe value of a one-element array as a Python scalar."},
    {"tolist", m_tolist, METH_NOARGS, "tolist() -> list | scalar\n\nThe values as nested Python lists."},
    {"astype", (PyCFunction)(void (*)(void))m_astype, METH_VARARGS | METH_KEYWORDS,
     "astype(dtype, stream=None) -> array\n\nThe array converted to dtype."},
    {"__array__", (PyCFunction)(void (*)(void))m_array, METH_VARARGS | METH_KEYWORDS,
     "__array__(dtype=None, copy=None) -> numpy.ndarray"},
    {"__copy__", m_copy_self, METH_NOARGS, "Arrays are immutable: the copy is the array."},
    {"__deepcopy__", m_copy_self, METH_O, "Arrays are immutable: the copy is the array."},
    {NULL, NULL, 0, NULL}};

PyTypeObject wpy_array_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "weir.core.array",
    .tp_basicsize = sizeof(wpy_array),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "array(val, dtype=None): an n-d array, computed lazily on a stream.\n\n"
              "val: a Python scalar, nested lists/tuples, an object with the buffer protocol (numpy), or an array.",
    .tp_new = array_tp_new,
    .tp_dealloc = array_dealloc,
    .tp_repr = array_repr,
    .tp_str = array_repr,
    .tp_hash = array_hash,
    .tp_richcompare = array_richcompare,
    .tp_iter = array_iter,
    .tp_as_number = &array_as_number,
    .tp_as_mapping = &array_as_mapping,
    .tp_as_sequence = &array_as_sequence,
    .tp_as_buffer = &array_as_buffer,
    .tp_getset = array_getset,
    .tp_methods = array_methods,
};

int wpy_array_init(PyObject *module) {
  /* The methods that mirror mx functions (sum, reshape, ...) join the type's own. */
  size_t n_own = sizeof array_methods / sizeof array_methods[0] - 1, n_ops = 0, n_sel = 0;
  while (wpy_array_op_methods[n_ops].ml_name) n_ops++;
  while (wpy_array_select_methods[n_sel].ml_name) n_sel++;
  size_t n_cmp = 0;
  while (wpy_array_composite_methods[n_cmp].ml_name) n_cmp++;
  PyMethodDef *all = PyMem_Calloc(n_own + n_ops + n_sel + n_cmp + 1, sizeof *all);
  if (!all) return -1;
  memcpy(all, array_methods, n_own * sizeof *all);
  memcpy(all + n_own, wpy_array_op_methods, n_ops * sizeof *all);
  memcpy(all + n_own + n_ops, wpy_array_select_methods, n_sel * sizeof *all);
  memcpy(all + n_own + n_ops + n_sel, wpy_array_composite_methods, n_cmp * sizeof *all);
  wpy_array_type.tp_methods = all; /* lives as long as the type */
  if (PyType_Ready(&wpy_array_type) < 0) return -1;
  Py_INCREF(&wpy_array_type);
  return PyModule_AddObject(module, "array", (PyObject *)&wpy_array_type);
}
