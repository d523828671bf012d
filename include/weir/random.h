/* weir — counter-based random numbers (Threefry-2x32, 20 rounds). A key is a uint32 array of
   shape (2,); the same key gives the same bits on every device. */
#ifndef WEIR_RANDOM_H
#define WEIR_RANDOM_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

weir_status weir_random_seed(uint64_t seed); /* resets the global key */
weir_status weir_random_key(weir_array **out, uint64_t seed);
/* (num, 2) uint32: num new keys. */
weir_status weir_random_split(weir_array **out, const weir_array *key, int num, weir_stream s);
/* (shape) uint32 random bits. */
weir_status weir_random_bits(weir_array **out, const int64_t *shape, int ndim, const weir_array *key, weir_stream s);
weir_status weir_random_normal(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, double loc,
                               double scale, const weir_array *key /* NULL: global key */, weir_stream s);
weir_status weir_random_uniform(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, double low,
                                double high, const weir_array *key /* NULL: global key */, weir_stream s);

#ifdef __cplusplus
}
#endif
#endif
