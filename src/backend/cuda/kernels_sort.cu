// SORT / ARGSORT on the GPU along the last axis of a contiguous in[0] (L elements per row): each
// element becomes its order key (backend/select_math.h, the CPU's code: numpy's order as an
// unsigned integer, NaN last, -0 == 0) with its index in the row, the rows are sorted by CUB's
// stable segmented sort, and the output takes the sorted indices (ARGSORT) or the input's
// elements at them (SORT). Stable on equal keys, so both backends give the same permutation and
// bit-identical results. Scratch (keys, indices, row offsets, CUB's temporary storage) is one
// stream-ordered allocation per call.
#include <cub/device/device_segmented_sort.cuh>

#include "backend/cuda/cuda_common.cuh"

extern "C" {
#include "backend/select_math.h"
}

namespace {

__global__ void __launch_bounds__(kBlock) sort_keys_kernel(const void *in, weir_dtype t, int64_t n, int64_t L,
                                                           int64_t rows, uint64_t *keys, uint32_t *idx,
                                                           int64_t *offsets) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n || i <= rows; i += stride) {
    if (i < n) {
      keys[i] = weir__sort_key(in, t, i);
      idx[i] = (uint32_t)(i % L);
    }
    if (i <= rows) offsets[i] = i * L;
  }
}

template <class T>
__global__ void __launch_bounds__(kBlock) sort_gather_kernel(int64_t n, int64_t L, const T *in, const uint32_t *idx,
                                                             T *out) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = in[(i / L) * L + idx[i]];
}

size_t round_up(size_t n) { return (n + 255) & ~(size_t)255; }

} // namespace

weir_status weir__cuda_sort(weir__cuda_ctx *ctx, weir__kernel_call *c) {
  const weir__tensor *in = &c->in[0];
  const bool arg = c->prim == WEIR__P_ARGSORT;
  if (c->nin != 1 || !in->contiguous || in->ndim < 1 || in->size != c->out.size ||
      c->out.dtype != (arg ? WEIR_UINT32 : in->dtype))
    return fail(c, WEIR_ERR_INTERNAL, "%s: malformed call", weir__prim_name(c->prim));
  const int64_t n = in->size, L = in->shape[in->ndim - 1], rows = n / L;
  if (L > (int64_t)UINT32_MAX)
    return fail(c, WEIR_ERR_UNSUPPORTED, "%s: rows longer than 2^32 elements are not supported on the GPU",
                weir__prim_name(c->prim));
  cudaStream_t st = stream_of(ctx);
  size_t cub_bytes = 0;
  cudaError_t e = cub::DeviceSegmentedSort::StableSortPairs(nullptr, cub_bytes, (const uint64_t *)nullptr,
                                                            (uint64_t *)nullptr, (const uint32_t *)nullptr,
                                                            (uint32_t *)nullptr, n, rows, (const int64_t *)nullptr,
                                                            (const int64_t *)nullptr, st);
  if (e != cudaSuccess) return cuda_failed(c, e, "cub::DeviceSegmentedSort (size query)");
  const size_t kb = round_up((size_t)n * 8), ib = round_up((size_t)n * 4), ob = round_up((size_t)(rows + 1) * 8);
  char *scratch = nullptr;
  e = cudaMallocAsync((void **)&scratch, 2 * kb + 2 * ib + ob + round_up(cub_bytes), st);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    return fail(c, WEIR_ERR_OUT_OF_MEMORY, "%s: no GPU memory for the sort's scratch (%s)", weir__prim_name(c->prim),
                cudaGetErrorString(e));
  }
  uint64_t *keys_in = (uint64_t *)scratch, *keys_out = (uint64_t *)(scratch + kb);
  uint32_t *idx_in = (uint32_t *)(scratch + 2 * kb), *idx_out = (uint32_t *)(scratch + 2 * kb + ib);
  int64_t *offsets = (int64_t *)(scratch + 2 * kb + 2 * ib);
  void *cub_tmp = scratch + 2 * kb + 2 * ib + ob;
  weir_status status = WEIR_OK;
  sort_keys_kernel<<<grid_for(n + 1, kBlock, ctx->device, 16), kBlock, 0, st>>>(in->data, in->dtype, n, L, rows,
                                                                                 keys_in, idx_in, offsets);
  status = launched(c);
  if (status == WEIR_OK) {
    e = cub::DeviceSegmentedSort::StableSortPairs(cub_tmp, cub_bytes, keys_in, keys_out, idx_in, idx_out, n, rows,
                                                  offsets, offsets + 1, st);
    if (e != cudaSuccess) status = cuda_failed(c, e, "cub::DeviceSegmentedSort::StableSortPairs");
  }
  if (status == WEIR_OK) {
    unsigned g = grid_for(n, kBlock, ctx->device, 16);
    if (arg) {
      e = cudaMemcpyAsync(c->out.data, idx_out, (size_t)n * 4, cudaMemcpyDeviceToDevice, st);
      if (e != cudaSuccess) status = cuda_failed(c, e, "cudaMemcpyAsync");
    } else {
      const void *src = in->data;
      void *dst = c->out.data;
      switch (dsize(in->dtype)) {
      case 1: sort_gather_kernel<<<g, kBlock, 0, st>>>(n, L, (const uint8_t *)src, idx_out, (uint8_t *)dst); break;
      case 2: sort_gather_kernel<<<g, kBlock, 0, st>>>(n, L, (const uint16_t *)src, idx_out, (uint16_t *)dst); break;
      case 4: sort_gather_kernel<<<g, kBlock, 0, st>>>(n, L, (const uint32_t *)src, idx_out, (uint32_t *)dst); break;
      default: sort_gather_kernel<<<g, kBlock, 0, st>>>(n, L, (const uint64_t *)src, idx_out, (uint64_t *)dst); break;
      }
      status = launched(c);
    }
  }
  // Stream-ordered: released after the work above. A failure leaves nothing to do but must not
  // surface later as another call's error.
  if (cudaFreeAsync(scratch, st) != cudaSuccess) (void)cudaGetLastError();
  return status;
}
