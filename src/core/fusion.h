/* Fusing runs of small elementwise nodes on streams whose backend can (fusion.c). */
#ifndef WEIR_CORE_FUSION_H
#define WEIR_CORE_FUSION_H

#include "core/node.h"
#include "core/runtime.h"

/* If *list starts with two or more fusable nodes, runs them as one fused program, retires them,
   advances *list past them and returns how many; else returns 0 and leaves *list alone. */
int weir__fuse_run(weir__stream *s, weir_array **list);

/* Nodes run inside fused programs since start-up (for tests). */
uint64_t weir__fused_nodes_total(void);

/* Trace, publish and retire one node (worker.c). */
void weir__worker_finish(weir__stream *s, weir_array *a, weir_status st, const char *msg, uint64_t start);

#endif
