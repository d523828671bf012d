/* Macros that generate the per-dtype row functions (weir__cpu_row_fn) of the elementwise
   kernels, so each operation is written once.

   A dtype is described by (sfx, T, C, U, LD, ST):
     sfx  name suffix (f32), T storage type, C compute type (float for float16/bfloat16),
     U    unsigned type integer arithmetic wraps in (uint32_t below 64 bits, so that
          uint16 * uint16 cannot overflow int), LD/ST convert storage <-> compute.
   An operation is a macro OP(C, U, x) or OP(C, U, x, y) giving the stored result's value.

   The contiguous and scalar-broadcast cases are separate plain loops so that gcc vectorizes
   them without runtime alias checks: the parameters are restrict (gcc ignores restrict on
   local copies). So out may be the very buffer of an input (same index), never a partial
   overlap. */
#ifndef WEIR_BACKEND_CPU_CPU_ROWS_H
#define WEIR_BACKEND_CPU_CPU_ROWS_H

#include "backend/cpu/cpu_kernels.h"

#define WEIR__ID(x) (x)

/* Dtype lists: X(sfx, T, C, U, LD, ST, extra...) for each dtype of the kind. */
#define WEIR__CPU_BOOL(X, ...) X(b, uint8_t, uint8_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)
#define WEIR__CPU_UINTS(X, ...)                                                                    \
  X(u8, uint8_t, uint8_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)                               \
  X(u16, uint16_t, uint16_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)                            \
  X(u32, uint32_t, uint32_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)                            \
  X(u64, uint64_t, uint64_t, uint64_t, WEIR__ID, WEIR__ID, __VA_ARGS__)
#define WEIR__CPU_SINTS(X, ...)                                                                    \
  X(i8, int8_t, int8_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)                                 \
  X(i16, int16_t, int16_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)                              \
  X(i32, int32_t, int32_t, uint32_t, WEIR__ID, WEIR__ID, __VA_ARGS__)                              \
  X(i64, int64_t, int64_t, uint64_t, WEIR__ID, WEIR__ID, __VA_ARGS__)
#define WEIR__CPU_FLOATS(X, ...)                                                                   \
  X(f16, uint16_t, float, float, weir__f16_to_f32, weir__f32_to_f16, __VA_ARGS__)                  \
  X(bf16, uint16_t, float, float, weir__bf16_to_f32, weir__f32_to_bf16, __VA_ARGS__)               \
  X(f32, float, float, float, WEIR__ID, WEIR__ID, __VA_ARGS__)                                     \
  X(f64, double, double, double, WEIR__ID, WEIR__ID, __VA_ARGS__)
#define WEIR__CPU_ALL(X, ...)                                                                      \
  WEIR__CPU_BOOL(X, __VA_ARGS__)                                                                   \
  WEIR__CPU_UINTS(X, __VA_ARGS__) WEIR__CPU_SINTS(X, __VA_ARGS__) WEIR__CPU_FLOATS(X, __VA_ARGS__)

/* Designated initializers of a table indexed by dtype: name##_sfx for each dtype of a kind. */
#define WEIR__CPU_TAB_BOOL(name) [WEIR_BOOL] = name##_b
#define WEIR__CPU_TAB_UINTS(name)                                                                  \
  [WEIR_UINT8] = name##_u8, [WEIR_UINT16] = name##_u16, [WEIR_UINT32] = name##_u32,                \
  [WEIR_UINT64] = name##_u64
#define WEIR__CPU_TAB_SINTS(name)                                                                  \
  [WEIR_INT8] = name##_i8, [WEIR_INT16] = name##_i16, [WEIR_INT32] = name##_i32,                   \
  [WEIR_INT64] = name##_i64
#define WEIR__CPU_TAB_FLOATS(name)                                                                 \
  [WEIR_FLOAT16] = name##_f16, [WEIR_BFLOAT16] = name##_bf16, [WEIR_FLOAT32] = name##_f32,         \
  [WEIR_FLOAT64] = name##_f64
#define WEIR__CPU_TAB_ALL(name)                                                                    \
  WEIR__CPU_TAB_BOOL(name), WEIR__CPU_TAB_UINTS(name), WEIR__CPU_TAB_SINTS(name),                  \
  WEIR__CPU_TAB_FLOATS(name)

/* Unary row: out (OT) = ST(OP(C, U, LD(a))). */
#define WEIR__CPU_ROW1(name, T, OT, C, U, LD, ST, OP)                                              \
  static void name(int64_t n, void *restrict o_, const void *restrict a_, int64_t sa,              \
                   const void *restrict b_, int64_t sb) {                                          \
    OT *o = o_;                                                                                    \
    const T *a = a_;                                                                               \
    (void)b_;                                                                                      \
    (void)sb;                                                                                      \
    if (sa == 1) {                                                                                 \
      for (int64_t i = 0; i < n; i++) {                                                            \
        C x = LD(a[i]);                                                                            \
        o[i] = ST(OP(C, U, x));                                                                    \
      }                                                                                            \
    } else if (sa == 0) {                                                                          \
      C x = LD(a[0]);                                                                              \
      OT v = ST(OP(C, U, x));                                                                      \
      for (int64_t i = 0; i < n; i++) o[i] = v;                                                    \
    } else {                                                                                       \
      for (int64_t i = 0; i < n; i++) {                                                            \
        C x = LD(a[i * sa]);                                                                       \
        o[i] = ST(OP(C, U, x));                                                                    \
      }                                                                                            \
    }                                                                                              \
  }

/* A unary row for operations the compiler vectorizes into calls to a vector math library
   (vector_math.h). Every element goes through one function of 16 lanes, name##_block (cloned per
   instruction set with CLONES, so one version serves the whole process), the last block and a
   broadcast or strided input padded through a buffer. A plain loop's vectorized body and its
   epilogue call different versions of the function (16-, 8-, 4-lane, scalar) whose last bits
   differ: a value's result would depend on where it sits in the array and on how the work was
   split over threads. */
#define WEIR__CPU_ROW1_BLOCKED(name, T, OT, C, U, LD, ST, OP, CLONES, ATTR)                        \
  CLONES __attribute__((noinline)) static void name##_block(C *restrict out, const C *restrict in) { \
    for (int j = 0; j < 16; j++) out[j] = OP(C, U, in[j]);                                         \
  }                                                                                                \
  ATTR static void name(int64_t n, void *restrict o_, const void *restrict a_, int64_t sa,         \
                        const void *restrict b_, int64_t sb) {                                     \
    OT *o = o_;                                                                                    \
    const T *a = a_;                                                                               \
    (void)b_;                                                                                      \
    (void)sb;                                                                                      \
    C in[16], out[16];                                                                             \
    if (sa == 0 && n > 0) { /* one value: computed once */                                         \
      for (int j = 0; j < 16; j++) in[j] = LD(a[0]);                                               \
      name##_block(out, in);                                                                       \
      OT v = ST(out[0]);                                                                           \
      for (int64_t i = 0; i < n; i++) o[i] = v;                                                    \
      return;                                                                                      \
    }                                                                                              \
    int64_t i = 0;                                                                                 \
    if (sa == 1 && sizeof(T) == sizeof(C) && sizeof(OT) == sizeof(C)) /* float32, float64 */       \
      for (; i + 16 <= n; i += 16) name##_block((C *)(void *)(o + i), (const C *)(const void *)(a + i)); \
    for (; i < n; i += 16) {                                                                       \
      int m = n - i < 16 ? (int)(n - i) : 16;                                                      \
      for (int j = 0; j < 16; j++) in[j] = j < m ? LD(a[(i + j) * sa]) : (C)0;                     \
      name##_block(out, in);                                                                       \
      for (int j = 0; j < m; j++) o[i + j] = ST(out[j]);                                           \
    }                                                                                              \
  }

/* Binary row: out (OT) = ST(OP(C, U, LD(a), LD(b))). */
#define WEIR__CPU_ROW2(name, T, OT, C, U, LD, ST, OP)                                              \
  static void name(int64_t n, void *restrict o_, const void *restrict a_, int64_t sa,              \
                   const void *restrict b_, int64_t sb) {                                          \
    OT *o = o_;                                                                                    \
    const T *a = a_;                                                                               \
    const T *b = b_;                                                                               \
    if (sa == 1 && sb == 1) {                                                                      \
      for (int64_t i = 0; i < n; i++) {                                                            \
        C x = LD(a[i]), y = LD(b[i]);                                                              \
        o[i] = ST(OP(C, U, x, y));                                                                 \
      }                                                                                            \
    } else if (sa == 1 && sb == 0) {                                                               \
      const C y = LD(b[0]);                                                                        \
      for (int64_t i = 0; i < n; i++) {                                                            \
        C x = LD(a[i]);                                                                            \
        o[i] = ST(OP(C, U, x, y));                                                                 \
      }                                                                                            \
    } else if (sa == 0 && sb == 1) {                                                               \
      const C x = LD(a[0]);                                                                        \
      for (int64_t i = 0; i < n; i++) {                                                            \
        C y = LD(b[i]);                                                                            \
        o[i] = ST(OP(C, U, x, y));                                                                 \
      }                                                                                            \
    } else {                                                                                       \
      for (int64_t i = 0; i < n; i++) {                                                            \
        C x = LD(a[i * sa]), y = LD(b[i * sb]);                                                    \
        o[i] = ST(OP(C, U, x, y));                                                                 \
      }                                                                                            \
    }                                                                                              \
  }

/* WEIR__CPU_ROW1_BLOCKED's binary form. */
#define WEIR__CPU_ROW2_BLOCKED(name, T, OT, C, U, LD, ST, OP, CLONES)                              \
  CLONES __attribute__((noinline)) static void name##_block(C *restrict out, const C *restrict x,   \
                                                            const C *restrict y) {                 \
    for (int j = 0; j < 16; j++) out[j] = OP(C, U, x[j], y[j]);                                    \
  }                                                                                                \
  static void name(int64_t n, void *restrict o_, const void *restrict a_, int64_t sa,              \
                   const void *restrict b_, int64_t sb) {                                          \
    OT *o = o_;                                                                                    \
    const T *a = a_;                                                                               \
    const T *b = b_;                                                                               \
    C in_a[16], in_b[16], out[16];                                                                 \
    int64_t i = 0;                                                                                 \
    if (sa == 1 && sb == 1 && sizeof(T) == sizeof(C) && sizeof(OT) == sizeof(C))                  \
      for (; i + 16 <= n; i += 16)                                                                 \
        name##_block((C *)(void *)(o + i), (const C *)(const void *)(a + i), (const C *)(const void *)(b + i)); \
    for (; i < n; i += 16) {                                                                       \
      int m = n - i < 16 ? (int)(n - i) : 16;                                                      \
      for (int j = 0; j < 16; j++) {                                                               \
        in_a[j] = j < m ? LD(a[(i + j) * sa]) : (C)1;                                              \
        in_b[j] = j < m ? LD(b[(i + j) * sb]) : (C)1;                                              \
      }                                                                                            \
      name##_block(out, in_a, in_b);                                                               \
      for (int j = 0; j < m; j++) o[i + j] = ST(out[j]);                                           \
    }                                                                                              \
  }

/* Value conversions to each dtype's storage, from any compute value x (integer, float or
   double). Floats go to integers through weir__cpu_d2i64/d2u64 (defined for NaN and out of
   range); integers convert as C does (wrapping into narrower types). */
#define WEIR__CPU_TO_INT(TD, D2, x)                                                                \
  _Generic((x), float: (TD)D2((double)(x)), double: (TD)D2((double)(x)), default: (TD)(x))
#define WEIR__CPU_TO_b(x) ((uint8_t)((x) != 0))
#define WEIR__CPU_TO_u8(x) WEIR__CPU_TO_INT(uint8_t, weir__cpu_d2u64, x)
#define WEIR__CPU_TO_u16(x) WEIR__CPU_TO_INT(uint16_t, weir__cpu_d2u64, x)
#define WEIR__CPU_TO_u32(x) WEIR__CPU_TO_INT(uint32_t, weir__cpu_d2u64, x)
#define WEIR__CPU_TO_u64(x) WEIR__CPU_TO_INT(uint64_t, weir__cpu_d2u64, x)
#define WEIR__CPU_TO_i8(x) WEIR__CPU_TO_INT(int8_t, weir__cpu_d2i64, x)
#define WEIR__CPU_TO_i16(x) WEIR__CPU_TO_INT(int16_t, weir__cpu_d2i64, x)
#define WEIR__CPU_TO_i32(x) WEIR__CPU_TO_INT(int32_t, weir__cpu_d2i64, x)
#define WEIR__CPU_TO_i64(x) WEIR__CPU_TO_INT(int64_t, weir__cpu_d2i64, x)
#define WEIR__CPU_TO_f16(x) weir__f32_to_f16((float)(x))
#define WEIR__CPU_TO_bf16(x) weir__f32_to_bf16((float)(x))
#define WEIR__CPU_TO_f32(x) ((float)(x))
#define WEIR__CPU_TO_f64(x) ((double)(x))

#endif
