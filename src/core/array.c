/* Arrays: node construction and destruction (iterative, so million-node chains free without
   recursion), accessors, data arrays, and the host reads (data, item, tostring). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buffer.h"
#include "core/dtype_util.h"
#include "core/error_internal.h"
#include "core/format.h"
#include "core/node.h"
#include "core/runtime.h"
#include "core/scheduler.h"

static _Atomic uint64_t next_node_id = 1;

weir_status weir__shape_size(const int64_t *shape, int ndim, const char *op, int64_t *out) {
  if (ndim < 0 || ndim > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: ndim %d is out of range [0, %d]", op, ndim, WEIR_MAX_NDIM);
  if (ndim > 0 && !shape) return weir__null_arg(op, "shape");
  int64_t size = 1;
  bool zero = false;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: dimension %d of the shape is negative (%lld)", op, i,
                        (long long)shape[i]);
    if (shape[i] == 0) zero = true;
  }
  for (int i = 0; i < ndim && !zero; i++) {
    if (shape[i] != 0 && size > INT64_MAX / shape[i])
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: the shape has more than 2^63 elements", op);
    size *= shape[i];
  }
  if (zero) size = 0;
  /* the byte count must fit too (16 bytes is the widest element we may ever have) */
  if (size > INT64_MAX / 16)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: the shape has too many elements (%lld)", op,
                      (long long)size);
  *out = size;
  return WEIR_OK;
}

weir_status weir__check_dtype_on(weir_stream *resolved, weir_dtype t, const char *op) {
  if (!weir__dtype_valid((int)t))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: %d is not a weir_dtype", op, (int)t);
  if (t == WEIR_FLOAT64 && resolved->device.type == WEIR_GPU) {
    if (weir__last_stream_was_default()) { /* unspecified: float64 work runs on the cpu */
      *resolved = (weir_stream){WEIR_CPU_DEVICE, weir__process_default_stream(WEIR_CPU_DEVICE)};
      return WEIR_OK;
    }
    return weir__fail(WEIR_ERR_UNSUPPORTED,
                      "%s: float64 is not supported on the GPU; run this op on the CPU with stream=mx.cpu", op);
  }
  return WEIR_OK;
}

bool weir__node_ready(const weir_array *a) {
  return atomic_load_explicit(&((weir_array *)a)->state, memory_order_acquire) == WEIR__NODE_DONE &&
         a->status == WEIR_OK;
}

static weir_array *node_alloc(int ndim, int nin) {
  weir_array *a = weir__calloc(1, sizeof *a);
  if (!a) return NULL;
  a->shape = a->shape_inline;
  if (ndim > 4 && !(a->shape = weir__malloc(sizeof(int64_t) * (size_t)ndim))) {
    free(a);
    return NULL;
  }
  a->inputs = a->inputs_inline;
  if (nin > 2 && !(a->inputs = weir__malloc(sizeof(weir_array *) * (size_t)nin))) {
    if (a->shape != a->shape_inline) free(a->shape);
    free(a);
    return NULL;
  }
  atomic_init(&a->refs, 1);
  a->id = atomic_fetch_add_explicit(&next_node_id, 1, memory_order_relaxed);
  return a;
}

weir_status weir__node_make(weir_array **out, weir__prim prim, const weir__params *params,
                            weir_array *const *inputs, int nin, const int64_t *shape, int ndim, weir_dtype dtype,
                            weir_stream resolved) {
  /* Every op validates its shapes; this also catches a result shape an op derived without a
     check, and gives the size of an empty shape without multiplying its other dims, which may
     be huge: (2^62, 2, 0) overflowed multiplied in order. */
  int64_t size;
  weir_status st = weir__shape_size(shape, ndim, weir__prim_name(prim), &size);
  if (st != WEIR_OK) return st;
  weir_array *a = node_alloc(ndim, nin);
  if (!a) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory building a %s node", weir__prim_name(prim));
  a->prim = prim;
  a->dtype = dtype;
  a->ndim = ndim;
  a->size = size;
  for (int i = 0; i < ndim; i++) a->shape[i] = shape[i];
  if (params) a->params = *params;
  a->nin = nin;
  for (int i = 0; i < nin; i++) a->inputs[i] = weir_array_retain(inputs[i]);
  a->stream = resolved;
  atomic_init(&a->state, WEIR__NODE_IDLE);
  weir__stream_nudge(resolved.index);
  *out = a;
  return WEIR_OK;
}

weir_array *weir_array_retain(weir_array *a) {
  if (a) atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
  return a;
}

/* Frees one node whose count reached zero; pushes inputs that reach zero onto *list. */
static void destroy(weir_array *a, weir_array **list) {
  for (int i = 0; i < a->nin; i++) {
    weir_array *in = a->inputs[i];
    if (atomic_fetch_sub_explicit(&in->refs, 1, memory_order_acq_rel) == 1) {
      in->queue_next = *list;
      *list = in;
    }
  }
  if (a->inputs != a->inputs_inline) free(a->inputs);
  if (a->shape != a->shape_inline) free(a->shape);
  if (a->prim == WEIR__P_TRANSPOSE) free(a->params.transpose.perm);
  if (a->prim == WEIR__P_SLICE) free(a->params.slice.start);
  free(a->error);
  weir__buffer_release(a->buf);
  free(a);
}

/* A worker drops its reference to a node just before publishing DONE (so memory figures are
   exact when eval returns); if the user's free lands in that window, wait for the publish. */
static void wait_settled(weir_array *a) {
  if (atomic_load_explicit(&a->state, memory_order_acquire) == WEIR__NODE_IDLE) return;
  while (!atomic_load_explicit(&a->settled, memory_order_acquire)) sched_yield();
}

void weir__array_destroy(weir_array *a) {
  a->queue_next = NULL;
  weir_array *list = a;
  while (list) {
    weir_array *n = list;
    list = n->queue_next;
    wait_settled(n);
    destroy(n, &list);
  }
}

void weir_array_free(weir_array *a) {
  if (!a || atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1) return;
  weir__array_destroy(a);
}

void weir__node_drop_inputs(weir_array *a) {
  int nin = a->nin;
  a->nin = 0;
  for (int i = 0; i < nin; i++) weir_array_free(a->inputs[i]);
}

int weir_array_ndim(const weir_array *a) { return a ? a->ndim : 0; }
const int64_t *weir_array_shape(const weir_array *a) { return a ? a->shape : NULL; }
int64_t weir_array_size(const weir_array *a) { return a ? a->size : 0; }
size_t weir_array_nbytes(const weir_array *a) { return a ? (size_t)a->size * weir_dtype_size(a->dtype) : 0; }
weir_dtype weir_array_dtype(const weir_array *a) { return a ? a->dtype : WEIR_FLOAT32; }
weir_stream weir_array_stream(const weir_array *a) { return a ? a->stream : WEIR_DEFAULT; }

weir_status weir_array_from_data(weir_array **out, const void *data, const int64_t *shape, int ndim, weir_dtype t) {
  if (!out) return weir__null_arg("weir_array_from_data", "out");
  if (!weir__dtype_valid((int)t))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_array_from_data: %d is not a weir_dtype", (int)t);
  int64_t size;
  weir_status st = weir__shape_size(shape, ndim, "weir_array_from_data", &size);
  if (st != WEIR_OK) return st;
  if (size > 0 && !data) return weir__null_arg("weir_array_from_data", "data");
  weir__runtime_init();
  /* Data lives on the host: its node belongs to the cpu's default stream. */
  weir_stream s = {WEIR_CPU_DEVICE, weir__process_default_stream(WEIR_CPU_DEVICE)};
  weir_array *a;
  st = weir__node_make(&a, WEIR__P_NONE, NULL, NULL, 0, shape, ndim, t, s);
  if (st != WEIR_OK) return st;
  size_t nbytes = (size_t)size * weir_dtype_size(t);
  if (nbytes > 0) {
    st = weir__buffer_new(WEIR_CPU_DEVICE, NULL, nbytes, &a->buf);
    if (st != WEIR_OK) {
      weir_array_free(a);
      return st;
    }
    memcpy(a->buf->data, data, nbytes);
  }
  a->status = WEIR_OK;
  atomic_store_explicit(&a->settled, true, memory_order_relaxed);
  atomic_store_explicit(&a->state, WEIR__NODE_DONE, memory_order_release);
  *out = a;
  return WEIR_OK;
}

weir_status weir_array_from_scalar(weir_array **out, double v, weir_dtype t) {
  if (!out) return weir__null_arg("weir_array_from_scalar", "out");
  if (!weir__dtype_valid((int)t))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_array_from_scalar: %d is not a weir_dtype", (int)t);
  unsigned char tmp[16];
  weir__store_double(tmp, t, 0, v);
  return weir_array_from_data(out, tmp, NULL, 0, t);
}

static const unsigned char empty_data[16];

weir_status weir_array_data(const weir_array *a, const void **out) {
  if (!a) return weir__null_arg("weir_array_data", "a");
  if (!out) return weir__null_arg("weir_array_data", "out");
  weir_array *m = (weir_array *)a;
  weir_status st = weir_eval(&m, 1);
  if (st != WEIR_OK) return st;
  if (!a->buf) {
    *out = empty_data;
    return WEIR_OK;
  }
  return weir__buffer_host_view(a->buf, out);
}

static weir_status one_element(const weir_array *a, const char *fn, const void **p) {
  if (!a) return weir__null_arg(fn, "a");
  if (a->size != 1)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "%s: item() needs an array of exactly one element, this one has %lld", fn, (long long)a->size);
  return weir_array_data(a, p);
}

weir_status weir_array_item_double(const weir_array *a, double *out) {
  const void *p;
  if (!out) return weir__null_arg("weir_array_item_double", "out");
  weir_status st = one_element(a, "weir_array_item_double", &p);
  if (st == WEIR_OK) *out = weir__load_double(p, a->dtype, 0);
  return st;
}

weir_status weir_array_item_int64(const weir_array *a, int64_t *out) {
  const void *p;
  if (!out) return weir__null_arg("weir_array_item_int64", "out");
  weir_status st = one_element(a, "weir_array_item_int64", &p);
  if (st == WEIR_OK) *out = weir__load_int64(p, a->dtype, 0);
  return st;
}

weir_status weir_array_tostring(const weir_array *a, char **out) {
  const void *p;
  if (!a) return weir__null_arg("weir_array_tostring", "a");
  if (!out) return weir__null_arg("weir_array_tostring", "out");
  weir_status st = weir_array_data(a, &p);
  if (st != WEIR_OK) return st;
  char *s = weir__format_array(p, a->dtype, a->shape, a->ndim);
  if (!s) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "weir_array_tostring: out of memory");
  *out = s;
  return WEIR_OK;
}
