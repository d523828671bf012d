/* float32 exp, tanh, sigmoid and the libm functions on the CPU (kernels_unary.c: exp is a
   branch-free polynomial, the others loops over libmvec's vector versions, vector_math.h) against
   double references over a sweep of every k-th float32 bit pattern, NaN exactly where the
   reference has it. exp at most 1.03 ulp (0.99 without fused multiply-adds; the AVX2 clone uses
   them: 1.012 measured; the AVX-512 kernel 1.023 over every float32); sigmoid 3; the libmvec
   functions 4.5.
   At the edges exp gives inf above ln(FLT_MAX), 0 below the subnormal range, NaN and the
   infinities kept; a value gives the same bits wherever it sits (test_same_bits_anywhere). */
#include <float.h>
#include <string.h>

#include "harness.h"

#define CPU weir_on(WEIR_CPU_DEVICE)

static double ulp_f32(double v) {
  if (v == 0) return ldexp(1, -149);
  int e;
  frexp(v, &e);
  double u = ldexp(1, e - 24);
  return u < ldexp(1, -149) ? ldexp(1, -149) : u;
}

typedef weir_status (*unary_op)(weir_array **, const weir_array *, weir_stream);

/* op over the n float32 values v on the CPU, evaluated: the result's values, or NULL after a
   failed check. *in and *out (NULL where not made) are the caller's to free. */
static const float *apply(unary_op op, const float *v, int64_t n, weir_array **in, weir_array **out) {
  const void *got = NULL;
  *in = *out = NULL;
  if (CHECK_OK(weir_array_from_data(in, v, &n, 1, WEIR_FLOAT32)) && CHECK_OK(op(out, *in, CPU)) &&
      CHECK_OK(weir_array_data(*out, &got)))
    return got;
  return NULL;
}

/* op over every step-th float32 (from a random start) against ref in double: the worst error in
   ulp must stay within max_ulp; NaN stays NaN; where ref rounds to inf or 0, the rounded value. */
static void sweep(unary_op op, double (*ref_fn)(double), const char *name, double max_ulp) {
  const int64_t chunk = 1 << 20;
  const uint32_t step = (uint32_t)(97 / (h_scale() < 1 ? h_scale() : 1)) | 1;
  float *x = malloc(sizeof(float) * (size_t)chunk);
  double worst = 0;
  float worst_x = 0;
  long bad = 0, checked = 0;
  uint64_t bits = h_rand_int(0, 96);
  while (bits <= 0xffffffffull) {
    int64_t n = 0;
    for (; n < chunk && bits <= 0xffffffffull; bits += step) {
      uint32_t b = (uint32_t)bits;
      memcpy(&x[n++], &b, sizeof(float));
    }
    weir_array *a, *e;
    const float *g = apply(op, x, n, &a, &e);
    if (!g) {
      weir_array_free(a);
      weir_array_free(e);
      break;
    }
    for (int64_t i = 0; i < n; i++) {
      double ref = ref_fn((double)x[i]);
      checked++;
      if (isnan(x[i]) || isnan(ref) || isnan(g[i])) { /* NaN exactly where the reference has it */
        if (isnan(ref) != isnan(g[i]) && bad++ < 5) CHECK_MSG(false, "%s(%a) = %a, want %a", name, x[i], g[i], ref);
        continue;
      }
      float rr = (float)ref;
      if (isinf(rr) || rr == 0) { /* overflow and underflow: the rounded value, or within an ulp */
        if (g[i] != rr && fabs((double)g[i] - ref) > ulp_f32(ref) && bad++ < 5)
          CHECK_MSG(false, "%s(%a) = %a, want %a", name, x[i], g[i], rr);
        continue;
      }
      double err = fabs((double)g[i] - ref) / ulp_f32(ref);
      if (err > worst) {
        worst = err;
        worst_x = x[i];
      }
    }
    weir_array_free(a);
    weir_array_free(e);
  }
  free(x);
  printf("  %s: max error %.3f ulp at x = %.9g over %ld values\n", name, worst, worst_x, checked);
  CHECK_MSG(worst <= max_ulp, "%s: max error %.3f ulp at x = %.9g", name, worst, worst_x);
  CHECK_MSG(bad == 0, "%ld values out of tolerance at the edges", bad);
  CHECK(checked > 1000000 * (h_scale() < 1 ? h_scale() : 1));
}

/* 1.0231 ulp at 26.7169456 (bits 0x41d5bc4e), the worst over every float32 in the AVX-512 kernel */
static void test_sweep(void) { sweep(weir_exp, exp, "exp", 1.03); }

static void test_tanh_sweep(void) {
  sweep(weir_tanh, tanh, "tanh", 4.5); /* libmvec's tanhf when built with it: 1.37 ulp in its
                                          AVX-512 version, 2.13 in the SSE one; vtanhf 1.3 */
  /* signed zeros and the saturated ends */
  const float xs[4] = {-0.0f, 0.0f, -20.0f, 1e30f};
  weir_array *a, *t;
  const float *g = apply(weir_tanh, xs, 4, &a, &t);
  if (g) {
    CHECK(g[0] == 0 && signbit(g[0]) && g[1] == 0 && !signbit(g[1]));
    CHECK_CLOSE(g[2], -1.0, 0);
    CHECK_CLOSE(g[3], 1.0, 0);
  }
  weir_array_free(a);
  weir_array_free(t);
}

/* The functions whose loops call libmvec (vector_math.h) or, without it, libm: over the whole
   float32 range, outside their domains (NaN there) included. 4 ulp is libmvec's bound and that of
   numpy's own AVX-512 float32 log (3.83); measured in the reference's ulp, a result rounded up
   to a power of two counts double, hence 4.5 (erf near 1 reached 4.0, libmvec's log 3.9; the AVX-512 log kernel 0.78). */
static void test_libm_sweeps(void) {
  static const struct {
    unary_op op;
    double (*ref)(double);
    const char *name;
  } fs[] = {{weir_log, log, "log"},       {weir_log2, log2, "log2"},     {weir_log10, log10, "log10"},
            {weir_log1p, log1p, "log1p"}, {weir_expm1, expm1, "expm1"}, {weir_sin, sin, "sin"},
            {weir_cos, cos, "cos"},       {weir_tan, tan, "tan"},       {weir_arcsin, asin, "arcsin"},
            {weir_arccos, acos, "arccos"}, {weir_arctan, atan, "arctan"}, {weir_sinh, sinh, "sinh"},
            {weir_cosh, cosh, "cosh"},    {weir_erf, erf, "erf"}};
  for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) sweep(fs[k].op, fs[k].ref, fs[k].name, 4.5);
}

/* log's special inputs, in a full vector of 16 and again in the tail after it (the AVX-512
   kernel patches vectors holding one) */
static void test_log_specials(void) {
  float v[24] = {0.0f, -0.0f, -1.0f, INFINITY, -INFINITY, NAN, 1.0f, FLT_MIN / 8, FLT_MAX, 2.0f, 0.5f,
                 1.41421356f, 0.70710678f, 3.0f, 1e-30f, 1e30f, 0.0f, -2.0f, INFINITY, 1.0f, FLT_MIN / 8,
                 NAN, -INFINITY, -0.0f};
  weir_array *a, *l;
  const float *g = apply(weir_log, v, 24, &a, &l);
  if (g) {
    CHECK(g[0] == -INFINITY && g[1] == -INFINITY && isnan(g[2]) && g[3] == INFINITY && isnan(g[4]) && isnan(g[5]));
    CHECK(g[6] == 0.0f && g[19] == 0.0f);
    CHECK(g[16] == -INFINITY && isnan(g[17]) && g[18] == INFINITY);
    CHECK(isnan(g[21]) && isnan(g[22]) && g[23] == -INFINITY);
    for (int i = 7; i < 16; i++)
      CHECK_MSG(fabs(g[i] - log((double)v[i])) <= 1.5 * ulp_f32(log((double)v[i])), "log(%a) = %a", v[i], g[i]);
    CHECK_MSG(fabs(g[20] - log((double)v[20])) <= 1.5 * ulp_f32(log((double)v[20])), "log of a subnormal in the tail");
  }
  weir_array_free(a);
  weir_array_free(l);
}

static double sigmoid_ref(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }

/* sigmoid (vexpf inside, its own vectorized loop): within 3 ulp everywhere, both tails included;
   the sweep's edge rule covers the far tails (0 below the subnormals), NaN stays NaN */
static void test_sigmoid_sweep(void) {
  sweep(weir_sigmoid, sigmoid_ref, "sigmoid", 3.0);
  const float xs[3] = {INFINITY, -INFINITY, -0.0f};
  weir_array *a, *t;
  const float *g = apply(weir_sigmoid, xs, 3, &a, &t);
  if (g) {
    CHECK(g[0] == 1.0f && g[1] == 0.0f && g[2] == 0.5f);
  }
  weir_array_free(a);
  weir_array_free(t);
}

static bool same_bits(float x, float y) { return (isnan(x) && isnan(y)) || memcmp(&x, &y, sizeof x) == 0; }

/* A value gives the same bits wherever it is computed: in a long array, in the same array
   shifted by 1..17 (another place in its block of 16, another tail; a split over threads moves
   the places the same way), alone (a one-element array, the broadcast path) and broadcast to 37.
   The loops over libmvec used to run its 16-, 8-, 4-lane and scalar versions by position. */
static void test_same_bits_anywhere(void) {
  static const struct {
    unary_op op;
    const char *name;
  } fs[] = {{weir_exp, "exp"},       {weir_log, "log"},     {weir_sin, "sin"},     {weir_cos, "cos"},
            {weir_tanh, "tanh"},     {weir_sigmoid, "sigmoid"}, {weir_log1p, "log1p"}, {weir_expm1, "expm1"},
            {weir_erf, "erf"},       {weir_arctan, "arctan"}, {weir_log10, "log10"}, {weir_sinh, "sinh"}};
  enum { N = 1003 };
  float *v = malloc(sizeof(float) * N);
  for (int i = 0; i < N; i++) v[i] = (float)h_rand_range(-20, 20);
  v[5] = NAN;
  v[6] = INFINITY;
  v[7] = -0.0f;
  for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
    weir_array *a, *r;
    const float *ref = apply(fs[k].op, v, N, &a, &r);
    if (!ref) {
      weir_array_free(a);
      weir_array_free(r);
      continue;
    }
    int bad = 0;
    for (int shift = 1; shift <= 17; shift++) {
      weir_array *s, *o;
      const float *od = apply(fs[k].op, v + shift, N - shift, &s, &o);
      for (int i = 0; od && i < N - shift; i++)
        if (!same_bits(od[i], ref[i + shift]) && bad++ < 3)
          CHECK_MSG(false, "%s(%a) shifted by %d: %a, in place %a", fs[k].name, v[i + shift], shift, od[i],
                    ref[i + shift]);
      weir_array_free(s);
      weir_array_free(o);
    }
    for (int t = 0; t < 40; t++) {
      int i = (int)h_rand_int(0, N - 1);
      const int64_t many = 37;
      weir_array *s, *o, *b = NULL, *ob = NULL;
      const float *od = apply(fs[k].op, v + i, 1, &s, &o);
      const void *bd = NULL;
      if (od && CHECK_OK(weir_broadcast_to(&b, s, &many, 1, CPU)) && CHECK_OK(fs[k].op(&ob, b, CPU)) &&
          CHECK_OK(weir_array_data(ob, &bd))) {
        if (!same_bits(*od, ref[i]) && bad++ < 3)
          CHECK_MSG(false, "%s(%a) alone: %a, in the array %a", fs[k].name, v[i], *od, ref[i]);
        for (int j = 0; j < 37; j++)
          if (!same_bits(((const float *)bd)[j], ref[i]) && bad++ < 3)
            CHECK_MSG(false, "%s(%a) broadcast: %a, in the array %a", fs[k].name, v[i], ((const float *)bd)[j], ref[i]);
      }
      weir_array *list[] = {s, o, b, ob};
      for (int j = 0; j < 4; j++) weir_array_free(list[j]);
    }
    CHECK_MSG(bad == 0, "%s: %d values gave other bits elsewhere", fs[k].name, bad);
    weir_array_free(a);
    weir_array_free(r);
  }
  free(v);
}

static void test_edges_and_strides(void) {
  float v[] = {0.0f, -0.0f, 1.0f, -1.0f, 88.72f, 88.73f, -87.33f, -103.9f, -104.1f, INFINITY, -INFINITY, NAN,
               FLT_MIN, -FLT_MIN, 1e-30f, 20.5f};
  int64_t n = sizeof v / sizeof v[0];
  weir_array *a, *e, *two = NULL, *t = NULL, *et = NULL;
  const float *g = apply(weir_exp, v, n, &a, &e);
  if (g) {
    CHECK(g[0] == 1.0f && g[1] == 1.0f);
    CHECK(g[5] == INFINITY && g[8] == 0.0f && g[9] == INFINITY && g[10] == 0.0f && isnan(g[11]));
    CHECK(g[7] > 0 && g[7] < FLT_MIN); /* a subnormal result */
    /* a (8, 2) transposed view: copied contiguous before the op, in another order of values */
    const int64_t s2[2] = {8, 2};
    if (CHECK_OK(weir_reshape(&two, a, s2, 2, CPU)) && CHECK_OK(weir_transpose(&t, two, NULL, 0, CPU)) &&
        CHECK_OK(weir_exp(&et, t, CPU))) {
      const void *sd = NULL;
      if (CHECK_OK(weir_array_data(et, &sd)))
        for (int i = 0; i < 16; i++) {
          const float *st = sd;
          int r = i % 8, c = i / 8; /* et[c][r] = exp(a[r * 2 + c]) */
          float want = g[r * 2 + c];
          CHECK_MSG(memcmp(&st[i], &want, sizeof want) == 0, "strided exp differs at %d", i);
        }
    }
  }
  weir_array *list[] = {a, e, two, t, et};
  for (int i = 0; i < 5; i++) weir_array_free(list[i]);
}

int main(void) {
  h_init("test_unary_accuracy");
  H_RUN(test_sweep);
  H_RUN(test_tanh_sweep);
  H_RUN(test_sigmoid_sweep);
  H_RUN(test_libm_sweeps);
  H_RUN(test_log_specials);
  H_RUN(test_same_bits_anywhere);
  H_RUN(test_edges_and_strides);
  return h_finish();
}
