/* Dtypes: sizes, names, and MLX's type promotion (mlx/dtype.cpp, `type_rules`). */
#include "core/dtype_rules.h"
#include "core/dtype_util.h"

static const size_t dtype_sizes[WEIR_NUM_DTYPES] = {
    1, 1, 2, 4, 8, /* bool, uint8..uint64 */
    1, 2, 4, 8,    /* int8..int64 */
    2, 2, 4, 8,    /* float16, bfloat16, float32, float64 */
};

static const char *const dtype_names[WEIR_NUM_DTYPES] = {
    "bool",  "uint8", "uint16", "uint32",  "uint64",   "int8",    "int16",
    "int32", "int64", "float16", "bfloat16", "float32", "float64",
};

size_t weir_dtype_size(weir_dtype t) { return weir__dtype_valid((int)t) ? dtype_sizes[t] : 0; }

const char *weir_dtype_name(weir_dtype t) { return weir__dtype_valid((int)t) ? dtype_names[t] : "unknown"; }

/* MLX's table (JAX-like lattice), rewritten in weir's enum order (weir puts bfloat16 before
   float32; MLX orders float16, float32, float64, bfloat16). Notable cells, all from MLX:
   uint64 with any signed int -> float32; any integer with float16/bfloat16 -> that float;
   float16 with bfloat16 -> float32; float64 wins over everything. The table is symmetric. */
#define B WEIR_BOOL
#define U1 WEIR_UINT8
#define U2 WEIR_UINT16
#define U4 WEIR_UINT32
#define U8 WEIR_UINT64
#define I1 WEIR_INT8
#define I2 WEIR_INT16
#define I4 WEIR_INT32
#define I8 WEIR_INT64
#define F2 WEIR_FLOAT16
#define BF WEIR_BFLOAT16
#define F4 WEIR_FLOAT32
#define F8 WEIR_FLOAT64
static const unsigned char promote_table[WEIR_NUM_DTYPES][WEIR_NUM_DTYPES] = {
    /*         B   U1  U2  U4  U8  I1  I2  I4  I8  F2  BF  F4  F8 */
    /* B  */ {B, U1, U2, U4, U8, I1, I2, I4, I8, F2, BF, F4, F8},
    /* U1 */ {U1, U1, U2, U4, U8, I2, I2, I4, I8, F2, BF, F4, F8},
    /* U2 */ {U2, U2, U2, U4, U8, I4, I4, I4, I8, F2, BF, F4, F8},
    /* U4 */ {U4, U4, U4, U4, U8, I8, I8, I8, I8, F2, BF, F4, F8},
    /* U8 */ {U8, U8, U8, U8, U8, F4, F4, F4, F4, F2, BF, F4, F8},
    /* I1 */ {I1, I2, I4, I8, F4, I1, I2, I4, I8, F2, BF, F4, F8},
    /* I2 */ {I2, I2, I4, I8, F4, I2, I2, I4, I8, F2, BF, F4, F8},
    /* I4 */ {I4, I4, I4, I8, F4, I4, I4, I4, I8, F2, BF, F4, F8},
    /* I8 */ {I8, I8, I8, I8, F4, I8, I8, I8, I8, F2, BF, F4, F8},
    /* F2 */ {F2, F2, F2, F2, F2, F2, F2, F2, F2, F2, F4, F4, F8},
    /* BF */ {BF, BF, BF, BF, BF, BF, BF, BF, BF, F4, BF, F4, F8},
    /* F4 */ {F4, F4, F4, F4, F4, F4, F4, F4, F4, F4, F4, F4, F8},
    /* F8 */ {F8, F8, F8, F8, F8, F8, F8, F8, F8, F8, F8, F8, F8},
};
#undef B
#undef U1
#undef U2
#undef U4
#undef U8
#undef I1
#undef I2
#undef I4
#undef I8
#undef F2
#undef BF
#undef F4
#undef F8

weir_dtype weir_dtype_promote(weir_dtype a, weir_dtype b) {
  if (!weir__dtype_valid((int)a) || !weir__dtype_valid((int)b)) return WEIR__DTYPE_INVALID;
  return (weir_dtype)promote_table[a][b];
}

weir_dtype weir__dtype_at_least_float(weir_dtype t) {
  if (!weir__dtype_valid((int)t)) return WEIR__DTYPE_INVALID;
  return weir__dtype_is_float(t) ? t : WEIR_FLOAT32;
}

weir_dtype weir__dtype_result_type(const weir_dtype *types, int n) {
  weir_dtype r = WEIR_BOOL;
  for (int i = 0; i < n && types; i++) r = weir_dtype_promote(r, types[i]);
  return r;
}
