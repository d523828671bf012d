/* The CUDA backend's table: error mapping, the stream registry, stream creation and destruction,
   running kernels, and synchronize. Devices, memory, events and transfers live in the other
   files of this directory. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/cuda/cuda_internal.h"
#include "backend/fused.h"
#include "core/error_internal.h"

#ifndef WEIR_HAVE_CUDA
#error "cuda_backend.c is compiled only with WEIR_HAVE_CUDA (cuda_none.c otherwise)"
#endif

/* ---- errors and the current device ---- */

weir_status weir__cuda_check(cudaError_t e, const char *call) {
  if (e == cudaSuccess) return WEIR_OK;
  (void)cudaGetLastError(); /* so the next unrelated call does not report it again */
  weir_status st = e == cudaErrorMemoryAllocation ? WEIR_ERR_OUT_OF_MEMORY : WEIR_ERR_DEVICE;
  return weir__fail(st, "CUDA error in %s: %s", call, cudaGetErrorString(e));
}

/* The current device of a stream's worker thread, which weir owns (-1 on other threads, whose
   device the user's own CUDA code may change behind our back: those ask CUDA every time). */
static _Thread_local int worker_current = -1; /* -2: a worker whose device is unknown */

int weir__cuda_device_enter(int dev) {
  if (worker_current == dev) return -1; /* dev >= 0: never matches -1 or -2 */
  int prev = -1;
  if (cudaGetDevice(&prev) != cudaSuccess) {
    (void)cudaGetLastError();
    prev = -1;
  }
  bool set = prev == dev || cudaSetDevice(dev) == cudaSuccess;
  if (!set) (void)cudaGetLastError();
  if (worker_current != -1) worker_current = set ? dev : -2; /* -2: unknown, ask CUDA next time */
  return prev == dev ? -1 : prev; /* -1: nothing to put back, restore does nothing */
}

void weir__cuda_device_restore(int prev) {
  int cur = -1;
  if (prev < 0) return;
  bool ok = cudaGetDevice(&cur) == cudaSuccess && cur == prev;
  if (!ok) {
    ok = cudaSetDevice(prev) == cudaSuccess;
    if (!ok) (void)cudaGetLastError();
  }
  if (worker_current != -1) worker_current = ok ? prev : -2;
}

/* ---- the stream registry: weir stream index -> its CUDA state ----
   The allocator needs the CUDA streams of the streams that used a block, and the core hands it
   only their indices. Entries are added by stream_init and removed by stream_fini. */

#define REGISTRY_BUCKETS 256
static pthread_rwlock_t registry_mu = PTHREAD_RWLOCK_INITIALIZER;
static weir__cuda_stream *registry[REGISTRY_BUCKETS];

static unsigned bucket_of(int index) { return (unsigned)index % REGISTRY_BUCKETS; }

static void registry_add(weir__cuda_stream *st) {
  pthread_rwlock_wrlock(&registry_mu);
  st->next = registry[bucket_of(st->index)];
  registry[bucket_of(st->index)] = st;
  pthread_rwlock_unlock(&registry_mu);
}

static void registry_remove(weir__cuda_stream *st) {
  pthread_rwlock_wrlock(&registry_mu);
  weir__cuda_stream **pp = &registry[bucket_of(st->index)];
  while (*pp && *pp != st) pp = &(*pp)->next;
  if (*pp) *pp = st->next;
  pthread_rwlock_unlock(&registry_mu);
}

/* The registered stream with weir index `index`, or NULL; the caller holds registry_mu. */
static weir__cuda_stream *registry_find(int index) {
  weir__cuda_stream *cs = registry[bucket_of(index)];
  while (cs && cs->index != index) cs = cs->next;
  return cs;
}

weir_status weir__cuda_record_on_index(int index, void **out) {
  *out = NULL;
  weir_status st = WEIR_OK;
  /* The read lock is held while recording, so stream_fini cannot destroy the stream under us. */
  pthread_rwlock_rdlock(&registry_mu);
  weir__cuda_stream *cs = registry_find(index);
  if (cs) {
    weir__cuda_event *e = NULL;
    st = weir__cuda_event_record_on(cs, &e);
    *out = e;
  }
  pthread_rwlock_unlock(&registry_mu);
  return st;
}

static void note_finished(weir__cuda_stream *cs, uint64_t covered) {
  uint64_t f = atomic_load_explicit(&cs->finished, memory_order_relaxed);
  while (f < covered &&
         !atomic_compare_exchange_weak_explicit(&cs->finished, &f, covered, memory_order_release, memory_order_relaxed)) {
  }
}

/* Whether completions already seen cover all the work counted on cs; *enqueued: the count read. */
static bool known_idle(weir__cuda_stream *cs, uint64_t *enqueued) {
  *enqueued = atomic_load_explicit(&cs->enqueued, memory_order_acquire);
  return atomic_load_explicit(&cs->finished, memory_order_acquire) >= *enqueued;
}

/* cudaStreamQuery on cs; when it reports idle, the work counted before the query is noted
   finished. Another error is cleared here: the stream's synchronize reports it. */
static cudaError_t query_noting(weir__cuda_stream *cs) {
  uint64_t covered = atomic_load_explicit(&cs->enqueued, memory_order_acquire);
  cudaError_t e = cudaStreamQuery(cs->stream);
  if (e == cudaSuccess) note_finished(cs, covered);
  else if (e != cudaErrorNotReady) (void)cudaGetLastError();
  return e;
}

void weir__cuda_stream_note_finished(int index, uint64_t covered) {
  pthread_rwlock_rdlock(&registry_mu);
  weir__cuda_stream *cs = registry_find(index);
  if (cs) note_finished(cs, covered);
  pthread_rwlock_unlock(&registry_mu);
}

bool weir__cuda_stream_idle(int index) {
  bool idle = true; /* unregistered: its work was drained before it left */
  pthread_rwlock_rdlock(&registry_mu);
  weir__cuda_stream *cs = registry_find(index);
  if (cs) idle = query_noting(cs) == cudaSuccess;
  pthread_rwlock_unlock(&registry_mu);
  return idle;
}

/* ---- streams ---- */

static weir_status cuda_stream_init(weir__stream *s) {
  int dev = s->device.index;
  weir__cuda_stream *st = weir__calloc(1, sizeof *st);
  if (!st) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory creating a stream on Device(gpu, %d)", dev);
  int prev = weir__cuda_device_enter(dev);
  /* Non-blocking: never ordered with the legacy default stream, which a user's own CUDA code
     (or a library) may be using. */
  weir_status rc = WEIR__CUDA_CHECK(cudaStreamCreateWithFlags(&st->stream, cudaStreamNonBlocking),
                                    "cudaStreamCreateWithFlags");
  weir__cuda_device_restore(prev);
  if (rc != WEIR_OK) {
    free(st);
    return rc;
  }
  st->device = dev;
  st->index = s->index;
  st->ctx.device = dev;
  st->ctx.stream = (void *)st->stream;
  st->ctx.cublas = NULL;
  st->ctx.mm_plans = NULL;
  registry_add(st);
  s->backend_data = st;
  return WEIR_OK;
}

/* Called when the weir stream's last reference goes (core/runtime.h): its worker is gone and no
   buffer still needs to record on it, so nothing enqueues work on it any more. */
static void cuda_stream_fini(weir__stream *s) {
  weir__cuda_stream *st = s->backend_data;
  if (!st) return;
  int prev = weir__cuda_device_enter(st->device);
  /* Finish its work before leaving the registry: the allocator takes a stream missing from it as
     one whose work completed (weir__cuda_record_on_index), and may hand its blocks to others. */
  if (cudaStreamSynchronize(st->stream) != cudaSuccess) (void)cudaGetLastError();
  registry_remove(st); /* after this no other thread records on it */
#if WEIR__CUDA_HAVE_KERNELS
  weir__cuda_ctx_release(&st->ctx);
#endif
  if (cudaStreamDestroy(st->stream) != cudaSuccess) (void)cudaGetLastError();
  weir__cuda_device_restore(prev);
  free(st);
  s->backend_data = NULL;
}

/* Makes dev current on a stream's worker thread: no need to restore it, and the device is set
   once per thread, not per kernel (functions that switch devices on it put it back:
   weir__cuda_device_enter / restore, which keep worker_current right). */
weir_status weir__cuda_worker_device(int dev) {
  if (worker_current == dev) return WEIR_OK;
  weir_status rc = WEIR__CUDA_CHECK(cudaSetDevice(dev), "cudaSetDevice");
  if (rc == WEIR_OK) worker_current = dev;
  return rc;
}

static weir_status cuda_run(weir__stream *s, weir__kernel_call *call) {
  weir__cuda_stream *st = s->backend_data;
  weir_status rc = weir__cuda_worker_device(st->device);
  if (rc != WEIR_OK) return rc;
#if WEIR__CUDA_HAVE_KERNELS
  rc = weir__cuda_kernel_run(&st->ctx, call);
  weir__cuda_stream_note_enqueued(st); /* even on failure: part of the call may have been enqueued */
  return rc;
#else
  snprintf(call->errmsg, sizeof call->errmsg, "no CUDA kernels in this build");
  return weir__fail(WEIR_ERR_UNSUPPORTED, "%s", call->errmsg);
#endif
}

/* A fused elementwise program (backend/fused.h): a short one goes inside the launch's parameters;
   a longer one goes to device memory on the stream first (cudaMemcpyAsync stages pageable memory
   before it returns, so the caller may free the steps), and the block goes back stream-ordered. */
int weir__cuda_fused_launch(const weir__fused_program *p, void *stream); /* kernels_fused.cu */

static weir_status fused_launch(weir__stream *s, weir__cuda_stream *st, int64_t n, const struct weir__fused_step *steps,
                                int nsteps) {
  if (nsteps <= WEIR__FUSED_INLINE_STEPS) {
    weir__fused_program p = {n, nsteps, steps};
    return WEIR__CUDA_CHECK((cudaError_t)weir__cuda_fused_launch(&p, (void *)st->stream), "fused elementwise kernel");
  }
  weir_status rc;
  size_t bytes = (size_t)nsteps * sizeof(weir__fused_step);
  void *dev = NULL;
  if ((rc = weir__cuda_alloc(st->device, s, bytes, &dev)) != WEIR_OK) return rc;
  rc = WEIR__CUDA_CHECK(cudaMemcpyAsync(dev, steps, bytes, cudaMemcpyHostToDevice, st->stream),
                        "cudaMemcpyAsync (fused program)");
  if (rc == WEIR_OK) {
    weir__fused_program p = {n, nsteps, dev};
    rc = WEIR__CUDA_CHECK((cudaError_t)weir__cuda_fused_launch(&p, (void *)st->stream), "fused elementwise kernel");
  }
  weir__cuda_free(st->device, dev, bytes, s->index, NULL, 0);
  return rc;
}

static weir_status cuda_run_fused(weir__stream *s, int64_t n, const struct weir__fused_step *steps, int nsteps) {
  weir__cuda_stream *st = s->backend_data;
  weir_status rc = weir__cuda_worker_device(st->device);
  if (rc != WEIR_OK) return rc;
  rc = fused_launch(s, st, n, steps, nsteps);
  weir__cuda_stream_note_enqueued(st);
  return rc;
}

static _Atomic uint64_t syncs_skipped;
uint64_t weir__cuda_synchronize_skipped(void) { return atomic_load_explicit(&syncs_skipped, memory_order_relaxed); }

/* Called once the worker has enqueued everything (weir__stream_drain), so nothing is added
   meanwhile. When an event already seen complete covers all the stream's work (an eval that waited
   for the last result), the CUDA call is skipped: it costs ~2 us even on an idle stream. Errors
   of the stream's own work were reported by that event's wait; a sticky context error that
   another stream's work raised afterwards is reported by the next call that reaches CUDA. */
static weir_status cuda_synchronize(weir__stream *s) {
  weir__cuda_stream *st = s->backend_data;
  if (!st) return WEIR_OK;
  uint64_t enqueued;
  if (known_idle(st, &enqueued)) {
    atomic_fetch_add_explicit(&syncs_skipped, 1, memory_order_relaxed);
    return WEIR_OK;
  }
  weir_status rc = WEIR__CUDA_CHECK(cudaStreamSynchronize(st->stream), "cudaStreamSynchronize");
  if (rc == WEIR_OK) note_finished(st, enqueued);
  return rc;
}

/* On s's worker thread (its device is current): known idle from the counts, or asks CUDA, and a
   stream found idle is noted so, which also lets the next synchronize skip its call. */
static bool cuda_stream_busy(weir__stream *s) {
  weir__cuda_stream *st = s->backend_data;
  uint64_t enqueued;
  return st && !known_idle(st, &enqueued) && query_noting(st) == cudaErrorNotReady;
}

static const weir__backend cuda_backend = {
    .type = WEIR_GPU,
    .name = "cuda",
    .device_count = weir__cuda_device_count,
    .device_info = weir__cuda_device_info,
    .alloc = weir__cuda_alloc,
    .free = weir__cuda_free,
    .cache_bytes = weir__cuda_cache_bytes,
    .clear_cache = weir__cuda_clear_cache,
    .set_cache_limit = weir__cuda_set_cache_limit,
    .host_alloc = weir__cuda_host_alloc,
    .host_free = weir__cuda_host_free,
    .stream_init = cuda_stream_init,
    .stream_fini = cuda_stream_fini,
    .run = cuda_run,
    .run_fused = cuda_run_fused,
    .event_record = weir__cuda_event_record,
    .event_wait_on = weir__cuda_event_wait_on,
    .event_sync = weir__cuda_event_sync,
    .event_free = weir__cuda_event_free,
    .synchronize = cuda_synchronize,
    .stream_busy = cuda_stream_busy,
    .copy_h2d = weir__cuda_copy_h2d,
    .copy_d2d = weir__cuda_copy_d2d,
    .read_to_host = weir__cuda_read_to_host,
};

const weir__backend *weir__backend_cuda(void) { return &cuda_backend; }
