/* The private backend interface: one table of functions per device type. The core (src/core)
   owns graphs, scheduling, each stream's in-order queue and its host worker thread, buffer
   residency (which devices hold a valid copy) and memory accounting; a backend owns the device
   side: device discovery, raw memory with its cache, running kernels on a stream, events and
   transfers. Backends never call the front end.

   Threading: run / copy_* / event_wait_on for a stream are called only from that stream's worker
   thread; every other function may be called from any thread. */
#ifndef WEIR_BACKEND_BACKEND_H
#define WEIR_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/kernel.h"
#include "weir/device.h"

typedef struct weir__stream weir__stream; /* core/runtime.h: device, index, backend_data */
struct weir__fused_step;                  /* backend/fused.h */

/* device_info helpers the backends use to fill the key -> value map (core/device_info.c). */
weir_status weir__device_info_set_string(weir_device_info *info, const char *key, const char *value);
weir_status weir__device_info_set_int(weir_device_info *info, const char *key, int64_t value);

typedef struct weir__backend {
  weir_device_type type;
  const char *name; /* "cpu", "cuda" */

  /* ---- devices ---- */
  int (*device_count)(void); /* 0 (not an error) without a driver or device */
  weir_status (*device_info)(int index, weir_device_info *info);

  /* ---- memory on device `index`: a caching allocator ----
     alloc: a block for stream s (the stream whose work uses it first; NULL for host memory).
       A cached block last used on another stream is handed out only after s is ordered after
       those uses (e.g. cudaStreamWaitEvent), never by blocking the host. Fails with
       WEIR_ERR_OUT_OF_MEMORY (message set); the core then clears caches and retries once.
     free: returns the block. owner is the index of the stream it was allocated for; users[0..n)
       the other streams that read or wrote it (n_users < 0: unknown, so the block must be
       treated as used by every stream of the device). All their uses were already enqueued. */
  weir_status (*alloc)(int index, weir__stream *s, size_t nbytes, void **out);
  void (*free)(int index, void *p, size_t nbytes, int owner, const int *users, int n_users);
  size_t (*cache_bytes)(int index);
  void (*clear_cache)(int index); /* may wait for the device so cached blocks can be released */
  void (*set_cache_limit)(int index, size_t bytes);

  /* Host memory for every host buffer while this backend has devices (pinned, so transfers are
     asynchronous and run at full bus speed). NULL: plain host memory. */
  weir_status (*host_alloc)(size_t nbytes, void **out);
  void (*host_free)(void *p, size_t nbytes);

  /* ---- streams ---- create/destroy the device side (s->device, s->index are set; keep state
     in s->backend_data). NULL when there is none. */
  weir_status (*stream_init)(weir__stream *s);
  void (*stream_fini)(weir__stream *s);

  /* Runs one kernel in stream order. A synchronous backend (CPU) returns when it is done; an
     asynchronous one (GPU) returns once the work is enqueued. Errors the device reports later
     come back from event_sync / synchronize. */
  weir_status (*run)(weir__stream *s, weir__kernel_call *call);

  /* Runs a fused elementwise program (backend/fused.h) in stream order: steps are host memory,
     valid only during the call (the backend copies them). NULL: the backend does not fuse. */
  weir_status (*run_fused)(weir__stream *s, int64_t n, const struct weir__fused_step *steps, int nsteps);

  /* ---- events (NULL on synchronous backends) ----
     event_record: an event that completes when everything enqueued on s so far has run.
     event_wait_on: orders s after the event (device side; the event may come from any stream
       of any device of this backend).
     event_sync: blocks the calling host thread until the event completed; reports device errors.
     event_free: releases it (the backend may pool events). */
  weir_status (*event_record)(weir__stream *s, void **out);
  weir_status (*event_wait_on)(weir__stream *s, void *event);
  weir_status (*event_sync)(void *event);
  void (*event_free)(void *event);

  /* Waits for all work enqueued on s; reports device errors. NULL: nothing to wait for. */
  weir_status (*synchronize)(weir__stream *s);
  /* Whether work enqueued on s may still be running on the device (called by s's worker; may ask
     the device, so at most every few tens of microseconds). NULL: the host's work is done when
     the worker's is. */
  bool (*stream_busy)(weir__stream *s);

  /* ---- transfers ----
     copy_h2d: host (pinned) -> device of s, ordered on s (asynchronous).
     copy_d2d: device src_index -> device of s, ordered on s (asynchronous; peer copy across GPUs).
     read_to_host: device `index` -> host, synchronous, after `after` completed (an event, or NULL:
       nothing to wait for); callable from any thread (uses the backend's own transfer stream). */
  weir_status (*copy_h2d)(weir__stream *s, void *dst, const void *host_src, size_t n);
  weir_status (*copy_d2d)(weir__stream *s, void *dst, const void *src, int src_index, size_t n);
  weir_status (*read_to_host)(int index, void *host_dst, const void *src, size_t n, void *after);
} weir__backend;

const weir__backend *weir__backend_cpu(void);
/* NULL when weir was built without CUDA. */
const weir__backend *weir__backend_cuda(void);

/* The CPU kernels (src/backend/cpu): runs c synchronously on the calling thread. */
weir_status weir__cpu_kernel_run(weir__kernel_call *c);
/* The CPU's fused elementwise interpreter (backend/fused.h), over elements [lo, hi). */
weir_status weir__cpu_fused_run_range(int64_t lo, int64_t hi, const struct weir__fused_step *steps, int nsteps);

#endif
