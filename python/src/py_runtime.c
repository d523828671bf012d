/* eval / async_eval over trees of arrays, the memory functions, and capture. Every wait runs
   with the GIL released, so other Python threads keep running. */
#include "wpy.h"

typedef struct {
  weir_array **v;
  size_t n, cap;
} array_list;

static int collect(PyObject *o, array_list *l, int depth) {
  if (depth > 256) {
    PyErr_SetString(PyExc_RecursionError, "eval: the tree of arrays is nested too deeply");
    return -1;
  }
  if (wpy_is_array(o)) {
    if (l->n == l->cap) {
      size_t cap = l->cap ? 2 * l->cap : 16;
      weir_array **p = PyMem_Realloc(l->v, cap * sizeof *p);
      if (!p) {
        PyErr_NoMemory();
        return -1;
      }
      l->v = p;
      l->cap = cap;
    }
    l->v[l->n++] = weir_array_retain(((wpy_array *)o)->a);
    return 0;
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    PyObject *seq = PySequence_Fast(o, "");
    if (!seq) return -1;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++)
      if (collect(PySequence_Fast_GET_ITEM(seq, i), l, depth + 1) < 0) {
        Py_DECREF(seq);
        return -1;
      }
    Py_DECREF(seq);
    return 0;
  }
  if (PyDict_Check(o)) {
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(o, &pos, &k, &v))
      if (collect(v, l, depth + 1) < 0) return -1;
  }
  return 0; /* other leaves are ignored, as in MLX */
}

int wpy_eval_arrays(weir_array *const *arrays, size_t n, bool async) {
  weir_status st;
  Py_BEGIN_ALLOW_THREADS
  st = async ? weir_async_eval(arrays, n) : weir_eval(arrays, n);
  Py_END_ALLOW_THREADS
  return st == WEIR_OK ? 0 : wpy_raise_int(st);
}

static PyObject *eval_tree(PyObject *args, bool async) {
  array_list l = {0};
  int r = collect(args, &l, 0);
  if (r == 0 && l.n) r = wpy_eval_arrays(l.v, l.n, async);
  for (size_t i = 0; i < l.n; i++) weir_array_free(l.v[i]);
  PyMem_Free(l.v);
  if (r < 0) return NULL;
  Py_RETURN_NONE;
}

static PyObject *eval(PyObject *self, PyObject *args) {
  (void)self;
  return eval_tree(args, false);
}

static PyObject *async_eval(PyObject *self, PyObject *args) {
  (void)self;
  return eval_tree(args, true);
}

/* ---- memory ---- */

#define SIZE_GETTER(pyname, cfn)                                   \
  static PyObject *pyname(PyObject *self, PyObject *noargs) {      \
    (void)self, (void)noargs;                                      \
    return PyLong_FromSize_t(cfn());                               \
  }
SIZE_GETTER(get_active_memory, weir_memory_active)
SIZE_GETTER(get_peak_memory, weir_memory_peak)
SIZE_GETTER(get_cache_memory, weir_memory_cache)
SIZE_GETTER(get_memory_limit, weir_memory_limit)
#undef SIZE_GETTER

static PyObject *reset_peak_memory(PyObject *self, PyObject *noargs) {
  (void)self, (void)noargs;
  weir_memory_reset_peak();
  Py_RETURN_NONE;
}

static PyObject *clear_cache(PyObject *self, PyObject *noargs) {
  (void)self, (void)noargs;
  weir_memory_clear_cache();
  Py_RETURN_NONE;
}

static int size_arg(PyObject *o, const char *what, size_t *out) {
  if (!PyLong_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be an int (bytes), got %s", what, Py_TYPE(o)->tp_name);
    return -1;
  }
  if (_PyLong_Sign(o) < 0) {
    PyErr_Format(PyExc_ValueError, "%s must be >= 0", what);
    return -1;
  }
  *out = PyLong_AsSize_t(o);
  return *out == (size_t)-1 && PyErr_Occurred() ? -1 : 0;
}

static PyObject *set_memory_limit(PyObject *self, PyObject *arg) {
  (void)self;
  size_t v;
  if (size_arg(arg, "limit", &v) < 0) return NULL;
  return PyLong_FromSize_t(weir_memory_set_limit(v));
}

static PyObject *set_cache_limit(PyObject *self, PyObject *arg) {
  (void)self;
  size_t v;
  if (size_arg(arg, "limit", &v) < 0) return NULL;
  return PyLong_FromSize_t(weir_memory_set_cache_limit(v));
}

/* ---- capture ---- */

static PyObject *start_capture(PyObject *self, PyObject *arg) {
  (void)self;
  PyObject *path = NULL;
  if (!PyUnicode_FSConverter(arg, &path)) return NULL;
  weir_status st = weir_capture_start(PyBytes_AS_STRING(path));
  Py_DECREF(path);
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

static PyObject *stop_capture(PyObject *self, PyObject *noargs) {
  (void)self, (void)noargs;
  weir_status st;
  Py_BEGIN_ALLOW_THREADS
  st = weir_capture_stop();
  Py_END_ALLOW_THREADS
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

PyMethodDef wpy_runtime_functions[] = {
    {"eval", eval, METH_VARARGS,
     "eval(*args) -> None\n\nEvaluates the arrays in args (arrays, or lists/tuples/dicts of them; other "
     "leaves are ignored) and waits for them."},
    {"async_eval", async_eval, METH_VARARGS,
     "async_eval(*args) -> None\n\nSchedules the arrays in args and returns at once."},
    {"get_active_memory", get_active_memory, METH_NOARGS, "get_active_memory() -> int\n\nBytes held by arrays."},
    {"get_peak_memory", get_peak_memory, METH_NOARGS, "get_peak_memory() -> int\n\nPeak of active memory."},
    {"reset_peak_memory", reset_peak_memory, METH_NOARGS, "reset_peak_memory() -> None\n\nSets the peak to 0."},
    {"get_cache_memory", get_cache_memory, METH_NOARGS, "get_cache_memory() -> int\n\nBytes kept for reuse."},
    {"get_memory_limit", get_memory_limit, METH_NOARGS, "get_memory_limit() -> int"},
    {"clear_cache", clear_cache, METH_NOARGS, "clear_cache() -> None\n\nReleases the cached memory."},
    {"set_memory_limit", set_memory_limit, METH_O,
     "set_memory_limit(limit: int) -> int\n\nSets the limit on active memory; returns the previous one."},
    {"set_cache_limit", set_cache_limit, METH_O,
     "set_cache_limit(limit: int) -> int\n\nSets the limit on cached memory; returns the previous one."},
    {"start_capture", start_capture, METH_O,
     "start_capture(path: str) -> None\n\nRecords every stream's work as Chrome/Perfetto trace JSON."},
    {"stop_capture", stop_capture, METH_NOARGS, "stop_capture() -> None\n\nStops and writes the trace."},
    {NULL, NULL, 0, NULL}};
