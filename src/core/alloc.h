/* The library's heap allocations go through these wrappers (same contracts as malloc, calloc,
   realloc and strdup) so a test can make the Nth allocation fail (fault_injection.h) and check
   that every allocation site fails cleanly. */
#ifndef WEIR_CORE_ALLOC_H
#define WEIR_CORE_ALLOC_H

#include <stddef.h>

void *weir__malloc(size_t n);
void *weir__calloc(size_t count, size_t size);
void *weir__realloc(void *p, size_t n); /* on failure p is untouched, as with realloc */
char *weir__strdup(const char *s);

#endif
