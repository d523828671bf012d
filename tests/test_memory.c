/* Memory: exact active/peak/cache figures, reset_peak, clear_cache, limits returning the previous
   value, per-device figures, out of memory at eval (limit and real allocation failure) with
   poisoned dependents, followed by normal work and figures back where they were. */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE
#define N (1 << 16) /* 4N = 256 KiB: a size that no caching allocator needs to round */

/* Under AddressSanitizer, let a failing huge malloc return NULL (the library reports out of memory)
   instead of aborting. Harmless without ASan. */
const char *__asan_default_options(void);
__attribute__((used)) const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static int g_ngpu;

static void check_cpu_figures_are_totals(int line) {
  if (g_ngpu != 0) return;
  h_record(weir_memory_active_on(CPU) == weir_memory_active(), __FILE__, line, "active_on(cpu) %zu == active %zu",
           weir_memory_active_on(CPU), weir_memory_active());
  h_record(weir_memory_peak_on(CPU) == weir_memory_peak(), __FILE__, line, "peak_on(cpu) %zu == peak %zu",
           weir_memory_peak_on(CPU), weir_memory_peak());
  h_record(weir_memory_cache_on(CPU) == weir_memory_cache(), __FILE__, line, "cache_on(cpu) %zu == cache %zu",
           weir_memory_cache_on(CPU), weir_memory_cache());
}
#define CHECK_CPU_TOTALS() check_cpu_figures_are_totals(__LINE__)

static weir_array *evaluated_zeros(int64_t n, weir_dtype t) {
  weir_array *a = NULL;
  int64_t shape[1] = {n};
  CHECK_OK(weir_zeros(&a, shape, 1, t, weir_on(CPU)));
  CHECK_OK(weir_eval(&a, 1));
  return a;
}

static void test_figures(void) {
  CHECK_OK(weir_synchronize_all());
  weir_memory_clear_cache();
  CHECK_EQ_U64(weir_memory_cache(), 0);
  size_t a0 = weir_memory_active();
  CHECK_CPU_TOTALS();

  weir_array *a = NULL;
  int64_t shape[1] = {N};
  CHECK_OK(weir_zeros(&a, shape, 1, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_EQ_U64(weir_memory_active(), a0); /* lazy: nothing allocated yet */
  CHECK_OK(weir_eval(&a, 1));
  CHECK_EQ_U64(weir_memory_active(), a0 + 4 * N);
  CHECK_EQ_U64(weir_array_nbytes(a), 4 * N);
  CHECK(weir_memory_peak() >= a0 + 4 * N);
  CHECK_CPU_TOTALS();

  weir_memory_reset_peak();
  CHECK_EQ_U64(weir_memory_peak(), 0);
  CHECK_EQ_U64(weir_memory_peak_on(CPU), 0);
  weir_array *b = evaluated_zeros(N, WEIR_FLOAT32);
  CHECK_EQ_U64(weir_memory_active(), a0 + 8 * N);
  CHECK_EQ_U64(weir_memory_peak(), a0 + 8 * N);
  CHECK_CPU_TOTALS();

  weir_array_free(a);
  CHECK_EQ_U64(weir_memory_active(), a0 + 4 * N);
  CHECK_EQ_U64(weir_memory_cache(), 4 * N);
  weir_array_free(b);
  CHECK_EQ_U64(weir_memory_active(), a0);
  CHECK_EQ_U64(weir_memory_cache(), 8 * N);
  CHECK_EQ_U64(weir_memory_peak(), a0 + 8 * N); /* frees do not lower the peak */
  CHECK_CPU_TOTALS();

  /* reuse from the cache */
  weir_array *c = evaluated_zeros(N, WEIR_INT32);
  CHECK_EQ_U64(weir_memory_active(), a0 + 4 * N);
  CHECK_EQ_U64(weir_memory_cache(), 4 * N);
  weir_array_free(c);
  CHECK_EQ_U64(weir_memory_cache(), 8 * N);

  weir_memory_clear_cache();
  CHECK_EQ_U64(weir_memory_cache(), 0);
  CHECK_EQ_U64(weir_memory_active(), a0);
  CHECK_CPU_TOTALS();

  /* other dtypes: exactly size * itemsize */
  static const weir_dtype ts[] = {WEIR_BOOL, WEIR_INT8, WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_UINT32, WEIR_FLOAT64};
  for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
    weir_array *d = evaluated_zeros(N, ts[i]);
    CHECK_MSG(weir_memory_active() == a0 + (size_t)N * weir_dtype_size(ts[i]), "%s: active %zu, want %zu",
              weir_dtype_name(ts[i]), weir_memory_active(), a0 + (size_t)N * weir_dtype_size(ts[i]));
    weir_array_free(d);
    CHECK_EQ_U64(weir_memory_active(), a0);
  }
  weir_memory_clear_cache();

  /* from_data holds its copy at once; freeing returns it */
  float *host = calloc(N, sizeof(float));
  weir_array *e = NULL;
  CHECK_OK(weir_array_from_data(&e, host, shape, 1, WEIR_FLOAT32));
  free(host);
  CHECK_EQ_U64(weir_memory_active(), a0 + 4 * N);
  weir_array_free(e);
  CHECK_EQ_U64(weir_memory_active(), a0);
  weir_memory_clear_cache();
  CHECK_EQ_U64(weir_memory_cache(), 0);
}

static void test_cache_limit(void) {
  CHECK_OK(weir_synchronize_all());
  weir_memory_clear_cache();
  size_t a0 = weir_memory_active();
  size_t cur = weir_memory_cache_limit();
  size_t prev = weir_memory_set_cache_limit(0);
  CHECK_EQ_U64(prev, cur);
  CHECK_EQ_U64(weir_memory_cache_limit(), 0);
  weir_array *a = evaluated_zeros(N, WEIR_FLOAT32);
  weir_array_free(a);
  CHECK_EQ_U64(weir_memory_cache(), 0); /* nothing kept */
  CHECK_EQ_U64(weir_memory_active(), a0);

  CHECK_EQ_U64(weir_memory_set_cache_limit(6 * N), 0);
  a = evaluated_zeros(N, WEIR_FLOAT32);
  weir_array *b = evaluated_zeros(N, WEIR_FLOAT32);
  weir_array_free(a);
  weir_array_free(b);
  CHECK_EQ_U64(weir_memory_cache(), 4 * N); /* the second block would pass the limit */
  CHECK_EQ_U64(weir_memory_active(), a0);

  /* lowering the limit trims the cache */
  CHECK_EQ_U64(weir_memory_set_cache_limit(N), 6 * N);
  CHECK(weir_memory_cache() <= N);
  CHECK_EQ_U64(weir_memory_set_cache_limit(prev), N);
  CHECK_EQ_U64(weir_memory_cache_limit(), prev);
  weir_memory_clear_cache();
}

static void test_limit_setter(void) {
  size_t cur = weir_memory_limit();
  CHECK(cur > 0);
  size_t prev = weir_memory_set_limit(123456789);
  CHECK_EQ_U64(prev, cur);
  CHECK_EQ_U64(weir_memory_limit(), 123456789);
  CHECK_EQ_U64(weir_memory_set_limit(prev), 123456789);
  CHECK_EQ_U64(weir_memory_limit(), cur);
}

/* Expects every way of reading `a` to report out of memory. */
static void check_oom(weir_array *a, const char *what) {
  weir_status st = weir_eval(&a, 1);
  CHECK_MSG(st == WEIR_ERR_OUT_OF_MEMORY, "%s: eval gave %s", what, weir_status_name(st));
  CHECK_MSG(h_error_mentions("memory"), "%s: message \"%s\"", what, weir_last_error());
  const void *p = (const void *)&st;
  st = weir_array_data(a, &p);
  CHECK_MSG(st == WEIR_ERR_OUT_OF_MEMORY, "%s: data gave %s", what, weir_status_name(st));
  char *s = NULL;
  st = weir_array_tostring(a, &s);
  CHECK_MSG(st == WEIR_ERR_OUT_OF_MEMORY, "%s: tostring gave %s", what, weir_status_name(st));
  free(st == WEIR_OK ? s : NULL);
}

static void test_out_of_memory(void) {
  CHECK_OK(weir_synchronize_all());
  weir_memory_clear_cache();
  weir_stream s2;
  if (!CHECK_OK(weir_stream_new(CPU, &s2))) return;
  weir_array *one = NULL;
  CHECK_OK(weir_array_from_scalar(&one, 1, WEIR_FLOAT32));
  size_t a0 = weir_memory_active();
  size_t prev = weir_memory_set_limit(a0 + 4096);

  int64_t shape[1] = {1 << 20};
  weir_array *big = NULL, *dep = NULL, *dep2 = NULL, *red = NULL;
  CHECK_OK(weir_ones(&big, shape, 1, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_add(&dep, big, one, s2));            /* dependent on another stream */
  CHECK_OK(weir_multiply(&dep2, dep, one, weir_on(CPU)));
  CHECK_OK(weir_sum(&red, dep2, NULL, 0, false, s2)); /* small output, poisoned input */
  check_oom(big, "array over the limit");
  check_oom(dep, "dependent");
  check_oom(dep2, "dependent of a dependent");
  check_oom(red, "small reduction of a poisoned input");
  double v = 0;
  CHECK_STATUS(weir_array_item_double(red, &v), WEIR_ERR_OUT_OF_MEMORY);
  CHECK_EQ_U64(weir_memory_active(), a0);

  /* the streams stay usable: small work under the limit succeeds */
  weir_array *small = NULL, *small2 = NULL;
  int64_t sshape[1] = {10};
  CHECK_OK(weir_full(&small, sshape, 1, 2.5, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_add(&small2, small, one, s2));
  double got[10];
  if (CHECK_OK(h_read(small2, got))) CHECK_CLOSE(got[9], 3.5, 0);
  CHECK_OK(weir_synchronize(s2));
  CHECK_OK(weir_synchronize(weir_on(CPU)));
  weir_array_free(small);
  weir_array_free(small2);

  /* an output too big for the limit in the middle of a cross-stream chain */
  weir_array *col = NULL, *row = NULL, *outer = NULL, *tot = NULL;
  int64_t cshape[2] = {256, 1}, rshape[2] = {1, 256};
  CHECK_OK(weir_ones(&col, cshape, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&row, rshape, 2, WEIR_FLOAT32, s2));
  CHECK_OK(weir_eval(&col, 1));
  CHECK_OK(weir_add(&outer, col, row, s2)); /* 256 KiB */
  CHECK_OK(weir_sum(&tot, outer, NULL, 0, false, weir_on(CPU)));
  weir_status ast = weir_async_eval(&tot, 1); /* may report it now or leave it to the readers */
  CHECK_MSG(ast == WEIR_OK || ast == WEIR_ERR_OUT_OF_MEMORY, "async_eval gave %s", weir_status_name(ast));
  CHECK_STATUS(weir_array_item_double(tot, &v), WEIR_ERR_OUT_OF_MEMORY);
  check_oom(outer, "outer sum");
  weir_array *okay = NULL;
  CHECK_OK(weir_add(&okay, col, one, weir_on(CPU))); /* col itself is fine */
  CHECK_OK(weir_eval(&okay, 1));

  /* restore: normal work succeeds, figures return */
  CHECK_EQ_U64(weir_memory_set_limit(prev), a0 + 4096);
  check_oom(big, "poisoned stays poisoned after the limit is restored");
  weir_array *big2 = NULL, *s = NULL;
  CHECK_OK(weir_ones(&big2, shape, 1, WEIR_FLOAT32, s2));
  CHECK_OK(weir_sum(&s, big2, NULL, 0, false, weir_on(CPU)));
  CHECK_OK(weir_array_item_double(s, &v));
  CHECK_CLOSE(v, (double)(1 << 20), 0);
  weir_array_free(big2);
  weir_array_free(s);
  weir_array *list[] = {big, dep, dep2, red, col, row, outer, tot, okay};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  CHECK_OK(weir_synchronize_all());
  CHECK_EQ_U64(weir_memory_active(), a0);
  weir_array_free(one);
  CHECK_OK(weir_stream_free(s2));
  weir_memory_clear_cache();
}

/* Allocations beyond the machine: with the default limit (over the limit), and with no limit (the
   allocator itself fails). Either way: an error at eval, no crash, and the process goes on. */
static void test_huge_allocation(void) {
  size_t a0 = weir_memory_active();
  int64_t shape[2] = {1 << 24, 1 << 22}; /* 2^46 elements: 256 TiB of float32 */
  weir_array *h = NULL;
  if (CHECK_OK(weir_zeros(&h, shape, 2, WEIR_FLOAT32, weir_on(CPU)))) check_oom(h, "256 TiB, default limit");
  weir_array_free(h);
  size_t prev = weir_memory_set_limit(SIZE_MAX);
  h = NULL;
  int64_t shape2[1] = {(int64_t)1 << 43}; /* 32 TiB: more than any malloc here will give */
  if (CHECK_OK(weir_zeros(&h, shape2, 1, WEIR_FLOAT32, weir_on(CPU)))) check_oom(h, "32 TiB, no limit");
  weir_array_free(h);
  weir_memory_set_limit(prev);
  /* element counts whose byte size overflows are refused when the node is built */
  int64_t shape3[2] = {(int64_t)1 << 40, (int64_t)1 << 30};
  h = NULL;
  CHECK(weir_zeros(&h, shape3, 2, WEIR_FLOAT32, weir_on(CPU)) != WEIR_OK);
  CHECK(h == NULL);
  weir_array *ok = evaluated_zeros(1000, WEIR_FLOAT64);
  CHECK_EQ_U64(weir_memory_active(), a0 + 8000);
  weir_array_free(ok);
  CHECK_EQ_U64(weir_memory_active(), a0);
}

static void test_per_device(void) {
  CHECK_EQ_U64(weir_memory_active_on(WEIR_GPU_DEVICE(7 + g_ngpu)), 0);
  CHECK_EQ_U64(weir_memory_active_on((weir_device){WEIR_CPU, 3}), 0);
  size_t sum = weir_memory_active_on(CPU);
  for (int k = 0; k < g_ngpu; k++) sum += weir_memory_active_on(WEIR_GPU_DEVICE(k));
  CHECK_EQ_U64(sum, weir_memory_active());
  size_t csum = weir_memory_cache_on(CPU);
  for (int k = 0; k < g_ngpu; k++) csum += weir_memory_cache_on(WEIR_GPU_DEVICE(k));
  CHECK_EQ_U64(csum, weir_memory_cache());
  CHECK_CPU_TOTALS();
  if (g_ngpu > 0) {
    size_t g0 = weir_memory_active_on(WEIR_GPU_DEVICE(0)), c0 = weir_memory_active_on(CPU);
    weir_array *a = NULL;
    int64_t shape[1] = {N};
    CHECK_OK(weir_zeros(&a, shape, 1, WEIR_FLOAT32, weir_on(WEIR_GPU_DEVICE(0))));
    CHECK_OK(weir_eval(&a, 1));
    CHECK_EQ_U64(weir_memory_active_on(WEIR_GPU_DEVICE(0)), g0 + 4 * N);
    CHECK_EQ_U64(weir_memory_active_on(CPU), c0);
    weir_array_free(a);
    CHECK_EQ_U64(weir_memory_active_on(WEIR_GPU_DEVICE(0)), g0);
  }
}

/* A chain of elementwise ops needs about two buffers: under a limit of 2.5 buffers a 50-op chain
   still evaluates (inputs are dropped as soon as they are used; an allocation over the limit
   waits for in-flight work), also when the chain hops between two streams. */
static void test_tight_limit(void) {
  weir_stream s[2];
  if (!CHECK_OK(weir_stream_new(CPU, &s[0])) || !CHECK_OK(weir_stream_new(CPU, &s[1]))) return;
  weir_array *one = NULL;
  CHECK_OK(weir_array_from_scalar(&one, 1, WEIR_FLOAT32));
  int64_t shape[1] = {1 << 20};
  for (int hop = 0; hop < 2; hop++) {
    weir_array *x = NULL;
    CHECK_OK(weir_zeros(&x, shape, 1, WEIR_FLOAT32, s[0]));
    for (int i = 0; i < 50 && x; i++) {
      weir_array *y = NULL;
      CHECK_OK(weir_add(&y, x, one, s[hop ? i % 2 : 0]));
      weir_array_free(x);
      x = y;
    }
    CHECK_OK(weir_synchronize_all());
    size_t base = weir_memory_active(), lim = base + 10 * (1 << 20); /* 2.5 buffers of 4 MiB */
    size_t prev = weir_memory_set_limit(lim);
    weir_memory_reset_peak();
    CHECK_MSG(weir_eval(&x, 1) == WEIR_OK, "50-op chain (hop %d) under a 2.5-buffer limit: %s", hop,
              weir_last_error());
    CHECK(weir_memory_peak() <= lim);
    weir_array *m = NULL;
    double v = -1;
    CHECK_OK(weir_min(&m, x, NULL, 0, false, s[1]));
    CHECK_OK(weir_array_item_double(m, &v));
    CHECK_CLOSE(v, 50, 0);
    CHECK_EQ_U64(weir_memory_set_limit(prev), lim);
    weir_array_free(m);
    weir_array_free(x);
  }
  weir_array_free(one);
  CHECK_OK(weir_stream_free(s[0]));
  CHECK_OK(weir_stream_free(s[1]));
}

/* A chain of 20 unfusable elementwise ops (exp, sin, ...) on a 16 MiB array, each intermediate
   freed by the caller as it builds the next (what `x = f(x)` does in Python): the worker releases
   each intermediate once its consumer ran, so the peak is the input plus two buffers, never 20.
   The values are checked against a float64 replay on a sample. */
static void test_chain_peak(void) {
  const int64_t n[1] = {4 << 20}; /* float32: 16 MiB */
  const size_t bytes = (size_t)n[0] * 4;
  weir_array *x0 = NULL;
  if (!CHECK_OK(weir_random_uniform(&x0, n, 1, WEIR_FLOAT32, -1, 1, NULL, weir_on(WEIR_CPU_DEVICE)))) return;
  CHECK_OK(weir_eval(&x0, 1));
  weir_memory_reset_peak();
  size_t base = weir_memory_active();
  weir_array *x = weir_array_retain(x0);
  for (int i = 0; i < 20; i++) {
    weir_array *y = NULL;
    weir_status st = i % 2 ? weir_sin(&y, x, weir_on(WEIR_CPU_DEVICE)) : weir_tanh(&y, x, weir_on(WEIR_CPU_DEVICE));
    weir_array_free(x);
    if (!CHECK_OK(st)) return;
    x = y;
  }
  CHECK_OK(weir_eval(&x, 1));
  size_t peak = weir_memory_peak();
  CHECK_MSG(peak <= base + 2 * bytes + (1 << 20), "peak %zu bytes above the input's %zu: more than two buffers of %zu",
            peak - base, base, bytes);
  const void *gx = NULL, *g0 = NULL;
  if (CHECK_OK(weir_array_data(x, &gx)) && CHECK_OK(weir_array_data(x0, &g0)))
    for (int64_t k = 0; k < n[0]; k += 99991) {
      double v = ((const float *)g0)[k];
      for (int i = 0; i < 20; i++) v = h_round_f32(i % 2 ? sin(v) : tanh(v));
      CHECK_MSG(fabs(((const float *)gx)[k] - v) <= 1e-6, "chain value at %lld", (long long)k);
    }
  weir_array_free(x);
  weir_array_free(x0);
}

int main(void) {
  h_init("test_memory");
  g_ngpu = weir_device_count(WEIR_GPU);
  H_RUN(test_figures);
  H_RUN(test_cache_limit);
  H_RUN(test_limit_setter);
  H_RUN(test_out_of_memory);
  H_RUN(test_huge_allocation);
  H_RUN(test_tight_limit);
  H_RUN(test_per_device);
  H_RUN(test_chain_peak);
  return h_finish();
}
