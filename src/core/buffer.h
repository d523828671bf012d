/* Buffers: reference-counted memory behind evaluated arrays (reshape shares one). A buffer lives
   on one device (its home) and may hold copies on other devices, made on demand and ordered on
   the consuming stream; memory accounting and limits are in memory.c, residency in
   residency.c. */
#ifndef WEIR_CORE_BUFFER_H
#define WEIR_CORE_BUFFER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "weir/device.h"

typedef struct weir__stream weir__stream;
typedef struct weir__copy weir__copy;

#define WEIR__BUFFER_USERS 4

struct weir__buffer {
  _Atomic int64_t refs;
  void *data;
  size_t nbytes;
  weir_device device;
  int writer; /* index of the stream whose work writes it (0: written on the host, complete) */
  /* That stream, referenced until `ready` is recorded (GPU buffers): the ready event is recorded on
     it on demand, maybe after the user freed it. Under the buffer lock. */
  weir__stream *writer_stream;
  /* Streams other than the writer that used it on its device (for the stream-aware allocator);
     n_users == -1 once more than WEIR__BUFFER_USERS did. Under the buffer lock. */
  int users[WEIR__BUFFER_USERS];
  int n_users;
  void *ready;        /* event completing after the write (asynchronous devices); lazily made */
  weir__copy *copies; /* copies on other devices, under the buffer lock */
};
typedef struct weir__buffer weir__buffer;

struct weir__copy {
  weir__buffer *buf; /* the copy (its own buffer, accounted on its device) */
  void *done;        /* event completing after the copy (NULL for host copies: made synchronously) */
  weir__copy *next;
};

/* Allocates nbytes (> 0) on device d for stream s (NULL: on the host), counting it as active.
   Fails with WEIR_ERR_OUT_OF_MEMORY (message set) when the memory limit or the device cannot
   give it, after clearing caches and waiting for in-flight work that makes progress. */
weir_status weir__buffer_new(weir_device d, weir__stream *s, size_t nbytes, weir__buffer **out);
static inline weir__buffer *weir__buffer_retain(weir__buffer *b) {
  if (b) atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}
void weir__buffer_release(weir__buffer *b);

/* ---- residency (residency.c) ---- */
/* A pointer to b's contents valid for work on stream s (on s's device), with s ordered after the
   write: the data itself, or a copy made on s (cached on b). Called on s's worker thread. */
weir_status weir__buffer_use_on(weir__buffer *b, weir__stream *s, void **out);
/* The buffer to share for a reshape on s: b itself when it lives on s's device, else its copy. */
weir_status weir__buffer_for_stream(weir__buffer *b, weir__stream *s, weir__buffer **out);
/* Host-readable contents, waiting for the write (and copying from a GPU, cached on b). */
weir_status weir__buffer_host_view(weir__buffer *b, const void **out);
/* Blocks the caller until the write of b completed (no-op for host-written buffers). */
weir_status weir__buffer_wait_host(weir__buffer *b);
/* Records b's ready event on its writer stream now, if the device is asynchronous. */
weir_status weir__buffer_mark_written(weir__buffer *b, weir__stream *writer);
/* For donation: whether s may overwrite b in place, b being held by nobody but the caller (who
   checked the reference counts). Yes on the host when b has no copies (none is being made from
   it); on a GPU when s wrote b and no other stream or device read it, so everything that read it
   is ordered before s's next kernel. On yes, b's ready event is dropped (it marks the old write)
   and s becomes its writer again. */
bool weir__buffer_claim_for_write(weir__buffer *b, weir__stream *s);
/* Frees residency state at release: copies, events; waits for pending reads of host memory. */
void weir__buffer_release_residency(weir__buffer *b);

/* In-flight accounting used by allocations that wait for memory (memory.c). */
void weir__memory_work_queued(uint64_t n);
void weir__memory_work_done(void);

/* Slot of a device in per-device tables: cpu -> 0, gpu:k -> 1 + k. */
#define WEIR__MAX_GPUS 64
static inline int weir__device_slot(weir_device d) { return d.type == WEIR_GPU ? 1 + d.index : 0; }

#endif
