/* The CPU backend: one device (cpu:0), host memory through the caching allocator, kernels run
   synchronously on the stream's worker thread. */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/host_allocator.h"
#include "backend/cpu/thread_pool.h"
#include "backend/fused.h"

static int cpu_device_count(void) { return 1; }

static void cpu_model_name(char *buf, size_t n) {
  snprintf(buf, n, "cpu");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      char *colon = strchr(line, ':');
      if (colon) {
        colon++;
        while (*colon == ' ' || *colon == '\t') colon++;
        colon[strcspn(colon, "\n")] = 0;
        snprintf(buf, n, "%s", colon);
      }
      break;
    }
  }
  fclose(f);
}

static weir_status cpu_device_info(int index, weir_device_info *info) {
  (void)index;
  char name[256];
  cpu_model_name(name, sizeof name);
  struct utsname u;
  const char *arch = uname(&u) == 0 ? u.machine : "unknown";
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  weir_status st = weir__device_info_set_string(info, "device_name", name);
  if (st == WEIR_OK) st = weir__device_info_set_string(info, "architecture", arch);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "total_memory", (int64_t)pages * page);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "core_count", sysconf(_SC_NPROCESSORS_ONLN));
  return st;
}

/* With a GPU present, host buffers are pinned (the GPU backend's cached pinned allocator), so
   transfers are asynchronous and run at full bus speed. Decided once, before the first block. */
static pthread_once_t pinned_once = PTHREAD_ONCE_INIT;
static void choose_host_memory(void) {
  const weir__backend *gpu = weir__backend_cuda();
  if (gpu && gpu->host_alloc && gpu->host_free && gpu->device_count() > 0)
    weir__host_use_raw_allocator(gpu->host_alloc, gpu->host_free);
}

static weir_status cpu_alloc(int index, weir__stream *s, size_t nbytes, void **out) {
  (void)index, (void)s;
  pthread_once(&pinned_once, choose_host_memory);
  return weir__host_alloc(nbytes, out);
}
static void cpu_free(int index, void *p, size_t nbytes, int owner, const int *users, int n_users) {
  (void)index, (void)owner, (void)users, (void)n_users;
  weir__host_free(p, nbytes);
}
static size_t cpu_cache_bytes(int index) {
  (void)index;
  return weir__host_cache_bytes();
}
static void cpu_clear_cache(int index) {
  (void)index;
  weir__host_clear_cache();
}
static void cpu_set_cache_limit(int index, size_t bytes) {
  (void)index;
  weir__host_set_cache_limit(bytes);
}

/* Below this much work a kernel runs on the stream's thread alone: handing a loop to the pool
   costs more than it saves. Measured on a 16-core host (bench/cpu_crossover.py, README), with the
   pool's threads polling between loops: a loop on the pool costs ~12 us; a float32 add is faster
   on the pool from 2^16 elements (13 us against 16), exp from 2^14, a sum from 2^18 (below that
   its input fits the core's cache). So the work is the element count, times 4 for the
   transcendental functions (exp_like below) and a quarter of the input for reductions. Chunks
   are at least PARALLEL_GRAIN elements. WEIR_CPU_PARALLEL_MIN overrides the threshold (tests use
   it). */
#define PARALLEL_MIN ((int64_t)1 << 16)
#define PARALLEL_GRAIN ((int64_t)1 << 14)

/* Ops that cost several times an add per element (polynomials, divisions by series). */
static bool exp_like(weir__prim p) {
  return (p >= WEIR__P_EXP && p <= WEIR__P_ERF && p != WEIR__P_SQRT && p != WEIR__P_SQUARE && p != WEIR__P_RSQRT &&
          p != WEIR__P_RECIPROCAL) ||
         p == WEIR__P_POWER || p == WEIR__P_ARCTAN2;
}

static int64_t parallel_min(void) {
  static _Atomic int64_t cached = -1;
  int64_t v = cached;
  if (v < 0) {
    const char *env = getenv("WEIR_CPU_PARALLEL_MIN");
    v = env && atoll(env) > 0 ? atoll(env) : PARALLEL_MIN;
    cached = v;
  }
  return v;
}

/* Chunks: PARALLEL_GRAIN elements, less when a test lowers the threshold (so it splits small arrays). */
static int64_t parallel_grain(void) {
  int64_t g = parallel_min() / 4;
  return g < 1 ? 1 : g > PARALLEL_GRAIN ? PARALLEL_GRAIN : g;
}

/* One kernel call split over the pool: each chunk runs on its own copy of the call (kernels write
   errmsg), the first failure is kept. */
typedef struct {
  const weir__kernel_call *call;
  pthread_mutex_t mu;
  weir_status st;
  char errmsg[sizeof ((weir__kernel_call *)0)->errmsg];
} split_call;

static void run_chunk(void *ctx, int64_t lo, int64_t hi) {
  split_call *sc = ctx;
  weir__kernel_call c = *sc->call;
  weir_status st = weir__cpu_kernel_run_range(&c, lo, hi);
  if (st == WEIR_OK) return;
  pthread_mutex_lock(&sc->mu);
  if (sc->st == WEIR_OK) {
    sc->st = st;
    memcpy(sc->errmsg, c.errmsg, sizeof sc->errmsg);
  }
  pthread_mutex_unlock(&sc->mu);
}

static weir_status cpu_run(weir__stream *s, weir__kernel_call *call) {
  (void)s;
  /* The work: the output's size, or a reduction's input size (it reads more than it writes);
     chunks are of output elements, so their grain shrinks by the same ratio. */
  bool reduce = call->prim >= WEIR__P_SUM && call->prim <= WEIR__P_ARGMIN; /* not gather: its table is not read whole */
  int64_t work = call->out.size;
  if (reduce && call->in[0].size / 4 > work) work = call->in[0].size / 4;
  if (exp_like(call->prim) && work < INT64_MAX / 4) work *= 4;
  if (call->out.size < 2 || work < parallel_min() || !weir__cpu_kernel_splittable(call->prim))
    return weir__cpu_kernel_run(call);
  int64_t grain = parallel_grain() / (work / call->out.size); /* work >= out.size */
  call->errmsg[0] = '\0';
  weir_status st = weir__cpu_kernel_run_range(call, 0, 0); /* validates, touches nothing */
  if (st != WEIR_OK) return st;
  split_call sc = {.call = call, .mu = PTHREAD_MUTEX_INITIALIZER, .st = WEIR_OK};
  weir__pool_run(call->out.size, grain < 1 ? 1 : grain, run_chunk, &sc);
  if (sc.st != WEIR_OK) memcpy(call->errmsg, sc.errmsg, sizeof sc.errmsg);
  return sc.st;
}

typedef struct {
  const struct weir__fused_step *steps;
  int nsteps;
} split_fused;

static void run_fused_chunk(void *ctx, int64_t lo, int64_t hi) {
  const split_fused *f = ctx;
  (void)weir__cpu_fused_run_range(lo, hi, f->steps, f->nsteps); /* cannot fail */
}

static weir_status cpu_run_fused(weir__stream *s, int64_t n, const struct weir__fused_step *steps, int nsteps) {
  (void)s;
  if (n < parallel_min()) return weir__cpu_fused_run_range(0, n, steps, nsteps);
  split_fused f = {steps, nsteps};
  weir__pool_run(n, parallel_grain(), run_fused_chunk, &f);
  return WEIR_OK;
}

static const weir__backend cpu_backend = {
    .type = WEIR_CPU,
    .name = "cpu",
    .device_count = cpu_device_count,
    .device_info = cpu_device_info,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .cache_bytes = cpu_cache_bytes,
    .clear_cache = cpu_clear_cache,
    .set_cache_limit = cpu_set_cache_limit,
    .run = cpu_run,
    .run_fused = cpu_run_fused,
};

const weir__backend *weir__backend_cpu(void) { return &cpu_backend; }
