/* weir_synchronize on a GPU stream skips its CUDA call only when an event already seen complete
   covers all the work the stream enqueued (backend/cuda: the stream's enqueued and finished
   counts). Random sequences on a GPU stream s: slow chains (matmuls by the identity, exact)
   queued with async_eval; results evaluated before more work is queued; host data copied in;
   another stream consuming s's results. After every synchronize the CUDA stream itself must be
   idle (cudaStreamQuery, asked directly) and the values exact against a host replay (x + c).
   The skip must also happen where it is safe: after an eval that waited for s's last result.
   Skips (77) without a GPU or without the CUDA backend. */
#include "harness.h"
#ifdef WEIR_HAVE_CUDA
#include "backend/cuda/cuda_internal.h"

#define N 1024 /* (N, N) float32: one matmul ~0.1 ms on an H100, so a chain of 8 is still running */

static weir_stream g_s, g_t; /* two streams of gpu:0 */
static weir_array *g_x, *g_eye;
static float *g_xv; /* x on the host */

/* Whether the CUDA stream behind weir stream w has nothing left to run. */
static bool cuda_idle(weir_stream w) {
  weir__stream *ps = weir__stream_acquire(w.index);
  if (!ps) return false;
  weir__cuda_stream *cs = ps->backend_data;
  cudaError_t e = cudaStreamQuery(cs->stream);
  weir__stream_release(ps);
  if (e != cudaSuccess && e != cudaErrorNotReady) (void)cudaGetLastError();
  return e == cudaSuccess;
}

/* (y @ I @ ... k times) + c on s: equal to y + c, bit for bit. */
static weir_array *slow_plus(weir_array *y, int k, double c) {
  weir_array *cur = weir_array_retain(y), *cst = NULL, *out = NULL;
  for (int i = 0; i < k; i++) {
    weir_array *z = NULL;
    CHECK_OK(weir_matmul(&z, cur, g_eye, g_s));
    weir_array_free(cur);
    cur = z;
  }
  CHECK_OK(weir_array_from_scalar(&cst, c, WEIR_FLOAT32));
  CHECK_OK(weir_add(&out, cur, cst, g_s));
  weir_array_free(cur);
  weir_array_free(cst);
  return out;
}

/* r holds x + c (times `scale`) exactly. */
static void check_values(weir_array *r, double c, double scale, const char *what) {
  const void *p = NULL;
  if (!CHECK_OK(weir_array_data(r, &p))) return;
  const float *v = p;
  int64_t bad = 0;
  for (int64_t i = 0; i < (int64_t)N * N; i++)
    if (v[i] != (float)((float)(g_xv[i] + (float)c) * (float)scale)) bad++;
  CHECK_MSG(bad == 0, "%s: %lld of %d values wrong", what, (long long)bad, N * N);
}

static void check_idle_after_sync(weir_stream w, const char *what) {
  CHECK_OK(weir_synchronize(w));
  CHECK_MSG(cuda_idle(w), "%s: weir_synchronize returned while the CUDA stream still had work", what);
}

static void test_random_sequences(void) {
  int skips_expected = 0;
  uint64_t skipped0 = weir__cuda_synchronize_skipped();
  for (int it = 0; it < 60; it++) {
    int kind = (int)h_rand_int(0, 4), k = (int)h_rand_int(2, 8);
    double c = (double)h_rand_int(-8, 8);
    weir_array *y = NULL, *z = NULL, *w = NULL;
    switch (kind) {
    case 0: /* queued, never waited for: synchronize must wait */
      z = slow_plus(g_x, k, c);
      CHECK_OK(weir_async_eval(&z, 1));
      check_idle_after_sync(g_s, "queued chain");
      check_values(z, c, 1, "queued chain");
      break;
    case 1: /* an earlier result waited for, then more work queued behind it */
      y = slow_plus(g_x, 1, 0);
      CHECK_OK(weir_eval(&y, 1));
      z = slow_plus(y, k, c);
      CHECK_OK(weir_async_eval(&z, 1));
      check_idle_after_sync(g_s, "work after an eval");
      check_values(z, c, 1, "work after an eval");
      break;
    case 2: { /* host data copied in after an eval (a host-to-device copy on s) */
      y = slow_plus(g_x, k, 0);
      CHECK_OK(weir_eval(&y, 1));
      weir_array *h = NULL;
      const int64_t sh[2] = {N, N};
      float *zeros = calloc((size_t)N * N, sizeof *zeros);
      CHECK_OK(weir_array_from_data(&h, zeros, sh, 2, WEIR_FLOAT32));
      free(zeros);
      weir_array *hc = slow_plus(h, 0, c); /* 0 + c on s: needs h on the GPU */
      CHECK_OK(weir_add(&z, y, hc, g_s));
      CHECK_OK(weir_async_eval(&z, 1));
      check_idle_after_sync(g_s, "host copy after an eval");
      check_values(z, c, 1, "host copy after an eval");
      weir_array_free(h);
      weir_array_free(hc);
      break;
    }
    case 3: { /* another stream consumes s's result: events recorded on s from t's worker */
      z = slow_plus(g_x, k, c);
      weir_array *two = NULL;
      CHECK_OK(weir_array_from_scalar(&two, 2.0, WEIR_FLOAT32));
      CHECK_OK(weir_multiply(&w, z, two, g_t));
      weir_array_free(two);
      CHECK_OK(weir_async_eval(&w, 1));
      check_idle_after_sync(g_s, "consumed by another stream");
      check_idle_after_sync(g_t, "the consuming stream");
      check_values(w, c, 2, "consumed by another stream");
      break;
    }
    default: /* the last result waited for: nothing left, synchronize skips the CUDA call */
      z = slow_plus(g_x, k, c);
      CHECK_OK(weir_eval(&z, 1));
      skips_expected++;
      check_idle_after_sync(g_s, "after eval of the last result");
      check_values(z, c, 1, "after eval of the last result");
      break;
    }
    weir_array_free(y);
    weir_array_free(z);
    weir_array_free(w);
  }
  uint64_t skipped = weir__cuda_synchronize_skipped() - skipped0;
  printf("  %d synchronizes after an eval of the stream's last result, %llu skipped the CUDA call\n",
         skips_expected, (unsigned long long)skipped);
  CHECK_MSG(skipped >= (uint64_t)skips_expected, "synchronize called CUDA after an eval of the last result");
}

int main(void) {
  h_init("test_gpu_synchronize");
  if (weir_device_count(WEIR_GPU) == 0) return h_skip("no GPU (weir_device_count(WEIR_GPU) == 0)");
  if (!CHECK_OK(weir_stream_new(WEIR_GPU_DEVICE(0), &g_s)) || !CHECK_OK(weir_stream_new(WEIR_GPU_DEVICE(0), &g_t)))
    return h_finish();
  const int64_t sh[2] = {N, N};
  g_xv = malloc((size_t)N * N * sizeof *g_xv);
  for (int64_t i = 0; i < (int64_t)N * N; i++) g_xv[i] = (float)h_rand_int(-1000, 1000) / 64.0f;
  weir_array *xh = NULL;
  CHECK_OK(weir_array_from_data(&xh, g_xv, sh, 2, WEIR_FLOAT32));
  CHECK_OK(weir_copy(&g_x, xh, g_s));
  CHECK_OK(weir_eye(&g_eye, N, N, 0, WEIR_FLOAT32, g_s));
  CHECK_OK(weir_eval(&g_x, 1));
  CHECK_OK(weir_eval(&g_eye, 1));
  weir_array_free(xh);
  H_RUN(test_random_sequences);
  weir_array_free(g_x);
  weir_array_free(g_eye);
  free(g_xv);
  CHECK_OK(weir_stream_free(g_s));
  CHECK_OK(weir_stream_free(g_t));
  return h_finish();
}
#else
int main(void) {
  h_init("test_gpu_synchronize");
  return h_skip("built without the CUDA backend");
}
#endif
