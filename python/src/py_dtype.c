/* mx.Dtype and its instances mx.bool_ ... mx.float64. They print as MLX prints them
   ("mlx.core.float32"), so output written for MLX reads the same. */

#include "wpy.h"

#define WPY_NDTYPES ((int)WEIR_FLOAT64 + 1)
static PyObject *instances[WPY_NDTYPES];

static const char *attr_name(weir_dtype t) { return t == WEIR_BOOL ? "bool_" : weir_dtype_name(t); }

static PyObject *dtype_repr(PyObject *self) {
  return PyUnicode_FromFormat("mlx.core.%s", weir_dtype_name(((wpy_dtype *)self)->t));
}

static Py_hash_t dtype_hash(PyObject *self) { return (Py_hash_t)((wpy_dtype *)self)->t + 1; }

static PyObject *dtype_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, &wpy_dtype_type)) Py_RETURN_NOTIMPLEMENTED;
  bool eq = ((wpy_dtype *)a)->t == ((wpy_dtype *)b)->t;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *dtype_size(PyObject *self, void *closure) {
  (void)closure;
  return PyLong_FromSize_t(weir_dtype_size(((wpy_dtype *)self)->t));
}

static PyGetSetDef dtype_getset[] = {{"size", dtype_size, NULL, "Size of one element in bytes.", NULL},
                                     {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject wpy_dtype_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "weir.core.Dtype",
    .tp_basicsize = sizeof(wpy_dtype),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An array's element type (mx.float32, mx.int32, ...).",
    .tp_repr = dtype_repr,
    .tp_hash = dtype_hash,
    .tp_richcompare = dtype_richcompare,
    .tp_getset = dtype_getset,
};

int wpy_dtype_init(PyObject *module) {
  if (PyType_Ready(&wpy_dtype_type) < 0) return -1;
  Py_INCREF(&wpy_dtype_type);
  if (PyModule_AddObject(module, "Dtype", (PyObject *)&wpy_dtype_type) < 0) return -1;
  for (int t = 0; t < WPY_NDTYPES; t++) {
    wpy_dtype *o = PyObject_New(wpy_dtype, &wpy_dtype_type);
    if (!o) return -1;
    o->t = (weir_dtype)t;
    instances[t] = (PyObject *)o;
    Py_INCREF(o);
    if (PyModule_AddObject(module, attr_name((weir_dtype)t), (PyObject *)o) < 0) return -1;
  }
  return 0;
}

PyObject *wpy_dtype_object(weir_dtype t) {
  PyObject *o = instances[(int)t];
  Py_INCREF(o);
  return o;
}

int wpy_dtype_from_object(PyObject *o, const char *what, weir_dtype *out) {
  if (PyObject_TypeCheck(o, &wpy_dtype_type)) {
    *out = ((wpy_dtype *)o)->t;
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "%s must be a Dtype such as mx.float32, got %s", what, Py_TYPE(o)->tp_name);
  return -1;
}

int wpy_dtype_converter(PyObject *o, void *out) {
  if (o == Py_None) return 1;
  return wpy_dtype_from_object(o, "dtype", (weir_dtype *)out) == 0;
}
