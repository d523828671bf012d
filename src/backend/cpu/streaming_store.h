/* Streaming (non-temporal) stores for large elementwise outputs. A plain store to a line that is
   not in cache first reads it (read for ownership), so an add of arrays bigger than the cache
   moves four array-sizes through memory for three that it needs; a streaming store writes the
   line without reading it. Worth it only when the output would not stay in cache anyway: an
   output that fits is better left there for the op that reads it next. */
#ifndef WEIR_BACKEND_CPU_STREAMING_STORE_H
#define WEIR_BACKEND_CPU_STREAMING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether an op that touches this many bytes (inputs and output) writes with streaming stores:
   from a quarter of the last-level cache's size on (WEIR_CPU_STREAM_MIN_BYTES overrides it), and only where
   the CPU has them (x86-64). */
bool weir__cpu_stream_worthy(int64_t bytes);

/* Copies bytes from src (in cache: a kernel's scratch tile) to dst with streaming stores; the
   unaligned ends with plain ones. */
void weir__cpu_stream_copy(void *dst, const void *src, size_t bytes);

/* Orders this thread's streaming stores before its later stores (the signal that the work is
   done): they are weakly ordered. */
void weir__cpu_stream_fence(void);

/* Tests: the threshold in bytes (< 0: back to the default). */
void weir__cpu_stream_set_min_bytes(int64_t bytes);

#endif
