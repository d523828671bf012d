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

/* step.op for a load and for a constant; other values are weir__prim. A one-element input that
   lives on the host (a Python scalar, say) becomes a CONST: its value travels in the program, so a
   GPU run needs no copy of it. */
enum { WEIR__FUSED_LOAD = 0xff, WEIR__FUSED_CONST = 0xfe };

typedef struct weir__fused_step {
  union {
    void *ptr;   /* LOAD: the input; compute: where to store the result (NULL: not materialized) */
    float value; /* CONST: the value (exact: the input's dtype is the step's, float32 or narrower) */
  };
  uint8_t op;    /* WEIR__FUSED_LOAD, WEIR__FUSED_CONST or a weir__prim */
  uint8_t dtype; /* weir_dtype of the loaded / computed value */
  uint8_t out;   /* destination register */
  uint8_t a, b;  /* source registers (b unused by unary ops); LOAD: a = 1 when the input is one
                    element broadcast to all */
  uint8_t pad[3];
} weir__fused_step; /* 16 bytes */

/* Programs of at most this many steps go to the GPU inside the launch's parameters (no copy, no
   allocation); longer ones are copied to device memory first. */
#define WEIR__FUSED_INLINE_STEPS 48

typedef struct weir__fused_program {
  int64_t n; /* elements of every non-broadcast operand */
  int nsteps;
  const weir__fused_step *steps; /* host steps (nsteps <= WEIR__FUSED_INLINE_STEPS: sent inline) or
                                    a device-readable copy */
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
