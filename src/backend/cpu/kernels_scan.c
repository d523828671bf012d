/* CUMSUM / CUMPROD along params.scan.axis of a contiguous in[0] of out's shape and dtype, viewed as
   (outer, L, inner). Accumulators: the dtype's wrapping unsigned type for integers and bool
   (uint32 below 64 bits: the low bits are exact), float for float16/bfloat16/float32 (rounded to
   the dtype only on store), double for float64. Along the axis the running values of a whole
   block of `inner` columns advance together (a vectorizable loop when the axis is not the last). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"

#define SUM_OP(a, b) ((a) + (b))
#define PROD_OP(a, b) ((a) * (b))

/* One scan of (outer, L, inner) elements; acc holds `inner` accumulators. */
typedef void (*scan_fn)(const void *in, void *out, int64_t outer, int64_t L, int64_t inner, bool reverse,
                        bool inclusive, void *acc);

#define SCAN_FN(sfx, T, C, U, LD, ST, name, OP, ID)                                                \
  static void name##_##sfx(const void *in_, void *out_, int64_t outer, int64_t L, int64_t inner,   \
                           bool reverse, bool inclusive, void *acc_) {                             \
    const T *in = in_;                                                                             \
    T *out = out_;                                                                                 \
    U *restrict acc = acc_;                                                                        \
    for (int64_t o = 0; o < outer; o++) {                                                          \
      for (int64_t q = 0; q < inner; q++) acc[q] = (U)(ID);                                        \
      for (int64_t kk = 0; kk < L; kk++) {                                                         \
        int64_t k = reverse ? L - 1 - kk : kk;                                                     \
        const T *restrict x = in + (o * L + k) * inner;                                            \
        T *restrict y = out + (o * L + k) * inner;                                                 \
        if (inclusive) {                                                                           \
          for (int64_t q = 0; q < inner; q++) {                                                    \
            acc[q] = OP(acc[q], (U)LD(x[q]));                                                      \
            y[q] = ST((C)acc[q]);                                                                  \
          }                                                                                        \
        } else {                                                                                   \
          for (int64_t q = 0; q < inner; q++) {                                                    \
            U v = (U)LD(x[q]);                                                                     \
            y[q] = ST((C)acc[q]);                                                                  \
            acc[q] = OP(acc[q], v);                                                                \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }
#define SUM_FN(sfx, T, C, U, LD, ST, unused) SCAN_FN(sfx, T, C, U, LD, ST, cumsum, SUM_OP, 0)
#define PROD_FN(sfx, T, C, U, LD, ST, unused) SCAN_FN(sfx, T, C, U, LD, ST, cumprod, PROD_OP, 1)
WEIR__CPU_ALL(SUM_FN, 0)
WEIR__CPU_ALL(PROD_FN, 0)

static const scan_fn sum_fns[WEIR_NUM_DTYPES] = {WEIR__CPU_TAB_ALL(cumsum)};
static const scan_fn prod_fns[WEIR_NUM_DTYPES] = {WEIR__CPU_TAB_ALL(cumprod)};

weir_status weir__cpu_scan(weir__kernel_call *c) {
  const weir__tensor *in = &c->in[0];
  if (c->nin != 1 || !c->params || !in->contiguous || in->dtype != c->out.dtype || in->size != c->out.size ||
      c->params->scan.axis < 0 || c->params->scan.axis >= in->ndim)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: malformed call", weir__prim_name(c->prim));
  int axis = c->params->scan.axis;
  /* nothing to do for an empty array, whose dims beside the 0 may multiply past int64 */
  if (in->size == 0) return WEIR_OK;
  int64_t outer = 1, inner = 1, L = in->shape[axis];
  for (int d = 0; d < axis; d++) outer *= in->shape[d];
  for (int d = axis + 1; d < in->ndim; d++) inner *= in->shape[d];
  void *acc = weir__malloc((size_t)inner * sizeof(double));
  if (!acc)
    return weir__cpu_fail(c, WEIR_ERR_OUT_OF_MEMORY, "%s: out of memory for %lld accumulators",
                          weir__prim_name(c->prim), (long long)inner);
  scan_fn fn = (c->prim == WEIR__P_CUMSUM ? sum_fns : prod_fns)[in->dtype];
  fn(in->data, c->out.data, outer, L, inner, c->params->scan.reverse, c->params->scan.inclusive, acc);
  free(acc);
  return WEIR_OK;
}
