/* mx.Stream, mx.StreamContext and the stream functions: default_stream, set_default_stream,
   new_stream, stream, synchronize, clear_streams. Streams are process-wide: any thread may use
   any stream (unlike MLX). A Stream is itself a context manager (`with s:`), and Stream(device)
   makes a new stream, as the seeds use them. */
#include "wpy.h"

PyObject *wpy_stream_new(weir_stream s) {
  wpy_stream *o = PyObject_New(wpy_stream, &wpy_stream_type);
  if (o) o->s = s;
  return (PyObject *)o;
}

int wpy_stream_from_object(PyObject *o, weir_stream *out) {
  if (o == Py_None) {
    *out = WEIR_DEFAULT;
    return 0;
  }
  if (PyObject_TypeCheck(o, &wpy_stream_type)) {
    *out = ((wpy_stream *)o)->s;
    return 0;
  }
  weir_device d;
  if (wpy_device_from_object(o, "stream", &d) == 0) {
    *out = weir_on(d);
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "stream must be a Stream, a Device or a device type (mx.cpu, mx.gpu), got %s",
               Py_TYPE(o)->tp_name);
  return -1;
}

int wpy_stream_converter(PyObject *o, void *out) { return wpy_stream_from_object(o, (weir_stream *)out) == 0; }

/* Streams made through Python, by thread, for clear_streams() (MLX: "destroy all streams created
   in current thread"). Guarded by the GIL. */
typedef struct {
  weir_stream s;
  unsigned long thread;
} made_stream;
static made_stream *made;
static size_t n_made, cap_made;

static PyObject *make_stream(weir_device d) {
  weir_stream s;
  weir_status st = weir_stream_new(d, &s);
  if (st != WEIR_OK) return wpy_raise(st);
  if (n_made == cap_made) {
    size_t cap = cap_made ? 2 * cap_made : 16;
    made_stream *p = PyMem_Realloc(made, cap * sizeof *p);
    if (!p) return PyErr_NoMemory();
    made = p;
    cap_made = cap;
  }
  made[n_made++] = (made_stream){s, PyThread_get_thread_ident()};
  return wpy_stream_new(s);
}

static PyObject *stream_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  (void)type;
  static char *kwlist[] = {"device", NULL};
  PyObject *o = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:Stream", kwlist, &o)) return NULL;
  weir_device d = weir_default_device();
  if (o != Py_None && wpy_device_from_object(o, "device", &d) < 0) return NULL;
  return make_stream(d);
}

static PyObject *stream_repr(PyObject *self) {
  char buf[96];
  weir_stream_tostring(((wpy_stream *)self)->s, buf, sizeof buf);
  return PyUnicode_FromString(buf);
}

static Py_hash_t stream_hash(PyObject *self) {
  Py_hash_t h = ((wpy_stream *)self)->s.index;
  return h == -1 ? -2 : h;
}

static PyObject *stream_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(a, &wpy_stream_type) ||
      !PyObject_TypeCheck(b, &wpy_stream_type))
    Py_RETURN_NOTIMPLEMENTED;
  bool eq = weir_stream_equal(((wpy_stream *)a)->s, ((wpy_stream *)b)->s);
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *stream_get_device(PyObject *self, void *closure) {
  (void)closure;
  return wpy_device_new(((wpy_stream *)self)->s.device);
}

static PyObject *stream_get_index(PyObject *self, void *closure) {
  (void)closure;
  return PyLong_FromLong(((wpy_stream *)self)->s.index);
}

static PyObject *push(weir_stream s) {
  weir_status st = weir_stream_push(s);
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

static PyObject *pop(void) {
  weir_status st = weir_stream_pop();
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_FALSE; /* exceptions propagate */
}

static PyObject *stream_enter(PyObject *self, PyObject *noargs) {
  (void)noargs;
  PyObject *r = push(((wpy_stream *)self)->s);
  if (!r) return NULL;
  Py_DECREF(r);
  Py_INCREF(self);
  return self;
}

static PyObject *stream_exit(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  return pop();
}

static PyGetSetDef stream_getset[] = {{"device", stream_get_device, NULL, "The stream's device.", NULL},
                                      {"index", stream_get_index, NULL, "The stream's process-wide index.", NULL},
                                      {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef stream_methods[] = {
    {"__enter__", stream_enter, METH_NOARGS, "Makes this the calling thread's default stream and device."},
    {"__exit__", stream_exit, METH_VARARGS, "Restores the previous default stream and device."},
    {NULL, NULL, 0, NULL}};

PyTypeObject wpy_stream_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "weir.core.Stream",
    .tp_basicsize = sizeof(wpy_stream),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Stream(device=None): a new in-order queue of work on a device.\n\n"
              "Usable from any thread. `with s:` makes it the calling thread's default stream.",
    .tp_new = stream_tp_new,
    .tp_repr = stream_repr,
    .tp_hash = stream_hash,
    .tp_richcompare = stream_richcompare,
    .tp_getset = stream_getset,
    .tp_methods = stream_methods,
};

/* ---- StreamContext: what mx.stream(s) returns ---- */
typedef struct {
  PyObject_HEAD weir_stream s;
} stream_context;

static PyObject *context_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  static char *kwlist[] = {"s", NULL};
  PyObject *o;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:StreamContext", kwlist, &o)) return NULL;
  weir_stream s;
  if (o == Py_None) return PyErr_Format(PyExc_TypeError, "stream(s) needs a Stream, a Device or a device type");
  if (wpy_stream_from_object(o, &s) < 0) return NULL;
  stream_context *c = (stream_context *)type->tp_alloc(type, 0);
  if (c) c->s = s;
  return (PyObject *)c;
}

static PyObject *context_enter(PyObject *self, PyObject *noargs) {
  (void)noargs;
  return push(((stream_context *)self)->s);
}

static PyObject *context_exit(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  return pop();
}

static PyMethodDef context_methods[] = {
    {"__enter__", context_enter, METH_NOARGS, "Sets the calling thread's default device and stream."},
    {"__exit__", context_exit, METH_VARARGS, "Restores them."},
    {NULL, NULL, 0, NULL}};

PyTypeObject wpy_stream_context_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "weir.core.StreamContext",
    .tp_basicsize = sizeof(stream_context),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "StreamContext(s): context manager setting the calling thread's default device and stream.",
    .tp_new = context_tp_new,
    .tp_methods = context_methods,
};

/* ---- functions ---- */

static PyObject *default_stream(PyObject *self, PyObject *arg) {
  (void)self;
  weir_device d;
  if (wpy_device_from_object(arg, "device", &d) < 0) return NULL;
  weir_stream s;
  weir_status st = weir_default_stream(d, &s);
  if (st != WEIR_OK) return wpy_raise(st);
  return wpy_stream_new(s);
}

static PyObject *set_default_stream(PyObject *self, PyObject *arg) {
  (void)self;
  if (!PyObject_TypeCheck(arg, &wpy_stream_type))
    return PyErr_Format(PyExc_TypeError, "set_default_stream(stream) needs a Stream, got %s", Py_TYPE(arg)->tp_name);
  weir_status st = weir_set_default_stream(((wpy_stream *)arg)->s);
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

static PyObject *new_stream(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return stream_tp_new(&wpy_stream_type, args, kwargs);
}

static PyObject *stream_fn(PyObject *self, PyObject *arg) {
  (void)self;
  return PyObject_CallOneArg((PyObject *)&wpy_stream_context_type, arg);
}

static PyObject *synchronize(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *kwlist[] = {"stream", NULL};
  weir_stream s = WEIR_DEFAULT;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O&:synchronize", kwlist, wpy_stream_converter, &s)) return NULL;
  weir_status st;
  Py_BEGIN_ALLOW_THREADS
  st = weir_synchronize(s);
  Py_END_ALLOW_THREADS
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

static PyObject *clear_streams(PyObject *self, PyObject *noargs) {
  (void)self, (void)noargs;
  unsigned long me = PyThread_get_thread_ident();
  weir_status first = WEIR_OK;
  size_t kept = 0;
  for (size_t i = 0; i < n_made; i++) {
    if (made[i].thread != me) {
      made[kept++] = made[i];
      continue;
    }
    weir_status st;
    weir_stream s = made[i].s;
    Py_BEGIN_ALLOW_THREADS
    st = weir_stream_free(s);
    Py_END_ALLOW_THREADS
    if (st != WEIR_OK && first == WEIR_OK) first = st;
  }
  n_made = kept;
  if (first != WEIR_OK) return wpy_raise(first);
  Py_RETURN_NONE;
}

PyMethodDef wpy_stream_functions[] = {
    {"default_stream", default_stream, METH_O,
     "default_stream(device: Device | DeviceType) -> Stream\n\nThe device's default stream."},
    {"set_default_stream", set_default_stream, METH_O,
     "set_default_stream(stream: Stream) -> None\n\nSets the process-wide default stream of stream.device."},
    {"new_stream", (PyCFunction)(void (*)(void))new_stream, METH_VARARGS | METH_KEYWORDS,
     "new_stream(device: Device | DeviceType | None = None) -> Stream\n\nMakes a new stream (default: on the "
     "default device). Streams are usable from any thread."},
    {"stream", stream_fn, METH_O,
     "stream(s: Stream | Device | DeviceType) -> StreamContext\n\nContext manager setting the calling "
     "thread's default device and stream."},
    {"synchronize", (PyCFunction)(void (*)(void))synchronize, METH_VARARGS | METH_KEYWORDS,
     "synchronize(stream: Stream | Device | DeviceType | None = None) -> None\n\nWaits for the work "
     "already scheduled on the stream (default: the default stream of the default device)."},
    {"clear_streams", clear_streams, METH_NOARGS,
     "clear_streams() -> None\n\nDrains and destroys the streams this thread made with new_stream/Stream."},
    {NULL, NULL, 0, NULL}};

int wpy_stream_init(PyObject *module) {
  if (PyType_Ready(&wpy_stream_type) < 0 || PyType_Ready(&wpy_stream_context_type) < 0) return -1;
  Py_INCREF(&wpy_stream_type);
  Py_INCREF(&wpy_stream_context_type);
  if (PyModule_AddObject(module, "Stream", (PyObject *)&wpy_stream_type) < 0 ||
      PyModule_AddObject(module, "StreamContext", (PyObject *)&wpy_stream_context_type) < 0)
    return -1;
  return 0;
}
