/* Dtypes: sizes and names, MLX's promotion table (all 169 pairs, through weir_dtype_promote and
   through an op's result), integer wraparound, astype between all 13 dtypes on values in range,
   round-to-nearest-even into float16/bfloat16 (checked against rounding written here), and
   printing (exact strings, MLX's layout). */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE

static const weir_dtype ALL[] = {WEIR_BOOL,  WEIR_UINT8, WEIR_UINT16, WEIR_UINT32,  WEIR_UINT64,
                                 WEIR_INT8,  WEIR_INT16, WEIR_INT32,  WEIR_INT64,   WEIR_FLOAT16,
                                 WEIR_BFLOAT16, WEIR_FLOAT32, WEIR_FLOAT64};
#define NALL 13

static void test_size_name(void) {
  static const size_t sizes[NALL] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8};
  static const char *names[NALL] = {"bool",  "uint8", "uint16",  "uint32",   "uint64",  "int8",   "int16",
                                    "int32", "int64", "float16", "bfloat16", "float32", "float64"};
  for (int i = 0; i < NALL; i++) {
    CHECK_EQ_U64(weir_dtype_size(ALL[i]), sizes[i]);
    CHECK_STR(weir_dtype_name(ALL[i]), names[i]);
  }
  CHECK_EQ_U64(weir_dtype_size((weir_dtype)NALL), 0);
  CHECK_EQ_U64(weir_dtype_size((weir_dtype)-1), 0);
  CHECK_STR(weir_dtype_name((weir_dtype)NALL), "unknown");
}

/* MLX's promotion (mlx/dtype.cpp, with float64), rows and columns in weir's enum order. */
enum { b_, u8, u16, u32, u64, i8, i16, i32, i64, f16, bf, f32, f64 };
static const int PROMOTE[NALL][NALL] = {
    /* bool */ {b_, u8, u16, u32, u64, i8, i16, i32, i64, f16, bf, f32, f64},
    /* u8   */ {u8, u8, u16, u32, u64, i16, i16, i32, i64, f16, bf, f32, f64},
    /* u16  */ {u16, u16, u16, u32, u64, i32, i32, i32, i64, f16, bf, f32, f64},
    /* u32  */ {u32, u32, u32, u32, u64, i64, i64, i64, i64, f16, bf, f32, f64},
    /* u64  */ {u64, u64, u64, u64, u64, f32, f32, f32, f32, f16, bf, f32, f64},
    /* i8   */ {i8, i16, i32, i64, f32, i8, i16, i32, i64, f16, bf, f32, f64},
    /* i16  */ {i16, i16, i32, i64, f32, i16, i16, i32, i64, f16, bf, f32, f64},
    /* i32  */ {i32, i32, i32, i64, f32, i32, i32, i32, i64, f16, bf, f32, f64},
    /* i64  */ {i64, i64, i64, i64, f32, i64, i64, i64, i64, f16, bf, f32, f64},
    /* f16  */ {f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f32, f32, f64},
    /* bf16 */ {bf, bf, bf, bf, bf, bf, bf, bf, bf, f32, bf, f32, f64},
    /* f32  */ {f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f64},
    /* f64  */ {f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64},
};

static void test_promotion(void) {
  CHECK_EQ_INT(weir_dtype_promote(WEIR_INT32, WEIR_FLOAT16), WEIR_FLOAT16);
  CHECK_EQ_INT(weir_dtype_promote(WEIR_UINT8, WEIR_INT8), WEIR_INT16);
  CHECK_EQ_INT(weir_dtype_promote(WEIR_BOOL, WEIR_INT32), WEIR_INT32);
  CHECK_EQ_INT(weir_dtype_promote(WEIR_INT64, WEIR_UINT64), WEIR_FLOAT32); /* MLX's rule */
  int bad = 0;
  for (int i = 0; i < NALL; i++)
    for (int j = 0; j < NALL; j++) {
      weir_dtype want = (weir_dtype)PROMOTE[i][j];
      CHECK_EQ_INT(PROMOTE[i][j], PROMOTE[j][i]); /* the table itself is symmetric */
      if (weir_dtype_promote(ALL[i], ALL[j]) != want && bad++ < 5)
        CHECK_MSG(false, "promote(%s, %s) = %s, want %s", weir_dtype_name(ALL[i]), weir_dtype_name(ALL[j]),
                  weir_dtype_name(weir_dtype_promote(ALL[i], ALL[j])), weir_dtype_name(want));
      /* and the dtype an op gives */
      weir_array *a = NULL, *b = NULL, *o = NULL;
      CHECK_OK(weir_ones(&a, (const int64_t[]){2}, 1, ALL[i], weir_on(CPU)));
      CHECK_OK(weir_ones(&b, (const int64_t[]){2}, 1, ALL[j], weir_on(CPU)));
      if (CHECK_OK(weir_add(&o, a, b, weir_on(CPU))) && weir_array_dtype(o) != want && bad++ < 5)
        CHECK_MSG(false, "add(%s, %s) -> %s, want %s", weir_dtype_name(ALL[i]), weir_dtype_name(ALL[j]),
                  weir_dtype_name(weir_array_dtype(o)), weir_dtype_name(want));
      if (i == j + 3) { /* a sample of the pairs is evaluated too: 1 + 1 */
        double v[2];
        if (CHECK_OK(h_read(o, v))) CHECK_MSG(v[1] == (want == WEIR_BOOL ? 1 : 2), "1+1 in %s", weir_dtype_name(want));
      }
      weir_array_free(a);
      weir_array_free(b);
      weir_array_free(o);
    }
  CHECK_EQ_INT(bad, 0);
}

static void test_wraparound(void) {
  struct {
    weir_dtype t;
    int64_t a, b;
    int64_t want;
  } cases[] = {{WEIR_INT32, INT32_MAX, 1, INT32_MIN}, {WEIR_UINT8, 0, -1, 255}, {WEIR_INT8, -128, -1, 127},
               {WEIR_UINT16, 65535, 2, 1},           {WEIR_INT64, INT64_MAX, 1, INT64_MIN}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* a + b for the first and fourth and last; a - (-b) style otherwise, all modulo 2^bits */
    double av = (double)cases[i].a, bv = (double)cases[i].b;
    weir_array *a = NULL, *b = NULL, *o = NULL;
    if (cases[i].t == WEIR_INT64) {
      CHECK_OK(weir_array_from_data(&a, &cases[i].a, (const int64_t[]){1}, 1, WEIR_INT64));
      CHECK_OK(weir_array_from_data(&b, &cases[i].b, (const int64_t[]){1}, 1, WEIR_INT64));
    } else {
      a = h_make(cases[i].t, (const int64_t[]){1}, 1, &av);
      double pos = bv < 0 ? -bv : bv;
      b = h_make(cases[i].t, (const int64_t[]){1}, 1, &pos);
    }
    weir_status st = bv < 0 ? weir_subtract(&o, a, b, weir_on(CPU)) : weir_add(&o, a, b, weir_on(CPU));
    int64_t v = 0;
    if (CHECK_OK(st) && CHECK_OK(weir_array_item_int64(o, &v)))
      CHECK_MSG(v == cases[i].want, "%s: %lld %c %lld = %lld, want %lld", weir_dtype_name(cases[i].t),
                (long long)cases[i].a, bv < 0 ? '-' : '+', (long long)(bv < 0 ? -cases[i].b : cases[i].b),
                (long long)v, (long long)cases[i].want);
    weir_array_free(a);
    weir_array_free(b);
    weir_array_free(o);
  }
}

static bool is_signed_or_float(weir_dtype t) { return h_is_float(t) || (t >= WEIR_INT8 && t <= WEIR_INT64); }

/* astype between every pair, on values both types hold (float -> int truncates toward zero,
   anything -> bool is != 0). */
static void test_astype_pairs(void) {
  int bad = 0;
  for (int i = 0; i < NALL; i++)
    for (int j = 0; j < NALL; j++) {
      weir_dtype from = ALL[i], to = ALL[j];
      double v[16];
      int n = 0;
      if (from == WEIR_BOOL) {
        v[n++] = 0, v[n++] = 1, v[n++] = 1, v[n++] = 0;
      } else {
        static const double base[] = {0, 1, 2, 3, 7, 100, 127};
        for (size_t k = 0; k < 7; k++) v[n++] = base[k];
        if (is_signed_or_float(from) && (is_signed_or_float(to) || to == WEIR_BOOL))
          v[n++] = -1, v[n++] = -5, v[n++] = -128;
        if (h_is_float(from)) {
          v[n++] = 2.75, v[n++] = 0.5;
          if (is_signed_or_float(to) || to == WEIR_BOOL) v[n++] = -2.75, v[n++] = -0.5;
        }
      }
      int64_t shape[1] = {n};
      weir_array *a = h_make(from, shape, 1, v), *o = NULL;
      if (!a || !CHECK_OK(weir_astype(&o, a, to, weir_on(CPU)))) {
        weir_array_free(a);
        continue;
      }
      CHECK_EQ_INT(weir_array_dtype(o), to);
      double got[16];
      if (CHECK_OK(h_read(o, got)))
        for (int k = 0; k < n; k++) {
          double want = to == WEIR_BOOL ? (v[k] != 0) : h_is_float(to) ? h_round_to(to, v[k]) : trunc(v[k]);
          if (got[k] != want && bad++ < 8)
            CHECK_MSG(false, "astype %s %g -> %s: %g, want %g", weir_dtype_name(from), v[k], weir_dtype_name(to),
                      got[k], want);
        }
      weir_array_free(a);
      weir_array_free(o);
    }
  CHECK_EQ_INT(bad, 0);
  /* 64-bit integers survive exactly */
  int64_t big = ((int64_t)1 << 60) + 7;
  weir_array *a = NULL, *o = NULL;
  CHECK_OK(weir_array_from_data(&a, &big, (const int64_t[]){1}, 1, WEIR_INT64));
  CHECK_OK(weir_astype(&o, a, WEIR_UINT64, weir_on(CPU)));
  const void *p = NULL;
  if (CHECK_OK(weir_array_data(o, &p))) CHECK_EQ_U64(*(const uint64_t *)p, (uint64_t)big);
  weir_array_free(a);
  weir_array_free(o);
}

/* Round to nearest even into float16/bfloat16, against the rounding in harness.h. */
static void test_half_rounding(void) {
  enum { N = 20000 };
  static double v[N];
  for (int i = 0; i < N; i++) {
    double m = h_rand_range(1, 2);
    int e = (int)h_rand_int(-30, 17);
    v[i] = (h_rand_u64() & 1 ? -1 : 1) * ldexp(m, e);
  }
  /* ties and edges */
  double edges[] = {65504, 65519.99, 65520, 70000, ldexp(1, -25), 3 * ldexp(1, -26), ldexp(1, -24),
                    1 + ldexp(1, -11), 1 + 3 * ldexp(1, -11), 1 + ldexp(1, -8), 1 + 3 * ldexp(1, -8), -0.0,
                    INFINITY, -INFINITY, NAN, ldexp(1, -14) - ldexp(1, -25), 0.1, 1.0 / 3};
  int ne = (int)(sizeof edges / sizeof edges[0]);
  for (int i = 0; i < ne; i++) v[i] = edges[i];
  int64_t shape[1] = {N};
  static double f32[N], got[N];
  for (int i = 0; i < N; i++) f32[i] = h_round_f32(v[i]);
  weir_array *a32 = h_make(WEIR_FLOAT32, shape, 1, f32), *a64 = h_make(WEIR_FLOAT64, shape, 1, v);
  static const weir_dtype targets[] = {WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT32};
  for (int t = 0; t < 3; t++)
    for (int src = 0; src < 2; src++) {
      weir_array *o = NULL;
      const double *in = src ? v : f32;
      if (!CHECK_OK(weir_astype(&o, src ? a64 : a32, targets[t], weir_on(CPU)))) continue;
      int bad = 0;
      if (CHECK_OK(h_read(o, got)))
        for (int i = 0; i < N; i++) {
          double want = h_round_to(targets[t], in[i]);
          /* float32 sources: exact; float64 sources: exact into float32, within 1 ulp into
             16-bit formats (a conversion through float32 may round twice) */
          double tol = (src && targets[t] != WEIR_FLOAT32) ? h_ulp(targets[t], want) : 0;
          bool ok = got[i] == want || (isnan(got[i]) && isnan(want)) ||
                    (isfinite(want) && fabs(got[i] - want) <= tol);
          if (ok && want == 0) ok = signbit(got[i]) == signbit(want);
          if (!ok && bad++ < 4)
            CHECK_MSG(false, "astype %s %.17g -> %s: %.17g, want %.17g", src ? "float64" : "float32", in[i],
                      weir_dtype_name(targets[t]), got[i], want);
        }
      CHECK_EQ_INT(bad, 0);
      weir_array_free(o);
    }
  /* and back: every float16 and bfloat16 value widens exactly */
  static double all16[65536];
  for (int fmt = 0; fmt < 2; fmt++) {
    weir_array *a = NULL, *o = NULL;
    uint16_t *bits = malloc(65536 * sizeof(uint16_t));
    for (int i = 0; i < 65536; i++) bits[i] = (uint16_t)i;
    CHECK_OK(weir_array_from_data(&a, bits, (const int64_t[]){65536}, 1, fmt ? WEIR_BFLOAT16 : WEIR_FLOAT16));
    if (CHECK_OK(weir_astype(&o, a, WEIR_FLOAT64, weir_on(CPU))) && CHECK_OK(h_read(o, all16))) {
      int bad = 0;
      for (int i = 0; i < 65536; i++) {
        double want = fmt ? h_bf16_value((uint16_t)i) : h_f16_value((uint16_t)i);
        if (!(all16[i] == want || (isnan(want) && isnan(all16[i]))) && bad++ < 3)
          CHECK_MSG(false, "%s bits %04x -> %.17g, want %.17g", fmt ? "bfloat16" : "float16", i, all16[i], want);
      }
      CHECK_EQ_INT(bad, 0);
    }
    free(bits);
    weir_array_free(a);
    weir_array_free(o);
  }
  weir_array_free(a32);
  weir_array_free(a64);
}

static void check_print(weir_array *a, const char *want, int line) {
  char *s = NULL;
  weir_status st = a ? weir_array_tostring(a, &s) : WEIR_ERR_INTERNAL;
  h_record(st == WEIR_OK && s && strcmp(s, want) == 0, __FILE__, line, "tostring:\n  got  \"%s\"\n  want \"%s\"",
           s ? s : weir_last_error(), want);
  if (st == WEIR_OK) free(s);
  weir_array_free(a);
}
#define CHECK_PRINT(a, want) check_print((a), (want), __LINE__)

static weir_array *make(weir_dtype t, const int64_t *shape, int nd, const double *v) { return h_make(t, shape, nd, v); }

static void test_printing(void) {
  CHECK_PRINT(make(WEIR_INT32, (const int64_t[]){3}, 1, (const double[]){2, 3, 4}), "array([2, 3, 4], dtype=int32)");
  CHECK_PRINT(make(WEIR_INT32, (const int64_t[]){2, 2}, 2, (const double[]){1, 2, 3, 4}),
              "array([[1, 2],\n       [3, 4]], dtype=int32)");
  CHECK_PRINT(make(WEIR_INT32, NULL, 0, (const double[]){5}), "array(5, dtype=int32)");
  CHECK_PRINT(make(WEIR_BOOL, (const int64_t[]){2}, 1, (const double[]){1, 0}), "array([True, False], dtype=bool)");
  CHECK_PRINT(make(WEIR_FLOAT32, (const int64_t[]){3}, 1, (const double[]){1.5, 2, 3}),
              "array([1.5, 2, 3], dtype=float32)");
  CHECK_PRINT(make(WEIR_FLOAT32, (const int64_t[]){3}, 1, (const double[]){0.1, 1e6, -0.5}),
              "array([0.1, 1e+06, -0.5], dtype=float32)");
  CHECK_PRINT(make(WEIR_FLOAT32, (const int64_t[]){3}, 1, (const double[]){INFINITY, -INFINITY, NAN}),
              "array([inf, -inf, nan], dtype=float32)");
  CHECK_PRINT(make(WEIR_UINT8, (const int64_t[]){2}, 1, (const double[]){255, 0}), "array([255, 0], dtype=uint8)");
  CHECK_PRINT(make(WEIR_INT8, (const int64_t[]){1}, 1, (const double[]){-128}), "array([-128], dtype=int8)");
  CHECK_PRINT(make(WEIR_FLOAT16, (const int64_t[]){2}, 1, (const double[]){0.5, 1.0 / 3}),
              "array([0.5, 0.333252], dtype=float16)");
  CHECK_PRINT(make(WEIR_BFLOAT16, NULL, 0, (const double[]){2.5}), "array(2.5, dtype=bfloat16)");
  weir_array *z = NULL;
  CHECK_OK(weir_zeros(&z, (const int64_t[]){0}, 1, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_PRINT(z, "array([], dtype=float32)");
  uint64_t umax = UINT64_MAX;
  int64_t imin = INT64_MIN;
  weir_array *u = NULL, *m = NULL;
  CHECK_OK(weir_array_from_data(&u, &umax, (const int64_t[]){1}, 1, WEIR_UINT64));
  CHECK_PRINT(u, "array([18446744073709551615], dtype=uint64)");
  CHECK_OK(weir_array_from_data(&m, &imin, NULL, 0, WEIR_INT64));
  CHECK_PRINT(m, "array(-9223372036854775808, dtype=int64)");
  /* 3-D: outer dimensions indent by 7 + depth */
  weir_array *r = NULL, *a8 = NULL;
  CHECK_OK(weir_arange(&a8, 0, 8, 1, WEIR_INT32, weir_on(CPU)));
  CHECK_OK(weir_reshape(&r, a8, (const int64_t[]){2, 2, 2}, 3, weir_on(CPU)));
  CHECK_PRINT(r, "array([[[0, 1],\n        [2, 3]],\n       [[4, 5],\n        [6, 7]]], dtype=int32)");
  weir_array_free(a8);
  /* long dimensions print 3 items, "...", 3 items */
  weir_array *l = NULL;
  CHECK_OK(weir_arange(&l, 0, 10, 1, WEIR_INT64, weir_on(CPU)));
  CHECK_PRINT(l, "array([0, 1, 2, ..., 7, 8, 9], dtype=int64)");
  weir_array *a14 = NULL, *r14 = NULL;
  CHECK_OK(weir_arange(&a14, 0, 14, 1, WEIR_INT32, weir_on(CPU)));
  CHECK_OK(weir_reshape(&r14, a14, (const int64_t[]){7, 2}, 2, weir_on(CPU)));
  CHECK_PRINT(r14, "array([[0, 1],\n       [2, 3],\n       [4, 5],\n       ...,\n       [8, 9],\n       [10, 11],\n"
                   "       [12, 13]], dtype=int32)");
  weir_array_free(a14);
  /* a transposed array prints in its logical order; printing evaluates a lazy array */
  weir_array *sq = make(WEIR_INT32, (const int64_t[]){2, 2}, 2, (const double[]){1, 2, 3, 4}), *t = NULL;
  CHECK_OK(weir_transpose(&t, sq, NULL, 0, weir_on(CPU)));
  CHECK_PRINT(t, "array([[1, 3],\n       [2, 4]], dtype=int32)");
  weir_array *lazy = NULL;
  CHECK_OK(weir_add(&lazy, sq, sq, weir_on(CPU)));
  CHECK_PRINT(lazy, "array([[2, 4],\n       [6, 8]], dtype=int32)");
  weir_array_free(sq);
}

int main(void) {
  h_init("test_dtypes");
  H_RUN(test_size_name);
  H_RUN(test_promotion);
  H_RUN(test_wraparound);
  H_RUN(test_astype_pairs);
  H_RUN(test_half_rounding);
  H_RUN(test_printing);
  return h_finish();
}
