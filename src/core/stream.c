/* Streams: the process-wide registry (indices from one counter), default streams, the
   per-thread push/pop stack, creation, freeing, printing and synchronize. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error_internal.h"
#include "core/node.h"
#include "core/runtime.h"
#include "core/scheduler.h"
#include "core/buffer.h"
#include "core/thread_defaults.h"

/* The registry is a two-level table so lookups are lock-free: chunks are allocated on demand and
   never moved. Indices are never reused; the struct of a freed stream is recycled for a later
   stream once its last reference is gone (runtime.h), so memory stays bounded by the streams
   still alive or still referenced. */
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

/* The pointer read from the registry may be stale: its stream freed and the struct recycled, even
   for another stream, meanwhile. Structs are never freed, so the increment-if-nonzero is safe on a
   stale one; a count that was zero means recycled, and once we hold a reference the index cannot
   change, so a mismatch means the struct now serves a newer stream. */
weir__stream *weir__stream_acquire(int index) {
  weir__stream *s = weir__stream_lookup(index);
  if (!s) return NULL;
  int64_t r = atomic_load_explicit(&s->refs, memory_order_relaxed);
  do {
    if (r == 0) return NULL;
  } while (!atomic_compare_exchange_weak_explicit(&s->refs, &r, r + 1, memory_order_acquire, memory_order_relaxed));
  if (s->index != index) {
    weir__stream_release(s);
    return NULL;
  }
  return s;
}

void weir__stream_release(weir__stream *s) {
  if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
  /* Nobody else can reach it now: the worker was joined and the registry slot cleared. */
  if (s->backend->stream_fini) s->backend->stream_fini(s);
  free(s->error_message);
  s->error_message = NULL;
  pthread_mutex_lock(&registry_mu);
  s->head = (weir_array *)recycled;
  recycled = s;
  pthread_mutex_unlock(&registry_mu);
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
    atomic_store(&s->sleeping, false);
    s->nudged = false;
    s->error_status = WEIR_OK;
    s->error_message = NULL;
    s->error_id = 0;
    return s;
  }
  s = weir__calloc(1, sizeof *s);
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
    chunks[index / CHUNK] = weir__calloc(CHUNK, sizeof(_Atomic(weir__stream *)));
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
  /* The registry's reference; the release store publishes the fields above to whoever acquires
     this struct through a stale pointer from now on. */
  atomic_store_explicit(&s->refs, 1, memory_order_release);
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

/* The device of live stream `index`, or the error for a freed or unknown one. */
static weir_status check_stream(int index, const char *what, weir_device *device) {
  weir__stream *s = weir__stream_acquire(index);
  if (!s && was_created(index))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: stream %d was freed", what, index);
  if (!s) return weir__fail(WEIR_ERR_INDEX, "%s: stream index %d does not exist", what, index);
  *device = s->device;
  bool alive = atomic_load(&s->alive);
  weir__stream_release(s);
  if (!alive) {
    char buf[64];
    weir_stream_tostring((weir_stream){*device, index}, buf, sizeof buf);
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
      weir_device on;
      weir_status e = check_stream(s.index, what, &on);
      if (e != WEIR_OK) return e;
      *out = (weir_stream){on, s.index};
      return WEIR_OK;
    }
    d = weir_default_device();
  } else {
    weir_status e = weir__check_device(d, what);
    if (e != WEIR_OK) return e;
  }
  int index = s.index;
  if (index == 0 && !weir__thread_default_stream(d, &index)) index = weir__process_default_stream(d);
  weir_device on;
  weir_status e = check_stream(index, what, &on);
  if (e != WEIR_OK) return e;
  if (on.type != d.type || on.index != d.index) {
    char want[32], have[64];
    weir_device_tostring(d, want, sizeof want);
    weir_stream_tostring((weir_stream){on, index}, have, sizeof have);
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
  weir__stream *ps = weir__stream_acquire(r.index);
  bool was_alive = true;
  if (!ps || !atomic_compare_exchange_strong(&ps->alive, &was_alive, false)) {
    weir__stream_release(ps);
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_stream_free: stream %d was already freed", r.index);
  }
  weir_status drained = weir__stream_drain(ps);
  char message[1024];
  snprintf(message, sizeof message, "%s", weir_last_error());
  weir__stream_stop_worker(ps);
  /* Unregister under the scheduler lock, so no eval still holds the unreferenced pointer it
     looked up (scheduler.c), then drop the registry's reference. The backend state goes with the
     last reference: buffers this stream wrote may still need it to record their ready events. */
  weir__scheduler_lock();
  atomic_store_explicit(&chunks[r.index / CHUNK][r.index % CHUNK], NULL, memory_order_release);
  weir__scheduler_unlock();
  weir__stream_release(ps); /* the registry's */
  weir__stream_release(ps); /* ours */
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
  weir__stream *ps = weir__stream_acquire(r.index);
  if (!ps) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_synchronize: stream %d was freed", r.index);
  st = weir__stream_drain(ps); /* also right for a stream being freed meanwhile: it is drained too */
  weir__stream_release(ps);
  return st;
}

int weir__stream_index_bound(void) {
  pthread_mutex_lock(&registry_mu);
  int n = next_index;
  pthread_mutex_unlock(&registry_mu);
  return n;
}

weir_status weir_synchronize_all(void) {
  weir__runtime_init();
  int n = weir__stream_index_bound();
  weir_status first = WEIR_OK;
  char message[1024] = "";
  for (int i = 1; i < n; i++) {
    weir__stream *s = weir__stream_acquire(i);
    if (!s) continue;
    weir_status st = atomic_load(&s->alive) ? weir__stream_drain(s) : WEIR_OK; /* a freeing one drains itself */
    weir__stream_release(s);
    if (st != WEIR_OK && first == WEIR_OK) {
      first = st;
      snprintf(message, sizeof message, "%s", weir_last_error());
    }
  }
  if (first != WEIR_OK) weir__set_error(first, message);
  return first;
}
