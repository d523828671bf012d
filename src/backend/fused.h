/* Fused elementwise programs: a run of small elementwise nodes of one stream executed by one
   kernel launch, so a chain of tiny ops costs one launch instead of one each. Every thread runs
   the whole program for its elements, in registers; results are rounded to each node's dtype
   after every step, so fused and unfused execution give the same bits.

   Only exactly-rounded IEEE operations are fused (add, subtract, multiply, divide, maximum,
   minimum, negative, abs, square) on float16 / bfloat16 / float32, computed in float32. */
#ifndef WEIR_BACKEND_FUSED_H
#define WEIR_BACKEND_FUSED_H

#include <stdint.h>

#include "backend/kernel.h"

#define WEIR__FUSED_REGS 16 /* registers per thread; a run needing more is split */
#define WEIR__FUSED_MAX_ELEMENTS 65536 /* larger arrays are bandwidth-bound: launch cost is noise */

enum { WEIR__FUSED_LOAD = 0xff }; /* step.op for a load; other values are weir__prim */

typedef struct weir__fused_step {
  void *ptr;     /* LOAD: the input; compute: where to store the result (NULL: not materialized) */
  uint8_t op;    /* WEIR__FUSED_LOAD or a weir__prim */
  uint8_t dtype; /* weir_dtype of the loaded / computed value */
  uint8_t out;   /* destination register */
  uint8_t a, b;  /* source registers (b unused by unary ops); LOAD: a = 1 when the input is one
                    element broadcast to all */
  uint8_t pad[3];
} weir__fused_step; /* 16 bytes */

typedef struct weir__fused_program {
  int64_t n; /* elements of every non-broadcast operand */
  int nsteps;
  const weir__fused_step *steps; /* device-readable copy of the steps */
} weir__fused_program;

/* Whether a primitive/dtype can be part of a fused program. */
static inline int weir__fusable_prim(weir__prim p) {
  return p == WEIR__P_ADD || p == WEIR__P_SUBTRACT || p == WEIR__P_MULTIPLY || p == WEIR__P_DIVIDE ||
         p == WEIR__P_MAXIMUM || p == WEIR__P_MINIMUM || p == WEIR__P_NEGATIVE || p == WEIR__P_ABS ||
         p == WEIR__P_SQUARE;
}
static inline int weir__fusable_dtype(weir_dtype t) {
  return t == WEIR_FLOAT32 || t == WEIR_FLOAT16 || t == WEIR_BFLOAT16;
}

#endif
