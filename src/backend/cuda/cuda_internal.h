/* Private declarations shared by the C files of the CUDA backend (src/backend/cuda): plain C
   over the CUDA runtime API. The core never includes this. */
#ifndef WEIR_BACKEND_CUDA_INTERNAL_H
#define WEIR_BACKEND_CUDA_INTERNAL_H

#include <cuda_runtime.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "core/fault_injection.h"
#include "core/runtime.h" /* struct weir__stream: device, index, backend_data */
#include "weir/error.h"

/* The kernels' side of the backend (cuda_kernels.h, written alongside): one context per weir
   stream, holding its CUDA stream and the lazily created cuBLAS handle. */
#if __has_include("backend/cuda/cuda_kernels.h")
#include "backend/cuda/cuda_kernels.h"
#define WEIR__CUDA_HAVE_KERNELS 1
#else
typedef struct weir__cuda_ctx {
  int device;
  void *stream; /* cudaStream_t */
  void *cublas; /* cublasHandle_t, created by the kernels on first use */
} weir__cuda_ctx;
#define WEIR__CUDA_HAVE_KERNELS 0
#endif

/* Devices beyond this many are not used (the core has the same bound). */
#define WEIR__CUDA_MAX_DEVICES 64

/* ---- errors (cuda_backend.c) ---- */

/* cudaSuccess -> WEIR_OK. Otherwise clears the runtime's last-error state, sets the message
   "CUDA error in <call>: <description>" and returns WEIR_ERR_OUT_OF_MEMORY for allocation
   failures, WEIR_ERR_DEVICE for the rest. */
weir_status weir__cuda_check(cudaError_t e, const char *call);
/* Every checked runtime call goes through this: when a test armed an injected CUDA failure
   (core/fault_injection.h) the call is skipped, so nothing it would create leaks, and it reports
   cudaErrorUnknown. */
#define WEIR__CUDA_CHECK(expr, call) \
  (weir__cuda_should_fail() ? weir__cuda_check(cudaErrorUnknown, call " (injected)") : weir__cuda_check((expr), call))

/* Makes dev the calling thread's current device and returns the previous one (-1 if unknown or
   unchanged: nothing to put back),
   for functions any thread may call: they put the caller's device back with
   weir__cuda_device_restore, so a user's own CUDA code on that thread is not disturbed. */
int weir__cuda_device_enter(int dev);
void weir__cuda_device_restore(int prev);

/* ---- devices (cuda_device.c) ---- */

int weir__cuda_device_count(void);
weir_status weir__cuda_device_info(int index, weir_device_info *info);

/* ---- streams (cuda_backend.c) ---- */

typedef struct weir__cuda_stream {
  int device;
  int index; /* the weir stream index */
  cudaStream_t stream;
  weir__cuda_ctx ctx;
  struct weir__cuda_stream *next; /* registry hash chain */
  /* What synchronize may skip. `enqueued` counts the work put on the CUDA stream, bumped after
     each enqueue returns; only the weir stream's worker thread enqueues (kernels, copies, waits),
     other threads only record events. Each event carries the count read just before it was
     recorded, so it covers at least that much work; `finished` is the largest count covered by
     an event seen complete. finished == enqueued: nothing is left to wait for. */
  _Atomic uint64_t enqueued;
  _Atomic uint64_t finished;
} weir__cuda_stream;

/* Makes dev current on the calling worker thread, which weir owns (not restored; set once per
   thread, then remembered). */
weir_status weir__cuda_worker_device(int dev);
/* After work was put on st's CUDA stream (by its worker thread). */
static inline void weir__cuda_stream_note_enqueued(weir__cuda_stream *st) {
  atomic_fetch_add_explicit(&st->enqueued, 1, memory_order_release);
}
/* How many synchronize calls found their stream's work already known complete (tests). */
uint64_t weir__cuda_synchronize_skipped(void);
/* The work counted up to `covered` on the stream with weir index `index` is complete. */
void weir__cuda_stream_note_finished(int index, uint64_t covered);

/* Records a pooled event on the stream with weir index `index` (any thread). *out = NULL, with
   WEIR_OK, when no such stream is registered: stream_fini synchronizes a stream before it
   unregisters it, so there is nothing to wait for. */
weir_status weir__cuda_record_on_index(int index, void **out);
/* Whether everything enqueued on the stream with weir index `index` has finished (any thread;
   true when no such stream is registered). */
bool weir__cuda_stream_idle(int index);

/* ---- events (cuda_events.c) ---- */

typedef struct weir__cuda_event {
  cudaEvent_t event;
  int device;       /* events are recorded only on streams of the device they were made on */
  int stream_index; /* the weir stream it was last recorded on */
  uint64_t covers;  /* that stream's enqueued count when it was recorded */
  struct weir__cuda_event *next;
} weir__cuda_event;

/* Records a pooled event on st (any thread). */
weir_status weir__cuda_event_record_on(weir__cuda_stream *st, weir__cuda_event **out);
weir_status weir__cuda_event_record(weir__stream *s, void **out);
weir_status weir__cuda_event_wait_on(weir__stream *s, void *event);
/* Orders the CUDA stream after e (device side). */
weir_status weir__cuda_stream_wait(cudaStream_t stream, weir__cuda_event *e);
weir_status weir__cuda_event_sync(void *event);
void weir__cuda_event_free(void *event);

/* ---- device memory (cuda_allocator.c) ---- */

weir_status weir__cuda_alloc(int index, weir__stream *s, size_t nbytes, void **out);
void weir__cuda_free(int index, void *p, size_t nbytes, int owner, const int *users, int n_users);
size_t weir__cuda_cache_bytes(int index);
void weir__cuda_clear_cache(int index);
void weir__cuda_set_cache_limit(int index, size_t bytes);

/* Counters for tests and benchmarks. */
typedef struct weir__cuda_alloc_stats {
  uint64_t mallocs;        /* cudaMalloc calls that succeeded */
  uint64_t same_stream;    /* served from the cache, last used on the same stream only */
  uint64_t cross_stream;   /* served from the cache after device-side waits */
  uint64_t waits;          /* cudaStreamWaitEvent calls those enqueued */
  uint64_t busy_owner;     /* new blocks made rather than wait for another stream's running work */
  uint64_t oom_retries;    /* cudaMalloc failures that freed the cache and retried */
  uint64_t exact_allocs;   /* allocations made at the exact size, the class size not fitting */
  size_t cache_bytes;
} weir__cuda_alloc_stats;
void weir__cuda_alloc_stats_get(int index, weir__cuda_alloc_stats *out);

/* ---- pinned host memory (cuda_host_allocator.c) ---- */

weir_status weir__cuda_host_alloc(size_t nbytes, void **out);
void weir__cuda_host_free(void *p, size_t nbytes);

/* ---- transfers (cuda_transfer.c) ---- */

weir_status weir__cuda_copy_h2d(weir__stream *s, void *dst, const void *host_src, size_t n);
weir_status weir__cuda_copy_d2d(weir__stream *s, void *dst, const void *src, int src_index, size_t n);
weir_status weir__cuda_read_to_host(int index, void *host_dst, const void *src, size_t n, void *after);

#endif
