/* Stress (issue 6): a seeded random DAG of int32 8x8 arrays over 16 new streams on every device,
   built by 8 threads at once with random async_eval / eval / synchronize points and frees in
   whatever order the threads reach them, checked against a serial replay of the same DAG on the
   host (uint32 wrapping arithmetic: every op here is exact, so the comparison is bit for bit).
   A watchdog fails the test when nothing progresses for WEIR_STRESS_STALL seconds and prints
   every stream's state (weir__debug_dump_streams).

   Rounds of fresh DAGs (new seeds, new streams) repeat until WEIR_STRESS_SECONDS have passed.
   Environment: WEIR_STRESS_NODES (nodes a round, default 10,000), WEIR_STRESS_SECONDS (default 20;
   a round still being built then stops building and checks what it built), WEIR_STRESS_STALL
   (default 60). A longer run: WEIR_STRESS_SECONDS=1800 WEIR_TEST_TIMEOUT=2000. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "harness.h"

#include "core/runtime.h"

#define R 8
#define C 8
#define E (R * C)
#define THREADS 8
#define STREAMS_PER_DEVICE 16
#define MAX_STREAMS (STREAMS_PER_DEVICE * 9)

enum { LEAF, ADD, SUB, MUL, MAXI, MINI, NEG, ABS, XOR, TRANSPOSE, ROWSUM_ADD, SELECT, NOPS };
static const char *op_names[NOPS] = {"leaf",    "add",       "subtract",   "multiply",   "maximum", "minimum",
                                     "negative", "abs",       "bitwise_xor", "transpose", "rowsum+add", "where"};

typedef struct {
  int op, a, b, stream;
  bool check; /* its builder evaluates and compares it */
  int action; /* after building: 0 nothing, 1 async_eval, 2 eval + compare, 3 synchronize a stream */
  int sync_stream;
  int consumers;
  uint32_t ref[E]; /* the serial replay */
  int32_t leaf[E];
  _Atomic(weir_array *) arr;
  _Atomic int remaining; /* consumers not built yet; the table's reference goes at 0 */
  atomic_bool dropped;
} node;

static node *g;
static long g_n;
static weir_stream g_streams[MAX_STREAMS];
static int g_nstreams;
static atomic_bool g_stop, g_failed_build;
static _Atomic long g_progress, g_built, g_checked, g_mismatch, g_errors, g_syncs;
static double g_deadline; /* building stops then */

/* ---- the DAG and its serial replay ---- */
static void replay(node *x) {
  const uint32_t *a = x->a >= 0 ? g[x->a].ref : NULL, *b = x->b >= 0 ? g[x->b].ref : NULL;
  for (int i = 0; i < E; i++) {
    int r = i / C, c = i % C;
    uint32_t v = 0;
    switch (x->op) {
    case LEAF: v = (uint32_t)x->leaf[i]; break;
    case ADD: v = a[i] + b[i]; break;
    case SUB: v = a[i] - b[i]; break;
    case MUL: v = a[i] * b[i]; break;
    case MAXI: v = (int32_t)a[i] > (int32_t)b[i] ? a[i] : b[i]; break;
    case MINI: v = (int32_t)a[i] < (int32_t)b[i] ? a[i] : b[i]; break;
    case NEG: v = 0u - a[i]; break;
    case ABS: v = (int32_t)a[i] < 0 ? 0u - a[i] : a[i]; break;
    case XOR: v = a[i] ^ b[i]; break;
    case TRANSPOSE: v = a[c * C + r]; break;
    case ROWSUM_ADD: {
      uint32_t s = 0;
      for (int k = 0; k < C; k++) s += a[r * C + k];
      v = s + b[i];
      break;
    }
    case SELECT: v = (int32_t)a[i] > (int32_t)b[i] ? a[i] : b[i] * 3u; break;
    }
    x->ref[i] = v;
  }
}

static void generate(void) {
  for (long i = 0; i < g_n; i++) {
    node *x = &g[i];
    /* a few leaves early, then mostly ops on recent nodes (deep chains) and some far back */
    x->op = i < 16 || h_rand01() < 0.06 ? LEAF : (int)h_rand_int(ADD, NOPS - 1);
    x->a = x->b = -1;
    if (x->op != LEAF) {
      long span = h_rand01() < 0.8 ? 64 : i;
      x->a = (int)(i - 1 - h_rand_int(0, (span < i ? span : i) - 1));
      x->b = (int)(i - 1 - h_rand_int(0, (span < i ? span : i) - 1));
      g[x->a].consumers++;
      if (x->op != NEG && x->op != ABS && x->op != TRANSPOSE) g[x->b].consumers++;
      else x->b = -1;
    } else {
      for (int k = 0; k < E; k++) x->leaf[k] = (int32_t)h_rand_int(-1000, 1000);
    }
    x->stream = (int)h_rand_int(0, g_nstreams - 1);
    double u = h_rand01();
    x->action = u < 0.08 ? 1 : u < 0.12 ? 2 : u < 0.13 ? 3 : 0;
    x->sync_stream = (int)h_rand_int(0, g_nstreams - 1);
    x->check = x->action == 2 || h_rand01() < 0.05;
    replay(x);
  }
  for (long i = 0; i < g_n; i++) atomic_init(&g[i].remaining, g[i].consumers);
}

/* ---- building ---- */
static void note_error(const char *what, long i) {
  if (atomic_fetch_add(&g_errors, 1) < 10)
    fprintf(stderr, "FAIL node %ld (%s): %s: %s\n", i, op_names[g[i].op], what, weir_last_error());
}

static bool compare(long i, weir_array *arr) {
  const int32_t *p;
  if (weir_array_data(arr, (const void **)&p) != WEIR_OK) {
    note_error("data", i);
    return false;
  }
  int bad = 0;
  for (int k = 0; k < E; k++) bad += (uint32_t)p[k] != g[i].ref[k];
  atomic_fetch_add(&g_checked, 1);
  if (bad && atomic_fetch_add(&g_mismatch, 1) < 10)
    fprintf(stderr, "FAIL node %ld (%s on stream %d): %d of %d values differ from the serial replay\n", i,
            op_names[g[i].op], g_streams[g[i].stream].index, bad, E);
  return bad == 0;
}

/* An input's array: waits until its builder published it. NULL when the run is stopping. */
static weir_array *input(int j) {
  weir_array *a;
  while (!(a = atomic_load(&g[j].arr))) {
    if (atomic_load(&g_stop)) return NULL;
    sched_yield();
  }
  return a;
}

static void drop_table_ref(int j) {
  if (!atomic_exchange(&g[j].dropped, true)) weir_array_free(atomic_load(&g[j].arr));
}

static void consumed(int j) {
  if (j >= 0 && atomic_fetch_sub(&g[j].remaining, 1) == 1) drop_table_ref(j);
}

static weir_status build(node *x, weir_array *a, weir_array *b, weir_array **out) {
  weir_stream s = g_streams[x->stream];
  weir_array *t = NULL, *u = NULL;
  weir_status st = WEIR_OK;
  switch (x->op) {
  case LEAF: return weir_array_from_data(out, x->leaf, (const int64_t[2]){R, C}, 2, WEIR_INT32);
  case ADD: return weir_add(out, a, b, s);
  case SUB: return weir_subtract(out, a, b, s);
  case MUL: return weir_multiply(out, a, b, s);
  case MAXI: return weir_maximum(out, a, b, s);
  case MINI: return weir_minimum(out, a, b, s);
  case NEG: return weir_negative(out, a, s);
  case ABS: return weir_abs(out, a, s);
  case XOR: return weir_bitwise_xor(out, a, b, s);
  case TRANSPOSE: return weir_transpose(out, a, NULL, 0, s);
  case ROWSUM_ADD: {
    const int ax[1] = {1};
    st = weir_sum(&t, a, ax, 1, true, s);
    if (st == WEIR_OK && weir_array_dtype(t) != WEIR_INT32) { /* keep int32 wrapping */
      st = weir_astype(&u, t, WEIR_INT32, s);
      weir_array_free(t);
      t = u;
    }
    if (st == WEIR_OK) st = weir_add(out, t, b, s);
    weir_array_free(t);
    return st;
  }
  case SELECT: {
    weir_array *three = NULL;
    st = weir_greater(&t, a, b, s);
    if (st == WEIR_OK) st = weir_array_from_scalar(&three, 3, WEIR_INT32);
    if (st == WEIR_OK) st = weir_multiply(&u, b, three, s);
    if (st == WEIR_OK) st = weir_where(out, t, a, u, s);
    weir_array_free(three);
    weir_array_free(t);
    weir_array_free(u);
    return st;
  }
  }
  return WEIR_ERR_INTERNAL;
}

static void *submitter(void *arg) {
  long me = (long)(intptr_t)arg;
  weir_array **mine = calloc((size_t)(g_n / THREADS + 1), sizeof *mine); /* checked nodes, kept */
  long *mine_ix = calloc((size_t)(g_n / THREADS + 1), sizeof *mine_ix);
  long nmine = 0;
  for (long i = me; i < g_n && !atomic_load(&g_stop); i += THREADS) {
    node *x = &g[i];
    if (h_now() > g_deadline) {
      atomic_store(&g_stop, true);
      break;
    }
    weir_array *a = x->a >= 0 ? input(x->a) : NULL, *b = x->b >= 0 ? input(x->b) : NULL;
    if ((x->a >= 0 && !a) || (x->b >= 0 && !b)) break;
    weir_array *out = NULL;
    if (build(x, a, b, &out) != WEIR_OK) {
      note_error("build", i);
      atomic_store(&g_failed_build, true);
      atomic_store(&g_stop, true);
      break;
    }
    if (x->check) {
      mine[nmine] = weir_array_retain(out);
      mine_ix[nmine++] = i;
    }
    weir_array_retain(out); /* ours while we use it: once published, consumers may drop the table's */
    atomic_store(&x->arr, out);
    consumed(x->a);
    consumed(x->b);
    if (x->action == 1 && weir_async_eval(&out, 1) != WEIR_OK) note_error("async_eval", i);
    if (x->action == 2) {
      if (weir_eval(&out, 1) != WEIR_OK) note_error("eval", i);
      else compare(i, out);
    }
    if (x->action == 3) {
      if (weir_synchronize(g_streams[x->sync_stream]) != WEIR_OK) note_error("synchronize", i);
      atomic_fetch_add(&g_syncs, 1);
    }
    if (x->consumers == 0) drop_table_ref((int)i); /* nothing will read it: a random early free */
    weir_array_free(out);
    atomic_fetch_add(&g_built, 1);
    atomic_fetch_add(&g_progress, 1);
  }
  /* every checked node of this thread, in one eval, then compared */
  if (nmine > 0 && weir_eval(mine, (size_t)nmine) != WEIR_OK) note_error("final eval", mine_ix[0]);
  for (long k = 0; k < nmine; k++) {
    compare(mine_ix[k], mine[k]);
    weir_array_free(mine[k]);
    atomic_fetch_add(&g_progress, 1);
  }
  free(mine);
  free(mine_ix);
  return NULL;
}

/* ---- the watchdog ---- */
static atomic_bool g_done;
static double g_stall;
static bool g_dump_ok;

/* The dump the watchdog would print, taken once mid-run: it must list the streams. */
static void try_dump(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return;
  weir__debug_dump_streams(f);
  fclose(f);
  g_dump_ok = text && strstr(text, "Stream(Device(cpu, 0)") && strstr(text, "completed");
  free(text);
}

static void *watchdog(void *arg) {
  (void)arg;
  long last = -1;
  double since = h_now();
  while (!atomic_load(&g_done)) {
    usleep(100 * 1000);
    long p = atomic_load(&g_progress);
    if (!g_dump_ok && p > 100) try_dump();
    if (p != last) {
      last = p;
      since = h_now();
    } else if (h_now() - since > g_stall) {
      fprintf(stderr, "FAIL watchdog: no progress for %.0f s (%ld nodes built, %ld checked): stuck?\n", g_stall,
              atomic_load(&g_built), atomic_load(&g_checked));
      weir__debug_dump_streams(stderr);
      fprintf(stderr, "0 passed, 1 failed\n");
      _exit(1);
    }
  }
  return NULL;
}

static long env_long(const char *name, long dflt) {
  const char *s = getenv(name);
  return s && *s ? atol(s) : dflt;
}

/* One round: a fresh DAG over fresh streams; returns the nodes built. */
static long run_round(int ngpu, double deadline) {
  g_nstreams = 0;
  for (int d = 0; d <= ngpu; d++)
    for (int k = 0; k < STREAMS_PER_DEVICE; k++)
      CHECK_OK(weir_stream_new(d == 0 ? WEIR_CPU_DEVICE : WEIR_GPU_DEVICE(d - 1), &g_streams[g_nstreams++]));
  memset(g, 0, sizeof *g * (size_t)g_n);
  generate();
  atomic_store(&g_stop, false);
  atomic_store(&g_built, 0);
  g_deadline = deadline;
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, submitter, (void *)(intptr_t)t);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  CHECK_OK(weir_synchronize_all());
  for (long i = 0; i < g_n; i++) /* nodes whose consumers were never built (the time bound) */
    if (atomic_load(&g[i].arr)) drop_table_ref((int)i);
  for (int k = 0; k < g_nstreams; k++) CHECK_OK(weir_stream_free(g_streams[k]));
  return atomic_load(&g_built);
}

static void test_random_dag(void) {
  g_n = env_long("WEIR_STRESS_NODES", 10000);
  double seconds = (double)env_long("WEIR_STRESS_SECONDS", 20);
  g_stall = (double)env_long("WEIR_STRESS_STALL", 60);
  int ngpu = weir_device_count(WEIR_GPU);
  if (ngpu > 8) ngpu = 8;
  g = calloc((size_t)g_n, sizeof *g);
  if (!CHECK(g != NULL)) return;
  weir_memory_clear_cache();
  size_t base = weir_memory_active();
  double t0 = h_now();
  pthread_t wd;
  pthread_create(&wd, NULL, watchdog, NULL);
  long rounds = 0, built = 0, complete = 0;
  do {
    long b = run_round(ngpu, t0 + seconds);
    built += b;
    complete += b == g_n;
    rounds++;
  } while (h_now() - t0 < seconds && !atomic_load(&g_failed_build) && h_state.case_failed == 0);
  double took = h_now() - t0;
  atomic_store(&g_done, true);
  pthread_join(wd, NULL);
  weir_memory_clear_cache();
  CHECK_MSG(weir_memory_active() == base, "active memory %zu after freeing everything, %zu before",
            weir_memory_active(), base);
  CHECK_MSG(!atomic_load(&g_failed_build) && atomic_load(&g_errors) == 0, "%ld calls failed", atomic_load(&g_errors));
  CHECK_MSG(atomic_load(&g_mismatch) == 0, "%ld nodes differ from the serial replay", atomic_load(&g_mismatch));
  CHECK_MSG(complete >= 1, "no round of %ld nodes completed in %.0f s", g_n, seconds);
  CHECK(atomic_load(&g_checked) > 0);
  CHECK_MSG(g_dump_ok, "weir__debug_dump_streams did not list the streams");
  printf("  %ld rounds (%ld complete) of %ld nodes: %ld nodes built by %d threads over %d streams on %d device(s) "
         "in %.1f s; %ld checked against the serial replay, %ld synchronize points\n",
         rounds, complete, g_n, built, THREADS, g_nstreams, ngpu + 1, took, atomic_load(&g_checked),
         atomic_load(&g_syncs));
  free(g);
}

int main(void) {
  h_init("test_stress_dag");
  H_RUN(test_random_dag);
  return h_finish();
}
