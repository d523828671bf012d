/* weir__cpu_kernel_run: validates the call's descriptors and runs one graph node on the
   calling thread, by primitive family. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/cpu/cpu_kernels.h"

weir_status weir__cpu_fail(weir__kernel_call *c, weir_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
  va_end(ap);
  return s;
}

weir_status weir__cpu_unsupported(weir__kernel_call *c, weir_dtype t) {
  return weir__cpu_fail(c, WEIR_ERR_UNSUPPORTED, "%s is not supported for %s on the CPU", weir__prim_name(c->prim),
                        weir_dtype_name(t));
}

static bool tensor_ok(const weir__tensor *t) {
  return weir__dtype_valid((int)t->dtype) && t->ndim >= 0 && t->ndim <= WEIR_MAX_NDIM && t->size >= 0;
}

/* Checks what every family relies on: a known primitive, sane tensor descriptors. */
static weir_status check_call(weir__kernel_call *c) {
  if ((int)c->prim <= WEIR__P_NONE || c->prim >= WEIR__P_COUNT)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "no CPU kernel for primitive %d", (int)c->prim);
  if (c->nin < 0 || c->nin > WEIR__MAX_INPUTS || !tensor_ok(&c->out))
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: malformed kernel call", weir__prim_name(c->prim));
  for (int i = 0; i < c->nin; i++)
    if (!tensor_ok(&c->in[i]))
      return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: malformed input %d", weir__prim_name(c->prim), i);
  bool needs_params = c->prim == WEIR__P_FULL || c->prim == WEIR__P_ARANGE ||
                      (c->prim >= WEIR__P_SUM && c->prim <= WEIR__P_ARGMIN) ||
                      (c->prim >= WEIR__P_RANDOM_BITS && c->prim <= WEIR__P_RANDOM_NORMAL);
  if (needs_params && !c->params)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: no parameters", weir__prim_name(c->prim));
  return WEIR_OK;
}

bool weir__cpu_kernel_splittable(weir__prim p) {
  return p > WEIR__P_NONE && p < WEIR__P_COUNT && p != WEIR__P_MATMUL && p != WEIR__P_RESHAPE &&
         p != WEIR__P_TRANSPOSE && p != WEIR__P_SLICE && p != WEIR__P_CUMSUM && p != WEIR__P_CUMPROD &&
         p != WEIR__P_CONCAT && p != WEIR__P_SORT && p != WEIR__P_ARGSORT;
}

weir_status weir__cpu_kernel_run_range(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = check_call(c);
  if (st != WEIR_OK) return st;
  switch (c->prim) {
  case WEIR__P_FULL: return weir__cpu_full(c, lo, hi);
  case WEIR__P_ARANGE: return weir__cpu_arange(c, lo, hi);
  case WEIR__P_COPY: return weir__cpu_copy(c, lo, hi);
  case WEIR__P_ASTYPE: return weir__cpu_astype(c, lo, hi);
  case WEIR__P_ABS:
  case WEIR__P_NEGATIVE:
  case WEIR__P_EXP:
  case WEIR__P_LOG:
  case WEIR__P_SIN:
  case WEIR__P_COS:
  case WEIR__P_TANH:
  case WEIR__P_SQRT:
  case WEIR__P_SQUARE:
  case WEIR__P_SIGMOID:
  case WEIR__P_EXPM1:
  case WEIR__P_LOG1P:
  case WEIR__P_LOG2:
  case WEIR__P_LOG10:
  case WEIR__P_RSQRT:
  case WEIR__P_RECIPROCAL:
  case WEIR__P_TAN:
  case WEIR__P_ARCSIN:
  case WEIR__P_ARCCOS:
  case WEIR__P_ARCTAN:
  case WEIR__P_SINH:
  case WEIR__P_COSH:
  case WEIR__P_ERF:
  case WEIR__P_FLOOR:
  case WEIR__P_CEIL:
  case WEIR__P_ROUND:
  case WEIR__P_SIGN:
  case WEIR__P_ISNAN:
  case WEIR__P_ISINF:
  case WEIR__P_LOGICAL_NOT: return weir__cpu_unary(c, lo, hi);
  case WEIR__P_ADD:
  case WEIR__P_SUBTRACT:
  case WEIR__P_MULTIPLY:
  case WEIR__P_DIVIDE:
  case WEIR__P_MAXIMUM:
  case WEIR__P_MINIMUM:
  case WEIR__P_POWER:
  case WEIR__P_FLOOR_DIVIDE:
  case WEIR__P_REMAINDER:
  case WEIR__P_ARCTAN2:
  case WEIR__P_BITWISE_AND:
  case WEIR__P_BITWISE_OR:
  case WEIR__P_BITWISE_XOR:
  case WEIR__P_LEFT_SHIFT:
  case WEIR__P_RIGHT_SHIFT: return weir__cpu_binary(c, lo, hi);
  case WEIR__P_EQUAL:
  case WEIR__P_NOT_EQUAL:
  case WEIR__P_LESS:
  case WEIR__P_LESS_EQUAL:
  case WEIR__P_GREATER:
  case WEIR__P_GREATER_EQUAL:
  case WEIR__P_LOGICAL_AND:
  case WEIR__P_LOGICAL_OR: return weir__cpu_compare(c, lo, hi);
  case WEIR__P_SUM:
  case WEIR__P_PROD:
  case WEIR__P_MAX:
  case WEIR__P_MIN:
  case WEIR__P_MEAN:
  case WEIR__P_ARGMAX:
  case WEIR__P_ARGMIN: return weir__cpu_reduce(c, lo, hi);
  case WEIR__P_RANDOM_BITS:
  case WEIR__P_RANDOM_UNIFORM:
  case WEIR__P_RANDOM_NORMAL: return weir__cpu_random(c, lo, hi);
  case WEIR__P_WHERE:
  case WEIR__P_GATHER: return weir__cpu_select(c, lo, hi);
  default:
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s has no range kernel on the CPU", weir__prim_name(c->prim));
  }
}

/* RESHAPE normally never reaches a kernel (the core shares the buffer); if it does, a
   contiguous input of the same size and dtype is copied. */
static weir_status reshape(weir__kernel_call *c) {
  const weir__tensor *in = &c->in[0];
  if (c->nin != 1 || !in->contiguous || in->size != c->out.size || in->dtype != c->out.dtype)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "reshape: the core shares buffers; no kernel for this call");
  if (c->out.size > 0 && c->out.data != in->data)
    memmove(c->out.data, in->data, (size_t)(c->out.size * weir__cpu_dsize(in->dtype)));
  return WEIR_OK;
}

weir_status weir__cpu_kernel_run(weir__kernel_call *c) {
  c->errmsg[0] = '\0';
  weir_status st = check_call(c);
  if (st != WEIR_OK) return st;
  if (c->prim == WEIR__P_TRANSPOSE || c->prim == WEIR__P_SLICE)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s is lowered to copy by the core; no kernel",
                          weir__prim_name(c->prim));
  if (c->out.size == 0) return WEIR_OK;
  if (c->prim == WEIR__P_RESHAPE) return reshape(c);
  if (c->prim == WEIR__P_MATMUL) return weir__cpu_matmul(c);
  if (c->prim == WEIR__P_CUMSUM || c->prim == WEIR__P_CUMPROD) return weir__cpu_scan(c);
  if (c->prim == WEIR__P_CONCAT) return weir__cpu_concat(c);
  if (c->prim == WEIR__P_SORT || c->prim == WEIR__P_ARGSORT) return weir__cpu_sort(c);
  return weir__cpu_kernel_run_range(c, 0, c->out.size);
}
