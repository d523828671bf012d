/* Donation (core/worker.c): an elementwise op writes into an input's buffer when nothing else can
   see that input. Checks, on the CPU and on every GPU:
   - a 20-op chain on a 16 MiB array peaks at the input plus one buffer (not one per op), with
     the values of a float64 replay;
   - nothing the user can still see is overwritten: an input the user holds, an input with a
     second consumer (queued, or on another stream of the same GPU, whose kernel may still be
     reading it), a reshape sharing the buffer, an input read on the host;
   - no donation where the shapes or element sizes differ (broadcast, astype to a narrower type);
   - chains on several streams from several threads at once (run under ThreadSanitizer). */
#include <pthread.h>

#include "harness.h"
#include "core/scheduler.h"

#define N (1 << 22) /* 16 MiB of float32 */

static int g_ndev;
static weir_device g_devs[9];

static double *g_x; /* N input values */

static weir_array *scalar_on(double v) {
  weir_array *c = NULL;
  CHECK_OK(weir_array_from_scalar(&c, v, WEIR_FLOAT32));
  return c;
}

/* The harness's checks are for the main thread; threads count failed calls here. */
static bool call_ok(weir_status st, int *failed) {
  if (st != WEIR_OK) (*failed)++;
  return st == WEIR_OK;
}

/* x -> 20 ops (10 x (x * 0.999 + 0.001) would fuse on small arrays; these are large): the
   mix of unary and binary ops of a user's expression. Reference in float32 steps. Failed calls
   are counted in *failed (NULL result). */
static weir_array *chain20_counted(weir_array *x, weir_stream s, bool free_input, int *failed) {
  weir_array *m = NULL, *b = NULL, *cur = x;
  if (!call_ok(weir_array_from_scalar(&m, 0.999, WEIR_FLOAT32), failed) ||
      !call_ok(weir_array_from_scalar(&b, 0.001, WEIR_FLOAT32), failed)) {
    weir_array_free(m);
    return NULL;
  }
  for (int k = 0; k < 20 && cur; k++) {
    weir_array *next = NULL;
    switch (k % 4) {
    case 0: call_ok(weir_multiply(&next, cur, m, s), failed); break;
    case 1: call_ok(weir_add(&next, cur, b, s), failed); break;
    case 2: call_ok(weir_abs(&next, cur, s), failed); break;
    default: call_ok(weir_negative(&next, cur, s), failed); break;
    }
    if (cur != x || free_input) weir_array_free(cur);
    cur = next;
  }
  weir_array_free(m);
  weir_array_free(b);
  return cur;
}

static weir_array *chain20(weir_array *x, weir_stream s, bool free_input) {
  int failed = 0;
  weir_array *y = chain20_counted(x, s, free_input, &failed);
  CHECK_MSG(failed == 0 && y, "%d calls of the chain failed: %s", failed, weir_last_error());
  return y;
}

static float chain20_ref(float v) {
  for (int k = 0; k < 20; k++) {
    switch (k % 4) {
    case 0: v = v * 0.999f; break;
    case 1: v = v + 0.001f; break;
    case 2: v = v < 0 ? -v : v; break;
    default: v = -v; break;
    }
  }
  return v;
}

static void check_chain_values(weir_array *y, const char *what) {
  const void *p = NULL;
  if (!CHECK_OK(weir_array_data(y, &p))) return;
  const float *f = p;
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < N; i++)
    if (f[i] != chain20_ref((float)g_x[i]) && bad++ == 0) first = i;
  CHECK_MSG(bad == 0, "%s: %lld of %d values differ from the float32 replay (first at %lld)", what, (long long)bad, N,
            (long long)first);
}

static void check_input_intact(weir_array *x, const char *what) {
  const void *p = NULL;
  if (!CHECK_OK(weir_array_data(x, &p))) return;
  const float *f = p;
  int64_t bad = 0;
  for (int64_t i = 0; i < N; i++) bad += f[i] != (float)g_x[i];
  CHECK_MSG(bad == 0, "%s: the input the user holds was overwritten (%lld values)", what, (long long)bad);
}

/* |x| for input element i, in float32 as the kernels compute it. */
static float abs_x(int64_t i) { return fabsf((float)g_x[i]); }

/* t holds |x| and y holds -|x|, both read back intact (what names the case). */
static void check_abs_and_negated(weir_array *t, weir_array *y, const char *what, int d) {
  const void *pt = NULL, *py = NULL;
  if (!CHECK_OK(weir_array_data(t, &pt)) || !CHECK_OK(weir_array_data(y, &py))) return;
  int64_t bad = 0;
  for (int64_t i = 0; i < N; i++) bad += ((const float *)pt)[i] != abs_x(i) || ((const float *)py)[i] != -abs_x(i);
  CHECK_MSG(bad == 0, "device %d: %lld values wrong %s", d, (long long)bad, what);
}

static weir_array *input_on(weir_device d) {
  const int64_t n = N;
  weir_array *host = h_make(WEIR_FLOAT32, &n, 1, g_x), *x = NULL;
  if (d.type == WEIR_CPU) return host;
  CHECK_OK(weir_copy(&x, host, weir_on(d)));
  CHECK_OK(weir_eval(&x, 1));
  weir_array_free(host);
  return x;
}

/* The chain peaks at the input plus one buffer, and donates 19 or 20 times. */
static void test_chain_peak(void) {
  for (int d = 0; d < g_ndev; d++) {
    char name[32];
    weir_device_tostring(g_devs[d], name, sizeof name);
    weir_array *x = input_on(g_devs[d]);
    CHECK_OK(weir_synchronize_all());
    size_t start = weir_memory_active_on(g_devs[d]);
    weir_memory_reset_peak();
    uint64_t don0 = weir__donations_total();
    weir_array *y = chain20(x, weir_on(g_devs[d]), false);
    CHECK_OK(weir_eval(&y, 1));
    size_t peak = weir_memory_peak_on(g_devs[d]);
    uint64_t donated = weir__donations_total() - don0;
    CHECK_MSG(peak <= start + (size_t)N * 4 + 4096, "%s: a 20-op chain peaked %zu bytes above the input (one buffer: %d)",
              name, peak - start, N * 4);
    CHECK_MSG(donated >= 19, "%s: %llu of the chain's 20 ops wrote into their input", name, (unsigned long long)donated);
    check_chain_values(y, name);
    check_input_intact(x, name);
    weir_array_free(y);
    weir_array_free(x);
  }
}

/* An input with two consumers: the first must not overwrite what the second reads. The two run
   on one stream, then on two streams of the same device (on a GPU, the other stream's kernel may
   still be reading when the second consumer's stream runs). */
static void test_second_consumer(void) {
  for (int d = 0; d < g_ndev; d++) {
    for (int two_streams = 0; two_streams < 2; two_streams++) {
      weir_stream s1, s2;
      if (!CHECK_OK(weir_stream_new(g_devs[d], &s1))) continue;
      if (!CHECK_OK(weir_stream_new(g_devs[d], &s2))) continue;
      weir_array *x = input_on(g_devs[d]), *t = NULL, *a = NULL, *b = NULL;
      weir_array *m = scalar_on(0.999), *c = scalar_on(0.001);
      CHECK_OK(weir_abs(&t, x, s1)); /* t: the shared temporary, freed by the user */
      weir_array_free(x);                /* (t may write into x's buffer) */
      x = NULL;
      for (int k = 0; k < 4; k++) { /* a long first consumer, so the second overlaps it */
        weir_array *n1 = NULL;
        CHECK_OK(weir_multiply(&n1, k ? a : t, m, two_streams ? s2 : s1));
        weir_array_free(a);
        a = n1;
      }
      CHECK_OK(weir_add(&b, t, c, s1));
      weir_array_free(t);
      weir_array *both[2] = {a, b};
      CHECK_OK(weir_eval(both, 2));
      const void *pa = NULL, *pb = NULL;
      if (CHECK_OK(weir_array_data(a, &pa)) && CHECK_OK(weir_array_data(b, &pb))) {
        int64_t bad = 0;
        for (int64_t i = 0; i < N; i++) {
          float tv = abs_x(i), av = tv;
          for (int k = 0; k < 4; k++) av = av * 0.999f;
          bad += ((const float *)pa)[i] != av || ((const float *)pb)[i] != tv + 0.001f;
        }
        CHECK_MSG(bad == 0, "device %d, %d stream(s): %lld values wrong where two consumers share an input", d,
                  1 + two_streams, (long long)bad);
      }
      weir_array *all[] = {x, a, b, m, c};
      for (int k = 0; k < 5; k++) weir_array_free(all[k]);
      CHECK_OK(weir_stream_free(s1));
      CHECK_OK(weir_stream_free(s2));
    }
  }
}

/* A reshape shares its input's buffer: while the reshape is held, the buffer is not donated. */
static void test_reshape_view(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream s = weir_on(g_devs[d]);
    weir_array *x = input_on(g_devs[d]), *t = NULL, *v = NULL, *y = NULL;
    const int64_t shape2[2] = {N / 1024, 1024};
    CHECK_OK(weir_abs(&t, x, s));
    CHECK_OK(weir_reshape(&v, t, shape2, 2, s));
    CHECK_OK(weir_negative(&y, t, s)); /* t is held by v (and the user, until the free below) */
    weir_array_free(t);
    CHECK_OK(weir_eval(&y, 1));
    CHECK_OK(weir_eval(&v, 1));
    check_abs_and_negated(v, y, "with a reshape sharing the input", d);
    weir_array_free(x);
    weir_array_free(v);
    weir_array_free(y);
  }
}

/* Different shapes or element sizes: a new buffer, right values. */
static void test_no_donation_across_shapes(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream s = weir_on(g_devs[d]);
    enum { R = 64, C = 256 };
    double rv[C], mv[R * C];
    const int64_t rshape[2] = {1, C}, mshape[2] = {R, C}, flat = R * C;
    weir_array *row = h_rand_array(WEIR_FLOAT32, rshape, 2, -2, 2, rv);
    weir_array *mat = h_rand_array(WEIR_FLOAT32, mshape, 2, -2, 2, mv);
    weir_array *r2 = NULL, *sum = NULL, *m2 = NULL, *half = NULL;
    CHECK_OK(weir_abs(&r2, row, s)); /* (1, C), freed: broadcast into (R, C), too small to donate */
    CHECK_OK(weir_add(&sum, r2, mat, s));
    weir_array_free(r2);
    CHECK_OK(weir_abs(&m2, mat, s)); /* float32 -> float16: narrower, no donation */
    CHECK_OK(weir_astype(&half, m2, WEIR_FLOAT16, s));
    weir_array_free(m2);
    weir_array *both[2] = {sum, half};
    CHECK_OK(weir_eval(both, 2));
    double got_sum[R * C], got_half[R * C];
    if (CHECK_OK(h_read(sum, got_sum)) && CHECK_OK(h_read(half, got_half)))
      for (int64_t i = 0; i < flat; i++) {
        float rvf = (float)rv[i % C];
        CHECK_CLOSE(got_sum[i], (double)((rvf < 0 ? -rvf : rvf) + (float)mv[i]), 0);
        CHECK_CLOSE(got_half[i], h_round_f16(mv[i] < 0 ? -mv[i] : mv[i]), 0);
      }
    weir_array *all[] = {row, mat, sum, half};
    for (int k = 0; k < 4; k++) weir_array_free(all[k]);
  }
}

/* An input whose values were read on the host (a cached host copy on a GPU) and then freed by the
   user: its buffer has a copy, so it is not written over (the copy would go stale). */
static void test_read_then_freed(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream s = weir_on(g_devs[d]);
    weir_array *x = input_on(g_devs[d]), *t = NULL, *y = NULL;
    CHECK_OK(weir_abs(&t, x, s));
    const void *p = NULL;
    CHECK_OK(weir_array_data(t, &p)); /* evaluates t; on a GPU, makes a host copy */
    weir_array *keep = weir_array_retain(t);
    CHECK_OK(weir_negative(&y, t, s));
    weir_array_free(t);
    CHECK_OK(weir_eval(&y, 1));
    check_abs_and_negated(keep, y, "after a host read", d);
    weir_array *all[] = {x, keep, y};
    for (int k = 0; k < 3; k++) weir_array_free(all[k]);
  }
}

/* Chains on their own streams from several threads at once. */
typedef struct {
  weir_device dev;
  int seed;
  int bad;
} thread_arg;

static void *chain_thread(void *p) {
  thread_arg *t = p;
  weir_stream s;
  if (weir_stream_new(t->dev, &s) != WEIR_OK) {
    t->bad = -1;
    return NULL;
  }
  enum { M = 1 << 16 };
  float *v = malloc(M * sizeof *v);
  for (int i = 0; i < M; i++) v[i] = (float)((i * 7919 + t->seed * 104729) % 2001 - 1000) / 256.0f;
  for (int rep = 0; rep < 10; rep++) {
    const int64_t n = M;
    weir_array *x = NULL;
    if (weir_array_from_data(&x, v, &n, 1, WEIR_FLOAT32) != WEIR_OK) {
      t->bad = -1;
      break;
    }
    int failed = 0;
    weir_array *y = chain20_counted(x, s, true, &failed);
    if (failed) t->bad = -1;
    const void *out = NULL;
    if (!y || weir_array_data(y, &out) != WEIR_OK) t->bad = -1;
    else
      for (int i = 0; i < M; i++) t->bad += ((const float *)out)[i] != chain20_ref(v[i]);
    weir_array_free(y);
  }
  free(v);
  weir_stream_free(s);
  return NULL;
}

static void test_threads(void) {
  enum { T = 6 };
  pthread_t th[T];
  thread_arg args[T];
  for (int i = 0; i < T; i++) {
    args[i] = (thread_arg){g_devs[i % g_ndev], i, 0};
    CHECK(pthread_create(&th[i], NULL, chain_thread, &args[i]) == 0);
  }
  for (int i = 0; i < T; i++) {
    pthread_join(th[i], NULL);
    CHECK_MSG(args[i].bad == 0, "thread %d: %d wrong values (or -1: a call failed)", i, args[i].bad);
  }
}

int main(void) {
  h_init("test_donation");
  g_devs[g_ndev++] = WEIR_CPU_DEVICE;
  for (int k = 0; k < weir_device_count(WEIR_GPU) && g_ndev < 9; k++) g_devs[g_ndev++] = WEIR_GPU_DEVICE(k);
  g_x = malloc((size_t)N * sizeof *g_x);
  h_rand_vals(g_x, N, WEIR_FLOAT32, -4, 4);
  H_RUN(test_chain_peak);
  H_RUN(test_second_consumer);
  H_RUN(test_reshape_view);
  H_RUN(test_no_donation_across_shapes);
  H_RUN(test_read_then_freed);
  H_RUN(test_threads);
  free(g_x);
  return h_finish();
}
