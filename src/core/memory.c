/* Memory accounting: active/peak per device and in total, the memory limit, and the cache
   statistics and limits, which the backends' caching allocators hold. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "backend/backend.h"
#include "core/buffer.h"
#include "core/error_internal.h"
#include "core/runtime.h"
#include "weir/memory.h"

static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t active_total, peak_total;
static size_t active_dev[1 + WEIR__MAX_GPUS], peak_dev[1 + WEIR__MAX_GPUS];
static size_t memory_limit, cache_limit;
static bool limits_set;

static size_t physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return (size_t)1 << 40;
  return (size_t)pages * (size_t)page;
}

/* Under mem_mu. The default limit is the machine's physical memory. */
static void ensure_limits(void) {
  if (!limits_set) {
    memory_limit = physical_memory();
    cache_limit = memory_limit;
    limits_set = true;
  }
}

static const weir__backend *backend_of(weir_device d) {
  return d.type == WEIR_GPU ? weir__backend_cuda() : weir__backend_cpu();
}

size_t weir_memory_cache_on(weir_device d) {
  weir__runtime_init();
  if (d.type == WEIR_DEVICE_DEFAULT) d = weir_default_device();
  if (!weir_device_is_available(d)) return 0;
  const weir__backend *b = backend_of(d);
  return b && b->cache_bytes ? b->cache_bytes(d.index) : 0;
}

size_t weir_memory_cache(void) {
  size_t total = weir_memory_cache_on(WEIR_CPU_DEVICE);
  for (int k = 0; k < weir_device_count(WEIR_GPU); k++) total += weir_memory_cache_on(WEIR_GPU_DEVICE(k));
  return total;
}

void weir_memory_clear_cache(void) {
  weir__runtime_init();
  weir__backend_cpu()->clear_cache(0);
  const weir__backend *g = weir__backend_cuda();
  for (int k = 0; g && k < weir_device_count(WEIR_GPU); k++) g->clear_cache(k);
}

static void push_cache_limit(size_t limit) {
  weir__backend_cpu()->set_cache_limit(0, limit);
  const weir__backend *g = weir__backend_cuda();
  for (int k = 0; g && k < weir_device_count(WEIR_GPU); k++) g->set_cache_limit(k, limit);
}

/* In-flight work across all streams, so an allocation over the limit can wait for work that
   may free memory. Progress is signalled only while someone waits. */
static _Atomic int64_t inflight;
static _Atomic uint64_t progress;
static _Atomic int progress_waiters;
static pthread_cond_t progress_cv = PTHREAD_COND_INITIALIZER;

void weir__memory_work_queued(uint64_t n) { atomic_fetch_add(&inflight, (int64_t)n); }

void weir__memory_work_done(void) {
  atomic_fetch_sub(&inflight, 1);
  atomic_fetch_add(&progress, 1);
  if (atomic_load(&progress_waiters) > 0) {
    pthread_mutex_lock(&mem_mu);
    pthread_cond_broadcast(&progress_cv);
    pthread_mutex_unlock(&mem_mu);
  }
}

/* Under mem_mu. Waits up to 20 ms for any node elsewhere to finish. False when nothing else is
   in flight or nothing finished (e.g. everything in flight waits for the caller). */
static bool wait_for_progress(void) {
  if (atomic_load(&inflight) <= 1) return false; /* only the caller's own node */
  uint64_t seen = atomic_load(&progress);
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 20 * 1000 * 1000;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  atomic_fetch_add(&progress_waiters, 1);
  int rc = 0;
  while (atomic_load(&progress) == seen && rc == 0) rc = pthread_cond_timedwait(&progress_cv, &mem_mu, &deadline);
  atomic_fetch_sub(&progress_waiters, 1);
  return atomic_load(&progress) != seen;
}

/* Reserves nbytes against the limit, first freeing caches and then waiting for in-flight work
   while it makes progress. */
static bool reserve(size_t nbytes, int slot, size_t *limit_seen) {
  bool cleared = false;
  pthread_mutex_lock(&mem_mu);
  ensure_limits();
  for (;;) {
    size_t limit = memory_limit;
    *limit_seen = limit;
    if (nbytes <= limit && active_total <= limit - nbytes) {
      active_total += nbytes;
      active_dev[slot] += nbytes;
      pthread_mutex_unlock(&mem_mu);
      return true;
    }
    if (nbytes > limit) break; /* no amount of waiting helps */
    if (!cleared) { /* caches are real memory: give them back before waiting */
      pthread_mutex_unlock(&mem_mu);
      weir_memory_clear_cache();
      pthread_mutex_lock(&mem_mu);
      cleared = true;
      continue;
    }
    if (!wait_for_progress()) break;
  }
  pthread_mutex_unlock(&mem_mu);
  return false;
}

weir_status weir__buffer_new(weir_device d, weir__stream *s, size_t nbytes, weir__buffer **out) {
  const weir__backend *b = backend_of(d);
  int slot = weir__device_slot(d);
  weir__buffer *buf = weir__calloc(1, sizeof *buf);
  if (!buf) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory allocating a buffer header");
  size_t limit;
  if (!reserve(nbytes, slot, &limit)) {
    free(buf);
    char dn[32];
    weir_device_tostring(d, dn, sizeof dn);
    return weir__fail(WEIR_ERR_OUT_OF_MEMORY,
                      "out of memory: allocating %zu bytes on %s would pass the memory limit of %zu bytes "
                      "(%zu bytes active); raise it with weir_memory_set_limit / mx.set_memory_limit",
                      nbytes, dn, limit, weir_memory_active());
  }
  void *p = NULL;
  weir_status st = b->alloc(d.index, s, nbytes, &p);
  if (st != WEIR_OK) { /* free every cache and try once more */
    weir_memory_clear_cache();
    st = b->alloc(d.index, s, nbytes, &p);
  }
  pthread_mutex_lock(&mem_mu);
  if (st != WEIR_OK) {
    active_total -= nbytes;
    active_dev[slot] -= nbytes;
  } else {
    if (active_total > peak_total) peak_total = active_total;
    if (active_dev[slot] > peak_dev[slot]) peak_dev[slot] = active_dev[slot];
  }
  pthread_mutex_unlock(&mem_mu);
  if (st != WEIR_OK) {
    free(buf);
    char dn[32];
    weir_device_tostring(d, dn, sizeof dn);
    return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory: %s could not allocate %zu bytes", dn, nbytes);
  }
  atomic_init(&buf->refs, 1);
  buf->data = p;
  buf->nbytes = nbytes;
  buf->device = d;
  buf->writer = s && d.type == WEIR_GPU ? s->index : 0;
  buf->writer_stream = buf->writer ? weir__stream_retain(s) : NULL; /* s is the caller's: alive */
  *out = buf;
  return WEIR_OK;
}

void weir__buffer_release(weir__buffer *buf) {
  if (!buf || atomic_fetch_sub_explicit(&buf->refs, 1, memory_order_acq_rel) != 1) return;
  weir__buffer_release_residency(buf);
  backend_of(buf->device)->free(buf->device.index, buf->data, buf->nbytes, buf->writer, buf->users, buf->n_users);
  weir__stream_release(buf->writer_stream); /* may destroy the (freed) writer's backend stream */
  int slot = weir__device_slot(buf->device);
  pthread_mutex_lock(&mem_mu);
  active_total -= buf->nbytes;
  active_dev[slot] -= buf->nbytes;
  pthread_mutex_unlock(&mem_mu);
  free(buf);
}

static size_t read_locked(const size_t *p) {
  pthread_mutex_lock(&mem_mu);
  size_t v = *p;
  pthread_mutex_unlock(&mem_mu);
  return v;
}

static int slot_of(weir_device d) {
  if (d.type == WEIR_DEVICE_DEFAULT) d = weir_default_device();
  if (!weir_device_is_available(d)) return -1;
  return weir__device_slot(d);
}

size_t weir_memory_active(void) { return read_locked(&active_total); }
size_t weir_memory_peak(void) { return read_locked(&peak_total); }
size_t weir_memory_active_on(weir_device d) {
  int s = slot_of(d);
  return s < 0 ? 0 : read_locked(&active_dev[s]);
}
size_t weir_memory_peak_on(weir_device d) {
  int s = slot_of(d);
  return s < 0 ? 0 : read_locked(&peak_dev[s]);
}

void weir_memory_reset_peak(void) {
  pthread_mutex_lock(&mem_mu);
  peak_total = 0;
  for (int i = 0; i < 1 + WEIR__MAX_GPUS; i++) peak_dev[i] = 0;
  pthread_mutex_unlock(&mem_mu);
}

size_t weir_memory_limit(void) {
  pthread_mutex_lock(&mem_mu);
  ensure_limits();
  size_t v = memory_limit;
  pthread_mutex_unlock(&mem_mu);
  return v;
}

size_t weir_memory_set_limit(size_t limit) {
  pthread_mutex_lock(&mem_mu);
  ensure_limits();
  size_t prev = memory_limit;
  memory_limit = limit;
  pthread_mutex_unlock(&mem_mu);
  return prev;
}

size_t weir_memory_cache_limit(void) {
  pthread_mutex_lock(&mem_mu);
  ensure_limits();
  size_t v = cache_limit;
  pthread_mutex_unlock(&mem_mu);
  return v;
}

size_t weir_memory_set_cache_limit(size_t limit) {
  weir__runtime_init();
  pthread_mutex_lock(&mem_mu);
  ensure_limits();
  size_t prev = cache_limit;
  cache_limit = limit;
  pthread_mutex_unlock(&mem_mu);
  push_cache_limit(limit);
  return prev;
}
