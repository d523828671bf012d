/* The CPU thread pool: every index of a loop is visited exactly once, with any grain and size,
   from one caller or from several at once (the busy pool runs the others inline); and kernels
   split over the pool (the threshold lowered so that small arrays split too) give the results of
   float64 / exact references, including reductions over an axis, strided copies, random bits
   and fused elementwise chains. Runs under ThreadSanitizer in `make test`. */
#include <pthread.h>
#include <stdatomic.h>

#include "backend/cpu/thread_pool.h"
#include "harness.h"

#define CPU weir_on(WEIR_CPU_DEVICE)

typedef struct {
  _Atomic int *hits;
  atomic_long calls;
} visit;

static void mark(void *ctx, int64_t lo, int64_t hi) {
  visit *v = ctx;
  atomic_fetch_add(&v->calls, 1);
  for (int64_t i = lo; i < hi; i++) atomic_fetch_add_explicit(&v->hits[i], 1, memory_order_relaxed);
}

static bool covered_once(int64_t n, int64_t grain) {
  visit v = {calloc((size_t)(n + 1), sizeof(_Atomic int)), 0};
  weir__pool_run(n, grain, mark, &v);
  bool ok = true;
  for (int64_t i = 0; i < n; i++) ok = ok && atomic_load(&v.hits[i]) == 1;
  free(v.hits);
  return ok;
}

static void test_covers_every_index_once(void) {
  CHECK(weir__pool_threads() >= 1);
  const int64_t sizes[] = {0, 1, 2, 7, 100, 1000, 4097, 100003};
  const int64_t grains[] = {1, 3, 64, 1000, 1 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (size_t g = 0; g < sizeof grains / sizeof grains[0]; g++)
      CHECK_MSG(covered_once(sizes[i], grains[g]), "n %lld grain %lld", (long long)sizes[i], (long long)grains[g]);
}

static void *many_loops(void *arg) {
  (void)arg;
  bool ok = true;
  for (int r = 0; r < h_scaled(200); r++) ok = ok && covered_once(5000 + r, 16);
  return (void *)(intptr_t)ok;
}

static void test_concurrent_callers(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, many_loops, NULL) == 0);
  for (int i = 0; i < 4; i++) {
    void *ok = NULL;
    pthread_join(t[i], &ok);
    CHECK_MSG(ok != NULL, "caller %d saw an index missed or repeated", i);
  }
}

/* Kernels through the pool against references. */
static void test_split_kernels(void) {
  const int64_t shape[2] = {300, 517};
  const int64_t n = shape[0] * shape[1];
  double *va = malloc(sizeof(double) * (size_t)n), *vb = malloc(sizeof(double) * (size_t)n);
  double *got = malloc(sizeof(double) * (size_t)n);
  weir_array *a = h_rand_array(WEIR_FLOAT32, shape, 2, -3, 3, va), *b = h_rand_array(WEIR_FLOAT32, shape, 2, -3, 3, vb);
  weir_array *sum = NULL, *ex = NULL, *red = NULL, *tr = NULL, *cp = NULL, *i32 = NULL;
  const int axis = 1;
  if (a && b && CHECK_OK(weir_add(&sum, a, b, CPU)) && CHECK_OK(h_read(sum, got)))
    for (int64_t i = 0; i < n; i++)
      if (got[i] != h_round_f32(va[i] + vb[i])) {
        CHECK_MSG(false, "add at %lld", (long long)i);
        break;
      }
  if (a && CHECK_OK(weir_exp(&ex, a, CPU)) && CHECK_OK(h_read(ex, got)))
    for (int64_t i = 0; i < n; i++)
      if (fabs(got[i] - exp(va[i])) > 2 * h_ulp(WEIR_FLOAT32, exp(va[i]))) {
        CHECK_MSG(false, "exp at %lld", (long long)i);
        break;
      }
  if (a && CHECK_OK(weir_sum(&red, a, &axis, 1, false, CPU)) && CHECK_OK(h_read(red, got)))
    for (int64_t r = 0; r < shape[0]; r++) {
      double ref = 0;
      for (int64_t c = 0; c < shape[1]; c++) ref += va[r * shape[1] + c];
      if (fabs(got[r] - ref) > 1e-4 * (1 + fabs(ref))) {
        CHECK_MSG(false, "sum row %lld: %g, want %g", (long long)r, got[r], ref);
        break;
      }
    }
  /* a transposed copy (strided reads) and a cast */
  if (a && CHECK_OK(weir_transpose(&tr, a, NULL, 0, CPU)) && CHECK_OK(weir_astype(&i32, tr, WEIR_INT32, CPU)) &&
      CHECK_OK(weir_copy(&cp, tr, CPU)) && CHECK_OK(h_read(cp, got)))
    for (int64_t c = 0; c < shape[1]; c++)
      for (int64_t r = 0; r < shape[0]; r++)
        if (got[c * shape[0] + r] != va[r * shape[1] + c]) {
          CHECK_MSG(false, "transposed copy at (%lld, %lld)", (long long)c, (long long)r);
          c = shape[1];
          break;
        }
  if (i32 && CHECK_OK(h_read(i32, got)))
    for (int64_t i = 0; i < n; i++) {
      int64_t c = i / shape[0], r = i % shape[0];
      if (got[i] != trunc(va[r * shape[1] + c])) {
        CHECK_MSG(false, "astype at %lld", (long long)i);
        break;
      }
    }
  weir_array *list[] = {a, b, sum, ex, red, tr, cp, i32};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  free(va);
  free(vb);
  free(got);
}

/* Counter-based random bits do not depend on how the range is split: a long draw starts with
   the short one. A fused chain (x * 2 + 1 - x) matches its reference. */
static void test_split_random_and_fused(void) {
  weir_array *key = NULL, *longb = NULL, *shortb = NULL;
  const int64_t nl[1] = {200000}, ns[1] = {1000};
  if (CHECK_OK(weir_random_key(&key, 1234)) &&
      CHECK_OK(weir_random_bits(&longb, nl, 1, key, CPU)) && CHECK_OK(weir_random_bits(&shortb, ns, 1, key, CPU))) {
    double *gl = malloc(sizeof(double) * 200000), gs[1000];
    if (CHECK_OK(h_read(longb, gl)) && CHECK_OK(h_read(shortb, gs))) {
      int same = 0;
      for (int i = 0; i < 1000; i++) same += gl[i] == gs[i];
      CHECK_MSG(same == 1000, "%d of 1000 leading bits agree", same);
    }
    free(gl);
  }
  weir_array_free(key);
  weir_array_free(longb);
  weir_array_free(shortb);
  const int64_t n[1] = {123457};
  double *v = malloc(sizeof(double) * (size_t)n[0]), *got = malloc(sizeof(double) * (size_t)n[0]);
  weir_array *x = h_rand_array(WEIR_FLOAT32, n, 1, -10, 10, v), *two = NULL, *one = NULL, *t1 = NULL, *t2 = NULL,
             *t3 = NULL;
  if (x && CHECK_OK(weir_full(&two, NULL, 0, 2, WEIR_FLOAT32, CPU)) && CHECK_OK(weir_full(&one, NULL, 0, 1, WEIR_FLOAT32, CPU)) &&
      CHECK_OK(weir_multiply(&t1, x, two, CPU)) && CHECK_OK(weir_add(&t2, t1, one, CPU)) &&
      CHECK_OK(weir_subtract(&t3, t2, x, CPU)) && CHECK_OK(h_read(t3, got)))
    for (int64_t i = 0; i < n[0]; i++) {
      double ref = h_round_f32(h_round_f32(h_round_f32(v[i] * 2) + 1) - v[i]);
      if (got[i] != ref) {
        CHECK_MSG(false, "fused chain at %lld: %g, want %g", (long long)i, got[i], ref);
        break;
      }
    }
  weir_array *list[] = {x, two, one, t1, t2, t3};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  free(v);
  free(got);
}

/* Reductions of a whole array fold equal parts on the pool and then the parts in order: the same
   value as a float64 reference, the same bits every time, NaN propagating from any part, and
   integer sums wrapping as a serial sum does. */
static void test_full_reductions(void) {
  const int64_t n[1] = {(1 << 19) + 12345};
  double *v = malloc(sizeof(double) * (size_t)n[0]);
  weir_array *a = h_rand_array(WEIR_FLOAT32, n, 1, -1, 1, v);
  double ref = 0, mx = -INFINITY, mn = INFINITY;
  for (int64_t i = 0; i < n[0]; i++) {
    ref += v[i];
    mx = v[i] > mx ? v[i] : mx;
    mn = v[i] < mn ? v[i] : mn;
  }
  double got[4] = {0}, again = 0;
  weir_array *r[5] = {NULL};
  if (a && CHECK_OK(weir_sum(&r[0], a, NULL, 0, false, CPU)) && CHECK_OK(weir_max(&r[1], a, NULL, 0, false, CPU)) &&
      CHECK_OK(weir_min(&r[2], a, NULL, 0, false, CPU)) && CHECK_OK(weir_mean(&r[3], a, NULL, 0, false, CPU)) &&
      CHECK_OK(weir_sum(&r[4], a, NULL, 0, false, CPU))) {
    for (int k = 0; k < 4; k++) CHECK_OK(h_read(r[k], &got[k]));
    CHECK_OK(h_read(r[4], &again));
    CHECK_MSG(fabs(got[0] - ref) <= 1e-6 * (1 + fabs(ref)) + h_ulp(WEIR_FLOAT32, ref), "sum %.9g, want %.9g", got[0], ref);
    CHECK_MSG(got[0] == again, "two sums of the same array differ: %.9g and %.9g", got[0], again);
    CHECK(got[1] == mx && got[2] == mn);
    CHECK_CLOSE(got[3], ref / (double)n[0], 1e-6);
  }
  for (int k = 0; k < 5; k++) weir_array_free(r[k]);
  weir_array_free(a);
  /* a NaN in the last part; int32 values whose sum wraps */
  v[n[0] - 3] = NAN;
  weir_array *b = h_make(WEIR_FLOAT32, n, 1, v), *s = NULL, *m = NULL;
  double x = 0;
  if (b && CHECK_OK(weir_sum(&s, b, NULL, 0, false, CPU)) && CHECK_OK(h_read(s, &x))) CHECK(isnan(x));
  if (b && CHECK_OK(weir_max(&m, b, NULL, 0, false, CPU)) && CHECK_OK(h_read(m, &x))) CHECK(isnan(x));
  weir_array_free(b);
  weir_array_free(s);
  weir_array_free(m);
  for (int64_t i = 0; i < n[0]; i++) v[i] = 2000000000.0 - (double)(i % 7);
  weir_array *ints = h_make(WEIR_INT32, n, 1, v), *is = NULL;
  uint64_t want = 0;
  for (int64_t i = 0; i < n[0]; i++) want += (uint64_t)(int64_t)v[i];
  if (ints && CHECK_OK(weir_sum(&is, ints, NULL, 0, false, CPU)) && CHECK_OK(h_read(is, &x)))
    CHECK_MSG(x == (double)(int32_t)(uint32_t)want, "int32 sum %.0f, want %d", x, (int32_t)(uint32_t)want);
  weir_array_free(ints);
  weir_array_free(is);
  free(v);
}

int main(void) {
  setenv("WEIR_CPU_PARALLEL_MIN", "64", 1); /* before the first kernel: small arrays split too */
  h_init("test_thread_pool");
  H_RUN(test_covers_every_index_once);
  H_RUN(test_concurrent_callers);
  H_RUN(test_split_kernels);
  H_RUN(test_split_random_and_fused);
  H_RUN(test_full_reductions);
  return h_finish();
}
