/* Counter-based random bits, shared by every backend so that a key gives the same bits on
   every device. Plain C, also compiled by nvcc (WEIR__HD adds __host__ __device__).

   Bit layout (the contract): for a key (k0, k1) and a flat output of n uint32 words, word i
   comes from block b = i / 2: (x0, x1) = threefry2x32_20((k0, k1), (lo32(b), hi32(b))), and
   word i is x0 when i is even, x1 when odd.

   Floats from words (element i of the flat output):
   - uniform float16/bfloat16/float32: word i; u = (w >> 8) * 2^-24 in [0, 1);
     v = low + (high - low) * u in float32, rounded to the dtype; a v >= high (rounding) becomes
     the largest value of the dtype below high.
   - uniform float64: words 2i and 2i+1: u = ((w0 << 21) | (w1 >> 11)) * 2^-53.
   - normal float16/bfloat16/float32: word i; u = ((w >> 9) + 0.5) * 2^-22 - 1 in (-1, 1)
     (exact in float32); v = loc + scale * sqrt(2) * erfinv(u), in float32.
   - normal float64: words 2i, 2i+1: m = (w0 << 20) | (w1 >> 12) (52 bits);
     u = (m + 0.5) * 2^-51 - 1; erfinv in double. */
#ifndef WEIR_BACKEND_RANDOM_BITS_H
#define WEIR_BACKEND_RANDOM_BITS_H

#include <math.h>
#include <stdint.h>

#include "backend/host_device.h"

WEIR__HD uint32_t weir__rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/* Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"). */
WEIR__HD void weir__threefry2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t out[2]) {
  const int rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
  for (int i = 0; i < 5; i++) {
    for (int j = 0; j < 4; j++) {
      x0 += x1;
      x1 = weir__rotl32(x1, rot[(i % 2) * 4 + j]);
      x1 ^= x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + (uint32_t)(i + 1);
  }
  out[0] = x0;
  out[1] = x1;
}

/* Word i of the stream for key (k0, k1). */
WEIR__HD uint32_t weir__random_word(uint32_t k0, uint32_t k1, uint64_t i) {
  uint32_t o[2];
  uint64_t b = i >> 1;
  weir__threefry2x32(k0, k1, (uint32_t)b, (uint32_t)(b >> 32), o);
  return (i & 1) ? o[1] : o[0];
}

/* Giles' single-precision erfinv ("Approximating the erfinv function", 2010). */
WEIR__HD float weir__erfinvf(float x) {
  float w = -logf((1.0f - x) * (1.0f + x)), p;
  if (w < 5.0f) {
    w = w - 2.5f;
    p = 2.81022636e-08f;
    p = 3.43273939e-07f + p * w;
    p = -3.5233877e-06f + p * w;
    p = -4.39150654e-06f + p * w;
    p = 0.00021858087f + p * w;
    p = -0.00125372503f + p * w;
    p = -0.00417768164f + p * w;
    p = 0.246640727f + p * w;
    p = 1.50140941f + p * w;
  } else {
    w = sqrtf(w) - 3.0f;
    p = -0.000200214257f;
    p = 0.000100950558f + p * w;
    p = 0.00134934322f + p * w;
    p = -0.00367342844f + p * w;
    p = 0.00573950773f + p * w;
    p = -0.0076224613f + p * w;
    p = 0.00943887047f + p * w;
    p = 1.00167406f + p * w;
    p = 2.83297682f + p * w;
  }
  return p * x;
}

/* Double erfinv: Giles' polynomial as a start, refined by two Newton steps. An x within 2^-25 of
   +-1 rounds to +-1 in float, whose erfinvf is infinite: the start is then taken at the largest
   float below 1. In the tails (|x| > 0.5) the steps solve log(erfc(|y|)) = log(1 - |x|) (1 - |x|
   is exact there), which keeps the precision that erf(y) - x loses next to +-1. */
WEIR__HD double weir__erfinv(double x) {
  float xf = (float)x;
  if (fabs(x) < 1.0 && fabsf(xf) >= 1.0f) xf = copysignf(0.99999994f, xf);
  double y = (double)weir__erfinvf(xf);
  if (!(fabs(y) < 1e300)) return y; /* x = +-1, |x| > 1 or NaN */
  const double ax = fabs(x);
  if (ax > 0.5) { /* Newton on log(erfc(a)) = log(1 - |x|): nearly quadratic in a, so it converges fast */
    const double t = 1.0 - ax;
    double a = fabs(y);
    for (int k = 0; k < 8; k++) {
      double e = erfc(a), step = (log(e) - log(t)) * e / (1.1283791670955126 * exp(-a * a)); /* 2/sqrt(pi) */
      a += step;
      if (fabs(step) <= 1e-15 * a) break;
    }
    return x < 0 ? -a : a;
  }
  for (int k = 0; k < 2; k++) y -= (erf(y) - x) / (1.1283791670955126 * exp(-y * y));
  return y;
}

WEIR__HD float weir__uniform_unit_f32(uint32_t w) { return (float)(w >> 8) * 0x1p-24f; }
WEIR__HD double weir__uniform_unit_f64(uint32_t w0, uint32_t w1) {
  return (double)(((uint64_t)w0 << 21) | (w1 >> 11)) * 0x1p-53;
}
WEIR__HD float weir__normal_f32(uint32_t w) {
  float u = ((float)(w >> 9) + 0.5f) * 0x1p-22f - 1.0f;
  return 1.41421356237f * weir__erfinvf(u);
}
WEIR__HD double weir__normal_f64(uint32_t w0, uint32_t w1) {
  uint64_t m = ((uint64_t)w0 << 20) | (w1 >> 12);
  double u = ((double)m + 0.5) * 0x1p-51 - 1.0;
  return 1.4142135623730951 * weir__erfinv(u);
}

#endif
