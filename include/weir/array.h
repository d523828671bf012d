/* weir — lazy n-d arrays (opaque, reference counted). */
#ifndef WEIR_ARRAY_H
#define WEIR_ARRAY_H

#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum weir_dtype {
  WEIR_BOOL, WEIR_UINT8, WEIR_UINT16, WEIR_UINT32, WEIR_UINT64,
  WEIR_INT8, WEIR_INT16, WEIR_INT32, WEIR_INT64,
  WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT32, WEIR_FLOAT64
} weir_dtype;
#define WEIR_NUM_DTYPES 13
#define WEIR_MAX_NDIM 32

size_t weir_dtype_size(weir_dtype t);      /* 0 for values outside the enum */
const char *weir_dtype_name(weir_dtype t); /* "float32"; "unknown" outside the enum */
/* MLX's promotion of two dtypes (numpy-like; e.g. int32+float16 -> float16). */
weir_dtype weir_dtype_promote(weir_dtype a, weir_dtype b);

typedef struct weir_array weir_array;
/* Copies ndim-dimensional row-major data (shape may be NULL when ndim == 0). */
weir_status weir_array_from_data(weir_array **out, const void *data, const int64_t *shape, int ndim, weir_dtype t);
weir_status weir_array_from_scalar(weir_array **out, double v, weir_dtype t); /* 0-d */
weir_array *weir_array_retain(weir_array *a);
void weir_array_free(weir_array *a); /* drops this reference; NULL is fine */

int weir_array_ndim(const weir_array *a);
const int64_t *weir_array_shape(const weir_array *a);
int64_t weir_array_size(const weir_array *a);
size_t weir_array_nbytes(const weir_array *a);
weir_dtype weir_array_dtype(const weir_array *a);
weir_stream weir_array_stream(const weir_array *a);

weir_status weir_eval(weir_array *const *arrays, size_t n);       /* schedules and waits */
weir_status weir_async_eval(weir_array *const *arrays, size_t n); /* schedules, returns at once */
/* Evaluates; row-major host copy, valid while a lives. */
weir_status weir_array_data(const weir_array *a, const void **out);
weir_status weir_array_item_double(const weir_array *a, double *out); /* 1-element arrays */
weir_status weir_array_item_int64(const weir_array *a, int64_t *out);
weir_status weir_array_tostring(const weir_array *a, char **out); /* "array([2, 3, 4], dtype=int32)"; free() it */

#ifdef __cplusplus
}
#endif
#endif
