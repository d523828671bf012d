/* RANDOM_BITS / RANDOM_UNIFORM / RANDOM_NORMAL with exactly the bit layout of random_bits.h,
   so a key gives the same values here as on a GPU. in[0] is the key (2 contiguous uint32). */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model); the
   "cheap" model vectorizes the threefry lanes. Before the includes so inlined helpers get it. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include <math.h>

#include "backend/cpu/cpu_kernels.h"
#include "backend/random_bits.h"

#define CHUNK 256 /* words or blocks generated per step, into stack buffers */
#define LANES 8

/* Threefry-2x32-20 of counters b0 .. b0 + LANES - 1: the rounds of weir__threefry2x32 unrolled,
   each statement across the lanes so gcc vectorizes it. */
#define MIX(R)                                                                                     \
  for (int l = 0; l < LANES; l++) {                                                                \
    x0[l] += x1[l];                                                                                \
    x1[l] = (x1[l] << R) | (x1[l] >> (32 - R));                                                    \
    x1[l] ^= x0[l];                                                                                \
  }
#define INJECT(i)                                                                                  \
  for (int l = 0; l < LANES; l++) {                                                                \
    x0[l] += ks[((i) + 1) % 3];                                                                    \
    x1[l] += ks[((i) + 2) % 3] + (uint32_t)((i) + 1);                                              \
  }
#define ROUNDS(i, a, b, c, d) MIX(a) MIX(b) MIX(c) MIX(d) INJECT(i)
static void threefry_lanes(uint32_t k0, uint32_t k1, uint64_t b0, uint32_t *out0, uint32_t *out1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  uint32_t x0[LANES], x1[LANES]; /* locals: no aliasing for the vectorizer to check */
  for (int l = 0; l < LANES; l++) {
    uint64_t b = b0 + (uint64_t)l;
    x0[l] = (uint32_t)b + ks[0];
    x1[l] = (uint32_t)(b >> 32) + ks[1];
  }
  ROUNDS(0, 13, 15, 26, 6)
  ROUNDS(1, 17, 29, 16, 24)
  ROUNDS(2, 13, 15, 26, 6)
  ROUNDS(3, 17, 29, 16, 24)
  ROUNDS(4, 13, 15, 26, 6)
  for (int l = 0; l < LANES; l++) {
    out0[l] = x0[l];
    out1[l] = x1[l];
  }
}

/* Both words of blocks b0 .. b0 + n - 1 (n <= CHUNK): w0[j], w1[j] of block b0 + j. */
static void blocks(uint32_t k0, uint32_t k1, int64_t b0, int64_t n, uint32_t *w0, uint32_t *w1) {
  int64_t j = 0;
  for (; j + LANES <= n; j += LANES) threefry_lanes(k0, k1, (uint64_t)(b0 + j), w0 + j, w1 + j);
  for (; j < n; j++) {
    uint32_t x[2];
    uint64_t b = (uint64_t)(b0 + j);
    weir__threefry2x32(k0, k1, (uint32_t)b, (uint32_t)(b >> 32), x);
    w0[j] = x[0];
    w1[j] = x[1];
  }
}

/* w[j] = word lo + j of the stream, for j < n: block b gives words 2b and 2b + 1. */
static void words(uint32_t k0, uint32_t k1, uint32_t *w, int64_t lo, int64_t n) {
  uint32_t w0[CHUNK], w1[CHUNK];
  int64_t j = 0;
  if (n > 0 && (lo & 1)) w[j++] = weir__random_word(k0, k1, (uint64_t)lo);
  while (n - j >= 2) {
    int64_t nb = (n - j) / 2 < CHUNK ? (n - j) / 2 : CHUNK;
    blocks(k0, k1, (lo + j) / 2, nb, w0, w1);
    for (int64_t b = 0; b < nb; b++, j += 2) {
      w[j] = w0[b];
      w[j + 1] = w1[b];
    }
  }
  if (j < n) w[j] = weir__random_word(k0, k1, (uint64_t)(lo + j));
}

/* float16 / bfloat16 storage: conversions, and the next value toward -inf. */
static float half_load(uint16_t h, bool bf) { return bf ? weir__bf16_to_f32(h) : weir__f16_to_f32(h); }
static uint16_t half_store(float f, bool bf) { return bf ? weir__f32_to_bf16(f) : weir__f32_to_f16(f); }
static uint16_t half_down(uint16_t h) {
  if ((h & 0x7fffu) == 0) return 0x8001u; /* +-0 -> the negative subnormal nearest 0 */
  return (h & 0x8000u) ? (uint16_t)(h + 1) : (uint16_t)(h - 1);
}

/* Uniform in [low, high): float16/bfloat16/float32 from word i in float32, rounded to the
   dtype; a result >= high (high rounded to the dtype) becomes the largest dtype value below
   it. When low >= high in the dtype every value is low. */
static void uniform(weir_dtype t, void *out, uint32_t k0, uint32_t k1, double low, double high, int64_t lo,
                    int64_t hi) {
  uint32_t w[CHUNK], w2[CHUNK];
  if (t == WEIR_FLOAT64) {
    double *o = out, top = nextafter(high, -INFINITY);
    for (int64_t i = lo; i < hi; i += CHUNK) {
      int64_t n = hi - i < CHUNK ? hi - i : CHUNK;
      blocks(k0, k1, i, n, w, w2); /* element i is block i */
      for (int64_t j = 0; j < n; j++) {
        double v = low + (high - low) * weir__uniform_unit_f64(w[j], w2[j]);
        o[i + j] = low >= high ? low : v >= high ? top : v;
      }
    }
    return;
  }
  float l = (float)low, h = (float)high, span = h - l;
  if (t == WEIR_FLOAT32) {
    float *o = out, top = nextafterf(h, -INFINITY);
    for (int64_t i = lo; i < hi; i += CHUNK) {
      int64_t n = hi - i < CHUNK ? hi - i : CHUNK;
      words(k0, k1, w, i, n);
      for (int64_t j = 0; j < n; j++) {
        float v = l + span * weir__uniform_unit_f32(w[j]);
        o[i + j] = l >= h ? l : v >= h ? top : v;
      }
    }
    return;
  }
  bool bf = t == WEIR_BFLOAT16;
  uint16_t *o = out, lt = half_store(l, bf), ht = half_store(h, bf), top = half_down(ht);
  float lv = half_load(lt, bf), hv = half_load(ht, bf);
  for (int64_t i = lo; i < hi; i += CHUNK) {
    int64_t n = hi - i < CHUNK ? hi - i : CHUNK;
    words(k0, k1, w, i, n);
    for (int64_t j = 0; j < n; j++) {
      uint16_t v = half_store(l + span * weir__uniform_unit_f32(w[j]), bf);
      o[i + j] = lv >= hv ? lt : half_load(v, bf) >= hv ? top : v;
    }
  }
}

/* Normal with mean loc and standard deviation scale. */
static void normal(weir_dtype t, void *out, uint32_t k0, uint32_t k1, double loc, double scale, int64_t lo,
                   int64_t hi) {
  uint32_t w[CHUNK], w2[CHUNK];
  if (t == WEIR_FLOAT64) {
    double *o = out;
    for (int64_t i = lo; i < hi; i += CHUNK) {
      int64_t n = hi - i < CHUNK ? hi - i : CHUNK;
      blocks(k0, k1, i, n, w, w2);
      for (int64_t j = 0; j < n; j++) o[i + j] = loc + scale * weir__normal_f64(w[j], w2[j]);
    }
    return;
  }
  float m = (float)loc, s = (float)scale;
  for (int64_t i = lo; i < hi; i += CHUNK) {
    int64_t n = hi - i < CHUNK ? hi - i : CHUNK;
    words(k0, k1, w, i, n);
    for (int64_t j = 0; j < n; j++) {
      float v = m + s * weir__normal_f32(w[j]);
      if (t == WEIR_FLOAT32) ((float *)out)[i + j] = v;
      else ((uint16_t *)out)[i + j] = half_store(v, t == WEIR_BFLOAT16);
    }
  }
}

weir_status weir__cpu_random(weir__kernel_call *c, int64_t lo, int64_t hi) {
  const weir__tensor *key = &c->in[0];
  const char *name = weir__prim_name(c->prim);
  if (c->nin != 1 || key->dtype != WEIR_UINT32 || key->size != 2 || !key->contiguous)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s expects one key input of 2 contiguous uint32", name);
  weir_dtype t = c->out.dtype;
  bool ok = c->prim == WEIR__P_RANDOM_BITS ? t == WEIR_UINT32 : weir__dtype_is_float(t);
  if (!ok) return weir__cpu_unsupported(c, t);
  if (lo >= hi) return WEIR_OK;
  const uint32_t *k = key->data;
  if (c->prim == WEIR__P_RANDOM_BITS) words(k[0], k[1], (uint32_t *)c->out.data + lo, lo, hi - lo);
  else if (c->prim == WEIR__P_RANDOM_UNIFORM)
    uniform(t, c->out.data, k[0], k[1], c->params->random.a, c->params->random.b, lo, hi);
  else normal(t, c->out.data, k[0], k[1], c->params->random.a, c->params->random.b, lo, hi);
  return WEIR_OK;
}
