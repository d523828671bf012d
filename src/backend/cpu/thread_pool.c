/* The CPU thread pool (thread_pool.h). A loop is published with a generation count, chunks are
   claimed with an atomic counter, and the caller waits until every worker has been through the
   loop. After a loop, workers poll for the next one for SPIN_NS before they sleep on a condition
   variable, and the caller polls for the workers before it sleeps: waking fifteen sleeping
   threads, each retaking the mutex, cost ~50 us on a 16-core host, more than an add of 2^17
   floats (bench/cpu_crossover.py). Submitters do not queue: a second caller finds the pool busy
   (trylock) and runs its loop itself, which keeps streams independent. */
#include "backend/cpu/thread_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/poll.h"

#define MAX_THREADS 256
#define SPIN_NS 100000 /* how long a worker, or the caller, polls before it sleeps */

static struct {
  pthread_once_t once;
  pthread_mutex_t busy; /* held by the caller whose loop runs on the pool */
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  int nthreads;       /* caller included */
  int started;                  /* workers running */
  _Atomic uint64_t generation;  /* bumped per loop (under mu, after the loop's fields) */
  _Atomic int active;           /* workers still in the current loop */
  /* the current loop */
  weir__pool_fn fn;
  void *ctx;
  int64_t n, chunk, nchunks;
  atomic_llong next;
} P = {.once = PTHREAD_ONCE_INIT,
       .busy = PTHREAD_MUTEX_INITIALIZER,
       .mu = PTHREAD_MUTEX_INITIALIZER,
       .work_cv = PTHREAD_COND_INITIALIZER,
       .done_cv = PTHREAD_COND_INITIALIZER};

static void run_chunks(void) {
  for (;;) {
    int64_t i = atomic_fetch_add_explicit(&P.next, 1, memory_order_relaxed);
    if (i >= P.nchunks) return;
    int64_t lo = i * P.chunk, hi = lo + P.chunk < P.n ? lo + P.chunk : P.n;
    P.fn(P.ctx, lo, hi);
  }
}

/* What the pool's threads wait for: a new loop published after *seen, and (the caller) every
   worker through the current one. */
static bool new_loop(const void *seen) {
  return atomic_load_explicit(&P.generation, memory_order_acquire) != *(const uint64_t *)seen;
}
static bool workers_done(const void *unused) {
  (void)unused;
  return atomic_load_explicit(&P.active, memory_order_acquire) == 0;
}

static void *worker(void *arg) {
  (void)arg;
  uint64_t seen = 0;
  for (;;) {
    if (!weir__poll_for(new_loop, &seen, SPIN_NS)) {
      pthread_mutex_lock(&P.mu);
      while (!new_loop(&seen)) pthread_cond_wait(&P.work_cv, &P.mu);
      pthread_mutex_unlock(&P.mu);
    }
    /* The caller waits for every worker before it publishes again: this is seen + 1, and the
       loop's fields were written before it (release/acquire). */
    seen = atomic_load_explicit(&P.generation, memory_order_acquire);
    run_chunks();
    if (atomic_fetch_sub_explicit(&P.active, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&P.mu); /* the caller checks `active` under mu before it waits */
      pthread_cond_signal(&P.done_cv);
      pthread_mutex_unlock(&P.mu);
    }
  }
  return NULL;
}

static void start(void) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("WEIR_CPU_THREADS");
  long n = env && atol(env) >= 1 ? atol(env) : cores;
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  P.nthreads = (int)n;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED); /* they live until the process ends */
  for (int i = 1; i < P.nthreads; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, worker, NULL) != 0) break; /* fewer threads: still correct */
    P.started++;
  }
  pthread_attr_destroy(&attr);
}

int weir__pool_threads(void) {
  pthread_once(&P.once, start);
  return P.started + 1;
}

void weir__pool_run(int64_t n, int64_t grain, weir__pool_fn fn, void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int threads = weir__pool_threads();
  if (threads < 2 || n < 2 * grain || pthread_mutex_trylock(&P.busy) != 0) {
    fn(ctx, 0, n);
    return;
  }
  /* about four chunks per thread balances uneven progress; none shorter than grain */
  int64_t chunk = n / ((int64_t)threads * 4);
  if (chunk < grain) chunk = grain;
  pthread_mutex_lock(&P.mu);
  P.fn = fn;
  P.ctx = ctx;
  P.n = n;
  P.chunk = chunk;
  P.nchunks = (n + chunk - 1) / chunk;
  atomic_store_explicit(&P.next, 0, memory_order_relaxed);
  atomic_store_explicit(&P.active, P.started, memory_order_relaxed);
  atomic_fetch_add_explicit(&P.generation, 1, memory_order_release);
  pthread_cond_broadcast(&P.work_cv); /* cheap when every worker is polling */
  pthread_mutex_unlock(&P.mu);
  run_chunks();
  if (!weir__poll_for(workers_done, NULL, SPIN_NS)) {
    pthread_mutex_lock(&P.mu);
    while (!workers_done(NULL)) pthread_cond_wait(&P.done_cv, &P.mu);
    pthread_mutex_unlock(&P.mu);
  }
  pthread_mutex_unlock(&P.busy);
}
