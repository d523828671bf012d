/* Rules of the selection kernels that the CPU and CUDA kernels must apply identically, written
   once: how a GATHER index value becomes a position, and the sort order as an unsigned key. */
#ifndef WEIR_BACKEND_SELECT_MATH_H
#define WEIR_BACKEND_SELECT_MATH_H

#include <stdint.h>
#include <string.h>

#include "backend/host_device.h"
#include "weir/array.h"

/* Index i of an integer index array of dtype t, resolved against an axis of length n > 0: a
   negative value counts from the end (once); what is still outside [0, n) is clamped into it
   (uint64 values above INT64_MAX count as too large). */
WEIR__HD int64_t weir__gather_index(const void *p, weir_dtype t, int64_t i, int64_t n) {
  int64_t v;
  switch (t) {
  case WEIR_UINT8: v = ((const uint8_t *)p)[i]; break;
  case WEIR_UINT16: v = ((const uint16_t *)p)[i]; break;
  case WEIR_UINT32: v = ((const uint32_t *)p)[i]; break;
  case WEIR_UINT64: {
    uint64_t u = ((const uint64_t *)p)[i];
    v = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    break;
  }
  case WEIR_INT8: v = ((const int8_t *)p)[i]; break;
  case WEIR_INT16: v = ((const int16_t *)p)[i]; break;
  case WEIR_INT32: v = ((const int32_t *)p)[i]; break;
  default: v = ((const int64_t *)p)[i]; break;
  }
  if (v < 0) v += n;
  return v < 0 ? 0 : v >= n ? n - 1 : v;
}

/* An IEEE value's raw bits (width w bits, sign bit at w - 1) as a key whose unsigned order is
   numpy's sort order: -inf < ... < -0 == +0 < ... < inf < NaN (every NaN alike). */
WEIR__HD uint64_t weir__float_key(uint64_t bits, int w, uint64_t exp_mask) {
  uint64_t sign = (uint64_t)1 << (w - 1), mag = bits & (sign - 1);
  if (mag > exp_mask) return UINT64_MAX; /* NaN: after everything */
  if (mag == 0) return sign;            /* -0 sorts with +0 */
  return (bits & sign) ? (~bits & (sign | (sign - 1))) : (bits | sign);
}

/* Element i of p (dtype t) as its sort key; equal keys for values numpy's sort treats as equal. */
WEIR__HD uint64_t weir__sort_key(const void *p, weir_dtype t, int64_t i) {
  switch (t) {
  case WEIR_BOOL:
  case WEIR_UINT8: return ((const uint8_t *)p)[i];
  case WEIR_UINT16: return ((const uint16_t *)p)[i];
  case WEIR_UINT32: return ((const uint32_t *)p)[i];
  case WEIR_UINT64: return ((const uint64_t *)p)[i];
  /* signed: flipping the sign bit of the 64-bit value orders it as unsigned */
  case WEIR_INT8: return (uint64_t)(int64_t)((const int8_t *)p)[i] ^ ((uint64_t)1 << 63);
  case WEIR_INT16: return (uint64_t)(int64_t)((const int16_t *)p)[i] ^ ((uint64_t)1 << 63);
  case WEIR_INT32: return (uint64_t)(int64_t)((const int32_t *)p)[i] ^ ((uint64_t)1 << 63);
  case WEIR_INT64: return (uint64_t)((const int64_t *)p)[i] ^ ((uint64_t)1 << 63);
  case WEIR_FLOAT16: return weir__float_key(((const uint16_t *)p)[i], 16, 0x7c00);
  case WEIR_BFLOAT16: return weir__float_key(((const uint16_t *)p)[i], 16, 0x7f80);
  case WEIR_FLOAT32: {
    uint32_t b;
    memcpy(&b, (const char *)p + 4 * i, 4);
    return weir__float_key(b, 32, 0x7f800000u);
  }
  default: {
    uint64_t b;
    memcpy(&b, (const char *)p + 8 * i, 8);
    return weir__float_key(b, 64, 0x7ff0000000000000ull);
  }
  }
}

#endif
