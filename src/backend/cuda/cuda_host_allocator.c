/* Pinned host memory for host buffers while a GPU is present, so host<->device copies are
   asynchronous and run at full bus speed. This is the raw source of blocks only: the host caching
   allocator (backend/cpu/host_allocator.c) keeps freed blocks for reuse, since pinning is slow
   (cudaHostAlloc maps and locks every page), and its cache figures and limits cover them.

   Blocks under 4 KiB are plain memory: their copies are dominated by latency, and the driver
   stages a small pageable copy without waiting. If pinning fails (the OS limits locked memory),
   the block falls back to plain memory too; those few are remembered so host_free can tell. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/cuda/cuda_internal.h"
#include "core/error_internal.h"

#define MAX_ALLOC ((size_t)1 << 61)
#define PIN_MIN 4096 /* blocks of at least this size are pinned */

/* A pointer whose pinning failed, so it came from posix_memalign. */
typedef struct unpinned {
  void *ptr;
  struct unpinned *next;
} unpinned;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unpinned *unpinned_list;

weir_status weir__cuda_host_alloc(size_t nbytes, void **out) {
  if (nbytes == 0) nbytes = 1;
  if (nbytes > MAX_ALLOC)
    return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory: could not allocate %zu bytes of host memory", nbytes);
  void *p = NULL;
  if (nbytes >= PIN_MIN) {
    /* Portable: pinned for every device's context, not only the current one. */
    cudaError_t e = weir__cuda_should_fail() ? cudaErrorMemoryAllocation /* a test's injected fault */
                                             : cudaHostAlloc(&p, nbytes, cudaHostAllocPortable);
    if (e == cudaSuccess) {
      *out = p;
      return WEIR_OK;
    }
    (void)cudaGetLastError();
    unpinned *u = weir__malloc(sizeof *u);
    if (u && posix_memalign(&p, 64, nbytes) == 0) {
      u->ptr = p;
      pthread_mutex_lock(&mu);
      u->next = unpinned_list;
      unpinned_list = u;
      pthread_mutex_unlock(&mu);
      *out = p;
      return WEIR_OK;
    }
    free(u);
  } else if (posix_memalign(&p, 64, nbytes) == 0) {
    *out = p;
    return WEIR_OK;
  }
  return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory: could not allocate %zu bytes of host memory", nbytes);
}

void weir__cuda_host_free(void *p, size_t nbytes) {
  if (!p) return;
  if (nbytes < PIN_MIN) {
    free(p);
    return;
  }
  pthread_mutex_lock(&mu);
  for (unpinned **pp = &unpinned_list; *pp; pp = &(*pp)->next)
    if ((*pp)->ptr == p) {
      unpinned *u = *pp;
      *pp = u->next;
      pthread_mutex_unlock(&mu);
      free(u);
      free(p);
      return;
    }
  pthread_mutex_unlock(&mu);
  cudaError_t e = cudaFreeHost(p);
  if (e != cudaSuccess) (void)cudaGetLastError();
}
