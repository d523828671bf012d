/* A persistent pool of CPU threads for the kernels: one parallel loop at a time, split into
   chunks that the pool's threads and the calling thread take in turn. */
#ifndef WEIR_BACKEND_CPU_THREAD_POOL_H
#define WEIR_BACKEND_CPU_THREAD_POOL_H

#include <stdint.h>

typedef void (*weir__pool_fn)(void *ctx, int64_t lo, int64_t hi);

/* Threads a parallel loop uses, the caller included: WEIR_CPU_THREADS if set (>= 1), else the
   online cores. */
int weir__pool_threads(void);

/* Calls fn(ctx, lo, hi) over disjoint ranges covering [0, n), each at least `grain` long (but for
   the last), and returns once all have returned. The pool's threads start on first use. When
   another loop holds the pool (two streams at once), or n < 2 * grain, or the pool has one
   thread, the whole range runs on the calling thread: never a wait for another caller's work. */
void weir__pool_run(int64_t n, int64_t grain, weir__pool_fn fn, void *ctx);

#endif
