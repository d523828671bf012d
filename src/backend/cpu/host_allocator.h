/* The host caching allocator: size-classed free lists, so a loop that allocates the same sizes
   again and again reuses blocks instead of calling malloc. */
#ifndef WEIR_BACKEND_CPU_HOST_ALLOCATOR_H
#define WEIR_BACKEND_CPU_HOST_ALLOCATOR_H

#include <stddef.h>

#include "weir/error.h"

weir_status weir__host_alloc(size_t nbytes, void **out);
void weir__host_free(void *p, size_t nbytes);
size_t weir__host_cache_bytes(void);
void weir__host_clear_cache(void);
void weir__host_set_cache_limit(size_t bytes);
/* Where blocks come from: posix_memalign by default; a GPU backend installs its pinned allocator
   at start-up, before any host buffer exists. */
void weir__host_use_raw_allocator(weir_status (*alloc)(size_t, void **), void (*free_fn)(void *, size_t));

#endif
