/* Evaluation: long chains (1,000,000 ops, no recursion in eval or free), a 1,000-op chain that
   hops across 4 streams, cross-stream waits (only for the input; never in the calling thread),
   evaluated nodes dropping their inputs (flat memory, exact bytes), eval/async_eval API.
   Timing-sensitive (cross-stream non-blocking checks): ctest: serial */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE

static weir_array *scalar(double v, weir_dtype t) {
  weir_array *a = NULL;
  CHECK_OK(weir_array_from_scalar(&a, v, t));
  return a;
}

/* A chain of 1,000 ops on int32 data, op i on stream i % 4; every 100th node is kept and checked. */
static void test_chain_across_4_streams(void) {
  weir_stream s[4];
  for (int i = 0; i < 4; i++)
    if (!CHECK_OK(weir_stream_new(CPU, &s[i]))) return;
  enum { N = 257, STEPS = 1000 };
  weir_array *x = NULL, *three = scalar(3, WEIR_INT32), *one = scalar(1, WEIR_INT32), *zero = scalar(0, WEIR_INT32);
  CHECK_OK(weir_arange(&x, 0, N, 1, WEIR_INT32, s[0]));
  weir_array *kept[STEPS / 100] = {0};
  int64_t kept_add[STEPS / 100];
  int64_t add = 0;
  for (int i = 0; i < STEPS; i++) {
    weir_array *y = NULL;
    weir_stream st = s[i % 4];
    switch (i % 4) {
    case 0: CHECK_OK(weir_add(&y, x, three, st)); add += 3; break;
    case 1: CHECK_OK(weir_subtract(&y, x, one, st)); add -= 1; break;
    case 2: CHECK_OK(weir_multiply(&y, x, one, st)); break;
    default: CHECK_OK(weir_maximum(&y, x, zero, st)); break;
    }
    if (!y) break;
    CHECK_MSG(h_stream_is(weir_array_stream(y), st), "step %d on its stream", i);
    weir_array_free(x);
    x = y;
    if (i % 100 == 99) {
      kept[i / 100] = weir_array_retain(x);
      kept_add[i / 100] = add;
    }
  }
  CHECK_EQ_INT(add, 500);
  if (CHECK_OK(weir_eval(&x, 1))) {
    const void *p = NULL;
    if (CHECK_OK(weir_array_data(x, &p)))
      for (int j = 0; j < N; j++) CHECK_EQ_INT(((const int32_t *)p)[j], j + 500);
  }
  for (int k = 0; k < STEPS / 100; k++) {
    double v[N];
    if (kept[k] && CHECK_OK(h_read(kept[k], v)))
      for (int j = 0; j < N; j += 32) CHECK_CLOSE(v[j], (double)(j + kept_add[k]), 0);
    weir_array_free(kept[k]);
  }
  weir_array_free(x);
  weir_array_free(three);
  weir_array_free(one);
  weir_array_free(zero);
  for (int i = 0; i < 4; i++) CHECK_OK(weir_stream_free(s[i]));
}

/* 1,000,000 ops in one chain: eval must not recurse (the default 8 MiB stack would overflow). */
static void test_million_chain(void) {
  long n = h_scaled(1000000);
  weir_array *one = scalar(1, WEIR_INT32), *x = scalar(0, WEIR_INT32);
  double t0 = h_now();
  for (long i = 0; i < n && x; i++) {
    weir_array *y = NULL;
    if (weir_add(&y, x, one, weir_on(CPU)) != WEIR_OK) {
      CHECK_MSG(false, "add %ld failed: %s", i, weir_last_error());
      break;
    }
    weir_array_free(x);
    x = y;
  }
  double t1 = h_now();
  CHECK_OK(weir_eval(&x, 1));
  double t2 = h_now();
  int64_t v = -1;
  CHECK_OK(weir_array_item_int64(x, &v));
  CHECK_EQ_INT(v, n);
  printf("  %ld-op chain: build %.2f s, eval %.2f s\n", n, t1 - t0, t2 - t1);
  weir_array_free(x);

  /* Freeing an unevaluated chain of the same length must not recurse either. */
  size_t active0 = weir_memory_active();
  x = scalar(0, WEIR_INT32);
  for (long i = 0; i < n && x; i++) {
    weir_array *y = NULL;
    if (weir_add(&y, x, one, weir_on(CPU)) != WEIR_OK) break;
    weir_array_free(x);
    x = y;
  }
  double t3 = h_now();
  weir_array_free(x);
  printf("  free of an unevaluated %ld-op chain: %.2f s\n", n, h_now() - t3);
  CHECK_EQ_U64(weir_memory_active(), active0);
  weir_array_free(one);
}

/* A long chain whose every op hops between two streams (each step waits on the other stream). */
static void test_pingpong_chain(void) {
  weir_stream s[2];
  if (!CHECK_OK(weir_stream_new(CPU, &s[0])) || !CHECK_OK(weir_stream_new(CPU, &s[1]))) return;
  long n = h_scaled(100000);
  weir_array *one = scalar(1, WEIR_INT64), *x = scalar(5, WEIR_INT64);
  for (long i = 0; i < n && x; i++) {
    weir_array *y = NULL;
    if (weir_add(&y, x, one, s[i & 1]) != WEIR_OK) break;
    weir_array_free(x);
    x = y;
  }
  int64_t v = -1;
  CHECK_OK(weir_array_item_int64(x, &v));
  CHECK_EQ_INT(v, 5 + n);
  weir_array_free(x);
  weir_array_free(one);
  CHECK_OK(weir_stream_free(s[0]));
  CHECK_OK(weir_stream_free(s[1]));
}

/* A slow computation on stream s: k rounds of sin over 2^22 float32 elements. */
static weir_array *slow_chain(weir_stream s, int k) {
  int64_t shape[1] = {1 << 22};
  weir_array *x = NULL;
  CHECK_OK(weir_full(&x, shape, 1, 0.5, WEIR_FLOAT32, s));
  for (int i = 0; i < k && x; i++) {
    weir_array *y = NULL;
    CHECK_OK(weir_sin(&y, x, s));
    weir_array_free(x);
    x = y;
  }
  return x;
}

static void test_cross_stream_nonblocking(void) {
  weir_stream a, b;
  if (!CHECK_OK(weir_stream_new(CPU, &a)) || !CHECK_OK(weir_stream_new(CPU, &b))) return;
  weir_array *one = scalar(1, WEIR_FLOAT32);

  /* calibrate: how long the slow op takes on its own */
  int k = 6;
  double t_slow = 0;
  for (;;) {
    weir_array *x = slow_chain(a, k);
    double t0 = h_now();
    CHECK_OK(weir_eval(&x, 1));
    t_slow = h_now() - t0;
    weir_array_free(x);
    if (t_slow >= 0.2 || k >= 96) break;
    k *= 2;
  }
  printf("  slow op: %d sin passes, %.3f s\n", k, t_slow);

  /* 1: A's slow op and B's consumer scheduled together; async_eval returns at once. */
  weir_array *x = slow_chain(a, k), *y = NULL;
  CHECK_OK(weir_add(&y, x, one, b));
  double t0 = h_now();
  CHECK_OK(weir_async_eval(&y, 1));
  double t_async = h_now() - t0;
  CHECK_OK(weir_eval(&y, 1));
  double t_total = h_now() - t0;
  printf("  async_eval(B's consumer): %.6f s; whole: %.3f s\n", t_async, t_total);
  CHECK_MSG(t_async < t_total / 10, "async_eval blocked: %.4f s of %.4f s", t_async, t_total);
  CHECK_MSG(t_total > t_slow / 3, "the consumer finished before its input could have: %.3f s", t_total);
  double v = 0;
  weir_array *m = NULL;
  CHECK_OK(weir_max(&m, y, NULL, 0, false, b));
  CHECK_OK(weir_array_item_double(m, &v));
  double ref = 0.5;
  for (int i = 0; i < k; i++) ref = (double)sinf((float)ref);
  CHECK_CLOSE(v, (float)ref + 1.0f, 1e-5);
  weir_array_free(m);
  weir_array_free(x);
  weir_array_free(y);

  /* 2: the slow op already running on A; async_eval of B's consumer still returns at once. */
  x = slow_chain(a, k);
  CHECK_OK(weir_async_eval(&x, 1));
  y = NULL;
  CHECK_OK(weir_add(&y, x, one, b));
  t0 = h_now();
  CHECK_OK(weir_async_eval(&y, 1));
  t_async = h_now() - t0;
  CHECK_MSG(t_async < t_slow / 10, "async_eval blocked on a running producer: %.4f s (slow op %.4f s)", t_async,
            t_slow);
  /* 3: meanwhile, work on B that does not depend on A is not held up by A */
  weir_array *z = NULL, *w = NULL;
  int64_t shape[1] = {16};
  CHECK_OK(weir_full(&z, shape, 1, 2.0, WEIR_FLOAT32, weir_on(CPU)));
  weir_stream c;
  CHECK_OK(weir_stream_new(CPU, &c));
  CHECK_OK(weir_multiply(&w, z, z, c));
  t0 = h_now();
  CHECK_OK(weir_eval(&w, 1));
  double t_indep = h_now() - t0;
  CHECK_MSG(t_indep < t_slow / 4, "independent work waited for another stream: %.4f s", t_indep);
  CHECK_OK(weir_eval(&y, 1));
  weir_array_free(x);
  weir_array_free(y);
  weir_array_free(z);
  weir_array_free(w);

  /* 4: a node waits only for its input, not for everything queued on the input's stream. */
  weir_array *fast = NULL, *f2 = NULL;
  CHECK_OK(weir_full(&fast, shape, 1, 7.0, WEIR_FLOAT32, a));
  CHECK_OK(weir_async_eval(&fast, 1)); /* queued on A before the slow op */
  x = slow_chain(a, k);
  CHECK_OK(weir_async_eval(&x, 1));
  CHECK_OK(weir_add(&f2, fast, one, b));
  t0 = h_now();
  CHECK_OK(weir_eval(&f2, 1));
  double t_fast = h_now() - t0;
  CHECK_MSG(t_fast < t_slow / 4, "consumer of a fast input waited for the rest of its stream: %.4f s (slow %.4f s)",
            t_fast, t_slow);
  weir_array *f2max = NULL;
  CHECK_OK(weir_max(&f2max, f2, NULL, 0, false, b));
  CHECK_OK(weir_array_item_double(f2max, &v));
  CHECK_CLOSE(v, 8.0, 0);
  CHECK_OK(weir_synchronize(a));
  weir_array_free(f2max);
  weir_array_free(fast);
  weir_array_free(f2);
  weir_array_free(x);
  weir_array_free(one);
  CHECK_OK(weir_stream_free(a));
  CHECK_OK(weir_stream_free(b));
  CHECK_OK(weir_stream_free(c));
}

/* x = x + 1; eval(x) for 10,000 steps: active memory stays exactly flat. */
static void test_flat_memory(void) {
  int64_t shape[1] = {1000};
  weir_array *one = scalar(1, WEIR_FLOAT32), *x = NULL;
  CHECK_OK(weir_zeros(&x, shape, 1, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_eval(&x, 1));
  CHECK_OK(weir_synchronize_all());
  size_t base = weir_memory_active();
  long steps = h_scaled(10000), bad = 0, first_bad = -1;
  size_t bad_value = 0;
  for (long i = 0; i < steps; i++) {
    weir_array *y = NULL;
    if (!CHECK_OK(weir_add(&y, x, one, weir_on(CPU)))) break;
    weir_array_free(x);
    x = y;
    if (weir_eval(&x, 1) != WEIR_OK) {
      CHECK_MSG(false, "eval at step %ld: %s", i, weir_last_error());
      break;
    }
    size_t now = weir_memory_active();
    if (now != base) {
      if (!bad++) first_bad = i, bad_value = now;
    }
  }
  CHECK_MSG(bad == 0, "active memory moved in %ld of %ld steps (first at step %ld: %zu, base %zu)", bad, steps,
            first_bad, bad_value, base);
  double v[1000];
  if (CHECK_OK(h_read(x, v))) CHECK_CLOSE(v[999], (double)steps, 0);
  weir_array_free(x);
  CHECK_EQ_U64(weir_memory_active(), base - 4000);

  /* An unevaluated chain of 100 elementwise ops needs about two buffers, not one per op. */
  int64_t big[1] = {1 << 16};
  CHECK_OK(weir_zeros(&x, big, 1, WEIR_FLOAT32, weir_on(CPU)));
  for (int i = 0; i < 100 && x; i++) {
    weir_array *y = NULL;
    CHECK_OK(weir_add(&y, x, one, weir_on(CPU)));
    weir_array_free(x);
    x = y;
  }
  size_t start = weir_memory_active();
  weir_memory_reset_peak();
  CHECK_OK(weir_eval(&x, 1));
  size_t peak = weir_memory_peak();
  CHECK_EQ_U64(weir_memory_active(), start + (4u << 16));
  CHECK_MSG(peak <= start + 3 * (4u << 16), "peak of a 100-op chain: %zu bytes above start (one buffer: %u)",
            peak - start, 4u << 16);
  weir_array_free(x);
  weir_array_free(one);
}

/* Evaluated nodes drop their inputs: the exact bytes left are those of arrays the user holds. */
static void test_drop_inputs(void) {
  enum { N = 4096 };
  static double vals[N];
  int64_t shape[1] = {N};
  weir_array *two = scalar(2, WEIR_FLOAT32);
  CHECK_OK(weir_synchronize_all());
  size_t base = weir_memory_active();
  weir_array *a = h_rand_array(WEIR_FLOAT32, shape, 1, -4, 4, vals);
  CHECK_EQ_U64(weir_memory_active(), base + 4 * N); /* from_data holds a buffer at once */
  weir_array *b = NULL, *c = NULL;
  CHECK_OK(weir_add(&b, a, two, weir_on(CPU)));
  CHECK_OK(weir_multiply(&c, b, two, weir_on(CPU)));
  weir_array_free(a);
  weir_array_free(b);
  CHECK_EQ_U64(weir_memory_active(), base + 4 * N); /* a lives on as b's input */
  CHECK_OK(weir_eval(&c, 1));
  CHECK_EQ_U64(weir_memory_active(), base + 4 * N); /* a and b are gone, c remains */
  double got[N];
  if (CHECK_OK(h_read(c, got)))
    for (int i = 0; i < N; i++) CHECK_CLOSE(got[i], h_round_f32(h_round_f32(vals[i] + 2) * 2), 0);
  weir_array_free(c);
  CHECK_EQ_U64(weir_memory_active(), base);

  /* an intermediate the user keeps keeps its buffer; its own input is dropped */
  a = h_make(WEIR_FLOAT32, shape, 1, vals);
  CHECK_OK(weir_add(&b, a, two, weir_on(CPU)));
  CHECK_OK(weir_multiply(&c, b, two, weir_on(CPU)));
  weir_array_free(a);
  CHECK_OK(weir_eval(&c, 1));
  CHECK_EQ_U64(weir_memory_active(), base + 2 * 4 * N);
  if (CHECK_OK(h_read(b, got)))
    for (int i = 0; i < N; i++) CHECK_CLOSE(got[i], h_round_f32(vals[i] + 2), 0);
  weir_array_free(b);
  weir_array_free(c);
  CHECK_EQ_U64(weir_memory_active(), base);
  weir_array_free(two);
}

static void test_eval_api(void) {
  CHECK_OK(weir_eval(NULL, 0));
  CHECK_OK(weir_async_eval(NULL, 0));
  CHECK_STATUS(weir_eval(NULL, 1), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_async_eval(NULL, 2), WEIR_ERR_INVALID_ARGUMENT);
  weir_array *a = scalar(3, WEIR_FLOAT32), *b = NULL, *c = NULL, *d = NULL;
  weir_array *list[3] = {a, NULL, a};
  CHECK_STATUS(weir_eval(list, 3), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("NULL");
  CHECK_STATUS(weir_async_eval(list, 2), WEIR_ERR_INVALID_ARGUMENT);
  /* diamond: b used twice */
  CHECK_OK(weir_add(&b, a, a, weir_on(CPU)));
  CHECK_OK(weir_multiply(&c, b, b, weir_on(CPU)));
  CHECK_OK(weir_add(&d, b, c, weir_on(CPU)));
  weir_array *all[4] = {d, c, d, b};
  CHECK_OK(weir_async_eval(all, 4));
  CHECK_OK(weir_async_eval(all, 4));
  CHECK_OK(weir_eval(all, 4));
  CHECK_OK(weir_eval(all, 4));
  double v = 0;
  CHECK_OK(weir_array_item_double(d, &v));
  CHECK_CLOSE(v, 42.0, 0);
  CHECK_OK(weir_array_item_double(c, &v));
  CHECK_CLOSE(v, 36.0, 0);
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(c);
  weir_array_free(d);
}

/* A layered DAG over 4 streams: node (l, j) = node(l-1, j) + node(l-1, (j+1) % 4) on stream j. */
static void test_dag_fan_in(void) {
  weir_stream s[4];
  for (int i = 0; i < 4; i++)
    if (!CHECK_OK(weir_stream_new(CPU, &s[i]))) return;
  enum { L = 40, W = 4, N = 64 };
  weir_array *cur[W], *nxt[W];
  int64_t ref[W], rnext[W];
  int64_t shape[1] = {N};
  for (int j = 0; j < W; j++) {
    cur[j] = NULL;
    CHECK_OK(weir_full(&cur[j], shape, 1, (double)(j + 1), WEIR_INT64, s[j]));
    ref[j] = j + 1;
  }
  for (int l = 0; l < L; l++) {
    for (int j = 0; j < W; j++) {
      nxt[j] = NULL;
      CHECK_OK(weir_add(&nxt[j], cur[j], cur[(j + 1) % W], s[j]));
      rnext[j] = ref[j] + ref[(j + 1) % W];
    }
    for (int j = 0; j < W; j++) {
      weir_array_free(cur[j]);
      cur[j] = nxt[j];
      ref[j] = rnext[j];
    }
    if (l == L / 2) CHECK_OK(weir_async_eval(cur, W)); /* part of the graph already in flight */
  }
  CHECK_OK(weir_eval(cur, W));
  for (int j = 0; j < W; j++) {
    const void *p = NULL;
    if (CHECK_OK(weir_array_data(cur[j], &p))) {
      CHECK_EQ_INT(((const int64_t *)p)[0], ref[j]);
      CHECK_EQ_INT(((const int64_t *)p)[N - 1], ref[j]);
    }
    weir_array_free(cur[j]);
  }
  for (int i = 0; i < 4; i++) CHECK_OK(weir_stream_free(s[i]));
}

/* Arrays dropped right after async_eval: the queued work still runs safely, and every byte comes
   back once the streams are drained. */
static void test_free_while_in_flight(void) {
  weir_stream s[2];
  if (!CHECK_OK(weir_stream_new(CPU, &s[0])) || !CHECK_OK(weir_stream_new(CPU, &s[1]))) return;
  CHECK_OK(weir_synchronize_all());
  size_t base = weir_memory_active();
  for (int round = 0; round < 200; round++) {
    weir_array *x = NULL, *y = NULL, *z = NULL;
    int64_t shape[1] = {4096};
    CHECK_OK(weir_full(&x, shape, 1, round, WEIR_FLOAT32, s[round % 2]));
    CHECK_OK(weir_exp(&y, x, s[(round + 1) % 2]));
    CHECK_OK(weir_add(&z, y, x, s[round % 2]));
    CHECK_OK(weir_async_eval(&z, 1));
    weir_array_free(x);
    weir_array_free(y);
    weir_array_free(z); /* possibly before any of it ran */
  }
  CHECK_OK(weir_synchronize_all());
  CHECK_EQ_U64(weir_memory_active(), base);
  CHECK_OK(weir_stream_free(s[0]));
  CHECK_OK(weir_stream_free(s[1]));
}

int main(void) {
  h_init("test_eval");
  H_RUN(test_free_while_in_flight);
  H_RUN(test_eval_api);
  H_RUN(test_chain_across_4_streams);
  H_RUN(test_dag_fan_in);
  H_RUN(test_drop_inputs);
  H_RUN(test_flat_memory);
  H_RUN(test_cross_stream_nonblocking);
  H_RUN(test_pingpong_chain);
  H_RUN(test_million_chain);
  return h_finish();
}
