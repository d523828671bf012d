/* Creation and shape ops: from_data/from_scalar round trips, zeros/ones/full/arange, reshape
   (with -1, of transposed arrays), transpose (default and given perm, then an op on the result),
   slice (random starts/stops/steps against index arithmetic, of transposed and broadcast results,
   chained, errors), copy (also to another stream), item_double/item_int64, allclose/array_equal,
   array queries. */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE

static const weir_dtype ALL[] = {WEIR_BOOL,  WEIR_UINT8, WEIR_UINT16, WEIR_UINT32,  WEIR_UINT64,
                                 WEIR_INT8,  WEIR_INT16, WEIR_INT32,  WEIR_INT64,   WEIR_FLOAT16,
                                 WEIR_BFLOAT16, WEIR_FLOAT32, WEIR_FLOAT64};
#define NALL 13

static void test_from_data_roundtrip(void) {
  for (int k = 0; k < NALL; k++) {
    weir_dtype t = ALL[k];
    int64_t shape[3] = {h_rand_int(1, 4), h_rand_int(1, 5), h_rand_int(1, 6)}, n = shape[0] * shape[1] * shape[2];
    double v[120], got[120];
    weir_array *a = h_rand_array(t, shape, 3, h_is_unsigned(t) ? 0 : -100, 100, v);
    if (!a) continue;
    CHECK_EQ_INT(weir_array_ndim(a), 3);
    CHECK(h_shape_is(a, 3, shape));
    CHECK_EQ_INT(weir_array_size(a), n);
    CHECK_EQ_U64(weir_array_nbytes(a), (uint64_t)n * weir_dtype_size(t));
    CHECK_EQ_INT(weir_array_dtype(a), t);
    CHECK(weir_array_stream(a).index > 0);
    if (CHECK_OK(h_read(a, got)))
      for (int64_t i = 0; i < n; i++) CHECK_MSG(got[i] == v[i], "%s at %lld", weir_dtype_name(t), (long long)i);
    weir_array_free(a);
  }
  /* exact 64-bit integers */
  int64_t big[3] = {((int64_t)1 << 62) + 1, INT64_MIN, -3};
  uint64_t ubig[2] = {((uint64_t)1 << 63) + 5, UINT64_MAX};
  weir_array *a = NULL, *u = NULL;
  CHECK_OK(weir_array_from_data(&a, big, (const int64_t[]){3}, 1, WEIR_INT64));
  CHECK_OK(weir_array_from_data(&u, ubig, (const int64_t[]){2}, 1, WEIR_UINT64));
  const void *p = NULL;
  if (CHECK_OK(weir_array_data(a, &p))) CHECK(memcmp(p, big, sizeof big) == 0);
  if (CHECK_OK(weir_array_data(u, &p))) CHECK(memcmp(p, ubig, sizeof ubig) == 0);
  weir_array_free(a);
  weir_array_free(u);
  /* the data is copied: changing the source afterwards changes nothing */
  float src[4] = {1, 2, 3, 4};
  CHECK_OK(weir_array_from_data(&a, src, (const int64_t[]){2, 2}, 2, WEIR_FLOAT32));
  src[0] = 99;
  double got[4];
  if (CHECK_OK(h_read(a, got))) CHECK_CLOSE(got[0], 1, 0);
  weir_array_free(a);
  /* 0-d from_data with shape NULL, and from_scalar in every dtype */
  double d = 7;
  CHECK_OK(weir_array_from_data(&a, &d, NULL, 0, WEIR_FLOAT64));
  CHECK_EQ_INT(weir_array_ndim(a), 0);
  CHECK_EQ_INT(weir_array_size(a), 1);
  weir_array_free(a);
  for (int k = 0; k < NALL; k++) {
    weir_array *s = NULL;
    double want = ALL[k] == WEIR_BOOL ? 1 : 3;
    if (!CHECK_OK(weir_array_from_scalar(&s, 3.0, ALL[k]))) continue;
    CHECK_EQ_INT(weir_array_ndim(s), 0);
    CHECK_EQ_INT(weir_array_dtype(s), ALL[k]);
    double x = -1;
    int64_t i = -1;
    CHECK_OK(weir_array_item_double(s, &x));
    CHECK_OK(weir_array_item_int64(s, &i));
    CHECK_CLOSE(x, want, 0);
    CHECK_EQ_INT(i, (int64_t)want);
    weir_array_free(s);
  }
  CHECK_OK(weir_array_from_scalar(&a, 2.75, WEIR_INT32)); /* truncates toward zero */
  int64_t iv = 0;
  CHECK_OK(weir_array_item_int64(a, &iv));
  CHECK_EQ_INT(iv, 2);
  weir_array_free(a);
  CHECK_OK(weir_array_from_data(&a, big, (const int64_t[]){1}, 1, WEIR_INT64));
  CHECK_OK(weir_array_item_int64(a, &iv));
  CHECK_EQ_INT(iv, ((int64_t)1 << 62) + 1); /* item_int64 is exact beyond 2^53 */
  weir_array_free(a);
  CHECK_OK(weir_ones(&a, (const int64_t[]){1, 1, 1}, 3, WEIR_FLOAT16, weir_on(CPU)));
  double x = 0;
  CHECK_OK(weir_array_item_double(a, &x)); /* size 1, not 0-d */
  CHECK_CLOSE(x, 1, 0);
  weir_array_free(a);
}

static void test_creation(void) {
  int64_t shape[2] = {3, 5};
  for (int k = 0; k < NALL; k++) {
    weir_dtype t = ALL[k];
    weir_array *z = NULL, *o = NULL, *f = NULL;
    double got[15];
    double fv = t == WEIR_BOOL ? 1 : h_is_float(t) ? 2.5 : 42;
    CHECK_OK(weir_zeros(&z, shape, 2, t, weir_on(CPU)));
    CHECK_OK(weir_ones(&o, shape, 2, t, weir_on(CPU)));
    CHECK_OK(weir_full(&f, shape, 2, fv, t, weir_on(CPU)));
    if (z && CHECK_OK(h_read(z, got))) CHECK_MSG(got[0] == 0 && got[14] == 0, "zeros %s", weir_dtype_name(t));
    if (o && CHECK_OK(h_read(o, got))) CHECK_MSG(got[0] == 1 && got[14] == 1, "ones %s", weir_dtype_name(t));
    if (f && CHECK_OK(h_read(f, got))) CHECK_MSG(got[7] == fv, "full %s: %g", weir_dtype_name(t), got[7]);
    CHECK(z && weir_array_dtype(z) == t && h_shape_is(z, 2, shape));
    weir_array_free(z);
    weir_array_free(o);
    weir_array_free(f);
  }
  weir_array *f = NULL;
  CHECK_OK(weir_full(&f, NULL, 0, -2.9, WEIR_INT8, weir_on(CPU)));
  int64_t iv = 0;
  CHECK_OK(weir_array_item_int64(f, &iv));
  CHECK_EQ_INT(iv, -2);
  weir_array_free(f);
  CHECK_OK(weir_full(&f, (const int64_t[]){4}, 1, 0.1, WEIR_FLOAT16, weir_on(CPU)));
  double got[4];
  if (CHECK_OK(h_read(f, got))) CHECK_CLOSE(got[3], h_round_f16(0.1), 0);
  weir_array_free(f);
  CHECK_OK(weir_zeros(&f, (const int64_t[]){0, 4}, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_EQ_INT(weir_array_size(f), 0);
  CHECK_OK(weir_eval(&f, 1));
  weir_array_free(f);
}

static void check_arange(double start, double stop, double step, weir_dtype t, int64_t want_n) {
  weir_array *a = NULL;
  if (!CHECK_OK(weir_arange(&a, start, stop, step, t, weir_on(CPU)))) return;
  CHECK_MSG(weir_array_ndim(a) == 1 && weir_array_shape(a)[0] == want_n, "arange(%g, %g, %g): length %lld, want %lld",
            start, stop, step, (long long)weir_array_shape(a)[0], (long long)want_n);
  CHECK_EQ_INT(weir_array_dtype(a), t);
  int64_t n = weir_array_size(a);
  double *got = malloc(sizeof(double) * (size_t)(n + 1));
  int bad = 0;
  if (CHECK_OK(h_read(a, got)))
    for (int64_t i = 0; i < n; i++) {
      double ref = start + (double)i * step;
      ref = h_is_float(t) ? h_round_to(t, ref) : trunc(ref);
      if (got[i] != ref && bad++ < 3)
        CHECK_MSG(false, "arange(%g, %g, %g, %s)[%lld] = %.9g, want %.9g", start, stop, step, weir_dtype_name(t),
                  (long long)i, got[i], ref);
    }
  free(got);
  weir_array_free(a);
}

static void test_arange(void) {
  check_arange(0, 10, 1, WEIR_INT32, 10);
  check_arange(0, 10, 3, WEIR_INT64, 4);
  check_arange(0, 1, 0.1, WEIR_FLOAT32, 10);
  check_arange(10, 0, -2.5, WEIR_FLOAT32, 4);
  check_arange(5, 5, 1, WEIR_FLOAT32, 0);
  check_arange(5, 2, 1, WEIR_INT32, 0);
  check_arange(-3, 3, 0.5, WEIR_FLOAT16, 12);
  check_arange(0, 1000000, 1, WEIR_FLOAT32, 1000000);
  check_arange(1, 2, 0.25, WEIR_FLOAT64, 4);
  check_arange(0, 250, 7, WEIR_UINT8, 36);
  weir_array *a = NULL;
  CHECK_STATUS(weir_arange(&a, 0, 3, 0, WEIR_FLOAT32, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK(weir_arange(&a, 0, INFINITY, 1, WEIR_FLOAT32, weir_on(CPU)) != WEIR_OK);
  CHECK(weir_arange(&a, NAN, 3, 1, WEIR_FLOAT32, weir_on(CPU)) != WEIR_OK);
  CHECK(a == NULL);
}

/* Values of a (shape s, 3-D) in the order of transpose(a, perm). */
static void transpose_ref(const double *v, const int64_t *s, const int *perm, double *out) {
  int64_t ts[3] = {s[perm[0]], s[perm[1]], s[perm[2]]}, st[3] = {s[1] * s[2], s[2], 1};
  int64_t o = 0;
  for (int64_t i = 0; i < ts[0]; i++)
    for (int64_t j = 0; j < ts[1]; j++)
      for (int64_t k = 0; k < ts[2]; k++) out[o++] = v[i * st[perm[0]] + j * st[perm[1]] + k * st[perm[2]]];
}

static void test_transpose(void) {
  int64_t s[3] = {h_rand_int(2, 5), h_rand_int(2, 5), h_rand_int(2, 5)};
  int64_t n = s[0] * s[1] * s[2];
  double v[125], ref[125], got[125], w[125];
  weir_array *a = h_rand_array(WEIR_FLOAT32, s, 3, -10, 10, v);
  static const int perms[][3] = {{2, 1, 0}, {1, 0, 2}, {2, 0, 1}, {0, 2, 1}, {1, 2, 0}, {0, 1, 2}};
  for (int p = 0; p < 6; p++) {
    weir_array *t = NULL, *other = NULL, *sum = NULL;
    bool dflt = p == 0;
    if (!CHECK_OK(weir_transpose(&t, a, dflt ? NULL : perms[p], dflt ? 0 : 3, weir_on(CPU)))) continue;
    int64_t ts[3] = {s[perms[p][0]], s[perms[p][1]], s[perms[p][2]]};
    CHECK(h_shape_is(t, 3, ts));
    transpose_ref(v, s, perms[p], ref);
    if (CHECK_OK(h_read(t, got)))
      for (int64_t i = 0; i < n; i++) CHECK_MSG(got[i] == ref[i], "transpose perm %d at %lld", p, (long long)i);
    /* an op on the transposed result, with a contiguous operand of the same shape */
    other = h_rand_array(WEIR_FLOAT32, ts, 3, -10, 10, w);
    if (CHECK_OK(weir_multiply(&sum, t, other, weir_on(CPU))) && CHECK_OK(h_read(sum, got)))
      for (int64_t i = 0; i < n; i++)
        CHECK_MSG(got[i] == h_round_f32(ref[i] * w[i]), "op on transpose perm %d at %lld", p, (long long)i);
    weir_array_free(t);
    weir_array_free(other);
    weir_array_free(sum);
  }
  /* transpose twice is the identity; 1-D and 0-d transposes are no-ops */
  weir_array *t1 = NULL, *t2 = NULL;
  CHECK_OK(weir_transpose(&t1, a, (const int[]){1, 2, 0}, 3, weir_on(CPU)));
  CHECK_OK(weir_transpose(&t2, t1, (const int[]){2, 0, 1}, 3, weir_on(CPU)));
  bool eq = false;
  CHECK_OK(weir_array_equal(&eq, t2, a));
  CHECK(eq);
  weir_array_free(t1);
  weir_array_free(t2);
  weir_array *v1 = NULL, *sc = NULL, *o = NULL;
  CHECK_OK(weir_arange(&v1, 0, 5, 1, WEIR_INT32, weir_on(CPU)));
  if (CHECK_OK(weir_transpose(&o, v1, NULL, 0, weir_on(CPU)))) CHECK_SHAPE(o, 5);
  weir_array_free(o);
  o = NULL;
  CHECK_OK(weir_array_from_scalar(&sc, 4, WEIR_INT32));
  if (CHECK_OK(weir_transpose(&o, sc, NULL, 0, weir_on(CPU)))) CHECK_EQ_INT(weir_array_ndim(o), 0);
  weir_array_free(o);
  weir_array_free(v1);
  weir_array_free(sc);
  weir_array_free(a);
}

static void test_reshape(void) {
  int64_t s[3] = {2, 3, 4};
  double v[24], got[24];
  weir_array *a = h_rand_array(WEIR_INT32, s, 3, -1000, 1000, v);
  struct {
    int nd;
    int64_t in[3], out[3];
  } cases[] = {{2, {4, -1}, {4, 6}}, {1, {-1}, {24}}, {3, {2, -1, 3}, {2, 4, 3}}, {3, {1, 24, 1}, {1, 24, 1}},
               {2, {-1, 1}, {24, 1}}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    weir_array *r = NULL;
    if (!CHECK_OK(weir_reshape(&r, a, cases[c].in, cases[c].nd, weir_on(CPU)))) continue;
    CHECK_MSG(h_shape_is(r, cases[c].nd, cases[c].out), "reshape case %zu shape", c);
    if (CHECK_OK(h_read(r, got)))
      for (int i = 0; i < 24; i++) CHECK_CLOSE(got[i], v[i], 0);
    weir_array_free(r);
  }
  /* reshape of a transposed array follows the transposed (logical) order */
  weir_array *t = NULL, *r = NULL;
  double ref[24];
  int perm[3] = {2, 0, 1};
  CHECK_OK(weir_transpose(&t, a, perm, 3, weir_on(CPU)));
  transpose_ref(v, s, perm, ref);
  if (CHECK_OK(weir_reshape(&r, t, (const int64_t[]){-1}, 1, weir_on(CPU))) && CHECK_OK(h_read(r, got)))
    for (int i = 0; i < 24; i++) CHECK_MSG(got[i] == ref[i], "reshape(transpose) at %d: %g vs %g", i, got[i], ref[i]);
  weir_array_free(r);
  weir_array_free(t);
  /* size-1 to 0-d and back */
  weir_array *one = NULL, *z = NULL, *back = NULL;
  CHECK_OK(weir_ones(&one, (const int64_t[]){1, 1}, 2, WEIR_FLOAT32, weir_on(CPU)));
  if (CHECK_OK(weir_reshape(&z, one, NULL, 0, weir_on(CPU)))) CHECK_EQ_INT(weir_array_ndim(z), 0);
  if (z && CHECK_OK(weir_reshape(&back, z, (const int64_t[]){-1}, 1, weir_on(CPU)))) CHECK_SHAPE(back, 1);
  weir_array_free(one);
  weir_array_free(z);
  weir_array_free(back);
  /* errors */
  weir_array *bad = NULL;
  CHECK_STATUS(weir_reshape(&bad, a, (const int64_t[]){5, -1}, 2, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_reshape(&bad, a, (const int64_t[]){-1, -1}, 2, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_reshape(&bad, a, (const int64_t[]){25}, 1, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_reshape(&bad, a, (const int64_t[]){-2, -12}, 2, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  weir_array_free(a);
}

/* ---- slice ---- */

/* The indices a Python slice takes from an axis of length n, in order, found by testing every
   index (no clamping arithmetic): step > 0 takes i >= start' and i < stop' with (i - start') a
   multiple of step, start' = max(start, 0); step < 0 takes i <= start' and i > stop' downwards,
   start' = min(start, n - 1); negative start/stop first count from the end. Returns the count. */
static int64_t slice_axis_ref(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *idx) {
  int64_t b = start < 0 ? start + n : start, e = stop < 0 ? stop + n : stop, m = 0;
  if (step > 0) {
    if (b < 0) b = 0;
    for (int64_t i = 0; i < n; i++)
      if (i >= b && i < e && (i - b) % step == 0) idx[m++] = i;
  } else {
    if (b > n - 1) b = n - 1;
    for (int64_t i = n - 1; i >= 0; i--)
      if (i <= b && i > e && (b - i) % step == 0) idx[m++] = i;
  }
  return m;
}

#define SL_MAXN 8 /* largest axis length in the random cases */

/* v (row-major, shape s) sliced: the result's shape to os, its values to out; returns its size. */
static int64_t slice_ref(const double *v, const int64_t *s, int nd, const int64_t *start, const int64_t *stop,
                         const int64_t *step, int64_t *os, double *out) {
  int64_t idx[WEIR_MAX_NDIM][SL_MAXN * 8], st[WEIR_MAX_NDIM], n = 1;
  for (int d = nd - 1, k = 1; d >= 0; d--) {
    st[d] = k;
    k *= (int)s[d];
  }
  for (int d = 0; d < nd; d++) n *= os[d] = slice_axis_ref(s[d], start[d], stop[d], step[d], idx[d]);
  for (int64_t o = 0; o < n; o++) {
    int64_t r = o, src = 0;
    for (int d = nd - 1; d >= 0; d--) {
      src += idx[d][r % os[d]] * st[d];
      r /= os[d];
    }
    out[o] = v[src];
  }
  return n;
}

/* A random start or stop for an axis of length n: in range, negative, past either end, or an extreme. */
static int64_t rand_bound(int64_t n) {
  switch (h_rand_int(0, 9)) {
  case 0: return INT64_MIN;
  case 1: return INT64_MAX;
  case 2: return h_rand_int(-n - 5, -n - 1);
  case 3: return h_rand_int(n, n + 5);
  default: return h_rand_int(-n, n);
  }
}
static int64_t rand_step(int64_t n) {
  switch (h_rand_int(0, 11)) {
  case 0: return INT64_MIN;
  case 1: return INT64_MAX;
  case 2: return h_rand_int(n + 1, n + 4);
  case 3: return -h_rand_int(n + 1, n + 4);
  case 4:
  case 5: return -1;
  case 6:
  case 7: return 1;
  default: return h_rand_int(0, 1) ? h_rand_int(1, 3) : -h_rand_int(1, 3);
  }
}

static void rand_slice(const int64_t *s, int nd, int64_t *start, int64_t *stop, int64_t *step) {
  for (int d = 0; d < nd; d++) {
    bool full = h_rand_int(0, 5) == 0; /* a[::step] */
    step[d] = rand_step(s[d]);
    start[d] = full ? (step[d] > 0 ? 0 : INT64_MAX) : rand_bound(s[d]);
    stop[d] = full ? (step[d] > 0 ? INT64_MAX : INT64_MIN) : rand_bound(s[d]);
  }
}

static void fmt_slice(char *buf, size_t n, int nd, const int64_t *start, const int64_t *stop, const int64_t *step) {
  size_t u = (size_t)snprintf(buf, n, "[");
  for (int d = 0; d < nd && u < n; d++)
    u += (size_t)snprintf(buf + u, n - u, "%s%lld:%lld:%lld", d ? ", " : "", (long long)start[d], (long long)stop[d],
                          (long long)step[d]);
  if (u < n) snprintf(buf + u, n - u, "]");
}

/* x (values v, shape s) sliced on the CPU against slice_ref; the result goes to *keep (when
   given) with its values in kv and shape in ks. */
static void check_slice(weir_array *x, const double *v, const int64_t *s, int nd, const int64_t *start,
                        const int64_t *stop, const int64_t *step, const char *what, weir_array **keep, double *kv,
                        int64_t *ks) {
  double ref[4096], got[4096];
  int64_t os[WEIR_MAX_NDIM];
  char desc[400];
  fmt_slice(desc, sizeof desc, nd, start, stop, step);
  int64_t n = slice_ref(v, s, nd, start, stop, step, os, ref);
  weir_array *y = NULL;
  if (!CHECK_MSG(weir_slice(&y, x, nd ? start : NULL, nd ? stop : NULL, nd ? step : NULL, weir_on(CPU)) == WEIR_OK,
                 "%s slice%s: %s", what, desc, weir_last_error()))
    return;
  weir_dtype t = weir_array_dtype(x);
  CHECK_MSG(weir_array_dtype(y) == t, "%s slice%s: dtype %s", what, desc, weir_dtype_name(weir_array_dtype(y)));
  if (CHECK_MSG(h_shape_is(y, nd, os), "%s %s slice%s: shape", what, weir_dtype_name(t), desc) &&
      CHECK_MSG(h_read(y, got) == WEIR_OK, "%s slice%s: read: %s", what, desc, weir_last_error())) {
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++)
      if (got[i] != ref[i] && bad++ == 0)
        CHECK_MSG(false, "%s %s slice%s at %lld: %g, want %g", what, weir_dtype_name(t), desc, (long long)i, got[i],
                  ref[i]);
    if (bad == 0) CHECK(true);
  }
  if (keep) {
    *keep = y;
    memcpy(kv, ref, sizeof(double) * (size_t)n);
    memcpy(ks, os, sizeof(int64_t) * (size_t)nd);
  } else {
    weir_array_free(y);
  }
}

static void test_slice_random(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT64, WEIR_UINT8, WEIR_BFLOAT16, WEIR_BOOL, WEIR_FLOAT64};
  for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++)
    for (int it = 0; it < 150; it++) {
      weir_dtype t = ts[ti];
      int nd = (int)h_rand_int(0, 4);
      int64_t s[4], start[4], stop[4], step[4];
      for (int d = 0; d < nd; d++) s[d] = h_rand_int(0, 9) == 0 ? 0 : h_rand_int(1, nd > 2 ? 5 : SL_MAXN);
      double v[4096];
      weir_array *x = h_rand_array(t, s, nd, h_is_unsigned(t) ? 0 : -100, 100, v);
      if (!x) continue;
      rand_slice(s, nd, start, stop, step);
      /* half the time, slice the result again (a chain) */
      weir_array *y = NULL;
      double yv[4096];
      int64_t ys[4];
      bool chain = h_rand_int(0, 1);
      check_slice(x, v, s, nd, start, stop, step, "random", chain ? &y : NULL, yv, ys);
      if (y) {
        rand_slice(ys, nd, start, stop, step);
        check_slice(y, yv, ys, nd, start, stop, step, "chained", NULL, NULL, NULL);
      }
      weir_array_free(y);
      weir_array_free(x);
    }
}

static void test_slice_cases(void) {
  /* x = arange(24) as (2, 3, 4) */
  int64_t s[3] = {2, 3, 4};
  double v[24];
  for (int i = 0; i < 24; i++) v[i] = i;
  weir_array *x = h_make(WEIR_INT32, s, 3, v), *y = NULL;
  const int64_t E = INT64_MAX, B = INT64_MIN;
  struct {
    int64_t start[3], stop[3], step[3], shape[3];
    double first, last;
  } cases[] = {
      {{0, 0, 0}, {E, E, E}, {1, 1, 1}, {2, 3, 4}, 0, 23},       /* x[:, :, :] (contiguous) */
      {{1, 0, 0}, {2, E, E}, {1, 1, 1}, {1, 3, 4}, 12, 23},      /* x[1:2] (contiguous, offset) */
      {{0, 1, 0}, {E, 3, E}, {1, 1, 1}, {2, 2, 4}, 4, 23},       /* x[:, 1:3] */
      {{E, E, E}, {B, B, B}, {-1, -1, -1}, {2, 3, 4}, 23, 0},    /* x[::-1, ::-1, ::-1] */
      {{-1, -2, 3}, {-3, B, 0}, {-1, -1, -2}, {2, 2, 2}, 19, 1}, /* x[-1:-3:-1, -2::-1, 3:0:-2] */
      {{0, 0, 5}, {E, E, E}, {1, 1, 1}, {2, 3, 0}, 0, 0},        /* empty: start past the end */
      {{0, 2, 0}, {E, 1, E}, {1, 1, 1}, {2, 0, 4}, 0, 0},        /* empty: stop before start */
      {{-100, 1, 1}, {100, 2, -100}, {E, 1, B}, {1, 1, 1}, 5, 5}, /* huge steps take one element */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    if (!CHECK_OK(weir_slice(&y, x, cases[c].start, cases[c].stop, cases[c].step, weir_on(CPU)))) continue;
    CHECK_MSG(h_shape_is(y, 3, cases[c].shape), "case %zu shape", c);
    CHECK_EQ_INT(weir_array_dtype(y), WEIR_INT32);
    double got[24];
    int64_t n = weir_array_size(y);
    if (n > 0 && CHECK_OK(h_read(y, got)))
      CHECK_MSG(got[0] == cases[c].first && got[n - 1] == cases[c].last, "case %zu: first %g last %g", c, got[0],
                got[n - 1]);
    if (n == 0) CHECK_OK(weir_eval(&y, 1)); /* no kernel, no buffer */
    weir_array_free(y);
    y = NULL;
  }
  /* 0-d: NULL bounds, the one element copied */
  weir_array *sc = NULL;
  double d = 0;
  CHECK_OK(weir_array_from_scalar(&sc, 7.5, WEIR_FLOAT16));
  if (CHECK_OK(weir_slice(&y, sc, NULL, NULL, NULL, weir_on(CPU)))) {
    CHECK_EQ_INT(weir_array_ndim(y), 0);
    CHECK_OK(weir_array_item_double(y, &d));
    CHECK_CLOSE(d, 7.5, 0);
  }
  weir_array_free(y);
  y = NULL;
  /* an op on a slice, and a slice on another stream */
  weir_stream s2;
  weir_array *r = NULL, *sum = NULL;
  if (CHECK_OK(weir_stream_new(CPU, &s2))) {
    if (CHECK_OK(weir_slice(&r, x, (const int64_t[]){1, E, 0}, (const int64_t[]){B, B, E},
                            (const int64_t[]){-1, -1, 3}, s2))) {
      CHECK(h_stream_is(weir_array_stream(r), s2));
      CHECK_SHAPE(r, 2, 3, 2); /* x[::-1, ::-1, ::3] */
      double got[12], want[12] = {20, 23, 16, 19, 12, 15, 8, 11, 4, 7, 0, 3};
      if (CHECK_OK(weir_add(&sum, r, r, weir_on(CPU))) && CHECK_OK(h_read(sum, got)))
        for (int i = 0; i < 12; i++) CHECK_MSG(got[i] == 2 * want[i], "op on a slice at %d: %g", i, got[i]);
    }
    weir_array_free(r);
    weir_array_free(sum);
    CHECK_OK(weir_stream_free(s2));
  }
  /* errors: step 0 names the axis, NULL arguments, float64 on a GPU stream */
  CHECK_STATUS(weir_slice(&y, x, (const int64_t[]){0, 0, 0}, (const int64_t[]){E, E, E},
                          (const int64_t[]){1, 0, 1}, weir_on(CPU)),
               WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("slice: step of axis 1 is 0");
  const int64_t z3[3] = {0, 0, 0}, e3[3] = {E, E, E}, o3[3] = {1, 1, 1};
  CHECK_STATUS(weir_slice(NULL, x, z3, e3, o3, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("out");
  CHECK_STATUS(weir_slice(&y, NULL, z3, e3, o3, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("'a'");
  CHECK_STATUS(weir_slice(&y, x, NULL, e3, o3, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("start");
  CHECK_STATUS(weir_slice(&y, x, z3, NULL, o3, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("stop");
  CHECK_STATUS(weir_slice(&y, x, z3, e3, NULL, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("step");
  if (weir_device_count(WEIR_GPU) > 0) {
    weir_array *f = NULL;
    CHECK_OK(weir_zeros(&f, s, 3, WEIR_FLOAT64, weir_on(CPU)));
    CHECK_STATUS(weir_slice(&y, f, z3, e3, o3, weir_on(WEIR_GPU_DEVICE(0))), WEIR_ERR_UNSUPPORTED);
    weir_array_free(f);
  }
  CHECK(y == NULL);
  weir_array_free(sc);
  weir_array_free(x);
}

/* Slices of computed inputs: a transpose result (3-D, every permutation) and a broadcast sum. */
static void test_slice_of_strided(void) {
  static const int perms[][3] = {{2, 1, 0}, {1, 0, 2}, {2, 0, 1}, {0, 2, 1}, {1, 2, 0}, {0, 1, 2}};
  for (int it = 0; it < 60; it++) {
    int64_t s[3] = {h_rand_int(1, 6), h_rand_int(1, 6), h_rand_int(1, 6)}, start[3], stop[3], step[3];
    double v[216], tv[216];
    weir_dtype t = it % 2 ? WEIR_BFLOAT16 : WEIR_INT64;
    weir_array *a = h_rand_array(t, s, 3, -100, 100, v), *tr = NULL;
    const int *perm = perms[it % 6];
    if (a && CHECK_OK(weir_transpose(&tr, a, perm, 3, weir_on(CPU)))) {
      int64_t ts[3] = {s[perm[0]], s[perm[1]], s[perm[2]]};
      transpose_ref(v, s, perm, tv);
      rand_slice(ts, 3, start, stop, step);
      check_slice(tr, tv, ts, 3, start, stop, step, "transposed", NULL, NULL, NULL);
    }
    weir_array_free(tr);
    weir_array_free(a);
  }
  /* (5, 1) + (1, 6): a broadcast result, sliced */
  double cv[5], rv[6], sv[30];
  int64_t cs[2] = {5, 1}, rs[2] = {1, 6}, ss[2] = {5, 6};
  weir_array *col = h_rand_array(WEIR_FLOAT32, cs, 2, -10, 10, cv);
  weir_array *row = h_rand_array(WEIR_FLOAT32, rs, 2, -10, 10, rv);
  weir_array *sum = NULL;
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 6; j++) sv[i * 6 + j] = h_round_f32(cv[i] + rv[j]);
  if (col && row && CHECK_OK(weir_add(&sum, col, row, weir_on(CPU))))
    for (int it = 0; it < 20; it++) {
      int64_t start[2], stop[2], step[2];
      rand_slice(ss, 2, start, stop, step);
      check_slice(sum, sv, ss, 2, start, stop, step, "broadcast sum", NULL, NULL, NULL);
    }
  weir_array_free(sum);
  weir_array_free(col);
  weir_array_free(row);
  /* a larger reversed 2-D slice (the strided copy's row loop over many rows) */
  int64_t bs[2] = {300, 257};
  weir_array *big = NULL, *r = NULL;
  CHECK_OK(weir_arange(&big, 0, 300 * 257, 1, WEIR_INT32, weir_on(CPU)));
  weir_array *b2 = NULL;
  if (big && CHECK_OK(weir_reshape(&b2, big, bs, 2, weir_on(CPU))) &&
      CHECK_OK(weir_slice(&r, b2, (const int64_t[]){-2, 250}, (const int64_t[]){0, 3}, (const int64_t[]){-3, -7},
                          weir_on(CPU)))) {
    CHECK_SHAPE(r, 100, 36); /* rows 298, 295, ..., 1; columns 250, 243, ..., 5 */
    const void *p = NULL;
    if (CHECK_OK(weir_array_data(r, &p))) {
      const int32_t *q = p;
      int bad = 0;
      for (int i = 0; i < 100; i++)
        for (int j = 0; j < 36; j++) bad += q[i * 36 + j] != (298 - 3 * i) * 257 + (250 - 7 * j);
      CHECK_EQ_INT(bad, 0);
    }
  }
  weir_array_free(r);
  weir_array_free(b2);
  weir_array_free(big);
}

static void test_copy(void) {
  weir_stream s2;
  if (!CHECK_OK(weir_stream_new(CPU, &s2))) return;
  int64_t s[2] = {7, 9};
  double v[63], got[63];
  weir_array *a = h_rand_array(WEIR_BFLOAT16, s, 2, -3, 3, v), *c = NULL, *t = NULL, *ct = NULL;
  if (CHECK_OK(weir_copy(&c, a, s2))) {
    CHECK(h_stream_is(weir_array_stream(c), s2));
    CHECK_EQ_INT(weir_array_dtype(c), WEIR_BFLOAT16);
    if (CHECK_OK(h_read(c, got)))
      for (int i = 0; i < 63; i++) CHECK_CLOSE(got[i], v[i], 0);
  }
  CHECK_OK(weir_transpose(&t, a, NULL, 0, weir_on(CPU)));
  if (CHECK_OK(weir_copy(&ct, t, s2)) && CHECK_OK(h_read(ct, got))) {
    CHECK_SHAPE(ct, 9, 7);
    for (int i = 0; i < 9; i++)
      for (int j = 0; j < 7; j++) CHECK_CLOSE(got[i * 7 + j], v[j * 9 + i], 0);
  }
  weir_array_free(a);
  weir_array_free(c);
  weir_array_free(t);
  weir_array_free(ct);
  CHECK_OK(weir_stream_free(s2));
}

static void test_allclose_equal(void) {
  double x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 4.000001}, z[4] = {1, 2, 3, NAN};
  int64_t s4[1] = {4}, s22[2] = {2, 2};
  weir_array *a = h_make(WEIR_FLOAT32, s4, 1, x), *b = h_make(WEIR_FLOAT32, s4, 1, y), *c = h_make(WEIR_FLOAT32, s4, 1, z);
  weir_array *ai = h_make(WEIR_INT32, s4, 1, x), *a22 = h_make(WEIR_FLOAT32, s22, 2, x), *sc = NULL;
  CHECK_OK(weir_array_from_scalar(&sc, 1, WEIR_FLOAT32));
  bool r = false;
  CHECK_OK(weir_array_equal(&r, a, a));
  CHECK(r);
  CHECK_OK(weir_array_equal(&r, a, b));
  CHECK(!r);
  CHECK_OK(weir_array_equal(&r, a, ai)); /* values equal, dtypes differ: equal (MLX) */
  CHECK(r);
  CHECK_OK(weir_array_equal(&r, a, a22)); /* same values, different shapes */
  CHECK(!r);
  CHECK_OK(weir_array_equal(&r, c, c)); /* NaN != NaN */
  CHECK(!r);
  CHECK_OK(weir_allclose(&r, a, b, 1e-5, 1e-8));
  CHECK(r);
  CHECK_OK(weir_allclose(&r, a, b, 0, 0));
  CHECK(!r);
  CHECK_OK(weir_allclose(&r, a, b, 0, 2e-6)); /* |a - b| = 4.0000010 - 4 ~ 9.5e-7 as float32 */
  CHECK(r);
  CHECK_OK(weir_allclose(&r, c, c, 1, 1));
  CHECK(!r);
  CHECK_OK(weir_allclose(&r, a, sc, 0, 3.0)); /* broadcasting: |x - 1| <= 3 */
  CHECK(r);
  CHECK_OK(weir_allclose(&r, a, sc, 0, 2.5));
  CHECK(!r);
  r = true;
  weir_status st = weir_allclose(&r, a, a22, 1e-5, 1e-8); /* (4,) vs (2,2) do not broadcast */
  CHECK_MSG(st != WEIR_OK || !r, "allclose of (4,) and (2,2): %s, %d", weir_status_name(st), r);
  weir_array *list[] = {a, b, c, ai, a22, sc};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
}

int main(void) {
  h_init("test_ops_shape");
  H_RUN(test_from_data_roundtrip);
  H_RUN(test_creation);
  H_RUN(test_arange);
  H_RUN(test_transpose);
  H_RUN(test_reshape);
  H_RUN(test_slice_random);
  H_RUN(test_slice_cases);
  H_RUN(test_slice_of_strided);
  H_RUN(test_copy);
  H_RUN(test_allclose_equal);
  return h_finish();
}
