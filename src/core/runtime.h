/* Process-wide runtime state: one-time initialisation, the device table and the stream
   registry. */
#ifndef WEIR_CORE_RUNTIME_H
#define WEIR_CORE_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"
#include "weir/stream.h"

typedef struct weir_array weir_array;

/* One stream: an in-order queue of nodes served by one host worker thread. */
struct weir__stream {
  weir_device device;
  int index;
  const weir__backend *backend;
  void *backend_data; /* the backend's per-stream state (e.g. a CUDA stream) */
  atomic_bool alive;  /* false once freed: the struct itself is kept, so stale lookups are safe */
  pthread_mutex_t mu;
  pthread_cond_t work_cv; /* the worker waits here for work */
  pthread_cond_t done_cv; /* synchronize waits here for progress */
  weir_array *head, *tail;
  _Atomic uint64_t queued; /* nodes ever queued, readable without mu (for the worker's spin) */
  uint64_t submitted; /* nodes ever queued (under mu) */
  _Atomic uint64_t completed;
  _Atomic int sync_waiters;
  bool stop;
  bool worker_running;
  pthread_t worker;
  weir_status error_status; /* first unreported execution error since the last synchronize (under mu) */
  char *error_message;
  uint64_t error_id; /* the failing node's id */
};
typedef struct weir__stream weir__stream;

/* Idempotent and thread-safe; every public entry point that needs devices or streams calls it. */
void weir__runtime_init(void);

/* Stream registry (stream.c). Returns NULL for an index that never existed. */
weir__stream *weir__stream_lookup(int index);
/* The default stream index of device d (process-wide, ignoring this thread's pushes). */
int weir__process_default_stream(weir_device d);
/* Validates a concrete device (type CPU/GPU): WEIR_ERR_INDEX with a helpful message if absent. */
weir_status weir__check_device(weir_device d, const char *what);

/* Scheduler (scheduler.c): appends a batch of nodes (linked through queue_next, already
   retained and QUEUED) to s, with one lock and one wake-up. */
void weir__stream_enqueue(weir__stream *s, weir_array *first, weir_array *last, uint64_t count);
/* Stops the worker of s after it drained its queue (stream.c calls it on free). */
void weir__stream_stop_worker(weir__stream *s);
/* Waits until every node queued on s so far has run; returns and clears s's pending error. */
weir_status weir__stream_drain(weir__stream *s);

/* eval/data/item reported a's error to the user: the origin stream's synchronize need not report
   it again. */
void weir__stream_error_reported(const weir_array *a);

/* gpu count, fixed at start-up. */
int weir__gpu_count(void);

#endif
