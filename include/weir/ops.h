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

/* Binary elementwise ops: broadcasting and MLX's promotion. divide and arctan2 give a float
   result; comparisons and logical ops give bool. floor_divide is floor(a / b) for floats and
   floor division for integers; remainder takes the divisor's sign (Python's %): for integers
   both give 0 for a zero divisor (numpy's results; no trap). The bitwise ops take integers and
   bool (WEIR_ERR_UNSUPPORTED for floats); the shifts take integers (bool computes as uint8) and
   give 0 for a shift outside [0, bits) (-1 for right_shift of a negative value). */
#define WEIR__BINARY(name) \
  weir_status weir_##name(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s);
WEIR__BINARY(add)
WEIR__BINARY(subtract)
WEIR__BINARY(multiply)
WEIR__BINARY(divide)
WEIR__BINARY(maximum)
WEIR__BINARY(minimum)
WEIR__BINARY(power)
WEIR__BINARY(floor_divide)
WEIR__BINARY(remainder)
WEIR__BINARY(arctan2)
WEIR__BINARY(bitwise_and)
WEIR__BINARY(bitwise_or)
WEIR__BINARY(bitwise_xor)
WEIR__BINARY(left_shift)
WEIR__BINARY(right_shift)
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
WEIR__UNARY(bitwise_invert) /* ~a: integers and bool (logical_not) */
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

/* ---- Selection, scans, joins, sorting (MLX semantics; the axis arguments count from the end when
   negative; WEIR_ERR_INDEX for an axis out of range). ---- */

/* where(cond, x, y): x where cond else y, elementwise with broadcasting of all three. cond is read
   as bool (!= 0); x and y are promoted as a binary op's operands (weir_dtype_promote). */
weir_status weir_where(weir_array **out, const weir_array *cond, const weir_array *x, const weir_array *y,
                       weir_stream s);

/* Inclusive (or exclusive: the first element is the identity, 0 or 1) running sum / product along
   axis, from the front or, with reverse, from the back. Same shape; dtype as MLX: bool sums give
   int32, cumprod of bool stays bool, every other dtype is kept (integers wrap). Floats accumulate
   in float32 (float64 in float64), so the error grows with the axis length. MLX's axis=None is
   weir_reshape to 1-D first. 0-d input: WEIR_ERR_INDEX (no axis). */
weir_status weir_cumsum(weir_array **out, const weir_array *a, int axis, bool reverse, bool inclusive,
                        weir_stream s);
weir_status weir_cumprod(weir_array **out, const weir_array *a, int axis, bool reverse, bool inclusive,
                         weir_stream s);

/* take: elements of a at integer indices (any integer dtype; bool and floats are
   WEIR_ERR_INVALID_ARGUMENT) along axis: result shape a.shape[:axis] + indices.shape +
   a.shape[axis+1:]. flatten: a is read as 1-D (axis ignored; MLX's axis=None). Negative indices
   count from the end; indices still out of range are clamped to [0, n) (numpy raises, MLX reads
   out of bounds; weir cannot check values at the call). Taking from an empty axis: invalid
   unless indices is empty. */
weir_status weir_take(weir_array **out, const weir_array *a, const weir_array *indices, int axis, bool flatten,
                      weir_stream s);
/* take_along_axis: out[..., i, ...] = a[..., indices[..., i, ...], ...] along axis; indices has a's
   ndim, and off the axis a and indices broadcast against each other. Indices as weir_take. */
weir_status weir_take_along_axis(weir_array **out, const weir_array *a, const weir_array *indices, int axis,
                                 weir_stream s);

/* concatenate: n >= 1 arrays of one ndim (>= 1) and equal dims but along axis, promoted to one
   dtype (weir_dtype_promote). stack: n >= 1 arrays of one shape joined along a new axis (in
   [-(ndim+1), ndim]). */
weir_status weir_concatenate(weir_array **out, const weir_array *const *arrays, int n, int axis, weir_stream s);
weir_status weir_stack(weir_array **out, const weir_array *const *arrays, int n, int axis, weir_stream s);
/* split along axis. sections: n equal parts (n >= 1 must divide the axis length;
   indices_or_sections unused, may be NULL); outs gets n arrays. Otherwise indices_or_sections has n
   >= 0 split points (Python slice bounds: negative ones count from the end, out-of-range ones clamp,
   decreasing ones give empty parts) and outs gets n + 1 arrays. An empty axis splits into at most
   65536 sections (more is WEIR_ERR_INVALID_ARGUMENT: each part is an array). On failure no out is
   set. */
weir_status weir_split(weir_array **outs, const weir_array *a, const int64_t *indices_or_sections, int n,
                       bool sections, int axis, weir_stream s);
/* pad (constant mode): pad_before[i] / pad_after[i] >= 0 elements of value (converted to a's dtype)
   before / after axis i; both arrays have a's ndim entries (may be NULL for a 0-d a). */
weir_status weir_pad(weir_array **out, const weir_array *a, const int64_t *pad_before, const int64_t *pad_after,
                     double value, weir_stream s);

/* sort / argsort along axis: ascending, stable, NaN last (numpy's order); argsort gives uint32
   indices. topk: the k largest along axis (0 <= k <= the axis length), in ascending order (MLX
   leaves their order unspecified). 0-d input: WEIR_ERR_INDEX. MLX's axis=None: reshape to 1-D. */
weir_status weir_sort(weir_array **out, const weir_array *a, int axis, weir_stream s);
weir_status weir_argsort(weir_array **out, const weir_array *a, int axis, weir_stream s);
weir_status weir_topk(weir_array **out, const weir_array *a, int k, int axis, weir_stream s);

/* Composite ops: built from the ops above (no kernels of their own), so they run wherever those
   do. MLX's semantics and result dtypes. Axis lists follow the reductions' rules (NULL/0: all
   axes; negative axes count from the end; an axis out of range is WEIR_ERR_INDEX, a repeated one
   WEIR_ERR_INVALID_ARGUMENT). float16/bfloat16 inputs of var, std, logsumexp and softmax are
   computed in float32 and rounded back. */
/* Variance: sum((a - mean)^2) / max(N - ddof, 0) over the axes (at_least_float dtype).
   std is its square root. */
weir_status weir_var(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, int ddof,
                     weir_stream s);
weir_status weir_std(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, int ddof,
                     weir_stream s);
/* Whether every / any element (nonzero, NaN counts as true) over the axes is true; bool result.
   Empty reductions give true / false. */
weir_status weir_all(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, weir_stream s);
weir_status weir_any(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims, weir_stream s);
/* log(sum(exp(a))) over the axes, max-subtracted (at_least_float dtype); rows of -inf give -inf,
   a +inf gives +inf, NaN propagates. A reduced axis of length 0 is an error (as max). */
weir_status weir_logsumexp(weir_array **out, const weir_array *a, const int *axes, int naxes, bool keepdims,
                           weir_stream s);
/* exp(a - max) / sum(exp(a - max)) over the axes; keeps a's shape (at_least_float dtype). */
weir_status weir_softmax(weir_array **out, const weir_array *a, const int *axes, int naxes, weir_stream s);

/* Merges axes start_axis..end_axis (negative count from the end; clamped into range; a 0-d a
   gives shape (1,)). start after end is WEIR_ERR_INVALID_ARGUMENT. */
weir_status weir_flatten(weir_array **out, const weir_array *a, int start_axis, int end_axis, weir_stream s);
weir_status weir_swapaxes(weir_array **out, const weir_array *a, int axis1, int axis2, weir_stream s);
/* Moves axis `source` to position `destination`, the others keeping their order. */
weir_status weir_moveaxis(weir_array **out, const weir_array *a, int source, int destination, weir_stream s);
/* Inserts size-1 axes at the given positions of the result (negative: from the result's end). */
weir_status weir_expand_dims(weir_array **out, const weir_array *a, const int *axes, int naxes, weir_stream s);
/* Removes the given size-1 axes (axes == NULL && naxes == 0: every size-1 axis); an axis whose size
   is not 1 is WEIR_ERR_INVALID_ARGUMENT. */
weir_status weir_squeeze(weir_array **out, const weir_array *a, const int *axes, int naxes, weir_stream s);
/* a broadcast to shape by numpy's rules (a copy; the same shape returns a itself). */
weir_status weir_broadcast_to(weir_array **out, const weir_array *a, const int64_t *shape, int ndim, weir_stream s);
/* minimum(maximum(a, a_min), a_max); either bound may be NULL, not both. */
weir_status weir_clip(weir_array **out, const weir_array *a, const weir_array *a_min, const weir_array *a_max,
                      weir_stream s);
/* numpy's tile: a repeated reps[i] times along each axis (reps and a's shape right-aligned). */
weir_status weir_tile(weir_array **out, const weir_array *a, const int64_t *reps, int nreps, weir_stream s);
/* Each element repeated `repeats` times along axis; flatten: over the flattened a (axis ignored). */
weir_status weir_repeat(weir_array **out, const weir_array *a, int64_t repeats, int axis, bool flatten,
                        weir_stream s);
/* n x m array with ones on diagonal k (k > 0 above the main one), zeros elsewhere. */
weir_status weir_eye(weir_array **out, int64_t n, int64_t m, int64_t k, weir_dtype t, weir_stream s);
/* num values from start to stop (included when endpoint), evenly spaced; computed in float32
   (float64 for a float64 result) and converted to t. */
weir_status weir_linspace(weir_array **out, double start, double stop, int64_t num, bool endpoint, weir_dtype t,
                          weir_stream s);
/* The lower (tril: j <= i + k) or upper (triu: j >= i + k) triangle of the last two axes, zeros
   elsewhere (exact zeros even where a holds inf or NaN); a needs at least 2 dimensions. */
weir_status weir_tril(weir_array **out, const weir_array *a, int64_t k, weir_stream s);
weir_status weir_triu(weir_array **out, const weir_array *a, int64_t k, weir_stream s);

/* Outer product of the flattened a and b: shape (a.size, b.size). */
weir_status weir_outer(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s);
/* Sum product over the last axes of a and b (a 0-d operand: a * b). */
weir_status weir_inner(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s);
/* numpy's tensordot: contracts axes_a[i] of a with axes_b[i] of b (n pairs); the result has a's
   free axes, then b's. axes_a == NULL && axes_b == NULL: the int form, the last n axes of a with
   the first n of b. Floating dtypes only (as matmul). */
weir_status weir_tensordot(weir_array **out, const weir_array *a, const weir_array *b, const int *axes_a,
                           const int *axes_b, int n, weir_stream s);
/* Einstein summation over 1 or 2 operands: "ij,jk->ik", "bij,bjk->bik", "i,i->", "ij->ji", and the
   implicit form "ij,jk" (output: the indices seen once, sorted). Letters only; size-1 dims
   broadcast. Ellipses, repeated indices within one operand and more than 2 operands are
   WEIR_ERR_UNSUPPORTED. Two operands contract through matmul (floating dtypes only). */
weir_status weir_einsum(weir_array **out, const char *subscripts, const weir_array *const *operands, int noperands,
                        weir_stream s);

/* Comparisons that evaluate: |a - b| <= atol + rtol * |b| elementwise (NaNs unequal), with broadcasting. */
weir_status weir_allclose(bool *out, const weir_array *a, const weir_array *b, double rtol, double atol);
weir_status weir_array_equal(bool *out, const weir_array *a, const weir_array *b); /* same shape and values */

#ifdef __cplusplus
}
#endif
#endif
