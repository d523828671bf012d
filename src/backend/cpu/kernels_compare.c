/* Comparison kernels EQUAL .. GREATER_EQUAL and LOGICAL_AND / LOGICAL_OR: two inputs of one
   dtype (any), bool out. float16/bfloat16 compare as float32 (so -0 == +0); NaN compares
   unequal to everything. The logical ops take any dtype as != 0 (NaN is true). */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model), which
   leaves these kernels' loops scalar; the "cheap" model vectorizes them. Before the includes so
   the inlined helpers get it too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"

#define EQ(C, U, x, y) ((x) == (y))
#define NE(C, U, x, y) ((x) != (y))
#define LT(C, U, x, y) ((x) < (y))
#define LE(C, U, x, y) ((x) <= (y))
#define GT(C, U, x, y) ((x) > (y))
#define GE(C, U, x, y) ((x) >= (y))
#define AND(C, U, x, y) (((x) != 0) & ((y) != 0))
#define OR(C, U, x, y) (((x) != 0) | ((y) != 0))

#define ROW(sfx, T, C, U, LD, ST, name, OP) WEIR__CPU_ROW2(name##_##sfx, T, uint8_t, C, U, LD, WEIR__ID, OP)

WEIR__CPU_ALL(ROW, eq, EQ)
WEIR__CPU_ALL(ROW, ne, NE)
WEIR__CPU_ALL(ROW, lt, LT)
WEIR__CPU_ALL(ROW, le, LE)
WEIR__CPU_ALL(ROW, gt, GT)
WEIR__CPU_ALL(ROW, ge, GE)
WEIR__CPU_ALL(ROW, and, AND)
WEIR__CPU_ALL(ROW, or, OR)

#define FIRST WEIR__P_EQUAL
static const weir__cpu_row_fn compare_rows[WEIR__P_LOGICAL_OR - FIRST + 1][WEIR_NUM_DTYPES] = {
    [WEIR__P_EQUAL - FIRST] = {WEIR__CPU_TAB_ALL(eq)},
    [WEIR__P_NOT_EQUAL - FIRST] = {WEIR__CPU_TAB_ALL(ne)},
    [WEIR__P_LESS - FIRST] = {WEIR__CPU_TAB_ALL(lt)},
    [WEIR__P_LESS_EQUAL - FIRST] = {WEIR__CPU_TAB_ALL(le)},
    [WEIR__P_GREATER - FIRST] = {WEIR__CPU_TAB_ALL(gt)},
    [WEIR__P_GREATER_EQUAL - FIRST] = {WEIR__CPU_TAB_ALL(ge)},
    [WEIR__P_LOGICAL_AND - FIRST] = {WEIR__CPU_TAB_ALL(and)},
    [WEIR__P_LOGICAL_OR - FIRST] = {WEIR__CPU_TAB_ALL(or)},
};

weir_status weir__cpu_compare(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = weir__cpu_check_elementwise(c, 2);
  if (st != WEIR_OK) return st;
  weir_dtype t = c->in[0].dtype;
  if (c->in[1].dtype != t || c->out.dtype != WEIR_BOOL)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: inputs %s and %s, output %s (same inputs, bool output)",
                          weir__prim_name(c->prim), weir_dtype_name(t), weir_dtype_name(c->in[1].dtype),
                          weir_dtype_name(c->out.dtype));
  weir__cpu_map(c, compare_rows[c->prim - FIRST][t], lo, hi);
  return WEIR_OK;
}
