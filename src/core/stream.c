/* Streams: the process-wide registry (indices from one counter), default streams, the
   per-thread push/pop stack, creation, freeing, printing and synchronize. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/node.h"
#include "core/runtime.h"
#include "core/scheduler.h"
#include "core/buffer.h"
#include "core/thread_defaults.h"

/* The registry is a two-level table so lookups are lock-free: chunks are allocated on demand and
   never moved. Indices are never reused; the struct of a freed stream is recycled for a later
   stream (after the scheduler is quiescent), so memory stays bounded by the live streams. */
#define CHUNK 256
#define MAX_CHUNKS 65536 /* 16M stream indices over the life of the process */
static _Atomic(weir__stream *) *chunks[MAX_CHUNKS];
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static int next_index = 1;          /* under registry_mu */
static weir__stream *recycled;       /* freed structs, linked through head (under registry_mu) */
static _Atomic int default_stream[1 + WEIR__MAX_GPUS];
int weir__gpu_count_at_init(void); /* device.c: usable inside start-up */

weir__stream *weir__stream_lookup(int index) {
  if (index <= 0 || index >= CHUNK * MAX_CHUNKS) return NULL;
  _Atomic(weir__stream *) *c = chunks[index / CHUNK];
  return c ? atomic_load_explicit(&c[index % CHUNK], memory_order_acquire) : NULL;
}

/* A zeroed stream struct with its locks initialised: recycled or new. Under registry_mu. */
static weir__stream *stream_struct(void) {
  weir__stream *s = recycled;
  if (s) {
    recycled = (weir__stream *)s->head;
    s->head = s->tail = NULL;
    s->backend_data = NULL;
    s->submitted = 0;
    atomic_store(&s->completed, 0);
    atomic_store(&s->sync_waiters, 0);
    s->stop = false;
    s->worker_running = false;
    s->error_status = WEIR_OK;
    s->error_message = NULL;
    s->error_id = 0;
    return s;
  }
  s = calloc(1, sizeof *s);
  if (!s) return NULL;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->work_cv, NULL);
  pthread_cond_init(&s->done_cv, NULL);
  return s;
}

static weir_status create_stream(weir_device d, int *out_index) {
  pthread_mutex_lock(&registry_mu);
  int index = next_index;
  if (index >= CHUNK * MAX_CHUNKS) {
    pthread_mutex_unlock(&registry_mu);
    return weir__fail(WEIR_ERR_INDEX, "weir_stream_new: this process has created the most streams weir allows (%d)",
                      index - 1);
  }
  weir__stream *s = stream_struct();
  if (!s) {
    pthread_mutex_unlock(&registry_mu);
    return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "weir_stream_new: out of memory");
  }
  s->device = d;
  s->backend = d.type == WEIR_GPU ? weir__backend_cuda() : weir__backend_cpu();
  atomic_store(&s->alive, true);
  if (!chunks[index / CHUNK]) {
    chunks[index / CHUNK] = calloc(CHUNK, sizeof(_Atomic(weir__stream *)));
    if (!chunks[index / CHUNK]) {
      s->head = (weir_array *)recycled;
      recycled = s;
      pthread_mutex_unlock(&registry_mu);
      return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "weir_stream_new: out of memory");
    }
  }
  s->index = index;
  if (s->backend->stream_init) {
    weir_status st = s->backend->stream_init(s);
    if (st != WEIR_OK) {
      s->head = (weir_array *)recycled;
      recycled = s;
      pthread_mutex_unlock(&registry_mu);
      return st;
    }
  }
  next_index++;
  atomic_store_explicit(&chunks[index / CHUNK][index % CHUNK], s, memory_order_release);
  pthread_mutex_unlock(&registry_mu);
  *out_index = index;
  return WEIR_OK;
}

/* Called once from weir__runtime_init: the cpu's default stream is index 1, gpu:k's 2 + k. */
void weir__streams_init(void) {
  int index;
  if (create_stream(WEIR_CPU_DEVICE, &index) == WEIR_OK) atomic_store(&default_stream[0], index);
  for (int k = 0; k < weir__gpu_count_at_init(); k++)
    if (create_stream(WEIR_GPU_DEVICE(k), &index) == WEIR_OK) atomic_store(&default_stream[1 + k], index);
}

int weir__process_default_stream(weir_device d) { return atomic_load(&default_stream[weir__device_slot(d)]); }

/* ---- the calling thread's push/pop stack ---- */
#define MAX_PUSH 256
static _Thread_local weir_stream push_stack[MAX_PUSH];
static _Thread_local int push_depth;

bool weir__thread_default_device(weir_device *out) {
  if (push_depth == 0) return false;
  *out = push_stack[push_depth - 1].device;
  return true;
}

bool weir__thread_default_stream(weir_device d, int *index) {
  for (int i = push_depth - 1; i >= 0; i--)
    if (push_stack[i].device.type == d.type && push_stack[i].device.index == d.index) {
      *index = push_stack[i].index;
      return true;
    }
  return false;
}

/* ---- resolution ---- */
static bool was_created(int index) {
  pthread_mutex_lock(&registry_mu);
  bool created = index > 0 && index < next_index;
  pthread_mutex_unlock(&registry_mu);
  return created;
}

static weir_status check_stream(const weir__stream *s, int index, const char *what) {
  if (!s && was_created(index))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: stream %d was freed", what, index);
  if (!s) return weir__fail(WEIR_ERR_INDEX, "%s: stream index %d does not exist", what, index);
  if (!atomic_load(&s->alive)) {
    char buf[64];
    weir_stream_tostring((weir_stream){s->device, index}, buf, sizeof buf);
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: %s was freed", what, buf);
  }
  return WEIR_OK;
}

static weir_status resolve(weir_stream s, weir_stream *out, const char *what) {
  weir__runtime_init();
  if (s.index < 0) return weir__fail(WEIR_ERR_INDEX, "%s: stream index %d is negative", what, s.index);
  weir_device d = s.device;
  if (d.type == WEIR_DEVICE_DEFAULT) {
    if (s.index > 0) { /* a bare index names a stream on whatever device it lives */
      weir__stream *st = weir__stream_lookup(s.index);
      weir_status e = check_stream(st, s.index, what);
      if (e != WEIR_OK) return e;
      *out = (weir_stream){st->device, s.index};
      return WEIR_OK;
    }
    d = weir_default_device();
  } else {
    weir_status e = weir__check_device(d, what);
    if (e != WEIR_OK) return e;
  }
  int index = s.index;
  if (index == 0 && !weir__thread_default_stream(d, &index)) index = weir__process_default_stream(d);
  weir__stream *st = weir__stream_lookup(index);
  weir_status e = check_stream(st, index, what);
  if (e != WEIR_OK) return e;
  if (st->device.type != d.type || st->device.index != d.index) {
    char want[32], have[64];
    weir_device_tostring(d, want, sizeof want);
    weir_stream_tostring((weir_stream){st->device, index}, have, sizeof have);
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: stream %d is %s, not on %s", what, index, have, want);
  }
  *out = (weir_stream){d, index};
  return WEIR_OK;
}

static _Thread_local bool last_was_default;
bool weir__last_stream_was_default(void) { return last_was_default; }

weir_status weir__resolve_stream(weir_stream s, weir_stream *out) {
  last_was_default = s.device.type == WEIR_DEVICE_DEFAULT && s.index == 0;
  return resolve(s, out, "stream");
}

weir_status weir_stream_resolve(weir_stream s, weir_stream *out) {
  if (!out) return weir__null_arg("weir_stream_resolve", "out");
  return resolve(s, out, "weir_stream_resolve");
}

/* ---- public API ---- */
weir_status weir_stream_new(weir_device d, weir_stream *out) {
  if (!out) return weir__null_arg("weir_stream_new", "out");
  weir__runtime_init();
  if (d.type == WEIR_DEVICE_DEFAULT) d = weir_default_device();
  weir_status st = weir__check_device(d, "weir_stream_new");
  if (st != WEIR_OK) return st;
  int index;
  st = create_stream(d, &index);
  if (st != WEIR_OK) return st;
  *out = (weir_stream){d, index};
  return WEIR_OK;
}

weir_status weir_stream_free(weir_stream s) {
  weir_stream r = {{WEIR_CPU, 0}, 0};
  weir_status st = resolve(s, &r, "weir_stream_free");
  if (st != WEIR_OK) return st;
  for (int k = 0; k <= weir__gpu_count(); k++)
    if (atomic_load(&default_stream[k]) == r.index) {
      char name[64];
      weir_stream_tostring(r, name, sizeof name);
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "weir_stream_free: %s is a default stream; default streams are never freed", name);
    }
  weir__stream *ps = weir__stream_lookup(r.index);
  bool was_alive = true;
  if (!atomic_compare_exchange_strong(&ps->alive, &was_alive, false))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_stream_free: stream %d was already freed", r.index);
  weir_status drained = weir__stream_drain(ps);
  char message[1024];
  snprintf(message, sizeof message, "%s", weir_last_error());
  weir__stream_stop_worker(ps);
  if (ps->backend->stream_fini) ps->backend->stream_fini(ps);
  /* Recycle the struct once no eval can be holding a pointer to it. */
  weir__scheduler_lock();
  atomic_store_explicit(&chunks[r.index / CHUNK][r.index % CHUNK], NULL, memory_order_release);
  weir__scheduler_unlock();
  pthread_mutex_lock(&registry_mu);
  free(ps->error_message);
  ps->head = (weir_array *)recycled;
  recycled = ps;
  pthread_mutex_unlock(&registry_mu);
  if (drained != WEIR_OK) weir__set_error(drained, message);
  return drained;
}

weir_status weir_default_stream(weir_device d, weir_stream *out) {
  if (!out) return weir__null_arg("weir_default_stream", "out");
  return resolve((weir_stream){d, 0}, out, "weir_default_stream");
}

weir_status weir_set_default_stream(weir_stream s) {
  weir_stream r = {{WEIR_CPU, 0}, 0};
  weir_status st = resolve(s, &r, "weir_set_default_stream");
  if (st != WEIR_OK) return st;
  atomic_store(&default_stream[weir__device_slot(r.device)], r.index);
  return WEIR_OK;
}

weir_status weir_stream_push(weir_stream s) {
  weir_stream r = {{WEIR_CPU, 0}, 0};
  weir_status st = resolve(s, &r, "weir_stream_push");
  if (st != WEIR_OK) return st;
  if (push_depth == MAX_PUSH)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_stream_push: more than %d nested pushes on this thread",
                      MAX_PUSH);
  push_stack[push_depth++] = r;
  return WEIR_OK;
}

weir_status weir_stream_pop(void) {
  if (push_depth == 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_stream_pop: this thread has no weir_stream_push to undo");
  push_depth--;
  return WEIR_OK;
}

bool weir_stream_equal(weir_stream a, weir_stream b) {
  weir_stream ra = {{WEIR_CPU, 0}, 0}, rb = ra;
  if (resolve(a, &ra, "weir_stream_equal") != WEIR_OK || resolve(b, &rb, "weir_stream_equal") != WEIR_OK)
    return a.index == b.index && a.device.type == b.device.type && a.device.index == b.device.index;
  return ra.index == rb.index;
}

int weir_stream_tostring(weir_stream s, char *buf, size_t n) {
  weir_stream r;
  if ((s.device.type == WEIR_DEVICE_DEFAULT || s.index == 0) && resolve(s, &r, "weir_stream_tostring") == WEIR_OK)
    s = r;
  char dev[32];
  weir_device_tostring(s.device, dev, sizeof dev);
  if (!buf) n = 0;
  return snprintf(buf, n, "Stream(%s, %d)", dev, s.index);
}

weir_status weir_synchronize(weir_stream s) {
  weir_stream r = {{WEIR_CPU, 0}, 0};
  weir_status st = resolve(s, &r, "weir_synchronize");
  if (st != WEIR_OK) return st;
  return weir__stream_drain(weir__stream_lookup(r.index));
}

weir_status weir_synchronize_all(void) {
  weir__runtime_init();
  pthread_mutex_lock(&registry_mu);
  int n = next_index;
  pthread_mutex_unlock(&registry_mu);
  weir_status first = WEIR_OK;
  char message[1024] = "";
  for (int i = 1; i < n; i++) {
    weir__stream *s = weir__stream_lookup(i);
    if (!s || !atomic_load(&s->alive)) continue;
    weir_status st = weir__stream_drain(s);
    if (st != WEIR_OK && first == WEIR_OK) {
      first = st;
      snprintf(message, sizeof message, "%s", weir_last_error());
    }
  }
  if (first != WEIR_OK) weir__set_error(first, message);
  return first;
}
