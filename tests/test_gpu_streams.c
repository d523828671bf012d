/* GPU streams and memory: GPU->GPU (a 1,000-op chain hopping between 4 streams of each GPU,
   exact against a float32 host replay), CPU->GPU (async_eval of a GPU consumer of a slow CPU
   result returns at once), GPU->CPU (a CPU stream consumes GPU results, also while the GPU is
   busy), two GPUs (gpu:0 -> gpu:1 -> gpu:0, default streams, per-device memory), memory figures
   on a GPU (exact active bytes, CPU figures untouched, cache, clear_cache), out of memory on the
   GPU (past the device, and past the memory limit) followed by normal work, synchronize after
   async_eval, injected kernel failures on a GPU stream (only dependents poisoned, reported once),
   pinned host-to-device transfer speed, fusion on the GPU (a 10,000-op chain, random programs
   against serial replays), and the seed example "CPU and GPU in parallel".
   Skips (77) without a GPU. Timing-sensitive (non-blocking and bandwidth checks): ctest: serial */
#include "harness.h"
#include "core/fault_injection.h"

#define CPU WEIR_CPU_DEVICE
#define GPU0 WEIR_GPU_DEVICE(0)

static int g_ngpu;

static weir_array *scalar(double v, weir_dtype t) {
  weir_array *a = NULL;
  CHECK_OK(weir_array_from_scalar(&a, v, t));
  return a;
}

static void free_all(weir_array **list, int n) {
  for (int i = 0; i < n; i++) weir_array_free(list[i]);
}

/* Float32 values of x, read on the host (NULL when the read fails, which is recorded). */
static const float *floats(weir_array *x) {
  const void *p = NULL;
  if (!x || !CHECK_OK(weir_array_data(x, &p))) return NULL;
  return p;
}

/* ---- GPU -> GPU ---- */

/* Op i of a 1,000-op float32 chain runs on stream i % 4 of gpu:k, with a 0-d host constant as
   the second operand; a float32 host replay gives the exact values (every op is IEEE-exact). */
static void test_chain_4_gpu_streams(void) {
  enum { N = 1000, STEPS = 1000 };
  for (int k = 0; k < g_ngpu; k++) {
    weir_stream s[4];
    bool ok = true;
    for (int i = 0; i < 4 && ok; i++) ok = CHECK_OK(weir_stream_new(WEIR_GPU_DEVICE(k), &s[i]));
    if (!ok) return;
    static float ref[N], kept_ref[STEPS / 100][N];
    double v[N];
    weir_array *x = h_rand_array(WEIR_FLOAT32, (const int64_t[]){N}, 1, -1, 1, v), *kept[STEPS / 100] = {NULL};
    for (int j = 0; j < N; j++) ref[j] = (float)v[j];
    for (int i = 0; i < STEPS && x; i++) {
      int op = (int)h_rand_int(0, 4);
      float c = op == 2 ? (float)h_rand_range(0.5, 1.5) : (float)h_rand_range(-2, 2);
      weir_array *cs = scalar(c, WEIR_FLOAT32), *y = NULL;
      weir_stream st = s[i % 4];
      weir_status rc = op == 0   ? weir_add(&y, x, cs, st)
                       : op == 1 ? weir_subtract(&y, x, cs, st)
                       : op == 2 ? weir_multiply(&y, x, cs, st)
                       : op == 3 ? weir_maximum(&y, x, cs, st)
                                 : weir_minimum(&y, x, cs, st);
      weir_array_free(cs);
      if (!CHECK_MSG(rc == WEIR_OK, "gpu:%d step %d: %s", k, i, weir_last_error())) break;
      CHECK_MSG(h_stream_is(weir_array_stream(y), st), "gpu:%d step %d not on its stream", k, i);
      for (int j = 0; j < N; j++) {
        float r = ref[j];
        r = op == 0 ? r + c : op == 1 ? r - c : op == 2 ? r * c : op == 3 ? (r > c ? r : c) : (r < c ? r : c);
        ref[j] = r;
      }
      weir_array_free(x);
      x = y;
      if (i % 100 == 99) {
        kept[i / 100] = weir_array_retain(x);
        memcpy(kept_ref[i / 100], ref, sizeof ref);
      }
    }
    const float *p = floats(x);
    int bad = 0;
    for (int j = 0; p && j < N; j++) bad += p[j] != ref[j];
    CHECK_MSG(p && bad == 0, "gpu:%d 1,000-op chain over 4 streams: %d of %d values differ from the host replay", k,
              bad, N);
    for (int m = 0; m < STEPS / 100; m++) {
      const float *q = floats(kept[m]);
      bad = 0;
      for (int j = 0; q && j < N; j++) bad += q[j] != kept_ref[m][j];
      CHECK_MSG(q && bad == 0, "gpu:%d value kept after step %d: %d of %d differ", k, 100 * m + 99, bad, N);
    }
    free_all(kept, STEPS / 100);
    weir_array_free(x);
    for (int i = 0; i < 4; i++) CHECK_OK(weir_stream_free(s[i]));
  }
}

/* ---- slow work to overlap with ---- */

/* k rounds of sin over 2^22 float32 elements on a CPU stream. */
static weir_array *slow_cpu(weir_stream s, int k) {
  weir_array *x = NULL;
  CHECK_OK(weir_full(&x, (const int64_t[]){1 << 22}, 1, 0.5, WEIR_FLOAT32, s));
  for (int i = 0; i < k && x; i++) {
    weir_array *y = NULL;
    CHECK_OK(weir_sin(&y, x, s));
    weir_array_free(x);
    x = y;
  }
  return x;
}

/* The same, long enough to take >= 0.3 s here; returns the number of rounds and the time. */
static int calibrate_cpu(weir_stream s, double *t) {
  int k = 4;
  for (;;) {
    weir_array *x = slow_cpu(s, k);
    double t0 = h_now();
    CHECK_OK(weir_eval(&x, 1));
    *t = h_now() - t0;
    weir_array_free(x);
    if (*t >= 0.3 || k >= 2048) return k;
    k *= 2;
  }
}

/* Slow GPU work: y = x @ I, g_r times on gpu:0 (2048 x 2048 float32; exact, even with TF32,
   because x holds float16 values and I is the identity). */
enum { MD = 2048 };
static weir_array *g_x, *g_eye;
static double *g_xv, g_t_gpu;
static int g_r;

static weir_array *slow_gpu(weir_stream s, int r) {
  weir_array *y = weir_array_retain(g_x);
  for (int i = 0; i < r && y; i++) {
    weir_array *z = NULL;
    CHECK_OK(weir_matmul(&z, y, g_eye, s));
    weir_array_free(y);
    y = z;
  }
  return y;
}

static void setup_slow_gpu(void) {
  const int64_t sh[2] = {MD, MD};
  g_xv = malloc(sizeof(double) * MD * MD);
  double *eye = calloc(MD * MD, sizeof(double));
  for (int i = 0; i < MD; i++) eye[i * MD + i] = 1;
  for (int i = 0; i < MD * MD; i++) g_xv[i] = h_round_f16(h_rand_range(-1, 1));
  g_x = h_make(WEIR_FLOAT32, sh, 2, g_xv);
  g_eye = h_make(WEIR_FLOAT32, sh, 2, eye);
  free(eye);
  weir_stream s;
  if (!g_x || !g_eye || !CHECK_OK(weir_stream_new(GPU0, &s))) return;
  weir_array *w = slow_gpu(s, 2); /* warm-up (cuBLAS set-up, device copies of x and I), untimed */
  CHECK_OK(weir_eval(&w, 1));
  weir_array_free(w);
  for (g_r = 8;; g_r *= 2) {
    weir_array *y = slow_gpu(s, g_r);
    double t0 = h_now();
    CHECK_OK(weir_eval(&y, 1));
    g_t_gpu = h_now() - t0;
    weir_array_free(y);
    if (g_t_gpu >= 0.2 || g_r >= 8192) break;
  }
  printf("slow GPU work: %d matmuls of %d x %d float32, %.3f s\n", g_r, MD, MD, g_t_gpu);
  CHECK_OK(weir_stream_free(s));
}

/* y must equal g_x bit for bit. */
static void check_is_x(weir_array *y, const char *what) {
  const float *p = floats(y);
  int64_t bad = 0;
  for (int64_t i = 0; p && i < (int64_t)MD * MD; i++) bad += p[i] != (float)g_xv[i];
  CHECK_MSG(p && bad == 0, "%s: %lld of %d values differ from x (x @ I must be exact)", what, (long long)bad, MD * MD);
}

/* ---- CPU -> GPU, GPU -> CPU ---- */

static void test_cpu_to_gpu(void) {
  weir_stream cs, gs, gs2;
  if (!CHECK_OK(weir_stream_new(CPU, &cs)) || !CHECK_OK(weir_stream_new(GPU0, &gs)) ||
      !CHECK_OK(weir_stream_new(GPU0, &gs2)))
    return;
  weir_array *one = scalar(1, WEIR_FLOAT32);
  double t_slow = 0;
  int k = calibrate_cpu(cs, &t_slow);
  printf("  slow CPU work: %d sin passes over 2^22 floats, %.3f s\n", k, t_slow);
  float ref = 0.5f;
  for (int i = 0; i < k; i++) ref = sinf(ref);
  ref += 1.0f;

  /* 1: the CPU producer and its GPU consumer scheduled together: async_eval returns at once */
  weir_array *x = slow_cpu(cs, k), *y = NULL, *m = NULL;
  CHECK_OK(weir_add(&y, x, one, gs));
  double t0 = h_now();
  CHECK_OK(weir_async_eval(&y, 1));
  double t_async = h_now() - t0;
  CHECK_OK(weir_eval(&y, 1));
  double t_total = h_now() - t0, v = 0;
  printf("  async_eval of the GPU consumer: %.6f s; whole: %.3f s\n", t_async, t_total);
  CHECK_MSG(t_async < t_slow / 10, "async_eval of a GPU consumer blocked on the CPU producer: %.4f s of %.4f s",
            t_async, t_slow);
  CHECK_MSG(t_total > t_slow / 3, "the GPU consumer finished before its CPU input could have: %.3f s", t_total);
  if (CHECK_OK(weir_max(&m, y, NULL, 0, false, gs)) && CHECK_OK(weir_array_item_double(m, &v)))
    CHECK_MSG(fabs(v - ref) <= 1e-5, "CPU->GPU value %.9g, want sin^%d(0.5) + 1 = %.9g", v, k, (double)ref);
  free_all((weir_array *[]){x, y, m}, 3);

  /* 2: the producer already running; 3: independent work on another GPU stream is not held up */
  x = slow_cpu(cs, k);
  y = m = NULL;
  CHECK_OK(weir_async_eval(&x, 1));
  CHECK_OK(weir_add(&y, x, one, gs));
  t0 = h_now();
  CHECK_OK(weir_async_eval(&y, 1));
  t_async = h_now() - t0;
  CHECK_MSG(t_async < t_slow / 10, "async_eval of a GPU consumer of a running CPU producer: %.4f s", t_async);
  weir_array *z = NULL, *w = NULL;
  CHECK_OK(weir_full(&z, (const int64_t[]){16}, 1, 2.0, WEIR_FLOAT32, gs2));
  CHECK_OK(weir_multiply(&w, z, z, gs2));
  t0 = h_now();
  CHECK_OK(weir_eval(&w, 1));
  double t_indep = h_now() - t0;
  CHECK_MSG(t_indep < t_slow / 4, "independent GPU work waited for the CPU stream: %.4f s (slow op %.4f s)", t_indep,
            t_slow);
  const float *p = floats(w);
  if (p) CHECK_CLOSE(p[15], 4.0, 0);
  if (CHECK_OK(weir_max(&m, y, NULL, 0, false, gs)) && CHECK_OK(weir_array_item_double(m, &v)))
    CHECK_MSG(fabs(v - ref) <= 1e-5, "CPU->GPU value (running producer) %.9g, want %.9g", v, (double)ref);
  free_all((weir_array *[]){x, y, m, z, w, one}, 6);
  CHECK_OK(weir_synchronize(cs));
  CHECK_OK(weir_stream_free(cs));
  CHECK_OK(weir_stream_free(gs));
  CHECK_OK(weir_stream_free(gs2));
}

static void test_gpu_to_cpu(void) {
  weir_stream cs, gs;
  if (!CHECK_OK(weir_stream_new(CPU, &cs)) || !CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  enum { N = 4096 }; /* i * i + 1 is exact in float32 */
  weir_array *a = NULL, *b = NULL, *c = NULL, *one = scalar(1, WEIR_FLOAT32);
  CHECK_OK(weir_arange(&a, 0, N, 1, WEIR_FLOAT32, gs));
  CHECK_OK(weir_multiply(&b, a, a, gs));
  CHECK_OK(weir_add(&c, b, one, cs)); /* the CPU stream consumes a GPU result */
  CHECK(c && h_stream_is(weir_array_stream(c), cs));
  if (CHECK_OK(weir_eval(&c, 1))) {
    const float *p = floats(c);
    int bad = 0;
    for (int i = 0; p && i < N; i++) bad += p[i] != (float)i * (float)i + 1.0f;
    CHECK_MSG(p && bad == 0, "GPU->CPU: %d of %d values differ from i * i + 1", bad, N);
  }
  free_all((weir_array *[]){a, b, c, one}, 4);
  /* a CPU consumer of GPU work still running: async_eval returns at once, the values are exact */
  weir_array *y = slow_gpu(gs, g_r), *col = NULL;
  CHECK_OK(weir_sum(&col, y, (const int[]){0}, 1, false, cs));
  double t0 = h_now();
  CHECK_OK(weir_async_eval(&col, 1));
  double t_async = h_now() - t0;
  CHECK_OK(weir_eval(&col, 1));
  printf("  async_eval of a CPU consumer of busy GPU work: %.6f s (GPU work %.3f s)\n", t_async, g_t_gpu);
  if (g_t_gpu >= 0.05)
    CHECK_MSG(t_async < g_t_gpu / 10, "async_eval of a CPU consumer blocked on the GPU: %.4f s", t_async);
  check_is_x(y, "GPU result read after a CPU consumer");
  const float *p = floats(col);
  int bad = 0;
  for (int j = 0; p && j < MD; j++) {
    double s = 0, sa = 0;
    for (int i = 0; i < MD; i++) s += g_xv[(int64_t)i * MD + j], sa += fabs(g_xv[(int64_t)i * MD + j]);
    bad += fabs(p[j] - s) > 1e-5 * sa;
  }
  CHECK_MSG(p && bad == 0, "column sums on the CPU of a GPU result: %d of %d off", bad, MD);
  weir_array_free(y);
  weir_array_free(col);
  CHECK_OK(weir_stream_free(cs));
  CHECK_OK(weir_stream_free(gs));
}

/* ---- two GPUs ---- */

static void test_two_gpus(void) {
  if (g_ngpu < 2) {
    printf("  (one GPU here: the two-GPU checks need a host with two)\n");
    return;
  }
  const weir_device G1 = WEIR_GPU_DEVICE(1);
  weir_stream d0, d1, s0, s1;
  if (!CHECK_OK(weir_default_stream(GPU0, &d0)) || !CHECK_OK(weir_default_stream(G1, &d1))) return;
  CHECK_MSG(d1.device.type == WEIR_GPU && d1.device.index == 1, "default stream of gpu:1 is on device %d:%d",
            (int)d1.device.type, d1.device.index);
  CHECK(d0.device.type == WEIR_GPU && d0.device.index == 0 && d0.index != d1.index);
  weir_array *o = NULL; /* an op on weir_on(gpu:1) lands on gpu:1's default stream */
  if (CHECK_OK(weir_full(&o, (const int64_t[]){4}, 1, 3.0, WEIR_FLOAT32, weir_on(G1)))) {
    CHECK(h_stream_is(weir_array_stream(o), d1));
    const float *p = floats(o);
    if (p) CHECK_CLOSE(p[3], 3.0, 0);
  }
  weir_array_free(o);

  if (!CHECK_OK(weir_stream_new(GPU0, &s0)) || !CHECK_OK(weir_stream_new(G1, &s1))) return;
  enum { N = 1 << 16 };
  double v[N];
  weir_array *x = NULL, *y = NULL, *z = NULL, *w = NULL, *g1 = NULL, *g0 = NULL, *two = scalar(2, WEIR_INT32);
  weir_array *f = h_rand_array(WEIR_FLOAT32, (const int64_t[]){N}, 1, -2, 2, v);
  CHECK_OK(weir_arange(&x, 0, N, 1, WEIR_INT32, s0));
  CHECK_OK(weir_multiply(&y, x, two, s1)); /* gpu:0 -> gpu:1 */
  CHECK_OK(weir_add(&z, y, x, s0));        /* gpu:1 -> gpu:0 */
  CHECK_OK(weir_copy(&w, z, s1));          /* and back to gpu:1 */
  CHECK_OK(weir_multiply(&g1, f, f, s1));  /* host -> gpu:1 */
  CHECK_OK(weir_add(&g0, g1, f, s0));      /* gpu:1 and host -> gpu:0 */
  weir_array *all[] = {y, z, w, g0};
  if (CHECK_OK(weir_eval(all, 4))) {
    CHECK(h_stream_is(weir_array_stream(y), s1) && h_stream_is(weir_array_stream(z), s0));
    const void *py = NULL, *pz = NULL, *pw = NULL;
    const float *pg = floats(g0);
    if (CHECK_OK(weir_array_data(y, &py)) && CHECK_OK(weir_array_data(z, &pz)) && CHECK_OK(weir_array_data(w, &pw))) {
      int bad = 0;
      for (int i = 0; i < N; i++)
        bad +=
            ((const int32_t *)py)[i] != 2 * i || ((const int32_t *)pz)[i] != 3 * i || ((const int32_t *)pw)[i] != 3 * i;
      CHECK_MSG(bad == 0, "gpu:0 -> gpu:1 -> gpu:0 -> gpu:1: %d of %d values wrong", bad, N);
    }
    int bad = 0;
    for (int i = 0; pg && i < N; i++) {
      float fv = (float)v[i], r = fv * fv;
      bad += pg[i] != r + fv;
    }
    CHECK_MSG(pg && bad == 0, "host -> gpu:1 -> gpu:0 float32: %d of %d values differ", bad, N);
  }
  free_all((weir_array *[]){x, y, z, w, g1, g0, two, f}, 8);

  /* memory figures per device */
  CHECK_OK(weir_synchronize_all());
  size_t a0 = weir_memory_active_on(GPU0), a1 = weir_memory_active_on(G1), ac = weir_memory_active_on(CPU);
  weir_array *m = NULL;
  CHECK_OK(weir_zeros(&m, (const int64_t[]){N}, 1, WEIR_FLOAT32, s1));
  CHECK_OK(weir_eval(&m, 1));
  CHECK_EQ_U64(weir_memory_active_on(G1), a1 + 4 * N);
  CHECK_EQ_U64(weir_memory_active_on(GPU0), a0);
  CHECK_EQ_U64(weir_memory_active_on(CPU), ac);
  size_t sum = weir_memory_active_on(CPU);
  for (int k = 0; k < g_ngpu; k++) sum += weir_memory_active_on(WEIR_GPU_DEVICE(k));
  CHECK_EQ_U64(sum, weir_memory_active());
  weir_array_free(m);
  CHECK_EQ_U64(weir_memory_active_on(G1), a1);
  CHECK_OK(weir_stream_free(s0));
  CHECK_OK(weir_stream_free(s1));
}

/* ---- memory on one GPU ---- */

static void test_memory_one_gpu(void) {
  weir_stream gs;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  enum { N = 1 << 16 }; /* 256 KiB: a size no caching allocator rounds */
  CHECK_OK(weir_synchronize_all());
  weir_memory_clear_cache();
  CHECK_EQ_U64(weir_memory_cache_on(GPU0), 0);
  size_t g0 = weir_memory_active_on(GPU0), c0 = weir_memory_active_on(CPU), t0 = weir_memory_active();
  weir_array *a = NULL, *b = NULL;
  CHECK_OK(weir_zeros(&a, (const int64_t[]){N}, 1, WEIR_FLOAT32, gs));
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0); /* lazy: nothing yet */
  CHECK_OK(weir_eval(&a, 1));
  CHECK_EQ_U64(weir_array_nbytes(a), 4 * N);
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0 + 4 * N);
  CHECK_EQ_U64(weir_memory_active_on(CPU), c0); /* the CPU figures do not count GPU bytes */
  CHECK_EQ_U64(weir_memory_active(), t0 + 4 * N);
  CHECK(weir_memory_peak_on(GPU0) >= g0 + 4 * N);
  weir_array_free(a);
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0);
  CHECK_EQ_U64(weir_memory_active(), t0);
  size_t cache1 = weir_memory_cache_on(GPU0);
  CHECK_MSG(cache1 >= 4 * N, "cache_on(gpu:0) after freeing 256 KiB: %zu", cache1);
  CHECK(weir_memory_cache() >= cache1);
  CHECK_OK(weir_zeros(&b, (const int64_t[]){N}, 1, WEIR_INT32, gs)); /* reuses the cached block */
  CHECK_OK(weir_eval(&b, 1));
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0 + 4 * N);
  CHECK_MSG(weir_memory_cache_on(GPU0) + 4 * N <= cache1, "the freed block was not reused: cache %zu, before %zu",
            weir_memory_cache_on(GPU0), cache1);
  weir_array_free(b);
  weir_memory_reset_peak();
  CHECK_EQ_U64(weir_memory_peak_on(GPU0), 0);
  weir_memory_clear_cache();
  CHECK_EQ_U64(weir_memory_cache_on(GPU0), 0);
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0);
  CHECK_EQ_U64(weir_memory_active_on(CPU), c0);
  CHECK_OK(weir_stream_free(gs));
}

/* ---- out of memory on the GPU ---- */

static void expect_oom(weir_array *a, const char *what) {
  weir_status st = weir_eval(&a, 1);
  CHECK_MSG(st == WEIR_ERR_OUT_OF_MEMORY, "%s: eval gave %s (\"%s\")", what, weir_status_name(st), weir_last_error());
  CHECK_MSG(h_error_mentions("memory"), "%s: message \"%s\"", what, weir_last_error());
}

static void test_gpu_oom(void) {
  weir_stream gs;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  weir_array *one = scalar(1, WEIR_FLOAT32), *x = NULL, *y = NULL, *z = NULL, *b = NULL, *s = NULL;
  CHECK_OK(weir_synchronize_all());
  size_t g0 = weir_memory_active_on(GPU0), t0 = weir_memory_active();
  /* 4 TiB: more than any GPU has; no limit in the way, so the device allocation itself fails */
  size_t prev = weir_memory_set_limit(SIZE_MAX);
  CHECK_OK(weir_zeros(&x, (const int64_t[]){(int64_t)1 << 40}, 1, WEIR_FLOAT32, gs));
  CHECK_OK(weir_add(&y, x, one, gs));
  CHECK_OK(weir_sum(&z, y, NULL, 0, false, gs));
  expect_oom(z, "sum of a 4 TiB GPU array");
  expect_oom(x, "the 4 TiB GPU array");
  double v = 0;
  CHECK_STATUS(weir_array_item_double(z, &v), WEIR_ERR_OUT_OF_MEMORY);
  CHECK_EQ_U64(weir_memory_set_limit(prev), SIZE_MAX);
  free_all((weir_array *[]){x, y, z}, 3);
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0);
  CHECK_EQ_U64(weir_memory_active(), t0);
  /* the device and the stream keep working */
  CHECK_OK(weir_ones(&b, (const int64_t[]){1 << 20}, 1, WEIR_FLOAT32, gs));
  CHECK_OK(weir_sum(&s, b, NULL, 0, false, gs));
  if (CHECK_OK(weir_array_item_double(s, &v))) CHECK_CLOSE(v, (double)(1 << 20), 0);
  CHECK_OK(weir_synchronize(gs));
  free_all((weir_array *[]){b, s}, 2);
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0);

  /* the memory limit just above what is active: a 4 MiB GPU allocation fails, small work goes on */
  CHECK_OK(weir_synchronize_all());
  weir_memory_clear_cache();
  size_t lim = weir_memory_active() + 4096;
  prev = weir_memory_set_limit(lim);
  b = s = NULL;
  CHECK_OK(weir_ones(&b, (const int64_t[]){1 << 20}, 1, WEIR_FLOAT32, gs));
  expect_oom(b, "4 MiB on the GPU over the memory limit");
  weir_array *small = NULL;
  CHECK_OK(weir_full(&small, (const int64_t[]){16}, 1, 2.5, WEIR_FLOAT32, gs));
  const float *p = floats(small);
  if (p) CHECK_CLOSE(p[15], 2.5, 0);
  CHECK_EQ_U64(weir_memory_set_limit(prev), lim);
  weir_array_free(b);
  weir_array_free(small);
  b = NULL;
  CHECK_OK(weir_ones(&b, (const int64_t[]){1 << 20}, 1, WEIR_FLOAT32, gs));
  CHECK_OK(weir_sum(&s, b, NULL, 0, false, gs));
  if (CHECK_OK(weir_array_item_double(s, &v))) CHECK_CLOSE(v, (double)(1 << 20), 0);
  free_all((weir_array *[]){b, s}, 2);
  CHECK_OK(weir_synchronize_all());
  CHECK_EQ_U64(weir_memory_active_on(GPU0), g0);
  weir_array_free(one);
  CHECK_OK(weir_stream_free(gs));
}

/* ---- synchronize ---- */

static void test_synchronize(void) {
  weir_stream gs;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  CHECK_OK(weir_synchronize(gs)); /* nothing queued */
  weir_array *y = slow_gpu(gs, g_r);
  double t0 = h_now();
  CHECK_OK(weir_async_eval(&y, 1));
  double t_async = h_now() - t0;
  CHECK_OK(weir_synchronize(gs));
  double t_sync = h_now() - t0, t1 = h_now();
  CHECK_OK(weir_eval(&y, 1));
  double t_eval = h_now() - t1;
  printf("  async_eval %.6f s, synchronize %.3f s, eval afterwards %.6f s\n", t_async, t_sync, t_eval);
  CHECK_MSG(t_eval < 0.25 * t_sync + 0.005, "eval after synchronize took %.4f s (synchronize %.4f s): did it wait?",
            t_eval, t_sync);
  check_is_x(y, "result after synchronize");
  CHECK_OK(weir_synchronize(weir_on(GPU0)));
  weir_array_free(y);
  CHECK_OK(weir_stream_free(gs));
}

/* ---- injected kernel failures on a GPU stream ---- */

static void test_injected_failures(void) {
  static const weir_status injected[] = {WEIR_ERR_DEVICE, WEIR_ERR_INTERNAL, WEIR_ERR_OUT_OF_MEMORY};
  weir_stream gs;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  for (int k = 0; k < 3; k++) {
    const char *sn = weir_status_name(injected[k]);
    weir_array *x = NULL, *y = NULL, *z = NULL, *other = NULL, *zs = NULL, *s = NULL;
    CHECK_OK(weir_full(&x, (const int64_t[]){16}, 1, 2.0, WEIR_FLOAT32, gs));
    CHECK_OK(weir_eval(&x, 1));
    weir__inject_kernel_failure(WEIR__P_SQRT, injected[k]);
    CHECK_OK(weir_sqrt(&y, x, gs));
    CHECK_OK(weir_multiply(&z, y, x, weir_on(CPU))); /* a dependent on the CPU */
    CHECK_OK(weir_square(&other, x, gs));            /* independent, same GPU stream */
    weir_array *both[2] = {z, other};
    CHECK_OK(weir_async_eval(both, 2));
    double v = 0;
    CHECK_OK(weir_sum(&zs, z, NULL, 0, false, gs)); /* back on the GPU */
    weir_status st = weir_array_item_double(zs, &v);
    CHECK_MSG(st == injected[k], "injected %s: item of a dependent gave %s", sn, weir_status_name(st));
    CHECK_ERR_MENTIONS("injected");
    st = weir_eval(&z, 1);
    CHECK_MSG(st == injected[k], "injected %s: eval of the CPU dependent gave %s", sn, weir_status_name(st));
    CHECK_STATUS(weir_eval(&y, 1), injected[k]);
    CHECK_OK(weir_sum(&s, other, NULL, 0, false, gs)); /* independent work is intact */
    if (CHECK_OK(weir_array_item_double(s, &v))) CHECK_CLOSE(v, 16 * 4.0, 0);
    CHECK_OK(weir_synchronize(gs)); /* reported already: not again */
    CHECK_OK(weir_synchronize(weir_on(CPU)));
    free_all((weir_array *[]){x, y, z, other, zs, s}, 6);
  }
  /* a failure nobody read is reported by synchronize, once */
  weir_array *x = NULL, *y = NULL;
  CHECK_OK(weir_full(&x, (const int64_t[]){4}, 1, 2.0, WEIR_FLOAT32, gs));
  weir__inject_kernel_failure(WEIR__P_SQRT, WEIR_ERR_DEVICE);
  CHECK_OK(weir_sqrt(&y, x, gs));
  CHECK_OK(weir_async_eval(&y, 1));
  CHECK_STATUS(weir_synchronize(gs), WEIR_ERR_DEVICE);
  CHECK_ERR_MENTIONS("injected");
  CHECK_OK(weir_synchronize(gs));
  weir_array_free(y);
  y = NULL;
  CHECK_OK(weir_sqrt(&y, x, gs)); /* the stream works on */
  const float *p = floats(y);
  if (p) CHECK_CLOSE(p[0], sqrtf(2.0f), 0);
  weir_array_free(x);
  weir_array_free(y);
  CHECK_OK(weir_stream_free(gs));
}

/* ---- pinned host-to-device transfers ---- */

static void test_pinned_transfer(void) {
  weir_stream gs;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  const int64_t n = (int64_t)64 << 20; /* 256 MB of float32 */
  const double bytes = 4.0 * (double)n;
  float *host = malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++) host[i] = (float)(i % 1000003);
  double best = 1e30, d2h = 0;
  for (int rep = 0; rep < 4; rep++) { /* rep 0 warms up: pinned blocks, device blocks */
    weir_array *a = NULL, *c = NULL;
    /* a fresh host array each time: a copy already made on the GPU would be reused */
    if (!CHECK_OK(weir_array_from_data(&a, host, &n, 1, WEIR_FLOAT32))) break;
    CHECK_OK(weir_copy(&c, a, gs));
    double t0 = h_now();
    CHECK_OK(weir_eval(&c, 1));
    double t = h_now() - t0;
    if (rep > 0 && t < best) best = t;
    if (rep == 1) {
      t0 = h_now();
      const float *p = floats(c);
      d2h = h_now() - t0;
      int64_t bad = 0;
      for (int64_t i = 0; p && i < n; i += 4099) bad += p[i] != host[i];
      CHECK_MSG(p && bad == 0, "256 MB copied to the GPU and back: %lld sampled values differ", (long long)bad);
    }
    weir_array_free(c);
    weir_array_free(a);
  }
  double gbs = bytes / best / 1e9;
  printf("  pinned host -> gpu:0: %.1f GB/s (256 MB in %.2f ms); gpu:0 -> host read: %.1f GB/s\n", gbs, best * 1e3,
         d2h > 0 ? bytes / d2h / 1e9 : 0.0);
  CHECK_MSG(gbs >= 20, "host -> GPU copy of 256 MB: %.1f GB/s, below the 20 GB/s floor (pinned?)", gbs);
  free(host);
  CHECK_OK(weir_stream_free(gs));
}

/* ---- fusion on the GPU ---- */

/* 10,000 tiny adds on a GPU stream: exact. */
static void test_gpu_long_chain(void) {
  weir_stream gs;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs))) return;
  weir_array *one = NULL, *x = NULL;
  CHECK_OK(weir_full(&one, (const int64_t[]){1}, 1, 1.0, WEIR_FLOAT32, gs));
  CHECK_OK(weir_full(&x, (const int64_t[]){1}, 1, 0.5, WEIR_FLOAT32, gs));
  CHECK_OK(weir_eval(&x, 1));
  long n = h_scaled(10000);
  for (long i = 0; i < n && x; i++) {
    weir_array *y = NULL;
    if (!CHECK_OK(weir_add(&y, x, one, gs))) break;
    weir_array_free(x);
    x = y;
  }
  double v = 0;
  if (CHECK_OK(weir_array_item_double(x, &v))) CHECK_CLOSE(v, 0.5 + (double)n, 0);
  weir_array_free(x);
  weir_array_free(one);
  CHECK_OK(weir_stream_free(gs));
}

typedef enum { F_ADD, F_SUB, F_MUL, F_DIV, F_MAX, F_MIN, F_NEG, F_ABS, F_SQUARE, F_COUNT } fop;
static weir_status apply(fop k, weir_array **out, weir_array *a, weir_array *b, weir_stream s) {
  switch (k) {
  case F_ADD: return weir_add(out, a, b, s);
  case F_SUB: return weir_subtract(out, a, b, s);
  case F_MUL: return weir_multiply(out, a, b, s);
  case F_DIV: return weir_divide(out, a, b, s);
  case F_MAX: return weir_maximum(out, a, b, s);
  case F_MIN: return weir_minimum(out, a, b, s);
  case F_NEG: return weir_negative(out, a, s);
  case F_ABS: return weir_abs(out, a, s);
  default: return weir_square(out, a, s);
  }
}

enum { MAXV = 80 };
typedef struct {
  fop op[MAXV];
  int a[MAXV], b[MAXV];
  bool keep[MAXV];
  int nin, nv;
} program;

/* Values [nin, nv) are ops over earlier values (recent ones mostly); serial: each op evaluated
   as it is made (never fused). Values the user does not keep are dropped. */
static void build(const program *p, weir_array **v, weir_stream s, bool serial) {
  for (int i = p->nin; i < p->nv; i++) {
    v[i] = NULL;
    if (!CHECK_OK(apply(p->op[i], &v[i], v[p->a[i]], v[p->b[i]], s))) return;
    if (serial) CHECK_OK(weir_eval(&v[i], 1));
  }
  for (int i = p->nin; i < p->nv; i++)
    if (!p->keep[i]) {
      weir_array_free(v[i]);
      v[i] = NULL;
    }
}

static bool same_bits(weir_array *x, weir_array *y, weir_dtype t) {
  const void *p = NULL, *q = NULL;
  if (!CHECK_OK(weir_array_data(x, &p)) || !CHECK_OK(weir_array_data(y, &q))) return false;
  size_t es = weir_dtype_size(t);
  for (int64_t i = 0; i < weir_array_size(x); i++) {
    if (isnan(h_load(p, t, i)) && isnan(h_load(q, t, i))) continue; /* NaN payloads may differ */
    if (memcmp((const char *)p + i * es, (const char *)q + i * es, es) != 0) return false;
  }
  return true;
}

/* A random program fused on a GPU stream against serial replays on that stream and on the CPU. */
static void fused_case(weir_dtype t, int64_t n, weir_stream gs, weir_stream other) {
  program p;
  p.nin = (int)h_rand_int(1, 4);
  p.nv = p.nin + (int)h_rand_int(2, MAXV - 5);
  for (int i = p.nin; i < p.nv; i++) {
    p.op[i] = (fop)h_rand_int(0, F_COUNT - 1);
    for (int j = 0; j < 2; j++)
      (j ? p.b : p.a)[i] =
          h_rand_int(0, 3) ? i - 1 - (int)h_rand_int(0, i - 1 < 3 ? i - 1 : 3) : (int)h_rand_int(0, i - 1);
    p.keep[i] = h_rand_int(0, 7) == 0 || i == p.nv - 1;
  }
  weir_array *fused[MAXV] = {NULL}, *gser[MAXV] = {NULL}, *cser[MAXV] = {NULL};
  double *buf = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < p.nin; i++) { /* length n or 1 (broadcast); from the host or another GPU stream */
    int64_t len = h_rand_int(0, 3) ? n : 1;
    h_rand_vals(buf, len, t, -3, 3);
    weir_array *host = h_make(t, &len, 1, buf);
    if (host && h_rand_int(0, 2) == 0) {
      CHECK_OK(weir_multiply(&fused[i], host, host, other));
      weir_array_free(host);
    } else {
      fused[i] = host;
    }
    gser[i] = weir_array_retain(fused[i]);
    cser[i] = weir_array_retain(fused[i]);
  }
  free(buf);
  build(&p, cser, weir_on(CPU), true);
  build(&p, gser, gs, true);
  build(&p, fused, gs, false);
  weir_array *kept[MAXV];
  int nk = 0;
  for (int i = p.nin; i < p.nv; i++)
    if (p.keep[i] && fused[i]) kept[nk++] = fused[i];
  CHECK_OK(weir_eval(kept, (size_t)nk)); /* the whole program in one batch */
  for (int i = p.nin; i < p.nv; i++) {
    if (!p.keep[i] || !fused[i] || !gser[i] || !cser[i]) continue;
    CHECK_MSG(same_bits(fused[i], gser[i], t),
              "fused GPU program (%s, n=%lld): value %d (op %d) differs from the "
              "serial GPU replay",
              weir_dtype_name(t), (long long)n, i, (int)p.op[i]);
    CHECK_MSG(same_bits(fused[i], cser[i], t),
              "fused GPU program (%s, n=%lld): value %d (op %d) differs from the "
              "serial CPU replay",
              weir_dtype_name(t), (long long)n, i, (int)p.op[i]);
  }
  for (int i = 0; i < p.nv; i++) {
    weir_array_free(fused[i]);
    weir_array_free(gser[i]);
    weir_array_free(cser[i]);
  }
}

static void test_gpu_fused_programs(void) {
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16};
  static const int64_t sizes[] = {1, 7, 300, 4097};
  weir_stream gs, other;
  if (!CHECK_OK(weir_stream_new(GPU0, &gs)) || !CHECK_OK(weir_stream_new(GPU0, &other))) return;
  for (int t = 0; t < 3; t++)
    for (int s = 0; s < 4; s++)
      for (int rep = 0; rep < 2; rep++) fused_case(ts[t], sizes[s], gs, other);
  CHECK_OK(weir_stream_free(gs));
  CHECK_OK(weir_stream_free(other));
}

/* ---- the seed example "CPU and GPU in parallel" ---- */

static void test_seed_cpu_gpu_parallel(void) {
  const int64_t shape[2] = {2048, 2048};
  weir_array *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  CHECK_OK(weir_random_uniform(&a, shape, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  CHECK_OK(weir_random_uniform(&b, shape, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  weir_stream cpu_stream, gpu_stream;
  if (!CHECK_OK(weir_stream_new(CPU, &cpu_stream)) || !CHECK_OK(weir_stream_new(GPU0, &gpu_stream))) return;
  CHECK_OK(weir_add(&c, a, b, cpu_stream));
  CHECK_OK(weir_matmul(&d, a, b, gpu_stream));
  CHECK_OK(weir_synchronize(cpu_stream));
  CHECK_OK(weir_synchronize(gpu_stream));
  weir_array *outs[2] = {c, d};
  if (CHECK_OK(weir_eval(outs, 2))) {
    const float *pa = floats(a), *pb = floats(b), *pc = floats(c), *pd = floats(d);
    for (int s = 0; pa && pb && pc && pd && s < 24; s++) {
      int64_t i = h_rand_int(0, 2047), j = h_rand_int(0, 2047), ij = i * 2048 + j;
      CHECK_MSG(pc[ij] == pa[ij] + pb[ij], "c[%lld, %lld] = %.9g, a + b = %.9g", (long long)i, (long long)j,
                (double)pc[ij], (double)(pa[ij] + pb[ij]));
      double ref = 0;
      for (int64_t k = 0; k < 2048; k++) ref += (double)pa[i * 2048 + k] * (double)pb[k * 2048 + j];
      /* uniform [0, 1) inputs: every term is >= 0, so ref bounds the accumulated error too */
      CHECK_MSG(fabs(pd[ij] - ref) <= 1e-4 * ref + 1e-6, "d[%lld, %lld] = %.9g, float64 reference %.9g", (long long)i,
                (long long)j, (double)pd[ij], ref);
    }
  }
  free_all((weir_array *[]){a, b, c, d}, 4);
  CHECK_OK(weir_stream_free(cpu_stream));
  CHECK_OK(weir_stream_free(gpu_stream));
}

int main(void) {
  h_init("test_gpu_streams");
  g_ngpu = weir_device_count(WEIR_GPU);
  if (g_ngpu == 0) return h_skip("no GPU (weir_device_count(WEIR_GPU) == 0)");
  setup_slow_gpu();
  H_RUN(test_chain_4_gpu_streams);
  H_RUN(test_cpu_to_gpu);
  H_RUN(test_gpu_to_cpu);
  H_RUN(test_two_gpus);
  H_RUN(test_memory_one_gpu);
  H_RUN(test_gpu_oom);
  H_RUN(test_synchronize);
  H_RUN(test_injected_failures);
  H_RUN(test_pinned_transfer);
  H_RUN(test_gpu_long_chain);
  H_RUN(test_gpu_fused_programs);
  H_RUN(test_seed_cpu_gpu_parallel);
  weir_array_free(g_x);
  weir_array_free(g_eye);
  free(g_xv);
  return h_finish();
}
