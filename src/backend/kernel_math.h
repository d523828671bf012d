/* Small pieces of kernel logic that the CPU and CUDA kernels must compute identically, written
   once: exact integer powers, and the merging of reduction axes into groups. */
#ifndef WEIR_BACKEND_KERNEL_MATH_H
#define WEIR_BACKEND_KERNEL_MATH_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/host_device.h"

/* Exact integer powers by squaring, wrapping modulo 2^64 (callers keep the low bits). */
WEIR__HD uint64_t weir__ipow_u(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  while (e) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return r;
}

/* A negative exponent gives 1/b^-e truncated: 0, except 1 for b == 1 and +-1 for b == -1. */
WEIR__HD uint64_t weir__ipow_s(int64_t b, int64_t e) {
  if (e < 0) return b == 1 ? 1 : b == -1 ? (((uint64_t)e & 1) ? UINT64_MAX : 1) : 0;
  return weir__ipow_u((uint64_t)b, (uint64_t)e);
}

/* Merges consecutive axes of one kind (reduced or kept) of a row-major shape, skipping size-1
   axes: gshape/gred get the groups' lengths and kinds. Returns the number of groups. */
WEIR__HD int weir__merge_reduce_axes(const int64_t *shape, int ndim, uint64_t mask, int64_t *gshape, bool *gred) {
  int ng = 0;
  for (int d = 0; d < ndim; d++) {
    bool r = (mask >> d) & 1;
    if (shape[d] == 1) continue;
    if (ng > 0 && gred[ng - 1] == r) {
      gshape[ng - 1] *= shape[d];
    } else {
      gshape[ng] = shape[d];
      gred[ng++] = r;
    }
  }
  return ng;
}

#endif
