/* Allocation wrappers (alloc.h): the C library's, unless a test armed an injected failure. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fault_injection.h"

void *weir__malloc(size_t n) { return weir__alloc_should_fail() ? NULL : malloc(n); }

void *weir__calloc(size_t count, size_t size) { return weir__alloc_should_fail() ? NULL : calloc(count, size); }

void *weir__realloc(void *p, size_t n) { return weir__alloc_should_fail() ? NULL : realloc(p, n); }

char *weir__strdup(const char *s) { return weir__alloc_should_fail() ? NULL : strdup(s); }
