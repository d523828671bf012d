/* Buffers: reference-counted device memory behind evaluated arrays (reshape shares one), with
   the memory accounting and limits of memory.c. */
#ifndef WEIR_CORE_BUFFER_H
#define WEIR_CORE_BUFFER_H

#include <stdatomic.h>
#include <stddef.h>

#include "weir/device.h"

struct weir__buffer {
  _Atomic int64_t refs;
  void *data;
  size_t nbytes;
  weir_device device;
};
typedef struct weir__buffer weir__buffer;

/* Allocates nbytes (> 0) on device d, counting it as active. Fails with WEIR_ERR_OUT_OF_MEMORY
   (message set) when the memory limit or the device cannot give it, after clearing caches. */
weir_status weir__buffer_new(weir_device d, size_t nbytes, weir__buffer **out);
static inline weir__buffer *weir__buffer_retain(weir__buffer *b) {
  if (b) atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}
void weir__buffer_release(weir__buffer *b);
/* Host-readable pointer to the buffer's contents (the data itself for host buffers). */
void *weir__buffer_host_data(weir__buffer *b);

/* In-flight accounting used by allocations that wait for memory (memory.c). */
void weir__memory_work_queued(uint64_t n);
void weir__memory_work_done(void);

/* Slot of a device in per-device tables: cpu -> 0, gpu:k -> 1 + k. */
#define WEIR__MAX_GPUS 64
static inline int weir__device_slot(weir_device d) { return d.type == WEIR_GPU ? 1 + d.index : 0; }

#endif
