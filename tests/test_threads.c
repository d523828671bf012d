/* Threads: streams are process-wide and thread-safe. 8 threads sharing one stream, the default
   stream from many threads, concurrent eval of one shared graph, graphs built on one thread and
   evaluated on another, per-thread push/pop, concurrent stream creation, thread-local errors. */
#include "harness.h"

#include <pthread.h>

#define NT 8
#define CPU WEIR_CPU_DEVICE

static weir_stream g_shared;
static pthread_barrier_t g_barrier;
static _Atomic long g_thread_failures;

/* Checks inside threads count into one atomic; the main thread turns them into CHECKs
   (the harness counters are not thread-safe). */
#define TCHECK(cond)                                                                                \
  do {                                                                                              \
    if (!(cond)) {                                                                                  \
      g_thread_failures++;                                                                          \
      fprintf(stderr, "thread FAIL %s:%d: %s (last error: %s)\n", __FILE__, __LINE__, #cond,        \
              weir_last_error());                                                                   \
    }                                                                                               \
  } while (0)

static void collect(const char *what) {
  long f = g_thread_failures;
  g_thread_failures = 0;
  CHECK_MSG(f == 0, "%s: %ld failures in threads", what, f);
}

typedef struct {
  int id;
  weir_stream stream;
  long rounds;
  weir_array *shared;
  double expect;
} targ;

/* Each round: x = full(id) ; y = (x + id) * 2 - x  ==  id * 3 ; reduce and check. */
static void *worker_rounds(void *p) {
  targ *a = p;
  int64_t shape[2] = {17, 33};
  for (long r = 0; r < a->rounds; r++) {
    weir_array *x = NULL, *c = NULL, *two = NULL, *y = NULL, *z = NULL, *w = NULL, *s = NULL;
    TCHECK(weir_full(&x, shape, 2, (double)(a->id + r), WEIR_FLOAT32, a->stream) == WEIR_OK);
    TCHECK(weir_array_from_scalar(&c, (double)a->id, WEIR_FLOAT32) == WEIR_OK);
    TCHECK(weir_array_from_scalar(&two, 2.0, WEIR_FLOAT32) == WEIR_OK);
    TCHECK(weir_add(&y, x, c, a->stream) == WEIR_OK);
    TCHECK(weir_multiply(&z, y, two, a->stream) == WEIR_OK);
    TCHECK(weir_subtract(&w, z, x, a->stream) == WEIR_OK);
    TCHECK(weir_sum(&s, w, NULL, 0, false, a->stream) == WEIR_OK);
    if (r % 3 == 0) TCHECK(weir_async_eval(&s, 1) == WEIR_OK);
    double v = -1;
    TCHECK(weir_array_item_double(s, &v) == WEIR_OK);
    double want = 17.0 * 33.0 * (double)(a->id + r + 2 * a->id);
    if (v != want) {
      g_thread_failures++;
      fprintf(stderr, "thread %d round %ld: %g, want %g\n", a->id, r, v, want);
    }
    weir_array_free(x);
    weir_array_free(c);
    weir_array_free(two);
    weir_array_free(y);
    weir_array_free(z);
    weir_array_free(w);
    weir_array_free(s);
  }
  return NULL;
}

static void run_threads(void *(*fn)(void *), targ *args) {
  pthread_t t[NT];
  for (int i = 0; i < NT; i++) pthread_create(&t[i], NULL, fn, &args[i]);
  for (int i = 0; i < NT; i++) pthread_join(t[i], NULL);
}

static void test_shared_stream(void) {
  if (!CHECK_OK(weir_stream_new(CPU, &g_shared))) return;
  targ args[NT];
  for (int i = 0; i < NT; i++) args[i] = (targ){.id = i, .stream = g_shared, .rounds = h_scaled(200)};
  run_threads(worker_rounds, args);
  collect("8 threads on one stream");
}

static void test_default_stream_many_threads(void) {
  targ args[NT];
  for (int i = 0; i < NT; i++) args[i] = (targ){.id = i, .stream = WEIR_DEFAULT, .rounds = h_scaled(100)};
  run_threads(worker_rounds, args);
  collect("8 threads on the default stream");
  for (int i = 0; i < NT; i++) args[i].stream = weir_on(CPU);
  run_threads(worker_rounds, args);
  collect("8 threads on weir_on(cpu)");
}

/* Eight threads evaluate (and read) the same unevaluated graph at once. */
static void *eval_shared(void *p) {
  targ *a = p;
  pthread_barrier_wait(&g_barrier);
  weir_array *mine = weir_array_retain(a->shared);
  if (a->id % 2) TCHECK(weir_async_eval(&mine, 1) == WEIR_OK);
  TCHECK(weir_eval(&mine, 1) == WEIR_OK);
  double v = -1;
  TCHECK(weir_array_item_double(mine, &v) == WEIR_OK);
  TCHECK(v == a->expect);
  weir_array_free(mine);
  return NULL;
}

static void test_concurrent_eval_same_graph(void) {
  for (int round = 0; round < h_scaled(20); round++) {
    weir_array *x = NULL, *one = NULL;
    int64_t shape[1] = {1000};
    CHECK_OK(weir_zeros(&x, shape, 1, WEIR_INT32, g_shared));
    CHECK_OK(weir_array_from_scalar(&one, 1, WEIR_INT32));
    for (int i = 0; i < 200 && x; i++) {
      weir_array *y = NULL;
      CHECK_OK(weir_add(&y, x, one, i % 2 ? g_shared : weir_on(CPU)));
      weir_array_free(x);
      x = y;
    }
    weir_array *s = NULL;
    CHECK_OK(weir_sum(&s, x, NULL, 0, false, g_shared));
    pthread_barrier_init(&g_barrier, NULL, NT);
    targ args[NT];
    for (int i = 0; i < NT; i++) args[i] = (targ){.id = i, .shared = s, .expect = 200.0 * 1000};
    run_threads(eval_shared, args);
    pthread_barrier_destroy(&g_barrier);
    weir_array_free(s);
    weir_array_free(x);
    weir_array_free(one);
  }
  collect("concurrent eval of one graph");
}

/* Graphs built on one thread, evaluated and freed on another. */
static void *eval_and_free(void *p) {
  targ *a = p;
  double v = -1;
  TCHECK(weir_array_item_double(a->shared, &v) == WEIR_OK);
  TCHECK(v == a->expect);
  weir_array_free(a->shared);
  return NULL;
}

static void test_handoff(void) {
  targ args[NT];
  pthread_t t[NT];
  for (int i = 0; i < NT; i++) {
    weir_array *x = NULL, *y = NULL, *m = NULL;
    int64_t shape[1] = {64};
    CHECK_OK(weir_full(&x, shape, 1, (double)i, WEIR_FLOAT64, g_shared));
    CHECK_OK(weir_multiply(&y, x, x, weir_on(CPU)));
    CHECK_OK(weir_max(&m, y, NULL, 0, false, g_shared));
    args[i] = (targ){.id = i, .shared = m, .expect = (double)(i * i)};
    weir_array_free(x);
    weir_array_free(y);
    pthread_create(&t[i], NULL, eval_and_free, &args[i]);
  }
  for (int i = 0; i < NT; i++) pthread_join(t[i], NULL);
  collect("hand-off");
}

/* Each thread pushes its own stream; all pushes are live at once; each sees only its own. */
static void *push_own(void *p) {
  targ *a = p;
  weir_stream mine, r;
  TCHECK(weir_stream_new(CPU, &mine) == WEIR_OK);
  TCHECK(weir_stream_push(mine) == WEIR_OK);
  pthread_barrier_wait(&g_barrier);
  TCHECK(weir_stream_resolve(WEIR_DEFAULT, &r) == WEIR_OK);
  TCHECK(h_stream_is(r, mine));
  weir_array *z = NULL;
  int64_t shape[1] = {4};
  TCHECK(weir_zeros(&z, shape, 1, WEIR_INT8, WEIR_DEFAULT) == WEIR_OK);
  TCHECK(z && h_stream_is(weir_array_stream(z), mine));
  TCHECK(weir_eval(&z, 1) == WEIR_OK);
  weir_array_free(z);
  pthread_barrier_wait(&g_barrier);
  TCHECK(weir_stream_pop() == WEIR_OK);
  TCHECK(weir_stream_resolve(WEIR_DEFAULT, &r) == WEIR_OK);
  TCHECK(h_stream_is(r, a->stream)); /* back to the process default */
  TCHECK(weir_stream_pop() != WEIR_OK);
  TCHECK(weir_stream_free(mine) == WEIR_OK);
  return NULL;
}

static void test_push_per_thread(void) {
  weir_stream def;
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &def));
  targ args[NT];
  for (int i = 0; i < NT; i++) args[i] = (targ){.id = i, .stream = def};
  pthread_barrier_init(&g_barrier, NULL, NT);
  run_threads(push_own, args);
  pthread_barrier_destroy(&g_barrier);
  weir_stream r;
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, def));
  collect("push per thread");
}

/* Streams created, used and freed by many threads at once; indices are unique. */
static int g_indices[NT][16];
static void *churn_streams(void *p) {
  targ *a = p;
  for (int k = 0; k < 16; k++) {
    weir_stream s;
    g_indices[a->id][k] = -1;
    if (weir_stream_new(CPU, &s) != WEIR_OK) {
      g_thread_failures++;
      continue;
    }
    g_indices[a->id][k] = s.index;
    weir_array *x = NULL, *y = NULL;
    int64_t shape[1] = {8};
    TCHECK(weir_ones(&x, shape, 1, WEIR_UINT16, s) == WEIR_OK);
    TCHECK(weir_add(&y, x, x, g_shared) == WEIR_OK); /* cross-stream into the shared one */
    TCHECK(weir_async_eval(&y, 1) == WEIR_OK);
    TCHECK(weir_stream_free(s) == WEIR_OK);
    int64_t v = 0;
    weir_array *m = NULL;
    TCHECK(weir_min(&m, y, NULL, 0, false, g_shared) == WEIR_OK);
    TCHECK(weir_array_item_int64(m, &v) == WEIR_OK && v == 2);
    weir_array_free(x);
    weir_array_free(y);
    weir_array_free(m);
  }
  return NULL;
}

static void test_stream_churn(void) {
  targ args[NT];
  for (int i = 0; i < NT; i++) args[i] = (targ){.id = i};
  run_threads(churn_streams, args);
  collect("stream churn");
  int dup = 0;
  for (int i = 0; i < NT * 16; i++)
    for (int j = i + 1; j < NT * 16; j++)
      if (g_indices[i / 16][i % 16] >= 0 && g_indices[i / 16][i % 16] == g_indices[j / 16][j % 16]) dup++;
  CHECK_MSG(dup == 0, "%d duplicate stream indices", dup);
}

/* Retains and frees of one array from many threads; the array stays valid throughout. */
static void *retain_release(void *p) {
  targ *a = p;
  for (int i = 0; i < 20000; i++) {
    weir_array *r = weir_array_retain(a->shared);
    weir_array_free(r);
  }
  const void *data = NULL;
  TCHECK(weir_array_data(a->shared, &data) == WEIR_OK && ((const float *)data)[0] == 5.0f);
  return NULL;
}

static void test_refcount_threads(void) {
  weir_array *x = NULL;
  int64_t shape[1] = {3};
  CHECK_OK(weir_full(&x, shape, 1, 5.0, WEIR_FLOAT32, g_shared));
  targ args[NT];
  for (int i = 0; i < NT; i++) args[i] = (targ){.id = i, .shared = x};
  run_threads(retain_release, args);
  collect("retain/free");
  double v[3];
  if (CHECK_OK(h_read(x, v))) CHECK_CLOSE(v[2], 5.0, 0);
  weir_array_free(x);
}

/* Error messages are per thread. */
static void *make_error(void *p) {
  (void)p;
  weir_array *out = NULL;
  TCHECK(weir_zeros(&out, (const int64_t[]){-5}, 1, WEIR_FLOAT32, WEIR_DEFAULT) != WEIR_OK);
  TCHECK(weir_last_error()[0] != 0);
  return NULL;
}

static void test_thread_local_errors(void) {
  weir_array *out = NULL;
  CHECK(weir_synchronize_all() == WEIR_OK);
  CHECK_STATUS(weir_array_from_data(&out, NULL, NULL, 0, WEIR_FLOAT32), WEIR_ERR_INVALID_ARGUMENT);
  char mine[1024];
  snprintf(mine, sizeof mine, "%s", weir_last_error());
  CHECK(mine[0] != 0);
  pthread_t t;
  pthread_create(&t, NULL, make_error, NULL);
  pthread_join(t, NULL);
  collect("error thread");
  CHECK_STR(weir_last_error(), mine);
}

int main(void) {
  h_init("test_threads");
  H_RUN(test_shared_stream);
  H_RUN(test_default_stream_many_threads);
  H_RUN(test_concurrent_eval_same_graph);
  H_RUN(test_handoff);
  H_RUN(test_push_per_thread);
  H_RUN(test_stream_churn);
  H_RUN(test_refcount_threads);
  H_RUN(test_thread_local_errors);
  CHECK_OK(weir_stream_free(g_shared));
  return h_finish();
}
