/* bench_gpu: weir's GPU runtime costs, against the goals of the GPU issue. All weir work goes
   through the public API; the references (a device-to-device copy, cuBLAS, two bare cuBLAS
   chains) call CUDA directly, in the same process, and are built only with WEIR_HAVE_CUDA.

   1. chain   — x = x + 1 on a 1-element float32 array on the GPU's default stream, 10,000
                ops built, then one weir_eval: µs per op for build, eval, both (median of 5).
   2. rtrip   — one tiny add, weir_eval + weir_synchronize (median of 1000 after warm-up).
   3. add     — c = a + b on 256M float32 (3 × 4 × n bytes), against cudaMemcpyAsync D2D of
                the same 4 × n bytes (2 × 4 × n bytes, timed with cudaEvents): GB/s and ratio.
   4. sum     — over all axes of 256M float32, and over the last axis of (16384, 16384): GB/s.
   5. matmul  — 8192 × 8192 × 8192 in float32 (no TF32) and bfloat16, uniform inputs on the
                GPU: weir TFLOP/s (2 n³ / time of matmul + weir_eval) against cublasGemmEx
                (CUBLAS_COMPUTE_32F) on the same data, the runs alternating and both timed on the
                host from the call to the end of the wait (median of 5 after warm-up); cuBLAS's
                kernel time alone (cudaEvents) is reported beside it.
   6. streams — independent chains of 50 ops of ~10 µs, each on its own GPU stream against all
                on one stream. Times are of weir_eval (build apart).
                (a) x = sin(x), sized so one op takes ~10 µs: such kernels use all the memory
                bandwidth, so they can hardly overlap (reported).
                (b) x = cumprod(x) along rows of (4, n) ±1 float32, n sized so one op takes
                ~10 µs: one thread block per row, so kernels of other streams fit beside it.
                Two chains have the goal (>= 1.8x); four are reported; checked against a replay.
                (c) x = x @ w, K × K float32, K chosen by the sgemm kernel's GPU time (~10 µs):
                cuBLAS spreads it over every multiprocessor, so the ceiling, two CUDA graphs of
                bare sgemms on one stream against two, is about 1x (reported).
   7. seed    — seed 004 "CPU and GPU in parallel": a, b uniform (2048, 2048) on the default
                stream; c = a + b on a new CPU stream, d = a @ b on a new GPU stream; both
                (synchronize both, then eval, as the seed does) against each half alone,
                timed right after it: the ratio is the median over 15 reps of each rep's own.

   Usage: bench_gpu [--quick] [--only chain|rtrip|add|sum|matmul|streams|seed]...
   (--quick: smaller sizes, fewer runs). No GPU: prints "bench_gpu: no GPU, skipped", exits 0.
   Besides the table, "BENCH gpu_name value unit" lines (gpu_: no clash with bench_core's in
   build/bench/weir.out). A failing section is reported, the others still run, exit status 1. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <weir/weir.h>

#include "bench_util.h"

#define MAX_RUNS 16
#ifdef WEIR_HAVE_CUDA
static const int have_cuda = 1;
#else
static const int have_cuda = 0;
#endif

/* ---- failures: a failing call ends its section (longjmp), not the program ------------------- */

static jmp_buf g_jmp;
static int g_in_section;
static int g_failures;
static char g_failed[256]; /* names of failed sections */

static _Noreturn void fail(const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "bench_gpu: %s\n", msg);
  if (g_in_section) longjmp(g_jmp, 1);
  exit(1);
}

#define CHECK(call)                                                                           \
  do {                                                                                        \
    weir_status st_ = (call);                                                                 \
    if (st_ != WEIR_OK)                                                                       \
      fail("%s:%d: %s failed: %s: %s", __FILE__, __LINE__, #call, weir_status_name(st_),      \
           weir_last_error());                                                                \
  } while (0)

#ifdef WEIR_HAVE_CUDA
#include "backend/cuda/cuda_internal.h" /* the allocator's counters */
#include "cuda_refs.h"
#endif


/* ---- configuration and results ------------------------------------------------------------- */

typedef struct config { /* sizes and runs of sections 1..7; big_elems: a multiple of SUM_COLS */
  int chain_len, chain_runs, rtrip_runs;
  int64_t big_elems;
  int big_runs;
  int64_t mm_n;
  int mm_runs, par_ops, par_runs;
  int64_t seed_n;
  int seed_runs;
} config;

#define SUM_COLS 16384
#define OP_TARGET_US 10.0 /* section 6: the duration one op should have */
#define SCAN_ROWS 4       /* section 6: rows of the cumprod chains (one thread block each) */

static config cfg = {10000, 5, 1000, 256LL << 20, 5, 8192, 5, 50, 5, 2048, 15};
static const config quick_cfg = {10000, 3, 200, 32LL << 20, 3, 2048, 3, 20, 3, 2048, 5};

typedef struct results {
  double chain_build, chain_eval, chain_total;                /* µs per op */
  double rtrip, rtrip_build;                                  /* µs */
  double add_gbps, add_ms, copy_gbps, copy_ms;
  double sum_all_gbps, sum_all_ms, sum_rows_gbps, sum_rows_ms;
  double mm_tflops[2], mm_ms[2], cublas_tflops[2], cublas_ms[2]; /* [0] float32, [1] bfloat16 */
  double cublas_gpu_tflops[2];                                    /* cuBLAS's kernel time alone */
  double sin_elems, sin_op_us, sin_one_ms, sin_two_ms, sin_speedup, sin_speedup_build;
  double mmc_cross, mmc_waits, mm_k, mm_kernel_us, mm_op_us, mmc_one_ms, mmc_two_ms, mmc_speedup, cublas_op_us, cublas_speedup;
  double scan_len, scan_op_us, scan_one_ms[2], scan_many_ms[2], scan_speedup[2]; /* [0] 2 chains, [1] 4 */
  double seed_both_ms, seed_cpu_ms, seed_gpu_ms, seed_ratio;
} results;

static results R;
static weir_stream g_gpu; /* gpu:0's default stream, resolved */

/* ---- helpers ------------------------------------------------------------------------------- */

static void eval1(weir_array *a) { CHECK(weir_eval(&a, 1)); }

static weir_array *gpu_full(const int64_t *shape, int ndim, double v, weir_stream s) {
  weir_array *a = NULL;
  CHECK(weir_full(&a, shape, ndim, v, WEIR_FLOAT32, s));
  eval1(a);
  return a;
}

/* Uniform [lo, hi) of dtype t made on stream s and evaluated (float32 then astype when t cannot
   be drawn directly). */
static weir_array *uniform(const int64_t *shape, int ndim, weir_dtype t, double lo, double hi, weir_stream s) {
  weir_array *a = NULL;
  if (weir_random_uniform(&a, shape, ndim, t, lo, hi, NULL, s) != WEIR_OK) {
    if (t == WEIR_FLOAT32) fail("weir_random_uniform failed: %s", weir_last_error());
    fprintf(stderr, "bench_gpu: note: uniform %s failed (%s); drawing float32 and converting\n",
            weir_dtype_name(t), weir_last_error());
    weir_array *f = NULL;
    CHECK(weir_random_uniform(&f, shape, ndim, WEIR_FLOAT32, lo, hi, NULL, s));
    CHECK(weir_astype(&a, f, t, s));
    weir_array_free(f);
  }
  eval1(a);
  return a;
}

static double item(const weir_array *a) {
  double v = 0;
  CHECK(weir_array_item_double(a, &v));
  return v;
}

static double sum_item(const weir_array *a) {
  weir_array *s = NULL;
  CHECK(weir_sum(&s, a, NULL, 0, false, g_gpu));
  double v = item(s);
  weir_array_free(s);
  return v;
}

static void expect_near(double got, double want, double rtol, const char *what) {
  if (!(fabs(got - want) <= rtol * fabs(want) + 1e-6)) fail("%s: got %.6g, want %.6g", what, got, want);
}

static double bf16_to_double(uint16_t h) { /* bfloat16: the high half of a float32 */
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* ---- 1. a chain of tiny adds --------------------------------------------------------------- */

static void sec_chain(void) {
  double build[MAX_RUNS], ev[MAX_RUNS], total[MAX_RUNS];
  const int64_t shape[1] = {1};
  weir_array *one = gpu_full(shape, 1, 1.0, g_gpu);
  for (int r = -1; r < cfg.chain_runs; r++) { /* r == -1: warm-up (kernels loaded, buffers cached) */
    weir_array *x = gpu_full(shape, 1, 0.0, g_gpu);
    double t0 = now_s();
    for (int i = 0; i < cfg.chain_len; i++) {
      weir_array *y = NULL;
      CHECK(weir_add(&y, x, one, g_gpu));
      weir_array_free(x);
      x = y;
    }
    double t1 = now_s();
    eval1(x);
    double t2 = now_s();
    expect_near(item(x), cfg.chain_len, 1e-6, "chain of tiny adds");
    weir_array_free(x);
    if (r < 0) continue;
    build[r] = (t1 - t0) * 1e6 / cfg.chain_len;
    ev[r] = (t2 - t1) * 1e6 / cfg.chain_len;
    total[r] = (t2 - t0) * 1e6 / cfg.chain_len;
  }
  weir_array_free(one);
  R.chain_build = median(build, cfg.chain_runs);
  R.chain_eval = median(ev, cfg.chain_runs);
  R.chain_total = median(total, cfg.chain_runs);
}

/* ---- 2. one-op eval + synchronize round trip ----------------------------------------------- */

static void sec_rtrip(void) {
  static double es[1000], all[1000];
  const int n = cfg.rtrip_runs;
  const int64_t shape[1] = {1};
  weir_array *a = gpu_full(shape, 1, 1.0, g_gpu), *one = gpu_full(shape, 1, 1.0, g_gpu);
  for (int r = -n / 10 - 1; r < n; r++) { /* negative r: warm-up */
    weir_array *b = NULL;
    double t0 = now_s();
    CHECK(weir_add(&b, a, one, g_gpu));
    double t1 = now_s();
    eval1(b);
    CHECK(weir_synchronize(g_gpu));
    double t2 = now_s();
    if (r == 0) expect_near(item(b), 2.0, 1e-6, "round trip");
    weir_array_free(b);
    if (r >= 0) {
      es[r] = (t2 - t1) * 1e6;
      all[r] = (t2 - t0) * 1e6;
    }
  }
  weir_array_free(a);
  weir_array_free(one);
  R.rtrip = median(es, n);
  R.rtrip_build = median(all, n);
}

/* ---- 3. a big add against a device-to-device copy ------------------------------------------ */

/* Times cudaMemcpyAsync D2D of bytes; sets R.copy_gbps / R.copy_ms. */
static void d2d_copy_reference(size_t bytes) {
#ifdef WEIR_HAVE_CUDA
  double s = d2d_copy_s(bytes, cfg.big_runs);
  R.copy_gbps = 2.0 * (double)bytes / s / 1e9;
  R.copy_ms = s * 1e3;
#else
  (void)bytes;
#endif
}

static void sec_add(void) {
  double t[MAX_RUNS];
  const int64_t n = cfg.big_elems;
  weir_array *a = uniform(&n, 1, WEIR_FLOAT32, 0.0, 1.0, g_gpu);
  weir_array *b = uniform(&n, 1, WEIR_FLOAT32, 0.0, 1.0, g_gpu);
  for (int r = -1; r < cfg.big_runs; r++) { /* r == -1: warm-up (allocator) and a check */
    weir_array *c = NULL;
    double t0 = now_s();
    CHECK(weir_add(&c, a, b, g_gpu));
    eval1(c);
    double t1 = now_s();
    if (r < 0) expect_near(sum_item(c), sum_item(a) + sum_item(b), 1e-3, "big add (sums)");
    weir_array_free(c);
    if (r >= 0) t[r] = t1 - t0;
  }
  weir_array_free(a);
  weir_array_free(b);
  double s = median(t, cfg.big_runs);
  R.add_gbps = 3.0 * 4.0 * (double)n / s / 1e9;
  R.add_ms = s * 1e3;
  weir_memory_clear_cache();
  d2d_copy_reference((size_t)n * 4);
}

/* ---- 4. sums ------------------------------------------------------------------------------- */

/* Median time of sum(a, axes) + eval; checks the first run's result against want (when > 0). */
static double time_sum(weir_array *a, const int *axes, int naxes, double want) {
  double t[MAX_RUNS];
  for (int r = -1; r < cfg.big_runs; r++) {
    weir_array *s = NULL;
    double t0 = now_s();
    CHECK(weir_sum(&s, a, axes, naxes, false, g_gpu));
    eval1(s);
    double t1 = now_s();
    if (r < 0 && want > 0) expect_near(item(s), want, 1e-2, "sum of uniform [0, 1)");
    if (r < 0 && want <= 0 && weir_array_size(s) != weir_array_shape(a)[0]) fail("sum over the last axis: wrong size");
    weir_array_free(s);
    if (r >= 0) t[r] = t1 - t0;
  }
  return median(t, cfg.big_runs);
}

static void sec_sum(void) {
  const int64_t n = cfg.big_elems;
  const int64_t shape2[2] = {n / SUM_COLS, SUM_COLS};
  weir_array *a = uniform(&n, 1, WEIR_FLOAT32, 0.0, 1.0, g_gpu);
  double s = time_sum(a, NULL, 0, 0.5 * (double)n);
  R.sum_all_gbps = 4.0 * (double)n / s / 1e9;
  R.sum_all_ms = s * 1e3;
  weir_array *m = NULL;
  CHECK(weir_reshape(&m, a, shape2, 2, g_gpu));
  eval1(m);
  weir_array_free(a);
  const int last = -1;
  s = time_sum(m, &last, 1, 0.0);
  R.sum_rows_gbps = 4.0 * (double)n / s / 1e9;
  R.sum_rows_ms = s * 1e3;
  weir_array_free(m);
  if (isnan(R.copy_gbps)) d2d_copy_reference((size_t)n * 4);
}

/* ---- 5. matmul against cuBLAS -------------------------------------------------------------- */

/* weir's runs and cuBLAS's alternate, each timed the same way (host clock from the call to the
   end of the wait), so that a drift of the GPU's clocks or of the host's load hits both alike;
   cuBLAS's GPU time (cudaEvents) is reported too. */
static void matmul_dtype(int which, weir_dtype t) {
  double tm[MAX_RUNS], tc[MAX_RUNS], tg[MAX_RUNS];
  const int64_t n = cfg.mm_n, shape[2] = {n, n};
  const double flop = 2.0 * (double)n * (double)n * (double)n;
  weir_array *a = uniform(shape, 2, t, 0.0, 1.0, g_gpu), *b = uniform(shape, 2, t, 0.0, 1.0, g_gpu);
#ifdef WEIR_HAVE_CUDA
  const void *ha = NULL, *hb = NULL;
  CHECK(weir_array_data(a, &ha));
  CHECK(weir_array_data(b, &hb));
  gemm_ref ref;
  gemm_ref_open(&ref, ha, hb, t == WEIR_BFLOAT16 ? CUDA_R_16BF : CUDA_R_32F, weir_dtype_size(t), n);
#endif
  for (int r = -1; r < cfg.mm_runs; r++) {
    weir_array *d = NULL;
    double t0 = now_s();
    CHECK(weir_matmul(&d, a, b, g_gpu));
    eval1(d);
    double t1 = now_s();
    if (r < 0) { /* an element of the product of two uniform [0, 1) matrices is about n / 4 */
      const void *p = NULL;
      CHECK(weir_array_data(d, &p));
      double v = t == WEIR_BFLOAT16 ? bf16_to_double(*(const uint16_t *)p) : *(const float *)p;
      expect_near(v, 0.25 * (double)n, 0.2, "matmul element [0, 0]");
    }
    weir_array_free(d);
    if (r >= 0) tm[r] = t1 - t0;
#ifdef WEIR_HAVE_CUDA
    double g = 0, w = gemm_ref_run(&ref, &g);
    if (r >= 0) {
      tc[r] = w;
      tg[r] = g;
    }
#else
    (void)tc;
    (void)tg;
#endif
  }
  double s = median(tm, cfg.mm_runs);
  R.mm_tflops[which] = flop / s / 1e12;
  R.mm_ms[which] = s * 1e3;
#ifdef WEIR_HAVE_CUDA
  gemm_ref_close(&ref);
  s = median(tc, cfg.mm_runs);
  R.cublas_tflops[which] = flop / s / 1e12;
  R.cublas_ms[which] = s * 1e3;
  R.cublas_gpu_tflops[which] = flop / median(tg, cfg.mm_runs) / 1e12;
#endif
  weir_array_free(a);
  weir_array_free(b);
}

static void sec_matmul_f32(void) { matmul_dtype(0, WEIR_FLOAT32); }
static void sec_matmul_bf16(void) { matmul_dtype(1, WEIR_BFLOAT16); }

/* ---- 6. independent chains on their own streams against one stream -------------------------- */

typedef enum { CHAIN_SIN, CHAIN_MATMUL, CHAIN_CUMPROD } chain_op;
#define MAX_CHAINS 4

/* A chain of nops ops from x0 on stream s: x = sin(x), x = x @ w, or x = cumprod(x, axis -1). */
static weir_array *build_chain(chain_op op, weir_array *x0, const weir_array *w, int nops, weir_stream s) {
  weir_array *x = weir_array_retain(x0);
  for (int i = 0; i < nops; i++) {
    weir_array *y = NULL;
    if (op == CHAIN_MATMUL) CHECK(weir_matmul(&y, x, w, s));
    else if (op == CHAIN_CUMPROD) CHECK(weir_cumprod(&y, x, -1, false, true, s));
    else CHECK(weir_sin(&y, x, s));
    weir_array_free(x);
    x = y;
  }
  return x;
}

/* Builds chain i from x0[i] (w[i]) on st[i] for i < n, then evaluates them all at once; returns
   the eval seconds and puts the build seconds in *build_s. */
static double chains(chain_op op, int n, weir_array *const *x0, weir_array *const *w, const weir_stream *st,
                     double *build_s) {
  weir_array *ends[MAX_CHAINS];
  double t0 = now_s();
  for (int i = 0; i < n; i++) ends[i] = build_chain(op, x0[i], w ? w[i] : NULL, cfg.par_ops, st[i]);
  double t1 = now_s();
  CHECK(weir_eval(ends, n));
  double t2 = now_s();
  for (int i = 0; i < n; i++) weir_array_free(ends[i]);
  if (build_s) *build_s = t1 - t0;
  return t2 - t1;
}

/* µs per op of one chain on s (eval time / ops, median of 3 after a warm-up). */
static double op_us(chain_op op, weir_array *x0, weir_array *w, weir_stream s) {
  double t[3];
  chains(op, 1, &x0, &w, &s, NULL);
  for (int r = 0; r < 3; r++) t[r] = chains(op, 1, &x0, &w, &s, NULL);
  return median(t, 3) * 1e6 / cfg.par_ops;
}

/* n chains all on st[0] against each on its own st[i], interleaved; medians into *one_ms /
   *many_ms; returns the speed-up of eval; *with_build: the speed-up counting the build too. */
static double one_vs_many(chain_op op, int n, weir_array *const *x0, weir_array *const *w, const weir_stream *st,
                          double *one_ms, double *many_ms, double *with_build) {
  double t1[MAX_RUNS], t2[MAX_RUNS], b1[MAX_RUNS], b2[MAX_RUNS];
  weir_stream same[MAX_CHAINS];
  for (int i = 0; i < n; i++) same[i] = st[0];
  chains(op, n, x0, w, same, NULL); /* warm-up */
  chains(op, n, x0, w, st, NULL);
  for (int r = 0; r < cfg.par_runs; r++) {
    t1[r] = chains(op, n, x0, w, same, &b1[r]);
    t2[r] = chains(op, n, x0, w, st, &b2[r]);
    b1[r] += t1[r];
    b2[r] += t2[r];
  }
  *one_ms = median(t1, cfg.par_runs) * 1e3;
  *many_ms = median(t2, cfg.par_runs) * 1e3;
  if (with_build) *with_build = median(b1, cfg.par_runs) / median(b2, cfg.par_runs);
  return *one_ms / *many_ms;
}

/* Sizes the chain's input so that one op takes about OP_TARGET_US of weir's eval time: shape
   (rows, n), n adjusted from *n (a multiple of 1024 in [lo, hi]); returns the last op time. */
static double size_for_target(chain_op op, int64_t rows, int64_t *n, int64_t lo, int64_t hi, weir_stream s) {
  double us = 0;
  for (int it = 0; it < 5; it++) {
    const int64_t shape[2] = {rows, *n};
    weir_array *x = uniform(shape, 2, WEIR_FLOAT32, -1.0, 1.0, s);
    us = op_us(op, x, NULL, s);
    weir_array_free(x);
    if (fabs(us - OP_TARGET_US) <= 0.15 * OP_TARGET_US) break;
    int64_t m = (int64_t)((double)*n * OP_TARGET_US / us) / 1024 * 1024;
    m = m < lo ? lo : m > hi ? hi : m;
    if (m == *n) break;
    *n = m;
  }
  return us;
}

/* ±1 float32 of shape (rows, n): the cumprod chains stay exact and finite. */
static weir_array *signs(int64_t rows, int64_t n, weir_stream s) {
  const int64_t shape[2] = {rows, n};
  weir_array *u = uniform(shape, 2, WEIR_FLOAT32, -1.0, 1.0, s), *x = NULL;
  CHECK(weir_sign(&x, u, s));
  weir_array_free(u);
  eval1(x);
  return x;
}

/* Checks the end of one cumprod chain against a host replay: x <- cumprod(x) along the rows. */
static void check_cumprod_chain(weir_array *x0, weir_stream s) {
  weir_array *end = build_chain(CHAIN_CUMPROD, x0, NULL, cfg.par_ops, s);
  eval1(end);
  const void *hx = NULL, *he = NULL;
  CHECK(weir_array_data(x0, &hx));
  CHECK(weir_array_data(end, &he));
  const int64_t rows = weir_array_shape(x0)[0], n = weir_array_shape(x0)[1];
  const float *a = hx, *e = he;
  for (int64_t r = 0; r < rows; r++) {
    float v[1024]; /* replays the first 1024 columns of the row, every op */
    int64_t m = n < 1024 ? n : 1024;
    memcpy(v, a + r * n, (size_t)m * sizeof(float));
    for (int op = 0; op < cfg.par_ops; op++)
      for (int64_t j = 1; j < m; j++) v[j] *= v[j - 1];
    for (int64_t j = 0; j < m; j++)
      if (v[j] != e[r * n + j]) fail("cumprod chain: row %lld column %lld: got %g, want %g", (long long)r,
                                     (long long)j, e[r * n + j], v[j]);
  }
  weir_array_free(end);
}

static void sec_streams(void) {
  weir_stream st[MAX_CHAINS];
  weir_array *x[MAX_CHAINS] = {NULL}, *w[MAX_CHAINS] = {NULL};
  for (int i = 0; i < MAX_CHAINS; i++) CHECK(weir_stream_new(WEIR_GPU_DEVICE(0), &st[i]));

  /* (a) sin over n float32, sized so one op takes ~OP_TARGET_US. */
  int64_t n = 1 << 20;
  size_for_target(CHAIN_SIN, 1, &n, 1 << 16, 1LL << 27, st[0]);
  const int64_t vec[1] = {n};
  for (int i = 0; i < 2; i++) x[i] = uniform(vec, 1, WEIR_FLOAT32, -1.0, 1.0, st[i]);
  R.sin_elems = (double)n;
  R.sin_op_us = op_us(CHAIN_SIN, x[0], NULL, st[0]);
  R.sin_speedup = one_vs_many(CHAIN_SIN, 2, x, NULL, st, &R.sin_one_ms, &R.sin_two_ms, &R.sin_speedup_build);
  for (int i = 0; i < 2; i++) weir_array_free(x[i]);

  /* (b) cumprod along rows of (SCAN_ROWS, n) ±1 float32: one thread block per row, so a
     ~10 µs kernel occupies SCAN_ROWS of the GPU's multiprocessors and chains on other streams
     can run beside it. The goal is judged here; the last chain is checked against a replay. */
  n = 8192;
  size_for_target(CHAIN_CUMPROD, SCAN_ROWS, &n, 1024, 1LL << 22, st[0]);
  for (int i = 0; i < MAX_CHAINS; i++) x[i] = signs(SCAN_ROWS, n, st[i]);
  R.scan_len = (double)n;
  R.scan_op_us = op_us(CHAIN_CUMPROD, x[0], NULL, st[0]);
  R.scan_speedup[0] = one_vs_many(CHAIN_CUMPROD, 2, x, NULL, st, &R.scan_one_ms[0], &R.scan_many_ms[0], NULL);
  R.scan_speedup[1] = one_vs_many(CHAIN_CUMPROD, 4, x, NULL, st, &R.scan_one_ms[1], &R.scan_many_ms[1], NULL);
  check_cumprod_chain(x[1], st[1]);
  for (int i = 0; i < MAX_CHAINS; i++) weir_array_free(x[i]);

  /* (c) x = x @ w, K × K float32; w uniform [0, 2/K) keeps the values' scale. K is chosen so
     that one sgemm kernel takes ~OP_TARGET_US of GPU time (a CUDA graph of bare sgemms, free
     of launch cost). cuBLAS spreads such a kernel over the whole GPU, so the ceiling (two CUDA
     graphs of bare sgemms on one stream against two) is about 1x: reported, not judged. */
  static const int64_t ks[] = {128, 192, 256, 320, 384, 448, 512, 640, 768, 1024};
  int64_t best_k = ks[0];
  double best_us = 0;
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
#ifdef WEIR_HAVE_CUDA
    double us = sgemm_kernel_us(ks[i]);
#else
    const int64_t shape[2] = {ks[i], ks[i]};
    weir_array *a = uniform(shape, 2, WEIR_FLOAT32, 0.0, 1.0, st[0]);
    weir_array *b = uniform(shape, 2, WEIR_FLOAT32, 0.0, 2.0 / (double)ks[i], st[0]);
    double us = op_us(CHAIN_MATMUL, a, b, st[0]);
    weir_array_free(a);
    weir_array_free(b);
#endif
    if (i == 0 || fabs(us - OP_TARGET_US) < fabs(best_us - OP_TARGET_US)) {
      best_k = ks[i];
      best_us = us;
    }
    if (us > 2.0 * OP_TARGET_US) break;
  }
  R.mm_kernel_us = best_us;
  const int64_t shape[2] = {best_k, best_k};
  double kk = (double)best_k;
  for (int i = 0; i < 2; i++) {
    x[i] = uniform(shape, 2, WEIR_FLOAT32, 0.0, 1.0, st[i]);
    w[i] = uniform(shape, 2, WEIR_FLOAT32, 0.0, 2.0 / kk, st[i]);
  }
  R.mm_k = kk;
  R.mm_op_us = op_us(CHAIN_MATMUL, x[0], w[0], st[0]);
#ifdef WEIR_HAVE_CUDA
  weir__cuda_alloc_stats a0, a1;
  weir__cuda_alloc_stats_get(0, &a0);
#endif
  R.mmc_speedup = one_vs_many(CHAIN_MATMUL, 2, x, w, st, &R.mmc_one_ms, &R.mmc_two_ms, NULL);
#ifdef WEIR_HAVE_CUDA
  weir__cuda_alloc_stats_get(0, &a1);
  R.mmc_cross = (double)(a1.cross_stream - a0.cross_stream) / (2.0 * cfg.par_runs);
  R.mmc_waits = (double)(a1.waits - a0.waits) / (2.0 * cfg.par_runs);
#endif
  for (int i = 0; i < 2; i++) {
    weir_array_free(x[i]);
    weir_array_free(w[i]);
  }
  for (int i = 0; i < MAX_CHAINS; i++) CHECK(weir_stream_free(st[i]));
#ifdef WEIR_HAVE_CUDA
  R.cublas_speedup = cublas_chains(best_k, cfg.par_ops, cfg.par_runs, &R.cublas_op_us);
#endif
}

/* ---- 7. the seed's CPU-and-GPU-in-parallel example ----------------------------------------- */

static void sec_seed(void) {
  const int64_t shape[2] = {cfg.seed_n, cfg.seed_n};
  double tb[MAX_RUNS], tc[MAX_RUNS], tg[MAX_RUNS], ratio[MAX_RUNS];
  weir_array *a = NULL, *b = NULL;
  CHECK(weir_random_uniform(&a, shape, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  CHECK(weir_random_uniform(&b, shape, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  weir_array *ab[2] = {a, b};
  CHECK(weir_eval(ab, 2));
  weir_stream cs, gs;
  CHECK(weir_stream_new(WEIR_CPU_DEVICE, &cs));
  CHECK(weir_stream_new(WEIR_GPU_DEVICE(0), &gs));
  for (int r = -2; r < cfg.seed_runs; r++) { /* two warm-ups: host copies of a, b; kernels; buffers */
    weir_array *c = NULL, *d = NULL;
    double t0 = now_s(); /* both, as the seed does it */
    CHECK(weir_add(&c, a, b, cs));
    CHECK(weir_matmul(&d, a, b, gs));
    CHECK(weir_synchronize(cs));
    CHECK(weir_synchronize(gs));
    weir_array *cd[2] = {c, d};
    CHECK(weir_eval(cd, 2));
    double t1 = now_s();
    weir_array_free(c);
    weir_array_free(d);
    c = d = NULL;
    double t2 = now_s(); /* the CPU half alone */
    CHECK(weir_add(&c, a, b, cs));
    eval1(c);
    double t3 = now_s(); /* then the GPU half alone */
    CHECK(weir_matmul(&d, a, b, gs));
    eval1(d);
    double t4 = now_s();
    weir_array_free(c);
    weir_array_free(d);
    if (r >= 0) {
      tb[r] = t1 - t0;
      tc[r] = t3 - t2;
      tg[r] = t4 - t3;
      ratio[r] = tb[r] / fmax(tc[r], tg[r]);
    }
  }
  weir_array_free(a);
  weir_array_free(b);
  CHECK(weir_stream_free(cs));
  CHECK(weir_stream_free(gs));
  R.seed_both_ms = median(tb, cfg.seed_runs) * 1e3;
  R.seed_cpu_ms = median(tc, cfg.seed_runs) * 1e3;
  R.seed_gpu_ms = median(tg, cfg.seed_runs) * 1e3;
  /* the median of each rep's ratio to the halves timed right after it, not a ratio of medians:
     the host's drift (the CPU half alone moved 0.22 -> 0.60 ms between runs on one H100 host)
     then hits both sides of each ratio alike */
  R.seed_ratio = median(ratio, cfg.seed_runs);
}

/* ---- driver and report --------------------------------------------------------------------- */

static const char *g_only[16];
static int g_nonly;

static int selected(const char *name) {
  if (g_nonly == 0) return 1;
  for (int i = 0; i < g_nonly; i++)
    if (strncmp(name, g_only[i], strlen(g_only[i])) == 0) return 1;
  return 0;
}

static void run_section(const char *name, void (*fn)(void)) {
  if (!selected(name)) return;
  fprintf(stderr, "bench_gpu: %s ...\n", name);
  g_in_section = 1;
  if (setjmp(g_jmp) == 0) {
    fn();
  } else {
    g_failures++;
    size_t len = strlen(g_failed);
    snprintf(g_failed + len, sizeof g_failed - len, " %s", name);
    (void)weir_synchronize_all(); /* drain what the failed section left in flight */
#ifdef WEIR_HAVE_CUDA
    (void)cudaDeviceSynchronize();
    (void)cudaGetLastError();
#endif
  }
  g_in_section = 0;
  weir_memory_clear_cache();
}

/* A row for value v (fmt with the unit, "-" when not measured); verdict against goal when
   goal is not NAN: higher ? v >= goal : v <= goal. */
static void vrow(const char *metric, const char *fmt, double v, const char *target, double goal, int higher) {
  char buf[64] = "-";
  if (!isnan(v)) snprintf(buf, sizeof buf, fmt, v);
  const char *verdict = "";
  if (!isnan(goal)) verdict = isnan(v) ? "-" : (higher ? v >= goal : v <= goal) ? "yes" : "NO";
  printf("| %-48s | %-14s | %-22s | %-5s |\n", metric, buf, target, verdict);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      cfg = quick_cfg;
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc && g_nonly < 16) {
      g_only[g_nonly++] = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--quick] [--only chain|rtrip|add|sum|matmul|streams|seed]...\n", argv[0]);
      return 2;
    }
  }
  if (weir_device_count(WEIR_GPU) == 0) {
    printf("bench_gpu: no GPU, skipped\n");
    return 0;
  }
  _Static_assert(sizeof(results) % sizeof(double) == 0, "results holds only doubles");
  double *all = (double *)&R; /* every field of R is a double: start them all as "not measured" */
  for (size_t i = 0; i < sizeof R / sizeof(double); i++) all[i] = NAN;
  CHECK(weir_default_stream(WEIR_GPU_DEVICE(0), &g_gpu));
#ifdef WEIR_HAVE_CUDA
  CU(cudaSetDevice(0)); /* weir's gpu:0 is CUDA device 0 */
#endif
  char devname[256] = "gpu:0";
  weir_device_info *info = NULL;
  if (weir_device_info_get(WEIR_GPU_DEVICE(0), &info) == WEIR_OK) {
    const char *s = weir_device_info_string(info, "device_name");
    if (s) snprintf(devname, sizeof devname, "%s", s);
    weir_device_info_free(info);
  }

  run_section("chain", sec_chain);
  run_section("rtrip", sec_rtrip);
  run_section("add", sec_add);
  run_section("sum", sec_sum);
  run_section("matmul_f32", sec_matmul_f32);
  run_section("matmul_bf16", sec_matmul_bf16);
  run_section("streams", sec_streams);
  run_section("seed", sec_seed);

  char m[128];
  printf("weir bench_gpu (%s%s)\n\n", devname, have_cuda ? "" : "; built without CUDA: no references");
  printf("| %-48s | %-14s | %-22s | %-5s |\n", "metric", "weir", "target", "met?");
  printf("|%s|%s|%s|%s|\n", "--------------------------------------------------", "----------------",
         "------------------------", "-------");
  snprintf(m, sizeof m, "chain of %d tiny adds: build+eval per op", cfg.chain_len);
  vrow(m, "%.3f us", R.chain_total, "<= 1.5 us per op", 1.5, 0);
  vrow("  of which build (weir_add) per op", "%.3f us", R.chain_build, "", NAN, 0);
  vrow("  of which eval per op", "%.3f us", R.chain_eval, "", NAN, 0);
  vrow("one-op eval + synchronize round trip", "%.2f us", R.rtrip, "<= 15 us", 15.0, 0);
  vrow("  same, including building the add", "%.2f us", R.rtrip_build, "", NAN, 0);
  snprintf(m, sizeof m, "add of %lldM float32 (3 x 4 x n bytes)", (long long)(cfg.big_elems >> 20));
  vrow(m, "%.1f GB/s", R.add_gbps, "", NAN, 0);
  snprintf(m, sizeof m, "cudaMemcpy D2D of %lld MiB (2 x bytes)", (long long)(cfg.big_elems * 4 >> 20));
  vrow(m, "%.1f GB/s", R.copy_gbps, "(reference)", NAN, 0);
  vrow("  add GB/s / copy GB/s", "%.1f %%", 100.0 * R.add_gbps / R.copy_gbps, ">= 90 %", 90.0, 1);
  snprintf(m, sizeof m, "sum over all axes of %lldM float32 (4 x n)", (long long)(cfg.big_elems >> 20));
  vrow(m, "%.1f GB/s", R.sum_all_gbps, "(report)", NAN, 0);
  snprintf(m, sizeof m, "sum over last axis of (%lld, %d)", (long long)(cfg.big_elems / SUM_COLS), SUM_COLS);
  vrow(m, "%.1f GB/s", R.sum_rows_gbps, "(report)", NAN, 0);
  for (int k = 0; k < 2; k++) {
    snprintf(m, sizeof m, "matmul %lld^3 %s", (long long)cfg.mm_n, k ? "bfloat16" : "float32 (no TF32)");
    vrow(m, "%.1f TFLOP/s", R.mm_tflops[k], "", NAN, 0);
    vrow("  cuBLAS (cublasGemmEx, COMPUTE_32F), timed as weir", "%.1f TFLOP/s", R.cublas_tflops[k], "(reference)", NAN, 0);
    vrow("  same, its GPU time alone (cudaEvents)", "%.1f TFLOP/s", R.cublas_gpu_tflops[k], "(report)", NAN, 0);
    vrow("  weir / cuBLAS", "%.1f %%", 100.0 * R.mm_tflops[k] / R.cublas_tflops[k], ">= 95 %", 95.0, 1);
  }
  snprintf(m, sizeof m, "2 chains x %d sin(x) of n float32: 1 stream", cfg.par_ops);
  vrow(m, "%.3f ms", R.sin_one_ms, "", NAN, 0);
  vrow("  same on 2 GPU streams", "%.3f ms", R.sin_two_ms, "", NAN, 0);
  vrow("  one op", "%.2f us", R.sin_op_us, "~10 us", NAN, 0);
  vrow("  n (sized so one op takes ~10 us)", "%.0f", R.sin_elems, "", NAN, 0);
  vrow("  speed-up of 2 streams (eval)", "%.2fx", R.sin_speedup, "(report)", NAN, 0);
  vrow("  speed-up counting the build", "%.2fx", R.sin_speedup_build, "", NAN, 0);
  for (int k = 0; k < 2; k++) {
    snprintf(m, sizeof m, "%d chains x %d cumprod of (%d, n) float32: 1 stream", 2 + 2 * k, cfg.par_ops, SCAN_ROWS);
    vrow(m, "%.3f ms", R.scan_one_ms[k], "", NAN, 0);
    snprintf(m, sizeof m, "  same on %d GPU streams", 2 + 2 * k);
    vrow(m, "%.3f ms", R.scan_many_ms[k], "", NAN, 0);
    if (k == 0) {
      vrow("  one op", "%.2f us", R.scan_op_us, "~10 us", NAN, 0);
      vrow("  n (sized so one op takes ~10 us)", "%.0f", R.scan_len, "", NAN, 0);
    }
    snprintf(m, sizeof m, "  speed-up of %d streams (eval)", 2 + 2 * k);
    if (k == 0) vrow(m, "%.2fx", R.scan_speedup[k], "two streams >= 1.8x", 1.8, 1);
    else vrow(m, "%.2fx", R.scan_speedup[k], "(report)", NAN, 0);
  }
  snprintf(m, sizeof m, "2 chains x %d x @ w, K x K float32: 1 stream", cfg.par_ops);
  vrow(m, "%.3f ms", R.mmc_one_ms, "", NAN, 0);
  vrow("  same on 2 GPU streams", "%.3f ms", R.mmc_two_ms, "", NAN, 0);
  vrow("  one kernel (GPU time, CUDA graph)", "%.2f us", R.mm_kernel_us, "~10 us", NAN, 0);
  vrow("  K (chosen so one kernel takes ~10 us)", "%.0f", R.mm_k, "", NAN, 0);
  vrow("  one op in weir (eval / ops, launch included)", "%.2f us", R.mm_op_us, "", NAN, 0);
  vrow("  speed-up of 2 streams (eval)", "%.2fx", R.mmc_speedup, "(report)", NAN, 0);
  vrow("  buffers reused across streams per eval", "%.1f", R.mmc_cross, "(report)", NAN, 0);
  vrow("  of which GPU-side waits per eval", "%.1f", R.mmc_waits, "(report)", NAN, 0);
  vrow("  bare cuBLAS: one sgemm (CUDA graph)", "%.2f us", R.cublas_op_us, "(reference)", NAN, 0);
  vrow("  bare cuBLAS graphs: speed-up of 2 streams", "%.2fx", R.cublas_speedup, "(GPU ceiling)", NAN, 0);
  snprintf(m, sizeof m, "seed 004: add (CPU) + matmul (GPU) %lld^2, both", (long long)cfg.seed_n);
  vrow(m, "%.3f ms", R.seed_both_ms, "", NAN, 0);
  vrow("  CPU half alone (add)", "%.3f ms", R.seed_cpu_ms, "", NAN, 0);
  vrow("  GPU half alone (matmul)", "%.3f ms", R.seed_gpu_ms, "", NAN, 0);
  vrow("  both / slower half", "%.3f", R.seed_ratio, "<= 1.10", 1.10, 0);
  printf("\n");
  printf("notes: weir: host wall clock around build + weir_eval; CUDA references: cudaEvents.\n"
         "       Sin chains use all the memory bandwidth and cuBLAS spreads a small sgemm over\n"
         "       every multiprocessor (see its ceiling), so streams can hardly overlap either;\n"
         "       the cumprod chains (one thread block per row) are the two-stream test.\n\n");
  if (g_failures) printf("FAILED sections:%s (see stderr)\n\n", g_failed);

  const struct { const char *name; double v; const char *unit; } lines[] = {
    {"chain_len", cfg.chain_len, "ops"}, {"chain_total_us_per_op", R.chain_total, "us"},
    {"chain_build_us_per_op", R.chain_build, "us"}, {"chain_eval_us_per_op", R.chain_eval, "us"},
    {"roundtrip_us", R.rtrip, "us"}, {"roundtrip_with_build_us", R.rtrip_build, "us"},
    {"add_elems", (double)cfg.big_elems, "elements"}, {"add_gbps", R.add_gbps, "GB/s"},
    {"add_ms", R.add_ms, "ms"}, {"d2d_copy_gbps", R.copy_gbps, "GB/s"}, {"d2d_copy_ms", R.copy_ms, "ms"},
    {"add_over_copy", R.add_gbps / R.copy_gbps, "ratio"}, {"sum_all_gbps", R.sum_all_gbps, "GB/s"},
    {"sum_all_ms", R.sum_all_ms, "ms"}, {"sum_rows_gbps", R.sum_rows_gbps, "GB/s"},
    {"sum_rows_ms", R.sum_rows_ms, "ms"}, {"matmul_n", (double)cfg.mm_n, "n"},
    {"matmul_f32_tflops", R.mm_tflops[0], "TFLOP/s"}, {"matmul_f32_ms", R.mm_ms[0], "ms"},
    {"cublas_f32_tflops", R.cublas_tflops[0], "TFLOP/s"}, {"cublas_f32_ms", R.cublas_ms[0], "ms"},
    {"matmul_f32_over_cublas", R.mm_tflops[0] / R.cublas_tflops[0], "ratio"},
    {"matmul_bf16_tflops", R.mm_tflops[1], "TFLOP/s"}, {"matmul_bf16_ms", R.mm_ms[1], "ms"},
    {"cublas_bf16_tflops", R.cublas_tflops[1], "TFLOP/s"}, {"cublas_bf16_ms", R.cublas_ms[1], "ms"},
    {"matmul_bf16_over_cublas", R.mm_tflops[1] / R.cublas_tflops[1], "ratio"},
    {"streams_ops", cfg.par_ops, "ops"}, {"streams_sin_elems", R.sin_elems, "elements"},
    {"streams_sin_op_us", R.sin_op_us, "us"}, {"streams_sin_one_ms", R.sin_one_ms, "ms"},
    {"streams_sin_two_ms", R.sin_two_ms, "ms"}, {"streams_sin_speedup", R.sin_speedup, "x"},
    {"streams_sin_speedup_with_build", R.sin_speedup_build, "x"}, {"streams_mm_k", R.mm_k, "n"},
    {"streams_mm_kernel_us", R.mm_kernel_us, "us"}, {"streams_scan_len", R.scan_len, "n"},
    {"streams_scan_op_us", R.scan_op_us, "us"}, {"streams_scan_one_ms", R.scan_one_ms[0], "ms"},
    {"streams_scan_two_ms", R.scan_many_ms[0], "ms"}, {"streams_scan_speedup", R.scan_speedup[0], "x"},
    {"streams_scan4_one_ms", R.scan_one_ms[1], "ms"}, {"streams_scan4_four_ms", R.scan_many_ms[1], "ms"},
    {"streams_scan4_speedup", R.scan_speedup[1], "x"},
    {"streams_mm_op_us", R.mm_op_us, "us"}, {"streams_mm_one_ms", R.mmc_one_ms, "ms"},
    {"streams_mm_two_ms", R.mmc_two_ms, "ms"}, {"streams_mm_speedup", R.mmc_speedup, "x"},
    {"streams_cublas_op_us", R.cublas_op_us, "us"}, {"streams_cublas_speedup", R.cublas_speedup, "x"},
    {"seed_both_ms", R.seed_both_ms, "ms"}, {"seed_cpu_ms", R.seed_cpu_ms, "ms"},
    {"seed_gpu_ms", R.seed_gpu_ms, "ms"}, {"seed_ratio", R.seed_ratio, "ratio"},
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    if (!isnan(lines[i].v)) printf("BENCH gpu_%s %.4f %s\n", lines[i].name, lines[i].v, lines[i].unit);
  return g_failures ? 1 : 0;
}
