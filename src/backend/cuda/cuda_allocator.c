/* The per-device caching allocator for GPU memory, stream-aware.

   Sizes are rounded up to a size class (multiples of 512 bytes up to 1 MiB, then four classes
   per power of two), and a freed block waits in its device's pool under its class. A cached
   block remembers the stream it was allocated for (its owner) and carries one event per other
   stream that used it, recorded when it was freed. Handing it out again:
   - to its owner, with no events: nothing to do, the owner's own order covers every use;
   - to any other stream s: s waits (cudaStreamWaitEvent, on the GPU) for each event, and for an
     event recorded on the owner at that moment. The host never blocks.
   The owner's event is recorded lazily because most blocks go back to the stream that freed
   them, and then no event is needed at all. When the owner is idle (cudaStreamQuery) its
   event is not needed either. When it is still running work, an event recorded there now would
   order s after all of that work, so two streams sharing nothing would run one after the
   other: s gets a new block instead, and the cached one stays for its owner (it is reused
   after all when the device is out of memory).

   Near a full device the class rounding (up to 25% above the request) can be what does not fit:
   then the exact size is allocated, and when it is freed it is cached under the largest class
   it can serve.

   Blocks really freed (cache cleared, trimmed or over the limit) are released after a device
   synchronize, since their last uses may still be running. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/cuda/cuda_internal.h"
#include "core/error_internal.h"

#define SMALL_LIMIT ((size_t)1 << 20)
#define SMALL_STEP 512
#define SMALL_CLASSES ((int)(SMALL_LIMIT / SMALL_STEP)) /* 512 B .. 1 MiB */
#define LARGE_CLASSES (4 * (62 - 20))                   /* 2^20 .. 2^62, four per power of two */
#define NUM_CLASSES (SMALL_CLASSES + LARGE_CLASSES)
#define MAX_ALLOC ((size_t)1 << 62)

typedef struct cached_block {
  void *ptr;
  size_t capacity;
  int owner;                 /* weir stream index it was last allocated for; -1: none */
  weir__cuda_event *events;  /* uses on other streams (chained through ->next) */
  struct cached_block *next;
} cached_block;

typedef struct dev_pool {
  pthread_mutex_t mu;
  cached_block *lists[NUM_CLASSES];
  cached_block *exact; /* blocks in use that were allocated at their exact size (rare) */
  size_t cached_bytes;
  size_t cache_limit;
  weir__cuda_alloc_stats stats;
} dev_pool;

static dev_pool pools[WEIR__CUDA_MAX_DEVICES];
static pthread_once_t pools_once = PTHREAD_ONCE_INIT;

static void init_pools(void) {
  for (int i = 0; i < WEIR__CUDA_MAX_DEVICES; i++) {
    pthread_mutex_init(&pools[i].mu, NULL);
    pools[i].cache_limit = SIZE_MAX;
  }
}

static dev_pool *pool_of(int index) {
  if (index < 0 || index >= weir__cuda_device_count()) return NULL;
  pthread_once(&pools_once, init_pools);
  return &pools[index];
}

/* Class index and capacity for a request of n bytes (0 < n <= MAX_ALLOC). */
static int class_of(size_t n, size_t *capacity) {
  if (n <= SMALL_LIMIT) {
    size_t c = (n + SMALL_STEP - 1) / SMALL_STEP;
    *capacity = c * SMALL_STEP;
    return (int)c - 1;
  }
  int p = 63 - __builtin_clzll((unsigned long long)(n - 1)); /* 2^p < n <= 2^(p+1) */
  size_t base = (size_t)1 << p, quarter = base / 4;
  size_t q = (n - base + quarter - 1) / quarter; /* 1..4 */
  *capacity = base + q * quarter;
  return SMALL_CLASSES + (p - 20) * 4 + (int)(q - 1);
}

static size_t capacity_of_class(int c) {
  if (c < SMALL_CLASSES) return (size_t)(c + 1) * SMALL_STEP;
  int p = 20 + (c - SMALL_CLASSES) / 4, q = (c - SMALL_CLASSES) % 4 + 1;
  return ((size_t)1 << p) + (size_t)q * (((size_t)1 << p) / 4);
}

/* The largest class whose requests fit in `size` bytes. */
static int class_within(size_t size, size_t *capacity) {
  int c = class_of(size, capacity);
  if (*capacity > size) *capacity = capacity_of_class(--c);
  return c;
}

static void drop_events(weir__cuda_event *e) {
  while (e) {
    weir__cuda_event *next = e->next;
    weir__cuda_event_free(e);
    e = next;
  }
}

static void device_synchronize(int index) {
  int prev = weir__cuda_device_enter(index);
  if (cudaDeviceSynchronize() != cudaSuccess) (void)cudaGetLastError();
  weir__cuda_device_restore(prev);
}

/* Releases a chain of blocks to CUDA after their last uses finished. */
static void release_blocks(int index, cached_block *b) {
  if (!b) return;
  int prev = weir__cuda_device_enter(index);
  if (cudaDeviceSynchronize() != cudaSuccess) (void)cudaGetLastError();
  while (b) {
    cached_block *next = b->next;
    if (cudaFree(b->ptr) != cudaSuccess) (void)cudaGetLastError();
    drop_events(b->events);
    free(b);
    b = next;
  }
  weir__cuda_device_restore(prev);
}

/* Takes cached blocks, largest classes first, until at most `keep` bytes stay cached. */
static void trim_to(int index, dev_pool *pool, size_t keep) {
  cached_block *release = NULL;
  pthread_mutex_lock(&pool->mu);
  for (int c = NUM_CLASSES - 1; c >= 0 && pool->cached_bytes > keep; c--) {
    while (pool->lists[c] && pool->cached_bytes > keep) {
      cached_block *b = pool->lists[c];
      pool->lists[c] = b->next;
      pool->cached_bytes -= b->capacity;
      b->next = release;
      release = b;
    }
  }
  pthread_mutex_unlock(&pool->mu);
  release_blocks(index, release);
}

/* New device memory (the caller made the device current). Ordered on s when there is one
   (cudaMallocAsync): a plain cudaMalloc may wait for the whole device, so a stream that needs a
   new block would wait for every other stream's work. Blocks are never freed stream-ordered:
   release_blocks synchronizes the device, then cudaFree takes either kind. */
static cudaError_t device_malloc(weir__cuda_stream *s, void **p, size_t n) {
  if (weir__cuda_should_fail()) return cudaErrorMemoryAllocation; /* a test's injected fault */
  if (!s) return cudaMalloc(p, n);
  cudaError_t e = cudaMallocAsync(p, n, s->stream);
  weir__cuda_stream_note_enqueued(s); /* s's worker allocates for s: counted like its kernels */
  return e;
}

/* Orders s after every use of b (device side), or the host after them when s is NULL. */
static weir_status order_after_uses(dev_pool *pool, weir__cuda_stream *s, int s_index, cached_block *b,
                                    bool owner_idle) {
  weir_status st = WEIR_OK;
  int waits = 0;
  weir__cuda_event *owner_event = NULL;
  if (b->owner != s_index && b->owner >= 0 && !owner_idle) {
    void *e = NULL;
    st = weir__cuda_record_on_index(b->owner, &e);
    owner_event = e; /* NULL: the owner was destroyed, after its work was drained */
    if (owner_event) {
      owner_event->next = b->events;
      b->events = owner_event;
    }
  }
  for (weir__cuda_event *e = b->events; e && st == WEIR_OK; e = e->next) {
    if (e->stream_index == s_index) continue; /* same stream: already in order */
    if (s) {
      st = weir__cuda_stream_wait(s->stream, e);
      weir__cuda_stream_note_enqueued(s);
    } else {
      st = weir__cuda_event_sync(e);
    }
    waits++;
  }
  drop_events(b->events);
  b->events = NULL;
  pthread_mutex_lock(&pool->mu);
  pool->stats.waits += (uint64_t)waits;
  pool->stats.cross_stream++;
  pthread_mutex_unlock(&pool->mu);
  return st;
}

/* Pops a cached block of class c for stream s_index: one last used on s alone if there is one,
   else any. Under pool->mu. */
static cached_block *take_cached(dev_pool *pool, int c, int s_index) {
  cached_block **pp = &pool->lists[c];
  for (cached_block **q = pp; *q; q = &(*q)->next) {
    if ((*q)->owner == s_index && !(*q)->events) {
      pp = q;
      break;
    }
  }
  cached_block *b = *pp;
  if (b) {
    *pp = b->next;
    pool->cached_bytes -= b->capacity;
  }
  return b;
}

static void format_bytes(size_t n, char *buf, size_t len) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)n;
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    u++;
  }
  if (u == 0) snprintf(buf, len, "%zu bytes", n);
  else snprintf(buf, len, "%.2f %s", v, units[u]);
}

static weir_status out_of_memory(int index, size_t nbytes) {
  size_t free_bytes = 0, total_bytes = 0;
  int prev = weir__cuda_device_enter(index);
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) (void)cudaGetLastError();
  weir__cuda_device_restore(prev);
  char want[32], fr[32], tot[32];
  format_bytes(nbytes, want, sizeof want);
  format_bytes(free_bytes, fr, sizeof fr);
  format_bytes(total_bytes, tot, sizeof tot);
  return weir__fail(WEIR_ERR_OUT_OF_MEMORY,
                    "out of memory on Device(gpu, %d): could not allocate %zu bytes (%s); %s free of %s total", index,
                    nbytes, want, fr, tot);
}

weir_status weir__cuda_alloc(int index, weir__stream *s, size_t nbytes, void **out) {
  dev_pool *pool = pool_of(index);
  if (!pool) return weir__fail(WEIR_ERR_INDEX, "Device(gpu, %d) does not exist", index);
  if (nbytes == 0) nbytes = 1; /* a valid, distinct pointer for empty arrays */
  if (nbytes > MAX_ALLOC) return out_of_memory(index, nbytes);
  weir__cuda_stream *cs = s && s->device.type == WEIR_GPU ? s->backend_data : NULL;
  int s_index = cs ? cs->index : -1;
  size_t capacity;
  int c = class_of(nbytes, &capacity);

  pthread_mutex_lock(&pool->mu);
  cached_block *b = take_cached(pool, c, s_index);
  bool same = b && b->owner == s_index && !b->events;
  if (same) pool->stats.same_stream++;
  pthread_mutex_unlock(&pool->mu);
  bool owner_idle = false;
  if (b && !same && b->owner >= 0 && b->owner != s_index && !(owner_idle = weir__cuda_stream_idle(b->owner))) {
    /* Its owner is still running work, and an event recorded there now would order s after all
       of it: streams that share nothing would run one after the other. A new block instead,
       while memory allows; the cached one stays for its owner. */
    void *fresh = NULL;
    int prev = weir__cuda_device_enter(index);
    cudaError_t e = device_malloc(cs, &fresh, capacity);
    weir__cuda_device_restore(prev);
    if (e == cudaSuccess) {
      pthread_mutex_lock(&pool->mu);
      b->next = pool->lists[c];
      pool->lists[c] = b;
      pool->cached_bytes += b->capacity;
      pool->stats.mallocs++;
      pool->stats.busy_owner++;
      pthread_mutex_unlock(&pool->mu);
      *out = fresh;
      return WEIR_OK;
    }
    (void)cudaGetLastError(); /* short of memory: reuse it after all, ordered after its owner */
  }
  if (b) {
    weir_status st = same ? WEIR_OK : order_after_uses(pool, cs, s_index, b, owner_idle);
    if (st != WEIR_OK) device_synchronize(index); /* could not order on the GPU: wait here */
    *out = b->ptr;
    free(b);
    return WEIR_OK;
  }

  int prev = weir__cuda_device_enter(index);
  void *p = NULL;
  cudaError_t e = device_malloc(cs, &p, capacity); /* (the retry below runs after an injected fault too) */
  if (e == cudaErrorMemoryAllocation) {
    /* Give the cache back to CUDA and try once more. */
    (void)cudaGetLastError();
    pthread_mutex_lock(&pool->mu);
    pool->stats.oom_retries++;
    pthread_mutex_unlock(&pool->mu);
    trim_to(index, pool, 0);
    e = device_malloc(cs, &p, capacity);
  }
  size_t exact = (nbytes + SMALL_STEP - 1) / SMALL_STEP * SMALL_STEP;
  cached_block *record = NULL;
  if (e == cudaErrorMemoryAllocation && exact < capacity && (record = weir__malloc(sizeof *record))) {
    (void)cudaGetLastError();
    e = device_malloc(cs, &p, exact);
    if (e == cudaSuccess) {
      *record = (cached_block){.ptr = p, .capacity = exact, .owner = -1};
      pthread_mutex_lock(&pool->mu);
      record->next = pool->exact;
      pool->exact = record;
      pool->stats.exact_allocs++;
      pthread_mutex_unlock(&pool->mu);
      record = NULL;
    }
  }
  free(record);
  weir_status st = WEIR_OK;
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError(); /* not sticky: the device stays usable */
    st = out_of_memory(index, nbytes);
  } else if (e != cudaSuccess) {
    st = weir__cuda_check(e, "cudaMalloc");
  }
  weir__cuda_device_restore(prev);
  if (st != WEIR_OK) return st;
  pthread_mutex_lock(&pool->mu);
  pool->stats.mallocs++;
  pthread_mutex_unlock(&pool->mu);
  *out = p;
  return WEIR_OK;
}

void weir__cuda_free(int index, void *p, size_t nbytes, int owner, const int *users, int n_users) {
  dev_pool *pool = pool_of(index);
  if (!p || !pool) return;
  if (nbytes == 0) nbytes = 1;
  size_t capacity;
  int c = class_of(nbytes, &capacity);
  cached_block *b = weir__malloc(sizeof *b);
  if (!b) { /* no room to remember it: give it back to CUDA */
    device_synchronize(index);
    if (cudaFree(p) != cudaSuccess) (void)cudaGetLastError();
    return;
  }
  *b = (cached_block){.ptr = p, .capacity = capacity, .owner = owner};
  if (n_users < 0) {
    /* Unknown users: wait until nothing on the device can still touch it. */
    device_synchronize(index);
    b->owner = -1;
  } else {
    for (int i = 0; i < n_users; i++) {
      int u = users[i];
      bool seen = u == owner;
      for (int j = 0; j < i && !seen; j++) seen = users[j] == u;
      if (seen) continue;
      void *e = NULL;
      if (weir__cuda_record_on_index(u, &e) != WEIR_OK) {
        /* Cannot track this use: fall back to waiting for the whole device. */
        device_synchronize(index);
        drop_events(b->events);
        b->events = NULL;
        b->owner = -1;
        break;
      }
      if (e) {
        weir__cuda_event *ev = e;
        ev->next = b->events;
        b->events = ev;
      }
    }
  }
  pthread_mutex_lock(&pool->mu);
  if (pool->exact) { /* an exact-size block goes under the largest class it can serve */
    for (cached_block **pp = &pool->exact; *pp; pp = &(*pp)->next) {
      if ((*pp)->ptr == p) {
        cached_block *x = *pp;
        *pp = x->next;
        c = class_within(x->capacity, &capacity);
        b->capacity = capacity;
        free(x);
        break;
      }
    }
  }
  bool keep = pool->cached_bytes + capacity <= pool->cache_limit;
  if (keep) {
    b->next = pool->lists[c];
    pool->lists[c] = b;
    pool->cached_bytes += capacity;
  }
  pthread_mutex_unlock(&pool->mu);
  if (!keep) {
    b->next = NULL;
    release_blocks(index, b);
  }
}

size_t weir__cuda_cache_bytes(int index) {
  dev_pool *pool = pool_of(index);
  if (!pool) return 0;
  pthread_mutex_lock(&pool->mu);
  size_t v = pool->cached_bytes;
  pthread_mutex_unlock(&pool->mu);
  return v;
}

void weir__cuda_clear_cache(int index) {
  dev_pool *pool = pool_of(index);
  if (pool) trim_to(index, pool, 0);
}

void weir__cuda_set_cache_limit(int index, size_t bytes) {
  dev_pool *pool = pool_of(index);
  if (!pool) return;
  pthread_mutex_lock(&pool->mu);
  pool->cache_limit = bytes;
  pthread_mutex_unlock(&pool->mu);
  trim_to(index, pool, bytes);
}

void weir__cuda_alloc_stats_get(int index, weir__cuda_alloc_stats *out) {
  *out = (weir__cuda_alloc_stats){0};
  dev_pool *pool = pool_of(index);
  if (!pool) return;
  pthread_mutex_lock(&pool->mu);
  *out = pool->stats;
  out->cache_bytes = pool->cached_bytes;
  pthread_mutex_unlock(&pool->mu);
}
