/* ASTYPE: every (source, destination) dtype pair. Values convert as weir__store_double does:
   float -> integer truncates toward zero with NaN -> 0 and out-of-range values saturated at
   the 64-bit limits (then wrapped into narrower types), -> bool is != 0 (NaN -> true),
   integer -> integer wraps as C does, -> float16/bfloat16 rounds from float32. */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model), which
   leaves these kernels' loops scalar; the "cheap" model vectorizes them. Before the includes so
   the inlined helpers get it too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"

/* The value x (of the source's compute type) as destination dsfx's storage. */
#define CVT(C, U, x) WEIR__CPU_TO_##U(x)
/* Row cvt_<src>_<dst>: the destination suffix travels in the U slot, which CVT reads. */
#define ROW(sfx, T, C, U, LD, ST, dsfx, TD) WEIR__CPU_ROW1(cvt_##sfx##_##dsfx, T, TD, C, dsfx, LD, WEIR__ID, CVT)
#define FROM_ALL(dsfx, TD) WEIR__CPU_ALL(ROW, dsfx, TD)

FROM_ALL(b, uint8_t)
FROM_ALL(u8, uint8_t)
FROM_ALL(u16, uint16_t)
FROM_ALL(u32, uint32_t)
FROM_ALL(u64, uint64_t)
FROM_ALL(i8, int8_t)
FROM_ALL(i16, int16_t)
FROM_ALL(i32, int32_t)
FROM_ALL(i64, int64_t)
FROM_ALL(f16, uint16_t)
FROM_ALL(bf16, uint16_t)
FROM_ALL(f32, float)
FROM_ALL(f64, double)

/* One destination's row of the table: its converters indexed by source dtype. */
#define DST(dsfx)                                                                                  \
  {                                                                                                \
    cvt_b_##dsfx, cvt_u8_##dsfx, cvt_u16_##dsfx, cvt_u32_##dsfx, cvt_u64_##dsfx, cvt_i8_##dsfx,    \
        cvt_i16_##dsfx, cvt_i32_##dsfx, cvt_i64_##dsfx, cvt_f16_##dsfx, cvt_bf16_##dsfx,           \
        cvt_f32_##dsfx, cvt_f64_##dsfx                                                             \
  }
/* [destination][source], both in weir_dtype order. */
static const weir__cpu_row_fn cvt_rows[WEIR_NUM_DTYPES][WEIR_NUM_DTYPES] = {
    DST(b),   DST(u8),   DST(u16), DST(u32), DST(u64), DST(i8), DST(i16),
    DST(i32), DST(i64), DST(f16), DST(bf16), DST(f32), DST(f64),
};

weir_status weir__cpu_astype(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = weir__cpu_check_elementwise(c, 1);
  if (st != WEIR_OK) return st;
  if (c->in[0].dtype == c->out.dtype) return weir__cpu_copy(c, lo, hi);
  weir__cpu_map(c, cvt_rows[c->out.dtype][c->in[0].dtype], lo, hi);
  return WEIR_OK;
}
