/* The composite reductions and shape ops (var std all any logsumexp softmax; flatten swapaxes
   moveaxis expand_dims squeeze broadcast_to clip tile repeat eye linspace tril triu; the linear
   algebra ones are in test_ops_composite_linalg.c) against float64 references computed here on
   fresh random inputs: every axes subset, keepdims, several dtypes (MLX's result dtypes),
   transposed (non-contiguous) inputs, 0-d and size-0 inputs, inf/NaN, and every error path.
   Runs on the CPU, then on each GPU when there is one. */
#include "composite_check.h"

/* ---- reductions ---- */

enum { K_VAR, K_STD, K_ALL, K_ANY, K_LSE };
static const char *KNAME[] = {"var", "std", "all", "any", "logsumexp"};

/* Output flat index (reduced axes dropped) of input flat index i. */
static int64_t group_of(int64_t i, const int64_t *s, int nd, unsigned mask) {
  int64_t o = 0, os = 1;
  for (int d = nd - 1; d >= 0; d--) {
    int64_t c = i % s[d];
    i /= s[d];
    if (!(mask >> d & 1)) {
      o += c * os;
      os *= s[d];
    }
  }
  return o;
}

static int64_t out_count(const int64_t *s, int nd, unsigned mask) {
  int64_t n = 1;
  for (int d = 0; d < nd; d++)
    if (!(mask >> d & 1)) n *= s[d];
  return n;
}

static void ref_reduce(int kind, const double *v, const int64_t *s, int nd, unsigned mask, int ddof, double *ref) {
  int64_t n = numel(s, nd), no = out_count(s, nd, mask), cnt = no ? n / no : 0;
  double *acc = alloc_d(no), *mx = alloc_d(no);
  for (int64_t o = 0; o < no; o++) mx[o] = -INFINITY, ref[o] = kind == K_ALL ? 1 : 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t o = group_of(i, s, nd, mask);
    acc[o] += v[i];
    if (v[i] > mx[o] || isnan(v[i])) mx[o] = isnan(mx[o]) ? mx[o] : v[i];
    if (kind == K_ALL && v[i] == 0) ref[o] = 0;
    if (kind == K_ANY && v[i] != 0) ref[o] = 1; /* NaN != 0 */
  }
  if (kind == K_VAR || kind == K_STD) {
    for (int64_t i = 0; i < n; i++) {
      int64_t o = group_of(i, s, nd, mask);
      double d = v[i] - acc[o] / (double)cnt;
      ref[o] += d * d;
    }
    double den = (double)cnt - ddof > 0 ? (double)cnt - ddof : 0;
    for (int64_t o = 0; o < no; o++) {
      ref[o] = cnt == 0 ? NAN : ref[o] / den;
      if (kind == K_STD) ref[o] = sqrt(ref[o]);
    }
  }
  if (kind == K_LSE) {
    for (int64_t i = 0; i < n; i++) {
      int64_t o = group_of(i, s, nd, mask);
      if (isfinite(mx[o])) ref[o] += exp(v[i] - mx[o]);
    }
    for (int64_t o = 0; o < no; o++) ref[o] = isfinite(mx[o]) ? mx[o] + log(ref[o]) : mx[o];
  }
  free(acc);
  free(mx);
}

static weir_status call_red(int kind, weir_array **o, const weir_array *a, const int *axes, int na, bool kd, int ddof) {
  switch (kind) {
  case K_VAR: return weir_var(o, a, axes, na, kd, ddof, g_s);
  case K_STD: return weir_std(o, a, axes, na, kd, ddof, g_s);
  case K_ALL: return weir_all(o, a, axes, na, kd, g_s);
  case K_ANY: return weir_any(o, a, axes, na, kd, g_s);
  default: return weir_logsumexp(o, a, axes, na, kd, g_s);
  }
}

static void check_red(int kind, weir_dtype t, const int64_t *s, int nd, unsigned mask, bool kd, int ddof,
                      bool strided, double lo, double hi) {
  int64_t n = numel(s, nd), no = out_count(s, nd, mask);
  double *v = alloc_d(n), *ref = alloc_d(no > n ? no : n);
  weir_array *a = rand_in(t, s, nd, lo, hi, v, strided), *o = NULL;
  if (kind == K_ALL || kind == K_ANY) /* zeros and NaNs matter here */
    for (int64_t i = 0; i < n; i += 3) v[i] = 0;
  if (kind == K_ALL || kind == K_ANY) {
    weir_array_free(a);
    if (h_is_float(t) && n > 1) v[1] = NAN;
    a = h_make(t, s, nd, v);
    if (t == WEIR_BOOL)
      for (int64_t i = 0; i < n; i++) v[i] = v[i] != 0;
  }
  int axes[8], na = 0;
  for (int d = nd - 1; d >= 0; d--)
    if (mask >> d & 1) {
      axes[na] = (d + na) % 2 ? d - nd : d; /* unsorted, some negative */
      na++;
    }
  bool all = mask == (1u << nd) - 1 && nd > 0 && (h_rand_u64() & 1);
  weir_status st = call_red(kind, &o, a, all ? NULL : axes, all ? 0 : na, kd, ddof);
  if (!CHECK_MSG(st == WEIR_OK, "%s %s mask %u: %s", KNAME[kind], weir_dtype_name(t), mask, weir_last_error()))
    goto done;
  weir_dtype want = kind == K_ALL || kind == K_ANY ? WEIR_BOOL : h_is_float(t) ? t : WEIR_FLOAT32;
  CHECK_MSG(weir_array_dtype(o) == want, "%s(%s) gave %s", KNAME[kind], weir_dtype_name(t),
            weir_dtype_name(weir_array_dtype(o)));
  int64_t os[8];
  int ond = 0;
  for (int d = 0; d < nd; d++)
    if (!(mask >> d & 1)) os[ond++] = s[d];
    else if (kd) os[ond++] = 1;
  CHECK_MSG(h_shape_is(o, ond, os), "%s mask %u kd %d: shape", KNAME[kind], mask, kd);
  ref_reduce(kind, v, s, nd, mask, ddof, ref);
  double tol = kind == K_ALL || kind == K_ANY ? 0 : tol_of(want);
  char what[96];
  snprintf(what, sizeof what, "%s %s mask %u kd %d ddof %d%s", KNAME[kind], weir_dtype_name(t), mask, kd, ddof,
           strided ? " strided" : "");
  expect_vals(o, ref, no, tol, tol, what);
done:
  weir_array_free(a);
  weir_array_free(o);
  free(v);
  free(ref);
}

static void test_reductions(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT64, WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_INT32, WEIR_UINT8,
                                  WEIR_BOOL};
  for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
    weir_dtype t = ts[k];
    if (g_gpu && t == WEIR_FLOAT64) continue;
    int64_t s[3] = {h_rand_int(1, 4), h_rand_int(1, 5), h_rand_int(2, 6)};
    double lo = h_is_unsigned(t) ? 0 : -3, hi = h_is_float(t) ? 3 : 9;
    for (int kind = K_VAR; kind <= K_LSE; kind++)
      for (unsigned mask = 0; mask < 8; mask++)
        for (int kd = 0; kd < 2; kd++)
          check_red(kind, t, s, 3, mask, kd, kind <= K_STD ? (int)(mask % 3) - (kd ? 0 : 1) * (mask == 5) : 0,
                    (mask + (unsigned)kd) % 2 == 1, lo, hi);
  }
  /* 0-d and size-0 inputs */
  int64_t z[2] = {0, 3};
  for (int kind = K_VAR; kind <= K_ANY; kind++) {
    check_red(kind, WEIR_FLOAT32, z, 0, 0, false, 0, false, -1, 1);
    check_red(kind, WEIR_FLOAT32, z, 2, 1, false, 0, false, -1, 1); /* var NaN; all true; any false */
    check_red(kind, WEIR_FLOAT32, z, 2, 2, true, 0, false, -1, 1);  /* (0, 1) */
  }
  check_red(K_LSE, WEIR_FLOAT32, z, 2, 2, false, 0, false, -1, 1); /* axis 1 has length 3: (0,) */
}

static weir_array *vec(weir_dtype t, const double *v, int64_t n) { return h_make(t, &n, 1, v); }

static void test_reduction_edges(void) {
  weir_array *a = NULL, *o = NULL;
  double r;
  /* ddof >= N: inf (or NaN for 0 / 0); negative ddof divides by N - ddof */
  const double v123[] = {1, 2, 3}, v111[] = {1, 1, 1};
  a = vec(WEIR_FLOAT32, v123, 3);
  struct { int ddof; double want; } cases[] = {{3, INFINITY}, {4, INFINITY}, {-1, 0.5}, {1, 1.0}, {0, 2.0 / 3}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (CHECK_OK(weir_var(&o, a, NULL, 0, false, cases[i].ddof, g_s)) && CHECK_OK(weir_array_item_double(o, &r)))
      CHECK_CLOSE(r, cases[i].want, 1e-6);
    weir_array_free(o);
  }
  weir_array_free(a);
  a = vec(WEIR_FLOAT32, v111, 3);
  if (CHECK_OK(weir_std(&o, a, NULL, 0, false, 3, g_s)) && CHECK_OK(weir_array_item_double(o, &r))) CHECK(isnan(r));
  weir_array_free(o);
  weir_array_free(a);
  /* large offsets: the two-pass variance stays exact where E[x^2] - E[x]^2 would not */
  const double big[] = {1e4 + 1, 1e4 + 2, 1e4 + 3};
  a = vec(WEIR_FLOAT32, big, 3);
  if (CHECK_OK(weir_var(&o, a, NULL, 0, false, 0, g_s)) && CHECK_OK(weir_array_item_double(o, &r)))
    CHECK_CLOSE(r, 2.0 / 3, 1e-6);
  weir_array_free(o);
  weir_array_free(a);

  /* logsumexp and softmax with inf / NaN rows: (rows) -inf -inf | inf 1 | inf -inf | nan 1 | 1000 1000 */
  const double sp[] = {-INFINITY, -INFINITY, INFINITY, 1, INFINITY, -INFINITY, NAN, 1, 1000, 1000};
  const double lse[] = {-INFINITY, INFINITY, INFINITY, NAN, 1000 + log(2.0)};
  const double smx[] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0.5, 0.5};
  int64_t s52[2] = {5, 2};
  static const weir_dtype fts[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT64};
  for (size_t k = 0; k < 4; k++) {
    weir_dtype t = fts[k];
    if (g_gpu && t == WEIR_FLOAT64) continue;
    double vals[10];
    for (int i = 0; i < 10; i++) vals[i] = t == WEIR_FLOAT16 && sp[i] == 1000 ? 10 : sp[i];
    double l[5], m[10];
    memcpy(l, lse, sizeof l);
    memcpy(m, smx, sizeof m);
    if (t == WEIR_FLOAT16) l[4] = 10 + log(2.0);
    a = h_make(t, s52, 2, vals);
    int ax = -1;
    if (CHECK_OK(weir_logsumexp(&o, a, &ax, 1, false, g_s))) expect_vals(o, l, 5, tol_of(t), 0, "logsumexp inf/nan");
    weir_array_free(o);
    if (CHECK_OK(weir_softmax(&o, a, &ax, 1, g_s))) {
      CHECK_SHAPE(o, 5, 2);
      CHECK(weir_array_dtype(o) == t);
      expect_vals(o, m, 10, tol_of(t), 0, "softmax inf/nan");
    }
    weir_array_free(o);
    weir_array_free(a);
  }
  /* empty reduced axis: logsumexp refuses, as max */
  int64_t z[2] = {0, 3};
  int ax0 = 0;
  CHECK_OK(weir_zeros(&a, z, 2, WEIR_FLOAT32, g_s));
  CHECK_STATUS(weir_logsumexp(&o, a, &ax0, 1, false, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("logsumexp");
  if (CHECK_OK(weir_softmax(&o, a, &ax0, 1, g_s))) CHECK_SHAPE(o, 0, 3);
  weir_array_free(o);
  weir_array_free(a);
}

static void ref_softmax(const double *v, const int64_t *s, int nd, unsigned mask, double *ref) {
  int64_t n = numel(s, nd), no = out_count(s, nd, mask);
  double *mx = alloc_d(no), *sum = alloc_d(no);
  for (int64_t o = 0; o < no; o++) mx[o] = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    int64_t o = group_of(i, s, nd, mask);
    if (v[i] > mx[o]) mx[o] = v[i];
  }
  for (int64_t i = 0; i < n; i++) sum[group_of(i, s, nd, mask)] += exp(v[i] - mx[group_of(i, s, nd, mask)]);
  for (int64_t i = 0; i < n; i++) {
    int64_t o = group_of(i, s, nd, mask);
    ref[i] = exp(v[i] - mx[o]) / sum[o];
  }
  free(mx);
  free(sum);
}

static void test_softmax(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT64, WEIR_FLOAT16, WEIR_INT32};
  for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
    weir_dtype t = ts[k];
    if (g_gpu && t == WEIR_FLOAT64) continue;
    int64_t s[3] = {h_rand_int(1, 4), h_rand_int(1, 5), h_rand_int(2, 6)}, n = numel(s, 3);
    for (unsigned mask = 0; mask < 8; mask++) {
      double *v = alloc_d(n), *ref = alloc_d(n);
      double lo = h_is_float(t) ? -50 : -5, hi = -lo;
      weir_array *a = rand_in(t, s, 3, lo, hi, v, mask % 2), *o = NULL;
      int axes[3], na = 0;
      for (int d = 0; d < 3; d++)
        if (mask >> d & 1) axes[na++] = d - 3 * (d == 2);
      if (CHECK_OK(weir_softmax(&o, a, axes, na, g_s))) {
        CHECK(h_shape_is(o, 3, s));
        weir_dtype want = h_is_float(t) ? t : WEIR_FLOAT32;
        CHECK(weir_array_dtype(o) == want);
        ref_softmax(v, s, 3, mask, ref);
        expect_vals(o, ref, n, tol_of(want), tol_of(want) * 1e-2, "softmax");
      }
      weir_array_free(o);
      weir_array_free(a);
      free(v);
      free(ref);
    }
  }
  weir_array *sc = NULL, *o = NULL;
  double r = 0;
  CHECK_OK(weir_array_from_scalar(&sc, 3.5, WEIR_FLOAT32));
  if (CHECK_OK(weir_softmax(&o, sc, NULL, 0, g_s)) && CHECK_OK(weir_array_item_double(o, &r))) CHECK_CLOSE(r, 1, 0);
  weir_array_free(o);
  weir_array_free(sc);
}

/* ---- shape ops ---- */

/* Row-major strides of s. */
static void strides_of(const int64_t *s, int nd, int64_t *st) {
  int64_t k = 1;
  for (int d = nd - 1; d >= 0; d--) st[d] = k, k *= s[d];
}

/* Checks o == a's values v (shape s) read through perm: o[idx] = a[idx mapped by perm]. */
static void expect_permuted(const weir_array *o, const double *v, const int64_t *s, int nd, const int *perm,
                            const char *what) {
  int64_t os[8], ist[8], n = numel(s, nd);
  for (int d = 0; d < nd; d++) os[d] = s[perm[d]];
  if (!CHECK_MSG(h_shape_is(o, nd, os), "%s: shape", what)) return;
  strides_of(s, nd, ist);
  double *ref = alloc_d(n);
  for (int64_t i = 0; i < n; i++) {
    int64_t rem = i, src = 0;
    for (int d = nd - 1; d >= 0; d--) {
      src += (rem % os[d]) * ist[perm[d]];
      rem /= os[d];
    }
    ref[i] = v[src];
  }
  expect_vals(o, ref, n, 0, 0, what);
  free(ref);
}

static void test_axes_ops(void) {
  int64_t s[4] = {2, 3, 4, 5}, n = 120;
  double v[120];
  weir_array *a = rand_in(WEIR_FLOAT32, s, 4, -9, 9, v, true), *o = NULL;
  /* flatten */
  struct { int b, e, nd; int64_t sh[4]; } fl[] = {{0, -1, 1, {120}}, {1, 2, 3, {2, 12, 5}}, {-5, 1, 3, {6, 4, 5}},
                                                    {2, 2, 4, {2, 3, 4, 5}}, {1, 9, 2, {2, 60}}};
  for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
    if (CHECK_OK(weir_flatten(&o, a, fl[i].b, fl[i].e, g_s))) {
      CHECK_MSG(h_shape_is(o, fl[i].nd, fl[i].sh), "flatten %d %d shape", fl[i].b, fl[i].e);
      expect_vals(o, v, n, 0, 0, "flatten");
    }
    weir_array_free(o);
  }
  CHECK_STATUS(weir_flatten(&o, a, 3, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("start_axis");
  CHECK_STATUS(weir_flatten(&o, a, 4, 5, g_s), WEIR_ERR_INVALID_ARGUMENT);
  /* swapaxes, moveaxis */
  int p1[4] = {3, 1, 2, 0}, p2[4] = {1, 2, 3, 0}, p3[4] = {3, 0, 1, 2}, id[4] = {0, 1, 2, 3}, p4[4] = {0, 2, 1, 3};
  if (CHECK_OK(weir_swapaxes(&o, a, 0, -1, g_s))) expect_permuted(o, v, s, 4, p1, "swapaxes 0 -1");
  weir_array_free(o);
  if (CHECK_OK(weir_swapaxes(&o, a, 2, 2, g_s))) expect_permuted(o, v, s, 4, id, "swapaxes 2 2");
  weir_array_free(o);
  if (CHECK_OK(weir_moveaxis(&o, a, 0, -1, g_s))) expect_permuted(o, v, s, 4, p2, "moveaxis 0 -1");
  weir_array_free(o);
  if (CHECK_OK(weir_moveaxis(&o, a, 3, 0, g_s))) expect_permuted(o, v, s, 4, p3, "moveaxis 3 0");
  weir_array_free(o);
  if (CHECK_OK(weir_moveaxis(&o, a, 1, 2, g_s))) expect_permuted(o, v, s, 4, p4, "moveaxis 1 2");
  weir_array_free(o);
  CHECK_STATUS(weir_swapaxes(&o, a, 0, 4, g_s), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("axis 4");
  CHECK_STATUS(weir_moveaxis(&o, a, -5, 0, g_s), WEIR_ERR_INDEX);
  /* expand_dims, squeeze */
  int e1[2] = {0, -1}, e2[2] = {1, 1}, e3[1] = {6};
  if (CHECK_OK(weir_expand_dims(&o, a, e1, 2, g_s))) {
    CHECK_SHAPE(o, 1, 2, 3, 4, 5, 1);
    expect_vals(o, v, n, 0, 0, "expand_dims");
    weir_array *q = NULL;
    int sq[2] = {-1, 0}, bad[1] = {1};
    if (CHECK_OK(weir_squeeze(&q, o, sq, 2, g_s))) CHECK_SHAPE(q, 2, 3, 4, 5);
    weir_array_free(q);
    if (CHECK_OK(weir_squeeze(&q, o, NULL, 0, g_s))) CHECK_SHAPE(q, 2, 3, 4, 5);
    weir_array_free(q);
    if (CHECK_OK(weir_squeeze(&q, o, bad, 0, g_s))) CHECK_SHAPE(q, 1, 2, 3, 4, 5, 1);
    weir_array_free(q);
    CHECK_STATUS(weir_squeeze(&q, o, bad, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS("axis 1");
    CHECK_STATUS(weir_squeeze(&q, o, e3, 1, g_s), WEIR_ERR_INDEX);
    CHECK_STATUS(weir_squeeze(&q, o, sq, -1, g_s), WEIR_ERR_INVALID_ARGUMENT);
    int dup[2] = {0, -6};
    CHECK_STATUS(weir_squeeze(&q, o, dup, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  }
  weir_array_free(o);
  CHECK_STATUS(weir_expand_dims(&o, a, e2, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("repeated");
  CHECK_STATUS(weir_expand_dims(&o, a, e3, 1, g_s), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_expand_dims(&o, a, NULL, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  weir_array *sc = NULL;
  CHECK_OK(weir_array_from_scalar(&sc, 2, WEIR_INT32));
  if (CHECK_OK(weir_flatten(&o, sc, 0, -1, g_s))) CHECK_SHAPE(o, 1);
  weir_array_free(o);
  if (CHECK_OK(weir_squeeze(&o, sc, NULL, 0, g_s))) CHECK_EQ_INT(weir_array_ndim(o), 0);
  weir_array_free(o);
  if (CHECK_OK(weir_expand_dims(&o, sc, e1, 2, g_s))) CHECK_SHAPE(o, 1, 1);
  weir_array_free(o);
  CHECK_STATUS(weir_swapaxes(&o, sc, 0, 0, g_s), WEIR_ERR_INDEX);
  weir_array_free(sc);
  weir_array_free(a);
}

/* Reference of broadcasting v (shape s) to shape t. */
static void ref_broadcast(const double *v, const int64_t *s, int nd, const int64_t *t, int tnd, double *ref) {
  int64_t st[8], n = numel(t, tnd);
  strides_of(s, nd, st);
  for (int64_t i = 0; i < n; i++) {
    int64_t rem = i, src = 0;
    for (int d = tnd - 1; d >= 0; d--) {
      int64_t c = rem % t[d];
      rem /= t[d];
      int ds = d - (tnd - nd);
      if (ds >= 0 && s[ds] != 1) src += c * st[ds];
    }
    ref[i] = v[src];
  }
}

static void test_broadcast_tile_repeat(void) {
  int64_t s[2] = {3, 1}, t1[3] = {2, 3, 4}, t2[3] = {2, 3, 1}, t3[2] = {3, 0}, bad[2] = {2, 4};
  double v[3], ref[128];
  weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT8, WEIR_BOOL, WEIR_FLOAT16};
  for (int k = 0; k < 4; k++) {
    weir_array *a = h_rand_array(ts[k], s, 2, -5, 5, v), *o = NULL;
    if (CHECK_OK(weir_broadcast_to(&o, a, t1, 3, g_s))) {
      CHECK(h_shape_is(o, 3, t1) && weir_array_dtype(o) == ts[k]);
      ref_broadcast(v, s, 2, t1, 3, ref);
      expect_vals(o, ref, 24, 0, 0, "broadcast_to");
    }
    weir_array_free(o);
    if (CHECK_OK(weir_broadcast_to(&o, a, t2, 3, g_s))) CHECK(h_shape_is(o, 3, t2));
    weir_array_free(o);
    if (CHECK_OK(weir_broadcast_to(&o, a, t3, 2, g_s))) CHECK(h_shape_is(o, 2, t3));
    weir_array_free(o);
    if (CHECK_OK(weir_broadcast_to(&o, a, s, 2, g_s))) CHECK(o == a); /* the same shape: a itself */
    weir_array_free(o);
    CHECK_STATUS(weir_broadcast_to(&o, a, bad, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS("(3, 1)");
    CHECK_STATUS(weir_broadcast_to(&o, a, t1, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
    int64_t neg[2] = {-3, 1};
    CHECK_STATUS(weir_broadcast_to(&o, a, neg, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(weir_broadcast_to(&o, a, NULL, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
    weir_array_free(a);
  }
  /* a transposed (strided) input, broadcast along a new leading axis */
  int64_t s2[2] = {3, 4}, t4[3] = {2, 3, 4};
  double v2[12];
  weir_array *a = rand_in(WEIR_FLOAT32, s2, 2, -1, 1, v2, true), *o = NULL;
  if (CHECK_OK(weir_broadcast_to(&o, a, t4, 3, g_s))) {
    ref_broadcast(v2, s2, 2, t4, 3, ref);
    expect_vals(o, ref, 24, 0, 0, "broadcast_to strided");
  }
  weir_array_free(o);
  /* tile: (3, 4) by reps (2,), (2, 1, 3), (0, 1) */
  struct { int nr; int64_t r[3]; int nd; int64_t sh[3]; } tc[] = {
      {1, {2}, 2, {3, 8}}, {3, {2, 1, 3}, 3, {2, 3, 12}}, {2, {0, 1}, 2, {0, 4}}, {0, {0}, 2, {3, 4}}};
  for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
    if (!CHECK_OK(weir_tile(&o, a, tc[i].r, tc[i].nr, g_s))) continue;
    CHECK_MSG(h_shape_is(o, tc[i].nd, tc[i].sh), "tile case %zu shape", i);
    int64_t m = numel(tc[i].sh, tc[i].nd);
    for (int64_t j = 0; j < m; j++) { /* out[.., i, j] = a[i % 3, j % 4] */
      int64_t c = j % tc[i].sh[tc[i].nd - 1], r = (j / tc[i].sh[tc[i].nd - 1]) % tc[i].sh[tc[i].nd - 2];
      ref[j] = v2[(r % 3) * 4 + c % 4];
    }
    expect_vals(o, ref, m, 0, 0, "tile");
    weir_array_free(o);
  }
  int64_t negr[1] = {-1};
  CHECK_STATUS(weir_tile(&o, a, negr, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("reps[0]");
  CHECK_STATUS(weir_tile(&o, a, NULL, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  /* repeat: along 0, along -1, flattened, zero times */
  if (CHECK_OK(weir_repeat(&o, a, 2, 0, false, g_s))) {
    CHECK_SHAPE(o, 6, 4);
    for (int j = 0; j < 24; j++) ref[j] = v2[(j / 4) / 2 * 4 + j % 4];
    expect_vals(o, ref, 24, 0, 0, "repeat axis 0");
  }
  weir_array_free(o);
  if (CHECK_OK(weir_repeat(&o, a, 3, -1, false, g_s))) {
    CHECK_SHAPE(o, 3, 12);
    for (int j = 0; j < 36; j++) ref[j] = v2[(j / 12) * 4 + (j % 12) / 3];
    expect_vals(o, ref, 36, 0, 0, "repeat axis -1");
  }
  weir_array_free(o);
  if (CHECK_OK(weir_repeat(&o, a, 2, 99, true, g_s))) {
    CHECK_SHAPE(o, 24);
    for (int j = 0; j < 24; j++) ref[j] = v2[j / 2];
    expect_vals(o, ref, 24, 0, 0, "repeat flattened");
  }
  weir_array_free(o);
  if (CHECK_OK(weir_repeat(&o, a, 0, 1, false, g_s))) CHECK_SHAPE(o, 3, 0);
  weir_array_free(o);
  CHECK_STATUS(weir_repeat(&o, a, -1, 0, false, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("repeats");
  CHECK_STATUS(weir_repeat(&o, a, 2, 2, false, g_s), WEIR_ERR_INDEX);
  weir_array_free(a);
}

static void test_clip(void) {
  int64_t s[2] = {4, 5};
  double v[20], lo[5], hi[1] = {1.5}, ref[20];
  weir_array *a = rand_in(WEIR_FLOAT32, s, 2, -3, 3, v, true), *o = NULL;
  v[3] = NAN;
  weir_array_free(a);
  a = h_make(WEIR_FLOAT32, s, 2, v);
  int64_t five = 5, one = 1;
  for (int i = 0; i < 5; i++) lo[i] = -2 + 0.5 * i;
  weir_array *l = h_make(WEIR_FLOAT32, &five, 1, lo), *h = h_make(WEIR_FLOAT32, &one, 1, hi);
  for (int mode = 0; mode < 3; mode++) {
    if (!CHECK_OK(weir_clip(&o, a, mode == 2 ? NULL : l, mode == 1 ? NULL : h, g_s))) continue;
    for (int i = 0; i < 20; i++) {
      double x = v[i];
      if (mode != 2 && x < lo[i % 5]) x = lo[i % 5];
      if (mode != 1 && x > hi[0]) x = hi[0];
      ref[i] = x;
    }
    expect_vals(o, ref, 20, 0, 0, "clip");
    weir_array_free(o);
  }
  CHECK_STATUS(weir_clip(&o, a, NULL, NULL, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("a_min");
  weir_array_free(l);
  weir_array_free(h);
  weir_array_free(a);
}

static void test_eye_linspace_tri(void) {
  weir_array *o = NULL;
  double ref[64];
  struct { int64_t n, m, k; weir_dtype t; } ec[] = {{3, 3, 0, WEIR_FLOAT32}, {2, 4, 1, WEIR_INT32},
                                                    {4, 2, -1, WEIR_BOOL},   {2, 3, -5, WEIR_FLOAT16},
                                                    {0, 3, 0, WEIR_FLOAT32}, {3, 3, 2, WEIR_UINT8}};
  for (size_t i = 0; i < sizeof ec / sizeof ec[0]; i++) {
    if (!CHECK_OK(weir_eye(&o, ec[i].n, ec[i].m, ec[i].k, ec[i].t, g_s))) continue;
    CHECK(weir_array_dtype(o) == ec[i].t);
    int64_t sh[2] = {ec[i].n, ec[i].m};
    CHECK(h_shape_is(o, 2, sh));
    for (int64_t j = 0; j < ec[i].n * ec[i].m; j++) ref[j] = j % ec[i].m == j / ec[i].m + ec[i].k;
    expect_vals(o, ref, ec[i].n * ec[i].m, 0, 0, "eye");
    weir_array_free(o);
  }
  CHECK_STATUS(weir_eye(&o, -1, 2, 0, WEIR_FLOAT32, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_eye(&o, 2, 2, 0, (weir_dtype)99, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_eye(NULL, 2, 2, 0, WEIR_FLOAT32, g_s), WEIR_ERR_INVALID_ARGUMENT);
  /* linspace */
  struct { double a, b; int64_t n; bool ep; weir_dtype t; } lc[] = {
      {0, 1, 5, true, WEIR_FLOAT32},   {0.1, 0.7, 7, true, WEIR_FLOAT32}, {1, 0, 3, true, WEIR_FLOAT32},
      {0, 1, 4, false, WEIR_FLOAT32},  {-5, 5, 7, true, WEIR_INT32},      {2, 3, 1, true, WEIR_FLOAT32},
      {0, 1, 0, true, WEIR_FLOAT32},   {0, 1, 3, true, WEIR_FLOAT64},     {-3, 7, 11, true, WEIR_FLOAT16}};
  for (size_t i = 0; i < sizeof lc / sizeof lc[0]; i++) {
    if (g_gpu && lc[i].t == WEIR_FLOAT64) continue;
    if (!CHECK_OK(weir_linspace(&o, lc[i].a, lc[i].b, lc[i].n, lc[i].ep, lc[i].t, g_s))) continue;
    CHECK(weir_array_dtype(o) == lc[i].t);
    CHECK(h_shape_is(o, 1, &lc[i].n));
    double den = (double)(lc[i].ep ? lc[i].n - 1 : lc[i].n);
    for (int64_t j = 0; j < lc[i].n; j++) {
      double x = lc[i].n == 1 ? lc[i].a : lc[i].a + (lc[i].b - lc[i].a) * (double)j / den;
      ref[j] = lc[i].t == WEIR_INT32 ? trunc(x) : x;
    }
    if (lc[i].ep && lc[i].n > 1) ref[lc[i].n - 1] = lc[i].b; /* exactly */
    expect_vals(o, ref, lc[i].n, lc[i].t == WEIR_INT32 ? 0 : tol_of(lc[i].t), 1e-6, "linspace");
    weir_array_free(o);
  }
  CHECK_STATUS(weir_linspace(&o, 0, 1, -1, true, WEIR_FLOAT32, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("num");
  /* tril / triu on a batch of 2 x (3, 4) with inf and NaN everywhere */
  int64_t s[3] = {2, 3, 4};
  double v[24];
  for (int i = 0; i < 24; i++) v[i] = i % 5 == 0 ? INFINITY : i % 7 == 0 ? NAN : i - 10;
  weir_dtype tt[] = {WEIR_FLOAT32, WEIR_INT32, WEIR_BOOL};
  for (int q = 0; q < 3; q++) {
    double w[24];
    for (int i = 0; i < 24; i++) w[i] = tt[q] == WEIR_FLOAT32 ? v[i] : tt[q] == WEIR_BOOL ? i % 3 != 0 : i - 10;
    weir_array *a = h_make(tt[q], s, 3, w);
    for (int64_t k = -4; k <= 5; k += 3)
      for (int lower = 0; lower < 2; lower++) {
        weir_status st = lower ? weir_tril(&o, a, k, g_s) : weir_triu(&o, a, k, g_s);
        if (!CHECK_OK(st)) continue;
        CHECK(h_shape_is(o, 3, s) && weir_array_dtype(o) == tt[q]);
        for (int i = 0; i < 24; i++) {
          int64_t r = (i / 4) % 3, c = i % 4;
          bool keep = lower ? c <= r + k : c >= r + k;
          ref[i] = keep ? w[i] : 0;
        }
        expect_vals(o, ref, 24, 0, 0, lower ? "tril" : "triu");
        weir_array_free(o);
      }
    weir_array_free(a);
  }
  int64_t one = 3;
  double d3[3] = {1, 2, 3};
  weir_array *a1 = h_make(WEIR_FLOAT32, &one, 1, d3);
  CHECK_STATUS(weir_tril(&o, a1, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("2 dimensions");
  CHECK_STATUS(weir_triu(&o, NULL, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(a1);
}

/* NULL out / a and bad axes of every function: a clear error, nothing built. */
static void test_null_and_axes_errors(void) {
  int64_t s[2] = {2, 3};
  weir_array *a = NULL, *o = NULL;
  CHECK_OK(weir_ones(&a, s, 2, WEIR_FLOAT32, g_s));
  int ax3 = 3, dup[2] = {0, -2};
  for (int kind = K_VAR; kind <= K_LSE; kind++) {
    CHECK_STATUS(call_red(kind, NULL, a, NULL, 0, false, 0), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS("out");
    CHECK_STATUS(call_red(kind, &o, NULL, NULL, 0, false, 0), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS("'a'");
    CHECK_STATUS(call_red(kind, &o, a, &ax3, 1, false, 0), WEIR_ERR_INDEX);
    CHECK_ERR_MENTIONS("axis 3");
    CHECK_STATUS(call_red(kind, &o, a, dup, 2, false, 0), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS(KNAME[kind]);
    CHECK_STATUS(call_red(kind, &o, a, NULL, 2, false, 0), WEIR_ERR_INVALID_ARGUMENT);
  }
  CHECK_STATUS(weir_softmax(NULL, a, NULL, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_softmax(&o, NULL, NULL, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_softmax(&o, a, &ax3, 1, g_s), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("softmax");
  CHECK_STATUS(weir_flatten(NULL, a, 0, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_flatten(&o, NULL, 0, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_swapaxes(NULL, a, 0, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_swapaxes(&o, NULL, 0, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_moveaxis(NULL, a, 0, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_moveaxis(&o, NULL, 0, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_expand_dims(NULL, a, &ax3, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_expand_dims(&o, NULL, &ax3, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_squeeze(NULL, a, NULL, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_squeeze(&o, NULL, NULL, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_broadcast_to(NULL, a, s, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_broadcast_to(&o, NULL, s, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_clip(NULL, a, a, a, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_clip(&o, NULL, a, a, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tile(NULL, a, s, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tile(&o, NULL, s, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_repeat(NULL, a, 2, 0, false, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_repeat(&o, NULL, 2, 0, false, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_linspace(NULL, 0, 1, 3, true, WEIR_FLOAT32, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tril(NULL, a, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_triu(&o, NULL, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_outer(NULL, a, a, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_inner(&o, NULL, a, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tensordot(NULL, a, a, NULL, NULL, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  /* integer contractions go through matmul, which takes floating dtypes only (as MLX) */
  weir_array *i32 = NULL;
  CHECK_OK(weir_astype(&i32, a, WEIR_INT32, g_s));
  CHECK_STATUS(weir_tensordot(&o, i32, i32, (const int[]){1}, (const int[]){1}, 1, g_s), WEIR_ERR_UNSUPPORTED);
  weir_array_free(i32);
  weir_array_free(a);
}

static void run_all(void) {
  H_RUN(test_reductions);
  H_RUN(test_reduction_edges);
  H_RUN(test_softmax);
  H_RUN(test_axes_ops);
  H_RUN(test_broadcast_tile_repeat);
  H_RUN(test_clip);
  H_RUN(test_eye_linspace_tri);
  H_RUN(test_null_and_axes_errors);
}

int main(void) { return composite_main("test_ops_composite", run_all); }
