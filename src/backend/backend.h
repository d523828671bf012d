/* The private backend interface: one table of functions per device type. The core (src/core)
   owns graphs, scheduling, each stream's in-order queue and its host worker thread, and memory
   accounting; a backend owns the device side: device discovery, raw memory with its cache,
   running kernels on a stream, and cross-device transfers. Backends never call the front end.

   Threading: run/copy/wait_node/synchronize for a stream are only called from that stream's
   worker thread; the alloc/free/cache functions may be called from any thread. */
#ifndef WEIR_BACKEND_BACKEND_H
#define WEIR_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/kernel.h"
#include "weir/device.h"

typedef struct weir__stream weir__stream; /* core/stream_internal.h: device, index, backend_data */

/* device_info helpers the backends use to fill the key -> value map (core/device_info.c). */
weir_status weir__device_info_set_string(weir_device_info *info, const char *key, const char *value);
weir_status weir__device_info_set_int(weir_device_info *info, const char *key, int64_t value);

typedef struct weir__backend {
  weir_device_type type;
  const char *name; /* "cpu", "cuda" */

  /* Devices. */
  int (*device_count)(void);
  weir_status (*device_info)(int index, weir_device_info *info);

  /* Memory for buffers on device `index`: a caching allocator. alloc may serve from the cache;
     on failure it returns WEIR_ERR_OUT_OF_MEMORY (the core then clears caches and retries once).
     free returns the block to the cache (or to the system beyond the cache limit). */
  weir_status (*alloc)(int index, size_t nbytes, void **out);
  void (*free)(int index, void *p, size_t nbytes);
  size_t (*cache_bytes)(int index);
  void (*clear_cache)(int index);
  void (*set_cache_limit)(int index, size_t bytes);

  /* Streams. stream_init/fini create and destroy the device side (e.g. a CUDA stream); NULL when
     there is none. */
  weir_status (*stream_init)(weir__stream *s);
  void (*stream_fini)(weir__stream *s);

  /* Runs one kernel in stream order. A synchronous backend (CPU) returns when it is done and
     sets *event = NULL; an asynchronous one (GPU) returns once it is enqueued, with an event the
     core later passes to event_wait_host / event_is_done / event_free, or to wait_event_on of a
     consumer stream of the same backend (device-side wait, no host blocking). */
  weir_status (*run)(weir__stream *s, weir__kernel_call *call, void **event);
  weir_status (*wait_event_on)(weir__stream *s, void *event); /* NULL: host waits instead */
  weir_status (*event_wait_host)(void *event);
  void (*event_free)(void *event);

  /* Waits for all work `run` queued on s; reports device errors. NULL: nothing to wait for. */
  weir_status (*synchronize)(weir__stream *s);

  /* Transfers between host memory and this backend's memory, ordered on s. */
  weir_status (*copy_to_device)(weir__stream *s, void *dst, const void *host_src, size_t n);
  weir_status (*copy_to_host)(weir__stream *s, void *host_dst, const void *src, size_t n);
} weir__backend;

const weir__backend *weir__backend_cpu(void);
/* NULL when weir was built without CUDA. */
const weir__backend *weir__backend_cuda(void);

/* The CPU kernels (src/backend/cpu): runs c synchronously on the calling thread. */
weir_status weir__cpu_kernel_run(weir__kernel_call *c);

#endif
