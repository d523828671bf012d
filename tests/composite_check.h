/* Shared by the composite-op tests (test_ops_composite.c, test_ops_composite_linalg.c): the
   device under test, random (optionally transposed, so non-contiguous) inputs with their values in
   logical order, the comparison of a result with a float64 reference, and composite_main, which
   runs a program's tests on the CPU and then on every GPU. Header-only, after harness.h. */
#ifndef WEIR_TESTS_COMPOSITE_CHECK_H
#define WEIR_TESTS_COMPOSITE_CHECK_H

#include "harness.h"

static weir_stream g_s; /* the device under test */
static bool g_gpu;

static inline int64_t numel(const int64_t *s, int nd) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= s[i];
  return n;
}
static inline double *alloc_d(int64_t n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(double)); }

/* A random array of logical shape s made as the transpose of an array of the reversed shape
   (so it is not contiguous) when `strided`; v gets its values in logical (row-major) order. */
static inline weir_array *rand_in(weir_dtype t, const int64_t *s, int nd, double lo, double hi, double *v,
                                  bool strided) {
  if (!strided || nd < 2) return h_rand_array(t, s, nd, lo, hi, v);
  int64_t rs[8], n = numel(s, nd);
  for (int i = 0; i < nd; i++) rs[i] = s[nd - 1 - i];
  double *w = alloc_d(n);
  weir_array *b = h_rand_array(t, rs, nd, lo, hi, w), *a = NULL;
  for (int64_t i = 0; i < n; i++) { /* a[i0, ..., i(nd-1)] = b[i(nd-1), ..., i0] */
    int64_t rem = i, k = 0, stride = 1, idx[8];
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = rem % s[d];
      rem /= s[d];
    }
    for (int d = 0; d < nd; d++) { /* b's last axis is a's first */
      k += idx[d] * stride;
      stride *= s[d];
    }
    v[i] = w[k];
  }
  CHECK_OK(weir_transpose(&a, b, NULL, 0, g_s));
  weir_array_free(b);
  free(w);
  return a;
}

/* Compares o with ref (n values): shape size, then values within atol + rtol * |ref| (NaN must
   match NaN, inf the same inf). */
static inline void expect_vals(const weir_array *o, const double *ref, int64_t n, double rtol, double atol,
                               const char *what) {
  long long size = o ? (long long)weir_array_size(o) : -1LL;
  if (!CHECK_MSG(o && size == n, "%s: size %lld, want %lld", what, size, (long long)n))
    return;
  double *got = alloc_d(n);
  int bad = 0;
  if (CHECK_OK(h_read(o, got)))
    for (int64_t i = 0; i < n; i++) {
      bool ok = (isnan(got[i]) && isnan(ref[i])) || got[i] == ref[i] ||
                fabs(got[i] - ref[i]) <= atol + rtol * fabs(ref[i]);
      if (!ok && bad++ < 3) CHECK_MSG(false, "%s at %lld: got %.9g, want %.9g", what, (long long)i, got[i], ref[i]);
    }
  CHECK_MSG(bad == 0, "%s: %d of %lld wrong", what, bad, (long long)n);
  free(got);
}

static inline double tol_of(weir_dtype t) {
  switch (t) {
  case WEIR_FLOAT64: return 1e-11;
  case WEIR_FLOAT16: return 4e-3;
  case WEIR_BFLOAT16: return 2e-2;
  default: return 2e-5;
  }
}

/* Runs run_all on the CPU, then on each GPU (float64 cases skip themselves there: g_gpu). */
static inline int composite_main(const char *name, void (*run_all)(void)) {
  h_init(name);
  g_s = weir_on(WEIR_CPU_DEVICE);
  g_gpu = false;
  run_all();
  for (int k = 0; k < weir_device_count(WEIR_GPU); k++) {
    printf("-- on gpu:%d\n", k);
    g_s = weir_on(WEIR_GPU_DEVICE(k));
    g_gpu = true;
    run_all();
  }
  return h_finish();
}

#endif
