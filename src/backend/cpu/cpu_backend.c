/* The CPU backend: one device (cpu:0), host memory through the caching allocator, kernels run
   synchronously on the stream's worker thread. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/cpu/host_allocator.h"
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

static weir_status cpu_run(weir__stream *s, weir__kernel_call *call) {
  (void)s;
  return weir__cpu_kernel_run(call);
}

static weir_status cpu_run_fused(weir__stream *s, int64_t n, const struct weir__fused_step *steps, int nsteps) {
  (void)s;
  return weir__cpu_fused_run(n, steps, nsteps);
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
