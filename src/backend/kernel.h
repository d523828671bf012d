/* The kernel interface: what the core hands a backend to run one graph node.
   Backend-agnostic and plain C, so CPU kernels (C) and CUDA kernels (.cu, behind a C entry
   point) take the same description.

   Conventions the core guarantees before a kernel runs:
   - out is row-major contiguous, already allocated (data may be NULL when out.size == 0).
   - Elementwise ops (unary, binary, COPY, ASTYPE): every in[i] has out's ndim and shape, with
     element strides (0 on broadcast axes, arbitrary for transposed views); in[i].contiguous
     says the strides are row-major with no broadcast.
   - Arithmetic ops get inputs already cast to one compute dtype: out.dtype == in dtype, except
     comparisons (out bool, inputs any common dtype) and logical ops (inputs and out bool).
   - Reductions (SUM PROD MAX MIN MEAN ARGMAX ARGMIN): in[0] contiguous with its own shape;
     params.reduce.axes_mask has bit k set for each reduced axis k of in[0]; out holds the
     kept axes in order (keepdims does not change the layout). in and out dtypes may differ
     (sum of int8 -> int32, mean of int -> float32, argmax -> uint32).
   - MATMUL: in[0] (..., M, K) and in[1] (..., K, N), contiguous, same floating dtype, both
     with out.ndim dims; batch dims are equal or 1 (broadcast); out (..., M, N).
   - RANDOM_*: in[0] is the key, a contiguous uint32 array of 2 elements. */
#ifndef WEIR_BACKEND_KERNEL_H
#define WEIR_BACKEND_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/array.h"

typedef enum weir__prim {
  WEIR__P_NONE = 0, /* data node: holds a buffer, nothing to run */
  /* creation */
  WEIR__P_FULL,   /* out[i] = params.fill.value (converted to out.dtype) */
  WEIR__P_ARANGE, /* out[i] = start + i * step, computed in double, then converted */
  /* data movement */
  WEIR__P_COPY,    /* out = in[0] (same dtype; strided in) */
  WEIR__P_ASTYPE,  /* out = (out.dtype) in[0]; float->int truncates toward zero; ->bool is != 0 */
  WEIR__P_RESHAPE, /* no kernel: the core shares the input's buffer */
  /* unary (out.dtype == in dtype, except ISNAN, ISINF and LOGICAL_NOT: any dtype -> bool) */
  WEIR__P_ABS,
  WEIR__P_NEGATIVE, /* unsigned wraps */
  WEIR__P_EXP,
  WEIR__P_LOG,
  WEIR__P_SIN,
  WEIR__P_COS,
  WEIR__P_TANH,
  WEIR__P_SQRT,
  WEIR__P_SQUARE,
  WEIR__P_SIGMOID,
  WEIR__P_EXPM1,
  WEIR__P_LOG1P,
  WEIR__P_LOG2,
  WEIR__P_LOG10,
  WEIR__P_RSQRT,
  WEIR__P_RECIPROCAL,
  WEIR__P_TAN,
  WEIR__P_ARCSIN,
  WEIR__P_ARCCOS,
  WEIR__P_ARCTAN,
  WEIR__P_SINH,
  WEIR__P_COSH,
  WEIR__P_ERF,
  WEIR__P_FLOOR, /* integers and bool unchanged */
  WEIR__P_CEIL,
  WEIR__P_ROUND, /* half to even */
  WEIR__P_SIGN,  /* -1, 0 or 1; float NaN and +-0 unchanged; bool unchanged */
  WEIR__P_ISNAN, /* any dtype -> bool (false for integers) */
  WEIR__P_ISINF,
  WEIR__P_LOGICAL_NOT,
  /* binary arithmetic (same dtype in and out; integers wrap, no UB) */
  WEIR__P_ADD,
  WEIR__P_SUBTRACT,
  WEIR__P_MULTIPLY,
  WEIR__P_DIVIDE,  /* floating types only */
  WEIR__P_MAXIMUM, /* NaN propagates */
  WEIR__P_MINIMUM, /* NaN propagates */
  WEIR__P_POWER,   /* integers: exact by squaring; negative exponent gives 0 (1 or -1 for base +-1) */
  WEIR__P_FLOOR_DIVIDE, /* floats floor(x / y); integers floor division, x // 0 = 0 (kernel_math.h) */
  WEIR__P_REMAINDER,    /* the divisor's sign: floats fmod + y when the signs differ; integers x % 0 = 0 */
  WEIR__P_ARCTAN2,      /* floating types only */
  WEIR__P_BITWISE_AND,  /* integers and bool only (from here to RIGHT_SHIFT) */
  WEIR__P_BITWISE_OR,
  WEIR__P_BITWISE_XOR,
  WEIR__P_LEFT_SHIFT,   /* integers only; a shift outside [0, bits) gives 0 */
  WEIR__P_RIGHT_SHIFT,  /* arithmetic for signed; outside [0, bits): 0, or -1 for a negative x */
  /* comparisons (bool out) */
  WEIR__P_EQUAL,
  WEIR__P_NOT_EQUAL,
  WEIR__P_LESS,
  WEIR__P_LESS_EQUAL,
  WEIR__P_GREATER,
  WEIR__P_GREATER_EQUAL,
  WEIR__P_LOGICAL_AND,
  WEIR__P_LOGICAL_OR,
  /* reductions */
  WEIR__P_SUM,
  WEIR__P_PROD,
  WEIR__P_MAX,
  WEIR__P_MIN,
  WEIR__P_MEAN,
  WEIR__P_ARGMAX, /* out uint32; first index of the extreme; NaN counts as the extreme */
  WEIR__P_ARGMIN,
  /* linear algebra */
  WEIR__P_MATMUL,
  /* random (see random_bits.h for the exact bit layout) */
  WEIR__P_RANDOM_BITS,    /* out uint32 */
  WEIR__P_RANDOM_UNIFORM, /* out float: params.random.a = low, .b = high; values in [low, high) */
  WEIR__P_RANDOM_NORMAL,  /* out float: params.random.a = loc, .b = scale */
  /* selection, scans, joins and sorts (kernel contracts in the comment below the enum) */
  WEIR__P_WHERE,   /* elementwise: out = in[0] (bool) ? in[1] : in[2] */
  WEIR__P_GATHER,  /* take / take_along_axis: params.gather */
  WEIR__P_CUMSUM,  /* scan along params.scan.axis */
  WEIR__P_CUMPROD,
  WEIR__P_CONCAT,  /* 1..WEIR__MAX_INPUTS inputs joined along params.concat.axis */
  WEIR__P_SORT,    /* along the last axis; stable, NaN last */
  WEIR__P_ARGSORT, /* out uint32 */
  WEIR__P_TRANSPOSE,      /* core only: lowered to COPY with permuted strides */
  WEIR__P_SLICE,          /* core only: lowered to COPY with an offset and stepped (maybe negative) strides */
  WEIR__P_COUNT
} weir__prim;

typedef union weir__params {
  struct {
    double value;
  } fill;
  struct {
    double start, step;
  } arange;
  struct {
    uint64_t axes_mask; /* bit k: axis k of in[0] is reduced */
    bool keepdims;
  } reduce;
  struct {
    double a, b;
  } random;
  struct {
    int *perm; /* owned by the node (core) */
  } transpose;
  struct {
    /* float32 may use TF32 tensor cores (GPU; the CPU ignores it): weir_matmul_allow_tf32() when
       the node was built, so work already built keeps its precision */
    bool allow_tf32;
  } matmul;
  struct {
    int axis;   /* of in[0] */
    bool along; /* false: take (out = a.shape[:axis] + idx.shape + a.shape[axis+1:]); true: take_along_axis */
  } gather;
  struct {
    int axis;
    bool reverse, inclusive;
  } scan;
  struct {
    int axis;
  } concat;
  struct {
    /* per axis of in[0]: the first index taken and the step (never 0); one allocation owned by
       the node (core): step == start + ndim, free(start) releases both */
    int64_t *start, *step;
  } slice;
} weir__params;

/* Contracts of the selection prims (the core guarantees them; kernels may check):
   - WHERE: elementwise with 3 inputs (broadcast strides as above): in[0] bool, in[1] and in[2]
     of out's dtype.
   - GATHER: in[0] (a) and in[1] (integer indices, any integer dtype) contiguous with their own
     shapes. take: out.shape = a.shape[:axis] + idx.shape + a.shape[axis+1:]. take_along_axis:
     a, idx and out have one ndim; out.shape[axis] = idx.shape[axis], and off the axis a and idx
     have out's dim or 1 (broadcast). An index i < 0 counts from the end (i + n, once); what is
     still outside [0, n) is clamped to it. n == 0 only with an empty out.
   - CUMSUM/CUMPROD: in[0] contiguous, out's shape and dtype; params.scan.axis < ndim.
   - CONCAT: nin >= 1 contiguous inputs of out's dtype and ndim, equal dims but along
     params.concat.axis, where out's dim is their sum.
   - SORT/ARGSORT: in[0] contiguous, out's shape, sorted along the last axis (ndim >= 1);
     ascending, stable, NaN after everything (numpy's order; -0 == 0). SORT keeps the dtype,
     ARGSORT gives uint32 indices. */
#define WEIR__MAX_INPUTS 3

typedef struct weir__tensor {
  void *data;
  weir_dtype dtype;
  int ndim;
  bool contiguous; /* row-major, no broadcast: element i is data[i] */
  int64_t size;    /* number of elements */
  int64_t shape[WEIR_MAX_NDIM];
  int64_t strides[WEIR_MAX_NDIM]; /* in elements */
} weir__tensor;

typedef struct weir__kernel_call {
  weir__prim prim;
  const weir__params *params;
  weir__tensor out;
  int nin;
  weir__tensor in[WEIR__MAX_INPUTS];
  char errmsg[256]; /* set by the kernel when it returns an error */
} weir__kernel_call;

/* Name of a primitive for traces and messages ("add"). */
const char *weir__prim_name(weir__prim p);

#endif
