/* Elementwise ops: astype, copy, the binary ops (broadcasting + MLX promotion) and the unary
   ops. Inputs keep their own shapes; the node has the broadcast output shape and the
   scheduler gives each input 0 strides on its broadcast axes (see backend/kernel.h). */
#include "core/dtype_rules.h"
#include "core/ops_internal.h"
#include "weir/ops.h"

weir_status weir_astype(weir_array **out, const weir_array *a, weir_dtype t, weir_stream s) {
  if (!out) return weir__null_arg("weir_astype", "out");
  if (!a) return weir__null_arg("weir_astype", "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__check_dtype_arg((int)t, "astype")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, a->dtype, "astype")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, t, "astype")) != WEIR_OK) return st;
  /* Same dtype: MLX returns the input itself. */
  return weir__cast(out, a, t, rs);
}

weir_status weir_copy(weir_array **out, const weir_array *a, weir_stream s) {
  if (!out) return weir__null_arg("weir_copy", "out");
  if (!a) return weir__null_arg("weir_copy", "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, a->dtype, "copy")) != WEIR_OK) return st;
  weir_array *in = (weir_array *)a;
  weir__params p = {0};
  return weir__node_make(out, WEIR__P_COPY, &p, &in, 1, a->shape, a->ndim, a->dtype, rs);
}

/* How a binary op picks its compute and output dtypes. */
typedef enum {
  BIN_ARITH,   /* compute = out = promote(a, b) */
  BIN_DIVIDE,  /* compute = out = at_least_float(promote(a, b)) */
  BIN_COMPARE, /* compute = promote(a, b), out bool */
  BIN_LOGICAL, /* compute = out = bool */
  BIN_BITWISE, /* compute = out = promote(a, b), integers and bool only */
  BIN_SHIFT    /* compute = out = promote(a, b), integers only; bool computes as uint8 (MLX) */
} bin_kind;

static weir_status binary(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s,
                          weir__prim prim, bin_kind kind, const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  if (!b) return weir__null_arg(fn, "b");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int64_t shape[WEIR_MAX_NDIM];
  int ndim = 0;
  if ((st = weir__broadcast_shapes(a->shape, a->ndim, b->shape, b->ndim, op, shape, &ndim)) != WEIR_OK) return st;

  weir_dtype ct, ot;
  switch (kind) {
  case BIN_ARITH: ct = ot = weir_dtype_promote(a->dtype, b->dtype); break;
  case BIN_DIVIDE: ct = ot = weir__dtype_at_least_float(weir_dtype_promote(a->dtype, b->dtype)); break;
  case BIN_COMPARE:
    ct = weir_dtype_promote(a->dtype, b->dtype);
    ot = WEIR_BOOL;
    break;
  case BIN_BITWISE:
  case BIN_SHIFT:
    ct = ot = weir_dtype_promote(a->dtype, b->dtype);
    if (weir__dtype_is_float(ct))
      return weir__fail(WEIR_ERR_UNSUPPORTED, "%s: only integer and bool inputs are allowed, got %s and %s", op,
                        weir_dtype_name(a->dtype), weir_dtype_name(b->dtype));
    if (kind == BIN_SHIFT && ct == WEIR_BOOL) ct = ot = WEIR_UINT8;
    break;
  default: ct = ot = WEIR_BOOL; break;
  }
  if ((st = weir__check_dtype_on(&rs, a->dtype, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, b->dtype, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, ct, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, ot, op)) != WEIR_OK) return st;

  weir_array *in[2] = {NULL, NULL};
  if ((st = weir__cast(&in[0], a, ct, rs)) != WEIR_OK) return st;
  if ((st = weir__cast(&in[1], b, ct, rs)) != WEIR_OK) {
    weir_array_free(in[0]);
    return st;
  }
  weir__params p = {0};
  st = weir__node_make(out, prim, &p, in, 2, shape, ndim, ot, rs);
  weir_array_free(in[0]); /* the node holds its own references */
  weir_array_free(in[1]);
  return st;
}

#define BINARY_OP(name, prim, kind)                                                                \
  weir_status weir_##name(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s) { \
    return binary(out, a, b, s, prim, kind, "weir_" #name, #name);                                 \
  }

BINARY_OP(add, WEIR__P_ADD, BIN_ARITH)
BINARY_OP(subtract, WEIR__P_SUBTRACT, BIN_ARITH)
BINARY_OP(multiply, WEIR__P_MULTIPLY, BIN_ARITH)
BINARY_OP(divide, WEIR__P_DIVIDE, BIN_DIVIDE)
BINARY_OP(maximum, WEIR__P_MAXIMUM, BIN_ARITH)
BINARY_OP(minimum, WEIR__P_MINIMUM, BIN_ARITH)
BINARY_OP(power, WEIR__P_POWER, BIN_ARITH)
BINARY_OP(floor_divide, WEIR__P_FLOOR_DIVIDE, BIN_ARITH)
BINARY_OP(remainder, WEIR__P_REMAINDER, BIN_ARITH)
BINARY_OP(arctan2, WEIR__P_ARCTAN2, BIN_DIVIDE)
BINARY_OP(bitwise_and, WEIR__P_BITWISE_AND, BIN_BITWISE)
BINARY_OP(bitwise_or, WEIR__P_BITWISE_OR, BIN_BITWISE)
BINARY_OP(bitwise_xor, WEIR__P_BITWISE_XOR, BIN_BITWISE)
BINARY_OP(left_shift, WEIR__P_LEFT_SHIFT, BIN_SHIFT)
BINARY_OP(right_shift, WEIR__P_RIGHT_SHIFT, BIN_SHIFT)
BINARY_OP(equal, WEIR__P_EQUAL, BIN_COMPARE)
BINARY_OP(not_equal, WEIR__P_NOT_EQUAL, BIN_COMPARE)
BINARY_OP(less, WEIR__P_LESS, BIN_COMPARE)
BINARY_OP(less_equal, WEIR__P_LESS_EQUAL, BIN_COMPARE)
BINARY_OP(greater, WEIR__P_GREATER, BIN_COMPARE)
BINARY_OP(greater_equal, WEIR__P_GREATER_EQUAL, BIN_COMPARE)
BINARY_OP(logical_and, WEIR__P_LOGICAL_AND, BIN_LOGICAL)
BINARY_OP(logical_or, WEIR__P_LOGICAL_OR, BIN_LOGICAL)
#undef BINARY_OP

/* How a unary op picks its dtype. */
typedef enum {
  UN_SAME,    /* out = in dtype */
  UN_FLOAT,   /* input cast to at_least_float first (integer and bool -> float32) */
  UN_LOGICAL, /* input cast to bool, out bool */
  UN_NO_BOOL, /* out = in dtype; bool rejected (MLX's negative) */
  UN_TEST     /* input kept as is, out bool (isnan, isinf) */
} un_kind;

static weir_status unary(weir_array **out, const weir_array *a, weir_stream s, weir__prim prim, un_kind kind,
                         const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  weir_dtype t = a->dtype;
  if (kind == UN_FLOAT) t = weir__dtype_at_least_float(t);
  else if (kind == UN_LOGICAL) t = WEIR_BOOL;
  else if (kind == UN_NO_BOOL && t == WEIR_BOOL)
    return weir__fail(WEIR_ERR_UNSUPPORTED, "%s: not supported for bool, use logical_not instead", op);
  weir_dtype ot = kind == UN_TEST ? WEIR_BOOL : t; /* UN_TEST keeps the input's dtype t */
  if ((st = weir__check_dtype_on(&rs, a->dtype, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, t, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, ot, op)) != WEIR_OK) return st;

  weir_array *in = NULL;
  if ((st = weir__cast(&in, a, t, rs)) != WEIR_OK) return st;
  weir__params p = {0};
  st = weir__node_make(out, prim, &p, &in, 1, a->shape, a->ndim, ot, rs);
  weir_array_free(in);
  return st;
}

#define UNARY_OP(name, prim, kind)                                                 \
  weir_status weir_##name(weir_array **out, const weir_array *a, weir_stream s) { \
    return unary(out, a, s, prim, kind, "weir_" #name, #name);                    \
  }

UNARY_OP(abs, WEIR__P_ABS, UN_SAME)
UNARY_OP(negative, WEIR__P_NEGATIVE, UN_NO_BOOL)
UNARY_OP(exp, WEIR__P_EXP, UN_FLOAT)
UNARY_OP(log, WEIR__P_LOG, UN_FLOAT)
UNARY_OP(sin, WEIR__P_SIN, UN_FLOAT)
UNARY_OP(cos, WEIR__P_COS, UN_FLOAT)
UNARY_OP(tanh, WEIR__P_TANH, UN_FLOAT)
UNARY_OP(sqrt, WEIR__P_SQRT, UN_FLOAT)
UNARY_OP(square, WEIR__P_SQUARE, UN_SAME)
UNARY_OP(sigmoid, WEIR__P_SIGMOID, UN_FLOAT)
UNARY_OP(expm1, WEIR__P_EXPM1, UN_FLOAT)
UNARY_OP(log1p, WEIR__P_LOG1P, UN_FLOAT)
UNARY_OP(log2, WEIR__P_LOG2, UN_FLOAT)
UNARY_OP(log10, WEIR__P_LOG10, UN_FLOAT)
UNARY_OP(rsqrt, WEIR__P_RSQRT, UN_FLOAT)
UNARY_OP(reciprocal, WEIR__P_RECIPROCAL, UN_FLOAT)
UNARY_OP(tan, WEIR__P_TAN, UN_FLOAT)
UNARY_OP(arcsin, WEIR__P_ARCSIN, UN_FLOAT)
UNARY_OP(arccos, WEIR__P_ARCCOS, UN_FLOAT)
UNARY_OP(arctan, WEIR__P_ARCTAN, UN_FLOAT)
UNARY_OP(sinh, WEIR__P_SINH, UN_FLOAT)
UNARY_OP(cosh, WEIR__P_COSH, UN_FLOAT)
UNARY_OP(erf, WEIR__P_ERF, UN_FLOAT)
UNARY_OP(floor, WEIR__P_FLOOR, UN_SAME)
UNARY_OP(ceil, WEIR__P_CEIL, UN_SAME)
UNARY_OP(round, WEIR__P_ROUND, UN_SAME)
UNARY_OP(sign, WEIR__P_SIGN, UN_SAME)
UNARY_OP(isnan, WEIR__P_ISNAN, UN_TEST)
UNARY_OP(isinf, WEIR__P_ISINF, UN_TEST)
UNARY_OP(logical_not, WEIR__P_LOGICAL_NOT, UN_LOGICAL)
#undef UNARY_OP

/* ~x: logical_not for bool; for integers -x - 1, which is ~x in two's complement (wrapping). */
weir_status weir_bitwise_invert(weir_array **out, const weir_array *a, weir_stream s) {
  if (!out) return weir__null_arg("weir_bitwise_invert", "out");
  if (!a) return weir__null_arg("weir_bitwise_invert", "a");
  if (a->dtype == WEIR_BOOL) return weir_logical_not(out, a, s);
  if (weir__dtype_is_float(a->dtype))
    return weir__fail(WEIR_ERR_UNSUPPORTED, "bitwise_invert: only integer and bool inputs are allowed, got %s",
                      weir_dtype_name(a->dtype));
  weir_array *neg = NULL, *one = NULL;
  weir_status st = weir_negative(&neg, a, s);
  if (st == WEIR_OK) st = weir_full(&one, NULL, 0, 1.0, a->dtype, s);
  if (st == WEIR_OK) st = weir_subtract(out, neg, one, s);
  weir_array_free(neg);
  weir_array_free(one);
  return st;
}
