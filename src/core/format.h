/* Printing arrays the way MLX does: "array([2, 3, 4], dtype=int32)". */
#ifndef WEIR_CORE_FORMAT_H
#define WEIR_CORE_FORMAT_H

#include <stdint.h>

#include "weir/array.h"

/* data: row-major host data of the given shape. Returns a malloc'd string, NULL when out of memory. */
char *weir__format_array(const void *data, weir_dtype t, const int64_t *shape, int ndim);

#endif
