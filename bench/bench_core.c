/* bench_core: weir's CPU runtime costs, against the targets in DESIGN.md's spirit.

   1. chain   — a 10,000-op chain of tiny adds (x = x + 1 on a 1-element float32 array), built
                then evaluated once with weir_eval: µs per op for build, eval and both (median of 5).
   2. rtrip   — one tiny add, weir_eval + weir_synchronize: µs per round trip (median of 1000).
   3. add64m  — c = a + b on 64M float32 elements (bytes read + written = 3 × 4 × 64M) against a
                plain memcpy of 256 MB (bytes read + written = 2 × 256 MB): GB/s of each and the
                ratio add/memcpy (median of 5 after a warm-up).
   4. streams — two independent chains (each CHAIN_OPS adds on a CHAIN_ELEMS-element float32
                array) on two CPU streams against the same two chains on one stream (median of 5).

   Usage: bench_core [--quick]   (--quick: smaller sizes and fewer runs, for smoke tests)
   Besides the table, one machine-readable line per metric: "BENCH name value unit". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <weir/weir.h>

#include "bench_util.h"

#define CHECK(call)                                                                           \
  do {                                                                                        \
    weir_status st_ = (call);                                                                 \
    if (st_ != WEIR_OK) {                                                                     \
      fprintf(stderr, "bench_core: %s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #call,    \
              weir_status_name(st_), weir_last_error());                                      \
      exit(1);                                                                                \
    }                                                                                         \
  } while (0)

/* Configuration (full or --quick). */
typedef struct config {
  int chain_len;      /* ops in the tiny-add chain */
  int chain_runs;     /* runs of the tiny-add chain */
  int rtrip_runs;     /* round trips */
  int64_t big_elems;  /* elements of the big add */
  int big_runs;       /* runs of the big add and of memcpy */
  int64_t par_elems;  /* elements of each parallel chain */
  int par_ops;        /* ops per parallel chain */
  int par_runs;       /* runs of the parallel scenario */
} config;

static weir_stream g_cpu; /* the CPU's default stream, resolved */

/* A 1-element float32 array holding v (shape (1,)). */
static weir_array *tiny(float v) {
  weir_array *a = NULL;
  const int64_t shape[1] = {1};
  CHECK(weir_array_from_data(&a, &v, shape, 1, WEIR_FLOAT32));
  return a;
}

static void expect_value(const weir_array *a, double want, const char *what) {
  double got = 0;
  CHECK(weir_array_item_double(a, &got));
  if (fabs(got - want) > 1e-3 * (fabs(want) + 1)) {
    fprintf(stderr, "bench_core: %s: got %.6g, want %.6g\n", what, got, want);
    exit(1);
  }
}

/* ---- 1. a chain of tiny adds --------------------------------------------------------------- */

typedef struct chain_result {
  double build_us_per_op, eval_us_per_op, total_us_per_op;
} chain_result;

static chain_result bench_chain(const config *cfg) {
  double build[16], eval[16], total[16];
  weir_array *one = tiny(1.0f);
  for (int r = 0; r < cfg->chain_runs; r++) {
    weir_array *x = tiny(0.0f);
    CHECK(weir_eval(&x, 1)); /* the input is ready: time only the chain */
    double t0 = now_s();
    for (int i = 0; i < cfg->chain_len; i++) {
      weir_array *y = NULL;
      CHECK(weir_add(&y, x, one, g_cpu));
      weir_array_free(x); /* the graph keeps it */
      x = y;
    }
    double t1 = now_s();
    CHECK(weir_eval(&x, 1));
    double t2 = now_s();
    expect_value(x, (double)cfg->chain_len, "tiny-add chain");
    weir_array_free(x);
    build[r] = (t1 - t0) * 1e6 / cfg->chain_len;
    eval[r] = (t2 - t1) * 1e6 / cfg->chain_len;
    total[r] = (t2 - t0) * 1e6 / cfg->chain_len;
  }
  weir_array_free(one);
  chain_result res = {median(build, cfg->chain_runs), median(eval, cfg->chain_runs),
                      median(total, cfg->chain_runs)};
  return res;
}

/* ---- 2. one-op eval + synchronize round trip ----------------------------------------------- */

typedef struct rtrip_result {
  double eval_sync_us; /* weir_eval + weir_synchronize */
  double with_build_us; /* weir_add + weir_eval + weir_synchronize */
} rtrip_result;

static rtrip_result bench_rtrip(const config *cfg) {
  int n = cfg->rtrip_runs;
  double *es = malloc(sizeof(double) * (size_t)n);
  double *all = malloc(sizeof(double) * (size_t)n);
  if (!es || !all) {
    fprintf(stderr, "bench_core: out of memory\n");
    exit(1);
  }
  weir_array *a = tiny(1.0f), *one = tiny(1.0f);
  CHECK(weir_eval(&a, 1));
  CHECK(weir_eval(&one, 1));
  for (int r = -n / 10; r < n; r++) { /* the first tenth is warm-up */
    weir_array *b = NULL;
    double t0 = now_s();
    CHECK(weir_add(&b, a, one, g_cpu));
    double t1 = now_s();
    CHECK(weir_eval(&b, 1));
    CHECK(weir_synchronize(g_cpu));
    double t2 = now_s();
    if (r == 0) expect_value(b, 2.0, "round trip");
    weir_array_free(b);
    if (r >= 0) {
      es[r] = (t2 - t1) * 1e6;
      all[r] = (t2 - t0) * 1e6;
    }
  }
  weir_array_free(a);
  weir_array_free(one);
  rtrip_result res = {median(es, n), median(all, n)};
  free(es);
  free(all);
  return res;
}

/* ---- 3. a big add against memcpy ----------------------------------------------------------- */

typedef struct bw_result {
  double add_gbps, memcpy_gbps, add_ms, memcpy_ms;
} bw_result;

static bw_result bench_bandwidth(const config *cfg) {
  double tadd[16], tcpy[16];
  const int64_t n = cfg->big_elems;
  const size_t bytes = (size_t)n * sizeof(float);
  weir_array *a = NULL, *b = NULL;
  CHECK(weir_full(&a, &n, 1, 1.0, WEIR_FLOAT32, g_cpu));
  CHECK(weir_full(&b, &n, 1, 2.0, WEIR_FLOAT32, g_cpu));
  weir_array *ab[2] = {a, b};
  CHECK(weir_eval(ab, 2));
  for (int r = -1; r < cfg->big_runs; r++) { /* r == -1: warm-up (allocator, page faults) */
    weir_array *c = NULL;
    double t0 = now_s();
    CHECK(weir_add(&c, a, b, g_cpu));
    CHECK(weir_eval(&c, 1));
    double t1 = now_s();
    if (r == -1) {
      const float *p = NULL;
      CHECK(weir_array_data(c, (const void **)&p));
      if (p[0] != 3.0f || p[n / 2] != 3.0f || p[n - 1] != 3.0f) {
        fprintf(stderr, "bench_core: big add gave %g %g %g, want 3\n", p[0], p[n / 2], p[n - 1]);
        exit(1);
      }
    }
    weir_array_free(c);
    if (r >= 0) tadd[r] = t1 - t0;
  }
  weir_array_free(a);
  weir_array_free(b);

  char *src = malloc(bytes), *dst = malloc(bytes);
  if (!src || !dst) {
    fprintf(stderr, "bench_core: cannot allocate 2 x %zu bytes for memcpy\n", bytes);
    exit(1);
  }
  memset(src, 1, bytes);
  memset(dst, 0, bytes); /* fault the pages in before timing */
  for (int r = -1; r < cfg->big_runs; r++) {
    double t0 = now_s();
    memcpy(dst, src, bytes);
    double t1 = now_s();
    if (r >= 0) tcpy[r] = t1 - t0;
  }
  if (dst[bytes - 1] != 1) {
    fprintf(stderr, "bench_core: memcpy check failed\n");
    exit(1);
  }
  free(src);
  free(dst);

  double add_s = median(tadd, cfg->big_runs), cpy_s = median(tcpy, cfg->big_runs);
  bw_result res;
  res.add_gbps = 3.0 * (double)bytes / add_s / 1e9;    /* read a, read b, write c */
  res.memcpy_gbps = 2.0 * (double)bytes / cpy_s / 1e9; /* read src, write dst */
  res.add_ms = add_s * 1e3;
  res.memcpy_ms = cpy_s * 1e3;
  return res;
}

/* ---- 4. two chains on two streams against one stream --------------------------------------- */

/* Builds a chain of nops adds (x = x + 1) starting from x0 on stream s; returns its end. */
static weir_array *build_chain(weir_array *x0, const weir_array *one, int nops, weir_stream s) {
  weir_array *x = weir_array_retain(x0);
  for (int i = 0; i < nops; i++) {
    weir_array *y = NULL;
    CHECK(weir_add(&y, x, one, s));
    weir_array_free(x);
    x = y;
  }
  return x;
}

/* Time to evaluate two chains, the first on s1, the second on s2 (maybe the same stream). */
static double run_two_chains(const config *cfg, weir_array *x0, weir_array *y0, const weir_array *one,
                             weir_stream s1, weir_stream s2, double *build_s) {
  double t0 = now_s();
  weir_array *ends[2];
  ends[0] = build_chain(x0, one, cfg->par_ops, s1);
  ends[1] = build_chain(y0, one, cfg->par_ops, s2);
  double t1 = now_s();
  CHECK(weir_eval(ends, 2));
  double t2 = now_s();
  const float *p = NULL;
  CHECK(weir_array_data(ends[1], (const void **)&p));
  if (p[cfg->par_elems - 1] != (float)(2 + cfg->par_ops)) {
    fprintf(stderr, "bench_core: parallel chain gave %g, want %d\n", p[cfg->par_elems - 1], 2 + cfg->par_ops);
    exit(1);
  }
  weir_array_free(ends[0]);
  weir_array_free(ends[1]);
  if (build_s) *build_s = t1 - t0;
  return t2 - t0;
}

typedef struct par_result {
  double one_stream_ms, two_streams_ms, speedup, op_ms;
  double machine_speedup; /* the same kind of work on two plain pthreads, for reference */
} par_result;

/* The machine's own two-thread speed-up on the same work (cfg->par_ops passes of x += 1 over
   cfg->par_elems floats, two buffers per chain): what two streams could hope for at best. */
typedef struct spin_arg {
  float *x, *y;
  int64_t n;
  int ops;
} spin_arg;

static void *spin_chain(void *p) {
  spin_arg *a = p;
  float *x = a->x, *y = a->y;
  for (int k = 0; k < a->ops; k++) {
    for (int64_t i = 0; i < a->n; i++) y[i] = x[i] + 1.0f;
    float *t = x;
    x = y;
    y = t;
  }
  return NULL;
}

static double machine_two_thread_speedup(const config *cfg) {
  int64_t n = cfg->par_elems;
  float *buf = calloc((size_t)(4 * n), sizeof(float));
  if (!buf) {
    fprintf(stderr, "bench_core: out of memory\n");
    exit(1);
  }
  spin_arg args[2] = {{buf, buf + n, n, cfg->par_ops}, {buf + 2 * n, buf + 3 * n, n, cfg->par_ops}};
  double seq[16], par[16];
  for (int r = -1; r < cfg->par_runs; r++) {
    double t0 = now_s();
    spin_chain(&args[0]);
    spin_chain(&args[1]);
    double t1 = now_s();
    pthread_t th;
    if (pthread_create(&th, NULL, spin_chain, &args[0]) != 0) {
      fprintf(stderr, "bench_core: pthread_create failed\n");
      exit(1);
    }
    spin_chain(&args[1]);
    pthread_join(th, NULL);
    double t2 = now_s();
    if (r >= 0) {
      seq[r] = t1 - t0;
      par[r] = t2 - t1;
    }
  }
  free(buf);
  return median(seq, cfg->par_runs) / median(par, cfg->par_runs);
}

static par_result bench_streams(const config *cfg) {
  double t1[16], t2[16];
  weir_stream sa, sb;
  CHECK(weir_stream_new(WEIR_CPU_DEVICE, &sa));
  CHECK(weir_stream_new(WEIR_CPU_DEVICE, &sb));
  const int64_t n = cfg->par_elems;
  weir_array *x0 = NULL, *y0 = NULL, *one = NULL;
  CHECK(weir_full(&x0, &n, 1, 1.0, WEIR_FLOAT32, sa));
  CHECK(weir_full(&y0, &n, 1, 2.0, WEIR_FLOAT32, sb));
  CHECK(weir_array_from_scalar(&one, 1.0, WEIR_FLOAT32));
  weir_array *init[3] = {x0, y0, one};
  CHECK(weir_eval(init, 3));

  run_two_chains(cfg, x0, y0, one, sa, sa, NULL); /* warm-up: buffers cached, workers awake */
  run_two_chains(cfg, x0, y0, one, sa, sb, NULL);
  for (int r = 0; r < cfg->par_runs; r++) { /* interleaved, so drift hits both alike */
    t1[r] = run_two_chains(cfg, x0, y0, one, sa, sa, NULL);
    t2[r] = run_two_chains(cfg, x0, y0, one, sa, sb, NULL);
  }
  weir_array_free(x0);
  weir_array_free(y0);
  weir_array_free(one);
  CHECK(weir_stream_free(sa));
  CHECK(weir_stream_free(sb));

  par_result res;
  res.one_stream_ms = median(t1, cfg->par_runs) * 1e3;
  res.two_streams_ms = median(t2, cfg->par_runs) * 1e3;
  res.speedup = res.one_stream_ms / res.two_streams_ms;
  res.op_ms = res.one_stream_ms / (2.0 * cfg->par_ops);
  res.machine_speedup = machine_two_thread_speedup(cfg);
  return res;
}

/* ---- report -------------------------------------------------------------------------------- */

static void row(const char *metric, const char *value, const char *target, const char *verdict) {
  printf("| %-44s | %-14s | %-22s | %-5s |\n", metric, value, target, verdict);
}

int main(int argc, char **argv) {
  config cfg = {10000, 5, 1000, 64LL << 20, 5, 1LL << 20, 50, 5};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      config q = {10000, 3, 200, 8LL << 20, 3, 1LL << 18, 20, 3};
      cfg = q;
    } else {
      fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
      return 2;
    }
  }
  CHECK(weir_default_stream(WEIR_CPU_DEVICE, &g_cpu));

  fprintf(stderr, "bench_core: 1/4 chain of %d tiny adds ...\n", cfg.chain_len);
  chain_result ch = bench_chain(&cfg);
  fprintf(stderr, "bench_core: 2/4 eval + synchronize round trips ...\n");
  rtrip_result rt = bench_rtrip(&cfg);
  fprintf(stderr, "bench_core: 3/4 %lld-element add against memcpy ...\n", (long long)cfg.big_elems);
  bw_result bw = bench_bandwidth(&cfg);
  fprintf(stderr, "bench_core: 4/4 two chains of %d adds on %lld elements, one stream vs two ...\n",
          cfg.par_ops, (long long)cfg.par_elems);
  par_result par = bench_streams(&cfg);

  char v[64], m[96];
  printf("weir bench_core (CPU, %d cores online)\n\n", (int)sysconf(_SC_NPROCESSORS_ONLN));
  printf("| %-44s | %-14s | %-22s | %-5s |\n", "metric", "weir", "target", "met?");
  printf("|%s|%s|%s|%s|\n", "----------------------------------------------", "----------------",
         "------------------------", "-------");
  snprintf(m, sizeof m, "chain of %d tiny adds: build+eval per op", cfg.chain_len);
  snprintf(v, sizeof v, "%.3f us", ch.total_us_per_op);
  row(m, v, "<= 1 us per op", ch.total_us_per_op <= 1.0 ? "yes" : "NO");
  snprintf(v, sizeof v, "%.3f us", ch.build_us_per_op);
  row("  of which build (weir_add) per op", v, "", "");
  snprintf(v, sizeof v, "%.3f us", ch.eval_us_per_op);
  row("  of which eval per op", v, "", "");
  snprintf(v, sizeof v, "%.2f us", rt.eval_sync_us);
  row("one-op eval + synchronize round trip", v, "<= 20 us round trip", rt.eval_sync_us <= 20.0 ? "yes" : "NO");
  snprintf(v, sizeof v, "%.2f us", rt.with_build_us);
  row("  same, including building the add", v, "", "");
  snprintf(m, sizeof m, "add of %lldM float32 (3 x 4 x n bytes)", (long long)(cfg.big_elems >> 20));
  snprintf(v, sizeof v, "%.2f GB/s", bw.add_gbps);
  row(m, v, "", "");
  snprintf(m, sizeof m, "memcpy of %lld MB (2 x %lld MB read+write)", (long long)(cfg.big_elems * 4 >> 20),
           (long long)(cfg.big_elems * 4 >> 20));
  snprintf(v, sizeof v, "%.2f GB/s", bw.memcpy_gbps);
  row(m, v, "", "");
  snprintf(v, sizeof v, "%.2f", bw.add_gbps / bw.memcpy_gbps);
  row("  add GB/s / memcpy GB/s", v, "(report)", "");
  snprintf(m, sizeof m, "2 chains x %d adds x %lldK elems: 1 stream", cfg.par_ops, (long long)(cfg.par_elems >> 10));
  snprintf(v, sizeof v, "%.2f ms", par.one_stream_ms);
  row(m, v, "", "");
  snprintf(v, sizeof v, "%.2f ms", par.two_streams_ms);
  row("  same on 2 CPU streams", v, "", "");
  snprintf(v, sizeof v, "%.3f ms", par.op_ms);
  row("  one op (1-stream time / ops)", v, "~0.5 ms", "");
  snprintf(v, sizeof v, "%.2fx", par.speedup);
  row("  speed-up of 2 streams over 1", v, "two streams >= 1.7x", par.speedup >= 1.7 ? "yes" : "NO");
  snprintf(v, sizeof v, "%.2fx", par.machine_speedup);
  row("  reference: same loops on 2 plain pthreads", v, "(machine ceiling)", "");
  printf("\n");
  if (par.machine_speedup < 1.7)
    printf("note: this machine gives two plain threads only %.2fx (busy or shared cores), so the\n"
           "      two-stream target cannot be judged here; compare the two speed-ups instead.\n\n",
           par.machine_speedup);

  printf("BENCH chain_total_us_per_op %.4f us\n", ch.total_us_per_op);
  printf("BENCH chain_build_us_per_op %.4f us\n", ch.build_us_per_op);
  printf("BENCH chain_eval_us_per_op %.4f us\n", ch.eval_us_per_op);
  printf("BENCH roundtrip_us %.3f us\n", rt.eval_sync_us);
  printf("BENCH roundtrip_with_build_us %.3f us\n", rt.with_build_us);
  printf("BENCH add_elems %lld elements\n", (long long)cfg.big_elems);
  printf("BENCH add_gbps %.3f GB/s\n", bw.add_gbps);
  printf("BENCH add_ms %.3f ms\n", bw.add_ms);
  printf("BENCH memcpy_gbps %.3f GB/s\n", bw.memcpy_gbps);
  printf("BENCH add_over_memcpy %.3f ratio\n", bw.add_gbps / bw.memcpy_gbps);
  printf("BENCH streams_elems %lld elements\n", (long long)cfg.par_elems);
  printf("BENCH streams_ops %d ops\n", cfg.par_ops);
  printf("BENCH streams_one_ms %.3f ms\n", par.one_stream_ms);
  printf("BENCH streams_two_ms %.3f ms\n", par.two_streams_ms);
  printf("BENCH streams_op_ms %.4f ms\n", par.op_ms);
  printf("BENCH two_streams_speedup %.3f x\n", par.speedup);
  printf("BENCH machine_two_thread_speedup %.3f x\n", par.machine_speedup);
  return 0;
}
