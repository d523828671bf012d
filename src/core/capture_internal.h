/* Internal side of capture: the scheduler records one task per executed node while a capture
   is running; weir_capture_stop writes them as Chrome/Perfetto trace JSON. */
#ifndef WEIR_CORE_CAPTURE_INTERNAL_H
#define WEIR_CORE_CAPTURE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "weir/array.h"

typedef struct weir__trace_task {
  const char *name; /* primitive name, e.g. "add" (static string) */
  weir_stream stream;
  const int64_t *shape;
  int ndim;
  weir_dtype dtype;
  size_t bytes;         /* output bytes */
  uint64_t id;          /* node id */
  const uint64_t *deps; /* ids of the inputs */
  int ndeps;
  uint64_t queued_ns, start_ns, end_ns; /* weir__now_ns() clock */
  weir_status status;
} weir__trace_task;

extern atomic_bool weir__capture_on; /* cheap check before building a task */

/* Thread-safe; copies what it needs from t. */
void weir__capture_record(const weir__trace_task *t);
/* Monotonic clock in nanoseconds. */
uint64_t weir__now_ns(void);

#endif
