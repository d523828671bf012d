/* Stream workers: each stream's in-order queue is served by one host thread (started on first
   use). For each node the worker waits for inputs from other streams, allocates the output,
   runs the kernel through the backend, publishes DONE and drops the inputs at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buffer.h"
#include "core/capture_internal.h"
#include "core/dtype_util.h"
#include "core/error_internal.h"
#include "core/fault_injection.h"
#include "core/node.h"
#include "core/poll.h"
#include "core/runtime.h"
#include "core/scheduler.h"
#include "core/fusion.h"

void weir__node_publish_done(weir_array *a); /* scheduler.c */

static void record_stream_error(weir__stream *s, weir_status st, const char *msg, uint64_t id) {
  pthread_mutex_lock(&s->mu);
  if (s->error_status == WEIR_OK) {
    s->error_status = st;
    s->error_message = weir__strdup(msg ? msg : "");
    s->error_id = id;
  }
  pthread_mutex_unlock(&s->mu);
}

void weir__stream_error_reported(const weir_array *a) {
  weir__stream *s = weir__stream_acquire(a->error_stream); /* may have been freed meanwhile */
  if (!s) return;
  pthread_mutex_lock(&s->mu);
  if (s->error_status != WEIR_OK && s->error_id == a->error_id) {
    s->error_status = WEIR_OK;
    free(s->error_message);
    s->error_message = NULL;
  }
  pthread_mutex_unlock(&s->mu);
  weir__stream_release(s);
}

/* Sets the final status and drops the inputs. msg is copied. */
static void set_result(weir_array *a, weir_status st, const char *msg) {
  a->status = st;
  if (st != WEIR_OK) {
    a->error = weir__strdup(msg && *msg ? msg : weir_status_name(st));
    weir__buffer_release(a->buf);
    a->buf = NULL;
  }
  weir__node_drop_inputs(a);
}

/* For a node the caller holds no reference to (not yet queued). */
void weir__node_fail_now(weir_array *a, weir_status st, const char *msg) {
  a->error_id = a->id;
  a->error_stream = 0;
  set_result(a, st, msg);
  weir__node_publish_done(a);
}

/* For a node the queue holds a reference to: drop that reference first, so that when a waiter
   wakes, the node's memory figures are final; if it was the last reference nobody can be
   waiting, and the node goes at once. */
static void complete(weir_array *a, weir_status st, const char *msg) {
  set_result(a, st, msg);
  if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1) {
    atomic_store_explicit(&a->settled, true, memory_order_relaxed);
    weir__array_destroy(a);
  } else {
    weir__node_publish_done(a);
  }
}

/* ---- kernel calls ---- */
static bool is_elementwise(weir__prim p) {
  return p == WEIR__P_COPY || p == WEIR__P_ASTYPE || p == WEIR__P_WHERE ||
         (p >= WEIR__P_ABS && p <= WEIR__P_LOGICAL_OR);
}

static void contiguous_tensor(weir__tensor *t, const weir_array *a, void *data) {
  t->data = data;
  t->dtype = a->dtype;
  t->ndim = a->ndim;
  t->size = a->size;
  t->contiguous = true;
  int64_t stride = 1;
  for (int i = a->ndim - 1; i >= 0; i--) {
    t->shape[i] = a->shape[i];
    t->strides[i] = stride;
    /* an empty array reads nothing; its other dims may be huge: no products past the 0 */
    stride = a->size == 0 ? 0 : stride * a->shape[i];
  }
}

/* in viewed with out's shape: right-aligned, stride 0 on broadcast axes. */
static void broadcast_tensor(weir__tensor *t, const weir_array *in, void *data, const weir_array *out) {
  t->data = data;
  t->dtype = in->dtype;
  t->ndim = out->ndim;
  t->size = out->size;
  bool same = in->ndim == out->ndim;
  int64_t stride = 1;
  for (int i = out->ndim - 1, j = in->ndim - 1; i >= 0; i--, j--) {
    t->shape[i] = out->shape[i];
    if (j >= 0) {
      if (in->shape[j] != out->shape[i]) same = false;
      t->strides[i] = in->shape[j] == 1 && out->shape[i] != 1 ? 0 : stride;
      stride = in->size == 0 ? 0 : stride * in->shape[j];
    } else {
      t->strides[i] = 0;
    }
  }
  t->contiguous = same;
}

static void transposed_tensor(weir__tensor *t, const weir_array *in, void *data, const weir_array *out,
                              const int *perm) {
  int64_t strides[WEIR_MAX_NDIM], stride = 1;
  for (int i = in->ndim - 1; i >= 0; i--) {
    strides[i] = stride;
    stride = in->size == 0 ? 0 : stride * in->shape[i];
  }
  t->data = data;
  t->dtype = in->dtype;
  t->ndim = out->ndim;
  t->size = out->size;
  t->contiguous = true;
  for (int i = 0; i < out->ndim; i++) {
    t->shape[i] = out->shape[i];
    t->strides[i] = strides[perm[i]];
    if (perm[i] != i) t->contiguous = false;
  }
}

/* in (row-major) viewed through a slice: the data pointer advanced to the first element taken,
   strides multiplied by the steps (negative steps walk backwards). contiguous when the view is
   row-major over out's shape (a run of whole rows, or all of in in order). */
static void sliced_tensor(weir__tensor *t, const weir_array *in, void *data, const weir_array *out,
                          const int64_t *start, const int64_t *step) {
  int64_t stride = 1, offset = 0, dense = 1;
  t->data = data;
  t->dtype = in->dtype;
  t->ndim = out->ndim;
  t->size = out->size;
  t->contiguous = true;
  if (out->size == 0) { /* reads nothing; in's dims may be huge beside a 0: no stride products */
    for (int i = 0; i < out->ndim; i++) {
      t->shape[i] = out->shape[i];
      t->strides[i] = 0;
    }
    return;
  }
  for (int i = out->ndim - 1; i >= 0; i--) {
    t->shape[i] = out->shape[i];
    t->strides[i] = stride * step[i];
    offset += start[i] * stride;
    stride *= in->shape[i];
    if (out->shape[i] == 1) continue; /* its stride is never used */
    if (t->strides[i] != dense) t->contiguous = false;
    dense *= out->shape[i];
  }
  t->data = (char *)data + offset * (int64_t)weir_dtype_size(in->dtype);
}

/* Donation: an elementwise op writes its result into an input's buffer when nothing else can see
   that input (this node holds its only reference, and it holds its buffer's only one), the input
   has the output's shape, element size and device, and no other stream or device reads the buffer
   (weir__buffer_claim_for_write). Each element is read before it is written, at the same index,
   so a chain of ops on a large array runs in one buffer instead of taking a new one per op. */
static weir__buffer *donor(weir__stream *s, const weir_array *a, void *const *data, size_t nbytes) {
  if (!is_elementwise(a->prim) || a->prim == WEIR__P_COPY) return NULL; /* a copy onto itself: no */
  for (int i = 0; i < a->nin; i++) {
    weir_array *in = a->inputs[i];
    weir__buffer *b = in->buf;
    if (!b || data[i] != b->data || b->nbytes != nbytes || in->size != a->size || in->ndim != a->ndim ||
        weir_dtype_size(in->dtype) != weir_dtype_size(a->dtype))
      continue;
    if (memcmp(in->shape, a->shape, (size_t)a->ndim * sizeof *a->shape) != 0) continue;
    if (atomic_load_explicit(&in->refs, memory_order_acquire) != 1 ||
        atomic_load_explicit(&b->refs, memory_order_acquire) != 1)
      continue;
    if (weir__buffer_claim_for_write(b, s)) return b;
  }
  return NULL;
}

static _Atomic uint64_t donations;
uint64_t weir__donations_total(void) { return atomic_load(&donations); }

static weir_status execute(weir__stream *s, weir_array *a, char *msg, size_t msglen) {
  weir_status st = WEIR_OK;
  if (a->prim == WEIR__P_RESHAPE) { /* shares the input's buffer (or its copy on this device) */
    weir__buffer *in = a->inputs[0]->buf;
    if (in) st = weir__buffer_for_stream(in, s, &a->buf);
    if (st != WEIR_OK) snprintf(msg, msglen, "reshape: %s", weir_last_error());
    return st;
  }
  /* Inputs first: they may need copies onto this device, ordered on s. */
  void *data[WEIR__MAX_INPUTS] = {NULL};
  for (int i = 0; i < a->nin && st == WEIR_OK; i++)
    if (a->inputs[i]->buf) st = weir__buffer_use_on(a->inputs[i]->buf, s, &data[i]);
  size_t nbytes = (size_t)a->size * weir_dtype_size(a->dtype);
  if (st == WEIR_OK && nbytes > 0) {
    weir__buffer *d = donor(s, a, data, nbytes);
    if (d) {
      a->buf = weir__buffer_retain(d);
      atomic_fetch_add_explicit(&donations, 1, memory_order_relaxed);
    } else {
      st = weir__buffer_new(s->device, s, nbytes, &a->buf);
    }
  }
  if (st != WEIR_OK) {
    snprintf(msg, msglen, "%s: %s", weir__prim_name(a->prim), weir_last_error());
    return st;
  }
  weir__kernel_call call;
  call.prim = a->prim;
  call.params = &a->params;
  call.errmsg[0] = 0;
  contiguous_tensor(&call.out, a, a->buf ? a->buf->data : NULL);
  call.nin = a->nin;
  for (int i = 0; i < a->nin; i++) {
    weir_array *in = a->inputs[i];
    if (a->prim == WEIR__P_TRANSPOSE)
      transposed_tensor(&call.in[i], in, data[i], a, a->params.transpose.perm);
    else if (a->prim == WEIR__P_SLICE)
      sliced_tensor(&call.in[i], in, data[i], a, a->params.slice.start, a->params.slice.step);
    else if (is_elementwise(a->prim))
      broadcast_tensor(&call.in[i], in, data[i], a);
    else
      contiguous_tensor(&call.in[i], in, data[i]);
  }
  if (a->prim == WEIR__P_TRANSPOSE || a->prim == WEIR__P_SLICE) call.prim = WEIR__P_COPY;
  st = weir__take_injected_failure(a->prim);
  if (st != WEIR_OK) snprintf(call.errmsg, sizeof call.errmsg, "injected failure (test hook)");
  else if (a->size > 0) st = s->backend->run(s, &call);
  /* else an empty result: nothing to compute, and the kernels' index arithmetic need not meet
     an empty input's other dims, which may multiply past int64 ((2^62, 2^62, 0)) */
  if (st == WEIR_OK && a->buf && atomic_load_explicit(&a->want_event, memory_order_relaxed))
    st = weir__buffer_mark_written(a->buf, s);
  if (st != WEIR_OK)
    snprintf(msg, msglen, "%s: %s", weir__prim_name(a->prim), call.errmsg[0] ? call.errmsg : weir_last_error());
  return st;
}

static void trace(weir__stream *s, weir_array *a, uint64_t start, uint64_t end, weir_status st,
                  const uint64_t *deps, int ndeps) {
  weir__trace_task t = {
      .name = weir__prim_name(a->prim),
      .stream = {s->device, s->index},
      .shape = a->shape,
      .ndim = a->ndim,
      .dtype = a->dtype,
      .bytes = (size_t)a->size * weir_dtype_size(a->dtype),
      .id = a->id,
      .deps = deps,
      .ndeps = ndeps,
      .queued_ns = a->queued_ns,
      .start_ns = start,
      .end_ns = end,
      .status = st,
  };
  weir__capture_record(&t);
}

/* Trace, publish and retire one node (status final). */
void weir__worker_finish(weir__stream *s, weir_array *a, weir_status st, const char *msg, uint64_t start) {
  if (start) {
    uint64_t deps[WEIR__MAX_INPUTS];
    int ndeps = 0;
    for (int i = 0; i < a->nin && ndeps < WEIR__MAX_INPUTS; i++) deps[ndeps++] = a->inputs[i]->id;
    trace(s, a, start, weir__now_ns(), st, deps, ndeps);
  }
  if (st != WEIR_OK && a->error_id == 0) {
    a->error_id = a->id;
    a->error_stream = s->index;
    record_stream_error(s, st, msg, a->id);
  }
  complete(a, st, msg);
  weir__memory_work_done();
  atomic_fetch_add(&s->completed, 1);
  if (atomic_load(&s->sync_waiters) > 0) {
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->done_cv);
    pthread_mutex_unlock(&s->mu);
  }
}

static void run_node(weir__stream *s, weir_array *a) {
  bool tracing = atomic_load_explicit(&weir__capture_on, memory_order_relaxed);
  uint64_t start = 0;
  weir_status st = WEIR_OK;
  char msg[512] = "";
  atomic_store_explicit(&s->running_id, a->id, memory_order_relaxed);
  for (int i = 0; i < a->nin; i++) {
    weir_array *in = a->inputs[i];
    atomic_store_explicit(&s->waiting_id, in->id, memory_order_relaxed);
    weir__node_wait(in); /* returns at once for same-stream inputs: they ran before us */
    if (in->status != WEIR_OK && st == WEIR_OK) {
      st = in->status;
      snprintf(msg, sizeof msg, "%s", in->error ? in->error : weir_status_name(st));
      a->error_id = in->error_id;
      a->error_stream = in->error_stream;
    }
  }
  atomic_store_explicit(&s->waiting_id, 0, memory_order_relaxed);
  if (tracing) start = weir__now_ns(); /* the task starts once its inputs are ready */
  if (st == WEIR_OK) st = execute(s, a, msg, sizeof msg);
  weir__worker_finish(s, a, st, msg, start);
  atomic_store_explicit(&s->running_id, 0, memory_order_relaxed);
}

/* ---- the worker thread ---- */

typedef struct {
  weir__stream *s;
  uint64_t seen; /* s->queued when the queue was found empty */
} idle_poll;

/* New work, or the stream is being freed (its worker is about to be stopped: no need to wait for
   the budget to run out before the stop can wake it). */
static bool work_or_freed(const void *arg) {
  const idle_poll *p = arg;
  return atomic_load_explicit(&p->s->queued, memory_order_acquire) != p->seen ||
         !atomic_load_explicit(&p->s->alive, memory_order_relaxed);
}

/* Polls for work for `budget`, and for as long as the device still runs the stream's work (up
   to WEIR__POLL_BUSY_MAX_NS): the next batch usually comes once the user has that result, and
   a worker asleep by then would add a wake-up (17-90 us on the H100 hosts) to it. The eval
   thread waiting for that result spins in CUDA meanwhile anyway. */
static bool poll_while_busy(weir__stream *s, const idle_poll *p, uint64_t budget) {
  uint64_t start = 0;
  for (;;) {
    if (weir__poll_for(work_or_freed, p, budget)) return true;
    if (!s->backend->stream_busy || !s->backend->stream_busy(s)) return false;
    uint64_t now = weir__now_ns();
    if (!start) start = now;
    else if (now - start > WEIR__POLL_BUSY_MAX_NS) return false;
  }
}

static void *worker_main(void *arg) {
  weir__stream *s = arg;
  char name[16];
  snprintf(name, sizeof name, "weir-s%d", s->index);
  pthread_setname_np(pthread_self(), name);
  uint64_t poll_ns = WEIR__POLL_NS; /* adapts to the gaps between batches (weir__poll_adapt) */
  bool nudged = false;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    uint64_t slept_at = 0;
    if (!s->head && !s->stop) { /* poll first: a short gap between evals costs no wake-up */
      idle_poll p = {s, atomic_load_explicit(&s->queued, memory_order_relaxed)};
      uint64_t budget = nudged && poll_ns < WEIR__POLL_NUDGED_NS ? WEIR__POLL_NUDGED_NS : poll_ns;
      pthread_mutex_unlock(&s->mu);
      if (!poll_while_busy(s, &p, budget) && !nudged) slept_at = weir__now_ns();
      pthread_mutex_lock(&s->mu);
    }
    nudged = false;
    atomic_store_explicit(&s->sleeping, true, memory_order_relaxed);
    while (!s->head && !s->stop && !s->nudged) pthread_cond_wait(&s->work_cv, &s->mu);
    atomic_store_explicit(&s->sleeping, false, memory_order_relaxed);
    /* Work is being built for this stream: poll for it instead of sleeping. A worker nudged
       again and again (nodes built slowly) polls without adapting its budget: it costs a core
       while the user builds, and a wake-up per WEIR__POLL_NUDGED_NS at most. */
    if (s->nudged) {
      s->nudged = false;
      if (!s->head && !s->stop) {
        nudged = true;
        continue;
      }
    }
    if (!s->head) break; /* stopped and drained */
    if (slept_at) poll_ns = weir__poll_adapt(poll_ns, weir__now_ns() - slept_at);
    weir_array *list = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->mu);
    while (list) {
      if (s->backend->run_fused && weir__fuse_run(s, &list) > 0) continue; /* consumed a fused run */
      weir_array *a = list;
      list = a->queue_next;
      a->queue_next = NULL;
      run_node(s, a); /* retires it and releases the queue's reference */
    }
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

void weir__stream_nudge(int index) {
  weir__stream *s = weir__stream_lookup(index); /* may be stale: structs are never freed, and a
                                                   nudge to the wrong worker only makes it poll */
  if (!s || !atomic_load_explicit(&s->sleeping, memory_order_relaxed)) return;
  pthread_mutex_lock(&s->mu);
  if (atomic_load_explicit(&s->sleeping, memory_order_relaxed) && !s->nudged) {
    s->nudged = true;
    pthread_cond_signal(&s->work_cv);
  }
  pthread_mutex_unlock(&s->mu);
}

/* Fails every node of a batch that cannot be queued. */
static void fail_batch(weir_array *first, weir_status st, const char *msg) {
  while (first) {
    weir_array *a = first;
    first = a->queue_next;
    complete(a, st, msg);
  }
}

void weir__stream_enqueue(weir__stream *s, weir_array *first, weir_array *last, uint64_t count) {
  pthread_mutex_lock(&s->mu);
  if (s->stop) { /* freed meanwhile: fail the batch instead of queueing it where nothing runs */
    pthread_mutex_unlock(&s->mu);
    fail_batch(first, WEIR_ERR_INVALID_ARGUMENT, "the stream was freed before this array was evaluated");
    return;
  }
  if (!s->worker_running) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    int rc = pthread_create(&s->worker, &attr, worker_main, s);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      pthread_mutex_unlock(&s->mu);
      fail_batch(first, WEIR_ERR_DEVICE, "could not start the stream's worker thread");
      return;
    }
    s->worker_running = true;
  }
  weir__memory_work_queued(count);
  if (s->tail) s->tail->queue_next = first;
  else s->head = first;
  s->tail = last;
  s->submitted += count;
  atomic_fetch_add_explicit(&s->queued, count, memory_order_release);
  pthread_cond_signal(&s->work_cv);
  pthread_mutex_unlock(&s->mu);
}

weir_status weir__stream_drain(weir__stream *s) {
  pthread_mutex_lock(&s->mu);
  uint64_t target = s->submitted;
  if (atomic_load(&s->completed) < target) { /* poll first: the last node is often about to finish */
    pthread_mutex_unlock(&s->mu);
    weir__poll_counter(&s->completed, target, WEIR__POLL_NS);
    pthread_mutex_lock(&s->mu);
  }
  atomic_fetch_add(&s->sync_waiters, 1);
  while (atomic_load(&s->completed) < target) pthread_cond_wait(&s->done_cv, &s->mu);
  atomic_fetch_sub(&s->sync_waiters, 1);
  weir_status st = s->error_status;
  char *msg = s->error_message;
  s->error_status = WEIR_OK;
  s->error_message = NULL;
  pthread_mutex_unlock(&s->mu);
  if (st == WEIR_OK && s->backend->synchronize) st = s->backend->synchronize(s);
  else if (st != WEIR_OK) weir__set_error(st, msg);
  free(msg);
  return st;
}

void weir__stream_stop_worker(weir__stream *s) {
  pthread_mutex_lock(&s->mu);
  s->stop = true;
  bool running = s->worker_running;
  pthread_cond_signal(&s->work_cv);
  pthread_mutex_unlock(&s->mu);
  if (running) pthread_join(s->worker, NULL);
}
