/* The GPU caching allocator across streams (backend/cuda/cuda_allocator.c): a block cached by a
   stream that is still running work is not handed to another stream (that would order the
   other stream after all of that work); a new block is made instead (stream-ordered, so it
   waits for nothing either), with no device-side wait.
   A block whose owner is idle is reused with no wait at all. Values are checked, and the work
   on the busy stream is still running when the other stream's result is back.
   Skips (77) without a GPU or without the CUDA backend. ctest: serial (timing) */
#include "harness.h"
#ifdef WEIR_HAVE_CUDA
#include "backend/cuda/cuda_internal.h"

#define GPU0 WEIR_GPU_DEVICE(0)
#define ODD 12345 /* elements: a size class nothing else in this test uses */

/* A cached block owned by s: an array of n float32 made on s, evaluated, freed. */
static void cache_block_on(weir_stream s, int64_t n) {
  weir_array *a = NULL;
  CHECK_OK(weir_full(&a, &n, 1, 1.0, WEIR_FLOAT32, s));
  CHECK_OK(weir_eval(&a, 1));
  weir_array_free(a);
}

/* Queues about `seconds` of matmuls on s (async); returns the chain's end. */
static weir_array *busy(weir_stream s, double seconds) {
  const int64_t sh[2] = {2048, 2048};
  weir_array *x = NULL, *w = NULL;
  CHECK_OK(weir_random_uniform(&x, sh, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, s));
  CHECK_OK(weir_random_uniform(&w, sh, 2, WEIR_FLOAT32, 0.0, 1.0 / 1024, NULL, s));
  CHECK_OK(weir_eval(&w, 1));
  weir_array *y = weir_array_retain(x);
  for (int round = 0, n = 20; round < 2; round++) { /* round 0 times 20 ops; round 1 queues the rest */
    double t0 = h_now();
    for (int i = 0; i < n; i++) {
      weir_array *z = NULL;
      CHECK_OK(weir_matmul(&z, y, w, s));
      weir_array_free(y);
      y = z;
    }
    if (round == 1) break;
    CHECK_OK(weir_eval(&y, 1));
    double per = (h_now() - t0) / n;
    n = (int)(seconds / (per > 1e-5 ? per : 1e-5)) + 1;
    if (n > 20000) n = 20000;
  }
  CHECK_OK(weir_async_eval(&y, 1));
  weir_array_free(x);
  weir_array_free(w);
  return y;
}

static void test_busy_owner(void) {
  weir_stream a, b;
  if (!CHECK_OK(weir_stream_new(GPU0, &a)) || !CHECK_OK(weir_stream_new(GPU0, &b))) return;
  { /* b's kernels loaded first: CUDA loads a module lazily, and loading waits for the device */
    weir_array *c = NULL, *d = NULL;
    int64_t n = 100;
    double v = 0;
    CHECK_OK(weir_full(&c, &n, 1, 3.0, WEIR_FLOAT32, b));
    CHECK_OK(weir_sum(&d, c, NULL, 0, false, b));
    CHECK_OK(weir_array_item_double(d, &v));
    weir_array_free(c), weir_array_free(d);
  }
  cache_block_on(a, ODD);
  weir__cuda_alloc_stats s0, s1;
  weir__cuda_alloc_stats_get(0, &s0);
  weir_array *end = busy(a, 0.3);
  double t0 = h_now();
  weir_array *c = NULL, *d = NULL;
  int64_t n = ODD;
  CHECK_OK(weir_full(&c, &n, 1, 3.0, WEIR_FLOAT32, b));
  CHECK_OK(weir_sum(&d, c, NULL, 0, false, b));
  double v = 0;
  CHECK_OK(weir_array_item_double(d, &v));
  double t_b = h_now() - t0;
  CHECK_CLOSE(v, 3.0 * ODD, 1e-6 * 3.0 * ODD);
  weir__cuda_alloc_stats_get(0, &s1);
  /* either a's stream was busy and b got a new block, or a's kernels had all finished (its
     worker may still be launching) and b took the block: in both cases with no wait */
  CHECK_MSG(s1.busy_owner > s0.busy_owner || s1.cross_stream > s0.cross_stream,
            "b got neither a new block nor a's cached one");
  CHECK_MSG(s1.waits == s0.waits, "stream b waited on the GPU %llu times", (unsigned long long)(s1.waits - s0.waits));
  double t1 = h_now();
  CHECK_OK(weir_eval(&end, 1));
  double t_rest = h_now() - t1;
  /* b's result came back while a still had work left (a's chain was queued for ~0.3 s) */
  CHECK_MSG(t_rest > t_b, "b took %.4f s, a finished %.4f s later: b waited for a", t_b, t_rest);
  weir_array_free(end), weir_array_free(c), weir_array_free(d);

  /* a idle: its cached block goes to b with no new allocation and no wait */
  CHECK_OK(weir_synchronize(a));
  cache_block_on(a, ODD + 4096);
  CHECK_OK(weir_synchronize(a));
  weir__cuda_alloc_stats_get(0, &s0);
  cache_block_on(b, ODD + 4096);
  weir__cuda_alloc_stats_get(0, &s1);
  CHECK_EQ_U64(s1.mallocs, s0.mallocs);
  CHECK_EQ_U64(s1.cross_stream, s0.cross_stream + 1);
  CHECK_EQ_U64(s1.waits, s0.waits);
  CHECK_OK(weir_stream_free(a));
  CHECK_OK(weir_stream_free(b));
}

int main(void) {
  h_init("test_gpu_allocator");
  if (weir_device_count(WEIR_GPU) == 0) return h_skip("no GPU (weir_device_count(WEIR_GPU) == 0)");
  H_RUN(test_busy_owner);
  return h_finish();
}
#else
int main(void) {
  h_init("test_gpu_allocator");
  return h_skip("built without the CUDA backend");
}
#endif
