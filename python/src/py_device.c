/* mx.DeviceType (an enum: mx.cpu, mx.gpu), mx.Device, and the device functions: default_device,
   set_default_device, is_available, device_count, device_info.
   A Device is a value: constructing Device(mx.gpu, 3) never fails for a valid index form; using a
   device that does not exist (an op, a stream, set_default_device, device_info) is an error that
   names it. A Device is also a context manager (`with mx.default_device(mx.cpu):`), scoping it as
   this thread's default device, as the seeds use it. */

#include "wpy.h"

static PyObject *device_type_enum, *type_cpu, *type_gpu;

static PyObject *type_member(weir_device_type t) { return t == WEIR_GPU ? type_gpu : type_cpu; }

int wpy_device_type_from_object(PyObject *o, const char *what, weir_device_type *out) {
  if (o == type_cpu || o == type_gpu) {
    *out = o == type_gpu ? WEIR_GPU : WEIR_CPU;
    return 0;
  }
  if (PyObject_TypeCheck(o, &wpy_device_type)) {
    *out = ((wpy_device *)o)->d.type;
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "%s must be a device type (mx.cpu or mx.gpu), got %s", what, Py_TYPE(o)->tp_name);
  return -1;
}

int wpy_device_from_object(PyObject *o, const char *what, weir_device *out) {
  if (PyObject_TypeCheck(o, &wpy_device_type)) {
    *out = ((wpy_device *)o)->d;
    return 0;
  }
  if (o == type_cpu || o == type_gpu) {
    out->type = o == type_gpu ? WEIR_GPU : WEIR_CPU;
    out->index = 0;
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "%s must be a Device or a device type (mx.cpu, mx.gpu), got %s", what,
               Py_TYPE(o)->tp_name);
  return -1;
}

PyObject *wpy_device_new(weir_device d) {
  wpy_device *o = PyObject_New(wpy_device, &wpy_device_type);
  if (o) o->d = d;
  return (PyObject *)o;
}

static PyObject *device_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  (void)type;
  static char *kwlist[] = {"type", "index", NULL};
  PyObject *t;
  int index = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|i:Device", kwlist, &t, &index)) return NULL;
  weir_device d;
  if (wpy_device_type_from_object(t, "Device(type)", &d.type) < 0) return NULL;
  if (index < 0) return PyErr_Format(PyExc_ValueError, "Device(index) must be >= 0, got %d", index);
  d.index = index;
  return wpy_device_new(d);
}

static PyObject *device_repr(PyObject *self) {
  char buf[64];
  weir_device_tostring(((wpy_device *)self)->d, buf, sizeof buf);
  return PyUnicode_FromString(buf);
}

static Py_hash_t device_hash(PyObject *self) {
  weir_device d = ((wpy_device *)self)->d;
  Py_hash_t h = (Py_hash_t)d.type * 1000003 + d.index;
  return h == -1 ? -2 : h;
}

static PyObject *device_richcompare(PyObject *a, PyObject *b, int op) {
  if (op != Py_EQ && op != Py_NE) Py_RETURN_NOTIMPLEMENTED;
  weir_device da, db;
  if (!PyObject_TypeCheck(a, &wpy_device_type) || (b != type_cpu && b != type_gpu && !PyObject_TypeCheck(b, &wpy_device_type)))
    Py_RETURN_NOTIMPLEMENTED;
  da = ((wpy_device *)a)->d;
  if (wpy_device_from_object(b, "other", &db) < 0) return NULL;
  bool eq = da.type == db.type && da.index == db.index;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *device_get_type(PyObject *self, void *closure) {
  (void)closure;
  PyObject *m = type_member(((wpy_device *)self)->d.type);
  Py_INCREF(m);
  return m;
}

static PyObject *device_get_index(PyObject *self, void *closure) {
  (void)closure;
  return PyLong_FromLong(((wpy_device *)self)->d.index);
}

static PyObject *device_enter(PyObject *self, PyObject *noargs) {
  (void)noargs;
  weir_status st = weir_stream_push(weir_on(((wpy_device *)self)->d));
  if (st != WEIR_OK) return wpy_raise(st);
  Py_INCREF(self);
  return self;
}

static PyObject *device_exit(PyObject *self, PyObject *args) {
  (void)self, (void)args;
  weir_status st = weir_stream_pop();
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_FALSE;
}

static PyGetSetDef device_getset[] = {
    {"type", device_get_type, NULL, "The device type (mx.cpu or mx.gpu).", NULL},
    {"index", device_get_index, NULL, "The device index.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef device_methods[] = {
    {"__enter__", device_enter, METH_NOARGS, "Makes this device the calling thread's default device."},
    {"__exit__", device_exit, METH_VARARGS, "Restores the previous default device and stream."},
    {NULL, NULL, 0, NULL}};

PyTypeObject wpy_device_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "weir.core.Device",
    .tp_basicsize = sizeof(wpy_device),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Device(type, index=0): a device to run operations on, e.g. Device(mx.gpu, 1).\n\n"
              "Also a context manager: `with mx.Device(mx.cpu):` makes it the calling thread's default.",
    .tp_new = device_tp_new,
    .tp_repr = device_repr,
    .tp_hash = device_hash,
    .tp_richcompare = device_richcompare,
    .tp_getset = device_getset,
    .tp_methods = device_methods,
};

/* ---- functions ---- */

static PyObject *default_device(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *kwlist[] = {"device", NULL};
  PyObject *o = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:default_device", kwlist, &o)) return NULL;
  weir_device d;
  if (o == Py_None) return wpy_device_new(weir_default_device());
  /* default_device(d): the seeds' `with mx.default_device(mx.cpu):` form (a context manager). */
  if (wpy_device_from_object(o, "device", &d) < 0) return NULL;
  weir_stream probe; /* validates the device with a message that names it */
  weir_status st = weir_default_stream(d, &probe);
  if (st != WEIR_OK) return wpy_raise(st);
  return wpy_device_new(d);
}

static PyObject *set_default_device(PyObject *self, PyObject *arg) {
  (void)self;
  weir_device d;
  if (wpy_device_from_object(arg, "device", &d) < 0) return NULL;
  weir_status st = weir_set_default_device(d);
  if (st != WEIR_OK) return wpy_raise(st);
  Py_RETURN_NONE;
}

static PyObject *is_available(PyObject *self, PyObject *arg) {
  (void)self;
  weir_device d;
  if (wpy_device_from_object(arg, "device", &d) < 0) return NULL;
  return PyBool_FromLong(weir_device_is_available(d));
}

static PyObject *device_count(PyObject *self, PyObject *arg) {
  (void)self;
  weir_device_type t;
  if (wpy_device_type_from_object(arg, "device_type", &t) < 0) return NULL;
  return PyLong_FromLong(weir_device_count(t));
}

static PyObject *device_info(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *kwlist[] = {"d", NULL};
  PyObject *o = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:device_info", kwlist, &o)) return NULL;
  weir_device d = weir_default_device();
  if (o != Py_None && wpy_device_from_object(o, "d", &d) < 0) return NULL;
  weir_device_info *info = NULL;
  weir_status st = weir_device_info_get(d, &info);
  if (st != WEIR_OK) return wpy_raise(st);
  PyObject *dict = PyDict_New();
  for (size_t i = 0; dict && i < weir_device_info_count(info); i++) {
    const char *key = weir_device_info_key(info, i);
    PyObject *v = NULL;
    int64_t n = 0;
    if (weir_device_info_is_string(info, key)) v = PyUnicode_FromString(weir_device_info_string(info, key));
    else if (weir_device_info_int(info, key, &n) == WEIR_OK) v = PyLong_FromLongLong(n);
    else v = wpy_raise(WEIR_ERR_INTERNAL);
    if (!v || PyDict_SetItemString(dict, key, v) < 0) Py_CLEAR(dict);
    Py_XDECREF(v);
  }
  weir_device_info_free(info);
  return dict;
}

PyMethodDef wpy_device_functions[] = {
    {"default_device", (PyCFunction)(void (*)(void))default_device, METH_VARARGS | METH_KEYWORDS,
     "default_device() -> Device\n\nThe calling thread's default device. default_device(d) returns d, "
     "which as a context manager (`with mx.default_device(mx.cpu):`) scopes it for this thread."},
    {"set_default_device", set_default_device, METH_O,
     "set_default_device(device: Device | DeviceType) -> None\n\nSets the process-wide default device."},
    {"is_available", is_available, METH_O,
     "is_available(device: Device | DeviceType) -> bool\n\nWhether the device exists on this machine."},
    {"device_count", device_count, METH_O,
     "device_count(device_type: DeviceType) -> int\n\nNumber of devices of that type (gpu: 0 without CUDA)."},
    {"device_info", (PyCFunction)(void (*)(void))device_info, METH_VARARGS | METH_KEYWORDS,
     "device_info(d: None | Device | DeviceType = None) -> dict[str, str | int]\n\nProperties of a device."},
    {NULL, NULL, 0, NULL}};

int wpy_device_init(PyObject *module) {
  if (PyType_Ready(&wpy_device_type) < 0) return -1;
  PyObject *enum_mod = PyImport_ImportModule("enum");
  if (!enum_mod) return -1;
  device_type_enum = PyObject_CallMethod(enum_mod, "Enum", "s[(si)(si)]", "DeviceType", "cpu", 0, "gpu", 1);
  Py_DECREF(enum_mod);
  if (!device_type_enum) return -1;
  PyObject *modname = PyModule_GetNameObject(module);
  if (!modname || PyObject_SetAttrString(device_type_enum, "__module__", modname) < 0) PyErr_Clear();
  Py_XDECREF(modname);
  /* repr(mx.cpu) is "DeviceType.cpu", as MLX prints it (Enum's repr would be <DeviceType.cpu: 0>). */
  PyObject *enum_str = PyObject_GetAttrString(device_type_enum, "__str__");
  if (!enum_str || PyObject_SetAttrString(device_type_enum, "__repr__", enum_str) < 0) {
    Py_XDECREF(enum_str);
    return -1;
  }
  Py_DECREF(enum_str);
  type_cpu = PyObject_GetAttrString(device_type_enum, "cpu");
  type_gpu = PyObject_GetAttrString(device_type_enum, "gpu");
  if (!type_cpu || !type_gpu) return -1;
  Py_INCREF(&wpy_device_type);
  Py_INCREF(device_type_enum);
  Py_INCREF(type_cpu);
  Py_INCREF(type_gpu);
  if (PyModule_AddObject(module, "Device", (PyObject *)&wpy_device_type) < 0 ||
      PyModule_AddObject(module, "DeviceType", device_type_enum) < 0 ||
      PyModule_AddObject(module, "cpu", type_cpu) < 0 || PyModule_AddObject(module, "gpu", type_gpu) < 0)
    return -1;
  return 0;
}
