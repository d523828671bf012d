/* Binary arithmetic kernels ADD .. POWER: inputs and out of one dtype. Integers wrap (the
   arithmetic is done in an unsigned type), float16/bfloat16 compute in float32.
   bool computes as 0/1 integers stored as != 0: add = or, subtract = xor, multiply = and,
   maximum = or, minimum = and, power = x | !y, floor_divide = and, remainder = 0. DIVIDE and
   ARCTAN2 take floating dtypes only, the bitwise ops integers and bool, the shifts integers.
   Integer division, remainder and shifts are defined for every input (kernel_math.h). */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model), which
   leaves these kernels' loops scalar; the "cheap" model vectorizes them. Before the includes so
   the inlined helpers get it too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include <tgmath.h>

#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"
#include "backend/cpu/vector_math.h"
#include "backend/kernel_math.h"


#define ADD_B(C, U, x, y) (((x) | (y)) != 0)
#define SUB_B(C, U, x, y) (((x) ^ (y)) != 0)
#define MUL_B(C, U, x, y) (((x) & (y)) != 0)
#define POW_B(C, U, x, y) ((x) != 0 || (y) == 0)
#define ADD_I(C, U, x, y) ((C)((U)(x) + (U)(y)))
#define SUB_I(C, U, x, y) ((C)((U)(x) - (U)(y)))
#define MUL_I(C, U, x, y) ((C)((U)(x) * (U)(y)))
#define MAX_I(C, U, x, y) ((x) > (y) ? (x) : (y))
#define MIN_I(C, U, x, y) ((x) < (y) ? (x) : (y))
#define POW_U(C, U, x, y) ((C)weir__ipow_u((x), (y)))
#define POW_S(C, U, x, y) ((C)weir__ipow_s((x), (y)))
#define ADD_F(C, U, x, y) ((x) + (y))
#define SUB_F(C, U, x, y) ((x) - (y))
#define MUL_F(C, U, x, y) ((x) * (y))
#define DIV_F(C, U, x, y) ((x) / (y))
/* NaN propagates: x when x is NaN, else the larger (y when y is NaN, as x > NaN is false). */
#define MAX_F(C, U, x, y) (((x) != (x) || (x) > (y)) ? (x) : (y))
#define MIN_F(C, U, x, y) (((x) != (x) || (x) < (y)) ? (x) : (y))
#define POW_F(C, U, x, y) pow((x), (y))
#define FDIV_U(C, U, x, y) ((C)weir__floordiv_u((x), (y)))
#define FDIV_S(C, U, x, y) ((C)weir__floordiv_s((x), (y)))
#define FDIV_F(C, U, x, y) (sizeof(C) == sizeof(double) ? weir__floordiv_d((x), (y)) : weir__floordiv_f((float)(x), (float)(y)))
#define MOD_B(C, U, x, y) ((void)(x), (void)(y), (C)0)
#define MOD_U(C, U, x, y) ((C)weir__mod_u((x), (y)))
#define MOD_S(C, U, x, y) ((C)weir__mod_s((x), (y)))
#define MOD_F(C, U, x, y) (sizeof(C) == sizeof(double) ? weir__remainder_d((x), (y)) : weir__remainder_f((float)(x), (float)(y)))
/* In double for float32 too: the CUDA kernel does the same, so both round one double result. */
#define ATAN2_F(C, U, x, y) _Generic((x), double: atan2((double)(x), (double)(y)), default: (C)weir__vatan2((x), (y)))
#define AND_B(C, U, x, y) (((x) != 0) & ((y) != 0))
#define OR_B(C, U, x, y) (((x) != 0) | ((y) != 0))
#define XOR_B(C, U, x, y) (((x) != 0) ^ ((y) != 0))
#define AND_I(C, U, x, y) ((C)((x) & (y)))
#define OR_I(C, U, x, y) ((C)((x) | (y)))
#define XOR_I(C, U, x, y) ((C)((x) ^ (y)))
#define SHL_I(C, U, x, y) ((C)weir__shl((uint64_t)(x), (int64_t)(y), 8 * (int)sizeof(C)))
#define SHR_U(C, U, x, y) ((C)weir__shr_u((x), (y), 8 * (int)sizeof(C)))
#define SHR_S(C, U, x, y) ((C)weir__shr_s((x), (y), 8 * (int)sizeof(C)))


#define ROW(sfx, T, C, U, LD, ST, name, OP) WEIR__CPU_ROW2(name##_##sfx, T, T, C, U, LD, ST, OP)
/* float rows over libm calls, in blocks of 16 through one function cloned per instruction set
   (cpu_rows.h): they call libmvec's widest version (vector_math.h); pow and atan2 were a sixth
   and a twentieth of numpy's speed */
#define FROW(sfx, T, C, U, LD, ST, name, OP)                                                       \
  WEIR__CPU_ROW2_BLOCKED(name##_##sfx, T, T, C, U, LD, ST, OP, WEIR__VECTOR_CLONES)
/* One operation over every dtype: bool, integer (unsigned and signed) and float forms. */
#define ALL_OPS(name, BOP, IOP, FOP)                                                               \
  WEIR__CPU_BOOL(ROW, name, BOP)                                                                   \
  WEIR__CPU_UINTS(ROW, name, IOP) WEIR__CPU_SINTS(ROW, name, IOP) WEIR__CPU_FLOATS(ROW, name, FOP)

ALL_OPS(add, ADD_B, ADD_I, ADD_F)
ALL_OPS(sub, SUB_B, SUB_I, SUB_F)
ALL_OPS(mul, MUL_B, MUL_I, MUL_F)
ALL_OPS(max, ADD_B, MAX_I, MAX_F)
ALL_OPS(min, MUL_B, MIN_I, MIN_F)
WEIR__CPU_FLOATS(ROW, div, DIV_F)
WEIR__CPU_BOOL(ROW, pow, POW_B)
WEIR__CPU_UINTS(ROW, pow, POW_U)
WEIR__CPU_SINTS(ROW, pow, POW_S)
WEIR__CPU_FLOATS(FROW, pow, POW_F)
WEIR__CPU_BOOL(ROW, fdiv, MUL_B)
WEIR__CPU_UINTS(ROW, fdiv, FDIV_U)
WEIR__CPU_SINTS(ROW, fdiv, FDIV_S)
WEIR__CPU_FLOATS(ROW, fdiv, FDIV_F)
WEIR__CPU_BOOL(ROW, mod, MOD_B)
WEIR__CPU_UINTS(ROW, mod, MOD_U)
WEIR__CPU_SINTS(ROW, mod, MOD_S)
WEIR__CPU_FLOATS(ROW, mod, MOD_F)
WEIR__CPU_FLOATS(FROW, atan2, ATAN2_F)
#define BITWISE(name, BOP, IOP) WEIR__CPU_BOOL(ROW, name, BOP) WEIR__CPU_UINTS(ROW, name, IOP) WEIR__CPU_SINTS(ROW, name, IOP)
BITWISE(and, AND_B, AND_I)
BITWISE(or, OR_B, OR_I)
BITWISE(xor, XOR_B, XOR_I)
WEIR__CPU_UINTS(ROW, shl, SHL_I)
WEIR__CPU_SINTS(ROW, shl, SHL_I)
WEIR__CPU_UINTS(ROW, shr, SHR_U)
WEIR__CPU_SINTS(ROW, shr, SHR_S)
#define TAB_INTS(name) WEIR__CPU_TAB_UINTS(name), WEIR__CPU_TAB_SINTS(name)

#define FIRST WEIR__P_ADD
static const weir__cpu_row_fn binary_rows[WEIR__P_RIGHT_SHIFT - FIRST + 1][WEIR_NUM_DTYPES] = {
    [WEIR__P_ADD - FIRST] = {WEIR__CPU_TAB_ALL(add)},
    [WEIR__P_SUBTRACT - FIRST] = {WEIR__CPU_TAB_ALL(sub)},
    [WEIR__P_MULTIPLY - FIRST] = {WEIR__CPU_TAB_ALL(mul)},
    [WEIR__P_DIVIDE - FIRST] = {WEIR__CPU_TAB_FLOATS(div)},
    [WEIR__P_MAXIMUM - FIRST] = {WEIR__CPU_TAB_ALL(max)},
    [WEIR__P_MINIMUM - FIRST] = {WEIR__CPU_TAB_ALL(min)},
    [WEIR__P_POWER - FIRST] = {WEIR__CPU_TAB_ALL(pow)},
    [WEIR__P_FLOOR_DIVIDE - FIRST] = {WEIR__CPU_TAB_ALL(fdiv)},
    [WEIR__P_REMAINDER - FIRST] = {WEIR__CPU_TAB_ALL(mod)},
    [WEIR__P_ARCTAN2 - FIRST] = {WEIR__CPU_TAB_FLOATS(atan2)},
    [WEIR__P_BITWISE_AND - FIRST] = {WEIR__CPU_TAB_BOOL(and), TAB_INTS(and)},
    [WEIR__P_BITWISE_OR - FIRST] = {WEIR__CPU_TAB_BOOL(or), TAB_INTS(or)},
    [WEIR__P_BITWISE_XOR - FIRST] = {WEIR__CPU_TAB_BOOL(xor), TAB_INTS(xor)},
    [WEIR__P_LEFT_SHIFT - FIRST] = {TAB_INTS(shl)},
    [WEIR__P_RIGHT_SHIFT - FIRST] = {TAB_INTS(shr)},
};

weir_status weir__cpu_binary(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = weir__cpu_check_elementwise(c, 2);
  if (st != WEIR_OK) return st;
  weir_dtype t = c->out.dtype;
  if (c->in[0].dtype != t || c->in[1].dtype != t)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: inputs %s and %s, output %s (they must match)",
                          weir__prim_name(c->prim), weir_dtype_name(c->in[0].dtype),
                          weir_dtype_name(c->in[1].dtype), weir_dtype_name(t));
  weir__cpu_row_fn fn = binary_rows[c->prim - FIRST][t];
  if (!fn) return weir__cpu_unsupported(c, t);
  weir__cpu_map(c, fn, lo, hi);
  return WEIR_OK;
}
