/* Scheduler internals shared with array.c. */
#ifndef WEIR_CORE_SCHEDULER_H
#define WEIR_CORE_SCHEDULER_H

#include "core/node.h"

/* Blocks until a is DONE (spinning briefly before sleeping). */
void weir__node_wait(weir_array *a);
/* Releases the inputs of an evaluated node. */
void weir__node_drop_inputs(weir_array *a);
/* Destroys a node whose count reached zero (and the inputs that reach zero with it). */
void weir__array_destroy(weir_array *a);
/* Results written into an input's buffer (worker.c's donation), since start-up: for tests. */
uint64_t weir__donations_total(void);
/* The lock under which eval claims and queues nodes; holding it means no eval holds a stream
   pointer (stream.c takes it before recycling a freed stream). */
void weir__scheduler_lock(void);
void weir__scheduler_unlock(void);

#endif
