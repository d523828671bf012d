/* Streaming stores (backend/cpu/streaming_store.h): an elementwise op whose output goes out
   through a scratch tile and non-temporal stores must give the plain path's result bit for bit.
   The threshold is forced to 0 (every op streams) and to "never" in turn, in one process, over:
   sizes around the tile (4 KiB) and the thread pool's split, several output element sizes
   (float32, float16, bool), broadcast and strided inputs, and float32 add against a float64
   reference. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "backend/cpu/streaming_store.h"

static weir_stream g_cpu;

typedef enum { ADD, MUL, EXP, TO_F16, LESS, ADD_SCALAR, ADD_ROW, ADD_STRIDED } op_kind;
static const char *const kNames[] = {"add", "multiply", "exp", "astype float16", "less", "add scalar", "add row",
                                     "add strided"};

static weir_array *from_floats(const float *v, const int64_t *shape, int ndim) {
  weir_array *a = NULL;
  CHECK_OK(weir_array_from_data(&a, v, shape, ndim, WEIR_FLOAT32));
  return a;
}

/* The op on x (n floats) and y (n floats; its first element for ADD_SCALAR, its first 64 for
   ADD_ROW), evaluated; NULL on failure. */
static weir_array *run(op_kind k, const float *x, const float *y, int64_t n) {
  int64_t shape[2] = {n, 0};
  weir_array *a = NULL, *b = NULL, *o = NULL, *t = NULL;
  weir_status st = WEIR_OK;
  if (k == ADD_ROW) { /* (n / 64, 64) + (64,) */
    shape[0] = n / 64;
    shape[1] = 64;
    const int64_t row[1] = {64};
    a = from_floats(x, shape, 2);
    b = from_floats(y, row, 1);
  } else if (k == ADD_STRIDED) { /* x[0:2n:2] + y, x read with step 2 (x holds 2n floats) */
    const int64_t two[1] = {2 * n}, start[1] = {0}, stop[1] = {2 * n}, step[1] = {2};
    t = from_floats(x, two, 1);
    st = weir_slice(&a, t, start, stop, step, g_cpu);
    b = from_floats(y, shape, 1);
  } else {
    a = from_floats(x, shape, 1);
    b = from_floats(y, k == ADD_SCALAR ? (int64_t[]){1} : shape, k == ADD_SCALAR ? 0 : 1);
  }
  if (st == WEIR_OK) switch (k) {
    case MUL: st = weir_multiply(&o, a, b, g_cpu); break;
    case EXP: st = weir_exp(&o, a, g_cpu); break;
    case TO_F16: st = weir_astype(&o, a, WEIR_FLOAT16, g_cpu); break;
    case LESS: st = weir_less(&o, a, b, g_cpu); break;
    default: st = weir_add(&o, a, b, g_cpu); break;
    }
  CHECK_OK(st);
  if (o) CHECK_OK(weir_eval(&o, 1));
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(t);
  return o;
}

static size_t nbytes(const weir_array *a) { return (size_t)weir_array_size(a) * weir_dtype_size(weir_array_dtype(a)); }

static void test_same_bits(void) {
  static const int64_t sizes[] = {1, 7, 16, 1000, 1024, 1025, 4099, (1 << 18) + 5, (1 << 20) + 64};
  const int64_t nmax = (1 << 20) + 64;
  float *x = malloc(2 * (size_t)nmax * sizeof *x), *y = malloc((size_t)nmax * sizeof *y);
  for (int64_t i = 0; i < 2 * nmax; i++) x[i] = (float)h_rand_range(-20, 20);
  for (int64_t i = 0; i < nmax; i++) y[i] = (float)h_rand_range(-20, 20);
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    int64_t n = sizes[si];
    for (int k = ADD; k <= ADD_STRIDED; k++) {
      if (k == ADD_ROW && n % 64 != 0) continue;
      weir__cpu_stream_set_min_bytes(0);
      weir_array *s = run(k, x, y, n);
      weir__cpu_stream_set_min_bytes(INT64_MAX);
      weir_array *p = run(k, x, y, n);
      weir__cpu_stream_set_min_bytes(-1);
      const void *ds = NULL, *dp = NULL;
      if (s && p && CHECK_OK(weir_array_data(s, &ds)) && CHECK_OK(weir_array_data(p, &dp)))
        CHECK_MSG(nbytes(s) == nbytes(p) && memcmp(ds, dp, nbytes(s)) == 0, "%s of %lld: streaming differs from plain",
                  kNames[k], (long long)n);
      if (k == ADD && ds) { /* and both against float64: one rounding of the exact sum */
        const float *o = ds;
        int64_t bad = 0;
        for (int64_t i = 0; i < n; i++) bad += o[i] != (float)((double)x[i] + (double)y[i]);
        CHECK_MSG(bad == 0, "add of %lld: %lld elements differ from the float64 sum", (long long)n, (long long)bad);
      }
      weir_array_free(s);
      weir_array_free(p);
    }
  }
  free(x);
  free(y);
}

/* The default threshold streams large ops only: an add of 16 floats must not need it, and the
   query is stable. */
static void test_threshold(void) {
  weir__cpu_stream_set_min_bytes(-1);
  CHECK(!weir__cpu_stream_worthy(64));
  weir__cpu_stream_set_min_bytes(100);
#if defined(__x86_64__) || defined(__SSE2__) /* elsewhere there are no streaming stores */
  CHECK(weir__cpu_stream_worthy(100));
#endif
  CHECK(!weir__cpu_stream_worthy(99));
  weir__cpu_stream_set_min_bytes(-1);
}

int main(void) {
  h_init("test_cpu_streaming");
  CHECK_OK(weir_default_stream(WEIR_CPU_DEVICE, &g_cpu));
  H_RUN(test_same_bits);
  H_RUN(test_threshold);
  return h_finish();
}
