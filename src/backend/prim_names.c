/* Lowercase names of the primitives, for traces and error messages. */
#include "backend/kernel.h"

static const char *const names[] = {
    [WEIR__P_NONE] = "none",
    [WEIR__P_FULL] = "full",
    [WEIR__P_ARANGE] = "arange",
    [WEIR__P_COPY] = "copy",
    [WEIR__P_ASTYPE] = "astype",
    [WEIR__P_RESHAPE] = "reshape",
    [WEIR__P_ABS] = "abs",
    [WEIR__P_NEGATIVE] = "negative",
    [WEIR__P_EXP] = "exp",
    [WEIR__P_LOG] = "log",
    [WEIR__P_SIN] = "sin",
    [WEIR__P_COS] = "cos",
    [WEIR__P_TANH] = "tanh",
    [WEIR__P_SQRT] = "sqrt",
    [WEIR__P_SQUARE] = "square",
    [WEIR__P_SIGMOID] = "sigmoid",
    [WEIR__P_LOGICAL_NOT] = "logical_not",
    [WEIR__P_ADD] = "add",
    [WEIR__P_SUBTRACT] = "subtract",
    [WEIR__P_MULTIPLY] = "multiply",
    [WEIR__P_DIVIDE] = "divide",
    [WEIR__P_MAXIMUM] = "maximum",
    [WEIR__P_MINIMUM] = "minimum",
    [WEIR__P_POWER] = "power",
    [WEIR__P_EQUAL] = "equal",
    [WEIR__P_NOT_EQUAL] = "not_equal",
    [WEIR__P_LESS] = "less",
    [WEIR__P_LESS_EQUAL] = "less_equal",
    [WEIR__P_GREATER] = "greater",
    [WEIR__P_GREATER_EQUAL] = "greater_equal",
    [WEIR__P_LOGICAL_AND] = "logical_and",
    [WEIR__P_LOGICAL_OR] = "logical_or",
    [WEIR__P_SUM] = "sum",
    [WEIR__P_PROD] = "prod",
    [WEIR__P_MAX] = "max",
    [WEIR__P_MIN] = "min",
    [WEIR__P_MEAN] = "mean",
    [WEIR__P_ARGMAX] = "argmax",
    [WEIR__P_ARGMIN] = "argmin",
    [WEIR__P_MATMUL] = "matmul",
    [WEIR__P_RANDOM_BITS] = "random_bits",
    [WEIR__P_RANDOM_UNIFORM] = "random_uniform",
    [WEIR__P_RANDOM_NORMAL] = "random_normal",
    [WEIR__P_TRANSPOSE] = "transpose",
    [WEIR__P_SLICE] = "slice",
};
_Static_assert(sizeof names / sizeof names[0] == WEIR__P_COUNT, "a primitive has no name");

const char *weir__prim_name(weir__prim p) {
  if ((int)p < 0 || p >= WEIR__P_COUNT || !names[p]) return "unknown";
  return names[p];
}
