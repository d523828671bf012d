/* Internal dtype helpers shared by the core, the backends' host code and printing:
   kinds, float16/bfloat16 conversions, and generic (slow-path) element load/store. */
#ifndef WEIR_CORE_DTYPE_UTIL_H
#define WEIR_CORE_DTYPE_UTIL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "weir/array.h"

static inline bool weir__dtype_valid(int t) { return t >= 0 && t < WEIR_NUM_DTYPES; }
static inline bool weir__dtype_is_float(weir_dtype t) {
  return t == WEIR_FLOAT16 || t == WEIR_BFLOAT16 || t == WEIR_FLOAT32 || t == WEIR_FLOAT64;
}
static inline bool weir__dtype_is_unsigned(weir_dtype t) { return t >= WEIR_UINT8 && t <= WEIR_UINT64; }
static inline bool weir__dtype_is_signed_int(weir_dtype t) { return t >= WEIR_INT8 && t <= WEIR_INT64; }
static inline bool weir__dtype_is_integer(weir_dtype t) { return t >= WEIR_UINT8 && t <= WEIR_INT64; }

/* IEEE half <-> float, round to nearest even; NaN stays NaN, overflow goes to inf. */
static inline float weir__f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else { /* subnormal: normalize */
    int e = -1;
    do {
      e++;
      man <<= 1;
    } while ((man & 0x400u) == 0);
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static inline uint16_t weir__f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) /* inf or NaN */
    return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0));
  if (ax >= 0x477ff000u) /* rounds to >= 65520: inf */
    return (uint16_t)(sign | 0x7c00u);
  if (ax < 0x38800000u) { /* result is subnormal or zero */
    if (ax < 0x33000000u) return sign; /* < 2^-25: rounds to zero */
    uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e; /* 14..24 */
    uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) r++;
    return (uint16_t)(sign | r);
  }
  uint32_t r = ax - 0x38000000u; /* rebias exponent 127 -> 15 */
  uint32_t lsb = (r >> 13) & 1u;
  r += 0xfffu + lsb;
  return (uint16_t)(sign | (r >> 13));
}

static inline float weir__bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static inline uint16_t weir__f32_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
  x += 0x7fffu + ((x >> 16) & 1u);
  return (uint16_t)(x >> 16);
}

/* Generic element access through double (exact for every value of every dtype but
   64-bit integers beyond 2^53; use the int64 variants for those). */
static inline double weir__load_double(const void *p, weir_dtype t, int64_t i) {
  switch (t) {
  case WEIR_BOOL: return ((const uint8_t *)p)[i] ? 1.0 : 0.0;
  case WEIR_UINT8: return ((const uint8_t *)p)[i];
  case WEIR_UINT16: return ((const uint16_t *)p)[i];
  case WEIR_UINT32: return ((const uint32_t *)p)[i];
  case WEIR_UINT64: return (double)((const uint64_t *)p)[i];
  case WEIR_INT8: return ((const int8_t *)p)[i];
  case WEIR_INT16: return ((const int16_t *)p)[i];
  case WEIR_INT32: return ((const int32_t *)p)[i];
  case WEIR_INT64: return (double)((const int64_t *)p)[i];
  case WEIR_FLOAT16: return weir__f16_to_f32(((const uint16_t *)p)[i]);
  case WEIR_BFLOAT16: return weir__bf16_to_f32(((const uint16_t *)p)[i]);
  case WEIR_FLOAT32: return ((const float *)p)[i];
  case WEIR_FLOAT64: return ((const double *)p)[i];
  }
  return 0.0;
}

static inline int64_t weir__load_int64(const void *p, weir_dtype t, int64_t i) {
  switch (t) {
  case WEIR_UINT64: return (int64_t)((const uint64_t *)p)[i];
  case WEIR_INT64: return ((const int64_t *)p)[i];
  default: {
    double v = weir__load_double(p, t, i);
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
  }
  }
}

/* Stores v converted as C would (float->int truncates toward zero, saturating, NaN -> 0). */
static inline void weir__store_double(void *p, weir_dtype t, int64_t i, double v) {
  switch (t) {
  case WEIR_BOOL: ((uint8_t *)p)[i] = v != 0.0; return;
  case WEIR_FLOAT16: ((uint16_t *)p)[i] = weir__f32_to_f16((float)v); return;
  case WEIR_BFLOAT16: ((uint16_t *)p)[i] = weir__f32_to_bf16((float)v); return;
  case WEIR_FLOAT32: ((float *)p)[i] = (float)v; return;
  case WEIR_FLOAT64: ((double *)p)[i] = v; return;
  default: break;
  }
  if (v != v) v = 0;
  if (weir__dtype_is_unsigned(t)) {
    uint64_t u;
    if (v <= 0) u = (uint64_t)(int64_t)(v <= -9.2e18 ? -9.2e18 : v); /* negative wraps, like C via int64 */
    else u = v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
    switch (t) {
    case WEIR_UINT8: ((uint8_t *)p)[i] = (uint8_t)u; return;
    case WEIR_UINT16: ((uint16_t *)p)[i] = (uint16_t)u; return;
    case WEIR_UINT32: ((uint32_t *)p)[i] = (uint32_t)u; return;
    default: ((uint64_t *)p)[i] = u; return;
    }
  }
  int64_t s = v >= 9223372036854775807.0 ? INT64_MAX : v <= -9223372036854775808.0 ? INT64_MIN : (int64_t)v;
  switch (t) {
  case WEIR_INT8: ((int8_t *)p)[i] = (int8_t)s; return;
  case WEIR_INT16: ((int16_t *)p)[i] = (int16_t)s; return;
  case WEIR_INT32: ((int32_t *)p)[i] = (int32_t)s; return;
  default: ((int64_t *)p)[i] = s; return;
  }
}

#endif
