/* Small pieces of kernel logic that the CPU and CUDA kernels must compute identically, written
   once: exact integer powers, and the merging of reduction axes into groups. */
#ifndef WEIR_BACKEND_KERNEL_MATH_H
#define WEIR_BACKEND_KERNEL_MATH_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/host_device.h"

/* Exact integer powers by squaring, wrapping modulo 2^64 (callers keep the low bits). */
WEIR__HD uint64_t weir__ipow_u(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  while (e) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return r;
}

/* A negative exponent gives 1/b^-e truncated: 0, except 1 for b == 1 and +-1 for b == -1. */
WEIR__HD uint64_t weir__ipow_s(int64_t b, int64_t e) {
  if (e < 0) return b == 1 ? 1 : b == -1 ? (((uint64_t)e & 1) ? UINT64_MAX : 1) : 0;
  return weir__ipow_u((uint64_t)b, (uint64_t)e);
}

/* Integer floor division and remainder with the divisor's sign (Python's), defined for every
   input: x // 0 == 0 and x % 0 == 0 (numpy's results), MIN // -1 wraps to MIN with remainder 0.
   Callers keep the low bits of the int64/uint64 result. */
WEIR__HD int64_t weir__floordiv_s(int64_t x, int64_t y) {
  if (y == 0) return 0;
  if (y == -1) return (int64_t)(0 - (uint64_t)x); /* INT64_MIN / -1 would trap */
  int64_t q = x / y;
  return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}
WEIR__HD int64_t weir__mod_s(int64_t x, int64_t y) {
  if (y == 0 || y == -1) return 0;
  int64_t r = x % y;
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
WEIR__HD uint64_t weir__floordiv_u(uint64_t x, uint64_t y) { return y ? x / y : 0; }
WEIR__HD uint64_t weir__mod_u(uint64_t x, uint64_t y) { return y ? x % y : 0; }

/* Float floor division and remainder as numpy computes them (npy_divmod), in float for float32
   and the half types and in double for float64: the remainder is fmod moved to the divisor's
   sign (a zero takes the divisor's sign), the quotient (x - remainder) / y rounded to the nearest
   integer, so that x == floor_divide * y + remainder holds closely; x / y for a zero divisor.
   floor(x / y) differs: 1.0 // 0.1 is 9 here, as in Python, and 10 by floor(x / y). */
#define WEIR__DIVMOD_FLOAT(T, SFX, FMOD, FLOOR, COPYSIGN)                                          \
  WEIR__HD T weir__remainder_##SFX(T x, T y) {                                                    \
    T m = FMOD(x, y);                                                                               \
    if (y == 0) return m;                                                                           \
    if (m != 0) return ((y < 0) != (m < 0)) ? m + y : m;                                            \
    return COPYSIGN((T)0, y);                                                                       \
  }                                                                                                 \
  WEIR__HD T weir__floordiv_##SFX(T x, T y) {                                                     \
    if (y == 0) return x / y;                                                                       \
    T m = FMOD(x, y), d = (x - m) / y;                                                              \
    if (m != 0 && ((y < 0) != (m < 0))) d -= (T)1;                                                  \
    if (d == 0) return COPYSIGN((T)0, x / y);                                                       \
    T f = FLOOR(d);                                                                                 \
    return d - f > (T)0.5 ? f + (T)1 : f;                                                           \
  }
WEIR__DIVMOD_FLOAT(float, f, fmodf, floorf, copysignf)
WEIR__DIVMOD_FLOAT(double, d, fmod, floor, copysign)
#undef WEIR__DIVMOD_FLOAT

/* Shifts of a `bits`-wide integer by s, defined for every s (C leaves s outside [0, bits)
   undefined): left gives 0 there, right gives 0, or -1 for a negative signed x. */
WEIR__HD uint64_t weir__shl(uint64_t x, int64_t s, int bits) { return (s < 0 || s >= bits) ? 0 : x << s; }
WEIR__HD int64_t weir__shr_s(int64_t x, int64_t s, int bits) {
  if (s < 0 || s >= bits) return x < 0 ? -1 : 0;
  return x >= 0 ? (int64_t)((uint64_t)x >> s) : (int64_t)~(~(uint64_t)x >> s); /* arithmetic, no UB */
}
WEIR__HD uint64_t weir__shr_u(uint64_t x, uint64_t s, int bits) { return s >= (uint64_t)bits ? 0 : x >> s; }

/* The layout an empty reduction runs over: the kept axes of shape, then one reduced axis of
   length 0 (*mask is set to match); returns the new ndim. It reads nothing, and the reduced dims
   beside the 0 may multiply past int64 ((2^62, 2, 0) all reduced). out must not alias shape. */
WEIR__HD int weir__empty_reduce_shape(const int64_t *shape, int ndim, uint64_t *mask, int64_t *out) {
  int n = 0;
  for (int d = 0; d < ndim; d++)
    if (!((*mask >> d) & 1)) out[n++] = shape[d];
  *mask = (uint64_t)1 << n;
  out[n++] = 0;
  return n;
}

/* Merges consecutive axes of one kind (reduced or kept) of a row-major shape, skipping size-1
   axes: gshape/gred get the groups' lengths and kinds. Returns the number of groups. */
WEIR__HD int weir__merge_reduce_axes(const int64_t *shape, int ndim, uint64_t mask, int64_t *gshape, bool *gred) {
  int ng = 0;
  for (int d = 0; d < ndim; d++) {
    bool r = (mask >> d) & 1;
    if (shape[d] == 1) continue;
    if (ng > 0 && gred[ng - 1] == r) {
      gshape[ng - 1] *= shape[d];
    } else {
      gshape[ng] = shape[d];
      gred[ng++] = r;
    }
  }
  return ng;
}

#endif
