/* weir — memory statistics and limits (process-wide; _on variants for one device).
   active: bytes of live array buffers (as requested); peak: the highest active since the
   last reset; cache: bytes held by the caching allocators for reuse. */
#ifndef WEIR_MEMORY_H
#define WEIR_MEMORY_H

#include "device.h"

#ifdef __cplusplus
extern "C" {
#endif

size_t weir_memory_active(void);
size_t weir_memory_active_on(weir_device d);
size_t weir_memory_peak(void);
size_t weir_memory_peak_on(weir_device d);
size_t weir_memory_cache(void);
size_t weir_memory_cache_on(weir_device d);
void weir_memory_reset_peak(void); /* peak := 0 */
void weir_memory_clear_cache(void);
size_t weir_memory_limit(void);
size_t weir_memory_set_limit(size_t limit); /* returns the previous limit */
size_t weir_memory_cache_limit(void);
size_t weir_memory_set_cache_limit(size_t limit); /* returns the previous limit */

#ifdef __cplusplus
}
#endif
#endif
