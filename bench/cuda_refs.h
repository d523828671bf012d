/* bench_gpu's references: the same work done by CUDA and cuBLAS called directly, in the same
   process, so each weir figure has its ceiling beside it. Only with WEIR_HAVE_CUDA. The includer
   defines `fail` (ends the section) and MAX_RUNS before including this. */
#ifndef WEIR_BENCH_CUDA_REFS_H
#define WEIR_BENCH_CUDA_REFS_H

#include <stdint.h>
#include <string.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "bench_util.h"

#define CU(call)                                                                              \
  do {                                                                                        \
    cudaError_t e_ = (call);                                                                  \
    if (e_ != cudaSuccess) fail("%s:%d: %s: %s", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
  } while (0)
#define CB(call)                                                                              \
  do {                                                                                        \
    cublasStatus_t e_ = (call);                                                               \
    if (e_ != CUBLAS_STATUS_SUCCESS) fail("%s:%d: %s: cuBLAS status %d", __FILE__, __LINE__, #call, (int)e_); \
  } while (0)

/* A CUDA stream with two events: timer_stop gives the GPU seconds since e0 was recorded. */
typedef struct cu_timer {
  cudaStream_t st;
  cudaEvent_t e0, e1;
} cu_timer;

static cu_timer timer_open(void) {
  cu_timer t;
  CU(cudaStreamCreateWithFlags(&t.st, cudaStreamNonBlocking));
  CU(cudaEventCreate(&t.e0));
  CU(cudaEventCreate(&t.e1));
  return t;
}

static void timer_close(cu_timer t) {
  CU(cudaEventDestroy(t.e0));
  CU(cudaEventDestroy(t.e1));
  CU(cudaStreamDestroy(t.st));
}

static double timer_stop(cu_timer t) {
  float ms = 0;
  CU(cudaEventRecord(t.e1, t.st));
  CU(cudaEventSynchronize(t.e1));
  CU(cudaEventElapsedTime(&ms, t.e0, t.e1));
  return ms * 1e-3;
}

/* cudaMemcpyAsync D2D of bytes: the median seconds of runs (cudaEvents, after a warm-up). */
static double d2d_copy_s(size_t bytes, int runs) {
  double t[MAX_RUNS];
  void *src = NULL, *dst = NULL;
  CU(cudaMalloc(&src, bytes));
  CU(cudaMalloc(&dst, bytes));
  CU(cudaMemset(src, 1, bytes));
  CU(cudaMemset(dst, 0, bytes));
  CU(cudaDeviceSynchronize());
  cu_timer tm = timer_open();
  for (int r = -1; r < runs; r++) { /* r == -1: warm-up */
    CU(cudaEventRecord(tm.e0, tm.st));
    CU(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, tm.st));
    double s = timer_stop(tm);
    if (r >= 0) t[r] = s;
  }
  timer_close(tm);
  CU(cudaFree(src));
  CU(cudaFree(dst));
  return median(t, runs);
}

/* cublasGemmEx n×n×n (COMPUTE_32F, no TF32) on device copies of the host matrices ha, hb of
   dtype dt, one call at a time, so that the caller can interleave them with weir's runs. */
typedef struct gemm_ref {
  void *A, *B, *C;
  cublasHandle_t h;
  cu_timer tmr;
  cudaDataType dt;
  int n;
} gemm_ref;

static void gemm_ref_open(gemm_ref *g, const void *ha, const void *hb, cudaDataType dt, size_t esize, int64_t n) {
  const size_t bytes = (size_t)(n * n) * esize;
  memset(g, 0, sizeof *g);
  g->dt = dt;
  g->n = (int)n;
  CU(cudaMalloc(&g->A, bytes));
  CU(cudaMalloc(&g->B, bytes));
  CU(cudaMalloc(&g->C, bytes));
  CU(cudaMemcpy(g->A, ha, bytes, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(g->B, hb, bytes, cudaMemcpyHostToDevice));
  g->tmr = timer_open();
  CB(cublasCreate(&g->h));
  CB(cublasSetMathMode(g->h, CUBLAS_DEFAULT_MATH)); /* no TF32 for float32 */
  CB(cublasSetStream(g->h, g->tmr.st));
}

/* One call: returns the host wall clock from the launch to the end of a cudaStreamSynchronize (as
   weir's figure: its op, eval and the wait), and the GPU seconds (cudaEvents) in *gpu_s. */
static double gemm_ref_run(gemm_ref *g, double *gpu_s) {
  const float alpha = 1.0f, beta = 0.0f;
  double t0 = now_s();
  CU(cudaEventRecord(g->tmr.e0, g->tmr.st));
  CB(cublasGemmEx(g->h, CUBLAS_OP_N, CUBLAS_OP_N, g->n, g->n, g->n, &alpha, g->A, g->dt, g->n, g->B, g->dt, g->n, &beta,
                  g->C, g->dt, g->n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  *gpu_s = timer_stop(g->tmr); /* records e1 and waits for it */
  return now_s() - t0;
}

static void gemm_ref_close(gemm_ref *g) {
  CB(cublasDestroy(g->h));
  timer_close(g->tmr);
  CU(cudaFree(g->A));
  CU(cudaFree(g->B));
  CU(cudaFree(g->C));
}

/* Bare cuBLAS K×K sgemm chains: buffers and one stream + handle per chain. */
typedef struct sgemm_chains {
  int64_t k;
  float *buf[6]; /* per chain: x, y (ping-pong), w */
  cudaStream_t st[2];
  cublasHandle_t h[2];
} sgemm_chains;

static void chains_open(sgemm_chains *c, int64_t k) {
  memset(c, 0, sizeof *c);
  c->k = k;
  const size_t bytes = (size_t)(k * k) * sizeof(float);
  for (int i = 0; i < 6; i++) {
    CU(cudaMalloc((void **)&c->buf[i], bytes));
    CU(cudaMemset(c->buf[i], 0, bytes));
  }
  for (int i = 0; i < 2; i++) {
    CU(cudaStreamCreateWithFlags(&c->st[i], cudaStreamNonBlocking));
    CB(cublasCreate(&c->h[i]));
    CB(cublasSetMathMode(c->h[i], CUBLAS_DEFAULT_MATH));
    CB(cublasSetStream(c->h[i], c->st[i]));
  }
}

static void chains_close(sgemm_chains *c) {
  for (int i = 0; i < 2; i++) {
    CB(cublasDestroy(c->h[i]));
    CU(cudaStreamDestroy(c->st[i]));
  }
  for (int i = 0; i < 6; i++) CU(cudaFree(c->buf[i]));
}

/* Enqueues ops sgemms of chain `chain` on handle h: x <- x @ w, ping-ponging x and y. */
static void chain_enqueue(const sgemm_chains *c, int chain, cublasHandle_t h, int ops) {
  const float alpha = 1.0f, beta = 0.0f;
  const int ki = (int)c->k;
  for (int i = 0; i < ops; i++) {
    float *x = c->buf[3 * chain + (i & 1)], *y = c->buf[3 * chain + 1 - (i & 1)];
    CB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, ki, ki, ki, &alpha, x, ki, c->buf[3 * chain + 2], ki, &beta, y, ki));
  }
}

/* The GPU time of one K×K sgemm kernel alone, in µs: a CUDA graph of 20 of them, launched
   10 times (a graph launch has no per-kernel host cost, so this is the kernel, not the launch). */
static double sgemm_kernel_us(int64_t k) {
  sgemm_chains c;
  chains_open(&c, k);
  cudaGraph_t g;
  cudaGraphExec_t ge;
  CU(cudaStreamBeginCapture(c.st[0], cudaStreamCaptureModeThreadLocal));
  chain_enqueue(&c, 0, c.h[0], 20);
  CU(cudaStreamEndCapture(c.st[0], &g));
  CU(cudaGraphInstantiate(&ge, g, 0));
  CU(cudaGraphLaunch(ge, c.st[0])); /* warm-up */
  CU(cudaStreamSynchronize(c.st[0]));
  double t0 = now_s();
  for (int r = 0; r < 10; r++) CU(cudaGraphLaunch(ge, c.st[0]));
  CU(cudaStreamSynchronize(c.st[0]));
  double us = (now_s() - t0) * 1e6 / 200.0;
  CU(cudaGraphExecDestroy(ge));
  CU(cudaGraphDestroy(g));
  chains_close(&c);
  return us;
}

/* The GPU's ceiling for two matmul chains: each chain of ops K×K sgemms captured into a CUDA
   graph (no host cost per kernel), both graphs launched on one stream, then one per stream
   (wall time, median of runs). Returns the speed-up of two streams; *op_us: µs per sgemm on
   one stream. */
static double cublas_chains(int64_t k, int ops, int runs, double *op_us) {
  sgemm_chains c;
  chains_open(&c, k);
  cudaGraph_t g[2];
  cudaGraphExec_t ge[2];
  for (int ch = 0; ch < 2; ch++) {
    CU(cudaStreamBeginCapture(c.st[ch], cudaStreamCaptureModeThreadLocal));
    chain_enqueue(&c, ch, c.h[ch], ops);
    CU(cudaStreamEndCapture(c.st[ch], &g[ch]));
    CU(cudaGraphInstantiate(&ge[ch], g[ch], 0));
  }
  double t1[MAX_RUNS], t2[MAX_RUNS], op[MAX_RUNS];
  for (int r = -1; r < runs; r++) {
    for (int two = 0; two < 2; two++) {
      double t0 = now_s();
      for (int ch = 0; ch < 2; ch++) CU(cudaGraphLaunch(ge[ch], c.st[two ? ch : 0]));
      CU(cudaStreamSynchronize(c.st[0]));
      CU(cudaStreamSynchronize(c.st[1]));
      double t = now_s() - t0;
      if (r >= 0) (two ? t2 : t1)[r] = t;
    }
    if (r >= 0) op[r] = t1[r] * 1e6 / (2.0 * ops);
  }
  for (int ch = 0; ch < 2; ch++) {
    CU(cudaGraphExecDestroy(ge[ch]));
    CU(cudaGraphDestroy(g[ch]));
  }
  chains_close(&c);
  *op_us = median(op, runs);
  return median(t1, runs) / median(t2, runs);
}

#endif
