/* weir.core — the CPython extension over libweir's public C API. Shared declarations of the
   module's files: one file per concern (dtypes, devices, streams, arrays, conversion,
   indexing, ops, random, runtime functions). */
#ifndef WPY_H
#define WPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>

#include <weir/weir.h>

/* ---- objects ---- */
typedef struct {
  PyObject_HEAD weir_array *a; /* owned reference; never NULL once constructed */
} wpy_array;

typedef struct {
  PyObject_HEAD weir_dtype t;
} wpy_dtype;

typedef struct {
  PyObject_HEAD weir_device d; /* type is WEIR_CPU or WEIR_GPU */
} wpy_device;

typedef struct {
  PyObject_HEAD weir_stream s; /* concrete: index > 0 */
} wpy_stream;

extern PyTypeObject wpy_array_type, wpy_dtype_type, wpy_device_type, wpy_stream_type, wpy_stream_context_type;

#define wpy_is_array(o) PyObject_TypeCheck((o), &wpy_array_type)

/* ---- errors (module.c) ---- */
/* Raises the Python exception for status st with weir_last_error() (API.md's mapping); returns NULL. */
PyObject *wpy_raise(weir_status st);
/* Same, as an int for slots that return -1. */
int wpy_raise_int(weir_status st);

/* ---- dtypes (py_dtype.c) ---- */
int wpy_dtype_init(PyObject *module);
PyObject *wpy_dtype_object(weir_dtype t); /* new reference to the mx.<name> instance */
/* Accepts a Dtype object; TypeError naming `what` otherwise. */
int wpy_dtype_from_object(PyObject *o, const char *what, weir_dtype *out);
/* The "O&" converter for an optional dtype: None leaves *out untouched. */
int wpy_dtype_converter(PyObject *o, void *out);
static inline bool wpy_dtype_is_float(weir_dtype t) { return t >= WEIR_FLOAT16; }
static inline bool wpy_dtype_is_int(weir_dtype t) { return t != WEIR_BOOL && !wpy_dtype_is_float(t); }

/* ---- devices and streams (py_device.c, py_stream.c) ---- */
int wpy_device_init(PyObject *module);
int wpy_stream_init(PyObject *module);
PyObject *wpy_device_new(weir_device d);
PyObject *wpy_stream_new(weir_stream s);
/* A Device or a DeviceType member -> weir_device (index 0 for a type). TypeError naming `what`. */
int wpy_device_from_object(PyObject *o, const char *what, weir_device *out);
/* A device type (DeviceType member, or Device) -> WEIR_CPU / WEIR_GPU. */
int wpy_device_type_from_object(PyObject *o, const char *what, weir_device_type *out);
/* The stream= argument: None, a Stream, a Device or a DeviceType; anything else is a TypeError. */
int wpy_stream_from_object(PyObject *o, weir_stream *out);
/* "O&" converter for stream= (the target is a weir_stream, WEIR_DEFAULT for None). */
int wpy_stream_converter(PyObject *o, void *out);
extern PyMethodDef wpy_device_functions[], wpy_stream_functions[];

/* ---- arrays (py_array.c, py_convert.c, py_index.c) ---- */
int wpy_array_init(PyObject *module);
/* Wraps a new reference (steals it); NULL and a Python error when a is NULL. */
PyObject *wpy_array_wrap(weir_array *a);
/* Makes a weir array from any Python value MLX accepts in mx.array(): scalars, nested lists and
   tuples, objects with the buffer protocol (numpy), other arrays. dtype NULL: inferred. */
int wpy_array_from_object(PyObject *o, const weir_dtype *dtype, weir_array **out);
/* Operand of a binary op: an array (new reference) or a Python scalar made "weak": it takes the
   other operand's dtype when that keeps its kind (MLX's rule). other may be NULL. */
int wpy_operand(PyObject *o, const weir_array *other, const char *op, weir_array **out);
/* What a binary op or comparison accepts: an array, a Python scalar, a list/tuple, a buffer. */
bool wpy_is_operand(PyObject *o);
/* Python scalar or nested list from an evaluated array (releases the GIL while evaluating). */
PyObject *wpy_array_tolist(weir_array *a);
PyObject *wpy_array_item(weir_array *a);
PyObject *wpy_array_getitem(PyObject *self, PyObject *key);
int wpy_array_setitem(PyObject *self, PyObject *key, PyObject *value); /* py_setitem.c */
/* Host data of a (evaluates with the GIL released). */
int wpy_array_host_data(const weir_array *a, const void **out);

/* ---- ops (py_ops.c, py_random.c, py_runtime.c) ---- */
extern PyMethodDef wpy_op_functions[], wpy_runtime_functions[], wpy_random_functions[];
extern PyMethodDef wpy_array_op_methods[]; /* the ops that are also array methods */
/* Shape from an int or a sequence of ints; `what` names the argument. Returns ndim or -1. */
int wpy_shape_from_object(PyObject *o, const char *what, int64_t *shape);
/* Axis list from None (all: *naxes = 0), an int or a sequence. Returns 0 or -1. */
int wpy_axes_from_object(PyObject *o, int *axes, int *naxes);
/* Shared body of binary ops and operators: out = fn(a, b) with weak scalars. */
typedef weir_status (*wpy_binary_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);
PyObject *wpy_binary(wpy_binary_fn fn, const char *name, PyObject *a, PyObject *b, weir_stream s);
typedef weir_status (*wpy_unary_fn)(weir_array **, const weir_array *, weir_stream);
PyObject *wpy_unary(wpy_unary_fn fn, PyObject *a, weir_stream s);
/* (self, *args) when an op function is called as an array method, else args; new reference. */
PyObject *wpy_with_self(PyObject *self, PyObject *args);
/* The op's result: the array *out (stolen) when st is WEIR_OK, else the exception for st. */
PyObject *wpy_wrap_result(weir_status st, weir_array **out);
/* py_ops_select.c: where, cumsum, take, concatenate, sort, ... and their array methods. */
extern PyMethodDef wpy_select_functions[], wpy_array_select_methods[];
/* The composite ops (py_ops_composite.c): functions, and those that are also array methods. */
extern PyMethodDef wpy_composite_functions[], wpy_array_composite_methods[];
/* Evaluates n arrays with the GIL released. */
int wpy_eval_arrays(weir_array *const *arrays, size_t n, bool async);

#endif
