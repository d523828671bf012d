/* Graph nodes. A weir_array is one node: a primitive with its inputs, resolved stream, shape
   and dtype; once evaluated it holds a buffer and has dropped its inputs. Internal to the core. */
#ifndef WEIR_CORE_NODE_H
#define WEIR_CORE_NODE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/kernel.h"
#include "weir/array.h"

typedef struct weir__buffer weir__buffer; /* core/buffer.h */

/* Lifecycle: IDLE (built, not scheduled) -> QUEUED (in a stream's queue) -> DONE
   (status/error final; buffer set when status is OK and size > 0). */
enum { WEIR__NODE_IDLE = 0, WEIR__NODE_QUEUED = 1, WEIR__NODE_DONE = 2 };

struct weir_array {
  _Atomic int64_t refs;
  _Atomic int state;      /* WEIR__NODE_* */
  _Atomic int waiters;    /* someone waits for DONE: wake them */
  atomic_bool settled;    /* DONE published and waiters woken: the node may be destroyed */
  weir__prim prim;
  weir_dtype dtype;
  int ndim;
  int nin;
  weir_status status; /* valid once DONE */
  char *error;        /* heap message when status != WEIR_OK */
  uint64_t error_id;  /* id of the node where the failure started (poisoned nodes copy it) */
  int error_stream;   /* index of that node's stream */
  weir_stream stream; /* resolved at the call */
  int64_t size;
  int64_t *shape; /* shape_inline or heap when ndim > 4 */
  int64_t shape_inline[4];
  weir__params params;
  weir_array **inputs; /* inputs_inline or heap when nin > 2; dropped once DONE */
  weir_array *inputs_inline[2];
  weir__buffer *buf;
  weir_array *queue_next; /* intrusive link in a stream's queue */
  atomic_bool want_event; /* an eval or another stream waits for it: record its ready event at once */
  int fuse_index;         /* position in the fused run being built (the stream's worker only) */
  uint64_t id;            /* for traces */
  uint64_t queued_ns;     /* for traces */
};

/* Builds a node. Inputs are retained; shape copied. Callers validated everything (this does not
   look at values). On allocation failure returns WEIR_ERR_OUT_OF_MEMORY with the error set. */
weir_status weir__node_make(weir_array **out, weir__prim prim, const weir__params *params,
                            weir_array *const *inputs, int nin, const int64_t *shape, int ndim, weir_dtype dtype,
                            weir_stream resolved);

/* Resolves an op's stream argument: WEIR_DEFAULT, weir_on(device) or a concrete stream; validates
   device and stream indices (WEIR_ERR_INDEX / WEIR_ERR_INVALID_ARGUMENT with a message). */
weir_status weir__resolve_stream(weir_stream s, weir_stream *out);
/* Whether this thread's last weir__resolve_stream was given WEIR_DEFAULT (no stream named). */
bool weir__last_stream_was_default(void);

/* Checks that the resolved stream's device can run dtype t. float64 on a GPU: when the caller
   named no stream (WEIR_DEFAULT, as this thread's last weir__resolve_stream saw), the op moves to
   the cpu's default stream (*resolved is updated); on an explicitly chosen GPU stream it fails with
   WEIR_ERR_UNSUPPORTED, "float64 is not supported on the GPU; run this op on the CPU with
   stream=mx.cpu". */
weir_status weir__check_dtype_on(weir_stream *resolved, weir_dtype t, const char *op);

/* Element count of a shape with overflow and negative-dimension checks (message names `what`). */
weir_status weir__shape_size(const int64_t *shape, int ndim, const char *op, int64_t *out);

/* True when the array is already evaluated with status OK. */
bool weir__node_ready(const weir_array *a);

#endif
