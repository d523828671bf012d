/* The GPU backend against the CPU for the selection ops (shared helpers: gpu_compare.h), on every
   GPU, on fresh random inputs made on the host:
   - exact: where (every dtype, 3-way broadcasting, transposed inputs), take / take_along_axis
     (every index dtype, negative and clamped indices, broadcasting), concatenate (every dtype,
     more inputs than one node takes, empty parts), stack / split / pad, integer and bool
     cumsum / cumprod, sort / argsort / topk (NaN, +-0, inf and ties: both sort stably by the
     same keys, so the permutations agree);
   - float cumsum: rel 2 (L + 2) eps of the row's sum |x| (the GPU adds in another order); float
     cumprod (rows up to 4000): rel 2 (L + 2) eps of the value;
   with every axis, long rows (one block per row) and long columns (one thread per column), one
   very long row and many short ones for the sort, sizes 0. Also float64 refused on a GPU stream.
   Skips (77) without a GPU. */
#include "gpu_compare.h"

static const int64_t S3[] = {3, 5, 4};

static weir_array *transposed(weir_array *a) {
  weir_array *t = NULL;
  if (a) CHECK_OK(weir_transpose(&t, a, NULL, 0, CPUS));
  return t;
}

static void test_where(void) {
  const shp cs[] = {{3, {3, 1, 4}}, {1, {7}}, {0, {0}}, {2, {0, 3}}, {2, {300, 1}}};
  const shp xs[] = {{2, {2, 1}}, {1, {7}}, {2, {4, 5}}, {1, {3}}, {2, {300, 257}}};
  const shp ys[] = {{1, {4}}, {0, {0}}, {0, {0}}, {2, {1, 3}}, {1, {257}}};
  for (int ti = 0; ti < NALL; ti++)
    for (int k = 0; k < 5; k++) {
      weir_array *c = rand_array(WEIR_BOOL, &cs[k], 0, 1, false);
      weir_array *x = rand_array(kAll[ti], &xs[k], -100, 100, true);
      weir_array *y = rand_array(kAll[ti], &ys[k], -100, 100, true);
      if (c && x && y) CMP2(EXACT, weir_where, (c, x, y), "where of %s, case %d", weir_dtype_name(kAll[ti]), k);
      weir_array *xt = k == 4 ? transposed(x) : NULL;
      if (xt) { /* (257, 300) views of row-major (300, 257) data, cond (1, 300) */
        weir_array *ct = transposed(c);
        CMP2(EXACT, weir_where, (ct, xt, xt), "where of transposed %s", weir_dtype_name(kAll[ti]));
        weir_array_free(ct);
      }
      weir_array_free(xt);
      weir_array_free(c), weir_array_free(x), weir_array_free(y);
    }
}

static void test_take(void) {
  static const weir_dtype its[] = {WEIR_INT32, WEIR_INT64, WEIR_UINT8, WEIR_INT8, WEIR_UINT64, WEIR_INT16};
  const shp is[] = {{0, {0}}, {1, {9}}, {2, {3, 4}}, {1, {0}}, {1, {1 << 18}}};
  shp a3 = {3, {3, 5, 4}};
  for (int ti = 0; ti < NALL; ti++) {
    weir_array *x = rand_array(kAll[ti], &a3, -100, 100, true);
    for (int axis = -3; axis < 3 && x; axis++)
      for (int k = 0; k < 5; k++) {
        int64_t n = S3[axis < 0 ? axis + 3 : axis];
        weir_dtype it = its[(ti + k) % 6];
        weir_array *ix = ranged(it, &is[k], -n - 3, n + 3, NULL); /* some clamped */
        if (ix) CMP2(EXACT, weir_take, (x, ix, axis, false), "take %s axis %d, indices %s case %d",
                     weir_dtype_name(kAll[ti]), axis, weir_dtype_name(it), k);
        if (ix && axis == 0)
          CMP2(EXACT, weir_take, (x, ix, 0, true), "take of flattened %s", weir_dtype_name(kAll[ti]));
        weir_array_free(ix);
      }
    /* take_along_axis with broadcasting both ways */
    const shp ia[] = {{3, {3, 7, 4}}, {3, {1, 2, 4}}, {3, {3, 6, 1}}, {3, {3, 0, 4}}};
    for (int k = 0; k < 4 && x; k++) {
      weir_array *ix = ranged(its[k], &ia[k], -8, 8, NULL);
      if (ix)
        CMP2(EXACT, weir_take_along_axis, (x, ix, 1), "take_along_axis %s case %d", weir_dtype_name(kAll[ti]), k);
      weir_array_free(ix);
    }
    weir_array_free(x);
  }
}

/* Per element, the sum of |x| over its whole line along axis (a bound on every prefix's). */
static double *line_abs(const double *v, const int64_t *s, int nd, int axis) {
  int64_t n = 1, inner = 1;
  for (int d = 0; d < nd; d++) n *= s[d];
  for (int d = axis + 1; d < nd; d++) inner *= s[d];
  double *r = calloc((size_t)(n + 1), sizeof(double));
  for (int64_t i = 0; i < n; i++) {
    int64_t base = i / (inner * s[axis]) * inner * s[axis] + i % inner;
    r[base] += fabs(v[i]);
  }
  for (int64_t i = 0; i < n; i++) r[i] = r[i / (inner * s[axis]) * inner * s[axis] + i % inner];
  return r;
}

static void scan_case(weir_dtype t, const shp *s, int axis) {
  int64_t n = shp_size(s), L = s->s[axis];
  double *v = malloc(sizeof(double) * (size_t)(n + 1));
  bool fl = h_is_float(t);
  for (int prod = 0; prod < (L <= 4000 ? 2 : 1); prod++) { /* long products under/overflow */
    weir_array *x = fl && prod ? ranged(t, s, 0.5, 1.5, v) : ranged(t, s, -50, 50, v);
    double *scale = line_abs(v, s->s, s->nd, axis);
    double eps = t == WEIR_FLOAT16 ? 0x1p-10 : t == WEIR_BFLOAT16 ? 0x1p-7 : 0x1p-23;
    double r = (double)(L + 2) * 2 * eps;
    tol tl = !fl ? EXACT : prod ? rel(r, 2, NULL) : rel(r, 2, scale);
    for (int flags = 0; flags < 4 && x; flags++) {
      bool rev = flags & 1, incl = flags & 2;
      if (prod)
        CMP2(tl, weir_cumprod, (x, axis, rev, incl), "cumprod %s axis %d of %lld, rev %d incl %d",
             weir_dtype_name(t), axis, (long long)n, rev, incl);
      else
        CMP2(tl, weir_cumsum, (x, axis, rev, incl), "cumsum %s axis %d of %lld, rev %d incl %d",
             weir_dtype_name(t), axis, (long long)n, rev, incl);
    }
    free(scale);
    weir_array_free(x);
  }
  free(v);
}

static void test_scan(void) {
  shp a3 = {3, {3, 5, 4}}, e = {2, {0, 5}}, row = {1, {100000}}, cols = {2, {2000, 300}}, rows = {2, {3000, 70}};
  for (int ti = 0; ti < NALL; ti++) {
    for (int axis = 0; axis < 3; axis++) scan_case(kAll[ti], &a3, axis);
    scan_case(kAll[ti], &e, 1);
    scan_case(kAll[ti], &e, 0);
  }
  scan_case(WEIR_FLOAT32, &row, 0);
  scan_case(WEIR_INT32, &row, 0);
  scan_case(WEIR_FLOAT32, &cols, 0);
  scan_case(WEIR_FLOAT16, &rows, 1);
  scan_case(WEIR_INT64, &rows, 1);
}

static void test_concatenate(void) {
  for (int r = 0; r < 30; r++) {
    int n = (int)h_rand_int(1, 9), nd = (int)h_rand_int(1, 3), axis = (int)h_rand_int(0, nd - 1);
    weir_dtype t = kAll[h_rand_int(0, NALL - 1)];
    weir_array *xs[9] = {NULL};
    shp s = {nd, {0}};
    for (int d = 0; d < nd; d++) s.s[d] = h_rand_int(1, 5);
    for (int i = 0; i < n; i++) {
      shp si = s;
      si.s[axis] = h_rand_int(0, 4);
      weir_dtype ti = h_rand_int(0, 3) ? t : kAll[h_rand_int(0, NALL - 1)]; /* sometimes promoted */
      xs[i] = rand_array(ti, &si, -100, 100, true);
    }
    CMP2(EXACT, weir_concatenate, ((const weir_array *const *)xs, n, axis), "concatenate of %d, axis %d", n, axis);
    shp same = s;
    weir_array *st[4] = {rand_array(t, &same, -9, 9, false), rand_array(t, &same, -9, 9, false),
                         rand_array(t, &same, -9, 9, false), rand_array(t, &same, -9, 9, false)};
    CMP2(EXACT, weir_stack, ((const weir_array *const *)st, 4, axis), "stack of 4 %s", weir_dtype_name(t));
    int64_t before[3] = {1, 0, 2}, after[3] = {0, 3, 1};
    CMP2(EXACT, weir_pad, (xs[0], before, after, -7.5), "pad of %s", weir_dtype_name(weir_array_dtype(xs[0])));
    weir_array *cs[2] = {NULL, NULL}, *gs[2] = {NULL, NULL};
    int64_t at = 1;
    if (both_ok(weir_split(cs, st[0], &at, 1, false, axis, CPUS), weir_split(gs, st[0], &at, 1, false, axis, g_gs),
                gs[0], "weir_split"))
      for (int i = 0; i < 2; i++) compare(cs[i], gs[i], EXACT, "split part %d", i);
    for (int i = 0; i < 2; i++) free2(&cs[i], &gs[i]);
    for (int i = 0; i < 4; i++) weir_array_free(st[i]);
    for (int i = 0; i < n; i++) weir_array_free(xs[i]);
  }
  shp big = {2, {512, 1024}};
  weir_array *a = rand_array(WEIR_FLOAT32, &big, -1, 1, false), *abc[3] = {a, a, a};
  CMP2(EXACT, weir_concatenate, ((const weir_array *const *)abc, 3, 1), "concatenate of 3 (512, 1024)");
  weir_array_free(a);
}

static void test_sort(void) {
  const shp ss[] = {{3, {3, 7, 5}}, {1, {1 << 20}}, {2, {1000, 37}}, {2, {4, 0}}, {2, {0, 4}}, {1, {1}}};
  for (int ti = 0; ti < NALL; ti++)
    for (int k = 0; k < 6; k++) {
      if (k == 1 && ti % 3 != 0) continue; /* the 1M row for a few dtypes */
      weir_array *x = h_is_float(kAll[ti]) ? rand_array(kAll[ti], &ss[k], -9, 9, true)
                                           : ranged(kAll[ti], &ss[k], -20, 20, NULL); /* ties */
      for (int axis = -1; axis < ss[k].nd && x; axis++) {
        int ax = axis < 0 ? ss[k].nd - 1 : axis;
        int kk = (int)h_rand_int(0, (int)ss[k].s[ax]);
        CMP2(EXACT, weir_sort, (x, axis), "sort %s case %d axis %d", weir_dtype_name(kAll[ti]), k, axis);
        CMP2(EXACT, weir_argsort, (x, axis), "argsort %s case %d axis %d", weir_dtype_name(kAll[ti]), k, axis);
        CMP2(EXACT, weir_topk, (x, kk, axis), "topk %d of %s case %d axis %d", kk, weir_dtype_name(kAll[ti]), k,
             axis);
      }
      weir_array_free(x);
    }
}

static void test_float64_refused(void) {
  weir_array *a = NULL, *ix = NULL, *o = NULL;
  CHECK_OK(weir_zeros(&a, S3, 3, WEIR_FLOAT64, CPUS));
  CHECK_OK(weir_zeros(&ix, S3, 1, WEIR_INT32, CPUS));
  const weir_array *aa[2] = {a, a};
  CHECK_STATUS(weir_where(&o, a, a, a, g_gs), WEIR_ERR_UNSUPPORTED);
  CHECK_STATUS(weir_take(&o, a, ix, 0, false, g_gs), WEIR_ERR_UNSUPPORTED);
  CHECK_STATUS(weir_cumsum(&o, a, 0, false, true, g_gs), WEIR_ERR_UNSUPPORTED);
  CHECK_STATUS(weir_concatenate(&o, aa, 2, 0, g_gs), WEIR_ERR_UNSUPPORTED);
  CHECK_STATUS(weir_sort(&o, a, 0, g_gs), WEIR_ERR_UNSUPPORTED);
  CHECK_ERR_MENTIONS("float64");
  weir_array_free(a), weir_array_free(ix);
}

static void run_tests(void) {
  H_RUN(test_float64_refused);
  H_RUN(test_where);
  H_RUN(test_take);
  H_RUN(test_scan);
  H_RUN(test_concatenate);
  H_RUN(test_sort);
}

int main(void) { return gpu_main("test_gpu_ops_select", run_tests); }
