/* weir — operations. Result first, stream last. Every op validates its arguments at the
   call and builds a graph node; nothing runs until eval (or item/data/tostring).
   The stream argument: WEIR_DEFAULT, weir_on(device) or a concrete stream.
   float64 runs on the CPU only: an op given a GPU stream or device fails at the call with
   WEIR_ERR_UNSUPPORTED; an op given WEIR_DEFAULT whose default device is a GPU runs on the cpu's
   default stream instead (so `x.astype(mx.float64)` works wherever the default device is). */
#ifndef WEIR_OPS_H
#define WEIR_OPS_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

weir_status weir_zeros(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, weir_stream s);
weir_status weir_ones(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, weir_stream s);
weir_status weir_full(weir_array **out, const int64_t *shape, int ndim, double v, weir_dtype t, weir_stream s);
weir_status weir_arange(weir_array **out, double start, double stop, double step, weir_dtype t, weir_stream s);
weir_status weir_astype(weir_array **out, const weir_array *a, weir_dtype t, weir_stream s);
/* Also the way to move data to another device. */
weir_status weir_copy(weir_array **out, const weir_array *a, weir_stream s);

/* Binary elementwise ops: broadcasting and MLX's promotion. divide gives a float result;
   comparisons and logical ops give bool. */
#define WEIR__BINARY(name) \
  weir_status weir_##name(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s);
WEIR__BINARY(add)
WEIR__BINARY(subtract)
WEIR__BINARY(multiply)
WEIR__BINARY(divide)
WEIR__BINARY(maximum)
WEIR__BINARY(minimum)
WEIR__BINARY(power)
WEIR__BINARY(equal)
WEIR__BINARY(not_equal)
WEIR__BINARY(less)
WEIR__BINARY(less_equal)
WEIR__BINARY(greater)
WEIR__BINARY(greater_equal)
WEIR__BINARY(logical_and)
WEIR__BINARY(logical_or)
#undef WEIR__BINARY

/* Unary elementwise ops. The float ops (exp log sin cos tanh sqrt sigmoid expm1 log1p log2 log10
   rsqrt reciprocal tan arcsin arccos arctan sinh cosh erf) of integer and bool inputs give float32;
   floor/ceil/round (half to even)/sign keep the dtype (integers and bool unchanged by the first
   three); isnan/isinf give bool (false for integers and bool). */
#define WEIR__UNARY(name) weir_status weir_##name(weir_array **out, const weir_array *a, weir_stream s);
WEIR__UNARY(abs)
WEIR__UNARY(negative)
WEIR__UNARY(exp)
WEIR__UNARY(log)
WEIR__UNARY(sin)
WEIR__UNARY(cos)
WEIR__UNARY(tanh)
WEIR__UNARY(sqrt)
WEIR__UNARY(square)
WEIR__UNARY(sigmoid)
WEIR__UNARY(expm1)
WEIR__UNARY(log1p)
WEIR__UNARY(log2)
WEIR__UNARY(log10)
WEIR__UNARY(rsqrt)
WEIR__UNARY(reciprocal)
WEIR__UNARY(tan)
WEIR__UNARY(arcsin)
WEIR__UNARY(arccos)
WEIR__UNARY(arctan)
WEIR__UNARY(sinh)
WEIR__UNARY(cosh)
WEIR__UNARY(erf)
WEIR__UNARY(floor)
WEIR__UNARY(ceil)
WEIR__UNARY(round)
WEIR__UNARY(sign)
WEIR__UNARY(isnan)
WEIR__UNARY(isinf)
WEIR__UNARY(logical_not)
#undef WEIR__UNARY

/* Matrix product, numpy semantics: 1-D operands, batched with broadcasting. The promoted dtype must
   be floating (WEIR_ERR_UNSUPPORTED otherwise, as negative() of bool). */
weir_status weir_matmul(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s);
/* TF32 for float32 matmul on the GPU: when allowed, float32 products run on TF32 tensor cores
   (inputs rounded to a 10-bit mantissa, float32 accumulation: much faster, relative error about
   1e-3 instead of float32's 1e-7). Process-wide and off by default; WEIR_ALLOW_TF32=1 (or true,
   on, yes) in the environment at start-up turns it on. weir_matmul reads the setting when it
   builds its node, so work already built keeps the precision it was built with. The CPU always
   computes float32 in float32; float16/bfloat16 are unaffected. The setter returns the previous
   setting. */
bool weir_matmul_set_allow_tf32(bool allow);
bool weir_matmul_allow_tf32(void);

/* Reductions; axes == NULL && naxes == 0 means all axes; negative axes count from the end. */
#define WEIR__REDUCE(name) \
  weir_status weir_##name(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, weir_stream s);
WEIR__REDUCE(sum)
WEIR__REDUCE(mean)
WEIR__REDUCE(max)
WEIR__REDUCE(min)
WEIR__REDUCE(prod)
#undef WEIR__REDUCE
weir_status weir_argmax(weir_array **out, const weir_array *a, int axis, bool keepdims, weir_stream s);
weir_status weir_argmin(weir_array **out, const weir_array *a, int axis, bool keepdims, weir_stream s);

/* Shape. reshape accepts one -1; transpose with perm == NULL reverses the axes. */
weir_status weir_reshape(weir_array **out, const weir_array *a, const int64_t *shape, int ndim, weir_stream s);
weir_status weir_transpose(weir_array **out, const weir_array *a, const int *perm, int nperm, weir_stream s);
/* Basic slicing, a[start[0]:stop[0]:step[0], ...]: start, stop and step have a's ndim entries (may be
   NULL when ndim == 0), each axis with Python's slice semantics: negative start/stop count from the
   end, out-of-range ones are clamped (stop INT64_MAX: to the end; with a negative step, stop
   INT64_MIN: through index 0); a negative step walks backwards, step 0 is WEIR_ERR_INVALID_ARGUMENT.
   Each dim of the result is the slice's length (may be 0); the dtype is a's. The result is a new
   array (a copy), not a view. */
weir_status weir_slice(weir_array **out, const weir_array *a, const int64_t *start, const int64_t *stop,
                       const int64_t *step, weir_stream s);

/* Comparisons that evaluate: |a - b| <= atol + rtol * |b| elementwise (NaNs unequal), with broadcasting. */
weir_status weir_allclose(bool *out, const weir_array *a, const weir_array *b, double rtol, double atol);
weir_status weir_array_equal(bool *out, const weir_array *a, const weir_array *b); /* same shape and values */

#ifdef __cplusplus
}
#endif
#endif
