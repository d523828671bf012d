/* Host caching allocator. Sizes are rounded up to a size class (multiples of 64 bytes up to
   4 KiB, then four classes per power of two), and freed blocks wait on their class's free list
   while the cache stays under its limit. Blocks are 64-byte aligned for vector loads. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <pthread.h>
#include <stdbool.h>

#include "backend/cpu/host_allocator.h"
#include "core/fault_injection.h"

#define SMALL_LIMIT 4096
#define SMALL_CLASSES (SMALL_LIMIT / 64)       /* 64 .. 4096 */
#define LARGE_CLASSES (4 * (62 - 12))          /* 2^12 .. 2^62, four per power of two */
#define NUM_CLASSES (SMALL_CLASSES + LARGE_CLASSES)
#define MAX_ALLOC ((size_t)1 << 61)

typedef struct block { /* a cached block's first bytes */
  struct block *next;
  size_t capacity;
} block;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static block *free_list[NUM_CLASSES];
static size_t cached_bytes;
static size_t cache_limit = SIZE_MAX;
static weir_status (*raw_alloc)(size_t, void **);
static void (*raw_free)(void *, size_t);

void weir__host_use_raw_allocator(weir_status (*alloc)(size_t, void **), void (*free_fn)(void *, size_t)) {
  raw_alloc = alloc;
  raw_free = free_fn;
}

static bool system_alloc(size_t capacity, void **out) {
  if (weir__alloc_should_fail()) return false; /* a test's injected failure */
  if (raw_alloc) return raw_alloc(capacity, out) == WEIR_OK;
  return posix_memalign(out, 64, capacity) == 0;
}

/* capacity: the block's class size (what system_alloc was asked for). */
static void system_free(void *p, size_t capacity) {
  if (raw_free) raw_free(p, capacity);
  else free(p);
}

/* Class index and capacity for a request of n bytes (0 < n <= MAX_ALLOC). */
static int class_of(size_t n, size_t *capacity) {
  if (n <= SMALL_LIMIT) {
    size_t c = (n + 63) / 64;
    *capacity = c * 64;
    return (int)c - 1;
  }
  int p = 63 - __builtin_clzll((unsigned long long)(n - 1)); /* 2^p < n <= 2^(p+1) */
  size_t base = (size_t)1 << p, quarter = base / 4;
  size_t q = (n - base + quarter - 1) / quarter; /* 1..4 */
  *capacity = base + q * quarter;
  return SMALL_CLASSES + (p - 12) * 4 + (int)(q - 1);
}

/* A request beyond the machine's physical memory can never be met: refuse it at once rather than
   let an overcommitting kernel hand out address space that kills the process when touched. */
static size_t physical_bytes(void) {
  static size_t cached;
  if (!cached) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    cached = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : MAX_ALLOC;
  }
  return cached;
}

weir_status weir__host_alloc(size_t nbytes, void **out) {
  if (nbytes == 0 || nbytes > MAX_ALLOC || nbytes > physical_bytes()) return WEIR_ERR_OUT_OF_MEMORY;
  size_t capacity;
  int c = class_of(nbytes, &capacity);
  pthread_mutex_lock(&mu);
  block *b = free_list[c];
  if (b) {
    free_list[c] = b->next;
    cached_bytes -= capacity;
  }
  pthread_mutex_unlock(&mu);
  if (!b && !system_alloc(capacity, (void **)&b)) return WEIR_ERR_OUT_OF_MEMORY;
  *out = b;
  return WEIR_OK;
}

void weir__host_free(void *p, size_t nbytes) {
  if (!p) return;
  size_t capacity;
  int c = class_of(nbytes, &capacity);
  pthread_mutex_lock(&mu);
  if (cached_bytes + capacity <= cache_limit) {
    block *b = p;
    b->next = free_list[c];
    free_list[c] = b;
    cached_bytes += capacity;
    p = NULL;
  }
  pthread_mutex_unlock(&mu);
  if (p) system_free(p, capacity);
}

size_t weir__host_cache_bytes(void) {
  pthread_mutex_lock(&mu);
  size_t v = cached_bytes;
  pthread_mutex_unlock(&mu);
  return v;
}

/* Frees cached blocks, largest classes first, until the cache is at most `keep` bytes. */
static void trim_to(size_t keep) {
  block *release = NULL;
  pthread_mutex_lock(&mu);
  for (int c = NUM_CLASSES - 1; c >= 0 && cached_bytes > keep; c--) {
    size_t capacity;
    if (c < SMALL_CLASSES) capacity = (size_t)(c + 1) * 64;
    else {
      int p = 12 + (c - SMALL_CLASSES) / 4, q = (c - SMALL_CLASSES) % 4 + 1;
      capacity = ((size_t)1 << p) + (size_t)q * (((size_t)1 << p) / 4);
    }
    while (free_list[c] && cached_bytes > keep) {
      block *b = free_list[c];
      free_list[c] = b->next;
      cached_bytes -= capacity;
      b->next = release;
      b->capacity = capacity;
      release = b;
    }
  }
  pthread_mutex_unlock(&mu);
  while (release) { /* each block's class size is recomputed from its list: keep it with the block */
    block *b = release;
    release = b->next;
    system_free(b, b->capacity);
  }
}

void weir__host_clear_cache(void) { trim_to(0); }

void weir__host_set_cache_limit(size_t bytes) {
  pthread_mutex_lock(&mu);
  cache_limit = bytes;
  pthread_mutex_unlock(&mu);
  trim_to(bytes);
}
