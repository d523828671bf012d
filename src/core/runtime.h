/* Process-wide runtime state: one-time initialisation, the device table and the stream
   registry. */
#ifndef WEIR_CORE_RUNTIME_H
#define WEIR_CORE_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/backend.h"
#include "weir/stream.h"

typedef struct weir_array weir_array;

/* One stream: an in-order queue of nodes served by one host worker thread.

   Lifetime: the struct is reference counted. The registry holds one reference from creation
   until weir_stream_free (which drains the stream and joins its worker first); a GPU buffer
   holds one on the stream that writes it until its ready event is recorded (recording needs the
   backend's stream even after the user freed the weir stream); code that looks a stream up by
   index outside the scheduler lock holds one (weir__stream_acquire) while it uses the pointer.
   When the count reaches zero the backend's state is destroyed (stream_fini) and the struct is
   recycled for a later stream; structs are never returned to malloc, so a stale pointer may
   still be used to try weir__stream_acquire's increment-if-nonzero. */
struct weir__stream {
  weir_device device;
  int index;
  const weir__backend *backend;
  void *backend_data;    /* the backend's per-stream state (e.g. a CUDA stream) */
  _Atomic int64_t refs;  /* 0: recycled (or being recycled) */
  atomic_bool alive;     /* false once weir_stream_free started: no new work is accepted */
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
  /* The worker is in its blocking wait (it polled for work and none came): the first node built
     for the stream nudges it (weir__stream_nudge) to poll again, so the eval that follows does
     not pay a wake-up. nudged is under mu. */
  atomic_bool sleeping;
  bool nudged;
  pthread_t worker;
  weir_status error_status; /* first unreported execution error since the last synchronize (under mu) */
  char *error_message;
  uint64_t error_id; /* the failing node's id */
  /* For weir__debug_dump_streams: the node the worker runs, and the input (another stream's) it
     waits for; 0 when none. Written by the worker only. */
  _Atomic uint64_t running_id, waiting_id;
};
typedef struct weir__stream weir__stream;

/* Idempotent and thread-safe; every public entry point that needs devices or streams calls it. */
void weir__runtime_init(void);

/* Stream registry (stream.c). weir__stream_lookup returns the registered struct without a
   reference (NULL for an index that never existed or was freed): only valid under the scheduler
   lock, which weir_stream_free takes before it drops the registry's reference. Elsewhere use
   weir__stream_acquire: a referenced struct, or NULL once weir_stream_free unregistered it (while
   a free is under way the struct is still found, with alive == false). */
weir__stream *weir__stream_lookup(int index);
weir__stream *weir__stream_acquire(int index);
/* For a caller that already holds a reference (or is s's worker, which the registry's outlives). */
static inline weir__stream *weir__stream_retain(weir__stream *s) {
  if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
  return s;
}
/* Drops a reference; the last one destroys the backend state and recycles the struct. */
void weir__stream_release(weir__stream *s);
/* The default stream index of device d (process-wide, ignoring this thread's pushes). */
int weir__process_default_stream(weir_device d);
/* Validates a concrete device (type CPU/GPU): WEIR_ERR_INDEX with a helpful message if absent. */
weir_status weir__check_device(weir_device d, const char *what);

/* Called when a node is built for stream `index`: wakes its worker if it sleeps, to poll for the
   coming eval (worker.c). Costs two loads when the worker is awake. */
void weir__stream_nudge(int index);
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

/* One past the highest stream index handed out so far. */
int weir__stream_index_bound(void);

/* Test and debugging aid (debug_dump.c): prints every live stream's state (queue counts, the
   node its worker runs and the input it waits for, its pending error) to f. Safe to call while
   the streams are stuck: it never waits for a stream's lock. */
void weir__debug_dump_streams(FILE *f);

/* gpu count, fixed at start-up. */
int weir__gpu_count(void);

#endif
