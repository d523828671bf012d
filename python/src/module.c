/* weir.core: module initialisation, the submodules (random, cuda, metal) and the error mapping. */
#include "wpy.h"

PyObject *wpy_raise(weir_status st) {
  PyObject *exc;
  switch (st) {
  case WEIR_ERR_INVALID_ARGUMENT:
  case WEIR_ERR_UNSUPPORTED: exc = PyExc_ValueError; break;
  case WEIR_ERR_INDEX: exc = PyExc_IndexError; break;
  case WEIR_ERR_TYPE: exc = PyExc_TypeError; break;
  case WEIR_ERR_OUT_OF_MEMORY: exc = PyExc_MemoryError; break;
  default: exc = PyExc_RuntimeError; break;
  }
  const char *msg = weir_last_error();
  PyErr_SetString(exc, msg && *msg ? msg : weir_status_name(st));
  return NULL;
}

int wpy_raise_int(weir_status st) {
  wpy_raise(st);
  return -1;
}

static PyObject *cuda_is_available(PyObject *self, PyObject *noargs) {
  (void)self, (void)noargs;
  return PyBool_FromLong(weir_device_count(WEIR_GPU) > 0);
}

static PyObject *metal_is_available(PyObject *self, PyObject *noargs) {
  (void)self, (void)noargs;
  Py_RETURN_FALSE;
}

static PyMethodDef cuda_functions[] = {
    {"is_available", cuda_is_available, METH_NOARGS, "is_available() -> bool\n\nWhether weir sees a CUDA GPU."},
    {NULL, NULL, 0, NULL}};
static PyMethodDef metal_functions[] = {
    {"is_available", metal_is_available, METH_NOARGS, "is_available() -> bool\n\nAlways False: weir has no Metal backend."},
    {NULL, NULL, 0, NULL}};

/* Adds functions to a module object. */
static int add_functions(PyObject *m, PyMethodDef *defs) {
  PyObject *name = PyModule_GetNameObject(m);
  if (!name) return -1;
  for (PyMethodDef *d = defs; d->ml_name; d++) {
    PyObject *f = PyCFunction_NewEx(d, NULL, name);
    if (!f || PyModule_AddObject(m, d->ml_name, f) < 0) {
      Py_XDECREF(f);
      Py_DECREF(name);
      return -1;
    }
  }
  Py_DECREF(name);
  return 0;
}

/* weir.core.<name>: a submodule object, attribute of core and registered in sys.modules so that
   `import weir.core.random` works as well as `mx.random`. */
static int add_submodule(PyObject *core, const char *name, PyMethodDef *defs, const char *doc) {
  char full[64];
  snprintf(full, sizeof full, "weir.core.%s", name);
  PyObject *m = PyModule_New(full);
  if (!m) return -1;
  if (PyModule_SetDocString(m, doc) < 0 || add_functions(m, defs) < 0) {
    Py_DECREF(m);
    return -1;
  }
  PyObject *modules = PyImport_GetModuleDict();
  if (PyDict_SetItemString(modules, full, m) < 0) {
    Py_DECREF(m);
    return -1;
  }
  return PyModule_AddObject(core, name, m) < 0 ? (Py_DECREF(m), -1) : 0;
}

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "weir.core",
    .m_doc = "weir.core: MLX's device-and-stream array API over libweir (import weir.core as mx).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_core(void) {
  PyObject *m = PyModule_Create(&core_module);
  if (!m) return NULL;
  if (wpy_dtype_init(m) < 0 || wpy_device_init(m) < 0 || wpy_stream_init(m) < 0 || wpy_array_init(m) < 0 ||
      add_functions(m, wpy_device_functions) < 0 || add_functions(m, wpy_stream_functions) < 0 ||
      add_functions(m, wpy_op_functions) < 0 || add_functions(m, wpy_select_functions) < 0 ||
      add_functions(m, wpy_composite_functions) < 0 ||
      add_functions(m, wpy_runtime_functions) < 0 ||
      add_submodule(m, "random", wpy_random_functions, "Random numbers: counter-based, keyed (MLX's mx.random).") < 0 ||
      add_submodule(m, "cuda", cuda_functions, "CUDA backend queries.") < 0 ||
      add_submodule(m, "metal", metal_functions, "Metal backend queries (weir has none).") < 0 ||
      PyModule_AddStringConstant(m, "__version__", "0.1.0") < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
