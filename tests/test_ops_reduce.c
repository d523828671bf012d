/* Reductions against float64 loop references on fresh random inputs: sum/mean/max/min/prod over
   every axes subset of a 3-D array (positive, negative and unsorted axes), with and without
   keepdims, several dtypes (MLX's result dtypes), argmax/argmin with ties (first index),
   empty axis lists, zero-size and 0-d inputs, strided inputs and big arrays. */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE
typedef weir_status (*red_fn)(weir_array **, const weir_array *, const int *, int, bool, weir_stream);
enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD };
static const struct {
  const char *name;
  red_fn fn;
} REDS[] = {{"sum", weir_sum}, {"mean", weir_mean}, {"max", weir_max}, {"min", weir_min}, {"prod", weir_prod}};

/* MLX's result dtype. */
static weir_dtype result_dtype(int r, weir_dtype t) {
  bool sgn = t >= WEIR_INT8 && t <= WEIR_INT64, uns = h_is_unsigned(t);
  switch (r) {
  case R_SUM:
  case R_PROD:
    if (t == WEIR_BOOL) return WEIR_INT32;
    if (sgn) return weir_dtype_size(t) <= 4 ? WEIR_INT32 : WEIR_INT64;
    if (uns) return weir_dtype_size(t) <= 4 ? WEIR_UINT32 : WEIR_UINT64;
    return t;
  case R_MEAN: return h_is_float(t) ? t : WEIR_FLOAT32;
  default: return t;
  }
}

/* Reference reduction of v (shape s, 3-D) over mask; fills ref (output order, kept axes) and the
   per-output sum of |x| (for float error bounds). Returns the output element count. */
static int64_t reference(int r, weir_dtype t, const double *v, const int64_t *s, int nd, unsigned mask, double *ref,
                         double *absum, int64_t *count) {
  int64_t nout = 1, n = 1;
  for (int d = 0; d < nd; d++) {
    n *= s[d];
    if (!(mask >> d & 1)) nout *= s[d];
  }
  *count = nout ? n / nout : 0;
  weir_dtype rt = result_dtype(r, t);
  bool integer = !h_is_float(rt);
  uint64_t *iacc = calloc((size_t)(nout ? nout : 1), sizeof(uint64_t));
  for (int64_t o = 0; o < nout; o++) {
    ref[o] = r == R_PROD ? 1 : r == R_MAX ? -INFINITY : r == R_MIN ? INFINITY : 0;
    iacc[o] = r == R_PROD ? 1 : 0;
    absum[o] = 0;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t rem = i, o = 0, ostride = 1;
    for (int d = nd - 1; d >= 0; d--) {
      int64_t c = rem % s[d];
      rem /= s[d];
      if (!(mask >> d & 1)) {
        o += c * ostride;
        ostride *= s[d];
      }
    }
    double x = v[i];
    absum[o] += fabs(x);
    switch (r) {
    case R_SUM:
    case R_MEAN: ref[o] += x; iacc[o] += (uint64_t)(int64_t)x; break;
    case R_PROD: ref[o] *= x; iacc[o] *= (uint64_t)(int64_t)x; break;
    case R_MAX: ref[o] = x > ref[o] ? x : ref[o]; break;
    case R_MIN: ref[o] = x < ref[o] ? x : ref[o]; break;
    }
  }
  for (int64_t o = 0; o < nout; o++) {
    if (r == R_MEAN) ref[o] /= (double)*count;
    if (integer && (r == R_SUM || r == R_PROD)) ref[o] = h_wrap_int(rt, iacc[o]);
  }
  free(iacc);
  return nout;
}

static void check_reduce(int r, weir_dtype t, const int64_t *s, int nd, unsigned mask, bool keepdims, bool negative,
                         double lo, double hi) {
  int64_t n = 1;
  for (int d = 0; d < nd; d++) n *= s[d];
  double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
  weir_array *a = h_rand_array(t, s, nd, lo, hi, v), *o = NULL;
  /* the axes list: mask bits in descending order, optionally negative */
  int axes[8], na = 0;
  for (int d = nd - 1; d >= 0; d--)
    if (mask >> d & 1) axes[na++] = negative ? d - nd : d;
  bool all = mask == (1u << nd) - 1 && (h_rand_u64() & 1) && nd > 0;
  weir_status st = REDS[r].fn(&o, a, all ? NULL : axes, all ? 0 : na, keepdims, weir_on(CPU));
  if (!a || !CHECK_MSG(st == WEIR_OK, "%s %s mask %u: %s", REDS[r].name, weir_dtype_name(t), mask,
                       weir_last_error())) goto done;
  weir_dtype want = result_dtype(r, t);
  CHECK_MSG(weir_array_dtype(o) == want, "%s(%s) -> %s, want %s", REDS[r].name, weir_dtype_name(t),
            weir_dtype_name(weir_array_dtype(o)), weir_dtype_name(want));
  int64_t oshape[8];
  int ond = 0;
  for (int d = 0; d < nd; d++)
    if (!(mask >> d & 1)) oshape[ond++] = s[d];
    else if (keepdims) oshape[ond++] = 1;
  CHECK_MSG(h_shape_is(o, ond, oshape), "%s mask %u keepdims %d: wrong shape (ndim %d)", REDS[r].name, mask,
            keepdims, weir_array_ndim(o));
  double *ref = malloc(sizeof(double) * (size_t)(n ? n : 1)), *absum = malloc(sizeof(double) * (size_t)(n ? n : 1));
  double *got = malloc(sizeof(double) * (size_t)(n ? n : 1));
  int64_t count;
  int64_t nout = reference(r, t, v, s, nd, mask, ref, absum, &count);
  int bad = 0;
  if (nout == weir_array_size(o) && CHECK_OK(h_read(o, got))) {
    for (int64_t i = 0; i < nout; i++) {
      double want_v = h_round_to(want, ref[i]), tol = 0;
      if (h_is_float(want) && (r == R_SUM || r == R_MEAN || r == R_PROD)) {
        double acc = (double)(count + 2) * 0x1p-24 * (r == R_PROD ? fabs(ref[i]) : absum[i]);
        if (r == R_MEAN) acc /= (double)(count ? count : 1);
        if (want == WEIR_FLOAT64) acc *= 0x1p-29;
        tol = acc + h_ulp(want, want_v);
      }
      bool ok = fabs(got[i] - want_v) <= tol || (isnan(got[i]) && isnan(want_v)) || got[i] == want_v;
      if (!ok && bad++ < 3)
        CHECK_MSG(false, "%s %s %s mask %u kd %d at %lld: %.9g, want %.9g (tol %.3g)", REDS[r].name,
                  weir_dtype_name(t), negative ? "neg" : "pos", mask, keepdims, (long long)i, got[i], want_v, tol);
    }
    CHECK_MSG(bad == 0, "%s %s mask %u: %d of %lld wrong", REDS[r].name, weir_dtype_name(t), mask, bad,
              (long long)nout);
  } else {
    CHECK_MSG(nout == weir_array_size(o), "%s: size %lld, want %lld", REDS[r].name, (long long)weir_array_size(o),
              (long long)nout);
  }
  free(ref);
  free(absum);
  free(got);
done:
  weir_array_free(a);
  weir_array_free(o);
  free(v);
}

/* Every axes subset of a 3-D array, every reduction, keepdims on and off, several dtypes. */
static void test_all_subsets(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT64, WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_INT32,
                                  WEIR_INT8,    WEIR_UINT8,   WEIR_INT64,   WEIR_BOOL,     WEIR_UINT16};
  for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
    weir_dtype t = ts[k];
    int64_t s[3] = {h_rand_int(1, 5), h_rand_int(1, 6), h_rand_int(1, 7)};
    for (int r = 0; r < 5; r++) {
      double lo = -4, hi = 4;
      if (r == R_PROD) lo = h_is_float(t) ? 0.5 : -3, hi = h_is_float(t) ? 1.5 : 3;
      if (!h_is_float(t)) {
        if (r != R_PROD) lo = h_is_unsigned(t) ? 0 : -100, hi = 100;
        if (h_is_unsigned(t) && r == R_PROD) lo = 0;
      }
      if (t == WEIR_BOOL) lo = 0, hi = 1;
      for (unsigned mask = 1; mask < 8; mask++)
        for (int kd = 0; kd < 2; kd++) check_reduce(r, t, s, 3, mask, kd, (mask + (unsigned)kd) % 3 == 0, lo, hi);
    }
  }
}

/* axes != NULL with naxes == 0 reduces nothing (MLX: sum(a, axis=[]) is a); 0-d inputs. */
static void test_empty_axis_list_and_scalars(void) {
  int64_t s[2] = {3, 4};
  double v[12];
  weir_array *a = h_rand_array(WEIR_FLOAT32, s, 2, -1, 1, v), *o = NULL;
  int dummy = 0;
  for (int r = 0; r < 5; r++) {
    o = NULL;
    if (CHECK_OK(REDS[r].fn(&o, a, &dummy, 0, false, weir_on(CPU)))) {
      CHECK_SHAPE(o, 3, 4);
      double got[12];
      if (CHECK_OK(h_read(o, got)))
        for (int i = 0; i < 12; i++) CHECK_CLOSE(got[i], v[i], 0);
    }
    weir_array_free(o);
  }
  weir_array *sc = NULL;
  CHECK_OK(weir_array_from_scalar(&sc, 2.5, WEIR_FLOAT32));
  for (int r = 0; r < 5; r++) {
    o = NULL;
    if (CHECK_OK(REDS[r].fn(&o, sc, NULL, 0, false, weir_on(CPU)))) {
      CHECK_EQ_INT(weir_array_ndim(o), 0);
      double x = 0;
      CHECK_OK(weir_array_item_double(o, &x));
      CHECK_CLOSE(x, 2.5, 0);
    }
    weir_array_free(o);
  }
  weir_array_free(sc);
  weir_array_free(a);
}

/* Zero-size inputs: sum 0, prod 1, mean NaN, max/min/argmax an error. */
static void test_zero_size(void) {
  int64_t s[2] = {0, 3};
  weir_array *a = NULL, *o = NULL;
  CHECK_OK(weir_zeros(&a, s, 2, WEIR_FLOAT32, weir_on(CPU)));
  int ax0 = 0;
  double got[3];
  if (CHECK_OK(weir_sum(&o, a, &ax0, 1, false, weir_on(CPU))) && CHECK_OK(h_read(o, got))) {
    CHECK_SHAPE(o, 3);
    CHECK_CLOSE(got[2], 0, 0);
  }
  weir_array_free(o);
  o = NULL;
  if (CHECK_OK(weir_prod(&o, a, &ax0, 1, false, weir_on(CPU))) && CHECK_OK(h_read(o, got))) CHECK_CLOSE(got[1], 1, 0);
  weir_array_free(o);
  o = NULL;
  if (CHECK_OK(weir_mean(&o, a, &ax0, 1, false, weir_on(CPU))) && CHECK_OK(h_read(o, got))) CHECK(isnan(got[0]));
  weir_array_free(o);
  o = NULL;
  int ax1 = 1;
  if (CHECK_OK(weir_sum(&o, a, &ax1, 1, true, weir_on(CPU)))) CHECK_SHAPE(o, 0, 1);
  weir_array_free(o);
  o = NULL;
  CHECK_STATUS(weir_max(&o, a, &ax0, 1, false, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_argmin(&o, a, 0, false, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK(o == NULL);
  weir_array_free(a);
}

/* argmax/argmin over each axis, with ties (small integer values): the first index wins. */
static void test_argmax_argmin(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT32, WEIR_FLOAT16, WEIR_UINT8, WEIR_FLOAT64};
  for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
    int64_t s[3] = {h_rand_int(1, 6), h_rand_int(1, 6), h_rand_int(1, 6)};
    int64_t n = s[0] * s[1] * s[2];
    double v[216];
    for (int64_t i = 0; i < n; i++) v[i] = (double)h_rand_int(0, 3); /* few distinct values: many ties */
    weir_array *a = h_make(ts[k], s, 3, v);
    for (int axis = -3; axis < 3; axis++)
      for (int kd = 0; kd < 2; kd++)
        for (int which = 0; which < 2; which++) {
          weir_array *o = NULL;
          weir_status st = (which ? weir_argmin : weir_argmax)(&o, a, axis, kd, weir_on(CPU));
          if (!CHECK_OK(st)) continue;
          CHECK_EQ_INT(weir_array_dtype(o), WEIR_UINT32);
          int ax = axis < 0 ? axis + 3 : axis;
          int64_t os[3];
          int ond = 0;
          for (int d = 0; d < 3; d++)
            if (d != ax) os[ond++] = s[d];
            else if (kd) os[ond++] = 1;
          CHECK(h_shape_is(o, ond, os));
          double got[216];
          if (!CHECK_OK(h_read(o, got))) {
            weir_array_free(o);
            continue;
          }
          /* walk the kept coordinates in row-major order */
          int64_t oi = 0, strides[3] = {s[1] * s[2], s[2], 1};
          int bad = 0;
          for (int64_t i = 0; i < n; i++) {
            int64_t c[3] = {i / strides[0], (i / strides[1]) % s[1], i % s[2]};
            if (c[ax] != 0) continue;
            int64_t best = 0;
            double bv = v[i];
            for (int64_t j = 1; j < s[ax]; j++) {
              double x = v[i + j * strides[ax]];
              if (which ? x < bv : x > bv) bv = x, best = j;
            }
            if (got[oi] != (double)best && bad++ < 2)
              CHECK_MSG(false, "%s %s axis %d at %lld: %g, want %lld", which ? "argmin" : "argmax",
                        weir_dtype_name(ts[k]), axis, (long long)oi, got[oi], (long long)best);
            oi++;
          }
          CHECK_EQ_INT(bad, 0);
          weir_array_free(o);
        }
    weir_array_free(a);
  }
}

/* Reductions of transposed (strided) inputs and of big arrays. */
static void test_strided_and_big(void) {
  int64_t s[3] = {4, 5, 6};
  double v[120];
  weir_array *a = h_rand_array(WEIR_FLOAT64, s, 3, -2, 2, v), *t = NULL, *o = NULL;
  int perm[3] = {1, 2, 0}; /* t[j][k][i] = a[i][j][k], shape (5, 6, 4) */
  int ax = 2;
  CHECK_OK(weir_transpose(&t, a, perm, 3, weir_on(CPU)));
  if (CHECK_OK(weir_sum(&o, t, &ax, 1, false, weir_on(CPU)))) {
    double got[30];
    CHECK_SHAPE(o, 5, 6);
    if (CHECK_OK(h_read(o, got)))
      for (int j = 0; j < 5; j++)
        for (int k = 0; k < 6; k++) {
          double ref = 0;
          for (int i = 0; i < 4; i++) ref += v[i * 30 + j * 6 + k];
          CHECK_CLOSE(got[j * 6 + k], ref, 1e-12);
        }
  }
  weir_array_free(a);
  weir_array_free(t);
  weir_array_free(o);

  int64_t big[2] = {1000, 1048};
  int64_t n = big[0] * big[1];
  double *bv = malloc(sizeof(double) * (size_t)n);
  weir_array *b = h_rand_array(WEIR_FLOAT32, big, 2, 0, 1, bv);
  for (unsigned mask = 1; mask < 4; mask++) check_reduce(R_SUM, WEIR_FLOAT32, big, 2, mask, false, false, 0, 1);
  check_reduce(R_MAX, WEIR_FLOAT32, big, 2, 3, false, false, -1, 1);
  check_reduce(R_MEAN, WEIR_FLOAT16, big, 2, 2, true, true, 0, 1);
  weir_array *all = NULL;
  if (CHECK_OK(weir_sum(&all, b, NULL, 0, false, weir_on(CPU)))) {
    double got = 0, ref = 0;
    for (int64_t i = 0; i < n; i++) ref += bv[i];
    CHECK_OK(weir_array_item_double(all, &got));
    CHECK_CLOSE(got, ref, ref * 1e-4);
  }
  weir_array_free(all);
  weir_array_free(b);
  free(bv);
}

int main(void) {
  h_init("test_ops_reduce");
  H_RUN(test_all_subsets);
  H_RUN(test_empty_axis_list_and_scalars);
  H_RUN(test_zero_size);
  H_RUN(test_argmax_argmin);
  H_RUN(test_strided_and_big);
  return h_finish();
}
