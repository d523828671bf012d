/* Internal declarations shared by the CPU kernels (src/backend/cpu/kernels_*.c).

   Every family below validates its call first (writing c->errmsg and returning an error
   without touching data), then computes the output elements [lo, hi) of the flat row-major
   output. Running disjoint ranges that cover [0, out.size) gives the same result as one run
   over everything, so a thread pool may split a call (see weir__cpu_kernel_run_range). */
#ifndef WEIR_BACKEND_CPU_CPU_KERNELS_H
#define WEIR_BACKEND_CPU_CPU_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/kernel.h"
#include "core/dtype_util.h"
#include "weir/error.h"

#if defined(__GNUC__)
#define WEIR__CPU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WEIR__CPU_PRINTF(a, b)
#endif

/* Bytes per element (the same table as weir_dtype_size, without a call into the core). */
static inline int64_t weir__cpu_dsize(weir_dtype t) {
  static const int8_t sz[WEIR_NUM_DTYPES] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8};
  return weir__dtype_valid((int)t) ? sz[t] : 0;
}

/* double -> 64-bit integer exactly as weir__store_double converts (truncation toward zero,
   NaN -> 0, saturation at the 64-bit limits; negatives wrap into unsigned through int64).
   Narrower integer types then take the low bits, as weir__store_double does. */
static inline int64_t weir__cpu_d2i64(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}
static inline uint64_t weir__cpu_d2u64(double v) {
  if (v != v) return 0;
  if (v <= 0) return (uint64_t)(int64_t)(v <= -9.2e18 ? -9.2e18 : v);
  return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

/* Writes c->errmsg and returns s. */
weir_status weir__cpu_fail(weir__kernel_call *c, weir_status s, const char *fmt, ...) WEIR__CPU_PRINTF(3, 4);
/* WEIR_ERR_UNSUPPORTED: "<prim> is not supported for <dtype> on the CPU". */
weir_status weir__cpu_unsupported(weir__kernel_call *c, weir_dtype t);

/* One run of an elementwise op: out[i] = f(a[i * sa], b[i * sb]) for i < n, strides in
   elements (b and sb unused by unary rows). out is contiguous. */
typedef void (*weir__cpu_row_fn)(int64_t n, void *out, const void *a, int64_t sa, const void *b, int64_t sb);

/* Checks the elementwise layout contract: nin inputs, each with out's ndim and shape. */
weir_status weir__cpu_check_elementwise(weir__kernel_call *c, int nin);
/* Runs fn over out elements [lo, hi): merges axes the operands let it merge, then calls fn
   once per innermost run (a single call when every input is contiguous or a scalar). */
void weir__cpu_map(const weir__kernel_call *c, weir__cpu_row_fn fn, int64_t lo, int64_t hi);

/* The families (kernels_elementwise.c, _unary.c, _binary.c, _compare.c, _astype.c,
   _reduce.c, _random.c). */
weir_status weir__cpu_full(weir__kernel_call *c, int64_t lo, int64_t hi);
weir_status weir__cpu_arange(weir__kernel_call *c, int64_t lo, int64_t hi);
weir_status weir__cpu_copy(weir__kernel_call *c, int64_t lo, int64_t hi);   /* COPY */
weir_status weir__cpu_astype(weir__kernel_call *c, int64_t lo, int64_t hi); /* ASTYPE */
weir_status weir__cpu_unary(weir__kernel_call *c, int64_t lo, int64_t hi);  /* ABS .. LOGICAL_NOT */
weir_status weir__cpu_binary(weir__kernel_call *c, int64_t lo, int64_t hi); /* ADD .. POWER */
weir_status weir__cpu_compare(weir__kernel_call *c, int64_t lo, int64_t hi); /* EQUAL .. LOGICAL_OR */
weir_status weir__cpu_reduce(weir__kernel_call *c, int64_t lo, int64_t hi); /* SUM .. ARGMIN */
weir_status weir__cpu_random(weir__kernel_call *c, int64_t lo, int64_t hi); /* RANDOM_* */
/* MATMUL is not split by range (OpenBLAS threads it itself). */
weir_status weir__cpu_matmul(weir__kernel_call *c);
/* Selection (kernels_select.c): WHERE and GATHER split by range; the scans, CONCAT and the sorts
   (kernels_scan.c, _join.c, _sort.c) work on whole rows and are not split. */
weir_status weir__cpu_select(weir__kernel_call *c, int64_t lo, int64_t hi); /* WHERE, GATHER */
weir_status weir__cpu_scan(weir__kernel_call *c);                           /* CUMSUM, CUMPROD */
weir_status weir__cpu_concat(weir__kernel_call *c);                         /* CONCAT */
weir_status weir__cpu_sort(weir__kernel_call *c);                           /* SORT, ARGSORT */

/* Parallel split (kernels_dispatch.c). weir__cpu_kernel_splittable says whether a primitive's
   work splits over output element ranges (all but MATMUL, RESHAPE, TRANSPOSE and SLICE). For those,
   weir__cpu_kernel_run_range(c, 0, 0) validates the call without touching data (and is the only
   call that may write c->errmsg); once it returned WEIR_OK, disjoint ranges of [0, out.size)
   may run concurrently on different threads, and they cannot fail. */
bool weir__cpu_kernel_splittable(weir__prim p);
weir_status weir__cpu_kernel_run_range(weir__kernel_call *c, int64_t lo, int64_t hi);

#endif
