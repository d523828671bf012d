/* Selection, scans, joins and sorts on the CPU against float64 / exact loop references on fresh
   random inputs: where (3-way broadcasting, promotion), take / take_along_axis (negative and
   clamped indices, every index dtype, broadcasting), cumsum / cumprod (every axis, reverse,
   exclusive, MLX's dtypes, wrapping integers, long rows), concatenate (promotion, more inputs
   than a node takes), stack, split, pad, sort / argsort / topk (stable, NaN last), with
   transposed and sliced inputs, size 0, 0-d, and the argument errors. */
#include "harness.h"

#define CPU weir_on(WEIR_CPU_DEVICE)

/* ---- helpers ---- */

static int64_t size_of(const int64_t *s, int nd) {
  int64_t n = 1;
  for (int d = 0; d < nd; d++) n *= s[d];
  return n;
}

/* The values of a (evaluated) as float64, malloc'd (at least one slot); NULL on failure. */
static double *values(const weir_array *a) {
  if (!a) return NULL;
  double *v = malloc(sizeof(double) * (size_t)(weir_array_size(a) + 1));
  if (!CHECK_OK(h_read(a, v))) {
    free(v);
    return NULL;
  }
  return v;
}

/* A random array of t with values in [lo, hi] (copied to *v, malloc'd, when v != NULL). With
   `strided`, the array is the transpose of a random array (its buffer is not row-major). */
static weir_array *rand_arr(weir_dtype t, const int64_t *s, int nd, double lo, double hi, bool strided, double **v) {
  int64_t n = size_of(s, nd), rs[8];
  double *buf = malloc(sizeof(double) * (size_t)(n + 1));
  if (h_is_unsigned(t) && lo < 0) lo = 0;
  if (t == WEIR_INT8 || t == WEIR_UINT8) lo = lo < -128 ? -128 : lo, hi = hi > 127 ? 127 : hi;
  h_rand_vals(buf, n, t, lo, hi);
  weir_array *a = NULL;
  if (strided && nd >= 2) { /* build (reversed shape), fill so its transpose has buf's values */
    double *tb = malloc(sizeof(double) * (size_t)(n + 1));
    for (int d = 0; d < nd; d++) rs[d] = s[nd - 1 - d];
    for (int64_t i = 0; i < n; i++) { /* tb[reverse coords of i] = buf[i] */
      int64_t c[8], r = i, k = 0;
      for (int d = nd - 1; d >= 0; d--) {
        c[d] = r % s[d];
        r /= s[d];
      }
      for (int d = 0; d < nd; d++) k = k * rs[d] + c[nd - 1 - d];
      tb[k] = buf[i];
    }
    weir_array *b = h_make(t, rs, nd, tb);
    free(tb);
    if (b) CHECK_OK(weir_transpose(&a, b, NULL, 0, CPU));
    weir_array_free(b);
  } else {
    a = h_make(t, s, nd, buf);
  }
  if (v) *v = buf;
  else free(buf);
  return a;
}

static int64_t wrap_clamp(double v, int64_t n) {
  int64_t k = (int64_t)v;
  if (k < 0) k += n;
  return k < 0 ? 0 : k >= n ? n - 1 : k;
}

/* Element-by-element check of got (n values) against want, exact or within tol[i]. */
static void check_values(const char *what, const double *got, const double *want, int64_t n, const double *tol) {
  int64_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    double t = tol ? tol[i] : 0;
    bool ok = got[i] == want[i] || (isnan(got[i]) && isnan(want[i])) || fabs(got[i] - want[i]) <= t;
    if (!ok && bad++ < 3) CHECK_MSG(false, "%s at %lld: %.17g, want %.17g", what, (long long)i, got[i], want[i]);
  }
  CHECK_MSG(bad == 0, "%s: %lld of %lld wrong", what, (long long)bad, (long long)n);
}

/* ---- where ---- */

static void where_case(const int64_t *sc, int nc, weir_dtype tc, const int64_t *sx, int nx, weir_dtype tx,
                       const int64_t *sy, int ny, weir_dtype ty, bool strided) {
  double *vc = NULL, *vx = NULL, *vy = NULL, *got = NULL;
  weir_array *c = rand_arr(tc, sc, nc, -2, 2, strided, &vc), *x = rand_arr(tx, sx, nx, -100, 100, strided, &vx);
  weir_array *y = rand_arr(ty, sy, ny, -100, 100, false, &vy), *o = NULL;
  if (!c || !x || !y || !CHECK_OK(weir_where(&o, c, x, y, CPU))) goto done;
  weir_dtype want_t = weir_dtype_promote(tx, ty);
  CHECK_MSG(weir_array_dtype(o) == want_t, "where dtype %s, want %s", weir_dtype_name(weir_array_dtype(o)),
            weir_dtype_name(want_t));
  int ond = weir_array_ndim(o);
  const int64_t *os = weir_array_shape(o);
  int64_t n = weir_array_size(o);
  double *want = malloc(sizeof(double) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) {
    bool pick = vc[h_bcast_index(i, os, ond, sc, nc)] != 0;
    want[i] = pick ? vx[h_bcast_index(i, os, ond, sx, nx)] : vy[h_bcast_index(i, os, ond, sy, ny)];
    want[i] = h_round_to(want_t, want[i]);
  }
  if ((got = values(o))) check_values("where", got, want, n, NULL);
  free(want);
done:
  free(vc), free(vx), free(vy), free(got);
  weir_array_free(c), weir_array_free(x), weir_array_free(y), weir_array_free(o);
}

static void test_where(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT8, WEIR_UINT8, WEIR_BOOL, WEIR_FLOAT16, WEIR_INT64,
                                  WEIR_FLOAT64, WEIR_BFLOAT16, WEIR_UINT16};
  const int64_t s0[] = {3, 1, 4}, s1[] = {2, 1}, s2[] = {4}, s3[] = {5, 6}, s4[] = {0, 6}, s5[] = {1};
  for (int r = 0; r < 12; r++) {
    weir_dtype tx = ts[h_rand_int(0, 8)], ty = ts[h_rand_int(0, 8)], tc = r % 3 ? WEIR_BOOL : ts[h_rand_int(0, 8)];
    where_case(s0, 3, tc, s1, 2, tx, s2, 1, ty, false);
    where_case(s3, 2, tc, s3, 2, tx, s3, 2, ty, true); /* transposed cond and x */
    where_case(s2, 1, tc, s0, 3, tx, s1, 2, ty, false);
    where_case(s4, 2, tc, s5, 1, tx, s3 + 1, 1, ty, false); /* size 0 */
    where_case(NULL, 0, tc, NULL, 0, tx, NULL, 0, ty, false); /* 0-d */
    where_case(NULL, 0, tc, s3, 2, tx, NULL, 0, ty, r & 1);
  }
  int64_t big[] = {1000, 130};
  where_case(big, 2, WEIR_BOOL, big, 2, WEIR_FLOAT32, big + 1, 1, WEIR_FLOAT32, true);
  /* errors */
  weir_array *a = NULL, *b = NULL, *o = NULL;
  CHECK_OK(weir_zeros(&a, s0, 3, WEIR_FLOAT32, CPU));
  CHECK_OK(weir_zeros(&b, s3, 2, WEIR_FLOAT32, CPU));
  CHECK_STATUS(weir_where(&o, a, b, b, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("where");
  CHECK_STATUS(weir_where(&o, NULL, b, b, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("cond");
  CHECK_STATUS(weir_where(&o, b, b, NULL, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_where(NULL, b, b, b, CPU), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(a), weir_array_free(b);
}

/* ---- take / take_along_axis ---- */

static void take_case(weir_dtype t, const int64_t *s, int nd, int axis, bool flatten, weir_dtype it,
                      const int64_t *is, int ind, bool strided) {
  double *va = NULL, *vi = NULL, *got = NULL;
  int64_t n = flatten ? size_of(s, nd) : s[axis < 0 ? axis + nd : axis];
  double lo = h_is_unsigned(it) ? 0 : -(double)n - 2, hi = (double)n + 2;
  if (it == WEIR_INT8 && lo < -128) lo = -128;
  if (it == WEIR_INT8 && hi > 127) hi = 127;
  if (it == WEIR_UINT8 && hi > 255) hi = 255;
  weir_array *a = rand_arr(t, s, nd, -50, 50, strided, &va), *ix = rand_arr(it, is, ind, lo, hi, false, &vi);
  weir_array *o = NULL;
  if (!a || !ix || !CHECK_OK(weir_take(&o, a, ix, axis, flatten, CPU))) goto done;
  int ax = flatten ? 0 : (axis < 0 ? axis + nd : axis);
  int64_t outer = 1, inner = 1, m = size_of(is, ind);
  if (!flatten) {
    for (int d = 0; d < ax; d++) outer *= s[d];
    for (int d = ax + 1; d < nd; d++) inner *= s[d];
  }
  int64_t total = outer * m * inner;
  CHECK_EQ_INT(weir_array_size(o), total);
  CHECK_EQ_INT(weir_array_ndim(o), (flatten ? 1 : nd) - 1 + ind);
  CHECK(weir_array_dtype(o) == t);
  double *want = malloc(sizeof(double) * (size_t)(total + 1));
  for (int64_t i = 0; i < total; i++) {
    int64_t q = i % inner, j = i / inner % m, p = i / inner / m;
    want[i] = va[(p * n + wrap_clamp(vi[j], n)) * inner + q];
  }
  if (total == weir_array_size(o) && (got = values(o))) check_values("take", got, want, total, NULL);
  free(want);
done:
  free(va), free(vi), free(got);
  weir_array_free(a), weir_array_free(ix), weir_array_free(o);
}

static void along_case(weir_dtype t, const int64_t *s, int axis, weir_dtype it, const int64_t *is, bool strided) {
  enum { ND = 3 };
  double *va = NULL, *vi = NULL, *got = NULL;
  int ax = axis < 0 ? axis + ND : axis;
  int64_t n = s[ax];
  weir_array *a = rand_arr(t, s, ND, -50, 50, strided, &va);
  weir_array *ix = rand_arr(it, is, ND, h_is_unsigned(it) ? 0 : -(double)n - 1, (double)n + 1, false, &vi), *o = NULL;
  if (!a || !ix || !CHECK_OK(weir_take_along_axis(&o, a, ix, axis, CPU))) goto done;
  int64_t os[ND];
  for (int d = 0; d < ND; d++) os[d] = d == ax ? is[d] : (s[d] == 1 ? is[d] : s[d]);
  CHECK_MSG(h_shape_is(o, ND, os), "take_along_axis: wrong shape");
  int64_t total = size_of(os, ND);
  double *want = malloc(sizeof(double) * (size_t)(total + 1));
  for (int64_t i = 0; i < total; i++) {
    int64_t c[ND], r = i, ai = 0, ii = 0;
    for (int d = ND - 1; d >= 0; d--) {
      c[d] = r % os[d];
      r /= os[d];
    }
    for (int d = 0; d < ND; d++) ii = ii * is[d] + (is[d] == 1 ? 0 : c[d]);
    int64_t k = wrap_clamp(vi[ii], n);
    for (int d = 0; d < ND; d++) ai = ai * s[d] + (d == ax ? k : (s[d] == 1 ? 0 : c[d]));
    want[i] = va[ai];
  }
  if ((got = values(o))) check_values("take_along_axis", got, want, total, NULL);
  free(want);
done:
  free(va), free(vi), free(got);
  weir_array_free(a), weir_array_free(ix), weir_array_free(o);
}

static void test_take(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT16, WEIR_BOOL, WEIR_FLOAT16, WEIR_FLOAT64, WEIR_UINT64};
  static const weir_dtype its[] = {WEIR_INT32, WEIR_INT64, WEIR_UINT8, WEIR_INT8, WEIR_UINT32, WEIR_INT16};
  const int64_t s3[] = {4, 5, 6}, s1[] = {9}, i2[] = {3, 2}, i1[] = {7}, i0[] = {0};
  for (int r = 0; r < 6; r++) {
    weir_dtype t = ts[r], it = its[h_rand_int(0, 5)];
    for (int axis = -3; axis < 3; axis++) {
      take_case(t, s3, 3, axis, false, it, i2, 2, r & 1);
      take_case(t, s3, 3, axis, false, it, i1, 1, false);
      take_case(t, s3, 3, axis, false, it, NULL, 0, false); /* 0-d index: the axis goes */
      take_case(t, s3, 3, axis, false, it, i0, 1, false);   /* no indices */
    }
    take_case(t, s3, 3, 0, true, it, i2, 2, true); /* flattened */
    take_case(t, s1, 1, 0, false, it, i1, 1, false);
    take_case(t, NULL, 0, 0, true, it, i1, 1, false); /* a 0-d array, flattened */
    const int64_t sa[] = {3, 4, 5}, sb[] = {1, 4, 5}, sc[] = {3, 1, 5};
    const int64_t ia[] = {3, 2, 5}, ib[] = {3, 7, 1}, ic[] = {1, 2, 5};
    along_case(t, sa, 1, it, ia, r & 1);
    along_case(t, sa, -2, it, ib, false);
    along_case(t, sb, 1, it, ic, false);
    along_case(t, sc, 0, it, ic, false);
    along_case(t, sa, 2, it, (const int64_t[]){3, 4, 9}, true);
    along_case(t, sa, 0, it, (const int64_t[]){0, 4, 5}, false);
  }
  /* a big one: 1<<20 picks from a long axis */
  take_case(WEIR_FLOAT32, (const int64_t[]){5000}, 1, 0, false, WEIR_INT32, (const int64_t[]){1 << 20}, 1, false);

  weir_array *a = NULL, *fi = NULL, *bi = NULL, *ii = NULL, *e = NULL, *o = NULL;
  CHECK_OK(weir_zeros(&a, s3, 3, WEIR_FLOAT32, CPU));
  CHECK_OK(weir_zeros(&fi, i1, 1, WEIR_FLOAT32, CPU));
  CHECK_OK(weir_zeros(&bi, i1, 1, WEIR_BOOL, CPU));
  CHECK_OK(weir_zeros(&ii, i2, 2, WEIR_INT32, CPU));
  CHECK_OK(weir_zeros(&e, (const int64_t[]){0, 3}, 2, WEIR_FLOAT32, CPU));
  CHECK_STATUS(weir_take(&o, a, fi, 0, false, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("indices must be integers");
  CHECK_STATUS(weir_take(&o, a, bi, 0, false, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_take(&o, a, ii, 3, false, CPU), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_take(&o, e, ii, 0, false, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("empty axis");
  CHECK_STATUS(weir_take(&o, NULL, ii, 0, false, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_take(&o, a, NULL, 0, false, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("indices");
  CHECK_STATUS(weir_take_along_axis(&o, a, ii, 0, CPU), WEIR_ERR_INVALID_ARGUMENT); /* ndim 2 vs 3 */
  CHECK_ERR_MENTIONS("dimensions");
  weir_array *bad = NULL;
  CHECK_OK(weir_zeros(&bad, (const int64_t[]){2, 3, 6}, 3, WEIR_INT32, CPU));
  CHECK_STATUS(weir_take_along_axis(&o, a, bad, 1, CPU), WEIR_ERR_INVALID_ARGUMENT); /* 4 vs 2 off the axis */
  CHECK_STATUS(weir_take_along_axis(&o, a, bad, -4, CPU), WEIR_ERR_INDEX);
  weir_array *list[] = {a, fi, bi, ii, e, bad};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
}

/* ---- cumsum / cumprod ---- */

static weir_dtype scan_dtype(bool prod, weir_dtype t) { return !prod && t == WEIR_BOOL ? WEIR_INT32 : t; }

static void scan_case(bool prod, weir_dtype t, const int64_t *s, int nd, int axis, bool reverse, bool inclusive,
                      bool strided, double lo, double hi) {
  double *v = NULL, *got = NULL;
  weir_array *a = rand_arr(t, s, nd, lo, hi, strided, &v), *o = NULL;
  weir_status st = prod ? weir_cumprod(&o, a, axis, reverse, inclusive, CPU)
                        : weir_cumsum(&o, a, axis, reverse, inclusive, CPU);
  if (!a || !CHECK_MSG(st == WEIR_OK, "scan: %s", weir_last_error())) goto done;
  weir_dtype ot = scan_dtype(prod, t);
  CHECK_MSG(weir_array_dtype(o) == ot, "%s of %s gave %s", prod ? "cumprod" : "cumsum", weir_dtype_name(t),
            weir_dtype_name(weir_array_dtype(o)));
  CHECK_MSG(h_shape_is(o, nd, s), "scan: wrong shape");
  int ax = axis < 0 ? axis + nd : axis;
  int64_t n = size_of(s, nd), L = s[ax], inner = 1;
  for (int d = ax + 1; d < nd; d++) inner *= s[d];
  double *want = malloc(sizeof(double) * (size_t)(n + 1)), *tol = malloc(sizeof(double) * (size_t)(n + 1));
  bool fl = h_is_float(ot);
  for (int64_t base = 0; base < n; base++) {
    if (base / inner % (L ? L : 1) != 0) continue; /* one pass per (outer, inner) line */
    double acc = prod, mag = prod;
    uint64_t iacc = prod;
    for (int64_t kk = 0; kk < L; kk++) {
      int64_t k = reverse ? L - 1 - kk : kk, i = base + k * inner;
      double x = v[i];
      if (!inclusive) {
        want[i] = fl ? acc : h_wrap_int(ot, iacc);
        tol[i] = fl ? (double)(kk + 2) * (ot == WEIR_FLOAT64 ? 0x1p-52 : 0x1p-23) * mag + h_ulp(ot, acc) : 0;
      }
      acc = prod ? acc * x : acc + x;
      mag = prod ? mag * fabs(x) : mag + fabs(x);
      iacc = prod ? iacc * (uint64_t)(int64_t)x : iacc + (uint64_t)(int64_t)x;
      if (inclusive) {
        want[i] = fl ? acc : h_wrap_int(ot, iacc);
        tol[i] = fl ? (double)(kk + 2) * (ot == WEIR_FLOAT64 ? 0x1p-52 : 0x1p-23) * mag + h_ulp(ot, acc) : 0;
      }
    }
  }
  for (int64_t i = 0; i < n && fl; i++) tol[i] += fabs(want[i] - h_round_to(ot, want[i]));
  char what[96];
  snprintf(what, sizeof what, "%s %s axis %d rev %d incl %d", prod ? "cumprod" : "cumsum", weir_dtype_name(t), axis,
           reverse, inclusive);
  if ((got = values(o))) check_values(what, got, want, n, tol);
  free(want), free(tol);
done:
  free(v), free(got);
  weir_array_free(a), weir_array_free(o);
}

static void test_scan(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT64, WEIR_INT32, WEIR_INT8,    WEIR_UINT8,
                                  WEIR_BOOL,    WEIR_FLOAT16, WEIR_INT64, WEIR_BFLOAT16, WEIR_UINT16};
  const int64_t s3[] = {3, 5, 4}, s1[] = {7}, s0[] = {2, 0, 3};
  for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++)
    for (int prod = 0; prod < 2; prod++)
      for (int flags = 0; flags < 4; flags++) {
        weir_dtype t = ts[ti];
        double lo = prod ? -2 : -50, hi = prod ? 2 : 50;
        if (h_is_unsigned(t)) lo = 0;
        if (h_is_float(t) && prod) lo = 0.5, hi = 1.5;
        bool rev = flags & 1, incl = flags & 2;
        for (int axis = -3; axis < 3; axis++) scan_case(prod, t, s3, 3, axis, rev, incl, axis & 1, lo, hi);
        scan_case(prod, t, s1, 1, 0, rev, incl, false, lo, hi);
        scan_case(prod, t, s0, 3, 1, rev, incl, false, lo, hi);
        scan_case(prod, t, s0, 3, 2, rev, incl, false, lo, hi);
      }
  /* long rows: float32 error bound grows with the length; integers wrap */
  scan_case(false, WEIR_FLOAT32, (const int64_t[]){100000}, 1, 0, false, true, false, -1, 1);
  scan_case(false, WEIR_FLOAT32, (const int64_t[]){3000, 40}, 2, 0, true, true, false, -1, 1);
  scan_case(false, WEIR_INT8, (const int64_t[]){5000}, 1, 0, false, true, false, -128, 127);
  scan_case(true, WEIR_INT32, (const int64_t[]){300}, 1, 0, false, true, false, -9, 9);
  weir_array *z = NULL, *o = NULL;
  CHECK_OK(weir_array_from_scalar(&z, 3, WEIR_FLOAT32));
  CHECK_STATUS(weir_cumsum(&o, z, 0, false, true, CPU), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("cumsum");
  CHECK_STATUS(weir_cumprod(&o, NULL, 0, false, true, CPU), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(z);
}

/* ---- concatenate, stack, split, pad ---- */

static void concat_case(int n, int nd, int axis, bool stack) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT8, WEIR_UINT8, WEIR_INT32, WEIR_BOOL, WEIR_FLOAT16};
  weir_array *arr[12] = {NULL}, *o = NULL;
  double *v[12] = {NULL}, *got = NULL;
  int64_t s[12][4], base[4] = {1, 1, 1, 1};
  int ax = axis < 0 ? axis + nd + stack : axis;
  for (int d = 0; d < nd; d++) base[d] = h_rand_int(1, 4);
  weir_dtype t = ts[h_rand_int(0, 5)], want_t = t;
  for (int i = 0; i < n; i++) {
    memcpy(s[i], base, sizeof base);
    if (!stack) s[i][ax] = h_rand_int(0, 3);
    weir_dtype ti = h_rand_int(0, 2) ? t : ts[h_rand_int(0, 5)];
    want_t = i ? weir_dtype_promote(want_t, ti) : ti;
    arr[i] = rand_arr(ti, s[i], nd, -50, 50, h_rand_int(0, 1), &v[i]);
  }
  weir_status st = stack ? weir_stack(&o, (const weir_array *const *)arr, n, axis, CPU)
                         : weir_concatenate(&o, (const weir_array *const *)arr, n, axis, CPU);
  if (!CHECK_MSG(st == WEIR_OK, "%s of %d: %s", stack ? "stack" : "concatenate", n, weir_last_error())) goto done;
  CHECK(weir_array_dtype(o) == want_t);
  int ond = weir_array_ndim(o);
  const int64_t *os = weir_array_shape(o);
  CHECK_EQ_INT(ond, nd + stack);
  int64_t total = weir_array_size(o), outer = 1, inner = 1;
  for (int d = 0; d < ax; d++) outer *= os[d];
  for (int d = ax + 1; d < ond; d++) inner *= os[d];
  double *want = malloc(sizeof(double) * (size_t)(total + 1));
  int64_t pos = 0;
  for (int64_t p = 0; p < outer; p++)
    for (int i = 0; i < n; i++) {
      int64_t w = (stack ? 1 : s[i][ax]) * inner;
      for (int64_t q = 0; q < w; q++) want[pos++] = h_round_to(want_t, v[i][p * w + q]);
    }
  CHECK_EQ_INT(pos, total);
  if (pos == total && (got = values(o))) check_values(stack ? "stack" : "concatenate", got, want, total, NULL);
  free(want);
done:
  for (int i = 0; i < n; i++) weir_array_free(arr[i]), free(v[i]);
  weir_array_free(o);
  free(got);
}

static void test_concatenate_stack(void) {
  for (int r = 0; r < 40; r++) {
    int n = (int)h_rand_int(1, 12), nd = (int)h_rand_int(1, 3), axis = (int)h_rand_int(-nd, nd - 1);
    concat_case(n, nd, axis, false);
    concat_case(n, nd, (int)h_rand_int(-nd - 1, nd), true);
  }
  concat_case(1, 0, 0, true); /* stacking 0-d arrays */
  weir_array *a = NULL, *b = NULL, *c = NULL, *z = NULL, *o = NULL;
  CHECK_OK(weir_zeros(&a, (const int64_t[]){2, 3}, 2, WEIR_FLOAT32, CPU));
  CHECK_OK(weir_zeros(&b, (const int64_t[]){3, 3}, 2, WEIR_FLOAT32, CPU));
  CHECK_OK(weir_zeros(&c, (const int64_t[]){3}, 1, WEIR_FLOAT32, CPU));
  CHECK_OK(weir_array_from_scalar(&z, 1, WEIR_FLOAT32));
  const weir_array *ab[] = {a, b}, *ac[] = {a, c}, *zz[] = {z, z}, *an[] = {a, NULL};
  CHECK_STATUS(weir_concatenate(&o, ab, 2, 1, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("(3, 3)");
  CHECK_OK(weir_concatenate(&o, ab, 2, 0, CPU));
  CHECK_SHAPE(o, 5, 3);
  weir_array_free(o);
  o = NULL;
  CHECK_STATUS(weir_concatenate(&o, ac, 2, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("number of dimensions");
  CHECK_STATUS(weir_concatenate(&o, zz, 2, 0, CPU), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_concatenate(&o, ab, 0, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_concatenate(&o, NULL, 2, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_concatenate(&o, an, 2, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("arrays[1]");
  CHECK_STATUS(weir_concatenate(&o, ab, 2, 2, CPU), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_stack(&o, ab, 2, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("same shape");
  CHECK_STATUS(weir_stack(&o, ab, 1, 3, CPU), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_stack(&o, ab, 0, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(a), weir_array_free(b), weir_array_free(c), weir_array_free(z);
}

/* Python's slice bounds for [b:e] on length n (step 1). */
static void py_bounds(int64_t n, int64_t *b, int64_t *e) {
  *b = *b < 0 ? (*b + n < 0 ? 0 : *b + n) : (*b > n ? n : *b);
  *e = *e < 0 ? (*e + n < 0 ? 0 : *e + n) : (*e > n ? n : *e);
  if (*e < *b) *e = *b;
}

static void test_split(void) {
  const int64_t s[] = {4, 6, 3};
  double *v = NULL;
  weir_array *a = rand_arr(WEIR_INT32, s, 3, -100, 100, true, &v), *outs[8] = {NULL};
  for (int r = 0; r < 30 && a; r++) {
    int axis = (int)h_rand_int(-3, 2), ax = axis < 0 ? axis + 3 : axis;
    bool sections = h_rand_int(0, 1);
    int64_t idx[6];
    int n = sections ? (int)(s[ax] % 3 == 0 && h_rand_int(0, 1) ? 3 : (s[ax] % 2 == 0 ? 2 : 1))
                     : (int)h_rand_int(0, 5);
    for (int i = 0; !sections && i < n; i++) idx[i] = h_rand_int(-8, 8);
    if (!CHECK_OK(weir_split(outs, a, idx, n, sections, axis, CPU))) continue;
    int parts = sections ? n : n + 1;
    for (int p = 0; p < parts; p++) {
      int64_t b = sections ? s[ax] / n * p : (p == 0 ? 0 : idx[p - 1]);
      int64_t e = sections ? s[ax] / n * (p + 1) : (p == n ? s[ax] : idx[p]);
      py_bounds(s[ax], &b, &e);
      int64_t ps[3] = {s[0], s[1], s[2]};
      ps[ax] = e - b;
      CHECK_MSG(h_shape_is(outs[p], 3, ps), "split part %d of axis %d: wrong shape", p, ax);
      double *got = values(outs[p]);
      int64_t bad = 0, k = 0;
      for (int64_t i = 0; got && i < s[0] * s[1] * s[2]; i++) {
        int64_t c[3] = {i / (s[1] * s[2]), i / s[2] % s[1], i % s[2]};
        if (c[ax] < b || c[ax] >= e) continue;
        bad += got[k++] != v[i];
      }
      CHECK_MSG(bad == 0, "split part %d: %lld wrong", p, (long long)bad);
      free(got);
      weir_array_free(outs[p]);
      outs[p] = NULL;
    }
  }
  weir_array *o2[4] = {NULL};
  CHECK_STATUS(weir_split(o2, a, NULL, 4, true, 1, CPU), WEIR_ERR_INVALID_ARGUMENT); /* 6 into 4 */
  CHECK_ERR_MENTIONS("equal sections");
  CHECK(o2[0] == NULL);
  CHECK_STATUS(weir_split(o2, a, NULL, 0, true, 1, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_split(o2, a, NULL, 2, false, 1, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_split(o2, a, NULL, 2, true, 3, CPU), WEIR_ERR_INDEX);
  weir_array_free(a);
  free(v);
}

static void test_pad(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT32, WEIR_UINT8, WEIR_BOOL, WEIR_FLOAT64};
  for (int r = 0; r < 25; r++) {
    int nd = (int)h_rand_int(0, 3);
    int64_t s[3], before[3], after[3], os[3];
    for (int d = 0; d < nd; d++) {
      s[d] = h_rand_int(0, 4);
      before[d] = h_rand_int(0, 2);
      after[d] = h_rand_int(0, 3);
      os[d] = s[d] + before[d] + after[d];
    }
    weir_dtype t = ts[r % 5];
    double *v = NULL, *got = NULL, val = h_rand_int(-5, 5) + 0.5;
    weir_array *a = rand_arr(t, s, nd, -50, 50, r & 1, &v), *o = NULL;
    if (a && CHECK_OK(weir_pad(&o, a, before, after, val, CPU)) && CHECK(h_shape_is(o, nd, os)) &&
        CHECK(weir_array_dtype(o) == t) && (got = values(o))) {
      double *want = malloc(sizeof(double) * (size_t)(size_of(os, nd) + 1));
      /* the value converted as astype converts: truncated, wrapped into unsigned types */
      double fillv = t == WEIR_BOOL ? (val != 0) : h_is_float(t) ? val : h_wrap_int(t, (uint64_t)(int64_t)trunc(val));
      for (int64_t i = 0; i < size_of(os, nd); i++) {
        int64_t rem = i, src = 0, stride = 1;
        bool inside = true;
        for (int d = nd - 1; d >= 0; d--) {
          int64_t c = rem % os[d] - before[d];
          rem /= os[d];
          if (c < 0 || c >= s[d]) inside = false;
          else src += c * stride;
          stride *= s[d];
        }
        want[i] = inside ? v[src] : fillv;
      }
      check_values("pad", got, want, size_of(os, nd), NULL);
      free(want);
    }
    free(v), free(got);
    weir_array_free(a), weir_array_free(o);
  }
  weir_array *a = NULL, *o = NULL;
  CHECK_OK(weir_zeros(&a, (const int64_t[]){2, 2}, 2, WEIR_FLOAT32, CPU));
  CHECK_STATUS(weir_pad(&o, a, (const int64_t[]){1, -1}, (const int64_t[]){0, 0}, 0, CPU),
               WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("axis 1");
  CHECK_STATUS(weir_pad(&o, a, NULL, (const int64_t[]){0, 0}, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(a);
}

/* ---- sort / argsort / topk ---- */

static const double *g_keys; /* the row qsort's comparator reads */
static int cmp_ref(const void *x, const void *y) {
  int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
  double a = g_keys[i], b = g_keys[j];
  bool na = isnan(a), nb = isnan(b);
  if (na != nb) return na ? 1 : -1;
  if (!na && a != b) return a < b ? -1 : 1;
  return (i > j) - (i < j); /* stable */
}

static void sort_case(weir_dtype t, const int64_t *s, int nd, int axis, bool strided, int k) {
  double *v = NULL, *gs = NULL, *ga = NULL, *gk = NULL;
  weir_array *a = rand_arr(t, s, nd, -20, 20, strided, &v), *so = NULL, *ao = NULL, *ko = NULL;
  int64_t n = size_of(s, nd);
  if (h_is_float(t) && a) { /* NaN, -0 and +0 among the values */
    weir_array_free(a);
    for (int64_t i = 0; i < n; i++) {
      int r = (int)h_rand_int(0, 9);
      v[i] = r == 0 ? NAN : r == 1 ? -0.0 : r == 2 ? 0.0 : r == 3 ? -INFINITY : v[i];
    }
    a = h_make(t, s, nd, v);
  }
  int ax = axis < 0 ? axis + nd : axis;
  if (!a || !CHECK_OK(weir_sort(&so, a, axis, CPU)) || !CHECK_OK(weir_argsort(&ao, a, axis, CPU)) ||
      !CHECK_OK(weir_topk(&ko, a, k, axis, CPU)))
    goto done;
  CHECK(weir_array_dtype(so) == t && weir_array_dtype(ao) == WEIR_UINT32 && weir_array_dtype(ko) == t);
  int64_t L = s[ax], inner = 1;
  for (int d = ax + 1; d < nd; d++) inner *= s[d];
  double *ws = malloc(sizeof(double) * (size_t)(n + 1)), *wa = malloc(sizeof(double) * (size_t)(n + 1));
  double *row = malloc(sizeof(double) * (size_t)(L + 1));
  int64_t *perm = malloc(sizeof(int64_t) * (size_t)(L + 1)), nk = n / (L ? L : 1) * k;
  double *wk = malloc(sizeof(double) * (size_t)(nk + 1));
  for (int64_t base = 0; base < n; base++) {
    if (base / inner % L != 0) continue;
    for (int64_t j = 0; j < L; j++) row[j] = v[base + j * inner], perm[j] = j;
    g_keys = row;
    qsort(perm, (size_t)L, sizeof *perm, cmp_ref);
    int64_t o = base / (inner * L), q = base % inner;
    for (int64_t j = 0; j < L; j++) {
      ws[base + j * inner] = row[perm[j]];
      wa[base + j * inner] = (double)perm[j];
    }
    for (int64_t j = 0; j < k; j++) wk[(o * k + j) * inner + q] = row[perm[L - k + j]];
  }
  if ((gs = values(so)) && (ga = values(ao)) && (gk = values(ko))) {
    check_values("sort", gs, ws, n, NULL);
    check_values("argsort", ga, wa, n, NULL);
    check_values("topk", gk, wk, nk, NULL);
  }
  free(ws), free(wa), free(row), free(perm), free(wk);
done:
  free(v), free(gs), free(ga), free(gk);
  weir_array_free(a), weir_array_free(so), weir_array_free(ao), weir_array_free(ko);
}

static void test_sort(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT64, WEIR_INT32, WEIR_UINT8, WEIR_BOOL,
                                  WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_INT8,  WEIR_INT64};
  const int64_t s3[] = {3, 7, 5};
  for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++) {
    for (int axis = -3; axis < 3; axis++) {
      int ax = axis < 0 ? axis + 3 : axis;
      sort_case(ts[ti], s3, 3, axis, axis & 1, (int)h_rand_int(0, (int)s3[ax]));
    }
    sort_case(ts[ti], (const int64_t[]){1000}, 1, 0, false, 10);
    sort_case(ts[ti], (const int64_t[]){4, 0}, 2, 1, false, 0);
    sort_case(ts[ti], (const int64_t[]){0, 4}, 2, 1, false, 2);
  }
  weir_array *z = NULL, *a = NULL, *o = NULL;
  CHECK_OK(weir_array_from_scalar(&z, 3, WEIR_FLOAT32));
  CHECK_OK(weir_zeros(&a, (const int64_t[]){4}, 1, WEIR_FLOAT32, CPU));
  CHECK_STATUS(weir_sort(&o, z, -1, CPU), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_argsort(&o, a, 1, CPU), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_topk(&o, a, 5, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("k must be");
  CHECK_STATUS(weir_topk(&o, a, -1, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_sort(NULL, a, 0, CPU), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(z), weir_array_free(a);
}

int main(void) {
  h_init("test_ops_select");
  H_RUN(test_where);
  H_RUN(test_take);
  H_RUN(test_scan);
  H_RUN(test_concatenate_stack);
  H_RUN(test_split);
  H_RUN(test_pad);
  H_RUN(test_sort);
  return h_finish();
}
